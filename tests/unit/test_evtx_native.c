/*
 * Native EVTX decoder (src/input/evtx-native.c) against libevtx, its oracle.
 *
 *  - corpus: every .evtx under ../shared/data and ../shared/sigma/regression_data (skipped
 *    when absent) decoded by both; every record libevtx reads must give the same event from
 *    the native decoder (event id, time, host, channel, provider, record id, every field
 *    name and value, in order).
 *  - slack: both decoders asked to read chunk slack space; every record both recover
 *    must give the same event, and none repeats a live record.
 *  - fixtures: tests/fixtures/evtx/ (written by scripts/gen-evtx-fixtures.py): every value
 *    type, arrays, templates reused by back-reference, nested BinXml, and damaged files
 *    with the skips and warnings they must give.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "input/evtx-native.h"
#include "input/input.h"
#include "input/xml-event.h"

#if defined(__has_include) && !__has_include(<libbfio.h>)
#define _LIBEVTX_FEATURES_H
#define LIBEVTX_HAVE_MULTI_THREAD_SUPPORT 1
#define LIBEVTX_DEPRECATED                __attribute__((__deprecated__))
#endif
#include <libevtx.h>

#define FIXTURES LW_SOURCE_DIR "/tests/fixtures/evtx"

#include "evtx-decoded.h"

/* libevtx's count of (non-recovered) records, -1 when it cannot open the file. */
static int libevtx_records(const char *path)
{
    libevtx_file_t *f = NULL;
    libevtx_error_t *e = NULL;
    int n = -1;
    if (libevtx_file_initialize(&f, &e) != 1)
        goto out;
    if (libevtx_file_open(f, path, LIBEVTX_OPEN_READ, &e) == 1) {
        if (libevtx_file_get_number_of_records(f, &n, &e) != 1)
            n = -1;
        libevtx_file_close(f, &e);
    }
    libevtx_file_free(&f, &e);
out:
    libevtx_error_free(&e);
    return n;
}

static const char *rec_diff(const rec *a, const rec *b, char *buf, size_t cap)
{
    if (a->id != b->id)
        return "record id";
    if (a->event_id != b->event_id)
        return "event id";
    if (a->time_ms != b->time_ms)
        return "time";
    if (strcmp(a->host, b->host) != 0)
        return "host";
    if (strcmp(a->channel, b->channel) != 0)
        return "channel";
    if (strcmp(a->provider, b->provider) != 0)
        return "provider";
    size_t n = a->nf < b->nf ? a->nf : b->nf;
    for (size_t k = 0; k < n; k++) {
        if (strcmp(a->names[k], b->names[k]) != 0 || strcmp(a->values[k], b->values[k]) != 0) {
            lw_fmt(buf, cap, "field %zu: native [%s]=[%.300s] libevtx [%s]=[%.300s]", k,
                   a->names[k], a->values[k], b->names[k], b->values[k]);
            return buf;
        }
    }
    if (a->nf != b->nf) {
        lw_fmt(buf, cap, "field count: native %zu libevtx %zu (first extra: %s)", a->nf, b->nf,
               a->nf > b->nf ? a->names[n] : b->names[n]);
        return buf;
    }
    return NULL;
}

typedef struct diff_counts {
    int files, files_libevtx_failed, records_compared, mismatches, only_native, only_libevtx;
    int libevtx_skipped, native_skipped, recovered_not_compared;
    long native_records;
} diff_counts;

