#ifndef IS_UNIT_H
#define IS_UNIT_H
/*
 * A tiny harness for the C unit tests of lib/: each check prints one line
 * ("ok - ..." or "FAIL - ..."), which tests/run counts.
 */
#include <stdio.h>

static int unit_failures;

#define CHECK(cond, ...) do { \
	if (cond) { \
		printf("ok - "); printf(__VA_ARGS__); printf("\n"); \
	} else { \
		unit_failures++; \
		printf("FAIL - "); printf(__VA_ARGS__); \
		printf(" (%s:%d: %s)\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define UNIT_DONE() (unit_failures ? 1 : 0)

#endif
