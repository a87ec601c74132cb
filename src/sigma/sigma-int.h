/*
 * Private structures of the Sigma engine, shared by the files of src/sigma/ only.
 *
 * Compilation pipeline (all at load time):
 *   YAML bytes --yaml-tree.c--> node tree (per file, temporary arena)
 *   rule document --rules.c--> metadata + logsource
 *   detection map --detection.c + modifiers.c--> selections of field matchers (lw_fm)
 *   condition string --condition.c--> lw_cnode tree over selection indexes
 * Everything compiled lives in the lw_rules arena and is read-only after
 * lw_rules_compile(); the matcher (matcher.c) keeps all per-event mutable state.
 */
#ifndef LW_SIGMA_INT_H
#define LW_SIGMA_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <hs/hs.h>

#include "../core/arena.h"
#include "hs-cache.h"
#include "logsource.h"
#include "sigma.h"
#include "yaml-tree.h"

/* Field id used by keyword (field-less) matchers: every event field value is tested. */
#define LW_FIELD_KEYWORD UINT32_MAX

/* Bounds on hostile rules.  Counts per unit are not enough (a product of capped counts is
 * not capped), so load work is also charged to budgets per rule, per file and per load
 * (lw_budget below); exceeding one rejects the rule with "rule too large: ... (limit)".
 * SigmaHQ uses a small fraction of each (docs/sigma-support.md lists them). */
#define LW_MAX_VALUE_VARIANTS  65536 /* values after windash/base64offset/expand per field */
#define LW_MAX_COND_DEPTH      64
#define LW_MAX_VALUE_BYTES     (64u * 1024)        /* one value as written, before transforms */
#define LW_MAX_ITEM_BYTES      (8u * 1024 * 1024)  /* variant bytes built for one field item */
#define LW_MAX_PLACEHOLDERS    16                  /* %name% occurrences in one |expand value */
#define LW_MAX_COND_NODES      65536u              /* condition nodes per rule, 'of' kids counted */
#define LW_MAX_SELECTIONS      4096u               /* search identifiers per rule */
#define LW_MAX_IDENT_BYTES     256u                /* search identifier / 'of' pattern length */
#define LW_MAX_GLOB_WORK       (1u << 24)          /* name-pattern comparison steps per rule */
#define LW_MAX_FILE_DOCS       10000u              /* YAML documents per rule file */
#define LW_MAX_DOC_KEYS        256u                /* top-level keys of one rule document */
#define LW_MAX_MERGE_WORK      (4u << 20)          /* action global/repeat merge steps per file */
#define LW_MAX_FILE_PATS       (1u << 17)          /* compiled patterns per file */
#define LW_MAX_FILE_PAT_BYTES  (64u * 1024 * 1024) /* compiled pattern bytes per file */
#define LW_MAX_TOTAL_PATS      (4u << 20)          /* compiled patterns per load */
#define LW_MAX_TOTAL_PAT_BYTES (512u * 1024 * 1024) /* compiled pattern bytes per load */
#define LW_MAX_RULE_FILES      100000u              /* rule files per lw_rules */
#define LW_MAX_FIELD_IDS       (1u << 20)
#define LW_RE_MATCH_LIMIT      200000u
#define LW_RE_DEPTH_LIMIT      10000u

/* How one pattern is compared with a field value. */
typedef enum lw_pat_kind {
    LW_PAT_EXACT,    /* whole value equals s */
    LW_PAT_PREFIX,   /* value starts with s */
    LW_PAT_SUFFIX,   /* value ends with s */
    LW_PAT_CONTAINS, /* s anywhere in value */
    LW_PAT_ANY,      /* '*': any non-null value */
    LW_PAT_GLOB,     /* s with wild[] marks ('*' / '?') */
    LW_PAT_RE,       /* PCRE2 search */
    LW_PAT_CIDR,     /* value parsed as IP inside a network */
    LW_PAT_NUM,      /* numeric comparison (op) */
    LW_PAT_NULL,     /* field absent, null or empty */
    LW_PAT_FIELDREF, /* compare with another field's value (ref, refmode) */
} lw_pat_kind;

