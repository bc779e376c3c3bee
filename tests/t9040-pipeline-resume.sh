# Crash resume, the pending -> adopt path (on SQLite, and on PostgreSQL by
# t9041-pipeline-resume-pg-slow.sh): is-exec --ledger records an intent
# before each create; a run whose events never reached "is-ledger record"
# (as if it had been killed) leaves those intents pending. is-ledger state
# shows each as a state with "pending", is-graph carries it into the plan,
# and the next is-exec reads before it acts: what exists is adopted (READY,
# action create, "adopted": true), what is gone is created, and a Command
# without a read command, which cannot be checked, is created again.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

IS_LEDGER=$(ledger_target l)
export IS_LEDGER
# A Command whose create appends to a file of its own and whose read
# reports the file (null once it is gone).
counted() {
	cat <<EOF
kind: Command
metadata: {name: $1}
spec:
  create: [sh, -c, 'echo made >>"\$0"; echo "{\"n\":1}"', $T/$1.count]
  read: [sh, -c, '[ -f "\$0" ] || { echo null; exit 0; }; echo "{\"n\":\$(grep -c made "\$0")}"', $T/$1.count]
---
EOF
}
{
	counted made
	counted lost
	cat <<EOF
kind: File
metadata: {name: conf, dependsOn: [made]}
spec: {path: $T/conf.txt, content: "n=\${made.outputs.n}\n"}
---
kind: Command
metadata: {name: blind}
spec:
  create: [sh, -c, 'echo made >>"\$0"', $T/blind.count]
EOF
} >stack.yaml

# The run that "dies": intents recorded, events lost.
is-ledger state >prior1.ndjson
is-parse stack.yaml | is-graph --prior prior1.ndjson >plan1.ndjson
check "a run with --ledger succeeds" is-exec --ledger "$IS_LEDGER" plan1.ndjson
ledger_sql "$IS_LEDGER" 'SELECT resource, op FROM intents ORDER BY resource' >intents.txt
printf '%s\n' 'Command/blind|create' 'Command/lost|create' 'Command/made|create' 'File/conf|create' >want.txt
same "an intent per create, recorded before the providers ran" want.txt intents.txt
rm lost.count

is-ledger state >prior2.ndjson
jq_check "is-ledger state: each unrecorded create is a state with pending" prior2.ndjson \
	'length == 4 and all(.pending.op == "create" and (.pending.run | test("^[0-9]+$")) and
	 .outputs == {}) and (map(select(.id == "File/conf"))[0].spec.path | endswith("conf.txt"))'
is-parse stack.yaml | is-graph --prior prior2.ndjson >plan2.ndjson
jq_check "is-graph carries pending into the plan (the hash is the same: noop)" plan2.ndjson \
	'[.[] | select(.type == "resource")] | all(.action == "noop" and .pending.op == "create")'
is-parse stack.yaml | is-graph --prior prior2.ndjson -f text >plan2.txt
[ "$(grep -c '^  ? ' plan2.txt)" = 4 ] && [ "$(grep -c '(pending create of run [0-9]*: read first)$' plan2.txt)" = 4 ] &&
	ok "the text plan shows each pending create with ?" || fail "the text plan shows pending" "$(cat plan2.txt)"
is-exec --ledger "$IS_LEDGER" plan2.ndjson | is-ledger record >run2.ndjson
jq_check "what exists is adopted, what is gone created, the blind Command created again" run2.ndjson \
	'[.[] | select(.type == "event" and .status != "PENDING") | [.id, .status, .action, .adopted]] |
	 sort == ([["Command/made", "READY", "create", true], ["File/conf", "READY", "create", true],
	   ["Command/lost", "CREATING", "create", null], ["Command/lost", "READY", "create", null],
	   ["Command/blind", "CREATING", "create", null], ["Command/blind", "READY", "create", null]] | sort)'
[ "$(cat made.count)" = made ] && [ "$(cat lost.count)" = made ] &&
	ok "no create that had run ran again" || fail "no create ran twice" "$(cat made.count lost.count)"
[ "$(wc -l <blind.count)" = 2 ] && ok "a Command without read is retried (its create must be idempotent)" ||
	fail "a Command without read is retried" "$(cat blind.count)"
jq_check "an adopted resource has what the read saw" run2.ndjson \
	'map(select(.id == "Command/made" and .status == "READY"))[0].outputs == {n: 1}'
is-ledger state >prior3.ndjson
jq_check "after the resume: 4 states, none pending" prior3.ndjson \
	'length == 4 and all(has("pending") | not)'
check "the ledger verifies" is-ledger verify
is-parse stack.yaml | is-graph --prior prior3.ndjson | is-exec --ledger "$IS_LEDGER" | is-ledger record >run3.ndjson
jq_check "a third run is all noop and calls nothing" run3.ndjson \
	'(map(select(.type == "event") | .action) | unique == ["noop"]) and
	 (map(select(.type == "run" and .phase == "end"))[0].changed == 0)'
[ "$(ledger_sql "$IS_LEDGER" 'SELECT count(*) FROM intents')" = 6 ] &&
	ok "noop records no intent" || fail "noop records no intent" "$(ledger_sql "$IS_LEDGER" 'SELECT * FROM intents')"

# A delete cut short: pending on the state that still exists; planned again.
is-ledger state >prior4.ndjson
printf 'kind: Noop\nmetadata: {name: other}\n' | is-parse - | is-graph --prior prior4.ndjson >plan4.ndjson
jq -c 'select(.type == "resource" and .id == "Command/blind")' plan4.ndjson >delete4.ndjson
check "a delete runs with --ledger" is-exec --ledger "$IS_LEDGER" delete4.ndjson
is-ledger state --id Command/blind >prior5.ndjson
jq_check "a delete whose tombstone was never recorded is pending on its state" prior5.ndjson \
	'length == 1 and .[0].pending.op == "delete" and .[0].outputs == {}'
run_rc rc sh -c 'is-ledger state >prior6.ndjson && printf "kind: Noop\nmetadata: {name: other}\n" | is-parse - | is-graph --prior prior6.ndjson | is-exec --ledger "$IS_LEDGER" | is-ledger record >run6.ndjson'
jq_check "planned again, the delete ends READY and the tombstone is recorded" run6.ndjson \
	'map(select(.id == "Command/blind" and .status == "READY"))[0].action == "delete"'
is-ledger state --id Command/blind >prior7.ndjson
[ ! -s prior7.ndjson ] && ok "the deleted resource is gone from the state" ||
	fail "the deleted resource is gone from the state" "$(cat prior7.ndjson)"

run_rc rc is-exec --ledger "$T/stack.yaml/x.db" plan1.ndjson >/dev/null 2>err.txt
[ "$rc" = 1 ] && grep -q 'is-exec: ' err.txt && ok "a ledger that cannot be opened: exit 1, nothing run" ||
	fail "a ledger that cannot be opened: exit 1" "rc=$rc" "$(cat err.txt)"
