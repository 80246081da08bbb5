/* Split virtqueues: set-up on DMA pages (see virtqueue.h for the model). */
#include <errno.h>
#include <stddef.h>
#include "virtqueue.h"

#define VIRTQ_PAGE 4096

static int dma_page(uint8_t **va, uint64_t *pa)
{
    struct eos_dma d;
    long r = eos_dma_alloc(&d);
    if (r < 0)
        return (int)r;
    *va = (uint8_t *)(uintptr_t)d.va;
    *pa = d.pa;
    return 0;
}

int virtq_setup(struct virtio_dev *d, struct virtq *q, uint16_t index, uint16_t want, uint32_t buf_size)
{
    if (buf_size == 0 || buf_size > VIRTQ_PAGE || (buf_size & (buf_size - 1)))
        return -EINVAL;
    virtio_wr(d, VIRTIO_MMIO_QUEUE_SEL, index);
    if (virtio_rd(d, VIRTIO_MMIO_QUEUE_READY))
        return -EBUSY;
    uint32_t max = virtio_rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (max == 0)
        return -ENODEV;
    /* Split-ring sizes are powers of two; ring positions are taken modulo
     * size with a mask, which needs that. */
    uint16_t size = VIRTQ_MAX;
    while (size > want || size > max)
        size /= 2;
    if (size == 0)
        return -EINVAL;
    q->index = index;
    q->size = size;
    q->buf_size = buf_size;
    uint8_t *va[3] = { 0 };
    uint64_t pa[3] = { 0 };
    for (int i = 0; i < 3; i++) {
        int r = dma_page(&va[i], &pa[i]);
        if (r < 0)
            return r;
    }
    _Static_assert(sizeof(struct virtq_desc) * VIRTQ_MAX <= VIRTQ_PAGE, "descriptor table fits a page");
    _Static_assert(sizeof(struct virtq_avail) <= VIRTQ_PAGE, "available ring fits a page");
    _Static_assert(sizeof(struct virtq_used) <= VIRTQ_PAGE, "used ring fits a page");
    q->desc = (volatile struct virtq_desc *)va[0];
    q->avail = (volatile struct virtq_avail *)va[1];
    q->used = (volatile struct virtq_used *)va[2];
    unsigned per_page = VIRTQ_PAGE / buf_size;
    for (unsigned i = 0; i < size; i += per_page) {
        uint8_t *bva = NULL;
        uint64_t bpa = 0;
        int r = dma_page(&bva, &bpa);
        if (r < 0)
            return r;
        for (unsigned k = 0; k < per_page && i + k < size; k++) {
            q->buf_va[i + k] = bva + k * buf_size;
            q->buf_pa[i + k] = bpa + k * buf_size;
        }
    }
    for (unsigned i = 0; i < size; i++) {
        q->desc[i].addr = q->buf_pa[i];
        q->desc[i].len = buf_size;
        q->desc[i].flags = 0;
        q->desc[i].next = 0;
        q->free[i] = (uint16_t)(size - 1 - i);
    }
    q->nfree = size;
    q->avail_idx = q->used_seen = q->kicked = 0;
    virtio_wr(d, VIRTIO_MMIO_QUEUE_NUM, size);
    virtio_wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)pa[0]);
    virtio_wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(pa[0] >> 32));
    virtio_wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)pa[1]);
    virtio_wr(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(pa[1] >> 32));
    virtio_wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)pa[2]);
    virtio_wr(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(pa[2] >> 32));
    virtio_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    return 0;
}

void virtq_post_all(struct virtq *q)
{
    for (uint16_t i = 0; i < q->size; i++) {
        q->desc[i].flags = VIRTQ_DESC_F_WRITE;
        virtq_add(q, i);
    }
    q->nfree = 0;
}
