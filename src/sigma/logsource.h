/*
 * Sigma log sources -> predicates over normalized events.
 *
 * A rule's logsource (product, category, service) compiles to an lw_logsource; the
 * matcher asks lw_logsource_admits() before evaluating the rule's detection.  The
 * category side relies on ev->cats, set by lw_event_normalize() (src/core/normalize.c)
 * from channel, provider and event id; the service side is a channel list.
 */
#ifndef LW_LOGSOURCE_H
#define LW_LOGSOURCE_H

#include <stdbool.h>

#include "../core/event.h"

#define LW_LOGSOURCE_MAX_CHANNELS 4

typedef struct lw_logsource {
    uint64_t cats;      /* event must be in one of these categories; 0 = any */
    lw_product product; /* LW_PRODUCT_NONE = any */
    const char *channels[LW_LOGSOURCE_MAX_CHANNELS]; /* service: one of these channels */
    unsigned nchannels;                              /* 0 = any channel */
} lw_logsource;

/* Compile a logsource.  Each argument may be an empty view (absent in the rule).  On an
 * unsupported combination returns LW_ERULE and points *why at a static sentence naming
 * the construct (e.g. "unsupported logsource category 'file_access'"); why_buf receives
 * the formatted text. */
lw_status lw_logsource_compile(lw_str product, lw_str category, lw_str service, lw_logsource *out,
                               char *why_buf, size_t why_len);

static inline bool lw_logsource_admits(const lw_logsource *ls, const lw_event *ev)
{
    if (ls->cats && !(ls->cats & ev->cats))
        return false;
    if (ls->product != LW_PRODUCT_NONE && ls->product != ev->product)
        return false;
    if (ls->nchannels) {
        for (unsigned i = 0; i < ls->nchannels; i++)
            if (lw_str_ieq_c(ev->channel, ls->channels[i]))
                return true;
        return false;
    }
    return true;
}

#endif
