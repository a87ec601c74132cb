/* libFuzzer target: the native EVTX decoder (src/input/evtx-native.c) over the input as a
 * stream (a memfd, read through lw_reader like any file), twice: every field built, then
 * with a want filter that admits nothing (the partial path) and chunk slack space read.
 * Each event is normalized and every byte it hands out touched; the decoder must stop
 * within size + 3 calls (each call consumes at least one byte).  Leak detection stays on:
 * the native decoder owns all its memory.  libevtx (the oracle, lw_decoder_evtx_libevtx)
 * is not fuzzed here: it leaks on malformed binary XML and its crashes are not ours to
 * fix. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz-input.h"
#include "input/evtx-native.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (4u << 20))
        return 0;
    (void)lw_decoder_evtx_native.sniff(data, size);
    int fd = fuzz_memfd("evtx", data, size);
    if (fd < 0)
        return 0;
    char path[64];
    fuzz_fd_path(fd, path, sizeof path);
    static const lw_want none = {0};
    /* a small record limit, so the rendered-XML cap is reached too */
    fuzz_decode_opts o = {.max_record = 16384,
                          .window = 1 << 20,
                          .normalize = true,
                          .touch = true,
                          .max_calls = size + 3,
                          .must_stop = true};
    fuzz_decode(&lw_decoder_evtx_native, path, &o);
    o.want = &none;
    o.max_record = 1 << 20;
    o.evtx_slack = true; /* and chunk slack space, whose records come after the live ones */
    fuzz_decode(&lw_decoder_evtx_native, path, &o);
    close(fd);
    return 0;
}
