/*
 * The hunt loop: find inputs, sniff, decode, normalize, enrich, detect, correlate, count.
 * One lw_hunt per thread; the lw_rules it reads are shared and immutable.
 *
 * Correlation: a match of a rule that a correlation references is copied (the event only
 * lives during the matcher callback) and pushed into a reorder buffer, a binary heap keyed
 * by (event time, content hash, rule index).  Matches leave the heap in key order, so the
 * correlator sees event-time order whatever the input order: in batch mode (the default)
 * at lw_hunt_finish or when the heap is full; in stream mode once the newest event time
 * seen is more than max_disorder_ms past them.
 *
 * Network evidence (evidence.c): when correlation rules are loaded, every event passes
 * through the evidence store before detection (it learns computer IPs, adds HostIp /
 * ImageFileName / DownloadFileName, keeps copies of risky network transfers), and each
 * chain alert is joined with the stored transfers when it is emitted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../enrich/enrich.h"
#include "../input/archive.h"
#include "../input/input.h"
#include "../output/alert.h"
#include "../sigma/correlation.h"
#include "../sigma/sigma.h"
#include "dirlist.h"
#include "event.h"
#include "evidence.h"
#include "pipeline.h"
#include "severity.h"

#define LW_DEFAULT_MAX_RECORD (16u * 1024 * 1024)
#define LW_MAX_DIR_DEPTH      64
#define LW_SNIFF_BYTES        4096
#define LW_DEF_MAX_BUFFERED   50000

/* A buffered base-rule match waiting for its turn. */
typedef struct lw_pend {
    int64_t t;
    uint64_t tie;
    uint32_t rule;
    const lw_rule_meta *meta;
    lw_cev *ev;
} lw_pend;

struct lw_hunt {
    const lw_rules *rules;
    lw_hunt_options opt;
    lw_matcher *matcher;
    lw_enricher *enricher;
    lw_event ev;
    lw_want want; /* from the rules; unused (all wanted) when on_event is set */
    bool use_want;
    lw_want prime_want; /* what a first pass decodes: creations and streams */
    bool priming;       /* inside lw_hunt_prime_path */
    lw_hunt_stats st;
    lw_severity_scratch sev; /* chain severity from URL intelligence */
    uint64_t raw_done;       /* on-disk bytes of the inputs finished (progress) */
    /* correlation */
    const lw_corrset *cs; /* NULL: no correlation rules */
    lw_correlator *corr;
    lw_corr_options copt;
    lw_corr_stats cst;
    lw_cev_acct acct;
    lw_pend *heap;
    size_t nheap, capheap;
    lw_cev *cur;          /* copy of the current event, made at its first correlated match */
    const char *cur_path; /* interned source path of the current input, or NULL */
    char **paths;         /* interned source paths (correlated events outlive inputs) */
    size_t npaths, cappaths;
    int64_t max_seen; /* newest event time seen */
    bool released;    /* rel_* hold the key of the last match released */
    int64_t rel_t;
    uint64_t rel_tie;
    uint32_t rel_rule;
    bool started;
    uint64_t primed;              /* events recorded by first passes */
    bool hunted;                  /* lw_hunt_path has read an input since the last finish */
    lw_enricher_stats prime_base; /* table counters after the first passes */
    bool prime_pending;           /* first passes done, their creations not recorded yet */
    lw_status corr_err;           /* first failure inside a callback */
    /* network evidence (NULL: off - no correlation rules, or disabled) */
    lw_evstore *evs;
    lw_evidence_options eopt;
    lw_evidence_stats est;
    lw_pipeline *pipe; /* decode thread's batches, kept from one input to the next */
};

static const lw_event empty_event = {.time_ms = INT64_MIN, .event_id = -1};

const char *lw_strerror(lw_status st)
{
    switch (st) {
    case LW_OK:
        return "ok";
    case LW_ENOMEM:
        return "out of memory";
    case LW_EIO:
        return "input/output error";
    case LW_EFORMAT:
        return "bad or unknown format";
    case LW_ERULE:
        return "rule error";
    case LW_EINVAL:
        return "invalid argument";
    case LW_ELIMIT:
        return "limit exceeded";
    case LW_EOF:
        return "end of input";
    case LW_ENOTFOUND:
        return "not found";
    }
    return "unknown status";
}

static lw_status corr_setup(lw_hunt *h);
static lw_status evidence_setup(lw_hunt *h);

