#include "json-writer.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__GNUC__)
#define JW_INLINE static inline __attribute__((always_inline))
#else
#define JW_INLINE static inline
#endif

/* Word-at-a-time scanning finds the first byte by its low bits: little-endian only. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JW_SWAR 1
#else
#define JW_SWAR 0
#endif

/* JSON copies these verbatim: printable ASCII other than '"' and '\\'. */
static inline bool is_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

#if JW_SWAR
#define HIGHS 0x8080808080808080ull

static inline uint64_t load64(const unsigned char *s)
{
    uint64_t w;
    memcpy(&w, s, sizeof w);
    return w;
}

static inline uint32_t load32(const unsigned char *s)
{
    uint32_t w;
    memcpy(&w, s, sizeof w);
    return w;
}

/*
 * The high bit of each byte of x that is not plain.  Every sum works on bytes of at most
 * 0x7F with addends that keep them below 0x100, so no carry crosses into the next byte
 * and each bit is exact (not merely "some byte matches").
 */
static inline uint64_t special_bits(uint64_t x)
{
    uint64_t t = x & ~HIGHS;
    uint64_t ge_space = t + 0x6060606060606060ull; /* byte >= 0x20 */
    uint64_t ne_quote = (t ^ 0x2222222222222222ull) + 0x7F7F7F7F7F7F7F7Full;
    uint64_t ne_bslash = (t ^ 0x5C5C5C5C5C5C5C5Cull) + 0x7F7F7F7F7F7F7F7Full;
    return (x | ~(ge_space & ne_quote & ne_bslash)) & HIGHS;
}

static inline size_t first_byte(uint64_t bits)
{
    return (size_t)__builtin_ctzll(bits) >> 3;
}
#endif

/*
 * Copy the plain prefix of s[0, r), at most 16 bytes of it, to o and return its length.
 * A length below min(r, 16) means s[length] needs escaping.  Reads only s[0, r) but may
 * write up to 16 bytes at o (whole words: the caller's room covers them).
 */
JW_INLINE size_t plain_prefix(char *o, const unsigned char *s, size_t r)
{
#if defined(__SSE2__)
    if (r >= 16) {
        /* One signed compare catches the control bytes (< 0x20) and the non-ASCII ones
         * (>= 0x80, negative as signed). */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
        _mm_storeu_si128((__m128i *)(void *)o, v);
        __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                              _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        return mask ? (size_t)__builtin_ctz(mask) : 16;
    }
#endif
#if JW_SWAR
    if (r >= 8) {
        uint64_t w0 = load64(s);
        memcpy(o, &w0, 8);
        uint64_t m0 = special_bits(w0);
        if (m0)
            return first_byte(m0);
        if (r == 8)
            return 8;
        size_t at = r >= 16 ? 8 : r - 8; /* r < 16: the last 8 bytes, overlapping w0 */
        uint64_t w1 = load64(s + at);
        memcpy(o + at, &w1, 8);
        uint64_t m1 = special_bits(w1) >> (8 * (8 - at)); /* drop bytes w0 covered */
        if (m1)
            return 8 + first_byte(m1);
        return r >= 16 ? 16 : r;
    }
    if (r >= 4) {
        /* The first and the last 4 bytes (overlapping when r < 8) as one word. */
        uint32_t lo = load32(s), hi = load32(s + r - 4);
        memcpy(o, &lo, 4);
        memcpy(o + r - 4, &hi, 4);
        uint64_t m = special_bits(lo | (uint64_t)hi << 32);
        if (!m)
            return r;
        size_t j = first_byte(m);
        return j < 4 ? j : r - 8 + j; /* a hit in hi alone lies past lo */
    }
#endif
    size_t lim = r < 16 ? r : 16, k = 0;
    while (k < lim && is_plain(s[k])) {
        o[k] = (char)s[k];
        k++;
    }
    return k;
}

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0 if invalid: the rules of
 * utf8_seq in src/core/str.c (shortest form, no surrogates, at most U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t min;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        min = 0x80;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        min = 0x800;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        min = 0x10000;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Escapes of the control bytes, 6 bytes each (the short ones padded), and their lengths. */
static const char ctl_text[32][6] = {
    "\\u0000", "\\u0001", "\\u0002",     "\\u0003",     "\\u0004", "\\u0005", "\\u0006",
    "\\u0007", "\\u0008", "\\t\0\0\0\0", "\\n\0\0\0\0", "\\u000b", "\\u000c", "\\r\0\0\0\0",
    "\\u000e", "\\u000f", "\\u0010",     "\\u0011",     "\\u0012", "\\u0013", "\\u0014",
    "\\u0015", "\\u0016", "\\u0017",     "\\u0018",     "\\u0019", "\\u001a", "\\u001b",
    "\\u001c", "\\u001d", "\\u001e",     "\\u001f"};

static inline size_t ctl_len(unsigned char c)
{
    return c == '\t' || c == '\n' || c == '\r' ? 2 : 6;
}

/*
 * Escape from s[*pi] while the position is below end (a step may run past end: the plain
 * copy by up to 15 bytes, a UTF-8 sequence by up to 3); lookahead uses all of s[0, n).
 * o has room for LW_JW_ROOM(end - *pi): every step starts at o <= 6 bytes per input byte
 * consumed and touches at most 16 bytes from there.
 */
JW_INLINE char *escape_span(char *o, const unsigned char *s, size_t *pi, size_t end, size_t n)
{
    size_t i = *pi;
    while (i < end) {
        size_t k = plain_prefix(o, s + i, n - i);
        i += k;
        o += k;
        if (k == 16 || i == n)
            continue;
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            o[0] = '\\';
            o[1] = (char)c;
            o += 2;
            i++;
        } else if (c < 0x20) {
            memcpy(o, ctl_text[c], 6);
            o += ctl_len(c);
            i++;
        } else {
            size_t len = utf8_seq(s + i, n - i);
            if (len == 0) {
                memcpy(o, "\xEF\xBF\xBD", 3); /* U+FFFD for the invalid byte */
                o += 3;
                i++;
            } else {
                for (size_t j = 0; j < len; j++)
                    o[j] = (char)s[i + j];
                o += len;
                i += len;
            }
        }
    }
    *pi = i;
    return o;
}

char *lw_jw_escape_to(char *o, const char *s, size_t n)
{
    size_t i = 0;
    return escape_span(o, (const unsigned char *)s, &i, n, n);
}

void lw_buf_put_json_escaped(lw_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t end = n - i > LW_JW_CHUNK ? i + LW_JW_CHUNK : n;
        if (!lw_jw_room(b, LW_JW_ROOM(end - i)))
            return;
        char *o = escape_span(b->p + b->n, u, &i, end, n);
        b->n = (size_t)(o - b->p);
    }
}

void lw_jw_put_str(lw_buf *b, const char *s, size_t n)
{
    if (n > LW_JW_CHUNK) {
        if (lw_jw_room(b, 1))
            b->p[b->n++] = '"';
        lw_buf_put_json_escaped(b, s, n);
        if (lw_jw_room(b, 1))
            b->p[b->n++] = '"';
        return;
    }
    if (!lw_jw_room(b, LW_JW_ROOM(n) + 2))
        return;
    char *o = b->p + b->n;
    *o++ = '"';
    o = lw_jw_escape_to(o, s, n);
    *o++ = '"';
    b->n = (size_t)(o - b->p);
}
