/*
 * Chain severity from URL intelligence: a chain alert's level follows the riskiest URL
 * among its events (docs/correlation.md, "Severity").
 */
#ifndef LW_SEVERITY_H
#define LW_SEVERITY_H

#include "../sigma/correlation.h"
#include "event.h"

typedef struct lw_severity_scratch {
    lw_intel_result cur, best; /* best is what lw_chain_level() points *url at */
} lw_severity_scratch;

/* The level for chain ca whose rule says base: "critical" when a URL in its events is
 * block-listed or scores malicious; "medium" when base is "high" and every URL it holds is
 * allow-listed (a download from a known-good domain, the hard negative); else base.
 * *url is set to the riskiest scored URL (inside sc) or NULL when the chain holds none.
 * intel NULL: returns base. */
const char *lw_chain_level(const lw_intel *intel, const lw_calert *ca, const char *base,
                           lw_severity_scratch *sc, const lw_intel_result **url);

#endif
