/*
 * Block-list export: alerts (JSON lines) in, DNS RPZ / hosts / Suricata / Squid / plain
 * lists out (docs/report.md).
 *
 * Reading streams: one line at a time through a bounded line buffer (longer lines are
 * skipped and counted), each line tokenized with the zero-copy JSON scanner
 * (src/input/json-scan.h), and only the values of known network fields kept.  What is
 * kept is bounded by max_entries distinct entries.
 *
 * What may be blocked: a host is reduced to its registrable domain with the public suffix
 * list including private (platform) suffixes, so a tenant such as evil.pages.dev is kept
 * whole and a bare platform suffix (pages.dev) or TLD is never emitted; anything the
 * allow list covers (lw_intel_is_allowed: the host or its registrable domain) is dropped,
 * and so are private, loopback and link-local addresses.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/arena.h"
#include "../core/str.h"
#include "../input/json-scan.h"
#include "../intel/url.h"
#include "lurewatch.h"

#define EXPORT_DEFAULT_MAX_LINE    (16u << 20)
#define EXPORT_DEFAULT_MAX_ENTRIES 1000000u
#define EXPORT_DEFAULT_SID         1204001u
#define EXPORT_MAX_URL             2048
#define EXPORT_MAX_TITLE           160

enum { K_NAME = 0, K_HOST = 1, K_URL = 2, K_IP = 3 };

typedef struct entry {
    char *s;     /* NUL-terminated, in the arena */
    char *title; /* first alert rule title that produced it (arena; "" when none) */
    uint32_t n;
    uint8_t kind;
} entry;

struct lw_export {
    lw_export_options opt;
    lw_export_stats st;
    lw_arena arena;
    entry *v;
    size_t n, cap;
    uint32_t *slots; /* open addressing: index + 1, 0 = empty */
    size_t nslots;
    lw_json_parser json;
    lw_arena scratch; /* per line */
    lw_buf line;
    const char *title; /* current alert's rule title (scratch) */
    size_t title_n;
};

int lw_export_format_parse(const char *name, lw_export_format *out)
{
    static const struct {
        const char *name;
        lw_export_format f;
    } t[] = {
        {"plain", LW_EXPORT_PLAIN},
        {"rpz", LW_EXPORT_RPZ},
        {"hosts", LW_EXPORT_HOSTS},
        {"suricata", LW_EXPORT_SURICATA},
        {"suricata-dataset", LW_EXPORT_SURICATA_DATASET},
        {"squid", LW_EXPORT_SQUID},
    };
    for (size_t i = 0; name && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(name, t[i].name) == 0) {
            *out = t[i].f;
            return 1;
        }
    return 0;
}

static int level_rank(lw_str l)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    for (int i = 0; i < 5; i++)
        if (lw_str_ieq_c(l, names[i]))
            return i + 1;
    return 0;
}

int lw_export_level_parse(const char *name)
{
    return name ? level_rank(lw_str_c(name)) : 0;
}

lw_status lw_export_new(const lw_export_options *opt, lw_export **out)
{
    *out = NULL;
    lw_export *x = calloc(1, sizeof(*x));
    if (!x)
        return LW_ENOMEM;
    if (opt)
        x->opt = *opt;
    if (!x->opt.max_line)
        x->opt.max_line = EXPORT_DEFAULT_MAX_LINE;
    if (!x->opt.max_entries)
        x->opt.max_entries = EXPORT_DEFAULT_MAX_ENTRIES;
    if (!x->opt.sid_base)
        x->opt.sid_base = EXPORT_DEFAULT_SID;
    lw_arena_init(&x->arena, 64 * 1024);
    lw_arena_init(&x->scratch, 16 * 1024);
    lw_json_init(&x->json);
    lw_buf_init(&x->line);
    *out = x;
    return LW_OK;
}

void lw_export_free(lw_export *x)
{
    if (!x)
        return;
    lw_arena_free(&x->arena);
    lw_arena_free(&x->scratch);
    lw_json_free(&x->json);
    lw_buf_free(&x->line);
    free(x->v);
    free(x->slots);
    free(x);
}

const lw_export_stats *lw_export_get_stats(const lw_export *x)
{
    return &x->st;
}

/* ---- the set of entries ---- */

