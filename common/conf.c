/* common/conf.c - see conf.h */
#include "conf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "confsuggest.h"
#include "log.h"
#include "text.h"
#include "yamljson.h"

#define FIELD(obj, k, type) ((type *)((char *)(obj) + (k)->offset))

static const struct conf_key *find_key(const struct conf_key *t,
				       const char *name)
{
	for (; t->type != CONF_END; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static void strlist_free(struct conf_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int set_scalar(const struct conf_key *k, void *obj, const char *prefix,
		      const char *value, char *err, size_t errlen)
{
	switch (k->type) {
	case CONF_STRING: {
		char **dst = FIELD(obj, k, char *);
		char *v = value ? strdup(value) : NULL;

		if (value && !v) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(*dst);
		*dst = v;
		return 0;
	}
	case CONF_BOOL:
		if (!value || text_parse_bool(value, FIELD(obj, k, bool)) < 0) {
			snprintf(err, errlen, "%s%s: '%s' is not a boolean",
				 prefix, k->name, value ? value : "");
			return -1;
		}
		return 0;
	case CONF_INT:
		if (!value || text_parse_i64(value, k->min, k->max,
					     FIELD(obj, k, int64_t)) < 0) {
			snprintf(err, errlen,
				 "%s%s: '%s' is not a whole number between "
				 "%lld and %lld",
				 prefix, k->name, value ? value : "",
				 (long long)k->min, (long long)k->max);
			return -1;
		}
		return 0;
	case CONF_STRLIST: {
		/* a scalar default: one element, or empty for "" */
		struct conf_strlist *l = FIELD(obj, k, struct conf_strlist);

		strlist_free(l);
		if (!value || !*value)
			return 0;
		l->v = calloc(1, sizeof(char *));
		if (!l->v || !(l->v[0] = strdup(value))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		l->n = 1;
		return 0;
	}
	default:
		snprintf(err, errlen, "%s%s: expected a mapping", prefix,
			 k->name);
		return -1;
	}
}

int conf_defaults(const struct conf_key *table, void *obj, char *err,
		  size_t errlen)
{
	for (const struct conf_key *k = table; k->type != CONF_END; k++) {
		if (k->type == CONF_SECTION) {
			if (conf_defaults(k->section, obj, err, errlen) < 0)
				return -1;
			continue;
		}
		if (k->type == CONF_RAW || !k->def)
			continue;
		if (set_scalar(k, obj, "", k->def, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int load_map(const struct conf_key *table, void *obj,
		    const cJSON *map, const char *prefix, char *err,
		    size_t errlen);

static int load_value(const struct conf_key *k, void *obj, const cJSON *v,
		      const char *prefix, char *err, size_t errlen)
{
	if (k->type == CONF_RAW)
		return 0;
	if (k->type == CONF_SECTION) {
		char sub[256];

		if (cJSON_IsNull(v))
			return 0;
		if (!cJSON_IsObject(v)) {
			snprintf(err, errlen, "%s%s: expected a mapping",
				 prefix, k->name);
			return -1;
		}
		snprintf(sub, sizeof(sub), "%s%s.", prefix, k->name);
		return load_map(k->section, obj, v, sub, err, errlen);
	}
	if (k->type == CONF_STRLIST && cJSON_IsArray(v)) {
		struct conf_strlist *l = FIELD(obj, k, struct conf_strlist);
		int n = cJSON_GetArraySize(v), i = 0;
		const cJSON *e;

		strlist_free(l);
		l->v = calloc((size_t)n + 1, sizeof(char *));
		if (!l->v) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		cJSON_ArrayForEach(e, v)
		{
			if (!cJSON_IsString(e)) {
				snprintf(err, errlen,
					 "%s%s[%d]: expected a string", prefix,
					 k->name, i);
				return -1;
			}
			l->v[i] = strdup(e->valuestring);
			if (!l->v[i]) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			l->n = (size_t)++i;
		}
		return 0;
	}
	if (cJSON_IsNull(v))
		return set_scalar(k, obj, prefix, k->type == CONF_STRING ?
			NULL : k->def, err, errlen);
	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "%s%s: expected a single value", prefix,
			 k->name);
		return -1;
	}
	return set_scalar(k, obj, prefix, v->valuestring, err, errlen);
}

static int load_map(const struct conf_key *table, void *obj,
		    const cJSON *map, const char *prefix, char *err,
		    size_t errlen)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, map)
	{
		const struct conf_key *k = find_key(table, item->string);

		if (!k) {
			char name[128];

			const char *near = conf_suggest(table, item->string);

			text_sanitize(item->string, name, sizeof(name));
			log_warn("unknown configuration key '%s%s', ignoring%s%s%s%s",
				 prefix, name, near ? "; did you mean '" : "",
				 near ? prefix : "", near ? near : "",
				 near ? "'?" : "");
			continue;
		}
		if (load_value(k, obj, item, prefix, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int conf_load(const struct conf_key *table, void *obj, const char *path,
	      cJSON **ret_tree, char *err, size_t errlen)
{
	char perr[256];
	cJSON *tree = NULL;

	if (conf_defaults(table, obj, err, errlen) < 0)
		return -1;
	if (yamljson_load_file(path, YAMLJSON_STRINGS, &tree, err,
			       errlen) < 0)
		return -1; /* the message names the file */
	if (!cJSON_IsObject(tree)) {
		snprintf(err, errlen, "%s: the top level must be a mapping",
			 path);
		cJSON_Delete(tree);
		return -1;
	}
	if (load_map(table, obj, tree, "", perr, sizeof(perr)) < 0) {
		snprintf(err, errlen, "%s: %s", path, perr);
		cJSON_Delete(tree);
		return -1;
	}
	if (ret_tree)
		*ret_tree = tree;
	else
		cJSON_Delete(tree);
	return 0;
}

int conf_set(const struct conf_key *table, void *obj, const char *key,
	     const char *value, char *err, size_t errlen)
{
	const struct conf_key *k = find_key(table, key);

	if (!k || k->type == CONF_SECTION || k->type == CONF_RAW) {
		snprintf(err, errlen, "%s: not a settable key", key);
		return -1;
	}
	return set_scalar(k, obj, "", value, err, errlen);
}

void conf_free(const struct conf_key *table, void *obj)
{
	for (const struct conf_key *k = table; k->type != CONF_END; k++) {
		if (k->type == CONF_SECTION)
			conf_free(k->section, obj);
		else if (k->type == CONF_STRING) {
			free(*FIELD(obj, k, char *));
			*FIELD(obj, k, char *) = NULL;
		} else if (k->type == CONF_STRLIST)
			strlist_free(FIELD(obj, k, struct conf_strlist));
	}
}

static void print_table(const struct conf_key *table, const void *obj,
			FILE *f, int indent)
{
	for (const struct conf_key *k = table; k->type != CONF_END; k++) {
		const void *o = obj;

		if (k->type == CONF_RAW)
			continue;
		fprintf(f, "%*s%s:", indent, "", k->name);
		switch (k->type) {
		case CONF_SECTION:
			fputc('\n', f);
			print_table(k->section, o, f, indent + 2);
			break;
		case CONF_STRING: {
			const char *s = *(char *const *)((const char *)o +
							 k->offset);
			char clean[512];

			text_sanitize(s ? s : "", clean, sizeof(clean));
			fprintf(f, " \"%s\"\n", clean);
			break;
		}
		case CONF_BOOL:
			fprintf(f, " %s\n",
				*(const bool *)((const char *)o + k->offset) ?
					"true" : "false");
			break;
		case CONF_INT:
			fprintf(f, " %lld\n",
				(long long)*(const int64_t *)((const char *)o +
							      k->offset));
			break;
		case CONF_STRLIST: {
			const struct conf_strlist *l =
				(const void *)((const char *)o + k->offset);

			fprintf(f, l->n ? "\n" : " []\n");
			for (size_t i = 0; i < l->n; i++)
				fprintf(f, "%*s- \"%s\"\n", indent + 2, "",
					l->v[i]);
			break;
		}
		default:
			fputc('\n', f);
		}
	}
}

void conf_print(const struct conf_key *table, const void *obj, FILE *f)
{
	print_table(table, obj, f, 0);
}
