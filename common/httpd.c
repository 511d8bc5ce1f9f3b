/* common/httpd.c - see httpd.h */
#include "connreaper.h"
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "buf.h"
#include "fsutil.h"
#include "log.h"
#include "text.h"

#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct httpd {
	struct MHD_Daemon *mhd;
	const struct httpd_route *routes;
	void *ctx;
	char *name;
	char *unix_path;
	char *cert_pem, *key_pem, *ca_pem;
	bool require_client_cert;
	size_t max_body;
	int listen_fd;
	uint16_t port;
	httpd_filter_fn filter;
	httpd_done_fn done;
	unsigned idle_timeout_s;
	unsigned max_connections;
	unsigned handshake_timeout_s;
	struct connreaper *reaper; /* our timeouts, not libmicrohttpd's */
};

#define MAX_PEER_NAMES 16
#define CROWDED_IDLE_S 1u /* idle timeout when connections are scarce */
#define MAX_REPLY_HEADERS 4
#define DEFAULT_HANDSHAKE_S 5u
/* a non-streaming answer must be sent within max(idle, this) seconds */
#define MIN_SEND_S 60u
#define LOG_PATH_MAX 256  /* bytes of a request path kept (and logged) */
#define LOG_METHOD_MAX 24

/* Per connection: the verified client identities, computed once. */
struct conn_state {
	bool checked;
	bool verified;
	struct connreaper_entry reap; /* its deadline (connreaper.h) */
	char peer_name[256];             /* the CN, or "" */
	char names[2048];                /* CN and SANs, NUL separated */
	size_t name_off[MAX_PEER_NAMES];
	size_t n_names;
};

/* Per request */
struct req_state {
	struct httpd_request req;
	struct buf body;
	struct MHD_Connection *conn;
	struct conn_state *cs;   /* set once the client is verified */
	struct conn_state *cstate; /* the connection's state, always */
	struct httpd *h;
	struct timespec start;
	unsigned code;
	bool dispatched;
	bool streaming; /* the idle timeout is off until the stream ends */
	char *hdr_name[MAX_REPLY_HEADERS];
	char *hdr_value[MAX_REPLY_HEADERS];
	size_t n_hdr;
	char method[LOG_METHOD_MAX]; /* printable copies for handlers, logs */
	char path[LOG_PATH_MAX];
};

/* Remember one identity of the peer (bounded: extra names are dropped). */
static void add_peer_name(struct conn_state *cs, const char *name)
{
	size_t used = 0, len = strlen(name);

	if (!len || cs->n_names >= MAX_PEER_NAMES)
		return;
	if (cs->n_names)
		used = cs->name_off[cs->n_names - 1] +
		       strlen(cs->names + cs->name_off[cs->n_names - 1]) + 1;
	if (used + len + 1 > sizeof(cs->names))
		return;
	memcpy(cs->names + used, name, len + 1);
	cs->name_off[cs->n_names++] = used;
}

/* Every DNS, IP, e-mail and URI subject alternative name of crt. */
static void collect_sans(gnutls_x509_crt_t crt, struct conn_state *cs)
{
	for (unsigned seq = 0; seq < 64; seq++) {
		char san[512], ip[INET6_ADDRSTRLEN];
		size_t len = sizeof(san) - 1;
		int type;

		type = gnutls_x509_crt_get_subject_alt_name(crt, seq, san,
							    &len, NULL);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type < 0)
			continue; /* too long or malformed: skip it */
		switch (type) {
		case GNUTLS_SAN_DNSNAME:
		case GNUTLS_SAN_RFC822NAME:
		case GNUTLS_SAN_URI:
			san[len < sizeof(san) ? len : sizeof(san) - 1] = '\0';
			if (strlen(san) == len)
				add_peer_name(cs, san);
			break;
		case GNUTLS_SAN_IPADDRESS:
			if ((len == 4 && inet_ntop(AF_INET, san, ip,
						   sizeof(ip))) ||
			    (len == 16 && inet_ntop(AF_INET6, san, ip,
						    sizeof(ip))))
				add_peer_name(cs, ip);
			break;
		default:
			break;
		}
	}
}

