/*
 * lw_matcher: evaluates the compiled rules over one event at a time.
 *
 * Per event: each event field name is hashed once and mapped to the rules' field id
 * (slot arrays stamped with a generation counter, so nothing is cleared per event); the
 * lowercased copy of a value is made only when a case-insensitive 'contains' needs it and
 * is cached for the rest of the event.  Rules are visited through a per-category-mask list
 * (built on first sight of a mask, in load order), so an event only meets rules whose
 * log-source category admits it.
 *
 * With the literal prefilter (prefilter.c) on, each event field that some gated rule of
 * the category list looks at is scanned once by its Hyperscan database; the hits mark
 * candidate rules (generation stamps, nothing cleared per event).  Then the list's
 * ungated rules and the candidates are merged back into load order and evaluated as
 * before, so results and their order do not change.  Lists with few gated rules (the
 * shipped rule set) skip the scan: evaluating a handful of rules is cheaper.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "sigma-int.h"

#define MAX_CAT_LISTS 256

/* Below this many gated rules in a category list the scan costs more than it saves. */
#define PF_MIN_GATED 16

/*
 * Field name -> id cache.  Events of one source repeat the same few dozen field names, and
 * the dictionary lookup (hash, probe, case-folded compare against the lowercase stored
 * name) costs more than checking a remembered answer.  Keyed by the name's bytes, never
 * by its address: names are views into a reader window that is reused, so a pointer can
 * name different bytes from one event to the next.  Every hit is verified against a copy
 * of the exact bytes that produced the cached id, so an answer is only reused for an
 * identical name (a differently cased spelling gets its own slot; the dictionary folds
 * case, so its answer is the same anyway).  Direct-mapped: a collision just looks up.
 */
#define NAME_SLOTS    1024
#define NAME_SLOT_MAX 48

struct name_slot {
    uint64_t w1, w2; /* first and last 8 bytes of the name (zero padded when shorter) */
    uint32_t id;     /* dictionary answer, UINT32_MAX when absent */
    uint32_t n;      /* name length; 0 = empty slot (empty names are not cached) */
};
/* Bytes 8 .. n-8 of slot names longer than 16, kept apart so the slots stay compact. */
typedef char name_mid[NAME_SLOT_MAX - 16];

typedef struct catlist {
    uint64_t mask;
    uint32_t *rules; /* every rule of the list, load order */
    uint32_t n;
    /* Prefilter view (use_pf): ungated rules in load order, and the databases (field
     * databases, then the keyword one if any) that gated rules of the list use. */
    bool use_pf;
    bool kw;
    uint32_t *ungated;
    uint32_t nungated;
    uint32_t *dbs;
    uint32_t ndbs;
} catlist;

struct lw_matcher {
    const lw_rules *rules;
    const lw_event *ev;
    uint32_t gen;
    uint32_t nids;
    uint32_t *id_gen; /* per field id: generation when id_idx is valid */
    uint32_t *id_idx; /* per field id: index into ev->fields */
    /* Per event field index: lowercased value cache. */
    uint32_t *lc_gen;
    uint32_t *lc_off;
    size_t lc_cap;
    char *lcbuf;
    size_t lcn, lccap;
    catlist *cats;
    size_t ncats;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *js;
    uint64_t re_limit_hits;
    /* Prefilter state: scratch, per-rule candidate stamps, this event's candidates. */
    const lw_prefilter *pf;
    bool pf_on;
    uint32_t pf_min; /* gated rules a category list needs to use the prefilter */
    hs_scratch_t *scratch;
    uint32_t *rule_gen;
    uint32_t *cand;
    uint32_t ncand;
    /* Field name -> id answers (see name_id); NULL when short of memory: always look up. */
    struct name_slot *names;
    name_mid *name_mids; /* NAME_SLOTS entries, parallel to names */
};

