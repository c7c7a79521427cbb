/* tsc-wire.c
 *
 * Turns one HTTP request of the Segment Tracking API into messages:
 * route, authentication, Content-Encoding, envelope and limits. No
 * network code lives here; the collector hands over what it received.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-wire"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tsc-json-span.h"
#include "tsc-wire.h"

G_DEFINE_QUARK (tsc-wire-error-quark, tsc_wire_error)

static const struct
{
  const char *code;
  guint       status;
} error_table[] = {
  [TSC_WIRE_ERROR_INVALID_JSON]         = { "invalid_json", 400 },
  [TSC_WIRE_ERROR_INVALID_BATCH]        = { "invalid_batch", 400 },
  [TSC_WIRE_ERROR_MESSAGE_TOO_LARGE]    = { "message_too_large", 400 },
  [TSC_WIRE_ERROR_BATCH_TOO_LARGE]      = { "batch_too_large", 400 },
  [TSC_WIRE_ERROR_BODY_TOO_LARGE]       = { "payload_too_large", 413 },
  [TSC_WIRE_ERROR_BAD_ENCODING]         = { "bad_content_encoding", 400 },
  [TSC_WIRE_ERROR_UNSUPPORTED_ENCODING] = { "unsupported_content_encoding", 415 },
};

/**
 * tsc_wire_error_code:
 *
 * Returns: the `code` of the JSON error reply for @error
 */
const char *
tsc_wire_error_code (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == TSC_WIRE_ERROR && (guint) error->code < G_N_ELEMENTS (error_table))
    return error_table[error->code].code;
  return "internal_error";
}

/**
 * tsc_wire_error_status:
 *
 * Returns: the HTTP status of the reply for @error
 */
guint
tsc_wire_error_status (const GError *error)
{
  g_return_val_if_fail (error != NULL, 500);

  if (error->domain == TSC_WIRE_ERROR && (guint) error->code < G_N_ELEMENTS (error_table))
    return error_table[error->code].status;
  return 500;
}

void
tsc_wire_limits_init (TscWireLimits *limits)
{
  limits->max_message_size = TSC_WIRE_MAX_MESSAGE_SIZE;
  limits->max_batch_size = TSC_WIRE_MAX_BATCH_SIZE;
  limits->max_body_size = TSC_WIRE_MAX_BODY_SIZE;
}

const char *
tsc_wire_request_header (const TscWireRequest *request,
                         const char           *name)
{
  g_return_val_if_fail (request != NULL, NULL);

  if (request->headers == NULL)
    return NULL;

  for (guint i = 0; request->headers[i] && request->headers[i + 1]; i += 2)
    {
      if (g_ascii_strcasecmp (request->headers[i], name) == 0)
        return request->headers[i + 1];
    }

  return NULL;
}

gint64
tsc_wire_parse_time (const char *iso8601)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GTimeZone) utc = NULL;

  if (iso8601 == NULL || *iso8601 == '\0')
    return G_MININT64;

  utc = g_time_zone_new_utc ();
  dt = g_date_time_new_from_iso8601 (iso8601, utc);
  if (dt == NULL)
    return G_MININT64;

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

/* ISO 8601 in UTC with @digits (3 or 6) of the fraction of a second;
 * %NULL when @usec is out of GDateTime's range. */
static char *
format_time (gint64 usec,
             int    digits)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *base = NULL;
  gint64 secs = usec / G_USEC_PER_SEC;
  gint64 rest = usec % G_USEC_PER_SEC;

  if (rest < 0)
    {
      secs--;
      rest += G_USEC_PER_SEC;
    }

  dt = g_date_time_new_from_unix_utc (secs);
  if (dt == NULL)
    return NULL;

  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  if (digits == 6)
    return g_strdup_printf ("%s.%06dZ", base, (int) rest);
  return g_strdup_printf ("%s.%03dZ", base, (int) (rest / 1000));
}

char *
tsc_wire_format_time (gint64 usec)
{
  char *text = format_time (usec, 3);

  return text != NULL ? text : g_strdup ("invalid time");
}

