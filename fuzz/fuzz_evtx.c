/* libFuzzer target: the EVTX decoder (libevtx + xml-event) over the input written to a
 * temporary file.  Crashes inside libevtx itself are libevtx's (see the report). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz-input.h"
#include "input/xml-event.h" /* lw_decoder_evtx */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/lw-fuzz-evtx-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    ssize_t w = write(fd, data, size);
    close(fd);
    if (w == (ssize_t)size) {
        lw_decoder_evtx.sniff(data, size);
        const fuzz_decode_opts o = {.max_record = 1 << 20, .window = 1 << 20, .max_calls = 100000};
        fuzz_decode(&lw_decoder_evtx, path, &o);
    }
    unlink(path);
    return 0;
}
