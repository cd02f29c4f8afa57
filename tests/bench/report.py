#!/usr/bin/env python3
"""report.py JSON_OUT RAW...: the benchmark's table (stdout) and JSON file.

Each RAW file is the bench.raw of one guest boot (tests/bench/guest-bench.sh):
"info ...", "verify ...", "run ..." lines of key=value fields. Prints the
table, the targets met or MISSED, the watched-set and attach figures, writes
the same as JSON to JSON_OUT and prints JSON_OUT as the last line.
"""
import json
import statistics
import sys

MODES = ["baseline", "loaded", "watch-events", "watch-summary", "watch-cwread", "bpftrace", "perf"]
TARGET_LOADED = 1.02
TARGET_EVENTS = 1.05


def parse(lines):
    recs = []
    for line in lines:
        words = line.split()
        if not words:
            continue
        rec = {"type": words[0]}
        for w in words[1:]:
            if "=" in w:
                k, v = w.split("=", 1)
                rec[k] = v
        recs.append(rec)
    return recs


def num(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None


def spread_pct(values, med):
    return 100.0 * (max(values) - min(values)) / med if med else 0.0


def kernel_key(k):
    return tuple(int(x) for x in k.split(".") if x.isdigit())


def summarize(recs):
    runs = [r for r in recs if r["type"] == "run"]
    groups = {}
    for r in runs:
        key = (r["kernel"], int(r["cpus"]), int(r["workers"]), r["variant"], r["mode"])
        groups.setdefault(key, []).append(r)

    results = []
    for key in sorted(groups, key=lambda k: (kernel_key(k[0]), k[1], k[2], k[3],
                                             MODES.index(k[4]) if k[4] in MODES else 99, k[4])):
        kernel, cpus, workers, variant, mode = key
        rs = groups[key]
        ns = [float(r["ns_per_fault"]) for r in rs]
        med = statistics.median(ns)
        res = {
            "kernel": kernel, "cpus": cpus, "workers": workers, "variant": variant,
            "mode": mode, "runs": len(rs), "faults_per_run": int(rs[0]["faults"]),
            "ns_per_fault_median": round(med, 1),
            "ns_per_fault_min": round(min(ns), 1), "ns_per_fault_max": round(max(ns), 1),
            "spread_pct": round(spread_pct(ns, med), 1),
            "elapsed_ms_median": round(statistics.median(int(r["elapsed_ns"]) for r in rs) / 1e6, 1),
        }
        cpu_w = [float(r["cpu_ns_per_fault"]) for r in rs if "cpu_ns_per_fault" in r]
        if cpu_w:
            res["worker_cpu_ns_per_fault_median"] = round(statistics.median(cpu_w), 1)
        if mode.startswith("filter-"):
            res["watched"] = int(rs[0].get("watched", 0))
            att = [num(r.get("attach_ms")) for r in rs if r.get("attach_ms") is not None]
            if att:
                res["attach_ms_median"] = statistics.median(att)
                res["attach_ms"] = att
        scope = rs[0].get("tool_scope", "none")
        res["tool_scope"] = scope
        if scope != "none":
            cpu = [num(r.get("tool_cpu_ms")) for r in rs if r.get("tool_cpu_ms") is not None]
            rss = [num(r.get("tool_rss_kb")) for r in rs if r.get("tool_rss_kb") is not None]
            if scope == "round":
                # One tool process spanned the round's storms: count each round once.
                cpu = [num(v) for v in {r["round"]: r.get("tool_cpu_ms") for r in rs}.values()]
            res["tool_cpu_ms_median"] = statistics.median(cpu) if cpu else None
            res["tool_peak_rss_kb"] = max(rss) if rss else None
        if "generated" in rs[0]:
            res["events_generated"] = sum(int(r["generated"]) for r in rs)
            res["events_delivered"] = sum(int(r["delivered"]) for r in rs)
        elif "round_counted" in rs[0]:
            per_round = {r["round"]: int(r["round_counted"]) for r in rs}
            res["events_generated"] = sum(int(r["faults"]) for r in rs)
            res["events_counted_rounds"] = sum(per_round.values())
        if mode in ("baseline", "loaded") or mode.startswith("filter-"):
            res["lost_events"] = 0
        else:
            res["lost_events"] = sum(int(r.get("lost_events", 0)) for r in rs)
            if any("lost_messages" in r for r in rs):
                res["lost_messages"] = sum(int(r.get("lost_messages", 0)) for r in rs)
        if "module_kb" in rs[0]:
            res["module_kb"] = int(rs[0]["module_kb"])
        results.append(res)

    base = {(r["kernel"], r["cpus"], r["workers"], r["variant"]): r["ns_per_fault_median"]
            for r in results if r["mode"] == "baseline"}
    fbase = {(r["kernel"], r["cpus"]): r["ns_per_fault_median"]
             for r in results if r["mode"] == "filter-0"}
    for r in results:
        if r["mode"].startswith("filter-"):
            b = fbase.get((r["kernel"], r["cpus"]))
        else:
            b = base.get((r["kernel"], r["cpus"], r["workers"], r["variant"]))
        r["ratio"] = round(r["ns_per_fault_median"] / b, 3) if b else None
    cbase = {(r["kernel"], r["cpus"], r["workers"], r["variant"]): r.get("worker_cpu_ns_per_fault_median")
             for r in results if r["mode"] == "baseline"}
    for r in results:
        b = cbase.get((r["kernel"], r["cpus"], r["workers"], r["variant"]))
        c = r.get("worker_cpu_ns_per_fault_median")
        if b and c is not None and not r["mode"].startswith("filter-"):
            r["worker_cpu_ratio"] = round(c / b, 3)
    return results


def targets(results):
    by = {(r["kernel"], r["cpus"], r["workers"], r["variant"], r["mode"]): r for r in results}
    out = []
    for (k, c, w, v, m), r in sorted(by.items(), key=lambda kv: (kernel_key(kv[0][0]),) + kv[0][1:]):
        if m != "baseline":
            continue
        cfg = {"kernel": k, "cpus": c, "workers": w, "variant": v}
        loaded = by.get((k, c, w, v, "loaded"))
        events = by.get((k, c, w, v, "watch-events"))
        bpf = by.get((k, c, w, v, "bpftrace"))
        if loaded and loaded["ratio"] is not None:
            out.append(dict(cfg, target="loaded/baseline <= %.2f" % TARGET_LOADED,
                            value=loaded["ratio"], met=loaded["ratio"] <= TARGET_LOADED))
        if events and events["ratio"] is not None:
            ok = events["ratio"] <= TARGET_EVENTS and events["lost_events"] == 0
            out.append(dict(cfg, target="watch-events/baseline <= %.2f, 0 lost" % TARGET_EVENTS,
                            value=events["ratio"], lost=events["lost_events"], met=ok))
        if events and bpf and events["ratio"] is not None and bpf["ratio"] is not None:
            out.append(dict(cfg, target="watch-events <= bpftrace", value=events["ratio"],
                            bpftrace=bpf["ratio"], met=events["ratio"] <= bpf["ratio"]))
    return out


def fmt(v, spec="%s"):
    return "-" if v is None else spec % v


def table(results, tgts, verify, infos, startup=()):
    lines = []
    lines.append("cowwatch benchmark: qemu TCG guests (software emulation: only the ratios mean anything)")
    for i in infos:
        lines.append("  boot: kernel %s (%s), %s CPUs, storm %s MiB per worker, %s rounds, clocksource %s"
                     % (i.get("kernel"), i.get("kver"), i.get("cpus"), i.get("mib"), i.get("runs"),
                        i.get("clocksource", "?")))
    lines.append("ns/fault = wall time from releasing the workers to the last worker's last write,")
    lines.append("divided by all write faults (workers x pages); W=2 workers run in parallel, so it is")
    lines.append("not the cost of one fault. med = median of the runs, spread = (max-min)/median.")
    lines.append("ratio = med / baseline med (same kernel, CPUs, W, variant). events: generated =")
    lines.append("do_wp_page calls of the watched storm (module counter), delivered = generated - lost")
    lines.append("(cowwatch modes); for bpftrace and perf the tool's own count per round of 4 storms.")
    lines.append("tool CPU: user+sys of the reader (cowwatch: per storm; bpftrace, perf: per round of")
    lines.append("the 4 storms); RSS: peak. module KiB: /proc/modules size + rings (ring_size x 104 B x")
    lines.append("possible CPUs). wCPU = the workers' own CPU time per fault (CLOCK_THREAD_CPUTIME_ID")
    lines.append("around their writes: fault handling and probe handlers in their context, not the")
    lines.append("reader's nor the drain's), wratio = wCPU / baseline wCPU.")
    lines.append("")
    hdr = "%-5s %4s %2s %-5s %-13s %10s %7s %6s %9s %9s %5s %8s %8s %7s %7s %6s" % (
        "kern", "cpus", "W", "var", "mode", "ns/fault", "spread", "ratio", "generated",
        "delivered", "lost", "toolCPUms", "toolRSSk", "modKiB", "wCPU", "wratio")
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for r in results:
        if r["mode"].startswith("filter-"):
            continue
        delivered = r.get("events_delivered", r.get("events_counted_rounds"))
        lines.append("%-5s %4d %2d %-5s %-13s %10.0f %6.1f%% %6s %9s %9s %5s %8s %8s %7s %7s %6s" % (
            r["kernel"], r["cpus"], r["workers"], r["variant"], r["mode"],
            r["ns_per_fault_median"], r["spread_pct"], fmt(r["ratio"], "%.3f"),
            fmt(r.get("events_generated")), fmt(delivered),
            fmt(r.get("lost_events")), fmt(r.get("tool_cpu_ms_median"), "%.0f"),
            fmt(r.get("tool_peak_rss_kb")), fmt(r.get("module_kb")),
            fmt(r.get("worker_cpu_ns_per_fault_median"), "%.0f"), fmt(r.get("worker_cpu_ratio"), "%.3f")))
    filt = [r for r in results if r["mode"].startswith("filter-")]
    if filt:
        lines.append("")
        lines.append("watched-set filter: the copy storm (1 worker) unwatched while cowwatch watches")
        lines.append("0, 1 (a sleeper) or 1001 processes (a held tree of 1000); attach = cowwatch start")
        lines.append("until the module watches them all")
        lines.append("%-5s %4s %-12s %10s %7s %6s %10s" % ("kern", "cpus", "watched", "ns/fault",
                                                        "spread", "ratio", "attach ms"))
        for r in filt:
            lines.append("%-5s %4d %-12s %10.0f %6.1f%% %6s %10s" % (
                r["kernel"], r["cpus"], r["mode"][7:], r["ns_per_fault_median"], r["spread_pct"],
                fmt(r["ratio"], "%.3f"), fmt(r.get("attach_ms_median"), "%.0f")))
    if startup:
        lines.append("")
        lines.append("cowwatch's own start-up and exit (cowwatch [ARGS] -- /bin/true), CPU ms:")
        for st in startup:
            lines.append("  %s %s CPUs %-16s %s ms, peak RSS %s KiB" % (
                st["kernel"], st["cpus"], st["args"].replace(",", " ") or "(summary)",
                st.get("tool_cpu_ms"), st.get("tool_rss_kb")))
    if verify:
        lines.append("")
        lines.append("what the storms do (one untimed run each, outcomes cowwatch saw; a few")
        lines.append("faults are the program's own start-up):")
        for v in verify:
            kinds = " ".join("%s=%s" % (k, v[k]) for k in ("copy", "reuse", "zero", "file") if k in v)
            lines.append("  %s %s CPUs %-8s %s" % (v["kernel"], v["cpus"], v["storm"], kinds))
    split = []
    by = {(r["kernel"], r["cpus"], r["workers"], r["variant"], r["mode"]): r for r in results}
    for (k, c, w, v, m), r in sorted(by.items(), key=lambda kv: (kernel_key(kv[0][0]),) + kv[0][1:]):
        cw = by.get((k, c, w, v, "watch-cwread"))
        if m != "watch-events" or not cw or r["ratio"] is None or cw["ratio"] is None:
            continue
        split.append("  %-5s %d CPU W=%d %-5s  module + minimal reader %+5.0f%%   cowwatch's reader on top %+5.0f%%"
                     % (k, c, w, v, 100 * (cw["ratio"] - 1), 100 * (r["ratio"] - cw["ratio"])))
    if split:
        lines.append("")
        lines.append("where the watch-events overhead goes (ratios over the baseline; watch-cwread is the")
        lines.append("module with the test suite's minimal reader, which decodes and prints each event):")
        lines += split
    lines.append("")
    lines.append("targets:")
    for t in tgts:
        extra = ""
        if "lost" in t:
            extra = ", lost %d" % t["lost"]
        if "bpftrace" in t:
            extra = " vs bpftrace %.3f" % t["bpftrace"]
        lines.append("  %-6s %s  %s %d CPU W=%d %s: %.3f%s" % (
            "met" if t["met"] else "MISSED", t["target"], t["kernel"], t["cpus"], t["workers"],
            t["variant"], t["value"], extra))
    return lines


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: report.py JSON_OUT RAW...\n")
        return 2
    recs = []
    for path in argv[2:]:
        with open(path) as f:
            recs += parse(f.read().splitlines())
    infos = [r for r in recs if r["type"] == "info"]
    verify = [{k: v for k, v in r.items() if k != "type"} for r in recs if r["type"] == "verify"]
    startup = [{k: v for k, v in r.items() if k != "type"} for r in recs if r["type"] == "startup"]
    results = summarize(recs)
    if not results:
        sys.stderr.write("report.py: no runs in %s\n" % " ".join(argv[2:]))
        return 1
    tgts = targets(results)
    lines = table(results, tgts, verify, infos, startup)
    missed = [t for t in tgts if not t["met"]]
    lines.append("")
    lines.append("%d of %d targets met%s" % (len(tgts) - len(missed), len(tgts),
                                            "; MISSED: see the closing note" if missed else ""))
    main_results = [r for r in results if r["mode"] in MODES and r["mode"] != "watch-cwread"]
    doc = {
        "results": main_results,
        "diagnostic": [r for r in results if r["mode"] == "watch-cwread"],
        "filter": [r for r in results if r["mode"].startswith("filter-")],
        "targets": tgts,
        "verify": verify,
        "startup": startup,
        "boots": [{k: v for k, v in i.items() if k != "type"} for i in infos],
    }
    with open(argv[1], "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
