/* common/confcheck.c - see confcheck.h */
#include "confcheck.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "text.h"

#define FAIL(...)                                                              \
	do {                                                                   \
		char why_[512];                                                \
		snprintf(why_, sizeof(why_), __VA_ARGS__);                     \
		snprintf(err, errlen, "%s: %s: %s", file, key, why_);          \
		return -1;                                                     \
	} while (0)

int confcheck_port(const char *file, const char *key, const char *value,
		   int allow_empty, char *err, size_t errlen)
{
	uint64_t p;

	if (!value || !*value) {
		if (allow_empty)
			return 0;
		FAIL("is empty; a port from 0 to 65535 is needed");
	}
	if (text_parse_u64(value, 65535, &p) < 0)
		FAIL("'%.64s' is not a port (0 to 65535)", value);
	return 0;
}

int confcheck_readable(const char *file, const char *key, const char *path,
		       char *err, size_t errlen)
{
	struct stat st;

	if (!path || !*path)
		FAIL("no file given");
	if (stat(path, &st) < 0)
		FAIL("%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		FAIL("%s is not a regular file", path);
	if (access(path, R_OK) < 0)
		FAIL("%s cannot be read: %s", path, strerror(errno));
	return 0;
}

int confcheck_cert_key(const char *file, const char *cert_key,
		       const char *cert, const char *key_key, const char *key,
		       char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	int r;

	if (confcheck_readable(file, cert_key, cert, err, errlen) < 0 ||
	    confcheck_readable(file, key_key, key, err, errlen) < 0)
		return -1;
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	r = gnutls_certificate_set_x509_key_file(cred, cert, key,
						 GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (r == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
		key = key_key;
		FAIL("%s is not the key of %s (%s)", key_key, cert_key,
		     gnutls_strerror(r));
	}
	if (r < 0) {
		key = cert_key;
		FAIL("%s and its key do not load: %s", cert, gnutls_strerror(r));
	}
	return 0;
}

int confcheck_ca(const char *file, const char *key, const char *path,
		 char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	int r;

	if (confcheck_readable(file, key, path, err, errlen) < 0)
		return -1;
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	r = gnutls_certificate_set_x509_trust_file(cred, path,
						   GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (r <= 0)
		FAIL("%s holds no CA certificate%s%s", path, r < 0 ? ": " : "",
		     r < 0 ? gnutls_strerror(r) : "");
	return 0;
}

int confcheck_private(const char *file, const char *key, const char *path,
		      char *err, size_t errlen)
{
	struct stat st;

	if (confcheck_readable(file, key, path, err, errlen) < 0)
		return -1;
	if (stat(path, &st) < 0)
		FAIL("%s: %s", path, strerror(errno));
	if (st.st_mode & (S_IRWXO | S_IWGRP))
		FAIL("%s has mode %04o: others must not read it and its group "
		     "must not write it (chmod 600)", path,
		     (unsigned)(st.st_mode & 07777));
	return 0;
}

int confcheck_folder(const char *file, const char *key, const char *path,
		     char *err, size_t errlen)
{
	char p[PATH_MAX];
	struct stat st;
	char *slash;

	if (!path || !*path)
		FAIL("no folder given");
	if (path[0] != '/')
		FAIL("'%.200s' is not an absolute path", path);
	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			FAIL("%s exists and is not a folder", path);
		if (access(path, W_OK | X_OK) < 0)
			FAIL("%s is not writable: %s", path, strerror(errno));
		return 0;
	}
	if (errno != ENOENT)
		FAIL("%s: %s", path, strerror(errno));
	/* to be made: the nearest existing parent must be a writable folder */
	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		FAIL("the path is too long");
	while ((slash = strrchr(p, '/')) != NULL) {
		*slash = '\0';
		if (!*p) {
			p[0] = '/';
			p[1] = '\0';
		}
		if (stat(p, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				FAIL("%s cannot be made: %s is not a folder",
				     path, p);
			if (access(p, W_OK | X_OK) < 0)
				FAIL("%s cannot be made in %s: %s", path, p,
				     strerror(errno));
			return 0;
		}
		if (strcmp(p, "/") == 0)
			break;
	}
	FAIL("%s cannot be made", path);
}

int confcheck_socket_dir(const char *file, const char *key, const char *url,
			 char *err, size_t errlen)
{
	char p[PATH_MAX];
	struct stat st;
	char *slash;

	if (!url || strncmp(url, "unix://", 7) != 0)
		return 0;
	if (snprintf(p, sizeof(p), "%s", url + 7) >= (int)sizeof(p))
		FAIL("the socket path is too long");
	slash = strrchr(p, '/');
	if (!slash || p[0] != '/')
		FAIL("'%.200s' is not unix:///absolute/path", url);
	if (slash == p)
		return 0;
	*slash = '\0';
	if (stat(p, &st) < 0 && errno == ENOENT) {
		/* the daemon makes the last folder (0755/0750) when its
		 * parent is there */
		char *up = strrchr(p, '/');
		struct stat pst;

		if (up && up != p) {
			*up = '\0';
			if (stat(p, &pst) == 0 && S_ISDIR(pst.st_mode))
				return 0;
			*up = '/';
		} else if (up == p) {
			return 0;
		}
		errno = ENOENT;
	}
	if (stat(p, &st) < 0)
		FAIL("the socket's folder %s: %s%s", p, strerror(errno),
		     errno == ENOENT ? " (the units make /run/interlink with "
				       "RuntimeDirectory=)" : "");
	if (!S_ISDIR(st.st_mode))
		FAIL("the socket's folder %s is not a folder", p);
	return 0;
}
