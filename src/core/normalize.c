/*
 * Event normalization shared by every Windows decoder: Sigma categories from channel and
 * event id, the System fields rules test, and Security 4688 names mapped onto Sysmon's,
 * so one rule written for process_creation sees both sources the same way.
 */
#include <stdio.h>

#include "event.h"

_Static_assert(LW_CAT__COUNT <= 64, "category bits must fit in ev->cats");

#define CAT(c) (1ULL << (c))

static const char SYSMON_CHANNEL[] = "Microsoft-Windows-Sysmon/Operational";
static const char PS_CHANNEL[] = "Microsoft-Windows-PowerShell/Operational";
static const char PS_CLASSIC_CHANNEL[] = "Windows PowerShell";

/* Categories of a Sysmon event id; ev (may be NULL) refines registry 12 by EventType. */
static uint64_t sysmon_cats(int32_t event_id, const lw_event *ev)
{
    switch (event_id) {
    case 1:
        return CAT(LW_CAT_PROCESS_CREATION);
    case 2:
        return CAT(LW_CAT_FILE_CHANGE);
    case 3:
        return CAT(LW_CAT_NETWORK_CONNECTION);
    case 4:
    case 16:
        return CAT(LW_CAT_SYSMON_STATUS);
    case 5:
        return CAT(LW_CAT_PROCESS_TERMINATION);
    case 6:
        return CAT(LW_CAT_DRIVER_LOAD);
    case 7:
        return CAT(LW_CAT_IMAGE_LOAD);
    case 8:
        return CAT(LW_CAT_CREATE_REMOTE_THREAD);
    case 9:
        return CAT(LW_CAT_RAW_ACCESS_THREAD);
    case 10:
        return CAT(LW_CAT_PROCESS_ACCESS);
    case 11:
        return CAT(LW_CAT_FILE_EVENT);
    case 12: {
        uint64_t c = CAT(LW_CAT_REGISTRY_EVENT);
        if (!ev)
            return c | CAT(LW_CAT_REGISTRY_ADD) | CAT(LW_CAT_REGISTRY_DELETE);
        const lw_field *t = lw_event_find(ev, LW_STR_LIT("EventType"));
        if (t && lw_str_ieq_c(t->value, "CreateKey"))
            c |= CAT(LW_CAT_REGISTRY_ADD);
        else if (t &&
                 (lw_str_ieq_c(t->value, "DeleteKey") || lw_str_ieq_c(t->value, "DeleteValue")))
            c |= CAT(LW_CAT_REGISTRY_DELETE);
        return c;
    }
    case 13:
        return CAT(LW_CAT_REGISTRY_SET) | CAT(LW_CAT_REGISTRY_EVENT);
    case 14:
        return CAT(LW_CAT_REGISTRY_RENAME) | CAT(LW_CAT_REGISTRY_EVENT);
    case 15:
        return CAT(LW_CAT_CREATE_STREAM_HASH);
    case 17:
    case 18:
        return CAT(LW_CAT_PIPE_CREATED);
    case 19:
    case 20:
    case 21:
        return CAT(LW_CAT_WMI_EVENT);
    case 22:
        return CAT(LW_CAT_DNS_QUERY);
    case 23:
    case 26:
        return CAT(LW_CAT_FILE_DELETE);
    case 24:
        return CAT(LW_CAT_CLIPBOARD_CAPTURE);
    case 25:
        return CAT(LW_CAT_PROCESS_TAMPERING);
    case 27:
        return CAT(LW_CAT_FILE_BLOCK_EXECUTABLE);
    case 28:
        return CAT(LW_CAT_FILE_BLOCK_SHREDDING);
    case 29:
        return CAT(LW_CAT_FILE_EXECUTABLE_DETECTED);
    case 255:
        return CAT(LW_CAT_SYSMON_ERROR);
    default:
        return 0;
    }
}

