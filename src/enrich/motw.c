/*
 * Zone.Identifier ("Mark of the Web") from Sysmon 15 create_stream_hash events.
 *
 * Sysmon logs the stream text in Contents with its line breaks turned into blanks (or kept
 * as CR/LF, or escaped as the two characters "\r\n" by some exporters), and a browser often
 * writes the stream several times while a download completes: "ZoneId=3", then
 * "ZoneId=3 ReferrerUrl=...", then "... HostUrl=..." (OTRF LSASS campaign 01 has three
 * events for one file).  The table below keeps the parts seen per (host, path) so every
 * later event carries all of them, bounded by entry count and bytes, oldest evicted first.
 */
#include <stdlib.h>

#include "enrich-int.h"

/* ---- parsing ---------------------------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' || c == '\0';
}

/* A literal backslash-r or backslash-n escape at p[i]. */
static bool is_escape(lw_str s, size_t i)
{
    return s.p[i] == '\\' && i + 1 < s.n && (s.p[i + 1] == 'r' || s.p[i + 1] == 'n');
}

static bool take(lw_str tok, const char *key, lw_str *out)
{
    lw_str k = lw_str_c(key);
    if (tok.n < k.n || !lw_str_istarts(tok, k))
        return false;
    *out = (lw_str){tok.p + k.n, tok.n - k.n};
    return true;
}

bool lw_motw_parse(lw_str s, lw_motw *out)
{
    memset(out, 0, sizeof(*out));
    bool any = false;
    size_t i = 0;
    while (i < s.n) {
        while (i < s.n && (is_blank(s.p[i]) || is_escape(s, i)))
            i += is_blank(s.p[i]) ? 1 : 2;
        size_t start = i;
        while (i < s.n && !is_blank(s.p[i]) && !is_escape(s, i))
            i++;
        lw_str tok = {s.p + start, i - start};
        if (tok.n >= 14 && lw_str_istarts(tok, LW_STR_LIT("[ZoneTransfer]"))) {
            tok.p += 14;
            tok.n -= 14;
        }
        if (tok.n < 6 || !memchr(tok.p, '=', tok.n))
            continue;
        lw_str v;
        /* First occurrence wins, as Windows reads the stream like an INI file. */
        if (take(tok, "ZoneId=", &v)) {
            if (!out->zone_id.p)
                out->zone_id = v, any = true;
        } else if (take(tok, "HostUrl=", &v)) {
            if (!out->host_url.p)
                out->host_url = v, any = true;
        } else if (take(tok, "ReferrerUrl=", &v)) {
            if (!out->referrer.p)
                out->referrer = v, any = true;
        } else if (take(tok, "HostIpAddress=", &v)) {
            if (!out->host_ip.p)
                out->host_ip = v, any = true;
        } else if (take(tok, "AppZoneId=", &v)) {
            if (!out->app_zone_id.p)
                out->app_zone_id = v, any = true;
        } else if (take(tok, "LastWriterPackageFamilyName=", &v)) {
            if (!out->last_writer.p)
                out->last_writer = v, any = true;
        }
    }
    return any;
}

bool lw_path_split_stream(lw_str path, lw_str *base, lw_str *stream)
{
    *base = path;
    *stream = LW_STR_NULL;
    /* The stream colon is after the last path separator and is not a drive colon. */
    size_t seg = 0;
    for (size_t i = path.n; i > 0; i--)
        if (path.p[i - 1] == '\\' || path.p[i - 1] == '/') {
            seg = i;
            break;
        }
    for (size_t i = seg; i < path.n; i++) {
        if (path.p[i] != ':')
            continue;
        if (seg == 0 && i == 1) /* "C:" with nothing else */
            continue;
        if (i == seg) /* "\:x" is not a stream of a named file */
            return false;
        *base = (lw_str){path.p, i};
        *stream = (lw_str){path.p + i + 1, path.n - i - 1};
        /* "name:stream:$DATA" */
        ptrdiff_t t = lw_str_ifind(*stream, LW_STR_LIT(":$DATA"));
        if (t >= 0 && (size_t)t + 6 == stream->n)
            stream->n = (size_t)t;
        return true;
    }
    return false;
}

/* ---- the merge table -------------------------------------------------------------- */

