# Refresh and drift through the real pipeline and a ledger: drift made by
# hand on File and Command resources is found by is-exec --refresh (a
# DRIFTED event that says what differs) and corrected in the same run
# (update, or create when gone); --refresh-only reports it with exit 4 and
# changes nothing; metadata.refresh: false is never read and
# metadata.ignoreChanges leaves paths out of drift and of the plan. Applying
# unchanged manifests again is all noop and runs no create or update,
# counted by the providers' own side effects.
. "$(dirname "$0")/lib.sh"

IS_LEDGER=$T/ledger.db
export IS_LEDGER
# A Command whose create appends to a counter and whose read reports it
# (null once the counter is gone); its update makes the counter one line
# again and counts itself in .fixes; every read is counted in .reads.
command_doc() {
	cat <<EOF
---
kind: Command
metadata: {name: $1$2}
spec:
  create: [sh, -c, 'echo made >>"\$0"; echo "{\"n\":1}"', $T/$1.count]
  update: [sh, -c, 'echo made >"\$0"; echo fixed >>"\$0.fixes"; echo "{\"n\":1}"', $T/$1.count]
  read: [sh, -c, 'echo >>"\$0.reads"; [ -f "\$0" ] || { echo null; exit 0; }; echo "{\"n\":\$(grep -c made "\$0")}"', $T/$1.count]
EOF
}
{
	cat <<EOF
kind: File
metadata: {name: conf}
spec: {path: $T/conf.txt, content: "port=80\n"}
---
kind: File
metadata: {name: loose, ignoreChanges: [/outputs/mode, /spec/mode]}
spec: {path: $T/loose.txt, content: "x\n", mode: "0644"}
---
kind: File
metadata: {name: manual, refresh: false}
spec: {path: $T/manual.txt, content: "m\n"}
EOF
	command_doc svc ", dependsOn: [conf]"
	command_doc job ""
} >stack.yaml

# apply N [is-exec options]: plan against the ledger, run, record.
apply() {
	n=$1
	shift
	is-ledger state >"prior$n.ndjson"
	is-parse stack.yaml | is-graph --prior "prior$n.ndjson" >"plan$n.ndjson"
	run_rc exec_rc is-exec "$@" "plan$n.ndjson" >"exec$n.ndjson" 2>"exec$n.err"
	is-ledger record "exec$n.ndjson" >"run$n.ndjson"
}
actions() { jq -c -s '[.[] | select(.type == "event") | [.id, .status, .action]]' "$1"; }
counts() { printf '%s %s\n' "$(grep -c made svc.count)" "$(grep -c made job.count)"; }

apply 1
jq_check "first apply: 5 created" run1.ndjson \
	'map(select(.type == "run" and .phase == "end"))[0] | .ready == 5 and .changed == 5 and .drifted == 0'

apply 2 --refresh
[ "$exec_rc" = 0 ] && ok "unchanged, refreshed: exit 0" || fail "unchanged: exit 0" "$(cat exec2.err)"
jq_check "unchanged: all noop, nothing changed, nothing drifted" run2.ndjson \
	'(map(select(.type == "event") | .action) | unique == ["noop"]) and
	 (map(select(.type == "run" and .phase == "end"))[0] | .changed == 0 and .drifted == 0)'
[ "$(counts)" = "1 1" ] && [ ! -e svc.count.fixes ] && [ ! -e job.count.fixes ] &&
	ok "unchanged: no create or update ran (counted by the commands)" ||
	fail "unchanged: no create or update ran" "$(cat svc.count job.count)"
[ "$(wc -l <svc.count.reads)" = 1 ] && [ "$(wc -l <job.count.reads)" = 1 ] &&
	ok "unchanged: each Command was read once" || fail "unchanged: each Command was read once"
apply 3
[ "$(wc -l <svc.count.reads)" = 1 ] && [ "$(counts)" = "1 1" ] && [ ! -e svc.count.fixes ] &&
	ok "without --refresh nothing is read, created or updated" ||
	fail "without --refresh nothing is read" "$(cat svc.count.reads)"

# Drift by hand: content, a mode (ignored), a file of refresh: false, a
# Command's counter edited and another's removed.
printf 'port=81\n' >conf.txt
chmod 600 loose.txt
printf 'edited\n' >manual.txt
echo made >>svc.count
rm job.count
apply 4 --refresh-only
[ "$exec_rc" = 4 ] && ok "--refresh-only: drift found, exit 4" ||
	fail "--refresh-only: exit 4" "rc=$exec_rc" "$(cat exec4.err)"
