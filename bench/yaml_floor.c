/*
 * The floor for bench/parse: the least any libyaml-based parser can do. Reads
 * each FILE, pulls every event out of yaml_parser_parse and throws it away. No
 * tree, no JSON, no output. is-parse is measured against this.
 *
 * usage: yaml_floor file ...
 */
#include <stdio.h>
#include <string.h>
#include <yaml.h>

static int
drain(const char *path)
{
	FILE *f;
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0, rc = 0;

	if (!(f = fopen(path, "rb"))) {
		perror(path);
		return 1;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "yaml_floor: %s:%lu:%lu: %s\n", path,
			        (unsigned long)p.problem_mark.line + 1,
			        (unsigned long)p.problem_mark.column + 1,
			        p.problem ? p.problem : "parse error");
			rc = 1;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	fclose(f);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
		fputs("usage: yaml_floor file ...\n", stderr);
		return 2;
	}
	for (i = 1; i < argc; i++)
		rc |= drain(argv[i]);
	return rc;
}
