/*
 * Terminal table: one aligned line per alert; a correlation alert is followed by its
 * story, one indented line per contributing event in time order, then one "+" line per network
 * record attached as evidence.  Values come from
 * attacker-controlled logs, so control bytes (terminal escape sequences) are shown as '?' and never
 * reach the TTY.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/evidence.h"
#include "../sigma/correlation.h"
#include "sink.h"

typedef struct table_state {
    FILE *out;
    bool color;
    uint64_t rows;
    lw_buf buf;
    lw_buf tmp; /* one cell's text before it is cut to width */
} table_state;

static lw_status table_open(FILE *out, const lw_sink_options *opt, void **state)
{
    table_state *s = calloc(1, sizeof(*s));
    if (!s)
        return LW_ENOMEM;
    s->out = out;
    s->color = opt && opt->color;
    lw_buf_init(&s->buf);
    lw_buf_init(&s->tmp);
    *state = s;
    return LW_OK;
}

/* Append v padded or cut to exactly width display columns (UTF-8 aware, approx.). */
static void put_cell(lw_buf *b, lw_str v, size_t width, bool pad)
{
    size_t cols = 0, i = 0;
    while (i < v.n && cols < width) {
        unsigned char c = (unsigned char)v.p[i];
        if (c < 0x20 || c == 0x7f) {
            lw_buf_putc(b, c == '\t' || c == '\n' || c == '\r' ? ' ' : '?');
            i++;
        } else if (c < 0x80) {
            if (cols + 1 == width && i + 1 < v.n) {
                lw_buf_puts(b, "~");
                i = v.n;
            } else {
                lw_buf_putc(b, (char)c);
                i++;
            }
        } else {
            size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (k > v.n - i)
                k = v.n - i;
            bool ok = k > 1;
            for (size_t j = 1; j < k && ok; j++)
                ok = ((unsigned char)v.p[i + j] & 0xC0) == 0x80;
            if (ok)
                lw_buf_put(b, v.p + i, k);
            else
                lw_buf_putc(b, '?');
            i += ok ? k : 1;
        }
        cols++;
    }
    if (pad)
        for (; cols < width; cols++)
            lw_buf_putc(b, ' ');
}

/* The event's headline (lw_event_headline), cut to width. */
static void put_headline(lw_buf *b, lw_buf *tmp, const lw_event *ev, size_t width)
{
    lw_buf_reset(tmp);
    lw_event_headline(tmp, ev, true);
    put_cell(b, (lw_str){tmp->p, tmp->n}, width, false);
}

static const char *level_color(const char *level)
{
    switch (lw_level_index(level)) {
    case 4:
        return "\033[1;35m"; /* critical */
    case 3:
        return "\033[1;31m"; /* high */
    case 2:
        return "\033[33m"; /* medium */
    case 1:
        return "\033[36m"; /* low */
    default:
        return "\033[2m";
    }
}

/* Detail of a correlation alert, then one line per contributing event:
 *   <type> of N events, Group=value ...
 *     | 2026-03-02T09:15:52.611Z  HOST  rule title  Field=value            */
