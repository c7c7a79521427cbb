/* tsc-cli-replay.c: `trackscope-cli replay`
 *
 * Sends the accepted requests of a session again, one at a time, in the
 * order and batching they arrived in: each body is rebuilt from the
 * stored messages (their bytes as received), POSTed to the target's
 * path followed by the canonical route, and retried the way forwarding
 * retries (tsc_upstream_send_async()). The receiving side sees the
 * original client's User-Agent and Origin.
 *
 * Exit codes: 0 every request was accepted, 1 some were not, 2 bad
 * usage, an unreadable session or a bad URL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-cli-replay"

#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "tsc-cli.h"
#include "tsc-forwarder.h"
#include "tsc-request-body.h"
#include "tsc-session-store.h"

/* Requests and messages read from the file at a time. */
#define REQUEST_CHUNK 256
#define MESSAGE_CHUNK 2000

/* Retries allowed on the command line. */
#define MAX_RETRIES 20

/* How long one try may take, connecting included. */
#define SEND_TIMEOUT_S 30

typedef struct
{
  const char        *url;
  GUri              *base;
  SoupSession       *http;
  TscUpstreamPolicy  policy;
  const char        *write_key;
  gint64             interval_us;   /* between two sends, 0 for no limit */
  gint64             last_send;     /* monotonic µs */
  gboolean           quiet;

  guint              n_requests;
  guint              n_calls;
  guint              n_accepted;
  guint              n_retries;
  /* Why requests were not accepted, in the order first seen, and how often */
  GPtrArray         *rejected_reasons;
  GHashTable        *rejected_counts;
  guint              n_rejected;
  GPtrArray         *failed_reasons;
  GHashTable        *failed_counts;
  guint              n_failed;
} Replay;

/* The messages of the session, read in chunks, in seq order. */
typedef struct
{
  TscSessionStore *store;
  GPtrArray       *chunk;
  guint            next;
  gint64           after_seq;
  gboolean         at_end;
} MessageCursor;

static void
message_cursor_clear (MessageCursor *cursor)
{
  g_clear_pointer (&cursor->chunk, g_ptr_array_unref);
}

/* The next message without taking it, %NULL after the last one. */
static TscMessage *
message_cursor_peek (MessageCursor  *cursor,
                     GError        **error)
{
  if (cursor->chunk != NULL && cursor->next < cursor->chunk->len)
    return g_ptr_array_index (cursor->chunk, cursor->next);

  if (cursor->at_end)
    return NULL;

  g_clear_pointer (&cursor->chunk, g_ptr_array_unref);
  cursor->next = 0;
  cursor->chunk = tsc_session_store_load_messages (cursor->store, cursor->after_seq,
                                                   MESSAGE_CHUNK, error);
  if (cursor->chunk == NULL)
    return NULL;

  if (cursor->chunk->len == 0)
    {
      cursor->at_end = TRUE;
      return NULL;
    }

  cursor->after_seq = ((TscMessage *) g_ptr_array_index (cursor->chunk,
                                                         cursor->chunk->len - 1))->seq;
  return g_ptr_array_index (cursor->chunk, 0);
}

/* The messages of request @request_id, in batch order. Requests and
 * their messages are stored in the same order, so the cursor only ever
 * moves forward. */
static GPtrArray *
take_messages (MessageCursor  *cursor,
               gint64          request_id,
               GError        **error)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  g_autoptr(GError) local_error = NULL;
  TscMessage *m;

  while ((m = message_cursor_peek (cursor, &local_error)) != NULL)
    {
      gint64 owner = m->transport != NULL ? m->transport->request_id : 0;

      if (owner > request_id)
        break;
      if (owner == request_id)
        g_ptr_array_add (messages, tsc_message_ref (m));
      cursor->next++;
    }

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return g_steal_pointer (&messages);
}

