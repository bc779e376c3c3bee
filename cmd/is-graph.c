/*
 * is-graph: resource and group records in, the same records out in execution
 * order with level, order, critical and action added, then a plan record; or
 * a rendering of the plan (DOT, Mermaid, text, markdown, layers).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ndjson.h"
#include "plan.h"
#include "render.h"
#include "selector.h"
#include "xalloc.h"

enum { OPT_PRIOR = 256, OPT_TARGET, OPT_EXCLUDE, OPT_DOWNSTREAM, OPT_LAYERS };

static const struct is_option options[] = {
	{ "format", 'f', "FORMAT", "ndjson dot mermaid text markdown layers",
	  "output format (default ndjson)" },
	{ "prior", OPT_PRIOR, "FILE", "file", "plan against the state records in FILE" },
	{ "target", OPT_TARGET, "ID", NULL, "only ID and what it needs (repeatable)" },
	{ "exclude", OPT_EXCLUDE, "ID", NULL, "leave out ID and what needs it (repeatable)" },
	{ "downstream", OPT_DOWNSTREAM, "ID", NULL,
	  "ID and everything that needs it (repeatable)" },
	{ "selector", 'l', "SELECTOR", NULL,
	  "only resources whose labels match, and what they need" },
	{ "layers", OPT_LAYERS, NULL, NULL, "print the topological layers (-f layers)" },
	IS_OPTIONS_COMMON,
	{ 0 }
};

static const struct is_command command = {
	"is-graph", "[-f format] [--prior file] [-l selector] [--target id] [file ...]",
	"order resource records by their dependencies and plan them against prior state",
	options, "file", NULL
};

static const char *const formats[] = { "ndjson", "dot", "mermaid", "text",
                                       "markdown", "layers", NULL };
enum { F_NDJSON, F_DOT, F_MERMAID, F_TEXT, F_MARKDOWN, F_LAYERS };

struct args {
	int format, nsel;
	const char *prior;
	struct is_selector selector;
	struct is_plan_filter filter;
};

/* The first error diagnostic of one input, for the message that refuses it. */
struct input {
	const char *name;
	struct is_error first;
	int has_error, pass;
};

static void report(const struct is_error *err, void *ctx)
{
	(void)ctx;
	is_error_print(err, command.name, stderr);
}

static void push(const char ***list, size_t *n, const char *value)
{
	*list = is_xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = value;
}

static int parse_args(struct args *a, int argc, char **argv, int *code)
{
	struct is_error err = IS_ERROR_INIT;
	int c, i;

	while ((c = is_cli_next(&command, argc, argv, code)) != -1) {
		switch (c) {
		case IS_OPT_EXIT: return -1;
		case 'f':
			for (i = 0; formats[i] && strcmp(formats[i], optarg); i++)
				;
			if (!formats[i]) {
				*code = is_cli_usage_error(&command, "unknown format '%s'", optarg);
				return -1;
			}
			a->format = i;
			break;
		case OPT_LAYERS: a->format = F_LAYERS; break;
		case OPT_PRIOR: a->prior = optarg; break;
		case OPT_TARGET: push(&a->filter.targets, &a->filter.ntargets, optarg); break;
		case OPT_EXCLUDE: push(&a->filter.excludes, &a->filter.nexcludes, optarg); break;
		case OPT_DOWNSTREAM:
			push(&a->filter.downstream, &a->filter.ndownstream, optarg);
			break;
		case 'l':
			if (is_selector_parse(&a->selector, optarg, &err) < 0) {
				*code = is_cli_usage_error(&command, "%s", err.message);
				is_error_release(&err);
				return -1;
			}
			a->nsel++;
			break;
		}
	}
	return 0;
}

/*
 * is-parse ends its output with an error diagnostic when the manifests had
 * errors, and leaves out the records that had them: planning what is left
 * would delete what is only missing because of a typo. Remember the first.
 */
static void note_diagnostic(struct input *in, const char *text, size_t len)
{
	json_t *rec = json_loadb(text, len, 0, NULL);
	const char *severity = json_string_value(json_object_get(rec, "severity"));
	const char *message = json_string_value(json_object_get(rec, "message"));

	if (!in->has_error && severity && !strcmp(severity, "error")) {
		in->has_error = 1;
		is_error_set(&in->first, "graph-input-errors",
		             json_string_value(json_object_get(rec, "file")),
		             (long)json_integer_value(json_object_get(rec, "line")),
		             (long)json_integer_value(json_object_get(rec, "col")), "%s",
		             message ? message : "an error");
	}
	json_decref(rec);
}

