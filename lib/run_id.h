#ifndef IS_RUN_ID_H
#define IS_RUN_ID_H
#include <stdint.h>

/*
 * Run ids: 63-bit values made by reversing the bits of a sequence number, so
 * consecutive runs land far apart in a distributed backend's key space (time
 * order comes from the records' timestamps, not from the id).
 *
 * is-ledger will allocate the sequence from its store, which makes ids unique
 * by construction. Until then is-exec derives it from the wall clock in
 * microseconds with the process id in the low bits, so two runs started in the
 * same microsecond on one host still differ.
 */
uint64_t is_run_id_from_sequence(uint64_t seq);
/* A new id for a run starting now. */
uint64_t is_run_id_new(void);
/* The id as a decimal string (ids exceed JSON's safe integers): out >= 21. */
void is_run_id_format(uint64_t id, char out[21]);

#endif
