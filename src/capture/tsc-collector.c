/* tsc-collector.c
 *
 * A libsoup3 server in its own thread with its own GMainContext. Each
 * request is decoded (core), handed to the session writer, and answered
 * only once the writer reports it durable: a 200 means the message is
 * in the file. The owner hears about stored messages in batches, in the
 * main context that started the collector.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-collector"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tsc-collector.h"

#define ALLOWED_HEADERS \
  "Authorization, Content-Type, Content-Encoding, X-Retry-Count, " \
  "AnonymousId, SentAt, Rsa-Recovered, Rsa-Retry-Attempt"

/* How long a stop waits for requests already being stored. */
#define STOP_GRACE_MS 5000

struct _TscCollector
{
  GObject           parent_instance;

  TscSessionWriter *writer;
  TscWireLimits     limits;
  gboolean          allow_remote;
  GStrv             allowed_keys;
  TscForwarder     *forwarder;

  /* Owner side */
  GMainContext     *owner_context;
  GThread          *thread;
  char             *uri;
  guint             port;

  /* Start handshake */
  GMutex            lock;
  GCond             cond;
  gboolean          start_done;
  GError           *start_error;
  GInetAddress     *address;

  /* Capture thread only */
  GMainContext     *context;
  GMainLoop        *loop;
  SoupServer       *server;
  guint             in_flight;
  gboolean          stopping;

  /* Handed from the capture thread to the owner, under lock */
  GPtrArray        *pending_messages;
  GPtrArray        *pending_rejects;
  GSource          *pending_source;

  guint64           message_count;
};

G_DEFINE_FINAL_TYPE (TscCollector, tsc_collector, G_TYPE_OBJECT)

G_DEFINE_QUARK (tsc-collector-error-quark, tsc_collector_error)

enum {
  MESSAGES_RECEIVED,
  REQUEST_REJECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  TscCollector      *self;
  SoupServerMessage *msg;   /* NULL when the reply is already sent */
  GBytes            *body;  /* as received, to forward once accepted */
} Pending;

/* ---------------------------------------------------------------------- */
/* Owner side: batched notifications                                       */

static gboolean
flush_pending (gpointer data)
{
  TscCollector *self = data;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) rejects = NULL;

  g_mutex_lock (&self->lock);
  messages = g_steal_pointer (&self->pending_messages);
  rejects = g_steal_pointer (&self->pending_rejects);
  g_clear_pointer (&self->pending_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; rejects != NULL && i < rejects->len; i++)
    g_signal_emit (self, signals[REQUEST_REJECTED], 0, g_ptr_array_index (rejects, i));

  if (messages != NULL && messages->len > 0)
    g_signal_emit (self, signals[MESSAGES_RECEIVED], 0, messages);

  return G_SOURCE_REMOVE;
}

static void
hand_to_owner (TscCollector     *self,
               TscRequestRecord *record,
               GPtrArray        *messages)
{
  g_mutex_lock (&self->lock);

  if (record->status == SOUP_STATUS_OK)
    {
      if (self->pending_messages == NULL)
        self->pending_messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
      for (guint i = 0; messages != NULL && i < messages->len; i++)
        g_ptr_array_add (self->pending_messages, tsc_message_ref (g_ptr_array_index (messages, i)));
      self->message_count += messages ? messages->len : 0;
    }
  else
    {
      if (self->pending_rejects == NULL)
        self->pending_rejects = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_request_record_unref);
      g_ptr_array_add (self->pending_rejects, tsc_request_record_ref (record));
    }

  if (self->pending_source == NULL)
    {
      self->pending_source = g_idle_source_new ();
      g_source_set_static_name (self->pending_source, "[trackscope] collector notify");
      g_source_set_callback (self->pending_source, flush_pending,
                             g_object_ref (self), g_object_unref);
      g_source_attach (self->pending_source, self->owner_context);
    }

  g_mutex_unlock (&self->lock);
}

/* ---------------------------------------------------------------------- */
/* Replies                                                                 */

