# Subsets: --target (it and what it needs), --exclude (it and what needs it),
# --downstream (what needs it, transitively), -l label selectors; repeatable.
. "$(dirname "$0")/lib.sh"
G=$TOP/tests/graph

ids() { is-graph --prior "$G/prior.ndjson" "$@" "$G/stack.ndjson" | jq -r 'select(.id) | .id' | tr '\n' ' '; }
want() {
	got=$(ids $2)
	[ "$got" = "$3" ] && ok "$1" || fail "$1" "want: $3" "got:  $got"
}
want "--target keeps a resource and what it needs" "--target File/config" \
	"Noop/vpc MetaGroup/network PostgresRole/app PostgresDatabase/orders File/config "
want "--target a group keeps all its members" "--target MetaGroup/data" \
	"Noop/vpc MetaGroup/network PostgresRole/app PostgresDatabase/orders MetaGroup/data "
want "--target repeats" "--target Noop/vpc --target Command/migrate" \
	"Noop/vpc MetaGroup/network PostgresRole/app PostgresDatabase/orders Command/migrate "
want "--exclude drops what needs it, through gates too" "--exclude PostgresRole/app" \
	"Noop/vpc MetaGroup/network "
want "--downstream is the blast radius" "--downstream Noop/vpc" \
	"Noop/vpc MetaGroup/network PostgresRole/app PostgresDatabase/orders Command/migrate File/config MetaGroup/data MetaGroup/platform Noop/app "
want "-l selects by label, with what it needs" "-l tier=data" \
	"Noop/vpc MetaGroup/network PostgresRole/app PostgresDatabase/orders "
want "-l takes kubectl's syntax" "-l tier=app,!legacy" \
	"Noop/vpc MetaGroup/network PostgresRole/app PostgresDatabase/orders File/config "
want "repeated -l options all hold" "-l env=prod -l tier!=data,tier!=network" \
	"Noop/vpc MetaGroup/network PostgresRole/app PostgresDatabase/orders Command/migrate File/config "
want "--target and --exclude combine" "--target Command/migrate --exclude PostgresDatabase/orders" \
	"Noop/vpc MetaGroup/network PostgresRole/app "
want "without subsets, deletes are planned" "--exclude Noop/app" \
	"Noop/vpc MetaGroup/network PostgresRole/app PostgresDatabase/orders Command/migrate File/config MetaGroup/data MetaGroup/platform "
is-graph --prior "$G/prior.ndjson" --target File/config "$G/stack.ndjson" >out
jq_check "a subset plans no deletes and counts what it keeps" out \
	'.[-1] | .delete == 0 and .resources == 4 and .update == 1 and .replace == 1'
jq_check "order counts from 0 in a subset" out "$(cat "$G/order.jq")"
