/*
 * Literal prefilter (src/sigma/prefilter.c): gates per rule shape (table tests that need
 * nothing but the repository), and a differential test: with the whole SigmaHQ Windows
 * rule set, every event of the shared data (decoded by the real decoders) plus mutated
 * copies carrying rule literals must fire exactly the same rules, in the same order, with
 * the prefilter off, on, and forced.  The differential part skips when ../shared is absent.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sigma/sigma-int.h"

/* ---- helpers ---- */

static char g_tmpdir[256];

static int setup_tmp(void **state)
{
    (void)state;
    snprintf(g_tmpdir, sizeof(g_tmpdir), "/tmp/lw_pf_test_XXXXXX");
    return mkdtemp(g_tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    DIR *d = opendir(g_tmpdir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", g_tmpdir, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(g_tmpdir);
    return 0;
}

/* Rule text with a process_creation logsource around the given detection body. */
static lw_rules *load_one(const char *detection)
{
    static int seq;
    char path[512];
    snprintf(path, sizeof(path), "%s/r%d.yml", g_tmpdir, seq++);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "title: t\nlogsource:\n    product: windows\n    category: process_creation\n"
            "detection:\n%s",
            detection);
    fclose(f);
    lw_rules *r;
    assert_int_equal(lw_rules_new(&r), LW_OK);
    assert_int_equal(lw_rules_load(r, path, NULL, NULL), LW_OK);
    assert_int_equal(lw_rules_compile(r), LW_OK);
    assert_int_equal(lw_rules_count(r), 1);
    return r;
}

/* The gate of a one-rule detection, as sorted "field|i/c|literal" lines. */
static void check_gate(const char *detection, const char *want)
{
    lw_rules *r = load_one(detection);
    lw_buf b;
    lw_buf_init(&b);
    size_t n = lw_prefilter_rule_gate(r, 0, &b);
    const char *got = n ? lw_buf_cstr(&b) : "";
    if (strcmp(got, want) != 0) {
        print_error("detection:\n%s\nwant gate:\n%s\ngot gate:\n%s\n", detection, want, got);
        fail();
    }
    lw_buf_free(&b);
    lw_rules_free(r);
}

/* ---- table tests ---- */

static void test_gate_shapes(void **state)
{
    (void)state;
    /* Plain items: exact / startswith / endswith / contains, any case mode. */
    check_gate("    sel:\n        Image|endswith: '\\evil.exe'\n    condition: sel\n",
               "Image|i|\\evil.exe\n");
    check_gate("    sel:\n        Image: 'C:\\Windows\\x.exe'\n    condition: sel\n",
               "Image|i|c:\\windows\\x.exe\n");
    check_gate("    sel:\n        CommandLine|contains|cased: 'FooBar'\n    condition: sel\n",
               "CommandLine|c|FooBar\n");
    /* AND of items in one map: the item with the longest shortest literal. */
    check_gate("    sel:\n        Image|endswith: '\\cmd.exe'\n"
               "        CommandLine|contains:\n            - ' /c whoami'\n            - 'ab'\n"
               "    condition: sel\n",
               "Image|i|\\cmd.exe\n");
    /* AND node: best gated child; the NOT child never gates. */
    check_gate("    a:\n        Image|endswith: '\\rundll32.exe'\n"
               "    b:\n        CommandLine|contains: 'javascript:'\n"
               "    condition: a and not b\n",
               "Image|i|\\rundll32.exe\n");
    check_gate("    a:\n        Image|endswith: '\\rundll32.exe'\n"
               "    b:\n        CommandLine|contains: 'javascript:'\n"
               "    condition: not a\n",
               "");
    /* OR node: union of both sides. */
    check_gate("    a:\n        Image|endswith: '\\mshta.exe'\n"
               "    b:\n        CommandLine|contains: 'vbscript:'\n"
               "    condition: a or b\n",
               "CommandLine|i|vbscript:\nImage|i|\\mshta.exe\n");
    /* OR with an ungated side: no gate. */
    check_gate("    a:\n        Image|endswith: '\\mshta.exe'\n"
               "    b:\n        CommandLine|re: 'x+y'\n"
               "    condition: 1 of them\n",
               "");
    /* A list of maps (OR of alternatives): one item per alternative. */
    check_gate("    sel:\n        - Image|endswith: '\\wscript.exe'\n"
               "        - OriginalFileName: 'cscript.exe'\n"
               "    condition: sel\n",
               "Image|i|\\wscript.exe\nOriginalFileName|i|cscript.exe\n");
    /* Keywords gate on every field. */
    check_gate(
        "    keywords:\n        - 'mimikatz'\n        - 'sekurlsa'\n    condition: keywords\n",
        "*|i|mimikatz\n*|i|sekurlsa\n");
    /* |all: one group suffices, the one with the longest literal. */
    check_gate("    sel:\n        CommandLine|contains|all:\n            - '-enc'\n"
               "            - 'powershell'\n    condition: sel\n",
               "CommandLine|i|powershell\n");
    /* Globs: the longest run without wildcards. */
    check_gate("    sel:\n        CommandLine: '*ab?defgh*xy*'\n    condition: sel\n",
               "CommandLine|i|defgh\n");
    /* Too short everywhere, regex, exists, null, numbers: no gate. */
    check_gate("    sel:\n        CommandLine|contains: 'a'\n    condition: sel\n", "");
    /* Regexes: one literal per top-level branch, caseless, never holding k or s. */
    check_gate("    sel:\n        CommandLine|re: 'evil[0-9]+'\n    condition: sel\n",
               "CommandLine|i|evil\n");
    check_gate("    sel:\n        CommandLine|re: 'ipconfig\\s+/all|net\\s+(?:user|view)|arp -a'\n"
               "    condition: sel\n",
               "CommandLine|i|arp -a\nCommandLine|i|ipconfig\nCommandLine|i|net\n");
    check_gate(
        "    sel:\n        CommandLine|re: '(?i)abc?de\\.exe{0,2}x+yz'\n    condition: sel\n",
        "CommandLine|i|de.ex\n");
    check_gate("    sel:\n        CommandLine|re: 'mask(ab)?wor{2}d'\n    condition: sel\n",
               "CommandLine|i|wor\n");
    check_gate("    sel:\n        CommandLine|re: '[a-z]+|x'\n    condition: sel\n", "");
    check_gate("    sel:\n        CommandLine|re: 'abcd{,3}xyz'\n    condition: sel\n",
               "CommandLine|i|abc\n");
    check_gate("    sel:\n        CommandLine|re: '\\x41bcdef'\n    condition: sel\n", "");
    check_gate("    sel:\n        CommandLine|re: '(?x) a b c d'\n    condition: sel\n", "");
    check_gate("    sel:\n        CommandLine|exists: true\n    condition: sel\n", "");
    check_gate("    sel:\n        CommandLine: null\n    condition: sel\n", "");
    check_gate("    sel:\n        ProcessId|gt: 4\n    condition: sel\n", "");
    check_gate("    sel:\n        CommandLine: '*'\n    condition: sel\n", "");
    /* Encodings are case-significant: base64offset variants gate cased. */
    check_gate("    sel:\n        CommandLine|base64offset|contains: 'http'\n    condition: sel\n",
               "CommandLine|c|aHR0c\nCommandLine|c|h0dH\nCommandLine|c|odHRw\n");
    /* Mixed: an item with a short literal is skipped for a longer one. */
    check_gate("    sel:\n        CommandLine|contains: 'ab'\n        ParentImage|endswith: "
               "'\\explorer.exe'\n    condition: sel\n",
               "ParentImage|i|\\explorer.exe\n");
}

static void test_null_in_list_rejected(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/null.yml", g_tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("title: t\nlogsource:\n    category: process_creation\n    product: windows\n"
          "detection:\n    sel:\n        CommandLine:\n            - ''\n            - null\n"
          "    condition: sel\n",
          f);
    fclose(f);
    lw_rules *r;
    assert_int_equal(lw_rules_new(&r), LW_OK);
    assert_int_equal(lw_rules_load(r, path, NULL, NULL), LW_OK);
    assert_int_equal(lw_rules_count(r), 0);
    assert_int_equal(lw_rules_rejected(r), 1);
    lw_rules_free(r);
}