/**
 * tsc_wire_format_time_usec:
 *
 * Returns: (transfer full) (nullable): @usec in ISO 8601 UTC with
 *   microseconds (what an import reads back exactly), %NULL when it is
 *   out of range
 */
char *
tsc_wire_format_time_usec (gint64 usec)
{
  return format_time (usec, 6);
}

static char *
headers_to_json (const TscWireRequest *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  if (request->headers != NULL)
    {
      for (guint i = 0; request->headers[i] && request->headers[i + 1]; i += 2)
        {
          json_builder_set_member_name (builder, request->headers[i]);
          json_builder_add_string_value (builder, request->headers[i + 1]);
        }
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static char *
normalize_encoding (const char *value)
{
  g_autofree char *copy = NULL;
  g_autofree char *lower = NULL;

  if (value == NULL)
    return NULL;

  copy = g_strdup (value);
  lower = g_ascii_strdown (g_strstrip (copy), -1);
  if (*lower == '\0' || g_str_equal (lower, "identity"))
    return NULL;
  if (g_str_equal (lower, "x-gzip"))
    return g_strdup ("gzip");

  return g_steal_pointer (&lower);
}

/* Reads `Authorization: Basic base64(writeKey:)`. The colon and the
 * empty password are optional, as Segment accepts both. */
static char *
write_key_from_basic (const char *credentials)
{
  g_autofree guchar *decoded = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  char *colon;

  while (*credentials == ' ')
    credentials++;

  decoded = g_base64_decode (credentials, &len);
  if (decoded == NULL || len == 0)
    return NULL;

  text = g_strndup ((const char *) decoded, len);
  if (!g_utf8_validate (text, -1, NULL))
    return NULL;

  colon = strchr (text, ':');
  if (colon != NULL)
    *colon = '\0';

  return g_steal_pointer (&text);
}

static char *
query_write_key (const char *query)
{
  g_autoptr(GHashTable) params = NULL;
  const char *value;

  if (query == NULL || *query == '\0')
    return NULL;

  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  if (params == NULL)
    return NULL;

  value = g_hash_table_lookup (params, "writeKey");
  return value && *value ? g_strdup (value) : NULL;
}

/**
 * tsc_wire_record_new:
 *
 * Returns: (transfer full): the record of @request with its transport
 *   facts filled in from the request line and the headers. The write key
 *   from the body is added by tsc_wire_decode().
 */
TscRequestRecord *
tsc_wire_record_new (const TscWireRequest *request,
                     const TscRoute       *route)
{
  TscRequestRecord *record;
  TscTransport *t;
  const char *authorization;

  g_return_val_if_fail (request != NULL, NULL);

  record = tsc_request_record_new ();
  record->received_at = request->received_at;
  record->headers_json = headers_to_json (request);
  record->body_size = request->body ? g_bytes_get_size (request->body) : 0;

  t = record->transport;
  t->method = g_strdup (request->method);
  t->path = g_strdup (request->path);
  t->route = g_strdup (route && route->canonical ? route->canonical : request->path);
  t->lane = g_strdup (route ? route->lane : NULL);
  t->remote_addr = g_strdup (request->remote_addr);
  t->user_agent = g_strdup (tsc_wire_request_header (request, "User-Agent"));
  t->origin = g_strdup (tsc_wire_request_header (request, "Origin"));
  t->content_type = g_strdup (tsc_wire_request_header (request, "Content-Type"));
  t->content_encoding = normalize_encoding (tsc_wire_request_header (request, "Content-Encoding"));

  authorization = tsc_wire_request_header (request, "Authorization");
  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Basic ", 6) == 0)
    {
      t->auth_method = TSC_AUTH_BASIC;
      t->write_key = write_key_from_basic (authorization + 6);
    }
  else if (authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    {
      t->auth_method = TSC_AUTH_BEARER;
    }
  else if ((t->write_key = query_write_key (request->query)) != NULL)
    {
      t->auth_method = TSC_AUTH_QUERY;
    }

  return record;
}

static GBytes *
inflate_bytes (GBytes                 *input,
               GZlibCompressorFormat   format,
               const char             *encoding,
               gsize                   cap,
               GError                **error)
{
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (format);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize in_len;
  const guint8 *in = g_bytes_get_data (input, &in_len);
  gsize in_pos = 0;
  guint8 buffer[16 * 1024];

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize bytes_read = 0;
      gsize bytes_written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (decompressor),
                                    in + in_pos, in_len - in_pos,
                                    buffer, sizeof buffer,
                                    G_CONVERTER_INPUT_AT_END,
                                    &bytes_read, &bytes_written,
                                    &local_error);
      if (result == G_CONVERTER_ERROR)
        {
          g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_BAD_ENCODING,
                       "The body is marked Content-Encoding: %s but could not be decoded "
                       "after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes: %s",
                       encoding, in_pos, in_len, local_error->message);
          return NULL;
        }

      in_pos += bytes_read;
      g_byte_array_append (out, buffer, bytes_written);

      if (out->len > cap)
        {
          g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_BODY_TOO_LARGE,
                       "The %s body decodes to more than %" G_GSIZE_FORMAT " bytes",
                       encoding, cap);
          return NULL;
        }

      if (result == G_CONVERTER_FINISHED)
        break;

      if (bytes_read == 0 && bytes_written == 0)
        {
          g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_BAD_ENCODING,
                       "The %s body ends before its compressed stream does", encoding);
          return NULL;
        }
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/**
 * tsc_wire_decode_body:
 *
 * Undoes the Content-Encoding of @request.
 *
 * Returns: (transfer full): the JSON bytes of the body
 */
