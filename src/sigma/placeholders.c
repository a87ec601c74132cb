/*
 * %placeholder% values for the |expand modifier, from files given by the user
 * (lurewatch --placeholder name=FILE): one value per line, '#' starts a comment line,
 * blank lines ignored.  Values live in the rules arena.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma-int.h"

#define MAX_PLACEHOLDER_FILE (16u * 1024 * 1024)

const lw_placeholder *lw_placeholder_find(const lw_rules *r, lw_str name)
{
    for (size_t i = 0; i < r->nph; i++)
        if (lw_str_ieq_c(name, r->ph[i].name))
            return &r->ph[i];
    return NULL;
}

void lw_placeholders_free(lw_rules *r)
{
    for (size_t i = 0; i < r->nph; i++)
        free(r->ph[i].values);
    free(r->ph);
    r->ph = NULL;
    r->nph = r->capph = 0;
}

static lw_status add_value(lw_rules *r, lw_placeholder *ph, size_t *cap, lw_str v)
{
    if (ph->nvalues == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        const char **nv = realloc(ph->values, ncap * sizeof(*nv));
        if (!nv)
            return LW_ENOMEM;
        ph->values = nv;
        *cap = ncap;
    }
    char *s = lw_arena_strndup(&r->arena, v.p, v.n);
    if (!s)
        return LW_ENOMEM;
    ph->values[ph->nvalues++] = s;
    return LW_OK;
}

lw_status lw_rules_add_placeholder_file(lw_rules *r, const char *name, const char *file, char *err,
                                        size_t errlen)
{
    if (!r || !name || !file || r->compiled)
        return LW_EINVAL;
    lw_str nm = lw_str_c(name);
    if (nm.n >= 2 && nm.p[0] == '%' && nm.p[nm.n - 1] == '%') {
        nm.p++;
        nm.n -= 2;
    }
    if (nm.n == 0) {
        if (err && errlen)
            lw_fmt(err, errlen, "empty placeholder name");
        return LW_EINVAL;
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        if (err && errlen)
            lw_fmt(err, errlen, "%s: %s", file, strerror(errno));
        return LW_EIO;
    }
    /* Find or create the placeholder; a second file for the same name adds values. */
    lw_placeholder *ph = (lw_placeholder *)lw_placeholder_find(r, nm);
    if (!ph) {
        if (r->nph == r->capph) {
            size_t ncap = r->capph ? r->capph * 2 : 8;
            lw_placeholder *np = realloc(r->ph, ncap * sizeof(*np));
            if (!np) {
                fclose(f);
                return LW_ENOMEM;
            }
            r->ph = np;
            r->capph = ncap;
        }
        ph = &r->ph[r->nph];
        memset(ph, 0, sizeof(*ph));
        if (!(ph->name = lw_arena_strndup(&r->arena, nm.p, nm.n))) {
            fclose(f);
            return LW_ENOMEM;
        }
        r->nph++;
    }
    size_t cap = ph->nvalues;
    lw_status st = LW_OK;
    char line[8192];
    size_t total = 0;
    while (fgets(line, sizeof(line), f)) {
        size_t len = strlen(line);
        total += len;
        if (total > MAX_PLACEHOLDER_FILE) {
            if (err && errlen)
                lw_fmt(err, errlen, "%s: larger than 16 MiB", file);
            st = LW_ELIMIT;
            break;
        }
        lw_str v = lw_str_trim((lw_str){line, len});
        if (v.n == 0 || v.p[0] == '#')
            continue;
        if ((st = add_value(r, ph, &cap, v)))
            break;
    }
    if (st == LW_OK && ferror(f)) {
        if (err && errlen)
            lw_fmt(err, errlen, "%s: read error", file);
        st = LW_EIO;
    }
    fclose(f);
    return st;
}
