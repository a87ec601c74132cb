/* URL parsing, IP notations, hosts, PSL (incl. private suffixes) and extensions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"
#include "intel/url.h"

static void check_str(lw_str got, const char *want, const char *what, const char *url)
{
    if (!want)
        return;
    if (!lw_str_eq_c(got, want)) {
        print_error("%s: %s: got '%.*s', want '%s'\n", url, what, (int)got.n, got.p ? got.p : "",
                    want);
        fail();
    }
}

static void test_parse_table(void **st)
{
    (void)st;
    static const struct {
        const char *url;
        int ok;
        const char *scheme, *userinfo, *host, *path, *query, *fragment;
        int port;
        lw_ip_form ip;
        uint32_t v4;
    } cases[] = {
        {"https://www.example.com/a/b?c=d#e", 1, "https", "", "www.example.com", "/a/b", "c=d", "e",
         -1, LW_IP_NONE, 0},
        {"HTTP://WWW.Example.COM./", 1, "HTTP", "", "WWW.Example.COM.", "/", "", "", -1, LW_IP_NONE,
         0},
        {"https://paypal.com@evil.tk:8080/x", 1, "https", "paypal.com", "evil.tk", "/x", "", "",
         8080, LW_IP_NONE, 0},
        {"http://a@b@c.com/", 1, "http", "a@b", "c.com", "/", "", "", -1, LW_IP_NONE, 0},
        {"http://user:pw@1.2.3.4:81", 1, "http", "user:pw", "1.2.3.4", "", "", "", 81, LW_IP_DOTTED,
         0x01020304},
        {"http://3232235777/i", 1, "http", "", "3232235777", "/i", "", "", -1, LW_IP_DECIMAL,
         0xC0A80101},
        {"http://0xC0A80101/", 1, "http", "", "0xC0A80101", "/", "", "", -1, LW_IP_HEX, 0xC0A80101},
        {"http://0xc0.0xa8.0x1.0x1/", 1, "http", "", "0xc0.0xa8.0x1.0x1", "/", "", "", -1,
         LW_IP_HEX, 0xC0A80101},
        {"http://0300.0250.01.01/", 1, "http", "", "0300.0250.01.01", "/", "", "", -1, LW_IP_OCTAL,
         0xC0A80101},
        {"http://192.168.257/", 1, "http", "", "192.168.257", "/", "", "", -1, LW_IP_SHORT,
         0xC0A80101},
        {"http://10.1/", 1, "http", "", "10.1", "/", "", "", -1, LW_IP_SHORT, 0x0A000001},
        {"http://1.2.3.4./", 1, "http", "", "1.2.3.4.", "/", "", "", -1, LW_IP_DOTTED, 0x01020304},
        {"http://256.1.1.1/", 1, "http", "", "256.1.1.1", "/", "", "", -1, LW_IP_NONE, 0},
        {"http://[2001:db8::1]:8443/x", 1, "http", "", "2001:db8::1", "/x", "", "", 8443, LW_IP_V6,
         0},
        {"http://[::ffff:1.2.3.4]/", 1, "http", "", "::ffff:1.2.3.4", "/", "", "", -1, LW_IP_V6, 0},
        {"2001:db8::1", 1, "", "", "2001:db8::1", "", "", "", -1, LW_IP_V6, 0},
        {"http://[zz::1]/", 1, "http", "", "zz::1", "/", "", "", -1, LW_IP_NONE, 0},
        {"evil.com", 1, "", "", "evil.com", "", "", "", -1, LW_IP_NONE, 0},
        {"evil.com:8080/x.exe", 1, "", "", "evil.com", "/x.exe", "", "", 8080, LW_IP_NONE, 0},
        {"//cdn.example.com/x", 1, "", "", "cdn.example.com", "/x", "", "", -1, LW_IP_NONE, 0},
        {"http:\\\\evil.com\\x", 1, "http", "", "evil.com", "\\x", "", "", -1, LW_IP_NONE, 0},
        {"http://%65vil.com/", 1, "http", "", "%65vil.com", "/", "", "", -1, LW_IP_NONE, 0},
        {"http://xn--pple-43d.com/", 1, "http", "", "xn--pple-43d.com", "/", "", "", -1, LW_IP_NONE,
         0},
        {"  \"https://quoted.example/\"  ", 1, "https", "", "quoted.example", "/", "", "", -1,
         LW_IP_NONE, 0},
        {"http://host:99999/", 1, "http", "", "host", "/", "", "", -1, LW_IP_NONE, 0},
        {"http://host:abc/", 1, "http", "", "host", "/", "", "", -1, LW_IP_NONE, 0},
        {"javascript:alert(1)", 1, "javascript", "", "", "", "", "", -1, LW_IP_NONE, 0},
        {"data:text/html;base64,PHNjcmlwdD4=", 1, "data", "", "", "", "", "", -1, LW_IP_NONE, 0},
        {"", 0, "", "", "", "", "", "", -1, LW_IP_NONE, 0},
        {"http://", 0, "http", "", "", "", "", "", -1, LW_IP_NONE, 0},
        /* browsers skip any number of slashes after a special scheme: host is "path" */
        {"http:///path", 1, "http", "", "path", "", "", "", -1, LW_IP_NONE, 0},
        {"@@@", 0, "", NULL, "", "", "", "", -1, LW_IP_NONE, 0},
        {"file:///C:/Users/x.exe", 1, "file", "", "", "/C:/Users/x.exe", "", "", -1, LW_IP_NONE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lw_url u;
        bool ok = lw_url_parse(lw_str_c(cases[i].url), &u);
        if ((int)ok != cases[i].ok) {
            print_error("%s: ok=%d want %d\n", cases[i].url, ok, cases[i].ok);
            fail();
        }
        check_str(u.scheme, cases[i].scheme, "scheme", cases[i].url);
        check_str(u.userinfo, cases[i].userinfo, "userinfo", cases[i].url);
        check_str(u.host, cases[i].host, "host", cases[i].url);
        check_str(u.path, cases[i].path, "path", cases[i].url);
        check_str(u.query, cases[i].query, "query", cases[i].url);
        check_str(u.fragment, cases[i].fragment, "fragment", cases[i].url);
        assert_int_equal(u.port_num, cases[i].port);
        assert_int_equal(u.ip_form, cases[i].ip);
        if (cases[i].ip != LW_IP_NONE && cases[i].ip != LW_IP_V6)
            assert_int_equal(u.ipv4, cases[i].v4);
    }
}

