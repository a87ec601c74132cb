/*
 * lurewatch.h - the one public header of liblurewatch.
 *
 * lurewatch reads Windows and network telemetry, normalizes every record into an event,
 * runs compiled Sigma rules over it and hands out alerts.  Everything behind this header
 * is reached through opaque handles and lw_ functions.
 *
 * Conventions
 *  - Functions that can fail return an lw_status (LW_OK == 0) and write results to
 *    out-parameters; lw_strerror() names a status.
 *  - The library never exits or aborts; out of memory is LW_ENOMEM.
 *  - Strings handed to callbacks are sized views ({p, n}); they are NOT NUL-terminated and
 *    live only for the duration of the callback unless stated otherwise.
 *  - A compiled lw_rules is immutable and may be shared by many lw_hunt objects (one per
 *    thread); an lw_hunt is used by one thread at a time.
 */
#ifndef LUREWATCH_H
#define LUREWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LW_API __attribute__((visibility("default")))
#else
#define LW_API
#endif

#define LW_VERSION "0.1.0"

typedef enum lw_status {
    LW_OK = 0,
    LW_ENOMEM,    /* allocation failed */
    LW_EIO,       /* a file could not be opened or read */
    LW_EFORMAT,   /* input is not in a known or valid format */
    LW_ERULE,     /* a rule could not be parsed or uses unsupported syntax */
    LW_EINVAL,    /* bad argument */
    LW_ELIMIT,    /* a configured limit was exceeded */
    LW_EOF,       /* no more records */
    LW_ENOTFOUND, /* a named thing does not exist */
} lw_status;

/* A sized, not NUL-terminated, view of bytes. */
typedef struct lw_str {
    const char *p;
    size_t n;
} lw_str;

/* Human-readable name of a status; static storage. */
LW_API const char *lw_strerror(lw_status st);

/* ---------------------------------------------------------------------------------------
 * Diagnostics: located messages about bad input or rules.  The library counts every
 * diagnostic; the callback (optional) sees each one.
 */
typedef enum lw_severity { LW_SEV_INFO, LW_SEV_WARNING, LW_SEV_ERROR } lw_severity;

typedef struct lw_diag {
    lw_severity severity;
    const char *path;    /* file the message is about, or NULL */
    uint64_t line;       /* 1-based line, record number or 0 when unknown */
    uint64_t column;     /* 1-based column, byte offset or 0 when unknown */
    const char *reason;  /* short machine-friendly reason code, e.g. "json-syntax" */
    const char *message; /* full sentence */
} lw_diag;

typedef void (*lw_diag_fn)(const lw_diag *d, void *ud);

/* ---------------------------------------------------------------------------------------
 * Events.  An lw_event handed to a callback lives until the callback returns.
 */
typedef struct lw_event lw_event;

LW_API int64_t lw_event_time_ms(const lw_event *ev); /* INT64_MIN when unknown */
/* ISO 8601 "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM]" (UTC unless an offset is given) to ms
 * since the epoch.  *date_only is set when only the date was given.  Returns false when the
 * text is not such a time. */
LW_API bool lw_time_parse(const char *text, int64_t *ms, bool *date_only);
LW_API lw_str lw_event_host(const lw_event *ev);
LW_API lw_str lw_event_channel(const lw_event *ev);
LW_API lw_str lw_event_provider(const lw_event *ev);
LW_API int32_t lw_event_id(const lw_event *ev);           /* -1 when none */
LW_API const char *lw_event_category(const lw_event *ev); /* "process_creation", ... or "" */
LW_API const char *lw_event_source_path(const lw_event *ev);
LW_API uint64_t lw_event_source_record(const lw_event *ev); /* EVTX record id or line */
LW_API size_t lw_event_field_count(const lw_event *ev);
/* Field i (0 <= i < count): name and value.  *is_null is set when the value is JSON null. */
LW_API void lw_event_field(const lw_event *ev, size_t i, lw_str *name, lw_str *value, int *is_null);
/* Value of the field called name (ASCII case-insensitive); returns 0 when absent. */
LW_API int lw_event_get(const lw_event *ev, const char *name, lw_str *value);

