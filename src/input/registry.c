/* The decoder registry: adding a format is adding a file and a line here. */
#include "input.h"

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

const lw_decoder *lw_decoder_sniff(const unsigned char *head, size_t n)
{
    const lw_decoder *best = NULL;
    int best_score = 49;
    for (size_t i = 0; lw_decoders[i]; i++) {
        int s = lw_decoders[i]->sniff(head, n);
        if (s > best_score) {
            best_score = s;
            best = lw_decoders[i];
        }
    }
    return best;
}
