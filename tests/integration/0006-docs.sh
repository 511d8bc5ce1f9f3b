#!/bin/bash
# The manual pages render without a warning (mandoc -T lint, groff -ww);
# the configuration pages list every key of the daemons' tables, and so
# does the README; `make install` puts the programs, man pages, units,
# sysusers/tmpfiles files, pkg-config file and docs where the units and
# the pages say they are.
. "$(dirname "$0")/../lib.sh"
src=$IL_SRC
b=$(dirname -- "$IL_BUILD")

pages=("$src"/man/*.[138] "$b"/man/*.5)
check_eq "seven manual pages (five written, two generated)" 7 "${#pages[@]}"
for p in "${pages[@]}"; do
	out=$(mandoc -T lint -W warning "$p" 2>&1)
	check_eq "mandoc -T lint: ${p##*/} has no warning" "" "$out"
	out=$(groff -ww -z -mandoc "$p" 2>&1)
	check_eq "groff -ww: ${p##*/} has no warning" "" "$out"
done

# Every key of the tables is in the generated page and in the README.
for d in gateway:InterLinkConfig sidecar:SlurmConfig; do
	gen=$IL_BUILD/tests/confdoc-${d%%:*}
	page=$b/man/${d#*:}.yaml.5
	missing='' missing_readme=''
	while read -r k; do
		leaf=${k##*.}
		grep -Eq "^\.(It )?Ic $leaf( |$)" "$page" || missing+=" $k"
		grep -qF "\`$k\`" "$src/README.md" || grep -qF "$leaf" "$src/README.md" ||
			missing_readme+=" $k"
	done < <("$gen" keys)
	check_eq "${d#*:}.yaml(5) documents every key of the table" "" "$missing"
	check_eq "the README names every key of ${d#*:}.yaml" "" "$missing_readme"
done

# make install into a scratch root
root=$W/root
if make -s -C "$src" B="$b" DESTDIR="$root" PREFIX=/usr install >"$W/install.log" 2>&1; then
	t_ok "make install DESTDIR=... PREFIX=/usr"
else
	t_fail "make install DESTDIR=... PREFIX=/usr"
	sed 's/^/# /' "$W/install.log" | tail -n 20
fi
for f in usr/sbin/sidecar-slurm usr/sbin/interlink-api usr/bin/ilctl usr/bin/interlink-certs \
	usr/include/interlink/plugin.h usr/share/pkgconfig/interlink-plugin.pc \
	usr/lib/systemd/system/interlink-api.service usr/lib/systemd/system/sidecar-slurm.service \
	usr/lib/sysusers.d/interlink.conf usr/lib/tmpfiles.d/interlink.conf \
	usr/share/doc/interlink/README.md usr/share/doc/interlink/examples/SlurmConfig.yaml \
	usr/share/man/man8/interlink-api.8 usr/share/man/man8/sidecar-slurm.8 \
	usr/share/man/man1/ilctl.1 usr/share/man/man1/interlink-certs.1 \
	usr/share/man/man5/InterLinkConfig.yaml.5 usr/share/man/man5/SlurmConfig.yaml.5 \
	usr/share/man/man3/interlink-plugin.3 usr/share/bash-completion/completions/ilctl; do
	check "installed: /$f" test -s "$root/$f"
done
# Each unit's Documentation= and ExecStart= name installed files.
for u in "$root"/usr/lib/systemd/system/*.service; do
	bad=''
	for d in $(sed -n 's/^Documentation=//p' "$u"); do
		case $d in
		man:*) n=${d#man:}; s=${n##*(}; s=${s%)}; n=${n%(*}
			[[ -f $root/usr/share/man/man$s/$n.$s ]] || bad+=" $d" ;;
		file://*) [[ -f $root${d#file://} ]] || bad+=" $d" ;;
		*) bad+=" $d" ;;
		esac
	done
	check_eq "${u##*/}: every Documentation= is installed" "" "$bad"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
	check "${u##*/}: ExecStart= $exe is installed" test -x "$root$exe"
done
out=$(PKG_CONFIG_PATH=$root/usr/share/pkgconfig pkg-config --modversion interlink-plugin 2>&1)
check_match "pkg-config knows interlink-plugin" '^[0-9]+\.[0-9]+\.[0-9]+$' "$out"
out=$(PKG_CONFIG_PATH=$root/usr/share/pkgconfig pkg-config --variable=includedir interlink-plugin 2>&1)
check_eq "its includedir holds interlink/plugin.h" /usr/include "$out"
t_done
