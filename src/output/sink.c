#include "sink.h"

#include <stdlib.h>
#include <string.h>

#include "../core/json-writer.h"

extern const lw_sink_vtable lw_sink_jsonl;
extern const lw_sink_vtable lw_sink_table;
extern const lw_sink_vtable lw_sink_csv;
extern const lw_sink_vtable lw_sink_html;

static const lw_sink_vtable *const sinks[] = {&lw_sink_jsonl, &lw_sink_table, &lw_sink_csv,
                                              &lw_sink_html, NULL};
extern const lw_sink_ext lw_sink_html_ext;
static const lw_sink_ext *const exts[] = {&lw_sink_html_ext, NULL};

struct lw_sink {
    const lw_sink_vtable *vt;
    void *state;
};

static const lw_sink_vtable *find_sink(const char *format)
{
    for (size_t i = 0; sinks[i]; i++)
        if (strcmp(sinks[i]->name, format) == 0)
            return sinks[i];
    return NULL;
}

int lw_sink_format_known(const char *format)
{
    return format && find_sink(format) != NULL;
}

lw_status lw_sink_open(const char *format, FILE *out, const lw_sink_options *opt, lw_sink **sink)
{
    *sink = NULL;
    const lw_sink_vtable *vt = format ? find_sink(format) : NULL;
    if (!vt || !out)
        return LW_EINVAL;
    lw_sink *s = calloc(1, sizeof(*s));
    if (!s)
        return LW_ENOMEM;
    lw_sink_options o = {0};
    if (opt)
        o = *opt;
    lw_status st = vt->open(out, &o, &s->state);
    if (st) {
        free(s);
        return st;
    }
    s->vt = vt;
    *sink = s;
    return LW_OK;
}

lw_status lw_sink_write(lw_sink *s, const lw_alert *a)
{
    return s->vt->write(s->state, a);
}

static const lw_sink_ext *find_ext(const lw_sink *s)
{
    for (size_t i = 0; s && exts[i]; i++)
        if (exts[i]->vt == s->vt)
            return exts[i];
    return NULL;
}

lw_status lw_sink_set_run_info(lw_sink *s, const lw_sink_run_info *ri)
{
    const lw_sink_ext *e = find_ext(s);
    return e && e->run_info && ri ? e->run_info(s->state, ri) : LW_OK;
}

void lw_sink_set_intel(lw_sink *s, const lw_intel *in)
{
    const lw_sink_ext *e = find_ext(s);
    if (e && e->intel)
        e->intel(s->state, in);
}

lw_status lw_sink_close(lw_sink *s)
{
    if (!s)
        return LW_OK;
    lw_status st = s->vt->close(s->state);
    free(s);
    return st;
}

/* ---- JSON writer: appends with an inline capacity check (lw_buf_reserve only when the
 * buffer must grow), literals without strlen, numbers without printf.  The bytes written
 * are exactly those of the plain lw_buf_put* calls they replace. ---- */

static inline void put_bytes(lw_buf *b, const char *p, size_t n)
{
    if ((!b->oom && b->cap - b->n > n) || lw_buf_reserve(b, n)) {
        memcpy(b->p + b->n, p, n);
        b->n += n;
    }
}
#define PUT_LIT(b, lit) put_bytes((b), (lit), sizeof(lit) - 1)

static inline void put_char(lw_buf *b, char c)
{
    if ((!b->oom && b->cap - b->n > 1) || lw_buf_reserve(b, 1))
        b->p[b->n++] = c;
}

static void put_u64(lw_buf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_bytes(b, tmp + i, sizeof tmp - i);
}

static inline void put_json_str(lw_buf *b, lw_str s)
{
    lw_jw_put_str(b, s.p, s.n);
}

static void put_json_cstr(lw_buf *b, const char *s)
{
    put_json_str(b, lw_str_c(s));
}

static void put_field_value(lw_buf *b, const lw_field *f)
{
    if (f->flags & LW_FIELD_NULL)
        PUT_LIT(b, "null");
    else
        put_json_str(b, f->value);
}

/* [,]"name":value for a field whose name occurs once: the bytes of put_char, put_json_str
 * and put_field_value, written after one capacity check when both strings fit one
 * escape chunk (the common case: short names and values). */
