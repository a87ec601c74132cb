/*
 * Compiled prefilter databases kept on disk (src/sigma/hs-cache.c): a second load of the
 * same rules takes every database from the cache and fires exactly the rules a fresh
 * compile fires; a damaged file, a file holding another rule set's input under this name,
 * a folder or file others may write, and a different rule set are all misses that compile
 * anew; no cache folder means no files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sigma/sigma-int.h"

#define NRULES 40

static char g_dir[256];   /* rules */
static char g_cache[300]; /* cache folder */

static void rm_tree_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char p[600];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* NRULES rules (plus variant: a different literal in rule 0), each gated on its own
 * Image suffix and CommandLine word, and a keyword rule. */
static void write_rules(int variant)
{
    for (int i = 0; i < NRULES; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/r%02d.yml", g_dir, i);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f,
                "title: r%d\nid: 00000000-0000-4000-8000-0000000000%02d\nlogsource:\n"
                "    product: windows\n    category: process_creation\ndetection:\n"
                "    img:\n        Image|endswith: '\\tool%d%s.exe'\n"
                "    cmd:\n        CommandLine|contains: 'word%dx'\n"
                "    condition: img and cmd\n",
                i, i, i, i == 0 && variant ? "v" : "", i);
        fclose(f);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/kw.yml", g_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "title: kw\nid: 00000000-0000-4000-8000-0000000000ff\nlogsource:\n"
               "    product: windows\n    category: process_creation\ndetection:\n"
               "    k:\n        - 'EvilKeyword'\n    condition: k\n");
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/lw_hsc_test_XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_cache, sizeof g_cache, "%s-cache/sub", g_dir);
    write_rules(0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_tree_files(g_cache);
    char parent[320];
    snprintf(parent, sizeof parent, "%s-cache", g_dir);
    rmdir(parent);
    rm_tree_files(g_dir);
    return 0;
}

static lw_rules *load(const char *cache)
{
    lw_rules *r;
    assert_int_equal(lw_rules_new(&r), LW_OK);
    assert_int_equal(lw_rules_set_cache_dir(r, cache), LW_OK);
    assert_int_equal(lw_rules_load(r, g_dir, NULL, NULL), LW_OK);
    assert_int_equal(lw_rules_compile(r), LW_OK);
    assert_int_equal(lw_rules_count(r), NRULES + 1);
    assert_non_null(r->pf);
    return r;
}

typedef struct hits {
    char ids[4096];
    size_t n;
} hits;

static void on_hit(const lw_rule *r, const lw_event *ev, void *ud)
{
    (void)ev;
    hits *h = ud;
    const lw_rule_meta *m = lw_rule_get_meta(r);
    int k = snprintf(h->ids + h->n, sizeof h->ids - h->n, "%s;", m->title);
    assert_true(k > 0 && (size_t)k < sizeof h->ids - h->n);
    h->n += (size_t)k;
}

/* The rules each probe event fires, with the prefilter forced on, as one string. */
static void fire_all(const lw_rules *r, char *out, size_t cap)
{
    lw_matcher *m;
    assert_int_equal(lw_matcher_new(r, &m), LW_OK);
    lw_matcher_set_prefilter(m, 2);
    size_t n = 0;
    for (int i = 0; i < NRULES + 2; i++) {
        for (int v = 0; v < 3; v++) {
            char img[64], cmd[64];
            snprintf(img, sizeof img, "C:\\x\\TOOL%d%s.EXE", i, v == 1 ? "v" : "");
            snprintf(cmd, sizeof cmd, "run word%dx %s", i, v == 2 ? "evilkeyword" : "");
            lw_event ev;
            lw_event_init(&ev);
            ev.product = LW_PRODUCT_WINDOWS;
            ev.cats = 1ull << LW_CAT_PROCESS_CREATION;
            assert_int_equal(lw_event_add_copy(&ev, LW_STR_LIT("Image"), lw_str_c(img), 0), LW_OK);
            assert_int_equal(lw_event_add_copy(&ev, LW_STR_LIT("CommandLine"), lw_str_c(cmd), 0),
                             LW_OK);
            hits h = {{0}, 0};
            uint64_t evals = 0;
            assert_int_equal(lw_matcher_run(m, &ev, on_hit, &h, &evals), LW_OK);
            int k = snprintf(out + n, cap - n, "%d.%d:%s\n", i, v, h.ids);
            assert_true(k > 0 && (size_t)k < cap - n);
            n += (size_t)k;
            lw_event_destroy(&ev);
        }
    }
    lw_matcher_free(m);
}

