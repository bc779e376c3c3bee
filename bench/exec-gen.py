#!/usr/bin/env python3
"""Writes a random DAG of resources as NDJSON resource records (is-parse's
shape, ready for is-graph), for bench/exec and the is-exec tests.

  exec-gen.py N [--seed S] [--kind Noop] [--sleep-ms MS] [--max-deps D]
              [--make FILE] [--ninja FILE] [--cmd CMD]

Resource i depends on up to D earlier ones, chosen at random among the
previous 200, so the graph has long chains and wide levels. --make and
--ninja also write an equivalent Makefile / build.ninja that run CMD per node.
"""
import argparse
import json
import random
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kind", default="Noop")
    ap.add_argument("--sleep-ms", type=float, default=0)
    ap.add_argument("--random-sleep", action="store_true",
                    help="sleep a random 1..sleep-ms per node")
    ap.add_argument("--max-deps", type=int, default=3)
    ap.add_argument("--window", type=int, default=200)
    ap.add_argument("--make")
    ap.add_argument("--ninja")
    ap.add_argument("--cmd", default="true")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    deps = []
    out = sys.stdout
    for i in range(a.n):
        lo = max(0, i - a.window)
        k = rnd.randint(0, min(a.max_deps, i - lo)) if i else 0
        d = sorted(set(rnd.sample(range(lo, i), k))) if k else []
        deps.append(d)
        name = "r%06d" % i
        spec = {"outputs": {"n": i}}
        meta = {}
        if a.kind == "Command":
            spec = {"create": [a.cmd], "outputs": {"n": i}}
        if a.sleep_ms:
            ms = rnd.randint(1, int(a.sleep_ms)) if a.random_sleep else a.sleep_ms
            spec["sleepMs"] = ms
            meta["expectedSeconds"] = ms / 1000.0
        rec = {"type": "resource", "v": 1, "id": "%s/%s" % (a.kind, name),
               "kind": a.kind, "name": name, "labels": {}, "group": None,
               "metadata": meta, "spec": spec,
               "deps": ["%s/r%06d" % (a.kind, j) for j in d], "refs": []}
        out.write(json.dumps(rec, separators=(",", ":")) + "\n")
    if a.make:
        with open(a.make, "w") as f:
            names = " ".join("r%06d" % i for i in range(a.n))
            f.write(".PHONY: all %s\nall: %s\n" % (names, names))
            for i, d in enumerate(deps):
                f.write("r%06d: %s\n\t@%s\n" % (
                    i, " ".join("r%06d" % j for j in d), a.cmd))
    if a.ninja:
        with open(a.ninja, "w") as f:
            f.write("rule run\n  command = %s\n" % a.cmd)
            for i, d in enumerate(deps):
                f.write("build r%06d: run%s\n" % (
                    i, (" | " + " ".join("r%06d" % j for j in d)) if d else ""))


if __name__ == "__main__":
    main()
