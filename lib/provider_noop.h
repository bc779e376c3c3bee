#ifndef IS_PROVIDER_NOOP_H
#define IS_PROVIDER_NOOP_H
#include <jansson.h>

#include "provider.h"

/*
 * Noop: makes nothing. Its outputs are spec.outputs ({} when absent); a read
 * never reports drift. For tests and benchmarks its spec may also hold:
 *   sleepMs       sleep this long (then it blocks, so it runs on a worker)
 *   fail          true or a message: every attempt fails
 *   failAttempts  N: attempts 1..N fail (retryable), later ones succeed
 *   retryAfter    seconds a failure asks to wait before the next attempt
 */
extern const struct is_provider is_provider_noop;

/* True when this spec makes the Noop call block (sleepMs > 0). */
int is_provider_noop_blocks(const json_t *spec);

#endif