/* ---------------------------------------------------------------------------------------
 * Rules.
 */
typedef struct lw_rules lw_rules;

typedef struct lw_rule_report {
    const char *path;  /* rule file */
    const char *id;    /* rule id or "" */
    const char *title; /* rule title or "" */
    int ok;            /* 1 loaded, 0 rejected */
    uint64_t line;     /* where the rejection points (0 when ok) */
    uint64_t column;
    const char *reason; /* why rejected, or "" */
    int doc_index;      /* 0-based YAML document in the file */
} lw_rule_report;

typedef void (*lw_rule_report_fn)(const lw_rule_report *r, void *ud);

LW_API lw_status lw_rules_new(lw_rules **out);
LW_API void lw_rules_free(lw_rules *r);
/* Values for %name% placeholders used by |expand: one value per line of file. */
LW_API lw_status lw_rules_add_placeholder_file(lw_rules *r, const char *name, const char *file,
                                               char *err, size_t errlen);
/* Load one rule file or every *.yml / *.yaml under a folder (recursive).  Each rule
 * document gets one report.  Rejected rules are reported, never half-loaded.  Returns
 * LW_EIO when path cannot be read at all. */
LW_API lw_status lw_rules_load(lw_rules *r, const char *path, lw_rule_report_fn cb, void *ud);
/* Finish loading: build indexes.  After this the rule set is read-only. */
/* Keep the compiled prefilter databases in dir (created 0700; it must belong to the user
 * and be writable by no one else) and reuse them when the same rules load again: most of
 * the load time of a large rule set.  NULL or "": no cache (the default).  Call before
 * lw_rules_compile. */
LW_API lw_status lw_rules_set_cache_dir(lw_rules *r, const char *dir);
/* Prefilter databases loaded from the cache, compiled, and cache files not used. */
LW_API void lw_rules_cache_stats(const lw_rules *r, unsigned *hits, unsigned *compiled,
                                 unsigned *rejected);
LW_API lw_status lw_rules_compile(lw_rules *r);
LW_API size_t lw_rules_count(const lw_rules *r);
LW_API size_t lw_rules_rejected(const lw_rules *r);

/* ---------------------------------------------------------------------------------------
 * Alerts.
 */
typedef struct lw_alert lw_alert;

LW_API lw_str lw_alert_rule_id(const lw_alert *a);
LW_API lw_str lw_alert_rule_title(const lw_alert *a);
LW_API lw_str lw_alert_rule_level(const lw_alert *a);
LW_API lw_str lw_alert_rule_status(const lw_alert *a);
LW_API size_t lw_alert_tag_count(const lw_alert *a);
LW_API lw_str lw_alert_tag(const lw_alert *a, size_t i);
LW_API const lw_event *lw_alert_event(const lw_alert *a);

/* ---------------------------------------------------------------------------------------
 * Sinks: where alerts go.  Formats: "jsonl", "table", "csv".
 */
typedef struct lw_sink lw_sink;

typedef struct lw_sink_options {
    int color; /* table: colour by level */
} lw_sink_options;

LW_API lw_status lw_sink_open(const char *format, FILE *out, const lw_sink_options *opt,
                              lw_sink **sink);
LW_API lw_status lw_sink_write(lw_sink *s, const lw_alert *a);
LW_API lw_status lw_sink_close(lw_sink *s); /* flushes; frees s */
LW_API int lw_sink_format_known(const char *format);

/* ---------------------------------------------------------------------------------------
 * Hunting: read inputs, decode, detect.
 */
typedef struct lw_hunt lw_hunt;

typedef void (*lw_alert_fn)(const lw_alert *a, void *ud);
/* Called for every decoded event before detection (may be NULL). */
typedef void (*lw_event_fn)(const lw_event *ev, void *ud);

