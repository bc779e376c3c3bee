/*
 * libFuzzer target for the NDJSON reader: the bytes as a file descriptor's
 * whole input (a memfd, so any size fits without a second thread), every
 * record read, error lines included, and each record written back out.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "json.h"
#include "ndjson.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int input_fd(const uint8_t *data, size_t size)
{
	static int fd = -1;
	size_t done = 0;

	if (fd < 0 && (fd = memfd_create("fuzz-ndjson", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		abort();
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct is_ndjson_reader r;
	struct is_error err = IS_ERROR_INIT;
	struct is_strbuf sb = IS_STRBUF_INIT;
	json_t *record;
	long last = 0;
	int rc;

	is_ndjson_reader_init(&r, input_fd(data, size), "fuzz.ndjson");
	while ((rc = is_ndjson_read(&r, &record, &err)) != 0) {
		/* Line numbers only go forward, and an error names its line. */
		if (r.line < last || (rc < 0 && !r.read_error && err.line != r.line))
			abort();
		last = r.line;
		if (rc < 0)
			continue;
		is_strbuf_reset(&sb);
		is_json_dump(&sb, record, 0);
		json_decref(record);
	}
	is_ndjson_reader_release(&r);
	is_strbuf_release(&sb);
	is_error_release(&err);
	return 0;
}
