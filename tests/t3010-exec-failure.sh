# is-exec: failures skip dependents and spare the rest; --fail-fast; retries
# with backoff; timeouts; STALLED; --atomic rollback.
. "$(dirname "$0")/lib.sh"

r() {   # r ID DEPS SPEC [METADATA]: one Noop resource record
	printf '{"type":"resource","v":1,"id":"Noop/%s","kind":"Noop","name":"%s","spec":%s,"deps":%s,"metadata":%s}\n' \
		"$1" "$1" "$3" "$2" "${4:-{\}}"
}

{
	r a '[]' '{"fail":"disk full"}'
	r b '["Noop/a"]' '{}'
	r c '["Noop/b"]' '{}'
	r x '[]' '{"sleepMs":50}'
	r y '["Noop/x"]' '{"outputs":{"ok":1}}'
} >fail.ndjson
expect_rc "a failure: exit 1" 1 is-exec fail.ndjson
cp "$T/.out" ev.ndjson
jq_check "a failure: FAILED with the provider's error" ev.ndjson \
	'any(.id == "Noop/a" and .status == "FAILED" and .error == "disk full")'
jq_check "a failure: dependents SKIPPED with the reason" ev.ndjson \
	'any(.id == "Noop/b" and .status == "SKIPPED" and (.error | test("Noop/a is FAILED")))
	 and any(.id == "Noop/c" and .status == "SKIPPED" and (.error | test("Noop/b is SKIPPED")))'
jq_check "a failure: the independent branch still runs" ev.ndjson \
	'any(.id == "Noop/y" and .status == "READY")'
jq_check "a failure: the run ends FAILED with counts" ev.ndjson \
	'.[-1] | .status == "FAILED" and .failed == 1 and .skipped == 2 and .ready == 2'

expect_rc "--fail-fast: exit 1" 1 is-exec --fail-fast -j 1 fail.ndjson
jq_check "--fail-fast: nothing new starts after the failure" "$T/.out" \
	'(map(select(.status == "CREATING")) | length) == 1
	 and any(.id == "Noop/x" and .status == "CANCELED") and .[-1].status == "FAILED"'

# Retries: two failed attempts, then READY on the third.
{
	r flaky '[]' '{"failAttempts":2,"outputs":{"v":1}}' '{"retries":2}'
	r hopeless '[]' '{"failAttempts":5}' '{"retries":1}'
	r asked '[]' '{"failAttempts":1,"retryAfter":0.3}' '{"retries":1}'
} >retry.ndjson
expect_rc "retries: exit 1 (one never succeeds)" 1 is-exec --backoff 0.01 retry.ndjson
cp "$T/.out" ev.ndjson
jq_check "retries: attempts 1, 2, 3 then READY" ev.ndjson \
	'[.[] | select(.id == "Noop/flaky") | [.status, .attempt]] ==
	 [["CREATING", 1], ["CREATING", 2], ["CREATING", 3], ["READY", 3]]'
jq_check "retries: a retry carries the previous error" ev.ndjson \
	'any(.id == "Noop/flaky" and .attempt == 2 and (.retry_error | test("failed on purpose")))'
jq_check "retries: FAILED after the last attempt" ev.ndjson \
	'[.[] | select(.id == "Noop/hopeless") | [.status, .attempt]] ==
	 [["CREATING", 1], ["CREATING", 2], ["FAILED", 2]]'
jq_check "retries: retry_after is honoured" ev.ndjson \
	'[.[] | select(.id == "Noop/asked" and .status == "CREATING")] | .[1].elapsed_ms >= 290'

# Timeout: killed, FAILED with a timeout error; fast.
r slow '[]' '{"sleepMs":5000}' '{"timeout":"200ms"}' >to.ndjson
r after '["Noop/slow"]' '{}' >>to.ndjson
start=$(date +%s)
expect_rc "timeout: exit 1" 1 is-exec to.ndjson
jq_check "timeout: FAILED with a timeout error" "$T/.out" \
	'any(.id == "Noop/slow" and .status == "FAILED" and (.error | test("timed out after 0.2s"))
	     and .elapsed_ms < 2000) and any(.id == "Noop/after" and .status == "SKIPPED")'
[ $(( $(date +%s) - start )) -lt 4 ] && ok "timeout: the run does not wait for the sleep" ||
	fail "timeout took too long"

# STALLED: past expectedSeconds it says so and keeps running.
r late '[]' '{"sleepMs":400,"outputs":{"done":true}}' '{"expectedSeconds":0.1}' >st.ndjson
expect_rc "STALLED: exit 0" 0 is-exec st.ndjson
jq_check "STALLED: CREATING, STALLED, READY" "$T/.out" \
	'[.[] | select(.id == "Noop/late") | .status] == ["CREATING", "STALLED", "READY"]
	 and ([.[] | select(.status == "STALLED")][0].elapsed_ms >= 90)'

# --atomic: a failure deletes what the run created, in reverse order.
{
	r base '[]' '{"outputs":{"b":1}}'
	r mid '["Noop/base"]' '{"outputs":{"m":1}}'
	r top '["Noop/mid"]' '{"sleepMs":50,"fail":"no quota"}'
	r side '[]' '{"outputs":{"s":1}}'
} >at.ndjson
expect_rc "--atomic: exit 1" 1 is-exec --atomic -j 1 at.ndjson
cp "$T/.out" ev.ndjson
jq_check "--atomic: each created resource is deleted again, as a rollback event" ev.ndjson \
	'[.[] | select(.rollback == true and .status == "READY") | .id] as $rb
	 | ($rb | sort) == (map(select(.status == "READY" and .action == "create" and (.rollback | not))) | map(.id) | sort)'
jq_check "--atomic: reverse dependency order (mid before base)" ev.ndjson \
	'[.[] | select(.rollback == true and .status == "DELETING") | .id] as $d
	 | ($d | index("Noop/mid")) < ($d | index("Noop/base"))'
jq_check "--atomic: the run ends FAILED and counts the rollbacks" ev.ndjson \
	'.[-1] | .status == "FAILED" and .rolled_back >= 2'
expect_rc "--atomic: nothing failed, nothing rolled back" 0 is-exec --atomic st.ndjson
jq_check "--atomic: no rollback events on success" "$T/.out" 'all(.rollback | not)'
