#ifndef IS_RECORD_WRITE_H
#define IS_RECORD_WRITE_H
#include <jansson.h>

#include "ndjson.h"

/*
 * Writes a resource or group record whose "hash" is still to be computed:
 * "spec" is written in canonical form (keys sorted) and "hash" is the SHA-256
 * of exactly those bytes, appended as the last field. Serializing spec once
 * for both is a fifth of is-parse's time. A record that has a hash already,
 * or no spec, is written as it is. Returns 0, or -1 when the write failed.
 */
int is_record_write(struct is_ndjson_writer *w, const json_t *record);

#endif
