#ifndef IS_EVENT_H
#define IS_EVENT_H
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "secret.h"
#include "strbuf.h"

/*
 * The records is-exec writes: "run" (start and end of a run) and "event"
 * (one change of one resource's status), through a writer that numbers the
 * events, stamps them, redacts secrets from every byte, and notices when its
 * reader has gone away.
 */
enum is_status {
	IS_ST_PENDING, IS_ST_CREATING, IS_ST_UPDATING, IS_ST_DELETING, IS_ST_READY,
	IS_ST_FAILED, IS_ST_SKIPPED, IS_ST_STALLED, IS_ST_CANCELED, IS_ST_DRIFTED,
	IS_ST_COUNT
};

const char *is_status_name(enum is_status st);

struct is_event {
	const char *id, *kind, *action;   /* borrowed */
	enum is_status status;
	int attempt;                       /* 0: not written */
	const json_t *outputs;             /* borrowed, or NULL */
	const char *error;                 /* borrowed, or NULL */
	long elapsed_ms;                   /* < 0: not written */
	const json_t *extra;               /* borrowed object of more fields, or NULL */
	const char *resource;              /* borrowed JSON text of fields from the
	                                      resource record, each ,"key":value,
	                                      written after outputs: a READY event
	                                      carries its hash, spec (as planned:
	                                      references and ${secret:...}
	                                      unresolved), deps and labels, so the
	                                      ledger can record the new state */
	size_t resource_len;
	const char *place;                 /* borrowed JSON text of more fields,
	                                      ,"key":value each, written after
	                                      elapsed_ms and before extra */
	size_t place_len;
};

struct is_event_out {
	FILE *fp;                          /* borrowed */
	const struct is_secrets *secrets;  /* borrowed, may be NULL */
	char run[21];                      /* the run id, decimal */
	uint64_t seq;                      /* of the last event written */
	struct is_strbuf sb;
	size_t unflushed;                  /* bytes written since the last flush */
	int closed;                        /* the output failed; nothing more is written */
	int error;                         /* errno of that failure */
	long cached_sec;                   /* time formatting cache */
	char cached[24];
	size_t cached_len;
	char event_head[64];               /* {"type":"event","v":1,"run":"...","seq": */
	size_t event_head_len;
};

void is_event_out_init(struct is_event_out *o, FILE *fp, uint64_t run,
                       const struct is_secrets *secrets);
void is_event_out_release(struct is_event_out *o);
/* Each returns 0, or -1 once the output has failed (o->closed set). */
int is_event_write(struct is_event_out *o, const struct is_event *ev);
/* A run record: phase "start" or "end"; extra (borrowed) adds fields. */
int is_event_run(struct is_event_out *o, const char *phase, const char *status,
                 const json_t *extra);
/* A line passed through unchanged (but redacted), without its newline. */
int is_event_raw(struct is_event_out *o, const char *text, size_t len);
/* Flushes when anything was written since the last flush. */
int is_event_flush(struct is_event_out *o);
/* The time now, RFC 3339 UTC with milliseconds, into out (>= 25 bytes). */
void is_event_now(struct is_event_out *o, char out[32]);

#endif
