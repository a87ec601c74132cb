/*
 * lw_rules: loading rule files and folders, rule documents, metadata, field dictionary.
 *
 * Every rule document yields exactly one lw_rule_report.  A rule is appended to the set
 * only after it compiled completely, so a rejected rule is never half-loaded (its partial
 * allocations stay in the arena until lw_rules_free).  What a file may cost is bounded by
 * the load budgets of sigma-int.h (documents, keys, merge work, compiled patterns and
 * their bytes per file and per load), not by its size: a 20-byte 'action: repeat'
 * document recompiles a whole detection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/dirlist.h"
#include "../input/archive.h"
#include "correlation.h"
#include "sigma-int.h"

#define MAX_DIR_DEPTH 32

lw_status lw_rules_new(lw_rules **out)
{
    if (!out)
        return LW_EINVAL;
    lw_rules *r = calloc(1, sizeof(*r));
    if (!r)
        return LW_ENOMEM;
    lw_arena_init(&r->arena, 256 * 1024);
    *out = r;
    return LW_OK;
}

void lw_rules_free(lw_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nres; i++)
        pcre2_code_free(r->res[i]);
    free(r->res);
    free(r->rules);
    free(r->fields.slots);
    free(r->ids.slots);
    lw_prefilter_free(r->pf);
    lw_corrset_free(r->corr);
    lw_placeholders_free(r);
    lw_arena_free(&r->arena);
    free(r->cache_dir);
    free(r);
}

lw_status lw_rules_set_cache_dir(lw_rules *r, const char *dir)
{
    if (!r)
        return LW_EINVAL;
    char *c = NULL;
    if (dir && dir[0] && !(c = strdup(dir)))
        return LW_ENOMEM;
    free(r->cache_dir);
    r->cache_dir = c;
    return LW_OK;
}

void lw_rules_cache_stats(const lw_rules *r, unsigned *hits, unsigned *compiled, unsigned *rejected)
{
    *hits = r ? r->hs_cache.hits : 0;
    *compiled = r ? r->hs_cache.compiled : 0;
    *rejected = r ? r->hs_cache.rejected : 0;
}

size_t lw_rules_count(const lw_rules *r)
{
    return r ? r->nrules + lw_rules_correlation_count(r) : 0;
}

size_t lw_rules_rejected(const lw_rules *r)
{
    return r ? r->rejected : 0;
}

lw_status lw_rules_compile(lw_rules *r)
{
    if (!r)
        return LW_EINVAL;
    /* The matcher builds its per-category rule lists lazily from the load order (they
     * depend on which category combinations the input actually has); the literal
     * prefilter (prefilter.c) is built here.  After this the set is read-only. */
    if (r->compiled)
        return LW_OK;
    /* Correlations still waiting for a referenced rule are rejected now (silently:
     * lw_rules_resolve() is the way to get their reports). */
    lw_status st = lw_corr_resolve(r, NULL, NULL, true);
    if (!st)
        st = lw_corr_finalize(r);
    if (!st)
        st = lw_prefilter_build(r);
    if (st)
        return st;
    r->compiled = 1;
    return LW_OK;
}

const lw_rule_meta *lw_rule_get_meta(const lw_rule *r)
{
    return &r->meta;
}

int lw_level_index(const char *level)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    if (!level)
        return 5;
    for (int i = 0; i < 5; i++)
        if (strcmp(level, names[i]) == 0)
            return i;
    return 5;
}

lw_status lw_rules_keep_regex(lw_rules *r, pcre2_code *re)
{
    if (r->nres == r->capres) {
        size_t ncap = r->capres ? r->capres * 2 : 64;
        pcre2_code **n = realloc(r->res, ncap * sizeof(*n));
        if (!n)
            return LW_ENOMEM;
        r->res = n;
        r->capres = ncap;
    }
    r->res[r->nres++] = re;
    return LW_OK;
}

