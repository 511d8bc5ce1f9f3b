/* common/dialer.c - see dialer.h */
#include "dialer.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "text.h"

#define PROXY_ANSWER_MAX 8192

void dialer_keepalive(int fd, int idle_s)
{
	int on = 1, idle = idle_s > 0 ? idle_s : 10;
	int intvl = idle / 3 > 0 ? idle / 3 : 1, cnt = 3;

	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
			 sizeof(intvl));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	/* unacknowledged data also ends the connection, not only idleness */
	{
		unsigned int ms = (unsigned int)(idle + intvl * cnt) * 1000u;

		(void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
				 sizeof(ms));
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int connect_one(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			ai->ai_protocol);
	int flags, r, soerr = 0;
	socklen_t sl = sizeof(soerr);
	struct pollfd p;

	if (fd < 0)
		return -errno;
	flags = fcntl(fd, F_GETFL);
	(void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	r = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (r < 0 && errno != EINPROGRESS) {
		r = -errno;
		close(fd);
		return r;
	}
	if (r < 0) {
		p = (struct pollfd){.fd = fd, .events = POLLOUT};
		r = poll(&p, 1, timeout_ms);
		if (r <= 0) {
			close(fd);
			return r == 0 ? -ETIMEDOUT : -errno;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 ||
		    soerr) {
			close(fd);
			return -(soerr ? soerr : errno);
		}
	}
	(void)fcntl(fd, F_SETFL, flags);
	return fd;
}

static int tcp_connect(const char *host, uint16_t port, int timeout_ms,
		       char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_ADDRCONFIG};
	struct addrinfo *res = NULL, *ai;
	char ps[8];
	int r, fd = -EHOSTUNREACH;

	snprintf(ps, sizeof(ps), "%u", port);
	r = getaddrinfo(host, ps, &hints, &res);
	if (r != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(r));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = connect_one(ai, timeout_ms);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "%s:%u: %s", host, port, strerror(-fd));
	return fd;
}

/* "http://[user@]host:port[/]" -> host, port */
static int parse_proxy(const char *proxy, char *host, size_t hostlen,
		       uint16_t *port)
{
	const char *p = proxy, *at, *end, *colon;
	size_t n;
	uint64_t v;
	char num[8];

	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strstr(p, "://"))
		return -1;
	at = strchr(p, '@');
	if (at)
		p = at + 1;
	end = p + strcspn(p, "/");
	colon = memchr(p, ':', (size_t)(end - p));
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb)
			return -1;
		n = (size_t)(rb - p - 1);
		if (n >= hostlen)
			return -1;
		memcpy(host, p + 1, n);
		host[n] = '\0';
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		n = (size_t)((colon ? colon : end) - p);
		if (!n || n >= hostlen)
			return -1;
		memcpy(host, p, n);
		host[n] = '\0';
	}
	if (!colon) {
		*port = 80;
		return 0;
	}
	n = (size_t)(end - colon - 1);
	if (!n || n >= sizeof(num))
		return -1;
	memcpy(num, colon + 1, n);
	num[n] = '\0';
	if (text_parse_u64(num, 65535, &v) < 0 || v == 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* write all of buf, or -1 */
static int write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int proxy_connect(int fd, const char *host, uint16_t port,
			 int timeout_ms, char *err, size_t errlen)
{
	char req[600], ans[PROXY_ANSWER_MAX + 1];
	const char *lb = strchr(host, ':') ? "[" : "",
		   *rb = strchr(host, ':') ? "]" : "";
	long deadline = now_ms() + timeout_ms;
	size_t n = 0;

	snprintf(req, sizeof(req),
		 "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n\r\n", lb,
		 host, rb, port, lb, host, rb, port);
	if (write_all(fd, req, strlen(req)) < 0) {
		snprintf(err, errlen, "proxy: %s", strerror(errno));
		return -EIO;
	}
	/* byte by byte: nothing of the tunnel's first bytes may be eaten */
	while (n < PROXY_ANSWER_MAX) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			snprintf(err, errlen, "proxy: no answer to CONNECT");
			return -ETIMEDOUT;
		}
		r = recv(fd, ans + n, 1, 0);
		if (r <= 0) {
			snprintf(err, errlen, "proxy closed the connection");
			return -ECONNRESET;
		}
		n++;
		if (n >= 4 && memcmp(ans + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	ans[n] = '\0';
	if (strncmp(ans, "HTTP/1.", 7) != 0 || strlen(ans) < 12 ||
	    ans[9] != '2') {
		char line[120];

		ans[strcspn(ans, "\r\n")] = '\0';
		text_sanitize(ans, line, sizeof(line));
		snprintf(err, errlen, "proxy refused CONNECT: %s", line);
		return -ECONNREFUSED;
	}
	return 0;
}

int dialer_connect(const char *host, uint16_t port, const char *proxy,
		   int timeout_ms, char *err, size_t errlen)
{
	char phost[256];
	uint16_t pport;
	int fd, r;

	if (!proxy || !*proxy) {
		fd = tcp_connect(host, port, timeout_ms, err, errlen);
	} else {
		if (parse_proxy(proxy, phost, sizeof(phost), &pport) < 0) {
			snprintf(err, errlen, "proxy '%s' is not "
				 "http://host:port", proxy);
			return -EINVAL;
		}
		fd = tcp_connect(phost, pport, timeout_ms, err, errlen);
		if (fd >= 0) {
			r = proxy_connect(fd, host, port, timeout_ms, err,
					  errlen);
			if (r < 0) {
				close(fd);
				fd = r;
			}
		}
	}
	return fd;
}

void dialer_pump(int a, int b, int (*stop)(void *arg), void *arg)
{
	enum { BUF = 64 << 10 };
	char *buf = malloc(BUF);

	while (buf && !stop(arg)) {
		struct pollfd p[2] = {{.fd = a, .events = POLLIN},
				      {.fd = b, .events = POLLIN}};
		int n = poll(p, 2, 500);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; n > 0 && i < 2; i++) {
			ssize_t got;

			if (!p[i].revents)
				continue;
			got = recv(p[i].fd, buf, BUF, 0);
			if (got <= 0 ||
			    write_all(p[1 - i].fd, buf, (size_t)got) < 0)
				goto out;
		}
	}
out:
	free(buf);
}

static bool no_proxy_for(const char *host)
{
	const char *np = getenv("NO_PROXY");
	char list[1024], *save = NULL, *tok;
	size_t hl = strlen(host);

	if (!np)
		np = getenv("no_proxy");
	if (!np || !*np)
		return false;
	snprintf(list, sizeof(list), "%s", np);
	for (tok = strtok_r(list, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		size_t tl;

		if (strcmp(tok, "*") == 0)
			return true;
		if (*tok == '.')
			tok++;
		tl = strlen(tok);
		if (tl && (strcasecmp(host, tok) == 0 ||
			   (hl > tl && host[hl - tl - 1] == '.' &&
			    strcasecmp(host + hl - tl, tok) == 0)))
			return true;
	}
	return false;
}

const char *dialer_env_proxy(const char *host)
{
	const char *p = getenv("HTTPS_PROXY");

	if (!p || !*p)
		p = getenv("https_proxy");
	if (!p || !*p || no_proxy_for(host))
		return NULL;
	return p;
}
