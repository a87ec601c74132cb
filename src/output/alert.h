/* The alert object handed to callbacks and sinks: a rule and the event it matched, or a
 * correlation rule (meta) and what it joined (corr; ev is its first contributing event). */
#ifndef LW_ALERT_H
#define LW_ALERT_H

#include "../core/event.h"
#include "../sigma/sigma.h"

struct lw_alert {
    const lw_rule *rule;
    const lw_rule_meta *meta;
    const lw_event *ev;
    const struct lw_calert *corr; /* NULL for a detection alert (src/sigma/correlation.h) */
    /* Effective level: the rule's, or for a chain the level its URL score gives it
     * (src/core/severity.c).  Sinks print this, not meta->level. */
    const char *level;
    /* The riskiest URL of a chain, scored (NULL when none or no URL intelligence). */
    const struct lw_intel_result *url;
};

/* Append the keys of a correlation alert, each preceded by a comma: "correlation" and
 * "events" (docs/alerts.md).  Called by lw_alert_to_json before its closing brace. */
void lw_alert_corr_to_json(lw_buf *b, const lw_alert *a);

#endif
