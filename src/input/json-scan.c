/*
 * Zero-copy JSON tokenizer: see json-scan.h for the contract.
 *
 * The parser is a goto state machine over four states (value, key, after_value, close)
 * with an explicit container stack, so its C stack use is constant whatever the input.
 * Strings, which are most of the bytes in Windows events, are scanned 16 bytes at a time
 * for the three bytes that can end or interrupt them ('"', '\\', control characters).
 */
#include "json-scan.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Bytes that stop the fast string scan: '"', '\\' and control characters. */
static const unsigned char str_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['"'] = 1, ['\\'] = 1,
};

static const unsigned char ws_tab[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

/* Hex digit value plus one; 0 for bytes that are not hex digits. */
static const unsigned char hex1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

void lw_json_init(lw_json_parser *p)
{
    memset(p, 0, offsetof(lw_json_parser, stack));
    p->max_tokens = LW_JSON_DEFAULT_MAX_TOKENS;
}

void lw_json_free(lw_json_parser *p)
{
    free(p->toks);
    p->toks = NULL;
    p->ntoks = p->cap = 0;
}

/* Compact JSON (the common case) has no whitespace: one compare settles it. */
static inline __attribute__((always_inline)) size_t skip_ws(const unsigned char *s, size_t pos,
                                                            size_t n)
{
    while (pos < n && s[pos] <= ' ' && ws_tab[s[pos]])
        pos++;
    return pos;
}

/* Offset of the first byte at or after pos that is '"', '\\' or < 0x20; n if none. */
static inline __attribute__((always_inline)) size_t find_str_stop(const unsigned char *s,
                                                                  size_t pos, size_t n)
{
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"');
    const __m128i bs = _mm_set1_epi8('\\');
    const __m128i c1f = _mm_set1_epi8(0x1f);
    while (n - pos >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + pos));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                 _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return pos + (unsigned)__builtin_ctz(mask);
        pos += 16;
    }
#else
    /* SWAR: 8 bytes at a time (has-zero / has-less tricks). */
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    while (n - pos >= 8) {
        uint64_t w;
        memcpy(&w, s + pos, 8);
        uint64_t xq = w ^ (ones * '"'), xb = w ^ (ones * '\\');
        uint64_t t = ((xq - ones) & ~xq) | ((xb - ones) & ~xb) | ((w - ones * 0x20) & ~w);
        if (t & high)
            break; /* the byte loop below pins it down */
        pos += 8;
    }
#endif
    while (pos < n && !str_stop[s[pos]])
        pos++;
    return pos;
}

static lw_status fail(lw_json_parser *p, size_t off, const char *why, bool truncated)
{
    p->err = why;
    p->err_off = off;
    p->truncated = truncated;
    return LW_EFORMAT;
}

/* Make room for one more token.  Returns LW_OK, LW_ENOMEM, or LW_EFORMAT at the limit. */
static lw_status grow(lw_json_parser *p, size_t pos)
{
    if (p->ntoks >= p->max_tokens)
        return fail(p, pos, "too many tokens", false);
    uint32_t ncap = p->cap ? p->cap * 2 : 256;
    if (ncap > p->max_tokens || ncap < p->cap)
        ncap = p->max_tokens;
    lw_json_tok *nt = realloc(p->toks, (size_t)ncap * sizeof(*nt));
    if (!nt)
        return LW_ENOMEM;
    p->toks = nt;
    p->cap = ncap;
    return LW_OK;
}

/* Scan a string whose opening quote is at *ppos; on success *ppos is past the closing
 * quote and *esc tells whether a backslash was seen. */
static lw_status scan_string_slow(lw_json_parser *p, const unsigned char *s, size_t n, size_t *ppos,
                                  bool *esc, size_t pos);

/* The common case inline (no escape before the closing quote), the rest out of line. */
static inline __attribute__((always_inline)) lw_status
scan_string(lw_json_parser *p, const unsigned char *s, size_t n, size_t *ppos, bool *esc)
{
    size_t pos = find_str_stop(s, *ppos + 1, n);
    if (pos < n && s[pos] == '"') {
        *ppos = pos + 1;
        return LW_OK;
    }
    return scan_string_slow(p, s, n, ppos, esc, pos);
}