lw_status lw_matcher_new(const lw_rules *rules, lw_matcher **out)
{
    if (!rules || !out)
        return LW_EINVAL;
    lw_matcher *m = calloc(1, sizeof(*m));
    if (!m)
        return LW_ENOMEM;
    m->rules = rules;
    m->nids = rules->fields.count;
    m->id_gen = calloc(m->nids ? m->nids : 1, sizeof(uint32_t));
    m->id_idx = calloc(m->nids ? m->nids : 1, sizeof(uint32_t));
    m->cats = calloc(MAX_CAT_LISTS, sizeof(*m->cats));
    m->md = pcre2_match_data_create(1, NULL);
    m->mctx = pcre2_match_context_create(NULL);
    m->js = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    m->names = calloc(NAME_SLOTS, sizeof(*m->names)); /* optional: NULL just looks up */
    m->name_mids = malloc(NAME_SLOTS * sizeof(*m->name_mids));
    if (!m->name_mids) {
        free(m->names);
        m->names = NULL;
    }
    if (!m->id_gen || !m->id_idx || !m->cats || !m->md || !m->mctx || !m->js) {
        lw_matcher_free(m);
        return LW_ENOMEM;
    }
    /* Catastrophic regexes must not hang a hunt: bounded work, counted when hit. */
    pcre2_set_match_limit(m->mctx, LW_RE_MATCH_LIMIT);
    pcre2_set_depth_limit(m->mctx, LW_RE_DEPTH_LIMIT);
    pcre2_jit_stack_assign(m->mctx, NULL, m->js);
    m->pf = rules->compiled ? rules->pf : NULL;
    if (m->pf) {
        size_t nr = rules->nrules ? rules->nrules : 1;
        m->rule_gen = calloc(nr, sizeof(uint32_t));
        m->cand = malloc(nr * sizeof(uint32_t));
        if (!m->rule_gen || !m->cand || hs_clone_scratch(m->pf->proto, &m->scratch) != HS_SUCCESS) {
            lw_matcher_free(m);
            return LW_ENOMEM;
        }
        const char *off = getenv("LW_NO_PREFILTER");
        m->pf_on = !(off && off[0] && strcmp(off, "0") != 0);
        m->pf_min = PF_MIN_GATED;
    }
    *out = m;
    return LW_OK;
}

static void catlist_free(catlist *cl);

void lw_matcher_set_prefilter(lw_matcher *m, int mode)
{
    m->pf_on = mode != 0 && m->pf != NULL;
    uint32_t min = mode == 2 ? 1 : PF_MIN_GATED;
    if (min != m->pf_min) {
        /* The lists' prefilter views depend on the threshold: rebuild them lazily. */
        for (size_t i = 0; i < m->ncats; i++)
            catlist_free(&m->cats[i]);
        m->ncats = 0;
        m->pf_min = min;
    }
}

void lw_matcher_free(lw_matcher *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->ncats; i++) {
        free(m->cats[i].rules);
        free(m->cats[i].ungated);
        free(m->cats[i].dbs);
    }
    free(m->cats);
    if (m->scratch)
        hs_free_scratch(m->scratch);
    free(m->rule_gen);
    free(m->cand);
    free(m->id_gen);
    free(m->id_idx);
    free(m->names);
    free(m->name_mids);
    free(m->lc_gen);
    free(m->lc_off);
    free(m->lcbuf);
    if (m->md)
        pcre2_match_data_free(m->md);
    if (m->mctx)
        pcre2_match_context_free(m->mctx);
    if (m->js)
        pcre2_jit_stack_free(m->js);
    free(m);
}

uint64_t lw_matcher_regex_limit_hits(const lw_matcher *m)
{
    return m->re_limit_hits;
}

/* ---- per-event field access ---- */

static inline const lw_field *field_of(const lw_matcher *m, uint32_t id)
{
    if (id >= m->nids || m->id_gen[id] != m->gen)
        return NULL;
    return &m->ev->fields[m->id_idx[id]];
}

/* Lowercased value of event field i; falls back to NULL (caller folds on the fly) when
 * memory is short. */
