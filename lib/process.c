/* pipe2, posix_spawn_file_actions_addchdir_np and _addclosefrom_np. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "process.h"
#include "banned.h"

extern char **environ;

/* How long to keep reading after the child exits, for output still on its
 * way; a background process that keeps the pipes open does not hold us. */
#define DRAIN_SECONDS 0.5

void is_process_init(struct is_process *p)
{
	memset(p, 0, sizeof(*p));
	p->grace = 2.0;
	p->capture_max = 64 * 1024;
	is_strbuf_init(&p->out, 0);
	is_strbuf_init(&p->err, 0);
}

void is_process_release(struct is_process *p)
{
	is_strbuf_release(&p->out);
	is_strbuf_release(&p->err);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Moves fd above the standard three, so the dup2 actions that set up the
 * child's 0, 1 and 2 cannot overwrite one another when ours were closed. */
static int above_stdio(int fd)
{
	int moved;

	if (fd < 0 || fd > 2)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return moved;
}

/* A pipe whose both ends are close-on-exec (so a child spawned by another
 * thread at the same moment does not inherit it) and above stdio. */
static int make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fds[0] = above_stdio(fds[0]);
	fds[1] = above_stdio(fds[1]);
	if (fds[0] < 0 || fds[1] < 0) {
		close_fd(&fds[0]);
		close_fd(&fds[1]);
		return -1;
	}
	return 0;
}

static void set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Keeps only the last max bytes. Called when the buffer reaches twice that,
 * so the copying is amortised. */
static void keep_tail(struct is_strbuf *sb, size_t max)
{
	if (sb->len <= max)
		return;
	memmove(sb->buf, sb->buf + sb->len - max, max);
	sb->len = max;
	sb->buf[max] = '\0';
}

static void read_stream(int *fd, struct is_strbuf *sb, size_t *total, size_t max)
{
	char buf[16384];
	ssize_t n;

	do
		n = read(*fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		is_strbuf_add(sb, buf, (size_t)n);
		*total += (size_t)n;
		if (sb->len >= 2 * max)
			keep_tail(sb, max);
	} else if (n == 0 || errno != EAGAIN) {
		close_fd(fd);
	}
}

static void write_input(struct is_process *p, int *fd, size_t *done)
{
	ssize_t n;

	if (*done < p->input_len) {
		do
			n = write(*fd, p->input + *done, p->input_len - *done);
		while (n < 0 && errno == EINTR);
		if (n > 0)
			*done += (size_t)n;
		else if (n < 0 && errno != EAGAIN)
			*done = p->input_len;  /* EPIPE: the child does not read it */
	}
	if (*done >= p->input_len)
		close_fd(fd);
}

/* Whether the child has exited, without reaping it: while it is a zombie its
 * pid, and so its process group id, cannot be reused by anyone else. */
static int has_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return si.si_pid == pid;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
#else
	(void)pid;
	return -1;
#endif
}

static int ms_until(double when, double now)
{
	double ms = (when - now) * 1000.0 + 1.0;

	if (ms < 0)
		return 0;
	return ms > 1e9 ? 1000000000 : (int)ms;
}

