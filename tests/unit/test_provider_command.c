/*
 * The Command provider and external providers (the Command protocol), called
 * through is_provider_find: arguments never go through a shell unless asked,
 * the request arrives on stdin, outputs come from the last stdout line, exit
 * statuses and signals are reported (128+N) with the stderr tail, a timeout
 * kills the whole process group, captured output stays bounded, and an
 * is-provider-<kind> program on PATH is found and spoken to.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "process.h"
#include "provider.h"
#include "xalloc.h"
#include "unit.h"
#include "banned.h"

static char dir[64];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Calls the provider of kind with op and spec (JSON text, which must parse). */
static int call_kind(const char *kind, enum is_provider_op op, const char *spec_text,
                     json_t *prior, double timeout, struct is_provider_result *res)
{
	struct is_error err = IS_ERROR_INIT;
	const struct is_provider *p = is_provider_find(kind, &err);
	struct is_provider_request req;
	json_error_t jerr;
	json_t *spec = json_loads(spec_text, 0, &jerr);
	int rc;

	is_provider_result_init(res);
	if (!p || !spec) {
		fprintf(stderr, "bad test: %s\n", p ? jerr.text : err.message);
		is_error_release(&err);
		json_decref(spec);
		return -2;
	}
	memset(&req, 0, sizeof(req));
	req.op = op;
	req.id = "Command/t";
	req.kind = kind;
	req.spec = spec;
	req.prior = prior;
	req.timeout = timeout;
	req.attempt = 1;
	rc = p->call(p, &req, res);
	if (req.pgid != 0)
		rc = -3;   /* the group must be withdrawn once the child is gone */
	json_decref(spec);
	return rc;
}

static int call(enum is_provider_op op, const char *spec, json_t *prior,
                struct is_provider_result *res)
{
	return call_kind("Command", op, spec, prior, 0, res);
}

static const char *msg(const struct is_provider_result *res)
{
	return res->err.message ? res->err.message : "";
}

static const char *code(const struct is_provider_result *res)
{
	return res->err.code ? res->err.code : "";
}

static void test_argv_not_shell(void)
{
	struct is_provider_result res;
	char *victim = is_xasprintf("%s/victim", dir), *spec;
	int rc;

	mkdir(victim, 0755);
	spec = is_xasprintf("{\"dir\":\"%s\",\"create\":[\"jq\",\"-cn\",\"--arg\",\"a\","
	                    "\"x; rm -rf victim\",\"{a: $a}\"]}", dir);
	rc = call(IS_OP_CREATE, spec, NULL, &res);
	CHECK(rc == 0 && !strcmp(json_string_value(json_object_get(res.outputs, "a")),
	                         "x; rm -rf victim"),
	      "an argument with '; rm -rf' stays one argument");
	CHECK(access(victim, F_OK) == 0, "and nothing ran it as a shell line");
	is_provider_result_release(&res);
	free(spec);

	rc = call(IS_OP_CREATE, "{\"create\":\"echo hi\"}", NULL, &res);
	CHECK(rc < 0 && strstr(msg(&res), "shell: true"),
	      "a string command without shell: true is refused, saying how (%s)", msg(&res));
	is_provider_result_release(&res);

	rc = call(IS_OP_CREATE, "{\"shell\":true,\"create\":\"echo '{\\\"n\\\":'$((1+2))'}'\"}",
	          NULL, &res);
	CHECK(rc == 0 && json_integer_value(json_object_get(res.outputs, "n")) == 3,
	      "shell: true runs a string with /bin/sh -c");
	is_provider_result_release(&res);

	rc = call(IS_OP_CREATE, "{\"create\":[\"jq\",\"-cn\",\"--argjson\",\"n\",42,"
	          "\"{n: $n}\"]}", NULL, &res);
	CHECK(rc == 0 && json_integer_value(json_object_get(res.outputs, "n")) == 42,
	      "a number in argv becomes its text");
	is_provider_result_release(&res);
	free(victim);
}