jq_check "--refresh-only: DRIFTED for conf, svc and job, with what differs" run4.ndjson \
	'[.[] | select(.status == "DRIFTED")] | (map(.id) | sort) ==
	   ["Command/job", "Command/svc", "File/conf"] and
	 (map(select(.id == "File/conf"))[0].drift | keys == ["sha256"]) and
	 (map(select(.id == "Command/svc"))[0].drift == {n: {was: 1, now: 2}}) and
	 (map(select(.id == "Command/job"))[0].drift == {gone: true}) and
	 all(.dry_run == true)'
jq_check "--refresh-only: the rest READY noop, the run succeeded with 3 drifted" run4.ndjson \
	'(map(select(.type == "event" and .status == "READY")) | map(.id) | sort) ==
	   ["File/loose", "File/manual"] and
	 (map(select(.type == "run" and .phase == "end"))[0] | .status == "SUCCEEDED" and
	  .drifted == 3 and .changed == 0)'
[ "$(cat conf.txt)" = port=81 ] && [ ! -e job.count ] && [ "$(grep -c made svc.count)" = 2 ] &&
	ok "--refresh-only changed nothing" || fail "--refresh-only changed nothing"
is-ledger state >state4.ndjson
same "--refresh-only: the recorded state is unchanged" prior4.ndjson state4.ndjson
is-stream -f junit run4.ndjson >junit4.xml
grep -q 'failures="3"' junit4.xml && grep -q 'message="gone" type="DRIFTED"' junit4.xml &&
	ok "junit: a drift left as it is is a failure, with what differs" ||
	fail "junit: drift left is a failure" "$(cat junit4.xml)"

apply 5 --refresh
[ "$exec_rc" = 0 ] && ok "--refresh corrects: exit 0" || fail "--refresh: exit 0" "$(cat exec5.err)"
jq_check "--refresh: conf and svc DRIFTED then updated, job DRIFTED then created" run5.ndjson \
	'[.[] | select(.type == "event" and .status != "PENDING" and
	   (.id == "File/conf" or (.id | startswith("Command/"))))
	   | [.id, .status, .action]] | group_by(.[0]) | map({(.[0][0]): map(.[1:])}) | add ==
	 {"File/conf": [["DRIFTED", "update"], ["UPDATING", "update"], ["READY", "update"]],
	  "Command/svc": [["DRIFTED", "update"], ["UPDATING", "update"], ["READY", "update"]],
	  "Command/job": [["DRIFTED", "create"], ["CREATING", "create"], ["READY", "create"]]}'
jq_check "--refresh: 3 drifted, 3 changed" run5.ndjson \
	'map(select(.type == "run" and .phase == "end"))[0] | .drifted == 3 and .changed == 3'
[ "$(cat conf.txt)" = port=80 ] && [ "$(counts)" = "1 1" ] &&
	[ "$(cat svc.count.fixes)" = fixed ] && [ ! -e job.count.fixes ] &&
	ok "--refresh: the file is rewritten, the Commands updated and created once" ||
	fail "--refresh: corrected" "$(cat conf.txt svc.count job.count)"
[ "$(stat -c %a loose.txt)" = 600 ] && [ "$(cat manual.txt)" = edited ] &&
	ok "ignored mode and refresh: false are left as they are" || fail "ignored drift left"
is-stream -f lines run5.ndjson >lines5.txt
grep -q 'File/conf DRIFTED update .*: drifted: sha256$' lines5.txt &&
	grep -q 'Command/job DRIFTED create .*: gone$' lines5.txt &&
	ok "is-stream shows what drifted" || fail "is-stream shows what drifted" "$(cat lines5.txt)"
is-stream -f junit run5.ndjson | grep -q 'failures="0"' &&
	ok "junit: a corrected drift is no failure" || fail "junit: a corrected drift is no failure"
is-ledger history Command/job | jq -e -s 'length == 2 and .[1].outputs == {n: 1}' >/dev/null &&
	ok "the ledger has the new version of what was made again" ||
	fail "the ledger has the new version" "$(is-ledger history Command/job)"
check "the ledger verifies" is-ledger verify

apply 6 --refresh
jq_check "after the correction: all noop, nothing drifted" run6.ndjson \
	'(map(select(.type == "event") | .action) | unique == ["noop"]) and
	 (map(select(.type == "run" and .phase == "end"))[0] | .drifted == 0 and .changed == 0)'