static int tls_check_peer(struct MHD_Connection *conn, struct conn_state *cs)
{
	const union MHD_ConnectionInfo *ci;
	gnutls_session_t s;
	const gnutls_datum_t *certs;
	unsigned int n = 0, status = 0;
	gnutls_x509_crt_t crt;
	gnutls_typed_vdata_st purpose = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (void *)GNUTLS_KP_TLS_WWW_CLIENT,
	};
	char *name = cs->peer_name;
	size_t len = sizeof(cs->peer_name);
	int r = -1;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return -1;
	s = (gnutls_session_t)ci->tls_session;
	certs = gnutls_certificate_get_peers(s, &n);
	if (!certs || n == 0)
		return -1;
	if (gnutls_certificate_verify_peers(s, &purpose, 1, &status) < 0 ||
	    status != 0)
		return -1;
	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0) {
		/* a CN with a NUL inside would compare as its prefix */
		if (gnutls_x509_crt_get_dn_by_oid(crt,
						  GNUTLS_OID_X520_COMMON_NAME,
						  0, 0, name, &len) != 0 ||
		    strlen(name) != len)
			name[0] = '\0';
		add_peer_name(cs, name);
		collect_sans(crt, cs);
		r = 0;
	}
	gnutls_x509_crt_deinit(crt);
	return r;
}

static void notify_connection(void *cls, struct MHD_Connection *conn,
			      void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	struct httpd *h = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn_state *cs = calloc(1, sizeof(*cs));
		const union MHD_ConnectionInfo *fi;

		*socket_context = cs;
		/* until its first request: a short leash (half-open TLS; the
		 * handshake's own bytes do not extend it) */
		fi = MHD_get_connection_info(conn,
					     MHD_CONNECTION_INFO_CONNECTION_FD);
		if (cs && fi)
			connreaper_add(h->reaper, &cs->reap, fi->connect_fd,
				       h->handshake_timeout_s);
		if (h->require_client_cert) {
			const union MHD_ConnectionInfo *ci;

			ci = MHD_get_connection_info(
				conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
			if (ci && ci->tls_session) {
				static gnutls_typed_vdata_st purpose = {
					.type = GNUTLS_DT_KEY_PURPOSE_OID,
					.data = (void *)GNUTLS_KP_TLS_WWW_CLIENT,
				};
				gnutls_session_t s = ci->tls_session;

				gnutls_certificate_server_set_request(
					s, GNUTLS_CERT_REQUIRE);
				gnutls_session_set_verify_cert2(s, &purpose, 1,
								0);
			}
		}
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		struct conn_state *cs = *socket_context;

		/* before libmicrohttpd closes the socket */
		if (cs)
			connreaper_remove(h->reaper, &cs->reap);
		free(cs);
		*socket_context = NULL;
	}
}

static struct conn_state *conn_state_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? (struct conn_state *)ci->socket_context : NULL;
}

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/*
 * More than half the connection limit in use?  A virtual-kubelet with TLS
 * opens a connection per call and never closes it; at 100 calls a second
 * the idle timeout alone would let thousands pile up.  While crowded, a
 * connection that finished a request may idle only CROWDED_IDLE_S.
 */
static bool crowded(struct httpd *h)
{
	const union MHD_DaemonInfo *di;

	if (!h->mhd)
		return false;
	di = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di && di->num_connections > h->max_connections / 2;
}

