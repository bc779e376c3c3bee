# is-ledger's queries over a history made by real pipelines (parse | graph
# --prior <(state) | exec | record): state at every instant between runs,
# state --run, history, diff, graph, downstream, search, runs, events, the
# time forms, tables, and the round trip into is-graph --prior.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/ledger-backend.sh"

IS_LEDGER=$(ledger_target l)
export IS_LEDGER TZ=UTC
mkdir m

now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
# apply: one run of the whole pipeline over m/, planned against the ledger.
apply() {
	bash -c 'is-parse m | is-graph --prior <(is-ledger state) | is-exec | is-ledger record' >apply.out
}
# Each instant is taken between runs, with a pause either side, so every
# recorded time is strictly before or after it.
mark() {
	sleep 0.05
	now
	sleep 0.05
}

# Run 1: a, b (needs a), c.
cat >m/one.yaml <<'X'
kind: Noop
metadata: {name: a, labels: {env: prod, tier: base}}
spec: {outputs: {v: 1}}
---
kind: Noop
metadata: {name: b}
spec: {outputs: {w: "${a.outputs.v}"}}
---
kind: Noop
metadata: {name: c, labels: {team: lighthouse}}
spec: {outputs: {c: true}}
X
t0=$(mark)
apply
t1=$(mark)
# Run 2: a changes, c is deleted, d (needs b) is new. b's spec is the same,
# but it uses a's output, which changes: is-exec updates it.
cat >m/one.yaml <<'X'
kind: Noop
metadata: {name: a, labels: {env: prod, tier: base}}
spec: {outputs: {v: 2}}
---
kind: Noop
metadata: {name: b}
spec: {outputs: {w: "${a.outputs.v}"}}
---
kind: Noop
metadata: {name: d, dependsOn: [b]}
spec: {outputs: {d: 4}}
X
apply
t2=$(mark)
# Run 3: e fails; what existed stays as it was.
cat >m/two.yaml <<'X'
kind: Command
metadata: {name: e}
spec: {create: [sh, -c, "exit 3"]}
X
apply || true
t3=$(mark)
rm m/two.yaml

is-ledger runs >runs.json
jq_check "runs: three, oldest first, by start time" runs.json \
	'length == 3 and (map(.started) | . == sort) and map(.status) == ["SUCCEEDED", "SUCCEEDED", "FAILED"]'
r1=$(jq -r -s '.[0].run' runs.json) r2=$(jq -r -s '.[1].run' runs.json) r3=$(jq -r -s '.[2].run' runs.json)

# State at every instant in between.
check "state before anything" is-ledger state --at "$t0"
[ ! -s "$T/.out" ] && ok "state before the first run is empty" || fail "state before the first run is empty"
is-ledger state --at "$t1" >s1.json
jq_check "state --at t1: a, b, c as run 1 left them" s1.json \
	'map(.id) == ["Noop/a", "Noop/b", "Noop/c"] and .[0].spec.outputs.v == 1 and .[0].outputs.v == 1 and .[1].outputs.w == 1 and .[1].deps == ["Noop/a"] and all(.run == "'"$r1"'")'
jq_check "state records have what is-graph --prior reads" s1.json \
	'all(.type == "state" and .v == 1 and (.hash | startswith("sha256:")) and .kind == "Noop" and (.at | test("Z$")))'
jq_check "labels come along" s1.json '.[0].labels == {env: "prod", tier: "base"}'
is-ledger state --at "$t2" >s2.json
jq_check "state --at t2: a changed, b updated with a's new output, c gone, d new" s2.json \
	'map(.id) == ["Noop/a", "Noop/b", "Noop/d"] and .[0].spec.outputs.v == 2 and .[0].outputs.v == 2 and .[0].run == "'"$r2"'" and .[1].run == "'"$r2"'" and .[1].outputs.w == 2 and .[2].deps == ["Noop/b"]'
is-ledger state --at "$t3" >s3.json
same "a failed run changes no state" s2.json s3.json
is-ledger state >now.json
same "state with no --at is the state now" s3.json now.json
is-ledger state --at now >now2.json
same "--at now is the same" now.json now2.json
is-ledger state --run "$r1" >run1.json
same "state --run ID is the state that run left" s1.json run1.json
is-ledger state --at "$r1" >run1b.json
same "--at RUNID means the end of that run" s1.json run1b.json
is-ledger state --id Noop/b --id Noop/a --id Noop/nosuch Noop/b >ids.json
jq_check "--id (and operands): those resources only, sorted, once each" ids.json \
	'map(.id) == ["Noop/a", "Noop/b"]'
is-ledger state --id Noop/c --at "$t1" >c.json
jq_check "--id with --at" c.json 'length == 1 and .[0].id == "Noop/c"'