GBytes *
tsc_wire_decode_body (const TscWireRequest *request,
                      const TscWireLimits  *limits,
                      GError              **error)
{
  g_autofree char *encoding = NULL;
  GBytes *body;
  GBytes *decoded;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (limits != NULL, NULL);

  body = request->body;
  if (body == NULL || g_bytes_get_size (body) == 0)
    return g_bytes_new (NULL, 0);

  if (g_bytes_get_size (body) > limits->max_body_size)
    {
      g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_BODY_TOO_LARGE,
                   "The body has %" G_GSIZE_FORMAT " bytes; the limit is %" G_GSIZE_FORMAT,
                   g_bytes_get_size (body), limits->max_body_size);
      return NULL;
    }

  encoding = normalize_encoding (tsc_wire_request_header (request, "Content-Encoding"));
  if (encoding == NULL)
    return g_bytes_ref (body);

  if (g_str_equal (encoding, "gzip"))
    return inflate_bytes (body, G_ZLIB_COMPRESSOR_FORMAT_GZIP, encoding,
                          limits->max_body_size, error);

  if (g_str_equal (encoding, "deflate"))
    {
      /* HTTP's "deflate" is the zlib format, but some clients send a raw
       * deflate stream under that name: accept both. */
      g_autoptr(GError) zlib_error = NULL;

      decoded = inflate_bytes (body, G_ZLIB_COMPRESSOR_FORMAT_ZLIB, encoding,
                               limits->max_body_size, &zlib_error);
      if (decoded != NULL)
        return decoded;
      if (!g_error_matches (zlib_error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_BAD_ENCODING))
        {
          g_propagate_error (error, g_steal_pointer (&zlib_error));
          return NULL;
        }
      return inflate_bytes (body, G_ZLIB_COMPRESSOR_FORMAT_RAW, encoding,
                            limits->max_body_size, error);
    }

  g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_UNSUPPORTED_ENCODING,
               "Content-Encoding \"%s\" is not supported; send the body as is, gzip or deflate",
               encoding);
  return NULL;
}

/* A member as a string: strings as they are, numbers and booleans in
 * their JSON spelling, null as absent, objects and arrays as JSON. */
