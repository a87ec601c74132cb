/*
 * Enrichment: derived fields added to normalized events (documented in docs/fields.md,
 * "Derived fields"): Zone.Identifier parts, URL parts, the file a script host / LOLBin
 * opens, process ancestry, image classes.  An lw_enricher holds the per-hunt state some of
 * them need (a bounded process table for ancestry, Zone.Identifier contents being merged);
 * one per lw_hunt, used by one thread.
 */
#ifndef LW_ENRICH_H
#define LW_ENRICH_H

#include <stdint.h>

#include "../core/event.h"

typedef struct lw_enricher lw_enricher;

/* Bounds of the per-hunt state; 0 in any member means its default. */
typedef struct lw_enricher_limits {
    uint32_t max_procs;      /* process table entries (default 32768, ~16 MiB) */
    uint32_t max_depth;      /* ancestor levels kept per process (default 8, max 16) */
    int64_t proc_max_age_ms; /* evict processes not seen for this long, event time
                                (default 24 h) */
    uint32_t max_motw;       /* Zone.Identifier entries being merged (default 4096) */
    size_t max_motw_bytes;   /* bytes of stored Zone.Identifier text (default 4 MiB) */
} lw_enricher_limits;

/* Counters for the run summary.  Everything dropped because of a bound is counted. */
typedef struct lw_enricher_stats {
    uint64_t events;             /* events seen by lw_enrich_event */
    uint64_t fields_added;       /* derived fields added */
    uint64_t procs;              /* processes in the table now */
    uint64_t procs_max;          /* its capacity */
    uint64_t proc_inserts;       /* process creations recorded */
    uint64_t proc_evicted_count; /* evicted because the table was full (LRU) */
    uint64_t proc_evicted_age;   /* evicted because not seen for proc_max_age_ms */
    uint64_t proc_lookups;       /* ancestry lookups for non-creation events */
    uint64_t proc_lookup_misses; /* ... whose process was not in the table */
    uint64_t proc_parent_misses; /* creations whose parent was not in the table */
    uint64_t proc_pid_stale;     /* pid matches rejected: parent started after the child */
    uint64_t motw_entries;       /* Zone.Identifier entries held now */
    uint64_t motw_max;
    uint64_t motw_merges;       /* stream events merged with an earlier one */
    uint64_t motw_evicted;      /* entries evicted (count or byte bound) */
    uint64_t motw_too_large;    /* entries not stored: larger than the byte bound */
    uint64_t motw_bytes;        /* bytes held now */
    uint64_t cmdline_targets;   /* CommandLineTarget fields added */
    uint64_t cmdline_truncated; /* command lines scanned only up to a bound */
    /* Lookups that missed, then the thing looked up was read later although it happened
     * earlier: a process created before an event of it, a Mark of the Web written before
     * the file ran.  Nonzero means the read order is not the time order (files of one host
     * read apart, a newest-first export) and ancestry / Mark of the Web fields are missing
     * where they should not be; lw_enricher_set_priming() and a first pass fix that. */
    uint64_t order_late;
} lw_enricher_stats;

/* Priming (a first pass over the input): only process creations that carry a GUID and
 * Zone.Identifier streams are recorded, so the second pass knows every process and every
 * Mark of the Web whatever the read order.  Feed it those events only (see
 * lw_enrich_primes()); nothing is counted.  Creations are held (up to the process table's
 * size) and recorded in time order when priming is turned off, so that every process
 * inherits its ancestors whatever order they were read in.  Returns LW_OK or LW_ENOMEM. */
lw_status lw_enricher_set_priming(lw_enricher *e, bool on);
/* Whether a normalized event is one priming records. */
bool lw_enrich_primes(const lw_event *ev);

/* Create an enricher with default limits.  Returns LW_OK or LW_ENOMEM. */
lw_status lw_enricher_new(lw_enricher **out);
/* Same with explicit limits (lim may be NULL). */
lw_status lw_enricher_new_limits(const lw_enricher_limits *lim, lw_enricher **out);
void lw_enricher_free(lw_enricher *e);
/* Add derived fields to ev; called after lw_event_normalize() for every event that is not
 * partial, in input order (ancestry and Zone.Identifier merging depend on seeing process
 * creations and earlier stream events first).  New values are copied into ev->arena (they
 * live as long as the event); field names are static strings.  Returns LW_OK, or LW_ENOMEM
 * (the event may then carry some of its derived fields). */
lw_status lw_enrich_event(lw_enricher *e, lw_event *ev);
/* URL intelligence for <Field>.score / .verdict / .intel (docs/fields.md).  Score only
 * when score_urls (the rules test such fields): scoring every DNS name costs.  host_allow:
 * add cs-host.intel ("allow" or "") to web records (an allow-list lookup). */
void lw_enricher_set_intel(lw_enricher *e, const lw_intel *intel, bool score_urls, bool host_allow);
/* Copy the counters into *out. */
void lw_enricher_stats_get(const lw_enricher *e, lw_enricher_stats *out);

#endif
