#!/bin/bash
# Probes and lifecycle hooks (EnableProbes), through the gateway, in real
# Slurm jobs whose containers run under bubblewrap (real binds, a private
# /tmp per instance):
#  - readiness (exec) follows a file the container keeps in its /tmp (the
#    probe sees the container's /tmp): ready false, true, false again
#    (never latched, never kills);
#  - a startup probe gates readiness: started and ready stay false until it
#    succeeds, although the readiness check would pass;
#  - liveness (exec) failing stops the container: terminated, exit 143,
#    LivenessProbeFailed; a failing startup probe: StartupProbeFailed;
#  - httpGet (named port, headers) and tcpSocket against a python3 HTTP
#    server in the container (skipped without python3);
#  - postStart's output is in the container's log and the file it writes
#    to /tmp is seen by the container; preStop runs on delete, its output
#    in prestop-<name>.out, and the container still runs when it ends (it
#    gets TERM only after the hook); the job then ends by itself;
#  - pods the script cannot probe are refused with a 400.
# shellcheck disable=SC2016 # the containers' scripts expand their own $...
. "$(dirname "$0")/../lib.sh"

if ! bwrap --ro-bind / / --dev /dev --proc /proc true 2>/dev/null; then
	echo "1..0 # SKIP bubblewrap does not work here"
	exit 0
fi
clean_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
have_py=
PATH=$clean_path python3 -c 'import http.server' 2>/dev/null && have_py=1
t_skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP $2"; }

printf '#!/bin/bash\nFAKE_APPTAINER_MODE=bwrap exec %q "$@"\n' \
	"$IL_RUNTIME" >"$W/apptainer"
