/*
 * libFuzzer target for the YAML-to-record path: the bytes as a YAML stream,
 * every document loaded (going on after bad ones, as is-parse does), dumped
 * as JSON in record order and in canonical order, and hashed.
 */
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "strbuf.h"
#include "yaml_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct is_error err = IS_ERROR_INIT;
	struct is_yaml_reader *r = is_yaml_open_buffer("fuzz.yaml", data, size, &err);
	struct is_strbuf sb = IS_STRBUF_INIT;
	struct is_yaml_doc doc;
	char hash[72];
	int rc;

	if (!r) {
		is_error_release(&err);
		return 0;
	}
	is_yaml_doc_init(&doc);
	while ((rc = is_yaml_next(r, &doc, &err)) != 0) {
		if (rc < 0 || !doc.root)
			continue;
		is_strbuf_reset(&sb);
		is_json_dump(&sb, doc.root, 0);
		is_strbuf_reset(&sb);
		is_json_dump(&sb, doc.root, IS_JSON_SORT_KEYS);
		is_json_hash(doc.root, hash);
		if (json_is_object(doc.root))
			(void)is_posmap_get(&doc.pos, doc.root, "kind", 0);
	}
	is_yaml_doc_release(&doc);
	is_yaml_close(r);
	is_strbuf_release(&sb);
	is_error_release(&err);
	return 0;
}
