/*
 * common/yamljson.c - YAML (libyaml events) to cJSON; see yamljson.h.
 *
 * The converter walks libyaml's event stream with an explicit stack of open
 * collections, so hostile nesting costs a bounded amount of memory and no C
 * stack.  Typed mode resolves plain scalars the way Kubernetes does: its
 * decoder (sigs.k8s.io/yaml) runs go-yaml v2, whose YAML 1.1 resolver is
 * mirrored by resolve_plain() below.  Non-string mapping keys are turned
 * into strings as sigs.k8s.io/yaml does ("yes:" becomes "true").
 */
#include "yamljson.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define YJ_MAX_DEPTH 64
#define YJ_MAX_NODES 100000
#define YJ_MAX_INPUT (16u << 20)

/* What a plain scalar resolves to in typed mode. */
enum yj_kind {
	YJ_STR,
	YJ_NULL,
	YJ_BOOL,
	YJ_INT,
	YJ_FLOAT,
	YJ_NONFINITE /* .inf / .nan: no JSON form */
};

struct yj_value {
	enum yj_kind kind;
	bool b;
	double num;
	bool is_unsigned;
	int64_t i;
	uint64_t u;
};

/* The standard tags we accept; anything else is refused. */
enum yj_tag {
	TAG_NONE,
	TAG_NONSPECIFIC, /* "!": the scalar is a string */
	TAG_STR,
	TAG_INT,
	TAG_FLOAT,
	TAG_BOOL,
	TAG_NULL,
	TAG_MAP,
	TAG_SEQ,
	TAG_BAD
};

/* Where each key of an open mapping was written, for duplicate reports. */
struct yj_key {
	const char *key; /* borrowed from the cJSON child */
	size_t line;
	size_t col;
	size_t seq;
};

struct yj_frame {
	cJSON *node; /* an object or an array */
	char *key;   /* objects: the pending key, NULL when a key is due */
	struct yj_key *keys;
	size_t n_keys;
	size_t cap_keys;
};

struct yj_conv {
	enum yamljson_mode mode;
	const char *buf;
	size_t len;
	struct yj_frame stack[YJ_MAX_DEPTH];
	size_t depth;
	size_t nodes;
	cJSON *root; /* the open document's root, NULL until it is seen */
	cJSON *docs;
	yaml_mark_t doc_mark;    /* where the open document starts */
	yaml_mark_t second_mark; /* where the second kept document starts */
	char *err;
	size_t errlen;
};

static void yj_errf(struct yj_conv *c, size_t line, size_t col,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void yj_errf(struct yj_conv *c, size_t line, size_t col,
		    const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || c->errlen == 0)
		return;
	n = snprintf(c->err, c->errlen, "line %zu, column %zu: ", line, col);
	if (n < 0 || (size_t)n >= c->errlen)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void yj_err_mark(struct yj_conv *c, const yaml_mark_t *m,
			const char *what, const char *name)
{
	if (name)
		yj_errf(c, m->line + 1, m->column + 1, "%s ('%.64s')", what,
			name);
	else
		yj_errf(c, m->line + 1, m->column + 1, "%s", what);
}

static void set_plain_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		(void)snprintf(err, errlen, "%s", msg);
}

/* ---- typed-mode resolution (go-yaml v2 rules) ---- */

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int digit_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return 99;
}

/*
 * Go's strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64) in one pass:
 * optional sign, then 0x / 0o / 0b / leading-0 octal / decimal.
 */
static bool parse_go_int(const char *s, struct yj_value *ret)
{
	bool neg = false, has_sign = false;
	unsigned base = 10;
	uint64_t mag = 0;

	if (*s == '+' || *s == '-') {
		neg = *s == '-';
		has_sign = true;
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
	} else if (s[0] == '0' && s[1] != '\0') {
		base = 8;
		s++;
	}
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		int d = digit_value(*s);

		if (d >= (int)base)
			return false;
		if (mag > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		mag = mag * base + (uint64_t)d;
	}
	ret->kind = YJ_INT;
	ret->is_unsigned = false;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return false;
		ret->i = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN
							: -(int64_t)mag;
		ret->num = (double)ret->i;
	} else if (mag <= (uint64_t)INT64_MAX) {
		ret->i = (int64_t)mag;
		ret->num = (double)mag;
	} else {
		/* only ParseUint takes it, and ParseUint allows no sign */
		if (has_sign)
			return false;
		ret->is_unsigned = true;
		ret->u = mag;
		ret->num = (double)mag;
	}
	return true;
}