/*
 * Escapes, 64 bytes at a time.  Given the backslash bits of a block and whether the
 * block's first byte is escaped (carry in), returns the bits of the escaped bytes (each
 * byte after an odd-length run of backslashes) and sets the carry for the next block.
 * Branch-free: a run of backslashes starting on an even bit escapes the byte after it
 * when its length is odd, which one subtraction per block works out for every run.
 */
uint64_t lw_json_escaped_bits(uint64_t bs, uint64_t *carry)
{
    const uint64_t odd = 0xAAAAAAAAAAAAAAAAull;
    uint64_t starts = bs & ~*carry; /* a backslash escaped from the block before starts nothing */
    uint64_t code = (((starts << 1) | odd) - starts) ^ odd;
    uint64_t escaped = code ^ (bs | *carry);
    *carry = (code & bs) >> 63;
    return escaped;
}

/* The quote, backslash and control-byte bits of 64 bytes at p (all readable). */
static inline __attribute__((always_inline)) void classify64(const unsigned char *p, uint64_t *q,
                                                             uint64_t *bs, uint64_t *ctl)
{
#if defined(__SSE2__)
    const __m128i vq = _mm_set1_epi8('"');
    const __m128i vb = _mm_set1_epi8('\\');
    const __m128i c1f = _mm_set1_epi8(0x1f);
    uint64_t mq = 0, mb = 0, mc = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        mq |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq)) << (16 * k);
        mb |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vb)) << (16 * k);
        mc |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v))
              << (16 * k);
    }
    *q = mq;
    *bs = mb;
    *ctl = mc;
#else
    uint64_t mq = 0, mb = 0, mc = 0;
    for (unsigned i = 0; i < 64; i++) {
        mq |= (uint64_t)(p[i] == '"') << i;
        mb |= (uint64_t)(p[i] == '\\') << i;
        mc |= (uint64_t)(p[i] < 0x20) << i;
    }
    *q = mq;
    *bs = mb;
    *ctl = mc;
#endif
}

/* Check the escapes other than \\ and \" (rare: \n, \t, \/, \uXXXX...) at the bits of
 * other in the block at base.  Returns the offset of the first bad one or SIZE_MAX. */
static size_t check_escapes(const unsigned char *s, size_t n, size_t base, uint64_t other,
                            bool *truncated)
{
    for (; other; other &= other - 1) {
        size_t at = base + (size_t)__builtin_ctzll(other); /* the byte after the backslash */
        switch (s[at]) {
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            break;
        case 'u':
            for (size_t i = 1; i < 5; i++) {
                if (at + i >= n) {
                    *truncated = true;
                    return at - 1;
                }
                if (!hex1[s[at + i]])
                    return at - 1;
            }
            break;
        default:
            return at - 1;
        }
    }
    return SIZE_MAX;
}

/*
 * The rest of a string whose body has a backslash or control byte at pos (the scan before
 * found no closing quote earlier).  Works in 64-byte blocks: the closing quote is the
 * first quote no backslash escapes, so a Windows path costs one block, not one restart
 * per separator.  Errors are those of a left-to-right scan: the first bad byte wins.
 */
static lw_status scan_string_slow(lw_json_parser *p, const unsigned char *s, size_t n, size_t *ppos,
                                  bool *esc, size_t pos)
{
    uint64_t carry = 0;
    unsigned char tail[64];
    for (;;) {
        if (pos >= n)
            return fail(p, n, "unterminated string", true);
        const unsigned char *b = s + pos;
        size_t avail = n - pos;
        uint64_t valid = ~0ull;
        if (avail < 64) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, b, avail);
            b = tail;
            valid = (1ull << avail) - 1;
        }
        uint64_t q, bs, ctl;
        classify64(b, &q, &bs, &ctl);
        uint64_t escaped = lw_json_escaped_bits(bs, &carry);
        uint64_t close = q & ~escaped & valid;
        /* Bytes before the closing quote (all of the block when it is not here). */
        uint64_t before = close ? (close & -close) - 1 : valid;
        if (bs & before)
            *esc = true;
        uint64_t bad = ctl & ~escaped & before;
        /* Escaped bytes other than \\ and \" (\n, \uXXXX, or something invalid). */
        uint64_t other = escaped & before & ~bs & ~q;
        if (bad | other) {
            size_t bad_at = bad ? pos + (size_t)__builtin_ctzll(bad) : SIZE_MAX;
            bool truncated = false;
            size_t esc_at = other ? check_escapes(s, n, pos, other, &truncated) : SIZE_MAX;
            if (esc_at < bad_at) {
                if (truncated)
                    return fail(p, n, "unterminated string", true);
                return fail(p, esc_at, s[esc_at + 1] == 'u' ? "bad \\u escape" : "bad escape",
                            false);
            }
            if (bad_at != SIZE_MAX)
                return fail(p, bad_at, "control character in string", false);
        }
        if (close) {
            *ppos = pos + (size_t)__builtin_ctzll(close) + 1;
            return LW_OK;
        }
        pos += avail < 64 ? avail : 64;
    }
}

