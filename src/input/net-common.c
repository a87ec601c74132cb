/* Shared helpers of the network decoders: see net-common.h. */
#include "net-common.h"

#include <inttypes.h>
#include <string.h>

#define NET_MAX_DEPTH 8

/* ---- line framing ------------------------------------------------------------------- */

static lw_str strip_cr(const char *d, size_t n)
{
    if (n && d[n - 1] == '\r')
        n--;
    return (lw_str){d, n};
}

/* Discard bytes through the next newline (the rest of an oversized line).  Returns LW_OK
 * (newline consumed, or end of input) or LW_EIO. */
static lw_status discard_line(lw_input *in, lw_lines *L)
{
    lw_reader *rd = &in->rd;
    for (;;) {
        const char *d = lw_reader_data(rd);
        size_t av = lw_reader_avail(rd);
        const char *nl = av ? memchr(d, '\n', av) : NULL;
        if (nl) {
            lw_reader_consume(rd, (size_t)(nl - d) + 1);
            return LW_OK;
        }
        lw_reader_consume(rd, av);
        ssize_t k = lw_reader_fill(rd);
        if (k > 0)
            continue;
        if (rd->error) {
            lw_input_warn(in, L->line, "read-error", "%s", rd->errmsg);
            return LW_EIO;
        }
        return LW_OK;
    }
}

lw_status lw_lines_next(lw_input *in, lw_lines *L, lw_str *out)
{
    lw_reader *rd = &in->rd;
    lw_reader_consume(rd, L->pending);
    L->pending = 0;
    size_t scanned = 0; /* bytes already searched for a newline: keeps refills linear */
    for (;;) {
        const char *d = lw_reader_data(rd);
        size_t av = lw_reader_avail(rd);
        const char *nl = scanned < av ? memchr(d + scanned, '\n', av - scanned) : NULL;
        if (nl) {
            size_t len = (size_t)(nl - d);
            L->line++;
            if (len > in->max_record) {
                lw_input_skip(in, L->line, 0, "record-too-large", "line longer than %zu bytes",
                              in->max_record);
                lw_reader_consume(rd, len + 1);
                return LW_EFORMAT;
            }
            L->pending = len + 1;
            *out = strip_cr(d, len);
            return LW_OK;
        }
        scanned = av;
        ssize_t k = av > in->max_record ? -1 : lw_reader_fill(rd);
        if (k > 0)
            continue;
        if (k < 0) { /* no newline within the record limit (or the window is full) */
            L->line++;
            lw_input_skip(in, L->line, 0, "record-too-large", "line longer than %zu bytes",
                          in->max_record);
            lw_status s = discard_line(in, L);
            return s == LW_OK ? LW_EFORMAT : s;
        }
        if (rd->error) {
            lw_input_warn(in, L->line + 1, "read-error", "%s", rd->errmsg);
            return LW_EIO;
        }
        if (av == 0)
            return LW_EOF;
        L->line++;
        L->pending = av;
        *out = strip_cr(d, av);
        return LW_OK;
    }
}

bool lw_net_blank(lw_str s)
{
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != '\r')
            return false;
    return true;
}

lw_status lw_lines_next_nonblank(lw_input *in, lw_lines *L, lw_str *out)
{
    for (;;) {
        lw_status s = lw_lines_next(in, L, out);
        if (s != LW_OK || !lw_net_blank(*out))
            return s;
    }
}

lw_status lw_net_json_object(lw_input *in, lw_json_parser *p, uint64_t line, lw_str text,
                             const char *what)
{
    lw_status s = lw_json_parse(p, text.p, text.n, 0, NULL);
    if (s == LW_ENOMEM)
        return s;
    if (s != LW_OK) {
        lw_input_skip(in, line, p->err_off + 1, "json-syntax", "%s at column %zu", p->err,
                      p->err_off + 1);
        return LW_EFORMAT;
    }
    if (p->toks[0].type != LW_JSON_OBJECT) {
        lw_input_skip(in, line, 1, "json-not-object", "%s is not an object", what);
        return LW_EFORMAT;
    }
    return LW_OK;
}

