# A chain of a million resources: no recursion proportional to depth, so no
# stack overflow; a ring of a million is one cycle, named in full.
. "$(dirname "$0")/lib.sh"

awk 'BEGIN { n = 1000000
	for (i = n - 1; i >= 0; i--)
		printf "{\"type\":\"resource\",\"id\":\"Noop/c%d\",\"deps\":[%s],\"source\":{\"file\":\"chain.yaml\",\"line\":%d,\"col\":1}}\n",
			i, i ? "\"Noop/c" (i - 1) "\"" : "", i + 1 }' >chain.ndjson
check "a 1M-node chain is ordered" sh -c "is-graph chain.ndjson >out"
tail -n 1 out >plan
jq_check "the chain has a million levels" plan '.[0].levels == 1000000 and .[0].create == 1000000'
head -n 1 out >first
tail -n 2 out | head -n 1 >last
jq_check "the root comes first" first '.[0].id == "Noop/c0" and .[0].critical == 1000000'
jq_check "the tip comes last" last '.[0].id == "Noop/c999999" and .[0].level == 999999 and .[0].order == 999999'
check "a 1M-node chain renders as layers" sh -c "is-graph --layers chain.ndjson | tail -n 1 | grep -q '\"level\":999999'"

sed 's/"deps":\[\]/"deps":["Noop\/c999999"]/' chain.ndjson >ring.ndjson
expect_rc "a 1M-node ring fails" 1 is-graph ring.ndjson
[ "$(grep -c 'dependency cycle' "$T/.err")" = 1 ] && grep -q 'cycle: Noop/c0 (chain.yaml:1) -> Noop/c999999 (chain.yaml:1000000) -> .* -> Noop/c1 (chain.yaml:2) -> Noop/c0$' "$T/.err" &&
	ok "a 1M-node ring is one cycle, named in full" || fail "a 1M-node ring is one cycle, named in full"