lw_status lw_budget_pats(lw_rules *r, size_t npats, size_t nbytes, lw_cerr *e, const lw_ynode *at)
{
    lw_budget *b = &r->budget;
    if (b->file_pats + npats > LW_MAX_FILE_PATS) {
        lw_cerr_set(e, at, "rule too large: more than %u compiled patterns in this file (limit)",
                    (unsigned)LW_MAX_FILE_PATS);
        return LW_ERULE;
    }
    if (nbytes > LW_MAX_FILE_PAT_BYTES || b->file_pat_bytes > LW_MAX_FILE_PAT_BYTES - nbytes) {
        lw_cerr_set(e, at,
                    "rule too large: more than %u bytes of compiled patterns in this file (limit)",
                    (unsigned)LW_MAX_FILE_PAT_BYTES);
        return LW_ERULE;
    }
    if (b->total_pats + npats > LW_MAX_TOTAL_PATS) {
        lw_cerr_set(e, at, "rule too large: more than %u compiled patterns in all rules (limit)",
                    (unsigned)LW_MAX_TOTAL_PATS);
        return LW_ERULE;
    }
    if (b->total_pat_bytes > (size_t)LW_MAX_TOTAL_PAT_BYTES - nbytes) {
        lw_cerr_set(e, at,
                    "rule too large: more than %u bytes of compiled patterns in all rules (limit)",
                    (unsigned)LW_MAX_TOTAL_PAT_BYTES);
        return LW_ERULE;
    }
    b->file_pats += npats;
    b->file_pat_bytes += nbytes;
    b->total_pats += npats;
    b->total_pat_bytes += nbytes;
    return LW_OK;
}

lw_status lw_budget_room(lw_rules *r, size_t npats, lw_cerr *e, const lw_ynode *at)
{
    const lw_budget *b = &r->budget;
    if (b->file_pats + npats > LW_MAX_FILE_PATS) {
        lw_cerr_set(e, at, "rule too large: more than %u compiled patterns in this file (limit)",
                    (unsigned)LW_MAX_FILE_PATS);
        return LW_ERULE;
    }
    if (b->total_pats + npats > LW_MAX_TOTAL_PATS) {
        lw_cerr_set(e, at, "rule too large: more than %u compiled patterns in all rules (limit)",
                    (unsigned)LW_MAX_TOTAL_PATS);
        return LW_ERULE;
    }
    return LW_OK;
}

/* ---- string sets / dictionary (open addressing, power-of-two capacity) ---- */

static lw_status fdict_grow(lw_fdict *d)
{
    size_t ncap = d->cap ? d->cap * 2 : 1024;
    __typeof__(d->slots) ns = calloc(ncap, sizeof(*ns));
    if (!ns)
        return LW_ENOMEM;
    for (size_t i = 0; i < d->cap; i++) {
        if (!d->slots[i].name)
            continue;
        size_t j = d->slots[i].hash & (ncap - 1);
        while (ns[j].name)
            j = (j + 1) & (ncap - 1);
        ns[j] = d->slots[i];
    }
    free(d->slots);
    d->slots = ns;
    d->cap = ncap;
    return LW_OK;
}

uint32_t lw_fdict_lookup(const lw_fdict *d, lw_str name, uint64_t hash)
{
    if (!d->cap)
        return UINT32_MAX;
    size_t j = hash & (d->cap - 1);
    while (d->slots[j].name) {
        if (d->slots[j].hash == hash && d->slots[j].n == name.n &&
            lw_str_ieq((lw_str){d->slots[j].name, d->slots[j].n}, name))
            return d->slots[j].id;
        j = (j + 1) & (d->cap - 1);
    }
    return UINT32_MAX;
}

/* Insert name (compared ASCII case-insensitively) with id = count; *id gets its id. */
static lw_status fdict_put(lw_arena *a, lw_fdict *d, lw_str name, uint32_t *id, bool *added)
{
    uint64_t h = lw_str_ihash(name);
    uint32_t found = lw_fdict_lookup(d, name, h);
    *added = false;
    if (found != UINT32_MAX) {
        *id = found;
        return LW_OK;
    }
    if (d->count >= LW_MAX_FIELD_IDS)
        return LW_ELIMIT;
    if ((d->count + 1) * 2 > d->cap && fdict_grow(d) != LW_OK)
        return LW_ENOMEM;
    char *copy = lw_arena_strndup(a, name.p ? name.p : "", name.n);
    if (!copy)
        return LW_ENOMEM;
    size_t j = h & (d->cap - 1);
    while (d->slots[j].name)
        j = (j + 1) & (d->cap - 1);
    d->slots[j].name = copy;
    d->slots[j].n = name.n;
    d->slots[j].hash = h;
    d->slots[j].id = d->count;
    *id = d->count++;
    *added = true;
    return LW_OK;
}

