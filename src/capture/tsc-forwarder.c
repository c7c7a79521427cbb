/* tsc-forwarder.c
 *
 * Forwarding sends every accepted request on to an upstream collector
 * (Segment, RudderStack, another Trackscope) while the capture goes on.
 * The collector must never wait for the upstream: submitting only puts
 * the request on a bounded queue; a thread of its own, with its own
 * GMainContext and SoupSession, sends them one at a time in the order
 * they were received (the identity rules of a Trackscope upstream, and
 * any destination that merges identities in arrival order, depend on
 * it), retries each before the next, records each outcome through the
 * session writer and tells the owner in its main context.
 *
 * The send-with-retries part (tsc_upstream_send_async()) is shared with
 * `trackscope-cli replay`, so both treat an upstream the same way.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-forwarder"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "tsc-forwarder.h"

/* Beyond these, a request is not forwarded (its outcome says why). */
#define MAX_PENDING_REQUESTS 10000
#define MAX_PENDING_BYTES    (64 * 1024 * 1024)

/* Requests sent (or waiting to be retried) at the same time: one, so
 * that the upstream receives them in the order the collector did. */
#define MAX_IN_FLIGHT 1

/* How long one try may take, connecting included. */
#define SEND_TIMEOUT_S 30

/* An error text longer than this is cut. */
#define MAX_ERROR_CHARS 160

G_DEFINE_QUARK (tsc-forwarder-error-quark, tsc_forwarder_error)

/* ---------------------------------------------------------------------- */
/* Outcomes                                                                */

/**
 * tsc_upstream_outcome_accepted:
 *
 * Returns: whether the upstream took the request (a 2xx reply)
 */
gboolean
tsc_upstream_outcome_accepted (const TscUpstreamOutcome *outcome)
{
  g_return_val_if_fail (outcome != NULL, FALSE);

  return outcome->state == TSC_UPSTREAM_DONE && outcome->error == NULL &&
         SOUP_STATUS_IS_SUCCESSFUL (outcome->status);
}

/**
 * tsc_upstream_outcome_copy:
 * @dest: (out caller-allocates): where to copy to; not cleared first
 *
 * Copies @src, its error text included.
 */
void
tsc_upstream_outcome_copy (TscUpstreamOutcome       *dest,
                           const TscUpstreamOutcome *src)
{
  g_return_if_fail (dest != NULL && src != NULL);

  *dest = *src;
  dest->error = g_strdup (src->error);
}

/**
 * tsc_upstream_outcome_clear:
 *
 * Frees what @outcome holds and resets it to “not forwarded”.
 */
void
tsc_upstream_outcome_clear (TscUpstreamOutcome *outcome)
{
  g_return_if_fail (outcome != NULL);

  g_free (outcome->error);
  memset (outcome, 0, sizeof *outcome);
}

/* ---------------------------------------------------------------------- */
/* URLs                                                                    */

/**
 * tsc_upstream_policy_init:
 *
 * Fills @policy with the defaults: 4 tries, 0.5 s doubling, at most 30 s
 * between two tries.
 */
void
tsc_upstream_policy_init (TscUpstreamPolicy *policy)
{
  g_return_if_fail (policy != NULL);

  policy->max_attempts = 4;
  policy->first_delay_ms = 500;
  policy->max_delay_ms = 30000;
  /* What analytics-next and analytics-node honour at most. */
  policy->max_retry_after_ms = 300000;
}

/**
 * tsc_upstream_status_is_retryable:
 *
 * Returns: whether a reply with HTTP @status is worth another try: the
 *   statuses Segment's SDKs retry (408, 410, 429, 460 and 5xx other than
 *   501 Not Implemented, 505 HTTP Version Not Supported and 511 Network
 *   Authentication Required)
 */
gboolean
tsc_upstream_status_is_retryable (guint status)
{
  if (status >= 500)
    return status != 501 && status != 505 && status != 511;
  return status == 408 || status == 410 || status == 429 || status == 460;
}

/**
 * tsc_upstream_parse_url:
 * @url: where an upstream collector takes calls, e.g.
 *   `https://api.segment.io` or `http://127.0.0.1:8766/lane/web`
 *
 * Returns: (transfer full): @url parsed, or %NULL with
 *   %TSC_FORWARDER_ERROR_BAD_URL when it is not an absolute http or
 *   https URL with a host
 */
