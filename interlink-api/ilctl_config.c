/*
 * interlink-api/ilctl_config.c - contexts, as kubectl's: a YAML file
 * ($ILCTL_CONFIG, else $XDG_CONFIG_HOME/ilctl/config, else
 * ~/.config/ilctl/config) naming gateways and their TLS files:
 *
 *   current-context: prod
 *   contexts:
 *     prod: {url: "https://gw:3000", cacert: ca.crt, cert: vk.crt,
 *            key: vk.key, token-file: token, namespace: team-a}
 *
 * The current context (or --context NAME) fills in what neither the
 * command line nor ILCTL_URL gives.  `ilctl config use-context NAME`
 * rewrites current-context (the file becomes JSON, which is YAML);
 * `get-contexts` and `current-context` print.
 */
#include "ilctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "text.h"
#include "yamljson.h"

/* The file, in buf; NULL when no HOME either. */
static const char *config_path(char *buf, size_t len)
{
	const char *env = getenv("ILCTL_CONFIG"); /* NOLINT: single-threaded */
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (env && *env)
		return env;
	if (xdg && *xdg && snprintf(buf, len, "%s/ilctl/config", xdg) <
				   (int)len)
		return buf;
	if (home && *home &&
	    snprintf(buf, len, "%s/.config/ilctl/config", home) < (int)len)
		return buf;
	return NULL;
}

/* The parsed file (caller frees), NULL when there is none; -1 on error. */
static int load(const char *path, cJSON **ret)
{
	char err[512];
	int r;

	*ret = NULL;
	if (!path)
		return 0;
	r = yamljson_load_file(path, YAMLJSON_STRINGS, ret, err, sizeof(err));
	if (r < 0) {
		FILE *f = fopen(path, "re");

		if (!f && errno == ENOENT)
			return 0;
		if (f)
			fclose(f);
		return ilctl_fail(ILCTL_EFAIL, "config", "%s: %s", path, err),
		       -1;
	}
	if (!cJSON_IsObject(*ret)) {
		cJSON_Delete(*ret);
		*ret = NULL;
		return ilctl_fail(ILCTL_EFAIL, "config", "%s: not a mapping",
				  path),
		       -1;
	}
	return 0;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

/* Keep the strings alive for the whole run: o points into them. */
static cJSON *kept;

int ilctl_config_apply(struct ilctl_opts *o, const char *context,
		       bool url_from_env)
{
	char buf[4096];
	const char *path = config_path(buf, sizeof(buf)), *name, *v;
	const cJSON *ctxs, *c;
	cJSON *cfg;

	if (load(path, &cfg) < 0)
		return ILCTL_EFAIL;
	if (!cfg) {
		if (context)
			return ilctl_fail(ILCTL_EFAIL, NULL, "--context %s: no "
					  "configuration file (%s)", context,
					  path ? path : "no HOME");
		return ILCTL_OK;
	}
	name = context ? context : str(cfg, "current-context");
	if (!name) {
		cJSON_Delete(cfg);
		return ILCTL_OK;
	}
	ctxs = cJSON_GetObjectItemCaseSensitive(cfg, "contexts");
	c = cJSON_GetObjectItemCaseSensitive(ctxs, name);
	if (!cJSON_IsObject(c)) {
		cJSON_Delete(cfg);
		return ilctl_fail(ILCTL_EFAIL, NULL, "context '%s' is not in %s",
				  name, path);
	}
	if (!url_from_env && (v = str(c, "url")))
		o->url = v;
	if ((v = str(c, "cacert")))
		o->cacert = v;
	if ((v = str(c, "cert")))
		o->cert = v;
	if ((v = str(c, "key")))
		o->key = v;
	if ((v = str(c, "token-file")))
		o->token_file = v;
	if ((v = str(c, "namespace"))) {
		if (!text_is_dns_label(v)) {
			cJSON_Delete(cfg);
			return ilctl_fail(ILCTL_EFAIL, NULL, "context '%s': "
					  "namespace '%s' is not a DNS label",
					  name, v);
		}
		o->ns = v;
	}
	cJSON_Delete(kept);
	kept = cfg;
	return ILCTL_OK;
}

static int use_context(const char *path, cJSON *cfg, const char *name)
{
	const cJSON *ctxs = cJSON_GetObjectItemCaseSensitive(cfg, "contexts");
	char *text;
	int r;

	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(ctxs, name)))
		return ilctl_fail(ILCTL_EFAIL, "config", "no context '%s' in %s",
				  name, path);
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, "current-context");
	if (!cJSON_AddStringToObject(cfg, "current-context", name))
		return ilctl_fail(ILCTL_EFAIL, "config", "out of memory");
	text = cJSON_Print(cfg);
	if (!text)
		return ilctl_fail(ILCTL_EFAIL, "config", "out of memory");
	r = fs_write_atomic(path, text, strlen(text), 0600);
	free(text);
	if (r < 0)
		return ilctl_fail(ILCTL_EFAIL, "config", "%s: %s", path,
				  strerror(-r));
	(void)printf("Switched to context \"%s\".\n", name);
	return ILCTL_OK;
}

int ilctl_cmd_config(struct ilctl_opts *o, int argc, char **argv)
{
	const char *pos[2], *path, *cur;
	char buf[4096];
	cJSON *cfg = NULL;
	const cJSON *c;
	int r;

	r = ilctl_parse_args(o, argc, argv, NULL, NULL, NULL, pos, 1, 2);
	if (r)
		return r;
	path = config_path(buf, sizeof(buf));
	if (load(path, &cfg) < 0)
		return ILCTL_EFAIL;
	if (!cfg) {
		cJSON_Delete(cfg);
		return ilctl_fail(ILCTL_EFAIL, "config", "no configuration file "
				  "(%s)", path ? path : "no HOME");
	}
	cur = str(cfg, "current-context");
	if (strcmp(pos[0], "use-context") == 0 && pos[1]) {
		r = use_context(path, cfg, pos[1]);
	} else if (strcmp(pos[0], "current-context") == 0 && !pos[1]) {
		if (cur)
			(void)printf("%s\n", cur);
		else
			r = ilctl_fail(ILCTL_EFAIL, "config",
				       "current-context is not set");
	} else if (strcmp(pos[0], "get-contexts") == 0 && !pos[1]) {
		(void)printf("%-8s %-20s %s\n", "CURRENT", "NAME", "URL");
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
					      cfg, "contexts")) {
			const char *u = str(c, "url");

			(void)printf("%-8s %-20s %s\n",
				     cur && strcmp(cur, c->string) == 0 ? "*"
									: "",
				     c->string, u ? u : "");
		}
	} else {
		r = ilctl_usage_error("config", "expected use-context NAME, "
						"current-context or "
						"get-contexts");
	}
	cJSON_Delete(cfg);
	return r;
}
