#!/usr/bin/env python3
"""Checks cowwatch's events (tests/bin/cwread) against what thptruth found the
kernel did to its transparent huge pages (tests/workloads/thptruth.c, from
pagemap, kpageflags and smaps): tests/guest/cow_thp.sh.

check_thp.py [--summary] THPTRUTH_OUT LOG

LOG is cwread's output (events), or with --summary cowwatch's NDJSON output
in its default mode (counts kept in the kernel), where only each process's
exit counts and the summary's copied pages per region can be checked.

Every process of the tree, in each of the two regions: the events, grouped
by outcome and page size, are exactly the expected ones, nothing else; the
split and 2 MiB events lie at huge page starts. The premise (every huge
page backed as meant, no write the workload could not explain) is checked
first. What MADV_COLLAPSE copied is printed: no write fault made it.
"""
import collections
import json
import sys

from checks import check, failed, fields

HUGE = 2 << 20


def read_truth(path):
    regions, procs, want, lines = {}, {}, collections.Counter(), open(path).read().splitlines()
    for line in lines:
        f = fields(line)
        kind = line.split(" ", 1)[0]
        if kind == "region":
            regions[line.split()[1]] = (int(f["start"], 16), int(f["end"], 16))
        elif kind == "proc":
            procs[int(f["pid"])] = f["role"]
        elif kind == "expect":
            want[(int(f["pid"]), f["region"], f["outcome"], int(f["size"]))] += int(f["n"])
    return lines, regions, procs, want


def region_of(regions, addr):
    for name, (lo, hi) in regions.items():
        if lo <= addr < hi:
            return name
    return None


def check_events(log, regions, procs, want):
    got = collections.Counter()
    bad_align = []
    exits = {}
    for line in open(log):
        f = fields(line)
        if line.startswith("exit "):
            exits[int(f["tgid"])] = f
        if not line.startswith("event "):
            continue
        pid, addr, size = int(f["tgid"]), int(f["addr"], 16), int(f["size"])
        name = region_of(regions, addr)
        if name is None:
            continue
        got[(pid, name, f["outcome"], size)] += 1
        if size == HUGE and addr % HUGE:
            bad_align.append(line.strip())
    for pid, role in sorted(procs.items()):
        for name in regions:
            mine = lambda c: {(o, s): n for (p, r, o, s), n in c.items() if p == pid and r == name}
            check(mine(got) == mine(want), "%s: %s region: events %s, expected %s"
                  % (role, name, mine(got), mine(want)))
        check(pid in exits, "%s: exit record" % role)
        if pid in exits:
            per_outcome = collections.Counter()
            for (p, r, o, s), n in got.items():
                if p == pid:
                    per_outcome[o] += n
            for o in ("split", "copy", "zero"):
                check(int(exits[pid][o]) >= per_outcome[o],
                      "%s: exit counter %s=%s covers the events in the regions (%d)"
                      % (role, o, exits[pid][o], per_outcome[o]))
    check(not bad_align, "2 MiB events at huge page starts %s" % bad_align[:3])
    strays = {k: n for k, n in got.items() if k[0] not in procs}
    check(not strays, "no events of other processes in the regions %s" % strays)


def check_summary(log, regions, procs, want):
    records = [json.loads(line) for line in open(log) if line.strip()]
    summary = records[-1] if records and records[-1]["type"] == "summary" else None
    check(summary is not None, "the summary is the last record")
    if summary is None:
        return
    check(not [r for r in records if r["type"] == "event"], "no events without --events")
    check(summary["lost_events"] == 0, "nothing lost")
    byproc = {p["pid"]: p for p in summary["processes"]}
    for pid, role in sorted(procs.items()):
        p = byproc.get(pid)
        check(p is not None, "%s in the summary" % role)
        if p is None:
            continue
        for name, (lo, hi) in regions.items():
            pages = sum(n for (q, r, o, s), n in want.items()
                        if q == pid and r == name and o in ("copy", "zero"))
            entry = [r for r in p["regions"] if lo <= r["start"] < hi]
            got = entry[0]["copied_pages"] if entry else 0
            check(got == pages, "%s: summary: %d faults copied in the %s region, expected %d"
                  % (role, got, name, pages))
        splits = sum(n for (q, r, o, s), n in want.items() if q == pid and o == "split")
        check(p["counts"]["split"] == splits, "%s: summary: %d splits, expected %d"
              % (role, p["counts"]["split"], splits))
        big = sum(n for (q, r, o, s), n in want.items() if q == pid and s == HUGE and o != "split")
        check(p["counts"]["reuse"] + p["counts"]["zero"] >= big,
              "%s: summary: reuse + zero counts hold the %d faults of 2 MiB" % (role, big))


def main():
    args = sys.argv[1:]
    summary = args[0] == "--summary"
    if summary:
        args = args[1:]
    lines, regions, procs, want = read_truth(args[0])
    premise = fields(next(l for l in lines if l.startswith("premise ")))
    check(premise["thp_huge"] == "7" and premise["zero_huge"] == "2",
          "premise: 7 huge pages THP backed, 2 mapping the huge zero page (%s)" % premise)
    check(not [l for l in lines if l.startswith("unexpected")],
          "the kernel did what the workload can explain %s"
          % [l for l in lines if l.startswith("unexpected")])
    check("done ok" in lines, "the workload finished")
    check(len(procs) == 4 and set(regions) == {"thp", "zero"}, "4 processes, 2 regions")
    for line in lines:
        if line.startswith("collapse "):
            f = fields(line)
            print("observed: MADV_COLLAPSE in %s returned %s (errno %s); it copied %s shared "
                  "small pages into the process, with no write fault"
                  % (procs.get(int(f["pid"]), f["pid"]), f["rc"], f["errno"], f["copied_by_collapse"]))
    if summary:
        check_summary(args[1], regions, procs, want)
    else:
        check_events(args[1], regions, procs, want)
    return 1 if failed() else 0


if __name__ == "__main__":
    sys.exit(main())