/* A record the plan does not take: passed on unchanged, unless it is a plan
 * record from an earlier run, which is replaced rather than repeated. */
static void other(const char *type, const char *text, size_t len, void *ctx)
{
	struct input *in = ctx;

	if (!strcmp(type, "diagnostic"))
		note_diagnostic(in, text, len);
	if (in->pass && strcmp(type, "plan")) {
		fwrite(text, 1, len, stdout);
		putchar('\n');
	}
}

/* Before a read that would block: what was passed on goes to the next stage. */
static void flush(void *ctx)
{
	(void)ctx;
	fflush(stdout);
}

/* "is-graph: NAME: input has errors (from is-parse): file:1:2: message; ..." */
static void refuse(const struct input *in)
{
	const struct is_error *d = &in->first;

	fprintf(stderr, "%s: %s: input has errors (from is-parse): ", command.name,
	        in->name);
	if (d->file)
		fprintf(stderr, d->col > 0 ? "%s:%ld:%ld: " : d->line > 0 ? "%s:%ld: " : "%s: ",
		        d->file, d->line, d->col);
	fprintf(stderr, "%s; fix the manifests first\n", d->message);
}

/*
 * Reads one input; returns 0, 1 when it carried an error diagnostic (it is
 * then refused), or -1 when something in it was wrong.
 */
static int read_input(struct is_plan *p, const char *name, int prior, int pass)
{
	struct input in = { name, IS_ERROR_INIT, 0, pass };
	struct is_plan_reading how = { prior, other, report, flush, NULL };
	int fd = strcmp(name, "-") ? open(name, O_RDONLY) : 0;
	size_t problems;

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", command.name, name, strerror(errno));
		return -1;
	}
	if (!strcmp(name, "-"))
		in.name = "<stdin>";
	how.ctx = &in;
	problems = is_plan_read(p, fd, name, &how);
	if (in.has_error)
		refuse(&in);
	is_error_release(&in.first);
	if (fd > 0)
		close(fd);
	return problems ? -1 : in.has_error;
}

static int render(const struct is_plan *p, int format)
{
	switch (format) {
	case F_DOT: return is_render_dot(p, stdout);
	case F_MERMAID: return is_render_mermaid(p, stdout);
	case F_TEXT: return is_render_text(p, stdout);
	case F_MARKDOWN: return is_render_markdown(p, stdout);
	case F_LAYERS: return is_plan_write_layers(p, stdout);
	}
	return is_plan_write_ndjson(p, stdout);
}

static int run(struct args *a, struct is_plan *p, int argc, char **argv)
{
	struct is_error err = IS_ERROR_INIT;
	int i, rc, failed = 0, refused = 0;

	p->keep_labels = a->nsel > 0;
	a->filter.selector = a->nsel ? &a->selector : NULL;
	if (a->prior && read_input(p, a->prior, 1, 0) < 0)
		failed = 1;
	for (i = optind; i < argc || (i == optind && i == argc); i++) {
		rc = read_input(p, i < argc ? argv[i] : "-", 0, a->format == F_NDJSON);
		failed |= rc < 0;
		refused |= rc > 0;
	}
	/* What is missing because of the errors would read as deletes and
	 * dangling dependencies: plan nothing, and say nothing more. */
	if (refused)
		return IS_EXIT_FAILURE;
	if (is_plan_finish(p, report, NULL) > 0 || failed)
		return IS_EXIT_FAILURE;
	if (is_plan_select(p, &a->filter, &err) < 0) {
		report(&err, NULL);
		is_error_release(&err);
		return IS_EXIT_FAILURE;
	}
	is_plan_sequence(p);
	return render(p, a->format) < 0 ? IS_EXIT_FAILURE : IS_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct args a;
	struct is_plan plan;
	int code = IS_EXIT_OK;

	memset(&a, 0, sizeof(a));
	is_selector_init(&a.selector);
	is_plan_init(&plan);
	if (parse_args(&a, argc, argv, &code) == 0)
		code = is_cli_finish(&command, run(&a, &plan, argc, argv));
	is_plan_release(&plan);
	is_selector_release(&a.selector);
	free(a.filter.targets);
	free(a.filter.excludes);
	free(a.filter.downstream);
	return code;
}
