# Crash resume under kill -9: a 200-resource stack (150 Commands whose create
# appends a line to a file of their own and whose read reports it, 50 Files)
# is applied with is-exec --ledger; at a random moment the whole pipeline,
# or one random stage of it, is killed with SIGKILL. Then the same pipeline
# runs again until it converges. Every time: the state has all 200
# resources and nothing pending, "is-ledger verify" passes, and no create
# ran twice (each file has exactly one line).
. "$(dirname "$0")/lib.sh"

rounds=${IS_CRASH_ROUNDS:-8}
mkdir stack
i=0
while [ $i -lt 150 ]; do
	cat <<EOF
---
kind: Command
metadata: {name: c$i$([ $i -ge 10 ] && echo ", dependsOn: [c$((i / 10))]")}
spec:
  create: [sh, -c, 'sleep 0.02; echo made >>"\$0"; echo "{\"n\":1}"', $T/out/c$i]
  read: [sh, -c, '[ -f "\$0" ] || { echo null; exit 0; }; echo "{\"n\":\$(grep -c made "\$0")}"', $T/out/c$i]
EOF
	i=$((i + 1))
done >stack/commands.yaml
i=0
while [ $i -lt 50 ]; do
	cat <<EOF
---
kind: File
metadata: {name: f$i, dependsOn: [c$((i * 3))]}
spec: {path: $T/out/f$i.txt, content: "\${c$((i * 3)).outputs.n}\n"}
EOF
	i=$((i + 1))
done >stack/files.yaml

# The pipeline, in a session of its own (setsid), so that one signal to its
# process group reaches every stage.
cat >pipeline.sh <<'EOF'
is-ledger state >prior.ndjson &&
is-parse stack | is-graph --prior prior.ndjson | is-exec -j 8 --ledger "$IS_LEDGER" |
	is-ledger record >run.ndjson 2>record.err
EOF
pipeline() { sh pipeline.sh 2>pipeline.err || true; }
# A provider of a killed is-exec runs on to its end (it has a process group
# of its own): the next run starts once none is left.
wait_orphans() {
	n=0
	while pgrep -f "$T/out/" >/dev/null 2>&1 && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}
converged() {
	is-ledger state >final.ndjson &&
		[ "$(jq -s 'length' final.ndjson)" = 200 ] &&
		[ "$(jq -s 'map(select(has("pending"))) | length' final.ndjson)" = 0 ] &&
		jq -e -s 'map(select(.type == "run" and .phase == "end"))[0] |
			.status == "SUCCEEDED" and .changed == 0' run.ndjson >/dev/null
}

# How long a whole run takes here, so that the kills fall inside one.
IS_LEDGER=$T/calibrate.db
export IS_LEDGER
mkdir out
is-ledger state >/dev/null
start=$(date +%s%N)
pipeline
span=$(( ($(date +%s%N) - start) / 1000000 ))
wait_orphans
rm -rf out "$T"/calibrate.db*
[ "$span" -gt 0 ] || span=1000

round=1
cut=0
while [ $round -le "$rounds" ]; do
	rm -rf out "$T"/ledger*
	mkdir out
	IS_LEDGER=$T/ledger.db
	export IS_LEDGER
	is-ledger state >/dev/null   # the schema, before the clock starts
	delay=$(awk -v r="$round" 'BEGIN { srand(r * 7919 + '"$$"'); printf "%.2f", rand() * 0.8 * '"$span"' / 1000 }')
	setsid sh pipeline.sh 2>pipeline.err &
	pid=$!
	sleep "$delay"
	victim=$(awk -v r="$round" 'BEGIN { srand(r * 104729 + '"$$"'); print int(rand() * 6) }')
	stages=$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ')
	if [ "$victim" -lt 3 ] || [ -z "$stages" ]; then
		what="the whole pipeline"
		kill -9 -"$pid" 2>/dev/null || true
	else
		set -- $stages
		shift $(( victim % $# ))
		what="stage $( (tr '\0' ' ' </proc/"$1"/cmdline) 2>/dev/null | cut -c1-40)"
		kill -9 "$1" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	wait_orphans
	made=$(ls out | wc -l)
	if grep -q '"phase":"end"' run.ndjson 2>/dev/null; then
		what="$what, once it had ended"
	else
		cut=$((cut + 1))
	fi
	tries=0
	until converged || [ $tries -ge 3 ]; do
		pipeline
		wait_orphans
		tries=$((tries + 1))
	done
	if converged; then
		ok "round $round (kill -9 of $what after ${delay}s, $made made): converged in $tries runs"
	else
		fail "round $round (kill -9 of $what after ${delay}s): converged" "$(tail -n 3 record.err)" \
			"$(jq -s 'length' final.ndjson) states"
	fi
	check "round $round: is-ledger verify passes" is-ledger verify
	twice=$(for f in out/c*; do [ "$(wc -l <"$f")" = 1 ] || echo "$f"; done)
	made=$(ls out | grep -c '^c')
	[ -z "$twice" ] && [ "$made" = 150 ] && ok "round $round: every create ran exactly once" ||
		fail "round $round: every create ran exactly once" "$made made; twice: $twice"
	round=$((round + 1))
done
[ "$cut" -ge 1 ] && ok "$cut of $rounds kills cut a run short" ||
	fail "some kills cut a run short" "every run had ended before its kill"
