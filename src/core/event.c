#include "event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lw_event_init(lw_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    lw_arena_init(&ev->arena, 64 * 1024);
    ev->time_ms = INT64_MIN;
    ev->event_id = -1;
}

void lw_event_reset(lw_event *ev)
{
    ev->time_ms = INT64_MIN;
    ev->host = ev->channel = ev->provider = LW_STR_NULL;
    ev->event_id = -1;
    ev->cats = 0;
    ev->product = LW_PRODUCT_NONE;
    ev->record = 0;
    ev->nfields = 0;
    ev->dropped_fields = 0;
    ev->partial = false;
    lw_arena_reset(&ev->arena);
}

void lw_event_destroy(lw_event *ev)
{
    free(ev->fields);
    lw_arena_free(&ev->arena);
    memset(ev, 0, sizeof(*ev));
}

lw_status lw_event_add(lw_event *ev, lw_str name, lw_str value, uint32_t flags)
{
    if (ev->nfields >= LW_EVENT_MAX_FIELDS) {
        ev->dropped_fields++;
        return LW_OK;
    }
    if (ev->nfields == ev->cap) {
        uint32_t ncap = ev->cap ? ev->cap * 2 : 64;
        lw_field *nf = realloc(ev->fields, (size_t)ncap * sizeof(*nf));
        if (!nf)
            return LW_ENOMEM;
        ev->fields = nf;
        ev->cap = ncap;
    }
    ev->fields[ev->nfields++] = (lw_field){name, value, flags};
    return LW_OK;
}

lw_status lw_event_add_copy(lw_event *ev, lw_str name, lw_str value, uint32_t flags)
{
    char *n = lw_arena_strndup(&ev->arena, name.p ? name.p : "", name.n);
    char *v = lw_arena_strndup(&ev->arena, value.p ? value.p : "", value.n);
    if (!n || !v)
        return LW_ENOMEM;
    return lw_event_add(ev, (lw_str){n, name.n}, (lw_str){v, value.n}, flags);
}

const lw_field *lw_event_find(const lw_event *ev, lw_str name)
{
    for (uint32_t i = 0; i < ev->nfields; i++)
        if (ev->fields[i].name.n == name.n && lw_str_ieq(ev->fields[i].name, name))
            return &ev->fields[i];
    return NULL;
}

lw_status lw_event_set(lw_event *ev, lw_str name, lw_str value, uint32_t flags)
{
    for (uint32_t i = 0; i < ev->nfields; i++) {
        if (lw_str_ieq(ev->fields[i].name, name)) {
            ev->fields[i].value = value;
            ev->fields[i].flags = flags;
            return LW_OK;
        }
    }
    return lw_event_add(ev, name, value, flags);
}

static const char *const category_names[LW_CAT__COUNT] = {
    [LW_CAT_NONE] = "",
#define LW_CATEGORY(id, name) [id] = name,
#include "categories.def"
#undef LW_CATEGORY
};

const char *lw_category_name(lw_category c)
{
    return (unsigned)c < LW_CAT__COUNT ? category_names[c] : "";
}

lw_category lw_category_from_name(lw_str name)
{
    for (unsigned c = 1; c < LW_CAT__COUNT; c++)
        if (lw_str_eq_c(name, category_names[c]))
            return (lw_category)c;
    return LW_CAT_NONE;
}

/* ---- public accessors --------------------------------------------------------------- */

int64_t lw_event_time_ms(const lw_event *ev)
{
    return ev->time_ms;
}

bool lw_time_parse(const char *text, int64_t *ms, bool *date_only)
{
    lw_str s = lw_str_trim(lw_str_c(text ? text : ""));
    if (date_only)
        *date_only = s.n == 10;
    return lw_parse_time(s, ms);
}
lw_str lw_event_host(const lw_event *ev)
{
    return ev->host;
}
lw_str lw_event_channel(const lw_event *ev)
{
    return ev->channel;
}
lw_str lw_event_provider(const lw_event *ev)
{
    return ev->provider;
}
int32_t lw_event_id(const lw_event *ev)
{
    return ev->event_id;
}
const char *lw_event_category(const lw_event *ev)
{
    /* The most specific category: the lowest bit set (registry_event comes after the
     * specific registry categories in categories.def). */
    for (unsigned c = 1; c < LW_CAT__COUNT; c++)
        if (ev->cats & (1ULL << c))
            return category_names[c];
    return "";
}
const char *lw_event_source_path(const lw_event *ev)
{
    return ev->src_path ? ev->src_path : "";
}
uint64_t lw_event_source_record(const lw_event *ev)
{
    return ev->record;
}
size_t lw_event_field_count(const lw_event *ev)
{
    return ev->nfields;
}
void lw_event_field(const lw_event *ev, size_t i, lw_str *name, lw_str *value, int *is_null)
{
    if (i >= ev->nfields) {
        *name = *value = LW_STR_NULL;
        if (is_null)
            *is_null = 1;
        return;
    }
    *name = ev->fields[i].name;
    *value = ev->fields[i].value;
    if (is_null)
        *is_null = (ev->fields[i].flags & LW_FIELD_NULL) != 0;
}
int lw_event_get(const lw_event *ev, const char *name, lw_str *value)
{
    const lw_field *f = lw_event_find(ev, lw_str_c(name));
    if (!f)
        return 0;
    *value = f->value;
    return 1;
}
