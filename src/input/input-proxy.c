/*
 * Proxy and web server access logs, one line per request, in four layouts (the first
 * data line of the input decides; docs/network.md):
 *
 *   squid      Squid's native access.log:
 *              "time elapsed client action/code size method URL ident hierarchy/from type"
 *   w3c        W3C extended ("#Fields: date time c-ip cs-method ..." header; Blue Coat,
 *              IIS, Forcepoint, TMG...): the header names the columns; each '#Fields:'
 *              line starts a new block; '-' is an absent value; "..." quotes a value
 *   combined   NCSA common/combined (Apache, nginx, Squid's "combined" logformat):
 *              host ident user [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.1" 200 2326
 *              "referer" "user agent"
 *   proxifier  Proxifier's log: "[10.30 16:49:06] chrome.exe - host:443 open through
 *              proxy p:5070 HTTPS" / "close, N bytes sent, M bytes received, lifetime"
 *              / "error : text".  It carries no year: the event time is unknown and the
 *              text is kept in the field "timestamp".
 *
 * Every record gets Sigma's proxy names (c-uri, c-uri-extension, c-uri-query, cs-host,
 * cs-method, c-useragent, sc-status, c-ip, r-dns, cs-referrer ...; net-common.h).  A
 * request whose target is an absolute URL or a CONNECT host:port went through a proxy:
 * channel "proxy/<layout>", category proxy.  Otherwise (w3c or combined with a path
 * target, and no proxy-only W3C columns such as r-host or s-action) it is a web server's
 * log: channel "webserver/<layout>", category webserver, with the webserver names too
 * (cs-uri-stem, cs-uri-query, cs-user-agent, cs-referer).
 *
 * Event: product proxy, record = line number, host empty (a proxy log names no host of
 * its own; Squid's and W3C's s-ip / s-computername stay fields).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net-common.h"

#define PROXY_MAX_COLS 128

typedef enum fmt { FMT_NONE, FMT_SQUID, FMT_W3C, FMT_COMBINED, FMT_PROXIFIER } fmt;

typedef struct proxy_state {
    lw_lines L;
    fmt f;
    /* W3C block */
    char *names_buf; /* owned: the #Fields line's names */
    lw_str names[PROXY_MAX_COLS];
    uint32_t ncols;
    bool proxy_cols; /* the header has columns only a proxy writes */
    lw_str cols[PROXY_MAX_COLS];
} proxy_state;

/* ---- tokenizing ----------------------------------------------------------------------- */

