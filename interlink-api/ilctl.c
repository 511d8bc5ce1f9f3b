/*
 * interlink-api/ilctl.c - ilctl: drive an interLink gateway the way the
 * virtual-kubelet does, without Kubernetes.  main, global options, the
 * argument scanner and the manual; the commands live in ilctl_*.c.
 */
#include "ilctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "ilctl_state.h"
#include "ilctl_util.h"
#include "text.h"

volatile sig_atomic_t got_sigint;

enum global_id {
	G_URL = 1000,
	G_CERT,
	G_KEY,
	G_CACERT,
	G_TOKEN_FILE,
	G_STATE_DIR,
	G_NAMESPACE,
	G_TIMEOUT,
	G_VERBOSE,
	G_HELP,
	G_VERSION,
	G_CONTEXT
};

static const struct ilctl_optdef global_defs[] = {
	{"url", 0, true, G_URL},
	{"cert", 0, true, G_CERT},
	{"key", 0, true, G_KEY},
	{"cacert", 0, true, G_CACERT},
	{"token-file", 0, true, G_TOKEN_FILE},
	{"state-dir", 0, true, G_STATE_DIR},
	{"namespace", 'n', true, G_NAMESPACE},
	{"timeout", 0, true, G_TIMEOUT},
	{"verbose", 'v', false, G_VERBOSE},
	{"help", 'h', false, G_HELP},
	{"version", 0, false, G_VERSION},
	{"context", 0, true, G_CONTEXT}, /* applied by main, see ilctl_config.c */
	{NULL, 0, false, 0},
};

struct command {
	const char *name;
	int (*run)(struct ilctl_opts *o, int argc, char **argv);
	const char *synopsis;
};

static const struct command commands[] = {
	{"create", ilctl_cmd_create, "create -f FILE.yaml [--force]"},
	{"status", ilctl_cmd_status, "status NAME [-o json]"},
	{"wait", ilctl_cmd_wait,
	 "wait NAME [--for running|terminated] [--timeout SECONDS] "
	 "[--interval SECONDS]"},
	{"logs", ilctl_cmd_logs,
	 "logs NAME [-c CONTAINER] [-f] [--tail N] [--limit-bytes N] "
	 "[--since DURATION] [--since-time RFC3339] [--timestamps] "
	 "[--previous] [--init]"},
	{"delete", ilctl_cmd_delete, "delete NAME [--force]"},
	{"ping", ilctl_cmd_ping, "ping"},
	{"list", ilctl_cmd_list, "list"},
	{"get", ilctl_cmd_get,
	 "get pods [NAME...] [-o wide|json|yaml|name] [-A]"},
	{"describe", ilctl_cmd_describe, "describe pod NAME"},
	{"completion", ilctl_cmd_completion, "completion bash"},
	{"config", ilctl_cmd_config,
	 "config use-context NAME | current-context | get-contexts"},
};

