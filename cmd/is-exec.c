/*
 * is-exec: ordered resource and group records in, run and event records out.
 * Runs each resource's provider the moment its dependencies are READY.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ledger_intent.h"
#include "provider.h"
#include "sched.h"
#include "secret.h"
#include "xalloc.h"

enum { OPT_LIMIT = 256, OPT_FAIL_FAST, OPT_ATOMIC, OPT_SECRETS, OPT_GRACE, OPT_BACKOFF,
       OPT_RUN_ID, OPT_REFRESH, OPT_REFRESH_ONLY, OPT_LEDGER };

/* --refresh-only found drift: not a failure, and not success either. */
enum { EXEC_EXIT_DRIFTED = 4 };

static const struct is_option options[] = {
	{ "jobs", 'j', "N", NULL, "run at most N providers at once (default 4 per CPU)" },
	{ "limit", OPT_LIMIT, "KIND=N", NULL,
	  "run at most N resources of KIND at once (repeatable)" },
	{ "fail-fast", OPT_FAIL_FAST, NULL, NULL, "start nothing new after a failure" },
	{ "atomic", OPT_ATOMIC, NULL, NULL,
	  "on a failure, delete what this run created, in reverse order" },
	{ "dry-run", 'n', NULL, NULL, "write the events that would happen; call no provider" },
	{ "refresh", OPT_REFRESH, NULL, NULL,
	  "read what is planned noop or update first; correct what drifted" },
	{ "refresh-only", OPT_REFRESH_ONLY, NULL, NULL,
	  "read and report drift (exit 4), change nothing" },
	{ "secrets", OPT_SECRETS, "FILE", "file",
	  "read ${secret:NAME} values from FILE (JSON object or NAME=VALUE lines)" },
	{ "grace", OPT_GRACE, "SECONDS", NULL,
	  "after a signal, wait this long for running work (default 30)" },
	{ "backoff", OPT_BACKOFF, "SECONDS", NULL,
	  "first retry delay, doubled each retry, with jitter (default 0.5)" },
	{ "run-id", OPT_RUN_ID, "ID", NULL,
	  "the run's id (from is-ledger next-run-id) instead of one from the clock" },
	{ "ledger", OPT_LEDGER, "DB", "file",
	  "record each change's intent in ledger DB before the provider is called" },
	IS_OPTIONS_COMMON,
	{ 0 }
};

static const struct is_command command = {
	"is-exec", "[-n | --refresh | --refresh-only] [-j jobs] [--limit kind=n] "
	"[--fail-fast] [--atomic] "
	"[--secrets file] [--run-id id] [--ledger db] [file]",
	"run the providers of ordered resource records, each as soon as its "
	"dependencies are ready", options, "file", NULL
};

struct args {
	struct is_sched_config cfg;
	struct is_sched_limit *limits;
	struct is_secrets secrets;
	const char *input;
	int refresh, refresh_only;
	struct is_ledger ledger;
	int has_ledger;
};

static void report(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, "%s: %s\n", command.name, message);
}

static int number(const char *text, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(text, &end);
	return errno || end == text || *end || *out < 0 ? -1 : 0;
}

static int parse_run_id(const char *text, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *end || *text == '-' || v == 0 || v >> 63)
		return -1;
	*out = v;
	return 0;
}

static int add_limit(struct args *a, const char *text, int *code)
{
	const char *eq = strchr(text, '=');
	long n = eq ? is_cli_number(eq + 1) : -1;
	struct is_sched_limit *l;

	if (!eq || eq == text || n < 1 || n > 1000000) {
		*code = is_cli_usage_error(&command, "--limit wants KIND=N with N >= 1, "
		                           "not '%s'", text);
		return -1;
	}
	a->limits = is_xrealloc(a->limits, (a->cfg.nlimits + 1) * sizeof(*a->limits));
	l = &a->limits[a->cfg.nlimits++];
	l->kind = is_xstrndup(text, (size_t)(eq - text));
	l->limit = (int)n;
	a->cfg.limits = a->limits;
	return 0;
}

