/*
 * Literal prefilter: which rules can possibly match an event, found with one Hyperscan
 * scan per event field instead of one walk per rule.
 *
 * Gates (computed from the compiled detection, at lw_rules_compile time).  A gate is a set
 * of (field, literal) pairs; the rule can only match when at least one literal occurs in
 * its field's value.  It must be a necessary condition, never a guess:
 *   field item (lw_fm): every pattern has a literal (EXACT, PREFIX, SUFFIX, CONTAINS: the
 *     whole string; GLOB: its longest run without wildcards) of PF_MIN_LIT bytes or more;
 *     a match needs one of the patterns, so it needs one of the literals.  |all needs every
 *     group, so the literals of one group suffice (the group with the longest shortest
 *     literal).  exists, null, numbers, CIDR, fieldref and regexes have no literal.
 *   alternative (AND of items): the item with the longest shortest literal;
 *   selection (OR of alternatives), OR node: the union, none if one part has none;
 *   AND node: the best gated child; NOT node: none.
 * Case-insensitive patterns are stored lowercase and compared with ASCII folding
 * (lw_lower); Hyperscan's HS_FLAG_CASELESS folds ASCII only as well, so it finds every
 * value the pattern could match.  Exact/prefix/suffix literals are searched anywhere in
 * the value: a superset, which is all a gate needs.
 *
 * Databases: one block-mode literal database per field id (plus one for keywords, scanned
 * over every field value), pattern id -> list of rule indexes.  They are immutable and
 * shared by all matchers; each matcher clones the prototype scratch.
 */
#include <stdlib.h>
#include <string.h>

#include "sigma-int.h"

/* Shorter literals fire on most values and make poor gates: such items are not used. */
#define PF_MIN_LIT 3

typedef struct glit {
    uint32_t field;
    uint32_t rule;
    uint32_t db;
    uint32_t caseless;
    const unsigned char *s;
    size_t n;
} glit;

/* A gate under construction (temporary arena); weight 0 = no gate. */
typedef struct gset {
    glit *v;
    size_t n;
    size_t weight; /* length of the shortest literal */
} gset;

static const gset no_gate = {NULL, 0, 0};

/* Literal a pattern needs in the value, if any. */
static bool pat_literal(const lw_pat *p, const unsigned char **s, size_t *n)
{
    switch (p->kind) {
    case LW_PAT_EXACT:
    case LW_PAT_PREFIX:
    case LW_PAT_SUFFIX:
    case LW_PAT_CONTAINS:
        *s = p->s;
        *n = p->n;
        return p->n > 0;
    case LW_PAT_GLOB: {
        size_t best = 0, bestlen = 0, run = 0;
        for (size_t i = 0; i <= p->n; i++) {
            if (i < p->n && p->wild[i] == LW_WILD_NONE) {
                run++;
                continue;
            }
            if (run > bestlen) {
                bestlen = run;
                best = i - run;
            }
            run = 0;
        }
        *s = p->s + best;
        *n = bestlen;
        return bestlen > 0;
    }
    default:
        return false;
    }
}

/* Shortest literal of pats[lo, hi), or 0 when one of them has no usable literal. */
static size_t range_weight(const lw_fm *fm, uint32_t lo, uint32_t hi)
{
    size_t w = SIZE_MAX;
    if (lo >= hi)
        return 0;
    for (uint32_t k = lo; k < hi; k++) {
        const unsigned char *s;
        size_t n;
        if (!pat_literal(&fm->pats[k], &s, &n) || n < PF_MIN_LIT)
            return 0;
        if (n < w)
            w = n;
    }
    return w;
}

static lw_status range_gate(lw_arena *a, const lw_fm *fm, uint32_t lo, uint32_t hi, size_t w,
                            gset *out)
{
    out->v = lw_arena_alloc(a, (size_t)(hi - lo) * sizeof(glit));
    if (!out->v)
        return LW_ENOMEM;
    out->n = 0;
    for (uint32_t k = lo; k < hi; k++) {
        glit *g = &out->v[out->n++];
        memset(g, 0, sizeof(*g));
        g->field = fm->field;
        g->caseless = !fm->pats[k].cased;
        (void)pat_literal(&fm->pats[k], &g->s, &g->n);
    }
    out->weight = w;
    return LW_OK;
}

