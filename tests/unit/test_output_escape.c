/*
 * Tests for the JSON string writer (src/core/json-writer.c: lw_buf_put_json_escaped and the
 * sinks' helpers): every entry point against a byte-at-a-time reference written here from
 * RFC 8259 and the UTF-8 table of Unicode 15 (table 3-7).  Inputs live in exact-size heap
 * blocks and
 * lw_jw_escape_to writes into exactly LW_JW_ROOM(n) bytes, so a sanitizer build catches
 * any read or write out of bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"
#include "core/json-writer.h"

/* ---- reference ------------------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s[0, n), or 0 (Unicode table 3-7). */
static size_t ref_utf8_len(const unsigned char *s, size_t n)
{
    static const struct {
        unsigned char lo0, hi0, lo1, hi1;
        size_t len;
    } rows[] = {
        {0xC2, 0xDF, 0x80, 0xBF, 2}, {0xE0, 0xE0, 0xA0, 0xBF, 3}, {0xE1, 0xEC, 0x80, 0xBF, 3},
        {0xED, 0xED, 0x80, 0x9F, 3}, {0xEE, 0xEF, 0x80, 0xBF, 3}, {0xF0, 0xF0, 0x90, 0xBF, 4},
        {0xF1, 0xF3, 0x80, 0xBF, 4}, {0xF4, 0xF4, 0x80, 0x8F, 4},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        if (s[0] < rows[r].lo0 || s[0] > rows[r].hi0)
            continue;
        size_t len = rows[r].len;
        if (n < len || s[1] < rows[r].lo1 || s[1] > rows[r].hi1)
            return 0;
        for (size_t i = 2; i < len; i++)
            if (s[i] < 0x80 || s[i] > 0xBF)
                return 0;
        return len;
    }
    return 0;
}

/* The body of a JSON string for s[0, n), one byte at a time, into out (6n bytes). */
static size_t ref_escape(char *out, const unsigned char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
            i++;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            out[o++] = '\\';
            out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            i++;
        } else if (c < 0x20) {
            char hex[8];
            snprintf(hex, sizeof hex, "\\u%04x", c);
            memcpy(out + o, hex, 6);
            o += 6;
            i++;
        } else if (c < 0x80) {
            out[o++] = (char)c;
            i++;
        } else {
            size_t len = ref_utf8_len(s + i, n - i);
            if (len == 0) {
                memcpy(out + o, "\xEF\xBF\xBD", 3);
                o += 3;
                i++;
            } else {
                memcpy(out + o, s + i, len);
                o += len;
                i += len;
            }
        }
    }
    return o;
}

/* ---- checking one input --------------------------------------------------------------- */

static unsigned long checked;

#define FAIL_AT(what, in, n, exp, en, got, gn)                                                     \
    fail_at(__FILE__, __LINE__, what, in, n, exp, en, got, gn)

static void fail_at(const char *file, int line, const char *what, const unsigned char *in, size_t n,
                    const char *exp, size_t en, const char *got, size_t gn)
{
    size_t d = 0;
    while (d < en && d < gn && exp[d] == got[d])
        d++;
    fprintf(stderr,
            "%s:%d: %s differs: input of %zu bytes, expected %zu bytes, got %zu, "
            "first difference at output byte %zu\n  input:",
            file, line, what, n, en, gn, d);
    for (size_t i = 0; i < n && i < 64; i++)
        fprintf(stderr, " %02x", in[i]);
    fprintf(stderr, "%s\n", n > 64 ? " ..." : "");
    fail();
}

/* b holds pre bytes of prefix, then exactly exp[0, en). */
static bool buf_is(const lw_buf *b, size_t pre, const char *exp, size_t en)
{
    return b->n == pre + en && (en == 0 || memcmp(b->p + pre, exp, en) == 0);
}

/* Every entry point of the writer on s[0, n) against the reference; n may exceed the
 * chunk (escape_to is then skipped). */
