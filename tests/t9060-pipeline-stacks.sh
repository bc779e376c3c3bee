# Pruning is scoped to the stack: two stacks, each with its ledger, make
# files in the same folder next to one made by hand. A resource removed from
# one stack's manifests is deleted, its dependent first; the other stack's
# resources, of the same kinds in the same folder, and the file made by hand
# are never touched, because deletes come from the stack's own ledger.
. "$(dirname "$0")/lib.sh"

mkdir shared a b
echo "by hand" >shared/hand.txt
keep_doc() {
	printf 'kind: File\nmetadata: {name: keep}\nspec: {path: %s, content: "k\\n"}\n' \
		"$T/shared/a-keep.txt"
}
cat >a/stack.yaml <<EOF
kind: File
metadata: {name: base}
spec: {path: $T/shared/a-base.txt, content: "a\n"}
---
kind: File
metadata: {name: top, dependsOn: [base]}
spec: {path: $T/shared/a-top.txt, content: "\${base.outputs.sha256}\n"}
---
$(keep_doc)
EOF
cat >b/stack.yaml <<EOF
kind: File
metadata: {name: base}
spec: {path: $T/shared/b-base.txt, content: "b\n"}
---
kind: File
metadata: {name: top, dependsOn: [base]}
spec: {path: $T/shared/b-top.txt, content: "b\n"}
EOF

# apply STACK: plan against the stack's own ledger, run, record.
apply() {
	is-ledger --db "$1.db" state >"$1.prior" &&
		is-parse "$1/stack.yaml" | is-graph --prior "$1.prior" | tee "$1.plan" |
		is-exec --ledger "$1.db" | is-ledger --db "$1.db" record >"$1.run"
}
files() { ls shared | tr '\n' ' '; }
apply a
apply b
[ "$(files)" = "a-base.txt a-keep.txt a-top.txt b-base.txt b-top.txt hand.txt " ] &&
	ok "both stacks made their files beside the one made by hand" || fail "both stacks made their files" "$(files)"

# base and top leave stack a.
keep_doc >a/stack.yaml
apply a
jq_check "stack a plans two deletes, top first, and keeps keep" a.plan \
	'[.[] | select(.type == "resource") | [.id, .action]] ==
	 [["File/top", "delete"], ["File/base", "delete"], ["File/keep", "noop"]]'
jq_check "the deletes ran in that order" a.run \
	'[.[] | select(.type == "event" and .status == "READY" and .action == "delete") | .id] ==
	 ["File/top", "File/base"]'
[ "$(files)" = "a-keep.txt b-base.txt b-top.txt hand.txt " ] &&
	ok "only stack a's removed files are gone; stack b's and the hand-made one stay" ||
	fail "only stack a's removed files are gone" "$(files)"
is-ledger --db b.db state >b.state
jq_check "stack b's ledger still has both, untouched" b.state \
	'map(.id) == ["File/base", "File/top"] and all(has("pending") | not)'
apply b
jq_check "stack b, applied again, is all noop" b.plan \
	'[.[] | select(.type == "resource") | .action] == ["noop", "noop"]'

# A stack whose manifests are all gone deletes everything its ledger has,
# and nothing else.
: >a/stack.yaml
apply a
[ "$(files)" = "b-base.txt b-top.txt hand.txt " ] &&
	ok "an empty stack deletes what its ledger recorded, nothing else" ||
	fail "an empty stack deletes what its ledger recorded" "$(files)"

# A replace deletes what was recorded, not what the manifests say now: a
# File whose path changed loses its old file, and a Command without an
# update command runs its recorded delete.
mkdir c
cat >c/stack.yaml <<EOF
kind: File
metadata: {name: conf}
spec: {path: $T/shared/c-one.txt, content: "c\n"}
---
kind: Command
metadata: {name: marker}
spec:
  create: [touch, $T/shared/c-one.mark]
  delete: [rm, $T/shared/c-one.mark]
EOF
apply c
[ -f shared/c-one.txt ] && [ -f shared/c-one.mark ] && ok "stack c made a file and a marker" ||
	fail "stack c made a file and a marker" "$(files)"
sed -i 's/c-one/c-two/g' c/stack.yaml
apply c
jq_check "the File is replaced, the Command updated, each with what it replaces" c.plan \
	'[.[] | select(.type == "resource") | [.id, .action, (.replaces.spec | keys)]] ==
	 [["Command/marker", "update", ["create", "delete"]], ["File/conf", "replace", ["content", "path"]]]'
[ "$(files)" = "b-base.txt b-top.txt c-two.mark c-two.txt hand.txt " ] &&
	ok "the old file and the old marker are gone, the new ones made" ||
	fail "the old file and the old marker are gone" "$(files)"
jq_check "the Command without update was replaced: delete, then create" c.run \
	'[.[] | select(.type == "event" and .id == "Command/marker" and .status != "PENDING") | [.status, .action]] ==
	 [["UPDATING", "update"], ["DELETING", "replace"], ["CREATING", "replace"], ["READY", "replace"]]'
