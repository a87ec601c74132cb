/*
 * Network evidence for chain alerts: a bounded store of network transfer records, a
 * bounded Computer -> IP table, and the join done when a chain alert is emitted
 * (evidence.h; docs/correlation.md "Network evidence").
 *
 * Why at alert time: in batch mode (the default for files) correlation alerts come out at
 * lw_hunt_finish, after every input was read, so the store holds every network record
 * whatever the file order, and the join gives the same answer for any order.  Why the
 * host time: sensors and hosts disagree on the clock, and some exports rewrite the event
 * time (the OTRF LSASS JSON carries a TimeCreated 19 hours off Sysmon's own UtcTime), so
 * endpoint events are placed by Sysmon's UtcTime when they have one.
 */
#include "evidence.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define DEF_SKEW_MS    (3 * 60 * 1000)
#define DEF_RECORDS    20000
#define DEF_PER_ALERT  16
#define DEF_HOSTS      65536
#define MAX_CTX        32 /* clients, servers, names, times taken from one chain */
#define IP_MAX         46
#define NONE           UINT32_MAX
#define MAX_NAME_BYTES 1024 /* computer names longer than this are not learned */

enum { K_NONE = 0, K_TRANSFER = 1, K_PE = 2 };

typedef struct host_ent {
    char *name; /* lowercased computer name */
    size_t nlen;
    uint32_t next; /* bucket chain */
    uint8_t nips;
    struct {
        char ip[IP_MAX + 1];
        int64_t t;
    } ips[LW_EV_HOST_IPS];
} host_ent;

typedef struct netinfo {
    uint8_t kind;
    lw_str client, server, fname, host, uid, fuid, fuids;
    int port;
} netinfo;

typedef struct rec {
    lw_cev *cev; /* NULL: free slot (next links the free list) */
    int64_t t;
    uint64_t tie;
    uint32_t heap_pos;
    uint32_t next, prev, bucket;
    uint32_t mark;
    netinfo ni; /* views into cev */
} rec;

struct lw_evstore {
    lw_evidence_options o;
    host_ent *hosts;
    size_t nhosts, caphosts;
    uint32_t *hbuckets;
    size_t nhb;
    rec *recs;
    size_t nslots, capslots;
    uint32_t free_head;
    uint32_t *heap;
    size_t nheap;
    uint32_t *buckets;
    size_t nbuckets;
    lw_cev_acct acct;
    uint32_t epoch;
    lw_evidence_item *items;
    uint32_t *cand;
    size_t ncand, capcand;
    lw_evidence_stats st;
};

const char *const lw_evstore_channels[] = {
    "zeek/files", "zeek/http", "zeek/pe", "suricata/http", "suricata/fileinfo", NULL,
};

/* ---- small helpers ------------------------------------------------------------- */

static lw_str fv(const lw_event *ev, const char *name)
{
    const lw_field *f = lw_event_find(ev, lw_str_c(name));
    if (!f || (f->flags & LW_FIELD_NULL) || !f->value.n || lw_str_eq_c(f->value, "-"))
        return LW_STR_NULL;
    return f->value;
}

static lw_str first_of(lw_str a, lw_str b)
{
    return a.n ? a : b;
}

/* First element of a comma-joined set (Zeek tx_hosts, resp_mime_types). */
static lw_str set_first(lw_str s)
{
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] == ',')
            return (lw_str){s.p, i};
    return s;
}

/* Last path segment of a URL, URI or file path, without query and fragment. */
static lw_str base_name(lw_str s)
{
    size_t end = s.n;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] == '?' || s.p[i] == '#') {
            end = i;
            break;
        }
    size_t start = 0;
    const char *sch = NULL;
    for (size_t i = 0; i + 2 < end; i++)
        if (s.p[i] == ':' && s.p[i + 1] == '/' && s.p[i + 2] == '/') {
            sch = s.p + i + 3; /* absolute URL: the host is not a file name */
            break;
        }
    if (sch) {
        size_t h = (size_t)(sch - s.p);
        while (h < end && s.p[h] != '/')
            h++;
        if (h >= end)
            return LW_STR_NULL;
        start = h;
    }
    for (size_t i = start; i < end; i++)
        if (s.p[i] == '/' || s.p[i] == '\\')
            start = i + 1;
    return (lw_str){s.p + start, end - start};
}

static lw_str extension(lw_str name)
{
    for (size_t i = name.n; i > 0; i--)
        if (name.p[i - 1] == '.')
            return (lw_str){name.p + i, name.n - i};
    return LW_STR_NULL;
}

static bool in_list(lw_str v, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (lw_str_ieq_c(v, list[i]))
            return true;
    return false;
}

/* Downloads that start code or carry it (docs/correlation.md).  Plain .js is left out:
 * every web page loads scripts. */