/* ---- matching: same results with the prefilter off, auto and forced ---- */

typedef struct hits {
    const lw_rule *v[4096];
    size_t n;
} hits;

static void on_hit(const lw_rule *r, const lw_event *ev, void *ud)
{
    (void)ev;
    hits *h = ud;
    if (h->n < sizeof(h->v) / sizeof(h->v[0]))
        h->v[h->n++] = r;
}

typedef struct diff {
    lw_matcher *m[3]; /* off, auto, forced */
    size_t events, mismatches, alerts[3];
    uint64_t evals[3];
} diff;

static void diff_init(diff *d, const lw_rules *r)
{
    memset(d, 0, sizeof(*d));
    for (int k = 0; k < 3; k++) {
        assert_int_equal(lw_matcher_new(r, &d->m[k]), LW_OK);
        lw_matcher_set_prefilter(d->m[k], k);
    }
}

static void diff_free(diff *d)
{
    for (int k = 0; k < 3; k++)
        lw_matcher_free(d->m[k]);
}

static void diff_event(diff *d, const lw_event *ev)
{
    static hits h[3];
    for (int k = 0; k < 3; k++) {
        h[k].n = 0;
        assert_int_equal(lw_matcher_run(d->m[k], ev, on_hit, &h[k], &d->evals[k]), LW_OK);
        d->alerts[k] += h[k].n;
    }
    d->events++;
    for (int k = 1; k < 3; k++) {
        if (h[k].n == h[0].n && memcmp(h[k].v, h[0].v, h[0].n * sizeof(h[0].v[0])) == 0)
            continue;
        if (d->mismatches++ < 10) {
            printf("MISMATCH (mode %d): %zu vs %zu rules; event %s:%llu\n", k, h[k].n, h[0].n,
                   ev->src_path ? ev->src_path : "-", (unsigned long long)ev->record);
            for (size_t i = 0; i < h[0].n; i++)
                printf("   full: %s\n", lw_rule_get_meta(h[0].v[i])->path);
            for (size_t i = 0; i < h[k].n; i++)
                printf("   pf:   %s\n", lw_rule_get_meta(h[k].v[i])->path);
        }
    }
}