static const char *lc_value(lw_matcher *m, uint32_t i)
{
    const lw_field *f = &m->ev->fields[i];
    if (i < m->lc_cap && m->lc_gen[i] == m->gen)
        return m->lcbuf + m->lc_off[i];
    if (i >= m->lc_cap) {
        size_t ncap = m->lc_cap ? m->lc_cap : 64;
        while (ncap <= i)
            ncap *= 2;
        uint32_t *g = realloc(m->lc_gen, ncap * sizeof(*g));
        if (!g)
            return NULL;
        m->lc_gen = g;
        uint32_t *o = realloc(m->lc_off, ncap * sizeof(*o));
        if (!o)
            return NULL;
        m->lc_off = o;
        memset(m->lc_gen + m->lc_cap, 0, (ncap - m->lc_cap) * sizeof(*g));
        m->lc_cap = ncap;
    }
    if (f->value.n > UINT32_MAX - m->lcn || m->lcn + f->value.n > UINT32_MAX)
        return NULL;
    if (m->lcn + f->value.n + 1 > m->lccap) {
        size_t ncap = m->lccap ? m->lccap : 4096;
        while (ncap < m->lcn + f->value.n + 1)
            ncap *= 2;
        char *nb = realloc(m->lcbuf, ncap);
        if (!nb)
            return NULL;
        m->lcbuf = nb;
        m->lccap = ncap;
    }
    char *d = m->lcbuf + m->lcn;
    for (size_t k = 0; k < f->value.n; k++)
        d[k] = (char)lw_lower((unsigned char)f->value.p[k]);
    m->lc_off[i] = (uint32_t)m->lcn;
    m->lc_gen[i] = m->gen;
    m->lcn += f->value.n;
    return d;
}

static uint32_t name_id(lw_matcher *m, lw_str name)
{
    const lw_fdict *d = &m->rules->fields;
    if (!m->names || name.n == 0 || name.n > NAME_SLOT_MAX)
        return lw_fdict_lookup(d, name, lw_str_ihash(name));
    uint64_t w1, w2; /* with the length: every byte of names up to 16 long */
    lw_str_head_tail(name, &w1, &w2);
    uint64_t h = (w1 ^ (w2 * 0x9E3779B97F4A7C15ULL) ^ name.n) * 0xff51afd7ed558ccdULL;
    size_t k = (size_t)(h >> 40) & (NAME_SLOTS - 1);
    struct name_slot *s = &m->names[k];
    /* w1 and w2 cover every byte of names up to 16 long; longer ones compare the middle. */
    if (s->n == name.n && s->w1 == w1 && s->w2 == w2 &&
        (name.n <= 16 || memcmp(m->name_mids[k], name.p + 8, name.n - 16) == 0))
        return s->id;
    uint32_t id = lw_fdict_lookup(d, name, lw_str_ihash(name));
    s->w1 = w1;
    s->w2 = w2;
    s->id = id;
    s->n = (uint32_t)name.n;
    if (name.n > 16)
        memcpy(m->name_mids[k], name.p + 8, name.n - 16);
    return id;
}

static void begin_event(lw_matcher *m, const lw_event *ev)
{
    m->ev = ev;
    m->lcn = 0;
    if (++m->gen == 0) {
        /* Wrapped: stamps from 2^32 events ago could look current. */
        memset(m->id_gen, 0, m->nids * sizeof(uint32_t));
        if (m->lc_gen)
            memset(m->lc_gen, 0, m->lc_cap * sizeof(uint32_t));
        if (m->rule_gen)
            memset(m->rule_gen, 0, m->rules->nrules * sizeof(uint32_t));
        m->gen = 1;
    }
    for (uint32_t i = 0; i < ev->nfields; i++) {
        uint32_t id = name_id(m, ev->fields[i].name);
        if (id == UINT32_MAX || id >= m->nids || m->id_gen[id] == m->gen)
            continue; /* unknown to every rule, or a duplicate: the first one counts */
        m->id_gen[id] = m->gen;
        m->id_idx[id] = i;
    }
}

/* ---- comparisons ---- */

static inline bool eq_fold(const unsigned char *v, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lw_lower(v[i]) != p[i])
            return false;
    return true;
}

static size_t utf8_len(const unsigned char *v, size_t i, size_t n)
{
    size_t k = i + 1;
    if (v[i] >= 0xC0)
        while (k < n && (v[k] & 0xC0) == 0x80)
            k++;
    return k - i;
}

