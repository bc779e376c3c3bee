# is-stream --tee: every record passes through to stdout unchanged, in
# order, byte for byte, as soon as it is read, while the view goes to stderr
# (or -o), so is-stream can sit in the middle of a pipeline.
. "$(dirname "$0")/lib.sh"

ex=$TOP/tests/stream/examples.ndjson
"$TOP/tests/stream/gen-events" 10000 >big.ndjson

is-stream --tee -f none <"$ex" >tee.out 2>tee.err
same "tee: the examples pass through byte for byte" "$ex" tee.out
check "tee: -f none shows nothing" test ! -s tee.err
is-stream --tee <big.ndjson >big.out 2>big.err
same "tee: 10000 events pass through byte for byte" big.ndjson big.out
check "tee: the view goes to stderr (lines off a terminal)" \
	test "$(grep -c ' READY create ' big.err)" = "$(grep -c '"READY"' big.ndjson)"
is-stream --tee -o view.out <"$ex" >tee2.out 2>tee2.err
same "tee: with -o the records still pass" "$ex" tee2.out
same "tee: ... and the view is in the file" "$TOP/tests/golden/stream-examples.lines" view.out

# Lines that are not records pass too (reported; exit 1), as tee(1) would.
{ head -n 2 "$ex"; echo 'not json'; tail -n 2 "$ex"; } >bad.ndjson
run_rc rc sh -c 'is-stream --tee -f none <bad.ndjson >bad.out 2>bad.err'
check "tee: a bad line is exit 1" test "$rc" = 1
same "tee: ... and still passes through" bad.ndjson bad.out

# Mid-pipeline: the stages after it see what they would have without it.
mkdir demo
export IS_DEMO_DIR=$T/demo
ln -s "$TOP/share" share
is-parse share/examples/orders | is-graph >plan.ndjson
is-stream --tee -f none <plan.ndjson >plan.out
same "tee: a plan passes through unchanged" plan.ndjson plan.out
is-parse share/examples/orders | is-graph | is-stream --tee -f none | is-exec |
	is-stream --tee -o run.view >run.ndjson
jq_check "tee: is-exec after it ran the plan" run.ndjson \
	'map(select(.type == "run" and .phase == "end")) | length == 1'
check "tee: the view after it showed the run" grep -q ' run [0-9]* FAILED in ' run.view

# As soon as read: a record comes out while the input is still open.
{ head -n 1 "$ex"; sleep 3; tail -n 1 "$ex"; } | is-stream --tee -f none >early.out &
pid=$!
sleep 1
check "tee: a record passes before the input ends" test "$(wc -l <early.out)" = 1
wait $pid

# The reader after it goes away: is-stream says so and exits 1, not by SIGPIPE.
sh -c 'is-stream --tee -f none <big.ndjson 2>pipe.err; echo $? >pipe.rc' | head -c 100 >/dev/null
check "tee: a closed stdout is exit 1 (not a signal)" test "$(cat pipe.rc)" = 1
check "tee: ... and is said" grep -q 'standard output: Broken pipe' pipe.err
