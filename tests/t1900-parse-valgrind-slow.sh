#!/bin/sh
# is-parse under valgrind: no memory error and no leak, on valid input (the
# examples, the Kubernetes corpus), on every bad input of tests/bad (each an
# early exit from some error path), on usage errors and with a selector.
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	ok 'valgrind is not installed: skipped (apt-get install valgrind)'
	exit 0
fi

unset IS_BAD_UNSET DIR

# vg NAME WANT-EXIT [--in DIR] ARGS...: runs is-parse under valgrind; passes
# when it exits WANT-EXIT and valgrind found nothing (it would exit 99).
vg() {
	name=$1
	want=$2
	shift 2
	dir=$T
	if [ "$1" = --in ]; then
		dir=$2
		shift 2
	fi
	run_rc rc sh -c 'cd "$1" && shift && exec valgrind -q --leak-check=full \
		--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
		--error-exitcode=99 --log-file="$0" "$IS_BIN/is-parse" "$@"' \
		"$T/vg.log" "$dir" "$@" >/dev/null 2>"$T/vg.err"
	if [ "$rc" = "$want" ] && [ ! -s "$T/vg.log" ]; then
		ok "valgrind: $name"
	else
		fail "valgrind: $name" "exit $rc (want $want)" "$(head -n 30 "$T/vg.log")"
	fi
}

vg 'the examples' 0 --in "$TOP" share/examples/orders
vg 'the examples, -f json --check' 0 --in "$TOP" -f json --check share/examples/orders
vg 'the examples with a selector' 0 --in "$TOP" -l 'tier in (web),env=demo' share/examples/orders
vg 'a file from stdin' 0 --in "$TOP" - <"$TOP/share/examples/orders/groups.yaml"
vg 'a usage error' 2 -l 'env in (' x.yaml
vg 'a missing file' 1 nothere.yaml
vg '--help' 0 --help

for input in "$TOP"/tests/bad/[0-9][0-9]-*; do
	case $input in *.expected) continue ;; esac
	vg "bad input ${input##*/}" 1 --in "$TOP/tests/bad" "${input##*/}"
done
vg 'all bad inputs at once' 1 --in "$TOP/tests/bad" .
vg 'all bad inputs at once, -f json' 1 --in "$TOP/tests/bad" -f json .

if [ -d "$TOP/tests/corpus/k8s" ]; then
	vg 'the Kubernetes corpus' 0 --in "$TOP/tests/corpus" k8s
else
	ok 'valgrind: no Kubernetes corpus (tests/corpus/k8s) to run'
fi
