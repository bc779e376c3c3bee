/*
 * is-stream: any records in; a live terminal view, plain lines, CI formats,
 * webhooks or a live page in a browser out, and with --tee the same records
 * passed on unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "stream_run.h"
#include "xalloc.h"

enum { OPT_TEE = 256, OPT_COLOR, OPT_WEBHOOK, OPT_SECRET, OPT_SECRET_FILE, OPT_WAIT,
       OPT_SERVE, OPT_SHARE, OPT_FOLLOW, OPT_DB, OPT_RUN };

static const struct is_option options[] = {
	{ "format", 'f', "FORMAT", "auto live lines github markdown junit none",
	  "live, lines, github, markdown, junit or none (default auto: live on a terminal)" },
	{ "output", 'o', "FILE", "file",
	  "write the view to FILE (default stdout, or stderr with --tee)" },
	{ "tee", OPT_TEE, NULL, NULL, "pass every record through to stdout, unchanged" },
	{ "color", OPT_COLOR, "WHEN", "auto always never",
	  "colours: auto (a terminal, NO_COLOR unset), always or never" },
	{ "webhook", OPT_WEBHOOK, "URL", NULL,
	  "POST run and event records to URL in JSON arrays (repeatable)" },
	{ "webhook-secret", OPT_SECRET, "SECRET", NULL,
	  "sign each body: X-Signature-256: sha256=<HMAC-SHA256>" },
	{ "webhook-secret-file", OPT_SECRET_FILE, "FILE", "file",
	  "read the webhook secret from FILE" },
	{ "webhook-wait", OPT_WAIT, "SECONDS", NULL,
	  "at the end, keep delivering for at most SECONDS (default 10)" },
	{ "serve", OPT_SERVE, "ADDR:PORT", NULL,
	  "serve the live graph, /events, /metrics and /healthz over HTTP" },
	{ "share", OPT_SHARE, "DIR", "dir", "the page's files are in DIR/web" },
	{ "follow", OPT_FOLLOW, NULL, NULL,
	  "read a ledger's run as it commits (is-ledger events --follow)" },
	{ "db", OPT_DB, "PATH", "file", "with --follow: the ledger database" },
	{ "run", OPT_RUN, "ID", NULL, "with --follow: the run (default: the latest)" },
	IS_OPTIONS_COMMON,
	{ 0 }
};

static const struct is_command command = {
	"is-stream", "[-f format] [-o file] [--tee] [--webhook url] [--serve addr:port] "
	"[--follow [--db path] [--run id] | file]",
	"show the records of a pipeline as they come: a live view, plain lines, CI "
	"formats, webhooks, a live graph in a browser", options, "file", NULL
};

static const char *const formats[] = { "live", "lines", "github", "markdown", "junit",
                                       "none", "auto", NULL };
enum { FORMAT_AUTO = 6 };

struct args {
	struct is_stream_config cfg;
	int format, color;
	const char *output, *input;
	const char **webhooks;
	char *secret, *share;
};

static volatile sig_atomic_t interrupted;
static int live_fd = -1;

/* ^C reaches the whole pipeline: the first is for the stages upstream, which
 * end their run and say so; the view waits for those last records. */
static void on_signal(int sig)
{
	static const char restore[] = "\033[?25h\n";

	if (sig == SIGINT && !interrupted) {
		interrupted = 1;
		return;
	}
	if (live_fd >= 0 && write(live_fd, restore, sizeof(restore) - 1) < 0)
		live_fd = -1;
	_exit(128 + sig);
}

/* A write to a closed pipe fails with EPIPE, which is reported. */
static void on_sigpipe(int sig)
{
	(void)sig;
}

static void say(const char *message)
{
	fprintf(stderr, "%s: %s\n", command.name, message);
}

static int tee_done(void)
{
	return is_cli_finish(&command, IS_EXIT_OK) == IS_EXIT_OK ? 0 : -1;
}

static int read_secret(struct args *a, const char *path)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char chunk[4096];
	ssize_t n = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		is_strbuf_add(&sb, chunk, (size_t)n);
	close(fd);
	while (sb.len > 0 && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
		sb.buf[--sb.len] = '\0';
	free(a->secret);
	a->secret = is_strbuf_detach(&sb, &a->cfg.secret_len);
	return n < 0 ? -1 : 0;
}

