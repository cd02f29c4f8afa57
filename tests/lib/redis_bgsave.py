#!/usr/bin/python3
"""Redis BGSAVE under cowwatch (tests/guest/redis_bgsave.sh).

usage: redis_bgsave.py run PORT WRITER_CMD...   > bgsave.json
       redis_bgsave.py check bgsave.json COWWATCH_JSON
       redis_bgsave.py stacks COWWATCH_JSON FOLDED

run: starts WRITER_CMD (a client that keeps writing), lets it write for a
moment, sends BGSAVE, polls INFO persistence until the save is over, stops
the writer and prints what Redis said: rdb_last_cow_size, the status, the
CLOCK_MONOTONIC window [t0, t1] from just before BGSAVE to the first poll
that saw it finished.

check: compares rdb_last_cow_size with what cowwatch attributed to the
Redis parent and its BGSAVE child within that window. See check() for the
tolerance and why the two differ.

stacks: a second BGSAVE under cowwatch --stacks --json --folded: the
parent's copies come with the command that wrote them (see stacks()).
"""
import json
import socket
import subprocess
import sys
import time

from checks import check as ok, failed


def command(sock, *args):
    """One RESP request; returns the reply as a str (bulk, simple or error)."""
    req = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a)
                                           for a in (x.encode() for x in args))
    sock.sendall(req)
    f = sock.makefile("rb")
    line = f.readline().rstrip(b"\r\n")
    if line[:1] == b"$":
        n = int(line[1:])
        return "" if n < 0 else f.read(n + 2)[:-2].decode()
    return line[1:].decode()


def info(sock):
    fields = {}
    for line in command(sock, "INFO", "persistence").splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return fields


