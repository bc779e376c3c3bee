/*
 * --follow: a child "is-ledger events --follow" whose output is our input.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stream_follow.h"
#include "xalloc.h"
#include "banned.h"

extern char **environ;

/* is-ledger from the folder of the running program, so that a build tree
 * or an install prefix uses its own; NULL when there is none. */
static char *sibling(const char *name)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash, *path;

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	if (!(slash = strrchr(self, '/')))
		return NULL;
	*slash = '\0';
	path = is_xasprintf("%s/%s", self, name);
	if (access(path, X_OK) == 0)
		return path;
	free(path);
	return NULL;
}

int is_stream_follow_start(struct is_stream_follow *f, const char *db, const char *run,
                           struct is_error *err)
{
	char *prog = sibling("is-ledger");
	char *argv[9];
	int p[2], argc = 0, rc;
	posix_spawn_file_actions_t fa;

	f->pid = -1;
	f->fd = -1;
	argv[argc++] = prog ? prog : "is-ledger";
	if (db) {
		argv[argc++] = "--db";
		argv[argc++] = (char *)db;
	}
	argv[argc++] = "events";
	argv[argc++] = "--follow";
	if (run) {
		argv[argc++] = "--run";
		argv[argc++] = (char *)run;
	}
	argv[argc] = NULL;
	if (pipe(p) < 0 || fcntl(p[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(p[1], F_SETFD, FD_CLOEXEC) < 0) {
		free(prog);
		return is_error_set(err, "follow", NULL, 0, 0, "pipe: %s", strerror(errno));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	rc = posix_spawnp(&f->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		is_error_set(err, "follow", NULL, 0, 0, "cannot run %s: %s", argv[0],
		             strerror(rc));
		free(prog);
		f->pid = -1;
		return -1;
	}
	free(prog);
	f->fd = p[0];
	return 0;
}

int is_stream_follow_finish(struct is_stream_follow *f)
{
	int status = 0;

	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->pid <= 0)
		return 0;
	while (waitpid(f->pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	f->pid = -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
