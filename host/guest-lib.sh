# Shell helpers for scripts that run an EdgeOS guest in the background
# (sourced by tests/net/run.sh and bench/edgeos-memcached/bench.sh).
# The caller starts host/edgeos-run with setsid and keeps its pid in VM_PID.

# vm_running: whether the launcher in VM_PID still runs. `kill -0` alone
# is not enough: a launcher that has exited but was not yet waited for is
# a zombie, which kill -0 still finds.
vm_running() {
    [ -n "$VM_PID" ] && kill -0 "$VM_PID" 2>/dev/null || return 1
    ! grep -qs '^State:[[:space:]]*Z' "/proc/$VM_PID/status"
}

# stop_vm: ends the guest. The launcher runs in its own session, so the
# whole process group, which holds QEMU too, is signalled.
stop_vm() {
    [ -n "$VM_PID" ] || return 0
    kill -TERM -- "-$VM_PID" 2>/dev/null
    for _ in $(seq 30); do vm_running || break; sleep 0.1; done
    kill -KILL -- "-$VM_PID" 2>/dev/null
    wait "$VM_PID" 2>/dev/null
    VM_PID=
}
