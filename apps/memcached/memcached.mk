# apps/memcached: the portable memcached engine, its Linux server, the load
# generator and the memcached benchmark. Included by the top-level Makefile.

MC_DIR      := apps/memcached
MC_BUILD    := $(BUILD)/memcached
MC_SRCS     := $(wildcard $(MC_DIR)/mc_*.c)
MC_HDRS     := $(wildcard $(MC_DIR)/*.h $(MC_DIR)/include/*.h)
MC_INC      := -I$(MC_DIR)/include -I$(MC_DIR)
MC_OBJS     := $(patsubst $(MC_DIR)/%.c,$(MC_BUILD)/obj/%.o,$(MC_SRCS))
MC_SAN_OBJS := $(patsubst $(MC_DIR)/%.c,$(MC_BUILD)/san/%.o,$(MC_SRCS))
MC_LIB      := $(MC_BUILD)/libmcengine.a
MC_SERVER   := $(MC_BUILD)/edgeos-memcached
MC_SERVER_SAN := $(MC_BUILD)/edgeos-memcached-san
MC_SERVER_DEBUG := $(MC_BUILD)/memcached-debug
MC_FUZZ_DIR := tests/memcached/fuzz
MC_FUZZERS  := $(MC_BUILD)/fuzz_stream $(MC_BUILD)/fuzz_udp $(MC_BUILD)/fuzz_binary
MC_UNIT     := $(MC_BUILD)/mc_unit
MC_UNIT_SAN := $(MC_BUILD)/mc_unit-san
MC_BINTEST  := $(MC_BUILD)/mc_binary_test
MC_BINTEST_SAN := $(MC_BUILD)/mc_binary_test-san
MC_OOMTEST  := $(MC_BUILD)/mc_oom_test
MC_LOADGEN  := $(BUILD)/loadgen/mcload

ALL_TARGETS   += $(MC_LIB) $(MC_SERVER) $(MC_SERVER_SAN) $(MC_SERVER_DEBUG) $(MC_UNIT) $(MC_UNIT_SAN) $(MC_BINTEST) \
                 $(MC_BINTEST_SAN) $(MC_OOMTEST) $(MC_LOADGEN) mc-fuzzers
BENCH_TARGETS += bench-memcached-linux

.PHONY: mc-fuzzers bench-memcached-linux mc-baseline

$(MC_BUILD)/obj/%.o: $(MC_DIR)/%.c $(MC_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(MC_INC) -c $< -o $@

$(MC_BUILD)/san/%.o: $(MC_DIR)/%.c $(MC_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(MC_INC) -c $< -o $@

$(MC_LIB): $(MC_OBJS)
	@rm -f $@
	ar rcs $@ $^

MC_SERVER_SRCS := $(MC_DIR)/server/mc_server.c $(MC_DIR)/server/mc_options.c $(MC_DIR)/server/mc_restart.c
MC_SERVER_HDRS := $(MC_HDRS) $(MC_DIR)/server/mc_options.h

$(MC_SERVER): $(MC_SERVER_SRCS) $(MC_LIB) $(MC_SERVER_HDRS)
	$(HOST_CC) $(HOST_CFLAGS) $(MC_INC) $(MC_SERVER_SRCS) $(MC_LIB) -o $@

$(MC_SERVER_SAN): $(MC_SERVER_SRCS) $(MC_SAN_OBJS) $(MC_SERVER_HDRS)
	$(FUZZ_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(MC_INC) $(MC_SERVER_SRCS) $(MC_SAN_OBJS) -o $@

# memcached-debug: the same server with the debug-only commands (debugtime)
# and options (-o relaxed_privileges) that memcached's own tests use.
$(MC_SERVER_DEBUG): $(MC_SERVER_SRCS) $(MC_LIB) $(MC_SERVER_HDRS)
	$(HOST_CC) $(HOST_CFLAGS) -DMC_DEBUG_BUILD $(MC_INC) $(MC_SERVER_SRCS) $(MC_LIB) -o $@

$(MC_UNIT): tests/memcached/mc_unit.c $(MC_LIB) $(MC_HDRS)
	$(HOST_CC) $(HOST_CFLAGS) $(MC_INC) $< $(MC_LIB) -o $@

$(MC_UNIT_SAN): tests/memcached/mc_unit.c $(MC_SAN_OBJS) $(MC_HDRS)
	$(FUZZ_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(MC_INC) $< $(MC_SAN_OBJS) -o $@

$(MC_BINTEST): tests/memcached/mc_binary_test.c $(MC_LIB) $(MC_HDRS)
	$(HOST_CC) $(HOST_CFLAGS) $(MC_INC) $< $(MC_LIB) -o $@

$(MC_BINTEST_SAN): tests/memcached/mc_binary_test.c $(MC_SAN_OBJS) $(MC_HDRS)
	$(FUZZ_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(MC_INC) $< $(MC_SAN_OBJS) -o $@

# malloc failures injected by wrapping malloc (plain build only: the
# sanitizers own malloc)
$(MC_OOMTEST): tests/memcached/mc_oom_test.c $(MC_LIB) $(MC_HDRS)
	$(HOST_CC) $(HOST_CFLAGS) $(MC_INC) $< $(MC_LIB) -Wl,--wrap=malloc -o $@

# libFuzzer harnesses (engine compiled with the fuzzer's instrumentation).
mc-fuzzers: $(MC_FUZZERS)
$(MC_BUILD)/fuzz_%: $(MC_FUZZ_DIR)/fuzz_%.c $(wildcard $(MC_FUZZ_DIR)/*.h) $(MC_SRCS) $(MC_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -g -O1 -D_GNU_SOURCE -Wall -Wextra -Werror \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    $(MC_INC) $< $(MC_SRCS) -o $@

$(MC_LOADGEN): bench/loadgen/mcload.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $< -o $@ -lm

mc-baseline: $(MC_SERVER) $(MC_LOADGEN)
	bench/memcached/baseline.sh

bench-memcached-linux: $(MC_SERVER) $(MC_LOADGEN)
	bench/memcached/bench.sh

# short aliases relative to the repository root
.PHONY: build/memcached/edgeos-memcached build/loadgen/mcload
build/memcached/edgeos-memcached: $(MC_SERVER)
build/loadgen/mcload: $(MC_LOADGEN)
