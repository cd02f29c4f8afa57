#!/usr/bin/python3
"""Checks cowwatch's account of examples/python_workers.py runs against what
the Python program knows about itself (tests/guest/python_story.sh).

usage: check_python.py DIR RUN...

Each RUN is DATA-READ-MODE (records-share-plain, ints-all-freeze, ...); DIR
holds for each RUN: RUN.json (cowwatch --json --events), RUN.layout (the
pages of the objects each worker reads, from the parent before the fork) and
RUN.smaps (each worker's smaps_rollup before and after its work). Every
check is printed, with a table of the figures; exit status 1 if any failed.
"""
import collections
import json
import os
import sys

from checks import check, failed

PAGE = 4096
MIB = 1024 * 1024
# Tolerance of the smaps cross-check (see smaps_check).
SMAPS_SLACK_PAGES = 32
SMAPS_SLACK_RATIO = 0.01
def load(d, run):
    records = [json.loads(l) for l in open(os.path.join(d, run + ".json")) if l.strip()]
    layout = json.load(open(os.path.join(d, run + ".layout")))["workers"]
    smaps = {}
    for line in open(os.path.join(d, run + ".smaps")):
        r = json.loads(line)
        smaps[r["pid"]] = r
    return records, layout, smaps


def smaps_check(run, index, pid, evs, sm):
    """A copy turns a page the worker shared into one it alone maps: its
    Private_Dirty grows by the copy, its Anonymous memory does not (one anon
    page replaces another). A new page (heap growth) adds to both. So between
    the two snapshots, Private_Dirty growth minus Anonymous growth counts the
    worker's copies of anonymous pages (cowwatch's "copy"). It also counts
    pages that became the worker's alone because every other sharer let go
    of them (the parent copied them, siblings exited): a few pages, as the
    parent only waits. Zero-page fills and private file copies add a page to
    both and are not in the difference. Tolerance: 1% + 32 pages (seen: at
    most 18 pages apart in 28 workers, 6.1 and 6.12)."""
    t0, t1 = sm["t0_ns"], sm["t1_ns"]
    copies = sum(1 for e in evs if e["kind"] == "copy" and t0 <= e["time_ns"] <= t1)
    d_pd = sm["after_kb"]["Private_Dirty"] - sm["before_kb"]["Private_Dirty"]
    d_anon = sm["after_kb"]["Anonymous"] - sm["before_kb"]["Anonymous"]
    smaps_pages = (d_pd - d_anon) * 1024 // PAGE
    slack = SMAPS_SLACK_PAGES + SMAPS_SLACK_RATIO * copies
    check(abs(smaps_pages - copies) <= slack,
          "%s worker %d: %d copies in its window, smaps says %d pages (Private_Dirty %+d kB, "
          "Anonymous %+d kB), within %d" % (run, index, copies, smaps_pages, d_pd, d_anon, slack))
    return copies, smaps_pages


def main():
    d, runs = sys.argv[1], sys.argv[2:]
    table = []
    per_worker_bytes = {}
    copied_pages = {}
    for run in runs:
        data, read, mode = run.split("-")
        records, layout, smaps = load(d, run)
        summary = records[-1]
        check(summary["type"] == "summary" and summary["lost_events"] == 0,
              "%s: summary last, no lost events" % run)
        procs = summary["processes"]
        root = min(procs, key=lambda p: p["pid"])
        workers = sorted((p for p in procs if p["ppid"] == root["pid"]), key=lambda p: p["pid"])
        check(len(workers) == len(layout), "%s: %d workers reported" % (run, len(workers)))
        events = collections.defaultdict(list)
        for r in records:
            if r["type"] == "event":
                events[r["pid"]].append(r)
        for index, w in enumerate(workers):
            pid, evs = w["pid"], events[w["pid"]]
            mine = set(layout[index])
            copies = [e for e in evs if e["kind"] == "copy"]
            pages = {e["addr"] // PAGE for e in copies}
            copied_pages[(run, index)] = pages
            per_worker_bytes[(run, index)] = w["copied_bytes"]
            on_data = [e for e in copies if e["addr"] // PAGE in mine]
            cover = len(pages & mine) / len(mine)
            check(cover >= 0.99, "%s worker %d: copied %.1f%% of the %d pages holding the objects it "
                  "read (reading writes their reference counts)" % (run, index, 100 * cover, len(mine)))
            regions = collections.Counter(e["region"] for e in on_data)
            check(regions["[anon]"] >= 0.99 * len(on_data),
                  "%s worker %d: those copies are in [anon] memory (pymalloc's arenas): %s"
                  % (run, index, dict(regions.most_common(3))))
            sites = collections.Counter((e["symbol"], os.path.basename(e["dso"])) for e in on_data)
            top = sites.most_common(1)[0][0] if sites else (None, "")
            check(top[0] is not None and top[1].startswith("python3"),
                  "%s worker %d: the code that copied most of them is named: %s in %s"
                  % (run, index, top[0], top[1]))
            check(pid in smaps, "%s worker %d: smaps figures reported" % (run, index))
            if pid not in smaps:
                continue
            window, smaps_pages = smaps_check(run, index, pid, evs, smaps[pid])
            table.append((run, index, w["copied_bytes"] / MIB, window * PAGE / MIB,
                          smaps_pages * PAGE / MIB, 100 * cover,
                          ", ".join("%s (%d)" % (s[0] or "?", n) for s, n in sites.most_common(2))))

    # What the collector's changes save, per worker, against what the program knows.
    for data in ("records", "ints"):
        base = [r for r in runs if r.startswith(data + "-") and r.endswith("-plain")]
        if not base:
            continue
        base = base[0]
        records, layout, _ = load(d, base)
        everything = set().union(*map(set, layout))
        for mode in ("freeze", "disable"):
            run = base[:-len("plain")] + mode
            if run not in runs:
                continue
            for index in range(len(layout)):
                plain, other = per_worker_bytes[(base, index)], per_worker_bytes[(run, index)]
                others = everything - set(layout[index])
                if data == "records" and others:
                    # Plain: the full collection writes every tracked container's header.
                    got = len(copied_pages[(base, index)] & others) / len(others)
                    check(got >= 0.99, "%s worker %d: the collector copied %.1f%% of the pages of "
                          "objects it did not read" % (base, index, 100 * got))
                    got = len(copied_pages[(run, index)] & others) / len(others)
                    check(got <= 0.05, "%s worker %d: with gc.%s() only %.1f%% of those"
                          % (run, index, mode, 100 * got))
                    check(other < plain, "%s worker %d: gc.%s() saves %.1f MiB of %.1f"
                          % (data, index, mode, (plain - other) / MIB, plain / MIB))
                elif data == "ints":
                    # ints are not containers: the collector never writes them.
                    check(other >= 0.9 * plain, "%s worker %d: gc.%s() saves little, %.1f MiB of %.1f "
                          "(the copies are reference counts)"
                          % (data, index, mode, (plain - other) / MIB, plain / MIB))

    print("\n%-22s %6s %10s %10s %10s %7s  %s" % ("run", "worker", "copied MiB", "in window",
                                                 "smaps MiB", "cover%", "top code sites (pages)"))
    for row in table:
        print("%-22s %6d %10.2f %10.2f %10.2f %7.1f  %s" % row)
    return 1 if failed() else 0


if __name__ == "__main__":
    sys.exit(main())