GUri *
tsc_upstream_parse_url (const char  *url,
                        GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, NULL);

  if (strstr (url, "://") == NULL)
    {
      g_set_error (error, TSC_FORWARDER_ERROR, TSC_FORWARDER_ERROR_BAD_URL,
                   "“%s” is not an http:// or https:// URL; give the upstream as e.g. "
                   "http://%s or https://api.segment.io", url, url);
      return NULL;
    }

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, TSC_FORWARDER_ERROR, TSC_FORWARDER_ERROR_BAD_URL,
                   "“%s” is not a URL (%s); give the upstream as http://HOST[:PORT] or "
                   "https://HOST[:PORT], e.g. https://api.segment.io",
                   url, local_error->message);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, TSC_FORWARDER_ERROR, TSC_FORWARDER_ERROR_BAD_URL,
                   "“%s” uses the scheme “%s”; the upstream must be an http:// or "
                   "https:// URL",
                   url, scheme);
      return NULL;
    }

  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, TSC_FORWARDER_ERROR, TSC_FORWARDER_ERROR_BAD_URL,
                   "“%s” names no host; give the upstream as http://HOST[:PORT]", url);
      return NULL;
    }

  if (g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, TSC_FORWARDER_ERROR, TSC_FORWARDER_ERROR_BAD_URL,
                   "“%s” has a fragment (#…); an upstream URL cannot have one", url);
      return NULL;
    }

  return g_steal_pointer (&uri);
}

/**
 * tsc_upstream_uri_for_route:
 * @base: the upstream, from tsc_upstream_parse_url()
 * @route: a canonical route, e.g. `/v1/batch`
 * @query: (nullable): the query string of the original request
 *
 * Returns: (transfer full): @base's path followed by @route, with the
 *   query strings of @base and @query
 */
GUri *
tsc_upstream_uri_for_route (GUri       *base,
                            const char *route,
                            const char *query)
{
  g_autofree char *path = NULL;
  g_autofree char *joined_query = NULL;
  const char *base_path;
  const char *base_query;
  gsize len;

  g_return_val_if_fail (base != NULL, NULL);
  g_return_val_if_fail (route != NULL, NULL);

  base_path = g_uri_get_path (base);
  base_query = g_uri_get_query (base);
  len = strlen (base_path);

  while (len > 0 && base_path[len - 1] == '/')
    len--;
  path = g_strdup_printf ("%.*s%s%s", (int) len, base_path, route[0] == '/' ? "" : "/", route);

  if (query != NULL && *query == '\0')
    query = NULL;
  if (base_query != NULL && *base_query == '\0')
    base_query = NULL;
  if (base_query != NULL && query != NULL)
    joined_query = g_strconcat (base_query, "&", query, NULL);
  else
    joined_query = g_strdup (base_query != NULL ? base_query : query);

  return g_uri_build (g_uri_get_flags (base), g_uri_get_scheme (base), g_uri_get_userinfo (base),
                      g_uri_get_host (base), g_uri_get_port (base), path, joined_query, NULL);
}

/* ---------------------------------------------------------------------- */
/* The upstream sender                                                     */

typedef struct
{
  SoupSession        *session;
  GUri               *uri;
  SoupMessageHeaders *headers;
  GBytes             *body;
  TscUpstreamPolicy   policy;
  SoupMessage        *msg;       /* the current try */
  GSource            *wait;      /* between two tries */
  guint               retries;   /* retries scheduled so far */
  TscUpstreamOutcome  outcome;
} Send;

static void
send_free (Send *send)
{
  if (send->wait != NULL)
    {
      g_source_destroy (send->wait);
      g_source_unref (send->wait);
    }
  g_clear_object (&send->session);
  g_clear_pointer (&send->uri, g_uri_unref);
  g_clear_pointer (&send->headers, soup_message_headers_unref);
  g_clear_pointer (&send->body, g_bytes_unref);
  g_clear_object (&send->msg);
  tsc_upstream_outcome_clear (&send->outcome);
  g_free (send);
}

static void
set_error_text (Send       *send,
                const char *text)
{
  g_autofree char *copy = g_strdup (text);
  char *newline;

  g_strstrip (copy);
  newline = strpbrk (copy, "\r\n");
  if (newline != NULL)
    *newline = '\0';
  if (g_utf8_strlen (copy, -1) > MAX_ERROR_CHARS)
    {
      char *end = g_utf8_offset_to_pointer (copy, MAX_ERROR_CHARS);

      strcpy (end, "…");
    }

  g_free (send->outcome.error);
  send->outcome.error = *copy != '\0' ? g_steal_pointer (&copy) : g_strdup ("no reason given");
}

