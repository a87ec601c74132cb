/*
 * Windows event XML decoder: a stream of <Event>...</Event> elements, as written by
 * `wevtutil qe /f:xml`, Get-WinEvent | % ToXml(), Splunk's XmlWinEventLog, or an export
 * wrapped in <?xml ...?><Events>...</Events>.  Anything between events (wrappers, junk,
 * blank lines) is ignored; each <Event> is one record, parsed by xml-event.c with views
 * into the reader window.  ev->record is the 1-based line where the <Event starts.
 *
 * Records are found by scanning for "<Event" followed by whitespace, '>' or '/', and the
 * next "</Event>" after it.  A second "<Event" before that end means the first one was cut
 * short: it is skipped and reading resumes at the second.  Only the default-namespace
 * spelling is found ("<e:Event" is not), and UTF-16 files are not read (gap).
 */
#include <stdlib.h>
#include <string.h>

#include "xml-event.h"

typedef struct xml_state {
    uint64_t line; /* 1-based line number of lw_reader_data(&in->rd)[0] */
} xml_state;

static bool event_start_at(const char *p, size_t avail)
{
    /* p points at "<Event"; the next byte decides (Events, EventData are not starts). */
    if (avail < 7)
        return false;
    char c = p[6];
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/';
}

/* Offset of the next "<Event" start tag in p[0..n), or -1.  *partial is set when the
 * last bytes could be the beginning of one (more input is needed to decide). */
static ptrdiff_t find_start(const char *p, size_t n, size_t from, bool *partial)
{
    *partial = false;
    size_t i = from;
    while (i < n) {
        const char *q = memmem(p + i, n - i, "<Event", 6);
        if (!q) {
            /* keep up to 6 trailing bytes that may begin "<Event" */
            size_t tail = n - i < 6 ? n - i : 6;
            if (memchr(p + n - tail, '<', tail))
                *partial = true;
            return -1;
        }
        size_t k = (size_t)(q - p);
        if (n - k < 7) {
            *partial = true;
            return -1;
        }
        if (event_start_at(q, n - k))
            return (ptrdiff_t)k;
        i = k + 6;
    }
    return -1;
}

static int sniff_xml(const unsigned char *head, size_t n)
{
    size_t i = 0;
    if (!head || n == 0)
        return 0;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i >= n || head[i] != '<')
        return 0;
    const char *p = (const char *)head + i;
    size_t m = n - i;
    bool partial;
    if (find_start(p, m, 0, &partial) >= 0)
        return 90;
    if (memmem(p, m, "<Events>", 8) || memmem(p, m, "<Events ", 8))
        return 80;
    if (m >= 5 && memcmp(p, "<?xml", 5) == 0)
        return 20; /* some XML; not evidently events */
    return 0;
}

static lw_status open_xml(lw_input *in)
{
    xml_state *s = calloc(1, sizeof *s);
    if (!s)
        return LW_ENOMEM;
    s->line = 1;
    in->decoder_state = s;
    return LW_OK;
}

