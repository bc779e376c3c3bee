# is-ledger verify: a row edited, removed or inserted behind the ledger's back
# (with the sqlite3 shell, after dropping the triggers) is found and named.
. "$(dirname "$0")/lib.sh"

export IS_LEDGER=$T/l.db
cat >s.ndjson <<'X'
{"type":"resource","v":1,"id":"Noop/a","kind":"Noop","name":"a","spec":{"outputs":{"n":1}},"deps":[],"refs":[],"action":"create"}
{"type":"resource","v":1,"id":"Noop/b","kind":"Noop","name":"b","spec":{"outputs":{"n":2}},"deps":["Noop/a"],"refs":[],"action":"create"}
X
for i in 1 2 3; do is-exec s.ndjson | is-ledger record >/dev/null; done
check "an untouched ledger verifies" is-ledger verify
jq_check "verify writes a summary record" "$T/.out" '.[-1] | .type == "verify" and .ok and .events > 0'

# fresh COPY NAME: a copy of the ledger without its triggers.
fresh() {
	cp "$IS_LEDGER" "$1"
	sqlite3 "$1" "$(for t in runs run_events states state_dependencies locks run_ids; do
		printf 'DROP TRIGGER %s_no_update; DROP TRIGGER %s_no_delete;' $t $t; done)"
}
# broken NAME DB WANT: verify exits 1 and its records name WANT (a jq filter).
broken() {
	expect_rc "$1: verify exits 1" 1 is-ledger --db "$2" verify
	jq_check "$1: named" "$T/.out" "$3"
}

fresh e.db
broken "no triggers" e.db 'any(.problem == "trigger-missing" and .table == "run_events")'
sqlite3 e.db "UPDATE run_events SET record = replace(record, '\"seq\":', '\"seq\": ') WHERE seq = 5"
broken "an edited event" e.db 'any(.table == "run_events" and .seq == 5 and .problem == "edited")'
jq_check "an edited event: only that row" "$T/.out" '[.[] | select(.table == "run_events" and .seq)] | length == 1'

fresh d.db
sqlite3 d.db "DELETE FROM run_events WHERE seq = 4"
broken "a removed event" d.db 'any(.table == "run_events" and .seq == 4 and .problem == "removed")'

fresh t.db
last=$(sqlite3 t.db "SELECT max(seq) FROM run_events")
sqlite3 t.db "DELETE FROM run_events WHERE seq = $last"
broken "a removed last event" t.db "any(.table == \"run_events\" and .seq == $last and .problem == \"removed\")"

fresh i.db
sqlite3 i.db "INSERT INTO run_events(run, event_seq, at, resource, status, action, record, prev_hash, hash) SELECT run, event_seq, at, resource, status, action, record, prev_hash, hash FROM run_events WHERE seq = 2"
broken "an inserted event" i.db "any(.table == \"run_events\" and .seq == $((last + 1)) and .problem == \"inserted\")"

fresh r.db
sqlite3 r.db "UPDATE runs SET status = 'FAILED' WHERE seq = 2"
broken "an edited run" r.db 'any(.table == "runs" and .seq == 2 and .problem == "edited")'

fresh s.db
sqlite3 s.db "UPDATE states SET outputs = '{\"n\":9}' WHERE seq = 1"
broken "an edited state" s.db 'any(.table == "states" and .seq == 1 and .problem == "edited")'

fresh s2.db
sqlite3 s2.db "DELETE FROM state_dependencies WHERE rowid = (SELECT max(rowid) FROM state_dependencies); DELETE FROM states WHERE seq = (SELECT max(seq) FROM states)"
broken "a removed state" s2.db 'any(.table == "states" and .problem == "removed")'

fresh s3.db
sqlite3 s3.db "INSERT INTO states(resource, kind, at, deleted) VALUES ('Noop/x', 'Noop', '2024-01-01T00:00:00.000Z', 0)"
broken "an inserted state" s3.db 'any(.table == "states" and .problem == "inserted")'

# record puts nothing on top of a broken chain silently: verify still names it.
is-exec s.ndjson | is-ledger --db e.db record >/dev/null 2>&1 || true
broken "a ledger written after an edit" e.db 'any(.table == "run_events" and .seq == 5 and .problem == "edited")'
expect_rc "verify of a missing ledger: exit 1" 1 is-ledger --db "$T/none.db" verify
