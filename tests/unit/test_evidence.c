/* Unit tests: network evidence in chain alerts (src/core/evidence.c) through the hunt, on
 * the golden cases tests/golden/cases/xsrc-* with the shipped rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/event.h"
#include "core/evidence.h"
#include "lurewatch.h"
#include "output/alert.h"
#include "output/sink.h"

#define CASES LW_SOURCE_DIR "/tests/golden/cases/"

typedef struct run {
    lw_buf chains; /* JSON of every chain alert that has evidence, one per line */
    size_t nchains, nevidence;
    lw_buf evjson; /* evidence part only, for order comparisons */
} run;

static void on_alert(const lw_alert *a, void *ud)
{
    run *r = ud;
    if (lw_alert_get_kind(a) != LW_ALERT_CORRELATION)
        return;
    r->nchains++;
    r->nevidence += lw_alert_evidence_count(a);
    lw_alert_to_json(&r->chains, a);
    lw_buf_putc(&r->chains, '\n');
    for (size_t i = 0; i < lw_alert_evidence_count(a); i++) {
        const lw_event *ev = lw_alert_evidence_at(a, i);
        int64_t off;
        const char *by = lw_alert_evidence_match(a, i, &off);
        lw_buf_printf(&r->evjson, "%s %lld %llu %.*s|", by, (long long)off,
                      (unsigned long long)lw_event_source_record(ev), (int)lw_event_channel(ev).n,
                      lw_event_channel(ev).p);
    }
}

static lw_rules *shipped(void)
{
    lw_rules *r = NULL;
    assert_int_equal(lw_rules_new(&r), LW_OK);
    assert_int_equal(lw_rules_load(r, LW_SOURCE_DIR "/rules", NULL, NULL), LW_OK);
    assert_int_equal(lw_rules_resolve(r, NULL, NULL), LW_OK);
    assert_int_equal(lw_rules_compile(r), LW_OK);
    return r;
}

/* Hunt the paths (NULL-terminated) and return the hunt's evidence counters in *st. */
static void hunt(lw_rules *rules, const char *const *paths, const lw_evidence_options *eo, run *r,
                 lw_evidence_stats *st)
{
    memset(r, 0, sizeof *r);
    lw_buf_init(&r->chains);
    lw_buf_init(&r->evjson);
    lw_hunt_options ho = {.on_alert = on_alert, .alert_ud = r};
    lw_hunt *h = NULL;
    assert_int_equal(lw_hunt_new(rules, &ho, &h), LW_OK);
    if (eo)
        assert_int_equal(lw_hunt_set_evidence(h, eo), LW_OK);
    for (size_t i = 0; paths[i]; i++)
        assert_int_equal(lw_hunt_path(h, paths[i]), LW_OK);
    assert_int_equal(lw_hunt_finish(h), LW_OK);
    if (st)
        *st = *lw_hunt_get_evidence_stats(h);
    /* the API refuses changes once started and bad skews */
    lw_evidence_options bad = {.max_clock_skew_ms = -1};
    assert_int_equal(lw_hunt_set_evidence(h, &bad), LW_EINVAL);
    lw_hunt_free(h);
    assert_true(lw_buf_ok(&r->chains) && lw_buf_ok(&r->evjson));
    lw_buf_putc(&r->chains, '\0');
    lw_buf_putc(&r->evjson, '\0');
}

static void done(run *r)
{
    lw_buf_free(&r->chains);
    lw_buf_free(&r->evjson);
}

static void test_host_time(void **state)
{
    (void)state;
    lw_event ev;
    lw_event_init(&ev);
    ev.product = LW_PRODUCT_WINDOWS;
    ev.time_ms = 1000;
    assert_true(lw_evstore_host_time(&ev) == 1000);
    assert_int_equal(
        lw_event_add(&ev, LW_STR_LIT("UtcTime"), LW_STR_LIT("2023-08-16 04:54:12.008"), 0), LW_OK);
    assert_true(lw_evstore_host_time(&ev) == 1692161652008LL);
    lw_event_reset(&ev);
    ev.product = LW_PRODUCT_WINDOWS;
    ev.time_ms = 5;
    assert_int_equal(lw_event_add(&ev, LW_STR_LIT("UtcTime"), LW_STR_LIT("not a time"), 0), LW_OK);
    assert_true(lw_evstore_host_time(&ev) == 5);
    lw_event_destroy(&ev);
}

