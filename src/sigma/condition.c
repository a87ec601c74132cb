/*
 * Sigma condition -> lw_cnode tree.
 *
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | primary
 *   primary := '(' expr ')' | ('1' | 'any' | 'all') 'of' (NAME | PATTERN | 'them') | NAME
 *
 * 'them' means every search identifier except those starting with '_'; a PATTERN (sel*)
 * every identifier it matches.  '| count() ...' and 'near' aggregations are deprecated
 * Sigma 1 syntax and are rejected with their position.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma-int.h"

typedef enum {
    T_END,
    T_LP,
    T_RP,
    T_AND,
    T_OR,
    T_NOT,
    T_OF,
    T_ONE,
    T_ANY,
    T_ALL,
    T_THEM,
    T_PIPE,
    T_NAME,
} tok_kind;

typedef struct tok {
    tok_kind k;
    size_t off, n;
} tok;

/* Name -> slot hash (open addressing, power-of-two capacity).  Keys are byte views that
 * outlive the table (YAML tree or condition text). */
typedef struct nslot {
    const char *s;
    size_t n;
    uint64_t h;
    uint32_t idx; /* selection index, or index into ofs[] */
} nslot;

typedef struct ntab {
    nslot *v;
    size_t cap, count;
} ntab;

typedef struct ofent {
    lw_cnode **kids;
    uint32_t count;
} ofent;

struct lw_condctx {
    ntab sels;       /* selection name -> index */
    lw_cnode **leaf; /* shared SEL node per selection (lazily made) */
    size_t nsel;
    ntab pats; /* 'of' pattern / 'them' -> ofs index */
    ofent *ofs;
    size_t nofs, capofs;
};

static uint64_t name_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static nslot *ntab_find(const ntab *t, const char *s, size_t n, uint64_t h)
{
    if (!t->cap)
        return NULL;
    for (size_t j = h & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
        nslot *e = &t->v[j];
        if (!e->s)
            return NULL;
        if (e->h == h && e->n == n && memcmp(e->s, s, n) == 0)
            return e;
    }
}

static lw_status ntab_put(ntab *t, const char *s, size_t n, uint64_t h, uint32_t idx)
{
    if ((t->count + 1) * 2 > t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        nslot *nv = calloc(ncap, sizeof(*nv));
        if (!nv)
            return LW_ENOMEM;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->v[i].s)
                continue;
            size_t j = t->v[i].h & (ncap - 1);
            while (nv[j].s)
                j = (j + 1) & (ncap - 1);
            nv[j] = t->v[i];
        }
        free(t->v);
        t->v = nv;
        t->cap = ncap;
    }
    size_t j = h & (t->cap - 1);
    while (t->v[j].s)
        j = (j + 1) & (t->cap - 1);
    t->v[j] = (nslot){s ? s : "", n, h, idx};
    t->count++;
    return LW_OK;
}

lw_status lw_condctx_new(size_t nsel, lw_condctx **out)
{
    lw_condctx *cc = calloc(1, sizeof(*cc));
    if (!cc)
        return LW_ENOMEM;
    cc->leaf = calloc(nsel ? nsel : 1, sizeof(*cc->leaf));
    if (!cc->leaf) {
        free(cc);
        return LW_ENOMEM;
    }
    cc->nsel = nsel;
    *out = cc;
    return LW_OK;
}

void lw_condctx_free(lw_condctx *cc)
{
    if (!cc)
        return;
    free(cc->sels.v);
    free(cc->pats.v);
    free(cc->leaf);
    free(cc->ofs);
    free(cc);
}

lw_status lw_condctx_add(lw_condctx *cc, const char *name, size_t n, uint32_t idx, bool *dup)
{
    uint64_t h = name_hash(name, n);
    *dup = ntab_find(&cc->sels, name, n, h) != NULL;
    if (*dup)
        return LW_OK;
    return ntab_put(&cc->sels, name, n, h, idx);
}

typedef struct cparser {
    lw_rules *r;
    lw_rule *rule;
    lw_condctx *cc;
    const lw_ynode *node;
    const char *s;
    size_t n, pos;
    tok cur;
    int depth;
    lw_cerr *e;
} cparser;

__attribute__((format(printf, 3, 4))) static void perr(cparser *p, size_t off, const char *fmt, ...)
{
    va_list ap;
    lw_cerr_set(p->e, p->node, "%s", "");
    va_start(ap, fmt);
    vsnprintf(p->e->msg, sizeof(p->e->msg), fmt, ap);
    va_end(ap);
    /* Point inside the condition when it is on one line. */
    p->e->column += off + (p->node->plain ? 0 : 1);
}