static void request_completed(void *cls, struct MHD_Connection *conn,
			      void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct httpd *h = cls;
	struct req_state *rs = *con_cls;
	char sess[80];
	double ms;

	if (!rs)
		return;
	/* idle until the next request: shorter while crowded */
	if (rs->cstate)
		connreaper_set(h->reaper, &rs->cstate->reap,
			       crowded(h) ? CROWDED_IDLE_S : h->idle_timeout_s);
	text_sanitize(rs->req.session, sess, sizeof(sess));
	ms = elapsed_ms(&rs->start);
	if (rs->code)
		log_info("%s: %s %s -> %u (%.1f ms) session=%s%s", h->name,
			 rs->req.method, rs->req.path, rs->code, ms, sess,
			 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ?
				 "" : " (client went away)");
	if (h->done)
		h->done(h->ctx, &rs->req, rs->code, ms / 1e3,
			toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	buf_done(&rs->body);
	for (size_t i = 0; i < rs->n_hdr; i++) {
		free(rs->hdr_name[i]);
		free(rs->hdr_value[i]);
	}
	free(rs);
	*con_cls = NULL;
}

static int queue(struct httpd_request *req, unsigned code,
		 struct MHD_Response *resp)
{
	struct req_state *rs = req->priv;
	enum MHD_Result r;

	if (!resp)
		return -1;
	for (size_t i = 0; i < rs->n_hdr; i++)
		(void)MHD_add_response_header(resp, rs->hdr_name[i],
					      rs->hdr_value[i]);
	/* While crowded, close the connection after this answer. */
	if (!rs->streaming && crowded(rs->h))
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
					      "close");
	/* a stream may stay quiet for as long as it likes (a followed
	 * log); an answer must be taken within a bound */
	if (rs->cstate)
		connreaper_set(rs->h->reaper, &rs->cstate->reap,
			       rs->streaming ? 0u :
			       rs->h->idle_timeout_s > MIN_SEND_S ?
					       rs->h->idle_timeout_s :
					       MIN_SEND_S);
	rs->code = code;
	r = MHD_queue_response(rs->conn, code, resp);
	MHD_destroy_response(resp);
	return r == MHD_YES ? 0 : -1;
}

int httpd_reply(struct httpd_request *req, unsigned code,
		const char *content_type, const char *body, size_t len)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)body,
					       MHD_RESPMEM_MUST_COPY);
	if (resp && content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					content_type);
	return queue(req, code, resp);
}

int httpd_reply_text(struct httpd_request *req, unsigned code,
		     const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(msg) - 2)
		n = (int)sizeof(msg) - 2;
	msg[n++] = '\n';
	msg[n] = '\0';
	return httpd_reply(req, code, "text/plain; charset=utf-8", msg,
			   (size_t)n);
}

int httpd_reply_json(struct httpd_request *req, unsigned code,
		     const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	int r;

	if (!s)
		return httpd_reply_text(req, 503, "out of memory");
	r = httpd_reply(req, code, "application/json", s, strlen(s));
	cJSON_free(s);
	return r;
}

struct stream {
	httpd_stream_fn fn;
	httpd_stream_free_fn free_fn;
	void *ctx;
	struct MHD_Connection *conn;
};

/*
 * Has the client closed its end?  While a stream has nothing to send,
 * libmicrohttpd writes nothing and so would never notice; this lets a
 * quiet followed log end (and its producer be freed) when the client goes.
 */
static bool peer_gone(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	struct pollfd p = {.events = POLLRDHUP};

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return false;
	p.fd = ci->connect_fd;
	return poll(&p, 1, 0) == 1 &&
	       (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *st = cls;
	ssize_t n;

	(void)pos;
	n = st->fn(st->ctx, out, max);
	if (n == -1)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n < -1)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	/* 0: the producer waited (it blocks briefly itself); MHD asks again */
	if (n == 0 && peer_gone(st->conn))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	if (st->free_fn)
		st->free_fn(st->ctx);
	free(st);
}

