/* Compiled prefilter databases kept on disk: see hs-cache.h. */
#include "hs-cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/str.h"

#define MAGIC        "LWHSDB1\n"
#define MAGIC_LEN    8
#define MAX_DB_BYTES ((uint64_t)256 << 20) /* larger files are not read */
#define MAX_PATH_LEN 4096

/* ---- the compile input, serialized (also the file's head) ------------------------------ */

static void put_u32(lw_buf *b, uint32_t v)
{
    lw_buf_put(b, &v, sizeof v);
}

static void put_u64(lw_buf *b, uint64_t v)
{
    lw_buf_put(b, &v, sizeof v);
}

/* Magic, Hyperscan version, mode and every literal with its flags and id. */
static bool input_blob(lw_buf *b, const char *const *exprs, const unsigned *flags,
                       const unsigned *ids, const size_t *lens, unsigned n)
{
    const char *ver = hs_version();
    size_t vn = strlen(ver);
    lw_buf_put(b, MAGIC, MAGIC_LEN);
    put_u32(b, (uint32_t)vn);
    lw_buf_put(b, ver, vn);
    put_u32(b, HS_MODE_BLOCK);
    put_u32(b, n);
    for (unsigned i = 0; i < n; i++) {
        put_u32(b, flags[i]);
        put_u32(b, ids[i]);
        put_u64(b, lens[i]);
        lw_buf_put(b, exprs[i], lens[i]);
    }
    return lw_buf_ok(b);
}

/* 128 bits of the input, for the file name only (the content is compared on load). */
static void hash128(const char *cp, size_t n, uint64_t out[2])
{
    const unsigned char *p = (const unsigned char *)cp;
    uint64_t h1 = 0x243F6A8885A308D3ULL ^ n, h2 = 0x13198A2E03707344ULL + n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h1 = (h1 ^ w) * 0x9E3779B97F4A7C15ULL;
        h1 ^= h1 >> 31;
        h2 = (h2 + w) * 0xC2B2AE3D27D4EB4FULL;
        h2 ^= h2 >> 29;
        h2 += h1;
    }
    uint64_t w = 0;
    memcpy(&w, p + i, n - i);
    h1 = (h1 ^ w ^ (uint64_t)(n - i) << 56) * 0x9E3779B97F4A7C15ULL;
    h2 = (h2 + w) * 0xC2B2AE3D27D4EB4FULL;
    for (int r = 0; r < 2; r++) {
        h1 ^= h1 >> 33;
        h1 *= 0xff51afd7ed558ccdULL;
        h2 ^= h2 >> 33;
        h2 *= 0xc4ceb9fe1a85ec53ULL;
        h1 += h2;
        h2 += h1;
    }
    out[0] = h1 ^ (h1 >> 33);
    out[1] = h2 ^ (h2 >> 33);
}

/* ---- the folder ------------------------------------------------------------------------ */

/* Owned by us and writable by no one else. */
static bool safe_mode(const struct stat *sb)
{
    return sb->st_uid == geteuid() && !(sb->st_mode & (S_IWGRP | S_IWOTH));
}

bool lw_hs_cache_dir_ready(const char *dir)
{
    char path[MAX_PATH_LEN];
    if (!dir || !lw_fmt(path, sizeof path, "%s", dir) || !path[0])
        return false;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        for (char *s = path + 1; *s; s++) {
            if (*s != '/')
                continue;
            *s = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST)
                return false;
            *s = '/';
        }
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return false;
        if (stat(path, &sb) != 0)
            return false;
    }
    return S_ISDIR(sb.st_mode) && safe_mode(&sb);
}

/* ---- load and store ---------------------------------------------------------------- */

/* The database of the file at path when it holds exactly this input; NULL otherwise
 * (*rejected: a file was there but not usable). */
static hs_database_t *load(const char *path, const lw_buf *in, bool *rejected)
{
    *rejected = false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    *rejected = true;
    hs_database_t *db = NULL;
    unsigned char *buf = NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || !safe_mode(&sb) || sb.st_size < 0)
        goto out;
    uint64_t size = (uint64_t)sb.st_size;
    if (size < in->n + 8 || size - in->n - 8 > MAX_DB_BYTES)
        goto out;
    buf = malloc((size_t)size);
    if (!buf)
        goto out;
    size_t got = 0;
    while (got < size) {
        ssize_t k = read(fd, buf + got, (size_t)size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            goto out;
        got += (size_t)k;
    }
    uint64_t dbn;
    memcpy(&dbn, buf + in->n, 8);
    if (memcmp(buf, in->p, in->n) != 0 || dbn != size - in->n - 8)
        goto out;
    if (hs_deserialize_database((const char *)buf + in->n + 8, (size_t)dbn, &db) != HS_SUCCESS)
        db = NULL;
    else
        *rejected = false;
out:
    free(buf);
    close(fd);
    return db;
}