static void test_request_on_stdin(void)
{
	struct is_provider_result res;
	json_t *got, *prior = json_pack("{si}", "old", 7);
	char *file = is_xasprintf("%s/request.json", dir), *spec, *cmd;
	int rc;

	rc = call(IS_OP_UPDATE, "{\"update\":[\"jq\",\"-c\",\"{got: .}\"],\"x\":\"y\"}",
	          prior, &res);
	got = json_object_get(res.outputs, "got");
	CHECK(rc == 0 && got, "the request arrives as JSON on stdin");
	CHECK(!strcmp(json_string_value(json_object_get(got, "op")), "update") &&
	      !strcmp(json_string_value(json_object_get(got, "id")), "Command/t") &&
	      !strcmp(json_string_value(json_object_get(got, "kind")), "Command") &&
	      json_integer_value(json_object_get(got, "attempt")) == 1 &&
	      json_integer_value(json_object_get(got, "protocol")) == 1,
	      "it names the op, id, kind, attempt and protocol");
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(got, "spec"), "x")),
	              "y") &&
	      json_equal(json_object_get(got, "prior"), prior),
	      "it carries the spec and the prior outputs");
	is_provider_result_release(&res);

	cmd = is_xasprintf("cat > %s", file);
	got = json_pack("{sbss}", "shell", 1, "create", cmd);
	spec = json_dumps(got, 0);
	json_decref(got);
	rc = call(IS_OP_CREATE, spec, NULL, &res);
	free(spec);
	free(cmd);
	got = json_load_file(file, 0, NULL);
	CHECK(rc == 0 && got && json_is_null(json_object_get(got, "prior")),
	      "'cat > file' gets one JSON document, with prior null on a create");
	json_decref(got);
	is_provider_result_release(&res);
	json_decref(prior);
	free(file);
}

static void test_outputs(void)
{
	struct is_provider_result res;
	json_t *prior;
	int rc;

	rc = call(IS_OP_CREATE, "{\"shell\":true,\"outputs\":{\"a\":0,\"c\":3},"
	          "\"create\":\"echo '{\\\"a\\\":1}'; echo log line; echo '{\\\"b\\\":2}'; "
	          "echo; echo '  '\"}", NULL, &res);
	CHECK(rc == 0 && json_integer_value(json_object_get(res.outputs, "a")) == 0 &&
	      json_integer_value(json_object_get(res.outputs, "b")) == 2 &&
	      json_integer_value(json_object_get(res.outputs, "c")) == 3,
	      "outputs: the last non-empty line, merged over spec.outputs");
	is_provider_result_release(&res);

	rc = call(IS_OP_CREATE, "{\"outputs\":{\"s\":1},\"create\":[\"echo\",\"done\"]}",
	          NULL, &res);
	CHECK(rc == 0 && json_integer_value(json_object_get(res.outputs, "s")) == 1 &&
	      json_object_size(res.outputs) == 1,
	      "a last line that is not JSON leaves spec.outputs");
	is_provider_result_release(&res);

	rc = call(IS_OP_CREATE, "{\"create\":[\"echo\",\"{broken\"]}", NULL, &res);
	CHECK(rc < 0 && !strcmp(code(&res), "provider-outputs"),
	      "a last line that starts like an object but is not JSON is an error");
	is_provider_result_release(&res);

	prior = json_pack("{sisi}", "v", 1, "w", 5);
	rc = call(IS_OP_READ, "{\"shell\":true,\"read\":\"echo '{\\\"v\\\":2}'\"}", prior, &res);
	CHECK(rc == 0 && json_integer_value(json_object_get(
	          json_object_get(res.drift, "v"), "was")) == 1 &&
	      json_integer_value(json_object_get(json_object_get(res.drift, "v"), "now")) == 2 &&
	      !json_object_get(res.drift, "w"),
	      "read: a printed field that differs from prior is drift");
	CHECK(json_integer_value(json_object_get(res.outputs, "w")) == 5 &&
	      json_integer_value(json_object_get(res.outputs, "v")) == 2,
	      "read: outputs are prior, updated with what was printed");
	is_provider_result_release(&res);

	rc = call(IS_OP_READ, "{\"read\":[\"echo\",\"null\"]}", prior, &res);
	CHECK(rc == 0 && json_is_true(json_object_get(res.drift, "gone")),
	      "read: printing null says the resource is gone");
	is_provider_result_release(&res);

	rc = call(IS_OP_READ, "{\"read\":[\"true\"]}", prior, &res);
	CHECK(rc == 0 && !res.drift && json_equal(res.outputs, prior),
	      "read: printing nothing checks nothing");
	is_provider_result_release(&res);
	json_decref(prior);
}