chmod 755 "$W/apptainer"
mkdir -p "$W/ctl" "$W/out"
SC_RUNTIME=$W/apptainer il_start_sidecar sc "EnableProbes: true
HostPathPrefixes: [\"$W\"]" || exit 1
il_start_gateway gw || exit 1

# ctr POD CONTAINER: that container's status object, on one line
ctr() {
	ilctl status "$1" -o json 2>/dev/null | tr -d '\n' |
		sed 's/{"name":/\n{"name":/g' | grep "^{\"name\":\"$2\","
}
# val KEY: the first scalar value of KEY in the object on stdin
val() { grep -o "\"$1\":\"*[A-Za-z0-9]*" | head -n 1 | sed 's/.*:"*//'; }
is() { # POD CONTAINER KEY VALUE
	[ "$(ctr "$1" "$2" | val "$3")" == "$4" ]
}
running() { ctr "$1" "$2" | grep -q '"state":{"running"'; }
terminated() { ctr "$1" "$2" | grep -q '"state":{"terminated"'; }
say() { t_diag "$1 $2: $(ctr "$1" "$2")"; }

# ---- refused at create -------------------------------------------------
cat >"$W/bad.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: badport}
spec:
  containers:
    - name: main
      image: busybox
      command: ["sleep", "1"]
      readinessProbe: {httpGet: {path: /, port: web}}
YAML
out=$(ilctl create -f "$W/bad.yaml" 2>&1)
check_match "a probe on a port name the container lacks is a 400" \
	"400.*readinessProbe: port 'web' is neither a number" "$out"
sed -i 's/httpGet: {path: \/, port: web}/grpc: {port: 9000}/' "$W/bad.yaml"
out=$(ilctl create -f "$W/bad.yaml" 2>&1)
check_match "a grpc probe is a 400" "400.*grpc is not supported" "$out"

# ---- the pods ------------------------------------------------------------
port=$(PATH=$clean_path python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 18089)
cat >"$W/pods.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: rdy}
spec:
  containers:
    - name: web
      image: busybox
      command:
        - /bin/sh
        - -c
        - |
          echo up
          while :; do
            if [ -e /ctl/ready ]; then touch /tmp/ready; else rm -f /tmp/ready; fi
            sleep 0.2
          done
      volumeMounts: [{name: ctl, mountPath: /ctl}]
      readinessProbe:
        exec: {command: [test, -e, /tmp/ready]}
        periodSeconds: 1
        failureThreshold: 1
  volumes:
    - {name: ctl, hostPath: {path: "$W/ctl", type: Directory}}
---
apiVersion: v1
kind: Pod
metadata: {name: gated}
spec:
  containers:
    - name: slow
      image: busybox
      command: [/bin/sh, -c, "sleep 8; touch /tmp/started; exec sleep 300"]
      startupProbe:
        exec: {command: [test, -e, /tmp/started]}
        periodSeconds: 1
        failureThreshold: 60
      readinessProbe:
        exec: {command: ["true"]}
        periodSeconds: 1
---
apiVersion: v1
kind: Pod
metadata: {name: doomed}
spec:
  terminationGracePeriodSeconds: 3
  containers:
    - name: fragile
      image: busybox
      command: [/bin/sh, -c, "echo alive; exec sleep 300"]
      livenessProbe:
        exec: {command: ["false"]}
        initialDelaySeconds: 1
        periodSeconds: 1
        failureThreshold: 2
    - name: nostart
      image: busybox
      command: [/bin/sh, -c, "exec sleep 300"]
      startupProbe:
        tcpSocket: {port: 1}
        periodSeconds: 1
        failureThreshold: 2
---
apiVersion: v1
kind: Pod
metadata: {name: hooks}
spec:
  terminationGracePeriodSeconds: 10
  containers:
    - name: hooked
      image: busybox
      command:
        - /bin/sh
        - -c
        - |
          echo "Container starting..."
          i=0
          while [ ! -e /tmp/poststart-marker ] && [ \$i -lt 100 ]; do
            sleep 0.1; i=\$((i + 1))
          done
          cat /tmp/poststart-marker && echo "postStart hook marker found!"
          while :; do
            date +%s.%N >/out/alive.tmp && mv /out/alive.tmp /out/alive
            sleep 0.1
          done
      volumeMounts: [{name: out, mountPath: /out}]
      lifecycle:
        postStart:
          exec:
            command: [/bin/sh, -c, "echo 'postStart hook executed!' | tee /tmp/poststart-marker"]
        preStop:
          exec:
            command:
              - /bin/sh
              - -c
              - "echo preStop hook running; sleep 2; date +%s.%N >/out/prestop-done; echo preStop hook done"
  volumes:
    - {name: out, hostPath: {path: "$W/out", type: Directory}}
YAML
if [ -n "$have_py" ]; then
	cat >>"$W/pods.yaml" <<YAML
---
apiVersion: v1
kind: Pod
metadata: {name: http}
spec:
  containers:
    - name: server
      image: python
      command:
        - python3
        - -u
        - -c
        - |
          import http.server, time
          t0 = time.time()
          class H(http.server.BaseHTTPRequestHandler):
              def do_GET(self):
                  ok = self.path != "/ready" or time.time() - t0 > 3
                  print("GET", self.path, "X-Probe=" + str(self.headers.get("X-Probe")), flush=True)
                  self.send_response(200 if ok else 503)
                  self.end_headers()
                  self.wfile.write(b"ok\n" if ok else b"not yet\n")
              def log_message(self, *a):
                  pass
          print("Starting HTTP server on port $port", flush=True)
          http.server.HTTPServer(("127.0.0.1", $port), H).serve_forever()
      ports: [{name: web, containerPort: $port}]
      startupProbe:
        tcpSocket: {port: web}
        periodSeconds: 1
        failureThreshold: 30
      readinessProbe:
        httpGet: {path: /ready, port: web}
        periodSeconds: 1
      livenessProbe:
        httpGet:
          path: /healthz
          port: $port
          httpHeaders: [{name: X-Probe, value: "it's me"}]
        periodSeconds: 1
YAML
fi
# one pod per manifest for ilctl
awk -v d="$W" '/^---$/ { n++; next } { print > (d "/pod-" n+0 ".yaml") }' \
	"$W/pods.yaml"
made=0 want=0
for f in "$W"/pod-*.yaml; do
	want=$((want + 1))
	if out=$(ilctl create -f "$f" 2>&1); then made=$((made + 1)); else
		t_diag "$f: $out"; fi
done
check_eq "the pods are created" "$want" "$made"

# ---- startup gates readiness -------------------------------------------
check "gated: running, not started, not ready" wait_for 30 eval \
	'running gated slow && is gated slow started false &&
	 is gated slow ready false'
check "gated: started and ready once the startup probe passed" wait_for 20 \
	eval 'is gated slow started true && is gated slow ready true'

# ---- readiness: follows the container's /tmp, both ways ------------------
check "rdy: running and not ready" wait_for 30 eval \
	'running rdy web && is rdy web ready false'
check_eq "rdy: started (no startup probe)" true "$(ctr rdy web | val started)"
touch "$W/ctl/ready"
check "rdy: ready once the container made /tmp/ready" wait_for 15 \
	is rdy web ready true
rm -f "$W/ctl/ready"
check "rdy: not ready again when it is gone (not latched)" wait_for 15 \
	is rdy web ready false
check "rdy: still running (readiness never kills)" running rdy web

# ---- liveness and startup failures stop the container --------------------
check "doomed: the failing liveness probe stopped 'fragile'" wait_for 40 \
	terminated doomed fragile
c=$(ctr doomed fragile)
check_eq "fragile: exit code 143 (TERM)" 143 "$(val exitCode <<<"$c")"
check_eq "fragile: reason" LivenessProbeFailed "$(val reason <<<"$c")"
check "doomed: the failing startup probe stopped 'nostart'" wait_for 40 \
	terminated doomed nostart
c=$(ctr doomed nostart)
check_eq "nostart: reason" StartupProbeFailed "$(val reason <<<"$c")"
check_eq "nostart: never ready" false "$(val ready <<<"$c")"

# ---- httpGet and tcpSocket -------------------------------------------------
if [ -n "$have_py" ]; then
	check "http: ready once /ready answers 200" wait_for 30 \
		is http server ready true
	logs=$(ilctl logs http -c server 2>&1)
	check_match "http: the server started" \
		"Starting HTTP server on port $port" "$logs"
	check_match "http: liveness GETs /healthz with its header" \
		"GET /healthz X-Probe=it's me" "$logs"
	check_match "http: readiness GETs /ready" "GET /ready X-Probe=None" \
		"$logs"
	check "http: liveness keeps it running" running http server
else
	for d in "http: ready" "http: started" "http: liveness" \
		"http: readiness" "http: running"; do
		t_skip "$d" "python3 is not installed"
	done
fi

# ---- postStart and preStop ---------------------------------------------
check "hooks: running after postStart" wait_for 30 running hooks hooked
logs=$(ilctl logs hooks -c hooked 2>&1)
for l in "Container starting..." "postStart hook executed!" \
	"postStart hook marker found!"; do
	check "hooks: the log has '$l'" grep -qxF -- "$l" <<<"$logs"
done
check_eq "hooks: that line twice: the hook's output, the container's cat" 2 \
	"$(grep -c 'postStart hook executed!' <<<"$logs")"
jid=$(ilctl status hooks -o json | grep -o '"JID":"[0-9]*' | cut -d'"' -f4)
dir=$(ls -d "$SC_DATA"/*-"$(ilctl status hooks -o json |
	grep -o '"UID":"[^"]*' | cut -d'"' -f4)")
check "hooks: the pod's folder is known" [ -d "$dir" ]
t0=$(date +%s.%N)
ilctl delete hooks >/dev/null
seen() { grep -q 'preStop hook running' "$dir/prestop-hooked.out" 2>/dev/null; }
check "preStop: prestop-hooked.out has the hook's output" wait_for 10 seen
grep_logs() { grep -q 'preStop hook running' "$dir/run-hooked.out" 2>/dev/null; }
check "preStop: and so has the container's log" wait_for 5 grep_logs
done_() { [ -s "$W/out/prestop-done" ]; }
check "preStop: the hook ran to its end" wait_for 15 done_
ended() { [[ $(job_state "$jid") =~ ^(COMPLETED|FAILED)$ ]]; }
check "the job stopped by itself (not CANCELLED)" wait_for 20 ended
alive=$(cat "$W/out/alive" 2>/dev/null) pre=$(cat "$W/out/prestop-done")
# it writes /out/alive every ~0.1 s; the hook sleeps 2 s before it writes
# prestop-done: TERM with the hook (upstream) would stop it 2 s earlier
check "the container ran until preStop ended (alive $alive, hook $pre)" \
	awk -v a="$alive" -v p="$pre" 'BEGIN { exit !(a > p - 0.5) }'
check "and stopped soon after" \
	awk -v a="$alive" -v p="$pre" 'BEGIN { exit !(a < p + 3) }'
t1=$(date +%s.%N)
check "within the grace period" awk -v a="$t0" -v b="$t1" \
	'BEGIN { exit !(b - a < 15) }'
gone() { [ ! -d "$dir" ]; }
check "the folder is removed once the job ended" wait_for 15 gone

for p in rdy gated doomed http; do ilctl delete "$p" >/dev/null 2>&1; done
t_done
