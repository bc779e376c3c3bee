#ifndef IS_DRIFT_H
#define IS_DRIFT_H
#include <jansson.h>

/*
 * metadata.ignoreChanges: JSON pointers (RFC 6901) rooted at the resource,
 * under "/spec" (a planned change there causes no update) or "/outputs"
 * (drift there is no drift). "/spec/content" ignores spec.content;
 * "/outputs/mode" the drift of output mode; "/outputs" all drift but a
 * resource that is gone.
 */

/* 1 when path is a pointer under "/spec" or "/outputs" (or one of them). */
int is_ignore_path_valid(const char *path);
/*
 * A read's drift (provider.h's shape, borrowed) without what ignore (an
 * array of pointers, borrowed, may be NULL) leaves out, nor the outputs whose
 * recorded value holds "***" (a secret the ledger never keeps cannot be
 * compared): a new reference, or NULL when nothing is left. {"gone": true}
 * is never left out.
 */
json_t *is_drift_ignore(const json_t *drift, const json_t *ignore);
/* 1 when a string in v holds "***", the mark of a redacted secret. */
int is_json_redacted(const json_t *v);
/* Removes from changes (an array of spec pointers such as "/content", as
 * is_plan_diff makes them) those under an ignored "/spec/..." path. */
void is_changes_ignore(json_t *changes, const json_t *ignore);

#endif
