#ifndef IS_STREAM_SERVE_H
#define IS_STREAM_SERVE_H
#include <jansson.h>
#include <stddef.h>

#include "error.h"

/*
 * The HTTP side of is-stream --serve (libmicrohttpd, on threads of its own):
 *
 *   GET /          the live graph page from SHARE_DIR/web/ (index.html, JS, CSS)
 *   GET /events    Server-Sent Events: every published record as "id: N" and
 *                  "data: JSON"; the history so far is replayed to late
 *                  joiners, Last-Event-ID resumes after that id
 *   GET /metrics   Prometheus text format
 *   GET /healthz   200 "ok"
 *
 * Publishing never blocks the caller on a client: it formats the record,
 * appends it to a shared, bounded history under a mutex and signals the
 * server's thread. Each client is a cursor into that history, so a client
 * costs no copy of it; one that is more than IS_STREAM_SERVE_CLIENT_LAG
 * records behind what was published since it connected and has taken nothing
 * for IS_STREAM_SERVE_CLIENT_STALL_MS, or whose next record has left the
 * history, is dropped, with a line on stderr. (A reader that keeps reading
 * is not dropped for a burst it is still catching up with.)
 */

/* Records kept for replay; older ones are forgotten (ids keep counting). */
#define IS_STREAM_SERVE_HISTORY 100000
/* Records a client may fall behind, and for how long it may take nothing
 * while it is that far behind, before it is dropped. */
#define IS_STREAM_SERVE_CLIENT_LAG 20000
#define IS_STREAM_SERVE_CLIENT_STALL_MS 2000

struct is_stream_server;

/*
 * Starts serving on addr_port: "HOST:PORT", "[V6]:PORT" or ":PORT" / "PORT"
 * (loopback). Port 0 picks a free port. share_dir holds web/ (the page).
 * Prints "is-stream: serving http://HOST:PORT/" on stderr once it listens.
 * Returns a new server, or NULL with err filled.
 */
struct is_stream_server *is_stream_serve_start(const char *addr_port, const char *share_dir,
                                               struct is_error *err);
/* Publishes a record (borrowed; it is serialized before this returns). Never
 * blocks on a client; safe from any one thread while the server runs. */
void is_stream_serve_publish(struct is_stream_server *s, const json_t *record);
/* Stops serving, closes every client and frees s (NULL is fine). */
void is_stream_serve_stop(struct is_stream_server *s);

/* Additive helpers. */

/* "HOST:PORT" as bound (port 0 resolved); borrowed, valid until stop. */
const char *is_stream_serve_address(const struct is_stream_server *s);
/* Stream clients connected now. */
size_t is_stream_serve_clients(struct is_stream_server *s);

#endif
