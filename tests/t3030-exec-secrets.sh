# is-exec and secrets: ${secret:NAME} from the environment or --secrets, and
# a canary value that must never appear in anything the tool writes.
. "$(dirname "$0")/lib.sh"

canary=canary-7f3e9c1d
cat >s.ndjson <<'X'
{"type":"resource","v":1,"id":"Noop/a","kind":"Noop","name":"a","spec":{"outputs":{"t":"${secret:TOKEN}","u":"x-${secret:TOKEN}-y"}},"deps":[],"refs":[{"path":"/spec/outputs/t","ref":"secret:TOKEN","secret":"TOKEN","whole":true},{"path":"/spec/outputs/u","ref":"secret:TOKEN","secret":"TOKEN","whole":false}]}
{"type":"resource","v":1,"id":"Noop/b","kind":"Noop","name":"b","spec":{"outputs":{"copy":"${a.outputs.u}"}},"deps":["Noop/a"],"refs":[{"path":"/spec/outputs/copy","ref":"a.outputs.u","id":"Noop/a","output":"/u","whole":true}]}
{"type":"resource","v":1,"id":"Noop/c","kind":"Noop","name":"c","spec":{"fail":"login with ${secret:TOKEN} refused"},"deps":[],"refs":[]}
X
IS_SECRET_TOKEN=$canary is-exec s.ndjson >out 2>err || true
jq_check "env secret: resolved and redacted in outputs" out \
	'any(.id == "Noop/a" and .status == "READY" and .outputs == {t: "***", u: "x-***-y"})'
jq_check "env secret: a dependent's copy is redacted too" out \
	'any(.id == "Noop/b" and .status == "READY" and .outputs.copy == "x-***-y")'
jq_check "env secret: an error message is redacted" out \
	'any(.id == "Noop/c" and .status == "FAILED" and .error == "login with *** refused")'
! grep -q "$canary" out err && ok "env secret: the canary is nowhere in stdout or stderr" ||
	fail "canary leaked" "$(grep "$canary" out err | head -3)"

printf '{"TOKEN": "%s", "OTHER": "other-canary-123"}\n' $canary >secrets.json
{ cat s.ndjson; echo '{"type":"note","v":1,"text":"other-canary-123 in a passing record"}'; } >s2.ndjson
is-exec --secrets secrets.json s2.ndjson >out 2>err || true
jq_check "--secrets JSON: resolved" out \
	'any(.id == "Noop/a" and .status == "READY" and .outputs.t == "***")'
! grep -q -e "$canary" -e other-canary-123 out err &&
	ok "--secrets JSON: no canary in stdout or stderr, even in passed-through records" ||
	fail "canary leaked with --secrets"

printf '# secrets\nTOKEN=%s\n\n' $canary >secrets.env
is-exec --secrets secrets.env s.ndjson >out 2>err || true
jq_check "--secrets NAME=VALUE: resolved" out \
	'any(.id == "Noop/a" and .status == "READY" and .outputs.u == "x-***-y")'
! grep -q "$canary" out err && ok "--secrets NAME=VALUE: the canary is nowhere" || fail "leak (env file)"

expect_rc "a missing secret: exit 1" 1 is-exec s.ndjson
jq_check "a missing secret: FAILED, naming it and where to set it" "$T/.out" \
	'any(.id == "Noop/a" and .status == "FAILED" and (.error | test("secret .TOKEN. is not set.*IS_SECRET_TOKEN")))'
printf 'junk line\n' >bad.env
expect_rc "a bad --secrets file is a usage error" 2 is-exec --secrets bad.env s.ndjson

# Secret outputs: a program (here a Command) that makes a secret names it in
# "$secrets"; its dependents get the value, no record shows it, and a read
# (is-exec --refresh) compares it with nothing, since the ledger has "***".
IS_LEDGER=$T/ledger.db
export IS_LEDGER
cat >gen.yaml <<'Y'
kind: Command
metadata: {name: gen}
spec:
  create: [sh, -c, 'printf "{\"token\": \"made-%s\", \"user\": \"u1\", \"\$secrets\": [\"token\"]}\n" "$(cat made.seed)"']
  read: [sh, -c, 'printf "{\"token\": \"made-%s\", \"user\": \"u1\", \"\$secrets\": [\"token\"]}\n" "$(cat made.seed)"']
---
kind: File
metadata: {name: creds}
spec:
  path: creds.txt
  content: "${Command/gen.outputs.user}:${Command/gen.outputs.token}"
Y
echo 4d1c0ffee9 >made.seed
run_rc rc sh -c 'is-parse gen.yaml | is-graph | is-exec | is-ledger record >gen.ndjson 2>gen.err'
[ "$(cat creds.txt)" = "u1:made-4d1c0ffee9" ] && ok "\$secrets: the dependent File got the real value" ||
	fail "\$secrets: the dependent File got the real value" "$(cat creds.txt gen.err)"
jq_check "\$secrets: the outputs show *** and no \$secrets member" gen.ndjson \
	'any(.id == "Command/gen" and .status == "READY" and .outputs == {token: "***", user: "u1"})'
! grep -q 4d1c0ffee9 gen.ndjson gen.err && ! sqlite3 "$IS_LEDGER" .dump | grep -q 4d1c0ffee9 &&
	ok "\$secrets: the value is in no record and not in the ledger" ||
	fail "\$secrets: the value is in no record and not in the ledger"
is-ledger state >prior.ndjson
run_rc rc sh -c 'is-parse gen.yaml | is-graph --prior prior.ndjson | is-exec --refresh-only >ro.ndjson 2>ro.err'
[ "$rc" = 0 ] && jq_check "\$secrets: a read compares no secret with the recorded ***: no drift" ro.ndjson \
	'all(.status != "DRIFTED")' || fail "\$secrets: a read compares no secret: exit $rc" "$(cat ro.err)"
cat >bad.yaml <<'Y'
kind: Command
metadata: {name: bad}
spec:
  create: [echo, '{"a": 1, "$secrets": ["b"]}']
Y
run_rc rc sh -c 'is-parse bad.yaml | is-graph | is-exec >bad.ndjson 2>/dev/null'
jq_check "\$secrets naming no output: FAILED, saying so" bad.ndjson \
	'any(.id == "Command/bad" and .status == "FAILED" and (.error | test("must list names of outputs")))'
