/*
 * JSON decoder for Windows events.
 *
 * Framing: JSON Lines, pretty-printed values one after another, a top-level array of
 * objects (streamed element by element, never loaded whole), and mixtures of these.  Each
 * record is tokenized straight from the reader window in prefix mode (one pass: the
 * tokenizer itself finds where the value ends); when the window ends inside a value the
 * window is refilled to at least twice its size and the record is tokenized again, so a
 * record costs O(size) amortized.
 *
 * Resynchronisation after a bad record: when the error is on the line where the record
 * starts (JSON Lines, junk lines) we skip to the next line, so one junk line is one skip.
 * When the record spans lines (pretty-printed) we skip to the next line whose first
 * non-blank character is '{' or '[' at a column no deeper than the broken record's start,
 * which is where the next pretty-printed record (or array element) begins.
 *
 * Shapes, decided per record from its keys: evtx_dump ("Event": {"System", "EventData",
 * "UserData"}), Winlogbeat/ECS ("winlog": {...} or dotted "winlog.*" keys) and flat
 * NXLog/OTRF (everything at top level).  All three yield the same fields for the same
 * Windows event; system properties go to the event's slots, not into fields
 * (lw_event_normalize() adds those).
 *
 * Lifetimes: field names and values are views into the reader window (valid until the
 * next fill, which happens only in the next next() call) or copies in ev->arena when they
 * had to be unescaped.
 */
#include "json-scan.h"
#include "xml-event.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * lw_want_event() compares channel names case-insensitively on every call; nearly every
 * record of a file repeats the channel and provider of the one before, so the answers for
 * the last exact (byte-equal) channel and provider are kept per small event id.
 */
#define WANT_CACHE_IDS  64
#define WANT_CACHE_NAME 96
typedef struct want_cache {
    const lw_want *want;
    char chan[WANT_CACHE_NAME], prov[WANT_CACHE_NAME];
    size_t chan_n, prov_n;      /* SIZE_MAX: nothing cached */
    int8_t ans[WANT_CACHE_IDS]; /* -1 unknown, 0 no, 1 yes */
} want_cache;

typedef struct json_state {
    lw_json_parser p;
    want_cache wc;
    uint64_t line; /* 1-based line of the first unconsumed byte */
    uint64_t col;  /* 0-based column of the first unconsumed byte */
    bool in_array; /* inside a top-level array: elements are records */
    /* Records that decoded but carry no Windows event (reported once, at close). */
    uint64_t not_windows, first_not_windows;
    bool raw_text; /* ... one of them had raw text (_raw...) that is not event XML */
} json_state;

/* ---- framing ------------------------------------------------------------------------ */

/* Consume n bytes of the window, keeping line and column up to date. */
static void advance(lw_input *in, json_state *st, size_t n)
{
    const char *d = lw_reader_data(&in->rd), *p = d, *e = d + n, *last = NULL;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        st->line++;
        last = p++;
    }
    st->col = last ? (uint64_t)(e - last - 1) : st->col + n;
    lw_reader_consume(&in->rd, n);
}

/* Refill after the window ran dry.  Returns 1 when bytes were added, 0 at end of input,
 * -1 on a read error (reported) and -2 when the window is full. */
static int refill(lw_input *in, json_state *st)
{
    ssize_t k = lw_reader_fill(&in->rd);
    if (k > 0)
        return 1;
    if (k < 0)
        return -2;
    if (in->rd.error) {
        lw_input_warn(in, st->line, "read-error", "%s", in->rd.errmsg);
        return -1;
    }
    return 0;
}

/* Skip through the next newline (at least one byte).  Returns LW_OK or LW_EIO. */
static lw_status skip_line(lw_input *in, json_state *st)
{
    bool first = true;
    for (;;) {
        size_t av = lw_reader_avail(&in->rd);
        const char *d = lw_reader_data(&in->rd);
        size_t from = first && av ? 1 : 0;
        if (av > from) {
            const char *nl = memchr(d + from, '\n', av - from);
            if (nl) {
                advance(in, st, (size_t)(nl - d) + 1);
                return LW_OK;
            }
            advance(in, st, av);
            first = false;
        }
        int r = refill(in, st);
        if (r == -1)
            return LW_EIO;
        if (r == 0) { /* end of input: the rest of the line is all there is */
            advance(in, st, lw_reader_avail(&in->rd));
            return LW_OK;
        }
        /* -2 cannot happen: at most one byte is left in the window here. */
    }
}

