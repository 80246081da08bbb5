# EdgeOS top-level build.
#   make run     build everything and boot the default system in QEMU
#   make test    build everything and run every test suite
#   make bench   run every benchmark (EdgeOS and its Linux peers, same run)
# Each area adds its own rules in a fragment (*.mk) included below; a
# fragment appends its outputs to ALL_TARGETS and its benchmarks to
# BENCH_TARGETS. Everything built goes under build/.
.DEFAULT_GOAL := all
ROOT  := $(abspath .)
BUILD := $(ROOT)/build

HOST_CC      ?= gcc
HOST_CFLAGS  := -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE
FUZZ_CC      ?= clang
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

ALL_TARGETS   :=
BENCH_TARGETS :=

include kernel/kernel.mk
include user/user.mk
-include apps/memcached/memcached.mk
-include apps/click/click.mk
-include host/host.mk
-include bench/bench.mk
-include bench/edgeos-memcached/bench.mk
-include bench/isolation/bench.mk
-include bench/icount/icount.mk
-include bench/report/report.mk
-include tests/kernel_unit/kernel_unit.mk
-include tests/netlib/netlib.mk
-include tests/ctl/ctl.mk

.PHONY: all deps test run bench clean
deps:
	@host/install-deps.sh

all: | deps
all: $(ALL_TARGETS)

test: deps
	@$(MAKE) --no-print-directory all
	@tests/run-all.sh

# The default system: EdgeOS with its control plane (the ctl FWP on a
# virtio console whose host end is build/run/ctl.sock) and the nic, configured
# from host/default.manifest: tenant a runs memcached on
# 127.0.0.1:RUN_PORT/udp, tenant b an echo service on 127.0.0.1:7007/udp.
# host/edgeosctl changes it while it runs. Runs until Ctrl-C, or RUN_SECONDS
# if set.
RUN_PORT      ?= 11211
RUN_SECONDS   ?= 0
RUN_MANIFEST  ?= host/default.manifest
run: deps
	@$(MAKE) --no-print-directory all
	@host/edgeos-system --port $(RUN_PORT) --seconds $(RUN_SECONDS) --manifest $(RUN_MANIFEST)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_TARGETS)

clean:
	rm -rf $(BUILD)
