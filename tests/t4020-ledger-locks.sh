# is-ledger lock, unlock, locks, and record --lock: one holder at a time,
# refusals name the holder and since when (exit 3), expired locks are taken
# over and the takeover is recorded, and taking a lock is race-free.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

IS_LEDGER=$(ledger_target l)
export IS_LEDGER
expect_rc "lock: a free lock is taken" 0 is-ledger lock --owner alice --reason "deploy 42" prod
jq_check "lock: writes the lock record" "$T/.out" '.[0] | .type == "lock" and .name == "prod" and .owner == "alice" and .reason == "deploy 42" and (.since | test("Z$"))'
expect_rc "lock: a second owner is refused with exit 3" 3 is-ledger lock --owner bob prod
grep -q "lock 'prod' is held by 'alice' since 20.*(deploy 42)" "$T/.err" &&
	ok "lock: the refusal names the holder, since when and why" || fail "lock: refusal message" "$(cat "$T/.err")"
expect_rc "lock: the holder may take it again" 0 is-ledger lock --owner alice prod

echo '{"type":"run","v":1,"run":"11","phase":"start","status":"RUNNING","at":"2024-01-01T00:00:00.000Z"}' >run.ndjson
expect_rc "record --lock: refused on a stack locked by someone else (exit 3)" 3 \
	is-ledger record --lock prod --owner bob run.ndjson
grep -q "held by 'alice'" "$T/.err" && ok "record --lock: names the holder" || fail "record --lock: names the holder"
[ "$(ledger_sql "$IS_LEDGER" "select count(*) from runs")" = 0 ] && ok "record --lock: a refused run stores nothing" ||
	fail "record --lock: a refused run stores nothing"
expect_rc "record --lock: the holder records" 0 is-ledger record --lock prod --owner alice run.ndjson
expect_rc "locks: exit 0" 0 is-ledger locks
jq_check "locks: lists the holder" "$T/.out" 'length == 1 and .[0].name == "prod" and .[0].owner == "alice"'
expect_rc "record --lock: a lock held before stays held" 0 is-ledger locks
jq_check "... still held by alice" "$T/.out" 'length == 1'

expect_rc "unlock: by another owner is refused (exit 3)" 3 is-ledger unlock --owner bob prod
expect_rc "unlock: by the holder" 0 is-ledger unlock --owner alice prod
expect_rc "unlock: of a free lock: exit 1" 1 is-ledger unlock --owner alice prod
is-ledger locks >locks.out
[ ! -s locks.out ] && ok "locks: nothing held after unlock" || fail "locks: nothing held" "$(cat locks.out)"

echo '{"type":"run","v":1,"run":"12","phase":"start","status":"RUNNING","at":"2024-01-01T00:00:00.000Z"}' >run2.ndjson
expect_rc "record --lock: takes a free lock" 0 is-ledger record --lock prod --owner bob run2.ndjson
[ "$(ledger_sql "$IS_LEDGER" "select group_concat(action || ':' || owner, ' ') from (select * from locks where name = 'prod' order by seq desc limit 2) t")" = "unlock:bob lock:bob" ] &&
	ok "record --lock: ... and releases it at the end" || fail "record --lock releases its own lock"

# Expiry and takeover.
expect_rc "lock --ttl" 0 is-ledger lock --owner carol --ttl 1s --reason short stage
jq_check "lock --ttl: the record says when it expires" "$T/.out" '.[0].expires > .[0].since'
expect_rc "lock --ttl: held until it expires" 3 is-ledger lock --owner dave stage
sleep 1.2
expect_rc "an expired lock is taken over" 0 is-ledger lock --owner dave stage
jq_check "the takeover is in the lock record" "$T/.out" '.[0].owner == "dave" and .[0].takeover'
[ "$(ledger_sql "$IS_LEDGER" "select group_concat(action || ':' || owner, ' ') from (select * from locks where name = 'stage' order by seq) t")" = "lock:carol lock:carol expire:carol takeover:dave" ] ||
[ "$(ledger_sql "$IS_LEDGER" "select group_concat(action || ':' || owner, ' ') from (select * from locks where name = 'stage' order by seq) t")" = "lock:carol expire:carol takeover:dave" ] &&
	ok "the expiry and the takeover are recorded" ||
	fail "the expiry and the takeover are recorded" "$(ledger_sql "$IS_LEDGER" "select * from locks where name = 'stage'")"
expect_rc "lock --ttl junk: exit 2" 2 is-ledger lock --owner x --ttl soon other

# Race: many takers at once, one winner.
i=0
while [ $i -lt 12 ]; do
	( rc=0; is-ledger lock --owner "w$i" race >/dev/null 2>&1 || rc=$?; echo $rc >rc.$i ) &
	i=$((i + 1))
done
wait
won=$(cat rc.* | grep -c '^0$' || true)
lost=$(cat rc.* | grep -c '^3$' || true)
[ "$won" = 1 ] && [ "$lost" = 11 ] && ok "12 takers at once: exactly one wins, 11 are refused" ||
	fail "12 takers at once: exactly one wins" "won $won, refused $lost, codes: $(cat rc.* | tr '\n' ' ')"
check "the ledger verifies after all that" is-ledger verify
