/*
 * Windows event XML parser (see xml-event.h for what maps to what).
 *
 * A recursive-descent walk over one <Event> element with a cursor; no tree is built.
 * Element content is scanned once to find its end and whether it is a plain text run;
 * only content with entities, CDATA, comments or child elements is scanned a second time
 * to decode it into ev->arena (the decoded text is never longer than the raw content,
 * so one allocation of the raw length suffices).
 */
#include "xml-event.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct xp {
    const char *s;
    size_t n, i;
    lw_event *ev;
    const lw_want *want; /* NULL: every event is wanted */
    bool skip_data;      /* System said no rule wants this event: validate data only */
    unsigned flags;
    int depth;
    const char *err;
    size_t err_off;
    bool oom;
} xp;

/* A parsed start tag: name and where its attributes are (rescanned on lookup, which is
 * cheaper than storing them all for the few attributes Windows events have). */
typedef struct xtag {
    lw_str qname; /* as written, e.g. "e:Data" (end tags must match it) */
    lw_str local; /* after the last ':' */
    size_t off;   /* offset of '<' */
    size_t attrs_beg, attrs_end;
    bool empty; /* self-closing <x/> */
} xtag;

static lw_status fail(xp *x, size_t off, const char *msg)
{
    if (!x->err) {
        x->err = msg;
        x->err_off = off;
    }
    return LW_EFORMAT;
}

static lw_status nomem(xp *x)
{
    x->oom = true;
    return LW_ENOMEM;
}

static inline bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline bool is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static inline bool is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static inline bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline bool at(const xp *x, size_t i, const char *lit, size_t len)
{
    return i <= x->n && x->n - i >= len && memcmp(x->s + i, lit, len) == 0;
}
#define AT(x, i, lit) at((x), (i), (lit), sizeof(lit) - 1)

static void skip_ws(xp *x)
{
    while (x->i < x->n && is_ws((unsigned char)x->s[x->i]))
        x->i++;
}

/* Move past the first occurrence of term at or after x->i; false if there is none. */
static bool skip_past(xp *x, const char *term, size_t tlen)
{
    const char *p = memmem(x->s + x->i, x->n - x->i, term, tlen);
    if (!p)
        return false;
    x->i = (size_t)(p - x->s) + tlen;
    return true;
}

/* Read a name at x->i; returns false (no error recorded) when there is none. */
static bool read_name(xp *x, lw_str *qname, lw_str *local)
{
    size_t b = x->i;
    if (b >= x->n || !is_name_start((unsigned char)x->s[b]))
        return false;
    size_t e = b + 1, colon = SIZE_MAX;
    while (e < x->n && is_name_char((unsigned char)x->s[e])) {
        if (x->s[e] == ':')
            colon = e;
        e++;
    }
    if (x->s[b] == ':')
        colon = b;
    *qname = (lw_str){x->s + b, e - b};
    if (colon != SIZE_MAX && colon + 1 < e)
        *local = (lw_str){x->s + colon + 1, e - colon - 1};
    else
        *local = *qname;
    x->i = e;
    return true;
}