# The time forms.
off=$(date -u -d "${t1%Z}Z" +%Y-%m-%dT%H:%M:%S.%3N)
hour=$(date -u -d "${t1%Z}Z + 2 hours" +%Y-%m-%dT%H:%M:%S.%3N+02:00)
is-ledger state --at "$hour" >off.json
same "an offset (+02:00) means the same instant" s1.json off.json
sec=$(date -u -d "${t1%Z}Z + 1 second" +%Y-%m-%dT%H:%M:%SZ)
check "seconds without a fraction" is-ledger state --at "$sec"
check "-1h: before every run" is-ledger state --at -1h
[ ! -s "$T/.out" ] && ok "-1h is an empty state" || fail "-1h is an empty state"
expect_rc "a bad time is a usage error" 2 is-ledger state --at yesterday
grep -q "bad time 'yesterday'" "$T/.err" && ok "the bad time is named" || fail "the bad time is named" "$(cat "$T/.err")"
expect_rc "--at and --run together: usage error" 2 is-ledger state --at now --run "$r1"
expect_rc "an unknown run: exit 1" 1 is-ledger state --run 12345
grep -q "no run '12345'" "$T/.err" && ok "the unknown run is named" || fail "the unknown run is named"
: "$off"

# Round trip: planning the same manifests against the state plans nothing.
bash -c 'is-parse m | is-graph --prior <(is-ledger state)' >plan.json
jq_check "is-graph --prior <(is-ledger state): all noop" plan.json \
	'map(select(.type == "resource")) | length == 3 and all(.action == "noop")'
is-ledger state --at "$t1" >prior1.json
is-parse m | is-graph --prior prior1.json >plan1.json
jq_check "against the state of t1: a update, c delete, d create, b noop" plan1.json \
	'map(select(.type == "resource") | {(.id): .action}) | add == {"Noop/a": "update", "Noop/b": "noop", "Noop/c": "delete", "Noop/d": "create"}'

# history
is-ledger history Noop/c >hc.json
jq_check "history: every version, then the tombstone" hc.json \
	'length == 2 and (.[0].deleted | not) and .[1].deleted == true and .[1].run == "'"$r2"'"'
is-ledger history Noop/a >ha.json
jq_check "history: versions oldest first" ha.json 'map(.outputs.v) == [1, 2]'
expect_rc "history of an unknown id: exit 1" 1 is-ledger history Noop/nosuch
expect_rc "history needs an id" 2 is-ledger history

# diff
is-ledger diff --from "$t1" --to "$t2" >d.json
jq_check "diff: a changed (spec and outputs), b changed (outputs), c removed, d added" d.json \
	'map(select(.what == "resource") | {(.id): .change}) | add == {"Noop/a": "changed", "Noop/b": "changed", "Noop/c": "removed", "Noop/d": "added"}'
jq_check "diff: the changed paths" d.json \
	'map(select(.id == "Noop/a")) | .[0].changes == ["/spec/outputs/v", "/outputs/v"] and .[0].from.run == "'"$r1"'" and .[0].to.run == "'"$r2"'"'
jq_check "diff: the edge d -> b added" d.json \
	'map(select(.what == "edge")) == [{type: "diff", v: 1, what: "edge", change: "added", id: "Noop/d", kind: "Noop", dep: "Noop/b"}]'
is-ledger diff --from "$t2" --to "$t1" >dr.json
jq_check "diff backwards: the reverse" dr.json \
	'map(select(.what == "resource") | {(.id): .change}) | add == {"Noop/a": "changed", "Noop/b": "changed", "Noop/c": "added", "Noop/d": "removed"}'
check "diff between equal states" is-ledger diff --from "$t2" --to "$t3"
[ ! -s "$T/.out" ] && ok "diff of a failed run is empty" || fail "diff of a failed run is empty" "$(cat "$T/.out")"
is-ledger diff --to "$t1" >d0.json
jq_check "diff from the beginning: everything added" d0.json \
	'map(select(.what == "resource") | .change) == ["added", "added", "added"]'

# graph, and its agreement with state
is-ledger graph --at "$t1" >g1.json
jq_check "graph --at: a node per resource, with its deps" g1.json \
	'map({(.id): .deps}) | add == {"Noop/a": [], "Noop/b": ["Noop/a"], "Noop/c": []}'
jq -c '{id, deps}' s2.json >s2.ids
is-ledger graph --at "$t2" | jq -c '{id, deps}' >g2.ids
same "graph --at agrees with state --at" s2.ids g2.ids
is-ledger graph -f dot >g.dot
grep -q '"Noop/a" -> "Noop/b";' g.dot && grep -q '"Noop/b" -> "Noop/d";' g.dot &&
	ok "graph -f dot: edges from a dependency to its dependent" || fail "graph -f dot" "$(cat g.dot)"
