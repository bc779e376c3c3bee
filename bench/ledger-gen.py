#!/usr/bin/env python3
"""Input for bench/ledger: one run of N event records over R resources.

    ledger-gen.py ndjson N R [--ready-only] >run.ndjson
    ledger-gen.py sql N R [--ready-only] >rows.sql

Deterministic. Resources are Noop/r00000 ... Noop/rR-1, each depending on the
one before (so every state has a dependency row); their spec, outputs and
labels are small objects like is-parse and is-exec make. Events go round the
resources: by default an UPDATING then a READY (update) event per version, so
half the events make a state row; with --ready-only every event is a READY
and makes one (R resources * versions = N states). Times start at
2024-01-01T00:00:00.000Z and advance one millisecond per event.

"ndjson" writes what is-exec would: a run start record, the events, a run
end record, for `is-ledger record`. "sql" writes the rows that record stores
for the same input (runs, run_events with a SHA-256 chain, states,
state_dependencies; the FTS index is filled by the schema's trigger) as
INSERTs in one transaction, for the sqlite3 shell: the floor.
"""
import hashlib
import json
import sys
from datetime import datetime, timedelta, timezone

RUN = "4611686018427387904"
BASE = datetime(2024, 1, 1, tzinfo=timezone.utc)


def at(ms):
    t = BASE + timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def compact(v):
    return json.dumps(v, separators=(",", ":"), sort_keys=True)


def events(n, r, ready_only):
    for i in range(n):
        version, k = divmod(i if ready_only else i // 2, r)
        rid = "Noop/r%05d" % k
        status = "READY" if ready_only or i % 2 else "UPDATING"
        ev = {"type": "event", "v": 1, "run": RUN, "seq": i + 1, "at": at(i + 1),
              "id": rid, "kind": "Noop", "status": status, "action": "update",
              "attempt": 1}
        if status == "READY":
            spec = {"outputs": {"n": version, "name": "r%05d" % k},
                    "size": "small", "zone": "eu-%d" % (k % 3)}
            ev["outputs"] = spec["outputs"]
            ev["hash"] = "sha256:" + hashlib.sha256(compact(spec).encode()).hexdigest()
            ev["spec"] = spec
            ev["deps"] = ["Noop/r%05d" % (k - 1)] if k else []
            ev["labels"] = {"env": "bench", "team": "t%d" % (k % 7)}
        ev["elapsed_ms"] = 1
        yield ev


def main():
    mode, n, r = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ready_only = "--ready-only" in sys.argv
    out = sys.stdout
    start = {"type": "run", "v": 1, "run": RUN, "phase": "start", "status": "RUNNING",
             "at": at(0), "jobs": 8}
    end = {"type": "run", "v": 1, "run": RUN, "phase": "end", "status": "SUCCEEDED",
           "at": at(n + 1), "resources": r, "ready": r, "failed": 0, "skipped": 0,
           "canceled": 0, "rolled_back": 0, "elapsed_ms": n + 1}
    if mode == "ndjson":
        out.write(compact(start) + "\n")
        for ev in events(n, r, ready_only):
            out.write(json.dumps(ev, separators=(",", ":")) + "\n")
        out.write(compact(end) + "\n")
        return
    q = lambda s: "NULL" if s is None else "'" + s.replace("'", "''") + "'"
    prev = "0" * 64
    out.write("PRAGMA foreign_keys=ON;\nBEGIN;\n")
    for seq, rec in ((1, start), (2, end)):
        text = compact(rec)
        h = hashlib.sha256((prev + "\n" + text).encode()).hexdigest()
        out.write("INSERT INTO runs(seq,run,phase,status,at,record,prev_hash,hash) "
                  "VALUES(%d,%s,%s,%s,%s,%s,%s,%s);\n" % (
                      seq, q(RUN), q(rec["phase"]), q(rec["status"]), q(rec["at"]),
                      q(text), q(prev), q(h)))
        prev = h
    prev = "0" * 64
    state = 0
    for seq, ev in enumerate(events(n, r, ready_only), 1):
        text = json.dumps(ev, separators=(",", ":"))
        h = hashlib.sha256((prev + "\n" + text).encode()).hexdigest()
        out.write("INSERT INTO run_events(seq,run,event_seq,at,resource,status,action,"
                  "record,prev_hash,hash) VALUES(%d,%s,%d,%s,%s,%s,%s,%s,%s,%s);\n" % (
                      seq, q(RUN), ev["seq"], q(ev["at"]), q(ev["id"]), q(ev["status"]),
                      q(ev["action"]), q(text), q(prev), q(h)))
        prev = h
        if ev["status"] != "READY":
            continue
        state += 1
        out.write("INSERT INTO states(seq,resource,kind,run,at,deleted,hash,spec,outputs,"
                  "labels,event) VALUES(%d,%s,'Noop',%s,%s,0,%s,%s,%s,%s,%d);\n" % (
                      state, q(ev["id"]), q(RUN), q(ev["at"]), q(ev["hash"]),
                      q(compact(ev["spec"])), q(compact(ev["outputs"])),
                      q(compact(ev["labels"])), seq))
        for d in ev["deps"]:
            out.write("INSERT INTO state_dependencies(state_seq,depends_on) "
                      "VALUES(%d,%s);\n" % (state, q(d)))
    out.write("COMMIT;\n")


if __name__ == "__main__":
    main()