static void
count_reason (GPtrArray  *order,
              GHashTable *counts,
              const char *reason)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, reason));

  if (n == 0)
    {
      /* The key is owned by @order. */
      char *key = g_strdup (reason);

      g_ptr_array_add (order, key);
      g_hash_table_insert (counts, key, GUINT_TO_POINTER (1));
    }
  else
    {
      /* Inserting an existing key keeps the stored one. */
      g_hash_table_insert (counts, (gpointer) reason, GUINT_TO_POINTER (n + 1));
    }
}

static void
append_reasons (GString    *out,
                GPtrArray  *order,
                GHashTable *counts)
{
  g_string_append (out, " (");
  for (guint i = 0; i < order->len; i++)
    {
      const char *reason = g_ptr_array_index (order, i);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, reason));

      if (i > 0)
        g_string_append (out, ", ");
      if (n > 1)
        g_string_append_printf (out, "%u× ", n);
      g_string_append (out, reason);
    }
  g_string_append_c (out, ')');
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  TscUpstreamOutcome *outcome = user_data;

  tsc_upstream_send_finish (result, outcome);
}

static SoupMessageHeaders *
build_headers (const TscTransport *transport,
               const char         *write_key)
{
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  const char *key = write_key != NULL ? write_key : transport->write_key;

  soup_message_headers_append (headers, "Content-Type", "application/json");
  if (key != NULL)
    {
      g_autofree char *credentials = g_strconcat (key, ":", NULL);
      g_autofree char *encoded = g_base64_encode ((const guchar *) credentials,
                                                  strlen (credentials));
      g_autofree char *value = g_strconcat ("Basic ", encoded, NULL);

      soup_message_headers_append (headers, "Authorization", value);
    }
  if (transport->user_agent != NULL)
    soup_message_headers_append (headers, "User-Agent", transport->user_agent);
  if (transport->origin != NULL)
    soup_message_headers_append (headers, "Origin", transport->origin);

  return headers;
}

/* Sends one request and waits for its outcome. */
static void
replay_request (Replay           *replay,
                TscRequestRecord *record,
                GPtrArray        *messages)
{
  g_autoptr(GBytes) body = tsc_request_body_rebuild (record->transport, messages,
                                                     replay->write_key);
  g_autoptr(SoupMessageHeaders) headers = build_headers (record->transport, replay->write_key);
  g_autoptr(GUri) uri = tsc_upstream_uri_for_route (replay->base, record->transport->route, NULL);
  TscUpstreamOutcome outcome = { 0 };

  if (replay->interval_us > 0 && replay->last_send > 0)
    {
      gint64 wait = replay->last_send + replay->interval_us - g_get_monotonic_time ();

      if (wait > 0)
        g_usleep (wait);
    }
  replay->last_send = g_get_monotonic_time ();

  tsc_upstream_send_async (replay->http, uri, headers, body, &replay->policy, NULL,
                           sent_cb, &outcome);
  while (outcome.state != TSC_UPSTREAM_DONE)
    g_main_context_iteration (NULL, TRUE);

  replay->n_requests++;
  replay->n_calls += messages->len;
  replay->n_retries += outcome.attempts > 0 ? outcome.attempts - 1 : 0;

  if (tsc_upstream_outcome_accepted (&outcome))
    replay->n_accepted++;
  else
    {
      g_autofree char *reason = NULL;

      if (outcome.status != 0)
        {
          reason = g_strdup_printf ("%u %s", outcome.status, outcome.error);
          replay->n_rejected++;
          count_reason (replay->rejected_reasons, replay->rejected_counts, reason);
        }
      else
        {
          reason = g_strdup (outcome.error);
          replay->n_failed++;
          count_reason (replay->failed_reasons, replay->failed_counts, reason);
        }

      if (!replay->quiet && outcome.status != 0)
        {
          /* TRANSLATORS: “request 4 /v1/batch: 400 invalid_json after 1 attempt”:
           * the request's number and route, the collector's status and reason,
           * and how often the request was sent */
          fprintf (stderr, ngettext ("request %" PRId64 " %s: %s after %u attempt\n",
                                     "request %" PRId64 " %s: %s after %u attempts\n",
                                     outcome.attempts),
                   (int64_t) record->id, record->transport->route, reason, outcome.attempts);
        }
      else if (!replay->quiet)
        {
          /* TRANSLATORS: “request 4 /v1/track: no reply after 4 attempts
           * (Connection refused)”: the request's number and route, how often
           * it was sent and why no reply came */
          fprintf (stderr, ngettext ("request %" PRId64 " %s: no reply after %u attempt (%s)\n",
                                     "request %" PRId64 " %s: no reply after %u attempts (%s)\n",
                                     outcome.attempts),
                   (int64_t) record->id, record->transport->route, outcome.attempts, reason);
        }
    }

  tsc_upstream_outcome_clear (&outcome);
}