static void
add_cors_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *origin = soup_message_headers_get_one (request, "Origin");

  /* libsoup 3.2 (Debian 12) leaks the descriptor of every keep-alive
   * connection that the client closes while idle (fixed in 3.3). SDKs
   * and browsers open a new connection now and then, so over a long
   * capture that would exhaust the descriptors: close after each reply. */
  if (!soup_check_version (3, 3, 0))
    soup_message_headers_replace (response, "Connection", "close");

  if (origin != NULL)
    {
      /* Echo the origin so that credentialed requests work too. */
      soup_message_headers_replace (response, "Access-Control-Allow-Origin", origin);
      soup_message_headers_replace (response, "Access-Control-Allow-Credentials", "true");
      soup_message_headers_append (response, "Vary", "Origin");
    }
  else
    soup_message_headers_replace (response, "Access-Control-Allow-Origin", "*");
}

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            JsonNode          *root)
{
  g_autofree char *text = json_to_string (root, FALSE);
  gsize len = strlen (text);

  add_cors_headers (msg);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), len);
}

static void
reply_success (SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  reply_json (msg, SOUP_STATUS_OK, root);
}

static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *code,
             const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  reply_json (msg, status, root);
}

static void
reply_preflight (SoupServerMessage *msg)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *requested = soup_message_headers_get_one (request, "Access-Control-Request-Headers");
  const char *private_network = soup_message_headers_get_one (request, "Access-Control-Request-Private-Network");
  g_autoptr(GString) allowed = g_string_new (ALLOWED_HEADERS);

  /* Allow whatever else the page asks for (custom `headers` option). */
  if (requested != NULL)
    {
      g_auto(GStrv) names = g_strsplit (requested, ",", -1);

      for (guint i = 0; names[i] != NULL; i++)
        {
          g_autofree char *lower_list = g_ascii_strdown (allowed->str, -1);
          g_autofree char *name = g_ascii_strdown (g_strstrip (names[i]), -1);
          g_autofree char *needle = g_strconcat (" ", name, ",", NULL);
          g_autofree char *haystack = g_strconcat (" ", lower_list, ",", NULL);

          if (*name != '\0' && strstr (haystack, needle) == NULL)
            g_string_append_printf (allowed, ", %s", names[i]);
        }
    }

  add_cors_headers (msg);
  soup_message_headers_replace (response, "Access-Control-Allow-Methods", "POST, GET, OPTIONS");
  soup_message_headers_replace (response, "Access-Control-Allow-Headers", allowed->str);
  soup_message_headers_replace (response, "Access-Control-Max-Age", "600");
  if (g_strcmp0 (private_network, "true") == 0)
    soup_message_headers_replace (response, "Access-Control-Allow-Private-Network", "true");
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
reply_settings (TscCollector      *self,
                SoupServerMessage *msg,
                const TscRoute    *route)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  const char *host = soup_message_headers_get_one (request, "Host");
  g_autofree char *api_host = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (host == NULL)
    host = self->uri + strlen ("http://");
  /* analytics-next takes apiHost without a scheme and with /v1. */
  api_host = g_strconcat (host, route->prefix, "/v1", NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "integrations");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "Segment.io");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "apiKey");
  json_builder_add_string_value (b, route->write_key);
  json_builder_set_member_name (b, "apiHost");
  json_builder_add_string_value (b, api_host);
  json_builder_set_member_name (b, "protocol");
  json_builder_add_string_value (b, "http");
  json_builder_set_member_name (b, "unbundledIntegrations");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "addBundledMetadata");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "plan");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "track");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "__default");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "edgeFunction");
  json_builder_begin_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "analyticsNextEnabled");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "middlewareSettings");
  json_builder_begin_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "enabledMiddleware");
  json_builder_begin_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "remotePlugins");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  reply_json (msg, SOUP_STATUS_OK, root);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
}

