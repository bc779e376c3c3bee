/* Secrets: files, the environment, redaction of raw and JSON-escaped values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"
#include "unit.h"

static int write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

static void redacts(const struct is_secrets *s, const char *in, const char *want)
{
	char *got = is_secrets_redact_str(s, in);

	CHECK(!strcmp(got, want), "redact '%s' -> '%s' (got '%s')", in, want, got);
	free(got);
}

int main(void)
{
	struct is_secrets s;
	struct is_error err = IS_ERROR_INIT;
	char path[] = "/tmp/is-test-secret.XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0, "a temporary file");
	is_secrets_init(&s);
	write_file(path, "{\"A\": \"canary-1\", \"Q\": \"say \\\"hi\\\"\\n\", \"N\": 42}");
	CHECK(is_secrets_load(&s, path, &err) == 0, "a JSON object loads");
	CHECK(!strcmp(is_secrets_get(&s, "A"), "canary-1"), "a string value");
	CHECK(!strcmp(is_secrets_get(&s, "N"), "42"), "a number as its JSON text");
	redacts(&s, "token canary-1 and canary-1.", "token *** and ***.");
	redacts(&s, "{\"q\":\"say \\\"hi\\\"\\n\"}", "{\"q\":\"***\"}");
	redacts(&s, "nothing here", "nothing here");

	write_file(path, "# comment\n\nB=canary-2=with-equals\r\nC=\n");
	CHECK(is_secrets_load(&s, path, &err) == 0, "NAME=VALUE lines load");
	CHECK(!strcmp(is_secrets_get(&s, "B"), "canary-2=with-equals"), "a value may hold '='");
	CHECK(is_secrets_get(&s, "C") && !*is_secrets_get(&s, "C"), "an empty value");
	redacts(&s, "x canary-2=with-equals y", "x *** y");

	setenv("IS_SECRET_FROM_ENV", "env-canary", 1);
	CHECK(!strcmp(is_secrets_get(&s, "FROM-ENV"), "env-canary"),
	      "the environment, '-' read as '_'");
	redacts(&s, "env-canary", "***");
	CHECK(!is_secrets_get(&s, "NOT_SET_ANYWHERE"), "an unknown secret is NULL");

	is_secrets_hide(&s, "abc");
	is_secrets_hide(&s, "abcdef");
	redacts(&s, "abcdef abc", "*** ***");

	write_file(path, "no equals sign\n");
	CHECK(is_secrets_load(&s, path, &err) < 0 && err.line == 1,
	      "a line without '=' is an error at its line");
	write_file(path, "{\"A\": ");
	CHECK(is_secrets_load(&s, path, &err) < 0, "broken JSON is an error");
	CHECK(is_secrets_load(&s, "/nonexistent/secrets", &err) < 0, "a missing file is an error");
	is_error_release(&err);
	is_secrets_release(&s);
	unlink(path);
	return UNIT_DONE();
}
