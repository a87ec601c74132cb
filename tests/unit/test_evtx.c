/*
 * EVTX decoder: every SigmaHQ regression .evtx against its evtx_dump .json (same record,
 * same field names and values), damaged copies (truncated, bytes flipped), gzip input.
 * Skipped when ../shared is absent.
 *
 * Deliberate differences from evtx_dump: none in values (xml-event normalizes GUID
 * braces, zero-padded hex and surrounding whitespace to evtx_dump's form).  We add
 * param1..N and "Data" for unnamed <Data> elements, and the libevtx decoder also emits
 * libevtx's recovered records (evtx_dump does not recover), so JSON records are looked up
 * by EventRecordID.  lw_decoder_evtx is the native decoder here (LUREWATCH_EVTX_DECODER is
 * unset); tests/unit/test_evtx_native.c compares it with libevtx.
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
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>
#ifdef LW_HAVE_CJSON
#include <cjson/cJSON.h>
#endif

#include "input/input.h"
#include "input/xml-event.h"

#define REGRESSION  LW_SHARED_DIR "/sigma/regression_data"
#define MULTI_CHUNK LW_SHARED_DIR "/data/evtx_corpus/DeepBlueCLI/password-spray.evtx"

#include "evtx-decoded.h"

static void decode_file(const char *path, decoded *d)
{
    decode_with(&lw_decoder_evtx, path, d);
}

static const rec *find_rec(const decoded *d, uint64_t id)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->r[i].id == id)
            return &d->r[i];
    return NULL;
}

static const char *rec_field(const rec *r, const char *name)
{
    for (size_t k = 0; k < r->nf; k++)
        if (strcmp(r->names[k], name) == 0)
            return r->values[k];
    return NULL;
}

static bool have_shared(void)
{
    struct stat st;
    return stat(REGRESSION, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- regression data vs evtx_dump JSON --------------------------------------------- */

static char **evtx_paths;
static size_t n_evtx, cap_evtx;

static int collect(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    size_t l = strlen(path);
    if (type == FTW_F && l > 5 && strcmp(path + l - 5, ".evtx") == 0) {
        if (n_evtx == cap_evtx) {
            cap_evtx = cap_evtx ? cap_evtx * 2 : 256;
            evtx_paths = realloc(evtx_paths, cap_evtx * sizeof *evtx_paths);
        }
        evtx_paths[n_evtx++] = strdup(path);
    }
    return 0;
}

#ifdef LW_HAVE_CJSON
static int mismatches;

static void mismatch(const char *path, uint64_t id, const char *what, const char *got,
                     const char *want)
{
    if (++mismatches <= 25)
        print_message("MISMATCH %s record %llu %s: got [%s] want [%s]\n", path,
                      (unsigned long long)id, what, got ? got : "(missing)", want);
}

/* evtx_dump's JSON value as the string our field should hold. */
static bool json_text(const cJSON *v, char *buf, size_t cap)
{
    if (cJSON_IsString(v)) {
        lw_fmt(buf, cap, "%s", v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == (double)(long long)d)
            lw_fmt(buf, cap, "%lld", (long long)d);
        else
            lw_fmt(buf, cap, "%.17g", d);
    } else if (cJSON_IsBool(v)) {
        lw_fmt(buf, cap, "%s", cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNull(v)) {
        buf[0] = '\0';
    } else {
        return false;
    }
    return true;
}

static int compared_records, compared_fields;

static void compare_fields(const char *path, const rec *r, const cJSON *obj)
{
    char buf[65536];
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next) {
        if (strcmp(c->string, "#attributes") == 0)
            continue;
        if (cJSON_IsObject(c) && !cJSON_GetObjectItem(c, "#text")) {
            compare_fields(path, r, c); /* UserData wrapper */
            continue;
        }
        const cJSON *v = cJSON_IsObject(c) ? cJSON_GetObjectItem(c, "#text") : c;
        if (!json_text(v, buf, sizeof buf))
            continue; /* arrays (several unnamed Data) are not compared */
        const char *got = rec_field(r, c->string);
        compared_fields++;
        if (!got || strcmp(got, buf) != 0)
            mismatch(path, r->id, c->string, got, buf);
    }
}

