#!/bin/sh
# is-parse on the example stack and on the basics of its interface: operands
# (files, folders, -), documents, exit codes, --check, -f json, usage errors,
# write errors, --help and --version.
. "$(dirname "$0")/lib.sh"

unset IS_DEMO_DIR PGURL ORDERS_DB_PASSWORD IS_SECRET_ORDERS_DB_PASSWORD

# empty NAME FILE: passes when FILE is empty.
empty() {
	if [ -s "$2" ]; then fail "$1" "$(head -c 300 "$2")"; else ok "$1"; fi
}

# The example stack, with paths as a user would type them from the top.
(cd "$TOP" && is-parse share/examples/orders) >ex.json 2>ex.err
expect_rc 'examples parse with exit 0' 0 sh -c "cd '$TOP' && is-parse share/examples/orders"
empty 'examples: nothing on stderr' ex.err
jq_check 'examples: 10 records, 3 of them groups' ex.json \
	'length == 10 and ([.[] | select(.type == "group")] | length) == 3'
jq_check 'examples: types are resource or group, protocol v1' ex.json \
	'all(.[]; (.type == "resource" or .type == "group") and .v == 1)'
jq_check 'examples: group records are exactly the MetaGroups' ex.json \
	'all(.[]; (.type == "group") == (.kind == "MetaGroup"))'
jq_check 'examples: id is kind/name' ex.json 'all(.[]; .id == "\(.kind)/\(.name)")'
jq_check 'examples: ids are unique' ex.json '(map(.id) | unique | length) == 10'
jq_check 'examples: every record has the documented fields' ex.json \
	'all(.[]; has("id") and has("kind") and has("name") and has("apiVersion") and
	     has("labels") and has("group") and has("metadata") and has("spec") and
	     has("deps") and has("refs") and has("source") and has("hash"))'
jq_check 'examples: deps are sorted and unique' ex.json \
	'all(.[]; .deps == (.deps | unique))'
jq_check 'examples: every dep names a record of the run' ex.json \
	'(map(.id)) as $ids | all(.[].deps[]; . as $d | $ids | index([$d]))'
jq_check 'examples: hashes are sha256' ex.json \
	'all(.[]; .hash | test("^sha256:[0-9a-f]{64}$"))'
jq_check 'examples: deps of File/orders-config from four references' ex.json \
	'.[] | select(.id == "File/orders-config") |
	 .deps == ["Command/orders-db", "Command/orders-login", "Command/workdir", "Noop/port-plan"]'
jq_check 'examples: refs carry JSON-pointer paths and outputs' ex.json \
	'.[] | select(.id == "File/orders-config") | .refs ==
	 [{path: "/spec/path", ref: "workdir.outputs.dir", id: "Command/workdir",
	   output: "/dir", whole: false},
	  {path: "/spec/content", ref: "Command/orders-db.outputs.url",
	   id: "Command/orders-db", output: "/url", whole: false},
	  {path: "/spec/content", ref: "orders-login.outputs.user",
	   id: "Command/orders-login", output: "/user", whole: false},
	  {path: "/spec/content", ref: "orders-login.outputs.password",
	   id: "Command/orders-login", output: "/password", whole: false},
	  {path: "/spec/content", ref: "port-plan.outputs.api", id: "Noop/port-plan",
	   output: "/api", whole: false},
	  {path: "/spec/content", ref: "port-plan.outputs.metrics", id: "Noop/port-plan",
	   output: "/metrics", whole: false}]'
jq_check 'examples: a value that is one reference is whole' ex.json \
	'.[] | select(.id == "Command/orders-migrate") | .refs ==
	 [{path: "/spec/create/4", ref: "File/orders-config.outputs.path",
	   id: "File/orders-config", output: "/path", whole: true}]'
jq_check 'examples: a secret is a ref without a dep and stays in the spec' ex.json \
	'.[] | select(.id == "Command/orders-login") |
	 .deps == ["Command/orders-db"] and
	 .spec.env.PASSWORD == "${secret:ORDERS_DB_PASSWORD}" and
	 .spec.outputs.password == "${secret:ORDERS_DB_PASSWORD}" and
	 (.refs | map(select(.secret))) ==
	 [{path: "/spec/env/PASSWORD", ref: "secret:ORDERS_DB_PASSWORD",
	   secret: "ORDERS_DB_PASSWORD", whole: true},
	  {path: "/spec/outputs/password", ref: "secret:ORDERS_DB_PASSWORD",
	   secret: "ORDERS_DB_PASSWORD", whole: true}]'
jq_check 'examples: env defaults are resolved, through anchors too' ex.json \
	'.[] | select(.id == "Command/workdir") |
	 .spec.outputs == {dir: "/tmp/infrastream-demo/run", data: "/tmp/infrastream-demo/data"} and
	 .spec.create == ["mkdir", "-p", "/tmp/infrastream-demo/run", "/tmp/infrastream-demo/data"] and
	 .refs == []'
jq_check 'examples: $${ stays a literal ${ for the shell' ex.json \
	'.[] | select(.id == "Command/orders-migrate") | .spec.create[2] | contains("\"$${url#sqlite:///}\"")'