typedef struct lw_hunt_options {
    size_t max_record_bytes; /* records larger than this are skipped; 0 = default (16 MiB) */
    lw_diag_fn on_diag;
    void *diag_ud;
    lw_alert_fn on_alert;
    void *alert_ud;
    lw_event_fn on_event;
    void *event_ud;
    /* URL intelligence (may be NULL): chain alerts take the score of their riskiest URL
     * into their level (docs/correlation.md "Severity").  Not owned; must outlive the hunt. */
    const struct lw_intel *intel;
    /* Progress (may be NULL): called about every 64k records and at the end of each input
     * with the raw (on-disk, compressed) bytes consumed so far over all inputs. */
    void (*on_progress)(uint64_t raw_bytes_done, uint64_t files_done, uint64_t events, void *ud);
    void *progress_ud;
    /* Time window (event time, ms since the epoch, UTC): events outside [from_ms, to_ms)
     * still feed enrichment and network evidence (a process started before the window is
     * still an ancestor) but are not matched; they are counted in stats->outside_window.
     * Events without a time are matched.  has_from / has_to false: no bound. */
    bool has_from, has_to;
    int64_t from_ms, to_ms;
    /* 0 or 1: read and decode on the calling thread.  2 (or more; 2 are used): a second
     * thread reads and decodes each input file (archive members included) while the
     * calling thread enriches, matches and reports; files smaller than thread_min_bytes
     * (0: no minimum) and streams (stdin, pipes: alerts must not wait for a batch to fill)
     * are still decoded on the calling thread.  Results, counters, reports and their order
     * are the same either way, and every callback runs on the calling thread. */
    unsigned threads;
    uint64_t thread_min_bytes;
    /* EVTX: also read the records left in chunk slack space (past a chunk's free-space
     * offset: remnants of overwritten or cleared records), after each file's live records,
     * leaving out stale copies of live records (by record id).  Off by default: they are
     * old events, and other EVTX readers (evtx_dump, which SigmaHQ's samples come from) do
     * not read them. */
    bool evtx_slack;
} lw_hunt_options;

/* Reason codes for skipped records, for the summary. */
#define LW_SKIP_REASONS_MAX 16

typedef struct lw_hunt_stats {
    uint64_t files;        /* inputs opened */
    uint64_t files_failed; /* inputs that could not be opened or sniffed */
    uint64_t archives;     /* zip / 7z / rar / tar archives opened (members count as inputs) */
    uint64_t bytes;        /* bytes read (decompressed) */
    uint64_t records;      /* records seen */
    uint64_t events;       /* records decoded into events */
    uint64_t skipped;      /* records not decoded, by reason below */
    size_t nreasons;
    struct {
        const char *reason; /* short code, e.g. "json-syntax"; static storage */
        int file_level;     /* 0: skipped records; 1: whole inputs not read (e.g.
                               "unknown-format"); 2: warnings that dropped no record */
        uint64_t count;
        char first[4][256]; /* first few locations "file:line" */
        size_t nfirst;
    } reasons[LW_SKIP_REASONS_MAX];
    uint64_t alerts;
    uint64_t alerts_by_level[6]; /* informational, low, medium, high, critical, other */
    uint64_t rule_evaluations;
    /* Enrichment state (bounded tables; see docs/fields.md "Derived fields"). */
    uint64_t enrich_procs;         /* process creations recorded for ancestry */
    uint64_t enrich_proc_evicted;  /* processes evicted (table full or too old) */
    uint64_t enrich_parent_misses; /* creations whose parent was never seen */
    uint64_t enrich_motw_merges;   /* Zone.Identifier events merged with earlier ones */
    uint64_t enrich_motw_evicted;  /* Zone.Identifier entries evicted or too large */
    /* Lookups that missed a process or Mark of the Web read later but dated earlier: the
     * read order is not the time order (lw_hunt_prime_path fixes that). */
    uint64_t enrich_order_late;
    uint64_t primed;         /* events recorded by lw_hunt_prime_path */
    uint64_t outside_window; /* events outside from_ms / to_ms: not matched */
} lw_hunt_stats;

LW_API lw_status lw_hunt_new(const lw_rules *rules, const lw_hunt_options *opt, lw_hunt **out);
LW_API void lw_hunt_free(lw_hunt *h);
/* Hunt one file or a folder (recursive).  "-" reads stdin.  An unreadable or unknown input
 * is reported through on_diag and counted; the return value is LW_OK unless memory ran out
 * or the arguments were bad. */