/*
 * go-yaml's yamlStyleFloat:
 * [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
 */
static bool is_yaml_float(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (*s == '.') {
		s++;
		if (!is_digit(*s))
			return false;
		while (is_digit(*s))
			s++;
	} else {
		if (!is_digit(*s))
			return false;
		while (is_digit(*s))
			s++;
		if (*s == '.')
			for (s++; is_digit(*s); s++)
				;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!is_digit(*s))
			return false;
		while (is_digit(*s))
			s++;
	}
	return *s == '\0';
}

static bool parse_yaml_float(const char *s, struct yj_value *ret)
{
	char *end;
	double v;

	if (!is_yaml_float(s))
		return false;
	errno = 0;
	v = strtod(s, &end);
	/* Go's ParseFloat fails on overflow, and go-yaml then keeps a string */
	if (*end || isinf(v))
		return false;
	ret->kind = YJ_FLOAT;
	ret->num = v;
	return true;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/*
 * Resolve a plain scalar of len bytes (NUL terminated, no NUL inside).
 * Returns -ENOMEM or 0 with ret filled.
 */
static int resolve_plain(const char *s, size_t len, struct yj_value *ret)
{
	static const char *const trues[] = {"y",    "Y",    "yes", "Yes",
					     "YES",  "true", "True", "TRUE",
					     "on",   "On",   "ON"};
	static const char *const falses[] = {"n",     "N",     "no",  "No",
					      "NO",    "false", "False",
					      "FALSE", "off",   "Off", "OFF"};
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	static const char *const nonfinite[] = {
		".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf", "+.INF",
		"-.inf", "-.Inf", "-.INF", ".nan",  ".NaN",  ".NAN"};
	char *plain;
	size_t j = 0;
	bool ok;

	memset(ret, 0, sizeof(*ret));
	ret->kind = YJ_STR;
	if (in_list(s, nulls, sizeof(nulls) / sizeof(nulls[0]))) {
		ret->kind = YJ_NULL;
		return 0;
	}
	if (in_list(s, trues, sizeof(trues) / sizeof(trues[0]))) {
		ret->kind = YJ_BOOL;
		ret->b = true;
		return 0;
	}
	if (in_list(s, falses, sizeof(falses) / sizeof(falses[0]))) {
		ret->kind = YJ_BOOL;
		return 0;
	}
	if (in_list(s, nonfinite, sizeof(nonfinite) / sizeof(nonfinite[0]))) {
		ret->kind = YJ_NONFINITE;
		return 0;
	}
	if (s[0] == '.') {
		/* go-yaml hands these to ParseFloat untouched */
		if (!parse_yaml_float(s, ret))
			ret->kind = YJ_STR;
		return 0;
	}
	if (!is_digit(s[0]) && s[0] != '+' && s[0] != '-')
		return 0;
	/* digits or a sign: int, then float, after dropping underscores */
	plain = malloc(len + 1);
	if (!plain)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '_')
			plain[j++] = s[i];
	plain[j] = '\0';
	ok = parse_go_int(plain, ret) || parse_yaml_float(plain, ret);
	free(plain);
	if (!ok)
		ret->kind = YJ_STR;
	return 0;
}

/* ---- tags ---- */

static enum yj_tag classify_tag(const yaml_char_t *tag)
{
	static const struct {
		const char *name;
		enum yj_tag tag;
	} known[] = {
		{"!", TAG_NONSPECIFIC},
		{YAML_STR_TAG, TAG_STR},
		{YAML_INT_TAG, TAG_INT},
		{YAML_FLOAT_TAG, TAG_FLOAT},
		{YAML_BOOL_TAG, TAG_BOOL},
		{YAML_NULL_TAG, TAG_NULL},
		{YAML_MAP_TAG, TAG_MAP},
		{YAML_SEQ_TAG, TAG_SEQ},
	};

	if (!tag)
		return TAG_NONE;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp((const char *)tag, known[i].name) == 0)
			return known[i].tag;
	return TAG_BAD;
}

