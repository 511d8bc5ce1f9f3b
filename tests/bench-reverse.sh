# tests/bench-reverse.sh - sourced by tests/bench.sh: the same /pinglink
# measurement over the reverse connection (sidecar-slurm Connect ->
# interlink-api SidecarReverseListen, both on loopback here), so that the
# table shows both modes side by side.  Needs bench.sh's run_client, W,
# CONC, N_PING and tests/daemons.sh.
bench_reverse() {
	local saved rport
	saved=$(declare -p SC_PORT SC_DIR SC_DATA SC_SOCK SC_PID GW_URL GW_DIR GW_PID 2>/dev/null)
	mkdir -p "$W/gateway-rev" && : >"$W/gateway-rev/gateway.log"
	il_start_gateway gateway-rev "SidecarReverseListen: \"127.0.0.1:0\"" ||
		{ echo "bench: reverse gateway did not start" >&2; return 0; }
	rport=$(grep -o 'reverse connections accepted on port [0-9]*' \
		"$W/gateway-rev/gateway.log" | head -n 1 | sed 's/.* //')
	il_start_sidecar sidecar-rev "Connect: \"https://127.0.0.1:$rport\"" ||
		{ echo "bench: reverse sidecar did not start" >&2; return 0; }
	local rev_url=$GW_URL
	wait_for 20 curl -sf -o /dev/null -X POST "$rev_url/pinglink" ||
		echo "bench: the reverse connection did not come up" >&2
	echo "== /pinglink through the gateway over the reverse connection ($N_PING requests, 1 and $CONC at a time)"
	run_client ping_rev -n "$N_PING" -c 1 -X POST "$rev_url/pinglink"
	run_client "ping_rev_c$CONC" -n "$N_PING" -c "$CONC" -X POST "$rev_url/pinglink"
	eval "${saved//declare -- /}"
}
