/*
 * Sigma value modifiers: one row per modifier in mod_table[], validated at load time.
 *
 * A field item "Field|m1|m2: values" compiles in three steps:
 *   1. every modifier name is looked up in the table (unknown -> rejected) and the set is
 *      checked for combinations that make no sense (re + contains, utf16 without base64...);
 *   2. string values are parsed into (bytes, wildcard marks) and pushed through the
 *      transforms in the order written (expand, windash, utf16*, base64, base64offset);
 *      each original value becomes a group of variants (|all needs the groups);
 *   3. the match kind (contains / startswith / endswith / exact, re, cidr, lt.., fieldref)
 *      turns each variant into an lw_pat, lowercased unless cased.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma-int.h"

/* Bits of the modifier set. */
enum {
    M_CONTAINS = 1u << 0,
    M_STARTSWITH = 1u << 1,
    M_ENDSWITH = 1u << 2,
    M_RE = 1u << 3,
    M_CIDR = 1u << 4,
    M_LT = 1u << 5,
    M_LTE = 1u << 6,
    M_GT = 1u << 7,
    M_GTE = 1u << 8,
    M_EXISTS = 1u << 9,
    M_FIELDREF = 1u << 10,
    M_ALL = 1u << 11,
    M_CASED = 1u << 12,
    M_RE_I = 1u << 13,
    M_RE_M = 1u << 14,
    M_RE_S = 1u << 15,
    M_WINDASH = 1u << 16,
    M_BASE64 = 1u << 17,
    M_BASE64OFF = 1u << 18,
    M_UTF16LE = 1u << 19,
    M_UTF16BE = 1u << 20,
    M_UTF16 = 1u << 21,
    M_EXPAND = 1u << 22,
};

#define M_STRPOS  (M_CONTAINS | M_STARTSWITH | M_ENDSWITH)
#define M_NUM     (M_LT | M_LTE | M_GT | M_GTE)
#define M_KIND    (M_STRPOS | M_RE | M_CIDR | M_NUM | M_EXISTS)
#define M_REFLAGS (M_RE_I | M_RE_M | M_RE_S)
#define M_ENCODE  (M_UTF16LE | M_UTF16BE | M_UTF16)
#define M_BASE64S (M_BASE64 | M_BASE64OFF)
#define M_XFORM   (M_WINDASH | M_BASE64S | M_ENCODE | M_EXPAND)

/* A value being transformed: bytes plus a wildcard mark per byte (NULL = all literal). */
typedef struct sval {
    unsigned char *b;
    unsigned char *w;
    size_t n;
    uint8_t cased; /* produced by an encoding whose output is case-significant */
    uint32_t group;
} sval;

typedef struct svlist {
    sval *v;
    size_t n, cap;
} svlist;

typedef struct mctx {
    lw_rules *r;
    lw_arena tmp; /* intermediates, freed when the field item is compiled */
    lw_cerr *e;
    const lw_ynode *key;
    const lw_ynode *at; /* value node for errors */
    const char *kname;  /* the item's key as written, for messages */
    size_t tmpbytes;    /* variant bytes built so far (LW_MAX_ITEM_BYTES) */
} mctx;

typedef lw_status (*xform_fn)(mctx *c, const sval *in, svlist *out);

static lw_status x_expand(mctx *c, const sval *in, svlist *out);
static lw_status x_windash(mctx *c, const sval *in, svlist *out);
static lw_status x_utf16le(mctx *c, const sval *in, svlist *out);
static lw_status x_utf16be(mctx *c, const sval *in, svlist *out);
static lw_status x_utf16(mctx *c, const sval *in, svlist *out);
static lw_status x_base64(mctx *c, const sval *in, svlist *out);
static lw_status x_base64off(mctx *c, const sval *in, svlist *out);

/* The modifier table.  'needs' lists bits at least one of which must also be present;
 * 'forbid' lists bits that must not be. */
typedef struct mod_row {
    const char *name;
    uint32_t bit;
    xform_fn xform;
    uint32_t forbid;
    const char *unsupported; /* non-NULL: known Sigma modifier we refuse, with why */
} mod_row;

