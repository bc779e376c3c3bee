# is-ledger record: what it stores, that it passes every record on unchanged
# and in order once durable, replays, collisions, latency, and that secrets
# never reach the ledger in clear. On both backends (t4000-ledger-record-pg.sh).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

db=$(ledger_target l)
export IS_LEDGER=$db

cat >s.ndjson <<'X'
{"type":"resource","v":1,"id":"Noop/a","kind":"Noop","name":"a","labels":{"env":"t"},"spec":{"outputs":{"n":1}},"deps":[],"refs":[],"hash":"sha256:aa","action":"create"}
{"type":"resource","v":1,"id":"Noop/b","kind":"Noop","name":"b","labels":{},"spec":{"outputs":{"m":"${a.outputs.n}"}},"deps":["Noop/a"],"refs":[{"path":"/spec/outputs/m","ref":"a.outputs.n","id":"Noop/a","output":"/n","whole":true}],"hash":"sha256:bb","action":"create"}
{"type":"resource","v":1,"id":"Noop/gone","kind":"Noop","name":"gone","spec":{},"deps":[],"refs":[],"action":"delete","prior":{}}
X
is-exec s.ndjson >exec.out
{ echo '{"type":"note","v":1,"text":"first"}'; cat exec.out; echo '{"type":"note","v":1,"text":"last"}'; } >in.ndjson
check "record exits 0" is-ledger record <in.ndjson
same "every record passes through unchanged and in order" in.ndjson "$T/.out"
n=$(ledger_sql "$db" "select count(*) from run_events")
[ "$n" = "$(grep -c '"type":"event"' in.ndjson)" ] && ok "one run_events row per event" ||
	fail "one run_events row per event" "got $n"
[ "$(ledger_sql "$db" "select count(*) from runs")" = 2 ] && ok "a row per run record (start, end)" ||
	fail "a row per run record"
got=$(ledger_sql "$db" "select kind, deleted, hash, spec, outputs, labels from states where resource = 'Noop/b'")
[ "$got" = 'Noop|0|sha256:bb|{"outputs":{"m":"${a.outputs.n}"}}|{"m":1}|{}' ] &&
	ok "a READY create is a state with hash, spec (unresolved), outputs, labels" ||
	fail "a READY create is a state with hash, spec (unresolved), outputs, labels" "got $got"
[ "$(ledger_sql "$db" "select deleted from states where resource = 'Noop/gone'")" = 1 ] &&
	ok "a READY delete is a tombstone" || fail "a READY delete is a tombstone"
[ "$(ledger_sql "$db" "select depends_on from state_dependencies d join states s on s.seq = d.state_seq where s.resource = 'Noop/b'")" = Noop/a ] &&
	ok "dependencies are recorded" || fail "dependencies are recorded"
check "the new ledger verifies" is-ledger verify

# Replaying the same input stores nothing twice; output is still everything.
check "a replay of the same records exits 0" is-ledger record <in.ndjson
same "a replay passes everything on" in.ndjson "$T/.out"
[ "$(ledger_sql "$db" "select count(*) from run_events")" = "$n" ] && ok "a replay stores nothing twice" ||
	fail "a replay stores nothing twice"

# Another run with the same id (a collision) is refused, not mixed in.
sed 's/"at":"[^"]*"/"at":"2000-01-01T00:00:00.000Z"/' exec.out >collide.ndjson
expect_rc "a run id collision: exit 1" 1 is-ledger record collide.ndjson
grep -q "another run with this id is already recorded" "$T/.err" && ok "the collision is named" ||
	fail "the collision is named" "$(cat "$T/.err")"
same "a refused run still passes through" collide.ndjson "$T/.out"
[ "$(ledger_sql "$db" "select count(*) from run_events")" = "$n" ] && ok "a refused run stores nothing" ||
	fail "a refused run stores nothing"

# Run ids from the ledger: unique, and is-exec takes them.
a=$(is-ledger next-run-id) b=$(is-ledger next-run-id)
[ -n "$a" ] && [ "$a" != "$b" ] && ok "next-run-id gives a new id each time" || fail "next-run-id"
is-exec --run-id "$a" s.ndjson | is-ledger record >/dev/null
[ "$(ledger_sql "$db" "select count(*) from runs where run = '$a'")" = 2 ] && ok "is-exec --run-id: the run is recorded under it" ||
	fail "is-exec --run-id"
expect_rc "is-exec --run-id 0 is a usage error" 2 is-exec --run-id 0 s.ndjson