static lw_status fm_gate(lw_arena *a, const lw_fm *fm, gset *out)
{
    *out = no_gate;
    if (fm->exists || fm->npats == 0)
        return LW_OK;
    if (!fm->all) {
        size_t w = range_weight(fm, 0, fm->npats);
        return w ? range_gate(a, fm, 0, fm->npats, w, out) : LW_OK;
    }
    /* |all: every group must match, so one group's literals gate the item. */
    size_t bw = 0;
    uint32_t bg = 0;
    for (uint32_t g = 0; g < fm->ngroups; g++) {
        size_t w = range_weight(fm, fm->gstart[g], fm->gstart[g + 1]);
        uint32_t cnt = fm->gstart[g + 1] - fm->gstart[g];
        if (w > bw || (w == bw && w && cnt < fm->gstart[bg + 1] - fm->gstart[bg])) {
            bw = w;
            bg = g;
        }
    }
    return bw ? range_gate(a, fm, fm->gstart[bg], fm->gstart[bg + 1], bw, out) : LW_OK;
}

/* Prefer the longer shortest literal, then fewer literals. */
static bool better(const gset *x, const gset *y)
{
    if (x->weight != y->weight)
        return x->weight > y->weight;
    return x->weight && x->n < y->n;
}

/* Union of parts (each with a gate) into out. */
static lw_status gate_union(lw_arena *a, const gset *parts, size_t nparts, gset *out)
{
    size_t total = 0, w = SIZE_MAX;
    for (size_t i = 0; i < nparts; i++) {
        if (!parts[i].weight) {
            *out = no_gate;
            return LW_OK;
        }
        total += parts[i].n;
        if (parts[i].weight < w)
            w = parts[i].weight;
    }
    if (!nparts) {
        *out = no_gate;
        return LW_OK;
    }
    out->v = lw_arena_alloc(a, (total ? total : 1) * sizeof(glit));
    if (!out->v)
        return LW_ENOMEM;
    out->n = 0;
    for (size_t i = 0; i < nparts; i++) {
        memcpy(out->v + out->n, parts[i].v, parts[i].n * sizeof(glit));
        out->n += parts[i].n;
    }
    out->weight = w;
    return LW_OK;
}

static lw_status sel_gate(lw_arena *a, const lw_sel *s, gset *out)
{
    gset *parts = lw_arena_alloc(a, (s->nalts ? s->nalts : 1) * sizeof(gset));
    if (!parts)
        return LW_ENOMEM;
    for (uint32_t i = 0; i < s->nalts; i++) {
        const lw_alt *alt = &s->alts[i];
        gset best = no_gate;
        for (uint32_t k = 0; k < alt->nfms; k++) {
            gset g;
            lw_status st = fm_gate(a, &alt->fms[k], &g);
            if (st)
                return st;
            if (better(&g, &best))
                best = g;
        }
        if (!best.weight) {
            *out = no_gate;
            return LW_OK;
        }
        parts[i] = best;
    }
    return gate_union(a, parts, s->nalts, out);
}

static lw_status node_gate(lw_arena *a, const lw_rule *r, const lw_cnode *c, gset *out)
{
    *out = no_gate;
    switch (c->op) {
    case LW_C_SEL:
        return sel_gate(a, &r->sels[c->sel], out);
    case LW_C_NOT:
        return LW_OK;
    case LW_C_AND:
        for (uint32_t i = 0; i < c->nkids; i++) {
            gset g;
            lw_status st = node_gate(a, r, c->kids[i], &g);
            if (st)
                return st;
            if (better(&g, out))
                *out = g;
        }
        return LW_OK;
    default: {
        gset *parts = lw_arena_alloc(a, (c->nkids ? c->nkids : 1) * sizeof(gset));
        if (!parts)
            return LW_ENOMEM;
        for (uint32_t i = 0; i < c->nkids; i++) {
            lw_status st = node_gate(a, r, c->kids[i], &parts[i]);
            if (st)
                return st;
            if (!parts[i].weight)
                return LW_OK;
        }
        return gate_union(a, parts, c->nkids, out);
    }
    }
}

/* ---- databases ---- */

void lw_prefilter_free(lw_prefilter *pf)
{
    if (!pf)
        return;
    for (uint32_t i = 0; i < pf->ndbs; i++) {
        if (pf->dbs[i].db)
            hs_free_database(pf->dbs[i].db);
        free(pf->dbs[i].pat_start);
        free(pf->dbs[i].pat_rules);
    }
    free(pf->dbs);
    free(pf->db_of_field);
    free(pf->rdb_start);
    free(pf->rdbs);
    if (pf->proto)
        hs_free_scratch(pf->proto);
    free(pf);
}

static int cmp_lit(const glit *x, const glit *y)
{
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    if (x->caseless != y->caseless)
        return x->caseless < y->caseless ? -1 : 1;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return memcmp(x->s, y->s, x->n);
}

