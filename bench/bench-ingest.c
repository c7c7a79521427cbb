/* bench-ingest.c: how fast the collector acknowledges calls, against a
 * baseline measured in the same run
 *
 * The baseline is a bare libsoup server on its own thread that answers
 * 200 without decoding or storing anything: the cost of HTTP alone on
 * this machine. Trackscope's collector then takes the same load while
 * decoding every call and committing it to a real session file before
 * answering. The ratio says what the capture costs on top of HTTP.
 *
 *   bench-ingest [--seconds N] [--concurrency N] [--batch N]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-ingest"

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tsc-collector.h"

static int seconds = 3;
static int concurrency = 32;
static int batch_size = 1;

/* ---- baseline server ---------------------------------------------------- */

typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  guint         port;
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
} Bare;

static void
bare_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           data)
{
  static const char reply[] = "{\"success\":true}";

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    reply, sizeof reply - 1);
}

static gpointer
bare_thread (gpointer data)
{
  Bare *bare = data;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  GSList *listeners;

  g_main_context_push_thread_default (bare->context);
  bare->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (bare->server, NULL, bare_handler, NULL, NULL);
  if (!soup_server_listen (bare->server, address, 0, NULL))
    g_error ("baseline server cannot listen");

  listeners = soup_server_get_listeners (bare->server);
  {
    g_autoptr(GSocketAddress) local = g_socket_get_local_address (listeners->data, NULL);
    bare->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  }
  g_slist_free (listeners);

  g_mutex_lock (&bare->lock);
  bare->ready = TRUE;
  g_cond_signal (&bare->cond);
  g_mutex_unlock (&bare->lock);

  g_main_loop_run (bare->loop);
  soup_server_disconnect (bare->server);
  g_clear_object (&bare->server);
  g_main_context_pop_thread_default (bare->context);
  return NULL;
}

/* ---- load generator ----------------------------------------------------- */

typedef struct
{
  SoupSession *session;
  char        *url;
  gint64       deadline;
  guint        in_flight;
  guint64      sent;
  guint64      ok;
  guint64      failed;
  GMainLoop   *loop;
} Load;

static void send_one (Load *load);

static GBytes *
make_body (guint64 n)
{
  GString *s = g_string_new (NULL);

  if (batch_size > 1)
    g_string_append (s, "{\"batch\":[");
  for (int i = 0; i < batch_size; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append_printf (s,
        "{\"type\":\"track\",\"event\":\"Product Viewed\",\"userId\":\"user-%" G_GUINT64_FORMAT "\","
        "\"anonymousId\":\"7d1c2f3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f\","
        "\"messageId\":\"bench-%" G_GUINT64_FORMAT "-%d\",\"timestamp\":\"2026-11-29T10:00:00.000Z\","
        "\"properties\":{\"sku\":\"SKU-123\",\"price\":19.99,\"currency\":\"EUR\"},"
        "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"npm:next-1.84.3\"},"
        "\"page\":{\"path\":\"/products/123\",\"url\":\"https://shop.example/products/123\"},"
        "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0\"}}",
        n % 1000, n, i);
    }
  if (batch_size > 1)
    g_string_append (s, "]}");

  return g_string_free_to_bytes (s);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Load *load = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) reply = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  if (reply != NULL && soup_message_get_status (msg) == 200)
    load->ok++;
  else
    load->failed++;

  load->in_flight--;
  if (g_get_monotonic_time () < load->deadline)
    send_one (load);
  else if (load->in_flight == 0)
    g_main_loop_quit (load->loop);
}

static void
send_one (Load *load)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", load->url);
  g_autoptr(GBytes) body = make_body (load->sent++);

  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                "Authorization", "Basic V0tfQkVOQ0g6");
  soup_message_set_request_body_from_bytes (msg, "text/plain", body);
  load->in_flight++;
  soup_session_send_and_read_async (load->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, load);
}

