/*
 * Shared plumbing of the decoder fuzz targets (fuzz_eve.c, fuzz_proxy.c, fuzz_zeek.c,
 * fuzz_json.c, fuzz_xml.c, fuzz_evtx.c, fuzz_want.c): put the fuzz input in a file, open an
 * lw_input on it the way the hunt does, and drive a decoder to the end.
 *
 * Header-only (static inline) on purpose: CMake turns every fuzz/fuzz_*.c into its own
 * libFuzzer target, so a shared .c file would need CMake changes; a header needs none.
 */
#ifndef LW_FUZZ_INPUT_H
#define LW_FUZZ_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/event.h"
#include "input/input.h"

/* An anonymous file (memfd named name) holding data[0..size).  Returns its descriptor (the
 * caller closes it), or -1 when it cannot be created or written. */
static inline int fuzz_memfd(const char *name, const uint8_t *data, size_t size)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The path that opens fd ("/proc/self/fd/N"), so decoders read it like any named file. */
static inline void fuzz_fd_path(int fd, char *path, size_t cap)
{
    snprintf(path, cap, "/proc/self/fd/%d", fd);
}

/* Read every byte of every view ev hands out (field names and values, host, channel), so
 * ASan reports a view into freed or stale memory. */
static inline void fuzz_touch_event(const lw_event *ev)
{
    volatile unsigned sum = 0;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        for (size_t k = 0; k < ev->fields[i].name.n; k++)
            sum += (unsigned char)ev->fields[i].name.p[k];
        for (size_t k = 0; k < ev->fields[i].value.n; k++)
            sum += (unsigned char)ev->fields[i].value.p[k];
    }
    for (size_t k = 0; k < ev->host.n; k++)
        sum += (unsigned char)ev->host.p[k];
    for (size_t k = 0; k < ev->channel.n; k++)
        sum += (unsigned char)ev->channel.p[k];
    (void)sum;
}

/* How fuzz_decode() drives a decoder. */
typedef struct fuzz_decode_opts {
    size_t max_record;   /* lw_input.max_record: small, so the record-too-large path runs */
    size_t window;       /* reader window for lw_reader_open() */
    const lw_want *want; /* partial decoding filter, or NULL for every field */
    bool normalize;      /* lw_event_normalize() each event; stop at the first failure */
    bool touch;          /* fuzz_touch_event() each event */
    size_t max_calls;    /* next() calls at most */
    bool must_stop;      /* abort() if the decoder has not stopped after max_calls calls */
    bool evtx_slack;     /* lw_input.evtx_slack: EVTX chunk slack space read too */
} fuzz_decode_opts;

/*
 * Open path as an lw_input, run dec over it until next() returns anything but LW_OK or
 * LW_EFORMAT (or max_calls calls), and close everything.  dec->close() runs even when
 * open() failed: a failed open may leave state behind, and every close() takes NULL state.
 * With must_stop, max_calls is the progress bound (each next() consumes at least one byte,
 * so size + 3 calls must reach the end of size bytes): reaching it is a bug, hence abort().
 */
static inline void fuzz_decode(const lw_decoder *dec, const char *path, const fuzz_decode_opts *o)
{
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.max_record = o->max_record;
    in.want = o->want;
    in.evtx_slack = o->evtx_slack;
    if (lw_reader_open(&in.rd, path, o->window) != LW_OK)
        return;
    if (dec->open(&in) == LW_OK) {
        lw_event ev;
        lw_event_init(&ev);
        for (size_t calls = 0;; calls++) {
            if (calls == o->max_calls) {
                if (o->must_stop)
                    abort();
                break;
            }
            lw_event_reset(&ev);
            ev.src_path = path;
            lw_status st = dec->next(&in, &ev);
            if (st == LW_OK) {
                if (o->normalize && lw_event_normalize(&ev) != LW_OK)
                    break;
                if (o->touch)
                    fuzz_touch_event(&ev);
            } else if (st != LW_EFORMAT) {
                break;
            }
        }
        lw_event_destroy(&ev);
    }
    dec->close(&in);
    lw_reader_close(&in.rd);
}

/*
 * The whole target for a line-based network decoder (eve, zeek, proxy): sniff the bytes,
 * then decode them from a memfd twice, with a small record limit and window (so the
 * record-too-large and refill paths run), once with every field and once with a want filter
 * that admits nothing (so the partial path runs).  Every event is normalized and every byte
 * handed out touched; the decoder must stop within size + 3 calls.
 */
static inline int fuzz_net_decoder(const lw_decoder *dec, const char *name, const uint8_t *data,
                                   size_t size)
{
    if (size > (1u << 20))
        return 0;
    (void)dec->sniff(data, size);
    int fd = fuzz_memfd(name, data, size);
    if (fd < 0)
        return 0;
    char path[64];
    fuzz_fd_path(fd, path, sizeof path);
    static const lw_want none = {0};
    fuzz_decode_opts o = {.max_record = 4096,
                          .window = 8192,
                          .normalize = true,
                          .touch = true,
                          .max_calls = size + 3,
                          .must_stop = true};
    fuzz_decode(dec, path, &o);
    o.want = &none;
    fuzz_decode(dec, path, &o);
    close(fd);
    return 0;
}

#endif
