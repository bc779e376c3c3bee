#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "json.h"
#include "provider.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/*
 * File: one regular file with the given content and mode. Spec:
 *   path      where (required; relative to the working folder)
 *   content   a string, written as it is; any other JSON value is written
 *             as its JSON text and a newline; absent: an empty file
 *   mode      "0644" (octal text) or an integer whose digits are octal, as
 *             YAML reads "mode: 0644"; absent: the mode of the file it
 *             replaces, else 0644
 * Outputs: path, sha256 (hex of the content), size, mode ("0644").
 *
 * Writes are atomic: a temporary file in the same folder, synced, renamed
 * over the path, then the folder synced, so a crash leaves the old content
 * or the new one, never a mix.
 */

#define DEFAULT_MODE 0644

static int file_error(struct is_provider_request *req, struct is_provider_result *res,
                      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int file_error(struct is_provider_request *req, struct is_provider_result *res,
                      const char *fmt, ...)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	va_list ap;

	is_strbuf_addf(&sb, "%s: ", is_provider_op_name(req->op));
	va_start(ap, fmt);
	is_error_vset(&res->err, "provider-file", NULL, 0, 0, fmt, ap);
	va_end(ap);
	is_strbuf_adds(&sb, res->err.message);
	free(res->err.message);
	res->err.message = is_strbuf_detach(&sb, NULL);
	is_error_set_id(&res->err, req->id);
	return -1;
}

/* Reads mode from v: 0 and *mode set, 1 when absent, -1 when unusable. */
static int parse_mode(json_t *v, mode_t *mode)
{
	const char *s;
	char digits[32];
	unsigned long m = 0;

	if (!v || json_is_null(v))
		return 1;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > 7777)
			return -1;
		snprintf(digits, sizeof(digits), "%lld", (long long)json_integer_value(v));
		s = digits;
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		if (!strncmp(s, "0o", 2))
			s += 2;
	} else {
		return -1;
	}
	if (!*s || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -1;
		m = m * 8 + (unsigned long)(*s - '0');
	}
	if (m > 07777)
		return -1;
	*mode = (mode_t)m;
	return 0;
}

static char *mode_text(mode_t mode)
{
	return is_xasprintf("%04o", (unsigned)(mode & 07777));
}

/* The folder part of path ("." when it has none), a new string. */
static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return is_xstrdup(".");
	if (slash == path)
		return is_xstrdup("/");
	return is_xstrndup(path, (size_t)(slash - path));
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Syncs a folder so a rename in it is durable. Some file systems cannot
 * sync a folder (EINVAL); that is no reason to fail the write. */
static int sync_folder(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -1;
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		rc = -1;
	close(fd);
	return rc;
}

static int write_atomic(struct is_provider_request *req, struct is_provider_result *res,
                        const char *path, const char *data, size_t len, mode_t mode)
{
	const char *slash = strrchr(path, '/'), *what;
	char *dir = folder_of(path), *tmp;
	int fd, saved;

	tmp = is_xasprintf("%.*s.%s.is-tmp-XXXXXX", slash ? (int)(slash - path + 1) : 0,
	                   path, slash ? slash + 1 : path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		saved = errno;
		file_error(req, res, "cannot write '%s': %s", path, strerror(saved));
		goto out;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	what = "write";
	if (write_all(fd, data, len) < 0)
		goto fail;
	what = "chmod";
	if (fchmod(fd, mode) < 0)
		goto fail;
	what = "fsync";
	if (fsync(fd) < 0)
		goto fail;
	what = "close";
	saved = close(fd);
	fd = -1;
	if (saved < 0)
		goto fail;
	what = "rename";
	if (rename(tmp, path) < 0)
		goto fail;
	if (sync_folder(dir) < 0) {
		saved = errno;
		file_error(req, res, "cannot sync the folder '%s': %s", dir, strerror(saved));
		goto out;
	}
	free(tmp);
	free(dir);
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	file_error(req, res, "cannot write '%s' (%s): %s", path, what, strerror(saved));
out:
	free(tmp);
	free(dir);
	return -1;
}

static json_t *outputs_of(const char *path, const char *data, size_t len, mode_t mode)
{
	char hex[65], *m = mode_text(mode);
	json_t *out;

	is_sha256_hex(data, len, hex);
	out = json_pack("{sssssIss}", "path", path, "sha256", hex, "size", (json_int_t)len,
	                "mode", m);
	free(m);
	return out;
}

static int write_file(struct is_provider_request *req, struct is_provider_result *res,
                      const char *path, json_t *content, mode_t mode, int mode_given)
{
	struct is_strbuf text = IS_STRBUF_INIT;
	const char *data = "";
	size_t len = 0;
	struct stat st;
	int rc;

	if (json_is_string(content)) {
		data = json_string_value(content);
		len = json_string_length(content);
	} else if (content && !json_is_null(content)) {
		is_json_dump(&text, content, 0);
		is_strbuf_addch(&text, '\n');
		data = text.buf;
		len = text.len;
	}
	if (!mode_given)
		mode = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (st.st_mode & 07777)
		                                                   : DEFAULT_MODE;
	rc = write_atomic(req, res, path, data, len, mode);
	if (rc == 0)
		res->outputs = outputs_of(path, data, len, mode);
	is_strbuf_release(&text);
	return rc;
}

/* The whole file into sb, with its mode. */
static int slurp(const char *path, struct is_strbuf *sb, struct stat *st)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), saved;

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		goto fail;
	if (!S_ISREG(st->st_mode)) {
		errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		is_strbuf_add(sb, buf, (size_t)n);
	}
	close(fd);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static void add_drift(json_t **drift, const char *key, json_t *was, json_t *now)
{
	if (!was || json_equal(was, now))
		return;
	if (!*drift)
		*drift = json_object();
	json_object_set_new(*drift, key, json_pack("{sOsO}", "was", was, "now", now));
}