static bool is_channel(lw_str ev_channel, lw_str ev_provider, const char *channel,
                       const char *provider)
{
    if (ev_channel.n)
        return lw_str_ieq_c(ev_channel, channel);
    return provider && lw_str_ieq_c(ev_provider, provider);
}

/* Network decoders name their channels "<source>/<log type>" (docs/network.md); the
 * category follows from the channel alone, so lw_want_event() works for them too.
 * Returns false when channel is not a network channel. */
static bool net_cats(lw_str channel, uint64_t *cats)
{
    static const struct {
        const char *channel;
        uint64_t cats;
    } map[] = {
        {"zeek/http", CAT(LW_CAT_PROXY)},           {"zeek/dns", CAT(LW_CAT_DNS)},
        {"zeek/conn", CAT(LW_CAT_FIREWALL)},        {"suricata/http", CAT(LW_CAT_PROXY)},
        {"suricata/dns", CAT(LW_CAT_DNS)},          {"suricata/flow", CAT(LW_CAT_FIREWALL)},
        {"suricata/netflow", CAT(LW_CAT_FIREWALL)},
    };
    *cats = 0;
    /* Every network channel starts with p, w, z or s: Windows channels leave here. */
    if (!channel.n)
        return false;
    unsigned char c0 = (unsigned char)(channel.p[0] | 0x20);
    if (c0 != 'p' && c0 != 'w' && c0 != 'z' && c0 != 's')
        return false;
    if (lw_str_istarts(channel, LW_STR_LIT("proxy/"))) {
        *cats = CAT(LW_CAT_PROXY);
        return true;
    }
    if (lw_str_istarts(channel, LW_STR_LIT("webserver/"))) {
        *cats = CAT(LW_CAT_WEBSERVER);
        return true;
    }
    if (!lw_str_istarts(channel, LW_STR_LIT("zeek/")) &&
        !lw_str_istarts(channel, LW_STR_LIT("suricata/")))
        return false;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (lw_str_ieq_c(channel, map[i].channel))
            *cats = map[i].cats;
    return true;
}

/* Categories from the system properties; ev (optional) refines by field values. */
static uint64_t cats_of(lw_str channel, lw_str provider, int32_t id, const lw_event *ev)
{
    uint64_t nc;
    if (net_cats(channel, &nc))
        return nc;
    if (is_channel(channel, provider, SYSMON_CHANNEL, "Microsoft-Windows-Sysmon"))
        return sysmon_cats(id, ev);
    if (is_channel(channel, provider, "Security", "Microsoft-Windows-Security-Auditing"))
        return id == 4688 ? CAT(LW_CAT_PROCESS_CREATION) : 0;
    if (is_channel(channel, provider, PS_CHANNEL, "Microsoft-Windows-PowerShell")) {
        if (id == 4103)
            return CAT(LW_CAT_PS_MODULE);
        return id == 4104 ? CAT(LW_CAT_PS_SCRIPT) : 0;
    }
    if (is_channel(channel, provider, PS_CLASSIC_CHANNEL, "PowerShell")) {
        if (id == 400)
            return CAT(LW_CAT_PS_CLASSIC_START);
        if (id == 600)
            return CAT(LW_CAT_PS_CLASSIC_PROVIDER_START);
        return id == 800 ? CAT(LW_CAT_PS_CLASSIC_SCRIPT) : 0;
    }
    return 0;
}

uint64_t lw_cats_for(lw_str channel, lw_str provider, int32_t event_id)
{
    return cats_of(channel, provider, event_id, NULL);
}

bool lw_want_event(const lw_want *want, lw_str channel, lw_str provider, int32_t event_id)
{
    if (!want || want->all)
        return true;
    if (want->cats & cats_of(channel, provider, event_id, NULL))
        return true;
    for (unsigned i = 0; i < want->nchannels; i++)
        if (lw_str_ieq_c(channel, want->channels[i]))
            return true;
    return false;
}