int httpd_reply_stream(struct httpd_request *req, unsigned code,
		       const char *content_type, httpd_stream_fn fn,
		       void *ctx, httpd_stream_free_fn free_fn)
{
	struct req_state *rs = req->priv;
	struct MHD_Response *resp;
	struct stream *st = calloc(1, sizeof(*st));

	if (!st) {
		if (free_fn)
			free_fn(ctx);
		return httpd_reply_text(req, 503, "out of memory");
	}
	st->fn = fn;
	st->free_fn = free_fn;
	st->ctx = ctx;
	st->conn = rs->conn;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
						 stream_reader, st,
						 stream_free);
	if (!resp) {
		stream_free(st);
		return -1;
	}
	if (content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					content_type);
	rs->streaming = true; /* no deadline while it flows: queue() */
	return queue(req, code, resp);
}

const char *httpd_header(struct httpd_request *req, const char *name)
{
	struct req_state *rs = req->priv;

	return MHD_lookup_connection_value(rs->conn, MHD_HEADER_KIND, name);
}

int httpd_reply_header(struct httpd_request *req, const char *name,
		       const char *value)
{
	struct req_state *rs = req->priv;
	char *n, *v;

	if (rs->n_hdr >= MAX_REPLY_HEADERS)
		return -1;
	n = strdup(name);
	v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return -1;
	}
	rs->hdr_name[rs->n_hdr] = n;
	rs->hdr_value[rs->n_hdr++] = v;
	return 0;
}

bool httpd_peer_verified(const struct httpd_request *req)
{
	const struct req_state *rs = req->priv;

	return rs->cs && rs->cs->verified;
}

size_t httpd_peer_names(const struct httpd_request *req, const char **ret,
			size_t max)
{
	const struct req_state *rs = req->priv;
	const struct conn_state *cs = rs->cs;
	size_t n = 0;

	if (!cs || !cs->verified)
		return 0;
	for (; n < cs->n_names && n < max; n++)
		ret[n] = cs->names + cs->name_off[n];
	return n;
}

static enum MHD_Result dispatch(struct httpd *h, struct req_state *rs)
{
	struct httpd_request *req = &rs->req;
	const struct httpd_route *rt;

	req->body = buf_str(&rs->body);
	req->body_len = rs->body.len;
	if (req->body_too_large) {
		httpd_reply_text(req, 413,
				 "request body larger than %zu bytes",
				 h->max_body);
		return MHD_YES;
	}
	for (rt = h->routes; rt->path; rt++)
		if (strcmp(rt->path, req->path) == 0)
			break;
	if (h->filter) {
		int f = h->filter(h->ctx, req, rt->path ? rt : NULL);

		if (f != 0)
			return f > 0 && rs->code ? MHD_YES : MHD_NO;
	}
	if (!rt->path)
		return httpd_reply_text(req, 404, "404 page not found") == 0 ?
			       MHD_YES : MHD_NO;
	return rt->fn(h->ctx, req) == 0 ? MHD_YES : MHD_NO;
}

