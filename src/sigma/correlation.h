/*
 * Sigma correlation rules (specification 2.1): compiled form, loading, and the runtime
 * correlator.
 *
 * Loading (correlation.c): a YAML document with a 'correlation' key is compiled into an
 * lw_corr in the lw_rules arena.  Its references ('rules': names or ids of detection rules
 * or of other correlations) can point at rules in files loaded later, so they are resolved
 * at the end of every lw_rules_load() call, by lw_rules_resolve() and by lw_rules_compile();
 * a correlation's one lw_rule_report is emitted when it resolved (ok) or, by
 * lw_rules_resolve(), when it never will (rejected: unknown rule, cycle, ...).
 *
 * Runtime (correlator.c): an lw_correlator takes base-rule matches in event-time order
 * (the hunt's reorder buffer guarantees the order), keeps bounded per-group state and
 * calls back with correlation alerts.  One correlator per lw_hunt; not thread-safe.
 */
#ifndef LW_CORRELATION_H
#define LW_CORRELATION_H

#include "sigma-int.h"

#define LW_CORR_MAX_REFS  64 /* rules one correlation may reference */
#define LW_CORR_MAX_GROUP 16 /* group-by fields */
#define LW_CORR_MAX_DEPTH 8  /* correlation-of-correlation nesting */

typedef enum lw_corr_type {
    LW_CORR_EVENT_COUNT,
    LW_CORR_VALUE_COUNT,
    LW_CORR_TEMPORAL,
    LW_CORR_TEMPORAL_ORDERED,
    LW_CORR_VALUE_SUM,
    LW_CORR_VALUE_AVG,
    LW_CORR_VALUE_PERCENTILE,
} lw_corr_type;

enum { LW_CC_GT, LW_CC_GTE, LW_CC_LT, LW_CC_LTE, LW_CC_EQ, LW_CC_NEQ };

typedef struct lw_corr_cond {
    uint8_t op; /* LW_CC_* */
    double v;
} lw_corr_cond;

/* One entry of 'rules'. */
typedef struct lw_corr_ref {
    const char *text; /* as written (name or id) */
    uint64_t line, col;
    uint8_t is_corr;          /* resolved to a correlation (1) or a detection rule (0) */
    uint32_t idx;             /* rule load index, or correlation index */
    const lw_rule_meta *meta; /* the referenced rule's metadata */
    /* Per group-by entry: the event field to read for matches of this rule (the alias
     * mapping for this rule, else the group-by name itself). */
    const char **gfield;
    const char *vfield; /* value_* types: the 'field' for this rule (alias-resolved) */
} lw_corr_ref;

typedef struct lw_corr_alias {
    const char *name;
    const char **rule; /* rule name or id */
    const char **field;
    uint32_t n;
} lw_corr_alias;

typedef struct lw_corr {
    lw_rule_meta meta; /* title, id, name, level, ... of the correlation document */
    uint8_t type;      /* lw_corr_type */
    uint8_t generate;  /* emit the referenced rules' own alerts too */
    uint8_t upward;    /* condition has only lower bounds: decided when an event arrives
                          (sliding window); otherwise when the window closes (tumbling) */
    uint8_t state;     /* LW_CORR_PENDING / OK / REJECTED */
    lw_corr_ref *refs;
    uint32_t nrefs;
    const char **group; /* group-by names (fields or aliases) */
    uint32_t ngroup;
    lw_corr_alias *aliases;
    uint32_t naliases;
    int64_t timespan_ms;
    lw_corr_cond conds[6];
    uint32_t nconds;
    const char *field; /* condition 'field' (value_* types), or NULL */
    uint32_t index;    /* position in lw_corrset.c */
    /* where the document is, for its deferred report */
    int doc;
    uint64_t line, col;
    char why[256]; /* rejection reason when state is REJECTED */
    /* Consumers: correlations that reference this one: (corr index, ref index) pairs. */
    uint32_t *users;
    uint32_t nusers;
    uint8_t suppressed; /* referenced by a correlation without generate: not emitted */
    uint8_t depth;      /* 0: only detection rules below */
} lw_corr;

