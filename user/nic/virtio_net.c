/* virtio-net over virtio-mmio (virtio 1.x, "modern" register layout),
 * polled from user level. See virtio_net.h for the ring/buffer model.
 *
 * Ordering: the device runs concurrently (another host thread). Before we
 * publish avail->idx the descriptors and ring entries must be visible
 * (release fence); after we read used->idx the entries it covers must be
 * read afterwards (acquire fence); the used-ring flags that say whether to
 * notify may only be read after avail->idx is globally visible (full fence,
 * a store->load ordering x86 does not give for free). */
#include <errno.h>
#include <string.h>
#include "edgeos.h"
#include "virtio_net.h"

/* Register offsets (virtio-mmio, version 2), in bytes. */
enum {
    VIRTIO_MMIO_MAGIC = 0x000,
    VIRTIO_MMIO_VERSION = 0x004,
    VIRTIO_MMIO_DEVICE_ID = 0x008,
    VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
    VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
    VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
    VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
    VIRTIO_MMIO_QUEUE_SEL = 0x030,
    VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
    VIRTIO_MMIO_QUEUE_NUM = 0x038,
    VIRTIO_MMIO_QUEUE_READY = 0x044,
    VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
    VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
    VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
    VIRTIO_MMIO_STATUS = 0x070,
    VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,
    VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
    VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,
    VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
    VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,
    VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
    VIRTIO_MMIO_CONFIG = 0x100,
};
#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u   /* "virt" */
#define VIRTIO_ID_NET 1

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_FAILED      128u

/* Feature bits we accept; nothing else (no offloads, no merged buffers,
 * no event index), which keeps the header at a fixed 12 bytes and every
 * frame in one buffer. */
#define VIRTIO_NET_F_MAC  5
#define VIRTIO_F_VERSION_1 32

static uint32_t virtio_rd(struct virtio_net *vn, unsigned off) { return vn->regs[off / 4]; }
static void virtio_wr(struct virtio_net *vn, unsigned off, uint32_t v) { vn->regs[off / 4] = v; }

static int virtio_find(struct virtio_net *vn)
{
    struct eos_dev_info di;
    for (long i = 0;; i++) {
        long r = eos_dev_info(i, &di);
        if (r == -ENOENT)
            return -ENODEV;
        if (r < 0)
            return (int)r;
        if (di.virtio_id != VIRTIO_ID_NET)
            continue;
        long cap = eos_dev_open(i);         /* the device capability */
        void *w = cap >= 0 ? eos_dev_map(cap) : NULL;
        if (!w)
            return -EIO;
        vn->regs = w;
        vn->dev_cap = cap;
        return 0;
    }
}

void virtio_net_irq_ack(struct virtio_net *vn)
{
    uint32_t isr = vn->regs[0x060 / 4];    /* interrupt status */
    if (isr)
        vn->regs[0x064 / 4] = isr;         /* interrupt ack: the line drops */
}

static int virtio_dma_page(uint8_t **va, uint64_t *pa)
{
    struct eos_dma d;
    long r = eos_dma_alloc(&d);
    if (r < 0)
        return (int)r;
    *va = (uint8_t *)(uintptr_t)d.va;
    *pa = d.pa;
    return 0;
}

/* Allocates one queue's rings (a page each) and buffers (two per page) and
 * hands the ring addresses to the device. */
