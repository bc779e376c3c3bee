# The blast radius of the head of a 20,000-long chain: downstream walks it
# with a queue, not recursion (a small stack limit proves it), and graph,
# state and diff handle it too.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

IS_LEDGER=$(ledger_target l)
export IS_LEDGER
n=20000
awk -v n=$n 'BEGIN {
	print "kind: Noop\nmetadata: {name: n0}\nspec: {outputs: {i: 0}}"
	for (i = 1; i < n; i++)
		printf "---\nkind: Noop\nmetadata: {name: n%d, dependsOn: [n%d]}\nspec: {outputs: {i: %d}}\n", i, i - 1, i
}' >chain.yaml
is-parse chain.yaml | is-graph | is-exec | is-ledger record >/dev/null

# 256 KiB of stack: a recursion as deep as the chain would not fit.
check "downstream of the head, in 256 KiB of stack" sh -c 'ulimit -s 256; is-ledger downstream Noop/n0'
jq_check "every other link, at its distance" "$T/.out" \
	'length == '"$((n - 1))"' and .[0].id == "Noop/n1" and .[-1].distance == '"$((n - 1))"' and .[-1].id == "Noop/n'"$((n - 1))"'" and (map(.distance) == [range(1; '"$n"')])'
check "downstream of the middle" is-ledger downstream Noop/n15000
jq_check "... is the rest of the chain" "$T/.out" 'length == 4999 and .[0].via == ["Noop/n15000"]'
is-ledger graph >g.json
jq_check "graph: a node per link" g.json 'length == '"$n"''
check "state of the whole chain" is-ledger state
jq_check "... is every link" "$T/.out" 'length == '"$n"' and all(.deps | length <= 1)'