static void compare_record(const char *path, const decoded *d, const cJSON *doc)
{
    const cJSON *event = cJSON_GetObjectItem(doc, "Event");
    const cJSON *sys = cJSON_GetObjectItem(event, "System");
    const cJSON *rid = cJSON_GetObjectItem(sys, "EventRecordID");
    if (!cJSON_IsNumber(rid)) {
        mismatch(path, 0, "EventRecordID", NULL, "a number in the JSON");
        return;
    }
    uint64_t id = (uint64_t)rid->valuedouble;
    const rec *r = find_rec(d, id);
    if (!r) {
        mismatch(path, id, "record", NULL, "present");
        return;
    }
    compared_records++;
    char buf[256];
    const cJSON *eid = cJSON_GetObjectItem(sys, "EventID");
    if (cJSON_IsObject(eid))
        eid = cJSON_GetObjectItem(eid, "#text");
    if (cJSON_IsNumber(eid) && r->event_id != (int32_t)eid->valuedouble) {
        lw_fmt(buf, sizeof buf, "%d", (int)eid->valuedouble);
        char got[32];
        lw_fmt(got, sizeof got, "%d", r->event_id);
        mismatch(path, id, "EventID", got, buf);
    }
    const cJSON *comp = cJSON_GetObjectItem(sys, "Computer");
    if (cJSON_IsString(comp) && strcmp(comp->valuestring, r->host) != 0)
        mismatch(path, id, "Computer", r->host, comp->valuestring);
    const cJSON *chan = cJSON_GetObjectItem(sys, "Channel");
    if (cJSON_IsString(chan) && strcmp(chan->valuestring, r->channel) != 0)
        mismatch(path, id, "Channel", r->channel, chan->valuestring);
    const cJSON *prov = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(sys, "Provider"), "#attributes"), "Name");
    if (cJSON_IsString(prov) && strcmp(prov->valuestring, r->provider) != 0)
        mismatch(path, id, "Provider", r->provider, prov->valuestring);
    const cJSON *tc = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(sys, "TimeCreated"), "#attributes"), "SystemTime");
    int64_t ms;
    if (cJSON_IsString(tc) && lw_parse_time(lw_str_c(tc->valuestring), &ms) && ms != r->time_ms)
        mismatch(path, id, "SystemTime", "(differs)", tc->valuestring);
    const cJSON *ed = cJSON_GetObjectItem(event, "EventData");
    if (cJSON_IsObject(ed))
        compare_fields(path, r, ed);
    const cJSON *ud = cJSON_GetObjectItem(event, "UserData");
    if (cJSON_IsObject(ud))
        compare_fields(path, r, ud);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long l = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)l + 1);
    *n = fread(p, 1, (size_t)l, f);
    p[*n] = '\0';
    fclose(f);
    return p;
}
#endif

static void test_regression_data(void **state)
{
    if (!have_shared())
        skip();
#ifndef LW_HAVE_CJSON
    skip();
#else
    n_evtx = 0;
    nftw(REGRESSION, collect, 16, FTW_PHYS);
    assert_true(n_evtx > 0);
    int files = 0, records = 0, docs = 0;
    for (size_t i = 0; i < n_evtx; i++) {
        decoded d;
        decode_file(evtx_paths[i], &d);
        assert_int_equal(d.open_status, LW_OK);
        assert_int_equal(d.end_status, LW_EOF);
        records += (int)d.n;
        files++;
        char jpath[4096];
        lw_fmt(jpath, sizeof jpath, "%.*s.json", (int)(strlen(evtx_paths[i]) - 5), evtx_paths[i]);
        size_t n;
        char *text = slurp(jpath, &n);
        if (text) {
            /* one JSON document, or several concatenated */
            const char *p = text;
            while (*p) {
                while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
                    p++;
                if (!*p)
                    break;
                const char *end = NULL;
                cJSON *doc = cJSON_ParseWithOpts(p, &end, 0);
                if (!doc)
                    break;
                if (cJSON_IsArray(doc)) {
                    for (cJSON *c = doc->child; c; c = c->next, docs++)
                        compare_record(evtx_paths[i], &d, c);
                } else {
                    compare_record(evtx_paths[i], &d, doc);
                    docs++;
                }
                cJSON_Delete(doc);
                p = end;
            }
            free(text);
        }
        decoded_free(&d);
        free(evtx_paths[i]);
    }
    free(evtx_paths);
    evtx_paths = NULL;
    print_message("regression: %d files, %d records decoded, %d JSON records, %d compared, "
                  "%d fields compared, %d mismatches\n",
                  files, records, docs, compared_records, compared_fields, mismatches);
    assert_int_equal(mismatches, 0);
    assert_int_equal(compared_records, docs);
#endif
}

/* ---- damaged files ----------------------------------------------------------------- */

static char tmpdir[64];

static int setup_tmp(void **state)
{
    lw_fmt(tmpdir, sizeof tmpdir, "/tmp/lw-test-evtx-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    char cmd[128];
    lw_fmt(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long l = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)l);
    *n = fread(p, 1, (size_t)l, f);
    fclose(f);
    return p;
}

