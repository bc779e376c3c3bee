# PostgresRole on a real server (tests/pg.sh): a generated password that
# dependents get through promises and that no record shows, a login that
# works with it, adoption of a matching role and a report of a differing
# one, names that try to inject SQL, and deletes that refuse an owner.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/pg.sh"
pg_start
pg_passwords
IS_LEDGER=$T/ledger.db
export IS_LEDGER

# apply N STACK: plan against the ledger's state, run, record; fails when
# the run did not succeed.
apply() {
	n=$1 stack=$2
	shift 2
	is-ledger state >"prior$n.ndjson" &&
		is-parse "$stack" 2>"parse$n.err" | is-graph --prior "prior$n.ndjson" 2>"graph$n.err" |
		is-exec "$@" 2>"exec$n.err" | tee "run$n.ndjson" | is-ledger record >/dev/null 2>"ledger$n.err" &&
		jq -e -s 'map(select(.type == "run" and .phase == "end"))[0].status == "SUCCEEDED"' \
			"run$n.ndjson" >/dev/null
}
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

mkdir app
cat >app/role.yaml <<'Y'
apiVersion: infrastream/v1
kind: PostgresRole
metadata: {name: checkout}
spec:
  server: ${env:IS_TEST_PG_URL}
  connectionLimit: 5
---
apiVersion: infrastream/v1
kind: File
metadata: {name: creds}
spec:
  path: creds.env
  mode: "0600"
  content: |
    PGUSER=${PostgresRole/checkout.outputs.name}
    PGPASSWORD=${PostgresRole/checkout.outputs.password}
Y
run_rc rc apply 1 app
[ "$rc" = 0 ] && ok "a role and a File with its password: exit 0" ||
	fail "a role and a File with its password: exit 0" "rc=$rc" "$(cat exec1.err)"
[ "$(q "SELECT rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = 'checkout'")" = "t|5" ] &&
	ok "the role exists, can log in, connection limit 5" ||
	fail "the role exists, can log in, connection limit 5" "$(q "SELECT * FROM pg_roles WHERE rolname = 'checkout'")"
pw=$(sed -n 's/^PGPASSWORD=//p' creds.env)
[ ${#pw} = 32 ] && ok "the File got a generated 32-character password" ||
	fail "the File got a generated 32-character password" "$(cat creds.env)"
[ "$(PGPASSWORD=$pw psql -XAtq -U checkout -c 'SELECT current_user')" = checkout ] &&
	ok "psql logs in as the role with the generated password" ||
	fail "psql logs in as the role with the generated password"
run_rc rc env PGPASSWORD=wrong psql -XAtq -U checkout -c 'SELECT 1' >/dev/null 2>&1
[ "$rc" != 0 ] && ok "a wrong password is refused (the server checks passwords)" ||
	fail "a wrong password is refused (the server checks passwords)"
is-ledger events >ledger-events.ndjson
if grep -qF "$pw" run1.ndjson exec1.err ledger-events.ndjson || ! grep -q '"password":"\*\*\*"' ledger-events.ndjson ||
	sqlite3 "$IS_LEDGER" .dump | grep -qF "$pw"; then
	fail "the password is in no record, message or ledger row"
else
	ok "the password is in no record, message or ledger row"
fi
jq_check "the role's READY event shows the password as ***" run1.ndjson \
	'any(.id == "PostgresRole/checkout" and .status == "READY" and .outputs.password == "***"
	     and .outputs.passwordGenerated == true and .outputs.connectionLimit == 5)'

# The same role again, without the ledger: adopted, with a new password.
run_rc rc sh -c 'is-parse app/role.yaml | is-graph | is-exec >again.ndjson 2>again.err'
pw2=$(sed -n 's/^PGPASSWORD=//p' creds.env)
[ "$rc" = 0 ] && [ "$pw2" != "$pw" ] && ok "a create of an existing matching role adopts it" ||
	fail "a create of an existing matching role adopts it" "rc=$rc" "$(cat again.err)"
[ "$(PGPASSWORD=$pw2 psql -XAtq -U checkout -c 'SELECT current_user')" = checkout ] &&
	ok "the adopted role logs in with the password its dependents got" ||
	fail "the adopted role logs in with the password its dependents got"

# An existing role that differs is reported, and left alone.
q "ALTER ROLE checkout CONNECTION LIMIT 7"
run_rc rc sh -c 'is-parse app/role.yaml | is-graph | is-exec >differ.ndjson 2>differ.err'
jq_check "a differing existing role: FAILED, saying what differs" differ.ndjson \
	'any(.id == "PostgresRole/checkout" and .status == "FAILED"
	     and (.error | test("already exists and differs.*connection limit is 7 [(]the spec says 5[)]")))'
[ "$rc" = 1 ] && [ "$(q "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'checkout'")" = 7 ] &&
	ok "a differing existing role: exit 1, the role is not changed" ||
	fail "a differing existing role: exit 1, the role is not changed" "rc=$rc"
q "ALTER ROLE checkout CONNECTION LIMIT 5"

