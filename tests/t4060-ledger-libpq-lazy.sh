# libpq is opened only when a PostgreSQL URL is used (lib/libpq_lazy.c): a
# SQLite ledger never loads it, so is-ledger starts in about 2 ms rather than
# the 7 ms that libpq's own libraries cost.
. "$(dirname "$0")/lib.sh"

loads_libpq() { LD_DEBUG=libs "$@" 2>&1 >/dev/null | grep -q 'calling init: .*libpq\.so'; }

readelf -d "$IS_BIN/is-ledger" | grep -q 'NEEDED.*libpq' &&
	fail "is-ledger does not link libpq" || ok "is-ledger does not link libpq"
loads_libpq is-ledger --db "$T/l.db" state &&
	fail "a SQLite ledger does not load libpq" || ok "a SQLite ledger does not load libpq"
loads_libpq is-ledger --db "postgresql:///x?host=$T/nosocket" state &&
	ok "a PostgreSQL URL loads libpq" || fail "a PostgreSQL URL loads libpq"
expect_rc "a server that is not there: exit 1" 1 \
	is-ledger --db "postgresql:///x?host=$T/nosocket" state
grep -q "nosocket" "$T/.err" && ok "the error names the socket it tried" ||
	fail "the error names the socket it tried" "$(cat "$T/.err")"
