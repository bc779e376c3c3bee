#ifndef IS_LEDGER_CMD_H
#define IS_LEDGER_CMD_H
#include "cli.h"
#include "ledger.h"

/*
 * The subcommands of is-ledger. One binary has one cmd/ file, so each
 * subcommand's option table and runner live here (and in ledger_query.h for
 * the queries); cmd/is-ledger.c holds the table that dispatches to them.
 *
 * A runner gets the ledger with its path set but not yet open (so that
 * "is-ledger SUB --help" creates nothing), argv[0] the subcommand's name, and
 * returns the exit code: 0, 1 (failure), 2 (usage), or a code of its own
 * documented in is-ledger(1) (IS_LEDGER_EXIT_LOCKED).
 */
typedef int is_ledger_run_fn(struct is_ledger *lg, int argc, char **argv);

struct is_ledger_subcommand {
	const char *name;
	is_ledger_run_fn *run;
	const char *help;                /* one line for is-ledger --help */
	const struct is_command *cli;    /* its options, for completions; or NULL */
};

/* Reports err as "is-ledger: ..." on stderr, releases it, returns 1. */
int is_ledger_cmd_fail(struct is_error *err);

is_ledger_run_fn is_ledger_cmd_record, is_ledger_cmd_lock, is_ledger_cmd_unlock,
	is_ledger_cmd_locks, is_ledger_cmd_verify, is_ledger_cmd_next_run_id;
extern const struct is_command is_ledger_cli_record, is_ledger_cli_lock,
	is_ledger_cli_unlock, is_ledger_cli_locks, is_ledger_cli_verify,
	is_ledger_cli_next_run_id;

#endif