static int min_wait(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static int spawn(struct is_process *p, pid_t *pid, int in, int out, int err)
{
	static const int reset[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD,
		SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU, SIGXFSZ };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t set;
	size_t i;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	if (p->dir)
		posix_spawn_file_actions_addchdir_np(&fa, p->dir);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* Descriptors another library opened without close-on-exec. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	/* Its own process group, an empty signal mask (ours blocks SIGPIPE and
	 * perhaps more) and default dispositions (ours may ignore some). */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                              POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	sigemptyset(&set);
	posix_spawnattr_setsigmask(&at, &set);
	/* Only an ignored signal survives exec: these are the ones a caller
	 * (or a shell above it) may ignore. Listing them, rather than every
	 * signal, saves the child sixty system calls. */
	sigemptyset(&set);
	for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaddset(&set, reset[i]);
	posix_spawnattr_setsigdefault(&at, &set);
	rc = posix_spawnp(pid, p->argv[0], &fa, &at, p->argv, p->envp ? p->envp : environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

static void map_status(struct is_process *p, int wstatus)
{
	if (WIFEXITED(wstatus)) {
		p->status = WEXITSTATUS(wstatus);
	} else if (WIFSIGNALED(wstatus)) {
		p->signal = WTERMSIG(wstatus);
		p->status = 128 + p->signal;
	}
}

/*
 * The loop of one child: feed stdin, read both streams, watch the clock and
 * the child's exit (a pidfd where the kernel has them, else a short poll).
 */
static int supervise(struct is_process *p, pid_t pid, int fds[3], struct is_error *err)
{
	double deadline = p->timeout > 0 ? now_seconds() + p->timeout : 0;
	double kill_at = 0, drain_until = 0, t;
	int pidfd = open_pidfd(pid), exited = 0, reaped = 0, termed = 0, killed = 0;
	int wstatus = 0, rc = 0;
	size_t written = 0;
	pid_t w = -1;

	if (p->input_len == 0)
		close_fd(&fds[0]);
	for (;;) {
		struct pollfd pf[4];
		int n = 0, wait_ms = -1, in_i = -1, out_i = -1, err_i = -1;

		t = now_seconds();
		if (!exited && has_exited(pid))
			exited = 1;
		if (exited && !reaped) {
			/* On a timeout, what the leader left behind goes too, while
			 * the zombie leader still holds the group id. */
			if (termed && !killed) {
				kill(-pid, SIGKILL);
				killed = 1;
			}
			if (p->pgid)
				*p->pgid = 0;
			do
				w = waitpid(pid, &wstatus, 0);
			while (w < 0 && errno == EINTR);
			if (w < 0) {
				wstatus = 0;
				p->status = 255;
				rc = is_error_set(err, "process-lost", NULL, 0, 0,
				                  "'%s' was reaped by someone else; its status is lost",
				                  p->argv[0]);
			}
			reaped = 1;
			drain_until = t + DRAIN_SECONDS;
			close_fd(&fds[0]);
		}
		if (reaped && ((fds[1] < 0 && fds[2] < 0) || t >= drain_until))
			break;
		if (!exited && deadline > 0 && !termed && t >= deadline) {
			p->timed_out = 1;
			kill(-pid, SIGTERM);
			termed = 1;
			kill_at = t + p->grace;
		}
		if (termed && !killed && !exited && t >= kill_at) {
			kill(-pid, SIGKILL);
			killed = 1;
		}

		if (fds[0] >= 0) {
			pf[n].fd = fds[0];
			pf[n].events = POLLOUT;
			in_i = n++;
		}
		if (fds[1] >= 0) {
			pf[n].fd = fds[1];
			pf[n].events = POLLIN;
			out_i = n++;
		}
		if (fds[2] >= 0) {
			pf[n].fd = fds[2];
			pf[n].events = POLLIN;
			err_i = n++;
		}
		if (!exited && pidfd >= 0) {
			pf[n].fd = pidfd;
			pf[n].events = POLLIN;
			n++;
		}
		if (!exited && pidfd < 0)
			wait_ms = 10;
		if (!exited && deadline > 0 && !termed)
			wait_ms = min_wait(wait_ms, ms_until(deadline, t));
		if (termed && !killed && !exited)
			wait_ms = min_wait(wait_ms, ms_until(kill_at, t));
		if (reaped)
			wait_ms = min_wait(wait_ms, ms_until(drain_until, t));
		if (poll(pf, (nfds_t)n, wait_ms) < 0)
			continue;   /* EINTR; the loop looks at everything again */
		if (in_i >= 0 && pf[in_i].revents)
			write_input(p, &fds[0], &written);
		if (out_i >= 0 && pf[out_i].revents)
			read_stream(&fds[1], &p->out, &p->out_total, p->capture_max);
		if (err_i >= 0 && pf[err_i].revents)
			read_stream(&fds[2], &p->err, &p->err_total, p->capture_max);
	}
	close_fd(&pidfd);
	close_fd(&fds[0]);
	close_fd(&fds[1]);
	close_fd(&fds[2]);
	keep_tail(&p->out, p->capture_max);
	keep_tail(&p->err, p->capture_max);
	if (w == pid)
		map_status(p, wstatus);
	return rc;
}

int is_process_run(struct is_process *p, struct is_error *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int fds[3], rc, saved, pipe_pending;
	sigset_t pipe_set, old_mask, pending;
	pid_t pid;

	p->status = 0;
	p->signal = 0;
	p->timed_out = 0;
	p->out_total = p->err_total = 0;
	is_strbuf_reset(&p->out);
	is_strbuf_reset(&p->err);
	if (!p->capture_max)
		p->capture_max = 64 * 1024;
	if (!p->argv || !p->argv[0]) {
		p->status = 127;
		return is_error_set(err, "process-spawn", NULL, 0, 0, "no program to run");
	}
	if (make_pipe(in) < 0 || make_pipe(out) < 0 || make_pipe(errp) < 0) {
		saved = errno;
		close_fd(&in[0]); close_fd(&in[1]);
		close_fd(&out[0]); close_fd(&out[1]);
		close_fd(&errp[0]); close_fd(&errp[1]);
		p->status = 127;
		return is_error_set(err, "process-spawn", NULL, 0, 0, "cannot run '%s': pipe: %s",
		                    p->argv[0], strerror(saved));
	}

	/* A child that exits without reading its input would kill the whole
	 * program with SIGPIPE: block it on this thread, and take back below
	 * the one our own write raised. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	sigpending(&pending);
	pipe_pending = sigismember(&pending, SIGPIPE);

	rc = spawn(p, &pid, in[0], out[1], errp[1]);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	if (rc != 0) {
		close_fd(&in[1]);
		close_fd(&out[0]);
		close_fd(&errp[0]);
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
		p->status = rc == ENOENT ? 127 : 126;
		return is_error_set(err, "process-spawn", NULL, 0, 0, "cannot run '%s': %s",
		                    p->argv[0], strerror(rc));
	}
	if (p->pgid)
		*p->pgid = pid;
	fds[0] = in[1];
	fds[1] = out[0];
	fds[2] = errp[0];
	set_nonblock(fds[0]);
	set_nonblock(fds[1]);
	set_nonblock(fds[2]);
	rc = supervise(p, pid, fds, err);

	if (!pipe_pending) {
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return rc;
}
