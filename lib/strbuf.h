#ifndef IS_STRBUF_H
#define IS_STRBUF_H
#include <stddef.h>

/* A growable byte buffer, always NUL-terminated (git's strbuf). */
struct is_strbuf {
	char *buf;
	size_t len, cap;
};

#define IS_STRBUF_INIT { NULL, 0, 0 }

void is_strbuf_init(struct is_strbuf *sb, size_t hint);
void is_strbuf_release(struct is_strbuf *sb);
void is_strbuf_reset(struct is_strbuf *sb);
void is_strbuf_grow(struct is_strbuf *sb, size_t extra);
void is_strbuf_add(struct is_strbuf *sb, const void *data, size_t n);
void is_strbuf_adds(struct is_strbuf *sb, const char *s);
/* Inline: the JSON writer calls it for every quote, comma and colon. */
static inline void is_strbuf_addch(struct is_strbuf *sb, char c)
{
	if (sb->len + 2 > sb->cap)
		is_strbuf_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}
/* An integer in decimal, as "%lld" writes it, without printf's cost. */
void is_strbuf_add_int(struct is_strbuf *sb, long long v);
void is_strbuf_addf(struct is_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the buffer to the caller (who frees it) and resets sb. */
char *is_strbuf_detach(struct is_strbuf *sb, size_t *len);

/* The first needle[0..m) in hay[0..n), or NULL (memmem, which is GNU's). */
const char *is_memfind(const char *hay, size_t n, const char *needle, size_t m);

#endif
