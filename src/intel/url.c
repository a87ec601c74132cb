/*
 * url.c - zero-copy URL parser (see url.h).  Written for hostile input: every index is
 * checked against the length, nothing is NUL-terminated, nothing is allocated.
 */
#include "intel/url.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/str.h"

static bool is_alpha(unsigned char c)
{
    return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f');
}

/* Schemes that carry no authority; their "host" is absent by design. */
static bool opaque_scheme(lw_str s)
{
    static const char *const names[] = {"data",  "javascript", "vbscript", "mailto",
                                        "about", "blob",       "tel",      "urn"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (lw_str_ieq_c(s, names[i]))
            return true;
    return false;
}

/* One IPv4 part: decimal, 0x hex or 0 octal.  Returns false if not a number or > 2^32-1. */
static bool ipv4_part(const char *p, size_t n, uint64_t *v, int *radix)
{
    if (n == 0)
        return false;
    int r = 10;
    if (n >= 2 && p[0] == '0' && (p[1] | 32) == 'x') {
        r = 16;
        p += 2;
        n -= 2;
    } else if (n >= 2 && p[0] == '0') {
        r = 8;
        p++;
        n--;
    }
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        unsigned d;
        if (is_digit(c))
            d = c - '0';
        else if (r == 16 && is_hex(c))
            d = (unsigned)((c | 32) - 'a' + 10);
        else
            return false;
        if (d >= (unsigned)r)
            return false;
        acc = acc * (unsigned)r + d;
        if (acc > 0xFFFFFFFFull)
            return false;
    }
    *v = acc;
    *radix = r;
    return true;
}

lw_ip_form lw_url_parse_ipv4(lw_str host, uint32_t *addr)
{
    const char *p = host.p;
    size_t n = host.n;
    if (n == 0 || !p)
        return LW_IP_NONE;
    if (p[n - 1] == '.')
        n--; /* one trailing dot is allowed, as in browsers */
    if (n == 0)
        return LW_IP_NONE;
    uint64_t parts[4];
    int radix[4];
    size_t np = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '.') {
            if (np == 4)
                return LW_IP_NONE;
            if (!ipv4_part(p + start, i - start, &parts[np], &radix[np]))
                return LW_IP_NONE;
            np++;
            start = i + 1;
        }
    }
    /* All but the last part are single bytes; the last fills what remains. */
    for (size_t i = 0; i + 1 < np; i++)
        if (parts[i] > 255)
            return LW_IP_NONE;
    uint64_t limit = np == 1   ? 0xFFFFFFFFull
                     : np == 2 ? 0xFFFFFFull
                     : np == 3 ? 0xFFFFull
                               : 0xFFull;
    if (parts[np - 1] > limit)
        return LW_IP_NONE;
    uint64_t v = 0;
    for (size_t i = 0; i + 1 < np; i++)
        v |= parts[i] << (8 * (3 - i));
    v |= parts[np - 1];
    *addr = (uint32_t)v;
    bool hex = false, oct = false;
    for (size_t i = 0; i < np; i++) {
        hex |= radix[i] == 16;
        oct |= radix[i] == 8;
    }
    if (hex)
        return LW_IP_HEX;
    if (oct)
        return LW_IP_OCTAL;
    if (np == 1)
        return LW_IP_DECIMAL;
    if (np < 4)
        return LW_IP_SHORT;
    return LW_IP_DOTTED;
}

/* inet_pton wants a NUL-terminated string; copy into a bounded stack buffer.  A zone id
 * ("fe80::1%eth0" or "%25eth0") is dropped first. */
static bool parse_ipv6(lw_str h, uint8_t out[16])
{
    char tmp[64];
    size_t n = h.n;
    for (size_t i = 0; i < h.n; i++)
        if (h.p[i] == '%') {
            n = i;
            break;
        }
    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, h.p, n);
    tmp[n] = '\0';
    return inet_pton(AF_INET6, tmp, out) == 1;
}

static void parse_port(lw_url *u)
{
    u->port_num = -1;
    if (u->port.n == 0)
        return;
    if (u->port.n > 5) {
        u->flags |= LW_URLF_BAD_PORT;
        return;
    }
    int v = 0;
    for (size_t i = 0; i < u->port.n; i++) {
        unsigned char c = (unsigned char)u->port.p[i];
        if (!is_digit(c)) {
            u->flags |= LW_URLF_BAD_PORT;
            return;
        }
        v = v * 10 + (c - '0');
    }
    if (v > 65535) {
        u->flags |= LW_URLF_BAD_PORT;
        return;
    }
    u->port_num = v;
}

