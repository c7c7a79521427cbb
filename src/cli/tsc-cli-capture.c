/* tsc-cli-capture.c: `trackscope-cli capture`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-cli-capture"

#include "config.h"

#include <inttypes.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "tsc-cli.h"
#include "tsc-collector.h"
#include "tsc-forwarder.h"
#include "tsc-identity-model.h"
#include "tsc-session-store.h"
#include "tsc-session-writer.h"

/* How long a stop waits for requests still on their way upstream. */
#define FORWARD_STOP_WAIT_MS 5000

typedef struct
{
  GMainLoop        *loop;
  gboolean          quiet;
  TscIdentityModel *model;
  guint             n_rejected;

  /* With --forward */
  GHashTable       *routes;        /* request id → route, until its outcome */
  guint             n_forwarded;
  guint             n_upstream_accepted;
  guint             n_upstream_stopped;
  guint             n_upstream_unanswered;
} Capture;

static const char *
or_dash (const char *text)
{
  return text != NULL ? text : "-";
}

static char *
format_clock (gint64 usec)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *hms = NULL;

  if (utc == NULL)
    return g_strdup ("??:??:??.???");

  local = g_date_time_to_local (utc);
  hms = g_date_time_format (local, "%H:%M:%S");
  return g_strdup_printf ("%s.%03d", hms, (int) ((usec % G_USEC_PER_SEC) / 1000));
}

/* Flags go to stderr, so stdout stays one line per message. */
static void
print_flags (GPtrArray *flags)
{
  for (guint i = 0; i < flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);

      fprintf (stderr, "flag  %-7s  %s: %s\n",
               tsc_severity_to_string (flag->severity),
               tsc_rule_get_info (flag->rule)->id, flag->summary);
    }
}

static void
on_collector_messages_received_cb (TscCollector *collector,
                                   GPtrArray    *messages,
                                   Capture      *capture)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) flags = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_flag_unref);

  for (guint i = 0; i < messages->len; i++)
    {
      g_autoptr(GPtrArray) raised = tsc_identity_model_add (capture->model,
                                                            g_ptr_array_index (messages, i));

      g_ptr_array_extend_and_steal (flags, g_steal_pointer (&raised));
    }

  for (guint i = 0; i < messages->len && !capture->quiet; i++)
    {
      TscMessage *m = g_ptr_array_index (messages, i);
      g_autofree char *clock = format_clock (m->received_at);
      const char *label = tsc_message_get_label (m);
      g_autofree char *quoted = label ? g_strdup_printf ("\"%s\"", label) : g_strdup ("-");

      g_string_append_printf (out, "%s  %-8s  %-24s  userId=%s  anonymousId=%s\n",
                              clock,
                              m->type_name ? m->type_name : "(no type)",
                              quoted,
                              or_dash (m->user_id),
                              or_dash (m->anonymous_id));
    }

  fputs (out->str, stdout);
  fflush (stdout);
  print_flags (flags);

  /* Remember which route each forwarded request took, for its outcome. */
  for (guint i = 0; capture->routes != NULL && i < messages->len; i++)
    {
      TscTransport *t = ((TscMessage *) g_ptr_array_index (messages, i))->transport;
      gint64 id = t->request_id;

      if (!g_hash_table_contains (capture->routes, &id))
        g_hash_table_insert (capture->routes, g_memdup2 (&id, sizeof id), g_strdup (t->route));
    }
}

