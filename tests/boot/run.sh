#!/bin/bash
# Boot tests: each boots EdgeOS in QEMU with some programs and asserts the
# serial output and the guest's exit status. Runs under the launcher's
# default accelerator; EDGEOS_ACCEL=tcg|kvm forces one (see host/edgeos-run).
cd "$(dirname "$0")/../.." || exit 1
T=build/user/test
U=build/user
OUT=build/tests/boot
mkdir -p "$OUT"
RUN="host/edgeos-run --timeout 120"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; echo "---- output of $1:"; sed 's/^/    /' "$OUT/$1.log" | tail -40; }

# boot NAME STATUS [launcher args...]: boots, checks the exit status.
boot() {
    local name=$1 want=$2; shift 2
    $RUN "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    if [ "$rc" != "$want" ]; then
        fail "$name" "guest exit status $rc, expected $want"
        return 1
    fi
    return 0
}
has() { grep -q -E -- "$2" "$OUT/$1.log"; }
count() { grep -c -E -- "$2" "$OUT/$1.log"; }

# 1. banner, CPU count, timer, boot time
if boot banner 0 --smp 2 "$U/hello.elf"; then
    if ! has banner '^EdgeOS 0\.1'; then fail banner "no banner"
    elif ! has banner '^cpu: 2 CPUs online'; then fail banner "not 2 CPUs online"
    elif ! has banner '^time: TSC [0-9]+\.[0-9]+ MHz'; then fail banner "no calibrated TSC frequency"
    elif ! has banner 'first user instruction [0-9.]+ ms'; then fail banner "launcher did not measure boot time"
    else pass banner; fi
fi

# 2. four CPUs come up too
if boot smp4 0 --smp 4 "$U/hello.elf"; then
    has smp4 '^cpu: 4 CPUs online' && pass smp4 || fail smp4 "not 4 CPUs online"
fi

# 3b. the most arguments a boot program takes (30), and one more refused
# cleanly (the initial stack of a program with 30 arguments once overran a
# kernel buffer)
args30=$(seq -s ' ' 1 30)
if boot args-max 0 "$U/hello.elf $args30"; then
    has args-max '^Hello from EdgeOS! hello has 30 argument\(s\)' && pass args-max || fail args-max "no hello with 30 arguments"
fi
if boot args-too-many 0 "$U/hello.elf $args30 31" "$U/hello.elf one"; then
    if ! has args-too-many 'cannot start program .*hello.elf: more than 30 arguments'; then fail args-too-many "no refusal line"
    elif ! has args-too-many '^Hello from EdgeOS! hello has 1 argument'; then fail args-too-many "the other program did not run"
    else pass args-too-many; fi
fi

# 3. musl hello: printf, malloc, clock_gettime, argv, exit status
if boot hello 0 "$U/hello.elf one two"; then
    if ! has hello "^Hello from EdgeOS! hello has 2 argument\(s\); malloc'd 100000 bytes \(sum 12000000\)"; then fail hello "no hello line"
    elif ! has hello '^fwp 1 \(hello\) exited with status 0'; then fail hello "no exit line"
    else pass hello; fi
fi

# 4. exit status of a program is reported
if boot exit-status 0 "$T/fault.elf none"; then
    has exit-status '^fwp 1 \(fault\) exited with status 1' && pass exit-status || fail exit-status "status 1 not reported"
fi

# 5. preemption: two spinners pinned to one CPU both progress, interleaved
if boot spinners 0 --smp 1 --append "shutdown_after=1500" "$T/spin.elf @cpu=0 A" "$T/spin.elf @cpu=0 B"; then
    a=$(count spinners '^spin A tick'); b=$(count spinners '^spin B tick')
    # alternations between A and B in the tick sequence
    alt=$(grep -E '^spin [AB] tick' "$OUT/spinners.log" | awk '{print $2}' | uniq | wc -l)
    if [ "$a" -lt 3 ] || [ "$b" -lt 3 ]; then fail spinners "ticks A=$a B=$b (both need >= 3)"
    elif [ "$alt" -lt 4 ]; then fail spinners "A and B did not interleave (runs=$alt)"
    elif ! has spinners '^kernel: timed shutdown'; then fail spinners "no timed shutdown"
    else pass spinners; fi
fi

# 6. spinners on two CPUs plus a short program: the short one still finishes
if boot spinners-smp 0 --smp 2 --append "shutdown_after=1500" "$T/spin.elf A" "$T/spin.elf B" "$T/spin.elf C" "$U/hello.elf"; then
    if ! has spinners-smp '^Hello from EdgeOS'; then fail spinners-smp "hello starved"
    elif [ "$(count spinners-smp '^spin C tick')" -lt 2 ]; then fail spinners-smp "third spinner starved"
    else pass spinners-smp; fi
fi

# 7. each fault kind ends only the faulting program, with one log line
fault_case() {
    local kind=$1 pattern=$2 name="fault-$1"
    boot "$name" 0 "$T/fault.elf $kind" "$T/survivor.elf" || return
    local n; n=$(count "$name" '^fwp 1 \(fault\) ended: ')
    if [ "$n" != 1 ]; then fail "$name" "expected exactly one 'ended' line, got $n"
    elif ! has "$name" "^fwp 1 \(fault\) ended: $pattern"; then fail "$name" "wrong reason"
    elif ! has "$name" '^survivor: alive after neighbours faulted'; then fail "$name" "neighbour did not survive"
    elif ! has "$name" '^fwp 2 \(survivor\) exited with status 0'; then fail "$name" "neighbour did not exit cleanly"
    elif has "$name" 'PANIC|did not fault'; then fail "$name" "kernel panic or no fault"
    else pass "$name"; fi
}
fault_case null 'page fault at address 0 \(read, not mapped\)'
fault_case write-text 'page fault at address 4[0-9a-f]+ \(write, protection violation\)'
fault_case privileged 'general protection fault'
fault_case div0 'divide error'
fault_case kernel-pointer 'bad pointer passed to system call 1 \(args 1 ffffffff80100000'
fault_case unmapped-pointer 'bad pointer passed to system call 1'
fault_case exec-stack 'page fault at address 7f[0-9a-f]+ \(execute, protection violation\)'
fault_case wild-jump 'page fault at address dead0000 \(execute, not mapped\)'

