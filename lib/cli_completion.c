/*
 * Shell completion scripts generated from a command's option table, so the
 * completions say exactly what --help says.
 */
#include <string.h>

#include "cli.h"
#include "banned.h"

int is_cli_completes_path(const char *complete)
{
	return complete && (!strcmp(complete, "file") || !strcmp(complete, "dir"));
}

void is_cli_bash_function_name(const struct is_command *cmd, FILE *fp)
{
	const char *p;

	fputs("_", fp);
	for (p = cmd->name; *p; p++)
		fputc(*p == '-' ? '_' : *p, fp);
}

static void bash_value_case(const struct is_option *o, FILE *fp)
{
	fprintf(fp, "\t\t--%s", o->name);
	if (o->key > 0 && o->key < 128)
		fprintf(fp, "|-%c", o->key);
	if (!strcmp(o->complete, "file"))
		fputs(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", fp);
	else if (!strcmp(o->complete, "dir"))
		fputs(") COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n", fp);
	else
		fprintf(fp, ") COMPREPLY=($(compgen -W '%s' -- \"$cur\")); return ;;\n",
		        o->complete);
}

static void completion_bash(const struct is_command *cmd, FILE *fp)
{
	const struct is_option *o;

	is_cli_bash_function_name(cmd, fp);
	fputs("()\n{\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=\n", fp);
	fputs("\t[ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n", fp);
	fputs("\tcase $prev in\n", fp);
	for (o = cmd->options; o->name; o++)
		if (o->arg && o->complete)
			bash_value_case(o, fp);
	fputs("\tesac\n\tcase $cur in\n\t-*) COMPREPLY=($(compgen -W '", fp);
	for (o = cmd->options; o->name; o++)
		fprintf(fp, "%s--%s", o == cmd->options ? "" : " ", o->name);
	fputs("' -- \"$cur\")) ;;\n", fp);
	if (cmd->operands && !strcmp(cmd->operands, "dir"))
		fputs("\t*) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n", fp);
	else if (cmd->operands)
		fputs("\t*) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n", fp);
	fputs("\tesac\n}\ncomplete -o filenames -F ", fp);
	is_cli_bash_function_name(cmd, fp);
	fprintf(fp, " %s\n", cmd->name);
}

/* Inside a single-quoted _arguments spec: a quote closes, escapes, reopens. */
void is_cli_zsh_escape(const char *s, FILE *fp)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", fp);
		else if (*s == '[' || *s == ']' || *s == ':' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else
			fputc(*s, fp);
	}
}

void is_cli_zsh_options(const struct is_command *c, FILE *fp, const char *indent)
{
	const struct is_option *o;

	for (o = c->options; o->name; o++) {
		fprintf(fp, "%s'", indent);
		if (o->key > 0 && o->key < 128)
			fprintf(fp, "(-%c --%s)'{-%c,--%s}'", o->key, o->name, o->key, o->name);
		else
			fprintf(fp, "--%s", o->name);
		fputc('[', fp);
		is_cli_zsh_escape(o->help, fp);
		fputc(']', fp);
		if (o->arg) {
			fprintf(fp, ":%s:", o->arg);
			if (o->complete && !strcmp(o->complete, "file"))
				fputs("_files", fp);
			else if (o->complete && !strcmp(o->complete, "dir"))
				fputs("_files -/", fp);
			else if (o->complete)
				fprintf(fp, "(%s)", o->complete);
		}
		fputs("' \\\n", fp);
	}
}

static void completion_zsh(const struct is_command *cmd, FILE *fp)
{
	fprintf(fp, "(( $+functions[_infrastream_%s] )) ||\n", cmd->name + 3);
	fprintf(fp, "_infrastream_%s() {\n\t_arguments -s \\\n", cmd->name + 3);
	is_cli_zsh_options(cmd, fp, "\t\t");
	if (cmd->operands)
		fprintf(fp, "\t\t'*:operand:%s'\n", !strcmp(cmd->operands, "dir")
		        ? "_files -/" : "_files");
	else
		fputs("\t\t'*: :'\n", fp);
	fputs("}\n", fp);
}

static void completion_fish(const struct is_command *cmd, FILE *fp)
{
	const struct is_option *o;

	fprintf(fp, "complete -c %s -f\n", cmd->name);
	if (cmd->operands)
		fprintf(fp, "complete -c %s -F\n", cmd->name);
	for (o = cmd->options; o->name; o++) {
		const char *h;

		fprintf(fp, "complete -c %s -l %s", cmd->name, o->name);
		if (o->key > 0 && o->key < 128)
			fprintf(fp, " -s %c", o->key);
		if (o->arg && is_cli_completes_path(o->complete))
			fputs(" -r -F", fp);
		else if (o->arg && o->complete)
			fprintf(fp, " -x -a '%s'", o->complete);
		else if (o->arg)
			fputs(" -x", fp);
		fputs(" -d '", fp);
		for (h = o->help; *h; h++) {
			if (*h == '\'' || *h == '\\')
				fputc('\\', fp);
			fputc(*h, fp);
		}
		fputs("'\n", fp);
	}
}

int is_cli_completion(const struct is_command *cmd, const char *shell, FILE *fp)
{
	if (!strcmp(shell, "bash"))
		completion_bash(cmd, fp);
	else if (!strcmp(shell, "zsh"))
		completion_zsh(cmd, fp);
	else if (!strcmp(shell, "fish"))
		completion_fish(cmd, fp);
	else
		return -1;
	return 0;
}
