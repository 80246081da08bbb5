# User programs (FWPs): static ELF64 executables linked against musl
# (Debian's musl-tools). One directory per program under user/ (and test
# programs under tests/boot/progs/); each becomes build/user/<name>.elf.
USER_CC     := musl-gcc
USER_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -static -no-pie -fno-pie -D_GNU_SOURCE \
	-Iuser/lib -Ikernel/include/uapi
USER_OUT    := $(BUILD)/user
USER_PROGS  := hello fwptmpl manager memcached nic ctl echo
USER_LIB_SRCS := $(wildcard user/lib/*.c)
USER_TEST_PROGS := $(patsubst tests/boot/progs/%.c,%,$(wildcard tests/boot/progs/*.c))

$(USER_OUT)/%.elf: user/%/*.c $(USER_LIB_SRCS) $(wildcard user/lib/*.h)
	@mkdir -p $(dir $@)
	@echo "  USER    $@"
	@$(USER_CC) $(USER_CFLAGS) -o $@ $(filter %.c,$^)

# The memcached FWP links the portable memcached engine (apps/memcached).
USER_MC_SRCS := $(wildcard apps/memcached/mc_*.c)
$(USER_OUT)/memcached.elf: user/memcached/*.c $(USER_MC_SRCS) $(USER_LIB_SRCS) $(wildcard user/lib/*.h apps/memcached/*.h apps/memcached/include/*.h)
	@mkdir -p $(dir $@)
	@echo "  USER    $@"
	@$(USER_CC) $(USER_CFLAGS) -Iapps/memcached/include -Iapps/memcached -o $@ $(filter %.c,$^)

$(USER_OUT)/test/%.elf: tests/boot/progs/%.c $(USER_LIB_SRCS) $(wildcard user/lib/*.h)
	@mkdir -p $(dir $@)
	@echo "  USER    $@"
	@$(USER_CC) $(USER_CFLAGS) -o $@ $(filter %.c,$^)

ALL_TARGETS += $(patsubst %,$(USER_OUT)/%.elf,$(USER_PROGS)) \
	$(patsubst %,$(USER_OUT)/test/%.elf,$(USER_TEST_PROGS))
