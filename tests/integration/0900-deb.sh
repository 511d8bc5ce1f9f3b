#!/bin/bash
# The Debian packages on fresh Debian roots: Debian 12 (`make deb`, in
# BUILD/deb) and Debian 13 (`make deb SUITE=trixie`, BUILD/deb-trixie):
# apt installs them with their dependencies from Debian's mirror; the
# interlink user, the state, data and socket folders and the conffiles are
# there; interlink-certs (installed) makes the certificates; the daemons
# start from the shipped configurations (only ports, paths of this test and
# AllowRootJobs changed), the gateway as the interlink user; ilctl runs the
# shipped example pod through them on the test cluster; purge removes the
# packages and their conffiles. On Debian 13 everything but the pod: its
# Slurm 24.11 client cannot talk to the test cluster's 22.05 slurmctld.
# Skipped when no packages were built: `make deb-check` builds them and
# runs this test.
. "$(dirname "$0")/../lib.sh"
shopt -s nullglob
T=$(dirname -- "$IL_TMP") # run-tests' temp dir: the cluster, the work dirs
ran=0
run_suite() { # SUITE DEBDIR
	local suite=$1 debs=$2
	base=$("$IL_SRC/tests/pkgroot.sh" "$suite") || { t_fail "a Debian $suite root"; return 1; }
	R=$W/$suite/root
	mkdir -p "$R" "$W/$suite/upper" "$W/$suite/work" "$W/pods"
	mount -t overlay overlay -o "lowerdir=$base,upperdir=$W/$suite/upper,workdir=$W/$suite/work" "$R" || return 1
	mount -t proc proc "$R/proc"
	mount --bind /dev "$R/dev"
	mkdir -p "$R$T" "$R$IL_SRC" "$R/tmp/debs"
	mount --bind "$T" "$R$T"
	mount --bind "$IL_SRC" "$R$IL_SRC"
	mount -o remount,bind,ro "$R$IL_SRC"
	cp /etc/resolv.conf "$R/etc/resolv.conf"
	cp "${pk[@]}" "$R/tmp/debs/"
	inpk=()
	for p in "${pk[@]}"; do inpk+=("/tmp/debs/${p##*/}"); done
	printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
	chmod 755 "$R/usr/sbin/policy-rc.d"
	inroot() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
		DEBIAN_FRONTEND=noninteractive SLURM_CONF="$SLURM_CONF" "$@"; }
	apt=(apt-get -q -y -o Dpkg::Use-Pty=0)

	if inroot "${apt[@]}" update >"$W/$suite.apt.log" 2>&1 &&
		inroot "${apt[@]}" install "${inpk[@]}" >>"$W/$suite.apt.log" 2>&1; then
		t_ok "apt-get install of the four packages on a fresh Debian $suite root"
	else
		t_fail "apt-get install of the four packages on a fresh Debian $suite root"
		tail -n 30 "$W/$suite.apt.log" | sed 's/^/# /'
		return 1
	fi
	check "the interlink system user exists" inroot getent passwd interlink
	check_match "... with no login shell" 'nologin$' "$(inroot getent passwd interlink)"
	for d in /var/lib/interlink/pods /run/interlink /etc/interlink/tls; do
		check "folder $d exists (tmpfiles / package)" test -d "$R$d"
	done
	for f in /etc/interlink/SlurmConfig.yaml /etc/interlink/InterLinkConfig.yaml /etc/default/sidecar-slurm /etc/default/interlink-api; do
		check "conffile $f" grep -qx "$f" "$R/var/lib/dpkg/info/interlink-sidecar-slurm.conffiles" "$R/var/lib/dpkg/info/interlink-api.conffiles"
	done
	for f in /usr/share/man/man8/sidecar-slurm.8.gz /usr/share/man/man1/interlink-certs.1.gz \
		/usr/share/man/man3/interlink-plugin.3.gz /usr/share/doc/interlink-api/examples/InterLinkConfig.yaml \
		/usr/lib/systemd/system/sidecar-slurm.service /usr/include/interlink/plugin.h; do
		check "installed: $f" test -f "$R$f"
	done

	# certificates with the installed tool
	tls=/etc/interlink/tls
	if inroot interlink-certs -d $tls ca >"$W/$suite.certs.log" 2>&1 &&
		inroot interlink-certs -d $tls sidecar --san sidecar,localhost,127.0.0.1 >>"$W/$suite.certs.log" 2>&1 &&
		inroot interlink-certs -d $tls gateway --san localhost,127.0.0.1 >>"$W/$suite.certs.log" 2>&1 &&
		inroot interlink-certs -d $tls vk vk >>"$W/$suite.certs.log" 2>&1; then
		t_ok "interlink-certs makes the CA, sidecar, gateway and vk certificates"
	else
		t_fail "interlink-certs makes the CA, sidecar, gateway and vk certificates"
		sed 's/^/# /' "$W/$suite.certs.log"
	fi
	inroot chown root:interlink $tls/gateway.key
	inroot chmod 640 $tls/gateway.key
	check "interlink-certs check passes" inroot interlink-certs -d $tls check

	# the shipped configurations, with this test's ports and paths
	sc=$R/etc/interlink/SlurmConfig.yaml gw=$R/etc/interlink/InterLinkConfig.yaml
	sed -i "s|^SidecarAddress:.*|SidecarAddress: \"127.0.0.1\"|; s|^SidecarPort:.*|SidecarPort: \"0\"|;
		s|^DataRootFolder:.*|DataRootFolder: \"$W/pods\"|;
		s|^SingularityPath:.*|SingularityPath: \"$IL_RUNTIME\"|" "$sc"
	printf 'AllowRootJobs: true\nStatusPollIntervalMs: 300\n' >>"$sc"
	out=$(inroot sidecar-slurm -t 2>&1)
	check_match "sidecar-slurm -t accepts the shipped configuration" 'configuration OK' "$out"
	chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin SLURM_CONF="$SLURM_CONF" \
		/usr/sbin/sidecar-slurm >"$W/$suite.sidecar.log" 2>&1 &
	IL_PIDS+=("$!")
	check "the sidecar starts from /etc/interlink/SlurmConfig.yaml" wait_for 20 grep -q 'listening on unix:///run/interlink/sidecar.sock' "$W/$suite.sidecar.log"
	port=$(logged_port "$W/$suite.sidecar.log")
	sed -i "s|^InterlinkAddress:.*|InterlinkAddress: \"https://127.0.0.1\"|; s|^InterlinkPort:.*|InterlinkPort: \"0\"|;
		s|^SidecarURL:.*|SidecarURL: \"https://127.0.0.1\"|; s|^SidecarPort:.*|SidecarPort: \"$port\"|" "$gw"
	out=$(chroot --userspec=interlink:interlink "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin interlink-api -t 2>&1)
	check_match "interlink-api -t accepts the shipped configuration, as interlink" 'configuration OK' "$out"
	chroot --userspec=interlink:interlink "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin \
		/usr/sbin/interlink-api >"$W/$suite.gateway.log" 2>&1 &
	IL_PIDS+=("$!")
	check "the gateway starts as the interlink user" wait_for 20 grep -q 'listening on https://' "$W/$suite.gateway.log"
	gport=$(logged_port "$W/$suite.gateway.log")
	ic() { inroot ilctl --url "https://127.0.0.1:$gport" --cacert $tls/ca.crt --cert $tls/vk.crt \
		--key $tls/vk.key --state-dir /tmp/ilctl "$@"; }
	if [[ $suite == bookworm ]]; then
		check "ilctl ping through the gateway to the sidecar" ic ping
		check "ilctl create -f the shipped example pod" ic create -f /usr/share/doc/ilctl/examples/hello.yaml
		check "the pod ends" ic wait hello --timeout 120
		out=$(ic logs hello 2>&1)
		check_match "its log is the example's greeting" 'Hello from pod hello, it.s "quoted" & \$\(not expanded\)' "$out"
		check_match "its status is terminated, exit 0" 'terminated +0' "$(ic status hello 2>&1)"
		check "ilctl delete" ic delete hello
	else
		check "ilctl ping reaches the gateway (the sidecar's Slurm is newer than the cluster's)" \
			bash -c 'c=$(curl -s -o /dev/null -w "%{http_code}" --cacert "$1/ca.crt" --cert "$1/vk.crt" --key "$1/vk.key" -X POST "https://127.0.0.1:$2/pinglink"); [ "$c" != 000 ]' _ "$R$tls" "$gport"
	fi
	kill "${IL_PIDS[@]}" 2>/dev/null
	wait "${IL_PIDS[@]}" 2>/dev/null
	IL_PIDS=()
	if inroot "${apt[@]}" purge interlink-sidecar-slurm interlink-api ilctl libinterlink-dev >"$W/$suite.purge.log" 2>&1; then
		t_ok "apt-get purge of the four packages"
	else
		t_fail "apt-get purge of the four packages"
		tail -n 20 "$W/$suite.purge.log" | sed 's/^/# /'
	fi
	left=$(inroot dpkg-query -W -f '${Package} ${db:Status-Abbrev}\n' interlink-sidecar-slurm interlink-api ilctl libinterlink-dev 2>/dev/null | grep -v ' un *$' || true)
	check_eq "no package is left" "" "$left"
	check "the conffiles are gone" test ! -e "$R/etc/interlink/SlurmConfig.yaml" -a ! -e "$R/etc/interlink/InterLinkConfig.yaml" -a ! -e "$R/etc/default/sidecar-slurm"
	check "the binaries are gone" test ! -e "$R/usr/sbin/sidecar-slurm" -a ! -e "$R/usr/bin/ilctl"
	umount -l "$R/proc" "$R/dev" "$R$T" "$R$IL_SRC" "$R" 2>/dev/null || true
}

for s in bookworm:deb trixie:deb-trixie; do
	suite=${s%%:*} dir=$(dirname -- "$IL_BUILD")/${s#*:}
	pk=("$dir"/interlink-sidecar-slurm_*.deb "$dir"/interlink-api_*.deb "$dir"/ilctl_*.deb "$dir"/libinterlink-dev_*.deb)
	((${#pk[@]} == 4)) || { t_diag "no packages for $suite in $dir"; continue; }
	ran=$((ran + 1))
	t_diag "---- Debian $suite"
	run_suite "$suite" "$dir" || t_fail "Debian $suite: stopped early"
done
if ((ran == 0)); then
	echo "ok 1 - Debian packages # SKIP none built (make deb-check)"
	echo "1..1"
	exit 0
fi
t_done
