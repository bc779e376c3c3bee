# is-exec: MetaGroup gates. Whatever depends on group:NAME waits for every
# member of NAME; the members of a group wait for what their group waits for,
# through nested groups (is-graph's "after"); a failure there skips them with
# a reason that names the group. Proven from the events' seq and times.
. "$(dirname "$0")/lib.sh"

# gated EVENTS BEFORE AFTER: every provider call of an id matching the regex
# AFTER starts after every id matching BEFORE is READY, by seq and by time;
# and there is at least one of each.
gated() {
	jq -e -s --arg before "$2" --arg after "$3" '
		map(select(.type == "event")) as $ev
		| [$ev[] | select((.id | test($before)) and .status == "READY")] as $ready
		| [$ev[] | select((.id | test($after)) and .status == "CREATING")] as $starts
		| ($ready | length) > 0 and ($starts | length) > 0
		  and ([$starts[] as $s | $ready[] | .seq < $s.seq and .at <= $s.at] | all)' "$1" >/dev/null
}

# The reproducer: a slow member of network, a quick member of data, and data
# depends on group:network. Before the fix Noop/x was READY first.
cat >g.yaml <<'X'
kind: MetaGroup
metadata: {name: network}
---
kind: Noop
metadata: {name: slow, group: network}
spec: {sleepMs: 300}
---
kind: Noop
metadata: {name: quick, group: network}
spec: {sleepMs: 50}
---
kind: MetaGroup
metadata: {name: data, dependsOn: [group:network]}
---
kind: Noop
metadata: {name: x, group: data}
---
kind: Noop
metadata: {name: y, group: data}
spec: {sleepMs: 10}
X
is-parse g.yaml | is-graph >plan.ndjson
run_rc rc is-exec -j 8 plan.ndjson >ev.ndjson 2>err
[ "$rc" = 0 ] && ok "gate: exit 0" || fail "gate: exit 0" "rc=$rc" "$(cat err)"
jq_check "gate: data's members carry after: [MetaGroup/network], network's none" plan.ndjson '
	map(select(.type == "resource")) | all(if .group == "data"
		then .after == ["MetaGroup/network"] else has("after") | not end)'
gated ev.ndjson '^Noop/(slow|quick)$' '^Noop/(x|y)$' &&
	ok "gate: no member of data starts before every member of network is READY" ||
	fail "gate: no member of data starts before every member of network is READY" "$(cat ev.ndjson)"
jq_check "gate: Noop/slow is READY before Noop/x" ev.ndjson '
	map(select(.type == "event" and .status == "READY")) as $r
	| ($r | map(select(.id == "Noop/slow"))[0].seq) < ($r | map(select(.id == "Noop/x"))[0].seq)'
jq_check "gate: the groups are READY after their members" ev.ndjson '
	map(select(.type == "event" and .status == "READY")) | map(.id) as $ids
	| ($ids | index("MetaGroup/network")) > ($ids | index("Noop/slow"))
	  and ($ids | index("MetaGroup/data")) > ($ids | index("Noop/x"))'

# The same with is-exec reading the records one at a time from a pipe: the
# member of data comes before its group's record, and still waits.
is-parse g.yaml | is-graph | is-exec >ev2.ndjson 2>err || true
gated ev2.ndjson '^Noop/(slow|quick)$' '^Noop/(x|y)$' &&
	ok "gate in a pipeline: data waits for network" ||
	fail "gate in a pipeline: data waits for network" "$(cat ev2.ndjson)"