static lw_event *copy_event(lw_event *cp, const lw_event *ev, size_t skip, lw_str name,
                            lw_str value)
{
    lw_event_reset(cp);
    cp->time_ms = ev->time_ms;
    cp->host = ev->host;
    cp->channel = ev->channel;
    cp->provider = ev->provider;
    cp->event_id = ev->event_id;
    cp->cats = ev->cats;
    cp->product = ev->product;
    cp->src_path = ev->src_path;
    cp->record = ev->record;
    for (size_t i = 0; i < ev->nfields; i++)
        if (i != skip)
            assert_int_equal(
                lw_event_add(cp, ev->fields[i].name, ev->fields[i].value, ev->fields[i].flags),
                LW_OK);
    if (name.n || value.n)
        assert_int_equal(lw_event_add_copy(cp, name, value, 0), LW_OK);
    return cp;
}

static void test_small_sets(void **state)
{
    (void)state;
    /* Few rules: forced mode exercises the scan on them. */
    lw_rules *r = load_one("    a:\n        Image|endswith: '\\rundll32.exe'\n"
                           "    b:\n        CommandLine|contains|cased: 'JavaScript:'\n"
                           "    c:\n        CommandLine|contains|all:\n"
                           "            - 'mshtml'\n            - 'RunHTMLApplication'\n"
                           "    k:\n        - 'EvilKeyword'\n"
                           "    condition: (a and (b or c)) or k\n");
    diff d;
    diff_init(&d, r);
    static const char *const cmds[] = {
        "rundll32.exe javascript:\"\\..\\mshtml,RunHTMLApplication \"",
        "rundll32.exe JavaScript:alert(1)",
        "rundll32.exe JAVASCRIPT:alert(1)",
        "rundll32.exe mshtml,runhtmlapplication",
        "rundll32.exe mshtml",
        "notepad evilkeyword",
        "",
    };
    static const char *const images[] = {"C:\\Windows\\System32\\RUNDLL32.EXE",
                                         "C:\\Windows\\System32\\rundll32.exe.bak",
                                         "C:\\x\\notepad.exe"};
    size_t fired = 0;
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        for (size_t j = 0; j < sizeof(images) / sizeof(images[0]); j++) {
            lw_event ev;
            lw_event_init(&ev);
            ev.product = LW_PRODUCT_WINDOWS;
            ev.cats = 1ull << LW_CAT_PROCESS_CREATION;
            assert_int_equal(lw_event_add_copy(&ev, LW_STR_LIT("Image"), lw_str_c(images[j]), 0),
                             LW_OK);
            assert_int_equal(
                lw_event_add_copy(&ev, LW_STR_LIT("CommandLine"), lw_str_c(cmds[i]), 0), LW_OK);
            diff_event(&d, &ev);
            lw_event_destroy(&ev);
        }
    }
    fired = d.alerts[0];
    printf("small set: %zu events, %zu alerts\n", d.events, fired);
    assert_int_equal(d.mismatches, 0);
    /* RUNDLL32 image x (JavaScript:, mshtml+RunHTMLApplication twice), keyword x 3 images. */
    assert_int_equal(fired, 6);
    diff_free(&d);
    lw_rules_free(r);
}