/* After a broken multi-line record that started at column c0: skip to the next line
 * whose first non-blank byte is '{' or '[' at a column <= c0 (or ']' left of c0). */
static lw_status skip_to_record_line(lw_input *in, json_state *st, uint64_t c0)
{
    for (;;) {
        lw_status s = skip_line(in, st);
        if (s != LW_OK)
            return s;
        for (;;) {
            size_t av = lw_reader_avail(&in->rd);
            const char *d = lw_reader_data(&in->rd);
            size_t i = 0;
            while (i < av && (d[i] == ' ' || d[i] == '\t'))
                i++;
            if (i < av) {
                char c = d[i];
                if (((c == '{' || c == '[') && i <= c0) || (c == ']' && i < c0))
                    return LW_OK;
                break; /* another line of the broken record: skip it */
            }
            int r = refill(in, st);
            if (r == -1)
                return LW_EIO;
            if (r == 0)
                return LW_OK;
            if (r == -2)
                break; /* absurd indentation: treat the line as part of the record */
        }
    }
}

/* Resync after a bad record that starts at the window front.  multi_line: the problem
 * was found on a later line than the record's first. */
static lw_status resync(lw_input *in, json_state *st, bool multi_line, uint64_t c0)
{
    return multi_line ? skip_to_record_line(in, st, c0) : skip_line(in, st);
}

static const char *type_name(uint16_t t)
{
    switch (t) {
    case LW_JSON_ARRAY:
        return "an array";
    case LW_JSON_STRING:
        return "a string";
    case LW_JSON_NUMBER:
        return "a number";
    case LW_JSON_TRUE:
    case LW_JSON_FALSE:
        return "a boolean";
    case LW_JSON_NULL:
        return "null";
    default:
        return "not an object";
    }
}

/* ---- shapes ------------------------------------------------------------------------- */

#define NONE UINT32_MAX

typedef struct rec {
    lw_input *in;         /* for skip reports */
    const char *b;        /* record text (the reader window) */
    const lw_json_tok *t; /* its tokens; t[0] is the root object */
    lw_event *ev;
    want_cache *wc; /* NULL: decode every event fully (no in->want) */
} rec;

static inline uint16_t ty(const rec *r, uint32_t i)
{
    return i == NONE ? LW_JSON_NONE : r->t[i].type;
}

/* Value of member key (raw comparison: escaped keys never match) in object obj, or NONE. */
static uint32_t get(const rec *r, uint32_t obj, const char *key, size_t kn)
{
    if (ty(r, obj) != LW_JSON_OBJECT)
        return NONE;
    uint32_t i = obj + 1;
    for (uint32_t c = r->t[obj].count; c; c--) {
        const lw_json_tok *k = &r->t[i];
        if (k->len == kn && memcmp(r->b + k->start, key, kn) == 0)
            return i + 1;
        i = r->t[i + 1].next;
    }
    return NONE;
}
#define GET(r, obj, lit) get((r), (obj), (lit), sizeof(lit) - 1)

/* Text of a scalar or the raw JSON of a container, with field flags. */
static lw_status val_text(rec *r, uint32_t i, lw_str *out, uint32_t *flags)
{
    const lw_json_tok *v = &r->t[i];
    *flags = 0;
    switch (v->type) {
    case LW_JSON_STRING:
        return lw_json_tok_str(r->b, v, &r->ev->arena, out);
    case LW_JSON_NUMBER:
    case LW_JSON_TRUE:
    case LW_JSON_FALSE:
        *flags = LW_FIELD_NUMBER;
        break;
    case LW_JSON_NULL:
        *flags = LW_FIELD_NULL;
        *out = (lw_str){r->b + v->start, 0};
        return LW_OK;
    default:
        break;
    }
    *out = (lw_str){r->b + v->start, v->len};
    return LW_OK;
}

/* A string or number as text (for system properties); false for other types. */
static bool scalar_str(rec *r, uint32_t i, lw_str *out)
{
    uint16_t t = ty(r, i);
    if (t != LW_JSON_STRING && t != LW_JSON_NUMBER)
        return false;
    return lw_json_tok_str(r->b, &r->t[i], &r->ev->arena, out) == LW_OK;
}

