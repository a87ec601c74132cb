/*
 * Sigma correlation: every correlation type, group-by and aliases, timespan edges,
 * generate, chains, limits and their counters, out-of-order and multi-file input giving
 * identical alerts, and rejections.  Rules are YAML text; events are flat JSON lines
 * written to temporary files and hunted through the public API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/event.h"
#include "lurewatch.h"

/* ---- helpers ---- */

#define T0  1704103200000LL /* 2024-01-01T10:00:00Z */
#define SEC 1000LL
#define MIN (60 * SEC)

static char *write_tmp(const char *text, const char *suffix)
{
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/lw_corr_test_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

typedef struct reports {
    int n, ok;
    char reason[512];
    uint64_t line;
} reports;

static void on_report(const lw_rule_report *r, void *ud)
{
    reports *rp = ud;
    rp->n++;
    rp->ok += r->ok;
    if (!r->ok) {
        snprintf(rp->reason, sizeof rp->reason, "%s", r->reason);
        rp->line = r->line;
    }
}

static lw_rules *load_rules(const char *yaml, reports *rp)
{
    lw_rules *r;
    reports dummy;
    if (!rp)
        rp = &dummy;
    memset(rp, 0, sizeof(*rp));
    assert_int_equal(lw_rules_new(&r), LW_OK);
    char *p = write_tmp(yaml, ".yml");
    assert_int_equal(lw_rules_load(r, p, on_report, rp), LW_OK);
    unlink(p);
    free(p);
    assert_int_equal(lw_rules_resolve(r, on_report, rp), LW_OK);
    assert_int_equal(lw_rules_compile(r), LW_OK);
    return r;
}

/* One flat (NXLog-style) Sysmon JSON line.  fields: "Name=value|Name=value" (no quotes or
 * backslashes needing escapes other than '\\' which is doubled here). */
static void ev_line(char *out, size_t cap, int64_t ms, int eid, const char *host,
                    const char *fields)
{
    char t[40];
    lw_format_time(ms, t, sizeof t);
    size_t o = (size_t)snprintf(out, cap,
                                "{\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
                                "\"SourceName\":\"Microsoft-Windows-Sysmon\",\"Hostname\":\"%s\","
                                "\"@timestamp\":\"%s\",\"EventID\":%d",
                                host, t, eid);
    const char *p = fields;
    while (p && *p && o + 8 < cap) {
        const char *eq = strchr(p, '=');
        const char *bar = strchr(p, '|');
        if (!bar)
            bar = p + strlen(p);
        assert_non_null(eq);
        o += (size_t)snprintf(out + o, cap - o, ",\"%.*s\":\"", (int)(eq - p), p);
        for (const char *v = eq + 1; v < bar && o + 4 < cap; v++) {
            if (*v == '\\')
                out[o++] = '\\';
            out[o++] = *v;
        }
        o += (size_t)snprintf(out + o, cap - o, "\"");
        p = *bar ? bar + 1 : bar;
    }
    snprintf(out + o, cap - o, "}\n");
}

typedef struct evspec {
    int64_t ms;
    int eid;
    const char *host;
    const char *fields;
} evspec;

static char *events_text(const evspec *e, size_t n, const size_t *order)
{
    size_t cap = n * 2048 + 1;
    char *buf = calloc(1, cap);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        const evspec *x = &e[order ? order[i] : i];
        ev_line(buf + o, cap - o, x->ms, x->eid, x->host, x->fields);
        o += strlen(buf + o);
    }
    return buf;
}

/* Alerts as stable one-line signatures (no source path or record: those differ between
 * one file and split files by design). */
typedef struct sigs {
    char *s[64];
    size_t n;
} sigs;

static void add_field_sig(char *b, size_t cap, size_t *o, const lw_event *ev)
{
    static const char *const names[] = {"TargetFilename", "Image", "User", "DestinationIp"};
    for (size_t i = 0; i < 4; i++) {
        lw_str v;
        if (lw_event_get(ev, names[i], &v)) {
            *o += (size_t)snprintf(b + *o, cap - *o, "=%.*s", (int)v.n, v.p);
            return;
        }
    }
}