/* '*' any run, '?' one character (UTF-8 aware); backtracks only to the last star. */
static bool glob_match(const lw_pat *p, const unsigned char *v, size_t n)
{
    size_t pi = 0, vi = 0, star = SIZE_MAX, mark = 0;
    while (vi < n) {
        if (pi < p->n && p->wild[pi] == LW_WILD_STAR) {
            star = pi++;
            mark = vi;
            continue;
        }
        if (pi < p->n && p->wild[pi] == LW_WILD_ONE) {
            pi++;
            vi += utf8_len(v, vi, n);
            continue;
        }
        if (pi < p->n && (p->cased ? v[vi] : lw_lower(v[vi])) == p->s[pi]) {
            pi++;
            vi++;
            continue;
        }
        if (star == SIZE_MAX)
            return false;
        pi = star + 1;
        mark += utf8_len(v, mark, n);
        vi = mark;
    }
    while (pi < p->n && p->wild[pi] == LW_WILD_STAR)
        pi++;
    return pi == p->n;
}

static bool parse_ip(lw_str s, unsigned char addr[16], int *family)
{
    char buf[64];
    s = lw_str_trim(s);
    if (s.n >= 2 && s.p[0] == '[' && s.p[s.n - 1] == ']') {
        s.p++;
        s.n -= 2;
    }
    const char *pct = memchr(s.p, '%', s.n);
    if (pct)
        s.n = (size_t)(pct - s.p);
    if (s.n == 0 || s.n >= sizeof(buf))
        return false;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        *family = 6;
        return true;
    }
    return false;
}

static bool prefix_eq(const unsigned char *a, const unsigned char *b, uint32_t bits)
{
    uint32_t whole = bits / 8, rest = bits % 8;
    if (whole && memcmp(a, b, whole) != 0)
        return false;
    if (rest) {
        unsigned char mask = (unsigned char)(0xFF << (8 - rest));
        return (a[whole] & mask) == (b[whole] & mask);
    }
    return true;
}

static bool cidr_match(const lw_pat *p, lw_str v)
{
    unsigned char addr[16];
    int fam;
    if (!parse_ip(v, addr, &fam))
        return false;
    if (p->family == 4 && fam == 6) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
        if (memcmp(addr, mapped, 12) != 0)
            return false;
        memmove(addr, addr + 12, 4);
        fam = 4;
    }
    if (fam != p->family)
        return false;
    return prefix_eq(addr, p->addr, p->prefix);
}

static bool re_match(lw_matcher *m, const lw_pat *p, lw_str v)
{
    int rc = pcre2_match(p->re, (PCRE2_SPTR)(v.p ? v.p : ""), v.n, 0, 0, m->md, m->mctx);
    if (rc >= 0)
        return true;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
        m->re_limit_hits++;
    return false;
}

/* String kinds against value v (field index fi for the lowercase cache). */
static bool str_match(lw_matcher *m, uint8_t kind, bool cased, const unsigned char *s, size_t sn,
                      lw_str v, uint32_t fi)
{
    const unsigned char *vp = (const unsigned char *)v.p;
    switch (kind) {
    case LW_PAT_EXACT:
        return v.n == sn && (cased ? memcmp(vp, s, sn) == 0 : eq_fold(vp, s, sn));
    case LW_PAT_PREFIX:
        return v.n >= sn && (cased ? memcmp(vp, s, sn) == 0 : eq_fold(vp, s, sn));
    case LW_PAT_SUFFIX:
        return v.n >= sn &&
               (cased ? memcmp(vp + v.n - sn, s, sn) == 0 : eq_fold(vp + v.n - sn, s, sn));
    case LW_PAT_CONTAINS: {
        if (v.n < sn)
            return false;
        if (cased)
            return memmem(vp, v.n, s, sn) != NULL;
        const char *lc = fi == UINT32_MAX ? NULL : lc_value(m, fi);
        if (lc)
            return memmem(lc, v.n, s, sn) != NULL;
        return lw_str_ifind(v, (lw_str){(const char *)s, sn}) >= 0;
    }
    default:
        return false;
    }
}

