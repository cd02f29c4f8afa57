#!/usr/bin/env python3
"""Checks cowwatch report, --folded and --trace (tests/guest/reader_report.sh).

check_report.py recorded REC REPORT_JSON REPORT_TEXT LIVE_FOLDED REP_FOLDED
                         LIVE_TRACE REP_TRACE GROUNDTRUTH
check_report.py counts REC FOLDED

recorded: REC is a live run's --json --events recording. The report's JSON
summary equals the recording's own summary, field by field; the report's
text rows agree with it; the folded stacks and traces of the live run and
of the report are the same; the folded lines are well formed, add up to
the recording's copying events, and give each (region, writing function)
of groundtruth's account its pages; the trace has one track per process,
counters adding up to each process's copying events, a fork instant and a
flow per fork record, an exit instant per exit record.
counts: a default-mode run (no events): per process name, the folded
lines add up to the pages its summary's regions copied.
"""
import collections
import json
import re
import sys

from checks import check, failed

COPIES = {"copy", "zero", "file", "ksm"}
FOLDED_LINE = re.compile(r"^([^; ]+);([^; ]+);([^; ]+) ([1-9][0-9]*)$")
TEXT_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\S+)\s+[\d.]+Mi\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$")


def records(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def folded(path):
    lines = open(path).read().splitlines()
    parsed = [FOLDED_LINE.match(line) for line in lines]
    bad = [line for line, m in zip(lines, parsed) if not m]
    check(lines and not bad, "%s: %d lines, all COMM;REGION;CODE COUNT (bad: %s)"
          % (path, len(lines), bad[:3]))
    return [m.groups() for m in parsed if m]


def summary_of(recs):
    s = [r for r in recs if r["type"] == "summary"]
    return s[-1] if s else None


def check_summary(rec, rep_json, rep_text):
    live = summary_of(rec)
    rep = records(rep_json)
    check(len(rep) == 1 and rep[0]["type"] == "summary", "report --json: one summary record")
    if not live or not rep:
        return None
    diff = [(a["pid"], a, b) for a, b in zip(live["processes"], rep[0]["processes"]) if a != b]
    check(rep[0] == live, "report's summary = the live run's, field by field (%d processes; "
          "first difference: %s)" % (len(live["processes"]), diff[:1] if diff else "none"))
    rows = {}
    for line in open(rep_text):
        m = TEXT_ROW.match(line)
        if m:
            rows[int(m.group(1))] = [int(x) for x in m.groups()[3:]]
    want = {p["pid"]: [p["counts"][k] for k in ("copy", "zero", "file", "ksm", "reuse", "split")]
            for p in live["processes"]}
    check(rows == want, "report's text rows = its JSON counts (%d rows)" % len(rows))
    return live


def check_folded(rec, live_path, rep_path, account):
    check(open(live_path).read() == open(rep_path).read(),
          "folded stacks: the report's = the live run's")
    lines = folded(rep_path)
    events = [r for r in rec if r["type"] == "event" and r["kind"] in COPIES]
    total = sum(int(n) for *_, n in lines)
    check(total == len(events), "folded counts add up to the %d copying events (%d)"
          % (len(events), total))
    names = {}
    want = collections.Counter()
    for line in open(account):
        r = json.loads(line)
        if "region" in r and "name" in r:
            names[r["region"]] = r["name"]
    for line in open(account):
        r = json.loads(line)
        e = r.get("expect")
        if e and e["kind"] in COPIES and e["pages"]:
            want[(names[e["region"]].replace(" ", "_"), e["symbol"])] += e["pages"]
    got = collections.Counter()
    for comm, region, code, n in lines:
        if comm == "groundtruth":
            got[(region, code)] += int(n)
    missing = {k: v for k, v in want.items() if got[k] != v}
    check(want and not missing, "folded: groundtruth's %d (region, function) pairs have their "
          "pages (differ: %s)" % (len(want), {k: (v, got[k]) for k, v in missing.items()}))


def check_trace(rec, live_path, rep_path, summary):
    live, rep = json.load(open(live_path)), json.load(open(rep_path))
    check(live == rep, "trace: the report's = the live run's")
    ev = rep["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
    procs = {"%d %s" % (p["pid"], p["comm"]) for p in summary["processes"]}
    check(sorted(names.values()) == sorted(procs) and len(names) == len(procs),
          "trace: one track per process of the summary (%d)" % len(procs))
    pages = collections.Counter()
    for e in ev:
        if e["ph"] == "C":
            pages[int(names[e["pid"]].split()[0])] += e["args"]["pages"]
    want = collections.Counter(r["pid"] for r in rec if r["type"] == "event" and r["kind"] in COPIES)
    check(pages == want, "trace: each track's counter adds up to its copying events (%d pages)"
          % sum(want.values()))
    forks = sum(r["type"] == "fork" for r in rec)
    exits = sum(r["type"] == "exit" for r in rec)
    count = collections.Counter((e["ph"], e["name"]) for e in ev)
    check(count[("i", "fork")] == forks and count[("s", "fork")] == forks == count[("f", "fork")],
          "trace: %d fork records, instants %d, flows %d/%d" % (forks, count[("i", "fork")],
                                                            count[("s", "fork")], count[("f", "fork")]))
    check(count[("i", "exit")] == exits, "trace: %d exit records, %d exit instants"
          % (exits, count[("i", "exit")]))
    check(forks > 0 and exits > forks, "trace: the tree forked (%d) and exited (%d)" % (forks, exits))


def check_counts(rec_path, folded_path):
    summary = summary_of(records(rec_path))
    lines = folded(folded_path)
    by_comm = collections.Counter()
    for comm, _, _, n in lines:
        by_comm[comm] += int(n)
    want = collections.Counter()
    for p in summary["processes"]:
        want[p["comm"].replace(" ", "_")] += sum(r["copied_pages"] for r in p["regions"])
    want = +want
    check(by_comm == want, "default mode: folded per process name = the summary's copied pages "
          "(%s)" % dict(want))


def main():
    a = sys.argv[1:]
    if a[0] == "recorded":
        rec = records(a[1])
        summary = check_summary(rec, a[2], a[3])
        check_folded(rec, a[4], a[5], a[8])
        if summary:
            check_trace(rec, a[6], a[7], summary)
    else:
        check_counts(a[1], a[2])
    sys.exit(1 if failed() else 0)


if __name__ == "__main__":
    main()