static void on_alert(const lw_alert *a, void *ud)
{
    sigs *s = ud;
    char b[4096];
    size_t o = 0;
    lw_str id = lw_alert_rule_id(a);
    o += (size_t)snprintf(b + o, sizeof b - o, "%.*s", (int)id.n, id.p);
    if (lw_alert_get_kind(a) == LW_ALERT_DETECTION) {
        o += (size_t)snprintf(b + o, sizeof b - o, " det %lld",
                              (long long)((lw_event_time_ms(lw_alert_event(a)) - T0) / SEC));
    } else {
        o += (size_t)snprintf(b + o, sizeof b - o, " %s v=%g [", lw_alert_correlation_type(a),
                              lw_alert_correlation_value(a));
        for (size_t i = 0; i < lw_alert_group_count(a); i++) {
            lw_str n, v;
            int isnull;
            lw_alert_group(a, i, &n, &v, &isnull);
            o += (size_t)snprintf(b + o, sizeof b - o, "%s%.*s=%.*s", i ? "," : "", (int)n.n, n.p,
                                  isnull ? 1 : (int)v.n, isnull ? "~" : v.p);
        }
        o += (size_t)snprintf(b + o, sizeof b - o, "]");
        for (size_t i = 0; i < lw_alert_event_count(a) && o < sizeof b - 200; i++) {
            const lw_event *ev = lw_alert_event_at(a, i);
            lw_str rid;
            lw_alert_event_rule(a, i, &rid, NULL);
            o +=
                (size_t)snprintf(b + o, sizeof b - o, " %lld:%.*s",
                                 (long long)((lw_event_time_ms(ev) - T0) / SEC), (int)rid.n, rid.p);
            add_field_sig(b, sizeof b, &o, ev);
        }
        if (lw_alert_events_omitted(a))
            o += (size_t)snprintf(b + o, sizeof b - o, " +%llu",
                                  (unsigned long long)lw_alert_events_omitted(a));
    }
    if (s->n < 64)
        s->s[s->n++] = strdup(b);
}

static void sigs_free(sigs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->s[i]);
    s->n = 0;
}

static void sigs_print(const char *what, const sigs *s)
{
    printf("%s: %zu alerts\n", what, s->n);
    for (size_t i = 0; i < s->n; i++)
        printf("  %s\n", s->s[i]);
}

/* Hunt the given texts as separate files in the given order (batch unless opt says). */
static void hunt_texts(const lw_rules *r, char **texts, size_t ntexts, const lw_corr_options *opt,
                       sigs *out, lw_corr_stats *st)
{
    lw_hunt *h;
    memset(out, 0, sizeof(*out));
    lw_hunt_options ho = {.on_alert = on_alert, .alert_ud = out};
    assert_int_equal(lw_hunt_new(r, &ho, &h), LW_OK);
    if (opt)
        assert_int_equal(lw_hunt_set_correlation(h, opt), LW_OK);
    for (size_t i = 0; i < ntexts; i++) {
        char *p = write_tmp(texts[i], ".jsonl");
        assert_int_equal(lw_hunt_path(h, p), LW_OK);
        unlink(p);
        free(p);
    }
    assert_int_equal(lw_hunt_finish(h), LW_OK);
    if (st)
        *st = *lw_hunt_get_corr_stats(h);
    lw_hunt_free(h);
}

static void hunt_events(const lw_rules *r, const evspec *e, size_t n, const lw_corr_options *opt,
                        sigs *out, lw_corr_stats *st)
{
    char *t = events_text(e, n, NULL);
    hunt_texts(r, &t, 1, opt, out, st);
    free(t);
}

static bool has(const sigs *s, const char *needle)
{
    for (size_t i = 0; i < s->n; i++)
        if (strstr(s->s[i], needle))
            return true;
    return false;
}

static size_t count_kind(const sigs *s, const char *needle)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        k += strstr(s->s[i], needle) != NULL;
    return k;
}

/* ---- base rules shared by the cases ---- */

#define BASE                                                                                       \
    "title: file in Downloads\n"                                                                   \
    "id: b1\n"                                                                                     \
    "name: dl\n"                                                                                   \
    "level: low\n"                                                                                 \
    "logsource: {product: windows, category: file_event}\n"                                        \
    "detection:\n"                                                                                 \
    "  sel:\n"                                                                                     \
    "    TargetFilename|contains: '\\Downloads\\'\n"                                               \
    "  condition: sel\n"                                                                           \
    "---\n"                                                                                        \
    "title: process from Downloads\n"                                                              \
    "id: b2\n"                                                                                     \
    "name: ex\n"                                                                                   \
    "level: low\n"                                                                                 \
    "logsource: {product: windows, category: process_creation}\n"                                  \
    "detection:\n"                                                                                 \
    "  sel:\n"                                                                                     \
    "    Image|contains: '\\Downloads\\'\n"                                                        \
    "  condition: sel\n"                                                                           \
    "---\n"                                                                                        \
    "title: connection\n"                                                                          \
    "id: b3\n"                                                                                     \
    "name: net\n"                                                                                  \
    "level: low\n"                                                                                 \
    "logsource: {product: windows, category: network_connection}\n"                                \
    "detection:\n"                                                                                 \
    "  sel:\n"                                                                                     \
    "    Initiated: 'true'\n"                                                                      \
    "  condition: sel\n"                                                                           \
    "---\n"                                                                                        \
    "title: recon\n"                                                                               \
    "id: b4\n"                                                                                     \
    "name: recon\n"                                                                                \
    "level: low\n"                                                                                 \
    "logsource: {product: windows, category: process_creation}\n"                                  \
    "detection:\n"                                                                                 \
    "  sel:\n"                                                                                     \
    "    Image|endswith: '\\whoami.exe'\n"                                                         \
    "  condition: sel\n"