#define NIL      UINT32_MAX
#define NPARTS   6
#define MAX_PART 8192 /* longest part stored; longer ones are cut (counted as too large) */

typedef struct motw_ent {
    uint64_t key;
    uint32_t chain, prev, next; /* hash chain; age list (prev newer, next older) */
    char *blob;                 /* path then parts, lengths below; NULL when free */
    size_t bytes;
    uint32_t path_n;
    uint32_t part_n[NPARTS];
    bool part_set[NPARTS];
} motw_ent;

struct lw_motw_table {
    motw_ent *ents;
    uint32_t cap, used, nfree;
    uint32_t *free_list;
    uint32_t *buckets;
    uint32_t nbuckets; /* power of two */
    uint32_t newest, oldest;
    size_t bytes, max_bytes;
    uint64_t merges, evicted, too_large;
};

static lw_str *part_ref(lw_motw *m, unsigned i)
{
    switch (i) {
    case 0:
        return &m->zone_id;
    case 1:
        return &m->host_url;
    case 2:
        return &m->referrer;
    case 3:
        return &m->host_ip;
    case 4:
        return &m->app_zone_id;
    default:
        return &m->last_writer;
    }
}

lw_status lw_motw_table_new(uint32_t max_entries, size_t max_bytes, lw_motw_table **out)
{
    *out = NULL;
    if (max_entries == 0 || max_entries > (1u << 24))
        return LW_EINVAL;
    lw_motw_table *t = calloc(1, sizeof(*t));
    if (!t)
        return LW_ENOMEM;
    t->cap = max_entries;
    t->max_bytes = max_bytes;
    t->nbuckets = 1;
    while (t->nbuckets < max_entries * 2u)
        t->nbuckets <<= 1;
    t->ents = calloc(max_entries, sizeof(*t->ents));
    t->free_list = calloc(max_entries, sizeof(*t->free_list));
    t->buckets = malloc((size_t)t->nbuckets * sizeof(*t->buckets));
    if (!t->ents || !t->free_list || !t->buckets) {
        lw_motw_table_free(t);
        return LW_ENOMEM;
    }
    for (uint32_t i = 0; i < t->nbuckets; i++)
        t->buckets[i] = NIL;
    for (uint32_t i = 0; i < max_entries; i++)
        t->free_list[i] = max_entries - 1 - i;
    t->nfree = max_entries;
    t->newest = t->oldest = NIL;
    *out = t;
    return LW_OK;
}

void lw_motw_table_free(lw_motw_table *t)
{
    if (!t)
        return;
    if (t->ents)
        for (uint32_t i = 0; i < t->cap; i++)
            free(t->ents[i].blob);
    free(t->ents);
    free(t->free_list);
    free(t->buckets);
    free(t);
}

static uint64_t motw_key(lw_str host, lw_str path)
{
    return lw_str_ihash(host) * 0x9E3779B97F4A7C15ULL ^ lw_str_ihash(path);
}

static void list_unlink(lw_motw_table *t, uint32_t i)
{
    motw_ent *e = &t->ents[i];
    if (e->prev != NIL)
        t->ents[e->prev].next = e->next;
    else
        t->newest = e->next;
    if (e->next != NIL)
        t->ents[e->next].prev = e->prev;
    else
        t->oldest = e->prev;
    e->prev = e->next = NIL;
}

static void list_push_newest(lw_motw_table *t, uint32_t i)
{
    motw_ent *e = &t->ents[i];
    e->prev = NIL;
    e->next = t->newest;
    if (t->newest != NIL)
        t->ents[t->newest].prev = i;
    t->newest = i;
    if (t->oldest == NIL)
        t->oldest = i;
}

static void remove_entry(lw_motw_table *t, uint32_t i)
{
    motw_ent *e = &t->ents[i];
    uint32_t *pp = &t->buckets[e->key & (t->nbuckets - 1)];
    while (*pp != NIL && *pp != i)
        pp = &t->ents[*pp].chain;
    if (*pp == i)
        *pp = e->chain;
    list_unlink(t, i);
    t->bytes -= e->bytes;
    free(e->blob);
    memset(e, 0, sizeof(*e));
    t->free_list[t->nfree++] = i;
    t->used--;
}

