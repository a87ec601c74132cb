/*
 * JSON of the correlation part of an alert (docs/alerts.md, "Correlation alerts"):
 *   "correlation": {"type", "group": {name: value|null}, "rules": [ids], "value",
 *                   "first_time", "last_time", "events_omitted"},
 *   "events": [{"rule": {"id", "title"}, "time", "host", "category",
 *               "source": {"path", "record"}, "event": {...}}, ...]   (time order)
 *   "evidence": [{"role": "network-evidence", "match": {"by", "client", "server", "port",
 *                 "offset_ms"}, "time", "host", "category", "channel",
 *                 "source": {...}, "event": {...}}, ...]   (time order; only when any)
 *   "evidence_omitted": N   (only when matching records were left out by the bound)
 * Kept apart from lw_alert_to_json (sink.c) so detection-alert output is untouched.
 */
#include "../core/evidence.h"
#include "../sigma/correlation.h"
#include "../core/json-writer.h"
#include "sink.h"

static void jstr(lw_buf *b, lw_str s)
{
    lw_jw_put_str(b, s.p, s.n);
}

static void jstr_or_null(lw_buf *b, lw_str s)
{
    if (s.n)
        jstr(b, s);
    else
        lw_buf_puts(b, "null");
}

/* The end of an event object: its source, its fields, the closing brace. */
static void put_source_and_fields(lw_buf *b, const lw_event *ev)
{
    lw_buf_puts(b, ",\"source\":{\"path\":");
    jstr(b, lw_str_c(lw_event_source_path(ev)));
    lw_buf_printf(b, ",\"record\":%llu},\"event\":", (unsigned long long)ev->record);
    lw_event_fields_to_json(b, ev);
    lw_buf_putc(b, '}');
}

static void jtime(lw_buf *b, int64_t t)
{
    if (t == INT64_MIN || t == INT64_MAX) {
        lw_buf_puts(b, "null");
        return;
    }
    char s[40];
    lw_format_time(t, s, sizeof s);
    jstr(b, lw_str_c(s));
}

static void jnum(lw_buf *b, double v)
{
    if (v == (double)(int64_t)v && v > -9e15 && v < 9e15)
        lw_buf_printf(b, "%lld", (long long)v);
    else if (v == v)
        lw_buf_printf(b, "%.6g", v);
    else
        lw_buf_puts(b, "null");
}

void lw_alert_corr_to_json(lw_buf *b, const lw_alert *a)
{
    const lw_calert *ca = a->corr;
    const lw_corr *c = ca->corr;
    lw_buf_puts(b, ",\"correlation\":{\"type\":");
    jstr(b, lw_str_c(lw_corr_type_name(c->type)));
    lw_buf_puts(b, ",\"group\":{");
    for (uint32_t i = 0; i < c->ngroup; i++) {
        if (i)
            lw_buf_putc(b, ',');
        jstr(b, lw_str_c(c->group[i]));
        lw_buf_putc(b, ':');
        if (ca->gnull[i])
            lw_buf_puts(b, "null");
        else
            jstr(b, ca->gval[i]);
    }
    lw_buf_puts(b, "},\"rules\":[");
    for (uint32_t i = 0; i < c->nrefs; i++) {
        if (i)
            lw_buf_putc(b, ',');
        jstr(b, lw_alert_correlation_rule(a, i));
    }
    lw_buf_puts(b, "],\"value\":");
    jnum(b, ca->value);
    lw_buf_puts(b, ",\"first_time\":");
    jtime(b, ca->t_first);
    lw_buf_puts(b, ",\"last_time\":");
    jtime(b, ca->t_last);
    lw_buf_printf(b, ",\"events_omitted\":%llu},\"events\":[", (unsigned long long)ca->omitted);
    for (uint32_t i = 0; i < ca->nevs; i++) {
        const lw_event *ev = &ca->evs[i].ev->ev;
        const lw_rule_meta *m = ca->evs[i].rule;
        if (i)
            lw_buf_putc(b, ',');
        lw_buf_puts(b, "{\"rule\":{\"id\":");
        jstr(b, lw_str_c(m ? m->id : ""));
        lw_buf_puts(b, ",\"title\":");
        jstr(b, lw_str_c(m ? m->title : ""));
        lw_buf_puts(b, "},\"time\":");
        jtime(b, ev->time_ms);
        lw_buf_puts(b, ",\"host\":");
        jstr(b, ev->host);
        lw_buf_puts(b, ",\"category\":");
        jstr(b, lw_str_c(lw_event_category(ev)));
        put_source_and_fields(b, ev);
    }
    lw_buf_putc(b, ']');
    if (a->evidence && a->nevidence) {
        lw_buf_puts(b, ",\"evidence\":[");
        for (uint32_t i = 0; i < a->nevidence; i++) {
            const lw_evidence_item *it = &a->evidence[i];
            const lw_event *ev = it->ev;
            if (i)
                lw_buf_putc(b, ',');
            lw_buf_puts(b, "{\"role\":\"network-evidence\",\"match\":{\"by\":");
            jstr(b, lw_str_c(it->by));
            lw_buf_puts(b, ",\"client\":");
            jstr_or_null(b, it->client);
            lw_buf_puts(b, ",\"server\":");
            jstr_or_null(b, it->server);
            lw_buf_puts(b, ",\"port\":");
            if (it->port >= 0)
                lw_buf_printf(b, "%d", it->port);
            else
                lw_buf_puts(b, "null");
            lw_buf_printf(b, ",\"offset_ms\":%lld},\"time\":", (long long)it->offset_ms);
            jtime(b, ev->time_ms);
            lw_buf_puts(b, ",\"host\":");
            jstr(b, ev->host);
            lw_buf_puts(b, ",\"category\":");
            jstr(b, lw_str_c(lw_event_category(ev)));
            lw_buf_puts(b, ",\"channel\":");
            jstr(b, ev->channel);
            put_source_and_fields(b, ev);
        }
        lw_buf_putc(b, ']');
    }
    if (a->evidence_omitted)
        lw_buf_printf(b, ",\"evidence_omitted\":%llu", (unsigned long long)a->evidence_omitted);
}
