/*
 * CSV timeline, RFC 4180.  Columns (docs/alerts.md):
 * time,level,rule_id,rule_title,host,category,channel,event_id,source_path,record,detail,
 * kind,alert,correlation_type,group,step,event
 * where event (kept last, as before correlation existed) is the event as a JSON object.  A
 * detection alert is one row (kind "detection"); a correlation alert is one row of kind
 * "correlation" (the correlation rule, its group in detail) followed by one row of kind "event" per
 * contributing event in time order (its own rule, step 1..n), then one row of kind "evidence" per
 * network record attached to the chain (step n+1..; detail says why).  Rows of one alert share
 * the alert number.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/evidence.h"
#include "../sigma/correlation.h"
#include "sink.h"

typedef struct csv_state {
    FILE *out;
    bool header_done;
    uint64_t alerts;
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

/* "name=value; name=value" of a correlation's group */
static void group_text(lw_buf *b, const lw_calert *ca)
{
    for (uint32_t i = 0; i < ca->corr->ngroup; i++) {
        if (i)
            lw_buf_puts(b, "; ");
        lw_buf_puts(b, ca->corr->group[i]);
        lw_buf_putc(b, '=');
        if (!ca->gnull[i])
            lw_buf_put(b, ca->gval[i].p, ca->gval[i].n);
    }
}

/* The columns kind,alert,correlation_type,group,step and the comma before event. */
static void put_tail(csv_state *s, lw_buf *b, const char *kind, const lw_alert *a, uint32_t step)
{
    lw_buf_putc(b, ',');
    lw_buf_puts(b, kind);
    lw_buf_printf(b, ",%llu,", (unsigned long long)s->alerts);
    if (a->corr) {
        lw_buf_puts(b, lw_corr_type_name(a->corr->corr->type));
        lw_buf_putc(b, ',');
        lw_buf_reset(&s->tmp);
        group_text(&s->tmp, a->corr);
        put_csv(b, (lw_str){s->tmp.p, s->tmp.n});
        lw_buf_printf(b, ",%u,", step);
    } else {
        lw_buf_puts(b, ",,,");
    }
}

static void put_event_json(csv_state *s, lw_buf *b, const lw_event *ev)
{
    lw_buf_reset(&s->tmp);
    lw_event_fields_to_json(&s->tmp, ev);
    put_csv(b, (lw_str){s->tmp.p, s->tmp.n});
    lw_buf_puts(b, "\r\n");
}

/* The columns time .. detail of an event row. */
static void put_event_row(csv_state *s, lw_buf *b, const lw_event *ev, const lw_rule_meta *rule,
                          const char *level, const lw_str *detail)
{
    char t[40];
    lw_format_time(ev->time_ms, t, sizeof t);
    put_csv(b, lw_str_c(t));
    lw_buf_putc(b, ',');
    put_csv(b, lw_str_c(level));
    lw_buf_putc(b, ',');
    put_csv(b, lw_str_c(rule ? rule->id : ""));
    lw_buf_putc(b, ',');
    put_csv(b, lw_str_c(rule ? rule->title : ""));
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
    if (detail) {
        put_csv(b, *detail);
        return;
    }
    lw_buf_reset(&s->tmp);
    lw_event_headline(&s->tmp, ev, false);
    put_csv(b, (lw_str){s->tmp.p, s->tmp.n});
}

static lw_status csv_write_corr(csv_state *s, lw_buf *b, const lw_alert *a)
{
    const lw_calert *ca = a->corr;
    char t[40];
    lw_format_time(ca->t_first, t, sizeof t);
    put_csv(b, lw_str_c(t));
    lw_buf_putc(b, ',');
    put_csv(b, lw_alert_rule_level(a));
    lw_buf_putc(b, ',');
    put_csv(b, lw_str_c(a->meta->id));
    lw_buf_putc(b, ',');
    put_csv(b, lw_str_c(a->meta->title));
    lw_buf_putc(b, ',');
    put_csv(b, a->ev->host);
    lw_buf_puts(b, ",,,,,,"); /* category, channel, event_id, source_path, record empty */
    lw_buf_reset(&s->tmp);
    lw_buf_printf(&s->tmp, "%u events", ca->nevs);
    if (ca->corr->ngroup)
        lw_buf_puts(&s->tmp, ": ");
    group_text(&s->tmp, ca);
    put_csv(b, (lw_str){s->tmp.p, s->tmp.n});
    put_tail(s, b, "correlation", a, 0);
    /* no single event: the group as a JSON object keeps the column JSON */
    lw_buf_reset(&s->tmp);
    lw_buf_putc(&s->tmp, '{');
    for (uint32_t i = 0; i < ca->corr->ngroup; i++) {
        if (i)
            lw_buf_putc(&s->tmp, ',');
        lw_buf_putc(&s->tmp, '"');
        lw_buf_put_json_escaped(&s->tmp, ca->corr->group[i], strlen(ca->corr->group[i]));
        lw_buf_puts(&s->tmp, "\":");
        if (ca->gnull[i]) {
            lw_buf_puts(&s->tmp, "null");
        } else {
            lw_buf_putc(&s->tmp, '"');
            lw_buf_put_json_escaped(&s->tmp, ca->gval[i].p ? ca->gval[i].p : "", ca->gval[i].n);
            lw_buf_putc(&s->tmp, '"');
        }
    }
    lw_buf_putc(&s->tmp, '}');
    put_csv(b, (lw_str){s->tmp.p, s->tmp.n});
    lw_buf_puts(b, "\r\n");
    for (uint32_t i = 0; i < ca->nevs; i++) {
        put_event_row(s, b, &ca->evs[i].ev->ev, ca->evs[i].rule, lw_alert_rule_level(a).p, NULL);
        put_tail(s, b, "event", a, i + 1);
        put_event_json(s, b, &ca->evs[i].ev->ev);
    }
    /* network evidence (src/core/evidence.h): kind "evidence", steps after the events */
    for (uint32_t i = 0; a->evidence && i < a->nevidence; i++) {
        lw_buf_reset(&s->tmp);
        lw_alert_evidence_text(&s->tmp, a, i);
        if (!lw_buf_ok(&s->tmp))
            return LW_ENOMEM;
        lw_str detail = {s->tmp.p, s->tmp.n}; /* put_event_row uses tmp only without one */
        put_event_row(s, b, a->evidence[i].ev, NULL, lw_alert_rule_level(a).p, &detail);
        put_tail(s, b, "evidence", a, ca->nevs + i + 1);
        put_event_json(s, b, a->evidence[i].ev);
    }
    if (!lw_buf_ok(b) || !lw_buf_ok(&s->tmp))
        return LW_ENOMEM;
    return fwrite(b->p, 1, b->n, s->out) == b->n ? LW_OK : LW_EIO;
}

static lw_status csv_write(void *state, const lw_alert *a)
{
    csv_state *s = state;
    lw_buf *b = &s->buf;
    lw_buf_reset(b);
    if (!s->header_done) {
        lw_buf_puts(b, "time,level,rule_id,rule_title,host,category,channel,event_id,"
                       "source_path,record,detail,kind,alert,correlation_type,group,step,"
                       "event\r\n");
        s->header_done = true;
    }
    s->alerts++;
    if (a->corr)
        return csv_write_corr(s, b, a);
    put_event_row(s, b, a->ev, a->meta, lw_alert_rule_level(a).p, NULL);
    put_tail(s, b, "detection", a, 0);
    put_event_json(s, b, a->ev);
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