enum { LW_WILD_NONE = 0, LW_WILD_STAR = 1, LW_WILD_ONE = 2 };
enum { LW_NUM_LT, LW_NUM_LTE, LW_NUM_GT, LW_NUM_GTE };

typedef struct lw_pat {
    uint8_t kind;           /* lw_pat_kind */
    uint8_t cased;          /* compare bytes exactly; otherwise s is lowercase, value folded */
    uint8_t op;             /* LW_NUM_* for LW_PAT_NUM; for FIELDREF the lw_pat_kind to apply */
    uint8_t family;         /* CIDR: 4 or 6 */
    uint32_t prefix;        /* CIDR prefix length */
    uint32_t ref;           /* FIELDREF: field id of the referenced field */
    const unsigned char *s; /* RE: the regex source (for the prefilter) */
    size_t n;
    const unsigned char *wild; /* GLOB: n marks, LW_WILD_* */
    pcre2_code *re;
    double num;
    unsigned char addr[16];
} lw_pat;

/* Index over a long OR-list of patterns (built when a field item has many values):
 * exact case-insensitive values in a hash set, case-insensitive 'contains' values of 4+
 * bytes under their first 4 bytes, everything else in rest[] for a linear scan. */
typedef struct lw_pidx {
    uint32_t *ex; /* slot -> pattern index + 1 (0 empty) */
    uint64_t *exh;
    size_t exmask;
    uint32_t *ng; /* slot -> pattern index + 1 */
    uint32_t *ngkey;
    size_t ngmask;
    uint32_t *rest;
    uint32_t nrest;
} lw_pidx;

#define LW_PIDX_MIN 8

/* One "Field|modifiers: values" item of a selection. */
typedef struct lw_fm {
    uint32_t field; /* field id, or LW_FIELD_KEYWORD */
    uint8_t exists; /* 1: this is an |exists test */
    uint8_t want;   /* |exists: expected presence */
    uint8_t all;    /* |all: every group must match; else any pattern */
    uint8_t cost;   /* evaluation order inside a selection (cheap first) */
    lw_pat *pats;
    uint32_t npats;
    /* |all: pattern groups (one per original value, each an OR of variants):
     * group g is pats[gstart[g] .. gstart[g+1]). */
    uint32_t *gstart;
    uint32_t ngroups;
    lw_pidx *idx; /* optional, only without |all */
} lw_fm;

/* A search identifier: OR over alternatives, each an AND of field matchers. */
typedef struct lw_alt {
    lw_fm *fms;
    uint32_t nfms;
} lw_alt;

typedef struct lw_sel {
    const char *name;
    lw_alt *alts;
    uint32_t nalts;
} lw_sel;

/* Condition nodes form a DAG, not a tree: the SEL leaf of a selection and the kids array
 * of an 'of' pattern are shared by every mention (read-only after compile). */
typedef enum { LW_C_SEL, LW_C_NOT, LW_C_AND, LW_C_OR } lw_cop;

typedef struct lw_cnode {
    uint8_t op;
    uint32_t sel;           /* LW_C_SEL */
    struct lw_cnode **kids; /* NOT: 1; AND/OR: n */
    uint32_t nkids;
} lw_cnode;

struct lw_rule {
    lw_rule_meta meta;
    lw_logsource ls;
    lw_sel *sels;
    uint32_t nsels;
    lw_cnode *cond;
    uint32_t index; /* load order */
};

/* Field-name dictionary: lowercase name -> small id. */
typedef struct lw_fdict {
    struct {
        const char *name; /* lowercase, NUL-terminated, in the rules arena */
        size_t n;
        uint64_t hash;
        uint32_t id;
    } * slots;
    size_t cap; /* power of two */
    uint32_t count;
} lw_fdict;

/* Load budgets (see the limits above).  cond_* and glob_work: reset per rule document;
 * file_*: per rule file; total_*: for the life of the lw_rules. */
