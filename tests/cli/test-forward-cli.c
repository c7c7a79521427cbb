/* test-forward-cli.c: `trackscope-cli capture --forward`, the real binary
 *
 * The capture must answer and store every call at once whatever the
 * upstream does: nothing listening, an upstream that holds each request
 * for seconds, or a second real capture. The slow upstream is a
 * SoupServer of the test's own, in a thread of its own so that it keeps
 * its own time while the test talks to the capture. After the stop, the
 * session's `upstream` table must hold an outcome per forwarded request.
 * Every wait is bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-forward-cli"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>

#include "tsc-session-store.h"
#include "tsc-test-util.h"

#define LINE_TIMEOUT_MS 15000
#define EXIT_TIMEOUT_MS 30000

/* Calls sent in the tests against a failing or slow upstream. */
#define N_CALLS 50

/* How long the slow upstream holds each request. */
#define HOLD_MS 4000

/* ---------------------------------------------------------------------- */
/* A slow upstream                                                         */

typedef struct
{
  guint         hold_ms;

  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *uri;

  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  int           n_received;   /* atomic */
  int           n_replied;    /* atomic: replies written out */
} Upstream;

typedef struct
{
  SoupServerMessage *msg;
  gulong             disconnected_id;
  gboolean           gone;
} Held;

static void
held_free (gpointer data)
{
  Held *held = data;

  g_signal_handler_disconnect (held->msg, held->disconnected_id);
  g_object_unref (held->msg);
  g_free (held);
}

static void
held_disconnected_cb (SoupServerMessage *msg,
                      Held              *held)
{
  held->gone = TRUE;
}

static gboolean
release_cb (gpointer data)
{
  Held *held = data;

  if (!held->gone)
    soup_server_message_unpause (held->msg);
  return G_SOURCE_REMOVE;
}

static void
wrote_body_cb (SoupServerMessage *msg,
               Upstream          *u)
{
  g_atomic_int_inc (&u->n_replied);
}

static void
upstream_handler_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           data)
{
  Upstream *u = data;
  static const char text[] = "{\"success\":true}";
  g_autoptr(GSource) timeout = NULL;
  Held *held;

  /* libsoup 3.2 leaks connections that a client closes while idle. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  g_atomic_int_inc (&u->n_received);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    text, strlen (text));
  g_signal_connect (msg, "wrote-body", G_CALLBACK (wrote_body_cb), u);

  held = g_new0 (Held, 1);
  held->msg = g_object_ref (msg);
  held->disconnected_id = g_signal_connect (msg, "disconnected",
                                            G_CALLBACK (held_disconnected_cb), held);
  soup_server_message_pause (msg);

  timeout = g_timeout_source_new (u->hold_ms);
  g_source_set_callback (timeout, release_cb, held, held_free);
  g_source_attach (timeout, u->context);
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

static const char *
upstream_start (Upstream *u)
{
  g_mutex_init (&u->lock);
  g_cond_init (&u->cond);
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

  /* Requests still held are dropped with the context. */
  g_main_loop_unref (u->loop);
  g_main_context_unref (u->context);
  g_free (u->uri);
  g_mutex_clear (&u->lock);
  g_cond_clear (&u->cond);
}

static gboolean
upstream_has_replied (gpointer data)
{
  Upstream *u = data;

  return g_atomic_int_get (&u->n_replied) > 0;
}

/* ---------------------------------------------------------------------- */
/* Captures                                                                */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GDataInputStream *err;
  char             *uri;
  GString          *stderr_text;   /* what was read of stderr so far */
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

/* Starts a capture into @session, forwarding to @forward when given. */
static void
capture_start (Capture    *c,
               const char *session,
               const char *forward)
{
  const char *args[] = { "capture", "--listen", "127.0.0.1:0", "--session", session,
                         "--quiet", forward ? "--forward" : NULL, forward, NULL };

  c->process = tsc_test_spawn_cli (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                   NULL, args);
  c->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (c->process));
  c->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (c->process));
  c->uri = tsc_test_read_listening_uri (c->out, LINE_TIMEOUT_MS, NULL);
  c->stderr_text = g_string_new (NULL);
}