#define DL(ms, host, file)                                                                         \
    {                                                                                              \
        (ms), 11, (host), "Image=C:\\chrome.exe|TargetFilename=" file                              \
    }
#define EX(ms, host, img)                                                                          \
    {                                                                                              \
        (ms), 1, (host), "User=U|Image=" img                                                       \
    }
#define NET(ms, host, img, ip)                                                                     \
    {                                                                                              \
        (ms), 3, (host), "Image=" img "|Initiated=true|DestinationIp=" ip                          \
    }
#define WHO(ms, host, user)                                                                        \
    {                                                                                              \
        (ms), 1, (host), "Image=C:\\Windows\\System32\\whoami.exe|User=" user                      \
    }

/* ---- cases ---- */

static void test_event_count(void **state)
{
    (void)state;
    lw_rules *r = load_rules(BASE "---\n"
                                  "title: many whoami\n"
                                  "id: c-ec\n"
                                  "level: medium\n"
                                  "correlation:\n"
                                  "  type: event_count\n"
                                  "  rules: [recon]\n"
                                  "  group-by: [Computer, User]\n"
                                  "  timespan: 1m\n"
                                  "  condition: {gte: 3}\n",
                             NULL);
    assert_int_equal(lw_rules_correlation_count(r), 1);
    /* A: 3 within exactly 60 s (edge included) -> fires.  B: 3 spread over 60.001 s -> no.
     * C: other user on the same host does not add to A. */
    evspec e[] = {
        WHO(T0, "A", "u1"),
        WHO(T0 + 30 * SEC, "A", "u1"),
        WHO(T0 + 60 * SEC, "A", "u1"),
        WHO(T0 + 10 * SEC, "A", "u2"),
        WHO(T0, "B", "u1"),
        WHO(T0 + 30 * SEC, "B", "u1"),
        {T0 + 60 * SEC + 1, 1, "B", "Image=C:\\Windows\\System32\\whoami.exe|User=u1"},
    };
    sigs s;
    lw_corr_stats st;
    hunt_events(r, e, sizeof e / sizeof e[0], NULL, &s, &st);
    sigs_print("event_count", &s);
    assert_int_equal(s.n, 1);
    assert_true(has(
        &s,
        "c-ec event_count v=3 [Computer=A,User=u1] 0:b4=C:\\Windows\\System32\\whoami.exe 30:b4"));
    assert_int_equal(st.correlations, 1);
    assert_int_equal(st.suppressed, 7); /* base rule referenced without generate */
    assert_true(st.groups >= 3);
    sigs_free(&s);
    lw_rules_free(r);
}

static void test_value_count_and_tumbling(void **state)
{
    (void)state;
    lw_rules *r = load_rules(BASE "---\n"
                                  "title: many users\n"
                                  "id: c-vc\n"
                                  "correlation:\n"
                                  "  type: value_count\n"
                                  "  rules: [recon]\n"
                                  "  group-by: [Computer]\n"
                                  "  timespan: 5m\n"
                                  "  condition: {field: User, gte: 3}\n"
                                  "---\n"
                                  "title: exactly two\n"
                                  "id: c-eq\n"
                                  "correlation:\n"
                                  "  type: event_count\n"
                                  "  rules: [recon]\n"
                                  "  group-by: [Computer]\n"
                                  "  timespan: 5m\n"
                                  "  condition: {eq: 2}\n",
                             NULL);
    evspec e[] = {
        WHO(T0, "A", "u1"),           WHO(T0 + 1 * SEC, "A", "U1"), /* same value, folded */
        WHO(T0 + 2 * SEC, "A", "u2"), WHO(T0 + 3 * SEC, "A", "u3"),
        WHO(T0, "B", "u1"),           WHO(T0 + 1 * MIN, "B", "u2"), /* B: exactly two */
    };
    sigs s;
    hunt_events(r, e, sizeof e / sizeof e[0], NULL, &s, NULL);
    sigs_print("value_count", &s);
    assert_true(has(&s, "c-vc value_count v=3 [Computer=A]"));
    assert_int_equal(count_kind(&s, "c-vc"), 1);
    /* eq is decided when the 5 m window closes: A had 4 (no), B had 2 (yes) */
    assert_true(has(&s, "c-eq event_count v=2 [Computer=B]"));
    assert_int_equal(count_kind(&s, "c-eq"), 1);
    sigs_free(&s);
    lw_rules_free(r);
}

