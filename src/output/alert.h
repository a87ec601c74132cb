/* The alert object handed to callbacks and sinks: a rule and the event it matched. */
#ifndef LW_ALERT_H
#define LW_ALERT_H

#include "../core/event.h"
#include "../sigma/sigma.h"

struct lw_alert {
    const lw_rule *rule;
    const lw_rule_meta *meta;
    const lw_event *ev;
};

#endif
