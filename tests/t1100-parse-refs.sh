#!/bin/sh
# References: ${ID.outputs.PATH}, bare names, ${env:...}, ${secret:...}, the
# $${ escape, and metadata.dependsOn.
. "$(dirname "$0")/lib.sh"

unset IS_T_ENV IS_T_UNSET IS_T_SECRET

# rec FILE ID: the record ID of FILE, as one line of JSON.
rec() { jq -c --arg id "$2" 'select(.id == $id)' "$1"; }

cat >out.yaml <<'EOF'
kind: Noop
metadata: {name: src}
spec:
  outputs: {a: {b: [1]}}
---
kind: File
metadata: {name: user}
spec:
  deep: ${Noop/src.outputs.a.b[0]}
  index: x${Noop/src.outputs.list[12].name}y
  all: ${Noop/src.outputs}
  nested:
    list: [plain, "${src.outputs.a}"]
    a/b: ${src.outputs.key}
EOF
expect_rc 'outputs: valid' 0 is-parse out.yaml
cp "$T/.out" out.json
jq_check 'outputs: a.b[0] is the pointer /a/b/0' out.json \
	'.[] | select(.id == "File/user") | .refs[0] ==
	 {path: "/spec/deep", ref: "Noop/src.outputs.a.b[0]", id: "Noop/src",
	  output: "/a/b/0", whole: true}'
jq_check 'outputs: an index inside text, not whole' out.json \
	'.[] | select(.id == "File/user") | .refs[1] |
	 .output == "/list/12/name" and .whole == false and .path == "/spec/index"'
jq_check 'outputs: all outputs is the empty pointer' out.json \
	'.[] | select(.id == "File/user") | .refs[2] | .output == "" and .whole == true'
jq_check 'outputs: paths into lists and keys with a slash' out.json \
	'.[] | select(.id == "File/user") | [.refs[3:][] | [.path, .id, .output]] ==
	 [["/spec/nested/list/1", "Noop/src", "/a"], ["/spec/nested/a~1b", "Noop/src", "/key"]]'
jq_check 'outputs: one dep for several references to one record' out.json \
	'.[] | select(.id == "File/user") | .deps == ["Noop/src"]'
jq_check 'outputs: the spec keeps the reference text for is-exec' out.json \
	'.[] | select(.id == "File/user") | .spec.deep == "${Noop/src.outputs.a.b[0]}"'

# Bare names: before and after their definition, across files.
printf 'kind: Noop\nmetadata: {name: early}\n' >a1.yaml
cat >a2.yaml <<'EOF'
kind: File
metadata: {name: middle}
spec:
  before: ${early.outputs.x}
  after: ${late.outputs.y}
---
kind: Command
metadata: {name: late}
EOF
printf 'kind: File\nmetadata: {name: last}\nspec: {x: "${later-file.outputs.z}"}\n' >a3.yaml
printf 'kind: Noop\nmetadata: {name: later-file}\n' >a4.yaml
expect_rc 'bare names: valid across files' 0 is-parse a1.yaml a2.yaml a3.yaml a4.yaml
cp "$T/.out" bare.json
jq_check 'bare names: resolved before and after their definition' bare.json \
	'.[] | select(.id == "File/middle") | .deps == ["Command/late", "Noop/early"] and
	 (.refs | map(.id)) == ["Noop/early", "Command/late"]'
jq_check 'bare names: resolved from a later file' bare.json \
	'.[] | select(.id == "File/last") | .deps == ["Noop/later-file"] and
	 .refs[0].ref == "later-file.outputs.z"'
jq_check 'bare names: every record once' bare.json \
	'(map(.id) | sort) == ["Command/late", "File/last", "File/middle", "Noop/early", "Noop/later-file"]'

# The same name under two kinds: a bare name is ambiguous, wherever it stands.
cat >amb.yaml <<'EOF'
kind: Noop
metadata: {name: twin}
---
kind: File
metadata: {name: user}
spec: {x: "${twin.outputs.a}"}
---
kind: Command
metadata: {name: twin}
---
kind: File
metadata: {name: user2}
spec: {x: "${Command/twin.outputs.a}"}
EOF
expect_rc 'ambiguous: exit 1' 1 is-parse amb.yaml
cp "$T/.err" amb.err
check 'ambiguous: the error names the name and where it is used' \
	grep -q "^is-parse: amb.yaml:6:11: name 'twin' is ambiguous" amb.err
check 'ambiguous: the error says what to write' grep -q 'Kind/twin' amb.err
check 'ambiguous: one error' test "$(wc -l <amb.err)" = 1
printf 'kind: Noop\nmetadata: {name: twin}\n---\nkind: Command\nmetadata: {name: twin}\n---\nkind: File\nmetadata: {name: u}\nspec: {x: "${twin.outputs.a}"}\n' >amb2.yaml
expect_rc 'ambiguous: also when used after both' 1 is-parse amb2.yaml
cp "$T/.err" amb2.err
check 'ambiguous: used after both, named' grep -q "^is-parse: amb2.yaml:9:.*'twin' is ambiguous" amb2.err
printf 'kind: Noop\nmetadata: {name: twin}\n---\nkind: Command\nmetadata: {name: twin}\n---\nkind: File\nmetadata: {name: u}\nspec: {x: "${Command/twin.outputs.a}"}\n' >amb3.yaml
expect_rc 'ambiguous: a full id is fine' 0 is-parse amb3.yaml

