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

struct dso {
	struct dso *next;	/* hash chain */
	char *path;
	unsigned int dev_major, dev_minor;
	uint64_t ino;
	Dwfl *dwfl;		/* NULL: the file could not be opened */
	Dwfl_Module *mod;
	struct site *sites;	/* open addressing, power-of-two size */
	size_t site_cap, site_count;
};

struct symbolizer {
	struct dso *buckets[DSO_BUCKETS];
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

static struct dso *dso_get(struct symbolizer *s, const struct map_entry *e)
{
	uint64_t h = hash_bytes(e->path, strlen(e->path), 0xcbf29ce484222325ULL);
	struct dso **bucket, *d;

	h = hash_bytes(&e->ino, sizeof(e->ino), h);
	bucket = &s->buckets[h % DSO_BUCKETS];
	for (d = *bucket; d; d = d->next) {
		if (d->ino == e->ino && d->dev_major == e->dev_major &&
		    d->dev_minor == e->dev_minor && !strcmp(d->path, e->path))
			return d;
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
	return d;
}

/* The ELF address that file offset @off of @d is loaded at, via PT_LOAD. */
static int file_offset_to_vaddr(struct dso *d, uint64_t off, uint64_t *vaddr)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(d->mod, &bias);
	size_t n;

	if (!elf || elf_getphdrnum(elf, &n))
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);

		if (!ph || ph->p_type != PT_LOAD)
			continue;
		if (off >= ph->p_offset && off < ph->p_offset + ph->p_filesz) {
			*vaddr = off - ph->p_offset + ph->p_vaddr + bias;
			return 0;
		}
	}
	return -ENOENT;
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
	GElf_Sym sym;
	GElf_Off off;
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
	name = dwfl_module_addrinfo(d->mod, vaddr, &off, &sym, NULL, NULL, NULL);
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
