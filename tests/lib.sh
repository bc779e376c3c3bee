# Shared helpers for the CLI tests. Each tests/tNNNN-*.sh sources this file,
# runs real binaries in real pipelines, and reports one line per check:
#   ok - NAME        or        FAIL - NAME (+ details on stderr)
# tests/run counts those lines.
set -eu
export LC_ALL=C
: "${IS_BIN:?IS_BIN must name the folder with the built is-* commands}"
PATH=$IS_BIN:$PATH
export PATH
TOP=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/is-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

ok() { printf 'ok - %s\n' "$1"; }
fail() { printf 'FAIL - %s\n' "$1"; shift; [ $# -gt 0 ] && printf '  %s\n' "$@" >&2; return 0; }

# check NAME COMMAND...: passes when COMMAND exits 0.
check() {
	name=$1
	shift
	if "$@" >"$T/.out" 2>"$T/.err"; then
		ok "$name"
	else
		fail "$name" "command: $*" "$(tail -n 5 "$T/.err")"
	fi
}

# run_rc VAR COMMAND...: runs COMMAND, stores its exit code in VAR. A death by
# signal (exit > 128) is reported on stderr, so it never passes as a failure
# that was expected (git's test_must_fail).
run_rc() {
	var=$1
	shift
	set +e
	"$@"
	rc=$?
	set -e
	if [ "$rc" -gt 128 ]; then
		printf 'killed by signal %d: %s\n' $((rc - 128)) "$*" >&2
	fi
	eval "$var=$rc"
}

# expect_rc NAME WANT COMMAND...: passes when COMMAND exits with WANT.
expect_rc() {
	name=$1
	want=$2
	shift 2
	run_rc got "$@" >"$T/.out" 2>"$T/.err"
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		fail "$name" "want exit $want, got $got: $*" "$(tail -n 5 "$T/.err")"
	fi
}

# jq_check NAME FILE FILTER: passes when jq -e FILTER holds on FILE (slurped).
jq_check() {
	if jq -e -s "$3" "$2" >/dev/null 2>"$T/.jqerr"; then
		ok "$1"
	else
		fail "$1" "jq -s '$3' $2" "$(head -c 600 "$2")"
	fi
}

# same NAME FILE1 FILE2: passes when the files are byte-identical.
same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		fail "$1" "$(diff "$2" "$3" | head -n 20)"
	fi
}