# Environment references are resolved here.
cat >env.yaml <<'EOF'
kind: File
metadata: {name: e}
spec:
  set: ${env:IS_T_ENV}
  inside: a-${env:IS_T_ENV}-b
  dflt: ${env:IS_T_UNSET:-fallback value}
  empty-default: "${env:IS_T_UNSET:-}"
  set-with-default: ${env:IS_T_ENV:-ignored}
EOF
IS_T_ENV=hello is-parse env.yaml >env.json
jq_check 'env: resolved, with and without a default' env.json \
	'.[0].spec == {set: "hello", inside: "a-hello-b", dflt: "fallback value",
	               "empty-default": "", "set-with-default": "hello"}'
jq_check 'env: no refs, no deps' env.json '.[0].refs == [] and .[0].deps == []'
IS_T_ENV='x${Noop/evil.outputs.y}z' is-parse env.yaml >env2.json
jq_check 'env: a value with ${ is escaped as $${, not a reference' env2.json \
	'.[0].spec.set == "x$${Noop/evil.outputs.y}z" and .[0].refs == [] and .[0].deps == []'
expect_rc 'env: unset without a default is exit 1' 1 is-parse env.yaml
cp "$T/.err" env.err
check 'env: unset names the variable, where, and the fix' \
	grep -q "^is-parse: env.yaml:4:8: environment variable 'IS_T_ENV' is not set (set it, or write \${env:IS_T_ENV:-default})$" env.err
IS_T_ENV= is-parse env.yaml >env3.json
jq_check 'env: set but empty is set' env3.json '.[0].spec.set == "" and .[0].spec.dflt == "fallback value"'

# Secrets are never resolved here, even when an environment variable has the name.
cat >secret.yaml <<'EOF'
kind: File
metadata: {name: s}
spec:
  password: ${secret:IS_T_SECRET}
  dsn: postgres://app:${secret:IS_T_SECRET}@db/app
EOF
IS_T_SECRET=hunter2 is-parse secret.yaml >secret.json 2>secret.err
jq_check 'secret: kept verbatim in the spec' secret.json \
	'.[0].spec == {password: "${secret:IS_T_SECRET}", dsn: "postgres://app:${secret:IS_T_SECRET}@db/app"}'
jq_check 'secret: listed in refs with the secret name, no dep' secret.json \
	'.[0].refs == [{path: "/spec/password", ref: "secret:IS_T_SECRET", secret: "IS_T_SECRET", whole: true},
	               {path: "/spec/dsn", ref: "secret:IS_T_SECRET", secret: "IS_T_SECRET", whole: false}]
	 and .[0].deps == []'
check 'secret: the value appears nowhere' sh -c '! grep -q hunter2 secret.json secret.err'

# $${ is a literal ${: no reference, no dep.
cat >esc.yaml <<'EOF'
kind: Command
metadata: {name: c}
spec:
  create: echo $${HOME} and $${nothing.outputs.x}
  mixed: $${literal} ${Noop/n.outputs.v}
---
kind: Noop
metadata: {name: n}
EOF
expect_rc 'escape: valid' 0 is-parse esc.yaml
cp "$T/.out" esc.json
jq_check 'escape: $${ kept as written' esc.json \
	'.[] | select(.id == "Command/c") |
	 .spec.create == "echo $${HOME} and $${nothing.outputs.x}"'
jq_check 'escape: only the real reference counts, and it is not whole' esc.json \
	'.[] | select(.id == "Command/c") | .deps == ["Noop/n"] and
	 .refs == [{path: "/spec/mixed", ref: "Noop/n.outputs.v", id: "Noop/n", output: "/v", whole: false}]'

# metadata.dependsOn: ids, bare names, group:NAME; a single string too.
cat >dep.yaml <<'EOF'
kind: MetaGroup
metadata: {name: base}
---
kind: Noop
metadata: {name: one}
---
kind: Noop
metadata:
  name: two
  dependsOn: [Noop/one, three, "group:base"]
---
kind: Command
metadata: {name: three, group: base}
---
kind: Noop
metadata: {name: four, dependsOn: two}
EOF
expect_rc 'dependsOn: valid' 0 is-parse dep.yaml
cp "$T/.out" dep.json
jq_check 'dependsOn: ids, bare names (even later ones) and group:NAME' dep.json \
	'.[] | select(.id == "Noop/two") | .deps == ["Command/three", "MetaGroup/base", "Noop/one"]'
jq_check 'dependsOn: no refs' dep.json '.[] | select(.id == "Noop/two") | .refs == []'
jq_check 'dependsOn: a single string' dep.json '.[] | select(.id == "Noop/four") | .deps == ["Noop/two"]'
jq_check 'dependsOn: not kept in metadata' dep.json 'all(.[]; .metadata | has("dependsOn") | not)'
jq_check 'group: a member records its group, without a dep on it' dep.json \
	'.[] | select(.id == "Command/three") | .group == "base" and .deps == []'
printf 'kind: Noop\nmetadata:\n  name: x\n  dependsOn: [group:nowhere, Noop/nothing, nobody]\n' >dep-bad.yaml
expect_rc 'dependsOn: unknown targets are errors' 1 is-parse dep-bad.yaml
cp "$T/.err" dep-bad.err
check 'dependsOn: each unknown target reported at its place' sh -c "
	grep -q \"^is-parse: dep-bad.yaml:4:15: MetaGroup 'nowhere' does not exist\" dep-bad.err &&
	grep -q \"^is-parse: dep-bad.yaml:4:30: dependency 'Noop/nothing' does not exist\" dep-bad.err &&
	grep -q \"^is-parse: dep-bad.yaml:4:44: a resource named 'nobody' does not exist\" dep-bad.err"
