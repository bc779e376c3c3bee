# File, Command and an external provider through the real pipeline:
# is-parse | is-graph | is-exec, outputs passed on as promises, arguments
# that stay arguments, failures with status and stderr, drift-free rereads.
. "$(dirname "$0")/lib.sh"

PATH=$TOP/tests/providers:$PATH
export PATH
mkdir kv
cat >stack.yaml <<'YAML'
apiVersion: infrastream/v1
kind: Command
metadata: {name: tag}
spec:
  create: [jq, -cn, --arg, v, "1.2; touch pwned", "{version: $v}"]
---
apiVersion: infrastream/v1
kind: File
metadata: {name: version}
spec:
  path: VERSION
  content: ${Command/tag.outputs.version}
  mode: 0640
---
apiVersion: infrastream/v1
kind: Kv
metadata: {name: hash}
spec:
  dir: kv
  key: version-sha
  value: ${File/version.outputs.sha256}
YAML
run_rc rc sh -c 'is-parse stack.yaml | is-graph | is-exec >events.ndjson'
[ "$rc" = 0 ] && ok "File, Command and Kv run to READY" || fail "exit $rc" "$(cat events.ndjson)"
[ "$(cat VERSION)" = "1.2; touch pwned" ] && ok "the File got the Command's output" \
	|| fail "VERSION holds '$(cat VERSION)'"
[ ! -e pwned ] && ok "an argument with ';' was never a shell line" || fail "pwned exists"
[ "$(stat -c %a VERSION)" = 640 ] && ok "mode: 0640 gives 0640" || fail "mode $(stat -c %a VERSION)"
sha=$(sha256sum VERSION | cut -d' ' -f1)
[ "$(cat kv/version-sha)" = "$sha" ] && ok "the external provider got the File's sha256" \
	|| fail "kv holds '$(cat kv/version-sha)', want $sha"
jq_check "READY events carry the outputs" events.ndjson \
	'map(select(.type == "event" and .status == "READY")) | length == 3 and
	 (map(select(.id == "File/version"))[0].outputs | .size == 16 and .mode == "0640")'

cat >bad.yaml <<'YAML'
apiVersion: infrastream/v1
kind: Command
metadata: {name: bad}
spec:
  create: [sh, -c, "echo first >&2; echo it broke >&2; exit 3"]
---
apiVersion: infrastream/v1
kind: Command
metadata: {name: after, dependsOn: [Command/bad]}
spec:
  create: ["true"]
---
apiVersion: infrastream/v1
kind: Nosuch
metadata: {name: x}
spec: {}
YAML
run_rc rc sh -c 'is-parse bad.yaml | is-graph | is-exec >bad.ndjson 2>bad.err'
[ "$rc" = 1 ] && ok "a failed command fails the run (exit 1)" || fail "exit $rc"
jq_check "the error has the status and the stderr tail" bad.ndjson \
	'map(select(.type == "event" and .id == "Command/bad" and .status == "FAILED"))[0].error |
	 test("status 3") and test("it broke")'
jq_check "its dependent is SKIPPED" bad.ndjson \
	'any(.[]; .type == "event" and .id == "Command/after" and .status == "SKIPPED")'
if grep -q "is-provider-nosuch" bad.ndjson bad.err; then
	ok "an unknown kind names the program looked for"
else
	fail "no mention of is-provider-nosuch" "$(cat bad.err)"
fi
