/*
 * Sinks: one file per output format, each a row in the registry in sink.c.
 */
#ifndef LW_SINK_H
#define LW_SINK_H

#include <stdio.h>

#include "../core/str.h"
#include "alert.h"
#include "lurewatch.h"
#include "lurewatch.h"

typedef struct lw_sink_vtable {
    const char *name;
    /* Allocate state; out stays owned by the caller. */
    lw_status (*open)(FILE *out, const lw_sink_options *opt, void **state);
    lw_status (*write)(void *state, const lw_alert *a);
    /* Flush and free state. */
    lw_status (*close)(void *state);
} lw_sink_vtable;

/* Optional hooks of a sink, listed in sink.c's exts[] next to its vtable (only sinks that
 * use them: the HTML report).  Either member may be NULL. */
typedef struct lw_sink_ext {
    const lw_sink_vtable *vt;
    /* The run's statistics, once, before close (lw_sink_set_run_info); the sink copies
     * what it keeps. */
    lw_status (*run_info)(void *state, const lw_sink_run_info *ri);
    /* URL intelligence to use, before the first write (lw_sink_set_intel). */
    void (*intel)(void *state, const lw_intel *in);
} lw_sink_ext;

/* Shared by sinks: append the alert as one JSON object (no newline). */
void lw_alert_to_json(lw_buf *b, const lw_alert *a);
/* Append the event's fields as a JSON object; repeated names become arrays. */
void lw_event_fields_to_json(lw_buf *b, const lw_event *ev);
/* Append what tells most about an event on one line: a web request's URL, a Windows
 * event's CommandLine, TargetFilename, QueryName, ..., or two fields of other network
 * records (filename, mime_type, tx_hosts, ...), each as "name=value" or, without names,
 * the value alone; nothing when none is set. */
void lw_event_headline(lw_buf *b, const lw_event *ev, bool names);

#endif
