#ifndef IS_PROCESS_H
#define IS_PROCESS_H
#include <signal.h>
#include <stddef.h>

#include "error.h"
#include "strbuf.h"

/*
 * One child process, run to completion: spawned in a process group of its
 * own, fed its input on stdin, its stdout and stderr captured (only the last
 * capture_max bytes of each are kept, so a chatty child cannot exhaust
 * memory), killed with its whole group when it runs past its timeout, and
 * its status mapped to one number the way shells do (128+N for signal N).
 *
 * is_process_run blocks the calling thread until the child is gone, and is
 * safe to call on several threads at once: it touches no global state except
 * the calling thread's signal mask, which it restores.
 */
struct is_process {
	/* Set by the caller. */
	char *const *argv;            /* borrowed; argv[0] is searched on PATH */
	char *const *envp;            /* borrowed; NULL inherits the environment */
	const char *dir;              /* borrowed; working folder, NULL for ours */
	const char *input;            /* borrowed; written to stdin, then closed */
	size_t input_len;
	double timeout;               /* seconds; 0 for none */
	double grace;                 /* seconds from SIGTERM to SIGKILL */
	size_t capture_max;           /* bytes kept of each stream */
	volatile sig_atomic_t *pgid;  /* where the group is published, or NULL */

	/* Filled by is_process_run. */
	struct is_strbuf out, err;    /* the tails of stdout and stderr */
	size_t out_total, err_total;  /* bytes seen, kept or not */
	int status;                   /* exit code, or 128+N for signal N */
	int signal;                   /* N when killed by a signal, else 0 */
	int timed_out;                /* it ran out of time and was killed */
};

/* 64 KiB of each stream, a 2 s grace, no timeout. */
void is_process_init(struct is_process *p);
void is_process_release(struct is_process *p);

/*
 * Runs the process described by p. Returns 0 once the child has exited, in
 * whatever way (see p->status), or -1 with err filled when it could not be
 * started at all (p->status is then 127, as a shell would say).
 */
int is_process_run(struct is_process *p, struct is_error *err);

#endif
