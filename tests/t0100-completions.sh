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

# help_options CMD [SUB]: the long options that CMD [SUB] --help lists, sorted.
help_options() {
	"$@" --help | sed -n 's/^ *\(-[a-zA-Z0-9], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' | sort
}
# ledger_subcommands: the subcommands that is-ledger --help lists, sorted.
ledger_subcommands() {
	is-ledger --help | sed -n '/^subcommands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | sort
}
# bash_offers WORD...: what bash's completion function for the command WORDS
# start with offers for the last WORD, sorted, one a line: the function named
# by `complete -p`, called as bash calls it, with COMP_WORDS and COMP_CWORD.
bash_offers() {
	bash -c '. "$1"; shift
		f=$(complete -p "$1" | sed "s/.* -F \([^ ]*\) .*/\1/")
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sed "/^\$/d" | sort' \
		_ "$TOP/completions/infrastream.bash" "$@"
}
# expect_offers NAME WANT-FILE WORD...: bash offers exactly the lines of WANT-FILE.
expect_offers() {
	name=$1 want=$2
	shift 2
	bash_offers "$@" >"$T/.offers"
	same "$name" "$want" "$T/.offers"
}

cmds="is-exec is-graph is-ledger is-parse is-stream"
subs=$(ledger_subcommands)
[ "$(echo "$subs" | wc -l)" -ge 10 ] && ok "is-ledger --help lists its subcommands" ||
	fail "is-ledger --help lists its subcommands" "$subs"
for c in $cmds; do
	help_options "$c" >"$T/want"
	[ -s "$T/want" ] || fail "$c --help lists options"
	expect_offers "bash offers every option of $c --help on '-'" "$T/want" "$c" -
done
echo "$subs" >"$T/want"
expect_offers "bash offers is-ledger's subcommands" "$T/want" is-ledger ''
expect_offers "bash offers them after --db PATH" "$T/want" is-ledger --db x.db ''
echo state >"$T/want"
expect_offers "bash completes is-ledger st to state" "$T/want" is-ledger --db x.db st
for s in $subs; do
	help_options is-ledger "$s" >"$T/want"
	expect_offers "bash offers every option of is-ledger $s --help" "$T/want" is-ledger --db x.db "$s" --
done

# The values offered after --format / -f are the ones the command accepts;
# an unknown one is refused, so the check can fail.
mkdir fmt && cd fmt
for words in "is-parse --format" "is-graph -f" "is-stream --format" "is-ledger --db l.db state --format"; do
	# shellcheck disable=SC2086
	values=$(bash_offers $words '')
	[ -n "$values" ] || fail "bash offers values after '$words'"
	for v in $values; do
		# shellcheck disable=SC2086
		expect_rc "'$words $v' (offered) is accepted" 0 $words "$v" </dev/null
	done
	# shellcheck disable=SC2086
	expect_rc "'$words bogus' (not offered) is refused" 2 $words bogus </dev/null
done
cd ..

# Files and folders complete where the command takes a path, not elsewhere.
mkdir files && cd files
: >alpha.yaml
mkdir alpine
printf 'alpha.yaml\nalpine\n' >"$T/want"
expect_offers "bash completes file operands of is-parse" "$T/want" is-parse al
expect_offers "bash completes is-graph --prior FILE" "$T/want" is-graph --prior al
expect_offers "bash completes is-exec --secrets FILE" "$T/want" is-exec --secrets al
expect_offers "bash completes is-ledger --db PATH" "$T/want" is-ledger --db al
: >"$T/want"
expect_offers "bash offers no file for is-ledger record --owner WHO" "$T/want" is-ledger record --owner al
cd ..

# zsh: the script parses, compinit binds every command to it through its
# #compdef line, and each command's function names every option of --help.
if command -v zsh >/dev/null 2>&1; then
	check "zsh completions parse" zsh -n "$TOP/completions/infrastream.zsh"
	mkdir zfunc
	cp "$TOP/completions/infrastream.zsh" zfunc/_infrastream
	got=$(zsh -fc 'fpath=(zfunc $fpath); autoload -Uz compinit; compinit -u -d zcompdump
		for c in '"$cmds"'; do print -r -- "$c ${_comps[$c]}"; done')
	want=$(for c in $cmds; do echo "$c _infrastream"; done)
	[ "$got" = "$want" ] && ok "zsh's compinit binds every command to _infrastream" ||
		fail "zsh's compinit binds every command to _infrastream" "got: $got"
	for c in $cmds; do
		awk -v f="_infrastream_${c#is-}() {" '$0 == f { on = 1 } on { print } on && /^}/ { exit }' \
			"$TOP/completions/infrastream.zsh" >"$T/zfn"
		missing=$(help_options "$c" | while read -r o; do grep -q -e "$o\[" -e ",$o}" "$T/zfn" || echo "$o"; done)
		[ -s "$T/zfn" ] && [ -z "$missing" ] && ok "zsh completes every option of $c --help" ||
			fail "zsh completes every option of $c --help" "missing: $missing"
	done
	for s in $subs; do
		missing=$(help_options is-ledger "$s" | while read -r o; do
			awk -v s="	$s) _arguments" 'index($0, s) == 1 { on = 1 } on { print } on && /;;$/ { exit }' \
				"$TOP/completions/infrastream.zsh" | grep -q -e "$o\[" -e ",$o}" || echo "$o"; done)
		[ -z "$missing" ] && ok "zsh completes every option of is-ledger $s --help" ||
			fail "zsh completes every option of is-ledger $s --help" "missing: $missing"
	done
fi

# fish: the script parses, and fish's own `complete -C` (what it offers on
# TAB) lists every option of --help, is-ledger's subcommands and --format's values.
if command -v fish >/dev/null 2>&1; then
	check "fish completions parse" fish -n "$TOP/completions/infrastream.fish"
	fish_offers() {
		XDG_CONFIG_HOME=$T/fish XDG_DATA_HOME=$T/fish XDG_CACHE_HOME=$T/fish \
			fish --no-config -c 'source $argv[1]; complete -C $argv[2]' \
			"$TOP/completions/infrastream.fish" "$1" | cut -f1 | sort
	}
	for c in $cmds; do
		help_options "$c" >"$T/want"
		fish_offers "$c --" >"$T/got"
		same "fish offers every option of $c --help" "$T/want" "$T/got"
	done
	echo "$subs" >"$T/want"
	fish_offers "is-ledger " >"$T/got"
	same "fish offers is-ledger's subcommands" "$T/want" "$T/got"
	help_options is-ledger state >"$T/want"
	fish_offers "is-ledger --db x.db state --" >"$T/got"
	same "fish offers is-ledger state's options" "$T/want" "$T/got"
	bash_offers is-graph --format '' >"$T/want"
	fish_offers "is-graph --format " >"$T/got"
	same "fish offers the values of is-graph --format" "$T/want" "$T/got"
fi
