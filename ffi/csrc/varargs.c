/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The exported functions that take a printf format and variable arguments (stable
 * Rust can neither define a variadic function nor read a va_list): each formats
 * its message here and hands the text to the library's Rust side
 * (ffi/src/log.rs, the dmadev_rs_* functions, which are not exported).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int dmadev_rs_log_write(const char *text, size_t len);
int dmadev_rs_log_check(uint32_t level, uint32_t logtype);
void dmadev_rs_exit(int exit_code) __attribute__((noreturn));
void dmadev_rs_panic(const char *funcname) __attribute__((noreturn));

/* DPDK's numbers: RTE_LOG_CRIT and the EAL's fixed log type. */
#define LOG_CRIT 3
#define LOGTYPE_EAL 0

int rte_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
	__attribute__((format(printf, 3, 0)));
int rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
void rte_exit(int exit_code, const char *format, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
void __rte_panic(const char *funcname, const char *format, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

/* As DPDK's: -1 for an unknown log type, 0 when the level is off, else what was
 * written. The message is written as given, in one write. */
int
rte_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
{
	char small[512];
	char *text = small;
	va_list again;
	int len, ret;

	if (format == NULL)
		return -1;
	ret = dmadev_rs_log_check(level, logtype);
	if (ret <= 0)
		return ret;
	va_copy(again, ap);
	len = vsnprintf(small, sizeof(small), format, ap);
	if (len >= (int)sizeof(small)) {
		text = malloc((size_t)len + 1);
		if (text != NULL)
			vsnprintf(text, (size_t)len + 1, format, again);
	}
	va_end(again);
	if (len < 0 || text == NULL)
		return -1;
	ret = dmadev_rs_log_write(text, (size_t)len);
	if (text != small)
		free(text);
	return ret;
}

int
rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
{
	va_list ap;
	int ret;

	va_start(ap, format);
	ret = rte_vlog(level, logtype, format, ap);
	va_end(ap);
	return ret;
}

/* Logs the message at CRIT on the EAL's type, cleans the EAL up and exits. */
void
rte_exit(int exit_code, const char *format, ...)
{
	va_list ap;

	if (exit_code != 0)
		rte_log(LOG_CRIT, LOGTYPE_EAL, "EAL: Error - exiting with code: %d\n", exit_code);
	va_start(ap, format);
	rte_vlog(LOG_CRIT, LOGTYPE_EAL, format, ap);
	va_end(ap);
	dmadev_rs_exit(exit_code);
}

/* rte_panic(): logs where and why at CRIT, then aborts. */
void
__rte_panic(const char *funcname, const char *format, ...)
{
	va_list ap;

	rte_log(LOG_CRIT, LOGTYPE_EAL, "EAL: PANIC in %s():\n", funcname != NULL ? funcname : "?");
	va_start(ap, format);
	rte_vlog(LOG_CRIT, LOGTYPE_EAL, format, ap);
	va_end(ap);
	dmadev_rs_panic(funcname);
}
