/*
 * tests/unit/test_dialer.c - common/dialer.c: direct connections, the HTTP
 * CONNECT exchange with a proxy (a thread of this test on loopback), a
 * proxy's refusal, and which proxy the environment names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dialer.h"

struct server {
	int lfd;
	uint16_t port;
	const char *answer; /* sent after the request's blank line */
	char got[512];      /* what the client sent before it */
	pthread_t t;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	size_t n = 0;
	char c;

	if (fd < 0)
		return NULL;
	/* read the request (up to the blank line), answer, then echo */
	while (n + 1 < sizeof(s->got) && read(fd, &c, 1) == 1) {
		s->got[n++] = c;
		if (n >= 4 && memcmp(s->got + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	s->got[n] = '\0';
	if (write(fd, s->answer, strlen(s->answer)) < 0)
		goto out;
	while (read(fd, &c, 1) == 1)
		if (write(fd, &c, 1) != 1)
			break;
out:
	close(fd);
	return NULL;
}

static void start(struct server *s, const char *answer)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->answer = answer;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &sl), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->t, NULL, serve, s), 0);
}

static void stop(struct server *s)
{
	pthread_join(s->t, NULL);
	close(s->lfd);
}

static size_t read_n(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void test_through_proxy(void **state)
{
	struct server px;
	char proxy[64], err[256], buf[8];
	int fd;

	(void)state;
	start(&px, "HTTP/1.1 200 Connection established\r\n"
		   "Proxy-Agent: test\r\n\r\n");
	snprintf(proxy, sizeof(proxy), "http://user@127.0.0.1:%u/", px.port);
	fd = dialer_connect("gw.example.org", 4443, proxy, 5000, err,
			    sizeof(err));
	if (fd < 0)
		fail_msg("%s", err);
	/* the tunnel's bytes are ours: nothing of them was eaten */
	assert_int_equal(write(fd, "ping", 4), 4);
	assert_int_equal(read_n(fd, buf, 4), 4);
	assert_memory_equal(buf, "ping", 4);
	close(fd);
	stop(&px);
	assert_string_equal(px.got, "CONNECT gw.example.org:4443 HTTP/1.1\r\n"
				    "Host: gw.example.org:4443\r\n\r\n");
}

static void test_proxy_refuses(void **state)
{
	struct server px;
	char proxy[64], err[256];
	int fd;

	(void)state;
	start(&px, "HTTP/1.1 403 Forbidden\r\n\r\n");
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", px.port);
	fd = dialer_connect("gw", 1, proxy, 5000, err, sizeof(err));
	assert_int_equal(fd, -ECONNREFUSED);
	assert_non_null(strstr(err, "proxy refused CONNECT: HTTP/1.1 403"));
	stop(&px);
	assert_int_equal(dialer_connect("gw", 1, "socks5://x:1", 1000, err,
					sizeof(err)),
			 -EINVAL);
}

static void test_direct(void **state)
{
	struct server s;
	char err[256], buf[4];
	int fd;

	(void)state;
	start(&s, "");
	fd = dialer_connect("127.0.0.1", s.port, NULL, 5000, err,
			    sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\r\n\r\nab", 6), 6);
	assert_int_equal(read_n(fd, buf, 2), 2);
	assert_memory_equal(buf, "ab", 2);
	close(fd);
	stop(&s);
	/* nobody listens on the port any more */
	assert_true(dialer_connect("127.0.0.1", s.port, "", 2000, err,
				   sizeof(err)) < 0);
	assert_non_null(strstr(err, "127.0.0.1:"));
}

static void test_env_proxy(void **state)
{
	(void)state;
	unsetenv("HTTPS_PROXY");
	unsetenv("https_proxy");
	unsetenv("NO_PROXY");
	unsetenv("no_proxy");
	assert_null(dialer_env_proxy("gw.example.org"));
	setenv("https_proxy", "http://p:3128", 1);
	assert_string_equal(dialer_env_proxy("gw.example.org"),
			    "http://p:3128");
	setenv("HTTPS_PROXY", "http://P:8080", 1);
	assert_string_equal(dialer_env_proxy("gw.example.org"),
			    "http://P:8080");
	setenv("NO_PROXY", "localhost, .example.org", 1);
	assert_null(dialer_env_proxy("gw.example.org"));
	assert_null(dialer_env_proxy("example.org"));
	assert_string_equal(dialer_env_proxy("gw.example.com"),
			    "http://P:8080");
	assert_string_equal(dialer_env_proxy("badexample.org"),
			    "http://P:8080");
	setenv("NO_PROXY", "*", 1);
	assert_null(dialer_env_proxy("anything"));
	unsetenv("HTTPS_PROXY");
	unsetenv("https_proxy");
	unsetenv("NO_PROXY");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_through_proxy),
		cmocka_unit_test(test_proxy_refuses),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_env_proxy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
