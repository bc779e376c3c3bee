#!/bin/sh
# The record hash: stable under everything that does not change the desired
# state (key order, quoting, flow or block style, comments, anchors), different
# as soon as a value or a type changes.
. "$(dirname "$0")/lib.sh"

# manifest NAME: writes NAME.yaml (a fixed header, then the spec from stdin)
# and its record's hash into NAME.hash.
manifest() {
	{ printf 'apiVersion: infrastream/v1\nkind: File\nmetadata:\n  name: f\n'; cat; } >"$1.yaml"
	is-parse "$1.yaml" | jq -r '.hash' >"$1.hash"
}
# alike NAME A B / differ NAME A B: compare the hashes of two manifests.
alike() {
	if [ -s "$2.hash" ] && cmp -s "$2.hash" "$3.hash"; then ok "$1"; else
		fail "$1" "$2: $(cat "$2.hash")" "$3: $(cat "$3.hash")"; fi
}
differ() {
	if [ -s "$2.hash" ] && [ -s "$3.hash" ] && ! cmp -s "$2.hash" "$3.hash"; then ok "$1"; else
		fail "$1" "$2: $(cat "$2.hash")" "$3: $(cat "$3.hash")"; fi
}

manifest base <<'EOF'
spec:
  path: /etc/app.conf
  mode: "0600"
  size: 10
  enabled: true
  tags: [a, b]
  owner: {user: app, group: app}
EOF
check 'base: a sha256 hash' grep -Eq '^sha256:[0-9a-f]{64}$' base.hash

manifest keyorder <<'EOF'
spec:
  owner: {group: app, user: app}
  tags: [a, b]
  enabled: true
  size: 10
  mode: "0600"
  path: /etc/app.conf
EOF
alike 'stable under key order (nested too)' base keyorder

manifest quoting <<'EOF'
spec:
  path: "/etc/app.conf"
  mode: '0600'
  size: 10
  enabled: true
  tags: ["a", 'b']
  owner: {user: "app", group: 'app'}
EOF
alike 'stable under quoting style' base quoting

manifest flow <<'EOF'
spec: {path: /etc/app.conf, mode: "0600", size: 10, enabled: true, tags: [a, b], owner: {user: app, group: app}}
EOF
alike 'stable under flow style' base flow

manifest block <<'EOF'
spec:
  path: >-
    /etc/app.conf
  mode: "0600"
  size: 10
  enabled: true
  tags:
    - a
    - b
  owner:
    user: app
    group: app
EOF
alike 'stable under block style (folded scalar, block list)' base block

manifest comments <<'EOF'
# a comment before


spec:   # trailing comment
  path: /etc/app.conf     # the file
  mode: "0600"
  # between keys
  size: 10
  enabled: true
  tags: [a, b]   # tags
  owner: {user: app, group: app}
# and after
EOF
alike 'stable under comments and blank lines' base comments

manifest anchors <<'EOF'
spec:
  path: /etc/app.conf
  mode: "0600"
  size: &ten 10
  enabled: true
  tags: [a, b]
  owner: &who {user: app, group: app}
EOF
alike 'stable with anchors defined' base anchors

cat >anchors2.yaml <<'EOF'
apiVersion: infrastream/v1
kind: File
metadata:
  name: f
spec:
  path: /etc/app.conf
  mode: "0600"
  size: 10
  enabled: true
  tags: [a, b]
  owner: {user: app, group: app}
---
apiVersion: infrastream/v1
kind: File
metadata:
  name: g
spec:
  path: /etc/app.conf
  mode: "0600"
  size: &n 10
  enabled: true
  tags: &t [a, b]
  owner: &o {user: app, group: app}
EOF
is-parse anchors2.yaml | jq -r 'select(.name == "g") | .hash' >aliased.hash
alike 'stable with anchors in a later document' base aliased
cat >merge.yaml <<'EOF'
apiVersion: infrastream/v1
kind: File
metadata:
  name: f
spec:
  <<: {size: 10, enabled: true, owner: {user: app, group: app}}
  path: /etc/app.conf
  mode: "0600"
  tags: [a, b]
EOF
is-parse merge.yaml | jq -r .hash >merge.hash
alike 'stable under a merge key' base merge
manifest aliasuse <<'EOF'
spec:
  path: &p /etc/app.conf
  mode: "0600"
  size: 10
  enabled: true
  tags: &t [a, b]
  owner: &o {user: app, group: app}
  more: {copy: *o, list: *t, where: *p}
EOF
manifest aliasexp <<'EOF'
spec:
  path: /etc/app.conf
  mode: "0600"
  size: 10
  enabled: true
  tags: [a, b]
  owner: {user: app, group: app}
  more: {copy: {user: app, group: app}, list: [a, b], where: /etc/app.conf}
EOF
alike 'aliases hash as their expanded text' aliasuse aliasexp
differ 'an added key changes the hash' base aliasexp

# Not part of the desired state: name, labels, where the document stands.
cat >placed.yaml <<'EOF'
apiVersion: infrastream/v1
kind: Noop
metadata: {name: other}
---
apiVersion: infrastream/v1
kind: File
metadata:
  name: f
spec: {path: /etc/app.conf, mode: "0600", size: 10, enabled: true, tags: [a, b], owner: {user: app, group: app}}
EOF
is-parse placed.yaml | jq -r 'select(.name == "f") | .hash' >placed.hash
alike 'stable wherever the document stands in its file' base placed

# Changes.
manifest value <<'EOF'
spec:
  path: /etc/app.conf
  mode: "0600"
  size: 11
  enabled: true
  tags: [a, b]
  owner: {user: app, group: app}
EOF
differ 'a changed number changes the hash' base value
manifest nested <<'EOF'
spec:
  path: /etc/app.conf
  mode: "0600"
  size: 10
  enabled: true
  tags: [a, b]
  owner: {user: app, group: root}
EOF
differ 'a changed nested value changes the hash' base nested
manifest listorder <<'EOF'
spec:
  path: /etc/app.conf
  mode: "0600"
  size: 10
  enabled: true
  tags: [b, a]
  owner: {user: app, group: app}
EOF
differ 'list order matters' base listorder
manifest boolean <<'EOF'
spec:
  path: /etc/app.conf
  mode: "0600"
  size: 10
  enabled: false
  tags: [a, b]
  owner: {user: app, group: app}
EOF
differ 'a changed boolean changes the hash' base boolean

# Types: 1 and "1" are different values.
printf 'spec: {v: 1}\n' | manifest int
printf 'spec: {v: "1"}\n' | manifest str
printf 'spec: {v: true}\n' | manifest bool
printf 'spec: {v: "true"}\n' | manifest boolstr
printf 'spec: {v: }\n' | manifest null
printf 'spec: {v: ""}\n' | manifest empty
differ '1 and "1" differ' int str
differ 'true and "true" differ' bool boolstr
differ 'null and "" differ' null empty
printf 'spec: {v: 12345678901234567890123}\n' | manifest big1
printf 'spec: {v: 12345678901234567890124}\n' | manifest big2
differ 'big integers are kept exactly' big1 big2
printf 'spec: {v: 0x10}\n' | manifest hex
printf 'spec: {v: 16}\n' | manifest dec
alike '0x10 is the number 16' hex dec

# The resolved environment is part of the spec, so of the hash.
printf 'spec: {v: "${env:IS_T_HASH:-a}"}\n' >envspec
IS_T_HASH=a manifest enva <envspec
IS_T_HASH=b manifest envb <envspec
(unset IS_T_HASH; manifest envd <envspec)
alike 'env: a default hashes as the same value set' enva envd
differ 'env: another value changes the hash' enva envb
