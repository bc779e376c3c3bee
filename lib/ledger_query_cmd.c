/*
 * The query subcommands of is-ledger: runs, events, state, history, diff,
 * graph, search, downstream. Each has its own option table (for --help and
 * the completions); one parser fills a struct is_ledger_query from any of
 * them, and a runner per subcommand checks what it needs and calls its query.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_query.h"
#include "xalloc.h"
#include "banned.h"

enum {
	OPT_AT = 256, OPT_RUN, OPT_ID, OPT_FROM, OPT_TO, OPT_FOLLOW, OPT_INTERVAL,
	OPT_LIMIT, OPT_RAW
};

#define OPT_FORMAT(choices) \
	{ "format", 'f', "FORMAT", choices, "output format: " choices " (default ndjson)" }
#define OPT_AT_TIME \
	{ "at", OPT_AT, "TIME", NULL, "as of TIME: RFC 3339, a run id, 'now' or -1h30m" }
#define OPT_RUN_END(what) \
	{ "run", OPT_RUN, "ID", NULL, what }

static const struct is_option runs_options[] = {
	OPT_FORMAT("ndjson table"), IS_OPTIONS_COMMON, { 0 }
};
static const struct is_option events_options[] = {
	OPT_FORMAT("ndjson table"),
	OPT_RUN_END("the run (default: the latest)"),
	{ "follow", OPT_FOLLOW, NULL, NULL, "keep writing events as they commit, "
	  "until the run ends" },
	{ "interval", OPT_INTERVAL, "MS", NULL, "--follow polls every MS milliseconds "
	  "(default 100)" },
	IS_OPTIONS_COMMON, { 0 }
};
static const struct is_option state_options[] = {
	OPT_FORMAT("ndjson table"), OPT_AT_TIME,
	OPT_RUN_END("as the run ID left it (at its end)"),
	{ "id", OPT_ID, "ID", NULL, "only this resource (repeatable)" },
	IS_OPTIONS_COMMON, { 0 }
};
static const struct is_option history_options[] = {
	OPT_FORMAT("ndjson table"), IS_OPTIONS_COMMON, { 0 }
};
static const struct is_option diff_options[] = {
	OPT_FORMAT("ndjson table"),
	{ "from", OPT_FROM, "TIME", NULL, "the earlier instant (default: the beginning)" },
	{ "to", OPT_TO, "TIME", NULL, "the later instant (default: now)" },
	IS_OPTIONS_COMMON, { 0 }
};
static const struct is_option graph_options[] = {
	OPT_FORMAT("ndjson table dot"), OPT_AT_TIME,
	OPT_RUN_END("as the run ID left it (at its end)"),
	IS_OPTIONS_COMMON, { 0 }
};
static const struct is_option search_options[] = {
	OPT_FORMAT("ndjson table"),
	{ "raw", OPT_RAW, NULL, NULL, "TEXT is an FTS5 query (OR, NEAR, prefix*)" },
	{ "limit", OPT_LIMIT, "N", NULL, "at most N resources" },
	IS_OPTIONS_COMMON, { 0 }
};
static const struct is_option downstream_options[] = {
	OPT_FORMAT("ndjson table dot"), OPT_AT_TIME,
	OPT_RUN_END("as the run ID left it (at its end)"),
	IS_OPTIONS_COMMON, { 0 }
};

const struct is_command is_ledger_cli_runs = {
	"is-ledger runs", "[-f format]",
	"list the recorded runs, oldest first (by time, not by id)",
	runs_options, NULL, NULL
};
const struct is_command is_ledger_cli_events = {
	"is-ledger events", "[-f format] [--run id] [--follow]",
	"write the records of one run; --follow writes them as they commit",
	events_options, NULL, NULL
};
const struct is_command is_ledger_cli_state = {
	"is-ledger state", "[-f format] [--at time | --run id] [--id id ...]",
	"write the state records of what existed at an instant (for is-graph --prior)",
	state_options, NULL, NULL
};
const struct is_command is_ledger_cli_history = {
	"is-ledger history", "[-f format] id",
	"write every recorded version of a resource, tombstones included",
	history_options, NULL, NULL
};
const struct is_command is_ledger_cli_diff = {
	"is-ledger diff", "[-f format] [--from time] [--to time]",
	"write the resources and edges added, removed and changed between two instants",
	diff_options, NULL, NULL
};
const struct is_command is_ledger_cli_graph = {
	"is-ledger graph", "[-f format] [--at time | --run id]",
	"write the recorded topology of an instant, as node records or DOT",
	graph_options, NULL, NULL
};
const struct is_command is_ledger_cli_search = {
	"is-ledger search", "[-f format] [--raw] [--limit n] text ...",
	"search ids, kinds, labels and specs of every recorded version (FTS5)",
	search_options, NULL, NULL
};
const struct is_command is_ledger_cli_downstream = {
	"is-ledger downstream", "[-f format] [--at time | --run id] id",
	"write everything that depends on a resource, directly or not (blast radius)",
	downstream_options, NULL, NULL
};

/* A TIME that cannot be read is bad usage (exit 2), found before any query. */
static int check_time(const struct is_command *cli, const char *text, int *code)
{
	struct is_error err = IS_ERROR_INIT;
	const char *c;
	int64_t ms;

	if (!text)
		return 0;
	for (c = text; *c >= '0' && *c <= '9'; c++)
		;
	if (*text && !*c)
		return 0;
	if (is_ledger_time_parse(text, is_ledger_now_ms(), &ms, &err) == 0)
		return 0;
	*code = is_cli_usage_error(cli, "%s", err.message);
	is_error_release(&err);
	return -1;
}

