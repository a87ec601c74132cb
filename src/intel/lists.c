/*
 * lists.c - allow and block lists: one loader that detects the format per line, and a
 * compact hash set so a million entries load in well under a second.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/str.h"
#include "intel/intel.h"

/* ---- hash set ------------------------------------------------------------------------ */

static uint64_t key_hash(lw_str k)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < k.n; i++) {
        h ^= (unsigned char)k.p[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 29; /* FNV's low bits are weak for short keys; mix before masking */
    return h ? h : 1;
}

void lw_strset_free(lw_strset *s)
{
    free(s->hash);
    free(s->off);
    free(s->pool);
    memset(s, 0, sizeof *s);
}

static lw_str set_key(const lw_strset *s, uint32_t off)
{
    uint32_t n;
    memcpy(&n, s->pool + off, sizeof n);
    return (lw_str){s->pool + off + sizeof n, n};
}

static lw_status set_grow(lw_strset *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 1024;
    if (ncap > SIZE_MAX / sizeof(uint64_t))
        return LW_ENOMEM;
    uint64_t *nh = calloc(ncap, sizeof *nh);
    uint32_t *no = malloc(ncap * sizeof *no);
    if (!nh || !no) {
        free(nh);
        free(no);
        return LW_ENOMEM;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->hash[i])
            continue;
        size_t j = s->hash[i] & (ncap - 1);
        while (nh[j])
            j = (j + 1) & (ncap - 1);
        nh[j] = s->hash[i];
        no[j] = s->off[i];
    }
    free(s->hash);
    free(s->off);
    s->hash = nh;
    s->off = no;
    s->cap = ncap;
    return LW_OK;
}

bool lw_strset_has(const lw_strset *s, lw_str key)
{
    if (!s->cap)
        return false;
    uint64_t h = key_hash(key);
    for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
        if (!s->hash[j])
            return false;
        if (s->hash[j] == h && lw_str_eq(set_key(s, s->off[j]), key))
            return true;
    }
}

lw_status lw_strset_add(lw_strset *s, lw_str key)
{
    if (key.n > UINT32_MAX / 2)
        return LW_ELIMIT;
    if ((s->count + 1) * 4 > s->cap * 3) { /* keep load under 75% */
        lw_status st = set_grow(s);
        if (st)
            return st;
    }
    uint64_t h = key_hash(key);
    size_t j = h & (s->cap - 1);
    for (; s->hash[j]; j = (j + 1) & (s->cap - 1))
        if (s->hash[j] == h && lw_str_eq(set_key(s, s->off[j]), key))
            return LW_OK;
    size_t need = sizeof(uint32_t) + key.n;
    if (s->pool_n + need > UINT32_MAX)
        return LW_ELIMIT;
    if (s->pool_n + need > s->pool_cap) {
        size_t nc = s->pool_cap ? s->pool_cap * 2 : 65536;
        while (nc < s->pool_n + need)
            nc *= 2;
        char *np = realloc(s->pool, nc);
        if (!np)
            return LW_ENOMEM;
        s->pool = np;
        s->pool_cap = nc;
    }
    uint32_t n32 = (uint32_t)key.n;
    memcpy(s->pool + s->pool_n, &n32, sizeof n32);
    if (key.n)
        memcpy(s->pool + s->pool_n + sizeof n32, key.p, key.n);
    s->hash[j] = h;
    s->off[j] = (uint32_t)s->pool_n;
    s->pool_n += need;
    s->count++;
    return LW_OK;
}

/* ---- lists ----------------------------------------------------------------------------- */

void lw_list_free(lw_list *l)
{
    lw_strset_free(&l->domains);
    lw_strset_free(&l->urls);
    l->skipped = 0;
}

bool lw_list_match_host(const lw_list *l, lw_str host, lw_str reg)
{
    if (host.n == 0)
        return false;
    if (lw_strset_has(&l->domains, host))
        return true;
    /* Walk parents only while they are still at or below the registrable domain. */
    size_t stop = reg.n ? host.n - (reg.n <= host.n ? reg.n : host.n) : host.n;
    for (size_t i = 0; i < stop; i++) {
        if (host.p[i] == '.') {
            lw_str parent = {host.p + i + 1, host.n - i - 1};
            if (parent.n < reg.n)
                break;
            if (lw_strset_has(&l->domains, parent))
                return true;
        }
    }
    return false;
}

