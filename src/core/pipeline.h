/*
 * Decode thread: one input read and decoded on a second thread while the hunting thread
 * enriches, matches and writes (lw_hunt_options.threads = 2).
 *
 * The decode thread fills batches of events (each event copied into memory of its own, so
 * nothing points into the reader window it goes on reusing) and hands them over in record
 * order; the skips and warnings the decoder reports on the way are queued in the batch at
 * their place among the events.  The hunting thread takes items in that order, so
 * counters, reports and alerts are exactly those of decoding on one thread.
 *
 * Bounds: LW_PIPE_BATCHES batches in flight, each closed after LW_PIPE_BATCH_EVENTS events,
 * LW_PIPE_BATCH_ITEMS events and notes, or LW_PIPE_BATCH_BYTES bytes of event memory (plus
 * what the one record that crossed a bound brought).
 */
#ifndef LW_PIPELINE_H
#define LW_PIPELINE_H

#include "../input/input.h"

#define LW_PIPE_BATCHES      4
#define LW_PIPE_BATCH_EVENTS 128
#define LW_PIPE_BATCH_BYTES  (1u << 20)
#define LW_PIPE_BATCH_ITEMS  512 /* events and notes: a run of bad records is batched too */

typedef struct lw_pipeline lw_pipeline;

/* A skip or warning the decoder reported, in record order. */
typedef struct lw_pipe_note {
    lw_input_note_kind kind;
    uint64_t line, col;
    const char *reason; /* static */
    const char *msg;
} lw_pipe_note;

/* Start decoding in (opened by dec->open) on a new thread; events get src_path = path.
 * *pp: a pipeline to reuse (its batch memory, warm from earlier inputs), or NULL to have
 * one made and stored there (even when starting fails; free it with lw_pipeline_free).
 * LW_ENOMEM, or LW_EIO when no thread could be started (nothing has been read: the caller
 * may decode on its own thread instead). */
lw_status lw_pipeline_start(lw_pipeline **pp, lw_input *in, const lw_decoder *dec,
                            const char *path);

/*
 * The next item, in record order: LW_OK with *ev set (an event, valid until the next
 * call) or *note set (a report to count); otherwise the status that ended decoding, as
 * dec->next returned it (LW_EOF, LW_EIO, LW_ENOMEM...).
 */
lw_status lw_pipeline_next(lw_pipeline *p, lw_event **ev, const lw_pipe_note **note);

/* Stop the thread (at once if it is still decoding) and wait for it.  The input is then
 * the caller's again (still open: close it as usual); the pipeline keeps its memory for
 * the next lw_pipeline_start. */
void lw_pipeline_stop(lw_pipeline *p);

/* Stop (if running) and free. */
void lw_pipeline_free(lw_pipeline *p);

#endif
