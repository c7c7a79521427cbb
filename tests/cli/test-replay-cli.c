/* test-replay-cli.c: `trackscope-cli replay`, the real binary
 *
 * A flow is captured with the real `trackscope-cli capture`, then
 * replayed into a second real capture, whose session must hold the same
 * messages. Upstreams that misbehave (5xx, 429 with Retry-After, 400,
 * nothing listening) are a SoupServer of the test's own, running in a
 * thread of its own so that it answers while the test waits for the
 * CLI. Every wait is bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-replay-cli"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>

#include "tsc-session-store.h"
#include "tsc-test-util.h"

#define LINE_TIMEOUT_MS 15000
#define EXIT_TIMEOUT_MS 60000

/* ---------------------------------------------------------------------- */
/* A test upstream                                                         */

typedef struct
{
  gint64  at;               /* monotonic µs */
  char   *path;             /* with the query string */
  char   *authorization;
  char   *user_agent;
  char   *origin;
  char   *retry_count;
  GBytes *body;
} UpstreamRequest;

typedef struct
{
  /* Behaviour, set before upstream_start(): reply n gets
   * statuses[MIN (n, n_statuses - 1)] */
  guint         statuses[4];
  guint         n_statuses;
  const char   *retry_after;   /* sent with 429 and 503 */

  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *uri;

  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  GPtrArray    *requests;      /* UpstreamRequest */
} Upstream;

static void
upstream_request_free (UpstreamRequest *r)
{
  g_free (r->path);
  g_free (r->authorization);
  g_free (r->user_agent);
  g_free (r->origin);
  g_free (r->retry_count);
  g_bytes_unref (r->body);
  g_free (r);
}

static void
upstream_handler_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           data)
{
  Upstream *u = data;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  UpstreamRequest *r = g_new0 (UpstreamRequest, 1);
  const char *text;
  guint status;

  r->at = g_get_monotonic_time ();
  r->path = g_uri_get_query (uri) ? g_strconcat (path, "?", g_uri_get_query (uri), NULL)
                                  : g_strdup (path);
  r->authorization = g_strdup (soup_message_headers_get_one (in, "Authorization"));
  r->user_agent = g_strdup (soup_message_headers_get_one (in, "User-Agent"));
  r->origin = g_strdup (soup_message_headers_get_one (in, "Origin"));
  r->retry_count = g_strdup (soup_message_headers_get_one (in, "X-Retry-Count"));
  r->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));

  g_mutex_lock (&u->lock);
  status = u->statuses[MIN (u->requests->len, u->n_statuses - 1)];
  g_ptr_array_add (u->requests, r);
  g_mutex_unlock (&u->lock);

  if (status == 200)
    text = "{\"success\":true}";
  else if (status == 400)
    text = "{\"success\":false,\"code\":\"invalid_json\",\"message\":\"The body is not JSON\"}";
  else
    text = "{\"success\":false}";

  /* libsoup 3.2 leaks connections that a client closes while idle. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  if ((status == 429 || status == 503) && u->retry_after != NULL)
    soup_message_headers_replace (out, "Retry-After", u->retry_after);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    text, strlen (text));
}

static gpointer
upstream_thread (gpointer data)
{
  Upstream *u = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  guint port = 0;

  g_main_context_push_thread_default (u->context);

  u->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (u->server, NULL, upstream_handler_cb, u, NULL);
  /* A socket of our own: soup_server_listen_local() leaks in libsoup 3.2. */
  socket = tsc_test_listen_on_free_port (&port);
  soup_server_listen_socket (u->server, socket, 0, &error);
  g_assert_no_error (error);
  u->uri = g_strdup_printf ("http://127.0.0.1:%u", port);

  g_mutex_lock (&u->lock);
  u->ready = TRUE;
  g_cond_signal (&u->cond);
  g_mutex_unlock (&u->lock);

  g_main_loop_run (u->loop);

  soup_server_disconnect (u->server);
  g_clear_object (&u->server);
  while (g_main_context_iteration (u->context, FALSE))
    ;
  g_main_context_pop_thread_default (u->context);
  return NULL;
}

