/*
 * Internal interface between the enrichment parts (the .c files of src/enrich).  Everything here is
 * pure and bounded except the two per-hunt tables (process ancestry, Zone.Identifier
 * merge), which have fixed capacities and count what they drop.
 */
#ifndef LW_ENRICH_INT_H
#define LW_ENRICH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/event.h"
#include "../core/str.h"
#include "enrich.h"

/* ---- classify.c: image classes --------------------------------------------------------- */

/* Image classes, one bit each.  The order is the order of names in joined lists. */
enum {
    LW_CLS_BROWSER = 1u << 0,
    LW_CLS_MAIL = 1u << 1,
    LW_CLS_CHAT = 1u << 2,
    LW_CLS_OFFICE = 1u << 3,
    LW_CLS_PDF = 1u << 4,
    LW_CLS_SCRIPT_HOST = 1u << 5,
    LW_CLS_SHELL = 1u << 6,
    LW_CLS_DESKTOP = 1u << 7,
    LW_CLS_ARCHIVE = 1u << 8,
    LW_CLS_INSTALLER = 1u << 9,
    LW_CLS_LOLBIN = 1u << 10,
    LW_CLS__COUNT = 11,
};
/* The applications a link is clicked in. */
#define LW_CLS_LINK_CLIENT (LW_CLS_BROWSER | LW_CLS_MAIL | LW_CLS_CHAT)

/* Last path component after '\' or '/' (the whole string when there is none). */
lw_str lw_path_basename(lw_str path);
/* Class bits of an image path (or bare file name), matched by file name from one table;
 * 0 when unknown.  *primary (optional) receives the single class that names the image
 * (mshta.exe is script_host and lolbin; its primary class is script_host). */
uint16_t lw_image_classes(lw_str image, uint16_t *primary);
/* A small direct-mapped cache in front of lw_image_classes (images repeat: the same few
 * hundred paths make most of a log).  Keyed by the 64-bit hash and length of the path;
 * owned by one enricher, so no locking. */
#define LW_CLS_CACHE_SIZE 512
typedef struct lw_cls_cache {
    uint64_t key[LW_CLS_CACHE_SIZE];
    uint32_t len[LW_CLS_CACHE_SIZE];
    uint16_t cls[LW_CLS_CACHE_SIZE];
} lw_cls_cache;
uint16_t lw_image_classes_cached(lw_cls_cache *c, lw_str image);
/* Name of one class bit ("browser"), or "" for anything else. */
const char *lw_class_name(uint16_t bit);
/* Class names of mask joined by ',' in table order into buf; returns the view (empty when
 * mask is 0).  cap >= 160 holds every class. */
lw_str lw_classes_join(uint16_t mask, char *buf, size_t cap);

/* ---- motw.c: Zone.Identifier ----------------------------------------------------------- */

typedef struct lw_motw {
    lw_str zone_id;     /* "3" */
    lw_str host_url;    /* HostUrl= */
    lw_str referrer;    /* ReferrerUrl= */
    lw_str host_ip;     /* HostIpAddress= (Windows 10 1809+ for some writers) */
    lw_str app_zone_id; /* AppZoneId= */
    lw_str last_writer; /* LastWriterPackageFamilyName= */
} lw_motw;

/* Parse the text of a Zone.Identifier stream as Sysmon logs it in Contents: "[ZoneTransfer]"
 * then key=value pairs separated by CR/LF, runs of blanks, or the literal two-character
 * escapes "\r" and "\n".  Keys are matched case-insensitively at a token start.  Views point
 * into contents.  Returns true when at least one known key was found.  O(n), no allocation. */
bool lw_motw_parse(lw_str contents, lw_motw *out);

/* The path a stream event is about: "C:\x\a.exe:Zone.Identifier" -> "C:\x\a.exe", and the
 * stream name ("Zone.Identifier").  A drive colon ("C:") is not a stream separator.
 * Returns false when path names no alternate stream (then *base is path, *stream empty). */
bool lw_path_split_stream(lw_str path, lw_str *base, lw_str *stream);

typedef struct lw_motw_table lw_motw_table;
lw_status lw_motw_table_new(uint32_t max_entries, size_t max_bytes, lw_motw_table **out);
void lw_motw_table_free(lw_motw_table *t);
/* Merge m into the entry for (host, path): parts present in m replace the stored ones,
 * parts absent in m are filled from the entry.  The merged parts are copied into arena (they
 * live as long as the event).  Returns LW_ENOMEM only when arena allocation fails; when the
 * table itself cannot store the entry it counts the drop and still returns the merged m. */
lw_status lw_motw_merge(lw_motw_table *t, lw_str host, lw_str path, lw_motw *m, lw_arena *arena);
/* Lookup (host, path) without changing the table; views live until the next merge. */
bool lw_motw_lookup(lw_motw_table *t, lw_str host, lw_str path, lw_motw *out);
void lw_motw_table_stats(const lw_motw_table *t, lw_enricher_stats *st);

/* ---- cmdline.c: what a script host / LOLBin opens --------------------------------------- */

typedef enum lw_target_kind {
    LW_TARGET_NONE = 0,
    LW_TARGET_FILE,   /* a local path */
    LW_TARGET_URL,    /* scheme://... */
    LW_TARGET_UNC,    /* \\host\share\... (WebDAV lures) */
    LW_TARGET_INLINE, /* vbscript:/javascript:/about: code on the command line */
} lw_target_kind;

typedef struct lw_cmdline_info {
    lw_str target; /* unquoted; a view into the command line or into scratch */
    lw_target_kind kind;
    lw_str entry;   /* rundll32 entry point ("DllRegisterServer"), else empty */
    bool encoded;   /* powershell -EncodedCommand */
    bool truncated; /* scanning stopped at a bound (args, bytes, scratch) */
} lw_cmdline_info;

