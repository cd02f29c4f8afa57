// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/maps.c and user/symbols.c, on the host. Ground truth
 * for symbols comes from elsewhere: the compiler (a function's own address)
 * and the dynamic linker (dladdr on a libc function); and symbols.c's own
 * address search must answer as libdwfl's dwfl_module_addrinfo() does.
 */
#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "maps.h"
#include "symbols.h"

static int failures;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok: " __VA_ARGS__);				\
	} else {							\
		printf("not ok (%s:%d): ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		failures++;						\
	}								\
	printf("\n");							\
} while (0)

static int parse_text(const char *text, struct maps *m)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err;

	if (!f)
		return -errno;
	err = maps_parse(f, m);
	fclose(f);
	return err;
}

static void test_maps_parse(void)
{
	static const char text[] =
		"55d0c0000000-55d0c0021000 r-xp 00001000 fe:01 1234 /usr/bin/my prog\n"
		"55d0c1000000-55d0c1042000 rw-p 00000000 00:00 0          [heap]\n"
		"7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n"
		"7f0000200000-7f0000201000 rw-p 00002000 08:02 99 /tmp/gone (deleted)\n"
		"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n";
	const struct map_entry *e;
	struct maps m;

	CHECK(parse_text(text, &m) == 0 && m.count == 5, "five regions parsed");
	if (m.count != 5)
		return;
	e = &m.entries[0];
	CHECK(e->start == 0x55d0c0000000ULL && e->end == 0x55d0c0021000ULL &&
	      e->offset == 0x1000 && e->dev_major == 0xfe && e->dev_minor == 1 &&
	      e->ino == 1234 && !strcmp(e->perms, "r-xp"),
	      "fields of a file mapping");
	CHECK(!strcmp(map_entry_name(e), "/usr/bin/my prog"), "path with a space kept whole");
	CHECK(!strcmp(map_entry_name(&m.entries[1]), "[heap]"), "heap named [heap]");
	CHECK(!strcmp(map_entry_name(&m.entries[2]), "[anon]"), "anonymous memory named [anon]");
	CHECK(!strcmp(map_entry_name(&m.entries[3]), "/tmp/gone (deleted)"), "deleted file named as shown");
	CHECK(maps_find(&m, 0x55d0c0000000ULL) == &m.entries[0], "find: start is inside");
	CHECK(maps_find(&m, 0x55d0c0020fffULL) == &m.entries[0], "find: last byte is inside");
	CHECK(maps_find(&m, 0x55d0c0021000ULL) == NULL, "find: end is outside (gap)");
	CHECK(maps_find(&m, 0x7ffd00020000ULL) == &m.entries[4], "find: last region");
	CHECK(maps_find(&m, 0x1000) == NULL, "find: below every region");
	maps_free(&m);

	CHECK(parse_text("zz-10 r-xp 0 00:00 0\n", &m) == -EINVAL, "malformed line is -EINVAL");
	CHECK(parse_text("2000-1000 r-xp 0 00:00 0\n", &m) == -EINVAL, "end before start is -EINVAL");
	CHECK(parse_text("1000-3000 r-xp 0 00:00 0\n2000-4000 r-xp 0 00:00 0\n", &m) == -EINVAL,
	      "overlapping regions are -EINVAL");
	CHECK(parse_text("1000-3000 r-xp 0 00:00\n", &m) == -EINVAL, "line without an inode is -EINVAL");
	CHECK(parse_text("1000-3000 r-xp 0 00:00 12x /a\n", &m) == -EINVAL, "inode not a number is -EINVAL");
	CHECK(parse_text("1000-3000 r-xp 0 00:00 0\n\n", &m) == -EINVAL, "empty line is -EINVAL");
	CHECK(parse_text("1000-3000 r-xp 1f 0A:2b 7 /no newline", &m) == 0 && m.count == 1 &&
	      m.entries[0].offset == 0x1f && m.entries[0].dev_major == 0xa &&
	      m.entries[0].dev_minor == 0x2b && m.entries[0].ino == 7 &&
	      !strcmp(m.entries[0].path, "/no newline"), "last line without a newline, hex of either case");
	maps_free(&m);
	CHECK(parse_text("", &m) == 0 && m.count == 0, "empty maps is no region");
	maps_free(&m);
	CHECK(maps_read_pid(-1, &m) == -ENOENT, "no such process is -ENOENT");

	/* 200 regions: the table grows (64, 128, 256) and keeps each in order. */
	{
		static char many[200 * 64];
		size_t at = 0;
		int ordered = 1;

		for (int i = 0; i < 200; i++)
			at += (size_t)snprintf(many + at, sizeof(many) - at,
					       "%x-%x rw-p 0 00:00 0\n", 0x1000 * (2 * i + 1),
					       0x1000 * (2 * i + 2));
		CHECK(parse_text(many, &m) == 0 && m.count == 200, "200 regions parsed");
		for (size_t i = 0; i < m.count; i++)
			ordered &= m.entries[i].start == 0x1000ULL * (2 * i + 1);
		CHECK(ordered && maps_find(&m, 0x1000ULL * 399) == &m.entries[199],
		      "all 200 kept in order and found");
		maps_free(&m);
	}
}

