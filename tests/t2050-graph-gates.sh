# is-graph: "after", what the members of a MetaGroup wait for because of their
# groups. Present only where a group's entry has dependencies, one row per
# group, groups named as gates: a group of 20,000 members with one dependency
# adds one id to each member, and no member waits on another member.
. "$(dirname "$0")/lib.sh"

# net: 3 members; big: 20,000 members and dependsOn group:net; 50 resources
# depend on group:big.
{
	printf '{"type":"group","v":1,"id":"MetaGroup/net","kind":"MetaGroup","name":"net","group":null,"deps":[]}\n'
	for i in 1 2 3; do
		printf '{"type":"resource","v":1,"id":"Noop/n%d","kind":"Noop","name":"n%d","group":"net","deps":[]}\n' $i $i
	done
	printf '{"type":"group","v":1,"id":"MetaGroup/big","kind":"MetaGroup","name":"big","group":null,"deps":["MetaGroup/net"]}\n'
	awk 'BEGIN { for (i = 0; i < 20000; i++)
		printf "{\"type\":\"resource\",\"v\":1,\"id\":\"Noop/m%05d\",\"kind\":\"Noop\",\"name\":\"m%05d\",\"group\":\"big\",\"deps\":[]}\n", i, i }'
	awk 'BEGIN { for (i = 0; i < 50; i++)
		printf "{\"type\":\"resource\",\"v\":1,\"id\":\"Noop/d%02d\",\"kind\":\"Noop\",\"name\":\"d%02d\",\"deps\":[\"MetaGroup/big\"]}\n", i, i }'
} >big.ndjson
check "a group of 20,000 members" sh -c 'is-graph big.ndjson >out'
jq_check "each member of big has after: [MetaGroup/net], one id" out '
	map(select(.group == "big")) | length == 20000 and all(.after == ["MetaGroup/net"] and .deps == [])'
jq_check "no other record has after" out 'map(select(.group != "big" and has("after"))) == []'
jq_check "20,000 ids in all the afters, and no deps added" out '
	([.[] | (.after // []) | length] | add) == 20000
	and ([.[] | select(.type == "resource") | .deps | length] | add) == 50'
jq_check "what depends on group:big names the gate, not its members" out '
	map(select(.id // "" | startswith("Noop/d")))
	| length == 50 and all(.[]; .deps == ["MetaGroup/big"] and (has("after") | not))'
jq_check "levels: net's members, net, big's members, big, its dependents" out '
	map(select(.id)) | map({key: .id, value: .level}) | from_entries
	| .["Noop/n1"] == 0 and .["MetaGroup/net"] == 1 and .["Noop/m00000"] == 2
	  and .["Noop/m19999"] == 2 and .["MetaGroup/big"] == 3 and .["Noop/d00"] == 4'
lines=$(wc -c <big.ndjson) added=$(($(wc -c <out) - lines))
# level, order, critical, action and after on 20,000 records: well under
# 200 bytes each. A member times member list would be megabytes per record.
[ "$added" -lt 4000000 ] && ok "the output grows by $added bytes, not members times members" ||
	fail "the output grows by $added bytes, not members times members"

# Fed back to is-graph, after is replaced, never repeated.
check "is-graph reads its own output" sh -c 'is-graph out >again'
jq_check "the second pass writes the same records" again "$(printf '%s' '
	map(select(.group == "big")) | all(.after == ["MetaGroup/net"])')"
n=$(grep -c '"after".*"after"' again || true)
[ "$n" = 0 ] && ok "no record has after twice" || fail "no record has after twice" "$n records"
cmp -s out again && ok "the second pass writes the same bytes" ||
	fail "the second pass writes the same bytes" "$(cmp out again)"

# A stale after on a record that is no longer in a gated group is dropped.
printf '%s\n' '{"type":"resource","v":1,"id":"Noop/s","kind":"Noop","name":"s","deps":[],"after":["MetaGroup/gone"]}' >stale.ndjson
check "a stale after" sh -c 'is-graph stale.ndjson >sout'
jq_check "a stale after is dropped" sout 'map(select(.id == "Noop/s"))[0] | has("after") | not'

# Nested: inner in mid in outer. outer depends on group:net, mid on Noop/pre
# and on group:net again (listed once). A group inside a gated group gets
# after too; a group whose chain has no deps gets nothing.
cat >nest.ndjson <<'X'
{"type":"group","v":1,"id":"MetaGroup/net","kind":"MetaGroup","name":"net","group":null,"deps":[]}
{"type":"resource","v":1,"id":"Noop/n","kind":"Noop","name":"n","group":"net","deps":[]}
{"type":"resource","v":1,"id":"Noop/pre","kind":"Noop","name":"pre","deps":[]}
{"type":"group","v":1,"id":"MetaGroup/outer","kind":"MetaGroup","name":"outer","group":null,"deps":["MetaGroup/net"]}
{"type":"group","v":1,"id":"MetaGroup/mid","kind":"MetaGroup","name":"mid","group":"outer","deps":["MetaGroup/net","Noop/pre"]}
{"type":"group","v":1,"id":"MetaGroup/inner","kind":"MetaGroup","name":"inner","group":"mid","deps":[]}
{"type":"resource","v":1,"id":"Noop/o","kind":"Noop","name":"o","group":"outer","deps":[]}
{"type":"resource","v":1,"id":"Noop/deep","kind":"Noop","name":"deep","group":"inner","deps":["Noop/o"]}
{"type":"group","v":1,"id":"MetaGroup/free","kind":"MetaGroup","name":"free","group":null,"deps":[]}
{"type":"group","v":1,"id":"MetaGroup/sub","kind":"MetaGroup","name":"sub","group":"free","deps":[]}
{"type":"resource","v":1,"id":"Noop/f","kind":"Noop","name":"f","group":"sub","deps":[]}
X
check "nested groups" sh -c 'is-graph nest.ndjson >nout'
jq_check "nested: the deps of the entry chain, sorted, once each" nout '
	map(select(.id)) | map({key: .id, value: .after}) | from_entries
	| .["Noop/o"] == ["MetaGroup/net"] and .["MetaGroup/mid"] == ["MetaGroup/net"]
	  and .["MetaGroup/inner"] == ["MetaGroup/net", "Noop/pre"]
	  and .["Noop/deep"] == ["MetaGroup/net", "Noop/pre"]
	  and .["MetaGroup/outer"] == null and .["Noop/n"] == null and .["Noop/pre"] == null
	  and .["MetaGroup/sub"] == null and .["Noop/f"] == null'
jq_check "nested: a member's own deps stay as they were" nout \
	'map(select(.id == "Noop/deep"))[0].deps == ["Noop/o"]'
jq_check "nested: every id in after comes earlier in the output" nout '
	(map(select(.id)) | to_entries | map({key: .value.id, value: .key}) | from_entries) as $at
	| all(.[] | select(.after); . as $r | all(.after[]; $at[.] < $at[$r.id]))'

# --target on a member keeps what its group waits for.
check "--target a member of a gated group" sh -c 'is-graph --target Noop/deep nest.ndjson >tout'
jq_check "--target keeps the ids in after, and their members" tout '
	map(select(.id) | .id) as $ids
	| all(["MetaGroup/net", "Noop/n", "Noop/pre", "Noop/o"][]; . as $i | $ids | index($i))'