bool lw_net_wanted(lw_input *in, lw_event *ev)
{
    if (in->want && !lw_want_event(in->want, ev->channel, ev->provider, -1)) {
        ev->partial = true;
        return false;
    }
    return true;
}

/* ---- values ------------------------------------------------------------------------- */

bool lw_net_epoch_ms(lw_str s, int64_t *ms)
{
    s = lw_str_trim(s);
    size_t i = 0;
    bool neg = false;
    if (i < s.n && (s.p[i] == '-' || s.p[i] == '+'))
        neg = s.p[i++] == '-';
    int64_t sec = 0, frac = 0;
    size_t nd = 0;
    for (; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++, nd++) {
        if (nd >= 13)
            return false; /* beyond 2^40 s: not a timestamp */
        sec = sec * 10 + (s.p[i] - '0');
    }
    if (nd == 0)
        return false;
    if (i < s.n && s.p[i] == '.') {
        i++;
        int k = 0;
        for (; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++, k++)
            if (k < 3)
                frac = frac * 10 + (s.p[i] - '0');
        for (int j = k; j < 3; j++)
            frac *= 10;
    }
    if (i != s.n || sec > ((int64_t)1 << 40))
        return false;
    int64_t v = sec * 1000 + frac;
    *ms = neg ? -v : v;
    return true;
}

lw_status lw_net_concat(lw_event *ev, const char *prefix, lw_str name, lw_str *out)
{
    size_t pn = strlen(prefix);
    if (name.n > SIZE_MAX / 2 - pn)
        return LW_ENOMEM;
    char *p = lw_arena_alloc(&ev->arena, pn + name.n + 1);
    if (!p)
        return LW_ENOMEM;
    memcpy(p, prefix, pn);
    if (name.n)
        memcpy(p + pn, name.p, name.n);
    p[pn + name.n] = '\0';
    *out = (lw_str){p, pn + name.n};
    return LW_OK;
}

lw_status lw_net_channel(lw_event *ev, const char *prefix, lw_str type)
{
    lw_status s = lw_net_concat(ev, prefix, type, &ev->channel);
    if (s != LW_OK)
        return s;
    /* the copy is ours (arena), so fold it in place */
    char *c = (char *)ev->channel.p;
    for (size_t i = strlen(prefix); i < ev->channel.n; i++)
        c[i] = (char)lw_lower((unsigned char)c[i]);
    return LW_OK;
}

/* ---- Sigma taxonomy aliases --------------------------------------------------------- */

lw_status lw_net_alias(lw_event *ev, const char *name, lw_str value)
{
    if (!value.p)
        return LW_OK;
    lw_str n = lw_str_c(name);
    if (lw_event_find(ev, n))
        return LW_OK;
    return lw_event_add(ev, n, value, 0);
}

void lw_net_lookup(const lw_event *ev, const char *const *names, size_t n, lw_str *out)
{
    size_t len[LW_NET_LOOKUP_MAX];
    for (size_t i = 0; i < n; i++)
        out[i] = LW_STR_NULL;
    if (n > LW_NET_LOOKUP_MAX)
        n = LW_NET_LOOKUP_MAX; /* callers stay below it; never read past len[] */
    size_t left = n;
    for (size_t i = 0; i < n; i++)
        len[i] = strlen(names[i]);
    for (uint32_t f = 0; f < ev->nfields && left; f++) {
        const lw_field *fd = &ev->fields[f];
        if (fd->flags & LW_FIELD_NULL)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (out[i].p || len[i] != fd->name.n || fd->name.n == 0 ||
                names[i][0] != fd->name.p[0] || memcmp(names[i], fd->name.p, fd->name.n) != 0)
                continue;
            out[i] = fd->value.p ? fd->value : (lw_str){"", 0};
            left--;
            break;
        }
    }
}

