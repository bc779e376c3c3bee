#include <errno.h>
#include <string.h>
#include <time.h>

#include "provider_noop.h"
#include "banned.h"

int is_provider_noop_blocks(const json_t *spec)
{
	return json_number_value(json_object_get(spec, "sleepMs")) > 0;
}

/* Sleeps ms milliseconds, or until the timeout; returns -1 on the timeout. */
static int nap(double ms, double timeout)
{
	struct timespec ts;
	int late = timeout > 0 && ms > timeout * 1000;

	if (late)
		ms = timeout * 1000;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return late ? -1 : 0;
}

static int noop_call(const struct is_provider *p, struct is_provider_request *req,
                     struct is_provider_result *res)
{
	json_t *spec = req->spec, *fail = json_object_get(spec, "fail");
	json_t *outputs = json_object_get(spec, "outputs");
	json_int_t fail_attempts = json_integer_value(json_object_get(spec, "failAttempts"));
	double ms = json_number_value(json_object_get(spec, "sleepMs"));

	(void)p;
	if (ms > 0 && nap(ms, req->timeout) < 0)
		return is_error_set(&res->err, "timeout", NULL, 0, 0,
		                    "timed out after %gs", req->timeout);
	if ((fail && !json_is_false(fail) && !json_is_null(fail)) ||
	    req->attempt <= fail_attempts) {
		res->retryable = !fail;
		res->retry_after = json_number_value(json_object_get(spec, "retryAfter"));
		return is_error_set(&res->err, "noop-fail", NULL, 0, 0, "%s",
		                    json_is_string(fail) ? json_string_value(fail)
		                    : "failed on purpose (spec.fail)");
	}
	if (req->op == IS_OP_DELETE || !json_is_object(outputs))
		res->outputs = json_object();
	else
		res->outputs = json_incref(outputs);   /* nobody changes outputs */
	return 0;
}

const struct is_provider is_provider_noop = { "Noop", 0, noop_call, NULL };
