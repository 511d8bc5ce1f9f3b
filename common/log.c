/* common/log.c - see log.h */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_level = LOG_LVL_INFO;
static const char *log_ident = "interlink";

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "error",   [LOG_LVL_WARNING] = "warning",
	[LOG_LVL_NOTICE] = "notice", [LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void log_set_level(int level)
{
	if (level < LOG_LVL_ERR)
		level = LOG_LVL_ERR;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

void log_set_ident(const char *ident)
{
	log_ident = ident;
}

void log_apply_flags(bool verbose, bool errors_only)
{
	if (verbose)
		log_set_level(LOG_LVL_DEBUG);
	else if (errors_only)
		log_set_level(LOG_LVL_ERR);
	else
		log_set_level(LOG_LVL_INFO);
}

static bool under_systemd(void)
{
	return getenv("JOURNAL_STREAM") || getenv("NOTIFY_SOCKET");
}

static void log_vemit(int level, int r, const char *func, const char *fmt,
		      va_list ap)
{
	char msg[2048];
	char prefix[96];
	int n;

	if (level > log_level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (r < 0) {
		size_t used = strlen(msg);
		char ebuf[128];
		const char *e = strerror_r(-r, ebuf, sizeof(ebuf));

		snprintf(msg + used, sizeof(msg) - used, ": %s", e);
	}
	if (under_systemd()) {
		fprintf(stderr, "<%d>%s: %s\n", level, func, msg);
		return;
	}
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = (int)strftime(prefix, sizeof(prefix), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(prefix + n, sizeof(prefix) - (size_t)n, ".%03ldZ",
		 ts.tv_nsec / 1000000);
	fprintf(stderr, "%s %s[%s] %s: %s\n", prefix, log_ident,
		level_names[level], func, msg);
}

void log_emit(int level, const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(level, 0, func, fmt, ap);
	va_end(ap);
}

int log_emit_errno(int level, int r, const char *func, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vemit(level, r, func, fmt, ap);
	va_end(ap);
	errno = saved;
	return r;
}
