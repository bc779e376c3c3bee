/* The id index of is-parse: ids with their places, bare names, growth. */
#include <stdio.h>
#include <string.h>

#include "idindex.h"
#include "unit.h"

int main(void)
{
	struct is_idindex x;
	struct is_idplace a = { "a.yaml", 3, 1 }, b = { "b.yaml", 7, 5 }, got;
	const char *id;
	char buf[64];
	size_t i, n, found = 0, places = 0;

	is_idindex_init(&x);
	CHECK(!is_idindex_find(&x, "File/x", NULL) && !is_idindex_name(&x, "x"),
	      "an empty index has no id and no name");
	id = is_idindex_add(&x, "File/x", &a);
	CHECK(id && !strcmp(id, "File/x"), "an id is added and its copy returned");
	CHECK(is_idindex_add_name(&x, id) == 0, "its name is new");
	CHECK(!is_idindex_add(&x, "File/x", &b), "the same id again is refused");
	CHECK(is_idindex_find(&x, "File/x", &got) && !strcmp(got.file, "a.yaml") &&
	      got.line == 3 && got.col == 1, "the place of the first definition is kept");
	CHECK(!strcmp(is_idindex_name(&x, "x"), "File/x"), "the bare name gives the id");
	id = is_idindex_add(&x, "Command/x", &b);
	CHECK(is_idindex_add_name(&x, id) == 1, "a second kind with the name: ambiguous now");
	CHECK(is_idindex_name(&x, "x") == is_idindex_ambiguous, "the name answers ambiguous");
	id = is_idindex_add(&x, "Noop/x", &b);
	CHECK(is_idindex_add_name(&x, id) == 2, "a third: it was already");
	CHECK(is_idindex_find(&x, "File/x", &got) && got.col == 1,
	      "the ambiguity mark leaves the column alone");

	/* Past several doublings of both tables and of the pool. */
	for (i = 0; i < 50000; i++) {
		snprintf(buf, sizeof(buf), "Kind%zu/name-%zu", i % 7, i);
		a.line = i + 1;
		id = is_idindex_add(&x, buf, &a);
		if (id)
			is_idindex_add_name(&x, id);
	}
	for (i = 0; i < 50000; i++) {
		snprintf(buf, sizeof(buf), "Kind%zu/name-%zu", i % 7, i);
		places += is_idindex_find(&x, buf, &got) && got.line == i + 1;
		found += is_idindex_name(&x, buf + strcspn(buf, "/") + 1) != NULL;
	}
	CHECK(places == 50000, "50,000 ids found with their places after growing (%zu)", places);
	CHECK(found == 50000, "and their names (%zu)", found);
	for (i = 0, n = 0; is_idindex_next(&x, &i);)
		n++;
	CHECK(n == 50003, "iteration sees every id once (%zu)", n);
	CHECK(!is_idindex_find(&x, "Kind1/name-0", NULL), "an id never added is not found");
	is_idindex_release(&x);
	return UNIT_DONE();
}
