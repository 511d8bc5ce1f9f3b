/*
 * man/confdoc.c - print a daemon's configuration keys as mdoc, straight
 * from the table the daemon loads its file with (gconf_table, sconf_table),
 * so the manual pages cannot disagree with the code.
 *
 *   confdoc [mdoc|keys]
 *
 * Built twice (build/bin/tests/confdoc-gateway with -DCONFDOC_GATEWAY,
 * confdoc-sidecar without), each linked with its daemon's modules.
 * mdoc: a ".Bl -tag" list for the KEYS section of InterLinkConfig.yaml(5)
 * or SlurmConfig.yaml(5); keys: one dotted key name per line (the tests
 * compare it with the README).
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#ifdef CONFDOC_GATEWAY
#include "gconf.h"
#define TABLE gconf_table
#else
#include "sconf.h"
#define TABLE sconf_table
#endif

/* Text as it may appear on an mdoc text line: no escapes, no leading dot. */
static void text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '\n')
			putchar(' ');
		else
			putchar(*s);
	}
}

static const char *type_name(enum conf_type t)
{
	switch (t) {
	case CONF_STRING: return "string";
	case CONF_BOOL: return "boolean";
	case CONF_INT: return "integer";
	case CONF_STRLIST: return "list of strings";
	case CONF_SECTION: return "mapping";
	case CONF_RAW: return "YAML";
	default: return "?";
	}
}

static int upstream_only(const struct conf_key *k)
{
	return k->doc && strstr(k->doc, "no effect") != NULL &&
	       k->type == CONF_RAW;
}

static void mdoc(const struct conf_key *t)
{
	const struct conf_key *k;
	int any_upstream = 0;

	puts(".Bl -tag -width Ds");
	for (k = t; k->name; k++) {
		if (upstream_only(k)) {
			any_upstream = 1;
			continue;
		}
		printf(".It Ic %s Pq %s\n", k->name, type_name(k->type));
		if (k->doc && *k->doc) {
			text(k->doc);
			puts(k->doc[strlen(k->doc) - 1] == '.' ? "" : ".");
		}
		if (k->type == CONF_INT)
			printf("Range %lld to %lld.\n", (long long)k->min,
			       (long long)k->max);
		if (k->def && *k->def)
			printf("Default:\n.Ql %s .\n", k->def);
		else if (k->def)
			puts("Default: empty.");
		if (k->type == CONF_SECTION && k->section)
			mdoc(k->section);
	}
	if (any_upstream) {
		puts(".It Other upstream keys");
		for (k = t; k->name; k++)
			if (upstream_only(k))
				printf(".Ic %s ,\n", k->name);
		puts("accepted for compatibility with upstream's Go programs; "
		     "they have no effect.");
	}
	puts(".El");
}

static void keys(const struct conf_key *t, const char *prefix)
{
	char name[256];

	for (const struct conf_key *k = t; k->name; k++) {
		snprintf(name, sizeof(name), "%s%s", prefix, k->name);
		puts(name);
		if (k->type == CONF_SECTION && k->section) {
			size_t n = strlen(name);

			if (n + 1 < sizeof(name)) {
				name[n] = '.';
				name[n + 1] = '\0';
				keys(k->section, name);
			}
		}
	}
}

int main(int argc, char **argv)
{
	if (argc > 2)
		goto usage;
	if (argc == 1 || strcmp(argv[1], "mdoc") == 0)
		mdoc(TABLE);
	else if (strcmp(argv[1], "keys") == 0)
		keys(TABLE, "");
	else
		goto usage;
	return ferror(stdout) ? 1 : 0;
usage:
	fprintf(stderr, "usage: confdoc [mdoc|keys]\n");
	return 2;
}
