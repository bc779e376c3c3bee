#ifndef IS_JSON_ARENA_H
#define IS_JSON_ARENA_H
#include <jansson.h>

/*
 * A bump arena for the jansson values of one YAML document. Building a
 * document's tree and then freeing it node by node costs more than parsing
 * it; with the arena a document's values are dropped all at once.
 *
 * jansson's allocator is process-wide, so only a command may install the
 * arena (is-parse does); library code asks is_json_arena_on() and works
 * either way. While an arena scope is open every jansson allocation comes
 * from it and freeing one is a no-op; values that must outlive the scope are
 * copied out with is_json_arena_keep(). Under AddressSanitizer a dropped
 * arena is poisoned, so a value used after its scope is reported.
 */
void is_json_arena_install(void);
/* Frees the arena's memory; after the last scope, at exit. */
void is_json_arena_uninstall(void);
/* Whether the arena is installed (scopes then matter). */
int is_json_arena_on(void);
/* Opens a scope: allocations come from the arena until the scope closes. */
void is_json_arena_open(void);
/* Closes the scope and drops every value allocated in it. */
void is_json_arena_drop(void);
/* A copy of v (borrowed) on the ordinary heap: a new reference. Without an
 * installed arena, just a new reference to v. */
json_t *is_json_arena_keep(json_t *v);

#endif
