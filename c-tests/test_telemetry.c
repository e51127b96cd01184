/* SPDX-License-Identifier: BSD-3-Clause
 *
 * test_telemetry.c - an application with its own telemetry commands, for
 * check_telemetry.py: it checks the rte_tel_data_* builders' return codes, registers
 * /app/hello (rte_telemetry_register_cmd: every value type, nested containers, hex)
 * and /app/counter (rte_telemetry_register_cmd_arg), creates the dmadev devices
 * given with --vdev, configures and runs a few copies on the first, then prints
 * "ready" and serves until its standard input closes.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_telemetry.h>

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		printf("FAIL line %d: ", __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
		return 1; \
	} \
} while (0)

static int
hello(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *ints = rte_tel_data_alloc();
	struct rte_tel_data *inner = rte_tel_data_alloc();

	if (ints == NULL || inner == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "cmd", cmd);
	rte_tel_data_add_dict_string(d, "params", params != NULL ? params : "none");
	rte_tel_data_add_dict_int(d, "negative", -5);
	rte_tel_data_add_dict_uint(d, "big", UINT64_MAX);
	rte_tel_data_add_dict_uint_hex(d, "mask", 0xff, 16);
	rte_tel_data_add_dict_string(d, "quoted", "a \"b\"\tc\\");
	rte_tel_data_start_array(ints, RTE_TEL_INT_VAL);
	rte_tel_data_add_array_int(ints, 1);
	rte_tel_data_add_array_int(ints, -2);
	rte_tel_data_add_dict_container(d, "ints", ints, 0);    /* freed by the library */
	rte_tel_data_start_dict(inner);
	rte_tel_data_add_dict_int(inner, "depth", 2);
	rte_tel_data_add_dict_container(d, "inner", inner, 0);
	if (params != NULL && strcmp(params, "fail") == 0)
		return -EINVAL;
	return 0;
}

static int
counter(const char *cmd, const char *params, void *arg, struct rte_tel_data *d)
{
	uint64_t *n = arg;

	(void)cmd;
	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_UINT_VAL);
	rte_tel_data_add_array_uint(d, ++*n);
	rte_tel_data_add_array_uint(d, *n * 10);
	return 0;
}

/* The builders' codes, as DPDK's: wrong container -EINVAL, bad name -EINVAL, full
 * -ENOSPC, truncation E2BIG, containers that cannot nest -EINVAL. */
static int
check_builders(void)
{
	struct rte_tel_data *d = rte_tel_data_alloc(), *s = rte_tel_data_alloc();
	char long_str[300];
	int i;

	CHECK(d != NULL && s != NULL, "rte_tel_data_alloc");
	CHECK(rte_tel_data_add_dict_int(d, "x", 1) == -EINVAL, "dict add before start");
	CHECK(rte_tel_data_start_dict(d) == 0, "start_dict");
	CHECK(rte_tel_data_add_dict_int(d, "bad name", 1) == -EINVAL, "name with a space");
	CHECK(rte_tel_data_add_array_int(d, 1) == -EINVAL, "array add to a dict");
	memset(long_str, 'x', sizeof(long_str) - 1);
	long_str[sizeof(long_str) - 1] = '\0';
	CHECK(rte_tel_data_add_dict_string(d, "long", long_str) == E2BIG, "truncation");
	for (i = 1; i < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		char name[16];

		snprintf(name, sizeof(name), "k%d", i);
		CHECK(rte_tel_data_add_dict_uint(d, name, (uint64_t)i) == 0, "entry %d", i);
	}
	CHECK(rte_tel_data_add_dict_uint(d, "full", 1) == -ENOSPC, "full dict");
	CHECK(rte_tel_data_string(s, "text") == 0, "string");
	CHECK(rte_tel_data_start_array(d, RTE_TEL_CONTAINER) == 0, "container array");
	CHECK(rte_tel_data_add_array_container(d, s, 1) == -EINVAL, "a string cannot nest");
	CHECK(rte_tel_data_add_array_container(d, d, 0) == -EINVAL, "not into itself");
	CHECK(rte_tel_data_start_array(d, (enum rte_tel_value_type)9) == -EINVAL, "bad type");
	CHECK(rte_tel_data_add_array_uint_hex(NULL, 1, 8) == -EINVAL, "NULL data");
	CHECK(rte_telemetry_register_cmd("no_slash", (telemetry_cb)hello, "") == -EINVAL,
	      "command without /");
	CHECK(rte_telemetry_register_cmd("/app/x", NULL, "") == -EINVAL, "NULL callback");
	CHECK(rte_telemetry_register_cmd("/app/bad-name", hello, "") == -EINVAL, "bad char");
	rte_tel_data_free(s);
	rte_tel_data_free(d);
	rte_tel_data_free(NULL);
	return 0;
}

/* A few copies on device 0, so /dmadev/stats has something to count. */
static int
run_copies(void)
{
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf vconf = { .direction = RTE_DMA_DIR_MEM_TO_MEM, .nb_desc = 64 };
	char *src = rte_malloc(NULL, 64, 0), *dst = rte_zmalloc(NULL, 64, 0);
	uint16_t last, done = 0;
	bool err;

	CHECK(src != NULL && dst != NULL, "rte_malloc");
	CHECK(rte_dma_configure(0, &conf) == 0, "configure");
	CHECK(rte_dma_vchan_setup(0, 0, &vconf) == 0, "vchan_setup");
	CHECK(rte_dma_start(0) == 0, "start");
	for (int i = 0; i < 5; i++)
		CHECK(rte_dma_copy(0, 0, rte_malloc_virt2iova(src), rte_malloc_virt2iova(dst), 64,
				   RTE_DMA_OP_FLAG_SUBMIT) >= 0, "copy %d", i);
	for (long spins = 0; done < 5 && spins < 100000000L; spins++)
		done += rte_dma_completed(0, 0, 5, &last, &err);
	CHECK(done == 5, "%u of 5 copies completed", done);
	rte_free(src);
	rte_free(dst);
	return 0;
}

int
main(int argc, char **argv)
{
	static uint64_t calls;
	char line[64];

	setvbuf(stdout, NULL, _IONBF, 0);
	if (rte_eal_init(argc, argv) < 0) {
		printf("FAIL: rte_eal_init\n");
		return 1;
	}
	if (check_builders() != 0)
		return 1;
	CHECK(rte_telemetry_register_cmd("/app/hello", hello, "Says hello. Parameters: any") == 0,
	      "register /app/hello");
	CHECK(rte_telemetry_register_cmd_arg("/app/counter", counter, &calls,
					     "Counts its calls. Takes no parameters") == 0,
	      "register /app/counter");
	if (rte_dma_count_avail() > 0 && run_copies() != 0)
		return 1;
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin) != NULL)
		;
	rte_dma_stop(0);
	return rte_eal_cleanup() == 0 ? 0 : 1;
}
