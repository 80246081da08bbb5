/* The system registry: root FWPs publish capabilities under names so that
 * system components started separately can find each other (the nic's
 * command channel, the control FWP's reply channel). Only root FWPs can
 * publish or look up, so tenants never see it. An entry holds a reference
 * on its object and goes away when its publisher ends. */
#include "registry.h"
#include "cap.h"
#include "fwp.h"
#include "errno.h"
#include "string.h"
#include "spinlock.h"

#define REGISTRY_SIZE 16

static struct entry {
    char name[32];
    struct cap cap;
    struct fwp *publisher;          /* not a reference: cleared by registry_drop */
} entries[REGISTRY_SIZE];
static spinlock_t registry_lock = SPINLOCK_INIT;

int registry_put(struct fwp *publisher, const char *name, const struct cap *c)
{
    if (!name[0] || strlen(name) >= sizeof entries[0].name)
        return -EINVAL;
    spin_lock(&registry_lock);
    struct entry *free = NULL;
    for (int i = 0; i < REGISTRY_SIZE; i++) {
        if (entries[i].publisher && !strcmp(entries[i].name, name)) {
            spin_unlock(&registry_lock);
            return -EEXIST;
        }
        if (!entries[i].publisher && !free)
            free = &entries[i];
    }
    if (!free) {
        spin_unlock(&registry_lock);
        return -ENOSPC;
    }
    strlcpy(free->name, name, sizeof free->name);
    free->cap = *c;
    free->publisher = publisher;
    cap_object_get(c->type, c->obj);
    spin_unlock(&registry_lock);
    return 0;
}

int registry_get(const char *name, struct cap *out)
{
    int r = -ENOENT;
    spin_lock(&registry_lock);
    for (int i = 0; i < REGISTRY_SIZE; i++)
        if (entries[i].publisher && !strcmp(entries[i].name, name)) {
            *out = entries[i].cap;
            cap_object_get(out->type, out->obj);     /* the caller's, until it installs a copy */
            r = 0;
            break;
        }
    spin_unlock(&registry_lock);
    return r;
}

void registry_drop(struct fwp *publisher)
{
    for (;;) {
        struct cap c = { 0 };
        spin_lock(&registry_lock);
        for (int i = 0; i < REGISTRY_SIZE; i++)
            if (entries[i].publisher == publisher) {
                c = entries[i].cap;
                entries[i].publisher = NULL;
                break;
            }
        spin_unlock(&registry_lock);
        if (c.type == CAP_NONE)
            return;
        cap_release(c.type, c.obj);
    }
}