void lw_net_split_target(lw_str t, lw_str *stem, lw_str *query, lw_str *ext, lw_str *host)
{
    size_t i = 0, path_beg = 0;
    if (!t.p)
        t = (lw_str){"", 0}; /* views below are offsets from t.p */
    *host = (lw_str){t.p, 0};
    /* scheme://authority */
    size_t k = 0;
    while (k < t.n && k < 16 &&
           ((t.p[k] >= 'a' && t.p[k] <= 'z') || (t.p[k] >= 'A' && t.p[k] <= 'Z') ||
            (k && ((t.p[k] >= '0' && t.p[k] <= '9') || t.p[k] == '+' || t.p[k] == '-' ||
                   t.p[k] == '.'))))
        k++;
    bool absolute = k > 0 && k + 2 < t.n && t.p[k] == ':' && t.p[k + 1] == '/' && t.p[k + 2] == '/';
    if (absolute || (t.n && t.p[0] != '/' && t.p[0] != '*')) {
        size_t a = absolute ? k + 3 : 0, e = a;
        while (e < t.n && t.p[e] != '/' && t.p[e] != '?' && t.p[e] != '#')
            e++;
        /* authority [userinfo@]host[:port]; IPv6 literals keep their brackets */
        size_t hb = a;
        for (size_t j = a; j < e; j++)
            if (t.p[j] == '@')
                hb = j + 1;
        size_t he = e;
        if (hb < e && t.p[hb] == '[') {
            const char *rb = memchr(t.p + hb, ']', e - hb);
            he = rb ? (size_t)(rb - t.p) + 1 : e;
        } else {
            const char *c = hb < e ? memchr(t.p + hb, ':', e - hb) : NULL;
            if (c)
                he = (size_t)(c - t.p);
        }
        if (absolute || e == t.n) /* "host:port" (CONNECT) or an absolute URL */
            *host = (lw_str){t.p + hb, he - hb};
        path_beg = e;
    }
    i = path_beg;
    size_t q = i;
    while (q < t.n && t.p[q] != '?' && t.p[q] != '#')
        q++;
    *stem = (lw_str){t.p + path_beg, q - path_beg};
    *query = (lw_str){t.p + q, 0};
    if (q < t.n && t.p[q] == '?') {
        size_t f = q + 1;
        while (f < t.n && t.p[f] != '#')
            f++;
        *query = (lw_str){t.p + q + 1, f - q - 1};
    }
    /* extension of the last segment */
    *ext = (lw_str){t.p + q, 0};
    for (size_t j = q; j > path_beg; j--) {
        char c = t.p[j - 1];
        if (c == '/')
            break;
        if (c == '.') {
            *ext = (lw_str){t.p + j, q - j};
            break;
        }
    }
}

lw_status lw_net_add_proxy_fields(lw_event *ev, const lw_http_view *h)
{
    lw_str stem = LW_STR_NULL, query = LW_STR_NULL, ext = LW_STR_NULL, uhost = LW_STR_NULL;
    if (h->target.n)
        lw_net_split_target(h->target, &stem, &query, &ext, &uhost);
    lw_str host = h->host.n ? h->host : uhost;
    /* A Host header may carry a port; cs-host is the name alone. */
    if (h->host.n) {
        lw_str s, q, e, hh;
        lw_net_split_target(h->host, &s, &q, &e, &hh);
        if (hh.n)
            host = hh;
    }
    struct {
        lw_str name; /* lengths from the literals: this runs on every web request */
        lw_str v;
    } rows[] = {
        {LW_STR_LIT("c-uri"), h->target},
        {LW_STR_LIT("c-uri-stem"), h->target.n ? stem : LW_STR_NULL},
        {LW_STR_LIT("c-uri-query"), query.n ? query : LW_STR_NULL},
        {LW_STR_LIT("c-uri-extension"), ext.n ? ext : LW_STR_NULL},
        {LW_STR_LIT("cs-host"), host.n ? host : LW_STR_NULL},
        {LW_STR_LIT("r-dns"), host.n ? host : LW_STR_NULL},
        {LW_STR_LIT("cs-method"), h->method},
        {LW_STR_LIT("c-useragent"), h->user_agent},
        {LW_STR_LIT("sc-status"), h->status},
        {LW_STR_LIT("cs-referrer"), h->referrer},
        {LW_STR_LIT("cs-version"), h->version},
        {LW_STR_LIT("sc-content-type"), h->mime},
        {LW_STR_LIT("c-ip"), h->client_ip},
        {LW_STR_LIT("dst_ip"), h->server_ip},
        {LW_STR_LIT("dst_port"), h->server_port},
        {LW_STR_LIT("cs-bytes"), h->req_bytes},
        {LW_STR_LIT("sc-bytes"), h->resp_bytes},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (!rows[i].v.p || !rows[i].v.n)
            continue;
        if (h->may_exist && lw_event_find(ev, rows[i].name))
            continue; /* as lw_net_alias: the record's own field of that name stays */
        lw_status s = lw_event_add(ev, rows[i].name, rows[i].v, 0);
        if (s != LW_OK)
            return s;
    }
    return LW_OK;
}

