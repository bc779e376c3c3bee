# A private PostgreSQL server for one test script. Source it after lib.sh:
#   . "$TOP/tests/pg.sh"; pg_start
# pg_start runs initdb into $T/pg and starts the server listening on a Unix
# socket in $T/pgsock only (no TCP port, so parallel scripts never collide),
# with trust authentication for the local socket. It exports PGHOST, PGPORT,
# PGUSER and PGDATABASE (so psql needs no options) and IS_TEST_PG_URL, a
# libpq URI of the superuser on the database "postgres". The server is stopped
# and its files removed when the script exits.
# initdb refuses to run as root: as root, the server runs as the "postgres"
# user that Debian's package creates.

pg_bindir() {
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
	return 1
}

# pg_as CMD...: runs CMD as the server's owner.
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_stop() {
	[ -n "${PG_DATA:-}" ] && [ -d "$PG_DATA" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
	PG_DATA=
}

# The server's folders, made and owned as initdb needs.
pg_prepare() {
	PG_BIN=$(pg_bindir) || { echo "tests/pg.sh: no initdb (Debian package postgresql)" >&2; return 1; }
	PG_DATA=$T/pg
	PG_SOCK=$T/pgsock
	mkdir -p "$PG_DATA" "$PG_SOCK"
	if [ "$(id -u)" = 0 ]; then
		chmod 711 "$T"
		chown postgres "$PG_DATA" "$PG_SOCK"
	fi
	chmod 700 "$PG_DATA"
}

pg_initdb() {
	pg_as "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust --no-sync -E UTF8 \
		--locale=C.UTF-8 >"$T/pg-initdb.log" 2>&1 ||
		{ cat "$T/pg-initdb.log" >&2; return 1; }
}

pg_run() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 60 -l "$PG_DATA/server.log" \
		-o "-c listen_addresses='' -c unix_socket_directories='$PG_SOCK' -p 5432 -c fsync=off -c max_connections=300" \
		start >/dev/null 2>&1 ||
		{ cat "$PG_DATA/server.log" >&2; return 1; }
}

pg_exports() {
	PGHOST=$PG_SOCK PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
	IS_TEST_PG_URL="postgresql:///postgres?host=$PG_SOCK&port=5432&user=postgres"
	export PGHOST PGPORT PGUSER PGDATABASE IS_TEST_PG_URL
}

pg_start() {
	pg_prepare || return 1
	pg_initdb || return 1
	trap 'pg_stop; rm -rf "$T"' EXIT
	pg_run || return 1
	pg_exports
}

# pg_start_async: pg_start in the background, for a script with other work
# to do first; the environment is set at once, and pg_wait (which fails if
# the server did not start) must come before the first use of the server.
# pg_wait works from subshells too: the starter leaves a file saying how
# it went.
pg_start_async() {
	pg_prepare || return 1
	(if pg_initdb && pg_run; then : >"$T/pg.up"; else : >"$T/pg.failed"; fi) &
	PG_STARTER=$!
	trap 'wait "$PG_STARTER" 2>/dev/null; pg_stop; rm -rf "$T"' EXIT
	pg_exports
}

pg_wait() {
	i=0
	until [ -e "$T/pg.up" ]; do
		[ ! -e "$T/pg.failed" ] && [ $i -lt 1200 ] || return 1
		sleep 0.05
		i=$((i + 1))
	done
}

# pg_passwords: from now on every role but the superuser "postgres" logs in
# over the socket with its password (SCRAM), so a test can tell a working
# password from a wrong one.
pg_passwords() {
	pg_as sh -c "printf '%s\n' 'local all postgres trust' 'local all all scram-sha-256' >'$PG_DATA/pg_hba.conf'"
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" reload >/dev/null 2>&1
	sleep 0.1
}
