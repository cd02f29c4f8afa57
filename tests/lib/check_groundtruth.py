#!/usr/bin/python3
"""Checks cowwatch's NDJSON output against groundtruth's own account of what
it did (tests/workloads/groundtruth.c), and that a second groundtruth tree
run at the same time but not watched left no trace in it.

usage: check_groundtruth.py [--summary-only] ACCOUNT OUTSIDER_ACCOUNT COWWATCH_JSON

For every process of the watched tree and every region groundtruth set up,
the events cowwatch delivered there must be exactly the expected ones: the
same number of each kind (and no other kind), each page once, at the
region's page size, named by the region's name and by the function that
wrote. The summary must agree: pages copied per region (named, with its
end), per writing function, and the kernel's exit counts. With
--summary-only (cowwatch without --events: the module's counts) there are
no events; the summary must agree all the same, and each process's fork
or exec record come before its exit. Every check is printed; the exit
status is 1 if any failed.
"""
import collections
import json
import sys

from checks import check, failed

HUGE = 2 << 20
COPIES = {"copy", "zero", "file", "ksm"}  # the outcomes that make a new page

def read_account(path):
    regions, expects, workers, parent = {}, [], {}, None
    for line in open(path):
        r = json.loads(line)
        if "region" in r:
            regions[r["region"]] = r
        elif "expect" in r:
            expects.append(r["expect"])
        elif "worker" in r:
            workers[r["pid"]] = r
        elif "parent" in r:
            parent = r["parent"]
    return regions, expects, workers, parent


def region_of(regions, addr):
    for name, r in regions.items():
        if r["start"] <= addr < r["end"]:
            return name
    return None


