#ifndef IS_PLAN_H
#define IS_PLAN_H
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "graph.h"
#include "selector.h"
#include "strbuf.h"
#include "strmap.h"

/*
 * A plan: the resource and group records of a stack, the graph of their
 * dependencies, the prior state they are compared with, and what each one
 * needs: create, update, replace, delete or nothing.
 *
 * A MetaGroup is two gates. Its record is the exit: it depends on its members
 * and its own deps, and whatever depends on the group waits for it. A group
 * with deps (or inside a group that has an entry) also gets an entry, a node
 * with no record: it depends on the group's deps and on the entry of the
 * group around it, and every member depends on it, so members wait for what
 * their group waits for. n members and m dependents cost n + m edges.
 * The entries are written nowhere; instead each member of a group with an
 * entry lists the deps of its group's entry chain as "after", a row per
 * group, so a reader that sees no entries (is-exec) still waits for them.
 *
 * Records are kept as their input text, not as parsed values: a million
 * parsed records would not fit the memory budget, and a record is written
 * back by appending fields to its text. The text stays where it was read,
 * in large blocks the plan owns (see is_plan_read).
 */
enum is_action {
	IS_ACTION_NOOP, IS_ACTION_CREATE, IS_ACTION_UPDATE, IS_ACTION_REPLACE,
	IS_ACTION_DELETE, IS_ACTION_COUNT
};

/* "noop", "create", ...: static storage. */
const char *is_action_name(int action);
/* The actions in the order people read them: create, update, replace,
 * delete, noop (IS_ACTION_COUNT entries). */
extern const int is_action_display[IS_ACTION_COUNT];

struct is_plan_node {
	const char *id;          /* borrowed from the plan's id table */
	const char *text;        /* the record's line, in the plan's blocks, or NULL */
	size_t text_len;
	json_t *record;          /* owned: a record built here (deletes), or NULL */
	json_t *labels;          /* owned, only when the plan keeps labels */
	json_t *changes;         /* owned: changed spec paths (update, replace) */
	json_t *prior;           /* owned: the recorded outputs, or NULL */
	json_t *pending;         /* owned: the state's "pending" intent, or NULL */
	json_t *replaces;        /* owned: a replace's recorded spec, refs and
	                            depOutputs (plan_finish.c), or NULL */
	const char *file;        /* borrowed from the plan's file map, or NULL */
	long line, col;          /* where the record came from */
	uint32_t parent;         /* the group this node belongs to, or NONE */
	uint32_t user;           /* while undefined: a node that names it */
	uint32_t gate;           /* a group's entry, an entry's group, or NONE */
	uint32_t ndeps;          /* its deps are edges dep_edge.. of the graph */
	size_t dep_edge;
	double weight;           /* metadata.expectedSeconds; 1 by default */
	unsigned defined : 1, is_group : 1, is_delete : 1, reparse : 1,
	         named_as_group : 1, is_entry : 1;
	unsigned char action;
};

typedef void is_plan_report_fn(const struct is_error *err, void *ctx);

struct is_plan_block;
struct is_plan_chunk;

struct is_plan {
	struct is_plan_node *nodes;   /* graph.n of them */
	size_t cap;
	struct is_graph graph;
	struct is_plan_idslot {       /* id -> node; id NULL: an empty slot */
		const char *id;
		uint32_t tag, node;       /* tag: the upper half of the id's hash */
	} *idslots;
	size_t idcap, nids;
	struct is_plan_chunk *idtext; /* the ids' bytes */
	struct is_strmap files;       /* interned source file names */
	struct is_strmap prior;       /* id -> state record (owned reference) */
	struct is_plan_block *blocks; /* the text of the records, read in place */
	int keep_labels;              /* set before adding records to filter by -l */
	/* Filled by is_plan_finish: */
	uint32_t *level;
	double *critical;
	uint32_t *members;            /* members of group g: members[mstart[g]..] */
	size_t *mstart;
	uint32_t *after;              /* what the members of group g also wait */
	size_t *astart;               /* for: after[astart[g]..astart[g] + alen[g]) */
	uint32_t *alen;
	/* Filled by is_plan_select and is_plan_sequence: */
	unsigned char *selected;      /* NULL: everything */
	uint32_t *seq;                /* the output order */
	uint32_t nseq;
	int deletes_allowed;
};

void is_plan_init(struct is_plan *p);
void is_plan_release(struct is_plan *p);
/* The node of id, or IS_GRAPH_NONE. */
uint32_t is_plan_find(const struct is_plan *p, const char *id);
/* The node of id, made (not yet defined) when there is none. */
uint32_t is_plan_intern(struct is_plan *p, const char *id);

/*
 * What a plan reads from a record: filled by is_plan_scan from its text, or by
 * is_plan_input_json from a parsed record. Strings are borrowed from the input
 * (its scratch buffer, or the parsed record) until the next fill.
 */
