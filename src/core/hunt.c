/*
 * The hunt loop: find inputs, sniff, decode, normalize, detect, count.
 * One lw_hunt per thread; the lw_rules it reads are shared and immutable.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../enrich/enrich.h"
#include "../input/input.h"
#include "../output/alert.h"
#include "../sigma/sigma.h"
#include "event.h"

#define LW_DEFAULT_MAX_RECORD (16u * 1024 * 1024)
#define LW_MAX_DIR_DEPTH      64
#define LW_SNIFF_BYTES        4096

struct lw_hunt {
    const lw_rules *rules;
    lw_hunt_options opt;
    lw_matcher *matcher;
    lw_enricher *enricher;
    lw_event ev;
    lw_want want; /* from the rules; unused (all wanted) when on_event is set */
    bool use_want;
    lw_hunt_stats st;
};

const char *lw_strerror(lw_status st)
{
    switch (st) {
    case LW_OK: return "ok";
    case LW_ENOMEM: return "out of memory";
    case LW_EIO: return "input/output error";
    case LW_EFORMAT: return "bad or unknown format";
    case LW_ERULE: return "rule error";
    case LW_EINVAL: return "invalid argument";
    case LW_ELIMIT: return "limit exceeded";
    case LW_EOF: return "end of input";
    case LW_ENOTFOUND: return "not found";
    }
    return "unknown status";
}

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
    }
    *out = h;
    return LW_OK;
}

void lw_hunt_free(lw_hunt *h)
{
    if (!h)
        return;
    if (h->matcher)
        lw_matcher_free(h->matcher);
    lw_enricher_free(h->enricher);
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
        if (strcmp(st->reasons[i].reason, reason) == 0 &&
            st->reasons[i].file_level == file_level)
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
    if (!h || !h->opt.on_diag)
        return;
    lw_diag d = {sev, path, line, col, reason, msg};
    h->opt.on_diag(&d, h->opt.diag_ud);
}

void lw_input_skip(lw_input *in, uint64_t line, uint64_t col, const char *reason, const char *fmt,
                   ...)
{
    lw_hunt *h = in->hunt;
    if (!h)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char loc[256];
    lw_fmt(loc, sizeof loc, "%s:%llu", in->path, (unsigned long long)line);
    h->st.records++;
    h->st.skipped++;
    count_reason(&h->st, reason, 0, loc);
    emit_diag(h, LW_SEV_WARNING, in->path, line, col, reason, msg);
}

