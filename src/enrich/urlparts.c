/*
 * URL parts as fields: HostUrl.host, HostUrl.registrable_domain, ... so a rule can test the
 * domain of a download or of a URL on a command line without a regular expression.  The
 * parsing is src/intel/url.h's (one URL parser in the project); this file only names and
 * stores the parts.
 */
#include "../intel/url.h"
#include "enrich-int.h"

typedef struct uf_names {
    const char *scheme, *host, *port, *domain, *path, *ext, *is_ip;
    const char *intel[3]; /* .score, .verdict, .intel (added by enrich.c with src/intel) */
} uf_names;

#define UF(base)                                                                                   \
    {                                                                                              \
        base ".scheme", base ".host", base ".port", base ".registrable_domain", base ".path",      \
            base ".extension", base ".host_is_ip",                                                 \
        {                                                                                          \
            base ".score", base ".verdict", base ".intel"                                          \
        }                                                                                          \
    }

static const uf_names uf_table[LW_UF__COUNT] = {
    [LW_UF_HOST_URL] = UF("HostUrl"),           [LW_UF_REFERRER_URL] = UF("ReferrerUrl"),
    [LW_UF_CMDLINE_URL] = UF("CommandLineUrl"), [LW_UF_CMDLINE_TARGET] = UF("CommandLineTarget"),
    [LW_UF_QUERY_NAME] = UF("QueryName"),
};

const char *const *lw_url_intel_names(lw_url_field which)
{
    return (unsigned)which < LW_UF__COUNT ? uf_table[which].intel : NULL;
}

static lw_status add(lw_event *ev, const char *name, lw_str v, bool copy, uint64_t *added)
{
    if (copy) {
        char *c = lw_arena_strndup(&ev->arena, v.p ? v.p : "", v.n);
        if (!c)
            return LW_ENOMEM;
        v.p = c;
    }
    lw_status st = lw_event_add(ev, lw_str_c(name), v, 0);
    if (!st)
        (*added)++;
    return st;
}

static int default_port(lw_str scheme)
{
    if (lw_str_ieq_c(scheme, "http") || lw_str_ieq_c(scheme, "ws"))
        return 80;
    if (lw_str_ieq_c(scheme, "https") || lw_str_ieq_c(scheme, "wss"))
        return 443;
    if (lw_str_ieq_c(scheme, "ftp"))
        return 21;
    return -1;
}

bool lw_is_local_path(lw_str s)
{
    s = lw_str_trim(s);
    if (s.n >= 3 && ((s.p[0] | 0x20) >= 'a' && (s.p[0] | 0x20) <= 'z') && s.p[1] == ':' &&
        (s.p[2] == '\\' || s.p[2] == '/'))
        return true; /* C:\ or C:/ (a one-letter "scheme" is a drive) */
    return s.n >= 2 && s.p[0] == '\\' && s.p[1] == '\\'; /* \\server\share */
}

lw_status lw_enrich_url(lw_event *ev, lw_url_field which, lw_str url, uint64_t *added)
{
    if ((unsigned)which >= LW_UF__COUNT || !url.n || url.n > 8192 || lw_is_local_path(url))
        return LW_OK;
    const uf_names *nm = &uf_table[which];
    lw_status st;
    char buf[256];
    lw_str dom, suf;
    if (which == LW_UF_QUERY_NAME) {
        /* A DNS name: only its registrable domain is new information. */
        if (url.n > 253 || lw_url_parse_ipv4(url, &(uint32_t){0}) != LW_IP_NONE)
            return LW_OK;
        if (lw_url_registrable(url, buf, sizeof buf, &dom, &suf) && dom.n)
            return add(ev, nm->domain, dom, true, added);
        return LW_OK;
    }
    lw_url u;
    if (!lw_url_parse(url, &u) || (u.flags & LW_URLF_OPAQUE))
        return LW_OK;
    if (u.scheme.n && (st = add(ev, nm->scheme, u.scheme, false, added)))
        return st;
    if (u.host.n) {
        lw_str h;
        if (lw_url_host_normalize(u.host, buf, sizeof buf, &h) || h.n)
            st = add(ev, nm->host, h, true, added);
        else
            st = add(ev, nm->host, u.host, false, added);
        if (st)
            return st;
    }
    int port = u.port_num >= 0 ? u.port_num : default_port(u.scheme);
    if (port >= 0) {
        char pb[8];
        lw_fmt(pb, sizeof pb, "%d", port);
        if ((st = add(ev, nm->port, lw_str_c(pb), true, added)))
            return st;
    }
    if (u.host.n && !u.host_is_ip && lw_url_registrable(u.host, buf, sizeof buf, &dom, &suf) &&
        dom.n && (st = add(ev, nm->domain, dom, true, added)))
        return st;
    if (u.path.n && (st = add(ev, nm->path, u.path, false, added)))
        return st;
    lw_str ext = lw_url_extension(u.path, NULL);
    if (ext.n && (st = add(ev, nm->ext, ext, false, added)))
        return st;
    if (u.host.n)
        return add(ev, nm->is_ip, lw_str_c(u.host_is_ip ? "true" : "false"), false, added);
    return LW_OK;
}
