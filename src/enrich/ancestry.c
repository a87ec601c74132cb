/*
 * Process ancestry: a bounded table of the processes a hunt has seen start, so every
 * process event knows its ancestors ("a browser or mail client is an ancestor" becomes a
 * field test) and any event carrying a ProcessGuid knows the classes of its process's
 * ancestors.
 *
 * Keys: Sysmon's ProcessGuid (unique per boot and machine) and, for Security 4688 which
 * has no GUIDs, host + pid, where a pid match is only accepted when the candidate parent
 * started before the child (pids are reused).  A 4688 and a Sysmon 1 for the same process
 * (same host, pid, image, start within 2 s) share one entry.
 *
 * Each entry stores the classes of its ancestors per level (anc[0] = parent), copied from
 * its parent when it is inserted, so the classes survive the eviction of the ancestors'
 * own entries; the ancestor image paths are read by walking the table and stop where an
 * entry is gone.  Bounds: max_procs entries, least recently used evicted first, and entries
 * not seen for proc_max_age_ms of event time evicted as well; both are counted.
 * GUID keys: a well-formed "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" (what Sysmon logs) is
 * parsed into its 128 bits, case-insensitively, so two processes never share a key; any
 * other text is keyed by its 64-bit case-folded hash (no text kept: a crafted collision
 * can only mislabel ancestry, never read outside the table).  The two kinds never match
 * each other.
 *
 * Layout (why): a hunt looks a process up for most Sysmon events, in no useful order, so
 * the cost is cache misses.  The GUID index is open-addressed (slot = entry index + hash,
 * one probe usually), the entry's first cache line holds everything a lookup reads (key,
 * last-seen time, ancestor classes), the LRU links sit in their own small array, and the
 * image paths, read only on process creation, in another.
 */
#include <stdlib.h>

#include "enrich-int.h"

#define NIL        UINT32_MAX
#define PATH_STORE 200  /* longer image paths keep their last PATH_STORE bytes */
#define SKEW_MS    2000 /* start-time tolerance between a 4688 and its Sysmon twin */

enum { GK_NONE = 0, GK_GUID = 1, GK_TEXT = 2 };

/* A process key: the 128 bits of a parsed GUID (GK_GUID) or the hash of other text in hi
 * (GK_TEXT, lo = 0). */
typedef lw_proc_key gkey;

typedef struct proc {
    /* Line 0: what lw_proc_lookup reads. */
    _Alignas(64) uint64_t gk_hi;
    uint64_t gk_lo;
    int64_t seen_ms;
    uint16_t anc[LW_ANC_DEPTH_MAX];
    uint16_t cls;
    uint8_t anc_n, gkind;
    /* Line 1: parent and pid keys, read on creation and by parent_of. */
    uint64_t pgk_hi, pgk_lo;
    uint64_t host_key;
    int64_t start_ms;
    uint32_t pid, ppid;
    uint32_t pid_chain;
    uint16_t image_n, pimage_n;
    uint8_t pgkind;
    bool has_pid, has_ppid, pid_linked;
} proc;

typedef struct proc_paths {
    char image[PATH_STORE], pimage[PATH_STORE];
} proc_paths;

typedef struct lru_link {
    uint32_t prev, next;
} lru_link;

typedef struct gslot {
    uint32_t idx; /* NIL: empty */
    uint32_t h;   /* gkey_hash of the entry's key; its low bits are the home slot */
} gslot;

struct lw_proc_table {
    proc *p;
    proc_paths *path;
    lru_link *lru;
    uint32_t cap, used, nfree;
    uint32_t *free_list;
    gslot *gslots;
    uint32_t *pbuckets;
    uint32_t nbuckets;
    uint32_t head, tail; /* LRU: head most recent */
    unsigned depth;
    int64_t max_age_ms, newest_ms;
    uint64_t inserts, evicted_count, evicted_age, lookups, lookup_misses, parent_misses, pid_stale;
};

