/* common/daemon.c - see daemon.h */
#include "daemon.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sdnotify.h"

#define STATUS_EVERY_MS 5000

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
	sigaddset(ret, SIGHUP);
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

static void send_status(const struct sdnotify *n,
			const struct daemon_hooks *h, char *last, size_t len,
			const char *prefix)
{
	char st[256] = "", msg[320];

	if (h && h->status)
		h->status(h->ctx, st, sizeof(st));
	if (!*prefix && strcmp(st, last) == 0)
		return;
	snprintf(last, len, "%s", st);
	snprintf(msg, sizeof(msg), "%s%sSTATUS=%s", prefix, *prefix ? "\n" : "",
		 st);
	(void)sdnotify_send(n, msg);
}

int daemon_run(const sigset_t *sigs, const struct daemon_hooks *h)
{
	struct sdnotify n;
	char last[256] = "";
	uint64_t tick_ms = STATUS_EVERY_MS;
	struct timespec next_wd = {0, 0}, now;
	int r, sig;

	r = sdnotify_open(&n);
	if (r < 0)
		log_warn("NOTIFY_SOCKET is set but unusable (%s); systemd will "
			 "not hear from us", strerror(-r));
	if (n.watchdog_usec) {
		uint64_t half = n.watchdog_usec / 2000;

		if (half < tick_ms)
			tick_ms = half ? half : 1;
		log_debug("watchdog: WATCHDOG=1 every %llu ms",
			  (unsigned long long)tick_ms);
	}
	send_status(&n, h, last, sizeof(last), "READY=1");
	for (;;) {
		struct timespec to = {(time_t)(tick_ms / 1000),
				      (long)(tick_ms % 1000) * 1000000L};

		sig = sigtimedwait(sigs, NULL, &to);
		if (n.watchdog_usec) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > next_wd.tv_sec ||
			    (now.tv_sec == next_wd.tv_sec &&
			     now.tv_nsec >= next_wd.tv_nsec)) {
				(void)sdnotify_send(&n, "WATCHDOG=1");
				next_wd = now;
				next_wd.tv_sec += (time_t)(tick_ms / 1000);
				next_wd.tv_nsec += (long)(tick_ms % 1000) *
						   1000000L;
				if (next_wd.tv_nsec >= 1000000000L) {
					next_wd.tv_sec++;
					next_wd.tv_nsec -= 1000000000L;
				}
			}
		}
		if (sig < 0) {
			if (errno == EAGAIN)
				send_status(&n, h, last, sizeof(last), "");
			continue;
		}
		if (sig == SIGHUP) {
			if (!h || !h->reload) {
				log_notice("SIGHUP: nothing to reload");
				continue;
			}
			(void)sdnotify_send(&n, "RELOADING=1");
			log_notice("SIGHUP: reloading the configuration");
			h->reload(h->ctx);
			send_status(&n, h, last, sizeof(last), "READY=1");
			continue;
		}
		break;
	}
	(void)sdnotify_send(&n, "STOPPING=1");
	sdnotify_close(&n);
	return sig;
}

int daemon_wait(const sigset_t *sigs)
{
	return daemon_run(sigs, NULL);
}
