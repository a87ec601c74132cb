/*
 * The decode thread (src/core/pipeline.c): items come back in record order with the
 * decoder's skips and warnings in place, events own their strings, the decoder's final
 * status comes through, stopping early neither hangs nor leaks, and a hunt with
 * threads = 2 gives the same callbacks, in the same order, on the calling thread, as a
 * hunt with one thread.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/event.h"
#include "core/pipeline.h"
#include "input/input.h"
#include "lurewatch.h"

/* ---- a decoder that needs no file ------------------------------------------------------ */

#define BIG_VALUE (300u * 1024)

typedef struct fake {
    uint32_t next, n; /* records produced so far, records in all */
    lw_status end;    /* returned after the last record */
    char window[64];  /* reused for every record, like a reader window */
    char *big;        /* a large value, every 50th record */
} fake;

static bool all_bad; /* every record is bad (a file of junk) */

static bool is_bad(uint32_t i)
{
    return all_bad || i % 7 == 3;
}
static bool has_warning(uint32_t i)
{
    return i % 11 == 5;
}

static lw_status fake_next(lw_input *in, lw_event *ev)
{
    fake *f = in->decoder_state;
    if (f->next == f->n)
        return f->end;
    uint32_t i = f->next++;
    if (is_bad(i)) {
        lw_input_skip(in, i + 1, 1, "fake-bad", "record %u is bad", i);
        return LW_EFORMAT;
    }
    if (has_warning(i))
        lw_input_warn(in, i + 1, "fake-warn", "record %u has a warning", i);
    int k = snprintf(f->window, sizeof f->window, "value-%u", i);
    ev->record = i + 1;
    ev->host = (lw_str){"host-a", 6};
    assert_int_equal(lw_event_add(ev, (lw_str){"N", 1}, (lw_str){f->window, (size_t)k}, 0), LW_OK);
    if (i % 50 == 0) {
        memset(f->big, 'a' + (int)(i % 26), BIG_VALUE);
        assert_int_equal(lw_event_add(ev, (lw_str){"Big", 3}, (lw_str){f->big, BIG_VALUE}, 0),
                         LW_OK);
    }
    return LW_OK;
}

static const lw_decoder fake_decoder = {"fake", NULL, NULL, fake_next, NULL};

static void fake_open(lw_input *in, fake *f, uint32_t n, lw_status end)
{
    memset(in, 0, sizeof(*in));
    memset(f, 0, sizeof(*f));
    f->n = n;
    f->end = end;
    f->big = malloc(BIG_VALUE);
    assert_non_null(f->big);
    in->path = "fake";
    in->decoder_state = f;
}

/* Take every item and check it against what fake_next produced for record i. */
static void check_all(lw_pipeline *p, uint32_t n, lw_status end)
{
    uint32_t i = 0;
    bool warned = false; /* the warning of record i has been seen */
    for (;;) {
        lw_event *ev;
        const lw_pipe_note *note;
        lw_status st = lw_pipeline_next(p, &ev, &note);
        if (st != LW_OK) {
            assert_int_equal(st, end);
            break;
        }
        assert_true(i < n);
        if (note && note->kind == LW_NOTE_SKIP) {
            assert_true(is_bad(i));
            assert_string_equal(note->reason, "fake-bad");
            assert_int_equal(note->line, i + 1);
            char want[64];
            snprintf(want, sizeof want, "record %u is bad", i);
            assert_string_equal(note->msg, want);
            i++;
            continue;
        }
        if (note) {
            assert_int_equal(note->kind, LW_NOTE_WARN);
            assert_true(has_warning(i) && !warned);
            assert_string_equal(note->reason, "fake-warn");
            assert_int_equal(note->line, i + 1);
            warned = true;
            continue;
        }
        assert_false(is_bad(i));
        assert_true(warned == has_warning(i)); /* a record's warning comes before it */
        assert_int_equal(ev->record, i + 1);
        char want[64];
        int k = snprintf(want, sizeof want, "value-%u", i);
        assert_int_equal(ev->nfields, i % 50 == 0 ? 2 : 1);
        assert_int_equal(ev->fields[0].value.n, (size_t)k);
        assert_memory_equal(ev->fields[0].value.p, want, (size_t)k);
        assert_true(lw_arena_owns(&ev->arena, ev->fields[0].value.p));
        assert_true(lw_arena_owns(&ev->arena, ev->host.p));
        if (i % 50 == 0) {
            assert_int_equal(ev->fields[1].value.n, BIG_VALUE);
            assert_int_equal(ev->fields[1].value.p[BIG_VALUE - 1], 'a' + (int)(i % 26));
        }
        warned = false;
        i++;
    }
    assert_int_equal(i, n);
}