/* Starts @u (its behaviour set) and returns its URI. */
static const char *
upstream_start (Upstream *u)
{
  g_assert_cmpuint (u->n_statuses, >, 0);

  g_mutex_init (&u->lock);
  g_cond_init (&u->cond);
  u->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) upstream_request_free);
  u->context = g_main_context_new ();
  u->loop = g_main_loop_new (u->context, FALSE);
  u->thread = g_thread_new ("test-upstream", upstream_thread, u);

  g_mutex_lock (&u->lock);
  while (!u->ready)
    g_cond_wait (&u->cond, &u->lock);
  g_mutex_unlock (&u->lock);

  return u->uri;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
upstream_stop (Upstream *u)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, quit_cb, u->loop, NULL);
  g_source_attach (source, u->context);
  g_thread_join (u->thread);

  g_main_loop_unref (u->loop);
  g_main_context_unref (u->context);
  g_ptr_array_unref (u->requests);
  g_free (u->uri);
  g_mutex_clear (&u->lock);
  g_cond_clear (&u->cond);
}

/* ---------------------------------------------------------------------- */
/* Captures and the CLI                                                    */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GDataInputStream *err;
  char             *uri;
} Capture;

static char *
read_rest (GDataInputStream *stream)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char *line;

  while ((line = tsc_test_read_line (stream, LINE_TIMEOUT_MS)) != NULL)
    {
      g_string_append (text, line);
      g_string_append_c (text, '\n');
      g_free (line);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
capture_start (Capture    *c,
               const char *session)
{
  const char *args[] = { "capture", "--listen", "127.0.0.1:0", "--session", session,
                         "--quiet", NULL };

  c->process = tsc_test_spawn_cli (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                   NULL, args);
  c->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (c->process));
  c->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (c->process));
  c->uri = tsc_test_read_listening_uri (c->out, LINE_TIMEOUT_MS, NULL);
}

static void
capture_stop (Capture *c)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_subprocess_send_signal (c->process, SIGTERM);
  out = read_rest (c->out);
  err = read_rest (c->err);
  tsc_test_wait_for_exit (c->process, EXIT_TIMEOUT_MS);
  g_test_message ("capture stderr:\n%s", err);
  g_assert_true (g_subprocess_get_if_exited (c->process));
  g_assert_cmpint (g_subprocess_get_exit_status (c->process), ==, 0);

  g_clear_object (&c->out);
  g_clear_object (&c->err);
  g_clear_object (&c->process);
  g_clear_pointer (&c->uri, g_free);
}

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* Runs trackscope-cli with @args to its end. */
static void
run_cli (Run                *run,
         const char * const *args)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDataInputStream) err = NULL;

  process = tsc_test_spawn_cli (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                NULL, args);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  run->out = read_rest (out);
  run->err = read_rest (err);
  tsc_test_wait_for_exit (process, EXIT_TIMEOUT_MS);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("exit %d\nstdout:\n%sstderr:\n%s", run->status, run->out, run->err);
}

/* ---------------------------------------------------------------------- */
/* Sending and reading back                                                */

static guint
post (SoupSession        *http,
      const char         *base_uri,
      const char         *path,
      const char * const *headers,
      GBytes             *body)
{
  g_autofree char *uri = g_strconcat (base_uri, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr(GBytes) reply = NULL;

  g_assert_nonnull (msg);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  headers[i], headers[i + 1]);
  reply = tsc_test_send (http, msg);
  return soup_message_get_status (msg);
}

static guint
post_text (SoupSession        *http,
           const char         *base_uri,
           const char         *path,
           const char * const *headers,
           const char         *body)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  return post (http, base_uri, path, headers, bytes);
}

/* Every message of the session at @path, in seq order. */
static GPtrArray *
load_messages (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = NULL;
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  gint64 after = 0;

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);

  for (;;)
    {
      g_autoptr(GPtrArray) chunk = tsc_session_store_load_messages (store, after, 100, &error);

      g_assert_no_error (error);
      if (chunk->len == 0)
        break;
      for (guint i = 0; i < chunk->len; i++)
        g_ptr_array_add (all, tsc_message_ref (g_ptr_array_index (chunk, i)));
      after = ((TscMessage *) g_ptr_array_index (chunk, chunk->len - 1))->seq;
    }
  return all;
}

/* @copy holds the messages of @original: same bytes, types, envelope
 * and order, and the same messageIds where the client sent one. */
