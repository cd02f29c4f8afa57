// SPDX-License-Identifier: GPL-2.0
/* Unit tests of user/json.c and user/spawn.c. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "spawn.h"
#include "unit.h"


static void expect_json(const char *in, const char *want, const char *what)
{
	char buf[256] = { 0 };
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	struct json_buf b = { 0 };

	json_string(f, in);
	fclose(f);
	report(!strcmp(buf, want), "json %s: %s", what, buf);
	/* In memory, after a prefix that makes the buffer grow mid-string. */
	for (int i = 0; i < 510; i++)
		json_buf_putc(&b, 'x');
	json_buf_string(&b, in);
	report(!b.failed && b.len == 510 + strlen(want) && !memcmp(b.buf + 510, want, strlen(want)),
	       "json in memory, %s: %.*s", what, (int)(b.len > 510 ? b.len - 510 : 0), b.buf + 510);
	free(b.buf);
}

/* expect_json() without a line per case: counts what differs in *@bad. */
static void expect_json_quiet(const char *in, const char *want, int *bad)
{
	char buf[256] = { 0 };
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	struct json_buf b = { 0 };

	if (!f) {
		(*bad)++;
		return;
	}
	json_string(f, in);
	fclose(f);
	json_buf_string(&b, in);
	if (strcmp(buf, want) || b.failed || b.len != strlen(want) || memcmp(b.buf, want, b.len)) {
		if (!*bad)
			fprintf(stderr, "json of %s: %s, in memory %.*s, wanted %s\n", in, buf,
				(int)b.len, b.buf, want);
		(*bad)++;
	}
	free(b.buf);
}

static void test_json_numbers(void)
{
	struct json_buf b = { 0 };
	char want[64];

	json_buf_u64(&b, 0);
	json_buf_putc(&b, ' ');
	json_buf_u64(&b, 18446744073709551615ULL);
	json_buf_putc(&b, ' ');
	json_buf_i64(&b, -9223372036854775807LL - 1);
	json_buf_putc(&b, ' ');
	json_buf_u64(&b, 140737488355328ULL);
	json_buf_putc(&b, ' ');
	json_buf_i64(&b, 7);
	json_buf_putc(&b, '\0');
	snprintf(want, sizeof(want), "%u %llu %lld %llu %d", 0, 18446744073709551615ULL,
		 -9223372036854775807LL - 1, 140737488355328ULL, 7);
	report(b.buf && !strcmp(b.buf, want), "json numbers: %s", b.buf ? b.buf : "-");
	free(b.buf);
}

/* One number written as printf writes it, or a count of it in *@bad. */
static void expect_u64(uint64_t v, int *bad)
{
	struct json_buf b = { 0 };
	char want[32];

	json_buf_u64(&b, v);
	snprintf(want, sizeof(want), "%" PRIu64, v);
	if (b.failed || b.len != strlen(want) || memcmp(b.buf, want, b.len)) {
		if (!*bad)
			fprintf(stderr, "json number %s written as %.*s\n", want, (int)b.len, b.buf);
		(*bad)++;
	}
	free(b.buf);
}

/*
 * Around every power of ten (where the digit count and the 8-digit
 * chunks change), every power of two, and pseudo-random values of every
 * magnitude.
 */
static void test_json_every_width(void)
{
	uint64_t p = 1, x = 0x9e3779b97f4a7c15ULL;
	int bad = 0, cases = 0;

	for (int e = 0; e < 20; e++, p *= 10) {
		for (int d = -2; d <= 2; d++, cases++)
			expect_u64(p + (uint64_t)(int64_t)d, &bad);
	}
	for (int e = 0; e < 64; e++, cases++)
		expect_u64(1ULL << e, &bad);
	for (int i = 0; i < 20000; i++, cases++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		expect_u64(x >> (i % 64), &bad);
	}
	report(!bad, "json numbers of every width (%d cases, %d wrong)", cases, bad);
}

