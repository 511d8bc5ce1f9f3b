#!/bin/bash
# The sidecar refuses clients without a certificate from its CA; malformed
# bodies get 400 and both daemons stay up.
. "$(dirname "$0")/../lib.sh"

il_start_sidecar sc || exit 1
il_start_gateway gw || exit 1

url=https://localhost:$SC_PORT/status
check "a client with the gateway's certificate gets 200" \
	[ "$(sc_curl /status -o /dev/null -w '%{http_code}' -d '[]')" = 200 ]
check_fails "a client without a certificate is refused" \
	curl -sS -o /dev/null --cacert "$IL_PKI/ca.crt" -d '[]' "$url"
check_fails "a client certificate from another CA is refused" \
	curl -sS -o /dev/null --cacert "$IL_PKI/ca.crt" -d '[]' \
	--cert "$IL_PKI/rogue.crt" --key "$IL_PKI/rogue.key" "$url"
check_fails "a certificate without clientAuth is refused" \
	curl -sS -o /dev/null --cacert "$IL_PKI/ca.crt" -d '[]' \
	--cert "$IL_PKI/wrongeku.crt" --key "$IL_PKI/wrongeku.key" "$url"
check_fails "plain http to the TLS port gets no answer" \
	curl -sS -o /dev/null -d '[]' "http://127.0.0.1:$SC_PORT/status"

code() { # METHOD URL BODY [curl args]
	local m=$1 u=$2 b=$3; shift 3
	curl -s -o /dev/null -w '%{http_code}' -X "$m" --data-binary "$b" "$@" "$u"
}
bodies=('{"pod":' '[1,2' 'null' '"str"' '{"pod":{"metadata":{"uid":7}}}' \
	'{"pod":{"metadata":{"name":"x","namespace":"default","uid":"../../etc"},"spec":{"containers":[{"name":"a","image":"i"}]}}}' \
	"$(printf '[%.0s' $(seq 1 5000))")
for path in /create /status /delete /getLogs; do
	for b in "${bodies[@]}"; do
		c=$(code GET "$GW_URL$path" "$b")
		if [ "$path" = /status ] && [ "$b" = null ]; then continue; fi
		if [[ $c != 4* ]]; then
			t_fail "gateway $path answers 4xx to a bad body (got $c for ${b:0:40})"
			continue 2
		fi
	done
	t_ok "gateway $path answers 4xx to malformed bodies"
	for b in "${bodies[@]}"; do
		c=$(code POST "http://unix$path" "$b" --unix-socket "$SC_SOCK")
		if [ "$path" = /status ] && [ "$b" = null ]; then continue; fi
		if [[ $c != 4* ]]; then
			t_fail "sidecar $path answers 4xx to a bad body (got $c for ${b:0:40})"
			continue 2
		fi
	done
	t_ok "sidecar $path answers 4xx to malformed bodies"
done
check "an oversized body gets 413" [ "$(head -c 17000000 /dev/zero |
	tr '\0' ' ' | curl -s -o /dev/null -w '%{http_code}' --data-binary @- \
	"$GW_URL/create")" = 413 ]
check "unknown path gets 404" [ "$(code GET "$GW_URL/nope" '')" = 404 ]
check "the sidecar is still up" kill -0 "$SC_PID"
check "the gateway is still up" kill -0 "$GW_PID"
check "and still answers" ilctl ping

t_done
