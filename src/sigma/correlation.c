/*
 * Sigma correlation rules: compiling correlation documents, resolving their references,
 * and the consumer tables the hunt uses (which detection rules feed which correlations,
 * which alerts are suppressed by 'generate').  The runtime is in correlator.c.
 *
 * Everything lives in the lw_rules arena except the growable arrays of lw_corrset, which
 * lw_corrset_free releases.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlation.h"

static const char *const type_names[] = {
    [LW_CORR_EVENT_COUNT] = "event_count",
    [LW_CORR_VALUE_COUNT] = "value_count",
    [LW_CORR_TEMPORAL] = "temporal",
    [LW_CORR_TEMPORAL_ORDERED] = "temporal_ordered",
    [LW_CORR_VALUE_SUM] = "value_sum",
    [LW_CORR_VALUE_AVG] = "value_avg",
    [LW_CORR_VALUE_PERCENTILE] = "value_percentile",
};

const char *lw_corr_type_name(int type)
{
    return type >= 0 && (size_t)type < sizeof type_names / sizeof type_names[0] ? type_names[type]
                                                                                : "";
}

void lw_corrset_free(lw_corrset *cs)
{
    if (!cs)
        return;
    free(cs->c);
    free(cs->use_start);
    free(cs->use);
    free(cs->rule_suppressed);
    free(cs);
}

size_t lw_rules_correlation_count(const lw_rules *r)
{
    return r && r->corr ? r->corr->nok : 0;
}

/* ---- parsing ---- */

static char *adup(lw_rules *r, const lw_ynode *n)
{
    return lw_arena_strndup(&r->arena, n->s, n->n);
}

/* A scalar or a sequence of scalars -> array of strings.  LW_ERULE on other shapes. */
static lw_status str_list(lw_rules *r, const lw_ynode *n, const char *what, size_t max,
                          const char ***out, const lw_ynode ***nodes, uint32_t *nout, lw_cerr *e)
{
    size_t cnt = n->type == LW_Y_SCALAR ? 1 : n->type == LW_Y_SEQ ? n->nkids : 0;
    if (n->type == LW_Y_MAP || cnt == 0 || (n->type == LW_Y_SCALAR && lw_ynode_is_null(n))) {
        lw_cerr_set(e, n, "'%s' must be a non-empty list of names", what);
        return LW_ERULE;
    }
    if (cnt > max) {
        lw_cerr_set(e, n, "'%s' has %zu entries; at most %zu are supported", what, cnt, max);
        return LW_ERULE;
    }
    const char **v = lw_arena_alloc(&r->arena, cnt * sizeof(*v));
    const lw_ynode **vn = lw_arena_alloc(&r->arena, cnt * sizeof(*vn));
    if (!v || !vn)
        return LW_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        const lw_ynode *it = n->type == LW_Y_SCALAR ? n : n->kids[i];
        if (it->type != LW_Y_SCALAR || lw_ynode_is_null(it) || it->n == 0 ||
            memchr(it->s, 0, it->n)) {
            lw_cerr_set(e, it, "'%s' entries must be non-empty strings", what);
            return LW_ERULE;
        }
        if (!(v[i] = adup(r, it)))
            return LW_ENOMEM;
        vn[i] = it;
    }
    *out = v;
    if (nodes)
        *nodes = vn;
    *nout = (uint32_t)cnt;
    return LW_OK;
}

/* "90m" -> ms.  Units s, m, h, d, w (lowercase as the specification writes them). */
static bool parse_timespan(lw_str s, int64_t *ms)
{
    s = lw_str_trim(s);
    if (s.n < 2 || s.n > 20)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i + 1 < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        if (v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (s.p[i] - '0');
    }
    int64_t unit;
    switch (s.p[s.n - 1]) {
    case 's':
        unit = 1000;
        break;
    case 'm':
        unit = 60 * 1000;
        break;
    case 'h':
        unit = 3600 * 1000;
        break;
    case 'd':
        unit = 86400 * 1000LL;
        break;
    case 'w':
        unit = 7 * 86400 * 1000LL;
        break;
    default:
        return false;
    }
    if (v <= 0 || v > INT64_MAX / unit / 4)
        return false;
    *ms = v * unit;
    return true;
}

