#include <stdlib.h>
#include <string.h>

#include "suggest.h"
#include "xalloc.h"
#include "banned.h"

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t is_edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), i, j, d;
	size_t *prev2 = is_xcalloc(m + 1, sizeof(size_t));
	size_t *prev = is_xcalloc(m + 1, sizeof(size_t));
	size_t *cur = is_xcalloc(m + 1, sizeof(size_t));

	for (j = 0; j <= m; j++)
		prev[j] = j;
	for (i = 1; i <= n; i++) {
		size_t *t;

		cur[0] = i;
		for (j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	d = prev[m];
	free(prev2);
	free(prev);
	free(cur);
	return d;
}

int is_suggest_close(const char *word, const char *candidate, size_t distance)
{
	size_t len = strlen(word) > strlen(candidate) ? strlen(word) : strlen(candidate);
	size_t limit = len / 3 > 2 ? len / 3 : 2;

	return distance <= limit && distance < len;
}

const char *is_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_distance = (size_t)-1;

	for (; *candidates; candidates++) {
		size_t d = is_edit_distance(word, *candidates);

		if (d < best_distance) {
			best_distance = d;
			best = *candidates;
		}
	}
	return best && is_suggest_close(word, best, best_distance) ? best : NULL;
}