static uint32_t find(lw_motw_table *t, uint64_t key, lw_str path)
{
    for (uint32_t i = t->buckets[key & (t->nbuckets - 1)]; i != NIL; i = t->ents[i].chain) {
        motw_ent *e = &t->ents[i];
        if (e->key == key && lw_str_ieq((lw_str){e->blob, e->path_n}, path))
            return i;
    }
    return NIL;
}

static void entry_parts(const motw_ent *e, lw_motw *m)
{
    memset(m, 0, sizeof(*m));
    const char *p = e->blob + e->path_n;
    for (unsigned k = 0; k < NPARTS; k++) {
        if (e->part_set[k])
            *part_ref(m, k) = (lw_str){p, e->part_n[k]};
        p += e->part_n[k];
    }
}

bool lw_motw_lookup(lw_motw_table *t, lw_str host, lw_str path, lw_motw *out)
{
    if (!t->used || !path.n)
        return false;
    uint32_t i = find(t, motw_key(host, path), path);
    if (i == NIL)
        return false;
    entry_parts(&t->ents[i], out);
    return true;
}

static lw_status copy_parts(lw_motw *m, lw_arena *arena)
{
    for (unsigned k = 0; k < NPARTS; k++) {
        lw_str *s = part_ref(m, k);
        if (!s->p)
            continue;
        char *c = lw_arena_strndup(arena, s->p, s->n);
        if (!c)
            return LW_ENOMEM;
        *s = (lw_str){c, s->n};
    }
    return LW_OK;
}

lw_status lw_motw_merge(lw_motw_table *t, lw_str host, lw_str path, lw_motw *m, lw_arena *arena)
{
    uint64_t key = motw_key(host, path);
    uint32_t i = find(t, key, path);
    if (i != NIL) {
        lw_motw old;
        entry_parts(&t->ents[i], &old);
        bool filled = false;
        for (unsigned k = 0; k < NPARTS; k++) {
            lw_str *s = part_ref(m, k);
            if (!s->p && part_ref(&old, k)->p) {
                *s = *part_ref(&old, k);
                filled = true;
            }
        }
        if (filled)
            t->merges++;
    }
    /* Copy first: the entry blob the views may point at is replaced below. */
    lw_status st = copy_parts(m, arena);
    if (st)
        return st;
    if (i != NIL)
        remove_entry(t, i);
    size_t need = path.n;
    uint32_t pn[NPARTS];
    for (unsigned k = 0; k < NPARTS; k++) {
        size_t n = part_ref(m, k)->n;
        pn[k] = (uint32_t)(n > MAX_PART ? MAX_PART : n);
        need += pn[k];
    }
    if (path.n > MAX_PART || need > t->max_bytes) {
        t->too_large++;
        return LW_OK;
    }
    while (t->used && (t->nfree == 0 || t->bytes + need > t->max_bytes)) {
        remove_entry(t, t->oldest);
        t->evicted++;
    }
    char *blob = malloc(need ? need : 1);
    if (!blob)
        return LW_ENOMEM;
    i = t->free_list[--t->nfree];
    motw_ent *e = &t->ents[i];
    memset(e, 0, sizeof(*e));
    e->key = key;
    e->blob = blob;
    e->bytes = need;
    e->path_n = (uint32_t)path.n;
    memcpy(blob, path.p, path.n);
    size_t off = path.n;
    for (unsigned k = 0; k < NPARTS; k++) {
        lw_str s = *part_ref(m, k);
        e->part_set[k] = s.p != NULL;
        e->part_n[k] = pn[k];
        if (pn[k])
            memcpy(blob + off, s.p, pn[k]);
        off += pn[k];
    }
    uint32_t *b = &t->buckets[key & (t->nbuckets - 1)];
    e->chain = *b;
    *b = i;
    list_push_newest(t, i);
    t->used++;
    t->bytes += need;
    return LW_OK;
}

void lw_motw_table_stats(const lw_motw_table *t, lw_enricher_stats *st)
{
    st->motw_entries = t->used;
    st->motw_max = t->cap;
    st->motw_merges = t->merges;
    st->motw_evicted = t->evicted;
    st->motw_too_large = t->too_large;
    st->motw_bytes = t->bytes;
}
