#!/bin/bash
# memcached 1.6.18's own test suite (t/*.t of Debian's memcached source
# package) against our Linux server, run as memcached's `make test` runs
# it: the harness starts build/memcached/memcached-debug with the options
# each file asks for. files.txt lists the files run, excluded.txt the
# others with the reason; every file of t/ must be in one of them.
# Run from the repository root after `make all`:  tests/run-all.sh mcsuite
#   MCSUITE_TIMEOUT=300  seconds per file
#   MCSUITE_JOBS=2       files at once
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/memcached-t.sh
D=$PWD/tests/mcsuite
for tool in perl prove; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "FAIL mcsuite.tools: $tool not installed (host/install-deps.sh)"
        exit 1
    fi
done
if ! why=$(mct_fetch 2>&1); then
    echo "FAIL mcsuite.fetch: $(echo "$why" | tr '\n' ' ')"
    exit 1
fi
MCT_PREFIX=mcsuite MCT_TIMEOUT=${MCSUITE_TIMEOUT:-300} MCT_JOBS=${MCSUITE_JOBS:-2} mct_run_spawn $D/files.txt
rc=$?

# the lists cover t/ exactly once
missing=$(cd "$MCT_DIR/t" && ls *.t | sort | comm -23 - <(sed 's/#.*//' $D/files.txt $D/excluded.txt | awk 'NF {print $1}' | sort))
twice=$(sed 's/#.*//' $D/files.txt $D/excluded.txt | awk 'NF {print $1}' | sort | uniq -d)
if [ -z "$missing$twice" ]; then
    echo "PASS mcsuite.lists"
else
    echo "FAIL mcsuite.lists: in neither list: $(echo $missing); in both or twice: $(echo $twice)"
    rc=1
fi
exit $rc
