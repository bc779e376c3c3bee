/*
 * Locks: named (a stack, an environment), held by an owner, optionally until
 * an expiry. The locks table is append-only like the rest: the holder of a
 * name is the owner of its latest row when that row is a lock or a takeover
 * that has not expired. Every check-and-insert runs in one write
 * transaction (db.h: writers are serialised), so two writers can never both take a free lock.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ledger.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

void is_ledger_lock_release(struct is_ledger_lock *l)
{
	free(l->name);
	free(l->owner);
	free(l->reason);
	memset(l, 0, sizeof(*l));
}

int64_t is_ledger_duration_ms(const char *text)
{
	const char *p = text;
	int64_t total = 0;

	if (!*p)
		return -1;
	while (*p) {
		int64_t n = 0, unit;
		int digits = 0;

		while (isdigit((unsigned char)*p)) {
			if (n > 100000000)
				return -1;
			n = n * 10 + (*p++ - '0');
			digits++;
		}
		if (!digits)
			return -1;
		switch (*p) {
		case '\0': unit = 1000; break;
		case 's': unit = 1000; p++; break;
		case 'm': unit = 60 * 1000; p++; break;
		case 'h': unit = 3600 * 1000; p++; break;
		case 'd': unit = 86400 * 1000; p++; break;
		default: return -1;
		}
		total += n * unit;
	}
	return total;
}

static char *dup_col(struct is_db_stmt *st, int i)
{
	const char *t = is_db_column_text(st, i);

	return t ? is_xstrdup((const char *)t) : NULL;
}

/* The latest row of name: held when it is a lock or takeover not expired at
 * now. l->name is set in any case; *expired says a lock has run out. */
static int latest(struct is_ledger *lg, const char *name, const char *now,
                  struct is_ledger_lock *l, int *expired, struct is_error *err)
{
	struct is_db_stmt *st;
	int rc;

	memset(l, 0, sizeof(*l));
	l->name = is_xstrdup(name);
	*expired = 0;
	if (is_db_prepare(lg->db, "SELECT action, owner, reason, at, expires FROM "
	                       "locks WHERE name = ? ORDER BY seq DESC LIMIT 1", 0, &st) < 0)
		return is_ledger_fail(lg, err, "cannot read the locks");
	is_db_bind_text(st, 1, name, (size_t)-1);
	rc = is_db_step(st);
	if (rc == IS_DB_ROW) {
		const char *action = (const char *)is_db_column_text(st, 0);
		const char *expires = (const char *)is_db_column_text(st, 4);

		if (action && (!strcmp(action, "lock") || !strcmp(action, "takeover"))) {
			l->owner = dup_col(st, 1);
			l->reason = dup_col(st, 2);
			snprintf(l->since, sizeof(l->since), "%s",
			         (const char *)is_db_column_text(st, 3));
			snprintf(l->expires, sizeof(l->expires), "%s", expires ? expires : "");
			if (expires && strcmp(expires, now) <= 0)
				*expired = 1;
			else
				l->held = 1;
		}
	}
	is_db_finalize(st);
	if (rc != IS_DB_ROW && rc != IS_DB_DONE)
		return is_ledger_fail(lg, err, "cannot read the locks");
	return 0;
}

/*
 * The time locks go by, in milliseconds: on PostgreSQL the server's clock,
 * so that writers on hosts whose clocks disagree still agree on when a lock
 * expires; on SQLite (one host) this one's.
 */
static int clock_ms(struct is_ledger *lg, int64_t *ms, struct is_error *err)
{
	struct is_db_stmt *st;
	int rc;

	if (is_db_backend(lg->db) != IS_DB_POSTGRES) {
		*ms = is_ledger_now_ms();
		return 0;
	}
	if (is_db_prepare(lg->db, "SELECT CAST(floor(extract(epoch FROM clock_timestamp())"
	                  " * 1000) AS bigint)", 0, &st) < 0)
		return is_ledger_fail(lg, err, "cannot read the server's clock");
	rc = is_db_step(st);
	*ms = is_db_column_int64(st, 0);
	is_db_finalize(st);
	return rc == IS_DB_ROW ? 0 : is_ledger_fail(lg, err, "cannot read the server's clock");
}

static int clock_now(struct is_ledger *lg, char now[32], struct is_error *err)
{
	int64_t ms;

	if (clock_ms(lg, &ms, err) < 0)
		return -1;
	is_ledger_time_format(ms, now);
	return 0;
}

int is_ledger_lock_get(struct is_ledger *lg, const char *name, struct is_ledger_lock *l,
                       struct is_error *err)
{
	char now[32];
	int expired;

	memset(l, 0, sizeof(*l));
	if (clock_now(lg, now, err) < 0)
		return -1;
	return latest(lg, name, now, l, &expired, err);
}