if command -v dot >/dev/null 2>&1; then
	check "graph -f dot is valid DOT" dot -Tsvg -o g.svg g.dot
fi
expect_rc "state -f dot: usage error" 2 is-ledger state -f dot

# downstream
is-ledger downstream Noop/a >ds.json
jq_check "downstream: b at 1, d at 2, via what" ds.json \
	'map([.id, .distance, .via]) == [["Noop/b", 1, ["Noop/a"]], ["Noop/d", 2, ["Noop/b"]]]'
is-ledger downstream Noop/a --at "$t1" >ds1.json
jq_check "downstream --at t1: only b" ds1.json 'map(.id) == ["Noop/b"]'
check "downstream of a leaf" is-ledger downstream Noop/d
[ ! -s "$T/.out" ] && ok "nothing depends on a leaf" || fail "nothing depends on a leaf"
expect_rc "downstream of an unknown id: exit 1" 1 is-ledger downstream Noop/nosuch
is-ledger downstream -f dot Noop/a >ds.dot
grep -q '"Noop/b" -> "Noop/d"' ds.dot && ! grep -q '"Noop/a";' ds.dot &&
	ok "downstream -f dot draws the blast radius" || fail "downstream -f dot" "$(cat ds.dot)"

# search
is-ledger search lighthouse >q1.json
jq_check "search a label value: the deleted c, not current" q1.json \
	'length == 1 and .[0].id == "Noop/c" and .[0].current == false and (.[0] | has("rank"))'
is-ledger search env prod >q2.json
jq_check "search: every word must match; newest matching version once" q2.json \
	'length == 1 and .[0].id == "Noop/a" and .[0].current == true and .[0].outputs.v == 2'
is-ledger search Noop/d >q3.json
jq_check "search an id with a slash" q3.json 'map(.id) == ["Noop/d"]'
is-ledger search --raw 'lighth* OR tier' >q4.json
jq_check "search --raw: FTS5 syntax" q4.json 'map(.id) | sort == ["Noop/a", "Noop/c"]'
is-ledger search --limit 1 --raw 'lighth* OR tier' >q5.json
jq_check "search --limit" q5.json 'length == 1'
check "search with no match" is-ledger search nosuchword
[ ! -s "$T/.out" ] && ok "no match, no output" || fail "no match, no output"
expect_rc "search --raw with bad FTS5 syntax: exit 1" 1 is-ledger search --raw '"unterminated'

# events
is-ledger events --run "$r2" >e2.json
n=$(ledger_sql "$IS_LEDGER" "select count(*) from run_events where run = '$r2'")
jq_check "events: run start, every event in order, run end" e2.json \
	'.[0].type == "run" and .[0].phase == "start" and .[-1].phase == "end" and (.[1:-1] | all(.type == "event" and .run == "'"$r2"'") and length == '"$n"' and (map(.seq) == (map(.seq) | sort)))'
is-ledger events >el.json
jq_check "events with no --run: the latest run" el.json '.[0].run == "'"$r3"'" and .[-1].status == "FAILED"'
expect_rc "events of an unknown run: exit 1" 1 is-ledger events --run 42

# Tables for people
is-ledger runs -f table >runs.txt
head -n 1 runs.txt | grep -q '^RUN  *STARTED  *ELAPSED  *STATUS' && [ "$(wc -l <runs.txt)" = 4 ] &&
	ok "runs -f table: a header and a row per run" || fail "runs -f table" "$(cat runs.txt)"
grep -q "^$r1  *[0-9-]* [0-9:]*  *[0-9.]*s  *SUCCEEDED" runs.txt && ok "readable times and durations" ||
	fail "readable times and durations" "$(cat runs.txt)"
for q in "state" "history Noop/a" "diff --from $t1" "graph" "search prod" "downstream Noop/a" "events --run $r1"; do
	# shellcheck disable=SC2086
	is-ledger $q -f table >tab.txt
	awk 'NR == 1 { n = index($0, "  ") } END { exit !(NR >= 2 && n > 0) }' tab.txt &&
		ok "$q -f table" || fail "$q -f table" "$(cat tab.txt)"
done
is-ledger state -f table | awk 'NR > 1 { print index($0, "Noop ") }' | sort -u >cols.txt
[ "$(wc -l <cols.txt)" = 1 ] && ok "table columns are aligned" || fail "table columns are aligned" "$(is-ledger state -f table)"
expect_rc "an unknown format: usage error" 2 is-ledger runs -f yaml

# Output errors are failures.
expect_rc "state >/dev/full: exit 1" 1 sh -c 'is-ledger state >/dev/full'
