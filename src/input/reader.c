#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define LW_READ_CHUNK (256 * 1024)

/* One read(2) from a descriptor, retried on EINTR, however few bytes it brings: a plain
 * file's fill, and the pull of a descriptor that cannot seek (a pipe, a terminal, a
 * socket), so a live stream's records are handled as they arrive. */
static ssize_t pull_fd(void *ud, char *dst, size_t cap, char *errmsg, size_t errcap)
{
    int fd = (int)(intptr_t)ud;
    ssize_t got;
    do
        got = read(fd, dst, cap);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        lw_fmt(errmsg, errcap, "%s", strerror(errno));
    return got;
}

lw_status lw_reader_open(lw_reader *r, const char *path, size_t max)
{
    memset(r, 0, sizeof(*r));
    r->fd = -1;
    r->max = max < LW_READ_CHUNK ? LW_READ_CHUNK : max;
    int fd;
    if (strcmp(path, "-") == 0) {
        fd = dup(0);
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0)
        return LW_EIO;
    /* Peek the gzip magic without consuming: zlib handles both, we only record which. */
    unsigned char magic[2];
    ssize_t k = pread(fd, magic, 2, 0);
    if (k < 0) {
        /* Not seekable (stdin from a pipe): pull mode, which tells gzip from plain by the
         * first bytes and hands over whatever has arrived (gzread would wait to fill its
         * whole buffer, holding back the alerts of a live feed). */
        lw_status st = lw_reader_open_pull(r, pull_fd, (void *)(intptr_t)fd, max);
        if (st) {
            close(fd);
            return st;
        }
        r->fd = fd; /* closed by lw_reader_close; fill still pulls */
        return LW_OK;
    }
    r->is_gzip = k == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    r->fd = fd;
    r->cap = LW_READ_CHUNK;
    r->buf = malloc(r->cap);
    if (!r->buf) {
        close(fd);
        r->fd = -1;
        return LW_ENOMEM;
    }
    /* A seekable plain file is read with read(2) straight into the window: gzread's
     * transparent mode would copy every byte once more through its own buffer. */
    if (!r->is_gzip)
        return LW_OK;
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        free(r->buf);
        memset(r, 0, sizeof(*r));
        r->fd = -1;
        return LW_ENOMEM;
    }
    gzbuffer(gz, 128 * 1024);
    r->gz = gz;
    return LW_OK;
}

/* Pull mode with a gzip-compressed source: raw bytes staged in in[], inflated into the
 * window.  Concatenated gzip members (as gzip -c a b > ab.gz writes) are read through. */
struct lw_pull_gz {
    z_stream zs;
    bool src_end;     /* the source has no more bytes */
    bool member_open; /* inside a gzip member (its end not seen yet) */
    unsigned char in[64 * 1024];
};

static ssize_t pull_raw(lw_reader *r, char *dst, size_t cap)
{
    return r->pull(r->pull_ud, dst, cap, r->errmsg, sizeof r->errmsg);
}

/* More compressed input: 1 got some, 0 the source ended, -1 error (message set). */
static int gz_refill(lw_reader *r, struct lw_pull_gz *g)
{
    if (g->src_end)
        return 0;
    ssize_t k = pull_raw(r, (char *)g->in, sizeof g->in);
    if (k < 0)
        return -1;
    if (k == 0) {
        g->src_end = true;
        return 0;
    }
    g->zs.next_in = g->in;
    g->zs.avail_in = (uInt)k;
    return 1;
}

/* Inflate up to cap bytes into dst; like pull: count, 0 at the end, -1 on error. */
static ssize_t pull_gz(lw_reader *r, char *dst, size_t cap)
{
    struct lw_pull_gz *g = r->pgz;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    g->zs.next_out = (unsigned char *)dst;
    g->zs.avail_out = (uInt)cap;
    while (g->zs.avail_out > 0) {
        if (g->zs.avail_in == 0) {
            if (g->zs.avail_out < cap)
                break; /* hand over what is inflated before waiting on the source */
            int k = gz_refill(r, g);
            if (k < 0)
                return -1;
            if (k == 0) {
                if (g->member_open && g->zs.avail_out == cap) {
                    lw_fmt(r->errmsg, sizeof r->errmsg, "gzip: unexpected end of compressed data");
                    return -1;
                }
                break; /* clean end, or the bytes so far (the error comes next call) */
            }
        }
        if (!g->member_open) { /* another member follows the one that ended */
            inflateReset(&g->zs);
            g->member_open = true;
        }
        int z = inflate(&g->zs, Z_NO_FLUSH);
        if (z == Z_STREAM_END) {
            g->member_open = false;
            continue;
        }
        if (z == Z_BUF_ERROR && g->zs.avail_in == 0)
            continue; /* needs more input */
        if (z != Z_OK) {
            lw_fmt(r->errmsg, sizeof r->errmsg, "gzip: %s",
                   g->zs.msg ? g->zs.msg : "corrupt compressed data");
            return -1;
        }
    }
    return (ssize_t)(cap - g->zs.avail_out);
}

