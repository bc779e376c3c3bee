# is-stream's live view on a real terminal: tmux runs it in a 120x40 pane,
# the test feeds it a run step by step through a FIFO, and reads the screen
# back with capture-pane: the header, progress, counts, the resource running
# now, STALLED, a failure with its error's tail, the summaries at the end,
# a frame redrawn in place (never repeated), and colours only without
# NO_COLOR.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || { ok "tty: skipped (tmux is not installed: tools/deps test)"; exit 0; }
ex=$TOP/tests/stream/examples.ndjson
sock=$T/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A session per check, on a server of our own, so nothing leaks to the user's.
view() {
	name=$1
	shift
	mkfifo "$name.fifo"
	tmux -S "$sock" new-session -d -s "$name" -x 120 -y 40 \
		"env PATH='$PATH' LC_ALL=C $* is-stream <'$T/$name.fifo'; echo EXIT=\$?; sleep 600"
}
screen() {
	tmux -S "$sock" capture-pane -p -t "$1" >"$1.$2"
}
# feed FD FIRST LAST: lines FIRST..LAST of the examples, then a moment for a frame.
feed() {
	sed -n "$2,$3p" "$ex" >&"$1"
	sleep 0.6
}

view plain
exec 3>plain.fifo
feed 3 1 24
screen plain a
check "tty: the diagnostic stays above the view" \
	grep -q "^share/examples/orders/app/service.yaml:22:5: warning: annotation 'owner' is not known" plain.a
check "tty: the run and its status" grep -q '^run 73547617076995971  RUNNING  ' plain.a
check "tty: a progress bar, done of planned" grep -q '^\[#\{11\}-\{29\}\]  2/7  28%$' plain.a
check "tty: counts per status" grep -q '^READY 2  CREATING 1  PENDING 4$' plain.a
check "tty: the resource running now, with its time" \
	grep -q '^  CREATING  Command/orders-db  *[0-9][0-9.hms]*$' plain.a
feed 3 25 25
screen plain b
check "tty: STALLED shows" grep -q '^  STALLED   Command/orders-db' plain.b
check "tty: ... in the counts too" grep -q '^READY 2  STALLED 1  PENDING 4$' plain.b
feed 3 26 29
screen plain c
check "tty: a failure with its action" grep -q '^  Command/orders-login (create)$' plain.c
check "tty: ... and its error's tail" grep -q '^    Error: near line 3: UNIQUE constraint failed: logins.name$' plain.c
check "tty: ... to its last line" grep -q '^    | pipes, 100% <xml> & "quotes"$' plain.c
check "tty: the frame is redrawn in place, never repeated" \
	test "$(grep -c '^run 73547617076995971' plain.c)" = 1
check "tty: nothing runs now" sh -c "! grep -q '^running' plain.c"
feed 3 30 42
exec 3>&-
sleep 0.5
screen plain d
check "tty: the first run's summary stays" \
	grep -q '^FAILED in 46.7s: 7 resources: 3 ready, 1 failed, 3 skipped$' plain.d
check "tty: ... and the second's" grep -q '^SUCCEEDED in 2ms: 2 resources: 2 ready$' plain.d
check "tty: a dry run says so" grep -q '^run 73547617076995972  SUCCEEDED  2ms  (dry run)$' plain.d
check "tty: exit 0 at the end of the input" grep -q '^EXIT=0$' plain.d
check "tty: the final bar is full" grep -q '^\[#\{40\}\]  7/7  100%$' plain.d

# Colours on a terminal, none with NO_COLOR (capture-pane -e keeps them).
view color
exec 4>color.fifo
feed 4 1 25
exec 4>&-
sleep 0.5
tmux -S "$sock" capture-pane -e -p -t color >color.screen
esc=$(printf '\033')
check "tty: colours on a terminal" grep -q "$esc\[" color.screen
view nocolor NO_COLOR=1
exec 5>nocolor.fifo
feed 5 1 25
exec 5>&-
sleep 0.5
tmux -S "$sock" capture-pane -e -p -t nocolor >nocolor.screen
check "tty: none with NO_COLOR" sh -c "! grep -q '$esc\[[0-9;]*m' nocolor.screen"
check "tty: ... the view is still there" grep -q 'STALLED   Command/orders-db' nocolor.screen

# Many running at once on a short terminal: the frame keeps to its height.
view many
exec 6>many.fifo
"$TOP/tests/stream/gen-events" 100 | grep -v '"READY"\|"FAILED"' | head -n 80 >&6
sleep 0.6
screen many a
exec 6>&-
check "tty: a long list is cut to the screen" grep -q '^  \.\.\. and [0-9]* more$' many.a
check "tty: ... the header still on screen" grep -q '^run 4242424242424242  RUNNING' many.a