static void set_str(rec *r, uint32_t i, lw_str *dst)
{
    lw_str s;
    if (scalar_str(r, i, &s))
        *dst = s;
}

/* EventID as a number, a string, {"#text": n, "#attributes": ...} or {"Value": n}. */
static bool set_event_id(rec *r, uint32_t i)
{
    if (ty(r, i) == LW_JSON_OBJECT) {
        uint32_t j = GET(r, i, "#text");
        i = j != NONE ? j : GET(r, i, "Value");
    }
    lw_str s;
    int64_t v;
    if (!scalar_str(r, i, &s) || !lw_str_to_i64(s, &v) || v < 0 || v > INT32_MAX)
        return false;
    r->ev->event_id = (int32_t)v;
    return true;
}

static bool set_time(rec *r, uint32_t i)
{
    lw_str s;
    int64_t ms;
    if (ty(r, i) != LW_JSON_STRING || !scalar_str(r, i, &s) || !lw_parse_time(s, &ms))
        return false;
    r->ev->time_ms = ms;
    return true;
}

static lw_status add_named(rec *r, lw_str name, uint32_t v)
{
    lw_str val;
    uint32_t fl;
    lw_status s = val_text(r, v, &val, &fl);
    if (s != LW_OK)
        return s;
    return lw_event_add(r->ev, name, val, fl);
}

static lw_status add_member(rec *r, uint32_t k, uint32_t v)
{
    lw_str name;
    lw_status s = lw_json_tok_str(r->b, &r->t[k], &r->ev->arena, &name);
    if (s != LW_OK)
        return s;
    return add_named(r, name, v);
}

static bool is_attr_key(const rec *r, uint32_t k)
{
    const lw_json_tok *t = &r->t[k];
    return t->len == 11 && memcmp(r->b + t->start, "#attributes", 11) == 0;
}

/* One <Data> element of evtx_dump: {"#text": v, "#attributes": {"Name": n}} or a scalar. */
static lw_status add_data_elem(rec *r, uint32_t e)
{
    if (ty(r, e) == LW_JSON_OBJECT) {
        uint32_t nm = GET(r, GET(r, e, "#attributes"), "Name");
        uint32_t tx = GET(r, e, "#text");
        lw_str name;
        if (ty(r, nm) == LW_JSON_STRING && scalar_str(r, nm, &name)) {
            if (tx != NONE)
                return add_named(r, name, tx);
            return lw_event_add(r->ev, name, (lw_str){r->b + r->t[e].start, 0}, 0);
        }
        if (tx != NONE)
            return add_named(r, LW_STR_LIT("Data"), tx);
    }
    return add_named(r, LW_STR_LIT("Data"), e);
}

/* Children of an EventData-like object as fields ("Data" arrays of named elements too). */
static lw_status add_children(rec *r, uint32_t obj)
{
    if (ty(r, obj) != LW_JSON_OBJECT)
        return LW_OK;
    uint32_t k = obj + 1;
    lw_status s = LW_OK;
    for (uint32_t c = r->t[obj].count; c && s == LW_OK; c--) {
        uint32_t v = k + 1;
        const lw_json_tok *kt = &r->t[k];
        if (is_attr_key(r, k)) {
            /* XML attributes of the container (xmlns, Name): not event data */
        } else if (kt->len == 4 && memcmp(r->b + kt->start, "Data", 4) == 0 &&
                   ty(r, v) == LW_JSON_ARRAY) {
            uint32_t e = v + 1;
            for (uint32_t j = r->t[v].count; j && s == LW_OK; j--) {
                s = add_data_elem(r, e);
                e = r->t[e].next;
            }
        } else if (kt->len == 4 && memcmp(r->b + kt->start, "Data", 4) == 0 &&
                   ty(r, v) == LW_JSON_OBJECT) {
            s = add_data_elem(r, v);
        } else {
            s = add_member(r, k, v);
        }
        k = r->t[v].next;
    }
    return s;
}

/* After the system properties: does a rule want this event?  If not, mark it partial
 * (the record was fully validated by the tokenizer; its fields are not built). */