/* s, printable (control bytes as '?'), cut with "..." to fit n */
static void sanitize_bounded(const char *s, char *out, size_t n)
{
	text_sanitize(s, out, n);
	if (s && strlen(s) >= n && n > 4)
		memcpy(out + n - 4, "...", 4);
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn,
				      const char *url, const char *method,
				      const char *version,
				      const char *upload_data,
				      size_t *upload_data_size, void **con_cls)
{
	struct httpd *h = cls;
	struct req_state *rs = *con_cls;

	(void)version;
	if (!rs) {
		struct conn_state *cs = conn_state_of(conn);
		const char *cl, *sess;

		rs = calloc(1, sizeof(*rs));
		if (!rs)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &rs->start);
		rs->conn = conn;
		rs->h = h;
		rs->req.priv = rs;
		sanitize_bounded(method, rs->method, sizeof(rs->method));
		sanitize_bounded(url, rs->path, sizeof(rs->path));
		rs->req.method = rs->method;
		rs->req.path = rs->path;
		/* the handshake deadline gives way to the idle one, which
		 * each piece of the body renews (a slow upload) */
		rs->cstate = cs;
		if (cs)
			connreaper_set(h->reaper, &cs->reap, h->idle_timeout_s);
		sess = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						   "InterLink-Http-Session");
		rs->req.session = sess ? sess : "-";
		rs->req.peer_name = "";
		buf_init(&rs->body, h->max_body);
		*con_cls = rs;
		if (h->require_client_cert && cs) {
			if (!cs->checked) {
				cs->verified = tls_check_peer(conn, cs) == 0;
				cs->checked = true;
			}
			rs->cs = cs;
			if (!cs->verified) {
				httpd_reply_text(&rs->req, 403,
						 "client certificate required");
				return MHD_YES;
			}
			rs->req.peer_name = cs->peer_name;
		}
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			uint64_t n;

			if (text_parse_u64(cl, UINT64_MAX, &n) == 0 &&
			    n > h->max_body) {
				rs->req.body_too_large = true;
				httpd_reply_text(&rs->req, 413,
						 "request body larger than "
						 "%zu bytes",
						 h->max_body);
			}
		}
		return MHD_YES;
	}
	if (rs->code) {
		/* a reply was queued early (403); discard the upload */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (rs->cstate)
			connreaper_set(h->reaper, &rs->cstate->reap,
				       h->idle_timeout_s);
		if (!rs->req.body_too_large &&
		    buf_append(&rs->body, upload_data, *upload_data_size) < 0)
			rs->req.body_too_large = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rs->dispatched)
		return MHD_YES;
	rs->dispatched = true;
	/* no deadline while the handler works; queue() sets the next */
	if (rs->cstate)
		connreaper_set(h->reaper, &rs->cstate->reap, 0u);
	return dispatch(h, rs);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_debug("libmicrohttpd: %s", msg);
}

/*
 * Open the folder of a unix socket (dir/base): created when missing (0755,
 * 0750 with a group), never through a symlink, and refused unless it is
 * a directory of root or ours that no one else can write, so nobody can
 * swap the socket under us.  Returns the folder's fd, or -1 with err.
 */
static int socket_folder(const char *dir, bool group_set, gid_t gid,
			 char *err, size_t errlen)
{
	char parent[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *last = strrchr(dir, '/');
	int pfd, fd = -1;
	struct stat st;

	if (!last || !last[1]) { /* "/" itself */
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		goto check;
	}
	snprintf(parent, sizeof(parent), "%.*s",
		 (int)(last == dir ? 1 : (size_t)(last - dir)), dir);
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		snprintf(err, errlen, "%s: %s", parent, strerror(errno));
		return -1;
	}
	if (mkdirat(pfd, last + 1, group_set ? 0750 : 0755) == 0) {
		fd = openat(pfd, last + 1,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && ((group_set && fchown(fd, (uid_t)-1, gid) < 0) ||
				fchmod(fd, group_set ? 0750 : 0755) < 0)) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			close(fd);
			close(pfd);
			return -1;
		}
	} else if (errno == EEXIST) {
		fd = openat(pfd, last + 1,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	close(pfd);
check:
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s%s", dir, strerror(errno),
			 errno == ELOOP || errno == ENOTDIR ?
				 " (the socket's folder must be a directory, "
				 "not a symlink)" : "");
		return -1;
	}
	if (fstat(fd, &st) < 0 || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & 022)) {
		snprintf(err, errlen, "%s: the socket's folder must belong to "
			 "root or this daemon and be writable by no one else",
			 dir);
		close(fd);
		return -1;
	}
	return fd;
}