typedef struct lw_budget {
    size_t cond_nodes, glob_work;
    size_t file_pats, file_pat_bytes, file_merge;
    size_t total_pats, total_pat_bytes, files;
} lw_budget;

typedef struct lw_placeholder {
    const char *name; /* without '%' */
    const char **values;
    size_t nvalues;
} lw_placeholder;

struct lw_rules {
    lw_arena arena;
    lw_rule **rules;
    size_t nrules, caprules;
    size_t rejected;
    lw_fdict fields;
    lw_fdict ids;     /* rule ids seen, to reject duplicates */
    pcre2_code **res; /* every compiled regex, freed with the rules */
    size_t nres, capres;
    lw_placeholder *ph;
    size_t nph, capph;
    struct lw_prefilter *pf; /* literal prefilter (prefilter.c); NULL: evaluate every rule */
    struct lw_corrset *corr; /* correlation rules (correlation.h); NULL when none */
    lw_budget budget;
    int compiled;
    char *cache_dir;            /* compiled prefilter databases kept here (NULL: off) */
    lw_hs_cache_stats hs_cache; /* what the prefilter's compile did */
};

/* ---- rules.c ---- */
/* Id of a field name (ASCII case-insensitive), created when absent. */
lw_status lw_fdict_intern(lw_rules *r, lw_str name, uint32_t *id);
/* Lookup only; UINT32_MAX when absent.  Safe on the read-only dictionary. */
uint32_t lw_fdict_lookup(const lw_fdict *d, lw_str name, uint64_t hash);
lw_status lw_rules_keep_regex(lw_rules *r, pcre2_code *re);

typedef struct lw_cerr lw_cerr;
/* Charge npats compiled patterns of nbytes bytes to the file and load budgets.  LW_OK, or
 * LW_ERULE with e set at node `at` ("rule too large: ... (limit)"). */
lw_status lw_budget_pats(lw_rules *r, size_t npats, size_t nbytes, lw_cerr *e, const lw_ynode *at);
/* Whether npats more patterns would fit (nothing charged); LW_ERULE with e set if not. */
lw_status lw_budget_room(lw_rules *r, size_t npats, lw_cerr *e, const lw_ynode *at);

/* Rule metadata shared by detection and correlation documents: id, name, title,
 * description, level, status, author, tags, falsepositives (arena copies; "" when absent)
 * and path.  Leaves product/category/service to the caller.  LW_OK or LW_ENOMEM. */
lw_status lw_rule_meta_fill(lw_rules *r, const lw_ynode *root, const char *path, lw_rule_meta *m);

/* ---- placeholders.c ---- */
const lw_placeholder *lw_placeholder_find(const lw_rules *r, lw_str name);
void lw_placeholders_free(lw_rules *r);

/* Compile-time error: where and why.  msg is a bounded buffer. */
struct lw_cerr {
    uint64_t line, column;
    char msg[384];
};