static inline bool is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10;
}

/* Scan a number starting at *ppos (RFC 8259 grammar). */
static inline lw_status scan_number(lw_json_parser *p, const unsigned char *s, size_t n,
                                    size_t *ppos)
{
    size_t pos = *ppos;
    if (s[pos] == '-' && ++pos >= n)
        return fail(p, n, "truncated number", true);
    if (s[pos] == '0') {
        pos++;
    } else if (is_digit(s[pos])) {
        while (++pos < n && is_digit(s[pos]))
            ;
    } else {
        return fail(p, pos, "bad number", false);
    }
    if (pos < n && s[pos] == '.') {
        if (++pos >= n)
            return fail(p, n, "truncated number", true);
        if (!is_digit(s[pos]))
            return fail(p, pos, "bad number", false);
        while (++pos < n && is_digit(s[pos]))
            ;
    }
    if (pos < n && (s[pos] == 'e' || s[pos] == 'E')) {
        if (++pos >= n)
            return fail(p, n, "truncated number", true);
        if ((s[pos] == '+' || s[pos] == '-') && ++pos >= n)
            return fail(p, n, "truncated number", true);
        if (!is_digit(s[pos]))
            return fail(p, pos, "bad number", false);
        while (++pos < n && is_digit(s[pos]))
            ;
    }
    *ppos = pos;
    return LW_OK;
}

static inline lw_status scan_literal(lw_json_parser *p, const unsigned char *s, size_t n,
                                     size_t *ppos, const char *lit, size_t len)
{
    size_t pos = *ppos, avail = n - pos;
    if (avail < len) {
        if (memcmp(s + pos, lit, avail) == 0)
            return fail(p, n, "truncated literal", true);
        return fail(p, pos, "bad literal", false);
    }
    if (memcmp(s + pos, lit, len) != 0)
        return fail(p, pos, "bad literal", false);
    *ppos = pos + len;
    return LW_OK;
}

