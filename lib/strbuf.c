#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

void is_strbuf_init(struct is_strbuf *sb, size_t hint)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	if (hint)
		is_strbuf_grow(sb, hint);
}

void is_strbuf_release(struct is_strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void is_strbuf_reset(struct is_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void is_strbuf_grow(struct is_strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 > sb->cap) {
		sb->buf = is_xgrow(sb->buf, &sb->cap, sb->len + extra + 1, 1);
		sb->buf[sb->len] = '\0';   /* a new buffer is a string too */
	}
}

void is_strbuf_add(struct is_strbuf *sb, const void *data, size_t n)
{
	is_strbuf_grow(sb, n);
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void is_strbuf_adds(struct is_strbuf *sb, const char *s)
{
	is_strbuf_add(sb, s, strlen(s));
}

/* printf's machinery costs more than the rest of a record's output. */
void is_strbuf_add_int(struct is_strbuf *sb, long long v)
{
	char digits[24], *p = digits + sizeof(digits);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	is_strbuf_add(sb, p, (size_t)(digits + sizeof(digits) - p));
}

void is_strbuf_addf(struct is_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	is_strbuf_grow(sb, 64);
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sb->cap - sb->len) {
		is_strbuf_grow(sb, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

char *is_strbuf_detach(struct is_strbuf *sb, size_t *len)
{
	char *out;

	if (!sb->buf)
		is_strbuf_grow(sb, 0);
	out = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return out;
}

/* memmem is a GNU extension; this is the portable few lines of it. */
const char *is_memfind(const char *hay, size_t n, const char *needle, size_t m)
{
	const char *p = hay, *end = hay + n;

	while (m && (size_t)(end - p) >= m &&
	       (p = memchr(p, needle[0], (size_t)(end - p - (ptrdiff_t)m + 1))) != NULL) {
		if (!memcmp(p, needle, m))
			return p;
		p++;
	}
	return NULL;
}