static uint64_t entry_hash(int kind, const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)kind;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static entry *set_find(const lw_export *x, int kind, const char *s, size_t n, size_t *slot)
{
    if (!x->nslots) {
        *slot = 0;
        return NULL;
    }
    size_t i = (size_t)(entry_hash(kind, s, n) & (x->nslots - 1));
    while (x->slots[i]) {
        entry *e = &x->v[x->slots[i] - 1];
        if (e->kind == kind && strlen(e->s) == n && memcmp(e->s, s, n) == 0) {
            *slot = i;
            return e;
        }
        i = (i + 1) & (x->nslots - 1);
    }
    *slot = i;
    return NULL;
}

static lw_status set_grow(lw_export *x)
{
    size_t ns = x->nslots ? x->nslots * 2 : 1024;
    uint32_t *sl = calloc(ns, sizeof(*sl));
    if (!sl)
        return LW_ENOMEM;
    for (size_t k = 0; k < x->n; k++) {
        size_t i = (size_t)(entry_hash(x->v[k].kind, x->v[k].s, strlen(x->v[k].s)) & (ns - 1));
        while (sl[i])
            i = (i + 1) & (ns - 1);
        sl[i] = (uint32_t)(k + 1);
    }
    free(x->slots);
    x->slots = sl;
    x->nslots = ns;
    return LW_OK;
}

static lw_status set_add(lw_export *x, int kind, const char *s, size_t n)
{
    size_t slot;
    entry *e = set_find(x, kind, s, n, &slot);
    if (e) {
        if (e->n < UINT32_MAX)
            e->n++;
        return LW_OK;
    }
    if (x->n >= x->opt.max_entries || x->n >= UINT32_MAX - 1) {
        x->st.over_limit++;
        return LW_OK;
    }
    if ((x->n + 1) * 2 > x->nslots) {
        if (set_grow(x))
            return LW_ENOMEM;
        set_find(x, kind, s, n, &slot);
    }
    if (x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 256;
        entry *nv = realloc(x->v, nc * sizeof(*nv));
        if (!nv)
            return LW_ENOMEM;
        x->v = nv;
        x->cap = nc;
    }
    char *str = lw_arena_strndup(&x->arena, s, n);
    size_t tn = x->title_n < EXPORT_MAX_TITLE ? x->title_n : EXPORT_MAX_TITLE;
    char *title = lw_arena_strndup(&x->arena, x->title ? x->title : "", x->title ? tn : 0);
    if (!str || !title)
        return LW_ENOMEM;
    x->v[x->n] = (entry){str, title, 1, (uint8_t)kind};
    x->slots[slot] = (uint32_t)(x->n + 1);
    x->n++;
    return LW_OK;
}

/* ---- what a value is ---- */

static bool ipv4_public(uint32_t a)
{
    uint8_t b0 = (uint8_t)(a >> 24), b1 = (uint8_t)(a >> 16);
    if (b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224) /* this net, private, loopback,
                                                          multicast, reserved, broadcast */
        return false;
    if (b0 == 169 && b1 == 254) /* link-local */
        return false;
    if (b0 == 172 && (b1 & 0xF0) == 16)
        return false;
    if (b0 == 192 && b1 == 168)
        return false;
    if (b0 == 100 && (b1 & 0xC0) == 64) /* carrier-grade NAT */
        return false;
    return true;
}

static bool ipv6_public(const uint8_t *b)
{
    static const uint8_t zero[16];
    if (!memcmp(b, zero, 15) && (b[15] == 0 || b[15] == 1)) /* :: and ::1 */
        return false;
    if (b[0] == 0xFF || (b[0] & 0xFE) == 0xFC) /* multicast, unique local */
        return false;
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) /* link-local */
        return false;
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (!memcmp(b, v4mapped, 12))
        return ipv4_public((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 |
                           b[15]);
    return true;
}

/* A DNS name we can write into every format: LDH labels (and '_'), 1..63 bytes each,
 * at most 200 bytes in all (room for an RPZ zone origin), at least two labels. */
static bool dns_name_ok(lw_str s)
{
    if (s.n == 0 || s.n > 200)
        return false;
    size_t label = 0, labels = 1;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            labels++;
            continue;
        }
        if (!(isalnum(c) && c < 0x80) && c != '-' && c != '_')
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && labels >= 2;
}

enum { V_URL = 1, V_HOST = 2, V_IP = 4 };

