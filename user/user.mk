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

# lwIP (Debian's source package, fetched and unpacked by host/debian-source.sh
# into build/third_party/), compiled with musl for FWPs: NO_SYS, raw API,
# TCP over IPv4 only. Our port layer and options are user/lib/tcp/.
LWIP_VERSION := 2.1.3
LWIP_DIR     := $(BUILD)/third_party/lwip-$(LWIP_VERSION)+dfsg1
LWIP_CORE    := init def inet_chksum ip mem memp netif pbuf tcp tcp_in tcp_out timeouts ipv4/ip4 ipv4/ip4_addr
LWIP_OUT     := $(BUILD)/lwip
LWIP_LIB     := $(LWIP_OUT)/liblwip.a
LWIP_INC     := -Iuser/lib/tcp -I$(LWIP_DIR)/src/include
# Third-party code: warnings are shown, not fatal.
LWIP_CFLAGS  := -std=c11 -O2 -g -static -no-pie -fno-pie -D_GNU_SOURCE -Wall -Wno-unused-parameter -Wno-address $(LWIP_INC)

$(LWIP_DIR)/.unpacked:
	@echo "  FETCH   lwip $(LWIP_VERSION) (Debian source package)"
	@host/debian-source.sh lwip $(LWIP_VERSION) >/dev/null

$(LWIP_OUT)/%.o: $(LWIP_DIR)/.unpacked user/lib/tcp/lwipopts.h user/lib/tcp/arch/cc.h
	@mkdir -p $(dir $@)
	@$(USER_CC) $(LWIP_CFLAGS) -c -o $@ $(LWIP_DIR)/src/core/$*.c

$(LWIP_LIB): $(patsubst %,$(LWIP_OUT)/%.o,$(LWIP_CORE))
	@echo "  AR      $@"
	@rm -f $@ && ar rcs $@ $^

USER_TCP_SRCS := $(wildcard user/lib/tcp/*.c)
USER_TCP_HDRS := $(wildcard user/lib/tcp/*.h user/lib/tcp/arch/*.h)

# The memcached FWP links the portable memcached engine (apps/memcached).
USER_MC_SRCS := $(wildcard apps/memcached/mc_*.c)
# It also serves TCP through lwIP (user/lib/tcp/, build/lwip/liblwip.a).
$(USER_OUT)/memcached.elf: user/memcached/*.c $(USER_MC_SRCS) $(USER_LIB_SRCS) $(USER_TCP_SRCS) $(LWIP_LIB) \
		$(wildcard user/lib/*.h apps/memcached/*.h apps/memcached/include/*.h) $(USER_TCP_HDRS)
	@mkdir -p $(dir $@)
	@echo "  USER    $@"
	@$(USER_CC) $(USER_CFLAGS) -Iapps/memcached/include -Iapps/memcached $(LWIP_INC) -o $@ $(filter %.c,$^) $(LWIP_LIB)

$(USER_OUT)/test/%.elf: tests/boot/progs/%.c $(USER_LIB_SRCS) $(wildcard user/lib/*.h)
	@mkdir -p $(dir $@)
	@echo "  USER    $@"
	@$(USER_CC) $(USER_CFLAGS) -o $@ $(filter %.c,$^)

ALL_TARGETS += $(patsubst %,$(USER_OUT)/%.elf,$(USER_PROGS)) \
	$(patsubst %,$(USER_OUT)/test/%.elf,$(USER_TEST_PROGS))

# clicknf: a Click configuration as an FWP (docs/clicknf.md). It links the
# portable Click engine and elements (apps/click), compiled with musl, and
# embeds apps/click/configs/*.click as C arrays (user/clicknf/embed.sh).
CLICKNF_OUT     := $(USER_OUT)/clicknf
CLICKNF_CONFIGS := $(sort $(wildcard apps/click/configs/*.click))
CLICKNF_SRCS    := $(wildcard apps/click/engine/*.c) $(wildcard apps/click/elements/*.c)
CLICKNF_OBJS    := $(patsubst apps/click/%.c,$(CLICKNF_OUT)/obj/%.o,$(CLICKNF_SRCS))
CLICKNF_CFLAGS  := $(USER_CFLAGS) -Iapps/click/engine -Iuser/clicknf

$(CLICKNF_OUT)/obj/%.o: apps/click/%.c $(wildcard apps/click/engine/*.h)
	@mkdir -p $(dir $@)
	@$(USER_CC) $(CLICKNF_CFLAGS) -c -o $@ $<

$(CLICKNF_OUT)/configs.c: user/clicknf/embed.sh $(CLICKNF_CONFIGS)
	@mkdir -p $(dir $@)
	@sh user/clicknf/embed.sh $(CLICKNF_CONFIGS) >$@.tmp && mv $@.tmp $@

$(USER_OUT)/clicknf.elf: user/clicknf/*.c $(CLICKNF_OUT)/configs.c $(CLICKNF_OBJS) $(USER_LIB_SRCS) \
		$(wildcard user/lib/*.h user/clicknf/*.h)
	@mkdir -p $(dir $@)
	@echo "  USER    $@"
	@$(USER_CC) $(CLICKNF_CFLAGS) -o $@ $(filter %.c,$^) $(CLICKNF_OBJS) -lm

# ctl checks NF configurations with the same Click engine and built-in
# configurations before it starts clicknf templates (user/ctl/ctl_nf.c).
$(USER_OUT)/ctl.elf: user/ctl/*.c $(CLICKNF_OUT)/configs.c $(CLICKNF_OBJS) $(USER_LIB_SRCS) \
		$(wildcard user/lib/*.h user/ctl/*.h user/clicknf/*.h apps/click/engine/*.h)
	@mkdir -p $(dir $@)
	@echo "  USER    $@"
	@$(USER_CC) $(CLICKNF_CFLAGS) -o $@ $(filter %.c,$^) $(CLICKNF_OBJS) -lm

# Test programs outside tests/boot/progs: the clicknf test driver.
$(USER_OUT)/test/nfdriver.elf: user/test/nfdriver.c $(USER_LIB_SRCS) $(wildcard user/lib/*.h user/clicknf/*.h)
	@mkdir -p $(dir $@)
	@echo "  USER    $@"
	@$(USER_CC) $(USER_CFLAGS) -Iuser/clicknf -o $@ $(filter %.c,$^)

ALL_TARGETS += $(USER_OUT)/clicknf.elf $(USER_OUT)/test/nfdriver.elf
