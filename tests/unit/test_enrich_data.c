/*
 * Enrichment on real data (../shared/data, skipped when absent): the OTRF LSASS campaign
 * JSON (D-1, D-2) through the real JSON decoder, lw_event_normalize and the enricher, and
 * the D-3 SharpShooter EVTX through the EVTX decoder.  Also measures the cost of enrichment
 * (events/s with and without) and prints it; LW_ENRICH_BENCH=N repeats the timing N times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/event.h"
#include "core/str.h"
#include "enrich/enrich.h"
#include "input/input.h"

extern const lw_decoder lw_decoder_json;
extern const lw_decoder lw_decoder_evtx;

#define D1                                                                                         \
    LW_SHARED_DIR "/data/otrf_security_datasets/LSASS_campaign_01_MKT01/"                          \
                  "metasploit_logonpasswords_lsass_memory_dump.sysmon_trimmed.jsonl"
#define D2                                                                                         \
    LW_SHARED_DIR "/data/otrf_security_datasets/LSASS_campaign_03_PRD01/"                          \
                  "metasploit_comsvcs_lsass_memory_dump.sysmon_trimmed.jsonl"
#define D3                                                                                         \
    LW_SHARED_DIR "/data/evtx_attack_samples/sysmon_mshta_sharpshooter_stageless_meterpreter.evtx"

typedef void (*visit_fn)(const lw_event *ev, void *ud);

static long long enrich_ns; /* time spent inside lw_enrich_event (timer pairs included) */

/* Decode path with dec; normalize, enrich (when en) and visit every event.  Returns the
 * number of events. */
