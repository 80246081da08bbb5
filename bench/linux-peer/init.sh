#!/bin/sh
# /init of the Linux peer guest of the isolation benchmark (bench/linux-peer).
#
# Tenant "a" (cgroup /sys/fs/cgroup/a): memcached on UDP 11211, preloaded with
# key:0..key:99 (32-byte values). Tenant "b" (cgroup /sys/fs/cgroup/b): the
# load chosen by peer.case= on the kernel command line:
#   idle       nothing
#   spin20     two spinners (one per CPU), cpu.max "4000 10000": b may use
#              0.4 CPU in total, i.e. 20 % of the two-CPU machine
#   spin100    two spinners (one per CPU), cpu.max "max 10000"
#   forkbomb   fork bomb (each child touches 1 MiB) under memory.max 32M
#   flood      a second memcached on UDP 7007 that the host floods
#   deploy:N   after READY, N memcached processes on UDP 12000..12000+N-1,
#              timed from start until the first and the last one answer
#   mc:N       no tenants: N memcached processes, instance i on TCP and UDP
#              port 11211+i, for bench-memcached (reached over a TAP, see
#              peer.ip); then "PEER MC-READY"
#   startup    no tenants: the start-up benchmark's Linux rows (startup-peers,
#              TSC times, peer.startup_iter iterations per row, default 200;
#              runc_run is left out: there is no runc in the guest; unpinned,
#              or pinned to CPU peer.startup_cpu=N), its CSV as
#              "PEER STARTUP-CSV " lines, then "PEER STARTUP-DONE"
#   icount     no tenants: one memcached (UDP 11211, TCP 11212, preloaded),
#              then icount_peers runs each operation peer.icount_k times
#              (default 50) between instruction-count markers; its
#              "icount-name,ID,OPERATION" lines, then "PEER ICOUNT-DONE"
#
# peer.poweroff=1 powers the guest off once startup or icount is done.
#
# Network: eth0 gets peer.ip (default 10.0.2.15/24, QEMU user networking)
# with the default route via peer.gw (default 10.0.2.2).
#
# Lines for the host on the serial console (all start with "PEER "):
#   PEER TSC hz=.. source=.. guest_calibrated=..
#   PEER READY case=CASE                 tenant a answers a local UDP get
#   PEER DEPLOY-START                    deploy cases: the clock starts
#   PEER DEPLOY-INFO n=N spawned_ms=.. spawn_failures=..   all N started
#   PEER DEPLOY n=N first_ms=X last_ms=Y first/last instance answers
#   PEER DEPLOY-MEM b_memory_current=.. anon=.. ..          b's memory after
#   PEER STAT b_usage_usec=.. a_usage_usec=.. b_oom_kills=.. t_ms=..   every 2 s
#   PEER MC-READY n=N ..                 mc:N: all N started, the first and
#                                        the last port answered a UDP get
#   PEER MC-STAT n=N procs=.. ..         mc:N: memory and OOM kills every 10 s
#   PEER STARTUP-START iterations=N rows=.. cpu=C   startup: the benchmark begins
#   PEER STARTUP-CSV LINE                startup: one line of its CSV (header
#                                        first), columns as startup-peers.csv
#   PEER STARTUP-DONE status=S ms=T      startup: finished (S: exit status)
#   icount-name,ID,OPERATION             icount: what marker id ID measures
#   icount-ok,ID,K                       icount: K marked runs of ID done
#   PEER ICOUNT-DONE                     icount: every operation was run
#   PEER ERROR ...                       something went wrong (the guest idles on)
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
CG=/sys/fs/cgroup