/* Does pattern p match field f (NULL when absent), event field index fi? */
static bool pat_match(lw_matcher *m, const lw_pat *p, const lw_field *f, uint32_t fi)
{
    if (!f || (f->flags & LW_FIELD_NULL))
        return p->kind == LW_PAT_NULL;
    lw_str v = f->value;
    switch (p->kind) {
    case LW_PAT_EXACT:
    case LW_PAT_PREFIX:
    case LW_PAT_SUFFIX:
    case LW_PAT_CONTAINS:
        return str_match(m, p->kind, p->cased, p->s, p->n, v, fi);
    case LW_PAT_ANY:
        return true;
    case LW_PAT_NULL:
        return v.n == 0;
    case LW_PAT_GLOB:
        return glob_match(p, (const unsigned char *)v.p, v.n);
    case LW_PAT_RE:
        return re_match(m, p, v);
    case LW_PAT_CIDR:
        return cidr_match(p, v);
    case LW_PAT_NUM: {
        double d;
        if (!lw_str_to_double(v, &d))
            return false;
        switch (p->op) {
        case LW_NUM_LT:
            return d < p->num;
        case LW_NUM_LTE:
            return d <= p->num;
        case LW_NUM_GT:
            return d > p->num;
        default:
            return d >= p->num;
        }
    }
    case LW_PAT_FIELDREF: {
        const lw_field *o = field_of(m, p->ref);
        if (!o || (o->flags & LW_FIELD_NULL))
            return false;
        if (p->cased)
            return str_match(m, p->op, true, (const unsigned char *)o->value.p, o->value.n, v,
                             UINT32_MAX);
        /* Fold both sides: compare the two lowercased copies bytewise.  Fetch v's copy
         * again after o's, as making o's may have moved the cache buffer. */
        uint32_t oi = m->id_idx[p->ref];
        const char *lv = fi == UINT32_MAX ? NULL : lc_value(m, fi);
        const char *lo = lv ? lc_value(m, oi) : NULL;
        lv = lo ? lc_value(m, fi) : NULL;
        if (!lv || !lo) {
            switch (p->op) {
            case LW_PAT_EXACT:
                return lw_str_ieq(v, o->value);
            case LW_PAT_PREFIX:
                return lw_str_istarts(v, o->value);
            case LW_PAT_SUFFIX:
                return lw_str_iends(v, o->value);
            default:
                return lw_str_ifind(v, o->value) >= 0;
            }
        }
        return str_match(m, p->op, true, (const unsigned char *)lo, o->value.n, (lw_str){lv, v.n},
                         UINT32_MAX);
    }
    default:
        return false;
    }
}

static inline uint32_t load32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline size_t ng_hash(uint32_t g, size_t mask)
{
    return (size_t)((g * 2654435761u) ^ (g >> 15)) & mask;
}

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c *= 2;
    return c;
}

lw_status lw_fm_build_index(lw_rules *r, lw_fm *fm)
{
    uint32_t nex = 0, nng = 0;
    for (uint32_t i = 0; i < fm->npats; i++) {
        const lw_pat *p = &fm->pats[i];
        if (p->cased)
            continue;
        nex += p->kind == LW_PAT_EXACT;
        nng += p->kind == LW_PAT_CONTAINS && p->n >= 4;
    }
    if (nex + nng < LW_PIDX_MIN / 2)
        return LW_OK; /* mostly other kinds: a linear scan is as good */
    lw_pidx *x = lw_arena_alloc(&r->arena, sizeof(*x));
    if (!x)
        return LW_ENOMEM;
    memset(x, 0, sizeof(*x));
    x->rest = lw_arena_alloc(&r->arena, fm->npats * sizeof(uint32_t));
    if (!x->rest)
        return LW_ENOMEM;
    if (nex) {
        size_t cap = pow2_at_least((size_t)nex * 2);
        x->ex = lw_arena_alloc(&r->arena, cap * sizeof(uint32_t));
        x->exh = lw_arena_alloc(&r->arena, cap * sizeof(uint64_t));
        if (!x->ex || !x->exh)
            return LW_ENOMEM;
        memset(x->ex, 0, cap * sizeof(uint32_t));
        x->exmask = cap - 1;
    }
    if (nng) {
        size_t cap = pow2_at_least((size_t)nng * 2);
        x->ng = lw_arena_alloc(&r->arena, cap * sizeof(uint32_t));
        x->ngkey = lw_arena_alloc(&r->arena, cap * sizeof(uint32_t));
        if (!x->ng || !x->ngkey)
            return LW_ENOMEM;
        memset(x->ng, 0, cap * sizeof(uint32_t));
        x->ngmask = cap - 1;
    }
    for (uint32_t i = 0; i < fm->npats; i++) {
        const lw_pat *p = &fm->pats[i];
        if (!p->cased && p->kind == LW_PAT_EXACT) {
            uint64_t h = lw_str_ihash((lw_str){(const char *)p->s, p->n});
            size_t j = h & x->exmask;
            while (x->ex[j])
                j = (j + 1) & x->exmask;
            x->ex[j] = i + 1;
            x->exh[j] = h;
        } else if (!p->cased && p->kind == LW_PAT_CONTAINS && p->n >= 4) {
            uint32_t g = load32(p->s);
            size_t j = ng_hash(g, x->ngmask);
            while (x->ng[j])
                j = (j + 1) & x->ngmask;
            x->ng[j] = i + 1;
            x->ngkey[j] = g;
        } else {
            x->rest[x->nrest++] = i;
        }
    }
    fm->idx = x;
    return LW_OK;
}