lw_status lw_hunt_new(const lw_rules *rules, const lw_hunt_options *opt, lw_hunt **out)
{
    *out = NULL;
    lw_hunt *h = calloc(1, sizeof(*h));
    if (!h)
        return LW_ENOMEM;
    h->rules = rules;
    if (opt)
        h->opt = *opt;
    if (!h->opt.max_record_bytes)
        h->opt.max_record_bytes = LW_DEFAULT_MAX_RECORD;
    lw_event_init(&h->ev);
    if (lw_enricher_new(&h->enricher)) {
        lw_event_destroy(&h->ev);
        free(h);
        return LW_ENOMEM;
    }
    h->max_seen = INT64_MIN;
    lw_enricher_set_intel(h->enricher, h->opt.intel, rules && lw_rules_use_url_scores(rules),
                          rules && lw_rules_test_field(rules, "cs-host.intel"));
    if (rules) {
        lw_status st = lw_matcher_new(rules, &h->matcher);
        if (st == LW_OK && !h->opt.on_event && !getenv("LW_DECODE_ALL")) {
            st = lw_rules_want(rules, &h->want);
            h->use_want = true;
        }
        if (st) {
            if (h->matcher)
                lw_matcher_free(h->matcher);
            lw_enricher_free(h->enricher);
            lw_event_destroy(&h->ev);
            free(h);
            return st;
        }
        if ((st = corr_setup(h)) || (st = evidence_setup(h))) {
            lw_hunt_free(h);
            return st;
        }
    }
    *out = h;
    return LW_OK;
}

static void corr_clear(lw_hunt *h);

void lw_hunt_free(lw_hunt *h)
{
    if (!h)
        return;
    corr_clear(h);
    lw_correlator_free(h->corr);
    lw_evstore_free(h->evs);
    free(h->heap);
    for (size_t i = 0; i < h->npaths; i++)
        free(h->paths[i]);
    free(h->paths);
    if (h->matcher)
        lw_matcher_free(h->matcher);
    lw_enricher_free(h->enricher);
    lw_pipeline_free(h->pipe);
    lw_event_destroy(&h->ev);
    free(h);
}

const lw_hunt_stats *lw_hunt_get_stats(const lw_hunt *h)
{
    return &h->st;
}

/* Count one occurrence of reason (a static string) at location loc.  file_level: 0 a
 * skipped record, 1 an input not read, 2 a warning that dropped no record. */
static void count_reason(lw_hunt_stats *st, const char *reason, int file_level, const char *loc)
{
    size_t i;
    for (i = 0; i < st->nreasons; i++)
        if (strcmp(st->reasons[i].reason, reason) == 0 && st->reasons[i].file_level == file_level)
            break;
    if (i == st->nreasons) {
        if (st->nreasons == LW_SKIP_REASONS_MAX) {
            i = LW_SKIP_REASONS_MAX - 1; /* the last row collects the rest */
            reason = "other";
        } else {
            st->nreasons++;
            st->reasons[i].reason = reason;
            st->reasons[i].file_level = file_level;
        }
    }
    st->reasons[i].count++;
    size_t k = st->reasons[i].nfirst;
    if (k < 4) {
        lw_fmt(st->reasons[i].first[k], sizeof st->reasons[i].first[k], "%s", loc);
        st->reasons[i].nfirst++;
    }
}

static void emit_diag(lw_hunt *h, lw_severity sev, const char *path, uint64_t line, uint64_t col,
                      const char *reason, const char *msg)
{
    if (!h || !h->opt.on_diag || h->priming)
        return; /* a first pass reports nothing: the real pass will */
    lw_diag d = {sev, path, line, col, reason, msg};
    h->opt.on_diag(&d, h->opt.diag_ud);
}

/* A skipped record or a warning, counted and reported: what lw_input_skip and
 * lw_input_warn do at once, or later for notes a decode thread queued (pipeline.c). */
void lw_hunt_input_note(lw_hunt *h, const char *path, lw_input_note_kind kind, uint64_t line,
                        uint64_t col, const char *reason, const char *msg)
{
    char loc[256];
    if (kind == LW_NOTE_SKIP) {
        lw_fmt(loc, sizeof loc, "%s:%llu", path, (unsigned long long)line);
        h->st.records++;
        h->st.skipped++;
        count_reason(&h->st, reason, 0, loc);
    } else {
        lw_fmt(loc, sizeof loc, "%s", path);
        count_reason(&h->st, reason, 2, loc);
        col = 0;
    }
    emit_diag(h, LW_SEV_WARNING, path, line, col, reason, msg);
}

