/*
 * The normalized event (internal view of include/lurewatch.h's opaque lw_event).
 *
 * Decoders fill one lw_event per record: system properties (time, host, channel,
 * provider, event id) and a flat list of fields named after the Sigma taxonomy
 * (Sysmon EventData names).  Names and values are views into the decoder's read buffer
 * where the format allows, otherwise copies in ev->arena.  An event lives until the
 * decoder's next call; lw_event_reset() forgets it and its arena allocations.
 */
#ifndef LW_EVENT_H
#define LW_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "lurewatch.h"
#include "str.h"

/* Sigma log-source categories (windows); lw_category_name() gives the Sigma spelling.
 * One event can be in several (a Sysmon 13 is registry_set and registry_event). */
typedef enum lw_category {
    LW_CAT_NONE = 0,
#define LW_CATEGORY(id, name) id,
#include "categories.def"
#undef LW_CATEGORY
    LW_CAT__COUNT
} lw_category;

typedef enum lw_product {
    LW_PRODUCT_NONE = 0,
    LW_PRODUCT_WINDOWS,
    LW_PRODUCT_ZEEK,     /* Zeek logs (TSV or JSON); channel "zeek/<log type>" */
    LW_PRODUCT_SURICATA, /* Suricata EVE JSON; channel "suricata/<event_type>" */
    LW_PRODUCT_PROXY,    /* proxy / web server access logs; channel "proxy/<format>" or
                            "webserver/<format>" (no Sigma product: rules use categories) */
} lw_product;

/* Field value flags. */
enum {
    LW_FIELD_NULL = 1u << 0,   /* JSON null / XML nil: the field exists without a value */
    LW_FIELD_NUMBER = 1u << 1, /* the value was a JSON number or boolean literal */
    LW_FIELD_SYSTEM = 1u << 2, /* from the System block (EventID, Channel, ...) */
};

typedef struct lw_field {
    lw_str name;
    lw_str value;
    uint32_t flags;
} lw_field;

#define LW_EVENT_MAX_FIELDS 4096

struct lw_event {
    int64_t time_ms; /* milliseconds since the Unix epoch, UTC; INT64_MIN unknown */
    lw_str host;
    lw_str channel;
    lw_str provider;
    int32_t event_id; /* -1 unknown */
    uint64_t cats;    /* bit (1 << lw_category) for every Sigma category the event is in */
    lw_product product;
    const char *src_path; /* lives as long as the input */
    uint64_t record;      /* EVTX record id, or 1-based line of the record's start */
    lw_field *fields;
    uint32_t nfields, cap;
    uint32_t dropped_fields; /* fields beyond LW_EVENT_MAX_FIELDS */
    bool partial;            /* decoder skipped the fields: no rule wants this event */
    lw_arena arena;
};

void lw_event_init(lw_event *ev);
void lw_event_reset(lw_event *ev);
void lw_event_destroy(lw_event *ev);
/* Append a field; views must outlive the event (or be arena copies).  Returns LW_ENOMEM
 * on allocation failure.  Past LW_EVENT_MAX_FIELDS fields are counted and dropped. */
lw_status lw_event_add(lw_event *ev, lw_str name, lw_str value, uint32_t flags);
/* Same, copying name and value into the event arena. */
lw_status lw_event_add_copy(lw_event *ev, lw_str name, lw_str value, uint32_t flags);
/* First field with this name (ASCII case-insensitive), or NULL. */
const lw_field *lw_event_find(const lw_event *ev, lw_str name);
/* Replace value of an existing field or add it. */
lw_status lw_event_set(lw_event *ev, lw_str name, lw_str value, uint32_t flags);

const char *lw_category_name(lw_category c);
lw_category lw_category_from_name(lw_str name);

/*
 * After a decoder filled system properties and fields: derive the Sigma categories, add the
 * system fields rules test (EventID, Channel, Provider_Name, Computer), map Security 4688
 * names onto Sysmon's (Image, ParentImage, ...).  Defined in src/core/normalize.c.
 */
lw_status lw_event_normalize(lw_event *ev);

/* Sigma categories an event with this channel/provider/event id can be in, before its
 * fields are known (a Sysmon 12 gives registry_event, registry_add and registry_delete). */
uint64_t lw_cats_for(lw_str channel, lw_str provider, int32_t event_id);

/*
 * Which events the loaded rules can possibly match.  Decoders use it to skip building the
 * fields of events no rule looks at (they are still validated and counted as decoded).
 */
#define LW_WANT_MAX_CHANNELS 64
typedef struct lw_want {
    bool all;                                   /* some rule admits any event: decode everything */
    uint64_t cats;                              /* events in one of these categories are wanted */
    const char *channels[LW_WANT_MAX_CHANNELS]; /* and events on these channels */
    unsigned nchannels;
} lw_want;

/* True when an event with these system properties must be fully decoded.  want NULL:
 * always true. */
bool lw_want_event(const lw_want *want, lw_str channel, lw_str provider, int32_t event_id);

/* Parse ISO 8601 / Windows timestamps ("2019-06-15T07:13:42.123456Z",
 * "2019-06-15 07:13:42.123", with optional offset) to ms since epoch UTC. */
bool lw_parse_time(lw_str s, int64_t *ms);
/* Format ms since epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (>= 32 bytes). */
void lw_format_time(int64_t ms, char *buf, size_t cap);

#endif