static void
reply_index (TscCollector      *self,
             SoupServerMessage *msg)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf ("Trackscope %s collector\n\n"
                          "Send Segment Tracking API calls here:\n"
                          "  POST %s/v1/batch, /v1/identify, /v1/track, /v1/page, /v1/screen,\n"
                          "       /v1/group, /v1/alias, /v1/import and /v1/{i,t,p,s,g,a,b}\n"
                          "  analytics.js: AnalyticsBrowser.load({ writeKey, cdnURL: '%s' })\n"
                          "  Prefix a path with /lane/<name> to tag the client.\n",
                          PACKAGE_VERSION, self->uri, self->uri);
  add_cors_headers (msg);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), strlen (text));
}

/* ---------------------------------------------------------------------- */
/* Requests                                                                */

static void
maybe_quit (TscCollector *self)
{
  if (self->stopping && self->in_flight == 0)
    g_main_loop_quit (self->loop);
}

static void
stored_cb (TscRequestRecord *record,
           GPtrArray        *messages,
           const GError     *error,
           gpointer          user_data)
{
  Pending *pending = user_data;
  TscCollector *self = pending->self;

  if (pending->msg != NULL)
    {
      if (error != NULL)
        {
          /* Not durable: a 5xx makes every SDK retry later. */
          tsc_request_record_reject (record, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                     "storage_failed", error->message);
          reply_error (pending->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                       "storage_failed", error->message);
        }
      else if (record->status == SOUP_STATUS_OK)
        reply_success (pending->msg);
      else
        reply_error (pending->msg, record->status, record->error_code, record->error_message);

      soup_server_message_unpause (pending->msg);
    }

  if (error == NULL)
    hand_to_owner (self, record, messages);

  /* Forwarding starts once the request is durable and answered 200; the
   * forwarder only queues it, so the reply never waits for the upstream. */
  if (error == NULL && record->status == SOUP_STATUS_OK && pending->body != NULL)
    {
      const char *query = NULL;

      if (pending->msg != NULL)
        query = g_uri_get_query (soup_server_message_get_uri (pending->msg));
      tsc_forwarder_submit_full (self->forwarder, record, query, pending->body);
    }

  if (pending->msg != NULL)
    g_object_unref (pending->msg);
  g_clear_pointer (&pending->body, g_bytes_unref);

  self->in_flight--;
  maybe_quit (self);
  g_object_unref (self);
  g_free (pending);
}

/* Stores @record (and @messages) and replies once it is durable. With
 * @msg %NULL the reply has been sent already. An accepted request is
 * then forwarded with @body, when there is a forwarder. */
static void
store_request (TscCollector      *self,
               SoupServerMessage *msg,
               TscRequestRecord  *record,
               GPtrArray         *messages,
               GBytes            *body)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->self = g_object_ref (self);
  if (self->forwarder != NULL && body != NULL && record->status == SOUP_STATUS_OK)
    pending->body = g_bytes_ref (body);
  if (msg != NULL)
    {
      pending->msg = g_object_ref (msg);
      soup_server_message_pause (msg);
    }

  self->in_flight++;
  tsc_session_writer_submit (self->writer, record, messages, self->context,
                             stored_cb, pending);
}

static const char **
collect_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeadersIter iter;
  GPtrArray *list = g_ptr_array_new ();
  const char *name;
  const char *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_ptr_array_add (list, (gpointer) name);
      g_ptr_array_add (list, (gpointer) value);
    }
  g_ptr_array_add (list, NULL);

  return (const char **) g_ptr_array_free (list, FALSE);
}

static void
fill_wire_request (TscWireRequest    *request,
                   SoupServerMessage *msg,
                   const char        *path,
                   GBytes            *body,
                   const char       **headers)
{
  GUri *uri = soup_server_message_get_uri (msg);

  request->method = soup_server_message_get_method (msg);
  request->path = path;
  request->query = g_uri_get_query (uri);
  request->remote_addr = soup_server_message_get_remote_host (msg);
  request->headers = headers;
  request->body = body;
  request->received_at = g_get_real_time ();
}

