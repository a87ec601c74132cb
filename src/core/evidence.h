/*
 * Network evidence for chain alerts (docs/correlation.md, "Network evidence").
 *
 * One lw_evstore per lw_hunt (not thread-safe).  During the hunt, lw_evstore_observe()
 * sees every decoded event before detection: it learns which IPs a computer uses (Sysmon 3
 * SourceIp, or DestinationIp of an inbound connection), adds the derived fields HostIp,
 * ImageFileName and DownloadFileName, and says whether the event is a network transfer
 * worth keeping (a risky download); lw_evstore_keep() then stores a copy.  When a chain
 * alert is emitted, lw_evstore_attach() finds the held records of the same transfer.
 *
 * Bounds: max_records copies (the set held is the newest max_records by (event time,
 * content hash), so it does not depend on input order), max_hosts computers with up to
 * LW_EV_HOST_IPS addresses each, max_per_alert records per alert; drops are counted.
 */
#ifndef LW_EVIDENCE_H
#define LW_EVIDENCE_H

#include "../sigma/correlation.h"
#include "event.h"
#include "lurewatch.h"

#define LW_EV_HOST_IPS 4

typedef struct lw_evstore lw_evstore;

/* One attached record and why (views into the record's copy or into static strings). */
typedef struct lw_evidence_item {
    const lw_event *ev;
    const char *by; /* "server", "file", "uid", "fuid" */
    lw_str client, server;
    int port;          /* server port, -1 unknown */
    int64_t offset_ms; /* record time minus host time of the nearest chain event */
} lw_evidence_item;

/* opt may be NULL (defaults).  Returns LW_OK, LW_EINVAL (negative skew) or LW_ENOMEM. */
lw_status lw_evstore_new(const lw_evidence_options *opt, lw_evstore **out);
void lw_evstore_free(lw_evstore *s);

/* Learn from ev and add the derived fields (copies in ev's arena).  *keep is set when ev is
 * a risky network transfer (or a Zeek pe record) to be stored with lw_evstore_keep().
 * Returns LW_OK or LW_ENOMEM. */
lw_status lw_evstore_observe(lw_evstore *s, lw_event *ev, bool *keep);
/* Store a copy of ev (the event lw_evstore_observe just flagged).  path must outlive the
 * store (the hunt interns source paths).  Returns LW_OK or LW_ENOMEM. */
lw_status lw_evstore_keep(lw_evstore *s, const lw_event *ev, const char *path);

/* Find the evidence of chain alert ca.  *items (owned by the store, valid until the next
 * call) holds *n records in time order; *omitted counts matches beyond max_per_alert.
 * Returns LW_OK or LW_ENOMEM. */
lw_status lw_evstore_attach(lw_evstore *s, const lw_calert *ca, const lw_evidence_item **items,
                            uint32_t *n, uint64_t *omitted);

/* Counters (the store's own); stats->alerts/attached/omitted/no_host_ip included. */
void lw_evstore_stats(const lw_evstore *s, lw_evidence_stats *st);

/* Channels the store needs decoded even when no rule asks for them (NULL-terminated). */
extern const char *const lw_evstore_channels[];

/* Exposed for unit tests: the host time of an event (Sysmon's UtcTime when it parses,
 * else the event time). */
int64_t lw_evstore_host_time(const lw_event *ev);

#endif
