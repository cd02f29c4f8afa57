// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/report.c: every record goes out whole, in one write,
 * whatever shares the output (a command run under cowwatch writes to the
 * same stdout). A SOCK_SEQPACKET socket keeps each write() a packet of its
 * own, so the test sees the writes' boundaries. And the records that mark
 * a moment (fork, exec, exit, summary) carry its time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"
#include "unit.h"

/* Reads what is waiting on @fd: each packet must be whole records. */
static int read_packets(int fd, int *records, char *last, size_t last_len)
{
	static char buf[1 << 16];
	const char *src;
	int bad = 0;
	size_t len;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		if (buf[n - 1] != '\n')
			bad++;
		for (ssize_t i = 0; i < n; i++)
			*records += buf[i] == '\n';
		/* The last record of the packet: what the checks below look at. */
		buf[n - 1] = '\0';
		src = strrchr(buf, '\n') ? strrchr(buf, '\n') + 1 : buf;
		len = strlen(src) < last_len ? strlen(src) : last_len - 1;
		memcpy(last, src, len);
		last[len] = '\0';
	}
	return bad;
}

static void test_whole_records(bool json)
{
	struct proc p = { .pid = 4242, .ppid = 1, .comm = "worker" };
	struct cw_event ev = {
		.pid = 4242, .tgid = 4242, .tid = 4243, .addr = 0x7f0000001000ULL,
		.outcome = COWWATCH_OUT_COPY, .page_size = 4096, .time_ns = 5,
	};
	struct attribution a = {
		.region = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
		.site = { .dso = "/usr/bin/python3.11", .symbol = "deduce_unreachable", .offset = 0x40 },
	};
	struct report_totals tot = { .now_ns = 999, .duration_s = 1.5 };
	struct cw_notice fork_n = { .pid = 4242, .ppid = 1, .time_ns = 111 };
	struct cw_exit ex = { .pid = 4242, .time_ns = 333 };
	struct report r = { .json = json, .top = 10 };
	struct proc_table t;
	char last[4096] = "";
	int sv[2], bad = 0, records = 0;
	FILE *out;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		report(0, "socketpair");
		return;
	}
	out = fdopen(sv[0], "w");
	report(out && report_open(&r, out) == 0 && procs_init(&t) == 0, "%s: set up",
	       json ? "json" : "text");
	/* Rounds of events, read as they come: far more than a stdio buffer. */
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 30; i++)
			report_event(&r, &p, &ev, &a);
		report_flush(&r);
		bad += read_packets(sv[1], &records, last, sizeof(last));
	}
	report(!bad && records == 300, "%s: 300 event records, each write whole (%d cut, %d records)",
	       json ? "json" : "text", bad, records);
	if (json) {
		/* Every field, in the order and form of the manual's format. */
		report(!strcmp(last, "{\"type\":\"event\",\"time_ns\":5,\"pid\":4242,\"tid\":4243,"
			       "\"ppid\":1,\"comm\":\"worker\",\"kind\":\"copy\",\"addr\":139637976731648,"
			       "\"page_size\":4096,\"vm_start\":0,\"vm_end\":0,\"region\":"
			       "\"/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0\",\"ip\":0,"
			       "\"symbol\":\"deduce_unreachable\",\"offset\":64,\"dso\":\"/usr/bin/python3.11\"}"),
		       "json: the event record, field by field (%s)", last);
		p.ppid = -1;
		ev.time_ns = UINT64_MAX;
		a.site.symbol = NULL;
		report_event(&r, &p, &ev, &a);
		report_flush(&r);
		read_packets(sv[1], &records, last, sizeof(last));
		report(strstr(last, "\"time_ns\":18446744073709551615,") && strstr(last, "\"ppid\":-1,") &&
		       strstr(last, "\"symbol\":null,"), "json: the largest time, a negative ppid, no symbol (%s)",
		       last);
		p.ppid = 1;
	}
	if (json) {
		report_moment(&r, &p, "fork", fork_n.time_ns);
		report_flush(&r);
		read_packets(sv[1], &records, last, sizeof(last));
		report(!strcmp(last, "{\"type\":\"fork\",\"time_ns\":111,\"pid\":4242,\"ppid\":1,"
			       "\"comm\":\"worker\"}"),
		       "json: fork record, field by field (%s)", last);
		/* The kernel's counts at exit, each outcome in its place. */
		p.exited = true;
		p.exit_counts[COWWATCH_OUT_COPY] = 7;
		p.exit_counts[COWWATCH_OUT_REUSE] = 3;
		p.exit_counts[COWWATCH_OUT_SPLIT] = 1;
		p.ev_counts[COWWATCH_OUT_COPY] = 5;
		report_exit(&r, &p, &ex);
		report_flush(&r);
		read_packets(sv[1], &records, last, sizeof(last));
		report(!strcmp(last, "{\"type\":\"exit\",\"time_ns\":333,\"pid\":4242,\"ppid\":1,"
			       "\"comm\":\"worker\",\"counts\":{\"copy\":7,\"zero\":0,\"file\":0,\"ksm\":0,"
			       "\"reuse\":3,\"shared\":0,\"retry\":0,\"error\":0,\"split\":1}}"),
		       "json: exit record, field by field (%s)", last);
	}
	report_summary(&r, &t, &tot);
	report_flush(&r);
	bad = read_packets(sv[1], &records, last, sizeof(last));
	report(!bad && (!json || !strncmp(last, "{\"type\":\"summary\",\"time_ns\":999,", 32)),
	       "%s: the summary in one write (%.50s)", json ? "json" : "text", last);
	procs_free(&t);
	report_close(&r);
	fclose(out);
	close(sv[1]);
}

