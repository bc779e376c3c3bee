# is-stream off a terminal: one plain line per event, run record, plan and
# diagnostic (a golden file); colours only when asked; -o; bad input lines
# reported and counted; usage errors; a failed output is an error.
. "$(dirname "$0")/lib.sh"

ex=$TOP/tests/stream/examples.ndjson

is-stream <"$ex" >lines.out 2>lines.err
same "lines: the examples, as the golden file says" "$TOP/tests/golden/stream-examples.lines" lines.out
check "lines: nothing on stderr" test ! -s lines.err
check "lines: the default off a terminal is -f lines" cmp -s lines.out "$TOP/tests/golden/stream-examples.lines"
is-stream -f lines "$ex" >file.out
same "lines: a file operand reads the same" lines.out file.out
grep -c . lines.out >n
check "lines: one line per event, run record, plan and diagnostic" \
	test "$(cat n)" = "$(jq -s '[.[] | select(.type == "event" or .type == "run" or .type == "plan" or .type == "diagnostic")] | length' "$ex")"
check "lines: a failure's error stays on one line" \
	grep -q 'Command/orders-login FAILED create 710ms attempt 2: exit 1: sqlite3 failed\\nError' lines.out

# Colours: never by default off a terminal, always when asked, NO_COLOR wins
# only over auto.
esc=$(printf '\033')
check "lines: no colour off a terminal" sh -c "! grep -q '$esc' lines.out"
is-stream --color=always "$ex" >color.out
check "lines: --color=always colours the statuses" grep -q "${esc}\[32mREADY${esc}\[0m" color.out
NO_COLOR=1 is-stream --color=always "$ex" >nocolor.out
check "lines: --color=always beats NO_COLOR" grep -q "$esc" nocolor.out
is-stream --color=never "$ex" >never.out
same "lines: --color=never is the plain text" lines.out never.out

is-stream -o view.out "$ex" >stdout.out
same "lines: -o FILE gets the view" lines.out view.out
check "lines: ... and stdout nothing" test ! -s stdout.out

# A line that is not a record: reported with its line number, the rest shown,
# exit 1. A last line without a newline is still read.
{ head -n 3 "$ex"; echo 'not json'; echo '[1]'; tail -n 1 "$ex" | tr -d '\n'; } >bad.ndjson
expect_rc "lines: bad lines make exit 1" 1 is-stream bad.ndjson
is-stream bad.ndjson >bad.out 2>bad.err || true
check "lines: the bad line is named" grep -q 'bad.ndjson:4:[0-9]*: line 4 is not JSON' bad.err
check "lines: ... so is the non-object" grep -q 'line 5 is not a JSON object' bad.err
check "lines: the last line without a newline is read" \
	grep -q 'run 73547617076995972 SUCCEEDED' bad.out

# Records of no known type, and an empty input, show nothing and pass.
echo '{"type":"note","v":1}' >note.ndjson
expect_rc "lines: unknown records are fine" 0 is-stream note.ndjson
check "lines: ... and show nothing" test ! -s "$T/.out"
expect_rc "lines: an empty input is fine" 0 is-stream /dev/null

expect_rc "usage: an unknown format" 2 is-stream -f xml "$ex"
cp "$T/.err" usage.err
check "usage: ... says what to try" grep -q "try 'is-stream --help'" usage.err
expect_rc "usage: --color wants auto, always or never" 2 is-stream --color=sometimes "$ex"
expect_rc "usage: two inputs" 2 is-stream "$ex" "$ex"
expect_rc "usage: --run without --follow" 2 is-stream --run 1 "$ex"
expect_rc "usage: a webhook secret without a webhook" 2 is-stream --webhook-secret x "$ex"
expect_rc "a missing input file" 1 is-stream nothere.ndjson
cp "$T/.err" missing.err
check "... is named" grep -q 'nothere.ndjson: No such file' missing.err
expect_rc "a write error on the view's output is exit 1" 1 sh -c "is-stream '$ex' >/dev/full"
cp "$T/.err" full.err
check "... and is said" grep -q 'No space left on device' full.err
expect_rc "--help exits 0" 0 is-stream --help
cp "$T/.out" help.out
check "--help lists every format" grep -q 'live, lines, github, markdown, junit or none' help.out
