#include <string.h>

#include "kinds.h"
#include "banned.h"

struct kind {
	const char *name;
	const char *const *immutable;
};

static const char *const none[] = { NULL };
static const char *const file[] = { "/path", NULL };
static const char *const database[] = { "/name", "/encoding", "/locale", "/lcCollate",
                                         "/lcCtype", NULL };
static const char *const grant[] = { "/role", "/database", NULL };
static const char *const role[] = { "/name", NULL };

static const struct kind kinds[] = {
	{ "File", file },
	{ "PostgresDatabase", database },
	{ "PostgresGrant", grant },
	{ "PostgresRole", role },
};

const char *const *is_kind_immutable(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, kind))
			return kinds[i].immutable;
	return none;
}

/* 1 when pointer a equals b or lies inside it ("/a/b" inside "/a"). */
static int within(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/');
}

int is_kind_forces_replace(const char *kind, const char *path)
{
	const char *const *p;

	for (p = is_kind_immutable(kind); *p; p++)
		if (within(path, *p) || within(*p, path))
			return 1;
	return 0;
}
