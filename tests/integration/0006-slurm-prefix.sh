#!/bin/bash
# Building against a site's own Slurm and munge: `make SLURM_PREFIX=DIR
# MUNGE_PREFIX=DIR` with DIR made by copying this machine's packaged headers
# and libraries there, `pkg-config slurm` through a slurm.pc, and the
# caller's CFLAGS/CPPFLAGS/LDFLAGS added to the Makefile's own.
. "${IL_SRC:?}/tests/lib.sh"
trap il_cleanup EXIT
src=$IL_SRC

# copy_lib NAME DESTDIR: lib NAME's real file under its soname, plus the
# libNAME.so link a linker looks for.
copy_lib() {
	local so real soname
	so=$(gcc -print-file-name="lib$1.so")
	real=$(readlink -f -- "$so") || return 1
	soname=$(readelf -d -- "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[[ -n $soname ]] || return 1
	mkdir -p -- "$2" &&
		cp -- "$real" "$2/$soname" &&
		ln -sf -- "$soname" "$2/lib$1.so"
}

P=$W/site # the "site's" prefix: include/, lib/
mkdir -p "$P/include"
check "a prefix with Slurm's and munge's headers and libraries" \
	bash -c 'cp -r /usr/include/slurm "$1/include/" && cp /usr/include/munge.h "$1/include/"' _ "$P"
check "  (libslurm and libmunge copied under their sonames)" \
	bash -c "$(declare -f copy_lib); copy_lib slurm '$P/lib' && copy_lib munge '$P/lib'"

B1=$W/b1
if make -s -C "$src" -j2 B="$B1" SLURM_PREFIX="$P" MUNGE_PREFIX="$P" \
	"$B1/bin/sidecar-slurm" >"$W/make1.log" 2>&1; then
	t_ok "make SLURM_PREFIX=DIR MUNGE_PREFIX=DIR builds sidecar-slurm"
else
	t_fail "make SLURM_PREFIX=DIR MUNGE_PREFIX=DIR builds sidecar-slurm"
	tail -n 30 "$W/make1.log" | sed 's/^/# /'
fi
d=$B1/obj/sidecar-slurm/slurm_api.d
check "slurm_api.c was compiled with DIR's <slurm/slurm.h>" grep -qF "$P/include/slurm/slurm.h" "$d"
check_fails "and not with /usr/include/slurm" grep -qF "/usr/include/slurm/" "$d"
check "munge_check.c with DIR's <munge.h>" grep -qF "$P/include/munge.h" "$B1/obj/sidecar-slurm/munge_check.d"
runpath=$(readelf -d "$B1/bin/sidecar-slurm" 2>/dev/null | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
check_eq "the binary's rpath is DIR/lib" "$P/lib" "$runpath"
libs=$(ldd "$B1/bin/sidecar-slurm" 2>&1)
check_match "the loader takes libslurm from DIR/lib" "libslurm\.so\.[0-9]+ => $P/lib/libslurm" "$libs"
check_match "and libmunge from DIR/lib" "libmunge\.so\.[0-9]+ => $P/lib/libmunge" "$libs"
check "the binary runs (-V)" "$B1/bin/sidecar-slurm" -V

# Slurm's own `make install` writes PREFIX/lib/pkgconfig/slurm.pc.
mkdir -p "$P/lib/pkgconfig"
cat >"$P/lib/pkgconfig/slurm.pc" <<EOF
libdir=$P/lib
includedir=$P/include

Name: slurm
Description: Slurm Workload Manager
Version: 0
Cflags: -I\${includedir}
Libs: -L\${libdir} -lslurm
EOF
B2=$W/b2
if PKG_CONFIG_PATH=$P/lib/pkgconfig make -s -C "$src" -j2 B="$B2" \
	"$B2/bin/tests/slurm_backend_check" >"$W/make2.log" 2>&1; then
	t_ok "with a slurm.pc on PKG_CONFIG_PATH, make builds a libslurm program"
else
	t_fail "with a slurm.pc on PKG_CONFIG_PATH, make builds a libslurm program"
	tail -n 30 "$W/make2.log" | sed 's/^/# /'
fi
check "  its slurm_api.c used the slurm.pc's headers" grep -qF "$P/include/slurm/slurm.h" "$B2/obj/sidecar-slurm/slurm_api.d"
runpath=$(readelf -d "$B2/bin/tests/slurm_backend_check" 2>/dev/null | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
check_eq "  and it has an rpath to the slurm.pc's libdir" "$P/lib" "$runpath"

# The caller's flags come after the Makefile's (and do not replace them).
cmd=$(make -s -n -C "$src" B="$W/b3" CFLAGS='-O0 -DIL_USER_CFLAG' CPPFLAGS=-DIL_USER_CPPFLAG \
	LDFLAGS=-Wl,--as-needed "$W/b3/obj/common/log.o" "$W/b3/bin/ilctl" 2>&1)
cc_line=$(grep -e '-c -o .*log\.o' <<<"$cmd")
check_match "CPPFLAGS= adds to the Makefile's include paths" '-Icommon .*-DIL_USER_CPPFLAG' "$cc_line"
check_match "CFLAGS= adds to -O2 -Wall -Werror, after them (so -O0 wins)" '-O2 .*-Werror.*-O0 -DIL_USER_CFLAG' "$cc_line"
check_match "LDFLAGS= reaches the link" '-Wl,--as-needed .*-o .*/ilctl' "$(grep -e '-o .*/bin/ilctl' <<<"$cmd")"

t_done
