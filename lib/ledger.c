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
	lg->name = is_db_target_display(path);
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
	return is_error_set(err, "ledger", lg->name, 0, 0, "%s: %s", what,
	                    lg->db ? is_db_errmsg(lg->db) : "not open");
}

int is_ledger_open(struct is_ledger *lg, struct is_error *err)
{
	if (lg->db)
		return 0;
	if (!is_db_target_is_uri(lg->path) && make_parent(lg->path) < 0)
		return is_error_set(err, "ledger", lg->name, 0, 0,
		                    "cannot make the ledger's folder: %s", strerror(errno));
	if (!(lg->db = is_db_open(lg->path, lg->busy_ms, err)))
		return -1;
	if (is_ledger_schema_apply(lg->db, err) < 0) {
		if (err->file == NULL)
			err->file = is_xstrdup(lg->name);
		is_db_close(lg->db);
		lg->db = NULL;
		return -1;
	}
	return 0;
}

void is_ledger_release(struct is_ledger *lg)
{
	is_db_close(lg->db);
	free(lg->path);
	free(lg->name);
	memset(lg, 0, sizeof(*lg));
}

int is_ledger_exec(struct is_ledger *lg, const char *sql, struct is_error *err)
{
	if (is_db_exec(lg->db, sql) < 0)
		return is_error_set(err, "ledger", lg->name, 0, 0, "%s: %s", sql,
		                    is_db_errmsg(lg->db));
	return 0;
}

int is_ledger_begin(struct is_ledger *lg, struct is_error *err)
{
	if (is_db_begin_write(lg->db) < 0)
		return is_ledger_fail(lg, err, "cannot start a write transaction");
	return 0;
}

int is_ledger_commit(struct is_ledger *lg, struct is_error *err)
{
	if (is_db_commit(lg->db) == 0)
		return 0;
	is_ledger_fail(lg, err, "cannot commit");
	is_ledger_rollback(lg);
	return -1;
}

void is_ledger_rollback(struct is_ledger *lg)
{
	is_db_rollback(lg->db);
}

/* One integer from sql with ?1 = arg (0 when no row or NULL); -1 on error. */
static int64_t one_int(struct is_ledger *lg, const char *sql, const char *arg,
                       struct is_error *err)
{
	struct is_db_stmt *st;
	int64_t v = 0;
	int rc;

	if (is_db_prepare(lg->db, sql, 0, &st) < 0)
		return is_ledger_fail(lg, err, "cannot read a sequence");
	if (arg)
		is_db_bind_text(st, 1, arg, (size_t)-1);
	rc = is_db_step(st);
	if (rc == IS_DB_ROW)
		v = is_db_column_int64(st, 0);
	is_db_finalize(st);
	if (rc == IS_DB_ERROR)
		return is_ledger_fail(lg, err, "cannot read a sequence");
	return v;
}

int64_t is_ledger_sequence_high(struct is_ledger *lg, const char *table,
                                struct is_error *err)
{
	return one_int(lg, is_db_backend(lg->db) == IS_DB_POSTGRES ?
	               "SELECT seq FROM ledger_sequence WHERE name = ?1" :
	               "SELECT seq FROM sqlite_sequence WHERE name = ?1", table, err);
}

int64_t is_ledger_sequence_next(struct is_ledger *lg, const char *table,
                                struct is_error *err)
{
	char *sql = is_xasprintf("SELECT max(seq) FROM %s", table);
	int64_t top = one_int(lg, sql, NULL, err), high;

	free(sql);
	if (top < 0 || (high = is_ledger_sequence_high(lg, table, err)) < 0)
		return -1;
	return (top > high ? top : high) + 1;
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