static const char *const risky_ext[] = {
    "exe",
    "dll",
    "scr",
    "msi",
    "msix",
    "msixbundle",
    "appx",
    "appxbundle",
    "appinstaller",
    "hta",
    "jse",
    "vbs",
    "vbe",
    "wsf",
    "wsh",
    "lnk",
    "url",
    "scf",
    "bat",
    "cmd",
    "ps1",
    "psm1",
    "cpl",
    "iso",
    "img",
    "vhd",
    "vhdx",
    "zip",
    "rar",
    "7z",
    "cab",
    "jar",
    "docm",
    "xlsm",
    "pptm",
    "dotm",
    "xlam",
    "one",
    "chm",
    "reg",
    "search-ms",
    "library-ms",
    "settingcontent-ms",
    NULL,
};

static const char *const risky_mime[] = {
    "application/x-dosexec",
    "application/x-msdownload",
    "application/x-msdos-program",
    "application/x-executable",
    "application/vnd.microsoft.portable-executable",
    "application/x-msi",
    "application/x-ms-installer",
    "application/x-ole-storage",
    "application/hta",
    "application/x-ms-shortcut",
    "application/x-iso9660-image",
    "application/x-rar",
    "application/x-rar-compressed",
    "application/vnd.rar",
    "application/x-7z-compressed",
    "application/zip",
    "application/x-zip-compressed",
    "application/vnd.ms-cab-compressed",
    "application/java-archive",
    "application/x-bat",
    "application/vnd.ms-htmlhelp",
    "application/vnd.ms-appx",
    "application/msix",
    "application/appinstaller",
    NULL,
};

static const char *const risky_magic[] = {
    "PE32",
    "MS-DOS executable",
    "MS Windows shortcut",
    "Composite Document File V2",
    "ISO 9660",
    "Microsoft Cabinet",
    "Zip archive",
    "RAR archive",
    "7-zip archive",
    NULL,
};

/* A MIME list ("a/b; charset=x, c/d") naming a risky type. */
static bool mime_risky(lw_str m)
{
    size_t i = 0;
    while (i < m.n) {
        size_t j = i;
        while (j < m.n && m.p[j] != ',')
            j++;
        lw_str one = {m.p + i, j - i};
        for (size_t k = 0; k < one.n; k++)
            if (one.p[k] == ';') {
                one.n = k;
                break;
            }
        if (in_list(lw_str_trim(one), risky_mime))
            return true;
        i = j + 1;
    }
    return false;
}

static bool magic_risky(lw_str m)
{
    for (size_t i = 0; risky_magic[i]; i++)
        if (lw_str_ifind(m, lw_str_c(risky_magic[i])) >= 0)
            return true;
    return false;
}

static int port_of(lw_str s)
{
    int64_t v;
    if (!s.n || !lw_str_to_i64(s, &v) || v < 0 || v > 65535)
        return -1;
    return (int)v;
}

/* An IP address a host uses for itself (not loopback, unspecified, link-local or
 * multicast). */
static bool usable_ip(lw_str ip)
{
    if (!ip.n || ip.n > IP_MAX)
        return false;
    bool colon = false;
    for (size_t i = 0; i < ip.n; i++) {
        char c = ip.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
              c == '.' || c == ':'))
            return false;
        colon |= c == ':';
    }
    if (!colon) {
        static const char *const bad4[] = {"127.", "0.",   "169.254.",
                                           "224.", "239.", "255.255.255.255"};
        for (size_t i = 0; i < sizeof bad4 / sizeof bad4[0]; i++)
            if (lw_str_istarts(ip, lw_str_c(bad4[i])))
                return false;
        return true;
    }
    return !(lw_str_eq_c(ip, "::") || lw_str_eq_c(ip, "::1") ||
             lw_str_istarts(ip, LW_STR_LIT("fe80:")) || lw_str_istarts(ip, LW_STR_LIT("ff")));
}

static bool is_v4(const char *ip)
{
    return !strchr(ip, ':');
}

/* The host time given the event's UtcTime value as fv() reads it. */
static int64_t host_time_of(const lw_event *ev, lw_str utc)
{
    int64_t t;
    if (ev->product == LW_PRODUCT_WINDOWS && utc.n && utc.n < 64 && lw_parse_time(utc, &t))
        return t;
    return ev->time_ms;
}

int64_t lw_evstore_host_time(const lw_event *ev)
{
    return host_time_of(ev, ev->product == LW_PRODUCT_WINDOWS ? fv(ev, "UtcTime") : LW_STR_NULL);
}

static bool is_cat(const lw_event *ev, lw_category c)
{
    return (ev->cats >> c) & 1u;
}

/* ---- classification ------------------------------------------------------------- */

static bool chan(const lw_event *ev, const char *c)
{
    return lw_str_ieq_c(ev->channel, c);
}

/* Is ev a network record of a risky transfer (K_TRANSFER), a Zeek pe record (K_PE), or
 * neither?  ni gets views into ev. */
