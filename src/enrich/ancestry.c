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
 * GUID keys are 64-bit hashes (no text kept): a crafted collision can only mislabel
 * ancestry, never read outside the table.
 */
#include <stdlib.h>

#include "enrich-int.h"

#define NIL        UINT32_MAX
#define PATH_STORE 200  /* longer image paths keep their last PATH_STORE bytes */
#define SKEW_MS    2000 /* start-time tolerance between a 4688 and its Sysmon twin */

typedef struct proc {
    uint64_t guid_key, pguid_key; /* 0 = none */
    uint64_t host_key;
    int64_t start_ms, seen_ms;
    uint32_t pid, ppid;
    uint32_t guid_chain, pid_chain, prev, next;
    bool has_pid, has_ppid, pid_linked, used;
    uint8_t anc_n;
    uint16_t cls;
    uint16_t anc[LW_ANC_DEPTH_MAX];
    uint16_t image_n, pimage_n;
    char image[PATH_STORE], pimage[PATH_STORE];
} proc;

struct lw_proc_table {
    proc *p;
    uint32_t cap, used, nfree;
    uint32_t *free_list;
    uint32_t *gbuckets, *pbuckets;
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
    while (t->nbuckets < cap * 2u)
        t->nbuckets <<= 1;
    t->p = calloc(cap, sizeof(*t->p));
    t->free_list = malloc((size_t)cap * sizeof(*t->free_list));
    t->gbuckets = malloc((size_t)t->nbuckets * sizeof(*t->gbuckets));
    t->pbuckets = malloc((size_t)t->nbuckets * sizeof(*t->pbuckets));
    if (!t->p || !t->free_list || !t->gbuckets || !t->pbuckets) {
        lw_proc_table_free(t);
        return LW_ENOMEM;
    }
    for (uint32_t i = 0; i < t->nbuckets; i++)
        t->gbuckets[i] = t->pbuckets[i] = NIL;
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
    free(t->free_list);
    free(t->gbuckets);
    free(t->pbuckets);
    free(t);
}

/* ---- indices --------------------------------------------------------------------------- */

static uint64_t guid_key(lw_str g)
{
    g = lw_str_trim(g);
    if (!g.n || lw_str_eq_c(g, "-"))
        return 0;
    uint64_t k = lw_str_ihash(g);
    return k ? k : 1;
}

static uint32_t pid_bucket(const lw_proc_table *t, uint64_t host_key, uint32_t pid)
{
    uint64_t h = (host_key ^ ((uint64_t)pid * 0x9E3779B97F4A7C15ULL)) * 0xff51afd7ed558ccdULL;
    return (uint32_t)(h >> 32) & (t->nbuckets - 1);
}

static uint32_t find_guid(const lw_proc_table *t, uint64_t key)
{
    if (!key)
        return NIL;
    for (uint32_t i = t->gbuckets[key & (t->nbuckets - 1)]; i != NIL; i = t->p[i].guid_chain)
        if (t->p[i].guid_key == key)
            return i;
    return NIL;
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
    uint32_t *b = &t->gbuckets[t->p[i].guid_key & (t->nbuckets - 1)];
    t->p[i].guid_chain = *b;
    *b = i;
}

static void unlink_guid(lw_proc_table *t, uint32_t i)
{
    uint32_t *pp = &t->gbuckets[t->p[i].guid_key & (t->nbuckets - 1)];
    while (*pp != NIL && *pp != i)
        pp = &t->p[*pp].guid_chain;
    if (*pp == i)
        *pp = t->p[i].guid_chain;
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
    proc *e = &t->p[i];
    if (e->prev != NIL)
        t->p[e->prev].next = e->next;
    else
        t->head = e->next;
    if (e->next != NIL)
        t->p[e->next].prev = e->prev;
    else
        t->tail = e->prev;
    e->prev = e->next = NIL;
}

