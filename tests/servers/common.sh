# Shared by tests/servers/start-*: start a third-party server on a free
# loopback port, wait until it answers, and make sure it cannot outlive the
# test that started it. Sourced; the caller sets name, dir and owner.
#
# Exit codes of every start-* script: 0 started (prints the base URL on
# stdout), 3 the server cannot be installed here (the test prints a skip line
# with the reason from stderr), 1 it is installed but did not start.

# A port nobody listens on now. A small race remains until the server binds;
# start_server retries with another port when it loses it.
free_port() {
	for py in python3 /usr/bin/python3; do
		"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
			2>/dev/null && return 0
	done
	node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# start_server URL_PATH: runs the caller's function server_command, which
# must "exec setsid" the server on port $port, so the server is its own
# process group (killed whole by tests/servers/stop) and $! is its id. Waits
# up to 20 s for URL_PATH to answer. Writes the group id to $dir/$name.pid and
# the output to $dir/$name.log.
start_server() {
	path=$1
	for _ in 1 2 3; do
		port=$(free_port)
		server_command >"$dir/$name.log" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$dir/$name.pid"
		# A watchdog, in a session of its own so that a signal to the
		# test's process group spares it: when the owning test dies without
		# running its trap (SIGKILL), the server goes too. It exits as soon
		# as the server does.
		setsid sh -c 'while kill -0 "$1" && kill -0 "$2"; do sleep 1; done
			kill -TERM "-$2"' watchdog "$owner" "$pid" </dev/null >/dev/null 2>&1 &
		i=0
		while [ $i -lt 100 ]; do
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			if curl -sk --noproxy "*" -o /dev/null --max-time 2 "${scheme:-http}://127.0.0.1:$port$path"; then
				echo "${scheme:-http}://127.0.0.1:$port"
				return 0
			fi
			sleep 0.2
			i=$((i + 1))
		done
		kill -TERM "-$pid" 2>/dev/null || true
		if grep -qi 'address already in use\|EADDRINUSE' "$dir/$name.log"; then
			continue
		fi
		break
	done
	echo "$name: did not answer on port $port within 20 s; its log:" >&2
	tail -n 20 "$dir/$name.log" >&2
	return 1
}