LW_API lw_status lw_hunt_path(lw_hunt *h, const char *path);
/* A first pass over path (file or folder; not stdin, which cannot be read twice): records
 * process creations that carry a GUID and Mark-of-the-Web streams, so that lw_hunt_path
 * later finds every process's ancestors and every file's Mark of the Web whatever the read
 * order.  Nothing is matched, written or counted (but stats->primed).  Call it for every
 * path before the first lw_hunt_path. */
LW_API lw_status lw_hunt_prime_path(lw_hunt *h, const char *path);
LW_API const lw_hunt_stats *lw_hunt_get_stats(const lw_hunt *h);

/* ---------------------------------------------------------------------------------------
 * URL and domain intelligence (src/intel/).  Owned by the URL-intelligence work.
 *
 * One lw_intel holds the brands, allow/block lists and the newly-observed-domain store.
 * Build it once with lw_intel_new(); afterwards it is read-only except for the seen
 * store, which has its own lock, so one lw_intel may be shared by every hunt thread.
 * lw_intel_score_url() does no heap allocation for ASCII hosts (IDN hosts pay one
 * libidn2 allocation); the result lives in a caller-provided lw_intel_result.
 * docs/url-intel.md lists every reason code, its weight and the measurement behind it.
 */
typedef struct lw_intel lw_intel;

typedef enum lw_verdict {
    LW_VERDICT_BENIGN = 0,
    LW_VERDICT_SUSPICIOUS,
    LW_VERDICT_MALICIOUS,
} lw_verdict;

typedef struct lw_intel_options {
    /* Files; NULL-terminated arrays (or NULL).  Formats are detected per line: plain
     * domains or URLs, hosts files, Tranco "rank,domain", URLhaus / PhishTank CSV,
     * OpenPhish feed.  See docs/url-intel.md. */
    const char *const *allow_files;
    const char *const *block_files;
    const char *brands_file; /* replaces the built-in brands list; NULL = built-in */
    const char *seen_db;     /* SQLite path, created on first use; NULL = no store */
    int new_days;            /* "newly observed" window in days; 0 = 30 */
    int suspicious_at;       /* score threshold for "suspicious"; 0 = default (see docs) */
    int malicious_at;        /* score threshold for "malicious"; 0 = default */
} lw_intel_options;

/* Load everything.  On failure returns LW_EIO / LW_EFORMAT / LW_ENOMEM and writes a
 * sentence naming the file and line into err[errlen]; *out is NULL then.  A list line that
 * is not an entry is skipped and counted (lw_intel_list_stats); a file with no entry at
 * all, or with NUL bytes, is LW_EFORMAT. */
LW_API lw_status lw_intel_new(const lw_intel_options *opt, lw_intel **out, char *err,
                              size_t errlen);
/* Flushes the seen store and frees everything. */
LW_API void lw_intel_free(lw_intel *in);
/* Entries loaded and lines skipped, for messages ("loaded 1000000 block entries"). */
LW_API void lw_intel_list_stats(const lw_intel *in, size_t *allow, size_t *block, size_t *brands,
                                size_t *skipped_lines);

#define LW_INTEL_MAX_REASONS  24
#define LW_INTEL_MAX_FEATURES 48

typedef struct lw_intel_reason {
    const char *code; /* short stable code, e.g. "ip-host", "homograph"; static storage */
    double weight;    /* contribution in score points before the 0-100 squash (may be < 0) */
    char text[160];   /* human sentence, e.g. "looks like paypal.com (Cyrillic a for a)" */
} lw_intel_reason;

/* Per-call options (may be NULL). */
typedef struct lw_intel_call {
    int64_t when_ms; /* event time for the seen store (ms since epoch); 0 = now */
    int record_seen; /* 1: remember the domain in the seen store (the default when the
                        call struct is NULL); 0: look up only */
} lw_intel_call;

