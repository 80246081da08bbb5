# Benchmarks fragment (bench/). Start-up benchmark, Linux peer half:
#   build/bench/startup-true    static musl program that exits 0 (the binary every peer starts)
#   build/bench/startup-peers   host benchmark: fork/exec, posix_spawn, vfork, fork, pthread, runc run
#   make bench-startup-peers    runs it and writes build/bench/startup-peers.csv
#   make bench-startup-linux-guest  the same rows (no runc) inside the Linux guest of
#                               bench/linux-peer (QEMU microvm, TCG, 2 vCPUs, 2 GiB),
#                               written to build/bench/startup-linux-guest.csv
# Variables: STARTUP_ARGS (extra startup-peers options, e.g. --seconds 2 or --cpu 1),
# STARTUP_GUEST_ITER (iterations per row in the Linux guest, default 1000).
STARTUP_DIR     := bench/startup
STARTUP_OUT     := $(BUILD)/bench
STARTUP_MUSL_CC ?= musl-gcc
STARTUP_SRCS    := $(STARTUP_DIR)/peers.c $(STARTUP_DIR)/stats.c $(STARTUP_DIR)/bundle.c
STARTUP_HDRS    := $(STARTUP_DIR)/stats.h $(STARTUP_DIR)/bundle.h
STARTUP_CSV     := $(STARTUP_OUT)/startup-peers.csv
STARTUP_ARGS    ?=

ALL_TARGETS += $(STARTUP_OUT)/startup-peers $(STARTUP_OUT)/startup-true

$(STARTUP_OUT)/startup-true: $(STARTUP_DIR)/true.c
	@mkdir -p $(dir $@)
	$(STARTUP_MUSL_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

$(STARTUP_OUT)/startup-peers: $(STARTUP_SRCS) $(STARTUP_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -pthread -o $@ $(STARTUP_SRCS)

# Relative aliases so that both `build/bench/...` and `$(BUILD)/bench/...` name these targets
# (only needed, and only harmless, when BUILD is an absolute path).
ifneq ($(STARTUP_OUT),build/bench)
build/bench/startup-peers: $(STARTUP_OUT)/startup-peers
build/bench/startup-true: $(STARTUP_OUT)/startup-true
endif

.PHONY: bench-startup-peers
bench-startup-peers: $(STARTUP_OUT)/startup-peers $(STARTUP_OUT)/startup-true
	$(STARTUP_OUT)/startup-peers --csv $(STARTUP_CSV) $(STARTUP_ARGS)
	@echo "startup peers: wrote $(STARTUP_CSV)"

# The guest builds its own static startup-peers/startup-true (bench/linux-peer/build.sh).
.PHONY: bench-startup-linux-guest
bench-startup-linux-guest:
	bench/linux-peer/startup.sh --iterations $(or $(STARTUP_GUEST_ITER),1000)

# Full start-up benchmark: EdgeOS FWPs (in QEMU) and the Linux peers (in a Linux
# guest of the same QEMU shape, and natively) in one run.
.PHONY: bench-startup
bench-startup: all
	@bench/startup/edgeos-startup.sh
BENCH_TARGETS += bench-startup
