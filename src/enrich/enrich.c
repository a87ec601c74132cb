/*
 * Enrichment dispatch: one pass over an event's fields picks out the few the parts need,
 * then the event's Sigma category decides which parts run.  Events of no interest (most
 * of a Security or registry log) cost one category test; field names are static strings
 * and values go to ev->arena, so nothing here allocates per event.
 */
#include <stdlib.h>

#include "../intel/url.h"
#include <stdio.h>

#include "enrich-int.h"

#define CAT(c) (1ULL << (c))

#define DEFAULT_MAX_PROCS  32768u
#define DEFAULT_MAX_DEPTH  8u
#define DEFAULT_MAX_AGE_MS (24LL * 3600 * 1000)
#define DEFAULT_MAX_MOTW   4096u
#define DEFAULT_MOTW_BYTES (4u << 20)
#define JOIN_CAP           (LW_ANC_DEPTH_MAX * 208)
#define LATE_SLOTS         4096u /* power of two */
#define LATE_SKEW_MS       2000
#define LATE_PROC          0x9E3779B97F4A7C15ull
#define LATE_MOTW          0xC2B2AE3D27D4EB4Full

struct lw_enricher {
    const lw_intel *intel; /* NULL: no *.score fields */
    bool score_urls;       /* rules test <Field>.score / .verdict / .intel */
    bool host_allow;       /* rules test cs-host.intel */
    struct host_verdict {  /* direct-mapped cache of allow-list answers per web host */
        uint8_t n;         /* host length; 0 = empty slot */
        bool allowed;
        char host[254];
    } * host_cache;      /* HOST_CACHE_SLOTS entries, allocated on first use */
    lw_intel_result res; /* scratch for scoring */
    lw_proc_table *procs;
    lw_motw_table *motw;
    lw_enricher_stats st; /* counters kept here; table counters merged on read */
    lw_cls_cache cls_cache;
    char scratch[LW_CMDLINE_MAX_BYTES];
    char join[JOIN_CAP];
    bool priming;
    /* Priming: process creations held, then recorded in time order (ancestors first, so
     * each inherits its parent's ancestor classes) when priming ends. */
    struct primed {
        lw_proc_fields f;
        uint64_t seq;
    } * prime;
    size_t nprime, capprime, maxprime;
    lw_arena prime_arena;
    /* Read-order check (order_late): recent lookups that missed, direct-mapped. */
    struct late_slot {
        uint64_t key; /* 0: empty */
        int64_t t;    /* event time of the lookup */
    } late[LATE_SLOTS];
};

/* URL parts (urlparts.c) and, when rules test them, the URL's intelligence verdict:
 * <Field>.score (0-100), <Field>.verdict (benign / suspicious / malicious) and
 * <Field>.intel ("allow", "block" or "") from src/intel. */
static lw_status url_fields(lw_enricher *e, lw_event *ev, lw_url_field which, lw_str url)
{
    if (lw_is_local_path(url))
        return LW_OK; /* no URL parts and no URL score for C:\...\Invoice.zip */
    lw_status st = lw_enrich_url(ev, which, url, &e->st.fields_added);
    const char *const *names = lw_url_intel_names(which);
    if (st || !e->intel || !e->score_urls || !names)
        return st;
    lw_intel_call call = {.when_ms = ev->time_ms == INT64_MIN ? 0 : ev->time_ms, .record_seen = 1};
    if (lw_intel_score_url(e->intel, url, &call, &e->res) != LW_OK)
        return LW_OK;
    char *num = lw_arena_alloc(&ev->arena, 8);
    if (!num)
        return LW_ENOMEM;
    int k = snprintf(num, 8, "%d", e->res.score);
    const char *list = e->res.blocklisted ? "block" : e->res.allowlisted ? "allow" : "";
    if ((st = lw_event_add(ev, lw_str_c(names[0]), (lw_str){num, (size_t)k}, 0)) ||
        (st = lw_event_add(ev, lw_str_c(names[1]), lw_str_c(e->res.verdict_name), 0)) ||
        (st = lw_event_add(ev, lw_str_c(names[2]), lw_str_c(list), 0)))
        return st;
    e->st.fields_added += 3;
    return LW_OK;
}

/* A lookup of key (a hash, tagged by what was looked up) at time t found nothing. */
static void late_miss(lw_enricher *e, uint64_t key, int64_t t)
{
    if (e->priming || t == INT64_MIN)
        return;
    key |= 1; /* never 0 */
    struct late_slot *s = &e->late[(key ^ key >> 29) & (LATE_SLOTS - 1)];
    s->key = key;
    s->t = t;
}

