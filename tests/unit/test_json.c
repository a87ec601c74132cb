/*
 * Tests for the JSON tokenizer (src/input/json-scan.c) and the JSON decoder
 * (src/input/input-json.c): table tests, a differential test against cJSON, and decoding
 * real files (framings, shapes, hostile inputs, SigmaHQ and OTRF samples when present).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <glob.h>
#include <zlib.h>

#ifdef LW_HAVE_CJSON
#include <cjson/cJSON.h>
#endif

#include "core/event.h"
#include "core/str.h"
#include "input/input.h"
#include "input/json-scan.h"
#include "input/xml-event.h"

/* ---- scanner table tests ------------------------------------------------------------- */

static lw_status parse_str(lw_json_parser *p, const char *s)
{
    return lw_json_parse(p, s, strlen(s), 0, NULL);
}

static void test_scan_valid(void **state)
{
    static const char *const ok[] = {
        "{}",
        "[]",
        " { } ",
        "\t[\r\n]\n",
        "0",
        "-0",
        "1",
        "-1",
        "123",
        "1.5",
        "-1.5e10",
        "1E+2",
        "1e-2",
        "0.0",
        "1.0E0",
        "true",
        "false",
        "null",
        "\"\"",
        "\"a\"",
        "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
        "\"\\u0041\\u00e9\\uD83D\\uDE00\"",
        "\"\\uD800\"",
        "\"\\uDC00x\"",
        "[1,2,3]",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
        "[[[]]]",
        "[{}, {}]",
        "\"\xc3\xa9\xff\"", /* bytes >= 0x80 pass (no UTF-8 check) */
        "{\"a\" : 1 , \"b\" : 2}",
        "[0e0]",
        "[-0.0e-0]",
    };
    lw_json_parser p;
    lw_json_init(&p);
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        lw_status st = parse_str(&p, ok[i]);
        if (st != LW_OK)
            fail_msg("valid JSON rejected: %s (%s at %zu)", ok[i], p.err, p.err_off);
    }
    lw_json_free(&p);
}

static void test_scan_invalid(void **state)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"", "empty input"},
        {"   ", "empty input"},
        {"{", "unexpected end of input"},
        {"[1,2", "unexpected end of input"},
        {"{\"a\":1", "unexpected end of input"},
        {"{\"a\"}", "expected ':'"},
        {"{\"a\":1,}", "expected string key"},
        {"[1,]", "unexpected character"},
        {"[1 2]", "expected ',' or ']'"},
        {"{\"a\":1 \"b\":2}", "expected ',' or '}'"},
        {"{a:1}", "expected string key"},
        {"[1}", "expected ',' or ']'"},
        {"{]", "expected string key"},
        {"]", "unexpected character"},
        {"{} {}", "trailing garbage"},
        {"[] x", "trailing garbage"},
        {"01", "trailing garbage"},
        {"-", "truncated number"},
        {"-a", "bad number"},
        {"1.", "truncated number"},
        {"1.e3", "bad number"},
        {".5", "unexpected character"},
        {"+1", "unexpected character"},
        {"1e", "truncated number"},
        {"1e+", "truncated number"},
        {"1ex", "bad number"},
        {"0x10", "trailing garbage"},
        {"tru", "truncated literal"},
        {"trUe", "bad literal"},
        {"nul", "truncated literal"},
        {"falsey", "trailing garbage"},
        {"\"abc", "unterminated string"},
        {"\"a\nb\"", "control character in string"},
        {"\"a\tb\"", "control character in string"},
        {"\"\x01\"", "control character in string"},
        {"\"\\x\"", "bad escape"},
        {"\"\\u12G4\"", "bad \\u escape"},
        {"\"\\u12\"", "bad \\u escape"},
        {"\"\\", "unterminated string"},
        {"'a'", "unexpected character"},
        {"NaN", "unexpected character"},
        {"[\"a\",\n\"b\"\n", "unexpected end of input"},
    };
    lw_json_parser p;
    lw_json_init(&p);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        lw_status st = parse_str(&p, bad[i].text);
        if (st != LW_EFORMAT)
            fail_msg("invalid JSON accepted: \"%s\"", bad[i].text);
        if (strcmp(p.err, bad[i].why) != 0)
            fail_msg("\"%s\": reason \"%s\", expected \"%s\"", bad[i].text, p.err, bad[i].why);
        assert_true(p.err_off <= strlen(bad[i].text));
    }
    /* Offsets: the error points at the offending byte. */
    assert_int_equal(parse_str(&p, "[1, 2, x]"), LW_EFORMAT);
    assert_int_equal(p.err_off, 7);
    assert_false(p.truncated);
    assert_int_equal(parse_str(&p, "{\"a\": [1, 2"), LW_EFORMAT);
    assert_true(p.truncated);
    lw_json_free(&p);
}

/* Byte-at-a-time reference for lw_json_escaped_bits(). */
static uint64_t ref_escaped_bits(uint64_t bs, uint64_t *carry)
{
    uint64_t out = 0;
    bool escape_next = *carry != 0;
    for (unsigned i = 0; i < 64; i++) {
        if (escape_next) {
            out |= 1ull << i;
            escape_next = false;
        } else if (bs >> i & 1) {
            escape_next = true;
        }
    }
    *carry = escape_next;
    return out;
}

static uint32_t rnd(uint32_t n);
static uint64_t rnd64(void);

static void test_scan_escaped_bits(void **state)
{
    (void)state;
    static const uint64_t fixed[] = {0,
                                     ~0ull,
                                     1,
                                     3,
                                     7,
                                     1ull << 63,
                                     3ull << 62,
                                     0x5555555555555555ull,
                                     0xAAAAAAAAAAAAAAAAull,
                                     0x00F0F0F00000FF00ull};
    for (int run = 0; run < 200000; run++) {
        uint64_t bs = run < 20 ? fixed[run % 10] : rnd64();
        if (run >= 20 && run % 3 == 0)
            bs &= rnd64(); /* sparser runs */
        uint64_t c1 = (uint64_t)(run & 1), c2 = c1;
        uint64_t got = lw_json_escaped_bits(bs, &c1), want = ref_escaped_bits(bs, &c2);
        if (got != want || c1 != c2)
            fail_msg("bs %016llx carry %d: got %016llx/%d want %016llx/%d", (unsigned long long)bs,
                     run & 1, (unsigned long long)got, (int)c1, (unsigned long long)want, (int)c2);
    }
}

