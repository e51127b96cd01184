/* SPDX-License-Identifier: BSD-3-Clause
 *
 * test.h - what DPDK's app/test/test_dmadev*.c need from DPDK's test framework,
 * written for dmadev-rs (no DPDK code): the unit test suite structures and macros,
 * TEST_SUCCESS/FAILED/SKIPPED and REGISTER_*_TEST. scripts/dpdk_tests.sh compiles
 * DPDK's unmodified test files with this header, main.c and our library.
 *
 * unit_test_suite_runner() runs a suite the way DPDK's runner does: the suite's
 * setup (if it fails, every case counts as failed, or skipped if it returned
 * TEST_SKIPPED), then each enabled case's setup, body and teardown, then the
 * suite's teardown, printing one line per case and a summary. A case whose setup
 * or body returns TEST_SKIPPED is skipped, -ENOTSUP is unsupported, anything
 * else but TEST_SUCCESS failed. It returns TEST_FAILED if a case failed,
 * TEST_SKIPPED if all were skipped, else TEST_SUCCESS.
 */
#ifndef DMADEV_RS_DPDK_TEST_H
#define DMADEV_RS_DPDK_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_test.h>
#include <rte_string_fns.h>

#define TEST_SUCCESS EXIT_SUCCESS
#define TEST_FAILED -1
#define TEST_SKIPPED 77

#define TEST_ASSERT RTE_TEST_ASSERT
#define TEST_ASSERT_EQUAL RTE_TEST_ASSERT_EQUAL
#define TEST_ASSERT_NOT_EQUAL RTE_TEST_ASSERT_NOT_EQUAL
#define TEST_ASSERT_SUCCESS RTE_TEST_ASSERT_SUCCESS
#define TEST_ASSERT_FAIL RTE_TEST_ASSERT_FAIL
#define TEST_ASSERT_NULL RTE_TEST_ASSERT_NULL
#define TEST_ASSERT_NOT_NULL RTE_TEST_ASSERT_NOT_NULL

struct unit_test_case {
	int (*setup)(void);
	void (*teardown)(void);
	int (*testcase)(void);
	int (*testcase_with_data)(const void *data);
	const char *name;
	unsigned int enabled;
	const void *data;
};

#define TEST_CASE(fn) { NULL, NULL, fn, NULL, #fn, 1, NULL }
#define TEST_CASE_NAMED(name, fn) { NULL, NULL, fn, NULL, name, 1, NULL }
#define TEST_CASE_ST(setup, teardown, testcase) \
	{ setup, teardown, testcase, NULL, #testcase, 1, NULL }
#define TEST_CASE_WITH_DATA(setup, teardown, testcase, data) \
	{ setup, teardown, NULL, testcase, #testcase, 1, data }
#define TEST_CASE_NAMED_ST(name, setup, teardown, testcase) \
	{ setup, teardown, testcase, NULL, name, 1, NULL }
#define TEST_CASE_NAMED_WITH_DATA(name, setup, teardown, testcase, data) \
	{ setup, teardown, NULL, testcase, name, 1, data }
#define TEST_CASE_DISABLED(fn) { NULL, NULL, fn, NULL, #fn, 0, NULL }
#define TEST_CASES_END() { NULL, NULL, NULL, NULL, NULL, 0, NULL }

struct unit_test_suite {
	const char *suite_name;
	int (*setup)(void);
	void (*teardown)(void);
	unsigned int total;
	unsigned int executed;
	unsigned int succeeded;
	unsigned int skipped;
	unsigned int failed;
	unsigned int unsupported;
	struct unit_test_suite **unit_test_suites;
	struct unit_test_case unit_test_cases[];
};

/* The tests register a command; main.c calls <cmd>_run(). */
#define REGISTER_TEST_COMMAND(cmd, func) int cmd##_run(void); int cmd##_run(void) { return func(); }
#define REGISTER_FAST_TEST(cmd, no_huge, asan, func) REGISTER_TEST_COMMAND(cmd, func)
#define REGISTER_PERF_TEST REGISTER_TEST_COMMAND
#define REGISTER_DRIVER_TEST REGISTER_TEST_COMMAND
#define REGISTER_STRESS_TEST REGISTER_TEST_COMMAND

static inline const char *
dmadev_rs_case_status(int ret)
{
	if (ret == TEST_SUCCESS)
		return "succeeded";
	if (ret == TEST_SKIPPED)
		return "skipped";
	if (ret == -ENOTSUP)
		return "unsupported";
	return "failed";
}

static inline void
dmadev_rs_count(struct unit_test_suite *s, int ret)
{
	if (ret == TEST_SUCCESS) {
		s->succeeded++;
		s->executed++;
	} else if (ret == TEST_SKIPPED) {
		s->skipped++;
	} else if (ret == -ENOTSUP) {
		s->unsupported++;
	} else {
		s->failed++;
		s->executed++;
	}
}

static inline int
unit_test_suite_runner(struct unit_test_suite *suite)
{
	const struct unit_test_case *tc;
	int setup_ret = TEST_SUCCESS;

	suite->total = suite->executed = suite->succeeded = 0;
	suite->skipped = suite->failed = suite->unsupported = 0;
	printf(" + ------------------------------------------------------- +\n");
	printf(" + Test Suite : %s\n", suite->suite_name ? suite->suite_name : "");
	if (suite->setup != NULL)
		setup_ret = suite->setup();
	printf(" + ------------------------------------------------------- +\n");
	for (tc = suite->unit_test_cases; tc->testcase != NULL || tc->testcase_with_data != NULL; tc++) {
		int ret;

		suite->total++;
		if (!tc->enabled) {
			suite->skipped++;
			continue;
		}
		if (setup_ret != TEST_SUCCESS) {
			/* The suite could not be set up: its cases did not run. */
			ret = setup_ret == TEST_SKIPPED ? TEST_SKIPPED : TEST_FAILED;
			dmadev_rs_count(suite, ret);
			printf(" + TestCase [%2u] : %s %s (suite setup)\n", suite->total, tc->name,
				dmadev_rs_case_status(ret));
			continue;
		}
		ret = tc->setup != NULL ? tc->setup() : TEST_SUCCESS;
		if (ret == TEST_SUCCESS) {
			if (tc->testcase != NULL)
				ret = tc->testcase();
			else
				ret = tc->testcase_with_data(tc->data);
		}
		dmadev_rs_count(suite, ret);
		if (tc->teardown != NULL)
			tc->teardown();
		printf(" + TestCase [%2u] : %s %s\n", suite->total, tc->name, dmadev_rs_case_status(ret));
	}
	if (setup_ret == TEST_SUCCESS && suite->teardown != NULL)
		suite->teardown();
	printf(" + ------------------------------------------------------- +\n");
	printf(" + Test Suite Summary : %s\n", suite->suite_name ? suite->suite_name : "");
	printf(" + Tests Total :       %2u\n", suite->total);
	printf(" + Tests Skipped :     %2u\n", suite->skipped);
	printf(" + Tests Executed :    %2u\n", suite->executed);
	printf(" + Tests Unsupported:  %2u\n", suite->unsupported);
	printf(" + Tests Passed :      %2u\n", suite->succeeded);
	printf(" + Tests Failed :      %2u\n", suite->failed);
	printf(" + ------------------------------------------------------- +\n");
	if (suite->failed != 0)
		return TEST_FAILED;
	if (suite->total == suite->skipped)
		return TEST_SKIPPED;
	return TEST_SUCCESS;
}

#endif /* DMADEV_RS_DPDK_TEST_H */