bool lw_list_match_url(const lw_list *l, lw_str key)
{
    return key.n && lw_strset_has(&l->urls, key);
}

lw_str lw_list_url_key(lw_str host, lw_str path, lw_str query, char *buf, size_t cap)
{
    while (path.n > 0 && path.p[path.n - 1] == '/')
        path.n--;
    size_t need = host.n + path.n + (query.n ? query.n + 1 : 0);
    if (need + 1 > cap)
        return (lw_str){buf, 0};
    size_t k = 0;
    memcpy(buf, host.p, host.n);
    k += host.n;
    if (path.n) {
        memcpy(buf + k, path.p, path.n);
        k += path.n;
    }
    if (query.n) {
        buf[k++] = '?';
        memcpy(buf + k, query.p, query.n);
        k += query.n;
    }
    buf[k] = '\0';
    return (lw_str){buf, k};
}

/* Canonical host for lists and lookups: IPv4 in any notation becomes dotted quad. */
static bool list_host(lw_str host, char *buf, size_t cap, lw_str *out)
{
    uint32_t a;
    if (lw_url_parse_ipv4(host, &a) != LW_IP_NONE) {
        if (!lw_fmt(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255))
            return false;
        *out = lw_str_c(buf);
        return true;
    }
    return lw_url_host_normalize(host, buf, cap, out);
}

static bool is_ip_token(lw_str t)
{
    uint32_t a;
    return lw_url_parse_ipv4(t, &a) == LW_IP_DOTTED || lw_str_eq_c(t, "::") ||
           lw_str_eq_c(t, "::1") || lw_str_eq_c(t, "::0");
}

/* Add one candidate (domain, host or URL) to l.  Returns 1 added, 0 not an entry, <0 err. */
static int add_entry(lw_list *l, lw_str t, bool allow, lw_status *st)
{
    t = lw_str_trim(t);
    if (t.n >= 2 && t.p[0] == '"' && t.p[t.n - 1] == '"') {
        t.p++;
        t.n -= 2;
    }
    if (t.n == 0 || t.n > 4096)
        return 0;
    lw_url u;
    if (!lw_url_parse(t, &u) || (u.flags & LW_URLF_OPAQUE))
        return 0;
    char hb[300];
    lw_str h;
    if (!list_host(u.host, hb, sizeof hb, &h))
        return 0;
    if (!u.host_is_ip && !memchr(h.p, '.', h.n))
        return 0; /* headers ("Domain", "url") and junk words */
    if (lw_str_eq_c(h, "localhost") || lw_str_eq_c(h, "localhost.localdomain") ||
        lw_str_eq_c(h, "0.0.0.0") || lw_str_eq_c(h, "127.0.0.1"))
        return 0;
    bool has_path = (u.path.n > 1 || (u.path.n == 1 && u.path.p[0] != '/')) || u.query.n;
    if (!has_path || allow) {
        *st = lw_strset_add(&l->domains, h);
    } else {
        char kb[4400];
        lw_str key = lw_list_url_key(h, u.path, u.query, kb, sizeof kb);
        if (!key.n)
            return 0;
        *st = lw_strset_add(&l->urls, key);
    }
    return *st == LW_OK ? 1 : -1;
}

/* Split a CSV-ish line (',', ';' or tab) and pick the entry field: the first field that
 * is an http(s) URL (URLhaus, PhishTank, our url,label CSV); else "rank,domain" (Tranco);
 * else the first field. */