static int cmp_idx(const void *a, const void *b, void *base)
{
    const glit *x = &((const glit *)base)[*(const uint32_t *)a];
    const glit *y = &((const glit *)base)[*(const uint32_t *)b];
    int c = cmp_lit(x, y);
    if (c)
        return c;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Compile database d from the sorted entries lits[ord[lo..hi)). */
static lw_status build_db(lw_pf_db *d, glit *lits, const uint32_t *ord, size_t lo, size_t hi,
                          uint32_t dbi, bool *hs_failed)
{
    size_t npats = 0, nrefs = 0;
    for (size_t k = lo; k < hi; k++) {
        const glit *g = &lits[ord[k]];
        bool newpat = k == lo || cmp_lit(&lits[ord[k - 1]], g) != 0;
        npats += newpat;
        if (newpat || lits[ord[k - 1]].rule != g->rule)
            nrefs++;
    }
    const char **exprs = malloc(npats * sizeof(*exprs));
    size_t *lens = malloc(npats * sizeof(*lens));
    unsigned *flags = malloc(npats * sizeof(*flags));
    unsigned *ids = malloc(npats * sizeof(*ids));
    d->pat_start = malloc((npats + 1) * sizeof(uint32_t));
    d->pat_rules = malloc(nrefs * sizeof(uint32_t));
    lw_status st = LW_ENOMEM;
    if (!exprs || !lens || !flags || !ids || !d->pat_start || !d->pat_rules ||
        npats > UINT32_MAX / 2)
        goto out;
    d->field = lits[ord[lo]].field;
    d->minlen = UINT32_MAX;
    size_t p = 0, r = 0;
    for (size_t k = lo; k < hi; k++) {
        glit *g = &lits[ord[k]];
        g->db = dbi;
        bool newpat = k == lo || cmp_lit(&lits[ord[k - 1]], g) != 0;
        if (newpat) {
            exprs[p] = (const char *)g->s;
            lens[p] = g->n;
            flags[p] = HS_FLAG_SINGLEMATCH | (g->caseless ? HS_FLAG_CASELESS : 0);
            ids[p] = (unsigned)p;
            d->pat_start[p] = (uint32_t)r;
            if (g->n < d->minlen)
                d->minlen = (uint32_t)g->n;
            p++;
        }
        if (newpat || lits[ord[k - 1]].rule != g->rule)
            d->pat_rules[r++] = g->rule;
    }
    d->pat_start[p] = (uint32_t)r;
    d->npats = (uint32_t)p;
    hs_compile_error_t *err = NULL;
    if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)npats, HS_MODE_BLOCK, NULL, &d->db,
                             &err) != HS_SUCCESS) {
        if (err)
            hs_free_compile_error(err);
        d->db = NULL;
        *hs_failed = true;
    }
    st = LW_OK;
out:
    free(exprs);
    free(lens);
    free(flags);
    free(ids);
    return st;
}

