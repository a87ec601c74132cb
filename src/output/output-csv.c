/*
 * CSV timeline, RFC 4180: one row per alert.  Columns (docs/alerts.md):
 * time,level,rule_id,rule_title,host,category,channel,event_id,source_path,record,detail,event
 * where event is the alert's event as a JSON object.
 */
#include <stdlib.h>

#include "sink.h"

typedef struct csv_state {
    FILE *out;
    bool header_done;
    lw_buf buf, tmp;
} csv_state;

static lw_status csv_open(FILE *out, const lw_sink_options *opt, void **state)
{
    csv_state *s = calloc(1, sizeof(*s));
    if (!s)
        return LW_ENOMEM;
    s->out = out;
    lw_buf_init(&s->buf);
    lw_buf_init(&s->tmp);
    *state = s;
    return LW_OK;
}

/* A cell, quoted when it holds a comma, quote, CR or LF; formula-leading characters are
 * prefixed with ' so spreadsheets do not execute attacker-supplied formulas. */
static void put_csv(lw_buf *b, lw_str v)
{
    bool quote = false;
    for (size_t i = 0; i < v.n && !quote; i++)
        quote = v.p[i] == ',' || v.p[i] == '"' || v.p[i] == '\r' || v.p[i] == '\n';
    bool formula = v.n && (v.p[0] == '=' || v.p[0] == '+' || v.p[0] == '@' ||
                           (v.p[0] == '-' && v.n > 1 && !(v.p[1] >= '0' && v.p[1] <= '9')));
    if (quote)
        lw_buf_putc(b, '"');
    if (formula)
        lw_buf_putc(b, '\'');
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == '"')
            lw_buf_putc(b, '"');
        lw_buf_putc(b, v.p[i]);
    }
    if (quote)
        lw_buf_putc(b, '"');
}

static lw_status csv_write(void *state, const lw_alert *a)
{
    csv_state *s = state;
    lw_buf *b = &s->buf;
    lw_buf_reset(b);
    if (!s->header_done) {
        lw_buf_puts(b, "time,level,rule_id,rule_title,host,category,channel,event_id,"
                       "source_path,record,detail,event\r\n");
        s->header_done = true;
    }
    const lw_event *ev = a->ev;
    char t[40];
    lw_format_time(ev->time_ms, t, sizeof t);
    put_csv(b, lw_str_c(t));
    lw_buf_putc(b, ',');
    put_csv(b, lw_str_c(a->meta->level));
    lw_buf_putc(b, ',');
    put_csv(b, lw_str_c(a->meta->id));
    lw_buf_putc(b, ',');
    put_csv(b, lw_str_c(a->meta->title));
    lw_buf_putc(b, ',');
    put_csv(b, ev->host);
    lw_buf_putc(b, ',');
    put_csv(b, lw_str_c(lw_event_category(ev)));
    lw_buf_putc(b, ',');
    put_csv(b, ev->channel);
    lw_buf_putc(b, ',');
    if (ev->event_id >= 0)
        lw_buf_printf(b, "%d", (int)ev->event_id);
    lw_buf_putc(b, ',');
    put_csv(b, lw_str_c(lw_event_source_path(ev)));
    lw_buf_printf(b, ",%llu,", (unsigned long long)ev->record);
    put_csv(b, lw_event_headline(ev, NULL));
    lw_buf_putc(b, ',');
    lw_buf_reset(&s->tmp);
    lw_event_fields_to_json(&s->tmp, ev);
    put_csv(b, (lw_str){s->tmp.p, s->tmp.n});
    lw_buf_puts(b, "\r\n");
    if (!lw_buf_ok(b) || !lw_buf_ok(&s->tmp))
        return LW_ENOMEM;
    return fwrite(b->p, 1, b->n, s->out) == b->n ? LW_OK : LW_EIO;
}

static lw_status csv_close(void *state)
{
    csv_state *s = state;
    lw_status st = fflush(s->out) == 0 ? LW_OK : LW_EIO;
    lw_buf_free(&s->buf);
    lw_buf_free(&s->tmp);
    free(s);
    return st;
}

const lw_sink_vtable lw_sink_csv = {"csv", csv_open, csv_write, csv_close};
