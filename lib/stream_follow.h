#ifndef IS_STREAM_FOLLOW_H
#define IS_STREAM_FOLLOW_H
#include <sys/types.h>

#include "error.h"

/*
 * is-stream --follow: the events of a ledger's run as they commit, read from
 * "is-ledger events --follow", which does the polling and knows the schema.
 * The child shares our process group, so ^C at the terminal ends it too, and
 * it ends by itself after the run's end record.
 */
struct is_stream_follow {
	pid_t pid;
	int fd;                    /* its standard output, for us to read */
};

/*
 * Starts "is-ledger [--db db] events --follow [--run run]" (db and run may be
 * NULL). is-ledger is looked for beside the running program first, then on
 * PATH. Returns 0, or -1 with err filled.
 */
int is_stream_follow_start(struct is_stream_follow *f, const char *db, const char *run,
                           struct is_error *err);
/*
 * Closes the pipe (a child still writing then stops) and waits for the
 * child. Returns its exit status, 128+N for a signal N.
 */
int is_stream_follow_finish(struct is_stream_follow *f);

#endif
