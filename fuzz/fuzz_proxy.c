/*
 * libFuzzer target for the proxy decoder (src/input/input-proxy.c).
 *
 * The bytes are sniffed, then decoded as a file (a memfd opened by path) twice: with a
 * small record limit and window, so the record-too-large and refill paths run, and with a
 * want filter that admits nothing, so the partial (fields skipped) path runs too.  Every
 * byte handed out is touched (ASan sees stale views) and the decoder must reach EOF in
 * fewer calls than there are bytes.  See fuzz_net_decoder() in fuzz-input.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-input.h"

extern const lw_decoder lw_decoder_proxy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_net_decoder(&lw_decoder_proxy, "fuzz_proxy", data, size);
}
