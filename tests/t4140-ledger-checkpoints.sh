# Checkpoints (is-ledger(1)): "state --at" read through them answers exactly
# what the search per resource answers, at every instant of a scripted
# history: across checkpoint boundaries, with deletes, resources that appear
# after a checkpoint, a writer whose clock is behind (times that do not grow
# with seq) and ties. A ledger migrated from before checkpoints gets them;
# verify catches an edited one. On both backends (the -pg-slow wrapper).
#
# IS_LEDGER_CHECKPOINT_ROWS (internal, for tests): a checkpoint every that
# many states instead of every quarter of the resources (at least 1,000);
# 0 writes none, so queries take the search per resource.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

# ev RUN AT ID ACTION [DEP]: the READY event is-exec writes for a change.
n=0
ev() {
	n=$((n + 1))
	deps=${5:+\"Noop/$5\"}
	printf '{"type":"event","v":1,"run":"%s","seq":%d,"at":"2024-01-01T00:00:%s.000Z","id":"Noop/%s","kind":"Noop","status":"READY","action":"%s","attempt":1,"outputs":{"n":%d},"hash":"sha256:%064d","spec":{"outputs":{"n":%d}},"deps":[%s],"labels":{"run":"%s"}}\n' \
		"$1" "$n" "$2" "$3" "$4" "$n" "$n" "$n" "$deps" "$1"
}
run() {
	printf '{"type":"run","v":1,"run":"%s","phase":"%s","status":"%s","at":"2024-01-01T00:00:%s.000Z"}\n' "$1" "$2" "$3" "$4"
}
# Run 1: a, b (needs a), c. Run 2: a changes, c goes, d and e come.
# Run 3, from a host whose clock is behind: b changes "before" run 2, f comes.
# Run 4: a goes, c comes back, d changes twice at one instant, g comes.
# Run 5: a comes back; e goes; h comes.
{
	run 1 start RUNNING 01
	ev 1 02 a create; ev 1 03 b create a; ev 1 04 c create
	run 1 end SUCCEEDED 05
} >r1.ndjson
{
	run 2 start RUNNING 10
	ev 2 11 a update; ev 2 12 c delete; ev 2 13 d create b; ev 2 14 e create
	run 2 end SUCCEEDED 15
} >r2.ndjson
{
	run 3 start RUNNING 07
	ev 3 08 b update a; ev 3 16 f create
	run 3 end SUCCEEDED 17
} >r3.ndjson
{
	run 4 start RUNNING 20
	ev 4 21 a delete; ev 4 22 c create; ev 4 23 d update; ev 4 23 d update e
	ev 4 24 g create f
	run 4 end SUCCEEDED 25
} >r4.ndjson
{
	run 5 start RUNNING 30
	ev 5 31 a create; ev 5 32 e delete; ev 5 33 h create a
	run 5 end SUCCEEDED 34
} >r5.ndjson

with=$(ledger_target with)
without=$(ledger_target without)
for r in 1 2 3 4 5; do
	IS_LEDGER_CHECKPOINT_ROWS=3 is-ledger --db "$with" record <r$r.ndjson >/dev/null ||
		fail "record run $r (checkpoints every 3 states)"
	IS_LEDGER_CHECKPOINT_ROWS=0 is-ledger --db "$without" record <r$r.ndjson >/dev/null ||
		fail "record run $r (no checkpoints)"
done
ledger_sql "$with" "select count(*) from checkpoints" >count
[ "$(cat count)" -ge 4 ] && ok "checkpoints are written every 3 states ($(cat count))" ||
	fail "checkpoints are written every 3 states" "$(cat count)"
[ "$(ledger_sql "$without" "select count(*) from checkpoints")" = 0 ] &&
	ok "none with IS_LEDGER_CHECKPOINT_ROWS=0" || fail "none with IS_LEDGER_CHECKPOINT_ROWS=0"
check "a ledger with checkpoints verifies" is-ledger --db "$with" verify

# every DB1 DB2 WHAT: state --at every instant (before the first event, at
# each event's time and half a second after it) and now, the same bytes from
# both.
every() {
	bad=
	for s in ${4:-00 02 03 04 08 11 12 13 14 16 21 22 23 24 31 32 33}; do
		for f in 000 500; do
			t=2024-01-01T00:00:$s.${f}Z
			is-ledger --db "$1" state --at "$t" >a.json
			is-ledger --db "$2" state --at "$t" >b.json
			cmp -s a.json b.json || bad="$bad $t"
		done
	done
	is-ledger --db "$1" state >a.json
	is-ledger --db "$2" state >b.json
	cmp -s a.json b.json || bad="$bad now"
	[ -z "$bad" ] && ok "$3" || fail "$3" "differ at:$bad"
}
every "$with" "$without" "state --at every instant: the same through checkpoints as without"

is-ledger --db "$with" state --at 2024-01-01T00:00:09.000Z >s.json
jq_check "the late writer's version counts at its own time" s.json \
	'map(.id) == ["Noop/a", "Noop/b", "Noop/c"] and (.[1].labels.run == "3")'
is-ledger --db "$with" state --at 2024-01-01T00:00:23.500Z >s.json
jq_check "a deleted resource is gone, one back is there, a tie goes to the later row" s.json \
	'map(.id) == ["Noop/b", "Noop/c", "Noop/d", "Noop/e", "Noop/f"] and .[2].deps == ["Noop/e"]'
is-ledger --db "$with" state >s.json
jq_check "now: a is back, e is gone, h is new" s.json \
	'map(.id) == ["Noop/a", "Noop/b", "Noop/c", "Noop/d", "Noop/f", "Noop/g", "Noop/h"]'
is-ledger --db "$with" diff --from 2024-01-01T00:00:09.000Z --to 2024-01-01T00:00:35.000Z >d1.json
is-ledger --db "$without" diff --from 2024-01-01T00:00:09.000Z --to 2024-01-01T00:00:35.000Z >d2.json
same "diff agrees with and without checkpoints" d1.json d2.json

# A ledger from before checkpoints (schema version 4) gets them when opened.
old=$(ledger_copy "$without" old)
ledger_sql "$old" "drop table checkpoints; update meta set value = '4' where key = 'schema_version'"
IS_LEDGER_CHECKPOINT_ROWS=3 is-ledger --db "$old" state >/dev/null
[ "$(ledger_sql "$old" "select value from meta where key = 'schema_version'")" = 5 ] &&
	ok "an older ledger is migrated" || fail "an older ledger is migrated"
ledger_sql "$old" "select count(*) from checkpoints" >count
[ "$(cat count)" -ge 4 ] && ok "the migration writes its checkpoints ($(cat count))" ||
	fail "the migration writes its checkpoints" "$(cat count)"
check "a migrated ledger verifies" is-ledger --db "$old" verify
every "$old" "$without" "state --at every instant: the same on the migrated ledger"

# Two writers at once, each writing checkpoints every 2 states, so each
# may find the other's and build on them. The answers are those of the same ledger
# with its checkpoints taken away.
{
	run 6 start RUNNING 39
	for i in 0 1 2 3 4 5 6 7 8 9; do ev 6 4$i p$i create; done
	run 6 end SUCCEEDED 50
} >r6.ndjson
{
	run 7 start RUNNING 39
	for i in 0 1 2 3 4 5 6 7 8 9; do ev 7 5$i b update a; done
	run 7 end SUCCEEDED 59
} >r7.ndjson
before=$(ledger_sql "$with" "select count(*) from checkpoints")
IS_LEDGER_CHECKPOINT_ROWS=2 is-ledger --db "$with" record <r6.ndjson >/dev/null &
IS_LEDGER_CHECKPOINT_ROWS=2 is-ledger --db "$with" record <r7.ndjson >/dev/null
wait $! || fail "record beside another writer"
after=$(ledger_sql "$with" "select count(*) from checkpoints")
# One each, or one for both when the second commit comes before the first
# writer's checkpoint.
[ "$after" -gt "$before" ] && ok "the writers write checkpoints ($before, then $after)" ||
	fail "the writers write checkpoints" "$before, then $after"
check "two writers' checkpoints verify" is-ledger --db "$with" verify
bare=$(ledger_copy "$with" bare)
ledger_tamper "$bare" "delete from checkpoints"
every "$with" "$bare" "state --at every instant: two writers' checkpoints answer as none do" \
	"00 08 16 23 33 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59"

# Edited checkpoints: a version named that is not the latest, a time moved.
e1=$(ledger_copy "$with" e1)
ledger_tamper "$e1" "update checkpoints set states = replace(states, '[', '[1,') where seq = 3"
expect_rc "a checkpoint naming another version: verify exits 1" 1 is-ledger --db "$e1" verify
jq_check "named: the checkpoint, edited" "$T/.out" \
	'any(.table == "checkpoints" and .seq == 3 and .problem == "edited")'
e2=$(ledger_copy "$with" e2)
ledger_tamper "$e2" "update checkpoints set max_at = '2024-01-01T00:00:59.000Z' where seq = 2"
expect_rc "a checkpoint with a time moved: verify exits 1" 1 is-ledger --db "$e2" verify
jq_check "named: the checkpoint, edited" "$T/.out" \
	'any(.table == "checkpoints" and .seq == 2 and .problem == "edited")'
e3=$(ledger_copy "$with" e3)
ledger_tamper "$e3" "delete from checkpoints where seq = 2"
expect_rc "a checkpoint removed: verify exits 1" 1 is-ledger --db "$e3" verify
jq_check "named: the checkpoint after it no longer follows" "$T/.out" \
	'any(.table == "checkpoints" and .seq == 3 and .problem == "edited")'
if ledger_sql "$with" "update checkpoints set count = 0" 2>/dev/null; then
	fail "checkpoints are append-only"
else
	ok "checkpoints are append-only"
fi
