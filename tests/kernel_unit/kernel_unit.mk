# Host unit tests and fuzzer for the hardware-independent kernel code:
# frame pool (kernel/mm/frame_pool.c), page-table helpers
# (kernel/mm/page_table.c) and the ELF validator (kernel/fwp/elf.c).
# Each test is built twice: plain and with ASan/UBSan ($(SAN_FLAGS)).
# kernel/include is searched only for "..." includes (-iquote), so the
# kernel's own string.h/errno.h/time.h do not hide the C library's.
# Run with: tests/run-all.sh kernel_unit
KU_DIR    := tests/kernel_unit
KU_OUT    := $(BUILD)/kernel_unit
KU_CFLAGS := $(HOST_CFLAGS) -iquote kernel/include
KU_HDR    := $(KU_DIR)/ku_test.h kernel/include/frame_pool.h kernel/include/page_table.h kernel/include/elf.h

KU_TESTS  := test_frame_pool test_page_table test_elf
KU_SRC_test_frame_pool := kernel/mm/frame_pool.c
KU_SRC_test_page_table := kernel/mm/page_table.c
KU_SRC_test_elf        := kernel/fwp/elf.c

KU_BINS   := $(patsubst %,$(KU_OUT)/%,$(KU_TESTS)) $(patsubst %,$(KU_OUT)/%-san,$(KU_TESTS))
KU_FUZZ   := $(KU_OUT)/fuzz_elf
KU_STATIC := $(KU_OUT)/static-hello.elf

# $(1) = test name, $(2) = kernel source under test
define KU_TEST_RULES
$(KU_OUT)/$(1): $(KU_DIR)/$(1).c $(2) $(KU_HDR)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	@$(HOST_CC) $(KU_CFLAGS) -o $$@ $(KU_DIR)/$(1).c $(2)

$(KU_OUT)/$(1)-san: $(KU_DIR)/$(1).c $(2) $(KU_HDR)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@ (asan+ubsan)"
	@$(HOST_CC) $(KU_CFLAGS) $(SAN_FLAGS) -o $$@ $(KU_DIR)/$(1).c $(2)
endef
$(foreach t,$(KU_TESTS),$(eval $(call KU_TEST_RULES,$(t),$(KU_SRC_$(t)))))

$(KU_FUZZ): $(KU_DIR)/fuzz_elf.c kernel/fwp/elf.c kernel/include/elf.h
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -iquote kernel/include \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $(filter %.c,$^)

# A real static executable for the ELF tests (same toolchain as user/).
$(KU_STATIC): $(KU_DIR)/static_hello.c
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	@musl-gcc -std=c11 -O2 -static -no-pie -fno-pie -o $@ $<

ALL_TARGETS += $(KU_BINS) $(KU_FUZZ) $(KU_STATIC)

.PHONY: kernel_unit
kernel_unit: $(KU_BINS) $(KU_FUZZ) $(KU_STATIC)
