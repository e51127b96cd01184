/* SPDX-License-Identifier: BSD-3-Clause
 *
 * test_runner.h - the small, header-only test runner used by dmadev-rs's C tests.
 *
 * A test case is a function `int fn(void)` returning TEST_SUCCESS, TEST_FAILED
 * or TEST_SKIPPED (any other value counts as a failure).  A suite is a name,
 * optional setup/teardown hooks and a table of cases ended by TEST_CASES_END():
 *
 *     static const struct test_case cases[] = {
 *             TEST_CASE(test_something),
 *             TEST_CASES_END()
 *     };
 *     static const struct test_suite suite = {
 *             .name = "my suite", .setup = my_setup, .teardown = my_teardown,
 *             .cases = cases,
 *     };
 *     int main(void) { return test_suite_run(&suite) == 0 ? 0 : 1; }
 *
 * The runner prints one line per case:
 *
 *       [PASS] test_something
 *       [FAIL] test_other
 *       [SKIP] test_third: <reason given with test_skip_reason()>
 *
 * and ends with exactly one summary line, alone on its line:
 *
 *     12 passed, 0 failed, 2 skipped
 *
 * test_suite_run() returns the number of failed cases (0 when nothing failed).
 *
 * Everything here is `static inline`, so including the header from a test
 * that does not use every helper triggers no unused-function warnings.
 * Plain C11; builds with -std=c11 -Wall -Wextra -Werror -pedantic.
 */

#ifndef DMADEV_RS_TEST_RUNNER_H
#define DMADEV_RS_TEST_RUNNER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Results a test case (or a suite setup hook) can return. */
#ifndef TEST_SUCCESS
#define TEST_SUCCESS 0
#endif
#ifndef TEST_FAILED
#define TEST_FAILED (-1)
#endif
#ifndef TEST_SKIPPED
#define TEST_SKIPPED 77
#endif

/* One entry of a suite's case table. */
struct test_case {
	const char *name;     /* printed in the result line */
	int (*fn)(void);      /* NULL marks the end of the table */
};

/* Build a table entry whose name is the function's own name. */
#define TEST_CASE(fn) { #fn, fn }
/* The entry that ends a case table. */
#define TEST_CASES_END() { NULL, NULL }

struct test_suite {
	const char *name;                 /* printed before the cases (may be NULL) */
	int (*setup)(void);               /* optional; run once before the cases */
	void (*teardown)(void);           /* optional; run once after the cases */
	const struct test_case *cases;    /* ended by TEST_CASES_END() */
};

/* Counters of one suite run. */
struct test_counts {
	unsigned int passed;
	unsigned int failed;
	unsigned int skipped;
};

/* Runner state shared by the helpers below (one instance per program). */
struct test_runner_state {
	char skip_reason[256];
	int have_skip_reason;
};

static inline struct test_runner_state *
test_runner_state(void)
{
	static struct test_runner_state state;

	return &state;
}

/*
 * Record why the running case is skipped; call it just before returning
 * TEST_SKIPPED.  Takes a printf-style format.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static inline void
test_skip_reason(const char *fmt, ...)
{
	struct test_runner_state *st = test_runner_state();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->skip_reason, sizeof(st->skip_reason), fmt, ap);
	va_end(ap);
	st->have_skip_reason = 1;
}

static inline void
test_runner_clear_reason(void)
{
	struct test_runner_state *st = test_runner_state();

	st->skip_reason[0] = '\0';
	st->have_skip_reason = 0;
}

/* Print the result line of one case and count it. */
static inline void
test_runner_report(const char *name, int rc, struct test_counts *counts)
{
	struct test_runner_state *st = test_runner_state();

	if (rc == TEST_SUCCESS) {
		counts->passed++;
		printf("  [PASS] %s\n", name);
	} else if (rc == TEST_SKIPPED) {
		counts->skipped++;
		printf("  [SKIP] %s: %s\n", name,
		       st->have_skip_reason ? st->skip_reason : "no reason given");
	} else {
		counts->failed++;
		if (rc == TEST_FAILED)
			printf("  [FAIL] %s\n", name);
		else
			printf("  [FAIL] %s (returned %d)\n", name, rc);
	}
	fflush(stdout);
}

/*
 * Run every case of @suite and print the per-case lines and the summary line.
 * @counts may be NULL; when given it receives the totals.
 * Returns the number of failed cases.
 *
 * If setup returns TEST_SKIPPED every case is reported as skipped (with the
 * reason setup gave); if it returns anything else that is not TEST_SUCCESS,
 * every case is reported as failed.  teardown runs only after a successful
 * setup.
 */
static inline unsigned int
test_suite_run_counts(const struct test_suite *suite, struct test_counts *counts)
{
	struct test_counts c = { 0, 0, 0 };
	const struct test_case *tc;
	int setup_rc = TEST_SUCCESS;

	if (suite->name != NULL)
		printf("=== %s ===\n", suite->name);
	fflush(stdout);

	test_runner_clear_reason();
	if (suite->setup != NULL)
		setup_rc = suite->setup();
	if (setup_rc != TEST_SUCCESS && setup_rc != TEST_SKIPPED)
		printf("  suite setup failed (returned %d); no case is run\n", setup_rc);

	for (tc = suite->cases; tc != NULL && tc->fn != NULL; tc++) {
		int rc;

		if (setup_rc == TEST_SUCCESS) {
			test_runner_clear_reason();
			rc = tc->fn();
		} else if (setup_rc == TEST_SKIPPED) {
			if (!test_runner_state()->have_skip_reason)
				test_skip_reason("suite setup skipped");
			rc = TEST_SKIPPED;
		} else {
			rc = TEST_FAILED;
		}
		test_runner_report(tc->name, rc, &c);
	}

	if (setup_rc == TEST_SUCCESS && suite->teardown != NULL)
		suite->teardown();

	printf("%u passed, %u failed, %u skipped\n", c.passed, c.failed, c.skipped);
	fflush(stdout);

	if (counts != NULL)
		*counts = c;
	return c.failed;
}

/* Same as test_suite_run_counts() without returning the counters. */
static inline unsigned int
test_suite_run(const struct test_suite *suite)
{
	return test_suite_run_counts(suite, NULL);
}

#endif /* DMADEV_RS_TEST_RUNNER_H */