err() { echo "PEER ERROR $*"; }
idle_forever() { while :; do sleep 3600; done; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 $CG || err "mounting cgroup2"
echo "+cpu +memory +pids" > $CG/cgroup.subtree_control || err "enabling cpu/memory/pids controllers"

# Debian's kernel backs anonymous memory with 2 MiB pages whenever it can
# (THP "always"); that gives each small memcached a 2 MiB page for a malloc
# arena and 1000 of them would not fit in 2 GiB. "madvise" (huge pages only
# where asked for) is used for all cases.
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled || err "setting THP to madvise"

CASE=idle
TSC_HZ=
VERBOSE=0
STARTUP_ITER=200
STARTUP_CPU=
ICOUNT_K=50
POWEROFF=0
IP=10.0.2.15/24
GW=10.0.2.2
for w in $(cat /proc/cmdline); do
    case "$w" in
        peer.case=*) CASE=${w#peer.case=} ;;
        peer.ip=*) IP=${w#peer.ip=} ;;
        peer.gw=*) GW=${w#peer.gw=} ;;
        peer.tsc_hz=*) TSC_HZ=${w#peer.tsc_hz=} ;;
        peer.verbose=*) VERBOSE=${w#peer.verbose=} ;;
        peer.startup_iter=*) STARTUP_ITER=${w#peer.startup_iter=} ;;
        peer.startup_cpu=*) STARTUP_CPU=${w#peer.startup_cpu=} ;;
        peer.icount_k=*) ICOUNT_K=${w#peer.icount_k=} ;;
        peer.poweroff=*) POWEROFF=${w#peer.poweroff=} ;;
    esac
done

# virtio-mmio transports are described by microvm's ACPI tables (LNRO0005)
for m in $(cat /lib/modules/order); do
    insmod /lib/modules/$m.ko || err "insmod $m"
done
# Kernel messages (OOM kills above all) would mix with the PEER lines.
[ "$VERBOSE" = 1 ] || echo 1 > /proc/sys/kernel/printk

i=0
while ! [ -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
[ -e /sys/class/net/eth0 ] || err "no eth0 (virtio-net not found)"
ip link set lo up
ip addr add "$IP" dev eth0 || err "ip addr add $IP"
ip link set eth0 up
ip route add default via "$GW" || err "ip route add default via $GW"

# TSC frequency: the host's (the same under TCG) when boot.sh passes it,
# otherwise calibrated here against CLOCK_MONOTONIC.
GUEST_HZ=$(probe tsc-hz 500)
if [ -n "$TSC_HZ" ]; then
    echo "PEER TSC hz=$TSC_HZ source=cmdline guest_calibrated=$GUEST_HZ"
else
    TSC_HZ=$GUEST_HZ
    echo "PEER TSC hz=$TSC_HZ source=guest guest_calibrated=$GUEST_HZ"
fi

mkdir -p $CG/a $CG/b

# Runs a command in cgroup $1 (the shell moves itself there, then execs).
run_in() {
    cg=$1
    shift
    sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG/$cg" "$@"
}

# ---- mc:N (bench-memcached): N memcached, no tenants ----
case "$CASE" in
    mc:*)
        N=${CASE#mc:}
        case "$N" in ''|*[!0-9]*|0) err "bad case $CASE"; idle_forever ;; esac
        # sized like deploy:N, TCP and UDP on the same port; no memory limit,
        # as there is no other tenant. 1000 of them fit in the 2 GiB guest
        # while empty (~1.4 MiB each); storing items costs each one a 1 MiB
        # slab page, which 1000 do not have room for. Under TCG, with the
        # host loaded, starting 1000 took up to ~14 min here: hence the
        # 30 min the first and the last port may take to answer.
        probe deploy "$TSC_HZ" "$N" 11211 $CG/b 1800000 /tmp/mc.log -- \
            /usr/bin/memcached -p %p -U %p -t 1 -m 1 -I 256k -o slab_chunk_max=128 -c 64 -u root ||
            { err "mc: $(tail -n 3 /tmp/mc.log 2>/dev/null)"; idle_forever; }
        ms() { sed -n "s/^$1 //p" $CG/b/memory.stat; }
        mc_stat() {
            echo "PEER $1 n=$N procs=$(wc -l < $CG/b/cgroup.procs) b_memory_current=$(cat $CG/b/memory.current)" \
                "anon=$(ms anon) sock=$(ms sock) anon_thp=$(ms anon_thp)" \
                "oom_kills=$(sed -n 's/^oom_kill //p' $CG/b/memory.events)" \
                "avail_kb=$(sed -n 's/^MemAvailable: *\([0-9]*\).*/\1/p' /proc/meminfo)"
        }
        mc_stat MC-READY
        # the same figures every 10 s, so the host can tell a guest short of
        # memory (or losing processes) from a slow one
        while :; do sleep 10; mc_stat MC-STAT; done
        ;;
esac

# ---- startup and icount: one program each, nothing else running ----
# Powers off (peer.poweroff=1) or idles, once a case is done.
case_done() {
    if [ "$POWEROFF" = 1 ]; then sync; poweroff -f; fi
    idle_forever
}
case "$CASE" in
    startup)
        case "$STARTUP_ITER" in ''|*[!0-9]*|0) err "bad peer.startup_iter=$STARTUP_ITER"; STARTUP_ITER=200 ;; esac
        # every start-up row that works here; runc_run needs runc, which the
        # guest does not have
        ROWS=linux_fork_exec,linux_posix_spawn,linux_vfork_exec,linux_fork,linux_pthread_create
        PIN=
        case "$STARTUP_CPU" in '') ;; *[!0-9]*) err "bad peer.startup_cpu=$STARTUP_CPU" ;; *) PIN="--cpu $STARTUP_CPU" ;; esac
        echo "PEER STARTUP-START iterations=$STARTUP_ITER rows=$ROWS cpu=${STARTUP_CPU:-any}"
        t0=$(probe tsc)
        # CLOCK_MONOTONIC ticks in 4 ms steps here: every time from the TSC
        startup-peers --tsc-hz "$TSC_HZ" --iterations "$STARTUP_ITER" --only "$ROWS" $PIN \
            --csv /tmp/startup.csv > /tmp/startup.log 2>&1
        rc=$?
        t1=$(probe tsc)
        [ $rc = 0 ] || err "startup-peers exited with status $rc: $(tail -n 4 /tmp/startup.log | tr '\n' ' ')"
        [ -f /tmp/startup.csv ] && sed 's/^/PEER STARTUP-CSV /' /tmp/startup.csv
        echo "PEER STARTUP-DONE status=$rc ms=$(( (t1 - t0) / (TSC_HZ / 1000) ))"
        case_done
        ;;
    icount)
        case "$ICOUNT_K" in ''|*[!0-9]*|0) err "bad peer.icount_k=$ICOUNT_K"; ICOUNT_K=50 ;; esac
        # one memcached for both protocols, preloaded with key:0..key:99
        memcached -U 11211 -p 11212 -t 1 -m 64 -u root > /tmp/mc.log 2>&1 &
        # (without it the memcached operations fail and the others still run)
        probe wait 127.0.0.1 11211 60000 && probe preload 127.0.0.1 11211 100 ||
            err "icount: memcached does not answer: $(cat /tmp/mc.log)"
        echo "PEER ICOUNT-START k=$ICOUNT_K"
        icount_peers --k "$ICOUNT_K" || err "icount_peers exited with status $?"
        echo "PEER ICOUNT-DONE"
        case_done
        ;;
