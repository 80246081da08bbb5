/* The system registry (cap/registry.c): named capabilities root FWPs share. */
#ifndef EDGEOS_REGISTRY_H
#define EDGEOS_REGISTRY_H
struct fwp;
struct cap;
int registry_put(struct fwp *publisher, const char *name, const struct cap *c);   /* -EEXIST, -ENOSPC */
/* A copy of the entry; holds a reference on its object (cap_release it). */
int registry_get(const char *name, struct cap *out);
void registry_drop(struct fwp *publisher);   /* the publisher ended */
#endif
