# The completion scripts are generated from the option tables: the committed
# ones must match what the built commands generate, and must work in bash.
. "$(dirname "$0")/lib.sh"

mkdir gen
"$TOP/completions/generate" "$IS_BIN" gen
for sh in bash zsh fish; do
	same "committed $sh completions match the binaries" \
		"$TOP/completions/infrastream.$sh" "gen/infrastream.$sh"
done

check "bash completions load" bash -c ". '$TOP/completions/infrastream.bash'"
# Drive the is-parse completion function as bash would on "is-parse --f<TAB>".
words=$(bash -c ". '$TOP/completions/infrastream.bash'
	COMP_WORDS=(is-parse --f); COMP_CWORD=1; _is_parse; echo \"\${COMPREPLY[*]}\"")
[ "$words" = "--format" ] && ok "bash completes --f to --format" ||
	fail "bash completes --f to --format" "got '$words'"
words=$(bash -c ". '$TOP/completions/infrastream.bash'
	COMP_WORDS=(is-parse --format ''); COMP_CWORD=2; _is_parse; echo \"\${COMPREPLY[*]}\"")
[ "$words" = "text json" ] && ok "bash completes the values of --format" ||
	fail "bash completes the values of --format" "got '$words'"

if command -v zsh >/dev/null 2>&1; then
	check "zsh completions parse" zsh -n "$TOP/completions/infrastream.zsh"
fi
if command -v fish >/dev/null 2>&1; then
	check "fish completions parse" fish -n "$TOP/completions/infrastream.fish"
fi
