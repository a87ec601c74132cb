/* The HTML report's page around its data (generated into report-assets.c by
 * scripts/gen-report-assets.py from src/output/report/).  The sink writes lw_report_head,
 * the escaped JSON data, then lw_report_tail. */
#ifndef LW_REPORT_ASSETS_H
#define LW_REPORT_ASSETS_H

#include <stddef.h>

extern const char lw_report_head[];
extern const size_t lw_report_head_len;
extern const char lw_report_tail[];
extern const size_t lw_report_tail_len;

#endif