static bool parse_bool(const lw_ynode *n, bool *out)
{
    if (!n || n->type != LW_Y_SCALAR)
        return false;
    lw_str s = lw_ynode_str(n);
    if (lw_str_ieq_c(s, "true") || lw_str_ieq_c(s, "yes")) {
        *out = true;
        return true;
    }
    if (lw_str_ieq_c(s, "false") || lw_str_ieq_c(s, "no")) {
        *out = false;
        return true;
    }
    return false;
}

static lw_status parse_condition(lw_rules *r, lw_corr *c, const lw_ynode *cond, lw_cerr *e)
{
    static const char *const ops[] = {"gt", "gte", "lt", "lte", "eq", "neq"};
    if (cond->type != LW_Y_MAP) {
        lw_cerr_set(e, cond, "'condition' must be a map such as 'gte: 10'");
        return LW_ERULE;
    }
    for (size_t i = 0; i + 1 < cond->nkids; i += 2) {
        const lw_ynode *k = cond->kids[i], *v = cond->kids[i + 1];
        if (k->type != LW_Y_SCALAR) {
            lw_cerr_set(e, k, "condition keys must be strings");
            return LW_ERULE;
        }
        if (!strcmp(k->s, "field")) {
            if (v->type == LW_Y_SEQ) {
                lw_cerr_set(e, v, "a list of condition fields is not supported; use one field");
                return LW_ERULE;
            }
            if (v->type != LW_Y_SCALAR || lw_ynode_is_null(v) || !v->n) {
                lw_cerr_set(e, v, "condition 'field' must be a field name");
                return LW_ERULE;
            }
            if (!(c->field = adup(r, v)))
                return LW_ENOMEM;
            continue;
        }
        size_t op = 0;
        while (op < 6 && strcmp(k->s, ops[op]) != 0)
            op++;
        if (op == 6) {
            lw_cerr_set(e, k, "unknown condition operator '%s' (gt, gte, lt, lte, eq, neq)", k->s);
            return LW_ERULE;
        }
        double d;
        if (v->type != LW_Y_SCALAR || !lw_str_to_double(lw_ynode_str(v), &d) || d != d) {
            lw_cerr_set(e, v, "condition '%s' needs a number", k->s);
            return LW_ERULE;
        }
        if (c->nconds == 6) {
            lw_cerr_set(e, k, "too many condition operators");
            return LW_ERULE;
        }
        c->conds[c->nconds++] = (lw_corr_cond){(uint8_t)op, d};
    }
    if (!c->nconds) {
        lw_cerr_set(e, cond, "'condition' has no operator (gt, gte, lt, lte, eq, neq)");
        return LW_ERULE;
    }
    return LW_OK;
}

static lw_status parse_aliases(lw_rules *r, lw_corr *c, const lw_ynode *al, lw_cerr *e)
{
    if (al->type != LW_Y_MAP) {
        lw_cerr_set(e, al, "'aliases' must map alias names to {rule name: field}");
        return LW_ERULE;
    }
    size_t n = al->nkids / 2;
    c->aliases = lw_arena_alloc(&r->arena, (n ? n : 1) * sizeof(*c->aliases));
    if (!c->aliases)
        return LW_ENOMEM;
    memset(c->aliases, 0, (n ? n : 1) * sizeof(*c->aliases));
    for (size_t i = 0; i + 1 < al->nkids; i += 2) {
        const lw_ynode *k = al->kids[i], *m = al->kids[i + 1];
        if (k->type != LW_Y_SCALAR || !k->n) {
            lw_cerr_set(e, k, "alias names must be strings");
            return LW_ERULE;
        }
        if (m->type != LW_Y_MAP || m->nkids < 2) {
            lw_cerr_set(e, m, "alias '%s' must map rule names to field names", k->s);
            return LW_ERULE;
        }
        lw_corr_alias *a = &c->aliases[c->naliases++];
        if (!(a->name = adup(r, k)))
            return LW_ENOMEM;
        size_t cnt = m->nkids / 2;
        a->rule = lw_arena_alloc(&r->arena, cnt * sizeof(*a->rule));
        a->field = lw_arena_alloc(&r->arena, cnt * sizeof(*a->field));
        if (!a->rule || !a->field)
            return LW_ENOMEM;
        for (size_t j = 0; j + 1 < m->nkids; j += 2) {
            const lw_ynode *rk = m->kids[j], *fv = m->kids[j + 1];
            if (rk->type != LW_Y_SCALAR || fv->type != LW_Y_SCALAR || !fv->n ||
                lw_ynode_is_null(fv)) {
                lw_cerr_set(e, rk, "alias '%s': entries must be 'rule name: field name'", k->s);
                return LW_ERULE;
            }
            if (!(a->rule[a->n] = adup(r, rk)) || !(a->field[a->n] = adup(r, fv)))
                return LW_ENOMEM;
            a->n++;
        }
    }
    return LW_OK;
}