lw_status lw_fdict_intern(lw_rules *r, lw_str name, uint32_t *id)
{
    bool added;
    if (r->compiled)
        return LW_EINVAL;
    return fdict_put(&r->arena, &r->fields, name, id, &added);
}

/* ---- reports ---- */

typedef struct loadctx {
    lw_rules *r;
    const char *path;
    lw_rule_report_fn cb;
    void *ud;
    lw_arena *yarena;
    lw_ynode *global; /* action: global base document, merged into the following ones */
    lw_ynode *prev;   /* last rule document, for action: repeat */
    size_t ndocs;     /* non-empty documents seen (LW_MAX_FILE_DOCS) */
} loadctx;

static const char *scalar_or_empty(const lw_ynode *root, const char *key)
{
    const lw_ynode *n = lw_ymap_get(root, key);
    return n && n->type == LW_Y_SCALAR && !lw_ynode_is_null(n) ? n->s : "";
}

static void report(loadctx *c, int doc, const lw_ynode *root, bool ok, uint64_t line, uint64_t col,
                   const char *reason)
{
    if (!ok)
        c->r->rejected++;
    if (!c->cb)
        return;
    lw_rule_report rep = {
        .path = c->path,
        .id = scalar_or_empty(root, "id"),
        .title = scalar_or_empty(root, "title"),
        .ok = ok,
        .line = ok ? 0 : line,
        .column = ok ? 0 : col,
        .reason = ok ? "" : reason,
        .doc_index = doc,
    };
    c->cb(&rep, c->ud);
}

/* ---- rule documents ---- */

static const char *meta_str(lw_rules *r, const lw_ynode *root, const char *key, lw_status *st)
{
    const lw_ynode *n = lw_ymap_get(root, key);
    if (!n || n->type != LW_Y_SCALAR || lw_ynode_is_null(n))
        return "";
    char *s = lw_arena_strndup(&r->arena, n->s, n->n);
    if (!s)
        *st = LW_ENOMEM;
    return s ? s : "";
}

/* A scalar or list of scalars -> NUL-terminated string array in the arena. */
static lw_status meta_list(lw_rules *r, const lw_ynode *n, const char *const **out, size_t *nout)
{
    static const char *const empty[1] = {NULL};
    *out = empty;
    *nout = 0;
    if (!n || lw_ynode_is_null(n))
        return LW_OK;
    size_t cnt = n->type == LW_Y_SCALAR ? 1 : n->type == LW_Y_SEQ ? n->nkids : 0;
    if (!cnt)
        return LW_OK;
    const char **v = lw_arena_alloc(&r->arena, cnt * sizeof(*v));
    if (!v)
        return LW_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        const lw_ynode *it = n->type == LW_Y_SCALAR ? n : n->kids[i];
        if (it->type != LW_Y_SCALAR || lw_ynode_is_null(it))
            continue;
        if (!(v[k++] = lw_arena_strndup(&r->arena, it->s, it->n)))
            return LW_ENOMEM;
    }
    *out = v;
    *nout = k;
    return LW_OK;
}

lw_status lw_rule_meta_fill(lw_rules *r, const lw_ynode *root, const char *path, lw_rule_meta *m)
{
    lw_status st = LW_OK;
    m->id = meta_str(r, root, "id", &st);
    m->name = meta_str(r, root, "name", &st);
    m->title = meta_str(r, root, "title", &st);
    m->description = meta_str(r, root, "description", &st);
    m->level = meta_str(r, root, "level", &st);
    m->status = meta_str(r, root, "status", &st);
    m->author = meta_str(r, root, "author", &st);
    m->path = lw_arena_strndup(&r->arena, path, strlen(path));
    if (st || !m->path)
        return LW_ENOMEM;
    if ((st = meta_list(r, lw_ymap_get(root, "tags"), &m->tags, &m->ntags)) ||
        (st = meta_list(r, lw_ymap_get(root, "falsepositives"), &m->falsepositives,
                        &m->nfalsepositives)))
        return st;
    return LW_OK;
}

static lw_status ids_put(lw_rules *r, const char *id, bool *dup)
{
    uint32_t ignored;
    bool added;
    lw_status st = fdict_put(&r->arena, &r->ids, lw_str_c(id), &ignored, &added);
    *dup = st == LW_OK && !added;
    return st;
}