/* Reads stderr until a line contains @needle. */
static void
capture_wait_for_stderr (Capture    *c,
                         const char *needle,
                         guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (strstr (c->stderr_text->str, needle) == NULL)
    {
      g_autofree char *line = NULL;
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;

      if (left <= 0)
        g_error ("no “%s” on stderr within %u ms; got:\n%s", needle, timeout_ms,
                 c->stderr_text->str);
      line = tsc_test_read_line (c->err, (guint) left);
      g_assert_nonnull (line);
      g_string_append_printf (c->stderr_text, "%s\n", line);
    }
}

/* Stops the capture with SIGTERM; returns all it wrote on stderr. */
static char *
capture_stop (Capture *c)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  char *all;

  g_subprocess_send_signal (c->process, SIGTERM);
  out = read_rest (c->out);
  err = read_rest (c->err);
  tsc_test_wait_for_exit (c->process, EXIT_TIMEOUT_MS);

  g_string_append (c->stderr_text, err);
  all = g_string_free (g_steal_pointer (&c->stderr_text), FALSE);
  g_test_message ("capture stderr:\n%s", all);

  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_subprocess_get_if_exited (c->process));
  g_assert_cmpint (g_subprocess_get_exit_status (c->process), ==, 0);

  g_clear_object (&c->out);
  g_clear_object (&c->err);
  g_clear_object (&c->process);
  g_clear_pointer (&c->uri, g_free);
  return all;
}

static void
capture_clear (Capture *c)
{
  if (c->process != NULL)
    {
      g_subprocess_force_exit (c->process);
      tsc_test_wait_for_exit (c->process, 5000);
    }
  g_clear_object (&c->out);
  g_clear_object (&c->err);
  g_clear_object (&c->process);
  g_clear_pointer (&c->uri, g_free);
  if (c->stderr_text != NULL)
    g_string_free (g_steal_pointer (&c->stderr_text), TRUE);
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

/* Sends N_CALLS single calls; every one must be answered 200 at once. */
static void
post_many (SoupSession *http,
           const char  *base_uri)
{
  for (guint i = 0; i < N_CALLS; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"type\":\"track\",\"event\":\"Step %u\","
                                               "\"anonymousId\":\"a1\",\"messageId\":\"f-%u\"}",
                                               i, i);

      g_assert_cmpuint (post_text (http, base_uri, "/v1/track", NULL, body), ==, 200);
    }
}

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

static gint64
count_rows (const char *session,
            const char *sql)
{
  return tsc_test_db_int (session, sql, NULL);
}

typedef struct
{
  char        *dir;
  char        *session;
  SoupSession *http;
  Capture      capture;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = tsc_test_make_tmp_dir ("trackscope-forward-XXXXXX", "s.trackscope", &f->session);
  f->http = soup_session_new_with_options ("timeout", 15, "proxy-resolver", NULL, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  capture_clear (&f->capture);
  g_clear_object (&f->http);
  g_assert_true (tsc_test_remove_tree (f->dir));
  g_clear_pointer (&f->session, g_free);
  g_clear_pointer (&f->dir, g_free);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

static void
test_forward_to_closed_port (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *upstream = NULL;
  g_autofree char *err = NULL;
  g_autofree char *summary = NULL;
  guint port = 0;

  /* A port that was free a moment ago: nothing listens there. */
  socket = tsc_test_listen_on_free_port (&port);
  g_socket_close (socket, NULL);
  upstream = g_strdup_printf ("http://127.0.0.1:%u", port);

  capture_start (&f->capture, f->session, upstream);
  post_many (f->http, f->capture.uri);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM requests"), ==, N_CALLS);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM messages"), ==, N_CALLS);

  /* The first requests give up after their 4 tries (0.5 + 1 + 2 s). */
  capture_wait_for_stderr (&f->capture, "upstream unreachable after 4 attempts: /v1/track request ",
                           20000);
  err = capture_stop (&f->capture);

  summary = g_strdup_printf ("Forwarded %u requests: 0 accepted, %u failed", N_CALLS, N_CALLS);
  tsc_test_assert_contains (err, summary);

  /* An outcome per request: failed with the tries made, or given up on. */
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream"), ==, N_CALLS);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream u JOIN requests r "
                                           "ON r.id = u.request_id"), ==, N_CALLS);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream WHERE status <> 0"),
                   ==, 0);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream WHERE attempts = 4 "
                                           "AND error LIKE '%Connection refused%'"), >=, 1);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream WHERE NOT "
                                           "((attempts = 4 AND error LIKE '%Connection refused%') "
                                           "OR error = 'not forwarded: capture stopped')"),
                   ==, 0);
}