/* Compare one file; returns the mismatches found. */
static int diff_file(const char *path, diff_counts *dc, bool verbose)
{
    decoded nd, ld;
    decode_with(&lw_decoder_evtx_native, path, &nd);
    decode_with(&lw_decoder_evtx_libevtx, path, &ld);
    int nrec = libevtx_records(path);
    int before = dc->mismatches;
    dc->files++;
    dc->native_records += (long)nd.n;
    dc->native_skipped += nd.skipped;
    if (ld.open_status != LW_OK || nrec < 0) {
        dc->files_libevtx_failed++;
        dc->only_native += (int)nd.n;
        decoded_free(&nd);
        decoded_free(&ld);
        return 0;
    }
    dc->libevtx_skipped += ld.skipped;
    /* libevtx gives its nrec records first (each an event or a skip), then recovered ones */
    size_t normal = (size_t)(nrec - ld.skipped);
    if (normal > ld.n)
        normal = ld.n;
    dc->recovered_not_compared += (int)(ld.n - normal);
    size_t j = 0;
    bool *used = calloc(nd.n + 1, 1);
    for (size_t i = 0; i < normal; i++) {
        const rec *b = &ld.r[i];
        size_t k = j;
        while (k < nd.n && nd.r[k].id != b->id)
            k++;
        if (k == nd.n) {
            dc->only_libevtx++;
            dc->mismatches++;
            if (verbose && dc->mismatches <= 30)
                print_message("MISMATCH %s: record %llu read by libevtx only\n", path,
                              (unsigned long long)b->id);
            continue;
        }
        used[k] = true;
        j = k + 1;
        dc->records_compared++;
        char buf[1024];
        const char *what = rec_diff(&nd.r[k], b, buf, sizeof buf);
        if (what) {
            dc->mismatches++;
            if (verbose && dc->mismatches <= 30)
                print_message("MISMATCH %s record %llu: %s\n", path, (unsigned long long)b->id,
                              what);
        }
    }
    for (size_t k = 0; k < nd.n; k++)
        if (!used[k])
            dc->only_native++;
    free(used);
    decoded_free(&nd);
    decoded_free(&ld);
    return dc->mismatches - before;
}

static char **paths;
static size_t npaths, cap_paths;