/* Why the upstream said no, in a few words: the `code` (else `message`)
 * of a JSON error as Segment and Trackscope send it, the first line of a
 * text one as RudderStack sends it, else the reason phrase. */
static void
describe_reply (Send        *send,
                SoupMessage *msg,
                GBytes      *reply)
{
  gsize len = 0;
  const char *data = reply != NULL ? g_bytes_get_data (reply, &len) : NULL;
  const char *reason = soup_message_get_reason_phrase (msg);

  if (len > 0 && g_utf8_validate (data, len, NULL))
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autofree char *text = g_strndup (data, len);

      if (json_parser_load_from_data (parser, data, len, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          JsonObject *object = json_node_get_object (json_parser_get_root (parser));
          const char *members[] = { "code", "message", "error" };

          for (guint i = 0; i < G_N_ELEMENTS (members); i++)
            {
              JsonNode *node = json_object_get_member (object, members[i]);

              if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
                  json_node_get_value_type (node) == G_TYPE_STRING &&
                  *json_node_get_string (node) != '\0')
                {
                  set_error_text (send, json_node_get_string (node));
                  return;
                }
            }
        }
      else if (*g_strstrip (text) != '\0' && strchr (text, '<') == NULL)
        {
          /* A short text reply, not an HTML error page. */
          set_error_text (send, text);
          return;
        }
    }

  set_error_text (send, reason != NULL && *reason != '\0' ? reason
                                                           : soup_status_get_phrase (soup_message_get_status (msg)));
}

/* The wait asked for by a Retry-After header in ms, or -1 without one. */
static gint64
get_retry_after_ms (SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *value = soup_message_headers_get_one (headers, "Retry-After");
  g_autofree char *copy = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) now = NULL;
  guint64 seconds;

  if (value == NULL)
    return -1;

  copy = g_strstrip (g_strdup (value));
  if (g_ascii_string_to_unsigned (copy, 10, 0, G_MAXUINT32, &seconds, NULL))
    return (gint64) seconds * 1000;

  date = soup_date_time_new_from_http_string (copy);
  if (date == NULL)
    return -1;

  now = g_date_time_new_now_utc ();
  return MAX (0, g_date_time_difference (date, now) / 1000);
}

static void start_try (GTask *task);

