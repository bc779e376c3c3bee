#!/usr/bin/env python3
"""Generate a deterministic manifest corpus for bench/parse.

usage: parse-gen.py [--scale N] [--seed S] [--one-file] OUTDIR

Writes OUTDIR/tree/ (200 * N files in nested folders, 100 resources each;
left out with --one-file) and OUTDIR/all.yaml (the same documents as one multi-document file),
20000 * N resources in all, about 330 bytes each. The same scale and seed
always give byte-identical output.

Every reference ${Kind/name.outputs.field} and every metadata.dependsOn entry
names a resource defined earlier in the corpus (so the graph is acyclic), and
every metadata.group names a MetaGroup document of the corpus. Names are
globally unique, so the few bare-name references are unambiguous.
"""

import os
import random
import sys

PER_UNIT = 20000
PER_FILE = 100
GROUPS_PER_UNIT = 12

TEAMS = ["payments", "search", "identity", "billing", "platform", "growth",
         "ledger", "ingest"]
ENVS = ["prod", "staging", "dev"]
TIERS = ["web", "api", "worker", "data", "edge"]
REGIONS = ["eu-west-1", "us-east-1", "ap-south-1"]
WORDS = ["orders", "users", "cache", "queue", "events", "sessions", "audit",
         "reports", "invoices", "carts", "assets", "metrics", "tokens",
         "catalog", "profiles", "mail", "search", "billing", "geo", "feeds"]
KINDS = ["File", "Command", "Http", "PostgresDatabase", "PostgresRole", "Noop"]
WEIGHTS = [28, 22, 12, 12, 12, 14]
OUTPUTS = {
    "File": ["path", "sha256", "size"],
    "Command": ["stdout", "exitCode"],
    "Http": ["status", "body", "location"],
    "PostgresDatabase": ["name", "url", "oid"],
    "PostgresRole": ["name", "oid"],
    "Noop": ["value", "id"],
}


