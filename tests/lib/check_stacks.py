#!/usr/bin/env python3
"""Checks cowwatch --stacks output for tests/workloads/stackchain.

check_stacks.py --out STACKCHAIN_OUTPUT --folded FILE [--json REC] [--lossy ERR] A B BINARY

The child copies A pages through main;chain_outer;chain_middle;chain_leaf
and B pages through main;chain_outer;chain_other;chain_leaf, in the region
the workload printed. --folded: the lines of those chains hold exactly A
and B pages, and no page of chain_leaf is folded without its callers.
--json (a --json --events recording): each copy event in the region has a
"stack" whose first four frames are chain_leaf, chain_middle or
chain_other, chain_outer, main, all in BINARY, and stacks go on past main
(into libc's start code, through its CFI).
The recording's summary gives the child's "stacks" the two chains with
A and B pages; --report FILE (cowwatch report --json of the recording):
its summary's processes equal the live run's, stacks included.
--lossy ERR (cowwatch's standard error; a module with a tiny sample
buffer): copies may come without a chain, folded as COMM;REGION;chain_leaf;
the region's pages still add up to A + B, and if cowwatch warned "N of M
copies came without a call chain", M is every page the folded stacks hold.
"""
import re
import argparse
import json
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--folded", required=True)
    ap.add_argument("--json")
    ap.add_argument("--lossy")
    ap.add_argument("--report")
    ap.add_argument("a", type=int)
    ap.add_argument("b", type=int)
    ap.add_argument("binary")
    args = ap.parse_args()

    region = pages = None
    for line in open(args.out):
        if line.startswith("region="):
            f = dict(kv.split("=") for kv in line.split())
            region, pages = int(f["region"], 16), int(f["pages"])
    if region is None:
        fail("no region line in " + args.out)
    end = region + pages * 4096

    want = {"main;chain_outer;chain_middle;chain_leaf": args.a,
            "main;chain_outer;chain_other;chain_leaf": args.b}
    got = {k: 0 for k in want}
    leaf_alone = total = 0
    for line in open(args.folded):
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        tail = ";".join(frames[-4:])
        total += int(count)
        if tail in got:
            got[tail] += int(count)
        elif frames[-1] == "chain_leaf":
            leaf_alone += int(count)
    if args.lossy:
        chained = sum(got.values())
        if chained + leaf_alone != args.a + args.b:
            fail(f"folded: {chained} pages of chain_leaf with callers and {leaf_alone} "
                 f"without, expected {args.a + args.b} in all")
        print(f"ok: folded: {chained} pages of chain_leaf with their callers, {leaf_alone} without")
        m = re.search(r"(\d+) of (\d+) copies came without a call chain", open(args.lossy).read())
        if m:
            if int(m.group(2)) != total:
                fail(f"warning counts {m.group(2)} copies, the folded stacks {total}")
            if int(m.group(1)) < leaf_alone:
                fail(f"warning: {m.group(1)} copies without a chain, folded {leaf_alone}")
            print(f"ok: warned of {m.group(1)} of {m.group(2)} copies without a chain")
        else:
            print("ok: no copy without a chain, no warning")
        return
    for k in want:
        if got[k] != want[k]:
            fail(f"folded: {got[k]} pages through {k}, expected {want[k]}")
        print(f"ok: folded: {got[k]} pages through ...;{k}")
    if leaf_alone:
        fail(f"folded: {leaf_alone} pages of chain_leaf without the known callers")
    print("ok: folded: no page of chain_leaf without its callers")

    if not args.json:
        return
    n = deep = 0
    chains = {"chain_middle": 0, "chain_other": 0}
    summary = child = None
    for line in open(args.json):
        rec = json.loads(line)
        if rec.get("type") == "summary":
            summary = rec
        if rec.get("type") != "event" or rec.get("kind") != "copy":
            continue
        if not region <= rec["addr"] < end:
            continue
        n += 1
        st = rec.get("stack")
        if not st:
            fail(f"event at {rec['addr']:#x} has no stack")
        names = [f["symbol"] for f in st[:4]]
        if names[0] != "chain_leaf" or names[1] not in chains or names[2:] != ["chain_outer", "main"]:
            fail(f"event at {rec['addr']:#x}: stack {names}")
        for f in st[:4]:
            if not f["dso"].endswith("/" + args.binary):
                fail(f"event at {rec['addr']:#x}: frame {f} not in {args.binary}")
        chains[names[1]] += 1
        child = rec["pid"]
        if len(st) > 4:
            deep += 1
    if n != args.a + args.b:
        fail(f"json: {n} copy events in the region, expected {args.a + args.b}")
    if chains != {"chain_middle": args.a, "chain_other": args.b}:
        fail(f"json: callers {chains}, expected {args.a} and {args.b}")
    print(f"ok: json: {n} copy events, each with its stack leaf to main; callers {chains}")
    if deep != n:
        fail(f"json: {n - deep} stacks end at main (libc's start code not unwound)")
    print("ok: json: every stack goes on past main")

    if summary is None:
        fail("json: no summary record")
    procs = {p["pid"]: p for p in summary["processes"]}
    tops = {k: 0 for k in want}
    for st in procs.get(child, {}).get("stacks", []):
        tail = ";".join(st["stack"].split(";")[-4:])
        if tail in tops:
            tops[tail] += st["copied_pages"]
    if tops != want:
        fail(f"summary: the child's stacks give {tops}, expected {want}")
    print(f"ok: summary: the child's top stacks give {tops}")
    if args.report:
        rep = [json.loads(line) for line in open(args.report)]
        rsum = [r for r in rep if r.get("type") == "summary"]
        if not rsum or rsum[-1]["processes"] != summary["processes"]:
            fail("cowwatch report's summary differs from the live run's")
        print("ok: cowwatch report's summary equals the live run's, stacks included")


main()
