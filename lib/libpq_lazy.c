/*
 * libpq, loaded when first used. libpq pulls in some 25 shared libraries
 * (Kerberos, LDAP, TLS...), and loading them at every start cost each
 * is-ledger and is-exec run about 5 ms even when no PostgreSQL URL was given:
 * a quarter of "is-ledger state --at" on SQLite. So no command links libpq;
 * the functions the project calls are defined here under libpq's own names
 * and forward to libpq.so.5, opened with dlopen by the first of them that
 * runs. libpq-fe.h declares them, so callers are unchanged.
 */
#include <libpq-fe.h>
#include <pthread.h>

#include "lazy_lib.h"
#include "banned.h"


/* X(return type, name, parameters, arguments); XV for void functions. */
#define PQ_FUNCTIONS(X, XV) \
	XV(PQclear, (PGresult *res), (res)) \
	X(char *, PQgetvalue, (const PGresult *res, int tup, int field), (res, tup, field)) \
	X(int, PQntuples, (const PGresult *res), (res)) \
	X(PGresult *, PQexec, (PGconn *conn, const char *query), (conn, query)) \
	X(ConnStatusType, PQstatus, (const PGconn *conn), (conn)) \
	X(char *, PQresultErrorField, (const PGresult *res, int code), (res, code)) \
	X(ExecStatusType, PQresultStatus, (const PGresult *res), (res)) \
	X(int, PQgetisnull, (const PGresult *res, int tup, int field), (res, tup, field)) \
	X(char *, PQerrorMessage, (const PGconn *conn), (conn)) \
	X(PGTransactionStatusType, PQtransactionStatus, (const PGconn *conn), (conn)) \
	XV(PQfreemem, (void *ptr), (ptr)) \
	X(PGpipelineStatus, PQpipelineStatus, (const PGconn *conn), (conn)) \
	X(Oid, PQftype, (const PGresult *res, int field), (res, field)) \
	XV(PQfinish, (PGconn *conn), (conn)) \
	X(PGresult *, PQexecParams, (PGconn *conn, const char *command, int n, \
	  const Oid *types, const char *const *values, const int *lengths, \
	  const int *formats, int result_format), \
	  (conn, command, n, types, values, lengths, formats, result_format)) \
	X(char *, PQencryptPasswordConn, (PGconn *conn, const char *passwd, \
	  const char *user, const char *algorithm), (conn, passwd, user, algorithm)) \
	X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *conn, PQnoticeProcessor proc, \
	  void *arg), (conn, proc, arg)) \
	X(int, PQsendQueryPrepared, (PGconn *conn, const char *name, int n, \
	  const char *const *values, const int *lengths, const int *formats, \
	  int result_format), (conn, name, n, values, lengths, formats, result_format)) \
	X(PGresult *, PQprepare, (PGconn *conn, const char *name, const char *query, int n, \
	  const Oid *types), (conn, name, query, n, types)) \
	X(char *, PQport, (const PGconn *conn), (conn)) \
	X(int, PQpipelineSync, (PGconn *conn), (conn)) \
	X(int, PQnfields, (const PGresult *res), (res)) \
	X(char *, PQhost, (const PGconn *conn), (conn)) \
	X(int, PQgetlength, (const PGresult *res, int tup, int field), (res, tup, field)) \
	X(PGresult *, PQgetResult, (PGconn *conn), (conn)) \
	X(int, PQexitPipelineMode, (PGconn *conn), (conn)) \
	X(PGresult *, PQexecPrepared, (PGconn *conn, const char *name, int n, \
	  const char *const *values, const int *lengths, const int *formats, \
	  int result_format), (conn, name, n, values, lengths, formats, result_format)) \
	X(char *, PQescapeLiteral, (PGconn *conn, const char *str, size_t len), (conn, str, len)) \
	X(char *, PQescapeIdentifier, (PGconn *conn, const char *str, size_t len), \
	  (conn, str, len)) \
	X(int, PQenterPipelineMode, (PGconn *conn), (conn)) \
	X(char *, PQdb, (const PGconn *conn), (conn)) \
	X(PQconninfoOption *, PQconninfoParse, (const char *conninfo, char **errmsg), \
	  (conninfo, errmsg)) \
	XV(PQconninfoFree, (PQconninfoOption *options), (options)) \
	X(int, PQconnectionNeedsPassword, (const PGconn *conn), (conn)) \
	X(PGconn *, PQconnectdbParams, (const char *const *keywords, \
	  const char *const *values, int expand_dbname), (keywords, values, expand_dbname)) \
	X(PGconn *, PQconnectdb, (const char *conninfo), (conninfo)) \
	X(char *, PQcmdStatus, (PGresult *res), (res))

#define POINTER(ret, name, params, args) ret (*name) params;
#define VOID_POINTER(name, params, args) void (*name) params;
static struct {
	PQ_FUNCTIONS(POINTER, VOID_POINTER)
} pq;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static struct is_lazy_lib lib = { "libpq.so.5", "PostgreSQL", "libpq5", NULL };

static void load(void)
{
	is_lazy_open(&lib);
#define RESOLVE(ret, name, params, args) is_lazy_resolve(&lib, #name, &pq.name);
#define VOID_RESOLVE(name, params, args) is_lazy_resolve(&lib, #name, &pq.name);
	PQ_FUNCTIONS(RESOLVE, VOID_RESOLVE)
}

#define FORWARD(ret, name, params, args) \
	ret name params \
	{ \
		pthread_once(&loaded, load); \
		return pq.name args; \
	}
#define VOID_FORWARD(name, params, args) \
	void name params \
	{ \
		pthread_once(&loaded, load); \
		pq.name args; \
	}
PQ_FUNCTIONS(FORWARD, VOID_FORWARD)