static int collect(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    size_t l = strlen(path);
    if (type == FTW_F && l > 5 && strcmp(path + l - 5, ".evtx") == 0) {
        if (npaths == cap_paths) {
            cap_paths = cap_paths ? cap_paths * 2 : 256;
            paths = realloc(paths, cap_paths * sizeof *paths);
        }
        paths[npaths++] = strdup(path);
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .evtx files of ../shared (sorted into paths), or false when there are none. */
static bool corpus_paths(void)
{
    struct stat st;
    if (stat(LW_SHARED_DIR "/data", &st) != 0)
        return false;
    npaths = 0;
    nftw(LW_SHARED_DIR "/data", collect, 16, FTW_PHYS);
    nftw(LW_SHARED_DIR "/sigma/regression_data", collect, 16, FTW_PHYS);
    if (npaths == 0)
        return false;
    qsort(paths, npaths, sizeof *paths, cmp_str);
    return true;
}

static void free_paths(void)
{
    for (size_t i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    paths = NULL;
    npaths = cap_paths = 0;
}

static void test_corpus_differential(void **state)
{
    if (!corpus_paths())
        skip();
    const char *only = getenv("LW_EVTX_DIFF_ONLY"); /* substring filter while debugging */
    diff_counts dc = {0};
    for (size_t i = 0; i < npaths; i++)
        if (!only || strstr(paths[i], only))
            diff_file(paths[i], &dc, true);
    free_paths();
    print_message("evtx differential: %d files (%d libevtx cannot open), %d records compared, "
                  "%d mismatches (%d read by libevtx only), %d records only native reads; "
                  "native %ld events %d skipped; libevtx %d skipped, %d recovered not compared\n",
                  dc.files, dc.files_libevtx_failed, dc.records_compared, dc.mismatches,
                  dc.only_libevtx, dc.only_native, dc.native_records, dc.native_skipped,
                  dc.libevtx_skipped, dc.recovered_not_compared);
    assert_int_equal(dc.mismatches, 0);
    assert_true(dc.records_compared > 0);
}

/* Every chunk signature of each corpus file destroyed: the records are still read by the
 * chain of their own framing, every record of the undamaged file comes back equal, and
 * what more is read (slack remnants that happen to continue a chain: a damaged header
 * hides where the live records end) stays rare. */
static void test_corpus_damaged_headers(void **state)
{
    if (!corpus_paths())
        skip();
    int files = 0, identical = 0;
    long extra = 0;
    char tmp[] = "/tmp/lw-evtx-nosig-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    close(fd);
    for (size_t i = 0; i < npaths; i++) {
        FILE *f = fopen(paths[i], "rb");
        assert_non_null(f);
        static unsigned char buf[8u << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        bool whole = feof(f);
        fclose(f);
        if (!whole || n < 4096 + 512 || memcmp(buf + 4096, "ElfChnk", 7) != 0)
            continue;
        for (size_t c = 4096; c + 8 <= n; c += 65536)
            if (memcmp(buf + c, "ElfChnk", 7) == 0)
                memcpy(buf + c, "XXXXXXXX", 8);
        f = fopen(tmp, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, n, f), n);
        fclose(f);
        decoded a, b;
        decode_with(&lw_decoder_evtx_native, paths[i], &a);
        decode_with(&lw_decoder_evtx_native, tmp, &b);
        files++;
        /* every undamaged record, in order, among the damaged file's */
        size_t k = 0;
        for (size_t j = 0; j < a.n; j++) {
            char d[1024];
            while (k < b.n && rec_diff(&b.r[k], &a.r[j], d, sizeof d))
                k++;
            if (k == b.n)
                fail_msg("%s: record %llu lost with the chunk signatures", paths[i],
                         (unsigned long long)a.r[j].id);
            k++;
        }
        identical += b.n == a.n;
        extra += (long)(b.n - a.n);
        decoded_free(&a);
        decoded_free(&b);
    }
    unlink(tmp);
    free_paths();
    print_message("evtx damaged chunk headers: %d files, %d give the undamaged records exactly, "
                  "%ld records more in the rest\n",
                  files, identical, extra);
    assert_true(files > 0);
    assert_true(identical * 100 >= files * 95);
}

/* Chunk slack space, both decoders asked to read it: every record both recover (same
 * record id) must give the same event.  libevtx reads few of them (most remnants lack
 * their template), so the counts of what each alone recovers are reported, not compared. */
static void test_corpus_slack_differential(void **state)
{
    if (!corpus_paths())
        skip();
    int both = 0, mismatches = 0, only_native = 0, only_libevtx = 0, only_libevtx_live = 0;
    long native_slack = 0;
    for (size_t i = 0; i < npaths; i++) {
        decoded nd, ld;
        decode_with_slack(&lw_decoder_evtx_native, paths[i], &nd, true);
        decode_with_slack(&lw_decoder_evtx_libevtx, paths[i], &ld, true);
        int nrec = libevtx_records(paths[i]);
        size_t nlive = nd.n - (size_t)nd.st.slack;
        native_slack += (long)nd.st.slack;
        size_t normal = nrec < 0 ? ld.n : (size_t)(nrec - ld.skipped);
        if (normal > ld.n)
            normal = ld.n;
        bool *used = calloc(nd.n + 1, 1);
        for (size_t k = normal; k < ld.n; k++) {
            size_t m = nlive;
            while (m < nd.n && nd.r[m].id != ld.r[k].id)
                m++;
            if (m == nd.n) {
                only_libevtx++;
                for (size_t k2 = 0; k2 < nlive; k2++)
                    if (nd.r[k2].id == ld.r[k].id) {
                        only_libevtx_live++; /* native takes it for a stale copy */
                        break;
                    }
                continue;
            }
            used[m] = true;
            both++;
            char buf[1024];
            const char *what = rec_diff(&nd.r[m], &ld.r[k], buf, sizeof buf);
            if (what && ++mismatches <= 30)
                print_message("SLACK MISMATCH %s record %llu: %s\n", paths[i],
                              (unsigned long long)ld.r[k].id, what);
        }
        for (size_t m = nlive; m < nd.n; m++)
            only_native += !used[m];
        /* a slack record never repeats a live one */
        for (size_t m = nlive; m < nd.n; m++)
            for (size_t k = 0; k < nlive; k++)
                if (nd.r[k].id == nd.r[m].id)
                    fail_msg("%s: slack record %llu repeats a live record", paths[i],
                             (unsigned long long)nd.r[m].id);
        free(used);
        decoded_free(&nd);
        decoded_free(&ld);
    }
    free_paths();
    print_message("evtx slack differential: native recovers %ld records; %d recovered by both, "
                  "%d mismatches; %d only native, %d only libevtx (%d of them with the id of a "
                  "live record)\n",
                  native_slack, both, mismatches, only_native, only_libevtx, only_libevtx_live);
    assert_int_equal(mismatches, 0);
    assert_true(both > 0);
}

/* ---- generated fixtures ------------------------------------------------------------ */

static const char *field(const rec *r, const char *name, int nth)
{
    for (size_t k = 0; k < r->nf; k++)
        if (strcmp(r->names[k], name) == 0 && nth-- == 0)
            return r->values[k];
    return NULL;
}

#define assert_field(r, name, want)                                                                \
    do {                                                                                           \
        const char *got_ = field((r), (name), 0);                                                  \
        if (!got_ || strcmp(got_, (want)) != 0)                                                    \
            fail_msg("field %s: got [%s] want [%s]", (name), got_ ? got_ : "(missing)", (want));   \
    } while (0)

static void test_fixture_types(void **state)
{
    decoded d;
    decode_with(&lw_decoder_evtx_native, FIXTURES "/types.evtx", &d);
    assert_int_equal(d.open_status, LW_OK);
    assert_int_equal(d.end_status, LW_EOF);
    assert_int_equal(d.skipped, 0);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.st.templates, 3); /* A (inline, then by offset), B, C (inside a value) */
    assert_int_equal(d.st.warnings, 0);
    const rec *r = &d.r[0];
    assert_int_equal(r->id, 1);
    assert_int_equal(r->event_id, 4688);
    assert_string_equal(r->host, "host-a.example");
    assert_string_equal(r->channel, "Lurewatch/Test");
    assert_string_equal(r->provider, "Lurewatch-Test");
    assert_field(r, "String", "caf\xc3\xa9 <&> \"q\" \xf0\x9f\x98\x80");
    assert_field(r, "Ansi", "plain ansi");
    assert_field(r, "Int8", "-5");
    assert_field(r, "UInt8", "250");
    assert_field(r, "Int16", "-30000");
    assert_field(r, "UInt16", "65000");
    assert_field(r, "Int32", "-2000000000");
    assert_field(r, "UInt32", "4000000000");
    assert_field(r, "Int64", "-9000000000000000000");
    assert_field(r, "UInt64", "18000000000000000000");
    assert_field(r, "Real32", "1.500000e+000");
    assert_field(r, "Real64", "3.199234e+003");
    assert_field(r, "Bool", "true");
    assert_field(r, "Binary", "0001ABFF");
    assert_field(r, "ProcessGuid", "0197231E-005A-6928-A50B-000000000D00");
    assert_field(r, "SizeT", "4660");
    assert_field(r, "FileTime", "2020-12-03T05:08:01.299004500Z");
    assert_field(r, "SystemTime", "2020-12-11T12:28:01.177Z");
    assert_field(r, "Sid", "S-1-5-21-4230534742-2542757381-3142984815-1111");
    assert_field(r, "Hex32", "0x1fffff");
    assert_field(r, "Hex64", "0x3b5cb2");
    assert_field(r, "EmptyString", "");
    assert_null(field(r, "Null", 0)); /* optional substitution without a value: no element */
    assert_string_equal(field(r, "Strings", 0), "one");
    assert_string_equal(field(r, "Strings", 1), "two");
    assert_string_equal(field(r, "Strings", 2), "three");
    assert_string_equal(field(r, "Numbers", 2), "9");
    /* record 2: the same template by back-reference, other values */
    assert_int_equal(d.r[1].id, 2);
    assert_field(&d.r[1], "String", "second record");
    assert_int_equal(d.r[1].nf, r->nf);
    /* record 3: UserData is a nested BinXml value with its own template instance */
    assert_int_equal(d.r[2].event_id, 1102);
    assert_field(&d.r[2], "SubjectUserName", "admmig");
    assert_field(&d.r[2], "SubjectLogonId", "0x1f4c65f");
    assert_field(&d.r[2], "SubjectUserSid", "S-1-5-18");
    /* record 4: no template, no dependency identifiers, char ref and CDATA */
    assert_int_equal(d.r[3].event_id, 7045);
    assert_string_equal(d.r[3].host, "raw-host");
    assert_field(&d.r[3], "ServiceName", "svc & <co>");
    assert_field(&d.r[3], "CharRef", "aAb");
    assert_field(&d.r[3], "CData", "x<y");
    decoded_free(&d);
}

/* libevtx on the fixtures: the same events, except where libevtx 20181227 is wrong
 * (negative signed integers, characters outside the BMP) or cannot read the record (no
 * dependency identifiers, record 4). */
static void test_fixture_vs_libevtx(void **state)
{
    const char *files[] = {"types.evtx", "two-chunks.evtx", "bad-chunk-crc.evtx",
                           "bad-records-crc.evtx"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[512];
        lw_fmt(path, sizeof path, "%s/%s", FIXTURES, files[f]);
        decoded nd, ld;
        decode_with(&lw_decoder_evtx_native, path, &nd);
        decode_with(&lw_decoder_evtx_libevtx, path, &ld);
        assert_int_equal(ld.open_status, LW_OK);
        size_t compared = 0;
        for (size_t i = 0; i < ld.n; i++) {
            rec *b = &ld.r[i];
            rec *a = NULL;
            for (size_t k = 0; k < nd.n && !a; k++)
                if (nd.r[k].id == b->id)
                    a = &nd.r[k];
            assert_non_null(a);
            for (size_t k = 0; k < b->nf && k < a->nf; k++) {
                const char *n = b->names[k];
                if (strcmp(n, "String") == 0 || strcmp(n, "Int8") == 0 || strcmp(n, "Int16") == 0 ||
                    strcmp(n, "Int32") == 0 || strcmp(n, "Int64") == 0)
                    b->values[k][0] = a->values[k][0] = '\0'; /* libevtx's bugs, see above */
            }
            char buf[1024];
            const char *what = rec_diff(a, b, buf, sizeof buf);
            if (what)
                fail_msg("%s record %llu: %s", files[f], (unsigned long long)b->id, what);
            compared++;
        }
        assert_true(compared >= 3);
        print_message("%s: %zu records equal to libevtx's, native reads %zu\n", files[f], compared,
                      nd.n);
        decoded_free(&nd);
        decoded_free(&ld);
    }
}

static void test_fixture_damage(void **state)
{
    const struct {
        const char *file;
        size_t events;
        int skipped;
        uint64_t crc, bad_chunks;
        bool warns;
    } cases[] = {
        {"two-chunks.evtx", 6, 0, 0, 0, false},     {"bad-chunk-crc.evtx", 4, 0, 1, 0, true},
        {"bad-records-crc.evtx", 4, 0, 1, 0, true}, {"bad-chunk-magic.evtx", 6, 0, 0, 1, true},
        {"truncated.evtx", 2, 1, 0, 0, true},       {"bad-offset.evtx", 3, 1, 0, 0, false},
        {"template-cycle.evtx", 2, 1, 0, 0, false}, {"deep-nesting.evtx", 1, 1, 0, 0, false},
        {"bad-name.evtx", 3, 1, 0, 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        lw_fmt(path, sizeof path, "%s/%s", FIXTURES, cases[i].file);
        decoded d;
        decode_with(&lw_decoder_evtx_native, path, &d);
        print_message("%s: %zu events, %d skipped, %llu warnings, %llu CRC mismatches, %llu bad "
                      "chunks\n",
                      cases[i].file, d.n, d.skipped, (unsigned long long)d.st.warnings,
                      (unsigned long long)d.st.crc_mismatch, (unsigned long long)d.st.bad_chunks);
        assert_int_equal(d.open_status, LW_OK);
        assert_int_equal(d.end_status, LW_EOF);
        assert_int_equal(d.n, cases[i].events);
        assert_int_equal(d.skipped, cases[i].skipped);
        assert_int_equal(d.st.skipped, (uint64_t)cases[i].skipped);
        assert_int_equal(d.st.crc_mismatch, cases[i].crc);
        assert_int_equal(d.st.bad_chunks, cases[i].bad_chunks);
        assert_true(cases[i].warns ? d.st.warnings > 0 : d.st.warnings == 0);
        decoded_free(&d);
    }
}

/* A chunk whose signature is destroyed: its records are found by their framing and read,
 * equal to those of the undamaged file; a block of junk with a record-like signature in it
 * is not taken for a record. */
static void test_bad_chunk_recovery(void **state)
{
    decoded good, bad;
    decode_with(&lw_decoder_evtx_native, FIXTURES "/two-chunks.evtx", &good);
    decode_with(&lw_decoder_evtx_native, FIXTURES "/bad-chunk-magic.evtx", &bad);
    assert_int_equal(bad.n, good.n);
    assert_int_equal(bad.st.recovered, 3);
    for (size_t k = 0; k < good.n; k++) {
        char b2[1024];
        const char *what = rec_diff(&bad.r[k], &good.r[k], b2, sizeof b2);
        if (what)
            fail_msg("record %zu: %s", k, what);
    }
    decoded_free(&bad);

    /* The second chunk overwritten with junk holding "**\0\0" and self-consistent sizes:
     * each of the chain is a located skip, never an event; the remnant after it is slack. */
    FILE *f = fopen(FIXTURES "/two-chunks.evtx", "rb");
    assert_non_null(f);
    static unsigned char buf[4096 + 2 * 65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(n, sizeof buf);
    unsigned char *c2 = buf + 4096 + 65536;
    for (size_t i = 0; i < 65536; i++)
        c2[i] = (unsigned char)(i * 131u + 7u);
    uint64_t id = 100;
    for (uint32_t off = 1024; off + 200 < 65536 - 4096; off += 4096, id += 2) {
        memcpy(c2 + off, "**\0\0", 4);
        uint32_t size = 200;
        memcpy(c2 + off + 4, &size, 4);
        memcpy(c2 + off + 8, &id, 8); /* a chain: ids rise, with gaps */
        memcpy(c2 + off + size - 4, &size, 4);
    }
    /* then a remnant with a lower id: where the slack begins */
    uint32_t off = 65536 - 1024, size = 200;
    id = 5;
    memcpy(c2 + off, "**\0\0", 4);
    memcpy(c2 + off + 4, &size, 4);
    memcpy(c2 + off + 8, &id, 8);
    memcpy(c2 + off + size - 4, &size, 4);
    char path[] = "/tmp/lw-evtx-junk-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, n), (ssize_t)n);
    close(fd);
    decode_with(&lw_decoder_evtx_native, path, &bad);
    assert_int_equal(bad.end_status, LW_EOF);
    assert_int_equal(bad.n, 3); /* the first chunk's records */
    assert_int_equal(bad.st.recovered, 15);
    assert_int_equal(bad.skipped, 15);
    decoded_free(&bad);
    /* with slack read: the remnant is found there, and does not render either */
    decode_with_slack(&lw_decoder_evtx_native, path, &bad, true);
    unlink(path);
    assert_int_equal(bad.n, 3);
    assert_int_equal(bad.skipped, 15);
    assert_int_equal(bad.st.slack, 0);
    decoded_free(&bad);
    decoded_free(&good);
}

/* slack.evtx: records 1 and 2 live, record 3 past the free-space offset, then a copy of
 * record 1.  Read only when asked; record 3 then equals its live twin in two-chunks.evtx,
 * the copy of record 1 is left out as stale, and libevtx recovers the same. */
static void test_slack_fixture(void **state)
{
    decoded plain, sl, twin, lib;
    decode_with(&lw_decoder_evtx_native, FIXTURES "/slack.evtx", &plain);
    assert_int_equal(plain.n, 2);
    assert_int_equal(plain.st.slack, 0);
    decode_with_slack(&lw_decoder_evtx_native, FIXTURES "/slack.evtx", &sl, true);
    assert_int_equal(sl.end_status, LW_EOF);
    assert_int_equal(sl.skipped, 0);
    assert_int_equal(sl.n, 3);
    assert_int_equal(sl.st.slack, 1);
    assert_true(sl.st.warnings > 0); /* the one evtx-slack summary */
    decode_with(&lw_decoder_evtx_native, FIXTURES "/two-chunks.evtx", &twin);
    char buf[1024];
    for (size_t k = 0; k < 3; k++) {
        const char *what = rec_diff(&sl.r[k], &twin.r[k], buf, sizeof buf);
        if (what)
            fail_msg("record %zu: %s", k, what);
    }
    decode_with_slack(&lw_decoder_evtx_libevtx, FIXTURES "/slack.evtx", &lib, true);
    assert_int_equal(lib.n, 3); /* its typed values differ by the libevtx bugs noted above */
    assert_int_equal(lib.r[2].id, sl.r[2].id);
    assert_int_equal(lib.r[2].time_ms, sl.r[2].time_ms);
    assert_int_equal(lib.r[2].event_id, sl.r[2].event_id);
    decoded_free(&plain);
    decoded_free(&sl);
    decoded_free(&twin);
    decoded_free(&lib);
}

/* Every prefix of types.evtx: never more events than the full file, the records before
 * the cut always, and no failure other than a header too short to be one. */
static void test_fixture_every_cut(void **state)
{
    FILE *f = fopen(FIXTURES "/types.evtx", "rb");
    assert_non_null(f);
    static unsigned char buf[80000];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char path[] = "/tmp/lw-evtx-cut-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    decoded full;
    decode_with(&lw_decoder_evtx_native, FIXTURES "/types.evtx", &full);
    for (size_t cut = 4000; cut <= n; cut += (cut < 4096 + 12000 ? 7 : 997)) {
        f = fopen(path, "wb");
        fwrite(buf, 1, cut, f);
        fclose(f);
        decoded d;
        decode_with(&lw_decoder_evtx_native, path, &d);
        if (cut < 4096) {
            assert_int_equal(d.open_status, LW_EFORMAT);
            continue;
        }
        assert_int_equal(d.open_status, LW_OK);
        assert_int_equal(d.end_status, LW_EOF);
        assert_true(d.n <= full.n);
        for (size_t k = 0; k < d.n; k++) {
            char b2[1024];
            assert_null(rec_diff(&d.r[k], &full.r[k], b2, sizeof b2));
        }
        decoded_free(&d);
    }
    unlink(path);
    decoded_free(&full);
}

/* The registered decoder follows LUREWATCH_EVTX_DECODER. */
static void test_decoder_switch(void **state)
{
    decoded a, b;
    setenv("LUREWATCH_EVTX_DECODER", "libevtx", 1);
    decode_with(&lw_decoder_evtx, FIXTURES "/two-chunks.evtx", &a);
    unsetenv("LUREWATCH_EVTX_DECODER");
    decode_with(&lw_decoder_evtx, FIXTURES "/types.evtx", &b);
    assert_int_equal(a.n, 6);
    assert_int_equal(b.n, 4); /* libevtx cannot read record 4: native it is */
    decoded_free(&a);
    decoded_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_types),
        cmocka_unit_test(test_fixture_vs_libevtx),
        cmocka_unit_test(test_fixture_damage),
        cmocka_unit_test(test_bad_chunk_recovery),
        cmocka_unit_test(test_slack_fixture),
        cmocka_unit_test(test_fixture_every_cut),
        cmocka_unit_test(test_decoder_switch),
        cmocka_unit_test(test_corpus_differential),
        cmocka_unit_test(test_corpus_slack_differential),
        cmocka_unit_test(test_corpus_damaged_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
