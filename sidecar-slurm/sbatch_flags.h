/*
 * sidecar-slurm/sbatch_flags.h - the `slurm-job.vk.io/flags` annotation:
 * sbatch options, with shell-word quoting, parsed into job fields (never
 * handed to a shell).  An unknown or malformed option is an error naming it.
 *
 * Accepted, long and short forms, "--opt=value", "--opt value", "-o value"
 * and "-ovalue": --time/-t, --partition/-p, --account/-A, --qos/-q,
 * --nodes/-N, --ntasks/-n, --cpus-per-task/-c, --mem, --mem-per-cpu,
 * --gres, --gpus/-G, --constraint/-C, --reservation, --exclusive,
 * --job-name/-J.  A later occurrence of an option replaces an earlier one.
 */
#ifndef SIDECAR_SBATCH_FLAGS_H
#define SIDECAR_SBATCH_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SBATCH_FLAGS_ANNOTATION "slurm-job.vk.io/flags"
#define SBATCH_FLAGS_MAX 4096 /* bytes of annotation accepted */

struct sbatch_flags {
	uint32_t time_limit_min; /* 0: unset */
	char *partition;
	char *account;
	char *qos;
	uint32_t nodes;          /* 0: unset */
	uint32_t ntasks;
	uint32_t cpus_per_task;
	uint64_t mem_mb;         /* --mem */
	uint64_t mem_per_cpu_mb; /* --mem-per-cpu */
	char *gres;
	uint32_t gpus;
	char *constraint;
	char *reservation;
	bool exclusive;
	char *job_name;
};

/*
 * Parse text (NULL or empty: nothing set) into *ret (zeroed first; release
 * with sbatch_flags_done).  Returns 0, or -1 with a message naming the
 * offending option in err.
 */
int sbatch_flags_parse(const char *text, struct sbatch_flags *ret, char *err,
		       size_t errlen);
void sbatch_flags_done(struct sbatch_flags *f);

/*
 * Fill every field that over sets into base (ownership of strings moves;
 * over is left empty).  Used to lay a pod's flags over its flavor's.
 */
void sbatch_flags_overlay(struct sbatch_flags *base,
			  struct sbatch_flags *over);

/* Slurm time ("90", "1:30:00", "2-12", "2-12:00:00") in minutes, rounded
 * up; 0 or -1. */
int sbatch_parse_time(const char *s, uint32_t *ret_min);
/* Memory ("512", "512M", "4G", "1T", "100K") in MiB, rounded up; 0 or -1. */
int sbatch_parse_mem(const char *s, uint64_t *ret_mb);

#endif /* SIDECAR_SBATCH_FLAGS_H */
