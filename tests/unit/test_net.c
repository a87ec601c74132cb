/*
 * Tests for the network decoders (src/input/input-zeek.c, input-eve.c, input-proxy.c and
 * net-common.c): sniffing against the Windows JSON decoder, field values of specific
 * records of the repository fixtures (tests/fixtures/net) and of the real samples under
 * ../shared/data when present (skipped otherwise), hostile input, and the accounting
 * contract (records == events + skips).
 *
 * LW_NET_DUMP=FILE test_net prints what the decoders make of FILE and exits.
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
#include <zlib.h>

#include "core/event.h"
#include "core/str.h"
#include "input/input.h"
#include "input/net-common.h"

extern const lw_decoder lw_decoder_zeek, lw_decoder_eve, lw_decoder_proxy, lw_decoder_json;

#define FIX    LW_SOURCE_DIR "/tests/fixtures/net/"
#define SHARED LW_SHARED_DIR "/data/"

typedef struct nrun {
    const lw_decoder *dec;
    long events, skips, partial;
    lw_status last;
    lw_buf dig; /* "@LINE ch=... time=... host=...\n  name=value\n..." per event */
} nrun;

static bool exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

static void digest(lw_buf *b, lw_event *ev)
{
    char t[40] = "-";
    if (ev->time_ms != INT64_MIN)
        lw_format_time(ev->time_ms, t, sizeof t);
    lw_buf_printf(b, "@%llu ch=%.*s host=%.*s time=%s product=%d\n", (unsigned long long)ev->record,
                  (int)ev->channel.n, ev->channel.p, (int)ev->host.n, ev->host.p, t,
                  (int)ev->product);
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const lw_field *f = &ev->fields[i];
        lw_buf_printf(b, "  %.*s=%.*s\n", (int)f->name.n, f->name.p, (int)f->value.n, f->value.p);
    }
    lw_buf_printf(b, "  .cats=");
    for (int c = 1; c < LW_CAT__COUNT; c++)
        if (ev->cats & (1ULL << c))
            lw_buf_printf(b, "%s,", lw_category_name((lw_category)c));
    lw_buf_printf(b, "\n");
}

