#!/bin/sh
# is-stream --serve, GET /: the live graph in real headless Chromium (Debian
# chromium, npm playwright-core): nodes appear as a pipeline's events arrive,
# change colour without a reload, edges and MetaGroup boxes are drawn, and a
# screenshot is saved (tests/.cache/web/serve-graph.png).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/web/common.sh"

if [ ! -x /usr/bin/chromium ]; then
	ok "browser: skipped (no /usr/bin/chromium: tools/deps test)"
	exit 0
fi
command -v node >/dev/null 2>&1 || { ok "browser: skipped (node is not installed: tools/deps test)"; exit 0; }
run_rc rc web_install "playwright-core@$PLAYWRIGHT_VERSION" "eventsource@$EVENTSOURCE_VERSION" \
	2>"$T/install.err"
if [ "$rc" = 3 ]; then
	ok "browser: skipped ($(cat "$T/install.err"))"
	exit 0
elif [ "$rc" != 0 ]; then
	fail "browser: install" "$(cat "$T/install.err")"
	exit 0
fi
export WEB_PREFIX

# The example stack: one resource fails (its secret is not set), so the run
# has READY, FAILED and SKIPPED nodes. Stage 1 is everything before the first
# READY: nodes PENDING or CREATING; stage 2 the rest.
IS_DEMO_DIR=$T/demo is-parse "$TOP/share/examples/orders" | is-graph | is-exec >run.ndjson || true
first_ready=$(grep -n '"status":"READY"' run.ndjson | head -n 1 | cut -d: -f1)
head -n $((first_ready - 1)) run.ndjson >stage1.ndjson
tail -n +"$first_ready" run.ndjson >stage2.ndjson

mkfifo "$T/s.in"
exec 9<>"$T/s.in"
serve_start s || { fail "the server starts" "$(cat "$T/s.err")"; exit 0; }
mkdir -p "$WEB_PREFIX"
shot=$WEB_PREFIX/serve-graph.png
node "$WEB/browser.mjs" "$URL" "$T/s.in" stage1.ndjson stage2.ndjson "$shot" 2>browser.err || true
sed 's/^/  /' browser.err >&2
exec 9>&-
serve_stop s || fail "the server did not stop"
