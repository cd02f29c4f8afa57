#!/usr/bin/env python3
"""bt-count.py MODE OUTPUT STORMS: what a bpftrace mode saw of each storm.

OUTPUT is what bpftrace printed over a round of storms, STORMS the storms'
own lines (tests/bench/cowstorm: pids=, regions=, mib=). Prints each storm
line again with generated=, delivered= and round_lost= appended:
  bpftrace         (kprobe:do_wp_page { @[tid] = count(); }): generated =
                   delivered = the counts of the storm's workers (an
                   in-kernel map loses nothing); round_lost=0
  bpftrace-stream  (printf of pid, tid, address per call): generated = the
                   storm's writes (workers x pages: bpftrace does not count
                   what it drops), delivered = printed lines of a worker
                   whose address lies in that worker's region, round_lost =
                   the "Lost N events" bpftrace reported over the round
"""
import re
import sys


def fields(line):
    return dict(w.split("=", 1) for w in line.split() if "=" in w)


def main(argv):
    if len(argv) != 4 or argv[1] not in ("bpftrace", "bpftrace-stream"):
        sys.stderr.write("usage: bt-count.py bpftrace|bpftrace-stream OUTPUT STORMS\n")
        return 2
    mode = argv[1]
    with open(argv[2], errors="replace") as f:
        out = f.read().splitlines()
    with open(argv[3]) as f:
        storms = [line for line in f.read().splitlines() if line.startswith("variant=")]
    lost = sum(int(m.group(1)) for m in (re.search(r"Lost (\d+) events", line) for line in out) if m)
    counts = {}
    lines = {}
    if mode == "bpftrace":
        for line in out:
            m = re.match(r"@\[(\d+)\]: (\d+)$", line.strip())
            if m:
                counts[int(m.group(1))] = counts.get(int(m.group(1)), 0) + int(m.group(2))
    else:
        for line in out:
            w = line.split()
            if len(w) == 3 and w[0].isdigit() and w[1].isdigit():
                try:
                    lines.setdefault(int(w[0]), []).append(int(w[2], 16))
                except ValueError:
                    pass
    for s in storms:
        f = fields(s)
        pids = [int(p) for p in f["pids"].split(",")]
        regions = [int(r, 16) for r in f["regions"].split(",")]
        size = int(f["mib"]) << 20
        if mode == "bpftrace":
            gen = sum(counts.get(p, 0) for p in pids)
            dlv = gen
        else:
            gen = int(f["faults"])
            dlv = sum(sum(1 for a in lines.get(p, ()) if r <= a < r + size)
                      for p, r in zip(pids, regions))
        print("%s generated=%d delivered=%d round_lost=%d" % (s, gen, dlv, lost))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