static void
test_forward_to_slow_upstream (Fixture       *f,
                               gconstpointer  data)
{
  Upstream u = { HOLD_MS };
  const char *upstream = upstream_start (&u);
  g_autofree char *err = NULL;
  g_autofree char *summary = NULL;
  gint64 accepted;
  int replied_when_answered;

  capture_start (&f->capture, f->session, upstream);
  post_many (f->http, f->capture.uri);

  /* Every call was answered and stored while the upstream answered none. */
  replied_when_answered = g_atomic_int_get (&u.n_replied);
  g_assert_cmpint (replied_when_answered, ==, 0);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM messages"), ==, N_CALLS);

  /* Let the upstream answer the first ones, then stop. */
  g_assert_true (tsc_test_wait_until (upstream_has_replied, &u, 30000));
  err = capture_stop (&f->capture);
  g_assert_cmpint (g_atomic_int_get (&u.n_received), >=, 1);

  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream"), ==, N_CALLS);
  accepted = count_rows (f->session, "SELECT count(*) FROM upstream WHERE status = 200 "
                                     "AND attempts = 1 AND error IS NULL");
  g_assert_cmpint (accepted, >=, 1);
  g_assert_cmpint (accepted, <=, g_atomic_int_get (&u.n_replied));
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream WHERE "
                                           "error = 'not forwarded: capture stopped'"),
                   ==, N_CALLS - accepted);

  summary = g_strdup_printf ("Forwarded %u requests: %" G_GINT64_FORMAT " accepted, %"
                             G_GINT64_FORMAT " failed (%" G_GINT64_FORMAT " not sent before the "
                             "stop)\n", N_CALLS, accepted, N_CALLS - accepted, N_CALLS - accepted);
  tsc_test_assert_contains (err, summary);
  /* Accepted requests and those the stop gave up on get no line each. */
  g_assert_null (strstr (err, "upstream "));
  upstream_stop (&u);
}

static const char envelope_batch[] =
  "{\"batch\":[{\"type\":\"track\",\"event\":\"Viewed\",\"anonymousId\":\"a1\",\"messageId\":\"m-2\"},"
  "{\"type\":\"identify\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"traits\":{\"plan\":\"pro\"}}],"
  "\"context\":{\"library\":{\"name\":\"flow-lib\",\"version\":\"2\"}},"
  "\"sentAt\":\"2024-05-01T10:00:05.000Z\",\"writeKey\":\"WK1\"}";

static const char gzip_batch[] =
  "{\"batch\":[{\"type\":\"group\",\"groupId\":\"g1\",\"userId\":\"u1\",\"messageId\":\"m-5\"},"
  "{\"type\":\"alias\",\"userId\":\"u2\",\"previousId\":\"u1\",\"messageId\":\"m-6\"}]}";