static void test_value_sum_avg_percentile(void **state)
{
    (void)state;
    lw_rules *r = load_rules(BASE "---\n"
                                  "title: sum\n"
                                  "id: c-sum\n"
                                  "correlation:\n"
                                  "  type: value_sum\n"
                                  "  rules: [net]\n"
                                  "  group-by: [Computer]\n"
                                  "  timespan: 1h\n"
                                  "  condition: {field: DestinationPort, gt: 1000}\n"
                                  "---\n"
                                  "title: avg\n"
                                  "id: c-avg\n"
                                  "correlation:\n"
                                  "  type: value_avg\n"
                                  "  rules: [net]\n"
                                  "  group-by: [Computer]\n"
                                  "  timespan: 1h\n"
                                  "  condition: {field: DestinationPort, gte: 400}\n"
                                  "---\n"
                                  "title: rare ip\n"
                                  "id: c-pct\n"
                                  "correlation:\n"
                                  "  type: value_percentile\n"
                                  "  rules: [net]\n"
                                  "  group-by: [Computer]\n"
                                  "  timespan: 1h\n"
                                  "  condition: {field: DestinationIp, lte: 25}\n",
                             NULL);
    evspec e[] = {
        {T0, 3, "A", "Initiated=true|DestinationIp=1.1.1.1|DestinationPort=443"},
        {T0 + SEC, 3, "A", "Initiated=true|DestinationIp=1.1.1.1|DestinationPort=443"},
        {T0 + 2 * SEC, 3, "A", "Initiated=true|DestinationIp=1.1.1.1|DestinationPort=443"},
        {T0 + 3 * SEC, 3, "A", "Initiated=true|DestinationIp=6.6.6.6|DestinationPort=80"},
    };
    sigs s;
    hunt_events(r, e, sizeof e / sizeof e[0], NULL, &s, NULL);
    sigs_print("value_sum/avg/percentile", &s);
    assert_true(has(&s, "c-sum value_sum v=1329 [Computer=A]")); /* 443*3 = 1329 > 1000 */
    assert_true(has(&s, "c-avg value_avg v=352.25") == false);   /* avg 352.25 < 400 */
    assert_int_equal(count_kind(&s, "c-avg"), 0);
    assert_true(has(&s, "c-pct value_percentile v=25 [Computer=A] 3:b3=")); /* 6.6.6.6: 25 % */
    assert_int_equal(count_kind(&s, "c-pct"), 1);
    sigs_free(&s);
    lw_rules_free(r);
}

static const char *const CHAIN_RULES =
    BASE "---\n"
         "title: download, execute, connect\n"
         "id: c-ord\n"
         "level: high\n"
         "correlation:\n"
         "  type: temporal_ordered\n"
         "  rules: [dl, ex, net]\n"
         "  group-by: [Computer, file]\n"
         "  aliases:\n"
         "    file: {dl: TargetFilename, ex: Image, net: Image}\n"
         "  timespan: 10m\n"
         "---\n"
         "title: any order\n"
         "id: c-tmp\n"
         "level: medium\n"
         "correlation:\n"
         "  type: temporal\n"
         "  rules: [dl, ex]\n"
         "  group-by: [Computer, file]\n"
         "  aliases:\n"
         "    file: {dl: TargetFilename, ex: Image}\n"
         "  timespan: 10m\n";

static void test_temporal_and_aliases(void **state)
{
    (void)state;
    reports rp;
    lw_rules *r = load_rules(CHAIN_RULES, &rp);
    assert_int_equal(rp.ok, 6);
    evspec e[] = {
        /* A: in order, Image differs only in case from TargetFilename -> joins */
        DL(T0, "A", "C:\\Users\\a\\Downloads\\x.exe"),
        EX(T0 + 1 * MIN, "A", "C:\\Users\\a\\downloads\\X.exe"),
        NET(T0 + 2 * MIN, "A", "C:\\Users\\a\\Downloads\\x.exe", "6.6.6.6"),
        /* B: execution before the download: temporal only */
        EX(T0, "B", "C:\\Users\\b\\Downloads\\y.exe"),
        DL(T0 + 1 * MIN, "B", "C:\\Users\\b\\Downloads\\y.exe"),
        NET(T0 + 2 * MIN, "B", "C:\\Users\\b\\Downloads\\y.exe", "6.6.6.6"),
        /* C: other file on the same host: no join */
        DL(T0, "C", "C:\\Users\\c\\Downloads\\a.exe"),
        EX(T0 + 1 * MIN, "C", "C:\\Users\\c\\Downloads\\b.exe"),
        /* D: too far apart (10 min + 1 s) */
        DL(T0, "D", "C:\\Users\\d\\Downloads\\z.exe"),
        EX(T0 + 10 * MIN + SEC, "D", "C:\\Users\\d\\Downloads\\z.exe"),
    };
    sigs s;
    hunt_events(r, e, sizeof e / sizeof e[0], NULL, &s, NULL);
    sigs_print("temporal", &s);
    assert_true(has(&s,
                    "c-ord temporal_ordered v=3 [Computer=A,file=C:\\Users\\a\\Downloads\\x.exe] "
                    "0:b1=C:\\Users\\a\\Downloads\\x.exe 60:b2=C:\\Users\\a\\downloads\\X.exe "
                    "120:b3"));
    assert_int_equal(count_kind(&s, "c-ord"), 1);
    assert_true(has(&s, "c-tmp temporal v=2 [Computer=A,"));
    assert_true(has(&s, "c-tmp temporal v=2 [Computer=B,"));
    assert_int_equal(count_kind(&s, "c-tmp"), 2);
    assert_int_equal(count_kind(&s, " det "), 0); /* base rules suppressed */
    sigs_free(&s);
    lw_rules_free(r);
}