/*
 * Everything known about one URL.  lw_str parts (url, scheme, userinfo, host, port, path,
 * query, fragment) are views into the string passed to lw_intel_score_url; the others
 * point into buf inside this struct (NUL-terminated).  All live as long as this struct
 * and the input string.  Empty when absent.
 */
typedef struct lw_intel_result {
    int score; /* 0..100 */
    lw_verdict verdict;
    const char *verdict_name; /* "benign", "suspicious", "malicious" */
    size_t nreasons;
    lw_intel_reason reasons[LW_INTEL_MAX_REASONS]; /* largest weight first */
    lw_str url, scheme, userinfo, host, port, path, query, fragment;
    int port_num; /* -1 when absent */
    int host_is_ip;
    const char *ip_form;       /* "", "dotted", "decimal", "hex", "octal", "short", "ipv6" */
    lw_str host_norm;          /* lowercase, punycode (A-label) form */
    lw_str host_unicode;       /* U-label form for display (== host_norm when ASCII) */
    lw_str registrable_domain; /* eTLD+1 with private suffixes (x.blogspot.com) */
    lw_str public_suffix;      /* "blogspot.com", "co.uk" */
    lw_str tld;                /* ICANN suffix: "com", "co.uk" */
    lw_str extension;          /* ".exe" of the last path segment */
    lw_str brand;              /* protected brand it imitates, or empty */
    int allowlisted, blocklisted;
    int new_domain;        /* 1: first seen in the last new_days days (seen store) */
    int64_t first_seen_ms; /* from the seen store; 0 when unknown or no store */
    size_t nfeatures;
    float features[LW_INTEL_MAX_FEATURES]; /* model inputs (see lw_intel_feature_name) */
    char buf[1024];
} lw_intel_result;

/* Score one URL, bare host or domain (any bytes; never fails on bad input: a URL without
 * a usable host is scored with a "bad-url" reason).  Thread-safe on a shared lw_intel.
 * Returns LW_OK, or LW_EINVAL for NULL arguments. */
LW_API lw_status lw_intel_score_url(const lw_intel *in, lw_str url, const lw_intel_call *call,
                                    lw_intel_result *out);
/* Name of model feature i ("ip-host" ...) or NULL past the end. */
LW_API const char *lw_intel_feature_name(size_t i);
/* Is the host (or its registrable domain, never a bare public suffix) on the allow list?
 * For %known_legit_domains%-style checks without scoring. */
LW_API int lw_intel_is_allowed(const lw_intel *in, lw_str host);

/* ---------------------------------------------------------------------------------------
 * Correlation (src/sigma/correlation.c).  Owned by the correlation work.
 *
 * Sigma correlation rules (event_count, value_count, temporal, temporal_ordered,
 * value_sum, value_avg, value_percentile) are loaded by lw_rules_load with the detection
 * rules.  Their references may point into files loaded later, so a correlation's report
 * comes when it resolved; lw_rules_resolve() reports the ones that never will.  During a
 * hunt, matches of referenced rules are buffered and fed to the correlator in event-time
 * order (ties broken by event content, never by input order), so one file, many files in
 * any order, or a stream give the same alerts.  docs/correlation.md has the semantics.
 */

/* Resolve correlation references among everything loaded so far and report, through cb,
 * every correlation not reported yet: ok, or rejected (unknown or ambiguous rule, cycle,
 * alias naming a rule the correlation does not reference).  lw_rules_compile() does the
 * same silently when this was not called.  Returns LW_OK or LW_ENOMEM. */
LW_API lw_status lw_rules_resolve(lw_rules *r, lw_rule_report_fn cb, void *ud);
/* Correlation rules loaded (and resolved); lw_rules_count() includes them. */
LW_API size_t lw_rules_correlation_count(const lw_rules *r);

typedef enum lw_alert_kind {
    LW_ALERT_DETECTION = 0,  /* one rule matched one event */
    LW_ALERT_CORRELATION = 1 /* a correlation rule joined several matches */
} lw_alert_kind;

LW_API lw_alert_kind lw_alert_get_kind(const lw_alert *a);
/* "event_count", "value_count", "temporal", "temporal_ordered", "value_sum", "value_avg",
 * "value_percentile"; "" for a detection alert.  Static storage. */
