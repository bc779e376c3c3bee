#include <inttypes.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

#include "run_id.h"
#include "banned.h"

enum { PID_BITS = 16 };

uint64_t is_run_id_from_sequence(uint64_t seq)
{
	uint64_t out = 0;
	int i;

	/* Reverse the low 63 bits: bit 0 becomes bit 62, the sign bit stays 0. */
	for (i = 0; i < 63; i++)
		if (seq & ((uint64_t)1 << i))
			out |= (uint64_t)1 << (62 - i);
	return out;
}

uint64_t is_run_id_new(void)
{
	struct timeval tv;
	uint64_t us, seq;

	gettimeofday(&tv, NULL);
	us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	/* 47 bits of microseconds last 4 years before wrapping; the pid's low 16
	 * bits keep runs of one instant apart. */
	seq = (us << PID_BITS) | ((uint64_t)getpid() & ((1u << PID_BITS) - 1));
	seq &= ((uint64_t)1 << 63) - 1;
	if (seq == 0)
		seq = 1;
	return is_run_id_from_sequence(seq);
}

void is_run_id_format(uint64_t id, char out[21])
{
	snprintf(out, 21, "%" PRIu64, id);
}
