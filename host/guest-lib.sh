# Shell helpers for scripts that run an EdgeOS guest in the background
# (sourced by tests/net/run.sh and bench/edgeos-memcached/bench.sh).
# The caller starts host/edgeos-run with setsid and keeps its pid in VM_PID.

# stop_vm: ends the guest. The launcher runs in its own session, so the
# whole process group, which holds QEMU too, is signalled.
stop_vm() {
    [ -n "$VM_PID" ] || return 0
    kill -TERM -- "-$VM_PID" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$VM_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$VM_PID" 2>/dev/null
    wait "$VM_PID" 2>/dev/null
    VM_PID=
}
