#!/bin/bash
# netlib suite: host unit tests of the portable packet library
# (user/lib/net_*.c), plain and ASan/UBSan ("[san]" suffix), then the
# libFuzzer harness over the frame classifier: its committed seed corpus
# (regression) and a bounded run. Prints PASS/FAIL lines; < 1 minute.
#   NETLIB_FUZZ_SECONDS=N   length of the bounded fuzzing run (default 15)
cd "$(dirname "$0")/../.." || exit 1
OUT=build/netlib
DIR=tests/netlib
FUZZ_SECONDS=${NETLIB_FUZZ_SECONDS:-15}
. tests/lib/suite.sh

suite_build netlib

run_bin test_netlib
run_bin test_netlib-san --suffix='[san]'

run_fuzzer fuzz_netlib "$FUZZ_SECONDS" 2048
exit 0
