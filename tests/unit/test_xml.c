/* Windows event XML: xml-event table tests and the XML decoder over real files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "input/input.h"
#include "input/xml-event.h"

#define FIX LW_SOURCE_DIR "/tests/fixtures/xml/"

static lw_status parse(const char *xml, lw_event *ev, lw_xml_error *err)
{
    lw_event_reset(ev);
    /* exact-size heap copy so ASan catches any read past the end */
    size_t n = strlen(xml);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, xml, n);
    lw_status st = lw_xml_event_parse(copy, n, ev, LW_XML_EVTX_DUMP_VALUES, err);
    if (st == LW_OK) {
        /* keep the copy alive with the event: stash it in the arena */
        char *keep = lw_arena_alloc(&ev->arena, n ? n : 1);
        memcpy(keep, copy, n);
        lw_event_reset(ev);
        st = lw_xml_event_parse(keep, n, ev, LW_XML_EVTX_DUMP_VALUES, err);
    }
    free(copy);
    return st;
}

static void assert_field(const lw_event *ev, const char *name, const char *want)
{
    const lw_field *f = lw_event_find(ev, lw_str_c(name));
    if (!f) {
        print_error("field %s missing\n", name);
        fail();
    }
    if (!lw_str_eq_c(f->value, want)) {
        print_error("field %s: got [%.*s] want [%s]\n", name, (int)f->value.n, f->value.p, want);
        fail();
    }
}

#define EV_OPEN  "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">"
#define SYS_MIN  "<System><EventID>1</EventID></System>"
#define ED(body) EV_OPEN SYS_MIN "<EventData>" body "</EventData></Event>"

static void test_system(void **state)
{
    lw_event ev;
    lw_event_init(&ev);
    const char *x =
        "<?xml version=\"1.0\"?>\n<!-- c -->\n" EV_OPEN
        "<System>\n  <Provider Name=\"Microsoft-Windows-Sysmon\" Guid=\"{5770385F-C22A-43E0-"
        "BF4C-06F5698FFBD9}\"/>\n  <EventID Qualifiers=\"16384\">4688</EventID>\n"
        "  <Version/>\n  <TimeCreated SystemTime=\"2019-06-15T07:13:42.123456700Z\"/>\n"
        "  <EventRecordID>99</EventRecordID>\n  <Execution ProcessID=\"4\" ThreadID=\"8\"/>\n"
        "  <Channel>Security</Channel>\n  <Computer>dc01.corp</Computer>\n"
        "  <Security UserID=\"S-1-5-18\"/>\n</System></Event>";
    lw_xml_error e;
    assert_int_equal(parse(x, &ev, &e), LW_OK);
    assert_true(lw_str_eq_c(ev.provider, "Microsoft-Windows-Sysmon"));
    assert_int_equal(ev.event_id, 4688);
    assert_true(lw_str_eq_c(ev.channel, "Security"));
    assert_true(lw_str_eq_c(ev.host, "dc01.corp"));
    assert_int_equal(ev.record, 99);
    assert_int_equal(ev.time_ms, 1560582822123LL);
    assert_int_equal(ev.product, LW_PRODUCT_WINDOWS);
    assert_int_equal(ev.nfields, 0); /* System values are not fields */
    lw_event_destroy(&ev);
}

