/*
 * The correlator: runtime state of Sigma correlation rules (see correlation.h and
 * docs/correlation.md for the semantics).
 *
 * Input arrives in event-time order (the hunt's reorder buffer sorts base-rule matches by
 * time, then by a content hash), so every window can be kept as an append-mostly array and
 * every group's expiry is monotonic: per correlation, groups sit in a list ordered by
 * deadline, and advancing time pops expired groups from its head in O(1) each.
 *
 * Windows:
 *  - sliding (event_count / value_count / value_sum with gt/gte conditions): entries within
 *    timespan of the newest; decided whenever an entry arrives; the group restarts after it
 *    fires.
 *  - tumbling (conditions with an upper bound, value_avg, value_percentile): a window opens
 *    at a group's first entry and is decided when it closes (timespan later, or at the end
 *    of input).
 *  - temporal: the newest entry of each referenced rule; fires when enough rules were seen
 *    within timespan of each other.
 *  - temporal_ordered: for each k, the chain of rules 0..k with the latest start (a later
 *    start never leaves less room), so one pass finds an ordered chain when one exists.
 *
 * Memory: groups, entries and event copies are bounded by lw_corr_options; whatever a
 * bound drops is counted in the stats.
 */
#include <stdlib.h>
#include <string.h>

#include "correlation.h"

#define DEF_MAX_GROUPS       100000
#define DEF_MAX_GROUP_EVENTS 4096
#define DEF_MAX_ALERT_EVENTS 32
#define DEF_MAX_COPIES       100000

/* ---- event copies ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static bool add_sz(size_t *a, size_t b)
{
    if (*a > SIZE_MAX - b)
        return false;
    *a += b;
    return true;
}

lw_status lw_cev_new(const lw_event *ev, const char *path, lw_cev_acct *acct, lw_cev **out)
{
    *out = NULL;
    size_t need = sizeof(lw_cev);
    bool ok = add_sz(&need, (size_t)ev->nfields * sizeof(lw_field)) && add_sz(&need, ev->host.n) &&
              add_sz(&need, ev->channel.n) && add_sz(&need, ev->provider.n);
    for (uint32_t i = 0; ok && i < ev->nfields; i++)
        ok = add_sz(&need, ev->fields[i].name.n) && add_sz(&need, ev->fields[i].value.n);
    if (!ok)
        return LW_ENOMEM;
    lw_cev *c = malloc(need);
    if (!c)
        return LW_ENOMEM;
    memset(c, 0, sizeof(*c));
    c->refs = 1;
    c->bytes = need;
    lw_field *f = (lw_field *)(c + 1);
    char *p = (char *)(f + ev->nfields);
    uint64_t h = 1469598103934665603ULL;
#define COPY(dst, src)                                                                             \
    do {                                                                                           \
        (dst).n = (src).n;                                                                         \
        (dst).p = p;                                                                               \
        if ((src).n)                                                                               \
            memcpy(p, (src).p, (src).n);                                                           \
        p += (src).n;                                                                              \
        h = fnv(h, (dst).p, (dst).n);                                                              \
        h = fnv(h, "\0", 1);                                                                       \
    } while (0)
    lw_event *e = &c->ev;
    e->time_ms = ev->time_ms;
    COPY(e->host, ev->host);
    COPY(e->channel, ev->channel);
    COPY(e->provider, ev->provider);
    e->event_id = ev->event_id;
    h = fnv(h, &e->event_id, sizeof e->event_id);
    e->cats = ev->cats;
    e->product = ev->product;
    e->src_path = path;
    e->record = ev->record;
    e->fields = f;
    e->nfields = e->cap = ev->nfields;
    e->dropped_fields = ev->dropped_fields;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        COPY(f[i].name, ev->fields[i].name);
        COPY(f[i].value, ev->fields[i].value);
        f[i].flags = ev->fields[i].flags;
        h = fnv(h, &f[i].flags, sizeof f[i].flags);
    }
#undef COPY
    c->tie = h;
    c->acct = acct;
    if (acct) {
        acct->live++;
        acct->bytes += need;
        if (acct->live > acct->peak_live)
            acct->peak_live = acct->live;
        if (acct->bytes > acct->peak_bytes)
            acct->peak_bytes = acct->bytes;
    }
    *out = c;
    return LW_OK;
}

void lw_cev_unref(lw_cev *c)
{
    if (!c || --c->refs)
        return;
    if (c->acct) {
        c->acct->live--;
        c->acct->bytes -= c->bytes;
    }
    free(c);
}

static void calert_unref(lw_calert *a)
{
    if (!a || --a->refs)
        return;
    for (uint32_t i = 0; i < a->nevs; i++)
        lw_cev_unref(a->evs[i].ev);
    free(a->evs);
    free(a->gval); /* gval, gnull and the value bytes are one allocation */
    free(a);
}

/* ---- state ---- */