static lw_status push_rule(lw_rules *r, lw_rule *rule)
{
    if (r->nrules == r->caprules) {
        size_t ncap = r->caprules ? r->caprules * 2 : 256;
        lw_rule **n = realloc(r->rules, ncap * sizeof(*n));
        if (!n)
            return LW_ENOMEM;
        r->rules = n;
        r->caprules = ncap;
    }
    rule->index = (uint32_t)r->nrules;
    r->rules[r->nrules++] = rule;
    return LW_OK;
}

/* Compile one detection rule document; LW_ERULE with e filled when rejected. */
static lw_status compile_rule(loadctx *c, const lw_ynode *root, lw_cerr *e)
{
    lw_rules *r = c->r;
    lw_status st = LW_OK;
    const lw_ynode *title = lw_ymap_get(root, "title");
    if (!title || title->type != LW_Y_SCALAR || lw_ynode_is_null(title)) {
        lw_cerr_set(e, title ? title : root, "missing or invalid 'title'");
        return LW_ERULE;
    }
    const lw_ynode *ls = lw_ymap_get(root, "logsource");
    if (!ls || ls->type != LW_Y_MAP) {
        lw_cerr_set(e, ls ? ls : root, "missing or invalid 'logsource'");
        return LW_ERULE;
    }
    const lw_ynode *idn = lw_ymap_get(root, "id");
    if (idn && idn->type != LW_Y_SCALAR) {
        lw_cerr_set(e, idn, "'id' must be a string");
        return LW_ERULE;
    }
    lw_rule *rule = lw_arena_alloc(&r->arena, sizeof(*rule));
    if (!rule)
        return LW_ENOMEM;
    memset(rule, 0, sizeof(*rule));

    lw_str part[3] = {LW_STR_NULL, LW_STR_NULL, LW_STR_NULL};
    static const char *const keys[3] = {"product", "category", "service"};
    for (int i = 0; i < 3; i++) {
        const lw_ynode *n = lw_ymap_get(ls, keys[i]);
        if (!n || lw_ynode_is_null(n))
            continue;
        if (n->type != LW_Y_SCALAR) {
            lw_cerr_set(e, n, "logsource '%s' must be a string", keys[i]);
            return LW_ERULE;
        }
        part[i] = lw_ynode_str(n);
    }
    char why[256] = "";
    st = lw_logsource_compile(part[0], part[1], part[2], &rule->ls, why, sizeof(why));
    if (st == LW_ENOMEM)
        return st;
    if (st != LW_OK) {
        lw_cerr_set(e, ls, "%s", why[0] ? why : "unsupported logsource");
        return LW_ERULE;
    }

    lw_rule_meta *m = &rule->meta;
    if ((st = lw_rule_meta_fill(r, root, c->path, m)))
        return st;
    m->product = part[0].n ? lw_arena_strndup(&r->arena, part[0].p, part[0].n) : "";
    m->category = part[1].n ? lw_arena_strndup(&r->arena, part[1].p, part[1].n) : "";
    m->service = part[2].n ? lw_arena_strndup(&r->arena, part[2].p, part[2].n) : "";
    if (!m->product || !m->category || !m->service)
        return LW_ENOMEM;

    if ((st = lw_compile_detection(r, rule, lw_ymap_get(root, "detection"), e)))
        return st;

    if (m->id[0]) {
        bool dup;
        if ((st = ids_put(r, m->id, &dup)))
            return st;
        if (dup) {
            lw_cerr_set(e, idn, "duplicate rule id '%s' (the first rule with it is kept)", m->id);
            return LW_ERULE;
        }
    }
    return push_rule(r, rule);
}

/* action: global / repeat: deep-merge maps, 'over' wins.  Every step (key comparison or
 * copied pair) is charged to the file's merge budget: accumulating globals copy the base
 * each time, and lw_ymap_get is linear, so without it a file costs O(n^2).  NULL with
 * *st LW_ENOMEM, or LW_ELIMIT when the budget is spent. */
