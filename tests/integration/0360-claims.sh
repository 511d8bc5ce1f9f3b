#!/bin/bash
# PersistentVolumeClaims as site folders (VolumeClaims, VolumeClaimPattern,
# VolumeClaimPrefixes), in real Slurm jobs of a mapped tenant (nobody)
# whose containers run under bubblewrap (real binds, real read-only
# binds): a read-write claim the job writes to, a readOnly claim where a
# write fails, a subPath; an unmapped claim is a 400 naming it, a folder
# outside the prefixes, behind a symlink or not writable by the tenant is
# a 403, and nothing is ever created in the site's tree.
# shellcheck disable=SC2016 # the containers' scripts expand their own $...
. "$(dirname "$0")/../lib.sh"

if ! bwrap --ro-bind / / --dev /dev --proc /proc true 2>/dev/null; then
	echo "1..0 # SKIP bubblewrap does not work here"
	exit 0
fi
# the jobs run as a tenant: bwrap then needs an unprivileged user namespace,
# which the kernel refuses inside a chroot (make check-matrix's root)
if ! runuser -u nobody -- bwrap --ro-bind / / --dev /dev --proc /proc true 2>/dev/null; then
	echo "1..0 # SKIP bubblewrap cannot run as an unprivileged user here (no user namespaces, e.g. in a chroot)"
	exit 0
fi
nobody_uid=$(id -u nobody)
nogroup=$(getent group nogroup >/dev/null && echo nogroup || echo nobody)

printf '#!/bin/bash\nFAKE_APPTAINER_MODE=bwrap exec %q "$@"\n' \
	"$IL_RUNTIME" >"$W/apptainer"
chmod 755 "$W/apptainer"
# the site's tree: the tenant's folders, one of root's, a planted symlink
site=$W/lustre/projects
mkdir -p "$site/team-a/results/part" "$site/team-a/refdata" \
	"$site/team-a/rootonly" "$W/elsewhere/x"
echo "reference data" >"$site/team-a/refdata/hello"
chown -R nobody:"$nogroup" "$site/team-a/results" "$site/team-a/refdata"
chmod 755 "$W" "$W/lustre" "$site" "$site/team-a" "$site/team-a/refdata"
chmod 700 "$site/team-a/rootonly"
ln -s "$W/elsewhere/x" "$site/team-a/sneaky"
SC_RUNTIME=$W/apptainer il_start_sidecar sc "Tenants:
  team-a: {User: nobody, Group: $nogroup}
  team-b: {User: nobody, Group: $nogroup}
VolumeClaims:
  team-a/outside: \"$W/elsewhere/{claim}\"
  \"team-a/*\": \"$site/team-a/{claim}\"
VolumeClaimPrefixes: [\"$site\"]" || exit 1
chmod 755 "$SC_DATA" 2>/dev/null || true
il_start_gateway gw || exit 1
before=$(find "$W/lustre" "$W/elsewhere" | sort)

pod() { # NAME CLAIM [READONLY]
	cat <<-YAML
	apiVersion: v1
	kind: Pod
	metadata: {name: $1, namespace: ${NS:-team-a}}
	spec:
	  containers:
	    - {name: main, image: busybox, command: ["true"],
	       volumeMounts: [{name: v, mountPath: /v}]}
	  volumes:
	    - {name: v, persistentVolumeClaim: {claimName: $2, readOnly: ${3:-false}}}
	YAML
}
refused() { # DESC NAME CLAIM READONLY REGEX
	pod "$2" "$3" "$4" >"$W/$2.yaml"
	out=$(ilctl -n "${NS:-team-a}" create -f "$W/$2.yaml" 2>&1)
	check_match "$1" "$5" "$out"
}
NS=team-b refused "an unmapped claim is a 400 naming it" \
	nomap nothere false "400.*volume 'v': persistentVolumeClaim 'nothere' is not mapped to a folder"
refused "a mapped folder outside VolumeClaimPrefixes is a 403" \
	out outside false "403.*is not under the sidecar's VolumeClaimPrefixes"
refused "a folder reached through a symlink is a 403" \
	sneak sneaky false "403.*symlink"
refused "a folder the tenant cannot write is a 403" \
	root rootonly false "403.*not readable and writable by the pod's user"
refused "a missing folder is not created: 400" \
	miss missing false "400.*does not exist"
check_eq "no job was submitted for the refused pods" 0 \
	"$(squeue -h -o %k | grep -c 'interlink-pod=' || true)"

cat >"$W/claims.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: claims, namespace: team-a}
spec:
  restartPolicy: Never
  containers:
    - name: main
      image: busybox
      command:
        - /bin/sh
        - -c
        - |
          id -u
          echo written >/results/out.txt && echo rw-ok
          cat /ref/hello
          if (echo x >/ref/nope) 2>/tmp/e; then echo ro-WRITABLE; else echo "ro: $(sed 's/.*: //' /tmp/e)"; fi
          if (echo x >/ro-mount/nope2) 2>/tmp/e; then echo mount-ro-WRITABLE; else echo "mount-ro: $(sed 's/.*: //' /tmp/e)"; fi
          echo in-part >/part/y && echo sub-ok
          ls /part
      volumeMounts:
        - {name: results, mountPath: /results}
        - {name: ref, mountPath: /ref}
        - {name: results, mountPath: /ro-mount, readOnly: true}
        - {name: results, mountPath: /part, subPath: part}
  volumes:
    - {name: results, persistentVolumeClaim: {claimName: results}}
    - {name: ref, persistentVolumeClaim: {claimName: refdata, readOnly: true}}
YAML
check "a pod with mapped claims is accepted" ilctl -n team-a create -f "$W/claims.yaml"
done_ok() { ilctl -n team-a status claims -o json | grep -q '"terminated"'; }
check "and its pod ends" wait_for 120 done_ok
logs=$(ilctl -n team-a logs claims)
check_eq "the container ran as the tenant, wrote the claim, read the readOnly one, was refused writes to both read-only binds, wrote the subPath" \
	"$(printf '%s\n' "$nobody_uid" rw-ok "reference data" \
		"ro: Read-only file system" "mount-ro: Read-only file system" sub-ok y)" \
	"$logs"
check_eq "the file is in the site folder" written "$(cat "$site/team-a/results/out.txt" 2>/dev/null)"
check_eq "owned by the tenant (written by the job, not by root)" "$nobody_uid" \
	"$(stat -c %u "$site/team-a/results/out.txt" 2>/dev/null)"
check_eq "the subPath file is in the claim's subfolder" in-part \
	"$(cat "$site/team-a/results/part/y" 2>/dev/null)"
check "nothing landed in the readOnly claim" test ! -e "$site/team-a/refdata/nope"
check_match "the job binds the claims, read-only where asked" \
	"'--bind' '$site/team-a/refdata:/ref:ro'.*'--bind' '$site/team-a/results:/ro-mount:ro'" \
	"$(cat "$SC_DATA"/team-a-*/job.slurm)"
after=$(find "$W/lustre" "$W/elsewhere" | grep -v -e '/out.txt$' -e '/part/y$' | sort)
check_eq "the sidecar created nothing in the site's tree" "$before" "$after"
ilctl -n team-a delete claims >/dev/null 2>&1
t_done