static void test_entities_cdata(void **state)
{
    lw_event ev;
    lw_event_init(&ev);
    lw_xml_error e;
    assert_int_equal(
        parse(ED("<Data Name=\"A\">&lt;a&gt; &amp; &quot;q&quot; &apos;s&apos; &#65;&#x42;&#x20AC;"
                 "&#x1F600;</Data>"
                 "<Data Name=\"Bad\">&foo; &#xZZ; &#0; &#xD800; &amp & x &#1114112;</Data>"
                 "<Data Name=\"C\"><![CDATA[<b>&amp;</b>]]></Data>"
                 "<Data Name=\"M\">a<![CDATA[<b>]]>c<!-- no -->d<?pi x?>e</Data>"
                 "<Data Name=\"N&amp;\">v</Data>"
                 "<Data Name='Q'>x</Data >"),
              &ev, &e),
        LW_OK);
    assert_field(&ev, "A", "<a> & \"q\" 's' AB\xE2\x82\xAC\xF0\x9F\x98\x80");
    assert_field(&ev, "Bad", "&foo; &#xZZ; &#0; &#xD800; &amp & x &#1114112;");
    assert_field(&ev, "C", "<b>&amp;</b>");
    assert_field(&ev, "M", "a<b>cde");
    assert_field(&ev, "N&", "v");
    assert_field(&ev, "Q", "x");
    lw_event_destroy(&ev);
}

static void test_empty_and_zero_copy(void **state)
{
    lw_event ev;
    lw_event_init(&ev);
    const char *x = ED("<Data Name=\"E1\"/><Data Name=\"E2\"></Data><Data Name=\"E3\" />"
                       "<Data Name=\"Img\">C:\\x.exe</Data>");
    lw_status st = lw_xml_event_parse(x, strlen(x), &ev, 0, NULL);
    assert_int_equal(st, LW_OK);
    assert_field(&ev, "E1", "");
    assert_field(&ev, "E2", "");
    assert_field(&ev, "E3", "");
    const lw_field *f = lw_event_find(&ev, LW_STR_LIT("Img"));
    assert_non_null(f);
    assert_true(f->value.p > x && f->value.p < x + strlen(x)); /* a view, not a copy */
    assert_true(f->name.p > x && f->name.p < x + strlen(x));
    assert_int_equal(f->flags & LW_FIELD_NULL, 0);
    lw_event_destroy(&ev);
}

static void test_userdata_rendering(void **state)
{
    lw_event ev;
    lw_event_init(&ev);
    lw_xml_error e;
    assert_int_equal(
        parse(EV_OPEN SYS_MIN
              "<UserData><LogFileCleared xmlns=\"http://manifests.microsoft.com/win/2004/08/"
              "windows/eventlog\"><SubjectUserSid>S-1-5-21</SubjectUserSid>"
              "<SubjectUserName>admmig</SubjectUserName><Empty/>"
              "<Nested><Inner>deep</Inner></Nested></LogFileCleared></UserData>"
              "<RenderingInfo Culture=\"en-US\"><Message>The audit log was cleared.</Message>"
              "<Level>Information</Level><Keywords><Keyword>Audit</Keyword></Keywords>"
              "</RenderingInfo></Event>",
              &ev, &e),
        LW_OK);
    assert_field(&ev, "SubjectUserSid", "S-1-5-21");
    assert_field(&ev, "SubjectUserName", "admmig");
    assert_field(&ev, "Empty", "");
    assert_field(&ev, "Inner", "deep");
    assert_field(&ev, "Message", "The audit log was cleared.");
    assert_null(lw_event_find(&ev, LW_STR_LIT("Level")));
    assert_null(lw_event_find(&ev, LW_STR_LIT("Keyword")));
    lw_event_destroy(&ev);
}

static void test_unnamed_binary(void **state)
{
    lw_event ev;
    lw_event_init(&ev);
    lw_xml_error e;
    assert_int_equal(parse(ED("<Data>MsMpEng.exe</Data><Data>4.18</Data><Data/>"
                              "<Data>mpengine.dll</Data><Binary>0A0B</Binary>"),
                           &ev, &e),
                     LW_OK);
    assert_field(&ev, "param1", "MsMpEng.exe");
    assert_field(&ev, "param2", "4.18");
    assert_field(&ev, "param3", "");
    assert_field(&ev, "param4", "mpengine.dll");
    assert_field(&ev, "Data", "MsMpEng.exe\n4.18\n\nmpengine.dll");
    assert_field(&ev, "Binary", "0A0B");
    assert_int_equal(parse(ED("<Data>only</Data><Binary/>"), &ev, &e), LW_OK);
    assert_field(&ev, "Data", "only");
    assert_field(&ev, "Binary", "");
    /* many unnamed values: names past the static table */
    char big[8192] = EV_OPEN SYS_MIN "<EventData>";
    for (int i = 0; i < 40; i++)
        strncat(big, "<Data>v</Data>", sizeof big - strlen(big) - 1);
    strncat(big, "</EventData></Event>", sizeof big - strlen(big) - 1);
    assert_int_equal(parse(big, &ev, &e), LW_OK);
    assert_field(&ev, "param40", "v");
    lw_event_destroy(&ev);
}