static const struct {
    const char *name;
    int what;
} export_fields[] = {
    {"HostUrl", V_URL},
    {"ReferrerUrl", V_URL},
    {"CommandLineUrl", V_URL},
    {"ImageHostUrl", V_URL},
    {"ImageReferrerUrl", V_URL},
    {"CommandLineTargetHostUrl", V_URL},
    {"c-uri", V_URL},
    {"url.full", V_URL},
    {"url.original", V_URL},
    {"http.url", V_URL},
    {"QueryName", V_HOST},
    {"DestinationHostname", V_HOST},
    {"cs-host", V_HOST},
    {"r-dns", V_HOST},
    {"dns.query", V_HOST},
    {"dns.rrname", V_HOST},
    {"dns.question.name", V_HOST},
    {"http.hostname", V_HOST},
    {"tls.sni", V_HOST},
    {"query", V_HOST},
    {"server_name", V_HOST},
    {"DestinationIp", V_IP},
    {"dst_ip", V_IP},
    {"HostIpAddress", V_IP},
};

static int field_kind(lw_str name)
{
    for (size_t i = 0; i < sizeof export_fields / sizeof export_fields[0]; i++)
        if (lw_str_eq_c(name, export_fields[i].name))
            return export_fields[i].what;
    return 0;
}

static bool url_text_ok(lw_str v)
{
    if (v.n > EXPORT_MAX_URL)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c <= 0x20 || c == 0x7F)
            return false;
    }
    return true;
}

static lw_status take_value(lw_export *x, lw_str v, int what)
{
    v = lw_str_trim(v);
    if (v.n == 0 || (v.n == 1 && v.p[0] == '-'))
        return LW_OK;
    x->st.values++;
    lw_url u;
    if (!lw_url_parse(v, &u) || (u.flags & LW_URLF_OPAQUE) || !u.host.n) {
        x->st.invalid++;
        return LW_OK;
    }
    if (what == V_URL && !u.scheme.n && !(u.flags & LW_URLF_BARE)) {
        x->st.invalid++;
        return LW_OK;
    }
    if (x->opt.intel && lw_intel_is_allowed(x->opt.intel, u.host)) {
        x->st.allowlisted++;
        return LW_OK;
    }
    if (u.host_is_ip) {
        char ip[64];
        bool pub;
        if (u.ip_form == LW_IP_V6) {
            pub = ipv6_public(u.ipv6);
            char hb[256];
            lw_str hn;
            if (!lw_url_host_normalize(u.host, hb, sizeof hb, &hn) || hn.n >= sizeof ip) {
                x->st.invalid++;
                return LW_OK;
            }
            memcpy(ip, hn.p, hn.n);
            ip[hn.n] = '\0';
            for (size_t i = 0; i < hn.n; i++)
                if (!isxdigit((unsigned char)ip[i]) && ip[i] != ':' && ip[i] != '.') {
                    x->st.invalid++;
                    return LW_OK;
                }
        } else {
            pub = ipv4_public(u.ipv4);
            if (!lw_fmt(ip, sizeof ip, "%u.%u.%u.%u", u.ipv4 >> 24, (u.ipv4 >> 16) & 255,
                        (u.ipv4 >> 8) & 255, u.ipv4 & 255))
                return LW_OK;
        }
        if (!pub) {
            x->st.private_ips++;
            return LW_OK;
        }
        lw_status st = set_add(x, K_IP, ip, strlen(ip));
        if (st == LW_OK && what == V_URL && u.scheme.n && url_text_ok(v))
            st = set_add(x, K_URL, v.p, v.n);
        return st;
    }
    char hb[256], rb[256];
    lw_str hn, dom, suf;
    if (!lw_url_host_normalize(u.host, hb, sizeof hb, &hn) ||
        !lw_url_registrable(u.host, rb, sizeof rb, &dom, &suf) || !dns_name_ok(hn)) {
        x->st.invalid++;
        return LW_OK;
    }
    if (dom.n == 0) { /* a bare public or platform suffix, or a single label */
        x->st.suffix_only++;
        return LW_OK;
    }
    lw_status st =
        set_add(x, K_NAME, x->opt.exact_hosts ? hn.p : dom.p, x->opt.exact_hosts ? hn.n : dom.n);
    if (st == LW_OK && !lw_str_eq(hn, dom))
        st = set_add(x, K_HOST, hn.p, hn.n);
    if (st == LW_OK && what == V_URL && u.scheme.n && url_text_ok(v))
        st = set_add(x, K_URL, v.p, v.n);
    return st;
}

/* ---- walking one alert ---- */

