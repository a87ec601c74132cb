#include "str.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

bool lw_str_ieq(lw_str a, lw_str b)
{
    if (a.n != b.n)
        return false;
    /* The common case is names spelled the same way: compare exactly, eight bytes at a
     * time (no library call for these short strings), and fold case only from the first
     * word that differs. */
    size_t i = 0;
    for (; i + 8 <= a.n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a.p + i, 8);
        memcpy(&y, b.p + i, 8);
        if (x != y)
            goto fold;
    }
    for (; i < a.n; i++)
        if (a.p[i] != b.p[i])
            goto fold;
    return true;
fold:
    for (; i < a.n; i++)
        if (lw_lower((unsigned char)a.p[i]) != lw_lower((unsigned char)b.p[i]))
            return false;
    return true;
}

bool lw_str_ieq_c(lw_str a, const char *b)
{
    return lw_str_ieq(a, lw_str_c(b));
}

bool lw_str_istarts(lw_str s, lw_str prefix)
{
    return s.n >= prefix.n && lw_str_ieq((lw_str){s.p, prefix.n}, prefix);
}

bool lw_str_iends(lw_str s, lw_str suffix)
{
    return s.n >= suffix.n && lw_str_ieq((lw_str){s.p + s.n - suffix.n, suffix.n}, suffix);
}

ptrdiff_t lw_str_ifind(lw_str hay, lw_str needle)
{
    if (needle.n == 0)
        return 0;
    if (needle.n > hay.n)
        return -1;
    unsigned char f = lw_lower((unsigned char)needle.p[0]);
    size_t last = hay.n - needle.n;
    for (size_t i = 0; i <= last; i++) {
        if (lw_lower((unsigned char)hay.p[i]) != f)
            continue;
        size_t j = 1;
        while (j < needle.n &&
               lw_lower((unsigned char)hay.p[i + j]) == lw_lower((unsigned char)needle.p[j]))
            j++;
        if (j == needle.n)
            return (ptrdiff_t)i;
    }
    return -1;
}

uint64_t lw_str_ihash(lw_str s)
{
    /* Eight bytes at a time.  OR-ing 0x20 into every byte folds ASCII upper case onto
     * lower case (and merges a few non-letters, which only costs an extra compare on the
     * rare collision): strings equal under lw_str_ieq() always hash the same. */
    const uint64_t k = 0x9E3779B97F4A7C15ULL, fold = 0x2020202020202020ULL;
    uint64_t h = (uint64_t)s.n * k;
    size_t i = 0;
    for (; i + 8 <= s.n; i += 8) {
        uint64_t w;
        memcpy(&w, s.p + i, 8);
        h = (h ^ (w | fold)) * k;
        h ^= h >> 29;
    }
    if (i < s.n) {
        uint64_t w = 0;
        memcpy(&w, s.p + i, s.n - i);
        h = (h ^ (w | fold)) * k;
    }
    h ^= h >> 32;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

lw_str lw_str_trim(lw_str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n')) {
        s.p++;
        s.n--;
    }
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r' ||
                   s.p[s.n - 1] == '\n'))
        s.n--;
    return s;
}

bool lw_str_to_i64(lw_str s, int64_t *out)
{
    s = lw_str_trim(s);
    if (s.n == 0 || s.n > 24)
        return false;
    size_t i = 0;
    bool neg = false;
    if (s.p[0] == '-' || s.p[0] == '+') {
        neg = s.p[0] == '-';
        i = 1;
    }
    if (i == s.n)
        return false;
    uint64_t v = 0;
    for (; i < s.n; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9)
            return false;
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

bool lw_str_to_double(lw_str s, double *out)
{
    s = lw_str_trim(s);
    if (s.n == 0 || s.n > 63)
        return false;
    char tmp[64];
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    char *end = NULL;
    errno = 0;
    double v;
    if (s.n > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X'))
        v = (double)strtoull(tmp, &end, 16);
    else
        v = strtod(tmp, &end);
    if (end == tmp || *end != '\0' || errno == ERANGE || isnan(v))
        return false;
    *out = v;
    return true;
}

void lw_buf_init(lw_buf *b)
{
    b->p = NULL;
    b->n = b->cap = 0;
    b->oom = false;
}

void lw_buf_free(lw_buf *b)
{
    free(b->p);
    lw_buf_init(b);
}

void lw_buf_reset(lw_buf *b)
{
    b->n = 0;
    b->oom = false;
}

bool lw_buf_reserve(lw_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra > SIZE_MAX - b->n - 1) {
        b->oom = true;
        return false;
    }
    size_t need = b->n + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void lw_buf_put(lw_buf *b, const void *p, size_t n)
{
    if (!n || !lw_buf_reserve(b, n))
        return;
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

void lw_buf_puts(lw_buf *b, const char *s)
{
    lw_buf_put(b, s, strlen(s));
}

void lw_buf_putc(lw_buf *b, char c)
{
    if (!lw_buf_reserve(b, 1))
        return;
    b->p[b->n++] = c;
}

void lw_buf_printf(lw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0 || !lw_buf_reserve(b, (size_t)k)) {
        va_end(ap2);
        if (k < 0)
            b->oom = true;
        return;
    }
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap2);
    va_end(ap2);
    b->n += (size_t)k;
}

const char *lw_buf_cstr(lw_buf *b)
{
    if (!lw_buf_reserve(b, 0))
        return "";
    b->p[b->n] = '\0';
    return b->p;
}

bool lw_fmt(char *dst, size_t cap, const char *fmt, ...)
{
    if (cap == 0)
        return false;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
    return k >= 0 && (size_t)k < cap;
}

void *lw_grow(void *p, size_t *cap, size_t elem, size_t first)
{
    size_t ncap = *cap ? *cap * 2 : first;
    if (ncap < *cap || elem == 0 || ncap > SIZE_MAX / elem)
        return NULL;
    void *np = realloc(p, ncap * elem);
    if (np)
        *cap = ncap;
    return np;
}