static void input_note(lw_input *in, lw_input_note_kind kind, uint64_t line, uint64_t col,
                       const char *reason, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

static void input_note(lw_input *in, lw_input_note_kind kind, uint64_t line, uint64_t col,
                       const char *reason, const char *fmt, va_list ap)
{
    if (!in->hunt && !in->defer)
        return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (in->defer)
        in->defer(in->defer_ud, kind, line, col, reason, msg);
    else
        lw_hunt_input_note(in->hunt, in->path, kind, line, col, reason, msg);
}

void lw_input_skip(lw_input *in, uint64_t line, uint64_t col, const char *reason, const char *fmt,
                   ...)
{
    va_list ap;
    va_start(ap, fmt);
    input_note(in, LW_NOTE_SKIP, line, col, reason, fmt, ap);
    va_end(ap);
}

void lw_input_warn(lw_input *in, uint64_t line, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    input_note(in, LW_NOTE_WARN, line, 0, reason, fmt, ap);
    va_end(ap);
}

void lw_input_vwarn(lw_input *in, uint64_t line, const char *reason, const char *fmt, va_list ap)
{
    input_note(in, LW_NOTE_WARN, line, 0, reason, fmt, ap);
}

static void file_failed(lw_hunt *h, const char *path, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void file_failed(lw_hunt *h, const char *path, const char *reason, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    h->st.files_failed++;
    count_reason(&h->st, reason, 1, path);
    emit_diag(h, LW_SEV_ERROR, path, 0, 0, reason, msg);
}

/* ---- correlation ---------------------------------------------------------------- */

static void on_calert(const lw_calert *ca, void *ud)
{
    lw_hunt *h = ud;
    if (ca->corr->suppressed) {
        h->cst.suppressed++; /* an inner correlation of a chain without generate */
        return;
    }
    const lw_rule_meta *meta = &ca->corr->meta;
    lw_alert a = {.meta = meta, .ev = ca->nevs ? &ca->evs[0].ev->ev : &empty_event, .corr = ca};
    a.level = lw_chain_level(h->opt.intel, ca, meta->level, &h->sev, &a.url);
    if (h->evs) {
        lw_status st =
            lw_evstore_attach(h->evs, ca, &a.evidence, &a.nevidence, &a.evidence_omitted);
        if (st && !h->corr_err)
            h->corr_err = st;
    }
    h->st.alerts++;
    h->st.alerts_by_level[lw_level_index(a.level)]++;
    h->cst.alerts++;
    if (h->opt.on_alert)
        h->opt.on_alert(&a, h->opt.alert_ud);
}

static lw_status corr_setup(lw_hunt *h)
{
    lw_correlator_free(h->corr);
    h->corr = NULL;
    h->cs = NULL;
    if (!h->rules || !h->rules->corr || !h->rules->corr->finalized || !h->rules->corr->nok)
        return LW_OK;
    h->cs = h->rules->corr;
    if (!h->copt.max_buffered)
        h->copt.max_buffered = LW_DEF_MAX_BUFFERED;
    return lw_correlator_new(h->rules, &h->copt, on_calert, h, &h->corr);
}

/* Heap order: event time, then content, then rule load order - never input order. */
static bool pend_less(const lw_pend *a, const lw_pend *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    if (a->tie != b->tie)
        return a->tie < b->tie;
    return a->rule < b->rule;
}

static void heap_pop(lw_hunt *h, lw_pend *out)
{
    *out = h->heap[0];
    lw_pend last = h->heap[--h->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l >= h->nheap)
            break;
        if (l + 1 < h->nheap && pend_less(&h->heap[l + 1], &h->heap[l]))
            l++;
        if (!pend_less(&h->heap[l], &last))
            break;
        h->heap[i] = h->heap[l];
        i = l;
        (void)m;
    }
    if (h->nheap)
        h->heap[i] = last;
}

static lw_status release_one(lw_hunt *h)
{
    lw_pend p;
    heap_pop(h, &p);
    h->released = true;
    h->rel_t = p.t;
    h->rel_tie = p.tie;
    h->rel_rule = p.rule;
    lw_status st = lw_correlator_feed(h->corr, p.rule, p.meta, p.ev);
    lw_cev_unref(p.ev);
    return st;
}

/* Intern the current input's path (copies of its events outlive the input). */
static lw_status intern_path(lw_hunt *h, const lw_event *ev)
{
    if (h->cur_path)
        return LW_OK;
    const char *src = ev->src_path ? ev->src_path : "";
    if (h->npaths && !strcmp(h->paths[h->npaths - 1], src)) {
        h->cur_path = h->paths[h->npaths - 1];
        return LW_OK;
    }
    if (h->npaths == h->cappaths) {
        size_t nc = h->cappaths ? h->cappaths * 2 : 16;
        char **np = realloc(h->paths, nc * sizeof(*np));
        if (!np)
            return LW_ENOMEM;
        h->paths = np;
        h->cappaths = nc;
    }
    char *cp = strdup(src);
    if (!cp)
        return LW_ENOMEM;
    h->paths[h->npaths++] = cp;
    h->cur_path = cp;
    return LW_OK;
}

static void corr_take(lw_hunt *h, const lw_rule *rule, const lw_event *ev)
{
    if (h->corr_err)
        return;
    if (ev->time_ms == INT64_MIN) {
        h->cst.dropped_no_time++;
        return;
    }
    if (!h->cur) {
        if ((h->corr_err = intern_path(h, ev)))
            return;
        if ((h->corr_err = lw_cev_new(ev, h->cur_path, &h->acct, &h->cur)))
            return;
    }
    lw_pend p = {ev->time_ms, h->cur->tie, rule->index, lw_rule_get_meta(rule), h->cur};
    h->cst.matches++;
    if (h->released) {
        lw_pend r = {h->rel_t, h->rel_tie, h->rel_rule, NULL, NULL};
        if (pend_less(&p, &r)) {
            h->cst.dropped_late++; /* its turn has passed */
            return;
        }
    }
    if (h->nheap == h->capheap) {
        size_t nc = h->capheap ? h->capheap * 2 : 256;
        lw_pend *nh = realloc(h->heap, nc * sizeof(*nh));
        if (!nh) {
            h->corr_err = LW_ENOMEM;
            return;
        }
        h->heap = nh;
        h->capheap = nc;
    }
    h->cur->refs++;
    size_t i = h->nheap++;
    while (i > 0 && pend_less(&p, &h->heap[(i - 1) / 2])) {
        h->heap[i] = h->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->heap[i] = p;
    if (h->nheap > h->cst.buffered_peak)
        h->cst.buffered_peak = h->nheap;
}

/* After each event: drop the event's copy reference, release what is due. */
static lw_status corr_after_event(lw_hunt *h)
{
    if (h->cur) {
        lw_cev_unref(h->cur);
        h->cur = NULL;
    }
    if (h->corr_err)
        return h->corr_err;
    lw_status st = LW_OK;
    while (!st && h->nheap > h->copt.max_buffered) {
        h->cst.released_early++;
        st = release_one(h);
    }
    if (!st && h->copt.max_disorder_ms > 0 && h->max_seen != INT64_MIN) {
        int64_t wm = h->max_seen - h->copt.max_disorder_ms;
        while (!st && h->nheap && h->heap[0].t < wm)
            st = release_one(h);
        if (!st)
            st = lw_correlator_advance(h->corr, wm);
    }
    return st;
}

/* Drop everything buffered (no alerts). */
static void corr_clear(lw_hunt *h)
{
    for (size_t i = 0; i < h->nheap; i++)
        lw_cev_unref(h->heap[i].ev);
    h->nheap = 0;
    if (h->cur) {
        lw_cev_unref(h->cur);
        h->cur = NULL;
    }
}

lw_status lw_hunt_set_correlation(lw_hunt *h, const lw_corr_options *opt)
{
    if (!h || h->started || (opt && opt->max_disorder_ms < 0))
        return LW_EINVAL;
    lw_corr_options o = {0};
    if (opt)
        o = *opt;
    h->copt = o;
    lw_status st = corr_setup(h);
    return st ? st : evidence_setup(h);
}

lw_status lw_hunt_finish(lw_hunt *h)
{
    if (!h)
        return LW_EINVAL;
    lw_status st = h->corr_err;
    while (!st && h->nheap)
        st = release_one(h);
    if (!st)
        st = lw_correlator_finish(h->corr);
    corr_clear(h);
    h->released = false;
    h->max_seen = INT64_MIN;
    h->started = false;
    h->hunted = false;
    if (h->evs) {
        /* the next run starts afresh; the counters carry over */
        lw_evidence_stats keep;
        lw_evstore_stats(h->evs, &keep);
        lw_evstore *ns = NULL;
        lw_status est = lw_evstore_new(&h->eopt, &ns);
        if (est && !st)
            st = est;
        lw_evstore_free(h->evs);
        h->evs = ns;
        h->est = keep;
    }
    return st;
}

/* Evidence only serves chain alerts: on when correlation rules are loaded and not
 * disabled.  The store needs Sysmon 3 and the network transfer records decoded even when
 * no rule asks for them. */
static lw_status evidence_setup(lw_hunt *h)
{
    lw_evstore_free(h->evs);
    h->evs = NULL;
    memset(&h->est, 0, sizeof h->est);
    if (h->use_want) {
        lw_status st = lw_rules_want(h->rules, &h->want);
        if (st)
            return st;
    }
    if (!h->cs || h->eopt.disable)
        return LW_OK;
    lw_status st = lw_evstore_new(&h->eopt, &h->evs);
    if (st)
        return st;
    if (h->use_want && !h->want.all) {
        h->want.cats |= (1ull << LW_CAT_NETWORK_CONNECTION) | (1ull << LW_CAT_PROXY);
        for (size_t i = 0; lw_evstore_channels[i]; i++) {
            bool have = false;
            for (unsigned k = 0; k < h->want.nchannels && !have; k++)
                have = !strcmp(h->want.channels[k], lw_evstore_channels[i]);
            if (!have && h->want.nchannels < LW_WANT_MAX_CHANNELS)
                h->want.channels[h->want.nchannels++] = lw_evstore_channels[i];
            else if (!have)
                h->want.all = true; /* no room: decode everything rather than miss */
        }
    }
    return LW_OK;
}

lw_status lw_hunt_set_evidence(lw_hunt *h, const lw_evidence_options *opt)
{
    if (!h || h->started || (opt && opt->max_clock_skew_ms < 0))
        return LW_EINVAL;
    lw_evidence_options o = {0};
    if (opt)
        o = *opt;
    h->eopt = o;
    return evidence_setup(h);
}

const lw_evidence_stats *lw_hunt_get_evidence_stats(const lw_hunt *h)
{
    lw_hunt *mh = (lw_hunt *)h; /* the store's counters are copied in on demand */
    if (mh->evs) {
        lw_evidence_stats cur;
        lw_evstore_stats(mh->evs, &cur);
        /* after lw_hunt_finish the store is fresh: add what earlier runs counted */
        if (cur.seen || cur.hosts || cur.alerts || cur.no_host_ip)
            mh->est = cur;
    }
    return &mh->est;
}

const lw_corr_stats *lw_hunt_get_corr_stats(const lw_hunt *h)
{
    lw_hunt *mh = (lw_hunt *)h; /* the correlator's counters are copied in on demand */
    lw_correlator_stats(mh->corr, &mh->cst);
    mh->cst.copies_peak = h->acct.peak_live;
    mh->cst.bytes_peak = h->acct.peak_bytes;
    return &mh->cst;
}

static void on_match(const lw_rule *rule, const lw_event *ev, void *ud)
{
    lw_hunt *h = ud;
    const lw_rule_meta *meta = lw_rule_get_meta(rule);
    const lw_corrset *cs = h->cs;
    bool used = cs && rule->index < cs->nrules &&
                cs->use_start[rule->index] != cs->use_start[rule->index + 1];
    if (used)
        corr_take(h, rule, ev);
    if (used && cs->rule_suppressed[rule->index]) {
        h->cst.suppressed++; /* referenced by a correlation without generate: true */
        return;
    }
    lw_alert a = {.rule = rule, .meta = meta, .ev = ev, .level = meta->level};
    h->st.alerts++;
    h->st.alerts_by_level[lw_level_index(meta->level)]++;
    if (h->opt.on_alert)
        h->opt.on_alert(&a, h->opt.alert_ud);
}

static lw_status hunt_archive(lw_hunt *h, const char *path);
static lw_status hunt_records(lw_hunt *h, const char *path, lw_input *inp, const lw_decoder *dec);

/* Read one input whose reader in->rd is open (a file, stdin or an archive member named
 * path); closes the reader.  member: inside an archive (archives are not opened twice). */
static lw_status hunt_input(lw_hunt *h, const char *path, lw_input *in, bool member)
{
    in->path = path;
    in->hunt = h;
    in->max_record = h->opt.max_record_bytes;
    in->evtx_slack = h->opt.evtx_slack;
    in->want = h->priming ? &h->prime_want : h->use_want ? &h->want : NULL;
    h->st.files++;
    h->started = true;
    h->hunted |= !h->priming;
    h->cur_path = NULL; /* interned at the first correlated match of this input */
    while (lw_reader_avail(&in->rd) < LW_SNIFF_BYTES && lw_reader_fill(&in->rd) > 0)
        ;
    if (in->rd.error) {
        h->st.files--;
        file_failed(h, path, "unreadable", "cannot read: %s", in->rd.errmsg);
        lw_reader_close(&in->rd);
        return LW_OK;
    }
    size_t n = lw_reader_avail(&in->rd);
    const unsigned char *head = (const unsigned char *)lw_reader_data(&in->rd);
    if (lw_archive_sniff(head, n)) {
        h->st.files--;
        lw_reader_close(&in->rd);
        if (member) {
            file_failed(h, path, "nested-archive", "archive inside an archive: not opened");
            return LW_OK;
        }
        if (strcmp(path, "-") == 0) {
            file_failed(h, path, "unreadable", "an archive on stdin is not read: name the file");
            return LW_OK;
        }
        return hunt_archive(h, path);
    }
    const lw_decoder *dec = lw_decoder_sniff(head, n);
    if (!dec) {
        h->st.files--;
        if (n == 0)
            file_failed(h, path, "empty", "empty input");
        else
            file_failed(h, path, "unknown-format",
                        "unknown format (not EVTX, Windows event XML or JSON, Zeek, Suricata EVE, "
                        "a proxy log or an archive of these)");
        lw_reader_close(&in->rd);
        return LW_OK;
    }
    lw_status st = dec->open(in);
    if (st) {
        dec->close(in); /* frees whatever open() allocated; every close takes empty state */
        h->st.files--;
        if (st != LW_ENOMEM)
            file_failed(h, path, "unreadable", "%s input could not be opened: %s", dec->name,
                        lw_strerror(st));
        lw_reader_close(&in->rd);
        return st == LW_ENOMEM ? st : LW_OK;
    }
    return hunt_records(h, path, in, dec);
}

static lw_status hunt_file(lw_hunt *h, const char *path)
{
    lw_input in = {0};
    size_t window = h->opt.max_record_bytes + 512 * 1024;
    lw_status st = lw_reader_open(&in.rd, path, window);
    if (st) {
        if (st == LW_ENOMEM)
            return st;
        file_failed(h, path, "unreadable", "cannot open: %s", strerror(errno));
        return LW_OK;
    }
    return hunt_input(h, path, &in, false);
}

/* Every regular member of the archive at path, as "path:member", in archive order. */
static lw_status hunt_archive(lw_hunt *h, const char *path)
{
    char err[256];
    lw_archive *a = NULL;
    lw_status st = lw_archive_open(path, &a, err, sizeof err);
    if (st) {
        if (st == LW_ENOMEM)
            return st;
        file_failed(h, path, "unreadable", "cannot open archive: %s", err);
        return LW_OK;
    }
    h->st.archives++;
    size_t window = h->opt.max_record_bytes + 512 * 1024;
    uint64_t members = 0;
    for (;;) {
        const char *name = NULL;
        int k = lw_archive_next(a, &name, err, sizeof err);
        if (k == 0)
            break;
        if (k < 0) {
            file_failed(h, path, "archive-damaged", "archive unreadable after %llu members: %s",
                        (unsigned long long)members, err);
            break;
        }
        if (++members > LW_ARCHIVE_MAX_MEMBERS) {
            file_failed(h, path, "archive-too-many", "more than %u members: the rest not read",
                        LW_ARCHIVE_MAX_MEMBERS);
            break;
        }
        char *member = lw_archive_member_path(path, name);
        if (!member) {
            st = LW_ENOMEM;
            break;
        }
        lw_input in = {0};
        st = lw_archive_reader(a, &in.rd, window);
        if (st == LW_OK)
            st = hunt_input(h, member, &in, true);
        free(member);
        if (st)
            break;
    }
    lw_archive_close(a);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
        h->raw_done += (uint64_t)sb.st_size;
    return st;
}

/*
 * Sysmon writes its own UtcTime into every event; some exports rewrite the event time
 * (the OTRF LSASS JSON's TimeCreated is 19 hours off its UtcTime).  Say so once per input,
 * at the first Sysmon event with a UtcTime: times shown are the event times, while network
 * evidence is matched on UtcTime, and an analyst lining the two up needs to know.
 * Returns true once the input has been checked.
 */
static bool check_clock(lw_hunt *h, const char *path, const lw_event *ev)
{
    if (ev->product != LW_PRODUCT_WINDOWS)
        return true; /* network records have no UtcTime: nothing to check in this input */
    /* Only Sysmon writes UtcTime: other events cost one compare, not a field search. */
    if (!lw_str_ieq_c(ev->provider, "Microsoft-Windows-Sysmon"))
        return false;
    const lw_field *f = lw_event_find(ev, LW_STR_LIT("UtcTime"));
    int64_t utc;
    if (!f || ev->time_ms == INT64_MIN || !lw_parse_time(f->value, &utc))
        return false;
    int64_t d = utc - ev->time_ms;
    if (d > 3600 * 1000LL || d < -3600 * 1000LL) {
        char msg[256];
        lw_fmt(msg, sizeof msg,
               "Sysmon UtcTime is %+.1f h from the event time (TimeCreated / @timestamp): an "
               "export time-zone error?  Alerts show the event time; network evidence is matched "
               "on UtcTime",
               (double)d / 3600000.0);
        lw_hunt_input_note(h, path, LW_NOTE_WARN, ev->record, 0, "clock-mismatch", msg);
    }
    return true;
}

/* A first pass's share of one event: process creations and Mark-of-the-Web streams for the
 * enricher, which computer has which address (Sysmon 3) for HostIp and chain evidence. */
static lw_status prime_event(lw_hunt *h, lw_event *ev)
{
    lw_status st = lw_event_normalize(ev);
    if (st)
        return st;
    if (lw_enrich_primes(ev)) {
        if ((st = lw_enrich_event(h->enricher, ev)))
            return st;
        h->primed++;
    }
    bool keep;
    if (h->evs && ev->product == LW_PRODUCT_WINDOWS &&
        (ev->cats & (1ull << LW_CAT_NETWORK_CONNECTION)))
        return lw_evstore_observe(h->evs, ev, &keep);
    return LW_OK;
}

/* Everything after decoding for one record the decoder returned (LW_OK): count it, then
 * enrich, observe, match and correlate it.  *clock_checked: the input's clock check is
 * done. */
static lw_status hunt_event(lw_hunt *h, const char *path, lw_event *ev, bool *clock_checked)
{
    lw_status st;
    h->st.records++;
    h->st.events++;
    if (ev->partial)
        return LW_OK; /* validated and counted; no rule can match it */
    if (h->priming)
        return prime_event(h, ev);
    if ((st = lw_event_normalize(ev)) || (st = lw_enrich_event(h->enricher, ev)))
        return st;
    if (!*clock_checked)
        *clock_checked = check_clock(h, path, ev);
    if (h->evs) {
        bool keep = false;
        if ((st = lw_evstore_observe(h->evs, ev, &keep)) ||
            (keep &&
             ((st = intern_path(h, ev)) || (st = lw_evstore_keep(h->evs, ev, h->cur_path)))))
            return st;
    }
    if (ev->time_ms != INT64_MIN && ((h->opt.has_from && ev->time_ms < h->opt.from_ms) ||
                                     (h->opt.has_to && ev->time_ms >= h->opt.to_ms))) {
        h->st.outside_window++; /* enriched and observed above; not matched */
        return LW_OK;
    }
    if (h->opt.on_event)
        h->opt.on_event(ev, h->opt.event_ud);
    if (ev->time_ms != INT64_MIN && ev->time_ms > h->max_seen)
        h->max_seen = ev->time_ms;
    if (h->matcher && (st = lw_matcher_run(h->matcher, ev, on_match, h, &h->st.rule_evaluations)))
        return st;
    if (h->cs && (st = corr_after_event(h)))
        return st;
    return LW_OK;
}

/* About every 64k records: the raw bytes read so far (a decode thread may be reading the
 * same descriptor: the offset is only an estimate then, which progress can live with). */
static void report_progress(lw_hunt *h, const lw_input *in, uint64_t *next_progress)
{
    if (!h->opt.on_progress || h->st.records < *next_progress)
        return;
    *next_progress = h->st.records + 65536;
    off_t at = in->rd.fd >= 0 ? lseek(in->rd.fd, 0, SEEK_CUR) : -1;
    h->opt.on_progress(h->raw_done + (at > 0 ? (uint64_t)at : 0), h->st.files, h->st.events,
                       h->opt.progress_ud);
}

/* The record loop of one open input, decoding on this thread. */
static lw_status decode_here(lw_hunt *h, const char *path, lw_input *in, const lw_decoder *dec)
{
    bool clock_checked = false;
    lw_event *ev = &h->ev;
    uint64_t next_progress = h->st.records + 65536;
    for (;;) {
        report_progress(h, in, &next_progress);
        lw_event_reset(ev);
        ev->src_path = path;
        lw_status st = dec->next(in, ev);
        if (st == LW_EFORMAT)
            continue;
        if (st == LW_EOF || st == LW_EIO)
            return LW_OK;
        if (st != LW_OK)
            return st;
        if ((st = hunt_event(h, path, ev, &clock_checked)))
            return st;
    }
}

/* The record loop of one open input, with a decode thread (lw_hunt_options.threads). */
static lw_status decode_threaded(lw_hunt *h, const char *path, lw_input *in, const lw_decoder *dec)
{
    lw_status st = lw_pipeline_start(&h->pipe, in, dec, path);
    lw_pipeline *pl = h->pipe;
    if (st == LW_EIO)
        return decode_here(h, path, in, dec); /* no thread to be had: nothing read yet */
    if (st)
        return st;
    bool clock_checked = false;
    uint64_t next_progress = h->st.records + 65536;
    for (;;) {
        report_progress(h, in, &next_progress);
        lw_event *ev;
        const lw_pipe_note *note;
        st = lw_pipeline_next(pl, &ev, &note);
        if (st == LW_OK && note) {
            lw_hunt_input_note(h, path, note->kind, note->line, note->col, note->reason, note->msg);
            continue;
        }
        if (st == LW_EOF || st == LW_EIO) {
            st = LW_OK; /* the end of the input (a read error has been reported) */
            break;
        }
        if (st || (st = hunt_event(h, path, ev, &clock_checked)))
            break;
    }
    lw_pipeline_stop(pl);
    return st;
}

/* A decode thread for this input (lw_hunt_options.threads, thread_min_bytes)?  Never for
 * a pipe, a terminal or another stream: the thread hands events over in batches, and a
 * batch waiting for a slow stream to fill it would hold back alerts a live feed
 * (winlogbeat | lurewatch hunt -) should get at once.  Archive members (fd -1) are read
 * from a file. */
static bool want_thread(const lw_hunt *h, const lw_input *in)
{
    if (h->opt.threads < 2)
        return false;
    struct stat sb;
    if (in->rd.fd < 0)
        return true;
    if (fstat(in->rd.fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        return false;
    return !h->opt.thread_min_bytes || (uint64_t)sb.st_size >= h->opt.thread_min_bytes;
}

/* The record loop of one open input; closes it. */
static lw_status hunt_records(lw_hunt *h, const char *path, lw_input *in, const lw_decoder *dec)
{
    lw_status rc =
        want_thread(h, in) ? decode_threaded(h, path, in, dec) : decode_here(h, path, in, dec);
    dec->close(in);
    if (in->rd.error)
        emit_diag(h, LW_SEV_ERROR, path, 0, 0, "read-error", in->rd.errmsg);
    h->st.bytes += in->rd.offset + in->rd.end;
    lw_enricher_stats es;
    lw_enricher_stats_get(h->enricher, &es);
    h->st.enrich_procs = es.proc_inserts;
    h->st.enrich_proc_evicted = es.proc_evicted_count + es.proc_evicted_age;
    h->st.enrich_parent_misses = es.proc_parent_misses - h->prime_base.proc_parent_misses;
    h->st.enrich_motw_merges = es.motw_merges - h->prime_base.motw_merges;
    h->st.enrich_motw_evicted = es.motw_evicted + es.motw_too_large;
    h->st.enrich_order_late = es.order_late;
    struct stat sb;
    if (in->rd.fd >= 0 && fstat(in->rd.fd, &sb) == 0 && S_ISREG(sb.st_mode))
        h->raw_done += (uint64_t)sb.st_size;
    lw_reader_close(&in->rd);
    if (h->opt.on_progress)
        h->opt.on_progress(h->raw_done, h->st.files, h->st.events, h->opt.progress_ud);
    return rc;
}

static lw_status hunt_dir(lw_hunt *h, const char *path, int depth)
{
    if (depth > LW_MAX_DIR_DEPTH) {
        file_failed(h, path, "too-deep", "folder nesting deeper than %d; not entered",
                    LW_MAX_DIR_DEPTH);
        return LW_OK;
    }
    char **names;
    size_t n;
    lw_status st = lw_dir_list(path, &names, &n);
    if (st == LW_EIO) {
        file_failed(h, path, "unreadable", "cannot open folder: %s", strerror(errno));
        return LW_OK;
    }
    for (size_t i = 0; i < n && st == LW_OK; i++) {
        struct stat sb;
        if (lstat(names[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            st = hunt_dir(h, names[i], depth + 1);
        else if (stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode))
            st = hunt_file(h, names[i]);
    }
    /* Paths are referenced by events only while a file is being read: free them now. */
    lw_dir_list_free(names, n);
    return st;
}

lw_status lw_hunt_prime_path(lw_hunt *h, const char *path)
{
    if (!h || !path || strcmp(path, "-") == 0)
        return LW_EINVAL;
    if (h->hunted)
        return LW_EINVAL;       /* too late: the real pass has begun */
    lw_hunt_stats keep = h->st; /* a first pass counts nothing */
    uint64_t raw = h->raw_done;
    h->prime_want = (lw_want){0};
    h->prime_want.cats = (1ull << LW_CAT_PROCESS_CREATION) | (1ull << LW_CAT_CREATE_STREAM_HASH);
    if (h->evs)
        h->prime_want.cats |= 1ull << LW_CAT_NETWORK_CONNECTION;
    void (*progress)(uint64_t, uint64_t, uint64_t, void *) = h->opt.on_progress;
    h->opt.on_progress = NULL; /* the progress line is the real pass's */
    h->priming = true;
    lw_enricher_set_priming(h->enricher, true);
    lw_status st = lw_hunt_path(h, path);
    h->priming = false;
    h->prime_pending = true; /* the creations are recorded when the real pass starts */
    h->opt.on_progress = progress;
    h->st = keep;
    h->raw_done = raw;
    h->st.primed = h->primed;
    return st;
}

lw_status lw_hunt_path(lw_hunt *h, const char *path)
{
    if (!h || !path)
        return LW_EINVAL;
    if (h->prime_pending && !h->priming) {
        /* The first passes are over: record what they held, in time order, and count the
         * real pass from here. */
        h->prime_pending = false;
        lw_status st = lw_enricher_set_priming(h->enricher, false);
        lw_enricher_stats_get(h->enricher, &h->prime_base);
        if (st)
            return st;
    }
    if (strcmp(path, "-") == 0)
        return hunt_file(h, path);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        file_failed(h, path, "unreadable", "cannot open: %s", strerror(errno));
        return LW_OK;
    }
    if (S_ISDIR(sb.st_mode))
        return hunt_dir(h, path, 0);
    return hunt_file(h, path);
}