static void test_generate_and_chain(void **state)
{
    (void)state;
    lw_rules *r = load_rules(BASE "---\n"
                                  "title: recon burst then download-exec\n"
                                  "id: c-outer\n"
                                  "level: critical\n"
                                  "correlation:\n"
                                  "  type: temporal_ordered\n"
                                  "  rules: [burst, dlex]\n"
                                  "  group-by: [Computer]\n"
                                  "  timespan: 30m\n"
                                  "---\n"
                                  "title: burst\n"
                                  "id: c-burst\n"
                                  "name: burst\n"
                                  "correlation:\n"
                                  "  type: event_count\n"
                                  "  rules: [recon]\n"
                                  "  group-by: [Computer]\n"
                                  "  timespan: 5m\n"
                                  "  condition: {gte: 2}\n"
                                  "---\n"
                                  "title: dl-ex\n"
                                  "id: c-dlex\n"
                                  "name: dlex\n"
                                  "generate: true\n"
                                  "correlation:\n"
                                  "  type: temporal_ordered\n"
                                  "  rules: [dl, ex]\n"
                                  "  group-by: [Computer, file]\n"
                                  "  aliases:\n"
                                  "    file: {dl: TargetFilename, ex: Image}\n"
                                  "  timespan: 10m\n",
                             NULL);
    assert_int_equal(lw_rules_correlation_count(r), 3);
    evspec e[] = {
        WHO(T0, "A", "u"),
        WHO(T0 + SEC, "A", "u"),
        DL(T0 + 2 * MIN, "A", "C:\\Users\\a\\Downloads\\x.exe"),
        EX(T0 + 3 * MIN, "A", "C:\\Users\\a\\Downloads\\x.exe"),
    };
    sigs s;
    lw_corr_stats st;
    hunt_events(r, e, sizeof e / sizeof e[0], NULL, &s, &st);
    sigs_print("chain", &s);
    /* c-dlex has generate: true -> dl and ex alerts are emitted; c-outer has no generate ->
     * c-burst and c-dlex (its references) are not emitted; recon (under c-burst) neither */
    assert_int_equal(count_kind(&s, "b1 det"), 1);
    assert_int_equal(count_kind(&s, "b2 det"), 1);
    assert_int_equal(count_kind(&s, "b4 det"), 0);
    assert_int_equal(count_kind(&s, "c-burst"), 0);
    assert_int_equal(count_kind(&s, "c-dlex"), 0);
    /* the chain alert flattens the inner events in time order */
    assert_true(
        has(&s, "c-outer temporal_ordered v=2 [Computer=A] 0:b4=C:\\Windows\\System32\\whoami.exe "
                "1:b4=C:\\Windows\\System32\\whoami.exe 120:b1=C:\\Users\\a\\Downloads\\x.exe "
                "180:b2"));
    assert_int_equal(s.n, 3);
    assert_int_equal(st.suppressed, 2 + 2); /* 2 recon matches + 2 inner correlation alerts */
    sigs_free(&s);
    lw_rules_free(r);
}

/* The same events: one file in order, one file reversed, split over three files given in
 * reverse order, and a stream with a disorder window: identical alerts. */