static void check(const unsigned char *src, size_t n)
{
    /* exact-size copy: reading past it is a sanitizer error */
    unsigned char *s = malloc(n ? n : 1);
    assert_non_null(s);
    if (n)
        memcpy(s, src, n);
    const char *sp = n ? (const char *)s : NULL;

    char *exp = malloc(6 * n + 3);
    assert_non_null(exp);
    exp[0] = '"';
    size_t en = ref_escape(exp + 1, s, n);
    exp[1 + en] = '"';

    /* lw_jw_escape_to into exactly LW_JW_ROOM(n) bytes */
    if (n <= LW_JW_CHUNK) {
        char *o = malloc(LW_JW_ROOM(n));
        assert_non_null(o);
        size_t gn = (size_t)(lw_jw_escape_to(o, sp, n) - o);
        if (gn != en || memcmp(o, exp + 1, en) != 0)
            FAIL_AT("lw_jw_escape_to", s, n, exp + 1, en, o, gn);
        free(o);
    }

    /* appends after existing content; a prefix of 0 and of 250 bytes puts the string at
     * and near the first growth of the buffer */
    for (size_t pre = 0; pre <= 250; pre += 250) {
        lw_buf b, c;
        lw_buf_init(&b);
        lw_buf_init(&c);
        for (size_t k = 0; k < pre; k++) {
            lw_buf_putc(&b, 'x');
            lw_buf_putc(&c, 'x');
        }
        lw_buf_put_json_escaped(&b, sp, n);
        lw_jw_put_str(&c, sp, n);
        assert_true(lw_buf_ok(&b) && lw_buf_ok(&c));
        if (!buf_is(&b, pre, exp + 1, en))
            FAIL_AT("lw_buf_put_json_escaped", s, n, exp + 1, en, lw_buf_cstr(&b) + pre, b.n - pre);
        if (!buf_is(&c, pre, exp, en + 2))
            FAIL_AT("lw_jw_put_str", s, n, exp, en + 2, lw_buf_cstr(&c) + pre, c.n - pre);
        lw_buf_free(&b);
        lw_buf_free(&c);
    }
    free(exp);
    free(s);
    checked++;
}

static void check_str(const char *s)
{
    check((const unsigned char *)s, strlen(s));
}

/* ---- cases ---------------------------------------------------------------------------- */

static void test_escape_basic(void **state)
{
    check(NULL, 0);
    check_str("");
    check_str("a");
    check_str("plain ascii, no escapes at all: 0123456789 ABC xyz ~!@#$%^&*()_+{}|:<>?");
    check_str("\"");
    check_str("\\");
    check_str("\"\"\"\\\\\\\"\\");
    check_str("C:\\Windows\\System32\\svchost.exe");
    check_str("\"C:\\Program Files\\Mozilla Firefox\\firefox.exe\" -osint -url \"x\"");
    check_str("line\nbreak\r\ttab");
    check_str("/");
    check_str("\x7f");
    check_str("CORP\\jos\xc3\xa9");
}

/* Every byte value alone, and once at every position of strings of 1..40 bytes (short,
 * 4/8/16-byte words, and runs crossing their boundaries). */
static void test_escape_every_byte_everywhere(void **state)
{
    unsigned char buf[64];
    for (unsigned c = 0; c < 256; c++) {
        buf[0] = (unsigned char)c;
        check(buf, 1);
    }
    unsigned char all_ctl[32];
    for (unsigned c = 0; c < 32; c++)
        all_ctl[c] = (unsigned char)c;
    check(all_ctl, sizeof all_ctl);
    for (size_t len = 1; len <= 40; len++)
        for (size_t at = 0; at < len; at++)
            for (unsigned c = 0; c < 256; c++) {
                memset(buf, 'a' + (int)(len % 26), len);
                buf[at] = (unsigned char)c;
                check(buf, len);
            }
}

/* Two special bytes at every pair of positions of a 20-byte string. */
static void test_escape_pairs(void **state)
{
    static const unsigned char specials[] = {'"', '\\', 0x00, '\n', 0x1f, 0x80, 0xc3, 0xff};
    unsigned char buf[20];
    for (size_t a = 0; a < sizeof buf; a++)
        for (size_t b = a + 1; b < sizeof buf; b++)
            for (size_t x = 0; x < sizeof specials; x++)
                for (size_t y = 0; y < sizeof specials; y++) {
                    memset(buf, 'q', sizeof buf);
                    buf[a] = specials[x];
                    buf[b] = specials[y];
                    check(buf, sizeof buf);
                }
}

/* Well-formed and ill-formed UTF-8 at every offset of plain runs, and cut short at the end
 * of the string. */