static void write_all(const char *path, const unsigned char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static bool id_in(const decoded *d, uint64_t id)
{
    return find_rec(d, id) != NULL;
}

static void test_truncated(void **state)
{
    struct stat st;
    if (stat(MULTI_CHUNK, &st) != 0)
        skip();
    decoded full;
    decode_file(MULTI_CHUNK, &full);
    assert_int_equal(full.open_status, LW_OK);
    assert_true(full.n >= 295);
    size_t n;
    unsigned char *bytes = read_all(MULTI_CHUNK, &n);
    const size_t cuts[] = {0,
                           100,
                           4096,
                           4096 + 30000,
                           4096 + 65536,
                           4096 + 65536 + 40000,
                           4096 + 3 * 65536 + 12345,
                           n / 2,
                           n - 1000,
                           n - 1};
    char path[128];
    lw_fmt(path, sizeof path, "%s/cut.evtx", tmpdir);
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_all(path, bytes, cuts[i]);
        decoded d;
        decode_file(path, &d);
        if (cuts[i] < 4096) {
            assert_int_equal(d.open_status, LW_EFORMAT); /* header broken: failed file */
            continue;
        }
        if (d.open_status != LW_OK) {
            print_message("cut at %zu: open failed (%d)\n", cuts[i], d.open_status);
            continue;
        }
        assert_int_equal(d.end_status, LW_EOF);
        /* every whole chunk before the cut still yields its records */
        size_t whole_chunks = (cuts[i] - 4096) / 65536;
        if (whole_chunks > 0)
            assert_true(d.n > 0);
        for (size_t k = 0; k < d.n; k++)
            assert_true(id_in(&full, d.r[k].id) || d.r[k].id > 0);
        print_message("cut at %zu: %zu records, %d skipped\n", cuts[i], d.n, d.skipped);
        decoded_free(&d);
    }
    /* compare with an untouched prefix: records of chunk 1 equal the full file's */
    write_all(path, bytes, 4096 + 65536 + 100);
    decoded d;
    decode_file(path, &d);
    assert_int_equal(d.open_status, LW_OK);
    assert_true(d.n > 0);
    for (size_t k = 0; k < d.n; k++) {
        const rec *a = &d.r[k], *b = find_rec(&full, a->id);
        if (!b)
            continue;
        assert_int_equal(a->event_id, b->event_id);
        assert_int_equal(a->nf, b->nf);
    }
    decoded_free(&d);
    free(bytes);
    decoded_free(&full);
}

static void test_flipped(void **state)
{
    struct stat st;
    if (stat(MULTI_CHUNK, &st) != 0)
        skip();
    decoded full;
    decode_file(MULTI_CHUNK, &full);
    size_t n;
    unsigned char *bytes = read_all(MULTI_CHUNK, &n);
    char path[128];
    lw_fmt(path, sizeof path, "%s/flip.evtx", tmpdir);
    srand(12345);
    for (int round = 0; round < 6; round++) {
        unsigned char *copy = malloc(n);
        memcpy(copy, bytes, n);
        /* damage chunk 2 (records area, past its 512-byte header) */
        size_t base = 4096 + 65536 + (round == 0 ? 0 : 512);
        for (int k = 0; k < 40; k++) {
            size_t off = base + (size_t)rand() % (round == 0 ? 512 : 65536 - 512);
            copy[off] ^= (unsigned char)(1 + rand() % 255);
        }
        write_all(path, copy, n);
        decoded d;
        decode_file(path, &d);
        assert_int_equal(d.open_status, LW_OK);
        assert_int_equal(d.end_status, LW_EOF);
        /* chunk 1 is untouched: its records still come out */
        assert_true(d.n > 0);
        assert_true(id_in(&d, full.r[0].id));
        print_message("flip round %d: %zu records (full %zu), %d skipped\n", round, d.n, full.n,
                      d.skipped);
        decoded_free(&d);
        free(copy);
    }
    free(bytes);
    decoded_free(&full);
}

static void test_gzip_and_garbage(void **state)
{
    struct stat st;
    if (stat(MULTI_CHUNK, &st) != 0)
        skip();
    decoded full;
    decode_file(MULTI_CHUNK, &full);
    size_t n;
    unsigned char *bytes = read_all(MULTI_CHUNK, &n);
    char path[128];
    lw_fmt(path, sizeof path, "%s/x.evtx.gz", tmpdir);
    gzFile gz = gzopen(path, "wb");
    gzwrite(gz, bytes, (unsigned)n);
    gzclose(gz);
    assert_true(lw_decoder_evtx.sniff(bytes, n) == 100);
    decoded d;
    decode_file(path, &d);
    assert_int_equal(d.open_status, LW_OK);
    assert_int_equal(d.n, full.n);
    assert_int_equal(d.r[0].id, full.r[0].id);
    assert_int_equal(d.r[0].nf, full.r[0].nf);
    decoded_free(&d);
    /* not an EVTX at all */
    lw_fmt(path, sizeof path, "%s/garbage.evtx", tmpdir);
    memset(bytes, 'A', 8192);
    memcpy(bytes, "ElfFile", 8);
    write_all(path, bytes, 8192);
    decode_file(path, &d);
    assert_int_equal(d.open_status, LW_EFORMAT);
    free(bytes);
    decoded_free(&full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regression_data),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_flipped),
        cmocka_unit_test(test_gzip_and_garbage),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