def q(s):
    """A double-quoted YAML scalar."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Gen:
    def __init__(self, scale, seed):
        self.r = random.Random(seed)
        self.n = PER_UNIT * scale
        self.ngroups = GROUPS_PER_UNIT * scale
        self.groups = []          # names of MetaGroups emitted so far
        self.made = []            # (kind, name) emitted so far
        self.by_kind = {k: [] for k in KINDS}

    def ref(self, kind=None):
        """A reference to an earlier resource, or None if there is none yet."""
        r = self.r
        pool = self.by_kind[kind] if kind else self.made
        if not pool:
            return None
        # Mostly nearby resources (a stack refers to its own parts), some far.
        if r.random() < 0.8:
            k, name = pool[max(0, len(pool) - 1 - int(r.expovariate(1 / 30)))]
        else:
            k, name = pool[r.randrange(len(pool))]
        field = r.choice(OUTPUTS[k])
        if r.random() < 0.05:
            return "${%s.outputs.%s}" % (name, field)
        return "${%s/%s.outputs.%s}" % (k, name, field)

    def meta(self, kind, name, i):
        r = self.r
        team = TEAMS[i // 2000 % len(TEAMS)]
        env = ENVS[i // 500 % len(ENVS)]
        out = ["apiVersion: infrastream/v1", "kind: " + kind, "metadata:",
               "  name: " + name]
        if self.groups and r.random() < 0.3:
            out.append("  group: " + r.choice(self.groups[-4:]))
        if r.random() < 0.85:
            if r.random() < 0.5:
                out.append("  labels: {env: %s, team: %s}" % (env, team))
            else:
                out.append("  labels: {env: %s, team: %s, tier: %s}"
                           % (env, team, r.choice(TIERS)))
        else:
            out.append("  labels:")
            out.append("    env: " + env)
            out.append("    team: " + team)
            out.append("    region: " + r.choice(REGIONS))
            if r.random() < 0.3:
                out.append('    cost-center: "%04d"' % r.randrange(10000))
        deps = []
        for _ in range(r.choice([0, 0, 0, 1, 1, 2])):
            if self.made:
                k, nm = self.made[r.randrange(max(0, len(self.made) - 200),
                                              len(self.made))]
                deps.append("%s/%s" % (k, nm) if r.random() < 0.9 else nm)
        # Only groups that take no more members: all of them are earlier.
        if len(self.groups) > 4 and r.random() < 0.1:
            deps.append("group:" + r.choice(self.groups[:-4]))
        deps = sorted(set(deps))
        if deps:
            if r.random() < 0.5:
                out.append("  dependsOn: [%s]" % ", ".join(deps))
            else:
                out.append("  dependsOn:")
                out.extend("    - " + d for d in deps)
        return out

    def spec_file(self, name):
        r = self.r
        out = ["spec:",
               "  path: /etc/%s/%s.conf" % (r.choice(WORDS), name),
               '  mode: "0%d44"' % r.choice([6, 6, 4]),
               ]
        if r.random() < 0.4:
            out.append("  owner: " + r.choice(["root", "app", "www-data"]))
        out.append("  content: |")
        for j in range(r.randrange(1, 4)):
            if j == 1 and (x := self.ref()):
                out.append("    upstream = %s" % x)
            else:
                out.append("    %s_%d = %d" % (r.choice(WORDS), j,
                                              r.randrange(1, 5000)))
        return out

    def spec_command(self, name):
        r = self.r
        out = ["spec:", "  create: |"]
        out.append("    mkdir -p /srv/%s" % name)
        if x := self.ref():
            out.append('    echo "%s" > /srv/%s/upstream' % (x, name))
        if r.random() < 0.2:
            out.append("    systemctl reload %s || true" % r.choice(WORDS))
        if r.random() < 0.5:
            out.append("  delete: rm -rf /srv/" + name)
        out.append("  timeout: %ds" % r.choice([30, 60, 120, 300]))
        if r.random() < 0.15:
            out.append("  env: &env")
            out.append("    LANG: C.UTF-8")
            out.append("    TOKEN: ${secret:%s-token}" % r.choice(WORDS))
            out.append("  deleteEnv:")
            out.append("    <<: *env")
            out.append("    FORCE: \"1\"")
        elif r.random() < 0.3:
            out.append("  env: {HOME_BIN: \"$${HOME}/bin\"}")
        return out

    def spec_http(self, name):
        r = self.r
        out = ["spec:",
               "  url: https://%s.example.com/%s" % (r.choice(WORDS), name),
               "  method: " + r.choice(["PUT", "POST", "PUT"]),
               "  headers: {Authorization: \"Bearer ${secret:api-token}\"}",
               ]
        if r.random() < 0.6:
            out.append("  body: >-")
            out.append('    {"name": "%s", "upstream": "%s",' % (name, self.ref()))
            out.append('    "replicas": %d}' % r.randrange(1, 9))
        out.append("  expect: {status: [200, 201], timeoutMs: %d}"
                   % r.choice([500, 1000, 2500]))
        return out

    def spec_db(self, name):
        r = self.r
        out = ["spec:",
               "  server: ${env:PGURL:-postgres://db.internal:5432/postgres}",
               "  owner: " + (self.ref("PostgresRole") or "postgres"),
               "  extensions: [%s]" % ", ".join(
                   sorted(r.sample(["pgcrypto", "citext", "pg_trgm", "uuid-ossp",
                                    "hstore", "postgis"], r.randrange(1, 3)))),
               ]
        if r.random() < 0.4:
            out.append("  backups: {enabled: %s, keepDays: %d}"
                       % (r.choice(["true", "false"]), r.choice([7, 14, 30])))
        else:
            out.append("  settings: {work_mem: %dMB}" % r.choice([4, 16, 64]))
        return out

    def spec_role(self, name):
        r = self.r
        out = ["spec:",
               "  server: ${env:PGURL:-postgres://db.internal:5432/postgres}",
               "  login: %s" % r.choice(["true", "true", "false"]),
               "  password: ${secret:%s-password}" % name,
               "  memberOf:"]
        prev = self.by_kind["PostgresRole"]
        if prev and r.random() < 0.5:
            out.append("    - " + self.ref("PostgresRole"))
        else:
            out.append("    - pg_read_all_stats")
        return out

    def spec_noop(self, name):
        r = self.r
        out = ["spec:", "  value:"]
        if r.random() < 0.3:
            out.append("    note: " + q("it's \"virtual\""))
        out.append("    ports:")
        for _ in range(r.randrange(1, 3)):
            out.append("      - {name: %s, port: %d, protocol: TCP}"
                       % (r.choice(["http", "grpc", "metrics"]), r.randrange(1024, 65535)))
        out.append("    enabled: %s" % r.choice(["true", "false", "null"]))
        out.append("    owner: '%s'" % r.choice(TEAMS))
        if x := self.ref():
            out.append("    from: " + x)
        return out

    def group_doc(self, i):
        name = "grp-%s-%d" % (TEAMS[i % len(TEAMS)], len(self.groups))
        out = ["apiVersion: infrastream/v1", "kind: MetaGroup", "metadata:",
               "  name: " + name,
               "  labels: {team: %s}" % TEAMS[i % len(TEAMS)]]
        if len(self.groups) > 3 and self.r.random() < 0.5:
            out.append("  dependsOn: [group:%s]" % self.groups[-4])
        out.append("spec:")
        out.append("  description: " + q("%s stage %d" % (TEAMS[i % len(TEAMS)],
                                                        len(self.groups))))
        self.groups.append(name)
        return out

    def resource(self, i):
        r = self.r
        kind = r.choices(KINDS, WEIGHTS)[0]
        name = "%s-%s-%d" % (r.choice(WORDS), r.choice(TIERS), i)
        lines = self.meta(kind, name, i)
        lines += {
            "File": self.spec_file, "Command": self.spec_command,
            "Http": self.spec_http, "PostgresDatabase": self.spec_db,
            "PostgresRole": self.spec_role, "Noop": self.spec_noop,
        }[kind](name)
        self.made.append((kind, name))
        self.by_kind[kind].append((kind, name))
        return lines

    def files(self):
        """Yields (relative path, [document text]) in generation order."""
        nfiles = self.n // PER_FILE
        gevery = max(1, self.n // self.ngroups)
        i = 0
        for f in range(nfiles):
            team = TEAMS[f * len(TEAMS) // nfiles]
            env = ENVS[f % len(ENVS)]
            path = "%s/%s/%s-%04d.yaml" % (team, env, WORDS[f % len(WORDS)], f)
            docs = []
            for _ in range(PER_FILE):
                if i % gevery == 0 and len(self.groups) < self.ngroups:
                    docs.append("\n".join(self.group_doc(i)) + "\n")
                docs.append("\n".join(self.resource(i)) + "\n")
                i += 1
            yield path, docs


def main(argv):
    scale, seed, tree, args = 1, 1, True, []
    it = iter(argv)
    for a in it:
        if a == "--scale":
            scale = int(next(it))
        elif a == "--one-file":
            tree = False
        elif a == "--seed":
            seed = int(next(it))
        else:
            args.append(a)
    if len(args) != 1 or scale < 1:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    out = args[0]
    os.makedirs(out, exist_ok=True)
    g = Gen(scale, seed)
    with open(os.path.join(out, "all.yaml"), "w") as big:
        for path, docs in g.files():
            text = "---\n" + "---\n".join(docs)
            if tree:
                full = os.path.join(out, "tree", path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "w") as f:
                    f.write(text)
            big.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
