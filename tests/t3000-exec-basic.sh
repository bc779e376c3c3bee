# is-exec: events for every status change, promises, gates, actions, order
# proven from the events, -j and --limit never exceeded, pass-through.
. "$(dirname "$0")/lib.sh"

# starts_after_deps EVENTS INPUT: no resource starts before each of its
# dependencies has a READY event with a smaller seq and an earlier or equal time.
starts_after_deps() {
	jq -e -n --slurpfile ev "$1" --slurpfile in "$2" '
		($in | map(select(.type == "resource" or .type == "group"))
		     | map({key: .id, value: ((.deps // []) + (.members // []))}) | from_entries) as $deps
		| ($ev | map(select(.type == "event" and .status == "READY"))
		       | map({key: .id, value: .}) | from_entries) as $ready
		| [$ev[] | select(.type == "event" and (.status == "CREATING" or .status == "UPDATING"
		                   or .status == "DELETING" or (.status == "READY" and .kind == "MetaGroup")))
		   | . as $s | $deps[$s.id][] | $ready[.] as $r
		   | ($r != null and $r.seq < $s.seq and $r.at <= $s.at)] | all' >/dev/null
}

# max_running EVENTS [KIND]: the most provider calls in flight at once.
max_running() {
	jq -s -r --arg kind "${2:-}" '
		map(select(.type == "event" and ($kind == "" or .kind == $kind))) | sort_by(.seq)
		| reduce .[] as $e ({cur: 0, max: 0, on: {}};
			if ($e.status == "CREATING" or $e.status == "UPDATING" or $e.status == "DELETING")
			   and (.on[$e.id] | not) then .cur += 1 | .on[$e.id] = true | .max = ([.max, .cur] | max)
			elif ($e.status == "READY" or $e.status == "FAILED") and .on[$e.id]
			then .cur -= 1 | .on[$e.id] = false
			else . end) | .max' "$1"
}

# The PostgreSQL stack, with no server to talk to: the Noop and Command
# resources run, the Postgres kinds fail and what needs them is skipped,
# with a reason. What it makes goes into the test's folder.
IS_DEMO_DIR=$T/demo
PGURL="postgresql:///postgres?host=$T/no-server&connect_timeout=1"
export IS_DEMO_DIR PGURL
is-parse "$TOP/tests/stacks/postgres-down" | is-graph >plan.ndjson
run_rc rc is-exec plan.ndjson >ev.ndjson 2>err
[ "$rc" = 1 ] && ok "postgres stack: exit 1 when something failed" || fail "postgres stack exit" "rc=$rc"
jq_check "postgres stack: a run start and a run end record" ev.ndjson \
	'map(select(.type == "run")) | (.[0].phase == "start" and .[-1].phase == "end"
	 and .[0].run == .[-1].run and (.[0].run | test("^[0-9]+$")))'
jq_check "postgres stack: the Noop resource is READY with its outputs" ev.ndjson \
	'any(.type == "event" and .id == "Noop/port-plan" and .status == "READY"
	     and .outputs == {api: 8080, metrics: 9090})'
jq_check "postgres stack: the plan record passes through" ev.ndjson 'any(.type == "plan")'
jq_check "postgres stack: every event has run, seq, at, id, status, action" ev.ndjson \
	'map(select(.type == "event")) | all(.run and .seq and (.at | test("^[0-9-]{10}T[0-9:]{8}[.][0-9]{3}Z$"))
	 and .id and .status and .action)'
jq_check "postgres stack: seq counts 1, 2, 3 ..." ev.ndjson \
	'[.[] | select(.type == "event") | .seq] as $s | $s == [range(1; ($s | length) + 1)]'
starts_after_deps ev.ndjson plan.ndjson && ok "postgres stack: nothing starts before its deps are READY" ||
	fail "postgres stack: nothing starts before its deps are READY"

# Promises: typed whole references, interpolation, escapes.
cat >p.ndjson <<'X'
{"type":"resource","v":1,"id":"Noop/a","kind":"Noop","name":"a","spec":{"outputs":{"port":8080,"host":"h","list":[1,2]}},"deps":[],"refs":[]}
{"type":"resource","v":1,"id":"Noop/b","kind":"Noop","name":"b","spec":{"outputs":{"url":"http://${a.outputs.host}:${a.outputs.port}/","port":"${a.outputs.port}","all":"${Noop/a.outputs}","second":"${a.outputs.list[1]}","lit":"$${HOME}"}},"deps":["Noop/a"],"refs":[{"path":"/spec/outputs/url","ref":"a.outputs.host","id":"Noop/a","output":"/host","whole":false},{"path":"/spec/outputs/url","ref":"a.outputs.port","id":"Noop/a","output":"/port","whole":false},{"path":"/spec/outputs/port","ref":"a.outputs.port","id":"Noop/a","output":"/port","whole":true},{"path":"/spec/outputs/second","ref":"a.outputs.list[1]","id":"Noop/a","output":"/list/1","whole":true}]}
{"type":"resource","v":1,"id":"Noop/c","kind":"Noop","name":"c","spec":{"outputs":{"x":"${a.outputs.nope}"}},"deps":["Noop/a"],"refs":[{"path":"/spec/outputs/x","ref":"a.outputs.nope","id":"Noop/a","output":"/nope","whole":true}]}
X
run_rc rc is-exec p.ndjson >ev.ndjson 2>err
jq_check "promise: whole reference keeps its type, interpolation makes text" ev.ndjson \
	'any(.id == "Noop/b" and .status == "READY" and .outputs == {url: "http://h:8080/", port: 8080,
	     all: {port: 8080, host: "h", list: [1, 2]}, second: 2, lit: "${HOME}"})'
