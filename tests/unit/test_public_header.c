/*
 * The public header stands alone: it is the first include here (nothing before it may
 * supply bool, int64_t or FILE), and the small API it adds for callers is exercised:
 * lw_time_parse, the parser behind hunt --from / --to.
 */
#include "lurewatch.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void test_time_parse(void **state)
{
    (void)state;
    int64_t ms = 0;
    bool date_only = false;
    assert_true(lw_time_parse("2026-03-02", &ms, &date_only));
    assert_true(date_only);
    assert_int_equal(ms, 1772409600000LL); /* 2026-03-02T00:00:00Z */
    assert_true(lw_time_parse(" 2026-03-02T09:15:00.250Z ", &ms, &date_only));
    assert_false(date_only);
    assert_int_equal(ms, 1772409600000LL + (9 * 3600 + 15 * 60) * 1000LL + 250);
    assert_true(lw_time_parse("2026-03-02T10:15:00+01:00", &ms, NULL));
    assert_int_equal(ms, 1772409600000LL + (9 * 3600 + 15 * 60) * 1000LL);
    assert_false(lw_time_parse("yesterday", &ms, &date_only));
    assert_false(lw_time_parse("2026-13-01", &ms, &date_only));
    assert_false(lw_time_parse("", &ms, &date_only));
    assert_false(lw_time_parse(NULL, &ms, &date_only));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
