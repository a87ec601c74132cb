/*
 * Native EVTX decoder (see evtx-native.h for the contract).
 *
 * One chunk at a time is copied out of the reader window into s->chunk (64 KiB), so names,
 * templates and values can be read by chunk offset for as long as the chunk is current.
 * Binary XML is parsed into small trees of nodes: template definitions into the chunk's
 * pool (parsed once per chunk, cached by their offset), everything else (the record's own
 * fragment, nested BinXml values) into the record's pool, reset per record.  A tree is
 * then rendered to XML text with the substitution values of its template instance, and
 * xml-event.c parses that text.  All offsets are chunk offsets checked against the range
 * being read (record, template or value) before any byte is touched.
 */
#include "evtx-native.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../core/str.h"
#include "xml-event.h"

#define FILE_HDR          4096u
#define CHUNK_SIZE        65536u
#define CHUNK_HDR         512u
#define REC_HDR           24u
#define MAX_RENDER_XML    (16u << 20) /* cap when the input has no record limit */
#define MAX_WORK          (4u << 20)  /* node visits per record */
#define MAX_VALUES        65536u      /* substitution values per record (all instances) */
#define NAME_HDR          8u          /* next offset (4), hash (2), character count (2) */
#define TEMPLATE_HDR      24u         /* next offset (4), GUID (16), data size (4) */
#define TEMPLATE_INSTANCE 10u         /* token, unknown, identifier (4), offset (4) */
#define BAD_CHUNK_ID_GAP  64u         /* damaged chunk header: most ids a chain may skip */

/* Binary XML tokens (the 0x40 bit is a "more" flag on some of them). */
enum {
    T_EOF = 0x00,
    T_OPEN = 0x01,
    T_CLOSE_START = 0x02,
    T_CLOSE_EMPTY = 0x03,
    T_END = 0x04,
    T_VALUE = 0x05,
    T_ATTR = 0x06,
    T_CDATA = 0x07,
    T_CHARREF = 0x08,
    T_ENTREF = 0x09,
    T_PI_TARGET = 0x0a,
    T_PI_DATA = 0x0b,
    T_TEMPLATE = 0x0c,
    T_SUBST = 0x0d,
    T_OPT_SUBST = 0x0e,
    T_FRAGMENT = 0x0f,
};

/* Value types (0x80: array of). */
enum {
    V_NULL = 0x00,
    V_STRING = 0x01,
    V_ANSI = 0x02,
    V_I8 = 0x03,
    V_U8 = 0x04,
    V_I16 = 0x05,
    V_U16 = 0x06,
    V_I32 = 0x07,
    V_U32 = 0x08,
    V_I64 = 0x09,
    V_U64 = 0x0a,
    V_R32 = 0x0b,
    V_R64 = 0x0c,
    V_BOOL = 0x0d,
    V_BINARY = 0x0e,
    V_GUID = 0x0f,
    V_SIZET = 0x10,
    V_FILETIME = 0x11,
    V_SYSTEMTIME = 0x12,
    V_SID = 0x13,
    V_HEX32 = 0x14,
    V_HEX64 = 0x15,
    V_BINXML = 0x21,
    V_ARRAY = 0x80,
};

enum { N_ELEM = 1, N_ATTR, N_TEXT, N_CDATA, N_CHARREF, N_ENTREF, N_PI, N_SUBST, N_INST };

/* One node of a parsed binary XML tree; index 0 of a pool means "none". */
typedef struct bnode {
    uint8_t kind;
    uint8_t opt;   /* N_SUBST: optional substitution */
    uint16_t u16;  /* N_SUBST: substitution index; N_CHARREF: the character */
    uint32_t a, b; /* name (string pool offset, length) for N_ELEM, N_ATTR, N_ENTREF, N_PI;
                      N_TEXT/N_CDATA/N_PI data: chunk offset of UTF-16 text, characters;
                      N_INST: template index, first value index */
    uint32_t c;    /* N_INST: number of values; N_PI: data characters (a2 = d) */
    uint32_t d;    /* N_PI: data chunk offset */
    uint32_t attrs, kids, next;
} bnode;

typedef struct pool {
    bnode *v;
    uint32_t n, cap;
} pool;

/* A substitution value of the current record: type and chunk range. */
typedef struct bval {
    uint8_t type;
    uint8_t busy; /* BinXml value being rendered */
    uint32_t off, size;
    uint32_t parsed; /* BinXml: first node of its parsed fragment in the record pool + 1 */
} bval;

typedef struct tmpl {
    uint32_t def_off;
    uint32_t root; /* first node in the chunk pool */
    uint8_t state; /* T_BUSY while being parsed, T_OK, T_BAD */
} tmpl;
enum { TS_BUSY = 1, TS_OK, TS_BAD };

typedef struct slot {
    uint32_t gen;
    uint32_t a, b; /* names: string pool offset and length; templates: index */
} slot;

typedef struct nat {
    uint8_t *chunk; /* CHUNK_SIZE bytes */
    uint32_t clen;  /* bytes of the current chunk present (less when the file is cut) */
    uint64_t chunk_no;
    bool have_chunk, bad_chunk;
    bool chained;        /* bad chunk: a record of its chain has been met */
    uint64_t chain_last; /* bad chunk: that record's id */
    uint32_t pos, limit; /* next record offset; end of the records area */
    uint64_t first_rec, last_rec, rec_in_chunk;
    uint32_t gen; /* chunk generation for the slot tables */
    slot *names, *tslots;
    char *spool; /* names, UTF-8 (chunk lifetime) */
    uint32_t spn, spcap;
    tmpl *t;
    uint32_t nt, tcap;
    pool cp, rp; /* chunk pool (templates), record pool */
    bval *vals;
    uint32_t nv, vcap;
    /* current record */
    uint64_t rec_id;
    uint32_t rec_off, rec_end;
    const char *err; /* what was wrong with the record */
    char errbuf[200];
    uint32_t err_off;
    bool oom;
    uint32_t work;
    int depth;
    lw_buf out;
    size_t out_cap;
    bool eof_warned, read_error;
    uint64_t header_chunks;
    lw_evtx_native_stats st;
} nat;

static inline uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

/* Record the first problem of the current record (at chunk offset off). */
static bool bad(nat *s, uint32_t off, const char *msg)
{
    if (!s->err) {
        s->err = msg;
        s->err_off = off;
    }
    return false;
}

static bool badf(nat *s, uint32_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool badf(nat *s, uint32_t off, const char *fmt, ...)
{
    if (!s->err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->errbuf, sizeof s->errbuf, fmt, ap);
        va_end(ap);
        s->err = s->errbuf;
        s->err_off = off;
    }
    return false;
}

static bool nomem(nat *s)
{
    s->oom = true;
    return bad(s, 0, "out of memory");
}

/* A cursor over chunk bytes [pos, end). */
typedef struct cur {
    uint32_t pos, end;
} cur;

static inline bool need(nat *s, const cur *c, uint32_t n, const char *what)
{
    if (c->pos > c->end || c->end - c->pos < n)
        return badf(s, c->pos, "%s: %u bytes needed, %u left", what, n,
                    c->pos <= c->end ? c->end - c->pos : 0);
    return true;
}

/* ---- pools -------------------------------------------------------------------------- */

static uint32_t new_node(nat *s, pool *p, uint8_t kind)
{
    if (p->n == p->cap) {
        uint32_t ncap = p->cap ? p->cap * 2 : 1024;
        bnode *nv = realloc(p->v, (size_t)ncap * sizeof *nv);
        if (!nv) {
            nomem(s);
            return 0;
        }
        p->v = nv;
        p->cap = ncap;
    }
    if (p->n == 0)
        p->v[p->n++] = (bnode){0}; /* index 0: none */
    uint32_t i = p->n++;
    p->v[i] = (bnode){.kind = kind};
    return i;
}

/* Append child i to the list whose head and tail are first and last. */
static inline void link_node(pool *p, uint32_t *first, uint32_t *last, uint32_t i)
{
    if (*last)
        p->v[*last].next = i;
    else
        *first = i;
    *last = i;
}

/* ---- UTF-16 to UTF-8, XML escaping --------------------------------------------------- */

enum { ESC_NONE, ESC_TEXT, ESC_ATTR };

static inline void put_escaped_byte(lw_buf *o, char ch, int esc)
{
    if (esc != ESC_NONE) {
        if (ch == '&') {
            lw_buf_put(o, "&amp;", 5);
            return;
        }
        if (ch == '<') {
            lw_buf_put(o, "&lt;", 4);
            return;
        }
        if (ch == '>') {
            lw_buf_put(o, "&gt;", 4);
            return;
        }
        if (ch == '"' && esc == ESC_ATTR) {
            lw_buf_put(o, "&quot;", 6);
            return;
        }
    }
    lw_buf_putc(o, ch);
}

