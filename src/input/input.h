/*
 * Inputs and decoders.
 *
 * An lw_input is one open file (or stdin): a buffered reader that decompresses gzip
 * transparently, the display path, limits, and the way to report records that cannot be
 * decoded.  A decoder is a row in the registry (src/input/registry.c): it sniffs the first
 * bytes of an input and, when chosen, turns the input into events one at a time.
 *
 * Accounting contract (the run summary depends on it): every record a decoder meets ends
 * either as an event (next() returns LW_OK) or as exactly one lw_input_skip() call.  So
 * records == events + skipped, and nothing is dropped silently.
 */
#ifndef LW_INPUT_H
#define LW_INPUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/event.h"
#include "lurewatch.h"

/* ---- buffered, decompressing reader -------------------------------------------------- */

typedef struct lw_reader {
    void *gz;     /* zlib gzFile; reads plain files too */
    int fd;       /* underlying descriptor (owned unless stdin) */
    bool is_gzip; /* the input starts with the gzip magic */
    char *buf;    /* window [beg, end) holds unconsumed bytes */
    size_t cap, beg, end;
    size_t max;      /* the window never grows past this (record size limit + slack) */
    bool eof, error; /* error: read failed or gzip stream corrupt (message in errmsg) */
    char errmsg[160];
    uint64_t offset; /* absolute (decompressed) offset of buf[0] */
    /* Pull mode (an archive member): bytes come from pull(pull_ud, dst, cap), which returns
     * the count, 0 at the end or -1 with a message in errmsg; fd is -1. */
    ssize_t (*pull)(void *pull_ud, char *dst, size_t cap, char *errmsg, size_t errcap);
    void *pull_ud;
    struct lw_pull_gz *pgz; /* a gzip member in pull mode: inflated here */
} lw_reader;

/* Open path ("-" = stdin) for reading; max is the largest window in bytes. */
lw_status lw_reader_open(lw_reader *r, const char *path, size_t max);
/* Read through pull (see lw_reader) instead of a file; the source is not owned. */
lw_status lw_reader_open_pull(lw_reader *r, ssize_t (*pull)(void *, char *, size_t, char *, size_t),
                              void *ud, size_t max);
/* Read more bytes into the window.  Unconsumed bytes [beg, end) are kept (moved to the
 * front; pointers into the old window become invalid).  Returns the number of bytes added,
 * 0 at end of input or on error (check r->error), or -1 when the window is already full
 * at r->max (the caller's record is too large). */
ssize_t lw_reader_fill(lw_reader *r);
static inline size_t lw_reader_avail(const lw_reader *r)
{
    return r->end - r->beg;
}
static inline const char *lw_reader_data(const lw_reader *r)
{
    return r->buf + r->beg;
}
static inline void lw_reader_consume(lw_reader *r, size_t n)
{
    r->beg += n <= r->end - r->beg ? n : r->end - r->beg;
}
void lw_reader_close(lw_reader *r);

/* ---- inputs ------------------------------------------------------------------------ */

typedef struct lw_hunt lw_hunt;

typedef enum lw_input_note_kind {
    LW_NOTE_SKIP, /* a record not decoded (lw_input_skip) */
    LW_NOTE_WARN, /* a warning that drops no record (lw_input_warn) */
} lw_input_note_kind;

typedef struct lw_input {
    const char *path; /* as given by the user; lives as long as the input */
    lw_reader rd;
    size_t max_record; /* records larger than this are skipped ("record-too-large") */
    lw_hunt *hunt;     /* receives skip reports and counters */
    /* Events the rules can match (NULL: all).  A decoder that has read a record's system
     * properties may call lw_want_event(in->want, ...) and, when false, validate the rest
     * of the record without adding fields, set ev->partial and return LW_OK: the event is
     * counted as decoded but not matched. */
    const lw_want *want;
    bool evtx_slack; /* EVTX decoders: read chunk slack space too (lw_hunt_options) */
    void *decoder_state;
    /* Set while a decode thread reads the input (src/core/pipeline.c): skips and warnings
     * are handed to defer, in record order, instead of being counted here; the hunting
     * thread counts and reports them when it reaches them. */
    void (*defer)(void *ud, lw_input_note_kind kind, uint64_t line, uint64_t col,
                  const char *reason, const char *msg);
    void *defer_ud;
} lw_input;

/* Count and report a note (the hunting thread's half of lw_input_skip / lw_input_warn). */
void lw_hunt_input_note(lw_hunt *h, const char *path, lw_input_note_kind kind, uint64_t line,
                        uint64_t col, const char *reason, const char *msg);

/* Report one record that was not decoded: counts it under reason (a short code such as
 * "json-syntax", "record-too-large", "evtx-corrupt-record") and passes a located message
 * to the diagnostic callback.  line: 1-based line or record number (0 if unknown). */
void lw_input_skip(lw_input *in, uint64_t line, uint64_t col, const char *reason, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));
/* A located warning that does not drop a record (e.g. an EVTX chunk header is bad). */
void lw_input_warn(lw_input *in, uint64_t line, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* lw_input_warn for a caller that has its own variable arguments. */
void lw_input_vwarn(lw_input *in, uint64_t line, const char *reason, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* ---- decoders ---------------------------------------------------------------------- */

typedef struct lw_decoder {
    const char *name;
    /* Confidence 0..100 that head (the first n bytes of decompressed input, n may be small)
     * is this format.  Must not read past n. */
    int (*sniff)(const unsigned char *head, size_t n);
    /* Prepare to read in; may consume bytes from in->rd.  Returns LW_OK or an error after
     * reporting it with lw_input_warn(). */
    lw_status (*open)(lw_input *in);
    /* Fill ev (already reset, src_path set) with the next record.  Returns LW_OK (event
     * ready), LW_EFORMAT (one record skipped and reported; call again), LW_EOF (done), or
     * LW_ENOMEM / LW_EIO (stop reading this input; LW_EIO has been reported). */
    lw_status (*next)(lw_input *in, lw_event *ev);
    void (*close)(lw_input *in);
} lw_decoder;

/* The registry: a NULL-terminated list of every decoder (src/input/registry.c). */
extern const lw_decoder *const lw_decoders[];
/* Best decoder for head, or NULL when no decoder is confident (score < 50). */
const lw_decoder *lw_decoder_sniff(const unsigned char *head, size_t n);

#endif