static gboolean
replay_session (Replay           *replay,
                TscSessionStore  *store,
                GError          **error)
{
  MessageCursor cursor = { store, NULL, 0, 0, FALSE };
  gint64 after_id = 0;
  gboolean ok = FALSE;

  for (;;)
    {
      g_autoptr(GPtrArray) records = tsc_session_store_load_requests (store, after_id,
                                                                      REQUEST_CHUNK, error);

      if (records == NULL)
        goto out;
      if (records->len == 0)
        break;

      for (guint i = 0; i < records->len; i++)
        {
          TscRequestRecord *record = g_ptr_array_index (records, i);
          g_autoptr(GPtrArray) messages = NULL;

          after_id = record->id;

          /* Only what the collector accepted is replayed. */
          if (record->status != SOUP_STATUS_OK)
            continue;

          messages = take_messages (&cursor, record->id, error);
          if (messages == NULL)
            goto out;
          if (messages->len == 0)
            continue;

          replay_request (replay, record, messages);
        }
    }

  ok = TRUE;

out:
  message_cursor_clear (&cursor);
  return ok;
}

static void
print_summary (Replay *replay)
{
  g_autofree char *requests = tsc_cli_format_count (replay->n_requests);
  g_autofree char *calls = tsc_cli_format_count (replay->n_calls);
  g_autofree char *accepted = tsc_cli_format_count (replay->n_accepted);
  g_autofree char *n_requests = NULL;
  g_autofree char *n_calls = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  n_requests = g_strdup_printf (ngettext ("%s request", "%s requests", replay->n_requests),
                                requests);
  n_calls = g_strdup_printf (ngettext ("%s call", "%s calls", replay->n_calls), calls);

  /* TRANSLATORS: “Replayed 2 requests (6 calls) to URL: 1 accepted”, followed
   * by the counts of rejected and failed requests and of the retries */
  g_string_append_printf (out, _("Replayed %s (%s) to %s: %s accepted"),
                          n_requests, n_calls, replay->url, accepted);
  if (replay->n_rejected > 0)
    {
      /* TRANSLATORS: appended to “…: 1 accepted”, the reasons follow */
      g_string_append_printf (out, ngettext (", %u rejected", ", %u rejected", replay->n_rejected),
                              replay->n_rejected);
      append_reasons (out, replay->rejected_reasons, replay->rejected_counts);
    }
  if (replay->n_failed > 0)
    {
      /* TRANSLATORS: appended to “…: 1 accepted”, the reasons follow */
      g_string_append_printf (out, ngettext (", %u failed", ", %u failed", replay->n_failed),
                              replay->n_failed);
      append_reasons (out, replay->failed_reasons, replay->failed_counts);
    }
  g_string_append_printf (out, ngettext (", %u retry", ", %u retries", replay->n_retries),
                          replay->n_retries);

  printf ("%s\n", out->str);
}

