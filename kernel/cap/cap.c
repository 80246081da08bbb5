/* Capability tables (see cap.h). Object references: a capability holds one
 * reference on its object (fwp_get/fwp_put for FWPs and templates). */
#include "cap.h"
#include "fwp.h"
#include "mm.h"
#include "errno.h"

#include "ipc.h"
#include "chan.h"
#include "tenant.h"

void cap_object_get(enum cap_type type, void *obj)
{
    if (type == CAP_FWP || type == CAP_TEMPLATE)
        fwp_get(obj);
    else if (type == CAP_ENDPOINT || type == CAP_NOTIFICATION)
        ipc_obj_get(obj);
    else if (type == CAP_CHANNEL)
        chan_get(obj);
    else if (type == CAP_TENANT)
        tenant_get(obj);
}

static void obj_put(enum cap_type type, void *obj)
{
    if (type == CAP_FWP || type == CAP_TEMPLATE)
        fwp_put(obj);
    else if (type == CAP_ENDPOINT || type == CAP_NOTIFICATION)
        ipc_obj_put(obj);
    else if (type == CAP_CHANNEL)
        chan_put(obj);
    else if (type == CAP_TENANT)
        tenant_put(obj);
}

int cap_insert(struct cap_table *t, enum cap_type type, void *obj)
{
    return cap_insert_full(t, type, obj, CAP_R_ALL, 0);
}

int cap_get(struct cap_table *t, int64_t index, struct cap *out)
{
    if (index < 0 || index >= CAP_MAX)
        return -EBADF;
    spin_lock(&t->lock);
    struct cap *chunk = t->chunks[index / CAP_CHUNK];
    int r = -EBADF;
    if (chunk && chunk[index % CAP_CHUNK].type != CAP_NONE) {
        *out = chunk[index % CAP_CHUNK];
        r = 0;
    }
    spin_unlock(&t->lock);
    return r;
}

int cap_insert_full(struct cap_table *t, enum cap_type type, void *obj, uint8_t rights, uint32_t badge)
{
    spin_lock(&t->lock);
    for (uint32_t i = t->hint; i < CAP_MAX; i++) {
        struct cap **chunk = &t->chunks[i / CAP_CHUNK];
        if (!*chunk) {
            *chunk = tenant_kmalloc(t->owner, CAP_CHUNK * sizeof(struct cap));
            if (!*chunk) {
                spin_unlock(&t->lock);
                return tenant_alloc_error(t->owner, CAP_CHUNK * sizeof(struct cap));
            }
        }
        struct cap *c = &(*chunk)[i % CAP_CHUNK];
        if (c->type == CAP_NONE) {
            c->type = (uint8_t)type;
            c->obj = obj;
            c->rights = rights;
            c->badge = badge;
            cap_object_get(type, obj);
            t->hint = i + 1;
            t->count++;
            t->used[i / CAP_CHUNK]++;
            spin_unlock(&t->lock);
            return (int)i;
        }
    }
    spin_unlock(&t->lock);
    return -ENOSPC;
}

void *cap_acquire(struct cap_table *t, int64_t index, enum cap_type type, struct cap *out)
{
    if (index < 0 || index >= CAP_MAX)
        return NULL;
    spin_lock(&t->lock);
    struct cap *chunk = t->chunks[index / CAP_CHUNK];
    struct cap *c = chunk ? &chunk[index % CAP_CHUNK] : NULL;
    void *obj = NULL;
    if (c && c->type == type) {
        obj = c->obj;
        cap_object_get(type, obj);
        if (out)
            *out = *c;
    }
    spin_unlock(&t->lock);
    return obj;
}

void cap_release(enum cap_type type, void *obj)
{
    obj_put(type, obj);
}

int cap_delete(struct cap_table *t, int64_t index)
{
    if (index < 0 || index >= CAP_MAX)
        return -EBADF;
    spin_lock(&t->lock);
    struct cap *chunk = t->chunks[index / CAP_CHUNK];
    struct cap *c = chunk ? &chunk[index % CAP_CHUNK] : NULL;
    if (!c || c->type == CAP_NONE) {
        spin_unlock(&t->lock);
        return -EBADF;
    }
    enum cap_type type = c->type;
    void *obj = c->obj;
    c->type = CAP_NONE;
    c->obj = NULL;
    if ((uint32_t)index < t->hint)
        t->hint = (uint32_t)index;
    t->count--;
    struct cap *freed = NULL;
    if (--t->used[index / CAP_CHUNK] == 0) {
        freed = chunk;
        t->chunks[index / CAP_CHUNK] = NULL;
    }
    spin_unlock(&t->lock);
    tenant_kfree(t->owner, freed, CAP_CHUNK * sizeof(struct cap));
    obj_put(type, obj);
    return 0;
}

void cap_table_clear(struct cap_table *t)
{
    for (uint32_t k = 0; k < CAP_MAX / CAP_CHUNK && t->count; k++) {   /* count: nothing left, stop */
        struct cap *chunk = t->chunks[k];
        if (!chunk)
            continue;
        for (uint32_t i = 0; i < CAP_CHUNK && t->chunks[k]; i++)
            if (chunk[i].type != CAP_NONE)
                cap_delete(t, k * CAP_CHUNK + i);   /* frees the chunk with its last entry */
    }
}