/* Decode path with the decoder the registry sniffs (or dec when not NULL). */
static void run_file(const char *path, const lw_decoder *dec, size_t max_record, nrun *out,
                     const lw_want *want)
{
    lw_buf_free(&out->dig);
    memset(out, 0, sizeof *out);
    lw_buf_init(&out->dig);
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.max_record = max_record;
    in.want = want;
    assert_int_equal(lw_reader_open(&in.rd, path, max_record + 64 * 1024), LW_OK);
    while (lw_reader_avail(&in.rd) < 4096 && lw_reader_fill(&in.rd) > 0)
        ;
    if (!dec)
        dec = lw_decoder_sniff((const unsigned char *)lw_reader_data(&in.rd),
                               lw_reader_avail(&in.rd));
    out->dec = dec;
    if (!dec) {
        lw_reader_close(&in.rd);
        return;
    }
    assert_int_equal(dec->open(&in), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    for (long long guard = 0;; guard++) {
        if (guard > (long long)sb.st_size * 4 + 4)
            fail_msg("%s: decoder does not make progress", path);
        lw_event_reset(&ev);
        ev.src_path = path;
        lw_status st = dec->next(&in, &ev);
        out->last = st;
        if (st == LW_OK) {
            out->events++;
            if (ev.partial) {
                out->partial++;
                continue;
            }
            assert_int_equal(lw_event_normalize(&ev), LW_OK);
            digest(&out->dig, &ev);
        } else if (st == LW_EFORMAT) {
            out->skips++;
        } else {
            break;
        }
    }
    lw_event_destroy(&ev);
    dec->close(&in);
    lw_reader_close(&in.rd);
}

static const char *write_tmp(const char *name, const char *data, size_t n)
{
    static char path[512];
    const char *dir = getenv("TMPDIR");
    lw_fmt(path, sizeof path, "%s/lw-test-net-%d-%s", dir ? dir : "/tmp", (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

/* The digest block of the event at line (NULL if none), up to the next '@'. */
static lw_str block(const nrun *r, unsigned long long line)
{
    char key[40];
    lw_fmt(key, sizeof key, "@%llu ", line);
    const char *s = lw_buf_cstr((lw_buf *)&r->dig);
    const char *p = s;
    while ((p = strstr(p, key)) != NULL) {
        if (p == s || p[-1] == '\n')
            break;
        p++;
    }
    if (!p)
        return LW_STR_NULL;
    const char *e = strstr(p + 1, "\n@");
    return (lw_str){p, e ? (size_t)(e - p) + 1 : strlen(p)};
}

/* Assert that the event at line has "name=value" (value NULL: the field is absent). */
static void expect_field(const nrun *r, unsigned long long line, const char *name,
                         const char *value)
{
    lw_str b = block(r, line);
    if (!b.p)
        fail_msg("no event at line %llu", line);
    char want[1024];
    if (!value) {
        lw_fmt(want, sizeof want, "\n  %s=", name);
        if (lw_str_ifind(b, lw_str_c(want)) >= 0 && memmem(b.p, b.n, want, strlen(want)))
            fail_msg("line %llu: field %s should be absent:\n%.*s", line, name, (int)b.n, b.p);
        return;
    }
    lw_fmt(want, sizeof want, "\n  %s=%s\n", name, value);
    if (!memmem(b.p, b.n, want, strlen(want)))
        fail_msg("line %llu: expected %s=%s in:\n%.*s", line, name, value, (int)b.n, b.p);
}

static void expect_head(const nrun *r, unsigned long long line, const char *text)
{
    lw_str b = block(r, line);
    if (!b.p)
        fail_msg("no event at line %llu", line);
    const char *nl = memchr(b.p, '\n', b.n);
    lw_str head = {b.p, nl ? (size_t)(nl - b.p) : b.n};
    if (!memmem(head.p, head.n, text, strlen(text)))
        fail_msg("line %llu: expected '%s' in '%.*s'", line, text, (int)head.n, head.p);
}

/* ---- sniffing ------------------------------------------------------------------------ */

static const lw_decoder *sniff_str(const char *s)
{
    return lw_decoder_sniff((const unsigned char *)s, strlen(s));
}

static void test_sniff(void **state)
{
    (void)state;
    assert_ptr_equal(sniff_str("#separator \\x09\n#set_separator\t,\n"), &lw_decoder_zeek);
    assert_ptr_equal(sniff_str("{\"_path\":\"conn\",\"ts\":1.5,\"uid\":\"C1\"}\n"),
                     &lw_decoder_zeek);
    assert_ptr_equal(sniff_str("{\"@stream\":\"http\",\"ts\":1.5}\n"), &lw_decoder_zeek);
    assert_ptr_equal(sniff_str("{\"ts\":1.5,\"uid\":\"C1\",\"id.orig_h\":\"1.2.3.4\"}\n"),
                     &lw_decoder_zeek);
    assert_ptr_equal(
        sniff_str("{\"timestamp\":\"2018-07-05T15:01:09.820360-0400\",\"event_type\":\"dns\"}\n"),
        &lw_decoder_eve);
    /* Windows JSON stays with the JSON decoder, also when it mentions a timestamp. */
    assert_ptr_equal(sniff_str("{\"EventID\":1,\"Channel\":\"x\",\"timestamp\":\"t\"}\n"),
                     &lw_decoder_json);
    assert_ptr_equal(sniff_str("{\"a\":1}\n"), &lw_decoder_json);
    assert_ptr_equal(sniff_str("1286536308.779    180 192.168.0.224 TCP_MISS/200 411 GET "
                               "http://www.google.com/ - DIRECT/74.125.39.104 text/html\n"),
                     &lw_decoder_proxy);
    assert_ptr_equal(sniff_str("#Software: SGOS 6.7\n#Version: 1.0\n#Fields: date time c-ip\n"),
                     &lw_decoder_proxy);
    assert_ptr_equal(sniff_str("10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /a.gif "
                               "HTTP/1.0\" 200 2326 \"-\" \"Mozilla/4.08\"\n"),
                     &lw_decoder_proxy);
    assert_ptr_equal(sniff_str("[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open "
                               "through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS\n"),
                     &lw_decoder_proxy);
    /* Not ours: a plain text line, a partial line, a Windows XML event. */
    assert_null(sniff_str("hello world\n"));
    assert_ptr_not_equal(sniff_str("<Event xmlns='x'><System>"), &lw_decoder_proxy);
    assert_int_equal(lw_decoder_proxy.sniff((const unsigned char *)"[10.30 16:49", 12), 0);
}

/* ---- fixtures ------------------------------------------------------------------------- */

static void test_zeek_tsv_fixture(void **state)
{
    (void)state;
    nrun r = {0};
    run_file(FIX "zeek/http.log", NULL, 1 << 20, &r, NULL);
    assert_ptr_equal(r.dec, &lw_decoder_zeek);
    /* 4 records, one with a wrong column count */
    assert_int_equal(r.events, 4);
    assert_int_equal(r.skips, 1);
    expect_head(&r, 9, "ch=zeek/http");
    expect_head(&r, 9, "time=2023-08-16T04:54:08.308Z");
    expect_field(&r, 9, "id.orig_h", "192.168.1.41");
    expect_field(&r, 9, "uri", "/download/invoice_0815.exe");
    expect_field(&r, 9, "resp_mime_types", "application/x-dosexec");
    expect_field(&r, 9, "c-uri-extension", "exe");
    expect_field(&r, 9, "cs-host", "files.example-cdn.top");
    expect_field(&r, 9, "c-useragent",
                 "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                 "Gecko) Chrome/116.0.0.0 Safari/537.36 Edg/116.0.1938.69");
    expect_field(&r, 9, "sc-status", "200");
    expect_field(&r, 9, "referrer", NULL); /* '-' is unset */
    expect_field(&r, 9, "tags", "");       /* (empty) */
    expect_field(&r, 9, ".cats", "proxy,");
    /* escapes: \x09 inside a value, \x2d alone is a literal '-' (not unset) */
    expect_field(&r, 10, "uri", "/a\tb?q=1");
    expect_field(&r, 10, "c-uri-query", "q=1");
    expect_field(&r, 10, "username", "-");
    /* bad escape kept literally, set value joined */
    expect_field(&r, 11, "uri", "/x\\xZZ");
    expect_field(&r, 11, "resp_mime_types", "text/html,text/plain");
    /* second header block in the same file: other columns */
    expect_head(&r, 22, "ch=zeek/files");
    expect_field(&r, 22, "mime_type", "application/x-dosexec");
    expect_field(&r, 22, "local_orig", "true");
    expect_field(&r, 22, "is_orig", "false");
    lw_buf_free(&r.dig);
}

static void test_zeek_json_fixture(void **state)
{
    (void)state;
    nrun r = {0};
    run_file(FIX "zeek/zeek-json.log", NULL, 1 << 20, &r, NULL);
    assert_ptr_equal(r.dec, &lw_decoder_zeek);
    assert_int_equal(r.events, 4);
    assert_int_equal(r.skips, 1); /* a truncated JSON line */
    expect_head(&r, 1, "ch=zeek/dns");
    expect_head(&r, 1, "host=sensor-1");
    expect_field(&r, 1, "id.orig_h", "10.0.1.4"); /* flattened id_orig_h renamed */
    expect_field(&r, 1, "id_orig_h", NULL);
    expect_field(&r, 1, "query", "update.example-cdn.top");
    expect_field(&r, 1, "answer", "203.0.113.7,203.0.113.8");
    expect_field(&r, 1, "record_type", "A");
    expect_field(&r, 1, "rejected", "false");
    expect_field(&r, 1, ".cats", "dns,");
    expect_head(&r, 2, "ch=zeek/x509");
    expect_field(&r, 2, "certificate.serial", "0A1B");
    expect_field(&r, 2, "san.dns", "a.example,b.example");
    expect_head(&r, 3, "ch=zeek/conn");
    expect_field(&r, 3, "dst_port", "443");
    expect_field(&r, 3, ".cats", "firewall,");
    expect_head(&r, 5, "ch=zeek/pe");
    expect_field(&r, 5, "section_names", "UPX0,UPX1,.rsrc");
    lw_buf_free(&r.dig);
}

static void test_eve_fixture(void **state)
{
    (void)state;
    nrun r = {0};
    run_file(FIX "eve/eve.json", NULL, 1 << 20, &r, NULL);
    assert_ptr_equal(r.dec, &lw_decoder_eve);
    assert_int_equal(r.skips, 1); /* no event_type */
    assert_int_equal(r.events, 9);
    expect_head(&r, 1, "ch=suricata/http");
    expect_head(&r, 1, "time=2024-03-04T14:00:01.250Z"); /* +0100 offset */
    expect_head(&r, 1, "host=ids-1");
    expect_field(&r, 1, "http.hostname", "dl.example-files.xyz");
    expect_field(&r, 1, "c-uri-extension", "hta");
    expect_field(&r, 1, "cs-method", "GET");
    expect_field(&r, 1, "c-ip", "10.1.2.3");
    expect_field(&r, 1, "dst_port", "80");
    expect_field(&r, 1, ".cats", "proxy,");
    /* dns v1 query record */
    expect_field(&r, 2, "query", "dl.example-files.xyz");
    expect_field(&r, 2, "record_type", "A");
    expect_field(&r, 2, ".cats", "dns,");
    /* dns v2 answers array */
    expect_field(&r, 3, "answer", "198.51.100.9,198.51.100.10");
    /* dns v2 grouped */
    expect_field(&r, 4, "answer", "198.51.100.9");
    /* fileinfo: server is EVE's source */
    expect_head(&r, 5, "ch=suricata/fileinfo");
    expect_field(&r, 5, "fileinfo.magic", "PE32 executable (GUI) Intel 80386, for MS Windows");
    expect_field(&r, 5, "c-ip", "10.1.2.3");
    expect_field(&r, 5, "dst_ip", "198.51.100.9");
    expect_field(&r, 5, "c-uri-extension", "exe");
    expect_head(&r, 6, "ch=suricata/alert");
    expect_field(&r, 6, "alert.signature_id", "2024833");
    expect_head(&r, 7, "ch=suricata/flow");
    expect_field(&r, 7, ".cats", "firewall,");
    expect_head(&r, 8, "ch=suricata/anomaly");
    expect_field(&r, 8, "anomaly.event", "INVALID_OPTLEN");
    expect_head(&r, 10, "ch=suricata/tls");
    expect_field(&r, 10, "tls.sni", "login.example-sso.top");
    lw_buf_free(&r.dig);
}

static void test_proxy_fixtures(void **state)
{
    (void)state;
    nrun r = {0};
    run_file(FIX "proxy/squid-access.log", NULL, 1 << 20, &r, NULL);
    assert_ptr_equal(r.dec, &lw_decoder_proxy);
    assert_int_equal(r.events, 4);
    assert_int_equal(r.skips, 1);
    expect_head(&r, 1, "ch=proxy/squid");
    expect_head(&r, 1, "time=2024-03-04T13:00:01.779Z");
    expect_field(&r, 1, "c-uri", "http://dl.example-files.xyz/payload/setup.msi");
    expect_field(&r, 1, "cs-host", "dl.example-files.xyz");
    expect_field(&r, 1, "c-uri-extension", "msi");
    expect_field(&r, 1, "sc-status", "200");
    expect_field(&r, 1, "s-action", "TCP_MISS");
    expect_field(&r, 1, "sc-content-type", "application/x-msi");
    expect_field(&r, 1, ".cats", "proxy,");
    expect_field(&r, 2, "cs-host", "www.example.org"); /* CONNECT host:port */
    expect_field(&r, 2, "cs-method", "CONNECT");
    run_file(FIX "proxy/w3c-bluecoat.log", NULL, 1 << 20, &r, NULL);
    assert_ptr_equal(r.dec, &lw_decoder_proxy);
    assert_int_equal(r.events, 2);
    assert_int_equal(r.skips, 1);
    expect_head(&r, 5, "ch=proxy/w3c");
    expect_head(&r, 5, "time=2024-03-04T13:05:09.000Z");
    expect_field(&r, 5, "c-useragent",
                 "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 "
                 "Firefox/123.0");
    expect_field(&r, 5, "c-uri-extension", "js");
    expect_field(&r, 5, "cs-host", "cdn.example-files.xyz");
    expect_field(&r, 5, "c-uri-query", "v=2");
    run_file(FIX "proxy/combined.log", NULL, 1 << 20, &r, NULL);
    assert_int_equal(r.events, 3);
    assert_int_equal(r.skips, 1);
    expect_head(&r, 1, "ch=proxy/combined");
    expect_head(&r, 1, "time=2024-03-04T12:10:00.000Z");
    expect_field(&r, 1, "c-uri-extension", "zip");
    expect_head(&r, 2, "ch=webserver/combined");
    expect_field(&r, 2, "cs-uri-query", "id=1'--");
    expect_field(&r, 2, "cs-user-agent", "sqlmap/1.7");
    expect_field(&r, 2, ".cats", "webserver,");
    lw_buf_free(&r.dig);
}

static void test_gzip(void **state)
{
    (void)state;
    nrun a = {0}, b = {0};
    run_file(FIX "zeek/http.log", NULL, 1 << 20, &a, NULL);
    FILE *f = fopen(FIX "zeek/http.log", "rb");
    assert_non_null(f);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char path[256];
    lw_fmt(path, sizeof path, "/tmp/lw-test-net-%d-http.log.gz", (int)getpid());
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, buf, (unsigned)n), (int)n);
    gzclose(gz);
    run_file(path, NULL, 1 << 20, &b, NULL);
    assert_int_equal(a.events, b.events);
    assert_string_equal(lw_buf_cstr(&a.dig), lw_buf_cstr(&b.dig));
    unlink(path);
    lw_buf_free(&a.dig);
    lw_buf_free(&b.dig);
}

/* ---- hostile input -------------------------------------------------------------------- */

static void test_hostile(void **state)
{
    (void)state;
    nrun r = {0};
    /* truncated header: #fields without a tab-separated list, data lines skipped */
    const char *t1 = "#separator \\x09\n#path\thttp\n#fields\n1\t2\n";
    run_file(write_tmp("t1.log", t1, strlen(t1)), &lw_decoder_zeek, 1 << 20, &r, NULL);
    assert_int_equal(r.events, 0);
    assert_int_equal(r.skips, 1);
    /* a bad #separator falls back to tab; columns checked */
    const char *t2 = "#separator \\xZ\n#fields\ta\tb\n1\t2\n1\n1\t2\t3\n";
    run_file(write_tmp("t2.log", t2, strlen(t2)), &lw_decoder_zeek, 1 << 20, &r, NULL);
    assert_int_equal(r.events, 1);
    assert_int_equal(r.skips, 2);
    /* a truncated trailing escape and a NUL inside a value */
    const char t3[] = "#separator \\x09\n#fields\ta\tb\nx\\x4\ty\0z\n";
    run_file(write_tmp("t3.log", t3, sizeof t3 - 1), &lw_decoder_zeek, 1 << 20, &r, NULL);
    assert_int_equal(r.events, 1);
    expect_field(&r, 3, "a", "x\\x4");
    /* a huge line: one skip, the next line still decodes */
    lw_buf big;
    lw_buf_init(&big);
    lw_buf_puts(&big, "{\"timestamp\":\"2024-01-01T00:00:00Z\",\"event_type\":\"x\",\"p\":\"");
    for (int i = 0; i < 20000; i++)
        lw_buf_puts(&big, "aaaaaaaaaa");
    lw_buf_puts(&big, "\"}\n{\"timestamp\":\"2024-01-01T00:00:00Z\",\"event_type\":\"dns\"}\n");
    run_file(write_tmp("big.json", big.p, big.n), &lw_decoder_eve, 4096, &r, NULL);
    assert_int_equal(r.events, 1);
    assert_int_equal(r.skips, 1);
    expect_head(&r, 2, "ch=suricata/dns");
    lw_buf_free(&big);
    /* binary junk through every decoder: skips only, no crash, progress */
    unsigned char junk[3000];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 16);
    }
    const char *jp = write_tmp("junk.bin", (const char *)junk, sizeof junk);
    const lw_decoder *decs[] = {&lw_decoder_zeek, &lw_decoder_eve, &lw_decoder_proxy};
    for (int d = 0; d < 3; d++) {
        run_file(jp, decs[d], 1 << 20, &r, NULL);
        assert_int_equal(r.events, 0);
        assert_true(r.skips > 0);
        assert_int_equal(r.last, LW_EOF);
    }
    /* Zeek JSON without _path/@stream: the log type from the file name */
    const char *j = "{\"ts\":1709557200.5,\"uid\":\"C1\",\"id_orig_h\":\"10.0.0.1\"}\n";
    run_file(write_tmp("SCRANTON_smb_files.log", j, strlen(j)), NULL, 1 << 20, &r, NULL);
    assert_ptr_equal(r.dec, &lw_decoder_zeek);
    expect_head(&r, 1, "ch=zeek/smb_files");
    expect_field(&r, 1, "id.orig_h", "10.0.0.1");
    /* W3C: record before #Fields, quoted values, wrong column count */
    const char *w = "a b c\n#Fields: date time cs-method cs-uri\n2024-01-01 00:00:00 GET "
                    "\"http://x.test/a b.exe\"\n2024-01-01 00:00:00 GET\n";
    run_file(write_tmp("w.log", w, strlen(w)), &lw_decoder_proxy, 1 << 20, &r, NULL);
    assert_int_equal(r.events, 1);
    assert_int_equal(r.skips, 2);
    expect_field(&r, 3, "c-uri-extension", "exe");
    expect_field(&r, 3, "cs-host", "x.test");
    lw_buf_free(&r.dig);
}

