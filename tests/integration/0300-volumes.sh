#!/bin/bash
# Volumes, through the gateway with ilctl, in real Slurm jobs whose
# containers run under bubblewrap (real binds, real read-only binds):
# configMap (all keys, items renames, subPath, defaultMode), secret (bytes
# exact, 0600), projected (service-account token, ca.crt, namespace,
# configMap and downwardAPI sources), downwardAPI, emptyDir shared by two
# containers, hostPath read-write and read-only; a PVC volume and a mount of
# no volume are refused with a 400 naming them.
# shellcheck disable=SC2016 # the containers' scripts expand their own $...
. "$(dirname "$0")/../lib.sh"

if ! bwrap --ro-bind / / --dev /dev --proc /proc true 2>/dev/null; then
	echo "1..0 # SKIP bubblewrap does not work here"
	exit 0
fi

# The job's environment is minimal: the runtime's mode goes in a wrapper.
printf '#!/bin/bash\nFAKE_APPTAINER_MODE=bwrap exec %q "$@"\n' \
	"$IL_RUNTIME" >"$W/apptainer"
chmod 755 "$W/apptainer"
SC_RUNTIME=$W/apptainer il_start_sidecar sc "HostPathPrefixes: [\"$W/hostdir\"]" || exit 1
il_start_gateway gw || exit 1

# state of one container in the status JSON, e.g. "terminated":{"exitCode":0
ctr_state() { # NAME CONTAINER
	ilctl status "$1" -o json 2>/dev/null |
		grep -o "\"name\":\"$2\",\"state\":{\"[a-z]*\":{[^}]*" | head -n 1
}
terminated() { ctr_state "$1" "$2" | grep -q '"terminated"'; }
exit_code() { ctr_state "$1" "$2" | grep -o '"exitCode":[0-9]*' | cut -d: -f2; }
# has_line DESC TEXT LINE: TEXT holds LINE as a whole line
has_line() {
	if grep -qxF -- "$3" <<<"$2"; then t_ok "$1"; else
		t_fail "$1"; t_diag "no line: $3" "in: ${2:0:3000}"; fi
}

# ---- refused pods: 400 naming the volume, nothing left behind ----------
cat >"$W/pvc.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: pvc}
spec:
  containers:
    - name: main
      image: busybox
      command: ["true"]
      volumeMounts: [{name: data, mountPath: /srv/data}]
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: my-claim}
YAML
out=$(ilctl create -f "$W/pvc.yaml" 2>&1)
check "a PVC volume fails the create" [ $? -ne 0 ]
check_match "with a 400 naming the volume and its type" \
	"400.*volume 'data': persistentVolumeClaim 'my-claim' is not mapped to a folder" \
	"$out"

cat >"$W/nomount.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: nomount}
spec:
  containers:
    - name: main
      image: busybox
      command: ["true"]
      volumeMounts: [{name: ghost, mountPath: /srv/ghost}]
YAML
out=$(ilctl create -f "$W/nomount.yaml" 2>&1)
check "a mount of no volume fails the create" [ $? -ne 0 ]
check_match "with a 400 naming the mount" \
	"400.*volumeMount 'ghost' names no volume" "$out"
check_eq "refused pods leave no folder" "" "$(ls -A "$SC_DATA" 2>/dev/null)"

# ---- one pod with every kind -------------------------------------------
mkdir -p "$W/hostdir"
chmod 1777 "$W/hostdir" # the job may run as a tenant (0601-drmaa-shared.sh)
echo "from the host" >"$W/hostdir/in.txt"
cat >"$W/vols.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  greeting: "hello volumes"
  app.conf: "mode = test\n"
  extra: "not listed"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kube-root-ca.crt}
data:
  ca.crt: "-----FAKE CA-----"
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
data:
  bin: AAEC/w==
stringData:
  password: "s3cr3t 'q' \$x\nline2\n"
  t: "tee"
---
apiVersion: v1
kind: Pod
metadata:
  name: vols
  labels: {app: demo, tier: back-end}
