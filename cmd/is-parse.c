/* is-parse: YAML manifests in, resource and group records out (NDJSON). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "json_arena.h"
#include "ndjson.h"
#include "parse.h"
#include "record_write.h"
#include "selector.h"
#include "banned.h"

enum { OPT_FORMAT = 'f', OPT_SELECTOR = 'l', OPT_CHECK = 'c' };

static const struct is_option options[] = {
	{ "format", OPT_FORMAT, "FORMAT", "text json",
	  "diagnostics as text on stderr (default) or as records on stdout" },
	{ "selector", OPT_SELECTOR, "SELECTOR", NULL,
	  "keep records whose labels match (env=prod,tier!=web,team,!old), "
	  "with what they depend on" },
	{ "check", OPT_CHECK, NULL, NULL, "only check the manifests: print no records" },
	IS_OPTIONS_COMMON,
	{ 0 }
};

static const struct is_command command = {
	"is-parse", "[-c] [-f format] [-l selector]... [file | dir | -]...",
	"Parse YAML manifests (files, folders of *.yaml/*.yml, or - for stdin) into\n"
	"resource and group records, one JSON object per line.",
	options, "file",
	"exit status: 0 all valid, 1 a manifest has errors, 2 usage error.\n"
	"see is-parse(1), infrastream-manifest(5), infrastream-records(7)",
};

struct run {
	struct is_ndjson_writer out;
	int json_diagnostics, check_only;
};

static void print_diagnostic(void *ctx, const char *severity, const struct is_error *e)
{
	struct run *run = ctx;
	json_t *rec;

	if (run->json_diagnostics) {
		rec = is_diag_record(severity, e);
		is_ndjson_write(&run->out, rec);
		json_decref(rec);
		return;
	}
	is_error_print_as(e, command.name, severity[0] == 'w' ? "warning" : NULL, stderr);
}

static int emit_record(void *ctx, json_t *record)
{
	struct run *run = ctx;

	if (run->check_only)
		return 0;
	return is_record_write(&run->out, record);
}

static int parse_inputs(struct run *run, struct is_diag *diag,
                        const struct is_selector *sel, int argc, char **argv)
{
	struct is_parse *p = is_parse_new(diag, emit_record, run, sel);
	int i, rc = 0;

	if (optind == argc)
		rc = is_parse_path(p, "-", stdout);
	for (i = optind; i < argc && rc == 0; i++)
		rc = is_parse_path(p, argv[i], stdout);
	if (rc == 0)
		rc = is_parse_finish(p);
	is_parse_free(p);
	return rc;
}

int main(int argc, char **argv)
{
	struct run run = { 0 };
	struct is_diag diag = { print_diagnostic, &run, 0, 0 };
	struct is_selector sel;
	struct is_error err = IS_ERROR_INIT;
	int c, code = IS_EXIT_OK, selecting = 0, rc;

	is_selector_init(&sel);
	is_json_arena_install();
	while ((c = is_cli_next(&command, argc, argv, &code)) != -1) {
		if (c == IS_OPT_EXIT)
			goto done;
		if (c == OPT_FORMAT && strcmp(optarg, "text") && strcmp(optarg, "json")) {
			code = is_cli_usage_error(&command, "unknown format '%s' (text or json)", optarg);
			goto done;
		}
		if (c == OPT_SELECTOR && is_selector_parse(&sel, optarg, &err) < 0) {
			code = is_cli_usage_error(&command, "%s", err.message);
			goto done;
		}
		run.json_diagnostics |= c == OPT_FORMAT && !strcmp(optarg, "json");
		run.check_only |= c == OPT_CHECK;
		selecting |= c == OPT_SELECTOR;
	}
	if (optind == argc && isatty(0)) {
		code = is_cli_usage_error(&command, "no input: name manifest files or folders, "
		                          "or - to read standard input");
		goto done;
	}
	is_ndjson_writer_init(&run.out, stdout);
	rc = parse_inputs(&run, &diag, selecting ? &sel : NULL, argc, argv);
	is_ndjson_writer_release(&run.out);
	code = is_cli_finish(&command, rc < 0 || diag.errors ? IS_EXIT_FAILURE : IS_EXIT_OK);
done:
	is_selector_release(&sel);
	is_json_arena_uninstall();
	is_error_release(&err);
	return code;
}