static char *
member_as_string (JsonObject *object,
                  const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType value_type = json_node_get_value_type (node);

      if (value_type == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if (value_type == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (value_type == G_TYPE_DOUBLE)
        {
          char buffer[G_ASCII_DTOSTR_BUF_SIZE];
          return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
        }
      if (value_type == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    }

  return json_to_string (node, FALSE);
}

static char *
member_as_json (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return json_to_string (node, FALSE);
}

typedef struct
{
  const TscRoute *route;
  TscTransport   *transport;
  gint64          received_at;
  char           *sent_at;
  char           *context;
  char           *integrations;
} Envelope;

/**
 * tsc_wire_message_from_object:
 * @object: a message, parsed
 * @raw: (nullable): its bytes as received
 * @implied_type: the type a single-message route implies, or
 *   %TSC_MESSAGE_TYPE_UNKNOWN to read it from @object (batch items)
 * @envelope_sent_at: (nullable): the batch's sentAt
 * @envelope_context: (nullable): the batch's context, as JSON
 * @envelope_integrations: (nullable): the batch's integrations, as JSON
 * @received_at: µs since the epoch, or 0 when unknown (read from a file:
 *   the object's own receivedAt is taken then)
 *
 * Reads a message the way the collector does: its fields, a messageId
 * added when it has none, and the corrected time. The caller sets the
 * transport and the batch index.
 *
 * Returns: (transfer full): the message
 */
TscMessage *
tsc_wire_message_from_object (JsonObject     *object,
                              GBytes         *raw,
                              TscMessageType  implied_type,
                              const char     *envelope_sent_at,
                              const char     *envelope_context,
                              const char     *envelope_integrations,
                              gint64          received_at)
{
  TscMessage *message = tsc_message_new ();
  gint64 client_time;
  gint64 sent_time;

  g_return_val_if_fail (object != NULL, NULL);

  message->received_at = received_at;
  message->raw = raw != NULL ? g_bytes_ref (raw) : NULL;

  if (implied_type != TSC_MESSAGE_TYPE_UNKNOWN)
    {
      message->type = implied_type;
      message->type_name = g_strdup (tsc_message_type_to_string (message->type));
    }
  else
    {
      message->type_name = member_as_string (object, "type");
      message->type = tsc_message_type_from_string (message->type_name);
    }

  message->event = member_as_string (object, "event");
  message->name = member_as_string (object, "name");
  message->user_id = member_as_string (object, "userId");
  message->anonymous_id = member_as_string (object, "anonymousId");
  message->previous_id = member_as_string (object, "previousId");
  message->group_id = member_as_string (object, "groupId");
  message->timestamp = member_as_string (object, "timestamp");

  message->sent_at = member_as_string (object, "sentAt");
  if (message->sent_at == NULL)
    message->sent_at = g_strdup (envelope_sent_at);

  message->message_id = member_as_string (object, "messageId");
  if (message->message_id == NULL || *message->message_id == '\0')
    {
      g_autofree char *uuid = g_uuid_string_random ();

      g_free (message->message_id);
      message->message_id = g_strconcat ("trackscope-", uuid, NULL);
      message->message_id_added = TRUE;
    }

  message->batch_context = g_strdup (envelope_context);
  message->batch_integrations = g_strdup (envelope_integrations);
  /* Segment's correction: receivedAt − (sentAt − timestamp). Libraries
   * that stamp the client time themselves (rudder-sdk-node) send it as
   * originalTimestamp. */
  client_time = tsc_wire_parse_time (message->timestamp);
  if (client_time == G_MININT64)
    {
      g_autofree char *original = member_as_string (object, "originalTimestamp");
      client_time = tsc_wire_parse_time (original);
    }
  sent_time = tsc_wire_parse_time (message->sent_at);
  if (message->received_at <= 0)
    {
      /* Read from a file: the time another collector stamped. */
      g_autofree char *received = member_as_string (object, "receivedAt");
      gint64 stamped = tsc_wire_parse_time (received);

      /* Unknown stays 0: rules that need the receive time skip it. */
      message->received_at = stamped != G_MININT64 ? stamped : 0;
    }

  if (message->received_at <= 0)
    message->corrected_at = client_time != G_MININT64 ? client_time : 0;
  else if (client_time != G_MININT64 && sent_time != G_MININT64)
    message->corrected_at = message->received_at - (sent_time - client_time);
  else if (client_time != G_MININT64)
    message->corrected_at = client_time;
  else
    message->corrected_at = message->received_at;

  return message;
}


static TscMessage *
message_from_object (const Envelope *env,
                     JsonObject     *object,
                     GBytes         *raw,
                     int             batch_index)
{
  TscMessage *message;

  message = tsc_wire_message_from_object (object, raw,
                                          env->route->kind == TSC_ROUTE_SINGLE ? env->route->type
                                                                               : TSC_MESSAGE_TYPE_UNKNOWN,
                                          env->sent_at, env->context, env->integrations,
                                          env->received_at);
  message->batch_index = batch_index;
  message->transport = tsc_transport_ref (env->transport);
  return message;
}

static JsonNode *parse_json_value (GBytes *bytes, gboolean allow_array, GError **error);

static JsonNode *
parse_json (GBytes  *bytes,
            GError **error)
{
  return parse_json_value (bytes, FALSE, error);
}

static const char *
node_kind (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return "a string";
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return "a boolean";
  return "a number";
}

static JsonNode *
parse_json_value (GBytes  *bytes,
                  gboolean allow_array,
                  GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (len == 0)
    {
      g_set_error_literal (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_INVALID_JSON,
                           "The body is empty; a JSON object was expected");
      return NULL;
    }

  if (!g_utf8_validate (data, len, NULL))
    {
      const char *end = NULL;

      g_utf8_validate (data, len, &end);
      g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_INVALID_JSON,
                   "The body is not valid UTF-8 (first bad byte at offset %" G_GSIZE_FORMAT ")",
                   (gsize) (end - data));
      return NULL;
    }

  if (!json_parser_load_from_data (parser, data, len, &local_error))
    {
      guint line = 0, column = 0;
      int consumed = 0;

      /* json-glib says "<data>:LINE:COLUMN: Parse error: ..." */
      if (sscanf (local_error->message, "<data>:%u:%u: %n", &line, &column, &consumed) == 2 &&
          consumed > 0)
        g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_INVALID_JSON,
                     "The body is not valid JSON (line %u, column %u): %s",
                     line, column, local_error->message + consumed);
      else
        g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_INVALID_JSON,
                     "The body is not valid JSON: %s", local_error->message);
      return NULL;
    }

  if (json_parser_get_root (parser) == NULL ||
      (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) &&
       !(allow_array && JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))))
    {
      JsonNode *root = json_parser_get_root (parser);

      g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_INVALID_JSON,
                   "The body must be a JSON object, not %s",
                   root ? node_kind (root) : "nothing");
      return NULL;
    }

  return json_parser_steal_root (parser);
}

