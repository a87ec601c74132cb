/*
 * Load budgets against hostile rule packs (review-sigma.md findings 1-9): every reproducer
 * must be rejected fast, with a located reason naming the limit, and with bounded memory
 * (ru_maxrss checked after each case).  Big reproducers are generated here; the small
 * ones live in tests/fixtures/sigma-hostile/.  Also: the (*ACCEPT) prefilter false
 * negative, the |expand escape and self reference, and symlinked folders.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sigma/sigma-int.h"

#define FIX LW_SOURCE_DIR "/tests/fixtures/sigma-hostile"

/* Peak RSS any case may reach (the reproducers took 1-24 GB before the budgets). */
/* Guards against blow-ups (minutes, gigabytes), not benchmarks: loose enough for a loaded
 * CI machine, looser under sanitizers (slower code, shadow memory in the RSS). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define LW_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LW_SANITIZED 1
#endif
#endif
#ifdef LW_SANITIZED
#define MAX_RSS_KB (2048L * 1024)
#else
#define MAX_RSS_KB (400L * 1024)
#endif
/* Wall time any case may take (they took 14 s to hours before; generous for ASan). */
#ifdef LW_SANITIZED
#define MAX_SECONDS 300.0
#else
#define MAX_SECONDS 60.0
#endif

static char g_dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lw_limits_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static void rm_rf(const char *p)
{
    struct stat sb;
    if (lstat(p, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(p);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char q[1024];
            snprintf(q, sizeof(q), "%s/%s", p, de->d_name);
            rm_rf(q);
        }
        if (d)
            closedir(d);
        rmdir(p);
    } else {
        unlink(p);
    }
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(g_dir);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A growable text buffer for generated rules. */
typedef struct gen {
    char *p;
    size_t n, cap;
} gen;

__attribute__((format(printf, 2, 3))) static void gadd(gen *g, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(g->p ? g->p + g->n : NULL, g->p ? g->cap - g->n : 0, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if (g->p && g->n + (size_t)k < g->cap) {
            g->n += (size_t)k;
            return;
        }
        size_t ncap = g->cap ? g->cap * 2 : 65536;
        while (ncap < g->n + (size_t)k + 1)
            ncap *= 2;
        g->p = realloc(g->p, ncap);
        assert_non_null(g->p);
        g->cap = ncap;
    }
}

static const char *gsave(gen *g, const char *name)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(g->p, 1, g->n, f), g->n);
    fclose(f);
    free(g->p);
    memset(g, 0, sizeof(*g));
    return path;
}

#define HEAD "title: t\nlogsource:\n  category: process_creation\n  product: windows\n"

/* Load results: counts and the first rejection reason. */
typedef struct res {
    size_t ok, rejected;
    char first[512];
    char want_seen; /* a rejection contained `want` */
    const char *want;
} res;

static void on_report(const lw_rule_report *rep, void *ud)
{
    res *r = ud;
    if (rep->ok) {
        r->ok++;
        return;
    }
    if (!r->rejected++)
        snprintf(r->first, sizeof(r->first), "%llu:%llu: %s", (unsigned long long)rep->line,
                 (unsigned long long)rep->column, rep->reason);
    if (r->want && strstr(rep->reason, r->want))
        r->want_seen = 1;
}

/* Load path (with optional placeholder x=phfile), compile, and check: at least one
 * rejection mentioning want (NULL: no rejection), nok rules loaded (SIZE_MAX: any), fast
 * and within the memory bound. */
static lw_rules *load_check(const char *path, const char *phname, const char *phfile,
                            const char *want, size_t nok)
{
    double t0 = now_s();
    lw_rules *r;
    res rr;
    memset(&rr, 0, sizeof(rr));
    rr.want = want;
    assert_int_equal(lw_rules_new(&r), LW_OK);
    if (phname)
        assert_int_equal(lw_rules_add_placeholder_file(r, phname, phfile, NULL, 0), LW_OK);
    assert_int_equal(lw_rules_load(r, path, on_report, &rr), LW_OK);
    assert_int_equal(lw_rules_compile(r), LW_OK);
    double dt = now_s() - t0;
    printf("  %-28s %zu ok, %zu rejected, %.3f s, maxrss %ld MB; %s\n", strrchr(path, '/') + 1,
           rr.ok, rr.rejected, dt, maxrss_kb() / 1024, rr.rejected ? rr.first : "-");
    if (want) {
        assert_true(rr.want_seen);
        assert_true(rr.first[0] != '0'); /* located: a line number */
    } else {
        assert_int_equal(rr.rejected, 0);
    }
    if (nok != SIZE_MAX)
        assert_int_equal(rr.ok, nok);
    assert_true(dt < MAX_SECONDS);
    assert_true(maxrss_kb() < MAX_RSS_KB);
    return r;
}