static int virtq_setup(struct virtio_net *vn, struct virtq *q, uint16_t index)
{
    virtio_wr(vn, VIRTIO_MMIO_QUEUE_SEL, index);
    if (virtio_rd(vn, VIRTIO_MMIO_QUEUE_READY))
        return -EBUSY;
    uint32_t max = virtio_rd(vn, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (max == 0)
        return -ENODEV;
    /* Split-ring sizes are powers of two; ring positions below are taken
     * modulo size with a mask, which needs that. */
    uint16_t size = VIRTIO_QSIZE;
    while (size > max)
        size /= 2;
    q->index = index;
    q->size = size;
    uint8_t *va[3] = { 0 };
    uint64_t pa[3] = { 0 };
    for (int i = 0; i < 3; i++) {
        int r = virtio_dma_page(&va[i], &pa[i]);
        if (r < 0)
            return r;
    }
    _Static_assert(sizeof(struct virtq_desc) * VIRTIO_QSIZE <= 4096, "descriptor table fits a page");
    _Static_assert(sizeof(struct virtq_used) <= 4096, "used ring fits a page");
    q->desc = (volatile struct virtq_desc *)va[0];
    q->avail = (volatile struct virtq_avail *)va[1];
    q->used = (volatile struct virtq_used *)va[2];
    for (unsigned i = 0; i < size; i += 2) {
        uint8_t *bva = NULL;
        uint64_t bpa = 0;
        int r = virtio_dma_page(&bva, &bpa);
        if (r < 0)
            return r;
        for (unsigned k = 0; k < 2 && i + k < size; k++) {
            q->buf_va[i + k] = bva + k * VIRTIO_BUF_SIZE;
            q->buf_pa[i + k] = bpa + k * VIRTIO_BUF_SIZE;
        }
    }
    for (unsigned i = 0; i < size; i++) {
        q->desc[i].addr = q->buf_pa[i];
        q->desc[i].len = VIRTIO_BUF_SIZE;
        q->desc[i].flags = 0;
        q->desc[i].next = 0;
    }
    virtio_wr(vn, VIRTIO_MMIO_QUEUE_NUM, size);
    virtio_wr(vn, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)pa[0]);
    virtio_wr(vn, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(pa[0] >> 32));
    virtio_wr(vn, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)pa[1]);
    virtio_wr(vn, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(pa[1] >> 32));
    virtio_wr(vn, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)pa[2]);
    virtio_wr(vn, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(pa[2] >> 32));
    virtio_wr(vn, VIRTIO_MMIO_QUEUE_READY, 1);
    return 0;
}

static void virtq_notify(struct virtio_net *vn, struct virtq *q)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* avail->idx visible before reading flags */
    q->kicked = q->avail_idx;
    if (q->used->flags & VIRTQ_USED_F_NO_NOTIFY)
        return;
    virtio_wr(vn, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
    vn->notifies++;
}

static void virtq_publish(struct virtq *q)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);   /* ring entries before the index */
    q->avail->idx = q->avail_idx;
}

