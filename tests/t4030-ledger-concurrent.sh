# Several record pipelines writing one ledger at once lose nothing: every
# record is stored once, every output equals its input, the chain verifies.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

IS_LEDGER=$(ledger_target l)
export IS_LEDGER
# gen RUN N: a run of N events.
gen() {
	awk -v run="$1" -v n="$2" 'BEGIN {
		printf "{\"type\":\"run\",\"v\":1,\"run\":\"%s\",\"phase\":\"start\",\"status\":\"RUNNING\",\"at\":\"2024-01-01T00:00:00.000Z\"}\n", run
		for (i = 1; i <= n; i++) {
			printf "{\"type\":\"event\",\"v\":1,\"run\":\"%s\",\"seq\":%d,\"at\":\"2024-01-01T00:00:01.000Z\",\"id\":\"Noop/r%d\",\"kind\":\"Noop\",\"status\":\"READY\",\"action\":\"create\",\"outputs\":{\"i\":%d},\"spec\":{},\"deps\":[]}\n", run, i, i % 50, i
			if (i % 100 == 0) printf "{\"type\":\"note\",\"v\":1,\"i\":%d}\n", i
		}
		printf "{\"type\":\"run\",\"v\":1,\"run\":\"%s\",\"phase\":\"end\",\"status\":\"SUCCEEDED\",\"at\":\"2024-01-01T00:00:02.000Z\"}\n", run
	}'
}
writers=6
n=3000
# PostgreSQL: more writers, fewer events each (every statement is a round
# trip; what is tested is how the writers' transactions interleave).
[ "$LEDGER_BACKEND" = postgres ] && writers=8 n=1000
i=1
while [ $i -le $writers ]; do
	gen "10$i" $n >in.$i
	i=$((i + 1))
done
i=1
while [ $i -le $writers ]; do
	# Small batches: more commits, more contention.
	( rc=0; is-ledger record --batch 50 <in.$i >out.$i 2>err.$i || rc=$?; echo $rc >rc.$i ) &
	i=$((i + 1))
done
wait
i=1 good=0
while [ $i -le $writers ]; do
	[ "$(cat rc.$i)" = 0 ] && cmp -s in.$i out.$i && good=$((good + 1))
	i=$((i + 1))
done
[ $good = $writers ] && ok "$writers writers at once: each exits 0 and passes its input on unchanged" ||
	fail "$writers writers at once" "$(cat rc.* err.* | head -n 10)"
got=$(ledger_sql "$IS_LEDGER" "select count(*) from run_events")
[ "$got" = $((writers * n)) ] && ok "every event is stored once ($got)" || fail "every event stored once" "got $got"
got=$(ledger_sql "$IS_LEDGER" "select count(distinct run || '/' || event_seq) from run_events")
[ "$got" = $((writers * n)) ] && ok "no event is stored twice" || fail "no event is stored twice"
[ "$(ledger_sql "$IS_LEDGER" "select count(*) from states")" = $((writers * n)) ] && ok "every state is stored" ||
	fail "every state is stored"
check "the interleaved chain verifies" is-ledger verify

# A writer and readers at once: verify (a read transaction) runs beside record.
gen 201 20000 >big.ndjson
is-ledger record <big.ndjson >big.out &
pid=$!
v=0
while kill -0 $pid 2>/dev/null && [ $v -lt 20 ]; do
	is-ledger verify >/dev/null 2>verify.err || { fail "verify while record writes" "$(cat verify.err)"; break; }
	v=$((v + 1))
done
wait $pid && cmp -s big.ndjson big.out && ok "record beside $v verify runs: complete" ||
	fail "record beside verify runs"
check "... and it verifies at the end" is-ledger verify
