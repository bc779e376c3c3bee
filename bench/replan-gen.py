#!/usr/bin/env python3
"""Input for bench/replan: turns the resource records of exec-gen.py (a random
DAG) into the same DAG of File resources, twice:

    exec-gen.py N | replan-gen.py DIR

DIR/manifests/part-NNN.yaml: YAML manifests for is-parse, 100 documents a
file, each a File writing "n I" to files/rNNNNNN (relative to the folder the
pipeline runs in), its edges as metadata.dependsOn.

DIR/terraform/main.tf: the same resources as Terraform's built-in
terraform_data, the same edges as depends_on, each with a local-exec
provisioner that writes the same file (Terraform has no File resource
without a provider from the registry). The input of each is its content, so
a changed content would plan a replacement, as a changed File spec would.

Deterministic: the same records always give the same bytes.
"""
import json
import os
import sys

PER_FILE = 100


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: exec-gen.py N | replan-gen.py DIR")
    top = sys.argv[1]
    names = []
    deps = []
    for line in sys.stdin:
        rec = json.loads(line)
        names.append(rec["name"])
        deps.append([d.split("/", 1)[1] for d in rec["deps"]])
    os.makedirs(os.path.join(top, "manifests"), exist_ok=True)
    os.makedirs(os.path.join(top, "terraform"), exist_ok=True)
    for start in range(0, len(names), PER_FILE):
        path = os.path.join(top, "manifests", "part-%03d.yaml" % (start // PER_FILE))
        with open(path, "w") as f:
            for i in range(start, min(start + PER_FILE, len(names))):
                f.write(manifest(i, names[i], deps[i]))
    with open(os.path.join(top, "terraform", "main.tf"), "w") as f:
        for i, name in enumerate(names):
            f.write(terraform(i, name, deps[i]))


def manifest(i, name, deps):
    text = "---\napiVersion: infrastream/v1\nkind: File\nmetadata:\n  name: %s\n" % name
    if deps:
        text += "  dependsOn: [%s]\n" % ", ".join("File/" + d for d in deps)
    return text + 'spec:\n  path: files/%s\n  content: "n %d\\n"\n' % (name, i)


def terraform(i, name, deps):
    text = 'resource "terraform_data" "%s" {\n  input = "n %d"\n' % (name, i)
    if deps:
        text += "  depends_on = [%s]\n" % ", ".join("terraform_data." + d for d in deps)
    return text + ('  provisioner "local-exec" {\n'
                   "    command = \"printf 'n %d\\\\n' >files/%s\"\n  }\n}\n" % (i, name))


if __name__ == "__main__":
    main()
