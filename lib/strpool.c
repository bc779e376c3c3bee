#include <stdlib.h>
#include <string.h>

#include "strpool.h"
#include "xalloc.h"
#include "banned.h"

enum { BLOCK = 64 * 1024 };

const char *is_strpool_add(struct is_strpool *pool, const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy;

	if (!pool->n || pool->size - pool->used < len) {
		size_t size = len > BLOCK ? len : BLOCK;

		pool->blocks = is_xgrow(pool->blocks, &pool->cap, pool->n + 1,
		                        sizeof(*pool->blocks));
		pool->blocks[pool->n++] = is_xmalloc(size);
		pool->size = size;
		pool->used = 0;
	}
	copy = pool->blocks[pool->n - 1] + pool->used;
	memcpy(copy, s, len);
	pool->used += len;
	return copy;
}

void is_strpool_release(struct is_strpool *pool)
{
	size_t i;

	for (i = 0; i < pool->n; i++)
		free(pool->blocks[i]);
	free(pool->blocks);
	memset(pool, 0, sizeof(*pool));
}
