# The whole pipeline on the example stack, as tools/demo and the README run it:
# is-parse share/examples/orders | is-graph | is-exec, with local providers only
# (files, commands, sqlite3), in a folder of the test's own. Everything made
# is checked on disk; the secret never shows; MetaGroups gate; a second run
# changes nothing; --atomic takes it all down again.
. "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	fail "sqlite3 is on PATH (tools/deps test installs it)"
	exit 0
fi

IS_DEMO_DIR=$T/demo
IS_SECRET_ORDERS_DB_PASSWORD='pa$$ word "quoted" 42'
export IS_DEMO_DIR IS_SECRET_ORDERS_DB_PASSWORD
db=$IS_DEMO_DIR/data/orders.db
env_file=$IS_DEMO_DIR/run/orders.env
pw_sha=$(printf %s "$IS_SECRET_ORDERS_DB_PASSWORD" | sha256sum | cut -d' ' -f1)

# pipeline OUT ERR [is-exec options]: the whole pipeline from the top of the
# repository, as a user types it; the exit status of is-exec.
pipeline() {
	out=$1 err=$2
	shift 2
	(cd "$TOP" && is-parse share/examples/orders 2>"$T/$err.parse" | is-graph 2>"$T/$err.graph" |
		is-exec "$@" >"$T/$out" 2>"$T/$err")
}

run_rc rc pipeline run1.ndjson run1.err
[ "$rc" = 0 ] && ok "first run: exit 0" || fail "first run: exit 0" "rc=$rc" "$(cat run1.err)"
jq_check "first run: ends SUCCEEDED with all 7 resources READY" run1.ndjson \
	'map(select(.type == "run" and .phase == "end"))[0] |
	 .status == "SUCCEEDED" and .resources == 7 and .ready == 7 and .failed == 0 and .skipped == 0'
jq_check "first run: every resource and group ends READY" run1.ndjson \
	'map(select(.type == "event")) | group_by(.id) | map(last) |
	 length == 10 and all(.status == "READY")'
if jq -e -s --arg db "$db" 'any(.[]; .type == "event" and .id == "Command/orders-db" and .status == "READY"
	and .outputs == {path: $db, url: ("sqlite:///" + $db)})' run1.ndjson >/dev/null; then
	ok "first run: the database's outputs are its path and a sqlite:/// url"
else
	fail "first run: the database's outputs are its path and a sqlite:/// url" \
		"$(grep orders-db run1.ndjson | tail -n 1)"
fi
jq_check "first run: the secret in an output is written as ***" run1.ndjson \
	'any(.[]; .id == "Command/orders-login" and .status == "READY" and
	     .outputs == {user: "orders-app", password: "***"})'
jq_check "first run: the migration and the smoke test report schema version 2" run1.ndjson \
	'(map(select(.id == "Command/orders-migrate" and .status == "READY"))[0].outputs == {version: 2}) and
	 (map(select(.id == "Command/orders-smoke" and .status == "READY"))[0].outputs ==
	  {version: 2, tables: 4, logins: 1, port: 8080})'

# What it made, on disk.
printf '%s\n' "DATABASE_URL=sqlite:///$db" "DATABASE_USER=orders-app" \
	"DATABASE_PASSWORD=$IS_SECRET_ORDERS_DB_PASSWORD" "PORT=8080" "METRICS_PORT=9090" >want.env
same "the config file: DATABASE_URL, login and ports substituted" want.env "$env_file"
[ "$(stat -c %a "$env_file")" = 600 ] && ok "the config file is mode 0600" ||
	fail "the config file is mode 0600" "$(stat -c %a "$env_file")"
sqlite3 "$db" "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name" >tables
printf '%s\n' customers logins order_events orders >want.tables
same "the database has its tables" want.tables tables
[ "$(sqlite3 "$db" 'PRAGMA user_version')" = 2 ] && ok "the database is at schema version 2" ||
	fail "the database is at schema version 2"
[ "$(sqlite3 "$db" 'SELECT name, password_sha256 FROM logins')" = "orders-app|$pw_sha" ] &&
	ok "the login holds the password's SHA-256, not the password" ||
	fail "the login holds the password's SHA-256" "$(sqlite3 "$db" 'SELECT * FROM logins')"
(cd "$IS_DEMO_DIR" && find . -type f | sort) >made
printf '%s\n' ./data/orders.db ./run/orders.env >want.made
same "nothing but the database and the config under IS_DEMO_DIR" want.made made

# The secret: never in what any stage writes, though the config has it.
if grep -F -l -- "$IS_SECRET_ORDERS_DB_PASSWORD" run1.ndjson run1.err run1.err.parse run1.err.graph; then
	fail "the secret is on no stdout or stderr"