static uint8_t classify(const lw_event *ev, netinfo *ni)
{
    memset(ni, 0, sizeof *ni);
    ni->port = -1;
    if (ev->product == LW_PRODUCT_ZEEK && chan(ev, "zeek/pe")) {
        ni->fuid = fv(ev, "id");
        return ni->kind = ni->fuid.n ? K_PE : K_NONE;
    }
    lw_str mime = LW_STR_NULL, magic = LW_STR_NULL;
    if (ev->product == LW_PRODUCT_ZEEK && chan(ev, "zeek/files")) {
        if (lw_str_ieq_c(fv(ev, "is_orig"), "true"))
            return K_NONE; /* sent by the connection's originator: an upload */
        ni->client = first_of(fv(ev, "id.orig_h"), set_first(fv(ev, "rx_hosts")));
        ni->server = first_of(fv(ev, "id.resp_h"), set_first(fv(ev, "tx_hosts")));
        ni->port = port_of(fv(ev, "id.resp_p"));
        mime = fv(ev, "mime_type");
        ni->uid = first_of(fv(ev, "uid"), set_first(fv(ev, "conn_uids")));
        ni->fuid = fv(ev, "fuid");
    } else if ((ev->product == LW_PRODUCT_ZEEK && chan(ev, "zeek/http")) ||
               (ev->product == LW_PRODUCT_SURICATA &&
                (chan(ev, "suricata/http") || chan(ev, "suricata/fileinfo"))) ||
               (ev->product == LW_PRODUCT_PROXY &&
                lw_str_istarts(ev->channel, LW_STR_LIT("proxy/")))) {
        lw_str m = fv(ev, "cs-method");
        if (lw_str_ieq_c(m, "POST") || lw_str_ieq_c(m, "PUT"))
            return K_NONE;
        lw_str st = fv(ev, "sc-status");
        if (st.n && (st.p[0] == '3' || st.p[0] == '4' || st.p[0] == '5'))
            return K_NONE;
        ni->client = fv(ev, "c-ip");
        ni->server = fv(ev, "dst_ip");
        ni->port = port_of(fv(ev, "dst_port"));
        ni->host = fv(ev, "cs-host");
        mime = fv(ev, "sc-content-type");
        magic = fv(ev, "fileinfo.magic");
        ni->uid = fv(ev, "uid");
        ni->fuids = fv(ev, "resp_fuids");
    } else {
        return K_NONE;
    }
    ni->fname = fv(ev, "DownloadFileName");
    if (!ni->client.n)
        return K_NONE;
    bool risky = (mime.n && mime_risky(mime)) || (magic.n && magic_risky(magic)) ||
                 (ni->fname.n && in_list(extension(ni->fname), risky_ext));
    return ni->kind = risky ? K_TRANSFER : K_NONE;
}

/* ---- host table ----------------------------------------------------------------- */

static uint64_t name_hash(lw_str s)
{
    return lw_str_ihash(s);
}

static host_ent *host_find(const lw_evstore *s, lw_str name)
{
    if (!s->nhb || !name.n)
        return NULL;
    uint32_t i = s->hbuckets[name_hash(name) & (s->nhb - 1)];
    while (i != NONE) {
        host_ent *e = &s->hosts[i];
        if (lw_str_ieq((lw_str){e->name, e->nlen}, name))
            return e;
        i = e->next;
    }
    return NULL;
}

static lw_status host_learn(lw_evstore *s, lw_str name, lw_str ip, int64_t t)
{
    if (!name.n || name.n > MAX_NAME_BYTES || !usable_ip(ip))
        return LW_OK;
    host_ent *e = host_find(s, name);
    if (!e) {
        if (s->nhosts >= s->o.max_hosts) {
            s->st.hosts_dropped++;
            return LW_OK;
        }
        if (!s->nhb) {
            size_t nb = 1024;
            while (nb < s->o.max_hosts && nb < (1u << 20))
                nb <<= 1;
            s->hbuckets = malloc(nb * sizeof *s->hbuckets);
            if (!s->hbuckets)
                return LW_ENOMEM;
            memset(s->hbuckets, 0xff, nb * sizeof *s->hbuckets);
            s->nhb = nb;
        }
        if (s->nhosts == s->caphosts) {
            size_t nc = s->caphosts ? s->caphosts * 2 : 64;
            host_ent *nh = realloc(s->hosts, nc * sizeof *nh);
            if (!nh)
                return LW_ENOMEM;
            s->hosts = nh;
            s->caphosts = nc;
        }
        char *nm = malloc(name.n + 1);
        if (!nm)
            return LW_ENOMEM;
        for (size_t i = 0; i < name.n; i++)
            nm[i] = (char)lw_lower((unsigned char)name.p[i]);
        nm[name.n] = '\0';
        uint32_t idx = (uint32_t)s->nhosts++;
        e = &s->hosts[idx];
        memset(e, 0, sizeof *e);
        e->name = nm;
        e->nlen = name.n;
        size_t b = name_hash(name) & (s->nhb - 1);
        e->next = s->hbuckets[b];
        s->hbuckets[b] = idx;
        s->st.hosts++;
    }
    for (uint8_t i = 0; i < e->nips; i++)
        if (lw_str_ieq(lw_str_c(e->ips[i].ip), ip)) {
            if (t > e->ips[i].t)
                e->ips[i].t = t;
            return LW_OK;
        }
    /* Keep the LW_EV_HOST_IPS newest by (time, address): a set that does not depend on
     * the order the events came in. */
    uint8_t slot = e->nips;
    if (slot == LW_EV_HOST_IPS) {
        slot = 0;
        for (uint8_t i = 1; i < e->nips; i++)
            if (e->ips[i].t < e->ips[slot].t ||
                (e->ips[i].t == e->ips[slot].t && strcmp(e->ips[i].ip, e->ips[slot].ip) > 0))
                slot = i;
        char tmp[IP_MAX + 1];
        memcpy(tmp, ip.p, ip.n);
        tmp[ip.n] = '\0';
        if (t < e->ips[slot].t || (t == e->ips[slot].t && strcmp(tmp, e->ips[slot].ip) > 0))
            return LW_OK;
    } else {
        e->nips++;
    }
    memcpy(e->ips[slot].ip, ip.p, ip.n);
    e->ips[slot].ip[ip.n] = '\0';
    e->ips[slot].t = t;
    return LW_OK;
}