static void put_cp(lw_buf *o, uint32_t cp, int esc)
{
    char b[4];
    if (cp < 0x80) {
        put_escaped_byte(o, (char)cp, esc);
        return;
    }
    size_t n;
    if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    lw_buf_put(o, b, n);
}

/* Write code point cp (< 0x110000, not a surrogate) as UTF-8 at w; returns the end. */
static inline char *utf8_at(char *w, uint32_t cp)
{
    if (cp < 0x800) {
        *w++ = (char)(0xc0 | (cp >> 6));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xe0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
    } else {
        *w++ = (char)(0xf0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3f));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
    }
    *w++ = (char)(0x80 | (cp & 0x3f));
    return w;
}

/* Append nchars UTF-16LE characters at p, stopping at a NUL when stop_nul; unpaired
 * surrogates become U+FFFD.  Written in place after one reservation (at most 6 bytes per
 * UTF-16 unit: "&quot;"), as this is the hot loop of the decoder. */
static void put_utf16(lw_buf *o, const uint8_t *p, size_t nchars, int esc, bool stop_nul)
{
    if (!lw_buf_reserve(o, nchars * 6 + 1))
        return;
    char *w = o->p + o->n;
    for (size_t i = 0; i < nchars; i++) {
        uint32_t c = le16(p + 2 * i);
        if (c < 0x80) {
            if (c == 0 && stop_nul)
                break;
            if (esc != ESC_NONE && (c == '&' || c == '<' || c == '>' || c == '"')) {
                const char *e = c == '&'          ? "&amp;"
                                : c == '<'        ? "&lt;"
                                : c == '>'        ? "&gt;"
                                : esc == ESC_ATTR ? "&quot;"
                                                  : "\"";
                size_t l = strlen(e);
                memcpy(w, e, l);
                w += l;
            } else {
                *w++ = (char)c;
            }
            continue;
        }
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < nchars) {
            uint32_t d = le16(p + 2 * i + 2);
            if (d >= 0xdc00 && d < 0xe000) {
                w = utf8_at(w, 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00));
                i++;
                continue;
            }
        }
        if (c >= 0xd800 && c < 0xe000)
            c = 0xfffd;
        w = utf8_at(w, c);
    }
    o->n = (size_t)(w - o->p);
}

/* ---- names ------------------------------------------------------------------------- */

/* The name at chunk offset off, converted once per chunk; its text is s->spool[out_off, +out_len).
 */
static bool get_name(nat *s, uint32_t off, uint32_t *out_off, uint32_t *out_len, uint32_t *size)
{
    if (off >= s->clen || s->clen - off < NAME_HDR + 2)
        return badf(s, off, "name offset %u out of range", off);
    uint32_t nch = le16(s->chunk + off + 6);
    uint32_t sz = NAME_HDR + 2 * nch + 2;
    if (s->clen - off < sz)
        return badf(s, off, "name at offset %u (%u characters) runs past the chunk", off, nch);
    *size = sz;
    slot *sl = &s->names[off];
    if (sl->gen == s->gen) {
        *out_off = sl->a;
        *out_len = sl->b;
        return true;
    }
    lw_buf tmp = {.p = NULL};
    lw_buf_init(&tmp);
    put_utf16(&tmp, s->chunk + off + NAME_HDR, nch, ESC_NONE, true);
    if (!lw_buf_ok(&tmp)) {
        lw_buf_free(&tmp);
        return nomem(s);
    }
    if (tmp.n == 0) {
        lw_buf_free(&tmp);
        return badf(s, off, "empty name at offset %u", off);
    }
    if (s->spcap - s->spn < tmp.n) {
        size_t ncap = s->spcap ? s->spcap : 4096;
        while (ncap - s->spn < tmp.n)
            ncap *= 2;
        char *np = realloc(s->spool, ncap);
        if (!np) {
            lw_buf_free(&tmp);
            return nomem(s);
        }
        s->spool = np;
        s->spcap = (uint32_t)ncap;
    }
    memcpy(s->spool + s->spn, tmp.p, tmp.n);
    sl->gen = s->gen;
    sl->a = s->spn;
    sl->b = (uint32_t)tmp.n;
    s->spn += (uint32_t)tmp.n;
    lw_buf_free(&tmp);
    *out_off = sl->a;
    *out_len = sl->b;
    return true;
}

/* Read a name reference (4-byte offset at c->pos) and the inline name that follows it when
 * the offset points right after itself. */
static bool read_name_ref(nat *s, cur *c, uint32_t *noff, uint32_t *nlen)
{
    if (!need(s, c, 4, "name offset"))
        return false;
    uint32_t off = le32(s->chunk + c->pos);
    c->pos += 4;
    uint32_t size = 0;
    if (!get_name(s, off, noff, nlen, &size))
        return false;
    if (off == c->pos) {
        if (c->end - c->pos < size)
            return badf(s, c->pos, "inline name runs past its data");
        c->pos += size;
    }
    return true;
}

/* ---- parsing binary XML into trees ------------------------------------------------- */

enum { CTX_ROOT, CTX_CONTENT, CTX_ATTR };

static bool parse_list(nat *s, pool *p, cur *c, int ctx, bool in_template, uint32_t *first);
static bool parse_instance(nat *s, pool *p, cur *c, uint32_t *node);

/* A value token (0x05/0x45): string type, character count, UTF-16 text. */
static bool parse_text(nat *s, pool *p, cur *c, uint32_t *node)
{
    if (!need(s, c, 4, "value token"))
        return false;
    uint8_t type = s->chunk[c->pos + 1];
    if (type != V_STRING)
        return badf(s, c->pos, "value token of type 0x%02x (only strings are defined)", type);
    uint32_t nch = le16(s->chunk + c->pos + 2);
    c->pos += 4;
    if (c->end - c->pos < 2 * nch)
        return badf(s, c->pos, "value text of %u characters runs past its data", nch);
    uint32_t i = new_node(s, p, N_TEXT);
    if (!i)
        return false;
    p->v[i].a = c->pos;
    p->v[i].b = nch;
    c->pos += 2 * nch;
    *node = i;
    return true;
}

static bool parse_subst(nat *s, pool *p, cur *c, uint32_t *node)
{
    if (!need(s, c, 4, "substitution token"))
        return false;
    uint32_t i = new_node(s, p, N_SUBST);
    if (!i)
        return false;
    p->v[i].opt = (s->chunk[c->pos] & 0xbf) == T_OPT_SUBST;
    p->v[i].u16 = le16(s->chunk + c->pos + 1);
    c->pos += 4;
    *node = i;
    return true;
}

static bool parse_element(nat *s, pool *p, cur *c, bool in_template, uint32_t *node)
{
    uint32_t at = c->pos;
    if (++s->depth > LW_EVTX_MAX_DEPTH)
        return badf(s, at, "elements nested deeper than %d", LW_EVTX_MAX_DEPTH);
    uint8_t tok = s->chunk[c->pos];
    /* token, dependency identifier (2, in template definitions), data size (4), name
     * offset.  Elements of a record without a template (and of nested BinXml values) are
     * written without the dependency identifier; when the name offset says otherwise (it
     * points right after itself for an inline name), believe the offset. */
    if (!need(s, c, 9, "element start"))
        return false;
    bool dep = in_template;
    if (c->end - c->pos >= 11) {
        uint32_t no_dep = le32(s->chunk + c->pos + 5), with_dep = le32(s->chunk + c->pos + 7);
        if (no_dep == c->pos + 9)
            dep = false;
        else if (with_dep == c->pos + 11)
            dep = true;
        else if (!in_template)
            dep = no_dep >= c->pos && with_dep < c->pos;
    }
    c->pos += dep ? 7 : 5;
    uint32_t noff, nlen;
    if (!read_name_ref(s, c, &noff, &nlen))
        return false;
    if (tok & 0x40) {
        if (!need(s, c, 4, "attribute list size"))
            return false;
        c->pos += 4;
    }
    uint32_t e = new_node(s, p, N_ELEM);
    if (!e)
        return false;
    p->v[e].a = noff;
    p->v[e].b = nlen;
    uint32_t afirst = 0, alast = 0;
    while (c->pos < c->end && (s->chunk[c->pos] & 0xbf) == T_ATTR) {
        c->pos++;
        uint32_t an, al;
        if (!read_name_ref(s, c, &an, &al))
            return false;
        uint32_t a = new_node(s, p, N_ATTR);
        if (!a)
            return false;
        p->v[a].a = an;
        p->v[a].b = al;
        uint32_t vfirst = 0;
        if (!parse_list(s, p, c, CTX_ATTR, in_template, &vfirst))
            return false;
        p->v[a].kids = vfirst;
        link_node(p, &afirst, &alast, a);
    }
    p->v[e].attrs = afirst;
    if (!need(s, c, 1, "element close token"))
        return false;
    uint8_t t = s->chunk[c->pos] & 0xbf;
    if (t == T_CLOSE_EMPTY) {
        c->pos++;
    } else if (t == T_CLOSE_START) {
        c->pos++;
        uint32_t kids = 0;
        if (!parse_list(s, p, c, CTX_CONTENT, in_template, &kids))
            return false;
        p->v[e].kids = kids;
        if (!need(s, c, 1, "end element token") || (s->chunk[c->pos] & 0xbf) != T_END)
            return badf(s, c->pos, "element started at offset %u is not ended", at);
        c->pos++;
    } else {
        return badf(s, c->pos, "unexpected token 0x%02x after the attributes of an element",
                    s->chunk[c->pos]);
    }
    s->depth--;
    *node = e;
    return true;
}