lw_status lw_reader_open_pull(lw_reader *r, ssize_t (*pull)(void *, char *, size_t, char *, size_t),
                              void *ud, size_t max)
{
    memset(r, 0, sizeof(*r));
    r->fd = -1;
    r->max = max < LW_READ_CHUNK ? LW_READ_CHUNK : max;
    r->cap = LW_READ_CHUNK;
    r->buf = malloc(r->cap);
    struct lw_pull_gz *g = calloc(1, sizeof *g);
    if (!r->buf || !g) {
        free(r->buf);
        free(g);
        r->buf = NULL;
        return LW_ENOMEM;
    }
    r->pull = pull;
    r->pull_ud = ud;
    /* Peek: the first bytes decide between plain and gzip. */
    ssize_t k = pull_raw(r, (char *)g->in, sizeof g->in);
    if (k == 1) { /* a stream may bring one byte first: the magic needs two */
        ssize_t k2 = pull_raw(r, (char *)g->in + 1, sizeof g->in - 1);
        k = k2 < 0 ? k2 : k + k2;
    }
    if (k < 0) {
        r->error = true; /* reported by the caller's first fill check */
        free(g);
        return LW_OK;
    }
    if (k >= 2 && g->in[0] == 0x1f && g->in[1] == 0x8b) {
        if (inflateInit2(&g->zs, 16 + MAX_WBITS) != Z_OK) {
            free(g);
            free(r->buf);
            r->buf = NULL;
            return LW_ENOMEM;
        }
        g->zs.next_in = g->in;
        g->zs.avail_in = (uInt)k;
        g->member_open = true;
        r->is_gzip = true;
        r->pgz = g;
        return LW_OK;
    }
    memcpy(r->buf, g->in, (size_t)k); /* cap >= sizeof g->in */
    r->end = (size_t)k;
    if (k == 0)
        r->eof = true;
    free(g);
    return LW_OK;
}

ssize_t lw_reader_fill(lw_reader *r)
{
    if (r->eof || r->error)
        return 0;
    if (r->beg > 0) {
        size_t n = r->end - r->beg;
        memmove(r->buf, r->buf + r->beg, n);
        r->offset += r->beg;
        r->beg = 0;
        r->end = n;
    }
    if (r->cap - r->end < LW_READ_CHUNK / 4) {
        if (r->cap >= r->max) {
            if (r->end == r->cap)
                return -1;
        } else {
            size_t ncap = r->cap * 2;
            if (ncap > r->max)
                ncap = r->max;
            char *nb = realloc(r->buf, ncap);
            if (!nb) {
                r->error = true;
                lw_fmt(r->errmsg, sizeof r->errmsg, "out of memory growing read buffer");
                return 0;
            }
            r->buf = nb;
            r->cap = ncap;
        }
    }
    size_t room = r->cap - r->end;
    if (room > (size_t)INT32_MAX)
        room = (size_t)INT32_MAX;
    if (r->pull || !r->gz) {
        ssize_t got;
        if (r->pull)
            got = r->pgz ? pull_gz(r, r->buf + r->end, room) : pull_raw(r, r->buf + r->end, room);
        else
            got = pull_fd((void *)(intptr_t)r->fd, r->buf + r->end, room, r->errmsg,
                          sizeof r->errmsg);
        if (got < 0) { /* errmsg set */
            r->error = true;
            return 0;
        }
        if (got == 0) {
            r->eof = true;
            return 0;
        }
        r->end += (size_t)got;
        return got;
    }
    int k = gzread((gzFile)r->gz, r->buf + r->end, (unsigned)room);
    if (k < 0) {
        int code = 0;
        const char *m = gzerror((gzFile)r->gz, &code);
        r->error = true;
        lw_fmt(r->errmsg, sizeof r->errmsg, "%s", code == Z_ERRNO ? strerror(errno) : m);
        return 0;
    }
    if (k == 0) {
        /* A truncated gzip stream reads as EOF with Z_BUF_ERROR: report it. */
        int code = 0;
        const char *m = gzerror((gzFile)r->gz, &code);
        if (code != Z_OK && code != Z_STREAM_END) {
            r->error = true;
            lw_fmt(r->errmsg, sizeof r->errmsg, "%s", m);
        }
        r->eof = true;
        return 0;
    }
    r->end += (size_t)k;
    return k;
}

void lw_reader_close(lw_reader *r)
{
    if (r->pgz) {
        inflateEnd(&r->pgz->zs);
        free(r->pgz);
    }
    if (r->gz)
        gzclose((gzFile)r->gz); /* closes fd */
    else if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    memset(r, 0, sizeof(*r));
    r->fd = -1;
}