/* The address a computer uses now: its newest IPv4, else its newest address. */
static const char *host_ip(const host_ent *e)
{
    const char *best = NULL;
    int64_t bt = INT64_MIN;
    for (int pass = 0; pass < 2 && !best; pass++)
        for (uint8_t i = 0; i < e->nips; i++) {
            if (pass == 0 && !is_v4(e->ips[i].ip))
                continue;
            if (!best || e->ips[i].t > bt ||
                (e->ips[i].t == bt && strcmp(e->ips[i].ip, best) < 0)) {
                best = e->ips[i].ip;
                bt = e->ips[i].t;
            }
        }
    return best;
}

/* ---- record store --------------------------------------------------------------- */

lw_status lw_evstore_new(const lw_evidence_options *opt, lw_evstore **out)
{
    *out = NULL;
    if (opt && opt->max_clock_skew_ms < 0)
        return LW_EINVAL;
    lw_evstore *s = calloc(1, sizeof *s);
    if (!s)
        return LW_ENOMEM;
    if (opt)
        s->o = *opt;
    if (!s->o.max_clock_skew_ms)
        s->o.max_clock_skew_ms = DEF_SKEW_MS;
    if (!s->o.max_records)
        s->o.max_records = DEF_RECORDS;
    if (s->o.max_records > (1u << 24))
        s->o.max_records = 1u << 24;
    if (!s->o.max_per_alert)
        s->o.max_per_alert = DEF_PER_ALERT;
    if (s->o.max_per_alert > 4096)
        s->o.max_per_alert = 4096;
    if (!s->o.max_hosts)
        s->o.max_hosts = DEF_HOSTS;
    s->free_head = NONE;
    *out = s;
    return LW_OK;
}

void lw_evstore_free(lw_evstore *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nslots; i++)
        lw_cev_unref(s->recs[i].cev);
    for (size_t i = 0; i < s->nhosts; i++)
        free(s->hosts[i].name);
    free(s->hosts);
    free(s->hbuckets);
    free(s->recs);
    free(s->heap);
    free(s->buckets);
    free(s->items);
    free(s->cand);
    free(s);
}

static bool rec_less(const rec *a, const rec *b)
{
    return a->t != b->t ? a->t < b->t : a->tie < b->tie;
}

static void heap_set(lw_evstore *s, size_t pos, uint32_t slot)
{
    s->heap[pos] = slot;
    s->recs[slot].heap_pos = (uint32_t)pos;
}

static void heap_up(lw_evstore *s, size_t i)
{
    uint32_t x = s->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!rec_less(&s->recs[x], &s->recs[s->heap[p]]))
            break;
        heap_set(s, i, s->heap[p]);
        i = p;
    }
    heap_set(s, i, x);
}

static void heap_down(lw_evstore *s, size_t i)
{
    uint32_t x = s->heap[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= s->nheap)
            break;
        if (l + 1 < s->nheap && rec_less(&s->recs[s->heap[l + 1]], &s->recs[s->heap[l]]))
            l++;
        if (!rec_less(&s->recs[s->heap[l]], &s->recs[x]))
            break;
        heap_set(s, i, s->heap[l]);
        i = l;
    }
    heap_set(s, i, x);
}

static uint64_t rec_key_hash(const netinfo *ni)
{
    return ni->kind == K_PE ? name_hash(ni->fuid) * 31 + 2 : name_hash(ni->client) * 31 + 1;
}

/* Remove the oldest record (heap top). */
static void evict_min(lw_evstore *s)
{
    uint32_t slot = s->heap[0];
    rec *r = &s->recs[slot];
    s->nheap--;
    if (s->nheap) {
        heap_set(s, 0, s->heap[s->nheap]);
        heap_down(s, 0);
    }
    if (r->prev != NONE)
        s->recs[r->prev].next = r->next;
    else
        s->buckets[r->bucket] = r->next;
    if (r->next != NONE)
        s->recs[r->next].prev = r->prev;
    lw_cev_unref(r->cev);
    r->cev = NULL;
    r->next = s->free_head;
    s->free_head = slot;
    s->st.dropped++;
}