struct parsed {
	struct is_ledger_query q;
	const char **ids;
	size_t nids;
	char *operand;
};

static int parse(const struct is_command *cli, struct is_ledger *lg, int argc,
                 char **argv, struct parsed *p, int *code)
{
	static const char *const formats[] = { "ndjson", "table", "dot", NULL };
	int c, i;
	long n;

	memset(p, 0, sizeof(*p));
	p->q.lg = lg;
	p->q.fp = stdout;
	while ((c = is_cli_next(cli, argc, argv, code)) != -1) {
		switch (c) {
		case IS_OPT_EXIT: return -1;
		case 'f':
			for (i = 0; formats[i] && strcmp(formats[i], optarg); i++)
				;
			if (!formats[i] || !strstr(cli->options[0].complete, formats[i])) {
				*code = is_cli_usage_error(cli, "unknown format '%s' (%s)", optarg,
				                           cli->options[0].complete);
				return -1;
			}
			p->q.format = i;
			break;
		case OPT_AT: p->q.at = optarg; break;
		case OPT_RUN: p->q.run = optarg; break;
		case OPT_FROM: p->q.from = optarg; break;
		case OPT_TO: p->q.to = optarg; break;
		case OPT_FOLLOW: p->q.follow = 1; break;
		case OPT_RAW: p->q.raw = 1; break;
		case OPT_ID:
			p->ids = is_xrealloc(p->ids, (p->nids + 1) * sizeof(*p->ids));
			p->ids[p->nids++] = optarg;
			break;
		case OPT_INTERVAL:
		case OPT_LIMIT:
			if ((n = is_cli_number(optarg)) < (c == OPT_INTERVAL) || n > 1000000000) {
				*code = is_cli_usage_error(cli, "bad number '%s'", optarg);
				return -1;
			}
			if (c == OPT_INTERVAL)
				p->q.interval_ms = (int)n;
			else
				p->q.limit = (int)n;
			break;
		}
	}
	if (p->q.at && p->q.run) {
		*code = is_cli_usage_error(cli, "--at and --run cannot go together");
		return -1;
	}
	if (check_time(cli, p->q.at, code) < 0 || check_time(cli, p->q.from, code) < 0 ||
	    check_time(cli, p->q.to, code) < 0)
		return -1;
	return 0;
}

static void parsed_release(struct parsed *p)
{
	free(p->ids);
	free(p->operand);
}

/* Operands joined by spaces (search), or exactly one (history, downstream). */
static int operand(const struct is_command *cli, int argc, char **argv,
                   struct parsed *p, int join, int *code)
{
	size_t len = 0;
	int i;

