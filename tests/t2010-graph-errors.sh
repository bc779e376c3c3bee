# is-graph reports every problem of its input, each with file:line, and exits 1:
# cycles (every one, as a path), missing dependencies and groups, duplicate
# ids, records without ids, lines that are not JSON objects.
. "$(dirname "$0")/lib.sh"

r() { printf '{"type":"resource","id":"%s","deps":[%s],"source":{"file":"%s","line":%s,"col":1}}\n' "$@"; }
{
	r N/self '"N/self"' self.yaml 1
	r N/a '"N/b"' a.yaml 2
	r N/b '"N/a"' b.yaml 3
	i=0
	while [ $i -lt 50 ]; do r N/ring$i "\"N/ring$(( (i + 1) % 50 ))\"" ring.yaml $((i + 1)); i=$((i + 1)); done
	r N/behind '"N/a"' behind.yaml 1
	r N/fine '' fine.yaml 1
} >cycles.ndjson
expect_rc "cycles fail with exit 1" 1 is-graph cycles.ndjson
cp "$T/.err" err
[ "$(grep -c 'dependency cycle' err)" = 3 ] && ok "every cycle is reported, once" ||
	fail "every cycle is reported, once" "$(cat err)"
grep -qx "is-graph: self.yaml:1:1: dependency cycle: N/self (self.yaml:1) -> N/self" err &&
	ok "a self-dependency is a cycle of length 1" || fail "a self-dependency is a cycle of length 1" "$(cat err)"
grep -qx "is-graph: a.yaml:2:1: dependency cycle: N/a (a.yaml:2) -> N/b (b.yaml:3) -> N/a" err &&
	ok "a 2-cycle is named as a path with file:line" || fail "a 2-cycle is named as a path" "$(cat err)"
grep -q "^is-graph: ring.yaml:1:1: dependency cycle: N/ring0 (ring.yaml:1) -> N/ring1 (ring.yaml:2) -> .* -> N/ring49 (ring.yaml:50) -> N/ring0$" err &&
	ok "a 50-cycle is named in full" || fail "a 50-cycle is named in full" "$(cat err)"
grep -q behind err && fail "nodes behind a cycle are not cycles" "$(cat err)" || ok "nodes behind a cycle are not cycles"

# A group cycle: a member that depends on its own group.
{
	printf '{"type":"group","id":"MetaGroup/g","deps":[],"source":{"file":"g.yaml","line":1,"col":1}}\n'
	printf '{"type":"resource","id":"N/m","group":"g","deps":["MetaGroup/g"],"source":{"file":"m.yaml","line":4,"col":1}}\n'
} >groupcycle.ndjson
expect_rc "a member depending on its group fails" 1 is-graph groupcycle.ndjson
grep -q "dependency cycle: MetaGroup/g (g.yaml:1) -> N/m (m.yaml:4) -> MetaGroup/g" "$T/.err" &&
	ok "the gate is named in the cycle" || fail "the gate is named in the cycle" "$(cat "$T/.err")"

{
	r N/a '"N/missing"' a.yaml 2
	r N/a '' again.yaml 5
	echo '{"type":"resource","deps":[]}'
	echo 'not json'
	echo '[1]'
	echo '{"type":"resource","id":"N/g","group":"nogroup","deps":[]}'
	r N/ok '' ok.yaml 9
} >bad.ndjson
expect_rc "bad input fails with exit 1" 1 is-graph bad.ndjson
cp "$T/.err" err
cat >want <<'WANT'
is-graph: again.yaml:5:1: duplicate id 'N/a' (first defined at a.yaml:2)
is-graph: bad.ndjson:3: resource record has no 'id'
is-graph: bad.ndjson:4:3: line 4 is not JSON: '[' or '{' expected near 'not'
is-graph: bad.ndjson:5:1: line 5 is not a JSON object
is-graph: a.yaml:2:1: 'N/a' depends on 'N/missing', which does not exist
is-graph: bad.ndjson:6: 'N/g' is in group 'nogroup', which does not exist (no MetaGroup record)
WANT
same "every problem is reported with its location" want err
[ ! -s "$T/.out" ] && ok "nothing is written when the input is bad" || fail "nothing is written when the input is bad"

