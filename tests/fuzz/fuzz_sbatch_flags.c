/*
 * fuzz_sbatch_flags: the slurm-job.vk.io/flags annotation parser
 * (sbatch_flags_parse, with its shell-word splitter) and the time and
 * memory value parsers, on the raw input as the annotation's text.
 *
 * Invariants: a failure says why and leaves the struct zeroed; on success
 * every string is printable, non-empty and at most 256 bytes, counts are
 * within 1..1000000 when set, and --mem and --mem-per-cpu are not both set.
 */
#include "fuzz.h"
#include "sbatch_flags.h"
#include "text.h"

static void check_str(const char *s)
{
	if (!s)
		return;
	FUZZ_CHECK(*s && strlen(s) <= 256 && text_is_printable(s), "'%s'", s);
}

static void check_u32(uint32_t v)
{
	FUZZ_CHECK(v <= 1000000, "%u", v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbatch_flags f;
	char err[256], *s = fuzz_cstr(data, size);
	uint32_t min;
	uint64_t mb;

	memset(&f, 0x5a, sizeof(f));
	if (sbatch_flags_parse(s, &f, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(fuzz_is_zero(&f, sizeof(f)), "not zeroed");
	} else {
		check_str(f.partition);
		check_str(f.account);
		check_str(f.qos);
		check_str(f.gres);
		check_str(f.constraint);
		check_str(f.reservation);
		check_str(f.job_name);
		check_u32(f.nodes);
		check_u32(f.ntasks);
		check_u32(f.cpus_per_task);
		check_u32(f.gpus);
		FUZZ_CHECK(!(f.mem_mb && f.mem_per_cpu_mb), "both mem");
		FUZZ_CHECK(f.time_limit_min <= UINT32_MAX / 2, "time");
	}
	sbatch_flags_done(&f);
	sbatch_flags_done(&f);

	if (sbatch_parse_time(s, &min) == 0)
		FUZZ_CHECK(min > 0 && min <= UINT32_MAX / 2, "%u", min);
	if (sbatch_parse_mem(s, &mb) == 0)
		FUZZ_CHECK(mb > 0, "0 MiB");
	free(s);
	return 0;
}