static gboolean
write_key_allowed (TscCollector *self,
                   const char   *write_key)
{
  if (self->allowed_keys == NULL || self->allowed_keys[0] == NULL)
    return TRUE;

  return write_key != NULL && g_strv_contains ((const char * const *) self->allowed_keys, write_key);
}

static void
handle_calls (TscCollector      *self,
              SoupServerMessage *msg,
              const char        *path,
              const TscRoute    *route)
{
  g_autofree const char **headers = collect_headers (msg);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(TscRequestRecord) record = NULL;
  TscWireRequest request = { 0 };

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  fill_wire_request (&request, msg, path, body, headers);

  record = tsc_wire_record_new (&request, route);
  messages = tsc_wire_decode (&request, route, &self->limits, record, &error);

  if (messages == NULL)
    {
      /* Keep what was sent when it could not even be decoded. */
      if (record->body == NULL)
        tsc_request_record_keep_body (record, body, self->limits.max_body_size);
      tsc_request_record_reject (record, tsc_wire_error_status (error),
                                 tsc_wire_error_code (error), error->message);
    }
  else if (!write_key_allowed (self, record->transport->write_key))
    {
      g_autofree char *reason = NULL;

      if (record->transport->write_key == NULL)
        reason = g_strdup ("No write key was sent; this collector accepts only its configured write keys");
      else
        reason = g_strdup_printf ("Write key “%s” is not one this collector accepts",
                                  record->transport->write_key);
      tsc_request_record_reject (record, SOUP_STATUS_UNAUTHORIZED, "invalid_write_key", reason);
      g_clear_pointer (&messages, g_ptr_array_unref);
    }
  else
    {
      record->status = SOUP_STATUS_OK;
      tsc_request_record_keep_body (record, NULL, 0);
    }

  store_request (self, msg, g_steal_pointer (&record), g_steal_pointer (&messages), body);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  TscCollector *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  TscRoute route;

  if (g_str_equal (path, "/") && (method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD))
    {
      reply_index (self, msg);
      return;
    }

  if (!tsc_route_parse (path, &route))
    {
      g_autofree char *text = g_strdup_printf ("Trackscope does not serve %s; send calls to "
                                               "/v1/batch, /v1/track and the other Tracking API routes",
                                               path);
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", text);
      return;
    }

  switch (route.kind)
    {
    case TSC_ROUTE_SETTINGS:
      if (method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD)
        reply_settings (self, msg, &route);
      else
        reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                     "Settings are read with GET");
      break;

    case TSC_ROUTE_METRICS:
      /* analytics-next's own telemetry: acknowledged, not a call. */
      if (method == SOUP_METHOD_POST)
        reply_success (msg);
      else
        reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                     "Metrics are sent with POST");
      break;

    case TSC_ROUTE_SINGLE:
    case TSC_ROUTE_BATCH:
      if (method != SOUP_METHOD_POST)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Allow", "POST, OPTIONS");
          reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                       "Tracking API calls are sent with POST");
        }
      else if (self->stopping)
        reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "stopping",
                     "Trackscope is stopping; retry later");
      else
        handle_calls (self, msg, path, &route);
      break;

    case TSC_ROUTE_NOT_FOUND:
    default:
      g_assert_not_reached ();
    }

  tsc_route_clear (&route);
}

/* A body too large to read is answered on a connection taken from
 * libsoup (which would otherwise read the whole body first): the reply
 * is written, then what the client still sends is read and dropped for a
 * while so that closing does not reset the connection under the reply. */
#define LINGER_MAX_BYTES (64 * 1024 * 1024)
#define LINGER_SECONDS   10

typedef struct
{
  GIOStream *stream;
  char      *reply;
  gsize      drained;
  gint64     deadline;
  guint8     buffer[16 * 1024];
} Linger;

static void
linger_free (Linger *linger)
{
  g_io_stream_close (linger->stream, NULL, NULL);
  g_object_unref (linger->stream);
  g_free (linger->reply);
  g_free (linger);
}

