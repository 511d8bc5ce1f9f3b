/* sidecar-slurm/flavors.c - see flavors.h */
#include "flavors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Read one flavor's entry into f.  0, or -1 with err naming the key. */
static int load(const char *name, const cJSON *e, struct flavor *f,
		char *err, size_t errlen)
{
	const char *cpu = str_of(e, "CPUDefault");
	const char *mem = str_of(e, "MemoryDefault");
	const cJSON *flags = cJSON_GetObjectItemCaseSensitive(e, "SlurmFlags");
	const cJSON *w;
	struct buf all;
	char ferr[256];
	uint64_t v;

	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	if (!cJSON_IsObject(e)) {
		snprintf(err, errlen, "Flavors.%s: expected a mapping", name);
		return -1;
	}
	if (cpu) {
		if (text_parse_u64(cpu, 4096, &v) < 0 || v == 0) {
			snprintf(err, errlen, "Flavors.%s.CPUDefault: '%s' is "
				 "not a CPU count", name, cpu);
			return -1;
		}
		f->cpu_default = (uint32_t)v;
	}
	if (mem) {
		/* upstream accepts "16G", "32000M" or plain bytes */
		if (text_parse_u64(mem, UINT64_MAX, &v) == 0)
			f->mem_default_mb = (v + 1048575) / 1048576;
		else if (sbatch_parse_mem(mem, &f->mem_default_mb) < 0) {
			snprintf(err, errlen, "Flavors.%s.MemoryDefault: '%s' "
				 "is not a memory size", name, mem);
			return -1;
		}
	}
	buf_init(&all, SBATCH_FLAGS_MAX);
	cJSON_ArrayForEach(w, flags)
	{
		if (!cJSON_IsString(w) || w->valuestring[0] != '-' ||
		    buf_puts(&all, w->valuestring) < 0 ||
		    buf_puts(&all, " ") < 0) {
			snprintf(err, errlen, "Flavors.%s.SlurmFlags: each "
				 "entry must be one sbatch option", name);
			buf_done(&all);
			return -1;
		}
	}
	if (sbatch_flags_parse(buf_str(&all), &f->flags, ferr,
			       sizeof(ferr)) < 0) {
		snprintf(err, errlen, "Flavors.%s.SlurmFlags: %s", name, ferr);
		buf_done(&all);
		return -1;
	}
	buf_done(&all);
	return 0;
}

void flavor_done(struct flavor *f)
{
	sbatch_flags_done(&f->flags);
	memset(f, 0, sizeof(*f));
}

int flavors_check(const cJSON *raw, char *err, size_t errlen)
{
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(raw, "Flavors");
	const char *def = str_of(raw, "DefaultFlavor");
	const cJSON *e;

	if (map && !cJSON_IsNull(map) && !cJSON_IsObject(map)) {
		snprintf(err, errlen, "Flavors: expected a mapping");
		return -1;
	}
	if (!cJSON_IsObject(map))
		map = NULL;
	cJSON_ArrayForEach(e, map)
	{
		struct flavor f;

		if (load(e->string, e, &f, err, errlen) < 0)
			return -1;
		flavor_done(&f);
	}
	if (def && *def && !cJSON_GetObjectItemCaseSensitive(map, def)) {
		snprintf(err, errlen, "DefaultFlavor: no flavor named '%s'",
			 def);
		return -1;
	}
	return 0;
}

/* Flavors sorted by name: the fixed order every choice walks in. */
static int by_name(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string,
		      (*(const cJSON *const *)b)->string);
}

static const cJSON *pick(const cJSON *map, const struct wire_pod *pod,
			 uint64_t gpus, char *err, size_t errlen)
{
	const char *want = wire_pod_annotation(pod, FLAVOR_ANNOTATION);
	const cJSON *e, **v, *exact = NULL, *any_gpu = NULL;
	size_t n = 0;

	if (want && (e = cJSON_GetObjectItemCaseSensitive(map, want)))
		return e;
	if (gpus == 0)
		return NULL;
	v = calloc((size_t)cJSON_GetArraySize(map) + 1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cJSON_ArrayForEach(e, map)
		v[n++] = e;
	qsort(v, n, sizeof(*v), by_name);
	for (size_t i = 0; i < n && !exact; i++) {
		struct flavor f;
		char ferr[256], g[32];

		if (load(v[i]->string, v[i], &f, ferr, sizeof(ferr)) < 0)
			continue;
		snprintf(g, sizeof(g), "gpu:%llu", (unsigned long long)gpus);
		if (f.flags.gres && strcmp(f.flags.gres, g) == 0)
			exact = v[i];
		else if (!any_gpu && ((f.flags.gres &&
				       strstr(f.flags.gres, "gpu")) ||
				      f.flags.gpus))
			any_gpu = v[i];
		flavor_done(&f);
	}
	free(v);
	return exact ? exact : any_gpu;
}

int flavors_select(const cJSON *raw, const struct wire_pod *pod,
		   uint64_t gpus, struct flavor *ret, char *err,
		   size_t errlen)
{
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(raw, "Flavors");
	const char *def = str_of(raw, "DefaultFlavor");
	const cJSON *e;

	memset(ret, 0, sizeof(*ret));
	if (!cJSON_IsObject(map))
		return 0;
	err[0] = '\0';
	e = pick(map, pod, gpus, err, errlen);
	if (!e && err[0])
		return -1;
	if (!e && def && *def)
		e = cJSON_GetObjectItemCaseSensitive(map, def);
	if (!e)
		return 0;
	return load(e->string, e, ret, err, errlen);
}