static int parse_args(struct args *a, int argc, char **argv, int *code)
{
	struct is_error err = IS_ERROR_INIT;
	long n;
	int c;

	while ((c = is_cli_next(&command, argc, argv, code)) != -1) {
		switch (c) {
		case IS_OPT_EXIT: return -1;
		case 'j':
			if ((n = is_cli_number(optarg)) < 1 || n > 100000) {
				*code = is_cli_usage_error(&command, "-j wants a number >= 1, "
				                           "not '%s'", optarg);
				return -1;
			}
			a->cfg.jobs = (int)n;
			break;
		case OPT_LIMIT:
			if (add_limit(a, optarg, code) < 0)
				return -1;
			break;
		case OPT_RUN_ID:
			if (parse_run_id(optarg, &a->cfg.run_id) < 0) {
				*code = is_cli_usage_error(&command, "--run-id wants a number "
				                           "from 1 to 2^63-1, not '%s'", optarg);
				return -1;
			}
			break;
		case OPT_LEDGER:
			if (a->has_ledger)
				is_ledger_release(&a->ledger);
			is_ledger_init(&a->ledger, optarg);
			a->has_ledger = 1;
			break;
		case OPT_FAIL_FAST: a->cfg.fail_fast = 1; break;
		case OPT_ATOMIC: a->cfg.atomic = 1; break;
		case 'n': a->cfg.dry_run = 1; break;
		case OPT_REFRESH: a->refresh = 1; break;
		case OPT_REFRESH_ONLY: a->refresh_only = 1; break;
		case OPT_SECRETS:
			if (is_secrets_load(&a->secrets, optarg, &err) < 0) {
				is_error_print(&err, command.name, stderr);
				is_error_release(&err);
				*code = IS_EXIT_USAGE;
				return -1;
			}
			break;
		case OPT_GRACE:
		case OPT_BACKOFF:
			if (number(optarg, c == OPT_GRACE ? &a->cfg.grace : &a->cfg.backoff) < 0) {
				*code = is_cli_usage_error(&command, "--%s wants seconds, not '%s'",
				                           c == OPT_GRACE ? "grace" : "backoff",
				                           optarg);
				return -1;
			}
			break;
		}
	}
	if (a->cfg.dry_run + a->refresh + a->refresh_only > 1) {
		*code = is_cli_usage_error(&command, "-n, --refresh and --refresh-only "
		                           "exclude each other (--refresh-only is the dry "
		                           "run of --refresh)");
		return -1;
	}
	a->cfg.refresh = a->refresh || a->refresh_only;
	a->cfg.dry_run |= a->refresh_only;
	if (argc - optind > 1) {
		*code = is_cli_usage_error(&command, "one input at most");
		return -1;
	}
	a->input = optind < argc ? argv[optind] : "-";
	return 0;
}

/* is_sched_config.intend: the intents go to the ledger, one commit. */
static int intend(void *ctx, const struct is_sched_intent *v, size_t n, char **error)
{
	struct is_ledger *lg = ctx;
	struct is_ledger_intent *rows = is_xcalloc(n ? n : 1, sizeof(*rows));
	struct is_error err = IS_ERROR_INIT;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rows[i].run = v[i].run;
		rows[i].resource = v[i].id;
		rows[i].kind = v[i].kind;
		rows[i].op = v[i].op;
		rows[i].hash = v[i].hash;
		rows[i].spec = v[i].spec;
		rows[i].spec_len = v[i].spec ? strlen(v[i].spec) : 0;
	}
	rc = is_ledger_intents_write(lg, rows, n, &err);
	if (rc < 0)
		*error = is_xstrdup(err.message ? err.message : "cannot record the intents");
	is_error_release(&err);
	free(rows);
	return rc;
}

/* A handler, not SIG_IGN: a write to a closed pipe fails with EPIPE, which
 * the scheduler reports, and children still start with the default action. */
static void on_sigpipe(int sig)
{
	(void)sig;
}

static int run(struct args *a)
{
	struct is_sched_summary sum;
	struct sigaction sa;
	int fd = strcmp(a->input, "-") ? open(a->input, O_RDONLY) : 0;

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", command.name, a->input, strerror(errno));
		return IS_EXIT_FAILURE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigpipe;
	sigaction(SIGPIPE, &sa, NULL);
	a->cfg.input_fd = fd;
	a->cfg.input_name = strcmp(a->input, "-") ? a->input : "<stdin>";
	a->cfg.out = stdout;
	a->cfg.secrets = &a->secrets;
	a->cfg.find = is_provider_find;
	a->cfg.report = report;
	if (a->has_ledger && !a->cfg.dry_run) {
		struct is_error err = IS_ERROR_INIT;

		if (is_ledger_open(&a->ledger, &err) < 0) {
			is_error_print(&err, command.name, stderr);
			is_error_release(&err);
			if (fd > 0)
				close(fd);
			return IS_EXIT_FAILURE;
		}
		a->cfg.intend = intend;
		a->cfg.intend_ctx = &a->ledger;
	}
	is_sched_run(&a->cfg, &sum);
	is_provider_registry_release();
	if (fd > 0)
		close(fd);
	if (sum.refused)
		fprintf(stderr, "%s: nothing was run: fix the errors is-parse reported\n",
		        command.name);
	if (sum.status < 0)
		return IS_EXIT_FAILURE;
	return a->refresh_only && sum.drifted ? EXEC_EXIT_DRIFTED : IS_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct args a;
	int code = IS_EXIT_OK;
	size_t i;

	memset(&a, 0, sizeof(a));
	a.cfg.jobs = is_sched_default_jobs();
	a.cfg.grace = 30;
	a.cfg.backoff = 0.5;
	is_secrets_init(&a.secrets);
	if (parse_args(&a, argc, argv, &code) == 0)
		code = is_cli_finish(&command, run(&a));
	for (i = 0; i < a.cfg.nlimits; i++)
		free((char *)a.limits[i].kind);
	free(a.limits);
	is_secrets_release(&a.secrets);
	if (a.has_ledger)
		is_ledger_release(&a.ledger);
	return code;
}
