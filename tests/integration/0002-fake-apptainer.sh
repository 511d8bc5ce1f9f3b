#!/bin/bash
# 0002-fake-apptainer.sh - the container-runtime stand-in ($IL_RUNTIME)
# behaves as the tests rely on: option parsing, clean environment, env-file
# values byte for byte, exit codes, run vs exec, the argv log, and (when
# bubblewrap works here) real bind mounts with read-only enforcement.
# shellcheck disable=SC2016,SC1003 # single-quoted $... and \ are the point here
set -euo pipefail
: "${IL_RUNTIME:?run me through tests/run-tests.sh}" "${IL_TMP:?}"

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $* # SKIP bubblewrap does not work here"; }
diag() { printf '# %s\n' "$@"; }
# is DESC EXPECTED ACTUAL
is() {
	if [[ $2 == "$3" ]]; then ok "$1"; else
		notok "$1"
		diag "expected: $(printf %q "$2")" "actual:   $(printf %q "$3")"
	fi
}
# rc CMD...: print CMD's exit status (stdout and stderr discarded)
rc() {
	local r=0
	"$@" >/dev/null 2>&1 || r=$?
	echo "$r"
}

d=$(mktemp -d "$IL_TMP/0002.XXXXXX")
fa=$IL_RUNTIME
unset FAKE_APPTAINER_MODE FAKE_APPTAINER_LOG FAKE_APPTAINER_ENTRYPOINTS

# --- options, exit codes -------------------------------------------------
is "exec true exits 0, with every ignorable flag" 0 \
	"$(rc "$fa" exec --nv --no-eval --containall -C --cleanenv -e --writable-tmpfs --fakeroot \
		--no-home --no-init --no-privs --compat --nvccli --rocm --overlay x --home /root img true)"
is "exit status is passed through" 7 "$(rc "$fa" exec img sh -c 'exit 7')"
is "command not found exits 127" 127 "$(rc "$fa" exec img no-such-command-here)"
err=$("$fa" exec --no-such-flag img true 2>&1 >/dev/null) && r=0 || r=$?
is "unknown option exits 255" 255 "$r"
is "unknown option names the option on stderr" 1 "$([[ $err == *--no-such-flag* ]] && echo 1 || echo 0)"
is "missing bind source exits 255" 255 "$(rc "$fa" exec -B "$d/nonexistent:/x" img true)"
is "stdin is passed on" "from stdin" "$(printf 'from stdin' | "$fa" exec img cat)"

# --- clean environment, env file, --env --------------------------------
names=$(FOO=leak "$fa" exec --containall img env | cut -d= -f1 | sort | tr '\n' ' ')
is "clean environment: only HOME, PATH, PWD" "HOME PATH PWD " "$names"
is "PATH is the standard one" /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	"$("$fa" exec img printenv PATH)"

# The quoting the sidecar uses (like shellescape): '...' with ' as '"'"'.
q() { printf "'%s'" "${1//\'/\'\"\'\"\'}"; }
declare -A val=(
	[QUOTES]="it's \"quoted\" and 'single'"
	[BACKSLASH]='back\slash \\ \n \'
	[BACKTICK]='`id -u` and `'
	[DOLLAR]='$(echo pwned) $HOME ${PATH} $1 $$'
	[NEWLINES]=$'line1\nline2\n  line3'
	[TRAILING_NL]=$'ends with newlines\n\n'
	[EMPTY]=''
	[SPACES]='   '
	[JSON]='{"a": [1, 2], "b": "x y", "c": {"d": null}}'
	[TAB]=$'a\tb'
	[GLOB]='* ?'
	[SEMICOLON]='a; exit 1 && false'
	[UTF8]='héllo ✓'
	[EQUALS]='a=b=c'
)
envfile=$d/envfile.properties
for k in "${!val[@]}"; do printf '%s=%s\n' "$k" "$(q "${val[$k]}")"; done >"$envfile"
for k in $(printf '%s\n' "${!val[@]}" | sort); do
	printf '%s\n' "${val[$k]}" >"$d/want"
	"$fa" exec --env-file "$envfile" img printenv "$k" >"$d/got" 2>&1 || true
	if cmp -s "$d/want" "$d/got"; then ok "env file value $k arrives byte for byte"; else
		notok "env file value $k arrives byte for byte"
		diag "expected: $(printf %q "${val[$k]}")" "actual:   $(printf %q "$(cat "$d/got")")"
	fi
