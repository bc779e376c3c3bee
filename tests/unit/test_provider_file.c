/*
 * The File provider through is_provider_find: create, read, update and
 * delete, drift after the file is changed by hand, atomic writes that leave
 * no temporary file behind, modes, and errors that name the path.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "provider.h"
#include "xalloc.h"
#include "unit.h"
#include "banned.h"

static char dir[64];
static const struct is_provider *file;

/* Calls File with op and spec (JSON text); prior may be NULL. */
static int call(enum is_provider_op op, const char *spec_text, json_t *prior,
                struct is_provider_result *res)
{
	struct is_provider_request req;
	json_t *spec = json_loads(spec_text, 0, NULL);
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.id = "File/t";
	req.kind = "File";
	req.spec = spec;
	req.prior = prior;
	req.attempt = 1;
	is_provider_result_init(res);
	rc = file->call(file, &req, res);
	json_decref(spec);
	return rc;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf = is_xcalloc(1, 1 << 16);

	if (fp) {
		size_t n = fread(buf, 1, (1 << 16) - 1, fp);

		buf[n] = '\0';
		fclose(fp);
	}
	return buf;
}

static void spit(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* The number of entries of dir, without . and .. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void test_lifecycle(void)
{
	struct is_provider_result res;
	char *path = is_xasprintf("%s/a.txt", dir), *spec, *text, hex[65];
	json_t *prior;
	struct stat st;
	int rc;

	spec = is_xasprintf("{\"path\":\"%s\",\"content\":\"hello\\n\",\"mode\":\"0640\"}", path);
	rc = call(IS_OP_CREATE, spec, NULL, &res);
	is_sha256_hex("hello\n", 6, hex);
	CHECK(rc == 0 && res.outputs, "create succeeds");
	CHECK(!strcmp(str(res.outputs, "path"), path), "outputs.path is the path");
	CHECK(!strcmp(str(res.outputs, "sha256"), hex), "outputs.sha256 is the content's hash");
	CHECK(json_integer_value(json_object_get(res.outputs, "size")) == 6, "outputs.size is 6");
	CHECK(!strcmp(str(res.outputs, "mode"), "0640"), "outputs.mode is 0640");
	text = slurp(path);
	CHECK(!strcmp(text, "hello\n"), "the file holds the content");
	free(text);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640, "the file has mode 0640");
	CHECK(entries() == 1, "no temporary file is left beside it");
	prior = json_incref(res.outputs);
	is_provider_result_release(&res);

	rc = call(IS_OP_READ, spec, prior, &res);
	CHECK(rc == 0 && res.drift == NULL, "read right after create finds no drift");
	CHECK(rc == 0 && json_equal(res.outputs, prior), "read reports the same outputs");
	is_provider_result_release(&res);

	spit(path, "changed by hand\n");
	rc = call(IS_OP_READ, spec, prior, &res);
	CHECK(rc == 0 && json_object_get(res.drift, "sha256") &&
	      json_object_get(res.drift, "size") && !json_object_get(res.drift, "mode"),
	      "read after an edit by hand reports sha256 and size drift");
	CHECK(json_equal(json_object_get(json_object_get(res.drift, "sha256"), "was"),
	                 json_object_get(prior, "sha256")),
	      "the drift says what the hash was");
	is_provider_result_release(&res);

	chmod(path, 0600);
	rc = call(IS_OP_READ, spec, prior, &res);
	CHECK(rc == 0 && !strcmp(str(json_object_get(res.drift, "mode"), "now"), "0600"),
	      "read after chmod reports mode drift (now 0600)");
	is_provider_result_release(&res);
	free(spec);

	/* An integer mode is read as octal digits, as YAML gives "mode: 0644". */
	spec = is_xasprintf("{\"path\":\"%s\",\"content\":\"two\",\"mode\":644}", path);
	rc = call(IS_OP_UPDATE, spec, prior, &res);
	CHECK(rc == 0 && !strcmp(str(res.outputs, "mode"), "0644") &&
	      stat(path, &st) == 0 && (st.st_mode & 07777) == 0644,
	      "update with mode 644 (an integer) gives 0644");
	text = slurp(path);
	CHECK(!strcmp(text, "two"), "update writes the new content");
	free(text);
	CHECK(entries() == 1, "still no temporary file after an update");
	is_provider_result_release(&res);
	free(spec);

	spec = is_xasprintf("{\"path\":\"%s\",\"content\":\"three\"}", path);
	rc = call(IS_OP_UPDATE, spec, prior, &res);
	CHECK(rc == 0 && !strcmp(str(res.outputs, "mode"), "0644"),
	      "update without a mode keeps the file's mode");
	is_provider_result_release(&res);

	rc = call(IS_OP_DELETE, spec, prior, &res);
	CHECK(rc == 0 && access(path, F_OK) != 0, "delete removes the file");
	is_provider_result_release(&res);
	rc = call(IS_OP_DELETE, spec, prior, &res);
	CHECK(rc == 0, "delete of an absent file is fine");
	is_provider_result_release(&res);

	rc = call(IS_OP_READ, spec, prior, &res);
	CHECK(rc == 0 && json_is_true(json_object_get(res.drift, "gone")),
	      "read of a deleted file says it is gone");
	is_provider_result_release(&res);
	json_decref(prior);
	free(spec);
	free(path);
}