LW_API const char *lw_alert_correlation_type(const lw_alert *a);
/* The group-by values of a correlation alert (0 for a detection alert).  name is the
 * group-by entry (field or alias); *is_null is set when no event had the field. */
LW_API size_t lw_alert_group_count(const lw_alert *a);
LW_API void lw_alert_group(const lw_alert *a, size_t i, lw_str *name, lw_str *value, int *is_null);
/* The rules the correlation references, as resolved: their ids (their name when a rule
 * has no id). */
LW_API size_t lw_alert_correlation_rule_count(const lw_alert *a);
LW_API lw_str lw_alert_correlation_rule(const lw_alert *a, size_t i);
/* The aggregate that met the condition: events, distinct values, rules seen, sum, ... */
LW_API double lw_alert_correlation_value(const lw_alert *a);
/* Contributing events in time order (a detection alert has one: lw_alert_event()).
 * Events of inner correlations of a chain are flattened in.  The events live as long as
 * the alert (the callback).  lw_alert_event() of a correlation alert is event 0. */
LW_API size_t lw_alert_event_count(const lw_alert *a);
LW_API const lw_event *lw_alert_event_at(const lw_alert *a, size_t i);
/* The detection rule that matched contributing event i. */
LW_API void lw_alert_event_rule(const lw_alert *a, size_t i, lw_str *id, lw_str *title);
/* Contributing events counted but not kept (beyond max_alert_events, or copy limits). */
LW_API uint64_t lw_alert_events_omitted(const lw_alert *a);

/* Correlation bounds; 0 in any member means its default. */
typedef struct lw_corr_options {
    /* How far events may arrive out of event-time order.  0 (default): batch - matches are
     * held until lw_hunt_finish() (up to max_buffered; beyond it the oldest are released
     * early), so any input order gives the same alerts.  > 0: stream - a match is released
     * to the correlator once an event more than max_disorder_ms newer was seen; matches
     * older than what was already released are dropped and counted (late). */
    int64_t max_disorder_ms;
    size_t max_buffered;     /* matches held in the reorder buffer (default 50000) */
    size_t max_groups;       /* live groups, all correlations (default 100000); beyond, the
                                stalest group of the correlation is dropped */
    size_t max_group_events; /* counted entries per group window (default 4096); beyond,
                                the oldest entry is dropped */
    size_t max_alert_events; /* events kept per group and listed per alert (default 32); the
                                newest are kept, older ones only counted */
    size_t max_copies;       /* event copies held in windows, all groups (default 100000);
                                beyond, new entries are counted without their event */
} lw_corr_options;

/* Counters for the summary; everything lost to a bound is counted. */
typedef struct lw_corr_stats {
    uint64_t correlations; /* correlation rules active */
    uint64_t matches;      /* base-rule matches taken for correlation */
    uint64_t suppressed;   /* base/inner alerts not emitted (generate: false) */
    uint64_t alerts;       /* correlation alerts emitted */
    uint64_t groups;       /* groups created */
    uint64_t groups_live;  /* groups held now */
    uint64_t groups_peak;
    uint64_t evicted;         /* groups whose window ended (timespan), normal expiry */
    uint64_t buffered_peak;   /* reorder buffer high-water mark */
    uint64_t released_early;  /* matches released before their time (buffer full) */
    uint64_t copies_peak;     /* event copies held at once (buffer + windows) */
    uint64_t bytes_peak;      /* bytes of event copies held at once */
    uint64_t dropped_late;    /* matches older than already released time (stream) */
    uint64_t dropped_no_time; /* matches without an event time */
    uint64_t dropped_groups;  /* groups dropped by max_groups */
    uint64_t dropped_entries; /* window entries dropped by max_group_events */
    uint64_t dropped_copies;  /* entries kept without their event (max_copies) */
} lw_corr_stats;

/* Set correlation bounds; call after lw_hunt_new and before the first lw_hunt_path.
 * Returns LW_EINVAL when called later or with a negative disorder window. */