/* key was just recorded, for something that happened at time t: if a lookup at or after t
 * missed it, the read order was not the time order. */
static void late_found(lw_enricher *e, uint64_t key, int64_t t)
{
    if (e->priming)
        return;
    key |= 1;
    struct late_slot *s = &e->late[(key ^ key >> 29) & (LATE_SLOTS - 1)];
    if (s->key == key) {
        /* Sysmon itself writes a process's first events a few milliseconds out of order
         * now and then; only a lead of more than LATE_SKEW_MS is a read-order problem. */
        if (t != INT64_MIN && t < s->t - LATE_SKEW_MS)
            e->st.order_late++;
        s->key = 0;
    }
}

static uint64_t late_key(uint64_t tag, lw_str host, lw_str what)
{
    return tag ^ lw_str_ihash(host) * 31 ^ lw_str_ihash(lw_str_trim(what));
}

static int cmp_primed(const void *a, const void *b)
{
    const struct primed *x = a, *y = b;
    if (x->f.time_ms != y->f.time_ms)
        return x->f.time_ms < y->f.time_ms ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void prime_clear(lw_enricher *e)
{
    free(e->prime);
    e->prime = NULL;
    e->nprime = e->capprime = 0;
    lw_arena_free(&e->prime_arena);
}

lw_status lw_enricher_set_priming(lw_enricher *e, bool on)
{
    if (on) {
        if (!e->priming)
            lw_arena_init(&e->prime_arena, 64 * 1024);
        e->priming = true;
        return LW_OK;
    }
    if (!e->priming)
        return LW_OK;
    qsort(e->prime, e->nprime, sizeof *e->prime, cmp_primed);
    lw_status st = LW_OK;
    for (size_t i = 0; i < e->nprime && !st; i++) {
        lw_ancestry a;
        st = lw_proc_created(e->procs, &e->prime[i].f, &a);
    }
    prime_clear(e);
    e->priming = false;
    return st;
}

/* Priming: keep a copy of a creation's fields (or, past the table's size, record it now:
 * the table could not hold more anyway). */
static lw_status prime_process(lw_enricher *e, const lw_proc_fields *pf)
{
    if (e->nprime == e->maxprime) {
        lw_ancestry a;
        return lw_proc_created(e->procs, pf, &a);
    }
    if (e->nprime == e->capprime) {
        size_t ncap = e->capprime ? e->capprime * 2 : 1024;
        if (ncap > e->maxprime)
            ncap = e->maxprime;
        struct primed *np = realloc(e->prime, ncap * sizeof *np);
        if (!np)
            return LW_ENOMEM;
        e->prime = np;
        e->capprime = ncap;
    }
    struct primed *d = &e->prime[e->nprime];
    d->f = *pf;
    d->f.key = NULL; /* points into the caller's frame: parsed again from the copied guid */
    d->seq = e->nprime;
    lw_str *strs[] = {&d->f.host,       &d->f.guid,  &d->f.parent_guid, &d->f.pid,
                      &d->f.parent_pid, &d->f.image, &d->f.parent_image};
    for (size_t k = 0; k < sizeof strs / sizeof *strs; k++) {
        if (!strs[k]->n)
            continue;
        char *c = lw_arena_strndup(&e->prime_arena, strs[k]->p, strs[k]->n);
        if (!c)
            return LW_ENOMEM;
        strs[k]->p = c;
    }
    e->nprime++;
    return LW_OK;
}

bool lw_enrich_primes(const lw_event *ev)
{
    if (ev->product != LW_PRODUCT_WINDOWS)
        return false;
    if (ev->cats & CAT(LW_CAT_CREATE_STREAM_HASH))
        return true;
    /* Creations keyed by GUID only: pid-keyed ones (Security 4688) would leave the table
     * holding the last process of each reused pid, not the one of the time. */
    return (ev->cats & CAT(LW_CAT_PROCESS_CREATION)) &&
           lw_event_find(ev, LW_STR_LIT("ProcessGuid")) != NULL;
}

void lw_enricher_set_intel(lw_enricher *e, const lw_intel *intel, bool score_urls, bool host_allow)
{
    e->intel = intel;
    e->score_urls = score_urls;
    e->host_allow = host_allow;
}

/* The fields the parts read; empty views when absent. */
typedef struct picked {
    lw_str image, parent_image, cmdline, guid, parent_guid, pid, parent_pid, target, contents,
        query;
    lw_proc_key key; /* guid as the process table keys it */
} picked;

lw_status lw_enricher_new_limits(const lw_enricher_limits *lim, lw_enricher **out)
{
    *out = NULL;
    lw_enricher_limits l = lim ? *lim : (lw_enricher_limits){0};
    if (!l.max_procs)
        l.max_procs = DEFAULT_MAX_PROCS;
    if (!l.max_depth)
        l.max_depth = DEFAULT_MAX_DEPTH;
    if (!l.proc_max_age_ms)
        l.proc_max_age_ms = DEFAULT_MAX_AGE_MS;
    if (!l.max_motw)
        l.max_motw = DEFAULT_MAX_MOTW;
    if (!l.max_motw_bytes)
        l.max_motw_bytes = DEFAULT_MOTW_BYTES;
    lw_enricher *e = calloc(1, sizeof(*e));
    if (!e)
        return LW_ENOMEM;
    e->maxprime = l.max_procs;
    lw_status st = lw_proc_table_new(&l, &e->procs);
    if (!st)
        st = lw_motw_table_new(l.max_motw, l.max_motw_bytes, &e->motw);
    if (st) {
        lw_enricher_free(e);
        return st;
    }
    *out = e;
    return LW_OK;
}

lw_status lw_enricher_new(lw_enricher **out)
{
    return lw_enricher_new_limits(NULL, out);
}

void lw_enricher_free(lw_enricher *e)
{
    if (!e)
        return;
    prime_clear(e);
    lw_proc_table_free(e->procs);
    lw_motw_table_free(e->motw);
    free(e->host_cache);
    free(e);
}

void lw_enricher_stats_get(const lw_enricher *e, lw_enricher_stats *out)
{
    *out = e->st;
    lw_proc_table_stats(e->procs, out);
    lw_motw_table_stats(e->motw, out);
}

/* ---- field helpers ----------------------------------------------------------------- */

/* n (already known to be as long as lit) equals lit, ASCII case-insensitively.  The exact
 * compare of a constant length compiles to a few word compares; the folded compare runs
 * only for names that differ yet start with the same letter. */
#define NAME_IS(n, lit)                                                                            \
    (memcmp((n).p, (lit), sizeof(lit) - 1) == 0 ||                                                 \
     (((unsigned char)(n).p[0] | 0x20) == ((unsigned char)(lit)[0] | 0x20) &&                      \
      lw_str_ieq((n), LW_STR_LIT(lit))))

static void pick(const lw_event *ev, picked *p)
{
    memset(p, 0, sizeof(*p));
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const lw_field *f = &ev->fields[i];
        lw_str n = f->name, v = f->value;
        lw_str *slot = NULL;
        switch (n.n) {
        case 5:
            if (NAME_IS(n, "Image"))
                slot = &p->image;
            break;
        case 8:
            if (NAME_IS(n, "Contents"))
                slot = &p->contents;
            break;
        case 9:
            if (NAME_IS(n, "ProcessId"))
                slot = &p->pid;
            else if (NAME_IS(n, "QueryName"))
                slot = &p->query;
            break;
        case 11:
            if (NAME_IS(n, "ParentImage"))
                slot = &p->parent_image;
            else if (NAME_IS(n, "CommandLine"))
                slot = &p->cmdline;
            else if (NAME_IS(n, "ProcessGuid"))
                slot = &p->guid;
            break;
        case 14:
            if (NAME_IS(n, "TargetFilename"))
                slot = &p->target;
            break;
        case 15:
            if (NAME_IS(n, "ParentProcessId"))
                slot = &p->parent_pid;
            break;
        case 17:
            if (NAME_IS(n, "ParentProcessGuid"))
                slot = &p->parent_guid;
            break;
        default:
            break;
        }
        if (slot && !slot->p && !(f->flags & LW_FIELD_NULL))
            *slot = v.p ? v : (lw_str){"", 0};
    }
}