int
tsc_cli_replay (int    argc,
                char **argv)
{
  g_autofree char *to = NULL;
  g_autofree char *write_key = NULL;
  double rate = 0;
  int retries = -1;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "to", 't', 0, G_OPTION_ARG_STRING, &to,
      N_("Collector to send the calls to, e.g. https://api.segment.io or another capture’s "
         "http://127.0.0.1:PORT"), N_("URL") },
    { "write-key", 'k', 0, G_OPTION_ARG_STRING, &write_key,
      N_("Send with this write key instead of the recorded one"), N_("KEY") },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate,
      N_("Send at most this many requests per second (default: as fast as they are accepted)"),
      N_("N") },
    { "retries", 0, 0, G_OPTION_ARG_INT, &retries,
      N_("Retry a request at most this many times on connection errors, 5xx and 429 "
         "(default 3)"), N_("N") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      N_("Print only the summary, not a line per request that was not accepted"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GUri) base = NULL;
  g_autoptr(SoupSession) http = NULL;
  g_autoptr(GPtrArray) rejected_reasons = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) rejected_counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) failed_reasons = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) failed_counts = g_hash_table_new (g_str_hash, g_str_equal);
  Replay replay = { 0 };

  if (!tsc_cli_parse_options ("replay", _("SESSION"),
                              _("Send the calls a session accepted again, in their order and "
                                "batching, to Segment, RudderStack or another collector."),
                              _("Exit status: 0 when every request was accepted, 1 when some "
                                "were not, 2 for bad usage, an unreadable session or a bad URL."),
                              entries, &argc, &argv))
    return TSC_EXIT_USAGE;

  if (argc != 2 || to == NULL)
    {
      if (argc > 2)
        tsc_cli_print_error (_("replay: unexpected argument “%s”"), argv[2]);
      else
        /* TRANSLATORS: the first %s is “no session given” or “no --to URL given” */
        tsc_cli_print_error (_("replay: %s; usage: trackscope-cli replay SESSION --to URL "
                               "[--write-key KEY] [--rate N] [--retries N] [--quiet]"),
                             argc < 2 ? _("no session given") : _("no --to URL given"));
      return TSC_EXIT_USAGE;
    }

  base = tsc_upstream_parse_url (to, &error);
  if (base == NULL)
    return tsc_cli_usage_error ("replay", error);

  if (rate < 0 || (rate > 0 && rate < 0.001))
    {
      tsc_cli_print_error (_("replay: --rate %g is not a rate; give requests per second, "
                             "e.g. --rate 10"), rate);
      return TSC_EXIT_USAGE;
    }

  if (retries > MAX_RETRIES || retries < -1)
    {
      tsc_cli_print_error (_("replay: --retries %d is out of range; use 0 to %d"),
                           retries, MAX_RETRIES);
      return TSC_EXIT_USAGE;
    }

  if (write_key != NULL && *write_key == '\0')
    {
      tsc_cli_print_error (_("replay: --write-key is empty"));
      return TSC_EXIT_USAGE;
    }

  store = tsc_session_store_open (argv[1], TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  if (store == NULL)
    return tsc_cli_usage_error ("replay", error);

  http = soup_session_new_with_options ("timeout", SEND_TIMEOUT_S, NULL);

  replay.url = to;
  replay.base = base;
  replay.http = http;
  tsc_upstream_policy_init (&replay.policy);
  if (retries >= 0)
    replay.policy.max_attempts = retries + 1;
  replay.write_key = write_key;
  replay.interval_us = rate > 0 ? (gint64) (G_USEC_PER_SEC / rate) : 0;
  replay.quiet = quiet;
  replay.rejected_reasons = rejected_reasons;
  replay.rejected_counts = rejected_counts;
  replay.failed_reasons = failed_reasons;
  replay.failed_counts = failed_counts;

  if (!replay_session (&replay, store, &error))
    {
      /* What was sent so far is still worth knowing. */
      print_summary (&replay);
      return tsc_cli_usage_error ("replay", error);
    }

  print_summary (&replay);

  return replay.n_accepted == replay.n_requests ? TSC_EXIT_OK : TSC_EXIT_FLAGS;
}
