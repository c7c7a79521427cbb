/* bench-frames.c: does the window keep redrawing while calls pour in?
 *
 * Starts the real application (capturing on a free port), shows the
 * timeline following live calls and redraws the window every frame.
 * First it measures frame intervals with no load (the baseline, in the
 * same run), then while a load generator thread posts calls over HTTP
 * at the given rate in batches, and prints the percentiles of both and
 * their ratio.
 *
 *   bench-frames [--rate CALLS-PER-SECOND] [--seconds N] [--batch N]
 *
 * Run it under Xvfb (`make bench` does).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-frames"

#include "config.h"

#include <libsoup/soup.h>

#include "tsc-app-tool.h"

static int rate = 5000;
static int seconds = 5;
static int batch = 50;

typedef struct
{
  GArray   *intervals;     /* double, ms */
  gint64    last_frame;
  gboolean  recording;
} Frames;

typedef struct
{
  char          *uri;
  volatile gint  stop;
  guint64        sent;
  guint64        failed;
} Load;

static Frames frames;
static Load load;
static int status = 1;

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (frames.recording && frames.last_frame != 0)
    {
      double ms = (now - frames.last_frame) / 1000.0;
      g_array_append_val (frames.intervals, ms);
    }
  frames.last_frame = now;

  /* Keep the window redrawing every frame, with or without new calls. */
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static gpointer
load_thread (gpointer data)
{
  g_autoptr(SoupSession) http = soup_session_new_with_options ("proxy-resolver", NULL, "max-conns", 8, NULL);
  g_autofree char *url = g_strconcat (load.uri, "/v1/batch", NULL);
  gint64 start = g_get_monotonic_time ();
  guint64 n = 0;

  while (!g_atomic_int_get (&load.stop))
    {
      g_autoptr(GString) body = g_string_new ("{\"batch\":[");
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GBytes) reply = NULL;
      gint64 due;

      for (int i = 0; i < batch; i++, n++)
        g_string_append_printf (body, "%s{\"type\":\"track\",\"event\":\"Product Viewed\","
                                "\"anonymousId\":\"anon-%" G_GUINT64_FORMAT "\",\"userId\":\"user-%" G_GUINT64_FORMAT "\","
                                "\"messageId\":\"bench-%" G_GUINT64_FORMAT "\","
                                "\"properties\":{\"sku\":\"SKU-%" G_GUINT64_FORMAT "\",\"price\":19.99}}",
                                i ? "," : "", n / 40, n / 40, n, n % 500);
      g_string_append (body, "]}");
      bytes = g_string_free_to_bytes (g_steal_pointer (&body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      reply = soup_session_send_and_read (http, msg, NULL, NULL);
      if (reply != NULL && soup_message_get_status (msg) == 200)
        load.sent += batch;
      else
        load.failed += batch;

      /* Pace the requests to the target rate. */
      due = start + (gint64) (n * (double) G_USEC_PER_SEC / rate);
      if (due > g_get_monotonic_time ())
        g_usleep (due - g_get_monotonic_time ());
    }

  return NULL;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  if (values->len == 0)
    return 0;
  return g_array_index (values, double, MIN (values->len - 1, (guint) (p * values->len)));
}

static void
measure (const char *label,
         double     *p50,
         double     *p95)
{
  frames.intervals = g_array_new (FALSE, FALSE, sizeof (double));
  frames.recording = TRUE;
  tsc_app_tool_wait_ms (seconds * 1000, TRUE);
  frames.recording = FALSE;

  g_array_sort (frames.intervals, compare_double);
  *p50 = percentile (frames.intervals, 0.50);
  *p95 = percentile (frames.intervals, 0.95);
  g_print ("  %-28s %5u frames, interval p50 %6.1f ms, p95 %6.1f ms, max %6.1f ms\n",
           label, frames.intervals->len, *p50, *p95, percentile (frames.intervals, 1.0));
  g_array_unref (frames.intervals);
}

static gboolean
run (gpointer data)
{
  GApplication *app = g_application_get_default ();
  TscWindow *window = TSC_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  TscSession *session = tsc_window_get_session (window);
  GThread *thread;
  double base50, base95, load50, load95;
  guint before;

  load.uri = g_strdup (tsc_session_get_uri (session));
  gtk_widget_add_tick_callback (GTK_WIDGET (window), tick_cb, NULL, NULL);

  /* Show the views with a first call, so the timeline is on screen. */
  {
    g_autoptr(SoupSession) http = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
    g_autofree char *url = g_strconcat (load.uri, "/v1/t", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    static const char first[] = "{\"type\":\"track\",\"event\":\"Start\",\"anonymousId\":\"a\"}";
    g_autoptr(GBytes) bytes = g_bytes_new_static (first, sizeof first - 1);
    g_autoptr(GBytes) reply = NULL;

    soup_message_set_request_body_from_bytes (msg, "text/plain", bytes);
    reply = soup_session_send_and_read (http, msg, NULL, NULL);
  }
  tsc_app_tool_wait_ms (1000, TRUE);

  g_print ("frames: window redrawn every frame, timeline following live calls, %d s per run\n", seconds);
  measure ("baseline (no calls)", &base50, &base95);

  before = tsc_session_get_n_messages (session);
  thread = g_thread_new ("load", load_thread, NULL);
  {
    g_autofree char *label = g_strdup_printf ("%d calls/s (batches of %d)", rate, batch);
    measure (label, &load50, &load95);
  }
  g_atomic_int_set (&load.stop, 1);
  g_thread_join (thread);
  tsc_app_tool_wait_ms (500, TRUE);

  g_print ("  calls acknowledged %" G_GUINT64_FORMAT " (%.0f/s), failed %" G_GUINT64_FORMAT
           ", shown %u\n", load.sent, load.sent / (double) seconds, load.failed,
           tsc_session_get_n_messages (session) - before);
  g_print ("  ratio under load / baseline: p50 %.2f, p95 %.2f\n",
           load50 / MAX (base50, 0.001), load95 / MAX (base95, 0.001));

  status = 0;
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  const GOptionEntry entries[] = {
    { "rate", 0, 0, G_OPTION_ARG_INT, &rate, "Calls per second", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Duration of each run", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Calls per request", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    g_error ("%s", error->message);

  tsc_app_tool_run_app (run);
  return status;
}
