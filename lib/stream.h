#ifndef IS_STREAM_H
#define IS_STREAM_H
#include <jansson.h>
#include <signal.h>
#include <stdint.h>

#include "event.h"
#include "strbuf.h"
#include "strmap.h"

/*
 * is-stream's picture of what the records say: the runs, each resource's
 * latest status in each run, the diagnostics, and where each resource was
 * declared. The view thread (stream_view.c) builds it from the records and
 * every output format (live, lines, github, markdown, junit) reads it. One
 * thread owns a model; nothing here locks.
 */

/* A status the protocol does not know yet: counted apart, shown as read. */
#define IS_STREAM_ST_OTHER IS_ST_COUNT
#define IS_STREAM_NSTATUS (IS_ST_COUNT + 1)

struct is_stream_res {
	char *id, *kind, *action;  /* owned; action and kind may be NULL */
	int status;                /* enum is_status or IS_STREAM_ST_OTHER */
	char *status_text;         /* owned: the status as read */
	int group;                 /* a MetaGroup: shown, never counted */
	int attempt;               /* 0 when no event said */
	char *error;               /* owned: the error of the latest event, or NULL */
	int64_t started_ms;        /* at of the event that started it running, or -1 */
	int64_t at_ms;             /* at of its latest event, or -1 */
	int64_t elapsed_ms;        /* the latest elapsed_ms written, or -1 */
	int rollback;              /* its latest event was part of a rollback */
};

struct is_stream_run {
	char *id;                  /* owned */
	char *status;              /* owned: "RUNNING", then the end record's */
	char *reason;              /* owned: the end record's, or NULL */
	char *started_at;          /* owned: the start record's at, or NULL */
	int64_t start_ms, end_ms;  /* -1 until known */
	int64_t elapsed_ms;        /* the end record's, or -1 */
	int ended, dry_run;
	long planned;              /* resources the plan record announced, or -1 */
	long end_total;            /* resources the end record counted, or -1 */
	struct is_stream_res **res;   /* in the order of their first event */
	size_t nres, capres;
	struct is_strmap index;    /* id -> struct is_stream_res * */
	long count[IS_STREAM_NSTATUS];   /* resources (not groups) by status */
	long resources;            /* resources (not groups) seen */
};

struct is_stream_diag {
	char *severity, *code, *message, *file, *id;   /* owned, may be NULL */
	long line, col;
};

struct is_stream_source {
	char *file;                /* owned */
	long line, col;
};

struct is_stream_model {
	struct is_stream_run **runs;
	size_t nruns, capruns;
	struct is_strmap run_index;      /* run id -> struct is_stream_run * */
	struct is_stream_run *cur;       /* the run that started last, or NULL */
	struct is_stream_diag **diags;
	size_t ndiags, capdiags;
	struct is_strmap sources;        /* resource id -> struct is_stream_source * */
	long planned;                    /* a plan read before its run started, or -1 */
	int64_t latest_ms;               /* the latest at read, or -1 */
};

enum is_stream_kind {
	IS_STREAM_OTHER, IS_STREAM_RUN_START, IS_STREAM_RUN_END, IS_STREAM_EVENT,
	IS_STREAM_DIAGNOSTIC, IS_STREAM_RESOURCE, IS_STREAM_PLAN
};

/* What one record changed; every pointer is borrowed from the model. */
struct is_stream_change {
	enum is_stream_kind kind;
	struct is_stream_run *run;       /* run records and events */
	struct is_stream_res *res;       /* events */
	struct is_stream_diag *diag;     /* diagnostics */
	int prev_status;                 /* events: the status before, -1 for none */
};

void is_stream_model_init(struct is_stream_model *m);
void is_stream_model_release(struct is_stream_model *m);
/* Takes in one record (borrowed) and says what it changed in *ch. */
void is_stream_model_apply(struct is_stream_model *m, const json_t *rec,
                           struct is_stream_change *ch);
/* Where a resource was declared, from an earlier resource record, or NULL. */
const struct is_stream_source *is_stream_model_source(const struct is_stream_model *m,
                                                      const char *id);
/* Resources the run has or will have: the most of what was seen, planned and
 * counted at the end. */
long is_stream_run_total(const struct is_stream_run *r);
/* Resources in a final status (READY, FAILED, SKIPPED, CANCELED, DRIFTED). */
long is_stream_run_done(const struct is_stream_run *r);
/* Milliseconds from the run's start to its end, or to now_ms while it runs. */
int64_t is_stream_run_elapsed(const struct is_stream_run *r, int64_t now_ms);

