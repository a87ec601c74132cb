/*
 * url.h - zero-copy URL parsing and domain helpers for anything a log can contain.
 *
 * Logs carry full URLs ("https://a.b/c?d"), bare hosts ("evil.com", "evil.com:8080/x"),
 * IP literals in every notation browsers accept (dotted, decimal "3232235777", hex
 * "0xC0A80101", octal "0300.0250.01.01", short "192.168.257", bracketed or bare IPv6),
 * userinfo tricks ("https://paypal.com@evil.tld/"), backslashes ("http:\\evil.com"),
 * percent-encoded or IDN hosts, trailing dots and garbage.  lw_url_parse() never fails on
 * hostile input: it always fills *out with views into the input and returns false (with
 * out->error set) only when no host could be found where one was required.
 *
 * Thread safety: everything here is reentrant.  The public-suffix data used by
 * lw_url_registrable() is loaded once (pthread_once) and read-only afterwards.
 */
#ifndef LW_INTEL_URL_H
#define LW_INTEL_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lurewatch.h"

/* How an IP-literal host was written (browsers accept all of these for IPv4). */
typedef enum lw_ip_form {
    LW_IP_NONE = 0, /* not an IP literal */
    LW_IP_DOTTED,   /* 192.168.1.1 (four decimal parts, no leading zeros) */
    LW_IP_DECIMAL,  /* 3232235777 (one 32-bit number) */
    LW_IP_HEX,      /* 0xC0A80101 or any part in 0x.. form */
    LW_IP_OCTAL,    /* 0300.0250.01.01 or any part with a leading zero */
    LW_IP_SHORT,    /* 192.168.257 or 10.1 (two or three parts, last fills the rest) */
    LW_IP_V6,       /* [2001:db8::1] or bare 2001:db8::1 */
} lw_ip_form;

/* Parse problems; bit set in lw_url.flags (a URL can have several). */
enum {
    LW_URLF_NO_HOST = 1u << 0,      /* nothing usable as a host (error) */
    LW_URLF_BAD_PORT = 1u << 1,     /* port present but not a number 0..65535 */
    LW_URLF_BACKSLASH = 1u << 2,    /* '\' used as a separator in the authority */
    LW_URLF_CONTROL = 1u << 3,      /* control bytes or spaces inside the URL */
    LW_URLF_BAD_IPV6 = 1u << 4,     /* '[' ... ']' host that is not an IPv6 address */
    LW_URLF_OPAQUE = 1u << 5,       /* scheme without authority: data:, javascript:, mailto: */
    LW_URLF_BARE = 1u << 6,         /* no scheme: a bare host, "host/path" or "host:port" */
    LW_URLF_TRAILING_DOT = 1u << 7, /* host ends with '.' */
    LW_URLF_PCT_HOST = 1u << 8,     /* host contains %XX escapes */
    LW_URLF_NON_ASCII = 1u << 9,    /* host contains bytes >= 0x80 (raw IDN or garbage) */
    LW_URLF_TOO_LONG = 1u << 10,    /* host longer than 253 bytes (DNS limit) */
};

/*
 * A parsed URL.  Every lw_str is a view into the string given to lw_url_parse (never
 * NUL-terminated, never owned); an absent part has n == 0 (p may be NULL).  host is as
 * written minus IPv6 brackets: not lowercased, not percent-decoded; use
 * lw_url_host_normalize() / lw_url_registrable() for a canonical form.
 */
typedef struct lw_url {
    lw_str scheme;   /* "https" as written; empty for bare hosts */
    lw_str userinfo; /* "user:pass" before the last '@' of the authority */
    lw_str host;     /* "www.Example.COM.", "1.2.3.4", "2001:db8::1" (no brackets) */
    lw_str port;     /* digits after ':' (as written) */
    lw_str path;     /* "/a/b.exe" (starts at the first '/' or '\' after the authority) */
    lw_str query;    /* after '?', without it */
    lw_str fragment; /* after '#', without it */
    lw_str opaque;   /* for LW_URLF_OPAQUE schemes: everything after "scheme:" */
    int port_num;    /* -1 when absent or bad */
    bool has_userinfo;
    bool host_is_ip;
    lw_ip_form ip_form;
    uint32_t ipv4;    /* host-order IPv4 value when ip_form is a v4 form */
    uint8_t ipv6[16]; /* when ip_form == LW_IP_V6 */
    unsigned flags;   /* LW_URLF_* */
} lw_url;

/*
 * Parse s (any bytes; leading/trailing ASCII whitespace and quotes are ignored) into *out.
 * Returns true when a host was found, or when the URL is an opaque-scheme URL
 * (data:, javascript:, vbscript:, mailto:, about:, blob:) which has none by nature; false
 * otherwise (out is still filled with whatever was recognised and flags has
 * LW_URLF_NO_HOST).  No allocation; O(len).
 */
bool lw_url_parse(lw_str s, lw_url *out);

/*
 * Parse an IPv4 host the way WHATWG URL parsers (browsers) do: 1-4 dot-separated parts,
 * each decimal, 0x-hex or 0-octal; the last part fills the remaining bytes.  One trailing
 * dot is allowed.  Returns the form (LW_IP_NONE if host is not an IPv4 literal) and
 * stores the address in *addr (host byte order).
 */
lw_ip_form lw_url_parse_ipv4(lw_str host, uint32_t *addr);

/*
 * Canonical host: percent-decoded, ASCII-lowercased, trailing dots removed, converted to
 * IDNA A-labels (punycode) with libidn2 (UTS #46 non-transitional mapping, so "FAß.de" and
 * full-width dots are handled as browsers do).  Writes a NUL-terminated result into
 * buf[cap] and sets *out to a view of it.  Returns false when the host is empty, too long
 * for buf, or not a valid IDNA name (then *out is the best-effort lowercased, decoded
 * form, still usable for display and lists).  cap of 256 is enough for any DNS name.
 */
bool lw_url_host_normalize(lw_str host, char *buf, size_t cap, lw_str *out);

/*
 * Registrable domain (eTLD+1) and public suffix of a host, using libpsl with the packaged
 * list (/usr/share/publicsuffix) including PRIVATE suffixes, so "x.blogspot.com" gives
 * domain "x.blogspot.com", suffix "blogspot.com".  host may be raw (it is normalized with
 * lw_url_host_normalize into buf first).  *domain and *suffix are views into buf
 * (cap >= 256 recommended).  Returns false for IP literals and hosts that do not
 * normalize; when the host is itself a public suffix or a single label ("localhost")
 * it returns true with *domain empty and *suffix the longest matching suffix (possibly
 * empty).  *suffix of a host under an unknown TLD is its last label (PSL "*" rule).
 */
bool lw_url_registrable(lw_str host, char *buf, size_t cap, lw_str *domain, lw_str *suffix);

/* Like lw_url_registrable but only the ICANN section of the list (the "real" TLD, e.g.
 * "com" for x.blogspot.com).  Views into buf. */
bool lw_url_icann_suffix(lw_str host, char *buf, size_t cap, lw_str *suffix);

/*
 * File extension of the last path segment, including the dot (".exe"), as written, or
 * an empty view.  Query/fragment must already be split off (lw_url.path).  Dotfiles
 * (".bashrc") and trailing dots have no extension.  *prev, when not NULL, receives the
 * extension before it for double extensions ("invoice.pdf.exe" -> ".pdf"), else empty.
 */
lw_str lw_url_extension(lw_str path, lw_str *prev);

/* The libpsl context used above (NULL if it could not be loaded); shared, read-only.
 * Opaque here so callers need not include libpsl.h. */
const void *lw_url_psl(void);

#endif
