#include "alert.h"

#include "../core/evidence.h"
#include "../sigma/correlation.h"

lw_str lw_alert_rule_id(const lw_alert *a)
{
    return lw_str_c(a->meta->id);
}
lw_str lw_alert_rule_title(const lw_alert *a)
{
    return lw_str_c(a->meta->title);
}
lw_str lw_alert_rule_level(const lw_alert *a)
{
    return lw_str_c(a->level ? a->level : a->meta->level);
}
lw_str lw_alert_rule_status(const lw_alert *a)
{
    return lw_str_c(a->meta->status);
}
size_t lw_alert_tag_count(const lw_alert *a)
{
    return a->meta->ntags;
}
lw_str lw_alert_tag(const lw_alert *a, size_t i)
{
    return i < a->meta->ntags ? lw_str_c(a->meta->tags[i]) : LW_STR_NULL;
}
const lw_event *lw_alert_event(const lw_alert *a)
{
    return a->ev;
}

/* ---- correlation alerts ---- */

lw_alert_kind lw_alert_get_kind(const lw_alert *a)
{
    return a->corr ? LW_ALERT_CORRELATION : LW_ALERT_DETECTION;
}

const char *lw_alert_correlation_type(const lw_alert *a)
{
    return a->corr ? lw_corr_type_name(a->corr->corr->type) : "";
}

size_t lw_alert_group_count(const lw_alert *a)
{
    return a->corr ? a->corr->corr->ngroup : 0;
}

void lw_alert_group(const lw_alert *a, size_t i, lw_str *name, lw_str *value, int *is_null)
{
    bool ok = a->corr && i < a->corr->corr->ngroup;
    if (name)
        *name = ok ? lw_str_c(a->corr->corr->group[i]) : LW_STR_NULL;
    if (value)
        *value = ok ? a->corr->gval[i] : LW_STR_NULL;
    if (is_null)
        *is_null = ok ? a->corr->gnull[i] : 1;
}

size_t lw_alert_correlation_rule_count(const lw_alert *a)
{
    return a->corr ? a->corr->corr->nrefs : 0;
}

lw_str lw_alert_correlation_rule(const lw_alert *a, size_t i)
{
    if (!a->corr || i >= a->corr->corr->nrefs)
        return LW_STR_NULL;
    const lw_corr_ref *r = &a->corr->corr->refs[i];
    return lw_str_c(r->meta && r->meta->id[0] ? r->meta->id : r->text);
}

double lw_alert_correlation_value(const lw_alert *a)
{
    return a->corr ? a->corr->value : 0;
}

size_t lw_alert_event_count(const lw_alert *a)
{
    return a->corr ? a->corr->nevs : 1;
}

const lw_event *lw_alert_event_at(const lw_alert *a, size_t i)
{
    if (!a->corr)
        return i == 0 ? a->ev : NULL;
    return i < a->corr->nevs ? &a->corr->evs[i].ev->ev : NULL;
}

void lw_alert_event_rule(const lw_alert *a, size_t i, lw_str *id, lw_str *title)
{
    const lw_rule_meta *m = NULL;
    if (!a->corr)
        m = i == 0 ? a->meta : NULL;
    else if (i < a->corr->nevs)
        m = a->corr->evs[i].rule;
    if (id)
        *id = m ? lw_str_c(m->id) : LW_STR_NULL;
    if (title)
        *title = m ? lw_str_c(m->title) : LW_STR_NULL;
}

uint64_t lw_alert_events_omitted(const lw_alert *a)
{
    return a->corr ? a->corr->omitted : 0;
}

/* ---- network evidence (include/lurewatch-evidence.h) ---- */

size_t lw_alert_evidence_count(const lw_alert *a)
{
    return a->evidence ? a->nevidence : 0;
}

const lw_event *lw_alert_evidence_at(const lw_alert *a, size_t i)
{
    return a->evidence && i < a->nevidence ? a->evidence[i].ev : NULL;
}

const char *lw_alert_evidence_match(const lw_alert *a, size_t i, int64_t *offset_ms)
{
    bool ok = a->evidence && i < a->nevidence;
    if (offset_ms)
        *offset_ms = ok ? a->evidence[i].offset_ms : 0;
    return ok ? a->evidence[i].by : "";
}

uint64_t lw_alert_evidence_omitted(const lw_alert *a)
{
    return a->evidence_omitted;
}

static lw_str ev_field(const lw_event *ev, const char *name)
{
    const lw_field *f = lw_event_find(ev, lw_str_c(name));
    return f && !(f->flags & LW_FIELD_NULL) && !lw_str_eq_c(f->value, "-") ? f->value : LW_STR_NULL;
}

void lw_alert_evidence_text(lw_buf *b, const lw_alert *a, size_t i)
{
    if (!a->evidence || i >= a->nevidence)
        return;
    const lw_evidence_item *it = &a->evidence[i];
    const lw_event *ev = it->ev;
    lw_buf_put(b, ev->channel.p, ev->channel.n);
    lw_buf_printf(b, " (by %s)", it->by);
    if (it->server.n) {
        lw_buf_puts(b, " server ");
        lw_buf_put(b, it->server.p, it->server.n);
        if (it->port >= 0)
            lw_buf_printf(b, ":%d", it->port);
    }
    if (it->client.n) {
        lw_buf_puts(b, " client ");
        lw_buf_put(b, it->client.p, it->client.n);
    }
    static const char *const what[] = {"c-uri",
                                       "DownloadFileName",
                                       "mime_type",
                                       "sc-content-type",
                                       "fileinfo.magic",
                                       "seen_bytes",
                                       "sha256",
                                       "md5",
                                       "id"};
    for (size_t k = 0; k < sizeof what / sizeof what[0]; k++) {
        lw_str v = ev_field(ev, what[k]);
        if (!v.n)
            continue;
        lw_buf_printf(b, ", %s=", what[k]);
        lw_buf_put(b, v.p, v.n > 200 ? 200 : v.n);
    }
    lw_buf_printf(b, ", %+.1f s from the chain", (double)it->offset_ms / 1000.0);
}
