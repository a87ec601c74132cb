/* Scoring signals (homographs, typosquats, lexical), lists (formats, subdomain awareness,
 * platform suffixes, 1M entries), the seen store and the brands list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/str.h"
#include "intel/intel.h"

static lw_intel *intel;
static lw_intel_result res;

/* A signal is "present" when it gave a reason, or when it is a model feature that fired
 * (a fitted weight of 0 shows no reason, but the detection still happened). */
static bool has_reason(const lw_intel_result *r, const char *code)
{
    for (size_t i = 0; i < r->nreasons; i++)
        if (strcmp(r->reasons[i].code, code) == 0)
            return true;
    for (size_t i = 0; i < r->nfeatures; i++) {
        const char *f = lw_intel_feature_name(i);
        if (f && strcmp(f, code) == 0)
            return r->features[i] != 0;
    }
    return false;
}

static void score(const lw_intel *in, const char *url)
{
    assert_int_equal(lw_intel_score_url(in, lw_str_c(url), NULL, &res), LW_OK);
}

static void expect(const lw_intel *in, const char *url, const char *code, bool want)
{
    score(in, url);
    if (has_reason(&res, code) != want) {
        print_error("%s: reason %s %s (score %d)\n", url, code, want ? "missing" : "unexpected",
                    res.score);
        for (size_t i = 0; i < res.nreasons; i++)
            print_error("   %s %.2f %s\n", res.reasons[i].code, res.reasons[i].weight,
                        res.reasons[i].text);
        fail();
    }
}

static int setup(void **st)
{
    (void)st;
    char err[256];
    return lw_intel_new(NULL, &intel, err, sizeof err) == LW_OK ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    lw_intel_free(intel);
    return 0;
}