/* Add a field whose value is a view that lives as long as the event. */
static lw_status put(lw_enricher *e, lw_event *ev, const char *name, lw_str v)
{
    lw_status st = lw_event_add(ev, lw_str_c(name), v, 0);
    if (!st)
        e->st.fields_added++;
    return st;
}

/* Same, copying the value into the event arena. */
static lw_status put_copy(lw_enricher *e, lw_event *ev, const char *name, lw_str v)
{
    char *c = lw_arena_strndup(&ev->arena, v.p ? v.p : "", v.n);
    if (!c)
        return LW_ENOMEM;
    return put(e, ev, name, (lw_str){c, v.n});
}

static lw_status put_bool(lw_enricher *e, lw_event *ev, const char *name, bool b)
{
    return put(e, ev, name, b ? LW_STR_LIT("true") : LW_STR_LIT("false"));
}

static lw_status put_class(lw_enricher *e, lw_event *ev, const char *name, uint16_t mask)
{
    if (!mask)
        return LW_OK;
    uint16_t primary = (uint16_t)(mask & -mask); /* the table's primary is the lowest bit */
    return put(e, ev, name, lw_str_c(lw_class_name(primary)));
}

static lw_status put_ancestry(lw_enricher *e, lw_event *ev, const lw_ancestry *a)
{
    lw_status st;
    char cls[192];
    lw_str joined = lw_classes_join(a->classes, cls, sizeof cls);
    if (joined.n && (st = put_copy(e, ev, "AncestorClasses", joined)))
        return st;
    if ((st = put_bool(e, ev, "AncestorIsBrowser", a->classes & LW_CLS_BROWSER)) ||
        (st = put_bool(e, ev, "AncestorIsMailClient", a->classes & LW_CLS_MAIL)) ||
        (st = put_bool(e, ev, "AncestorIsChatClient", a->classes & LW_CLS_CHAT)) ||
        (st = put_bool(e, ev, "AncestorIsLinkClient", a->classes & LW_CLS_LINK_CLIENT)))
        return st;
    return LW_OK;
}