/* ---- statuses, times and text (stream_text.c) ---- */

/* The status named text, or IS_STREAM_ST_OTHER. */
int is_stream_status_parse(const char *text);
/* CREATING, UPDATING, DELETING, STALLED. */
int is_stream_status_running(int st);
/* READY, FAILED, SKIPPED, CANCELED, DRIFTED. */
int is_stream_status_final(int st);
/* The SGR parameters that colour a status ("32" for READY), or NULL. */
const char *is_stream_status_sgr(int st);
/* Milliseconds since the epoch of an RFC 3339 time, or -1. */
int64_t is_stream_time_parse(const char *text);
/* Milliseconds since the epoch now. */
int64_t is_stream_now_ms(void);
/* "850ms", "12.3s", "4m05s", "2h03m" into out. */
void is_stream_duration(int64_t ms, char out[32]);
/* Appends the last max_lines lines of text (trailing blank lines left out). */
void is_stream_tail(struct is_strbuf *sb, const char *text, int max_lines,
                    const char *sep);

/* ---- the view: a thread that turns records into one output format ---- */

enum is_stream_format {
	IS_STREAM_LIVE, IS_STREAM_LINES, IS_STREAM_GITHUB, IS_STREAM_MARKDOWN,
	IS_STREAM_JUNIT, IS_STREAM_NONE
};

struct is_stream_view_config {
	enum is_stream_format format;
	int fd;                    /* borrowed: where the view writes */
	int color;                 /* SGR colours on */
	int fps;                   /* live: frames a second at most (default 10) */
	/* Set by a signal handler when the pipeline was interrupted: the live
	 * view says it is waiting for the pipeline's last records. */
	const volatile sig_atomic_t *interrupted;
};

struct is_stream_view;

/*
 * The output side of a view, as each format sees it: text is added to buf
 * and written with one write() per batch (per frame for the live view). The
 * first failed write is remembered and nothing more is written.
 */
struct is_stream_out {
	int fd, color;
	struct is_strbuf buf;
	int failed;                /* errno of the failed write, 0 while all is well */
	int interrupted;           /* the pipeline was interrupted */
};

/* Writes out->buf and empties it; -1 once the output has failed. */
int is_stream_out_flush(struct is_stream_out *out);
/* Appends text in the SGR colour sgr when colours are on. */
void is_stream_out_color(struct is_stream_out *out, const char *sgr, const char *text);

/*
 * The functions of one format. record sees each record after the model took
 * it in; tick runs at most fps times a second while the live view waits;
 * finish runs once at the end of input.
 */
struct is_stream_formatter {
	void *(*start)(struct is_stream_out *out);
	void (*record)(void *st, struct is_stream_out *out, const struct is_stream_model *m,
	               const json_t *rec, const struct is_stream_change *ch);
	void (*tick)(void *st, struct is_stream_out *out, const struct is_stream_model *m,
	             int final);
	void (*finish)(void *st, struct is_stream_out *out, const struct is_stream_model *m);
	void (*free)(void *st);
};

extern const struct is_stream_formatter is_stream_live, is_stream_lines,
	is_stream_github, is_stream_markdown, is_stream_junit;

/* Starts the view's thread. Returns NULL (errno set) when it cannot. */
struct is_stream_view *is_stream_view_start(const struct is_stream_view_config *cfg);
/* Hands a record to the view (stolen). Never blocks on the output. */
void is_stream_view_push(struct is_stream_view *v, json_t *rec);
/*
 * Ends the input: the view renders what is left and its end, then the thread
 * is joined and v freed. Returns 0, or the errno of a failed write.
 */
int is_stream_view_finish(struct is_stream_view *v);

/* Helpers the formats share. */
/* The text of a string field, or NULL. */
const char *is_stream_str(const json_t *rec, const char *key);
/* One plain line for a record, as the lines format writes it: 0 when the
 * record has none (resources, groups, unknown types). */
int is_stream_line(struct is_stream_out *out, const struct is_stream_model *m,
                   const json_t *rec, const struct is_stream_change *ch);
/* "7 resources: 3 ready, 1 failed, 3 skipped" for a run. */
void is_stream_run_counts(struct is_strbuf *sb, const struct is_stream_run *r);

#endif
