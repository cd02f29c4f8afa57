#!/usr/bin/python3
"""Checks cowwatch's summary of a `cowtree --serial` run in which the kernel
reused worker pids: every process that had a pid must have its own record,
with its own copies, never another's added to it.

usage: check_reuse.py TREE_OUTPUT COWWATCH_JSON

TREE_OUTPUT holds cowtree's "region=0xSTART pages=N" line and one
"worker=PID pages=N" line per worker, in fork order (a pid may repeat).
Every check is printed; the exit status is 1 if any failed.
"""
import collections
import json
import sys

from checks import check, failed


def main():
    tree = open(sys.argv[1]).read().split("\n")
    records = [json.loads(line) for line in open(sys.argv[2]) if line.strip()]
    region = int(next(l for l in tree if l.startswith("region=")).split()[0].split("=")[1], 16)
    expected = collections.defaultdict(list)   # pid -> pages of each process that had it
    for line in tree:
        if line.startswith("worker="):
            pid, pages = (int(f.split("=")[1]) for f in line.split())
            expected[pid].append(pages)
    workers = sum(len(v) for v in expected.values())
    reused = {pid: len(v) for pid, v in expected.items() if len(v) > 1}
    if not check(workers > 0 and len(reused) > 0,
                 f"premise: {workers} workers, {len(expected)} distinct pids, "
                 f"{len(reused)} of them reused"):
        return

    summary = [r for r in records if r["type"] == "summary"]
    exits = [r for r in records if r["type"] == "exit"]
    if not check(len(summary) == 1, "one summary record"):
        return
    procs = summary[0]["processes"]
    parents = [p for p in procs if p["pid"] not in expected]
    check(len(parents) == 1, f"the parent and nothing else beside the workers ({len(parents)})")
    check(len(procs) == workers + 1, f"{workers + 1} processes in the summary ({len(procs)})")
    check(len(exits) == workers + 1, f"{workers + 1} exit records ({len(exits)})")

    found = collections.defaultdict(list)
    for p in procs:
        if p["pid"] in expected:
            pages = sum(r["copied_pages"] for r in p["regions"] if r["start"] == region)
            found[p["pid"]].append(pages)
            if not p["exited"] or p["counts"]["copy"] < pages:
                check(False, f"pid {p['pid']}: exited, with kernel copy count >= {pages}")
    wrong = {pid: (sorted(v), sorted(found[pid])) for pid, v in expected.items()
             if sorted(v) != sorted(found[pid])}
    check(not wrong, "each process with a reused pid has exactly its own copies in the region"
          + (f"; differ (expected, found): {dict(list(wrong.items())[:5])}" if wrong else ""))
    most = max(reused.items(), key=lambda kv: kv[1])
    check(len(found[most[0]]) == most[1],
          f"pid {most[0]}, used {most[1]} times, has {len(found[most[0]])} records")


if __name__ == "__main__":
    main()
    sys.exit(1 if failed() else 0)
