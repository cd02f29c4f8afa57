/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Naming code addresses: which file (DSO) an instruction came from and
 * which function it is in, with elfutils' libdwfl. Works from a maps
 * snapshot, so the process may be gone; only its files must still exist.
 * Each DSO is opened once per (path, device, inode) and each code site is
 * resolved once: a hot site costs a hash lookup.
 */
#ifndef COWWATCH_SYMBOLS_H
#define COWWATCH_SYMBOLS_H

#include <stdint.h>

#include "maps.h"

struct symbolizer;

struct sym_result {
	const char *dso;	/* the file's path; owned by the symbolizer */
	const char *symbol;	/* function name, NULL if none is known */
	uint64_t offset;	/* from the symbol; without one, the ELF address */
};

struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *s);

/*
 * Names @ip, an address inside mapping @e of some process. Returns 0 with
 * a symbol, 1 with only the DSO and an offset, or -errno: -ENOENT when @e
 * is not file backed or its file cannot be read as ELF.
 */
int symbolizer_lookup(struct symbolizer *s, const struct map_entry *e,
		      uint64_t ip, struct sym_result *r);

#endif /* COWWATCH_SYMBOLS_H */