static void
take_body_write_key (TscTransport *transport,
                     JsonObject   *object)
{
  g_autofree char *key = NULL;

  if (transport->auth_method == TSC_AUTH_BASIC && transport->write_key != NULL)
    return;

  key = member_as_string (object, "writeKey");
  if (key == NULL || *key == '\0')
    return;

  g_free (transport->write_key);
  transport->write_key = g_steal_pointer (&key);
  if (transport->auth_method == TSC_AUTH_NONE || transport->auth_method == TSC_AUTH_QUERY)
    transport->auth_method = TSC_AUTH_BODY;
}

static GPtrArray *
decode_single (Envelope    *env,
               GBytes      *body,
               JsonObject  *object)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  g_autoptr(GBytes) raw = NULL;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  TscJsonSpan span;

  if (tsc_json_span_trim (data, len, &span))
    raw = g_bytes_new_from_bytes (body, span.offset, span.length);
  else
    raw = g_bytes_ref (body);

  take_body_write_key (env->transport, object);
  g_ptr_array_add (messages, message_from_object (env, object, raw, -1));
  return g_steal_pointer (&messages);
}

static GPtrArray *
decode_batch (Envelope          *env,
              const TscWireLimits *limits,
              GBytes            *body,
              JsonObject        *envelope,
              GError           **error)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  g_autoptr(GArray) spans = NULL;
  JsonNode *batch_node;
  JsonArray *batch;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  guint n_items;

  batch_node = json_object_get_member (envelope, "batch");
  if (batch_node == NULL || !JSON_NODE_HOLDS_ARRAY (batch_node))
    {
      g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_INVALID_BATCH,
                   batch_node ? "The \"batch\" member is %s; an array of messages was expected"
                              : "The body has no \"batch\" array%s",
                   batch_node ? node_kind (batch_node) : "");
      return NULL;
    }

  batch = json_node_get_array (batch_node);
  n_items = json_array_get_length (batch);

  for (guint i = 0; i < n_items; i++)
    {
      JsonNode *item = json_array_get_element (batch, i);

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_INVALID_BATCH,
                       "batch[%u] is %s; every batch item must be a message object",
                       i, node_kind (item));
          return NULL;
        }
    }

  spans = tsc_json_span_array_members (data, len, "batch");
  if (spans != NULL && spans->len != n_items)
    g_clear_pointer (&spans, g_array_unref);

  env->transport->batch_size = len;
  env->sent_at = member_as_string (envelope, "sentAt");
  env->context = member_as_json (envelope, "context");
  env->integrations = member_as_json (envelope, "integrations");

  take_body_write_key (env->transport, envelope);

  for (guint i = 0; i < n_items; i++)
    {
      JsonObject *item = json_array_get_object_element (batch, i);
      g_autoptr(GBytes) raw = NULL;

      if (spans != NULL)
        {
          TscJsonSpan *span = &g_array_index (spans, TscJsonSpan, i);
          raw = g_bytes_new_from_bytes (body, span->offset, span->length);
        }
      else
        {
          /* Only reached for member names spelled with escapes. */
          char *text = json_to_string (json_array_get_element (batch, i), FALSE);
          raw = g_bytes_new_take (text, strlen (text));
        }

      if (g_bytes_get_size (raw) > limits->max_message_size)
        {
          g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_MESSAGE_TOO_LARGE,
                       "batch[%u] has %" G_GSIZE_FORMAT " bytes; a message may have at most %"
                       G_GSIZE_FORMAT,
                       i, g_bytes_get_size (raw), limits->max_message_size);
          return NULL;
        }

      if (env->transport->write_key == NULL)
        take_body_write_key (env->transport, item);

      g_ptr_array_add (messages, message_from_object (env, item, raw, (int) i));
    }

  return g_steal_pointer (&messages);
}

