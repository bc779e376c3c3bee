# is-graph orders records after their dependencies, with MetaGroup gates
# (groups of groups too), levels, critical paths, and passes on the records
# it does not know, untouched and in order.
. "$(dirname "$0")/lib.sh"
G=$TOP/tests/graph

check "orders the example stack" sh -c "is-graph '$G/stack.ndjson' >out"
jq_check "every record after its deps, groups after their members" out "$(cat "$G/order.jq")"
jq_check "a plan record comes last" out '.[-1] | .type == "plan" and .create == 6 and .groups == 3 and .resources == 6'
grep -v '"type":"\(resource\|group\|plan\)"' out >passed
grep -v '"type":"\(resource\|group\)"' "$G/stack.ndjson" >want
same "records of unknown types pass through untouched and in order" want passed
jq_check "levels are longest paths from a root" out \
	'map(select(.id) | {(.id): .level}) | add | .["Noop/vpc"] == 0 and .["MetaGroup/network"] == 1 and .["PostgresRole/app"] == 2 and .["MetaGroup/data"] == 4 and .["MetaGroup/platform"] == 5 and .["Noop/app"] == 6'
jq_check "groups list their members, groups of groups too" out \
	'map(select(.type == "group") | {(.id): .members}) | add | .["MetaGroup/platform"] == ["MetaGroup/data", "MetaGroup/network"] and .["MetaGroup/data"] == ["PostgresDatabase/orders", "PostgresRole/app"]'
jq_check "critical weighs expectedSeconds, gates weigh nothing" out \
	'map(select(.id) | {(.id): .critical}) | add | .["PostgresRole/app"] == 37 and .["Command/migrate"] == 2.5 and .["MetaGroup/platform"] == 1 and .["Noop/vpc"] == 38'
jq_check "the fields of a record keep their bytes" out \
	'map(select(.id == "File/config"))[0] | .spec.content == "port=8080" and .labels.tier == "app"'

# Same input in another order: the same bytes out.
sort -r "$G/stack.ndjson" | grep '"type":"\(resource\|group\)"' >shuffled
is-graph shuffled >a
grep '"type":"\(resource\|group\)"' "$G/stack.ndjson" | is-graph >b
same "output does not depend on input order" a b

# Running twice replaces the added fields and the plan record.
is-graph "$G/stack.ndjson" | is-graph >twice
same "is-graph is idempotent" out twice

# Several inputs, and "-" for standard input.
head -n 4 "$G/stack.ndjson" >part1
tail -n +5 "$G/stack.ndjson" | is-graph part1 - >parts
jq_check "reads several inputs and standard input" parts 'map(select(.type == "resource")) | length == 6'

printf '' | is-graph >empty
jq_check "empty input gives an empty plan" empty '. == [{"type":"plan","v":1,"create":0,"update":0,"replace":0,"delete":0,"noop":0,"resources":0,"groups":0,"levels":0}]'
expect_rc "a failed write is an error" 1 sh -c "is-graph '$G/stack.ndjson' >/dev/full"
expect_rc "--help exits 0" 0 is-graph --help
grep -q -- '--downstream' "$T/.out" && ok "--help lists --downstream" || fail "--help lists --downstream"
expect_rc "an unknown option is a usage error" 2 is-graph --nope
expect_rc "an unknown format is a usage error" 2 is-graph -f svg

# Members wait for what their group waits for (an entry gate per group with
# deps), transitively through groups of groups.
if [ -x "$IS_BIN/is-parse" ]; then
	is-parse "$TOP/share/examples/orders" | is-graph >ex
	jq_check "examples: nothing in data starts before all of network" ex \
		'map(select(.type == "resource")) | (map(select(.group == "network") | .level) | max) < (map(select(.group == "data") | .level) | min)'
	jq_check "examples: nothing in app starts before all of data" ex \
		'map(select(.type == "resource")) | (map(select(.group == "data") | .level) | max) < (map(select(.group == "app") | .level) | min)'
	jq_check "examples: the critical path runs through the gates" ex \
		'map(select(.id == "Command/workdir"))[0].critical == 8'
fi
g() { printf '{"type":"group","id":"MetaGroup/%s","group":%s,"deps":[%s],"source":{"file":"g.yaml","line":%s,"col":1}}\n' "$@"; }
m() { printf '{"type":"resource","id":"N/%s","group":%s,"deps":[%s],"source":{"file":"m.yaml","line":%s,"col":1}}\n' "$@"; }
{
	m base null '' 1
	g outer null '"N/base"' 1
	g middle '"outer"' '' 2
	g inner '"middle"' '' 3
	m deep '"inner"' '' 2
	m side '"middle"' '' 3
	m free null '' 4
} >nested.ndjson
is-graph nested.ndjson >nested
jq_check "nested groups inherit their enclosing group's deps" nested \
	'map(select(.id) | {(.id): .level}) | add | .["N/base"] == 0 and .["N/deep"] == 1 and .["N/side"] == 1 and .["N/free"] == 0 and .["MetaGroup/outer"] == 4'
jq_check "nested groups: the order holds" nested "$(cat "$G/order.jq")"
jq_check "entry gates are not records" nested 'map(select(.id)) | length == 7'

# n members and m dependents of a group with deps: n + m edges, not n * m.
awk 'BEGIN { n = 20000
	print "{\"type\":\"resource\",\"id\":\"N/root\",\"deps\":[]}"
	print "{\"type\":\"group\",\"id\":\"MetaGroup/big\",\"deps\":[\"N/root\"]}"
	for (i = 0; i < n; i++) {
		printf "{\"type\":\"resource\",\"id\":\"N/m%d\",\"group\":\"big\",\"deps\":[]}\n", i
		printf "{\"type\":\"resource\",\"id\":\"N/d%d\",\"deps\":[\"MetaGroup/big\"]}\n", i
	} }' >big.ndjson
check "a group of 20000 members with 20000 dependents" sh -c "is-graph big.ndjson >big"
jq_check "every member waits for the group's deps" big \
	'map(select(.id // "" | startswith("N/m")) | .level) | unique == [1]'