lw_status lw_prefilter_build(lw_rules *r)
{
    lw_prefilter_free(r->pf);
    r->pf = NULL;
    lw_status st = LW_ENOMEM;
    lw_arena a;
    lw_arena_init(&a, 64 * 1024);
    glit *lits = NULL;
    uint32_t *ord = NULL, *rule_lo = NULL, *seen = NULL;
    size_t nlits = 0, caplits = 0;
    bool hs_failed = false;
    lw_prefilter *pf = calloc(1, sizeof(*pf));
    if (!pf)
        goto fail;
    pf->nrules = r->nrules;
    pf->nfields = r->fields.count;
    pf->kwdb = UINT32_MAX;
    rule_lo = malloc((r->nrules + 1) * sizeof(uint32_t));
    if (!rule_lo)
        goto fail;
    for (size_t i = 0; i < r->nrules; i++) {
        gset g;
        rule_lo[i] = (uint32_t)nlits;
        if ((st = node_gate(&a, r->rules[i], r->rules[i]->cond, &g)))
            goto fail;
        st = LW_ENOMEM;
        if (!g.weight)
            continue;
        if (nlits + g.n > caplits) {
            size_t ncap = caplits ? caplits * 2 : 1024;
            while (ncap < nlits + g.n)
                ncap *= 2;
            if (ncap > UINT32_MAX / 2)
                goto fail;
            glit *nl = realloc(lits, ncap * sizeof(*nl));
            if (!nl)
                goto fail;
            lits = nl;
            caplits = ncap;
        }
        for (size_t k = 0; k < g.n; k++) {
            lits[nlits] = g.v[k];
            lits[nlits++].rule = (uint32_t)i;
        }
        pf->ngated++;
    }
    rule_lo[r->nrules] = (uint32_t)nlits;
    pf->nliterals = nlits;

    /* Databases: entries sorted by field, literal, rule. */
    ord = malloc((nlits ? nlits : 1) * sizeof(uint32_t));
    if (!ord)
        goto fail;
    for (size_t k = 0; k < nlits; k++)
        ord[k] = (uint32_t)k;
    if (nlits)
        qsort_r(ord, nlits, sizeof(uint32_t), cmp_idx, lits);
    size_t ndbs = 0;
    for (size_t k = 0; k < nlits; k++)
        ndbs += k == 0 || lits[ord[k]].field != lits[ord[k - 1]].field;
    pf->dbs = calloc(ndbs ? ndbs : 1, sizeof(lw_pf_db));
    pf->db_of_field = malloc((pf->nfields ? pf->nfields : 1) * sizeof(uint32_t));
    if (!pf->dbs || !pf->db_of_field)
        goto fail;
    for (uint32_t f = 0; f < pf->nfields; f++)
        pf->db_of_field[f] = UINT32_MAX;
    for (size_t lo = 0; lo < nlits;) {
        size_t hi = lo + 1;
        while (hi < nlits && lits[ord[hi]].field == lits[ord[lo]].field)
            hi++;
        uint32_t dbi = pf->ndbs++;
        if ((st = build_db(&pf->dbs[dbi], lits, ord, lo, hi, dbi, &hs_failed)))
            goto fail;
        st = LW_ENOMEM;
        if (hs_failed)
            break;
        uint32_t field = pf->dbs[dbi].field;
        if (field == LW_FIELD_KEYWORD)
            pf->kwdb = dbi;
        else if (field < pf->nfields)
            pf->db_of_field[field] = dbi;
        if (hs_alloc_scratch(pf->dbs[dbi].db, &pf->proto) != HS_SUCCESS) {
            hs_failed = true;
            break;
        }
        lo = hi;
    }
    if (hs_failed) {
        /* Hyperscan refused: evaluate every rule (slower, same results). */
        st = LW_OK;
        goto fail;
    }

    /* Per rule: the distinct databases its gate uses. */
    pf->rdb_start = malloc((r->nrules + 1) * sizeof(uint32_t));
    pf->rdbs = malloc((nlits ? nlits : 1) * sizeof(uint32_t));
    seen = calloc(pf->ndbs ? pf->ndbs : 1, sizeof(uint32_t));
    if (!pf->rdb_start || !pf->rdbs || !seen)
        goto fail;
    size_t o = 0;
    for (size_t i = 0; i < r->nrules; i++) {
        pf->rdb_start[i] = (uint32_t)o;
        for (uint32_t k = rule_lo[i]; k < rule_lo[i + 1]; k++) {
            uint32_t d = lits[k].db;
            if (seen[d] == i + 1)
                continue;
            seen[d] = (uint32_t)i + 1;
            pf->rdbs[o++] = d;
        }
    }
    pf->rdb_start[r->nrules] = (uint32_t)o;
    r->pf = pf;
    pf = NULL;
    st = LW_OK;
fail:
    lw_prefilter_free(pf);
    free(lits);
    free(ord);
    free(rule_lo);
    free(seen);
    lw_arena_free(&a);
    return st;
}

/* ---- gate description (tests) ---- */

static const char *field_name(const lw_rules *r, uint32_t id)
{
    if (id == LW_FIELD_KEYWORD)
        return "*";
    for (size_t j = 0; j < r->fields.cap; j++)
        if (r->fields.slots[j].name && r->fields.slots[j].id == id)
            return r->fields.slots[j].name;
    return "?";
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t lw_prefilter_rule_gate(const lw_rules *r, size_t rule, lw_buf *out)
{
    if (!r || rule >= r->nrules)
        return 0;
    lw_arena a;
    lw_arena_init(&a, 16 * 1024);
    gset g;
    size_t n = 0;
    if (node_gate(&a, r->rules[rule], r->rules[rule]->cond, &g) == LW_OK && g.weight) {
        n = g.n;
        char **lines = out ? lw_arena_alloc(&a, n * sizeof(char *)) : NULL;
        for (size_t k = 0; lines && k < n; k++) {
            const char *fname = field_name(r, g.v[k].field);
            size_t len = strlen(fname) + g.v[k].n + 8;
            lines[k] = lw_arena_alloc(&a, len);
            if (!lines[k]) {
                lines = NULL;
                break;
            }
            lw_fmt(lines[k], len, "%s|%c|%.*s", fname, g.v[k].caseless ? 'i' : 'c',
                   (int)g.v[k].n, (const char *)g.v[k].s);
        }
        if (lines) {
            qsort(lines, n, sizeof(char *), cmp_cstr);
            for (size_t k = 0; k < n; k++) {
                lw_buf_puts(out, lines[k]);
                lw_buf_putc(out, '\n');
            }
        }
    }
    lw_arena_free(&a);
    return n;
}