/* Any pattern of an indexed item matches field f (not NULL, not null)? */
static bool idx_match(lw_matcher *m, const lw_fm *fm, const lw_field *f, uint32_t fi)
{
    const lw_pidx *x = fm->idx;
    lw_str v = f->value;
    if (x->ex) {
        uint64_t h = lw_str_ihash(v);
        for (size_t j = h & x->exmask; x->ex[j]; j = (j + 1) & x->exmask) {
            const lw_pat *p = &fm->pats[x->ex[j] - 1];
            if (x->exh[j] == h && p->n == v.n && eq_fold((const unsigned char *)v.p, p->s, p->n))
                return true;
        }
    }
    if (x->ng && v.n >= 4) {
        const unsigned char *lc = (const unsigned char *)lc_value(m, fi);
        if (!lc) {
            /* No memory for the folded copy: check the indexed patterns one by one. */
            for (size_t j = 0; j <= x->ngmask; j++)
                if (x->ng[j] && pat_match(m, &fm->pats[x->ng[j] - 1], f, UINT32_MAX))
                    return true;
        } else {
            for (size_t i = 0; i + 4 <= v.n; i++) {
                uint32_t g = load32(lc + i);
                for (size_t j = ng_hash(g, x->ngmask); x->ng[j]; j = (j + 1) & x->ngmask) {
                    if (x->ngkey[j] != g)
                        continue;
                    const lw_pat *p = &fm->pats[x->ng[j] - 1];
                    if (i + p->n <= v.n && memcmp(lc + i, p->s, p->n) == 0)
                        return true;
                }
            }
        }
    }
    for (uint32_t k = 0; k < x->nrest; k++)
        if (pat_match(m, &fm->pats[x->rest[k]], f, fi))
            return true;
    return false;
}

/* OR over all patterns of a non-|all item. */
static inline bool any_match(lw_matcher *m, const lw_fm *fm, const lw_field *f, uint32_t fi)
{
    if (fm->idx && f && !(f->flags & LW_FIELD_NULL))
        return idx_match(m, fm, f, fi);
    for (uint32_t k = 0; k < fm->npats; k++)
        if (pat_match(m, &fm->pats[k], f, fi))
            return true;
    return false;
}

static bool fm_match(lw_matcher *m, const lw_fm *fm)
{
    const lw_event *ev = m->ev;
    if (fm->field == LW_FIELD_KEYWORD) {
        if (!fm->all) {
            for (uint32_t i = 0; i < ev->nfields; i++) {
                const lw_field *f = &ev->fields[i];
                if (f->flags & LW_FIELD_NULL)
                    continue;
                if (any_match(m, fm, f, i))
                    return true;
            }
            return false;
        }
        for (uint32_t g = 0; g < fm->ngroups; g++) {
            bool hit = false;
            for (uint32_t i = 0; i < ev->nfields && !hit; i++) {
                const lw_field *f = &ev->fields[i];
                if (f->flags & LW_FIELD_NULL)
                    continue;
                for (uint32_t k = fm->gstart[g]; k < fm->gstart[g + 1] && !hit; k++)
                    hit = pat_match(m, &fm->pats[k], f, i);
            }
            if (!hit)
                return false;
        }
        return true;
    }
    const lw_field *f = field_of(m, fm->field);
    if (fm->exists)
        return (f != NULL) == (fm->want != 0);
    uint32_t fi = f ? m->id_idx[fm->field] : UINT32_MAX;
    if (!fm->all)
        return any_match(m, fm, f, fi);
    for (uint32_t g = 0; g < fm->ngroups; g++) {
        bool hit = false;
        for (uint32_t k = fm->gstart[g]; k < fm->gstart[g + 1] && !hit; k++)
            hit = pat_match(m, &fm->pats[k], f, fi);
        if (!hit)
            return false;
    }
    return true;
}

