/*
 * HTML report: one self-contained page (inline CSS and JavaScript, no network access) with
 * an overview of the run, each chain as a left-to-right diagram, a per-host timeline and a
 * sortable, filterable table of all alerts (docs/report.md).
 *
 * The sink keeps the alerts as JSON (lw_alert_to_json) up to a cap (alert count and bytes)
 * and counts every alert by level, rule and host within bounded tables, so memory stays
 * bounded however long the run; the page says when it is capped.  URLs and hosts found in
 * the alerts are scored with the URL intelligence (lw_intel) when they are first seen, up
 * to a bound of distinct values.
 *
 * Escaping: the data goes into the page as JSON inside <script type="application/json">,
 * with '<', '>', '&', U+2028 and U+2029 written as \uXXXX so nothing in it can end the
 * script element or be read as markup; the page's script renders it with textContent only
 * and a Content-Security-Policy admits no other script (src/output/report/report.js).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/json-writer.h"
#include "report-assets.h"
#include "sink.h"

#define HTML_MAX_ALERTS      10000
#define HTML_MAX_BYTES       (64u << 20) /* embedded alert JSON */
#define HTML_MAX_ALERT_BYTES (2u << 20)  /* one alert larger than this is counted only */
#define HTML_MAX_URLS        4096        /* distinct URLs / hosts scored */
#define HTML_MAX_KEYS        512         /* distinct rules and hosts counted by name */
#define HTML_MAX_INPUTS      64

typedef struct count_ent {
    char *key;
    int level; /* rules: level index of the rule */
    uint64_t n;
} count_ent;

/* Counts by name, at most HTML_MAX_KEYS names; the rest is summed in other. */
typedef struct counter {
    count_ent *v;
    size_t n, cap;
    uint64_t other;
} counter;

typedef struct html_state {
    FILE *out;
    lw_buf alerts; /* "a1,a2,..." (JSON objects) */
    lw_buf urls;   /* "\"url\":{...},..." */
    lw_buf tmp;
    size_t embedded;
    uint64_t total, too_large;
    bool capped, oom;
    size_t max_alerts, max_bytes;
    uint64_t by_level[6];
    counter rules, hosts;
    int64_t tmin, tmax;
    uint64_t *url_set; /* open addressing on 64-bit hashes; 0 = empty */
    size_t url_cap, url_n;
    uint64_t urls_capped;
    const lw_intel *intel;
    lw_intel *own_intel;
    bool intel_failed;
    bool have_run;
    lw_hunt_stats hs;
    bool have_hs, have_cs;
    lw_corr_stats cs;
    size_t rules_loaded, rules_rejected;
    char *inputs[HTML_MAX_INPUTS];
    size_t ninputs, inputs_more;
} html_state;

static int level_index(const char *l)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    for (int i = 0; i < 5; i++)
        if (l && strcmp(l, names[i]) == 0)
            return i;
    return 5;
}

static const char *level_name(int i)
{
    static const char *const names[] = {"informational", "low",      "medium",
                                        "high",          "critical", "other"};
    return names[i >= 0 && i < 6 ? i : 5];
}

static char *dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Count one more for key; false only when memory ran out. */
static bool counter_add(counter *c, lw_str key, int level)
{
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->v[i].key) == key.n && (key.n == 0 || !memcmp(c->v[i].key, key.p, key.n))) {
            c->v[i].n++;
            return true;
        }
    if (c->n >= HTML_MAX_KEYS) {
        c->other++;
        return true;
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        count_ent *nv = realloc(c->v, nc * sizeof(*nv));
        if (!nv)
            return false;
        c->v = nv;
        c->cap = nc;
    }
    char *k = dup_n(key.p ? key.p : "", key.n);
    if (!k)
        return false;
    c->v[c->n++] = (count_ent){k, level, 1};
    return true;
}

static void counter_free(counter *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].key);
    free(c->v);
}

static int cmp_count(const void *a, const void *b)
{
    const count_ent *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->key, y->key);
}

static void put_jstr(lw_buf *b, const char *p, size_t n)
{
    lw_jw_put_str(b, p, n);
}

static void put_jcstr(lw_buf *b, const char *s)
{
    put_jstr(b, s, s ? strlen(s) : 0);
}

static uint64_t hash64(lw_str s)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < s.n; i++)
        h = (h ^ (unsigned char)s.p[i]) * 1099511628211ull;
    return h ? h : 1;
}