static bool is_digits(lw_str s)
{
    if (!s.n)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

/* Split on runs of spaces/tabs; a token starting with '"' runs to the closing quote
 * (backslash escapes and doubled quotes inside) and is returned without the quotes when
 * quotes is set.  Returns the count, or max + 1 when there are more tokens. */
static uint32_t tokens(lw_str s, lw_str *out, uint32_t max, bool quotes)
{
    uint32_t n = 0;
    size_t i = 0;
    for (;;) {
        while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t'))
            i++;
        if (i >= s.n)
            return n;
        if (n == max)
            return max + 1;
        size_t b = i;
        if (quotes && s.p[i] == '"') {
            i++;
            while (i < s.n) {
                if (s.p[i] == '\\' && i + 1 < s.n) {
                    i += 2;
                    continue;
                }
                if (s.p[i] == '"' && i + 1 < s.n && s.p[i + 1] == '"') {
                    i += 2;
                    continue;
                }
                if (s.p[i] == '"')
                    break;
                i++;
            }
            out[n++] = (lw_str){s.p + b + 1, (i < s.n ? i : s.n) - b - 1};
            if (i < s.n)
                i++;
            continue;
        }
        while (i < s.n && s.p[i] != ' ' && s.p[i] != '\t')
            i++;
        out[n++] = (lw_str){s.p + b, i - b};
    }
}

static bool absent(lw_str v)
{
    return v.n == 0 || (v.n == 1 && v.p[0] == '-');
}

static bool target_is_proxied(lw_str method, lw_str target)
{
    if (lw_str_ieq_c(method, "CONNECT"))
        return true;
    for (size_t i = 0; i + 2 < target.n && i < 16; i++)
        if (target.p[i] == ':')
            return target.p[i + 1] == '/' && target.p[i + 2] == '/';
    return false;
}

/* ---- layouts ---------------------------------------------------------------------------- */

/* Squid native: 10 columns (9 when the type is missing). */
static bool squid_split(lw_str line, lw_str *c, uint32_t *n)
{
    *n = tokens(line, c, 10, false);
    if (*n < 9 || *n > 10)
        return false;
    int64_t ms;
    const char *sl = memchr(c[3].p, '/', c[3].n);
    return lw_net_epoch_ms(c[0], &ms) && memchr(c[0].p, '.', c[0].n) && is_digits(c[1]) && sl &&
           is_digits((lw_str){sl + 1, c[3].n - (size_t)(sl - c[3].p) - 1}) && is_digits(c[4]);
}

/* NCSA: host ident user [date] "request" status bytes ["referer" "agent"]. */
typedef struct ncsa {
    lw_str host, ident, user, date, request, status, bytes, referer, agent;
} ncsa;

static bool ncsa_split(lw_str line, ncsa *r)
{
    lw_str t[3];
    memset(r, 0, sizeof *r);
    const char *lb = memchr(line.p, '[', line.n);
    if (!lb)
        return false;
    lw_str head = {line.p, (size_t)(lb - line.p)};
    if (tokens(head, t, 3, false) != 3)
        return false;
    r->host = t[0];
    r->ident = t[1];
    r->user = t[2];
    const char *rb = memchr(lb, ']', line.n - (size_t)(lb - line.p));
    if (!rb || rb - lb < 20)
        return false;
    r->date = (lw_str){lb + 1, (size_t)(rb - lb - 1)};
    lw_str rest = {rb + 1, line.n - (size_t)(rb + 1 - line.p)};
    lw_str u[6];
    uint32_t n = tokens(rest, u, 5, true);
    if (n < 3 || n > 5 || rest.n < 2 || lw_str_trim(rest).p[0] != '"')
        return false;
    r->request = u[0];
    r->status = u[1];
    r->bytes = u[2];
    if (n >= 4)
        r->referer = u[3];
    if (n >= 5)
        r->agent = u[4];
    return is_digits(r->status) && (is_digits(r->bytes) || lw_str_eq_c(r->bytes, "-"));
}

/* "10/Oct/2000:13:55:36 -0700" -> ms UTC. */
static bool ncsa_time(lw_str d, int64_t *ms)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (d.n < 20 || d.p[2] != '/' || d.p[6] != '/' || d.p[11] != ':')
        return false;
    int mon = 0;
    for (int i = 0; i < 12; i++)
        if (memcmp(d.p + 3, months + 3 * i, 3) == 0)
            mon = i + 1;
    if (!mon)
        return false;
    char buf[40];
    lw_str tz = d.n > 21 ? lw_str_trim((lw_str){d.p + 20, d.n - 20}) : LW_STR_NULL;
    if (tz.n > 6)
        return false;
    lw_fmt(buf, sizeof buf, "%.4s-%02d-%.2sT%.8s%.*s", d.p + 7, mon, d.p, d.p + 12, (int)tz.n,
           tz.p ? tz.p : "");
    return lw_parse_time(lw_str_c(buf), ms);
}

/* Proxifier: "[MM.DD HH:MM:SS] proc - host:port rest". */
typedef struct pfx {
    lw_str stamp, proc, target, rest;
} pfx;

static bool proxifier_split(lw_str line, pfx *r)
{
    if (line.n < 20 || line.p[0] != '[' || line.p[3] != '.' || line.p[6] != ' ' ||
        line.p[15] != ']' || line.p[16] != ' ')
        return false;
    r->stamp = (lw_str){line.p + 1, 14};
    const char *p = line.p + 17, *e = line.p + line.n;
    const char *dash = NULL;
    for (const char *q = p; q + 2 < e; q++)
        if (q[0] == ' ' && q[1] == '-' && q[2] == ' ') {
            dash = q;
            break;
        }
    if (!dash || dash == p)
        return false;
    r->proc = (lw_str){p, (size_t)(dash - p)};
    const char *t = dash + 3;
    const char *sp = memchr(t, ' ', (size_t)(e - t));
    if (!sp)
        return false;
    r->target = (lw_str){t, (size_t)(sp - t)};
    r->rest = (lw_str){sp + 1, (size_t)(e - sp - 1)};
    return memchr(r->target.p, ':', r->target.n) != NULL;
}