static inline void put_member(lw_buf *b, bool comma, const lw_field *f)
{
    const lw_str nm = f->name, v = f->value;
    const bool null = (f->flags & LW_FIELD_NULL) != 0;
    if (nm.n > LW_JW_CHUNK || v.n > LW_JW_CHUNK) {
        if (comma)
            put_char(b, ',');
        put_json_str(b, nm);
        put_char(b, ':');
        put_field_value(b, f);
        return;
    }
    /* ,"  name  ":"  value  " : 6 fixed bytes, each string's escape room */
    if (!lw_jw_room(b, LW_JW_ROOM(nm.n) + LW_JW_ROOM(v.n) + 8))
        return;
    char *o = b->p + b->n;
    *o = ',';
    o += comma;
    *o++ = '"';
    o = lw_jw_escape_to(o, nm.p, nm.n);
    *o++ = '"';
    *o++ = ':';
    if (null) {
        memcpy(o, "null", 4);
        o += 4;
    } else {
        *o++ = '"';
        o = lw_jw_escape_to(o, v.p, v.n);
        *o++ = '"';
    }
    b->n = (size_t)(o - b->p);
}

static inline bool same_name(const lw_field *a, const lw_field *b)
{
    return a->name.n == b->name.n &&
           (a->name.n == 0 || memcmp(a->name.p, b->name.p, a->name.n) == 0);
}

/* A 64-bit digest of a field name: equal names give equal digests, so comparing digests
 * first turns the duplicate-name search into integer compares (names are compared only
 * when digests collide). */
static inline uint64_t name_digest(lw_str s)
{
    uint64_t head, tail;
    lw_str_head_tail(s, &head, &tail);
    return (head * 0x9E3779B97F4A7C15ull) ^ (tail + s.n * 0xC2B2AE3D27D4EB4Full);
}

#define DIGEST_MAX 128 /* events with more fields take the plain path */

/* `,"name":[` for a name that occurs more than once; its values follow. */
static void put_array_key(lw_buf *b, bool *first, const lw_field *f)
{
    if (!*first)
        put_char(b, ',');
    *first = false;
    put_json_str(b, f->name);
    put_char(b, ':');
    put_char(b, '[');
}

/* Plain path for events with more than DIGEST_MAX fields: quadratic duplicate search. */
static void fields_to_json_plain(lw_buf *b, const lw_event *ev)
{
    const uint32_t nf = ev->nfields;
    put_char(b, '{');
    bool first = true;
    for (uint32_t i = 0; i < nf; i++) {
        const lw_field *f = &ev->fields[i];
        bool seen = false;
        for (uint32_t j = 0; j < i && !seen; j++)
            seen = same_name(&ev->fields[j], f);
        if (seen)
            continue; /* written with its first occurrence */
        uint32_t count = 1;
        for (uint32_t j = i + 1; j < nf; j++)
            count += same_name(&ev->fields[j], f);
        if (count == 1) {
            put_member(b, !first, f);
            first = false;
            continue;
        }
        put_array_key(b, &first, f);
        bool f2 = true;
        for (uint32_t j = i; j < nf; j++) {
            if (!same_name(&ev->fields[j], f))
                continue;
            if (!f2)
                put_char(b, ',');
            f2 = false;
            put_field_value(b, &ev->fields[j]);
        }
        put_char(b, ']');
    }
    put_char(b, '}');
}

#define NAME_TAB 256 /* power of two, >= 2 * DIGEST_MAX: never full, probes stay short */
#define NO_FIELD 0xFFFFu

/*
 * Fields as one JSON object; a name that occurs more than once (exact bytes) becomes one
 * key, at its first occurrence, holding an array of its values in event order.  A small
 * open-addressed table of name digests links each field to the next one of the same name
 * (names compared on every digest match), so finding duplicates is linear, not quadratic;
 * the output is the same as the plain path's.
 */
