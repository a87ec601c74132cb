/*
 * Shared by the EVTX unit tests (test_evtx.c, test_evtx_native.c): decode a file with one
 * decoder into copies of its records, so two decoders (or a decoder and evtx_dump's JSON)
 * can be compared record by record.  Header-only: CMake makes each tests/unit/test_*.c its
 * own program.
 */
#ifndef LW_TEST_EVTX_DECODED_H
#define LW_TEST_EVTX_DECODED_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "input/evtx-native.h"
#include "input/input.h"
#include "input/xml-event.h"

/* One decoded record, copied out of the event. */
typedef struct rec {
    uint64_t id;
    int32_t event_id;
    int64_t time_ms;
    char *host, *channel, *provider;
    size_t nf;
    char **names, **values;
} rec;

typedef struct decoded {
    rec *r;
    size_t n, cap;
    int skipped;
    lw_status open_status, end_status;
    lw_evtx_native_stats st; /* native only */
} decoded;

static inline char *dupn(lw_str s)
{
    char *p = malloc(s.n + 1);
    memcpy(p, s.p ? s.p : "", s.n);
    p[s.n] = '\0';
    return p;
}

static inline void decoded_free(decoded *d)
{
    for (size_t i = 0; i < d->n; i++) {
        rec *r = &d->r[i];
        free(r->host);
        free(r->channel);
        free(r->provider);
        for (size_t k = 0; k < r->nf; k++) {
            free(r->names[k]);
            free(r->values[k]);
        }
        free(r->names);
        free(r->values);
    }
    free(d->r);
    memset(d, 0, sizeof *d);
}

/* Decode path with dec; slack: read chunk slack space too (lw_input evtx_slack). */
static inline void decode_with_slack(const lw_decoder *dec, const char *path, decoded *d,
                                     bool slack)
{
    memset(d, 0, sizeof *d);
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.evtx_slack = slack;
    in.max_record = 16 << 20;
    assert_int_equal(lw_reader_open(&in.rd, path, 1 << 20), LW_OK);
    lw_reader_fill(&in.rd); /* as the hunt does before open(): the sniffed head */
    d->open_status = dec->open(&in);
    if (d->open_status != LW_OK) {
        if (dec == &lw_decoder_evtx_native && in.decoder_state)
            d->st = *lw_evtx_native_get_stats(&in);
        dec->close(&in);
        lw_reader_close(&in.rd);
        return;
    }
    lw_event ev;
    lw_event_init(&ev);
    for (;;) {
        lw_event_reset(&ev);
        lw_status st = dec->next(&in, &ev);
        if (st == LW_EFORMAT) {
            d->skipped++;
            continue;
        }
        if (st != LW_OK) {
            d->end_status = st;
            break;
        }
        if (d->n == d->cap) {
            d->cap = d->cap ? d->cap * 2 : 64;
            d->r = realloc(d->r, d->cap * sizeof *d->r);
        }
        rec *r = &d->r[d->n++];
        r->id = ev.record;
        r->event_id = ev.event_id;
        r->time_ms = ev.time_ms;
        r->host = dupn(ev.host);
        r->channel = dupn(ev.channel);
        r->provider = dupn(ev.provider);
        r->nf = ev.nfields;
        r->names = calloc(ev.nfields + 1, sizeof(char *));
        r->values = calloc(ev.nfields + 1, sizeof(char *));
        for (uint32_t k = 0; k < ev.nfields; k++) {
            r->names[k] = dupn(ev.fields[k].name);
            r->values[k] = dupn(ev.fields[k].value);
        }
    }
    if (dec == &lw_decoder_evtx_native)
        d->st = *lw_evtx_native_get_stats(&in);
    dec->close(&in);
    lw_event_destroy(&ev);
    lw_reader_close(&in.rd);
}

static inline void decode_with(const lw_decoder *dec, const char *path, decoded *d)
{
    decode_with_slack(dec, path, d, false);
}

#endif
