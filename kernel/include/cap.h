/* Capabilities: every kernel object an FWP can name is reached through its
 * capability table; a capability is a small integer index (seL4/Composite
 * style). Invalid indices and wrong types are errors, never crashes.
 * The table grows in chunks of CAP_CHUNK entries up to CAP_MAX. */
#ifndef EDGEOS_CAP_H
#define EDGEOS_CAP_H
#include "types.h"
#include "spinlock.h"

enum cap_type { CAP_NONE = 0, CAP_FWP = 1, CAP_TEMPLATE = 2 };

#define CAP_CHUNK 128
#define CAP_MAX   (CAP_CHUNK * 128)

struct cap {
    uint8_t type;
    uint8_t rights;
    void *obj;
};

struct cap_table {
    spinlock_t lock;
    struct cap *chunks[CAP_MAX / CAP_CHUNK];
    uint16_t used[CAP_MAX / CAP_CHUNK];     /* entries in use per chunk; empty chunks are freed */
    uint32_t hint;     /* lowest index that may be free */
    uint32_t count;
};

struct fwp;
/* Installs obj in t (taking a reference on it); returns the index or -ENOSPC/-ENOMEM. */
int cap_insert(struct cap_table *t, enum cap_type type, void *obj);
/* Looks up index with the expected type; NULL if absent or of another type. */
void *cap_lookup(struct cap_table *t, int64_t index, enum cap_type type);
/* Removes the entry, dropping its reference. -EBADF if absent. */
int cap_delete(struct cap_table *t, int64_t index);
/* Drops every entry (the owner is going away). */
void cap_table_clear(struct cap_table *t);
#endif