/* Files whose name ends with suffix (or, for a suffix starting with '.tmp', starts with
 * it). */
static size_t count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *de;
    bool prefix = !strncmp(suffix, ".tmp", 4);
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name), s = strlen(suffix);
        n +=
            prefix ? !strncmp(de->d_name, suffix, s) : l > s && !strcmp(de->d_name + l - s, suffix);
    }
    if (d)
        closedir(d);
    return n;
}

/* The path of the n-th (sorted) database file. */
static void nth_file(const char *dir, size_t n, char *out, size_t cap)
{
    struct dirent **list;
    int k = scandir(dir, &list, NULL, alphasort);
    assert_true(k > 0);
    size_t seen = 0;
    bool found = false;
    for (int i = 0; i < k; i++) {
        size_t l = strlen(list[i]->d_name);
        if (!found && l > 5 && !strcmp(list[i]->d_name + l - 5, ".hsdb") && seen++ == n) {
            snprintf(out, cap, "%s/%s", dir, list[i]->d_name);
            found = true;
        }
        free(list[i]);
    }
    free(list);
    assert_true(found);
}

static void stats(const lw_rules *r, unsigned *h, unsigned *c, unsigned *rej)
{
    lw_rules_cache_stats(r, h, c, rej);
}

static void test_cache_round_trip(void **state)
{
    (void)state;
    static char fresh[1 << 16], cold[1 << 16], warm[1 << 16], again[1 << 16];
    unsigned h, c, rej;

    lw_rules *r0 = load(NULL); /* no cache */
    stats(r0, &h, &c, &rej);
    assert_int_equal(h, 0);
    assert_true(c >= 2); /* the Image database (each rule gated on its suffix) and keywords */
    const unsigned ndbs = c;
    fire_all(r0, fresh, sizeof fresh);
    assert_non_null(strstr(fresh, "r7;"));
    assert_non_null(strstr(fresh, "kw;"));
    lw_rules_free(r0);
    assert_int_equal(count_files(g_cache, ".hsdb"), 0);

    lw_rules *r1 = load(g_cache); /* cold: compiles and writes */
    stats(r1, &h, &c, &rej);
    assert_int_equal(h, 0);
    assert_int_equal(c, ndbs);
    assert_int_equal(r1->hs_cache.written, ndbs);
    assert_int_equal(count_files(g_cache, ".hsdb"), ndbs);
    struct stat sb;
    assert_int_equal(stat(g_cache, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    fire_all(r1, cold, sizeof cold);
    lw_rules_free(r1);

    lw_rules *r2 = load(g_cache); /* warm: every database from the cache */
    stats(r2, &h, &c, &rej);
    assert_int_equal(h, ndbs);
    assert_int_equal(c, 0);
    fire_all(r2, warm, sizeof warm);
    lw_rules_free(r2);
    assert_string_equal(fresh, cold);
    assert_string_equal(fresh, warm);

    /* A damaged file (its database bytes flipped, then cut short) is a miss. */
    char path[700], other[700];
    nth_file(g_cache, 0, path, sizeof path);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, -64, SEEK_END), 0);
    for (int i = 0; i < 64; i++)
        fputc(0x5A, f);
    fclose(f);
    lw_rules *r3 = load(g_cache);
    stats(r3, &h, &c, &rej);
    assert_int_equal(c + h, ndbs);
    fire_all(r3, again, sizeof again);
    assert_string_equal(fresh, again);
    lw_rules_free(r3);
    assert_int_equal(truncate(path, 100), 0);
    r3 = load(g_cache);
    stats(r3, &h, &c, &rej);
    assert_int_equal(c, 1);
    assert_int_equal(rej, 1);
    assert_int_equal(h, ndbs - 1);
    lw_rules_free(r3);

    /* Another database's file under this name (a hash collision): the input differs. */
    nth_file(g_cache, 0, path, sizeof path);
    nth_file(g_cache, 1, other, sizeof other);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", other, path);
    assert_int_equal(system(cmd), 0);
    lw_rules *r4 = load(g_cache);
    stats(r4, &h, &c, &rej);
    assert_int_equal(c, 1);
    assert_int_equal(rej, 1);
    fire_all(r4, again, sizeof again);
    assert_string_equal(fresh, again);
    lw_rules_free(r4);

    /* A file others may write is not trusted. */
    assert_int_equal(chmod(path, 0666), 0);
    lw_rules *r5 = load(g_cache);
    stats(r5, &h, &c, &rej);
    assert_int_equal(c, 1);
    assert_int_equal(rej, 1);
    lw_rules_free(r5);
    assert_int_equal(chmod(path, 0600), 0);

    /* Nor is a folder others may write: nothing read, nothing written. */
    assert_int_equal(chmod(g_cache, 0777), 0);
    lw_rules *r6 = load(g_cache);
    stats(r6, &h, &c, &rej);
    assert_int_equal(h, 0);
    assert_int_equal(c, ndbs);
    assert_int_equal(r6->hs_cache.written, 0);
    lw_rules_free(r6);
    assert_int_equal(chmod(g_cache, 0700), 0);

    /* A changed rule: its database is compiled (a new file), the others still hit. */
    write_rules(1);
    size_t before = count_files(g_cache, ".hsdb");
    lw_rules *r7 = load(g_cache);
    stats(r7, &h, &c, &rej);
    assert_int_equal(c, 1);
    assert_int_equal(h, ndbs - 1);
    assert_int_equal(count_files(g_cache, ".hsdb"), before + 1);
    fire_all(r7, again, sizeof again);
    assert_null(strstr(again, "0.0:r0;")); /* rule 0 now wants tool0v.exe */
    assert_non_null(strstr(again, "0.1:r0;"));
    lw_rules_free(r7);
    write_rules(0);
    assert_int_equal(count_files(g_cache, ".tmp-"), 0); /* no temporary files left */
}

