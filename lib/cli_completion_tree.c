/*
 * Completion scripts for a command with subcommands, from the same option
 * tables as everything else: the words before the subcommand complete to the
 * command's own options, the first operand to the subcommands, and the words
 * after it to that subcommand's options and operands.
 */
#include <string.h>

#include "cli.h"
#include "banned.h"

static void quoted(const char *s, FILE *fp)
{
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
}

/* The bash "case $prev" and "case $cur" of one option table. */
static void bash_level(const struct is_command *c, const char *operands, FILE *fp,
                       const char *indent)
{
	const struct is_option *o;

	fprintf(fp, "%scase $prev in\n", indent);
	for (o = c->options; o->name; o++) {
		if (!o->arg)
			continue;
		fprintf(fp, "%s--%s", indent, o->name);
		if (o->key > 0 && o->key < 128)
			fprintf(fp, "|-%c", o->key);
		if (o->complete && !strcmp(o->complete, "file"))
			fputs(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", fp);
		else if (o->complete && !strcmp(o->complete, "dir"))
			fputs(") COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n", fp);
		else if (o->complete)
			fprintf(fp, ") COMPREPLY=($(compgen -W '%s' -- \"$cur\")); return ;;\n",
			        o->complete);
		else
			fputs(") return ;;\n", fp);
	}
	fprintf(fp, "%sesac\n%scase $cur in\n%s-*) COMPREPLY=($(compgen -W '", indent,
	        indent, indent);
	for (o = c->options; o->name; o++)
		fprintf(fp, "%s--%s", o == c->options ? "" : " ", o->name);
	fputs("' -- \"$cur\")) ;;\n", fp);
	if (operands && !strcmp(operands, "dir"))
		fprintf(fp, "%s*) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n", indent);
	else if (operands && !strcmp(operands, "file"))
		fprintf(fp, "%s*) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n", indent);
	else if (operands)
		fprintf(fp, "%s*) COMPREPLY=($(compgen -W '%s' -- \"$cur\")) ;;\n", indent,
		        operands);
	fprintf(fp, "%sesac\n", indent);
}

static void bash(const struct is_command *cmd, const struct is_cli_sub *subs, size_t n,
                 FILE *fp)
{
	const struct is_option *o;
	size_t i;

	is_cli_bash_function_name(cmd, fp);
	fputs("()\n{\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= sub= i\n", fp);
	fputs("\t[ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n", fp);
	fputs("\tfor ((i = 1; i < COMP_CWORD; i++)); do\n\t\tcase ${COMP_WORDS[i]} in\n",
	      fp);
	for (o = cmd->options; o->name; o++)
		if (o->arg)
			fprintf(fp, "\t\t--%s) ((i++)) ;;\n", o->name);
	fputs("\t\t-*) ;;\n\t\t*) sub=${COMP_WORDS[i]}; break ;;\n\t\tesac\n\tdone\n", fp);
	fputs("\tcase $sub in\n\t'')\n", fp);
	bash_level(cmd, cmd->operands, fp, "\t\t");
	fputs("\t\t;;\n", fp);
	for (i = 0; i < n; i++) {
		if (!subs[i].cmd)
			continue;
		fprintf(fp, "\t%s)\n", subs[i].name);
		bash_level(subs[i].cmd, subs[i].cmd->operands, fp, "\t\t");
		fputs("\t\t;;\n", fp);
	}
	fputs("\tesac\n}\ncomplete -o filenames -F ", fp);
	is_cli_bash_function_name(cmd, fp);
	fprintf(fp, " %s\n", cmd->name);
}

static void zsh(const struct is_command *cmd, const struct is_cli_sub *subs, size_t n,
                FILE *fp)
{
	const char *h;
	size_t i;

	fprintf(fp, "(( $+functions[_infrastream_%s] )) ||\n", cmd->name + 3);
	fprintf(fp, "_infrastream_%s() {\n\tlocal curcontext=$curcontext state line\n"
	        "\t_arguments -C -s \\\n", cmd->name + 3);
	is_cli_zsh_options(cmd, fp, "\t\t");
	fputs("\t\t'1:subcommand:((", fp);
	for (i = 0; i < n; i++) {
		fprintf(fp, "%s%s\\:", i ? " " : "", subs[i].name);
		fputc('"', fp);
		for (h = subs[i].help; *h; h++) {
			if (*h == '\'')
				fputs("'\\''", fp);
			else if (*h == '"' || *h == '\\' || *h == '$' || *h == ':')
				fprintf(fp, "\\%c", *h);
			else
				fputc(*h, fp);
		}
		fputc('"', fp);
	}
	fputs("))' \\\n\t\t'*:: :->args'\n", fp);
	fputs("\t[[ $state == args ]] || return\n\tcase $words[1] in\n", fp);
	for (i = 0; i < n; i++) {
		const char *ops;

		if (!subs[i].cmd)
			continue;
		ops = subs[i].cmd->operands;
		fprintf(fp, "\t%s) _arguments -s \\\n", subs[i].name);
		is_cli_zsh_options(subs[i].cmd, fp, "\t\t");
		if (ops && !strcmp(ops, "file"))
			fputs("\t\t'*:operand:_files' ;;\n", fp);
		else if (ops && !strcmp(ops, "dir"))
			fputs("\t\t'*:operand:_files -/' ;;\n", fp);
		else
			fputs("\t\t'*: :' ;;\n", fp);
	}
	fputs("\tesac\n}\n", fp);
}

static void fish_options(const struct is_command *cmd, const struct is_command *c,
                         const char *cond, FILE *fp)
{
	const struct is_option *o;

	for (o = c->options; o->name; o++) {
		fprintf(fp, "complete -c %s -n '%s' -l %s", cmd->name, cond, o->name);
		if (o->key > 0 && o->key < 128)
			fprintf(fp, " -s %c", o->key);
		if (o->arg && is_cli_completes_path(o->complete))
			fputs(" -r -F", fp);
		else if (o->arg && o->complete)
			fprintf(fp, " -x -a '%s'", o->complete);
		else if (o->arg)
			fputs(" -x", fp);
		fputs(" -d '", fp);
		quoted(o->help, fp);
		fputs("'\n", fp);
	}
}

static void fish(const struct is_command *cmd, const struct is_cli_sub *subs, size_t n,
                 FILE *fp)
{
	size_t i;

	fprintf(fp, "complete -c %s -f\n", cmd->name);
	fish_options(cmd, cmd, "__fish_use_subcommand", fp);
	for (i = 0; i < n; i++) {
		fprintf(fp, "complete -c %s -n '__fish_use_subcommand' -a %s -d '", cmd->name,
		        subs[i].name);
		quoted(subs[i].help, fp);
		fputs("'\n", fp);
	}
	for (i = 0; i < n; i++) {
		char cond[128];

		if (!subs[i].cmd)
			continue;
		snprintf(cond, sizeof(cond), "__fish_seen_subcommand_from %s", subs[i].name);
		fish_options(cmd, subs[i].cmd, cond, fp);
		if (subs[i].cmd->operands && is_cli_completes_path(subs[i].cmd->operands))
			fprintf(fp, "complete -c %s -n '%s' -F\n", cmd->name, cond);
	}
}

int is_cli_completion_tree(const struct is_command *cmd, const struct is_cli_sub *subs,
                           size_t nsubs, const char *shell, FILE *fp)
{
	if (!strcmp(shell, "bash"))
		bash(cmd, subs, nsubs, fp);
	else if (!strcmp(shell, "zsh"))
		zsh(cmd, subs, nsubs, fp);
	else if (!strcmp(shell, "fish"))
		fish(cmd, subs, nsubs, fp);
	else
		return -1;
	return 0;
}
