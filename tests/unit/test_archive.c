/*
 * Archive members as inputs (src/input/archive.c) and the reader's pull mode with gzip
 * members (src/input/reader.c): archives are written here with libarchive's write API.
 */
#include <archive.h>
#include <archive_entry.h>
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
#include "input/archive.h"
#include "input/input.h"

/* gzip-compress src into a malloc'd buffer. */
static unsigned char *gzip_bytes(const void *src, size_t n, size_t *outn)
{
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, (uLong)n) + 64;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    zs.next_in = (unsigned char *)(uintptr_t)src;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *outn = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

typedef struct member {
    const char *name;
    const void *data;
    size_t n;
    int type; /* AE_IFREG or AE_IFDIR */
} member;

static void write_archive(const char *path, bool zip, const member *m, size_t nm)
{
    struct archive *a = archive_write_new();
    assert_non_null(a);
    if (zip) {
        archive_write_set_format_zip(a);
    } else {
        archive_write_set_format_pax_restricted(a);
        archive_write_add_filter_gzip(a);
    }
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (size_t i = 0; i < nm; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, (unsigned)m[i].type);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, m[i].type == AE_IFREG ? (la_int64_t)m[i].n : 0);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (m[i].type == AE_IFREG && m[i].n)
            assert_int_equal(archive_write_data(a, m[i].data, m[i].n), (la_ssize_t)m[i].n);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

/* Every byte of the open member through the reader; false when the reader reported an error
 * (message in rd->errmsg). */
static bool slurp(lw_reader *rd, char **out, size_t *outn)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    for (;;) {
        size_t av = lw_reader_avail(rd);
        if (n + av > cap) {
            while (n + av > cap)
                cap *= 2;
            b = realloc(b, cap);
            assert_non_null(b);
        }
        memcpy(b + n, lw_reader_data(rd), av);
        n += av;
        lw_reader_consume(rd, av);
        if (lw_reader_fill(rd) <= 0)
            break;
    }
    *out = b;
    *outn = n;
    return !rd->error;
}

static void test_sniff(void **state)
{
    (void)state;
    unsigned char tar[512] = {0};
    memcpy(tar + 257, "ustar", 5);
    assert_true(lw_archive_sniff((const unsigned char *)"PK\x03\x04rest", 8));
    assert_true(lw_archive_sniff((const unsigned char *)"7z\xbc\xaf\x27\x1c..", 8));
    assert_true(lw_archive_sniff((const unsigned char *)"Rar!\x1a\x07\x01", 7));
    assert_true(lw_archive_sniff(tar, sizeof tar));
    assert_false(lw_archive_sniff((const unsigned char *)"PK", 2));
    assert_false(lw_archive_sniff((const unsigned char *)"{\"a\":1}", 7));
    assert_false(lw_archive_sniff(tar, 261)); /* too short to hold the tar magic */
}

