# Click network-function engine (apps/click). Included by the top-level
# Makefile; everything is built under $(BUILD)/click.
#   build/click/libclick.a          portable engine + element library
#   build/click/click-run           Linux runner (pcap files)
#   build/click/click               userlevel-Click-style driver (tests/clicktest)
#   build/click/test-click[-asan]   unit tests (plain and ASan/UBSan)
#   build/click/fuzz-click-*        libFuzzer harnesses
#   build/click/click-bench         benchmark (make bench-click)
CLICK_DIR      := apps/click
CLICK_OUT      := $(BUILD)/click
CLICK_LIB_SRCS := $(wildcard $(CLICK_DIR)/engine/*.c) $(wildcard $(CLICK_DIR)/elements/*.c)
CLICK_HDRS     := $(wildcard $(CLICK_DIR)/engine/*.h)
CLICK_LIB_OBJS := $(patsubst $(CLICK_DIR)/%.c,$(CLICK_OUT)/obj/%.o,$(CLICK_LIB_SRCS))
CLICK_SAN_OBJS := $(patsubst $(CLICK_DIR)/%.c,$(CLICK_OUT)/san/%.o,$(CLICK_LIB_SRCS))
CLICK_LIB      := $(CLICK_OUT)/libclick.a
CLICK_SAN_LIB  := $(CLICK_OUT)/libclick-san.a
CLICK_RUN      := $(CLICK_OUT)/click-run
CLICK_MAIN     := $(CLICK_OUT)/click
CLICK_TEST     := $(CLICK_OUT)/test-click
CLICK_TEST_SAN := $(CLICK_OUT)/test-click-asan
CLICK_FUZZERS  := $(CLICK_OUT)/fuzz-click-parser $(CLICK_OUT)/fuzz-click-firewall
CLICK_BENCH    := $(CLICK_OUT)/click-bench
CLICK_TEST_SRCS := $(wildcard tests/click/test_*.c)
CLICK_CFLAGS   := $(HOST_CFLAGS) -I$(CLICK_DIR)/engine
CLICK_LIBM     := -lm

ALL_TARGETS   += $(CLICK_LIB) $(CLICK_RUN) $(CLICK_MAIN) $(CLICK_TEST) $(CLICK_TEST_SAN) $(CLICK_FUZZERS) $(CLICK_BENCH)
BENCH_TARGETS += bench-click

.PHONY: click bench-click
click: $(CLICK_LIB) $(CLICK_RUN) $(CLICK_MAIN) $(CLICK_TEST) $(CLICK_TEST_SAN) $(CLICK_FUZZERS) $(CLICK_BENCH)

$(CLICK_OUT)/obj/%.o: $(CLICK_DIR)/%.c $(CLICK_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(CLICK_CFLAGS) -c $< -o $@

$(CLICK_OUT)/san/%.o: $(CLICK_DIR)/%.c $(CLICK_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(CLICK_CFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

$(CLICK_LIB): $(CLICK_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CLICK_SAN_LIB): $(CLICK_SAN_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CLICK_RUN): $(CLICK_DIR)/linux/click_run.c $(CLICK_DIR)/linux/click_pcap.c $(CLICK_DIR)/linux/click_pcap.h $(CLICK_LIB)
	$(HOST_CC) $(CLICK_CFLAGS) $(CLICK_DIR)/linux/click_run.c $(CLICK_DIR)/linux/click_pcap.c $(CLICK_LIB) $(CLICK_LIBM) -o $@

$(CLICK_MAIN): $(CLICK_DIR)/linux/click_main.c $(CLICK_DIR)/linux/click_pcap.c $(CLICK_DIR)/linux/click_pcap.h $(CLICK_LIB)
	$(HOST_CC) $(CLICK_CFLAGS) $(CLICK_DIR)/linux/click_main.c $(CLICK_DIR)/linux/click_pcap.c $(CLICK_LIB) $(CLICK_LIBM) -o $@

$(CLICK_TEST): $(CLICK_TEST_SRCS) tests/click/click_test.h $(CLICK_LIB)
	$(HOST_CC) $(CLICK_CFLAGS) $(CLICK_TEST_SRCS) $(CLICK_LIB) $(CLICK_LIBM) -o $@

$(CLICK_TEST_SAN): $(CLICK_TEST_SRCS) tests/click/click_test.h $(CLICK_SAN_LIB)
	$(HOST_CC) $(CLICK_CFLAGS) -O1 $(SAN_FLAGS) $(CLICK_TEST_SRCS) $(CLICK_SAN_LIB) $(CLICK_LIBM) -o $@

# libFuzzer harnesses: the engine is compiled together with each harness.
$(CLICK_OUT)/fuzz-click-%: tests/click/fuzz_%.c $(CLICK_LIB_SRCS) $(CLICK_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -I$(CLICK_DIR)/engine -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer $< $(CLICK_LIB_SRCS) $(CLICK_LIBM) -o $@

$(CLICK_BENCH): bench/click/click_bench.c $(CLICK_LIB)
	$(HOST_CC) $(CLICK_CFLAGS) bench/click/click_bench.c $(CLICK_LIB) $(CLICK_LIBM) -o $@

# bench-click: the engine's per-configuration table (click-bench), then Click
# NFs as EdgeOS FWPs (1 and 3 chained, QEMU) against the engine chaining the
# same routers on Linux (click-nf-bench); bench/click/nf_bench.py writes
# build/bench/click-nf.csv. docs/benchmarks.md, "Click NFs: make bench-click".
CLICK_NF_BENCH := $(CLICK_OUT)/click-nf-bench
CLICK_NF_BENCH_DEPS := $(KERNEL_OUT)/edgeos.bin $(USER_OUT)/clicknf.elf $(USER_OUT)/test/nfdriver.elf

ALL_TARGETS += $(CLICK_NF_BENCH)
$(CLICK_NF_BENCH): bench/click/click_nf_bench.c $(CLICK_LIB)
	$(HOST_CC) $(CLICK_CFLAGS) bench/click/click_nf_bench.c $(CLICK_LIB) $(CLICK_LIBM) -o $@

bench-click: $(CLICK_BENCH) $(CLICK_NF_BENCH) $(CLICK_NF_BENCH_DEPS)
	@$(CLICK_BENCH)
	@bench/click/nf_bench.py