/* ---- differential over the shared data ---- */

#define WIN_RULES LW_SHARED_DIR "/sigma/rules/windows"

static int have_shared(void)
{
    struct stat sb;
    return stat(WIN_RULES, &sb) == 0;
}

typedef struct gline {
    char field[64];
    char lit[256];
    size_t n;
    int caseless;
} gline;

typedef struct dctx {
    diff d;
    const lw_rules *r;
    gline *lines; /* every gate literal of the rule set */
    size_t nlines;
    lw_event cp;
    uint64_t rng;
    size_t mutated;
    size_t seen, mutate_every; /* mutate one event in mutate_every */
} dctx;

static uint64_t rnd(dctx *c)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return c->rng;
}

/* Event fields named like a gate field get the literal, alone, inside text, with flipped
 * case, and cut short by one byte (a near miss). */
static void mutate(dctx *c, const lw_event *ev)
{
    char val[1024];
    for (int round = 0; round < 6; round++) {
        const gline *g = &c->lines[rnd(c) % c->nlines];
        lw_str name = g->field[0] == '*' ? LW_STR_LIT("Data") : lw_str_c(g->field);
        size_t skip = SIZE_MAX;
        const lw_field *old = lw_event_find(ev, name);
        lw_str base = LW_STR_LIT("");
        if (old) {
            skip = (size_t)(old - ev->fields);
            base = old->value;
        }
        if (base.n > 300)
            base.n = 300;
        size_t n = 0;
        int how = (int)(rnd(c) % 5);
        if (how == 0) {
            memcpy(val, g->lit, g->n);
            n = g->n;
        } else if (how == 1 || how == 2) {
            memcpy(val, base.p, base.n);
            n = base.n;
            val[n++] = ' ';
            memcpy(val + n, g->lit, g->n);
            n += g->n;
            if (how == 2) {
                for (size_t i = 0; i < n; i++) {
                    char ch = val[i];
                    if (ch >= 'a' && ch <= 'z')
                        val[i] = (char)(ch - 32);
                    else if (ch >= 'A' && ch <= 'Z')
                        val[i] = (char)(ch + 32);
                }
            }
        } else if (how == 3) {
            memcpy(val, g->lit, g->n - 1);
            n = g->n - 1;
        } else {
            memcpy(val, g->lit, g->n);
            n = g->n;
            memcpy(val + n, base.p, base.n);
            n += base.n;
        }
        if (old && (rnd(c) & 1)) {
            /* Keep the original value and add a duplicate of the field after it. */
            skip = SIZE_MAX;
        }
        diff_event(&c->d, copy_event(&c->cp, ev, skip, name, (lw_str){val, n}));
        c->mutated++;
    }
}

