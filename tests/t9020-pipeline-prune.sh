# Pruning with a ledger, as tools/demo's apply() runs it: the example stack is
# applied, then app/service.yaml is removed from a copy and applied again. The
# deletes come from recorded state, references unresolved, and their
# dependencies are deleted after them or not run at all: is-graph gives each
# its refs and the recorded outputs they name (depOutputs), so the config file
# is removed and the Command deletes run. Tombstones are recorded, a third
# apply changes nothing, and the secret never shows in clear.
. "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	fail "sqlite3 is on PATH (tools/deps test installs it)"
	exit 0
fi

IS_DEMO_DIR=$T/demo
IS_LEDGER=$T/ledger.db
IS_SECRET_ORDERS_DB_PASSWORD='canary-9020 "pa$$"'
export IS_DEMO_DIR IS_LEDGER IS_SECRET_ORDERS_DB_PASSWORD
stack=$T/stack
env_file=$IS_DEMO_DIR/run/orders.env
pw_sha=$(printf %s "$IS_SECRET_ORDERS_DB_PASSWORD" | sha256sum | cut -d' ' -f1)
cp -R "$TOP/share/examples/orders" "$stack"
# A Command of the app whose delete uses a bare name, a full id and a
# secret: what it writes shows they were resolved.
cat >"$stack/app/cleanup.yaml" <<'EOF'
kind: Command
metadata: {name: orders-cleanup, group: app}
spec:
  env: {PW: "${secret:ORDERS_DB_PASSWORD}"}
  create: [touch, "${workdir.outputs.dir}/cleanup.todo"]
  delete:
    - sh
    - -c
    - 'rm -f "$1/cleanup.todo"; printf "%s %s %s\n" "$2" "$3" "$(printf %s "$PW" | sha256sum | cut -d" " -f1)" >"$1/cleanup.done"'
    - cleanup
    - ${workdir.outputs.dir}
    - ${port-plan.outputs.api}
    - ${Command/orders-db.outputs.path}
EOF

# apply N: plan against the ledger's state, run, record (tools/demo's apply).
apply() {
	is-ledger state >"$T/prior$1.ndjson" &&
		is-parse "$stack" 2>"$T/parse$1.err" |
		is-graph --prior "$T/prior$1.ndjson" 2>"$T/graph$1.err" | tee "$T/plan$1.ndjson" |
		is-exec 2>"$T/exec$1.err" | tee "$T/run$1.ndjson" | is-ledger record >/dev/null 2>"$T/ledger$1.err"
}

run_rc rc apply 1
[ "$rc" = 0 ] && ok "first apply: exit 0" || fail "first apply: exit 0" "rc=$rc" "$(cat exec1.err)"
jq_check "first apply: all 8 resources READY" run1.ndjson \
	'map(select(.type == "run" and .phase == "end"))[0] | .status == "SUCCEEDED" and .ready == 8'
[ -f "$env_file" ] && [ -f "$IS_DEMO_DIR/run/cleanup.todo" ] &&
	ok "first apply: the config file and the cleanup's file exist" ||
	fail "first apply: the config file and the cleanup's file exist"

rm "$stack/app/service.yaml" "$stack/app/cleanup.yaml"
is-ledger state >prior2.ndjson
is-parse "$stack" | is-graph --prior prior2.ndjson >plan2.ndjson
jq_check "plan: the four app resources are deleted, the rest noop" plan2.ndjson \
	'map(select(.type == "resource") | {(.id): .action}) | add ==
	 {"File/orders-config": "delete", "Command/orders-migrate": "delete",
	  "Command/orders-smoke": "delete", "Command/orders-cleanup": "delete",
	  "Command/workdir": "noop", "Noop/port-plan": "noop",
	  "Command/orders-db": "noop", "Command/orders-login": "noop"}'
jq_check "plan: deletes first, the migration's before the config's" plan2.ndjson \
	'map(select(.type == "resource")) | (map(.action == "delete") | . == (sort | reverse)) and
	 (map(.id) | index("Command/orders-migrate") < index("File/orders-config")) and
	 (map(select(.id == "File/orders-config"))[0].deps == ["Command/orders-migrate"])'
jq_check "plan: a delete's refs, bare names resolved, as is-parse writes them" plan2.ndjson \
	'map(select(.id == "Command/orders-smoke"))[0].refs ==
	 [{path: "/spec/create/1", ref: "Command/orders-db.outputs.path", id: "Command/orders-db",
	   output: "/path", whole: true},
	  {path: "/spec/create/2", ref: "port-plan.outputs.api", id: "Noop/port-plan",
	   output: "/api", whole: false}]'