static void
linger_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Linger *linger = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 ||
      (linger->drained += n) > LINGER_MAX_BYTES ||
      g_get_monotonic_time () > linger->deadline)
    {
      linger_free (linger);
      return;
    }

  g_input_stream_read_async (G_INPUT_STREAM (source), linger->buffer, sizeof linger->buffer,
                             G_PRIORITY_LOW, NULL, linger_read_cb, linger);
}

static void
linger_wrote_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Linger *linger = data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL) ||
      !g_output_stream_flush (G_OUTPUT_STREAM (source), NULL, NULL))
    {
      linger_free (linger);
      return;
    }

  g_input_stream_read_async (g_io_stream_get_input_stream (linger->stream),
                             linger->buffer, sizeof linger->buffer,
                             G_PRIORITY_LOW, NULL, linger_read_cb, linger);
}

static void
reply_too_large_and_close (SoupServerMessage *msg,
                           const char        *reason)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (request, "Origin");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  g_autofree char *cors = NULL;
  Linger *linger;
  GIOStream *stream;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, "payload_too_large");
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, reason);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  if (origin != NULL && strpbrk (origin, "\r\n") == NULL)
    cors = g_strdup_printf ("Access-Control-Allow-Origin: %s\r\n"
                            "Access-Control-Allow-Credentials: true\r\n"
                            "Vary: Origin\r\n", origin);
  else
    cors = g_strdup ("Access-Control-Allow-Origin: *\r\n");

  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;

  linger = g_new0 (Linger, 1);
  linger->stream = stream;
  linger->deadline = g_get_monotonic_time () + LINGER_SECONDS * G_USEC_PER_SEC;
  linger->reply = g_strdup_printf ("HTTP/1.1 413 Payload Too Large\r\n"
                                   "Server: Trackscope/%s\r\n"
                                   "Content-Type: application/json\r\n"
                                   "Content-Length: %zu\r\n"
                                   "%s"
                                   "Connection: close\r\n"
                                   "\r\n"
                                   "%s",
                                   PACKAGE_VERSION, strlen (body), cors, body);

  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   linger->reply, strlen (linger->reply),
                                   G_PRIORITY_DEFAULT, NULL, linger_wrote_cb, linger);
}

/* Runs once the headers are in, before the body is read. */
static void
early_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  TscCollector *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *reason = NULL;
  TscRoute route;
  goffset length;

  if (method == SOUP_METHOD_OPTIONS)
    {
      if (tsc_route_parse (path, &route) || g_str_equal (path, "/"))
        reply_preflight (msg);
      else
        reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "No such route");
      tsc_route_clear (&route);
      return;
    }

  if (method != SOUP_METHOD_POST ||
      soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
    return;

  length = soup_message_headers_get_content_length (headers);
  if ((guint64) length <= self->limits.max_body_size)
    return;

  reason = g_strdup_printf ("The body has %" G_GOFFSET_FORMAT " bytes; this collector reads "
                            "at most %" G_GSIZE_FORMAT " (a batch may have %" G_GSIZE_FORMAT ")",
                            length, self->limits.max_body_size, self->limits.max_batch_size);

  /* Record that it happened, with everything but the body. */
  if (tsc_route_parse (path, &route) &&
      (route.kind == TSC_ROUTE_SINGLE || route.kind == TSC_ROUTE_BATCH))
    {
      g_autofree const char **list = collect_headers (msg);
      TscWireRequest request = { 0 };
      TscRequestRecord *record;

      fill_wire_request (&request, msg, path, NULL, list);
      record = tsc_wire_record_new (&request, &route);
      record->body_size = length;
      tsc_request_record_reject (record, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                                 "payload_too_large", reason);
      store_request (self, NULL, record, NULL, NULL);
    }
  tsc_route_clear (&route);

  reply_too_large_and_close (msg, reason);
}

/* ---------------------------------------------------------------------- */
/* Thread                                                                  */