/* True when h was not in the set (and is now); false when seen or the set is full. */
static bool url_set_insert(html_state *s, uint64_t h)
{
    if (!s->url_set) {
        s->url_cap = HTML_MAX_URLS * 2;
        s->url_set = calloc(s->url_cap, sizeof(uint64_t));
        if (!s->url_set) {
            s->oom = true;
            return false;
        }
    }
    size_t i = (size_t)(h % s->url_cap);
    while (s->url_set[i]) {
        if (s->url_set[i] == h)
            return false;
        i = (i + 1) % s->url_cap;
    }
    if (s->url_n >= HTML_MAX_URLS) {
        s->urls_capped++;
        return false;
    }
    s->url_set[i] = h;
    s->url_n++;
    return true;
}

static const lw_intel *get_intel(html_state *s)
{
    if (s->intel)
        return s->intel;
    if (s->own_intel || s->intel_failed)
        return s->own_intel;
    lw_intel_options o = {0};
    char err[256];
    if (lw_intel_new(&o, &s->own_intel, err, sizeof err) != LW_OK) {
        s->own_intel = NULL;
        s->intel_failed = true;
    }
    return s->own_intel;
}

/* Fields whose values are URLs or host names worth scoring in the report. */
static const char *const url_fields[] = {
    "HostUrl",
    "ReferrerUrl",
    "CommandLineUrl",
    "ImageHostUrl",
    "ImageReferrerUrl",
    "CommandLineTargetHostUrl",
    "QueryName",
    "DestinationHostname",
    "c-uri",
    "cs-host",
    "query",
    "dns.query",
    "dns.rrname",
    "http.hostname",
    "tls.sni",
    "server_name",
};

static bool looks_like_host_or_url(lw_str v)
{
    if (v.n < 3 || v.n > 4096)
        return false;
    if (v.n == 1 && v.p[0] == '-')
        return false;
    bool dot = false;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == '\\')
            return false; /* a local or UNC path (ReferrerUrl of an extracted file) */
        dot |= v.p[i] == '.' || v.p[i] == ':';
    }
    return dot;
}

static void score_value(html_state *s, lw_str v)
{
    if (!looks_like_host_or_url(v) || !url_set_insert(s, hash64(v)))
        return;
    const lw_intel *in = get_intel(s);
    if (!in)
        return;
    lw_intel_result *r = malloc(sizeof(*r)); /* ~3 KiB; once per distinct URL */
    if (!r) {
        s->oom = true;
        return;
    }
    lw_intel_call call = {.when_ms = 0, .record_seen = 0};
    if (lw_intel_score_url(in, v, &call, r) == LW_OK) {
        lw_buf *b = &s->urls;
        if (b->n)
            lw_buf_putc(b, ',');
        put_jstr(b, v.p, v.n);
        lw_buf_printf(b, ":{\"score\":%d,\"verdict\":", r->score);
        put_jcstr(b, r->verdict_name);
        lw_buf_puts(b, ",\"host\":");
        put_jstr(b, r->host_unicode.p, r->host_unicode.n);
        lw_buf_puts(b, ",\"domain\":");
        put_jstr(b, r->registrable_domain.p, r->registrable_domain.n);
        lw_buf_puts(b, ",\"brand\":");
        put_jstr(b, r->brand.p, r->brand.n);
        lw_buf_printf(b, ",\"allowlisted\":%s,\"blocklisted\":%s,\"reasons\":[",
                      r->allowlisted ? "true" : "false", r->blocklisted ? "true" : "false");
        for (size_t i = 0; i < r->nreasons && i < LW_INTEL_MAX_REASONS; i++) {
            if (i)
                lw_buf_putc(b, ',');
            lw_buf_puts(b, "{\"code\":");
            put_jcstr(b, r->reasons[i].code);
            lw_buf_puts(b, ",\"text\":");
            put_jstr(b, r->reasons[i].text, strnlen(r->reasons[i].text, sizeof r->reasons[i].text));
            lw_buf_printf(b, ",\"weight\":%.1f}", r->reasons[i].weight);
        }
        lw_buf_puts(b, "]}");
    }
    free(r);
}