static const lw_json_tok *member(const lw_export *x, const char *buf, uint32_t obj, const char *key)
{
    const lw_json_tok *t = x->json.toks;
    if (obj >= x->json.ntoks || t[obj].type != LW_JSON_OBJECT)
        return NULL;
    uint32_t j = obj + 1;
    size_t kn = strlen(key);
    for (uint32_t m = 0; m < t[obj].count && j + 1 < x->json.ntoks; m++) {
        if (!(t[j].flags & LW_JSON_ESCAPED) && t[j].len == kn &&
            memcmp(buf + t[j].start, key, kn) == 0)
            return &t[j + 1];
        j = t[j + 1].next;
    }
    return NULL;
}

static uint32_t tok_index(const lw_export *x, const lw_json_tok *t)
{
    return (uint32_t)(t - x->json.toks);
}

static lw_status take_event(lw_export *x, const char *buf, uint32_t obj)
{
    const lw_json_tok *t = x->json.toks;
    if (obj >= x->json.ntoks || t[obj].type != LW_JSON_OBJECT)
        return LW_OK;
    uint32_t j = obj + 1;
    for (uint32_t m = 0; m < t[obj].count && j + 1 < x->json.ntoks; m++) {
        uint32_t val = j + 1;
        lw_str key;
        if (lw_json_tok_str(buf, &t[j], &x->scratch, &key))
            return LW_ENOMEM;
        int what = field_kind(key);
        if (what) {
            /* a string, or an array of strings (repeated field names) */
            uint32_t first = val, last = val + 1;
            if (t[val].type == LW_JSON_ARRAY) {
                first = val + 1;
                last = t[val].next;
            }
            for (uint32_t k = first; k < last && k < x->json.ntoks; k = t[k].next) {
                if (t[k].type != LW_JSON_STRING)
                    continue;
                lw_str v;
                if (lw_json_tok_str(buf, &t[k], &x->scratch, &v))
                    return LW_ENOMEM;
                lw_status st = take_value(x, v, what);
                if (st)
                    return st;
            }
        }
        j = t[val].next;
    }
    return LW_OK;
}

static lw_status take_line(lw_export *x, const char *p, size_t n)
{
    lw_str l = lw_str_trim((lw_str){p, n});
    if (l.n == 0)
        return LW_OK;
    x->st.lines++;
    lw_arena_reset(&x->scratch);
    lw_status st = lw_json_parse(&x->json, l.p, l.n, 0, NULL);
    if (st == LW_ENOMEM)
        return st;
    if (st || x->json.toks[0].type != LW_JSON_OBJECT) {
        x->st.bad_lines++;
        if (!x->st.first_bad_line)
            x->st.first_bad_line = x->st.lines;
        return LW_OK;
    }
    const char *buf = l.p;
    const lw_json_tok *rule = member(x, buf, 0, "rule");
    lw_str level = LW_STR_NULL, title = LW_STR_NULL;
    if (rule) {
        const lw_json_tok *lv = member(x, buf, tok_index(x, rule), "level");
        const lw_json_tok *ti = member(x, buf, tok_index(x, rule), "title");
        if (lv && lv->type == LW_JSON_STRING && lw_json_tok_str(buf, lv, &x->scratch, &level))
            return LW_ENOMEM;
        if (ti && ti->type == LW_JSON_STRING && lw_json_tok_str(buf, ti, &x->scratch, &title))
            return LW_ENOMEM;
    }
    x->st.alerts++;
    if (x->opt.min_level > 0 && level_rank(level) < x->opt.min_level) {
        x->st.below_level++;
        return LW_OK;
    }
    x->title = title.p;
    x->title_n = title.n;
    const lw_json_tok *ev = member(x, buf, 0, "event");
    if (ev && (st = take_event(x, buf, tok_index(x, ev))))
        goto out;
    const lw_json_tok *evs = member(x, buf, 0, "events");
    if (evs && evs->type == LW_JSON_ARRAY) {
        uint32_t a = tok_index(x, evs);
        for (uint32_t k = a + 1; k < evs->next && k < x->json.ntoks; k = x->json.toks[k].next) {
            const lw_json_tok *inner = member(x, buf, k, "event");
            if (inner && (st = take_event(x, buf, tok_index(x, inner))))
                goto out;
        }
    }
out:
    x->title = NULL;
    x->title_n = 0;
    return st;
}