typedef struct centry {
    int64_t t;
    uint64_t tie;
    uint64_t vh; /* value hash (value_count, value_percentile) */
    double num;  /* numeric value (value_sum, value_avg) */
    lw_cev *ev;  /* copy, or NULL when only counted */
    lw_calert *sub;
    const lw_rule_meta *rule;
    uint32_t ref;
} centry;

typedef struct cgroup {
    uint64_t hash;
    char *key; /* normalized key bytes (in the gval block) */
    size_t keylen;
    lw_str *gval;
    uint8_t *gnull;
    struct cgroup *prev, *next; /* deadline order */
    int64_t deadline, start;
    centry *e; /* window entries e[head .. head+n), sorted by (t, tie) */
    uint32_t head, n, cap, ncopies;
    uint32_t cfirst; /* no entry before this one (relative to head) holds a copy */
    uint64_t *vk;    /* distinct-value multiset: hash -> count (open addressing) */
    uint32_t *vc;
    uint32_t vcap, vn;
    double sum;
    centry *tl;       /* temporal: nrefs slots; temporal_ordered: nrefs x nrefs chains */
    int64_t *dpstart; /* temporal_ordered: start of chain k, INT64_MIN unset */
} cgroup;

typedef struct cstate {
    const lw_corr *c;
    cgroup **slots;
    size_t cap, n;
    cgroup *head, *tail;
} cstate;

struct lw_correlator {
    const lw_rules *rules;
    const lw_corrset *cs;
    lw_corr_options opt;
    lw_calert_fn fn;
    void *ud;
    cstate *st;
    uint32_t *order; /* correlations by depth (inner first), for finish */
    uint64_t live_groups, live_copies;
    lw_corr_stats stats;
    lw_buf key;
    lw_status err;
};

static bool is_sliding(const lw_corr *c)
{
    return c->upward && (c->type == LW_CORR_EVENT_COUNT || c->type == LW_CORR_VALUE_COUNT ||
                         c->type == LW_CORR_VALUE_SUM);
}

static bool is_temporal(const lw_corr *c)
{
    return c->type == LW_CORR_TEMPORAL || c->type == LW_CORR_TEMPORAL_ORDERED;
}

static bool cond_ok(const lw_corr *c, double v)
{
    for (uint32_t i = 0; i < c->nconds; i++) {
        double w = c->conds[i].v;
        bool ok;
        switch (c->conds[i].op) {
        case LW_CC_GT:
            ok = v > w;
            break;
        case LW_CC_GTE:
            ok = v >= w;
            break;
        case LW_CC_LT:
            ok = v < w;
            break;
        case LW_CC_LTE:
            ok = v <= w;
            break;
        case LW_CC_EQ:
            ok = v == w;
            break;
        default:
            ok = v != w;
            break;
        }
        if (!ok)
            return false;
    }
    return true;
}

lw_status lw_correlator_new(const lw_rules *rules, const lw_corr_options *opt, lw_calert_fn fn,
                            void *ud, lw_correlator **out)
{
    *out = NULL;
    const lw_corrset *cs = rules ? rules->corr : NULL;
    if (!cs || !cs->finalized || !cs->nok)
        return LW_OK; /* nothing to correlate: no correlator */
    lw_correlator *k = calloc(1, sizeof(*k));
    if (!k)
        return LW_ENOMEM;
    k->rules = rules;
    k->cs = cs;
    if (opt)
        k->opt = *opt;
    if (!k->opt.max_groups)
        k->opt.max_groups = DEF_MAX_GROUPS;
    if (!k->opt.max_group_events)
        k->opt.max_group_events = DEF_MAX_GROUP_EVENTS;
    if (!k->opt.max_alert_events)
        k->opt.max_alert_events = DEF_MAX_ALERT_EVENTS;
    if (!k->opt.max_copies)
        k->opt.max_copies = DEF_MAX_COPIES;
    if (k->opt.max_group_events > UINT32_MAX / 2)
        k->opt.max_group_events = UINT32_MAX / 2;
    k->fn = fn;
    k->ud = ud;
    k->st = calloc(cs->n, sizeof(*k->st));
    k->order = calloc(cs->n, sizeof(*k->order));
    if (!k->st || !k->order) {
        lw_correlator_free(k);
        return LW_ENOMEM;
    }
    size_t no = 0;
    for (uint8_t d = 0; d <= LW_CORR_MAX_DEPTH; d++)
        for (size_t i = 0; i < cs->n; i++)
            if (cs->c[i]->state == LW_CORR_OK && cs->c[i]->depth == d)
                k->order[no++] = (uint32_t)i;
    for (size_t i = 0; i < cs->n; i++)
        k->st[i].c = cs->c[i];
    k->stats.correlations = cs->nok;
    lw_buf_init(&k->key);
    *out = k;
    return LW_OK;
}

/* ---- entries ---- */

static void entry_release(lw_correlator *k, centry *e)
{
    if (e->ev || e->sub)
        k->live_copies--;
    lw_cev_unref(e->ev);
    calert_unref(e->sub);
    e->ev = NULL;
    e->sub = NULL;
}

static void vmap_add(cgroup *g, uint64_t h, int delta);