void lw_cerr_set(lw_cerr *e, const lw_ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- modifiers.c ---- */
/* Compile the values of "key: value" (key is 'Field|mod|mod' or '|mod' or 'Field') into fm.
 * Returns LW_OK, LW_ERULE (e filled) or LW_ENOMEM. */
lw_status lw_compile_field(lw_rules *r, const lw_ynode *key, const lw_ynode *val, lw_fm *fm,
                           lw_cerr *e);
/* Compile a keyword list item list (plain values, no modifiers). */
lw_status lw_compile_keywords(lw_rules *r, const lw_ynode *val, lw_fm *fm, lw_cerr *e);

/* ---- detection.c ---- */
lw_status lw_compile_detection(lw_rules *r, lw_rule *rule, const lw_ynode *det, lw_cerr *e);

/* ---- condition.c ---- */
/* Compile-time index of a rule's search identifiers (hash of names) plus the caches that
 * let every mention of a selection or an 'of' pattern share nodes.  Owned by
 * lw_compile_detection. */
typedef struct lw_condctx lw_condctx;
/* For up to nsel selections; LW_ENOMEM or LW_OK. */
lw_status lw_condctx_new(size_t nsel, lw_condctx **out);
void lw_condctx_free(lw_condctx *cc);
/* Record selection number idx under name (bytes, not copied: must outlive cc); *dup is
 * true (and nothing added) when the name is already there. */
lw_status lw_condctx_add(lw_condctx *cc, const char *name, size_t n, uint32_t idx, bool *dup);
/* Parse one condition string (node cond) against the rule's selections.  Charges the
 * rule's condition-node and pattern budgets (r->budget, reset by lw_compile_detection). */
lw_status lw_compile_condition(lw_rules *r, lw_rule *rule, lw_condctx *cc, const lw_ynode *cond,
                               lw_cnode **out, lw_cerr *e);

/* ---- prefilter.c ----
 * A rule's "gate" is a set of (field, literal) pairs such that the rule can only match an
 * event in which at least one literal occurs in its field's value (keyword gates: in any
 * field value).  lw_prefilter_build() derives the gates from the compiled detections and
 * compiles one Hyperscan literal database per field; the matcher scans each event field
 * once and evaluates only the rules whose gate fired, plus the rules without a gate. */

/* One field's literal database: pattern id -> the rules it admits. */
typedef struct lw_pf_db {
    uint32_t field;  /* field id, or LW_FIELD_KEYWORD */
    uint32_t minlen; /* shortest literal: shorter values cannot fire it */
    hs_database_t *db;
    uint32_t *pat_start; /* npats + 1 offsets into pat_rules */
    uint32_t *pat_rules; /* rule indexes (load order) */
    uint32_t npats;
} lw_pf_db;

typedef struct lw_prefilter {
    lw_pf_db *dbs;
    uint32_t ndbs;
    uint32_t kwdb;         /* index of the keyword database, or UINT32_MAX */
    uint32_t *db_of_field; /* field id -> database index, UINT32_MAX none (nfields entries) */
    uint32_t nfields;
    /* Per rule (load order): databases its gate uses, [rdb_start[r], rdb_start[r+1]) into
     * rdbs; an empty range means the rule has no gate and is always evaluated. */
    uint32_t *rdb_start;
    uint32_t *rdbs;
    size_t nrules;
    size_t ngated, nliterals;
    hs_scratch_t *proto; /* scratch sized for every database; matchers clone it */
} lw_prefilter;

/* Build r->pf (called by lw_rules_compile).  On a Hyperscan compile failure the prefilter
 * is left out (r->pf NULL, every rule evaluated) and LW_OK returned; LW_ENOMEM otherwise. */
lw_status lw_prefilter_build(lw_rules *r);
void lw_prefilter_free(lw_prefilter *pf);
/* Gate of rule number `rule` (load order), recomputed, for tests and diagnostics: returns
 * the number of (field, literal) pairs, 0 when the rule has no gate.  When out is not
 * NULL, one line per pair is appended: "field|c|literal" (c: cased) or "field|i|literal"
 * (ASCII case-insensitive); field is "*" for keyword gates.  Lines are sorted. */
size_t lw_prefilter_rule_gate(const lw_rules *r, size_t rule, lw_buf *out);

/* ---- matcher.c ---- */
/* Prefilter mode, for differential testing (results are the same in every mode):
 * 0 off (every admitted rule evaluated), 1 auto (the default unless LW_NO_PREFILTER=1 is
 * in the environment when the matcher is made: used for category lists with enough
 * gated rules), 2 forced (used whenever a list has a gated rule). */
void lw_matcher_set_prefilter(lw_matcher *m, int mode);
/* Build fm->idx when the item is a long OR-list (arena memory). */
lw_status lw_fm_build_index(lw_rules *r, lw_fm *fm);
/* Regex evaluations that hit the PCRE2 match/depth/JIT-stack limit (counted as no match). */
uint64_t lw_matcher_regex_limit_hits(const lw_matcher *m);

#endif
