/*
 * Kubernetes-style manifests (tests/corpus/k8s) through the YAML loader:
 * every file loads without error, every document is an object with
 * apiVersion, kind and metadata.name, and the values that take YAML's
 * harder paths (block scalars, anchors, merge keys, quoted look-alikes)
 * come out right.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "strbuf.h"
#include "xalloc.h"
#include "yaml_doc.h"
#include "unit.h"
#include "banned.h"

#define CORPUS "corpus/k8s"

static json_t *all_docs;   /* every document, by "file#n" */

static int yaml_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && !strcmp(d->d_name + n - 5, ".yaml");
}

static int well_formed(const json_t *doc)
{
	const json_t *meta = json_object_get(doc, "metadata");

	return json_is_object(doc) && json_is_string(json_object_get(doc, "apiVersion")) &&
	       json_is_string(json_object_get(doc, "kind")) &&
	       json_is_string(json_object_get(meta, "name"));
}

static int load_file(const char *name)
{
	char *path = is_xasprintf("%s/%s", CORPUS, name);
	struct is_error err = IS_ERROR_INIT;
	struct is_yaml_reader *r = is_yaml_open(path, NULL, &err);
	struct is_yaml_doc doc;
	int rc, docs = 0, bad = 0, shaped = 1;

	if (!r) {
		CHECK(0, "%s: %s", path, err.message);
		free(path);
		is_error_release(&err);
		return 0;
	}
	is_yaml_doc_init(&doc);
	while ((rc = is_yaml_next(r, &doc, &err)) != 0) {
		if (rc < 0) {
			printf("# %s:%ld:%ld: %s\n", err.file, err.line, err.col, err.message);
			bad++;
			continue;
		}
		char *key = is_xasprintf("%s#%d", name, docs++);

		shaped &= well_formed(doc.root);
		json_object_set(all_docs, key, doc.root);
		free(key);
	}
	CHECK(bad == 0 && docs > 0, "%s: %d documents load, %d errors", name, docs, bad);
	CHECK(shaped, "%s: each document has apiVersion, kind and metadata.name", name);
	is_yaml_doc_release(&doc);
	is_yaml_close(r);
	is_error_release(&err);
	free(path);
	return docs;
}

/* The value at a JSON pointer of document "file#n", as compact JSON. */
static char *at(const char *doc, const char *pointer)
{
	json_t *v = is_json_pointer_get(json_object_get(all_docs, doc), pointer);
	struct is_strbuf sb = IS_STRBUF_INIT;

	if (!v)
		return is_xstrdup("<missing>");
	is_json_dump(&sb, v, 0);
	return is_strbuf_detach(&sb, NULL);
}

static void expect(const char *doc, const char *pointer, const char *want)
{
	char *got = at(doc, pointer);

	CHECK(!strcmp(got, want), "%s %s is %s (got %s)", doc, pointer, want, got);
	free(got);
}

static void spot_checks(void)
{
	expect("configmap.yaml#0", "/data/COUNTRY", "\"no\"");
	expect("configmap.yaml#0", "/data/WORKERS", "\"4\"");
	expect("configmap.yaml#0", "/data/application.properties",
	       "\"spring.datasource.url=jdbc:postgresql://shop-db:5432/shop\\n"
	       "spring.jpa.hibernate.ddl-auto=validate\\n"
	       "# a comment inside a literal block stays in the value\\n"
	       "server.port=8080\"");
	expect("configmap.yaml#0", "/data/motd",
	       "\"Welcome to the shop. This text is folded into one line.\\n"
	       "Except after a blank line.\\n\"");
	expect("configmap.yaml#0", "/data/keep-trailing",
	       "\"two lines, and the blank ones after them\\n\\n\"");
	expect("configmap.yaml#0", "/immutable", "false");
	expect("deployment.yaml#0", "/spec/strategy/rollingUpdate/maxSurge", "\"25%\"");
	expect("deployment.yaml#0", "/spec/template/spec/containers/0/resources/limits/cpu",
	       "\"1\"");
	expect("deployment.yaml#0", "/spec/template/spec/containers/0/lifecycle/preStop/exec/command",
	       "[\"/bin/sh\",\"-c\",\"sleep 5 && nginx -s quit\"]");
	expect("cronjob.yaml#1", "/spec/schedule", "\"*/5 * * * *\"");
	expect("cronjob.yaml#1", "/spec/jobTemplate/spec/template/spec/containers/0/command",
	       "[\"/bin/sh\",\"-c\",\"date; echo Hello from the Kubernetes cluster\"]");
	expect("crd.yaml#0", "/spec/versions/0/schema/openAPIV3Schema/properties/spec/"
	       "properties/ratio/default", "0.5");
	expect("crd.yaml#1", "/spec/replicas", "2");
	expect("rbac.yaml#1", "/rules/0/apiGroups", "[\"\"]");
	expect("anchors.yaml#0", "/spec/selector/matchLabels",
	       "{\"app.kubernetes.io/name\":\"worker\",\"app.kubernetes.io/part-of\":\"shop\"}");
	expect("anchors.yaml#0", "/spec/template/metadata/labels",
	       "{\"queue\":\"fast\",\"app.kubernetes.io/name\":\"worker\","
	       "\"app.kubernetes.io/part-of\":\"shop\"}");
	expect("anchors.yaml#1", "/spec/template/metadata/labels/tier", "\"batch\"");
	expect("anchors.yaml#1", "/spec/template/spec/containers/0/resources/limits",
	       "{\"memory\":\"256Mi\",\"cpu\":\"100m\"}");
	expect("networkpolicy.yaml#2", "/spec/hard/pods", "\"50\"");
}

int main(void)
{
	struct dirent **names;
	int n, i, docs = 0;

	all_docs = json_object();
	n = scandir(CORPUS, &names, yaml_file, alphasort);
	CHECK(n >= 10, "the corpus has at least 10 files (%d)", n);
	for (i = 0; i < n; i++) {
		docs += load_file(names[i]->d_name);
		free(names[i]);
	}
	if (n > 0)
		free(names);
	CHECK(docs == 26, "the corpus holds 26 documents (%d)", docs);
	spot_checks();
	json_decref(all_docs);
	return UNIT_DONE();
}