static void lru_push(lw_proc_table *t, uint32_t i)
{
    proc *e = &t->p[i];
    e->prev = NIL;
    e->next = t->head;
    if (t->head != NIL)
        t->p[t->head].prev = i;
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
    if (t->p[i].guid_key)
        unlink_guid(t, i);
    unlink_pid(t, i);
    lru_unlink(t, i);
    t->p[i].used = false;
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
    proc *e = &t->p[i];
    memset(e, 0, sizeof(*e));
    e->guid_chain = e->pid_chain = e->prev = e->next = NIL;
    e->used = true;
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

static bool same_image(const proc *e, lw_str image)
{
    lw_str a = lw_path_basename((lw_str){e->image, e->image_n});
    lw_str b = lw_path_basename(lw_str_trim(image));
    return lw_str_ieq(a, b);
}

static int64_t absdiff(int64_t a, int64_t b)
{
    if (a == INT64_MIN || b == INT64_MIN)
        return 0;
    return a > b ? a - b : b - a;
}

/* Parent entry of e (NIL when not in the table). */
static uint32_t parent_of(lw_proc_table *t, const proc *e)
{
    uint32_t i = find_guid(t, e->pguid_key);
    if (i != NIL)
        return i;
    if (!e->has_ppid)
        return NIL;
    i = find_pid(t, e->host_key, e->ppid);
    if (i == NIL || (e->pguid_key && t->p[i].guid_key) || &t->p[i] == e)
        return NIL;
    if (e->start_ms != INT64_MIN && t->p[i].start_ms != INT64_MIN &&
        t->p[i].start_ms > e->start_ms + SKEW_MS)
        return NIL;
    return i;
}

static void describe(lw_proc_table *t, uint32_t self, lw_str parent_image, bool images,
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
        out->images[out->nimages++] = (lw_str){e->pimage, e->pimage_n};
    else
        return;
    uint32_t cur = parent_of(t, e);
    while (cur != NIL && out->nimages < t->depth) {
        const proc *c = &t->p[cur];
        if (!c->pimage_n)
            break;
        out->images[out->nimages++] = (lw_str){c->pimage, c->pimage_n};
        cur = parent_of(t, c);
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
    uint64_t gk = guid_key(f->guid), pgk = guid_key(f->parent_guid);
    uint32_t pid = 0, ppid = 0;
    bool has_pid = f->pid.n && lw_parse_pid(f->pid, &pid);
    bool has_ppid = f->parent_pid.n && lw_parse_pid(f->parent_pid, &ppid);

    /* The entry of this process, if an earlier event (duplicate, or its 4688/Sysmon twin)
     * already recorded it. */
    uint32_t self = find_guid(t, gk);
    if (self == NIL && has_pid) {
        uint32_t i = find_pid(t, host, pid);
        if (i != NIL) {
            proc *e = &t->p[i];
            bool twin = (!gk || !e->guid_key) && absdiff(e->start_ms, now) <= SKEW_MS &&
                        same_image(e, f->image);
            if (twin) {
                self = i;
                if (gk && !e->guid_key) {
                    e->guid_key = gk;
                    link_guid(t, i);
                }
            } else {
                unlink_pid(t, i); /* the pid now belongs to the new process */
            }
        }
    }

    /* The parent, touched first so that allocating below cannot evict it. */
    uint32_t par = find_guid(t, pgk);
    if (par == NIL && has_ppid) {
        uint32_t i = find_pid(t, host, ppid);
        if (i != NIL && i != self && !(pgk && t->p[i].guid_key)) {
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
        e->guid_key = gk;
        e->host_key = host;
        e->start_ms = now;
        e->seen_ms = now == INT64_MIN ? t->newest_ms : now;
        if (gk)
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
    if (pgk)
        e->pguid_key = pgk;
    if (has_ppid) {
        e->ppid = ppid;
        e->has_ppid = true;
    }
    if (f->image.n)
        store_path(e->image, &e->image_n, f->image);
    lw_str pimage = lw_str_trim(f->parent_image);
    if (!pimage.n && par != NIL)
        pimage = (lw_str){t->p[par].image, t->p[par].image_n};
    if (pimage.n && pimage.p != e->pimage)
        store_path(e->pimage, &e->pimage_n, pimage);
    e->cls = f->image_cls >= 0 ? (uint16_t)f->image_cls
                               : lw_image_classes((lw_str){e->image, e->image_n}, NULL);

    /* Ancestor classes per level, inherited from the parent entry. */
    if (e->pimage_n) {
        e->anc[0] = f->parent_cls >= 0 && f->parent_image.n
                        ? (uint16_t)f->parent_cls
                        : lw_image_classes((lw_str){e->pimage, e->pimage_n}, NULL);
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
    uint32_t i = find_guid(t, guid_key(f->guid));
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

void lw_proc_terminated(lw_proc_table *t, const lw_proc_fields *f)
{
    uint32_t i = find_guid(t, guid_key(f->guid));
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
