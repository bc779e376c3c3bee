#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "json.h"
#include "xalloc.h"
#include "banned.h"

static void dump_real(struct is_strbuf *sb, double d)
{
	char text[40];
	int precision;

	/* The shortest of %.15g .. %.17g that reads back exactly. */
	for (precision = 15; precision <= 17; precision++) {
		snprintf(text, sizeof(text), "%.*g", precision, d);
		if (strtod(text, NULL) == d)
			break;
	}
	is_strbuf_adds(sb, text);
	/* Keep the value a real when it looks integral: 1.0 must not become 1. */
	if (!strpbrk(text, ".eEn"))
		is_strbuf_adds(sb, ".0");
}

/* Bytes that JSON strings must escape: controls, '"' and '\\'. */
static const unsigned char needs_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

/*
 * The length of the prefix of p (len bytes) that needs no escape. Eight bytes
 * at a time while none of them is a control, '"' or '\\' (the classic
 * has-zero-byte tests on a word), then byte by byte: a state's output is
 * mostly hashes, ids and times, and the byte loop was a tenth of it.
 */
static size_t plain_prefix(const unsigned char *p, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w, q, b;

		memcpy(&w, p + i, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		if (((w - ones * 0x20) | (q - ones) | (b - ones)) & ~w & highs)
			break;
	}
	while (i < len && !needs_escape[p[i]])
		i++;
	return i;
}

static void add_escape(struct is_strbuf *sb, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7] = { '\\', 0 };

	switch (c) {
	case '"': esc[1] = '"'; break;
	case '\\': esc[1] = '\\'; break;
	case '\n': esc[1] = 'n'; break;
	case '\t': esc[1] = 't'; break;
	case '\r': esc[1] = 'r'; break;
	case '\b': esc[1] = 'b'; break;
	case '\f': esc[1] = 'f'; break;
	default:
		memcpy(esc + 1, "u00", 3);
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
	}
	is_strbuf_adds(sb, esc);
}

