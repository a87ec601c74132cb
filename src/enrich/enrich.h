/*
 * Enrichment: derived fields added to normalized events (documented in docs/fields.md):
 * Zone.Identifier parts, URL parts, the file a script host / LOLBin opens, process
 * ancestry, image classes.  An lw_enricher holds the per-hunt state some of them need
 * (a bounded process table for ancestry, Zone.Identifier contents being merged); one per
 * lw_hunt, used by one thread.
 */
#ifndef LW_ENRICH_H
#define LW_ENRICH_H

#include "../core/event.h"

typedef struct lw_enricher lw_enricher;

lw_status lw_enricher_new(lw_enricher **out);
void lw_enricher_free(lw_enricher *e);
/* Add derived fields to ev; called after lw_event_normalize() for every event that is not
 * partial.  New values are copied into ev->arena (they live as long as the event). */
lw_status lw_enrich_event(lw_enricher *e, lw_event *ev);

#endif
