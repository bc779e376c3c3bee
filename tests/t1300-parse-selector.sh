#!/bin/sh
# -l/--selector: label selectors like kubectl's, and the closure of what the
# selected records need (dependencies, members of kept MetaGroups).
. "$(dirname "$0")/lib.sh"

cat >stack.yaml <<'EOF'
kind: MetaGroup
metadata: {name: core}
---
kind: Noop
metadata:
  name: db
  group: core
  labels: {env: prod, tier: data, team: dba}
---
kind: Noop
metadata:
  name: queue
  group: core
---
kind: Noop
metadata:
  name: disk
---
kind: Noop
metadata:
  name: cache
  labels: {env: staging, tier: data}
  dependsOn: [disk]
---
kind: File
metadata:
  name: web
  labels: {env: prod, tier: web, team: web}
spec:
  dsn: ${db.outputs.url}
---
kind: File
metadata:
  name: old
  labels: {env: prod, tier: web, legacy: "yes"}
---
kind: Noop
metadata:
  name: tool
  labels: {env: dev, tier: tools}
---
kind: Http
metadata:
  name: probe
  labels: {env: qa, tier: probe}
  dependsOn: [group:core]
EOF

# sel NAME SELECTOR... : runs is-parse with each -l given, keeps stdout in
# sel.json and stderr in sel.err.
sel() {
	name=$1
	shift
	args=
	for s in "$@"; do args="$args -l '$s'"; done
	run_rc rc eval "is-parse $args stack.yaml" >sel.json 2>sel.err
	if [ "$rc" = 0 ]; then ok "$name: exit 0"; else fail "$name: exit 0" "got $rc" "$(cat sel.err)"; fi
}
# ids NAME JQ-ARRAY: the ids of the selected records, then of those kept for them.
ids() {
	jq_check "$1" sel.json "([.[] | select(.selected != false) | .id] | sort) == ($2 | sort)"
}
kept() {
	jq_check "$1" sel.json "([.[] | select(.selected == false) | .id] | sort) == ($2 | sort)"
}
no_warning() {
	if [ -s sel.err ]; then fail "$1" "$(cat sel.err)"; else ok "$1"; fi
}

sel 'env=prod' 'env=prod'
ids 'env=prod: matching records' '["Noop/db", "File/web", "File/old"]'
kept 'env=prod: the MetaGroup of a kept member, not its other members' '["MetaGroup/core"]'
jq_check 'env=prod: selected records are not marked' sel.json \
	'all(.[] | select(.id != "MetaGroup/core"); has("selected") | not)'

sel 'env==prod' 'env==prod'
ids 'env==prod: same as env=prod' '["Noop/db", "File/web", "File/old"]'

sel 'tier!=web' 'tier!=web'
ids 'tier!=web: also the records without a tier' \
	'["MetaGroup/core", "Noop/db", "Noop/queue", "Noop/disk", "Noop/cache", "Noop/tool", "Http/probe"]'

sel 'team (exists)' 'team'
ids 'team: records that have the label' '["Noop/db", "File/web"]'

sel '!legacy' '!legacy'
ids '!legacy: records without the label' \
	'["MetaGroup/core", "Noop/db", "Noop/queue", "Noop/disk", "Noop/cache", "File/web", "Noop/tool", "Http/probe"]'

sel 'env in (a,b)' 'env in (dev, staging)'
ids 'env in (dev, staging)' '["Noop/cache", "Noop/tool"]'
kept 'env in: the dependency of cache is kept' '["Noop/disk"]'

sel 'env notin' 'env notin (prod,staging,qa)'
ids 'env notin: records without the label match too, as in kubectl' \
	'["MetaGroup/core", "Noop/queue", "Noop/disk", "Noop/tool"]'

sel 'comma is AND' 'env=prod,tier=web'
ids 'env=prod,tier=web' '["File/web", "File/old"]'
kept 'env=prod,tier=web: the referenced db is kept, and its MetaGroup' '["Noop/db", "MetaGroup/core"]'

sel 'repeated -l are ANDed' 'env=prod' 'tier=web' '!legacy'
ids 'repeated -l: all must hold' '["File/web"]'
kept 'repeated -l: what web needs' '["Noop/db", "MetaGroup/core"]'
jq_check 'repeated -l: a kept record is marked "selected": false' sel.json \
	'.[] | select(.id == "Noop/db") | .selected == false'
if grep -q '^is-parse: warning: kept 2 records .*"selected": false' sel.err; then
	ok 'kept records: a warning on stderr says so'
else
	fail 'kept records: a warning on stderr says so' "$(cat sel.err)"
fi
check 'kept records: one warning line' test "$(wc -l <sel.err)" = 1

sel 'tier=probe' 'tier=probe'
ids 'tier=probe' '["Http/probe"]'
kept 'tier=probe: its MetaGroup and every member of it' '["MetaGroup/core", "Noop/db", "Noop/queue"]'
check 'kept 3: the warning counts them' grep -q 'kept 3 records' sel.err

is-parse --selector tier=probe stack.yaml >long.json 2>/dev/null
cp sel.json short.json
same '--selector is -l' short.json long.json

sel 'nothing matches' 'env=nowhere'
jq_check 'nothing matches: no records' sel.json 'length == 0'
no_warning 'nothing matches: no warning'

# Records keep the order of the input.
sel 'order' 'tier in (data,web)'
jq_check 'selected records keep the input order' sel.json \
	'map(.id) == ["MetaGroup/core", "Noop/db", "Noop/disk", "Noop/cache", "File/web", "File/old"]'

# The warning as a diagnostic record, with -f json.
is-parse -f json -l tier=probe stack.yaml >j.json 2>j.err
jq_check '-f json: the warning is a diagnostic record' j.json \
	'[.[] | select(.type == "diagnostic")] | length == 1 and .[0].severity == "warning"'
check '-f json: nothing on stderr' test "$(wc -c <j.err)" = 0

# A selector does not hide errors anywhere in the input.
printf 'kind: Noop\nmetadata: {name: fine, labels: {env: prod}}\n---\nkind: Noop\nmetadata: {name: bad, labels: {env: dev}, retries: -1}\n' >err.yaml
expect_rc 'errors in unselected records still fail the run' 1 is-parse -l env=prod err.yaml