/* Parse tokens into a sibling list.  CTX_ROOT: a fragment (header, elements, template
 * instances) up to an end-of-fragment token or the end of the range; CTX_CONTENT: element
 * content up to (not past) the end-element token; CTX_ATTR: an attribute value, up to the
 * first token that cannot be part of one. */
static bool parse_list(nat *s, pool *p, cur *c, int ctx, bool in_template, uint32_t *first)
{
    uint32_t last = 0;
    *first = 0;
    while (c->pos < c->end) {
        if (++s->work > MAX_WORK)
            return bad(s, c->pos, "binary XML too complex");
        uint8_t raw = s->chunk[c->pos];
        uint8_t t = raw & 0xbf;
        uint32_t node = 0;
        bool ok = true;
        if (ctx == CTX_ATTR && t != T_VALUE && t != T_CHARREF && t != T_ENTREF && t != T_SUBST &&
            t != T_OPT_SUBST)
            return true;
        switch (t) {
        case T_EOF:
            if (ctx == CTX_CONTENT)
                return badf(s, c->pos, "end of fragment inside an element");
            c->pos++;
            return true;
        case T_END:
            if (ctx == CTX_CONTENT)
                return true;
            return badf(s, c->pos, "end-element token outside an element");
        case T_FRAGMENT:
            if (!need(s, c, 4, "fragment header"))
                return false;
            c->pos += 4;
            continue;
        case T_OPEN:
            ok = parse_element(s, p, c, in_template, &node);
            break;
        case T_VALUE:
            ok = parse_text(s, p, c, &node);
            break;
        case T_CDATA:
            if (!need(s, c, 3, "CDATA token"))
                return false;
            {
                uint32_t nch = le16(s->chunk + c->pos + 1);
                c->pos += 3;
                if (c->end - c->pos < 2 * nch)
                    return badf(s, c->pos, "CDATA of %u characters runs past its data", nch);
                node = new_node(s, p, N_CDATA);
                if (!node)
                    return false;
                p->v[node].a = c->pos;
                p->v[node].b = nch;
                c->pos += 2 * nch;
            }
            break;
        case T_CHARREF:
            if (!need(s, c, 3, "character reference"))
                return false;
            node = new_node(s, p, N_CHARREF);
            if (!node)
                return false;
            p->v[node].u16 = le16(s->chunk + c->pos + 1);
            c->pos += 3;
            break;
        case T_ENTREF:
        case T_PI_TARGET: {
            c->pos++;
            uint32_t no, nl;
            if (!read_name_ref(s, c, &no, &nl))
                return false;
            node = new_node(s, p, t == T_ENTREF ? N_ENTREF : N_PI);
            if (!node)
                return false;
            p->v[node].a = no;
            p->v[node].b = nl;
            if (t == T_PI_TARGET && c->pos < c->end && s->chunk[c->pos] == T_PI_DATA) {
                if (!need(s, c, 3, "PI data"))
                    return false;
                uint32_t nch = le16(s->chunk + c->pos + 1);
                c->pos += 3;
                if (c->end - c->pos < 2 * nch)
                    return badf(s, c->pos, "PI data of %u characters runs past its data", nch);
                p->v[node].d = c->pos;
                p->v[node].c = nch;
                c->pos += 2 * nch;
            }
            break;
        }
        case T_SUBST:
        case T_OPT_SUBST:
            if (!in_template)
                return badf(s, c->pos, "substitution outside a template");
            ok = parse_subst(s, p, c, &node);
            break;
        case T_TEMPLATE:
            if (in_template)
                return badf(s, c->pos, "template instance inside a template definition");
            ok = parse_instance(s, p, c, &node);
            break;
        default:
            return badf(s, c->pos, "invalid binary XML token 0x%02x", raw);
        }
        if (!ok)
            return false;
        link_node(p, first, &last, node);
    }
    if (ctx == CTX_CONTENT)
        return badf(s, c->pos, "element content runs past its data");
    return true;
}

/* The template whose definition is at chunk offset def (data size from its header, data
 * bounded by lim), parsed once per chunk.  Returns its index + 1, or 0 on error. */
static uint32_t get_template(nat *s, uint32_t def, uint32_t lim)
{
    if (def < CHUNK_HDR || def >= s->clen || s->clen - def < TEMPLATE_HDR)
        return badf(s, def, "template definition offset %u out of range", def), 0;
    slot *sl = &s->tslots[def];
    if (sl->gen == s->gen) {
        tmpl *t = &s->t[sl->a];
        if (t->state == TS_OK)
            return sl->a + 1;
        if (t->state == TS_BUSY)
            return badf(s, def, "template at offset %u refers to itself", def), 0;
        return badf(s, def, "template at offset %u is damaged (see an earlier record)", def), 0;
    }
    uint32_t size = le32(s->chunk + def + 20);
    uint32_t data = def + TEMPLATE_HDR;
    if (data > lim || lim - data < size)
        return badf(s, def, "template at offset %u: %u bytes of data run past the %s", def, size,
                    lim == s->clen ? "chunk" : "record"),
               0;
    if (s->nt == s->tcap) {
        uint32_t ncap = s->tcap ? s->tcap * 2 : 64;
        tmpl *nt = realloc(s->t, (size_t)ncap * sizeof *nt);
        if (!nt)
            return nomem(s), 0;
        s->t = nt;
        s->tcap = ncap;
    }
    uint32_t ti = s->nt++;
    s->t[ti] = (tmpl){.def_off = def, .state = TS_BUSY};
    sl->gen = s->gen;
    sl->a = ti;
    s->st.templates++;
    cur c = {data, data + size};
    uint32_t root = 0;
    int depth = s->depth;
    bool ok = parse_list(s, &s->cp, &c, CTX_ROOT, true, &root);
    s->depth = depth;
    s->t[ti].state = ok ? TS_OK : TS_BAD;
    s->t[ti].root = root;
    if (!ok)
        return 0;
    return ti + 1;
}

/* A template instance at c->pos: the template (inline or by offset) and its values. */
static bool parse_instance(nat *s, pool *p, cur *c, uint32_t *node)
{
    uint32_t at = c->pos;
    if (!need(s, c, TEMPLATE_INSTANCE, "template instance"))
        return false;
    uint32_t def = le32(s->chunk + c->pos + 6);
    c->pos += TEMPLATE_INSTANCE;
    uint32_t ti;
    if (def == c->pos) {
        /* defined inline: parse it (once) and step over it */
        if (!need(s, c, TEMPLATE_HDR, "template definition"))
            return false;
        uint32_t size = le32(s->chunk + c->pos + 20);
        if (c->end - c->pos - TEMPLATE_HDR < size)
            return badf(s, c->pos, "inline template of %u bytes runs past the record", size);
        ti = get_template(s, def, c->end);
        if (!ti)
            return false;
        c->pos += TEMPLATE_HDR + size;
    } else {
        ti = get_template(s, def, s->clen);
        if (!ti)
            return false;
    }
    if (!need(s, c, 4, "number of template values"))
        return false;
    uint32_t nvals = le32(s->chunk + c->pos);
    c->pos += 4;
    if (nvals > (c->end - c->pos) / 4)
        return badf(s, at, "template instance claims %u values, more than its data holds", nvals);
    if (nvals > MAX_VALUES - s->nv)
        return badf(s, at, "more than %u substitution values in one record", MAX_VALUES);
    if (s->vcap - s->nv < nvals) {
        uint32_t ncap = s->vcap ? s->vcap : 256;
        while (ncap - s->nv < nvals)
            ncap *= 2;
        bval *nv = realloc(s->vals, (size_t)ncap * sizeof *nv);
        if (!nv)
            return nomem(s);
        s->vals = nv;
        s->vcap = ncap;
    }
    uint32_t v0 = s->nv;
    uint32_t data = c->pos + 4 * nvals;
    for (uint32_t k = 0; k < nvals; k++) {
        const uint8_t *d = s->chunk + c->pos + 4 * k;
        uint32_t vsize = le16(d);
        if (data > c->end || c->end - data < vsize)
            return badf(s, at, "template value %u (%u bytes) runs past the record", k, vsize);
        s->vals[s->nv++] = (bval){.type = d[2], .off = data, .size = vsize};
        data += vsize;
    }
    c->pos = data;
    uint32_t i = new_node(s, p, N_INST);
    if (!i)
        return false;
    p->v[i].a = ti - 1;
    p->v[i].b = v0;
    p->v[i].c = nvals;
    *node = i;
    return true;
}