static void
finish_start (TscCollector *self,
              GError       *error)
{
  g_mutex_lock (&self->lock);
  self->start_error = error;
  self->start_done = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gboolean
stop_grace_expired_cb (gpointer data)
{
  TscCollector *self = data;

  if (self->in_flight > 0)
    g_warning ("Stopping with %u request(s) still being stored", self->in_flight);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
begin_stop_cb (gpointer data)
{
  TscCollector *self = data;
  g_autoptr(GSource) timeout = NULL;

  self->stopping = TRUE;

  timeout = g_timeout_source_new (STOP_GRACE_MS);
  g_source_set_callback (timeout, stop_grace_expired_cb, self, NULL);
  g_source_attach (timeout, self->context);

  maybe_quit (self);
  return G_SOURCE_REMOVE;
}

/* SoupServer's own listener keeps a backlog of 10: a burst of new
 * connections (a page load, a load test) would be reset. */
#define LISTEN_BACKLOG 1024

static gboolean
listen_on (SoupServer      *server,
           GSocketAddress  *address,
           GError         **error)
{
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;

  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) ||
      !g_socket_listen (socket, error))
    return FALSE;

  return soup_server_listen_socket (server, socket, 0, error);
}

static gpointer
collector_thread (gpointer data)
{
  TscCollector *self = data;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *server_header = NULL;
  GError *error = NULL;
  GSList *listeners;

  g_main_context_push_thread_default (self->context);

  server_header = g_strdup_printf ("Trackscope/%s ", PACKAGE_VERSION);
  self->server = soup_server_new ("server-header", server_header, NULL);
  soup_server_add_early_handler (self->server, NULL, early_handler_cb, self, NULL);
  soup_server_add_handler (self->server, NULL, handler_cb, self, NULL);

  address = g_inet_socket_address_new (self->address, self->port);
  if (!listen_on (self->server, address, &error))
    {
      g_autofree char *where = g_inet_address_to_string (self->address);
      GError *wrapped;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        wrapped = g_error_new (TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_ADDRESS_IN_USE,
                               "Cannot listen on %s:%u: the port is already in use. Stop the "
                               "program using it or choose another port (port 0 picks a free one).",
                               where, self->port);
      else
        wrapped = g_error_new (TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_LISTEN,
                               "Cannot listen on %s:%u: %s", where, self->port, error->message);
      g_error_free (error);
      g_clear_object (&self->server);
      g_main_context_pop_thread_default (self->context);
      finish_start (self, wrapped);
      return NULL;
    }

  listeners = soup_server_get_listeners (self->server);
  if (listeners != NULL)
    {
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (listeners->data, NULL);

      if (local != NULL)
        self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
    }
  g_slist_free (listeners);

  finish_start (self, NULL);

  g_main_loop_run (self->loop);

  soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  /* Let the server's sources finish before the context goes away. */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Public API                                                              */

/**
 * tsc_parse_listen_address:
 * @text: `HOST:PORT`, `[IPv6]:PORT`, `HOST` or `:PORT`
 *
 * Returns: %TRUE when @text is a valid listen address
 */
gboolean
tsc_parse_listen_address (const char  *text,
                          char       **host,
                          guint       *port,
                          GError     **error)
{
  g_autofree char *h = NULL;
  const char *port_text = NULL;
  guint64 p = TSC_COLLECTOR_DEFAULT_PORT;

  g_return_val_if_fail (text != NULL, FALSE);

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || (close[1] != '\0' && close[1] != ':'))
        goto bad;
      h = g_strndup (text + 1, close - text - 1);
      port_text = close[1] == ':' ? close + 2 : NULL;
    }
  else
    {
      const char *colon = strrchr (text, ':');

      if (colon != NULL && strchr (text, ':') != colon)
        goto bad;   /* a bare IPv6 address needs brackets */
      h = colon ? g_strndup (text, colon - text) : g_strdup (text);
      port_text = colon ? colon + 1 : NULL;
    }

  if (*h == '\0')
    {
      g_free (h);
      h = g_strdup ("127.0.0.1");
    }

  if (port_text != NULL &&
      !g_ascii_string_to_unsigned (port_text, 10, 0, 65535, &p, NULL))
    goto bad;

  *host = g_steal_pointer (&h);
  *port = (guint) p;
  return TRUE;