static bool write_all(int fd, const void *p, size_t n)
{
    const unsigned char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        c += k;
        n -= (size_t)k;
    }
    return true;
}

static bool store(const char *dir, const char *path, const lw_buf *in, const hs_database_t *db)
{
    char *ser = NULL;
    size_t sn = 0;
    if (hs_serialize_database(db, &ser, &sn) != HS_SUCCESS)
        return false;
    static unsigned seq;
    char tmp[MAX_PATH_LEN];
    bool ok = lw_fmt(tmp, sizeof tmp, "%s/.tmp-%ld-%u", dir, (long)getpid(), seq++);
    int fd = ok ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
    if (fd < 0) {
        free(ser);
        return false;
    }
    uint64_t n64 = sn;
    ok = write_all(fd, in->p, in->n) && write_all(fd, &n64, 8) && write_all(fd, ser, sn);
    free(ser);
    if (close(fd) != 0)
        ok = false;
    if (ok && rename(tmp, path) == 0)
        return true;
    unlink(tmp);
    return false;
}

hs_error_t lw_hs_cache_compile(const char *dir, const char *const *exprs, const unsigned *flags,
                               const unsigned *ids, const size_t *lens, unsigned n,
                               hs_database_t **db, hs_compile_error_t **err, lw_hs_cache_stats *st)
{
    *db = NULL;
    *err = NULL;
    lw_buf in;
    lw_buf_init(&in);
    char path[MAX_PATH_LEN];
    bool cache = dir && dir[0] && input_blob(&in, exprs, flags, ids, lens, n);
    if (cache) {
        uint64_t h[2];
        hash128(in.p, in.n, h);
        cache = lw_fmt(path, sizeof path, "%s/%016llx%016llx.hsdb", dir, (unsigned long long)h[0],
                       (unsigned long long)h[1]);
    }
    if (cache) {
        bool rejected;
        *db = load(path, &in, &rejected);
        if (rejected)
            st->rejected++;
        if (*db) {
            st->hits++;
            (void)utimensat(AT_FDCWD, path, NULL, 0); /* recently used: pruned last */
            lw_buf_free(&in);
            return HS_SUCCESS;
        }
    }
    hs_error_t e = hs_compile_lit_multi(exprs, flags, ids, lens, n, HS_MODE_BLOCK, NULL, db, err);
    st->compiled++;
    if (e == HS_SUCCESS && cache && store(dir, path, &in, *db))
        st->written++;
    lw_buf_free(&in);
    return e;
}

/* ---- keeping the folder bounded ------------------------------------------------------ */

typedef struct cfile {
    char name[80];
    int64_t mtime_ns;
    uint64_t size;
} cfile;

static int cmp_age(const void *a, const void *b)
{
    const cfile *x = a, *y = b;
    if (x->mtime_ns != y->mtime_ns)
        return x->mtime_ns < y->mtime_ns ? -1 : 1;
    return strcmp(x->name, y->name);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

unsigned lw_hs_cache_prune(const char *dir, size_t max_files, uint64_t max_bytes)
{
    DIR *d = dir && dir[0] ? opendir(dir) : NULL;
    if (!d)
        return 0;
    cfile *v = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    unsigned deleted = 0;
    time_t now = time(NULL);
    char path[MAX_PATH_LEN];
    struct dirent *de;
    while ((de = readdir(d))) {
        bool db = ends_with(de->d_name, ".hsdb"), tmp = strncmp(de->d_name, ".tmp-", 5) == 0;
        if ((!db && !tmp) || strlen(de->d_name) >= sizeof v->name ||
            !lw_fmt(path, sizeof path, "%s/%s", dir, de->d_name))
            continue;
        struct stat sb;
        if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (tmp) {
            if (now - sb.st_mtime > 3600 && unlink(path) == 0)
                deleted++;
            continue;
        }
        if (n == cap) {
            cfile *nv = lw_grow(v, &cap, sizeof *nv, 256);
            if (!nv)
                break;
            v = nv;
        }
        memcpy(v[n].name, de->d_name, strlen(de->d_name) + 1);
        v[n].mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
        v[n].size = (uint64_t)sb.st_size;
        total += v[n].size;
        n++;
    }
    closedir(d);
    if (n > max_files || total > max_bytes) {
        qsort(v, n, sizeof(*v), cmp_age);
        size_t keep_files = max_files / 4 * 3;
        uint64_t keep_bytes = max_bytes / 4 * 3;
        for (size_t i = 0; i < n && (n - i > keep_files || total > keep_bytes); i++) {
            if (lw_fmt(path, sizeof path, "%s/%s", dir, v[i].name) && unlink(path) == 0)
                deleted++;
            total -= v[i].size;
        }
    }
    free(v);
    return deleted;
}