static void put_story(lw_buf *b, lw_buf *tmp, const lw_alert *a)
{
    const lw_calert *ca = a->corr;
    const lw_corr *c = ca->corr;
    lw_buf_printf(b, "%s of %u event%s", lw_corr_type_name(c->type), ca->nevs,
                  ca->nevs == 1 ? "" : "s");
    if (ca->omitted)
        lw_buf_printf(b, " (+%llu not kept)", (unsigned long long)ca->omitted);
    for (uint32_t i = 0; i < c->ngroup; i++) {
        lw_buf_puts(b, i ? ", " : ": ");
        put_cell(b, lw_str_c(c->group[i]), 64, false);
        lw_buf_putc(b, '=');
        put_cell(b, ca->gnull[i] ? LW_STR_LIT("-") : ca->gval[i], 96, false);
    }
    lw_buf_putc(b, '\n');
    for (uint32_t i = 0; i < ca->nevs; i++) {
        const lw_event *ev = &ca->evs[i].ev->ev;
        char t[40];
        lw_format_time(ev->time_ms, t, sizeof t);
        lw_buf_puts(b, "  | ");
        put_cell(b, lw_str_c(t[0] ? t : "-"), 24, true);
        lw_buf_putc(b, ' ');
        put_cell(b, ev->host.n ? ev->host : LW_STR_LIT("-"), 20, true);
        lw_buf_putc(b, ' ');
        put_cell(b, lw_str_c(ca->evs[i].rule ? ca->evs[i].rule->title : ""), 56, true);
        lw_buf_putc(b, ' ');
        put_headline(b, tmp, ev, 140);
        lw_buf_putc(b, '\n');
    }
    /* network evidence of the chain: "  + TIME  SENSOR  network evidence  what" */
    for (uint32_t i = 0; a->evidence && i < a->nevidence; i++) {
        const lw_event *ev = a->evidence[i].ev;
        char t[40];
        lw_format_time(ev->time_ms, t, sizeof t);
        lw_buf_puts(b, "  + ");
        put_cell(b, lw_str_c(t[0] ? t : "-"), 24, true);
        lw_buf_putc(b, ' ');
        put_cell(b, ev->host.n ? ev->host : LW_STR_LIT("-"), 20, true);
        lw_buf_putc(b, ' ');
        put_cell(b, LW_STR_LIT("network evidence"), 56, true);
        lw_buf_putc(b, ' ');
        lw_buf_reset(tmp);
        lw_alert_evidence_text(tmp, a, i);
        put_cell(b, (lw_str){tmp->p, tmp->n}, 200, false);
        lw_buf_putc(b, '\n');
    }
    if (a->evidence_omitted)
        lw_buf_printf(b, "  + (%llu more network records not listed)\n",
                      (unsigned long long)a->evidence_omitted);
}

static lw_status table_write(void *state, const lw_alert *a)
{
    table_state *s = state;
    lw_buf *b = &s->buf;
    lw_buf_reset(b);
    if (s->rows++ == 0) {
        lw_buf_puts(b, s->color ? "\033[1m" : "");
        put_cell(b, LW_STR_LIT("TIME (UTC)"), 24, true);
        lw_buf_putc(b, ' ');
        put_cell(b, LW_STR_LIT("LEVEL"), 13, true);
        lw_buf_putc(b, ' ');
        put_cell(b, LW_STR_LIT("HOST"), 20, true);
        lw_buf_putc(b, ' ');
        put_cell(b, LW_STR_LIT("RULE"), 56, true);
        lw_buf_puts(b, " DETAIL");
        lw_buf_puts(b, s->color ? "\033[0m\n" : "\n");
    }
    char t[40];
    lw_format_time(a->ev->time_ms, t, sizeof t);
    put_cell(b, lw_str_c(t[0] ? t : "-"), 24, true);
    lw_buf_putc(b, ' ');
    const char *level = lw_alert_rule_level(a).p[0] ? lw_alert_rule_level(a).p : "-";
    if (s->color)
        lw_buf_puts(b, level_color(level));
    put_cell(b, lw_str_c(level), 13, true);
    if (s->color)
        lw_buf_puts(b, "\033[0m");
    lw_buf_putc(b, ' ');
    put_cell(b, a->ev->host.n ? a->ev->host : LW_STR_LIT("-"), 20, true);
    lw_buf_putc(b, ' ');
    put_cell(b, lw_str_c(a->meta->title), 56, true);
    lw_buf_putc(b, ' ');
    if (a->corr) {
        put_story(b, &s->tmp, a);
    } else {
        put_headline(b, &s->tmp, a->ev, 160);
        lw_buf_putc(b, '\n');
    }
    if (!lw_buf_ok(&s->tmp))
        return LW_ENOMEM;
    if (!lw_buf_ok(b))
        return LW_ENOMEM;
    return fwrite(b->p, 1, b->n, s->out) == b->n ? LW_OK : LW_EIO;
}

static lw_status table_close(void *state)
{
    table_state *s = state;
    lw_status st = fflush(s->out) == 0 ? LW_OK : LW_EIO;
    lw_buf_free(&s->buf);
    lw_buf_free(&s->tmp);
    free(s);
    return st;
}

const lw_sink_vtable lw_sink_table = {"table", table_open, table_write, table_close};
