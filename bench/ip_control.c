/* SPDX-License-Identifier: BSD-3-Clause
 *
 * dma_perf's inter-process mode, the parent's hold on its peer: the private
 * rendezvous directory and the signals that must remove it, starting and stopping
 * the peer process, and the commands it answers (poison, check).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interprocess.h"

struct ip_state ip = { .dev = { .name = IP_DEV, .id = -1 }, .gid = -1, .to = -1, .from = -1 };

void
ip_on_event(int16_t dev_id, int16_t group_id, unsigned char *domain_id,
	    enum rte_dma_access_pair_group_event_type event)
{
	(void)dev_id;
	(void)group_id;
	if (event == RTE_DMA_GROUP_EVENT_MEMBER_LEFT && memcmp(domain_id, ip.peer, 16) == 0)
		atomic_store(&ip.peer_left, true);
}

/* Removes the private rendezvous directory and what the library left in it. */
void
ip_rundir_remove(void)
{
	DIR *dir;
	struct dirent *e;

	if (ip.rundir[0] == '\0')
		return;
	dir = opendir(ip.rundir);
	if (dir != NULL) {
		while ((e = readdir(dir)) != NULL) {
			char p[400];
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", ip.rundir, e->d_name);
			unlink(p);
		}
		closedir(dir);
	}
	if (rmdir(ip.rundir) != 0 && errno != ENOENT)
		fprintf(stderr, "cannot remove %s: %s\n", ip.rundir, strerror(errno));
	ip.rundir[0] = '\0';
}

/* A fatal signal while the peer lives: kill it, remove the directory, die. */
static void
ip_on_signal(int sig)
{
	pid_t p = peer_pid;

	if (p > 0)
		kill(p, SIGKILL);
	if (ip.sock_path[0] != '\0')
		unlink(ip.sock_path);
	if (ip.lock_path[0] != '\0')
		unlink(ip.lock_path);
	if (ip.rundir[0] != '\0')
		rmdir(ip.rundir);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Before rte_eal_init: the private rendezvous directory. */
int
ip_rundir_create(void)
{
	snprintf(ip.rundir, sizeof(ip.rundir), "/tmp/dma_perf-%d", (int)getpid());
	if (mkdir(ip.rundir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "cannot create %s: %s\n", ip.rundir, strerror(errno));
		ip.rundir[0] = '\0';
		return -1;
	}
	snprintf(ip.lock_path, sizeof(ip.lock_path), "%s/lock", ip.rundir);
	if (setenv("DMADEV_RUNTIME_DIR", ip.rundir, 1) != 0) {
		ip_rundir_remove();
		return -1;
	}
	signal(SIGPIPE, SIG_IGN); /* a dead peer's pipe: EPIPE, not death */
	signal(SIGINT, ip_on_signal);
	signal(SIGTERM, ip_on_signal);
	signal(SIGHUP, ip_on_signal);
	return 0;
}

/* Starts the peer: this program again, with the ends of two pipes. */
int
ip_peer_start(const char *prog)
{
	int down[2] = { -1, -1 }, up[2] = { -1, -1 }, ret;
	posix_spawn_file_actions_t fa;
	char arg[64];
	pid_t pid;

	if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0) {
		fprintf(stderr, "pipe: %s\n", strerror(errno));
		goto fail;
	}
	/* The peer keeps only its own ends (they stay open across exec). */
	if (fcntl(down[0], F_SETFD, 0) != 0 || fcntl(up[1], F_SETFD, 0) != 0)
		goto fail;
	/* Between OS domains the peer sees no parent in its PID namespace (getppid 0). */
	snprintf(arg, sizeof(arg), "--peer=%d,%d,%d", down[0], up[1], opt.interos ? 0 : (int)getpid());
	char *const argv[] = { (char *)(uintptr_t)prog, "--", arg, NULL };
	char exe[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	char *const isolated[] = { "unshare", "--user", "--map-root-user", "--pid", "--fork",
				   "--kill-child", "--mount", "--ipc", "--uts", exe, "--", arg,
				   NULL };
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO); /* keep stdout ours */
	fflush(NULL);
	if (opt.interos)
		ret = posix_spawnp(&pid, "unshare", &fa, NULL, isolated, environ);
	else
		ret = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret != 0) {
		fprintf(stderr, "cannot start the peer: %s\n", strerror(ret));
		goto fail;
	}
	peer_pid = pid;
	close(down[0]);
	close(up[1]);
	ip.to = down[1];
	ip.from = up[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (down[i] >= 0)
			close(down[i]);
		if (up[i] >= 0)
			close(up[i]);
	}
	return -1;
}

/* --interos: kills the peer (SIGKILL to unshare, whose --kill-child takes the peer
 * with it) and measures how long until this process's MEMBER_LEFT event (ip.left_ms,
 * -1 if none within 3 s); then reaps it. */