/* Add name=value unless the event already has a field of that name. */
static lw_status add_missing(lw_event *ev, const char *name, lw_str value, uint32_t flags)
{
    lw_str n = lw_str_c(name);
    if (lw_event_find(ev, n))
        return LW_OK;
    return lw_event_add(ev, n, value, flags);
}

static lw_str field_value(const lw_event *ev, const char *name)
{
    const lw_field *f = lw_event_find(ev, lw_str_c(name));
    return f ? f->value : LW_STR_NULL;
}

/* Security 4688 MandatoryLabel SIDs -> Sysmon IntegrityLevel words. */
static const char *integrity_from_label(lw_str sid)
{
    static const struct {
        const char *sid, *level;
    } map[] = {
        {"S-1-16-0", "Untrusted"},     {"S-1-16-4096", "Low"},   {"S-1-16-8192", "Medium"},
        {"S-1-16-8448", "MediumPlus"}, {"S-1-16-12288", "High"}, {"S-1-16-16384", "System"},
        {"S-1-16-20480", "Protected"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (lw_str_ieq_c(sid, map[i].sid))
            return map[i].level;
    return NULL;
}

static lw_status map_4688(lw_event *ev)
{
    lw_status st;
    lw_str parent_pid = field_value(ev, "ProcessId"); /* in 4688 the creator's pid */
    lw_str new_pid = field_value(ev, "NewProcessId");
    if (parent_pid.p && (st = add_missing(ev, "ParentProcessId", parent_pid, 0)))
        return st;
    if (new_pid.p && (st = lw_event_set(ev, LW_STR_LIT("ProcessId"), new_pid, 0)))
        return st;
    lw_str v = field_value(ev, "NewProcessName");
    if (v.p && (st = add_missing(ev, "Image", v, 0)))
        return st;
    v = field_value(ev, "ParentProcessName");
    if (v.p && (st = add_missing(ev, "ParentImage", v, 0)))
        return st;
    v = field_value(ev, "SubjectLogonId");
    if (v.p && (st = add_missing(ev, "LogonId", v, 0)))
        return st;
    v = field_value(ev, "MandatoryLabel");
    const char *il = v.p ? integrity_from_label(v) : NULL;
    if (il && (st = add_missing(ev, "IntegrityLevel", lw_str_c(il), 0)))
        return st;
    /* User: the account the new process runs as.  Target* is set (Windows 10+) when it
     * differs from the creator; otherwise the subject is the user. */
    lw_str dom = field_value(ev, "TargetDomainName"), user = field_value(ev, "TargetUserName");
    if (!user.n || lw_str_eq_c(user, "-")) {
        dom = field_value(ev, "SubjectDomainName");
        user = field_value(ev, "SubjectUserName");
    }
    if (user.n && !lw_event_find(ev, LW_STR_LIT("User"))) {
        size_t n = dom.n + 1 + user.n;
        char *s = lw_arena_alloc(&ev->arena, n + 1);
        if (!s)
            return LW_ENOMEM;
        size_t k = 0;
        if (dom.n) {
            memcpy(s, dom.p, dom.n);
            k = dom.n;
            s[k++] = '\\';
        }
        memcpy(s + k, user.p, user.n);
        k += user.n;
        s[k] = '\0';
        if ((st = lw_event_add(ev, LW_STR_LIT("User"), (lw_str){s, k}, 0)))
            return st;
    }
    return LW_OK;
}

/* n (already known to be as long as lit) equals lit, ASCII case-insensitively: an exact
 * compare of constant length first, the folded one only when the first letters agree. */
#define NAME_IS(n, lit)                                                                            \
    (memcmp((n).p, (lit), sizeof(lit) - 1) == 0 ||                                                 \
     (((unsigned char)(n).p[0] | 0x20) == ((unsigned char)(lit)[0] | 0x20) &&                      \
      lw_str_ieq((n), LW_STR_LIT(lit))))

enum { HAVE_EVENTID = 1, HAVE_CHANNEL = 2, HAVE_PROVIDER = 4, HAVE_COMPUTER = 8 };

/* Which of EventID, Channel, Provider_Name and Computer the event has (ASCII
 * case-insensitive names, like lw_event_find), as HAVE_* bits. */
static unsigned sys_fields_present(const lw_event *ev)
{
    unsigned have = 0;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        lw_str n = ev->fields[i].name;
        switch (n.n) {
        case 7:
            if (NAME_IS(n, "EventID"))
                have |= HAVE_EVENTID;
            else if (NAME_IS(n, "Channel"))
                have |= HAVE_CHANNEL;
            break;
        case 8:
            if (NAME_IS(n, "Computer"))
                have |= HAVE_COMPUTER;
            break;
        case 13:
            if (NAME_IS(n, "Provider_Name"))
                have |= HAVE_PROVIDER;
            break;
        default:
            break;
        }
    }
    return have;
}

/* Decimal digits of v (>= 0) into buf (>= 11 bytes), NUL-terminated; returns the length.
 * Same text as snprintf("%d"), without the formatter's per-call cost. */
static size_t fmt_nonneg(char *buf, int32_t v)
{
    char tmp[12];
    size_t k = 0;
    uint32_t u = (uint32_t)v;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (size_t i = 0; i < k; i++)
        buf[i] = tmp[k - 1 - i];
    buf[k] = '\0';
    return k;
}

lw_status lw_event_normalize(lw_event *ev)
{
    lw_status st;
    if (ev->product == LW_PRODUCT_NONE && (ev->channel.n || ev->provider.n))
        ev->product = LW_PRODUCT_WINDOWS;
    if (ev->product == LW_PRODUCT_ZEEK || ev->product == LW_PRODUCT_SURICATA ||
        ev->product == LW_PRODUCT_PROXY) {
        uint64_t nc;
        if (net_cats(ev->channel, &nc))
            ev->cats |= nc;
    }
    if (ev->product == LW_PRODUCT_WINDOWS) {
        ev->cats |= cats_of(ev->channel, ev->provider, ev->event_id, ev);
        if ((ev->cats & CAT(LW_CAT_PROCESS_CREATION)) && ev->event_id == 4688 &&
            is_channel(ev->channel, ev->provider, "Security",
                       "Microsoft-Windows-Security-Auditing")) {
            if ((st = map_4688(ev)))
                return st;
        }
        /* One pass finds which System fields the decoder already gave (instead of a scan
         * of the whole field list per name); adding one of them cannot change whether
         * another, differently named one is present. */
        unsigned have = sys_fields_present(ev);
        if (ev->event_id >= 0 && !(have & HAVE_EVENTID)) {
            char *s = lw_arena_alloc(&ev->arena, 16);
            if (!s)
                return LW_ENOMEM;
            size_t k = fmt_nonneg(s, ev->event_id);
            if ((st = lw_event_add(ev, LW_STR_LIT("EventID"), (lw_str){s, k},
                                   LW_FIELD_SYSTEM | LW_FIELD_NUMBER)))
                return st;
        }
        if (ev->channel.n && !(have & HAVE_CHANNEL) &&
            (st = lw_event_add(ev, LW_STR_LIT("Channel"), ev->channel, LW_FIELD_SYSTEM)))
            return st;
        if (ev->provider.n && !(have & HAVE_PROVIDER) &&
            (st = lw_event_add(ev, LW_STR_LIT("Provider_Name"), ev->provider, LW_FIELD_SYSTEM)))
            return st;
        if (ev->host.n && !(have & HAVE_COMPUTER) &&
            (st = lw_event_add(ev, LW_STR_LIT("Computer"), ev->host, LW_FIELD_SYSTEM)))
            return st;
    }
    if (ev->time_ms == INT64_MIN) {
        lw_str t = field_value(ev, "UtcTime");
        int64_t ms;
        if (t.p && lw_parse_time(t, &ms))
            ev->time_ms = ms;
    }
    return LW_OK;
}