static const char manual[] =
	"NAME\n"
	"    ilctl - talk to an interLink gateway as the virtual-kubelet does\n"
	"\n"
	"SYNOPSIS\n"
	"    ilctl [GLOBAL OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"DESCRIPTION\n"
	"    ilctl sends the requests an unmodified interLink virtual-kubelet\n"
	"    sends (same methods, headers and JSON bodies), so a site can try\n"
	"    interlink-api and its sidecar without Kubernetes.  The pods it\n"
	"    creates are remembered in the state directory, one JSON file\n"
	"    per pod, and later commands refer to them by name.\n"
	"\n"
	"COMMANDS\n"
	"    create -f FILE.yaml [--force]\n"
	"        FILE (\"-\" for stdin) holds one Pod and the ConfigMaps and\n"
	"        Secrets it references, as YAML documents separated by\n"
	"        \"---\".\n"
	"        ilctl fills in what Kubernetes would (namespace, uid,\n"
	"        creationTimestamp, Pending status, resolved env, projected\n"
	"        volume maps), POSTs the PodCreateRequests to /create and\n"
	"        saves the pod with its JobID annotation.  --force replaces\n"
	"        a saved pod of the same name: it is deleted on the server\n"
	"        first, as kubectl replace --force does.\n"
	"    status NAME [-o json]\n"
	"        GET /status with the saved pod; prints a table of its\n"
	"        containers (CONTAINER KIND STATE EXIT REASON STARTED\n"
	"        FINISHED), or the raw reply with -o json.\n"
	"    wait NAME [--for running|terminated] [--timeout SECONDS]\n"
	"         [--interval SECONDS]\n"
	"        Poll the status until every reported container is\n"
	"        terminated (default), or one is running (--for running,\n"
	"        also met once all have finished).  Default timeout 120 s,\n"
	"        interval 1 s.  Exit 1 on timeout, with the last status.\n"
	"    logs NAME [-c CONTAINER] [-f] [--tail N] [--limit-bytes N]\n"
	"         [--since DURATION] [--since-time RFC3339] [--timestamps]\n"
	"         [--previous] [--init]\n"
	"        GET /getLogs; the log streams to stdout as it arrives (-f\n"
	"        follows it until the container ends or Ctrl-C).  -c is\n"
	"        needed when the pod has several containers; --init picks\n"
	"        the default among the init containers.  DURATION is like\n"
	"        10s, 5m, 1h30m.\n"
	"    delete NAME [--force]\n"
	"        DELETE /delete with the saved pod, then forget it.  --force\n"
	"        forgets it even when the gateway refuses.\n"
	"    ping\n"
	"        POST /pinglink (no body, no Content-Type) and print the\n"
	"        reply.\n"
	"    list\n"
	"        The saved pods: name, namespace, uid and job id.\n"
	"    get pods [NAME...] [-o wide|json|yaml|name] [-A]\n"
	"        The saved pods of the namespace (-A: of every namespace)\n"
	"        with their state from one batched GET /status: NAME READY\n"
	"        STATUS RESTARTS AGE as kubectl prints them; -o wide adds\n"
	"        JOB-ID and UID; -o json and -o yaml print a v1 List of the\n"
	"        pods with status.phase and containerStatuses.\n"
	"    describe pod NAME\n"
	"        The pod's identity, job id, containers (image, state,\n"
	"        reason, exit code, times, ready, restarts) and the events\n"
	"        known (created, submitted, started, finished).\n"
	"    config use-context NAME | current-context | get-contexts\n"
	"        Contexts, as kubectl's, in $ILCTL_CONFIG, else\n"
	"        $XDG_CONFIG_HOME/ilctl/config, else ~/.config/ilctl/config:\n"
	"          current-context: prod\n"
	"          contexts:\n"
	"            prod: {url: https://gw:3000, cacert: ca.crt,\n"
	"                   cert: vk.crt, key: vk.key, token-file: F,\n"
	"                   namespace: team-a}\n"
	"        The current context (or --context NAME) gives what the\n"
	"        command line and ILCTL_URL do not.\n"
	"    completion bash\n"
	"        A bash completion script: source <(ilctl completion bash)\n"
	"\n"
	"    COMMAND --help prints that command's part of this text.\n"
	"\n"
	"GLOBAL OPTIONS (before or after COMMAND)\n"
	"    --url URL          gateway: http://host:port, https://host:port\n"
	"                       or unix:///path/to.sock (default $ILCTL_URL,\n"
	"                       else " ILCTL_DEFAULT_URL ")\n"
	"    --cert FILE --key FILE\n"
	"                       client certificate and key (PEM) for https\n"
	"    --cacert FILE      CA bundle for https (default: system store);\n"
	"                       the server certificate is always verified\n"
	"    --token-file FILE  bearer token, re-read for every request;\n"
	"                       sent when non-empty, and always on ping\n"
	"    --state-dir DIR    where pods are remembered (default\n"
	"                       $ILCTL_STATE_DIR, else\n"
	"                       $HOME/.local/state/ilctl)\n"
	"    -n, --namespace NS namespace (default \"default\")\n"
	"    --timeout SECONDS  limit on connecting and on waiting for the\n"
	"                       first byte of the reply; 0 = none (default).\n"
	"                       After \"wait\" it is the wait's own timeout.\n"
	"    -v, --verbose      print a summary of each HTTP exchange to\n"
	"                       stderr (the token is never printed)\n"
	"    -h, --help         this text\n"
	"    --version          version\n"
	"\n"
	"ENVIRONMENT\n"
	"    ILCTL_URL, ILCTL_STATE_DIR, HOME\n"
	"\n"
	"FILES\n"
	"    STATE_DIR/NAMESPACE_NAME.json   a created pod (mode 0600)\n"
	"\n"
	"EXIT STATUS\n"
	"    0 success; 1 HTTP error reply, bad input or wait timeout;\n"
	"    2 usage error; 3 transport error (connect, TLS, timeout);\n"
	"    130 interrupted (logs -f ends with 0 on Ctrl-C).\n"
	"\n"
	"EXAMPLES\n"
	"    ilctl --url http://127.0.0.1:3000 ping\n"
	"    ilctl create -f examples/pods/hello.yaml\n"
	"    ilctl wait hello-world && ilctl logs hello-world\n"
	"    ilctl --url https://gw:8443 --cacert ca.pem --cert c.pem \\\n"
	"          --key c.key status hello-world\n";

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (name && strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int ilctl_fail(int code, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (cmd)
		(void)fprintf(stderr, "ilctl: %s: ", cmd);
	else
		(void)fputs("ilctl: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	return code;
}

int ilctl_usage_error(const char *cmd, const char *fmt, ...)
{
	const struct command *c = find_command(cmd);
	va_list ap;

	(void)fprintf(stderr, "ilctl: %s%s", cmd ? cmd : "", cmd ? ": " : "");
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "\nusage: ilctl [GLOBAL OPTIONS] %s\n",
		      c ? c->synopsis : "COMMAND [ARGS]  (see ilctl --help)");
	return ILCTL_EUSAGE;
}

int ilctl_parse_long(const char *cmd, const char *opt, const char *s,
		     long max, long *ret)
{
	int64_t v;

	if (text_parse_i64(s, 0, max, &v) < 0)
		return ilctl_usage_error(cmd, "%s '%s': expected a whole "
					      "number from 0 to %ld",
					 opt, s, max);
	*ret = (long)v;
	return 0;
}

const char *ilctl_state_dir(struct ilctl_opts *o, const char *cmd)
{
	/* single-threaded, nothing calls setenv */
	const char *env = getenv("ILCTL_STATE_DIR"); /* NOLINT */
	const char *home = getenv("HOME");           /* NOLINT */
	size_t len;

	if (o->state_dir)
		return o->state_dir;
	if (env && *env) {
		o->state_dir = env;
		return env;
	}
	if (!home || home[0] != '/') {
		(void)ilctl_fail(ILCTL_EUSAGE, cmd,
				 "HOME is not set; use --state-dir or "
				 "ILCTL_STATE_DIR");
		return NULL;
	}
	len = strlen(home) + sizeof("/.local/state/ilctl");
	o->state_dir_alloc = malloc(len);
	if (!o->state_dir_alloc) {
		(void)ilctl_fail(ILCTL_EFAIL, cmd, "out of memory");
		return NULL;
	}
	(void)snprintf(o->state_dir_alloc, len, "%s/.local/state/ilctl", home);
	o->state_dir = o->state_dir_alloc;
	return o->state_dir;
}

int ilctl_load_pod(struct ilctl_opts *o, const char *cmd, const char *name,
		   cJSON **ret, const char **ret_dir)
{
	const char *dir = ilctl_state_dir(o, cmd);
	char err[512];

	if (!dir)
		return ILCTL_EFAIL;
	if (ilctl_state_load(dir, o->ns, name, ret, err, sizeof(err)) < 0)
		return ilctl_fail(ILCTL_EFAIL, cmd, "%s", err);
	if (ret_dir)
		*ret_dir = dir;
	return ILCTL_OK;
}

/* "--name", "--name=value" or "-c"; *ret_val gets an inline value. */
static const struct ilctl_optdef *find_opt(const struct ilctl_optdef *defs,
					   const char *arg,
					   const char **ret_val)
{
	*ret_val = NULL;
	if (arg[0] == '-' && arg[1] == '-') {
		const char *eq = strchr(arg + 2, '=');
		size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);

		for (; defs->name; defs++) {
			if (strlen(defs->name) != n ||
			    memcmp(defs->name, arg + 2, n) != 0)
				continue;
			*ret_val = eq ? eq + 1 : NULL;
			return defs;
		}
		return NULL;
	}
	for (; defs->name; defs++) {
		if (!defs->short_name || arg[1] != defs->short_name)
			continue;
		if (arg[2] == '\0')
			return defs;
		/* "-cmain": an attached value */
		if (!defs->has_arg)
			return NULL;
		*ret_val = arg + 2;
		return defs;
	}
	return NULL;
}