lw_status lw_json_parse(lw_json_parser *p, const char *buf, size_t n, unsigned flags, size_t *end)
{
    const unsigned char *s = (const unsigned char *)buf;
    const bool prefix = (flags & LW_JSON_PREFIX) != 0;
    lw_status st;
    uint32_t depth = 0;
    size_t pos;
    lw_json_tok *t;
    bool ws = false; /* whitespace seen (compact texts have none, so no newlines) */

    p->ntoks = 0;
    p->err = NULL;
    p->err_off = 0;
    p->truncated = false;
    p->ws = true;
    if (n > LW_JSON_MAX_INPUT) {
        if (!prefix)
            return fail(p, 0, "input too large", false);
        n = LW_JSON_MAX_INPUT; /* the value must end before; if not it is "truncated" */
    }
/* pos = first non-whitespace byte at or after from. */
#define SKIP_WS(from)                                                                              \
    do {                                                                                           \
        pos = (from);                                                                              \
        if (pos < n && s[pos] <= ' ' && ws_tab[s[pos]]) {                                          \
            ws = true;                                                                             \
            pos = skip_ws(s, pos, n);                                                              \
        }                                                                                          \
    } while (0)

    SKIP_WS(0);
    /* Tokens we may write before checking capacity and the token limit again. */
    uint32_t lim = p->cap < p->max_tokens ? p->cap : p->max_tokens;

/* Append a token for the value at pos; t points at it until the next NEW_TOK. */
#define NEW_TOK(ty)                                                                                \
    do {                                                                                           \
        if (p->ntoks == lim) {                                                                     \
            if ((st = grow(p, pos)) != LW_OK)                                                      \
                return st;                                                                         \
            lim = p->cap < p->max_tokens ? p->cap : p->max_tokens;                                 \
        }                                                                                          \
        t = &p->toks[p->ntoks];                                                                    \
        t->start = (uint32_t)pos;                                                                  \
        t->len = 0;                                                                                \
        t->count = 0;                                                                              \
        t->type = (ty);                                                                            \
        t->flags = 0;                                                                              \
        t->next = ++p->ntoks;                                                                      \
    } while (0)

value:
    if (pos >= n)
        goto eof;
    if (s[pos] == '"')
        goto string_value; /* most values: skip the jump table */
    switch (s[pos]) {
    case '{':
        NEW_TOK(LW_JSON_OBJECT);
        if (depth == LW_JSON_MAX_DEPTH)
            return fail(p, pos, "nesting too deep", false);
        p->stack[depth++] = p->ntoks - 1;
        SKIP_WS(pos + 1);
        if (pos >= n)
            goto eof;
        if (s[pos] == '}') {
            pos++;
            goto close;
        }
        goto key;
    case '[':
        NEW_TOK(LW_JSON_ARRAY);
        if (depth == LW_JSON_MAX_DEPTH)
            return fail(p, pos, "nesting too deep", false);
        p->stack[depth++] = p->ntoks - 1;
        SKIP_WS(pos + 1);
        if (pos >= n)
            goto eof;
        if (s[pos] == ']') {
            pos++;
            goto close;
        }
        goto value;
    case '"':
    string_value : {
        NEW_TOK(LW_JSON_STRING);
        bool esc = false;
        size_t q = pos;
        if ((st = scan_string(p, s, n, &pos, &esc)) != LW_OK)
            return st;
        t->start = (uint32_t)(q + 1);
        t->len = (uint32_t)(pos - q - 2);
        t->flags = esc ? LW_JSON_ESCAPED : 0;
        goto after_value;
    }
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        NEW_TOK(LW_JSON_NUMBER);
        if ((st = scan_number(p, s, n, &pos)) != LW_OK)
            return st;
        t->len = (uint32_t)(pos - t->start);
        /* A bare top-level number running into the end of a prefix buffer may go on. */
        if (pos == n && depth == 0 && prefix && !(flags & LW_JSON_FINAL))
            return fail(p, n, "truncated number", true);
        goto after_value;
    case 't':
        NEW_TOK(LW_JSON_TRUE);
        if ((st = scan_literal(p, s, n, &pos, "true", 4)) != LW_OK)
            return st;
        t->len = 4;
        goto after_value;
    case 'f':
        NEW_TOK(LW_JSON_FALSE);
        if ((st = scan_literal(p, s, n, &pos, "false", 5)) != LW_OK)
            return st;
        t->len = 5;
        goto after_value;
    case 'n':
        NEW_TOK(LW_JSON_NULL);
        if ((st = scan_literal(p, s, n, &pos, "null", 4)) != LW_OK)
            return st;
        t->len = 4;
        goto after_value;
    default:
        return fail(p, pos, "unexpected character", false);
    }

close: /* the innermost container ends just before pos */
    t = &p->toks[p->stack[--depth]];
    t->len = (uint32_t)(pos - t->start);
    t->next = p->ntoks;

after_value:
    if (depth == 0)
        goto done;
    SKIP_WS(pos);
    if (pos >= n)
        goto eof;
    t = &p->toks[p->stack[depth - 1]];
    t->count++;
    if (s[pos] == ',') {
        SKIP_WS(pos + 1);
        if (t->type == LW_JSON_OBJECT)
            goto key;
        goto value;
    }
    if (t->type == LW_JSON_OBJECT) {
        if (s[pos] == '}') {
            pos++;
            goto close;
        }
        return fail(p, pos, "expected ',' or '}'", false);
    }
    if (s[pos] == ']') {
        pos++;
        goto close;
    }
    return fail(p, pos, "expected ',' or ']'", false);

key:
    if (pos >= n)
        goto eof;
    if (s[pos] != '"')
        return fail(p, pos, "expected string key", false);
    {
        NEW_TOK(LW_JSON_STRING);
        bool esc = false;
        size_t q = pos;
        if ((st = scan_string(p, s, n, &pos, &esc)) != LW_OK)
            return st;
        t->start = (uint32_t)(q + 1);
        t->len = (uint32_t)(pos - q - 2);
        t->flags = esc ? LW_JSON_ESCAPED : 0;
    }
    SKIP_WS(pos);
    if (pos >= n)
        goto eof;
    if (s[pos] != ':')
        return fail(p, pos, "expected ':'", false);
    SKIP_WS(pos + 1);
    goto value;

done:
    if (!prefix) {
        SKIP_WS(pos);
        if (pos < n)
            return fail(p, pos, "trailing garbage", false);
    }
    if (end)
        *end = pos;
    p->ws = ws;
    return LW_OK;

eof:
    return fail(p, n, p->ntoks ? "unexpected end of input" : "empty input", true);
#undef NEW_TOK
#undef SKIP_WS
}