lw_status lw_evstore_keep(lw_evstore *s, const lw_event *ev, const char *path)
{
    if (ev->time_ms == INT64_MIN)
        return LW_OK; /* cannot be placed in time */
    if (!s->buckets) {
        size_t nb = 1024;
        while (nb < s->o.max_records)
            nb <<= 1;
        s->buckets = malloc(nb * sizeof *s->buckets);
        s->heap = malloc(s->o.max_records * sizeof *s->heap);
        if (!s->buckets || !s->heap)
            return LW_ENOMEM;
        memset(s->buckets, 0xff, nb * sizeof *s->buckets);
        s->nbuckets = nb;
    }
    lw_cev *c = NULL;
    lw_status st = lw_cev_new(ev, path, &s->acct, &c);
    if (st)
        return st;
    s->st.seen++;
    rec nr = {.cev = c, .t = c->ev.time_ms, .tie = c->tie};
    if (s->nheap == s->o.max_records) {
        if (rec_less(&nr, &s->recs[s->heap[0]])) {
            s->st.dropped++; /* older than everything held: the newest N are kept */
            lw_cev_unref(c);
            return LW_OK;
        }
        evict_min(s);
    }
    if (classify(&c->ev, &nr.ni) == K_NONE) {
        lw_cev_unref(c); /* observe said otherwise; cannot happen for the same event */
        return LW_OK;
    }
    uint32_t slot;
    if (s->free_head != NONE) {
        slot = s->free_head;
        s->free_head = s->recs[slot].next;
    } else {
        if (s->nslots == s->capslots) {
            size_t nc = s->capslots ? s->capslots * 2 : 256;
            if (nc > s->o.max_records)
                nc = s->o.max_records;
            rec *nrp = realloc(s->recs, nc * sizeof *nrp);
            if (!nrp) {
                lw_cev_unref(c);
                return LW_ENOMEM;
            }
            s->recs = nrp;
            s->capslots = nc;
        }
        slot = (uint32_t)s->nslots++;
    }
    rec *r = &s->recs[slot];
    *r = nr;
    r->bucket = (uint32_t)(rec_key_hash(&r->ni) & (s->nbuckets - 1));
    r->prev = NONE;
    r->next = s->buckets[r->bucket];
    if (r->next != NONE)
        s->recs[r->next].prev = slot;
    s->buckets[r->bucket] = slot;
    s->heap[s->nheap++] = slot;
    heap_up(s, s->nheap - 1);
    if (s->nheap > s->st.held_peak)
        s->st.held_peak = s->nheap;
    if (s->acct.peak_bytes > s->st.bytes_peak)
        s->st.bytes_peak = s->acct.peak_bytes;
    return LW_OK;
}

/* ---- per-event work ------------------------------------------------------------- */

/* Add name=value unless present; value is copied into the event arena when copy. */
static lw_status add_field(lw_event *ev, const char *name, lw_str value, bool copy)
{
    if (!value.n || lw_event_find(ev, lw_str_c(name)))
        return LW_OK;
    return copy ? lw_event_add_copy(ev, lw_str_c(name), value, 0)
                : lw_event_add(ev, lw_str_c(name), value, 0);
}

/* DownloadFileName: the file name a network transfer carries, %XX-decoded. */
static lw_status add_download_name(lw_event *ev, lw_str raw)
{
    lw_str b = base_name(raw);
    if (!b.n || b.n > 1024)
        return LW_OK;
    if (!memchr(b.p, '%', b.n))
        return add_field(ev, "DownloadFileName", b, false);
    char tmp[1024];
    size_t n = 0;
    for (size_t i = 0; i < b.n; i++) {
        int h1, h2;
        if (b.p[i] == '%' && i + 2 < b.n + 0 && (h1 = lw_hexval((unsigned char)b.p[i + 1])) >= 0 &&
            (h2 = lw_hexval((unsigned char)b.p[i + 2])) >= 0 && (h1 || h2)) {
            tmp[n++] = (char)(h1 * 16 + h2);
            i += 2;
        } else {
            tmp[n++] = b.p[i];
        }
    }
    return add_field(ev, "DownloadFileName", (lw_str){tmp, n}, true);
}

/* The fields of a Sysmon 3 the host table learns from, each as fv() would return it (the
 * first field of that name decides), found in one pass instead of one lw_event_find each:
 * network events are a large share of a Sysmon log. */
typedef struct sysmon3 {
    lw_str initiated, src_ip, dst_ip, utc;
} sysmon3;

static void pick3(const lw_event *ev, sysmon3 *out)
{
    static const struct {
        const char *name;
        size_t len, off;
    } want[] = {
        {"Initiated", 9, offsetof(sysmon3, initiated)},
        {"SourceIp", 8, offsetof(sysmon3, src_ip)},
        {"DestinationIp", 13, offsetof(sysmon3, dst_ip)},
        {"UtcTime", 7, offsetof(sysmon3, utc)},
    };
    enum { NWANT = sizeof want / sizeof want[0] };
    bool seen[NWANT] = {false};
    unsigned left = NWANT;
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < ev->nfields && left; i++) {
        const lw_field *f = &ev->fields[i];
        for (unsigned k = 0; k < NWANT; k++) {
            if (seen[k] || f->name.n != want[k].len ||
                !lw_str_ieq(f->name, (lw_str){want[k].name, want[k].len}))
                continue;
            seen[k] = true;
            left--;
            if (!(f->flags & LW_FIELD_NULL) && f->value.n && !lw_str_eq_c(f->value, "-"))
                *(lw_str *)((char *)out + want[k].off) = f->value;
            break;
        }
    }
}

