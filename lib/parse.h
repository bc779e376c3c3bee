#ifndef IS_PARSE_H
#define IS_PARSE_H
#include <jansson.h>
#include <stdio.h>

#include "diag.h"
#include "selector.h"

/*
 * Manifests in, records out: reads files, folders and stdin document by
 * document, resolves names across all of them, and emits each record as soon
 * as its references are known (a record naming a resource by a bare name not
 * seen yet waits for it, or for the end). Memory holds the ids and the waiting
 * records, never the whole input, unless a selector needs the whole graph.
 */
struct is_parse;

/* Called with each finished record (borrowed); returns -1 to stop (a failed write). */
typedef int (*is_parse_emit)(void *ctx, json_t *record);

/* selector (borrowed, may be NULL) keeps only matching records and what they need. */
struct is_parse *is_parse_new(struct is_diag *diag, is_parse_emit emit, void *ctx,
                              const struct is_selector *selector);
/*
 * Parses a file, a folder (every *.yaml and *.yml below it, in byte order of
 * their paths) or "-" (stdin). flush is flushed before a read that would
 * block. Returns 0, or -1 when emitting failed; problems in the input go to
 * the diagnostics and parsing goes on.
 */
int is_parse_path(struct is_parse *p, const char *path, FILE *flush);
/* Parses an in-memory buffer (for tests and fuzzing). */
int is_parse_buffer(struct is_parse *p, const char *name, const char *data, size_t len);
/*
 * Resolves what waited for the end, checks every id named, emits the rest.
 * When anything had an error, ends the output with an error "diagnostic"
 * record (code "invalid-input"), so a later stage that reads it refuses to
 * plan or act on a partial set of resources.
 */
int is_parse_finish(struct is_parse *p);
void is_parse_free(struct is_parse *p);

#endif