bool lw_parse_pid(lw_str s, uint32_t *pid)
{
    s = lw_str_trim(s);
    uint64_t v = 0;
    if (s.n > 2 && s.p[0] == '0' && (s.p[1] | 0x20) == 'x') {
        if (s.n > 2 + 8)
            return false;
        for (size_t i = 2; i < s.n; i++) {
            unsigned char c = (unsigned char)s.p[i], d;
            if (c >= '0' && c <= '9')
                d = (unsigned char)(c - '0');
            else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                d = (unsigned char)((c | 0x20) - 'a' + 10);
            else
                return false;
            v = v * 16 + d;
        }
    } else {
        if (!s.n || s.n > 10)
            return false;
        for (size_t i = 0; i < s.n; i++) {
            if (s.p[i] < '0' || s.p[i] > '9')
                return false;
            v = v * 10 + (uint64_t)(s.p[i] - '0');
        }
        if (v > UINT32_MAX)
            return false;
    }
    *pid = (uint32_t)v;
    return true;
}

lw_status lw_proc_table_new(const lw_enricher_limits *lim, lw_proc_table **out)
{
    *out = NULL;
    uint32_t cap = lim->max_procs;
    if (cap < 2 || cap > (1u << 24))
        return LW_EINVAL;
    lw_proc_table *t = calloc(1, sizeof(*t));
    if (!t)
        return LW_ENOMEM;
    t->cap = cap;
    t->depth = lim->max_depth > LW_ANC_DEPTH_MAX ? LW_ANC_DEPTH_MAX : lim->max_depth;
    if (t->depth == 0)
        t->depth = 1;
    t->max_age_ms = lim->proc_max_age_ms;
    t->newest_ms = INT64_MIN;
    t->nbuckets = 1;
    while (t->nbuckets < cap * 2u) /* cap <= 2^24: no overflow; load factor <= 1/2 */
        t->nbuckets <<= 1;
    /* cap <= 2^24 and every element is under 512 bytes: no size_t overflow below. */
    t->p = aligned_alloc(_Alignof(proc), (size_t)cap * sizeof(*t->p));
    t->path = malloc((size_t)cap * sizeof(*t->path));
    t->lru = malloc((size_t)cap * sizeof(*t->lru));
    t->free_list = malloc((size_t)cap * sizeof(*t->free_list));
    t->gslots = malloc((size_t)t->nbuckets * sizeof(*t->gslots));
    t->pbuckets = malloc((size_t)t->nbuckets * sizeof(*t->pbuckets));
    if (!t->p || !t->path || !t->lru || !t->free_list || !t->gslots || !t->pbuckets) {
        lw_proc_table_free(t);
        return LW_ENOMEM;
    }
    memset(t->p, 0, (size_t)cap * sizeof(*t->p));
    for (uint32_t i = 0; i < t->nbuckets; i++) {
        t->gslots[i] = (gslot){NIL, 0};
        t->pbuckets[i] = NIL;
    }
    for (uint32_t i = 0; i < cap; i++)
        t->free_list[i] = cap - 1 - i;
    t->nfree = cap;
    t->head = t->tail = NIL;
    *out = t;
    return LW_OK;
}

void lw_proc_table_free(lw_proc_table *t)
{
    if (!t)
        return;
    free(t->p);
    free(t->path);
    free(t->lru);
    free(t->free_list);
    free(t->gslots);
    free(t->pbuckets);
    free(t);
}

/* ---- keys ------------------------------------------------------------------------------ */

/* Eight ASCII hex digits (w holds them in memory order) -> their 32-bit value, SWAR; false
 * when any byte is not a hex digit.  Bytes under 0x80 cannot carry between lanes below. */
static bool hex8(uint64_t w, uint32_t *out)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    if (w & high)
        return false;
        /* Per byte, bit 7 set when lo <= b <= hi. */
#define IN_RANGE(x, lo, hi) (((x) + (0x80 - (lo)) * ones) & ~((x) + (0x7F - (hi)) * ones) & high)
    uint64_t lower = w | 0x2020202020202020ULL;
    if ((IN_RANGE(w, 0x30, 0x39) | IN_RANGE(lower, 0x61, 0x66)) != high)
        return false;
#undef IN_RANGE
    /* '0'-'9' have bit 6 clear, letters set: nibble = low four bits (+ 9 for letters). */
    uint64_t nib = (w & 0x0F0F0F0F0F0F0F0FULL) + 9 * ((w >> 6) & ones);
    /* Pack the nibbles, first digit most significant (on a little-endian host; elsewhere a
     * fixed permutation of them, which serves a key just as well). */
    nib = ((nib << 4) | (nib >> 8)) & 0x00FF00FF00FF00FFULL;
    nib = ((nib << 8) | (nib >> 16)) & 0x0000FFFF0000FFFFULL;
    nib = ((nib << 16) | (nib >> 32)) & 0xFFFFFFFFULL;
    *out = (uint32_t)nib;
    return true;
}

/* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" (hex in either case) -> 128 bits. */
static bool parse_guid(lw_str g, uint64_t *hi, uint64_t *lo)
{
    if (g.n != 38 || g.p[0] != '{' || g.p[37] != '}' || g.p[9] != '-' || g.p[14] != '-' ||
        g.p[19] != '-' || g.p[24] != '-')
        return false;
    char d[32];
    memcpy(d, g.p + 1, 8);
    memcpy(d + 8, g.p + 10, 4);
    memcpy(d + 12, g.p + 15, 4);
    memcpy(d + 16, g.p + 20, 4);
    memcpy(d + 20, g.p + 25, 12);
    uint32_t v[4];
    for (unsigned i = 0; i < 4; i++) {
        uint64_t w;
        memcpy(&w, d + 8 * i, 8);
        if (!hex8(w, &v[i]))
            return false;
    }
    *hi = (uint64_t)v[0] << 32 | v[1];
    *lo = (uint64_t)v[2] << 32 | v[3];
    return true;
}

static gkey guid_key(lw_str g)
{
    gkey k = {0, 0, GK_NONE};
    g = lw_str_trim(g);
    if (!g.n || (g.n == 1 && g.p[0] == '-'))
        return k;
    if (parse_guid(g, &k.hi, &k.lo)) {
        k.kind = GK_GUID;
    } else {
        k.hi = lw_str_ihash(g);
        k.kind = GK_TEXT;
    }
    return k;
}

lw_proc_key lw_proc_key_of(lw_str guid)
{
    return guid_key(guid);
}

/* The key of f's process: the caller's parse of it, or one made now. */
static gkey self_key(const lw_proc_fields *f)
{
    return f->key ? *f->key : guid_key(f->guid);
}

static uint32_t gkey_hash(uint64_t hi, uint64_t lo)
{
    uint64_t h = (hi ^ (lo * 0x9E3779B97F4A7C15ULL)) * 0xff51afd7ed558ccdULL;
    return (uint32_t)(h >> 32);
}

static bool key_is(const proc *e, const gkey *k)
{
    return e->gk_hi == k->hi && e->gk_lo == k->lo && e->gkind == k->kind;
}

/* ---- indices --------------------------------------------------------------------------- */

static uint32_t pid_bucket(const lw_proc_table *t, uint64_t host_key, uint32_t pid)
{
    uint64_t h = (host_key ^ ((uint64_t)pid * 0x9E3779B97F4A7C15ULL)) * 0xff51afd7ed558ccdULL;
    return (uint32_t)(h >> 32) & (t->nbuckets - 1);
}

/* Linear probing; the index is never more than half full, so a probe ends at an empty
 * slot. */
static uint32_t find_guid(const lw_proc_table *t, uint64_t hi, uint64_t lo, uint8_t kind)
{
    if (kind == GK_NONE)
        return NIL;
    const gkey k = {hi, lo, kind};
    uint32_t mask = t->nbuckets - 1, h = gkey_hash(hi, lo);
    for (uint32_t b = h & mask;; b = (b + 1) & mask) {
        gslot s = t->gslots[b];
        if (s.idx == NIL)
            return NIL;
        if (s.h == h && key_is(&t->p[s.idx], &k))
            return s.idx;
    }
}

static uint32_t find_pid(const lw_proc_table *t, uint64_t host_key, uint32_t pid)
{
    for (uint32_t i = t->pbuckets[pid_bucket(t, host_key, pid)]; i != NIL; i = t->p[i].pid_chain)
        if (t->p[i].pid == pid && t->p[i].host_key == host_key)
            return i;
    return NIL;
}

static void link_guid(lw_proc_table *t, uint32_t i)
{
    uint32_t mask = t->nbuckets - 1, h = gkey_hash(t->p[i].gk_hi, t->p[i].gk_lo);
    uint32_t b = h & mask;
    while (t->gslots[b].idx != NIL)
        b = (b + 1) & mask;
    t->gslots[b] = (gslot){i, h};
}

/* Remove entry i from the GUID index, shifting later members of its probe run back so
 * that no run is broken (no tombstones). */