lw_status lw_evstore_observe(lw_evstore *s, lw_event *ev, bool *keep)
{
    *keep = false;
    lw_status st = LW_OK;
    if (ev->product == LW_PRODUCT_WINDOWS) {
        if (ev->event_id == 3 && is_cat(ev, LW_CAT_NETWORK_CONNECTION)) {
            sysmon3 f;
            pick3(ev, &f);
            bool inbound = lw_str_ieq_c(f.initiated, "false");
            lw_str ip = inbound ? f.dst_ip : f.src_ip;
            int64_t t = host_time_of(ev, f.utc);
            if ((st = host_learn(s, ev->host, ip, t)))
                return st;
        }
        if (is_cat(ev, LW_CAT_PROCESS_CREATION)) {
            /* Only here: the field depends on the Sysmon 3 events read before, so it is
             * kept to the events the network chain needs it on. */
            host_ent *e = host_find(s, ev->host);
            const char *ip = e ? host_ip(e) : NULL;
            if (ip && (st = add_field(ev, "HostIp", lw_str_c(ip), true)))
                return st;
            lw_str img = fv(ev, "Image");
            if (img.n && (st = add_field(ev, "ImageFileName", base_name(img), false)))
                return st;
        }
        return LW_OK;
    }
    if (ev->product == LW_PRODUCT_ZEEK && chan(ev, "zeek/files"))
        st = add_download_name(ev, fv(ev, "filename"));
    else if (ev->product == LW_PRODUCT_SURICATA && chan(ev, "suricata/fileinfo"))
        st = add_download_name(ev, first_of(fv(ev, "fileinfo.filename"), fv(ev, "c-uri")));
    else if (ev->product != LW_PRODUCT_WINDOWS && ev->product != LW_PRODUCT_NONE)
        st = add_download_name(ev, first_of(fv(ev, "c-uri-stem"), fv(ev, "c-uri")));
    if (st)
        return st;
    netinfo ni;
    *keep = classify(ev, &ni) != K_NONE;
    return LW_OK;
}

/* ---- the join ------------------------------------------------------------------- */

typedef struct server_key {
    lw_str host; /* IP literal or name */
    int port;    /* -1 any */
} server_key;

typedef struct chain_ctx {
    lw_str clients[MAX_CTX];
    size_t nclients;
    server_key servers[MAX_CTX];
    size_t nservers;
    lw_str names[MAX_CTX];
    size_t nnames;
    int64_t times[MAX_CTX];
    size_t ntimes;
} chain_ctx;

static void add_str(lw_str *arr, size_t *n, lw_str v)
{
    if (!v.n || *n == MAX_CTX)
        return;
    for (size_t i = 0; i < *n; i++)
        if (lw_str_ieq(arr[i], v))
            return;
    arr[(*n)++] = v;
}

static void add_server(chain_ctx *c, lw_str host, int port)
{
    if (!host.n || c->nservers == MAX_CTX)
        return;
    for (size_t i = 0; i < c->nservers; i++)
        if (c->servers[i].port == port && lw_str_ieq(c->servers[i].host, host))
            return;
    c->servers[c->nservers++] = (server_key){host, port};
}

/* Host and port of an http/https/ftp URL (port: explicit or the scheme's default). */
static bool url_server(lw_str u, lw_str *host, int *port)
{
    int def;
    size_t i;
    if (lw_str_istarts(u, LW_STR_LIT("http://"))) {
        def = 80;
        i = 7;
    } else if (lw_str_istarts(u, LW_STR_LIT("https://"))) {
        def = 443;
        i = 8;
    } else if (lw_str_istarts(u, LW_STR_LIT("ftp://"))) {
        def = 21;
        i = 6;
    } else {
        return false;
    }
    size_t end = i;
    while (end < u.n && u.p[end] != '/' && u.p[end] != '?' && u.p[end] != '#' && u.p[end] != '\\')
        end++;
    lw_str auth = {u.p + i, end - i};
    for (size_t k = auth.n; k > 0; k--)
        if (auth.p[k - 1] == '@') {
            auth.p += k;
            auth.n -= k;
            break;
        }
    *port = def;
    if (auth.n && auth.p[0] == '[') {
        size_t k = 1;
        while (k < auth.n && auth.p[k] != ']')
            k++;
        if (k >= auth.n)
            return false;
        *host = (lw_str){auth.p + 1, k - 1};
        if (k + 1 < auth.n && auth.p[k + 1] == ':')
            *port = port_of((lw_str){auth.p + k + 2, auth.n - k - 2});
    } else {
        size_t k = 0;
        while (k < auth.n && auth.p[k] != ':')
            k++;
        *host = (lw_str){auth.p, k};
        if (k < auth.n)
            *port = port_of((lw_str){auth.p + k + 1, auth.n - k - 1});
    }
    return host->n > 0;
}