static bool is_upward(const lw_corr *c)
{
    for (uint32_t i = 0; i < c->nconds; i++)
        if (c->conds[i].op != LW_CC_GT && c->conds[i].op != LW_CC_GTE)
            return false;
    return true;
}

static lw_status push_corr(lw_rules *r, lw_corr *c)
{
    if (!r->corr && !(r->corr = calloc(1, sizeof(*r->corr))))
        return LW_ENOMEM;
    lw_corrset *cs = r->corr;
    if (cs->n == cs->cap) {
        size_t ncap = cs->cap ? cs->cap * 2 : 16;
        lw_corr **nc = realloc(cs->c, ncap * sizeof(*nc));
        if (!nc)
            return LW_ENOMEM;
        cs->c = nc;
        cs->cap = ncap;
    }
    c->index = (uint32_t)cs->n;
    cs->c[cs->n++] = c;
    return LW_OK;
}

lw_status lw_corr_parse(lw_rules *r, const lw_ynode *root, const char *path, int doc, lw_cerr *e)
{
    lw_status st = LW_OK;
    const lw_ynode *ckey = lw_ymap_key(root, "correlation");
    const lw_ynode *cs = lw_ymap_get(root, "correlation");
    const lw_ynode *title = lw_ymap_get(root, "title");
    if (!title || title->type != LW_Y_SCALAR || lw_ynode_is_null(title)) {
        lw_cerr_set(e, title ? title : root, "missing or invalid 'title'");
        return LW_ERULE;
    }
    const lw_ynode *idn = lw_ymap_get(root, "id");
    if (idn && idn->type != LW_Y_SCALAR) {
        lw_cerr_set(e, idn, "'id' must be a string");
        return LW_ERULE;
    }
    if (lw_ymap_get(root, "detection")) {
        lw_cerr_set(e, lw_ymap_key(root, "detection"),
                    "a document cannot have both 'correlation' and 'detection'");
        return LW_ERULE;
    }
    if (!cs || cs->type != LW_Y_MAP) {
        lw_cerr_set(e, cs ? cs : ckey, "'correlation' must be a map");
        return LW_ERULE;
    }
    lw_corr *c = lw_arena_alloc(&r->arena, sizeof(*c));
    if (!c)
        return LW_ENOMEM;
    memset(c, 0, sizeof(*c));
    c->doc = doc;
    c->line = ckey->line;
    c->col = ckey->col;

    /* Every key of the section must be understood: an ignored key could change what the
     * author meant (e.g. the pre-2.0 'timeframe'). */
    static const char *const known[] = {"type",      "rules",   "group-by", "timespan",
                                        "condition", "aliases", "generate", NULL};
    for (size_t i = 0; i + 1 < cs->nkids; i += 2) {
        const lw_ynode *k = cs->kids[i];
        bool ok = false;
        for (size_t j = 0; known[j] && !ok; j++)
            ok = k->type == LW_Y_SCALAR && !strcmp(k->s, known[j]);
        if (!ok) {
            lw_cerr_set(
                e, k, "unsupported correlation key '%s'%s", k->type == LW_Y_SCALAR ? k->s : "?",
                k->type == LW_Y_SCALAR && !strcmp(k->s, "timeframe") ? " (use 'timespan')" : "");
            return LW_ERULE;
        }
    }

    const lw_ynode *type = lw_ymap_get(cs, "type");
    if (!type || type->type != LW_Y_SCALAR) {
        lw_cerr_set(e, type ? type : ckey, "missing or invalid correlation 'type'");
        return LW_ERULE;
    }
    int t = -1;
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (!strcmp(type->s, type_names[i]))
            t = (int)i;
    if (t < 0) {
        lw_cerr_set(e, type, "unknown correlation type '%s'", type->s);
        return LW_ERULE;
    }
    c->type = (uint8_t)t;

    const lw_ynode *rules = lw_ymap_get(cs, "rules");
    if (!rules) {
        lw_cerr_set(e, ckey, "missing correlation 'rules'");
        return LW_ERULE;
    }
    const char **refs;
    const lw_ynode **refn;
    if ((st = str_list(r, rules, "rules", LW_CORR_MAX_REFS, &refs, &refn, &c->nrefs, e)))
        return st;
    c->refs = lw_arena_alloc(&r->arena, c->nrefs * sizeof(*c->refs));
    if (!c->refs)
        return LW_ENOMEM;
    memset(c->refs, 0, c->nrefs * sizeof(*c->refs));
    for (uint32_t i = 0; i < c->nrefs; i++) {
        c->refs[i].text = refs[i];
        c->refs[i].line = refn[i]->line;
        c->refs[i].col = refn[i]->col;
    }

    const lw_ynode *gb = lw_ymap_get(cs, "group-by");
    if (gb && !lw_ynode_is_null(gb) &&
        (st = str_list(r, gb, "group-by", LW_CORR_MAX_GROUP, &c->group, NULL, &c->ngroup, e)))
        return st;

    const lw_ynode *ts = lw_ymap_get(cs, "timespan");
    if (!ts) {
        lw_cerr_set(e, ckey, "missing correlation 'timespan'");
        return LW_ERULE;
    }
    if (ts->type != LW_Y_SCALAR || !parse_timespan(lw_ynode_str(ts), &c->timespan_ms)) {
        lw_cerr_set(e, ts, "invalid 'timespan' (a number and s, m, h, d or w, e.g. 90m)");
        return LW_ERULE;
    }

    bool temporal = c->type == LW_CORR_TEMPORAL || c->type == LW_CORR_TEMPORAL_ORDERED;
    bool valued = c->type == LW_CORR_VALUE_COUNT || c->type == LW_CORR_VALUE_SUM ||
                  c->type == LW_CORR_VALUE_AVG || c->type == LW_CORR_VALUE_PERCENTILE;
    const lw_ynode *cond = lw_ymap_get(cs, "condition");
    if (cond && !lw_ynode_is_null(cond)) {
        if ((st = parse_condition(r, c, cond, e)))
            return st;
    } else if (!temporal) {
        lw_cerr_set(e, ckey, "missing correlation 'condition' (required for %s)",
                    type_names[c->type]);
        return LW_ERULE;
    } else {
        /* temporal default: every referenced rule must occur */
        c->conds[c->nconds++] = (lw_corr_cond){LW_CC_GTE, (double)c->nrefs};
    }
    if (valued && !c->field) {
        lw_cerr_set(e, cond ? cond : ckey, "%s needs a condition 'field'", type_names[c->type]);
        return LW_ERULE;
    }
    if (!valued && c->field) {
        lw_cerr_set(e, lw_ymap_key(cond, "field"),
                    "condition 'field' is only used by value_* "
                    "correlation types");
        return LW_ERULE;
    }
    c->upward = is_upward(c);
    if (c->type == LW_CORR_VALUE_AVG || c->type == LW_CORR_VALUE_PERCENTILE)
        c->upward = 0; /* not monotonic: decided when the window closes */
    if (temporal && !c->upward) {
        lw_cerr_set(e, cond, "%s supports only gt/gte conditions (a number of rules seen)",
                    type_names[c->type]);
        return LW_ERULE;
    }

    const lw_ynode *al = lw_ymap_get(cs, "aliases");
    if (al && !lw_ynode_is_null(al) && (st = parse_aliases(r, c, al, e)))
        return st;

    const lw_ynode *gen = lw_ymap_get(root, "generate");
    if (!gen)
        gen = lw_ymap_get(cs, "generate");
    bool g = false;
    if (gen && !parse_bool(gen, &g)) {
        lw_cerr_set(e, gen, "'generate' must be true or false");
        return LW_ERULE;
    }
    c->generate = g;

    lw_rule_meta *m = &c->meta;
    if ((st = lw_rule_meta_fill(r, root, path, m)))
        return st;
    m->product = m->category = m->service = "";
    if (m->id[0]) {
        /* ids share one namespace with detection rules (correlations reference both) */
        uint64_t h = lw_str_ihash(lw_str_c(m->id));
        if (lw_fdict_lookup(&r->ids, lw_str_c(m->id), h) != UINT32_MAX) {
            lw_cerr_set(e, idn, "duplicate rule id '%s' (the first rule with it is kept)", m->id);
            return LW_ERULE;
        }
        for (size_t i = 0; r->corr && i < r->corr->n; i++)
            if (r->corr->c[i]->state != LW_CORR_REJECTED &&
                !strcmp(r->corr->c[i]->meta.id, m->id)) {
                lw_cerr_set(e, idn, "duplicate rule id '%s' (the first rule with it is kept)",
                            m->id);
                return LW_ERULE;
            }
    }
    c->state = LW_CORR_PENDING;
    return push_corr(r, c);
}

