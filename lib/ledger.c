/*
 * Opening the ledger and the small helpers every ledger module shares: the
 * default path, transactions that wait out other writers, the row hash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "ledger.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

const char is_ledger_genesis[65] =
	"0000000000000000000000000000000000000000000000000000000000000000";

char *is_ledger_default_path(void)
{
	const char *env = getenv("IS_LEDGER"), *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	struct is_strbuf sb = IS_STRBUF_INIT;

	if (env && *env)
		return is_xstrdup(env);
	if (xdg && *xdg == '/')
		is_strbuf_addf(&sb, "%s/infrastream/ledger.db", xdg);
	else if (home && *home)
		is_strbuf_addf(&sb, "%s/.local/state/infrastream/ledger.db", home);
	else
		return NULL;
	return is_strbuf_detach(&sb, NULL);
}

void is_ledger_init(struct is_ledger *lg, const char *path)
{
	memset(lg, 0, sizeof(*lg));
	lg->path = is_xstrdup(path);
	lg->busy_ms = 30000;
}

/* mkdir -p of the folder that holds path. */
static int make_parent(const char *path)
{
	char *dir = is_xstrdup(path), *p;
	int rc = 0;

	for (p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

int is_ledger_fail(struct is_ledger *lg, struct is_error *err, const char *what)
{
	return is_error_set(err, "ledger", lg->path, 0, 0, "%s: %s", what,
	                    lg->db ? sqlite3_errmsg(lg->db) : "not open");
}

/*
 * WAL is a property of the file, so it is set once. Switching needs an
 * exclusive lock, and SQLite may answer "busy" without waiting when several
 * processes open a new ledger at the same moment: retry for a while.
 */
static int use_wal(struct is_ledger *lg, struct is_error *err)
{
	long waited;

	for (waited = 0;; waited += 10) {
		sqlite3_stmt *st = NULL;
		int wal = 0, rc;

		rc = sqlite3_prepare_v2(lg->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
		if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			wal = !sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal");
		rc = sqlite3_finalize(st);
		/* A file system without WAL support keeps its journal: still a ledger. */
		if (wal || rc == SQLITE_OK)
			return 0;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= lg->busy_ms)
			return is_ledger_fail(lg, err, "cannot switch the ledger to WAL mode");
		sqlite3_sleep(10);
	}
}

int is_ledger_open(struct is_ledger *lg, struct is_error *err)
{
	int rc;

	if (lg->db)
		return 0;
	if (make_parent(lg->path) < 0)
		return is_error_set(err, "ledger", lg->path, 0, 0,
		                    "cannot make the ledger's folder: %s", strerror(errno));
	rc = sqlite3_open_v2(lg->path, &lg->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		is_ledger_fail(lg, err, "cannot open the ledger");
		sqlite3_close(lg->db);
		lg->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(lg->db, lg->busy_ms);
	/* synchronous=FULL: a committed batch survives a power cut, not only a
	 * crash of the process; record's batching pays for the fsyncs. */
	if (use_wal(lg, err) < 0 ||
	    is_ledger_exec(lg, "PRAGMA synchronous=FULL", err) < 0 ||
	    is_ledger_exec(lg, "PRAGMA foreign_keys=ON", err) < 0 ||
	    is_ledger_schema_apply(lg->db, err) < 0) {
		if (err->file == NULL)
			err->file = is_xstrdup(lg->path);
		sqlite3_close(lg->db);
		lg->db = NULL;
		return -1;
	}
	return 0;
}

void is_ledger_release(struct is_ledger *lg)
{
	if (lg->db)
		sqlite3_close(lg->db);
	free(lg->path);
	memset(lg, 0, sizeof(*lg));
}

int is_ledger_exec(struct is_ledger *lg, const char *sql, struct is_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(lg->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		is_error_set(err, "ledger", lg->path, 0, 0, "%s: %s", sql,
		             msg ? msg : sqlite3_errmsg(lg->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int is_ledger_begin(struct is_ledger *lg, struct is_error *err)
{
	int tries;

	/* busy_timeout waits inside each attempt; a few more attempts cover a
	 * writer that holds the lock longer than one timeout (a slow disk). */
	for (tries = 0; tries < 5; tries++) {
		int rc = sqlite3_exec(lg->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
	}
	return is_ledger_fail(lg, err, "cannot start a write transaction");
}

int is_ledger_commit(struct is_ledger *lg, struct is_error *err)
{
	int tries;

	for (tries = 0; tries < 5; tries++) {
		int rc = sqlite3_exec(lg->db, "COMMIT", NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if (rc != SQLITE_BUSY)
			break;
	}
	is_ledger_fail(lg, err, "cannot commit");
	is_ledger_rollback(lg);
	return -1;
}

void is_ledger_rollback(struct is_ledger *lg)
{
	if (!sqlite3_get_autocommit(lg->db))
		sqlite3_exec(lg->db, "ROLLBACK", NULL, NULL, NULL);
}

int64_t is_ledger_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void is_ledger_time_format(int64_t ms, char out[32])
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	char date[24];

	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%03dZ", date, (int)(ms % 1000));
}

void is_ledger_now(char out[32])
{
	is_ledger_time_format(is_ledger_now_ms(), out);
}

void is_ledger_row_hash(const char *prev_hash, const struct is_ledger_row *row,
                        char out[65])
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	int i;

	is_strbuf_addf(&sb, "%s\n[%lld", prev_hash, (long long)row->seq);
	for (i = 0; i < row->ncols; i++) {
		is_strbuf_addch(&sb, ',');
		if (row->col[i].is_null)
			is_strbuf_adds(&sb, "null");
		else if (row->col[i].is_num)
			is_strbuf_addf(&sb, "%lld", (long long)row->col[i].num);
		else
			is_json_dump_string(&sb, row->col[i].text, row->col[i].len ? row->col[i].len
			                    : strlen(row->col[i].text));
	}
	is_strbuf_addch(&sb, ']');
	is_sha256_hex(sb.buf, sb.len, out);
	is_strbuf_release(&sb);
}