LW_API lw_status lw_hunt_set_correlation(lw_hunt *h, const lw_corr_options *opt);
/* End of input: release every buffered match, close every correlation window and deliver
 * the remaining correlation alerts through on_alert.  In batch mode (the default) all
 * correlation alerts come from here.  Call once after the last lw_hunt_path; further
 * lw_hunt_path calls start afresh.  Returns LW_OK or LW_ENOMEM. */
LW_API lw_status lw_hunt_finish(lw_hunt *h);
LW_API const lw_corr_stats *lw_hunt_get_corr_stats(const lw_hunt *h);

/* ---------------------------------------------------------------------------------------
 * Report context (HTML sink) and block-list export (src/output/export.c).
 */
/* What the run read and how it went, for sinks that summarise it (the HTML report's
 * overview).  Every pointer may be NULL; everything is copied by the sink, so the caller
 * may free it after the call. */
typedef struct lw_sink_run_info {
    const lw_hunt_stats *hunt;
    const lw_corr_stats *corr;
    size_t rules, rules_rejected;
    const char *const *inputs; /* paths given to the hunt, as given */
    size_t ninputs;
} lw_sink_run_info;

/* Hand the run's statistics to the sink; call once after the hunt (after lw_hunt_finish)
 * and before lw_sink_close.  Sinks that do not summarise ignore it.  Returns LW_OK or
 * LW_ENOMEM. */
LW_API lw_status lw_sink_set_run_info(lw_sink *s, const lw_sink_run_info *ri);
/* URL intelligence the sink may score URLs with (the HTML report); call before the first
 * lw_sink_write.  The sink does not own in; in must outlive the sink.  Without it the
 * HTML sink builds a default lw_intel (built-in brands, no lists) when it first needs
 * one. */
LW_API void lw_sink_set_intel(lw_sink *s, const lw_intel *in);

/* ---------------------------------------------------------------------------------------
 * Block-list export: read alerts (JSON lines as written by the jsonl sink) and write what
 * the network should stop, in one of several formats (docs/report.md).
 */
typedef struct lw_export lw_export;

typedef enum lw_export_format {
    LW_EXPORT_PLAIN = 0,        /* domains, then URLs, then public IPs; one per line */
    LW_EXPORT_RPZ,              /* DNS response policy zone: name CNAME . / *.name CNAME . */
    LW_EXPORT_HOSTS,            /* 0.0.0.0 name */
    LW_EXPORT_SURICATA,         /* dns.query / tls.sni / http.host rules */
    LW_EXPORT_SURICATA_DATASET, /* base64 string dataset (one per line) */
    LW_EXPORT_SQUID,            /* acl NAME dstdomain .name */
} lw_export_format;

typedef struct lw_export_options {
    lw_export_format format;
    const lw_intel *intel; /* allow list (lw_intel_is_allowed); NULL = none; not owned */
    int min_level;         /* 0 all, 1 informational, 2 low, 3 medium, 4 high, 5 critical */
    int exact_hosts;       /* 1: block the hosts seen, not their registrable domains */
    uint32_t sid_base;     /* suricata: first sid; 0 = 1204001 */
    uint32_t serial;       /* rpz: SOA serial; 0 = current time (or SOURCE_DATE_EPOCH) */
    const char *zone;      /* rpz: origin used in comments only (names are relative); NULL */
    const char *acl_name;  /* squid: ACL name; NULL = "lurewatch_block" */
    const char *dataset;   /* suricata dataset name; NULL = "lurewatch-block" */
    size_t max_line;       /* longest alert line read; 0 = 16 MiB (longer lines: skipped) */
    size_t max_entries;    /* distinct names/URLs/IPs kept; 0 = 1000000 (more: counted) */
} lw_export_options;

typedef struct lw_export_stats {
    uint64_t lines, alerts, bad_lines, long_lines, below_level;
    uint64_t values;           /* candidate values seen in alert events */
    uint64_t allowlisted;      /* values dropped because allow-listed */
    uint64_t suffix_only;      /* values that were a bare public / platform suffix */
    uint64_t private_ips;      /* private, loopback, link-local... addresses dropped */
    uint64_t invalid;          /* values that are no usable host, URL or IP */
    uint64_t over_limit;       /* distinct entries beyond max_entries */
    uint64_t names, urls, ips; /* distinct entries written */
    uint64_t first_bad_line;   /* 1-based line of the first bad line (0: none) */
} lw_export_stats;

