/* interlink-api/ilctl_http.c - see ilctl_http.h */
#include "ilctl_http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ilctl_util.h"

/* A bearer token larger than this is surely the wrong file. */
#define MAX_TOKEN (64u << 10)
/* How much of an error body is printed. */
#define ERROR_BODY_SHOWN 2000

/* Where the gateway is: the VK's getSidecarEndpoint rules. */
struct target {
	char base[1024];   /* "http://host:port" or "http://unix" */
	const char *sock;  /* unix socket path, or NULL */
	bool https;
};

/* State of one transfer, shared by the curl callbacks. */
struct xfer {
	CURL *h;
	const struct ilctl_req *rq;
	struct ilctl_resp *resp;
	long timeout;
	struct timespec start;
	bool got_header;  /* the first response byte arrived */
	bool timed_out;
	bool interrupted;
	bool too_big;
	bool cut_short;  /* an error body beyond the cap, dropped */
	bool out_failed; /* stdout refused the stream */
	int out_errno;
};

static int parse_target(const char *cmd, const struct ilctl_opts *o,
			struct target *t)
{
	const char *url = o->url, *host, *end;
	size_t len;

	memset(t, 0, sizeof(*t));
	if (strncmp(url, "unix://", 7) == 0) {
		t->sock = url + 7;
		if (t->sock[0] != '/')
			return ilctl_usage_error(
				cmd, "--url '%s': a unix socket URL is "
				     "unix:///absolute/path",
				url);
		(void)snprintf(t->base, sizeof(t->base), "http://unix");
	} else if (strncmp(url, "http://", 7) == 0 ||
		   strncmp(url, "https://", 8) == 0) {
		t->https = url[4] == 's';
		host = url + (t->https ? 8 : 7);
		len = strlen(url);
		while (len > 0 && url[len - 1] == '/')
			len--;
		end = url + len;
		if (end <= host || memchr(host, '/', (size_t)(end - host)) ||
		    strpbrk(host, "?#"))
			return ilctl_usage_error(
				cmd, "--url '%s': expected "
				     "scheme://host[:port] without a path "
				     "(the virtual-kubelet supports no path "
				     "prefix)",
				url);
		if (len >= sizeof(t->base))
			return ilctl_usage_error(cmd, "--url is too long");
		memcpy(t->base, url, len);
		t->base[len] = '\0';
	} else {
		return ilctl_usage_error(
			cmd, "--url '%s': use http://, https:// or unix://",
			url);
	}
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return ilctl_usage_error(cmd,
						 "--url contains a space or "
						 "control character");
	if ((o->cert || o->key || o->cacert) && !t->https)
		return ilctl_usage_error(cmd, "--cert, --key and --cacert "
					      "need an https:// URL");
	if (!o->cert != !o->key)
		return ilctl_usage_error(cmd, "--cert and --key go together");
	return 0;
}

/*
 * Read the token file afresh, as the VK does on every call.  *ret is the
 * raw contents ("" for an empty file), or NULL without --token-file.
 */
static int read_token(const char *cmd, const struct ilctl_opts *o,
		      char **ret)
{
	size_t len;
	int r;

	*ret = NULL;
	if (!o->token_file)
		return 0;
	r = ilctl_read_file(o->token_file, MAX_TOKEN, ret, &len);
	if (r < 0)
		return ilctl_fail(ILCTL_EFAIL, cmd, "--token-file '%s': %s",
				  o->token_file,
				  r == -E2BIG ? "larger than 64 KiB"
					      : ilctl_strerror(-r));
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)(*ret)[i];

		if (ch >= 0x20 && ch != 0x7f)
			continue;
		explicit_bzero(*ret, len);
		free(*ret);
		*ret = NULL;
		/* Go refuses such a header, so the VK would fail as well */
		return ilctl_fail(ILCTL_EFAIL, cmd,
				  "--token-file '%s' contains a newline or "
				  "control character (write it with printf "
				  "'%%s', not echo)",
				  o->token_file);
	}
	return 0;
}