__attribute__((noinline)) int cw_marker_function(int x)
{
	return x * 3 + 1;
}

static void test_symbols(void)
{
	uint64_t here = (uint64_t)(uintptr_t)&cw_marker_function + 3;
	uint64_t libc_fn = (uint64_t)(uintptr_t)&getpid;
	struct symbolizer *s = symbolizer_new();
	struct sym_result r, r2;
	const struct map_entry *e;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct maps m;
	Dl_info dl;
	void *anon;

	CHECK(s != NULL, "symbolizer created");
	CHECK(n > 0, "own executable found");
	exe[n > 0 ? n : 0] = 0;
	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(anon != MAP_FAILED, "anonymous page mapped");
	CHECK(maps_read_pid(getpid(), &m) == 0 && m.count > 0, "own maps read");

	e = maps_find(&m, here);
	CHECK(e && symbolizer_lookup(s, e, here, &r) == 0, "own function resolved");
	CHECK(e && r.symbol && !strcmp(r.symbol, "cw_marker_function"), "its name: %s", r.symbol);
	CHECK(e && r.offset == 3, "its offset: %llu", (unsigned long long)r.offset);
	CHECK(e && r.dso && !strcmp(r.dso, exe), "its file: %s", r.dso);
	CHECK(e && symbolizer_lookup(s, e, here, &r2) == 0 && r2.symbol == r.symbol,
	      "second lookup answered from the site cache");

	CHECK(dladdr((void *)(uintptr_t)libc_fn, &dl) && dl.dli_sname, "dladdr knows getpid");
	e = maps_find(&m, libc_fn);
	CHECK(e && symbolizer_lookup(s, e, libc_fn, &r) == 0, "libc function resolved");
	CHECK(r.symbol && dl.dli_sname &&
	      dlsym(RTLD_DEFAULT, r.symbol) == (void *)(uintptr_t)libc_fn,
	      "libc symbol %s is getpid's address (dladdr says %s)", r.symbol, dl.dli_sname);
	CHECK(r.offset == 0, "at offset 0");

	e = maps_find(&m, (uint64_t)(uintptr_t)anon);
	CHECK(e && symbolizer_lookup(s, e, (uint64_t)(uintptr_t)anon, &r) == -ENOENT,
	      "anonymous memory has no DSO");

	maps_free(&m);
	munmap(anon, 4096);
	symbolizer_free(s);
}

/* The file offset that ELF address @vaddr of @elf is at, if one PT_LOAD has it. */
static int vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t n, hits = 0;

	if (elf_getphdrnum(elf, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);

		if (ph && ph->p_type == PT_LOAD && vaddr >= ph->p_vaddr &&
		    vaddr < ph->p_vaddr + ph->p_filesz) {
			*off = vaddr - ph->p_vaddr + ph->p_offset;
			hits++;
		}
	}
	for (size_t i = 0; hits == 1 && i < n; i++) {	/* and no other has that offset */
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);

		if (ph && ph->p_type == PT_LOAD && *off >= ph->p_offset &&
		    *off < ph->p_offset + ph->p_filesz && !(vaddr >= ph->p_vaddr &&
		    vaddr < ph->p_vaddr + ph->p_filesz))
			hits++;
	}
	return hits == 1 ? 0 : -1;
}