/*
 * "ilctl CMD --help": the synopsis and CMD's paragraph of the manual (the
 * lines from "    CMD" up to the next command's line).
 */
static void command_help(const char *cmd)
{
	const struct command *c = find_command(cmd);
	const char *p = manual, *end;
	size_t n = strlen(cmd);

	(void)printf("Usage: ilctl [GLOBAL OPTIONS] %s\n\n", c->synopsis);
	p = strstr(p, "\nCOMMANDS\n");
	while (p && (p = strstr(p, "\n    ")) != NULL) {
		p += 5;
		if (strncmp(p, cmd, n) == 0 && (p[n] == ' ' || p[n] == '\n'))
			break;
	}
	if (p) {
		for (end = strchr(p, '\n'); end; end = strchr(end + 1, '\n'))
			if (strncmp(end + 1, "    ", 4) == 0 && end[5] != ' ')
				break;
			else if (end[1] == '\n' || end[1] == '\0')
				break;
		(void)printf("    %.*s\n", (int)(end ? end - p : (long)strlen(p)),
			     p);
	}
	(void)printf("\nGlobal options: ilctl --help.\n");
}

static int apply_global(struct ilctl_opts *o, const char *cmd, int id,
			const char *val)
{
	if (!val)
		val = ""; /* a flag: its value is never looked at */
	switch (id) {
	case G_URL:
		o->url = val;
		break;
	case G_CERT:
		o->cert = val;
		break;
	case G_KEY:
		o->key = val;
		break;
	case G_CACERT:
		o->cacert = val;
		break;
	case G_TOKEN_FILE:
		o->token_file = val;
		break;
	case G_STATE_DIR:
		if (!*val)
			return ilctl_usage_error(cmd, "--state-dir is empty");
		o->state_dir = val;
		break;
	case G_NAMESPACE:
		if (!text_is_dns_label(val))
			return ilctl_usage_error(cmd,
						 "namespace '%s' is not a "
						 "valid DNS label",
						 val);
		o->ns = val;
		break;
	case G_TIMEOUT:
		return ilctl_parse_long(cmd, "--timeout", val, 31536000L,
					&o->timeout);
	case G_VERBOSE:
		o->verbose = true;
		break;
	case G_HELP:
		if (cmd && find_command(cmd))
			command_help(cmd);
		else
			(void)fputs(manual, stdout);
		return ILCTL_DONE;
	case G_VERSION:
		(void)printf("ilctl %s (%s)\n", ILCTL_VERSION, curl_version());
		return ILCTL_DONE;
	case G_CONTEXT: /* applied before parsing */
		break;
	default:
		break;
	}
	return 0;
}

