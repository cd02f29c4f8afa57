#!/usr/bin/env python3
"""Checks cwread -c output (count records, files, exits) against the kernel's
exit counters (tests/guest/counts_exact.sh).

check_counts.py [--exact] ACCOUNT CWREAD_OUT NPROCS

ACCOUNT is groundtruth's own account (its processes), or cowtree's output
(worker=PID lines; its parent is the pid cwread says it watched). Always: every process
of the tree has an exit record; every record is well formed (a known
outcome, count >= 1, 4 KiB or 2 MiB pages, vm_start < vm_end, first <=
last); a file record's path came before it; the tree has NPROCS
processes; the records of each process
and outcome plus the module's last lost count add up to the exit counters
over the whole tree. With --exact: nothing lost, and per process and
outcome the records add up to that process's exit counter.
"""
import collections
import json
import sys

from checks import check, failed, fields

OUTCOMES = ["copy", "zero", "file", "ksm", "reuse", "shared", "retry", "error", "split"]


def main():
    args = sys.argv[1:]
    exact = args and args[0] == "--exact"
    if exact:
        args = args[1:]
    want_procs = int(args[2])
    tree = set()
    for line in open(args[0]):
        if line.startswith("{"):
            rec = json.loads(line)
            if "worker" in rec:
                tree.add(rec["pid"])
            elif "parent" in rec:
                tree.add(rec["parent"])
        elif line.startswith("worker="):
            tree.add(int(fields(line)["worker"]))
    counted = collections.defaultdict(collections.Counter)
    exits = {}
    named = set()
    lost = 0
    records = bad = unnamed = 0
    for line in open(args[1]):
        f = fields(line)
        if line.startswith("msg "):
            lost = int(f["lost"])
        elif line.startswith("file "):
            named.add((int(f["dev"]), int(f["ino"])))
        elif line.startswith("count "):
            records += 1
            n, size = int(f["n"]), int(f["size"])
            ok = (f["outcome"] in OUTCOMES and n >= 1 and size in (4096, 2097152) and
                  int(f["vm_start"], 16) < int(f["vm_end"], 16) and
                  int(f["first"]) <= int(f["last"]))
            bad += not ok
            if int(f["ino"]) and (int(f["dev"]), int(f["ino"])) not in named:
                unnamed += 1
            counted[int(f["pid"])][f["outcome"]] += n
        elif line.startswith("exit "):
            exits[int(f["pid"])] = collections.Counter(
                {o: int(f[o]) for o in OUTCOMES if int(f[o])})
        elif line.startswith("watching "):
            tree.add(int(line.split()[1]))
        elif line.startswith("event "):
            check(False, "no event in counts mode: " + line.strip())
    check(records > 0 and bad == 0, "%d count records, all well formed (%d bad)" % (records, bad))
    check(unnamed == 0, "every file record's path came first (%d unnamed)" % unnamed)
    missing = sorted(tree - set(exits))
    check(len(tree) == want_procs and not missing,
          "exit records for the whole tree of %d (missing %s)" % (len(tree), missing))
    total_exit = sum(sum(c.values()) for c in exits.values())
    total_counted = sum(sum(c.values()) for c in counted.values())
    print("lost: %d" % lost)
    check(total_counted + lost == total_exit,
          "records %d + lost %d = exit counters %d" % (total_counted, lost, total_exit))
    if exact:
        check(lost == 0, "nothing lost (%d)" % lost)
        for pid in sorted(exits):
            check(counted[pid] == exits[pid], "pid %d: records %s = exit counters %s"
                  % (pid, dict(counted[pid]), dict(exits[pid])))
        check(set(counted) <= set(exits), "no records of processes outside the tree")
    sys.exit(1 if failed() else 0)


main()