/* ---- parts ----------------------------------------------------------------------- */

static lw_status motw_fields(lw_enricher *e, lw_event *ev, const char *zone, const char *host,
                             const char *ref, const lw_motw *m)
{
    lw_status st;
    if (m->zone_id.n && (st = put_copy(e, ev, zone, m->zone_id)))
        return st;
    if (m->host_url.n && (st = put_copy(e, ev, host, m->host_url)))
        return st;
    if (ref && m->referrer.n && (st = put_copy(e, ev, ref, m->referrer)))
        return st;
    return LW_OK;
}

static lw_status enrich_process(lw_enricher *e, lw_event *ev, const picked *p)
{
    lw_status st;
    uint16_t self = lw_image_classes_cached(&e->cls_cache, p->image);
    uint16_t parent = lw_image_classes_cached(&e->cls_cache, p->parent_image);
    if ((st = put_class(e, ev, "ImageClass", self)) ||
        (st = put_class(e, ev, "ParentImageClass", parent)))
        return st;

    /* Ancestry. */
    lw_proc_fields pf = {ev->host, ev->time_ms,     p->guid, p->parent_guid, p->pid, p->parent_pid,
                         p->image, p->parent_image, self,    parent,         &p->key};
    if (e->priming)
        return prime_process(e, &pf);
    lw_ancestry a;
    if ((st = lw_proc_created(e->procs, &pf, &a)))
        return st;
    if (p->guid.n)
        late_found(e, late_key(LATE_PROC, ev->host, p->guid), ev->time_ms);
    if (a.known) {
        if (a.nimages > 1 && (st = put_copy(e, ev, "GrandparentImage", a.images[1])))
            return st;
        if ((st = put_class(e, ev, "GrandparentImageClass", a.grandparent_cls)))
            return st;
        size_t k = 0;
        for (unsigned i = 0; i < a.nimages; i++) {
            if (k + 1 + a.images[i].n > sizeof e->join)
                break;
            if (k)
                e->join[k++] = '|';
            memcpy(e->join + k, a.images[i].p, a.images[i].n);
            k += a.images[i].n;
        }
        if (k && (st = put_copy(e, ev, "AncestorImages", (lw_str){e->join, k})))
            return st;
        if ((st = put_ancestry(e, ev, &a)))
            return st;
    }

    /* Mark of the Web of the executed file (a Sysmon 15 seen earlier in this hunt). */
    lw_motw m;
    if (p->image.n) {
        if (!lw_motw_lookup(e->motw, ev->host, lw_str_trim(p->image), &m))
            late_miss(e, late_key(LATE_MOTW, ev->host, p->image), ev->time_ms);
        else if ((st = motw_fields(e, ev, "ImageZoneId", "ImageHostUrl", "ImageReferrerUrl", &m)))
            return st;
    }

    if (!p->cmdline.n)
        return LW_OK;
    /* What a script host / LOLBin opens. */
    lw_cmdline_info ci;
    if (lw_cmdline_target(p->image, p->cmdline, e->scratch, sizeof e->scratch, &ci)) {
        char *t = lw_arena_strndup(&ev->arena, ci.target.p, ci.target.n);
        if (!t)
            return LW_ENOMEM;
        lw_str target = {t, ci.target.n};
        e->st.cmdline_targets++;
        if ((st = put(e, ev, "CommandLineTarget", target)) ||
            (st = put(e, ev, "CommandLineTargetKind", lw_str_c(lw_target_kind_name(ci.kind)))))
            return st;
        if (ci.entry.n && (st = put_copy(e, ev, "CommandLineEntry", ci.entry)))
            return st;
        if (ci.kind == LW_TARGET_URL) {
            if ((st = url_fields(e, ev, LW_UF_CMDLINE_TARGET, target)))
                return st;
        } else if (ci.kind == LW_TARGET_FILE || ci.kind == LW_TARGET_UNC) {
            lw_str ext = lw_url_extension(target, NULL);
            if (ext.n && (st = put(e, ev, "CommandLineTarget.extension", ext)))
                return st;
            if (lw_motw_lookup(e->motw, ev->host, target, &m) &&
                (st = motw_fields(e, ev, "CommandLineTargetZoneId", "CommandLineTargetHostUrl",
                                  NULL, &m)))
                return st;
        }
    }
    if (ci.encoded && (st = put_bool(e, ev, "CommandLineEncoded", true)))
        return st;
    if (ci.truncated)
        e->st.cmdline_truncated++;
    lw_str url;
    if (lw_cmdline_find_url(p->cmdline, &url)) {
        if ((st = put(e, ev, "CommandLineUrl", url)) ||
            (st = url_fields(e, ev, LW_UF_CMDLINE_URL, url)))
            return st;
    }
    return LW_OK;
}

