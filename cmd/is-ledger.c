/*
 * is-ledger: the append-only history of runs, events, states and locks.
 * "is-ledger record" stores the records of a pipeline and passes them on once
 * they are durable; the other subcommands query, lock and verify.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ledger.h"
#include "ledger_cmd.h"
#include "ledger_query.h"
#include "xalloc.h"

enum { OPT_DB = 256 };

/*
 * The subcommands, in the order --help lists them. One line each: the query
 * subcommands (ledger_query.h) are added beside the others.
 */
static const struct is_ledger_subcommand subcommands[] = {
	{ "record", is_ledger_cmd_record, "store run and event records from stdin, "
	  "pass them on once durable", &is_ledger_cli_record },
	{ "verify", is_ledger_cmd_verify, "check the hash chain and the append-only "
	  "triggers", &is_ledger_cli_verify },
	{ "lock", is_ledger_cmd_lock, "take a named lock (a stack) for an owner",
	  &is_ledger_cli_lock },
	{ "unlock", is_ledger_cmd_unlock, "release a lock held by an owner",
	  &is_ledger_cli_unlock },
	{ "locks", is_ledger_cmd_locks, "list the current lock holders",
	  &is_ledger_cli_locks },
	{ "next-run-id", is_ledger_cmd_next_run_id, "allocate a run id from the "
	  "ledger's sequence (for is-exec --run-id)", &is_ledger_cli_next_run_id },
	{ "runs", is_ledger_cmd_runs, "list the runs, oldest first", &is_ledger_cli_runs },
	{ "events", is_ledger_cmd_events, "write a run's records; --follow as they "
	  "commit", &is_ledger_cli_events },
	{ "state", is_ledger_cmd_state, "state records of an instant (for is-graph "
	  "--prior)", &is_ledger_cli_state },
	{ "history", is_ledger_cmd_history, "every version of a resource",
	  &is_ledger_cli_history },
	{ "diff", is_ledger_cmd_diff, "what changed between two instants",
	  &is_ledger_cli_diff },
	{ "graph", is_ledger_cmd_graph, "the recorded topology of an instant",
	  &is_ledger_cli_graph },
	{ "search", is_ledger_cmd_search, "full-text search of the recorded states",
	  &is_ledger_cli_search },
	{ "downstream", is_ledger_cmd_downstream, "what depends on a resource "
	  "(blast radius)", &is_ledger_cli_downstream },
	{ NULL, NULL, NULL, NULL }
};

static const struct is_option options[] = {
	{ "db", OPT_DB, "PATH", "file", "the ledger: a SQLite file or a postgres:// URI "
	  "(default $IS_LEDGER, else $XDG_STATE_HOME/infrastream/ledger.db)" },
	IS_OPTIONS_COMMON,
	{ 0 }
};

static char operands[512], footer[4096];

static const struct is_command command = {
	"is-ledger", "[--db path] subcommand [options] [argument ...]",
	"the append-only ledger of infrastream: record runs, query history and "
	"state, locks, verify", options, operands, footer
};

/*
 * The subcommand names, space-separated (what the first operand completes
 * to), and the help screen's list of them.
 */
static void list_subcommands(void)
{
	const struct is_ledger_subcommand *s;
	size_t n = 0, f;

	f = (size_t)snprintf(footer, sizeof(footer), "subcommands:\n");
	for (s = subcommands; s->name; s++) {
		n += (size_t)snprintf(operands + n, sizeof(operands) - n, "%s%s",
		                      n ? " " : "", s->name);
		f += (size_t)snprintf(footer + f, sizeof(footer) - f, "  %-26s %s\n",
		                      s->name, s->help);
	}
	snprintf(footer + f, sizeof(footer) - f, "\n"
	         "Run 'is-ledger SUBCOMMAND --help' for the options of one.\n"
	         "Exit status: 0 ok, 1 failure, 2 usage, 3 locked by another owner.");
}

/* "--completion SHELL": the subcommands and their options complete too. */
static int completion(const char *shell)
{
	struct is_cli_sub subs[sizeof(subcommands) / sizeof(subcommands[0])];
	size_t n;

	for (n = 0; subcommands[n].name; n++) {
		subs[n].name = subcommands[n].name;
		subs[n].help = subcommands[n].help;
		subs[n].cmd = subcommands[n].cli;
	}
	if (is_cli_completion_tree(&command, subs, n, shell, stdout) < 0)
		return is_cli_usage_error(&command, "no completion for shell '%s' (bash, "
		                          "zsh or fish)", shell);
	return is_cli_finish(&command, IS_EXIT_OK);
}

/* The index of the first operand: global options stop at the subcommand. */
static int first_operand(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--"))
			return i + 1;
		if (!strcmp(argv[i], "--db") || !strcmp(argv[i], "--completion"))
			i++;
	}
	return i;
}

int main(int argc, char **argv)
{
	const struct is_ledger_subcommand *s;
	struct is_ledger lg;
	const char *db = NULL;
	char *path;
	int code = IS_EXIT_OK, c, k;

	list_subcommands();
	if (argc == 3 && !strcmp(argv[1], "--completion"))
		return completion(argv[2]);
	k = first_operand(argc, argv);
	while ((c = is_cli_next(&command, k < argc ? k : argc, argv, &code)) != -1) {
		switch (c) {
		case IS_OPT_EXIT:
			return code;
		case OPT_DB: db = optarg; break;
		}
	}
	if (optind >= argc)
		return is_cli_usage_error(&command, "a subcommand is needed");
	for (s = subcommands; s->name && strcmp(s->name, argv[optind]); s++)
		;
	if (!s->name)
		return is_cli_usage_error(&command, "unknown subcommand '%s'", argv[optind]);
	if (!(path = db ? is_xstrdup(db) : is_ledger_default_path())) {
		fprintf(stderr, "%s: no ledger path: give --db PATH or set IS_LEDGER\n",
		        command.name);
		return IS_EXIT_USAGE;
	}
	is_ledger_init(&lg, path);
	free(path);
	argc -= optind;
	argv += optind;
	optind = 0;   /* GNU getopt: start afresh for the subcommand's options */
	code = s->run(&lg, argc, argv);
	is_ledger_release(&lg);
	return code;
}