/* Parse a start tag at x->i (which is '<' followed by a name start). */
static lw_status parse_start_tag(xp *x, xtag *t)
{
    t->off = x->i;
    x->i++;
    if (!read_name(x, &t->qname, &t->local))
        return fail(x, t->off, "invalid element name");
    t->attrs_beg = x->i;
    t->empty = false;
    int nattrs = 0;
    for (;;) {
        size_t before = x->i;
        skip_ws(x);
        if (x->i >= x->n)
            return fail(x, t->off, "unterminated start tag");
        char c = x->s[x->i];
        if (c == '>') {
            t->attrs_end = x->i;
            x->i++;
            return LW_OK;
        }
        if (c == '/') {
            if (x->i + 1 >= x->n || x->s[x->i + 1] != '>')
                return fail(x, x->i, "expected '>' after '/'");
            t->attrs_end = x->i;
            t->empty = true;
            x->i += 2;
            return LW_OK;
        }
        if (x->i == before)
            return fail(x, x->i, "expected whitespace before attribute");
        lw_str an, al;
        size_t aoff = x->i;
        if (!read_name(x, &an, &al))
            return fail(x, x->i, "invalid attribute name");
        if (++nattrs > LW_XML_MAX_ATTRS)
            return fail(x, aoff, "too many attributes");
        skip_ws(x);
        if (x->i >= x->n || x->s[x->i] != '=')
            return fail(x, x->i, "expected '=' after attribute name");
        x->i++;
        skip_ws(x);
        if (x->i >= x->n || (x->s[x->i] != '"' && x->s[x->i] != '\''))
            return fail(x, x->i, "expected quoted attribute value");
        char q = x->s[x->i++];
        const char *e = memchr(x->s + x->i, q, x->n - x->i);
        if (!e)
            return fail(x, aoff, "unterminated attribute value");
        if (memchr(x->s + x->i, '<', (size_t)(e - (x->s + x->i))))
            return fail(x, x->i, "'<' in attribute value");
        x->i = (size_t)(e - x->s) + 1;
    }
}

/* Find attribute local name `want` in an already validated tag; raw value (undecoded). */
static bool tag_attr(const xp *x, const xtag *t, const char *want, lw_str *raw)
{
    size_t i = t->attrs_beg, end = t->attrs_end;
    size_t wl = strlen(want);
    while (i < end) {
        while (i < end && is_ws((unsigned char)x->s[i]))
            i++;
        size_t nb = i, colon = SIZE_MAX;
        while (i < end && x->s[i] != '=' && !is_ws((unsigned char)x->s[i])) {
            if (x->s[i] == ':')
                colon = i;
            i++;
        }
        size_t lb = colon != SIZE_MAX ? colon + 1 : nb;
        size_t ll = i - lb;
        while (i < end && x->s[i] != '"' && x->s[i] != '\'')
            i++;
        if (i >= end)
            return false;
        char q = x->s[i++];
        size_t vb = i;
        while (i < end && x->s[i] != q)
            i++;
        if (ll == wl && memcmp(x->s + lb, want, wl) == 0) {
            *raw = (lw_str){x->s + vb, i - vb};
            return true;
        }
        i++;
    }
    return false;
}