static void test_quoting_namespaces(void **state)
{
    lw_event ev;
    lw_event_init(&ev);
    lw_xml_error e;
    assert_int_equal(parse("\xEF\xBB\xBF \n<e:Event xmlns:e='urn:x' >\r\n\t<e:System >"
                           "<e:Provider\n Name = 'P &amp; Q'\tGuid=\"{x}\" />"
                           "<e:EventID>  7 </e:EventID>"
                           "<e:TimeCreated SystemTime='2020-01-01T00:00:00Z'></e:TimeCreated>"
                           "<e:Computer>h</e:Computer></e:System>"
                           "<e:EventData><e:Data e:Name=\"K\">v</e:Data></e:EventData></e:Event >",
                           &ev, &e),
                     LW_OK);
    assert_true(lw_str_eq_c(ev.provider, "P & Q"));
    assert_int_equal(ev.event_id, 7);
    assert_true(lw_str_eq_c(ev.host, "h"));
    assert_int_equal(ev.time_ms, 1577836800000LL);
    assert_field(&ev, "K", "v"); /* prefixed attribute name e:Name */
    lw_event_destroy(&ev);
}

/* Values rewritten to evtx_dump's rendering (see xml-event.h). */
static void test_evtx_dump_values(void **state)
{
    lw_event ev;
    lw_event_init(&ev);
    lw_xml_error e;
    assert_int_equal(
        parse(ED("<Data Name=\"ProcessGuid\">{0197231E-005A-6928-A50B-000000000D00}</Data>"
                 "<Data Name=\"Details\">{00000001-0000-0000-0000-0000FEEDACDC}</Data>"
                 "<Data Name=\"G2\">{not-a-guid}</Data>"
                 "<Data Name=\"H64\">0x00000000003b5cb2</Data>"
                 "<Data Name=\"H32\">0x001fffff</Data>"
                 "<Data Name=\"H0\">0x00000000</Data>"
                 "<Data Name=\"Hshort\">0x0001</Data>"
                 "<Data Name=\"T\">\"C:\\cmd.exe\" </Data>"
                 "<Data Name=\"CRLF\">a\r\nb</Data>"),
              &ev, &e),
        LW_OK);
    assert_field(&ev, "ProcessGuid", "0197231E-005A-6928-A50B-000000000D00");
    assert_field(&ev, "Details", "{00000001-0000-0000-0000-0000FEEDACDC}");
    assert_field(&ev, "G2", "{not-a-guid}");
    assert_field(&ev, "H64", "0x3b5cb2");
    assert_field(&ev, "H32", "0x1fffff");
    assert_field(&ev, "H0", "0x0");
    assert_field(&ev, "Hshort", "0x0001");
    assert_field(&ev, "T", "\"C:\\cmd.exe\"");
    assert_field(&ev, "CRLF", "a\r\nb");
    lw_event_destroy(&ev);
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "<",
        "   ",
        "<Event",
        "<Event>",
        "<Event/>",
        "<Foo></Foo>",
        "<Event><System></Event>",
        "<Event><System><EventID>1</EventId></System></Event>",
        "<Event><Data Name=\"a></Event>",
        "<Event a=b></Event>",
        "<Event a></Event>",
        "<Event a=\"1\"b=\"2\"></Event>",
        "<Event><!-- x",
        "<Event><![CDATA[ x",
        "<Event><?pi",
        "<Event><!ELEMENT x></Event>",
        "<!DOCTYPE x [<!ENTITY a 'b'>]><Event></Event>",
        "<Event><System><1bad/></System></Event>",
        "<Event></ Event>",
        "<Event></Event",
        "<Event><EventData><Data Name=\"a\" / ></EventData></Event>",
        "<Event><EventData><Data Name=\"<\">x</Data></EventData></Event>",
        "text before <Event></Event>",
        "<Event><System><Computer>x</Event>", /* fuzz: trimmed an unset value */
        "<Event><System><Channel>x</Foo></System></Event>",
    };
    lw_event ev;
    lw_event_init(&ev);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lw_xml_error e = {0, NULL};
        lw_status st = parse(bad[i], &ev, &e);
        if (st != LW_EFORMAT) {
            print_error("case %zu [%s]: status %d\n", i, bad[i], st);
            fail();
        }
        assert_non_null(e.msg);
        assert_true(e.offset <= strlen(bad[i]));
    }
    /* limits: nesting and attribute count */
    char deep[4096] = "<Event><UserData>";
    for (int i = 0; i < 100; i++)
        strncat(deep, "<a>", sizeof deep - strlen(deep) - 1);
    strncat(deep, "x", sizeof deep - strlen(deep) - 1);
    for (int i = 0; i < 100; i++)
        strncat(deep, "</a>", sizeof deep - strlen(deep) - 1);
    strncat(deep, "</UserData></Event>", sizeof deep - strlen(deep) - 1);
    lw_xml_error e;
    assert_int_equal(parse(deep, &ev, &e), LW_EFORMAT);
    assert_string_equal(e.msg, "elements nested too deeply");
    char attrs[8192] = "<Event";
    for (int i = 0; i < 70; i++) {
        char a[32];
        snprintf(a, sizeof a, " a%d=\"x\"", i);
        strncat(attrs, a, sizeof attrs - strlen(attrs) - 1);
    }
    strncat(attrs, "></Event>", sizeof attrs - strlen(attrs) - 1);
    assert_int_equal(parse(attrs, &ev, &e), LW_EFORMAT);
    assert_string_equal(e.msg, "too many attributes");
    lw_event_destroy(&ev);
}

