#ifndef IS_MANIFEST_H
#define IS_MANIFEST_H
#include <jansson.h>

#include "diag.h"
#include "yaml_doc.h"

/*
 * One YAML document checked and turned into a "resource" (or, for kind
 * MetaGroup, a "group") record. Names are not resolved here: the edges keep
 * their targets as written so the caller, who sees every document, can.
 */
struct is_manifest_edge {
	char *target;       /* owned: "Kind/name", a bare name, or "group:NAME" */
	long line, col;
	long ref_index;     /* index in the record's refs, or -1 for dependsOn */
};

struct is_manifest {
	json_t *record;     /* new reference; an infrastream/ document's record gets
	                       its "hash" when written (record_write.h) */
	char *id;           /* owned: "Kind/name" */
	char *name;         /* owned */
	char *group;        /* owned: the MetaGroup this belongs to, or NULL */
	long line, col, group_line, group_col;
	int invalid;        /* had errors: checked and registered, never emitted */
	struct is_manifest_edge *edges;
	size_t n_edges, cap_edges;
};

void is_manifest_init(struct is_manifest *m);
void is_manifest_release(struct is_manifest *m);
/*
 * Checks doc (borrowed) from file and builds m. Every problem is reported to
 * diag. Returns 0 when a record was built (it may still have had errors: see
 * diag->errors), -1 when the document is unusable (no kind or name ...).
 * Environment references are resolved here; output and secret references are
 * recorded in "refs" and left in the text.
 */
int is_manifest_build(struct is_manifest *m, const struct is_yaml_doc *doc,
                      const char *file, struct is_diag *diag);

#endif
