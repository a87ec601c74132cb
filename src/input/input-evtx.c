/*
 * The registered "evtx" decoder and the libevtx one.
 *
 * lw_decoder_evtx (in the registry) reads with the native decoder (evtx-native.c) unless
 * the environment says LUREWATCH_EVTX_DECODER=libevtx; lw_decoder_evtx_libevtx, below, is
 * the libevtx decoder: the correctness oracle of the native one (test_evtx_native.c) and
 * the way out for a user who hits a native-decoder bug.  The rest of this comment is about
 * the libevtx decoder.
 *
 * EVTX decoder (Windows binary event log) on top of libevtx.
 *
 * libevtx renders each record to XML; xml-event.c turns that into the event with values
 * normalized to evtx_dump's rendering (see xml-event.h), so an .evtx file and its evtx_dump
 * JSON give the same fields.  Records are read in file order, then, when in->evtx_slack
 * asks for them, libevtx's recovered records (found in chunk slack space).  A recovered
 * record whose identifier was already delivered is a stale copy and is passed over
 * without being counted as a record, and recovered records libevtx cannot read (most of
 * them, with libevtx 20181227) are summed up in one warning at the end rather than skipped
 * one by one: they are remnants, not records of the file, and a healthy log would
 * otherwise report hundreds of skips.
 *
 * libevtx (Debian 20181227) is built without libbfio, so it can only open a path: a gzip,
 * archive-member or stdin input is first decompressed into an unlinked temporary file in $TMPDIR
 * (or /tmp), bounded by LW_EVTX_MAX_TEMP bytes.
 *
 * Errors: a file libevtx cannot open (bad header) is warned about and open() returns
 * LW_EFORMAT; a record it cannot read or render is one lw_input_skip() with libevtx's
 * error text, and reading goes on with the next record.
 *
 * ev->record is the record's EventRecordID (System/EventRecordID in its XML, as Event
 * Viewer and evtx_dump show it), or libevtx's record identifier when the XML has none.
 * Skip messages name the header identifier (or index) since that is what libevtx read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evtx-native.h"
#include "xml-event.h"

/* libevtx.h includes <libbfio.h> on every POSIX build, but Debian's libevtx-dev does not
 * pull in libbfio-dev and we use no libbfio API.  Without that header, stand in for
 * <libevtx/features.h> with what it defines minus LIBEVTX_HAVE_BFIO. */
#if defined(__has_include) && !__has_include(<libbfio.h>)
#define _LIBEVTX_FEATURES_H
#define LIBEVTX_HAVE_MULTI_THREAD_SUPPORT 1
#define LIBEVTX_DEPRECATED                __attribute__((__deprecated__))
#endif
#include <libevtx.h>

#define LW_EVTX_MAX_TEMP ((uint64_t)8 << 30) /* largest decompressed copy we write */

typedef struct evtx_state {
    libevtx_file_t *file;
    int nrec, nrecovered;
    int idx, ridx;
    uint8_t *xml; /* rendered XML of the current record, reused across records */
    size_t xml_cap;
    uint64_t *ids; /* identifiers delivered in the first pass (sorted before recovery) */
    size_t nids, ids_cap;
    bool ids_sorted;
    int recovered_bad; /* recovered records libevtx could not read */
    bool warned;
} evtx_state;

/* libevtx's error on one line: its outermost message and, when different, the innermost
 * cause (the backtrace's last line says what was actually wrong); then free the error. */
