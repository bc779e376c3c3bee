#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream_serve_int.h"
#include "xalloc.h"
#include "banned.h"

/*
 * The history of is-stream --serve: a ring of the last cap SSE frames, and
 * never more than IS_SS_HISTORY_BYTES of text, so a long run cannot grow the
 * server without limit. Late joiners replay what is still held. Every access
 * is under the server's mutex.
 */

void is_ss_log_init(struct is_ss_log *l, size_t cap)
{
	memset(l, 0, sizeof(*l));
	l->cap = cap ? cap : 1;
	l->ring = is_xcalloc(l->cap, sizeof(*l->ring));
	l->first = l->next = 1;
}

void is_ss_log_release(struct is_ss_log *l)
{
	uint64_t id;

	for (id = l->first; id < l->next; id++)
		free(l->ring[id % l->cap].text);
	free(l->ring);
	memset(l, 0, sizeof(*l));
}

static void forget_oldest(struct is_ss_log *l)
{
	struct is_ss_frame *f = &l->ring[l->first % l->cap];

	l->bytes -= f->len;
	free(f->text);
	f->text = NULL;
	f->len = 0;
	l->first++;
}

void is_ss_log_append(struct is_ss_log *l, const char *json, size_t len)
{
	struct is_ss_frame *f;
	char head[40];
	int n = snprintf(head, sizeof(head), "id: %" PRIu64 "\ndata: ", l->next);

	while (l->next - l->first >= l->cap ||
	       (l->next > l->first && l->bytes + len > IS_SS_HISTORY_BYTES))
		forget_oldest(l);
	f = &l->ring[l->next % l->cap];
	f->len = (size_t)n + len + 2;
	f->text = is_xmalloc(f->len + 1);
	memcpy(f->text, head, (size_t)n);
	memcpy(f->text + n, json, len);
	memcpy(f->text + n + len, "\n\n", 3);
	l->bytes += f->len;
	l->next++;
}

const struct is_ss_frame *is_ss_log_get(const struct is_ss_log *l, uint64_t id)
{
	if (id < l->first || id >= l->next)
		return NULL;
	return &l->ring[id % l->cap];
}
