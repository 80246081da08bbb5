/* EdgeOS system-call numbers and structures, shared by the kernel and
 * libedgeos. The number passed in rax is EOS_SYSCALL_BASE + EOS_SYS_*;
 * arguments in rdi, rsi, rdx, r10, r8, r9; negative errno on failure.
 * "cap" arguments are indices into the caller's capability table. */
#ifndef EDGEOS_SYSCALLS_H
#define EDGEOS_SYSCALLS_H
#include <stdint.h>

#define EOS_SYSCALL_BASE 0x1000

enum {
    EOS_SYS_MEM_INFO = 0,      /* (struct eos_mem_info *out) */
    EOS_SYS_CHECKPOINT = 1,    /* () -> in each fork: its FWP id (rdx: random seed); never returns in the template */
    EOS_SYS_TEMPLATE_OPEN = 2, /* (const char *name, flags) -> template cap; waits for the checkpoint (flags 1:
                                  -EAGAIN instead); root FWPs open any tenant's templates, others their own tenant's */
    EOS_SYS_FORK = 3,          /* (tmpl cap, flags, cpu or -1) -> FWP cap */
    EOS_SYS_ACTIVATE = 4,      /* (fwp cap, arg) start a parked FWP; arg arrives in its rsi */
    EOS_SYS_RESET = 5,         /* (fwp cap, flags, arg) parked FWP back to its template state -> pages restored */
    EOS_SYS_DESTROY = 6,       /* (cap) end the FWP (or template), free its memory, delete the cap */
    EOS_SYS_PARK = 7,          /* () wait to be reset/activated -> new FWP id */
    EOS_SYS_WAIT_PARKED = 8,   /* (fwp cap) wait until it has parked */
    EOS_SYS_POOL_FILL = 9,     /* (tmpl cap, cpu, n) pre-fork n parked FWPs on cpu -> number added */
    EOS_SYS_POOL_TAKE = 10,    /* (tmpl cap, flags, arg) -> FWP cap from this CPU's pool, activated if EOS_START */
    EOS_SYS_FWP_INFO = 11,     /* (fwp cap, struct eos_fwp_info *out) */
    EOS_SYS_CAP_DELETE = 12,   /* (cap) */
    EOS_SYS_CPU = 13,          /* () -> the CPU the caller runs on */
    EOS_SYS_NCPUS = 14,        /* () -> CPUs online */
    EOS_SYS_ENDPOINT_CREATE = 15,     /* () -> endpoint cap (all rights) */
    EOS_SYS_NOTIFICATION_CREATE = 16, /* () -> notification cap */
    /* IPC: message words w0..w3 travel in rsi, rdx, r10, r8 both ways. */
    EOS_SYS_CALL = 17,         /* (ep cap, w0..w3) -> 0 and the reply words; -EPIPE if the server died */
    EOS_SYS_RECV = 18,         /* (ep cap) -> the caller's badge and its words */
    EOS_SYS_REPLY = 19,        /* (-, w0..w3) answer the last caller */
    EOS_SYS_REPLY_RECV = 20,   /* (ep cap, w0..w3) answer, then wait for the next call */
    EOS_SYS_SIGNAL = 21,       /* (notification cap, bits) */
    EOS_SYS_WAIT = 22,         /* (notification cap) -> pending bits (cleared) */
    EOS_SYS_CAP_MINT = 23,     /* (cap, rights, badge) -> new cap with fewer rights / a badge */
    EOS_SYS_CAP_GRANT = 24,    /* (fwp cap, cap, rights, badge) -> index in the target FWP's table */
    EOS_SYS_CAP_REVOKE = 25,   /* (fwp cap, index) remove a capability from an FWP you hold */
    EOS_SYS_CAP_TAKE = 26,     /* (fwp cap, index) copy a capability out of an FWP you hold -> your index */
    /* Devices: root FWPs list and open them; a device capability (which
     * root may grant to a driver FWP) maps the device and binds its interrupt.
     * The first FWP to map a device owns it; when it ends the device is reset. */
    EOS_SYS_DEV_INFO = 27,     /* (index, struct eos_dev_info *out) -> 0, -ENOENT past the last device (root) */
    EOS_SYS_DEV_MAP = 28,      /* (device cap) map the device's MMIO window (uncached) -> user address */
    EOS_SYS_DMA_ALLOC = 29,    /* (struct eos_dma *out) one zeroed 4 KiB page, charged to the caller (root or device owner) */
    /* Channels: the memory mover. A receiver registers a ring in its own
     * memory; senders hand the kernel batches of buffers in theirs, and the
     * kernel copies each into the next free slot. No memory is shared. */
    EOS_SYS_CHAN_CREATE = 30,  /* (ring address, ring bytes, notification cap or -1) -> channel cap */
    EOS_SYS_CHAN_SEND = 31,    /* (channel cap, struct eos_chan_desc *batch, count) -> buffers copied */
    EOS_SYS_NANOSLEEP_NS = 32, /* (ns) sleep; the CPU halts if nothing else runs */
    EOS_SYS_TIMER_SET = 34,    /* (notification cap, bits, ns) signal bits once, ns from now */
    EOS_SYS_DEV_OPEN = 35,     /* (index) -> device cap (root) */
    EOS_SYS_IRQ_BIND = 33,     /* (device cap, notification cap, bits) the device's interrupts signal bits;
                                  edge-triggered: acknowledge at the device, then poll once more before waiting */
    /* A device whose register window shares its page with another device's
     * cannot be mapped (DEV_MAP answers -EXDEV): its owner reaches the
     * registers through these two calls, which check the offset. */
    EOS_SYS_DEV_READ = 36,     /* (device cap, offset, width 1|2|4) -> value */
    EOS_SYS_DEV_WRITE = 37,    /* (device cap, offset, value, width 1|2|4) */
    /* Tenants: accounting and isolation domains (docs/tenants.md). Every FWP
     * belongs to one; boot programs to the system tenant. Root FWPs only,
     * except TENANT_INFO on the caller's own tenant (cap -1). */
    EOS_SYS_TENANT_CREATE = 38, /* (const struct eos_tenant_cfg *) -> tenant cap */
    EOS_SYS_TENANT_SET = 39,    /* (tenant cap, const struct eos_tenant_cfg *) new limits; -EBUSY if memory in use exceeds the new quota */
    EOS_SYS_TENANT_INFO = 40,   /* (tenant cap or -1 = own tenant, struct eos_tenant_info *out) */
    EOS_SYS_TENANT_KILL = 41,   /* (tenant cap) end every FWP of the tenant; it creates no new ones */
    /* A new program in a tenant, from an ELF image in the caller's memory or a
     * built-in image (a boot module given @image=NAME). Validated before
     * anything is created; the reason for a refusal is copied to why[]. */
    EOS_SYS_SPAWN = 42,         /* (tenant cap, struct eos_spawn *) -> FWP cap (root); with EOS_SPAWN_CHECK the cap may be -1 */
    /* Inbox: the receive ring an FWP declares (before its checkpoint, so every
     * fork has it at the same address); whoever holds the FWP's capability
     * can attach a channel to it without the FWP's help. */
    EOS_SYS_INBOX_SET = 43,     /* (ring address, ring bytes) */
    EOS_SYS_CHAN_ATTACH = 44,   /* (fwp cap, notification cap or -1) -> channel cap into that FWP's inbox */
    /* System registry: root FWPs publish capabilities under names for each other. */
    EOS_SYS_REGISTRY_PUT = 45,  /* (cap, const char *name) -> 0, -EEXIST */
    EOS_SYS_REGISTRY_GET = 46,  /* (const char *name) -> cap (a copy, same rights), -ENOENT */
};