static uint64_t run(const char *path, const lw_decoder *dec, lw_enricher *en, visit_fn fn, void *ud)
{
    lw_input in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.max_record = 16u << 20;
    assert_int_equal(lw_reader_open(&in.rd, path, in.max_record + (512u << 10)), LW_OK);
    assert_int_equal(dec->open(&in), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    uint64_t n = 0;
    for (;;) {
        lw_event_reset(&ev);
        ev.src_path = path;
        lw_status st = dec->next(&in, &ev);
        if (st == LW_EFORMAT)
            continue;
        if (st != LW_OK)
            break;
        n++;
        assert_int_equal(lw_event_normalize(&ev), LW_OK);
        if (en) {
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            lw_status est = lw_enrich_event(en, &ev);
            clock_gettime(CLOCK_MONOTONIC, &b);
            enrich_ns += (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
            assert_int_equal(est, LW_OK);
        }
        if (fn)
            fn(&ev, ud);
    }
    lw_event_destroy(&ev);
    dec->close(&in);
    lw_reader_close(&in.rd);
    return n;
}

static lw_str fv(const lw_event *ev, const char *name)
{
    const lw_field *f = lw_event_find(ev, lw_str_c(name));
    return f ? f->value : LW_STR_NULL;
}

static bool is(const lw_event *ev, const char *name, const char *want)
{
    return lw_str_eq_c(fv(ev, name), want);
}

static bool has(const lw_event *ev, const char *name, const char *sub)
{
    return lw_str_ifind(fv(ev, name), lw_str_c(sub)) >= 0;
}

static void print_event(const lw_event *ev)
{
    static const char *const derived[] = {"ImageClass",
                                          "ParentImageClass",
                                          "GrandparentImage",
                                          "AncestorImages",
                                          "AncestorClasses",
                                          "AncestorIsBrowser",
                                          "ImageZoneId",
                                          "ImageHostUrl",
                                          "CommandLineTarget",
                                          "CommandLineTargetKind",
                                          "ZoneId",
                                          "HostUrl",
                                          "ReferrerUrl",
                                          "HostUrl.host",
                                          "TargetFilenameBase"};
    printf("    event %d record %llu:", ev->event_id, (unsigned long long)ev->record);
    for (size_t i = 0; i < sizeof derived / sizeof derived[0]; i++) {
        lw_str v = fv(ev, derived[i]);
        if (v.n)
            printf(" %s=%.*s;", derived[i], (int)v.n, v.p);
    }
    printf("\n");
}

/* ---- D-1 / D-2 ------------------------------------------------------------------------- */

typedef struct campaign {
    const char *payload; /* path fragment of the payload */
    int motw_events, motw_with_host, motw_with_ref;
    int payload_proc, payload_proc_motw, payload_proc_browser_anc, payload_4688, payload_4688_motw;
    int child_cmd, child_cmd_4688_gp;
    int edge_writer_anc_browser, edge_writer_events;
} campaign;

static void visit_campaign(const lw_event *ev, void *ud)
{
    campaign *c = ud;
    if (ev->event_id == 15 && has(ev, "TargetFilename", "winx64_payload.exe:Zone.Identifier")) {
        c->motw_events++;
        assert_true(is(ev, "ZoneId", "3"));
        assert_true(has(ev, "TargetFilenameBase", "\\Downloads\\winx64_payload.exe"));
        if (is(ev, "HostUrl", "http://10.0.5.13/winx64_payload.exe")) {
            c->motw_with_host++;
            assert_true(is(ev, "HostUrl.host", "10.0.5.13"));
            assert_true(is(ev, "HostUrl.host_is_ip", "true"));
            assert_true(is(ev, "HostUrl.extension", ".exe"));
        }
        if (is(ev, "ReferrerUrl", "http://10.0.5.13/"))
            c->motw_with_ref++;
        print_event(ev);
    }
    if ((ev->event_id == 11 || ev->event_id == 15 || ev->event_id == 29) &&
        has(ev, "TargetFilename", "winx64_payload.exe") && has(ev, "Image", "msedge.exe")) {
        c->edge_writer_events++;
        assert_true(is(ev, "ImageClass", "browser"));
        if (is(ev, "AncestorIsBrowser", "true"))
            c->edge_writer_anc_browser++;
    }
    if (ev->event_id == 1 && has(ev, "Image", "winx64_payload.exe")) {
        c->payload_proc++;
        print_event(ev);
        assert_true(is(ev, "ParentImageClass", "desktop"));
        if (is(ev, "ImageZoneId", "3") &&
            is(ev, "ImageHostUrl", "http://10.0.5.13/winx64_payload.exe"))
            c->payload_proc_motw++;
        if (is(ev, "AncestorIsBrowser", "true"))
            c->payload_proc_browser_anc++;
    }
    if (ev->event_id == 4688 && has(ev, "Image", "winx64_payload.exe")) {
        /* The OTRF file lists the Security channel before Sysmon, so this 4688 is read
         * before the Sysmon 15 that marks the file: it cannot carry ImageHostUrl. */
        c->payload_4688++;
        if (fv(ev, "ImageHostUrl").n)
            c->payload_4688_motw++;
        print_event(ev);
    }
    if ((ev->event_id == 1 || ev->event_id == 4688) && has(ev, "Image", "\\cmd.exe") &&
        has(ev, "ParentImage", "winx64_payload.exe")) {
        c->child_cmd++;
        assert_true(has(ev, "AncestorImages", "winx64_payload.exe|C:\\Windows\\explorer.exe"));
        if (ev->event_id == 4688 && is(ev, "GrandparentImage", "C:\\Windows\\explorer.exe"))
            c->child_cmd_4688_gp++;
    }
}

static void check_campaign(const char *path, int want_motw, int want_ref)
{
    if (access(path, R_OK) != 0) {
        printf("    %s absent, skipped\n", path);
        skip();
    }
    lw_enricher *en;
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    campaign c = {0};
    uint64_t n = run(path, &lw_decoder_json, en, visit_campaign, &c);
    lw_enricher_stats st;
    lw_enricher_stats_get(en, &st);
    printf(
        "    %llu events; motw events %d (HostUrl %d, ReferrerUrl %d); payload EID 1 %d "
        "(MOTW %d, browser ancestor %d); 4688 %d; payload cmd children %d (4688 with "
        "grandparent %d); edge writer events %d (browser ancestor %d); payload 4688 with MOTW %d\n",
        (unsigned long long)n, c.motw_events, c.motw_with_host, c.motw_with_ref, c.payload_proc,
        c.payload_proc_motw, c.payload_proc_browser_anc, c.payload_4688, c.child_cmd,
        c.child_cmd_4688_gp, c.edge_writer_events, c.edge_writer_anc_browser, c.payload_4688_motw);
    printf("    procs %llu inserts %llu parent-misses %llu lookups %llu misses %llu motw %llu "
           "merges %llu fields %llu\n",
           (unsigned long long)st.procs, (unsigned long long)st.proc_inserts,
           (unsigned long long)st.proc_parent_misses, (unsigned long long)st.proc_lookups,
           (unsigned long long)st.proc_lookup_misses, (unsigned long long)st.motw_entries,
           (unsigned long long)st.motw_merges, (unsigned long long)st.fields_added);
    assert_int_equal(c.motw_events, want_motw);
    assert_true(c.motw_with_host >= 1);
    assert_int_equal(c.motw_with_ref, want_ref);
    assert_int_equal(c.payload_proc, 1);
    assert_int_equal(c.payload_proc_motw, 1);
    /* What the data shows: the payload was started by explorer.exe (the user double-clicked
     * it), whose own creation predates the log; Edge only wrote the file.  So no browser
     * ancestor; the browser link is the Mark of the Web (ImageHostUrl) and the writer. */
    assert_int_equal(c.payload_proc_browser_anc, 0);
    assert_int_equal(c.payload_4688, 1);
    assert_true(c.child_cmd >= 2);
    assert_true(c.child_cmd_4688_gp >= 1);
    assert_true(c.edge_writer_events >= 1);
    assert_int_equal(c.edge_writer_anc_browser, c.edge_writer_events);
    lw_enricher_free(en);
}

static void test_d1(void **state)
{
    check_campaign(D1, 3, 2);
}

static void test_d2(void **state)
{
    check_campaign(D2, 2, 0);
}

/* ---- D-3 ------------------------------------------------------------------------------ */

typedef struct d3 {
    int mshta, mshta_net;
} d3;

static void visit_d3(const lw_event *ev, void *ud)
{
    d3 *c = ud;
    print_event(ev);
    if (ev->event_id == 1 && has(ev, "Image", "\\mshta.exe")) {
        c->mshta++;
        assert_true(is(ev, "CommandLineTarget",
                       "C:\\Users\\IEUser\\AppData\\Local\\Microsoft\\Windows\\Temporary Internet "
                       "Files\\Content.IE5\\S97WTYG7\\update.hta"));
        assert_true(is(ev, "CommandLineTargetKind", "file"));
        assert_true(is(ev, "CommandLineTarget.extension", ".hta"));
        assert_true(is(ev, "AncestorIsBrowser", "true"));
        assert_true(is(ev, "ParentImageClass", "browser"));
        assert_true(is(ev, "ImageClass", "script_host"));
    }
    if (ev->event_id == 3 && has(ev, "Image", "\\mshta.exe")) {
        c->mshta_net++;
        assert_true(is(ev, "AncestorIsBrowser", "true"));
        assert_true(is(ev, "ImageClass", "script_host"));
    }
}

static void test_d3(void **state)
{
    if (access(D3, R_OK) != 0)
        skip();
    lw_enricher *en;
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    d3 c = {0};
    run(D3, &lw_decoder_evtx, en, visit_d3, &c);
    assert_int_equal(c.mshta, 1);
    assert_int_equal(c.mshta_net, 1);
    lw_enricher_free(en);
}

/* ---- cost ------------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_cost(void **state)
{
    if (access(D1, R_OK) != 0)
        skip();
    const char *e = getenv("LW_ENRICH_BENCH");
    int reps = e ? atoi(e) : 3;
    if (reps < 1)
        reps = 1;
    double best_off = 1e9, best_on = 1e9, best_in = 1e9;
    uint64_t n = 0;
    /* One enricher for all repetitions, as in a hunt (its tables stay warm; later passes
     * meet every process again, like a long log). */
    lw_enricher *en;
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    for (int r = 0; r < reps; r++) {
        double t0 = now_s();
        n = run(D1, &lw_decoder_json, NULL, NULL, NULL);
        double t1 = now_s();
        enrich_ns = 0;
        double t2 = now_s();
        run(D1, &lw_decoder_json, en, NULL, NULL);
        double t3 = now_s();
        if (t1 - t0 < best_off)
            best_off = t1 - t0;
        if (t3 - t2 < best_on)
            best_on = t3 - t2;
        if ((double)enrich_ns / 1e9 < best_in)
            best_in = (double)enrich_ns / 1e9;
    }
    lw_enricher_free(en);
    printf("    D-1 jsonl, %llu events, best of %d: decode+normalize %.0f ev/s, "
           "+enrich %.0f ev/s, enrichment %.2f us/event (%.1f%%); inside lw_enrich_event "
           "%.0f ns/event\n",
           (unsigned long long)n, reps, (double)n / best_off, (double)n / best_on,
           (best_on - best_off) * 1e6 / (double)n, (best_on - best_off) * 100 / best_off,
           best_in * 1e9 / (double)n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_d1),
        cmocka_unit_test(test_d2),
        cmocka_unit_test(test_d3),
        cmocka_unit_test(test_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
