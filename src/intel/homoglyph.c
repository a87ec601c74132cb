/*
 * homoglyph.c - UTS #39 confusable skeletons and mixed-script checks with ICU's spoof
 * checker.  One USpoofChecker is configured at load time and then only used through
 * ICU's documented thread-safe read-only calls (getSkeleton, check), so it is shared.
 */
#include <stdlib.h>
#include <unicode/uspoof.h>

#include "intel/intel.h"

struct lw_spoof {
    USpoofChecker *sc;        /* skeletons */
    USpoofChecker *restrict_; /* "highly restrictive" + mixed-script checks */
};

lw_status lw_spoof_new(lw_spoof **out)
{
    *out = NULL;
    lw_spoof *s = calloc(1, sizeof *s);
    if (!s)
        return LW_ENOMEM;
    UErrorCode st = U_ZERO_ERROR;
    s->sc = uspoof_open(&st);
    if (U_SUCCESS(st))
        uspoof_setChecks(s->sc, USPOOF_CONFUSABLE, &st);
    UErrorCode st2 = U_ZERO_ERROR;
    s->restrict_ = uspoof_open(&st2);
    if (U_SUCCESS(st2)) {
        uspoof_setChecks(s->restrict_, USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS, &st2);
        uspoof_setRestrictionLevel(s->restrict_, USPOOF_HIGHLY_RESTRICTIVE);
    }
    if (U_FAILURE(st) || U_FAILURE(st2)) {
        lw_spoof_free(s);
        return LW_ENOMEM; /* ICU data missing: treat like a resource failure */
    }
    *out = s;
    return LW_OK;
}

void lw_spoof_free(lw_spoof *s)
{
    if (!s)
        return;
    if (s->sc)
        uspoof_close(s->sc);
    if (s->restrict_)
        uspoof_close(s->restrict_);
    free(s);
}

bool lw_spoof_skeleton(const lw_spoof *s, lw_str text, char *buf, size_t cap, size_t *len)
{
    *len = 0;
    if (!s || text.n > 512 || cap > INT32_MAX)
        return false;
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = uspoof_getSkeletonUTF8(s->sc, 0, text.p, (int32_t)text.n, buf, (int32_t)cap, &st);
    if (U_FAILURE(st) || n < 0 || (size_t)n >= cap)
        return false;
    *len = (size_t)n;
    return true;
}

bool lw_spoof_mixed_script(const lw_spoof *s, lw_str text)
{
    if (!s || text.n > 512)
        return false;
    UErrorCode st = U_ZERO_ERROR;
    int32_t r = uspoof_checkUTF8(s->restrict_, text.p, (int32_t)text.n, NULL, &st);
    return U_SUCCESS(st) && (r & (USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS)) != 0;
}