static void test_missing_ops(void)
{
	struct is_provider_result res;
	json_t *prior = json_pack("{si}", "k", 1);
	int rc;

	rc = call(IS_OP_CREATE, "{\"delete\":[\"true\"]}", NULL, &res);
	CHECK(rc < 0 && strstr(msg(&res), "create"), "create is required");
	is_provider_result_release(&res);
	rc = call(IS_OP_UPDATE, "{\"create\":[\"true\"]}", prior, &res);
	CHECK(rc < 0 && !strcmp(code(&res), IS_PROVIDER_CODE_NO_UPDATE),
	      "update missing: error code " IS_PROVIDER_CODE_NO_UPDATE " (replace instead)");
	is_provider_result_release(&res);
	rc = call(IS_OP_DELETE, "{\"create\":[\"true\"]}", prior, &res);
	CHECK(rc == 0 && json_is_object(res.outputs), "delete missing: nothing to do");
	is_provider_result_release(&res);
	rc = call(IS_OP_READ, "{\"create\":[\"true\"]}", prior, &res);
	CHECK(rc == 0 && !res.drift && json_equal(res.outputs, prior),
	      "read missing: no drift check, prior outputs stand");
	is_provider_result_release(&res);
	json_decref(prior);
}

static void test_env_dir(void)
{
	struct is_provider_result res;
	char *spec, real[PATH_MAX];
	int rc;

	rc = call(IS_OP_CREATE, "{\"env\":{\"FOO\":\"a b\",\"N\":5},\"create\":[\"sh\",\"-c\","
	          "\"jq -cn --arg f \\\"$FOO\\\" --arg n \\\"$N\\\" --arg op \\\"$IS_OP\\\" "
	          "--arg id \\\"$IS_ID\\\" '{f:$f,n:$n,op:$op,id:$id}'\"]}", NULL, &res);
	CHECK(rc == 0 && !strcmp(json_string_value(json_object_get(res.outputs, "f")), "a b") &&
	      !strcmp(json_string_value(json_object_get(res.outputs, "n")), "5") &&
	      !strcmp(json_string_value(json_object_get(res.outputs, "op")), "create") &&
	      !strcmp(json_string_value(json_object_get(res.outputs, "id")), "Command/t"),
	      "env is added to the environment, with IS_OP and IS_ID");
	is_provider_result_release(&res);

	spec = is_xasprintf("{\"dir\":\"%s\",\"create\":[\"sh\",\"-c\","
	                    "\"jq -cn --arg d \\\"$(pwd -P)\\\" '{d:$d}'\"]}", dir);
	rc = call(IS_OP_CREATE, spec, NULL, &res);
	CHECK(rc == 0 && realpath(dir, real) &&
	      !strcmp(json_string_value(json_object_get(res.outputs, "d")), real),
	      "dir is the working folder");
	is_provider_result_release(&res);
	free(spec);

	rc = call(IS_OP_CREATE, "{\"env\":{\"A=B\":\"x\"},\"create\":[\"true\"]}", NULL, &res);
	CHECK(rc < 0 && strstr(msg(&res), "spec.env"), "an env name with '=' is refused");
	is_provider_result_release(&res);
}

