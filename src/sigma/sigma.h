/*
 * Internal interface of the Sigma engine (src/sigma/).  Public entry points
 * (lw_rules_new, lw_rules_load, lw_rules_compile, ...) are declared in lurewatch.h.
 *
 * A compiled lw_rules is read-only; every thread that evaluates rules owns an lw_matcher
 * (scratch: field slots, lowercase caches, PCRE2 match data).
 */
#ifndef LW_SIGMA_H
#define LW_SIGMA_H

#include "../core/event.h"
#include "lurewatch.h"

typedef struct lw_rule lw_rule;

/* Rule metadata carried into alerts.  Strings are NUL-terminated and live as long as the
 * lw_rules; absent values are "" (never NULL). */
typedef struct lw_rule_meta {
    const char *id;
    const char *name; /* Sigma 'name' (used by correlations), or "" */
    const char *title;
    const char *description;
    const char *level;  /* informational, low, medium, high, critical, or "" */
    const char *status; /* stable, test, experimental, ... or "" */
    const char *author;
    const char *path; /* rule file */
    const char *const *tags;
    size_t ntags;
    const char *const *falsepositives;
    size_t nfalsepositives;
    const char *product, *category, *service; /* logsource as written */
} lw_rule_meta;

const lw_rule_meta *lw_rule_get_meta(const lw_rule *r);
/* 0 informational, 1 low, 2 medium, 3 high, 4 critical, 5 unknown/other. */
int lw_level_index(const char *level);

typedef struct lw_matcher lw_matcher;

lw_status lw_matcher_new(const lw_rules *rules, lw_matcher **out);
void lw_matcher_free(lw_matcher *m);

/* Called for each rule that matches; ev is the event given to lw_matcher_run. */
typedef void (*lw_match_fn)(const lw_rule *rule, const lw_event *ev, void *ud);

/* Evaluate every detection rule whose log source admits ev (src/sigma/logsource.h) and
 * call fn for each match, in rule load order.  *nevals (optional) is increased by the
 * number of rules whose detection was evaluated.  Returns LW_OK or LW_ENOMEM. */
lw_status lw_matcher_run(lw_matcher *m, const lw_event *ev, lw_match_fn fn, void *ud,
                         uint64_t *nevals);

/* The events the rules can match (see lw_want in src/core/event.h).  Valid until r is
 * freed (channel strings point into static tables). */
lw_status lw_rules_want(const lw_rules *r, lw_want *out);
/* True when a rule tests a URL-intelligence field (<Field>.score, .verdict, .intel) that
 * needs scoring (cs-host.intel is an allow-list lookup and does not count). */
bool lw_rules_use_url_scores(const lw_rules *r);
/* True when a rule tests the field (name in lowercase). */
bool lw_rules_test_field(const lw_rules *r, const char *lower_name);

#endif
