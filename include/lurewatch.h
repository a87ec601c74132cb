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
    const char *path;   /* file the message is about, or NULL */
    uint64_t line;      /* 1-based line, record number or 0 when unknown */
    uint64_t column;    /* 1-based column, byte offset or 0 when unknown */
    const char *reason; /* short machine-friendly reason code, e.g. "json-syntax" */
    const char *message;/* full sentence */
} lw_diag;

typedef void (*lw_diag_fn)(const lw_diag *d, void *ud);

/* ---------------------------------------------------------------------------------------
 * Events.  An lw_event handed to a callback lives until the callback returns.
 */
typedef struct lw_event lw_event;

LW_API int64_t lw_event_time_ms(const lw_event *ev);  /* INT64_MIN when unknown */
LW_API lw_str lw_event_host(const lw_event *ev);
LW_API lw_str lw_event_channel(const lw_event *ev);
LW_API lw_str lw_event_provider(const lw_event *ev);
LW_API int32_t lw_event_id(const lw_event *ev);       /* -1 when none */
LW_API const char *lw_event_category(const lw_event *ev); /* "process_creation", ... or "" */
LW_API const char *lw_event_source_path(const lw_event *ev);
LW_API uint64_t lw_event_source_record(const lw_event *ev); /* EVTX record id or line */
LW_API size_t lw_event_field_count(const lw_event *ev);
/* Field i (0 <= i < count): name and value.  *is_null is set when the value is JSON null. */
LW_API void lw_event_field(const lw_event *ev, size_t i, lw_str *name, lw_str *value,
                           int *is_null);
/* Value of the field called name (ASCII case-insensitive); returns 0 when absent. */
LW_API int lw_event_get(const lw_event *ev, const char *name, lw_str *value);

/* ---------------------------------------------------------------------------------------
 * Rules.
 */
typedef struct lw_rules lw_rules;

typedef struct lw_rule_report {
    const char *path;   /* rule file */
    const char *id;     /* rule id or "" */
    const char *title;  /* rule title or "" */
    int ok;             /* 1 loaded, 0 rejected */
    uint64_t line;      /* where the rejection points (0 when ok) */
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
    int color;   /* table: colour by level */
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
} lw_hunt_options;

/* Reason codes for skipped records, for the summary. */
#define LW_SKIP_REASONS_MAX 16

typedef struct lw_hunt_stats {
    uint64_t files;          /* inputs opened */
    uint64_t files_failed;   /* inputs that could not be opened or sniffed */
    uint64_t bytes;          /* bytes read (decompressed) */
    uint64_t records;        /* records seen */
    uint64_t events;         /* records decoded into events */
    uint64_t skipped;        /* records not decoded, by reason below */
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
} lw_hunt_stats;

LW_API lw_status lw_hunt_new(const lw_rules *rules, const lw_hunt_options *opt, lw_hunt **out);
LW_API void lw_hunt_free(lw_hunt *h);
/* Hunt one file or a folder (recursive).  "-" reads stdin.  An unreadable or unknown input
 * is reported through on_diag and counted; the return value is LW_OK unless memory ran out
 * or the arguments were bad. */
LW_API lw_status lw_hunt_path(lw_hunt *h, const char *path);
LW_API const lw_hunt_stats *lw_hunt_get_stats(const lw_hunt *h);

/* ---------------------------------------------------------------------------------------
 * URL and domain intelligence (src/intel/).  Owned by the URL-intelligence work.
 */

/* ---------------------------------------------------------------------------------------
 * Correlation (src/sigma/correlation.c).  Owned by the correlation work.
 */

#ifdef __cplusplus
}
#endif
#endif
