# Guest instruction counts (bench/icount/, docs/benchmarks.md).
#   build/bench/icount.so   QEMU TCG plugin: instructions between marker no-ops
#   make bench-icount       EdgeOS and Linux guest operations, counted; writes
#                           build/bench/icount.csv
# The plugin is built against the plugin API header of Debian's qemu source
# package (the version of the installed QEMU), fetched by host/debian-source.sh.
ICOUNT_DIR        := bench/icount
ICOUNT_PLUGIN     := $(BUILD)/bench/icount.so
ICOUNT_QEMU_VER   ?= 7.2
ICOUNT_QEMU_STAMP := $(BUILD)/third_party/.qemu-plugin-header

ALL_TARGETS += $(ICOUNT_PLUGIN)

$(ICOUNT_QEMU_STAMP):
	@mkdir -p $(dir $@)
	@host/debian-source.sh qemu $(ICOUNT_QEMU_VER) include/qemu/qemu-plugin.h > $@.tmp && mv $@.tmp $@

$(ICOUNT_PLUGIN): $(ICOUNT_DIR)/icount_plugin.c kernel/include/uapi/eos_icount.h $(ICOUNT_QEMU_STAMP)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -shared -fPIC -I$$(cat $(ICOUNT_QEMU_STAMP))/include/qemu -Ikernel/include/uapi \
	    -o $@ $(ICOUNT_DIR)/icount_plugin.c

ifneq ($(ICOUNT_PLUGIN),build/bench/icount.so)
build/bench/icount.so: $(ICOUNT_PLUGIN)
endif

.PHONY: bench-icount
bench-icount: all
	@$(ICOUNT_DIR)/icount.sh
BENCH_TARGETS += bench-icount