static void
assert_same_messages (const char *original,
                      const char *copy)
{
  g_autoptr(GPtrArray) a = load_messages (original);
  g_autoptr(GPtrArray) b = load_messages (copy);

  g_assert_cmpuint (a->len, >, 0);
  g_assert_cmpuint (a->len, ==, b->len);

  for (guint i = 0; i < a->len; i++)
    {
      TscMessage *x = g_ptr_array_index (a, i);
      TscMessage *y = g_ptr_array_index (b, i);

      g_assert_true (g_bytes_equal (x->raw, y->raw));
      g_assert_cmpstr (x->type_name, ==, y->type_name);
      g_assert_cmpint (x->batch_index, ==, y->batch_index);
      g_assert_cmpstr (x->sent_at, ==, y->sent_at);
      g_assert_cmpstr (x->batch_context, ==, y->batch_context);
      g_assert_cmpstr (x->transport->route, ==, y->transport->route);
      g_assert_false (y->message_id_added && !x->message_id_added);
      if (!x->message_id_added)
        g_assert_cmpstr (x->message_id, ==, y->message_id);
    }
}

typedef struct
{
  char        *dir;
  SoupSession *http;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = tsc_test_make_tmp_dir ("trackscope-replay-XXXXXX", NULL, NULL);
  f->http = soup_session_new_with_options ("timeout", 15, "proxy-resolver", NULL, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->http);
  g_assert_true (tsc_test_remove_tree (f->dir));
  g_clear_pointer (&f->dir, g_free);
}

