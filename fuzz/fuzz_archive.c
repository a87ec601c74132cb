/*
 * libFuzzer target for archives (src/input/archive.c) and the reader's pull mode with
 * gzip members (src/input/reader.c).
 *
 * The bytes are read twice: as an archive file (a memfd opened by path, as the hunt opens
 * it), every member streamed to its end through an lw_reader; and as one member's bytes
 * pulled in chunks of varying size (the first byte picks the sizes), so the gzip inflater
 * sees members, concatenations and cuts at every boundary.  Every byte is touched, and
 * each loop must end within a bound derived from the input size.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-input.h"
#include "input/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct mem_src {
    const uint8_t *p;
    size_t n, off;
    unsigned step; /* largest chunk handed out per pull */
} mem_src;

static ssize_t mem_pull(void *ud, char *dst, size_t cap, char *err, size_t errcap)
{
    mem_src *m = ud;
    (void)err;
    (void)errcap;
    size_t k = m->n - m->off;
    if (k > cap)
        k = cap;
    if (k > m->step)
        k = m->step;
    memcpy(dst, m->p + m->off, k);
    m->off += k;
    return (ssize_t)k;
}

static void drain(lw_reader *rd)
{
    volatile unsigned sum = 0;
    /* Each fill adds at least one byte or ends; inflation can add many per input byte, so
     * bound the calls, not the bytes (gzip expands at most ~1032x). */
    for (unsigned calls = 0; calls < 1u << 20; calls++) {
        const char *p = lw_reader_data(rd);
        size_t av = lw_reader_avail(rd);
        for (size_t i = 0; i < av; i++)
            sum += (unsigned char)p[i];
        lw_reader_consume(rd, av);
        if (lw_reader_fill(rd) <= 0)
            break;
    }
    (void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_memfd("fuzz_archive", data, size);
    if (fd >= 0) {
        char path[64], err[256];
        fuzz_fd_path(fd, path, sizeof path);
        lw_archive *a = NULL;
        if (lw_archive_open(path, &a, err, sizeof err) == LW_OK) {
            const char *name;
            for (unsigned m = 0; m < 64 && lw_archive_next(a, &name, err, sizeof err) == 1; m++) {
                lw_reader rd;
                if (lw_archive_reader(a, &rd, 1 << 20) != LW_OK)
                    break;
                drain(&rd);
                lw_reader_close(&rd);
            }
            lw_archive_close(a);
        }
        close(fd);
    }
    mem_src m = {data, size, 0, size ? 1u + (unsigned)data[0] * 61u : 1u};
    lw_reader rd;
    if (lw_reader_open_pull(&rd, mem_pull, &m, 1 << 20) == LW_OK) {
        drain(&rd);
        lw_reader_close(&rd);
    }
    return 0;
}