done
out=$("$fa" exec --env-file "$envfile" --env JSON=override --env=NEW='x y' img sh -c 'printf "%s|%s" "$JSON" "$NEW"')
is "--env overrides the env file and adds variables" "override|x y" "$out"
is "unreadable env file exits 255" 255 "$(rc "$fa" exec --env-file "$d/missing" img true)"

# --- run / exec, entrypoints, --pwd, log --------------------------------
printf 'docker://ep:1\tprintf "[%%s]" ep\n' >"$d/entrypoints"
export FAKE_APPTAINER_ENTRYPOINTS=$d/entrypoints
is "run IMAGE runs the entrypoint" "[ep]" "$("$fa" run docker://ep:1)"
is "run IMAGE ARGS appends ARGS to the entrypoint" "[ep][x][y z]" "$("$fa" run ep:1 x 'y z')"
err=$("$fa" run docker://none 2>&1) && r=0 || r=$?
is "run without entrypoint or args exits 255" 255 "$r"
is "run without entrypoint or args says so" "FATAL: image docker://none has no runscript" "$err"
is "run without entrypoint runs ARGS" "a b" "$("$fa" run docker://none echo a b)"
is "exec ignores the entrypoint" "plain" "$("$fa" exec docker://ep:1 echo plain)"
unset FAKE_APPTAINER_ENTRYPOINTS
is "--pwd sets the working directory" "$d" "$("$fa" exec --pwd "$d" img pwd)"

export FAKE_APPTAINER_LOG=$d/log
"$fa" exec --env X='a b' -B "$d:/data:ro" img echo "it's" >/dev/null
unset FAKE_APPTAINER_LOG
printf -v want ' %q' "$fa" exec --env 'X=a b' -B "$d:/data:ro" img echo "it's"
is "FAKE_APPTAINER_LOG gets the %q-quoted argv" "${want# }" "$(cat "$d/log")"

# --- bwrap mode ---------------------------------------------------------
export FAKE_APPTAINER_MODE=bwrap
mkdir -p "$d/ro" "$d/rw"
echo input >"$d/ro/in.txt"
bw_ok=''
command -v bwrap >/dev/null && bwrap --ro-bind / / --dev /dev --proc /proc true 2>/dev/null && bw_ok=1
bw() { if [[ -n $bw_ok ]]; then is "$@"; else skip "bwrap: $1"; fi; }
bw "ro bind is readable at a path missing on the host" input \
	"$("$fa" exec -B "$d/ro:/data:ro" img cat /data/in.txt 2>&1)"
bw "ro bind refuses writes" "refused" \
	"$("$fa" exec -B "$d/ro:/data:ro" img sh -c '{ echo x >/data/new; } 2>/dev/null && echo written || echo refused')"
is "nothing was written through the ro bind" 0 "$([[ -e $d/ro/new ]] && echo 1 || echo 0)"
bw "rw bind is writable and the host sees it" "hello" \
	"$("$fa" exec --bind "$d/rw:/out" img sh -c 'echo hello >/out/f' 2>&1; cat "$d/rw/f" 2>&1)"
bw "bind below /var/run/secrets (symlink, absent on the host)" input \
	"$("$fa" exec -B "$d/ro/in.txt:/var/run/secrets/kubernetes.io/serviceaccount/token:ro" img \
		cat /var/run/secrets/kubernetes.io/serviceaccount/token 2>&1)"
bw "root fs is read-only" "refused" \
	"$("$fa" exec -B "$d/ro:/data:ro" img sh -c 'touch /fake-apptainer-probe 2>/dev/null && echo written || echo refused')"
bw "/tmp is private" "absent" \
	"$("$fa" exec img sh -c "test -e '$d' && echo present || echo absent")"
bw "--pwd inside the container" "/data" "$("$fa" exec -B "$d/ro:/data" --pwd /data img pwd 2>&1)"
bw "env file values survive in bwrap mode" "${val[DOLLAR]}|${val[QUOTES]}" \
	"$("$fa" exec --env-file "$envfile" img sh -c 'printf "%s|%s" "$DOLLAR" "$QUOTES"' 2>&1)"
bw "bwrap: exit status passed through" 7 "$(rc "$fa" exec img sh -c 'exit 7')"
bw "bwrap: command not found exits 127" 127 "$(rc "$fa" exec img no-such-command-here)"
bw "bwrap: clean environment" "HOME PATH PWD " \
	"$(FOO=leak "$fa" exec img env | cut -d= -f1 | sort | tr '\n' ' ')"
is "host / untouched by bwrap mode" 0 "$([[ -e /data || -e /out || -e /fake-apptainer-probe ]] && echo 1 || echo 0)"

echo "1..$n"
