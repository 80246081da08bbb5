# Tenant isolation benchmark (bench/isolation/): tenant a's memcached
# latency while tenant b idles, spins (20 % budget / none), fork-bombs to its
# quota or is flooded; deploy latency for 1, 100, 1000 instances. EdgeOS,
# a Linux guest in the same QEMU shape (bench/linux-peer) and this host.
#   make bench-isolation   (ISO_SYSTEMS, ISO_RATE, ISO_DURATION, ISO_CASES, ISO_DEPLOY: see isolation.py)
# Needs root for the host's cgroups and for building the Linux guest.
.PHONY: bench-isolation
$(BUILD)/bench/host-bomb: bench/linux-peer/bomb.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $<
bench-isolation: all $(BUILD)/bench/host-bomb
	@bench/linux-peer/build.sh
	@bench/isolation/isolation.py
BENCH_TARGETS += bench-isolation
