/*
 * libyaml events to jansson values. The tree is built with an explicit stack
 * (no recursion), anchors are shared by reference and counted as expanded, so
 * an alias bomb is caught by counting rather than by running out of memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "strmap.h"
#include "xalloc.h"
#include "yaml_doc.h"
#include "banned.h"

struct anchor {
	json_t *value;          /* a reference held by the table */
	char *text;             /* a scalar's source text (an alias used as a key) */
	size_t nodes;           /* nodes it stands for, aliases expanded */
	size_t bytes;           /* bytes of scalar text it stands for, likewise */
};

struct frame {
	json_t *container;      /* object or array being built (a reference) */
	char *key;              /* pending mapping key, or NULL */
	int key_is_merge;       /* the pending key is a plain "<<" */
	long key_line, key_col;
	long line, col;
	char *anchor;
	size_t nodes_before;    /* document node count when the container began */
	size_t bytes_before;    /* and the scalar bytes */
	json_t *merges;         /* mappings named by "<<", merged at the end */
	int keep_positions;     /* record where every member is (see push) */
};

struct is_yaml_reader {
	yaml_parser_t parser;
	char *name;
	int fd, own_fd;
	FILE *flush;
	int finished;           /* end of stream, or a syntax error */
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	struct is_strmap anchor_index;  /* name to 1 + index in anchors */
	struct frame *stack;
	size_t depth, cap_stack;
	size_t nodes;
	size_t bytes;           /* scalar text of the document, aliases expanded */
	size_t alias_bytes;     /* the part of it that aliases added */
	struct is_yaml_doc *doc;
};

