#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream_serve_int.h"
#include "xalloc.h"
#include "banned.h"

/*
 * The page of is-stream --serve: files of SHARE_DIR/web/, by plain names
 * only (letters, digits, '.', '-', '_'; no leading dot), so no request can
 * reach outside that folder. "/" is index.html.
 */

static const char *content_type(const char *name)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
	};
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t k = strlen(types[i][0]);

		if (n > k && !strcmp(name + n - k, types[i][0]))
			return types[i][1];
	}
	return NULL;
}

static int plain_name(const char *name)
{
	const char *p;

	if (!*name || *name == '.')
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

struct MHD_Response *is_ss_file_response(const char *share_dir, const char *url)
{
	const char *name = !strcmp(url, "/") ? "index.html" : url + 1;
	const char *type = content_type(name);
	struct MHD_Response *r;
	struct stat st;
	char *path;
	int fd;

	if (*url != '/' || !plain_name(name) || !type)
		return NULL;
	path = is_xasprintf("%s/web/%s", share_dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	/* MHD owns fd from here, and closes it with the response. */
	r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!r) {
		close(fd);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	return r;
}
