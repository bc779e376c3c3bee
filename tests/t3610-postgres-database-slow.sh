# PostgresDatabase and PostgresGrant on a real server (tests/pg.sh): a
# service's role, database, grant and config File in one pipeline; a login
# with the URL the File got; rights checked with has_*_privilege; an update
# that puts back an owner changed by hand; deletes that refuse a database
# with connections or rows until spec.dropWithData says so; odd names.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/pg.sh"
pg_start
pg_passwords
IS_LEDGER=$T/ledger.db
export IS_LEDGER

apply() {
	n=$1 stack=$2
	shift 2
	is-ledger state >"prior$n.ndjson" &&
		is-parse "$stack" 2>"parse$n.err" | is-graph --prior "prior$n.ndjson" 2>"graph$n.err" |
		is-exec --backoff 0.01 "$@" 2>"exec$n.err" | tee "run$n.ndjson" | is-ledger record >/dev/null 2>"ledger$n.err" &&
		jq -e -s 'map(select(.type == "run" and .phase == "end"))[0].status == "SUCCEEDED"' \
			"run$n.ndjson" >/dev/null
}
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

q "CREATE ROLE reporting LOGIN PASSWORD 'rep'"
mkdir app
cat >app/db.yaml <<'Y'
apiVersion: infrastream/v1
kind: PostgresRole
metadata: {name: checkout}
spec:
  server: ${env:IS_TEST_PG_URL}
---
apiVersion: infrastream/v1
kind: PostgresDatabase
metadata: {name: checkout}
spec:
  server: ${env:IS_TEST_PG_URL}
  owner: ${PostgresRole/checkout.outputs.name}
  password: ${PostgresRole/checkout.outputs.password}
  encoding: UTF8
  locale: C
  extensions: [citext]
---
apiVersion: infrastream/v1
kind: PostgresGrant
metadata: {name: reporting-on-checkout}
spec:
  server: ${env:IS_TEST_PG_URL}
  role: reporting
  database: ${PostgresDatabase/checkout.outputs.dbname}
  privileges: [CONNECT, TEMP]
  schemaPrivileges: [USAGE]
  tablePrivileges: [SELECT]
---
apiVersion: infrastream/v1
kind: File
metadata: {name: checkout-config, dependsOn: [PostgresGrant/reporting-on-checkout]}
spec:
  path: checkout.env
  mode: "0600"
  content: |
    DATABASE_URL=${PostgresDatabase/checkout.outputs.url}
Y
run_rc rc apply 1 app
[ "$rc" = 0 ] && ok "role, database, grant and File: exit 0" ||
	fail "role, database, grant and File: exit 0" "rc=$rc" "$(cat exec1.err)" "$(grep FAILED run1.ndjson)"
[ "$(q "SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding), datcollate FROM pg_database WHERE datname = 'checkout'")" = "checkout|UTF8|C" ] &&
	ok "the database exists, owned by the role, UTF8, LC_COLLATE C" ||
	fail "the database exists, owned by the role, UTF8, LC_COLLATE C"
url=$(sed -n 's/^DATABASE_URL=//p' checkout.env)
[ "$(psql -XAtq "$url" -c 'SELECT current_user, current_database()')" = "checkout|checkout" ] &&
	ok "psql logs in with the URL the File got" || fail "psql logs in with the URL the File got" "$url"
[ "$(psql -XAtq "$url" -c "SELECT extname FROM pg_extension WHERE extname = 'citext'")" = citext ] &&
	ok "the extension is installed in the database" || fail "the extension is installed in the database"