/* The string scanner before the 64-byte blocks: the reference for errors and offsets. */
static lw_status ref_scan_string(const unsigned char *s, size_t n, size_t *end, bool *esc,
                                 const char **why, size_t *off, bool *trunc)
{
    static const char hex[] = "0123456789abcdefABCDEF";
    size_t pos = 1;
    *trunc = false;
    for (;;) {
        if (pos >= n) {
            *why = "unterminated string", *off = n, *trunc = true;
            return LW_EFORMAT;
        }
        unsigned char c = s[pos];
        if (c == '"') {
            *end = pos + 1;
            return LW_OK;
        }
        if (c < 0x20) {
            *why = "control character in string", *off = pos;
            return LW_EFORMAT;
        }
        if (c != '\\') {
            pos++;
            continue;
        }
        *esc = true;
        if (n - pos < 2) {
            *why = "unterminated string", *off = n, *trunc = true;
            return LW_EFORMAT;
        }
        c = s[pos + 1];
        if (c && strchr("\"\\/bfnrt", c)) {
            pos += 2;
        } else if (c == 'u') {
            for (size_t i = 2; i < 6; i++) {
                if (pos + i >= n) {
                    *why = "unterminated string", *off = n, *trunc = true;
                    return LW_EFORMAT;
                }
                if (!s[pos + i] || !strchr(hex, s[pos + i])) {
                    *why = "bad \\u escape", *off = pos;
                    return LW_EFORMAT;
                }
            }
            pos += 6;
        } else {
            *why = "bad escape", *off = pos;
            return LW_EFORMAT;
        }
    }
}

/* Byte-at-a-time unescape of validated text (no surrogate pairs: the tests' \uXXXX are below
 * U+D800). */
