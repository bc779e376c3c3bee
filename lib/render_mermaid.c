/*
 * A Mermaid flowchart: nodes are named n<index> and labelled with their id
 * (Mermaid names cannot hold '/'), MetaGroups are subgraphs, classes colour
 * the actions.
 */
#include "render.h"
#include "banned.h"

static void label(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputs("#quot;", fp);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

static void leaf(const struct is_plan *p, uint32_t v, size_t depth, void *ctx)
{
	FILE *fp = ctx;

	is_render_indent(fp, depth);
	fprintf(fp, "n%u[", v);
	label(fp, p->nodes[v].id);
	fprintf(fp, "]:::%s\n", is_action_name(p->nodes[v].action));
}

static void enter(const struct is_plan *p, uint32_t g, size_t depth, void *ctx)
{
	FILE *fp = ctx;

	is_render_indent(fp, depth);
	fprintf(fp, "subgraph g%u[", g);
	label(fp, p->nodes[g].id);
	fputs("]\n", fp);
	is_render_indent(fp, depth + 1);
	fprintf(fp, "n%u{{gate}}\n", g);
}

static void leave(const struct is_plan *p, uint32_t g, size_t depth, void *ctx)
{
	(void)p;
	(void)g;
	is_render_indent(ctx, depth);
	fputs("end\n", ctx);
}

static void edge(const struct is_plan *p, uint32_t dep, uint32_t v, void *ctx)
{
	(void)p;
	fprintf(ctx, "  n%u --> n%u\n", dep, v);
}

int is_render_mermaid(const struct is_plan *p, FILE *fp)
{
	struct is_render_walk w = { enter, leaf, leave, fp };
	int a;

	fputs("flowchart LR\n", fp);
	is_render_walk(p, &w);
	is_render_edges(p, edge, fp);
	for (a = 0; a < IS_ACTION_COUNT; a++)
		fprintf(fp, "  classDef %s fill:%s\n", is_action_name(a),
		        is_render_colour(a));
	return ferror(fp) ? -1 : 0;
}