static void test_want(void **state)
{
    (void)state;
    /* rules that only want proxy events: Zeek files records come back partial */
    lw_want w = {0};
    w.cats = 1ULL << LW_CAT_PROXY;
    nrun r = {0};
    run_file(FIX "zeek/http.log", NULL, 1 << 20, &r, &w);
    assert_int_equal(r.events, 4);
    assert_int_equal(r.partial, 1); /* the files record */
    lw_buf_free(&r.dig);
}

static void test_split_target(void **state)
{
    (void)state;
    struct {
        const char *t, *stem, *query, *ext, *host;
    } rows[] = {
        {"/a/b.exe?x=1#f", "/a/b.exe", "x=1", "exe", ""},
        {"http://user@Host.example:8080/p/q.tar.gz?z", "/p/q.tar.gz", "z", "gz", "Host.example"},
        {"example.com:443", "", "", "", "example.com"},
        {"/dir.v2/file", "/dir.v2/file", "", "", ""},
        {"http://[2001:db8::1]:80/x.js", "/x.js", "", "js", "[2001:db8::1]"},
        {"*", "*", "", "", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        lw_str s, q, e, h;
        lw_net_split_target(lw_str_c(rows[i].t), &s, &q, &e, &h);
        if (!lw_str_eq_c(s, rows[i].stem) || !lw_str_eq_c(q, rows[i].query) ||
            !lw_str_eq_c(e, rows[i].ext) || !lw_str_eq_c(h, rows[i].host))
            fail_msg("%s -> stem '%.*s' query '%.*s' ext '%.*s' host '%.*s'", rows[i].t, (int)s.n,
                     s.p, (int)q.n, q.p, (int)e.n, e.p, (int)h.n, h.p);
    }
    int64_t ms;
    assert_true(lw_net_epoch_ms(lw_str_c("1692161648.333854"), &ms));
    assert_true(ms == 1692161648333LL);
    assert_false(lw_net_epoch_ms(lw_str_c("12x"), &ms));
    assert_false(lw_net_epoch_ms(lw_str_c("99999999999999999999"), &ms));
}

/* ---- real samples (skipped when ../shared/data is absent) --------------------------- */

static void test_real_zeek_tsv(void **state)
{
    (void)state;
    const char *files = SHARED "otrf_security_datasets/LSASS_campaign_01_MKT01/zeek/files.log";
    const char *pe = SHARED "otrf_security_datasets/LSASS_campaign_01_MKT01/zeek/pe.log";
    const char *http = SHARED "otrf_security_datasets/LSASS_campaign_03_PRD01/zeek/http.log";
    const char *dns = SHARED "otrf_security_datasets/LSASS_campaign_01_MKT01/zeek/dns.log";
    if (!exists(files)) {
        skip();
        return;
    }
    nrun r = {0};
    run_file(files, NULL, 1 << 20, &r, NULL);
    assert_ptr_equal(r.dec, &lw_decoder_zeek);
    assert_int_equal(r.events, 3);
    assert_int_equal(r.skips, 0);
    expect_head(&r, 11, "ch=zeek/files");
    expect_head(&r, 11, "time=2023-08-16T04:54:08.333Z");
    expect_field(&r, 11, "fuid", "FmHWcO2PF9wbqM6cil");
    expect_field(&r, 11, "source", "HTTP");
    expect_field(&r, 11, "analyzers", "PE");
    expect_field(&r, 11, "mime_type", "application/x-dosexec");
    expect_field(&r, 11, "id.resp_h", "10.0.5.13");
    expect_field(&r, 11, "seen_bytes", "7168");
    expect_field(&r, 11, "filename", NULL);
    run_file(pe, NULL, 1 << 20, &r, NULL);
    assert_int_equal(r.events, 1);
    expect_head(&r, 9, "ch=zeek/pe");
    expect_field(&r, 9, "id", "FmHWcO2PF9wbqM6cil");
    expect_field(&r, 9, "machine", "AMD64");
    expect_field(&r, 9, "os", "Windows 95 or NT 4.0");
    expect_field(&r, 9, "is_exe", "true");
    expect_field(&r, 9, "section_names", ".text,.rdata,.cmcq");
    if (exists(http)) {
        run_file(http, NULL, 1 << 20, &r, NULL);
        assert_int_equal(r.skips, 0);
        expect_field(&r, 9, "resp_mime_types", "application/x-dosexec");
        expect_field(&r, 9, "c-ip", "192.168.1.42");
        expect_field(&r, 9, "dst_ip", "10.0.5.13");
        expect_field(&r, 9, "method", NULL);
    }
    if (exists(dns)) {
        run_file(dns, NULL, 1 << 20, &r, NULL);
        assert_int_equal(r.skips, 0);
        assert_int_equal(r.events, 96);
    }
    lw_buf_free(&r.dig);
}

static void test_real_zeek_json(void **state)
{
    (void)state;
    const char *http = SHARED "otrf_security_datasets/apt29_day1_zeek_SCRANTON/SCRANTON_http.log";
    const char *pe = SHARED "otrf_security_datasets/apt29_day1_zeek_SCRANTON/SCRANTON_pe.log";
    const char *conn = SHARED "otrf_security_datasets/apt29_day1_zeek_SCRANTON/SCRANTON_conn.log";
    if (!exists(http)) {
        skip();
        return;
    }
    nrun r = {0};
    run_file(http, NULL, 1 << 20, &r, NULL);
    assert_ptr_equal(r.dec, &lw_decoder_zeek);
    assert_int_equal(r.events, 62);
    assert_int_equal(r.skips, 0);
    expect_head(&r, 2, "ch=zeek/http");
    expect_head(&r, 2, "host=simplerockbuild.simplerock.lan");
    expect_head(&r, 2, "time=2020-04-30T00:32:21.422Z");
    expect_field(&r, 2, "id.orig_h", "10.0.1.4");
    expect_field(&r, 2, "id.resp_p", "80");
    expect_field(&r, 2, "c-useragent", "Microsoft-WebDAV-MiniRedir/10.0.18362");
    expect_field(&r, 2, "c-uri", "/webdav");
    expect_field(&r, 2, "cs-method", "OPTIONS");
    expect_field(&r, 2, "resp_fuids", "F8lrZP2ZydoIwxilwg");
    expect_field(&r, 2, "client_header_names", "CONNECTION,USER-AGENT,TRANSLATE,HOST");
    expect_field(&r, 2, "tags", "");
    run_file(pe, NULL, 1 << 20, &r, NULL);
    expect_head(&r, 1, "ch=zeek/pe");
    expect_field(&r, 1, "compile_ts", "1536071929.0");
    expect_field(&r, 1, "uses_aslr", "true");
    if (exists(conn)) {
        run_file(conn, NULL, 1 << 20, &r, NULL);
        assert_int_equal(r.events, 134);
        assert_int_equal(r.skips, 0);
    }
    lw_buf_free(&r.dig);
}

static void test_real_eve(void **state)
{
    (void)state;
    const char *p = SHARED "elastic_beats_suricata/eve-small.log";
    if (!exists(p)) {
        skip();
        return;
    }
    nrun r = {0};
    run_file(p, NULL, 1 << 20, &r, NULL);
    assert_ptr_equal(r.dec, &lw_decoder_eve);
    assert_int_equal(r.events, 8);
    assert_int_equal(r.skips, 0);
    expect_head(&r, 1, "ch=suricata/ssh");
    expect_head(&r, 1, "time=2018-07-05T19:01:09.820Z");
    expect_field(&r, 1, "ssh.client.software_version", "OpenSSH_7.6");
    expect_field(&r, 2, "alert.signature",
                 "ET POLICY Observed IP Lookup Domain (l2 .io in TLS SNI)");
    expect_field(&r, 2, "tls.sni", "l2.io");
    expect_field(&r, 3, "c-uri", "/dd.xml");
    expect_field(&r, 3, "cs-host", "192.168.86.28");
    expect_field(&r, 3, "c-uri-extension", "xml");
    expect_field(&r, 3, "sc-status", "200");
    expect_field(&r, 4, "fileinfo.sha256",
                 "f610428ebddf6f8cf9e39322e672583c45fcdcf885efad0ab48fd53a3dfc2c4b");
    expect_field(&r, 4, "c-ip", "192.168.86.85");
    expect_field(&r, 5, "query", "clients.l.google.com");
    expect_field(&r, 5, "answer", "172.217.13.110");
    expect_field(&r, 5, "record_type", "A");
    expect_field(&r, 6, "stats.decoder.pkts", "430313");
    expect_field(&r, 7, "tls.sni", "p33-btmmdns.icloud.com.");
    expect_field(&r, 8, "dst_port", "547");
    lw_buf_free(&r.dig);
}

static void test_real_proxifier(void **state)
{
    (void)state;
    const char *p = SHARED "loghub_proxifier/Proxifier_2k.log";
    if (!exists(p)) {
        skip();
        return;
    }
    nrun r = {0};
    run_file(p, NULL, 1 << 20, &r, NULL);
    assert_ptr_equal(r.dec, &lw_decoder_proxy);
    assert_int_equal(r.events, 2000);
    assert_int_equal(r.skips, 0);
    expect_head(&r, 1, "ch=proxy/proxifier");
    expect_head(&r, 1, "time=-");
    expect_field(&r, 1, "Image", "chrome.exe");
    expect_field(&r, 1, "cs-host", "proxy.cse.cuhk.edu.hk");
    expect_field(&r, 1, "dst_port", "5070");
    expect_field(&r, 1, "action", "open");
    expect_field(&r, 1, "timestamp", "10.30 16:49:06");
    expect_field(&r, 4, "action", "close");
    expect_field(&r, 4, "lifetime", "00:01");
    lw_buf_free(&r.dig);
}

int main(void)
{
    const char *dump = getenv("LW_NET_DUMP");
    if (dump) {
        nrun r = {0};
        lw_buf_init(&r.dig);
        run_file(dump, NULL, 1 << 24, &r, NULL);
        printf("decoder=%s events=%ld skips=%ld\n%s", r.dec ? r.dec->name : "-", r.events, r.skips,
               lw_buf_cstr(&r.dig));
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_split_target),
        cmocka_unit_test(test_zeek_tsv_fixture),
        cmocka_unit_test(test_zeek_json_fixture),
        cmocka_unit_test(test_eve_fixture),
        cmocka_unit_test(test_proxy_fixtures),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_want),
        cmocka_unit_test(test_real_zeek_tsv),
        cmocka_unit_test(test_real_zeek_json),
        cmocka_unit_test(test_real_eve),
        cmocka_unit_test(test_real_proxifier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