static void score_event(html_state *s, const lw_event *ev)
{
    size_t nf = lw_event_field_count(ev);
    for (size_t i = 0; i < nf; i++) {
        lw_str name, value;
        int is_null = 0;
        lw_event_field(ev, i, &name, &value, &is_null);
        if (is_null || !value.n)
            continue;
        for (size_t k = 0; k < sizeof url_fields / sizeof url_fields[0]; k++)
            if (lw_str_eq_c(name, url_fields[k])) {
                score_value(s, value);
                break;
            }
    }
}

static lw_status html_open(FILE *out, const lw_sink_options *opt, void **state)
{
    html_state *s = calloc(1, sizeof(*s));
    if (!s)
        return LW_ENOMEM;
    s->out = out;
    lw_buf_init(&s->alerts);
    lw_buf_init(&s->urls);
    lw_buf_init(&s->tmp);
    s->max_alerts = HTML_MAX_ALERTS;
    s->max_bytes = HTML_MAX_BYTES;
    /* For tests and very large cases; the page states the caps it used. */
    const char *e = getenv("LUREWATCH_REPORT_MAX_ALERTS");
    if (e && *e) {
        char *end = NULL;
        unsigned long long v = strtoull(e, &end, 10);
        if (end && !*end && v >= 1 && v <= 10000000)
            s->max_alerts = (size_t)v;
    }
    s->tmin = INT64_MAX;
    s->tmax = INT64_MIN;
    *state = s;
    return LW_OK;
}

static lw_status html_write(void *state, const lw_alert *a)
{
    html_state *s = state;
    const lw_event *ev = a->ev;
    int li = level_index(lw_alert_rule_level(a).p);
    s->total++;
    s->by_level[li]++;
    const char *title = a->meta->title && a->meta->title[0] ? a->meta->title : a->meta->id;
    if (!counter_add(&s->rules, lw_str_c(title ? title : ""), li) ||
        !counter_add(&s->hosts, ev->host, 0))
        return LW_ENOMEM;
    if (ev->time_ms != INT64_MIN) {
        if (ev->time_ms < s->tmin)
            s->tmin = ev->time_ms;
        if (ev->time_ms > s->tmax)
            s->tmax = ev->time_ms;
    }
    if (s->embedded >= s->max_alerts || s->alerts.n >= s->max_bytes) {
        s->capped = true;
        return LW_OK;
    }
    lw_buf_reset(&s->tmp);
    lw_alert_to_json(&s->tmp, a);
    if (!lw_buf_ok(&s->tmp))
        return LW_ENOMEM;
    if (s->tmp.n > HTML_MAX_ALERT_BYTES || s->alerts.n + s->tmp.n > s->max_bytes) {
        if (s->tmp.n > HTML_MAX_ALERT_BYTES)
            s->too_large++;
        s->capped = true;
        return LW_OK;
    }
    if (s->embedded)
        lw_buf_putc(&s->alerts, ',');
    lw_buf_put(&s->alerts, s->tmp.p, s->tmp.n);
    if (!lw_buf_ok(&s->alerts))
        return LW_ENOMEM;
    s->embedded++;
    /* Score what the embedded alert shows (a correlation alert: all its events). */
    size_t ne = lw_alert_event_count(a);
    if (ne == 0)
        score_event(s, ev);
    for (size_t i = 0; i < ne; i++) {
        const lw_event *e = lw_alert_event_at(a, i);
        if (e)
            score_event(s, e);
    }
    if (s->oom || !lw_buf_ok(&s->urls))
        return LW_ENOMEM;
    return LW_OK;
}

static lw_status html_run_info(void *state, const lw_sink_run_info *ri)
{
    html_state *s = state;
    s->have_run = true;
    if (ri->hunt) {
        s->hs = *ri->hunt;
        s->have_hs = true;
    }
    if (ri->corr) {
        s->cs = *ri->corr;
        s->have_cs = true;
    }
    s->rules_loaded = ri->rules;
    s->rules_rejected = ri->rules_rejected;
    for (size_t i = 0; i < ri->ninputs && ri->inputs; i++) {
        if (s->ninputs >= HTML_MAX_INPUTS) {
            s->inputs_more++;
            continue;
        }
        const char *p = ri->inputs[i] ? ri->inputs[i] : "";
        char *d = dup_n(p, strlen(p));
        if (!d)
            return LW_ENOMEM;
        s->inputs[s->ninputs++] = d;
    }
    return LW_OK;
}

static void html_intel(void *state, const lw_intel *in)
{
    ((html_state *)state)->intel = in;
}