static void group_clear(lw_correlator *k, cstate *s, cgroup *g)
{
    for (uint32_t i = 0; i < g->n; i++)
        entry_release(k, &g->e[g->head + i]);
    g->head = g->n = g->ncopies = g->cfirst = 0;
    g->vn = 0;
    if (g->vk)
        memset(g->vk, 0, g->vcap * sizeof(*g->vk));
    g->sum = 0;
    const lw_corr *c = s->c;
    if (g->tl) {
        size_t nt = c->type == LW_CORR_TEMPORAL ? c->nrefs : (size_t)c->nrefs * c->nrefs;
        for (size_t i = 0; i < nt; i++) {
            entry_release(k, &g->tl[i]);
            g->tl[i].t = INT64_MIN;
        }
    }
    if (g->dpstart)
        for (uint32_t i = 0; i < c->nrefs; i++)
            g->dpstart[i] = INT64_MIN;
}

/* ---- group table ---- */

static void list_unlink(cstate *s, cgroup *g)
{
    if (g->prev)
        g->prev->next = g->next;
    else
        s->head = g->next;
    if (g->next)
        g->next->prev = g->prev;
    else
        s->tail = g->prev;
    g->prev = g->next = NULL;
}

static void list_append(cstate *s, cgroup *g)
{
    g->prev = s->tail;
    g->next = NULL;
    if (s->tail)
        s->tail->next = g;
    else
        s->head = g;
    s->tail = g;
}

static void table_remove(cstate *s, cgroup *g)
{
    size_t mask = s->cap - 1, i = g->hash & mask;
    while (s->slots[i] != g)
        i = (i + 1) & mask;
    /* backward-shift deletion keeps probe chains intact without tombstones */
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!s->slots[j])
            break;
        size_t home = s->slots[j]->hash & mask;
        bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (between)
            continue;
        s->slots[i] = s->slots[j];
        i = j;
    }
    s->slots[i] = NULL;
    s->n--;
}

static void group_free(lw_correlator *k, cstate *s, cgroup *g)
{
    group_clear(k, s, g);
    list_unlink(s, g);
    table_remove(s, g);
    free(g->e);
    free(g->vk);
    free(g->vc);
    free(g->tl);
    free(g->dpstart);
    free(g->gval); /* the block holding gval, gnull, key and values */
    free(g);
    k->live_groups--;
    k->stats.groups_live = k->live_groups;
}

static lw_status table_grow(cstate *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 64;
    cgroup **ns = calloc(ncap, sizeof(*ns));
    if (!ns)
        return LW_ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        cgroup *g = s->slots[i];
        if (!g)
            continue;
        size_t j = g->hash & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = g;
    }
    free(s->slots);
    s->slots = ns;
    s->cap = ncap;
    return LW_OK;
}

/* ---- inputs ---- */

typedef struct citem {
    int64_t t;
    uint64_t tie;
    lw_cev *ev; /* base match */
    const lw_rule_meta *rule;
    lw_calert *sub; /* or inner correlation alert */
} citem;

/* Value of field name in an input; false when absent or null. */
static bool item_field(const lw_corr *c, const citem *it, const char *name, lw_str *out)
{
    lw_str nm = lw_str_c(name);
    if (it->ev) {
        const lw_field *f = lw_event_find(&it->ev->ev, nm);
        if (!f || (f->flags & LW_FIELD_NULL))
            return false;
        *out = f->value;
        return true;
    }
    const lw_calert *a = it->sub;
    for (uint32_t j = 0; j < a->corr->ngroup; j++)
        if (lw_str_ieq_c(nm, a->corr->group[j])) {
            if (a->gnull[j])
                return false;
            *out = a->gval[j];
            return true;
        }
    /* not a group-by of the inner correlation: the newest contributing event having it */
    for (uint32_t j = a->nevs; j-- > 0;) {
        const lw_field *f = lw_event_find(&a->evs[j].ev->ev, nm);
        if (f && !(f->flags & LW_FIELD_NULL)) {
            *out = f->value;
            return true;
        }
    }
    (void)c;
    return false;
}

static uint64_t build_key(lw_correlator *k, const lw_corr *c, uint32_t ref, const citem *it)
{
    lw_buf *b = &k->key;
    lw_buf_reset(b);
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t g = 0; g < c->ngroup; g++) {
        lw_str v;
        bool have = item_field(c, it, c->refs[ref].gfield[g], &v);
        unsigned char hdr[5] = {have, 0, 0, 0, 0};
        uint32_t n = have ? (uint32_t)(v.n > UINT32_MAX ? UINT32_MAX : v.n) : 0;
        memcpy(hdr + 1, &n, 4);
        lw_buf_put(b, hdr, 5);
        /* Sigma compares case-insensitively by default: so does grouping */
        for (uint32_t i = 0; i < n; i++) {
            char ch = (char)lw_lower((unsigned char)v.p[i]);
            lw_buf_putc(b, ch);
        }
    }
    return fnv(h, b->p ? b->p : "", b->n);
}