def main():
    args = sys.argv[1:]
    summary_only = args[0] == "--summary-only"
    if summary_only:
        args = args[1:]
    regions, expects, workers, parent = read_account(args[0])
    _, _, outsiders, outsider_parent = read_account(args[1])
    records = [json.loads(line) for line in open(args[2]) if line.strip()]
    events = [r for r in records if r["type"] == "event"]
    check(not summary_only or not events, "no event records without --events (%d)" % len(events))
    exits = {r["pid"]: r for r in records if r["type"] == "exit"}
    check(records and records[-1]["type"] == "summary", "the summary is the last record")
    summary = records[-1]
    procs = {p["pid"]: p for p in summary["processes"]}
    check(summary["lost_events"] == 0 and summary["lost_messages"] == 0,
          "nothing lost (%d events, %d messages)" % (summary["lost_events"], summary["lost_messages"]))

    thp = regions.get("thp")
    if thp:
        check(thp["anon_huge_kb"] >= 2048, "the thp region is backed by huge pages before the fork "
              "(AnonHugePages %d kB)" % thp["anon_huge_kb"])

    # Expected (pid, region) -> Counter(kind -> pages), and the writing function.
    want = collections.defaultdict(collections.Counter)
    symbol = {}
    for e in expects:
        want[(e["pid"], e["region"])][e["kind"]] += e["pages"]
        symbol[(e["pid"], e["region"], e["kind"])] = e["symbol"]
    tree = set(workers) | {parent}
    got = collections.defaultdict(list)
    for e in events:
        name = region_of(regions, e["addr"])
        if e["pid"] in tree and name:
            got[(e["pid"], name)].append(e)

    for pid in sorted(tree):
        role = "parent" if pid == parent else "worker %d" % workers[pid]["worker"]
        for name, region in regions.items():
            if summary_only:
                break
            evs = got.get((pid, name), [])
            kinds = collections.Counter(e["kind"] for e in evs)
            expected = want.get((pid, name), collections.Counter())
            check(kinds == expected, "%s: %s region: events %s, expected %s"
                  % (role, name, dict(kinds), dict(expected)))
            if not evs:
                continue
            # A split is of the huge page (2 MiB, at its start); the copies
            # that follow it are of the region's pages.
            splits = [e for e in evs if e["kind"] == "split"]
            pages = [e for e in evs if e["kind"] != "split"]
            check(all(e["page_size"] == HUGE and e["addr"] % HUGE == 0 for e in splits),
                  "%s: %s region: splits of 2 MiB at huge page starts" % (role, name))
            check(len({e["addr"] for e in splits}) == len(splits) and
                  len({e["addr"] for e in pages}) == len(pages), "%s: %s region: each page once" % (role, name))
            check(all(e["page_size"] == region["page_size"] for e in pages),
                  "%s: %s region: page size %d" % (role, name, region["page_size"]))
            check(all(e["region"] == region["name"] for e in evs),
                  "%s: %s region: named %s (%s)" % (role, name, region["name"],
                                                   sorted({e["region"] for e in evs})))
            for kind in kinds:
                sym = symbol.get((pid, name, kind))
                syms = collections.Counter(e["symbol"] for e in evs if e["kind"] == kind)
                check(syms == collections.Counter({sym: kinds[kind]}),
                      "%s: %s region: %s by %s (%s)" % (role, name, kind, sym, dict(syms)))
                check(all(e["dso"].endswith("/groundtruth") for e in evs if e["kind"] == kind),
                      "%s: %s region: code in groundtruth" % (role, name))
            if pid in workers:
                threaded = all(e["tid"] != e["pid"] for e in evs)
                if workers[pid]["thread"]:
                    check(threaded, "%s: %s region: written from its second thread" % (role, name))
                check(all(e["ppid"] == parent and e["comm"] == "groundtruth" for e in evs),
                      "%s: %s region: events name the parent and comm" % (role, name))

        p = procs.get(pid)
        check(p is not None, "%s (pid %d) in the summary" % (role, pid))
        if p is None:
            continue
        copied = 0
        for name, region in regions.items():
            expected = want.get((pid, name), collections.Counter())
            pages = sum(n for kind, n in expected.items() if kind in COPIES)
            copied += pages * region["page_size"]
            entry = [r for r in p["regions"] if r["start"] == region["start"]]
            got_pages = entry[0]["copied_pages"] if entry else 0
            check(got_pages == pages, "%s: summary: %d pages copied in the %s region, expected %d"
                  % (role, got_pages, name, pages))
            if entry:
                check(entry[0]["name"] == region["name"] and entry[0]["end"] == region["end"],
                      "%s: summary: %s region named %s, ends at the region's end"
                      % (role, name, entry[0]["name"]))
        check(p["copied_bytes"] >= copied, "%s: copied_bytes %d >= %d" % (role, p["copied_bytes"], copied))
        # Pages copied per writing function: the summary's sites.
        by_symbol = collections.Counter()
        for e in expects:
            if e["pid"] == pid and e["kind"] in COPIES:
                by_symbol[e["symbol"]] += e["pages"]
        sites = collections.Counter({st["symbol"]: st["copied_pages"] for st in p["sites"]
                                     if st["symbol"] in by_symbol})
        check(sites == by_symbol, "%s: summary: pages per writing function %s, expected %s"
              % (role, dict(sites), dict(by_symbol)))
        check(pid in exits and exits[pid]["counts"] == p["counts"],
              "%s: exit record, summary counts are the kernel's exit counts" % role)
        born = [r for r in records if r.get("pid") == pid and
                r["type"] == ("exec" if pid == parent else "fork")]
        if summary_only:
            check(len(born) == 1 and (pid == parent or born[0]["ppid"] == parent) and
                  pid in exits and exits[pid]["time_ns"] >= born[0]["time_ns"],
                  "%s: one %s record, before its exit" % (role, "exec" if pid == parent else "fork"))
            continue
        if pid in exits:
            ev_counts = collections.Counter(e["kind"] for e in events if e["pid"] == pid)
            check(all(exits[pid]["counts"][k] == ev_counts[k] for k in exits[pid]["counts"]),
                  "%s: kernel counters %s = events delivered" % (role, exits[pid]["counts"]))
        # The time line: born (forked, or exec'd for the command) before its
        # first event, exited after its last, on the events' clock.
        times = [e["time_ns"] for e in events if e["pid"] == pid]
        check(len(born) == 1 and (pid == parent or born[0]["ppid"] == parent) and
              times and born[0]["time_ns"] <= min(times),
              "%s: one %s record, before its first event" % (role, "exec" if pid == parent else "fork"))
        check(pid in exits and times and exits[pid]["time_ns"] >= max(times) and
              (not born or exits[pid]["time_ns"] >= born[0]["time_ns"]),
              "%s: its exit record's time after its last event" % role)

    strangers = set(outsiders) | {outsider_parent}
    seen = {e["pid"] for e in events} | set(exits) | set(procs)
    check(not (seen & strangers), "the unwatched tree %s left no trace (found %s)"
          % (sorted(strangers), sorted(seen & strangers)))
    check(seen == tree, "the processes reported are the watched tree, %s (found %s)"
          % (sorted(tree), sorted(seen)))
    return 1 if failed() else 0


if __name__ == "__main__":
    sys.exit(main())
