#!/usr/bin/python3
"""Forked Python workers that only read shared data, and what that costs.

usage: python_workers.py [plain|freeze|disable] [ITEMS] [WORKERS]
                         [--data records|ints|strings] [--read share|all]
                         [--smaps FILE]

The parent loads a data set of ITEMS objects, then forks WORKERS workers
with multiprocessing's fork start method. Each worker only reads the data
(its own share of it, or all of it with --read all), then lets the garbage
collector run a full collection, as it eventually does in a long-running
worker. Nothing is written by the program, yet memory that was shared gets
copied: reading an object writes its reference count, and the collector
writes the header of every container it tracks, shared or not.

  plain    as described
  freeze   gc.freeze() in the parent before forking: the collector leaves
           the data set alone; the reference counts of what is read remain
  disable  gc.disable() in the parent: no automatic collection at all (the
           worker's full collection then does not happen either)

  --data records   ITEMS small dicts holding a list (default; 200,000):
                   containers the collector tracks, so gc.freeze() matters
         ints      list(range(ITEMS)) (default 1,000,000): the classic; ints
                   are not tracked by the collector, only their reference
                   counts get written
         strings   a dict of ITEMS string keys and values (default 200,000),
                   always read whole
  --smaps FILE     each worker appends one JSON line to FILE: the
                   CLOCK_MONOTONIC times and /proc/self/smaps_rollup
                   Private_Dirty and Anonymous (kB) when its work starts and
                   just before it exits, to check cowwatch's figures against

Run it under cowwatch to see which worker copied what, where and why:
  cowwatch -- python3 examples/python_workers.py plain
  cowwatch -- python3 examples/python_workers.py freeze
  cowwatch -- python3 examples/python_workers.py plain --data ints --read all
"""
import argparse
import gc
import itertools
import json
import multiprocessing
import os
import sys
import time

DEFAULT_ITEMS = {"records": 200_000, "ints": 1_000_000, "strings": 200_000}


def parse_args():
    p = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1].replace("usage: ", "", 1))
    p.add_argument("mode", nargs="?", default="plain", choices=["plain", "freeze", "disable"])
    p.add_argument("items", nargs="?", type=int)
    p.add_argument("workers", nargs="?", type=int, default=4)
    p.add_argument("--data", default="records", choices=sorted(DEFAULT_ITEMS))
    p.add_argument("--read", choices=["share", "all"])
    p.add_argument("--smaps")
    p.add_argument("--layout", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.read is None:
        args.read = "all" if args.data == "strings" else "share"
    if args.data == "strings" and args.read == "share":
        # A dict has no random access: skipping to a share reads what it skips.
        p.error("--data strings reads all of the dict (--read all)")
    if args.items is None:
        args.items = DEFAULT_ITEMS[args.data]
    return args


ARGS = parse_args()


def build(kind, n):
    """The data set, built before the fork: shared copy-on-write with every worker."""
    if kind == "ints":
        return list(range(n))
    if kind == "strings":
        return {"key-%d" % i: "value-%d" % i for i in range(n)}
    # A list inside makes each record a container the collector tracks (a
    # dict of only strings and numbers is left untracked).
    return [{"id": i, "name": "item-%d" % i, "score": i % 97, "tags": ["t%d" % (i % 5)]}
            for i in range(n)]


DATA = build(ARGS.data, ARGS.items)


def rollup():
    """Private_Dirty and Anonymous of this process, in kB."""
    fields = {}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("Private_Dirty", "Anonymous"):
                fields[name] = int(rest.split()[0])
    return fields


def bounds(index):
    """The items worker index reads: [first, last)."""
    if ARGS.read == "all":
        return 0, len(DATA)
    per = (len(DATA) + ARGS.workers - 1) // ARGS.workers
    return index * per, min((index + 1) * per, len(DATA))


def objects(first, last):
    """The objects of items [first, last) whose reference counts a read writes."""
    if ARGS.data == "strings":
        return itertools.chain.from_iterable(DATA.items())
    return DATA if (first, last) == (0, len(DATA)) else DATA[first:last]


def write_layout(path):
    """For tests: the memory pages (address // 4096) of the objects each worker reads."""
    layout = {"workers": []}
    for index in range(ARGS.workers):
        layout["workers"].append(sorted({id(o) // 4096 for o in objects(*bounds(index))}))
    with open(path, "w") as f:
        json.dump(layout, f)


def read(index):
    """Reads this worker's share of DATA (or all of it); returns (count, checksum)."""
    first, last = bounds(index)
    if ARGS.data == "ints":
        return last - first, sum(x % 97 for x in objects(first, last))
    if ARGS.data == "strings":
        return last - first, sum(len(k) + len(v) for k, v in DATA.items())
    return last - first, sum(item["score"] for item in objects(first, last))


def work(index):
    before = (time.monotonic_ns(), rollup()) if ARGS.smaps else None
    count, total = read(index)
    if gc.isenabled():
        gc.collect()
    print("worker %d (pid %d) read %d %s (checksum %d)" % (index, os.getpid(), count, ARGS.data, total),
          flush=True)
    if before:
        after = (time.monotonic_ns(), rollup())
        line = json.dumps({"pid": os.getpid(), "worker": index, "t0_ns": before[0], "t1_ns": after[0],
                           "before_kb": before[1], "after_kb": after[1]})
        with open(ARGS.smaps, "a") as f:
            f.write(line + "\n")


def main():
    if ARGS.mode == "freeze":
        gc.freeze()
    elif ARGS.mode == "disable":
        gc.disable()
    if ARGS.layout:
        write_layout(ARGS.layout)
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=work, args=(i,)) for i in range(ARGS.workers)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    sys.exit(max(w.exitcode for w in workers))


if __name__ == "__main__":
    main()
