/*
 * The writing subcommands of is-ledger: record, lock, unlock, locks, verify,
 * next-run-id. Each parses its own options and calls the ledger modules.
 */
#include <stdio.h>
#include <string.h>

#include "ledger_cmd.h"
#include "banned.h"

int is_ledger_cmd_fail(struct is_error *err)
{
	is_error_print(err, "is-ledger", stderr);
	is_error_release(err);
	return IS_EXIT_FAILURE;
}

static const struct is_option no_options[] = { IS_OPTIONS_COMMON, { 0 } };

const struct is_command is_ledger_cli_record = {
	"is-ledger record", "[options]", "not yet", no_options, NULL, NULL };
const struct is_command is_ledger_cli_lock = {
	"is-ledger lock", "[options]", "not yet", no_options, NULL, NULL };
const struct is_command is_ledger_cli_unlock = {
	"is-ledger unlock", "[options]", "not yet", no_options, NULL, NULL };
const struct is_command is_ledger_cli_locks = {
	"is-ledger locks", "[options]", "not yet", no_options, NULL, NULL };
const struct is_command is_ledger_cli_verify = {
	"is-ledger verify", "[options]", "not yet", no_options, NULL, NULL };
const struct is_command is_ledger_cli_next_run_id = {
	"is-ledger next-run-id", "[options]", "not yet", no_options, NULL, NULL };

static int not_yet(struct is_ledger *lg, int argc, char **argv)
{
	struct is_error err = IS_ERROR_INIT;

	(void)argc;
	if (is_ledger_open(lg, &err) < 0)
		return is_ledger_cmd_fail(&err);
	fprintf(stderr, "is-ledger: %s: not implemented yet\n", argv[0]);
	return IS_EXIT_FAILURE;
}

int is_ledger_cmd_record(struct is_ledger *lg, int argc, char **argv)
{
	return not_yet(lg, argc, argv);
}

int is_ledger_cmd_lock(struct is_ledger *lg, int argc, char **argv)
{
	return not_yet(lg, argc, argv);
}

int is_ledger_cmd_unlock(struct is_ledger *lg, int argc, char **argv)
{
	return not_yet(lg, argc, argv);
}

int is_ledger_cmd_locks(struct is_ledger *lg, int argc, char **argv)
{
	return not_yet(lg, argc, argv);
}

int is_ledger_cmd_verify(struct is_ledger *lg, int argc, char **argv)
{
	return not_yet(lg, argc, argv);
}

int is_ledger_cmd_next_run_id(struct is_ledger *lg, int argc, char **argv)
{
	return not_yet(lg, argc, argv);
}
