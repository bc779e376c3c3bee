#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

enum { MAX_OPTIONS = 64 };

static size_t count_options(const struct is_option *o)
{
	size_t n = 0;

	while (o[n].name)
		n++;
	return n;
}

static void build_getopt(const struct is_command *cmd, struct option *longs,
                         struct is_strbuf *shorts)
{
	const struct is_option *o = cmd->options;
	size_t i, n = count_options(o);

	is_strbuf_addch(shorts, ':');   /* report a missing argument as ':' */
	for (i = 0; i < n && i < MAX_OPTIONS; i++) {
		longs[i].name = o[i].name;
		longs[i].has_arg = o[i].arg ? required_argument : no_argument;
		longs[i].flag = NULL;
		longs[i].val = o[i].key;
		if (o[i].key > 0 && o[i].key < 128) {
			is_strbuf_addch(shorts, (char)o[i].key);
			if (o[i].arg)
				is_strbuf_addch(shorts, ':');
		}
	}
	longs[i].name = "completion";
	longs[i].has_arg = required_argument;
	longs[i].flag = NULL;
	longs[i].val = IS_OPT_COMPLETION;
	memset(&longs[i + 1], 0, sizeof(longs[i + 1]));
}

int is_cli_usage_error(const struct is_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry '%s --help'\n", cmd->name);
	return IS_EXIT_USAGE;
}

static int report_getopt_error(const struct is_command *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return is_cli_usage_error(cmd, "option '%s' needs a value", arg);
	if (optopt > 0 && optopt < 128)
		return is_cli_usage_error(cmd, "unknown option '-%c'", optopt);
	return is_cli_usage_error(cmd, "unknown option '%s'", arg);
}

int is_cli_next(const struct is_command *cmd, int argc, char **argv, int *exit_code)
{
	struct option longs[MAX_OPTIONS + 2];
	struct is_strbuf shorts = IS_STRBUF_INIT;
	int c;

	build_getopt(cmd, longs, &shorts);
	opterr = 0;
	c = getopt_long(argc, argv, shorts.buf, longs, NULL);
	is_strbuf_release(&shorts);
	switch (c) {
	case '?':
	case ':':
		*exit_code = report_getopt_error(cmd, c, argv);
		return IS_OPT_EXIT;
	case IS_OPT_HELP:
		is_cli_help(cmd, stdout);
		*exit_code = is_cli_finish(cmd, IS_EXIT_OK);
		return IS_OPT_EXIT;
	case IS_OPT_VERSION:
		printf("%s (infrastream) %s\n", cmd->name, IS_VERSION);
		*exit_code = is_cli_finish(cmd, IS_EXIT_OK);
		return IS_OPT_EXIT;
	case IS_OPT_COMPLETION:
		if (is_cli_completion(cmd, optarg, stdout) < 0)
			*exit_code = is_cli_usage_error(cmd, "no completion for shell '%s' "
			                                "(bash, zsh or fish)", optarg);
		else
			*exit_code = is_cli_finish(cmd, IS_EXIT_OK);
		return IS_OPT_EXIT;
	}
	return c;
}

void is_cli_help(const struct is_command *cmd, FILE *fp)
{
	const struct is_option *o;

	fprintf(fp, "usage: %s %s\n\n%s\n\noptions:\n", cmd->name, cmd->synopsis,
	        cmd->summary);
	for (o = cmd->options; o->name; o++) {
		char left[64];
		int n = 0;

		if (o->key > 0 && o->key < 128)
			n = snprintf(left, sizeof(left), "-%c, ", o->key);
		else
			n = snprintf(left, sizeof(left), "    ");
		snprintf(left + n, sizeof(left) - (size_t)n, "--%s%s%s", o->name,
		         o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(fp, "  %-26s %s\n", left, o->help);
	}
	if (cmd->footer)
		fprintf(fp, "\n%s\n", cmd->footer);
}

int is_cli_finish(const struct is_command *cmd, int code)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);
	int saved = errno;

	if (fclose(stdout) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (failed) {
		/* A reader that went away on purpose (head) is not our failure. */
		if (saved == EPIPE)
			return code;
		fprintf(stderr, "%s: write error on standard output: %s\n", cmd->name,
		        strerror(saved));
		return IS_EXIT_FAILURE;
	}
	return code;
}

long is_cli_number(const char *text)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 0)
		return -1;
	return v;
}
