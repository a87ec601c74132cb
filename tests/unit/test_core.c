/* Unit tests: strings, arena, time, event normalization, reader, sinks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "core/event.h"
#include "core/str.h"
#include "input/input.h"
#include "output/sink.h"
#include "sigma/logsource.h"

static void test_str_helpers(void **state)
{
    (void)state;
    assert_true(lw_str_ieq_c(LW_STR_LIT("ImAgE"), "image"));
    assert_false(lw_str_ieq_c(LW_STR_LIT("Image"), "Images"));
    assert_true(lw_str_istarts(LW_STR_LIT("C:\\Windows\\x"), LW_STR_LIT("c:\\windows")));
    assert_true(lw_str_iends(LW_STR_LIT("a.EXE"), LW_STR_LIT(".exe")));
    assert_int_equal(lw_str_ifind(LW_STR_LIT("xxAbCx"), LW_STR_LIT("abc")), 2);
    assert_int_equal(lw_str_ifind(LW_STR_LIT("ab"), LW_STR_LIT("abc")), -1);
    assert_int_equal(lw_str_ifind(LW_STR_LIT("ab"), LW_STR_LIT("")), 0);
    assert_int_equal(lw_str_ihash(LW_STR_LIT("Image")), lw_str_ihash(LW_STR_LIT("IMAGE")));
    int64_t v;
    assert_true(lw_str_to_i64(LW_STR_LIT(" -42 "), &v));
    assert_int_equal(v, -42);
    assert_false(lw_str_to_i64(LW_STR_LIT("12a"), &v));
    assert_false(lw_str_to_i64(LW_STR_LIT("99999999999999999999"), &v));
    assert_true(lw_str_to_i64(LW_STR_LIT("-9223372036854775808"), &v));
    assert_true(v == INT64_MIN);
    double d;
    assert_true(lw_str_to_double(LW_STR_LIT("0x10"), &d));
    assert_true(d == 16.0);
    assert_false(lw_str_to_double(LW_STR_LIT("nan"), &d));
    char small[4];
    assert_false(lw_fmt(small, sizeof small, "%s", "toolong"));
    assert_string_equal(small, "too");
}

static void test_buf_json_escape(void **state)
{
    (void)state;
    lw_buf b;
    lw_buf_init(&b);
    const char in[] = "a\"b\\c\n\x01\xff\xc3\xa9<";
    lw_buf_put_json_escaped(&b, in, sizeof in - 1);
    assert_string_equal(lw_buf_cstr(&b), "a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\xc3\xa9<");
    lw_buf_reset(&b);
    lw_buf_printf(&b, "%d-%s", 7, "x");
    assert_string_equal(lw_buf_cstr(&b), "7-x");
    lw_buf_free(&b);
}

static void test_arena(void **state)
{
    (void)state;
    lw_arena a;
    lw_arena_init(&a, 128);
    void *p1 = lw_arena_alloc(&a, 10);
    void *p2 = lw_arena_alloc(&a, 1000); /* larger than a block */
    assert_non_null(p1);
    assert_non_null(p2);
    assert_true(((uintptr_t)p2 & 15) == 0);
    char *s = lw_arena_strndup(&a, "hello", 3);
    assert_string_equal(s, "hel");
    assert_null(lw_arena_alloc(&a, SIZE_MAX - 4));
    lw_arena_reset(&a);
    assert_non_null(lw_arena_alloc(&a, 10));
    lw_arena_free(&a);
}

