/*
 * The writing subcommands of is-ledger: record, verify, lock, unlock, locks,
 * next-run-id. Each parses its own options (one table each, which also feeds
 * its --help and the completions) and calls the ledger modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "ledger_cmd.h"
#include "run_id.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

enum {
	OPT_OWNER = 256, OPT_REASON, OPT_TTL, OPT_LOCK, OPT_BATCH, OPT_BATCH_MS
};

int is_ledger_cmd_fail(struct is_error *err)
{
	is_error_print(err, "is-ledger", stderr);
	is_error_release(err);
	return IS_EXIT_FAILURE;
}

static void report(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, "is-ledger: %s\n", message);
}

#define OPT_OWNER_ENTRY(what) \
	{ "owner", OPT_OWNER, "WHO", NULL, what " (default $USER@host)" }

static const struct is_option record_options[] = {
	{ "lock", OPT_LOCK, "NAME", NULL,
	  "refuse to record unless lock NAME is free or held by --owner; hold it "
	  "while recording" },
	OPT_OWNER_ENTRY("who holds the lock"),
	{ "reason", OPT_REASON, "TEXT", NULL, "why the lock is taken" },
	{ "ttl", OPT_TTL, "DURATION", NULL, "the lock expires after DURATION (90s, 15m, 2h)" },
	{ "batch", OPT_BATCH, "N", NULL, "commit at least every N records (default 1000)" },
	{ "batch-ms", OPT_BATCH_MS, "MS", NULL,
	  "commit at least every MS milliseconds (default 50)" },
	IS_OPTIONS_COMMON,
	{ 0 }
};

const struct is_command is_ledger_cli_record = {
	"is-ledger record", "[--lock name [--owner who] [--ttl duration]] [file]",
	"store run and event records (and the states they make), pass every "
	"record on unchanged once it is durable", record_options, "file", NULL
};

static const struct is_option lock_options[] = {
	OPT_OWNER_ENTRY("who takes the lock"),
	{ "reason", OPT_REASON, "TEXT", NULL, "why (shown to whoever is refused)" },
	{ "ttl", OPT_TTL, "DURATION", NULL, "the lock expires after DURATION (90s, 15m, 2h)" },
	IS_OPTIONS_COMMON,
	{ 0 }
};

const struct is_command is_ledger_cli_lock = {
	"is-ledger lock", "[--owner who] [--reason text] [--ttl duration] name",
	"take lock NAME; exit 3 when someone else holds it", lock_options, NULL, NULL
};

static const struct is_option unlock_options[] = {
	OPT_OWNER_ENTRY("who holds the lock"),
	IS_OPTIONS_COMMON,
	{ 0 }
};

const struct is_command is_ledger_cli_unlock = {
	"is-ledger unlock", "[--owner who] name",
	"release lock NAME held by --owner; exit 3 when someone else holds it",
	unlock_options, NULL, NULL
};

static const struct is_option plain_options[] = { IS_OPTIONS_COMMON, { 0 } };

const struct is_command is_ledger_cli_locks = {
	"is-ledger locks", "", "write a lock record for every lock held now",
	plain_options, NULL, NULL
};

const struct is_command is_ledger_cli_verify = {
	"is-ledger verify", "",
	"check the hash chains, the states against their events and the "
	"append-only triggers; exit 1 and name each bad row", plain_options, NULL, NULL
};

static const struct is_option next_run_id_options[] = {
	OPT_OWNER_ENTRY("who asks (kept in run_ids)"),
	IS_OPTIONS_COMMON,
	{ 0 }
};

const struct is_command is_ledger_cli_next_run_id = {
	"is-ledger next-run-id", "[--owner who]",
	"allocate a run id no other run of this ledger has, for is-exec --run-id",
	next_run_id_options, NULL, NULL
};

struct args {
	const char *owner, *reason, *lock;
	char *default_owner;
	int64_t ttl_ms;
	long batch, batch_ms;
};

static const char *owner_of(struct args *a)
{
	const char *user = getenv("USER");
	char host[256];

	if (a->owner)
		return a->owner;
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	a->default_owner = is_xasprintf("%s@%s", user && *user ? user : "unknown", host);
	return a->default_owner;
}

/*
 * Parses the options of cmd into a; returns the index of the first operand,
 * or -1 with *code set (help, version or a usage error).
 */
