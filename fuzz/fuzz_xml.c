/* libFuzzer target: xml-event on the input directly, then the XML decoder over the same
 * bytes as a file (memfd), so record splitting and resync are exercised too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-input.h"
#include "input/xml-event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_event ev;
    lw_event_init(&ev);
    lw_xml_error err;
    /* exact-size copy: any read past the end is an ASan report */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    for (unsigned flags = 0; flags < 2; flags++) {
        lw_event_reset(&ev);
        lw_status st = lw_xml_event_parse(copy, size, &ev, flags, &err);
        if (st == LW_EFORMAT && err.offset > size)
            abort();
    }
    free(copy);
    lw_event_destroy(&ev);

    int fd = fuzz_memfd("fuzz-xml", data, size);
    if (fd >= 0) {
        char path[64];
        fuzz_fd_path(fd, path, sizeof path);
        lw_decoder_xml.sniff(data, size);
        /* max_record small, so the too-large path runs */
        const fuzz_decode_opts o = {.max_record = 4096, .window = 8192, .max_calls = 100000};
        fuzz_decode(&lw_decoder_xml, path, &o);
        close(fd);
    }
    return 0;
}
