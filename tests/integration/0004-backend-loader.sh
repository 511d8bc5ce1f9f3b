#!/bin/bash
# A backend built against <interlink/plugin.h> as a shared object: loaded
# by path, its missing ops answered 501, and unsafe or foreign files
# refused at start with a clear reason.
. "$(dirname "$0")/../lib.sh"

so=$W/demo.so
gcc -std=c99 -shared -fPIC -fvisibility=hidden -Wl,--no-undefined \
	-I"$IL_SRC/proto" -o "$so" "$IL_SRC/tests/abi/header_check.c" || exit 1
chmod 0755 "$so"

il_start_sidecar sc "Backend: \"$so\"" || exit 1
check_match "the sidecar loads the backend by path" \
	"loaded backend backend/demo \\(ABI 1\\.[0-9]+\\)" "$(cat "$SC_DIR/sidecar.log")"
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SC_SOCK" -d '[]' http://unix/status)
check_eq "a backend without ping still answers the ping" 200 "$code"
body='{"pod":{"metadata":{"name":"p","namespace":"default","uid":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"},"spec":{"containers":[{"name":"c","image":"i","command":["true"]}]}},"container":[{"name":"c"}]}'
out=$(curl -s -w ' %{http_code}' --unix-socket "$SC_SOCK" -d "$body" http://unix/create)
check_match "a backend without submit answers create with 501" "not supported.* 501$" "$out"
check_eq "and leaves no pod folder" "" "$(ls -A "$SC_DATA")"

start_fails() { # NAME BACKEND -> the sidecar's error output
	local d=$W/$1
	mkdir -p "$d"
	printf 'SidecarPort: ""\nSocket: "unix://%s/s.sock"\nDataRootFolder: "%s/pods"\nStateDirectory: "%s/state"\nBackend: "%s"\n' \
		"$d" "$d" "$d" "$2" >"$d/c.yaml"
	timeout 10 "$IL_BUILD/sidecar-slurm" -c "$d/c.yaml" 2>&1
	echo "exit=$?"
}
cp "$so" "$W/writable.so" && chmod 0777 "$W/writable.so"
check_match "a backend others can write is refused" \
	"writable by no one else.*exit=1" "$(start_fails w "$W/writable.so")"
printf 'int x;\n' >"$W/none.c" && gcc -shared -fPIC -o "$W/none.so" "$W/none.c" && chmod 0755 "$W/none.so"
check_match "a shared object without the entry point is refused" \
	"has no ilk_plugin_entry_v1.*exit=1" "$(start_fails n "$W/none.so")"
check_match "a relative path is refused" "absolute path.*exit=1" \
	"$(start_fails r demo.so)"
t_done