jq_check "promise: a missing output fails the resource, naming it" ev.ndjson \
	'any(.id == "Noop/c" and .status == "FAILED" and (.error | test("Noop/a has no output ./nope")))'

# Gates, noop with prior outputs, delete and replace.
cat >g.ndjson <<'X'
{"type":"resource","v":1,"id":"Noop/old","kind":"Noop","name":"old","spec":{},"deps":[],"action":"delete"}
{"type":"resource","v":1,"id":"Noop/m1","kind":"Noop","name":"m1","group":"g","spec":{"outputs":{"v":1}},"deps":[],"action":"replace","prior":{"v":0}}
{"type":"resource","v":1,"id":"Noop/m2","kind":"Noop","name":"m2","group":"g","spec":{},"deps":[],"action":"noop","prior":{"kept":true}}
{"type":"group","v":1,"id":"MetaGroup/g","kind":"MetaGroup","name":"g","spec":{},"deps":[],"members":["Noop/m1","Noop/m2"],"action":"noop"}
{"type":"resource","v":1,"id":"Noop/after","kind":"Noop","name":"after","spec":{"outputs":{"k":"${m2.outputs.kept}"}},"deps":["MetaGroup/g","Noop/m2"],"refs":[{"path":"/spec/outputs/k","ref":"m2.outputs.kept","id":"Noop/m2","output":"/kept","whole":true}],"action":"update"}
X
expect_rc "actions: exit 0" 0 is-exec g.ndjson
cp "$T/.out" ev.ndjson
jq_check "delete: DELETING then READY without outputs" ev.ndjson \
	'[.[] | select(.id == "Noop/old") | .status] == ["DELETING", "READY"]'
jq_check "replace: delete then create" ev.ndjson \
	'[.[] | select(.id == "Noop/m1") | .status] == ["DELETING", "CREATING", "READY"]'
jq_check "noop: READY with the prior outputs, no provider call" ev.ndjson \
	'[.[] | select(.id == "Noop/m2") | [.status, .outputs]] == [["READY", {kept: true}]]'
jq_check "group: a gate READY after its members" ev.ndjson \
	'(map(select(.id == "MetaGroup/g" and .status == "READY")) | length) == 1'
jq_check "update: UPDATING with a prior output substituted" ev.ndjson \
	'any(.id == "Noop/after" and .status == "READY" and .outputs == {k: true})
	 and any(.id == "Noop/after" and .status == "UPDATING")'
starts_after_deps ev.ndjson g.ndjson && ok "actions: the gate opens after its members" ||
	fail "actions: the gate opens after its members"

# A random DAG of 2000: order from events.
python3 "$TOP/bench/exec-gen.py" 2000 --seed 7 | is-graph >dag.ndjson
expect_rc "random DAG: exit 0" 0 is-exec -j 3 dag.ndjson
cp "$T/.out" ev.ndjson
jq_check "random DAG: all 2000 READY" ev.ndjson \
	'(map(select(.type == "event" and .status == "READY")) | length) == 2000
	 and .[-1].ready == 2000 and .[-1].status == "SUCCEEDED"'
