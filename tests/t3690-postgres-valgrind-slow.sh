#!/bin/sh
# is-exec with the PostgreSQL providers under valgrind: no memory error and
# no leak through create (generated password, URL, grant), a refresh that
# finds and corrects drift, a refused delete and a server that is down.
# libcrypto's per-thread state is suppressed (tests/valgrind/openssl-threads.supp).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/pg.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	ok 'valgrind is not installed: skipped (apt-get install valgrind)'
	exit 0
fi
pg_start
IS_SECRET_PG_ADMIN_URL=$IS_TEST_PG_URL
IS_LEDGER=$T/ledger.db
export IS_SECRET_PG_ADMIN_URL IS_LEDGER
cp -r "$TOP/share/examples/checkout" stack

# vg NAME WANT-EXIT [is-exec options]: plans the stack against the ledger,
# runs is-exec under valgrind and records what it wrote; passes when it
# exits WANT-EXIT and valgrind found nothing.
vg() {
	name=$1 want=$2
	shift 2
	is-ledger state >prior.ndjson
	is-parse stack | is-graph --prior prior.ndjson >plan.ndjson
	run_rc rc valgrind -q --num-callers=50 --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--suppressions="$TOP/tests/valgrind/openssl-threads.supp" --log-file="$T/vg.log" \
		is-exec --backoff 0.01 "$@" plan.ndjson >run.ndjson 2>exec.err
	is-ledger record <run.ndjson >/dev/null
	# Valgrind's own warnings (a system call it does not know) are no finding.
	if [ "$rc" = "$want" ] && ! grep -q '^==[0-9]*== ' "$T/vg.log"; then
		ok "valgrind: $name"
	else
		fail "valgrind: $name" "exit $rc (want $want)" "$(head -n 30 "$T/vg.log")" "$(grep FAILED run.ndjson)"
	fi
}

vg 'create: roles, database, grant, migration, File' 0
psql -XAtq -c "ALTER DATABASE checkout OWNER TO postgres"
psql -XAtq -d checkout -c "INSERT INTO orders (total_cents) VALUES (1)"
vg 'refresh: drift found and corrected' 0 --refresh
jq_check "the refresh found the owner changed by hand" run.ndjson \
	'any(.id == "PostgresDatabase/checkout" and .status == "DRIFTED")'
rm -r stack/app stack/data/checkout-db.yaml
vg 'delete refused: the database holds rows' 1
jq_check "the delete was refused, with the reason" run.ndjson \
	'any(.id == "PostgresDatabase/checkout" and .status == "FAILED" and (.error | test("hold rows")))'
IS_SECRET_PG_ADMIN_URL="postgresql:///postgres?host=$T/none&connect_timeout=1"
cp -r "$TOP/share/examples/checkout/data" stack/
rm -f "$IS_LEDGER"
vg 'a server that is down: retried, then failed' 1
