/* Placeholder until the enrichment work lands: adds no fields. */
#include "enrich.h"

#include <stdlib.h>

struct lw_enricher {
    int unused;
};

lw_status lw_enricher_new(lw_enricher **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? LW_OK : LW_ENOMEM;
}

void lw_enricher_free(lw_enricher *e)
{
    free(e);
}

lw_status lw_enrich_event(lw_enricher *e, lw_event *ev)
{
    (void)e;
    (void)ev;
    return LW_OK;
}