static int listen_unix(const char *path, bool group_set, gid_t gid,
		       char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[sizeof(sa.sun_path)];
	const char *base = strrchr(path, '/');
	int dfd = -1, fd = -1;
	struct stat st;

	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path) ||
	    !base[1]) {
		snprintf(err, errlen, "socket path must be absolute and at "
			 "most %zu bytes: %s", sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s",
		 (int)(base == path ? 1 : (size_t)(base - path)), path);
	base++;
	dfd = socket_folder(dir, group_set, gid, err, errlen);
	if (dfd < 0)
		return -1;
	/* the folder is pinned by dfd: bind and chmod beneath it */
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path),
			     "/proc/self/fd/%d/%s", dfd, base) >=
		    sizeof(sa.sun_path) ||
	    access("/proc/self/fd", X_OK) < 0)
		memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	/* a stale socket from a crash: remove it only if nobody answers */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		snprintf(err, errlen, "%s: another server is listening", path);
		goto fail;
	}
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
				 path);
			goto fail;
		}
		(void)unlinkat(dfd, base, 0); /* stale; bind reports failure */
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* Linux creates the file with the socket inode's mode: never more
	 * than 0660, not even for a moment */
	if (fd < 0 || fchmod(fd, 0660) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (group_set &&
	     fchownat(dfd, base, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) < 0) ||
	    fchmodat(dfd, base, 0660, 0) < 0 || listen(fd, 128) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	close(dfd);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return -1;
}

static int listen_tcp(const char *host, uint16_t port, uint16_t *ret_port,
		      char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL, *ai;
	char portstr[8];
	int fd = -1, one = 1, rc;

	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(host && *host ? host : NULL, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				 sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 256) == 0)
			break;
		snprintf(err, errlen, "%s:%u: %s", host, port,
			 strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			*ret_port = ntohs(ss.ss_family == AF_INET6 ?
				((struct sockaddr_in6 *)&ss)->sin6_port :
				((struct sockaddr_in *)&ss)->sin_port);
	}
	return fd;
}

static char *load_pem(const char *path, const char *what, char *err,
		      size_t errlen)
{
	char *data = NULL;
	int r = fs_read_file(path, 1 << 20, &data, NULL);

	if (r < 0) {
		snprintf(err, errlen, "cannot read %s '%s': %s", what,
			 path ? path : "", strerror(-r));
		return NULL;
	}
	return data;
}

struct httpd *httpd_start(const struct httpd_conf *c,
			  const struct httpd_route *routes, void *ctx,
			  char *err, size_t errlen)
{
	struct httpd *h = calloc(1, sizeof(*h));
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
			     MHD_USE_ERROR_LOG;
	struct MHD_OptionItem ops[16];
	int n = 0;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->routes = routes;
	h->ctx = ctx;
	h->listen_fd = -1;
	h->max_body = c->max_body;
	h->filter = c->filter;
	h->done = c->done;
	h->idle_timeout_s = c->idle_timeout_s ? c->idle_timeout_s : 30;
	h->max_connections = c->max_connections ? c->max_connections : 512;
	h->handshake_timeout_s = c->handshake_timeout_s ?
					 c->handshake_timeout_s :
					 DEFAULT_HANDSHAKE_S;
	h->name = strdup(c->name ? c->name : "http");
	/* the logger first, so MHD never prints on its own */
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER,
					   (intptr_t)mhd_log, NULL};
	if (c->unix_socket) {
		h->unix_path = strdup(c->unix_path);
		h->listen_fd = listen_unix(c->unix_path, c->unix_group_set,
					   c->unix_gid, err, errlen);
	} else {
		h->listen_fd = listen_tcp(c->host, c->port, &h->port, err,
					  errlen);
	}
	if (h->listen_fd < 0)
		goto fail;
	if (c->tls && !c->unix_socket) {
		flags |= MHD_USE_TLS;
		h->cert_pem = load_pem(c->cert_file, "certificate", err,
				       errlen);
		if (!h->cert_pem)
			goto fail;
		h->key_pem = load_pem(c->key_file, "key", err, errlen);
		if (!h->key_pem)
			goto fail;
		ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT,
						   0, h->cert_pem};
		ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
						   h->key_pem};
		ops[n++] = (struct MHD_OptionItem){
			MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES};
		if (c->ca_file && *c->ca_file) {
			h->ca_pem = load_pem(c->ca_file, "CA certificate", err,
					     errlen);
			if (!h->ca_pem)
				goto fail;
			h->require_client_cert = true;
			ops[n++] = (struct MHD_OptionItem){
				MHD_OPTION_HTTPS_MEM_TRUST, 0, h->ca_pem};
		}
	}
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET,
					   h->listen_fd, NULL};
	/* libmicrohttpd's own timeout stays off: connreaper keeps ours */
	h->reaper = connreaper_new(h->name, err, errlen);
	if (!h->reaper)
		goto fail;
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
					   h->max_connections, NULL};
	/* MHD tracks IPv4/IPv6 addresses only: not for a unix socket */
	if (!c->unix_socket && c->max_per_address)
		ops[n++] = (struct MHD_OptionItem){
			MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->max_per_address,
			NULL};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
					   (intptr_t)request_completed, h};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
					   (intptr_t)notify_connection, h};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, h,
				  MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
	if (!h->mhd) {
		snprintf(err, errlen, "cannot start the HTTP server");
		goto fail;
	}
	h->listen_fd = -1; /* MHD owns and closes it now */
	return h;