# 8. out of memory: malloc returns NULL under the quota, nothing crashes
if boot oom 0 "$T/oom.elf @mem=8M" "$T/survivor.elf"; then
    if ! has oom '^oom: malloc returned NULL after [0-9]+ KiB'; then fail oom "malloc never returned NULL"
    elif ! has oom '^oom: after free, a 1 MiB malloc succeeded'; then fail oom "memory not reusable after free"
    elif ! has oom '^fwp 1 \(oom\) exited with status 0'; then fail oom "oom program did not exit cleanly"
    elif ! has oom '^survivor: alive'; then fail oom "neighbour affected"
    else
        kib=$(grep -oE 'after [0-9]+ KiB' "$OUT/oom.log" | grep -oE '[0-9]+')
        if [ "$kib" -gt 8192 ]; then fail oom "allocated $kib KiB beyond the 8 MiB quota"; else pass oom; fi
    fi
fi

# 9. a quota too small for the program itself: clear error, others run
if boot quota-too-small 0 "$U/hello.elf @mem=16K" "$T/survivor.elf"; then
    if ! has quota-too-small 'cannot start program hello: memory quota too small'; then fail quota-too-small "no clear error"
    elif ! has quota-too-small '^survivor: alive'; then fail quota-too-small "neighbour did not run"
    else pass quota-too-small; fi
fi

# 10. malformed ELF modules are refused with a reason; the rest still runs
mkdir -p "$OUT/elf"
head -c 100 "$U/hello.elf" > "$OUT/elf/truncated.elf"
printf 'this is not an ELF file, just a plain text module that is long enough for a header\n' > "$OUT/elf/text.elf"
python3 - "$U/hello.elf" "$OUT/elf" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
d = bytearray(data); d[4] = 1; open(sys.argv[2] + '/class32.elf', 'wb').write(d)
d = bytearray(data); struct.pack_into('<Q', d, 32, len(d) + 4096); open(sys.argv[2] + '/phoff.elf', 'wb').write(d)
d = bytearray(data); struct.pack_into('<Q', d, 24, 0xdead); open(sys.argv[2] + '/entry.elf', 'wb').write(d)
phoff = struct.unpack_from('<Q', data, 32)[0]
d = bytearray(data)
for i in range(struct.unpack_from('<H', data, 56)[0]):
    off = phoff + 56 * i
    if struct.unpack_from('<I', d, off)[0] == 1:
        struct.pack_into('<Q', d, off + 16, 0xffff800000000000)   # vaddr in the kernel half
        break
open(sys.argv[2] + '/kernelvaddr.elf', 'wb').write(d)
PY
if boot bad-elf 0 "$OUT/elf/truncated.elf" "$OUT/elf/text.elf" "$OUT/elf/class32.elf" "$OUT/elf/phoff.elf" \
        "$OUT/elf/entry.elf" "$OUT/elf/kernelvaddr.elf" "$U/hello.elf"; then
    ok=1
    for e in 'truncated: file too small|truncated: program headers outside' 'text: not an ELF file' \
             'class32: not a 64-bit ELF' 'phoff: program headers outside the file' \
             'entry: entry point not in an executable segment' 'kernelvaddr: segment outside the user address range'; do
        has bad-elf "cannot start program ($e)" || { fail bad-elf "missing refusal: $e"; ok=0; break; }
    done
    [ $ok = 1 ] && { has bad-elf '^Hello from EdgeOS' && pass bad-elf || fail bad-elf "valid program did not run"; }
fi

# 11. threads (clone + futex under musl's pthreads) on every CPU
if boot threads 0 --smp 2 "$T/threads.elf"; then
    has threads '^threads: counter 120000 \(expected 120000\), join results sum 150' && \
        has threads '^fwp 1 \(threads\) exited with status 0' && pass threads || fail threads "wrong count or no clean exit"
fi
if boot threads-fault 0 --smp 2 "$T/threads.elf fault" "$T/survivor.elf"; then
    n=$(count threads-fault '^fwp 1 \(threads\) ended: page fault at address 0')
    [ "$n" = 1 ] && has threads-fault '^survivor: alive' && pass threads-fault || \
        fail threads-fault "a faulting thread must end its FWP once (got $n lines), neighbours unaffected"
fi
if boot threads-exit 0 --smp 2 "$T/threads.elf exit" "$T/survivor.elf"; then
    has threads-exit '^fwp 1 \(threads\) exited with status 7' && pass threads-exit || \
        fail threads-exit "exit() from one thread did not end the FWP with status 7"
fi

# 12. no programs: the kernel powers off cleanly
if boot no-programs 0; then
    has no-programs 'no programs to run, powering off' && pass no-programs || fail no-programs "no power-off message"
fi

# 13. the other accelerator path: KVM when usable (slow under PVM, but it must work)
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    if EDGEOS_ACCEL=kvm boot kvm-hello 0 "$U/hello.elf"; then
        has kvm-hello '^Hello from EdgeOS' && has kvm-hello 'accelerator kvm' && pass kvm-hello || fail kvm-hello "hello did not run under KVM"
    fi
else
    echo "SKIP kvm-hello: /dev/kvm is not usable (TCG path covered by the other tests)"
fi