static void ctx_url(chain_ctx *c, lw_str u)
{
    lw_str h;
    int p;
    if (url_server(u, &h, &p)) {
        add_server(c, h, p);
        lw_str b = base_name(u);
        if (extension(b).n)
            add_str(c->names, &c->nnames, b);
    }
}

static void build_ctx(const lw_evstore *s, const lw_calert *ca, chain_ctx *c)
{
    memset(c, 0, sizeof *c);
    static const char *const url_fields[] = {"HostUrl", "ImageHostUrl", "CommandLineTargetHostUrl",
                                             "CommandLineUrl", "c-uri"};
    for (uint32_t i = 0; i < ca->nevs; i++) {
        const lw_event *ev = &ca->evs[i].ev->ev;
        if (c->ntimes < MAX_CTX && lw_evstore_host_time(ev) != INT64_MIN)
            c->times[c->ntimes++] = lw_evstore_host_time(ev);
        if (ev->product == LW_PRODUCT_WINDOWS) {
            host_ent *e = host_find(s, ev->host);
            for (uint8_t k = 0; e && k < e->nips; k++)
                add_str(c->clients, &c->nclients, lw_str_c(e->ips[k].ip));
            add_str(c->clients, &c->nclients, fv(ev, "HostIp"));
            if (is_cat(ev, LW_CAT_NETWORK_CONNECTION)) {
                bool inbound = lw_str_ieq_c(fv(ev, "Initiated"), "false");
                lw_str local = fv(ev, inbound ? "DestinationIp" : "SourceIp");
                if (usable_ip(local))
                    add_str(c->clients, &c->nclients, local);
                if (!inbound)
                    add_server(c, fv(ev, "DestinationIp"), port_of(fv(ev, "DestinationPort")));
            }
            lw_str tf = first_of(fv(ev, "TargetFilenameBase"), fv(ev, "TargetFilename"));
            add_str(c->names, &c->nnames, base_name(tf));
            if (is_cat(ev, LW_CAT_PROCESS_CREATION))
                add_str(c->names, &c->nnames, base_name(fv(ev, "Image")));
            if (lw_str_ieq_c(fv(ev, "CommandLineTargetKind"), "file"))
                add_str(c->names, &c->nnames, base_name(fv(ev, "CommandLineTarget")));
        } else {
            {
                lw_str cl = first_of(fv(ev, "c-ip"), fv(ev, "id.orig_h"));
                add_str(c->clients, &c->nclients, cl);
                add_server(c, first_of(fv(ev, "dst_ip"), fv(ev, "id.resp_h")),
                           port_of(first_of(fv(ev, "dst_port"), fv(ev, "id.resp_p"))));
                add_server(c, fv(ev, "cs-host"), port_of(fv(ev, "dst_port")));
                add_str(c->names, &c->nnames, fv(ev, "DownloadFileName"));
            }
        }
        for (size_t k = 0; k < sizeof url_fields / sizeof url_fields[0]; k++)
            ctx_url(c, fv(ev, url_fields[k]));
    }
}

/* Offset to the nearest chain time when within the skew window. */
static bool in_window(const lw_evstore *s, const chain_ctx *c, int64_t t, int64_t *off)
{
    bool ok = false;
    int64_t best = 0;
    for (size_t i = 0; i < c->ntimes; i++) {
        int64_t d = t - c->times[i];
        int64_t ad = d < 0 ? -d : d;
        if (ad <= s->o.max_clock_skew_ms && (!ok || ad < (best < 0 ? -best : best))) {
            ok = true;
            best = d;
        }
    }
    *off = best;
    return ok;
}

static bool server_match(const chain_ctx *c, const netinfo *ni, lw_str *srv)
{
    for (size_t i = 0; i < c->nservers; i++) {
        const server_key *k = &c->servers[i];
        bool port_ok = k->port < 0 || ni->port < 0 || k->port == ni->port;
        if (!port_ok)
            continue;
        if (ni->server.n && lw_str_ieq(ni->server, k->host)) {
            *srv = ni->server;
            return true;
        }
        if (ni->host.n && lw_str_ieq(ni->host, k->host)) {
            *srv = ni->host;
            return true;
        }
    }
    return false;
}

static bool name_match(const chain_ctx *c, const netinfo *ni)
{
    for (size_t i = 0; ni->fname.n && i < c->nnames; i++)
        if (lw_str_ieq(ni->fname, c->names[i]))
            return true;
    return false;
}

static lw_status cand_push(lw_evstore *s, uint32_t slot, const char *by, lw_str server, int64_t off)
{
    rec *r = &s->recs[slot];
    if (r->mark == s->epoch)
        return LW_OK;
    r->mark = s->epoch;
    if (s->ncand == s->capcand) {
        size_t nc = s->capcand ? s->capcand * 2 : 16;
        uint32_t *np = realloc(s->cand, nc * sizeof *np);
        lw_evidence_item *ni = realloc(s->items, nc * sizeof *ni);
        if (np)
            s->cand = np;
        if (ni)
            s->items = ni;
        if (!np || !ni)
            return LW_ENOMEM;
        s->capcand = nc;
    }
    s->cand[s->ncand] = slot;
    s->items[s->ncand] = (lw_evidence_item){
        &r->cev->ev, by, r->ni.client, server.n ? server : r->ni.server, r->ni.port, off};
    s->ncand++;
    return LW_OK;
}

