/* common/daemon.c - see daemon.h */
#include "daemon.h"

#include <getopt.h>
#include <pthread.h>
#include <string.h>

int daemon_parse_args(int argc, char **argv, const char *name,
		      const char *version, void (*usage)(FILE *),
		      struct daemon_args *ret)
{
	int opt;

	memset(ret, 0, sizeof(*ret));
	while ((opt = getopt(argc, argv, "c:tTvhV")) != -1) {
		switch (opt) {
		case 'c':
			ret->config = optarg;
			break;
		case 't':
			ret->check = true;
			break;
		case 'T':
			ret->print = true;
			break;
		case 'v':
			ret->verbose = true;
			break;
		case 'V':
			printf("%s %s\n", name, version);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", name,
			argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

void daemon_signals(sigset_t *ret)
{
	sigemptyset(ret);
	sigaddset(ret, SIGTERM);
	sigaddset(ret, SIGINT);
	pthread_sigmask(SIG_BLOCK, ret, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool daemon_config_only(const struct daemon_args *a,
			const struct conf_key *table, const void *obj)
{
	if (a->print)
		conf_print(table, obj, stdout);
	else if (a->check)
		printf("configuration OK\n");
	return a->check || a->print;
}

int daemon_wait(const sigset_t *sigs)
{
	int sig = 0;

	while (sigwait(sigs, &sig) != 0)
		;
	return sig;
}