pw=$(psql -XAtq "$url" -c 'SELECT 1' >/dev/null && printf '%s' "$url" | sed 's|^postgresql://checkout:\([^@]*\)@.*|\1|')
[ ${#pw} = 32 ] && ! grep -qF "$pw" run1.ndjson exec1.err && ! sqlite3 "$IS_LEDGER" .dump | grep -qF "$pw" &&
	ok "the URL's password is in no record and not in the ledger" ||
	fail "the URL's password is in no record and not in the ledger"
jq_check "the database's READY event: host, port, dbname, user and the URL with *** for the password" run1.ndjson \
	'any(.id == "PostgresDatabase/checkout" and .status == "READY" and .outputs.dbname == "checkout"
	     and .outputs.user == "checkout" and .outputs.port == "5432" and (.outputs.host | startswith("/"))
	     and (.outputs.url | startswith("postgresql://checkout:***@/checkout?host=")))'
jq_check "the File's outputs carry no URL (path, sha256, size, mode)" run1.ndjson \
	'any(.id == "File/checkout-config" and .status == "READY" and (.outputs | keys) == ["mode", "path", "sha256", "size"])'

# The grant: rights on the database, the schema, tables made later.
psql -XAtq "$url" -c "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)"
# Every role has CONNECT and TEMP through PUBLIC unless revoked: the
# grant's own are the explicit entries of the ACL.
acl() { q "SELECT string_agg(privilege_type, ',' ORDER BY privilege_type) FROM pg_database d, aclexplode(d.datacl) a WHERE datname = 'checkout' AND grantee = 'reporting'::regrole"; }
[ "$(acl)" = "CONNECT,TEMPORARY" ] && [ "$(q "SELECT has_database_privilege('reporting', 'checkout', 'CREATE')")" = f ] &&
	ok "grant: CONNECT and TEMP on the database, not CREATE" || fail "grant: CONNECT and TEMP on the database, not CREATE" "$(acl)"
[ "$(PGPASSWORD=rep psql -XAtq -U reporting -d checkout -c "SELECT count(*) FROM orders")" = 1 ] &&
	ok "grant: the reporting role reads a table the owner made after the grant" ||
	fail "grant: the reporting role reads a table the owner made after the grant"
run_rc rc env PGPASSWORD=rep psql -XAtq -U reporting -d checkout -c "INSERT INTO orders VALUES (2)" >/dev/null 2>&1
[ "$rc" != 0 ] && ok "grant: but may not insert" || fail "grant: but may not insert"
jq_check "grant: its outputs list what it holds" run1.ndjson \
	'any(.id == "PostgresGrant/reporting-on-checkout" and .status == "READY"
	     and .outputs.privileges == ["CONNECT", "TEMPORARY"] and .outputs.schemaPrivileges == ["USAGE"]
	     and .outputs.tablePrivileges == ["SELECT"] and .outputs.sequencePrivileges == [])'

# Drift by hand, then an update (a changed spec) puts the owner back and
# the grant drops what the spec no longer asks.
q "CREATE ROLE intruder; ALTER DATABASE checkout OWNER TO intruder"
sed -i 's/extensions: \[citext\]/extensions: [citext, pgcrypto]/; s/tablePrivileges: \[SELECT\]/tablePrivileges: [SELECT, INSERT]/; s/privileges: \[CONNECT, TEMP\]/privileges: [CONNECT]/' app/db.yaml
run_rc rc apply 2 app
[ "$rc" = 0 ] && [ "$(q "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'checkout'")" = checkout ] &&
	ok "update: the owner changed by hand is the role again" || fail "update: the owner changed by hand is the role again" "$(cat exec2.err)"
[ "$(psql -XAtq -d checkout -c "SELECT count(*) FROM pg_extension WHERE extname IN ('citext', 'pgcrypto')")" = 2 ] &&
	ok "update: the extension added to the list is installed" || fail "update: the extension added to the list is installed"
[ "$(acl)" = CONNECT ] &&
	[ "$(PGPASSWORD=rep psql -XAtq -U reporting -d checkout -c "INSERT INTO orders VALUES (2) RETURNING id")" = 2 ] &&
	ok "update: the grant revokes TEMP and gives INSERT on the tables" ||
	fail "update: the grant revokes TEMP and gives INSERT on the tables"

# Drift by hand found by is-exec --refresh-only (which changes nothing),
# then corrected by --refresh. The new owner's tables would not get the
# grant's default privileges (those are the old owner's): drift too.
q "ALTER DATABASE checkout OWNER TO intruder; REVOKE CONNECT ON DATABASE checkout FROM reporting"
run_rc rc apply 2r app --refresh-only
jq_check "--refresh-only: the owner and the privilege changed by hand are DRIFTED, with what differs" run2r.ndjson \
	'(map(select(.status == "DRIFTED")) | map({(.id): .drift}) | add) ==
	 {"PostgresDatabase/checkout": {owner: {was: "checkout", now: "intruder"}},
	  "PostgresGrant/reporting-on-checkout": {privileges: {was: ["CONNECT"], now: []},
	    tablePrivileges: {was: ["INSERT", "SELECT"], now: []}}}'