	if (optind >= argc || (!join && optind + 1 < argc)) {
		*code = is_cli_usage_error(cli, optind >= argc ? "an operand is needed"
		                                               : "too many operands");
		return -1;
	}
	for (i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	p->operand = is_xmalloc(len + 1);
	p->operand[0] = '\0';
	for (len = 0, i = optind; i < argc; i++)
		len += (size_t)snprintf(p->operand + len, strlen(argv[i]) + 2, "%s%s",
		                        len ? " " : "", argv[i]);
	p->q.operand = p->operand;
	return 0;
}

static int no_operands(const struct is_command *cli, int argc, char **argv, int *code)
{
	if (optind < argc) {
		*code = is_cli_usage_error(cli, "unexpected operand '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

typedef int query_fn(const struct is_ledger_query *q, struct is_error *err);

static int finish(const struct is_command *cli, query_fn *fn, struct parsed *p)
{
	struct is_error err = IS_ERROR_INIT;
	int code = IS_EXIT_OK;

	if (fn(&p->q, &err) < 0)
		code = is_ledger_cmd_fail(&err);
	parsed_release(p);
	return is_cli_finish(cli, code);
}

int is_ledger_cmd_runs(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cli = &is_ledger_cli_runs;
	struct parsed p;
	int code = IS_EXIT_OK;

	if (parse(cli, lg, argc, argv, &p, &code) < 0 ||
	    no_operands(cli, argc, argv, &code) < 0) {
		parsed_release(&p);
		return code;
	}
	return finish(cli, is_ledger_query_runs, &p);
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

int is_ledger_cmd_events(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cli = &is_ledger_cli_events;
	struct sigaction sa;
	struct parsed p;
	int code = IS_EXIT_OK;

	if (parse(cli, lg, argc, argv, &p, &code) < 0 ||
	    no_operands(cli, argc, argv, &code) < 0) {
		parsed_release(&p);
		return code;
	}
	/* No SA_RESTART: a signal ends the pause between polls at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	p.q.stop = &stop_signal;
	code = finish(cli, is_ledger_query_events, &p);
	/* Stopped by a signal: the shell's convention, 128 + its number. */
	return stop_signal && code == IS_EXIT_OK ? 128 + stop_signal : code;
}

static char state_out[1 << 16];

int is_ledger_cmd_state(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cli = &is_ledger_cli_state;
	struct parsed p;
	int code = IS_EXIT_OK;

	if (parse(cli, lg, argc, argv, &p, &code) < 0) {
		parsed_release(&p);
		return code;
	}
	/* Operands are ids too: "is-ledger state Noop/a Noop/b". */
	for (; optind < argc; optind++) {
		p.ids = is_xrealloc(p.ids, (p.nids + 1) * sizeof(*p.ids));
		p.ids[p.nids++] = argv[optind];
	}
	p.q.ids = p.ids;
	p.q.nids = p.nids;
	/* A whole state at once (megabytes): in 64 KiB writes, not 4 KiB ones
	 * (glibc keeps its own size when given no buffer). */
	setvbuf(stdout, state_out, _IOFBF, sizeof(state_out));
	return finish(cli, is_ledger_query_state, &p);
}

static int with_operand(const struct is_command *cli, query_fn *fn, int join,
                        struct is_ledger *lg, int argc, char **argv)
{
	struct parsed p;
	int code = IS_EXIT_OK;

	if (parse(cli, lg, argc, argv, &p, &code) < 0 ||
	    operand(cli, argc, argv, &p, join, &code) < 0) {
		parsed_release(&p);
		return code;
	}
	return finish(cli, fn, &p);
}

int is_ledger_cmd_history(struct is_ledger *lg, int argc, char **argv)
{
	return with_operand(&is_ledger_cli_history, is_ledger_query_history, 0, lg,
	                    argc, argv);
}

int is_ledger_cmd_search(struct is_ledger *lg, int argc, char **argv)
{
	return with_operand(&is_ledger_cli_search, is_ledger_search, 1, lg, argc, argv);
}

int is_ledger_cmd_downstream(struct is_ledger *lg, int argc, char **argv)
{
	return with_operand(&is_ledger_cli_downstream, is_ledger_query_downstream, 0, lg,
	                    argc, argv);
}

int is_ledger_cmd_diff(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cli = &is_ledger_cli_diff;
	struct parsed p;
	int code = IS_EXIT_OK;

	if (parse(cli, lg, argc, argv, &p, &code) < 0 ||
	    no_operands(cli, argc, argv, &code) < 0) {
		parsed_release(&p);
		return code;
	}
	return finish(cli, is_ledger_query_diff, &p);
}

int is_ledger_cmd_graph(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cli = &is_ledger_cli_graph;
	struct parsed p;
	int code = IS_EXIT_OK;

	if (parse(cli, lg, argc, argv, &p, &code) < 0 ||
	    no_operands(cli, argc, argv, &code) < 0) {
		parsed_release(&p);
		return code;
	}
	return finish(cli, is_ledger_query_graph, &p);
}
