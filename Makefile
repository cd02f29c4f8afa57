# cowwatch: who breaks copy-on-write sharing, live.
#
#   make              the reader, user/cowwatch, and the module for the
#                     running kernel where its headers are installed (else
#                     it says it skipped the module, and succeeds: the
#                     reader alone is what this machine can build); with
#                     KVER= or KDIR= the module for that kernel is asked
#                     for, and missing headers fail the build
#   make user         the reader only; make module: the module only
#   make check        installs what is missing, prepares every supported
#                     kernel (make kernels), then runs every test on each:
#                     Debian bookworm's 6.1 and 6.12 and sid's 7.2, in qemu
#                     guests; one line per test and kernel, "N passed, M
#                     failed", non-zero status if anything failed
#   make check-debug  builds (once, cached in build/debug) Debian's 6.12
#                     source with KASAN, kmemleak, lockdep, UBSAN, KFENCE and
#                     the other checkers, then runs every guest test, a
#                     120 s soak and the fuzzer on it, and a leak check
#                     (tests/debug/run.sh; not part of make check: slow)
#   make soak         the soak (SOAK_S seconds, default 600) and a long
#                     fuzz (NLFUZZ_COUNT, default 20000) on every supported
#                     kernel (tests/soak.sh; make check runs 60 s and 4000)
#   make kernels      every supported kernel as build/kernels/KVER/vmlinuz
#                     and build/kernels/KVER/modules/ (links for bookworm's;
#                     sid's 7.2 unpacked from its packages, plus the sid
#                     chroot build/sid-chroot its module is built in: a new
#                     sid upload is picked up; see tests/lib/sid-kernel.sh)
#   make demo         installs what is missing, then shows cowwatch in a guest
#   make bench        installs what is missing, then benchmarks the CoW fault
#                     cost with and without cowwatch (tests/bench/run.sh):
#                     per kernel one 1-vCPU guest under qemu's instruction
#                     counter (the headline table and its targets) and
#                     wall-clock MTTCG guests (a second table)
#   make modules-all  the module for every supported kernel (after make
#                     kernels), as build/KVER/cowwatch.ko
#   make install      the reader and its man page into $(DESTDIR)$(PREFIX)
#                     (PREFIX=/usr/local); make uninstall removes them
#   make dkms-install the module through DKMS for KVER (default: the running
#                     kernel); make dkms-uninstall removes it for all kernels
#
# The module itself is built by Kbuild (see Kbuild and kmod/Kbuild), so
# `make -C /lib/modules/KVER/build M=$PWD` works from here too (DKMS does that).

# Recipes source tests/lib/kernels.sh, a bash library.
SHELL := /bin/bash

# The module is asked for when KVER or KDIR is given (command line or
# environment), or by make module.
MODULE_ASKED := $(filter-out undefined,$(origin KVER) $(origin KDIR))
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

.PHONY: all module user kernels modules-all test-build check check-debug soak demo bench deps clean

all: user
ifneq ($(MODULE_ASKED),)
all: module
else
	@if test -e $(KDIR)/Makefile; then $(MAKE) --no-print-directory module; else \
		echo "cowwatch: built the reader only; skipped the module: no kernel headers at $(KDIR)" \
		     "(install linux-headers-$(KVER), or make KVER=... for an installed kernel)"; fi
endif