jq_check 'examples: source file, line (after a comment) and col' ex.json \
	'.[] | select(.id == "File/orders-config") |
	 .source == {file: "share/examples/orders/app/service.yaml", line: 3, col: 1}'
jq_check 'examples: source of a later document in a file' ex.json \
	'.[] | select(.id == "Command/orders-smoke") |
	 .source == {file: "share/examples/orders/app/service.yaml", line: 48, col: 1}'
jq_check 'examples: labels' ex.json \
	'.[] | select(.id == "Command/orders-migrate") |
	 .labels == {tier: "web", env: "demo", team: "payments"}'
jq_check 'examples: metadata keeps the extras, not name/group/labels/dependsOn' ex.json \
	'(.[] | select(.id == "Command/orders-migrate") | .metadata == {retries: 2, timeout: "30s"}) and
	 (.[] | select(.id == "Command/orders-db") | .metadata == {expectedSeconds: 3})'
jq_check 'examples: group field, null outside a group' ex.json \
	'(.[] | select(.id == "Noop/port-plan") | .group == "network") and
	 (.[] | select(.id == "Command/orders-smoke") | .group == null) and
	 all(.[] | select(.type == "group"); .group == null)'
jq_check 'examples: dependsOn group:NAME and ids become deps' ex.json \
	'(.[] | select(.id == "MetaGroup/data") | .deps == ["MetaGroup/network"]) and
	 (.[] | select(.id == "Command/orders-smoke") | .deps == ["Command/orders-db", "MetaGroup/app", "Noop/port-plan"]) and
	 (.[] | select(.id == "Command/orders-migrate") | .deps == ["File/orders-config"])'
IS_DEMO_DIR=/srv/demo sh -c "cd '$TOP' && is-parse share/examples/orders" >ex-env.json
jq_check 'examples: env values override defaults' ex-env.json \
	'.[] | select(.id == "Command/workdir") | .spec.outputs.dir == "/srv/demo/run"'

# Folders: recursion, *.yaml and *.yml only, hidden entries skipped, byte order
# of paths whatever order the files were created in.
doc() { printf 'kind: Noop\nmetadata:\n  name: %s\n' "$1"; }
mkdir -p tree/c/d tree/b tree/a tree/.hidden
doc e >tree/c/d/e.yaml
doc z >tree/b/z.yaml
doc y >tree/a/y.yml
doc x >tree/a.yaml
doc w >tree/.hidden/w.yaml
doc v >tree/notes.txt
doc u >tree/b/.u.yaml
is-parse tree >tree1.json
is-parse tree >tree2.json
same 'folder: same bytes twice' tree1.json tree2.json
jq_check 'folder: recursive, *.yaml and *.yml, in path order' tree1.json \
	'map(.source.file) == ["tree/a.yaml", "tree/a/y.yml", "tree/b/z.yaml", "tree/c/d/e.yaml"]'
is-parse tree/ >tree3.json
jq_check 'folder: a trailing slash gives no double slash' tree3.json \
	'map(.source.file) == ["tree/a.yaml", "tree/a/y.yml", "tree/b/z.yaml", "tree/c/d/e.yaml"]'
mkdir empty
expect_rc 'folder: an empty folder is valid' 0 is-parse empty
empty 'folder: an empty folder prints nothing' "$T/.out"

# stdin, and several operands in the order given.
doc s >s.yaml
doc f1 >f1.yaml
doc f2 >f2.yaml
is-parse - <s.yaml >stdin.json
jq_check 'stdin: - reads standard input, named <stdin>' stdin.json \
	'length == 1 and .[0].id == "Noop/s" and .[0].source.file == "<stdin>"'
is-parse <s.yaml >stdin2.json
jq_check 'stdin: read when no operand is given' stdin2.json \
	'length == 1 and .[0].id == "Noop/s"'
cat s.yaml | is-parse f2.yaml - f1.yaml >ops.json
jq_check 'operands: files and - in the order given' ops.json \
	'map(.source.file) == ["f2.yaml", "<stdin>", "f1.yaml"]'

# Several documents per file; empty ones are skipped.
cat >multi.yaml <<'EOF'
# leading comment
---
kind: Noop
metadata: {name: one}
---
---
# only a comment
---
kind: Noop
metadata: {name: two}
...
---
kind: Noop
metadata: {name: three}
---
EOF
expect_rc 'documents: empty documents are valid' 0 is-parse multi.yaml
cp "$T/.out" multi.json
jq_check 'documents: one record per non-empty document, with lines' multi.json \
	'map([.name, .source.line]) == [["one", 3], ["two", 9], ["three", 13]]'
printf '' >zero.yaml
expect_rc 'documents: an empty file is valid' 0 is-parse zero.yaml
empty 'documents: an empty file prints nothing' "$T/.out"

# Exit codes and --check.
printf 'kind: Noop\nmetadata: {name: ok}\n---\nkind: Noop\nmetadata: {nmae: x}\n' >bad.yaml
expect_rc 'exit 1 on a manifest error' 1 is-parse bad.yaml
cp "$T/.err" bad.err
printf '%s\n' "is-parse: bad.yaml:5:1: missing 'metadata.name'" \
	"is-parse: bad.yaml:5:12: unknown metadata key 'nmae' (did you mean 'name'?)" >bad.want