static bool want_lookup(want_cache *wc, const lw_event *ev)
{
    lw_str ch = ev->channel, pr = ev->provider;
    int32_t id = ev->event_id;
    if (id < 0 || id >= WANT_CACHE_IDS || ch.n > WANT_CACHE_NAME || pr.n > WANT_CACHE_NAME)
        return lw_want_event(wc->want, ch, pr, id);
    if (wc->chan_n != ch.n || wc->prov_n != pr.n || (ch.n && memcmp(wc->chan, ch.p, ch.n)) ||
        (pr.n && memcmp(wc->prov, pr.p, pr.n))) {
        if (ch.n)
            memcpy(wc->chan, ch.p, ch.n);
        if (pr.n)
            memcpy(wc->prov, pr.p, pr.n);
        wc->chan_n = ch.n;
        wc->prov_n = pr.n;
        memset(wc->ans, -1, sizeof wc->ans);
    }
    if (wc->ans[id] < 0)
        wc->ans[id] = lw_want_event(wc->want, ch, pr, id) ? 1 : 0;
    return wc->ans[id] != 0;
}

static bool wanted(rec *r)
{
    if (!r->wc || want_lookup(r->wc, r->ev))
        return true;
    r->ev->partial = true;
    return false;
}

static lw_status decode_evtx_dump(rec *r, uint32_t evt)
{
    uint32_t sys = GET(r, evt, "System");
    if (sys != NONE) {
        set_event_id(r, GET(r, sys, "EventID"));
        set_str(r, GET(r, sys, "Channel"), &r->ev->channel);
        set_str(r, GET(r, sys, "Computer"), &r->ev->host);
        uint32_t prov = GET(r, sys, "Provider");
        uint32_t pa = GET(r, prov, "#attributes");
        if (pa == NONE)
            pa = GET(r, sys, "Provider_attributes");
        uint32_t nm = GET(r, pa, "Name");
        set_str(r, nm != NONE ? nm : GET(r, prov, "Name"), &r->ev->provider);
        uint32_t tc = GET(r, sys, "TimeCreated");
        uint32_t ta = GET(r, tc, "#attributes");
        if (ta == NONE)
            ta = GET(r, sys, "TimeCreated_attributes");
        uint32_t stm = GET(r, ta, "SystemTime");
        if (stm == NONE)
            stm = ty(r, tc) == LW_JSON_STRING ? tc : GET(r, tc, "SystemTime");
        set_time(r, stm);
    }
    r->ev->product = LW_PRODUCT_WINDOWS;
    if (!wanted(r))
        return LW_OK;
    lw_status s = add_children(r, GET(r, evt, "EventData"));
    if (s != LW_OK)
        return s;
    /* UserData holds one wrapper element (e.g. RuleAndFileData) around the values. */
    uint32_t ud = GET(r, evt, "UserData");
    if (ty(r, ud) != LW_JSON_OBJECT)
        return LW_OK;
    uint32_t k = ud + 1;
    for (uint32_t c = r->t[ud].count; c && s == LW_OK; c--) {
        uint32_t v = k + 1;
        if (is_attr_key(r, k))
            ;
        else if (ty(r, v) == LW_JSON_OBJECT)
            s = add_children(r, v);
        else
            s = add_member(r, k, v);
        k = r->t[v].next;
    }
    return s;
}

/* Winlogbeat keys below "winlog" (nested or dotted): the part after "winlog.". */
typedef struct wl_ctx {
    uint32_t host_wl, host_ecs; /* winlog.computer_name, host.name/host.hostname */
} wl_ctx;

/* System properties from a key below "winlog" (the part after "winlog."). */
static void winlog_system(rec *r, wl_ctx *w, lw_str key, uint32_t v)
{
    if (lw_str_eq_c(key, "event_id"))
        set_event_id(r, v);
    else if (lw_str_eq_c(key, "channel"))
        set_str(r, v, &r->ev->channel);
    else if (lw_str_eq_c(key, "provider_name"))
        set_str(r, v, &r->ev->provider);
    else if (lw_str_eq_c(key, "computer_name"))
        w->host_wl = v;
}