static void test_homographs(void **st)
{
    (void)st;
    static const char *const pairs[][2] = {
        {"http://аpple.com/", "apple"},    /* Cyrillic а */
        {"http://pаypal.com/", "paypal"},  /* Cyrillic а */
        {"https://gооgle.com/", "google"}, /* Cyrillic о x2 */
        {"https://microsоft.com/", "microsoft"},
        {"https://faсebook.com/", "facebook"},  /* Cyrillic с */
        {"https://xn--pple-43d.com/", "apple"}, /* punycode form */
        {"https://ebаy.com/", "ebay"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        expect(intel, pairs[i][0], "homograph", true);
        assert_true(lw_str_eq_c(res.brand, pairs[i][1]));
        assert_true(res.score >= 80);
    }
    /* the real ones are not homographs */
    expect(intel, "https://apple.com/", "homograph", false);
    expect(intel, "https://www.paypal.com/signin", "homograph", false);
    /* an IDN that imitates nothing */
    expect(intel, "https://bücher.de/", "homograph", false);
    expect(intel, "https://аpple.com/", "mixed-script", true);
}

static void test_typosquats(void **st)
{
    (void)st;
    static const struct {
        const char *url, *code;
    } cases[] = {
        {"http://paypl.com/", "typosquat-omission"},
        {"http://paypall.com/", "typosquat-repetition"},
        {"http://paypaql.com/", "typosquat-insertion"},
        {"http://papyal.com/", "typosquat-transposition"},
        {"http://paypak.com/", "typosquat-keyboard"},
        {"http://paypel.com/", "typosquat-vowel-swap"},
        {"http://paypa1.com/", "typosquat-homoglyph"},
        {"http://rnicrosoft.com/", "typosquat-homoglyph"},
        {"http://pay-pal.com/", "typosquat-hyphenation"},
        {"http://amazgn.com/", "typosquat-bitsquat"},
        {"http://netflik.com/", "typosquat-replacement"},
        {"http://paypal.co/", "typosquat-tld-swap"},
        {"http://paypal-secure-login.com/", "brand-combo"},
        {"http://paypal.com.evil.tk/", "brand-subdomain"},
        {"http://evil.tk/paypal/login.php", "brand-path"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect(intel, cases[i].url, cases[i].code, true);
    /* classification directly */
    assert_int_equal(lw_squat_classify(LW_STR_LIT("gogle"), LW_STR_LIT("google")),
                     LW_SQUAT_OMISSION);
    assert_int_equal(lw_squat_classify(LW_STR_LIT("gooogle"), LW_STR_LIT("google")),
                     LW_SQUAT_REPETITION);
    assert_int_equal(lw_squat_classify(LW_STR_LIT("googel"), LW_STR_LIT("google")),
                     LW_SQUAT_TRANSPOSITION);
    assert_int_equal(lw_squat_classify(LW_STR_LIT("goofle"), LW_STR_LIT("google")),
                     LW_SQUAT_KEYBOARD);
    assert_int_equal(lw_squat_classify(LW_STR_LIT("google"), LW_STR_LIT("google")), LW_SQUAT_NONE);
    assert_int_equal(lw_squat_classify(LW_STR_LIT("example"), LW_STR_LIT("google")), LW_SQUAT_NONE);
    /* brand-owned domains never look like themselves */
    expect(intel, "https://accounts.google.com/signin", "brand-subdomain", false);
    expect(intel, "https://www.paypal.com/", "typosquat-tld-swap", false);
    expect(intel, "https://github.com/google/re2", "brand-path", false);
}

static void test_lexical(void **st)
{
    (void)st;
    static const struct {
        const char *url, *code;
        bool want;
    } cases[] = {
        {"http://1.2.3.4/x", "ip-host", true},
        {"http://3232235777/i", "ip-obfuscated", true},
        {"http://0x7f.1/", "ip-obfuscated", true},
        {"http://[2001:db8::1]/", "ip-host", true},
        {"https://paypal.com@evil.tk/", "userinfo", true},
        {"https://a.com:8443/", "port", true},
        {"https://a.com:443/", "port", false},
        {"http://a.com:80/", "port", false},
        {"http://x.tk/", "risky-tld", true},
        {"https://bit.ly/3abc", "shortener", true},
        {"https://abc.ngrok-free.app/", "free-hosting", true},
        {"https://x.trycloudflare.com/", "free-hosting", true},
        {"https://x.duckdns.org/", "free-hosting", true},
        {"https://x.blogspot.com/", "platform-tenant", true},
        {"http://e.com/a/invoice.exe", "exe-ext", true},
        {"http://e.com/a/x.ps1", "script-ext", true},
        {"http://e.com/a/x.zip", "archive-ext", true},
        {"http://e.com/a/invoice.pdf.exe", "double-ext", true},
        {"http://e.com/index.html", "script-ext", false},
        {"http://a.b.c.d.example.com/", "many-labels", true},
        {"http://secure-login-verify.example.com/", "hyphens", true},
        {"garbage ::: @@@", "bad-url", true},
        {"http://1.2.3.4.5/", "bad-url", true},
        {"javascript:alert(1)", "script-scheme", true},
        {"data:text/html;base64,xx", "script-scheme", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect(intel, cases[i].url, cases[i].code, cases[i].want);
    score(intel, "http://0300.0250.01.01/x");
    assert_true(lw_str_eq_c(res.host_norm, "192.168.1.1"));
    assert_string_equal(res.ip_form, "octal");
    score(intel, "HTTPS://WWW.Example.CO.UK.:8443/A.B?q#f");
    assert_true(lw_str_eq_c(res.host_norm, "www.example.co.uk"));
    assert_true(lw_str_eq_c(res.registrable_domain, "example.co.uk"));
    assert_true(lw_str_eq_c(res.tld, "co.uk"));
    assert_int_equal(res.port_num, 8443);
    assert_true(lw_str_eq_c(res.extension, ".B"));
    /* ordinary sites stay benign */
    static const char *const benign[] = {
        "https://www.google.com/search?q=weather", "https://en.wikipedia.org/wiki/URL",
        "https://github.com/rust-lang/rust", "https://www.bbc.co.uk/news/world"};
    for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++) {
        score(intel, benign[i]);
        if (res.verdict != LW_VERDICT_BENIGN) {
            print_error("%s scored %d\n", benign[i], res.score);
            fail();
        }
    }
    /* hostile bytes: always a result, never a crash */
    static const char junk[] = "\xff\xfe://[\x01@@:99999999999/\\..%%%zz";
    assert_int_equal(lw_intel_score_url(intel, (lw_str){junk, sizeof junk - 1}, NULL, &res), LW_OK);
    assert_true(res.score >= 0 && res.score <= 100);
}

/* Phishing signals: brands and lure words in every host label, platform tenants (PSL
 * private suffixes and free hosts the PSL lacks), digit/letter homoglyphs, IPFS; and the
 * ordinary sign-in pages that must stay benign. */
static void test_phishing(void **st)
{
    (void)st;
    static const struct {
        const char *url, *code;
        bool want;
    } cases[] = {
        {"https://paypa1-secure.netlify.app/signin", "brand-tenant", true},
        {"https://paypa1-secure.netlify.app/signin", "brand-lookalike", true},
        {"https://paypa1-secure.netlify.app/signin", "platform-lure", true},
        {"https://paypa1-secure.netlify.app/signin", "brand-lure", true},
        {"http://secure-paypal.com.evil.example/", "brand-subdomain", true},
        {"http://secure-paypal.com.evil.example/", "brand-lure", true},
        {"http://secure-paypal.com.evil.example/", "cred-words-host", true},
        {"http://appleid-verify-account.xyz/", "brand-combo", true},
        {"http://appleid-verify-account.xyz/", "brand-lure", true},
        {"https://micr0soft-login.web.app/", "brand-lookalike", true},
        {"https://micr0soft-login.web.app/", "brand-tenant", true},
        {"https://rnicrosoft-verify.example.com/", "brand-lookalike", true},
        {"https://whotsapp-web.example.cn/", "brand-lookalike", true},
        {"http://xfinitymail-signin-key.weebly.com/", "brand-tenant", true},
        {"http://xfinitymail-signin-key.weebly.com/", "platform-lure", true},
        {"https://unusual-account-activity-review.vercel.app/", "platform-lure", true},
        {"http://evil-shop.example/paypal/login.php", "brand-path", true},
        {"https://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi.ipfs.dweb.link/",
         "ipfs", true},
        {"https://cloudflare-ipfs.com/ipfs/QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco", "ipfs",
         true},
        {"https://bgrfd3bdrun-zlkytpli-8i5g9g.pages.dev/", "gibberish-label", true},
        {"https://spoo.me/es-santander", "shortener", true},
        /* lexical features read the Unicode host: no hyphens in аpple.com */
        {"http://аpple.com/login", "hyphens", false},
        {"http://xn--pple-43d.com/", "hyphens", false},
        {"http://xn--secure-lgin-xyz.com/", "hyphens", false},
        {"http://a-b-c.xn--pple-43d.com/", "hyphens", true},
        /* lure words that are a whole label of an ordinary host do not count */
        {"https://login.microsoftonline.com/", "cred-words-host", false},
        {"https://accounts.example.com/", "cred-words-host", false},
        {"https://secure.example.com/", "cred-words-host", false},
        {"https://paypal.com/signin", "brand-path", false},
        {"https://alex-smith.github.io/weather-app/", "brand-tenant", false},
        {"https://alex-smith.github.io/weather-app/", "platform-lure", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect(intel, cases[i].url, cases[i].code, cases[i].want);

    static const char *const phish[] = {
        "https://paypa1-secure.netlify.app/signin",  "http://secure-paypal.com.evil.example/",
        "http://appleid-verify-account.xyz/",        "https://micr0soft-login.web.app/",
        "http://evil-shop.example/paypal/login.php", "http://аpple.com/login",
        "http://xfinitymail-signin-key.weebly.com/",
    };
    for (size_t i = 0; i < sizeof phish / sizeof phish[0]; i++) {
        score(intel, phish[i]);
        if (res.verdict == LW_VERDICT_BENIGN) {
            print_error("%s scored %d (benign)\n", phish[i], res.score);
            fail();
        }
    }
    static const char *const benign[] = {
        "https://paypal.com/signin",
        "https://www.paypal.com/signin?country.x=US",
        "https://accounts.google.com/",
        "https://accounts.google.com/signin/v2/identifier",
        "https://login.microsoftonline.com/",
        "https://login.microsoftonline.com/common/oauth2/authorize",
        "https://github.com/login",
        "https://alex-smith.github.io/weather-app/",
        "https://clever-churros-ba596c.netlify.app/",
        "https://my-portfolio.vercel.app/projects",
        "https://appleid.apple.com/sign-in",
        "https://secure.bankofamerica.com/login/sign-in/signOnV2Screen.go",
    };
    for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++) {
        score(intel, benign[i]);
        if (res.verdict != LW_VERDICT_BENIGN) {
            print_error("%s scored %d (want benign)\n", benign[i], res.score);
            for (size_t k = 0; k < res.nreasons; k++)
                print_error("   %s %.2f\n", res.reasons[k].code, res.reasons[k].weight);
            fail();
        }
    }

    /* allow lists stop at a tenant even where the PSL has no boundary */
    const char *path = "/tmp/lw-test-intel-tenant-allow.txt";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("weebly.com\nnetlify.app\nexample.org\n", f);
    fclose(f);
    const char *alw[] = {path, NULL};
    lw_intel_options o = {.allow_files = alw};
    lw_intel *in = NULL;
    char err[256] = "";
    assert_int_equal(lw_intel_new(&o, &in, err, sizeof err), LW_OK);
    score(in, "https://weebly.com/");
    assert_true(res.allowlisted);
    score(in, "https://www.weebly.com/");
    assert_true(res.allowlisted);
    score(in, "http://xfinitymail-signin-key.weebly.com/");
    assert_false(res.allowlisted);
    score(in, "https://paypa1-secure.netlify.app/");
    assert_false(res.allowlisted);
    score(in, "https://www.example.org/");
    assert_true(res.allowlisted);
    assert_false(lw_intel_is_allowed(in, LW_STR_LIT("x.weebly.com")));
    assert_true(lw_intel_is_allowed(in, LW_STR_LIT("www.weebly.com")));
    lw_intel_free(in);
    unlink(path);
}

static char *write_tmp(const char *name, const char *text)
{
    static char path[4][256];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 256, "/tmp/lw-test-intel-%d-%s", (int)getpid(), name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static void test_lists(void **st)
{
    (void)st;
    const char *block = write_tmp(
        "block.txt", "# mixed formats\n"
                     "evil.example\n"
                     "0.0.0.0 ads.tracker.example # hosts file\n"
                     "127.0.0.1 localhost\n"
                     "url,label,source\n"
                     "http://1.2.3.4:8080/i,1,urlhaus\n"
                     "\"1\",\"2024-01-01\",\"http://phish.example/login.php\",\"online\"\n"
                     "https://x.blogspot.com/\n"
                     "3,tranco-style.example\n");
    const char *allow =
        write_tmp("allow.csv", "rank,domain\n1,google.com\n2,blogspot.com\n3,corp.example\n");
    const char *blk[] = {block, NULL}, *alw[] = {allow, NULL};
    lw_intel_options o = {.block_files = blk, .allow_files = alw};
    lw_intel *in = NULL;
    char err[256] = "";
    assert_int_equal(lw_intel_new(&o, &in, err, sizeof err), LW_OK);
    score(in, "http://www.evil.example/x");
    assert_true(res.blocklisted && res.score == 100);
    score(in, "https://ADS.tracker.example./");
    assert_true(res.blocklisted);
    score(in, "http://tracker.example/"); /* parent of a blocked host: not blocked */
    assert_false(res.blocklisted);
    score(in, "http://0x01020304:8080/i"); /* same IP, other notation */
    assert_true(res.blocklisted);
    score(in, "http://1.2.3.4:8080/other");
    assert_false(res.blocklisted);
    score(in, "https://phish.example/login.php");
    assert_true(res.blocklisted);
    score(in, "https://phish.example/");
    assert_false(res.blocklisted);
    score(in, "https://a.x.blogspot.com/");
    assert_true(res.blocklisted);
    score(in, "https://y.blogspot.com/");
    assert_false(res.blocklisted);
    /* allow: a platform suffix on the allow list does not allow its tenants */
    score(in, "https://mail.google.com/");
    assert_true(res.allowlisted && res.score == 0);
    score(in, "https://phisher.blogspot.com/");
    assert_false(res.allowlisted);
    assert_true(lw_intel_is_allowed(in, LW_STR_LIT("www.corp.example")));
    assert_false(lw_intel_is_allowed(in, LW_STR_LIT("x.blogspot.com")));
    lw_intel_free(in);

    /* bad files fail with a message naming the file */
    const char *bad = write_tmp("bad.txt", "just words\nno entries here\n");
    const char *badv[] = {bad, NULL};
    lw_intel_options ob = {.block_files = badv};
    assert_int_equal(lw_intel_new(&ob, &in, err, sizeof err), LW_EFORMAT);
    assert_null(in);
    assert_non_null(strstr(err, bad));
    const char *missing[] = {"/nonexistent/lw-list.txt", NULL};
    lw_intel_options om = {.allow_files = missing};
    assert_int_equal(lw_intel_new(&om, &in, err, sizeof err), LW_EIO);
    lw_intel_options obr = {.brands_file = bad};
    assert_int_equal(lw_intel_new(&obr, &in, err, sizeof err), LW_EFORMAT);
    unlink(block);
    unlink(allow);
    unlink(bad);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_million(void **st)
{
    (void)st;
    char path[256];
    snprintf(path, sizeof path, "/tmp/lw-test-intel-%d-1m.txt", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 1000000; i++) {
        switch (i % 4) {
        case 0:
            fprintf(f, "host%d.example%d.com\n", i, i % 977);
            break;
        case 1:
            fprintf(f, "0.0.0.0 ads%d.tracker.net\n", i);
            break;
        case 2:
            fprintf(f, "http://%d.%d.%d.%d:8080/i,1,urlhaus\n", i >> 16 & 255, i >> 8 & 255,
                    i & 255, 7);
            break;
        default:
            fprintf(f, "https://phish%d.example.org/login/%d.php\n", i, i);
            break;
        }
    }
    fclose(f);
    const char *blk[] = {path, NULL};
    lw_intel_options o = {.block_files = blk};
    lw_intel *in = NULL;
    char err[256] = "";
    double t0 = now_s();
    assert_int_equal(lw_intel_new(&o, &in, err, sizeof err), LW_OK);
    double dt = now_s() - t0;
    size_t nb;
    lw_intel_list_stats(in, NULL, &nb, NULL, NULL);
    print_message("loaded %zu block entries (1,000,000 lines) in %.3f s\n", nb, dt);
    assert_true(nb >= 990000);
    assert_true(dt < 10.0);
    score(in, "http://x.host4.example4.com/");
    assert_true(res.blocklisted);
    score(in, "https://phish7.example.org/login/7.php");
    assert_true(res.blocklisted);
    t0 = now_s();
    for (int i = 0; i < 20000; i++)
        score(in, i & 1 ? "http://x.host4.example4.com/a.exe" : "https://www.example.com/a/b?c=d");
    dt = now_s() - t0;
    print_message("scored 20000 URLs against the 1M list in %.3f s (%.0f URLs/s)\n", dt,
                  20000 / dt);
    lw_intel_free(in);
    unlink(path);
}

static void test_seen_store(void **st)
{
    (void)st;
    char db[256];
    snprintf(db, sizeof db, "/tmp/lw-test-intel-%d-seen.db", (int)getpid());
    unlink(db);
    lw_intel_options o = {.seen_db = db, .new_days = 7};
    lw_intel *in = NULL;
    char err[256];
    assert_int_equal(lw_intel_new(&o, &in, err, sizeof err), LW_OK);
    int64_t day = 86400000, t0 = (int64_t)time(NULL) * 1000;
    /* first run, inside the learning day: recorded, never "new" */
    lw_intel_call c = {.when_ms = t0, .record_seen = 1};
    lw_intel_score_url(in, LW_STR_LIT("https://old.example/"), &c, &res);
    assert_int_equal(res.first_seen_ms, t0);
    assert_false(res.new_domain);
    lw_intel_free(in);
    /* second run, 3 days later: old.example known (not new after 7 days); fresh.example new */
    assert_int_equal(lw_intel_new(&o, &in, err, sizeof err), LW_OK);
    c.when_ms = t0 + 3 * day;
    lw_intel_score_url(in, LW_STR_LIT("https://www.fresh.example/"), &c, &res);
    assert_true(res.new_domain);
    assert_true(has_reason(&res, "new-domain"));
    c.when_ms = t0 + 10 * day;
    lw_intel_score_url(in, LW_STR_LIT("https://a.old.example/"), &c, &res);
    assert_int_equal(res.first_seen_ms, t0); /* per registrable domain, across runs */
    assert_false(res.new_domain);
    lw_intel_score_url(in, LW_STR_LIT("https://fresh.example/"), &c, &res);
    assert_false(res.new_domain); /* 7 days passed */
    lw_intel_free(in);
    /* a file that is not a store */
    const char *bad = write_tmp("notdb", "this is not sqlite\n");
    lw_intel_options ob = {.seen_db = bad};
    assert_int_not_equal(lw_intel_new(&ob, &in, err, sizeof err), LW_OK);
    unlink(bad);
    unlink(db);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", db);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", db);
    unlink(wal);
}

static void test_brands_file_matches_builtin(void **st)
{
    (void)st;
    lw_brands a = {0}, b = {0};
    char err[256];
    assert_int_equal(lw_brands_load_default(&a), LW_OK);
    assert_int_equal(lw_brands_load_file(&b, LW_SOURCE_DIR "/data/brands.txt", err, sizeof err),
                     LW_OK);
    assert_int_equal(a.n, b.n); /* run scripts/gen-brands.py after editing data/brands.txt */
    for (size_t i = 0; i < a.n; i++)
        assert_string_equal(a.v[i].name, b.v[i].name);
    assert_true(a.n >= 100);
    lw_brands_free(&a);
    lw_brands_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_homographs), cmocka_unit_test(test_typosquats),
        cmocka_unit_test(test_lexical),    cmocka_unit_test(test_phishing),
        cmocka_unit_test(test_lists),      cmocka_unit_test(test_million),
        cmocka_unit_test(test_seen_store), cmocka_unit_test(test_brands_file_matches_builtin),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