lw_status lw_export_read(lw_export *x, FILE *in, const char *path)
{
    (void)path;
    char chunk[64 * 1024];
    bool skipping = false; /* inside a line longer than max_line */
    lw_buf_reset(&x->line);
    for (;;) {
        size_t got = fread(chunk, 1, sizeof chunk, in);
        size_t i = 0;
        while (i < got) {
            char *nl = memchr(chunk + i, '\n', got - i);
            size_t end = nl ? (size_t)(nl - chunk) : got;
            size_t part = end - i;
            if (!skipping) {
                if (x->line.n + part > x->opt.max_line) {
                    skipping = true;
                    lw_buf_reset(&x->line);
                } else {
                    lw_buf_put(&x->line, chunk + i, part);
                    if (!lw_buf_ok(&x->line))
                        return LW_ENOMEM;
                }
            }
            i = end;
            if (nl) {
                i++;
                if (skipping) {
                    x->st.lines++;
                    x->st.long_lines++;
                    skipping = false;
                } else {
                    lw_status st = take_line(x, x->line.p, x->line.n);
                    if (st)
                        return st;
                }
                lw_buf_reset(&x->line);
            }
        }
        if (got < sizeof chunk)
            break;
    }
    if (ferror(in))
        return LW_EIO;
    if (skipping) {
        x->st.lines++;
        x->st.long_lines++;
    } else if (x->line.n) {
        lw_status st = take_line(x, x->line.p, x->line.n);
        if (st)
            return st;
    }
    lw_buf_reset(&x->line);
    return LW_OK;
}

/* ---- writing ---- */

typedef struct outw {
    FILE *f;
    bool err;
} outw;

static void w_put(outw *o, const char *s)
{
    if (!o->err && fputs(s, o->f) < 0)
        o->err = true;
}

static void w_fmt(outw *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void w_fmt(outw *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!o->err && vfprintf(o->f, fmt, ap) < 0)
        o->err = true;
    va_end(ap);
}

/* Text from the logs in a comment or a Suricata msg: printable ASCII only, and for msg
 * the characters Suricata wants escaped (; " \) escaped. */
static void w_clean(outw *o, const char *s, bool suricata)
{
    char buf[2 * EXPORT_MAX_TITLE + 8];
    size_t n = 0;
    for (; *s && n + 3 < sizeof buf; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7F)
            c = '?';
        if (suricata && (c == ';' || c == '"' || c == '\\'))
            buf[n++] = '\\';
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    w_put(o, buf);
}

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->kind != y->kind)
        return x->kind - y->kind;
    return strcmp(x->s, y->s);
}

/* Is a parent domain of name (at a label boundary) a K_NAME entry?  Then name adds
 * nothing to formats that block subdomains. */
static bool covered(const lw_export *x, const char *name)
{
    for (const char *p = strchr(name, '.'); p; p = strchr(p + 1, '.')) {
        size_t slot;
        if (set_find(x, K_NAME, p + 1, strlen(p + 1), &slot))
            return true;
    }
    return false;
}