def run(port, writer_cmd):
    sock = socket.create_connection(("127.0.0.1", int(port)))
    writer = subprocess.Popen(writer_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    t0 = time.monotonic_ns()
    reply = command(sock, "BGSAVE")
    while True:
        time.sleep(0.05)
        fields = info(sock)
        if fields.get("rdb_bgsave_in_progress") == "0":
            break
    t1 = time.monotonic_ns()
    writer.terminate()
    writer.wait()
    print(json.dumps({"bgsave_reply": reply, "t0_ns": t0, "t1_ns": t1,
                      "status": fields.get("rdb_last_bgsave_status"),
                      "rdb_last_cow_size": int(fields.get("rdb_last_cow_size", -1)),
                      "rdb_last_bgsave_time_sec": int(fields.get("rdb_last_bgsave_time_sec", -1))}))


def check(bgsave_path, cowwatch_path):
    """Redis measures the child's Private_Dirty (smaps) at the end of the save.
    A page becomes the child's alone when either side copies it: the parent
    (serving writes: cowwatch "copy" events of the parent) or the child
    (cowwatch events of the child). Both are what cowwatch counts. The two
    figures differ by what only one side counts: Redis counts memory the
    child allocated anew (its buffers: no copy) and shared pages the parent
    freed (jemalloc returning them to the kernel); cowwatch counts the
    parent's copies after the child's last sample, until the child is gone
    (the writer does not stop). Here those are a few hundred KiB each way
    (seen: cowwatch 102.5% and 104.4% of Redis's figure). Tolerance: within
    5% + 1 MiB of Redis's figure, either way; and each side must have copied
    (the parent more than 4 MiB, the child something)."""
    b = json.load(open(bgsave_path))
    records = [json.loads(l) for l in open(cowwatch_path) if l.strip()]
    summary = records[-1]
    ok(b["status"] == "ok" and b["bgsave_reply"].startswith("Background saving started"),
       "BGSAVE ran and succeeded (%s, %s)" % (b["bgsave_reply"], b["status"]))
    ok(summary["type"] == "summary" and summary["lost_events"] == 0, "no lost events")
    procs = summary["processes"]
    parent = min(procs, key=lambda p: p["pid"])
    children = [p for p in procs if p["ppid"] == parent["pid"]]
    ok(len(children) == 1, "one BGSAVE child of Redis (pid %d) watched: %s"
       % (parent["pid"], [c["pid"] for c in children]))
    if len(children) != 1:
        return 1
    child = children[0]
    events = [r for r in records if r["type"] == "event" and b["t0_ns"] <= r["time_ns"] <= b["t1_ns"]]
    copying = ("copy", "zero", "file", "ksm")
    parent_bytes = sum(e["page_size"] for e in events if e["pid"] == parent["pid"] and e["kind"] == "copy")
    child_bytes = sum(e["page_size"] for e in events if e["pid"] == child["pid"] and e["kind"] in copying)
    ok(child["exited"] and child["copied_bytes"] >= child_bytes, "the child exited; its copies "
       "all fall in the window (%d >= %d)" % (child["copied_bytes"], child_bytes))
    ours, theirs = parent_bytes + child_bytes, b["rdb_last_cow_size"]
    mib = 1024 * 1024
    print("redis rdb_last_cow_size %.2f MiB; cowwatch: parent copied %.2f MiB, child %.2f MiB, "
          "sum %.2f MiB (%.1f%% of Redis's)" % (theirs / mib, parent_bytes / mib, child_bytes / mib,
                                                ours / mib, 100 * ours / theirs if theirs > 0 else 0))
    ok(parent_bytes > 4 * mib, "the writer made the parent copy more than 4 MiB (%.2f MiB)"
       % (parent_bytes / mib))
    ok(child_bytes > 0, "the child copied too (%.2f MiB)" % (child_bytes / mib))
    ok(abs(ours - theirs) <= 0.05 * theirs + mib,
       "cowwatch %.2f MiB within 5%% + 1 MiB of Redis's %.2f MiB" % (ours / mib, theirs / mib))
    return 1 if failed() else 0


def through(frames, want):
    """Whether @frames (outermost first) pass through @want, in order."""
    at = 0
    for f in frames:
        if at < len(want) and f.split(".", 1)[0] == want[at]:
            at += 1
    return at == len(want)


def stacks(cowwatch_path, folded_path):
    """The parent writes to serve the client: its event loop (aeMain) reads
    requests (readQueryFromClient, processInputBuffer), parses them into new
    strings (processMultibulkBuffer) and runs them (processCommand, call,
    setCommand), which adds keys to the dictionary (dbAdd, dictAddRaw) or
    overwrites them (dbOverwrite). So at least 80% of the pages it copies
    must be folded in chains from main through the request handling (seen:
    97-98%), and at least 10% in chains through the SET command down to
    setKey (seen: 31-53%). Whether setKey adds keys (dictAddRaw) or
    overwrites them depends on how many keys the first BGSAVE's writer
    added: either is the command that wrote. The rest: pages copied with no sample (the sample ring was full)
    and the parent's other work (the server cron). The parent is the
    process cowwatch was attached to, the one with no watched parent; its
    BGSAVE child has the same name, and its chains run through the BGSAVE
    request (bgsaveCommand), so those are left out."""
    procs = []
    for line in open(cowwatch_path):
        r = json.loads(line)
        if r["type"] == "summary":
            procs = r["processes"]
    pids = {p["pid"] for p in procs}
    parents = [p for p in procs if p["ppid"] not in pids]
    ok(len(parents) == 1, "one Redis parent in the summary (got %d)" % len(parents))
    if len(parents) != 1:
        return 1
    parent = parents[0]
    requests = set_key = 0
    for line in open(folded_path):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        frames = stack.split(";")
        # The child returns from the fork inside BGSAVE's own request: its
        # chains run through bgsaveCommand, which the parent's SETs do not.
        if frames[0] != parent["comm"] or "bgsaveCommand" in frames:
            continue
        if through(frames[2:], ["main", "aeMain", "readQueryFromClient", "processInputBuffer"]):
            requests += int(count)
            if through(frames[2:], ["processCommand", "call", "setCommand", "setKey"]):
                set_key += int(count)
    copied = parent["copied_bytes"] // 4096
    print("parent %s (pid %d): %d pages copied, %d in chains through the request handling, "
          "%d of those through setCommand to setKey" % (parent["comm"], parent["pid"], copied,
                                                        requests, set_key))
    ok(copied >= 200, "the parent copied pages while the child saved (%d)" % copied)
    ok(requests >= 0.8 * copied, "at least 80%% of the parent's copies in chains from main through "
       "readQueryFromClient and processInputBuffer (%d of %d)" % (requests, copied))
    ok(set_key >= 0.1 * copied, "at least 10%% through processCommand, call and setCommand to "
       "setKey (%d of %d)" % (set_key, copied))
    return 1 if failed() else 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "stacks":
        sys.exit(stacks(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__.split("\n\n")[1])