static void
finish_send (GTask *task)
{
  Send *send = g_task_get_task_data (task);

  send->outcome.state = TSC_UPSTREAM_DONE;
  send->outcome.finished_at = g_get_real_time ();
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
wait_done_cb (gpointer data)
{
  GTask *task = data;
  Send *send = g_task_get_task_data (task);

  g_clear_pointer (&send->wait, g_source_unref);

  if (g_task_return_error_if_cancelled (task))
    {
      send->outcome.state = TSC_UPSTREAM_DONE;
      send->outcome.finished_at = g_get_real_time ();
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  start_try (task);
  return G_SOURCE_REMOVE;
}

/* Waits before the next try; a cancellation ends the wait at once. */
static void
schedule_retry (GTask  *task,
                gint64  retry_after_ms)
{
  Send *send = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint64 delay_ms;

  if (retry_after_ms >= 0)
    delay_ms = MIN ((guint64) retry_after_ms, send->policy.max_retry_after_ms);
  else
    delay_ms = MIN ((guint64) send->policy.first_delay_ms << MIN (send->retries, 20u),
                    send->policy.max_delay_ms);
  send->retries++;

  send->wait = g_timeout_source_new ((guint) delay_ms);
  g_source_set_static_name (send->wait, "[trackscope] upstream retry");
  g_source_set_callback (send->wait, wait_done_cb, task, NULL);
  if (cancellable != NULL)
    {
      g_autoptr(GSource) cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (send->wait, cancelled);
    }
  g_source_attach (send->wait, g_task_get_context (task));
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GTask *task = data;
  Send *send = g_task_get_task_data (task);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  gint64 retry_after_ms = -1;
  gboolean retry;
  guint status;

  reply = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Cancelled while the request was on its way: the upstream may
       * have taken it. (A cancelled wait between tries keeps the last
       * try's answer.) */
      set_error_text (send, TSC_UPSTREAM_UNANSWERED);
      send->outcome.status = 0;
      send->outcome.state = TSC_UPSTREAM_DONE;
      send->outcome.finished_at = g_get_real_time ();
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      g_object_unref (task);
      return;
    }

  if (error != NULL)
    {
      /* No reply: the upstream may come back. */
      send->outcome.status = 0;
      set_error_text (send, error->message);
      retry = TRUE;
    }
  else
    {
      status = soup_message_get_status (send->msg);
      send->outcome.status = status;

      if (SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          g_clear_pointer (&send->outcome.error, g_free);
          finish_send (task);
          return;
        }

      describe_reply (send, send->msg, reply);
      retry = tsc_upstream_status_is_retryable (status);
      if (retry)
        retry_after_ms = get_retry_after_ms (send->msg);
    }

  if (retry && send->outcome.attempts < send->policy.max_attempts)
    schedule_retry (task, retry_after_ms);
  else
    finish_send (task);
}

static void
start_try (GTask *task)
{
  Send *send = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  g_clear_object (&send->msg);
  send->msg = soup_message_new_from_uri (SOUP_METHOD_POST, send->uri);
  soup_message_set_request_body_from_bytes (send->msg, NULL, send->body);

  headers = soup_message_get_request_headers (send->msg);
  if (send->headers != NULL)
    {
      soup_message_headers_iter_init (&iter, send->headers);
      while (soup_message_headers_iter_next (&iter, &name, &value))
        soup_message_headers_append (headers, name, value);
    }

  /* Tell the upstream that this is a retry, as the SDKs do. */
  if (send->outcome.attempts > 0)
    {
      g_autofree char *count = g_strdup_printf ("%u", send->outcome.attempts);

      soup_message_headers_replace (headers, "X-Retry-Count", count);
    }

  send->outcome.attempts++;
  soup_session_send_and_read_async (send->session, send->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), sent_cb, task);
}

/**
 * tsc_upstream_send_async:
 * @session: the session to send with; used from the caller's
 *   thread-default main context
 * @uri: where to POST (see tsc_upstream_uri_for_route())
 * @headers: (nullable): the request headers to send, Content-Type and
 *   Content-Encoding included; Host and Content-Length are the session's
 * @body: the body, sent byte for byte
 * @policy: (nullable): how to retry; %NULL for tsc_upstream_policy_init()
 * @cancellable: (nullable): stops the sending, also between two tries
 *
 * POSTs @body to @uri and retries it as @policy says. @callback runs in
 * the thread-default main context of the caller once the upstream
 * accepted the request, refused it for good, or the tries ran out.
 */
void
tsc_upstream_send_async (SoupSession             *session,
                         GUri                    *uri,
                         SoupMessageHeaders      *headers,
                         GBytes                  *body,
                         const TscUpstreamPolicy *policy,
                         GCancellable            *cancellable,
                         GAsyncReadyCallback      callback,
                         gpointer                 user_data)
{
  GTask *task;
  Send *send;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (uri != NULL);
  g_return_if_fail (body != NULL);

  send = g_new0 (Send, 1);
  send->session = g_object_ref (session);
  send->uri = g_uri_ref (uri);
  send->headers = headers != NULL ? soup_message_headers_ref (headers) : NULL;
  send->body = g_bytes_ref (body);
  if (policy != NULL)
    send->policy = *policy;
  else
    tsc_upstream_policy_init (&send->policy);
  send->policy.max_attempts = MAX (send->policy.max_attempts, 1);
  send->outcome.state = TSC_UPSTREAM_PENDING;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tsc_upstream_send_async);
  g_task_set_name (task, "[trackscope] upstream send");
  g_task_set_task_data (task, send, (GDestroyNotify) send_free);
  /* A try that ends in cancellation reports that, not its reply. */
  g_task_set_check_cancellable (task, FALSE);

  start_try (task);
}

/**
 * tsc_upstream_send_finish:
 * @outcome: (out caller-allocates): what the sending came to: the status
 *   of the last try (0 when it got no reply), the number of tries, why
 *   the request was not accepted (%NULL when it was) and when it ended.
 *   Free with tsc_upstream_outcome_clear().
 *
 * Returns: %FALSE when the sending was cancelled before it was done
 *   (@outcome then holds the tries made so far)
 */
gboolean
tsc_upstream_send_finish (GAsyncResult       *result,
                          TscUpstreamOutcome *outcome)
{
  Send *send;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (outcome != NULL, FALSE);

  send = g_task_get_task_data (G_TASK (result));
  tsc_upstream_outcome_copy (outcome, &send->outcome);

  return g_task_propagate_boolean (G_TASK (result), NULL);
}

/* ---------------------------------------------------------------------- */
/* The forwarder                                                           */

