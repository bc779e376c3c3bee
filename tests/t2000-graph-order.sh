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
	'map(select(.id) | {(.id): .level}) | add | .["Noop/vpc"] == 0 and .["MetaGroup/network"] == 1 and .["MetaGroup/data"] == 2 and .["MetaGroup/platform"] == 3 and .["Noop/app"] == 4'
jq_check "groups list their members, groups of groups too" out \
	'map(select(.type == "group") | {(.id): .members}) | add | .["MetaGroup/platform"] == ["MetaGroup/data", "MetaGroup/network"] and .["MetaGroup/data"] == ["PostgresDatabase/orders", "PostgresRole/app"]'
jq_check "critical weighs expectedSeconds, gates weigh nothing" out \
	'map(select(.id) | {(.id): .critical}) | add | .["PostgresRole/app"] == 37 and .["Command/migrate"] == 2.5 and .["MetaGroup/platform"] == 1'
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