static int parse(const struct is_command *cmd, struct args *a, int argc, char **argv,
                 int *code)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->batch = 1000;
	a->batch_ms = 50;
	while ((c = is_cli_next(cmd, argc, argv, code)) != -1) {
		switch (c) {
		case IS_OPT_EXIT: return -1;
		case OPT_OWNER: a->owner = optarg; break;
		case OPT_REASON: a->reason = optarg; break;
		case OPT_LOCK: a->lock = optarg; break;
		case OPT_TTL:
			if ((a->ttl_ms = is_ledger_duration_ms(optarg)) <= 0) {
				*code = is_cli_usage_error(cmd, "--ttl wants a duration such "
				                           "as 90s, 15m or 2h, not '%s'", optarg);
				return -1;
			}
			break;
		case OPT_BATCH:
		case OPT_BATCH_MS: {
			long n = is_cli_number(optarg);

			if (n < 1 || n > 1000000) {
				*code = is_cli_usage_error(cmd, "--%s wants a number from 1 to "
				                           "1000000, not '%s'", c == OPT_BATCH
				                           ? "batch" : "batch-ms", optarg);
				return -1;
			}
			*(c == OPT_BATCH ? &a->batch : &a->batch_ms) = n;
			break;
		}
		}
	}
	return optind;
}

static void lock_record(const struct is_ledger_lock *l, int took_over, FILE *out)
{
	struct is_strbuf sb = IS_STRBUF_INIT;

	is_strbuf_adds(&sb, "{\"type\":\"lock\",\"v\":1,\"name\":");
	is_json_dump_string(&sb, l->name, strlen(l->name));
	is_strbuf_adds(&sb, ",\"owner\":");
	is_json_dump_string(&sb, l->owner, strlen(l->owner));
	if (l->reason) {
		is_strbuf_adds(&sb, ",\"reason\":");
		is_json_dump_string(&sb, l->reason, strlen(l->reason));
	}
	is_strbuf_addf(&sb, ",\"since\":\"%s\"", l->since);
	if (*l->expires)
		is_strbuf_addf(&sb, ",\"expires\":\"%s\"", l->expires);
	if (took_over)
		is_strbuf_adds(&sb, ",\"takeover\":true");
	is_strbuf_adds(&sb, "}\n");
	fwrite(sb.buf, 1, sb.len, out);
	is_strbuf_release(&sb);
}

static int refused(const struct is_ledger_lock *l, const char *what)
{
	fprintf(stderr, "is-ledger: %s: lock '%s' is held by '%s' since %s", what,
	        l->name, l->owner, l->since);
	if (l->reason)
		fprintf(stderr, " (%s)", l->reason);
	if (*l->expires)
		fprintf(stderr, ", until %s", l->expires);
	fprintf(stderr, "\n");
	return IS_LEDGER_EXIT_LOCKED;
}

/* ---- record ---- */

static volatile sig_atomic_t signals;

/* The first SIGINT or SIGTERM lets the upstream stages finish writing (is-exec
 * writes its CANCELED events and the run's end), so those are recorded too; a
 * second ends the process at once: what was not committed was not passed on
 * either. */
static void on_signal(int sig)
{
	if (++signals >= 2) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

static void on_sigpipe(int sig)
{
	(void)sig;
}

static void record_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_sigpipe;
	sigaction(SIGPIPE, &sa, NULL);
}

static int record_locked(struct is_ledger *lg, struct args *a, int *took,
                         struct is_error *err)
{
	struct is_ledger_lock l;
	int over, rc;