/* Authority = [userinfo@]host[:port]; a = view of it (already cut at / \ ? #). */
static void parse_authority(lw_str a, lw_url *u)
{
    /* The last '@' wins, as in browsers: "http://a@b@c/" has host c. */
    for (size_t i = a.n; i > 0; i--) {
        if (a.p[i - 1] == '@') {
            u->userinfo = (lw_str){a.p, i - 1};
            u->has_userinfo = true;
            a.p += i;
            a.n -= i;
            break;
        }
    }
    lw_str host = a;
    if (a.n > 0 && a.p[0] == '[') {
        size_t close = 0;
        for (size_t i = 1; i < a.n; i++)
            if (a.p[i] == ']') {
                close = i;
                break;
            }
        if (close == 0) {
            u->flags |= LW_URLF_BAD_IPV6;
            host = (lw_str){a.p + 1, a.n - 1};
        } else {
            host = (lw_str){a.p + 1, close - 1};
            if (close + 1 < a.n && a.p[close + 1] == ':')
                u->port = (lw_str){a.p + close + 2, a.n - close - 2};
        }
        if (parse_ipv6(host, u->ipv6)) {
            u->host_is_ip = true;
            u->ip_form = LW_IP_V6;
        } else {
            u->flags |= LW_URLF_BAD_IPV6;
        }
    } else {
        /* A bare IPv6 address (two or more colons) only makes sense without a port. */
        size_t colons = 0, last = 0;
        for (size_t i = 0; i < a.n; i++)
            if (a.p[i] == ':') {
                colons++;
                last = i;
            }
        if (colons >= 2 && parse_ipv6(a, u->ipv6)) {
            u->host_is_ip = true;
            u->ip_form = LW_IP_V6;
        } else if (colons >= 1) {
            host = (lw_str){a.p, last};
            u->port = (lw_str){a.p + last + 1, a.n - last - 1};
        }
    }
    u->host = host;
    parse_port(u);
    if (host.n == 0) {
        u->flags |= LW_URLF_NO_HOST;
        return;
    }
    if (u->ip_form == LW_IP_NONE) {
        u->ip_form = lw_url_parse_ipv4(host, &u->ipv4);
        u->host_is_ip = u->ip_form != LW_IP_NONE;
    }
    if (host.p[host.n - 1] == '.')
        u->flags |= LW_URLF_TRAILING_DOT;
    if (host.n > 253)
        u->flags |= LW_URLF_TOO_LONG;
    for (size_t i = 0; i < host.n; i++) {
        unsigned char c = (unsigned char)host.p[i];
        if (c == '%')
            u->flags |= LW_URLF_PCT_HOST;
        else if (c >= 0x80)
            u->flags |= LW_URLF_NON_ASCII;
        else if (c <= 0x20 || c == 0x7f)
            u->flags |= LW_URLF_CONTROL;
    }
}

/* Split rest (starting at the path) into path, query, fragment. */
static void parse_tail(lw_str r, lw_url *u)
{
    size_t q = r.n, h = r.n;
    for (size_t i = 0; i < r.n; i++) {
        if (r.p[i] == '#') {
            h = i;
            break;
        }
        if (r.p[i] == '?' && q == r.n)
            q = i;
    }
    if (q > h)
        q = h;
    u->path = (lw_str){r.p, q};
    if (q < h)
        u->query = (lw_str){r.p + q + 1, h - q - 1};
    if (h < r.n)
        u->fragment = (lw_str){r.p + h + 1, r.n - h - 1};
}

