# The same records in a SQLite ledger and a PostgreSQL ledger give the same
# answers, byte for byte: runs, events, state (now and --at), history, diff,
# graph, search, downstream, verify, as NDJSON and as tables. Only search's
# rank differs (FTS5's bm25 against PostgreSQL's ts_rank), so it is left out.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/pg.sh"
pg_start
export TZ=UTC
psql -X -q -c "CREATE DATABASE same" >/dev/null
lite=$T/same.db
pg="postgresql:///same?host=$PG_SOCK&port=5432&user=postgres"

mkdir m
cat >m/a.yaml <<'X'
kind: MetaGroup
metadata: {name: net}
spec: {members: [Noop/a]}
---
kind: Noop
metadata: {name: a, labels: {env: prod, tier: base}}
spec: {outputs: {v: 1, url: "http://example.com/x-y"}}
---
kind: Noop
metadata: {name: b, dependsOn: [group:net]}
spec: {outputs: {w: "${a.outputs.v}"}}
---
kind: Noop
metadata: {name: c, labels: {team: lighthouse}}
spec: {outputs: {c: true}}
X
# Two runs; the second changes a, deletes c, adds d. Each is recorded into
# SQLite as it runs (planned against it), then the very same records into
# PostgreSQL.
run() {
	bash -c "is-parse m | is-graph --prior <(is-ledger --db '$lite' state) | is-exec --run-id $1" >run$1.ndjson
	is-ledger --db "$lite" record <run$1.ndjson >/dev/null
	is-ledger --db "$pg" record <run$1.ndjson >/dev/null
}
run 11
sleep 0.05
mid=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 0.05
sed -i 's/v: 1,/v: 2,/' m/a.yaml
sed -i '/name: c,/,$d' m/a.yaml
sed -i '$d' m/a.yaml
cat >>m/a.yaml <<'X'
---
kind: Noop
metadata: {name: d, dependsOn: [b]}
spec: {outputs: {d: 4}}
X
run 12

# both NAME ARGS...: the same is-ledger query on both ledgers, outputs compared.
both() {
	name=$1
	shift
	is-ledger --db "$lite" "$@" >lite.out 2>lite.err || echo "exit $?" >>lite.out
	is-ledger --db "$pg" "$@" >pg.out 2>pg.err || echo "exit $?" >>pg.out
	if [ -s lite.out ] && cmp -s lite.out pg.out; then
		ok "same on both: $name"
	else
		fail "same on both: $name" "$(diff lite.out pg.out | head -n 8)" "$(cat lite.err pg.err)"
	fi
}
both "runs" runs
both "runs -f table" runs -f table
both "events of the first run" events --run 11
both "events of the latest run" events
both "events -f table" events --run 12 -f table
both "state" state
both "state --at the middle" state --at "$mid"
both "state --run" state --run 11
both "state --id" state --id Noop/b --id Noop/a
both "state -f table" state -f table
both "history" history Noop/a
both "history of a deleted resource" history Noop/c
both "history of no resource" history Noop/none
both "diff" diff --from "$mid"
both "diff between runs" diff --from 11 --to 12
both "graph" graph
both "graph -f dot" graph -f dot
both "graph --at" graph --at "$mid"
both "downstream" downstream Noop/a
both "downstream through the group" downstream Noop/a -f dot
both "verify" verify
# search: all but the rank.
for q in "prod" "lighthouse" "Noop/a" "example.com" "env prod" "nosuchword"; do
	is-ledger --db "$lite" search $q | jq -c 'del(.rank)' >lite.out
	is-ledger --db "$pg" search $q | jq -c 'del(.rank)' >pg.out
	cmp -s lite.out pg.out && ok "same on both: search $q" ||
		fail "same on both: search $q" "$(diff lite.out pg.out | head -n 8)"
done
for q in 'lighth*' 'prod OR lighthouse' '"example com"' 'noop NOT prod' '(env AND prod) OR team'; do
	is-ledger --db "$lite" search --raw "$q" | jq -c 'del(.rank)' | sort >lite.out
	is-ledger --db "$pg" search --raw "$q" | jq -c 'del(.rank)' | sort >pg.out
	[ -s lite.out ] && cmp -s lite.out pg.out && ok "same on both: search --raw $q" ||
		fail "same on both: search --raw $q" "$(diff lite.out pg.out | head -n 8)"
done
expect_rc "search --raw with bad syntax on PostgreSQL: exit 1" 1 is-ledger --db "$pg" search --raw '"open'