struct is_plan_input {
	const char *type, *id, *group;   /* NULL when absent or not a string */
	const char **deps;               /* the strings of "deps" */
	size_t ndeps;
	int has_seconds;                 /* metadata.expectedSeconds is a number */
	double seconds;
	const char *source_file;         /* source.file, or NULL */
	long source_line, source_col;
	int ours;                        /* has a field is-graph adds (level ...) */
	json_t *rec;                     /* borrowed: the parsed record, or NULL */
	const char *labels, *spec, *hash;   /* without rec: their JSON text, or NULL */
	size_t labels_len, spec_len, hash_len;
	/* The scanner's own. */
	struct is_strbuf scratch;
	size_t deps_cap, dep_cap;
	long type_at, id_at, group_at, source_file_at, *dep_at;
	int has_source;
};

void is_plan_input_init(struct is_plan_input *in);
void is_plan_input_release(struct is_plan_input *in);
void is_plan_input_reset(struct is_plan_input *in);
/* Fills in from the text of one record. Returns 1, or 0 when the text is
 * anything but plain, valid JSON: then parse it and use is_plan_input_json. */
int is_plan_scan(struct is_plan_input *in, const char *text, size_t len);
/* Fills in from a parsed record (borrowed for as long as in is used). */
void is_plan_input_json(struct is_plan_input *in, json_t *rec);
/* 1 for the record types is_plan_add_record takes ("resource", "group"). */
int is_plan_wants_type(const char *type);

/* Adds one prior state record (borrowed); a tombstone removes the id. */
int is_plan_add_state(struct is_plan *p, json_t *state, struct is_error *err);
/*
 * Adds a resource or group record; its line is text, which must stay valid
 * as long as the plan (is_plan_read keeps it in the plan's blocks); file and
 * line say where the line was read. Returns 0, or -1 with err filled (no id,
 * a duplicate id); the plan stays usable.
 */
int is_plan_add_record(struct is_plan *p, const struct is_plan_input *in,
                       const char *text, size_t len, const char *file, long line,
                       struct is_error *err);

/*
 * Reading NDJSON into a plan, lines of any length, kept where they were read:
 * resource and group records become nodes; with prior set, state records
 * become prior state and everything else is skipped; otherwise every other
 * record goes to other, with its type ("" when it has none) and its text
 * (borrowed for the call). Each problem goes to report. Before a read that
 * would block, before_block is called (a flush of the output, so records
 * passed on reach the next stage). Returns the number of problems.
 */
struct is_plan_reading {
	int prior;
	void (*other)(const char *type, const char *text, size_t len, void *ctx);
	is_plan_report_fn *report;
	void (*before_block)(void *ctx);
	void *ctx;
};
size_t is_plan_read(struct is_plan *p, int fd, const char *name,
                    const struct is_plan_reading *how);
/* Frees a list of the blocks is_plan_read keeps text in. */
void is_plan_free_blocks(struct is_plan_block *b);
/*
 * Resolves the graph: missing dependencies, deletes, order, levels, critical
 * paths, cycles. Every problem goes to report; returns how many there were.
 */
size_t is_plan_finish(struct is_plan *p, is_plan_report_fn *report, void *ctx);
/*
 * Sets "refs" and "depOutputs" on rec, the delete record of a recorded state:
 * the references of its recorded spec, found again as is-parse finds them,
 * and the recorded outputs of the resources they name. names is a map the
 * caller zeroes and releases: bare name -> id, built on first need.
 */
void is_plan_delete_refs(struct is_plan *p, json_t *rec, const json_t *state,
                         struct is_strmap *names);

/* Computes the action of a resource against its prior state (both borrowed);
 * *changes gets a new array of changed spec paths, or NULL. */
int is_plan_diff(const char *kind, const json_t *rec, const json_t *state,
                 json_t **changes);
/* The action that changed spec paths (borrowed) call for: noop when there
 * are none, replace when the kind cannot change one of them in place. */
int is_plan_diff_action(const char *kind, const json_t *changes);

/* Subsets. ids are borrowed; selector may be NULL. Returns -1 and fills err
 * when an id is unknown. */
struct is_plan_filter {
	const char **targets, **excludes, **downstream;
	size_t ntargets, nexcludes, ndownstream;
	const struct is_selector *selector;
};
int is_plan_select(struct is_plan *p, const struct is_plan_filter *f,
                   struct is_error *err);
/* Puts the selected nodes in output order: deletes first (dependents before
 * their dependencies), then by level, then by id. */
void is_plan_sequence(struct is_plan *p);
/* Counts the actions of the sequenced resources (groups not counted). */
void is_plan_count(const struct is_plan *p, size_t counts[IS_ACTION_COUNT],
                   size_t *groups);
/* The kind part of an id ("File" of "File/a"), into a buffer of size n. */
const char *is_plan_kind(const char *id, char *buf, size_t n);

/* Writers: the records in sequence with their new fields, then a plan
 * record; or one "layer" record per level. Return 0, or -1 on write error. */
int is_plan_write_ndjson(const struct is_plan *p, FILE *fp);
int is_plan_write_layers(const struct is_plan *p, FILE *fp);

#endif
