# make install puts the commands, man pages, completions and examples where
# a user's PATH, MANPATH and shells look for them, and they work from there.
. "$(dirname "$0")/lib.sh"

if [ "$IS_BIN" != "$TOP/bin" ]; then
	ok "install: checked with the normal build only (this run uses $IS_BIN)"
	exit 0
fi
check "install: make install PREFIX=..." make -s -C "$TOP" install PREFIX="$T/inst"
for c in is-parse is-graph is-exec; do
	[ -x "inst/bin/$c" ] && ok "install: bin/$c" || fail "install: bin/$c"
	[ -f "inst/share/man/man1/$c.1" ] && ok "install: man1/$c.1" || fail "install: man1/$c.1"
	[ -f "inst/share/bash-completion/completions/$c" ] && ok "install: bash completion for $c" ||
		fail "install: bash completion for $c"
done
[ -f inst/share/man/man5/infrastream-manifest.5 ] && ok "install: manifest(5)" || fail "install: manifest(5)"
[ -f inst/share/man/man7/infrastream-records.7 ] && ok "install: records(7)" || fail "install: records(7)"
[ -f inst/share/zsh/site-functions/_infrastream ] && ok "install: zsh completions" ||
	fail "install: zsh completions"
inst/bin/is-parse inst/share/infrastream/examples >recs.json 2>/dev/null
jq_check "install: the installed is-parse reads the installed examples" recs.json \
	'length > 5 and all(.[]; .type == "resource" or .type == "group")'
