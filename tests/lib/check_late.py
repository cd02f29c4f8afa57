#!/usr/bin/python3
"""Checks what cowwatch said of tests/workloads/latecomer, a program that
stopped its reader while it mapped a file and a hugetlb page, forked three
workers that wrote them and exited, and unmapped and unlinked it all before
the reader read a thing. The reader's stdout, a pipe it shared with the
workers' own lines, is the input.

usage: check_late.py ACCOUNT STDOUT

 - the premise: the reader was stopped from before the file was mapped
   until after it was unlinked;
 - stdout: every line is a whole JSON record or a worker's own line, and
   each worker's line is there once;
 - names: each worker's file copies, events and summary region, are named
   by the file's path (" (deleted)" once unlinked, as maps shows it), its
   hugetlb copy "/anon_hugepage (deleted)"; no region anywhere is left as
   "[file DEV inode N]";
 - the program is named by its main thread ("latecomer"), though a thread
   named bio_lazy_free wrote too;
 - its account starts at its exec: no event before the exec record, none
   named cowwatch, exit counters equal to the events delivered;
 - the time line: a fork record per worker before its first event, an
   exit record after its last.
"""
import collections
import json
import re
import sys

from checks import check, failed

WORKER_LINE = re.compile(r"^latecomer worker (\d) wrote (\d+) pages$")
HUGE = 2 << 20


def read_stdout(path):
    records, lines, bad = [], collections.Counter(), []
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        m = WORKER_LINE.match(line)
        if m:
            lines[int(m.group(1))] += 1
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            bad.append(line)
    return records, lines, bad


def main():
    acct = json.load(open(sys.argv[1]))
    records, lines, bad = read_stdout(sys.argv[2])
    check(acct["stopped"] and acct["still_stopped"],
          "the reader was stopped throughout the program's work")
    check(not bad, "every line is a record or a worker's line (%d not: %r)" % (len(bad), bad[:2]))
    check(lines == collections.Counter({0: 1, 1: 1, 2: 1}),
          "each worker's line once (%s)" % dict(lines))

    pid = acct["pid"]
    by_type = collections.defaultdict(list)
    for r in records:
        by_type[r["type"]].append(r)
    events = collections.defaultdict(list)
    for e in by_type["event"]:
        events[e["pid"]].append(e)
    exits = {r["pid"]: r for r in by_type["exit"]}
    forks = {r["pid"]: r for r in by_type["fork"]}
    execs = [r for r in by_type["exec"] if r["pid"] == pid]
    summary = by_type["summary"][-1] if by_type["summary"] else {"processes": []}
    procs = {p["pid"]: p for p in summary["processes"]}
    check(len(by_type["summary"]) == 1, "one summary")

    unnamed = sorted({e["region"] for e in by_type["event"] if e["region"].startswith("[file ")} |
                     {r["name"] for p in procs.values() for r in p["regions"]
                      if r["name"].startswith("[file ")})
    check(not unnamed, "no region named by device and inode only (%s)" % unnamed)

    # The program: named by its main thread, counted from its exec.
    check(len(execs) == 1 and execs[0]["comm"] == "latecomer",
          "one exec record of the program (%s)" % [r["comm"] for r in execs])
    exec_ns = execs[0]["time_ns"] if execs else 0
    mine = events[pid]
    check(mine and all(e["time_ns"] >= exec_ns for e in mine),
          "no event of the program before its exec (%d events)" % len(mine))
    check(not [e for e in by_type["event"] if e["comm"] == "cowwatch"],
          "no event named cowwatch")
    threads = [e for e in mine if e["tid"] != pid]
    check(len(threads) >= acct["thread_pages"] and all(e["comm"] == "latecomer" for e in mine),
          "the second thread's %d events name the process latecomer" % len(threads))
    check(exits.get(pid, {}).get("comm") == "latecomer" and
          procs.get(pid, {}).get("comm") == "latecomer",
          "exit record and summary name the program latecomer (%s, %s)" %
          (exits.get(pid, {}).get("comm"), procs.get(pid, {}).get("comm")))

    names = (acct["file"], acct["file"] + " (deleted)")
    for w in acct["workers"]:
        wp, mine = w["pid"], events[w["pid"]]
        tag = "worker %d" % wp
        files = [e for e in mine if e["kind"] == "file"]
        check(len(files) == w["file_pages"] and all(e["region"] in names for e in files),
              "%s: %d file copies named by the path (%s)" %
              (tag, w["file_pages"], sorted({e["region"] for e in files})))
        if acct["huge"]:
            huge = [e for e in mine if e["page_size"] == HUGE]
            check(len(huge) == 1 and huge[0]["kind"] == "copy" and
                  huge[0]["region"] == "/anon_hugepage (deleted)",
                  "%s: its hugetlb copy named /anon_hugepage (deleted) (%s)" %
                  (tag, [(e["kind"], e["region"]) for e in huge]))
        regions = {r["name"] for r in procs.get(wp, {}).get("regions", [])}
        check(regions & set(names), "%s: the file in its summary regions (%s)" % (tag, sorted(regions)))
        f, x = forks.get(wp), exits.get(wp)
        times = [e["time_ns"] for e in mine]
        check(f is not None and f["ppid"] == pid and times and f["time_ns"] <= min(times),
              "%s: a fork record by the program before its first event" % tag)
        check(x is not None and times and x["time_ns"] >= max(times),
              "%s: an exit record after its last event" % tag)

    for p in [pid] + [w["pid"] for w in acct["workers"]]:
        counts = exits.get(p, {}).get("counts", {})
        seen = collections.Counter(e["kind"] for e in events[p])
        check(counts and all(counts[k] == seen[k] for k in counts),
              "process %d: exit counters equal the events (%s)" % (p, dict(seen)))
    return 1 if failed() else 0


if __name__ == "__main__":
    sys.exit(main())