/* ---- text decoding ----------------------------------------------------------------- */

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode one entity at p[0] == '&' (len bytes available).  Writes the replacement to o
 * (at most 4 bytes, never more than the entity's own length) and returns the number of
 * input bytes used, or 0 when it is not a valid entity (the caller keeps '&' literally). */
static size_t decode_entity(const char *p, size_t len, char *o, size_t *olen)
{
    size_t lim = len < 12 ? len : 12;
    const char *semi = memchr(p, ';', lim);
    if (!semi)
        return 0;
    size_t el = (size_t)(semi - p) + 1; /* including '&' and ';' */
    const char *b = p + 1;
    size_t bl = el - 2;
    static const struct {
        const char *name;
        char c;
    } named[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        if (strlen(named[k].name) == bl && memcmp(b, named[k].name, bl) == 0) {
            o[0] = named[k].c;
            *olen = 1;
            return el;
        }
    }
    if (bl < 2 || b[0] != '#')
        return 0;
    uint32_t cp = 0;
    size_t k = 1;
    bool hex = b[1] == 'x' || b[1] == 'X';
    if (hex)
        k = 2;
    if (k >= bl)
        return 0;
    for (; k < bl; k++) {
        unsigned char c = (unsigned char)b[k];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (hex && c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return 0;
        cp = cp * (hex ? 16 : 10) + d;
        if (cp > 0x10FFFF)
            return 0;
    }
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    size_t ol = put_utf8(o, cp);
    if (ol > el) /* cannot happen (&#N; is >= 4 bytes for 1-4 byte results) */
        return 0;
    *olen = ol;
    return el;
}

/* Append the text p[0..len) to out with entities decoded. */
static void decode_text(const char *p, size_t len, char *out, size_t *on)
{
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(p + i, '&', len - i);
        size_t run = amp ? (size_t)(amp - (p + i)) : len - i;
        memcpy(out + *on, p + i, run);
        *on += run;
        i += run;
        if (i >= len)
            break;
        size_t ol = 0;
        size_t used = decode_entity(p + i, len - i, out + *on, &ol);
        if (used) {
            *on += ol;
            i += used;
        } else {
            out[(*on)++] = '&';
            i++;
        }
    }
}

/* ---- element content --------------------------------------------------------------- */

static lw_status enter(xp *x, size_t off)
{
    if (++x->depth > LW_XML_MAX_DEPTH)
        return fail(x, off, "elements nested too deeply");
    return LW_OK;
}

/*
 * Scan the content of t (start tag already read) up to and past its end tag.
 * out == NULL: validate only; *simple says whether the content is one plain text run
 * (no entity, CDATA, comment, PI or child element), *has_children whether it has elements.
 * out != NULL: append the decoded text (children's text excluded) to out at *on.
 */
static lw_status scan_content(xp *x, const xtag *t, char *out, size_t *on, bool *simple,
                              bool *has_children, size_t *content_end)
{
    lw_status st = enter(x, t->off);
    if (st)
        return st;
    int pieces = 0;
    for (;;) {
        const char *lt = memchr(x->s + x->i, '<', x->n - x->i);
        if (!lt)
            return fail(x, t->off, "element not closed");
        size_t li = (size_t)(lt - x->s);
        if (li > x->i) {
            size_t len = li - x->i;
            pieces++;
            if (out)
                decode_text(x->s + x->i, len, out, on);
            else if (memchr(x->s + x->i, '&', len))
                *simple = false;
        }
        x->i = li;
        if (AT(x, li, "</")) {
            x->i += 2;
            lw_str qn, ln;
            if (!read_name(x, &qn, &ln))
                return fail(x, li, "invalid end tag");
            if (!lw_str_eq(qn, t->qname))
                return fail(x, li, "mismatched end tag");
            skip_ws(x);
            if (x->i >= x->n || x->s[x->i] != '>')
                return fail(x, li, "unterminated end tag");
            x->i++;
            if (content_end)
                *content_end = li;
            break;
        } else if (AT(x, li, "<!--")) {
            x->i += 4;
            if (!skip_past(x, "-->", 3))
                return fail(x, li, "unterminated comment");
            *simple = false;
        } else if (AT(x, li, "<![CDATA[")) {
            x->i += 9;
            size_t cb = x->i;
            if (!skip_past(x, "]]>", 3))
                return fail(x, li, "unterminated CDATA section");
            if (out) {
                memcpy(out + *on, x->s + cb, x->i - 3 - cb);
                *on += x->i - 3 - cb;
            }
            *simple = false;
        } else if (AT(x, li, "<?")) {
            x->i += 2;
            if (!skip_past(x, "?>", 2))
                return fail(x, li, "unterminated processing instruction");
            *simple = false;
        } else if (AT(x, li, "<!")) {
            return fail(x, li, "unexpected markup declaration");
        } else {
            xtag c;
            st = parse_start_tag(x, &c);
            if (st)
                return st;
            *has_children = true;
            *simple = false;
            if (!c.empty) {
                bool s2 = true, h2 = false;
                st = scan_content(x, &c, NULL, NULL, &s2, &h2, NULL);
                if (st)
                    return st;
            }
        }
    }
    if (pieces > 1)
        *simple = false;
    x->depth--;
    return LW_OK;
}

/* Read the text value of t and move past its end tag.  The value is a view into the input
 * when the content is one plain run, else a decoded copy in the event arena. */
static lw_status read_value(xp *x, const xtag *t, lw_str *val, bool *has_children)
{
    bool hc = false;
    if (has_children)
        *has_children = false;
    if (t->empty) {
        *val = (lw_str){x->s + x->i, 0};
        return LW_OK;
    }
    size_t beg = x->i, end = 0;
    bool simple = true;
    lw_status st = scan_content(x, t, NULL, NULL, &simple, &hc, &end);
    if (st)
        return st;
    if (has_children)
        *has_children = hc;
    if (simple) {
        *val = (lw_str){x->s + beg, end - beg};
        return LW_OK;
    }
    size_t after = x->i;
    char *buf = lw_arena_alloc(&x->ev->arena, end - beg + 1);
    if (!buf)
        return nomem(x);
    size_t on = 0;
    x->i = beg;
    st = scan_content(x, t, buf, &on, &simple, &hc, NULL);
    if (st) /* cannot happen: the first pass validated the same bytes */
        return st;
    buf[on] = '\0';
    x->i = after;
    *val = (lw_str){buf, on};
    return LW_OK;
}

static lw_status skip_rest(xp *x, const xtag *t)
{
    if (t->empty)
        return LW_OK;
    bool simple = true, hc = false;
    return scan_content(x, t, NULL, NULL, &simple, &hc, NULL);
}

/* Decode an attribute value (a view unless it holds an entity). */
static lw_status attr_value(xp *x, lw_str raw, lw_str *out)
{
    if (!memchr(raw.p, '&', raw.n)) {
        *out = raw;
        return LW_OK;
    }
    char *buf = lw_arena_alloc(&x->ev->arena, raw.n + 1);
    if (!buf)
        return nomem(x);
    size_t on = 0;
    decode_text(raw.p, raw.n, buf, &on);
    buf[on] = '\0';
    *out = (lw_str){buf, on};
    return LW_OK;
}

/*
 * Next child element of container t: skips whitespace, stray text, comments, PIs and
 * CDATA between children.  Returns LW_OK with *done set at t's end tag (consumed), or
 * with c filled at a child start tag (the caller must consume the child).
 */
static lw_status next_child(xp *x, const xtag *t, xtag *c, bool *done)
{
    *done = false;
    for (;;) {
        const char *lt = memchr(x->s + x->i, '<', x->n - x->i);
        if (!lt)
            return fail(x, t->off, "element not closed");
        size_t li = (size_t)(lt - x->s);
        x->i = li;
        if (AT(x, li, "</")) {
            x->i += 2;
            lw_str qn, ln;
            if (!read_name(x, &qn, &ln))
                return fail(x, li, "invalid end tag");
            if (!lw_str_eq(qn, t->qname))
                return fail(x, li, "mismatched end tag");
            skip_ws(x);
            if (x->i >= x->n || x->s[x->i] != '>')
                return fail(x, li, "unterminated end tag");
            x->i++;
            *done = true;
            return LW_OK;
        } else if (AT(x, li, "<!--")) {
            x->i += 4;
            if (!skip_past(x, "-->", 3))
                return fail(x, li, "unterminated comment");
        } else if (AT(x, li, "<![CDATA[")) {
            x->i += 9;
            if (!skip_past(x, "]]>", 3))
                return fail(x, li, "unterminated CDATA section");
        } else if (AT(x, li, "<?")) {
            x->i += 2;
            if (!skip_past(x, "?>", 2))
                return fail(x, li, "unterminated processing instruction");
        } else if (AT(x, li, "<!")) {
            return fail(x, li, "unexpected markup declaration");
        } else {
            return parse_start_tag(x, c);
        }
    }
}

/* ---- values and fields ------------------------------------------------------------- */

static bool is_guid36(const char *p)
{
    for (int k = 0; k < 36; k++) {
        unsigned char c = (unsigned char)p[k];
        if (k == 8 || k == 13 || k == 18 || k == 23) {
            if (c != '-')
                return false;
        } else if (!is_hex(c)) {
            return false;
        }
    }
    return true;
}

/* evtx_dump's rendering of a value (see xml-event.h); returns a view or an arena copy. */
static lw_status normalize_value(xp *x, lw_str name, lw_str v, lw_str *out)
{
    if (!(x->flags & LW_XML_EVTX_DUMP_VALUES)) {
        *out = v;
        return LW_OK;
    }
    v = lw_str_trim(v);
    /* Only fields named *Guid are taken to be win:GUID typed: a string value that happens
     * to be a braced GUID (a registry Details value) keeps its braces, as in evtx_dump. */
    if (v.n == 38 && lw_str_iends(name, LW_STR_LIT("guid")) && v.p[0] == '{' && v.p[37] == '}' &&
        is_guid36(v.p + 1)) {
        *out = (lw_str){v.p + 1, 36};
        return LW_OK;
    }
    if ((v.n == 10 || v.n == 18) && v.p[0] == '0' && v.p[1] == 'x' && v.p[2] == '0') {
        size_t k = 2;
        bool hex = true;
        for (size_t j = 2; j < v.n; j++)
            hex = hex && is_hex((unsigned char)v.p[j]);
        if (hex) {
            while (k < v.n - 1 && v.p[k] == '0')
                k++;
            char *b = lw_arena_alloc(&x->ev->arena, v.n - k + 3);
            if (!b)
                return nomem(x);
            b[0] = '0';
            b[1] = 'x';
            memcpy(b + 2, v.p + k, v.n - k);
            b[2 + v.n - k] = '\0';
            *out = (lw_str){b, 2 + v.n - k};
            return LW_OK;
        }
    }
    *out = v;
    return LW_OK;
}

static lw_status add_field(xp *x, lw_str name, lw_str value)
{
    lw_str v;
    lw_status st = normalize_value(x, name, value, &v);
    if (st)
        return st;
    if (lw_event_add(x->ev, name, v, 0) != LW_OK)
        return nomem(x);
    return LW_OK;
}

/* Emit the leaves under container t as fields named by their local names. */
static lw_status flatten(xp *x, const xtag *t)
{
    lw_status st = enter(x, t->off);
    if (st)
        return st;
    for (;;) {
        xtag c;
        bool done;
        st = next_child(x, t, &c, &done);
        if (st)
            return st;
        if (done)
            break;
        size_t pos = x->i;
        lw_str v;
        bool hc;
        st = read_value(x, &c, &v, &hc);
        if (st)
            return st;
        if (hc) {
            x->i = pos;
            st = flatten(x, &c);
        } else {
            st = add_field(x, c.local, v);
        }
        if (st)
            return st;
    }
    x->depth--;
    return LW_OK;
}

static lw_status parse_userdata(xp *x, const xtag *t)
{
    if (t->empty)
        return LW_OK;
    return flatten(x, t);
}

static lw_status parse_rendering(xp *x, const xtag *t)
{
    if (t->empty)
        return LW_OK;
    lw_status st = enter(x, t->off);
    if (st)
        return st;
    for (;;) {
        xtag c;
        bool done;
        st = next_child(x, t, &c, &done);
        if (st)
            return st;
        if (done)
            break;
        if (lw_str_eq_c(c.local, "Message")) {
            lw_str v;
            st = read_value(x, &c, &v, NULL);
            if (!st && lw_event_add(x->ev, LW_STR_LIT("Message"), v, 0) != LW_OK)
                st = nomem(x);
        } else {
            st = skip_rest(x, &c);
        }
        if (st)
            return st;
    }
    x->depth--;
    return LW_OK;
}

static const char *const param_names[] = {
    "param1",  "param2",  "param3",  "param4",  "param5",  "param6",  "param7",  "param8",
    "param9",  "param10", "param11", "param12", "param13", "param14", "param15", "param16",
    "param17", "param18", "param19", "param20", "param21", "param22", "param23", "param24",
    "param25", "param26", "param27", "param28", "param29", "param30", "param31", "param32",
};

static lw_status param_name(xp *x, uint32_t k, lw_str *name)
{
    if (k < sizeof param_names / sizeof param_names[0]) {
        *name = lw_str_c(param_names[k]);
        return LW_OK;
    }
    char tmp[24];
    lw_fmt(tmp, sizeof tmp, "param%u", (unsigned)(k + 1));
    size_t l = strlen(tmp);
    char *p = lw_arena_strndup(&x->ev->arena, tmp, l);
    if (!p)
        return nomem(x);
    *name = (lw_str){p, l};
    return LW_OK;
}

static lw_status parse_eventdata(xp *x, const xtag *t)
{
    if (t->empty)
        return LW_OK;
    lw_status st = enter(x, t->off);
    if (st)
        return st;
    uint32_t first_field = x->ev->nfields, nunnamed = 0;
    size_t joined_len = 0;
    for (;;) {
        xtag c;
        bool done;
        st = next_child(x, t, &c, &done);
        if (st)
            return st;
        if (done)
            break;
        lw_str v, raw, name;
        st = read_value(x, &c, &v, NULL);
        if (st)
            return st;
        if (lw_str_eq_c(c.local, "Data")) {
            if (tag_attr(x, &c, "Name", &raw) && raw.n > 0) {
                st = attr_value(x, raw, &name);
            } else {
                st = param_name(x, nunnamed++, &name);
                if (!st) {
                    lw_str nv;
                    st = normalize_value(x, name, v, &nv);
                    v = nv;
                    joined_len += v.n + 1;
                }
            }
        } else {
            name = c.local; /* Binary, or anything else a provider writes */
        }
        if (!st)
            st = add_field(x, name, v);
        if (st)
            return st;
    }
    x->depth--;
    if (nunnamed == 0)
        return LW_OK;
    /* "Data": every unnamed value joined by "\n" (the param fields, in order). */
    char *buf = NULL;
    size_t on = 0;
    lw_str joined = LW_STR_NULL;
    for (uint32_t k = first_field; k < x->ev->nfields; k++) {
        const lw_field *f = &x->ev->fields[k];
        if (!lw_str_istarts(f->name, LW_STR_LIT("param")))
            continue;
        if (nunnamed == 1) {
            joined = f->value;
            break;
        }
        if (!buf) {
            buf = lw_arena_alloc(&x->ev->arena, joined_len + 1);
            if (!buf)
                return nomem(x);
        }
        if (on)
            buf[on++] = '\n';
        if (on + f->value.n > joined_len)
            break; /* a named "paramN" Data also matched: keep what fits */
        memcpy(buf + on, f->value.p, f->value.n);
        on += f->value.n;
    }
    if (buf) {
        buf[on] = '\0';
        joined = (lw_str){buf, on};
    }
    if (lw_event_add(x->ev, LW_STR_LIT("Data"), joined, 0) != LW_OK)
        return nomem(x);
    return LW_OK;
}

static lw_status parse_system(xp *x, const xtag *t)
{
    if (t->empty)
        return LW_OK;
    lw_status st = enter(x, t->off);
    if (st)
        return st;
    lw_event *ev = x->ev;
    for (;;) {
        xtag c;
        bool done;
        st = next_child(x, t, &c, &done);
        if (st)
            return st;
        if (done)
            break;
        lw_str v, raw;
        int64_t num;
        if (lw_str_eq_c(c.local, "Provider")) {
            if (tag_attr(x, &c, "Name", &raw))
                st = attr_value(x, raw, &ev->provider);
            if (!st)
                st = skip_rest(x, &c);
        } else if (lw_str_eq_c(c.local, "TimeCreated")) {
            int64_t ms;
            if (tag_attr(x, &c, "SystemTime", &raw) && attr_value(x, raw, &v) == LW_OK &&
                lw_parse_time(v, &ms))
                ev->time_ms = ms;
            if (!x->oom)
                st = skip_rest(x, &c);
            else
                st = LW_ENOMEM;
        } else if (lw_str_eq_c(c.local, "EventID")) {
            st = read_value(x, &c, &v, NULL);
            if (!st && lw_str_to_i64(v, &num) && num >= 0 && num <= INT32_MAX)
                ev->event_id = (int32_t)num;
        } else if (lw_str_eq_c(c.local, "EventRecordID")) {
            st = read_value(x, &c, &v, NULL);
            if (!st && lw_str_to_i64(v, &num) && num >= 0)
                ev->record = (uint64_t)num;
        } else if (lw_str_eq_c(c.local, "Channel")) {
            st = read_value(x, &c, &v, NULL);
            if (!st)
                ev->channel = lw_str_trim(v);
        } else if (lw_str_eq_c(c.local, "Computer")) {
            st = read_value(x, &c, &v, NULL);
            if (!st)
                ev->host = lw_str_trim(v);
        } else {
            st = skip_rest(x, &c);
        }
        if (st)
            return st;
    }
    x->depth--;
    return LW_OK;
}

/* Skip BOM, whitespace, XML declaration, comments and a DOCTYPE without internal subset. */
static lw_status skip_prolog(xp *x)
{
    if (AT(x, 0, "\xEF\xBB\xBF"))
        x->i = 3;
    for (;;) {
        skip_ws(x);
        size_t li = x->i;
        if (AT(x, li, "<?")) {
            x->i += 2;
            if (!skip_past(x, "?>", 2))
                return fail(x, li, "unterminated processing instruction");
        } else if (AT(x, li, "<!--")) {
            x->i += 4;
            if (!skip_past(x, "-->", 3))
                return fail(x, li, "unterminated comment");
        } else if (AT(x, li, "<!DOCTYPE")) {
            const char *gt = memchr(x->s + li, '>', x->n - li);
            const char *br = memchr(x->s + li, '[', x->n - li);
            if (!gt)
                return fail(x, li, "unterminated DOCTYPE");
            if (br && br < gt)
                return fail(x, li, "DTD internal subset not supported");
            x->i = (size_t)(gt - x->s) + 1;
        } else {
            return LW_OK;
        }
    }
}

lw_status lw_xml_event_parse(const char *s, size_t n, lw_event *ev, unsigned flags,
                             lw_xml_error *err)
{
    return lw_xml_event_parse_want(s, n, ev, flags, NULL, err);
}

lw_status lw_xml_event_parse_want(const char *s, size_t n, lw_event *ev, unsigned flags,
                                  const lw_want *want, lw_xml_error *err)
{
    xp x = {.s = s ? s : "", .n = s ? n : 0, .ev = ev, .flags = flags, .want = want};
    lw_status st = skip_prolog(&x);
    xtag t;
    if (!st) {
        if (x.i >= x.n || x.s[x.i] != '<' || x.i + 1 >= x.n ||
            !is_name_start((unsigned char)x.s[x.i + 1]))
            st = fail(&x, x.i, "expected <Event>");
        else
            st = parse_start_tag(&x, &t);
    }
    if (!st && !lw_str_eq_c(t.local, "Event"))
        st = fail(&x, t.off, "root element is not <Event>");
    if (!st && t.empty)
        st = fail(&x, t.off, "empty <Event/>");
    if (!st)
        st = enter(&x, t.off);
    ev->product = LW_PRODUCT_WINDOWS;
    while (!st) {
        xtag c;
        bool done;
        st = next_child(&x, &t, &c, &done);
        if (st || done)
            break;
        if (lw_str_eq_c(c.local, "System")) {
            st = parse_system(&x, &c);
            if (!st && want && !lw_want_event(want, ev->channel, ev->provider, ev->event_id))
                x.skip_data = true;
        } else if (x.skip_data)
            st = skip_rest(&x, &c); /* validates exactly what the field walk would */
        else if (lw_str_eq_c(c.local, "EventData"))
            st = parse_eventdata(&x, &c);
        else if (lw_str_eq_c(c.local, "UserData"))
            st = parse_userdata(&x, &c);
        else if (lw_str_eq_c(c.local, "RenderingInfo"))
            st = parse_rendering(&x, &c);
        else
            st = skip_rest(&x, &c);
    }
    if (x.oom)
        st = LW_ENOMEM;
    /* System after the data (unusual): the fields were built, but the event is still
     * one no rule wants. */
    if (!st && want && !lw_want_event(want, ev->channel, ev->provider, ev->event_id))
        x.skip_data = true;
    if (!st && x.skip_data) {
        ev->partial = true;
        ev->nfields = 0; /* a partial event has no fields, whatever came before System */
    }
    if (st == LW_EFORMAT && err) {
        err->offset = x.err_off;
        err->msg = x.err ? x.err : "invalid XML";
    }
    return st;
}
