# The Http provider against real third-party servers on loopback: npm
# json-server@0.17.4 (CRUD on /posts), Debian's python3-httpbin (status
# codes, Retry-After, delays, redirects, basic auth, echoed headers and
# bodies) and openssl s_server with a self-signed certificate (TLS
# verification). The checks are C calls of the provider in
# tests/unit/test_provider_http.c; this script starts the servers, hands it
# their URLs, checks from the outside what the calls did, and stops them.
# A server that cannot be installed here is a skip line with the reason;
# one that is installed and does not start is a failure.
. "$(dirname "$0")/lib.sh"

driver=${IS_UNIT:-$TOP/build/unit}/test_provider_http
servers=$TOP/tests/servers
mkdir srv
trap '"$servers/stop" "$T/srv"; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Loopback only: a proxy from the environment must not see these requests.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY='*' no_proxy='*'

[ -x "$driver" ] || { fail "http: $driver is not built (make)"; exit 0; }

# start NAME VAR: runs tests/servers/start-NAME and sets VAR to its URL.
start() {
	set +e
	url=$("$servers/start-$1" "$T/srv" $$ 2>"$T/srv/$1.err")
	rc=$?
	set -e
	case $rc in
	0) eval "$2=\$url" ;;
	3) ok "http: $1 tests skipped ($(tail -n 1 "$T/srv/$1.err"))" ;;
	*) fail "http: $1 starts" "$(tail -n 20 "$T/srv/$1.err")" ;;
	esac
}
js= hb= tls=
start json-server js
start httpbin hb
start tls tls

run_rc rc env IS_TEST_JSON_SERVER="$js" IS_TEST_HTTPBIN="$hb" IS_TEST_TLS="$tls" \
	"$driver" >driver.out 2>driver.err
grep -v '^#' driver.out
if [ "$rc" = 0 ]; then
	ok "http: the provider checks pass"
else
	fail "http: the provider checks pass" "exit $rc" "$(tail -n 5 driver.err)"
fi

if [ -n "$js" ]; then
	id=$(sed -n 's/^# json-server id //p' driver.out)
	# Its request log, without the colours.
	log=$T/json-server.log
	sed "s/$(printf '\033')\[[0-9;]*m//g" "$T/srv/json-server.log" >"$log"
	check "json-server: the resource was really POSTed" grep -q "POST /posts 201" "$log"
	check "json-server: ... PUT" grep -q "PUT /posts/$id 200" "$log"
	check "json-server: ... and DELETEd" grep -q "DELETE /posts/$id 200" "$log"
	code=$(curl -s -o /dev/null -w '%{http_code}' "$js/posts/$id")
	check "json-server: curl finds it gone afterwards ($code)" test "$code" = 404
	curl -s "$js/posts" >posts.json
	jq_check "json-server: no post is left behind" posts.json '.[0] == []'
fi
if [ -n "$hb" ]; then
	check "httpbin: the requests reached it" grep -q '"GET /status/503 HTTP/1.1" 503' \
		"$T/srv/httpbin.log"
fi
