/* The decoder registry: adding a format is adding a file and a line here. */
#include "input.h"

#include <string.h>

extern const lw_decoder lw_decoder_evtx;
extern const lw_decoder lw_decoder_json;
extern const lw_decoder lw_decoder_xml;
extern const lw_decoder lw_decoder_zeek;
extern const lw_decoder lw_decoder_eve;
extern const lw_decoder lw_decoder_proxy;

const lw_decoder *const lw_decoders[] = {
    &lw_decoder_evtx,
    &lw_decoder_json,
    &lw_decoder_xml,
    &lw_decoder_zeek,
    &lw_decoder_eve,
    &lw_decoder_proxy,
    NULL,
};

static const lw_decoder *sniff_at(const unsigned char *head, size_t n, int min_score)
{
    const lw_decoder *best = NULL;
    int best_score = min_score - 1;
    for (size_t i = 0; lw_decoders[i]; i++) {
        int s = lw_decoders[i]->sniff(head, n);
        if (s > best_score) {
            best_score = s;
            best = lw_decoders[i];
        }
    }
    return best;
}

/* Lines of the head tried after the first one fails. */
#define SNIFF_RETRY_LINES 8

const lw_decoder *lw_decoder_sniff(const unsigned char *head, size_t n)
{
    const lw_decoder *best = sniff_at(head, n, 50);
    if (best)
        return best;
    /* A first line that is not the format (a record cut at the head of a rotated log, a
     * banner, a stray line) must cost one skipped record, not the whole file: try the next
     * few lines, asking for more confidence than at the start (random binary has newlines
     * too, and a line starting with '{' alone is not enough). */
    const unsigned char *p = head, *e = head + n;
    for (int k = 0; k < SNIFF_RETRY_LINES; k++) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(e - p));
        if (!nl || nl + 1 >= e)
            break;
        p = nl + 1;
        if ((best = sniff_at(p, (size_t)(e - p), 80)) != NULL)
            return best;
    }
    return NULL;
}