/**
 * tsc_wire_decode:
 * @request: what was received
 * @route: the route @request was sent to (single or batch)
 * @record: the record from tsc_wire_record_new(): the decoded size, the
 *   write key found in the body and the decoded body (capped) are added
 *   to it; drop the body with tsc_request_record_keep_body() when the
 *   request is accepted
 *
 * Returns: (transfer full) (element-type TscMessage): the messages of the
 *   request, or %NULL with @error set in %TSC_WIRE_ERROR
 */
GPtrArray *
tsc_wire_decode (const TscWireRequest *request,
                 const TscRoute       *route,
                 const TscWireLimits  *limits,
                 TscRequestRecord     *record,
                 GError              **error)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  Envelope env = { 0 };
  GPtrArray *messages;
  gsize size;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (route != NULL, NULL);
  g_return_val_if_fail (route->kind == TSC_ROUTE_SINGLE || route->kind == TSC_ROUTE_BATCH, NULL);
  g_return_val_if_fail (limits != NULL, NULL);
  g_return_val_if_fail (record != NULL, NULL);

  body = tsc_wire_decode_body (request, limits, error);
  if (body == NULL)
    return NULL;

  size = g_bytes_get_size (body);
  record->decoded_size = size;

  /* Kept for a rejected request; the caller drops it on acceptance. */
  tsc_request_record_keep_body (record, body, limits->max_body_size);

  if (route->kind == TSC_ROUTE_SINGLE && size > limits->max_message_size)
    {
      g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_MESSAGE_TOO_LARGE,
                   "The message has %" G_GSIZE_FORMAT " bytes; a message may have at most %"
                   G_GSIZE_FORMAT,
                   size, limits->max_message_size);
      return NULL;
    }

  if (route->kind == TSC_ROUTE_BATCH && size > limits->max_batch_size)
    {
      g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_BATCH_TOO_LARGE,
                   "The batch has %" G_GSIZE_FORMAT " bytes; a batch may have at most %"
                   G_GSIZE_FORMAT,
                   size, limits->max_batch_size);
      return NULL;
    }

  root = parse_json (body, error);
  if (root == NULL)
    return NULL;

  env.route = route;
  env.transport = record->transport;
  env.received_at = request->received_at;

  if (route->kind == TSC_ROUTE_SINGLE)
    messages = decode_single (&env, body, json_node_get_object (root));
  else
    messages = decode_batch (&env, limits, body, json_node_get_object (root), error);

  g_free (env.sent_at);
  g_free (env.context);
  g_free (env.integrations);

  if (messages == NULL)
    return NULL;

  record->message_count = messages->len;

  return messages;
}

