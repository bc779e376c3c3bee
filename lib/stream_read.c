/*
 * The reading side of is-stream: records from the input, passed through
 * first (--tee: the same bytes, in order, flushed whenever the input would
 * block), then handed to the sinks (webhooks, the server) and to the view.
 * Nothing here waits on a sink or the view: they queue, so the pipeline runs
 * at its own pace whatever is watching it.
 */
#include <errno.h>
#include <string.h>

#include "ndjson.h"
#include "stream_read.h"
#include "banned.h"

static void flush_tee(void *ctx)
{
	struct is_stream_read_config *cfg = ctx;

	fflush(cfg->tee);
}

static int tee_line(FILE *fp, const char *text, size_t len)
{
	if (fwrite(text, 1, len, fp) != len || putc('\n', fp) == EOF)
		return -1;
	return 0;
}

int is_stream_read(struct is_stream_read_config *cfg, struct is_stream_read_result *res)
{
	struct is_ndjson_reader r;
	struct is_error err = IS_ERROR_INIT;
	json_t *rec;
	int rc;

	memset(res, 0, sizeof(*res));
	is_ndjson_reader_init(&r, cfg->fd, cfg->name);
	if (cfg->tee) {
		r.before_block = flush_tee;
		r.before_block_ctx = cfg;
	}
	while ((rc = is_ndjson_read(&r, &rec, &err)) != 0) {
		size_t len, i;
		const char *text = is_ndjson_text(&r, &len);

		if (rc < 0) {
			if (cfg->report)
				cfg->report(cfg->ctx, &err);
			is_error_release(&err);
			if (r.read_error) {
				res->read_error = 1;
				break;
			}
			/* Not a record, but it was in the stream: a watcher in the
			 * middle of a pipeline passes it on as tee(1) would. */
			res->bad++;
			if (cfg->tee && tee_line(cfg->tee, text, len) < 0) {
				res->write_error = errno ? errno : EIO;
				break;
			}
			continue;
		}
		res->records++;
		if (cfg->tee && tee_line(cfg->tee, text, len) < 0) {
			res->write_error = errno ? errno : EIO;
			json_decref(rec);
			break;
		}
		for (i = 0; i < cfg->nsinks; i++)
			cfg->sinks[i].fn(cfg->sinks[i].ctx, rec, text, len);
		if (cfg->view)
			is_stream_view_push(cfg->view, rec);
		else
			json_decref(rec);
	}
	if (cfg->tee && !res->write_error && fflush(cfg->tee) == EOF)
		res->write_error = errno ? errno : EIO;
	is_ndjson_reader_release(&r);
	return res->bad || res->read_error || res->write_error ? -1 : 0;
}