static fmt classify(lw_str line)
{
    lw_str c[11];
    uint32_t n;
    ncsa r;
    pfx x;
    if (line.n >= 8 && memcmp(line.p, "#Fields:", 8) == 0)
        return FMT_W3C;
    if (squid_split(line, c, &n))
        return FMT_SQUID;
    if (proxifier_split(line, &x))
        return FMT_PROXIFIER;
    if (ncsa_split(line, &r))
        return FMT_COMBINED;
    return FMT_NONE;
}

/* ---- records ---------------------------------------------------------------------------- */

static lw_status add(lw_event *ev, const char *name, lw_str v)
{
    if (!v.p || absent(v))
        return LW_OK;
    return lw_event_add(ev, lw_str_c(name), v, 0);
}

static lw_status set_kind(lw_event *ev, bool proxied, const char *layout)
{
    char buf[32];
    lw_fmt(buf, sizeof buf, "%s/%s", proxied ? "proxy" : "webserver", layout);
    ev->product = LW_PRODUCT_PROXY;
    return lw_net_concat(ev, "", lw_str_c(buf), &ev->channel);
}

/* Web server names beside the proxy names (Sigma's webserver category). */
static lw_status webserver_aliases(lw_event *ev, lw_str target, lw_str ua, lw_str ref)
{
    lw_str stem, query, ext, host;
    lw_status s;
    lw_net_split_target(target, &stem, &query, &ext, &host);
    if ((s = lw_net_alias(ev, "cs-uri-stem", stem.n ? stem : LW_STR_NULL)) ||
        (s = lw_net_alias(ev, "cs-uri-query", query.n ? query : LW_STR_NULL)) ||
        (s = lw_net_alias(ev, "cs-user-agent", absent(ua) ? LW_STR_NULL : ua)) ||
        (s = lw_net_alias(ev, "cs-referer", absent(ref) ? LW_STR_NULL : ref)))
        return s;
    return LW_OK;
}

static lw_status squid_record(lw_input *in, proxy_state *st, lw_str line, lw_event *ev)
{
    lw_str c[11];
    uint32_t n;
    if (!squid_split(line, c, &n)) {
        lw_input_skip(in, st->L.line, 0, "proxy-syntax", "not a Squid access.log line");
        return LW_EFORMAT;
    }
    int64_t ms;
    if (lw_net_epoch_ms(c[0], &ms))
        ev->time_ms = ms;
    lw_status s;
    if ((s = set_kind(ev, true, "squid")) || !lw_net_wanted(in, ev))
        return s;
    const char *sl = memchr(c[3].p, '/', c[3].n);
    lw_str action = {c[3].p, (size_t)(sl - c[3].p)};
    lw_str status = {sl + 1, c[3].n - action.n - 1};
    lw_str hier = c[8], from = LW_STR_NULL;
    const char *hs = memchr(c[8].p, '/', c[8].n);
    if (hs) {
        hier = (lw_str){c[8].p, (size_t)(hs - c[8].p)};
        from = (lw_str){hs + 1, c[8].n - hier.n - 1};
    }
    if ((s = add(ev, "time-taken", c[1])) || (s = add(ev, "s-action", action)) ||
        (s = add(ev, "cs-username", c[7])) || (s = add(ev, "s-hierarchy", hier)) ||
        (s = add(ev, "r-ip", from)))
        return s;
    lw_http_view h = {
        .client_ip = c[2],
        .server_ip = absent(from) ? LW_STR_NULL : from,
        .target = c[6],
        .method = c[5],
        .status = status,
        .mime = n > 9 && !absent(c[9]) ? c[9] : LW_STR_NULL,
        .resp_bytes = c[4],
    };
    return lw_net_add_proxy_fields(ev, &h);
}

static lw_status combined_record(lw_input *in, proxy_state *st, lw_str line, lw_event *ev)
{
    ncsa r;
    if (!ncsa_split(line, &r)) {
        lw_input_skip(in, st->L.line, 0, "proxy-syntax", "not a common/combined log line");
        return LW_EFORMAT;
    }
    int64_t ms;
    if (ncsa_time(r.date, &ms))
        ev->time_ms = ms;
    lw_str rq[4];
    uint32_t rn = tokens(r.request, rq, 3, false);
    lw_str method = rn >= 2 ? rq[0] : LW_STR_NULL, target = rn >= 2 ? rq[1] : r.request;
    lw_str version = rn == 3 ? rq[2] : LW_STR_NULL;
    bool proxied = target_is_proxied(method, target);
    lw_status s;
    if ((s = set_kind(ev, proxied, "combined")) || !lw_net_wanted(in, ev))
        return s;
    if ((s = add(ev, "cs-username", r.user)) || (s = add(ev, "c-ident", r.ident)) ||
        (s = add(ev, "request", r.request)))
        return s;
    lw_http_view h = {
        .client_ip = r.host,
        .target = target,
        .method = method,
        .version = version,
        .status = r.status,
        .resp_bytes = absent(r.bytes) ? LW_STR_NULL : r.bytes,
        .referrer = absent(r.referer) ? LW_STR_NULL : r.referer,
        .user_agent = absent(r.agent) ? LW_STR_NULL : r.agent,
    };
    if ((s = lw_net_add_proxy_fields(ev, &h)))
        return s;
    return proxied ? LW_OK : webserver_aliases(ev, target, r.agent, r.referer);
}