/* Find the file or URL that the program `image` (path or name; when empty, argv[0] of
 * cmdline is used) opens according to cmdline.  Handles mshta, wscript, cscript, powershell
 * and pwsh (-File, -EncodedCommand flag, -Command URL), cmd (/c /k /r, start, call),
 * rundll32 (dll,entry and proxy entries such as url.dll,OpenURL), regsvr32 (/i:URL
 * scrobj), msiexec (/i /package /a /j /p /update /y), control (.cpl), hh, and browsers
 * (first positional argument).  Quote-aware with CommandLineToArgvW rules, ASCII
 * case-insensitive, bounded (LW_CMDLINE_MAX_ARGS arguments, LW_CMDLINE_MAX_BYTES bytes).
 * Unquoted text that differs from the input is written to scratch[cap].  Returns true when
 * a target was found. */
#define LW_CMDLINE_MAX_ARGS  64
#define LW_CMDLINE_MAX_BYTES 32768
bool lw_cmdline_target(lw_str image, lw_str cmdline, char *scratch, size_t cap,
                       lw_cmdline_info *out);
/* First http(s)/ftp URL anywhere in s (ends at blanks, quotes, and shell punctuation). */
bool lw_cmdline_find_url(lw_str s, lw_str *url);
/* Kind of a target string (url, unc, inline or file); NONE for empty. */
lw_target_kind lw_target_kind_of(lw_str s);
const char *lw_target_kind_name(lw_target_kind k);

/* ---- urlparts.c ------------------------------------------------------------------------ */

/* Which URL-bearing field: selects the static field names ("HostUrl.host", ...). */
typedef enum lw_url_field {
    LW_UF_HOST_URL = 0,
    LW_UF_REFERRER_URL,
    LW_UF_CMDLINE_URL,
    LW_UF_CMDLINE_TARGET,
    LW_UF_QUERY_NAME,
    LW_UF__COUNT
} lw_url_field;

/* Add <field>.scheme/.host/.port/.registrable_domain/.path/.extension/.host_is_ip for url
 * (for LW_UF_QUERY_NAME, url is a bare host and only host parts are added).  Values are
 * copied into ev->arena when they are not views into url.  Returns LW_ENOMEM or LW_OK;
 * a URL that does not parse adds nothing.  *added counts fields added. */
lw_status lw_enrich_url(lw_event *ev, lw_url_field which, lw_str url, uint64_t *added);
/* A Windows path (C:\..., C:/..., \\server\share), not a URL: the Mark of the Web of a
 * file extracted from an archive names the archive as its ReferrerUrl. */
bool lw_is_local_path(lw_str s);
/* The names of <Field>.score, .verdict and .intel for which (NULL when out of range). */
const char *const *lw_url_intel_names(lw_url_field which);

/* ---- ancestry.c ------------------------------------------------------------------------ */

typedef struct lw_proc_table lw_proc_table;
lw_status lw_proc_table_new(const lw_enricher_limits *lim, lw_proc_table **out);
void lw_proc_table_free(lw_proc_table *t);

/* A ProcessGuid as the table keys it (ancestry.c): parsed once per event, then used by
 * the prefetch and by the lookup or creation after it. */
typedef struct lw_proc_key {
    uint64_t hi, lo;
    uint8_t kind;
} lw_proc_key;
lw_proc_key lw_proc_key_of(lw_str guid);

/* What the enricher found in one event (field values; empty when absent). */
typedef struct lw_proc_fields {
    lw_str host;
    int64_t time_ms; /* INT64_MIN unknown */
    lw_str guid, parent_guid;
    lw_str pid, parent_pid; /* decimal or 0x-hex as logged */
    lw_str image, parent_image;
    int32_t image_cls, parent_cls; /* classes when the caller has them, else -1 */
    const lw_proc_key *key;        /* guid as lw_proc_key_of gives it, or NULL: parse it */
} lw_proc_fields;

#define LW_ANC_DEPTH_MAX 16

/* Ancestry of one process, as derived for an event. */
typedef struct lw_ancestry {
    bool known;       /* something is known about the ancestors */
    uint16_t classes; /* union of ancestor classes (not the process) */
    uint16_t parent_cls, grandparent_cls;
    unsigned nimages;                /* ancestor images known, parent first */
    lw_str images[LW_ANC_DEPTH_MAX]; /* views valid until the next table call */
} lw_ancestry;

/* Process creation: insert the new process (keyed by GUID, and by host+pid for events
 * without GUIDs), then describe its ancestors up to the table's depth.  Always fills *out
 * (known is false when neither ParentImage nor a parent entry is known). */
lw_status lw_proc_created(lw_proc_table *t, const lw_proc_fields *f, lw_ancestry *out);
/* Any other event of a process: ancestors of the acting process (by GUID, else host+pid).
 * Returns false when the process is not in the table (*out untouched). */
bool lw_proc_lookup(lw_proc_table *t, const lw_proc_fields *f, lw_ancestry *out);
/* Process termination: the pid may be reused from now on. */
void lw_proc_terminated(lw_proc_table *t, const lw_proc_fields *f);
void lw_proc_table_stats(const lw_proc_table *t, lw_enricher_stats *st);
/* A hint: start loading the index slot of this key, so that a lookup or creation a little
 * later finds it in cache.  No effect on the table. */
void lw_proc_prefetch(const lw_proc_table *t, const lw_proc_key *key);

/* Parse a pid logged as decimal ("1988") or 0x-hex ("0x7c4"). */
bool lw_parse_pid(lw_str s, uint32_t *pid);

#endif