static lw_ynode *merge(loadctx *c, const lw_ynode *base, const lw_ynode *over, lw_status *st)
{
    if (!base)
        return (lw_ynode *)over;
    if (!over || base->type != LW_Y_MAP || over->type != LW_Y_MAP)
        return (lw_ynode *)(over ? over : base);
    size_t nb = base->nkids / 2, no = over->nkids / 2;
    size_t work = nb * no + nb + no + 1;
    size_t *spent = &c->r->budget.file_merge;
    if (work > LW_MAX_MERGE_WORK || *spent > LW_MAX_MERGE_WORK - work) {
        *st = LW_ELIMIT;
        return NULL;
    }
    *spent += work;
    lw_arena *a = c->yarena;
    lw_ynode *m = lw_arena_alloc(a, sizeof(*m));
    size_t cap = base->nkids + over->nkids;
    lw_ynode **kids = lw_arena_alloc(a, (cap ? cap : 1) * sizeof(*kids));
    if (!m || !kids) {
        *st = LW_ENOMEM;
        return NULL;
    }
    *m = *over;
    size_t n = 0;
    for (size_t i = 0; i + 1 < base->nkids; i += 2) {
        const lw_ynode *k = base->kids[i];
        if (k->type == LW_Y_SCALAR && !strcmp(k->s, "action"))
            continue;
        const lw_ynode *ov = k->type == LW_Y_SCALAR ? lw_ymap_get(over, k->s) : NULL;
        lw_ynode *v = ov ? merge(c, base->kids[i + 1], ov, st) : base->kids[i + 1];
        if (!v)
            return NULL;
        kids[n++] = base->kids[i];
        kids[n++] = v;
    }
    for (size_t i = 0; i + 1 < over->nkids; i += 2) {
        const lw_ynode *k = over->kids[i];
        if (k->type == LW_Y_SCALAR && (!strcmp(k->s, "action") || lw_ymap_get(base, k->s)))
            continue;
        kids[n++] = over->kids[i];
        kids[n++] = over->kids[i + 1];
    }
    m->kids = kids;
    m->nkids = n;
    return m;
}

/* Report a merge failure; returns the status on_doc should return. */
static lw_status merge_failed(loadctx *c, int doc, const lw_ynode *root, lw_status st)
{
    if (st != LW_ELIMIT)
        return st;
    char why[160];
    lw_fmt(why, sizeof(why),
           "rule too large: more than %u steps of action global/repeat merging in this file "
           "(limit)",
           (unsigned)LW_MAX_MERGE_WORK);
    report(c, doc, root, false, root->line, root->col, why);
    return LW_OK;
}

static lw_status on_doc(int doc, const lw_ynode *root, void *ud)
{
    loadctx *c = ud;
    lw_cerr e;
    memset(&e, 0, sizeof(e));
    if (!root || lw_ynode_is_null(root))
        return LW_OK; /* empty document (e.g. a trailing '---') */
    if (root->type != LW_Y_MAP) {
        report(c, doc, NULL, false, root->line, root->col, "rule document is not a map");
        return LW_OK;
    }
    char why[160];
    if (++c->ndocs > LW_MAX_FILE_DOCS) {
        lw_fmt(why, sizeof(why), "rule file too large: more than %u documents (limit)",
               (unsigned)LW_MAX_FILE_DOCS);
        report(c, doc, root, false, root->line, root->col, why);
        return LW_OK;
    }
    if (root->nkids / 2 > LW_MAX_DOC_KEYS) {
        lw_fmt(why, sizeof(why), "rule too large: more than %u top-level keys (limit)",
               (unsigned)LW_MAX_DOC_KEYS);
        report(c, doc, root, false, root->line, root->col, why);
        return LW_OK;
    }
    const lw_ynode *action = lw_ymap_get(root, "action");
    const lw_ynode *eff = root;
    lw_status mst = LW_OK;
    if (action && action->type == LW_Y_SCALAR) {
        lw_str a = lw_ynode_str(action);
        if (lw_str_eq_c(a, "global")) {
            lw_ynode *g = merge(c, c->global, root, &mst);
            if (!g)
                return merge_failed(c, doc, root, mst);
            if (g->nkids / 2 > LW_MAX_DOC_KEYS) {
                lw_fmt(why, sizeof(why),
                       "rule too large: more than %u top-level keys in the global document "
                       "(limit)",
                       (unsigned)LW_MAX_DOC_KEYS);
                report(c, doc, root, false, root->line, root->col, why);
                return LW_OK;
            }
            c->global = g;
            return LW_OK;
        }
        if (lw_str_eq_c(a, "reset")) {
            c->global = NULL;
            return LW_OK;
        }
        if (lw_str_eq_c(a, "repeat")) {
            if (!c->prev) {
                report(c, doc, root, false, action->line, action->col,
                       "'action: repeat' without a previous rule document");
                return LW_OK;
            }
            eff = merge(c, c->prev, root, &mst);
        } else {
            report(c, doc, root, false, action->line, action->col, "unknown 'action'");
            return LW_OK;
        }
    } else if (c->global) {
        eff = merge(c, c->global, root, &mst);
    }
    if (!eff)
        return merge_failed(c, doc, root, mst ? mst : LW_ENOMEM);
    c->prev = (lw_ynode *)eff;

    if (lw_ymap_get(eff, "correlation") || lw_ymap_key(eff, "correlation")) {
        /* Kept pending: its report comes when its references resolve (correlation.c). */
        lw_status cst = lw_corr_parse(c->r, eff, c->path, doc, &e);
        if (cst == LW_ERULE) {
            report(c, doc, eff, false, e.line, e.column, e.msg);
            return LW_OK;
        }
        return cst;
    }
    if (lw_ymap_get(eff, "filter") && !lw_ymap_get(eff, "detection")) {
        const lw_ynode *k = lw_ymap_key(eff, "filter");
        report(c, doc, eff, false, k->line, k->col, "filter rules are not supported yet");
        return LW_OK;
    }
    if (!lw_ymap_get(eff, "detection")) {
        report(c, doc, eff, false, root->line, root->col, "missing 'detection'");
        return LW_OK;
    }
    lw_status st = compile_rule(c, eff, &e);
    if (st == LW_ERULE) {
        report(c, doc, eff, false, e.line, e.column, e.msg);
        return LW_OK;
    }
    if (st == LW_OK)
        report(c, doc, eff, true, 0, 0, "");
    return st;
}