/* Every prefix of a valid event is rejected cleanly (or parses), never overreads. */
static void test_prefixes(void **state)
{
    const char *x = "<?xml version='1.0'?>" ED(
        "<Data Name=\"A\">a&amp;b<![CDATA[c]]><!--d--></Data><Data>u</Data>") "  ";
    size_t n = strlen(x);
    lw_event ev;
    lw_event_init(&ev);
    int ok = 0;
    for (size_t k = 0; k <= n; k++) {
        char *p = malloc(k ? k : 1);
        memcpy(p, x, k);
        lw_event_reset(&ev);
        lw_xml_error e = {0, NULL};
        lw_status st = lw_xml_event_parse(p, k, &ev, LW_XML_EVTX_DUMP_VALUES, &e);
        assert_true(st == LW_OK || st == LW_EFORMAT);
        if (st == LW_EFORMAT)
            assert_true(e.offset <= k);
        else
            ok++;
        free(p);
    }
    assert_int_equal(ok, 3); /* the full text and the two shorter ones ending in spaces */
    lw_event_destroy(&ev);
}

/* ---- the decoder over files ---------------------------------------------------------- */

typedef struct run_result {
    int ok, skipped;
    uint64_t records[64];
    int32_t ids[64];
    char x[64][32]; /* value of field X, if any */
} run_result;

