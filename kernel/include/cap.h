/* Capabilities: every kernel object an FWP can name is reached through its
 * capability table; a capability is a small integer index (seL4/Composite
 * style). Invalid indices and wrong types are errors, never crashes.
 * The table grows in chunks of CAP_CHUNK entries up to CAP_MAX. */
#ifndef EDGEOS_CAP_H
#define EDGEOS_CAP_H
#include "types.h"
#include "spinlock.h"

enum cap_type { CAP_NONE = 0, CAP_FWP = 1, CAP_TEMPLATE = 2, CAP_ENDPOINT = 3, CAP_NOTIFICATION = 4, CAP_CHANNEL = 5, CAP_DEVICE = 6, CAP_TENANT = 7 };

/* Rights (a derived capability has at most its source's rights). */
#define CAP_R_SEND   1u     /* endpoint: call; notification: signal */
#define CAP_R_RECV   2u     /* endpoint: receive/reply; notification: wait */
#define CAP_R_GRANT  4u     /* may be granted to another FWP */
#define CAP_R_ALL    0xffu

#define CAP_CHUNK 128
#define CAP_MAX   (CAP_CHUNK * 128)

struct cap {
    uint8_t type;
    uint8_t rights;
    uint16_t reserved;
    uint32_t badge;         /* delivered to the receiver of a call through this cap */
    void *obj;
};

struct tenant;
struct cap_table {
    spinlock_t lock;
    struct tenant *owner;    /* its chunks are charged to the owning FWP's tenant */
    struct cap *chunks[CAP_MAX / CAP_CHUNK];
    uint16_t used[CAP_MAX / CAP_CHUNK];     /* entries in use per chunk; empty chunks are freed */
    uint32_t hint;     /* lowest index that may be free */
    uint32_t count;
};

struct fwp;
/* Installs obj in t (taking a reference on it); returns the index or -ENOSPC/-ENOMEM. */
int cap_insert(struct cap_table *t, enum cap_type type, void *obj);
int cap_insert_full(struct cap_table *t, enum cap_type type, void *obj, uint8_t rights, uint32_t badge);
/* Copies entry `index` (returns -EBADF if absent). */
int cap_get(struct cap_table *t, int64_t index, struct cap *out);
/* Looks up index with the expected type and takes a reference on its object
 * (release it with cap_release); NULL if absent or of another type. The
 * entry itself is copied to *out when out is not NULL. */
void *cap_acquire(struct cap_table *t, int64_t index, enum cap_type type, struct cap *out);
void cap_release(enum cap_type type, void *obj);
void cap_object_get(enum cap_type type, void *obj);     /* another reference, released with cap_release */
/* Removes the entry, dropping its reference. -EBADF if absent. */
int cap_delete(struct cap_table *t, int64_t index);
/* Drops every entry (the owner is going away). */
void cap_table_clear(struct cap_table *t);
#endif