static void free_headers(struct curl_slist *list)
{
	/* one of them carries the token */
	for (struct curl_slist *l = list; l; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

static int add_header(struct curl_slist **list, const char *h)
{
	struct curl_slist *n = curl_slist_append(*list, h);

	if (!n)
		return -1;
	*list = n;
	return 0;
}

/* The request headers, printed (token redacted) with -v. */
static int build_headers(const char *cmd, const struct ilctl_opts *o,
			 const struct ilctl_req *rq,
			 struct curl_slist **ret)
{
	struct curl_slist *list = NULL;
	char line[160], *token = NULL, *auth = NULL;
	uint32_t n;
	int r;

	r = ilctl_random_below(100000, &n);
	if (r < 0)
		return ilctl_fail(ILCTL_EFAIL, cmd, "/dev/urandom: %s",
				  ilctl_strerror(-r));
	r = read_token(cmd, o, &token);
	if (r)
		return r;
	(void)snprintf(line, sizeof(line), "InterLink-Http-Session: %s#%u",
		       rq->op, n);
	/* "Content-Type:" deletes the one curl adds for a POST body */
	r = add_header(&list, rq->ping ? "Content-Type:"
				       : "Content-Type: application/json");
	if (r == 0)
		r = add_header(&list, line);
	if (r == 0)
		r = add_header(&list, "Expect:");
	if (r == 0 && token && (rq->ping || token[0])) {
		size_t alen = strlen(token) + sizeof("Authorization: Bearer ");

		auth = malloc(alen);
		r = auth ? 0 : -1;
		if (auth) {
			(void)snprintf(auth, alen, "Authorization: Bearer %s",
				       token);
			r = add_header(&list, auth);
		}
	}
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	if (r) {
		free_headers(list);
		return ilctl_fail(ILCTL_EFAIL, cmd, "out of memory");
	}
	for (struct curl_slist *l = list; o->verbose && l; l = l->next) {
		/* "Name:" alone deletes a header curl would add */
		if (l->data[strlen(l->data) - 1] == ':')
			continue;
		(void)fprintf(stderr, "> %s\n",
			      strncmp(l->data, "Authorization:", 14) == 0
				      ? "Authorization: Bearer <redacted>"
				      : l->data);
	}
	*ret = list;
	return 0;
}

static double elapsed(const struct timespec *start)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now); /* cannot fail */
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;

	(void)p;
	x->got_header = true;
	return size * n;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	long code = 0;

	if (curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code) !=
	    CURLE_OK)
		code = 0;
	if (x->rq->stream && code == 200) {
		if (fwrite(p, 1, len, stdout) != len || fflush(stdout) != 0) {
			x->out_failed = true;
			x->out_errno = errno;
			return 0;
		}
		return len;
	}
	if (buf_append(&x->resp->body, p, len) < 0) {
		/* of an error reply the start is enough; stop reading */
		if (code == 200)
			x->too_big = true;
		else
			x->cut_short = true;
		return 0;
	}
	return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = ud;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (got_sigint) {
		x->interrupted = true;
		return 1;
	}
	if (x->timeout > 0 && !x->got_header &&
	    elapsed(&x->start) >= (double)x->timeout) {
		x->timed_out = true;
		return 1;
	}
	return 0;
}

#define XSET(opt, val)                                                         \
	do {                                                                   \
		if (rc == CURLE_OK)                                            \
			rc = curl_easy_setopt(h, opt, val);                    \
	} while (0)

static CURLcode setup(CURL *h, const struct ilctl_opts *o,
		      const struct target *t, const struct ilctl_req *rq,
		      const char *url, struct curl_slist *headers,
		      struct xfer *x, char *errbuf)
{
	CURLcode rc = CURLE_OK;