starts_after_deps ev.ndjson dag.ndjson && ok "random DAG: nothing starts before its deps are READY" ||
	fail "random DAG: nothing starts before its deps are READY"

# Concurrency: blocking sleeps; -j and --limit are never exceeded.
python3 "$TOP/bench/exec-gen.py" 40 --seed 3 --max-deps 1 --window 5 --sleep-ms 30 >par.ndjson
expect_rc "-j 3: exit 0" 0 is-exec -j 3 par.ndjson
m=$(max_running "$T/.out")
[ "$m" -le 3 ] && [ "$m" -ge 2 ] && ok "-j 3: at most 3 at once (saw $m)" || fail "-j 3: saw $m at once"
expect_rc "--limit Noop=2: exit 0" 0 is-exec -j 8 --limit Noop=2 par.ndjson
m=$(max_running "$T/.out" Noop)
[ "$m" -le 2 ] && ok "--limit Noop=2: at most 2 Noop at once (saw $m)" || fail "--limit: saw $m at once"
starts_after_deps "$T/.out" par.ndjson && ok "--limit: nothing starts before its deps are READY" ||
	fail "--limit: nothing starts before its deps are READY"

# Dry run: the events, no provider call (a failing spec still "succeeds").
expect_rc "--dry-run: exit 0" 0 is-exec -n g.ndjson
jq_check "--dry-run: every event says dry_run" "$T/.out" \
	'map(select(.type == "event")) | length > 0 and all(.dry_run == true)'
printf '%s\n' '{"type":"resource","v":1,"id":"Noop/f","kind":"Noop","name":"f","spec":{"fail":true},"deps":[]}' >f.ndjson
expect_rc "--dry-run calls no provider" 0 is-exec --dry-run f.ndjson

# Pass-through and refusal.
printf '%s\n' '{"type":"note","v":1,"x":[1, 2]}' >n.ndjson
cat p.ndjson >>n.ndjson
run_rc rc is-exec n.ndjson >ev.ndjson 2>err
grep -qx '{"type":"note","v":1,"x":\[1, 2\]}' ev.ndjson && ok "unknown records pass through byte for byte" ||
	fail "pass-through"
printf '%s\n' '{"type":"diagnostic","v":1,"severity":"error","code":"invalid-input","message":"1 error in the input","file":null,"line":0,"col":0,"id":null}' >bad.ndjson
cat p.ndjson >>bad.ndjson
expect_rc "an error diagnostic: exit 1" 1 is-exec bad.ndjson
cp "$T/.out" ev.ndjson
jq_check "an error diagnostic: nothing runs" ev.ndjson \
	'(map(select(.type == "event" and (.status == "CREATING" or .status == "READY"))) | length) == 0
	 and any(.type == "diagnostic") and .[-1].status == "FAILED"'
grep -q "refusing to run" "$T/.err" && ok "an error diagnostic: a clear message" || fail "refusal message"
is-parse "$TOP/tests/stacks/postgres-down" "$TOP/tests/bad" 2>/dev/null | is-graph 2>/dev/null >pb.ndjson || true
[ -s pb.ndjson ] || printf '%s\n' '{"type":"diagnostic","v":1,"severity":"error","code":"invalid-input","message":"x"}' >pb.ndjson
expect_rc "is-parse errors upstream: exit 1" 1 is-exec pb.ndjson

# A dependency that never comes.
printf '%s\n' '{"type":"resource","v":1,"id":"Noop/x","kind":"Noop","name":"x","spec":{},"deps":["Noop/ghost"]}' >gh.ndjson
expect_rc "a missing dependency: exit 1" 1 is-exec gh.ndjson
jq_check "a missing dependency: SKIPPED with the reason" "$T/.out" \
	'any(.id == "Noop/x" and .status == "SKIPPED" and (.error | test("Noop/ghost is not in the input")))'

# Usage.
expect_rc "bad -j is a usage error" 2 is-exec -j 0
expect_rc "bad --limit is a usage error" 2 is-exec --limit Noop
expect_rc "--help exits 0" 0 is-exec --help
expect_rc "output to /dev/full fails" 1 sh -c 'is-exec p.ndjson >/dev/full'
