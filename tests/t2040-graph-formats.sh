# Renderings: DOT that Graphviz accepts (clusters for groups of groups),
# Mermaid, layers for CI fan-out; and is-parse's real output piped in.
. "$(dirname "$0")/lib.sh"
G=$TOP/tests/graph

check "DOT output" sh -c "is-graph -f dot --prior '$G/prior.ndjson' '$G/stack.ndjson' >g.dot"
check "dot -Tsvg renders it" dot -Tsvg -o g.svg g.dot
[ "$(grep -c 'subgraph "cluster_' g.dot)" = 3 ] && ok "each MetaGroup is a cluster" || fail "each MetaGroup is a cluster"
grep -q '"File/oldest" \[fillcolor="#ffcdd2"' g.dot && ok "deletes are red" || fail "deletes are red"
grep -q '"PostgresRole/app" -> "PostgresDatabase/orders";' g.dot && ok "edges run from a dependency to its dependent" ||
	fail "edges run from a dependency to its dependent"
cat >odd.ndjson <<'ODD'
{"type":"resource","id":"N/\"odd\\","deps":[]}
ODD
is-graph -f dot odd.ndjson >odd.dot
check "ids with quotes and backslashes stay valid DOT" dot -Tsvg -o odd.svg odd.dot

check "Mermaid output" sh -c "is-graph -f mermaid '$G/stack.ndjson' >g.mmd"
head -n 1 g.mmd | grep -qx 'flowchart LR' && ok "a Mermaid flowchart" || fail "a Mermaid flowchart"
[ "$(grep -c '^ *subgraph ' g.mmd)" = "$(grep -c '^ *end$' g.mmd)" ] && ok "Mermaid subgraphs are closed" ||
	fail "Mermaid subgraphs are closed"

check "--layers" sh -c "is-graph --layers '$G/stack.ndjson' >layers"
is-graph -f layers "$G/stack.ndjson" >layers2
same "--layers is -f layers" layers layers2
jq_check "one layer per level, ids sorted" layers \
	'map(.level) == [0, 1, 2, 3, 4, 5, 6] and .[0].ids == ["Noop/vpc"] and .[4].ids == ["Command/migrate", "File/config", "MetaGroup/data"] and all(.[]; .type == "layer" and .phase == "apply")'
is-graph --layers --prior "$G/prior.ndjson" "$G/stack.ndjson" >dlayers
jq_check "deletes have their own layers first" dlayers \
	'.[0:3] | map(.phase) == ["delete", "delete", "delete"]'

if [ -x "$IS_BIN/is-parse" ] && [ -d "$TOP/share/examples/orders" ]; then
	check "is-parse | is-graph" sh -c "is-parse '$TOP/share/examples/orders' | is-graph >parsed"
	jq_check "is-parse output is ordered" parsed "$(cat "$G/order.jq")"
	jq_check "groups from is-parse get members" parsed \
		'map(select(.type == "group")) | length > 0 and all(.[]; .members | length > 0)'
	check "is-parse | is-graph -f dot | dot" sh -c "is-parse '$TOP/share/examples/orders' | is-graph -f dot | dot -Tsvg >/dev/null"
fi

# The example stack's layers: network, then data, then app, as their
# MetaGroups' dependsOn say.
if [ -x "$IS_BIN/is-parse" ] && [ -d "$TOP/share/examples/orders" ]; then
	is-parse "$TOP/share/examples/orders" | is-graph --layers >exlayers
	same "example layers match tests/golden/graph-examples.layers" "$TOP/tests/golden/graph-examples.layers" exlayers
fi
