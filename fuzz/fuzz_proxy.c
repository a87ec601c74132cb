/*
 * libFuzzer target for the proxy decoder (src/input/input-proxy.c).
 *
 * The bytes are sniffed, then decoded as a file (a memfd opened by path) twice: with a
 * small record limit and window, so the record-too-large and refill paths run, and with a
 * want filter that admits nothing, so the partial (fields skipped) path runs too.  Every
 * byte handed out is touched (ASan sees stale views) and the decoder must reach EOF in
 * fewer calls than there are bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/event.h"
#include "input/input.h"

extern const lw_decoder lw_decoder_proxy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode(int fd, size_t size, const lw_want *want)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.max_record = 4096;
    in.want = want;
    if (lw_reader_open(&in.rd, path, 8192) != LW_OK)
        return;
    if (lw_decoder_proxy.open(&in) == LW_OK) {
        lw_event ev;
        lw_event_init(&ev);
        for (size_t guard = 0;; guard++) {
            if (guard > size + 2)
                abort(); /* every call consumes at least one byte */
            lw_event_reset(&ev);
            ev.src_path = path;
            lw_status st = lw_decoder_proxy.next(&in, &ev);
            if (st == LW_OK) {
                if (lw_event_normalize(&ev) != LW_OK)
                    break;
                volatile unsigned sum = 0;
                for (uint32_t i = 0; i < ev.nfields; i++) {
                    for (size_t k = 0; k < ev.fields[i].name.n; k++)
                        sum += (unsigned char)ev.fields[i].name.p[k];
                    for (size_t k = 0; k < ev.fields[i].value.n; k++)
                        sum += (unsigned char)ev.fields[i].value.p[k];
                }
                for (size_t k = 0; k < ev.host.n; k++)
                    sum += (unsigned char)ev.host.p[k];
                for (size_t k = 0; k < ev.channel.n; k++)
                    sum += (unsigned char)ev.channel.p[k];
                (void)sum;
            } else if (st != LW_EFORMAT) {
                break;
            }
        }
        lw_event_destroy(&ev);
    }
    lw_decoder_proxy.close(&in);
    lw_reader_close(&in.rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    (void)lw_decoder_proxy.sniff(data, size);
    int fd = memfd_create("fuzz_proxy", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    decode(fd, size, NULL);
    static const lw_want none = {0};
    decode(fd, size, &none);
    close(fd);
    return 0;
}
