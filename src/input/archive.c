/*
 * Archive members as inputs (archive.h), on libarchive.
 *
 * Only the formats named in archive.h are enabled (not libarchive's "all", which would
 * also claim mtree or raw text), and every compression filter, so a .tar.gz or .tar.xz
 * opens directly.  libarchive reads zip through its central directory when the file is
 * seekable, which is what archive_read_open_filename gives it.
 */
#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "../core/str.h"

struct lw_archive {
    struct archive *ar;
};

bool lw_archive_sniff(const unsigned char *h, size_t n)
{
    if (n >= 4 && h[0] == 'P' && h[1] == 'K' &&
        ((h[2] == 3 && h[3] == 4) || (h[2] == 5 && h[3] == 6) || (h[2] == 7 && h[3] == 8)))
        return true; /* zip: local file header, empty archive, spanned marker */
    static const unsigned char sz[6] = {'7', 'z', 0xBC, 0xAF, 0x27, 0x1C};
    if (n >= 6 && memcmp(h, sz, 6) == 0)
        return true;
    if (n >= 6 && memcmp(h, "Rar!\x1a\x07", 6) == 0)
        return true;
    if (n >= 262 && memcmp(h + 257, "ustar", 5) == 0)
        return true; /* POSIX and GNU tar headers */
    return false;
}

lw_status lw_archive_open(const char *path, lw_archive **out, char *err, size_t errcap)
{
    *out = NULL;
    lw_archive *a = calloc(1, sizeof *a);
    if (!a || !(a->ar = archive_read_new())) {
        free(a);
        return LW_ENOMEM;
    }
    archive_read_support_filter_all(a->ar);
    archive_read_support_format_zip(a->ar);
    archive_read_support_format_7zip(a->ar);
    archive_read_support_format_rar(a->ar);
    archive_read_support_format_rar5(a->ar);
    archive_read_support_format_tar(a->ar);
    if (archive_read_open_filename(a->ar, path, 256 * 1024) != ARCHIVE_OK) {
        const char *m = archive_error_string(a->ar);
        lw_fmt(err, errcap, "%s", m ? m : "cannot open archive");
        lw_archive_close(a);
        return LW_EIO;
    }
    *out = a;
    return LW_OK;
}

int lw_archive_next(lw_archive *a, const char **name, char *err, size_t errcap)
{
    for (;;) {
        struct archive_entry *e = NULL;
        int r = archive_read_next_header(a->ar, &e);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r < ARCHIVE_WARN) { /* ARCHIVE_WARN still gives a usable entry */
            const char *m = archive_error_string(a->ar);
            lw_fmt(err, errcap, "%s", m ? m : "damaged archive");
            return -1;
        }
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        const char *nm = archive_entry_pathname_utf8(e);
        if (!nm)
            nm = archive_entry_pathname(e);
        *name = nm ? nm : "?";
        return 1;
    }
}

static ssize_t pull(void *ud, char *dst, size_t cap, char *err, size_t errcap)
{
    lw_archive *a = ud;
    la_ssize_t k;
    do
        k = archive_read_data(a->ar, dst, cap);
    while (k == ARCHIVE_RETRY);
    if (k < 0) { /* also ARCHIVE_WARN: a member cut short is reported, not taken as whole */
        const char *m = archive_error_string(a->ar);
        lw_fmt(err, errcap, "%s", m ? m : "cannot read archive member");
        return -1;
    }
    return (ssize_t)k;
}

char *lw_archive_member_path(const char *archive, const char *member)
{
    size_t an = strlen(archive), mn = strlen(member);
    if (an > SIZE_MAX - mn - 2)
        return NULL;
    char *p = malloc(an + mn + 2);
    if (!p)
        return NULL;
    memcpy(p, archive, an);
    p[an] = ':';
    memcpy(p + an + 1, member, mn + 1);
    return p;
}

lw_status lw_archive_reader(lw_archive *a, lw_reader *r, size_t max)
{
    return lw_reader_open_pull(r, pull, a, max);
}

lw_status lw_archive_read_member(lw_archive *a, size_t max, char **buf, size_t *n, char *err,
                                 size_t errcap)
{
    size_t cap = 16 * 1024, len = 0;
    char *b = malloc(cap + 1);
    if (!b)
        return LW_ENOMEM;
    for (;;) {
        if (len == cap) {
            if (cap > max) {
                free(b);
                lw_fmt(err, errcap, "larger than %zu bytes", max);
                return LW_ELIMIT;
            }
            char *nb = realloc(b, cap * 2 + 1);
            if (!nb) {
                free(b);
                return LW_ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t k = pull(a, b + len, cap - len, err, errcap);
        if (k < 0) {
            free(b);
            return LW_EIO;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    if (len > max) {
        free(b);
        lw_fmt(err, errcap, "larger than %zu bytes", max);
        return LW_ELIMIT;
    }
    b[len] = '\0';
    *buf = b;
    *n = len;
    return LW_OK;
}

void lw_archive_close(lw_archive *a)
{
    if (!a)
        return;
    if (a->ar)
        archive_read_free(a->ar);
    free(a);
}