	XSET(CURLOPT_ERRORBUFFER, errbuf);
	XSET(CURLOPT_URL, url);
	XSET(CURLOPT_PROTOCOLS_STR, "http,https");
	XSET(CURLOPT_NOSIGNAL, 1L);
	XSET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	XSET(CURLOPT_USERAGENT, "ilctl/" ILCTL_VERSION);
	XSET(CURLOPT_HTTPHEADER, headers);
	XSET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
	XSET(CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
	if (strcmp(rq->method, "POST") != 0)
		XSET(CURLOPT_CUSTOMREQUEST, rq->method);
	if (t->sock)
		XSET(CURLOPT_UNIX_SOCKET_PATH, t->sock);
	if (t->https) {
		XSET(CURLOPT_SSL_VERIFYPEER, 1L);
		XSET(CURLOPT_SSL_VERIFYHOST, 2L);
		XSET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		if (o->cacert)
			XSET(CURLOPT_CAINFO, o->cacert);
		if (o->cert)
			XSET(CURLOPT_SSLCERT, o->cert);
		if (o->key)
			XSET(CURLOPT_SSLKEY, o->key);
	}
	if (o->timeout > 0)
		XSET(CURLOPT_CONNECTTIMEOUT, o->timeout);
	XSET(CURLOPT_HEADERFUNCTION, on_header);
	XSET(CURLOPT_HEADERDATA, x);
	XSET(CURLOPT_WRITEFUNCTION, on_body);
	XSET(CURLOPT_WRITEDATA, x);
	XSET(CURLOPT_XFERINFOFUNCTION, on_progress);
	XSET(CURLOPT_XFERINFODATA, x);
	XSET(CURLOPT_NOPROGRESS, 0L);
	return rc;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* Does the server at https URL answer plain HTTP on that port?  (OpenSSL
 * 3.2 and later report a plain HTTP server's reply to our ClientHello as
 * an unexpected EOF, not as a wrong version number.) */
static bool answers_plain_http(const char *url)
{
	char plain[2048];
	long code = 0;
	CURL *c;

	if (snprintf(plain, sizeof(plain), "http://%s", url + 8) >=
	    (int)sizeof(plain))
		return false;
	c = curl_easy_init();
	if (!c)
		return false;
	curl_easy_setopt(c, CURLOPT_URL, plain);
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	return code > 0;
}

/* A sentence that explains a TLS failure in the user's terms, or "". */
static const char *tls_hint(const struct ilctl_opts *o, CURLcode rc,
			    const char *errbuf, const char *url)
{
	bool https = strncmp(url, "https://", 8) == 0;

	if (!https)
		return "";
	if (strstr(errbuf, "wrong version number") ||
	    strstr(errbuf, "packet length too long") ||
	    (strstr(errbuf, "unexpected eof") && answers_plain_http(url)))
		return " (the server does not speak TLS on this port: is it "
		       "http://?)";
	if (rc == CURLE_PEER_FAILED_VERIFICATION) {
		if (strstr(errbuf, "subject name") || strstr(errbuf, "match"))
			return " (the gateway's certificate does not carry the "
			       "URL's host name: use a name from its SAN)";
		return o->cacert ? " (the gateway's certificate is not signed "
				   "by the --cacert CA, or has expired)"
				 : " (the gateway's certificate is not signed "
				   "by a CA of the system store: pass --cacert "
				   "CA.crt)";
	}
	/* a GnuTLS server (libmicrohttpd) that refused us under TLS 1.3
	 * just closes: curl sees no reply at all */
	if (rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR ||
	    rc == CURLE_SEND_ERROR ||
	    (rc == CURLE_COULDNT_CONNECT && strstr(errbuf, "getpeername")))
		return o->cert ? " (the gateway may have refused the client "
				 "certificate: not from its CA, expired, or not "
				 "for clientAuth; interlink-certs check says "
				 "which)"
			       : " (the gateway may have asked for a client "
				 "certificate: pass --cert FILE --key FILE)";
	if (strstr(errbuf, "certificate required") ||
	    (!o->cert && (strstr(errbuf, "handshake failure") ||
			  strstr(errbuf, "unexpected eof") ||
			  rc == CURLE_RECV_ERROR ||
			  rc == CURLE_SSL_CONNECT_ERROR)))
		return o->cert ? "" : " (the gateway asked for a client "
				      "certificate: pass --cert FILE --key "
				      "FILE)";
	if (o->cert && (strstr(errbuf, "unknown ca") ||
			strstr(errbuf, "bad certificate") ||
			strstr(errbuf, "certificate expired") ||
			strstr(errbuf, "unsupported certificate")))
		return " (the gateway refused the client certificate: not "
		       "from its CA, expired, or not for clientAuth; "
		       "interlink-certs check says which)";
	return "";
}

/* Turn the outcome of curl_easy_perform into an exit status. */
static int finish(const char *cmd, const struct ilctl_opts *o,
		  const struct xfer *x, CURLcode rc, const char *errbuf,
		  const char *url)
{
	if (x->interrupted)
		return ILCTL_EINTR;
	if (x->timed_out)
		return ilctl_fail(ILCTL_ETRANSPORT, cmd,
				  "%s: no response within %ld s", url,
				  o->timeout);
	if (x->too_big)
		return ilctl_fail(ILCTL_EFAIL, cmd,
				  "the response body exceeds 16 MiB");
	if (x->out_failed) {
		/* "ilctl logs ... | head" closed the pipe: that is fine */
		if (x->out_errno == EPIPE)
			return ILCTL_OK;
		return ilctl_fail(ILCTL_EFAIL, cmd, "stdout: %s",
				  ilctl_strerror(x->out_errno));
	}
	if (rc != CURLE_OK && !x->cut_short)
		return ilctl_fail(ILCTL_ETRANSPORT, cmd, "%s: %s%s", url,
				  errbuf[0] ? errbuf : curl_easy_strerror(rc),
				  tls_hint(o, rc, errbuf, url));
	return ILCTL_OK;
}

int ilctl_http_call(const struct ilctl_opts *o, const char *cmd,
		    const struct ilctl_req *rq, struct ilctl_resp *resp)
{
	char errbuf[CURL_ERROR_SIZE] = "", url[1200];
	struct curl_slist *headers = NULL;
	struct xfer x = {0};
	struct target t;
	CURLcode rc;
	CURL *h;
	int r;

	resp->code = 0;
	buf_init(&resp->body, ILCTL_MAX_BODY);
	r = parse_target(cmd, o, &t);
	if (r)
		return r;
	(void)snprintf(url, sizeof(url), "%s%s", t.base, rq->path);
	if (o->verbose)
		(void)fprintf(stderr, "> %s %s%s%s\n", rq->method, url,
			      t.sock ? " via " : "", t.sock ? t.sock : "");
	r = build_headers(cmd, o, rq, &headers);
	if (r)
		return r;
	if (o->verbose)
		(void)fprintf(stderr, "> (%zu bytes of body)\n", rq->body_len);
	h = curl_easy_init();
	if (!h) {
		free_headers(headers);
		return ilctl_fail(ILCTL_EFAIL, cmd, "curl_easy_init failed");
	}
	x.h = h;
	x.rq = rq;
	x.resp = resp;
	x.timeout = o->timeout;
	(void)clock_gettime(CLOCK_MONOTONIC, &x.start); /* cannot fail */
	rc = setup(h, o, &t, rq, url, headers, &x, errbuf);
	if (rc != CURLE_OK) {
		r = ilctl_fail(ILCTL_EFAIL, cmd, "libcurl: %s",
			       curl_easy_strerror(rc));
		goto out;
	}
	rc = curl_easy_perform(h);
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->code) !=
	    CURLE_OK)
		resp->code = 0;
	r = finish(cmd, o, &x, rc, errbuf, url);
	if (o->verbose && r == ILCTL_OK)
		(void)fprintf(stderr, "< HTTP %ld (%zu bytes kept) in %.3f s\n",
			      resp->code, resp->body.len, elapsed(&x.start));
out:
	curl_easy_cleanup(h);
	free_headers(headers);
	if (r != ILCTL_OK)
		buf_done(&resp->body);
	return r;
}

