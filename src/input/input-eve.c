/*
 * Suricata EVE JSON: one object per line, "event_type" says what it is.
 *
 * Every event_type is decoded generically: top-level keys are fields, nested objects
 * become dotted names ("alert.signature", "http.hostname", "dns.rrname", "tls.sni",
 * "fileinfo.filename", "flow.bytes_toserver"), arrays comma-joined strings (net-common.h).
 * On top of EVE's own names the decoder adds Sigma taxonomy aliases:
 *   - any record with an "http" object (http, fileinfo, alert): the proxy names (c-uri,
 *     c-uri-extension, cs-host, cs-method, c-useragent, sc-status, c-ip ...).  For
 *     fileinfo the file flows server -> client, so EVE's src is the server unless the
 *     method uploads (POST/PUT);
 *   - dns: query, record_type and answer from the v1 layout (one answer per record:
 *     dns.rrname/rrtype/rdata), v2 ("answers": [{rrname, rrtype, rdata}] or "grouped":
 *     {"A": [...]}) and v3 ("queries": [{rrname, rrtype}]);
 *   - all records: dst_ip / dst_port (Sigma's firewall names) from dest_ip / dest_port.
 *
 * Event: channel "suricata/<event_type>", product suricata, time from "timestamp" (EVE
 * writes a UTC offset; converted to UTC), host = "host" (the sensor name) when present,
 * record = line number.
 */
#include <stdlib.h>
#include <string.h>

#include "json-scan.h"
#include "net-common.h"

#define EVE_MAX_TYPE 48

typedef struct eve_state {
    lw_lines L;
    lw_json_parser p;
} eve_state;

static uint32_t member(const char *b, const lw_json_tok *t, uint32_t obj, const char *key)
{
    if (t[obj].type != LW_JSON_OBJECT)
        return UINT32_MAX;
    size_t kn = strlen(key);
    uint32_t k = obj + 1;
    for (uint32_t c = t[obj].count; c; c--) {
        if (t[k].len == kn && memcmp(b + t[k].start, key, kn) == 0)
            return k + 1;
        k = t[k + 1].next;
    }
    return UINT32_MAX;
}

/* "rdata" values of an array of answer objects, or of every array in a grouped object,
 * comma-joined into the arena. */
static lw_status dns_answers(lw_event *ev, const char *b, const lw_json_tok *t, uint32_t v,
                             lw_str *out)
{
    lw_buf acc;
    lw_buf_init(&acc);
    uint32_t e = v + 1;
    for (uint32_t c = t[v].count; c; c--) {
        uint32_t r = UINT32_MAX;
        if (t[v].type == LW_JSON_ARRAY && t[e].type == LW_JSON_OBJECT)
            r = member(b, t, e, "rdata");
        else if (t[v].type == LW_JSON_OBJECT) /* grouped: key token, then an array */
            r = e + 1;
        if (r != UINT32_MAX) {
            uint32_t x = r, cnt = 1, step = 0;
            if (t[r].type == LW_JSON_ARRAY) {
                x = r + 1;
                cnt = t[r].count;
                step = 1;
            }
            for (; cnt; cnt--) {
                lw_str s;
                if (t[x].type == LW_JSON_STRING &&
                    lw_json_tok_str(b, &t[x], &ev->arena, &s) == LW_OK) {
                    if (acc.n)
                        lw_buf_putc(&acc, ',');
                    lw_buf_put(&acc, s.p, s.n);
                }
                if (!step)
                    break;
                x = t[x].next;
            }
        }
        e = t[v].type == LW_JSON_OBJECT ? t[e + 1].next : t[e].next;
    }
    lw_status st = LW_OK;
    if (!lw_buf_ok(&acc)) {
        st = LW_ENOMEM;
    } else if (acc.n) {
        char *d = lw_arena_strndup(&ev->arena, acc.p, acc.n);
        if (!d)
            st = LW_ENOMEM;
        else
            *out = (lw_str){d, acc.n};
    }
    lw_buf_free(&acc);
    return st;
}

