#!/bin/bash
# The backend-neutral pod tests, unchanged, against Grid Engine: each script
# below runs with IL_SC_BACKEND_YAML (tests/daemons.sh), so every sidecar
# it starts loads backend-drmaa.so and maps the namespace to the tenant
# nobody.  Each of their checks becomes one check here, named after its
# script.  Runs under `make check-drmaa`; skips otherwise.
. "$(dirname "$0")/../lib.sh"

so=$IL_BUILD/backend-drmaa.so
if [[ -z ${SGE_ROOT:-} || ! -f $so ]]; then
	echo "1..0 # SKIP no Grid Engine cell (make check-drmaa) or no DRMAA backend"
	exit 0
fi
chmod 755 "$W"
# 0330-probes passes too but for its preStop checks: Grid Engine cannot
# signal the job script alone (no `terminate`), so a deleted pod is
# cancelled at once and its preStop hooks do not run (README, capability
# table).  The others name Slurm (squeue, scontrol) in their checks.
shared=(0320-logs.sh 0300-volumes.sh)

for t in "${shared[@]}"; do
	name=${t%.sh}
	export IL_SC_BACKEND_YAML="Backend: \"$so\"
DrmaaJobTable: \"$W/$name.table\"
Tenants:
  default: {User: nobody, Group: $(id -gn nobody)}"
	nfail=0 nok=0
	while IFS= read -r line; do
		if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then
			t_ok "$name: ${BASH_REMATCH[1]}"; nok=$((nok + 1))
		elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then
			t_fail "$name: ${BASH_REMATCH[1]}"; nfail=$((nfail + 1))
		elif [[ $line =~ ^1\.\. ]]; then
			:
		else
			t_diag "$name: $line"
		fi
	done < <(bash "$(dirname "$0")/$t" 2>&1)
	wait $! 2>/dev/null # the script itself, to its end
	if ((nok + nfail == 0)); then
		t_fail "$name: ran no check"
	fi
done
unset IL_SC_BACKEND_YAML
t_done