static lw_status run_file(const char *path, size_t max_record, run_result *r)
{
    memset(r, 0, sizeof *r);
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.max_record = max_record;
    lw_status st = lw_reader_open(&in.rd, path, max_record + 4096);
    if (st)
        return st;
    st = lw_decoder_xml.open(&in);
    if (st) {
        lw_reader_close(&in.rd);
        return st;
    }
    lw_event ev;
    lw_event_init(&ev);
    for (;;) {
        lw_event_reset(&ev);
        st = lw_decoder_xml.next(&in, &ev);
        if (st == LW_OK) {
            if (r->ok < 64) {
                r->records[r->ok] = ev.record;
                r->ids[r->ok] = ev.event_id;
                const lw_field *f = lw_event_find(&ev, LW_STR_LIT("X"));
                if (f)
                    snprintf(r->x[r->ok], sizeof r->x[0], "%.*s", (int)f->value.n, f->value.p);
            }
            r->ok++;
        } else if (st == LW_EFORMAT) {
            r->skipped++;
        } else {
            break;
        }
    }
    lw_decoder_xml.close(&in);
    lw_event_destroy(&ev);
    lw_reader_close(&in.rd);
    return st == LW_EOF ? LW_OK : st;
}

static void test_file_one(void **state)
{
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = FIX "one.xml";
    in.max_record = 1 << 20;
    assert_int_equal(lw_reader_open(&in.rd, in.path, 2 << 20), LW_OK);
    assert_int_equal(lw_decoder_xml.open(&in), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    assert_int_equal(lw_decoder_xml.next(&in, &ev), LW_OK);
    assert_int_equal(ev.event_id, 1);
    assert_int_equal(ev.record, 1);
    assert_true(lw_str_eq_c(ev.host, "WS01.corp.local"));
    assert_field(&ev, "Image", "C:\\Users\\bob\\Downloads\\invoice.exe");
    assert_field(&ev, "CommandLine", "\"C:\\Users\\bob\\Downloads\\invoice.exe\" /q & calc");
    assert_field(&ev, "ProcessGuid", "365ABB72-9F26-5D04-0000-0010D6D80C00");
    assert_field(&ev, "LogonId", "0x3b5cb2");
    assert_field(&ev, "RuleName", "");
    lw_event_reset(&ev);
    assert_int_equal(lw_decoder_xml.next(&in, &ev), LW_EOF);
    lw_decoder_xml.close(&in);
    lw_event_destroy(&ev);
    lw_reader_close(&in.rd);
}

static void test_file_many(void **state)
{
    run_result r;
    assert_int_equal(run_file(FIX "many.xml", 1 << 20, &r), LW_OK);
    assert_int_equal(r.ok, 3);
    assert_int_equal(r.skipped, 0);
    assert_int_equal(r.records[0], 1);
    assert_int_equal(r.records[1], 15);
    assert_int_equal(r.records[2], 33);
    assert_int_equal(r.ids[1], 4688);
    assert_int_equal(r.ids[2], 1102);
}

static void test_file_wrapped(void **state)
{
    run_result r;
    assert_int_equal(run_file(FIX "wrapped.xml", 1 << 20, &r), LW_OK);
    assert_int_equal(r.ok, 2);
    assert_int_equal(r.skipped, 0);
    assert_int_equal(r.records[0], 4);
    assert_int_equal(r.records[1], 7);
    assert_int_equal(r.ids[0], 400);
}

static void test_file_junk(void **state)
{
    run_result r;
    assert_int_equal(run_file(FIX "junk.xml", 1 << 20, &r), LW_OK);
    assert_int_equal(r.ok, 3);
    assert_int_equal(r.skipped, 2);
    assert_int_equal(r.records[0], 2);
    assert_int_equal(r.records[1], 5);
    assert_int_equal(r.records[2], 7);
    assert_string_equal(r.x[0], "1");
    assert_string_equal(r.x[1], "3");
    assert_string_equal(r.x[2], "5");
}

static void test_file_truncated(void **state)
{
    run_result r;
    assert_int_equal(run_file(FIX "truncated.xml", 1 << 20, &r), LW_OK);
    assert_int_equal(r.ok, 2);
    assert_int_equal(r.skipped, 1);
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    lw_fmt(tmpdir, sizeof tmpdir, "/tmp/lw-test-xml-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_tmpdir(void **state)
{
    char cmd[128];
    lw_fmt(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_file_gz_and_large(void **state)
{
    /* gzip of many.xml repeated 200 times, so records straddle read windows */
    char *src = NULL;
    size_t n = 0;
    FILE *f = fopen(FIX "many.xml", "rb");
    assert_non_null(f);
    src = malloc(8192);
    n = fread(src, 1, 8192, f);
    fclose(f);
    char gzpath[128];
    lw_fmt(gzpath, sizeof gzpath, "%s/many.xml.gz", tmpdir);
    gzFile gz = gzopen(gzpath, "wb");
    assert_non_null(gz);
    for (int i = 0; i < 200; i++)
        gzwrite(gz, src, (unsigned)n);
    gzclose(gz);
    run_result r;
    assert_int_equal(run_file(gzpath, 1 << 20, &r), LW_OK);
    assert_int_equal(r.ok, 600);
    assert_int_equal(r.skipped, 0);
    assert_int_equal(r.records[3], 1 + 49);

    /* a record over max_record is skipped and reading resumes at the next one */
    char bigpath[128];
    lw_fmt(bigpath, sizeof bigpath, "%s/big.xml", tmpdir);
    f = fopen(bigpath, "wb");
    assert_non_null(f);
    fputs(ED("<Data Name=\"X\">a</Data>") "\n", f);
    fputs(EV_OPEN SYS_MIN "<EventData><Data Name=\"X\">", f);
    for (int i = 0; i < 600 * 1024; i++)
        fputc('z', f);
    fputs("</Data></EventData></Event>\n", f);
    fputs(ED("<Data Name=\"X\">b</Data>") "\n", f);
    fclose(f);
    assert_int_equal(run_file(bigpath, 300 * 1024, &r), LW_OK);
    assert_int_equal(r.ok, 2);
    assert_int_equal(r.skipped, 1);
    assert_string_equal(r.x[0], "a");
    assert_string_equal(r.x[1], "b");
    assert_int_equal(r.records[1], 3);
    /* the same file with a large limit: all three */
    assert_int_equal(run_file(bigpath, 4 << 20, &r), LW_OK);
    assert_int_equal(r.ok, 3);
    free(src);
}

static void test_sniff(void **state)
{
    const char *yes[] = {"<Event xmlns='x'>",
                         "\xEF\xBB\xBF  <?xml version='1.0'?>\n<Events>\n<Event>", "<Events>",
                         "\n<Event>"};
    const char *no[] = {"{\"Event\":{}}", "<html>", "<EventData>", "ElfFile", ""};
    for (size_t i = 0; i < 4; i++)
        assert_true(lw_decoder_xml.sniff((const unsigned char *)yes[i], strlen(yes[i])) >= 50);
    for (size_t i = 0; i < 5; i++)
        assert_true(lw_decoder_xml.sniff((const unsigned char *)no[i], strlen(no[i])) < 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_system),
        cmocka_unit_test(test_entities_cdata),
        cmocka_unit_test(test_empty_and_zero_copy),
        cmocka_unit_test(test_userdata_rendering),
        cmocka_unit_test(test_unnamed_binary),
        cmocka_unit_test(test_quoting_namespaces),
        cmocka_unit_test(test_evtx_dump_values),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_file_one),
        cmocka_unit_test(test_file_many),
        cmocka_unit_test(test_file_wrapped),
        cmocka_unit_test(test_file_junk),
        cmocka_unit_test(test_file_truncated),
        cmocka_unit_test(test_file_gz_and_large),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, rm_tmpdir);
}
