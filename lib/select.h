#ifndef IS_SELECT_H
#define IS_SELECT_H
#include <jansson.h>

#include "selector.h"

/*
 * The records a label selector picks, plus everything they need: their
 * dependencies, transitively, and every member of a MetaGroup that is kept
 * (a gate means "all of its members"). Records kept only because something
 * selected needs them get "selected": false.
 *
 * records (borrowed) is an array of resource and group records. Returns a new
 * array, in input order; *extra counts the records kept as dependencies.
 */
json_t *is_select_closure(json_t *records, const struct is_selector *sel, size_t *extra);

#endif