# A given password, membership, and names made to break out of quotes.
cat >odd.yaml <<'Y'
apiVersion: infrastream/v1
kind: PostgresRole
metadata: {name: readers}
spec:
  server: ${env:IS_TEST_PG_URL}
  login: false
---
apiVersion: infrastream/v1
kind: PostgresRole
metadata: {name: odd1}
spec:
  server: ${env:IS_TEST_PG_URL}
  name: 'x"; DROP TABLE victim; --'
  password: ${secret:ODD_PW}
  inRoles: ["${PostgresRole/readers.outputs.name}"]
---
apiVersion: infrastream/v1
kind: PostgresRole
metadata: {name: odd2}
spec:
  server: ${env:IS_TEST_PG_URL}
  name: "'; DROP ROLE postgres; --"
  password: "it's \"quoted\"; DROP TABLE victim; --"
Y
q "CREATE TABLE victim (x int)"
run_rc rc env IS_SECRET_ODD_PW="p'w\"; --" sh -c 'is-parse odd.yaml | is-graph | is-exec >odd.ndjson 2>odd.err'
[ "$rc" = 0 ] && ok "roles with odd names: exit 0" || fail "roles with odd names: exit 0" "$(cat odd.err)"
[ "$(q "SELECT count(*) FROM pg_roles WHERE rolname IN ('x\"; DROP TABLE victim; --', '''; DROP ROLE postgres; --')")" = 2 ] &&
	[ "$(q "SELECT count(*) FROM pg_class WHERE relname = 'victim'")" = 1 ] &&
	[ "$(q "SELECT count(*) FROM pg_roles WHERE rolname = 'postgres'")" = 1 ] &&
	ok "injection attempts: the roles have exactly those names, nothing was dropped" ||
	fail "injection attempts: the roles have exactly those names, nothing was dropped"
[ "$(q "SELECT pg_has_role('x\"; DROP TABLE victim; --', 'readers', 'MEMBER')")" = t ] &&
	ok "inRoles: the role is a member of readers" || fail "inRoles: the role is a member of readers"
[ "$(PGPASSWORD="p'w\"; --" psql -XAtq -U 'x"; DROP TABLE victim; --' -c 'SELECT 1')" = 1 ] &&
	[ "$(PGPASSWORD="it's \"quoted\"; DROP TABLE victim; --" psql -XAtq -U "'; DROP ROLE postgres; --" -c 'SELECT 1')" = 1 ] &&
	ok "the given passwords, quotes and all, log in" || fail "the given passwords, quotes and all, log in"
grep -qF "p'w" odd.ndjson && fail "a password from a secret stays out of the records" ||
	ok "a password from a secret stays out of the records"

# A role dropped by hand: is-exec --refresh finds it gone and makes it
# again, with a new generated password.
q "DROP ROLE checkout"
run_rc rc apply 1r app --refresh
jq_check "--refresh: the role dropped by hand is DRIFTED gone, then created" run1r.ndjson \
	'[.[] | select(.id == "PostgresRole/checkout" and .status != "PENDING") | [.status, .drift]] ==
	 [["DRIFTED", {gone: true}], ["CREATING", null], ["READY", null]]'
[ "$(q "SELECT count(*) FROM pg_roles WHERE rolname = 'checkout'")" = 1 ] &&
	ok "--refresh: the role exists again" || fail "--refresh: the role exists again" "$(cat exec1r.err)"

# Delete: a role that owns something is refused with the reason, then
# dropped once it owns nothing.
q "CREATE TABLE owned_by_checkout (x int); ALTER TABLE owned_by_checkout OWNER TO checkout"
rm app/role.yaml
: >app/empty.yaml
run_rc rc apply 2 app
jq_check "deleting a role that owns a table: FAILED with the reason" run2.ndjson \
	'any(.id == "PostgresRole/checkout" and .status == "FAILED"
	     and (.error | test("is not dropped: it owns 1 object[(]s[)] in database postgres")))'
[ "$(q "SELECT count(*) FROM pg_roles WHERE rolname = 'checkout'")" = 1 ] &&
	ok "the owner is still there" || fail "the owner is still there"
q "DROP TABLE owned_by_checkout"
run_rc rc apply 3 app
[ "$rc" = 0 ] && [ "$(q "SELECT count(*) FROM pg_roles WHERE rolname = 'checkout'")" = 0 ] &&
	ok "once it owns nothing the role is dropped" || fail "once it owns nothing the role is dropped" "$(cat exec3.err)"

# A server that is not there: a retryable failure that names no password.
cat >down.yaml <<'Y'
apiVersion: infrastream/v1
kind: PostgresRole
metadata: {name: nobody}
spec:
  server: postgresql://admin:hunter2secret@/postgres?host=/nonexistent&connect_timeout=2
Y
run_rc rc sh -c 'is-parse down.yaml | is-graph | is-exec --backoff 0.01 >down.ndjson 2>down.err'
jq_check "a server that is down: retried, then FAILED saying so" down.ndjson \
	'any(.status == "FAILED" and .attempt == 3 and (.error | test("cannot connect to the PostgreSQL server.*retried")))'
grep -q hunter2secret down.ndjson down.err && fail "the server's password is in no message" ||
	ok "the server's password is in no message"