static uint64_t count_lines(const char *p, size_t n)
{
    uint64_t k = 0;
    const char *e = p + n;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

static void consume(lw_input *in, xml_state *s, size_t n)
{
    s->line += count_lines(lw_reader_data(&in->rd), n);
    lw_reader_consume(&in->rd, n);
}

/* Line and column (1-based) of byte off within the window. */
static void locate(lw_input *in, xml_state *s, size_t off, uint64_t *line, uint64_t *col)
{
    const char *p = lw_reader_data(&in->rd);
    *line = s->line + count_lines(p, off);
    size_t c = off;
    while (c > 0 && p[c - 1] != '\n')
        c--;
    *col = off - c + 1;
}

static lw_status read_error(lw_input *in, xml_state *s)
{
    lw_input_warn(in, s->line, "read-error", "%s", in->rd.errmsg);
    return LW_EIO;
}

static lw_status next_xml(lw_input *in, lw_event *ev)
{
    xml_state *s = in->decoder_state;
    lw_reader *rd = &in->rd;
    for (;;) {
        /* 1. Find the next start; discard what precedes it. */
        bool partial;
        ptrdiff_t st = find_start(lw_reader_data(rd), lw_reader_avail(rd), 0, &partial);
        if (st < 0) {
            size_t keep = partial ? (lw_reader_avail(rd) < 6 ? lw_reader_avail(rd) : 6) : 0;
            consume(in, s, lw_reader_avail(rd) - keep);
            ssize_t k = lw_reader_fill(rd);
            if (k > 0)
                continue;
            if (rd->error)
                return read_error(in, s);
            if (k == 0) {
                consume(in, s, lw_reader_avail(rd));
                return LW_EOF;
            }
            continue; /* -1 cannot happen with <= 6 bytes kept */
        }
        consume(in, s, (size_t)st);
        /* 2. Find its end, reading more as needed. */
        size_t scan_from = 6;
        for (;;) {
            const char *p = lw_reader_data(rd);
            size_t avail = lw_reader_avail(rd);
            const char *end = NULL;
            size_t i = scan_from;
            while (i < avail) {
                const char *q = memmem(p + i, avail - i, "</Event", 7);
                if (!q)
                    break;
                size_t j = (size_t)(q - p) + 7;
                while (j < avail && (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\n'))
                    j++;
                if (j < avail && p[j] == '>') {
                    end = p + j + 1;
                    break;
                }
                if (j >= avail)
                    break; /* need more input to decide */
                i = (size_t)(q - p) + 7;
            }
            size_t limit = end ? (size_t)(end - p) : avail;
            bool p2;
            ptrdiff_t again = find_start(p, limit, 6, &p2);
            uint64_t line, col;
            if (again >= 0) {
                /* another <Event begins before this one ends: this one is cut short */
                locate(in, s, 0, &line, &col);
                lw_input_skip(in, line, col, "xml-syntax",
                              "<Event> not closed before the next <Event>");
                consume(in, s, (size_t)again);
                return LW_EFORMAT;
            }
            if (end) {
                size_t len = (size_t)(end - p);
                locate(in, s, 0, &line, &col);
                if (len > in->max_record && in->max_record > 0) {
                    lw_input_skip(in, line, col, "record-too-large",
                                  "<Event> of %zu bytes exceeds the %zu byte limit", len,
                                  in->max_record);
                    consume(in, s, len);
                    return LW_EFORMAT;
                }
                lw_xml_error xe = {0, NULL};
                lw_status rc =
                    lw_xml_event_parse_want(p, len, ev, LW_XML_EVTX_DUMP_VALUES, in->want, &xe);
                if (rc == LW_ENOMEM)
                    return rc;
                if (rc != LW_OK) {
                    uint64_t el, ec;
                    locate(in, s, xe.offset < len ? xe.offset : 0, &el, &ec);
                    lw_input_skip(in, el, ec, "xml-syntax", "%s", xe.msg);
                    consume(in, s, len);
                    return LW_EFORMAT;
                }
                ev->record = line;
                /* Views stay valid: the window only moves on the next fill. */
                consume(in, s, len);
                return LW_OK;
            }
            scan_from = avail > 14 ? avail - 8 : 6;
            ssize_t k = avail > in->max_record && in->max_record > 0 ? -1 : lw_reader_fill(rd);
            if (k > 0)
                continue;
            if (k == 0 && rd->error)
                return read_error(in, s);
            locate(in, s, 0, &line, &col);
            if (k == 0) {
                lw_input_skip(in, line, col, "xml-syntax", "<Event> not closed at end of input");
                consume(in, s, lw_reader_avail(rd));
                return LW_EFORMAT;
            }
            /* Too large: drop it and resync at the next <Event after its start. */
            lw_input_skip(in, line, col, "record-too-large",
                          "<Event> larger than the %zu byte limit", in->max_record);
            consume(in, s, 6);
            return LW_EFORMAT;
        }
    }
}

static void close_xml(lw_input *in)
{
    free(in->decoder_state);
    in->decoder_state = NULL;
}

const lw_decoder lw_decoder_xml = {
    .name = "xml",
    .sniff = sniff_xml,
    .open = open_xml,
    .next = next_xml,
    .close = close_xml,
};
