/*
 * brands.c - the protected-brands list (data/brands.txt format; built-in copy in
 * brands-default.inc generated from it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "intel/intel.h"

static const char default_brands[] =
#include "intel/brands-default.inc"
    ;

void lw_brands_free(lw_brands *b)
{
    free(b->v);
    lw_strset_free(&b->owned);
    memset(b, 0, sizeof *b);
}

static lw_str next_tok(lw_str *line)
{
    lw_str s = lw_str_trim(*line);
    size_t k = 0;
    while (k < s.n && s.p[k] != ' ' && s.p[k] != '\t')
        k++;
    *line = (lw_str){s.p + k, s.n - k};
    return (lw_str){s.p, k};
}

static bool copy_lower(lw_str s, char *dst, size_t cap)
{
    if (s.n == 0 || s.n + 1 > cap)
        return false;
    for (size_t i = 0; i < s.n; i++)
        dst[i] = (char)lw_lower((unsigned char)s.p[i]);
    dst[s.n] = '\0';
    return true;
}

static lw_status parse(lw_brands *b, const char *src, const char *p, size_t n, char *err,
                       size_t errlen)
{
    size_t cap = 0, lineno = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && p[e] != '\n')
            e++;
        lineno++;
        lw_str line = lw_str_trim((lw_str){p + i, e - i});
        i = e + 1;
        if (line.n == 0 || line.p[0] == '#')
            continue;
        lw_str name = next_tok(&line), cat = next_tok(&line), doms = next_tok(&line);
        if (b->n == cap) {
            size_t nc = cap ? cap * 2 : 128;
            lw_brand *nv = realloc(b->v, nc * sizeof *nv);
            if (!nv)
                return LW_ENOMEM;
            b->v = nv;
            cap = nc;
        }
        lw_brand *br = &b->v[b->n];
        memset(br, 0, sizeof *br);
        bool ok = name.n >= 3 && copy_lower(name, br->name, sizeof br->name) &&
                  copy_lower(cat, br->category, sizeof br->category) && doms.n > 0;
        for (size_t k = 0; ok && k < name.n; k++) {
            unsigned char c = (unsigned char)br->name[k];
            ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        }
        if (!ok) {
            lw_fmt(err, errlen,
                   "%s:%zu: expected 'NAME CATEGORY DOMAIN[,DOMAIN...]' with NAME of 3-31 "
                   "lowercase letters or digits",
                   src, lineno);
            return LW_EFORMAT;
        }
        size_t s0 = 0;
        for (size_t k = 0; k <= doms.n; k++) {
            if (k < doms.n && doms.p[k] != ',')
                continue;
            lw_str d = {doms.p + s0, k - s0};
            s0 = k + 1;
            if (d.n == 0 || lw_str_eq_c(d, "-") || br->ndomains == LW_BRAND_MAX_DOMAINS)
                continue;
            if (!copy_lower(d, br->domains[br->ndomains], sizeof br->domains[0])) {
                lw_fmt(err, errlen, "%s:%zu: domain too long", src, lineno);
                return LW_EFORMAT;
            }
            lw_status st = lw_strset_add(&b->owned, lw_str_c(br->domains[br->ndomains]));
            if (st)
                return st;
            br->ndomains++;
        }
        b->n++;
    }
    if (b->n == 0) {
        lw_fmt(err, errlen, "%s: no brand lines", src);
        return LW_EFORMAT;
    }
    return LW_OK;
}

lw_status lw_brands_load_default(lw_brands *b)
{
    char err[64];
    return parse(b, "built-in", default_brands, sizeof default_brands - 1, err, sizeof err);
}

lw_status lw_brands_load_file(lw_brands *b, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        lw_fmt(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return LW_EIO;
    }
    lw_buf buf;
    lw_buf_init(&buf);
    char tmp[65536];
    size_t got;
    while ((got = fread(tmp, 1, sizeof tmp, f)) > 0)
        lw_buf_put(&buf, tmp, got);
    fclose(f);
    if (!lw_buf_ok(&buf)) {
        lw_buf_free(&buf);
        return LW_ENOMEM;
    }
    lw_status st;
    if (buf.n && memchr(buf.p, '\0', buf.n)) {
        lw_fmt(err, errlen, "%s: binary data (NUL bytes): not a brands list", path);
        st = LW_EFORMAT;
    } else {
        st = parse(b, path, buf.p ? buf.p : "", buf.n, err, errlen);
    }
    lw_buf_free(&buf);
    return st;
}