static void unlink_guid(lw_proc_table *t, uint32_t i)
{
    uint32_t mask = t->nbuckets - 1;
    uint32_t b = gkey_hash(t->p[i].gk_hi, t->p[i].gk_lo) & mask;
    while (t->gslots[b].idx != i) {
        if (t->gslots[b].idx == NIL)
            return; /* not linked */
        b = (b + 1) & mask;
    }
    uint32_t hole = b;
    for (uint32_t j = (hole + 1) & mask; t->gslots[j].idx != NIL; j = (j + 1) & mask) {
        uint32_t home = t->gslots[j].h & mask;
        /* Slot j may move into the hole unless its home lies cyclically in (hole, j]. */
        if (((j - home) & mask) < ((j - hole) & mask))
            continue;
        t->gslots[hole] = t->gslots[j];
        hole = j;
    }
    t->gslots[hole] = (gslot){NIL, 0};
}

static void link_pid(lw_proc_table *t, uint32_t i)
{
    uint32_t *b = &t->pbuckets[pid_bucket(t, t->p[i].host_key, t->p[i].pid)];
    t->p[i].pid_chain = *b;
    *b = i;
    t->p[i].pid_linked = true;
}

static void unlink_pid(lw_proc_table *t, uint32_t i)
{
    if (!t->p[i].pid_linked)
        return;
    uint32_t *pp = &t->pbuckets[pid_bucket(t, t->p[i].host_key, t->p[i].pid)];
    while (*pp != NIL && *pp != i)
        pp = &t->p[*pp].pid_chain;
    if (*pp == i)
        *pp = t->p[i].pid_chain;
    t->p[i].pid_linked = false;
}

static void lru_unlink(lw_proc_table *t, uint32_t i)
{
    lru_link *e = &t->lru[i];
    if (e->prev != NIL)
        t->lru[e->prev].next = e->next;
    else
        t->head = e->next;
    if (e->next != NIL)
        t->lru[e->next].prev = e->prev;
    else
        t->tail = e->prev;
    e->prev = e->next = NIL;
}

static void lru_push(lw_proc_table *t, uint32_t i)
{
    lru_link *e = &t->lru[i];
    e->prev = NIL;
    e->next = t->head;
    if (t->head != NIL)
        t->lru[t->head].prev = i;
    t->head = i;
    if (t->tail == NIL)
        t->tail = i;
}

static void touch(lw_proc_table *t, uint32_t i, int64_t now)
{
    if (now > t->p[i].seen_ms)
        t->p[i].seen_ms = now;
    if (t->head != i) {
        lru_unlink(t, i);
        lru_push(t, i);
    }
}

static void remove_proc(lw_proc_table *t, uint32_t i)
{
    if (t->p[i].gkind != GK_NONE)
        unlink_guid(t, i);
    unlink_pid(t, i);
    lru_unlink(t, i);
    t->free_list[t->nfree++] = i;
    t->used--;
}

static void evict_old(lw_proc_table *t, int64_t now)
{
    if (t->max_age_ms <= 0 || now == INT64_MIN || now < INT64_MIN + t->max_age_ms)
        return;
    int64_t limit = now - t->max_age_ms;
    while (t->tail != NIL && t->p[t->tail].seen_ms < limit) {
        remove_proc(t, t->tail);
        t->evicted_age++;
    }
}

static uint32_t alloc_slot(lw_proc_table *t)
{
    if (t->nfree == 0) {
        remove_proc(t, t->tail);
        t->evicted_count++;
    }
    uint32_t i = t->free_list[--t->nfree];
    memset(&t->p[i], 0, sizeof(t->p[i]));
    t->p[i].pid_chain = NIL;
    t->lru[i] = (lru_link){NIL, NIL};
    t->used++;
    return i;
}

/* ---- helpers --------------------------------------------------------------------------- */

static void store_path(char *dst, uint16_t *dn, lw_str s)
{
    s = lw_str_trim(s);
    if (s.n > PATH_STORE) /* keep the tail: the file name matters most */
        s = (lw_str){s.p + s.n - PATH_STORE, PATH_STORE};
    if (s.n)
        memcpy(dst, s.p, s.n);
    *dn = (uint16_t)s.n;
}

static lw_str image_of(const lw_proc_table *t, uint32_t i)
{
    return (lw_str){t->path[i].image, t->p[i].image_n};
}

static lw_str pimage_of(const lw_proc_table *t, uint32_t i)
{
    return (lw_str){t->path[i].pimage, t->p[i].pimage_n};
}