static size_t ref_unescape(const unsigned char *s, size_t n, char *d)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            d[o++] = (char)s[i++];
            continue;
        }
        unsigned char c = s[i + 1];
        i += 2;
        switch (c) {
        case 'n':
            d[o++] = '\n';
            break;
        case 'u': {
            unsigned cp = (unsigned)strtoul(
                (char[]){(char)s[i], (char)s[i + 1], (char)s[i + 2], (char)s[i + 3], 0}, NULL, 16);
            i += 4;
            if (cp < 0x80) {
                d[o++] = (char)cp;
            } else if (cp < 0x800) {
                d[o++] = (char)(0xC0 | cp >> 6);
                d[o++] = (char)(0x80 | (cp & 0x3F));
            } else { /* no surrogates: the generator's \\u escapes are below U+D800 */
                d[o++] = (char)(0xE0 | cp >> 12);
                d[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
                d[o++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: /* \\ \" \/ */
            d[o++] = (char)c;
            break;
        }
    }
    return o;
}

/* Random string texts (long runs of backslashes, quotes, escapes, control bytes, bodies
 * crossing 16- and 64-byte boundaries, cut anywhere) scan exactly as the reference does. */
static void test_scan_strings_reference(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a",
                                         "\\\\",
                                         "\\\"",
                                         "\\",
                                         "\"",
                                         "\\n",
                                         "\\u00e9",
                                         "\\u12",
                                         "\\uZZ",
                                         "\\x",
                                         "\n",
                                         "\x01",
                                         "\xc3\xa9",
                                         "0123456789abcdef",
                                         "C:\\\\Windows\\\\System32\\\\",
                                         "\\\\\\",
                                         "u",
                                         "\\/"};
    lw_json_parser p;
    lw_json_init(&p);
    unsigned char text[600];
    for (int run = 0; run < 100000; run++) {
        size_t n = 0;
        text[n++] = '"';
        uint32_t k = rnd(40);
        for (uint32_t i = 0; i < k; i++) {
            const char *pc = pieces[rnd(sizeof pieces / sizeof *pieces)];
            size_t l = strlen(pc);
            if (run % 4 == 0 && l > 1)
                l = 1; /* mostly plain bytes */
            if (n + l + 2 > sizeof text)
                break;
            memcpy(text + n, pc, l);
            n += l;
        }
        if (rnd(4))
            text[n++] = '"';
        if (n > 1 && rnd(5) == 0)
            n = 1 + rnd((uint32_t)n); /* cut anywhere */
        size_t ref_end = 0, ref_off = 0, end = 0;
        bool ref_esc = false, ref_trunc = false;
        const char *ref_why = NULL;
        lw_status want =
            ref_scan_string(text, n, &ref_end, &ref_esc, &ref_why, &ref_off, &ref_trunc);
        lw_status got = lw_json_parse(&p, (const char *)text, n, LW_JSON_PREFIX, &end);
        if (want == LW_OK) {
            if (got != LW_OK || end != ref_end || p.ntoks != 1 ||
                p.toks[0].len != (uint32_t)(ref_end - 2) ||
                ((p.toks[0].flags & LW_JSON_ESCAPED) != 0) != ref_esc)
                fail_msg("run %d: \"%.*s\" (n %zu): got %d end %zu, want end %zu esc %d", run,
                         (int)n, (const char *)text, n, (int)got, end, ref_end, (int)ref_esc);
            lw_arena a;
            lw_arena_init(&a, 1024);
            lw_str v;
            char want_text[600];
            size_t wn = ref_unescape(text + 1, ref_end - 2, want_text);
            assert_int_equal(lw_json_tok_str((const char *)text, &p.toks[0], &a, &v), LW_OK);
            if (v.n != wn || memcmp(v.p, want_text, wn) != 0)
                fail_msg("run %d: unescape of \"%.*s\" differs", run, (int)n, (const char *)text);
            lw_arena_free(&a);
        } else if (got != LW_EFORMAT || strcmp(p.err, ref_why) != 0 || p.err_off != ref_off ||
                   p.truncated != ref_trunc) {
            fail_msg("run %d: \"%.*s\" (n %zu): got %d \"%s\" at %zu trunc %d, want \"%s\" at %zu "
                     "trunc %d",
                     run, (int)n, (const char *)text, n, (int)got, got ? p.err : "", p.err_off,
                     (int)p.truncated, ref_why, ref_off, (int)ref_trunc);
        }
    }
    lw_json_free(&p);
}

static void test_scan_tokens(void **state)
{
    const char *s = "{\"a\":[1,2,{\"b\":null}],\"c\":\"x\\ny\",\"d\":{}}";
    lw_json_parser p;
    lw_json_init(&p);
    assert_int_equal(parse_str(&p, s), LW_OK);
    const lw_json_tok *t = p.toks;
    assert_int_equal(p.ntoks, 12);
    assert_int_equal(t[0].type, LW_JSON_OBJECT);
    assert_int_equal(t[0].count, 3);
    assert_int_equal(t[0].next, 12);
    assert_int_equal(t[0].len, strlen(s));
    assert_int_equal(t[1].type, LW_JSON_STRING); /* "a" */
    assert_int_equal(t[1].len, 1);
    assert_memory_equal(s + t[1].start, "a", 1);
    assert_int_equal(t[2].type, LW_JSON_ARRAY);
    assert_int_equal(t[2].count, 3);
    assert_int_equal(t[2].next, 8); /* skip [1,2,{"b":null}] */
    assert_memory_equal(s + t[2].start, "[1,2,{\"b\":null}]", t[2].len);
    assert_int_equal(t[3].type, LW_JSON_NUMBER);
    assert_int_equal(t[5].type, LW_JSON_OBJECT);
    assert_int_equal(t[5].count, 1);
    assert_int_equal(t[7].type, LW_JSON_NULL);
    assert_int_equal(t[9].type, LW_JSON_STRING);
    assert_true(t[9].flags & LW_JSON_ESCAPED);
    assert_false(t[1].flags & LW_JSON_ESCAPED);
    assert_int_equal(t[11].type, LW_JSON_OBJECT);
    assert_int_equal(t[11].count, 0);
    assert_int_equal(t[11].next, 12);
    assert_int_equal(t[11].len, 2);

    /* Prefix mode stops after the value; a bare number at the buffer end may go on. */
    size_t end = 0;
    assert_int_equal(lw_json_parse(&p, " {\"a\":1}\n{\"b\"", 14, LW_JSON_PREFIX, &end), LW_OK);
    assert_int_equal(end, 8);
    assert_int_equal(lw_json_parse(&p, "12", 2, LW_JSON_PREFIX, &end), LW_EFORMAT);
    assert_true(p.truncated);
    assert_int_equal(lw_json_parse(&p, "12", 2, LW_JSON_PREFIX | LW_JSON_FINAL, &end), LW_OK);
    assert_int_equal(end, 2);
    lw_json_free(&p);
}

static void check_unescape(const char *in, const char *want, size_t wantn)
{
    lw_arena a;
    lw_arena_init(&a, 0);
    lw_str out;
    assert_int_equal(lw_json_unescape(&a, in, strlen(in), &out), LW_OK);
    if (out.n != wantn || memcmp(out.p, want, wantn) != 0)
        fail_msg("unescape(%s) gave %zu bytes \"%.*s\"", in, out.n, (int)out.n, out.p);
    assert_true(out.n <= strlen(in));
    lw_arena_free(&a);
}

static void test_scan_unescape(void **state)
{
    check_unescape("plain", "plain", 5);
    check_unescape("a\\\"b\\\\c\\/d", "a\"b\\c/d", 7);
    check_unescape("\\b\\f\\n\\r\\t", "\b\f\n\r\t", 5);
    check_unescape("\\u0041\\u00e9\\u20AC", "A\xc3\xa9\xe2\x82\xac", 6);
    check_unescape("\\u0000x", "\0x", 2);
    check_unescape("\\uD83D\\uDE00", "\xf0\x9f\x98\x80", 4); /* pair */
    check_unescape("\\uDBFF\\uDFFF", "\xf4\x8f\xbf\xbf", 4); /* U+10FFFF */
    check_unescape("\\uD800", "\xef\xbf\xbd", 3);            /* lone high */
    check_unescape("\\uDC00", "\xef\xbf\xbd", 3);            /* lone low */
    check_unescape("\\uD800x",
                   "\xef\xbf\xbd"
                   "x",
                   4); /* high, no low */
    check_unescape("\\uD800\\u0041",
                   "\xef\xbf\xbd"
                   "A",
                   4);                                               /* high, not low */
    check_unescape("\\uDE00\\uD83D", "\xef\xbf\xbd\xef\xbf\xbd", 6); /* reversed */
    check_unescape("C:\\\\Users\\\\x", "C:\\Users\\x", 10);

    /* Through the tokenizer: views for plain strings, copies for escaped ones. */
    const char *s = "[\"plain\",\"e\\u00e9\"]";
    lw_json_parser p;
    lw_json_init(&p);
    assert_int_equal(parse_str(&p, s), LW_OK);
    lw_arena a;
    lw_arena_init(&a, 0);
    lw_str v;
    assert_int_equal(lw_json_tok_str(s, &p.toks[1], &a, &v), LW_OK);
    assert_ptr_equal(v.p, s + 2);
    assert_int_equal(lw_json_tok_str(s, &p.toks[2], &a, &v), LW_OK);
    assert_int_equal(v.n, 3);
    assert_memory_equal(v.p, "e\xc3\xa9", 3);
    lw_arena_free(&a);
    lw_json_free(&p);
}

static char *repeat2(const char *a, size_t na, const char *b, size_t nb, size_t n, size_t *len)
{
    char *s = malloc(n * (na + nb) + 1);
    assert_non_null(s);
    size_t o = 0;
    for (size_t i = 0; i < n; i++, o += na)
        memcpy(s + o, a, na);
    for (size_t i = 0; i < n; i++, o += nb)
        memcpy(s + o, b, nb);
    s[o] = 0;
    *len = o;
    return s;
}

static void test_scan_depth(void **state)
{
    lw_json_parser p;
    lw_json_init(&p);
    size_t n;
    char *s = repeat2("[", 1, "]", 1, LW_JSON_MAX_DEPTH, &n);
    assert_int_equal(lw_json_parse(&p, s, n, 0, NULL), LW_OK);
    free(s);
    s = repeat2("[", 1, "]", 1, LW_JSON_MAX_DEPTH + 1, &n);
    assert_int_equal(lw_json_parse(&p, s, n, 0, NULL), LW_EFORMAT);
    assert_string_equal(p.err, "nesting too deep");
    assert_int_equal(p.err_off, LW_JSON_MAX_DEPTH);
    free(s);
    s = repeat2("{\"a\":", 5, "}", 1, 100000, &n);
    assert_int_equal(lw_json_parse(&p, s, n, 0, NULL), LW_EFORMAT);
    assert_string_equal(p.err, "nesting too deep");
    free(s);
    /* Token limit keeps memory bounded on huge flat arrays. */
    p.max_tokens = 1000;
    s = repeat2(",1", 2, "", 0, 2000, &n); /* ",1,1...,1" -> "[1,1...,1]" */
    s[0] = '[';
    s[n++] = ']';
    assert_int_equal(lw_json_parse(&p, s, n, 0, NULL), LW_EFORMAT);
    assert_string_equal(p.err, "too many tokens");
    free(s);
    lw_json_free(&p);
}

/* ---- differential test against cJSON ----------------------------------------------- */

#ifdef LW_HAVE_CJSON
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static uint64_t rnd64(void)
{
    return (uint64_t)rnd(1u << 31) << 33 ^ (uint64_t)rnd(1u << 31) << 11 ^ rnd(1u << 11);
}

static void gen_string(lw_buf *b)
{
    static const char *const pieces[] = {
        "a",
        "Image",
        "C:\\\\Windows",
        "\\\"",
        "\\n",
        "\\t",
        "\\/",
        "\\u0041",
        "\\u00e9",
        "\\u20ac",
        "\\uD83D\\uDE00",
        "\xc3\xa9",
        "\xe2\x82\xac",
        " ",
        "x y",
        "\\\\",
        "\\b",
        "\\f",
        "\\r",
        "0",
        "-",
        "{",
        "]",
        ",",
        ":",
    };
    lw_buf_putc(b, '"');
    for (uint32_t i = rnd(6); i; i--)
        lw_buf_puts(b, pieces[rnd(sizeof pieces / sizeof *pieces)]);
    lw_buf_putc(b, '"');
}

static void gen_value(lw_buf *b, int depth)
{
    static const char *const nums[] = {"0",    "-0",  "1",       "42",           "-17",
                                       "3.25", "1e5", "-2.5E-3", "123456789012", "0.000001"};
    uint32_t k = rnd(depth > 6 ? 6 : 9);
    switch (k) {
    case 0:
    case 1:
        gen_string(b);
        break;
    case 2:
        lw_buf_puts(b, nums[rnd(10)]);
        break;
    case 3:
        lw_buf_puts(b, "true");
        break;
    case 4:
        lw_buf_puts(b, "false");
        break;
    case 5:
        lw_buf_puts(b, "null");
        break;
    case 6:
    case 7: {
        lw_buf_putc(b, '{');
        for (uint32_t i = rnd(5), first = 1; i; i--, first = 0) {
            if (!first)
                lw_buf_puts(b, rnd(3) ? "," : " , ");
            gen_string(b);
            lw_buf_puts(b, rnd(2) ? ":" : " :\n ");
            gen_value(b, depth + 1);
        }
        lw_buf_putc(b, '}');
        break;
    }
    default: {
        lw_buf_putc(b, '[');
        for (uint32_t i = rnd(5), first = 1; i; i--, first = 0) {
            if (!first)
                lw_buf_putc(b, ',');
            gen_value(b, depth + 1);
        }
        lw_buf_putc(b, ']');
    }
    }
}

/* Strings (keys and values) in document order, NUL-terminated each (as cJSON sees them). */
static void cjson_strings(const cJSON *it, lw_buf *out)
{
    for (; it; it = it->next) {
        if (it->string) {
            lw_buf_puts(out, it->string);
            lw_buf_putc(out, '\n');
        }
        if (cJSON_IsString(it)) {
            lw_buf_puts(out, it->valuestring);
            lw_buf_putc(out, '\n');
        }
        if (cJSON_IsArray(it) || cJSON_IsObject(it))
            cjson_strings(it->child, out);
    }
}

static void lw_strings(const lw_json_parser *p, const char *buf, lw_buf *out, bool *fffd)
{
    lw_arena a;
    lw_arena_init(&a, 0);
    for (uint32_t i = 0; i < p->ntoks; i++) {
        if (p->toks[i].type != LW_JSON_STRING)
            continue;
        lw_str v;
        assert_int_equal(lw_json_tok_str(buf, &p->toks[i], &a, &v), LW_OK);
        if (memmem(v.p, v.n, "\xef\xbf\xbd", 3))
            *fffd = true;
        size_t k = strnlen(v.p, v.n); /* cJSON strings stop at an escaped NUL */
        lw_buf_put(out, v.p, k);
        lw_buf_putc(out, '\n');
    }
    lw_arena_free(&a);
}

static bool has_ctl(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return true;
    return false;
}

/* The error is at a digit right after a leading 0 ("01"), which strtod accepts. */
static bool leading_zero(const char *s, size_t off)
{
    return off >= 1 && s[off] >= '0' && s[off] <= '9' && s[off - 1] == '0';
}

/* 0 agree; 1 explained disagreement; -1 unexplained. */
static int differ(lw_json_parser *p, const char *doc, size_t n)
{
    char *z = malloc(n + 1);
    memcpy(z, doc, n);
    z[n] = 0;
    const char *endp = NULL;
    cJSON *cj = cJSON_ParseWithLengthOpts(z, n + 1, &endp, 1);
    lw_status st = lw_json_parse(p, z, n, 0, NULL);
    int r = 0;
    bool nul_inside = strlen(z) != n;
    if ((cj != NULL) != (st == LW_OK)) {
        /* Known cJSON laxities: control bytes count as whitespace and may sit in strings,
         * numbers are checked by strtod ("01", "1."), text after an embedded NUL is
         * ignored.  Known strictness: lone surrogate escapes (we map them to U+FFFD). */
        if (cj &&
            (has_ctl(z, n) || nul_inside || strcmp(p->err, "bad number") == 0 ||
             strcmp(p->err, "truncated number") == 0 || strcmp(p->err, "trailing garbage") == 0 ||
             strcmp(p->err, "control character in string") == 0 ||
             strcmp(p->err, "bad \\u escape") == 0 || leading_zero(z, p->err_off)))
            r = 1;
        else if (!cj && st == LW_OK) {
            lw_buf tmp;
            lw_buf_init(&tmp);
            bool fffd = false;
            lw_strings(p, z, &tmp, &fffd);
            lw_buf_free(&tmp);
            r = fffd ? 1 : -1;
        } else {
            r = -1;
        }
    } else if (cj) {
        lw_buf a, b;
        lw_buf_init(&a);
        lw_buf_init(&b);
        bool fffd = false;
        cjson_strings(cj, &a);
        lw_strings(p, z, &b, &fffd);
        if (a.n != b.n || (a.n && memcmp(a.p, b.p, a.n) != 0))
            r = -1;
        lw_buf_free(&a);
        lw_buf_free(&b);
    }
    if (r < 0)
        print_message("disagreement (cJSON %s, lw %s %s): %.*s\n", cj ? "ok" : "error",
                      st == LW_OK ? "ok" : "error", st == LW_OK ? "" : p->err,
                      (int)(n > 300 ? 300 : n), z);
    cJSON_Delete(cj);
    free(z);
    return r;
}

static void test_scan_differential(void **state)
{
    lw_json_parser p;
    lw_json_init(&p);
    static const char mut[] = "{}[]\",:\\ \n0123456789-+.eEtrufalsn\x01\x1f\x7f\xc3\xa9u";
    int agree = 0, explained = 0, unexplained = 0, valid = 0;
    lw_buf doc;
    lw_buf_init(&doc);
    for (int iter = 0; iter < 20000; iter++) {
        lw_buf_reset(&doc);
        gen_value(&doc, 0);
        assert_true(lw_buf_ok(&doc));
        /* Mutate most documents: replace, insert or delete a few bytes, or truncate. */
        int nm = iter % 4 == 0 ? 0 : 1 + (int)rnd(3);
        for (int m = 0; m < nm && doc.n > 0; m++) {
            size_t at = rnd((uint32_t)doc.n);
            switch (rnd(4)) {
            case 0:
                doc.p[at] = mut[rnd(sizeof mut - 1)];
                break;
            case 1:
                if (lw_buf_reserve(&doc, 1)) {
                    memmove(doc.p + at + 1, doc.p + at, doc.n - at);
                    doc.p[at] = mut[rnd(sizeof mut - 1)];
                    doc.n++;
                }
                break;
            case 2:
                memmove(doc.p + at, doc.p + at + 1, doc.n - at - 1);
                doc.n--;
                break;
            default:
                doc.n = at;
            }
        }
        int r = differ(&p, doc.p, doc.n);
        if (p.ntoks && lw_json_parse(&p, doc.p, doc.n, 0, NULL) == LW_OK)
            valid++;
        if (r == 0)
            agree++;
        else if (r == 1)
            explained++;
        else
            unexplained++;
    }
    /* The fixture documents too. */
    static const char *const fx[] = {"sysmon1_evtx_dump.json", "sysmon1_winlogbeat.json",
                                     "sysmon1_flat.json", "evtx_dump_data_array.json"};
    for (size_t i = 0; i < sizeof fx / sizeof *fx; i++) {
        char path[512];
        lw_fmt(path, sizeof path, "%s/tests/fixtures/json/%s", LW_SOURCE_DIR, fx[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char buf[8192];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        assert_int_equal(differ(&p, buf, n), 0);
        assert_int_equal(lw_json_parse(&p, buf, n, 0, NULL), LW_OK);
    }
    print_message("differential: %d agree, %d explained (cJSON laxity), %d unexplained, "
                  "%d valid\n",
                  agree, explained, unexplained, valid);
    assert_int_equal(unexplained, 0);
    assert_true(valid > 3000);
    lw_buf_free(&doc);
    lw_json_free(&p);
}
#endif

/* ---- decoder through real files ---------------------------------------------------- */

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
    static char path[8][256];
    static int k;
    k = (k + 1) % 8;
    lw_fmt(path[k], sizeof path[k], "%s/%s", tmpdir, name);
    return path[k];
}

static const char *write_tmp(const char *name, const void *data, size_t n)
{
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return p;
}

typedef struct run {
    int events, skips;
    lw_status last;
    lw_buf dig; /* one block per event */
    uint64_t records[64];
} run;

static void digest(lw_buf *b, const lw_event *ev, bool with_record)
{
    char t[40] = "-";
    if (ev->time_ms != INT64_MIN)
        lw_format_time(ev->time_ms, t, sizeof t);
    if (with_record)
        lw_buf_printf(b, "@%llu ", (unsigned long long)ev->record);
    lw_buf_printf(b, "eid=%d ch=%.*s host=%.*s prov=%.*s time=%s win=%d\n", ev->event_id,
                  (int)ev->channel.n, ev->channel.p, (int)ev->host.n, ev->host.p,
                  (int)ev->provider.n, ev->provider.p, t, ev->product == LW_PRODUCT_WINDOWS);
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const lw_field *f = &ev->fields[i];
        lw_buf_printf(b, "  %.*s=%.*s%s\n", (int)f->name.n, f->name.p, (int)f->value.n, f->value.p,
                      (f->flags & LW_FIELD_NULL) ? " (null)" : "");
    }
}

static void run_file(const char *path, size_t max_record, run *out, bool with_record)
{
    lw_buf_free(&out->dig); /* runs are reused: callers zero-initialize them */
    memset(out, 0, sizeof *out);
    lw_buf_init(&out->dig);
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.max_record = max_record;
    in.hunt = NULL;
    assert_int_equal(lw_reader_open(&in.rd, path, max_record + 512 * 1024), LW_OK);
    assert_int_equal(lw_decoder_json.open(&in), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    /* Every next() call consumes at least one byte: more calls than bytes is a hang. */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    for (long long guard = 0;; guard++) {
        if (guard > (long long)sb.st_size + 2)
            fail_msg("%s: decoder does not make progress", path);
        lw_event_reset(&ev);
        ev.src_path = path;
        lw_status st = lw_decoder_json.next(&in, &ev);
        out->last = st;
        if (st == LW_OK) {
            if (out->events < 64)
                out->records[out->events] = ev.record;
            out->events++;
            digest(&out->dig, &ev, with_record);
        } else if (st == LW_EFORMAT) {
            out->skips++;
        } else {
            break;
        }
    }
    lw_event_destroy(&ev);
    lw_decoder_json.close(&in);
    lw_reader_close(&in.rd);
}

static void run_mem(const char *data, size_t n, run *out)
{
    run_file(write_tmp("mem.json", data, n), 1 << 20, out, true);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    assert_int_equal(fread(s, 1, (size_t)len, f), (size_t)len);
    s[len] = 0;
    fclose(f);
    *n = (size_t)len;
    return s;
}

static const char *fixture(const char *name)
{
    static char path[4][512];
    static int k;
    k = (k + 1) % 4;
    lw_fmt(path[k], sizeof path[k], "%s/tests/fixtures/json/%s", LW_SOURCE_DIR, name);
    return path[k];
}

/* Splunk's export of XmlWinEventLog and ECS event.original: the XML inside is the event,
 * decoded exactly as the XML decoder does; broken XML is one located skip. */
static void test_decode_raw_xml(void **state)
{
    (void)state;
    static const char xml[] =
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        "<Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>"
        "<TimeCreated SystemTime='2026-03-02T09:14:05.120Z'/><EventRecordID>101</EventRecordID>"
        "<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS-A</Computer>"
        "</System><EventData><Data Name='Image'>C:\\Windows\\System32\\wscript.exe</Data>"
        "<Data Name='CommandLine'>wscript \"C:\\Users\\a\\x.js\"</Data></EventData></Event>";
    /* the same XML as a JSON string value */
    lw_buf js;
    lw_buf_init(&js);
    lw_buf_put_json_escaped(&js, xml, sizeof xml - 1);
    const char *esc = lw_buf_cstr(&js);
    lw_buf in;
    lw_buf_init(&in);
    lw_buf_printf(&in, "{\"preview\":false,\"result\":{\"_raw\":\"%s\",\"host\":\"x\"}}\n", esc);
    lw_buf_printf(&in, "{\"@timestamp\":\"x\",\"event\":{\"original\":\"%s\"}}\n", esc);
    lw_buf_printf(&in, "{\"_raw\":\"<Event><System><EventID>1</Event>\",\"host\":\"x\"}\n");
    run r = {0};
    run_mem(in.p, in.n, &r);
    assert_int_equal(r.events, 2);
    assert_int_equal(r.skips, 1); /* mismatched tags: one skip, not a silent event */
    /* both JSON shapes give the XML parser's event (records are the JSON lines) */
    lw_event ev;
    lw_event_init(&ev);
    assert_int_equal(lw_xml_event_parse(xml, sizeof xml - 1, &ev, LW_XML_EVTX_DUMP_VALUES, NULL),
                     LW_OK);
    lw_buf one, want;
    lw_buf_init(&one);
    lw_buf_init(&want);
    digest(&one, &ev, false);
    lw_buf_printf(&want, "@1 %s@2 %s", lw_buf_cstr(&one), lw_buf_cstr(&one));
    assert_string_equal(lw_buf_cstr(&r.dig), lw_buf_cstr(&want));
    lw_event_destroy(&ev);
    lw_buf_free(&one);
    lw_buf_free(&want);
    lw_buf_free(&js);
    lw_buf_free(&in);
    lw_buf_free(&r.dig);
}

static void test_decode_shapes_agree(void **state)
{
    run a = {0}, b = {0}, c = {0};
    run_file(fixture("sysmon1_evtx_dump.json"), 1 << 20, &a, false);
    run_file(fixture("sysmon1_winlogbeat.json"), 1 << 20, &b, false);
    run_file(fixture("sysmon1_flat.json"), 1 << 20, &c, false);
    assert_int_equal(a.events, 1);
    assert_int_equal(b.events, 1);
    assert_int_equal(c.events, 1);
    assert_int_equal(a.skips + b.skips + c.skips, 0);
    const char *want = "eid=1 ch=Microsoft-Windows-Sysmon/Operational host=MKT01.pandalab.com "
                       "prov=Microsoft-Windows-Sysmon time=2023-08-15T09:53:48.447Z win=1\n"
                       "  RuleName=-\n"
                       "  UtcTime=2023-08-15 09:53:48.445\n"
                       "  ProcessGuid={8b2f5a4e-4b0c-64db-3a01-000000000a00}\n"
                       "  ProcessId=7448\n"
                       "  Image=C:\\Users\\stevie.marie\\Downloads\\winx64_payload.exe\n"
                       "  CommandLine=\"C:\\Users\\stevie.marie\\Downloads\\winx64_payload.exe\" "
                       "\xc3\xa9t\xc3\xa9\n"
                       "  User=PANDALAB\\stevie.marie\n"
                       "  ParentImage=C:\\Windows\\explorer.exe\n"
                       "  TerminalSessionId=1\n"
                       "  Signed=true\n"
                       "  Extra= (null)\n";
    assert_string_equal(lw_buf_cstr(&a.dig), want);
    assert_string_equal(lw_buf_cstr(&b.dig), want);
    assert_string_equal(lw_buf_cstr(&c.dig), want);
    lw_buf_free(&a.dig);
    lw_buf_free(&b.dig);
    lw_buf_free(&c.dig);
}

static void test_decode_evtx_dump_variants(void **state)
{
    run r = {0};
    run_file(fixture("evtx_dump_data_array.json"), 1 << 20, &r, true);
    assert_int_equal(r.events, 3);
    assert_int_equal(r.skips, 0);
    assert_string_equal(lw_buf_cstr(&r.dig),
                        "@2 eid=4688 ch=Security host=WS01 "
                        "prov=Microsoft-Windows-Security-Auditing time=2019-06-15T07:13:42.123Z "
                        "win=1\n"
                        "  NewProcessName=C:\\Windows\\System32\\cmd.exe\n"
                        "  CommandLine=\n"
                        "  TokenElevationType=4\n"
                        "@20 eid=8004 ch=Microsoft-Windows-AppLocker/EXE and DLL host=WS01 "
                        "prov=Microsoft-Windows-AppLocker time=- win=1\n"
                        "  PolicyName=EXE\n"
                        "  FilePath=%OSDRIVE%\\USERS\\BOB\\DOWNLOADS\\INVOICE.EXE\n"
                        "@38 eid=7045 ch=System host= prov= time=- win=1\n"
                        "  Data=just one\n");
    lw_buf_free(&r.dig);
}

static void test_decode_mixed_jsonl(void **state)
{
    run r = {0};
    run_file(fixture("mixed.jsonl"), 1 << 20, &r, true);
    /* line 2 junk; lines 4-5 one broken record ('{"broken":' swallows "42" as its value
     * and fails at line 6, which is then read as the next record). */
    assert_int_equal(r.events, 3);
    assert_int_equal(r.skips, 2);
    assert_int_equal(r.records[0], 1);
    assert_int_equal(r.records[1], 3);
    assert_int_equal(r.records[2], 6);
    assert_non_null(strstr(lw_buf_cstr(&r.dig), "@1 eid=4624 ch=Security host=DC01 "
                                                "prov=Microsoft-Windows-Security-Auditing "
                                                "time=2021-01-02T03:04:05.000Z win=1\n"
                                                "  EventTime=2021-01-02 03:04:05\n"
                                                "  LogonType=3\n"));
    assert_non_null(strstr(lw_buf_cstr(&r.dig), "@3 eid=3 ch=Microsoft-Windows-Sysmon/Operational "
                                                "host=ws02 prov= time=- win=1\n"
                                                "  DestinationIp=10.0.5.13\n"));
    assert_non_null(
        strstr(lw_buf_cstr(&r.dig), "  TargetFilename=C:\\Users\\a\\Downloads\\x.js\n"));
    lw_buf_free(&r.dig);
}

/* N JSONL records with generated content. */
static void make_jsonl(lw_buf *b, int n, const char *eol)
{
    for (int i = 0; i < n; i++)
        lw_buf_printf(b,
                      "{\"EventID\":%d,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
                      "\"Hostname\":\"h%d\",\"@timestamp\":\"2023-08-15T09:53:%02d.000Z\","
                      "\"Image\":\"C:\\\\x\\\\p%d.exe\",\"N\":%d}%s",
                      1 + i % 25, i, i % 60, i, i, eol);
}

static void test_decode_framings(void **state)
{
    lw_buf src;
    lw_buf_init(&src);
    make_jsonl(&src, 50, "\n");
    run clean = {0};
    run_mem(src.p, src.n, &clean);
    assert_int_equal(clean.events, 50);
    assert_int_equal(clean.skips, 0);
    assert_int_equal(clean.records[49], 50);
    assert_int_equal(clean.last, LW_EOF);
    char *d = strdup(lw_buf_cstr(&clean.dig));

    /* CRLF line ends and a BOM: same events. */
    lw_buf b;
    lw_buf_init(&b);
    lw_buf_puts(&b, "\xef\xbb\xbf");
    make_jsonl(&b, 50, "\r\n");
    run r = {0};
    run_mem(b.p, b.n, &r);
    assert_int_equal(r.events, 50);
    assert_int_equal(r.skips, 0);
    assert_string_equal(lw_buf_cstr(&r.dig), d);
    lw_buf_free(&r.dig);

    /* Junk lines mixed in: the same events, one skip per junk line. */
    lw_buf_reset(&b);
    static const char *const junk[] = {"garbage", "}",    "{\"a\":}",
                                       "\"str\"", "[1,",  "{\"x\":\"unterminated",
                                       "nul",     "{{}}", "\x01\x02"};
    const char *p = src.p;
    int nj = 0;
    for (int i = 0; i < 50; i++) {
        if (i % 5 == 2) {
            lw_buf_printf(&b, "%s\n", junk[nj % 9]);
            nj++;
        }
        const char *nl = memchr(p, '\n', src.n - (size_t)(p - src.p));
        lw_buf_put(&b, p, (size_t)(nl - p) + 1);
        p = nl + 1;
    }
    run_mem(b.p, b.n, &r);
    assert_int_equal(r.events, 50);
    assert_int_equal(r.skips, nj);
    lw_buf_free(&r.dig);
    run_file(tmp_path("mem.json"), 1 << 20, &r, false);
    run_file(write_tmp("clean.json", src.p, src.n), 1 << 20, &clean, false);
    assert_string_equal(lw_buf_cstr(&r.dig), lw_buf_cstr(&clean.dig));
    lw_buf_free(&r.dig);

    /* Top-level arrays: compact and pretty, then more records after the array. */
    lw_buf_reset(&b);
    lw_buf_puts(&b, "[");
    p = src.p;
    for (int i = 0; i < 50; i++) {
        const char *nl = memchr(p, '\n', src.n - (size_t)(p - src.p));
        if (i)
            lw_buf_puts(&b, i % 2 ? ",\n  " : ", ");
        lw_buf_put(&b, p, (size_t)(nl - p));
        p = nl + 1;
    }
    lw_buf_puts(&b, "\n]\n[]\n[ 7 ]\n{\"EventID\":1}");
    run_mem(b.p, b.n, &r);
    assert_int_equal(r.events, 51);
    assert_int_equal(r.skips, 1); /* the 7 */
    assert_int_equal(r.last, LW_EOF);
    lw_buf_free(&r.dig);

    /* gzip of the JSONL. */
    const char *gzp = tmp_path("t.jsonl.gz");
    gzFile gz = gzopen(gzp, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, src.p, (unsigned)src.n), (int)src.n);
    assert_int_equal(gzclose(gz), Z_OK);
    run_file(gzp, 1 << 20, &r, true);
    assert_int_equal(r.events, 50);
    assert_int_equal(r.skips, 0);
    lw_buf_free(&r.dig);
    run_mem(src.p, src.n, &clean);
    run_file(gzp, 1 << 20, &r, true);
    assert_string_equal(lw_buf_cstr(&r.dig), lw_buf_cstr(&clean.dig));
    lw_buf_free(&r.dig);
    lw_buf_free(&clean.dig);

    /* Empty, whitespace-only, no final newline, truncated last record. */
    run_mem("", 0, &r);
    assert_int_equal(r.events + r.skips, 0);
    assert_int_equal(r.last, LW_EOF);
    run_mem(" \n\r\n\t \n", 7, &r);
    assert_int_equal(r.events + r.skips, 0);
    run_mem("{\"EventID\":1}", 13, &r);
    assert_int_equal(r.events, 1);
    run_mem("{\"EventID\":1}\n{\"EventID\":2", 26, &r);
    assert_int_equal(r.events, 1);
    assert_int_equal(r.skips, 1);
    /* A bad last line without a newline (found by fuzzing: used to loop at EOF). */
    run_mem("x", 1, &r);
    assert_int_equal(r.skips, 1);
    assert_int_equal(r.last, LW_EOF);
    run_mem("{\"EventID\":1}\n}x", 16, &r);
    assert_int_equal(r.events, 1);
    assert_int_equal(r.skips, 1);
    assert_int_equal(r.last, LW_EOF);
    run_mem("42", 2, &r);
    assert_int_equal(r.skips, 1);
    assert_int_equal(r.events, 0);

    free(d);
    lw_buf_free(&src);
    lw_buf_free(&b);
}

static void test_decode_pretty(void **state)
{
    /* Concatenated pretty records, one of them broken in the middle. */
    const char *text =
        "{\n  \"EventID\": 1,\n  \"Channel\": \"a\"\n}\n"
        "{\n  \"EventID\": 2,\n  \"Bad\": tru,\n  \"Nested\": {\n    \"x\": 1\n  }\n}\n"
        "{\n  \"EventID\": 3\n}\n"
        "  [\n    {\n      \"EventID\": 4\n    },\n    {\n      \"EventID\": x\n"
        "    },\n    {\n      \"EventID\": 6\n    }\n  ]\n";
    run r = {0};
    run_mem(text, strlen(text), &r);
    assert_int_equal(r.events, 4);
    assert_int_equal(r.skips, 2);
    assert_int_equal(r.records[0], 1);
    assert_int_equal(r.records[1], 12);
    assert_int_equal(r.records[2], 16);
    assert_int_equal(r.records[3], 22);
    lw_buf_free(&r.dig);
}

static void test_decode_hostile(void **state)
{
    /* A 3 MB line: skipped with max_record 1 MB, decoded with 8 MB; the next line survives. */
    size_t big = 3 << 20;
    char *s = malloc(big + 64);
    int k = snprintf(s, 64, "{\"EventID\":1,\"CommandLine\":\"");
    memset(s + k, 'A', big - (size_t)k - 3);
    memcpy(s + big - 3, "\"}\n", 3);
    memcpy(s + big, "{\"EventID\":2}\n", 14);
    const char *p = write_tmp("big.jsonl", s, big + 14);
    run r = {0};
    run_file(p, 1 << 20, &r, false);
    assert_int_equal(r.events, 1);
    assert_int_equal(r.skips, 1);
    lw_buf_free(&r.dig);
    run_file(p, 8 << 20, &r, false);
    assert_int_equal(r.events, 2);
    assert_int_equal(r.skips, 0);
    lw_buf_free(&r.dig);
    free(s);

    /* 100k-deep nesting: one skip each, then the next record. */
    size_t n;
    s = repeat2("[", 1, "]", 1, 100000, &n);
    s[n - 1] = '\n';
    lw_buf b;
    lw_buf_init(&b);
    lw_buf_put(&b, s, n);
    free(s);
    s = repeat2("{\"a\":", 5, "}", 1, 100000, &n);
    lw_buf_put(&b, s, n);
    free(s);
    lw_buf_puts(&b, "\n{\"EventID\":5}\n");
    run_mem(b.p, b.n, &r);
    assert_int_equal(r.events, 1);
    assert_int_equal(r.skips, 2);
    lw_buf_free(&r.dig);

    /* Unclosed brackets and strings across many lines must not swallow unbounded input. */
    lw_buf_reset(&b);
    lw_buf_puts(&b, "{\"a\": \"x\",\n");
    for (int i = 0; i < 1000; i++)
        lw_buf_puts(&b, "  \"k\": 1,\n");
    lw_buf_puts(&b, "{\"EventID\":9}\n");
    run_mem(b.p, b.n, &r);
    assert_int_equal(r.events, 1);
    assert_int_equal(r.skips, 1);
    lw_buf_free(&r.dig);
    lw_buf_free(&b);
}

/* ---- shared reference data ------------------------------------------------------- */

static void test_decode_sigma_regression(void **state)
{
    char pat[512];
    int total = 0, files = 0;
    static const char *const globs[] = {
        "/sigma/regression_data/*/*/*/*/*.json", "/sigma/regression_data/*/*/*/*/*/*.json",
        "/sigma/regression_data/*/*/*/*/*/*/*.json", "/sigma/regression_data/*/*/*/*/*/*/*/*.json"};
    for (size_t g = 0; g < sizeof globs / sizeof *globs; g++) {
        glob_t gl;
        lw_fmt(pat, sizeof pat, "%s%s", LW_SHARED_DIR, globs[g]);
        if (glob(pat, 0, NULL, &gl) != 0)
            continue;
        for (size_t i = 0; i < gl.gl_pathc; i++) {
            run r = {0};
            run_file(gl.gl_pathv[i], 1 << 20, &r, false);
            if (r.skips)
                fail_msg("%s: %d skips", gl.gl_pathv[i], r.skips);
            assert_true(r.events >= 1);
            /* Every event has the system properties. */
            assert_null(strstr(lw_buf_cstr(&r.dig), "eid=-1"));
            assert_null(strstr(lw_buf_cstr(&r.dig), "ch= "));
            assert_null(strstr(lw_buf_cstr(&r.dig), "time=-"));
#ifdef LW_HAVE_CJSON
            /* Event count = values cJSON finds when reading them one after another. */
            size_t n;
            char *text = slurp(gl.gl_pathv[i], &n);
            const char *q = text, *endp;
            int want = 0;
            for (;;) {
                while (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t')
                    q++;
                if (!*q)
                    break;
                cJSON *j = cJSON_ParseWithOpts(q, &endp, 0);
                assert_non_null(j);
                want += cJSON_IsArray(j) ? cJSON_GetArraySize(j) : 1;
                cJSON_Delete(j);
                q = endp;
            }
            free(text);
            assert_int_equal(r.events, want);
#endif
            total += r.events;
            files++;
            lw_buf_free(&r.dig);
        }
        globfree(&gl);
    }
    if (files == 0)
        skip();
    print_message("sigma regression: %d files, %d events\n", files, total);
    assert_true(files >= 100);
}

static void test_decode_otrf(void **state)
{
    static const struct {
        const char *path;
        int lines;
    } f[] = {
        {"/data/otrf_security_datasets/LSASS_campaign_01_MKT01/"
         "metasploit_logonpasswords_lsass_memory_dump.sysmon_trimmed.jsonl",
         1403},
        {"/data/otrf_security_datasets/LSASS_campaign_03_PRD01/"
         "metasploit_comsvcs_lsass_memory_dump.sysmon_trimmed.jsonl",
         1103},
    };
    char path[512];
    for (size_t i = 0; i < 2; i++) {
        lw_fmt(path, sizeof path, "%s%s", LW_SHARED_DIR, f[i].path);
        if (access(path, R_OK) != 0)
            skip();
        run r = {0};
        run_file(path, 1 << 20, &r, true);
        assert_int_equal(r.skips, 0);
        assert_int_equal(r.events, f[i].lines);
        assert_int_equal(r.records[10], 11);
        assert_null(strstr(lw_buf_cstr(&r.dig), "eid=-1"));
        assert_null(strstr(lw_buf_cstr(&r.dig), "time=-"));
        assert_null(strstr(lw_buf_cstr(&r.dig), "host= "));
        lw_buf_free(&r.dig);
    }
}

static void test_sniff(void **state)
{
    const lw_decoder *d = &lw_decoder_json;
    assert_true(d->sniff((const unsigned char *)"{\"EventID\":1}", 13) >= 90);
    assert_true(d->sniff((const unsigned char *)"\xef\xbb\xbf\n  [", 7) >= 50);
    assert_true(d->sniff((const unsigned char *)"{", 1) >= 50);
    assert_int_equal(d->sniff((const unsigned char *)"<Event", 6), 0);
    assert_int_equal(d->sniff((const unsigned char *)"", 0), 0);
    assert_int_equal(d->sniff((const unsigned char *)"   ", 3), 0);
    /* The registry: a bad first line is passed over, at higher confidence. */
    static const char cut[] =
        "ata\":{\"Image\":\"x\"}}}\n{\"EventID\":1,\"Channel\":\"Security\"}\n";
    assert_ptr_equal(lw_decoder_sniff((const unsigned char *)cut, sizeof cut - 1), d);
    static const char banner[] = "# exported by a tool\nplain text\n{\"winlog\":{}}\n";
    assert_ptr_equal(lw_decoder_sniff((const unsigned char *)banner, sizeof banner - 1), d);
    static const char weak[] = "junk\n{\"a\":1}\n"; /* JSON but no Windows keys: 60 < 80 */
    assert_null(lw_decoder_sniff((const unsigned char *)weak, sizeof weak - 1));
    static const char late[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\n{\"EventID\":1}\n"; /* past 8 lines */
    assert_null(lw_decoder_sniff((const unsigned char *)late, sizeof late - 1));
}

static int setup(void **state)
{
    lw_fmt(tmpdir, sizeof tmpdir, "/tmp/lw_test_json.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    static const char *const names[] = {"mem.json", "clean.json", "t.jsonl.gz", "big.jsonl"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(tmp_path(names[i]));
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_valid),
        cmocka_unit_test(test_scan_invalid),
        cmocka_unit_test(test_scan_escaped_bits),
        cmocka_unit_test(test_scan_strings_reference),
        cmocka_unit_test(test_scan_tokens),
        cmocka_unit_test(test_scan_unescape),
        cmocka_unit_test(test_scan_depth),
#ifdef LW_HAVE_CJSON
        cmocka_unit_test(test_scan_differential),
#endif
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_decode_shapes_agree),
        cmocka_unit_test(test_decode_raw_xml),
        cmocka_unit_test(test_decode_evtx_dump_variants),
        cmocka_unit_test(test_decode_mixed_jsonl),
        cmocka_unit_test(test_decode_framings),
        cmocka_unit_test(test_decode_pretty),
        cmocka_unit_test(test_decode_hostile),
        cmocka_unit_test(test_decode_sigma_regression),
        cmocka_unit_test(test_decode_otrf),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