void lw_event_fields_to_json(lw_buf *b, const lw_event *ev)
{
    const uint32_t nf = ev->nfields;
    if (nf > DIGEST_MAX) {
        fields_to_json_plain(b, ev);
        return;
    }
    uint16_t tab[NAME_TAB];
    uint16_t next[DIGEST_MAX]; /* next field of the same name, NO_FIELD at the last */
    uint16_t last[DIGEST_MAX]; /* per first occurrence: its latest duplicate so far */
    bool dup[DIGEST_MAX];      /* a later occurrence: written with the first one */
    uint64_t dg[DIGEST_MAX];
    memset(tab, 0xFF, sizeof tab);
    for (uint32_t i = 0; i < nf; i++) {
        dg[i] = name_digest(ev->fields[i].name);
        next[i] = NO_FIELD;
        dup[i] = false;
        size_t h = (size_t)((dg[i] * 0x9E3779B97F4A7C15ull) >> 56) & (NAME_TAB - 1);
        for (;;) {
            uint16_t f = tab[h];
            if (f == NO_FIELD) {
                tab[h] = (uint16_t)i;
                last[i] = (uint16_t)i;
                break;
            }
            if (dg[f] == dg[i] && same_name(&ev->fields[f], &ev->fields[i])) {
                next[last[f]] = (uint16_t)i;
                last[f] = (uint16_t)i;
                dup[i] = true;
                break;
            }
            h = (h + 1) & (NAME_TAB - 1);
        }
    }
    put_char(b, '{');
    bool first = true;
    for (uint32_t i = 0; i < nf; i++) {
        if (dup[i])
            continue;
        const lw_field *f = &ev->fields[i];
        if (next[i] == NO_FIELD) {
            put_member(b, !first, f);
            first = false;
            continue;
        }
        put_array_key(b, &first, f);
        for (uint32_t j = i; j != NO_FIELD; j = next[j]) {
            if (j != i)
                put_char(b, ',');
            put_field_value(b, &ev->fields[j]);
        }
        put_char(b, ']');
    }
    put_char(b, '}');
}

/*
 * lw_format_time(ms) for alert times.  Alerts come in time order, many within the same
 * second, and the printf-based formatter is a visible cost per alert: the text of the
 * whole second ("...SS.000Z", formatted by lw_format_time itself) is kept per thread and
 * only the three millisecond digits are replaced.  Times outside years 0..9999, or any
 * text not ending in ".000Z", take the plain path, so the result is always the same as
 * lw_format_time's.  cap >= 40.
 */
static void format_time_cached(int64_t ms, char *buf, size_t cap)
{
    static _Thread_local struct {
        int64_t sec_ms; /* ms of the cached second; -1: none */
        size_t n;
        char txt[40];
    } c = {-1, 0, {0}};
    if (ms < 0 || ms > 253402300799999LL || cap < sizeof c.txt) {
        lw_format_time(ms, buf, cap);
        return;
    }
    int64_t sec_ms = ms - ms % 1000;
    if (c.sec_ms != sec_ms) {
        lw_format_time(sec_ms, c.txt, sizeof c.txt);
        c.n = strlen(c.txt);
        if (c.n < 5 || memcmp(c.txt + c.n - 5, ".000Z", 5) != 0) {
            c.sec_ms = -1;
            lw_format_time(ms, buf, cap);
            return;
        }
        c.sec_ms = sec_ms;
    }
    unsigned rem = (unsigned)(ms - sec_ms);
    memcpy(buf, c.txt, c.n + 1);
    buf[c.n - 4] = (char)('0' + rem / 100);
    buf[c.n - 3] = (char)('0' + rem / 10 % 10);
    buf[c.n - 2] = (char)('0' + rem % 10);
}

/* ,"url_intel":{...}: the riskiest URL of a chain and what it did to the level. */
static void lw_alert_url_to_json(lw_buf *b, const lw_alert *a)
{
    const lw_intel_result *u = a->url;
    PUT_LIT(b, ",\"url_intel\":{\"url\":");
    put_json_str(b, u->url);
    PUT_LIT(b, ",\"registrable_domain\":");
    put_json_str(b, u->registrable_domain);
    lw_buf_printf(b, ",\"score\":%d,\"verdict\":", u->score);
    put_json_cstr(b, u->verdict_name);
    lw_buf_printf(b, ",\"allowlisted\":%s,\"blocklisted\":%s,\"rule_level\":",
                  u->allowlisted ? "true" : "false", u->blocklisted ? "true" : "false");
    put_json_cstr(b, a->meta->level);
    PUT_LIT(b, ",\"reasons\":[");
    for (size_t i = 0; i < u->nreasons; i++) {
        if (i)
            put_char(b, ',');
        PUT_LIT(b, "{\"code\":");
        put_json_cstr(b, u->reasons[i].code);
        lw_buf_printf(b, ",\"weight\":%.2f,\"text\":", u->reasons[i].weight);
        put_json_cstr(b, u->reasons[i].text);
        put_char(b, '}');
    }
    PUT_LIT(b, "]}");
}

