# memcached on EdgeOS against Linux memcached processes, same run (bench/edgeos-memcached/).
#   make bench-memcached   N = 1, 300, 1000 instances; see bench.sh for the MCE_* variables
# Needs root (network namespace + TAP) and the guest programs nic.elf and memcached.elf.
.PHONY: bench-memcached
bench-memcached: all
	@bench/edgeos-memcached/bench.sh
BENCH_TARGETS += bench-memcached