static void
on_forwarder_upstream_outcome_cb (TscForwarder             *forwarder,
                                  gint64                    request_id,
                                  const TscUpstreamOutcome *outcome,
                                  Capture                  *capture)
{
  g_autofree char *route = NULL;
  g_autofree char *what = NULL;
  g_autofree gint64 *key = NULL;

  g_hash_table_steal_extended (capture->routes, &request_id, (gpointer *) &key, (gpointer *) &route);
  capture->n_forwarded++;

  if (tsc_upstream_outcome_accepted (outcome))
    {
      capture->n_upstream_accepted++;
      return;
    }

  /* Those the stop gave up on are counted in the summary instead. */
  if (g_strcmp0 (outcome->error, TSC_UPSTREAM_CAPTURE_STOPPED) == 0)
    {
      capture->n_upstream_stopped++;
      return;
    }
  if (g_strcmp0 (outcome->error, TSC_UPSTREAM_UNANSWERED) == 0)
    {
      capture->n_upstream_unanswered++;
      return;
    }

  if (outcome->status != 0)
    what = g_strdup_printf ("%u", outcome->status);
  else if (outcome->attempts > 0)
    /* TRANSLATORS: in “upstream unreachable after 4 attempts: …” */
    what = g_strdup (_("unreachable"));
  else
    /* TRANSLATORS: in “upstream not forwarded after 0 attempts: …” */
    what = g_strdup (_("not forwarded"));

  /* TRANSLATORS: “upstream 503 after 3 attempts: /v1/track request 12 (Service
   * Unavailable)”: the status the collector forwarded to answered (or
   * “unreachable”), how often the request was sent, its route and number, and
   * the reason */
  fprintf (stderr, ngettext ("upstream %s after %u attempt: %s request %" PRId64 " (%s)\n",
                             "upstream %s after %u attempts: %s request %" PRId64 " (%s)\n",
                             outcome->attempts),
           what, outcome->attempts, route != NULL ? route : "-", (int64_t) request_id,
           or_dash (outcome->error));
}

/* Appending to a session: what it holds already counts for the rules. */
static gboolean
replay_session (TscSessionStore   *store,
                TscIdentityModel  *model,
                GError           **error)
{
  gint64 after = 0;

  for (;;)
    {
      g_autoptr(GPtrArray) messages = tsc_session_store_load_messages (store, after, 10000, error);

      if (messages == NULL)
        return FALSE;
      if (messages->len == 0)
        return TRUE;

      for (guint i = 0; i < messages->len; i++)
        {
          g_autoptr(GPtrArray) flags = tsc_identity_model_add (model, g_ptr_array_index (messages, i));
        }
      after = ((TscMessage *) g_ptr_array_index (messages, messages->len - 1))->seq;
    }
}

static void
on_collector_request_rejected_cb (TscCollector     *collector,
                                  TscRequestRecord *record,
                                  Capture          *capture)
{
  g_autofree char *clock = format_clock (record->received_at);

  capture->n_rejected++;

  fprintf (stderr, "%s  rejected  %u %s  %s %s: %s\n",
           clock, record->status, or_dash (record->error_code),
           or_dash (record->transport->method), or_dash (record->transport->path),
           or_dash (record->error_message));
}

static gboolean
on_signal_cb (gpointer data)
{
  Capture *capture = data;

  g_main_loop_quit (capture->loop);
  return G_SOURCE_CONTINUE;
}