static lw_str pick_csv_field(lw_str line)
{
    lw_str fields[16];
    size_t nf = 0, start = 0;
    bool inq = false;
    for (size_t i = 0; i <= line.n && nf < 16; i++) {
        if (i < line.n && line.p[i] == '"')
            inq = !inq;
        if (i == line.n || (!inq && (line.p[i] == ',' || line.p[i] == ';' || line.p[i] == '\t'))) {
            lw_str f = lw_str_trim((lw_str){line.p + start, i - start});
            if (f.n >= 2 && f.p[0] == '"' && f.p[f.n - 1] == '"')
                f = (lw_str){f.p + 1, f.n - 2};
            fields[nf++] = f;
            start = i + 1;
        }
    }
    for (size_t i = 0; i < nf; i++)
        if (lw_str_istarts(fields[i], LW_STR_LIT("http://")) ||
            lw_str_istarts(fields[i], LW_STR_LIT("https://")))
            return fields[i];
    int64_t rank;
    if (nf >= 2 && lw_str_to_i64(fields[0], &rank))
        return fields[1];
    return nf ? fields[0] : line;
}

static lw_status load_buf(lw_list *l, const char *path, const char *p, size_t n, bool allow,
                          char *err, size_t errlen)
{
    size_t added = 0, lines = 0, candidates = 0, first_bad = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && p[e] != '\n')
            e++;
        lines++;
        lw_str line = lw_str_trim((lw_str){p + i, e - i});
        i = e + 1;
        if (line.n == 0 || line.p[0] == '#' || line.p[0] == '!' || line.p[0] == ';' ||
            line.p[0] == '[')
            continue;
        /* strip "# comment" tails of hosts files */
        for (size_t k = 1; k < line.n; k++)
            if (line.p[k] == '#' && (line.p[k - 1] == ' ' || line.p[k - 1] == '\t')) {
                line = lw_str_trim((lw_str){line.p, k});
                break;
            }
        candidates++;
        lw_str tok = line;
        /* hosts file: "0.0.0.0 evil.com [more names]" */
        size_t sp = 0;
        while (sp < line.n && line.p[sp] != ' ' && line.p[sp] != '\t')
            sp++;
        lw_status st = LW_OK;
        int r = 0;
        if (sp < line.n && is_ip_token((lw_str){line.p, sp})) {
            lw_str rest = lw_str_trim((lw_str){line.p + sp, line.n - sp});
            while (rest.n) {
                size_t k = 0;
                while (k < rest.n && rest.p[k] != ' ' && rest.p[k] != '\t')
                    k++;
                int rr = add_entry(l, (lw_str){rest.p, k}, allow, &st);
                if (rr < 0)
                    break;
                r |= rr;
                rest = lw_str_trim((lw_str){rest.p + k, rest.n - k});
            }
        } else {
            if (memchr(line.p, ',', line.n) || memchr(line.p, ';', line.n) ||
                memchr(line.p, '\t', line.n))
                tok = pick_csv_field(line);
            r = add_entry(l, tok, allow, &st);
        }
        if (st != LW_OK) {
            lw_fmt(err, errlen, "%s:%zu: %s while loading the list", path, lines, lw_strerror(st));
            return st;
        }
        if (r > 0)
            added++;
        else {
            l->skipped++;
            if (!first_bad)
                first_bad = lines;
        }
    }
    if (added == 0 && candidates > 0) {
        lw_fmt(err, errlen,
               "%s:%zu: no domain, host or URL entry in this list (not a hosts file, "
               "domain list, Tranco/URLhaus/PhishTank CSV or URL feed)",
               path, first_bad);
        return LW_EFORMAT;
    }
    return LW_OK;
}

lw_status lw_list_load(lw_list *l, const char *path, bool allow, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        lw_fmt(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return LW_EIO;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        lw_fmt(err, errlen, "%s: not a regular file", path);
        return LW_EIO;
    }
    size_t n = (size_t)sb.st_size;
    char *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        lw_fmt(err, errlen, "%s: out of memory", path);
        return LW_ENOMEM;
    }
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    if (got != n) {
        free(buf);
        lw_fmt(err, errlen, "%s: read error", path);
        return LW_EIO;
    }
    if (memchr(buf, '\0', n)) {
        free(buf);
        lw_fmt(err, errlen, "%s: binary data (NUL bytes): not a text list", path);
        return LW_EFORMAT;
    }
    lw_status st = load_buf(l, path, buf, n, allow, err, errlen);
    free(buf);
    return st;
}
