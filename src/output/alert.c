#include "alert.h"

lw_str lw_alert_rule_id(const lw_alert *a)
{
    return lw_str_c(a->meta->id);
}
lw_str lw_alert_rule_title(const lw_alert *a)
{
    return lw_str_c(a->meta->title);
}
lw_str lw_alert_rule_level(const lw_alert *a)
{
    return lw_str_c(a->meta->level);
}
lw_str lw_alert_rule_status(const lw_alert *a)
{
    return lw_str_c(a->meta->status);
}
size_t lw_alert_tag_count(const lw_alert *a)
{
    return a->meta->ntags;
}
lw_str lw_alert_tag(const lw_alert *a, size_t i)
{
    return i < a->meta->ntags ? lw_str_c(a->meta->tags[i]) : LW_STR_NULL;
}
const lw_event *lw_alert_event(const lw_alert *a)
{
    return a->ev;
}