int virtio_net_init(struct virtio_net *vn, const char **why)
{
    memset(vn, 0, sizeof *vn);
    int r = virtio_find(vn);
    if (r < 0) {
        *why = "no virtio-net device";
        return r;
    }
    if (virtio_rd(vn, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE || virtio_rd(vn, VIRTIO_MMIO_VERSION) != 2 ||
        virtio_rd(vn, VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_NET) {
        *why = "not a virtio 1.x (version 2) MMIO net device (QEMU needs virtio-mmio.force-legacy=false)";
        return -ENODEV;
    }
    virtio_wr(vn, VIRTIO_MMIO_STATUS, 0);                       /* reset */
    while (virtio_rd(vn, VIRTIO_MMIO_STATUS) != 0)
        ;
    uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE;
    virtio_wr(vn, VIRTIO_MMIO_STATUS, st);
    st |= VIRTIO_STATUS_DRIVER;
    virtio_wr(vn, VIRTIO_MMIO_STATUS, st);

    virtio_wr(vn, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t dev = virtio_rd(vn, VIRTIO_MMIO_DEVICE_FEATURES);
    virtio_wr(vn, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    dev |= (uint64_t)virtio_rd(vn, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    if (!(dev & (1ull << VIRTIO_F_VERSION_1))) {
        virtio_wr(vn, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_FAILED);
        *why = "device does not offer VIRTIO_F_VERSION_1";
        return -ENODEV;
    }
    uint64_t want = (1ull << VIRTIO_F_VERSION_1) | (dev & (1ull << VIRTIO_NET_F_MAC));
    virtio_wr(vn, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    virtio_wr(vn, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)want);
    virtio_wr(vn, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    virtio_wr(vn, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(want >> 32));
    st |= VIRTIO_STATUS_FEATURES_OK;
    virtio_wr(vn, VIRTIO_MMIO_STATUS, st);
    if (!(virtio_rd(vn, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_wr(vn, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_FAILED);
        *why = "device refused our features";
        return -ENODEV;
    }

    if (want & (1ull << VIRTIO_NET_F_MAC)) {
        /* The generation counter changes if the device updates its config
         * while we read it; read until two counters agree. */
        uint32_t gen;
        do {
            gen = virtio_rd(vn, VIRTIO_MMIO_CONFIG_GENERATION);
            volatile uint8_t *cfg = (volatile uint8_t *)vn->regs + VIRTIO_MMIO_CONFIG;
            for (int i = 0; i < 6; i++)
                vn->mac[i] = cfg[i];
        } while (gen != virtio_rd(vn, VIRTIO_MMIO_CONFIG_GENERATION));
    } else {
        static const uint8_t fallback[6] = { 0x52, 0x54, 0x00, 0xed, 0x6e, 0x05 };  /* locally administered */
        memcpy(vn->mac, fallback, 6);
    }

    if ((r = virtq_setup(vn, &vn->rx, 0)) < 0 || (r = virtq_setup(vn, &vn->tx, 1)) < 0) {
        virtio_wr(vn, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_FAILED);
        *why = "queue set-up failed (device queue or DMA memory)";
        return r;
    }
    /* Receive: every descriptor is device-writable and posted now. */
    struct virtq *rx = &vn->rx;
    for (uint16_t i = 0; i < rx->size; i++) {
        rx->desc[i].flags = VIRTQ_DESC_F_WRITE;
        rx->avail->ring[i] = i;
    }
    rx->avail_idx = rx->size;
    /* Transmit: every descriptor starts free. */
    struct virtq *tx = &vn->tx;
    for (uint16_t i = 0; i < tx->size; i++)
        tx->free[i] = (uint16_t)(tx->size - 1 - i);
    tx->nfree = tx->size;

    st |= VIRTIO_STATUS_DRIVER_OK;
    virtio_wr(vn, VIRTIO_MMIO_STATUS, st);
    virtq_publish(rx);
    virtq_notify(vn, rx);
    return 0;
}

int virtio_net_rx_poll(struct virtio_net *vn, struct virtio_rx *out, int max)
{
    struct virtq *q = &vn->rx;
    uint16_t used = q->used->idx;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);   /* entries read after the index */
    int n = 0;
    while (q->used_seen != used && n < max) {
        volatile struct virtq_used_elem *e = &q->used->ring[q->used_seen & (q->size - 1)];
        uint32_t id = e->id, len = e->len;
        q->used_seen++;
        if (id >= q->size)
            continue;                           /* a device bug; never index with it */
        if (len > VIRTIO_BUF_SIZE)
            len = VIRTIO_BUF_SIZE;
        out[n].id = (uint16_t)id;
        out[n].frame = q->buf_va[id] + VIRTIO_NET_HDR;
        out[n].len = len >= VIRTIO_NET_HDR ? len - VIRTIO_NET_HDR : 0;
        n++;
    }
    return n;
}

void virtio_net_rx_recycle(struct virtio_net *vn, const struct virtio_rx *rx, int n)
{
    struct virtq *q = &vn->rx;
    if (n <= 0)
        return;
    for (int i = 0; i < n; i++)
        q->avail->ring[q->avail_idx++ & (q->size - 1)] = rx[i].id;
    virtq_publish(q);
    virtq_notify(vn, q);
}

int virtio_net_tx_reclaim(struct virtio_net *vn)
{
    struct virtq *q = &vn->tx;
    uint16_t used = q->used->idx;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    int n = 0;
    while (q->used_seen != used) {
        uint32_t id = q->used->ring[q->used_seen & (q->size - 1)].id;
        q->used_seen++;
        if (id < q->size && q->nfree < q->size)
            q->free[q->nfree++] = (uint16_t)id;
        n++;
    }
    return n;
}

uint8_t *virtio_net_tx_buf(struct virtio_net *vn, uint16_t *id)
{
    struct virtq *q = &vn->tx;
    if (q->nfree == 0) {
        virtio_net_tx_kick(vn);                 /* the device may be waiting for us */
        virtio_net_tx_reclaim(vn);
        if (q->nfree == 0)
            return NULL;
    }
    *id = q->free[--q->nfree];
    uint8_t *b = q->buf_va[*id];
    memset(b, 0, VIRTIO_NET_HDR);               /* no offloads requested */
    return b + VIRTIO_NET_HDR;
}

void virtio_net_tx_queue(struct virtio_net *vn, uint16_t id, uint32_t frame_len)
{
    struct virtq *q = &vn->tx;
    q->desc[id].len = VIRTIO_NET_HDR + frame_len;
    q->desc[id].flags = 0;
    q->avail->ring[q->avail_idx++ & (q->size - 1)] = id;
}

void virtio_net_tx_kick(struct virtio_net *vn)
{
    struct virtq *q = &vn->tx;
    if (q->kicked == q->avail_idx)
        return;
    virtq_publish(q);
    virtq_notify(vn, q);
}