/* Event data fields from a key below "winlog". */
static lw_status winlog_fields(rec *r, lw_str key, uint32_t v)
{
    if (lw_str_eq_c(key, "event_data") || lw_str_eq_c(key, "user_data"))
        return add_children(r, v);
    if (key.n > 11 && memcmp(key.p, "event_data.", 11) == 0)
        return add_named(r, (lw_str){key.p + 11, key.n - 11}, v);
    if (key.n > 10 && memcmp(key.p, "user_data.", 10) == 0)
        return add_named(r, (lw_str){key.p + 10, key.n - 10}, v);
    return LW_OK;
}

/*
 * Two passes over the top-level keys: the first reads the system properties (event_id
 * often follows event_data, so the want decision needs the whole record), the second, only
 * for wanted events, adds the event data fields in document order.
 */
static lw_status decode_winlogbeat(rec *r)
{
    wl_ctx w = {NONE, NONE};
    lw_status s = LW_OK;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t k = 1;
        for (uint32_t c = r->t[0].count; c && s == LW_OK; c--) {
            uint32_t v = k + 1;
            lw_str key;
            s = lw_json_tok_str(r->b, &r->t[k], &r->ev->arena, &key);
            if (s != LW_OK)
                break;
            k = r->t[v].next;
            if (lw_str_eq_c(key, "winlog") && ty(r, v) == LW_JSON_OBJECT) {
                uint32_t k2 = v + 1;
                for (uint32_t c2 = r->t[v].count; c2 && s == LW_OK; c2--) {
                    lw_str key2;
                    s = lw_json_tok_str(r->b, &r->t[k2], &r->ev->arena, &key2);
                    if (s == LW_OK) {
                        if (pass == 0)
                            winlog_system(r, &w, key2, k2 + 1);
                        else
                            s = winlog_fields(r, key2, k2 + 1);
                    }
                    k2 = r->t[k2 + 1].next;
                }
            } else if (key.n > 7 && memcmp(key.p, "winlog.", 7) == 0) {
                lw_str sub = {key.p + 7, key.n - 7};
                if (pass == 0)
                    winlog_system(r, &w, sub, v);
                else
                    s = winlog_fields(r, sub, v);
            } else if (pass == 1) {
                continue;
            } else if (lw_str_eq_c(key, "@timestamp")) {
                set_time(r, v);
            } else if (lw_str_eq_c(key, "host") && ty(r, v) == LW_JSON_OBJECT) {
                uint32_t h = GET(r, v, "name");
                if (h == NONE)
                    h = GET(r, v, "hostname");
                if (h != NONE && w.host_ecs == NONE)
                    w.host_ecs = h;
            } else if ((lw_str_eq_c(key, "host.name") || lw_str_eq_c(key, "host.hostname")) &&
                       w.host_ecs == NONE) {
                w.host_ecs = v;
            }
        }
        if (s != LW_OK || pass == 1)
            break;
        set_str(r, w.host_wl != NONE ? w.host_wl : w.host_ecs, &r->ev->host);
        r->ev->product = LW_PRODUCT_WINDOWS;
        if (!wanted(r))
            break;
    }
    return s;
}

/* Is the key one of the flat shape's system keys (not event data)? */
static bool flat_system_key(lw_str key)
{
    return lw_str_eq_c(key, "EventID") || lw_str_eq_c(key, "Channel") ||
           lw_str_eq_c(key, "Hostname") || lw_str_eq_c(key, "Computer") ||
           lw_str_eq_c(key, "SourceName") || lw_str_eq_c(key, "ProviderName") ||
           lw_str_eq_c(key, "@timestamp");
}

/* Flat NXLog / OTRF: system keys at top level, every other key is a field.  Like the
 * Winlogbeat shape, system properties first, then (wanted events only) the fields. */