/**
 * tsc_wire_decode_document:
 * @json: a message object, a batch body (`{"batch":[...]}`) or an array
 *   of messages, as read from a file rather than received
 * @transport: the transport the messages are attributed to
 * @received_at: when they were received (µs), or 0 when unknown: a
 *   message's own `receivedAt` is used then, else it stays 0 and the
 *   corrected time is the client's
 *
 * Decodes a document the way the collector decodes a batch: the type
 * comes from each message, envelope values are merged in, and every
 * message keeps its exact bytes.
 *
 * Returns: (transfer full) (element-type TscMessage): the messages, or
 *   %NULL with @error set in %TSC_WIRE_ERROR
 */
GPtrArray *
tsc_wire_decode_document (GBytes        *json,
                          TscTransport  *transport,
                          gint64         received_at,
                          GError       **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  TscWireLimits limits;
  TscRoute route = { .kind = TSC_ROUTE_BATCH };
  Envelope env = { 0 };
  gsize len;
  const char *data;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (transport != NULL, NULL);

  tsc_wire_limits_init (&limits);
  /* A file is not bound by the API's size limits: the rules report them. */
  limits.max_message_size = G_MAXSIZE;

  root = parse_json_value (json, TRUE, error);
  if (root == NULL)
    return NULL;

  env.route = &route;
  env.transport = transport;
  env.received_at = received_at;
  data = g_bytes_get_data (json, &len);

  if (JSON_NODE_HOLDS_OBJECT (root) &&
      json_object_has_member (json_node_get_object (root), "batch"))
    {
      messages = decode_batch (&env, &limits, json, json_node_get_object (root), error);
    }
  else if (JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autoptr(GBytes) raw = NULL;
      TscJsonSpan span;

      messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
      if (tsc_json_span_trim (data, len, &span))
        raw = g_bytes_new_from_bytes (json, span.offset, span.length);
      else
        raw = g_bytes_ref (json);
      g_ptr_array_add (messages, message_from_object (&env, json_node_get_object (root), raw, -1));
    }
  else
    {
      JsonArray *array = json_node_get_array (root);
      g_autoptr(GArray) spans = tsc_json_span_array_elements (data, len);
      guint n = json_array_get_length (array);

      if (spans != NULL && spans->len != n)
        g_clear_pointer (&spans, g_array_unref);

      messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
      for (guint i = 0; i < n; i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          g_autoptr(GBytes) raw = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            {
              g_set_error (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_INVALID_BATCH,
                           "[%u] is %s; every element must be a message object",
                           i, node_kind (item));
              return NULL;
            }

          if (spans != NULL)
            {
              TscJsonSpan *span = &g_array_index (spans, TscJsonSpan, i);
              raw = g_bytes_new_from_bytes (json, span->offset, span->length);
            }
          else
            {
              char *text = json_to_string (item, FALSE);
              raw = g_bytes_new_take (text, strlen (text));
            }

          g_ptr_array_add (messages, message_from_object (&env, json_array_get_object_element (array, i),
                                                          raw, -1));
        }
    }

  g_free (env.sent_at);
  g_free (env.context);
  g_free (env.integrations);

  return g_steal_pointer (&messages);
}
