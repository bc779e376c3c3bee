# share/examples/reconcile, the cron loop: a first pass creates (exit 2), a
# second finds nothing (0), drift made by hand is found by --check (2,
# nothing changed) and corrected (2), a failure is 1, a lock held by another
# is 3 and bad usage 64; one log line per pass; the lock is released after
# every pass, failed ones too. Two passes started at the same moment: one
# acts, the other exits 3, and nothing is made twice.
. "$(dirname "$0")/lib.sh"

reconcile=$TOP/share/examples/reconcile
IS_LEDGER=$T/ledger.db
export IS_LEDGER
mkdir stack
cat >stack/app.yaml <<EOF
kind: File
metadata: {name: conf}
spec: {path: $T/conf.txt, content: "port=80\n"}
---
kind: Command
metadata: {name: slow, dependsOn: [conf]}
spec:
  create: [sh, -c, 'sleep 0.5; echo made >>"\$0"; echo "{}"', $T/slow.count]
  read: [sh, -c, '[ -f "\$0" ] && echo "{}" || echo null', $T/slow.count]
EOF

pass() { run_rc rc "$reconcile" --log "$T/log" "$@"; }
last_log() { tail -n 1 "$T/log" | cut -d' ' -f2-; }
lock_free() { [ -z "$(is-ledger locks)" ]; }

# Two at once, on a stack that takes half a second to make.
"$reconcile" --log "$T/log" stack >out1 2>&1 &
p1=$!
"$reconcile" --log "$T/log" stack >out2 2>&1 &
p2=$!
run_rc rc1 wait $p1
run_rc rc2 wait $p2
[ "$(printf '%s\n' "$rc1" "$rc2" | sort | tr '\n' ' ')" = "2 3 " ] &&
	ok "two passes at once: one acts (2), the other is locked out (3)" ||
	fail "two passes at once: one acts, the other is locked out" "rc $rc1 and $rc2" "$(cat log)"
[ "$(cat slow.count)" = made ] && ok "two passes at once: the slow create ran once" ||
	fail "two passes at once: the slow create ran once" "$(cat slow.count)"
grep -q "reconcile stack: locked (lock: lock 'stack' is held by '.*:[0-9]*' since" log &&
	grep -q 'reconcile stack: changed (2 changed, 0 drifted)$' log &&
	ok "two passes at once: one log line each, the holder named" ||
	fail "two passes at once: one log line each" "$(cat log)"
lock_free && ok "the lock is released after the pass" || fail "the lock is released" "$(is-ledger locks)"

pass stack
[ "$rc" = 0 ] && [ "$(last_log)" = "reconcile stack: clean" ] &&
	ok "nothing to do: exit 0, logged clean" || fail "nothing to do: exit 0" "rc=$rc" "$(last_log)"

printf 'port=81\n' >conf.txt
rm slow.count
pass --check stack
[ "$rc" = 2 ] && [ "$(last_log)" = "reconcile stack: would change (0 planned, 2 drifted)" ] &&
	ok "--check: drift found, exit 2" || fail "--check: drift found, exit 2" "rc=$rc" "$(last_log)"
[ "$(cat conf.txt)" = port=81 ] && [ ! -e slow.count ] && ok "--check changes nothing" ||
	fail "--check changes nothing"
pass stack
[ "$rc" = 2 ] && [ "$(last_log)" = "reconcile stack: changed (2 changed, 2 drifted)" ] &&
	ok "drift corrected: exit 2" || fail "drift corrected: exit 2" "rc=$rc" "$(last_log)"
[ "$(cat conf.txt)" = port=80 ] && [ "$(cat slow.count)" = made ] &&
	ok "drift corrected: the file rewritten, the gone Command made again" ||
	fail "drift corrected" "$(cat conf.txt slow.count)"
pass --check stack
[ "$rc" = 0 ] && ok "--check after the correction: exit 0" || fail "--check after: exit 0" "rc=$rc"

# A planned change counts for --check too.
sed -i 's/port=80/port=8080/' stack/app.yaml
pass --check stack
[ "$rc" = 2 ] && [ "$(last_log)" = "reconcile stack: would change (1 planned, 0 drifted)" ] &&
	ok "--check: a planned update, exit 2" || fail "--check: a planned update" "rc=$rc" "$(last_log)"