static lw_status read_file(const char *path, char **buf, size_t *n, char *why, size_t whylen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        lw_fmt(why, whylen, "cannot open: %s", strerror(errno));
        return LW_EIO;
    }
    size_t cap = 64 * 1024, len = 0;
    char *b = malloc(cap);
    if (!b) {
        fclose(f);
        return LW_ENOMEM;
    }
    for (;;) {
        if (len == cap) {
            if (cap > LW_YAML_MAX_FILE) {
                free(b);
                fclose(f);
                lw_fmt(why, whylen, "file larger than the 8 MiB rule file limit");
                return LW_ELIMIT;
            }
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                fclose(f);
                return LW_ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                free(b);
                fclose(f);
                lw_fmt(why, whylen, "read error");
                return LW_EIO;
            }
            break;
        }
    }
    fclose(f);
    *buf = b;
    *n = len;
    return LW_OK;
}

/* One more rule file (its budget), or false with the rejection reported. */
static bool count_file(lw_rules *r, loadctx *c)
{
    if (++r->budget.files > LW_MAX_RULE_FILES) {
        char why[96];
        lw_fmt(why, sizeof(why), "too many rule files: more than %u (limit)",
               (unsigned)LW_MAX_RULE_FILES);
        report(c, 0, NULL, false, 0, 0, why);
        return false;
    }
    r->budget.file_pats = 0;
    r->budget.file_pat_bytes = 0;
    r->budget.file_merge = 0;
    return true;
}

/* Parse the YAML text buf[0, n) of the rule file named path (a file or archive:member). */
static lw_status load_text(loadctx *c, char *buf, size_t n)
{
    lw_arena ya;
    lw_arena_init(&ya, 64 * 1024);
    c->yarena = &ya;
    lw_yerr yerr;
    memset(&yerr, 0, sizeof(yerr));
    lw_status st = lw_yaml_parse(buf, n, &ya, on_doc, c, &yerr);
    if (st == LW_EFORMAT || st == LW_ELIMIT) {
        report(c, yerr.doc_index, NULL, false, yerr.line, yerr.column, yerr.msg);
        st = LW_OK;
    }
    lw_arena_free(&ya);
    return st;
}

static lw_status load_file(lw_rules *r, const char *path, lw_rule_report_fn cb, void *ud, bool top)
{
    char why[256];
    char *buf = NULL;
    size_t n = 0;
    loadctx c = {.r = r, .path = path, .cb = cb, .ud = ud};
    if (!count_file(r, &c))
        return LW_OK;
    lw_status st = read_file(path, &buf, &n, why, sizeof(why));
    if (st == LW_ENOMEM)
        return st;
    if (st != LW_OK) {
        if (top && st == LW_EIO)
            return LW_EIO;
        report(&c, 0, NULL, false, 0, 0, why);
        return LW_OK;
    }
    st = load_text(&c, buf, n);
    free(buf);
    return st;
}

