/*
 * connreaper: closes connections that outstay their deadline.
 *
 * libmicrohttpd 1.0 ignores MHD_CONNECTION_OPTION_TIMEOUT in
 * thread-per-connection mode (the option is only applied to the daemon's
 * timeout lists, which that mode does not use), and 0.9 applies its
 * daemon-wide timeout to every connection, streams included.  So the
 * HTTP server turns libmicrohttpd's timeout off and keeps its own: each
 * connection has a deadline (the handshake timeout until its first
 * request, none while a request is being answered, the idle timeout
 * between requests), and one thread per server shuts down the sockets
 * whose deadline has passed.  libmicrohttpd's connection thread then sees
 * the peer gone and closes the connection as usual.
 *
 * The entry is embedded in the caller's per-connection state; the caller
 * must call connreaper_remove() before the socket is closed (libmicrohttpd's
 * NOTIFY_CLOSED comes before it closes the socket), so a descriptor is
 * never shut down after it has been reused.
 */
#ifndef IL_CONNREAPER_H
#define IL_CONNREAPER_H

#include <stddef.h>
#include <stdint.h>

struct connreaper;

struct connreaper_entry {
	int fd;
	uint64_t deadline_ms; /* CLOCK_MONOTONIC ms; 0 = none */
	unsigned timeout_s;   /* what the deadline was set from (for the log) */
	struct connreaper_entry *prev, *next;
	int linked;
};

/* Start the reaper's thread; name is used in log lines. */
struct connreaper *connreaper_new(const char *name, char *err, size_t errlen);
/* Stop the thread and free; entries still linked are left alone. */
void connreaper_free(struct connreaper *r);

/* Track fd with a deadline timeout_s from now (0 = no deadline). */
void connreaper_add(struct connreaper *r, struct connreaper_entry *e, int fd,
		    unsigned timeout_s);
/* A new deadline timeout_s from now (0 = none). */
void connreaper_set(struct connreaper *r, struct connreaper_entry *e,
		    unsigned timeout_s);
/* Stop tracking (before the socket is closed). */
void connreaper_remove(struct connreaper *r, struct connreaper_entry *e);

#endif