static int would_block(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

static int read_handler(void *data, unsigned char *buffer, size_t size, size_t *size_read)
{
	struct is_yaml_reader *r = data;
	ssize_t n;

	if (r->flush && would_block(r->fd))
		fflush(r->flush);
	do
		n = read(r->fd, buffer, size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return 0;
	*size_read = (size_t)n;
	return 1;
}

static struct is_yaml_reader *reader_new(const char *name)
{
	struct is_yaml_reader *r = is_xcalloc(1, sizeof(*r));

	r->name = is_xstrdup(name);
	r->fd = -1;
	is_strmap_init(&r->anchor_index);
	if (!yaml_parser_initialize(&r->parser)) {
		free(r->name);
		free(r);
		return NULL;
	}
	return r;
}

struct is_yaml_reader *is_yaml_open(const char *path, FILE *flush, struct is_error *err)
{
	struct is_yaml_reader *r;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;

	if (fd < 0) {
		is_error_set(err, "read", path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	r = reader_new(strcmp(path, "-") ? path : "<stdin>");
	if (!r) {
		if (fd > 0)
			close(fd);
		is_error_set(err, "yaml", path, 0, 0, "cannot start the YAML parser");
		return NULL;
	}
	r->fd = fd;
	r->own_fd = fd > 0;
	r->flush = flush;
	yaml_parser_set_input(&r->parser, read_handler, r);
	return r;
}

struct is_yaml_reader *is_yaml_open_buffer(const char *name, const void *data,
                                           size_t len, struct is_error *err)
{
	struct is_yaml_reader *r = reader_new(name);

	if (!r) {
		is_error_set(err, "yaml", name, 0, 0, "cannot start the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&r->parser, data, len);
	return r;
}

static void drop_anchors(struct is_yaml_reader *r)
{
	size_t i;

	for (i = 0; i < r->n_anchors; i++) {
		json_decref(r->anchors[i].value);
		free(r->anchors[i].text);
	}
	r->n_anchors = 0;
	is_strmap_release(&r->anchor_index);
}

static void drop_stack(struct is_yaml_reader *r)
{
	while (r->depth > 0) {
		struct frame *f = &r->stack[--r->depth];

		json_decref(f->container);
		json_decref(f->merges);
		free(f->key);
		free(f->anchor);
	}
}

void is_yaml_close(struct is_yaml_reader *r)
{
	if (!r)
		return;
	drop_stack(r);
	drop_anchors(r);
	free(r->anchors);
	free(r->stack);
	yaml_parser_delete(&r->parser);
	if (r->own_fd)
		close(r->fd);
	free(r->name);
	free(r);
}

void is_yaml_doc_init(struct is_yaml_doc *doc)
{
	memset(doc, 0, sizeof(*doc));
	is_posmap_init(&doc->pos);
}

void is_yaml_doc_release(struct is_yaml_doc *doc)
{
	json_decref(doc->root);
	doc->root = NULL;
	is_posmap_release(&doc->pos);
}

static int fail_at(struct is_yaml_reader *r, struct is_error *err, const yaml_mark_t *m,
                   const char *code, const char *fmt, const char *arg)
{
	return is_error_set(err, code, r->name, (long)m->line + 1, (long)m->column + 1,
	                    fmt, arg ? arg : "");
}

/* A map rather than a scan: a document may hold a great many anchors. */
static struct anchor *find_anchor(struct is_yaml_reader *r, const char *name)
{
	uintptr_t i = (uintptr_t)is_strmap_get(&r->anchor_index, name);

	return i ? &r->anchors[i - 1] : NULL;
}

/* value is borrowed; text (a scalar's, or NULL) is copied. A later anchor of
 * the same name replaces the earlier one, as YAML says. */
static void define_anchor(struct is_yaml_reader *r, const char *name, json_t *value,
                          const char *text, size_t nodes, size_t bytes)
{
	struct anchor *a = find_anchor(r, name);

	if (!a) {
		r->anchors = is_xgrow(r->anchors, &r->cap_anchors, r->n_anchors + 1,
		                      sizeof(*r->anchors));
		a = &r->anchors[r->n_anchors++];
		a->value = NULL;
		a->text = NULL;
		is_strmap_put(&r->anchor_index, name, (void *)(uintptr_t)r->n_anchors);
	}
	json_decref(a->value);
	free(a->text);
	a->value = json_incref(value);
	a->text = text ? is_xstrdup(text) : NULL;
	a->nodes = nodes;
	a->bytes = bytes;
}

static int count_nodes(struct is_yaml_reader *r, size_t n, const yaml_mark_t *m,
                       struct is_error *err)
{
	r->nodes += n;
	if (r->nodes > IS_YAML_MAX_NODES)
		return is_error_set(err, "yaml-too-many-nodes", r->name, (long)m->line + 1,
		                    (long)m->column + 1,
		                    "document expands to more than %d nodes (an alias bomb?); "
		                    "split it or use fewer aliases", IS_YAML_MAX_NODES);
	return 0;
}

/*
 * Aliases share their node, so the tree stays small, but whoever prints the
 * document writes each alias out in full: a few kilobytes of long strings
 * under nested aliases stay under the node cap and still print as gigabytes.
 */
static int count_alias_bytes(struct is_yaml_reader *r, size_t n, const yaml_mark_t *m,
                             struct is_error *err)
{
	r->bytes += n;
	r->alias_bytes += n;
	if (r->alias_bytes > IS_YAML_MAX_ALIAS_BYTES)
		return is_error_set(err, "yaml-too-many-nodes", r->name, (long)m->line + 1,
		                    (long)m->column + 1,
		                    "aliases expand to more than %d MiB of text (an alias "
		                    "bomb?); split the document or use fewer aliases",
		                    IS_YAML_MAX_ALIAS_BYTES >> 20);
	return 0;
}

static int wants_position(const struct frame *f, const json_t *v)
{
	if (f->keep_positions)
		return 1;
	return json_is_string(v) && strstr(json_string_value(v), "${") != NULL;
}

static void record_position(struct is_yaml_reader *r, struct frame *f, const char *key,
                            size_t index, const yaml_mark_t *m)
{
	struct is_pos pos = {
		.key_line = f->key_line, .key_col = f->key_col,
		.line = (long)m->line + 1, .col = (long)m->column + 1,
	};

	if (key)
		key = json_object_iter_key(json_object_iter_at(f->container, key));
	is_posmap_put(&r->doc->pos, f->container, key, index, &pos);
}

static int add_member(struct is_yaml_reader *r, struct frame *f, json_t *value,
                      const yaml_mark_t *m, struct is_error *err)
{
	char *key = f->key;
	size_t before;

	f->key = NULL;
	if (f->key_is_merge) {
		f->key_is_merge = 0;
		free(key);
		if (!f->merges)
			f->merges = json_array();
		if (json_is_object(value)) {
			json_array_append_new(f->merges, value);
			return 0;
		}
		if (json_is_array(value)) {
			size_t i;

			for (i = 0; i < json_array_size(value); i++)
				if (!json_is_object(json_array_get(value, i)))
					break;
			if (i == json_array_size(value)) {
				json_array_extend(f->merges, value);
				json_decref(value);
				return 0;
			}
		}
		json_decref(value);
		return fail_at(r, err, m, "yaml-merge",
		               "merge key '<<' needs a mapping or a list of mappings%s", NULL);
	}
	before = json_object_size(f->container);
	json_object_set_new_nocheck(f->container, key, value);
	/* Same size: the key was there and its value was replaced. */
	if (json_object_size(f->container) == before) {
		is_error_set(err, "yaml-duplicate-key", r->name, f->key_line, f->key_col,
		             "duplicate key '%s'", key);
		free(key);
		return -1;
	}
	if (wants_position(f, value))
		record_position(r, f, key, 0, m);
	free(key);
	return 0;
}

/* Attaches a finished node (stolen) to its parent, or makes it the root. */
static int attach(struct is_yaml_reader *r, json_t *value, const yaml_mark_t *m,
                  struct is_error *err)
{
	struct frame *f;

	if (!value)
		return fail_at(r, err, m, "yaml", "out of memory%s", NULL);
	if (r->depth == 0) {
		json_decref(r->doc->root);
		r->doc->root = value;
		r->doc->line = (long)m->line + 1;
		r->doc->col = (long)m->column + 1;
		return 0;
	}
	f = &r->stack[r->depth - 1];
	if (json_is_array(f->container)) {
		json_array_append_new(f->container, value);
		if (wants_position(f, value))
			record_position(r, f, NULL, json_array_size(f->container) - 1, m);
		return 0;
	}
	return add_member(r, f, value, m, err);
}

/* A mapping key is the scalar's text, whatever that text would type as. */
static void take_key(struct frame *f, yaml_event_t *ev, int plain)
{
	/* The event's text is malloc'd by libyaml (yaml_free is free): taking it
	 * saves a copy of every key. */
	f->key = (char *)ev->data.scalar.value;
	ev->data.scalar.value = NULL;
	f->key_is_merge = plain && !strcmp(f->key, "<<");
	f->key_line = (long)ev->start_mark.line + 1;
	f->key_col = (long)ev->start_mark.column + 1;
}

static int expecting_key(const struct is_yaml_reader *r)
{
	const struct frame *f = r->depth ? &r->stack[r->depth - 1] : NULL;

	return f && json_is_object(f->container) && !f->key;
}

static int on_scalar(struct is_yaml_reader *r, yaml_event_t *ev, struct is_error *err)
{
	const char *text = (const char *)ev->data.scalar.value;
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	const char *tag = (const char *)ev->data.scalar.tag;
	json_t *v;

	if (memchr(text, '\0', ev->data.scalar.length))
		return fail_at(r, err, &ev->start_mark, "yaml-nul",
		               "NUL character in a string%s", NULL);
	if (count_nodes(r, 1, &ev->start_mark, err) < 0)
		return -1;
	r->bytes += ev->data.scalar.length;
	if (expecting_key(r)) {
		/* A key is its text; the anchor still stands for the typed value. */
		if (ev->data.scalar.anchor) {
			v = is_yaml_scalar(text, plain, tag);
			define_anchor(r, (const char *)ev->data.scalar.anchor,
			              v ? v : json_null(), text, 1, ev->data.scalar.length);
			json_decref(v);
		}
		take_key(&r->stack[r->depth - 1], ev, plain);
		return 0;
	}
	v = is_yaml_scalar(text, plain, tag);
	if (!v)
		return is_error_set(err, "yaml-tag", r->name, (long)ev->start_mark.line + 1,
		                    (long)ev->start_mark.column + 1,
		                    "'%s' does not fit its tag '%s'", text, tag);
	if (ev->data.scalar.anchor)
		define_anchor(r, (const char *)ev->data.scalar.anchor, v, text, 1,
		              ev->data.scalar.length);
	return attach(r, v, &ev->start_mark, err);
}

/* Whether an open collection carries the anchor: an alias inside the node it
 * names would make a cycle, which JSON cannot hold. */
static int anchor_is_open(const struct is_yaml_reader *r, const char *name)
{
	size_t i;

	for (i = r->depth; i-- > 0;)
		if (r->stack[i].anchor && !strcmp(r->stack[i].anchor, name))
			return 1;
	return 0;
}

static int on_alias(struct is_yaml_reader *r, yaml_event_t *ev, struct is_error *err)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct anchor *a = find_anchor(r, name);

	if (anchor_is_open(r, name))
		return fail_at(r, err, &ev->start_mark, "yaml-alias",
		               "alias '*%s' is inside the node it names (a cycle)", name);
	if (!a)
		return fail_at(r, err, &ev->start_mark, "yaml-alias",
		               "alias '*%s' names no anchor defined before it", name);
	if (count_nodes(r, a->nodes, &ev->start_mark, err) < 0 ||
	    count_alias_bytes(r, a->bytes, &ev->start_mark, err) < 0)
		return -1;
	if (expecting_key(r)) {
		struct frame *f = &r->stack[r->depth - 1];

		if (!a->text)
			return fail_at(r, err, &ev->start_mark, "yaml-complex-key",
			               "alias '*%s' used as a key is not a scalar", name);
		f->key = is_xstrdup(a->text);
		f->key_is_merge = 0;
		f->key_line = (long)ev->start_mark.line + 1;
		f->key_col = (long)ev->start_mark.column + 1;
		return 0;
	}
	return attach(r, json_incref(a->value), &ev->start_mark, err);
}

/*
 * Positions are kept for what a manifest check may point at: every top-level
 * member, and everything down to two levels inside "metadata" (labels,
 * dependsOn entries). Deeper in spec only strings with "${" are placed.
 */
static int keeps_positions(const struct is_yaml_reader *r)
{
	const struct frame *parent;

	if (r->depth == 1)
		return 1;
	parent = &r->stack[r->depth - 2];
	if (!parent->keep_positions || r->depth > 3)
		return 0;
	return r->depth == 3 || (parent->key && !strcmp(parent->key, "metadata"));
}

static int push(struct is_yaml_reader *r, json_t *container, const char *anchor,
                const yaml_mark_t *m, struct is_error *err)
{
	struct frame *f;

	if (expecting_key(r)) {
		const char *what = json_is_object(container) ? "mapping" : "sequence";

		json_decref(container);
		return fail_at(r, err, m, "yaml-complex-key",
		               "a mapping key must be a scalar, not a %s", what);
	}
	if (r->depth >= IS_YAML_MAX_DEPTH) {
		json_decref(container);
		return is_error_set(err, "yaml-too-deep", r->name, (long)m->line + 1,
		                    (long)m->column + 1, "nesting deeper than %d levels",
		                    IS_YAML_MAX_DEPTH);
	}
	if (count_nodes(r, 1, m, err) < 0) {
		json_decref(container);
		return -1;
	}
	r->stack = is_xgrow(r->stack, &r->cap_stack, r->depth + 1, sizeof(*r->stack));
	f = &r->stack[r->depth++];
	memset(f, 0, sizeof(*f));
	f->keep_positions = keeps_positions(r);
	f->container = container;
	f->anchor = anchor ? is_xstrdup(anchor) : NULL;
	f->line = (long)m->line + 1;
	f->col = (long)m->column + 1;
	f->nodes_before = r->nodes - 1;
	f->bytes_before = r->bytes;
	return 0;
}

static void apply_merges(struct frame *f)
{
	size_t i;
	const char *key;
	json_t *value;

	for (i = 0; i < json_array_size(f->merges); i++)
		json_object_foreach(json_array_get(f->merges, i), key, value)
			if (!json_object_get(f->container, key))
				json_object_set(f->container, key, value);
}

static int pop(struct is_yaml_reader *r, struct is_error *err)
{
	struct frame f = r->stack[--r->depth];
	yaml_mark_t m = { 0, (size_t)(f.line - 1), (size_t)(f.col - 1) };
	int rc;

	if (f.merges)
		apply_merges(&f);
	if (f.anchor)
		define_anchor(r, f.anchor, f.container, NULL, r->nodes - f.nodes_before,
		              r->bytes - f.bytes_before);
	json_decref(f.merges);
	free(f.anchor);
	free(f.key);
	/* attach() records the value at the container's own start. */
	rc = attach(r, f.container, &m, err);
	return rc;
}

static int on_event(struct is_yaml_reader *r, yaml_event_t *ev, struct is_error *err)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(r, ev, err);
	case YAML_ALIAS_EVENT:
		return on_alias(r, ev, err);
	case YAML_SEQUENCE_START_EVENT:
		return push(r, json_array(), (const char *)ev->data.sequence_start.anchor,
		            &ev->start_mark, err);
	case YAML_MAPPING_START_EVENT:
		return push(r, json_object(), (const char *)ev->data.mapping_start.anchor,
		            &ev->start_mark, err);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return pop(r, err);
	default:
		return 0;
	}
}

/*
 * Where a reader (encoding) error stands. libyaml gives only a byte offset,
 * but every character before the bad byte is decoded: the scanner's mark is
 * at buffer.pointer, and buffer.last ends just before the bad byte, so
 * counting the characters between them gives its line and column.
 */
static void reader_error_position(const yaml_parser_t *p, long *line, long *col)
{
	const unsigned char *q = p->buffer.pointer, *end = p->buffer.last;
	size_t l = p->mark.line, c = p->mark.column;

	for (; q && q < end; q++) {
		if (*q == '\r' && q + 1 < end && q[1] == '\n')
			continue;       /* CRLF is one line break */
		if (*q == '\n' || *q == '\r') {
			l++;
			c = 0;
		} else if ((*q & 0xc0) != 0x80) {
			c++;            /* a character, not a UTF-8 continuation byte */
		}
	}
	*line = (long)l + 1;
	*col = (long)c + 1;
}

static int encoding_error(struct is_yaml_reader *r, struct is_error *err)
{
	yaml_parser_t *p = &r->parser;
	const char *what = p->problem ? p->problem : "invalid input";
	long line, col;

	reader_error_position(p, &line, &col);
	if (!strcmp(what, "control characters are not allowed"))
		return p->problem_value == 0 ?
		       is_error_set(err, "yaml-encoding", r->name, line, col,
		                    "NUL byte: files must be UTF-8 text without NUL or "
		                    "control characters") :
		       is_error_set(err, "yaml-encoding", r->name, line, col,
		                    "control character U+%04X: files must be UTF-8 text "
		                    "without NUL or control characters",
		                    (unsigned)p->problem_value);
	/*
	 * libyaml names the octet it stumbled on, a trailing one for a cut
	 * sequence; the byte the position points at, where the sequence starts,
	 * says more (0xe9 is a Latin-1 'e' with an accent).
	 */
	if (strstr(what, "UTF-8") && p->raw_buffer.pointer < p->raw_buffer.last)
		return is_error_set(err, "yaml-encoding", r->name, line, col,
		                    "invalid UTF-8 (byte 0x%02x): files must be UTF-8 text "
		                    "without NUL or control characters",
		                    (unsigned)p->raw_buffer.pointer[0]);
	return is_error_set(err, "yaml-encoding", r->name, line, col,
	                    "%s: files must be UTF-8 text without NUL or control characters",
	                    what);
}

/* A hint for libyaml's most puzzling messages, or "". */
static const char *syntax_hint(const yaml_parser_t *p)
{
	if (p->error == YAML_SCANNER_ERROR && p->buffer.pointer < p->buffer.last &&
	    *p->buffer.pointer == '\t' && !strstr(p->problem, "tab"))
		return " (a tab: indent with spaces)";
	if (!strcmp(p->problem, "mapping values are not allowed in this context"))
		return " (quote a value that holds ': ')";
	return "";
}

static int syntax_error(struct is_yaml_reader *r, struct is_error *err)
{
	yaml_parser_t *p = &r->parser;
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;

	r->finished = 1;
	if (p->error == YAML_READER_ERROR)
		return encoding_error(r, err);
	if (!p->problem)
		return is_error_set(err, "yaml-syntax", r->name, (long)m->line + 1,
		                    (long)m->column + 1, "invalid YAML");
	/* "while scanning for the next token" starts where the problem is. */
	if (p->context && p->context_mark.index != p->problem_mark.index)
		return is_error_set(err, "yaml-syntax", r->name, (long)m->line + 1,
		                    (long)m->column + 1, "%s %s that starts on line %zu%s",
		                    p->problem, p->context, p->context_mark.line + 1,
		                    syntax_hint(p));
	if (p->context)
		return is_error_set(err, "yaml-syntax", r->name, (long)m->line + 1,
		                    (long)m->column + 1, "%s %s%s", p->problem, p->context,
		                    syntax_hint(p));
	return is_error_set(err, "yaml-syntax", r->name, (long)m->line + 1,
	                    (long)m->column + 1, "%s%s", p->problem, syntax_hint(p));
}

/* After an error inside a document, skips to its end so the next one parses. */
static void skip_document(struct is_yaml_reader *r)
{
	yaml_event_t ev;

	drop_stack(r);
	while (!r->finished) {
		if (!yaml_parser_parse(&r->parser, &ev)) {
			r->finished = 1;
			return;
		}
		if (ev.type == YAML_DOCUMENT_END_EVENT || ev.type == YAML_STREAM_END_EVENT) {
			r->finished = ev.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&ev);
			return;
		}
		yaml_event_delete(&ev);
	}
}

int is_yaml_next(struct is_yaml_reader *r, struct is_yaml_doc *doc, struct is_error *err)
{
	yaml_event_t ev;
	int in_document = 0;

	/* Keep the position table: one allocation for the whole stream. */
	json_decref(doc->root);
	doc->root = NULL;
	is_posmap_clear(&doc->pos);
	r->doc = doc;
	while (!r->finished) {
		if (!yaml_parser_parse(&r->parser, &ev)) {
			/* Nothing of this document may outlive the call (see json_arena.h). */
			drop_stack(r);
			drop_anchors(r);
			return syntax_error(r, err);
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			r->finished = 1;
		} else if (ev.type == YAML_DOCUMENT_START_EVENT) {
			drop_anchors(r);
			r->nodes = r->bytes = r->alias_bytes = 0;
			in_document = 1;
			doc->line = (long)ev.start_mark.line + 1;
			doc->col = (long)ev.start_mark.column + 1;
		} else if (ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			drop_anchors(r);
			return 1;
		} else if (in_document && on_event(r, &ev, err) < 0) {
			yaml_event_delete(&ev);
			/*
			 * libyaml's scanner is quadratic in flow nesting (100k '[' take
			 * seconds): past the depth cap the rest of the stream is dropped
			 * rather than scanned to the document's end.
			 */
			if (err->code && !strcmp(err->code, "yaml-too-deep")) {
				drop_stack(r);
				r->finished = 1;
			} else {
				skip_document(r);
			}
			drop_anchors(r);
			json_decref(doc->root);
			doc->root = NULL;
			is_posmap_clear(&doc->pos);
			return -1;
		}
		yaml_event_delete(&ev);
	}
	return 0;
}
