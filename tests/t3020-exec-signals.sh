# is-exec and signals: the first SIGINT/SIGTERM lets running work finish and
# cancels the rest, the second kills; a closed standard output stops new work
# and says so; the end record is always written.
. "$(dirname "$0")/lib.sh"

gen() {   # gen N MS: N independent Noop resources that sleep MS each
	i=0
	while [ $i -lt "$1" ]; do
		printf '{"type":"resource","v":1,"id":"Noop/s%d","kind":"Noop","name":"s%d","spec":{"sleepMs":%d},"deps":[]}\n' \
			$i $i "$2"
		i=$((i + 1))
	done
}

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (5 s at most).
wait_for() {
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
}

gen 8 600 >eight.ndjson
is-exec -j 2 eight.ndjson >ev.ndjson 2>err &
pid=$!
wait_for ev.ndjson CREATING
kill -INT $pid
run_rc rc wait $pid
[ "$rc" = 1 ] && ok "SIGINT: exit 1" || fail "SIGINT: exit $rc"
jq_check "SIGINT: the running ones finish READY" ev.ndjson \
	'(map(select(.status == "READY")) | length) == 2'
jq_check "SIGINT: the rest are CANCELED" ev.ndjson \
	'map(select(.type == "event" and .status == "CANCELED")) | length == 6 and all(.error | test("SIGINT"))'
jq_check "SIGINT: the end record says CANCELED" ev.ndjson \
	'.[-1] | .type == "run" and .phase == "end" and .status == "CANCELED" and .canceled == 6'
grep -q "starting nothing more" err && ok "SIGINT: says what it does on stderr" || fail "SIGINT message"

# Input still open: a signal does not wait for the end of the input.
mkfifo in
is-exec -j 2 <in >ev1.ndjson 2>err &
pid=$!
exec 3>in
gen 4 300 >&3
wait_for ev1.ndjson CREATING
kill -TERM $pid
run_rc rc wait $pid
exec 3>&-
[ "$rc" = 1 ] && ok "SIGTERM with input still open: exit 1" || fail "SIGTERM open input: exit $rc"
jq_check "SIGTERM with input still open: end record written" ev1.ndjson \
	'.[-1] | .phase == "end" and .status == "CANCELED" and (.reason | test("SIGTERM"))'

# A second signal: give up on running work at once.
gen 2 1500 >two.ndjson
is-exec -j 2 two.ndjson >ev2.ndjson 2>err &
pid=$!
wait_for ev2.ndjson CREATING
kill -INT $pid
sleep 0.1
kill -INT $pid
run_rc rc wait $pid
[ "$rc" = 1 ] && ok "second SIGINT: exit 1" || fail "second SIGINT: exit $rc"
jq_check "second SIGINT: running work CANCELED, end record written" ev2.ndjson \
	'(map(select(.type == "event" and .status == "CANCELED" and (.error | test("killed")))) | length) == 2
	 and .[-1].phase == "end"'

# --grace: running work past the grace period is given up.
is-exec -j 2 --grace 0.2 two.ndjson >ev3.ndjson 2>err &
pid=$!
wait_for ev3.ndjson CREATING
kill -TERM $pid
run_rc rc wait $pid
jq_check "--grace: given up after the grace period" ev3.ndjson \
	'(map(select(.type == "event" and .status == "CANCELED")) | length) == 2 and .[-1].phase == "end"'
grep -q "grace period over" err && ok "--grace: says so" || fail "--grace message"

# A closed standard output: no new work, a message, exit 1; no SIGPIPE death.
gen 6 200 >six.ndjson
{ st=0; is-exec -j 1 six.ndjson 2>err || st=$?; echo $st >rc; } | head -n 1 >/dev/null
rc=$(cat rc)
[ "$rc" = 1 ] && ok "closed stdout: exit 1, not killed by SIGPIPE" || fail "closed stdout: exit $rc"
grep -q "standard output is closed" err && ok "closed stdout: says so on stderr" ||
	fail "closed stdout message" "$(cat err)"
grep -q "unrecorded" err && ok "closed stdout: lists what finished unrecorded" ||
	fail "closed stdout: unrecorded list" "$(cat err)"
[ "$(grep -c unrecorded err)" -lt 6 ] && ok "closed stdout: starts nothing new" ||
	fail "closed stdout kept starting work"
