#!/bin/sh
# Streaming: a record reaches the next stage as soon as its document is read,
# while the writer upstream is still writing; a reader that leaves early
# (head) stops is-parse quietly.
. "$(dirname "$0")/lib.sh"

doc() { printf 'kind: Noop\nmetadata: {name: %s}\n---\n' "$1"; }

# wait_for FILE: waits up to 10 s for FILE to exist; fails when it never does.
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# The writer sends one document, then waits (at most 10 s) until the stage
# after is-parse has seen its record, and only then sends the second one. The
# writer notes whether the record arrived while it was still waiting: no clock
# is compared, so a slow machine only makes it slower, never wrong.
{
	doc first
	if wait_for seen; then echo early >verdict; else echo late >verdict; fi
	doc second
} | is-parse - 2>pipe.err | {
	IFS= read -r line
	printf '%s\n' "$line" >first.json
	: >seen
	cat >rest.json
}
if [ "$(cat verdict)" = early ]; then
	ok 'pipe: the first record arrives while the writer still writes'
else
	fail 'pipe: the first record arrives while the writer still writes' \
		'no record within 10 s of its document'
fi
jq_check 'pipe: the first record is the first document' first.json '.[0].id == "Noop/first"'
jq_check 'pipe: the second record follows' rest.json 'map(.id) == ["Noop/second"]'
check 'pipe: nothing on stderr' test "$(wc -c <pipe.err)" = 0

# The same through a FIFO, with timestamps for the record: it comes about
# 2 s before the writer ends (at least 1 s, to leave a wide margin).
rm -f seen
mkfifo in.fifo
{
	doc alpha
	sleep 2
	doc beta
	date +%s >writer-done
} >in.fifo &
writer=$!
is-parse in.fifo 2>fifo.err | {
	IFS= read -r line
	date +%s >first-at
	printf '%s\n' "$line" >alpha.json
	cat >/dev/null
}
wait "$writer"
if [ $(($(cat writer-done) - $(cat first-at))) -ge 1 ]; then
	ok 'fifo: the first record comes before the writer has finished'
else
	fail 'fifo: the first record comes before the writer has finished' \
		"first record at $(cat first-at), writer done at $(cat writer-done)"
fi
jq_check 'fifo: the first record' alpha.json '.[0].id == "Noop/alpha"'

# A reader that stops early: is-parse stops quietly (SIGPIPE, or exit 0 when
# the signal is ignored), at once rather than after parsing everything.
i=0
while [ $i -lt 20000 ]; do
	printf 'kind: Noop\nmetadata: {name: n%d}\nspec: {x: "%d"}\n---\n' $i $i
	i=$((i + 1))
done >big.yaml
{ set +e; is-parse big.yaml 2>head.err; echo $? >head.rc; } | head -n 1 >head.json
case $(cat head.rc) in
0 | 141) ok "head -1: is-parse ends (exit $(cat head.rc))" ;;
*) fail 'head -1: is-parse ends by SIGPIPE or with exit 0' "exit $(cat head.rc)" ;;
esac
check 'head -1: nothing on stderr' test "$(wc -c <head.err)" = 0
jq_check 'head -1: the first record' head.json '.[0].id == "Noop/n0"'
(trap "" PIPE; { set +e; is-parse big.yaml 2>ign.err; echo $? >ign.rc; } | head -n 1 >/dev/null)
case $(cat ign.rc) in
0 | 1) ok "head -1 with SIGPIPE ignored: is-parse ends (exit $(cat ign.rc))" ;;
*) fail 'head -1 with SIGPIPE ignored: is-parse ends' "exit $(cat ign.rc)" ;;
esac
if ! grep -v 'write error.*Broken pipe' ign.err | grep -q .; then
	ok 'head -1 with SIGPIPE ignored: at most a write error on stderr'
else
	fail 'head -1 with SIGPIPE ignored: at most a write error on stderr' "$(head -n 3 ign.err)"
fi

# Everything arrives when nobody leaves early.
is-parse big.yaml | wc -l >count
check 'all 20000 records when read to the end' test "$(tr -d ' ' <count)" = 20000