spec:
  restartPolicy: Never
  containers:
    - name: reader
      image: busybox
      command:
        - /bin/sh
        - -c
        - |
          p() { printf '%s=%s\n' "\$1" "\$2"; }
          p cfg "\$(cat /etc/cfg/greeting)"
          p cfgkeys "\$(ls /etc/cfg | tr '\n' ,)"
          p cfgmode "\$(stat -c %a /etc/cfg/greeting)"
          p items "\$(cd /etc/items && find . -type f | sort | tr '\n' ,)"
          p item "\$(cat /etc/items/renamed/hello.txt)"
          p itemmode "\$(stat -c %a /etc/items/renamed/hello.txt)"
          p defmode "\$(stat -c %a /etc/items/app.conf)"
          p subpath "\$(cat /etc/app.conf)"
          p subpathtype "\$(stat -c %F /etc/app.conf)"
          p secret "\$(base64 -w0 /var/secrets/password)"
          p secretbin "\$(base64 -w0 /var/secrets/bin)"
          p secretmode "\$(stat -c %a /var/secrets/password)"
          p secretmode2 "\$(stat -c %a /var/secret-t/t)"
          sa=/var/run/secrets/kubernetes.io/serviceaccount
          p token "\$(cat \$sa/token)"
          p ca "\$(cat \$sa/ca.crt)"
          p ns "\$(cat \$sa/namespace)"
          p podname "\$(cat /etc/podinfo/name)"
          p labels "\$(tr '\n' , </etc/podinfo/labels)"
          p projcfg "\$(cat /etc/proj/cfg/greeting)"
          p projname "\$(cat /etc/proj/meta/name)"
          p host "\$(cat /srv/host/in.txt)"
          echo from-container >/srv/host/out.txt && p hostwrite ok
          touch /etc/cfg/new 2>/dev/null && p cfgro writable || p cfgro refused
          i=0
          while [ ! -f /srv/shared/f ] && [ \$i -lt 200 ]; do
            sleep 0.1; i=\$((i + 1))
          done
          p shared "\$(cat /srv/shared/f)"
      volumeMounts:
        - {name: cfg, mountPath: /etc/cfg}
        - {name: cfg-items, mountPath: /etc/items}
        - {name: cfg, mountPath: /etc/app.conf, subPath: app.conf}
        - {name: creds, mountPath: /var/secrets}
        - {name: creds-items, mountPath: /var/secret-t}
        - {name: kube-api-access, mountPath: /var/run/secrets/kubernetes.io/serviceaccount, readOnly: true}
        - {name: podinfo, mountPath: /etc/podinfo}
        - {name: proj, mountPath: /etc/proj}
        - {name: host, mountPath: /srv/host}
        - {name: shared, mountPath: /srv/shared}
    - name: writer
      image: busybox
      command: ["/bin/sh", "-c", "echo shared-data >/srv/shared/f.tmp && mv /srv/shared/f.tmp /srv/shared/f"]
      volumeMounts:
        - {name: shared, mountPath: /srv/shared}
    - name: ro
      image: busybox
      command:
        - /bin/sh
        - -c
        - |
          touch /srv/shared/from-ro 2>/dev/null && echo emptydir-ro=writable || echo emptydir-ro=refused
          touch /srv/host-ro/x
      volumeMounts:
        - {name: shared, mountPath: /srv/shared, readOnly: true}
        - {name: host, mountPath: /srv/host-ro, readOnly: true}
  volumes:
    - name: cfg
      configMap: {name: app-config, defaultMode: 288}   # 0440
    - name: cfg-items
      configMap:
        name: app-config
        defaultMode: 416                                # 0640
        items:
          - {key: greeting, path: renamed/hello.txt, mode: 384}  # 0600
          - {key: app.conf, path: app.conf}
    - name: creds
      secret: {secretName: creds}
    - name: creds-items
      secret:
        secretName: creds
        defaultMode: 256                                # 0400
        items: [{key: t, path: t}]
    - name: kube-api-access
      projected:
        sources:
          - serviceAccountToken: {path: token}
          - configMap:
              name: kube-root-ca.crt
              items: [{key: ca.crt, path: ca.crt}]
          - downwardAPI:
              items:
                - {path: namespace, fieldRef: {fieldPath: metadata.namespace}}
    - name: podinfo
      downwardAPI:
        items:
          - {path: name, fieldRef: {fieldPath: metadata.name}}
          - {path: labels, fieldRef: {fieldPath: metadata.labels}}
    - name: proj
      projected:
        sources:
          - configMap:
              name: app-config
              items: [{key: greeting, path: cfg/greeting}]
          - downwardAPI:
              items:
                - {path: meta/name, fieldRef: {fieldPath: metadata.name}}
    - name: host
      hostPath: {path: "$W/hostdir", type: Directory}
    - name: shared
      emptyDir: {}