static void test_order_and_ownership(void **state)
{
    (void)state;
    lw_input in;
    fake f;
    fake_open(&in, &f, 5000, LW_EOF);
    lw_pipeline *p = NULL;
    assert_int_equal(lw_pipeline_start(&p, &in, &fake_decoder, "fake"), LW_OK);
    assert_non_null(in.defer);
    check_all(p, 5000, LW_EOF);
    lw_pipeline_free(p);
    assert_null(in.defer); /* the input is the caller's again */
    free(f.big);
}

static void test_end_status_passes_through(void **state)
{
    (void)state;
    const lw_status ends[] = {LW_EIO, LW_ENOMEM, LW_EOF};
    for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
        lw_input in;
        fake f;
        fake_open(&in, &f, 300, ends[k]);
        lw_pipeline *p = NULL;
        assert_int_equal(lw_pipeline_start(&p, &in, &fake_decoder, "fake"), LW_OK);
        check_all(p, 300, ends[k]);
        /* Asking again after the end keeps giving the end. */
        lw_event *ev;
        const lw_pipe_note *note;
        assert_int_equal(lw_pipeline_next(p, &ev, &note), ends[k]);
        lw_pipeline_free(p);
        free(f.big);
    }
}

/* One pipeline for several inputs in turn (what a hunt does): each gives its own items,
 * including after an input that was stopped early. */
static void test_reuse(void **state)
{
    (void)state;
    lw_pipeline *p = NULL;
    for (int round = 0; round < 4; round++) {
        lw_input in;
        fake f;
        fake_open(&in, &f, round == 1 ? 1000000 : 700 + 300 * (uint32_t)round, LW_EOF);
        assert_int_equal(lw_pipeline_start(&p, &in, &fake_decoder, "fake"), LW_OK);
        if (round == 1) { /* stopped early */
            lw_event *ev;
            const lw_pipe_note *note;
            assert_int_equal(lw_pipeline_next(p, &ev, &note), LW_OK);
        } else {
            check_all(p, f.n, LW_EOF);
        }
        lw_pipeline_stop(p);
        assert_null(in.defer);
        free(f.big);
    }
    lw_pipeline_free(p);
}

static void test_empty_input(void **state)
{
    (void)state;
    lw_input in;
    fake f;
    fake_open(&in, &f, 0, LW_EOF);
    lw_pipeline *p = NULL;
    assert_int_equal(lw_pipeline_start(&p, &in, &fake_decoder, "fake"), LW_OK);
    check_all(p, 0, LW_EOF);
    lw_pipeline_free(p);
    free(f.big);
}

/* The hunting thread stops after a few items (an error): the decode thread, blocked on
 * full batches or still decoding, must stop too; ASan checks nothing leaks. */
static void test_stop_early(void **state)
{
    (void)state;
    for (unsigned take = 0; take < 40; take += 13) {
        lw_input in;
        fake f;
        fake_open(&in, &f, 1000000, LW_EOF);
        lw_pipeline *p = NULL;
        assert_int_equal(lw_pipeline_start(&p, &in, &fake_decoder, "fake"), LW_OK);
        for (unsigned k = 0; k < take; k++) {
            lw_event *ev;
            const lw_pipe_note *note;
            assert_int_equal(lw_pipeline_next(p, &ev, &note), LW_OK);
        }
        lw_pipeline_free(p);
        assert_true(f.next < f.n); /* it stopped long before the end */
        free(f.big);
    }
}

/* A long run of bad records is handed over in batches too, not held (with all its notes)
 * until the input ends. */
static void test_junk_is_batched(void **state)
{
    (void)state;
    all_bad = true;
    lw_input in;
    fake f;
    fake_open(&in, &f, 50000000, LW_EOF);
    lw_pipeline *p = NULL;
    assert_int_equal(lw_pipeline_start(&p, &in, &fake_decoder, "fake"), LW_OK);
    for (unsigned k = 0; k < 2000; k++) {
        lw_event *ev;
        const lw_pipe_note *note;
        assert_int_equal(lw_pipeline_next(p, &ev, &note), LW_OK);
        assert_non_null(note);
        assert_int_equal(note->kind, LW_NOTE_SKIP);
        assert_int_equal(note->line, k + 1);
    }
    lw_pipeline_free(p);
    assert_true(f.next < 100000); /* four batches ahead at most, not the whole input */
    all_bad = false;
    free(f.big);
}