static bool same_image(const lw_proc_table *t, uint32_t i, lw_str image)
{
    lw_str a = lw_path_basename(image_of(t, i));
    lw_str b = lw_path_basename(lw_str_trim(image));
    return lw_str_ieq(a, b);
}

static int64_t absdiff(int64_t a, int64_t b)
{
    if (a == INT64_MIN || b == INT64_MIN)
        return 0;
    return a > b ? a - b : b - a;
}

/* Parent entry of entry c (NIL when not in the table). */
static uint32_t parent_of(const lw_proc_table *t, uint32_t c)
{
    const proc *e = &t->p[c];
    uint32_t i = find_guid(t, e->pgk_hi, e->pgk_lo, e->pgkind);
    if (i != NIL)
        return i;
    if (!e->has_ppid)
        return NIL;
    i = find_pid(t, e->host_key, e->ppid);
    if (i == NIL || (e->pgkind != GK_NONE && t->p[i].gkind != GK_NONE) || i == c)
        return NIL;
    if (e->start_ms != INT64_MIN && t->p[i].start_ms != INT64_MIN &&
        t->p[i].start_ms > e->start_ms + SKEW_MS)
        return NIL;
    return i;
}

static void describe(const lw_proc_table *t, uint32_t self, lw_str parent_image, bool images,
                     lw_ancestry *out)
{
    const proc *e = &t->p[self];
    memset(out, 0, sizeof(*out));
    out->known = e->anc_n > 0;
    for (unsigned k = 0; k < e->anc_n; k++)
        out->classes |= e->anc[k];
    out->parent_cls = e->anc_n > 0 ? e->anc[0] : 0;
    out->grandparent_cls = e->anc_n > 1 ? e->anc[1] : 0;
    if (!images)
        return;
    if (parent_image.n)
        out->images[out->nimages++] = parent_image;
    else if (e->pimage_n)
        out->images[out->nimages++] = pimage_of(t, self);
    else
        return;
    uint32_t cur = parent_of(t, self);
    while (cur != NIL && out->nimages < t->depth) {
        if (!t->p[cur].pimage_n)
            break;
        out->images[out->nimages++] = pimage_of(t, cur);
        cur = parent_of(t, cur);
    }
}

/* ---- operations ------------------------------------------------------------------------ */