/* What one byte @c alone (not part of a valid UTF-8 sequence) becomes. */
static void escaped_byte(unsigned char c, char *out)
{
	if (c == '"' || c == '\\')
		sprintf(out, "\\%c", c);
	else if (c == '\n')
		strcpy(out, "\\n");
	else if (c == '\t')
		strcpy(out, "\\t");
	else if (c < 0x20 || c == 0x7f)
		sprintf(out, "\\u%04x", c);
	else if (c >= 0x80)
		strcpy(out, "\\ufffd");
	else
		sprintf(out, "%c", c);
}

/*
 * Every byte value at every place of the first three 8-byte words of a
 * name, and the name cut at every length: whether a word is taken whole
 * or looked at byte by byte (json.c plain_run()), the output is the same.
 */
static void test_json_every_byte(void)
{
	int bad = 0, cases = 0;

	for (int c = 1; c < 256; c++) {
		for (int at = 0; at < 24; at++) {
			for (int len = at + 1; len <= 26; len += 5) {
				char in[32], want[64], mid[8];
				int n;

				memset(in, 'a', sizeof(in));
				in[at] = (char)c;
				in[len] = 0;
				escaped_byte((unsigned char)c, mid);
				n = snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", at, in, mid,
					     len - at - 1, in + at + 1);
				if (n < 0 || (size_t)n >= sizeof(want))
					return;
				expect_json_quiet(in, want, &bad);
				cases++;
			}
		}
	}
	report(!bad, "json: each byte at each place of a name (%d cases, %d wrong)", cases, bad);
}

static void test_json(void)
{
	expect_json("python3", "\"python3\"", "plain");
	expect_json("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash");
	expect_json("l1\nl2\t\x01\x7f", "\"l1\\nl2\\t\\u0001\\u007f\"", "control characters");
	expect_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x84", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x84\"",
		    "valid UTF-8 kept");
	expect_json("bad\xff\xc3", "\"bad\\ufffd\\ufffd\"", "invalid bytes replaced");
	expect_json("\xc0\xaf", "\"\\ufffd\\ufffd\"", "overlong form replaced");
	expect_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "surrogate replaced");
	expect_json("", "\"\"", "empty");
	test_json_numbers();
	test_json_every_width();
	test_json_every_byte();
}

static int run(char *const argv[], int release, int *code)
{
	struct spawned c;
	int err, status;

	err = spawn_held(argv, &c);
	if (err)
		return err;
	if (!release) {
		spawn_abort(&c);
		return 0;
	}
	err = spawn_release(&c);
	if (waitpid(c.pid, &status, 0) != c.pid)
		return -errno;
	*code = exit_code_of(status);
	return err;
}

static void test_spawn(void)
{
	char *ok_cmd[] = { "sh", "-c", "exit 7", NULL };
	char *sig_cmd[] = { "sh", "-c", "kill -TERM $$", NULL };
	char *missing[] = { "/nonexistent/cowwatch-test", NULL };
	char marker[64];
	char *held[] = { "sh", "-c", "touch \"$0\"", marker, NULL };
	int code = -1, err;

	err = run(ok_cmd, 1, &code);
	report(err == 0 && code == 7, "command's exit status passes through (%d)", code);
	err = run(sig_cmd, 1, &code);
	report(err == 0 && code == 128 + SIGTERM, "killed by SIGTERM is 143 (%d)", code);
	err = run(missing, 1, &code);
	report(err == -ENOENT && code == 127, "exec failure is -ENOENT (%d), exit 127 (%d)", err, code);
	snprintf(marker, sizeof(marker), "/tmp/cowwatch-spawn-test.%d", (int)getpid());
	unlink(marker);
	report(run(held, 0, &code) == 0 && access(marker, F_OK) != 0 && errno == ENOENT,
	       "a held child that is aborted never runs its command");
	unlink(marker);
}

int main(void)
{
	test_json();
	test_spawn();
	return unit_done();
}
