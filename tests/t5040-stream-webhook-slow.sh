# is-stream --webhook against a real HTTP server on loopback
# (tests/servers/webhook-receiver.py): batches of run and event records as
# JSON arrays, retried after a 503, signed with X-Signature-256 and checked
# by the receiver with Python's hmac module; and a dead or slow receiver
# never slows the pipeline: 10000 events pass through as fast as without.
. "$(dirname "$0")/lib.sh"

servers=$TOP/tests/servers
ex=$TOP/tests/stream/examples.ndjson
trap '"$servers/stop" "$T/a"; "$servers/stop" "$T/b"; "$servers/stop" "$T/c"; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY='*' no_proxy='*'
mkdir a b c
printf 'correct horse battery staple\n' >secret
printf 'another secret\n' >wrong

# start DIR VAR [receiver options]: starts a receiver, its URL in VAR.
start() {
	dir=$1 var=$2
	shift 2
	set +e
	url=$("$servers/start-webhook" "$T/$dir" $$ "$@" 2>"$T/$dir/start.err")
	rc=$?
	set -e
	case $rc in
	0) eval "$var=\$url" ;;
	3) ok "webhook: skipped ($(tail -n 1 "$T/$dir/start.err"))"; exit 0 ;;
	*) fail "webhook: the receiver starts" "$(tail -n 20 "$T/$dir/start.err")"; exit 0 ;;
	esac
}
start a A --secret-file "$T/secret" --fail-first 1
start b B --secret-file "$T/secret"

jq -c 'select(.type == "event" or .type == "run")' "$ex" >want.ndjson
expect_rc "webhook: delivered, exit 0" 0 is-stream -f none --webhook "$A/hooks/infra" \
	--webhook "$B/other" --webhook-secret-file secret "$ex"
jq_check "webhook: the first POST was refused with 503 ..." a/hooks.log \
	'.[0].answer == 503 and length >= 2'
jq_check "webhook: ... and the batch came again" a/hooks.log '.[0].body == .[1].body'
jq_check "webhook: every body is a JSON array" a/hooks.log 'all(.array)'
jq_check "webhook: to the URL's path" a/hooks.log 'all(.path == "/hooks/infra")'
jq_check "webhook: as application/json" a/hooks.log \
	'all(.headers["content-type"] == "application/json")'
jq_check "webhook: every signature verifies (Python hmac)" a/hooks.log 'all(.verified)'
jq -c 'select(.answer == 200) | .body | fromjson | .[]' a/hooks.log >got-a.ndjson
same "webhook: every run and event record arrived once, in order" want.ndjson got-a.ndjson
jq -c '.body | fromjson | .[]' b/hooks.log >got-b.ndjson
same "webhook: a second --webhook got them all too" want.ndjson got-b.ndjson
jq_check "webhook: ... signed as well" b/hooks.log 'all(.verified)'

# The receiver's check is real: another secret does not verify.
: >b/hooks.log
is-stream -f none --webhook "$B/x" --webhook-secret-file wrong "$ex"
jq_check "webhook: a body signed with another secret does not verify" b/hooks.log \
	'length > 0 and all(.verified | not)'
: >b/hooks.log
is-stream -f none --webhook "$B/x" --webhook-secret 'correct horse battery staple' "$ex"
jq_check "webhook: --webhook-secret on the command line signs the same" b/hooks.log \
	'length > 0 and all(.verified)'
: >b/hooks.log
is-stream -f none --webhook "$B/x" "$ex"
jq_check "webhook: no secret, no signature" b/hooks.log \
	'length > 0 and all(.headers["x-signature-256"] == null)'

# A dead receiver (nothing listens) and a slow one (answers after 5 s):
# the records pass through to the next stage as fast as with no webhook,
# is-stream keeps delivering for --webhook-wait, then says what it lost and
# exits 1.
"$TOP/tests/stream/gen-events" 10000 >big.ndjson
dead=http://127.0.0.1:$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')/x
start c C --delay 5
now() { date +%s%N; }
# time_tee NAME ARGS...: ms until the next stage saw the end, then ms in all.
time_tee() {
	name=$1
	shift
	t0=$(now)
	set +e
	is-stream --tee -f none "$@" <big.ndjson 2>"$name.err" |
		{ cat >"$name.out"; now >"$name.eof"; }
	set -e
	t1=$(now)
	eof_ms=$(( ($(cat "$name.eof") - t0) / 1000000 ))
	all_ms=$(( (t1 - t0) / 1000000 ))
}
time_tee none
base=$eof_ms
time_tee dead --webhook "$dead" --webhook-wait 1
dead_eof=$eof_ms dead_all=$all_ms
time_tee slow --webhook "$C/x" --webhook-wait 1
slow_eof=$eof_ms slow_all=$all_ms
same "webhook: with a dead receiver the records still pass" big.ndjson dead.out
same "webhook: ... and with a slow one" big.ndjson slow.out
check "webhook: the next stage is not slowed by a dead receiver (${base} ms without, ${dead_eof} ms with)" \
	test "$dead_eof" -lt $((base + 1000))
check "webhook: ... nor by a slow one (${slow_eof} ms)" test "$slow_eof" -lt $((base + 1000))
check "webhook: is-stream gives up after --webhook-wait (dead: ${dead_all} ms, slow: ${slow_all} ms)" \
	test "$dead_all" -lt 4000 -a "$slow_all" -lt 4000
check "webhook: a dead receiver is said, without the URL's path" \
	grep -q "webhook http://127.0.0.1:[0-9]*/...: .*records* not sent" dead.err
check "webhook: ... no secret path in messages" sh -c '! grep -q "/x" dead.err'
expect_rc "webhook: records not delivered make exit 1" 1 \
	is-stream -f none --webhook "$dead" --webhook-wait 0.2 "$ex"

# A queue that overflows (10000 records) drops its oldest, and says so once.
"$TOP/tests/stream/gen-events" 30000 >huge.ndjson
expect_rc "webhook: an overflowing queue still ends" 1 \
	is-stream -f none --webhook "$C/x" --webhook-wait 0.5 huge.ndjson
cp "$T/.err" overflow.err
check "webhook: the full queue is said" grep -q 'the queue is full (10000 records): dropping the oldest' overflow.err
check "webhook: ... with a count at the end" grep -q '[0-9]* records dropped: the queue was full' overflow.err
check "webhook: ... not a line per dropped record" test "$(wc -l <overflow.err)" -lt 10
