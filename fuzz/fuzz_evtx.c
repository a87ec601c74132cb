/* libFuzzer target: the EVTX decoder (libevtx + xml-event) over the input written to a
 * temporary file.  Crashes inside libevtx itself are libevtx's (see the report). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/input.h"
#include "input/xml-event.h"

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
        lw_input in;
        memset(&in, 0, sizeof in);
        in.path = path;
        in.max_record = 1 << 20;
        if (lw_reader_open(&in.rd, path, 1 << 20) == LW_OK) {
            lw_decoder_evtx.sniff(data, size);
            if (lw_decoder_evtx.open(&in) == LW_OK) {
                lw_event ev;
                lw_event_init(&ev);
                for (int i = 0; i < 100000; i++) {
                    lw_event_reset(&ev);
                    lw_status st = lw_decoder_evtx.next(&in, &ev);
                    if (st != LW_OK && st != LW_EFORMAT)
                        break;
                }
                lw_event_destroy(&ev);
                lw_decoder_evtx.close(&in);
            }
            lw_reader_close(&in.rd);
        }
    }
    unlink(path);
    return 0;
}