same 'errors name file:line:col on stderr' bad.want bad.err
expect_rc 'exit 1 on a file that does not exist' 1 is-parse nothere.yaml
cp "$T/.err" nothere.err
check 'a missing file is named' grep -q "^is-parse: nothere.yaml: cannot open: " nothere.err
expect_rc 'exit 1 when one operand of several is bad' 1 is-parse s.yaml bad.yaml f1.yaml
cp "$T/.out" some.json
jq_check 'the good documents are still checked' some.json \
	'map(select(.type != "diagnostic") | .id) == ["Noop/s", "Noop/ok", "Noop/f1"]'
jq_check 'output ends with an invalid-input diagnostic' some.json \
	'last | .type == "diagnostic" and .code == "invalid-input"'
expect_rc '--check: exit 0 on valid input' 0 sh -c "cd '$TOP' && is-parse --check share/examples/orders"
empty '--check: prints nothing' "$T/.out"
expect_rc '-c: exit 1 on bad input' 1 is-parse -c bad.yaml
empty '-c: nothing on stdout' "$T/.out"
cp "$T/.err" c.err
check '-c: the error on stderr' grep -q '^is-parse: bad.yaml:' c.err

# Diagnostics as records.
expect_rc '-f json: exit 1 on bad input' 1 is-parse -f json bad.yaml nothere.yaml
cp "$T/.out" diag.json
empty '-f json: nothing on stderr' "$T/.err"
jq_check '-f json: diagnostic records with file, line, col, code, message' diag.json \
	'[.[] | select(.type == "diagnostic" and .code != "invalid-input")] |
	 length == 3 and all(.[]; .v == 1 and .severity == "error" and
	   (.code | type) == "string" and (.message | type) == "string") and
	 (.[0] | .file == "bad.yaml" and .line == 5 and .col == 1 and .code == "missing-field") and
	 (.[1] | .file == "bad.yaml" and .line == 5 and .col == 12 and .code == "unknown-key") and
	 (.[2] | .file == "nothere.yaml" and .code == "read")'
jq_check '-f json: the valid record is still there' diag.json \
	'map(select(.type == "resource") | .id) == ["Noop/ok"]'
jq_check '-f json: every line is an object' diag.json 'all(.[]; type == "object")'
expect_rc '--format=json on valid input: records only' 0 is-parse --format=json s.yaml
cp "$T/.out" fj.json
jq_check '--format json: no diagnostics when valid' fj.json \
	'length == 1 and .[0].type == "resource"'

# Usage errors: exit 2, a reason and a pointer to --help on stderr.
usage() {
	name=$1
	shift
	expect_rc "usage: $name exits 2" 2 is-parse "$@"
	if [ ! -s "$T/.out" ] && grep -q "^is-parse: " "$T/.err" &&
	   [ "$(tail -n 1 "$T/.err")" = "try 'is-parse --help'" ]; then
		ok "usage: $name says why and points to --help"
	else
		fail "usage: $name says why and points to --help" "$(cat "$T/.err")"
	fi
}
usage 'unknown short option' -x s.yaml
usage 'unknown long option' --bogus s.yaml
usage 'bad --format' --format xml s.yaml
usage 'bad -f' -f yaml s.yaml
usage 'bad selector' -l 'env in (a' s.yaml
usage 'bad selector operator' -l 'env!' s.yaml
usage 'selector without a key' -l '=x' s.yaml
usage 'option without its value' s.yaml -f
is-parse --format xml s.yaml 2>fmt.err || true
check 'usage: a bad format is named' grep -q "'xml'" fmt.err

# Output errors: a full disk is a failure, said on stderr.
(cd "$TOP" && run_rc rc is-parse share/examples/orders >/dev/full 2>"$T/full.err"; echo "$rc" >"$T/full.rc")
if [ "$(cat full.rc)" = 1 ] && grep -q '^is-parse: write error' full.err; then
	ok 'writing to /dev/full: exit 1 and an error'
else
	fail 'writing to /dev/full: exit 1 and an error' "rc $(cat full.rc)" "$(cat full.err)"
fi

# --help and --version.
expect_rc '--help exits 0' 0 is-parse --help
cp "$T/.out" help.out
cp "$T/.err" help.err
if head -n 1 help.out | grep -q '^usage: is-parse '; then
	ok '--help: first line is the usage'
else
	fail '--help: first line is the usage' "$(head -n 1 help.out)"
fi
empty '--help: nothing on stderr' help.err
check '--help: lists every option' sh -c \
	"grep -q -- '--format' help.out && grep -q -- '--selector' help.out && grep -q -- '--check' help.out"
expect_rc '-h exits 0' 0 is-parse -h
cp "$T/.out" h.out
same '-h: same text as --help' help.out h.out
expect_rc '--version exits 0' 0 is-parse --version
cp "$T/.out" version.out
check '--version: names the program and a version' \
	grep -Eq '^is-parse .*[0-9]+\.[0-9]+' version.out