static lw_status decode_flat(rec *r)
{
    uint32_t host = NONE, computer = NONE, ts = NONE, tcand[3] = {NONE, NONE, NONE};
    bool windows = false;
    uint32_t k = 1;
    lw_status s = LW_OK;
    for (uint32_t c = r->t[0].count; c; c--) {
        uint32_t v = k + 1;
        lw_str key;
        s = lw_json_tok_str(r->b, &r->t[k], &r->ev->arena, &key);
        if (s != LW_OK)
            return s;
        k = r->t[v].next;
        if (lw_str_eq_c(key, "EventID")) {
            set_event_id(r, v);
            windows = true;
        } else if (lw_str_eq_c(key, "Channel")) {
            set_str(r, v, &r->ev->channel);
            windows = true;
        } else if (lw_str_eq_c(key, "Hostname")) {
            host = v;
        } else if (lw_str_eq_c(key, "Computer")) {
            computer = v;
        } else if (lw_str_eq_c(key, "SourceName") || lw_str_eq_c(key, "ProviderName")) {
            set_str(r, v, &r->ev->provider);
        } else if (lw_str_eq_c(key, "@timestamp")) {
            ts = v;
        } else if (lw_str_eq_c(key, "TimeCreated")) {
            /* Other time keys are also event data (UtcTime is a Sysmon field). */
            tcand[0] = v;
        } else if (lw_str_eq_c(key, "EventTime")) {
            tcand[1] = v;
        } else if (lw_str_eq_c(key, "UtcTime")) {
            tcand[2] = v;
        }
    }
    set_str(r, host != NONE ? host : computer, &r->ev->host);
    if (!set_time(r, ts))
        for (int i = 0; i < 3 && !set_time(r, tcand[i]); i++)
            ;
    if (windows)
        r->ev->product = LW_PRODUCT_WINDOWS;
    if (!wanted(r))
        return LW_OK;
    k = 1;
    for (uint32_t c = r->t[0].count; c && s == LW_OK; c--) {
        uint32_t v = k + 1;
        lw_str key;
        s = lw_json_tok_str(r->b, &r->t[k], &r->ev->arena, &key);
        k = r->t[v].next;
        if (s == LW_OK && !flat_system_key(key))
            s = add_named(r, key, v);
    }
    return s;
}

/*
 * A Windows event carried as XML text inside JSON: Splunk's search export of
 * XmlWinEventLog ({"result": {"_raw": "<Event ...>", ...}} per line, or the result object
 * itself) and ECS documents whose event.original holds the XML.  Returns the string token
 * of the XML or NONE.
 */
/* The raw event text a SIEM export carries (_raw, result._raw, event.original), a string
 * token or NONE. */
static uint32_t raw_text(const rec *r)
{
    uint32_t v = GET(r, 0, "_raw");
    if (v == NONE)
        v = GET(r, GET(r, 0, "result"), "_raw");
    if (v == NONE)
        v = GET(r, GET(r, 0, "event"), "original");
    if (v == NONE)
        v = GET(r, 0, "event.original");
    return ty(r, v) == LW_JSON_STRING ? v : NONE;
}

static uint32_t raw_xml(const rec *r)
{
    uint32_t v = raw_text(r);
    if (v == NONE)
        return NONE;
    /* JSON may escape '<' as \u003c; anything else starting the text is not an event. */
    const char *p = r->b + r->t[v].start, *e = p + r->t[v].len;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if ((e - p >= 6 && memcmp(p, "<Event", 6) == 0) ||
        (e - p >= 11 && memcmp(p, "\\u003cEvent", 11) == 0) ||
        (e - p >= 11 && memcmp(p, "\\u003CEvent", 11) == 0))
        return v;
    return NONE;
}

/* The XML of raw_xml() decoded as the XML decoder does; the record keeps its line. */
static lw_status decode_raw_xml(rec *r, uint32_t v)
{
    lw_str xml;
    lw_status s = lw_json_tok_str(r->b, &r->t[v], &r->ev->arena, &xml);
    if (s != LW_OK)
        return s;
    uint64_t line = r->ev->record;
    lw_xml_error xe = {0};
    s = lw_xml_event_parse_want(xml.p, xml.n, r->ev, LW_XML_EVTX_DUMP_VALUES,
                                r->wc ? r->wc->want : NULL, &xe);
    r->ev->record = line;
    if (s == LW_EFORMAT)
        lw_input_skip(r->in, line, 0, "xml-syntax", "event XML inside JSON: %s at byte %zu",
                      xe.msg ? xe.msg : "bad XML", xe.offset);
    return s;
}

