/*
 * common/conf.h - table-driven YAML configuration.
 *
 * Each daemon describes its file in one table: key (upstream's exact,
 * case-sensitive name), type, where it lands in the daemon's config struct,
 * default, bounds and a doc line.  conf_load applies the defaults, reads the
 * YAML (every scalar as text), converts and checks each value, warns about
 * unknown keys ("ignoring") and refuses malformed YAML or bad values with an
 * error naming the key.
 */
#ifndef COMMON_CONF_H
#define COMMON_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

enum conf_type {
	CONF_END = 0,
	CONF_STRING,  /* char *, owned */
	CONF_BOOL,    /* bool */
	CONF_INT,     /* int64_t within [min, max] */
	CONF_STRLIST, /* struct conf_strlist: a sequence of scalars */
	CONF_SECTION, /* a nested mapping described by .section */
	CONF_RAW      /* accepted and kept only in the raw tree */
};

struct conf_strlist {
	char **v;
	size_t n;
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;     /* into the config struct */
	const char *def;   /* default as text, NULL for none */
	int64_t min, max;  /* CONF_INT bounds */
	const struct conf_key *section; /* CONF_SECTION: its table */
	const char *doc;
};

/*
 * Load path into obj (which must be zeroed).  On success *ret_tree, when
 * not NULL, receives the raw tree (strings mode; caller frees with
 * cJSON_Delete).  Returns 0 or -1 with a message in err naming the key.
 */
int conf_load(const struct conf_key *table, void *obj, const char *path,
	      cJSON **ret_tree, char *err, size_t errlen);
/* Apply the defaults only (used by conf_load, and for tests). */
int conf_defaults(const struct conf_key *table, void *obj, char *err,
		  size_t errlen);
/* Set one key from text (env overrides use it); same checks as the file. */
int conf_set(const struct conf_key *table, void *obj, const char *key,
	     const char *value, char *err, size_t errlen);
/* Free everything conf_load allocated in obj. */
void conf_free(const struct conf_key *table, void *obj);
/* Print the effective configuration as YAML (the -T option). */
void conf_print(const struct conf_key *table, const void *obj, FILE *f);

#endif /* COMMON_CONF_H */
