/*
 * typosquat.c - is a label one dnstwist-style edit away from a brand name?  Each kind is
 * checked directly (no permutation lists are generated), so a lookup is O(len) per brand.
 */
#include <string.h>

#include "core/str.h"
#include "intel/intel.h"

const char *lw_squat_name(lw_squat k)
{
    static const char *const names[] = {
        "none",        "omission", "insertion",  "repetition", "transposition",
        "keyboard",    "bitsquat", "vowel-swap", "homoglyph",  "replacement",
        "hyphenation", "tld-swap", "combo",
    };
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "none";
}

static bool is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* QWERTY neighbours (same row and the rows above/below), as dnstwist's keyboard map. */
static bool adjacent(char a, char b)
{
    static const char *const rows[] = {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"};
    int ra = -1, ca = -1, rb = -1, cb = -1;
    for (int r = 0; r < 4; r++) {
        const char *pa = strchr(rows[r], a), *pb = strchr(rows[r], b);
        if (a && pa) {
            ra = r;
            ca = (int)(pa - rows[r]);
        }
        if (b && pb) {
            rb = r;
            cb = (int)(pb - rows[r]);
        }
    }
    if (ra < 0 || rb < 0)
        return false;
    int dr = ra - rb, dc = ca - cb;
    if (dr == 0)
        return dc == 1 || dc == -1;
    if (dr == 1 || dr == -1)
        return dc >= -1 && dc <= 1;
    return false;
}

/* Single-character lookalikes in ASCII (the ones dnstwist uses for latin). */
static bool glyph_pair(char a, char b)
{
    static const char *const pairs[] = {"0o", "1l", "1i", "li", "5s", "3e", "4a",
                                        "8b", "9g", "6b", "vu", "qg", "nm"};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if ((pairs[i][0] == a && pairs[i][1] == b) || (pairs[i][0] == b && pairs[i][1] == a))
            return true;
    return false;
}

static bool bitflip(char a, char b)
{
    unsigned x = (unsigned char)a ^ (unsigned char)b;
    return x && (x & (x - 1)) == 0;
}

/* label == brand after replacing one multi-letter lookalike ("rn" for "m", "vv" for "w",
 * "cl" for "d") in the label. */
static bool multi_glyph(lw_str l, lw_str b)
{
    static const char *const from[] = {"rn", "vv", "cl", "ii"}, *const to[] = {"m", "w", "d", "u"};
    if (l.n != b.n + 1)
        return false;
    for (size_t i = 0; i + 1 < l.n; i++) {
        for (size_t k = 0; k < 4; k++) {
            if (l.p[i] != from[k][0] || l.p[i + 1] != from[k][1])
                continue;
            if (i < b.n && b.p[i] == to[k][0] && memcmp(l.p, b.p, i) == 0 &&
                memcmp(l.p + i + 2, b.p + i + 1, b.n - i - 1) == 0)
                return true;
        }
    }
    return false;
}

lw_squat lw_squat_classify(lw_str l, lw_str b)
{
    if (l.n == 0 || b.n == 0 || lw_str_eq(l, b))
        return LW_SQUAT_NONE;
    /* hyphenation: removing hyphens gives the brand (pay-pal, p-aypal) */
    if (l.n > b.n && memchr(l.p, '-', l.n)) {
        size_t k = 0, j = 0;
        for (; k < l.n && j <= b.n; k++) {
            if (l.p[k] == '-')
                continue;
            if (j == b.n || l.p[k] != b.p[j])
                break;
            j++;
        }
        if (k == l.n && j == b.n)
            return LW_SQUAT_HYPHENATION;
    }
    if (multi_glyph(l, b))
        return LW_SQUAT_HOMOGLYPH;
    if (l.n == b.n + 1) {
        size_t i = 0;
        while (i < b.n && l.p[i] == b.p[i])
            i++;
        if (memcmp(l.p + i + 1, b.p + i, b.n - i) != 0)
            return LW_SQUAT_NONE;
        char c = l.p[i];
        if ((i > 0 && l.p[i - 1] == c) || (i + 1 < l.n && l.p[i + 1] == c))
            return LW_SQUAT_REPETITION;
        return LW_SQUAT_INSERTION;
    }
    if (l.n + 1 == b.n) {
        size_t i = 0;
        while (i < l.n && l.p[i] == b.p[i])
            i++;
        return memcmp(l.p + i, b.p + i + 1, l.n - i) == 0 ? LW_SQUAT_OMISSION : LW_SQUAT_NONE;
    }
    if (l.n != b.n)
        return LW_SQUAT_NONE;
    size_t d1 = SIZE_MAX, d2 = SIZE_MAX, nd = 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.p[i] != b.p[i]) {
            if (nd == 0)
                d1 = i;
            else if (nd == 1)
                d2 = i;
            nd++;
        }
    if (nd == 2 && d2 == d1 + 1 && l.p[d1] == b.p[d2] && l.p[d2] == b.p[d1])
        return LW_SQUAT_TRANSPOSITION;
    if (nd != 1)
        return LW_SQUAT_NONE;
    char x = l.p[d1], y = b.p[d1];
    if (glyph_pair(x, y))
        return LW_SQUAT_HOMOGLYPH;
    if (is_vowel(x) && is_vowel(y))
        return LW_SQUAT_VOWEL_SWAP;
    if (adjacent(x, y))
        return LW_SQUAT_KEYBOARD;
    if (bitflip(x, y))
        return LW_SQUAT_BITSQUAT;
    return LW_SQUAT_REPLACEMENT;
}
