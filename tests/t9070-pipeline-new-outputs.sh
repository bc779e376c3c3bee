# A resource planned noop whose spec uses an output that changes in the same
# run is applied again with the new value: here a File's path changes (a
# replace, so new outputs) and the Command that names the path is updated,
# while a Command that uses an output that did not change stays noop. A
# third apply is all noop.
. "$(dirname "$0")/lib.sh"

D=$T/out
IS_LEDGER=$T/ledger.db
export IS_LEDGER
mkdir -p "$D" stack
manifest() {
	cat >stack/stack.yaml <<X
kind: File
metadata: {name: conf}
spec: {path: "$D/$1", content: "hello"}
---
kind: Command
metadata: {name: user}
spec:
  create: [sh, -c, 'echo "create \$1" >>"\$2"', user, "\${File/conf.outputs.path}", "$D/user.log"]
  update: [sh, -c, 'echo "update \$1" >>"\$2"', user, "\${File/conf.outputs.path}", "$D/user.log"]
---
kind: Command
metadata: {name: size-user}
spec:
  create: [sh, -c, 'echo "create \$1" >>"\$2"', user, "\${File/conf.outputs.size}", "$D/size.log"]
  update: [sh, -c, 'echo "update \$1" >>"\$2"', user, "\${File/conf.outputs.size}", "$D/size.log"]
X
}
apply() {
	is-ledger state >prior.ndjson
	is-parse stack | is-graph --prior prior.ndjson | is-exec | is-ledger record >"$1"
}

manifest conf-v1.txt
check 'the first apply' apply run1.ndjson
manifest conf-v2.txt
check 'the second apply (the path changes)' apply run2.ndjson
jq_check 'the File is replaced' run2.ndjson \
	'[.[] | select(.type == "event" and .id == "File/conf" and .status == "READY")][0].action == "replace"'
jq_check 'the Command that names the path is updated' run2.ndjson \
	'[.[] | select(.type == "event" and .id == "Command/user" and .status == "READY")][0].action == "update"'
jq_check 'the Command that uses the unchanged size stays noop' run2.ndjson \
	'[.[] | select(.type == "event" and .id == "Command/size-user" and .status == "READY")][0].action == "noop"'
printf 'create %s\nupdate %s\n' "$D/conf-v1.txt" "$D/conf-v2.txt" >want.log
same 'the Command ran with the new path' want.log "$D/user.log"
printf 'create 5\n' >want-size.log
same 'the other Command ran once' want-size.log "$D/size.log"
[ ! -e "$D/conf-v1.txt" ] && [ -f "$D/conf-v2.txt" ] && ok 'the old file is gone, the new one made' ||
	fail 'the old file is gone, the new one made' "$(ls "$D")"
check 'the third apply' apply run3.ndjson
jq_check 'the third apply is all noop' run3.ndjson \
	'[.[] | select(.type == "event" and .status == "READY") | .action] | length == 3 and all(. == "noop")'
same 'and runs nothing' want.log "$D/user.log"
