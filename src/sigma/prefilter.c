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
 *     literal).  A regex gives one literal per top-level branch when each branch has a
 *     run of plain ASCII characters outside groups, classes and optional quantifiers
 *     (taken case-insensitively, whatever the regex's flags).  exists, null, numbers,
 *     CIDR and fieldref have no literal.
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

#include "hs-cache.h"
#include "sigma-int.h"

/* Single bytes fire on most values and make poor gates: such items are not used (and
 * gates prefer the item with the longest shortest literal anyway). */
#define PF_MIN_LIT 2

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

/* ---- literals a pattern needs ---- */

#define PF_MAX_RE_BRANCHES 16

/* Up to PF_MAX_RE_BRANCHES literals, one of which every match contains. */
typedef struct plits {
    const unsigned char *s[PF_MAX_RE_BRANCHES];
    size_t n[PF_MAX_RE_BRANCHES];
    bool caseless;
    uint32_t count;
} plits;

/* Quantifier "{n}", "{n,}" or "{n,m}" at re[i]: its length and minimum, or 0. */
static size_t re_quant(const char *re, size_t len, size_t i, unsigned long *min)
{
    size_t k = i + 1;
    unsigned long v = 0;
    if (k >= len || re[k] < '0' || re[k] > '9')
        return 0;
    while (k < len && re[k] >= '0' && re[k] <= '9' && v < 100000)
        v = v * 10 + (unsigned long)(re[k++] - '0');
    if (k < len && re[k] == ',')
        for (k++; k < len && re[k] >= '0' && re[k] <= '9'; k++)
            ;
    if (k >= len || re[k] != '}')
        return 0;
    *min = v;
    return k + 1 - i;
}

/* Longest literal run every match of branch re[lo, hi) contains, as ASCII only.  Runs
 * break at anything that is not a plain character, and never hold k or s: under PCRE2's
 * Unicode caseless matching they also match U+212A and U+017F.  false: give up. */
static bool re_branch(const char *re, size_t lo, size_t hi, size_t *bs, size_t *bn,
                      unsigned char *buf)
{
    size_t run = 0, best = 0, bestat = 0, at = 0;
    unsigned char *cur = buf; /* run being built, at buf + at */
#define BREAK()                                                                                    \
    do {                                                                                           \
        if (run > best) {                                                                          \
            best = run;                                                                            \
            bestat = at;                                                                           \
        }                                                                                          \
        at += run;                                                                                 \
        run = 0;                                                                                   \
    } while (0)
    for (size_t i = lo; i < hi;) {
        unsigned char ch = (unsigned char)re[i];
        int lit = -1; /* the literal character at i, if any */
        size_t adv = 1;
        if (ch == '\\') {
            if (i + 1 >= hi)
                return false;
            unsigned char e = (unsigned char)re[i + 1];
            adv = 2;
            if ((e >= '0' && e <= '9') || strchr("xocpPgkNuQEL", e) || e >= 0x80)
                return false; /* escapes with arguments: not worth parsing */
            if (!((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')))
                lit = e;
        } else if (ch == '[') {
            /* Character class: skip it. */
            size_t k = i + 1;
            if (k < hi && re[k] == '^')
                k++;
            if (k < hi && re[k] == ']')
                k++;
            while (k < hi && re[k] != ']') {
                if (re[k] == '[' && k + 1 < hi &&
                    (re[k + 1] == ':' || re[k + 1] == '.' || re[k + 1] == '='))
                    return false;
                k += re[k] == '\\' ? 2 : 1;
            }
            if (k >= hi)
                return false;
            adv = k + 1 - i;
        } else if (ch == '(') {
            /* Group: skip it, balanced (classes and escapes inside respected). */
            size_t k = i + 1;
            int depth = 1;
            if (k + 1 < hi && re[k] == '?' && re[k + 1] == '#')
                return false;
            while (k < hi && depth) {
                if (re[k] == '\\') {
                    k += 2;
                    continue;
                }
                if (re[k] == '[') {
                    k++;
                    if (k < hi && re[k] == '^')
                        k++;
                    if (k < hi && re[k] == ']')
                        k++;
                    while (k < hi && re[k] != ']')
                        k += re[k] == '\\' ? 2 : 1;
                    k++;
                    continue;
                }
                depth += re[k] == '(';
                depth -= re[k] == ')';
                k++;
            }
            if (depth)
                return false;
            adv = k - i;
        } else if (ch == '{') {
            /* A quantifier, or something newer PCRE2 versions might read as one ("{,3}",
             * "{ 2 }"): skip to the '}' either way. */
            unsigned long mn;
            size_t q = re_quant(re, hi, i, &mn);
            if (!q) {
                const char *close = memchr(re + i, '}', hi - i);
                q = close ? (size_t)(close - (re + i)) + 1 : 1;
            }
            adv = q;
        } else if (!strchr(".^$|)*+?", ch) && ch < 0x80) {
            lit = ch;
        }
        i += adv;
        if (lit < 0 || lit >= 0x80 || lit == 'k' || lit == 'K' || lit == 's' || lit == 'S') {
            BREAK();
            continue;
        }
        /* A quantifier after the character: optional (drop it) or repeated (end the run
         * after it). */
        bool keep = true, end = false;
        if (i < hi && (re[i] == '?' || re[i] == '*')) {
            keep = false;
        } else if (i < hi && re[i] == '+') {
            end = true;
        } else if (i < hi && re[i] == '{') {
            unsigned long mn = 0;
            keep = re_quant(re, hi, i, &mn) && mn > 0; /* unsure: treat as optional */
            end = true;
        }
        if (keep)
            cur[at + run++] = (unsigned char)lw_lower((unsigned char)lit);
        if (!keep || end)
            BREAK();
    }
    BREAK();
#undef BREAK
    *bs = bestat;
    *bn = best;
    return true;
}

/* Literals a regex needs: split at top-level '|', one literal per branch.  Caseless (a
 * superset whatever the regex's flags).  Extended mode (x) and \Q..\E are not parsed. */
static bool re_literals(lw_arena *a, const char *re, size_t len, plits *out)
{
    /* Constructs that can end or skip matching early, or that this scanner does not
     * model, anywhere in the pattern (inside groups too): no gate.  (*ACCEPT) ends a
     * match successfully, so literals after it (even outside its group) are not needed;
     * every other (*VERB) and start-of-pattern option is refused as well, and so are
     * \K, \Q..\E, branch reset (?|, conditionals (?(, callouts (?C, recursion and
     * subroutine calls.  Lookarounds and atomic groups are skipped like any group (their
     * content is never taken as a literal; the literals outside them stay necessary). */
    for (size_t i = 0; i + 1 < len; i++) {
        if (re[i] == '\\') {
            if (strchr("KQEg", re[i + 1]))
                return false;
            i++;
            continue;
        }
        if (re[i] == '(' && re[i + 1] == '*')
            return false;
        if (re[i] == '(' && re[i + 1] == '?' && i + 2 < len &&
            (strchr("|(CR&+0123456789", re[i + 2]) ||
             (re[i + 2] == '-' && i + 3 < len && re[i + 3] >= '0' && re[i + 3] <= '9') ||
             (re[i + 2] == 'P' && i + 3 < len && (re[i + 3] == '>' || re[i + 3] == '='))))
            return false;
        if (re[i] == '(' && re[i + 1] == '?') {
            for (size_t k = i + 2; k < len && re[k] != ')' && re[k] != ':'; k++)
                if (re[k] == 'x')
                    return false;
        }
    }
    unsigned char *buf = lw_arena_alloc(a, len + 1);
    if (!buf)
        return false;
    out->count = 0;
    out->caseless = true;
    size_t lo = 0, depth = 0;
    bool incls = false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len) {
            char ch = re[i];
            if (ch == '\\') {
                i++;
                continue;
            }
            if (incls) {
                incls = ch != ']';
                continue;
            }
            if (ch == '[') {
                incls = true;
                if (i + 1 < len && re[i + 1] == '^')
                    i++;
                if (i + 1 < len && re[i + 1] == ']')
                    i++;
                continue;
            }
            depth += ch == '(';
            if (ch == ')' && depth)
                depth--;
            if (ch != '|' || depth)
                continue;
        }
        size_t bs, bn;
        if (out->count == PF_MAX_RE_BRANCHES || !re_branch(re, lo, i, &bs, &bn, buf + lo))
            return false;
        out->s[out->count] = buf + lo + bs;
        out->n[out->count++] = bn;
        lo = i + 1;
    }
    return out->count > 0;
}

/* Literals pattern p needs in the value (one of them), if it has any. */
static bool pat_literals(lw_arena *a, const lw_pat *p, plits *out)
{
    out->count = 0;
    out->caseless = !p->cased;
    switch (p->kind) {
    case LW_PAT_EXACT:
    case LW_PAT_PREFIX:
    case LW_PAT_SUFFIX:
    case LW_PAT_CONTAINS:
        out->s[0] = p->s;
        out->n[0] = p->n;
        out->count = 1;
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
        out->s[0] = p->s + best;
        out->n[0] = bestlen;
        out->count = 1;
        return bestlen > 0;
    }
    case LW_PAT_RE:
        /* p->s keeps the regex source (modifiers.c). */
        return a && p->s && re_literals(a, (const char *)p->s, p->n, out);
    default:
        return false;
    }
}

/* Shortest literal of pats[lo, hi), or 0 when one of them has no usable literal. */
static size_t range_weight(lw_arena *a, const lw_fm *fm, uint32_t lo, uint32_t hi, size_t *count)
{
    size_t w = SIZE_MAX;
    *count = 0;
    if (lo >= hi)
        return 0;
    for (uint32_t k = lo; k < hi; k++) {
        plits pl;
        if (!pat_literals(a, &fm->pats[k], &pl))
            return 0;
        for (uint32_t j = 0; j < pl.count; j++) {
            if (pl.n[j] < PF_MIN_LIT)
                return 0;
            if (pl.n[j] < w)
                w = pl.n[j];
        }
        *count += pl.count;
    }
    return w;
}

/* Literal copies a gate computation may make: per rule (a condition DAG can mention one
 * big selection 64k times, and each OR level copies its kids' literals) and per build.
 * Past the budget the rule simply gets no gate, which is always correct. */
#define PF_MAX_RULE_LITS  (1u << 18)
#define PF_MAX_TOTAL_LITS (1u << 23)

/* Per-rule state of a gate computation: the literal budget and the gate of each
 * selection, computed once (condition nodes form a DAG whose SEL leaves are shared). */
typedef struct gbud {
    size_t left;
    gset *memo;
    uint8_t *done;
    uint32_t nsels;
} gbud;

static bool spend(size_t *left, size_t n)
{
    if (n > *left)
        return false;
    *left -= n;
    return true;
}

static lw_status range_gate(lw_arena *a, const lw_fm *fm, uint32_t lo, uint32_t hi, size_t w,
                            size_t count, gset *out, size_t *left)
{
    if (!spend(left, count)) {
        *out = no_gate;
        return LW_OK;
    }
    out->v = lw_arena_alloc(a, (count ? count : 1) * sizeof(glit));
    if (!out->v)
        return LW_ENOMEM;
    out->n = 0;
    for (uint32_t k = lo; k < hi; k++) {
        plits pl;
        (void)pat_literals(a, &fm->pats[k], &pl);
        for (uint32_t j = 0; j < pl.count && out->n < count; j++) {
            glit *g = &out->v[out->n++];
            memset(g, 0, sizeof(*g));
            g->field = fm->field;
            g->caseless = pl.caseless;
            g->s = pl.s[j];
            g->n = pl.n[j];
        }
    }
    out->weight = w;
    return LW_OK;
}

static lw_status fm_gate(lw_arena *a, const lw_fm *fm, gset *out, size_t *left)
{
    *out = no_gate;
    size_t cnt;
    if (fm->exists || fm->npats == 0)
        return LW_OK;
    if (!fm->all) {
        size_t w = range_weight(a, fm, 0, fm->npats, &cnt);
        return w ? range_gate(a, fm, 0, fm->npats, w, cnt, out, left) : LW_OK;
    }
    /* |all: every group must match, so one group's literals gate the item. */
    size_t bw = 0, bcnt = 0;
    uint32_t bg = 0;
    for (uint32_t g = 0; g < fm->ngroups; g++) {
        size_t w = range_weight(a, fm, fm->gstart[g], fm->gstart[g + 1], &cnt);
        if (w > bw || (w == bw && w && cnt < bcnt)) {
            bw = w;
            bg = g;
            bcnt = cnt;
        }
    }
    return bw ? range_gate(a, fm, fm->gstart[bg], fm->gstart[bg + 1], bw, bcnt, out, left) : LW_OK;
}

/* Prefer the longer shortest literal, then fewer literals. */
static bool better(const gset *x, const gset *y)
{
    if (x->weight != y->weight)
        return x->weight > y->weight;
    return x->weight && x->n < y->n;
}

/* Union of parts (each with a gate) into out. */
static lw_status gate_union(lw_arena *a, const gset *parts, size_t nparts, gset *out, size_t *left)
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
    if (!nparts || !spend(left, total)) {
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

static lw_status sel_gate(lw_arena *a, const lw_sel *s, gset *out, size_t *left)
{
    gset *parts = lw_arena_alloc(a, (s->nalts ? s->nalts : 1) * sizeof(gset));
    if (!parts)
        return LW_ENOMEM;
    for (uint32_t i = 0; i < s->nalts; i++) {
        const lw_alt *alt = &s->alts[i];
        gset best = no_gate;
        for (uint32_t k = 0; k < alt->nfms; k++) {
            gset g;
            lw_status st = fm_gate(a, &alt->fms[k], &g, left);
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
    return gate_union(a, parts, s->nalts, out, left);
}

static lw_status node_gate(lw_arena *a, const lw_rule *r, const lw_cnode *c, gset *out, gbud *b)
{
    size_t *left = &b->left;
    *out = no_gate;
    switch (c->op) {
    case LW_C_SEL: {
        if (c->sel < b->nsels && b->done[c->sel]) {
            *out = b->memo[c->sel];
            return LW_OK;
        }
        lw_status st = sel_gate(a, &r->sels[c->sel], out, left);
        if (!st && c->sel < b->nsels) {
            b->memo[c->sel] = *out;
            b->done[c->sel] = 1;
        }
        return st;
    }
    case LW_C_NOT:
        return LW_OK;
    case LW_C_AND:
        for (uint32_t i = 0; i < c->nkids; i++) {
            gset g;
            lw_status st = node_gate(a, r, c->kids[i], &g, b);
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
            lw_status st = node_gate(a, r, c->kids[i], &parts[i], b);
            if (st)
                return st;
            if (!parts[i].weight)
                return LW_OK;
        }
        return gate_union(a, parts, c->nkids, out, left);
    }
    }
}

/* Gate of a whole rule with at most `left` literal copies; *used gets what it spent. */
static lw_status rule_gate(lw_arena *a, const lw_rule *r, size_t left, gset *out, size_t *used)
{
    gbud b = {left, NULL, NULL, r->nsels};
    *used = 0;
    *out = no_gate;
    b.memo = lw_arena_alloc(a, (r->nsels ? r->nsels : 1) * sizeof(gset));
    b.done = lw_arena_alloc(a, r->nsels ? r->nsels : 1);
    if (!b.memo || !b.done)
        return LW_ENOMEM;
    memset(b.done, 0, r->nsels ? r->nsels : 1);
    lw_status st = node_gate(a, r, r->cond, out, &b);
    *used = left - b.left;
    return st;
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
static lw_status build_db(lw_rules *rs, const char *cache_dir, lw_pf_db *d, glit *lits,
                          const uint32_t *ord, size_t lo, size_t hi, uint32_t dbi, bool *hs_failed)
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
    if (lw_hs_cache_compile(cache_dir, exprs, flags, ids, lens, (unsigned)npats, &d->db, &err,
                            &rs->hs_cache) != HS_SUCCESS) {
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
    size_t total_left = PF_MAX_TOTAL_LITS;
    for (size_t i = 0; i < r->nrules; i++) {
        gset g;
        rule_lo[i] = (uint32_t)nlits;
        size_t left = total_left < PF_MAX_RULE_LITS ? total_left : PF_MAX_RULE_LITS, used;
        if ((st = rule_gate(&a, r->rules[i], left, &g, &used)))
            goto fail;
        total_left -= used;
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
    /* The rule cache's folder, checked once for the whole load (NULL: compile only). */
    const char *cache_dir = lw_hs_cache_dir_ready(r->cache_dir) ? r->cache_dir : NULL;
    for (size_t lo = 0; lo < nlits;) {
        size_t hi = lo + 1;
        while (hi < nlits && lits[ord[hi]].field == lits[ord[lo]].field)
            hi++;
        uint32_t dbi = pf->ndbs++;
        if ((st = build_db(r, cache_dir, &pf->dbs[dbi], lits, ord, lo, hi, dbi, &hs_failed)))
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
    if (r->hs_cache.written) /* this load added files: keep the folder within its bounds */
        lw_hs_cache_prune(cache_dir, LW_HS_CACHE_MAX_FILES, LW_HS_CACHE_MAX_BYTES);
    if (hs_failed || pf->ndbs == 0) {
        /* No gate at all, or Hyperscan refused: evaluate every rule (same results). */
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
    size_t used;
    if (rule_gate(&a, r->rules[rule], PF_MAX_RULE_LITS, &g, &used) == LW_OK && g.weight) {
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
            lw_fmt(lines[k], len, "%s|%c|%.*s", fname, g.v[k].caseless ? 'i' : 'c', (int)g.v[k].n,
                   (const char *)g.v[k].s);
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