static void put_time(lw_buf *b, int64_t ms)
{
    if (ms == INT64_MIN || ms == INT64_MAX) {
        lw_buf_puts(b, "null");
        return;
    }
    char t[40];
    lw_format_time(ms, t, sizeof t);
    put_jcstr(b, t);
}

static void put_counts(lw_buf *b, counter *c, bool with_level)
{
    qsort(c->v, c->n, sizeof(*c->v), cmp_count);
    lw_buf_putc(b, '[');
    for (size_t i = 0; i < c->n; i++) {
        if (i)
            lw_buf_putc(b, ',');
        lw_buf_putc(b, '[');
        put_jcstr(b, c->v[i].key);
        if (with_level) {
            lw_buf_putc(b, ',');
            put_jcstr(b, level_name(c->v[i].level));
        }
        lw_buf_printf(b, ",%llu]", (unsigned long long)c->v[i].n);
    }
    lw_buf_putc(b, ']');
}

/* Everything but the alerts and urls, as the head of the data object. */
static void put_meta(html_state *s, lw_buf *b)
{
    lw_buf_puts(b, "{\"version\":");
    put_jcstr(b, LW_VERSION);
    lw_buf_puts(b, ",\"generated\":");
    put_time(b, (int64_t)time(NULL) * 1000);
    lw_buf_printf(b,
                  ",\"total\":%llu,\"embedded\":%zu,\"capped\":%s,\"cap\":%zu,\"cap_bytes\":%zu,"
                  "\"too_large\":%llu,\"intel\":%s,\"urls_scored\":%zu,\"urls_capped\":%llu",
                  (unsigned long long)s->total, s->embedded, s->capped ? "true" : "false",
                  s->max_alerts, s->max_bytes, (unsigned long long)s->too_large,
                  (s->intel || s->own_intel) ? "true" : "false", s->url_n,
                  (unsigned long long)s->urls_capped);
    lw_buf_puts(b, ",\"time\":{\"first\":");
    put_time(b, s->tmin);
    lw_buf_puts(b, ",\"last\":");
    put_time(b, s->tmax);
    lw_buf_puts(b, "},\"counts\":{\"level\":{");
    for (int i = 0; i < 6; i++)
        lw_buf_printf(b, "%s\"%s\":%llu", i ? "," : "", level_name(i),
                      (unsigned long long)s->by_level[i]);
    lw_buf_puts(b, "},\"rule\":");
    put_counts(b, &s->rules, true);
    lw_buf_printf(b, ",\"rule_other\":%llu,\"host\":", (unsigned long long)s->rules.other);
    put_counts(b, &s->hosts, false);
    lw_buf_printf(b, ",\"host_other\":%llu}", (unsigned long long)s->hosts.other);
    lw_buf_puts(b, ",\"stats\":");
    if (!s->have_run) {
        lw_buf_puts(b, "null");
        return;
    }
    lw_buf_printf(b, "{\"rules\":%zu,\"rules_rejected\":%zu,\"inputs\":[", s->rules_loaded,
                  s->rules_rejected);
    for (size_t i = 0; i < s->ninputs; i++) {
        if (i)
            lw_buf_putc(b, ',');
        put_jcstr(b, s->inputs[i]);
    }
    lw_buf_printf(b, "],\"inputs_more\":%zu", s->inputs_more);
    if (s->have_hs) {
        const lw_hunt_stats *h = &s->hs;
        lw_buf_printf(b,
                      ",\"files\":%llu,\"files_failed\":%llu,\"bytes\":%llu,\"records\":%llu,"
                      "\"events\":%llu,\"skipped\":%llu,\"reasons\":[",
                      (unsigned long long)h->files, (unsigned long long)h->files_failed,
                      (unsigned long long)h->bytes, (unsigned long long)h->records,
                      (unsigned long long)h->events, (unsigned long long)h->skipped);
        size_t nr = h->nreasons < LW_SKIP_REASONS_MAX ? h->nreasons : LW_SKIP_REASONS_MAX;
        for (size_t i = 0; i < nr; i++) {
            if (i)
                lw_buf_putc(b, ',');
            lw_buf_puts(b, "{\"reason\":");
            put_jcstr(b, h->reasons[i].reason);
            lw_buf_printf(b, ",\"level\":%d,\"count\":%llu,\"first\":[", h->reasons[i].file_level,
                          (unsigned long long)h->reasons[i].count);
            size_t nfirst = h->reasons[i].nfirst < 4 ? h->reasons[i].nfirst : 4;
            for (size_t k = 0; k < nfirst; k++) {
                if (k)
                    lw_buf_putc(b, ',');
                put_jstr(b, h->reasons[i].first[k],
                         strnlen(h->reasons[i].first[k], sizeof h->reasons[i].first[k]));
            }
            lw_buf_puts(b, "]}");
        }
        lw_buf_putc(b, ']');
        lw_buf_printf(b,
                      ",\"order_late\":%llu,\"primed\":%llu,\"archives\":%llu,"
                      "\"outside_window\":%llu",
                      (unsigned long long)h->enrich_order_late, (unsigned long long)h->primed,
                      (unsigned long long)h->archives, (unsigned long long)h->outside_window);
    }
    if (s->have_cs && s->cs.correlations) {
        const lw_corr_stats *k = &s->cs;
        uint64_t dropped = k->dropped_late + k->dropped_no_time + k->dropped_groups +
                           k->dropped_entries + k->dropped_copies;
        lw_buf_printf(b,
                      ",\"correlation\":{\"rules\":%llu,\"matches\":%llu,\"alerts\":%llu,"
                      "\"groups\":%llu,\"dropped\":%llu}",
                      (unsigned long long)k->correlations, (unsigned long long)k->matches,
                      (unsigned long long)k->alerts, (unsigned long long)k->groups,
                      (unsigned long long)dropped);
    }
    lw_buf_putc(b, '}');
}