static int cmp_items(const void *a, const void *b)
{
    const lw_evidence_item *x = a, *y = b;
    const lw_cev *cx = (const lw_cev *)((const char *)x->ev - offsetof(lw_cev, ev));
    const lw_cev *cy = (const lw_cev *)((const char *)y->ev - offsetof(lw_cev, ev));
    if (x->ev->time_ms != y->ev->time_ms)
        return x->ev->time_ms < y->ev->time_ms ? -1 : 1;
    if (cx->tie != cy->tie)
        return cx->tie < cy->tie ? -1 : 1;
    return 0;
}

/* Walk the records held under key (client IP or fuid). */
#define FOR_BUCKET(s, kind_, key, slot)                                                            \
    for (uint32_t slot = (s)->nbuckets                                                             \
                             ? (s)->buckets[(name_hash(key) * 31 + (kind_)) & ((s)->nbuckets - 1)] \
                             : NONE;                                                               \
         slot != NONE; slot = (s)->recs[slot].next)

lw_status lw_evstore_attach(lw_evstore *s, const lw_calert *ca, const lw_evidence_item **items,
                            uint32_t *n, uint64_t *omitted)
{
    *items = NULL;
    *n = 0;
    *omitted = 0;
    if (!ca || !s->nheap)
        return LW_OK;
    chain_ctx c;
    build_ctx(s, ca, &c);
    if (!c.nclients) {
        s->st.no_host_ip++;
        return LW_OK;
    }
    s->ncand = 0;
    if (++s->epoch == 0)
        ++s->epoch;
    lw_status st = LW_OK;
    /* 1. transfers of this computer within the window, to the chain's server or with the
     * chain's file name */
    for (size_t i = 0; i < c.nclients && !st; i++)
        FOR_BUCKET(s, K_TRANSFER, c.clients[i], slot)
        {
            rec *r = &s->recs[slot];
            int64_t off;
            if (r->ni.kind != K_TRANSFER || !lw_str_ieq(r->ni.client, c.clients[i]) ||
                !in_window(s, &c, r->t, &off))
                continue;
            lw_str srv = LW_STR_NULL;
            if (server_match(&c, &r->ni, &srv))
                st = cand_push(s, slot, "server", srv, off);
            else if (name_match(&c, &r->ni))
                st = cand_push(s, slot, "file", LW_STR_NULL, off);
            if (st)
                break;
        }
    size_t direct = s->ncand;
    /* 2. records of the same Zeek connection (files.log and http.log share uid) */
    for (size_t i = 0; i < c.nclients && !st && direct; i++)
        FOR_BUCKET(s, K_TRANSFER, c.clients[i], slot)
        {
            rec *r = &s->recs[slot];
            int64_t off;
            if (r->mark == s->epoch || r->ni.kind != K_TRANSFER || !r->ni.uid.n ||
                !lw_str_ieq(r->ni.client, c.clients[i]) || !in_window(s, &c, r->t, &off))
                continue;
            for (size_t k = 0; k < direct; k++)
                if (lw_str_ieq(s->recs[s->cand[k]].ni.uid, r->ni.uid)) {
                    st = cand_push(s, slot, "uid", LW_STR_NULL, off);
                    break;
                }
            if (st)
                break;
        }
    /* 3. Zeek pe records of the attached files (fuid, or http.log resp_fuids) */
    size_t linked = s->ncand;
    for (size_t k = 0; k < linked && !st; k++) {
        const netinfo *ni = &s->recs[s->cand[k]].ni;
        lw_str list = ni->fuid.n ? ni->fuid : ni->fuids;
        size_t a = 0;
        while (a < list.n && !st) {
            size_t b = a;
            while (b < list.n && list.p[b] != ',')
                b++;
            lw_str fuid = lw_str_trim((lw_str){list.p + a, b - a});
            if (fuid.n)
                FOR_BUCKET(s, K_PE, fuid, slot)
                {
                    rec *r = &s->recs[slot];
                    int64_t off;
                    if (r->ni.kind == K_PE && lw_str_ieq(r->ni.fuid, fuid)) {
                        in_window(s, &c, r->t, &off);
                        if ((st = cand_push(s, slot, "fuid", LW_STR_NULL, off)))
                            break;
                    }
                }
            a = b + 1;
        }
    }
    if (st)
        return st;
    if (!s->ncand)
        return LW_OK;
    qsort(s->items, s->ncand, sizeof *s->items, cmp_items);
    if (s->ncand > s->o.max_per_alert) {
        *omitted = s->ncand - s->o.max_per_alert;
        s->ncand = s->o.max_per_alert;
    }
    s->st.alerts++;
    s->st.attached += s->ncand;
    s->st.omitted += *omitted;
    *items = s->items;
    *n = (uint32_t)s->ncand;
    return LW_OK;
}

void lw_evstore_stats(const lw_evstore *s, lw_evidence_stats *st)
{
    *st = s->st;
}