static void on_event(const lw_event *ev, void *ud)
{
    dctx *c = ud;
    diff_event(&c->d, ev);
    if (c->seen++ % c->mutate_every == 0)
        mutate(c, ev);
}

static void collect_lines(dctx *c)
{
    size_t cap = 0;
    for (size_t i = 0; i < lw_rules_count(c->r); i++) {
        lw_buf b;
        lw_buf_init(&b);
        if (lw_prefilter_rule_gate(c->r, i, &b)) {
            const char *p = lw_buf_cstr(&b);
            while (*p) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                const char *bar1 = memchr(p, '|', len);
                if (bar1 && (size_t)(bar1 - p) < 64 && len - (size_t)(bar1 - p) - 3 < 256 &&
                    len > (size_t)(bar1 - p) + 4) {
                    if (c->nlines == cap) {
                        cap = cap ? cap * 2 : 4096;
                        c->lines = realloc(c->lines, cap * sizeof(*c->lines));
                        assert_non_null(c->lines);
                    }
                    gline *g = &c->lines[c->nlines++];
                    memset(g, 0, sizeof(*g));
                    memcpy(g->field, p, (size_t)(bar1 - p));
                    g->caseless = bar1[1] == 'i';
                    g->n = len - (size_t)(bar1 - p) - 3;
                    memcpy(g->lit, bar1 + 3, g->n);
                }
                p += len + (nl ? 1 : 0);
            }
        }
        lw_buf_free(&b);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_differential_sigmahq(void **state)
{
    (void)state;
    if (!have_shared())
        skip();
    lw_rules *r;
    assert_int_equal(lw_rules_new(&r), LW_OK);
    assert_int_equal(lw_rules_load(r, WIN_RULES, NULL, NULL), LW_OK);
    double t0 = now_s();
    assert_int_equal(lw_rules_compile(r), LW_OK);
    printf("prefilter build: %.3f s; %zu rules, %zu gated, %zu literals, %u databases\n",
           now_s() - t0, r->nrules, r->pf ? r->pf->ngated : 0, r->pf ? r->pf->nliterals : 0,
           r->pf ? r->pf->ndbs : 0);
    assert_non_null(r->pf);
    dctx *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->r = r;
    c->rng = 0x9E3779B97F4A7C15ull;
    lw_event_init(&c->cp);
    collect_lines(c);
    assert_true(c->nlines > 1000);
    diff_init(&c->d, r);
    lw_hunt_options opt = {0};
    opt.on_event = on_event;
    opt.event_ud = c;
    lw_hunt *h;
    assert_int_equal(lw_hunt_new(NULL, &opt, &h), LW_OK);
    static const char *const paths[] = {
        LW_SHARED_DIR "/sigma/regression_data",    LW_SHARED_DIR "/data/otrf_security_datasets",
        LW_SHARED_DIR "/data/evtx_attack_samples", LW_SHARED_DIR "/data/evtx_to_mitre_attack",
        LW_SHARED_DIR "/data/evtx_corpus", /* large: fewer mutations */
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        c->mutate_every = i < 4 ? 1 : 4;
        assert_int_equal(lw_hunt_path(h, paths[i]), LW_OK);
    }
    printf("differential: %zu events (%zu mutated), alerts off/auto/forced %zu/%zu/%zu, "
           "rule evaluations %llu/%llu/%llu, %zu mismatches\n",
           c->d.events, c->mutated, c->d.alerts[0], c->d.alerts[1], c->d.alerts[2],
           (unsigned long long)c->d.evals[0], (unsigned long long)c->d.evals[1],
           (unsigned long long)c->d.evals[2], c->d.mismatches);
    assert_true(c->d.events > 1000);
    assert_true(c->d.alerts[0] > 0);
    assert_int_equal(c->d.mismatches, 0);
    lw_hunt_free(h);
    diff_free(&c->d);
    lw_event_destroy(&c->cp);
    free(c->lines);
    free(c);
    lw_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate_shapes),
        cmocka_unit_test(test_null_in_list_rejected),
        cmocka_unit_test(test_small_sets),
        cmocka_unit_test(test_differential_sigmahq),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