/* One option at argv[*i]; its value may be the next argument. */
static int take_option(struct ilctl_opts *o, const char *cmd, int argc,
		       char **argv, int *i, const struct ilctl_optdef *defs,
		       ilctl_opt_fn fn, void *ctx)
{
	const char *arg = argv[*i], *val;
	const struct ilctl_optdef *d = NULL;
	bool global = false;

	if (defs)
		d = find_opt(defs, arg, &val);
	if (!d) {
		d = find_opt(global_defs, arg, &val);
		global = true;
	}
	if (!d)
		return ilctl_usage_error(cmd, "unknown option '%s'", arg);
	if (d->has_arg && !val) {
		if (*i + 1 >= argc)
			return ilctl_usage_error(cmd, "option '%s' needs a "
						      "value",
						 arg);
		val = argv[++*i];
	} else if (!d->has_arg && val) {
		return ilctl_usage_error(cmd, "option '--%s' takes no value",
					 d->name);
	}
	if (global)
		return apply_global(o, cmd, d->id, val);
	return fn(ctx, d->id, val);
}

int ilctl_parse_args(struct ilctl_opts *o, int argc, char **argv,
		     const struct ilctl_optdef *defs, ilctl_opt_fn fn,
		     void *ctx, const char **pos, size_t min_pos,
		     size_t max_pos)
{
	const char *cmd = argv[0];
	bool options_done = false;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < max_pos; i++)
		pos[i] = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!options_done && strcmp(a, "--") == 0) {
			options_done = true;
			continue;
		}
		if (options_done || a[0] != '-' || a[1] == '\0') {
			if (n == max_pos)
				return ilctl_usage_error(
					cmd, "unexpected argument '%s'", a);
			pos[n++] = a;
			continue;
		}
		r = take_option(o, cmd, argc, argv, &i, defs, fn, ctx);
		if (r)
			return r;
	}
	if (n < min_pos)
		return ilctl_usage_error(cmd, "missing argument");
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	got_sigint = 1;
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* no SA_RESTART: sleeps must wake up */
	if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		return -1;
	/* a closed stdout pipe is an EPIPE write error, not a death */
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* The value of --context NAME / --context=NAME anywhere, or NULL. */
static const char *find_context_arg(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--context") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--context=", 10) == 0)
			return argv[i] + 10;
	}
	return NULL;
}

