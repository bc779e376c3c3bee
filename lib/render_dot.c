/*
 * Graphviz DOT: one node per record, filled by action; MetaGroups are
 * clusters holding their members and a diamond for the gate itself; edges
 * run from a dependency to what depends on it (the order things happen).
 */
#include <string.h>

#include "render.h"
#include "banned.h"

void is_render_dot_quote(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void leaf(const struct is_plan *p, uint32_t v, size_t depth, void *ctx)
{
	const struct is_plan_node *n = &p->nodes[v];
	FILE *fp = ctx;

	is_render_indent(fp, depth);
	is_render_dot_quote(fp, n->id);
	fprintf(fp, " [fillcolor=\"%s\", tooltip=\"%s\"];\n",
	        is_render_colour(n->action), is_action_name(n->action));
}

static void enter(const struct is_plan *p, uint32_t g, size_t depth, void *ctx)
{
	const struct is_plan_node *n = &p->nodes[g];
	FILE *fp = ctx;
	const char *slash = strchr(n->id, '/');

	is_render_indent(fp, depth);
	fprintf(fp, "subgraph \"cluster_%u\" {\n", g);
	is_render_indent(fp, depth + 1);
	fputs("label=", fp);
	is_render_dot_quote(fp, slash ? slash + 1 : n->id);
	fputs("; style=\"rounded,dashed\";\n", fp);
	is_render_indent(fp, depth + 1);
	is_render_dot_quote(fp, n->id);
	fputs(" [shape=diamond, label=\"\", width=0.25, height=0.25, "
	      "fillcolor=\"#ffffff\"];\n", fp);
}

static void leave(const struct is_plan *p, uint32_t g, size_t depth, void *ctx)
{
	(void)p;
	(void)g;
	is_render_indent(ctx, depth);
	fputs("}\n", ctx);
}

/* One arrow; a group's edges to its members are drawn by the cluster. */
static void edge(const struct is_plan *p, uint32_t dep, uint32_t v, void *ctx)
{
	FILE *fp = ctx;

	fputs("  ", fp);
	is_render_dot_quote(fp, p->nodes[dep].id);
	fputs(" -> ", fp);
	is_render_dot_quote(fp, p->nodes[v].id);
	fputs(";\n", fp);
}

int is_render_dot(const struct is_plan *p, FILE *fp)
{
	struct is_render_walk w = { enter, leaf, leave, fp };

	fputs("digraph infrastream {\n  rankdir=LR;\n"
	      "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n",
	      fp);
	is_render_walk(p, &w);
	is_render_edges(p, edge, fp);
	fputs("}\n", fp);
	return ferror(fp) ? -1 : 0;
}
