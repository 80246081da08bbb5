#!/bin/bash
# ctl suite: host unit tests of the control plane's portable model
# (user/ctl/ctl_{values,request,cmd,manifest,plan}.c), plain and ASan/UBSan
# ("[san]" suffix), then the two libFuzzer harnesses (request decoding and
# command parsing; manifest parsing and planning): each over its committed
# seeds (tests/ctl/corpus/request, tests/ctl/corpus/manifest) and a bounded
# run. Prints PASS/FAIL lines; < 1 minute.
#   CTL_FUZZ_SECONDS=N   length of each bounded fuzzing run (default 15)
cd "$(dirname "$0")/../.." || exit 1
OUT=build/ctl
DIR=tests/ctl
FUZZ_SECONDS=${CTL_FUZZ_SECONDS:-15}
. tests/lib/suite.sh

suite_build ctl

run_bin test_ctl
run_bin test_ctl-san --suffix='[san]'

# run_fuzzer takes its seeds from $DIR/corpus: each harness gets a directory
# whose corpus is its own seed directory, and fresh scratch space.
for kind in request manifest; do
    mkdir -p "$T/$kind"
    ln -s "$PWD/$DIR/corpus/$kind" "$T/$kind/corpus"
    rm -rf "$T/corpus" "$T/artifacts"
    DIR="$T/$kind" run_fuzzer "fuzz_ctl_$kind" "$FUZZ_SECONDS" 4096
done
exit 0