static void base64(outw *o, const char *s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char out[4 * 256 / 3 + 8];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 5 < sizeof out; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        out[k++] = tab[(v >> 18) & 63];
        out[k++] = tab[(v >> 12) & 63];
        out[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[k++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[k] = '\0';
    w_put(o, out);
}

static uint32_t rpz_serial(const lw_export *x)
{
    if (x->opt.serial)
        return x->opt.serial;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end = NULL;
        unsigned long long v = strtoull(sde, &end, 10);
        if (end && !*end && v > 0 && v <= UINT32_MAX)
            return (uint32_t)v;
    }
    time_t now = time(NULL);
    return now > 0 && (unsigned long long)now <= UINT32_MAX ? (uint32_t)now : 1;
}

lw_status lw_export_write(lw_export *x, FILE *f)
{
    entry **v = malloc((x->n ? x->n : 1) * sizeof(*v));
    if (!v)
        return LW_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < x->n; i++)
        v[n++] = &x->v[i];
    qsort(v, n, sizeof(*v), cmp_entry);
    outw o = {f, false};
    const lw_export_options *op = &x->opt;
    bool exact = op->exact_hosts;
    x->st.names = x->st.urls = x->st.ips = 0;
    uint32_t sid = op->sid_base;
    const char *acl = op->acl_name ? op->acl_name : "lurewatch_block";
    switch (op->format) {
    case LW_EXPORT_RPZ:
        w_put(&o, "; lurewatch block list: DNS response policy zone (NXDOMAIN for each name\n"
                  "; and its subdomains).  Names are relative to the zone origin.\n");
        w_fmt(&o,
              "$TTL 300\n@ IN SOA localhost. hostmaster.localhost. %u 3600 600 604800 300\n"
              "@ IN NS localhost.\n",
              rpz_serial(x));
        break;
    case LW_EXPORT_HOSTS:
        w_put(&o, "# lurewatch block list: hosts file (each name seen, and its registrable "
                  "domain)\n");
        break;
    case LW_EXPORT_SURICATA:
        w_put(&o, "# lurewatch block rules for Suricata: DNS queries, TLS SNI and HTTP Host of\n"
                  "# each name and its subdomains; connections to each address.\n");
        break;
    case LW_EXPORT_SQUID:
        w_fmt(&o,
              "# lurewatch block list for Squid: include it from squid.conf, then\n"
              "#   http_access deny %s\n",
              acl);
        break;
    default:
        break;
    }
    for (size_t i = 0; i < n && !o.err; i++) {
        entry *e = v[i];
        bool hostish = e->kind == K_NAME || e->kind == K_HOST;
        /* formats that block subdomains skip names a listed parent already covers */
        bool sub = !exact && (op->format == LW_EXPORT_RPZ || op->format == LW_EXPORT_SURICATA ||
                              op->format == LW_EXPORT_SQUID || op->format == LW_EXPORT_PLAIN);
        if (hostish && sub && (e->kind == K_HOST || covered(x, e->s)))
            continue;
        if (e->kind == K_HOST && exact)
            continue; /* in exact mode the names are the hosts */
        if (hostish && e->kind == K_HOST) {
            size_t slot; /* hosts/dataset: a host equal to a name is written once */
            if (set_find(x, K_NAME, e->s, strlen(e->s), &slot))
                continue;
        }
        switch (op->format) {
        case LW_EXPORT_PLAIN:
            if (e->kind == K_URL || e->kind == K_IP || hostish) {
                w_put(&o, e->s);
                w_put(&o, "\n");
            }
            break;
        case LW_EXPORT_RPZ:
            if (!hostish)
                break;
            w_fmt(&o, "%s CNAME .\n", e->s);
            if (!exact)
                w_fmt(&o, "*.%s CNAME .\n", e->s);
            break;
        case LW_EXPORT_HOSTS:
            if (hostish)
                w_fmt(&o, "0.0.0.0 %s\n", e->s);
            break;
        case LW_EXPORT_SURICATA_DATASET:
            if (hostish) {
                base64(&o, e->s);
                w_put(&o, "\n");
            }
            break;
        case LW_EXPORT_SQUID:
            if (hostish)
                w_fmt(&o, "acl %s dstdomain %s%s\n", acl, exact ? "" : ".", e->s);
            else if (e->kind == K_IP)
                w_fmt(&o, "acl %s_ip dst %s\n", acl, e->s);
            break;
        case LW_EXPORT_SURICATA:
            if (hostish) {
                static const struct {
                    const char *proto, *buffer;
                    bool nocase;
                } kinds[] = {{"dns", "dns.query", true},
                             {"tls", "tls.sni", true},
                             {"http", "http.host", false}}; /* http.host is lowercased */
                for (size_t k = 0; k < 3; k++) {
                    w_fmt(&o, "alert %s $HOME_NET any -> any any (msg:\"lurewatch block %s ",
                          kinds[k].proto, e->s);
                    w_put(&o, "(");
                    w_clean(&o, e->title[0] ? e->title : "alert", true);
                    w_fmt(&o, ")\"; %s; %scontent:\"%s%s\"; %s%sendswith; sid:%u; rev:1;)\n",
                          kinds[k].buffer, exact ? "" : "dotprefix; ", exact ? "" : ".", e->s,
                          kinds[k].nocase ? "nocase; " : "", exact ? "startswith; " : "", sid++);
                }
            } else if (e->kind == K_IP) {
                w_fmt(&o, "alert ip $HOME_NET any -> %s any (msg:\"lurewatch block %s (", e->s,
                      e->s);
                w_clean(&o, e->title[0] ? e->title : "alert", true);
                w_fmt(&o, ")\"; sid:%u; rev:1;)\n", sid++);
            }
            break;
        }
        if (hostish)
            x->st.names++;
        else if (e->kind == K_URL)
            x->st.urls += op->format == LW_EXPORT_PLAIN;
        else
            x->st.ips += op->format == LW_EXPORT_PLAIN || op->format == LW_EXPORT_SURICATA ||
                         op->format == LW_EXPORT_SQUID;
    }
    free(v);
    if (!o.err && fflush(f) != 0)
        o.err = true;
    return o.err ? LW_EIO : LW_OK;
}
