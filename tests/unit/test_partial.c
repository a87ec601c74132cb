/*
 * Partial decoding (lw_want): events no rule wants are still validated and counted, but
 * their fields are not built.  Checked for the JSON decoder (evtx_dump, Winlogbeat nested
 * and dotted, flat) and the XML decoder: a broken unwanted record is a skip exactly as a
 * broken wanted one, counts do not change, wanted events are decoded identically.  Also the
 * reader's two paths (read(2) for plain files, zlib for gzip) give the same bytes.
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

#include "core/event.h"
#include "core/str.h"
#include "input/input.h"
#include "input/json-scan.h"
#include "input/xml-event.h"

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

/* Only file_event (Sysmon 11) is wanted, as with the shipped A1 rule alone. */
static const lw_want want_file_event = {.cats = 1ull << LW_CAT_FILE_EVENT};

typedef struct run {
    unsigned events, skips, partial;
    lw_status last;
    lw_buf dig; /* digest of every event (system properties; fields if full) */
    lw_buf sys; /* system properties of every event only */
    uint64_t records[64];
    bool is_partial[64];
} run;

static const char *write_tmp(const char *name, const char *data, size_t n)
{
    static char path[512];
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, sizeof path, "%s/lw_partial_%d_%s", dir, (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

static void digest_sys(lw_buf *b, const lw_event *ev)
{
    lw_buf_printf(b, "rec=%llu id=%d t=%lld ch=%.*s pr=%.*s host=%.*s prod=%d\n",
                  (unsigned long long)ev->record, (int)ev->event_id, (long long)ev->time_ms,
                  (int)ev->channel.n, ev->channel.p ? ev->channel.p : "", (int)ev->provider.n,
                  ev->provider.p ? ev->provider.p : "", (int)ev->host.n,
                  ev->host.p ? ev->host.p : "", (int)ev->product);
}

static void digest(lw_buf *b, const lw_event *ev)
{
    digest_sys(b, ev);
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const lw_field *f = &ev->fields[i];
        lw_buf_printf(b, "  %.*s=%.*s/%u\n", (int)f->name.n, f->name.p, (int)f->value.n,
                      f->value.p ? f->value.p : "", (unsigned)f->flags);
    }
}

static void run_file(const lw_decoder *dec, const char *path, const lw_want *want, run *out)
{
    memset(out, 0, sizeof *out);
    lw_buf_init(&out->dig);
    lw_buf_init(&out->sys);
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.max_record = 1 << 20;
    in.want = want;
    assert_int_equal(lw_reader_open(&in.rd, path, (1 << 20) + 512 * 1024), LW_OK);
    while (lw_reader_avail(&in.rd) < 4096 && lw_reader_fill(&in.rd) > 0)
        ;
    assert_int_equal(dec->open(&in), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    for (long long guard = 0;; guard++) {
        if (guard > (long long)sb.st_size + 2)
            fail_msg("%s: decoder does not make progress", path);
        lw_event_reset(&ev);
        ev.src_path = path;
        lw_status st = dec->next(&in, &ev);
        out->last = st;
        if (st == LW_OK) {
            if (out->events < 64) {
                out->records[out->events] = ev.record;
                out->is_partial[out->events] = ev.partial;
            }
            out->events++;
            if (ev.partial) {
                out->partial++;
                /* Partial: system properties only, no fields. */
                assert_int_equal(ev.nfields, 0);
                lw_buf_puts(&out->dig, "partial ");
                digest_sys(&out->dig, &ev);
            } else {
                digest(&out->dig, &ev);
            }
            digest_sys(&out->sys, &ev);
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

static void run_free(run *r)
{
    lw_buf_free(&r->dig);
    lw_buf_free(&r->sys);
}

/* Decode path with and without want: same counts, same system properties, and every
 * event the want keeps is decoded exactly as without it. */
static void check_same(const lw_decoder *dec, const char *path, const lw_want *want,
                       unsigned *npartial)
{
    run full, part;
    run_file(dec, path, NULL, &full);
    run_file(dec, path, want, &part);
    assert_int_equal(full.partial, 0);
    assert_int_equal(full.events, part.events);
    assert_int_equal(full.skips, part.skips);
    assert_int_equal(full.last, part.last);
    assert_int_equal(full.sys.n, part.sys.n);
    assert_memory_equal(full.sys.p, part.sys.p, full.sys.n);
    /* Non-partial events: identical digests.  Compare line blocks event by event. */
    const char *a = lw_buf_cstr(&full.dig), *b = lw_buf_cstr(&part.dig);
    for (unsigned i = 0; i < full.events; i++) {
        const char *ae = strstr(a + 1, "\nrec=");
        const char *be = strstr(b + 1, "\nrec=");
        const char *bp = strstr(b + 1, "\npartial rec=");
        if (bp && (!be || bp < be))
            be = bp;
        size_t al = ae ? (size_t)(ae - a) + 1 : strlen(a);
        size_t bl = be ? (size_t)(be - b) + 1 : strlen(b);
        if (strncmp(b, "partial ", 8) != 0) {
            assert_int_equal(al, bl);
            assert_memory_equal(a, b, al);
        }
        a += al;
        b += bl;
    }
    if (npartial)
        *npartial = part.partial;
    run_free(&full);
    run_free(&part);
}

/* ---- JSON ------------------------------------------------------------------------- */

/* One Sysmon record in each shape: id, and data_extra spliced into the event data. */
static void wlb_nested(lw_buf *b, int id, const char *data_extra)
{
    lw_buf_printf(b,
                  "{\"@timestamp\":\"2026-03-02T08:00:00.001Z\",\"host\":{\"name\":\"WS1\"},"
                  "\"winlog\":{\"channel\":\"" SYSMON "\",\"computer_name\":\"WS1\","
                  "\"event_data\":{\"Image\":\"C:\\\\x.exe\",\"TargetFilename\":\"C:\\\\Users"
                  "\\\\a\\\\Downloads\\\\e.exe\"%s},\"event_id\":%d,"
                  "\"provider_name\":\"Microsoft-Windows-Sysmon\"}}\n",
                  data_extra, id);
}

static void wlb_dotted(lw_buf *b, int id, const char *data_extra)
{
    lw_buf_printf(b,
                  "{\"@timestamp\":\"2026-03-02T08:00:00.002Z\",\"host.name\":\"WS2\","
                  "\"winlog.event_data.Image\":\"C:\\\\y.exe\"%s,\"winlog.channel\":\"" SYSMON
                  "\",\"winlog.event_id\":\"%d\"}\n",
                  data_extra, id);
}

static void evtx_dump(lw_buf *b, int id, const char *data_extra)
{
    lw_buf_printf(b,
                  "{\"Event\":{\"#attributes\":{\"xmlns\":\"x\"},\"System\":{\"Provider\":{"
                  "\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\"}},\"EventID\":%d,"
                  "\"Channel\":\"" SYSMON "\",\"Computer\":\"WS3\",\"TimeCreated\":{"
                  "\"#attributes\":{\"SystemTime\":\"2026-03-02T08:00:00.003Z\"}}},"
                  "\"EventData\":{\"Image\":\"C:\\\\z.exe\"%s}}}\n",
                  id, data_extra);
}

static void flat(lw_buf *b, int id, const char *data_extra)
{
    lw_buf_printf(b,
                  "{\"Image\":\"C:\\\\w.exe\"%s,\"EventID\":%d,\"Channel\":\"" SYSMON "\","
                  "\"Hostname\":\"WS4\",\"@timestamp\":\"2026-03-02T08:00:00.004Z\","
                  "\"UtcTime\":\"2026-03-02 08:00:00.004\"}\n",
                  data_extra, id);
}

typedef void (*shape_fn)(lw_buf *, int, const char *);

static void check_json_shape(shape_fn shape, const char *name)
{
    lw_buf b;
    lw_buf_init(&b);
    shape(&b, 11, "");                                 /* 1: wanted, full */
    shape(&b, 7, "");                                  /* 2: unwanted, partial */
    shape(&b, 7, ",\"CommandLine\":\"a\\qb\"");        /* 3: unwanted, bad escape: skip */
    lw_buf_puts(&b, "this is not json\n");             /* 4: junk: skip */
    shape(&b, 7, ",\"Signed\":tru");                   /* 5: unwanted, bad literal: skip */
    shape(&b, 11, ",\"Signed\":[1,}");                 /* 6: wanted, broken: skip */
    shape(&b, 3, ",\"DestinationIp\":\"10.0.0.1\"");   /* 7: unwanted, partial */
    shape(&b, 11, ",\"Hashes\":null,\"Size\":12.5e3"); /* 8: wanted, full */
    const char *path = write_tmp(name, b.p, b.n);

    run r;
    run_file(&lw_decoder_json, path, &want_file_event, &r);
    assert_int_equal(r.events, 4);
    assert_int_equal(r.skips, 4);
    assert_int_equal(r.partial, 2);
    assert_int_equal(r.last, LW_EOF);
    const uint64_t recs[4] = {1, 2, 7, 8};
    const bool part[4] = {false, true, true, false};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(r.records[i], recs[i]);
        assert_int_equal(r.is_partial[i], part[i]);
    }
    run_free(&r);

    unsigned np = 0;
    check_same(&lw_decoder_json, path, &want_file_event, &np);
    assert_int_equal(np, 2);
    /* Nothing wanted / everything wanted. */
    const lw_want none = {0}, all = {.all = true};
    check_same(&lw_decoder_json, path, &none, &np);
    assert_int_equal(np, 4);
    check_same(&lw_decoder_json, path, &all, &np);
    assert_int_equal(np, 0);
    unlink(path);
    lw_buf_free(&b);
}

static void test_json_winlogbeat(void **state)
{
    check_json_shape(wlb_nested, "wlb.jsonl");
}

static void test_json_winlogbeat_dotted(void **state)
{
    check_json_shape(wlb_dotted, "wlbd.jsonl");
}

static void test_json_evtx_dump(void **state)
{
    check_json_shape(evtx_dump, "evtx_dump.jsonl");
}

static void test_json_flat(void **state)
{
    check_json_shape(flat, "flat.jsonl");
}

/* Pretty-printed records and a top-level array: partial records still frame correctly. */
static void test_json_pretty_array(void **state)
{
    const char *text = "[\n"
                       "  {\n    \"EventID\": 7,\n    \"Channel\": \"" SYSMON "\",\n"
                       "    \"Image\": \"a\"\n  },\n"
                       "  {\n    \"EventID\": 11,\n    \"Channel\": \"" SYSMON "\",\n"
                       "    \"TargetFilename\": \"b\"\n  },\n"
                       "  {\n    \"EventID\": 7,\n    \"Channel\": \"" SYSMON "\",\n"
                       "    \"Image\": \"c\" \"oops\"\n  },\n"
                       "  {\n    \"EventID\": 7,\n    \"Channel\": \"" SYSMON "\",\n"
                       "    \"Image\": \"d\"\n  }\n"
                       "]\n";
    const char *path = write_tmp("pretty.json", text, strlen(text));
    run r;
    run_file(&lw_decoder_json, path, &want_file_event, &r);
    assert_int_equal(r.events, 3);
    assert_int_equal(r.skips, 1);
    assert_int_equal(r.partial, 2);
    assert_int_equal(r.records[0], 2);
    assert_int_equal(r.records[1], 7);
    assert_int_equal(r.records[2], 17);
    run_free(&r);
    check_same(&lw_decoder_json, path, &want_file_event, NULL);
    unlink(path);
}

/* Every JSON fixture and shipped example: same counts and events with and without want. */
static void test_json_fixtures(void **state)
{
    const char *pats[] = {LW_SOURCE_DIR "/tests/fixtures/json/*",
                          LW_SOURCE_DIR "/tests/fixtures/shapes/*.json*",
                          LW_SOURCE_DIR "/examples/*.json*"};
    const lw_want channel_want = {.nchannels = 1, .channels = {"security"}};
    unsigned files = 0;
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
        glob_t g;
        if (glob(pats[i], 0, NULL, &g) != 0)
            continue;
        for (size_t k = 0; k < g.gl_pathc; k++) {
            check_same(&lw_decoder_json, g.gl_pathv[k], &want_file_event, NULL);
            check_same(&lw_decoder_json, g.gl_pathv[k], &channel_want, NULL);
            files++;
        }
        globfree(&g);
    }
    assert_true(files >= 5);
}

/* ---- XML -------------------------------------------------------------------------- */

static void xml_event(lw_buf *b, int id, const char *data)
{
    lw_buf_printf(b,
                  "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">"
                  "<System><Provider Name=\"Microsoft-Windows-Sysmon\"/><EventID>%d</EventID>"
                  "<TimeCreated SystemTime=\"2026-03-02T08:00:00.005Z\"/>"
                  "<Channel>" SYSMON "</Channel><Computer>WS5</Computer></System>"
                  "<EventData>%s</EventData></Event>\n",
                  id, data);
}

static void test_xml_partial(void **state)
{
    lw_buf b;
    lw_buf_init(&b);
    xml_event(&b, 11, "<Data Name=\"TargetFilename\">C:\\a.exe</Data>"); /* full */
    xml_event(&b, 7, "<Data Name=\"Image\">C:\\b.exe</Data>");           /* partial */
    xml_event(&b, 7, "<Data Name=\"Image\">C:\\b.exe</Dat></Data>");     /* skip */
    xml_event(&b, 7, "<Data Name=\"Image\" x>C:\\b.exe</Data>");         /* skip */
    xml_event(&b, 7, "<Data Name=\"Image\"><!DOCTYPE></Data>");          /* skip */
    /* System after EventData: still partial (the fields built before are dropped). */
    lw_buf_puts(&b, "<Event><EventData><Data Name=\"Image\">x</Data></EventData><System>"
                    "<EventID>7</EventID><Channel>" SYSMON "</Channel></System></Event>\n");
    xml_event(&b, 11, "<Data>p1</Data><Data>p2</Data>"); /* full */
    const char *path = write_tmp("p.xml", b.p, b.n);

    run r;
    run_file(&lw_decoder_xml, path, &want_file_event, &r);
    assert_int_equal(r.last, LW_EOF);
    assert_int_equal(r.events, 4);
    assert_int_equal(r.skips, 3);
    assert_int_equal(r.partial, 2);
    assert_false(r.is_partial[0]);
    assert_true(r.is_partial[1]);
    assert_true(r.is_partial[2]);
    assert_false(r.is_partial[3]);
    run_free(&r);
    check_same(&lw_decoder_xml, path, &want_file_event, NULL);
    unlink(path);
    lw_buf_free(&b);
}

static void test_xml_fixtures(void **state)
{
    const char *pats[] = {LW_SOURCE_DIR "/tests/fixtures/xml/*.xml",
                          LW_SOURCE_DIR "/tests/fixtures/shapes/*.xml",
                          LW_SOURCE_DIR "/examples/*.xml"};
    unsigned files = 0;
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
        glob_t g;
        if (glob(pats[i], 0, NULL, &g) != 0)
            continue;
        for (size_t k = 0; k < g.gl_pathc; k++) {
            check_same(&lw_decoder_xml, g.gl_pathv[k], &want_file_event, NULL);
            files++;
        }
        globfree(&g);
    }
    assert_true(files >= 3);
}

/* ---- reader ----------------------------------------------------------------------- */

static void read_all(const char *path, size_t max, lw_buf *out, bool *gz)
{
    lw_reader r;
    assert_int_equal(lw_reader_open(&r, path, max), LW_OK);
    *gz = r.is_gzip;
    for (;;) {
        lw_buf_put(out, lw_reader_data(&r), lw_reader_avail(&r));
        lw_reader_consume(&r, lw_reader_avail(&r));
        ssize_t k = lw_reader_fill(&r);
        assert_true(k >= 0);
        if (k == 0)
            break;
    }
    assert_false(r.error);
    assert_true(r.eof);
    lw_reader_close(&r);
}

static void test_reader_plain_and_gzip(void **state)
{
    /* 1.5 MB of varied bytes: several fills, window moves. */
    size_t n = 1536 * 1024 + 17;
    char *data = malloc(n);
    assert_non_null(data);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (char)(x >> 24);
    }
    const char *plain = write_tmp("reader.bin", data, n);
    char plain_path[512];
    snprintf(plain_path, sizeof plain_path, "%s", plain);
    char gz_path[520];
    snprintf(gz_path, sizeof gz_path, "%s.gz", plain_path);
    gzFile g = gzopen(gz_path, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, data, (unsigned)n), (int)n);
    gzclose(g);

    lw_buf a, b;
    lw_buf_init(&a);
    lw_buf_init(&b);
    bool agz, bgz;
    read_all(plain_path, 1 << 20, &a, &agz);
    read_all(gz_path, 1 << 20, &b, &bgz);
    assert_false(agz);
    assert_true(bgz);
    assert_int_equal(a.n, n);
    assert_int_equal(b.n, n);
    assert_memory_equal(a.p, data, n);
    assert_memory_equal(b.p, data, n);

    /* A full window reports -1 on the read(2) path as on the zlib path. */
    lw_reader r;
    assert_int_equal(lw_reader_open(&r, plain_path, 1), LW_OK);
    ssize_t k;
    while ((k = lw_reader_fill(&r)) > 0)
        ;
    assert_int_equal(k, -1);
    lw_reader_close(&r);

    unlink(plain_path);
    unlink(gz_path);
    lw_buf_free(&a);
    lw_buf_free(&b);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_winlogbeat),       cmocka_unit_test(test_json_winlogbeat_dotted),
        cmocka_unit_test(test_json_evtx_dump),        cmocka_unit_test(test_json_flat),
        cmocka_unit_test(test_json_pretty_array),     cmocka_unit_test(test_json_fixtures),
        cmocka_unit_test(test_xml_partial),           cmocka_unit_test(test_xml_fixtures),
        cmocka_unit_test(test_reader_plain_and_gzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