void
ip_peer_kill_timed(void)
{
	pid_t pid = peer_pid;
	uint64_t t0 = now_ms();
	double start = mono_seconds();

	ip.left_ms = -1;
	kill(pid, SIGKILL);
	while (!atomic_load(&ip.peer_left) && now_ms() - t0 < 3000)
		sleep_us(200);
	if (atomic_load(&ip.peer_left))
		ip.left_ms = (mono_seconds() - start) * 1e3;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	peer_pid = -1;
	for (int *fd = &ip.to; fd <= &ip.from; fd++)
		if (*fd >= 0) {
			close(*fd);
			*fd = -1;
		}
	fprintf(out, "killed the peer: MEMBER_LEFT after %.0f ms\n", ip.left_ms);
}

/* Tells the peer to exit, then reaps it; kills it if it does not go in time.  Returns
 * 0 if it left the group and exited cleanly. */
int
ip_peer_stop(void)
{
	pid_t pid = peer_pid;
	struct ipc_msg m = { .op = C_EXIT }, r = { .op = 0 };
	int ret = -1, st = 0;

	if (pid <= 0)
		return 0;
	if (ip.broken) {
		fprintf(stderr, "killing the peer (pid %d): it stopped answering\n", (int)pid);
		kill(pid, SIGKILL);
	} else if (ip.to >= 0 && msg_write(ip.to, &m) == 0 && ip.from >= 0 &&
		   msg_read(ip.from, &r, IP_EXIT_MS) == 0 && r.status == 0) {
		ret = 0;
	} else {
		fprintf(stderr, "the peer did not confirm its exit%s%s\n", r.text[0] ? ": " : "",
			r.text);
	}
	if (ip.to >= 0)
		close(ip.to); /* a peer still reading sees the end of its commands */
	ip.to = -1;
	for (uint64_t t0 = now_ms();;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (now_ms() - t0 > IP_EXIT_MS) {
			fprintf(stderr, "the peer (pid %d) did not exit: killed\n", (int)pid);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			ret = -1;
			break;
		}
		sleep_us(1000);
	}
	peer_pid = -1;
	if (ip.from >= 0)
		close(ip.from);
	ip.from = -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (ret == 0)
			fprintf(stderr, "the peer exited with status 0x%x\n", st);
		ret = -1;
	}
	return ret;
}

/* One command to the peer and its answer; on failure, @why says what went wrong. */
static int
ip_ask(struct ipc_msg *m, char *why, size_t why_len)
{
	struct ipc_msg r;
	int ret;

	if (ip.broken) {
		snprintf(why, why_len, "the peer stopped answering earlier");
		return -1;
	}
	ret = msg_write(ip.to, m);
	if (ret == 0)
		ret = msg_read(ip.from, &r, ip.reply_ms);
	if (ret == 0 && r.op != m->op)
		ret = -EPROTO;
	if (ret != 0) {
		/* A late answer would be taken for the next one's: no more commands. */
		ip.broken = true;
		snprintf(why, why_len, "no answer from the peer (%s)%s", strerror(-ret),
			 atomic_load(&ip.peer_left) ? "; it left the group" : "");
		return -1;
	}
	if (r.status != 0) {
		snprintf(why, why_len, "%s", r.text[0] ? r.text : "the peer reports a failure");
		return -1;
	}
	return 0;
}

static int
ip_poison_peer(int region, uint64_t len, char *why, size_t why_len)
{
	struct ipc_msg m = { .op = C_POISON, .region = (uint32_t)region, .len = len };

	return ip_ask(&m, why, why_len);
}

/* Checks @count buffers of @len bytes, @stride apart, at the start of the
 * destination of path @p: the peer's area or the local one. */
int
ip_check(int p, uint64_t count, uint64_t stride, uint64_t len, char *why, size_t why_len)
{
	const int reg = path[p].region;
	const bool in_peer = reg == R_WIN_DST || reg == R_CMA_DST;
	uint64_t seed = reg == R_WIN_SRC || reg == R_CMA_SRC ? peer_seed(ip.seed_peer, reg) :
							       ip.seed_local;

	if (in_peer) {
		struct ipc_msg m = { .op = C_CHECK, .region = (uint32_t)reg, .len = len,
				     .stride = stride, .count = count, .seed = seed };
		return ip_ask(&m, why, why_len);
	}
	uint8_t got, want;
	long off = area_check(ip.ldst, count, stride, len, seed, &got, &want);
	if (off >= 0) {
		snprintf(why, why_len, "local destination: byte %ld (buffer %" PRIu64 " byte %"
			 PRIu64 "%s) is 0x%02x, expected 0x%02x", off, (uint64_t)off / stride,
			 (uint64_t)off % stride, (uint64_t)off % stride >= len ? ", after it" : "",
			 got, want);
		return -1;
	}
	return 0;
}

/* Poisons the first @len bytes of path @p's destination. */
int
ip_poison(int p, uint64_t len, char *why, size_t why_len)
{
	const int reg = path[p].region;

	if (reg == R_WIN_DST || reg == R_CMA_DST)
		return ip_poison_peer(reg, len, why, why_len);
	memset(ip.ldst, POISON, len);
	return 0;
}
