/*
 * Compiled prefilter databases kept on disk between runs.
 *
 * Compiling the Hyperscan literal databases is most of the time it takes to load a large
 * rule set (SigmaHQ's Windows rules: about two thirds of 0.45 s).  A database is a pure
 * function of its compile input (the literals, their flags and ids, the mode) and of the
 * Hyperscan build, so it can be kept: one file per database in a cache folder, named by a
 * 128-bit hash of that input.  A file is only used when the input stored in it equals the
 * input at hand byte for byte and Hyperscan accepts the database for this build and CPU;
 * anything else (a hash collision, another Hyperscan, a damaged or foreign file) is a miss
 * and the database is compiled and written anew.  The folder must belong to the user and be
 * writable by no one else (created 0700), as a rule folder is trusted: a database file is
 * loaded as code-like data by Hyperscan.  Writes go to a temporary name and are renamed.
 * Failing to read or write the cache never fails the load: it only costs the compile.
 */
#ifndef LW_HS_CACHE_H
#define LW_HS_CACHE_H

#include <hs/hs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lurewatch.h"

typedef struct lw_hs_cache_stats {
    unsigned hits;     /* databases loaded from the cache */
    unsigned compiled; /* databases compiled (cache off, miss, or unusable file) */
    unsigned written;  /* compiled databases stored */
    unsigned rejected; /* files found but not used (input differs, damaged, unsafe) */
} lw_hs_cache_stats;

/* The folder exists (created 0700 with its missing parents) and is safe to trust: owned
 * by this user and writable by no one else.  Asked once per load, before the compiles. */
bool lw_hs_cache_dir_ready(const char *dir);

/*
 * hs_compile_lit_multi(exprs, flags, ids, lens, n, HS_MODE_BLOCK) through the cache in dir
 * (NULL: no cache; otherwise a folder lw_hs_cache_dir_ready accepted).  Returns HS_SUCCESS with
 * *db, or the compile's error (*err as hs_compile_lit_multi sets it).
 */
hs_error_t lw_hs_cache_compile(const char *dir, const char *const *exprs, const unsigned *flags,
                               const unsigned *ids, const size_t *lens, unsigned n,
                               hs_database_t **db, hs_compile_error_t **err, lw_hs_cache_stats *st);

/* Bounds of the cache folder: past either, lw_hs_cache_prune deletes the files used least
 * recently (a hit renews a file's time) down to three quarters of both. */
#define LW_HS_CACHE_MAX_FILES 4096
#define LW_HS_CACHE_MAX_BYTES ((uint64_t)1 << 30)

/* Keep dir within max_files database files and max_bytes (oldest first out), and remove
 * temporary files a crashed writer left more than an hour ago.  Returns the files
 * deleted. */
unsigned lw_hs_cache_prune(const char *dir, size_t max_files, uint64_t max_bytes);

#endif
