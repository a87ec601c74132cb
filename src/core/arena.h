/*
 * Bump arenas: many small allocations, freed in one call.  One arena per event batch
 * (reset after each event), one long-lived arena per compiled rule set.
 */
#ifndef LW_ARENA_H
#define LW_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lw_arena_block lw_arena_block;

typedef struct lw_arena {
    lw_arena_block *head; /* current block; older blocks chained behind it */
    size_t block_size;    /* default size of new blocks */
    size_t total;         /* bytes held in all blocks (for limits and stats) */
} lw_arena;

/* block_size 0 means 64 KiB. */
void lw_arena_init(lw_arena *a, size_t block_size);
/* Returns 8-byte aligned memory of n bytes, or NULL when out of memory or n is absurd. */
void *lw_arena_alloc(lw_arena *a, size_t n);
/* Copy of n bytes plus a terminating NUL; NULL on out of memory. */
char *lw_arena_strndup(lw_arena *a, const char *s, size_t n);
/* Does p point into memory the arena holds? */
bool lw_arena_owns(const lw_arena *a, const void *p);
/* Forget every allocation; keeps the newest block for reuse, frees the rest. */
void lw_arena_reset(lw_arena *a);
void lw_arena_free(lw_arena *a);

#endif