expect_rc "an unknown --target is an error" 1 is-graph --target N/nope "$TOP/tests/graph/stack.ndjson"
grep -q "no resource or group 'N/nope' (in --target)" "$T/.err" && ok "the unknown id is named" ||
	fail "the unknown id is named" "$(cat "$T/.err")"
expect_rc "a missing input file is an error" 1 is-graph no-such-file
expect_rc "a bad selector is a usage error" 2 is-graph -l '=x' "$TOP/tests/graph/stack.ndjson"

# is-parse leaves out the records that had errors and ends with an error
# diagnostic: planning the rest would delete what only a typo hid.
if [ -x "$IS_BIN/is-parse" ]; then
	printf 'kind: File\nmetadata: {name: a}\nsepc: {}\n' >typo.yaml
	printf 'kind: File\nmetadata: {name: b}\nspec: {path: /b}\n' >fine.yaml
	is-parse typo.yaml fine.yaml >parsed 2>/dev/null || true
	printf '{"type":"state","id":"File/a","kind":"File","spec":{},"outputs":{},"deps":[]}\n' >typo.prior
	expect_rc "input with an error diagnostic is refused" 1 is-graph --prior typo.prior parsed
	grep -qx "is-graph: parsed: input has errors (from is-parse): 1 error in the manifests: .*; fix the manifests first" "$T/.err" &&
		ok "the refusal says why and what to do" || fail "the refusal says why and what to do" "$(cat "$T/.err")"
	cp "$T/.out" refused
	jq_check "only the diagnostics are passed on: no plan, no resources" refused \
		'length == 1 and .[0].type == "diagnostic" and .[0].code == "invalid-input"'
	expect_rc "is-parse - | is-graph is refused" 1 sh -c "printf 'kind: File\nmetadata: {name: a}\nsepc: {}\n' | is-parse - 2>/dev/null | is-graph"
	grep -q "<stdin>: input has errors (from is-parse)" "$T/.err" && ok "standard input is named" ||
		fail "standard input is named" "$(cat "$T/.err")"
	is-parse -f json typo.yaml fine.yaml >parsed.json 2>/dev/null || true
	expect_rc "every diagnostic of is-parse -f json is passed on" 1 is-graph -f text parsed.json
	grep -q "input has errors (from is-parse): typo.yaml:3:1: unknown top-level key 'sepc'" "$T/.err" &&
		ok "the first error is named with its place" || fail "the first error is named with its place" "$(cat "$T/.err")"
	[ ! -s "$T/.out" ] && ok "no text plan for refused input" || fail "no text plan for refused input" "$(cat "$T/.out")"
	printf '{"type":"diagnostic","v":1,"severity":"warning","code":"w","message":"m"}\n' >warn.ndjson
	expect_rc "a warning diagnostic does not stop the plan" 0 is-graph warn.ndjson
fi

# A cycle through a group's entry: a network member needs a data member, but
# data waits for network, and so do its members.
{
	printf '{"type":"group","id":"MetaGroup/net","deps":[],"source":{"file":"g.yaml","line":1,"col":1}}\n'
	printf '{"type":"group","id":"MetaGroup/data","deps":["MetaGroup/net"],"source":{"file":"g.yaml","line":5,"col":1}}\n'
	printf '{"type":"resource","id":"N/n","group":"net","deps":["N/d"],"source":{"file":"n.yaml","line":1,"col":1}}\n'
	printf '{"type":"resource","id":"N/d","group":"data","deps":[],"source":{"file":"d.yaml","line":1,"col":1}}\n'
} >entrycycle.ndjson
expect_rc "a member needing what its group waits for is a cycle" 1 is-graph entrycycle.ndjson
grep -qx "is-graph: g.yaml:1:1: dependency cycle: MetaGroup/net (g.yaml:1) -> N/n (n.yaml:1) -> N/d (d.yaml:1) -> entry of MetaGroup/data (g.yaml:5) -> MetaGroup/net" "$T/.err" &&
	ok "the group's entry is named in the cycle" || fail "the group's entry is named in the cycle" "$(cat "$T/.err")"
