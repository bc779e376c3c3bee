# downstream through MetaGroup gates: states do not record membership, so
# the walk takes a member's group from its recorded events, at the instant.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

IS_LEDGER=$(ledger_target l)
export IS_LEDGER
cat >m.yaml <<'X'
kind: MetaGroup
metadata: {name: net}
---
kind: Noop
metadata: {name: a, group: net}
spec: {outputs: {v: 1}}
---
kind: Noop
metadata: {name: b, dependsOn: [group:net]}
spec: {}
---
kind: Noop
metadata: {name: c, dependsOn: [b]}
spec: {}
---
kind: Noop
metadata: {name: lone}
spec: {}
X
is-parse m.yaml | is-graph | is-exec | is-ledger record >/dev/null
before=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 0.05

is-ledger downstream Noop/a >a.json
jq_check "a member's blast radius goes through its group's gate" a.json \
	'map([.id, .distance, .via]) == [["Noop/b", 1, ["MetaGroup/net"]], ["Noop/c", 2, ["Noop/b"]]]'
is-ledger downstream MetaGroup/net >g.json
jq_check "the gate itself" g.json 'map(.id) == ["Noop/b", "Noop/c"]'
check "a resource in no group" is-ledger downstream Noop/lone
[ ! -s "$T/.out" ] && ok "... has an empty blast radius" || fail "... has an empty blast radius"

# a leaves the group: from then on it no longer opens the gate.
sed 's/{name: a, group: net}/{name: a}/' m.yaml >m2.yaml
is-ledger state >prior.json
is-parse m2.yaml | is-graph --prior prior.json | is-exec | is-ledger record >/dev/null
check "after a left the group" is-ledger downstream Noop/a
[ ! -s "$T/.out" ] && ok "... nothing depends on a" || fail "... nothing depends on a" "$(cat "$T/.out")"
is-ledger downstream --at "$before" Noop/a >old.json
jq_check "... but at the instant before, b and c did" old.json 'map(.id) == ["Noop/b", "Noop/c"]'