static bool sel_match(lw_matcher *m, const lw_sel *s)
{
    for (uint32_t a = 0; a < s->nalts; a++) {
        const lw_alt *alt = &s->alts[a];
        uint32_t k = 0;
        while (k < alt->nfms && fm_match(m, &alt->fms[k]))
            k++;
        if (k == alt->nfms)
            return true;
    }
    return false;
}

static bool cond_eval(lw_matcher *m, const lw_rule *r, const lw_cnode *c)
{
    switch (c->op) {
    case LW_C_SEL:
        return sel_match(m, &r->sels[c->sel]);
    case LW_C_NOT:
        return !cond_eval(m, r, c->kids[0]);
    case LW_C_AND:
        for (uint32_t i = 0; i < c->nkids; i++)
            if (!cond_eval(m, r, c->kids[i]))
                return false;
        return true;
    default:
        for (uint32_t i = 0; i < c->nkids; i++)
            if (cond_eval(m, r, c->kids[i]))
                return true;
        return false;
    }
}

static void catlist_free(catlist *cl)
{
    free(cl->rules);
    free(cl->ungated);
    free(cl->dbs);
    memset(cl, 0, sizeof(*cl));
}

/* Prefilter view of a fresh list; on allocation failure the list just goes without. */
static void catlist_prefilter(const lw_prefilter *pf, uint32_t min, catlist *cl)
{
    uint32_t ngated = 0;
    for (uint32_t i = 0; i < cl->n; i++) {
        uint32_t r = cl->rules[i];
        ngated += pf->rdb_start[r + 1] > pf->rdb_start[r];
    }
    if (ngated < min)
        return;
    cl->ungated = malloc((cl->n - ngated + 1) * sizeof(uint32_t));
    cl->dbs = malloc((pf->ndbs + 1) * sizeof(uint32_t));
    bool *use = calloc(pf->ndbs + 1, sizeof(bool));
    if (!cl->ungated || !cl->dbs || !use) {
        free(cl->ungated);
        free(cl->dbs);
        free(use);
        cl->ungated = cl->dbs = NULL;
        return;
    }
    for (uint32_t i = 0; i < cl->n; i++) {
        uint32_t r = cl->rules[i];
        if (pf->rdb_start[r + 1] == pf->rdb_start[r])
            cl->ungated[cl->nungated++] = r;
        for (uint32_t k = pf->rdb_start[r]; k < pf->rdb_start[r + 1]; k++)
            use[pf->rdbs[k]] = true;
    }
    for (uint32_t d = 0; d < pf->ndbs; d++)
        if (use[d] && d != pf->kwdb)
            cl->dbs[cl->ndbs++] = d;
    cl->kw = pf->kwdb != UINT32_MAX && use[pf->kwdb];
    free(use);
    cl->use_pf = true;
}

/* Rules whose logsource category can admit an event with these category bits. */
static const catlist *cat_list(lw_matcher *m, uint64_t mask)
{
    for (size_t i = 0; i < m->ncats; i++)
        if (m->cats[i].mask == mask)
            return &m->cats[i];
    if (m->ncats == MAX_CAT_LISTS) {
        /* Unusual inputs with many mask combinations: start over rather than grow. */
        for (size_t i = 0; i < m->ncats; i++)
            catlist_free(&m->cats[i]);
        m->ncats = 0;
    }
    const lw_rules *rs = m->rules;
    uint32_t *list = malloc((rs->nrules ? rs->nrules : 1) * sizeof(uint32_t));
    if (!list)
        return NULL;
    uint32_t n = 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        uint64_t c = rs->rules[i]->ls.cats;
        if (c == 0 || (c & mask))
            list[n++] = (uint32_t)i;
    }
    catlist *cl = &m->cats[m->ncats++];
    memset(cl, 0, sizeof(*cl));
    cl->mask = mask;
    cl->rules = list;
    cl->n = n;
    if (m->pf)
        catlist_prefilter(m->pf, m->pf_min, cl);
    return cl;
}

typedef struct scanctx {
    lw_matcher *m;
    const lw_pf_db *db;
} scanctx;

