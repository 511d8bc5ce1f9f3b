/*
 * tests/bench_submit.c - `make bench`'s reference for the create path:
 * how fast can anything submit a Slurm batch job on this machine.
 *
 *   bench_submit [--sbatch] -n N -c C -p PARTITION [--label L]
 *
 * Submits N held jobs (priority 0 / `sbatch --hold`: nothing runs), C at
 * a time from C threads, either with libslurm's slurm_submit_batch_job
 * (what sidecar-slurm does) or by forking `sbatch` (what upstream's Slurm
 * plugin does), and prints one line in bench_client's format:
 *   LABEL n=N c=C err=E secs=S rps=R p50=MS p99=MS max=MS
 * The caller cancels the jobs (scancel --name=il-bench-ref).
 * Not a test: numbers only.  Runs as any user Slurm accepts.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

extern char **environ;

static const char *partition = "debug";
static int use_sbatch;
static int n_total = 100, n_conc = 1;
static int next_job, n_err;
static double *lat;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int submit_api(void)
{
	job_desc_msg_t d;
	submit_response_msg_t *resp = NULL;
	char *env[] = {"PATH=/usr/bin:/bin", NULL};
	char script[] = "#!/bin/sh\ntrue\n";
	char name[] = "il-bench-ref", wd[] = "/tmp", out[] = "/dev/null";

	slurm_init_job_desc_msg(&d);
	d.name = name;
	d.script = script;
	d.work_dir = wd;
	d.std_out = out;
	d.std_err = out;
	d.environment = env;
	d.env_size = 1;
	d.user_id = getuid();
	d.group_id = getgid();
	d.min_nodes = d.max_nodes = 1;
	d.num_tasks = 1;
	d.priority = 0; /* held */
	d.partition = (char *)partition;
	if (slurm_submit_batch_job(&d, &resp) != SLURM_SUCCESS) {
		fprintf(stderr, "bench_submit: %s\n",
			slurm_strerror(slurm_get_errno()));
		return -1;
	}
	slurm_free_submit_response_response_msg(resp);
	return 0;
}

static int submit_fork(void)
{
	char part[128];
	char *argv[] = {"sbatch", "--parsable", "--quiet", "--hold",
			"--job-name=il-bench-ref", "--output=/dev/null",
			"--chdir=/tmp", part, "--wrap=true", NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, rc;

	snprintf(part, sizeof(part), "--partition=%s", partition);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "sbatch", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		int i, rc;
		double t0;

		pthread_mutex_lock(&lock);
		i = next_job < n_total ? next_job++ : -1;
		pthread_mutex_unlock(&lock);
		if (i < 0)
			return NULL;
		t0 = now_ms();
		rc = use_sbatch ? submit_fork() : submit_api();
		lat[i] = now_ms() - t0;
		if (rc < 0) {
			pthread_mutex_lock(&lock);
			n_err++;
			pthread_mutex_unlock(&lock);
		}
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(int p)
{
	int k = (int)ceil(p * n_total / 100.0);

	if (k < 1)
		k = 1;
	return lat[k - 1];
}

int main(int argc, char **argv)
{
	const char *label = "submit";
	pthread_t th[256];
	double t0, secs;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sbatch"))
			use_sbatch = 1;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n_total = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			n_conc = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			partition = argv[++i];
		else if (!strcmp(argv[i], "--label") && i + 1 < argc)
			label = argv[++i];
		else {
			fprintf(stderr, "usage: bench_submit [--sbatch] -n N "
				"-c C -p PARTITION [--label L]\n");
			return 2;
		}
	}
	if (n_total < 1 || n_conc < 1 || n_conc > 256)
		return 2;
	lat = calloc((size_t)n_total, sizeof(*lat));
	if (!lat)
		return 1;
	slurm_init(NULL);
	t0 = now_ms();
	for (i = 0; i < n_conc; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (i = 0; i < n_conc; i++)
		pthread_join(th[i], NULL);
	secs = (now_ms() - t0) / 1e3;
	qsort(lat, (size_t)n_total, sizeof(*lat), cmp);
	printf("%s n=%d c=%d err=%d secs=%.2f rps=%.1f p50=%.3f p99=%.3f "
	       "max=%.3f\n", label, n_total, n_conc, n_err, secs,
	       n_total / secs, pct(50), pct(99), lat[n_total - 1]);
	slurm_fini();
	free(lat);
	return 0;
}
