# cowwatch: who breaks copy-on-write sharing, live.
#
#   make              the module for the running kernel (or KVER=/KDIR=) and
#                     the reader, user/cowwatch
#   make check        installs what is missing, then runs every test on every
#                     supported kernel (Debian 6.1 and 6.12, in qemu guests)
#   make demo         installs what is missing, then shows cowwatch in a guest
#   make bench        installs what is missing, then benchmarks the CoW fault
#                     cost with and without cowwatch (tests/bench/run.sh)
#   make modules-all  the module for every supported kernel, in build/KVER/
#
# The module itself is built by Kbuild (see Kbuild and kmod/Kbuild), so
# `make -C /lib/modules/KVER/build M=$PWD` works from here too (DKMS does that).

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

.PHONY: all module user modules-all test-build check demo bench deps clean

all: module user

module:
	@test -e $(KDIR)/Makefile || { \
		echo "cowwatch: no kernel headers at $(KDIR): install linux-headers-$(KVER)," \
		     "or pick one of the installed kernels with make KVER=... (have: $$(ls /lib/modules 2>/dev/null | tr '\n' ' '))" >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user:
	$(MAKE) -C user

# What one guest run needs: the module built for KVER in build/KVER, the
# reader, the test workloads and the guest tests' own programs (tests/bin).
test-build: user
	$(MAKE) -s -C tests/workloads
	$(MAKE) -s -C tests/bin
	tests/lib/build-module.sh $(KVER) build/$(KVER)

modules-all:
	@. tests/lib/kernels.sh && for s in $$SUPPORTED_KERNELS; do \
		k=$$(kernel_release $$s) || { echo "cowwatch: kernel $$s not installed (make deps)" >&2; exit 1; }; \
		echo "  MODULE  build/$$k/kmod/cowwatch.ko"; \
		tests/lib/build-module.sh $$k build/$$k || exit 1; \
	done

deps:
	tests/deps.sh

check: deps
	tests/run.sh

demo: deps
	tests/demo.sh

bench: deps
	tests/bench/run.sh

clean:
	-test -e $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C user clean
	$(MAKE) -C tests/bin clean
	rm -rf build