void lw_input_warn(lw_input *in, uint64_t line, const char *reason, const char *fmt, ...)
{
    lw_hunt *h = in->hunt;
    if (!h)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char loc[256];
    lw_fmt(loc, sizeof loc, "%s", in->path);
    count_reason(&h->st, reason, 2, loc);
    emit_diag(h, LW_SEV_WARNING, in->path, line, 0, reason, msg);
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

static void on_match(const lw_rule *rule, const lw_event *ev, void *ud)
{
    lw_hunt *h = ud;
    const lw_rule_meta *meta = lw_rule_get_meta(rule);
    lw_alert a = {rule, meta, ev};
    h->st.alerts++;
    h->st.alerts_by_level[lw_level_index(meta->level)]++;
    if (h->opt.on_alert)
        h->opt.on_alert(&a, h->opt.alert_ud);
}

static lw_status hunt_file(lw_hunt *h, const char *path)
{
    lw_input in = {0};
    in.path = path;
    in.hunt = h;
    in.max_record = h->opt.max_record_bytes;
    in.want = h->use_want ? &h->want : NULL;
    size_t window = h->opt.max_record_bytes + 512 * 1024;
    lw_status st = lw_reader_open(&in.rd, path, window);
    if (st) {
        if (st == LW_ENOMEM)
            return st;
        file_failed(h, path, "unreadable", "cannot open: %s", strerror(errno));
        return LW_OK;
    }
    h->st.files++;
    while (lw_reader_avail(&in.rd) < LW_SNIFF_BYTES && lw_reader_fill(&in.rd) > 0)
        ;
    if (in.rd.error) {
        h->st.files--;
        file_failed(h, path, "unreadable", "cannot read: %s", in.rd.errmsg);
        lw_reader_close(&in.rd);
        return LW_OK;
    }
    size_t n = lw_reader_avail(&in.rd);
    const lw_decoder *dec =
        lw_decoder_sniff((const unsigned char *)lw_reader_data(&in.rd), n);
    if (!dec) {
        h->st.files--;
        if (n == 0)
            file_failed(h, path, "empty", "empty input");
        else
            file_failed(h, path, "unknown-format",
                        "unknown format (not EVTX, JSON or Windows event XML)");
        lw_reader_close(&in.rd);
        return LW_OK;
    }
    st = dec->open(&in);
    if (st) {
        h->st.files--;
        if (st != LW_ENOMEM)
            file_failed(h, path, "unreadable", "%s input could not be opened: %s", dec->name,
                        lw_strerror(st));
        lw_reader_close(&in.rd);
        return st == LW_ENOMEM ? st : LW_OK;
    }
    lw_event *ev = &h->ev;
    lw_status rc = LW_OK;
    for (;;) {
        lw_event_reset(ev);
        ev->src_path = path;
        st = dec->next(&in, ev);
        if (st == LW_EFORMAT)
            continue;
        if (st == LW_EOF || st == LW_EIO)
            break;
        if (st != LW_OK) {
            rc = st;
            break;
        }
        h->st.records++;
        h->st.events++;
        if (ev->partial)
            continue; /* validated and counted; no rule can match it */
        if ((st = lw_event_normalize(ev)) || (st = lw_enrich_event(h->enricher, ev))) {
            rc = st;
            break;
        }
        if (h->opt.on_event)
            h->opt.on_event(ev, h->opt.event_ud);
        if (h->matcher && (st = lw_matcher_run(h->matcher, ev, on_match, h,
                                               &h->st.rule_evaluations))) {
            rc = st;
            break;
        }
    }
    dec->close(&in);
    if (in.rd.error)
        emit_diag(h, LW_SEV_ERROR, path, 0, 0, "read-error", in.rd.errmsg);
    h->st.bytes += in.rd.offset + in.rd.end;
    lw_reader_close(&in.rd);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static lw_status hunt_dir(lw_hunt *h, const char *path, int depth)
{
    if (depth > LW_MAX_DIR_DEPTH) {
        file_failed(h, path, "too-deep", "folder nesting deeper than %d; not entered",
                    LW_MAX_DIR_DEPTH);
        return LW_OK;
    }
    DIR *d = opendir(path);
    if (!d) {
        file_failed(h, path, "unreadable", "cannot open folder: %s", strerror(errno));
        return LW_OK;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    lw_status st = LW_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue; /* ., .., and hidden files such as .git */
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = realloc(names, ncap * sizeof(*nn));
            if (!nn) {
                st = LW_ENOMEM;
                break;
            }
            names = nn;
            cap = ncap;
        }
        size_t len = strlen(path) + 1 + strlen(de->d_name) + 1;
        char *full = malloc(len);
        if (!full) {
            st = LW_ENOMEM;
            break;
        }
        lw_fmt(full, len, "%s/%s", path, de->d_name);
        names[n++] = full;
    }
    closedir(d);
    if (st == LW_OK && n)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (st == LW_OK) {
            struct stat sb;
            if (lstat(names[i], &sb) == 0 && S_ISDIR(sb.st_mode))
                st = hunt_dir(h, names[i], depth + 1);
            else if (stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode))
                st = hunt_file(h, names[i]);
        }
    }
    /* Paths are referenced by events only while a file is being read: free them now. */
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

lw_status lw_hunt_path(lw_hunt *h, const char *path)
{
    if (!h || !path)
        return LW_EINVAL;
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