YAML
out=$(ilctl create -f "$W/vols.yaml" 2>&1)
check_match "the pod with every volume kind is created" 'created.*job [0-9]+' \
	"$out"
check "reader terminates" wait_for 90 terminated vols reader
check "writer terminates" wait_for 30 terminated vols writer
check "ro terminates" wait_for 30 terminated vols ro
check_eq "reader exits 0" 0 "$(exit_code vols reader)"
check_eq "writer exits 0" 0 "$(exit_code vols writer)"
logs=$(ilctl logs vols -c reader 2>&1)

has_line "configMap readable at its mountPath" "$logs" "cfg=hello volumes"
has_line "a configMap volume shows every key" "$logs" \
	"cfgkeys=app.conf,extra,greeting,"
has_line "configMap defaultMode 0440 honoured" "$logs" "cfgmode=440"
has_line "items: only the listed keys, at their paths" "$logs" \
	"items=./app.conf,./renamed/hello.txt,"
has_line "items: key renamed to its path" "$logs" "item=hello volumes"
has_line "items: the item's mode 0600" "$logs" "itemmode=600"
has_line "items: defaultMode 0640 for the others" "$logs" "defmode=640"
has_line "subPath mounts one key" "$logs" "subpath=mode = test"
has_line "subPath mounts it as a file" "$logs" "subpathtype=regular file"
want=$(printf "s3cr3t 'q' \$x\nline2\n" | base64 -w0)
has_line "secret (stringData) byte for byte" "$logs" "secret=$want"
has_line "secret (binary data) byte for byte" "$logs" "secretbin=AAEC/w=="
has_line "secret files are 0600" "$logs" "secretmode=600"
has_line "secret defaultMode 0400 honoured" "$logs" "secretmode2=400"
has_line "projected service-account token" "$logs" \
	"token=ilctl-placeholder-token"
has_line "projected ca.crt" "$logs" "ca=-----FAKE CA-----"
has_line "projected namespace" "$logs" "ns=default"
has_line "downwardAPI volume: metadata.name" "$logs" "podname=vols"
has_line "downwardAPI volume: metadata.labels" "$logs" \
	'labels=app="demo",tier="back-end",'
has_line "projected configMap source with items" "$logs" \
	"projcfg=hello volumes"
has_line "projected downwardAPI source" "$logs" "projname=vols"
has_line "hostPath readable" "$logs" "host=from the host"
has_line "hostPath writable" "$logs" "hostwrite=ok"
check_eq "the host sees the container's write" "from-container" \
	"$(cat "$W/hostdir/out.txt" 2>&1)"
has_line "configMap volumes are read-only" "$logs" "cfgro=refused"
has_line "emptyDir shared: the reader sees the writer's file" "$logs" \
	"shared=shared-data"

ro_logs=$(ilctl logs vols -c ro 2>&1)
has_line "readOnly emptyDir mount refuses writes" "$ro_logs" \
	"emptydir-ro=refused"
code=$(exit_code vols ro)
nonzero() { [ -n "$1" ] && [ "$1" -ne 0 ]; }
check "readOnly hostPath: touch exits non-zero (got '$code')" nonzero "$code"
check_match "readOnly hostPath: touch says why" \
	"touch: .*/srv/host-ro/x.*Read-only file system" "$ro_logs"
check "nothing was written through the read-only bind" \
	[ ! -e "$W/hostdir/x" ]

# the folder layout operators know
pod_dir=$(ls -d "$SC_DATA"/default-* 2>/dev/null | head -n 1)
check "configMaps/<volume>/<key> in the pod's folder" \
	[ -f "$pod_dir/configMaps/cfg/greeting" ]
check "projectedVolumeMaps/<volume>/<path>" \
	[ -f "$pod_dir/projectedVolumeMaps/proj/cfg/greeting" ]
check_eq "secrets/ is private to the job's user" 700 \
	"$(stat -c %a "$pod_dir/secrets" 2>&1)"
check_eq "emptyDirs/<volume> holds the shared file" shared-data \
	"$(cat "$pod_dir/emptyDirs/shared/f" 2>&1)"

ilctl delete vols >/dev/null
gone() { [ -z "$(ls -A "$SC_DATA")" ]; }
check "the pod's folder is removed after delete" wait_for 15 gone

t_done