static void test_failures(void)
{
	struct is_provider_result res;
	int rc;

	rc = call(IS_OP_CREATE, "{\"shell\":true,\"create\":\"for i in 1 2 3 4 5 6 7 8 9 10 "
	          "11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do echo line$i >&2; done; "
	          "echo boom >&2; exit 3\"}", NULL, &res);
	CHECK(rc < 0 && res.exit_status == 3 && !strcmp(code(&res), "provider-exit"),
	      "exit 3: an error with status 3");
	CHECK(strstr(msg(&res), "status 3") && strstr(msg(&res), "boom") &&
	      strstr(msg(&res), "line25") && !strstr(msg(&res), "line5\n"),
	      "the message has the status and the stderr tail, not all of it");
	CHECK(res.err.id && !strcmp(res.err.id, "Command/t"), "the error carries the id");
	is_provider_result_release(&res);

	rc = call(IS_OP_CREATE, "{\"create\":[\"sh\",\"-c\",\"kill -9 $$\"]}", NULL, &res);
	CHECK(rc < 0 && res.exit_status == 137 && strstr(msg(&res), "SIGKILL") &&
	      !strcmp(code(&res), "provider-signal"),
	      "killed by SIGKILL: status 137, never swallowed (%s)", msg(&res));
	is_provider_result_release(&res);

	rc = call(IS_OP_CREATE, "{\"create\":[\"sh\",\"-c\",\"exit 75\"]}", NULL, &res);
	CHECK(rc < 0 && res.retryable, "exit 75 (EX_TEMPFAIL) is retryable");
	is_provider_result_release(&res);

	rc = call(IS_OP_CREATE, "{\"create\":[\"no-such-program-is-test\"]}", NULL, &res);
	CHECK(rc < 0 && res.exit_status == 127 && !strcmp(code(&res), "provider-spawn") &&
	      strstr(msg(&res), "no-such-program-is-test"),
	      "a missing program: status 127, named (%s)", msg(&res));
	is_provider_result_release(&res);
}

/* Whether pid is gone: no such process, or a zombie nobody reaps here. */
static int gone(pid_t pid)
{
	char path[64], *stat;
	int dead;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	{
		FILE *fp = fopen(path, "r");
		char buf[512] = "";

		if (!fp)
			return 1;
		if (!fgets(buf, sizeof(buf), fp))
			buf[0] = '\0';
		fclose(fp);
		stat = strrchr(buf, ')');
		dead = stat && (stat[2] == 'Z' || stat[2] == 'X');
	}
	return dead;
}