cat >stack/bad.yaml <<'EOF'
kind: Command
metadata: {name: broken}
spec: {create: [false]}
EOF
pass stack
[ "$rc" = 1 ] && last_log | grep -q '^reconcile stack: failed (1 changed, 0 drifted' &&
	ok "a failed resource: exit 1, logged failed" || fail "a failed resource: exit 1" "rc=$rc" "$(last_log)"
lock_free && ok "the lock is released after a failed pass" || fail "the lock is released after a failure"
rm stack/bad.yaml
printf 'kind: File\nmetdata: {name: x}\n' >stack/typo.yaml
pass stack
[ "$rc" = 1 ] && last_log | grep -q '^reconcile stack: failed (plan: ' &&
	ok "a manifest error: exit 1" || fail "a manifest error: exit 1" "rc=$rc" "$(last_log)"
rm stack/typo.yaml

is-ledger lock --owner ops --reason maintenance --ttl 1h stack >/dev/null
pass stack
[ "$rc" = 3 ] && last_log | grep -q "locked (lock: lock 'stack' is held by 'ops'" &&
	ok "held by another: exit 3, the holder logged" || fail "held by another: exit 3" "rc=$rc" "$(last_log)"
is-ledger unlock --owner ops stack
pass --lock other-name stack
[ "$rc" = 2 ] && [ "$(last_log)" = "reconcile stack: changed (1 changed, 0 drifted)" ] &&
	ok "--lock names the lock; the failed create, gone from the manifests, is deleted" ||
	fail "--lock names the lock" "rc=$rc" "$(last_log)"
pass stack
[ "$rc" = 0 ] && ok "then clean" || fail "then clean" "rc=$rc" "$(last_log)"

n=$(wc -l <log)
expect_rc "bad usage: exit 64, not 2" 64 "$reconcile" --bogus stack
expect_rc "no stack: exit 64" 64 "$reconcile"
expect_rc "a stack that does not exist: exit 64" 64 "$reconcile" nosuch
expect_rc "no ledger named: exit 64" 64 env -u IS_LEDGER "$reconcile" stack
[ "$(wc -l <log)" = "$n" ] && ok "bad usage logs no pass" || fail "bad usage logs no pass"
"$reconcile" --help >help.txt
grep -q '^  3   locked' help.txt && ok "--help shows the exit codes" || fail "--help" "$(cat help.txt)"
run_rc rc "$reconcile" stack 2>stderr.txt
grep -q '^[0-9T:Z-]* reconcile stack: clean$' stderr.txt &&
	ok "without --log the line goes to standard error" || fail "without --log" "$(cat stderr.txt)"
# A pass killed with SIGKILL leaves its lock, and maybe half a run: the
# next pass on this host sees that the holder is gone, takes the lock over
# and resumes it; nothing is made twice.
cat >stack/more.yaml <<EOF
kind: Command
metadata: {name: more}
spec:
  create: [sh, -c, 'sleep 0.3; echo made >>"\$0"; echo "{}"', $T/more.count]
  read: [sh, -c, '[ -f "\$0" ] && echo "{}" || echo null', $T/more.count]
EOF
setsid "$reconcile" --log "$T/log" stack >/dev/null 2>&1 &
pid=$!
n=0
while lock_free && [ $n -lt 100 ]; do sleep 0.02; n=$((n + 1)); done
sleep 0.1
kill -9 -"$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
while pgrep -f "$T/more.count" >/dev/null 2>&1; do sleep 0.05; done
lock_free && fail "a killed pass leaves its lock" || ok "a killed pass leaves its lock"
pass stack
[ "$rc" = 2 ] && last_log | grep -q "^reconcile stack: changed (.*) (took the lock over from .*:$pid, which is gone)$" &&
	ok "the next pass takes over the lock of a pass that is gone, and resumes" ||
	fail "the next pass takes over a dead pass's lock" "rc=$rc" "$(last_log)"
[ "$(cat more.count)" = made ] && ok "the killed pass's create was made once" ||
	fail "the killed pass's create was made once" "$(cat more.count)"
lock_free && ok "and releases it" || fail "and releases it" "$(is-ledger locks)"
check "the ledger verifies" is-ledger verify
