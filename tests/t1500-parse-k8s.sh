#!/bin/sh
# Real Kubernetes manifests (tests/corpus/k8s) are valid input: a foreign
# apiVersion accepts any top-level key, and the keys other than apiVersion,
# kind, metadata and spec go to the record's "extra".
. "$(dirname "$0")/lib.sh"

k8s=$TOP/tests/corpus/k8s
if [ ! -d "$k8s" ]; then
	ok 'k8s corpus: tests/corpus/k8s is not there, nothing to check'
	exit 0
fi

files=0
for f in $(cd "$k8s" && find . -name '*.yaml' -o -name '*.yml' | LC_ALL=C sort); do
	f=${f#./}
	files=$((files + 1))
	run_rc rc sh -c 'cd "$1" && exec is-parse "$2"' - "$k8s" "$f" >one.json 2>one.err
	if [ "$rc" = 0 ] && [ ! -s one.err ]; then
		ok "k8s $f: exit 0, no diagnostics"
	else
		fail "k8s $f: exit 0, no diagnostics" "exit $rc" "$(head -n 5 one.err)"
	fi
	jq_check "k8s $f: records with the foreign apiVersion and any kind" one.json \
		'length >= 1 and all(.[]; .type == "resource" and
		   (.apiVersion | startswith("infrastream/") | not) and .id == "\(.kind)/\(.name)")'
	jq_check "k8s $f: extra holds only the other top-level keys" one.json \
		'all(.[]; (.extra // {}) | type == "object" and
		   (keys - ["apiVersion", "kind", "metadata", "spec"]) == keys)'
done
if [ "$files" -gt 0 ]; then ok "k8s corpus: $files files"; else fail 'k8s corpus: no files'; fi

(cd "$k8s" && is-parse .) >all1.json 2>all.err || true
(cd "$k8s" && is-parse .) >all2.json 2>/dev/null || true
check 'k8s corpus as one folder: no diagnostics' test "$(wc -c <all.err)" = 0
same 'k8s corpus as one folder: same bytes twice' all1.json all2.json
jq_check 'k8s: ConfigMap data, RBAC rules and the like land in extra' all1.json \
	'[.[] | select(.kind == "ConfigMap" or .kind == "Role" or .kind == "ClusterRole")] |
	 length == 0 or any(.[]; .extra.data != null or .extra.rules != null)'
if grep -q '^  namespace:' "$k8s"/*.yaml; then
	jq_check 'k8s: metadata keys such as namespace are kept' all1.json \
		'any(.[]; .metadata.namespace | type == "string")'
fi