static cgroup *group_find(cstate *s, uint64_t h, const lw_buf *key)
{
    if (!s->cap)
        return NULL;
    size_t mask = s->cap - 1;
    for (size_t i = h & mask; s->slots[i]; i = (i + 1) & mask) {
        cgroup *g = s->slots[i];
        if (g->hash == h && g->keylen == key->n && (!key->n || !memcmp(g->key, key->p, key->n)))
            return g;
    }
    return NULL;
}

static lw_status group_new(lw_correlator *k, cstate *s, uint32_t ref, const citem *it, uint64_t h,
                           cgroup **out)
{
    const lw_corr *c = s->c;
    *out = NULL;
    if (k->live_groups >= k->opt.max_groups) {
        if (!s->head) {
            k->stats.dropped_groups++;
            return LW_OK; /* other correlations hold every group; drop this input */
        }
        group_free(k, s, s->head); /* the stalest group of this correlation */
        k->stats.dropped_groups++;
    }
    if ((s->n + 1) * 2 > s->cap && table_grow(s))
        return LW_ENOMEM;
    /* key bytes, then the display values (original case) */
    size_t disp = 0;
    for (uint32_t g = 0; g < c->ngroup; g++) {
        lw_str v;
        if (item_field(c, it, c->refs[ref].gfield[g], &v))
            disp += v.n;
    }
    /* one block: [gval: ngroup views][gnull: ngroup flags][key bytes][display values] */
    size_t ng = c->ngroup ? c->ngroup : 1;
    size_t sz = ng * (sizeof(lw_str) + 1) + k->key.n + disp + 1;
    cgroup *gr = calloc(1, sizeof(*gr));
    char *blob = malloc(sz);
    if (!gr || !blob) {
        free(gr);
        free(blob);
        return LW_ENOMEM;
    }
    gr->gval = (lw_str *)blob;
    gr->gnull = (uint8_t *)(blob + ng * sizeof(lw_str));
    gr->key = (char *)(gr->gnull + ng);
    gr->keylen = k->key.n;
    if (k->key.n)
        memcpy(gr->key, k->key.p, k->key.n);
    char *dp = gr->key + k->key.n;
    for (uint32_t g = 0; g < c->ngroup; g++) {
        lw_str v;
        if (item_field(c, it, c->refs[ref].gfield[g], &v)) {
            if (v.n)
                memcpy(dp, v.p, v.n);
            gr->gval[g] = (lw_str){dp, v.n};
            gr->gnull[g] = 0;
            dp += v.n;
        } else {
            gr->gval[g] = LW_STR_NULL;
            gr->gnull[g] = 1;
        }
    }
    gr->hash = h;
    if (c->type == LW_CORR_TEMPORAL || c->type == LW_CORR_TEMPORAL_ORDERED) {
        size_t nt = c->type == LW_CORR_TEMPORAL ? c->nrefs : (size_t)c->nrefs * c->nrefs;
        gr->tl = calloc(nt, sizeof(*gr->tl));
        if (!gr->tl)
            goto oom;
        for (size_t i = 0; i < nt; i++)
            gr->tl[i].t = INT64_MIN;
        if (c->type == LW_CORR_TEMPORAL_ORDERED) {
            gr->dpstart = malloc(c->nrefs * sizeof(*gr->dpstart));
            if (!gr->dpstart)
                goto oom;
            for (uint32_t i = 0; i < c->nrefs; i++)
                gr->dpstart[i] = INT64_MIN;
        }
    }
    size_t mask = s->cap - 1, i = h & mask;
    while (s->slots[i])
        i = (i + 1) & mask;
    s->slots[i] = gr;
    s->n++;
    gr->start = it->t;
    gr->deadline = it->t + c->timespan_ms;
    list_append(s, gr);
    k->live_groups++;
    k->stats.groups++;
    k->stats.groups_live = k->live_groups;
    if (k->live_groups > k->stats.groups_peak)
        k->stats.groups_peak = k->live_groups;
    *out = gr;
    return LW_OK;
oom:
    free(gr->tl);
    free(gr->dpstart);
    free(blob);
    free(gr);
    return LW_ENOMEM;
}

/* ---- distinct values ---- */

static lw_status vmap_grow(cgroup *g)
{
    uint32_t ncap = g->vcap ? g->vcap * 2 : 16;
    uint64_t *nk = calloc(ncap, sizeof(*nk));
    uint32_t *nc = calloc(ncap, sizeof(*nc));
    if (!nk || !nc) {
        free(nk);
        free(nc);
        return LW_ENOMEM;
    }
    for (uint32_t i = 0; i < g->vcap; i++) {
        if (!g->vk[i])
            continue;
        uint32_t j = (uint32_t)g->vk[i] & (ncap - 1);
        while (nk[j])
            j = (j + 1) & (ncap - 1);
        nk[j] = g->vk[i];
        nc[j] = g->vc[i];
    }
    free(g->vk);
    free(g->vc);
    g->vk = nk;
    g->vc = nc;
    g->vcap = ncap;
    return LW_OK;
}