static inline unsigned hex4(const unsigned char *h)
{
    return (unsigned)(hex1[h[0]] - 1) << 12 | (unsigned)(hex1[h[1]] - 1) << 8 |
           (unsigned)(hex1[h[2]] - 1) << 4 | (unsigned)(hex1[h[3]] - 1);
}

static inline bool is_hex4(const unsigned char *h)
{
    return hex1[h[0]] && hex1[h[1]] && hex1[h[2]] && hex1[h[3]];
}

static size_t put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | cp >> 6);
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | cp >> 12);
        d[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | cp >> 18);
    d[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    d[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

lw_status lw_json_unescape(lw_arena *a, const char *src, size_t n, lw_str *out)
{
    const unsigned char *p = (const unsigned char *)src;
    /* Every escape shrinks or keeps its length (\uXXXX: 6 -> <= 3 bytes, a pair 12 -> 4),
     * and the defensive paths for unvalidated input emit at most one byte per two read. */
    char *d = lw_arena_alloc(a, n + 1);
    if (!d)
        return LW_ENOMEM;
    size_t i = 0, o = 0;
    while (i < n) {
        /* Copy up to the next backslash: 16 bytes at a time (a store may run past the
         * backslash, which is fine: o <= i, so d + o + 16 <= d + n), then byte by byte. */
#if defined(__SSE2__)
        const __m128i vb = _mm_set1_epi8('\\');
        unsigned mask = 0;
        while (n - i >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            _mm_storeu_si128((__m128i *)(void *)(d + o), v);
            mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vb));
            if (mask)
                break;
            i += 16;
            o += 16;
        }
        if (mask) {
            unsigned k = (unsigned)__builtin_ctz(mask);
            i += k;
            o += k;
        } else
#endif
        {
            while (i < n && p[i] != '\\')
                d[o++] = (char)p[i++];
            if (i == n)
                break;
        }
        if (n - i < 2) { /* lone trailing backslash: keep it */
            d[o++] = '\\';
            i++;
            break;
        }
        unsigned char c = p[i + 1];
        switch (c) {
        case 'b':
            d[o++] = '\b';
            i += 2;
            break;
        case 'f':
            d[o++] = '\f';
            i += 2;
            break;
        case 'n':
            d[o++] = '\n';
            i += 2;
            break;
        case 'r':
            d[o++] = '\r';
            i += 2;
            break;
        case 't':
            d[o++] = '\t';
            i += 2;
            break;
        case 'u': {
            if (n - i < 6 || !is_hex4(p + i + 2)) {
                d[o++] = '?';
                i += 2;
                break;
            }
            unsigned cp = hex4(p + i + 2);
            i += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (n - i >= 6 && p[i] == '\\' && p[i + 1] == 'u' && is_hex4(p + i + 2)) {
                    unsigned lo = hex4(p + i + 2);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    } else {
                        cp = 0xFFFD;
                    }
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            o += put_utf8(d + o, cp);
            break;
        }
        default: /* '"', '\\', '/', and anything unvalidated: the byte itself */
            d[o++] = (char)c;
            i += 2;
            break;
        }
    }
    d[o] = '\0';
    *out = (lw_str){d, o};
    return LW_OK;
}

lw_status lw_json_tok_str(const char *buf, const lw_json_tok *t, lw_arena *a, lw_str *out)
{
    if (t->flags & LW_JSON_ESCAPED)
        return lw_json_unescape(a, buf + t->start, t->len, out);
    *out = (lw_str){buf + t->start, t->len};
    return LW_OK;
}
