/*
 * Native EVTX decoder: Windows binary event logs read from the lw_reader stream (plain,
 * gzip, archive member or stdin alike), no temporary file and no libevtx.
 *
 * Layout (see docs/architecture.md, "EVTX"): a 4096-byte file header ("ElfFile\0"), then
 * 64 KiB chunks ("ElfChnk\0", a 512-byte header with CRC32s, a common-string table and a
 * template table), each holding event records ("**\0\0", size, record id, FILETIME, binary
 * XML, size copy).  Each record's binary XML (templates defined inline or referenced by
 * chunk offset, substitutions with typed values, nested BinXml) is rendered to the Windows
 * event XML text that libevtx renders, and xml-event.c turns that text into the event with
 * LW_XML_EVTX_DUMP_VALUES, exactly as the libevtx decoder does: the two decoders give the
 * same fields (tests/unit/test_evtx_native.c compares them record by record).
 *
 * Damage (the input is attacker-controlled): every read is bounds-checked against the
 * chunk and the record; templates are parsed once per chunk and cached, a template that
 * refers to itself is a located error; nesting of BinXml values and elements is bounded
 * (LW_EVTX_MAX_DEPTH), and so are the rendered XML (the record-size limit) and the work
 * per record.  A bad record is one lw_input_skip() naming the record and what was wrong;
 * a chunk whose header is not a chunk header is one lw_input_warn() and its records are
 * found by their own framing (signature, size, size copy) and read (a record needs nothing
 * from the header: names and templates are chunk offsets defined inline); CRC32
 * mismatches of a chunk header or of its records are warnings and the chunk is still read.
 * A truncated file gives every complete record before the cut and one located warning.
 *
 * Not read: records recovered from chunk slack space (libevtx's "recovered records");
 * every chunk present in the file is read, including chunks past the header's count.
 */
#ifndef LW_EVTX_NATIVE_H
#define LW_EVTX_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"

#define LW_EVTX_MAX_DEPTH 64 /* elements + nested fragments, one record */

/* Counters of one open input (for tests and the fuzzer). */
typedef struct lw_evtx_native_stats {
    uint64_t chunks;       /* chunks met (including bad and empty ones) */
    uint64_t bad_chunks;   /* chunk headers that were not chunk headers */
    uint64_t recovered;    /* records found by their framing in those chunks (read or skipped) */
    uint64_t empty_chunks; /* all-zero chunks (pre-allocated, never written) */
    uint64_t crc_mismatch; /* chunk header or event-records CRC32 mismatches */
    uint64_t warnings;     /* lw_input_warn() calls */
    uint64_t records;      /* records delivered as events */
    uint64_t skipped;      /* lw_input_skip() calls */
    uint64_t templates;    /* template definitions parsed */
    uint64_t slack;        /* of records: read from chunk slack space (lw_input evtx_slack) */
} lw_evtx_native_stats;

/* The counters of in (opened by lw_decoder_evtx_native), or NULL. */
const lw_evtx_native_stats *lw_evtx_native_get_stats(const lw_input *in);

/* The XML rendered for the event last returned by next() (until the next call). */
const char *lw_evtx_native_last_xml(const lw_input *in, size_t *len);

/* The native decoder.  lw_decoder_evtx (the registered "evtx") uses it unless
 * LUREWATCH_EVTX_DECODER=libevtx; lw_decoder_evtx_libevtx is the libevtx one (the test
 * oracle), in no registry. */
extern const lw_decoder lw_decoder_evtx_native;
extern const lw_decoder lw_decoder_evtx_libevtx;

#endif
