/*
 * Native EVTX decoder (src/input/evtx-native.c) against libevtx, its oracle.
 *
 *  - corpus: every .evtx under ../shared/data and ../shared/sigma/regression_data (skipped
 *    when absent) decoded by both; every record libevtx reads must give the same event from
 *    the native decoder (event id, time, host, channel, provider, record id, every field
 *    name and value, in order).  libevtx's recovered records (slack space) are not
 *    compared: the native decoder does not recover.
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

typedef struct rec {
    uint64_t id;
    int32_t event_id;
    int64_t time_ms;
    char *host, *channel, *provider;
    size_t nf;
    char **names, **values;
} rec;

typedef struct decoded {
    rec *r;
    size_t n, cap;
    int skipped;
    lw_status open_status, end_status;
    lw_evtx_native_stats st; /* native only */
} decoded;

static char *dupn(lw_str s)
{
    char *p = malloc(s.n + 1);
    memcpy(p, s.p ? s.p : "", s.n);
    p[s.n] = '\0';
    return p;
}

static void decoded_free(decoded *d)
{
    for (size_t i = 0; i < d->n; i++) {
        rec *r = &d->r[i];
        free(r->host);
        free(r->channel);
        free(r->provider);
        for (size_t k = 0; k < r->nf; k++) {
            free(r->names[k]);
            free(r->values[k]);
        }
        free(r->names);
        free(r->values);
    }
    free(d->r);
    memset(d, 0, sizeof *d);
}

static void decode_with(const lw_decoder *dec, const char *path, decoded *d)
{
    memset(d, 0, sizeof *d);
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.max_record = 16 << 20;
    assert_int_equal(lw_reader_open(&in.rd, path, 1 << 20), LW_OK);
    d->open_status = dec->open(&in);
    if (d->open_status != LW_OK) {
        if (dec == &lw_decoder_evtx_native && in.decoder_state)
            d->st = *lw_evtx_native_get_stats(&in);
        dec->close(&in);
        lw_reader_close(&in.rd);
        return;
    }
    lw_event ev;
    lw_event_init(&ev);
    for (;;) {
        lw_event_reset(&ev);
        lw_status st = dec->next(&in, &ev);
        if (st == LW_EFORMAT) {
            d->skipped++;
            continue;
        }
        if (st != LW_OK) {
            d->end_status = st;
            break;
        }
        if (d->n == d->cap) {
            d->cap = d->cap ? d->cap * 2 : 64;
            d->r = realloc(d->r, d->cap * sizeof *d->r);
        }
        rec *r = &d->r[d->n++];
        r->id = ev.record;
        r->event_id = ev.event_id;
        r->time_ms = ev.time_ms;
        r->host = dupn(ev.host);
        r->channel = dupn(ev.channel);
        r->provider = dupn(ev.provider);
        r->nf = ev.nfields;
        r->names = calloc(ev.nfields + 1, sizeof(char *));
        r->values = calloc(ev.nfields + 1, sizeof(char *));
        for (uint32_t k = 0; k < ev.nfields; k++) {
            r->names[k] = dupn(ev.fields[k].name);
            r->values[k] = dupn(ev.fields[k].value);
        }
    }
    if (dec == &lw_decoder_evtx_native)
        d->st = *lw_evtx_native_get_stats(&in);
    dec->close(&in);
    lw_event_destroy(&ev);
    lw_reader_close(&in.rd);
}

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

static void test_corpus_differential(void **state)
{
    struct stat st;
    if (stat(LW_SHARED_DIR "/data", &st) != 0)
        skip();
    npaths = 0;
    nftw(LW_SHARED_DIR "/data", collect, 16, FTW_PHYS);
    nftw(LW_SHARED_DIR "/sigma/regression_data", collect, 16, FTW_PHYS);
    if (npaths == 0)
        skip();
    qsort(paths, npaths, sizeof *paths, cmp_str);
    const char *only = getenv("LW_EVTX_DIFF_ONLY"); /* substring filter while debugging */
    diff_counts dc = {0};
    for (size_t i = 0; i < npaths; i++) {
        if (!only || strstr(paths[i], only))
            diff_file(paths[i], &dc, true);
        free(paths[i]);
    }
    free(paths);
    paths = NULL;
    print_message("evtx differential: %d files (%d libevtx cannot open), %d records compared, "
                  "%d mismatches (%d read by libevtx only), %d records only native reads; "
                  "native %ld events %d skipped; libevtx %d skipped, %d recovered not compared\n",
                  dc.files, dc.files_libevtx_failed, dc.records_compared, dc.mismatches,
                  dc.only_libevtx, dc.only_native, dc.native_records, dc.native_skipped,
                  dc.libevtx_skipped, dc.recovered_not_compared);
    assert_int_equal(dc.mismatches, 0);
    assert_true(dc.records_compared > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