static void err_text(libevtx_error_t **e, char *buf, size_t cap)
{
    char bt[4096];
    buf[0] = '\0';
    if (!*e || libevtx_error_backtrace_sprint(*e, bt, sizeof bt) < 0) {
        if (!*e || libevtx_error_sprint(*e, bt, sizeof bt) < 0)
            lw_fmt(bt, sizeof bt, "unknown libevtx error");
    }
    libevtx_error_free(e);
    bt[sizeof bt - 1] = '\0';
    size_t l = strlen(bt);
    while (l > 0 && (bt[l - 1] == '\n' || bt[l - 1] == ' ' || bt[l - 1] == '\r'))
        bt[--l] = '\0';
    char *first_nl = strchr(bt, '\n');
    char *last_nl = strrchr(bt, '\n');
    if (first_nl) {
        *first_nl = '\0';
        lw_fmt(buf, cap, "%s (%s)", bt, last_nl + 1);
    } else {
        lw_fmt(buf, cap, "%s", bt);
    }
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

static int sniff_evtx(const unsigned char *head, size_t n)
{
    return n >= 8 && memcmp(head, "ElfFile\0", 8) == 0 ? 100 : 0;
}

/* Copy the rest of the reader stream into a new unlinked-on-return temporary file; the
 * returned path (in path[]) exists until the caller unlinks it. */
static lw_status copy_to_temp(lw_input *in, char *path, size_t cap)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    if (!lw_fmt(path, cap, "%s/lurewatch-evtx-XXXXXX", dir)) {
        lw_input_warn(in, 0, "evtx-temp", "temporary directory path too long");
        return LW_EIO;
    }
    int fd = mkstemp(path);
    if (fd < 0) {
        lw_input_warn(in, 0, "evtx-temp", "cannot create temporary file in %s: %s", dir,
                      strerror(errno));
        return LW_EIO;
    }
    lw_reader *rd = &in->rd;
    uint64_t total = 0;
    lw_status st = LW_OK;
    for (;;) {
        size_t n = lw_reader_avail(rd);
        const char *p = lw_reader_data(rd);
        if (total + n > LW_EVTX_MAX_TEMP) {
            lw_input_warn(in, 0, "evtx-temp", "decompressed EVTX larger than %llu bytes",
                          (unsigned long long)LW_EVTX_MAX_TEMP);
            st = LW_EIO;
            break;
        }
        while (n > 0) {
            ssize_t w = write(fd, p, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                lw_input_warn(in, 0, "evtx-temp", "writing temporary file: %s", strerror(errno));
                st = LW_EIO;
                break;
            }
            p += w;
            n -= (size_t)w;
            total += (uint64_t)w;
        }
        if (st)
            break;
        lw_reader_consume(rd, lw_reader_avail(rd));
        ssize_t k = lw_reader_fill(rd);
        if (k > 0)
            continue;
        if (rd->error) {
            /* A truncated gzip still gives the records before the cut. */
            lw_input_warn(in, 0, "read-error", "%s (reading what was decompressed)", rd->errmsg);
        }
        break;
    }
    close(fd);
    if (st)
        unlink(path);
    return st;
}

