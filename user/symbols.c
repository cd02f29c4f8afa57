// SPDX-License-Identifier: GPL-2.0
/* Symbolization with libdwfl, cached per DSO and per code site. */
#include "symbols.h"

#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdwfl.h>

#define DSO_BUCKETS 256

/* One resolved code site of a DSO, keyed by its ELF address. */
struct site {
	uint64_t vaddr;
	const char *symbol;	/* points into the DSO's symbol table */
	uint64_t offset;
	bool used;
};

/*
 * A symbol that can name an address: what libdwfl's address search looks
 * at, taken from its symbol table once per DSO (see syms_load()).
 */
struct dso_sym {
	uint64_t value;		/* libdwfl's address of the symbol */
	uint64_t size;
	const char *name;	/* points into the DSO's symbol table */
	uint32_t shndx;
	unsigned char info;	/* st_info: binding and type */
};

struct dso {
	struct dso *next;	/* hash chain */
	char *path;
	unsigned int dev_major, dev_minor;
	uint64_t ino;
	Dwfl *dwfl;		/* NULL: the file could not be opened */
	Dwfl_Module *mod;
	struct site *sites;	/* open addressing, power-of-two size */
	size_t site_cap, site_count;
	struct dso_sym *syms;	/* in symbol table order: locals, then globals */
	size_t nsyms, first_global;	/* syms[first_global..] are the globals */
	bool syms_loaded;
	/* The PT_LOAD segment the last file offset was in: [seg_off, seg_end) at seg_vaddr. */
	uint64_t seg_off, seg_end, seg_vaddr;
};

struct symbolizer {
	struct dso *buckets[DSO_BUCKETS];
	struct dso *last;	/* the DSO of the last lookup: most events name the one before's */
};

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;	/* FNV-1a */
	return h;
}

static uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

struct symbolizer *symbolizer_new(void)
{
	return calloc(1, sizeof(struct symbolizer));
}

static void dso_free(struct dso *d)
{
	if (d->dwfl)
		dwfl_end(d->dwfl);
	free(d->syms);
	free(d->sites);
	free(d->path);
	free(d);
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < DSO_BUCKETS; i++) {
		while (s->buckets[i]) {
			struct dso *d = s->buckets[i];

			s->buckets[i] = d->next;
			dso_free(d);
		}
	}
	free(s);
}

/* Opens @d's file for symbol lookups; leaves d->dwfl NULL on failure. */
static void dso_open(struct dso *d)
{
	Dwfl *dwfl = dwfl_begin(&offline_callbacks);

	if (!dwfl)
		return;
	dwfl_report_begin(dwfl);
	/* Bias 0: module addresses are the ELF file's own addresses. */
	d->mod = dwfl_report_elf(dwfl, d->path, d->path, -1, 0, false);
	dwfl_report_end(dwfl, NULL, NULL);
	if (!d->mod) {
		dwfl_end(dwfl);
		return;
	}
	d->dwfl = dwfl;
}

static bool dso_is(const struct dso *d, const struct map_entry *e)
{
	return d->ino == e->ino && d->dev_major == e->dev_major &&
	       d->dev_minor == e->dev_minor && !strcmp(d->path, e->path);
}

/*
 * The DSO of @e's file, opened on first use. The last one found is tried
 * before hashing the path: an --events reader looks up every event's code,
 * and hashing the path byte by byte was a third of that lookup.
 */
static struct dso *dso_get(struct symbolizer *s, const struct map_entry *e)
{
	uint64_t h;
	struct dso **bucket, *d;