static void test_content_kinds(void)
{
	struct is_provider_result res;
	char *path = is_xasprintf("%s/b.json", dir), *spec, *text;
	int rc;

	spec = is_xasprintf("{\"path\":\"%s\",\"content\":{\"a\":[1,2]}}", path);
	rc = call(IS_OP_CREATE, spec, NULL, &res);
	text = slurp(path);
	CHECK(rc == 0 && !strcmp(text, "{\"a\":[1,2]}\n"), "content that is not a string "
	      "is written as JSON text");
	CHECK(!strcmp(str(res.outputs, "mode"), "0644"), "a new file without a mode is 0644");
	free(text);
	is_provider_result_release(&res);
	free(spec);

	spec = is_xasprintf("{\"path\":\"%s\"}", path);
	rc = call(IS_OP_CREATE, spec, NULL, &res);
	CHECK(rc == 0 && json_integer_value(json_object_get(res.outputs, "size")) == 0,
	      "no content makes an empty file");
	is_provider_result_release(&res);
	unlink(path);
	free(spec);
	free(path);
}

static void test_errors(void)
{
	struct is_provider_result res;
	char *spec;
	int rc;

	spec = is_xasprintf("{\"path\":\"%s/no/such/dir/f\",\"content\":\"x\"}", dir);
	rc = call(IS_OP_CREATE, spec, NULL, &res);
	CHECK(rc < 0 && res.err.message && strstr(res.err.message, "/no/such/dir/f") &&
	      strstr(res.err.message, "No such file or directory"),
	      "a write in a missing folder names the path and the reason (%s)",
	      res.err.message ? res.err.message : "");
	CHECK(res.err.id && !strcmp(res.err.id, "File/t"), "the error carries the id");
	is_provider_result_release(&res);
	free(spec);

	spec = is_xasprintf("{\"path\":\"%s/m\",\"mode\":\"0999\"}", dir);
	rc = call(IS_OP_CREATE, spec, NULL, &res);
	CHECK(rc < 0 && strstr(res.err.message, "spec.mode"), "mode 0999 is refused");
	is_provider_result_release(&res);
	free(spec);

	rc = call(IS_OP_CREATE, "{\"content\":\"x\"}", NULL, &res);
	CHECK(rc < 0 && strstr(res.err.message, "spec.path"), "a spec without a path is refused");
	is_provider_result_release(&res);

	spec = is_xasprintf("{\"path\":\"%s\"}", dir);
	rc = call(IS_OP_READ, spec, NULL, &res);
	CHECK(rc < 0 && strstr(res.err.message, "Is a directory"),
	      "reading a folder as a file fails and says why");
	is_provider_result_release(&res);
	free(spec);
	CHECK(entries() == 0, "failed writes leave nothing behind");
}

int main(void)
{
	struct is_error err = IS_ERROR_INIT;
	char *cmd;

	snprintf(dir, sizeof(dir), "/tmp/is-unit-file.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	file = is_provider_find("File", &err);
	CHECK(file && file->blocking && !strcmp(file->kind, "File"),
	      "is_provider_find finds the built-in File provider, blocking");
	if (!file)
		return 1;
	test_lifecycle();
	test_content_kinds();
	test_errors();
	cmd = is_xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	is_provider_registry_release();
	return UNIT_DONE();
}
