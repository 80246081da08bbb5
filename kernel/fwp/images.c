/* Built-in program images: boot modules given @image=NAME stay in memory,
 * unstarted, so that a root FWP can start them in any tenant by name
 * (EOS_SYS_SPAWN with a built-in name). Registered once at boot, then only
 * read, so lookups need no lock. */
#include "loader.h"
#include "string.h"
#include "errno.h"

#define MAX_IMAGES 32

static struct {
    char name[32];
    const void *data;
    uint64_t size;
} images[MAX_IMAGES];
static int nimages;

int image_register(const char *name, const void *data, uint64_t size)
{
    if (nimages == MAX_IMAGES || !name[0] || strlen(name) >= sizeof images[0].name)
        return -ENOSPC;
    for (int i = 0; i < nimages; i++)
        if (!strcmp(images[i].name, name))
            return -EEXIST;
    strlcpy(images[nimages].name, name, sizeof images[0].name);
    images[nimages].data = data;
    images[nimages].size = size;
    nimages++;
    return 0;
}

const void *image_find(const char *name, uint64_t *size)
{
    for (int i = 0; i < nimages; i++)
        if (!strcmp(images[i].name, name)) {
            *size = images[i].size;
            return images[i].data;
        }
    return NULL;
}