static lw_status add_aliases(lw_event *ev, lw_str type, const char *b, const lw_json_tok *t)
{
    static const char *const names[] = {"src_ip",
                                        "src_port",
                                        "dest_ip",
                                        "dest_port",
                                        "http.http_method",
                                        "http.hostname",
                                        "http.url",
                                        "http.http_user_agent",
                                        "http.status",
                                        "http.http_refer",
                                        "http.http_content_type",
                                        "http.protocol",
                                        "http.length",
                                        "dns.rrname",
                                        "dns.rrtype",
                                        "dns.rdata"};
    enum {
        SRC_IP,
        SRC_PORT,
        DEST_IP,
        DEST_PORT,
        METHOD,
        HOST,
        URL,
        UA,
        STATUS,
        REFER,
        CTYPE,
        PROTO,
        LEN,
        RRNAME,
        RRTYPE,
        RDATA,
        NV
    };
    lw_str v[NV];
    lw_net_lookup(ev, names, NV, v);
    lw_status s;
    uint32_t http = member(b, t, 0, "http");
    bool has_http = http != UINT32_MAX && t[http].type == LW_JSON_OBJECT;
    /* For fileinfo the file flows server -> client: EVE's source is the server unless the
     * method uploads. */
    bool to_client = has_http && lw_str_eq_c(type, "fileinfo") &&
                     !lw_str_ieq_c(v[METHOD], "POST") && !lw_str_ieq_c(v[METHOD], "PUT");
    lw_str dip = to_client ? v[SRC_IP] : v[DEST_IP], dport = to_client ? v[SRC_PORT] : v[DEST_PORT];
    if ((s = lw_net_alias(ev, "dst_ip", dip)) || (s = lw_net_alias(ev, "dst_port", dport)))
        return s;
    if (has_http) {
        lw_http_view h = {
            .client_ip = to_client ? v[DEST_IP] : v[SRC_IP],
            .host = v[HOST],
            .target = v[URL],
            .method = v[METHOD],
            .user_agent = v[UA],
            .status = v[STATUS],
            .referrer = v[REFER],
            .mime = v[CTYPE],
            .version = v[PROTO],
            .resp_bytes = v[LEN],
        };
        if ((s = lw_net_add_proxy_fields(ev, &h)))
            return s;
    }
    uint32_t dns = member(b, t, 0, "dns");
    if (dns != UINT32_MAX && t[dns].type == LW_JSON_OBJECT) {
        lw_str q = v[RRNAME], rt = v[RRTYPE], ans = v[RDATA];
        uint32_t qs = member(b, t, dns, "queries");
        if (!q.p && qs != UINT32_MAX && t[qs].type == LW_JSON_ARRAY && t[qs].count) {
            uint32_t q0 = qs + 1, rn = member(b, t, q0, "rrname"), ty = member(b, t, q0, "rrtype");
            if (rn != UINT32_MAX && t[rn].type == LW_JSON_STRING &&
                (s = lw_json_tok_str(b, &t[rn], &ev->arena, &q)))
                return s;
            if (ty != UINT32_MAX && t[ty].type == LW_JSON_STRING &&
                (s = lw_json_tok_str(b, &t[ty], &ev->arena, &rt)))
                return s;
        }
        if (!ans.p) {
            uint32_t a = member(b, t, dns, "answers");
            if (a == UINT32_MAX || t[a].type != LW_JSON_ARRAY)
                a = member(b, t, dns, "grouped");
            if (a != UINT32_MAX && (t[a].type == LW_JSON_ARRAY || t[a].type == LW_JSON_OBJECT) &&
                (s = dns_answers(ev, b, t, a, &ans)))
                return s;
        }
        if ((s = lw_net_alias(ev, "query", q)) || (s = lw_net_alias(ev, "record_type", rt)) ||
            (s = lw_net_alias(ev, "answer", ans)))
            return s;
    }
    return LW_OK;
}

static lw_status eve_record(lw_input *in, eve_state *st, lw_str line, lw_event *ev)
{
    lw_status s = lw_net_json_object(in, &st->p, st->L.line, line, "EVE record");
    if (s != LW_OK)
        return s;
    const lw_json_tok *t = st->p.toks;
    const char *b = line.p;
    uint32_t et = member(b, t, 0, "event_type");
    lw_str type;
    if (et == UINT32_MAX || t[et].type != LW_JSON_STRING || t[et].len == 0 ||
        t[et].len > EVE_MAX_TYPE || (t[et].flags & LW_JSON_ESCAPED)) {
        lw_input_skip(in, st->L.line, 1, "eve-no-event-type",
                      "EVE record without a usable event_type");
        return LW_EFORMAT;
    }
    type = (lw_str){b + t[et].start, t[et].len};
    if ((s = lw_net_channel(ev, "suricata/", type)))
        return s;
    ev->product = LW_PRODUCT_SURICATA;
    uint32_t ts = member(b, t, 0, "timestamp");
    int64_t ms;
    if (ts != UINT32_MAX && t[ts].type == LW_JSON_STRING &&
        lw_parse_time((lw_str){b + t[ts].start, t[ts].len}, &ms))
        ev->time_ms = ms;
    uint32_t host = member(b, t, 0, "host");
    if (host != UINT32_MAX && t[host].type == LW_JSON_STRING)
        (void)lw_json_tok_str(b, &t[host], &ev->arena, &ev->host);
    if (!lw_net_wanted(in, ev))
        return LW_OK;
    uint32_t k = 1;
    for (uint32_t c = t[0].count; c; c--) {
        lw_str key;
        if ((s = lw_json_tok_str(b, &t[k], &ev->arena, &key)) ||
            (s = lw_net_json_field(ev, b, t, key, k + 1)))
            return s;
        k = t[k + 1].next;
    }
    return add_aliases(ev, (lw_str){ev->channel.p + 9, ev->channel.n - 9}, b, t);
}

/* ---- decoder vtable ------------------------------------------------------------------- */

static int eve_sniff(const unsigned char *h, size_t n)
{
    const char *c = (const char *)h;
    size_t i = 0;
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
        i++;
    if (i >= n || h[i] != '{')
        return 0;
    /* EVE always writes timestamp and event_type; Windows JSON has neither. */
    if (memmem(c, n, "\"event_type\":", 13) && memmem(c, n, "\"timestamp\":", 12))
        return 95;
    return 0;
}

static lw_status eve_open(lw_input *in)
{
    eve_state *st = calloc(1, sizeof *st);
    if (!st)
        return LW_ENOMEM;
    lw_json_init(&st->p);
    in->decoder_state = st;
    return LW_OK;
}

static void eve_close(lw_input *in)
{
    eve_state *st = in->decoder_state;
    if (!st)
        return;
    lw_json_free(&st->p);
    free(st);
    in->decoder_state = NULL;
}

static lw_status eve_next(lw_input *in, lw_event *ev)
{
    eve_state *st = in->decoder_state;
    lw_str line;
    lw_status s = lw_lines_next_nonblank(in, &st->L, &line);
    if (s != LW_OK)
        return s;
    ev->record = st->L.line;
    return eve_record(in, st, line, ev);
}

const lw_decoder lw_decoder_eve = {
    .name = "eve",
    .sniff = eve_sniff,
    .open = eve_open,
    .next = eve_next,
    .close = eve_close,
};