/* ---- resolution ---- */

typedef struct target {
    int kind; /* 0 none, 1 detection rule, 2 correlation */
    uint32_t idx;
    int count; /* distinct rules matching the reference */
    bool dead; /* a rejected correlation has this id or name */
} target;

static void find_ref(const lw_rules *r, const char *ref, target *t)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < r->nrules; i++) {
        const lw_rule_meta *m = lw_rule_get_meta(r->rules[i]);
        if (!strcmp(m->id, ref) || (m->name[0] && !strcmp(m->name, ref))) {
            if (!t->count++) {
                t->kind = 1;
                t->idx = (uint32_t)i;
            }
        }
    }
    for (size_t i = 0; r->corr && i < r->corr->n; i++) {
        const lw_corr *c = r->corr->c[i];
        bool same = (c->meta.id[0] && !strcmp(c->meta.id, ref)) ||
                    (c->meta.name[0] && !strcmp(c->meta.name, ref));
        if (c->state == LW_CORR_REJECTED) {
            t->dead |= same;
            continue;
        }
        if (same) {
            if (!t->count++) {
                t->kind = 2;
                t->idx = (uint32_t)i;
            }
        }
    }
}

static void report_corr(const lw_corr *c, lw_rule_report_fn cb, void *ud)
{
    if (!cb)
        return;
    lw_rule_report rep = {
        .path = c->meta.path,
        .id = c->meta.id,
        .title = c->meta.title,
        .ok = c->state == LW_CORR_OK,
        .line = c->state == LW_CORR_OK ? 0 : c->line,
        .column = c->state == LW_CORR_OK ? 0 : c->col,
        .reason = c->state == LW_CORR_OK ? "" : c->why,
        .doc_index = c->doc,
    };
    cb(&rep, ud);
}

