#!/usr/bin/env python3
"""Checks one soak phase's readers against the exit counters
(tests/guest/soak.sh).

check_soak.py --root PID --soak SOAK_OUT [--cowwatch NDJSON]
              [--reader NAME=CWREAD_LOG]... [--stopped NAME=CWREAD_LOG]...

The exit counters (each process's EXIT) are exact whatever a reader lost.
A reader's tally of a process is its events (cwread events mode, cowwatch
--json --events) or the sum of its count records (cwread -c).
  --cowwatch  the real reader, watching the tree from the root's exec:
              tally + lost events = the exit counters over the tree; per
              process and outcome equal when nothing was lost; no lost
              message; an exit record for every process it saw; the tree's
              traffic covered copy, zero, file, reuse, split and retry
              outcomes and 2 MiB (hugetlb) copies.
  --reader    a cwread attached to PID after the root started (the root's
              first faults came before it): no sequence gap; an exit
              record for the root and for every process it was told was
              born; over those born processes, when nothing was lost,
              tally = exit counters per process and outcome; always
              born tally + lost >= born counters (what is missing was
              lost), all tally + lost <= born counters + the root's
              counters, the root's tally <= its counters.
  --stopped   a cwread that stopped reading for a while: it ended by
              itself and its loss shows (lost events or a sequence gap).
  --soak      the soak's own output: done, and no job failed.
"""
import argparse
import collections
import json
import sys

from checks import check, failed, fields

OUTCOMES = ["copy", "zero", "file", "ksm", "reuse", "shared", "retry", "error", "split"]


class Tally:
    def __init__(self):
        self.faults = collections.defaultdict(collections.Counter)
        self.exits = {}
        self.born = set()
        self.lost = 0
        self.gaps = 0
        self.lost_messages = 0
        self.huge_copies = 0
        self.ended = False

    def total(self, pids):
        return sum(sum(self.faults[p].values()) for p in pids)

    def exit_total(self, pids):
        return sum(sum(self.exits[p].values()) for p in pids if p in self.exits)


def read_cwread(path):
    t = Tally()
    last_seq = -1
    for line in open(path, errors="replace"):
        f = fields(line)
        word = line.split(" ", 1)[0].strip()
        if "seq" in f:
            seq = int(f["seq"])
            if seq != last_seq:
                if seq > last_seq + 1:
                    t.gaps += seq - last_seq - 1
                last_seq = max(last_seq, seq)
        if "lost" in f and word in ("msg", "gone"):
            t.lost = max(t.lost, int(f["lost"]))
        if word == "event":
            t.faults[int(f["pid"])][f["outcome"]] += 1
        elif word == "count":
            t.faults[int(f["pid"])][f["outcome"]] += int(f["n"])
        elif word == "exit":
            t.exits[int(f["pid"])] = collections.Counter(
                {o: int(f[o]) for o in OUTCOMES if int(f.get(o, 0))})
        elif word == "fork":
            t.born.add(int(f["pid"]))
        elif word in ("enobufs", "idle"):
            t.gaps += word == "enobufs"
    return t


def read_cowwatch(path):
    t = Tally()
    for line in open(path):
        rec = json.loads(line)
        kind = rec["type"]
        if kind == "event":
            t.faults[rec["pid"]][rec["kind"]] += 1
            if rec["kind"] == "copy" and rec["page_size"] == 2 << 20:
                t.huge_copies += 1
        elif kind == "exit":
            t.exits[rec["pid"]] = collections.Counter(
                {o: n for o, n in rec["counts"].items() if n})
        elif kind == "fork":
            t.born.add(rec["pid"])
        elif kind == "summary":
            t.lost = rec["lost_events"]
            t.lost_messages = rec["lost_messages"]
            t.ended = True
    return t


def per_process_exact(name, t, pids):
    bad = [(p, dict(t.faults[p]), dict(t.exits.get(p, {}))) for p in sorted(pids)
           if t.faults[p] != t.exits.get(p, collections.Counter())]
    check(not bad, "%s: per process and outcome, tally = exit counters over %d processes%s"
          % (name, len(pids), (": first differences " + str(bad[:3])) if bad else ""))