jq_check "plan: a delete's secret ref is a secret, not an id" plan2.ndjson \
	'map(select(.id == "Command/orders-cleanup"))[0].refs | map(select(.secret)) ==
	 [{path: "/spec/env/PW", ref: "secret:ORDERS_DB_PASSWORD", secret: "ORDERS_DB_PASSWORD", whole: true}]'
jq_check "plan: depOutputs are the recorded outputs of what the refs name" plan2.ndjson \
	'(map(select(.id == "File/orders-config"))[0].depOutputs | keys) ==
	 ["Command/orders-db", "Command/orders-login", "Command/workdir", "Noop/port-plan"] and
	 map(select(.id == "File/orders-config"))[0].depOutputs["Command/workdir"].dir ==
	 ($ENV.IS_DEMO_DIR + "/run") and
	 map(select(.id == "Command/orders-smoke"))[0].depOutputs["Noop/port-plan"] == {api: 8080, metrics: 9090}'
jq_check "plan: a delete keeps its own recorded outputs as prior" plan2.ndjson \
	'map(select(.id == "File/orders-config"))[0].prior.path == ($ENV.IS_DEMO_DIR + "/run/orders.env")'
is-parse "$stack" | is-graph --prior prior2.ndjson -f text >plan2.txt
grep -q '^Plan: 0 to create, 0 to update, 0 to replace, 4 to delete, 4 unchanged.$' plan2.txt &&
	ok "plan: the text plan shows 4 deletes" || fail "plan: the text plan shows 4 deletes" "$(cat plan2.txt)"

run_rc rc apply 2
[ "$rc" = 0 ] && ok "second apply: exit 0" || fail "second apply: exit 0" "rc=$rc" "$(cat exec2.err)"
jq_check "second apply: every delete ends READY, nothing failed" run2.ndjson \
	'(map(select(.type == "run" and .phase == "end"))[0] | .status == "SUCCEEDED" and .failed == 0) and
	 (map(select(.type == "event" and .action == "delete" and .status == "READY")) | map(.id) | sort) ==
	 ["Command/orders-cleanup", "Command/orders-migrate", "Command/orders-smoke", "File/orders-config"]'
jq_check "second apply: the Command deletes ran (DELETING, then READY)" run2.ndjson \
	'[map(select(.type == "event" and .status == "DELETING")) | .[].id] | sort ==
	 ["Command/orders-cleanup", "Command/orders-migrate", "Command/orders-smoke", "File/orders-config"]'
[ ! -e "$env_file" ] && ok "second apply: the config file is removed" ||
	fail "second apply: the config file is removed"
[ -d "$IS_DEMO_DIR/run" ] && [ -f "$IS_DEMO_DIR/data/orders.db" ] &&
	ok "second apply: what stays is left: the folders and the database" ||
	fail "second apply: what stays is left: the folders and the database"
printf '%s\n' "8080 $IS_DEMO_DIR/data/orders.db $pw_sha" >want.done
if [ ! -e "$IS_DEMO_DIR/run/cleanup.todo" ] && [ -f "$IS_DEMO_DIR/run/cleanup.done" ]; then
	same "second apply: a Command's delete got its references and the secret" \
		want.done "$IS_DEMO_DIR/run/cleanup.done"
else
	fail "second apply: a Command's delete got its references and the secret" \
		"$(ls "$IS_DEMO_DIR/run")"
fi
ok_tomb=1
for id in File/orders-config Command/orders-migrate Command/orders-smoke Command/orders-cleanup; do
	is-ledger history "$id" >"hist.ndjson" 2>/dev/null || ok_tomb=0
	jq -e -s 'length >= 2 and (.[-1].deleted == true)' hist.ndjson >/dev/null || ok_tomb=0
done
[ "$ok_tomb" = 1 ] && ok "the ledger has a tombstone for each delete (is-ledger history)" ||
	fail "the ledger has a tombstone for each delete (is-ledger history)"
is-ledger state >state3.ndjson
jq_check "is-ledger state lists only the 4 that stay" state3.ndjson \
	'map(select(.type == "state") | .id) | sort ==
	 ["Command/orders-db", "Command/orders-login", "Command/workdir", "Noop/port-plan"]'

run_rc rc apply 3
[ "$rc" = 0 ] && ok "third apply: exit 0" || fail "third apply: exit 0" "rc=$rc" "$(cat exec3.err)"
jq_check "third apply: the plan is all noop" plan3.ndjson \
	'map(select(.type == "plan"))[0] | .delete == 0 and .create == 0 and .update == 0 and
	 .replace == 0 and .noop == 4'

if grep -r -F -l --exclude-dir=demo -- "$IS_SECRET_ORDERS_DB_PASSWORD" "$T"; then
	fail "the secret is in no record, message or ledger"
else
	ok "the secret is in no record, message or ledger"
fi