static void test_flags(void **st)
{
    (void)st;
    lw_url u;
    lw_url_parse(lw_str_c("http://host:99999/"), &u);
    assert_true(u.flags & LW_URLF_BAD_PORT);
    lw_url_parse(lw_str_c("http:\\\\evil.com"), &u);
    assert_true(u.flags & LW_URLF_BACKSLASH);
    lw_url_parse(lw_str_c("http://a.com./"), &u);
    assert_true(u.flags & LW_URLF_TRAILING_DOT);
    lw_url_parse(lw_str_c("http://%65vil.com/"), &u);
    assert_true(u.flags & LW_URLF_PCT_HOST);
    lw_url_parse(lw_str_c("http://аpple.com/"), &u);
    assert_true(u.flags & LW_URLF_NON_ASCII);
    lw_url_parse(lw_str_c("javascript:x"), &u);
    assert_true(u.flags & LW_URLF_OPAQUE);
    /* views never point outside the input, even for hostile bytes */
    static const char junk[] = "h\x01t:/\\[::@@:]\xff\xfe?#%";
    assert_false(lw_url_parse((lw_str){junk, sizeof junk - 1}, &u) && u.host.p &&
                 (u.host.p < junk || u.host.p + u.host.n > junk + sizeof junk));
    assert_false(lw_url_parse((lw_str){NULL, 0}, &u));
}

static void test_registrable(void **st)
{
    (void)st;
    static const struct {
        const char *host;
        int ok;
        const char *domain, *suffix, *icann;
    } cases[] = {
        {"www.example.com", 1, "example.com", "com", "com"},
        {"WWW.Example.CO.UK.", 1, "example.co.uk", "co.uk", "co.uk"},
        {"x.blogspot.com", 1, "x.blogspot.com", "blogspot.com", "com"},
        {"a.b.x.blogspot.com", 1, "x.blogspot.com", "blogspot.com", "com"},
        {"user.github.io", 1, "user.github.io", "github.io", "io"},
        {"a.b.pages.dev", 1, "b.pages.dev", "pages.dev", "dev"},
        {"send-usdt.netlify.app", 1, "send-usdt.netlify.app", "netlify.app", "app"},
        {"x.vercel.app", 1, "x.vercel.app", "vercel.app", "app"},
        {"w.workers.dev", 1, "w.workers.dev", "workers.dev", "dev"},
        {"p.firebaseapp.com", 1, "p.firebaseapp.com", "firebaseapp.com", "com"},
        {"github.io", 1, "", "github.io", "io"},
        {"com", 1, "", "com", "com"},
        {"localhost", 1, "", "localhost", "localhost"},
        {"foo.unknowntld", 1, "foo.unknowntld", "unknowntld", "unknowntld"},
        {"%65vil.com", 1, "evil.com", "com", "com"},
        {"аpple.com", 1, "xn--pple-43d.com", "com", "com"},
        {"FAß.de", 1, "xn--fa-hia.de", "de", "de"},
        {"bücher.example.de", 1, "example.de", "de", "de"},
        {"1.2.3.4", 0, "", "", NULL},
        {"", 0, "", "", NULL},
        {"a..b.com", 0, "", "", NULL},
        {"bad host.com", 0, "", "", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[256], buf2[256];
        lw_str d, s, ic;
        bool ok = lw_url_registrable(lw_str_c(cases[i].host), buf, sizeof buf, &d, &s);
        if ((int)ok != cases[i].ok) {
            print_error("%s: ok=%d\n", cases[i].host, ok);
            fail();
        }
        if (!ok)
            continue;
        check_str(d, cases[i].domain, "domain", cases[i].host);
        check_str(s, cases[i].suffix, "suffix", cases[i].host);
        assert_true(lw_url_icann_suffix(lw_str_c(cases[i].host), buf2, sizeof buf2, &ic));
        check_str(ic, cases[i].icann, "icann", cases[i].host);
    }
}

static void test_extension(void **st)
{
    (void)st;
    static const struct {
        const char *path, *ext, *prev;
    } cases[] = {
        {"/a/inv.pdf.exe", ".exe", ".pdf"},
        {"/setup.EXE", ".EXE", ""},
        {"/a.b/c", "", ""},
        {"/.bashrc", "", ""},
        {"/x.", "", ""},
        {"", "", ""},
        {"/dir\\payload.hta", ".hta", ""},
        {"/a.tar.gz", ".gz", ".tar"},
        {"/i", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lw_str prev;
        lw_str e = lw_url_extension(lw_str_c(cases[i].path), &prev);
        check_str(e, cases[i].ext, "ext", cases[i].path);
        check_str(prev, cases[i].prev, "prev", cases[i].path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_registrable),
        cmocka_unit_test(test_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
