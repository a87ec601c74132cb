/*
 * libyaml event stream -> a small node tree with line/column, one tree per YAML document.
 *
 * Bounded for hostile input: nesting depth, node count and scalar bytes are limited, and
 * aliases are refused (expanding them is how "billion laughs" files blow up memory, and
 * Sigma rules do not use them).  All nodes live in the caller's arena.
 */
#ifndef LW_YAML_TREE_H
#define LW_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../core/str.h"
#include "lurewatch.h"

#define LW_YAML_MAX_DEPTH 64
#define LW_YAML_MAX_NODES 200000
#define LW_YAML_MAX_FILE  (8u * 1024 * 1024)

typedef enum { LW_Y_SCALAR, LW_Y_SEQ, LW_Y_MAP } lw_ytype;

typedef struct lw_ynode {
    uint8_t type;  /* lw_ytype */
    uint8_t plain; /* scalar written without quotes or block style (null/bool/number) */
    uint64_t line; /* 1-based */
    uint64_t col;  /* 1-based */
    const char *s; /* scalar: NUL-terminated bytes (may contain NUL; use n) */
    size_t n;
    struct lw_ynode **kids; /* SEQ: items; MAP: key0, value0, key1, value1, ... */
    size_t nkids;
} lw_ynode;

/* Called once per document; root is NULL for an empty document.  Return LW_OK to go on. */
typedef lw_status (*lw_ydoc_fn)(int doc_index, const lw_ynode *root, void *ud);

typedef struct lw_yerr {
    int doc_index; /* document where the error happened */
    uint64_t line, column;
    char msg[256];
} lw_yerr;

/* Parse buf (n bytes) document by document into arena a, calling fn for each.  Returns
 * LW_OK, LW_EFORMAT / LW_ELIMIT with *err filled (documents before the error were already
 * delivered), LW_ENOMEM, or whatever fn returned. */
lw_status lw_yaml_parse(const char *buf, size_t n, lw_arena *a, lw_ydoc_fn fn, void *ud,
                        lw_yerr *err);

/* Map lookup of a scalar key (exact, case-sensitive as YAML); last occurrence wins like
 * PyYAML.  NULL when map is not a map or key is absent. */
const lw_ynode *lw_ymap_get(const lw_ynode *map, const char *key);
/* Same lookup, returning the key node (for positions). */
const lw_ynode *lw_ymap_key(const lw_ynode *map, const char *key);
/* A plain scalar spelled null, ~, Null, NULL or empty. */
bool lw_ynode_is_null(const lw_ynode *n);
static inline lw_str lw_ynode_str(const lw_ynode *n)
{
    return (lw_str){n->s, n->n};
}

#endif