static lw_status open_evtx(lw_input *in)
{
    evtx_state *s = calloc(1, sizeof *s);
    if (!s)
        return LW_ENOMEM;
    char tmp[4096];
    const char *path = in->path;
    bool is_temp = false;
    lw_status st = LW_OK;
    libevtx_error_t *e = NULL;
    char msg[512];
    if (in->rd.is_gzip || in->rd.pull || strcmp(in->path, "-") == 0) {
        st = copy_to_temp(in, tmp, sizeof tmp);
        if (st)
            goto fail;
        path = tmp;
        is_temp = true;
    }
    if (libevtx_file_initialize(&s->file, &e) != 1) {
        libevtx_error_free(&e);
        st = LW_ENOMEM;
        goto fail;
    }
    if (libevtx_file_open(s->file, path, LIBEVTX_OPEN_READ, &e) != 1) {
        err_text(&e, msg, sizeof msg);
        lw_input_warn(in, 0, "evtx-header", "not a readable EVTX file: %s", msg);
        st = LW_EFORMAT;
        goto fail;
    }
    if (is_temp) {
        unlink(path); /* libevtx holds its own descriptor */
        is_temp = false;
    }
    if (libevtx_file_get_number_of_records(s->file, &s->nrec, &e) != 1) {
        err_text(&e, msg, sizeof msg);
        lw_input_warn(in, 0, "evtx-header", "cannot count records: %s", msg);
        s->nrec = 0;
    }
    if (libevtx_file_get_number_of_recovered_records(s->file, &s->nrecovered, &e) != 1) {
        libevtx_error_free(&e);
        s->nrecovered = 0;
    }
    if (s->nrec < 0)
        s->nrec = 0;
    if (s->nrecovered < 0)
        s->nrecovered = 0;
    int corrupted = libevtx_file_is_corrupted(s->file, &e);
    if (corrupted < 0)
        libevtx_error_free(&e);
    if (corrupted == 1)
        lw_input_warn(in, 0, "evtx-corrupt",
                      "file is marked corrupted (damaged chunks are skipped; %d records, "
                      "%d recovered)",
                      s->nrec, s->nrecovered);
    in->decoder_state = s;
    return LW_OK;
fail:
    if (is_temp)
        unlink(tmp);
    if (s->file) {
        libevtx_file_free(&s->file, &e);
        libevtx_error_free(&e);
    }
    free(s);
    return st;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static lw_status remember_id(evtx_state *s, uint64_t id)
{
    if (s->nids == s->ids_cap) {
        size_t ncap = s->ids_cap ? s->ids_cap * 2 : 1024;
        uint64_t *n = realloc(s->ids, ncap * sizeof *n);
        if (!n)
            return LW_ENOMEM;
        s->ids = n;
        s->ids_cap = ncap;
    }
    s->ids[s->nids++] = id;
    return LW_OK;
}

static bool seen_id(evtx_state *s, uint64_t id)
{
    if (!s->ids_sorted) {
        if (s->nids > 1)
            qsort(s->ids, s->nids, sizeof *s->ids, cmp_u64);
        s->ids_sorted = true;
    }
    return s->nids && bsearch(&id, s->ids, s->nids, sizeof *s->ids, cmp_u64) != NULL;
}

static lw_status next_evtx(lw_input *in, lw_event *ev)
{
    evtx_state *s = in->decoder_state;
    libevtx_error_t *e = NULL;
    char msg[512];
    for (;;) {
        libevtx_record_t *rec = NULL;
        bool recovered;
        int idx;
        int ok;
        if (s->idx < s->nrec) {
            recovered = false;
            idx = s->idx++;
            ok = libevtx_file_get_record_by_index(s->file, idx, &rec, &e);
        } else if (in->evtx_slack && s->ridx < s->nrecovered) {
            recovered = true;
            idx = s->ridx++;
            ok = libevtx_file_get_recovered_record_by_index(s->file, idx, &rec, &e);
        } else {
            if (s->recovered_bad > 0 && !s->warned) {
                s->warned = true;
                lw_input_warn(in, 0, "evtx-recovered-unreadable",
                              "%d of %d recovered records (remnants in chunk slack space) "
                              "could not be read",
                              s->recovered_bad, s->nrecovered);
            }
            return LW_EOF;
        }
        const char *kind = recovered ? "recovered record" : "record";
        if ((ok != 1 || !rec) && recovered) {
            /* Slack-space remnants libevtx found but cannot read are not records of the
             * file: count them for one warning at the end instead of a skip each. */
            libevtx_error_free(&e);
            s->recovered_bad++;
            continue;
        }
        if (ok != 1 || !rec) {
            err_text(&e, msg, sizeof msg);
            lw_input_skip(in, (uint64_t)idx + 1, 0, "evtx-corrupt-record", "%s #%d: %s", kind,
                          idx + 1, msg);
            return LW_EFORMAT;
        }
        uint64_t id = 0;
        bool have_id = libevtx_record_get_identifier(rec, &id, &e) == 1;
        if (!have_id)
            libevtx_error_free(&e);
        if (recovered && have_id && seen_id(s, id)) {
            libevtx_record_free(&rec, NULL);
            continue;
        }
        uint64_t where = have_id ? id : (uint64_t)idx + 1;
        size_t size = 0;
        lw_status st = LW_OK;
        if (libevtx_record_get_utf8_xml_string_size(rec, &size, &e) != 1 || size == 0) {
            if (recovered)
                goto remnant;
            err_text(&e, msg, sizeof msg);
            lw_input_skip(in, where, 0, "evtx-corrupt-record", "%s #%d: cannot render: %s", kind,
                          idx + 1, msg);
            st = LW_EFORMAT;
            goto done;
        }
        if (size > s->xml_cap) {
            size_t ncap = s->xml_cap ? s->xml_cap : 16384;
            while (ncap < size)
                ncap *= 2;
            uint8_t *nb = realloc(s->xml, ncap);
            if (!nb) {
                st = LW_ENOMEM;
                goto done;
            }
            s->xml = nb;
            s->xml_cap = ncap;
        }
        if (libevtx_record_get_utf8_xml_string(rec, s->xml, size, &e) != 1) {
            if (recovered)
                goto remnant;
            err_text(&e, msg, sizeof msg);
            lw_input_skip(in, where, 0, "evtx-corrupt-record", "%s #%d: cannot render: %s", kind,
                          idx + 1, msg);
            st = LW_EFORMAT;
            goto done;
        }
        size_t len = strnlen((const char *)s->xml, size);
        if (in->max_record > 0 && len > in->max_record) {
            lw_input_skip(in, where, 0, "record-too-large",
                          "%s #%d renders to %zu bytes of XML, over the %zu byte limit", kind,
                          idx + 1, len, in->max_record);
            st = LW_EFORMAT;
            goto done;
        }
        lw_xml_error xe = {0, NULL};
        st = lw_xml_event_parse((const char *)s->xml, len, ev, LW_XML_EVTX_DUMP_VALUES, &xe);
        if (st == LW_EFORMAT && recovered)
            goto remnant;
        if (st == LW_EFORMAT) {
            lw_input_skip(in, where, 0, "evtx-corrupt-record",
                          "%s #%d: rendered XML invalid at byte %zu: %s", kind, idx + 1, xe.offset,
                          xe.msg);
        } else if (st == LW_OK) {
            /* The XML's EventRecordID is what Event Viewer and evtx_dump's JSON show; the
             * record header's identifier differs from it in filtered exports ("Save
             * Filtered Log File As" renumbers headers 1..n), so it is only the fallback. */
            if (ev->record == 0)
                ev->record = where;
            if (!recovered && have_id && remember_id(s, id) != LW_OK)
                st = LW_ENOMEM;
        }
    done:
        libevtx_record_free(&rec, NULL);
        return st;
    remnant:
        /* a recovered record that cannot be rendered or parsed: see recovered_bad */
        libevtx_error_free(&e);
        libevtx_record_free(&rec, NULL);
        lw_event_reset(ev);
        s->recovered_bad++;
        continue;
    }
}

static void close_evtx(lw_input *in)
{
    evtx_state *s = in->decoder_state;
    if (!s)
        return;
    libevtx_error_t *e = NULL;
    if (s->file) {
        if (libevtx_file_close(s->file, &e) != 0)
            libevtx_error_free(&e);
        if (libevtx_file_free(&s->file, &e) != 1)
            libevtx_error_free(&e);
    }
    free(s->xml);
    free(s->ids);
    free(s);
    in->decoder_state = NULL;
}

/* The libevtx decoder: the correctness oracle of the native one, and the way out for a
 * user who hits a native-decoder bug (LUREWATCH_EVTX_DECODER=libevtx). */
const lw_decoder lw_decoder_evtx_libevtx = {
    .name = "evtx",
    .sniff = sniff_evtx,
    .open = open_evtx,
    .next = next_evtx,
    .close = close_evtx,
};

/* ---- the registered "evtx" decoder: native unless LUREWATCH_EVTX_DECODER=libevtx ---- */

typedef struct evtx_pick {
    const lw_decoder *impl;
    void *state; /* impl's decoder_state */
} evtx_pick;

static lw_status open_evtx_pick(lw_input *in)
{
    evtx_pick *p = calloc(1, sizeof *p);
    if (!p)
        return LW_ENOMEM;
    p->impl = &lw_decoder_evtx_native;
    const char *env = getenv("LUREWATCH_EVTX_DECODER");
    if (env && strcmp(env, "libevtx") == 0)
        p->impl = &lw_decoder_evtx_libevtx;
    else if (env && *env && strcmp(env, "native") != 0)
        lw_input_warn(in, 0, "evtx-decoder",
                      "LUREWATCH_EVTX_DECODER=%s is neither native nor libevtx: using native", env);
    in->decoder_state = NULL;
    lw_status st = p->impl->open(in);
    if (st != LW_OK) { /* both decoders free their state when open() fails */
        if (in->decoder_state)
            p->impl->close(in);
        free(p);
        in->decoder_state = NULL;
        return st;
    }
    p->state = in->decoder_state;
    in->decoder_state = p;
    return st;
}

static lw_status next_evtx_pick(lw_input *in, lw_event *ev)
{
    evtx_pick *p = in->decoder_state;
    in->decoder_state = p->state;
    lw_status st = p->impl->next(in, ev);
    p->state = in->decoder_state;
    in->decoder_state = p;
    return st;
}

static void close_evtx_pick(lw_input *in)
{
    evtx_pick *p = in->decoder_state;
    if (!p)
        return;
    in->decoder_state = p->state;
    p->impl->close(in);
    free(p);
    in->decoder_state = NULL;
}

const lw_decoder lw_decoder_evtx = {
    .name = "evtx",
    .sniff = sniff_evtx,
    .open = open_evtx_pick,
    .next = next_evtx_pick,
    .close = close_evtx_pick,
};
