/* Packet buffers and the packet pool (see click_packet.h). */
#include "click_packet.h"

#include <stdlib.h>
#include <string.h>

click_pool *click_pool_create(uint32_t bufsz) {
    click_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->bufsz = bufsz ? bufsz : CLICK_POOL_BUFSZ;
    return pool;
}

void click_pool_destroy(click_pool *pool) {
    if (!pool) return;
    click_packet *p = pool->free;
    while (p) {
        click_packet *n = p->next;
        free(p);
        p = n;
    }
    free(pool);
}

static void reset_anno(click_packet *p) {
    p->next = NULL;
    p->paint = 0;
    p->fix_ip_src = false;
    p->mac_off = p->net_off = p->trans_off = -1;
    p->dst_ip = 0;
    p->vlan_tci = 0;
    p->timestamp_ns = 0;
}

click_packet *click_packet_alloc(click_pool *pool, uint32_t len) {
    click_packet *p;
    uint32_t need = CLICK_HEADROOM + len;
    if (need <= CLICK_HEADROOM + pool->bufsz && pool->free) {
        p = pool->free;
        pool->free = p->next;
    } else if (need <= CLICK_HEADROOM + pool->bufsz) {
        /* Pooled packet: header and buffer in one allocation. */
        p = malloc(sizeof *p + CLICK_HEADROOM + pool->bufsz);
        if (!p) return NULL;
        p->head = (uint8_t *)(p + 1);
        p->cap = CLICK_HEADROOM + pool->bufsz;
        p->own_buffer = false;
        pool->nalloc++;
    } else {
        /* Oversized: a one-off buffer, freed on kill. */
        p = malloc(sizeof *p + need + 64);
        if (!p) return NULL;
        p->head = (uint8_t *)(p + 1);
        p->cap = need + 64;
        p->own_buffer = true;
        pool->nalloc++;
    }
    p->pool = pool;
    p->data = p->head + CLICK_HEADROOM;
    p->len = len;
    reset_anno(p);
    pool->in_use++;
    return p;
}

click_packet *click_packet_from(click_pool *pool, const void *src, uint32_t len) {
    click_packet *p = click_packet_alloc(pool, len);
    if (p && len) memcpy(p->data, src, len);
    return p;
}

void click_packet_kill(click_packet *p) {
    if (!p) return;
    click_pool *pool = p->pool;
    pool->in_use--;
    if (p->own_buffer || p->head != (uint8_t *)(p + 1)) {
        /* A buffer that was grown by push/put lives apart from the header;
         * such packets are not recycled. */
        if (p->head != (uint8_t *)(p + 1)) free(p->head);
        free(p);
        return;
    }
    p->next = pool->free;
    pool->free = p;
}

click_packet *click_packet_clone(click_packet *p) {
    click_packet *q = click_packet_alloc(p->pool, p->len);
    if (!q) return NULL;
    uint32_t hr = click_packet_headroom(p);
    if (hr <= q->cap - p->len) {
        q->data = q->head + hr;
    }
    memcpy(q->data, p->data, p->len);
    long shift = (q->data - q->head) - (long)hr;
    q->paint = p->paint;
    q->fix_ip_src = p->fix_ip_src;
    q->dst_ip = p->dst_ip;
    q->vlan_tci = p->vlan_tci;
    q->timestamp_ns = p->timestamp_ns;
    q->mac_off = p->mac_off >= 0 ? (int32_t)(p->mac_off + shift) : -1;
    q->net_off = p->net_off >= 0 ? (int32_t)(p->net_off + shift) : -1;
    q->trans_off = p->trans_off >= 0 ? (int32_t)(p->trans_off + shift) : -1;
    if (q->mac_off < -1 || q->net_off < -1 || q->trans_off < -1)
        q->mac_off = q->net_off = q->trans_off = -1;
    return q;
}

/* Move the data into a fresh buffer with at least `front` headroom and
 * `back` tailroom, keeping annotation offsets pointing at the same bytes. */
static bool regrow(click_packet *p, uint32_t front, uint32_t back) {
    uint32_t ncap = front + p->len + back + 64;
    uint8_t *nb = malloc(ncap);
    if (!nb) return false;
    uint32_t oldhr = click_packet_headroom(p);
    memcpy(nb + front, p->data, p->len);
    long shift = (long)front - (long)oldhr;
    if (p->head != (uint8_t *)(p + 1)) free(p->head);
    p->head = nb;
    p->cap = ncap;
    p->data = nb + front;
    if (p->mac_off >= 0) p->mac_off = (int32_t)(p->mac_off + shift);
    if (p->net_off >= 0) p->net_off = (int32_t)(p->net_off + shift);
    if (p->trans_off >= 0) p->trans_off = (int32_t)(p->trans_off + shift);
    return true;
}

bool click_packet_push(click_packet *p, uint32_t n) {
    if (click_packet_headroom(p) < n &&
        !regrow(p, n + CLICK_HEADROOM, click_packet_tailroom(p)))
        return false;
    p->data -= n;
    p->len += n;
    return true;
}

bool click_packet_put(click_packet *p, uint32_t n) {
    if (click_packet_tailroom(p) < n &&
        !regrow(p, click_packet_headroom(p), n + 64))
        return false;
    p->len += n;
    return true;
}
