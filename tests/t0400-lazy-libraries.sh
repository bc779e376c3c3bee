# libpq and libcurl are opened only when used (lib/libpq_lazy.c,
# lib/libcurl_lazy.c): a SQLite ledger never loads libpq and a run without
# Http resources never loads libcurl, so the commands start in about 2 ms
# rather than the 5 to 7 ms their libraries cost.
. "$(dirname "$0")/lib.sh"

loads() { lib=$1; shift; LD_DEBUG=libs "$@" 2>&1 >/dev/null | grep -q "calling init: .*$lib\.so"; }
loads_libpq() { loads libpq "$@"; }

readelf -d "$IS_BIN/is-ledger" | grep -q 'NEEDED.*libpq' &&
	fail "is-ledger does not link libpq" || ok "is-ledger does not link libpq"
loads_libpq is-ledger --db "$T/l.db" state &&
	fail "a SQLite ledger does not load libpq" || ok "a SQLite ledger does not load libpq"
loads_libpq is-ledger --db "postgresql:///x?host=$T/nosocket" state &&
	ok "a PostgreSQL URL loads libpq" || fail "a PostgreSQL URL loads libpq"
expect_rc "a server that is not there: exit 1" 1 \
	is-ledger --db "postgresql:///x?host=$T/nosocket" state
grep -q "nosocket" "$T/.err" && ok "the error names the socket it tried" ||
	fail "the error names the socket it tried" "$(cat "$T/.err")"

for c in is-exec is-stream; do
	readelf -d "$IS_BIN/$c" | grep -q 'NEEDED.*libcurl' &&
		fail "$c does not link libcurl" || ok "$c does not link libcurl"
done
echo '{"type":"resource","v":1,"id":"Noop/a","kind":"Noop","name":"a","spec":{},"deps":[],"refs":[]}' >noop.ndjson
loads libcurl is-exec noop.ndjson &&
	fail "a run of Noop resources does not load libcurl" ||
	ok "a run of Noop resources does not load libcurl"
# An Http resource against a closed port: the provider runs, so libcurl is
# loaded, and the refusal is an ordinary failure.
echo '{"type":"resource","v":1,"id":"Http/h","kind":"Http","name":"h","spec":{"url":"http://127.0.0.1:9/x"},"metadata":{"retries":0},"deps":[],"refs":[]}' >http.ndjson
loads libcurl is-exec http.ndjson &&
	ok "an Http resource loads libcurl" || fail "an Http resource loads libcurl"
run_rc rc is-exec http.ndjson >http.out 2>http.err
[ "$rc" = 1 ] && jq -e -s 'map(select(.type == "event" and .status == "FAILED")) | length == 1' http.out >/dev/null &&
	ok "and its failure is reported as one (exit 1)" ||
	fail "and its failure is reported as one (exit 1)" "rc $rc" "$(cat http.err)"
