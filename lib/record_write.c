#include <string.h>

#include "json.h"
#include "record_write.h"
#include "banned.h"

int is_record_write(struct is_ndjson_writer *w, const json_t *record)
{
	struct is_strbuf *sb = &w->line;
	size_t start = 0, end = 0, i = 0;
	const char *key;
	json_t *value;
	char hex[65];

	if (!json_object_get(record, "spec") || json_object_get(record, "hash"))
		return is_ndjson_write(w, record);
	is_strbuf_reset(sb);
	is_strbuf_addch(sb, '{');
	json_object_foreach((json_t *)record, key, value) {
		int canonical = !strcmp(key, "spec");

		if (i++)
			is_strbuf_addch(sb, ',');
		is_json_dump_string(sb, key, strlen(key));
		is_strbuf_addch(sb, ':');
		if (canonical)
			start = sb->len;
		is_json_dump(sb, value, canonical ? IS_JSON_SORT_KEYS : 0);
		if (canonical)
			end = sb->len;
	}
	is_sha256_hex(sb->buf + start, end - start, hex);
	is_strbuf_adds(sb, ",\"hash\":\"sha256:");
	is_strbuf_adds(sb, hex);
	is_strbuf_adds(sb, "\"}\n");
	if (fwrite(sb->buf, 1, sb->len, w->fp) != sb->len)
		return -1;
	if (sb->cap > (1 << 20))
		is_strbuf_release(sb);
	return 0;
}