/* Parse a format name ("rpz", "hosts", "suricata", "suricata-dataset", "squid",
 * "plain"); returns 0 when unknown. */
LW_API int lw_export_format_parse(const char *name, lw_export_format *out);
/* Level name to 1..5 ("informational".."critical"); 0 when unknown. */
LW_API int lw_export_level_parse(const char *name);

LW_API lw_status lw_export_new(const lw_export_options *opt, lw_export **out);
LW_API void lw_export_free(lw_export *x);
/* Read alerts from in (JSON lines; streaming, bounded by max_line; blank lines ignored;
 * a line that is not a JSON object is counted as bad).  path is for messages only.
 * Returns LW_OK, LW_EIO on a read error, or LW_ENOMEM. */
LW_API lw_status lw_export_read(lw_export *x, FILE *in, const char *path);
/* Write the collected entries (sorted, deduplicated) in the chosen format. Returns LW_OK,
 * LW_EIO or LW_ENOMEM. */
LW_API lw_status lw_export_write(lw_export *x, FILE *out);
LW_API const lw_export_stats *lw_export_get_stats(const lw_export *x);

/* ---------------------------------------------------------------------------------------
 * Network evidence attached to chain alerts (src/core/evidence.c).
 */
/* 0 in a member means its default. */
typedef struct lw_evidence_options {
    int64_t max_clock_skew_ms; /* how far a network record's time may be from a chain
                                  event's host time (default 3 minutes; < 0 invalid) */
    size_t max_records;        /* network records held as candidates (default 20000);
                                  beyond, the oldest (event time) is dropped and counted */
    size_t max_per_alert;      /* records attached to one alert (default 16) */
    size_t max_hosts;          /* computers in the Computer -> IP table (default 65536);
                                  beyond, new computers are not learned (counted) */
    int disable;               /* 1: no evidence, no derived HostIp / file-name fields */
} lw_evidence_options;

typedef struct lw_evidence_stats {
    uint64_t seen;          /* network transfer records of a risky type seen */
    uint64_t held_peak;     /* records held at once */
    uint64_t bytes_peak;    /* bytes of those copies at once */
    uint64_t dropped;       /* records dropped by max_records */
    uint64_t hosts;         /* computers with a learned IP */
    uint64_t hosts_dropped; /* computers not learned (max_hosts) */
    uint64_t alerts;        /* chain alerts that gained evidence */
    uint64_t attached;      /* records attached, all alerts */
    uint64_t omitted;       /* matching records beyond max_per_alert */
    uint64_t no_host_ip;    /* chain alerts whose computer had no known IP */
} lw_evidence_stats;

/* Set evidence options; call after lw_hunt_new and before the first lw_hunt_path.
 * Returns LW_EINVAL when called later or with a negative skew, LW_ENOMEM. */
LW_API lw_status lw_hunt_set_evidence(lw_hunt *h, const lw_evidence_options *opt);
LW_API const lw_evidence_stats *lw_hunt_get_evidence_stats(const lw_hunt *h);

/* Network evidence attached to a correlation alert (0 for detection alerts), in time
 * order.  The events live as long as the alert (the callback).  lw_alert_evidence_match
 * names why record i was attached: "server" (the chain's URL host or connection
 * destination), "file" (the chain's file name), "uid" (same Zeek connection as an
 * attached record), "fuid" (Zeek pe record of an attached file); *offset_ms is the record's
 * time minus the host time of the nearest chain event. */
LW_API size_t lw_alert_evidence_count(const lw_alert *a);
LW_API const lw_event *lw_alert_evidence_at(const lw_alert *a, size_t i);
LW_API const char *lw_alert_evidence_match(const lw_alert *a, size_t i, int64_t *offset_ms);
LW_API uint64_t lw_alert_evidence_omitted(const lw_alert *a);

#ifdef __cplusplus
}
#endif
#endif