/* ---- a whole hunt, one thread against two ---------------------------------------------- */

typedef struct transcript {
    char *text;
    size_t n, cap;
    pthread_t caller;
    bool other_thread; /* a callback ran on another thread */
} transcript;

static void say(transcript *t, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    assert_true(k > 0);
    size_t m = (size_t)k < sizeof line ? (size_t)k : sizeof line - 1;
    if (t->n + m + 1 > t->cap) {
        t->cap = (t->n + m + 1) * 2;
        t->text = realloc(t->text, t->cap);
        assert_non_null(t->text);
    }
    memcpy(t->text + t->n, line, m);
    t->n += m;
    t->text[t->n] = '\0';
    if (!pthread_equal(pthread_self(), t->caller))
        t->other_thread = true;
}

static void on_diag(const lw_diag *d, void *ud)
{
    say(ud, "diag %s:%llu:%llu %s %s\n", d->path ? d->path : "-", (unsigned long long)d->line,
        (unsigned long long)d->column, d->reason, d->message);
}

static void on_alert(const lw_alert *a, void *ud)
{
    lw_str id = lw_alert_rule_id(a);
    const lw_event *ev = lw_alert_event(a);
    say(ud, "alert %.*s %s:%llu fields=%zu\n", (int)id.n, id.p, lw_event_source_path(ev),
        (unsigned long long)lw_event_source_record(ev), lw_event_field_count(ev));
}

static void on_event(const lw_event *ev, void *ud)
{
    lw_str name, value;
    int is_null;
    transcript *t = ud;
    say(t, "event %s:%llu", lw_event_source_path(ev),
        (unsigned long long)lw_event_source_record(ev));
    for (size_t i = 0; i < lw_event_field_count(ev); i++) {
        lw_event_field(ev, i, &name, &value, &is_null);
        say(t, " %.*s=%.*s", (int)name.n, name.p, (int)value.n, value.p);
    }
    say(t, "\n");
}

static void hunt_transcript(unsigned threads, bool events, const char *const *paths, transcript *t,
                            lw_hunt_stats *st)
{
    memset(t, 0, sizeof(*t));
    t->caller = pthread_self();
    lw_rules *r;
    assert_int_equal(lw_rules_new(&r), LW_OK);
    assert_int_equal(lw_rules_load(r, LW_SOURCE_DIR "/rules", NULL, NULL), LW_OK);
    assert_int_equal(lw_rules_compile(r), LW_OK);
    lw_hunt_options o = {
        .on_diag = on_diag, .diag_ud = t, .on_alert = on_alert, .alert_ud = t, .threads = threads};
    if (events) {
        o.on_event = on_event;
        o.event_ud = t;
    }
    lw_hunt *h;
    assert_int_equal(lw_hunt_new(r, &o, &h), LW_OK);
    for (size_t i = 0; paths[i]; i++)
        assert_int_equal(lw_hunt_path(h, paths[i]), LW_OK);
    assert_int_equal(lw_hunt_finish(h), LW_OK);
    *st = *lw_hunt_get_stats(h);
    lw_hunt_free(h);
    lw_rules_free(r);
}

static void test_hunt_same_with_two_threads(void **state)
{
    (void)state;
    const char *const paths[] = {LW_SOURCE_DIR "/examples", LW_SOURCE_DIR "/tests/fixtures/json",
                                 LW_SOURCE_DIR "/tests/fixtures/evtx",
                                 LW_SOURCE_DIR "/tests/fixtures/xml", NULL};
    for (int events = 0; events < 2; events++) {
        transcript one, two;
        lw_hunt_stats s1, s2;
        hunt_transcript(1, events, paths, &one, &s1);
        hunt_transcript(2, events, paths, &two, &s2);
        assert_non_null(one.text);
        assert_true(strstr(one.text, "alert ") != NULL);
        assert_true(strstr(one.text, "diag ") != NULL); /* the fixtures have bad records */
        assert_string_equal(one.text, two.text);
        assert_false(one.other_thread);
        assert_false(two.other_thread);
        assert_int_equal(s1.records, s2.records);
        assert_int_equal(s1.events, s2.events);
        assert_int_equal(s1.skipped, s2.skipped);
        assert_int_equal(s1.alerts, s2.alerts);
        assert_int_equal(s1.nreasons, s2.nreasons);
        free(one.text);
        free(two.text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_ownership),
        cmocka_unit_test(test_end_status_passes_through),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_junk_is_batched),
        cmocka_unit_test(test_stop_early),
        cmocka_unit_test(test_hunt_same_with_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
