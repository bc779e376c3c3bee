# Shared by tests/t51xx-serve-*.sh: start the --serve server, install the npm
# packages the browser-side tests use, wait for things. Sourced after
# tests/lib.sh (so $T, $TOP and ok/fail are set).

WEB=$TOP/tests/web
# Its own npm prefix, like tests/servers: "npm install --no-save" prunes what
# it did not install itself.
WEB_PREFIX=$TOP/tests/.cache/web
EVENTSOURCE_VERSION=4.1.1
PLAYWRIGHT_VERSION=1.56.1

# serve_start NAME [ARGS...]: starts the server on a free loopback port with
# standard input from $T/NAME.in (a FIFO when the test feeds it live) and
# sets $URL. Standard error goes to $T/NAME.err; the pid is in $T/NAME.pid.
# Where is-stream has no --serve (an older build), the unit driver stands in.
serve_start() {
	w_name=$1
	shift
	if is-stream --help 2>/dev/null | grep -q -- '--serve'; then
		set -- is-stream --serve 127.0.0.1:0 --share "$TOP/share" "$@"
	else
		set -- "$IS_UNIT/test_stream_serve" --serve 127.0.0.1:0 --share "$TOP/share"
	fi
	"$@" <"$T/$w_name.in" >"$T/$w_name.out" 2>"$T/$w_name.err" &
	echo $! >"$T/$w_name.pid"
	w_i=0
	URL=
	while [ $w_i -lt 100 ]; do
		URL=$(sed -n 's/^is-stream: serving \(http:[^ ]*\)\/$/\1/p' "$T/$w_name.err" | head -n 1)
		[ -n "$URL" ] && return 0
		kill -0 "$(cat "$T/$w_name.pid")" 2>/dev/null || break
		sleep 0.1
		w_i=$((w_i + 1))
	done
	echo "serve_start: no address on stderr: $(cat "$T/$w_name.err")" >&2
	return 1
}

# serve_stop NAME: SIGTERM, then wait; fails when it does not go within 10 s.
serve_stop() {
	w_pid=$(cat "$T/$1.pid")
	kill -TERM "$w_pid" 2>/dev/null || return 0
	w_i=0
	while kill -0 "$w_pid" 2>/dev/null && [ $w_i -lt 100 ]; do
		sleep 0.1
		w_i=$((w_i + 1))
	done
	if kill -0 "$w_pid" 2>/dev/null; then
		kill -KILL "$w_pid" 2>/dev/null
		return 1
	fi
	return 0
}

# web_install PACKAGE@VERSION...: into $WEB_PREFIX unless already there.
# Returns 3 with the reason on stderr when npm cannot install them here.
web_install() {
	w_missing=
	for w_p in "$@"; do
		w_n=${w_p%@*}
		w_v=${w_p##*@}
		grep -qs "\"version\": \"$w_v\"" "$WEB_PREFIX/node_modules/$w_n/package.json" ||
			w_missing="$w_missing $w_p"
	done
	[ -z "$w_missing" ] && return 0
	command -v npm >/dev/null 2>&1 || { echo "npm is not installed (tools/deps test)" >&2; return 3; }
	mkdir -p "$WEB_PREFIX"
	# Everything at once: a later --no-save install would prune the others.
	# shellcheck disable=SC2086
	if ! npm install --prefix "$WEB_PREFIX" --no-save --no-package-lock --prefer-offline \
	    --no-audit --no-fund --loglevel=error \
	    "eventsource@$EVENTSOURCE_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" \
	    >"$T/npm.log" 2>&1; then
		echo "npm could not install$w_missing: $(tail -n 3 "$T/npm.log" | tr '\n' ' ')" >&2
		return 3
	fi
}

# wait_for SECONDS COMMAND...: retries COMMAND every 0.1 s until it passes.
wait_for() {
	w_limit=$(($1 * 10))
	shift
	w_i=0
	while [ $w_i -lt $w_limit ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		w_i=$((w_i + 1))
	done
	return 1
}