static lw_status decode_record(rec *r)
{
    /* Shape from the top-level keys. */
    uint32_t k = 1;
    bool flat = false; /* EventID or Channel at top level: NXLog / OTRF, no event XML to seek */
    for (uint32_t c = r->t[0].count; c; c--) {
        const lw_json_tok *kt = &r->t[k];
        const char *kp = r->b + kt->start;
        if (kt->len == 5 && memcmp(kp, "Event", 5) == 0 && ty(r, k + 1) == LW_JSON_OBJECT)
            return decode_evtx_dump(r, k + 1);
        if (kt->len >= 6 && memcmp(kp, "winlog", 6) == 0 && (kt->len == 6 || kp[6] == '.'))
            return decode_winlogbeat(r);
        flat |= (kt->len == 7 && memcmp(kp, "EventID", 7) == 0) ||
                (kt->len == 7 && memcmp(kp, "Channel", 7) == 0);
        k = r->t[k + 1].next;
    }
    uint32_t x = flat ? NONE : raw_xml(r);
    if (x != NONE)
        return decode_raw_xml(r, x);
    return decode_flat(r);
}

/* ---- decoder vtable ----------------------------------------------------------------- */

static int json_sniff(const unsigned char *h, size_t n)
{
    size_t i = 0;
    if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        i = 3;
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
        i++;
    if (i >= n || (h[i] != '{' && h[i] != '['))
        return 0;
    /* Windows keys in the head: this decoder is the right one, not just a JSON one. */
    static const char *const marks[] = {"\"EventID\"",   "\"winlog",    "\"Event\"",
                                        "\"EventData\"", "\"Channel\"", "\"_raw\":\"<Event"};
    for (size_t m = 0; m < sizeof marks / sizeof *marks; m++)
        if (memmem(h, n, marks[m], strlen(marks[m])))
            return 90;
    return 60;
}

