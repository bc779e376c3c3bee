#ifndef IS_KINDS_H
#define IS_KINDS_H

/*
 * What each kind of resource declares about itself, in one table: for now the
 * spec fields that cannot change in place (changing one means delete and
 * create again: a replace). Providers will read the same table.
 */

/* Returns the NULL-terminated JSON pointers (relative to spec) of the fields
 * of kind that cannot change in place; an empty list for an unknown kind.
 * Static storage: never freed. */
const char *const *is_kind_immutable(const char *kind);
/* 1 when a change at spec path (a JSON pointer, "" for the whole spec) forces
 * kind to be replaced: the path is, contains or lies inside an immutable one. */
int is_kind_forces_replace(const char *kind, const char *path);

#endif
