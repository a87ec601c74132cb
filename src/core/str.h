/*
 * Sized-string helpers.  lw_str (include/lurewatch.h) is a {p, n} view; nothing here
 * assumes NUL termination.  Case folding is ASCII only, as Sigma matching is.
 */
#ifndef LW_STR_H
#define LW_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lurewatch.h"

#define LW_STR_LIT(s) ((lw_str){(s), sizeof(s) - 1})
#define LW_STR_NULL   ((lw_str){NULL, 0})

static inline lw_str lw_str_c(const char *s)
{
    return (lw_str){s, s ? strlen(s) : 0};
}

/* Value of a hex digit (either case), or -1. */
static inline int lw_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 32;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The first and last 8 bytes of s (4 and 4 for lengths 4..7; first, middle and last byte
 * below 4; zero padded), loaded as whole words.  With the length they determine every
 * byte of strings up to 16 long, so they serve as an exact key for short names and as a
 * cheap digest for longer ones, without a byte loop or a variable-length copy. */
static inline void lw_str_head_tail(lw_str s, uint64_t *head, uint64_t *tail)
{
    *head = *tail = 0;
    if (s.n >= 8) {
        memcpy(head, s.p, 8);
        memcpy(tail, s.p + s.n - 8, 8);
    } else if (s.n >= 4) {
        uint32_t h4, t4;
        memcpy(&h4, s.p, 4);
        memcpy(&t4, s.p + s.n - 4, 4);
        *head = h4;
        *tail = t4;
    } else if (s.n) {
        const unsigned char *u = (const unsigned char *)s.p;
        *head = u[0] | (uint64_t)u[s.n / 2] << 8 | (uint64_t)u[s.n - 1] << 16;
    }
}

static inline unsigned char lw_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline bool lw_str_eq(lw_str a, lw_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static inline bool lw_str_eq_c(lw_str a, const char *b)
{
    return lw_str_eq(a, lw_str_c(b));
}

bool lw_str_ieq(lw_str a, lw_str b);
bool lw_str_ieq_c(lw_str a, const char *b);
bool lw_str_istarts(lw_str s, lw_str prefix);
bool lw_str_iends(lw_str s, lw_str suffix);
/* Offset of needle in hay comparing ASCII case-insensitively, or -1. */
ptrdiff_t lw_str_ifind(lw_str hay, lw_str needle);
/* Hash that ignores ASCII case (equal under lw_str_ieq => equal hash). */
uint64_t lw_str_ihash(lw_str s);
/* Parse a decimal integer (optional sign, surrounding blanks); false if not a number. */
bool lw_str_to_i64(lw_str s, int64_t *out);
/* Parse a decimal or 0x-hex number as double; false if not a number. */
bool lw_str_to_double(lw_str s, double *out);
/* Trim ASCII whitespace on both sides. */
lw_str lw_str_trim(lw_str s);

/*
 * Growable byte buffer for building output (never fails silently: on allocation failure
 * the buffer records oom and further appends are ignored; check lw_buf_ok()).
 */
typedef struct lw_buf {
    char *p;
    size_t n, cap;
    bool oom;
} lw_buf;

void lw_buf_init(lw_buf *b);
void lw_buf_free(lw_buf *b);
void lw_buf_reset(lw_buf *b);
bool lw_buf_reserve(lw_buf *b, size_t extra);
void lw_buf_put(lw_buf *b, const void *p, size_t n);
void lw_buf_puts(lw_buf *b, const char *s);
void lw_buf_putc(lw_buf *b, char c);
void lw_buf_printf(lw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as the body of a JSON string (no quotes), escaping per RFC 8259; invalid UTF-8
 * bytes become U+FFFD so the output is always valid JSON. */
void lw_buf_put_json_escaped(lw_buf *b, const char *s, size_t n);
/* NUL-terminated contents (appends a NUL not counted in n). */
const char *lw_buf_cstr(lw_buf *b);
static inline bool lw_buf_ok(const lw_buf *b)
{
    return !b->oom;
}

/* Bounded formatted copy: always NUL-terminates when cap > 0; returns false on truncation. */
bool lw_fmt(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A growing array's next allocation: p (items of elem bytes) reallocated to twice *cap
 * items, or first when *cap is 0, and *cap updated.  NULL when out of memory or when the
 * size would overflow; p and *cap are then unchanged (p still valid). */
void *lw_grow(void *p, size_t *cap, size_t elem, size_t first);

/* The separator to put between a folder and a name in it: none when the folder already
 * ends with '/' (a user's "logs/" must not make paths "logs//a.evtx"). */
static inline const char *lw_path_sep(const char *dir)
{
    size_t n = strlen(dir);
    return n && dir[n - 1] == '/' ? "" : "/";
}

#endif