static bool has_rule_ext(const char *name);

/* Every .yml / .yaml member of a zip, 7z, rar or tar(.gz) archive (SigmaHQ ships its rule
 * packages as zip files), in archive order, named "archive:member". */
static lw_status load_archive(lw_rules *r, const char *path, lw_rule_report_fn cb, void *ud)
{
    char why[256];
    lw_archive *a = NULL;
    lw_status st = lw_archive_open(path, &a, why, sizeof why);
    if (st)
        return st == LW_ENOMEM ? st : LW_EIO;
    for (;;) {
        const char *name = NULL;
        int k = lw_archive_next(a, &name, why, sizeof why);
        if (k <= 0) {
            if (k < 0) {
                loadctx c = {.r = r, .path = path, .cb = cb, .ud = ud};
                report(&c, 0, NULL, false, 0, 0, why);
            }
            break;
        }
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        if (base[0] == '.' || !has_rule_ext(base))
            continue;
        char *member = lw_archive_member_path(path, name);
        if (!member) {
            st = LW_ENOMEM;
            break;
        }
        loadctx c = {.r = r, .path = member, .cb = cb, .ud = ud};
        char *buf = NULL;
        size_t n = 0;
        if (count_file(r, &c)) {
            st = lw_archive_read_member(a, LW_YAML_MAX_FILE, &buf, &n, why, sizeof why);
            if (st == LW_OK)
                st = load_text(&c, buf, n);
            else if (st != LW_ENOMEM) {
                if (st == LW_ELIMIT)
                    lw_fmt(why, sizeof why, "file larger than the 8 MiB rule file limit");
                report(&c, 0, NULL, false, 0, 0, why);
                st = LW_OK;
            }
            free(buf);
        }
        free(member);
        if (st)
            break;
    }
    lw_archive_close(a);
    return st;
}

/* Whether the regular file at path starts like an archive. */
static bool is_archive(const char *path)
{
    unsigned char head[512];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        return true; /* gzip: a rule file is never compressed, a .tar.gz is */
    return lw_archive_sniff(head, n);
}

static bool has_rule_ext(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".yaml") == 0);
}

static lw_status load_dir(lw_rules *r, const char *dir, lw_rule_report_fn cb, void *ud, int depth)
{
    if (depth > MAX_DIR_DEPTH)
        return LW_OK;
    char **paths;
    size_t n;
    lw_status st = lw_dir_list(dir, &paths, &n);
    if (st == LW_EIO)
        return depth == 0 ? LW_EIO : LW_OK;
    for (size_t i = 0; i < n && st == LW_OK; i++) {
        const char *p = paths[i];
        /* lstat first: a symlinked directory is not followed (two links to '.' would make
         * the walk exponential, and packs arrive as git clones or archives that keep
         * links).  A symlinked file is read (stat) like a regular one. */
        struct stat sb;
        bool link_ok = lstat(p, &sb) == 0;
        if (link_ok && S_ISLNK(sb.st_mode))
            link_ok = stat(p, &sb) == 0 && !S_ISDIR(sb.st_mode);
        if (link_ok) {
            if (S_ISDIR(sb.st_mode))
                st = load_dir(r, p, cb, ud, depth + 1);
            else if (S_ISREG(sb.st_mode) && has_rule_ext(p))
                st = load_file(r, p, cb, ud, false);
        }
    }
    lw_dir_list_free(paths, n);
    return st;
}

lw_status lw_rules_load(lw_rules *r, const char *path, lw_rule_report_fn cb, void *ud)
{
    if (!r || !path)
        return LW_EINVAL;
    if (r->compiled)
        return LW_EINVAL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return LW_EIO;
    lw_status st = S_ISDIR(sb.st_mode)                       ? load_dir(r, path, cb, ud, 0)
                   : S_ISREG(sb.st_mode) && is_archive(path) ? load_archive(r, path, cb, ud)
                                                             : load_file(r, path, cb, ud, true);
    if (st)
        return st;
    /* Correlations whose references are loaded by now get their report. */
    return lw_corr_resolve(r, cb, ud, false);
}