/* ---- building ---- */

static int yj_count_node(struct yj_conv *c, const yaml_mark_t *m)
{
	if (++c->nodes > YJ_MAX_NODES) {
		yj_errf(c, m->line + 1, m->column + 1,
			"more than %d YAML nodes", YJ_MAX_NODES);
		return -1;
	}
	return 0;
}

/* The JSON value of a scalar used as a value. */
static cJSON *scalar_value(struct yj_conv *c, const yaml_event_t *ev,
			   enum yj_tag tag)
{
	const char *s = (const char *)ev->data.scalar.value;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	const yaml_mark_t *m = &ev->start_mark;
	struct yj_value v;

	if (tag == TAG_NULL)
		return cJSON_CreateNull();
	if (tag == TAG_STR || tag == TAG_NONSPECIFIC ||
	    (tag == TAG_NONE && !plain))
		return cJSON_CreateString(s);
	if (resolve_plain(s, ev->data.scalar.length, &v) < 0)
		return NULL;
	if (c->mode == YAMLJSON_STRINGS) {
		if (tag == TAG_NONE && v.kind == YJ_NULL)
			return cJSON_CreateNull();
		return cJSON_CreateString(s);
	}
	if (v.kind == YJ_NONFINITE) {
		yj_errf(c, m->line + 1, m->column + 1,
			"'%s' has no JSON representation (quote it)", s);
		return NULL;
	}
	if ((tag == TAG_INT && v.kind != YJ_INT) ||
	    (tag == TAG_FLOAT && v.kind != YJ_INT && v.kind != YJ_FLOAT) ||
	    (tag == TAG_BOOL && v.kind != YJ_BOOL)) {
		yj_errf(c, m->line + 1, m->column + 1,
			"'%.64s' does not match its tag '%s'", s,
			(const char *)ev->data.scalar.tag);
		return NULL;
	}
	switch (v.kind) {
	case YJ_NULL:
		return cJSON_CreateNull();
	case YJ_BOOL:
		return cJSON_CreateBool(v.b);
	case YJ_INT:
	case YJ_FLOAT:
		return cJSON_CreateNumber(v.num);
	default:
		return cJSON_CreateString(s);
	}
}

/*
 * The JSON key of a scalar used as a mapping key.  Typed mode converts
 * resolved keys as sigs.k8s.io/yaml does: bools to "true"/"false",
 * integers to decimal, null refused; floats keep their text.
 */
static char *scalar_key(struct yj_conv *c, const yaml_event_t *ev,
			enum yj_tag tag)
{
	const char *s = (const char *)ev->data.scalar.value;
	const yaml_mark_t *m = &ev->start_mark;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	struct yj_value v;

	if (tag == TAG_STR || tag == TAG_NONSPECIFIC || !plain)
		return strdup(s);
	if (resolve_plain(s, ev->data.scalar.length, &v) < 0)
		return NULL;
	if (strcmp(s, "<<") == 0) {
		yj_err_mark(c, m, "merge keys are not supported", s);
		return NULL;
	}
	if (v.kind == YJ_NULL || tag == TAG_NULL) {
		yj_err_mark(c, m, "a mapping key is null", NULL);
		return NULL;
	}
	if (c->mode == YAMLJSON_STRINGS)
		return strdup(s);
	if (v.kind == YJ_BOOL)
		return strdup(v.b ? "true" : "false");
	if (v.kind == YJ_INT) {
		char num[32];

		if (v.is_unsigned)
			(void)snprintf(num, sizeof(num), "%llu",
				       (unsigned long long)v.u);
		else
			(void)snprintf(num, sizeof(num), "%lld",
				       (long long)v.i);
		return strdup(num);
	}
	return strdup(s);
}

/*
 * Attach a value (scalar or freshly opened collection) to its parent.
 * On success the parent owns v; on failure the caller still does.
 */
