#include "sink.h"

#include <stdlib.h>
#include <string.h>

extern const lw_sink_vtable lw_sink_jsonl;
extern const lw_sink_vtable lw_sink_table;
extern const lw_sink_vtable lw_sink_csv;

static const lw_sink_vtable *const sinks[] = {&lw_sink_jsonl, &lw_sink_table, &lw_sink_csv, NULL};

struct lw_sink {
    const lw_sink_vtable *vt;
    void *state;
};

static const lw_sink_vtable *find_sink(const char *format)
{
    for (size_t i = 0; sinks[i]; i++)
        if (strcmp(sinks[i]->name, format) == 0)
            return sinks[i];
    return NULL;
}

int lw_sink_format_known(const char *format)
{
    return format && find_sink(format) != NULL;
}

lw_status lw_sink_open(const char *format, FILE *out, const lw_sink_options *opt, lw_sink **sink)
{
    *sink = NULL;
    const lw_sink_vtable *vt = format ? find_sink(format) : NULL;
    if (!vt || !out)
        return LW_EINVAL;
    lw_sink *s = calloc(1, sizeof(*s));
    if (!s)
        return LW_ENOMEM;
    lw_sink_options o = {0};
    if (opt)
        o = *opt;
    lw_status st = vt->open(out, &o, &s->state);
    if (st) {
        free(s);
        return st;
    }
    s->vt = vt;
    *sink = s;
    return LW_OK;
}

lw_status lw_sink_write(lw_sink *s, const lw_alert *a)
{
    return s->vt->write(s->state, a);
}

lw_status lw_sink_close(lw_sink *s)
{
    if (!s)
        return LW_OK;
    lw_status st = s->vt->close(s->state);
    free(s);
    return st;
}

static void put_json_str(lw_buf *b, lw_str s)
{
    lw_buf_putc(b, '"');
    lw_buf_put_json_escaped(b, s.p ? s.p : "", s.n);
    lw_buf_putc(b, '"');
}

static void put_field_value(lw_buf *b, const lw_field *f)
{
    if (f->flags & LW_FIELD_NULL)
        lw_buf_puts(b, "null");
    else
        put_json_str(b, f->value);
}

void lw_event_fields_to_json(lw_buf *b, const lw_event *ev)
{
    lw_buf_putc(b, '{');
    bool first = true;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const lw_field *f = &ev->fields[i];
        bool seen = false;
        for (uint32_t j = 0; j < i && !seen; j++)
            seen = lw_str_eq(ev->fields[j].name, f->name);
        if (seen)
            continue; /* written with its first occurrence */
        uint32_t count = 1;
        for (uint32_t j = i + 1; j < ev->nfields; j++)
            count += lw_str_eq(ev->fields[j].name, f->name);
        if (!first)
            lw_buf_putc(b, ',');
        first = false;
        put_json_str(b, f->name);
        lw_buf_putc(b, ':');
        if (count == 1) {
            put_field_value(b, f);
            continue;
        }
        lw_buf_putc(b, '[');
        bool f2 = true;
        for (uint32_t j = i; j < ev->nfields; j++) {
            if (!lw_str_eq(ev->fields[j].name, f->name))
                continue;
            if (!f2)
                lw_buf_putc(b, ',');
            f2 = false;
            put_field_value(b, &ev->fields[j]);
        }
        lw_buf_putc(b, ']');
    }
    lw_buf_putc(b, '}');
}

void lw_alert_to_json(lw_buf *b, const lw_alert *a)
{
    const lw_rule_meta *m = a->meta;
    const lw_event *ev = a->ev;
    lw_buf_puts(b, "{\"rule\":{\"id\":");
    put_json_str(b, lw_str_c(m->id));
    lw_buf_puts(b, ",\"title\":");
    put_json_str(b, lw_str_c(m->title));
    lw_buf_puts(b, ",\"level\":");
    put_json_str(b, lw_str_c(m->level));
    lw_buf_puts(b, ",\"status\":");
    put_json_str(b, lw_str_c(m->status));
    lw_buf_puts(b, ",\"tags\":[");
    for (size_t i = 0; i < m->ntags; i++) {
        if (i)
            lw_buf_putc(b, ',');
        put_json_str(b, lw_str_c(m->tags[i]));
    }
    lw_buf_puts(b, "],\"path\":");
    put_json_str(b, lw_str_c(m->path));
    lw_buf_puts(b, "},\"time\":");
    if (ev->time_ms == INT64_MIN) {
        lw_buf_puts(b, "null");
    } else {
        char t[40];
        lw_format_time(ev->time_ms, t, sizeof t);
        put_json_str(b, lw_str_c(t));
    }
    lw_buf_puts(b, ",\"host\":");
    put_json_str(b, ev->host);
    lw_buf_puts(b, ",\"category\":");
    put_json_str(b, lw_str_c(lw_event_category(ev)));
    lw_buf_puts(b, ",\"source\":{\"path\":");
    put_json_str(b, lw_str_c(lw_event_source_path(ev)));
    lw_buf_printf(b, ",\"record\":%llu}", (unsigned long long)ev->record);
    lw_buf_puts(b, ",\"event\":");
    lw_event_fields_to_json(b, ev);
    lw_buf_putc(b, '}');
}

lw_str lw_event_headline(const lw_event *ev, const char **name)
{
    static const char *const prefs[] = {
        "CommandLine", "TargetFilename", "QueryName", "ImageLoaded", "TargetObject",
        "DestinationIp", "PipeName", "ScriptBlockText", "Image", "ServiceName",
        "TargetUserName", "Data",
    };
    for (size_t i = 0; i < sizeof prefs / sizeof prefs[0]; i++) {
        const lw_field *f = lw_event_find(ev, lw_str_c(prefs[i]));
        if (f && f->value.n) {
            if (name)
                *name = prefs[i];
            return f->value;
        }
    }
    if (name)
        *name = "";
    return LW_STR_NULL;
}
