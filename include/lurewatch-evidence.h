/*
 * lurewatch-evidence.h - network evidence in chain alerts (issue 5, cross-source chains).
 *
 * PENDING MERGE into lurewatch.h (the "Hunting" and "Correlation" sections): kept in its
 * own header only because lurewatch.h is owned by the lead.  Same conventions: opaque
 * handles, lw_ prefix, status codes and out-parameters, the library never exits.
 *
 * When a hunt reads endpoint and network telemetry together, a chain (correlation) alert
 * gains the network records of the same transfer: Zeek files / http / pe, Suricata EVE
 * http / fileinfo and proxy records of a risky download (executable, script, installer,
 * archive ...) whose client is the chain's computer (its IPs are learned from Sysmon 3
 * events), whose server or file name is the chain's (HostUrl, DestinationIp, file
 * names), and whose time is within the clock-skew window of a chain event.
 * docs/correlation.md, "Network evidence", has the matching rules.
 */
#ifndef LUREWATCH_EVIDENCE_H
#define LUREWATCH_EVIDENCE_H

#include "lurewatch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 0 in a member means its default. */
typedef struct lw_evidence_options {
    int64_t max_clock_skew_ms; /* how far a network record's time may be from a chain
                                  event's host time (default 3 minutes; < 0 invalid) */
    size_t max_records;        /* network records held as candidates (default 20000);
                                  beyond, the oldest (event time) is dropped and counted */
    size_t max_per_alert;      /* records attached to one alert (default 16) */
    size_t max_hosts;          /* computers in the Computer -> IP table (default 65536);
                                  beyond, new computers are not learned (counted) */
    int disable;               /* 1: no evidence, no derived HostIp / file-name fields */
} lw_evidence_options;

typedef struct lw_evidence_stats {
    uint64_t seen;          /* network transfer records of a risky type seen */
    uint64_t held_peak;     /* records held at once */
    uint64_t bytes_peak;    /* bytes of those copies at once */
    uint64_t dropped;       /* records dropped by max_records */
    uint64_t hosts;         /* computers with a learned IP */
    uint64_t hosts_dropped; /* computers not learned (max_hosts) */
    uint64_t alerts;        /* chain alerts that gained evidence */
    uint64_t attached;      /* records attached, all alerts */
    uint64_t omitted;       /* matching records beyond max_per_alert */
    uint64_t no_host_ip;    /* chain alerts whose computer had no known IP */
} lw_evidence_stats;

/* Set evidence options; call after lw_hunt_new and before the first lw_hunt_path.
 * Returns LW_EINVAL when called later or with a negative skew, LW_ENOMEM. */
LW_API lw_status lw_hunt_set_evidence(lw_hunt *h, const lw_evidence_options *opt);
LW_API const lw_evidence_stats *lw_hunt_get_evidence_stats(const lw_hunt *h);

/* Network evidence attached to a correlation alert (0 for detection alerts), in time
 * order.  The events live as long as the alert (the callback).  lw_alert_evidence_match
 * names why record i was attached: "server" (the chain's URL host or connection
 * destination), "file" (the chain's file name), "uid" (same Zeek connection as an
 * attached record), "fuid" (Zeek pe record of an attached file); *offset_ms is the record's
 * time minus the host time of the nearest chain event. */
LW_API size_t lw_alert_evidence_count(const lw_alert *a);
LW_API const lw_event *lw_alert_evidence_at(const lw_alert *a, size_t i);
LW_API const char *lw_alert_evidence_match(const lw_alert *a, size_t i, int64_t *offset_ms);
LW_API uint64_t lw_alert_evidence_omitted(const lw_alert *a);

#ifdef __cplusplus
}
#endif
#endif