/* Hyperscan match callback: the literal's rules become candidates of this event. */
static int on_literal(unsigned int id, unsigned long long from, unsigned long long to,
                      unsigned int flags, void *ud)
{
    scanctx *sc = ud;
    lw_matcher *m = sc->m;
    const lw_pf_db *d = sc->db;
    if (id >= d->npats)
        return 0;
    for (uint32_t k = d->pat_start[id]; k < d->pat_start[id + 1]; k++) {
        uint32_t r = d->pat_rules[k];
        if (m->rule_gen[r] != m->gen) {
            m->rule_gen[r] = m->gen;
            m->cand[m->ncand++] = r;
        }
    }
    return 0;
}

static bool scan_value(lw_matcher *m, const lw_pf_db *d, const lw_field *f)
{
    if (!d->db || (f->flags & LW_FIELD_NULL) || f->value.n < d->minlen || f->value.n > UINT32_MAX)
        return true;
    scanctx sc = {m, d};
    return hs_scan(d->db, f->value.p, (unsigned)f->value.n, 0, m->scratch, on_literal, &sc) ==
           HS_SUCCESS;
}

/* Scan the event's fields; false when Hyperscan failed (the caller evaluates everything). */
static bool prefilter_scan(lw_matcher *m, const catlist *cl)
{
    const lw_prefilter *pf = m->pf;
    const lw_event *ev = m->ev;
    m->ncand = 0;
    for (uint32_t i = 0; i < cl->ndbs; i++) {
        const lw_pf_db *d = &pf->dbs[cl->dbs[i]];
        const lw_field *f = field_of(m, d->field);
        if (f && !scan_value(m, d, f))
            return false;
    }
    if (cl->kw) {
        const lw_pf_db *d = &pf->dbs[pf->kwdb];
        for (uint32_t i = 0; i < ev->nfields; i++)
            if (!scan_value(m, d, &ev->fields[i]))
                return false;
    }
    return true;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void sort_u32(uint32_t *v, uint32_t n)
{
    if (n < 24) {
        for (uint32_t i = 1; i < n; i++) {
            uint32_t t = v[i], j = i;
            while (j > 0 && v[j - 1] > t) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = t;
        }
        return;
    }
    qsort(v, n, sizeof(uint32_t), cmp_u32);
}

static inline bool eval_rule(lw_matcher *m, const lw_rule *r, const lw_event *ev, lw_match_fn fn,
                             void *ud, uint64_t *evals)
{
    if (!lw_logsource_admits(&r->ls, ev))
        return false;
    (*evals)++;
    if (cond_eval(m, r, r->cond) && fn)
        fn(r, ev, ud);
    return true;
}

lw_status lw_matcher_run(lw_matcher *m, const lw_event *ev, lw_match_fn fn, void *ud,
                         uint64_t *nevals)
{
    if (!m || !ev)
        return LW_EINVAL;
    const catlist *cl = cat_list(m, ev->cats);
    if (!cl)
        return LW_ENOMEM;
    if (cl->n == 0)
        return LW_OK; /* no rule admits the event's categories: nothing to evaluate */
    begin_event(m, ev);
    uint64_t evals = 0;
    lw_rule *const *rules = m->rules->rules;
    if (m->pf_on && cl->use_pf && prefilter_scan(m, cl)) {
        /* Candidates may come from other categories' rules sharing a field: keep those
         * of this list, then merge with the ungated ones in load order. */
        uint32_t nc = 0;
        for (uint32_t i = 0; i < m->ncand; i++) {
            uint64_t c = rules[m->cand[i]]->ls.cats;
            if (c == 0 || (c & ev->cats))
                m->cand[nc++] = m->cand[i];
        }
        sort_u32(m->cand, nc);
        uint32_t a = 0, b = 0;
        while (a < cl->nungated || b < nc) {
            uint32_t r;
            if (b == nc || (a < cl->nungated && cl->ungated[a] < m->cand[b]))
                r = cl->ungated[a++];
            else
                r = m->cand[b++];
            eval_rule(m, rules[r], ev, fn, ud, &evals);
        }
    } else {
        for (uint32_t i = 0; i < cl->n; i++)
            eval_rule(m, rules[cl->rules[i]], ev, fn, ud, &evals);
    }
    if (nevals)
        *nevals += evals;
    return LW_OK;
}