# Three deep: inner in mid in outer; outer depends on group:network, mid on
# Noop/pre as well. Everything inside outer waits for all of network, and
# what is inside mid for Noop/pre too.
cat >n.yaml <<'X'
kind: MetaGroup
metadata: {name: network}
---
kind: Noop
metadata: {name: n1, group: network}
spec: {sleepMs: 250}
---
kind: Noop
metadata: {name: n2, group: network}
spec: {sleepMs: 100}
---
kind: Noop
metadata: {name: pre}
spec: {sleepMs: 400}
---
kind: MetaGroup
metadata: {name: outer, dependsOn: [group:network]}
---
kind: MetaGroup
metadata: {name: mid, group: outer, dependsOn: [Noop/pre]}
---
kind: MetaGroup
metadata: {name: inner, group: mid}
---
kind: Noop
metadata: {name: o, group: outer}
---
kind: Noop
metadata: {name: m, group: mid}
---
kind: Noop
metadata: {name: deep, group: inner}
---
kind: Noop
metadata: {name: after-all, dependsOn: [group:outer]}
X
is-parse n.yaml | is-graph >nplan.ndjson
jq_check "nested: after lists the entry chain's deps, groups as gates" nplan.ndjson '
	map(select(.id)) | map({key: .id, value: .after}) | from_entries
	| .["Noop/o"] == ["MetaGroup/network"] and .["MetaGroup/mid"] == ["MetaGroup/network"]
	  and .["Noop/m"] == ["MetaGroup/network", "Noop/pre"]
	  and .["MetaGroup/inner"] == ["MetaGroup/network", "Noop/pre"]
	  and .["Noop/deep"] == ["MetaGroup/network", "Noop/pre"]
	  and .["MetaGroup/outer"] == null and .["Noop/n1"] == null and .["Noop/after-all"] == null'
run_rc rc is-exec -j 8 nplan.ndjson >nev.ndjson 2>err
[ "$rc" = 0 ] && ok "nested: exit 0" || fail "nested: exit 0" "rc=$rc" "$(cat err)"
gated nev.ndjson '^Noop/n[12]$' '^Noop/(o|m|deep)$' &&
	ok "nested: nothing in outer, three deep, starts before all of network is READY" ||
	fail "nested: nothing in outer, three deep, starts before all of network is READY" "$(cat nev.ndjson)"
gated nev.ndjson '^Noop/pre$' '^Noop/(m|deep)$' &&
	ok "nested: nothing in mid or inner starts before mid's own dependency" ||
	fail "nested: nothing in mid or inner starts before mid's own dependency" "$(cat nev.ndjson)"
gated nev.ndjson '^Noop/(o|m|deep)$' '^Noop/after-all$' &&
	ok "nested: what depends on group:outer waits for all of it" ||
	fail "nested: what depends on group:outer waits for all of it"
jq_check "nested: Noop/o need not wait for Noop/pre" nev.ndjson '
	map(select(.type == "event")) as $e
	| ($e | map(select(.id == "Noop/o" and .status == "CREATING"))[0].seq)
	  < ($e | map(select(.id == "Noop/pre" and .status == "READY"))[0].seq)'

# A failure in network skips every member of data, with a reason that names
# the group, and runs nothing of data.
sed 's/{sleepMs: 50}/{sleepMs: 50, fail: "network is down"}/' g.yaml >f.yaml
is-parse f.yaml | is-graph >fplan.ndjson
run_rc rc is-exec fplan.ndjson >fev.ndjson 2>err
[ "$rc" = 1 ] && ok "failure: exit 1" || fail "failure: exit 1" "rc=$rc" "$(cat err)"
jq_check "failure: Noop/quick FAILED, network and data SKIPPED" fev.ndjson '
	map(select(.type == "event")) | group_by(.id) | map({key: .[0].id, value: last.status})
	| from_entries | .["Noop/quick"] == "FAILED" and .["Noop/slow"] == "READY"
	  and .["MetaGroup/network"] == "SKIPPED" and .["Noop/x"] == "SKIPPED"
	  and .["Noop/y"] == "SKIPPED" and .["MetaGroup/data"] == "SKIPPED"'
jq_check "failure: data's members are skipped because of MetaGroup/network" fev.ndjson '
	[.[] | select(.type == "event" and (.id == "Noop/x" or .id == "Noop/y") and .status == "SKIPPED")]
	| length == 2 and all(.error | test("MetaGroup/network"))'
jq_check "failure: no member of data ran" fev.ndjson '
	all(.[]; .type != "event" or ((.id == "Noop/x" or .id == "Noop/y") | not)
	         or .status == "SKIPPED" or .status == "PENDING")'
jq_check "failure: the run end counts them skipped" fev.ndjson '
	map(select(.type == "run" and .phase == "end"))[0] | .failed == 1 and .skipped == 2'
