/* Which events the loaded rules can match (lw_want in src/core/event.h). */
#include "sigma-int.h"

lw_status lw_rules_want(const lw_rules *r, lw_want *out)
{
    *out = (lw_want){0};
    for (size_t i = 0; i < r->nrules; i++) {
        const lw_logsource *ls = &r->rules[i]->ls;
        if (ls->cats) {
            out->cats |= ls->cats;
            continue;
        }
        if (!ls->nchannels || out->nchannels + ls->nchannels > LW_WANT_MAX_CHANNELS) {
            out->all = true;
            return LW_OK;
        }
        for (unsigned k = 0; k < ls->nchannels; k++) {
            bool seen = false;
            for (unsigned j = 0; j < out->nchannels && !seen; j++)
                seen = lw_str_ieq_c(lw_str_c(out->channels[j]), ls->channels[k]);
            if (!seen)
                out->channels[out->nchannels++] = ls->channels[k];
        }
    }
    return LW_OK;
}