static int option(struct args *a, int c, int *code)
{
	char *end;
	int i;

	switch (c) {
	case 'f':
		for (i = 0; formats[i] && strcmp(formats[i], optarg); i++)
			;
		if (!formats[i])
			break;
		a->format = i;
		return 0;
	case 'o': a->output = optarg; return 0;
	case OPT_TEE: a->cfg.tee = 1; return 0;
	case OPT_COLOR:
		a->color = !strcmp(optarg, "always") ? 1 : !strcmp(optarg, "never") ? 0
		           : !strcmp(optarg, "auto") ? -1 : -2;
		if (a->color == -2)
			break;
		return 0;
	case OPT_WEBHOOK:
		a->webhooks = is_xrealloc(a->webhooks,
		                          (a->cfg.nwebhooks + 1) * sizeof(*a->webhooks));
		a->webhooks[a->cfg.nwebhooks++] = optarg;
		return 0;
	case OPT_SECRET:
		free(a->secret);
		a->secret = is_xstrdup(optarg);
		a->cfg.secret_len = strlen(optarg);
		return 0;
	case OPT_SECRET_FILE:
		if (read_secret(a, optarg) == 0)
			return 0;
		fprintf(stderr, "%s: %s: %s\n", command.name, optarg, strerror(errno));
		*code = IS_EXIT_USAGE;
		return -1;
	case OPT_WAIT:
		errno = 0;
		a->cfg.webhook_wait = strtod(optarg, &end);
		if (errno || end == optarg || *end || a->cfg.webhook_wait < 0)
			break;
		return 0;
	case OPT_SERVE: a->cfg.serve = optarg; return 0;
	case OPT_SHARE: a->cfg.share_dir = optarg; return 0;
	case OPT_FOLLOW: a->cfg.follow = 1; return 0;
	case OPT_DB: a->cfg.db = optarg; return 0;
	case OPT_RUN: a->cfg.run = optarg; return 0;
	default: return 0;
	}
	*code = is_cli_usage_error(&command, "%s: unknown value '%s'", c == 'f' ? "-f"
	                           : c == OPT_COLOR ? "--color" : "--webhook-wait", optarg);
	return -1;
}

static int parse_args(struct args *a, int argc, char **argv, int *code)
{
	const char *why = NULL;
	int c;

	while ((c = is_cli_next(&command, argc, argv, code)) != -1)
		if (c == IS_OPT_EXIT || option(a, c, code) < 0)
			return -1;
	if (a->secret && !a->cfg.secret_len)
		why = "the webhook secret is empty";
	else if (a->secret && !a->cfg.nwebhooks)
		why = "a webhook secret without --webhook";
	else if ((a->cfg.db || a->cfg.run) && !a->cfg.follow)
		why = "--db and --run go with --follow";
	else if (argc - optind > (a->cfg.follow ? 0 : 1))
		why = a->cfg.follow ? "--follow reads the ledger, not a file" : "one input at most";
	if (why) {
		*code = is_cli_usage_error(&command, "%s", why);
		return -1;
	}
	a->input = optind < argc ? argv[optind] : "-";
	a->cfg.webhooks = a->webhooks;
	a->cfg.secret = a->secret;
	return 0;
}

/* The page's files: beside the program, installed (PREFIX/share/infrastream)
 * or in a source tree (share/). */
static const char *share_dir(struct args *a)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (a->cfg.share_dir || n <= 0)
		return a->cfg.share_dir;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')))
		*slash = '\0';
	a->share = is_xasprintf("%s/../share/infrastream", self);
	if (access(a->share, F_OK) < 0) {
		free(a->share);
		a->share = is_xasprintf("%s/../share", self);
	}
	return a->share;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigpipe;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int run(struct args *a)
{
	struct is_stream_view_config *v = &a->cfg.view;
	const char *nc = getenv("NO_COLOR");
	int fd = a->cfg.tee ? 2 : 1, code;

	if (strcmp(a->input, "-") && (a->cfg.in_fd = open(a->input, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", command.name, a->input, strerror(errno));
		return IS_EXIT_FAILURE;
	}
	if (a->output && strcmp(a->output, "-") &&
	    (fd = open(a->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", command.name, a->output, strerror(errno));
		return IS_EXIT_FAILURE;
	}
	a->cfg.in_name = a->input;
	v->fd = fd;
	v->format = a->format == FORMAT_AUTO ? isatty(fd) ? IS_STREAM_LIVE : IS_STREAM_LINES
	            : (enum is_stream_format)a->format;
	v->color = a->color >= 0 ? a->color : isatty(fd) && !(nc && *nc);
	if (v->format != IS_STREAM_LIVE && v->format != IS_STREAM_LINES)
		v->color = 0;
	v->interrupted = &interrupted;
	if (v->format == IS_STREAM_LIVE)
		live_fd = fd;
	a->cfg.share_dir = share_dir(a);
	a->cfg.say = say;
	a->cfg.tee_done = tee_done;
	install_signals();
	code = is_stream_run(&a->cfg) < 0 ? IS_EXIT_FAILURE : IS_EXIT_OK;
	live_fd = -1;
	if (fd > 2 && close(fd) < 0) {
		fprintf(stderr, "%s: %s: %s\n", command.name, a->output, strerror(errno));
		code = IS_EXIT_FAILURE;
	}
	if (a->cfg.in_fd > 0)
		close(a->cfg.in_fd);
	return code;
}

int main(int argc, char **argv)
{
	struct args a;
	int code = IS_EXIT_OK;

	memset(&a, 0, sizeof(a));
	a.format = FORMAT_AUTO;
	a.color = -1;
	a.cfg.webhook_wait = 10;
	if (parse_args(&a, argc, argv, &code) == 0) {
		code = run(&a);
		if (!a.cfg.tee)
			code = is_cli_finish(&command, code);
	}
	free(a.webhooks);
	free(a.secret);
	free(a.share);
	return code;
}
