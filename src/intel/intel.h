/*
 * intel.h - internals of URL and domain intelligence shared by the src/intel/ files.
 * The public surface is the "URL and domain intelligence" section of lurewatch.h.
 */
#ifndef LW_INTEL_INTEL_H
#define LW_INTEL_INTEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intel/url.h"
#include "lurewatch.h"

/* ---- string hash set (lists.c) -------------------------------------------------------
 * Open addressing over (hash, offset) slots; keys are copied once into one growing byte
 * pool, so a million entries cost two big allocations, not a million small ones.  Keys
 * are stored exactly as given (callers lowercase them).  Read-only after loading, hence
 * safe to share between threads. */
typedef struct lw_strset {
    uint64_t *hash;    /* 0 = empty slot */
    uint32_t *off;     /* key offset in pool; key length stored in pool before the bytes */
    size_t cap, count; /* cap is a power of two */
    char *pool;
    size_t pool_n, pool_cap;
} lw_strset;

void lw_strset_free(lw_strset *s);
/* Adds key (no-op if present).  Returns LW_OK or LW_ENOMEM / LW_ELIMIT (pool > 4 GiB). */
lw_status lw_strset_add(lw_strset *s, lw_str key);
bool lw_strset_has(const lw_strset *s, lw_str key);

/* One user list: hosts/domains (subdomain-aware) and exact URLs. */
typedef struct lw_list {
    lw_strset domains; /* "evil.com": matches evil.com and *.evil.com */
    lw_strset urls;    /* "evil.com/path?q" (host lowercase, no scheme, no trailing '/') */
    size_t skipped;    /* lines that were not entries */
} lw_list;

/* Load one list file (formats detected per line, docs/url-intel.md) into l.  allow: the
 * file is an allow list (URL entries then allow their host).  Errors as lw_intel_new. */
lw_status lw_list_load(lw_list *l, const char *path, bool allow, char *err, size_t errlen);
void lw_list_free(lw_list *l);
/* Does host (normalized, ASCII) or a parent of it down to, but not past, its registrable
 * domain (reg) match?  Walking stops at reg so an entry that is a public suffix
 * ("blogspot.com") never matches a tenant ("x.blogspot.com"). */
bool lw_list_match_host(const lw_list *l, lw_str host, lw_str reg);
/* Exact URL match; key built by lw_list_url_key. */
bool lw_list_match_url(const lw_list *l, lw_str key);
/* "host/path?query" with host normalized: the form URL entries are stored in.  Writes into
 * buf; returns the view (empty if it does not fit). */
lw_str lw_list_url_key(lw_str host_norm, lw_str path, lw_str query, char *buf, size_t cap);

/* ---- brands (brands.c) ---------------------------------------------------------------- */
#define LW_BRAND_MAX_DOMAINS 8

typedef struct lw_brand {
    char name[32]; /* the label people imitate: "paypal" */
    char category[16];
    char domains[LW_BRAND_MAX_DOMAINS][64]; /* its own registrable domains */
    size_t ndomains;
    char skeleton[96]; /* UTS #39 skeleton of name (homoglyph.c) */
} lw_brand;

typedef struct lw_brands {
    lw_brand *v;
    size_t n;
    lw_strset owned; /* every brand-owned registrable domain */
} lw_brands;

lw_status lw_brands_load_default(lw_brands *b);
lw_status lw_brands_load_file(lw_brands *b, const char *path, char *err, size_t errlen);
void lw_brands_free(lw_brands *b);

/* ---- homoglyphs (homoglyph.c, ICU uspoof) ---------------------------------------------- */
typedef struct lw_spoof lw_spoof;
lw_status lw_spoof_new(lw_spoof **out);
void lw_spoof_free(lw_spoof *s);
/* UTS #39 skeleton of UTF-8 text into buf; false if ICU fails or it does not fit. */
bool lw_spoof_skeleton(const lw_spoof *s, lw_str text, char *buf, size_t cap, size_t *len);
/* Mixed-script or otherwise fails ICU's "highly restrictive" level (UTF-8 label). */
bool lw_spoof_mixed_script(const lw_spoof *s, lw_str text);

/* ---- typosquats (typosquat.c) ----------------------------------------------------------- */
typedef enum lw_squat {
    LW_SQUAT_NONE = 0,
    LW_SQUAT_OMISSION,
    LW_SQUAT_INSERTION,
    LW_SQUAT_REPETITION,
    LW_SQUAT_TRANSPOSITION,
    LW_SQUAT_KEYBOARD,
    LW_SQUAT_BITSQUAT,
    LW_SQUAT_VOWEL_SWAP,
    LW_SQUAT_HOMOGLYPH,
    LW_SQUAT_REPLACEMENT,
    LW_SQUAT_HYPHENATION,
    LW_SQUAT_TLD_SWAP,
    LW_SQUAT_COMBO, /* brand plus words: paypal-login.com */
} lw_squat;

const char *lw_squat_name(lw_squat k);
/* Classify label (ASCII, lowercase) against brand name b; LW_SQUAT_NONE when neither
 * equal nor one dnstwist-style edit away.  TLD swap and combos are decided by the caller. */
lw_squat lw_squat_classify(lw_str label, lw_str b);

/* ---- seen store (seen-store.c, SQLite) --------------------------------------------------- */
typedef struct lw_seen lw_seen;
lw_status lw_seen_open(const char *path, lw_seen **out, char *err, size_t errlen);
/* First-seen time (ms) of domain; records it (first_seen = when_ms) when absent and
 * record is set.  Returns 0 when unknown and not recorded.  Thread-safe (internal lock). */
int64_t lw_seen_touch(lw_seen *s, lw_str domain, int64_t when_ms, bool record);
/* Creation time of the store (ms), for the learning period. */
int64_t lw_seen_created(const lw_seen *s);
void lw_seen_close(lw_seen *s); /* flushes pending rows */

/* ---- the handle ------------------------------------------------------------------------ */
struct lw_intel {
    lw_list allow, block;
    bool has_allow, has_block;
    lw_brands brands;
    lw_spoof *spoof;
    lw_seen *seen;
    int new_days;
    int suspicious_at, malicious_at;
};

/* The longest parent of host that allow lists may match: the registrable domain reg, or
 * the tenant ("x.weebly.com") when host is a tenant of a hosting platform the PSL does not
 * separate.  suffix/icann as in lw_url_registrable / lw_url_icann_suffix (score.c). */
lw_str lw_intel_tenant_boundary(lw_str host, lw_str reg, lw_str suffix, lw_str icann);

/* Lexical features and lookalike checks (score.c). */
void lw_intel_score_impl(const lw_intel *in, lw_str url, const lw_intel_call *call,
                         lw_intel_result *r);

#endif