static int insert(struct is_ledger *lg, const char *name, const char *action,
                  const char *owner, const char *reason, const char *at,
                  const char *expires, struct is_error *err)
{
	struct is_db_stmt *st;
	int rc;

	if (is_db_prepare(lg->db, "INSERT INTO locks(name, action, owner, reason, at, "
	                       "expires) VALUES (?,?,?,?,?,?)", 0, &st) < 0)
		return is_ledger_fail(lg, err, "cannot write a lock");
	is_db_bind_text(st, 1, name, (size_t)-1);
	is_db_bind_text(st, 2, action, (size_t)-1);
	is_db_bind_text(st, 3, owner, (size_t)-1);
	if (reason)
		is_db_bind_text(st, 4, reason, (size_t)-1);
	is_db_bind_text(st, 5, at, (size_t)-1);
	if (expires && *expires)
		is_db_bind_text(st, 6, expires, (size_t)-1);
	rc = is_db_step(st);
	is_db_finalize(st);
	return rc == IS_DB_DONE ? 0 : is_ledger_fail(lg, err, "cannot write a lock");
}

int is_ledger_lock_take(struct is_ledger *lg, const char *name, const char *owner,
                        const char *reason, int64_t ttl_ms, struct is_ledger_lock *holder,
                        int *took_over, struct is_error *err)
{
	char now[32], expires[32] = "";
	int64_t t;
	int expired;

	*took_over = 0;
	memset(holder, 0, sizeof(*holder));
	if (is_ledger_begin(lg, err) < 0)
		return -1;
	/* Read once the write lock is held: a writer that waited goes by the
	 * time it got it. */
	if (clock_ms(lg, &t, err) < 0)
		goto fail;
	is_ledger_time_format(t, now);
	if (ttl_ms > 0)
		is_ledger_time_format(t + ttl_ms, expires);
	if (latest(lg, name, now, holder, &expired, err) < 0)
		goto fail;
	if (holder->held && strcmp(holder->owner, owner)) {
		is_ledger_rollback(lg);
		return 0;
	}
	if (expired) {
		/* Whose lock ran out, then who took it. */
		if (insert(lg, name, "expire", holder->owner, "expired", now, holder->expires,
		           err) < 0 ||
		    insert(lg, name, "takeover", owner, reason, now, expires, err) < 0)
			goto fail;
		*took_over = 1;
	} else if (insert(lg, name, "lock", owner, reason, now, expires, err) < 0) {
		goto fail;
	}
	if (is_ledger_commit(lg, err) < 0)
		return -1;
	is_ledger_lock_release(holder);
	holder->name = is_xstrdup(name);
	holder->owner = is_xstrdup(owner);
	holder->reason = reason ? is_xstrdup(reason) : NULL;
	snprintf(holder->since, sizeof(holder->since), "%s", now);
	snprintf(holder->expires, sizeof(holder->expires), "%s", expires);
	holder->held = 1;
	return 1;
fail:
	is_ledger_rollback(lg);
	return -1;
}

int is_ledger_lock_drop(struct is_ledger *lg, const char *name, const char *owner,
                        struct is_ledger_lock *holder, struct is_error *err)
{
	char now[32];
	int expired;

	memset(holder, 0, sizeof(*holder));
	if (is_ledger_begin(lg, err) < 0)
		return -1;
	if (clock_now(lg, now, err) < 0 || latest(lg, name, now, holder, &expired, err) < 0)
		goto fail;
	if (!holder->held || strcmp(holder->owner, owner)) {
		is_ledger_rollback(lg);
		return 0;
	}
	if (insert(lg, name, "unlock", owner, NULL, now, NULL, err) < 0)
		goto fail;
	return is_ledger_commit(lg, err) < 0 ? -1 : 1;
fail:
	is_ledger_rollback(lg);
	return -1;
}

int is_ledger_locks_write(struct is_ledger *lg, FILE *out, struct is_error *err)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	struct is_db_stmt *st;
	char now[32];
	int rc;

	if (clock_now(lg, now, err) < 0)
		return -1;
	/* The latest row of each name, when it holds the lock now. */
	if (is_db_prepare(lg->db, "SELECT name, owner, reason, at, expires FROM locks l "
	                       "WHERE seq = (SELECT max(seq) FROM locks WHERE name = l.name) "
	                       "AND action IN ('lock', 'takeover') "
	                       "AND (expires IS NULL OR expires > ?) ORDER BY name", 0, &st) < 0)
		return is_ledger_fail(lg, err, "cannot read the locks");
	is_db_bind_text(st, 1, now, (size_t)-1);
	while ((rc = is_db_step(st)) == IS_DB_ROW) {
		static const char *const keys[] = { "name", "owner", "reason", "since",
		                                    "expires" };
		int i;

		is_strbuf_reset(&sb);
		is_strbuf_adds(&sb, "{\"type\":\"lock\",\"v\":1");
		for (i = 0; i < 5; i++) {
			const char *v = (const char *)is_db_column_text(st, i);

			if (!v)
				continue;
			is_strbuf_addf(&sb, ",\"%s\":", keys[i]);
			is_json_dump_string(&sb, v, strlen(v));
		}
		is_strbuf_adds(&sb, "}\n");
		fwrite(sb.buf, 1, sb.len, out);
	}
	is_db_finalize(st);
	is_strbuf_release(&sb);
	if (rc != IS_DB_DONE)
		return is_ledger_fail(lg, err, "cannot read the locks");
	return 0;
}
