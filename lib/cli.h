#ifndef IS_CLI_H
#define IS_CLI_H
#include <getopt.h>
#include <stdio.h>

/*
 * One table of options per command feeds getopt_long, --help and the shell
 * completions, so the three can never disagree.
 */
struct is_option {
	const char *name;       /* long name without "--" */
	int key;                /* short letter, or a value >= 256 for long-only */
	const char *arg;        /* metavariable ("FILE"), NULL for a flag */
	const char *complete;   /* "file", "dir", or space-separated choices; NULL */
	const char *help;       /* one line */
};

struct is_command {
	const char *name;       /* "is-parse" */
	const char *synopsis;   /* after the name: "[options] [file|dir|-]..." */
	const char *summary;    /* one line: what the command does */
	const struct is_option *options;   /* ends with a zeroed entry */
	const char *operands;   /* how operands complete: "file", "dir", NULL */
	const char *footer;     /* extra lines after the options, or NULL */
};

/* Keys of the options every command has; tables list them with these keys. */
enum {
	IS_OPT_HELP = 'h',
	IS_OPT_VERSION = 1000,
	IS_OPT_COMPLETION = 1001,   /* hidden: prints a shell's completion script */
};
#define IS_OPTIONS_COMMON \
	{ "help", IS_OPT_HELP, NULL, NULL, "show this help and exit" }, \
	{ "version", IS_OPT_VERSION, NULL, NULL, "show the version and exit" }

/*
 * getopt_long over the table. Returns the key of the next option, -1 at the
 * end of options, or '?' after reporting a usage error on stderr. --help,
 * --version and --completion are handled here: the function then returns
 * IS_OPT_EXIT and *exit_code says how the command should exit.
 */
enum { IS_OPT_EXIT = -2 };
int is_cli_next(const struct is_command *cmd, int argc, char **argv,
                int *exit_code);
/* Reports a usage error ("try 'is-x --help'") and returns IS_EXIT_USAGE. */
int is_cli_usage_error(const struct is_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the help screen to fp. */
void is_cli_help(const struct is_command *cmd, FILE *fp);
/* Writes the completion script of one shell (bash, zsh or fish). */
int is_cli_completion(const struct is_command *cmd, const char *shell, FILE *fp);
/*
 * The same for a command with subcommands ("is-ledger record ..."): cmd's
 * options before the subcommand, the subcommands' names as the first
 * operand, then the options and operands of the one given. A command calls
 * it for "--completion SHELL" before is_cli_next would.
 */
struct is_cli_sub {
	const char *name;               /* "record" */
	const char *help;               /* one line */
	const struct is_command *cmd;   /* its options; NULL: none */
};
int is_cli_completion_tree(const struct is_command *cmd, const struct is_cli_sub *subs,
                           size_t nsubs, const char *shell, FILE *fp);
/* For both completion writers: the name of cmd's bash function ("_is_graph"),
 * to fp; and whether a completion kind ("file", "dir") completes paths. */
void is_cli_bash_function_name(const struct is_command *cmd, FILE *fp);
int is_cli_completes_path(const char *complete);
void is_cli_zsh_escape(const char *s, FILE *fp);
/* One _arguments line per option of c, each after indent (zsh completions). */
void is_cli_zsh_options(const struct is_command *c, FILE *fp, const char *indent);
/*
 * Flushes and closes stdout; reports a failed write on stderr (a full disk or
 * a closed pipe must not pass silently). Returns code, or IS_EXIT_FAILURE
 * when the output failed.
 */
int is_cli_finish(const struct is_command *cmd, int code);
/* Parses a non-negative integer option value; -1 on junk. */
long is_cli_number(const char *text);

#endif