static lw_status enrich_stream(lw_enricher *e, lw_event *ev, const picked *p)
{
    lw_status st;
    lw_str base, stream;
    lw_str target = lw_str_trim(p->target);
    if (!target.n)
        return LW_OK;
    bool has_stream = lw_path_split_stream(target, &base, &stream);
    if (has_stream) {
        if ((st = put(e, ev, "TargetFilenameBase", base)) ||
            (st = put(e, ev, "TargetStreamName", stream)))
            return st;
    }
    lw_motw m;
    bool parsed = p->contents.n && lw_motw_parse(p->contents, &m);
    if (!parsed && !(has_stream && lw_str_ieq_c(stream, "Zone.Identifier")))
        return LW_OK;
    if (!parsed)
        memset(&m, 0, sizeof m); /* Contents "-" or not captured: merged parts still apply */
    if ((st = lw_motw_merge(e->motw, ev->host, has_stream ? base : target, &m, &ev->arena)))
        return st;
    late_found(e, late_key(LATE_MOTW, ev->host, has_stream ? base : target), ev->time_ms);
    if ((st = motw_fields(e, ev, "ZoneId", "HostUrl", "ReferrerUrl", &m)))
        return st;
    if (m.host_ip.n && (st = put(e, ev, "HostIpAddress", m.host_ip)))
        return st;
    if (m.app_zone_id.n && (st = put(e, ev, "AppZoneId", m.app_zone_id)))
        return st;
    if (m.last_writer.n && (st = put(e, ev, "LastWriterPackageFamilyName", m.last_writer)))
        return st;
    if (m.host_url.n && (st = url_fields(e, ev, LW_UF_HOST_URL, m.host_url)))
        return st;
    if (m.referrer.n && (st = url_fields(e, ev, LW_UF_REFERRER_URL, m.referrer)))
        return st;
    return LW_OK;
}

/* Events of a process other than its creation: the classes of its ancestors. */
static lw_status enrich_actor(lw_enricher *e, lw_event *ev, const picked *p)
{
    lw_status st;
    if (p->image.n &&
        (st = put_class(e, ev, "ImageClass", lw_image_classes_cached(&e->cls_cache, p->image))))
        return st;
    lw_proc_fields pf = {ev->host, ev->time_ms, p->guid, LW_STR_NULL, p->pid, LW_STR_NULL,
                         p->image, LW_STR_NULL, -1,      -1,          &p->key};
    lw_ancestry a;
    if (!lw_proc_lookup(e->procs, &pf, &a)) {
        if (p->guid.n)
            late_miss(e, late_key(LATE_PROC, ev->host, p->guid), ev->time_ms);
        return LW_OK;
    }
    if (!a.known)
        return LW_OK;
    if ((st = put_class(e, ev, "ParentImageClass", a.parent_cls)))
        return st;
    return put_ancestry(e, ev, &a);
}

