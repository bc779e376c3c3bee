#!/bin/sh
# Bad input, OpenBSD regress style: each tests/bad/NN-name.yaml (or folder
# tests/bad/NN-name/) must make is-parse exit 1, without a crash, and print
# exactly tests/bad/NN-name.expected on stderr. -f json must report the same
# diagnostics as records.
#
# After a deliberate change of a message, IS_BAD_REGEN=1 rewrites the
# .expected files; read the diff before committing it.
. "$(dirname "$0")/lib.sh"

unset IS_BAD_UNSET DIR
bad=$TOP/tests/bad

# in_bad ARGS...: runs is-parse from tests/bad, so that names stay short.
in_bad() { (cd "$bad" && exec is-parse "$@"); }

cases=0
for input in "$bad"/[0-9][0-9]-*; do
	name=${input##*/}
	case $name in *.expected) continue ;; esac
	base=${name%.yaml}
	want=$bad/$base.expected
	cases=$((cases + 1))
	if [ "${IS_BAD_REGEN:-}" = 1 ]; then
		in_bad "$name" 2>"$want" >/dev/null || true
	fi
	if [ ! -f "$want" ]; then
		fail "$base: has $base.expected"
		continue
	fi

	run_rc rc in_bad "$name" >"$base.out" 2>"$base.err"
	if [ "$rc" = 1 ]; then
		ok "$base: exit 1"
	else
		fail "$base: exit 1" "got $rc" "$(head -n 5 "$base.err")"
	fi
	if diff -u "$want" "$base.err" >"$base.diff"; then
		ok "$base: the expected diagnostics"
	else
		fail "$base: the expected diagnostics" "$(cat "$base.diff")"
	fi
	# Every line: program, file:line:col, a message without a full stop.
	if [ -s "$base.err" ] &&
	   ! grep -Ev '^is-parse: [^: ]+:[1-9][0-9]*:[1-9][0-9]*: [^ ].*[^.]$' "$base.err" >/dev/null; then
		ok "$base: every line is 'is-parse: FILE:LINE:COL: message'"
	else
		fail "$base: every line is 'is-parse: FILE:LINE:COL: message'" "$(cat "$base.err")"
	fi
	if [ "$(tail -n 1 "$base.out" | jq -r .code)" = invalid-input ]; then
		ok "$base: the output ends with an invalid-input diagnostic"
	else
		fail "$base: the output ends with an invalid-input diagnostic" "$(tail -n 2 "$base.out")"
	fi

	run_rc rc in_bad -f json "$name" >"$base.json" 2>"$base.jerr"
	jq -r 'select(.type == "diagnostic" and .code != "invalid-input") |
	       "is-parse: \(.file):\(.line):\(.col): \(.message)"' "$base.json" >"$base.jtext" 2>&1 || true
	if [ "$rc" = 1 ] && [ ! -s "$base.jerr" ] && cmp -s "$want" "$base.jtext"; then
		ok "$base: -f json gives the same diagnostics as records"
	else
		fail "$base: -f json gives the same diagnostics as records" "exit $rc" \
			"$(diff "$want" "$base.jtext")" "$(head -n 3 "$base.jerr")"
	fi
done

for want in "$bad"/*.expected; do
	base=${want##*/}
	base=${base%.expected}
	if [ -e "$bad/$base.yaml" ] || [ -d "$bad/$base" ]; then
		continue
	fi
	fail "$base.expected has an input"
done

if [ "$cases" -ge 30 ]; then
	ok "at least 30 bad inputs ($cases)"
else
	fail "at least 30 bad inputs ($cases)"
fi

# All of them in one run (ids now clash across files too): exit 1, no crash,
# every line still in the format.
run_rc rc in_bad . >all.out 2>all.err
if [ "$rc" = 1 ]; then ok 'the whole folder: exit 1'; else fail 'the whole folder: exit 1' "got $rc"; fi
if ! grep -Ev '^is-parse: [^: ]+:[1-9][0-9]*:[1-9][0-9]*: [^ ].*[^.]$' all.err >all.odd; then
	ok 'the whole folder: every line in the format'
else
	fail 'the whole folder: every line in the format' "$(head -n 5 all.odd)"
fi
