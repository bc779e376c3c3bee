/* The instants the ledger's queries take: RFC 3339 forms, dates, spans back. */
#include <string.h>

#include "ledger_query.h"
#include "unit.h"

static void canon(const char *in, const char *want)
{
	struct is_error err = IS_ERROR_INIT;
	char out[32] = "";
	int rc = is_ledger_time_canon(in, 1700000000000LL, out, &err);

	CHECK(rc == 0 && !strcmp(out, want), "'%s' is %s (got %s%s)", in, want, out,
	      err.message ? err.message : "");
	is_error_release(&err);
}

static void bad(const char *in)
{
	struct is_error err = IS_ERROR_INIT;
	char out[32];

	CHECK(is_ledger_time_canon(in, 0, out, &err) < 0 && err.message,
	      "'%s' is refused", in);
	is_error_release(&err);
}

int main(void)
{
	canon("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000Z");
	canon("2024-05-01T12:00:00.123Z", "2024-05-01T12:00:00.123Z");
	canon("2024-05-01T12:00:00.1Z", "2024-05-01T12:00:00.100Z");
	canon("2024-05-01T12:00:00.123456789Z", "2024-05-01T12:00:00.123Z");
	canon("2024-05-01t12:00:00z", "2024-05-01T12:00:00.000Z");
	canon("2024-05-01 12:00:00Z", "2024-05-01T12:00:00.000Z");
	canon("2024-05-01T14:30:00+02:30", "2024-05-01T12:00:00.000Z");
	canon("2024-05-01T00:15:00-01:00", "2024-05-01T01:15:00.000Z");
	canon("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00.000Z");
	canon("2024-05-01", "2024-05-01T00:00:00.000Z");
	canon("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.999Z");
	canon("now", "2023-11-14T22:13:20.000Z");
	canon("-1h", "2023-11-14T21:13:20.000Z");
	canon("-1h30m", "2023-11-14T20:43:20.000Z");
	canon("-90s", "2023-11-14T22:11:50.000Z");
	canon("-2d", "2023-11-12T22:13:20.000Z");
	canon("-1w", "2023-11-07T22:13:20.000Z");
	bad("");
	bad("yesterday");
	bad("2024-13-01T00:00:00Z");
	bad("2023-02-29T00:00:00Z");
	bad("2024-05-01T24:00:00Z");
	bad("2024-05-01T12:00:00");
	bad("2024-05-01T12:00Z");
	bad("2024-05-01T12:00:00.Z");
	bad("2024-05-01T12:00:00+0200");
	bad("2024-05-01T12:00:00Zjunk");
	bad("-");
	bad("-1");
	bad("-1y");
	bad("+1h");
	return UNIT_DONE();
}
