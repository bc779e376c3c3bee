#ifndef IS_YAML_DOC_H
#define IS_YAML_DOC_H
#include <jansson.h>
#include <stdio.h>

#include "error.h"
#include "posmap.h"

/*
 * YAML to JSON values with source positions (libyaml's event parser). One
 * document at a time, so memory stays flat however large the input.
 */
enum {
	IS_YAML_MAX_DEPTH = 256,            /* nesting levels per document */
	IS_YAML_MAX_NODES = 1000000,        /* nodes per document, aliases expanded */
	IS_YAML_MAX_ALIAS_BYTES = 64 << 20, /* scalar text that aliases add, per document */
};

struct is_yaml_doc {
	json_t *root;            /* new reference; NULL for an empty document */
	long line, col;          /* where the root node starts */
	struct is_posmap pos;    /* top-level members, metadata two levels down,
	                            and every string with "${" */
};

struct is_yaml_reader;

/*
 * Opens path ("-" is stdin) for reading documents. Before a read from a pipe
 * or terminal that would block, flush (if not NULL) is flushed so records
 * already written reach the next stage. Returns NULL with err filled.
 */
struct is_yaml_reader *is_yaml_open(const char *path, FILE *flush, struct is_error *err);
/* Reads from a memory buffer (borrowed; must outlive the reader). */
struct is_yaml_reader *is_yaml_open_buffer(const char *name, const void *data,
                                           size_t len, struct is_error *err);
void is_yaml_close(struct is_yaml_reader *r);
/*
 * Reads the next document into doc (released first). Returns 1 for a document,
 * 0 at the end, -1 with err filled. After an error inside a document (duplicate
 * key, alias bomb ...) the next call goes on with the next document; after a
 * syntax error, or nesting past the depth cap, the rest of the stream is not
 * read and the next call returns 0.
 */
int is_yaml_next(struct is_yaml_reader *r, struct is_yaml_doc *doc, struct is_error *err);
void is_yaml_doc_init(struct is_yaml_doc *doc);
void is_yaml_doc_release(struct is_yaml_doc *doc);

/*
 * A scalar typed by the YAML 1.2 core schema. plain: the scalar was unquoted.
 * tag: the resolved tag or NULL. Returns a new reference, or NULL when the text
 * does not fit an explicit tag (!!int "x").
 */
json_t *is_yaml_scalar(const char *text, int plain, const char *tag);

#endif
