/*
 * fuzz_safefs: the path resolution of common/safefs.c (sfs_rel_ok,
 * sfs_openat_how with the openat2 and the component-walk resolvers) on the
 * raw input as a path below a sandbox folder full of traps: symlinks to
 * "/", to "..", to a sibling folder outside, a symlink loop, a FIFO.
 * An input starting with "dir:" is opened with O_DIRECTORY.
 *
 * Invariants: whatever opens is exactly the lexical path (the sandbox plus
 * the path's components, "" and "." dropped): no symlink was followed, no
 * ".." taken, nothing outside reached; it is a regular file, or a folder
 * with O_DIRECTORY; only paths sfs_rel_ok accepts (or "") open; both
 * resolvers agree on what opens; nothing blocks (the FIFO).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "safefs.h"

static char sandbox[PATH_MAX];
static char base_name[64];
static int rootfd = -1;

/* The sandbox goes with the process (sfs_rm_tree: nothing followed). */
static void remove_sandbox(void)
{
	int tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (tmp >= 0) {
		(void)sfs_rm_tree(tmp, base_name);
		close(tmp);
	}
}

static void mk(const char *rel, int kind, const char *target)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", sandbox, rel);
	if (kind == 'd')
		(void)mkdir(p, 0755);
	else if (kind == 'f')
		close(open(p, O_WRONLY | O_CREAT, 0644));
	else if (kind == 'l')
		(void)symlink(target, p);
	else if (kind == 'p')
		(void)mkfifo(p, 0600);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char base[] = "/tmp/fuzz_safefs.XXXXXX";

	(void)argc;
	(void)argv;
	if (!mkdtemp(base))
		abort();
	snprintf(base_name, sizeof(base_name), "%s", base + strlen("/tmp/"));
	atexit(remove_sandbox);
	/* <base>/outside/secret is what must never be reached */
	snprintf(sandbox, sizeof(sandbox), "%s/outside", base);
	(void)mkdir(sandbox, 0755);
	snprintf(sandbox, sizeof(sandbox), "%s/outside/secret", base);
	close(open(sandbox, O_WRONLY | O_CREAT, 0644));
	snprintf(sandbox, sizeof(sandbox), "%s/root", base);
	(void)mkdir(sandbox, 0755);
	mk("a", 'd', NULL);
	mk("a/b", 'd', NULL);
	mk("a/b/c", 'd', NULL);
	mk("a/b/c/file", 'f', NULL);
	mk("f", 'f', NULL);
	mk("a/link_out", 'l', "/");
	mk("a/up", 'l', "..");
	mk("a/b/deep", 'l', "../../..");
	mk("a/sib", 'l', "../../outside");
	mk("a/tofile", 'l', "b/c/file");
	mk("loop", 'l', "loop");
	mk("fifo", 'p', NULL);
	rootfd = open(sandbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		abort();
	return 0;
}

/* sandbox + the components of path, "" and "." dropped */
static void lexical(const char *path, char *out, size_t outlen)
{
	size_t n = (size_t)snprintf(out, outlen, "%s", sandbox);
	const char *p = path;

	while (*p) {
		const char *sl = strchr(p, '/');
		size_t len = sl ? (size_t)(sl - p) : strlen(p);

		if (len && !(len == 1 && p[0] == '.') && n + len + 2 < outlen) {
			out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
			out[n] = '\0';
		}
		p += len + (sl ? 1 : 0);
	}
}

static void check_fd(int fd, const char *path, bool dir)
{
	char link[64], got[PATH_MAX], want[PATH_MAX];
	struct stat st;
	ssize_t n;

	FUZZ_CHECK(!*path || sfs_rel_ok(path), "'%s' opened", path);
	FUZZ_CHECK(fstat(fd, &st) == 0, "fstat");
	FUZZ_CHECK(dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode),
		   "'%s': mode %o", path, (unsigned)st.st_mode);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, got, sizeof(got) - 1);
	FUZZ_CHECK(n > 0, "readlink");
	got[n] = '\0';
	lexical(path, want, sizeof(want));
	FUZZ_CHECK(strcmp(got, want) == 0, "'%s' opened '%s', not '%s'", path,
		   got, want);
	FUZZ_CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0, "still O_NONBLOCK");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size > 8192 ? 8192 : size);
	const char *path = s;
	bool dir = strncmp(s, "dir:", 4) == 0;
	int flags = O_RDONLY | (dir ? O_DIRECTORY : 0);
	int fw, f2;

	if (dir)
		path += 4;
	(void)sfs_rel_ok(path);
	fw = sfs_openat_how(rootfd, path, flags, 0, SFS_WALK);
	f2 = sfs_openat_how(rootfd, path, flags, 0, SFS_OPENAT2);
	if (fw >= 0) {
		check_fd(fw, path, dir);
		close(fw);
	}
	if (f2 >= 0) {
		check_fd(f2, path, dir);
		close(f2);
	}
	if (f2 != -ENOSYS)
		FUZZ_CHECK((fw >= 0) == (f2 >= 0),
			   "'%s': the walk says %d, openat2 %d", path, fw, f2);
	free(s);
	return 0;
}