/* ---- tenants ---- */
#define EOS_NAME_MAX 32
struct eos_tenant_cfg {
    char name[16];             /* for logs; NUL-terminated */
    uint64_t mem_limit;        /* bytes: frames and kernel objects of all its FWPs */
    uint32_t cpu_budget_us;    /* CPU time per period on each CPU; 0 = no limit */
    uint32_t cpu_period_us;    /* 0 = 10000 */
};

struct eos_tenant_info {
    uint64_t id;
    char name[16];
    uint64_t mem_limit, mem_used;      /* bytes */
    uint64_t frames;                   /* of mem_used: whole frames (pages, page tables, DMA) */
    uint64_t fwps;                     /* FWPs alive (templates included) */
    uint64_t cpu_ns;                   /* CPU time used since creation, all CPUs */
    uint64_t throttled;                /* times a CPU stopped running it for the rest of a period */
    uint32_t cpu_budget_us, cpu_period_us;
    uint32_t killed, reserved;
};

#define EOS_SPAWN_CHECK 1u             /* validate the image only; create nothing */
struct eos_spawn {
    uint64_t image, image_len;         /* ELF image in the caller's memory; image = 0: built-in */
    char builtin[EOS_NAME_MAX];        /* built-in image name when image == 0 */
    char name[EOS_NAME_MAX];           /* the new FWP's name (template_open finds it by this name) */
    uint64_t mem_limit;                /* bytes: frame quota of the FWP and of each fork of it */
    uint64_t stack;                    /* bytes reserved for the main stack, 0 = 1 MiB */
    uint64_t argv;                     /* const char *const argv[] in the caller's memory (argv[0] first), NULL-terminated */
    int32_t cpu;                       /* CPU of its first thread, -1 = any */
    uint32_t flags;                    /* EOS_SPAWN_* */
    char why[96];                      /* out: why the image or arguments were refused */
};

