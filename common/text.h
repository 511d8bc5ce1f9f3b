/*
 * common/text.h - checked parsers and validators for untrusted text.
 */
#ifndef COMMON_TEXT_H
#define COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 bytes. */
bool text_is_dns_label(const char *s);
/* RFC 1123 subdomain: labels joined by '.', at most 253 bytes. */
bool text_is_dns_subdomain(const char *s);
/* A pod UID we accept in paths: [a-z0-9-], 1..64 bytes, not "." or "..". */
bool text_is_uid(const char *s);
/* Lowercase canonical UUID 8-4-4-4-12 (upstream's /getLogs rule). */
bool text_is_uuid(const char *s);
/*
 * Environment variable name that a shell (and so apptainer's --env-file)
 * can carry: [A-Za-z_][A-Za-z0-9_]*, at most 256 bytes.
 */
bool text_is_env_name(const char *s);
/* A file name (volume key / item path component): no '/', not "." "..". */
bool text_is_file_name(const char *s);
/* A relative path of file names (no "..", no leading '/', no "//"). */
bool text_is_rel_path(const char *s);
/* Contains no byte < 0x20 or 0x7f (tabs and newlines included). */
bool text_is_printable(const char *s);

/* A loopback host: "localhost", 127.0.0.0/8, "::1" (with or without []). */
bool text_is_loopback(const char *host);

/* Whole-string unsigned/signed decimal parse with range; 0 or -EINVAL. */
int text_parse_u64(const char *s, uint64_t max, uint64_t *ret);
int text_parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret);
/* true/false/yes/no/on/off/1/0 (any case); 0 or -EINVAL. */
int text_parse_bool(const char *s, bool *ret);

/*
 * Kubernetes quantities.  CPU in millicores ("500m", "2", "1.5") rounded
 * up; memory in bytes ("128Mi", "1G", "1e3", "1024").  0 or -EINVAL.
 */
int text_parse_cpu_milli(const char *s, uint64_t *ret);
int text_parse_mem_bytes(const char *s, uint64_t *ret);

/* Copy at most n bytes of s into a printable, single-line form for logs. */
void text_sanitize(const char *s, char *out, size_t n);

#endif /* COMMON_TEXT_H */