	memset(&l, 0, sizeof(l));
	rc = is_ledger_lock_get(lg, a->lock, &l, err);
	if (rc == 0 && l.held && !strcmp(l.owner, owner_of(a))) {
		/* Held already by this owner (is-ledger lock): it stays held. */
		is_ledger_lock_release(&l);
		return 0;
	}
	is_ledger_lock_release(&l);
	if (rc < 0)
		return is_ledger_cmd_fail(err);
	rc = is_ledger_lock_take(lg, a->lock, owner_of(a), a->reason, a->ttl_ms, &l, &over,
	                         err);
	if (rc < 0)
		return is_ledger_cmd_fail(err);
	if (rc == 0) {
		rc = refused(&l, "record");
		is_ledger_lock_release(&l);
		return rc;
	}
	if (over)
		fprintf(stderr, "is-ledger: record: took over lock '%s': it had expired\n",
		        a->lock);
	is_ledger_lock_release(&l);
	*took = 1;
	return 0;
}

int is_ledger_cmd_record(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cmd = &is_ledger_cli_record;
	struct is_ledger_record_config cfg;
	struct is_ledger_record_summary sum;
	struct is_error err = IS_ERROR_INIT;
	struct args a;
	int code = IS_EXIT_OK, i, fd = 0, took = 0, rc;

	if ((i = parse(cmd, &a, argc, argv, &code)) < 0)
		return code;
	if (argc - i > 1) {
		code = is_cli_usage_error(cmd, "one input at most");
		goto out;
	}
	if (i < argc && strcmp(argv[i], "-") && (fd = open(argv[i], O_RDONLY)) < 0) {
		fprintf(stderr, "is-ledger: %s: %s\n", argv[i], strerror(errno));
		code = IS_EXIT_FAILURE;
		goto out;
	}
	record_signals();
	if (is_ledger_open(lg, &err) < 0) {
		code = is_ledger_cmd_fail(&err);
		goto out;
	}
	if (a.lock && (code = record_locked(lg, &a, &took, &err)) != 0)
		goto out;
	memset(&cfg, 0, sizeof(cfg));
	cfg.in_fd = fd;
	cfg.in_name = i < argc ? argv[i] : "-";
	cfg.out = stdout;
	cfg.batch_records = (int)a.batch;
	cfg.batch_ms = (int)a.batch_ms;
	cfg.report = report;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	rc = is_ledger_record(lg, &cfg, &sum, &err);
	if (rc < 0)
		code = is_ledger_cmd_fail(&err);
	else if (sum.errors)
		code = IS_EXIT_FAILURE;
	if (took) {
		struct is_ledger_lock l;

		if (is_ledger_lock_drop(lg, a.lock, owner_of(&a), &l, &err) < 0)
			code = is_ledger_cmd_fail(&err);
		is_ledger_lock_release(&l);
	}
	code = is_cli_finish(cmd, code);
out:
	if (fd > 0)
		close(fd);
	free(a.default_owner);
	return code;
}

/* ---- locks ---- */

static int one_name(const struct is_command *cmd, int i, int argc, char **argv,
                    int *code)
{
	if (argc - i != 1) {
		*code = is_cli_usage_error(cmd, "one lock name, please");
		return -1;
	}
	if (!*argv[i]) {
		*code = is_cli_usage_error(cmd, "a lock name cannot be empty");
		return -1;
	}
	return 0;
}

int is_ledger_cmd_lock(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cmd = &is_ledger_cli_lock;
	struct is_error err = IS_ERROR_INIT;
	struct is_ledger_lock l;
	struct args a;
	int code = IS_EXIT_OK, i, rc, over;

	if ((i = parse(cmd, &a, argc, argv, &code)) < 0 ||
	    one_name(cmd, i, argc, argv, &code) < 0)
		goto out;
	if (is_ledger_open(lg, &err) < 0) {
		code = is_ledger_cmd_fail(&err);
		goto out;
	}
	memset(&l, 0, sizeof(l));
	rc = is_ledger_lock_take(lg, argv[i], owner_of(&a), a.reason, a.ttl_ms, &l, &over,
	                         &err);
	if (rc < 0)
		code = is_ledger_cmd_fail(&err);
	else if (rc == 0)
		code = refused(&l, "lock");
	else
		lock_record(&l, over, stdout);
	is_ledger_lock_release(&l);
	code = is_cli_finish(cmd, code);
out:
	free(a.default_owner);
	return code;
}

