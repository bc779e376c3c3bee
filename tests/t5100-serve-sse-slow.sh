#!/bin/sh
# is-stream --serve, /events: a real pipeline's records as Server-Sent Events,
# read with curl and with npm eventsource@4.1.1: the run so far replayed to
# late joiners, Last-Event-ID, records published while a client listens,
# keep-alive comments; /healthz and the 404s.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/web/common.sh"

IS_STREAM_KEEPALIVE_MS=300
export IS_STREAM_KEEPALIVE_MS
IS_DEMO_DIR=$T/demo is-parse "$TOP/share/examples/orders" | is-graph | is-exec >run.ndjson || true
n=$(wc -l <run.ndjson)
[ "$n" -gt 10 ] && ok "the example run has $n records" || fail "the example run has $n records"

# The first half now, the rest while clients listen: a FIFO held open by fd 9
# (read-write, so opening it does not wait for the reader).
mkfifo "$T/s.in"
exec 9<>"$T/s.in"
serve_start s || { fail "the server starts" "$(cat "$T/s.err")"; exit 0; }
ok "the server starts and says where: $URL"
half=$((n / 2))
head -n "$half" run.ndjson >&9

check "/healthz: ok" sh -c "curl -sf --noproxy '*' '$URL/healthz' | grep -qx ok"
code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' "$URL/nope.html")
[ "$code" = 404 ] && ok "an unknown file: 404" || fail "an unknown file: $code"
code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --path-as-is "$URL/../Makefile")
[ "$code" = 404 ] && ok "no way out of share/web: 404" || fail "../Makefile: $code"

# curl: a late joiner gets the first half replayed, in order, as published.
curl -sN --noproxy '*' --max-time 1.5 "$URL/events" >sse1.txt || true
grep '^data: ' sse1.txt | sed 's/^data: //' | jq -c . >got1.ndjson
head -n "$half" run.ndjson | jq -c . >want1.ndjson
same "curl: the records so far are replayed, unchanged and in order" want1.ndjson got1.ndjson
grep '^id: ' sse1.txt | sed 's/^id: //' >ids1.txt
seq 1 "$half" >seq1.txt
same "curl: ids 1..$half" seq1.txt ids1.txt
grep -q '^: keep-alive$' sse1.txt && ok "curl: keep-alive comments while nothing happens" ||
	fail "no keep-alive comment in 1.5 s"
grep -q '^retry: ' sse1.txt && ok "curl: a retry hint first" || fail "no retry field"

# A client that listens while the rest is published gets it live.
curl -sN --noproxy '*' --max-time 4 -H "Last-Event-ID: $half" "$URL/events" >sse2.txt &
cpid=$!
sleep 0.5
tail -n +"$((half + 1))" run.ndjson >&9
wait $cpid || true
grep '^id: ' sse2.txt | sed 's/^id: //' >ids2.txt
seq "$((half + 1))" "$n" >seq2.txt
same "curl: Last-Event-ID $half resumes at $((half + 1)), the rest arrives live" seq2.txt ids2.txt
grep '^data: ' sse2.txt | sed 's/^data: //' | jq -c . >got2.ndjson
tail -n +"$((half + 1))" run.ndjson | jq -c . >want2.ndjson
same "curl: the live records are the pipeline's" want2.ndjson got2.ndjson

# npm eventsource@4.1.1, a real EventSource implementation.
run_rc rc web_install "eventsource@$EVENTSOURCE_VERSION" 2>"$T/install.err"
if [ "$rc" = 3 ]; then
	ok "eventsource: skipped ($(cat "$T/install.err"))"
elif [ "$rc" != 0 ]; then
	fail "eventsource: install" "$(cat "$T/install.err")"
else
	export WEB_PREFIX
	node "$WEB/es-client.mjs" "$URL/events" "$n" >es1.json 2>es1.err || true
	jq_check "eventsource: the whole run, ids 1..$n, consecutive" es1.json \
		".[0] | .opened and .count == $n and .first == 1 and .last == $n and .consecutive"
	jq_check "eventsource: run and event records" es1.json \
		'.[0].types | .run >= 2 and .event > 5'
	node "$WEB/es-client.mjs" "$URL/events" 3 7 >es2.json 2>es2.err || true
	jq_check "eventsource: Last-Event-ID 7 resumes at 8" es2.json \
		'.[0] | .count == 3 and .first == 8 and .last == 10'
fi

exec 9>&-
serve_stop s && ok "the server stops on SIGTERM" || fail "the server did not stop"
grep -v '^is-stream: serving\|^test_stream_serve: published' "$T/s.err" >errs.txt || true
[ ! -s errs.txt ] && ok "nothing on stderr but the address" || fail "stderr" "$(head -5 errs.txt)"
