/*
 * detection: search identifiers -> lw_sel (OR of alternatives, each an AND of field
 * matchers), then the condition.
 *
 * A search identifier is a map (AND of its fields), a list of maps (OR of the maps) or a
 * list of plain values (keywords: full-text search over every field value).
 */
#include <string.h>

#include "sigma-int.h"

#define MAX_SEL_FIELDS 512

/* Field matchers of one alternative are independent and side-effect free, so they are
 * evaluated cheapest first (stable, to keep rule order predictable). */
static void sort_by_cost(lw_fm *fms, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        lw_fm t = fms[i];
        uint32_t j = i;
        while (j > 0 && fms[j - 1].cost > t.cost) {
            fms[j] = fms[j - 1];
            j--;
        }
        fms[j] = t;
    }
}

static lw_status compile_map(lw_rules *r, const lw_ynode *map, lw_alt *alt, lw_cerr *e)
{
    size_t nf = map->nkids / 2;
    if (nf == 0) {
        lw_cerr_set(e, map, "empty map in a search identifier");
        return LW_ERULE;
    }
    if (nf > MAX_SEL_FIELDS) {
        lw_cerr_set(e, map, "more than %d fields in one map", MAX_SEL_FIELDS);
        return LW_ERULE;
    }
    for (size_t i = 0; i < nf; i++) {
        const lw_ynode *k = map->kids[2 * i];
        for (size_t j = 0; j < i; j++) {
            const lw_ynode *o = map->kids[2 * j];
            if (k->type == LW_Y_SCALAR && o->type == LW_Y_SCALAR && k->n == o->n &&
                memcmp(k->s, o->s, k->n) == 0) {
                lw_cerr_set(e, k, "duplicate key '%s' in a search identifier", k->s);
                return LW_ERULE;
            }
        }
    }
    alt->fms = lw_arena_alloc(&r->arena, nf * sizeof(lw_fm));
    if (!alt->fms)
        return LW_ENOMEM;
    for (size_t i = 0; i < nf; i++) {
        lw_status st = lw_compile_field(r, map->kids[2 * i], map->kids[2 * i + 1], &alt->fms[i], e);
        if (st)
            return st;
    }
    alt->nfms = (uint32_t)nf;
    sort_by_cost(alt->fms, alt->nfms);
    return LW_OK;
}

static lw_status compile_sel(lw_rules *r, const lw_ynode *key, const lw_ynode *v, lw_sel *sel,
                             lw_cerr *e)
{
    sel->name = key->s;
    if (v->type == LW_Y_MAP) {
        sel->alts = lw_arena_alloc(&r->arena, sizeof(lw_alt));
        if (!sel->alts)
            return LW_ENOMEM;
        sel->nalts = 1;
        return compile_map(r, v, &sel->alts[0], e);
    }
    if (v->type == LW_Y_SCALAR && lw_ynode_is_null(v)) {
        lw_cerr_set(e, v, "search identifier '%s' is empty", key->s);
        return LW_ERULE;
    }
    if (v->type == LW_Y_SEQ && v->nkids == 0) {
        lw_cerr_set(e, v, "search identifier '%s' is an empty list", key->s);
        return LW_ERULE;
    }
    size_t nmaps = 0;
    for (size_t i = 0; v->type == LW_Y_SEQ && i < v->nkids; i++)
        nmaps += v->kids[i]->type == LW_Y_MAP;
    if (v->type == LW_Y_SEQ && nmaps == v->nkids) {
        sel->alts = lw_arena_alloc(&r->arena, nmaps * sizeof(lw_alt));
        if (!sel->alts)
            return LW_ENOMEM;
        for (size_t i = 0; i < nmaps; i++) {
            lw_status st = compile_map(r, v->kids[i], &sel->alts[i], e);
            if (st)
                return st;
        }
        sel->nalts = (uint32_t)nmaps;
        return LW_OK;
    }
    if (nmaps) {
        lw_cerr_set(e, v, "search identifier '%s' mixes maps and plain values", key->s);
        return LW_ERULE;
    }
    /* Keywords. */
    sel->alts = lw_arena_alloc(&r->arena, sizeof(lw_alt));
    lw_fm *fm = lw_arena_alloc(&r->arena, sizeof(lw_fm));
    if (!sel->alts || !fm)
        return LW_ENOMEM;
    sel->alts[0].fms = fm;
    sel->alts[0].nfms = 1;
    sel->nalts = 1;
    return lw_compile_keywords(r, v, fm, e);
}