lw_status lw_proc_created(lw_proc_table *t, const lw_proc_fields *f, lw_ancestry *out)
{
    int64_t now = f->time_ms;
    if (now != INT64_MIN && now > t->newest_ms)
        t->newest_ms = now;
    evict_old(t, t->newest_ms);
    uint64_t host = lw_str_ihash(f->host);
    gkey gk = self_key(f), pgk = guid_key(f->parent_guid);
    uint32_t pid = 0, ppid = 0;
    bool has_pid = f->pid.n && lw_parse_pid(f->pid, &pid);
    bool has_ppid = f->parent_pid.n && lw_parse_pid(f->parent_pid, &ppid);

    /* The entry of this process, if an earlier event (duplicate, or its 4688/Sysmon twin)
     * already recorded it. */
    uint32_t self = find_guid(t, gk.hi, gk.lo, gk.kind);
    if (self == NIL && has_pid) {
        uint32_t i = find_pid(t, host, pid);
        if (i != NIL) {
            proc *e = &t->p[i];
            bool twin = (gk.kind == GK_NONE || e->gkind == GK_NONE) &&
                        absdiff(e->start_ms, now) <= SKEW_MS && same_image(t, i, f->image);
            if (twin) {
                self = i;
                if (gk.kind != GK_NONE && e->gkind == GK_NONE) {
                    e->gk_hi = gk.hi;
                    e->gk_lo = gk.lo;
                    e->gkind = gk.kind;
                    link_guid(t, i);
                }
            } else {
                unlink_pid(t, i); /* the pid now belongs to the new process */
            }
        }
    }

    /* The parent, touched first so that allocating below cannot evict it. */
    uint32_t par = find_guid(t, pgk.hi, pgk.lo, pgk.kind);
    if (par == NIL && has_ppid) {
        uint32_t i = find_pid(t, host, ppid);
        if (i != NIL && i != self && !(pgk.kind != GK_NONE && t->p[i].gkind != GK_NONE)) {
            if (now != INT64_MIN && t->p[i].start_ms != INT64_MIN &&
                t->p[i].start_ms > now + SKEW_MS)
                t->pid_stale++; /* that pid was reused after this child started */
            else
                par = i;
        }
    }
    if (par != NIL)
        touch(t, par, now);
    else
        t->parent_misses++;

    if (self == NIL) {
        self = alloc_slot(t);
        proc *e = &t->p[self];
        e->gk_hi = gk.hi;
        e->gk_lo = gk.lo;
        e->gkind = gk.kind;
        e->host_key = host;
        e->start_ms = now;
        e->seen_ms = now == INT64_MIN ? t->newest_ms : now;
        if (gk.kind != GK_NONE)
            link_guid(t, self);
        if (has_pid) {
            e->pid = pid;
            e->has_pid = true;
            link_pid(t, self);
        }
        lru_push(t, self);
        t->inserts++;
    } else {
        touch(t, self, now);
    }
    proc *e = &t->p[self];
    proc_paths *ep = &t->path[self];
    if (pgk.kind != GK_NONE) {
        e->pgk_hi = pgk.hi;
        e->pgk_lo = pgk.lo;
        e->pgkind = pgk.kind;
    }
    if (has_ppid) {
        e->ppid = ppid;
        e->has_ppid = true;
    }
    if (f->image.n)
        store_path(ep->image, &e->image_n, f->image);
    lw_str pimage = lw_str_trim(f->parent_image);
    if (!pimage.n && par != NIL)
        pimage = image_of(t, par);
    if (pimage.n && pimage.p != ep->pimage)
        store_path(ep->pimage, &e->pimage_n, pimage);
    e->cls = f->image_cls >= 0 ? (uint16_t)f->image_cls : lw_image_classes(image_of(t, self), NULL);

    /* Ancestor classes per level, inherited from the parent entry. */
    if (e->pimage_n) {
        e->anc[0] = f->parent_cls >= 0 && f->parent_image.n
                        ? (uint16_t)f->parent_cls
                        : lw_image_classes(pimage_of(t, self), NULL);
        e->anc_n = 1;
        if (par != NIL && par != self) {
            const proc *pp = &t->p[par];
            for (unsigned k = 0; k < pp->anc_n && k + 1 < t->depth; k++)
                e->anc[k + 1] = pp->anc[k];
            unsigned n = (unsigned)pp->anc_n + 1;
            e->anc_n = (uint8_t)(n < t->depth ? n : t->depth);
        }
    }
    describe(t, self, lw_str_trim(f->parent_image), true, out);
    return LW_OK;
}

bool lw_proc_lookup(lw_proc_table *t, const lw_proc_fields *f, lw_ancestry *out)
{
    t->lookups++;
    gkey gk = self_key(f);
    uint32_t i = find_guid(t, gk.hi, gk.lo, gk.kind);
    if (i == NIL && !f->guid.n && f->pid.n) {
        uint32_t pid;
        if (lw_parse_pid(f->pid, &pid))
            i = find_pid(t, lw_str_ihash(f->host), pid);
    }
    if (i == NIL) {
        t->lookup_misses++;
        return false;
    }
    int64_t now = f->time_ms;
    if (now != INT64_MIN && now > t->newest_ms)
        t->newest_ms = now;
    touch(t, i, now);
    describe(t, i, LW_STR_NULL, false, out);
    return true;
}

void lw_proc_prefetch(const lw_proc_table *t, const lw_proc_key *key)
{
    if (key->kind != GK_NONE)
        __builtin_prefetch(&t->gslots[gkey_hash(key->hi, key->lo) & (t->nbuckets - 1)]);
}

void lw_proc_terminated(lw_proc_table *t, const lw_proc_fields *f)
{
    gkey gk = self_key(f);
    uint32_t i = find_guid(t, gk.hi, gk.lo, gk.kind);
    uint32_t pid;
    if (i == NIL && f->pid.n && lw_parse_pid(f->pid, &pid))
        i = find_pid(t, lw_str_ihash(f->host), pid);
    if (i != NIL)
        unlink_pid(t, i); /* children may still log: keep the entry, free the pid */
}

void lw_proc_table_stats(const lw_proc_table *t, lw_enricher_stats *st)
{
    st->procs = t->used;
    st->procs_max = t->cap;
    st->proc_inserts = t->inserts;
    st->proc_evicted_count = t->evicted_count;
    st->proc_evicted_age = t->evicted_age;
    st->proc_lookups = t->lookups;
    st->proc_lookup_misses = t->lookup_misses;
    st->proc_parent_misses = t->parent_misses;
    st->proc_pid_stale = t->pid_stale;
}