static void reject(lw_rules *r, lw_corr *c, uint64_t line, uint64_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void reject(lw_rules *r, lw_corr *c, uint64_t line, uint64_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
    c->state = LW_CORR_REJECTED;
    c->line = line;
    c->col = col;
    r->rejected++;
}

/* Does alias entry key 'name' designate reference ref? (rule name, id, or as written) */
static bool alias_names(const lw_corr_ref *ref, const char *name)
{
    return !strcmp(ref->text, name) || (ref->meta->name[0] && !strcmp(ref->meta->name, name)) ||
           (ref->meta->id[0] && !strcmp(ref->meta->id, name));
}

/* Field to read for group entry / value field 'g' in matches of ref. */
static const char *field_for(const lw_corr *c, const lw_corr_ref *ref, const char *g)
{
    for (uint32_t a = 0; a < c->naliases; a++) {
        if (strcmp(c->aliases[a].name, g) != 0)
            continue;
        for (uint32_t j = 0; j < c->aliases[a].n; j++)
            if (alias_names(ref, c->aliases[a].rule[j]))
                return c->aliases[a].field[j];
    }
    return g;
}

/* Try to resolve one pending correlation.  Returns 1 resolved, 0 must wait, -1 rejected
 * (only when final), or -2 out of memory. */
static int try_resolve(lw_rules *r, lw_corr *c, bool final)
{
    lw_corrset *cs = r->corr;
    uint8_t depth = 0;
    for (uint32_t i = 0; i < c->nrefs; i++) {
        lw_corr_ref *ref = &c->refs[i];
        target t;
        find_ref(r, ref->text, &t);
        if (t.count == 0 || (t.kind == 2 && cs->c[t.idx]->state == LW_CORR_PENDING)) {
            if (!final)
                return 0;
            if (t.count == 0 && !t.dead)
                reject(r, c, ref->line, ref->col,
                       "unknown rule '%s' (no loaded rule has this "
                       "id or name)",
                       ref->text);
            else
                reject(r, c, ref->line, ref->col,
                       "rule '%s' is a correlation that cannot be resolved (rejected, or a "
                       "reference cycle)",
                       ref->text);
            return -1;
        }
        if (t.count > 1) {
            if (!final)
                return 0;
            reject(r, c, ref->line, ref->col,
                   "rule reference '%s' is ambiguous (%d rules have this id or name)", ref->text,
                   t.count);
            return -1;
        }
        if (t.kind == 2 && (cs->c[t.idx] == c)) {
            if (!final)
                return 0;
            reject(r, c, ref->line, ref->col, "correlation references itself");
            return -1;
        }
        ref->is_corr = t.kind == 2;
        ref->idx = t.idx;
        ref->meta = t.kind == 2 ? &cs->c[t.idx]->meta : lw_rule_get_meta(r->rules[t.idx]);
        if (t.kind == 2 && cs->c[t.idx]->depth + 1 > depth)
            depth = (uint8_t)(cs->c[t.idx]->depth + 1);
    }
    if (depth > LW_CORR_MAX_DEPTH) {
        reject(r, c, c->line, c->col, "correlations nested deeper than %d", LW_CORR_MAX_DEPTH);
        return -1;
    }
    c->depth = depth;
    for (uint32_t a = 0; a < c->naliases; a++)
        for (uint32_t j = 0; j < c->aliases[a].n; j++) {
            bool found = false;
            for (uint32_t i = 0; i < c->nrefs && !found; i++)
                found = alias_names(&c->refs[i], c->aliases[a].rule[j]);
            if (!found) {
                reject(r, c, c->line, c->col,
                       "alias '%s' names rule '%s', which the correlation does not reference",
                       c->aliases[a].name, c->aliases[a].rule[j]);
                return -1;
            }
        }
    for (uint32_t i = 0; i < c->nrefs; i++) {
        lw_corr_ref *ref = &c->refs[i];
        if (c->ngroup) {
            ref->gfield = lw_arena_alloc(&r->arena, c->ngroup * sizeof(*ref->gfield));
            if (!ref->gfield)
                return -2;
            for (uint32_t g = 0; g < c->ngroup; g++)
                ref->gfield[g] = field_for(c, ref, c->group[g]);
        }
        ref->vfield = c->field ? field_for(c, ref, c->field) : NULL;
    }
    c->state = LW_CORR_OK;
    cs->nok++;
    return 1;
}

lw_status lw_corr_resolve(lw_rules *r, lw_rule_report_fn cb, void *ud, bool final)
{
    lw_corrset *cs = r->corr;
    if (!cs)
        return LW_OK;
    /* Fixed point: a correlation of correlations resolves after its inner ones. */
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t i = 0; i < cs->n; i++) {
            lw_corr *c = cs->c[i];
            if (c->state != LW_CORR_PENDING)
                continue;
            int rc = try_resolve(r, c, false);
            if (rc == -2)
                return LW_ENOMEM;
            if (rc != 0) {
                progress = true;
                report_corr(c, cb, ud);
            }
        }
    }
    if (!final)
        return LW_OK;
    /* What is left waits for something that never came; reject in load order. */
    for (size_t i = 0; i < cs->n; i++) {
        lw_corr *c = cs->c[i];
        if (c->state != LW_CORR_PENDING)
            continue;
        int rc = try_resolve(r, c, true);
        if (rc == -2)
            return LW_ENOMEM;
        if (rc == 1) /* an earlier rejection cannot make a later one resolvable, but be safe */
            continue;
        report_corr(c, cb, ud);
    }
    return LW_OK;
}

