#!/bin/bash
# The public header <interlink/plugin.h> stands alone: C99 -pedantic, C11,
# and C++; a backend built against it exports only its entry point.
set -u
src=${IL_SRC:?}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=0 bad=0
t() { n=$((n + 1)); if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; bad=1; fi; }

t "the header compiles alone as C99 -pedantic" \
	gcc -std=c99 -pedantic -Wall -Wextra -Werror -I"$src/proto" \
	-o "$out/c99" "$src/tests/abi/header_check.c"
t "and as C11" gcc -std=c11 -pedantic -Wall -Werror -I"$src/proto" \
	-o "$out/c11" "$src/tests/abi/header_check.c"
if command -v g++ >/dev/null; then
	t "and as C++" g++ -x c++ -std=c++11 -Wall -Werror -I"$src/proto" \
		-o "$out/cxx" "$src/tests/abi/header_check.c"
else
	n=$((n + 1)); echo "ok $n - and as C++ # SKIP no g++"
fi
t "a program using it runs" "$out/c99"
t "a backend .so built with hidden visibility exports only its entry point" \
	bash -c 'gcc -std=c99 -shared -fPIC -fvisibility=hidden -Wl,--no-undefined \
		-I"$1/proto" -o "$2/demo.so" "$1/tests/abi/header_check.c" &&
		[ "$(nm -D --defined-only "$2/demo.so" | awk "\$2 == \"T\" {print \$3}")" = ilk_plugin_entry_v1 ]' \
	_ "$src" "$out"
echo "1..$n"
exit "$bad"
