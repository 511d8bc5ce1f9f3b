#!/bin/bash
# `make demo` works: its script, run as the README's quick start runs it,
# shows the pod's logs and its successful end, and leaves nothing behind.
set -u
out=$(bash "$IL_SRC/examples/demo.sh" "$IL_BUILD" 2>&1)
rc=$?
n=0
t() { n=$((n + 1)); if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
has() { grep -q -- "$1" <<<"$out"; }
t "the demo exits 0" [ "$rc" -eq 0 ]
t "it shows the pod's log" has "Hello from pod hello"
t "and its successful end" has "pod hello: terminated, exit code 0"
t "and tears down" has "demo complete"
if [ "$rc" -ne 0 ]; then tail -n 40 <<<"$out" | sed 's/^/# /'; fi
left=$(ls -d /tmp/interlink-demo.* 2>/dev/null | wc -l)
t "no demo directory is left" [ "$left" -eq 0 ]
echo "1..$n"