# Bad lines are reported and passed on; the rest is stored.
printf '%s\nnot json\n' '{"type":"note","v":1}' >bad.ndjson
expect_rc "a line that is not JSON: exit 1" 1 is-ledger record bad.ndjson
same "... and it is passed on as it came" bad.ndjson "$T/.out"

# PostgreSQL: a write the database refuses fails the batch as a whole,
# nothing of it stored or passed on, and the reason is said (the INSERTs are
# pipelined: the refusal comes back at the commit).
if [ "$LEDGER_BACKEND" = postgres ]; then
	fx=$(ledger_target fx)
	is-ledger --db "$fx" locks >/dev/null
	ledger_sql "$fx" "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN IF NEW.resource = 'Noop/b' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END \$\$; CREATE TRIGGER refuse BEFORE INSERT ON states FOR EACH ROW EXECUTE FUNCTION refuse()"
	expect_rc "a refused write: exit 1" 1 sh -c "is-ledger --db '$fx' record <in.ndjson >fx.out"
	grep -q "refused by the test" "$T/.err" && ok "... and the database's reason is said" ||
		fail "... and the database's reason is said" "$(cat "$T/.err")"
	[ "$(ledger_sql "$fx" "select count(*) from run_events")" = 0 ] && ok "... and nothing of the batch is stored" ||
		fail "... and nothing of the batch is stored"
	grep -q '"type":"event"' fx.out && fail "... and nothing of it is passed on" || ok "... and nothing of it is passed on"
fi

# The append-only triggers (a lock, so that every table has a row).
is-ledger lock --owner me stack >/dev/null
for tc in runs:run run_events:run states:resource state_dependencies:depends_on locks:name run_ids:run; do
	t=${tc%:*} c=${tc#*:}
	if ledger_sql "$db" "update $t set $c = $c" 2>err || ! grep -q "append-only" err; then
		fail "UPDATE of $t is refused"
	else
		ok "UPDATE of $t is refused"
	fi
	if ledger_sql "$db" "delete from $t" 2>err || ! grep -q "append-only" err; then
		fail "DELETE from $t is refused"
	else
		ok "DELETE from $t is refused"
	fi
	# SQLite has no TRUNCATE; PostgreSQL's has no row triggers: one of its own.
	[ "$LEDGER_BACKEND" = postgres ] || continue
	if ledger_sql "$db" "truncate $t cascade" 2>err || ! grep -q "append-only" err; then
		fail "TRUNCATE of $t is refused"
	else
		ok "TRUNCATE of $t is refused"
	fi
done

# Latency: a slow trickle of events reaches stdout soon after each is written.
# The first one also waits for the new ledger's schema to be made, so it is
# held to a second; the others to the 50 ms batch window, with room for a busy
# machine.
cat >trickle.sh <<'X'
for i in 1 2 3 4 5; do
	printf '{"type":"event","v":1,"run":"7","seq":%d,"at":"2024-01-01T00:00:00.000Z","id":"Noop/t","status":"PENDING","sent":%s}\n' $i "$(date +%s%3N)"
	sleep 0.3
done
X
lat=$(ledger_target lat)
sh trickle.sh | IS_LEDGER=$lat is-ledger record | while IFS= read -r line; do
	printf '%s %s\n' "$(date +%s%3N)" "$line"
done >lat.out
# delays SELECT: the delay in ms of the first line (first) or the worst of
# the others (rest).
delays() {
	awk -v which="$1" '{
		match($0, /"sent":[0-9]+/)
		d = $1 - substr($0, RSTART + 7, RLENGTH - 7)
		if (NR == 1) first = d
		else if (d > w) w = d
	} END { print (which == "first" ? first : w) + 0 }' lat.out
}
first=$(delays first)
worst=$(delays rest)
[ "$(wc -l <lat.out)" = 5 ] && [ "$first" -lt 1000 ] && [ "$worst" -lt 150 ] &&
	ok "a trickle: the first event out within 1 s (${first} ms), the others within 150 ms (worst ${worst} ms)" ||
	fail "a trickle: each event out in time" "first $first ms, worst of the others $worst ms" "$(cat lat.out)"