/* ---- rendering ---------------------------------------------------------------------- */

typedef struct vctx {
    uint32_t v0, nv; /* the instance's values in s->vals */
} vctx;

static bool render_list(nat *s, const pool *p, uint32_t i, const vctx *vc, int esc);

static void put_u64(lw_buf *o, uint64_t v)
{
    char b[24];
    size_t n = sizeof b;
    do {
        b[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    lw_buf_put(o, b + n, sizeof b - n);
}

static void put_i64(lw_buf *o, int64_t v)
{
    if (v < 0) {
        lw_buf_putc(o, '-');
        put_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(o, (uint64_t)v);
    }
}

static void put_hex(lw_buf *o, uint64_t v, int digits, bool upper)
{
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    const char *h = upper ? up : lo;
    char b[16];
    for (int k = digits - 1; k >= 0; k--) {
        b[k] = h[v & 15];
        v >>= 4;
    }
    lw_buf_put(o, b, (size_t)digits);
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static void put_datetime(lw_buf *o, int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                         unsigned sec, uint32_t frac9)
{
    lw_buf_printf(o, "%04lld-%02u-%02uT%02u:%02u:%02u.%09uZ", (long long)y, mo, d, h, mi, sec,
                  frac9);
}

static void put_filetime(lw_buf *o, uint64_t ft)
{
    uint64_t secs = ft / 10000000u;
    uint32_t frac = (uint32_t)(ft % 10000000u) * 100u;
    int64_t days = (int64_t)(secs / 86400) - 134774; /* 1601-01-01 -> 1970-01-01 */
    uint32_t rem = (uint32_t)(secs % 86400);
    int64_t y;
    unsigned m, d;
    civil(days, &y, &m, &d);
    put_datetime(o, y, m, d, rem / 3600, rem / 60 % 60, rem % 60, frac);
}

static void put_guid(lw_buf *o, const uint8_t *g)
{
    lw_buf_putc(o, '{');
    put_hex(o, le32(g), 8, true);
    lw_buf_putc(o, '-');
    put_hex(o, le16(g + 4), 4, true);
    lw_buf_putc(o, '-');
    put_hex(o, le16(g + 6), 4, true);
    lw_buf_putc(o, '-');
    put_hex(o, g[8], 2, true);
    put_hex(o, g[9], 2, true);
    lw_buf_putc(o, '-');
    for (int k = 10; k < 16; k++)
        put_hex(o, g[k], 2, true);
    lw_buf_putc(o, '}');
}

/* A SID at p (n bytes); false if it is not one. */
static bool put_sid(lw_buf *o, const uint8_t *p, uint32_t n)
{
    if (n < 8)
        return false;
    unsigned cnt = p[1];
    if (n < 8 + 4 * cnt)
        return false;
    uint64_t auth = 0;
    for (int k = 2; k < 8; k++)
        auth = auth << 8 | p[k];
    lw_buf_puts(o, "S-");
    put_u64(o, p[0]);
    lw_buf_putc(o, '-');
    put_u64(o, auth);
    for (unsigned k = 0; k < cnt; k++) {
        lw_buf_putc(o, '-');
        put_u64(o, le32(p + 8 + 4 * k));
    }
    return true;
}

/* A real as libevtx writes it: 6 decimals and a 3-digit exponent ("3.199234e+003"). */
static void put_real(lw_buf *o, double v)
{
    char b[64];
    int n = snprintf(b, sizeof b, "%.6e", v);
    if (n <= 0 || (size_t)n >= sizeof b)
        return;
    char *e = strchr(b, 'e');
    if (!e || (e[1] != '+' && e[1] != '-')) {
        lw_buf_put(o, b, (size_t)n); /* inf, nan */
        return;
    }
    size_t digits = strlen(e + 2);
    lw_buf_put(o, b, (size_t)(e - b) + 2);
    for (; digits < 3; digits++)
        lw_buf_putc(o, '0');
    lw_buf_puts(o, e + 2);
}

/* Size of one element of a fixed-size type, 0 for variable-size ones. */
static uint32_t fixed_size(uint8_t t, uint32_t whole)
{
    switch (t) {
    case V_I8:
    case V_U8:
        return 1;
    case V_I16:
    case V_U16:
        return 2;
    case V_I32:
    case V_U32:
    case V_R32:
    case V_BOOL:
    case V_HEX32:
        return 4;
    case V_I64:
    case V_U64:
    case V_R64:
    case V_FILETIME:
    case V_HEX64:
        return 8;
    case V_GUID:
    case V_SYSTEMTIME:
        return 16;
    case V_SIZET:
        return whole == 4 ? 4 : 8;
    default:
        return 0;
    }
}

static bool render_binxml(nat *s, uint32_t vi);

/* One scalar of type t at chunk offset off, n bytes. */
static bool render_scalar(nat *s, uint8_t t, uint32_t off, uint32_t n, int esc)
{
    lw_buf *o = &s->out;
    const uint8_t *p = s->chunk + off;
    uint32_t fs = fixed_size(t, n);
    if (fs && n < fs)
        return badf(s, off, "value of type 0x%02x has %u bytes, needs %u", t, n, fs);
    switch (t) {
    case V_NULL:
        return true;
    case V_STRING:
        put_utf16(o, p, n / 2, esc, true);
        return true;
    case V_ANSI:
        for (uint32_t k = 0; k < n && p[k]; k++)
            put_cp(o, p[k], esc);
        return true;
    case V_I8:
        put_i64(o, (int8_t)p[0]);
        return true;
    case V_U8:
        put_u64(o, p[0]);
        return true;
    case V_I16:
        put_i64(o, (int16_t)le16(p));
        return true;
    case V_U16:
        put_u64(o, le16(p));
        return true;
    case V_I32:
        put_i64(o, (int32_t)le32(p));
        return true;
    case V_U32:
        put_u64(o, le32(p));
        return true;
    case V_I64:
        put_i64(o, (int64_t)le64(p));
        return true;
    case V_U64:
        put_u64(o, le64(p));
        return true;
    case V_R32: {
        float f;
        uint32_t u = le32(p);
        memcpy(&f, &u, 4);
        put_real(o, (double)f);
        return true;
    }
    case V_R64: {
        double f;
        uint64_t u = le64(p);
        memcpy(&f, &u, 8);
        put_real(o, f);
        return true;
    }
    case V_BOOL:
        lw_buf_puts(o, le32(p) ? "true" : "false");
        return true;
    case V_BINARY:
        for (uint32_t k = 0; k < n; k++)
            put_hex(o, p[k], 2, true);
        return true;
    case V_GUID:
        put_guid(o, p);
        return true;
    case V_SIZET: /* decimal, as libevtx writes it */
        put_u64(o, fs == 4 ? le32(p) : le64(p));
        return true;
    case V_FILETIME:
        put_filetime(o, le64(p));
        return true;
    case V_SYSTEMTIME:
        /* milliseconds only, as libevtx writes it: 2020-12-11T12:28:01.177Z */
        lw_buf_printf(o, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", le16(p), le16(p + 2), le16(p + 6),
                      le16(p + 8), le16(p + 10), le16(p + 12), le16(p + 14));
        return true;
    case V_SID:
        if (!put_sid(o, p, n))
            return badf(s, off, "malformed SID value");
        return true;
    case V_HEX32:
        lw_buf_puts(o, "0x");
        put_hex(o, le32(p), 8, false);
        return true;
    case V_HEX64:
        lw_buf_puts(o, "0x");
        put_hex(o, le64(p), 16, false);
        return true;
    default:
        return badf(s, off, "unsupported value type 0x%02x", t);
    }
}

/* Substitution value vi. */
static bool render_value(nat *s, uint32_t vi, int esc)
{
    const bval v = s->vals[vi];
    if (v.type == V_BINXML)
        return render_binxml(s, vi);
    if (v.type & V_ARRAY) {
        uint8_t t = v.type & 0x7f;
        const uint8_t *p = s->chunk + v.off;
        if (t == V_STRING) {
            /* NUL-separated strings */
            uint32_t nch = v.size / 2, k = 0, item = 0;
            while (k < nch) {
                uint32_t e = k;
                while (e < nch && le16(p + 2 * e) != 0)
                    e++;
                if (item++)
                    lw_buf_puts(&s->out, ", ");
                put_utf16(&s->out, p + 2 * k, e - k, esc, false);
                k = e + 1;
            }
            return true;
        }
        uint32_t fs = fixed_size(t, 8);
        if (t == V_SIZET)
            fs = 8;
        if (!fs)
            return badf(s, v.off, "unsupported array type 0x%02x", v.type);
        for (uint32_t k = 0; k + fs <= v.size; k += fs) {
            if (k)
                lw_buf_puts(&s->out, ", ");
            if (!render_scalar(s, t, v.off + k, fs, esc))
                return false;
        }
        return true;
    }
    return render_scalar(s, v.type, v.off, v.size, esc);
}

static inline bool val_empty(const nat *s, const vctx *vc, uint16_t sid)
{
    if (sid >= vc->nv)
        return true;
    const bval *v = &s->vals[vc->v0 + sid];
    return v->type == V_NULL || v->size == 0;
}

static bool check_out(nat *s)
{
    if (!lw_buf_ok(&s->out))
        return nomem(s);
    if (s->out.n > s->out_cap)
        return badf(s, s->rec_off, "rendered XML larger than %zu bytes", s->out_cap);
    return true;
}

/* "<name attrs" of element node e. */
static bool render_start(nat *s, const pool *p, uint32_t e, const vctx *vc)
{
    lw_buf *o = &s->out;
    const bnode n = p->v[e];
    lw_buf_putc(o, '<');
    lw_buf_put(o, s->spool + n.a, n.b);
    for (uint32_t a = n.attrs; a; a = p->v[a].next) {
        const bnode an = p->v[a];
        /* an attribute made only of optional substitutions without a value is left out,
         * as Windows does (e.g. <Correlation/> without ActivityID) */
        bool keep = false;
        for (uint32_t k = an.kids; k && !keep; k = p->v[k].next)
            keep = p->v[k].kind != N_SUBST || !p->v[k].opt || !val_empty(s, vc, p->v[k].u16);
        if (!keep && an.kids)
            continue;
        lw_buf_putc(o, ' ');
        lw_buf_put(o, s->spool + an.a, an.b);
        lw_buf_put(o, "=\"", 2);
        if (!render_list(s, p, an.kids, vc, ESC_ATTR))
            return false;
        lw_buf_putc(o, '"');
    }
    return true;
}

/* Element e whose content is the array value vi: one element per item. */
static bool render_array_elem(nat *s, const pool *p, uint32_t e, uint32_t vi, const vctx *vc)
{
    lw_buf *o = &s->out;
    const bval v = s->vals[vi];
    uint8_t t = v.type & 0x7f;
    const uint8_t *d = s->chunk + v.off;
    uint32_t fs = t == V_SIZET ? 8 : fixed_size(t, 8);
    if (t != V_STRING && t != V_ANSI && !fs)
        return badf(s, v.off, "unsupported array type 0x%02x", v.type);
    uint32_t k = 0, unit = t == V_STRING ? 2 : 1;
    uint32_t nunits = v.size / unit;
    if (nunits == 0) { /* no items: one empty element, as libevtx writes it */
        if (!render_start(s, p, e, vc))
            return false;
        lw_buf_put(o, "/>", 2);
        return true;
    }
    while (k < nunits) {
        uint32_t e2, next;
        if (t == V_STRING || t == V_ANSI) {
            e2 = k;
            while (e2 < nunits && (unit == 2 ? le16(d + 2 * e2) : d[e2]) != 0)
                e2++;
            next = e2 + 1;
        } else {
            if (v.size - k < fs)
                break;
            e2 = k + fs;
            next = e2;
        }
        if (!render_start(s, p, e, vc))
            return false;
        lw_buf_putc(o, '>');
        if (t == V_STRING) {
            put_utf16(o, d + 2 * k, e2 - k, ESC_TEXT, false);
        } else if (t == V_ANSI) {
            for (uint32_t j = k; j < e2; j++)
                put_cp(o, d[j], ESC_TEXT);
        } else if (!render_scalar(s, t, v.off + k, fs, ESC_TEXT)) {
            return false;
        }
        lw_buf_put(o, "</", 2);
        lw_buf_put(o, s->spool + p->v[e].a, p->v[e].b);
        lw_buf_putc(o, '>');
        if (!check_out(s))
            return false;
        k = next;
    }
    return true;
}

static bool render_node(nat *s, const pool *p, uint32_t i, const vctx *vc, int esc)
{
    if (++s->work > MAX_WORK)
        return bad(s, s->rec_off, "binary XML too complex to render");
    const bnode n = p->v[i];
    lw_buf *o = &s->out;
    switch (n.kind) {
    case N_ELEM: {
        if (++s->depth > LW_EVTX_MAX_DEPTH)
            return badf(s, s->rec_off, "elements nested deeper than %d", LW_EVTX_MAX_DEPTH);
        /* Content made only of optional substitutions without a value: the element is left
         * out (as libevtx and Windows do: no <Binary/> when there is no binary data). */
        if (n.kids) {
            bool keep = false;
            for (uint32_t k = n.kids; k && !keep; k = p->v[k].next)
                keep = p->v[k].kind != N_SUBST || !p->v[k].opt || !val_empty(s, vc, p->v[k].u16);
            if (!keep) {
                s->depth--;
                return true;
            }
        }
        /* An array value as the whole content: the element once per item, as libevtx
         * renders it (<Data>a</Data><Data>b</Data>, unnamed Data being param1, param2...). */
        if (n.kids && !p->v[n.kids].next && p->v[n.kids].kind == N_SUBST &&
            p->v[n.kids].u16 < vc->nv) {
            uint32_t vi = vc->v0 + p->v[n.kids].u16;
            if ((s->vals[vi].type & V_ARRAY) && s->vals[vi].type != V_BINXML) {
                bool ok = render_array_elem(s, p, i, vi, vc);
                s->depth--;
                return ok && check_out(s);
            }
        }
        if (!render_start(s, p, i, vc))
            return false;
        /* <x/> when the content renders to nothing, as libevtx writes it (and xml-event
         * reads an empty <x></x> inside a UserData container differently) */
        lw_buf_putc(o, '>');
        size_t mark = o->n;
        if (!render_list(s, p, n.kids, vc, ESC_TEXT))
            return false;
        if (o->n == mark && lw_buf_ok(o)) {
            o->n = mark - 1;
            lw_buf_put(o, "/>", 2);
        } else {
            lw_buf_put(o, "</", 2);
            lw_buf_put(o, s->spool + n.a, n.b);
            lw_buf_putc(o, '>');
        }
        s->depth--;
        return check_out(s);
    }
    case N_TEXT:
        put_utf16(o, s->chunk + n.a, n.b, esc, false);
        return check_out(s);
    case N_CDATA:
        lw_buf_puts(o, "<![CDATA[");
        put_utf16(o, s->chunk + n.a, n.b, ESC_NONE, false);
        lw_buf_puts(o, "]]>");
        return check_out(s);
    case N_CHARREF:
        lw_buf_puts(o, "&#");
        put_u64(o, n.u16);
        lw_buf_putc(o, ';');
        return true;
    case N_ENTREF:
        lw_buf_putc(o, '&');
        lw_buf_put(o, s->spool + n.a, n.b);
        lw_buf_putc(o, ';');
        return true;
    case N_PI:
        lw_buf_puts(o, "<?");
        lw_buf_put(o, s->spool + n.a, n.b);
        if (n.c) {
            lw_buf_putc(o, ' ');
            put_utf16(o, s->chunk + n.d, n.c, ESC_NONE, false);
        }
        lw_buf_puts(o, "?>");
        return check_out(s);
    case N_SUBST:
        if (n.u16 >= vc->nv)
            return true;
        if (!render_value(s, vc->v0 + n.u16, esc))
            return false;
        return check_out(s);
    case N_INST: {
        vctx inner = {n.b, n.c};
        const tmpl *t = &s->t[n.a];
        return render_list(s, &s->cp, t->root, &inner, esc);
    }
    default:
        return bad(s, s->rec_off, "internal: bad node");
    }
}

static bool render_list(nat *s, const pool *p, uint32_t i, const vctx *vc, int esc)
{
    for (; i; i = p->v[i].next)
        if (!render_node(s, p, i, vc, esc))
            return false;
    return true;
}

/* A BinXml substitution value: a fragment of its own (usually a template instance). */
static bool render_binxml(nat *s, uint32_t vi)
{
    if (s->vals[vi].busy)
        return badf(s, s->vals[vi].off, "BinXml value refers to itself");
    if (++s->depth > LW_EVTX_MAX_DEPTH)
        return badf(s, s->vals[vi].off, "BinXml values nested deeper than %d", LW_EVTX_MAX_DEPTH);
    if (!s->vals[vi].parsed) {
        cur c = {s->vals[vi].off, s->vals[vi].off + s->vals[vi].size};
        uint32_t root = 0;
        if (!parse_list(s, &s->rp, &c, CTX_ROOT, false, &root))
            return false;
        s->vals[vi].parsed = root + 1;
    }
    s->vals[vi].busy = 1;
    vctx none = {0, 0};
    bool ok = render_list(s, &s->rp, s->vals[vi].parsed - 1, &none, ESC_TEXT);
    s->vals[vi].busy = 0;
    s->depth--;
    return ok;
}

/* ---- chunks and records ------------------------------------------------------------- */

/* Chunk slack space (in->evtx_slack): records past a chunk's free-space offset, rendered
 * while their chunk is current and held until the end of the file, when the record ids
 * of every live record are known and stale copies can be told from lost records. */
#define SLACK_MAX_TEXT (8u << 20) /* rendered XML held per file */
#define SLACK_MAX_RECS 65536u
#define SLACK_MAX_LIVE (4u << 20) /* live record ids remembered per file (32 MiB) */

typedef struct slack_rec {
    uint64_t id;
    size_t off, len; /* its XML in text */
    uint32_t order;  /* position in file order (duplicates: the first is kept) */
    bool drop;
} slack_rec;

typedef struct slack {
    uint64_t *live; /* ids of the live records (header and EventRecordID) */
    size_t nlive, live_cap;
    bool live_full; /* more live records than SLACK_MAX_LIVE: slack is not read */
    slack_rec *r;
    size_t n, cap, next;
    lw_buf text;
    bool sorted, reported, oom;
    uint64_t found, delivered, stale, unreadable, over_limit;
} slack;

typedef struct evtx_native_state {
    nat n;
    slack sl;
} evtx_native_state;

static int sniff_evtx_native(const unsigned char *head, size_t n)
{
    return n >= 8 && memcmp(head, "ElfFile\0", 8) == 0 ? 100 : 0;
}

static void warn(lw_input *in, nat *s, uint64_t where, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void warn(lw_input *in, nat *s, uint64_t where, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lw_input_vwarn(in, where, reason, fmt, ap);
    va_end(ap);
    s->st.warnings++;
}

/* Fill the reader window with up to want bytes; returns what is available (less only at
 * the end of input or on a read error, which is warned about once). */
static size_t fill_to(lw_input *in, nat *s, size_t want)
{
    lw_reader *rd = &in->rd;
    while (lw_reader_avail(rd) < want) {
        ssize_t k = lw_reader_fill(rd);
        if (k > 0)
            continue;
        if (rd->error && !s->read_error) {
            s->read_error = true;
            warn(in, s, 0, "read-error", "%s (reading what was decompressed)", rd->errmsg);
        }
        break;
    }
    size_t a = lw_reader_avail(rd);
    return a < want ? a : want;
}

static void close_evtx_native(lw_input *in);

/* Read and check the file header.  On failure the state is freed again (decoder_state is
 * NULL), so a caller that does not call close() leaks nothing. */
static lw_status open_header(lw_input *in);

static lw_status open_evtx_native(lw_input *in)
{
    lw_status st = open_header(in);
    if (st != LW_OK)
        close_evtx_native(in);
    return st;
}

static lw_status open_header(lw_input *in)
{
    evtx_native_state *es = calloc(1, sizeof *es);
    if (!es)
        return LW_ENOMEM;
    nat *s = &es->n;
    s->chunk = malloc(CHUNK_SIZE);
    s->names = calloc(CHUNK_SIZE, sizeof *s->names);
    s->tslots = calloc(CHUNK_SIZE, sizeof *s->tslots);
    lw_buf_init(&s->out);
    lw_buf_init(&es->sl.text);
    in->decoder_state = es;
    if (!s->chunk || !s->names || !s->tslots)
        return LW_ENOMEM;
    s->out_cap = in->max_record > 0 ? in->max_record : MAX_RENDER_XML;
    size_t got = fill_to(in, s, FILE_HDR);
    const uint8_t *h = (const uint8_t *)lw_reader_data(&in->rd);
    if (got < FILE_HDR) {
        lw_input_warn(in, 0, "evtx-header",
                      "not a readable EVTX file: %zu bytes, the header alone is %u", got, FILE_HDR);
        return LW_EFORMAT;
    }
    if (memcmp(h, "ElfFile\0", 8) != 0) {
        lw_input_warn(in, 0, "evtx-header", "not a readable EVTX file: no ElfFile signature");
        return LW_EFORMAT;
    }
    uint32_t hsize = le32(h + 32);
    uint16_t major = le16(h + 38), block = le16(h + 40);
    if (hsize != 128 || block != FILE_HDR) {
        lw_input_warn(in, 0, "evtx-header",
                      "not a readable EVTX file: header size %u, header block size %u (expected "
                      "128 and 4096)",
                      hsize, block);
        return LW_EFORMAT;
    }
    if (major != 3)
        warn(in, s, 0, "evtx-header", "format version %u.%u (expected 3.x); reading anyway", major,
             le16(h + 36));
    uint32_t crc = (uint32_t)crc32(0L, h, 120);
    if (crc != le32(h + 124)) {
        s->st.crc_mismatch++;
        warn(in, s, 0, "evtx-checksum",
             "file header CRC32 is 0x%08x, computed 0x%08x (header damaged or file dirty); "
             "reading the chunks anyway",
             le32(h + 124), crc);
    }
    s->header_chunks = le16(h + 42);
    lw_reader_consume(&in->rd, FILE_HDR);
    return LW_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Start a new chunk generation: templates, names, pools. */
static void chunk_reset(nat *s)
{
    s->gen++;
    if (s->gen == 0) { /* wrapped: forget every slot */
        memset(s->names, 0, CHUNK_SIZE * sizeof *s->names);
        memset(s->tslots, 0, CHUNK_SIZE * sizeof *s->tslots);
        s->gen = 1;
    }
    s->nt = 0;
    s->spn = 0;
    s->cp.n = 0;
}

/* Load the next chunk; false at the end of the input. */
static bool load_chunk(lw_input *in, nat *s)
{
    size_t got = fill_to(in, s, CHUNK_SIZE);
    if (got == 0) {
        return false;
    }
    memcpy(s->chunk, lw_reader_data(&in->rd), got);
    lw_reader_consume(&in->rd, got);
    s->clen = (uint32_t)got;
    s->chunk_no++;
    s->st.chunks++;
    s->have_chunk = true;
    s->bad_chunk = false;
    s->chained = false;
    s->rec_in_chunk = 0;
    s->pos = CHUNK_HDR;
    s->limit = s->clen;
    s->first_rec = s->last_rec = 0;
    chunk_reset(s);
    const uint8_t *c = s->chunk;
    uint64_t cn = s->chunk_no;
    if (got < CHUNK_HDR || memcmp(c, "ElfChnk\0", 8) != 0) {
        if (all_zero(c, got)) {
            s->st.empty_chunks++;
            s->have_chunk = false;
            return true;
        }
        s->bad_chunk = true;
        s->st.bad_chunks++;
        if (got < CHUNK_HDR) {
            warn(in, s, 0, "evtx-bad-chunk",
                 "chunk %llu (file offset %llu): cut inside the chunk header; its records are lost",
                 (unsigned long long)cn, (unsigned long long)(FILE_HDR + (cn - 1) * CHUNK_SIZE));
            s->have_chunk = false;
            return true;
        }
        warn(in, s, 0, "evtx-bad-chunk",
             "chunk %llu (file offset %llu): no ElfChnk signature; reading the records found by "
             "their own framing (signature, size and size copy)",
             (unsigned long long)cn, (unsigned long long)(FILE_HDR + (cn - 1) * CHUNK_SIZE));
        return true;
    }
    s->first_rec = le64(c + 8);
    s->last_rec = le64(c + 16);
    uint32_t hsize = le32(c + 40), free_off = le32(c + 48);
    if (hsize != 128)
        warn(in, s, 0, "evtx-bad-chunk",
             "chunk %llu: header size %u (expected 128); reading anyway", (unsigned long long)cn,
             hsize);
    uint32_t crc = (uint32_t)crc32(0L, c, 120);
    crc = (uint32_t)crc32(crc, c + 128, CHUNK_HDR - 128);
    if (crc != le32(c + 124)) {
        s->st.crc_mismatch++;
        warn(in, s, s->first_rec, "evtx-checksum",
             "chunk %llu: header CRC32 is 0x%08x, computed 0x%08x; reading it anyway",
             (unsigned long long)cn, le32(c + 124), crc);
    }
    if (free_off < CHUNK_HDR || free_off > CHUNK_SIZE) {
        warn(in, s, s->first_rec, "evtx-bad-chunk",
             "chunk %llu: free space offset %u out of range; reading records up to the first "
             "that is not one",
             (unsigned long long)cn, free_off);
        free_off = CHUNK_SIZE;
    } else if (free_off <= s->clen) {
        uint32_t rc = (uint32_t)crc32(0L, c + CHUNK_HDR, free_off - CHUNK_HDR);
        if (rc != le32(c + 52)) {
            s->st.crc_mismatch++;
            warn(in, s, s->first_rec, "evtx-checksum",
                 "chunk %llu: event records CRC32 is 0x%08x, computed 0x%08x; reading them anyway",
                 (unsigned long long)cn, le32(c + 52), rc);
        }
    }
    if (free_off < s->limit)
        s->limit = free_off;
    if (s->clen < CHUNK_SIZE)
        warn(in, s, s->first_rec, "evtx-truncated",
             "file ends %u bytes into chunk %llu (of %u): records past the cut are lost "
             "(the chunk header lists records %llu..%llu)",
             s->clen, (unsigned long long)cn, CHUNK_SIZE, (unsigned long long)s->first_rec,
             (unsigned long long)s->last_rec);
    return true;
}

/* A plausible record at chunk offset off (signature, size within the area, size copy). */
static bool record_at(const nat *s, uint32_t off, uint32_t lim)
{
    if (off > lim || lim - off < REC_HDR + 4 || memcmp(s->chunk + off, "**\0\0", 4) != 0)
        return false;
    uint32_t size = le32(s->chunk + off + 4);
    return size >= REC_HDR + 4 && size <= lim - off && le32(s->chunk + off + size - 4) == size;
}

/* The next offset at or after off holding a plausible record, or lim. */
static uint32_t resync(const nat *s, uint32_t off, uint32_t lim)
{
    for (; off + REC_HDR + 4 <= lim; off++) {
        const void *p = memchr(s->chunk + off, '*', lim - off);
        if (!p)
            return lim;
        off = (uint32_t)((const uint8_t *)p - s->chunk);
        if (record_at(s, off, lim))
            return off;
    }
    return lim;
}

static lw_status skip_rec(lw_input *in, nat *s, uint64_t id, const char *reason, const char *fmt,
                          ...) __attribute__((format(printf, 5, 6)));
static lw_status skip_rec(lw_input *in, nat *s, uint64_t id, const char *reason, const char *fmt,
                          ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->st.skipped++;
    s->rec_in_chunk++;
    lw_input_skip(in, id, 0, reason, "%s", msg);
    return LW_EFORMAT;
}

/* Render the record at s->pos (framing already checked) into s->out. */
static bool render_record(nat *s, uint32_t off, uint32_t size)
{
    s->err = NULL;
    s->oom = false;
    s->work = 0;
    s->depth = 0;
    s->nv = 0;
    s->rp.n = 0;
    s->rec_off = off;
    s->rec_end = off + size - 4;
    lw_buf_reset(&s->out);
    cur c = {off + REC_HDR, off + size - 4};
    uint32_t root = 0;
    if (!parse_list(s, &s->rp, &c, CTX_ROOT, false, &root))
        return false;
    if (!root)
        return bad(s, off, "no element in the record");
    vctx none = {0, 0};
    s->depth = 0;
    if (!render_list(s, &s->rp, root, &none, ESC_TEXT))
        return false;
    return check_out(s);
}

/* ---- chunk slack space ------------------------------------------------------------- */

static void live_id(slack *sl, uint64_t id)
{
    if (sl->live_full || sl->oom)
        return;
    if (sl->nlive == sl->live_cap) {
        if (sl->live_cap >= SLACK_MAX_LIVE) {
            sl->live_full = true;
            return;
        }
        uint64_t *nl = lw_grow(sl->live, &sl->live_cap, sizeof *nl, 256);
        if (!nl) {
            sl->oom = true;
            return;
        }
        sl->live = nl;
    }
    sl->live[sl->nlive++] = id;
}

/* Render the plausible records in the current chunk's slack space and hold those that
 * render (bounded); stale copies are sorted out at the end of the file. */
static lw_status scan_slack(nat *s, slack *sl)
{
    uint32_t off = s->limit;
    while ((off = resync(s, off, s->clen)) < s->clen) {
        uint32_t size = le32(s->chunk + off + 4);
        uint64_t id = le64(s->chunk + off + 8);
        sl->found++;
        if (!render_record(s, off, size)) {
            if (s->oom)
                return LW_ENOMEM;
            /* Remnants overlap: a newer record may have been written inside an older one
             * whose size copy survived.  Look for one from the next byte on. */
            sl->unreadable++;
            off++;
            continue;
        }
        off += size;
        if (sl->n >= SLACK_MAX_RECS || s->out.n > SLACK_MAX_TEXT - sl->text.n) {
            sl->over_limit++;
            continue;
        }
        if (sl->n == sl->cap) {
            slack_rec *nr = lw_grow(sl->r, &sl->cap, sizeof *nr, 64);
            if (!nr)
                return LW_ENOMEM;
            sl->r = nr;
        }
        sl->r[sl->n] = (slack_rec){id, sl->text.n, s->out.n, (uint32_t)sl->n, false};
        lw_buf_put(&sl->text, s->out.p, s->out.n);
        if (!lw_buf_ok(&sl->text))
            return LW_ENOMEM;
        sl->n++;
    }
    return LW_OK;
}

/* The current chunk is done: its slack is read when asked. */
static lw_status end_chunk(lw_input *in, evtx_native_state *es)
{
    nat *s = &es->n;
    s->have_chunk = false;
    if (!in->evtx_slack || s->limit >= s->clen || es->sl.live_full)
        return LW_OK;
    return scan_slack(s, &es->sl);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_slack_id(const void *a, const void *b)
{
    const slack_rec *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_slack_order(const void *a, const void *b)
{
    const slack_rec *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Whether id is a live record's (live sorted). */
static bool is_live(const slack *sl, uint64_t id)
{
    return bsearch(&id, sl->live, sl->nlive, sizeof *sl->live, cmp_u64) != NULL;
}

/* At the end of the file: mark stale copies (an id of a live record, or one held twice) and
 * order what is left by file position.  When the live ids could not all be kept, nothing
 * is delivered: a stale copy could not be told from a lost record. */
static void settle_slack(slack *sl)
{
    sl->sorted = true;
    if (sl->live_full || sl->oom) {
        sl->over_limit += sl->n;
        sl->n = 0;
        return;
    }
    if (sl->nlive > 1)
        qsort(sl->live, sl->nlive, sizeof *sl->live, cmp_u64);
    if (sl->n > 1)
        qsort(sl->r, sl->n, sizeof *sl->r, cmp_slack_id);
    for (size_t i = 0; i < sl->n; i++) {
        sl->r[i].drop = is_live(sl, sl->r[i].id) || (i > 0 && sl->r[i].id == sl->r[i - 1].id);
        if (sl->r[i].drop)
            sl->stale++;
    }
    if (sl->n > 1)
        qsort(sl->r, sl->n, sizeof *sl->r, cmp_slack_order);
}

/* The next recovered slack record as an event, LW_EOF when none is left (after one summary
 * warning), or LW_ENOMEM. */
static lw_status next_slack(lw_input *in, evtx_native_state *es, lw_event *ev)
{
    nat *s = &es->n;
    slack *sl = &es->sl;
    if (!sl->sorted)
        settle_slack(sl);
    while (sl->next < sl->n) {
        const slack_rec *r = &sl->r[sl->next++];
        if (r->drop)
            continue;
        lw_buf_reset(&s->out);
        lw_buf_put(&s->out, sl->text.p + r->off, r->len);
        if (!lw_buf_ok(&s->out))
            return LW_ENOMEM;
        lw_xml_error xe = {0, NULL};
        lw_status st =
            lw_xml_event_parse_want(s->out.p, s->out.n, ev, LW_XML_EVTX_DUMP_VALUES, in->want, &xe);
        if (st == LW_ENOMEM)
            return st;
        if (st != LW_OK) {
            sl->unreadable++;
            lw_event_reset(ev);
            continue;
        }
        if (ev->record == 0) {
            ev->record = r->id;
        } else if (ev->record != r->id && is_live(sl, ev->record)) {
            sl->stale++; /* its EventRecordID is a live record's */
            lw_event_reset(ev);
            continue;
        }
        sl->delivered++;
        s->st.records++;
        s->st.slack++;
        return LW_OK;
    }
    if (!sl->reported && sl->found) {
        sl->reported = true;
        warn(in, s, 0, "evtx-slack",
             "chunk slack space: %llu record(s) read (remnants of overwritten or cleared "
             "records), %llu stale copies of live records left out, %llu unreadable, %llu over "
             "the %u MiB limit",
             (unsigned long long)sl->delivered, (unsigned long long)sl->stale,
             (unsigned long long)sl->unreadable, (unsigned long long)sl->over_limit,
             SLACK_MAX_TEXT >> 20);
    }
    return LW_EOF;
}

static lw_status next_evtx_native(lw_input *in, lw_event *ev)
{
    evtx_native_state *es = in->decoder_state;
    nat *s = &es->n;
    for (;;) {
        if (!s->have_chunk) {
            if (!load_chunk(in, s)) {
                if (in->evtx_slack) {
                    lw_status st = next_slack(in, es, ev);
                    if (st != LW_EOF)
                        return st;
                }
                if (s->header_chunks > s->st.chunks && !s->eof_warned)
                    warn(in, s, 0, "evtx-truncated",
                         "the file header lists %llu chunks, the file holds %llu",
                         (unsigned long long)s->header_chunks, (unsigned long long)s->st.chunks);
                s->eof_warned = true;
                return LW_EOF;
            }
            continue;
        }
        uint32_t lim = s->limit;
        if (s->bad_chunk) {
            /* No header to trust (its record range, free-space offset and CRCs).  The live
             * records are a chain: from the first plausible record on, each next one has a
             * higher record id, at most BAD_CHUNK_ID_GAP more (a damaged record between
             * them is passed over).  A record that does not continue the chain is where
             * the slack begins (what a free-space offset would have said): remnants there
             * are older records or stale copies.  A record needs nothing from the header:
             * names and templates are chunk offsets, defined inline by the first record
             * that uses them; one that does not render is skipped as usual. */
            uint32_t off = resync(s, s->pos, s->clen);
            uint64_t id = off < s->clen ? le64(s->chunk + off + 8) : 0;
            if (off >= s->clen ||
                (s->chained && (id <= s->chain_last || id - s->chain_last > BAD_CHUNK_ID_GAP))) {
                s->limit = off < s->clen ? s->pos : s->clen;
                if (end_chunk(in, es) != LW_OK)
                    return LW_ENOMEM;
                continue;
            }
            s->chained = true;
            s->chain_last = id;
            s->pos = off;
            s->st.recovered++;
        }
        if (s->pos >= lim || lim - s->pos < REC_HDR + 4) {
            if (end_chunk(in, es) != LW_OK)
                return LW_ENOMEM;
            continue;
        }
        uint32_t off = s->pos;
        const uint8_t *r = s->chunk + off;
        if (memcmp(r, "**\0\0", 4) != 0) {
            /* Free space (zeros) ends the records; anything else is damage. */
            if (all_zero(r, lim - off > 64 ? 64 : lim - off)) {
                uint32_t nx = resync(s, off, lim);
                if (nx >= lim) {
                    if (end_chunk(in, es) != LW_OK)
                        return LW_ENOMEM;
                    continue;
                }
                s->pos = nx;
            } else {
                s->pos = resync(s, off + 1, lim);
            }
            return skip_rec(in, s, s->first_rec + s->rec_in_chunk, "evtx-corrupt-record",
                            "chunk %llu offset %u: no record signature (damaged record skipped)",
                            (unsigned long long)s->chunk_no, off);
        }
        uint32_t size = le32(r + 4);
        uint64_t id = le64(r + 8);
        if (size < REC_HDR + 4 || size > CHUNK_SIZE - off) {
            s->pos = resync(s, off + 1, lim);
            return skip_rec(in, s, id, "evtx-corrupt-record",
                            "record %llu (chunk %llu offset %u): size %u out of range",
                            (unsigned long long)id, (unsigned long long)s->chunk_no, off, size);
        }
        if (size > lim - off) {
            s->pos = lim;
            if (off + size > s->clen)
                return skip_rec(in, s, id, "evtx-truncated",
                                "record %llu (chunk %llu offset %u, %u bytes): the file ends "
                                "inside it",
                                (unsigned long long)id, (unsigned long long)s->chunk_no, off, size);
            return skip_rec(in, s, id, "evtx-corrupt-record",
                            "record %llu (chunk %llu offset %u): size %u runs past the chunk's "
                            "records",
                            (unsigned long long)id, (unsigned long long)s->chunk_no, off, size);
        }
        if (le32(r + size - 4) != size) {
            s->pos = resync(s, off + 1, lim);
            return skip_rec(in, s, id, "evtx-corrupt-record",
                            "record %llu (chunk %llu offset %u): size copy %u differs from size %u",
                            (unsigned long long)id, (unsigned long long)s->chunk_no, off,
                            le32(r + size - 4), size);
        }
        s->pos = off + size;
        s->rec_id = id;
        if (in->evtx_slack)
            live_id(&es->sl, id);
        if (!render_record(s, off, size)) {
            if (s->oom)
                return LW_ENOMEM;
            bool big = s->out.n > s->out_cap;
            return skip_rec(in, s, id, big ? "record-too-large" : "evtx-corrupt-record",
                            "record %llu (chunk %llu offset %u): %s (at chunk offset %u)",
                            (unsigned long long)id, (unsigned long long)s->chunk_no, off, s->err,
                            s->err_off);
        }
        lw_xml_error xe = {0, NULL};
        lw_status st =
            lw_xml_event_parse_want(s->out.p, s->out.n, ev, LW_XML_EVTX_DUMP_VALUES, in->want, &xe);
        if (st == LW_ENOMEM)
            return st;
        if (st != LW_OK)
            return skip_rec(in, s, id, "evtx-corrupt-record",
                            "record %llu (chunk %llu offset %u): rendered XML invalid at byte %zu: "
                            "%s",
                            (unsigned long long)id, (unsigned long long)s->chunk_no, off, xe.offset,
                            xe.msg);
        if (ev->record == 0)
            ev->record = id;
        else if (in->evtx_slack && ev->record != id)
            live_id(&es->sl, ev->record); /* stale slack copies may carry either */
        s->rec_in_chunk++;
        s->st.records++;
        return LW_OK;
    }
}

static void close_evtx_native(lw_input *in)
{
    evtx_native_state *es = in->decoder_state;
    if (!es)
        return;
    nat *s = &es->n;
    free(s->chunk);
    free(s->names);
    free(s->tslots);
    free(s->spool);
    free(s->t);
    free(s->cp.v);
    free(s->rp.v);
    free(s->vals);
    lw_buf_free(&s->out);
    free(es->sl.live);
    free(es->sl.r);
    lw_buf_free(&es->sl.text);
    free(es);
    in->decoder_state = NULL;
}

const lw_evtx_native_stats *lw_evtx_native_get_stats(const lw_input *in)
{
    const evtx_native_state *es = in->decoder_state;
    return es ? &es->n.st : NULL;
}

const char *lw_evtx_native_last_xml(const lw_input *in, size_t *len)
{
    const evtx_native_state *es = in->decoder_state;
    if (!es) {
        *len = 0;
        return "";
    }
    *len = es->n.out.n;
    return es->n.out.p ? es->n.out.p : "";
}

const lw_decoder lw_decoder_evtx_native = {
    .name = "evtx",
    .sniff = sniff_evtx_native,
    .open = open_evtx_native,
    .next = next_evtx_native,
    .close = close_evtx_native,
};