# ignoreChanges under /spec: a changed mode is planned as nothing, content is not.
sed -i 's/mode: "0644"/mode: "0600"/' stack.yaml
is-ledger state >prior7.ndjson
is-parse stack.yaml | is-graph --prior prior7.ndjson >plan7.ndjson
jq_check "ignoreChanges /spec/mode: a changed mode is planned noop" plan7.ndjson \
	'map(select(.id == "File/loose"))[0].action == "noop"'
sed -i 's/content: "x\\n"/content: "y\\n"/' stack.yaml
is-parse stack.yaml | is-graph --prior prior7.ndjson >plan7b.ndjson
jq_check "ignoreChanges: a change elsewhere is still an update, the ignored path not listed" \
	plan7b.ndjson 'map(select(.id == "File/loose"))[0] | .action == "update" and .changes == ["/content"]'

# A Command without read cannot be checked: no drift, nothing done; one
# without update is replaced (delete, then create) when its spec changes.
printf 'kind: Command\nmetadata: {name: blind}\nspec: {create: [sh, -c, "echo >>blind.count"], delete: [rm, blind.count]}\n' >blind.yaml
is-parse blind.yaml | is-graph | is-exec | is-ledger --db blind.db record >/dev/null
is-ledger --db blind.db state >blind.prior
is-parse blind.yaml | is-graph --prior blind.prior | is-exec --refresh >blind2.ndjson
jq_check "a Command without read: not drifted, noop" blind2.ndjson \
	'map(select(.type == "run" and .phase == "end"))[0] | .drifted == 0 and .changed == 0'
sed -i 's/echo >>blind.count/echo 2 >>blind.count/' blind.yaml
is-parse blind.yaml | is-graph --prior blind.prior | is-exec >blind3.ndjson
jq_check "a Command without update: its update is a replace, delete then create" blind3.ndjson \
	'[.[] | select(.type == "event") | [.status, .action]] ==
	 [["UPDATING", "update"], ["DELETING", "replace"], ["CREATING", "replace"], ["READY", "replace"]]'
[ "$(cat blind.count)" = 2 ] && ok "the replaced Command was deleted and created again" ||
	fail "the replaced Command was deleted and created again" "$(cat blind.count)"

expect_rc "-n with --refresh is bad usage" 2 is-exec -n --refresh plan1.ndjson
expect_rc "--refresh with --refresh-only is bad usage" 2 is-exec --refresh --refresh-only plan1.ndjson
printf 'kind: Noop\nmetadata: {name: x, ignoreChanges: [content]}\n' >bad.yaml
run_rc rc is-parse bad.yaml >/dev/null 2>bad.err
[ "$rc" = 1 ] && grep -q 'bad.yaml:2:37: metadata.ignoreChanges\[0\] must be a JSON pointer under /spec or /outputs' bad.err &&
	ok "is-parse: an ignoreChanges path that is no pointer under /spec or /outputs" ||
	fail "is-parse rejects a bad ignoreChanges path" "rc=$rc" "$(cat bad.err)"

# A secret among a Command's outputs: the ledger keeps "***". A dependent
# updated in a later run still gets the real value (the Command is read for
# it), and a refresh finds no drift in a value the ledger never kept.
IS_SECRET_PW=hunter2-3060
export IS_SECRET_PW
cat >sec.yaml <<EOF
kind: Command
metadata: {name: login}
spec:
  env: {PW: "\${secret:PW}"}
  create: [true]
  read: [sh, -c, 'printf "{\"password\":\"%s\"}\n" "\$PW"']
  outputs: {password: "\${secret:PW}"}
---
kind: File
metadata: {name: cfg}
spec: {path: $T/sec.conf, content: "pw=\${login.outputs.password} v=1\n"}
EOF
sec_apply() {
	is-ledger --db sec.db state >sec.prior
	is-parse sec.yaml | is-graph --prior sec.prior | is-exec "$@" | is-ledger --db sec.db record >sec.run
}
sec_apply
sed -i 's/ v=1/ v=2/' sec.yaml
sec_apply
[ "$(cat sec.conf)" = "pw=$IS_SECRET_PW v=2" ] &&
	ok "a dependent updated later gets the secret, not the ledger's ***" ||
	fail "a dependent updated later gets the secret" "$(cat sec.conf)"
sec_apply --refresh
jq_check "a refresh finds no drift in a secret the ledger keeps as ***" sec.run \
	'map(select(.type == "run" and .phase == "end"))[0] | .drifted == 0 and .changed == 0'
if grep -rqF "$IS_SECRET_PW" sec.run sec.db; then
	fail "the secret is in no record and not in the ledger"
else
	ok "the secret is in no record and not in the ledger"
fi