static const mod_row mod_table[] = {
    {"contains", M_CONTAINS, NULL, M_KIND & ~M_CONTAINS, NULL},
    {"startswith", M_STARTSWITH, NULL, M_KIND & ~M_STARTSWITH, NULL},
    {"endswith", M_ENDSWITH, NULL, M_KIND & ~M_ENDSWITH, NULL},
    {"all", M_ALL, NULL, M_EXISTS, NULL},
    {"re", M_RE, NULL, (M_KIND & ~M_RE) | M_XFORM | M_CASED | M_FIELDREF, NULL},
    {"i", M_RE_I, NULL, 0, NULL},
    {"m", M_RE_M, NULL, 0, NULL},
    {"s", M_RE_S, NULL, 0, NULL},
    {"cidr", M_CIDR, NULL, (M_KIND & ~M_CIDR) | M_XFORM | M_CASED | M_FIELDREF, NULL},
    {"lt", M_LT, NULL, (M_KIND & ~M_LT) | M_XFORM | M_CASED | M_FIELDREF | M_ALL, NULL},
    {"lte", M_LTE, NULL, (M_KIND & ~M_LTE) | M_XFORM | M_CASED | M_FIELDREF | M_ALL, NULL},
    {"gt", M_GT, NULL, (M_KIND & ~M_GT) | M_XFORM | M_CASED | M_FIELDREF | M_ALL, NULL},
    {"gte", M_GTE, NULL, (M_KIND & ~M_GTE) | M_XFORM | M_CASED | M_FIELDREF | M_ALL, NULL},
    {"exists", M_EXISTS, NULL, (M_KIND & ~M_EXISTS) | M_XFORM | M_CASED | M_FIELDREF | M_ALL, NULL},
    {"fieldref", M_FIELDREF, NULL, M_RE | M_CIDR | M_NUM | M_EXISTS | M_XFORM, NULL},
    {"cased", M_CASED, NULL, M_RE | M_CIDR | M_NUM | M_EXISTS, NULL},
    {"windash", M_WINDASH, x_windash, M_RE | M_CIDR | M_NUM | M_EXISTS | M_FIELDREF, NULL},
    {"base64", M_BASE64, x_base64, M_RE | M_CIDR | M_NUM | M_EXISTS | M_FIELDREF, NULL},
    {"base64offset", M_BASE64OFF, x_base64off, M_RE | M_CIDR | M_NUM | M_EXISTS | M_FIELDREF, NULL},
    {"utf16le", M_UTF16LE, x_utf16le, M_RE | M_CIDR | M_NUM | M_EXISTS | M_FIELDREF, NULL},
    {"wide", M_UTF16LE, x_utf16le, M_RE | M_CIDR | M_NUM | M_EXISTS | M_FIELDREF, NULL},
    {"utf16be", M_UTF16BE, x_utf16be, M_RE | M_CIDR | M_NUM | M_EXISTS | M_FIELDREF, NULL},
    {"utf16", M_UTF16, x_utf16, M_RE | M_CIDR | M_NUM | M_EXISTS | M_FIELDREF, NULL},
    {"expand", M_EXPAND, x_expand, M_RE | M_CIDR | M_NUM | M_EXISTS | M_FIELDREF, NULL},
    {"neq", 0, NULL, 0, "modifier 'neq' is not supported yet"},
    {"minute", 0, NULL, 0, "time modifier 'minute' is not supported"},
    {"hour", 0, NULL, 0, "time modifier 'hour' is not supported"},
    {"day", 0, NULL, 0, "time modifier 'day' is not supported"},
    {"week", 0, NULL, 0, "time modifier 'week' is not supported"},
    {"month", 0, NULL, 0, "time modifier 'month' is not supported"},
    {"year", 0, NULL, 0, "time modifier 'year' is not supported"},
};

void lw_cerr_set(lw_cerr *e, const lw_ynode *at, const char *fmt, ...)
{
    va_list ap;
    e->line = at ? at->line : 0;
    e->column = at ? at->col : 0;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}

static const mod_row *mod_find(lw_str name)
{
    for (size_t i = 0; i < sizeof(mod_table) / sizeof(mod_table[0]); i++)
        if (lw_str_eq_c(name, mod_table[i].name))
            return &mod_table[i];
    return NULL;
}

/* ---- value lists ---- */

static lw_status sv_push(mctx *c, svlist *l, sval v)
{
    if (l->n >= LW_MAX_VALUE_VARIANTS) {
        lw_cerr_set(c->e, c->at, "too many value variants in '%s' (limit %u)", c->kname,
                    (unsigned)LW_MAX_VALUE_VARIANTS);
        return LW_ERULE;
    }
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        sval *nv = lw_arena_alloc(&c->tmp, ncap * sizeof(*nv));
        if (!nv)
            return LW_ENOMEM;
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof(*nv));
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = v;
    return LW_OK;
}

/* Every variant byte is charged to the item's budget: the transforms multiply values
 * (windash x625, base64offset x3, expand), so counts alone do not bound memory. */
static lw_status sv_alloc(mctx *c, sval *v, size_t n, bool wild)
{
    size_t cost = wild ? 2 * (n + 1) : n + 1;
    if (n > LW_MAX_ITEM_BYTES || c->tmpbytes > LW_MAX_ITEM_BYTES - cost) {
        lw_cerr_set(c->e, c->at,
                    "rule too large: more than %u bytes of value variants in '%s' (limit)",
                    (unsigned)LW_MAX_ITEM_BYTES, c->kname);
        return LW_ERULE;
    }
    c->tmpbytes += cost;
    v->b = lw_arena_alloc(&c->tmp, n ? n : 1);
    v->w = wild ? lw_arena_alloc(&c->tmp, n ? n : 1) : NULL;
    v->n = n;
    v->cased = 0;
    v->group = 0;
    if (!v->b || (wild && !v->w))
        return LW_ENOMEM;
    if (v->w)
        memset(v->w, 0, n ? n : 1);
    return LW_OK;
}

static bool sv_has_wild(const sval *v)
{
    if (!v->w)
        return false;
    for (size_t i = 0; i < v->n; i++)
        if (v->w[i])
            return true;
    return false;
}

/* Mark of a '%' written as '\%' under |expand: literal, never a placeholder delimiter.
 * x_expand turns it back into LW_WILD_NONE before anything else sees the marks. */
#define MARK_PCT 3

/* Sigma string syntax: '*' and '?' are wildcards; backslash escapes '*', '?' and itself
 * (and '%' when expand is true: the spec's escape for |expand); any other backslash is
 * literal (SigmaHQ writes C:\Windows\ unescaped). */
