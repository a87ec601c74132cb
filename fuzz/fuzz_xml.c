/* libFuzzer target: xml-event on the input directly, then the XML decoder over the same
 * bytes as a file (memfd), so record splitting and resync are exercised too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "input/input.h"
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

    int fd = memfd_create("fuzz-xml", MFD_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, data, size) == (ssize_t)size) {
            char path[64];
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
            lw_input in;
            memset(&in, 0, sizeof in);
            in.path = path;
            in.max_record = 4096; /* small, so the too-large path runs */
            if (lw_reader_open(&in.rd, path, 8192) == LW_OK) {
                lw_decoder_xml.sniff(data, size);
                if (lw_decoder_xml.open(&in) == LW_OK) {
                    for (int i = 0; i < 100000; i++) {
                        lw_event_reset(&ev);
                        lw_status st = lw_decoder_xml.next(&in, &ev);
                        if (st != LW_OK && st != LW_EFORMAT)
                            break;
                    }
                    lw_decoder_xml.close(&in);
                }
                lw_reader_close(&in.rd);
            }
        }
        close(fd);
    }
    lw_event_destroy(&ev);
    return 0;
}