lw_status lw_rules_resolve(lw_rules *r, lw_rule_report_fn cb, void *ud)
{
    if (!r)
        return LW_EINVAL;
    if (r->compiled)
        return LW_OK;
    return lw_corr_resolve(r, cb, ud, true);
}

lw_status lw_corr_finalize(lw_rules *r)
{
    lw_corrset *cs = r->corr;
    if (!cs || cs->finalized)
        return LW_OK;
    size_t nr = r->nrules;
    cs->nrules = nr;
    cs->use_start = calloc(nr + 1, sizeof(*cs->use_start));
    cs->rule_suppressed = calloc(nr ? nr : 1, 1);
    uint32_t *cnt = calloc(cs->n ? cs->n : 1, sizeof(*cnt));
    if (!cs->use_start || !cs->rule_suppressed || !cnt) {
        free(cnt);
        return LW_ENOMEM;
    }
    size_t total = 0;
    for (size_t i = 0; i < cs->n; i++) {
        const lw_corr *c = cs->c[i];
        if (c->state != LW_CORR_OK)
            continue;
        for (uint32_t k = 0; k < c->nrefs; k++) {
            const lw_corr_ref *ref = &c->refs[k];
            if (ref->is_corr) {
                cnt[ref->idx]++;
                if (!c->generate)
                    cs->c[ref->idx]->suppressed = 1;
            } else {
                cs->use_start[ref->idx + 1]++;
                total++;
                if (!c->generate)
                    cs->rule_suppressed[ref->idx] = 1;
            }
        }
    }
    for (size_t i = 0; i < nr; i++)
        cs->use_start[i + 1] += cs->use_start[i];
    cs->use = malloc((total ? total : 1) * 2 * sizeof(*cs->use));
    uint32_t *fill = calloc(nr ? nr : 1, sizeof(*fill));
    if (!cs->use || !fill) {
        free(fill);
        free(cnt);
        return LW_ENOMEM;
    }
    for (size_t i = 0; i < cs->n; i++) {
        lw_corr *c = cs->c[i];
        if (cnt[i] && !(c->users = lw_arena_alloc(&r->arena, cnt[i] * 2 * sizeof(uint32_t)))) {
            free(fill);
            free(cnt);
            return LW_ENOMEM;
        }
    }
    for (size_t i = 0; i < cs->n; i++) {
        const lw_corr *c = cs->c[i];
        if (c->state != LW_CORR_OK)
            continue;
        for (uint32_t k = 0; k < c->nrefs; k++) {
            const lw_corr_ref *ref = &c->refs[k];
            if (ref->is_corr) {
                lw_corr *in = cs->c[ref->idx];
                in->users[in->nusers * 2] = (uint32_t)i;
                in->users[in->nusers * 2 + 1] = k;
                in->nusers++;
            } else {
                size_t at = cs->use_start[ref->idx] + fill[ref->idx]++;
                cs->use[at * 2] = (uint32_t)i;
                cs->use[at * 2 + 1] = k;
            }
        }
    }
    free(fill);
    free(cnt);
    cs->finalized = 1;
    return LW_OK;
}