/* h is never 0 (callers or it with 1).  delta +1 / -1. */
static void vmap_add(cgroup *g, uint64_t h, int delta)
{
    uint32_t mask = g->vcap - 1, i = (uint32_t)h & mask;
    while (g->vk[i] && g->vk[i] != h)
        i = (i + 1) & mask;
    if (delta > 0) {
        if (!g->vk[i]) {
            g->vk[i] = h;
            g->vc[i] = 0;
            g->vn++;
        }
        g->vc[i]++;
        return;
    }
    if (!g->vk[i] || --g->vc[i])
        return;
    g->vn--;
    /* backward-shift deletion */
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!g->vk[j])
            break;
        uint32_t home = (uint32_t)g->vk[j] & mask;
        bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (between)
            continue;
        g->vk[i] = g->vk[j];
        g->vc[i] = g->vc[j];
        i = j;
    }
    g->vk[i] = 0;
    g->vc[i] = 0;
}

static void drop_front(lw_correlator *k, const lw_corr *c, cgroup *g)
{
    centry *e = &g->e[g->head];
    if (c->type == LW_CORR_VALUE_COUNT || c->type == LW_CORR_VALUE_PERCENTILE)
        vmap_add(g, e->vh, -1);
    g->sum -= e->num;
    if (e->ev || e->sub)
        g->ncopies--;
    entry_release(k, e);
    g->head++;
    g->n--;
    if (g->cfirst)
        g->cfirst--;
    if (!g->n)
        g->head = 0, g->sum = 0, g->cfirst = 0;
}

/* Insert in (t, tie) order; the entry takes over the references in *ne. */
static lw_status window_insert(lw_correlator *k, const lw_corr *c, cgroup *g, centry *ne)
{
    if (g->head + g->n == g->cap) {
        if (g->head > g->cap / 2) {
            memmove(g->e, g->e + g->head, g->n * sizeof(*g->e));
            g->head = 0;
        } else {
            uint32_t ncap = g->cap ? g->cap * 2 : 8;
            centry *n = realloc(g->e, ncap * sizeof(*n));
            if (!n) {
                entry_release(k, ne);
                return LW_ENOMEM;
            }
            g->e = n;
            g->cap = ncap;
        }
    }
    if ((c->type == LW_CORR_VALUE_COUNT || c->type == LW_CORR_VALUE_PERCENTILE) &&
        (g->vn + 1) * 2 > g->vcap && vmap_grow(g)) {
        entry_release(k, ne);
        return LW_ENOMEM;
    }
    uint32_t pos = g->n;
    centry *base = g->e + g->head;
    while (pos > 0 &&
           (base[pos - 1].t > ne->t || (base[pos - 1].t == ne->t && base[pos - 1].tie > ne->tie)))
        pos--;
    memmove(base + pos + 1, base + pos, (g->n - pos) * sizeof(*base));
    base[pos] = *ne;
    g->n++;
    if (ne->ev || ne->sub) {
        g->ncopies++;
        if (pos < g->cfirst)
            g->cfirst = pos;
    } else if (pos < g->cfirst) {
        g->cfirst++;
    }
    if (c->type == LW_CORR_VALUE_COUNT || c->type == LW_CORR_VALUE_PERCENTILE)
        vmap_add(g, ne->vh, +1);
    g->sum += ne->num;
    while (g->n > k->opt.max_group_events) {
        drop_front(k, c, g);
        k->stats.dropped_entries++;
    }
    /* keep event copies only for the newest max_alert_events entries; copies go oldest
     * first, so the scan resumes where the last one stopped */
    while (g->ncopies > k->opt.max_alert_events && g->cfirst < g->n) {
        centry *e = &g->e[g->head + g->cfirst];
        if (e->ev || e->sub) {
            entry_release(k, e);
            g->ncopies--;
        }
        g->cfirst++;
    }
    return LW_OK;
}

/* ---- firing ---- */

static int cmp_aev(const void *a, const void *b)
{
    const struct lw_calert_ev *x = a, *y = b;
    int64_t tx = x->ev->ev.time_ms, ty = y->ev->ev.time_ms;
    if (tx != ty)
        return tx < ty ? -1 : 1;
    if (x->ev->tie != y->ev->tie)
        return x->ev->tie < y->ev->tie ? -1 : 1;
    return strcmp(x->rule->id, y->rule->id);
}

static lw_status feed_corr(lw_correlator *k, uint32_t ci, uint32_t ref, const citem *it);

/* Build an alert from entries ents[0..n) (plus counted-only ones: omitted) and deliver it,
 * then feed it to the correlations that reference this one. */