/* Global options before the command; *ret_cmd = index of the command. */
static int pre_command(struct ilctl_opts *o, int argc, char **argv,
		       int *ret_cmd)
{
	for (int i = 1; i < argc; i++) {
		int r;

		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			*ret_cmd = i;
			return 0;
		}
		r = take_option(o, NULL, argc, argv, &i, NULL, NULL, NULL);
		if (r)
			return r;
	}
	return ilctl_usage_error(NULL, "no command given");
}

int main(int argc, char **argv)
{
	struct ilctl_opts o = {0};
	const struct command *c;
	const char *env = getenv("ILCTL_URL"); /* NOLINT: single-threaded */
	int r, ci = 0;

	o.url = env && *env ? env : ILCTL_DEFAULT_URL;
	o.ns = "default";
	r = ilctl_config_apply(&o, find_context_arg(argc, argv),
			       env && *env);
	if (r)
		return r;
	r = pre_command(&o, argc, argv, &ci);
	if (r)
		return r == ILCTL_DONE ? ILCTL_OK : r;
	c = find_command(argv[ci]);
	if (!c)
		return ilctl_usage_error(NULL, "unknown command '%s'",
					 argv[ci]);
	if (install_signals() < 0)
		return ilctl_fail(ILCTL_EFAIL, NULL, "sigaction: %s",
				  ilctl_strerror(errno));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ilctl_fail(ILCTL_EFAIL, NULL, "curl_global_init failed");
	r = c->run(&o, argc - ci, argv + ci);
	curl_global_cleanup();
	free(o.state_dir_alloc);
	/* every result line went to stdout: make sure it got there */
	if (fflush(stdout) != 0 && errno != EPIPE && r != ILCTL_EFAIL)
		r = ilctl_fail(ILCTL_EFAIL, NULL, "stdout: %s",
			       ilctl_strerror(errno));
	if (r == ILCTL_DONE)
		return ILCTL_OK;
	if (r == ILCTL_EINTR)
		(void)fputs("ilctl: interrupted\n", stderr);
	return r;
}