/* Write JSON so that it cannot leave a <script> element or be parsed as markup: the only
 * places '<', '>', '&', U+2028 and U+2029 can occur in our JSON are inside strings, where
 * \uXXXX means the same character. */
static bool write_script_json(FILE *out, const char *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        size_t skip = 1;
        unsigned char c = (unsigned char)p[i];
        if (c == '<')
            esc = "\\u003c";
        else if (c == '>')
            esc = "\\u003e";
        else if (c == '&')
            esc = "\\u0026";
        else if (c == 0xE2 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 &&
                 ((unsigned char)p[i + 2] == 0xA8 || (unsigned char)p[i + 2] == 0xA9)) {
            esc = (unsigned char)p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
            skip = 3;
        }
        if (!esc)
            continue;
        if (i > run && fwrite(p + run, 1, i - run, out) != i - run)
            return false;
        if (fwrite(esc, 1, 6, out) != 6)
            return false;
        i += skip - 1;
        run = i + 1;
    }
    return n <= run || fwrite(p + run, 1, n - run, out) == n - run;
}

static lw_status html_close(void *state)
{
    html_state *s = state;
    lw_status st = LW_OK;
    lw_buf meta;
    lw_buf_init(&meta);
    put_meta(s, &meta);
    if (!lw_buf_ok(&meta) || !lw_buf_ok(&s->alerts) || !lw_buf_ok(&s->urls)) {
        st = LW_ENOMEM;
        goto out;
    }
    /* meta ends with the stats object; the data object continues with urls and alerts */
    if (fwrite(lw_report_head, 1, lw_report_head_len, s->out) != lw_report_head_len ||
        !write_script_json(s->out, meta.p, meta.n) || fputs(",\"urls\":{", s->out) < 0 ||
        !write_script_json(s->out, s->urls.p, s->urls.n) || fputs("},\"alerts\":[", s->out) < 0 ||
        !write_script_json(s->out, s->alerts.p, s->alerts.n) || fputs("]}", s->out) < 0 ||
        fwrite(lw_report_tail, 1, lw_report_tail_len, s->out) != lw_report_tail_len ||
        fflush(s->out) != 0)
        st = LW_EIO;
out:
    lw_buf_free(&meta);
    lw_buf_free(&s->alerts);
    lw_buf_free(&s->urls);
    lw_buf_free(&s->tmp);
    counter_free(&s->rules);
    counter_free(&s->hosts);
    for (size_t i = 0; i < s->ninputs; i++)
        free(s->inputs[i]);
    free(s->url_set);
    lw_intel_free(s->own_intel);
    free(s);
    return st;
}

const lw_sink_vtable lw_sink_html = {"html", html_open, html_write, html_close};
const lw_sink_ext lw_sink_html_ext = {&lw_sink_html, html_run_info, html_intel};