	if (s->last && dso_is(s->last, e))
		return s->last;
	h = hash_bytes(e->path, strlen(e->path), 0xcbf29ce484222325ULL);
	h = hash_bytes(&e->ino, sizeof(e->ino), h);
	bucket = &s->buckets[h % DSO_BUCKETS];
	for (d = *bucket; d; d = d->next) {
		if (dso_is(d, e)) {
			s->last = d;
			return d;
		}
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->path = strdup(e->path);
	if (!d->path) {
		free(d);
		return NULL;
	}
	d->ino = e->ino;
	d->dev_major = e->dev_major;
	d->dev_minor = e->dev_minor;
	dso_open(d);
	d->next = *bucket;
	*bucket = d;
	s->last = d;
	return d;
}

/* The ELF address that file offset @off of @d is loaded at, via PT_LOAD. */
static int file_offset_to_vaddr(struct dso *d, uint64_t off, uint64_t *vaddr)
{
	GElf_Addr bias;
	Elf *elf;
	size_t n;

	/* An --events reader names each event: most fall in the segment of the one before. */
	if (off >= d->seg_off && off < d->seg_end) {
		*vaddr = off - d->seg_off + d->seg_vaddr;
		return 0;
	}
	elf = dwfl_module_getelf(d->mod, &bias);
	if (!elf || elf_getphdrnum(elf, &n))
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);

		if (!ph || ph->p_type != PT_LOAD)
			continue;
		if (off >= ph->p_offset && off < ph->p_offset + ph->p_filesz) {
			d->seg_off = ph->p_offset;
			d->seg_end = ph->p_offset + ph->p_filesz;
			d->seg_vaddr = ph->p_vaddr + bias;
			*vaddr = off - d->seg_off + d->seg_vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Naming an address, as dwfl_module_addrinfo() does (elfutils'
 * __libdwfl_addrsym(), with the same rules in the same order), but from a
 * table of the symbols that can matter, read once per DSO: libdwfl walks
 * its whole symbol table and resolves each symbol's section on every call,
 * some 300 instructions a symbol (860,000 a lookup in libc; 94% of the
 * reader's instructions on a short storm, each code site costing one
 * lookup), where this loop takes a few. tests/unit/test_maps_symbols.c
 * checks that both give the same answer at every symbol of libc and of
 * the test itself.
 */
static void syms_load(struct dso *d)
{
	int n = dwfl_module_getsymtab(d->mod);
	int first_global = dwfl_module_getsymtab_first_global(d->mod);

	d->syms_loaded = true;
	if (n <= 1 || first_global < 0)
		return;
	d->syms = calloc((size_t)n, sizeof(*d->syms));
	if (!d->syms)
		return;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr value;
		GElf_Word shndx;
		const char *name;
		int type;

		name = dwfl_module_getsym_info(d->mod, i, &sym, &value, &shndx, NULL, NULL);
		type = GELF_ST_TYPE(sym.st_info);
		if (!name || !name[0] || sym.st_shndx == SHN_UNDEF || type == STT_SECTION ||
		    type == STT_FILE || type == STT_TLS)
			continue;
		d->syms[d->nsyms++] = (struct dso_sym){
			.value = value, .size = sym.st_size, .name = name, .shndx = shndx,
			.info = sym.st_info,
		};
		/* Locals come first; a table of globals only (first_global 0 or 1) has none. */
		if (i < first_global)
			d->first_global = d->nsyms;
	}
}

/* GELF_ST_BIND as higher-is-better. */
static int binding_value(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	default:
		return 0;
	}
}

/* The index of the section of the module that @addr lies in. */
static GElf_Word section_of(struct dso *d, GElf_Addr addr)
{
	Dwarf_Addr bias;
	Elf_Scn *scn = dwfl_module_address_section(d->mod, &addr, &bias);

	return scn ? (GElf_Word)elf_ndxscn(scn) : SHN_UNDEF;
}

struct addrsym {
	uint64_t addr;
	const struct dso_sym *closest, *sizeless;
	uint64_t min_label;	/* the lowest address a sizeless symbol may have */
	GElf_Word addr_shndx;	/* SHN_UNDEF until needed */
};

/* Whether sizeless @sym may name st->addr: in the same section. */
static bool same_section(struct dso *d, struct addrsym *st, const struct dso_sym *sym)
{
	if (sym->shndx >= SHN_LORESERVE)	/* absolute and the like: only exactly */
		return sym->value == st->addr;
	if (st->addr_shndx == SHN_UNDEF)
		st->addr_shndx = section_of(d, st->addr);
	return st->addr_shndx == section_of(d, sym->value);
}