static int yj_attach(struct yj_conv *c, cJSON *v)
{
	struct yj_frame *f;

	if (c->depth == 0) {
		c->root = v;
		return 0;
	}
	f = &c->stack[c->depth - 1];
	if (cJSON_IsArray(f->node))
		return cJSON_AddItemToArray(f->node, v) ? 0 : -1;
	/* an object with a pending key (the caller checked) */
	if (!cJSON_AddItemToObject(f->node, f->key, v))
		return -1;
	/* the duplicate check borrows cJSON's copy of the key */
	f->keys[f->n_keys - 1].key = v->string;
	free(f->key);
	f->key = NULL;
	return 0;
}

/* Remember where key k of the open mapping f was written. */
static int yj_note_key(struct yj_frame *f, const char *k, const yaml_mark_t *m)
{
	if (f->n_keys == f->cap_keys) {
		size_t cap = f->cap_keys ? f->cap_keys * 2 : 16;
		struct yj_key *p = realloc(f->keys, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		f->keys = p;
		f->cap_keys = cap;
	}
	f->keys[f->n_keys].key = k;
	f->keys[f->n_keys].line = m->line + 1;
	f->keys[f->n_keys].col = m->column + 1;
	f->keys[f->n_keys].seq = f->n_keys;
	f->n_keys++;
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct yj_key *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Report the first (in text order) repeated key of a closing mapping. */
static int yj_check_dups(struct yj_conv *c, struct yj_frame *f)
{
	const struct yj_key *dup = NULL;

	if (f->n_keys < 2)
		return 0;
	qsort(f->keys, f->n_keys, sizeof(*f->keys), cmp_key);
	for (size_t i = 1; i < f->n_keys; i++) {
		if (strcmp(f->keys[i - 1].key, f->keys[i].key) != 0)
			continue;
		if (!dup || f->keys[i].seq < dup->seq)
			dup = &f->keys[i];
	}
	if (!dup)
		return 0;
	yj_errf(c, dup->line, dup->col, "duplicate key '%.64s'", dup->key);
	return -1;
}

static void yj_frame_done(struct yj_frame *f)
{
	free(f->key);
	free(f->keys);
	memset(f, 0, sizeof(*f));
}

static void yj_reset(struct yj_conv *c)
{
	while (c->depth > 0)
		yj_frame_done(&c->stack[--c->depth]);
	cJSON_Delete(c->root);
	c->root = NULL;
}

/* True when the innermost open collection is a mapping waiting for a key. */
static bool key_due(const struct yj_conv *c)
{
	const struct yj_frame *f;

	if (c->depth == 0)
		return false;
	f = &c->stack[c->depth - 1];
	return cJSON_IsObject(f->node) && !f->key;
}

static int on_scalar(struct yj_conv *c, const yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	enum yj_tag tag = classify_tag(ev->data.scalar.tag);
	cJSON *v;

	if (yj_count_node(c, m) < 0)
		return -1;
	if (tag == TAG_BAD || tag == TAG_MAP || tag == TAG_SEQ) {
		yj_err_mark(c, m, "unsupported tag",
			    (const char *)ev->data.scalar.tag);
		return -1;
	}
	if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
		yj_err_mark(c, m, "a NUL character is not supported", NULL);
		return -1;
	}
	if (key_due(c)) {
		struct yj_frame *f = &c->stack[c->depth - 1];

		f->key = scalar_key(c, ev, tag);
		if (!f->key) {
			if (c->err && c->errlen && !c->err[0])
				yj_err_mark(c, m, "out of memory", NULL);
			return -1;
		}
		return yj_note_key(f, f->key, m) < 0 ? -1 : 0;
	}
	v = scalar_value(c, ev, tag);
	if (v && yj_attach(c, v) == 0)
		return 0;
	cJSON_Delete(v);
	if (c->err && c->errlen && !c->err[0])
		yj_err_mark(c, m, "out of memory", NULL);
	return -1;
}

static int on_start(struct yj_conv *c, const yaml_event_t *ev, bool is_map)
{
	const yaml_mark_t *m = &ev->start_mark;
	const yaml_char_t *t = is_map ? ev->data.mapping_start.tag
				      : ev->data.sequence_start.tag;
	const yaml_char_t *anchor = is_map ? ev->data.mapping_start.anchor
					   : ev->data.sequence_start.anchor;
	enum yj_tag tag = classify_tag(t);
	struct yj_frame *f;
	cJSON *v;

	if (anchor) {
		yj_err_mark(c, m, "anchors are not supported",
			    (const char *)anchor);
		return -1;
	}
	if (tag != TAG_NONE && tag != TAG_NONSPECIFIC &&
	    tag != (is_map ? TAG_MAP : TAG_SEQ)) {
		yj_err_mark(c, m, "unsupported tag", (const char *)t);
		return -1;
	}
	if (key_due(c)) {
		yj_err_mark(c, m, "a mapping key must be a scalar", NULL);
		return -1;
	}
	if (c->depth == YJ_MAX_DEPTH) {
		yj_errf(c, m->line + 1, m->column + 1,
			"nesting deeper than %d levels", YJ_MAX_DEPTH);
		return -1;
	}
	if (yj_count_node(c, m) < 0)
		return -1;
	v = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
	if (!v) {
		yj_err_mark(c, m, "out of memory", NULL);
		return -1;
	}
	if (yj_attach(c, v) < 0) {
		cJSON_Delete(v);
		yj_err_mark(c, m, "out of memory", NULL);
		return -1;
	}
	f = &c->stack[c->depth++];
	memset(f, 0, sizeof(*f));
	f->node = v;
	return 0;
}

static int on_end(struct yj_conv *c)
{
	struct yj_frame *f = &c->stack[c->depth - 1];
	int r = 0;

	if (cJSON_IsObject(f->node))
		r = yj_check_dups(c, f);
	yj_frame_done(f);
	c->depth--;
	return r;
}

static int on_document_end(struct yj_conv *c)
{
	cJSON *doc = c->root;

	c->root = NULL;
	/* an empty document ("---" alone, "~", "null") is skipped */
	if (!doc || cJSON_IsNull(doc)) {
		cJSON_Delete(doc);
		return 0;
	}
	if (cJSON_GetArraySize(c->docs) == 1)
		c->second_mark = c->doc_mark;
	if (!cJSON_AddItemToArray(c->docs, doc)) {
		cJSON_Delete(doc);
		set_plain_err(c->err, c->errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* One event; 0 to go on, 1 at the end of the stream, -1 on error. */
static int yj_event(struct yj_conv *c, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor) {
			yj_err_mark(c, &ev->start_mark,
				    "anchors are not supported",
				    (const char *)ev->data.scalar.anchor);
			return -1;
		}
		return on_scalar(c, ev);
	case YAML_ALIAS_EVENT:
		yj_err_mark(c, &ev->start_mark, "aliases are not supported",
			    (const char *)ev->data.alias.anchor);
		return -1;
	case YAML_SEQUENCE_START_EVENT:
		return on_start(c, ev, false);
	case YAML_MAPPING_START_EVENT:
		return on_start(c, ev, true);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(c);
	case YAML_DOCUMENT_START_EVENT:
		yj_reset(c);
		c->doc_mark = ev->start_mark;
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		return on_document_end(c);
	case YAML_STREAM_END_EVENT:
		return 1;
	default:
		return 0;
	}
}

/* Line and column (1-based, in characters) of a byte offset. */
static void offset_to_mark(const char *buf, size_t len, size_t off,
			   size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void yj_parser_error(struct yj_conv *c, const yaml_parser_t *p)
{
	size_t line, col;
	const char *problem = p->problem ? p->problem : "malformed YAML";

	if (p->error == YAML_MEMORY_ERROR) {
		set_plain_err(c->err, c->errlen, "out of memory");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		offset_to_mark(c->buf, c->len, p->problem_offset, &line, &col);
		yj_errf(c, line, col, "%s", problem);
		return;
	}
	if (p->context)
		yj_errf(c, p->problem_mark.line + 1,
			p->problem_mark.column + 1,
			"%s (%s at line %zu, column %zu)", problem, p->context,
			p->context_mark.line + 1, p->context_mark.column + 1);
	else
		yj_errf(c, p->problem_mark.line + 1,
			p->problem_mark.column + 1, "%s", problem);
}

/* yamljson_parse_all, also telling where a second document starts. */
static int parse_stream(const char *buf, size_t len, enum yamljson_mode mode,
			cJSON **ret, yaml_mark_t *ret_second, char *err,
			size_t errlen)
{
	struct yj_conv c;
	yaml_parser_t parser;
	int r = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!buf && len) {
		set_plain_err(err, errlen, "no input");
		return -1;
	}
	if (len > YJ_MAX_INPUT) {
		set_plain_err(err, errlen, "input is larger than 16 MiB");
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.mode = mode;
	c.buf = buf;
	c.len = len;
	c.err = err;
	c.errlen = errlen;
	c.docs = cJSON_CreateArray();
	if (!c.docs || !yaml_parser_initialize(&parser)) {
		cJSON_Delete(c.docs);
		set_plain_err(err, errlen, "out of memory");
		return -1;
	}
	if (!buf)
		buf = "";
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_t ev;
		int e;

		if (!yaml_parser_parse(&parser, &ev)) {
			yj_parser_error(&c, &parser);
			break;
		}
		e = yj_event(&c, &ev);
		yaml_event_delete(&ev);
		if (e < 0)
			break;
		if (e > 0) {
			r = 0;
			break;
		}
	}
	yaml_parser_delete(&parser);
	yj_reset(&c);
	if (r < 0) {
		cJSON_Delete(c.docs);
		return -1;
	}
	*ret = c.docs;
	if (ret_second)
		*ret_second = c.second_mark;
	return 0;
}

int yamljson_parse_all(const char *buf, size_t len, enum yamljson_mode mode,
		       cJSON **ret, char *err, size_t errlen)
{
	return parse_stream(buf, len, mode, ret, NULL, err, errlen);
}

int yamljson_parse_one(const char *buf, size_t len, enum yamljson_mode mode,
		       cJSON **ret, char *err, size_t errlen)
{
	yaml_mark_t second;
	cJSON *all, *doc;
	int n;

	if (parse_stream(buf, len, mode, &all, &second, err, errlen) < 0)
		return -1;
	n = cJSON_GetArraySize(all);
	if (n > 1) {
		if (err && errlen)
			(void)snprintf(err, errlen,
				       "line %zu, column %zu: expected one "
				       "YAML document, found %d",
				       second.line + 1, second.column + 1, n);
		cJSON_Delete(all);
		return -1;
	}
	if (n == 1)
		doc = cJSON_DetachItemFromArray(all, 0);
	else
		doc = cJSON_CreateObject();
	cJSON_Delete(all);
	if (!doc) {
		set_plain_err(err, errlen, "out of memory");
		return -1;
	}
	*ret = doc;
	return 0;
}

static void too_big(const char *path, char *err, size_t errlen)
{
	if (err && errlen)
		(void)snprintf(err, errlen, "%s: file is larger than 16 MiB",
			       path);
}

/* Read at most YJ_MAX_INPUT bytes of path; follows symlinks on purpose
 * (Kubernetes mounts ConfigMap files as symlinks). */
static int read_whole(const char *path, char **ret, size_t *ret_len,
		      char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	size_t len = 0, cap = 0;
	char *data = NULL;
	int r = -1;

	if (!fp) {
		if (err && errlen)
			(void)snprintf(err, errlen, "%s: %m", path);
		return -1;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *p;

			if (cap > YJ_MAX_INPUT) {
				too_big(path, err, errlen);
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			p = realloc(data, cap + 1);
			if (!p) {
				set_plain_err(err, errlen, "out of memory");
				goto out;
			}
			data = p;
		}
		n = fread(data + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		if (err && errlen)
			(void)snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	if (len > YJ_MAX_INPUT) {
		too_big(path, err, errlen);
		goto out;
	}
	data[len] = '\0';
	*ret = data;
	*ret_len = len;
	data = NULL;
	r = 0;
out:
	free(data);
	(void)fclose(fp); /* read-only: nothing to lose */
	return r;
}

int yamljson_load_file(const char *path, enum yamljson_mode mode,
		       cJSON **ret, char *err, size_t errlen)
{
	char *data;
	size_t len;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (read_whole(path, &data, &len, err, errlen) < 0)
		return -1;
	r = yamljson_parse_one(data, len, mode, ret, err, errlen);
	free(data);
	if (r < 0 && err && errlen > 1) {
		/* prefix the file name: "path: line 3, column 5: ..." */
		char *msg = strdup(err);

		if (msg) {
			(void)snprintf(err, errlen, "%s: %s", path, msg);
			free(msg);
		}
	}
	return r;
}
