#include <stdio.h>

#include "event.h"

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *p, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)p[i] - '0';
        if (d > 9)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool lw_parse_time(lw_str s, int64_t *ms)
{
    s = lw_str_trim(s);
    const char *p = s.p;
    size_t n = s.n;
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    /* YYYY-MM-DD[T ]HH:MM[:SS[.frac]][Z|+HH:MM|-HH:MM|+HHMM] */
    if (n < 10 || !digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) || p[7] != '-' ||
        !digits(p + 8, 2, &d))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return false;
    size_t i = 10;
    int64_t frac_ms = 0;
    int64_t offset_min = 0;
    if (i < n && (p[i] == 'T' || p[i] == 't' || p[i] == ' ')) {
        i++;
        if (i + 5 > n || !digits(p + i, 2, &h) || p[i + 2] != ':' || !digits(p + i + 3, 2, &mi))
            return false;
        i += 5;
        if (i < n && p[i] == ':') {
            if (i + 3 > n || !digits(p + i + 1, 2, &sec))
                return false;
            i += 3;
        }
        if (i < n && (p[i] == '.' || p[i] == ',')) {
            i++;
            int k = 0;
            while (i < n && p[i] >= '0' && p[i] <= '9') {
                if (k < 3)
                    frac_ms = frac_ms * 10 + (p[i] - '0');
                k++;
                i++;
            }
            if (k == 0)
                return false;
            for (; k < 3; k++)
                frac_ms *= 10;
        }
        if (h > 23 || mi > 59 || sec > 60)
            return false;
        if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
            i++;
        } else if (i < n && (p[i] == '+' || p[i] == '-')) {
            int sign = p[i] == '-' ? -1 : 1;
            unsigned oh, om = 0;
            i++;
            if (i + 2 > n || !digits(p + i, 2, &oh))
                return false;
            i += 2;
            if (i < n && p[i] == ':')
                i++;
            if (i + 2 <= n && digits(p + i, 2, &om))
                i += 2;
            offset_min = sign * (int64_t)(oh * 60 + om);
        }
    }
    if (i != n)
        return false;
    int64_t days = days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    *ms = secs * 1000 + frac_ms;
    return true;
}

void lw_format_time(int64_t ms, char *buf, size_t cap)
{
    if (ms == INT64_MIN) {
        lw_fmt(buf, cap, "%s", "");
        return;
    }
    int64_t secs = ms / 1000;
    int64_t rem = ms % 1000;
    if (rem < 0) {
        rem += 1000;
        secs--;
    }
    int64_t z = secs / 86400;
    int64_t sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        z--;
    }
    /* civil_from_days */
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    lw_fmt(buf, cap, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m, d,
           (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60), (unsigned)(sod % 60), (unsigned)rem);
}