typedef struct
{
  TscForwarder     *self;
  TscRequestRecord *record;
  char             *query;
  GBytes           *body;
} Item;

typedef struct
{
  gint64             request_id;
  TscUpstreamOutcome outcome;
} Report;

struct _TscForwarder
{
  GObject            parent_instance;

  char              *url;
  GUri              *base;
  TscUpstreamPolicy  policy;
  TscSessionWriter  *writer;

  /* Owner side */
  GMainContext      *owner_context;
  GThread           *thread;

  /* Forwarder thread only */
  GMainContext      *context;
  GMainLoop         *loop;
  SoupSession       *session;
  GCancellable      *cancellable;   /* cancels what is in flight when giving up */
  guint              in_flight;
  gboolean           draining;

  /* Shared, under lock */
  GMutex             lock;
  GQueue             queue;         /* Item, waiting for a slot */
  guint              pending;       /* queued and in flight */
  gsize              pending_bytes;
  gboolean           closed;        /* no more submissions */
  GSource           *pump_source;
  GArray            *reports;       /* Report, for the owner */
  GSource           *report_source;
};

G_DEFINE_FINAL_TYPE (TscForwarder, tsc_forwarder, G_TYPE_OBJECT)

enum {
  UPSTREAM_OUTCOME,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
item_free (Item *item)
{
  g_clear_pointer (&item->record, tsc_request_record_unref);
  g_clear_pointer (&item->body, g_bytes_unref);
  g_free (item->query);
  g_free (item);
}

static void
report_clear (gpointer data)
{
  Report *report = data;

  tsc_upstream_outcome_clear (&report->outcome);
}

/* Owner side ----------------------------------------------------------- */

static gboolean
emit_reports_cb (gpointer data)
{
  TscForwarder *self = data;
  g_autoptr(GArray) reports = NULL;

  g_mutex_lock (&self->lock);
  reports = g_steal_pointer (&self->reports);
  g_clear_pointer (&self->report_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; reports != NULL && i < reports->len; i++)
    {
      Report *report = &g_array_index (reports, Report, i);

      g_signal_emit (self, signals[UPSTREAM_OUTCOME], 0, report->request_id, &report->outcome);
    }

  return G_SOURCE_REMOVE;
}

/* Any thread: stores the outcome of @record and tells the owner. */
static void
report_outcome (TscForwarder             *self,
                TscRequestRecord         *record,
                const TscUpstreamOutcome *outcome)
{
  Report report = { record->id, { 0 } };

  if (self->writer != NULL)
    tsc_session_writer_set_upstream (self->writer, record->id, outcome);

  tsc_upstream_outcome_copy (&report.outcome, outcome);

  g_mutex_lock (&self->lock);
  if (self->reports == NULL)
    {
      self->reports = g_array_new (FALSE, FALSE, sizeof (Report));
      g_array_set_clear_func (self->reports, report_clear);
    }
  g_array_append_val (self->reports, report);

  if (self->report_source == NULL)
    {
      self->report_source = g_idle_source_new ();
      g_source_set_static_name (self->report_source, "[trackscope] upstream outcome");
      g_source_set_callback (self->report_source, emit_reports_cb,
                             g_object_ref (self), g_object_unref);
      g_source_attach (self->report_source, self->owner_context);
    }
  g_mutex_unlock (&self->lock);
}

static void
report_unsent (TscForwarder     *self,
               TscRequestRecord *record,
               const char       *why)
{
  TscUpstreamOutcome outcome = { TSC_UPSTREAM_DONE, 0, 0, (char *) why, g_get_real_time () };

  report_outcome (self, record, &outcome);
}

/* Forwarder thread ----------------------------------------------------- */

static void pump (TscForwarder *self);

static void
maybe_quit (TscForwarder *self)
{
  gboolean idle;

  g_mutex_lock (&self->lock);
  idle = self->pending == 0;
  g_mutex_unlock (&self->lock);

  if (self->draining && idle)
    g_main_loop_quit (self->loop);
}

/* A request left the queue or the wire for good. */
static void
release (TscForwarder *self,
         Item         *item)
{
  g_mutex_lock (&self->lock);
  self->pending--;
  self->pending_bytes -= g_bytes_get_size (item->body);
  g_mutex_unlock (&self->lock);

  item_free (item);
}

static void
forwarded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Item *item = data;
  TscForwarder *self = item->self;
  TscUpstreamOutcome outcome = { 0 };