#define HOST_CACHE_SLOTS 4096 /* power of two */

/* Network and proxy records: whether the web host is on an allow list (cs-host.intel),
 * so seed analytic A2's "domain not known as legitimate" can use the URL-intelligence
 * allow lists (a hash lookup, cheap enough for every HTTP record). */
static lw_status enrich_network(lw_enricher *e, lw_event *ev)
{
    if (!e->intel || !e->host_allow)
        return LW_OK;
    const lw_field *f = lw_event_find(ev, LW_STR_LIT("cs-host"));
    if (!f || !f->value.n || (f->flags & LW_FIELD_NULL))
        return LW_OK;
    lw_str host = f->value;
    for (size_t i = 0; i < host.n; i++) { /* cs-host may carry a port */
        if (host.p[i] == ':') {
            host.n = i;
            break;
        }
    }
    /* Web logs repeat a few hosts endlessly, and the allow-list answer costs a URL parse
     * and two public-suffix look-ups: remember it (compared by full text, not by hash,
     * so a crafted host can never borrow another's answer). */
    bool allowed;
    struct host_verdict *slot = NULL;
    if (host.n && host.n <= sizeof slot->host) {
        if (!e->host_cache && !(e->host_cache = calloc(HOST_CACHE_SLOTS, sizeof *slot)))
            return LW_ENOMEM;
        slot = &e->host_cache[lw_str_ihash(host) & (HOST_CACHE_SLOTS - 1)];
    }
    if (slot && slot->n == host.n && memcmp(slot->host, host.p, host.n) == 0) {
        allowed = slot->allowed;
    } else {
        allowed = lw_intel_is_allowed(e->intel, host) != 0;
        if (slot) {
            slot->n = (uint8_t)host.n;
            slot->allowed = allowed;
            memcpy(slot->host, host.p, host.n);
        }
    }
    const char *v = allowed ? "allow" : "";
    lw_status st = lw_event_add(ev, LW_STR_LIT("cs-host.intel"), lw_str_c(v), 0);
    if (!st)
        e->st.fields_added++;
    return st;
}

static lw_status enrich_event(lw_enricher *e, lw_event *ev);

lw_status lw_enrich_event(lw_enricher *e, lw_event *ev)
{
    if (!e->priming)
        return enrich_event(e, ev);
    lw_enricher_stats keep = e->st; /* a first pass counts nothing */
    lw_status st = enrich_event(e, ev);
    e->st = keep;
    return st;
}

static lw_status enrich_event(lw_enricher *e, lw_event *ev)
{
    e->st.events++;
    if (ev->product != LW_PRODUCT_WINDOWS)
        return enrich_network(e, ev);
    const uint64_t cats = ev->cats;
    bool creation = cats & CAT(LW_CAT_PROCESS_CREATION);
    /* Only Sysmon carries ProcessGuid on non-creation events; other channels stop here. */
    bool sysmon = ev->channel.n ? lw_str_ieq_c(ev->channel, "Microsoft-Windows-Sysmon/Operational")
                                : lw_str_ieq_c(ev->provider, "Microsoft-Windows-Sysmon");
    if (!creation && !sysmon)
        return LW_OK;
    picked p;
    pick(ev, &p);
    p.key = lw_proc_key_of(p.guid);
    /* The table is far bigger than cache: overlap the miss with the work below. */
    lw_proc_prefetch(e->procs, &p.key);
    lw_status st;
    if (creation)
        return enrich_process(e, ev, &p);
    if (cats & CAT(LW_CAT_PROCESS_TERMINATION)) {
        lw_proc_fields pf = {ev->host, ev->time_ms, p.guid, LW_STR_NULL, p.pid, LW_STR_NULL,
                             p.image,  LW_STR_NULL, -1,     -1,          &p.key};
        lw_proc_terminated(e->procs, &pf);
        return LW_OK;
    }
    if (cats & CAT(LW_CAT_CREATE_STREAM_HASH) && (st = enrich_stream(e, ev, &p)))
        return st;
    if (cats & CAT(LW_CAT_DNS_QUERY) && p.query.n &&
        (st = url_fields(e, ev, LW_UF_QUERY_NAME, lw_str_trim(p.query))))
        return st;
    if (p.guid.n)
        return enrich_actor(e, ev, &p);
    return LW_OK;
}