esac

# ---- tenant a ----
run_in a memcached -U 11211 -p 0 -t 1 -m 64 -u root > /tmp/a.log 2>&1 &
if ! probe wait 127.0.0.1 11211 60000; then
    err "tenant a memcached does not answer: $(cat /tmp/a.log)"
    idle_forever
fi
probe preload 127.0.0.1 11211 100 || err "preloading tenant a"

# ---- tenant b ----
DEPLOY_N=
case "$CASE" in
    idle) ;;
    spin20|spin100)
        if [ "$CASE" = spin20 ]; then echo "4000 10000" > $CG/b/cpu.max; else echo "max 10000" > $CG/b/cpu.max; fi
        run_in b taskset -c 0 spin &
        run_in b taskset -c 1 spin &
        ;;
    forkbomb)
        echo 32M > $CG/b/memory.max
        echo max > $CG/b/pids.max
        run_in b bomb &
        ;;
    flood)
        run_in b memcached -U 7007 -p 0 -t 1 -m 64 -u root > /tmp/b.log 2>&1 &
        probe wait 127.0.0.1 7007 60000 || err "tenant b memcached (7007) does not answer: $(cat /tmp/b.log)"
        ;;
    deploy:*)
        DEPLOY_N=${CASE#deploy:}
        case "$DEPLOY_N" in ''|*[!0-9]*) err "bad case $CASE"; DEPLOY_N= ;; esac
        # 1000 of these memcached take about 1.3 GiB (anon ~1.05 MiB, kernel
        # stacks 112 KiB, page tables 80 KiB, slab 105 KiB each); the limit
        # leaves room for that and keeps ~300 MiB of the 2 GiB for the rest
        echo 1664M > $CG/b/memory.max
        echo max > $CG/b/pids.max
        ;;
    *) err "unknown case $CASE" ;;
esac

# ---- ready ----
if probe wait 127.0.0.1 11211 60000 key:1 && probe get 127.0.0.1 11211 key:1 5000 > /dev/null; then
    echo "PEER READY case=$CASE"
else
    err "tenant a does not answer get key:1"
fi
probe stat "$TSC_HZ" 2000 $CG &

if [ -n "$DEPLOY_N" ]; then
    # -m 1 needs a maximum item size under half of it (and a slab chunk
    # limit under that); -c 64 keeps the per-process connection tables small
    probe deploy "$TSC_HZ" "$DEPLOY_N" 12000 $CG/b 600000 /tmp/deploy.log -- \
        /usr/bin/memcached -U %p -p 0 -t 1 -m 1 -I 256k -o slab_chunk_max=128 -c 64 -u root ||
        err "deploy: $(tail -n 3 /tmp/deploy.log 2>/dev/null)"
    ms() { sed -n "s/^$1 //p" $CG/b/memory.stat; }
    echo "PEER DEPLOY-MEM b_memory_current=$(cat $CG/b/memory.current) anon=$(ms anon) file=$(ms file)" \
        "anon_thp=$(ms anon_thp) kernel_stack=$(ms kernel_stack) pagetables=$(ms pagetables) slab=$(ms slab) sock=$(ms sock)" \
        "b_procs=$(wc -l < $CG/b/cgroup.procs) avail_kb=$(sed -n 's/^MemAvailable: *\([0-9]*\).*/\1/p' /proc/meminfo)"
fi

idle_forever