def check_cowwatch(path, root):
    t = read_cowwatch(path)
    check(t.ended, "cowwatch: wrote its summary")
    check(t.lost_messages == 0, "cowwatch: no lost message (%d)" % t.lost_messages)
    tree = t.born | {root}
    seen = set(t.faults) | tree
    missing = sorted(seen - set(t.exits))
    check(not missing, "cowwatch: an exit record for each of %d processes (missing %s)"
          % (len(seen), missing[:10]))
    tally, counters = t.total(seen), t.exit_total(seen)
    check(tally + t.lost == counters, "cowwatch: events %d + lost %d = exit counters %d"
          % (tally, t.lost, counters))
    if t.lost == 0:
        per_process_exact("cowwatch", t, seen)
    sums = collections.Counter()
    for c in t.exits.values():
        sums.update(c)
    print("cowwatch: tree R's exit counters: %s; 2 MiB copies %d"
          % (dict(sums), t.huge_copies))
    for o in ("copy", "zero", "file", "reuse", "split", "retry"):
        check(sums[o] > 0, "tree R broke sharing with outcome %s (%d)" % (o, sums[o]))
    check(t.huge_copies > 0, "tree R copied 2 MiB hugetlb pages (%d events)" % t.huge_copies)


def check_reader(name, path, root):
    t = read_cwread(path)
    check(t.gaps == 0, "%s: no sequence gap (%d)" % (name, t.gaps))
    missing = sorted((t.born | {root}) - set(t.exits))
    check(not missing, "%s: an exit record for the root and %d born processes (missing %s)"
          % (name, len(t.born), missing[:10]))
    born = t.born - {root}
    bt, bc = t.total(born), t.exit_total(born)
    rt, rc = t.total({root}), t.exit_total({root})
    alltally = t.total(set(t.faults))
    strays = sorted(set(t.faults) - born - {root})
    check(not strays, "%s: tallies only of the tree (others: %s)" % (name, strays[:10]))
    print("%s: born %d, tally %d of counters %d; root tally %d of %d; lost %d"
          % (name, len(born), bt, bc, rt, rc, t.lost))
    check(bt + t.lost >= bc, "%s: born tally %d + lost %d >= born counters %d"
          % (name, bt, t.lost, bc))
    check(alltally + t.lost <= bc + rc, "%s: tally %d + lost %d <= counters %d + root's %d"
          % (name, alltally, t.lost, bc, rc))
    check(rt <= rc, "%s: root's tally %d <= its counters %d" % (name, rt, rc))
    if t.lost == 0:
        per_process_exact(name, t, born)
    check(bc > 0, "%s: the born processes broke sharing (%d)" % (name, bc))


def check_stopped(name, path, root):
    t = read_cwread(path)
    check(t.gaps > 0 or t.lost > 0, "%s: its stop shows as %d lost events, %d sequence gaps"
          % (name, t.lost, t.gaps))
    tally = t.total(set(t.faults))
    check(tally > 0, "%s: read %d faults after it went on" % (name, tally))
    if root in t.exits:
        check(t.total({root}) <= t.exit_total({root}),
              "%s: root's tally <= its counters" % name)


def check_soak_output(path):
    done = False
    for line in open(path):
        if line.startswith("job "):
            f = fields(line)
            name = line.split()[1].split("=")[0]
            if "off" in line.split():
                continue
            check(int(f[name]) > 0 and f["fail"] == "0",
                  "soak job %s: ran %s times, %s failed" % (name, f[name], f["fail"]))
        elif line.startswith("done"):
            done = True
    check(done, "soak: done")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=int, required=True)
    ap.add_argument("--soak", required=True)
    ap.add_argument("--cowwatch")
    ap.add_argument("--reader", action="append", default=[])
    ap.add_argument("--stopped", action="append", default=[])
    a = ap.parse_args()
    check_soak_output(a.soak)
    if a.cowwatch:
        check_cowwatch(a.cowwatch, a.root)
    for r in a.reader:
        check_reader(*r.split("=", 1), a.root)
    for r in a.stopped:
        check_stopped(*r.split("=", 1), a.root)
    sys.exit(1 if failed() else 0)


if __name__ == "__main__":
    main()