static lw_status proxifier_record(lw_input *in, proxy_state *st, lw_str line, lw_event *ev)
{
    pfx r;
    if (!proxifier_split(line, &r)) {
        lw_input_skip(in, st->L.line, 0, "proxy-syntax", "not a Proxifier log line");
        return LW_EFORMAT;
    }
    lw_status s;
    if ((s = set_kind(ev, true, "proxifier")) || !lw_net_wanted(in, ev))
        return s;
    lw_str proc = r.proc;
    if (proc.n > 4 && memcmp(proc.p + proc.n - 4, " *64", 4) == 0)
        proc.n -= 4; /* Proxifier marks 64-bit processes */
    lw_str action = LW_STR_NULL, msg = LW_STR_NULL, sent = LW_STR_NULL, recv = LW_STR_NULL,
           life = LW_STR_NULL, via = LW_STR_NULL;
    lw_str t[17];
    uint32_t n = tokens(r.rest, t, 16, false);
    if (n > 16)
        n = 16; /* only the first words matter; t[16] was not written */
    if (n >= 1 && lw_str_eq_c(t[0], "open")) {
        action = t[0];
        if (n >= 4 && lw_str_eq_c(t[1], "through") && lw_str_eq_c(t[2], "proxy"))
            via = t[3];
    } else if (n >= 1 && lw_str_eq_c(t[0], "close,")) {
        action = LW_STR_LIT("close");
        for (uint32_t i = 1; i + 1 < n; i++) {
            if (lw_str_eq_c(t[i + 1], "bytes") && i + 2 < n && lw_str_eq_c(t[i + 2], "sent,"))
                sent = t[i];
            if (lw_str_eq_c(t[i + 1], "bytes") && i + 2 < n &&
                (lw_str_eq_c(t[i + 2], "received,") || lw_str_eq_c(t[i + 2], "received")))
                recv = t[i];
            if (lw_str_eq_c(t[i], "lifetime"))
                life = t[i + 1];
        }
    } else if (n >= 1 && lw_str_eq_c(t[0], "error")) {
        action = t[0];
        const char *colon = memchr(r.rest.p, ':', r.rest.n);
        if (colon)
            msg = lw_str_trim((lw_str){colon + 1, r.rest.n - (size_t)(colon + 1 - r.rest.p)});
    } else {
        action = n ? t[0] : LW_STR_NULL;
        msg = r.rest;
    }
    lw_str stem, query, ext, host;
    lw_net_split_target(r.target, &stem, &query, &ext, &host);
    const char *colon = NULL;
    for (size_t i = r.target.n; i > 0; i--)
        if (r.target.p[i - 1] == ':') {
            colon = r.target.p + i - 1;
            break;
        }
    lw_str port =
        colon ? (lw_str){colon + 1, r.target.n - (size_t)(colon + 1 - r.target.p)} : LW_STR_NULL;
    if ((s = add(ev, "timestamp", r.stamp)) || (s = add(ev, "Image", proc)) ||
        (s = add(ev, "action", action)) || (s = add(ev, "s-proxy", via)) ||
        (s = add(ev, "lifetime", life)) || (s = add(ev, "message", msg)))
        return s;
    lw_http_view h = {
        .host = host,
        .target = r.target,
        .server_port = port,
        .req_bytes = sent,
        .resp_bytes = recv,
    };
    return lw_net_add_proxy_fields(ev, &h);
}