/* ---- devices ---- */
struct eos_dev_info {
    uint64_t mmio_phys, mmio_size;
    uint32_t irq;              /* interrupt line, 0 if unknown */
    uint32_t virtio_id;        /* virtio device id (1 = net), 0 if none */
};

struct eos_dma {
    uint64_t va, pa;           /* the page in the caller's space and its physical address */
};

/* ---- channels ----
 * Ring layout (in the receiver's memory, page aligned, bytes = 64 + nslots * EOS_CHAN_SLOT):
 *   struct eos_chan_ring header, then nslots slots of EOS_CHAN_SLOT bytes.
 * The kernel writes slots[prod % nslots] and then advances prod; the
 * receiver reads slots[cons % nslots] while cons != prod and advances cons.
 * The kernel trusts nothing it reads back from the ring (cons is clamped). */
#define EOS_CHAN_SLOT 2048
#define EOS_CHAN_DATA (EOS_CHAN_SLOT - 24)

struct eos_chan_ring {
    volatile uint32_t prod;    /* written by the kernel */
    volatile uint32_t cons;    /* written by the receiver */
    uint32_t nslots;           /* set by the kernel at CHAN_CREATE */
    uint32_t dropped;          /* sends refused because the ring was full */
    uint8_t pad[48];
};

struct eos_chan_slot {
    uint32_t len;              /* bytes of data */
    uint32_t meta;             /* sender-defined (e.g. a port) */
    uint64_t aux;              /* sender-defined (e.g. a peer address) */
    uint32_t sender;           /* written by the kernel: the badge of the sender's capability */
    uint32_t reserved;
    uint8_t data[EOS_CHAN_DATA];
};

struct eos_chan_desc {
    uint64_t buf;              /* sender's buffer */
    uint32_t len;              /* at most EOS_CHAN_DATA */
    uint32_t meta;
    uint64_t aux;
};

/* Capability rights */
#define EOS_RIGHT_SEND  1u
#define EOS_RIGHT_RECV  2u
#define EOS_RIGHT_GRANT 4u

#define EOS_START 1            /* FORK / RESET / POOL_TAKE: run it now (else parked) */
/* FORK: charge the fork (its memory, its FWP count) to the tenant of
 * another template the caller holds, whose capability index is in bits
 * 32..63 of flags, instead of its own template's tenant: the nic forks an
 * NF in front of a tenant's service as part of that tenant. */
#define EOS_FORK_CHARGE_AS 2
#define EOS_FORK_CHARGE_CAP(cap) (EOS_FORK_CHARGE_AS | ((uint64_t)(cap) << 32))

struct eos_mem_info {
    uint64_t frames_free, frames_total;   /* whole machine */
    uint64_t quota_frames, used_frames;   /* calling FWP */
    uint64_t kstack_frames;               /* frames held by kernel stacks (live or cached) */
    uint64_t live_fwps;
    uint64_t tsc_hz;                      /* for converting rdtsc to time */
    uint64_t kheap_frames;                /* frames of the kernel's object heap */
    uint64_t system_frames;               /* frames held by the system tenant's FWPs */
};

struct eos_fwp_info {
    uint64_t id, state, parked, used_frames, quota_frames;
    uint64_t is_template;      /* it has checkpointed */
};
#endif
