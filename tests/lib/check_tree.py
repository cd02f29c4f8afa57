#!/usr/bin/python3
"""Checks cowwatch's NDJSON output of a cowtree run against cowtree's own
account of what it did (tests/workloads/cowtree.c).

usage: check_tree.py TREE_OUTPUT COWWATCH_JSON

TREE_OUTPUT holds cowtree's "region=0xSTART pages=N" and "worker=PID pages=N"
lines. Every check is printed; the exit status is 1 if any failed.
"""
import json
import sys

from checks import check, failed

PAGE = 4096
def main():
    tree = open(sys.argv[1]).read().split("\n")
    records = [json.loads(line) for line in open(sys.argv[2]) if line.strip()]
    region_line = next(l for l in tree if l.startswith("region="))
    region = int(region_line.split()[0].split("=")[1], 16)
    region_end = region + int(region_line.split()[1].split("=")[1]) * PAGE
    workers = {}
    for line in tree:
        if line.startswith("worker="):
            pid, pages = (int(f.split("=")[1]) for f in line.split())
            workers[pid] = pages

    events = [r for r in records if r["type"] == "event"]
    exits = {r["pid"]: r for r in records if r["type"] == "exit"}
    summaries = [r for r in records if r["type"] == "summary"]
    check(len(summaries) == 1 and records[-1]["type"] == "summary", "one summary, the last record")
    summary = summaries[0]
    procs = {p["pid"]: p for p in summary["processes"]}
    check(summary["lost_events"] == 0, "no lost events (%d)" % summary["lost_events"])
    parents = {p["ppid"] for pid, p in procs.items() if pid in workers}
    check(len(parents) == 1, "all workers have one parent: %s" % sorted(parents))
    parent = parents.pop() if len(parents) == 1 else None
    check(parent in procs and parent not in workers and parent != 0,
          "the parent %s is in the summary" % parent)

    for pid, pages in sorted(workers.items()):
        p = procs.get(pid)
        check(p is not None, "worker %d in the summary" % pid)
        if p is None:
            continue
        regions = [r for r in p["regions"] if r["start"] == region]
        got = regions[0]["copied_pages"] if regions else 0
        check(got == pages, "worker %d: %d pages copied in the region, expected %d" % (pid, got, pages))
        if regions:
            check(regions[0]["name"] == "[anon]", "worker %d: the region is named [anon] (%s)"
                  % (pid, regions[0]["name"]))
        sites = [s for s in p["sites"] if s["symbol"] == "cw_worker_write"]
        got = sites[0]["copied_pages"] if sites else 0
        check(got == pages, "worker %d: cw_worker_write copied %d pages, expected %d" % (pid, got, pages))
        if sites:
            check(sites[0]["dso"].endswith("/cowtree"), "worker %d: site in cowtree (%s)"
                  % (pid, sites[0]["dso"]))
        in_region = [e for e in events if e["pid"] == pid and e["kind"] == "copy"
                     and region <= e["addr"] < region_end]
        check(len(in_region) == pages, "worker %d: %d copy events in the region, expected %d"
              % (pid, len(in_region), pages))
        check(len({e["addr"] for e in in_region}) == pages, "worker %d: each page once" % pid)
        check(all(e["comm"] == "cowtree" and e["ppid"] == parent for e in in_region),
              "worker %d: events name comm cowtree and the parent" % pid)
        check(pid in exits, "worker %d: exit record" % pid)
        if pid in exits:
            check(exits[pid]["counts"] == p["counts"],
                  "worker %d: summary counts are the kernel's exit counts" % pid)
            check(exits[pid]["counts"]["copy"] >= pages, "worker %d: exit copy count %d >= %d"
                  % (pid, exits[pid]["counts"]["copy"], pages))
        check(p["copied_bytes"] >= pages * PAGE, "worker %d: copied_bytes %d" % (pid, p["copied_bytes"]))

    if parent in procs:
        regions = [r for r in procs[parent]["regions"] if r["start"] == region]
        check(not regions, "the parent copied nothing in the region after forking")
        check(procs[parent]["comm"] == "cowtree", "parent comm after exec: %s" % procs[parent]["comm"])
    return 1 if failed() else 0


if __name__ == "__main__":
    sys.exit(main())
