/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's inter-process mode, what both processes use: the data pattern of the
 * areas and its check, the messages on the pipes, and random group credentials.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "interprocess.h"

const char *const region_name[R_NB] = { "rte_malloc source", "rte_malloc destination",
					"mmap source", "mmap destination" };

uint64_t
splitmix(uint64_t x)
{
	x += UINT64_C(0x9E3779B97F4A7C15);
	x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

/* The pattern of @seed at area offsets [off, off + len): every byte depends on its
 * offset, so a copy to or from the wrong place is caught. */
void
pattern_fill(uint8_t *p, uint64_t off, size_t len, uint64_t seed)
{
	size_t i = 0;

	while (i < len) {
		uint64_t o = off + i, w = splitmix(seed ^ (o >> 3));
		size_t b = o & 7, n = 8 - b;

		if (n > len - i)
			n = len - i;
		memcpy(p + i, (const uint8_t *)&w + b, n);
		i += n;
	}
}

uint64_t
peer_seed(uint64_t seed, int region)
{
	return splitmix(seed + (uint64_t)region + 1);
}

/* Checks @count buffers of @len bytes, @stride apart from offset 0 of an area: each
 * holds the pattern of @seed (at its own offsets), and the rest of each stride is
 * POISON.  Returns -1, or the offset of the first wrong byte (*got, *want). */
long
area_check(const uint8_t *base, uint64_t count, uint64_t stride, uint64_t len, uint64_t seed,
	   uint8_t *got, uint8_t *want)
{
	uint8_t tmp[4096];

	for (uint64_t i = 0; i < count; i++) {
		const uint64_t at = i * stride;
		for (uint64_t o = 0; o < len; o += sizeof(tmp)) {
			size_t n = len - o < sizeof(tmp) ? (size_t)(len - o) : sizeof(tmp);
			pattern_fill(tmp, at + o, n, seed);
			long k = first_diff(base + at + o, tmp, n);
			if (k >= 0) {
				*got = base[at + o + (uint64_t)k];
				*want = tmp[k];
				return (long)(at + o + (uint64_t)k);
			}
		}
		for (uint64_t k = len; k < stride; k++)
			if (base[at + k] != POISON) {
				*got = base[at + k];
				*want = POISON;
				return (long)(at + k);
			}
	}
	return -1;
}

/* Reads one message, waiting at most @timeout_ms: 0, -ETIMEDOUT, -EPIPE (the other
 * end closed) or -errno. */
int
msg_read(int fd, struct ipc_msg *m, uint64_t timeout_ms)
{
	const uint64_t deadline = now_ms() + timeout_ms;
	size_t got = 0;

	while (got < sizeof(*m)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t n;

		if (now >= deadline)
			return -ETIMEDOUT;
		int left = deadline - now > 1000 ? 1000 : (int)(deadline - now);
		int r = poll(&p, 1, left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = read(fd, (char *)m + got, sizeof(*m) - got);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

int
msg_write(int fd, const struct ipc_msg *m)
{
	size_t done = 0;

	while (done < sizeof(*m)) { /* one write: below PIPE_BUF, so atomic */
		ssize_t n = write(fd, (const char *)m + done, sizeof(*m) - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

void
random_bytes(uint8_t *p, size_t len)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, p, len) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)len) { /* unique enough without /dev/urandom */
		uint64_t x = splitmix((uint64_t)getpid() << 32 ^ (uint64_t)(mono_seconds() * 1e9));
		for (size_t i = 0; i < len; i++, x = splitmix(x))
			p[i] = (uint8_t)x;
	}
}