else
	ok "the secret is on no stdout or stderr"
fi

# Gates, from the order of events (seq): no member of a group starts before
# every member of the group it waits for is READY, nor before that group is.
gated() {
	jq -e -s --arg before "$1" --arg after "$2" --slurpfile plan plan.ndjson '
		map(select(.type == "event")) as $ev |
		($plan | map(select(.group == $before) | .id)) as $b |
		($plan | map(select(.group == $after) | .id)) as $a |
		($ev | map(select(.status == "READY" and (.id as $i | $b | index([$i])))) | map(.seq) | max) as $ready |
		($ev | map(select(.status == "READY" and .id == "MetaGroup/\($before)")) | .[0].seq) as $gate |
		($ev | map(select(.status == "CREATING" and (.id as $i | $a | index([$i])))) | map(.seq) | min) as $start |
		($b | length) > 0 and ($a | length) > 0 and $ready < $start and $ready < $gate' \
		run1.ndjson >/dev/null
}
(cd "$TOP" && is-parse share/examples/orders | is-graph) >plan.ndjson
gated network data && ok "gates: nothing in data starts before all of network is READY" ||
	fail "gates: nothing in data starts before all of network is READY"
gated data app && ok "gates: nothing in app starts before all of data is READY" ||
	fail "gates: nothing in app starts before all of data is READY"
jq_check "gates: the smoke test starts after MetaGroup/app is READY" run1.ndjson \
	'map(select(.type == "event")) |
	 (map(select(.id == "MetaGroup/app" and .status == "READY"))[0].seq) <
	 (map(select(.id == "Command/orders-smoke" and .status == "CREATING"))[0].seq)'

# A second run creates again (there is no ledger yet) and changes nothing:
# the same file, the same schema, and the rows put in between are kept.
sha1=$(sha256sum <"$env_file")
sqlite3 "$db" "INSERT INTO customers (email) VALUES ('ada@example.com');
	INSERT INTO orders (customer_id, total_cents) VALUES (1, 4200)"
run_rc rc pipeline run2.ndjson run2.err
[ "$rc" = 0 ] && ok "second run: exit 0" || fail "second run: exit 0" "rc=$rc" "$(cat run2.err)"
jq_check "second run: all 7 resources READY again" run2.ndjson \
	'map(select(.type == "run" and .phase == "end"))[0] | .status == "SUCCEEDED" and .ready == 7'
[ "$(sha256sum <"$env_file")" = "$sha1" ] && ok "second run: the config file is the same" ||
	fail "second run: the config file is the same"
sqlite3 "$db" "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name" >tables2
same "second run: the same tables" want.tables tables2
[ "$(sqlite3 "$db" 'SELECT count(*) FROM orders; SELECT count(*) FROM logins' | tr '\n' ' ')" = "1 1 " ] &&
	ok "second run: the data put in between is kept, one login" ||
	fail "second run: the data put in between is kept, one login" \
		"$(sqlite3 "$db" 'SELECT count(*) FROM orders; SELECT count(*) FROM logins')"

# A dry run in an empty folder calls nothing and makes nothing.
IS_DEMO_DIR=$T/dry
run_rc rc pipeline dry.ndjson dry.err --dry-run
[ "$rc" = 0 ] && [ ! -e "$T/dry" ] && ok "dry run: exit 0, nothing made" ||
	fail "dry run: exit 0, nothing made" "rc=$rc"
jq_check "dry run: every event says dry_run" dry.ndjson \
	'map(select(.type == "event" and (.id | startswith("MetaGroup/") | not))) |
	 length > 0 and all(.dry_run == true)'

# When something fails, --atomic deletes what the run made, last made first:
# every delete command of the stack runs and leaves nothing behind.
IS_DEMO_DIR=$T/atomic
printf 'kind: Noop\nmetadata: {name: boom, dependsOn: [group:app]}\nspec: {fail: on purpose}\n' >boom.yaml
run_rc rc sh -c "cd '$TOP' && is-parse share/examples/orders '$T/boom.yaml' | is-graph | is-exec --atomic" >atomic.ndjson 2>atomic.err
[ "$rc" = 1 ] && ok "--atomic: a failure, exit 1" || fail "--atomic: a failure, exit 1" "rc=$rc"
jq_check "--atomic: the 7 resources are rolled back" atomic.ndjson \
	'map(select(.type == "event" and .rollback and .status == "READY")) | length == 7'
if [ -d "$T/atomic" ] && [ -z "$(find "$T/atomic" -mindepth 1)" ]; then
	ok "--atomic: the deletes leave nothing under IS_DEMO_DIR"
else
	fail "--atomic: the deletes leave nothing under IS_DEMO_DIR" "$(find "$T/atomic" 2>&1)"
fi