/* ---- JSON values --------------------------------------------------------------------- */

/* One JSON record being flattened. */
typedef struct jrec {
    const char *b;
    const lw_json_tok *t;
    lw_event *ev;
} jrec;

/* Comma-joined text of an array of scalars (containers inside: their raw JSON). */
static lw_status join_array(jrec *r, uint32_t a, lw_str *out)
{
    const lw_json_tok *t = r->t;
    size_t cap = t[a].len + 1;
    char *d = lw_arena_alloc(&r->ev->arena, cap);
    if (!d)
        return LW_ENOMEM;
    size_t k = 0;
    uint32_t e = a + 1;
    for (uint32_t c = t[a].count; c; c--) {
        lw_str v;
        if (t[e].type == LW_JSON_STRING) {
            lw_status s = lw_json_tok_str(r->b, &t[e], &r->ev->arena, &v);
            if (s != LW_OK)
                return s;
        } else if (t[e].type == LW_JSON_NULL) {
            v = (lw_str){"", 0};
        } else {
            v = (lw_str){r->b + t[e].start, t[e].len};
        }
        /* every element is no longer than its JSON text, and the commas fit in the
         * brackets and separators: the joined text never exceeds the array's length */
        if (k && k < cap)
            d[k++] = ',';
        size_t m = v.n < cap - k ? v.n : cap - k;
        memcpy(d + k, v.p, m);
        k += m;
        e = t[e].next;
    }
    d[k < cap ? k : cap - 1] = '\0';
    *out = (lw_str){d, k};
    return LW_OK;
}

static lw_status add_json_value(jrec *r, lw_str name, uint32_t v, int depth)
{
    const lw_json_tok *t = &r->t[v];
    lw_str val;
    uint32_t fl = 0;
    lw_status s;
    switch (t->type) {
    case LW_JSON_OBJECT:
        if (depth < NET_MAX_DEPTH) {
            uint32_t k = v + 1;
            for (uint32_t c = t->count; c; c--) {
                lw_str kn;
                if ((s = lw_json_tok_str(r->b, &r->t[k], &r->ev->arena, &kn)))
                    return s;
                char *p = lw_arena_alloc(&r->ev->arena, name.n + 1 + kn.n + 1);
                if (!p)
                    return LW_ENOMEM;
                memcpy(p, name.p, name.n);
                p[name.n] = '.';
                memcpy(p + name.n + 1, kn.p, kn.n);
                p[name.n + 1 + kn.n] = '\0';
                if ((s = add_json_value(r, (lw_str){p, name.n + 1 + kn.n}, k + 1, depth + 1)))
                    return s;
                k = r->t[k + 1].next;
            }
            return LW_OK;
        }
        val = (lw_str){r->b + t->start, t->len};
        break;
    case LW_JSON_ARRAY:
        if ((s = join_array(r, v, &val)))
            return s;
        break;
    case LW_JSON_STRING:
        if ((s = lw_json_tok_str(r->b, t, &r->ev->arena, &val)))
            return s;
        break;
    case LW_JSON_NULL:
        return LW_OK; /* unset, like '-' in TSV */
    default:
        fl = LW_FIELD_NUMBER;
        val = (lw_str){r->b + t->start, t->len};
        break;
    }
    return lw_event_add(r->ev, name, val, fl);
}

lw_status lw_net_json_field(lw_event *ev, const char *buf, const lw_json_tok *t, lw_str name,
                            uint32_t v)
{
    jrec r = {buf, t, ev};
    return add_json_value(&r, name, v, 0);
}
