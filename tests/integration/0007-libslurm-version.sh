#!/bin/bash
# The sidecar logs the Slurm release it was built against and the libslurm
# it runs with, and refuses to start when they are of different major
# releases (a libslurm of another release, simulated by an LD_PRELOAD shim
# that makes slurm_api_version() report the next API number).
. "$(dirname "$0")/../lib.sh"
trap il_cleanup EXIT

il_start_sidecar sc || exit 1
line=$(grep -o 'libslurm: built against.*' "$SC_DIR/sidecar.log" | head -n 1)
check_match "the sidecar logs both libslurm versions" \
	'^libslurm: built against Slurm [0-9]+\.[0-9]{2}\.[0-9]+, running libslurm API [0-9]+\.[0-9]+\.[0-9]+ \(Slurm [0-9]+\.[0-9]{2}\)$' "$line"
# the installed Slurm's release, as slurmd reports it: "slurm 24.11.5"
rel=$(slurmd -V | sed -n 's/^slurm[^0-9]*\([0-9]*\)\.\([0-9]*\).*/\1.\2/p')
check_match "  built against the installed Slurm ($rel)" "built against Slurm ${rel//./\\.}\\." "$line"
check_match "  and running its libslurm" "\\(Slurm ${rel//./\\.}\\)$" "$line"

# slurm_api_version() of the next release
cat >"$W/next.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
long slurm_api_version(void);
long slurm_api_version(void)
{
	long (*real)(void) = (long (*)(void))dlsym(RTLD_NEXT, "slurm_api_version");

	return real ? ((real() >> 16) + 1) << 16 : 0;
}
C
gcc -shared -fPIC -o "$W/next.so" "$W/next.c" -ldl || exit 1
d=$W/refused
mkdir -p "$d"
cat >"$d/c.yaml" <<YAML
SidecarPort: ""
Socket: "unix://$d/s.sock"
DataRootFolder: "$d/pods"
StateDirectory: "$d/state"
AllowRootJobs: true
YAML
# an AddressSanitizer build wants its runtime first among the preloads
asan=$(ldd "$IL_BUILD/sidecar-slurm" 2>/dev/null | awk '/libasan\.so/ {print $3; exit}')
out=$(LD_PRELOAD="${asan:+$asan }$W/next.so" timeout 10 "$IL_BUILD/sidecar-slurm" -c "$d/c.yaml" 2>&1)
rc=$?
check_eq "with the libslurm of another release it refuses to start" 1 "$rc"
check_match "  saying which releases differ and to rebuild" \
	"built against Slurm ${rel//./\\.} \\(libslurm API [0-9]+\\) but runs with libslurm API [0-9]+ \\(Slurm [0-9.]+\\): rebuild" "$out"
check_fails "  before listening" test -e "$d/s.sock"
t_done