/* One --events line of @ev from @r (its parts kept from earlier lines or not). */
static void one_line(struct report *r, int fd, const struct proc *p, const struct cw_event *ev,
		     const struct attribution *a, char *line, size_t len)
{
	int records = 0;

	line[0] = '\0';
	report_event(r, p, ev, a);
	report_flush(r);
	read_packets(fd, &records, line, len);
}

/*
 * A line put together from parts kept since earlier events is the line a
 * reader that never saw those events writes: whatever changed between two
 * events (the process's name in place at exec, the thread, the outcome, the
 * region, the code site, a pid that lands in the same slot) shows.
 */
static void test_kept_parts(void)
{
	static const char *const regions[] = { "[anon]", "[heap]", "/usr/lib/libfoo.so" };
	static const char *const symbols[] = { "storm_write", NULL, "deduce_unreachable" };
	struct proc p = { .pid = 100, .ppid = 1, .comm = "worker" };
	struct cw_event ev = { .pid = 100, .tgid = 100, .tid = 100, .page_size = 4096 };
	struct attribution a = { .site = { .dso = "/usr/bin/python3.11" } };
	struct report kept = { .json = true }, fresh = { .json = true };
	char got[4096], want[4096];
	int sv1[2], sv2[2], differ = 0, lines = 0;
	FILE *out1, *out2;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv1) || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv2)) {
		report(0, "socketpair");
		return;
	}
	out1 = fdopen(sv1[0], "w");
	out2 = fdopen(sv2[0], "w");
	report(out1 && out2 && report_open(&kept, out1) == 0, "kept parts: set up");
	for (unsigned int i = 0; i < 600; i++) {
		/* Each field changes on a rhythm of its own, so most pairs meet. */
		ev.time_ns = 1000 + i;
		ev.addr = 0x7f0000000000ULL + 4096ULL * i;
		ev.tid = 100 + i % 3;
		ev.pid = (pid_t)(i % 11 == 0 ? 100 + 8 * (i % 4) : 100);
		p.ppid = i % 13 == 0 ? -1 : 1;
		ev.outcome = i % 5 == 0 ? COWWATCH_OUT_REUSE : COWWATCH_OUT_COPY;
		ev.page_size = i % 17 == 0 ? 2 << 20 : 4096;
		ev.vm_start = 0x7f0000000000ULL + (i % 7 == 0 ? 1 << 20 : 0);
		ev.vm_end = ev.vm_start + (i % 19 == 0 ? 8 << 20 : 4 << 20);
		ev.ip = 0x401000 + 16 * (i % 4);
		a.region = regions[i % 3 == 0 ? (i / 3) % 3 : 0];
		a.site.symbol = symbols[(i / 4) % 3];
		a.site.offset = a.site.symbol ? 16 * (i % 4) : 0x1000 + i % 2;
		a.site.dso = i % 23 == 0 ? "[anon]" : "/usr/bin/python3.11";
		/* The name changes in place, as at an exec: same array, new text. */
		snprintf(p.comm, sizeof(p.comm), "%s", i % 29 < 14 ? "worker" : "python3");
		one_line(&kept, sv1[1], &p, &ev, &a, got, sizeof(got));
		report_open(&fresh, out2);
		one_line(&fresh, sv2[1], &p, &ev, &a, want, sizeof(want));
		report_close(&fresh);
		lines += got[0] != '\0';
		if (strcmp(got, want) && differ++ == 0)
			report(0, "kept parts: line %u is\n  %s\nnot\n  %s", i, got, want);
	}
	report(lines == 600 && !differ, "kept parts: 600 lines as a fresh reader writes them (%d differ)",
	       differ);
	report_close(&kept);
	fclose(out1);
	fclose(out2);
	close(sv1[1]);
	close(sv2[1]);
}

int main(void)
{
	test_kept_parts();
	test_whole_records(true);
	test_whole_records(false);
	return unit_done();
}