static void test_escape_utf8(void **state)
{
    static const char *const seqs[] = {
        "\xc3\xa9", "\xdf\xbf", "\xe0\xa0\x80", "\xe2\x82\xac", "\xed\x9f\xbf", "\xee\x80\x80",
        "\xef\xbf\xbd", "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf0\x9f\x98\x80", "\xf3\xbf\xbf\xbf",
        "\xf4\x8f\xbf\xbf",
        /* ill-formed: overlongs, surrogates, past U+10FFFF, bad leads, lone trails */
        "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
        "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
        "\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80", "\xfe", "\xff", "\x80", "\xbf",
        "\x80\x80\x80\x80", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc3\x28", "\xe2\x28\xa1",
        "\xe2\x82\x28", "\xf0\x28\x8c\xbc", "\xf0\x90\x28\xbc", "\xf0\x9f\x98\x22", "\xc3\xa9\xc3",
        "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2"};
    unsigned char buf[64];
    for (size_t q = 0; q < sizeof seqs / sizeof seqs[0]; q++) {
        size_t sl = strlen(seqs[q]);
        for (size_t pre = 0; pre <= 20; pre++)
            for (size_t post = 0; post <= 20; post++) {
                memset(buf, 'z', pre);
                memcpy(buf + pre, seqs[q], sl);
                memset(buf + pre + sl, 'z', post);
                check(buf, pre + sl + post);
                /* every prefix: sequences cut by the end of the string */
                if (post == 0)
                    for (size_t cut = pre; cut < pre + sl; cut++)
                        check(buf, cut);
            }
    }
}

/* Strings longer than one chunk, with sequences and escapes straddling chunk edges. */
static void test_escape_long(void **state)
{
    size_t n = 3 * LW_JW_CHUNK + 37;
    unsigned char *buf = malloc(n);
    assert_non_null(buf);
    static const char *const seqs[] = {"\xf0\x9f\x98\x80", "\xe2\x82\xac", "\xc3\xa9",
                                       "\xf0\x9f\x98",     "\x80\x80\x80", "\"\\\n\x01"};
    for (size_t q = 0; q < sizeof seqs / sizeof seqs[0]; q++) {
        size_t sl = strlen(seqs[q]);
        for (size_t edge = 1; edge <= 3; edge++)
            for (size_t back = 0; back <= 5; back++) {
                memset(buf, 'L', n);
                size_t at = edge * LW_JW_CHUNK - back;
                memcpy(buf + at, seqs[q], sl);
                check(buf, n);
                check(buf, at + sl - 1 < n ? at + sl - 1 : n);
                check(buf, LW_JW_CHUNK);
                check(buf, LW_JW_CHUNK + 1);
            }
    }
    /* all escapes: the most output per input byte */
    memset(buf, 0x01, n);
    check(buf, n);
    check(buf, LW_JW_CHUNK);
    memset(buf, 0xff, n);
    check(buf, n);
    free(buf);
}

/* Random strings from a byte mix that favours plain runs, escapes and UTF-8. */
static void test_escape_random(void **state)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;
    unsigned char buf[9000];
    for (int iter = 0; iter < 40000; iter++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t n = iter % 50 == 0 ? (size_t)(x % sizeof buf) : (size_t)(x % 70);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            unsigned r = (unsigned)(x >> 32) % 100;
            unsigned v = (unsigned)(x >> 8) & 0xff;
            if (r < 70)
                buf[i] = (unsigned char)(0x20 + v % 0x5f);
            else if (r < 76)
                buf[i] = '\\';
            else if (r < 80)
                buf[i] = '"';
            else if (r < 85)
                buf[i] = (unsigned char)(v % 0x20);
            else if (r < 93 && i + 3 < n) {
                static const char *const u[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
                const char *q = u[v % 3];
                size_t ql = strlen(q);
                memcpy(buf + i, q, ql);
                i += ql - 1;
            } else
                buf[i] = (unsigned char)v;
        }
        check(buf, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_basic), cmocka_unit_test(test_escape_every_byte_everywhere),
        cmocka_unit_test(test_escape_pairs), cmocka_unit_test(test_escape_utf8),
        cmocka_unit_test(test_escape_long),  cmocka_unit_test(test_escape_random),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    printf("%lu inputs checked\n", checked);
    return rc;
}