# Secrets: a canary resolved by is-exec never reaches the ledger in clear.
canary=canary-4b1d9e77
cat >sec.ndjson <<'X'
{"type":"resource","v":1,"id":"Noop/s","kind":"Noop","name":"s","spec":{"outputs":{"t":"${secret:TOKEN}","u":"x-${secret:TOKEN}"}},"deps":[],"refs":[{"path":"/spec/outputs/t","ref":"secret:TOKEN","secret":"TOKEN","whole":true},{"path":"/spec/outputs/u","ref":"secret:TOKEN","secret":"TOKEN","whole":false}],"action":"create"}
{"type":"resource","v":1,"id":"Noop/f","kind":"Noop","name":"f","spec":{"fail":"denied for ${secret:TOKEN}"},"deps":[],"refs":[],"action":"create"}
X
sec=$(ledger_target sec)
IS_SECRET_TOKEN=$canary is-exec sec.ndjson 2>/dev/null | IS_LEDGER=$sec is-ledger record >sec.out || true
jq_check "secrets: the state records the spec's reference, not the value" sec.out \
	'any(.id == "Noop/s" and .status == "READY" and .spec.outputs.t == "${secret:TOKEN}")'
if [ "$LEDGER_BACKEND" = sqlite ]; then
	sqlite3 "$sec" .dump >sec.dump
	where="the ledger file, its WAL or a .dump"
	files="$sec $sec-wal"
else
	pg_dump -d "$sec" >sec.dump
	where="a pg_dump of the ledger or the server's files"
	files=$(find "$PG_DATA" -type f)
fi
# shellcheck disable=SC2086
if grep -q "$canary" $files sec.dump sec.out 2>/dev/null; then
	fail "secrets: the canary is nowhere in $where"
else
	ok "secrets: the canary is nowhere in $where"
fi
grep -q 'secret:TOKEN' sec.dump && ok "secrets: the reference is kept" || fail "secrets: the reference is kept"

# The default path and --db.
if [ "$LEDGER_BACKEND" = postgres ]; then
	other=$(ledger_target other)
	expect_rc "--db names a PostgreSQL ledger by URI" 0 is-ledger --db "$other" locks
	[ "$(ledger_sql "$other" "select value from meta where key = 'schema_version'")" -gt 0 ] &&
		ok "--db creates the ledger's tables on first use" || fail "--db creates the ledger's tables"
	expect_rc "a server that is not there: exit 1" 1 is-ledger --db \
		"postgresql://me:pw-8a7f3c@/nosuch?host=$T/nowhere" locks
	grep -q "pw-8a7f3c" "$T/.err" "$T/.out" 2>/dev/null &&
		fail "the URI's password is not shown" || ok "the URI's password is not shown"
fi
expect_rc "--db names the ledger" 0 is-ledger --db "$T/other.db" locks
[ -f "$T/other.db" ] && ok "--db creates the ledger on first use" || fail "--db creates the ledger"
( unset IS_LEDGER; XDG_STATE_HOME=$T/xdg is-ledger locks ) && [ -f "$T/xdg/infrastream/ledger.db" ] &&
	ok "default: \$XDG_STATE_HOME/infrastream/ledger.db" || fail "default path under XDG_STATE_HOME"
( unset IS_LEDGER XDG_STATE_HOME; HOME=$T/home is-ledger locks ) && [ -f "$T/home/.local/state/infrastream/ledger.db" ] &&
	ok "default: ~/.local/state/infrastream/ledger.db" || fail "default path under HOME"
expect_rc "no subcommand: exit 2" 2 is-ledger
expect_rc "an unknown subcommand: exit 2" 2 is-ledger frobnicate
expect_rc "an unknown option of a subcommand: exit 2" 2 is-ledger record --frob
expect_rc "record --help: exit 0" 0 is-ledger record --help
[ ! -e "$T/never.db" ] && is-ledger --db "$T/never.db" verify --help >/dev/null && [ ! -e "$T/never.db" ] &&
	ok "--help of a subcommand creates no ledger" || fail "--help of a subcommand creates no ledger"
expect_rc "output to /dev/full fails" 1 sh -c "is-ledger record <in.ndjson >/dev/full"

# Completions: the subcommands, then each one's options.
words=$(bash -c ". '$TOP/completions/infrastream.bash'
	COMP_WORDS=(is-ledger --db x.db rec); COMP_CWORD=3; _is_ledger; echo \"\${COMPREPLY[*]}\"")
[ "$words" = record ] && ok "bash completes a subcommand" || fail "bash completes a subcommand" "got '$words'"
words=$(bash -c ". '$TOP/completions/infrastream.bash'
	COMP_WORDS=(is-ledger record --lo); COMP_CWORD=2; _is_ledger; echo \"\${COMPREPLY[*]}\"")
[ "$words" = --lock ] && ok "bash completes a subcommand's options" || fail "bash completes a subcommand's options" "got '$words'"
