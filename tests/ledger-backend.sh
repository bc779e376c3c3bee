# The ledger's backend for a test script: SQLite files, or databases on a
# private PostgreSQL server (tests/pg.sh) when IS_TEST_LEDGER_BACKEND is
# "postgres" (the tNNNN-*-pg.sh wrappers set it). Source after lib.sh:
#   . "$TOP/tests/ledger-backend.sh"
#   IS_LEDGER=$(ledger_target l)       a fresh, empty ledger
#   ledger_sql "$IS_LEDGER" "select count(*) from runs"
# ledger_sql prints rows as the sqlite3 shell does (columns joined by '|').
# ledger_tamper runs SQL as an attacker would, past the append-only
# triggers: on SQLite they are dropped first, on PostgreSQL the session runs
# as a replica (session_replication_role), which fires no ordinary trigger.
# ledger_copy SRC DST: DST, a new ledger with SRC's rows.
LEDGER_BACKEND=${IS_TEST_LEDGER_BACKEND:-sqlite}
case $LEDGER_BACKEND in
sqlite) ;;
postgres)
	. "$TOP/tests/pg.sh"
	pg_start
	;;
*) echo "tests/ledger-backend.sh: unknown backend '$LEDGER_BACKEND'" >&2; exit 1 ;;
esac
LEDGER_TABLES="runs run_events states state_dependencies locks run_ids checkpoints"

ledger_pg_uri() {
	echo "postgresql:///$1?host=$PG_SOCK&port=5432&user=postgres"
}

ledger_target() {
	if [ "$LEDGER_BACKEND" = sqlite ]; then
		echo "$T/$1.db"
		return
	fi
	name=$(printf '%s' "l_$1" | tr -c 'a-zA-Z0-9_' '_' | tr 'A-Z' 'a-z')
	psql -X -q -d postgres -c "CREATE DATABASE $name" >/dev/null
	ledger_pg_uri "$name"
}

ledger_sql() {
	if [ "$LEDGER_BACKEND" = sqlite ]; then
		sqlite3 "$1" "$2"
	else
		psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
	fi
}

ledger_tamper() {
	if [ "$LEDGER_BACKEND" = sqlite ]; then
		sqlite3 "$1" "$(ledger_no_triggers_sql) $2"
	else
		psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" \
			-c "SET session_replication_role = replica; $2"
	fi
}

# SQL that takes the append-only triggers away for good: dropped on SQLite,
# disabled on PostgreSQL (verify calls both "trigger-missing").
ledger_no_triggers_sql() {
	for t in $LEDGER_TABLES; do
		if [ "$LEDGER_BACKEND" = sqlite ]; then
			printf 'DROP TRIGGER IF EXISTS %s_no_update; DROP TRIGGER IF EXISTS %s_no_delete;' $t $t
		else
			printf 'ALTER TABLE %s DISABLE TRIGGER ALL;' $t
		fi
	done
}

# ledger_copy SRC NAME: prints a new ledger target holding SRC's rows.
ledger_copy() {
	if [ "$LEDGER_BACKEND" = sqlite ]; then
		sqlite3 "$1" ".backup '$T/$2.db'"
		echo "$T/$2.db"
		return
	fi
	src=${1#postgresql:///}
	src=${src%%\?*}
	name=$(printf '%s' "l_$2" | tr -c 'a-zA-Z0-9_' '_' | tr 'A-Z' 'a-z')
	psql -X -q -d postgres -c "CREATE DATABASE $name TEMPLATE $src" >/dev/null
	ledger_pg_uri "$name"
}

# A ledger that cannot be opened: a file in a folder that is not there, a
# database that does not exist.
ledger_missing() {
	if [ "$LEDGER_BACKEND" = sqlite ]; then
		echo "$T/none.db"
	else
		ledger_pg_uri nosuchdb
	fi
}
