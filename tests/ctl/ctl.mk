# Host unit tests and libFuzzer harnesses for the control plane's portable
# model (user/ctl/ctl_{values,request,cmd,manifest,plan}.c; the other files
# of user/ctl/ are the ctl FWP itself and need EdgeOS; -Iuser/lib is for
# nic_ctl_proto.h, plain C). The unit tests are built plain and with
# ASan/UBSan.
# Run with: tests/run-all.sh ctl (or tests/ctl/run.sh)
CTL_DIR  := tests/ctl
CTL_OUT  := $(BUILD)/ctl
CTL_SRCS := $(patsubst %,user/ctl/ctl_%.c,values request cmd manifest plan)
CTL_DEPS := $(CTL_SRCS) user/ctl/ctl_model.h user/lib/nic_ctl_proto.h $(CTL_DIR)/ctl_sim.h tests/lib/test_groups.h
CTL_FUZZ_FLAGS := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -g -O1 -Iuser/ctl -Iuser/lib \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
CTL_BINS := $(CTL_OUT)/test_ctl $(CTL_OUT)/test_ctl-san $(CTL_OUT)/fuzz_ctl_request $(CTL_OUT)/fuzz_ctl_manifest

$(CTL_OUT)/test_ctl: $(CTL_DIR)/test_ctl.c $(CTL_DEPS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(HOST_CFLAGS) -Iuser/ctl -Iuser/lib -Itests/lib -o $@ $(CTL_DIR)/test_ctl.c $(CTL_SRCS)

$(CTL_OUT)/test_ctl-san: $(CTL_DIR)/test_ctl.c $(CTL_DEPS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@ (asan+ubsan)"
	@$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -Iuser/ctl -Iuser/lib -Itests/lib -o $@ $(CTL_DIR)/test_ctl.c $(CTL_SRCS)

$(CTL_OUT)/fuzz_%: $(CTL_DIR)/fuzz_%.c $(CTL_DEPS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(CTL_FUZZ_FLAGS) -o $@ $< $(CTL_SRCS)

ALL_TARGETS += $(CTL_BINS)

.PHONY: ctl
ctl: $(CTL_BINS)