/* MOTW chain + Zeek files/pe 40 s off the host clock: the transfer of this host is
 * attached (server match) with its pe record (fuid); another host's transfer, a transfer
 * 20 minutes earlier and an HTML page are not. */
static void test_motw_skew(void **state)
{
    (void)state;
    lw_rules *rules = shipped();
    const char *paths[] = {CASES "xsrc-motw-skew/events", NULL};
    run r;
    lw_evidence_stats st;
    hunt(rules, paths, NULL, &r, &st);
    assert_int_equal(r.nchains, 1);
    assert_int_equal(r.nevidence, 2);
    assert_string_equal(r.evjson.p, "server 12500 9 zeek/files|fuid 12500 9 zeek/pe|");
    assert_non_null(strstr(r.chains.p, "\"role\":\"network-evidence\",\"match\":{\"by\":\"server\","
                                       "\"client\":\"10.2.2.8\",\"server\":\"198.51.100.7\","
                                       "\"port\":80,\"offset_ms\":12500}"));
    assert_null(strstr(r.chains.p, "FOth1"));
    assert_null(strstr(r.chains.p, "FOld1"));
    assert_null(strstr(r.chains.p, "FHtm1"));
    assert_true(st.hosts == 1 && st.alerts == 1 && st.attached == 2 && st.dropped == 0);
    assert_true(st.seen == 4); /* 3 PE transfers + 1 pe record; not the HTML page */
    done(&r);

    /* a window narrower than the 12.5 s offset attaches nothing */
    lw_evidence_options eo = {.max_clock_skew_ms = 10000};
    hunt(rules, paths, &eo, &r, NULL);
    assert_int_equal(r.nchains, 1);
    assert_int_equal(r.nevidence, 0);
    done(&r);

    /* disabled: no evidence at all */
    lw_evidence_options off = {.disable = 1};
    hunt(rules, paths, &off, &r, &st);
    assert_int_equal(r.nchains, 1);
    assert_int_equal(r.nevidence, 0);
    assert_true(st.seen == 0);
    done(&r);

    /* bound of 1 record: the newest transfer by event time stays (FOth1, .6 s), the rest is
     * counted as dropped; the chain then has nothing of its own */
    lw_evidence_options one = {.max_records = 1};
    hunt(rules, paths, &one, &r, &st);
    assert_int_equal(r.nevidence, 0);
    assert_true(st.dropped == 3 && st.held_peak == 1);
    done(&r);
    lw_rules_free(rules);
}

/* A download only the network saw (Zeek http.log with the URL), executed on the host with
 * that IP: the network chain fires once, for that host only, with the same content in any
 * file order. */
static void test_network_only(void **state)
{
    (void)state;
    lw_rules *rules = shipped();
    const char *a[] = {CASES "xsrc-netonly/events", NULL};
    const char *b[] = {CASES "xsrc-netonly-reversed/events", NULL};
    const char *c[] = {CASES "xsrc-netonly/events/c-files.log",
                       CASES "xsrc-netonly/events/b-http.log",
                       CASES "xsrc-netonly/events/a-host.jsonl", NULL};
    run ra, rb, rc;
    hunt(rules, a, NULL, &ra, NULL);
    hunt(rules, b, NULL, &rb, NULL);
    hunt(rules, c, NULL, &rc, NULL);
    assert_int_equal(ra.nchains, 1);
    assert_non_null(strstr(ra.chains.p, "Malicious Link Chain - Network Download Executed"));
    assert_non_null(
        strstr(ra.chains.p, "\"HostIp\":\"10.1.1.5\",\"DownloadedFile\":\"invoice.exe\""));
    assert_null(strstr(ra.chains.p, "WS-EVE"));
    assert_null(strstr(ra.chains.p, "10.1.1.7"));
    assert_int_equal(ra.nevidence, 2); /* http.log (in the chain too) and files.log */
    assert_string_equal(ra.evjson.p, rc.evjson.p);
    assert_int_equal(rb.nchains, 1);
    assert_int_equal(rb.nevidence, 2);
    done(&ra);
    done(&rb);
    done(&rc);
    lw_rules_free(rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_time),
        cmocka_unit_test(test_motw_skew),
        cmocka_unit_test(test_network_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