static void test_order_independence(void **state)
{
    (void)state;
    lw_rules *r = load_rules(CHAIN_RULES, NULL);
    evspec e[] = {
        DL(T0, "A", "C:\\Users\\a\\Downloads\\x.exe"),
        DL(T0, "A", "C:\\Users\\a\\Downloads\\w.exe"), /* equal time: content breaks the tie */
        EX(T0 + 1 * MIN, "A", "C:\\Users\\a\\Downloads\\x.exe"),
        EX(T0 + 1 * MIN, "A", "C:\\Users\\a\\Downloads\\w.exe"),
        NET(T0 + 2 * MIN, "A", "C:\\Users\\a\\Downloads\\x.exe", "6.6.6.6"),
        NET(T0 + 2 * MIN, "A", "C:\\Users\\a\\Downloads\\w.exe", "6.6.6.7"),
        EX(T0, "B", "C:\\Users\\b\\Downloads\\y.exe"),
        DL(T0 + 1 * MIN, "B", "C:\\Users\\b\\Downloads\\y.exe"),
        EX(T0 + 2 * MIN, "B", "C:\\Users\\b\\Downloads\\y.exe"),
        NET(T0 + 3 * MIN, "B", "C:\\Users\\b\\Downloads\\y.exe", "6.6.6.6"),
    };
    size_t n = sizeof e / sizeof e[0];
    sigs ref, got;
    hunt_events(r, e, n, NULL, &ref, NULL);
    sigs_print("in order", &ref);
    assert_int_equal(count_kind(&ref, "c-ord"), 3);

    size_t rev[16];
    for (size_t i = 0; i < n; i++)
        rev[i] = n - 1 - i;
    char *t = events_text(e, n, rev);
    hunt_texts(r, &t, 1, NULL, &got, NULL);
    free(t);
    assert_int_equal(got.n, ref.n);
    for (size_t i = 0; i < ref.n; i++)
        assert_string_equal(got.s[i], ref.s[i]);
    sigs_free(&got);

    /* split: [0,4) [4,7) [7,n) given as files 3, 2, 1 */
    size_t cut[4] = {0, 4, 7, n};
    char *parts[3];
    for (int p = 0; p < 3; p++)
        parts[2 - p] = events_text(e + cut[p], cut[p + 1] - cut[p], NULL);
    hunt_texts(r, parts, 3, NULL, &got, NULL);
    for (int p = 0; p < 3; p++)
        free(parts[p]);
    sigs_print("split, reversed files", &got);
    assert_int_equal(got.n, ref.n);
    for (size_t i = 0; i < ref.n; i++)
        assert_string_equal(got.s[i], ref.s[i]);
    sigs_free(&got);

    /* stream: shuffled within 5 minutes of event time, disorder window 5 m */
    size_t shuf[] = {6, 1, 0, 3, 7, 2, 5, 4, 9, 8};
    t = events_text(e, n, shuf);
    lw_corr_options o = {.max_disorder_ms = 5 * MIN};
    lw_corr_stats st;
    hunt_texts(r, &t, 1, &o, &got, &st);
    free(t);
    sigs_print("stream", &got);
    assert_int_equal(st.dropped_late, 0);
    assert_int_equal(got.n, ref.n);
    for (size_t i = 0; i < ref.n; i++)
        assert_string_equal(got.s[i], ref.s[i]);
    sigs_free(&got);
    sigs_free(&ref);
    lw_rules_free(r);
}

static void test_limits_and_counters(void **state)
{
    (void)state;
    lw_rules *r = load_rules(BASE "---\n"
                                  "title: never\n"
                                  "id: c-many\n"
                                  "correlation:\n"
                                  "  type: event_count\n"
                                  "  rules: [recon]\n"
                                  "  group-by: [Computer, User]\n"
                                  "  timespan: 1h\n"
                                  "  condition: {gte: 1000}\n",
                             NULL);
    /* 40 users on one host, 5 events each, 1 s apart */
    evspec e[200];
    static char users[40][32];
    static char fields[40][96];
    for (int u = 0; u < 40; u++) {
        snprintf(users[u], sizeof users[u], "u%d", u);
        snprintf(fields[u], sizeof fields[u], "Image=C:\\Windows\\System32\\whoami.exe|User=u%d",
                 u);
    }
    for (int i = 0; i < 200; i++)
        e[i] = (evspec){T0 + i * SEC, 1, "A", fields[i % 40]};
    lw_corr_options o = {
        .max_groups = 10, .max_group_events = 3, .max_alert_events = 2, .max_buffered = 50};
    sigs s;
    lw_corr_stats st;
    hunt_events(r, e, 200, &o, &s, &st);
    printf("groups %llu peak %llu dropped_groups %llu dropped_entries %llu released_early %llu "
           "buffered_peak %llu copies_peak %llu\n",
           (unsigned long long)st.groups, (unsigned long long)st.groups_peak,
           (unsigned long long)st.dropped_groups, (unsigned long long)st.dropped_entries,
           (unsigned long long)st.released_early, (unsigned long long)st.buffered_peak,
           (unsigned long long)st.copies_peak);
    assert_int_equal(s.n, 0);
    assert_true(st.groups_peak <= 10);
    assert_int_equal(st.groups, 200); /* every input opened a group (LRU eviction) */
    assert_int_equal(st.dropped_groups, 190);
    assert_true(st.buffered_peak <= 51);
    assert_int_equal(st.released_early, 150);
    assert_true(st.copies_peak <= 51 + 10 * 2);
    sigs_free(&s);

    /* entries per group: 1 user, 10 events, max 3 entries */
    for (int i = 0; i < 10; i++)
        e[i] = (evspec){T0 + i * SEC, 1, "A", fields[0]};
    hunt_events(r, e, 10, &o, &s, &st);
    assert_int_equal(st.dropped_entries, 7);
    sigs_free(&s);

    /* stream mode: an event later than the disorder window is dropped and counted */
    lw_rules_free(r);
    r = load_rules(BASE "---\n"
                        "title: pair\n"
                        "id: c-pair\n"
                        "correlation:\n"
                        "  type: event_count\n"
                        "  rules: [recon]\n"
                        "  group-by: [Computer]\n"
                        "  timespan: 1h\n"
                        "  condition: {gte: 2}\n",
                   NULL);
    evspec late[] = {
        WHO(T0 + 10 * MIN, "A", "u"),
        WHO(T0 + 20 * MIN, "B", "u"), /* pushes the watermark to 15 min */
        WHO(T0, "A", "u"),            /* older than what was released: late */
    };
    lw_corr_options so = {.max_disorder_ms = 5 * MIN};
    hunt_events(r, late, 3, &so, &s, &st);
    assert_int_equal(st.dropped_late, 1);
    assert_int_equal(s.n, 0);
    sigs_free(&s);
    /* the same in batch mode: no loss */
    hunt_events(r, late, 3, NULL, &s, &st);
    assert_int_equal(st.dropped_late, 0);
    assert_int_equal(s.n, 1);
    sigs_free(&s);
    lw_rules_free(r);
}