/* "#Fields: a b c": a new W3C block. */
static lw_status w3c_fields(lw_input *in, proxy_state *st, lw_str line)
{
    lw_str v = {line.p + 8, line.n - 8};
    free(st->names_buf);
    st->names_buf = NULL;
    st->ncols = 0;
    st->proxy_cols = false;
    lw_str tmp[PROXY_MAX_COLS];
    uint32_t n = tokens(v, tmp, PROXY_MAX_COLS, false);
    if (n == 0 || n > PROXY_MAX_COLS) {
        lw_input_warn(in, st->L.line, "w3c-header", "#Fields has no or more than %d columns",
                      PROXY_MAX_COLS);
        return LW_OK;
    }
    st->names_buf = malloc(v.n + 1);
    if (!st->names_buf)
        return LW_ENOMEM;
    memcpy(st->names_buf, v.p, v.n);
    st->names_buf[v.n] = '\0';
    tokens((lw_str){st->names_buf, v.n}, st->names, PROXY_MAX_COLS, false);
    st->ncols = n;
    for (uint32_t i = 0; i < n; i++) {
        lw_str k = st->names[i];
        if (lw_str_istarts(k, LW_STR_LIT("r-")) || lw_str_istarts(k, LW_STR_LIT("rs-")) ||
            lw_str_istarts(k, LW_STR_LIT("rs(")) || lw_str_ieq_c(k, "s-action") ||
            lw_str_ieq_c(k, "cs-uri-scheme") || lw_str_ieq_c(k, "x-exception-id") ||
            lw_str_ieq_c(k, "s-supplier-ip") || lw_str_ieq_c(k, "s-hierarchy"))
            st->proxy_cols = true;
    }
    return LW_OK;
}

/* The value of W3C column name in the current record, or a NULL view. */
static lw_str w3c_col(const proxy_state *st, const char *name)
{
    for (uint32_t i = 0; i < st->ncols; i++)
        if (lw_str_ieq_c(st->names[i], name))
            return absent(st->cols[i]) ? LW_STR_NULL : st->cols[i];
    return LW_STR_NULL;
}

static lw_status w3c_record(lw_input *in, proxy_state *st, lw_str line, lw_event *ev)
{
    if (!st->ncols) {
        lw_input_skip(in, st->L.line, 0, "w3c-no-header", "W3C record before any #Fields header");
        return LW_EFORMAT;
    }
    uint32_t n = tokens(line, st->cols, st->ncols, true);
    if (n != st->ncols) {
        lw_input_skip(in, st->L.line, 0, "w3c-columns", "%s columns than the %u of #Fields",
                      n > st->ncols ? "more" : "fewer", st->ncols);
        return LW_EFORMAT;
    }
    lw_str date = w3c_col(st, "date"), tm = w3c_col(st, "time");
    if (date.n == 10 && tm.n >= 5 && tm.n <= 15) {
        char buf[40];
        int64_t ms;
        lw_fmt(buf, sizeof buf, "%.10sT%.*sZ", date.p, (int)tm.n, tm.p);
        if (lw_parse_time(lw_str_c(buf), &ms))
            ev->time_ms = ms;
    }
    lw_str method = w3c_col(st, "cs-method");
    lw_str uri = w3c_col(st, "cs-uri"), stem = w3c_col(st, "cs-uri-stem");
    lw_str query = w3c_col(st, "cs-uri-query");
    lw_str target = uri.p ? uri : stem;
    lw_status s;
    if (!uri.p && stem.p && query.p) { /* rebuild path?query for c-uri */
        char *d = lw_arena_alloc(&ev->arena, stem.n + 1 + query.n + 1);
        if (!d)
            return LW_ENOMEM;
        memcpy(d, stem.p, stem.n);
        size_t k = stem.n;
        if (query.p[0] != '?')
            d[k++] = '?';
        memcpy(d + k, query.p, query.n);
        k += query.n;
        d[k] = '\0';
        target = (lw_str){d, k};
    }
    bool proxied = st->proxy_cols || (target.p && target_is_proxied(method, target));
    if ((s = set_kind(ev, proxied, "w3c")) || !lw_net_wanted(in, ev))
        return s;
    for (uint32_t i = 0; i < n; i++)
        if (!absent(st->cols[i]) && (s = lw_event_add(ev, st->names[i], st->cols[i], 0)))
            return s;
    lw_str ua = w3c_col(st, "cs(User-Agent)");
    if (!ua.p)
        ua = w3c_col(st, "c-useragent");
    if (!ua.p)
        ua = w3c_col(st, "cs-user-agent");
    lw_str ref = w3c_col(st, "cs(Referer)");
    if (!ref.p)
        ref = w3c_col(st, "cs-referer");
    if (!ref.p)
        ref = w3c_col(st, "cs-referrer");
    lw_str host = w3c_col(st, "cs-host");
    if (!host.p)
        host = w3c_col(st, "r-host");
    if (!host.p)
        host = w3c_col(st, "cs(Host)");
    lw_str mime = w3c_col(st, "rs(Content-Type)");
    if (!mime.p)
        mime = w3c_col(st, "sc(Content-Type)");
    lw_str sip = w3c_col(st, "r-ip");
    if (!sip.p)
        sip = w3c_col(st, "s-ip");
    lw_http_view h = {
        .client_ip = w3c_col(st, "c-ip"),
        .server_ip = sip,
        .server_port = w3c_col(st, proxied ? "r-port" : "s-port"),
        .host = host,
        .target = target,
        .method = method,
        .user_agent = ua,
        .status = w3c_col(st, "sc-status"),
        .referrer = ref,
        .mime = mime,
        .version = w3c_col(st, "cs-version"),
        .req_bytes = w3c_col(st, "cs-bytes"),
        .resp_bytes = w3c_col(st, "sc-bytes"),
        .may_exist = true, /* W3C columns are named like Sigma's proxy fields */
    };
    if ((s = lw_net_add_proxy_fields(ev, &h)))
        return s;
    return proxied ? LW_OK : webserver_aliases(ev, target, ua, ref);
}