static void count_hit(const lw_rule *r, const lw_event *ev, void *ud)
{
    (void)r;
    (void)ev;
    (*(size_t *)ud)++;
}

/* ---- finding 1: 'of' copies ---- */

static void gen_them(gen *g, int nsel, int nmention)
{
    gadd(g, HEAD "detection:\n");
    for (int i = 0; i < nsel; i++)
        gadd(g, "  s%d:\n    - k%d\n", i, i);
    gadd(g, "  condition: ");
    for (int i = 0; i < nmention; i++)
        gadd(g, "%s1 of them", i ? " or " : "");
    gadd(g, "\n");
}

static void test_cond_them(void **state)
{
    (void)state;
    gen g = {0};
    gen_them(&g, 2000, 2000); /* cond_them_small.yml */
    lw_rules_free(load_check(gsave(&g, "them_small.yml"), NULL, NULL,
                             "more than 65536 condition nodes (limit)", 0));
    gen_them(&g, 2000, 20000); /* cond_them_blowup.yml */
    lw_rules_free(load_check(gsave(&g, "them_blowup.yml"), NULL, NULL,
                             "more than 65536 condition nodes (limit)", 0));
    /* Under the budget, mentions share one kids array: 100 x 100 loads and matches. */
    gen_them(&g, 100, 100);
    lw_rules *r = load_check(gsave(&g, "them_ok.yml"), NULL, NULL, NULL, 1);
    lw_matcher *m;
    assert_int_equal(lw_matcher_new(r, &m), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    ev.product = LW_PRODUCT_WINDOWS;
    ev.cats = 1ull << LW_CAT_PROCESS_CREATION;
    assert_int_equal(lw_event_add_copy(&ev, LW_STR_LIT("CommandLine"), LW_STR_LIT("x k99 y"), 0),
                     LW_OK);
    for (int mode = 0; mode < 3; mode += 2) {
        size_t hits = 0;
        lw_matcher_set_prefilter(m, mode);
        assert_int_equal(lw_matcher_run(m, &ev, count_hit, &hits, NULL), LW_OK);
        assert_int_equal(hits, 1);
    }
    lw_event_destroy(&ev);
    lw_matcher_free(m);
    lw_rules_free(r);
}

/* ---- finding 2: variant bytes and counts ---- */

static void test_variant_budget(void **state)
{
    (void)state;
    gen g = {0};
    /* variant_blowup.yml: one 200 KB value. */
    gadd(&g, HEAD "detection:\n  sel:\n    CommandLine|windash|utf16le|base64offset|contains: '");
    for (int i = 0; i < 50000; i++)
        gadd(&g, " -ab");
    gadd(&g, "'\n  condition: sel\n");
    lw_rules_free(
        load_check(gsave(&g, "variant_long.yml"), NULL, NULL, "value longer than 65536 bytes", 0));
    /* Under the length cap, four dashes (625 variants) of a 50 KB value: byte budget. */
    gadd(&g, HEAD "detection:\n  sel:\n    CommandLine|windash|utf16le|base64offset|contains: '"
                  " -a -b -c -d ");
    for (int i = 0; i < 50000; i++)
        gadd(&g, "x");
    gadd(&g, "'\n  condition: sel\n");
    lw_rules_free(
        load_check(gsave(&g, "variant_bytes.yml"), NULL, NULL, "bytes of value variants in", 0));
    /* variant_count_blowup.yml: 200 items x 104 short windash values (65000 each). */
    gadd(&g, HEAD "detection:\n  sel:\n");
    for (int i = 0; i < 200; i++) {
        gadd(&g, "    F%d|windash|contains:\n", i);
        for (int k = 0; k < 104; k++)
            gadd(&g, "      - ' -a -b -c -d %d'\n", k);
    }
    gadd(&g, "  condition: sel\n");
    lw_rules_free(load_check(gsave(&g, "variant_count.yml"), NULL, NULL,
                             "compiled patterns in this file (limit)", 0));
}

/* ---- finding 3: |expand ---- */

static void test_expand(void **state)
{
    (void)state;
    /* Self reference: expanded once, no recursion. */
    lw_rules *r = load_check(FIX "/expand_selfref.yml", "self", FIX "/ph_self.txt", NULL, 1);
    lw_rules_free(r);
    /* Many placeholders in one value (expand_deep*.yml). */
    gen g = {0};
    gadd(&g, HEAD "detection:\n  sel:\n    User|expand: '");
    for (int i = 0; i < 20000; i++)
        gadd(&g, "%%x%%");
    gadd(&g, "'\n  condition: sel\n");
    lw_rules_free(load_check(gsave(&g, "expand_deep.yml"), "x", FIX "/ph_x.txt",
                             "more than 16 placeholders in one value", 0));
    /* The fuzzer's slow unit: 3^k variants of a long value. */
    lw_rules_free(load_check(FIX "/fuzz_slow_expand.yml", "x", FIX "/ph_x3.txt",
                             "bytes of value variants", SIZE_MAX));
    /* Spec escape: '\%plain%x%' is the literal '%plain' then placeholder x. */
    r = load_check(FIX "/expand_escaped_percent.yml", "x", FIX "/ph_x.txt", NULL, 1);
    lw_matcher *m;
    assert_int_equal(lw_matcher_new(r, &m), LW_OK);
    static const struct {
        const char *user;
        size_t want;
    } cases[] = {{"%plainx", 1}, {"%PLAINX", 1}, {"%plain%x%", 0}, {"\\%plainx", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lw_event ev;
        lw_event_init(&ev);
        ev.product = LW_PRODUCT_WINDOWS;
        ev.cats = 1ull << LW_CAT_PROCESS_CREATION;
        assert_int_equal(lw_event_add_copy(&ev, LW_STR_LIT("User"), lw_str_c(cases[i].user), 0),
                         LW_OK);
        size_t n = 0;
        assert_int_equal(lw_matcher_run(m, &ev, count_hit, &n, NULL), LW_OK);
        assert_int_equal(n, cases[i].want);
        lw_event_destroy(&ev);
    }
    lw_matcher_free(m);
    lw_rules_free(r);
}

/* ---- finding 4: action repeat / global ---- */

static void test_actions(void **state)
{
    (void)state;
    gen g = {0};
    /* repeat_amplify.yml: a rule with 8000 windash values, then 2000 repeats. */
    gadd(&g, HEAD "detection:\n  sel:\n    CommandLine|windash|contains:\n");
    for (int i = 0; i < 8000; i++)
        gadd(&g, "      - ' -v%d'\n", i);
    gadd(&g, "  condition: sel\n");
    for (int i = 0; i < 2000; i++)
        gadd(&g, "---\naction: repeat\n");
    lw_rules_free(load_check(gsave(&g, "repeat.yml"), NULL, NULL,
                             "compiled patterns in this file (limit)", SIZE_MAX));
    /* global_accumulate.yml: 20000 one-key global documents. */
    for (int i = 0; i < 20000; i++)
        gadd(&g, "---\naction: global\nk%06d: 1\n", i);
    lw_rules_free(load_check(gsave(&g, "global_acc.yml"), NULL, NULL, "(limit)", 0));
    /* Accumulating nested keys under one top-level key: the merge budget. */
    for (int i = 0; i < 6000; i++)
        gadd(&g, "---\naction: global\ndetection:\n  s%d: [k]\n", i);
    lw_rules_free(load_check(gsave(&g, "global_nested.yml"), NULL, NULL,
                             "action global/repeat merging in this file (limit)", 0));
    /* global_merge_quadratic.yml: 60k keys in a global and in the rule. */
    gadd(&g, "action: global\n");
    for (int i = 0; i < 60000; i++)
        gadd(&g, "g%d: 1\n", i);
    gadd(&g, "---\n" HEAD "detection:\n  sel:\n    a: b\n  condition: sel\n");
    for (int i = 0; i < 60000; i++)
        gadd(&g, "r%d: 1\n", i);
    lw_rules_free(load_check(gsave(&g, "global_quad.yml"), NULL, NULL,
                             "more than 256 top-level keys (limit)", 0));
    /* Documents per file. */
    for (int i = 0; i < 10001; i++)
        gadd(&g, "---\ntitle: t%d\n", i);
    lw_rules_free(
        load_check(gsave(&g, "docs.yml"), NULL, NULL, "more than 10000 documents (limit)", 0));
    /* Ordinary global + repeat still work. */
    gadd(&g, "action: global\n" HEAD "detection:\n  condition: sel\n---\n"
             "detection:\n  sel:\n    Image: a.exe\n---\naction: repeat\ntitle: t2\n"
             "detection:\n  sel:\n    Image: b.exe\n");
    lw_rules_free(load_check(gsave(&g, "global_ok.yml"), NULL, NULL, NULL, 2));
}

/* ---- finding 5: symlink loop ---- */

static void test_symlink_loop(void **state)
{
    (void)state;
    char d[512], p[600];
    snprintf(d, sizeof(d), "%s/loop", g_dir);
    assert_int_equal(mkdir(d, 0700), 0);
    gen g = {0};
    gadd(&g, HEAD "detection:\n  sel:\n    Image: a.exe\n  condition: sel\n");
    gsave(&g, "loop/a.yml");
    snprintf(p, sizeof(p), "%s/l1", d);
    assert_int_equal(symlink(".", p), 0);
    snprintf(p, sizeof(p), "%s/l2", d);
    assert_int_equal(symlink(".", p), 0);
    /* A symlinked file is still read. */
    snprintf(p, sizeof(p), "%s/b.yml", d);
    gadd(&g, HEAD "id: b\ndetection:\n  sel:\n    Image: b.exe\n  condition: sel\n");
    gsave(&g, "loop/real-b.yml.txt");
    char tgt[600];
    snprintf(tgt, sizeof(tgt), "%s/real-b.yml.txt", d);
    assert_int_equal(symlink(tgt, p), 0);
    lw_rules_free(load_check(d, NULL, NULL, NULL, 2));
}

/* ---- findings 6, 7: selections, identifiers, patterns ---- */

static void test_selections(void **state)
{
    (void)state;
    gen g = {0};
    /* many_sels.yml: 66k selections. */
    gadd(&g, HEAD "detection:\n");
    for (int i = 0; i < 66000; i++)
        gadd(&g, "  s%d: [k]\n", i);
    gadd(&g, "  condition: s65999\n");
    lw_rules_free(load_check(gsave(&g, "sels.yml"), NULL, NULL,
                             "more than 4096 search identifiers (limit)", 0));
    /* Under the cap, a 60k-token condition resolves names by hash (was O(T*S)). */
    gadd(&g, HEAD "detection:\n");
    for (int i = 0; i < 4000; i++)
        gadd(&g, "  s%d: [k]\n", i);
    gadd(&g, "  condition: ");
    for (int i = 0; i < 60000; i++)
        gadd(&g, "%ss3999", i ? " or " : "");
    gadd(&g, "\n");
    lw_rules_free(load_check(gsave(&g, "sels_ok.yml"), NULL, NULL, NULL, 1));
    /* cond_glob_quadratic.yml, scaled to libyaml's 1024-byte simple-key limit. */
    gadd(&g, HEAD "detection:\n  ");
    for (int i = 0; i < 1000; i++)
        gadd(&g, "a");
    gadd(&g, ": [k]\n  condition: 1 of *");
    for (int i = 0; i < 60000; i++)
        gadd(&g, "a");
    gadd(&g, "b\n");
    lw_rules_free(load_check(gsave(&g, "glob_long.yml"), NULL, NULL,
                             "search identifier longer than 256 bytes (limit)", 0));
    /* Long pattern alone. */
    gadd(&g, HEAD "detection:\n  sel: [k]\n  condition: 1 of *");
    for (int i = 0; i < 300; i++)
        gadd(&g, "a");
    gadd(&g, "\n");
    lw_rules_free(load_check(gsave(&g, "glob_pat.yml"), NULL, NULL,
                             "pattern longer than 256 bytes (limit)", 0));
    /* Within both caps, many distinct worst-case patterns: the glob work budget. */
    gadd(&g, HEAD "detection:\n");
    for (int i = 0; i < 4000; i++) {
        gadd(&g, "  ");
        for (int k = 0; k < 250; k++)
            gadd(&g, "a");
        gadd(&g, "%04d: [k]\n", i);
    }
    gadd(&g, "  condition: ");
    for (int i = 0; i < 50; i++) {
        gadd(&g, "%s1 of *", i ? " or " : "");
        for (int k = 0; k < 200 + i; k++)
            gadd(&g, "a");
        gadd(&g, "b");
    }
    gadd(&g, "\n");
    lw_rules_free(load_check(gsave(&g, "glob_work.yml"), NULL, NULL,
                             "identifier pattern comparison steps (limit)", 0));
}

/* ---- finding 8: prefilter and PCRE2 verbs ---- */

static void test_prefilter_accept(void **state)
{
    (void)state;
    lw_rules *r = load_check(FIX "/prefilter_accept_fn.yml", NULL, NULL, NULL, SIZE_MAX);
    assert_int_equal(lw_prefilter_rule_gate(r, 0, NULL), 0);
    lw_event ev;
    lw_event_init(&ev);
    ev.product = LW_PRODUCT_WINDOWS;
    ev.cats = ~0ull;
    ev.channel = LW_STR_LIT("Microsoft-Windows-Sysmon/Operational");
    assert_int_equal(
        lw_event_add_copy(&ev, LW_STR_LIT("CommandLine"), LW_STR_LIT("cmd /c evil"), 0), LW_OK);
    size_t hits[3] = {0, 0, 0};
    for (int mode = 0; mode < 3; mode++) {
        lw_matcher *m;
        assert_int_equal(lw_matcher_new(r, &m), LW_OK);
        lw_matcher_set_prefilter(m, mode);
        assert_int_equal(lw_matcher_run(m, &ev, count_hit, &hits[mode], NULL), LW_OK);
        lw_matcher_free(m);
    }
    lw_event_destroy(&ev);
    assert_int_equal(hits[0], 1);
    assert_int_equal(hits[1], 1);
    assert_int_equal(hits[2], 1);
    lw_rules_free(r);

    /* Gates: refused for verbs and constructs that end or reshape a match; kept for
     * ordinary regexes and lookarounds. */
    static const struct {
        const char *re;
        int gated;
    } cases[] = {
        {"abc(*ACCEPT)def", 0}, {"(a(*ACCEPT))bcd", 0}, {"(*UTF)abcd", 0},
        {"ab\\Kcdef", 0},       {"(?|(a)|(b))cdef", 0}, {"(a)?(?(1)b|c)cdef", 0},
        {"(?R)?cdef", 0},       {"\\Qab)\\Ecdef", 0},   {"(?C1)cdef", 0},
        {"abcdef", 1},          {"(?i)abcdef", 1},      {"(?=y)abcdef", 1},
        {"(?-i)abcdef", 1},     {"(?:y)abcdef", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gen g = {0};
        gadd(&g, HEAD "detection:\n  sel:\n    CommandLine|re: '%s'\n  condition: sel\n",
             cases[i].re);
        char name[32];
        snprintf(name, sizeof(name), "re%zu.yml", i);
        lw_rules *rr = load_check(gsave(&g, name), NULL, NULL, NULL, 1);
        size_t n = lw_prefilter_rule_gate(rr, 0, NULL);
        printf("    %-20s gate %zu\n", cases[i].re, n);
        assert_int_equal(n != 0, cases[i].gated);
        lw_rules_free(rr);
    }
}

/* ---- finding 9: windash order and count ---- */

static void test_windash(void **state)
{
    (void)state;
    gen g = {0};
    gadd(&g, HEAD "detection:\n  sel:\n    CommandLine|utf16le|windash|base64offset|contains: "
                  "' -a'\n  condition: sel\n");
    lw_rules_free(load_check(gsave(&g, "wd_order.yml"), NULL, NULL,
                             "'windash' must come before utf16/base64", 0));
    gadd(&g, HEAD "detection:\n  sel:\n    CommandLine|base64|expand: '%%x%%'\n  condition: sel\n");
    lw_rules_free(load_check(gsave(&g, "ex_order.yml"), "x", FIX "/ph_x.txt",
                             "'expand' must come before utf16/base64", 0));
    /* Six dashes (15625 variants) now load; seven are over the variant limit. */
    gadd(&g, HEAD "detection:\n  sel:\n    CommandLine|windash|contains: "
                  "' -a -b -c -d -e -f'\n  condition: sel\n");
    lw_rules *r = load_check(gsave(&g, "wd6.yml"), NULL, NULL, NULL, 1);
    assert_int_equal(r->rules[0]->sels[0].alts[0].fms[0].npats, 15625);
    lw_rules_free(r);
    gadd(&g, HEAD "detection:\n  sel:\n    CommandLine|windash|contains: "
                  "' -a -b -c -d -e -f -g'\n  condition: sel\n");
    lw_rules_free(load_check(gsave(&g, "wd7.yml"), NULL, NULL, "windash with more than 6", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cond_them),        cmocka_unit_test(test_variant_budget),
        cmocka_unit_test(test_expand),           cmocka_unit_test(test_actions),
        cmocka_unit_test(test_symlink_loop),     cmocka_unit_test(test_selections),
        cmocka_unit_test(test_prefilter_accept), cmocka_unit_test(test_windash),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