int is_ledger_cmd_unlock(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cmd = &is_ledger_cli_unlock;
	struct is_error err = IS_ERROR_INIT;
	struct is_ledger_lock l;
	struct args a;
	int code = IS_EXIT_OK, i, rc;

	if ((i = parse(cmd, &a, argc, argv, &code)) < 0 ||
	    one_name(cmd, i, argc, argv, &code) < 0)
		goto out;
	if (is_ledger_open(lg, &err) < 0) {
		code = is_ledger_cmd_fail(&err);
		goto out;
	}
	memset(&l, 0, sizeof(l));
	rc = is_ledger_lock_drop(lg, argv[i], owner_of(&a), &l, &err);
	if (rc < 0) {
		code = is_ledger_cmd_fail(&err);
	} else if (rc == 0 && l.held) {
		code = refused(&l, "unlock");
	} else if (rc == 0) {
		fprintf(stderr, "is-ledger: unlock: lock '%s' is not held\n", argv[i]);
		code = IS_EXIT_FAILURE;
	}
	is_ledger_lock_release(&l);
	code = is_cli_finish(cmd, code);
out:
	free(a.default_owner);
	return code;
}

int is_ledger_cmd_locks(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cmd = &is_ledger_cli_locks;
	struct is_error err = IS_ERROR_INIT;
	struct args a;
	int code = IS_EXIT_OK, i;

	if ((i = parse(cmd, &a, argc, argv, &code)) < 0)
		return code;
	if (i < argc)
		return is_cli_usage_error(cmd, "no operands, please");
	if (is_ledger_open(lg, &err) < 0 || is_ledger_locks_write(lg, stdout, &err) < 0)
		code = is_ledger_cmd_fail(&err);
	return is_cli_finish(cmd, code);
}

/* ---- verify, next-run-id ---- */

int is_ledger_cmd_verify(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cmd = &is_ledger_cli_verify;
	struct is_error err = IS_ERROR_INIT;
	struct args a;
	int code = IS_EXIT_OK, i;
	long n;

	if ((i = parse(cmd, &a, argc, argv, &code)) < 0)
		return code;
	if (i < argc)
		return is_cli_usage_error(cmd, "no operands, please");
	if (!is_db_target_is_uri(lg->path) && access(lg->path, F_OK) < 0) {
		fprintf(stderr, "is-ledger: verify: %s: no ledger there\n", lg->name);
		return IS_EXIT_FAILURE;
	}
	if (is_ledger_open(lg, &err) < 0)
		code = is_ledger_cmd_fail(&err);
	else if ((n = is_ledger_verify(lg, stdout, report, NULL, &err)) < 0)
		code = is_ledger_cmd_fail(&err);
	else if (n > 0)
		code = IS_EXIT_FAILURE;
	return is_cli_finish(cmd, code);
}

int is_ledger_cmd_next_run_id(struct is_ledger *lg, int argc, char **argv)
{
	const struct is_command *cmd = &is_ledger_cli_next_run_id;
	struct is_error err = IS_ERROR_INIT;
	struct args a;
	uint64_t id;
	int code = IS_EXIT_OK, i;

	if ((i = parse(cmd, &a, argc, argv, &code)) < 0)
		return code;
	if (i < argc) {
		free(a.default_owner);
		return is_cli_usage_error(cmd, "no operands, please");
	}
	if (is_ledger_open(lg, &err) < 0 ||
	    is_ledger_next_run_id(lg, owner_of(&a), &id, &err) < 0)
		code = is_ledger_cmd_fail(&err);
	else
		printf("%" PRIu64 "\n", id);
	free(a.default_owner);
	return is_cli_finish(cmd, code);
}
