# kill -9 of "is-ledger record" at random moments: each time the ledger
# opens, verifies and takes more records, and everything that was passed on
# before the kill is in it (durable before passed on).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

IS_LEDGER=$(ledger_target l)
export IS_LEDGER
# An endless run of events, until its reader dies.
gen() {
	awk -v run="$1" 'BEGIN {
		printf "{\"type\":\"run\",\"v\":1,\"run\":\"%s\",\"phase\":\"start\",\"status\":\"RUNNING\",\"at\":\"2024-01-01T00:00:00.000Z\"}\n", run
		for (i = 1; ; i++)
			printf "{\"type\":\"event\",\"v\":1,\"run\":\"%s\",\"seq\":%d,\"at\":\"2024-01-01T00:00:01.000Z\",\"id\":\"Noop/r%d\",\"kind\":\"Noop\",\"status\":\"READY\",\"action\":\"%s\",\"outputs\":{\"i\":%d},\"spec\":{},\"deps\":[\"Noop/r%d\"]}\n", run, i, i % 97, i % 5 ? "create" : "delete", i, (i + 1) % 97
	}' 2>/dev/null
}
iterations=20
i=1 bad=0 lost=0
while [ $i -le $iterations ]; do
	gen "$i" | is-ledger record --batch $((i * 37)) >out.$i 2>err.$i &
	pid=$!
	# 10 to 400 ms: in the middle of batches, commits and checkpoints.
	sleep "$(awk -v s="$i" 'BEGIN { srand(s * 7919); printf "%.3f", 0.01 + rand() * 0.39 }')"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	if ! is-ledger verify >verify.$i 2>&1; then
		bad=$((bad + 1))
		fail "kill -9 #$i: the ledger verifies" "$(head -n 5 verify.$i)"
	fi
	# Every event passed on before the kill is stored (a torn last line aside).
	passed=$(grep -c '"type":"event".*}$' out.$i || true)
	stored=$(ledger_sql "$IS_LEDGER" "select count(*) from run_events where run = '$i' and event_seq <= $passed")
	[ "$stored" = "$passed" ] || { lost=$((lost + 1)); fail "kill -9 #$i: passed on means stored" "passed $passed, stored $stored"; }
	i=$((i + 1))
done
[ $bad = 0 ] && ok "$iterations kills: the ledger verifies after each" || true
[ $lost = 0 ] && ok "$iterations kills: every record passed on before the kill was stored" || true
[ "$(ledger_sql "$IS_LEDGER" "select count(*) from run_events")" -gt 0 ] && ok "the kills left records behind" ||
	fail "the kills left records behind"
printf '%s\n' '{"type":"run","v":1,"run":"999","phase":"start","status":"RUNNING","at":"2024-01-01T00:00:00.000Z"}' >more.ndjson
check "after the kills, record goes on" is-ledger record more.ndjson
check "... and the ledger verifies" is-ledger verify
