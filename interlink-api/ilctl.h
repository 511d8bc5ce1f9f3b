/*
 * interlink-api/ilctl.h - the ilctl command-line client, shared parts.
 *
 * ilctl speaks the virtual-kubelet's protocol to an interLink gateway so a
 * site can drive a deployment without Kubernetes.  ilctl.c holds main, the
 * global options and the argument scanner; each ilctl_*.c one concern:
 *   ilctl_cmd.c     create, delete, ping, list
 *   ilctl_status.c  status, wait
 *   ilctl_logs.c    logs
 *   ilctl_get.c     get pods, describe pod
 *   ilctl_config.c  contexts (~/.config/ilctl/config)
 *   ilctl_completion.c  the bash completion script
 *   ilctl_http.c    the libcurl transport (one easy handle per call)
 *   ilctl_pod.c     manifest -> PodCreateRequests
 *   ilctl_state.c   the state directory of created pods
 *   ilctl_util.c    random numbers, UUIDs, bounded reads, durations
 */
#ifndef ILCTL_H
#define ILCTL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct cJSON;

#define ILCTL_VERSION "0.1.0"
#define ILCTL_DEFAULT_URL "http://127.0.0.1:3000"
/* Cap of every response body ilctl keeps in memory, and of a manifest. */
#define ILCTL_MAX_BODY (16u << 20)

/* Exit statuses. */
enum ilctl_exit {
	ILCTL_OK = 0,          /* done */
	ILCTL_EFAIL = 1,       /* HTTP error, bad input, wait timed out */
	ILCTL_EUSAGE = 2,      /* bad command line */
	ILCTL_ETRANSPORT = 3,  /* could not talk to the gateway */
	ILCTL_EINTR = 130      /* interrupted (SIGINT / SIGTERM) */
};

/* Global options, valid before or after the command name. */
struct ilctl_opts {
	const char *url;        /* gateway: http(s)://host:port, unix:///p */
	const char *cert;       /* client certificate (PEM), or NULL */
	const char *key;        /* its private key, or NULL */
	const char *cacert;     /* CA bundle for https, NULL = system */
	const char *token_file; /* bearer token file, re-read per call */
	const char *state_dir;  /* NULL until ilctl_state_dir() */
	char *state_dir_alloc;  /* owned default of state_dir */
	const char *ns;         /* namespace, "default" */
	long timeout;           /* connect + first byte, seconds; 0 = none */
	bool verbose;           /* -v: HTTP summary on stderr */
};

/* Set by the SIGINT/SIGTERM handler; the transfer and sleeps watch it. */
extern volatile sig_atomic_t got_sigint;

/* One command-specific option. */
struct ilctl_optdef {
	const char *name; /* long name without "--" */
	char short_name;  /* 0 = none */
	bool has_arg;
	int id; /* passed to the command's callback, > 0 */
};

/* Called for each command option; returns 0 or ILCTL_EUSAGE (printed). */
typedef int (*ilctl_opt_fn)(void *ctx, int id, const char *arg);

/*
 * Finished early, exit 0 quietly: after -h or --version, or when Ctrl-C
 * ends a followed log.
 */
#define ILCTL_DONE (-1)

/*
 * Scan argv[1..argc) of command argv[0]: command options (defs, ending
 * with a zeroed entry; NULL for none) go to fn, global options into o,
 * positionals into pos[] (between min_pos and max_pos of them).  Forms:
 * "--opt val", "--opt=val", "-o val", "-oval", "--" ends options, "-" is
 * a positional.  Returns 0, ILCTL_EUSAGE (message printed) or ILCTL_DONE
 * (help printed).
 */
int ilctl_parse_args(struct ilctl_opts *o, int argc, char **argv,
		     const struct ilctl_optdef *defs, ilctl_opt_fn fn,
		     void *ctx, const char **pos, size_t min_pos,
		     size_t max_pos);

/* Print "ilctl: <cmd>: <message>" to stderr; returns code. */
int ilctl_fail(int code, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print a usage error for cmd and return ILCTL_EUSAGE. */
int ilctl_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parse a whole non-negative decimal number; 0 or ILCTL_EUSAGE (printed). */
int ilctl_parse_long(const char *cmd, const char *opt, const char *s,
		     long max, long *ret);

/*
 * The state directory: --state-dir, else $ILCTL_STATE_DIR, else
 * $HOME/.local/state/ilctl.  NULL (message printed) when none applies.
 */
const char *ilctl_state_dir(struct ilctl_opts *o, const char *cmd);

/*
 * Load the saved pod NAME of namespace o->ns into *ret (caller frees);
 * *ret_dir (may be NULL) gets the state directory.  ILCTL_OK, or
 * ILCTL_EFAIL with the reason printed.
 */
int ilctl_load_pod(struct ilctl_opts *o, const char *cmd, const char *name,
		   struct cJSON **ret, const char **ret_dir);

/* The commands; argv[0] is the command name.  Return an exit status. */
int ilctl_cmd_create(struct ilctl_opts *o, int argc, char **argv);
int ilctl_cmd_delete(struct ilctl_opts *o, int argc, char **argv);
int ilctl_cmd_ping(struct ilctl_opts *o, int argc, char **argv);
int ilctl_cmd_list(struct ilctl_opts *o, int argc, char **argv);
int ilctl_cmd_status(struct ilctl_opts *o, int argc, char **argv);
int ilctl_cmd_wait(struct ilctl_opts *o, int argc, char **argv);
int ilctl_cmd_logs(struct ilctl_opts *o, int argc, char **argv);
int ilctl_cmd_get(struct ilctl_opts *o, int argc, char **argv);
int ilctl_cmd_describe(struct ilctl_opts *o, int argc, char **argv);
int ilctl_cmd_completion(struct ilctl_opts *o, int argc, char **argv);
int ilctl_cmd_config(struct ilctl_opts *o, int argc, char **argv);
/*
 * Fill o from the configuration file's context (context, else its
 * current-context); the URL only when ILCTL_URL did not set it.  Before
 * the command line is parsed, so options win.  ILCTL_OK or ILCTL_EFAIL
 * (printed).
 */
int ilctl_config_apply(struct ilctl_opts *o, const char *context,
		       bool url_from_env);

#endif /* ILCTL_H */