static char *
fixture_path (Fixture    *f,
              const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static const char *const basic_wk1[] = { "Authorization", "Basic V0sxOg==", /* WK1: */
                                         "User-Agent", "flow-client/1.0",
                                         "Origin", "https://shop.example", NULL };

static const char single_track[] =
  "{\"type\":\"track\",\"event\":\"Signed In\",\"userId\":\"u1\",\"anonymousId\":\"a1\","
  "\"messageId\":\"m-1\",\"timestamp\":\"2024-05-01T10:00:00.000Z\"}";

static const char envelope_batch[] =
  "{\"batch\":[{\"type\":\"track\",\"event\":\"Viewed\",\"anonymousId\":\"a1\",\"messageId\":\"m-2\"},"
  "{\"type\":\"identify\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"traits\":{\"plan\":\"pro\"}}],"
  "\"context\":{\"library\":{\"name\":\"flow-lib\",\"version\":\"2\"}},"
  "\"sentAt\":\"2024-05-01T10:00:05.000Z\",\"writeKey\":\"WK1\"}";

static const char lane_page[] =
  "{\"name\":\"Pricing\",\"anonymousId\":\"a2\",\"messageId\":\"m-4\",\"writeKey\":\"WK1\"}";

static const char gzip_batch[] =
  "{\"batch\":[{\"type\":\"group\",\"groupId\":\"g1\",\"userId\":\"u1\",\"messageId\":\"m-5\"},"
  "{\"type\":\"alias\",\"userId\":\"u2\",\"previousId\":\"u1\",\"messageId\":\"m-6\"}],"
  "\"sentAt\":\"2024-05-01T10:00:09.000Z\"}";

/* Captures the flow into @session: 4 accepted requests with 6 calls and
 * one rejected request. */
static void
capture_flow (Fixture    *f,
              const char *session)
{
  Capture c = { 0 };
  g_autoptr(GBytes) plain = g_bytes_new_static (gzip_batch, strlen (gzip_batch));
  g_autoptr(GBytes) gz = tsc_test_compress (gzip_batch, strlen (gzip_batch),
                                            G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  const char *gzip_headers[] = { "Content-Encoding", "gzip",
                                 "Authorization", "Basic V0sxOg==", NULL };

  capture_start (&c, session);
  g_assert_cmpuint (post_text (f->http, c.uri, "/v1/track", basic_wk1, single_track), ==, 200);
  g_assert_cmpuint (post_text (f->http, c.uri, "/v1/batch", NULL, envelope_batch), ==, 200);
  g_assert_cmpuint (post_text (f->http, c.uri, "/v1/batch", basic_wk1, "{\"batch\":"), ==, 400);
  g_assert_cmpuint (post_text (f->http, c.uri, "/lane/web/v1/p", basic_wk1, lane_page), ==, 200);
  g_assert_cmpuint (post (f->http, c.uri, "/v1/batch", gzip_headers, gz), ==, 200);
  capture_stop (&c);

  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM messages", NULL), ==, 6);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

static void
test_replay_into_second_capture (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *first = fixture_path (f, "first.trackscope");
  g_autofree char *second = fixture_path (f, "second.trackscope");
  g_autofree char *expected = NULL;
  Capture c = { 0 };
  Run run = { 0 };

  capture_flow (f, first);

  capture_start (&c, second);
  {
    const char *args[] = { "replay", first, "--to", c.uri, NULL };

    run_cli (&run, args);
  }
  expected = g_strdup_printf ("Replayed 4 requests (6 calls) to %s: 4 accepted, 0 retries\n",
                              c.uri);
  capture_stop (&c);

  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, expected);
  g_assert_cmpstr (run.err, ==, "");

  assert_same_messages (first, second);

  /* Same client as seen by the second collector; no lane prefix; the
   * rejected request is not sent again. */
  g_assert_cmpint (tsc_test_db_int (second, "SELECT count(*) FROM requests", NULL), ==, 4);
  g_assert_cmpint (tsc_test_db_int (second, "SELECT count(*) FROM requests WHERE status = 200",
                                    NULL), ==, 4);
  tsc_test_assert_db_text (second, "SELECT path FROM requests ORDER BY id LIMIT 1 OFFSET 2",
                           NULL, "/v1/p");
  tsc_test_assert_db_text (second, "SELECT group_concat(DISTINCT write_key) FROM requests",
                           NULL, "WK1");
  tsc_test_assert_db_text (second, "SELECT user_agent FROM requests ORDER BY id LIMIT 1",
                           NULL, "flow-client/1.0");
  tsc_test_assert_db_text (second, "SELECT origin FROM requests ORDER BY id LIMIT 1",
                           NULL, "https://shop.example");
  tsc_test_assert_db_text (second, "SELECT content_type FROM requests ORDER BY id LIMIT 1",
                           NULL, "application/json");
  run_clear (&run);
}

static void
test_replay_write_key (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *first = fixture_path (f, "first.trackscope");
  g_autofree char *second = fixture_path (f, "second.trackscope");
  Capture c = { 0 };
  Run run = { 0 };

  capture_flow (f, first);

  capture_start (&c, second);
  {
    const char *args[] = { "replay", first, "--to", c.uri, "--write-key", "NEWKEY",
                           "--rate", "50", NULL };

    run_cli (&run, args);
  }
  capture_stop (&c);

  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (tsc_test_db_int (second, "SELECT count(*) FROM requests", NULL), ==, 4);
  tsc_test_assert_db_text (second, "SELECT group_concat(DISTINCT write_key) FROM requests",
                           NULL, "NEWKEY");
  /* The messages are still those of the first session. */
  assert_same_messages (first, second);
  run_clear (&run);
}

/* A session with one accepted request of two calls. */
static char *
make_small_session (Fixture *f)
{
  g_autofree char *path = fixture_path (f, "small.trackscope");
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *headers[] = { "Authorization", "Basic V0sxOg==", NULL };

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  tsc_test_store_request (store, "/v1/batch", headers, envelope_batch, g_get_real_time ());
  return g_steal_pointer (&path);
}

static void
test_replay_retries_5xx (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *session = make_small_session (f);
  Upstream u = { { 500, 200 }, 2, NULL };
  const char *uri = upstream_start (&u);
  const char *args[] = { "replay", session, "--to", uri, NULL };
  UpstreamRequest *r0;
  UpstreamRequest *r1;
  Run run = { 0 };

  run_cli (&run, args);

  g_assert_cmpint (run.status, ==, 0);
  tsc_test_assert_contains (run.out, ": 1 accepted, 1 retry\n");
  g_assert_cmpuint (u.requests->len, ==, 2);
  r0 = g_ptr_array_index (u.requests, 0);
  r1 = g_ptr_array_index (u.requests, 1);
  g_assert_cmpstr (r0->path, ==, "/v1/batch");
  g_assert_cmpstr (r0->authorization, ==, "Basic V0sxOg==");
  g_assert_true (g_bytes_equal (r0->body, r1->body));
  g_assert_null (r0->retry_count);
  g_assert_cmpstr (r1->retry_count, ==, "1");
  /* The backoff starts at half a second. */
  g_assert_cmpint (r1->at - r0->at, >=, 400 * 1000);

  upstream_stop (&u);
  run_clear (&run);
}

static void
test_replay_honours_retry_after (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *session = make_small_session (f);
  Upstream u = { { 429, 200 }, 2, "1" };
  const char *uri = upstream_start (&u);
  const char *args[] = { "replay", session, "--to", uri, NULL };
  UpstreamRequest *r0;
  UpstreamRequest *r1;
  Run run = { 0 };

  run_cli (&run, args);

  g_assert_cmpint (run.status, ==, 0);
  tsc_test_assert_contains (run.out, ": 1 accepted, 1 retry\n");
  g_assert_cmpuint (u.requests->len, ==, 2);
  r0 = g_ptr_array_index (u.requests, 0);
  r1 = g_ptr_array_index (u.requests, 1);
  /* Retry-After: 1 is waited for, not the half-second backoff. */
  g_assert_cmpint (r1->at - r0->at, >=, G_USEC_PER_SEC);

  upstream_stop (&u);
  run_clear (&run);
}

static void
test_replay_rejected (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *session = make_small_session (f);
  Upstream u = { { 400 }, 1, NULL };
  const char *uri = upstream_start (&u);
  const char *args[] = { "replay", session, "--to", uri, NULL };
  g_autofree char *expected = NULL;
  Run run = { 0 };

  run_cli (&run, args);

  expected = g_strdup_printf ("Replayed 1 request (2 calls) to %s: 0 accepted, "
                              "1 rejected (400 invalid_json), 0 retries\n", uri);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, expected);
  tsc_test_assert_contains (run.err, "/v1/batch: 400 invalid_json after 1 attempt");
  /* 400 is final: no retry. */
  g_assert_cmpuint (u.requests->len, ==, 1);

  upstream_stop (&u);
  run_clear (&run);
}

static void
test_replay_unreachable (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *session = make_small_session (f);
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *uri = NULL;
  guint port = 0;
  Run run = { 0 };

  /* A port that was free a moment ago: nothing listens there. */
  socket = tsc_test_listen_on_free_port (&port);
  g_socket_close (socket, NULL);
  uri = g_strdup_printf ("http://127.0.0.1:%u", port);

  {
    const char *args[] = { "replay", session, "--to", uri, "--retries", "1", NULL };

    run_cli (&run, args);
  }

  g_assert_cmpint (run.status, ==, 1);
  tsc_test_assert_contains (run.out, ": 0 accepted, 1 failed (");
  tsc_test_assert_contains (run.out, "), 1 retry\n");
  tsc_test_assert_contains (run.err, "after 2 attempts");
  run_clear (&run);
}

typedef struct
{
  const char *args[8];
  const char *message;
} UsageCase;

static void
test_replay_usage_errors (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *session = make_small_session (f);
  g_autofree char *missing = fixture_path (f, "missing.trackscope");
  const UsageCase cases[] = {
    { { "replay", session, NULL }, "no --to URL given" },
    { { "replay", "--to", "http://127.0.0.1:1", NULL }, "no session given" },
    { { "replay", session, "--to", "ftp://example.com", NULL }, "http:// or https://" },
    { { "replay", session, "--to", "not a url", NULL }, "is not an http:// or https:// URL" },
    { { "replay", session, "--to", "http://[::1", NULL }, "is not a URL" },
    { { "replay", session, "--to", "http://127.0.0.1:1", "--retries", "99", NULL }, "--retries" },
    { { "replay", missing, "--to", "http://127.0.0.1:1", NULL }, "missing.trackscope" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Run run = { 0 };

      run_cli (&run, cases[i].args);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      tsc_test_assert_contains (run.err, "replay: ");
      tsc_test_assert_contains (run.err, cases[i].message);
      run_clear (&run);
    }
}

int
main (int    argc,
      char **argv)
{
  if (!tsc_test_init_for_cli (&argc, &argv))
    return 1;

#define ADD(path, func) g_test_add ((path), Fixture, NULL, fixture_setup, (func), fixture_teardown)
  ADD ("/replay/into-second-capture/same-messages", test_replay_into_second_capture);
  ADD ("/replay/write-key/replaces-the-recorded-one", test_replay_write_key);
  ADD ("/replay/retries/5xx-then-accepted", test_replay_retries_5xx);
  ADD ("/replay/retries/429-waits-for-retry-after", test_replay_honours_retry_after);
  ADD ("/replay/rejected/400-is-final-and-exits-1", test_replay_rejected);
  ADD ("/replay/unreachable/exits-1-after-retries", test_replay_unreachable);
  ADD ("/replay/usage/errors-exit-2", test_replay_usage_errors);
#undef ADD

  return g_test_run ();
}
