/*
 * common/log.h - the daemons' logger.
 *
 * One line per event on stderr.  Under systemd (JOURNAL_STREAM or
 * NOTIFY_SOCKET set) lines carry "<N>" level prefixes and no timestamps;
 * otherwise "2026-07-14T10:00:00.123Z LEVEL func: message".
 * Every macro captures __func__.  log_*_errno(r, ...) appends strerror(-r)
 * and returns r, so logging and returning happen in one step.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7
};

/* Set the most verbose level printed (default LOG_LVL_INFO). */
void log_set_level(int level);
int log_get_level(void);
/* Name the program in log lines ("sidecar-slurm"). Borrowed, static. */
void log_set_ident(const char *ident);

void log_emit(int level, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int log_emit_errno(int level, int r, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_error(...) log_emit(LOG_LVL_ERR, __func__, __VA_ARGS__)
#define log_warn(...) log_emit(LOG_LVL_WARNING, __func__, __VA_ARGS__)
#define log_notice(...) log_emit(LOG_LVL_NOTICE, __func__, __VA_ARGS__)
#define log_info(...) log_emit(LOG_LVL_INFO, __func__, __VA_ARGS__)
#define log_debug(...) log_emit(LOG_LVL_DEBUG, __func__, __VA_ARGS__)
#define log_error_errno(r, ...)                                                \
	log_emit_errno(LOG_LVL_ERR, (r), __func__, __VA_ARGS__)
#define log_warn_errno(r, ...)                                                 \
	log_emit_errno(LOG_LVL_WARNING, (r), __func__, __VA_ARGS__)

/* Apply upstream's VerboseLogging / ErrorsOnlyLogging (verbose wins). */
void log_apply_flags(bool verbose, bool errors_only);

#endif /* COMMON_LOG_H */