static lw_status fire(lw_correlator *k, cstate *s, cgroup *g, const centry *const *ents, uint32_t n,
                      uint64_t omitted, double value)
{
    const lw_corr *c = s->c;
    lw_calert *a = calloc(1, sizeof(*a));
    if (!a)
        return LW_ENOMEM;
    a->refs = 1;
    a->corr = c;
    a->value = value;
    a->omitted = omitted;
    a->t_first = INT64_MAX;
    a->t_last = INT64_MIN;
    size_t cap = 0;
    for (uint32_t i = 0; i < n; i++) {
        const centry *e = ents[i];
        if (e->t < a->t_first)
            a->t_first = e->t;
        if (e->t > a->t_last)
            a->t_last = e->t;
        cap += e->ev ? 1 : e->sub ? e->sub->nevs : 0;
        if (e->sub)
            a->omitted += e->sub->omitted;
    }
    if (a->t_first == INT64_MAX)
        a->t_first = a->t_last = g->start;
    /* group values */
    size_t vbytes = 0;
    for (uint32_t i = 0; i < c->ngroup; i++)
        vbytes += g->gval[i].n;
    size_t gsz = (c->ngroup ? c->ngroup : 1) * (sizeof(lw_str) + 1) + vbytes + 1;
    char *blob = malloc(gsz);
    a->evs = calloc(cap ? cap : 1, sizeof(*a->evs));
    if (!blob || !a->evs) {
        free(blob);
        free(a->evs);
        free(a);
        return LW_ENOMEM;
    }
    a->gval = (lw_str *)blob;
    a->gnull = (uint8_t *)(blob + c->ngroup * sizeof(lw_str));
    char *vp = (char *)a->gnull + (c->ngroup ? c->ngroup : 1);
    for (uint32_t i = 0; i < c->ngroup; i++) {
        a->gnull[i] = g->gnull[i];
        if (g->gval[i].n)
            memcpy(vp, g->gval[i].p, g->gval[i].n);
        a->gval[i] = (lw_str){vp, g->gval[i].n};
        vp += g->gval[i].n;
    }
    for (uint32_t i = 0; i < n; i++) {
        const centry *e = ents[i];
        if (e->ev) {
            a->evs[a->nevs].ev = e->ev;
            a->evs[a->nevs].rule = e->rule;
            e->ev->refs++;
            a->nevs++;
        } else if (e->sub) {
            for (uint32_t j = 0; j < e->sub->nevs; j++) {
                a->evs[a->nevs] = e->sub->evs[j];
                a->evs[a->nevs].ev->refs++;
                a->nevs++;
            }
        }
    }
    if (a->nevs > 1)
        qsort(a->evs, a->nevs, sizeof(*a->evs), cmp_aev);
    /* the same (event, rule) can come twice through two inner correlations */
    uint32_t w = 0;
    for (uint32_t i = 0; i < a->nevs; i++) {
        if (w && a->evs[w - 1].ev == a->evs[i].ev && a->evs[w - 1].rule == a->evs[i].rule) {
            lw_cev_unref(a->evs[i].ev);
            continue;
        }
        a->evs[w++] = a->evs[i];
    }
    a->nevs = w;
    uint64_t h = 1469598103934665603ULL;
    h = fnv(h, &c->index, sizeof c->index);
    for (uint32_t i = 0; i < a->nevs; i++)
        h = fnv(h, &a->evs[i].ev->tie, sizeof(uint64_t));
    a->tie = h;

    if (k->fn)
        k->fn(a, k->ud);
    lw_status st = LW_OK;
    for (uint32_t u = 0; u < c->nusers && !st; u++) {
        citem sub = {.t = a->t_last, .tie = a->tie, .sub = a};
        st = feed_corr(k, c->users[u * 2], c->users[u * 2 + 1], &sub);
    }
    calert_unref(a);
    return st;
}

/* Decide a window's aggregate (event count, distinct values, sum, average). */
static double window_value(const lw_corr *c, const cgroup *g)
{
    switch (c->type) {
    case LW_CORR_VALUE_COUNT:
        return (double)g->vn;
    case LW_CORR_VALUE_SUM:
        return g->sum;
    case LW_CORR_VALUE_AVG:
        return g->n ? g->sum / g->n : 0;
    default:
        return (double)g->n;
    }
}

static lw_status fire_window(lw_correlator *k, cstate *s, cgroup *g, double value, uint64_t only_vh)
{
    const centry **ents = malloc((g->n ? g->n : 1) * sizeof(*ents));
    if (!ents)
        return LW_ENOMEM;
    uint32_t n = 0;
    uint64_t omitted = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        const centry *e = &g->e[g->head + i];
        if (only_vh && e->vh != only_vh)
            continue;
        if (e->ev || e->sub)
            ents[n++] = e;
        else
            omitted++;
    }
    lw_status st = fire(k, s, g, ents, n, omitted, value);
    free(ents);
    return st;
}

/* A tumbling window closes: decide it. */
static lw_status close_window(lw_correlator *k, cstate *s, cgroup *g)
{
    const lw_corr *c = s->c;
    if (!g->n)
        return LW_OK;
    if (c->type == LW_CORR_VALUE_PERCENTILE) {
        /* each value whose share of the group's events meets the condition */
        lw_status st = LW_OK;
        for (uint32_t i = 0; i < g->vcap && !st; i++) {
            if (!g->vk[i])
                continue;
            double pct = 100.0 * g->vc[i] / g->n;
            if (cond_ok(c, pct))
                st = fire_window(k, s, g, pct, g->vk[i]);
        }
        return st;
    }
    double v = window_value(c, g);
    return cond_ok(c, v) ? fire_window(k, s, g, v, 0) : LW_OK;
}

