/* Small-object allocator for kernel structures: power-of-two size classes
 * from 32 to KMALLOC_MAX bytes, each served from one-page slabs. A slab
 * starts with a header naming its class, so kfree() needs no size. Objects
 * are returned zeroed. Empty slabs go back to the frame pool. */
#include "mm.h"
#include "spinlock.h"
#include "kprintf.h"
#include "string.h"

#define NCLASSES 7            /* 32 .. 2048 */
#define SLAB_HDR 64           /* keeps objects 64-byte aligned */

struct slab {
    struct slab *next, *prev; /* partial-slab list of the class */
    void *free;               /* free objects in this slab */
    uint32_t size, inuse, capacity;
};

static struct {
    spinlock_t lock;
    struct slab *partial;
} classes[NCLASSES];

static uint64_t slab_frames;   /* all classes: changed under different locks, so atomically */

uint64_t kmalloc_frames(void) { return __atomic_load_n(&slab_frames, __ATOMIC_RELAXED); }

static int class_of(size_t size)
{
    int c = 0;
    size_t s = 32;
    while (s < size) {
        s <<= 1;
        c++;
    }
    return c;
}

static void list_remove(int c, struct slab *s)
{
    if (s->prev) s->prev->next = s->next; else classes[c].partial = s->next;
    if (s->next) s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void list_push(int c, struct slab *s)
{
    s->prev = NULL;
    s->next = classes[c].partial;
    if (s->next) s->next->prev = s;
    classes[c].partial = s;
}

void *kmalloc(size_t size)
{
    if (size == 0 || size > KMALLOC_MAX)
        return NULL;
    int c = class_of(size);
    uint32_t osize = 32u << c;
    spin_lock(&classes[c].lock);
    struct slab *s = classes[c].partial;
    if (!s) {
        paddr_t pa = frame_alloc();
        if (!pa) {
            spin_unlock(&classes[c].lock);
            return NULL;
        }
        s = PHYS_TO_VIRT(pa);
        __atomic_add_fetch(&slab_frames, 1, __ATOMIC_RELAXED);
        memset(s, 0, sizeof *s);
        s->size = osize;
        uint32_t first = osize < SLAB_HDR ? SLAB_HDR : osize;  /* keep natural alignment */
        s->capacity = (uint32_t)((PAGE_SIZE - first) / osize);
        char *obj = (char *)s + first;
        for (uint32_t i = 0; i < s->capacity; i++) {
            *(void **)(obj + i * osize) = s->free;
            s->free = obj + i * osize;
        }
        list_push(c, s);
    }
    void *o = s->free;
    s->free = *(void **)o;
    if (++s->inuse == s->capacity)
        list_remove(c, s);
    spin_unlock(&classes[c].lock);
    memset(o, 0, osize);
    return o;
}

size_t kmalloc_size(size_t size)
{
    return size == 0 || size > KMALLOC_MAX ? 0 : (size_t)32 << class_of(size);
}

void kfree(void *p)
{
    if (!p)
        return;
    struct slab *s = (struct slab *)ALIGN_DOWN((uint64_t)p, PAGE_SIZE);
    int c = class_of(s->size);
    spin_lock(&classes[c].lock);
    bool was_full = s->inuse == s->capacity;
    *(void **)p = s->free;
    s->free = p;
    s->inuse--;
    if (s->inuse == 0) {
        if (!was_full)
            list_remove(c, s);
        __atomic_sub_fetch(&slab_frames, 1, __ATOMIC_RELAXED);
        spin_unlock(&classes[c].lock);
        frame_put(VIRT_TO_PHYS(s));
        return;
    }
    if (was_full)
        list_push(c, s);
    spin_unlock(&classes[c].lock);
}