enum { LW_CORR_PENDING = 0, LW_CORR_OK = 1, LW_CORR_REJECTED = 2 };

typedef struct lw_corrset {
    lw_corr **c;
    size_t n, cap;
    size_t nok;
    /* Built by lw_corr_finalize (lw_rules_compile): per detection rule (load order), the
     * (corr, ref) pairs it feeds, [use_start[i], use_start[i+1]) into use[], and whether its
     * own alerts are suppressed. */
    uint32_t *use_start;
    uint32_t *use; /* pairs: corr index, ref index */
    uint8_t *rule_suppressed;
    size_t nrules;
    int finalized;
} lw_corrset;

/* ---- correlation.c (loading) ---- */

/* Compile a correlation document (root has a 'correlation' key).  LW_OK: the correlation
 * is kept, pending resolution (no report yet); LW_ERULE: e is filled, nothing kept;
 * LW_ENOMEM. */
lw_status lw_corr_parse(lw_rules *r, const lw_ynode *root, const char *path, int doc, lw_cerr *e);
/* Try to resolve pending correlations; report those that resolved (ok) through cb.  When
 * final, report the remaining ones as rejected. */
lw_status lw_corr_resolve(lw_rules *r, lw_rule_report_fn cb, void *ud, bool final);
/* Build the consumer tables (called by lw_rules_compile after the final resolution). */
lw_status lw_corr_finalize(lw_rules *r);
void lw_corrset_free(lw_corrset *cs);
const char *lw_corr_type_name(int type);

/* ---- correlator.c (runtime) ---- */

typedef struct lw_correlator lw_correlator;

/* A correlated event: a refcounted deep copy of an event (matched events only live during
 * the matcher callback). */
typedef struct lw_cev_acct {
    uint64_t live, bytes, peak_live, peak_bytes;
} lw_cev_acct;

typedef struct lw_cev {
    uint32_t refs;
    size_t bytes;
    lw_cev_acct *acct; /* live copies and bytes are counted here (may be NULL) */
    uint64_t tie;      /* content hash: orders events with equal times independently of input
                          order */
    lw_event ev;       /* fields and strings point into this allocation; ev.arena unused */
} lw_cev;

/* A correlation alert (refcounted: chains hold their inner alerts). */
typedef struct lw_calert {
    uint32_t refs;
    const lw_corr *corr;
    int64_t t_first, t_last;
    uint64_t tie;
    double value; /* the aggregate that met the condition (count, distinct values, ...) */
    lw_str *gval; /* ngroup values (copies), gnull[i] set when the field was absent */
    uint8_t *gnull;
    struct lw_calert_ev {
        lw_cev *ev;
        const lw_rule_meta *rule;
    } * evs;
    uint32_t nevs;
    uint64_t omitted; /* contributing events not kept (limits) */
} lw_calert;

typedef void (*lw_calert_fn)(const lw_calert *a, void *ud);

/* Copy ev (all fields, system properties, source) into a new lw_cev with refs = 1.
 * path must outlive the copy (the hunt interns source paths); acct may be NULL. */
lw_status lw_cev_new(const lw_event *ev, const char *path, lw_cev_acct *acct, lw_cev **out);
void lw_cev_unref(lw_cev *c);

lw_status lw_correlator_new(const lw_rules *rules, const lw_corr_options *opt, lw_calert_fn fn,
                            void *ud, lw_correlator **out);
void lw_correlator_free(lw_correlator *k);
/* Feed one base-rule match (rule load index) in event-time order. */
lw_status lw_correlator_feed(lw_correlator *k, uint32_t rule, const lw_rule_meta *meta, lw_cev *ev);
/* Time has reached now: close tumbling windows and expire state that ended before it. */
lw_status lw_correlator_advance(lw_correlator *k, int64_t now);
/* End of input: close every window (final alerts) and free all state. */
lw_status lw_correlator_finish(lw_correlator *k);
/* Write the counters the correlator owns (correlations, groups*, evicted, dropped_groups,
 * dropped_entries, dropped_copies) into *st; the others are left alone. */
void lw_correlator_stats(const lw_correlator *k, lw_corr_stats *st);

#endif