static void
test_forward_to_second_capture (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *second = g_build_filename (f->dir, "second.trackscope", NULL);
  g_autoptr(GBytes) gz = tsc_test_compress (gzip_batch, strlen (gzip_batch),
                                            G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  const char *gzip_headers[] = { "Content-Encoding", "gzip",
                                 "Authorization", "Basic V0sxOg==",   /* WK1: */
                                 "User-Agent", "flow-client/1.0", NULL };
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autofree char *first_uri = NULL;
  g_autofree char *gzip_sent = NULL;
  g_autofree char *err = NULL;
  Capture target = { 0 };

  capture_start (&target, second, NULL);
  capture_start (&f->capture, f->session, target.uri);
  first_uri = g_strdup (f->capture.uri);

  g_assert_cmpuint (post_text (f->http, f->capture.uri, "/lane/web/v1/track?writeKey=QK", NULL,
                               "{\"event\":\"Signed In\",\"userId\":\"u1\",\"messageId\":\"m-1\"}"),
                    ==, 200);
  g_assert_cmpuint (post_text (f->http, f->capture.uri, "/v1/batch", NULL, envelope_batch), ==, 200);
  g_assert_cmpuint (post_text (f->http, f->capture.uri, "/v1/batch", NULL, "{\"batch\":"), ==, 400);
  g_assert_cmpuint (post (f->http, f->capture.uri, "/v1/batch", gzip_headers, gz), ==, 200);

  err = capture_stop (&f->capture);
  tsc_test_assert_contains (err, "Forwarded 3 requests: 3 accepted, 0 failed\n");
  g_free (capture_stop (&target));

  /* The same messages, in the same order, as the client sent them. */
  a = load_messages (f->session);
  b = load_messages (second);
  g_assert_cmpuint (a->len, ==, 5);
  g_assert_cmpuint (b->len, ==, a->len);
  for (guint i = 0; i < a->len; i++)
    {
      TscMessage *x = g_ptr_array_index (a, i);
      TscMessage *y = g_ptr_array_index (b, i);

      g_assert_true (g_bytes_equal (x->raw, y->raw));
      g_assert_cmpstr (x->type_name, ==, y->type_name);
      g_assert_cmpstr (x->sent_at, ==, y->sent_at);
      g_assert_cmpstr (x->batch_context, ==, y->batch_context);
      if (!x->message_id_added)
        g_assert_cmpstr (x->message_id, ==, y->message_id);
    }

  /* No lane prefix, the query string kept, the body sent as it came. */
  g_assert_cmpint (count_rows (second, "SELECT count(*) FROM requests"), ==, 3);
  tsc_test_assert_db_text (second, "SELECT path || ' ' || write_key FROM requests ORDER BY id "
                           "LIMIT 1", NULL, "/v1/track QK");
  gzip_sent = g_strdup_printf ("gzip %" G_GSIZE_FORMAT, g_bytes_get_size (gz));
  tsc_test_assert_db_text (second, "SELECT content_encoding || ' ' || body_size FROM requests "
                           "ORDER BY id LIMIT 1 OFFSET 2", NULL, gzip_sent);
  tsc_test_assert_db_text (second, "SELECT user_agent || ' ' || write_key FROM requests "
                           "ORDER BY id LIMIT 1 OFFSET 2", NULL, "flow-client/1.0 WK1");

  /* Every forwarded request has its outcome; the rejected one none. */
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream"), ==, 3);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream WHERE status = 200 "
                                           "AND attempts = 1 AND error IS NULL"), ==, 3);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream u JOIN requests r "
                                           "ON r.id = u.request_id WHERE r.status <> 200"), ==, 0);

  /* Where and with which rules the first capture ran. */
  tsc_test_assert_db_text (f->session, "SELECT value FROM session_info WHERE key = 'collector'",
                           NULL, first_uri);
  tsc_test_assert_db_text (f->session, "SELECT value FROM session_info WHERE key = 'profile'",
                           NULL, "segment");
  capture_clear (&target);
}

static void
test_forward_bad_url (Fixture       *f,
                      gconstpointer  data)
{
  const char *urls[] = { "ftp://example.com", "example.com:8080", "http://", "https://[::1" };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      const char *args[] = { "capture", "--listen", "127.0.0.1:0", "--session", f->session,
                             "--forward", urls[i], NULL };
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GDataInputStream) err = NULL;
      g_autofree char *text = NULL;

      process = tsc_test_spawn_cli (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                    G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL, args);
      err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
      text = read_rest (err);
      tsc_test_wait_for_exit (process, EXIT_TIMEOUT_MS);

      g_test_message ("%s: %s", urls[i], text);
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
      tsc_test_assert_contains (text, "trackscope-cli: capture: ");
      tsc_test_assert_contains (text, urls[i]);
      g_assert_false (g_file_test (f->session, G_FILE_TEST_EXISTS));
    }
}

int
main (int    argc,
      char **argv)
{
  if (!tsc_test_init_for_cli (&argc, &argv))
    return 1;

#define ADD(path, func) g_test_add ((path), Fixture, NULL, fixture_setup, (func), fixture_teardown)
  ADD ("/forward/closed-port/answers-at-once-and-records-failures", test_forward_to_closed_port);
  ADD ("/forward/slow-upstream/answers-before-the-upstream-does", test_forward_to_slow_upstream);
  ADD ("/forward/second-capture/receives-the-same-messages", test_forward_to_second_capture);
  ADD ("/forward/bad-url/exits-2", test_forward_bad_url);
#undef ADD

  return g_test_run ();
}
