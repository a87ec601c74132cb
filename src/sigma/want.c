/* Which events the loaded rules can match (lw_want in src/core/event.h). */
#include <string.h>

#include "sigma-int.h"

/* Derived fields computed from state that earlier events build (src/enrich/): process
 * creations feed the ancestry table, Zone.Identifier streams the Mark-of-the-Web table.
 * A rule that tests one of them needs those events decoded even if no rule matches them. */
static const char *const stateful_prefixes[] = {
    "ancestor",
    "grandparent",
    "imagezoneid",
    "imagehosturl",
    "imagereferrerurl",
    "commandlinetargetzoneid",
    "commandlinetargethosturl",
    "commandlinetargetreferrerurl",
};

static bool uses_stateful_fields(const lw_rules *r)
{
    for (size_t i = 0; i < r->fields.cap; i++) {
        const char *name = r->fields.slots[i].name;
        if (!name)
            continue;
        for (size_t k = 0; k < sizeof stateful_prefixes / sizeof stateful_prefixes[0]; k++)
            if (strncmp(name, stateful_prefixes[k], strlen(stateful_prefixes[k])) == 0)
                return true;
    }
    return false;
}

lw_status lw_rules_want(const lw_rules *r, lw_want *out)
{
    *out = (lw_want){0};
    if (uses_stateful_fields(r))
        out->cats |= (1ULL << LW_CAT_PROCESS_CREATION) | (1ULL << LW_CAT_CREATE_STREAM_HASH);
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

bool lw_rules_test_field(const lw_rules *r, const char *lower_name)
{
    for (size_t i = 0; i < r->fields.cap; i++)
        if (r->fields.slots[i].name && strcmp(r->fields.slots[i].name, lower_name) == 0)
            return true;
    return false;
}

bool lw_rules_use_url_scores(const lw_rules *r)
{
    static const char *const suffixes[] = {".score", ".verdict", ".intel"};
    for (size_t i = 0; i < r->fields.cap; i++) {
        const char *name = r->fields.slots[i].name;
        if (!name || strcmp(name, "cs-host.intel") == 0) /* an allow-list lookup only */
            continue;
        size_t n = strlen(name);
        for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
            size_t m = strlen(suffixes[k]);
            if (n > m && strcmp(name + n - m, suffixes[k]) == 0)
                return true;
        }
    }
    return false;
}
