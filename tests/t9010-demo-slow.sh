# The README's demo command runs and shows what the README says it shows.
. "$(dirname "$0")/lib.sh"

if [ "$IS_BIN" != "$TOP/bin" ]; then
	ok "demo: checked with the normal build only (this run uses $IS_BIN)"
	exit 0
fi
run_rc rc env IS_DEMO_DIR="$T/demo" "$TOP/tools/demo" >demo.out 2>demo.err
[ "$rc" = 0 ] && ok "demo: tools/demo exits 0" || fail "demo: tools/demo exits 0" "$(tail -n 20 demo.err)"
grep -q 'Plan: 7 to create' demo.out && ok "demo: the first plan creates 7" ||
	fail "demo: the first plan creates 7"
grep -q 'SUCCEEDED in .* 7 resources: 7 ready' demo.out && ok "demo: the run succeeds" ||
	fail "demo: the run succeeds"
grep -q 'Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 7 unchanged' demo.out &&
	ok "demo: the second plan is all noop" || fail "demo: the second plan is all noop"
grep -q 'Plan: 0 to create, 1 to update' demo.out && ok "demo: the change is one update" ||
	fail "demo: the change is one update"
awk '/time travel/{f=1; next} /^\$ /{f=0} f' demo.out >before.txt
grep -q '^METRICS_PORT=' before.txt && ! grep -q LOG_LEVEL before.txt &&
	ok "demo: state --at shows the content before the change" ||
	fail "demo: state --at shows the content before the change" "$(cat before.txt)"
grep -q "hash chains hold" demo.out && ok "demo: the ledger verifies" || fail "demo: the ledger verifies"
grep -q 'correct-horse-battery-staple' demo.out demo.err "$T/demo/ledger.db" &&
	fail "demo: the secret appears in clear" || ok "demo: the secret never appears in clear"