static void test_max_alert_events(void **state)
{
    (void)state;
    lw_rules *r = load_rules(BASE "---\n"
                                  "title: five\n"
                                  "id: c-five\n"
                                  "correlation:\n"
                                  "  type: event_count\n"
                                  "  rules: [recon]\n"
                                  "  group-by: [Computer]\n"
                                  "  timespan: 1h\n"
                                  "  condition: {gte: 5}\n",
                             NULL);
    evspec e[5];
    for (int i = 0; i < 5; i++)
        e[i] = (evspec)WHO(T0 + i * SEC, "A", "u");
    lw_corr_options o = {.max_alert_events = 2};
    sigs s;
    hunt_events(r, e, 5, &o, &s, NULL);
    sigs_print("max_alert_events", &s);
    assert_int_equal(s.n, 1);
    /* the newest two are listed, three counted only */
    assert_true(has(&s, "v=5 [Computer=A] 3:b4=C:\\Windows\\System32\\whoami.exe "
                        "4:b4=C:\\Windows\\System32\\whoami.exe +3"));
    sigs_free(&s);
    lw_rules_free(r);
}

typedef struct rj {
    const char *name, *text, *reason;
} rj;

static void test_rejections(void **state)
{
    (void)state;
    static const rj cases[] = {
        {"unknown rule",
         "title: c\ncorrelation:\n  type: temporal\n  rules: [nope, other]\n  timespan: 1m\n",
         "unknown rule 'nope'"},
        {"bad timespan", "title: c\ncorrelation:\n  type: temporal\n  rules: [a]\n  timespan: 5x\n",
         "invalid 'timespan'"},
        {"unknown key", "title: c\ncorrelation:\n  type: temporal\n  rules: [a]\n  timeframe: 5m\n",
         "use 'timespan'"},
        {"unknown type", "title: c\ncorrelation:\n  type: near\n  rules: [a]\n  timespan: 5m\n",
         "unknown correlation type"},
        {"temporal lt",
         "title: c\ncorrelation:\n  type: temporal\n  rules: [a]\n  timespan: 5m\n"
         "  condition: {lt: 2}\n",
         "only gt/gte"},
        {"value_count without field",
         "title: c\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: 5m\n"
         "  condition: {gt: 2}\n",
         "needs a condition 'field'"},
        {"event_count without condition",
         "title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n",
         "missing correlation 'condition'"},
        {"cycle",
         "title: c1\nname: c1\ncorrelation:\n  type: temporal\n  rules: [c2]\n  timespan: 5m\n"
         "---\ntitle: c2\nname: c2\ncorrelation:\n  type: temporal\n  rules: [c1]\n"
         "  timespan: 5m\n",
         "cannot be resolved"},
        {"alias to unreferenced rule",
         BASE "---\ntitle: c\ncorrelation:\n  type: temporal\n  rules: [dl, ex]\n"
              "  group-by: [f]\n  aliases:\n    f: {dl: TargetFilename, zz: Image}\n"
              "  timespan: 5m\n",
         "does not reference"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reports rp;
        lw_rules *r = load_rules(cases[i].text, &rp);
        if (rp.ok == rp.n || !strstr(rp.reason, cases[i].reason))
            fail_msg("case %s: %d reports %d ok, reason '%s' (want '%s')", cases[i].name, rp.n,
                     rp.ok, rp.reason, cases[i].reason);
        assert_int_equal(lw_rules_correlation_count(r), 0);
        lw_rules_free(r);
    }
}

/* A correlation in one file referencing rules loaded later from another file. */
static void test_cross_file_reference(void **state)
{
    (void)state;
    lw_rules *r;
    reports rp;
    memset(&rp, 0, sizeof rp);
    assert_int_equal(lw_rules_new(&r), LW_OK);
    char *p1 = write_tmp("title: c\nid: c-x\ncorrelation:\n  type: temporal\n  rules: [dl, ex]\n"
                         "  timespan: 5m\n",
                         ".yml");
    char *p2 = write_tmp(BASE, ".yml");
    assert_int_equal(lw_rules_load(r, p1, on_report, &rp), LW_OK);
    assert_int_equal(rp.n, 0); /* pending: no report yet */
    assert_int_equal(lw_rules_load(r, p2, on_report, &rp), LW_OK);
    assert_int_equal(rp.n, 5);
    assert_int_equal(rp.ok, 5);
    assert_int_equal(lw_rules_resolve(r, on_report, &rp), LW_OK);
    assert_int_equal(rp.n, 5);
    assert_int_equal(lw_rules_compile(r), LW_OK);
    assert_int_equal(lw_rules_correlation_count(r), 1);
    assert_int_equal(lw_rules_count(r), 5);
    unlink(p1);
    unlink(p2);
    free(p1);
    free(p2);
    lw_rules_free(r);
}

/* The three sinks render a correlation alert: JSON keys, table story, CSV rows. */
typedef struct sinkctx {
    lw_sink *s[3];
} sinkctx;

static void on_alert_sinks(const lw_alert *a, void *ud)
{
    sinkctx *c = ud;
    for (int i = 0; i < 3; i++)
        assert_int_equal(lw_sink_write(c->s[i], a), LW_OK);
}

static void test_sinks(void **state)
{
    (void)state;
    lw_rules *r = load_rules(CHAIN_RULES, NULL);
    evspec e[] = {
        DL(T0, "A", "C:\\Users\\a\\Downloads\\x.exe"),
        EX(T0 + 1 * MIN, "A", "C:\\Users\\a\\Downloads\\x.exe"),
        NET(T0 + 2 * MIN, "A", "C:\\Users\\a\\Downloads\\x.exe", "6.6.6.6"),
    };
    static const char *const fmt[3] = {"jsonl", "table", "csv"};
    char *buf[3] = {NULL, NULL, NULL};
    size_t len[3];
    FILE *out[3];
    sinkctx c;
    for (int i = 0; i < 3; i++) {
        out[i] = open_memstream(&buf[i], &len[i]);
        assert_int_equal(lw_sink_open(fmt[i], out[i], NULL, &c.s[i]), LW_OK);
    }
    lw_hunt *h;
    lw_hunt_options ho = {.on_alert = on_alert_sinks, .alert_ud = &c};
    assert_int_equal(lw_hunt_new(r, &ho, &h), LW_OK);
    char *t = events_text(e, 3, NULL);
    char *p = write_tmp(t, ".jsonl");
    assert_int_equal(lw_hunt_path(h, p), LW_OK);
    assert_int_equal(lw_hunt_finish(h), LW_OK);
    unlink(p);
    free(p);
    free(t);
    lw_hunt_free(h);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(lw_sink_close(c.s[i]), LW_OK);
        fclose(out[i]);
    }
    printf("%s\n%s\n", buf[1], buf[2]);
    /* JSON: the stable keys plus correlation and events */
    assert_non_null(strstr(buf[0], "{\"rule\":{\"id\":\"c-ord\""));
    assert_non_null(strstr(buf[0], "\"correlation\":{\"type\":\"temporal_ordered\",\"group\":"
                                   "{\"Computer\":\"A\",\"file\":"));
    assert_non_null(strstr(buf[0], "\"rules\":[\"b1\",\"b2\",\"b3\"],\"value\":3"));
    assert_non_null(strstr(buf[0], "\"events\":[{\"rule\":{\"id\":\"b1\",\"title\":"));
    /* table: the alert line, then one story line per event */
    assert_non_null(strstr(buf[1], "temporal_ordered of 3 events: Computer=A"));
    assert_non_null(strstr(buf[1], "\n  | 2024-01-01T10:02:00.000Z A"));
    /* CSV: a correlation row and three event rows sharing the alert number */
    assert_non_null(strstr(buf[2], ",kind,alert,correlation_type,group,step,event\r\n"));
    assert_non_null(strstr(buf[2], ",correlation,2,temporal_ordered,"));
    assert_non_null(strstr(buf[2], ",event,2,temporal_ordered,"));
    assert_non_null(strstr(buf[2], ",3,\"{"));
    for (int i = 0; i < 3; i++)
        free(buf[i]);
    lw_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_count),
        cmocka_unit_test(test_value_count_and_tumbling),
        cmocka_unit_test(test_value_sum_avg_percentile),
        cmocka_unit_test(test_temporal_and_aliases),
        cmocka_unit_test(test_generate_and_chain),
        cmocka_unit_test(test_order_independence),
        cmocka_unit_test(test_limits_and_counters),
        cmocka_unit_test(test_max_alert_events),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_cross_file_reference),
        cmocka_unit_test(test_sinks),
    };
    return cmocka_run_group_tests_name("correlation", tests, NULL, NULL);
}
