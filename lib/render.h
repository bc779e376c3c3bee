#ifndef IS_RENDER_H
#define IS_RENDER_H
#include <stdio.h>

#include "plan.h"
#include "strbuf.h"

/*
 * Renderings of a sequenced plan for people and other tools. Each writes to
 * fp (borrowed) and returns 0, or -1 when writing failed.
 *   dot       Graphviz: nodes coloured by action, MetaGroups as clusters
 *   mermaid   a Mermaid flowchart, MetaGroups as subgraphs
 *   text      a readable plan: + create, ~ update, -/+ replace, - delete
 *   markdown  a pull-request comment, kept under GitHub's comment limit
 */
int is_render_dot(const struct is_plan *p, FILE *fp);
int is_render_mermaid(const struct is_plan *p, FILE *fp);
int is_render_text(const struct is_plan *p, FILE *fp);
int is_render_markdown(const struct is_plan *p, FILE *fp);
/* Writes s (borrowed) to fp as a DOT quoted ID: in double quotes, with " and
 * backslash escaped. Shared with is-ledger graph's DOT (ledger_query_graph.c). */
void is_render_dot_quote(FILE *fp, const char *s);
/*
 * For renderers: visits the sequenced nodes as a tree of MetaGroups, groups
 * before their members, members by id, with an explicit stack (groups nest
 * without limit). enter and leave bracket a group, leaf is any other node;
 * a group whose own group is not shown is at the top.
 */
struct is_render_walk {
	void (*enter)(const struct is_plan *p, uint32_t group, size_t depth, void *ctx);
	void (*leaf)(const struct is_plan *p, uint32_t v, size_t depth, void *ctx);
	void (*leave)(const struct is_plan *p, uint32_t group, size_t depth, void *ctx);
	void *ctx;
};
void is_render_walk(const struct is_plan *p, const struct is_render_walk *w);
/* The indentation of a line at a walk's depth (two spaces a level, one level
 * inside the graph's own braces) to fp, for the DOT and Mermaid renderers. */
void is_render_indent(FILE *fp, size_t depth);
/*
 * For renderers: calls edge(p, dep, v, ctx) for each arrow to draw, v in
 * sequence order and its deps in order, leaving out deps not shown and a
 * group's edges to its members (the group's box draws those). ctx is the
 * caller's, passed on.
 */
void is_render_edges(const struct is_plan *p,
                     void (*edge)(const struct is_plan *p, uint32_t dep, uint32_t v,
                                  void *ctx),
                     void *ctx);
/* 1 when v is among the sequenced nodes. */
int is_render_shown(const struct is_plan *p, uint32_t v);
/* Colour of an action for the graph renderings ("#rrggbb"). */
const char *is_render_colour(int action);

/* "2 to create, 1 to update, ... 3 unchanged" of the sequenced plan. */
void is_render_summary(const struct is_plan *p, struct is_strbuf *sb);

/* The most characters is_render_markdown writes (GitHub allows 65536). */
enum { IS_RENDER_MARKDOWN_LIMIT = 60000 };

#endif
