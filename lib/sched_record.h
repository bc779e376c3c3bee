#ifndef IS_SCHED_RECORD_H
#define IS_SCHED_RECORD_H
#include <jansson.h>

#include "error.h"
#include "strbuf.h"

/*
 * What the scheduler reads from an input line, scanned on the reader thread
 * without building a jansson tree of the record (json_scan.h): the fields it
 * schedules by, and the line itself. The spec, refs and prior outputs are
 * parsed from their text only when a provider is about to be called. A line
 * the scanner gives up on (escapes in a field it reads, huge numbers, bad
 * JSON) is parsed with jansson instead, and read the same way.
 */
enum is_sched_type {
	IS_SCHED_OTHER,               /* passed through as its text */
	IS_SCHED_RESOURCE,
	IS_SCHED_GROUP,
	IS_SCHED_DIAGNOSTIC
};

/* Top-level fields kept as text, for the provider call and for events. */
enum is_sched_field {
	IS_SCHED_SPEC, IS_SCHED_REFS, IS_SCHED_PRIOR, IS_SCHED_HASH, IS_SCHED_LABELS,
	IS_SCHED_DEPS, IS_SCHED_GROUP_OF, IS_SCHED_MEMBERS, IS_SCHED_LEVEL,
	IS_SCHED_ORDER, IS_SCHED_DEP_OUTPUTS, IS_SCHED_METADATA, IS_SCHED_PENDING,
	IS_SCHED_REPLACES, IS_SCHED_NFIELDS
};

struct is_sched_span {
	long at;                      /* offset in the text, -1 when absent */
	size_t len;
	int canonical;                /* the text is what is_json_dump would write */
};

struct is_sched_record {
	enum is_sched_type type;
	const char *id, *kind, *action;   /* NULL when absent or not a string */
	double critical;              /* 0 unless a number */
	int has_order;                /* "order" is an integer */
	long order;
	int retries_set, retries;     /* metadata.retries is an integer */
	double timeout, expected;     /* metadata.timeout ("30s", "2m", 5), */
	                              /* metadata.expectedSeconds; 0 when absent */
	const char **deps, **members; /* the strings of "deps" and "members" */
	const char **after;           /* and of "after": waited for like deps */
	size_t ndeps, nmembers, nafter;
	int severity_error;           /* a diagnostic whose severity is "error" */
	const char *message;          /* a diagnostic's message, or NULL */
	const char *text;             /* the line as read, NUL-terminated */
	size_t len;
	/* Private: where the lazily parsed fields come from, and the values. */
	json_t *json;                 /* owned: the record, when the scanner gave up */
	struct is_sched_span at[IS_SCHED_NFIELDS];
	json_t *spec, *refs, *prior;  /* owned, parsed on first use */
	json_t *dep_outputs, *metadata, *pending, *replaces;
	int parsed;                   /* bit per field already parsed */
};

/* Reusable scratch space of the scanner; one per reading thread. */
struct is_sched_scanner {
	struct is_strbuf strings;
	long *dep_at, *member_at, *after_at;
	size_t ndeps, nmembers, nafter, dep_cap, member_cap, after_cap;
	struct is_sched_record rec;   /* filled while scanning */
	long id_at, kind_at, action_at, message_at;
};

void is_sched_scanner_init(struct is_sched_scanner *sc);
void is_sched_scanner_release(struct is_sched_scanner *sc);
/*
 * Reads one line (text[0..len), borrowed). Returns a new record (one
 * allocation, text and strings included; free it with is_sched_record_free),
 * or NULL with err naming name:line when the line is not a JSON object.
 */
struct is_sched_record *is_sched_record_read(struct is_sched_scanner *sc, const char *text,
                                             size_t len, const char *name, long line,
                                             struct is_error *err);
void is_sched_record_free(struct is_sched_record *rec);
/*
 * The record's "spec", "refs" and "prior" (borrowed; NULL when absent, and
 * refs also when empty), parsed on first use. Not thread-safe: one thread asks.
 */
json_t *is_sched_record_spec(struct is_sched_record *rec);
json_t *is_sched_record_refs(struct is_sched_record *rec);
json_t *is_sched_record_prior(struct is_sched_record *rec);
/* A delete's "depOutputs": the recorded outputs of what its spec names. */
json_t *is_sched_record_dep_outputs(struct is_sched_record *rec);
/* Its "metadata" and the "pending" intent is-graph carries from the ledger
 * (an object with "op" and "run", or NULL). */
json_t *is_sched_record_metadata(struct is_sched_record *rec);
json_t *is_sched_record_pending(struct is_sched_record *rec);
/* A replace's "replaces": the recorded spec, refs and depOutputs. */
json_t *is_sched_record_replaces(struct is_sched_record *rec);
/*
 * Appends ,"name":value for field f of the record when it has one (and it is
 * not null, with skip_null), the value exactly as is_json_dump writes it:
 * copied when its text already is that, else parsed and written.
 */
void is_sched_record_add_field(struct is_sched_record *rec, enum is_sched_field f,
                               int skip_null, struct is_strbuf *sb);
/* Seconds from a number or a string with an optional unit: "500ms", "30s",
 * "2m", "1h" ("30" is seconds). */
double is_sched_seconds(const char *text);

#endif