/* ---- decoder vtable ------------------------------------------------------------------- */

static int proxy_sniff(const unsigned char *h, size_t n)
{
    const char *c = (const char *)h;
    size_t i = 0;
    /* W3C: directives first ("#Software:", "#Version:", "#Date:", "#Fields:"). */
    if (n >= 1 && c[0] == '#') {
        const char *f = memmem(c, n, "#Fields:", 8);
        if (f && (f == c || f[-1] == '\n'))
            return 90;
        if (n >= 9 && (memcmp(c, "#Software", 9) == 0 || memcmp(c, "#Version:", 9) == 0))
            return 70;
        return 0;
    }
    /* Otherwise the first complete data line decides. */
    while (i < n && (c[i] == '\n' || c[i] == '\r'))
        i++;
    const char *nl = i < n ? memchr(c + i, '\n', n - i) : NULL;
    if (!nl)
        return 0; /* need one whole line to be sure */
    lw_str line = {c + i, (size_t)(nl - c - (ptrdiff_t)i)};
    if (line.n && line.p[line.n - 1] == '\r')
        line.n--;
    switch (classify(line)) {
    case FMT_SQUID:
    case FMT_PROXIFIER:
        return 85;
    case FMT_COMBINED:
        return 80;
    default:
        return 0;
    }
}

static lw_status proxy_open(lw_input *in)
{
    proxy_state *st = calloc(1, sizeof *st);
    if (!st)
        return LW_ENOMEM;
    in->decoder_state = st;
    return LW_OK;
}

static void proxy_close(lw_input *in)
{
    proxy_state *st = in->decoder_state;
    if (!st)
        return;
    free(st->names_buf);
    free(st);
    in->decoder_state = NULL;
}

static lw_status proxy_next(lw_input *in, lw_event *ev)
{
    proxy_state *st = in->decoder_state;
    for (;;) {
        lw_str line;
        lw_status s = lw_lines_next_nonblank(in, &st->L, &line);
        if (s != LW_OK)
            return s;
        if (line.p[0] == '#') {
            if (line.n >= 8 && memcmp(line.p, "#Fields:", 8) == 0) {
                st->f = FMT_W3C;
                if ((s = w3c_fields(in, st, line)) != LW_OK)
                    return s;
            }
            continue; /* other directives and comments carry no record */
        }
        if (st->f == FMT_NONE)
            st->f = classify(line);
        ev->record = st->L.line;
        switch (st->f) {
        case FMT_SQUID:
            return squid_record(in, st, line, ev);
        case FMT_W3C:
            return w3c_record(in, st, line, ev);
        case FMT_COMBINED:
            return combined_record(in, st, line, ev);
        case FMT_PROXIFIER:
            return proxifier_record(in, st, line, ev);
        default:
            lw_input_skip(in, st->L.line, 0, "proxy-syntax",
                          "line is in no known proxy log layout");
            return LW_EFORMAT;
        }
    }
}

const lw_decoder lw_decoder_proxy = {
    .name = "proxy",
    .sniff = proxy_sniff,
    .open = proxy_open,
    .next = proxy_next,
    .close = proxy_close,
};