static void test_timeout(void)
{
	struct is_provider_result res;
	char *pidfile = is_xasprintf("%s/bg.pid", dir), *spec;
	double t0;
	pid_t bg = 0;
	FILE *fp;
	int rc, i;

	spec = is_xasprintf("{\"create\":[\"sh\",\"-c\",\"sleep 30 & echo $! > %s; "
	                    "echo started >&2; wait\"]}", pidfile);
	t0 = now();
	rc = call_kind("Command", IS_OP_CREATE, spec, NULL, 0.3, &res);
	CHECK(rc < 0 && !strcmp(code(&res), "provider-timeout") && res.exit_status == 143,
	      "a timeout fails with status 143 (SIGTERM) (%s)", msg(&res));
	CHECK(now() - t0 < 2.0, "and returns promptly (%.2f s)", now() - t0);
	CHECK(strstr(msg(&res), "timed out") && strstr(msg(&res), "started"),
	      "the message says so, with the stderr tail");
	is_provider_result_release(&res);
	fp = fopen(pidfile, "r");
	if (fp) {
		if (fscanf(fp, "%d", &bg) != 1)
			bg = 0;
		fclose(fp);
	}
	for (i = 0; bg > 0 && i < 100 && !gone(bg); i++)
		usleep(10000);
	CHECK(bg > 0 && gone(bg), "the background child of the group is gone too");
	free(spec);

	/* A child that ignores SIGTERM is killed after the grace (shortened
	 * here, so the process module is called directly). */
	{
		char *argv[] = { "sh", "-c", "trap '' TERM; while :; do sleep 0.05; done", NULL };
		struct is_process p;
		volatile sig_atomic_t pgid = 0;

		is_process_init(&p);
		p.argv = argv;
		p.timeout = 0.2;
		p.grace = 0.2;
		p.pgid = &pgid;
		t0 = now();
		rc = is_process_run(&p, &res.err);
		CHECK(rc == 0 && p.timed_out && p.status == 137 && now() - t0 < 1.5 && pgid == 0,
		      "one that ignores SIGTERM gets SIGKILL after the grace: 137 (%.2f s)",
		      now() - t0);
		is_process_release(&p);
		is_error_release(&res.err);
	}

	/* A background process that keeps stdout open does not hold us. */
	t0 = now();
	rc = call(IS_OP_CREATE, "{\"shell\":true,\"create\":\"sleep 3 & echo '{\\\"x\\\":1}'\"}",
	          NULL, &res);
	CHECK(rc == 0 && json_integer_value(json_object_get(res.outputs, "x")) == 1 &&
	      now() - t0 < 1.5,
	      "a background process holding stdout: outputs taken, done in %.2f s", now() - t0);
	is_provider_result_release(&res);
	free(pidfile);
}

static void test_bounds(void)
{
	struct is_provider_result res;
	struct is_strbuf big = IS_STRBUF_INIT;
	json_t *spec;
	char *text;
	size_t i;
	int rc;

	rc = call(IS_OP_CREATE, "{\"shell\":true,\"create\":\"head -c 20000000 /dev/zero | "
	          "tr '\\\\0' x; echo; echo '{\\\"ok\\\":true}'\"}", NULL, &res);
	CHECK(rc == 0 && json_is_true(json_object_get(res.outputs, "ok")),
	      "20 MB of stdout, then the outputs line: outputs found");
	is_provider_result_release(&res);

	rc = call(IS_OP_CREATE, "{\"shell\":true,\"create\":\"head -c 5000000 /dev/zero | "
	          "tr '\\\\0' e >&2; exit 1\"}", NULL, &res);
	CHECK(rc < 0 && strlen(msg(&res)) < 8192,
	      "5 MB of stderr: the message stays short (%zu bytes)", strlen(msg(&res)));
	is_provider_result_release(&res);

	/* A child that never reads its input must not kill us with SIGPIPE. */
	for (i = 0; i < 300000; i++)
		is_strbuf_adds(&big, "abcdefghij");
	spec = json_pack("{s[s]ss}", "create", "true", "big", big.buf);
	text = json_dumps(spec, 0);
	rc = call(IS_OP_CREATE, text, NULL, &res);
	CHECK(rc == 0, "a child that ignores 3 MB of request is fine");
	is_provider_result_release(&res);
	free(text);
	json_decref(spec);
	is_strbuf_release(&big);
}

static void test_fds_closed(void)
{
	struct is_provider_result res;
	char *spec;
	int fd = open("/dev/null", O_RDONLY), rc;

	spec = is_xasprintf("{\"create\":[\"sh\",\"-c\",\"if [ -e /proc/$$/fd/%d ]; then "
	                    "echo '{\\\"open\\\":true}'; else echo '{\\\"open\\\":false}'; "
	                    "fi\"]}", fd);
	rc = call(IS_OP_CREATE, spec, NULL, &res);
	CHECK(rc == 0 && json_is_false(json_object_get(res.outputs, "open")),
	      "a descriptor we hold (without close-on-exec) is closed in the child");
	is_provider_result_release(&res);
	free(spec);
	close(fd);
}

