#include <stdlib.h>

#include "provider_external.h"
#include "provider_protocol.h"
#include "xalloc.h"
#include "banned.h"

static int external_call(const struct is_provider *p, struct is_provider_request *req,
                         struct is_provider_result *res)
{
	char *argv[3];

	argv[0] = (char *)p->program;
	argv[1] = (char *)is_provider_op_name(req->op);
	argv[2] = NULL;
	return is_protocol_run(req, res, argv, NULL, NULL, NULL);
}

struct is_provider *is_provider_external_new(const char *kind, const char *program)
{
	struct is_provider *p = is_xcalloc(1, sizeof(*p));

	p->kind = is_xstrdup(kind);
	p->blocking = 1;
	p->call = external_call;
	p->program = is_xstrdup(program);
	return p;
}

void is_provider_external_free(struct is_provider *p)
{
	if (!p)
		return;
	free((char *)p->kind);
	free((char *)p->program);
	free(p);
}