static lw_status sv_parse(mctx *c, lw_str s, sval *out, bool expand)
{
    lw_status st = sv_alloc(c, out, s.n, true);
    if (st)
        return st;
    size_t o = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch == '\\' && i + 1 < s.n &&
            (s.p[i + 1] == '*' || s.p[i + 1] == '?' || s.p[i + 1] == '\\')) {
            out->b[o++] = (unsigned char)s.p[++i];
            continue;
        }
        if (expand && ch == '\\' && i + 1 < s.n && s.p[i + 1] == '%') {
            out->w[o] = MARK_PCT;
            out->b[o++] = (unsigned char)s.p[++i];
            continue;
        }
        if (ch == '*' || ch == '?') {
            out->w[o] = ch == '*' ? LW_WILD_STAR : LW_WILD_ONE;
            out->b[o++] = ch;
            continue;
        }
        out->b[o++] = ch;
    }
    out->n = o;
    return LW_OK;
}

/* ---- transforms ---- */

/* Next literal %name% in v at or after `from`: its start i and closing j; false if none. */
static bool next_placeholder(const sval *v, size_t from, size_t *pi, size_t *pj)
{
    for (size_t i = from; i < v->n; i++) {
        if (v->b[i] != '%' || (v->w && v->w[i]))
            continue;
        size_t j = i + 1;
        while (j < v->n && v->b[j] != '%' && !(v->w && v->w[j]))
            j++;
        if (j >= v->n || v->b[j] != '%' || j == i + 1)
            continue;
        *pi = i;
        *pj = j;
        return true;
    }
    return false;
}

/* Iterative: a FIFO work list of (value, resume offset).  Scanning resumes after the
 * substituted text, so a placeholder value containing '%name%' is never expanded again
 * (no self-reference loop), and the output order is that of a left-to-right expansion.
 * Bounded by LW_MAX_PLACEHOLDERS per value, the variant cap and the item byte budget. */
static lw_status x_expand(mctx *c, const sval *in, svlist *out)
{
    size_t nph = 0, i, j;
    for (size_t from = 0; next_placeholder(in, from, &i, &j); from = j + 1) {
        if (++nph > LW_MAX_PLACEHOLDERS) {
            lw_cerr_set(c->e, c->at,
                        "rule too large: more than %u placeholders in one value of '%s' (limit)",
                        (unsigned)LW_MAX_PLACEHOLDERS, c->kname);
            return LW_ERULE;
        }
    }
    svlist work = {0};
    size_t *resume = NULL, capres = 0;
    lw_status st = sv_push(c, &work, *in);
    if (st)
        return st;
    for (size_t q = 0; q < work.n; q++) {
        if (work.cap > capres) {
            size_t *nr = lw_arena_alloc(&c->tmp, work.cap * sizeof(*nr));
            if (!nr)
                return LW_ENOMEM;
            if (capres)
                memcpy(nr, resume, capres * sizeof(*nr));
            else
                nr[0] = 0;
            resume = nr;
            capres = work.cap;
        }
        sval cur = work.v[q];
        if (!next_placeholder(&cur, resume[q], &i, &j)) {
            /* Done: '\%' marks become plain literal bytes. */
            for (size_t k = 0; cur.w && k < cur.n; k++)
                if (cur.w[k] == MARK_PCT)
                    cur.w[k] = LW_WILD_NONE;
            if ((st = sv_push(c, out, cur)))
                return st;
            continue;
        }
        lw_str name = {(const char *)cur.b + i + 1, j - i - 1};
        const lw_placeholder *ph = lw_placeholder_find(c->r, name);
        if (!ph || ph->nvalues == 0) {
            lw_cerr_set(c->e, c->at,
                        "placeholder '%%%.*s%%' has no values (give them with --placeholder "
                        "%.*s=FILE)",
                        (int)name.n, name.p, (int)name.n, name.p);
            return LW_ERULE;
        }
        for (size_t k = 0; k < ph->nvalues; k++) {
            sval pv, nv;
            if ((st = sv_parse(c, lw_str_c(ph->values[k]), &pv, false)))
                return st;
            size_t tail = cur.n - j - 1;
            if ((st = sv_alloc(c, &nv, i + pv.n + tail, true)))
                return st;
            memcpy(nv.b, cur.b, i);
            if (cur.w)
                memcpy(nv.w, cur.w, i);
            memcpy(nv.b + i, pv.b, pv.n);
            memcpy(nv.w + i, pv.w, pv.n);
            memcpy(nv.b + i + pv.n, cur.b + j + 1, tail);
            if (cur.w)
                memcpy(nv.w + i + pv.n, cur.w + j + 1, tail);
            nv.cased = cur.cased;
            nv.group = cur.group;
            if ((st = sv_push(c, &work, nv)))
                return st;
            if (work.cap > capres) {
                size_t *nr = lw_arena_alloc(&c->tmp, work.cap * sizeof(*nr));
                if (!nr)
                    return LW_ENOMEM;
                memcpy(nr, resume, capres * sizeof(*nr));
                resume = nr;
                capres = work.cap;
            }
            resume[work.n - 1] = i + pv.n; /* never rescan the substituted text */
        }
    }
    return LW_OK;
}

static bool is_word(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch >= 0x80;
}

/* 5^6 = 15625 variants fits LW_MAX_VALUE_VARIANTS (5^7 would not); their bytes are
 * charged to the item budget like any other variant. */
#define WINDASH_MAX_POS 6

/* pySigma's windash: every '-' or '/' matching \B[-/]\b (after a non-word character or at
 * the start, before a word character) becomes each of - / en-dash em-dash horizontal-bar. */