static bool is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == '|';
}

static void next(cparser *p)
{
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
                             p->s[p->pos] == '\r'))
        p->pos++;
    tok t = {T_END, p->pos, 0};
    if (p->pos >= p->n) {
        p->cur = t;
        return;
    }
    char c = p->s[p->pos];
    if (c == '(' || c == ')' || c == '|') {
        t.k = c == '(' ? T_LP : c == ')' ? T_RP : T_PIPE;
        t.n = 1;
        p->pos++;
        p->cur = t;
        return;
    }
    size_t st = p->pos;
    while (p->pos < p->n && !is_sep(p->s[p->pos]))
        p->pos++;
    t.n = p->pos - st;
    lw_str w = {p->s + st, t.n};
    t.k = lw_str_eq_c(w, "and")    ? T_AND
          : lw_str_eq_c(w, "or")   ? T_OR
          : lw_str_eq_c(w, "not")  ? T_NOT
          : lw_str_eq_c(w, "of")   ? T_OF
          : lw_str_eq_c(w, "1")    ? T_ONE
          : lw_str_eq_c(w, "any")  ? T_ANY
          : lw_str_eq_c(w, "all")  ? T_ALL
          : lw_str_eq_c(w, "them") ? T_THEM
                                   : T_NAME;
    p->cur = t;
}

/* Charge n condition nodes to the rule's budget: every node costs evaluation time for
 * every event, so 'of' kids count even though they are shared. */
static bool charge_nodes(cparser *p, size_t n, size_t off)
{
    lw_budget *b = &p->r->budget;
    if (n > LW_MAX_COND_NODES || b->cond_nodes > LW_MAX_COND_NODES - n) {
        perr(p, off, "rule too large: more than %u condition nodes (limit)",
             (unsigned)LW_MAX_COND_NODES);
        return false;
    }
    b->cond_nodes += n;
    return true;
}

static lw_cnode *new_node(cparser *p, lw_cop op, uint32_t nkids)
{
    lw_cnode *c = lw_arena_alloc(&p->r->arena, sizeof(*c));
    if (!c)
        return NULL;
    memset(c, 0, sizeof(*c));
    c->op = (uint8_t)op;
    if (nkids) {
        c->kids = lw_arena_alloc(&p->r->arena, nkids * sizeof(*c->kids));
        if (!c->kids)
            return NULL;
    }
    c->nkids = nkids;
    return c;
}

/* '*' glob over identifier names (no escapes: identifiers cannot contain '*').  Both
 * lengths are at most LW_MAX_IDENT_BYTES and the caller charges pn * sn to the rule's
 * glob budget, so the backtracking stays bounded. */
