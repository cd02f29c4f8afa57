#!/bin/bash
# What `make demo` shows inside the guest: a Python server's story. The
# parent loads a data set and forks 4 workers that only read it; cowwatch
# shows who copies what, live, then how much gc.freeze() saves per worker.
# guest-timeout: 240
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
items=${DEMO_ITEMS:-100000}
story=$COWWATCH_SRC/examples/python_workers.py
echo "guest kernel $(uname -r), $(nproc) CPUs (software emulation: times are slow, counts are exact)"
load_module
echo "# insmod cowwatch.ko: $(dmesg | grep -o 'cowwatch: version.*' | tail -n 1)"
echo
echo "# cowwatch -i 2 -- python3 examples/python_workers.py plain $items 4"
"$COWWATCH_BIN" -i 2 -- python3 "$story" plain "$items" 4 || fail "plain run failed"
"$COWWATCH_BIN" --json -o /tmp/plain.json -- python3 "$story" plain "$items" 4 >/dev/null ||
	fail "plain run failed"
"$COWWATCH_BIN" --json -o /tmp/freeze.json -- python3 "$story" freeze "$items" 4 >/dev/null ||
	fail "freeze run failed"
echo
echo "# the same workers, plain and with gc.freeze() before forking (cowwatch --json)"
python3 - /tmp/plain.json /tmp/freeze.json <<'PY'
import json, sys
def workers(path):
    summary = [json.loads(l) for l in open(path)][-1]
    procs = summary["processes"]
    root = min(procs, key=lambda p: p["pid"])            # the python3 parent
    kids = sorted((p for p in procs if p["ppid"] == root["pid"]), key=lambda p: p["pid"])
    return root, kids
MiB = 1024 * 1024
(pr, plain), (fr, frozen) = workers(sys.argv[1]), workers(sys.argv[2])
print("%-10s %14s %14s %8s" % ("", "plain MiB", "gc.freeze MiB", "saved"))
for i, (a, b) in enumerate(zip(plain, frozen)):
    pa, pb = a["copied_bytes"] / MiB, b["copied_bytes"] / MiB
    print("%-10s %14.1f %14.1f %7.0f%%" % ("worker %d" % i, pa, pb, 100 * (pa - pb) / pa if pa else 0))
print("%-10s %14.1f %14.1f" % ("parent", pr["copied_bytes"] / MiB, fr["copied_bytes"] / MiB))
top = plain[0]["sites"][:3]
print("\nwhere worker 0 copied, plain:", ", ".join("%s (%d pages)" % (s["symbol"] or hex(s.get("offset", 0)), s["copied_pages"]) for s in top))
top = frozen[0]["sites"][:3]
print("where worker 0 copied, frozen:", ", ".join("%s (%d pages)" % (s["symbol"] or hex(s.get("offset", 0)), s["copied_pages"]) for s in top))
PY
unload_module
