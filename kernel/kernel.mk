# Kernel build: freestanding C11, linked in the higher half, shipped to QEMU
# as a flat Multiboot image (build/kernel/edgeos.bin) plus an ELF64 for gdb.
KERNEL_DIR   := kernel
KERNEL_OUT   := $(BUILD)/kernel
KERNEL_CC    ?= gcc
KERNEL_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -ffreestanding -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-80387 \
	-fno-stack-protector -fno-omit-frame-pointer -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -nostdinc -isystem $(shell $(KERNEL_CC) -print-file-name=include) \
	-I$(KERNEL_DIR)/include -I$(KERNEL_DIR)/include/uapi -I$(KERNEL_DIR)/arch/x86_64 -MMD -MP
KERNEL_ASFLAGS := -I$(KERNEL_DIR)/include -I$(KERNEL_DIR)/include/uapi -I$(KERNEL_DIR)/arch/x86_64 -MMD -MP
KERNEL_C_SRCS := $(shell find $(KERNEL_DIR) -name '*.c' -not -path '*/host/*')
KERNEL_S_SRCS := $(shell find $(KERNEL_DIR) -name '*.S')
KERNEL_OBJS := $(patsubst %.c,$(KERNEL_OUT)/%.o,$(KERNEL_C_SRCS)) \
	$(patsubst %.S,$(KERNEL_OUT)/%.o,$(KERNEL_S_SRCS))

$(KERNEL_OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(KERNEL_CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_OUT)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(KERNEL_CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(KERNEL_OUT)/edgeos.elf: $(KERNEL_OBJS) $(KERNEL_DIR)/arch/x86_64/linker.ld
	ld -n -nostdlib --no-warn-rwx-segments -z max-page-size=4096 -T $(KERNEL_DIR)/arch/x86_64/linker.ld -o $@ $(KERNEL_OBJS)

$(KERNEL_OUT)/edgeos.bin: $(KERNEL_OUT)/edgeos.elf
	objcopy -O binary $< $@

ALL_TARGETS += $(KERNEL_OUT)/edgeos.bin
-include $(KERNEL_OBJS:.o=.d)
