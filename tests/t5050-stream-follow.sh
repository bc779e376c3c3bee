# is-stream --follow: a ledger's run as it commits, read through
# "is-ledger events --follow": a run already recorded is replayed and the
# view ends with it; a run being recorded shows as it commits.
. "$(dirname "$0")/lib.sh"

if ! is-ledger events --help >/dev/null 2>&1; then
	ok "follow: skipped (this is-ledger has no 'events' subcommand yet)"
	exit 0
fi
ex=$TOP/tests/stream/examples.ndjson

is-ledger --db done.db record <"$ex" >/dev/null
run_rc rc sh -c 'timeout 20 is-stream --follow --db done.db -f lines >latest.out 2>latest.err'
check "follow: a recorded run ends the follow, exit 0" test "$rc" = 0
check "follow: the latest run is the default" grep -q 'run 73547617076995972 SUCCEEDED' latest.out
timeout 20 is-stream --follow --db done.db --run 73547617076995971 -f lines >one.out
# The ledger keeps run and event records (not the plan between them).
sed -n 12,35p "$ex" | grep -v '"type":"plan"' | is-stream -f lines >want.out
same "follow: --run replays that run as its records would show" want.out one.out

# Live: half a run recorded, the follower started, then the rest recorded.
sed -n 12,24p "$ex" | is-ledger --db live.db record >/dev/null
timeout 20 is-stream --follow --db live.db -f lines >live.out 2>live.err &
pid=$!
sleep 1
check "follow: what was committed shows at once" grep -q 'Command/orders-db CREATING' live.out
check "follow: ... and the run has not ended" sh -c "! grep -q ' run .* FAILED' live.out"
sed -n 25,35p "$ex" | is-ledger --db live.db record >/dev/null
run_rc rc wait $pid
check "follow: the follow ends with the run (exit $rc; 124: is-ledger events --follow missed the later commits)" test "$rc" = 0
same "follow: every record showed, in order" want.out live.out