lw_status lw_compile_detection(lw_rules *r, lw_rule *rule, const lw_ynode *det, lw_cerr *e)
{
    if (!det || det->type != LW_Y_MAP) {
        lw_cerr_set(e, det, "'detection' must be a map");
        return LW_ERULE;
    }
    const lw_ynode *cond = NULL;
    size_t nsel = 0;
    for (size_t i = 0; i + 1 < det->nkids; i += 2) {
        const lw_ynode *k = det->kids[i];
        if (k->type != LW_Y_SCALAR) {
            lw_cerr_set(e, k, "search identifier names must be strings");
            return LW_ERULE;
        }
        if (lw_str_eq_c(lw_ynode_str(k), "condition"))
            cond = det->kids[i + 1];
        else if (!lw_str_eq_c(lw_ynode_str(k), "timeframe"))
            nsel++;
    }
    if (!cond) {
        lw_cerr_set(e, det, "missing 'condition' in detection");
        return LW_ERULE;
    }
    if (nsel > LW_MAX_SELECTIONS) {
        lw_cerr_set(e, det, "rule too large: more than %u search identifiers (limit)",
                    (unsigned)LW_MAX_SELECTIONS);
        return LW_ERULE;
    }
    rule->sels = lw_arena_alloc(&r->arena, (nsel ? nsel : 1) * sizeof(lw_sel));
    if (!rule->sels)
        return LW_ENOMEM;
    rule->nsels = 0;
    r->budget.cond_nodes = 0;
    r->budget.glob_work = 0;
    lw_condctx *cc = NULL;
    lw_status st = lw_condctx_new(nsel, &cc);
    if (st)
        return st;
    for (size_t i = 0; i + 1 < det->nkids; i += 2) {
        const lw_ynode *k = det->kids[i];
        lw_str ks = lw_ynode_str(k);
        if (lw_str_eq_c(ks, "condition") || lw_str_eq_c(ks, "timeframe"))
            continue;
        if (k->n > LW_MAX_IDENT_BYTES) {
            lw_cerr_set(e, k, "rule too large: search identifier longer than %u bytes (limit)",
                        (unsigned)LW_MAX_IDENT_BYTES);
            st = LW_ERULE;
            goto out;
        }
        bool dup;
        if ((st = lw_condctx_add(cc, k->s, k->n, rule->nsels, &dup)))
            goto out;
        if (dup) {
            lw_cerr_set(e, k, "duplicate search identifier '%s'", k->s);
            st = LW_ERULE;
            goto out;
        }
        if ((st = compile_sel(r, k, det->kids[i + 1], &rule->sels[rule->nsels], e)))
            goto out;
        /* The name must outlive the YAML tree. */
        rule->sels[rule->nsels].name = lw_arena_strndup(&r->arena, k->s, k->n);
        if (!rule->sels[rule->nsels].name) {
            st = LW_ENOMEM;
            goto out;
        }
        rule->nsels++;
    }

    /* condition: a string, or a list of strings meaning OR. */
    if (cond->type == LW_Y_SCALAR) {
        st = lw_compile_condition(r, rule, cc, cond, &rule->cond, e);
        goto out;
    }
    if (cond->type != LW_Y_SEQ || cond->nkids == 0) {
        lw_cerr_set(e, cond, "'condition' must be a string or a list of strings");
        st = LW_ERULE;
        goto out;
    }
    lw_cnode *any = lw_arena_alloc(&r->arena, sizeof(*any));
    if (!any) {
        st = LW_ENOMEM;
        goto out;
    }
    any->op = LW_C_OR;
    any->kids = lw_arena_alloc(&r->arena, cond->nkids * sizeof(*any->kids));
    if (!any->kids) {
        st = LW_ENOMEM;
        goto out;
    }
    any->nkids = (uint32_t)cond->nkids;
    for (size_t i = 0; i < cond->nkids; i++) {
        if (cond->kids[i]->type != LW_Y_SCALAR) {
            lw_cerr_set(e, cond->kids[i], "'condition' list items must be strings");
            st = LW_ERULE;
            goto out;
        }
        if ((st = lw_compile_condition(r, rule, cc, cond->kids[i], &any->kids[i], e)))
            goto out;
    }
    rule->cond = any;
out:
    lw_condctx_free(cc);
    return st;
}
