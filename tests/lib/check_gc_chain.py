#!/usr/bin/env python3
"""Checks cowwatch --stacks on the Python story (records, plain collector).

check_gc_chain.py SUMMARY_JSON FOLDED

SUMMARY_JSON: cowwatch --stacks --json -o FILE -- python3 python_workers.py
plain N 4 --data records --read share; FOLDED: its --folded FILE.
Each worker's full collection (gc.collect()) writes the header of every
container the collector tracks, so it copies pages in deduce_unreachable
(CPython 3.11: the collector's first pass, update_refs and subtract_refs
inlined). The checks:
- nothing was lost (cowwatch's socket holds the run's samples), every
  process of the run exited (its EXIT reached cowwatch) and each of the
  four workers copied pages in deduce_unreachable (the summary's sites);
- the folded stacks give those copies their callers: at least 90% of the
  pages the summary names deduce_unreachable for come in chains that run
  from the interpreter loop (_PyEval_EvalFrameDefault) through gc_collect,
  gc_collect_main and on to deduce_unreachable, and from main's side
  (Py_RunMain), i.e. through the whole unwound stack. The rest may lack a
  sample (the module's sample ring full) and be folded without callers.
CPython's functions carry GCC's LTO suffixes (gc_collect.lto_priv.0): names
are matched up to the first dot.
"""
import json
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def base(frame):
    return frame.split(".", 1)[0]


def chain_ok(frames):
    """frames outermost first, the writing function last."""
    names = [base(f) for f in frames]
    if names[-1] != "deduce_unreachable":
        return False
    want = ["Py_RunMain", "_PyEval_EvalFrameDefault", "gc_collect", "gc_collect_main", "deduce_unreachable"]
    at = 0
    for n in names:
        if at < len(want) and n == want[at]:
            at += 1
    return at == len(want)


def main():
    summary = None
    for line in open(sys.argv[1]):
        r = json.loads(line)
        if r["type"] == "summary":
            summary = r
    if not summary:
        fail("no summary")
    if summary["lost_events"] or summary["lost_messages"]:
        fail(f"{summary['lost_events']} events and {summary['lost_messages']} messages lost")
    procs = summary["processes"]
    if len(procs) != 5:
        fail(f"{len(procs)} processes in the summary, expected the parent and 4 workers")
    site_pages = {}
    for p in procs:
        if not p["exited"]:
            fail(f"pid {p['pid']} did not exit (no EXIT reached cowwatch)")
        site_pages[p["pid"]] = sum(s["copied_pages"] for s in p["sites"]
                                   if base(s.get("symbol") or "") == "deduce_unreachable")
    workers = sorted(site_pages.items(), key=lambda kv: -kv[1])[:4]
    for pid, pages in workers:
        if pages < 100:
            fail(f"worker {pid}: {pages} pages in deduce_unreachable, the collector copied little")
    total = sum(site_pages.values())
    chained = 0
    for line in open(sys.argv[2]):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        frames = stack.split(";")[2:]	# COMM;REGION;outermost;...;CODE
        if frames and chain_ok(frames):
            chained += int(count)
    print(f"deduce_unreachable: {total} pages in the summary, {chained} in full chains; "
          f"per worker {[pages for _, pages in workers]}")
    if chained > total:
        fail("more chained pages than the summary counts")
    if chained < 0.9 * total:
        fail(f"only {chained} of {total} pages of deduce_unreachable came with the collector's chain")
    print("ok: the collector's chain from the interpreter loop to deduce_unreachable")


if __name__ == "__main__":
    main()