[ "$(q "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'checkout'")" = intruder ] &&
	ok "--refresh-only: nothing changed" || fail "--refresh-only: nothing changed"
run_rc rc apply 2c app --refresh
[ "$rc" = 0 ] && [ "$(q "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'checkout'")" = checkout ] &&
	[ "$(acl)" = CONNECT ] && ok "--refresh: owner and privilege are put back" ||
	fail "--refresh: owner and privilege are put back" "$(cat exec2c.err)" "$(grep -E 'FAILED|DRIFTED' run2c.ndjson)"
jq_check "--refresh: each DRIFTED, then updated" run2c.ndjson \
	'[.[] | select(.type == "event" and (.id == "PostgresDatabase/checkout" or .id == "PostgresGrant/reporting-on-checkout")
	   and .status != "PENDING") | [.id, .status]] | group_by(.[0]) | map(map(.[1])) ==
	 [["DRIFTED", "UPDATING", "READY"], ["DRIFTED", "UPDATING", "READY"]]'

# Read, update and drift through the providers themselves, a role dropped
# by hand among them: the unit test's server part.
"${IS_UNIT:-$TOP/build/unit}/test_provider_postgres" >unit.out 2>&1 || true
grep -q '^ok - server:' unit.out && ! grep -q '^FAIL' unit.out &&
	ok "read reports drift (owner, gone role, grants) and update corrects it ($(grep -c '^ok - server:' unit.out) checks)" ||
	fail "read reports drift (owner, gone role, grants) and update corrects it" "$(grep -v '^ok' unit.out | head -n 10)"

# An existing database that differs is reported; a matching one adopted.
q "CREATE DATABASE taken"
cat >taken.yaml <<'Y'
apiVersion: infrastream/v1
kind: PostgresDatabase
metadata: {name: taken}
spec:
  server: ${env:IS_TEST_PG_URL}
  owner: checkout
---
apiVersion: infrastream/v1
kind: PostgresDatabase
metadata: {name: checkout}
spec:
  server: ${env:IS_TEST_PG_URL}
  owner: checkout
  encoding: UTF8
Y
run_rc rc sh -c 'is-parse taken.yaml | is-graph | is-exec >taken.ndjson 2>taken.err'
jq_check "a differing existing database: FAILED, saying the owner differs" taken.ndjson \
	'any(.id == "PostgresDatabase/taken" and .status == "FAILED"
	     and (.error | test("already exists and differs.*its owner is .postgres. [(]the spec says .checkout.[)]")))'
jq_check "a matching existing database is adopted: READY" taken.ndjson \
	'any(.id == "PostgresDatabase/checkout" and .status == "READY")'

# A name made to break out of its quotes.
cat >odd.yaml <<'Y'
apiVersion: infrastream/v1
kind: PostgresDatabase
metadata: {name: odd}
spec:
  server: ${env:IS_TEST_PG_URL}
  name: "d'b\"; DROP DATABASE checkout; --"
  locale: "C'; DROP DATABASE checkout; --"
Y
run_rc rc sh -c 'is-parse odd.yaml | is-graph | is-exec >odd.ndjson 2>odd.err'
jq_check "an odd locale is PostgreSQL's error, with its SQLSTATE" odd.ndjson \
	'any(.status == "FAILED" and (.error | test("SQLSTATE")))'
sed -i '/locale:/d' odd.yaml
run_rc rc sh -c 'is-parse odd.yaml | is-graph | is-exec >odd.ndjson 2>odd.err'
[ "$rc" = 0 ] && [ "$(q "SELECT count(*) FROM pg_database WHERE datname IN ('d''b\"; DROP DATABASE checkout; --', 'checkout')")" = 2 ] &&
	ok "injection attempt: the database has exactly that name, the other is still there" ||
	fail "injection attempt: the database has exactly that name, the other is still there" "$(cat odd.err)"

