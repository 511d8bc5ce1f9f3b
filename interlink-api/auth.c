/* interlink-api/auth.c - see auth.h */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "log.h"

#define DIGEST_LEN 32          /* SHA-256 */
#define MAX_TOKEN_FILE (1u << 20)
#define MAX_TOKENS 4096
#define MAX_TOKEN_LEN 16384    /* a JWT fits easily */

struct auth {
	const struct gconf *conf;
	struct metrics *metrics;
	pthread_mutex_t lock;
	/* the token file as last loaded */
	bool tokens_on;
	unsigned char (*digests)[DIGEST_LEN];
	size_t n_digests;
	struct stat loaded;     /* what we loaded */
	struct stat failed;     /* the last version that failed to load */
	int stat_errno;         /* the file's last stat failure, or 0 */
};

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The next token of text at *pos (trimmed); false at the end. */
static bool next_token(const char *text, size_t *pos, const char **ret,
		       size_t *ret_len)
{
	while (text[*pos]) {
		const char *line = text + *pos;
		size_t len = strcspn(line, "\n");

		*pos += len + (line[len] == '\n');
		while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
			       line[len - 1] == '\t'))
			len--;
		while (len && (*line == ' ' || *line == '\t')) {
			line++;
			len--;
		}
		if (!len || *line == '#')
			continue;
		*ret = line;
		*ret_len = len;
		return true;
	}
	return false;
}

size_t auth_count_tokens(const char *text)
{
	const char *t;
	size_t pos = 0, len, n = 0;

	while (next_token(text, &pos, &t, &len))
		n++;
	return n;
}

/*
 * Read the token file (following a symlink: Kubernetes mounts secrets
 * that way) into digests.  Returns 0 or -1 with err.
 */
static int load_tokens(const char *path, unsigned char (**ret)[DIGEST_LEN],
		       size_t *ret_n, struct stat *ret_st, char *err,
		       size_t errlen)
{
	unsigned char (*d)[DIGEST_LEN] = NULL;
	char *text = NULL;
	const char *t;
	size_t pos = 0, len, n = 0, got = 0;
	struct stat st;
	int fd, r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
			 strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_TOKEN_FILE) {
		snprintf(err, errlen, "'%s' is not a regular file of at most "
			 "%u bytes", path, MAX_TOKEN_FILE);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "'%s' can be read or written by group "
			 "or others (mode %03o); chmod 600 it", path,
			 (unsigned)(st.st_mode & 0777));
		goto out;
	}
	text = calloc(1, (size_t)st.st_size + 1);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, text + got, (size_t)st.st_size - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	text[got] = '\0';
	n = auth_count_tokens(text);
	if (n > MAX_TOKENS) {
		snprintf(err, errlen, "'%s' holds more than %u tokens", path,
			 MAX_TOKENS);
		goto out;
	}
	d = calloc(n ? n : 1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (n = 0; next_token(text, &pos, &t, &len); n++)
		if (gnutls_hash_fast(GNUTLS_DIG_SHA256, t, len, d[n]) < 0) {
			snprintf(err, errlen, "cannot hash a token");
			goto out;
		}
	*ret = d;
	*ret_n = n;
	*ret_st = st;
	d = NULL;
	r = 0;
out:
	if (text) {
		explicit_bzero(text, got);
		free(text);
	}
	free(d);
	if (fd >= 0)
		close(fd);
	return r;
}

