# is-ledger verify: a row edited, removed or inserted behind the ledger's back
# (with the sqlite3 shell or psql, after taking the triggers away) is found
# and named. On both backends (t4010-ledger-verify-pg.sh).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

IS_LEDGER=$(ledger_target l)
export IS_LEDGER
cat >s.ndjson <<'X'
{"type":"resource","v":1,"id":"Noop/a","kind":"Noop","name":"a","spec":{"outputs":{"n":1}},"deps":[],"refs":[],"action":"create"}
{"type":"resource","v":1,"id":"Noop/b","kind":"Noop","name":"b","spec":{"outputs":{"n":2}},"deps":["Noop/a"],"refs":[],"action":"create"}
X
for i in 1 2 3; do is-exec s.ndjson | is-ledger record >/dev/null; done
check "an untouched ledger verifies" is-ledger verify
jq_check "verify writes a summary record" "$T/.out" '.[-1] | .type == "verify" and .ok and .events > 0'

# fresh NAME: $db, a copy of the ledger without its triggers.
fresh() {
	db=$(ledger_copy "$IS_LEDGER" "$1")
	ledger_sql "$db" "$(ledger_no_triggers_sql)"
}
# broken NAME DB WANT: verify exits 1 and its records name WANT (a jq filter).
broken() {
	expect_rc "$1: verify exits 1" 1 is-ledger --db "$2" verify
	jq_check "$1: named" "$T/.out" "$3"
}

fresh e
e=$db
broken "no triggers" $e 'any(.problem == "trigger-missing" and .table == "run_events")'
ledger_sql $e "UPDATE run_events SET record = replace(record, '\"seq\":', '\"seq\": ') WHERE seq = 5"
broken "an edited event" $e 'any(.table == "run_events" and .seq == 5 and .problem == "edited")'
jq_check "an edited event: only that row" "$T/.out" '[.[] | select(.table == "run_events" and .seq)] | length == 1'

fresh d
ledger_sql $db "DELETE FROM run_events WHERE seq = 4"
broken "a removed event" $db 'any(.table == "run_events" and .seq == 4 and .problem == "removed")'

fresh t
last=$(ledger_sql $db "SELECT max(seq) FROM run_events")
ledger_sql $db "DELETE FROM run_events WHERE seq = $last"
broken "a removed last event" $db "any(.table == \"run_events\" and .seq == $last and .problem == \"removed\")"

fresh i
ledger_sql $db "INSERT INTO run_events(seq, run, event_seq, at, resource, status, action, record, prev_hash, hash) SELECT $last + 1, run, event_seq, at, resource, status, action, record, prev_hash, hash FROM run_events WHERE seq = 2"
broken "an inserted event" $db "any(.table == \"run_events\" and .seq == $((last + 1)) and .problem == \"inserted\")"

fresh r
ledger_sql $db "UPDATE runs SET status = 'FAILED' WHERE seq = 2"
broken "an edited run" $db 'any(.table == "runs" and .seq == 2 and .problem == "edited")'

fresh s
ledger_sql $db "UPDATE states SET outputs = '{\"n\":9}' WHERE seq = 1"
broken "an edited state" $db 'any(.table == "states" and .seq == 1 and .problem == "edited")'

fresh s2
ledger_sql $db "DELETE FROM state_dependencies WHERE rowid = (SELECT max(rowid) FROM state_dependencies); DELETE FROM states WHERE seq = (SELECT max(seq) FROM states)"
broken "a removed state" $db 'any(.table == "states" and .problem == "removed")'

fresh s3
ledger_sql $db "INSERT INTO states(seq, resource, kind, at, deleted) VALUES ((SELECT max(seq) + 1 FROM states), 'Noop/x', 'Noop', '2024-01-01T00:00:00.000Z', 0)"
broken "an inserted state" $db 'any(.table == "states" and .problem == "inserted")'

# An attacker who keeps the triggers in place but gets past them.
t2=$(ledger_copy "$IS_LEDGER" t2)
ledger_tamper $t2 "DELETE FROM runs WHERE seq = 2"
broken "a run removed past the triggers" $t2 'any(.table == "runs" and .seq == 2 and .problem == "removed")'

# record puts nothing on top of a broken chain silently: verify still names it.
is-exec s.ndjson | is-ledger --db $e record >/dev/null 2>&1 || true
broken "a ledger written after an edit" $e 'any(.table == "run_events" and .seq == 5 and .problem == "edited")'
expect_rc "verify of a missing ledger: exit 1" 1 is-ledger --db "$(ledger_missing)" verify
