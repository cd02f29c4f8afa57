#!/bin/bash
# cowwatch report on hand-made recordings (no module, no root, no guest;
# tests/guest/reader_report.sh checks it against live runs): a reused pid
# is two processes; names with spaces and semicolons keep the folded format
# whole; the summary's counts, regions and sites, the folded lines and the
# trace's tracks and counters are what the records say; a recording cut
# short (no summary, a cut last line) is reported with a warning; under
# valgrind, no leak and no error.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
bin=$SRC/user/cowwatch
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bad=0
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "not ok: $what"; bad=1; fi
}

ev() { # ev TIME PID COMM KIND REGION SYMBOL VM_START [PAGE_SIZE]
	local sym=null off=4660
	[ "$6" = - ] || { sym="\"$6\""; off=0; }
	echo "{\"type\":\"event\",\"time_ns\":$1,\"pid\":$2,\"tid\":$2,\"ppid\":1,\"comm\":\"$3\",\"kind\":\"$4\",\"addr\":$(($7 + 4096)),\"page_size\":${8:-4096},\"vm_start\":$7,\"vm_end\":$(($7 + 1048576)),\"region\":\"$5\",\"ip\":4198400,\"symbol\":$sym,\"offset\":$off,\"dso\":\"/usr/bin/my app\"}"
}
counts() { # counts COPY ZERO REUSE
	echo "{\"copy\":$1,\"zero\":$2,\"file\":0,\"ksm\":0,\"reuse\":$3,\"shared\":0,\"retry\":0,\"error\":0,\"split\":0}"
}
{
	echo '{"type":"watch","time_ns":1000000000,"pid":1,"ppid":0,"comm":"server"}'
	echo '{"type":"fork","time_ns":1100000000,"pid":10,"ppid":1,"comm":"server"}'
	ev 1200000000 10 "work er;1" copy "[heap]" grow 4096
	ev 1300000000 10 "work er;1" copy "[heap]" grow 4096
	ev 1400000000 10 "work er;1" zero "[anon]" - 65536
	ev 1450000000 10 "work er;1" reuse "[anon]" - 65536
	echo "{\"type\":\"exit\",\"time_ns\":1500000000,\"pid\":10,\"ppid\":1,\"comm\":\"work er;1\",\"counts\":$(counts 5 1 1)}"
	echo '{"type":"fork","time_ns":2100000000,"pid":10,"ppid":1,"comm":"server"}'
	ev 2200000000 10 server copy "/data/my file" load 8192 2097152
	echo '{"type":"future","time_ns":2250000000,"pid":10}'
	echo "{\"type\":\"exit\",\"time_ns\":2300000000,\"pid\":10,\"ppid\":1,\"comm\":\"server\",\"counts\":$(counts 1 0 0)}"
} >"$dir/cut.ndjson"
cp "$dir/cut.ndjson" "$dir/rec.ndjson"
echo '{"type":"summary","time_ns":2500000000,"duration_s":1.500,"lost_events":3,"lost_messages":0,"processes":[]}' >>"$dir/rec.ndjson"

"$bin" report --json --folded "$dir/f" --trace "$dir/t" -i 0.5 "$dir/rec.ndjson" >"$dir/s.json" 2>"$dir/err"
check "report exits 0" [ $? = 0 ]
check "nothing on stderr: $(cat "$dir/err")" [ ! -s "$dir/err" ]
python3 - "$dir" <<'PY' || bad=1
import json, sys
d = sys.argv[1]
bad = 0
def check(ok, what):
    global bad
    print(("ok: " if ok else "not ok: ") + what)
    bad |= not ok
s = json.loads(open(d + "/s.json").read())
check(s["type"] == "summary" and s["lost_events"] == 3 and s["duration_s"] == 1.5
      and s["time_ns"] == 2500000000, "summary's totals are the recording's")
procs = s["processes"]
check([(p["pid"], p["comm"]) for p in procs] == [(10, "server"), (10, "work er;1"), (1, "server")],
      "a reused pid is two processes, most copied first: %s" % [(p["pid"], p["comm"]) for p in procs])
first, second = procs[1], procs[0]
check(first["counts"]["copy"] == 5 and first["counts"]["zero"] == 1 and first["exited"],
      "the first pid 10's counts are its exit record's")
# 2 copies + 1 zero seen as events (12 KiB), 3 more copies lost: counted as base pages.
check(first["copied_bytes"] == (3 + 3) * 4096, "copied bytes: events plus lost copies (%d)"
      % first["copied_bytes"])
check(first["regions"] == [{"name": "[heap]", "start": 4096, "end": 4096 + 1048576, "copied_pages": 2},
                           {"name": "[anon]", "start": 65536, "end": 65536 + 1048576, "copied_pages": 1}],
      "regions from vm_start and vm_end: %s" % first["regions"])
check(first["sites"] == [{"symbol": "grow", "dso": "/usr/bin/my app", "copied_pages": 2},
                         {"symbol": None, "dso": "/usr/bin/my app", "offset": 4660, "copied_pages": 1}],
      "sites: %s" % first["sites"])
check(second["copied_bytes"] == 2097152, "a 2 MiB copy is 2 MiB")
folded = open(d + "/f").read().splitlines()
check(folded == ["server;/data/my_file;load 1", "work_er_1;[anon];my_app+0x1234 1",
                 "work_er_1;[heap];grow 2"], "folded lines: %s" % folded)
t = json.load(open(d + "/t"))["traceEvents"]
names = sorted(e["args"]["name"] for e in t if e["name"] == "process_name")
check(names == ["1 server", "10 server", "10 work er;1"], "three tracks: %s" % names)
counters = [(e["pid"], e["ts"], e["args"]["pages"]) for e in t if e["ph"] == "C"]
track = {e["args"]["name"]: e["pid"] for e in t if e["name"] == "process_name"}
w = track["10 work er;1"]
# 0.5 s intervals from 1.0 s: copies at 1.2, 1.3 (bucket 2), zero at 1.4 (bucket 2): 3 pages.
check([c for c in counters if c[0] == w] == [(w, 0.0, 3), (w, 500000.0, 0)],
      "worker's counter: 3 pages in [1.0, 1.5) s, then 0: %s" % [c for c in counters if c[0] == w])
flows = [(e["ph"], e["pid"]) for e in t if e.get("cat") == "fork"]
check(flows == [("s", track["1 server"]), ("f", w), ("s", track["1 server"]), ("f", track["10 server"])],
      "a flow from the parent to each child: %s" % flows)
sys.exit(bad)
PY

head -c -20 "$dir/cut.ndjson" >"$dir/cut2.ndjson"
"$bin" report "$dir/cut2.ndjson" >"$dir/out" 2>"$dir/err"
check "a cut recording is reported (exit $?)" [ -s "$dir/out" ]
check "it says its last record is cut off" grep -q "cut2.ndjson:11: the last record is cut off: ignored" "$dir/err"
check "and that it has no summary" grep -q "has no summary record (the watch was cut short)" "$dir/err"
check "text summary of the 3 processes" grep -q "^cowwatch summary: 1.2 s, 3 processes" "$dir/out"

if command -v valgrind >/dev/null; then
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
		"$bin" report --folded "$dir/f2" --trace "$dir/t2" "$dir/rec.ndjson" >/dev/null 2>"$dir/vg"
	check "valgrind: no error, no leak ($(head -c 300 "$dir/vg"))" [ $? = 0 ]
fi
exit $bad