int ilctl_http_call_json(const struct ilctl_opts *o, const char *cmd,
			 struct ilctl_req *rq, const cJSON *json,
			 struct ilctl_resp *resp)
{
	char *text = cJSON_PrintUnformatted(json);
	int r;

	resp->code = 0;
	buf_init(&resp->body, ILCTL_MAX_BODY);
	if (!text)
		return ilctl_fail(ILCTL_EFAIL, cmd, "out of memory");
	rq->body = text;
	rq->body_len = strlen(text);
	r = ilctl_http_call(o, cmd, rq, resp);
	rq->body = NULL;
	rq->body_len = 0;
	free(text);
	return r;
}

void ilctl_resp_done(struct ilctl_resp *resp)
{
	buf_done(&resp->body);
}

int ilctl_http_fail(const char *cmd, const struct ilctl_resp *resp)
{
	size_t n = resp->body.len < ERROR_BODY_SHOWN ? resp->body.len
						     : ERROR_BODY_SHOWN;
	char *shown = malloc(n + 1);

	if (!shown)
		return ilctl_fail(ILCTL_EFAIL, cmd, "HTTP %ld", resp->code);
	memcpy(shown, buf_str(&resp->body), n);
	while (n > 0 && (shown[n - 1] == '\n' || shown[n - 1] == '\r'))
		n--;
	shown[n] = '\0';
	/* the body comes from the network: keep the terminal sane */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)shown[i];

		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
			shown[i] = '?';
	}
	(void)ilctl_fail(ILCTL_EFAIL, cmd, "HTTP %ld: %s", resp->code,
			 n ? shown : "(empty body)");
	free(shown);
	return ILCTL_EFAIL;
}
