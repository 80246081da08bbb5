# Host unit tests and libFuzzer harness for the portable packet library
# (user/lib/net_*.c). The unit tests are built plain and with ASan/UBSan.
# Run with: tests/run-all.sh netlib (or tests/netlib/run.sh)
NL_DIR  := tests/netlib
NL_OUT  := $(BUILD)/netlib
NL_SRCS := $(wildcard user/lib/net_*.c)
NL_DEPS := $(NL_SRCS) user/lib/net_proto.h tests/lib/test_groups.h
NL_BINS := $(NL_OUT)/test_netlib $(NL_OUT)/test_netlib-san $(NL_OUT)/fuzz_netlib

$(NL_OUT)/test_netlib: $(NL_DIR)/test_netlib.c $(NL_DEPS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(HOST_CFLAGS) -Iuser/lib -Itests/lib -o $@ $(NL_DIR)/test_netlib.c $(NL_SRCS)

$(NL_OUT)/test_netlib-san: $(NL_DIR)/test_netlib.c $(NL_DEPS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@ (asan+ubsan)"
	@$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -Iuser/lib -Itests/lib -o $@ $(NL_DIR)/test_netlib.c $(NL_SRCS)

$(NL_OUT)/fuzz_netlib: $(NL_DIR)/fuzz_netlib.c $(NL_DEPS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -Iuser/lib \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $(NL_DIR)/fuzz_netlib.c $(NL_SRCS)

ALL_TARGETS += $(NL_BINS)

.PHONY: netlib
netlib: $(NL_BINS)