bad:
  g_set_error (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_BAD_ADDRESS,
               "“%s” is not a listen address; use HOST:PORT, e.g. 127.0.0.1:8765 "
               "(port 0 picks a free port)", text);
  return FALSE;
}

/**
 * tsc_collector_new:
 * @writer: where received messages are stored
 */
TscCollector *
tsc_collector_new (TscSessionWriter *writer)
{
  TscCollector *self;

  g_return_val_if_fail (TSC_IS_SESSION_WRITER (writer), NULL);

  self = g_object_new (TSC_TYPE_COLLECTOR, NULL);
  self->writer = g_object_ref (writer);
  return self;
}

void
tsc_collector_set_allow_remote (TscCollector *self,
                                gboolean      allow_remote)
{
  g_return_if_fail (TSC_IS_COLLECTOR (self));
  g_return_if_fail (self->thread == NULL);
  self->allow_remote = !!allow_remote;
}

/**
 * tsc_collector_set_allowed_write_keys:
 * @write_keys: (nullable): the only write keys to accept; %NULL or empty
 *   accepts any key
 */
void
tsc_collector_set_allowed_write_keys (TscCollector       *self,
                                      const char * const *write_keys)
{
  g_return_if_fail (TSC_IS_COLLECTOR (self));
  g_return_if_fail (self->thread == NULL);

  g_strfreev (self->allowed_keys);
  self->allowed_keys = g_strdupv ((char **) write_keys);
}

/**
 * tsc_collector_set_forwarder:
 * @forwarder: (nullable): where accepted requests go on to
 *
 * Once a request is stored and answered 200, it is queued on @forwarder
 * with its body as received; rejected requests are not forwarded. Set
 * it before starting.
 */
void
tsc_collector_set_forwarder (TscCollector *self,
                             TscForwarder *forwarder)
{
  g_return_if_fail (TSC_IS_COLLECTOR (self));
  g_return_if_fail (forwarder == NULL || TSC_IS_FORWARDER (forwarder));
  g_return_if_fail (self->thread == NULL);

  g_set_object (&self->forwarder, forwarder);
}

void
tsc_collector_set_limits (TscCollector        *self,
                          const TscWireLimits *limits)
{
  g_return_if_fail (TSC_IS_COLLECTOR (self));
  g_return_if_fail (self->thread == NULL);
  self->limits = *limits;
}

static GInetAddress *
resolve_host (const char  *host,
              GError     **error)
{
  GInetAddress *address;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    g_set_error (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_BAD_ADDRESS,
                 "“%s” is not an IP address; listen on an address such as 127.0.0.1, ::1 "
                 "or localhost", host);
  return address;
}

/**
 * tsc_collector_start:
 * @host: an IP address or `localhost`
 * @port: a port, 0 for a free one
 *
 * Binds and starts serving in the collector's own thread. Signals are
 * emitted in the thread-default main context of the caller. Binding an
 * address other than loopback needs tsc_collector_set_allow_remote().
 */