static void test_external(void)
{
	struct is_provider_result res;
	struct is_error err = IS_ERROR_INIT;
	const struct is_provider *p;
	char real[PATH_MAX], *path, *spec, *file;
	json_t *prior;
	int rc;

	if (!realpath("providers", real)) {
		CHECK(0, "tests/providers exists (run from tests/)");
		return;
	}
	path = is_xasprintf("%s:%s", real, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	free(path);

	p = is_provider_find("Kv", &err);
	CHECK(p && p->program && strstr(p->program, "/is-provider-kv") && p->blocking,
	      "an is-provider-kv on PATH is the provider of kind Kv");
	CHECK(p && p == is_provider_find("Kv", &err), "and it is found once, then cached");
	if (!p)
		return;
	spec = is_xasprintf("{\"dir\":\"%s\",\"key\":\"k1\",\"value\":\"v; rm -rf x\"}", dir);
	rc = call_kind("Kv", IS_OP_CREATE, spec, NULL, 10, &res);
	CHECK(rc == 0 && !strcmp(json_string_value(json_object_get(res.outputs, "value")),
	                         "v; rm -rf x") &&
	      !strcmp(json_string_value(json_object_get(res.outputs, "op")), "create"),
	      "external create: op as argv[1], request on stdin, outputs from stdout");
	prior = json_incref(res.outputs);
	is_provider_result_release(&res);
	rc = call_kind("Kv", IS_OP_READ, spec, prior, 10, &res);
	CHECK(rc == 0 && !res.drift, "external read right after create: no drift");
	is_provider_result_release(&res);
	file = is_xasprintf("%s/k1", dir);
	{
		FILE *fp = fopen(file, "w");

		if (fp) {
			fputs("edited", fp);
			fclose(fp);
		}
	}
	rc = call_kind("Kv", IS_OP_READ, spec, prior, 10, &res);
	CHECK(rc == 0 && json_object_get(res.drift, "value"), "external read: drift found");
	is_provider_result_release(&res);
	rc = call_kind("Kv", IS_OP_DELETE, spec, prior, 10, &res);
	CHECK(rc == 0 && access(file, F_OK) != 0, "external delete");
	is_provider_result_release(&res);
	rc = call_kind("Kv", IS_OP_READ, spec, prior, 10, &res);
	CHECK(rc == 0 && json_is_true(json_object_get(res.drift, "gone")),
	      "external read after delete: gone");
	is_provider_result_release(&res);
	json_decref(prior);
	free(file);
	free(spec);

	p = is_provider_find("NoSuchKind", &err);
	CHECK(!p && err.message && strstr(err.message, "'NoSuchKind'") &&
	      strstr(err.message, "is-provider-nosuchkind") && strstr(err.message, "Noop") &&
	      strstr(err.message, "Command"),
	      "an unknown kind: the error names it, the built-ins and the program (%s)",
	      err.message ? err.message : "");
	p = is_provider_find("../etc", &err);
	CHECK(!p, "a kind with a slash never names a program");
	is_error_release(&err);
}

int main(void)
{
	struct is_error err = IS_ERROR_INIT;
	const struct is_provider *p;
	char *cmd;

	snprintf(dir, sizeof(dir), "/tmp/is-unit-cmd.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	p = is_provider_find("Command", &err);
	CHECK(p && p->blocking && !strcmp(p->kind, "Command"),
	      "is_provider_find finds the built-in Command provider, blocking");
	CHECK(is_provider_find("Noop", &err) != NULL, "and Noop");
	CHECK(is_provider_find("Http", &err) != NULL, "and Http");
	if (!p)
		return 1;
	test_argv_not_shell();
	test_request_on_stdin();
	test_outputs();
	test_missing_ops();
	test_env_dir();
	test_failures();
	test_timeout();
	test_bounds();
	test_fds_closed();
	test_external();
	cmd = is_xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	is_provider_registry_release();
	return UNIT_DONE();
}