static bool name_glob(const char *pat, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;
    while (si < sn) {
        if (pi < pn && pat[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < pn && pat[pi] == s[si]) {
            pi++;
            si++;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < pn && pat[pi] == '*')
        pi++;
    return pi == pn;
}

static int find_sel(cparser *p, const char *name, size_t n)
{
    const nslot *e = ntab_find(&p->cc->sels, name, n, name_hash(name, n));
    return e ? (int)e->idx : -1;
}

static lw_status parse_expr(cparser *p, lw_cnode **out);

/* The SEL leaf of selection i, shared by every mention. */
static lw_status sel_node(cparser *p, uint32_t i, lw_cnode **out)
{
    if (i < p->cc->nsel && p->cc->leaf[i]) {
        *out = p->cc->leaf[i];
        return LW_OK;
    }
    lw_cnode *c = new_node(p, LW_C_SEL, 0);
    if (!c)
        return LW_ENOMEM;
    c->sel = i;
    if (i < p->cc->nsel)
        p->cc->leaf[i] = c;
    *out = c;
    return LW_OK;
}

/* Kids (shared SEL leaves) of 'of' over `what` ('them' or a pattern), computed once per
 * distinct pattern and shared by every mention; count 0: nothing matches. */
static lw_status of_kids(cparser *p, tok what, lw_cnode ***kids, uint32_t *count)
{
    const char *pat = what.k == T_THEM ? "" : p->s + what.off;
    size_t pn = what.k == T_THEM ? 0 : what.n;
    /* 'them' is keyed by the empty string: no pattern token is empty. */
    uint64_t h = name_hash(pat, pn);
    const nslot *e = ntab_find(&p->cc->pats, pat, pn, h);
    if (e) {
        *kids = p->cc->ofs[e->idx].kids;
        *count = p->cc->ofs[e->idx].count;
        return LW_OK;
    }
    if (pn > LW_MAX_IDENT_BYTES) {
        perr(p, what.off, "rule too large: pattern longer than %u bytes (limit)",
             (unsigned)LW_MAX_IDENT_BYTES);
        return LW_ERULE;
    }
    uint32_t nsel = p->rule->nsels, n = 0;
    lw_cnode **list = lw_arena_alloc(&p->r->arena, (nsel ? nsel : 1) * sizeof(*list));
    if (!list)
        return LW_ENOMEM;
    lw_budget *b = &p->r->budget;
    for (uint32_t i = 0; i < nsel; i++) {
        const char *name = p->rule->sels[i].name;
        bool hit;
        if (what.k == T_THEM) {
            hit = name[0] != '_';
        } else {
            size_t sn = strlen(name);
            size_t work = (pn + 1) * (sn + 1);
            if (b->glob_work > LW_MAX_GLOB_WORK - work) {
                perr(p, what.off,
                     "rule too large: more than %u identifier pattern comparison steps (limit)",
                     (unsigned)LW_MAX_GLOB_WORK);
                return LW_ERULE;
            }
            b->glob_work += work;
            hit = name_glob(pat, pn, name, sn);
        }
        if (hit) {
            lw_status st = sel_node(p, i, &list[n++]);
            if (st)
                return st;
        }
    }
    if (p->cc->nofs == p->cc->capofs) {
        size_t ncap = p->cc->capofs ? p->cc->capofs * 2 : 8;
        ofent *no = realloc(p->cc->ofs, ncap * sizeof(*no));
        if (!no)
            return LW_ENOMEM;
        p->cc->ofs = no;
        p->cc->capofs = ncap;
    }
    p->cc->ofs[p->cc->nofs] = (ofent){list, n};
    lw_status st = ntab_put(&p->cc->pats, pat, pn, h, (uint32_t)p->cc->nofs);
    if (st)
        return st;
    p->cc->nofs++;
    *kids = list;
    *count = n;
    return LW_OK;
}

static lw_status parse_of(cparser *p, lw_cop op, lw_cnode **out)
{
    next(p);
    if (p->cur.k != T_OF) {
        perr(p, p->cur.off, "expected 'of' in condition");
        return LW_ERULE;
    }
    next(p);
    tok what = p->cur;
    if (what.k != T_NAME && what.k != T_THEM) {
        perr(p, what.off, "expected a name, pattern or 'them' after 'of'");
        return LW_ERULE;
    }
    const char *pat = p->s + what.off;
    lw_cnode **kids = NULL;
    uint32_t count = 0;
    lw_status st = of_kids(p, what, &kids, &count);
    if (st)
        return st;
    if (count == 0) {
        if (what.k == T_THEM)
            perr(p, what.off, "'them' matches no search identifier");
        else
            perr(p, what.off, "'%.*s' matches no search identifier", (int)(what.n), pat);
        return LW_ERULE;
    }
    if (!charge_nodes(p, (size_t)count + 1, what.off))
        return LW_ERULE;
    lw_cnode *c = new_node(p, op, 0);
    if (!c)
        return LW_ENOMEM;
    c->kids = kids;
    c->nkids = count;
    next(p);
    *out = c;
    return LW_OK;
}

static lw_status parse_unary(cparser *p, lw_cnode **out)
{
    if (++p->depth > LW_MAX_COND_DEPTH) {
        perr(p, p->cur.off, "condition nested too deeply");
        return LW_ERULE;
    }
    lw_status st = LW_OK;
    tok t = p->cur;
    switch (t.k) {
    case T_NOT: {
        if (!charge_nodes(p, 1, t.off))
            return LW_ERULE;
        next(p);
        lw_cnode *c = new_node(p, LW_C_NOT, 1);
        if (!c)
            return LW_ENOMEM;
        if ((st = parse_unary(p, &c->kids[0])))
            return st;
        *out = c;
        break;
    }
    case T_LP:
        next(p);
        if ((st = parse_expr(p, out)))
            return st;
        if (p->cur.k != T_RP) {
            perr(p, p->cur.off, "missing ')' in condition");
            return LW_ERULE;
        }
        next(p);
        break;
    case T_ONE:
    case T_ANY:
        st = parse_of(p, LW_C_OR, out);
        break;
    case T_ALL:
        st = parse_of(p, LW_C_AND, out);
        break;
    case T_NAME: {
        if (memchr(p->s + t.off, '*', t.n)) {
            perr(p, t.off, "pattern '%.*s' needs '1 of' or 'all of'", (int)(t.n), p->s + t.off);
            return LW_ERULE;
        }
        if (!charge_nodes(p, 1, t.off))
            return LW_ERULE;
        int i = find_sel(p, p->s + t.off, t.n);
        if (i < 0) {
            perr(p, t.off, "unknown search identifier '%.*s' in condition", (int)(t.n),
                 p->s + t.off);
            return LW_ERULE;
        }
        if ((st = sel_node(p, (uint32_t)i, out)))
            return st;
        next(p);
        break;
    }
    case T_PIPE:
        perr(p, t.off, "deprecated aggregation '|%.*s' in condition (use a correlation rule)",
             (int)(p->n - t.off - 1 > 40 ? 40 : p->n - t.off - 1), p->s + t.off + 1);
        return LW_ERULE;
    case T_END:
        perr(p, t.off, "condition ends unexpectedly");
        return LW_ERULE;
    default:
        perr(p, t.off, "unexpected '%.*s' in condition", (int)(t.n), p->s + t.off);
        return LW_ERULE;
    }
    p->depth--;
    return st;
}

/* Binary level: AND over unary, or OR over the AND level; flattens chains. */
static lw_status parse_level(cparser *p, tok_kind op, lw_cnode **out)
{
    lw_cnode *items[64];
    lw_cnode **list = items;
    size_t n = 0, cap = 64;
    lw_status st;
    lw_cnode *first;
    if ((st = op == T_AND ? parse_unary(p, &first) : parse_level(p, T_AND, &first)))
        return st;
    if (p->cur.k != op) {
        *out = first;
        return LW_OK;
    }
    items[n++] = first;
    while (p->cur.k == op) {
        next(p);
        lw_cnode *c;
        if ((st = op == T_AND ? parse_unary(p, &c) : parse_level(p, T_AND, &c)))
            goto fail;
        if (n == cap) {
            if (cap >= 1u << 16) {
                perr(p, p->cur.off, "condition too long");
                st = LW_ERULE;
                goto fail;
            }
            lw_cnode **nl = lw_arena_alloc(&p->r->arena, cap * 2 * sizeof(*nl));
            if (!nl) {
                st = LW_ENOMEM;
                goto fail;
            }
            memcpy(nl, list, n * sizeof(*nl));
            list = nl;
            cap *= 2;
        }
        list[n++] = c;
    }
    if (!charge_nodes(p, 1, p->cur.off))
        return LW_ERULE;
    lw_cnode *node = new_node(p, op == T_AND ? LW_C_AND : LW_C_OR, (uint32_t)n);
    if (!node)
        return LW_ENOMEM;
    memcpy(node->kids, list, n * sizeof(*list));
    *out = node;
    return LW_OK;
fail:
    return st;
}

static lw_status parse_expr(cparser *p, lw_cnode **out)
{
    if (++p->depth > LW_MAX_COND_DEPTH) {
        perr(p, p->cur.off, "condition nested too deeply");
        return LW_ERULE;
    }
    lw_status st = parse_level(p, T_OR, out);
    p->depth--;
    return st;
}

lw_status lw_compile_condition(lw_rules *r, lw_rule *rule, lw_condctx *cc, const lw_ynode *cond,
                               lw_cnode **out, lw_cerr *e)
{
    cparser p;
    memset(&p, 0, sizeof(p));
    p.r = r;
    p.rule = rule;
    p.cc = cc;
    p.node = cond;
    p.s = cond->s;
    p.n = cond->n;
    p.e = e;
    next(&p);
    if (p.cur.k == T_END) {
        lw_cerr_set(e, cond, "empty condition");
        return LW_ERULE;
    }
    lw_status st = parse_expr(&p, out);
    if (st)
        return st;
    if (p.cur.k == T_PIPE) {
        perr(&p, p.cur.off, "deprecated aggregation '|%.*s' in condition (use a correlation rule)",
             (int)(p.n - p.cur.off - 1 > 40 ? 40 : p.n - p.cur.off - 1), p.s + p.cur.off + 1);
        return LW_ERULE;
    }
    if (p.cur.k != T_END) {
        perr(&p, p.cur.off, "unexpected '%.*s' in condition", (int)(p.cur.n), p.s + p.cur.off);
        return LW_ERULE;
    }
    return LW_OK;
}