void is_json_dump_string(struct is_strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = plain_prefix(p, len), run = 0;

	is_strbuf_grow(sb, len + 2);
	if (i == len) {
		/* Nothing to escape, the usual case: one copy. */
		sb->buf[sb->len] = '"';
		memcpy(sb->buf + sb->len + 1, s, len);
		sb->len += len + 2;
		sb->buf[sb->len - 1] = '"';
		sb->buf[sb->len] = '\0';
		return;
	}
	is_strbuf_addch(sb, '"');
	for (;;) {
		while (i < len && !needs_escape[p[i]])
			i++;
		is_strbuf_add(sb, s + run, i - run);
		if (i == len)
			break;
		add_escape(sb, p[i]);
		run = ++i;
	}
	is_strbuf_addch(sb, '"');
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void dump_object(struct is_strbuf *sb, const json_t *v, int flags)
{
	size_t n = json_object_size(v), i = 0;
	const char *key;
	json_t *value;
	const char *small[32];
	const char **keys = small;

	is_strbuf_addch(sb, '{');
	if (!(flags & IS_JSON_SORT_KEYS)) {
		json_object_foreach((json_t *)v, key, value) {
			if (i++)
				is_strbuf_addch(sb, ',');
			is_json_dump_string(sb, key, strlen(key));
			is_strbuf_addch(sb, ':');
			is_json_dump(sb, value, flags);
		}
		is_strbuf_addch(sb, '}');
		return;
	}
	if (n > 32)
		keys = is_xmalloc(n * sizeof(*keys));
	json_object_foreach((json_t *)v, key, value)
		keys[i++] = key;
	qsort(keys, n, sizeof(*keys), compare_keys);
	for (i = 0; i < n; i++) {
		if (i)
			is_strbuf_addch(sb, ',');
		is_json_dump_string(sb, keys[i], strlen(keys[i]));
		is_strbuf_addch(sb, ':');
		is_json_dump(sb, json_object_get(v, keys[i]), flags);
	}
	if (keys != small)
		free(keys);
	is_strbuf_addch(sb, '}');
}

void is_json_dump(struct is_strbuf *sb, const json_t *v, int flags)
{
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		dump_object(sb, v, flags);
		break;
	case JSON_ARRAY:
		is_strbuf_addch(sb, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				is_strbuf_addch(sb, ',');
			is_json_dump(sb, json_array_get(v, i), flags);
		}
		is_strbuf_addch(sb, ']');
		break;
	case JSON_STRING:
		is_json_dump_string(sb, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		is_strbuf_add_int(sb, (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		dump_real(sb, json_real_value(v));
		break;
	case JSON_TRUE:
		is_strbuf_add(sb, "true", 4);
		break;
	case JSON_FALSE:
		is_strbuf_add(sb, "false", 5);
		break;
	case JSON_NULL:
		is_strbuf_add(sb, "null", 4);
		break;
	}
}

/*
 * OpenSSL 3 looks the algorithm up on every EVP_Digest call; fetching it once
 * halves the cost of hashing a small spec. Freed at exit.
 */
static EVP_MD *sha256_md;

static void release_sha256(void)
{
	EVP_MD_free(sha256_md);
}

static const EVP_MD *sha256(void)
{
	if (!sha256_md) {
		sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
		atexit(release_sha256);
	}
	return sha256_md;
}

void is_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_Digest(data, len, digest, &n, sha256(), NULL);
	for (i = 0; i < n && i < 32; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[2 * i] = '\0';
}

void is_json_hash(const json_t *v, char out[72])
{
	struct is_strbuf sb = IS_STRBUF_INIT;

	is_json_dump(&sb, v, IS_JSON_SORT_KEYS);
	memcpy(out, "sha256:", 7);
	is_sha256_hex(sb.buf, sb.len, out + 7);
	is_strbuf_release(&sb);
}

void is_json_pointer_add(struct is_strbuf *sb, const char *token)
{
	is_strbuf_addch(sb, '/');
	for (; *token; token++) {
		if (*token == '~')
			is_strbuf_add(sb, "~0", 2);
		else if (*token == '/')
			is_strbuf_add(sb, "~1", 2);
		else
			is_strbuf_addch(sb, *token);
	}
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void is_json_diff(const json_t *a, const json_t *b, struct is_strbuf *path,
                  json_t *out)
{
	size_t n, k = 0, i, at = path->len;
	const char **keys;
	const char *key;
	json_t *v;

	if (!json_is_object(a) || !json_is_object(b)) {
		if (!a || !b || !json_equal((json_t *)a, (json_t *)b))
			json_array_append_new(out, json_string(path->buf ? path->buf : ""));
		return;
	}
	/* Both objects: the union of their keys, in byte order. */
	n = json_object_size(a) + json_object_size(b);
	keys = is_xmalloc((n ? n : 1) * sizeof(*keys));
	json_object_foreach((json_t *)a, key, v)
		keys[k++] = key;
	json_object_foreach((json_t *)b, key, v)
		if (!json_object_get(a, key))
			keys[k++] = key;
	qsort(keys, k, sizeof(*keys), by_key);
	for (i = 0; i < k; i++) {
		is_json_pointer_add(path, keys[i]);
		is_json_diff(json_object_get(a, keys[i]), json_object_get(b, keys[i]), path,
		             out);
		path->len = at;
		path->buf[at] = '\0';
	}
	free(keys);
}

static json_t *pointer_step(json_t *v, const char *token, size_t len)
{
	char *key = is_xmalloc(len + 1), *out = key;
	size_t i;
	json_t *next = NULL;

	for (i = 0; i < len; i++) {
		if (token[i] == '~' && i + 1 < len && (token[i + 1] == '0' || token[i + 1] == '1')) {
			*out++ = token[i + 1] == '0' ? '~' : '/';
			i++;
		} else {
			*out++ = token[i];
		}
	}
	*out = '\0';
	if (json_is_object(v)) {
		next = json_object_get(v, key);
	} else if (json_is_array(v) && *key) {
		char *end;
		unsigned long index = strtoul(key, &end, 10);

		if (!*end && (key[0] != '0' || !key[1]))
			next = json_array_get(v, index);
	}
	free(key);
	return next;
}

json_t *is_json_pointer_get(json_t *root, const char *pointer)
{
	json_t *v = root;

	if (!*pointer)
		return root;
	if (*pointer != '/')
		return NULL;
	while (v && *pointer == '/') {
		const char *token = pointer + 1;
		const char *end = strchr(token, '/');
		size_t len = end ? (size_t)(end - token) : strlen(token);

		v = pointer_step(v, token, len);
		pointer = token + len;
	}
	return v;
}