  if (!tsc_upstream_send_finish (result, &outcome))
    {
      if (g_strcmp0 (outcome.error, TSC_UPSTREAM_UNANSWERED) != 0)
        {
          g_free (outcome.error);
          outcome.error = g_strdup (TSC_UPSTREAM_CAPTURE_STOPPED);
        }
    }

  report_outcome (self, item->record, &outcome);
  tsc_upstream_outcome_clear (&outcome);

  self->in_flight--;
  release (self, item);
  pump (self);
  maybe_quit (self);
}

/* Which request headers go upstream: all but the hop-by-hop ones, those
 * that describe this connection, and cookies meant for the collector. */
static gboolean
header_is_forwarded (const char *name,
                     const char *connection)
{
  static const char * const dropped[] = {
    "Host", "Content-Length", "Connection", "Keep-Alive", "Proxy-Connection",
    "Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer", "Transfer-Encoding",
    "Upgrade", "Expect", "Cookie", "Accept-Encoding",
  };

  for (guint i = 0; i < G_N_ELEMENTS (dropped); i++)
    if (g_ascii_strcasecmp (name, dropped[i]) == 0)
      return FALSE;

  /* Headers that Connection names are hop-by-hop too. */
  if (connection != NULL)
    {
      g_auto(GStrv) names = g_strsplit (connection, ",", -1);

      for (guint i = 0; names[i] != NULL; i++)
        if (g_ascii_strcasecmp (g_strstrip (names[i]), name) == 0)
          return FALSE;
    }

  return TRUE;
}

static SoupMessageHeaders *
build_headers (TscRequestRecord *record)
{
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GList) members = NULL;
  const char *connection = NULL;
  JsonObject *object;

  if (record->headers_json == NULL ||
      !json_parser_load_from_data (parser, record->headers_json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      /* Not expected from the collector; send what the record says. */
      if (record->transport->content_type != NULL)
        soup_message_headers_append (headers, "Content-Type", record->transport->content_type);
      if (record->transport->content_encoding != NULL)
        soup_message_headers_append (headers, "Content-Encoding",
                                     record->transport->content_encoding);
      if (record->transport->user_agent != NULL)
        soup_message_headers_append (headers, "User-Agent", record->transport->user_agent);
      return headers;
    }

  object = json_node_get_object (json_parser_get_root (parser));
  members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (g_ascii_strcasecmp (l->data, "Connection") == 0)
      connection = json_object_get_string_member (object, l->data);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (object, name);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      if (header_is_forwarded (name, connection))
        soup_message_headers_append (headers, name, json_node_get_string (node));
    }

  return headers;
}

static void
start_forward (TscForwarder *self,
               Item         *item)
{
  g_autoptr(SoupMessageHeaders) headers = build_headers (item->record);
  g_autoptr(GUri) uri = tsc_upstream_uri_for_route (self->base, item->record->transport->route,
                                                    item->query);
  TscUpstreamPolicy policy;

  g_mutex_lock (&self->lock);
  policy = self->policy;
  g_mutex_unlock (&self->lock);

  self->in_flight++;
  tsc_upstream_send_async (self->session, uri, headers, item->body, &policy,
                           self->cancellable, forwarded_cb, item);
}

static void
pump (TscForwarder *self)
{
  while (self->in_flight < MAX_IN_FLIGHT)
    {
      Item *item;

      g_mutex_lock (&self->lock);
      item = g_queue_pop_head (&self->queue);
      g_mutex_unlock (&self->lock);

      if (item == NULL)
        break;

      if (g_cancellable_is_cancelled (self->cancellable))
        {
          report_unsent (self, item->record, TSC_UPSTREAM_CAPTURE_STOPPED);
          release (self, item);
          continue;
        }

      start_forward (self, item);
    }
}

static gboolean
pump_cb (gpointer data)
{
  TscForwarder *self = data;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->pump_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  pump (self);
  return G_SOURCE_REMOVE;
}

static gboolean
give_up_cb (gpointer data)
{
  TscForwarder *self = data;

  /* What is in flight ends as cancelled; what is queued is dropped. */
  g_cancellable_cancel (self->cancellable);
  pump (self);
  maybe_quit (self);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  TscForwarder *self;
  guint         timeout_ms;
} Drain;

