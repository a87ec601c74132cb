/* JSON lines: one alert object per line (keys documented in docs/alerts.md). */
#include <stdlib.h>

#include "sink.h"

typedef struct jsonl_state {
    FILE *out;
    lw_buf buf;
} jsonl_state;

static lw_status jsonl_open(FILE *out, const lw_sink_options *opt, void **state)
{
    jsonl_state *s = calloc(1, sizeof(*s));
    if (!s)
        return LW_ENOMEM;
    s->out = out;
    lw_buf_init(&s->buf);
    *state = s;
    return LW_OK;
}

static lw_status jsonl_write(void *state, const lw_alert *a)
{
    jsonl_state *s = state;
    lw_buf_reset(&s->buf);
    lw_alert_to_json(&s->buf, a);
    lw_buf_putc(&s->buf, '\n');
    if (!lw_buf_ok(&s->buf))
        return LW_ENOMEM;
    if (fwrite(s->buf.p, 1, s->buf.n, s->out) != s->buf.n)
        return LW_EIO;
    return LW_OK;
}

static lw_status jsonl_close(void *state)
{
    jsonl_state *s = state;
    lw_status st = fflush(s->out) == 0 ? LW_OK : LW_EIO;
    lw_buf_free(&s->buf);
    free(s);
    return st;
}

const lw_sink_vtable lw_sink_jsonl = {"jsonl", jsonl_open, jsonl_write, jsonl_close};