gboolean
tsc_collector_start (TscCollector  *self,
                     const char    *host,
                     guint          port,
                     GError       **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *address_text = NULL;
  GError *start_error;

  g_return_val_if_fail (TSC_IS_COLLECTOR (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  if (self->thread != NULL)
    {
      g_set_error (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_RUNNING,
                   "The collector is already listening on %s", self->uri);
      return FALSE;
    }

  address = resolve_host (host, error);
  if (address == NULL)
    return FALSE;

  if (!g_inet_address_get_is_loopback (address) && !self->allow_remote)
    {
      g_set_error (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_REMOTE_NOT_ALLOWED,
                   "Refusing to listen on %s: it is not a loopback address, so other machines "
                   "could send calls and read nothing less than your users' data. Allow remote "
                   "connections explicitly (--allow-remote) if that is what you want.", host);
      return FALSE;
    }

  g_clear_object (&self->address);
  self->address = g_object_ref (address);
  self->port = port;
  self->stopping = FALSE;
  self->start_done = FALSE;
  self->start_error = NULL;

  g_clear_pointer (&self->owner_context, g_main_context_unref);
  self->owner_context = g_main_context_ref_thread_default ();
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("tsc-collector", collector_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->start_done)
    g_cond_wait (&self->cond, &self->lock);
  start_error = g_steal_pointer (&self->start_error);
  g_mutex_unlock (&self->lock);

  if (start_error != NULL)
    {
      g_thread_join (g_steal_pointer (&self->thread));
      g_clear_pointer (&self->loop, g_main_loop_unref);
      g_clear_pointer (&self->context, g_main_context_unref);
      g_propagate_error (error, start_error);
      return FALSE;
    }

  address_text = g_inet_address_to_string (address);
  g_free (self->uri);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    self->uri = g_strdup_printf ("http://[%s]:%u", address_text, self->port);
  else
    self->uri = g_strdup_printf ("http://%s:%u", address_text, self->port);

  return TRUE;
}

/**
 * tsc_collector_stop:
 *
 * Stops serving. Requests already being stored are answered first (for
 * a few seconds at most); every notification about them is emitted
 * before this returns.
 */
void
tsc_collector_stop (TscCollector *self)
{
  g_return_if_fail (TSC_IS_COLLECTOR (self));

  if (self->thread == NULL)
    return;

  g_main_context_invoke (self->context, begin_stop_cb, self);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  g_mutex_lock (&self->lock);
  if (self->pending_source != NULL)
    g_source_destroy (self->pending_source);
  g_mutex_unlock (&self->lock);
  flush_pending (self);
}

gboolean
tsc_collector_is_running (TscCollector *self)
{
  g_return_val_if_fail (TSC_IS_COLLECTOR (self), FALSE);
  return self->thread != NULL;
}

const char *
tsc_collector_get_uri (TscCollector *self)
{
  g_return_val_if_fail (TSC_IS_COLLECTOR (self), NULL);
  return self->uri;
}

guint
tsc_collector_get_port (TscCollector *self)
{
  g_return_val_if_fail (TSC_IS_COLLECTOR (self), 0);
  return self->port;
}

guint64
tsc_collector_get_message_count (TscCollector *self)
{
  guint64 count;

  g_return_val_if_fail (TSC_IS_COLLECTOR (self), 0);

  g_mutex_lock (&self->lock);
  count = self->message_count;
  g_mutex_unlock (&self->lock);
  return count;
}

static void
tsc_collector_dispose (GObject *object)
{
  TscCollector *self = (TscCollector *) object;

  tsc_collector_stop (self);

  G_OBJECT_CLASS (tsc_collector_parent_class)->dispose (object);
}

static void
tsc_collector_finalize (GObject *object)
{
  TscCollector *self = (TscCollector *) object;

  g_clear_object (&self->writer);
  g_clear_object (&self->forwarder);
  g_clear_object (&self->address);
  g_clear_pointer (&self->allowed_keys, g_strfreev);
  g_clear_pointer (&self->owner_context, g_main_context_unref);
  g_clear_pointer (&self->pending_messages, g_ptr_array_unref);
  g_clear_pointer (&self->pending_rejects, g_ptr_array_unref);
  g_clear_pointer (&self->uri, g_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (tsc_collector_parent_class)->finalize (object);
}

static void
tsc_collector_class_init (TscCollectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tsc_collector_dispose;
  object_class->finalize = tsc_collector_finalize;

  /**
   * TscCollector::messages-received:
   * @messages: (element-type TscMessage): messages now durable in the file
   */
  signals[MESSAGES_RECEIVED] =
    g_signal_new ("messages-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);

  /**
   * TscCollector::request-rejected:
   * @record: a request answered with an error, as recorded in the file
   */
  signals[REQUEST_REJECTED] =
    g_signal_new ("request-rejected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TSC_TYPE_REQUEST_RECORD);
}

static void
tsc_collector_init (TscCollector *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  tsc_wire_limits_init (&self->limits);
}