/* Where file offset @off of @path is mapped in @m, or 0. */
static uint64_t mapped_at(const struct maps *m, const char *path, uint64_t off,
			  const struct map_entry **ep)
{
	for (size_t i = 0; i < m->count; i++) {
		const struct map_entry *e = &m->entries[i];

		if (e->path && !strcmp(e->path, path) && off >= e->offset &&
		    off < e->offset + (e->end - e->start)) {
			*ep = e;
			return e->start + off - e->offset;
		}
	}
	return 0;
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/*
 * At every @stride-th symbol of @path (its start, middle, last byte and
 * end) that is mapped in this process, symbolizer_lookup() must name what
 * libdwfl's dwfl_module_addrinfo() names, at the same offset. A stride:
 * under valgrind each libdwfl lookup in libc takes some 20 ms.
 */
static void compare_with_libdwfl(const struct maps *m, const char *path, int stride, size_t want)
{
	struct symbolizer *s = symbolizer_new();
	Dwfl *dwfl = dwfl_begin(&callbacks);
	Dwfl_Module *mod;
	size_t compared = 0, differ = 0;
	GElf_Addr bias;
	Elf *elf;
	int n;

	dwfl_report_begin(dwfl);
	mod = dwfl_report_elf(dwfl, path, path, -1, 0, false);
	dwfl_report_end(dwfl, NULL, NULL);
	elf = mod ? dwfl_module_getelf(mod, &bias) : NULL;
	n = mod ? dwfl_module_getsymtab(mod) : -1;
	CHECK(s && elf && n > 1, "%s: %d symbols", path, n);
	for (int i = 1; elf && i < n; i += stride) {
		GElf_Sym sym;
		GElf_Addr value;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &value, NULL, NULL, NULL);
		uint64_t probes[] = { value, value + sym.st_size / 2, value + sym.st_size - 1,
				      value + sym.st_size };

		if (!name || sym.st_shndx == SHN_UNDEF)
			continue;
		for (size_t k = 0; k < 4; k++) {
			const struct map_entry *e = NULL;
			uint64_t off = 0, ip, want_off = 0;
			const char *want_name;
			struct sym_result r;
			GElf_Sym ws;
			int rc;

			if (vaddr_to_offset(elf, probes[k], &off) || !(ip = mapped_at(m, path, off, &e)))
				continue;
			want_name = dwfl_module_addrinfo(mod, probes[k], &want_off, &ws, NULL, NULL, NULL);
			rc = symbolizer_lookup(s, e, ip, &r);
			compared++;
			if (want_name ? rc != 0 || strcmp(r.symbol, want_name) || r.offset != want_off :
					rc != 1 || r.offset != probes[k]) {
				if (differ++ < 5)
					printf("# %s at 0x%llx: libdwfl %s+%llu, cowwatch %s+%llu\n", path,
					       (unsigned long long)probes[k], want_name ? want_name : "-",
					       (unsigned long long)want_off, r.symbol ? r.symbol : "-",
					       (unsigned long long)r.offset);
			}
		}
	}
	CHECK(compared >= want && !differ, "%s: %zu addresses named as libdwfl names them (%zu differ)",
	      path, compared, differ);
	dwfl_end(dwfl);
	symbolizer_free(s);
}

static void test_symbols_as_libdwfl(int libc_stride)
{
	uint64_t libc_fn = (uint64_t)(uintptr_t)&getpid;
	const struct map_entry *e;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct maps m;

	exe[n > 0 ? n : 0] = 0;
	CHECK(maps_read_pid(getpid(), &m) == 0 && m.count > 0, "own maps read");
	e = maps_find(&m, libc_fn);
	CHECK(e && e->path, "libc mapped");
	if (e && e->path)
		compare_with_libdwfl(&m, e->path, libc_stride, 3200 / libc_stride);
	compare_with_libdwfl(&m, exe, 1, 500);
	maps_free(&m);
}

/*
 * --all: only the comparison with libdwfl, at every symbol of libc (tens of
 * thousands of libdwfl lookups: maps_symbols.sh runs it without valgrind).
 */
int main(int argc, char **argv)
{
	elf_version(EV_CURRENT);
	if (argc > 1 && !strcmp(argv[1], "--all")) {
		test_symbols_as_libdwfl(1);
		printf("%d failed\n", failures);
		return failures ? 1 : 0;
	}
	test_maps_parse();
	test_symbols();
	test_symbols_as_libdwfl(37);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
