#!/usr/bin/python3
"""Forked Python workers that only read shared data, and what that costs.

usage: python_workers.py [plain|freeze|disable] [ITEMS] [WORKERS]

The parent loads a data set (ITEMS small dicts), then forks WORKERS workers
with multiprocessing's fork start method. Each worker only reads its share
of the items, then runs a full garbage collection, as a long-running worker
eventually does. Nothing is written by the program, yet memory that was
shared gets copied: reading an object writes its reference count, and the
collector writes the header of every container it tracks, shared or not.

  plain    as described
  freeze   gc.freeze() in the parent before forking: the collector leaves
           the data set alone; the reference counts of what is read remain
  disable  gc.disable() in the parent: no collection at all

Run it under cowwatch to see which worker copied what, where and why:
  cowwatch -- python3 examples/python_workers.py plain
  cowwatch -- python3 examples/python_workers.py freeze
"""
import gc
import multiprocessing
import os
import sys

MODE = sys.argv[1] if len(sys.argv) > 1 else "plain"
ITEMS = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
WORKERS = int(sys.argv[3]) if len(sys.argv) > 3 else 4

# The data set, built before the fork: shared copy-on-write with every worker.
DATA = [{"id": i, "name": "item-%d" % i, "score": i % 97} for i in range(ITEMS)]


def work(index):
    """Reads this worker's share of DATA, then collects garbage."""
    per = (len(DATA) + WORKERS - 1) // WORKERS
    share = DATA[index * per:(index + 1) * per]
    total = sum(item["score"] for item in share)
    gc.collect()
    print("worker %d (pid %d) read %d items (score %d)" % (index, os.getpid(), len(share), total),
          flush=True)


def main():
    if MODE == "freeze":
        gc.freeze()
    elif MODE == "disable":
        gc.disable()
    elif MODE != "plain":
        sys.exit("usage: python_workers.py [plain|freeze|disable] [ITEMS] [WORKERS]")
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=work, args=(i,)) for i in range(WORKERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    sys.exit(max(w.exitcode for w in workers))


if __name__ == "__main__":
    main()