static lw_status x_windash(mctx *c, const sval *in, svlist *out)
{
    static const char *const dashes[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};
    size_t pos[WINDASH_MAX_POS], npos = 0;
    for (size_t i = 0; i < in->n; i++) {
        bool lit = !(in->w && in->w[i]);
        if (!lit || (in->b[i] != '-' && in->b[i] != '/'))
            continue;
        bool prev_word = i > 0 && !(in->w && in->w[i - 1]) && is_word(in->b[i - 1]);
        bool next_word = i + 1 < in->n && !(in->w && in->w[i + 1]) && is_word(in->b[i + 1]);
        if (prev_word || !next_word)
            continue;
        if (npos == WINDASH_MAX_POS) {
            lw_cerr_set(c->e, c->at,
                        "rule too large: windash with more than %d dashes in one value of '%s' "
                        "(5^n variants; limit)",
                        WINDASH_MAX_POS, c->kname);
            return LW_ERULE;
        }
        pos[npos++] = i;
    }
    size_t combos = 1;
    for (size_t k = 0; k < npos; k++)
        combos *= 5;
    for (size_t combo = 0; combo < combos; combo++) {
        size_t len = in->n, x = combo;
        size_t pick[WINDASH_MAX_POS];
        for (size_t k = 0; k < npos; k++) {
            pick[k] = x % 5;
            x /= 5;
            len += strlen(dashes[pick[k]]) - 1;
        }
        sval nv;
        lw_status st = sv_alloc(c, &nv, len, true);
        if (st)
            return st;
        size_t o = 0, k = 0;
        for (size_t i = 0; i < in->n; i++) {
            if (k < npos && pos[k] == i) {
                size_t dl = strlen(dashes[pick[k]]);
                memcpy(nv.b + o, dashes[pick[k]], dl);
                o += dl;
                k++;
                continue;
            }
            nv.b[o] = in->b[i];
            nv.w[o] = in->w ? in->w[i] : 0;
            o++;
        }
        nv.cased = in->cased;
        nv.group = in->group;
        if ((st = sv_push(c, out, nv)))
            return st;
    }
    return LW_OK;
}

static lw_status no_wild(mctx *c, const sval *in, const char *what)
{
    if (sv_has_wild(in)) {
        lw_cerr_set(c->e, c->at, "%s of a value with wildcards is not supported in '%s'", what,
                    c->kname);
        return LW_ERULE;
    }
    return LW_OK;
}

