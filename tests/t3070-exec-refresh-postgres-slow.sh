# Drift on a real PostgreSQL server (tests/pg.sh), found and corrected by
# is-exec --refresh: a role's connection limit and a database's owner
# changed by hand are DRIFTED and updated back; a database dropped by hand
# is DRIFTED gone and created again; --refresh-only reports, changes nothing.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/pg.sh"
pg_start
IS_LEDGER=$T/ledger.db
export IS_LEDGER
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

cat >stack.yaml <<'Y'
kind: PostgresRole
metadata: {name: shop}
spec:
  server: ${env:IS_TEST_PG_URL}
  connectionLimit: 5
---
kind: PostgresDatabase
metadata: {name: shopdb}
spec:
  server: ${env:IS_TEST_PG_URL}
  owner: ${PostgresRole/shop.outputs.name}
Y
# apply N [is-exec options]: plan against the ledger, run, record.
apply() {
	n=$1
	shift
	is-ledger state >"prior$n.ndjson"
	is-parse stack.yaml | is-graph --prior "prior$n.ndjson" >"plan$n.ndjson"
	run_rc exec_rc is-exec "$@" "plan$n.ndjson" >"exec$n.ndjson" 2>"exec$n.err"
	is-ledger record "exec$n.ndjson" >"run$n.ndjson"
}
drifted() { jq -c -s '[.[] | select(.status == "DRIFTED") | {(.id): .drift}] | add' "$1"; }

apply 1
[ "$exec_rc" = 0 ] && [ "$(q "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'shop'")" = 5 ] &&
	ok "a role and its database are made" || fail "a role and its database are made" "$(cat exec1.err)"
apply 2 --refresh
jq_check "unchanged: nothing drifted, nothing changed" run2.ndjson \
	'map(select(.type == "run" and .phase == "end"))[0] | .drifted == 0 and .changed == 0'

q "ALTER ROLE shop CONNECTION LIMIT 9"
q "ALTER DATABASE shopdb OWNER TO postgres"
apply 3 --refresh-only
[ "$exec_rc" = 4 ] && [ "$(drifted run3.ndjson)" = \
	'{"PostgresRole/shop":{"connectionLimit":{"was":5,"now":9}},"PostgresDatabase/shopdb":{"owner":{"was":"shop","now":"postgres"}}}' ] &&
	ok "--refresh-only: the limit and the owner changed by hand, exit 4" ||
	fail "--refresh-only: the drift" "rc=$exec_rc" "$(drifted run3.ndjson)" "$(cat exec3.err)"
[ "$(q "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'shop'")" = 9 ] &&
	ok "--refresh-only changed nothing" || fail "--refresh-only changed nothing"
apply 4 --refresh
[ "$exec_rc" = 0 ] && [ "$(q "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'shop'")" = 5 ] &&
	[ "$(q "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shopdb'")" = shop ] &&
	ok "--refresh: the limit and the owner are put back" ||
	fail "--refresh: put back" "rc=$exec_rc" "$(cat exec4.err)"
jq_check "--refresh: both DRIFTED, then updated" run4.ndjson \
	'[.[] | select(.type == "event" and .status != "PENDING") | [.id, .status, .action]] | sort ==
	 ([["PostgresRole/shop", "DRIFTED", "update"], ["PostgresRole/shop", "UPDATING", "update"],
	   ["PostgresRole/shop", "READY", "update"], ["PostgresDatabase/shopdb", "DRIFTED", "update"],
	   ["PostgresDatabase/shopdb", "UPDATING", "update"], ["PostgresDatabase/shopdb", "READY", "update"]] | sort)'

q "DROP DATABASE shopdb"
apply 5 --refresh
[ "$exec_rc" = 0 ] && [ "$(q "SELECT count(*) FROM pg_database WHERE datname = 'shopdb'")" = 1 ] &&
	ok "a database dropped by hand is made again" || fail "a dropped database is made again" "$(cat exec5.err)"
jq_check "it was DRIFTED gone, then created" run5.ndjson \
	'[.[] | select(.id == "PostgresDatabase/shopdb" and .type == "event" and .status != "PENDING") | [.status, .action, .drift]] ==
	 [["DRIFTED", "create", {gone: true}], ["CREATING", "create", null], ["READY", "create", null]]'
apply 6 --refresh
jq_check "then nothing drifts" run6.ndjson \
	'map(select(.type == "run" and .phase == "end"))[0] | .drifted == 0 and .changed == 0'
check "the ledger verifies" is-ledger verify