struct auth *auth_new(const struct gconf *c, struct metrics *m, char *err,
		      size_t errlen)
{
	struct auth *a = calloc(1, sizeof(*a));

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->conf = c;
	a->metrics = m;
	pthread_mutex_init(&a->lock, NULL);
	if (c->bearer_tokens_file && *c->bearer_tokens_file) {
		char why[512];

		a->tokens_on = true;
		if (load_tokens(c->bearer_tokens_file, &a->digests,
				&a->n_digests, &a->loaded, why,
				sizeof(why)) < 0) {
			snprintf(err, errlen, "BearerTokensFile: %s", why);
			auth_free(a);
			return NULL;
		}
		if (!a->n_digests)
			log_warn("BearerTokensFile '%s' holds no token: every "
				 "call except an empty-token ping gets 401",
				 c->bearer_tokens_file);
		log_info("bearer tokens required (%zu accepted)",
			 a->n_digests);
	}
	if (c->tls_allowed_clients.n)
		log_info("client certificates restricted to %zu identities",
			 c->tls_allowed_clients.n);
	return a;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	if (a->digests)
		explicit_bzero(a->digests, a->n_digests * DIGEST_LEN);
	free(a->digests);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* Re-read the token file when it changed; called with the lock held. */
static void maybe_reload(struct auth *a)
{
	const char *path = a->conf->bearer_tokens_file;
	unsigned char (*d)[DIGEST_LEN] = NULL;
	struct stat st, got;
	char why[512];
	size_t n = 0;

	if (stat(path, &st) < 0) {
		int e = errno;

		if (e != a->stat_errno) /* log each new failure once */
			log_error("BearerTokensFile '%s': %s; keeping the %zu "
				  "tokens loaded before", path, strerror(e),
				  a->n_digests);
		a->stat_errno = e;
		return;
	}
	a->stat_errno = 0;
	if (same_file(&st, &a->loaded) || same_file(&st, &a->failed))
		return;
	if (load_tokens(path, &d, &n, &got, why, sizeof(why)) < 0) {
		log_error("BearerTokensFile: %s; keeping the %zu tokens "
			  "loaded before", why, a->n_digests);
		a->failed = st;
		return;
	}
	if (a->digests)
		explicit_bzero(a->digests, a->n_digests * DIGEST_LEN);
	free(a->digests);
	a->digests = d;
	a->n_digests = n;
	a->loaded = got;
	memset(&a->failed, 0, sizeof(a->failed));
	log_notice("BearerTokensFile '%s' changed: %zu tokens accepted now",
		   path, n);
}

/* Is token one of ours?  Looks at every digest, whatever matches. */
static bool token_ok(struct auth *a, const char *token, size_t len)
{
	unsigned char d[DIGEST_LEN];
	unsigned match = 0;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, len, d) < 0)
		return false;
	pthread_mutex_lock(&a->lock);
	maybe_reload(a);
	for (size_t i = 0; i < a->n_digests; i++) {
		unsigned diff = 0;

		for (size_t k = 0; k < DIGEST_LEN; k++)
			diff |= (unsigned)(a->digests[i][k] ^ d[k]);
		match |= (unsigned)(diff == 0);
	}
	pthread_mutex_unlock(&a->lock);
	explicit_bzero(d, sizeof(d));
	return match != 0;
}

static unsigned check_client(struct auth *a, struct httpd_request *req,
			     char *msg, size_t msglen)
{
	const struct conf_strlist *allow = &a->conf->tls_allowed_clients;
	const char *names[16];
	size_t n = httpd_peer_names(req, names, 16);

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < allow->n; k++)
			if (strcmp(names[i], allow->v[k]) == 0)
				return 0;
	snprintf(msg, msglen, "client certificate '%.100s' is not in "
		 "TLS.AllowedClients", n ? names[0] : "");
	metrics_auth_failure(a->metrics, METRICS_AUTH_CLIENT_CERT);
	return 403;
}

static unsigned check_bearer(struct auth *a, struct httpd_request *req,
			     bool is_ping, char *msg, size_t msglen)
{
	const char *h = httpd_header(req, "Authorization");
	size_t len;

	if (!h || strncasecmp(h, "Bearer", 6) != 0 ||
	    (h[6] != ' ' && h[6] != '\0')) {
		snprintf(msg, msglen, "missing 'Authorization: Bearer' "
			 "token");
		metrics_auth_failure(a->metrics, METRICS_AUTH_NO_TOKEN);
		return 401;
	}
	h += 6;
	while (*h == ' ')
		h++;
	len = strlen(h);
	while (len && (h[len - 1] == ' ' || h[len - 1] == '\t'))
		len--;
	if (len == 0) {
		if (is_ping && a->conf->allow_empty_token_on_ping)
			return 0;
		snprintf(msg, msglen, "empty bearer token");
		metrics_auth_failure(a->metrics, METRICS_AUTH_NO_TOKEN);
		return 401;
	}
	if (len > MAX_TOKEN_LEN || !token_ok(a, h, len)) {
		snprintf(msg, msglen, "bearer token not accepted");
		metrics_auth_failure(a->metrics, METRICS_AUTH_BAD_TOKEN);
		return 401;
	}
	return 0;
}

unsigned auth_check(struct auth *a, struct httpd_request *req, bool is_ping,
		    char *msg, size_t msglen)
{
	unsigned code;

	if (!a)
		return 0;
	if (a->conf->tls_allowed_clients.n) {
		code = check_client(a, req, msg, msglen);
		if (code)
			return code;
	}
	if (a->tokens_on)
		return check_bearer(a, req, is_ping, msg, msglen);
	return 0;
}