/* The folder stays bounded: past the file bound the least recently used files go (down to
 * three quarters), a hit renews a file, and a crashed writer's old temporary file goes. */
static void test_prune(void **state)
{
    (void)state;
    char parent[320];
    snprintf(parent, sizeof parent, "%s-cache", g_dir);
    assert_true(mkdir(parent, 0700) == 0 || errno == EEXIST);
    assert_true(mkdir(g_cache, 0700) == 0 || errno == EEXIST);
    char path[700];
    time_t base = time(NULL) - 100000;
    for (int i = 0; i < 10; i++) {
        snprintf(path, sizeof path, "%s/%032d.hsdb", g_cache, i);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("x", f);
        fclose(f);
        struct timespec ts[2] = {{base + i * 10, 0}, {base + i * 10, 0}};
        assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    }
    /* File 1 was used just now (a hit renews it). */
    snprintf(path, sizeof path, "%s/%032d.hsdb", g_cache, 1);
    assert_int_equal(utimensat(AT_FDCWD, path, NULL, 0), 0);
    snprintf(path, sizeof path, "%s/.tmp-1-0", g_cache);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    struct timespec old[2] = {{base, 0}, {base, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    snprintf(path, sizeof path, "%s/.tmp-2-0", g_cache); /* a writer at work: kept */
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);

    assert_int_equal(lw_hs_cache_prune(g_cache, 100, 1 << 20), 1); /* within bounds: tmp only */
    assert_int_equal(count_files(g_cache, ".hsdb"), 10);
    assert_int_equal(lw_hs_cache_prune(g_cache, 8, 1 << 20), 4); /* 10 > 8: keep 6 */
    assert_int_equal(count_files(g_cache, ".hsdb"), 6);
    snprintf(path, sizeof path, "%s/%032d.hsdb", g_cache, 1);
    assert_int_equal(access(path, F_OK), 0); /* renewed: kept */
    snprintf(path, sizeof path, "%s/%032d.hsdb", g_cache, 0);
    assert_int_equal(access(path, F_OK), -1); /* oldest: gone */
    assert_int_equal(count_files(g_cache, ".tmp-"), 1);
    assert_int_equal(lw_hs_cache_prune(g_cache, 100, 4), 3); /* 6 bytes > 4: keep 3 */
    assert_int_equal(count_files(g_cache, ".hsdb"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cache_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