/* Compares the file on disk with what was recorded (and the spec's mode). */
static int read_file(struct is_provider_request *req, struct is_provider_result *res,
                     const char *path, mode_t mode, int mode_given)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	json_t *prior = json_is_object(req->prior) ? req->prior : NULL, *want_mode;
	struct stat st;
	char *m;
	int saved;

	if (slurp(path, &sb, &st) < 0) {
		saved = errno;
		is_strbuf_release(&sb);
		if (saved == ENOENT) {
			res->outputs = json_object();
			res->drift = json_pack("{sb}", "gone", 1);
			return 0;
		}
		return file_error(req, res, "cannot read '%s': %s", path, strerror(saved));
	}
	res->outputs = outputs_of(path, sb.buf ? sb.buf : "", sb.len, st.st_mode & 07777);
	is_strbuf_release(&sb);
	if (!prior)
		return 0;
	add_drift(&res->drift, "sha256", json_object_get(prior, "sha256"),
	          json_object_get(res->outputs, "sha256"));
	add_drift(&res->drift, "size", json_object_get(prior, "size"),
	          json_object_get(res->outputs, "size"));
	want_mode = json_object_get(prior, "mode");
	if (want_mode) {
		json_incref(want_mode);
	} else if (mode_given) {
		m = mode_text(mode);
		want_mode = json_string(m);
		free(m);
	}
	add_drift(&res->drift, "mode", want_mode, json_object_get(res->outputs, "mode"));
	json_decref(want_mode);
	return 0;
}

static int file_call(const struct is_provider *p, struct is_provider_request *req,
                     struct is_provider_result *res)
{
	json_t *spec = req->spec, *path_v;
	const char *path;
	mode_t mode = DEFAULT_MODE;
	int mode_rc;

	(void)p;
	path_v = json_object_get(spec, "path");
	if (!json_is_string(path_v) && req->op == IS_OP_DELETE)
		path_v = json_object_get(req->prior, "path");
	if (!json_is_string(path_v) || !json_string_value(path_v)[0])
		return file_error(req, res, "spec.path must be a non-empty string");
	path = json_string_value(path_v);
	mode_rc = parse_mode(json_object_get(spec, "mode"), &mode);
	if (mode_rc < 0 && req->op != IS_OP_DELETE)
		return file_error(req, res, "spec.mode must be octal, such as \"0644\" or "
		                  "0644, not above 7777");

	switch (req->op) {
	case IS_OP_CREATE:
	case IS_OP_UPDATE:
		return write_file(req, res, path, json_object_get(spec, "content"), mode,
		                  mode_rc == 0);
	case IS_OP_READ:
		return read_file(req, res, path, mode, mode_rc == 0);
	case IS_OP_DELETE:
		if (unlink(path) < 0 && errno != ENOENT) {
			int saved = errno;

			return file_error(req, res, "cannot remove '%s': %s", path,
			                  strerror(saved));
		}
		res->outputs = json_object();
		return 0;
	}
	return file_error(req, res, "unknown operation");
}

const struct is_provider is_provider_file = { "File", 1, file_call, NULL };
