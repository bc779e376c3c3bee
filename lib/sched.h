#ifndef IS_SCHED_H
#define IS_SCHED_H
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "provider.h"
#include "secret.h"

/*
 * The scheduler: one libuv loop that reads ordered resource and group records
 * while it runs them. A resource starts the moment every dependency is READY
 * (no waiting for the end of the input, no level barriers), longest critical
 * chain first, within -j and the per-kind budgets; blocking providers run on
 * the loop's thread pool, the others on the loop. It writes a run start
 * record, an event for every status change, and a run end record.
 */
struct is_sched_limit {
	const char *kind;           /* borrowed */
	int limit;
};

/* A provider call about to change something (is_sched_config.intend). */
struct is_sched_intent {
	const char *run, *id, *kind, *op;   /* borrowed; op: create, update, replace, delete */
	char *hash;                         /* the record's hash, or NULL */
	char *spec;                         /* its spec as planned (JSON text), or NULL */
};

struct is_sched_config {
	int jobs;                   /* at most this many provider calls at once */
	const struct is_sched_limit *limits;
	size_t nlimits;
	int fail_fast, atomic, dry_run;
	/* Read resources planned noop or update before acting (finish_read in
	 * sched.c); with dry_run too, report drift and change nothing. */
	int refresh;
	double grace;               /* seconds running work may take after a signal */
	double backoff;             /* first retry delay, seconds (doubles each time) */
	struct is_secrets *secrets; /* borrowed */
	/* Finds the provider of a kind (is_provider_find). */
	const struct is_provider *(*find)(const char *kind, struct is_error *err);
	uint64_t run_id;            /* 0: a new one (is_run_id_new) */
	int input_fd;               /* borrowed */
	const char *input_name;
	FILE *out;                  /* borrowed */
	/*
	 * When set, called with the calls that may change something (create,
	 * update, replace, delete) before any of them is made, several at once;
	 * it returns 0 once they are durable, or -1 with *error (a new string):
	 * then those calls fail and are not made.
	 */
	int (*intend)(void *ctx, const struct is_sched_intent *v, size_t n, char **error);
	void *intend_ctx;
	/* A message for people (already redacted), without program name. */
	void (*report)(void *ctx, const char *message);
	void *report_ctx;
};

struct is_sched_summary {
	int status;                 /* 0 when everything became READY */
	size_t resources, ready, failed, skipped, canceled, rolled_back;
	size_t changed;             /* provider calls that made a change */
	size_t drifted;             /* reads that found drift */
	int input_errors, refused, interrupted, output_closed;
};

/* The default -j: 4 per online CPU (providers mostly wait on I/O), at least 4. */
int is_sched_default_jobs(void);
/* Returns 0 when the run succeeded, -1 when anything failed (see summary). */
int is_sched_run(const struct is_sched_config *cfg, struct is_sched_summary *sum);

#endif