# Deletes: refused while someone is connected or a table holds rows.
psql -XAtq "$url" -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
sleeper=$!
mv app/db.yaml db.yaml.off
: >app/empty.yaml
i=0; until [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = 'checkout' AND query LIKE '%pg_sleep%'")" = 1 ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
run_rc rc apply 3 app
jq_check "delete refused: the database has a connection and a table with rows, and says so" run3.ndjson \
	'any(.id == "PostgresDatabase/checkout" and .status == "FAILED"
	     and (.error | test("is not dropped: it has 1 open connection[(]s[)] [(]checkout.*and these tables hold rows: public.orders.*dropWithData")))'
[ "$(q "SELECT count(*) FROM pg_database WHERE datname = 'checkout'")" = 1 ] &&
	ok "the database is still there" || fail "the database is still there"
jq_check "the role it depends on is not deleted either" run3.ndjson \
	'any(.id == "PostgresRole/checkout" and (.status == "SKIPPED" or .status == "CANCELED"))
	 and all(.id != "PostgresRole/checkout" or .status != "READY")'
kill "$sleeper" 2>/dev/null || true
wait "$sleeper" 2>/dev/null || true
mv db.yaml.off app/db.yaml
sed -i 's/^  encoding: UTF8$/  encoding: UTF8\n  dropWithData: true/' app/db.yaml
run_rc rc apply 4 app
psql -XAtq "$url" -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
sleeper=$!
rm app/db.yaml
run_rc rc apply 5 app
kill "$sleeper" 2>/dev/null || true
wait "$sleeper" 2>/dev/null || true
[ "$rc" = 0 ] && [ "$(q "SELECT count(*) FROM pg_database WHERE datname = 'checkout'")" = 0 ] &&
	[ "$(q "SELECT count(*) FROM pg_roles WHERE rolname = 'checkout'")" = 0 ] &&
	ok "with dropWithData applied first, the delete drops database and role" ||
	fail "with dropWithData applied first, the delete drops database and role" "$(cat exec5.err)" "$(grep FAILED run5.ndjson)"

# A password written in spec.server is hidden like a secret; a statement
# blocked past metadata.timeout is cancelled by the server (a thread cannot
# be killed), so the run ends instead of waiting on the lock.
cat >lit.yaml <<'Y'
apiVersion: infrastream/v1
kind: PostgresRole
metadata: {name: lit}
spec:
  server: ${env:IS_TEST_PG_URL}&password=Lit3ralPassw0rd
  login: false
Y
run_rc rc sh -c 'is-parse lit.yaml | is-graph | is-exec >lit.ndjson 2>lit.err'
[ "$rc" = 0 ] && ! grep -q Lit3ralPassw0rd lit.ndjson lit.err && grep -q 'password=\*\*\*' lit.ndjson &&
	ok "a password in spec.server shows as *** in the records" ||
	fail "a password in spec.server shows as *** in the records" "$(cat lit.err)"
sed -i 's/name: lit}/name: lit2, timeout: 1s}/' lit.yaml
# Another session creates the same role and does not commit: the
# provider's CREATE ROLE waits on it.
psql -XAtq -c "BEGIN; CREATE ROLE lit2; SELECT pg_sleep(8); ROLLBACK" >/dev/null 2>&1 &
locker=$!
i=0; until [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'BEGIN; CREATE ROLE lit2%' AND wait_event = 'PgSleep'")" = 1 ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
start=$(date +%s)
run_rc rc sh -c 'is-parse lit.yaml | is-graph | is-exec --backoff 0.01 >lock.ndjson 2>lock.err'
took=$(($(date +%s) - start))
kill "$locker" 2>/dev/null || true
wait "$locker" 2>/dev/null || true
[ "$rc" = 1 ] && [ "$took" -lt 6 ] &&
	jq -e -s 'any(.id == "PostgresRole/lit2" and .status == "FAILED" and (.error | test("time")))' lock.ndjson >/dev/null &&
	ok "a statement blocked past metadata.timeout is cancelled: FAILED in ${took}s" ||
	fail "a statement blocked past metadata.timeout is cancelled" "rc=$rc took=${took}s" "$(grep FAILED lock.ndjson)"
