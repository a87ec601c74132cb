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
    /* Network evidence of a chain (src/core/evidence.h), time order; NULL when none. */
    const struct lw_evidence_item *evidence;
    uint32_t nevidence;
    uint64_t evidence_omitted; /* matching records beyond the per-alert bound */
};

/* Append the keys of a correlation alert, each preceded by a comma: "correlation" and
 * "events" (docs/alerts.md).  Called by lw_alert_to_json before its closing brace. */
void lw_alert_corr_to_json(lw_buf *b, const lw_alert *a);

/* One line describing network evidence item i of a (why it was attached and what it is):
 * "server 10.0.5.13:80 <- 192.168.1.41, application/x-dosexec, 7168 bytes, -3.7 s".
 * Appends to b; control bytes are the caller's concern. */
void lw_alert_evidence_text(lw_buf *b, const lw_alert *a, size_t i);

#endif