void lw_alert_to_json(lw_buf *b, const lw_alert *a)
{
    const lw_rule_meta *m = a->meta;
    const lw_event *ev = a->ev;
    PUT_LIT(b, "{\"rule\":{\"id\":");
    put_json_cstr(b, m->id);
    PUT_LIT(b, ",\"title\":");
    put_json_cstr(b, m->title);
    PUT_LIT(b, ",\"level\":");
    put_json_cstr(b, a->level ? a->level : m->level); /* effective (chain severity) */
    PUT_LIT(b, ",\"status\":");
    put_json_cstr(b, m->status);
    PUT_LIT(b, ",\"tags\":[");
    for (size_t i = 0; i < m->ntags; i++) {
        if (i)
            put_char(b, ',');
        put_json_cstr(b, m->tags[i]);
    }
    PUT_LIT(b, "],\"path\":");
    put_json_cstr(b, m->path);
    PUT_LIT(b, "},\"time\":");
    if (ev->time_ms == INT64_MIN) {
        PUT_LIT(b, "null");
    } else {
        char t[40];
        format_time_cached(ev->time_ms, t, sizeof t);
        put_json_cstr(b, t);
    }
    PUT_LIT(b, ",\"host\":");
    put_json_str(b, ev->host);
    PUT_LIT(b, ",\"category\":");
    put_json_cstr(b, lw_event_category(ev));
    PUT_LIT(b, ",\"source\":{\"path\":");
    put_json_cstr(b, lw_event_source_path(ev));
    PUT_LIT(b, ",\"record\":");
    put_u64(b, ev->record);
    PUT_LIT(b, "},\"event\":");
    lw_event_fields_to_json(b, ev);
    if (a->url)
        lw_alert_url_to_json(b, a);
    if (a->corr)
        lw_alert_corr_to_json(b, a); /* correlation and events keys (alert-json-corr.c) */
    put_char(b, '}');
}

/* "name=value" of f (or the value alone), or nothing when f is absent or empty; whether it
 * wrote. */
static bool put_named(lw_buf *b, bool names, const char *name, const lw_field *f)
{
    if (!f || !f->value.n)
        return false;
    if (names) {
        lw_buf_puts(b, name);
        lw_buf_putc(b, '=');
    }
    lw_buf_put(b, f->value.p, f->value.n);
    return true;
}

void lw_event_headline(lw_buf *b, const lw_event *ev, bool names)
{
    /* A web request (Zeek http, EVE http, proxy logs: the proxy field names): its URL. */
    const lw_field *uri = lw_event_find(ev, LW_STR_LIT("c-uri"));
    if (uri && uri->value.n) {
        const lw_field *host = lw_event_find(ev, LW_STR_LIT("cs-host"));
        if (names)
            lw_buf_puts(b, "URL=");
        if (host && host->value.n && uri->value.p[0] == '/')
            lw_buf_put(b, host->value.p, host->value.n);
        lw_buf_put(b, uri->value.p, uri->value.n);
        return;
    }
    /* Windows events: the one most telling field. */
    static const char *const one[] = {
        "CommandLine",  "TargetFilename", "QueryName",      "ImageLoaded",
        "TargetObject", "DestinationIp",  "PipeName",       "ScriptBlockText",
        "Image",        "ServiceName",    "TargetUserName", "Data",
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
        if (put_named(b, names, one[i], lw_event_find(ev, lw_str_c(one[i]))))
            return;
    /* Other network records (Zeek files/dns/ssl, EVE fileinfo/dns/tls/alert): the first two
     * of these, so a transferred file shows what it was and where it came from. */
    static const char *const net[] = {
        "filename",    "fileinfo.filename", "mime_type",       "tx_hosts",  "query",   "dns.rrname",
        "server_name", "tls.sni",           "alert.signature", "id.resp_h", "dest_ip",
    };
    unsigned shown = 0;
    for (size_t i = 0; i < sizeof net / sizeof net[0] && shown < 2; i++) {
        size_t mark = b->n;
        if (shown)
            lw_buf_putc(b, ' ');
        if (put_named(b, names, net[i], lw_event_find(ev, lw_str_c(net[i]))))
            shown++;
        else
            b->n = mark;
    }
}