bool lw_url_parse(lw_str s, lw_url *u)
{
    memset(u, 0, sizeof *u);
    u->port_num = -1;
    if (!s.p)
        s.n = 0;
    /* Logs quote and pad URLs; strip whitespace, quotes and angle brackets at the ends. */
    while (s.n > 0 && (strchr(" \t\r\n\"'<", s.p[0]) != NULL && s.p[0] != '\0')) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && (strchr(" \t\r\n\"'>", s.p[s.n - 1]) != NULL && s.p[s.n - 1] != '\0'))
        s.n--;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < 0x20 || c == 0x7f || c == ' ') {
            u->flags |= LW_URLF_CONTROL;
            break;
        }
    }
    if (s.n == 0) {
        u->flags |= LW_URLF_NO_HOST;
        return false;
    }

    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    size_t i = 0;
    lw_str rest = s;
    if (is_alpha((unsigned char)s.p[0])) {
        i = 1;
        while (i < s.n && (is_alpha((unsigned char)s.p[i]) || is_digit((unsigned char)s.p[i]) ||
                           s.p[i] == '+' || s.p[i] == '-' || s.p[i] == '.'))
            i++;
        if (i < s.n && s.p[i] == ':') {
            lw_str scheme = {s.p, i};
            lw_str after = {s.p + i + 1, s.n - i - 1};
            bool slashes = after.n > 0 && (after.p[0] == '/' || after.p[0] == '\\');
            if (slashes) {
                u->scheme = scheme;
                size_t k = 0;
                while (k < after.n && (after.p[k] == '/' || after.p[k] == '\\')) {
                    if (after.p[k] == '\\')
                        u->flags |= LW_URLF_BACKSLASH;
                    k++;
                }
                rest = (lw_str){after.p + k, after.n - k};
                if (lw_str_ieq_c(scheme, "file")) {
                    /* file:///C:/x has an empty host; file://server/share has one. */
                    if (k >= 3) {
                        parse_tail((lw_str){after.p + 2, after.n - 2}, u);
                        return true;
                    }
                }
            } else if (opaque_scheme(scheme)) {
                u->scheme = scheme;
                u->opaque = after;
                u->flags |= LW_URLF_OPAQUE;
                return true;
            } else {
                /* "host:port/..." or "host:" is a bare host; other "word:stuff" (e.g.
                 * "foo:bar") is an unknown opaque scheme if the rest is not a port. */
                size_t d = 0;
                while (d < after.n && is_digit((unsigned char)after.p[d]))
                    d++;
                bool port_like = d == after.n || after.p[d] == '/' || after.p[d] == '?' ||
                                 after.p[d] == '#' || after.p[d] == '\\';
                if (!port_like) {
                    u->scheme = scheme;
                    u->opaque = after;
                    u->flags |= LW_URLF_OPAQUE;
                    return true;
                }
                u->flags |= LW_URLF_BARE;
            }
        } else {
            u->flags |= LW_URLF_BARE;
        }
    } else {
        u->flags |= LW_URLF_BARE;
        /* "//host/path" (scheme-relative) */
        size_t k = 0;
        while (k < s.n && (s.p[k] == '/' || s.p[k] == '\\'))
            k++;
        if (k == 2)
            rest = (lw_str){s.p + 2, s.n - 2};
    }

    /* The authority ends at the first / \ ? or #. */
    size_t e = 0;
    while (e < rest.n && rest.p[e] != '/' && rest.p[e] != '\\' && rest.p[e] != '?' &&
           rest.p[e] != '#')
        e++;
    if ((u->flags & LW_URLF_BARE) && e < rest.n && rest.p[e] == '\\')
        u->flags |= LW_URLF_BACKSLASH;
    parse_authority((lw_str){rest.p, e}, u);
    parse_tail((lw_str){rest.p + e, rest.n - e}, u);
    return !(u->flags & LW_URLF_NO_HOST);
}

lw_str lw_url_extension(lw_str path, lw_str *prev)
{
    if (prev)
        *prev = (lw_str){NULL, 0};
    if (!path.p || path.n == 0)
        return (lw_str){NULL, 0};
    size_t seg = 0;
    for (size_t i = path.n; i > 0; i--)
        if (path.p[i - 1] == '/' || path.p[i - 1] == '\\') {
            seg = i;
            break;
        }
    const char *p = path.p + seg;
    size_t n = path.n - seg;
    size_t dot = n, dot2 = n;
    for (size_t i = n; i > 0; i--) {
        if (p[i - 1] == '.') {
            if (dot == n)
                dot = i - 1;
            else {
                dot2 = i - 1;
                break;
            }
        }
    }
    /* no dot, dotfile, or trailing dot: no extension */
    if (dot == n || dot == 0 || dot + 1 == n)
        return (lw_str){NULL, 0};
    if (prev && dot2 != n && dot2 != 0 && dot2 + 1 < dot)
        *prev = (lw_str){p + dot2, dot - dot2};
    return (lw_str){p + dot, n - dot};
}
