# is-graph --prior plans against recorded state: every action, deletes in
# dependents-first order, tombstones, the latest state of an id, prior
# outputs, changed fields; text and markdown renderings match golden files.
. "$(dirname "$0")/lib.sh"
G=$TOP/tests/graph

check "plans against prior state" sh -c "is-graph --prior '$G/prior.ndjson' '$G/stack.ndjson' >out"
jq_check "the order still holds with deletes" out "$(cat "$G/order.jq")"
jq_check "each resource gets its action" out \
	'map(select(.type == "resource") | {(.id): .action}) | add == {"File/old": "delete", "File/older": "delete", "File/oldest": "delete", "Noop/vpc": "noop", "PostgresRole/app": "create", "PostgresDatabase/orders": "replace", "Command/migrate": "create", "File/config": "update", "Noop/app": "noop"}'
jq_check "groups are gates: noop" out 'map(select(.type == "group") | .action) | unique == ["noop"]'
jq_check "the plan record counts every action" out \
	'.[-1] == {"type":"plan","v":1,"create":2,"update":1,"replace":1,"delete":3,"noop":2,"resources":9,"groups":3,"levels":7}'
jq_check "deletes come first, dependents before what they depended on" out \
	'map(select(.type == "resource")) | .[0:3] | map(.id) == ["File/old", "File/older", "File/oldest"]'
jq_check "a delete waits for the deletes of its recorded dependents" out \
	'map(select(.action == "delete") | {(.id): .deps}) | add == {"File/old": [], "File/older": ["File/old"], "File/oldest": ["File/older"]}'
jq_check "a delete carries the recorded spec and outputs" out \
	'map(select(.id == "File/oldest"))[0] | .spec.path == "/srv/oldest" and .prior.path == "/srv/oldest" and .kind == "File"'
jq_check "a tombstone means absent: no delete" out 'map(select(.id == "File/gone")) == []'
jq_check "the latest state of an id wins" out 'map(select(.id == "Noop/app"))[0].prior == {"ready": true}'
jq_check "unchanged resources carry their recorded outputs" out \
	'map(select(.id == "Noop/vpc"))[0].prior == {"id": "vpc-1234"}'
jq_check "an update names the changed fields" out 'map(select(.id == "File/config"))[0].changes == ["/content"]'
jq_check "a replace names the field that cannot change in place" out \
	'map(select(.id == "PostgresDatabase/orders"))[0].changes == ["/encoding"]'
jq_check "non-state records of the prior file are ignored" out 'map(select(.type == "run")) == []'

# Same spec, different hash text: nothing to do.
printf '{"type":"resource","id":"File/a","kind":"File","spec":{"path":"/a"},"hash":"sha256:new"}\n' >same.ndjson
printf '{"type":"state","id":"File/a","kind":"File","spec":{"path":"/a"},"hash":"sha256:old","outputs":{}}\n' >same.prior
is-graph --prior same.prior same.ndjson >same.out
jq_check "an equal spec under another hash is a noop" same.out '.[0].action == "noop"'
# Without hashes, the canonical spec is hashed here.
printf '{"type":"resource","id":"File/a","kind":"File","spec":{"b":1,"path":"/a"}}\n' >nohash.ndjson
printf '{"type":"state","id":"File/a","kind":"File","spec":{"path":"/a","b":1},"outputs":{}}\n' >nohash.prior
is-graph --prior nohash.prior nohash.ndjson >nohash.out
jq_check "specs without hashes are compared canonically" nohash.out '.[0].action == "noop"'
printf '{"type":"state","id":"File/a","kind":"File","spec":{"path":"/b","b":{"c":[1]}},"outputs":{}}\n' >moved.prior
is-graph --prior moved.prior nohash.ndjson >moved.out
jq_check "nested changes are listed by path" moved.out '.[0].action == "replace" and .[0].changes == ["/b", "/path"]'

is-graph -f text --prior "$G/prior.ndjson" "$G/stack.ndjson" >plan.txt
same "text plan matches tests/golden/graph-plan.txt" "$TOP/tests/golden/graph-plan.txt" plan.txt
is-graph -f markdown --prior "$G/prior.ndjson" "$G/stack.ndjson" >plan.md
same "markdown plan matches tests/golden/graph-plan.md" "$TOP/tests/golden/graph-plan.md" plan.md
is-graph -f text "$G/stack.ndjson" >noprior.txt
grep -q '^Plan: 6 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged.$' noprior.txt &&
	ok "without --prior everything is created" || fail "without --prior everything is created"

# A huge plan stays under GitHub's comment limit.
i=0
while [ $i -lt 3000 ]; do
	printf '{"type":"resource","id":"File/a-rather-long-resource-name-%d","deps":[],"source":{"file":"stack/many.yaml","line":%d,"col":1}}\n' $i $((i + 1))
	i=$((i + 1))
done >many.ndjson
is-graph -f markdown many.ndjson >many.md
[ "$(wc -c <many.md)" -lt 65536 ] && ok "markdown stays under 65536 characters" ||
	fail "markdown stays under 65536 characters" "$(wc -c <many.md)"
grep -q '^- \.\.\. and [0-9]* more' many.md && ok "markdown says how many it left out" ||
	fail "markdown says how many it left out"