fail:
	httpd_stop(h);
	return NULL;
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	connreaper_free(h->reaper); /* after: MHD closed every connection */
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	if (h->unix_path && h->mhd)
		(void)unlink(h->unix_path); /* ours; nothing to do if gone */
	free(h->unix_path);
	free(h->name);
	free(h->cert_pem);
	free(h->key_pem);
	free(h->ca_pem);
	free(h);
}

uint16_t httpd_port(const struct httpd *h)
{
	return h->port;
}

int httpd_parse_url(const char *url, bool *ret_tls, bool *ret_unix,
		    char *host, size_t hostlen, uint16_t *ret_port, char *err,
		    size_t errlen)
{
	const char *p, *colon, *end;
	size_t len;

	*ret_tls = false;
	*ret_unix = false;
	*ret_port = 0;
	if (!url || !*url) {
		snprintf(err, errlen, "empty URL");
		return -1;
	}
	if (strncmp(url, "unix://", 7) == 0) {
		p = url + 7;
		if (p[0] != '/' || strlen(p) >= hostlen) {
			snprintf(err, errlen,
				 "'%s': a unix socket URL needs an absolute "
				 "path (unix:///run/x.sock)",
				 url);
			return -1;
		}
		*ret_unix = true;
		memcpy(host, p, strlen(p) + 1);
		return 0;
	}
	if (strncmp(url, "https://", 8) == 0) {
		*ret_tls = true;
		p = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else {
		snprintf(err, errlen,
			 "'%s': the URL must start with http://, https:// or "
			 "unix://",
			 url);
		return -1;
	}
	end = p + strcspn(p, "/");
	if (*p == '[') { /* [::1]:port */
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb) {
			snprintf(err, errlen, "'%s': bad IPv6 address", url);
			return -1;
		}
		len = (size_t)(rb - p - 1);
		if (len >= hostlen)
			goto toolong;
		memcpy(host, p + 1, len);
		host[len] = '\0';
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		len = (size_t)((colon ? colon : end) - p);
		if (len >= hostlen)
			goto toolong;
		memcpy(host, p, len);
		host[len] = '\0';
	}
	if (colon) {
		char port[8];
		uint64_t v;
		size_t plen = (size_t)(end - colon - 1);

		if (plen == 0 || plen >= sizeof(port))
			goto badport;
		memcpy(port, colon + 1, plen);
		port[plen] = '\0';
		if (text_parse_u64(port, 65535, &v) < 0)
			goto badport;
		*ret_port = (uint16_t)v;
	}
	return 0;
badport:
	snprintf(err, errlen, "'%s': bad port", url);
	return -1;
toolong:
	snprintf(err, errlen, "'%s': host name too long", url);
	return -1;
}
