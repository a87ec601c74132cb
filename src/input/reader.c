#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define LW_READ_CHUNK (256 * 1024)

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
     * transparent mode would copy every byte once more through its own buffer.  Gzip, and
     * anything we could not peek (a pipe on stdin may still be gzip), goes through zlib. */
    if (k >= 0 && !r->is_gzip)
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
    if (!r->gz) {
        ssize_t got;
        do
            got = read(r->fd, r->buf + r->end, room);
        while (got < 0 && errno == EINTR);
        if (got < 0) {
            r->error = true;
            lw_fmt(r->errmsg, sizeof r->errmsg, "%s", strerror(errno));
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
    if (r->gz)
        gzclose((gzFile)r->gz); /* closes fd */
    else if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    memset(r, 0, sizeof(*r));
    r->fd = -1;
}