static void test_time(void **state)
{
    (void)state;
    int64_t ms;
    char buf[40];
    assert_true(lw_parse_time(LW_STR_LIT("1970-01-01T00:00:00Z"), &ms));
    assert_true(ms == 0);
    assert_true(lw_parse_time(LW_STR_LIT("2019-06-15T07:13:42.123456700Z"), &ms));
    lw_format_time(ms, buf, sizeof buf);
    assert_string_equal(buf, "2019-06-15T07:13:42.123Z");
    assert_true(lw_parse_time(LW_STR_LIT("2019-06-15 07:13:42.5"), &ms));
    lw_format_time(ms, buf, sizeof buf);
    assert_string_equal(buf, "2019-06-15T07:13:42.500Z");
    assert_true(lw_parse_time(LW_STR_LIT("2018-07-05T15:00:00.000-04:00"), &ms));
    lw_format_time(ms, buf, sizeof buf);
    assert_string_equal(buf, "2018-07-05T19:00:00.000Z");
    assert_true(lw_parse_time(LW_STR_LIT("2024-02-29"), &ms));
    lw_format_time(ms, buf, sizeof buf);
    assert_string_equal(buf, "2024-02-29T00:00:00.000Z");
    assert_false(lw_parse_time(LW_STR_LIT("2019-13-01T00:00:00Z"), &ms));
    assert_false(lw_parse_time(LW_STR_LIT("yesterday"), &ms));
    assert_false(lw_parse_time(LW_STR_LIT("2019-06-15T07:13:42Zjunk"), &ms));
    lw_format_time(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
}

static lw_event *sysmon_event(int id)
{
    static lw_event ev;
    static bool init;
    if (!init) {
        lw_event_init(&ev);
        init = true;
    }
    lw_event_reset(&ev);
    ev.channel = LW_STR_LIT("Microsoft-Windows-Sysmon/Operational");
    ev.provider = LW_STR_LIT("Microsoft-Windows-Sysmon");
    ev.host = LW_STR_LIT("H1");
    ev.event_id = id;
    ev.product = LW_PRODUCT_WINDOWS;
    return &ev;
}

static void test_normalize_categories(void **state)
{
    (void)state;
    static const struct {
        int id;
        const char *event_type;
        lw_category cat;
    } cases[] = {
        {1, NULL, LW_CAT_PROCESS_CREATION},
        {3, NULL, LW_CAT_NETWORK_CONNECTION},
        {11, NULL, LW_CAT_FILE_EVENT},
        {15, NULL, LW_CAT_CREATE_STREAM_HASH},
        {22, NULL, LW_CAT_DNS_QUERY},
        {23, NULL, LW_CAT_FILE_DELETE},
        {26, NULL, LW_CAT_FILE_DELETE},
        {12, "CreateKey", LW_CAT_REGISTRY_ADD},
        {12, "DeleteValue", LW_CAT_REGISTRY_DELETE},
        {13, NULL, LW_CAT_REGISTRY_SET},
        {13, NULL, LW_CAT_REGISTRY_EVENT},
        {14, NULL, LW_CAT_REGISTRY_RENAME},
        {17, NULL, LW_CAT_PIPE_CREATED},
        {20, NULL, LW_CAT_WMI_EVENT},
        {25, NULL, LW_CAT_PROCESS_TAMPERING},
        {255, NULL, LW_CAT_SYSMON_ERROR},
        {4, NULL, LW_CAT_SYSMON_STATUS},
        {7, NULL, LW_CAT_IMAGE_LOAD},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lw_event *ev = sysmon_event(cases[i].id);
        if (cases[i].event_type)
            lw_event_add(ev, LW_STR_LIT("EventType"), lw_str_c(cases[i].event_type), 0);
        assert_int_equal(lw_event_normalize(ev), LW_OK);
        if (!(ev->cats & (1ULL << cases[i].cat)))
            fail_msg("event id %d not in %s", cases[i].id, lw_category_name(cases[i].cat));
        lw_str v;
        assert_true(lw_event_get(ev, "EventID", &v));
        assert_true(lw_event_get(ev, "Channel", &v));
        assert_true(lw_event_get(ev, "computer", &v));
    }
    lw_event *ev = sysmon_event(12);
    lw_event_add(ev, LW_STR_LIT("EventType"), LW_STR_LIT("SetValue"), 0);
    lw_event_normalize(ev);
    assert_false(ev->cats & (1ULL << LW_CAT_REGISTRY_ADD));
    assert_string_equal(lw_event_category(sysmon_event(99)), "");
}

static void test_normalize_4688(void **state)
{
    (void)state;
    lw_event ev;
    lw_event_init(&ev);
    ev.channel = LW_STR_LIT("Security");
    ev.event_id = 4688;
    ev.product = LW_PRODUCT_WINDOWS;
    lw_event_add(&ev, LW_STR_LIT("NewProcessName"), LW_STR_LIT("C:\\x\\mshta.exe"), 0);
    lw_event_add(&ev, LW_STR_LIT("ParentProcessName"), LW_STR_LIT("C:\\y\\msedge.exe"), 0);
    lw_event_add(&ev, LW_STR_LIT("ProcessId"), LW_STR_LIT("0x1f0"), 0);
    lw_event_add(&ev, LW_STR_LIT("NewProcessId"), LW_STR_LIT("0x1a2c"), 0);
    lw_event_add(&ev, LW_STR_LIT("SubjectUserName"), LW_STR_LIT("bob"), 0);
    lw_event_add(&ev, LW_STR_LIT("SubjectDomainName"), LW_STR_LIT("CORP"), 0);
    lw_event_add(&ev, LW_STR_LIT("TargetUserName"), LW_STR_LIT("-"), 0);
    lw_event_add(&ev, LW_STR_LIT("MandatoryLabel"), LW_STR_LIT("S-1-16-12288"), 0);
    assert_int_equal(lw_event_normalize(&ev), LW_OK);
    assert_true(ev.cats & (1ULL << LW_CAT_PROCESS_CREATION));
    static const char *const want[][2] = {
        {"Image", "C:\\x\\mshta.exe"}, {"ParentImage", "C:\\y\\msedge.exe"},
        {"ProcessId", "0x1a2c"},       {"ParentProcessId", "0x1f0"},
        {"User", "CORP\\bob"},         {"IntegrityLevel", "High"},
        {"EventID", "4688"},           {"Channel", "Security"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        lw_str v;
        assert_true(lw_event_get(&ev, want[i][0], &v));
        assert_true(lw_str_eq_c(v, want[i][1]));
    }
    lw_event_destroy(&ev);
}

static void test_logsource(void **state)
{
    (void)state;
    lw_logsource ls;
    char why[200];
    assert_int_equal(lw_logsource_compile(LW_STR_LIT("windows"), LW_STR_LIT("process_creation"),
                                          LW_STR_NULL, &ls, why, sizeof why),
                     LW_OK);
    lw_event *ev = sysmon_event(1);
    lw_event_normalize(ev);
    assert_true(lw_logsource_admits(&ls, ev));
    ev = sysmon_event(3);
    lw_event_normalize(ev);
    assert_false(lw_logsource_admits(&ls, ev));
    assert_int_equal(lw_logsource_compile(LW_STR_LIT("windows"), LW_STR_NULL, LW_STR_LIT("sysmon"),
                                          &ls, why, sizeof why),
                     LW_OK);
    assert_true(lw_logsource_admits(&ls, ev));
    assert_int_equal(lw_logsource_compile(LW_STR_LIT("windows"), LW_STR_NULL,
                                          LW_STR_LIT("security"), &ls, why, sizeof why),
                     LW_OK);
    assert_false(lw_logsource_admits(&ls, ev));
    assert_int_equal(lw_logsource_compile(LW_STR_LIT("windows"), LW_STR_LIT("file_access"),
                                          LW_STR_NULL, &ls, why, sizeof why),
                     LW_ERULE);
    assert_non_null(strstr(why, "file_access"));
    assert_int_equal(lw_logsource_compile(LW_STR_LIT("linux"), LW_STR_LIT("process_creation"),
                                          LW_STR_NULL, &ls, why, sizeof why),
                     LW_ERULE);
    assert_int_equal(lw_logsource_compile(LW_STR_LIT("windows"), LW_STR_NULL,
                                          LW_STR_LIT("nosuchservice"), &ls, why, sizeof why),
                     LW_ERULE);
}

static void test_reader_gzip_and_limit(void **state)
{
    (void)state;
    char path[] = "/tmp/lw-test-reader-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gzFile gz = gzopen(path, "wb");
    for (int i = 0; i < 100000; i++)
        gzprintf(gz, "line %d\n", i);
    gzclose(gz);
    lw_reader r;
    assert_int_equal(lw_reader_open(&r, path, 1024 * 1024), LW_OK);
    assert_true(r.is_gzip);
    size_t total = 0;
    ssize_t k;
    while ((k = lw_reader_fill(&r)) > 0) {
        total += lw_reader_avail(&r);
        lw_reader_consume(&r, lw_reader_avail(&r));
    }
    assert_false(r.error);
    assert_true(total > 600000);
    lw_reader_close(&r);
    /* A window that cannot grow reports -1 instead of eating memory. */
    assert_int_equal(lw_reader_open(&r, path, 1), LW_OK);
    while ((k = lw_reader_fill(&r)) > 0)
        ;
    assert_int_equal(k, -1);
    lw_reader_close(&r);
    /* Truncated gzip: data up to the cut, then an error, not a hang. */
    FILE *f = fopen(path, "r+");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fclose(f);
    assert_int_equal(truncate(path, len / 2), 0);
    assert_int_equal(lw_reader_open(&r, path, 1024 * 1024), LW_OK);
    while ((k = lw_reader_fill(&r)) > 0)
        lw_reader_consume(&r, lw_reader_avail(&r));
    assert_true(r.error);
    lw_reader_close(&r);
    unlink(path);
    assert_int_not_equal(lw_reader_open(&r, "/nonexistent/x", 1024), LW_OK);
}

static void test_sinks_escape_hostile_values(void **state)
{
    (void)state;
    lw_event ev;
    lw_event_init(&ev);
    ev.time_ms = 0;
    ev.host = LW_STR_LIT("h\x1b[31mred");
    lw_event_add(&ev, LW_STR_LIT("CommandLine"), LW_STR_LIT("=cmd|' /C calc'!A0,\"x\"\n\x1b]0;"),
                 0);
    lw_event_add(&ev, LW_STR_LIT("Data"), LW_STR_LIT("a"), 0);
    lw_event_add(&ev, LW_STR_LIT("Data"), LW_STR_LIT("b"), LW_FIELD_NULL);
    static const char *const tags[] = {"attack.t1204.001"};
    lw_rule_meta meta = {.id = "id1",
                         .title = "T",
                         .level = "high",
                         .status = "test",
                         .path = "r.yml",
                         .tags = tags,
                         .ntags = 1};
    lw_alert a = {.rule = NULL, .meta = &meta, .ev = &ev};
    const char *formats[] = {"jsonl", "table", "csv"};
    for (size_t i = 0; i < 3; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        lw_sink *s;
        lw_sink_options o = {.color = 1};
        assert_int_equal(lw_sink_open(formats[i], out, &o, &s), LW_OK);
        assert_int_equal(lw_sink_write(s, &a), LW_OK);
        assert_int_equal(lw_sink_close(s), LW_OK);
        fclose(out);
        if (i == 0) {
            assert_non_null(strstr(buf, "\"Data\":[\"a\",null]"));
            assert_non_null(strstr(buf, "\"time\":\"1970-01-01T00:00:00.000Z\""));
            assert_null(strchr(buf, '\x1b'));
        } else if (i == 1) {
            /* only our own colour codes: the host's ESC is replaced */
            assert_null(strstr(buf, "h\x1b"));
            assert_null(strstr(buf, "\x1b]0;"));
        } else {
            assert_non_null(strstr(buf, "\"'=cmd|' /C calc'!A0,\"\"x\"\"\n"));
        }
        free(buf);
    }
    assert_int_equal(lw_sink_format_known("xml"), 0);
    lw_event_destroy(&ev);
}

/* lw_grow: first capacity, doubling, and an overflowing size refused with the array kept. */
static void test_grow(void **state)
{
    size_t cap = 0;
    int *v = lw_grow(NULL, &cap, sizeof *v, 4);
    assert_non_null(v);
    assert_int_equal(cap, 4);
    for (int i = 0; i < 4; i++)
        v[i] = i;
    int *w = lw_grow(v, &cap, sizeof *w, 4);
    assert_non_null(w);
    assert_int_equal(cap, 8);
    assert_int_equal(w[3], 3);
    size_t huge = SIZE_MAX / 2 + 1;
    assert_null(lw_grow(w, &huge, sizeof *w, 4));
    assert_int_equal(huge, SIZE_MAX / 2 + 1);
    size_t big = SIZE_MAX / sizeof *w / 2 + 1;
    assert_null(lw_grow(w, &big, sizeof *w, 4));
    assert_int_equal(w[3], 3); /* still ours */
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_helpers),
        cmocka_unit_test(test_buf_json_escape),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_normalize_categories),
        cmocka_unit_test(test_normalize_4688),
        cmocka_unit_test(test_logsource),
        cmocka_unit_test(test_reader_gzip_and_limit),
        cmocka_unit_test(test_sinks_escape_hostile_values),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
