#!/bin/sh
# is-stream --serve, GET /metrics: the Prometheus text format, checked by
# promtool (Debian prometheus), with the counts of a real pipeline's run.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/web/common.sh"

IS_DEMO_DIR=$T/demo is-parse "$TOP/share/examples/orders" | is-graph | is-exec >run.ndjson || true
events=$(grep -c '"type":"event"' run.ndjson)
mkfifo "$T/s.in"
exec 9<>"$T/s.in"
serve_start s || { fail "the server starts" "$(cat "$T/s.err")"; exit 0; }
cat run.ndjson >&9
ended() { curl -s --noproxy '*' "$URL/metrics" | grep -q '^infrastream_runs_ended_total{status="FAILED"} 1$'; }
wait_for 10 ended && ok "the run's end is counted" || fail "the run's end is not counted"
curl -s --noproxy '*' -D headers.txt "$URL/metrics" >metrics.txt
grep -qi '^content-type: text/plain; version=0.0.4' headers.txt &&
	ok "Content-Type: text/plain; version=0.0.4" || fail "content type" "$(cat headers.txt)"
if command -v promtool >/dev/null 2>&1; then
	check "promtool check metrics: no problems" sh -c 'promtool check metrics <metrics.txt'
else
	ok "promtool: skipped (not installed: tools/deps test installs prometheus)"
fi
m() { grep -x "$1" metrics.txt >/dev/null && ok "$1" || fail "$1" "$(grep "${1%% *}" metrics.txt)"; }
m "infrastream_events_total $events"
m "infrastream_resources 7"
m 'infrastream_resources_by_status{status="READY"} 3'
m 'infrastream_resources_by_status{status="FAILED"} 1'
m 'infrastream_resources_by_status{status="SKIPPED"} 3'
m 'infrastream_runs_started_total 1'
m 'infrastream_run_duration_seconds_count 1'
m 'infrastream_resource_duration_seconds_count 4'
m 'infrastream_stream_clients 0'
m 'infrastream_stream_clients_dropped_total 0'
exec 9>&-
serve_stop s || fail "the server did not stop"