static void check_members(bool zip)
{
    char path[] = "/tmp/lw-test-archive-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    /* A plain member longer than a read chunk, a gzip member, two gzip members one after
     * another, a truncated gzip member, an empty member and a folder. */
    size_t big_n = 700000;
    char *big = malloc(big_n);
    assert_non_null(big);
    for (size_t i = 0; i < big_n; i++)
        big[i] = (char)('a' + i % 26);
    size_t gz_n, g1_n, g2_n;
    unsigned char *gz = gzip_bytes(big, big_n, &gz_n);
    unsigned char *g1 = gzip_bytes("first,", 6, &g1_n);
    unsigned char *g2 = gzip_bytes("second", 6, &g2_n);
    unsigned char *cat = malloc(g1_n + g2_n);
    assert_non_null(cat);
    memcpy(cat, g1, g1_n);
    memcpy(cat + g1_n, g2, g2_n);
    member m[] = {
        {"dir/", NULL, 0, AE_IFDIR},
        {"dir/big.txt", big, big_n, AE_IFREG},
        {"dir/big.txt.gz", gz, gz_n, AE_IFREG},
        {"cat.gz", cat, g1_n + g2_n, AE_IFREG},
        {"cut.gz", gz, gz_n / 2, AE_IFREG},
        {"empty", "", 0, AE_IFREG},
    };
    write_archive(path, zip, m, sizeof m / sizeof *m);

    char err[256];
    lw_archive *a = NULL;
    assert_int_equal(lw_archive_open(path, &a, err, sizeof err), LW_OK);
    const char *name;
    char *got;
    size_t n;
    lw_reader rd;
    static const char *const want_names[] = {"dir/big.txt", "dir/big.txt.gz", "cat.gz", "cut.gz",
                                             "empty"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(lw_archive_next(a, &name, err, sizeof err), 1);
        assert_string_equal(name, want_names[i]);
        assert_int_equal(lw_archive_reader(a, &rd, 1 << 20), LW_OK);
        bool ok = slurp(&rd, &got, &n);
        switch (i) {
        case 0:
        case 1: /* plain and gzip read back the same bytes */
            assert_true(ok);
            assert_int_equal(n, big_n);
            assert_memory_equal(got, big, big_n);
            break;
        case 2:
            assert_true(ok);
            assert_int_equal(n, 12);
            assert_memory_equal(got, "first,second", 12);
            break;
        case 3: /* what could be inflated, then an error, never a silent end */
            assert_false(ok);
            assert_non_null(strstr(rd.errmsg, "gzip"));
            assert_true(n < big_n);
            assert_memory_equal(got, big, n);
            break;
        case 4:
            assert_true(ok);
            assert_int_equal(n, 0);
            break;
        }
        free(got);
        lw_reader_close(&rd);
    }
    assert_int_equal(lw_archive_next(a, &name, err, sizeof err), 0);
    lw_archive_close(a);

    /* A cut archive: members before the damage read, then a reported error, not a crash. */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fclose(f);
    assert_int_equal(truncate(path, len / 3), 0);
    if (lw_archive_open(path, &a, err, sizeof err) == LW_OK) {
        int k;
        int guard = 0;
        bool failed = false;
        while ((k = lw_archive_next(a, &name, err, sizeof err)) == 1 && guard++ < 10) {
            assert_int_equal(lw_archive_reader(a, &rd, 1 << 20), LW_OK);
            failed |= !slurp(&rd, &got, &n);
            free(got);
            lw_reader_close(&rd);
        }
        assert_true(k == -1 || failed);
        lw_archive_close(a);
    } else {
        assert_true(err[0] != '\0');
    }
    unlink(path);
    free(big);
    free(gz);
    free(g1);
    free(g2);
    free(cat);
}

static void test_zip_members(void **state)
{
    (void)state;
    check_members(true);
}

static void test_tar_gz_members(void **state)
{
    (void)state;
    check_members(false);
}

/* Whole members into memory (how rule packs are read): bounded, and a cut member is an
 * error, not a short file. */
static void test_read_member(void **state)
{
    (void)state;
    char path[] = "/tmp/lw-test-archive-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    size_t big_n = 100000;
    char *big = malloc(big_n);
    assert_non_null(big);
    memset(big, 'r', big_n);
    member m[] = {
        {"a.yml", "title: a\n", 9, AE_IFREG},
        {"big.yml", big, big_n, AE_IFREG},
    };
    write_archive(path, true, m, 2);
    char err[256], *buf = NULL;
    size_t n = 0;
    const char *name;
    lw_archive *a = NULL;
    assert_int_equal(lw_archive_open(path, &a, err, sizeof err), LW_OK);
    assert_int_equal(lw_archive_next(a, &name, err, sizeof err), 1);
    assert_int_equal(lw_archive_read_member(a, 1 << 20, &buf, &n, err, sizeof err), LW_OK);
    assert_int_equal(n, 9);
    assert_string_equal(buf, "title: a\n");
    free(buf);
    assert_int_equal(lw_archive_next(a, &name, err, sizeof err), 1);
    assert_int_equal(lw_archive_read_member(a, 65536, &buf, &n, err, sizeof err), LW_ELIMIT);
    assert_non_null(strstr(err, "65536"));
    lw_archive_close(a);
    unlink(path);
    free(big);
}

static void test_open_errors(void **state)
{
    (void)state;
    char err[256] = "";
    lw_archive *a = (lw_archive *)1;
    assert_int_equal(lw_archive_open("/nonexistent/x.zip", &a, err, sizeof err), LW_EIO);
    assert_null(a);
    assert_true(err[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),          cmocka_unit_test(test_zip_members),
        cmocka_unit_test(test_tar_gz_members), cmocka_unit_test(test_read_member),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
