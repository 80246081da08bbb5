/*
 * mc_dump.c - listing the cache's items: "stats cachedump CLASS LIMIT" and
 * "lru_crawler metadump all|hash|CLASS,...", with memcached 1.6.18's line
 * formats, and the other lru_crawler commands. An item's class is its
 * slab class (mc_item_class: the one its size would have when the slab
 * allocator is off), and "crawl" reclaims expired items of the classes
 * named at once instead of in a background thread.
 */
#include "mc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool live(const mc_engine *e, const mc_item *it)
{
    return !(it->exptime != 0 && it->exptime < e->now) && !mc_item_flushed(e, it);
}

void mc_cachedump(mc_ctx *x, uint32_t cls, uint32_t limit)
{
    char line[MC_KEY_MAX + 80];
    uint32_t shown = 0;
    MC_EACH_ITEM(x->e, it) {
        if (limit != 0 && shown >= limit)
            return;
        if ((it->iflags & MC_IT_KEY_BINARY) || mc_item_class(x->e, it) != (int)cls)
            continue;
        int n = snprintf(line, sizeof line, "ITEM %.*s [%u b; %llu s]\r\n", (int)it->nkey, it->data, it->nbytes - 2,
                         (unsigned long long)(it->exptime == 0 ? 0 : it->exptime));
        mc_out_add(x->o, line, (size_t)n);
        shown++;
    }
}

/* Keys are written URI-encoded, as memcached writes them. */
static size_t uri_encode(const char *s, size_t n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    return o;
}

/* Which classes "CLASS,CLASS,..." or "all"/"hash" names; false if malformed. */
static bool parse_classes(const char *arg, bool want[64])
{
    if (strcmp(arg, "all") == 0 || strcmp(arg, "hash") == 0) {
        for (int i = 0; i < 64; i++)
            want[i] = true;
        return true;
    }
    memset(want, 0, 64 * sizeof want[0]);
    const char *p = arg;
    while (*p) {
        char *end;
        long c = strtol(p, &end, 10);
        if (end == p || c < 1 || c > 63)
            return false;
        want[c] = true;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return false;
    }
    return true;
}

static void metadump(mc_ctx *x, const bool want[64])
{
    mc_engine *e = x->e;
    char line[3 * MC_KEY_MAX + 160];
    MC_EACH_ITEM(e, it) {
        if (!live(e, it))
            continue;
        uint64_t total = mc_item_total(it->nkey, it->flags, it->nbytes);
        int cls = mc_item_class(e, it);
        if (cls < 0 || cls > 63 || !want[cls])
            continue;
        size_t k = uri_encode(it->data, it->nkey, line + 4);
        memcpy(line, "key=", 4);
        int n = snprintf(line + 4 + k, sizeof line - 4 - k, " exp=%lld la=%llu cas=%llu fetch=%s cls=%d size=%llu\n",
                         it->exptime == 0 ? -1LL : (long long)it->exptime, (unsigned long long)it->time,
                         (unsigned long long)it->cas, (it->iflags & MC_IT_FETCHED) ? "yes" : "no", cls,
                         (unsigned long long)total);
        mc_out_add(x->o, line, 4 + k + (size_t)n);
    }
    mc_out_add(x->o, "END\r\n", 5);
}

/* Reclaims the expired and flushed items of the classes named. */
static void crawl(mc_engine *e, const bool want[64])
{
    for (int c = 0; c < MC_SLAB_MAX * MC_NSEG; c++) {
        mc_item *next;
        for (mc_item *it = e->cls[c / MC_NSEG].seg[c % MC_NSEG].head; it; it = next) {
            next = it->next;
            int cls = mc_item_class(e, it);
            if (cls < 0 || cls > 63 || !want[cls])
                continue;
            e->cls[it->cls].ist.crawler_items_checked++;
            if (!live(e, it)) {
                e->st.crawler_reclaimed++;
                e->cls[it->cls].ist.crawler_reclaimed++;
                mc_item_unlink(e, it);
            }
        }
    }
}

void mc_process_lru_crawler(mc_ctx *x, mc_token *t, size_t nt)
{
    mc_engine *e = x->e;
    const char *sub = nt >= 3 ? t[1].value : "";
    bool want[64];
    if (nt == 4 && strcmp(sub, "crawl") == 0) {
        if (!e->host.lru_crawler) {
            mc_out_string(x, "CLIENT_ERROR lru crawler disabled");
        } else if (!parse_classes(t[2].value, want)) {
            mc_out_string(x, "BADCLASS invalid class id");
        } else {
            crawl(e, want);
            e->crawler_starts++;
            mc_out_string(x, "OK");
        }
    } else if (nt == 4 && strcmp(sub, "metadump") == 0) {
        if (!e->host.lru_crawler) {
            mc_out_string(x, "CLIENT_ERROR lru crawler disabled");
        } else if (e->cfg.dump_disabled) {
            mc_out_string(x, "ERROR metadump not allowed");
        } else if (!parse_classes(t[2].value, want)) {
            mc_out_string(x, "BADCLASS invalid class id");
        } else if (x->resp_off > 0) {
            /* replies of earlier commands of the batch are still queued */
            mc_out_string(x, "ERROR cannot pipeline other commands before metadump");
        } else {
            mc_out_truncate(x->o, x->resp_off);
            metadump(x, want);
        }
    } else if (nt == 4 && (strcmp(sub, "tocrawl") == 0 || strcmp(sub, "sleep") == 0)) {
        uint32_t v;
        if (!mc_parse_u32(t[2].value, &v)) {
            mc_out_string(x, "CLIENT_ERROR bad command line format");
        } else if (sub[0] == 's' && v > 1000000) {
            mc_out_string(x, "CLIENT_ERROR sleep must be one second or less");
        } else {
            mc_out_string(x, "OK");
        }
    } else if (nt == 3 && strcmp(sub, "enable") == 0) {
        e->host.lru_crawler = true;
        mc_out_string(x, "OK");
    } else if (nt == 3 && strcmp(sub, "disable") == 0) {
        e->host.lru_crawler = false;
        mc_out_string(x, "OK");
    } else {
        mc_out_string(x, "ERROR");
    }
}