/* One symbol whose address is at most st->addr. */
static void addrsym_try(struct dso *d, struct addrsym *st, const struct dso_sym *sym)
{
	const struct dso_sym *c = st->closest;

	/* Its existence excludes any sizeless symbol below its end. */
	if (sym->value + sym->size > st->min_label)
		st->min_label = sym->value + sym->size;
	if (sym->size && st->addr - sym->value >= sym->size)
		return;
	if (!c || c->value < sym->value || binding_value(c->info) < binding_value(sym->info)) {
		if (sym->size)
			st->closest = sym;
		else if (!c && sym->value >= st->min_label && same_section(d, st, sym))
			st->sizeless = sym;	/* an assembly label, as a last resort */
	} else if (sym->size && c->value == sym->value &&
		   ((c->size > sym->size && binding_value(c->info) <= binding_value(sym->info)) ||
		    (c->size >= sym->size && binding_value(c->info) < binding_value(sym->info)))) {
		st->closest = sym;	/* same start: the smaller, or the more global */
	}
}

static void addrsym_pass(struct dso *d, struct addrsym *st, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (d->syms[i].value <= st->addr)
			addrsym_try(d, st, &d->syms[i]);
}

/* The symbol that names @addr, or NULL; *@off: @addr's offset from it. */
static const char *addrsym(struct dso *d, uint64_t addr, uint64_t *off)
{
	struct addrsym st = { .addr = addr, .addr_shndx = SHN_UNDEF };

	if (!d->syms_loaded)
		syms_load(d);
	addrsym_pass(d, &st, d->first_global, d->nsyms);
	/* No global names it: the locals, unless a global label is exactly there. */
	if (!st.closest && d->first_global && (!st.sizeless || st.sizeless->value != addr))
		addrsym_pass(d, &st, 0, d->first_global);
	if (!st.closest && st.sizeless && st.sizeless->value >= st.min_label)
		st.closest = st.sizeless;
	if (!st.closest)
		return NULL;
	*off = addr - st.closest->value;
	return st.closest->name;
}

static int sites_grow(struct dso *d)
{
	size_t ncap = d->site_cap ? d->site_cap * 2 : 64;
	struct site *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < d->site_cap; i++) {
		struct site *old = &d->sites[i];
		size_t j;

		if (!old->used)
			continue;
		for (j = hash_u64(old->vaddr) & (ncap - 1); n[j].used; j = (j + 1) & (ncap - 1))
			;
		n[j] = *old;
	}
	free(d->sites);
	d->sites = n;
	d->site_cap = ncap;
	return 0;
}

/* The cached site for @vaddr, resolving and caching it when new. */
static const struct site *site_get(struct dso *d, uint64_t vaddr)
{
	uint64_t off = 0;
	const char *name;
	struct site *slot;
	size_t i;

	if ((d->site_count + 1) * 4 > d->site_cap * 3 && sites_grow(d))
		return NULL;
	for (i = hash_u64(vaddr) & (d->site_cap - 1); d->sites[i].used;
	     i = (i + 1) & (d->site_cap - 1)) {
		if (d->sites[i].vaddr == vaddr)
			return &d->sites[i];
	}
	slot = &d->sites[i];
	name = addrsym(d, vaddr, &off);
	slot->used = true;
	slot->vaddr = vaddr;
	slot->symbol = name;
	slot->offset = name ? off : vaddr;
	d->site_count++;
	return slot;
}

int symbolizer_lookup(struct symbolizer *s, const struct map_entry *e,
		      uint64_t ip, struct sym_result *r)
{
	const struct site *site;
	struct dso *d;
	uint64_t vaddr;

	memset(r, 0, sizeof(*r));
	if (!e->path || !e->ino || ip < e->start || ip >= e->end)
		return -ENOENT;
	d = dso_get(s, e);
	if (!d)
		return -ENOMEM;
	r->dso = d->path;
	r->offset = ip - e->start + e->offset;	/* file offset until known better */
	if (!d->dwfl || file_offset_to_vaddr(d, r->offset, &vaddr))
		return 1;
	site = site_get(d, vaddr);
	if (!site)
		return -ENOMEM;
	r->symbol = site->symbol;
	r->offset = site->offset;
	return site->symbol ? 0 : 1;
}