module:
	@test -e $(KDIR)/Makefile || { \
		echo "cowwatch: no kernel headers at $(KDIR): install linux-headers-$(KVER)," \
		     "or pick one of the installed kernels with make KVER=... (have: $$(ls /lib/modules 2>/dev/null | tr '\n' ' '))" >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user:
	$(MAKE) -C user

# The one version: COWWATCH_RELEASE in kmod/uapi/cowwatch.h (the module,
# the reader and dkms.conf all read it there). `make -s version` prints it.
COWWATCH_VERSION := $(shell sed -n 's/^.define COWWATCH_RELEASE[[:space:]]*"\(.*\)"$$/\1/p' kmod/uapi/cowwatch.h)

.PHONY: version install uninstall dkms-install dkms-uninstall

version:
	@echo $(COWWATCH_VERSION)

# make install: the reader in $(SBINDIR) (it is an administrator's tool,
# section 8), its man page in $(MANDIR)/man8. make uninstall removes exactly
# those two files; with a DESTDIR (a staging root) it also removes the
# directories under DESTDIR that are left empty, never DESTDIR itself; on
# the real root it leaves directories alone (/usr/local/sbin is shared).
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
INSTALL ?= install
INSTALLED := $(SBINDIR)/cowwatch $(MANDIR)/man8/cowwatch.8

install: user
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0755 user/cowwatch $(DESTDIR)$(SBINDIR)/cowwatch
	$(INSTALL) -m 0644 man/cowwatch.8 $(DESTDIR)$(MANDIR)/man8/cowwatch.8

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@if [ -n "$(DESTDIR)" ]; then for f in $(INSTALLED); do \
		d=$$(dirname "$$f"); \
		while [ "$$d" != / ] && [ "$$d" != . ] && rmdir "$(DESTDIR)$$d" 2>/dev/null; do \
			d=$$(dirname "$$d"); done; done; fi

# make dkms-install [KVER=...]: copies the module's source (what Kbuild
# needs, and dkms.conf) to /usr/src/cowwatch-VERSION, registers it with
# `dkms add` and runs `dkms build` and `dkms install` for KVER, always with
# -k. A copy, not `dkms add .`: that would copy the whole checkout (build/
# included). The copy carries a mark file, so that make dkms-uninstall
# removes only a source tree that make dkms-install made. If the tree is
# there already and differs from this checkout, it stops: run
# make dkms-uninstall first (DKMS would keep building the old source).
DKMS ?= dkms
DKMS_SRC := /usr/src/cowwatch-$(COWWATCH_VERSION)
DKMS_MARK := .made-by-cowwatch-make-dkms-install
DKMS_FILES := dkms.conf Kbuild kmod/Kbuild $(sort $(wildcard kmod/*.c kmod/*.h)) kmod/uapi/cowwatch.h

dkms-install:
	@test -n "$(COWWATCH_VERSION)" || { echo "cowwatch: no COWWATCH_RELEASE in kmod/uapi/cowwatch.h" >&2; exit 1; }
	@command -v $(DKMS) >/dev/null || { echo "cowwatch: dkms is not installed (apt install dkms)" >&2; exit 1; }
	@if [ ! -e $(DKMS_SRC) ]; then \
		echo "  COPY    $(DKMS_SRC)"; \
		mkdir -p $(DKMS_SRC) && cp --parents $(DKMS_FILES) $(DKMS_SRC)/ && \
		touch $(DKMS_SRC)/$(DKMS_MARK) || exit 1; \
	else \
		for f in $(DKMS_FILES); do cmp -s $$f $(DKMS_SRC)/$$f || { \
			echo "cowwatch: $(DKMS_SRC)/$$f differs from this tree: make dkms-uninstall first" >&2; \
			exit 1; }; done; \
	fi
	@$(DKMS) status -m cowwatch -v $(COWWATCH_VERSION) | grep -q . || \
		{ echo "$(DKMS) add -m cowwatch -v $(COWWATCH_VERSION)"; $(DKMS) add -m cowwatch -v $(COWWATCH_VERSION); }
	$(DKMS) build -m cowwatch -v $(COWWATCH_VERSION) -k $(KVER)
	$(DKMS) install -m cowwatch -v $(COWWATCH_VERSION) -k $(KVER)

dkms-uninstall:
	@if $(DKMS) status -m cowwatch -v $(COWWATCH_VERSION) | grep -q .; then \
		echo "$(DKMS) remove -m cowwatch -v $(COWWATCH_VERSION) --all"; \
		$(DKMS) remove -m cowwatch -v $(COWWATCH_VERSION) --all || exit 1; \
	fi
	@if [ -e $(DKMS_SRC)/$(DKMS_MARK) ]; then \
		echo "  RM      $(DKMS_SRC)"; rm -rf $(DKMS_SRC); \
	elif [ -e $(DKMS_SRC) ]; then \
		echo "cowwatch: left $(DKMS_SRC): make dkms-install did not make it"; \
	fi

# What one guest run needs: the module built for KVER in build/KVER, the
# reader, the test workloads and the guest tests' own programs (tests/bin).
test-build: user
	$(MAKE) -s -C tests/workloads
	$(MAKE) -s -C tests/bin
	tests/lib/build-module.sh $(KVER) build/$(KVER)

kernels:
	tests/lib/prepare-kernels.sh

modules-all:
	@. tests/lib/kernels.sh && for s in $$SUPPORTED_KERNELS; do \
		k=$$(kernel_release $$s) && kernel_ready $$s || \
			{ echo "cowwatch: kernel $$s $$(kernel_not_ready_why $$s)" >&2; exit 1; }; \
		echo "  MODULE  build/$$k/cowwatch.ko"; \
		tests/lib/build-module.sh $$k build/$$k || exit 1; \
	done

deps:
	tests/deps.sh

check: deps
	tests/run.sh

check-debug:
	tests/deps.sh --debug
	tests/debug/run.sh

soak: deps
	tests/soak.sh

demo: deps
	tests/demo.sh

bench: deps
	tests/bench/run.sh

clean:
	-test -e $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C user clean
	$(MAKE) -C tests/bin clean
	rm -rf build