/* UTF-8 -> UTF-16 (be: big endian; bom: prepend FF FE and use little endian). */
static lw_status utf16(mctx *c, const sval *in, svlist *out, bool be, bool bom)
{
    lw_status st = no_wild(c, in, "utf16 encoding");
    if (st)
        return st;
    sval nv;
    if ((st = sv_alloc(c, &nv, in->n * 4 + 2, false)))
        return st;
    size_t o = 0;
    if (bom) {
        nv.b[o++] = 0xFF;
        nv.b[o++] = 0xFE;
    }
    for (size_t i = 0; i < in->n;) {
        unsigned char b0 = in->b[i];
        uint32_t cp;
        size_t len;
        if (b0 < 0x80) {
            cp = b0;
            len = 1;
        } else if ((b0 & 0xE0) == 0xC0) {
            cp = b0 & 0x1F;
            len = 2;
        } else if ((b0 & 0xF0) == 0xE0) {
            cp = b0 & 0x0F;
            len = 3;
        } else if ((b0 & 0xF8) == 0xF0) {
            cp = b0 & 0x07;
            len = 4;
        } else {
            goto bad;
        }
        if (i + len > in->n)
            goto bad;
        for (size_t k = 1; k < len; k++) {
            if ((in->b[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (in->b[i + k] & 0x3F);
        }
        i += len;
        uint16_t units[2];
        size_t nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units[0] = (uint16_t)(0xD800 | (cp >> 10));
            units[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
            nu = 2;
        } else {
            units[0] = (uint16_t)cp;
        }
        for (size_t k = 0; k < nu; k++) {
            nv.b[o++] = be ? (unsigned char)(units[k] >> 8) : (unsigned char)(units[k] & 0xFF);
            nv.b[o++] = be ? (unsigned char)(units[k] & 0xFF) : (unsigned char)(units[k] >> 8);
        }
    }
    nv.n = o;
    nv.cased = 1;
    nv.group = in->group;
    return sv_push(c, out, nv);
bad:
    lw_cerr_set(c->e, c->at, "invalid UTF-8 in a value of '%s'", c->kname);
    return LW_ERULE;
}

static lw_status x_utf16le(mctx *c, const sval *in, svlist *out)
{
    return utf16(c, in, out, false, false);
}

static lw_status x_utf16be(mctx *c, const sval *in, svlist *out)
{
    return utf16(c, in, out, true, false);
}

static lw_status x_utf16(mctx *c, const sval *in, svlist *out)
{
    return utf16(c, in, out, false, true);
}

static size_t b64_encode(const unsigned char *in, size_t n, unsigned char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = (unsigned char)tbl[v >> 18];
        out[o++] = (unsigned char)tbl[(v >> 12) & 63];
        out[o++] = (unsigned char)tbl[(v >> 6) & 63];
        out[o++] = (unsigned char)tbl[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = (unsigned char)tbl[v >> 18];
        out[o++] = (unsigned char)tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? (unsigned char)tbl[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return o;
}

/* Base64 output is case-significant, so its variants are compared cased. */
static lw_status x_base64(mctx *c, const sval *in, svlist *out)
{
    lw_status st = no_wild(c, in, "base64 encoding");
    if (st)
        return st;
    sval nv;
    if ((st = sv_alloc(c, &nv, (in->n + 2) / 3 * 4, false)))
        return st;
    nv.n = b64_encode(in->b, in->n, nv.b);
    nv.cased = 1;
    nv.group = in->group;
    return sv_push(c, out, nv);
}

/* The three encodings of value at offsets 0, 1, 2 inside a longer base64 text, without
 * the characters that depend on neighbouring bytes (pySigma's base64offset). */
static lw_status x_base64off(mctx *c, const sval *in, svlist *out)
{
    static const size_t start[3] = {0, 2, 3};
    static const size_t endcut[3] = {0, 3, 2};
    lw_status st = no_wild(c, in, "base64offset encoding");
    if (st)
        return st;
    if (in->n == 0) {
        lw_cerr_set(c->e, c->at, "base64offset of an empty value in '%s'", c->kname);
        return LW_ERULE;
    }
    unsigned char *buf = lw_arena_alloc(&c->tmp, in->n + 2);
    unsigned char *enc = lw_arena_alloc(&c->tmp, (in->n + 4) / 3 * 4 + 4);
    if (!buf || !enc)
        return LW_ENOMEM;
    for (size_t i = 0; i < 3; i++) {
        memset(buf, ' ', i);
        memcpy(buf + i, in->b, in->n);
        size_t el = b64_encode(buf, in->n + i, enc);
        size_t cut = endcut[(in->n + i) % 3];
        if (el < start[i] + cut + 1)
            continue; /* too short to carry a stable part at this offset */
        sval nv;
        if ((st = sv_alloc(c, &nv, el - start[i] - cut, false)))
            return st;
        memcpy(nv.b, enc + start[i], nv.n);
        nv.cased = 1;
        nv.group = in->group;
        if ((st = sv_push(c, out, nv)))
            return st;
    }
    return LW_OK;
}

/* ---- patterns ---- */

/* Turn a transformed value plus the match kind into an lw_pat in the rules arena. */
static lw_status make_str_pat(mctx *c, const sval *v, uint32_t mods, lw_pat *p)
{
    /* Apply contains / startswith / endswith by adding stars, then classify. */
    bool lead = (mods & (M_CONTAINS | M_ENDSWITH)) != 0;
    bool trail = (mods & (M_CONTAINS | M_STARTSWITH)) != 0;
    size_t n = v->n;
    const unsigned char *b = v->b, *w = v->w;
    /* Strip leading / trailing stars into the flags. */
    while (n && w && w[0] == LW_WILD_STAR) {
        lead = true;
        b++;
        w++;
        n--;
    }
    while (n && w && w[n - 1] == LW_WILD_STAR) {
        trail = true;
        n--;
    }
    bool inner = false;
    for (size_t i = 0; w && i < n; i++)
        if (w[i])
            inner = true;
    memset(p, 0, sizeof(*p));
    p->cased = (mods & M_CASED) || v->cased;
    if (n == 0 && (lead || trail)) {
        p->kind = LW_PAT_ANY;
        return LW_OK;
    }
    unsigned char *s = lw_arena_alloc(&c->r->arena, n ? n : 1);
    if (!s)
        return LW_ENOMEM;
    for (size_t i = 0; i < n; i++)
        s[i] = p->cased ? b[i] : lw_lower(b[i]);
    p->s = s;
    p->n = n;
    if (inner) {
        /* General glob: keep the edge stars as marks too. */
        size_t gn = n + lead + trail;
        unsigned char *gs = lw_arena_alloc(&c->r->arena, gn);
        unsigned char *gw = lw_arena_alloc(&c->r->arena, gn);
        if (!gs || !gw)
            return LW_ENOMEM;
        size_t o = 0;
        if (lead) {
            gs[o] = '*';
            gw[o++] = LW_WILD_STAR;
        }
        memcpy(gs + o, s, n);
        memcpy(gw + o, w, n);
        o += n;
        if (trail) {
            gs[o] = '*';
            gw[o++] = LW_WILD_STAR;
        }
        p->kind = LW_PAT_GLOB;
        p->s = gs;
        p->wild = gw;
        p->n = gn;
        return LW_OK;
    }
    p->kind = lead && trail ? LW_PAT_CONTAINS
              : lead        ? LW_PAT_SUFFIX
              : trail       ? LW_PAT_PREFIX
                            : LW_PAT_EXACT;
    return LW_OK;
}

static bool yaml_bool(const lw_ynode *v, bool *out)
{
    if (!v || v->type != LW_Y_SCALAR)
        return false;
    lw_str s = lw_ynode_str(v);
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

static lw_status parse_cidr(mctx *c, const lw_ynode *v, lw_pat *p)
{
    char buf[80];
    lw_str s = lw_str_trim(lw_ynode_str(v));
    if (s.n == 0 || s.n >= sizeof(buf))
        goto bad;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    char *slash = memchr(buf, '/', s.n);
    long plen = -1;
    if (slash) {
        *slash = '\0';
        char *end = NULL;
        plen = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0' || plen < 0)
            goto bad;
    }
    memset(p, 0, sizeof(*p));
    p->kind = LW_PAT_CIDR;
    if (inet_pton(AF_INET, buf, p->addr) == 1) {
        p->family = 4;
        if (plen > 32)
            goto bad;
        p->prefix = plen < 0 ? 32 : (uint32_t)plen;
    } else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
        p->family = 6;
        if (plen > 128)
            goto bad;
        p->prefix = plen < 0 ? 128 : (uint32_t)plen;
    } else {
        goto bad;
    }
    return LW_OK;
bad:
    lw_cerr_set(c->e, v, "invalid CIDR network '%s' in '%s'", v->s, c->kname);
    return LW_ERULE;
}

static lw_status compile_re(mctx *c, const lw_ynode *v, uint32_t mods, lw_pat *p)
{
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (mods & M_RE_I)
        opts |= PCRE2_CASELESS;
    if (mods & M_RE_M)
        opts |= PCRE2_MULTILINE;
    if (mods & M_RE_S)
        opts |= PCRE2_DOTALL;
    int ec = 0;
    PCRE2_SIZE eo = 0;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)v->s, v->n, opts, &ec, &eo, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        if (pcre2_get_error_message(ec, msg, sizeof(msg)) < 0)
            lw_fmt((char *)msg, sizeof(msg), "error %d", ec);
        lw_cerr_set(c->e, v, "invalid regular expression in '%s' at offset %zu: %s", c->kname,
                    (size_t)eo, (const char *)msg);
        return LW_ERULE;
    }
    lw_status st = lw_rules_keep_regex(c->r, re);
    if (st) {
        pcre2_code_free(re);
        return st;
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* interpreter fallback on failure */
    memset(p, 0, sizeof(*p));
    p->kind = LW_PAT_RE;
    p->re = re;
    /* The source stays for the prefilter, which takes required literals from it. */
    p->s = (const unsigned char *)lw_arena_strndup(&c->r->arena, v->s, v->n);
    if (!p->s)
        return LW_ENOMEM;
    p->n = v->n;
    return LW_OK;
}

static uint8_t pat_cost(const lw_pat *p)
{
    switch (p->kind) {
    case LW_PAT_EXACT:
    case LW_PAT_NULL:
    case LW_PAT_ANY:
        return 1;
    case LW_PAT_PREFIX:
    case LW_PAT_SUFFIX:
    case LW_PAT_NUM:
    case LW_PAT_CIDR:
        return 2;
    case LW_PAT_CONTAINS:
    case LW_PAT_FIELDREF:
        return 3;
    case LW_PAT_GLOB:
        return 4;
    default:
        return 6;
    }
}

/* Values of an item: a scalar or a list of scalars.  Returns them as a node array. */
static lw_status item_values(mctx *c, const lw_ynode *val, const lw_ynode *const **vals,
                             size_t *nvals, const lw_ynode **single)
{
    if (val->type == LW_Y_SCALAR) {
        *single = val;
        *vals = single;
        *nvals = 1;
        return LW_OK;
    }
    if (val->type == LW_Y_MAP) {
        lw_cerr_set(c->e, val, "a map is not a valid value for '%s'", c->kname);
        return LW_ERULE;
    }
    if (val->nkids == 0) {
        lw_cerr_set(c->e, val, "empty value list for '%s'", c->kname);
        return LW_ERULE;
    }
    for (size_t i = 0; i < val->nkids; i++) {
        if (val->kids[i]->type != LW_Y_SCALAR) {
            lw_cerr_set(c->e, val->kids[i], "nested lists or maps are not valid values for '%s'",
                        c->kname);
            return LW_ERULE;
        }
    }
    *vals = (const lw_ynode *const *)val->kids;
    *nvals = val->nkids;
    return LW_OK;
}

/* Finish fm from the pattern list, grouping for |all. */
static lw_status finish_fm(mctx *c, lw_fm *fm, lw_pat *pats, const uint32_t *groups, size_t npats,
                           uint32_t ngroups)
{
    fm->pats = lw_arena_alloc(&c->r->arena, (npats ? npats : 1) * sizeof(*pats));
    if (!fm->pats)
        return LW_ENOMEM;
    if (npats)
        memcpy(fm->pats, pats, npats * sizeof(*pats));
    fm->npats = (uint32_t)npats;
    uint8_t cost = 0;
    for (size_t i = 0; i < npats; i++)
        if (pat_cost(&pats[i]) > cost)
            cost = pat_cost(&pats[i]);
    cost = (uint8_t)(cost * 2 + (npats > 8));
    if (fm->field == LW_FIELD_KEYWORD)
        cost = (uint8_t)(cost + 16);
    fm->cost = cost;
    if (fm->all) {
        /* Groups are emitted in order; record where each starts. */
        fm->gstart = lw_arena_alloc(&c->r->arena, ((size_t)ngroups + 1) * sizeof(uint32_t));
        if (!fm->gstart)
            return LW_ENOMEM;
        uint32_t g = 0;
        for (size_t i = 0; i < npats; i++)
            while (g <= groups[i])
                fm->gstart[g++] = (uint32_t)i;
        while (g <= ngroups)
            fm->gstart[g++] = (uint32_t)npats;
        fm->ngroups = ngroups;
        return LW_OK;
    }
    return npats >= LW_PIDX_MIN ? lw_fm_build_index(c->r, fm) : LW_OK;
}

static lw_status compile_values(mctx *c, uint32_t mods, const mod_row **xforms, size_t nx,
                                const lw_ynode *val, lw_fm *fm, bool keyword)
{
    const lw_ynode *const *vals;
    const lw_ynode *single;
    size_t nvals;
    lw_status st = item_values(c, val, &vals, &nvals, &single);
    if (st)
        return st;
    fm->all = (mods & M_ALL) != 0;

    if (mods & M_EXISTS) {
        bool b;
        if (nvals != 1 || !yaml_bool(vals[0], &b)) {
            lw_cerr_set(c->e, val, "'%s' needs true or false", c->kname);
            return LW_ERULE;
        }
        fm->exists = 1;
        fm->want = b;
        fm->cost = 1;
        return LW_OK;
    }

    /* Transformations first (string kinds), then one pattern per variant. */
    svlist cur = {0};
    lw_pat *pats = NULL;
    uint32_t *groups = NULL;
    size_t npats = 0;
    for (size_t i = 0; i < nvals; i++) {
        const lw_ynode *v = vals[i];
        c->at = v;
        if (lw_ynode_is_null(v)) {
            if (val->type == LW_Y_SEQ) {
                /* The spec forbids it: "Field: null" is its own item (an OR with other
                 * values is written as two alternatives). */
                lw_cerr_set(c->e, v,
                            "null inside a value list of '%s' is not allowed (write 'Field: "
                            "null' as a separate selection)",
                            c->kname);
                return LW_ERULE;
            }
            if (mods & (M_KIND | M_XFORM | M_FIELDREF)) {
                lw_cerr_set(c->e, v, "null value with modifiers in '%s'", c->kname);
                return LW_ERULE;
            }
            if (keyword) {
                lw_cerr_set(c->e, v, "null is not a valid keyword");
                return LW_ERULE;
            }
            sval nv = {0};
            nv.group = (uint32_t)i;
            nv.w = NULL;
            nv.n = SIZE_MAX; /* marks the null pattern */
            if ((st = sv_push(c, &cur, nv)))
                return st;
            continue;
        }
        if (mods & (M_RE | M_CIDR | M_NUM | M_FIELDREF)) {
            sval nv = {0};
            nv.b = (unsigned char *)(uintptr_t)v; /* node smuggled through; see below */
            nv.group = (uint32_t)i;
            if ((st = sv_push(c, &cur, nv)))
                return st;
            continue;
        }
        if (v->n > LW_MAX_VALUE_BYTES) {
            lw_cerr_set(c->e, v, "rule too large: value longer than %u bytes in '%s' (limit)",
                        (unsigned)LW_MAX_VALUE_BYTES, c->kname);
            return LW_ERULE;
        }
        sval sv;
        if ((st = sv_parse(c, lw_ynode_str(v), &sv, (mods & M_EXPAND) != 0)))
            return st;
        sv.group = (uint32_t)i;
        svlist in = {0};
        if ((st = sv_push(c, &in, sv)))
            return st;
        for (size_t x = 0; x < nx; x++) {
            svlist out = {0};
            for (size_t k = 0; k < in.n; k++)
                if ((st = xforms[x]->xform(c, &in.v[k], &out)))
                    return st;
            in = out;
        }
        for (size_t k = 0; k < in.n; k++)
            if ((st = sv_push(c, &cur, in.v[k])))
                return st;
        /* Fail before building more when the file's pattern budget cannot take them
         * (an 'action: repeat' of a spent file is rejected after one value). */
        if ((st = lw_budget_room(c->r, cur.n, c->e, v)))
            return st;
    }

    pats = lw_arena_alloc(&c->tmp, (cur.n ? cur.n : 1) * sizeof(*pats));
    groups = lw_arena_alloc(&c->tmp, (cur.n ? cur.n : 1) * sizeof(*groups));
    if (!pats || !groups)
        return LW_ENOMEM;
    for (size_t k = 0; k < cur.n; k++) {
        const sval *v = &cur.v[k];
        lw_pat *p = &pats[npats];
        groups[npats] = v->group;
        if (v->n == SIZE_MAX && v->b == NULL) {
            memset(p, 0, sizeof(*p));
            p->kind = LW_PAT_NULL;
        } else if (mods & (M_RE | M_CIDR | M_NUM | M_FIELDREF)) {
            const lw_ynode *node = (const lw_ynode *)(uintptr_t)v->b;
            c->at = node;
            if (mods & M_RE) {
                st = compile_re(c, node, mods, p);
            } else if (mods & M_CIDR) {
                st = parse_cidr(c, node, p);
            } else if (mods & M_NUM) {
                double d;
                if (!lw_str_to_double(lw_ynode_str(node), &d)) {
                    lw_cerr_set(c->e, node, "'%s' needs a number, got '%s'", c->kname, node->s);
                    return LW_ERULE;
                }
                memset(p, 0, sizeof(*p));
                p->kind = LW_PAT_NUM;
                p->num = d;
                p->op = (mods & M_LT)    ? LW_NUM_LT
                        : (mods & M_LTE) ? LW_NUM_LTE
                        : (mods & M_GT)  ? LW_NUM_GT
                                         : LW_NUM_GTE;
            } else {
                memset(p, 0, sizeof(*p));
                p->kind = LW_PAT_FIELDREF;
                p->cased = (mods & M_CASED) != 0;
                p->op = (mods & M_CONTAINS)     ? LW_PAT_CONTAINS
                        : (mods & M_STARTSWITH) ? LW_PAT_PREFIX
                        : (mods & M_ENDSWITH)   ? LW_PAT_SUFFIX
                                                : LW_PAT_EXACT;
                lw_str fname = lw_str_trim(lw_ynode_str(node));
                if (fname.n == 0) {
                    lw_cerr_set(c->e, node, "'%s' needs a field name", c->kname);
                    return LW_ERULE;
                }
                st = lw_fdict_intern(c->r, fname, &p->ref);
            }
            if (st)
                return st;
        } else {
            uint32_t m = mods;
            if (keyword && !(mods & M_STRPOS))
                m |= M_CONTAINS; /* keywords are full-text searches in every backend */
            if ((st = make_str_pat(c, v, m, p)))
                return st;
        }
        size_t pbytes = p->kind == LW_PAT_GLOB ? 2 * p->n : p->n;
        if ((st = lw_budget_pats(c->r, 1, pbytes, c->e, c->at)))
            return st;
        npats++;
    }
    return finish_fm(c, fm, pats, groups, npats, (uint32_t)nvals);
}

static lw_status compile_item(lw_rules *r, const lw_ynode *key, lw_str keystr, const lw_ynode *val,
                              lw_fm *fm, lw_cerr *e, bool keyword_list)
{
    mctx c;
    memset(&c, 0, sizeof(c));
    c.r = r;
    c.e = e;
    c.key = key;
    c.at = key;
    c.kname = key->type == LW_Y_SCALAR ? key->s : "keywords";
    lw_arena_init(&c.tmp, 16 * 1024);
    memset(fm, 0, sizeof(*fm));

    lw_status st = LW_OK;
    const char *bar = memchr(keystr.p, '|', keystr.n);
    lw_str field = {keystr.p, bar ? (size_t)(bar - keystr.p) : keystr.n};
    uint32_t mods = 0;
    const mod_row *xforms[16];
    size_t nx = 0;
    bool keyword = keyword_list || field.n == 0;

    while (bar) {
        const char *start = bar + 1;
        const char *end = keystr.p + keystr.n;
        const char *next = memchr(start, '|', (size_t)(end - start));
        lw_str name = {start, (size_t)((next ? next : end) - start)};
        bar = next;
        const mod_row *row = mod_find(name);
        if (!row) {
            lw_cerr_set(e, key, "unknown modifier '%.*s' in '%s'", (int)name.n, name.p, c.kname);
            st = LW_ERULE;
            goto out;
        }
        if (row->unsupported) {
            lw_cerr_set(e, key, "%s (in '%s')", row->unsupported, c.kname);
            st = LW_ERULE;
            goto out;
        }
        if (mods & row->bit) {
            lw_cerr_set(e, key, "modifier '%s' given twice in '%s'", row->name, c.kname);
            st = LW_ERULE;
            goto out;
        }
        if (row->bit & M_REFLAGS && !(mods & M_RE)) {
            lw_cerr_set(e, key, "modifier '%s' is only valid after 're' in '%s'", row->name,
                        c.kname);
            st = LW_ERULE;
            goto out;
        }
        if (row->bit & M_BASE64S && mods & M_BASE64S) {
            lw_cerr_set(e, key, "'base64' and 'base64offset' together in '%s'", c.kname);
            st = LW_ERULE;
            goto out;
        }
        if (row->bit & (M_WINDASH | M_EXPAND) && mods & (M_ENCODE | M_BASE64S)) {
            /* They work on text; after an encoding they would see bytes (windash found no
             * '-x' and silently did nothing). */
            lw_cerr_set(e, key, "modifier '%s' must come before utf16/base64 encodings in '%s'",
                        row->name, c.kname);
            st = LW_ERULE;
            goto out;
        }
        if (row->bit & M_ENCODE && mods & (M_ENCODE | M_BASE64S)) {
            lw_cerr_set(e, key, "utf16 encoding must come once, before base64, in '%s'", c.kname);
            st = LW_ERULE;
            goto out;
        }
        if (row->xform) {
            if (nx == sizeof(xforms) / sizeof(xforms[0])) {
                lw_cerr_set(e, key, "too many modifiers in '%s'", c.kname);
                st = LW_ERULE;
                goto out;
            }
            xforms[nx++] = row;
        }
        mods |= row->bit;
    }
    /* Check every pair now that the whole set is known. */
    for (size_t i = 0; i < sizeof(mod_table) / sizeof(mod_table[0]); i++) {
        const mod_row *row = &mod_table[i];
        if (row->bit && (mods & row->bit) && (mods & row->forbid)) {
            uint32_t bad = mods & row->forbid;
            const char *other = "?";
            for (size_t j = 0; j < sizeof(mod_table) / sizeof(mod_table[0]); j++)
                if (mod_table[j].bit & bad) {
                    other = mod_table[j].name;
                    break;
                }
            lw_cerr_set(e, key, "modifiers '%s' and '%s' cannot be combined in '%s'", row->name,
                        other, c.kname);
            st = LW_ERULE;
            goto out;
        }
    }
    if ((mods & M_ENCODE) && !(mods & M_BASE64S)) {
        lw_cerr_set(e, key, "utf16/wide must be followed by base64 or base64offset in '%s'",
                    c.kname);
        st = LW_ERULE;
        goto out;
    }
    if (keyword && (mods & (M_EXISTS | M_FIELDREF | M_NUM | M_CIDR))) {
        lw_cerr_set(e, key, "modifier not valid without a field name in '%s'", c.kname);
        st = LW_ERULE;
        goto out;
    }
    if (keyword) {
        fm->field = LW_FIELD_KEYWORD;
    } else if ((st = lw_fdict_intern(r, field, &fm->field))) {
        goto out;
    }
    st = compile_values(&c, mods, xforms, nx, val, fm, keyword);
out:
    lw_arena_free(&c.tmp);
    return st;
}

lw_status lw_compile_field(lw_rules *r, const lw_ynode *key, const lw_ynode *val, lw_fm *fm,
                           lw_cerr *e)
{
    if (key->type != LW_Y_SCALAR) {
        lw_cerr_set(e, key, "field names must be strings");
        return LW_ERULE;
    }
    return compile_item(r, key, lw_ynode_str(key), val, fm, e, false);
}

lw_status lw_compile_keywords(lw_rules *r, const lw_ynode *val, lw_fm *fm, lw_cerr *e)
{
    return compile_item(r, val, LW_STR_LIT(""), val, fm, e, true);
}