int
tsc_cli_capture (int    argc,
                 char **argv)
{
  g_autofree char *listen = NULL;
  g_autofree char *session = NULL;
  g_auto(GStrv) write_keys = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *forward = NULL;
  gboolean allow_remote = FALSE;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      N_("Address to listen on (default 127.0.0.1:8765; port 0 picks a free port)"), N_("HOST:PORT") },
    { "session", 's', 0, G_OPTION_ARG_FILENAME, &session,
      N_("Session file to record into; created when missing, appended to otherwise "
         "(default: a new file under the user’s data folder)"), N_("FILE") },
    { "forward", 'f', 0, G_OPTION_ARG_STRING, &forward,
      N_("Also send every accepted call on to this collector (e.g. https://api.segment.io); "
         "the capture never waits for it"), N_("URL") },
    { "allow-remote", 0, 0, G_OPTION_ARG_NONE, &allow_remote,
      N_("Allow listening on an address other machines can reach"), NULL },
    { "write-key", 'k', 0, G_OPTION_ARG_STRING_ARRAY, &write_keys,
      N_("Accept only this write key (repeat for more); others get 401. Default: accept any"),
      N_("KEY") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      N_("Do not print a line per received message (flags are still reported on stderr)"), NULL },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
      N_("Rule profile: segment (default), mixpanel-original, mixpanel-simplified or kissmetrics"),
      N_("NAME") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("Rule settings (severities, logout and signup names) from a key file"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(TscSessionWriter) writer = NULL;
  g_autoptr(TscCollector) collector = NULL;
  g_autoptr(TscForwarder) forwarder = NULL;
  g_autoptr(GHashTable) routes = NULL;
  g_autoptr(TscRuleConfig) rules = NULL;
  g_autoptr(TscIdentityModel) model = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *host = NULL;
  guint port = 0;
  gboolean created;
  gboolean named;
  guint sigint_id;
  guint sigterm_id;
  guint64 n_messages;
  gulong plural_n;
  guint n_flags;
  g_autofree char *messages = NULL;
  g_autofree char *flags = NULL;
  Capture capture = { 0 };

  if (!tsc_cli_parse_options ("capture", NULL,
                              _("Record every Segment Tracking API call sent to a local "
                                "collector into a session file."),
                              NULL, entries, &argc, &argv))
    return TSC_EXIT_USAGE;

  if (argc > 1)
    {
      tsc_cli_print_error (_("capture: unexpected argument “%s”"), argv[1]);
      return TSC_EXIT_USAGE;
    }

  if (!tsc_parse_listen_address (listen ? listen : "127.0.0.1:8765", &host, &port, &error))
    return tsc_cli_usage_error ("capture", error);

  if (forward != NULL)
    {
      g_autoptr(GUri) upstream = tsc_upstream_parse_url (forward, &error);

      if (upstream == NULL)
        return tsc_cli_usage_error ("capture", error);
    }

  rules = tsc_cli_load_rules (profile, config_path, &error);
  if (rules == NULL)
    return tsc_cli_usage_error ("capture", error);
  model = tsc_identity_model_new (rules);

  named = session != NULL;
  if (session == NULL)
    session = tsc_session_store_default_path ();
  created = !g_file_test (session, G_FILE_TEST_EXISTS);

  store = tsc_session_store_open (session, TSC_SESSION_STORE_OPEN_CREATE, &error);
  if (store == NULL || !replay_session (store, model, &error))
    return tsc_cli_usage_error ("capture", error);

  writer = tsc_session_writer_new (store);
  collector = tsc_collector_new (writer);
  tsc_collector_set_allow_remote (collector, allow_remote);
  tsc_collector_set_allowed_write_keys (collector, (const char * const *) write_keys);

  loop = g_main_loop_new (NULL, FALSE);
  capture.loop = loop;
  capture.quiet = quiet;
  capture.model = model;

  if (forward != NULL)
    {
      forwarder = tsc_forwarder_new (forward, &error);
      g_assert (forwarder != NULL);   /* the URL was checked above */
      tsc_forwarder_set_writer (forwarder, writer);
      tsc_collector_set_forwarder (collector, forwarder);

      routes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
      capture.routes = routes;
      g_signal_connect (forwarder, "upstream-outcome",
                        G_CALLBACK (on_forwarder_upstream_outcome_cb), &capture);
    }

  g_signal_connect (collector, "messages-received",
                    G_CALLBACK (on_collector_messages_received_cb), &capture);
  g_signal_connect (collector, "request-rejected",
                    G_CALLBACK (on_collector_request_rejected_cb), &capture);

  if (!tsc_collector_start (collector, host, port, &error))
    {
      if (forwarder != NULL)
        tsc_forwarder_shutdown (forwarder, 0);
      tsc_session_writer_close (writer);
      g_clear_object (&collector);
      g_clear_object (&writer);
      g_clear_object (&store);
      /* Nothing was recorded: do not leave an empty file behind. */
      if (created)
        tsc_session_store_remove_files (session);
      return tsc_cli_usage_error ("capture", error);
    }

  /* The writer owns the store now: it records where this capture
   * listened, in order with the calls. */
  tsc_session_writer_set_info (writer, "collector", tsc_collector_get_uri (collector));
  tsc_session_writer_set_info (writer, "profile", tsc_rule_config_get_profile (rules));

  /* Ready for a clean stop before anyone is told where to send calls. */
  sigint_id = g_unix_signal_add (SIGINT, on_signal_cb, &capture);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal_cb, &capture);

  printf ("listening on %s\n", tsc_collector_get_uri (collector));
  fflush (stdout);
  fprintf (stderr, "recording to %s\n", session);
  if (forwarder != NULL)
    fprintf (stderr, _("forwarding to %s\n"), tsc_forwarder_get_url (forwarder));

  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  tsc_collector_stop (collector);
  if (forwarder != NULL)
    {
      guint pending = tsc_forwarder_get_pending (forwarder);

      if (pending > 0)
        /* TRANSLATORS: the first %u is a number of seconds */
        fprintf (stderr, ngettext ("waiting up to %u s for %u request still being forwarded\n",
                                   "waiting up to %u s for %u requests still being forwarded\n",
                                   pending),
                 FORWARD_STOP_WAIT_MS / 1000, pending);
      /* Outcomes are recorded and printed before the writer closes. */
      tsc_forwarder_shutdown (forwarder, FORWARD_STOP_WAIT_MS);
      fprintf (stderr, ngettext ("Forwarded %u request: %u accepted, %u failed",
                                 "Forwarded %u requests: %u accepted, %u failed",
                                 capture.n_forwarded),
               capture.n_forwarded,
               capture.n_upstream_accepted, capture.n_forwarded - capture.n_upstream_accepted);
      if (capture.n_upstream_stopped > 0)
        /* TRANSLATORS: appended to “Forwarded 9 requests: 3 accepted, 6 failed” */
        fprintf (stderr, ngettext (" (%u not sent before the stop)",
                                   " (%u not sent before the stop)",
                                   capture.n_upstream_stopped),
                 capture.n_upstream_stopped);
      if (capture.n_upstream_unanswered > 0)
        /* TRANSLATORS: appended to “Forwarded 9 requests: 3 accepted, 6 failed” */
        fprintf (stderr, ngettext (" (%u sent but unanswered at the stop: they may have arrived)",
                                   " (%u sent but unanswered at the stop: they may have arrived)",
                                   capture.n_upstream_unanswered),
                 capture.n_upstream_unanswered);
      fputc ('\n', stderr);
    }
  tsc_session_writer_close (writer);

  /* A capture into the data folder that received nothing is not kept. */
  if (!named && created && tsc_collector_get_message_count (collector) == 0 &&
      capture.n_rejected == 0)
    {
      g_clear_object (&collector);
      g_clear_object (&writer);
      g_clear_object (&store);
      tsc_session_store_remove_files (session);
      fprintf (stderr, "%s\n", _("stopped: nothing was received, so no session file was kept"));
      return TSC_EXIT_OK;
    }

  n_messages = tsc_collector_get_message_count (collector);
  /* ngettext() takes an unsigned long; counts above it are plural anyway. */
  plural_n = (gulong) MIN (n_messages, G_MAXULONG);
  n_flags = tsc_identity_model_get_flags (model)->len;
  messages = g_strdup_printf (ngettext ("%" PRIu64 " message", "%" PRIu64 " messages", plural_n),
                              (uint64_t) n_messages);
  flags = g_strdup_printf (ngettext ("%u flag", "%u flags", n_flags), n_flags);
  /* TRANSLATORS: “stopped: 3 messages recorded in FILE, 1 flag” */
  fprintf (stderr, _("stopped: %s recorded in %s, %s\n"), messages, session, flags);

  return TSC_EXIT_OK;
}
