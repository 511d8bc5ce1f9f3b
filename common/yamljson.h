/*
 * common/yamljson.h - YAML (libyaml) to cJSON.
 *
 * One converter serves two readers: the daemons' configuration files and
 * ilctl's Kubernetes manifests.
 *
 * Mapping: a YAML mapping becomes a JSON object (keys must be scalars;
 * duplicate keys are an error), a sequence an array.  Scalars:
 *   - YAMLJSON_TYPED (Kubernetes manifests): plain (unquoted) scalars
 *     follow YAML 1.1 as Kubernetes reads them (go-yaml v2): null/~/empty
 *     -> null; true/True/TRUE, yes, y, on and their false forms -> bool;
 *     decimal integers and floats -> number; octal "0644" -> 420, hex too;
 *     everything else, and every quoted or block scalar, -> string.  Keys
 *     are converted the same way (yes: -> "true").  .inf/.nan, merge keys
 *     (<<) and NUL bytes are refused.
 *   - YAMLJSON_STRINGS (configuration): every scalar becomes a string
 *     exactly as written (empty plain scalars and ~ / null become JSON
 *     null), so the config table decides how to read it.
 * Anchors and aliases are refused (billion-laughs), as are tags other than
 * the standard ones.  Limits: nesting depth 64, 100000 nodes, input 16 MiB.
 *
 * Errors carry the line and column: "line 3, column 5: mapping values are
 * not allowed in this context".
 */
#ifndef COMMON_YAMLJSON_H
#define COMMON_YAMLJSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

enum yamljson_mode {
	YAMLJSON_TYPED = 0,
	YAMLJSON_STRINGS = 1
};

/*
 * Convert every document of the YAML stream in buf[0..len) into a JSON
 * array with one element per document (empty documents are skipped).
 * On success *ret is a new cJSON array the caller frees with cJSON_Delete.
 * Returns 0, or -1 with a message in err.
 */
int yamljson_parse_all(const char *buf, size_t len, enum yamljson_mode mode,
		       cJSON **ret, char *err, size_t errlen);

/*
 * Convert a stream that must hold exactly one document (an empty stream
 * gives an empty object).  Same contract as yamljson_parse_all.
 */
int yamljson_parse_one(const char *buf, size_t len, enum yamljson_mode mode,
		       cJSON **ret, char *err, size_t errlen);

/* Read a whole file (at most 16 MiB) and yamljson_parse_one it. */
int yamljson_load_file(const char *path, enum yamljson_mode mode,
		       cJSON **ret, char *err, size_t errlen);

#endif /* COMMON_YAMLJSON_H */
