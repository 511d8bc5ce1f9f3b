# tests/bench-scale.sh - `make bench-scale`, sourced by tests/bench.sh after
# its set-up (BENCH_SCALE=1: a cluster with MaxJobCount=50000 and a DOWN
# partition "held", so every pod's job stays pending).  Numbers, not a test.
#
# Idle first, then for each of SCALE_STEPS (default "1000 5000 10000") pods
# in all, created through the gateway 16 at a time: RSS of sidecar-slurm and
# interlink-api, their CPU over SCALE_IDLE_S (default 10) seconds with
# nothing asked of them, the gateway's periodic status refresh (its debug
# log: all pods, the sidecar's time included), and one VK pass over every
# pod: GET /status for one pod at a time through the gateway on a kept-alive
# connection and on a new connection per call (200 sampled, times N),
# against one `squeue -j` fork per pod (50 sampled, times N).  Then every pod
# deleted and, once the sidecar tracks none, RSS again.

SCALE_STEPS=${SCALE_STEPS:-"1000 5000 10000"}
SCALE_IDLE_S=${SCALE_IDLE_S:-10}
clk_tck=$(getconf CLK_TCK)

rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# idle_cpu LABEL: both daemons' CPU (% of one core) over SCALE_IDLE_S
idle_cpu() {
	local s0 g0 s1 g1
	s0=$(cpu_ticks "$SC_PID") g0=$(cpu_ticks "$GW_PID")
	sleep "$SCALE_IDLE_S"
	s1=$(cpu_ticks "$SC_PID") g1=$(cpu_ticks "$GW_PID")
	R[$1.sc_cpu]=$(awk -v a="$s0" -v b="$s1" -v t="$clk_tck" -v s="$SCALE_IDLE_S" \
		'BEGIN { printf "%.1f", (b - a) / t / s * 100 }')
	R[$1.gw_cpu]=$(awk -v a="$g0" -v b="$g1" -v t="$clk_tck" -v s="$SCALE_IDLE_S" \
		'BEGIN { printf "%.1f", (b - a) / t / s * 100 }')
	R[$1.sc_rss]=$(rss_mb "$SC_PID") R[$1.gw_rss]=$(rss_mb "$GW_PID")
	echo "  RSS sidecar $(r "$1" sc_rss) MB, gateway $(r "$1" gw_rss) MB;" \
		"idle CPU sidecar $(r "$1" sc_cpu) %, gateway $(r "$1" gw_cpu) % of a core"
}
last_refresh_ms() { # the gateway's last periodic refresh of N pods
	grep "periodic refresh: $1 pods in" "$GW_DIR/gateway.log" | tail -n 1 |
		sed 's/.* \([0-9.]*\) ms$/\1/'
}
refreshed_n() { [[ -n $(last_refresh_ms "$1") ]]; }
sc_tracked() { # pods the sidecar tracks (its /pods)
	curl -sS "${MTLS[@]}" "$SC_URL/pods" 2>/dev/null | grep -o '"UID"' | wc -l
}

echo "== idle, no pod"
idle_cpu idle
: >"$T/scale.create" && : >"$T/scale.delete" && : >"$T/scale.status"
have=0
for n in $SCALE_STEPS; do
	add=$((n - have))
	((add > 0)) || continue
	echo "== $n pods: creating $add more through the gateway, 16 at a time"
	pod_bodies "s$n" "$add" held '["sleep","60"]'
	cat "$T/s$n.delete" >>"$T/scale.delete"
	cat "$T/s$n.status" >>"$T/scale.status"
	run_client "scale_create_$n" -n "$add" -c 16 -X POST -B "$T/s$n.create" "${JSON[@]}" \
		-H 'InterLink-Http-Session: bench#create' "$GW_URL/create"
	have=$n
	wait_for 120 refreshed_n "$n" || echo "  (no periodic refresh of $n pods in 120 s)"
	idle_cpu "n$n"
	R[n$n.refresh]=$(last_refresh_ms "$n")
	echo "  the gateway's periodic refresh of $n pods: $(r "n$n" refresh) ms"
	run_client "pass_keep_$n" -n 200 -c 1 -X GET -B "$T/scale.status" "${JSON[@]}" \
		-H 'InterLink-Http-Session: bench#status' "$GW_URL/status"
	run_client "pass_new_$n" -n 200 -c 1 --new-conn -X GET -B "$T/scale.status" "${JSON[@]}" \
		-H 'InterLink-Http-Session: bench#status' "$GW_URL/status"
	mapfile -t jids < <(squeue -h -t PD -o %i 2>/dev/null | head -n 50)
	if ((${#jids[@]})); then
		t0=$(now)
		for j in "${jids[@]}"; do squeue -h -j "$j" -o %T >/dev/null 2>&1; done
		R[n$n.squeue_ms]=$(awk -v a="$t0" -v b="$(now)" -v k="${#jids[@]}" \
			'BEGIN { printf "%.2f", (b - a) * 1000 / k }')
	fi
	for k in keep new; do
		R[n$n.pass_$k]=$(awk -v p="$(r "pass_${k}_$n" p50)" -v n="$n" \
			'BEGIN { if (p == "-") print "-"; else printf "%.2f", p * n / 1000 }')
	done
	R[n$n.pass_squeue]=$(awk -v p="$(r "n$n" squeue_ms)" -v n="$n" \
		'BEGIN { if (p == "-") print "-"; else printf "%.1f", p * n / 1000 }')
	echo "  a VK pass over $n pods: $(r "n$n" pass_keep) s kept alive, $(r "n$n" pass_new) s" \
		"with a new connection per call; $(r "n$n" pass_squeue) s as one squeue -j fork per pod"
done

echo "== delete all $have pods, 16 at a time"
run_client scale_delete -n "$have" -c 16 -X DELETE -B "$T/scale.delete" "${JSON[@]}" \
	-H 'InterLink-Http-Session: bench#delete' "$GW_URL/delete"
wait_for 300 no_jobs || echo "  (jobs still listed after 300 s)"
none_tracked() { (($(sc_tracked) == 0)); }
wait_for 120 none_tracked || echo "  (the sidecar still tracks $(sc_tracked) pods)"
sleep 3
echo "== after the deletes"
idle_cpu deleted

cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
echo
echo "== Markdown (for README.md)"
echo
echo "\`make bench-scale\` on $(nproc) CPUs ($cpu), $(date -u '+%Y-%m-%d'); pods pend in a"
echo "DOWN partition; sidecar polls every 300 ms, gateway refreshes every 2 s:"
echo
echo '| pods | sidecar RSS | gateway RSS | idle CPU sidecar / gateway | gateway refresh | VK pass: kept alive / new http connection per call / `squeue -j` fork per pod |'
echo '|---:|---:|---:|---:|---:|---:|'
echo "| 0 | $(r idle sc_rss) MB | $(r idle gw_rss) MB | $(r idle sc_cpu) / $(r idle gw_cpu) % | - | - |"
for n in $SCALE_STEPS; do
	echo "| $n | $(r "n$n" sc_rss) MB | $(r "n$n" gw_rss) MB | $(r "n$n" sc_cpu) / $(r "n$n" gw_cpu) % |" \
		"$(r "n$n" refresh) ms | $(r "n$n" pass_keep) / $(r "n$n" pass_new) / $(r "n$n" pass_squeue) s |"
done
echo "| 0 (all deleted) | $(r deleted sc_rss) MB | $(r deleted gw_rss) MB | $(r deleted sc_cpu) / $(r deleted gw_cpu) % | - | - |"
echo
