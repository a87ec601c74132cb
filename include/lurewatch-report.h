/*
 * lurewatch-report.h - HTML report context and block-list export (issue 6).
 *
 * PENDING MERGE into lurewatch.h ("Sinks" section and a new "Export" section): kept in
 * its own header only because lurewatch.h is owned by the lead.  Same conventions:
 * opaque handles, lw_ prefix, status codes and out-parameters, the library never exits.
 */
#ifndef LUREWATCH_REPORT_H
#define LUREWATCH_REPORT_H

#include "lurewatch.h"

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif
#endif