/* Pop groups whose deadline is before now. */
static lw_status expire(lw_correlator *k, cstate *s, int64_t now)
{
    lw_status st = LW_OK;
    while (s->head && s->head->deadline < now && !st) {
        cgroup *g = s->head;
        if (!is_sliding(s->c) && !is_temporal(s->c))
            st = close_window(k, s, g);
        k->stats.evicted++;
        group_free(k, s, g);
    }
    return st;
}

static void touch(cstate *s, cgroup *g, int64_t t)
{
    int64_t d = t + s->c->timespan_ms;
    if (d < g->deadline)
        return; /* an inner alert older than the group's newest input */
    g->deadline = d;
    list_unlink(s, g);
    list_append(s, g);
}

static lw_status feed_temporal(lw_correlator *k, cstate *s, cgroup *g, uint32_t ref, centry *ne)
{
    const lw_corr *c = s->c;
    centry *slot = &g->tl[ref];
    if (slot->t != INT64_MIN && (slot->t > ne->t || (slot->t == ne->t && slot->tie > ne->tie))) {
        entry_release(k, ne); /* an older input than the one kept */
        return LW_OK;
    }
    entry_release(k, slot);
    *slot = *ne;
    int64_t lo = ne->t - c->timespan_ms;
    const centry *ents[LW_CORR_MAX_REFS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->nrefs; i++)
        if (g->tl[i].t != INT64_MIN && g->tl[i].t >= lo)
            ents[n++] = &g->tl[i];
    if (!cond_ok(c, n))
        return LW_OK;
    uint64_t omitted = 0;
    const centry *kept[LW_CORR_MAX_REFS];
    uint32_t nk = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (ents[i]->ev || ents[i]->sub)
            kept[nk++] = ents[i];
        else
            omitted++;
    }
    lw_status st = fire(k, s, g, kept, nk, omitted, n);
    group_clear(k, s, g);
    return st;
}

static lw_status feed_ordered(lw_correlator *k, cstate *s, cgroup *g, uint32_t ref, centry *ne)
{
    const lw_corr *c = s->c;
    uint32_t nr = c->nrefs;
    centry *chain = &g->tl[(size_t)ref * nr]; /* chain for level ref: entries 0..ref */
    int64_t start;
    if (ref == 0) {
        start = ne->t;
    } else {
        centry *prev = &g->tl[(size_t)(ref - 1) * nr];
        int64_t ps = g->dpstart[ref - 1];
        const centry *last = &prev[ref - 1];
        bool same = (ne->ev && last->ev == ne->ev) || (ne->sub && last->sub == ne->sub);
        if (ps == INT64_MIN || ps < ne->t - c->timespan_ms || same || last->t > ne->t) {
            entry_release(k, ne);
            return LW_OK;
        }
        start = ps;
    }
    if (g->dpstart[ref] != INT64_MIN && start < g->dpstart[ref]) {
        entry_release(k, ne);
        return LW_OK; /* the chain kept leaves more room */
    }
    /* replace chain[ref] with chain[ref-1] + ne */
    for (uint32_t i = 0; i <= ref; i++)
        entry_release(k, &chain[i]);
    if (ref > 0) {
        centry *prev = &g->tl[(size_t)(ref - 1) * nr];
        for (uint32_t i = 0; i < ref; i++) {
            chain[i] = prev[i];
            if (chain[i].ev)
                chain[i].ev->refs++;
            if (chain[i].sub)
                chain[i].sub->refs++;
            if ((chain[i].ev || chain[i].sub)) {
                if (k->live_copies >= k->opt.max_copies) {
                    lw_cev_unref(chain[i].ev);
                    calert_unref(chain[i].sub);
                    chain[i].ev = NULL;
                    chain[i].sub = NULL;
                    k->stats.dropped_copies++;
                } else {
                    k->live_copies++;
                }
            }
        }
    }
    chain[ref] = *ne;
    g->dpstart[ref] = start;
    if (!cond_ok(c, ref + 1))
        return LW_OK;
    const centry *kept[LW_CORR_MAX_REFS];
    uint32_t nk = 0;
    uint64_t omitted = 0;
    for (uint32_t i = 0; i <= ref; i++) {
        if (chain[i].ev || chain[i].sub)
            kept[nk++] = &chain[i];
        else
            omitted++;
    }
    lw_status st = fire(k, s, g, kept, nk, omitted, ref + 1);
    group_clear(k, s, g);
    return st;
}

