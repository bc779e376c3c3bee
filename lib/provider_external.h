#ifndef IS_PROVIDER_EXTERNAL_H
#define IS_PROVIDER_EXTERNAL_H
#include "provider.h"

/*
 * An external provider: the executable program, run once per operation as
 * "program OP" (create, read, update or delete), speaking the Command
 * protocol (provider_protocol.h, infrastream-provider(7)).
 */

/* A new provider for kind, run by program (both copied); free it with
 * is_provider_external_free. */
struct is_provider *is_provider_external_new(const char *kind, const char *program);
void is_provider_external_free(struct is_provider *p);

#endif