static lw_status json_open(lw_input *in)
{
    json_state *st = calloc(1, sizeof(*st));
    if (!st)
        return LW_ENOMEM;
    lw_json_init(&st->p);
    st->wc.chan_n = st->wc.prov_n = SIZE_MAX;
    st->line = 1;
    in->decoder_state = st;
    while (lw_reader_avail(&in->rd) < 3) {
        int r = refill(in, st);
        if (r == -1)
            return LW_EIO;
        if (r != 1)
            break;
    }
    const unsigned char *d = (const unsigned char *)lw_reader_data(&in->rd);
    if (lw_reader_avail(&in->rd) >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
        lw_reader_consume(&in->rd, 3);
    return LW_OK;
}

static void json_close(lw_input *in)
{
    json_state *st = in->decoder_state;
    if (!st)
        return;
    if (st->not_windows)
        lw_input_warn(in, st->first_not_windows, "json-not-windows",
                      "%" PRIu64 " JSON record%s carry no Windows event (no EventID, Channel, "
                      "winlog.*, Event.System or event XML): no rule can match %s%s",
                      st->not_windows, st->not_windows == 1 ? "" : "s",
                      st->not_windows == 1 ? "it" : "them",
                      st->raw_text ? "; raw event text that is not event XML is not read (for "
                                     "Splunk's classic WinEventLog, export the XmlWinEventLog "
                                     "source type)"
                                   : "");
    lw_json_free(&st->p);
    free(st);
    in->decoder_state = NULL;
}

/* Skip whitespace (and commas between array elements).  Returns LW_OK with a byte at the
 * window front, LW_EOF, or LW_EIO. */
static lw_status skip_space(lw_input *in, json_state *st)
{
    for (;;) {
        size_t av = lw_reader_avail(&in->rd), i = 0;
        const char *d = lw_reader_data(&in->rd);
        uint64_t line = st->line, col = st->col;
        for (; i < av; i++) {
            char c = d[i];
            if (c == '\n') {
                line++;
                col = 0;
            } else if (c == ' ' || c == '\t' || c == '\r' || (c == ',' && st->in_array)) {
                col++;
            } else {
                break;
            }
        }
        lw_reader_consume(&in->rd, i);
        st->line = line;
        st->col = col;
        if (i < av)
            return LW_OK;
        int r = refill(in, st);
        if (r == -1)
            return LW_EIO;
        if (r == 0)
            return LW_EOF;
    }
}

static lw_status json_next(lw_input *in, lw_event *ev)
{
    json_state *st = in->decoder_state;
    lw_reader *rd = &in->rd;
    size_t span = 0; /* bytes of an oversized record seen so far */
    for (;;) {
        lw_status s = skip_space(in, st);
        if (s == LW_EOF) {
            if (st->in_array) {
                lw_input_warn(in, st->line, "json-syntax", "top-level array is not closed");
                st->in_array = false;
            }
            return LW_EOF;
        }
        if (s != LW_OK)
            return s;
        char c = lw_reader_data(rd)[0];
        if (st->in_array && c == ']') {
            advance(in, st, 1);
            st->in_array = false;
            continue;
        }
        if (!st->in_array && c == '[') {
            advance(in, st, 1);
            st->in_array = true;
            continue;
        }

        uint64_t line0 = st->line, col0 = st->col;
        size_t end = 0;
        for (;;) {
            const char *d = lw_reader_data(rd);
            size_t av = lw_reader_avail(rd);
            unsigned fl = LW_JSON_PREFIX | (rd->eof ? LW_JSON_FINAL : 0);
            s = lw_json_parse(&st->p, d, av, fl, &end);
            if (s == LW_ENOMEM)
                return s;
            if (s == LW_OK && end > in->max_record) {
                span = end;
                goto too_large;
            }
            if (s == LW_OK)
                break;
            if (st->p.truncated && !rd->eof) {
                span = av;
                if (av > in->max_record)
                    goto too_large;
                /* Grow the window to at least twice the bytes we have, so re-tokenizing
                 * a large record stays linear overall. */
                size_t target = av > SIZE_MAX / 2 ? SIZE_MAX : av * 2;
                int r;
                do
                    r = refill(in, st);
                while (r == 1 && lw_reader_avail(rd) < target);
                if (r == -1)
                    return LW_EIO;
                if (r == -2 && lw_reader_avail(rd) == av)
                    goto too_large;
                continue;
            }
            /* A syntax error: locate it, skip the record, resync. */
            size_t eo = st->p.err_off < av ? st->p.err_off : av;
            uint64_t eline = line0, ecol = col0 + eo + 1;
            const char *nl = NULL;
            for (const char *q = d; (q = memchr(q, '\n', (size_t)(d + eo - q))) != NULL; q++) {
                eline++;
                nl = q;
            }
            if (nl)
                ecol = (uint64_t)(d + eo - nl);
            lw_input_skip(in, line0, eline == line0 ? ecol : 0, "json-syntax",
                          "%s at line %" PRIu64 ", column %" PRIu64, st->p.err, eline, ecol);
            s = resync(in, st, eline != line0, col0);
            return s == LW_OK ? LW_EFORMAT : s;
        }

        const char *d = lw_reader_data(rd);
        const lw_json_tok *root = &st->p.toks[0];
        if (root->type != LW_JSON_OBJECT) {
            lw_input_skip(in, line0, col0 + 1, "json-not-object", "record is %s, not an object",
                          type_name(root->type));
            advance(in, st, end);
            return LW_EFORMAT;
        }
        rec r = {in, d, st->p.toks, ev, in->want ? &st->wc : NULL};
        st->wc.want = in->want;
        ev->record = line0;
        s = decode_record(&r);
        if (s == LW_OK && ev->product != LW_PRODUCT_WINDOWS) {
            if (!st->not_windows++)
                st->first_not_windows = line0;
            st->raw_text |= raw_text(&r) != NONE;
        }
        /* The views stay valid: consuming does not move the window, only a fill does. */
        if (st->p.ws) {
            advance(in, st, end);
        } else { /* no whitespace in the record, so no newline to count */
            st->col += end;
            lw_reader_consume(rd, end);
        }
        return s;
    }

too_large : {
    /* Multi-line (pretty) when the part of the record we saw spans lines. */
    bool multi = memchr(lw_reader_data(rd), '\n', span) != NULL;
    lw_input_skip(in, st->line, st->col + 1, "record-too-large",
                  "JSON record larger than %zu bytes", in->max_record);
    lw_status s = resync(in, st, multi, st->col);
    return s == LW_OK ? LW_EFORMAT : s;
}
}

const lw_decoder lw_decoder_json = {
    .name = "json",
    .sniff = json_sniff,
    .open = json_open,
    .next = json_next,
    .close = json_close,
};
