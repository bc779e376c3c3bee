# Holds when every resource and group comes after its deps, and every group
# after its members, and order counts 0, 1, 2 ... in output order.
[.[] | select(.type == "resource" or .type == "group")] as $rs
| ($rs | to_entries | map({key: .value.id, value: .key}) | from_entries) as $pos
| all($rs | to_entries[]; .key as $i | all(.value.deps[]?; $pos[.] < $i))
  and all($rs[] | select(.type == "group"); . as $g | all(.members[]; $pos[.] < $pos[$g.id]))
  and ([$rs[].order] == [range($rs | length)])
