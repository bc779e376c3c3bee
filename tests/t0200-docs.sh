# Docs that run: every command shown in the README's console blocks runs and
# prints what the README says it prints; every "$ " line of a man page's
# EXAMPLES section runs and exits 0. Both run in a scratch folder that sees
# the repository's share/ folder, as a user in a clone would, with a
# PostgreSQL server of their own.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/pg.sh"

# The PostgreSQL walk-through runs against a private server, as a reader's
# would against theirs: its admin URL is the secret PG_ADMIN_URL, and other
# roles log in with their passwords.
# It starts in the background while the blocks before run.
pg_start_async
IS_SECRET_PG_ADMIN_URL=$IS_TEST_PG_URL
export IS_SECRET_PG_ADMIN_URL
pg_ready() {
	[ ! -e "$T/pg.ready" ] || return 0
	pg_wait || { fail "docs: the PostgreSQL server did not start"; exit 1; }
	pg_passwords
	: >"$T/pg.ready"
}

ln -s "$TOP/share" share
ln -s "$TOP/tests" tests

# README: ```console blocks; "$ cmd" lines, then the expected output lines.
awk '
	/^```console/ { inblock = 1; n++; next }
	/^```/ { inblock = 0; next }
	inblock { print n "\t" $0 }
' "$TOP/README.md" >readme.blocks

run_block_commands() {
	block=$1
	cmd= ; : >want
	while IFS= read -r line; do
		case $line in
		'$ '*)
			[ -n "$cmd" ] && compare_readme "$cmd"
			cmd=${line#\$ }
			: >want ;;
		*) printf '%s\n' "$line" >>want ;;
		esac
	done
	[ -n "$cmd" ] && compare_readme "$cmd"
	return 0
}

compare_readme() {
	case $1 in *checkout*|*psql*|*PG_ADMIN*) pg_ready ;; esac
	sh -c "$1" >got 2>&1 || true
	if cmp -s want got; then
		ok "README: $1"
	else
		fail "README: $1" "$(diff want got | head -n 10)"
	fi
}

for b in $(cut -f1 readme.blocks | sort -un); do
	awk -F'\t' -v b="$b" '$1 == b { sub(/^[^\t]*\t/, ""); print }' readme.blocks |
		run_block_commands "$b"
done

pg_ready
for page in "$TOP"/man/*.[1-9]; do
	[ -f "$page" ] || continue
	awk '
		/^\.Sh EXAMPLES/ { inex = 1; next }
		/^\.Sh / { inex = 0 }
		inex && /^\$ / { sub(/^\$ /, ""); gsub(/\\e/, "\\"); gsub(/\\\(aq/, "'"'"'"); gsub(/\\-/, "-"); print }
	' "$page" >examples
	while IFS= read -r cmd; do
		if sh -c "$cmd" >/dev/null 2>"$T/ex.err" </dev/null; then
			ok "$(basename "$page"): $cmd"
		else
			fail "$(basename "$page"): $cmd" "$(head -n 5 "$T/ex.err")"
		fi
	done <examples
done
