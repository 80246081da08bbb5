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

# The default system: a memcached service (RUN_INSTANCES instances on UDP
# ports 11211.., forked from a template that pre-loaded key:0..key:99) behind
# the user-level NIC driver, reachable from the host at
# 127.0.0.1:RUN_PORT/udp through QEMU's port forward. Runs until Ctrl-C, or
# RUN_SECONDS if set.
RUN_PORT      ?= 11211
RUN_INSTANCES ?= 1
RUN_SECONDS   ?= 0
run: deps
	@$(MAKE) --no-print-directory all
	@echo "EdgeOS: memcached on 127.0.0.1:$(RUN_PORT)/udp once the nic reports its service. Try:"
	@echo "  python3 tests/net/mcudp.py --host 127.0.0.1 --port $(RUN_PORT) \"get key:1\""
	@echo "  build/loadgen/mcload --help   (load generator; UDP)"
	@echo "Stop with Ctrl-C."
	@host/edgeos-run --smp 2 --mem 2G --timeout 864000 \
		--user-net "hostfwd=udp:127.0.0.1:$(RUN_PORT)-:11211" \
		--append "halt=never$(if $(filter-out 0,$(RUN_SECONDS)), shutdown_after=$(RUN_SECONDS)000)" \
		"$(BUILD)/user/memcached.elf @name=memcached @mem=4M" \
		"$(BUILD)/user/nic.elf @root svc=memcached:udp:11211:$(RUN_INSTANCES):shared"

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_TARGETS)

clean:
	rm -rf $(BUILD)