static double
run_load (const char *base,
          guint64    *ok_out)
{
  Load load = { 0 };
  gint64 start;
  double elapsed;

  load.session = soup_session_new_with_options ("max-conns", concurrency,
                                                "max-conns-per-host", concurrency, NULL);
  load.url = g_strconcat (base, batch_size > 1 ? "/v1/batch" : "/v1/t", NULL);
  load.loop = g_main_loop_new (NULL, FALSE);

  start = g_get_monotonic_time ();
  load.deadline = start + (gint64) seconds * G_USEC_PER_SEC;
  for (int i = 0; i < concurrency; i++)
    send_one (&load);
  g_main_loop_run (load.loop);
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  if (load.failed > 0)
    g_printerr ("warning: %" G_GUINT64_FORMAT " requests failed against %s\n", load.failed, base);

  *ok_out = load.ok;
  g_main_loop_unref (load.loop);
  g_object_unref (load.session);
  g_free (load.url);
  return load.ok / elapsed;
}

int
main (int    argc,
      char **argv)
{
  const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Duration of each run", "N" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &concurrency, "Requests in flight", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch_size, "Calls per request (1 = single route)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *bare_uri = NULL;
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(TscSessionWriter) writer = NULL;
  g_autoptr(TscCollector) collector = NULL;
  Bare bare = { 0 };
  GThread *thread;
  double base_rate, rate;
  guint64 base_ok, ok, stored;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    g_error ("%s", error->message);

  /* Baseline: HTTP alone. */
  bare.context = g_main_context_new ();
  bare.loop = g_main_loop_new (bare.context, FALSE);
  g_mutex_init (&bare.lock);
  g_cond_init (&bare.cond);
  thread = g_thread_new ("bare", bare_thread, &bare);
  g_mutex_lock (&bare.lock);
  while (!bare.ready)
    g_cond_wait (&bare.cond, &bare.lock);
  g_mutex_unlock (&bare.lock);

  bare_uri = g_strdup_printf ("http://127.0.0.1:%u", bare.port);
  base_rate = run_load (bare_uri, &base_ok);
  g_main_loop_quit (bare.loop);
  g_thread_join (thread);

  /* Trackscope: decode, commit, then answer. */
  dir = g_dir_make_tmp ("trackscope-bench-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "bench.trackscope", NULL);
  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  writer = tsc_session_writer_new (store);
  collector = tsc_collector_new (writer);
  if (!tsc_collector_start (collector, "127.0.0.1", 0, &error))
    g_error ("%s", error->message);

  rate = run_load (tsc_collector_get_uri (collector), &ok);
  tsc_collector_stop (collector);
  tsc_session_writer_close (writer);
  stored = tsc_collector_get_message_count (collector);

  g_print ("ingest: %d s per run, %d requests in flight, %d call(s) per request\n",
           seconds, concurrency, batch_size);
  g_print ("  baseline (HTTP only, no decode, no storage): %8.0f requests/s\n", base_rate);
  g_print ("  trackscope (decode + durable commit + reply): %8.0f requests/s, %8.0f calls/s\n",
           rate, rate * batch_size);
  g_print ("  ratio trackscope/baseline: %.2f\n", rate / base_rate);
  g_print ("  commits: %" G_GUINT64_FORMAT " for %" G_GUINT64_FORMAT " requests (%.1f requests per commit)\n",
           tsc_session_writer_get_commits (writer), ok,
           ok / (double) MAX (1, tsc_session_writer_get_commits (writer)));
  g_print ("  calls stored: %" G_GUINT64_FORMAT " (acknowledged: %" G_GUINT64_FORMAT ")\n",
           stored, ok * batch_size);

  g_clear_object (&collector);
  g_clear_object (&writer);
  g_clear_object (&store);
  tsc_session_store_remove_files (path);
  g_rmdir (dir);

  return stored == ok * batch_size ? 0 : 1;
}