static lw_status feed_corr(lw_correlator *k, uint32_t ci, uint32_t ref, const citem *it)
{
    cstate *s = &k->st[ci];
    const lw_corr *c = s->c;
    lw_status st = expire(k, s, it->t);
    if (st)
        return st;
    centry ne = {.t = it->t, .tie = it->tie, .rule = it->rule, .ref = ref};
    if (c->field) {
        lw_str v;
        if (!item_field(c, it, c->refs[ref].vfield, &v))
            return LW_OK; /* no value: nothing to count */
        if (c->type == LW_CORR_VALUE_SUM || c->type == LW_CORR_VALUE_AVG) {
            if (!lw_str_to_double(v, &ne.num) || ne.num != ne.num)
                return LW_OK;
        } else {
            ne.vh = lw_str_ihash(v) | 1;
        }
    }
    uint64_t h = build_key(k, c, ref, it);
    if (!lw_buf_ok(&k->key))
        return LW_ENOMEM;
    cgroup *g = group_find(s, h, &k->key);
    if (!g && c->type == LW_CORR_TEMPORAL_ORDERED && ref > 0)
        return LW_OK; /* nothing to extend: a later step alone keeps no state */
    if (!g) {
        if ((st = group_new(k, s, ref, it, h, &g)))
            return st;
        if (!g)
            return LW_OK;
    }
    if (k->live_copies >= k->opt.max_copies) {
        k->stats.dropped_copies++;
    } else {
        ne.ev = it->ev;
        ne.sub = it->sub;
        if (ne.ev)
            ne.ev->refs++;
        if (ne.sub)
            ne.sub->refs++;
        k->live_copies++;
    }
    if (c->type == LW_CORR_TEMPORAL) {
        touch(s, g, it->t);
        return feed_temporal(k, s, g, ref, &ne);
    }
    if (c->type == LW_CORR_TEMPORAL_ORDERED) {
        touch(s, g, it->t);
        return feed_ordered(k, s, g, ref, &ne);
    }
    if (is_sliding(c)) {
        int64_t lo = it->t - c->timespan_ms;
        while (g->n && g->e[g->head].t < lo)
            drop_front(k, c, g);
        touch(s, g, it->t);
        if ((st = window_insert(k, c, g, &ne)))
            return st;
        double v = window_value(c, g);
        if (cond_ok(c, v)) {
            st = fire_window(k, s, g, v, 0);
            group_clear(k, s, g);
        }
        return st;
    }
    /* tumbling: the window keeps the deadline it opened with */
    if (!g->n) {
        g->start = it->t;
        g->deadline = it->t + c->timespan_ms;
        list_unlink(s, g);
        list_append(s, g);
    }
    return window_insert(k, c, g, &ne);
}

lw_status lw_correlator_advance(lw_correlator *k, int64_t now)
{
    if (!k)
        return LW_OK;
    for (size_t i = 0; i < k->cs->nok; i++) {
        lw_status st = expire(k, &k->st[k->order[i]], now);
        if (st)
            return st;
    }
    return LW_OK;
}

lw_status lw_correlator_feed(lw_correlator *k, uint32_t rule, const lw_rule_meta *meta, lw_cev *ev)
{
    if (!k || rule >= k->cs->nrules)
        return LW_OK;
    const lw_corrset *cs = k->cs;
    int64_t t = ev->ev.time_ms;
    lw_status st = lw_correlator_advance(k, t);
    citem it = {.t = t, .tie = ev->tie, .ev = ev, .rule = meta};
    for (uint32_t u = cs->use_start[rule]; u < cs->use_start[rule + 1] && !st; u++)
        st = feed_corr(k, cs->use[u * 2], cs->use[u * 2 + 1], &it);
    return st;
}

lw_status lw_correlator_finish(lw_correlator *k)
{
    if (!k)
        return LW_OK;
    lw_status st = LW_OK;
    /* inner correlations first: their last alerts feed the outer ones */
    for (size_t i = 0; i < k->cs->nok; i++) {
        cstate *s = &k->st[k->order[i]];
        while (s->head) {
            cgroup *g = s->head;
            if (!st && !is_sliding(s->c) && !is_temporal(s->c))
                st = close_window(k, s, g);
            group_free(k, s, g);
        }
    }
    return st;
}

void lw_correlator_free(lw_correlator *k)
{
    if (!k)
        return;
    if (k->st) {
        for (size_t i = 0; i < k->cs->n; i++) {
            cstate *s = &k->st[i];
            while (s->head)
                group_free(k, s, s->head);
            free(s->slots);
        }
    }
    free(k->st);
    free(k->order);
    lw_buf_free(&k->key);
    free(k);
}

void lw_correlator_stats(const lw_correlator *k, lw_corr_stats *st)
{
    if (!k)
        return;
    st->correlations = k->stats.correlations;
    st->groups = k->stats.groups;
    st->groups_live = k->stats.groups_live;
    st->groups_peak = k->stats.groups_peak;
    st->evicted = k->stats.evicted;
    st->dropped_groups = k->stats.dropped_groups;
    st->dropped_entries = k->stats.dropped_entries;
    st->dropped_copies = k->stats.dropped_copies;
}
