/*
 * Helpers shared by the network decoders (input-zeek.c, input-eve.c, input-proxy.c):
 * line framing over the reader, Zeek epoch timestamps, and the Sigma taxonomy aliases
 * (proxy, dns, firewall) that several formats add for the same kind of record.
 *
 * Every view handed out lives in the reader window until the next lw_lines_next() call,
 * which is also when a decoder's event is forgotten, so fields may point straight at it.
 */
#ifndef LW_NET_COMMON_H
#define LW_NET_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/event.h"
#include "input.h"
#include "json-scan.h"

/* ---- line framing ------------------------------------------------------------------- */

typedef struct lw_lines {
    uint64_t line;  /* 1-based number of the line last returned */
    size_t pending; /* bytes of that line (with its newline) still at the window front */
} lw_lines;

/*
 * Next line of in (without "\n" or "\r\n") as a view into the reader window, valid until
 * the next call.  Returns LW_OK, LW_EOF, LW_EIO (read error, reported), or LW_EFORMAT when
 * the line was longer than in->max_record: it was skipped through its end and reported as
 * one "record-too-large" skip, so the caller just returns LW_EFORMAT.  Memory is bounded by
 * the reader window.  A last line without a newline is returned too.
 */
lw_status lw_lines_next(lw_input *in, lw_lines *L, lw_str *out);

/* True when s is empty or only blanks (blank lines are not records). */
bool lw_net_blank(lw_str s);

/*
 * lw_lines_next() that passes over blank lines (lw_net_blank): the framing every line-based
 * network decoder's next() starts with.  Same returns and view lifetime as lw_lines_next();
 * L->line is the number of the line returned in *out.
 */
lw_status lw_lines_next_nonblank(lw_input *in, lw_lines *L, lw_str *out);

/*
 * Tokenize one line-delimited JSON record (text) into p and require an object at the top.
 * Returns LW_OK (p->toks[0] is the object, views index text), LW_ENOMEM, or LW_EFORMAT after
 * reporting the record as exactly one skip at line: "json-syntax" with the column, or
 * "json-not-object" ("<what> is not an object", e.g. what = "EVE record").
 */
lw_status lw_net_json_object(lw_input *in, lw_json_parser *p, uint64_t line, lw_str text,
                             const char *what);

/*
 * The partial-decoding check once a decoder has set ev's channel and provider: true when
 * in->want admits the event (or there is no want) so its fields should be added; otherwise
 * marks ev partial (an event with no fields, still counted) and returns false.
 */
bool lw_net_wanted(lw_input *in, lw_event *ev);

/* ---- values ------------------------------------------------------------------------- */

/* Zeek "time" values: seconds since the epoch with a fraction ("1692161644.002068").
 * Returns false unless s is such a number within +-2^40 s. */
bool lw_net_epoch_ms(lw_str s, int64_t *ms);

/* "<prefix><name>" copied into the event arena (e.g. channel "zeek/" + "http").  Returns
 * LW_OK or LW_ENOMEM. */
lw_status lw_net_concat(lw_event *ev, const char *prefix, lw_str name, lw_str *out);

/* ev->channel = "<prefix><type>" with type folded to ASCII lower case (arena copy), so
 * channels compare simply ("suricata/HTTP" and "suricata/http" are one channel).  Returns
 * LW_OK or LW_ENOMEM. */
lw_status lw_net_channel(lw_event *ev, const char *prefix, lw_str type);

/* ---- Sigma taxonomy aliases --------------------------------------------------------- */

/*
 * One HTTP transaction as a decoder saw it; empty views are absent.  target is the request
 * target as logged: a path ("/a/b.exe?x=1"), an absolute URL (proxies) or "host:port"
 * (CONNECT).
 */
typedef struct lw_http_view {
    lw_str client_ip, server_ip, server_port;
    lw_str host, target, method, user_agent, status, referrer, mime, version;
    lw_str req_bytes, resp_bytes;
    /* The event may already hold some proxy names (W3C logs name their columns so): only
     * then does each alias cost a lookup.  Zeek and EVE names never collide with them. */
    bool may_exist;
} lw_http_view;

/*
 * Add Sigma's proxy names for h to ev unless ev already has them: c-uri, c-uri-stem,
 * c-uri-query, c-uri-extension, cs-host, r-dns, cs-method, c-useragent, sc-status,
 * cs-referrer, cs-version, sc-content-type (response MIME type; not in Sigma's taxonomy),
 * c-ip, dst_ip, dst_port, cs-bytes, sc-bytes.  cs-host comes from the absolute URL when
 * h->host is empty.  Values are views of h's views or arena copies.
 */
lw_status lw_net_add_proxy_fields(lw_event *ev, const lw_http_view *h);

/* Split the request target: path without query/fragment, query (no '?'), extension of the
 * last path segment (no dot; empty if none), and the host of an absolute URL / CONNECT
 * target (no userinfo, no port).  All are views into target. */
void lw_net_split_target(lw_str target, lw_str *stem, lw_str *query, lw_str *ext, lw_str *host);

/* One pass over ev's fields: out[i] = value of the first field named exactly names[i]
 * (case-sensitive), or a NULL view.  Cheaper than n lw_event_find() calls.  At most
 * LW_NET_LOOKUP_MAX names are looked for (the rest stay NULL). */
#define LW_NET_LOOKUP_MAX 32
void lw_net_lookup(const lw_event *ev, const char *const *names, size_t n, lw_str *out);

/* Add name=value unless ev already has name (ASCII case-insensitive) or value.p is NULL. */
lw_status lw_net_alias(lw_event *ev, const char *name, lw_str value);

/*
 * Add the JSON value t[v] of a record in buf as field(s) named name: scalars as text
 * (numbers and booleans flagged LW_FIELD_NUMBER), null as nothing (unset), arrays as the
 * comma-joined text of their elements (like Zeek's TSV sets), objects as one field per
 * member named "name.member" (8 levels deep, then raw JSON).  Returns LW_OK or LW_ENOMEM.
 */
lw_status lw_net_json_field(lw_event *ev, const char *buf, const lw_json_tok *t, lw_str name,
                            uint32_t v);

#endif
