/*
 * mc_restart.c - a cache that survives a restart (-e PATH).
 *
 * On SIGUSR1 the server stops and writes every live item to PATH, then the
 * metadata to PATH.meta: a text file naming the format, the settings that
 * must match to reuse the items (-m, -I), the item count, the CAS counter
 * and the key index's size. The metadata is written last, so its presence
 * means a complete snapshot. At start, with PATH.meta present and matching,
 * the items come back (those expired meanwhile are dropped as they are read)
 * and PATH.meta is removed; with settings that differ the snapshot is set
 * aside and the cache starts empty; a metadata file that cannot be read is
 * an error and the server does not start, as memcached does.
 */
#include "mc_restart.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FORMAT "edgeos-memcached restart 1"

typedef struct writer {
    FILE *f;
    uint64_t n;
    bool ok;
} writer;

static void put(writer *w, const void *p, size_t n)
{
    if (w->ok && fwrite(p, 1, n, w->f) != n)
        w->ok = false;
}

static void save_item(void *ctx, const char *key, size_t nkey, uint32_t flags, int64_t exptime, uint64_t cas,
                      const char *value, size_t nvalue)
{
    writer *w = ctx;
    uint16_t k = (uint16_t)nkey;
    uint32_t v = (uint32_t)nvalue;
    put(w, &k, sizeof k);
    put(w, &flags, sizeof flags);
    put(w, &exptime, sizeof exptime);
    put(w, &cas, sizeof cas);
    put(w, &v, sizeof v);
    put(w, key, nkey);
    put(w, value, nvalue);
    w->n++;
}

static char *meta_path(const char *path)
{
    size_t n = strlen(path);
    char *m = malloc(n + 6);
    if (m) {
        memcpy(m, path, n);
        memcpy(m + n, ".meta", 6);
    }
    return m;
}

int mc_restart_save(mc_engine *e, const char *path, const mc_config *cfg)
{
    char *meta = meta_path(path);
    if (!meta)
        return -1;
    remove(meta);
    writer w = {fopen(path, "wb"), 0, true};
    if (!w.f) {
        fprintf(stderr, "memory file %s: %s\n", path, strerror(errno));
        free(meta);
        return -1;
    }
    mc_engine_each_item(e, save_item, &w);
    if (fclose(w.f) != 0)
        w.ok = false;
    FILE *m = w.ok ? fopen(meta, "w") : NULL;
    if (m) {
        fprintf(m, "%s\nmem_limit %" PRIu64 "\nitem_size_max %" PRIu32 "\nitems %" PRIu64 "\ncas %" PRIu64
                   "\nhash_power %" PRIu32 "\nsaved %lld\n",
                FORMAT, cfg->mem_limit, cfg->item_size_max, w.n, mc_engine_cas_counter(e), mc_engine_hash_power(e),
                (long long)time(NULL));
        w.ok = fclose(m) == 0;
    }
    if (!m || !w.ok) {
        fprintf(stderr, "memory file %s: cannot write the snapshot\n", path);
        remove(meta);
        free(meta);
        return -1;
    }
    free(meta);
    return 0;
}

static bool get(FILE *f, void *p, size_t n)
{
    return fread(p, 1, n, f) == n;
}

int mc_restart_load(mc_engine *e, const char *path, const mc_config *cfg)
{
    char *meta = meta_path(path);
    if (!meta)
        return -1;
    FILE *m = fopen(meta, "r");
    if (!m) {
        free(meta);
        return 0;                       /* no snapshot: an empty cache */
    }
    char format[64] = "";
    unsigned long long mem = 0, isz = 0, items = 0, cas = 0, power = 0;
    bool ok = fgets(format, sizeof format, m) != NULL && strncmp(format, FORMAT "\n", sizeof FORMAT) == 0 &&
              fscanf(m, "mem_limit %llu item_size_max %llu items %llu cas %llu hash_power %llu", &mem, &isz, &items,
                     &cas, &power) == 5;
    fclose(m);
    if (!ok) {
        fprintf(stderr, "memory file %s: metadata file %s is empty or corrupt\n", path, meta);
        free(meta);
        return -1;
    }
    remove(meta);
    free(meta);
    if (mem != cfg->mem_limit || isz != cfg->item_size_max) {
        fprintf(stderr, "memory file %s: saved with other settings (-m %llu -I %llu); starting empty\n", path,
                mem >> 20, isz);
        return 0;
    }
    mc_engine_set_cas_counter(e, cas);
    mc_engine_grow_hash(e, (uint32_t)power);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "memory file %s: %s; starting empty\n", path, strerror(errno));
        return 0;
    }
    uint64_t restored = 0, dropped = 0;
    char *buf = NULL;
    size_t cap = 0;
    for (uint64_t i = 0; i < items; i++) {
        uint16_t nkey;
        uint32_t flags, nvalue;
        int64_t exptime;
        uint64_t icas;
        if (!get(f, &nkey, sizeof nkey) || !get(f, &flags, sizeof flags) || !get(f, &exptime, sizeof exptime) ||
            !get(f, &icas, sizeof icas) || !get(f, &nvalue, sizeof nvalue))
            break;
        size_t need = (size_t)nkey + nvalue;
        if (need > cap) {
            char *nb = realloc(buf, need);
            if (!nb)
                break;
            buf = nb;
            cap = need;
        }
        if (!get(f, buf, need))
            break;
        if (exptime != 0 && exptime <= (int64_t)time(NULL))
            dropped++;
        else if (mc_engine_restore_item(e, buf, nkey, flags, exptime, icas, buf + nkey, nvalue))
            restored++;
        else
            dropped++;
    }
    free(buf);
    fclose(f);
    if (restored + dropped != items)
        fprintf(stderr, "memory file %s: snapshot cut short after %llu of %llu items\n", path,
                (unsigned long long)(restored + dropped), items);
    return 0;
}
