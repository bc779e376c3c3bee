# is-ledger events --follow: a second process sees a run's events as they
# commit (tail -f), ends after the run's end record, at SIGINT or SIGTERM
# (128 + the signal), and when its reader goes away.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

IS_LEDGER=$(ledger_target l)
export IS_LEDGER
mkdir m
ms() { date +%s%3N; }

# Three steps one after the other, each taking 0.4 s.
cat >m/steps.yaml <<'X'
kind: Command
metadata: {name: one}
spec: {create: [sh, -c, "sleep 0.4"]}
---
kind: Command
metadata: {name: two, dependsOn: [one]}
spec: {create: [sh, -c, "sleep 0.4"]}
---
kind: Command
metadata: {name: three, dependsOn: [two]}
spec: {create: [sh, -c, "sleep 0.4"]}
X
is-ledger state >/dev/null   # creates the ledger
rid=$(is-ledger next-run-id)

# The follower starts before the run exists, and stamps each line it gets.
(
	timeout 20 is-ledger events --run "$rid" --follow --interval 20 >follow.raw
	echo $? >follow.rc
) &
(
	timeout 20 is-ledger events --run "$rid" --follow --interval 20 |
		while IFS= read -r line; do printf '%s %s\n' "$(ms)" "$line"; done >follow.stamped
) &
sleep 0.3
is-parse m | is-graph | is-exec --run-id "$rid" | is-ledger record >/dev/null
writer_end=$(ms)
wait

[ "$(cat follow.rc)" = 0 ] && ok "the follower exits 0 after the run's end record" ||
	fail "the follower exits 0 after the run's end record" "rc $(cat follow.rc)"
is-ledger events --run "$rid" >after.json
same "it wrote exactly what the run recorded, in order" after.json follow.raw
jq_check "from the run start to the run end" follow.raw \
	'.[0].phase == "start" and .[-1].phase == "end" and (map(select(.type == "event")) | length) > 6'
first=$(grep '"id":"Command/one","kind":"Command","status":"READY"' follow.stamped | cut -d' ' -f1)
if [ -n "$first" ] && [ $((writer_end - first)) -gt 500 ]; then
	ok "a READY event reached the follower while the run went on"
else
	fail "a READY event reached the follower while the run went on" \
		"first READY at ${first:-never}, writer ended at $writer_end" "$(head -n 5 follow.stamped)"
fi
cut -d' ' -f2- follow.stamped >stamped.json
same "the second follower saw the same records" after.json stamped.json

# Signals end a follow at once, with 128 + the signal. (No timeout(1) in
# between: it would pass the signal on and exit as its child did either way.)
is-ledger events --run 4242 --follow --interval 1000 >/dev/null &
pid=$!
(sleep 15; kill -KILL "$pid" 2>/dev/null) >/dev/null 2>&1 &
dog=$!
sleep 0.3
t0=$(ms)
kill -INT "$pid"
run_rc rc wait "$pid" 2>/dev/null
kill "$dog"
[ "$rc" = 130 ] && [ $(($(ms) - t0)) -lt 900 ] && ok "SIGINT ends a follow at once: 130" ||
	fail "SIGINT ends a follow at once: 130" "rc $rc after $(($(ms) - t0)) ms"
is-ledger events --run 4242 --follow >/dev/null &
pid=$!
(sleep 15; kill -KILL "$pid" 2>/dev/null) >/dev/null 2>&1 &
dog=$!
sleep 0.3
kill -TERM "$pid"
run_rc rc wait "$pid" 2>/dev/null
kill "$dog"
[ "$rc" = 143 ] && ok "SIGTERM ends a follow: 143" || fail "SIGTERM ends a follow: 143" "rc $rc"

# A reader that goes away ends the follow while the run goes on.
cat >m/steps.yaml <<'X'
kind: Command
metadata: {name: slow}
spec: {create: [sh, -c, "sleep 3"]}
X
rid=$(is-ledger next-run-id)
(is-parse m | is-graph | is-exec --run-id "$rid" | is-ledger record >/dev/null) &
writer=$!
sleep 0.3
t0=$(ms)
timeout 20 is-ledger events --run "$rid" --follow --interval 20 | head -n 1 >head.out
took=$(($(ms) - t0))
[ "$took" -lt 2000 ] && ok "a follow whose reader is gone ends before the run ($took ms)" ||
	fail "a follow whose reader is gone ends before the run" "$took ms"
jq_check "... after the line its reader wanted" head.out '.[0].phase == "start"'

# A table follows too: a header, then rows as they come.
timeout 20 is-ledger events --run "$rid" --follow --interval 20 -f table >table.out
wait "$writer"
head -n 1 table.out | grep -q '^AT  *SEQ  *ID  *STATUS' && grep -q 'Command/slow  *READY' table.out &&
	ok "events --follow -f table" || fail "events --follow -f table" "$(cat table.out)"
