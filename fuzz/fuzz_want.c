/*
 * libFuzzer target for partial decoding (lw_want): the same bytes are decoded by the JSON
 * and the XML decoder once with every event wanted and once with only Sysmon 11 wanted.
 * The run must be the same record for record (ok / skipped, record number, system
 * properties), and a partial event must carry no fields; otherwise abort.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/event.h"
#include "fuzz-input.h"
#include "input/input.h"
#include "input/json-scan.h"
#include "input/xml-event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STEPS 4096

typedef struct step {
    lw_status st;
    uint64_t record;
    int32_t event_id;
    size_t chan_n, host_n;
    int64_t time_ms;
} step;

static size_t run(const lw_decoder *dec, const char *path, size_t size, const lw_want *want,
                  step *out)
{
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.max_record = 4096;
    in.want = want;
    size_t n = 0;
    if (lw_reader_open(&in.rd, path, 8192) != LW_OK)
        return 0;
    if (dec->open(&in) == LW_OK) {
        lw_event ev;
        lw_event_init(&ev);
        for (size_t guard = 0; guard <= size + 2 && n < MAX_STEPS; guard++) {
            lw_event_reset(&ev);
            ev.src_path = path;
            lw_status st = dec->next(&in, &ev);
            if (st == LW_OK && ev.partial && ev.nfields != 0)
                abort();
            if (st == LW_OK && ev.partial && !want)
                abort();
            step *s = &out[n++];
            memset(s, 0, sizeof *s); /* padding too: steps are compared with memcmp */
            s->st = st;
            if (st == LW_OK) {
                s->record = ev.record;
                s->event_id = ev.event_id;
                s->chan_n = ev.channel.n;
                s->host_n = ev.host.n;
                s->time_ms = ev.time_ms;
            }
            if (st != LW_OK && st != LW_EFORMAT)
                break;
            if (guard == size + 2)
                abort();
        }
        lw_event_destroy(&ev);
    }
    dec->close(&in);
    lw_reader_close(&in.rd);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static step a[MAX_STEPS], b[MAX_STEPS];
    if (size > (1u << 16))
        return 0;
    int fd = fuzz_memfd("fuzz_want", data, size);
    if (fd < 0)
        return 0;
    char path[64];
    fuzz_fd_path(fd, path, sizeof path);
    const lw_want want = {.cats = 1ull << LW_CAT_FILE_EVENT};
    const lw_decoder *decs[] = {&lw_decoder_json, &lw_decoder_xml};
    for (size_t d = 0; d < 2; d++) {
        size_t na = run(decs[d], path, size, NULL, a);
        size_t nb = run(decs[d], path, size, &want, b);
        if (na != nb || memcmp(a, b, na * sizeof *a) != 0)
            abort();
    }
    close(fd);
    return 0;
}