static gboolean
begin_drain_cb (gpointer data)
{
  Drain *drain = data;
  TscForwarder *self = drain->self;
  g_autoptr(GSource) timeout = NULL;

  self->draining = TRUE;

  timeout = g_timeout_source_new (drain->timeout_ms);
  g_source_set_static_name (timeout, "[trackscope] forwarder grace");
  g_source_set_callback (timeout, give_up_cb, self, NULL);
  g_source_attach (timeout, self->context);

  pump (self);
  maybe_quit (self);
  return G_SOURCE_REMOVE;
}

static gpointer
forwarder_thread (gpointer data)
{
  TscForwarder *self = data;

  g_main_context_push_thread_default (self->context);

  self->session = soup_session_new_with_options ("timeout", SEND_TIMEOUT_S,
                                                 "idle-timeout", 60,
                                                 "max-conns-per-host", MAX_IN_FLIGHT,
                                                 NULL);

  g_main_loop_run (self->loop);

  soup_session_abort (self->session);
  g_clear_object (&self->session);

  /* Let the session's sources finish before the context goes away. */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* Public API ----------------------------------------------------------- */

/**
 * tsc_forwarder_new:
 * @url: the upstream collector, an http or https URL; each request goes
 *   to its path followed by the request's canonical route
 *
 * Starts the forwarder's thread. Outcomes are emitted in the
 * thread-default main context of the caller.
 *
 * Returns: (transfer full): a new forwarder, or %NULL with
 *   %TSC_FORWARDER_ERROR_BAD_URL when @url cannot be an upstream
 */
TscForwarder *
tsc_forwarder_new (const char  *url,
                   GError     **error)
{
  g_autoptr(GUri) base = NULL;
  TscForwarder *self;

  g_return_val_if_fail (url != NULL, NULL);

  base = tsc_upstream_parse_url (url, error);
  if (base == NULL)
    return NULL;

  self = g_object_new (TSC_TYPE_FORWARDER, NULL);
  self->url = g_strdup (url);
  self->base = g_steal_pointer (&base);
  self->owner_context = g_main_context_ref_thread_default ();
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->cancellable = g_cancellable_new ();
  self->thread = g_thread_new ("tsc-forwarder", forwarder_thread, self);

  return self;
}

const char *
tsc_forwarder_get_url (TscForwarder *self)
{
  g_return_val_if_fail (TSC_IS_FORWARDER (self), NULL);
  return self->url;
}

/**
 * tsc_forwarder_set_writer:
 * @writer: (nullable): the writer of the session the requests are in
 *
 * Each outcome is recorded in @writer's session file (its `upstream`
 * table) as well as emitted. Set it before the first submission.
 */
void
tsc_forwarder_set_writer (TscForwarder     *self,
                          TscSessionWriter *writer)
{
  g_return_if_fail (TSC_IS_FORWARDER (self));
  g_return_if_fail (writer == NULL || TSC_IS_SESSION_WRITER (writer));

  g_mutex_lock (&self->lock);
  g_set_object (&self->writer, writer);
  g_mutex_unlock (&self->lock);
}

/**
 * tsc_forwarder_set_policy:
 *
 * How requests are retried from now on (see #TscUpstreamPolicy); the
 * default is tsc_upstream_policy_init()'s. Set it before the first
 * submission.
 */
void
tsc_forwarder_set_policy (TscForwarder            *self,
                          const TscUpstreamPolicy *policy)
{
  g_return_if_fail (TSC_IS_FORWARDER (self));
  g_return_if_fail (policy != NULL);

  g_mutex_lock (&self->lock);
  self->policy = *policy;
  self->policy.max_attempts = MAX (self->policy.max_attempts, 1);
  g_mutex_unlock (&self->lock);
}

/**
 * tsc_forwarder_submit:
 * @record: a request stored in the session, its id set
 * @body: its body exactly as received
 *
 * Same as tsc_forwarder_submit_full() without a query string.
 */
void
tsc_forwarder_submit (TscForwarder     *self,
                      TscRequestRecord *record,
                      GBytes           *body)
{
  tsc_forwarder_submit_full (self, record, NULL, body);
}

/**
 * tsc_forwarder_submit_full:
 * @record: a request stored in the session, its id set
 * @query: (nullable): the query string it was sent with
 * @body: its body exactly as received (compressed if it came so)
 *
 * Queues the request for the upstream; safe from any thread and never
 * waits for the upstream. Beyond 10,000 pending requests or 64 MiB of
 * pending bodies, and after tsc_forwarder_shutdown(), the request is not
 * forwarded and its outcome says so.
 */
void
tsc_forwarder_submit_full (TscForwarder     *self,
                           TscRequestRecord *record,
                           const char       *query,
                           GBytes           *body)
{
  const char *refused = NULL;
  gsize size;
  Item *item;

  g_return_if_fail (TSC_IS_FORWARDER (self));
  g_return_if_fail (record != NULL && record->id > 0);
  g_return_if_fail (body != NULL);

  size = g_bytes_get_size (body);

  g_mutex_lock (&self->lock);
  if (self->closed)
    refused = TSC_UPSTREAM_CAPTURE_STOPPED;
  else if (self->pending >= MAX_PENDING_REQUESTS ||
           self->pending_bytes + size > MAX_PENDING_BYTES)
    refused = TSC_UPSTREAM_QUEUE_FULL;
  else
    {
      item = g_new0 (Item, 1);
      item->self = self;
      item->record = tsc_request_record_ref (record);
      item->query = g_strdup (query);
      item->body = g_bytes_ref (body);

      g_queue_push_tail (&self->queue, item);
      self->pending++;
      self->pending_bytes += size;

      if (self->pump_source == NULL)
        {
          self->pump_source = g_idle_source_new ();
          g_source_set_static_name (self->pump_source, "[trackscope] forwarder pump");
          g_source_set_callback (self->pump_source, pump_cb, self, NULL);
          g_source_attach (self->pump_source, self->context);
        }
    }
  g_mutex_unlock (&self->lock);

  if (refused != NULL)
    report_unsent (self, record, refused);
}

/**
 * tsc_forwarder_get_pending:
 *
 * Returns: how many requests are queued or being sent
 */
guint
tsc_forwarder_get_pending (TscForwarder *self)
{
  guint pending;

  g_return_val_if_fail (TSC_IS_FORWARDER (self), 0);

  g_mutex_lock (&self->lock);
  pending = self->pending;
  g_mutex_unlock (&self->lock);
  return pending;
}

/**
 * tsc_forwarder_shutdown:
 * @timeout_ms: how long to wait for pending requests
 *
 * Takes no more requests, waits at most @timeout_ms for those pending,
 * then gives up on the rest (their outcome is
 * %TSC_UPSTREAM_CAPTURE_STOPPED) and stops the thread. Every outcome is
 * recorded (when a writer is set, which must still be open) and emitted
 * before this returns. Call it from the creator's main context.
 */
void
tsc_forwarder_shutdown (TscForwarder *self,
                        guint         timeout_ms)
{
  Drain drain = { self, timeout_ms };
  g_autoptr(GSource) source = NULL;

  g_return_if_fail (TSC_IS_FORWARDER (self));

  if (self->thread == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  g_mutex_unlock (&self->lock);

  /* Always in the forwarder's thread, even before its loop runs. */
  source = g_idle_source_new ();
  g_source_set_static_name (source, "[trackscope] forwarder drain");
  g_source_set_callback (source, begin_drain_cb, &drain, NULL);
  g_source_attach (source, self->context);
  g_thread_join (g_steal_pointer (&self->thread));

  g_mutex_lock (&self->lock);
  if (self->report_source != NULL)
    g_source_destroy (self->report_source);
  g_mutex_unlock (&self->lock);
  emit_reports_cb (self);
}

static void
tsc_forwarder_dispose (GObject *object)
{
  TscForwarder *self = (TscForwarder *) object;

  tsc_forwarder_shutdown (self, 0);

  G_OBJECT_CLASS (tsc_forwarder_parent_class)->dispose (object);
}

static void
tsc_forwarder_finalize (GObject *object)
{
  TscForwarder *self = (TscForwarder *) object;

  g_assert (g_queue_is_empty (&self->queue));

  g_clear_object (&self->writer);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->owner_context, g_main_context_unref);
  g_clear_pointer (&self->reports, g_array_unref);
  g_clear_pointer (&self->base, g_uri_unref);
  g_clear_pointer (&self->url, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (tsc_forwarder_parent_class)->finalize (object);
}

static void
tsc_forwarder_class_init (TscForwarderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tsc_forwarder_dispose;
  object_class->finalize = tsc_forwarder_finalize;

  /**
   * TscForwarder::upstream-outcome:
   * @request_id: the request, as stored in the session
   * @outcome: (type gpointer): the `const TscUpstreamOutcome *` of its
   *   forwarding, valid during the emission
   */
  signals[UPSTREAM_OUTCOME] =
    g_signal_new ("upstream-outcome", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_POINTER);
}

static void
tsc_forwarder_init (TscForwarder *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->queue);
  tsc_upstream_policy_init (&self->policy);
}
