#define G_LOG_DOMAIN "test-wire"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tsc-json-span.h"
#include "tsc-test-util.h"
#include "tsc-wire.h"

/* 2026-11-29T05:00:00.000Z, a few minutes after the fixtures were recorded */
#define RECEIVED_AT G_GINT64_CONSTANT (1795928400000000)
#define MSEC        G_GINT64_CONSTANT (1000)
#define SEC         G_GINT64_CONSTANT (1000000)

#define MAX_HEADERS 8

/* ------------------------------------------------------------------ */
/* helpers                                                            */

typedef struct
{
  TscRoute          route;
  TscWireRequest    request;
  TscWireLimits     limits;
  GBytes           *body;
  TscRequestRecord *record;
  GPtrArray        *messages;
  GError           *error;
} Decoded;

static void
decoded_clear (Decoded *d)
{
  tsc_route_clear (&d->route);
  g_clear_pointer (&d->body, g_bytes_unref);
  g_clear_pointer (&d->record, tsc_request_record_unref);
  g_clear_pointer (&d->messages, g_ptr_array_unref);
  g_clear_error (&d->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Decoded, decoded_clear)

/* Decodes one POST the way the collector does: route, record, decode.
 * @path and @query must outlive @d. */
static void
decode (Decoded            *d,
        const char         *path,
        const char         *query,
        const char * const *headers,
        GBytes             *body,
        const TscWireLimits *limits)
{
  memset (d, 0, sizeof *d);

  g_assert_true (tsc_route_parse (path, &d->route));
  g_assert_true (d->route.kind == TSC_ROUTE_SINGLE || d->route.kind == TSC_ROUTE_BATCH);

  d->body = body ? g_bytes_ref (body) : NULL;
  d->request.method = "POST";
  d->request.path = path;
  d->request.query = query;
  d->request.remote_addr = "127.0.0.1";
  d->request.headers = headers;
  d->request.body = d->body;
  d->request.received_at = RECEIVED_AT;

  if (limits != NULL)
    d->limits = *limits;
  else
    tsc_wire_limits_init (&d->limits);

  d->record = tsc_wire_record_new (&d->request, &d->route);
  g_assert_nonnull (d->record);

  d->messages = tsc_wire_decode (&d->request, &d->route, &d->limits, d->record, &d->error);
  g_assert_true ((d->messages == NULL) == (d->error != NULL));
}

static void
decode_text (Decoded            *d,
             const char         *path,
             const char * const *headers,
             const char         *text)
{
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));

  decode (d, path, NULL, headers, body, NULL);
}

/* With non-fatal assertions, a case that did not decode stops here
 * instead of crashing the cases after it. */
#define assert_decoded(d) \
  G_STMT_START { \
    g_assert_no_error ((d)->error); \
    if ((d)->messages == NULL) \
      return; \
  } G_STMT_END

static TscMessage *
message_at (Decoded *d,
            guint    i)
{
  g_assert_nonnull (d->messages);
  g_assert_cmpuint (i, <, d->messages->len);
  return g_ptr_array_index (d->messages, i);
}

static JsonNode *
parse_json (const char *data,
            gssize      len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json_parser_get_root (parser));
  return json_node_copy (json_parser_get_root (parser));
}

static void
assert_json_equal (const char *actual,
                   gssize      actual_len,
                   JsonNode   *expected)
{
  g_autoptr(JsonNode) node = NULL;

  g_assert_nonnull (actual);
  node = parse_json (actual, actual_len);
  if (!json_node_equal (node, expected))
    {
      g_autofree char *a = json_to_string (node, FALSE);
      g_autofree char *e = json_to_string (expected, FALSE);
      g_test_fail_printf ("JSON differs:\n  actual   %s\n  expected %s", a, e);
    }
}

/* A member as the decoder must report it: a string as is, null or
 * absent as NULL. The recordings hold nothing else in these members. */
static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == G_TYPE_STRING);
  return json_node_get_string (node);
}

static gint64
parse_iso (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;

  g_assert_nonnull (text);
  dt = g_date_time_new_from_iso8601 (text, NULL);
  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * SEC + g_date_time_get_microsecond (dt);
}

static gboolean
contains (const char *haystack,
          const char *needle)
{
  return haystack != NULL && strstr (haystack, needle) != NULL;
}

/* The raw bytes of the message @m are the @len bytes at @expected. */
#define assert_raw_bytes(m, expected, len) \
  G_STMT_START { \
    GBytes *raw_ = (m)->raw; \
    g_assert_cmpmem (g_bytes_get_data (raw_, NULL), g_bytes_get_size (raw_), (expected), (len)); \
  } G_STMT_END

#define assert_message_contains(error, part) \
  G_STMT_START { \
    if (!contains ((error)->message, (part))) \
      g_test_fail_printf ("error message “%s” does not contain “%s”", \
                          (error)->message, (part)); \
  } G_STMT_END

/* ------------------------------------------------------------------ */
/* recordings of real SDKs                                            */

typedef struct
{
  const char *name;
  guint       n_posts;
  guint       n_messages;
} FixtureCase;

static const FixtureCase fixture_cases[] = {
  { "ajs-next-1.84.3-standard", 12, 12 },
  { "ajs-next-1.84.3-batching", 2, 4 },
  { "ajs-next-umd-cors", 4, 4 },
  { "server-libs", 6, 8 },
};

static char *
write_key_from_basic_header (const char *authorization)
{
  g_autofree guchar *decoded = NULL;
  gsize len = 0;
  char *text;
  char *colon;

  g_assert_true (g_str_has_prefix (authorization, "Basic "));
  decoded = g_base64_decode (authorization + strlen ("Basic "), &len);
  text = g_strndup ((const char *) decoded, len);
  colon = strchr (text, ':');
  g_assert_nonnull (colon);   /* every recorded SDK keeps the colon */
  *colon = '\0';
  return text;
}

static void
check_fixture_message (Decoded    *d,
                       guint       i,
                       JsonNode   *item_node,
                       JsonObject *envelope,
                       const char *body_text,
                       gsize       body_len)
{
  TscMessage *m = message_at (d, i);
  JsonObject *item = json_node_get_object (item_node);
  gboolean batch = d->route.kind == TSC_ROUTE_BATCH;
  const char *timestamp = string_member (item, "timestamp");
  const char *sent_at = string_member (item, "sentAt");
  gsize raw_len = 0;
  const char *raw;

  g_test_message ("  message %u: %s", i, string_member (item, "messageId"));

  if (sent_at == NULL && batch)
    sent_at = string_member (envelope, "sentAt");

  /* the type comes from the path on single routes, else from the body */
  if (batch)
    {
      g_assert_cmpstr (m->type_name, ==, string_member (item, "type"));
      g_assert_cmpint (m->type, ==, tsc_message_type_from_string (string_member (item, "type")));
      g_assert_cmpint (m->type, !=, TSC_MESSAGE_TYPE_UNKNOWN);
      g_assert_cmpint (m->batch_index, ==, (int) i);
    }
  else
    {
      g_assert_cmpint (m->type, ==, d->route.type);
      g_assert_cmpstr (m->type_name, ==, tsc_message_type_to_string (d->route.type));
      /* analytics-next also sends the type: it agrees with the path */
      g_assert_cmpstr (m->type_name, ==, string_member (item, "type"));
      g_assert_cmpint (m->batch_index, ==, -1);
    }

  g_assert_cmpstr (m->user_id, ==, string_member (item, "userId"));
  g_assert_cmpstr (m->anonymous_id, ==, string_member (item, "anonymousId"));
  g_assert_cmpstr (m->previous_id, ==, string_member (item, "previousId"));
  g_assert_cmpstr (m->event, ==, string_member (item, "event"));
  g_assert_cmpstr (m->name, ==, string_member (item, "name"));
  g_assert_cmpstr (m->group_id, ==, string_member (item, "groupId"));
  g_assert_cmpstr (m->message_id, ==, string_member (item, "messageId"));
  g_assert_nonnull (m->message_id);
  g_assert_false (m->message_id_added);
  g_assert_cmpstr (m->timestamp, ==, timestamp);
  g_assert_cmpstr (m->sent_at, ==, sent_at);
  g_assert_cmpint (m->received_at, ==, RECEIVED_AT);

  /* Segment's correction: receivedAt − (sentAt − timestamp) */
  if (timestamp != NULL && sent_at != NULL)
    g_assert_cmpint (m->corrected_at, ==,
                     RECEIVED_AT - (parse_iso (sent_at) - parse_iso (timestamp)));
  else if (timestamp != NULL)
    g_assert_cmpint (m->corrected_at, ==, parse_iso (timestamp));
  else if (string_member (item, "originalTimestamp") != NULL)
    g_test_message ("  (no timestamp, only originalTimestamp: see "
                    "/wire/envelope/original-timestamp-is-the-client-time)");
  else
    g_assert_cmpint (m->corrected_at, ==, RECEIVED_AT);

  /* batch context and integrations are merged in */
  if (batch && json_object_has_member (envelope, "context"))
    assert_json_equal (m->batch_context, -1, json_object_get_member (envelope, "context"));
  else
    g_assert_null (m->batch_context);
  if (batch && json_object_has_member (envelope, "integrations"))
    assert_json_equal (m->batch_integrations, -1,
                       json_object_get_member (envelope, "integrations"));
  else
    g_assert_null (m->batch_integrations);

  /* the raw bytes are the item exactly as sent */
  g_assert_nonnull (m->raw);
  raw = g_bytes_get_data (m->raw, &raw_len);
  g_assert_cmpuint (raw_len, >, 0);
  assert_json_equal (raw, raw_len, item_node);
  if (batch)
    {
      g_autofree char *needle = g_strndup (raw, raw_len);
      g_assert_nonnull (g_strstr_len (body_text, body_len, needle));
    }
  else
    g_assert_cmpmem (raw, raw_len, body_text, body_len);

  g_assert_true (m->transport == d->record->transport);
}

static const char *
header (JsonObject *headers,
        const char *name)
{
  return json_object_get_string_member_with_default (headers, name, NULL);
}

/* Returns whether @line was a POST (and was checked). */
static gboolean
check_fixture_line (const char *line,
                    guint       lineno,
                    guint      *n_messages)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GBytes) wire = NULL;
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (JsonNode *));
  g_auto(Decoded) d = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *expected_key = NULL;
  g_autoptr(GList) header_names = NULL;
  JsonObject *root;
  JsonObject *header_object;
  JsonObject *body;
  const char *method;
  const char *url;
  const char *query;
  const char *encoding;
  const char *authorization;
  const char *start;
  TscJsonSpan span;
  const char *body_text;
  gsize body_len;
  gint64 raw_len;

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));

  method = json_object_get_string_member (root, "method");
  url = json_object_get_string_member (root, "url");
  g_test_message ("line %u: %s %s", lineno, method, url);

  /* preflights are the collector's business, not the decoder's */
  if (!g_str_equal (method, "POST"))
    {
      g_assert_cmpstr (method, ==, "OPTIONS");
      return FALSE;
    }

  header_object = json_object_get_object_member (root, "headers");
  raw_len = json_object_get_int_member (root, "rawLen");
  body = json_object_get_object_member (root, "body");
  g_assert_nonnull (body);

  /* The exact text of "body", the last member of the line. */
  start = strstr (line, "\"rawLen\":");
  g_assert_nonnull (start);
  start = strstr (start, "\"body\":");
  g_assert_nonnull (start);
  start += strlen ("\"body\":");
  g_assert_true (tsc_json_span_trim (start, strlen (start), &span));
  body_text = start + span.offset;
  body_len = span.length;
  assert_json_equal (body_text, body_len, json_object_get_member (root, "body"));

  header_names = json_object_get_members (header_object);
  for (GList *l = header_names; l; l = l->next)
    {
      g_ptr_array_add (headers, g_strdup (l->data));
      g_ptr_array_add (headers, g_strdup (json_object_get_string_member (header_object, l->data)));
    }
  g_ptr_array_add (headers, NULL);

  encoding = header (header_object, "content-encoding");
  authorization = header (header_object, "authorization");

  if (g_strcmp0 (encoding, "gzip") == 0)
    {
      /* recorded after gunzip: compress it again to get a real wire body */
      wire = tsc_test_compress (body_text, body_len, G_ZLIB_COMPRESSOR_FORMAT_GZIP);
    }
  else
    {
      g_assert_null (encoding);
      g_assert_cmpint (body_len, ==, raw_len);
      wire = g_bytes_new (body_text, body_len);
    }

  query = strchr (url, '?');
  path = query ? g_strndup (url, query - url) : g_strdup (url);
  if (query)
    query++;

  decode (&d, path, query, (const char * const *) headers->pdata, wire, NULL);
  g_assert_no_error (d.error);
  if (d.messages == NULL)
    return TRUE;

  if (d.route.kind == TSC_ROUTE_BATCH)
    {
      JsonArray *batch = json_object_get_array_member (body, "batch");

      for (guint i = 0; i < json_array_get_length (batch); i++)
        {
          JsonNode *node = json_array_get_element (batch, i);
          g_array_append_val (items, node);
        }
    }
  else
    {
      JsonNode *node = json_object_get_member (root, "body");
      g_array_append_val (items, node);
    }

  g_assert_cmpuint (d.messages->len, ==, items->len);
  g_assert_cmpuint (items->len, >, 0);

  /* the record */
  g_assert_cmpuint (d.record->message_count, ==, items->len);
  g_assert_cmpint (d.record->received_at, ==, RECEIVED_AT);
  g_assert_cmpuint (d.record->body_size, ==, g_bytes_get_size (wire));
  g_assert_cmpint (d.record->decoded_size, ==, body_len);
  g_assert_cmpstr (d.record->transport->method, ==, "POST");
  g_assert_cmpstr (d.record->transport->path, ==, path);
  g_assert_cmpstr (d.record->transport->route, ==, d.route.canonical);
  g_assert_null (d.record->transport->lane);
  g_assert_cmpstr (d.record->transport->remote_addr, ==, "127.0.0.1");
  g_assert_cmpstr (d.record->transport->user_agent, ==, header (header_object, "user-agent"));
  g_assert_cmpstr (d.record->transport->origin, ==, header (header_object, "origin"));
  g_assert_cmpstr (d.record->transport->content_type, ==, header (header_object, "content-type"));
  g_assert_cmpstr (d.record->transport->content_encoding, ==, encoding);
  assert_json_equal (d.record->headers_json, -1, json_object_get_member (root, "headers"));

  /* every recorded SDK sends Basic auth */
  g_assert_nonnull (authorization);
  expected_key = write_key_from_basic_header (authorization);
  g_assert_cmpstr (d.record->transport->write_key, ==, expected_key);
  g_assert_cmpint (d.record->transport->auth_method, ==, TSC_AUTH_BASIC);
  g_assert_cmpstr (tsc_auth_method_to_string (d.record->transport->auth_method), ==, "basic");
  if (string_member (body, "writeKey") != NULL)
    g_assert_cmpstr (string_member (body, "writeKey"), ==, expected_key);

  for (guint i = 0; i < items->len; i++)
    check_fixture_message (&d, i, g_array_index (items, JsonNode *, i), body, body_text, body_len);

  *n_messages += items->len;
  return TRUE;
}

static void
test_fixture (gconstpointer data)
{
  const FixtureCase *c = data;
  g_autofree char *basename = g_strconcat (c->name, ".jsonl", NULL);
  g_autofree char *filename = g_test_build_filename (G_TEST_DIST, "data", "wire", basename, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  guint n_posts = 0;
  guint n_messages = 0;

  g_file_get_contents (filename, &contents, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0')
        continue;
      if (check_fixture_line (lines[i], i + 1, &n_messages))
        n_posts++;
    }

  g_assert_cmpuint (n_posts, ==, c->n_posts);
  g_assert_cmpuint (n_messages, ==, c->n_messages);
}

/* ------------------------------------------------------------------ */
/* authentication                                                     */

typedef struct
{
  const char *test_path;
  const char *path;
  const char *query;
  const char *headers[MAX_HEADERS];
  const char *body;
  const char *write_key;
  const char *auth_method;
} AuthCase;

#define TRACK_BODY "{\"type\":\"track\",\"event\":\"E\",\"userId\":\"u\"}"

static const AuthCase auth_cases[] = {
  { "basic-with-colon", "/v1/t", NULL,
    { "Authorization", "Basic V0tfQTo=", NULL }, TRACK_BODY, "WK_A", "basic" },
  { "basic-without-colon", "/v1/t", NULL,
    { "Authorization", "Basic V0tfQQ==", NULL }, TRACK_BODY, "WK_A", "basic" },
  { "basic-scheme-and-header-name-ignore-case", "/v1/t", NULL,
    { "authorization", "basic V0tfQTo=", NULL }, TRACK_BODY, "WK_A", "basic" },
  { "basic-utf8-key", "/v1/t", NULL,
    { "Authorization", "Basic Y2Fmw6k6", NULL }, TRACK_BODY, "caf\xc3\xa9", "basic" },
  { "basic-wins-over-body", "/v1/t", NULL,
    { "Authorization", "Basic V0tfSERSOg==", NULL },
    "{\"type\":\"track\",\"event\":\"E\",\"writeKey\":\"WK_BODY\"}", "WK_HDR", "basic" },
  { "basic-wins-over-batch-body", "/v1/b", NULL,
    { "Authorization", "Basic V0tfSERSOg==", NULL },
    "{\"writeKey\":\"WK_BODY\","
    "\"batch\":[{\"type\":\"track\",\"event\":\"E\",\"writeKey\":\"WK_ITEM\"}]}",
    "WK_HDR", "basic" },
  { "bearer-takes-key-from-body", "/v1/t", NULL,
    { "Authorization", "Bearer eyJhbGciOi.token", NULL },
    "{\"type\":\"track\",\"event\":\"E\",\"writeKey\":\"WK_BODY\"}", "WK_BODY", "bearer" },
  { "bearer-without-body-key", "/v1/t", NULL,
    { "Authorization", "Bearer eyJhbGciOi.token", NULL }, TRACK_BODY, NULL, "bearer" },
  { "body-only", "/v1/t", NULL,
    { NULL }, "{\"type\":\"track\",\"event\":\"E\",\"writeKey\":\"WK_BODY\"}", "WK_BODY", "body" },
  { "batch-envelope-key", "/v1/batch", NULL,
    { NULL }, "{\"batch\":[{\"type\":\"track\",\"event\":\"E\"}],\"writeKey\":\"WK_ENV\"}",
    "WK_ENV", "body" },
  { "batch-envelope-key-wins-over-items", "/v1/batch", NULL,
    { NULL },
    "{\"batch\":[{\"type\":\"track\",\"event\":\"E\",\"writeKey\":\"WK_ITEM\"}],"
    "\"writeKey\":\"WK_ENV\"}",
    "WK_ENV", "body" },
  { "batch-item-key", "/v1/batch", NULL,
    { NULL }, "{\"batch\":[{\"type\":\"track\",\"event\":\"E\",\"writeKey\":\"WK_ITEM\"}]}",
    "WK_ITEM", "body" },
  { "query-only", "/v1/t", "writeKey=WK_Q",
    { NULL }, TRACK_BODY, "WK_Q", "query" },
  { "query-among-other-parameters", "/v1/batch", "a=1&writeKey=WK%20Q&b=2",
    { NULL }, "{\"batch\":[{\"type\":\"track\",\"event\":\"E\"}]}", "WK Q", "query" },
  { "query-empty-key-is-none", "/v1/t", "writeKey=",
    { NULL }, TRACK_BODY, NULL, NULL },
  { "none", "/v1/t", NULL,
    { "Content-Type", "text/plain", NULL }, TRACK_BODY, NULL, NULL },
  { "none-empty-body-key", "/v1/t", NULL,
    { NULL }, "{\"type\":\"track\",\"event\":\"E\",\"writeKey\":\"\"}", NULL, NULL },
  { "unknown-scheme-is-none", "/v1/t", NULL,
    { "Authorization", "Digest username=\"x\"", NULL }, TRACK_BODY, NULL, NULL },
};

static void
test_auth_case (gconstpointer data)
{
  const AuthCase *c = data;
  g_autoptr(GBytes) body = g_bytes_new_static (c->body, strlen (c->body));
  g_auto(Decoded) d = { 0 };

  decode (&d, c->path, c->query, c->headers, body, NULL);
  assert_decoded (&d);

  g_assert_cmpstr (d.record->transport->write_key, ==, c->write_key);
  g_assert_cmpstr (tsc_auth_method_to_string (d.record->transport->auth_method), ==,
                   c->auth_method);

  /* every message sees the same transport */
  for (guint i = 0; i < d.messages->len; i++)
    g_assert_true (message_at (&d, i)->transport == d.record->transport);
}

/* ------------------------------------------------------------------ */
/* Content-Encoding                                                   */

typedef enum
{
  WIRE_PLAIN,
  WIRE_GZIP,
  WIRE_ZLIB,
  WIRE_RAW_DEFLATE,
  WIRE_GZIP_CORRUPT,
  WIRE_GZIP_TRUNCATED,
} WireForm;

typedef struct
{
  const char *test_path;
  const char *content_encoding;   /* header value, or NULL for none */
  WireForm    form;
  gsize       bomb_size;          /* > 0: the body is this many spaces */
  gsize       max_body_size;      /* 0: the default */
  const char *transport_encoding;
  int         code;               /* -1: decodes */
  const char *message_part;
} EncodingCase;

#define ENC_BODY \
  "{\"type\":\"track\",\"event\":\"Encoded \\u00e9\",\"userId\":\"u-enc\",\"messageId\":\"m-enc\"}"

static const EncodingCase encoding_cases[] = {
  { "none", NULL, WIRE_PLAIN, 0, 0, NULL, -1, NULL },
  { "identity", "identity", WIRE_PLAIN, 0, 0, NULL, -1, NULL },
  { "gzip", "gzip", WIRE_GZIP, 0, 0, "gzip", -1, NULL },
  { "x-gzip", "x-gzip", WIRE_GZIP, 0, 0, "gzip", -1, NULL },
  { "gzip-any-case-and-space", " GZip ", WIRE_GZIP, 0, 0, "gzip", -1, NULL },
  { "deflate-zlib-wrapped", "deflate", WIRE_ZLIB, 0, 0, "deflate", -1, NULL },
  { "deflate-raw", "deflate", WIRE_RAW_DEFLATE, 0, 0, "deflate", -1, NULL },
  { "unsupported-br", "br", WIRE_PLAIN, 0, 0, "br",
    TSC_WIRE_ERROR_UNSUPPORTED_ENCODING, "\"br\"" },
  { "corrupt-gzip", "gzip", WIRE_GZIP_CORRUPT, 0, 0, "gzip",
    TSC_WIRE_ERROR_BAD_ENCODING, "Content-Encoding: gzip" },
  { "truncated-gzip", "gzip", WIRE_GZIP_TRUNCATED, 0, 0, "gzip",
    TSC_WIRE_ERROR_BAD_ENCODING, "gzip" },
  { "plain-body-marked-gzip", "gzip", WIRE_PLAIN, 0, 0, "gzip",
    TSC_WIRE_ERROR_BAD_ENCODING, "Content-Encoding: gzip" },
  { "plain-body-marked-deflate", "deflate", WIRE_PLAIN, 0, 0, "deflate",
    TSC_WIRE_ERROR_BAD_ENCODING, "deflate" },
  { "gzip-bomb-stops-at-body-limit", "gzip", WIRE_GZIP, 4 * 1024 * 1024, 64 * 1024, "gzip",
    TSC_WIRE_ERROR_BODY_TOO_LARGE, "more than 65536 bytes" },
  { "deflate-bomb-stops-at-body-limit", "deflate", WIRE_ZLIB, 4 * 1024 * 1024, 64 * 1024, "deflate",
    TSC_WIRE_ERROR_BODY_TOO_LARGE, "more than 65536 bytes" },
  { "raw-deflate-bomb-stops-at-body-limit", "deflate", WIRE_RAW_DEFLATE, 4 * 1024 * 1024, 64 * 1024,
    "deflate", TSC_WIRE_ERROR_BODY_TOO_LARGE, "more than 65536 bytes" },
  { "wire-body-over-limit", NULL, WIRE_PLAIN, 0, 16, NULL,
    TSC_WIRE_ERROR_BODY_TOO_LARGE, "the limit is 16" },
};

static void
test_encoding_case (gconstpointer data)
{
  const EncodingCase *c = data;
  g_autofree char *bomb = NULL;
  const char *plain = ENC_BODY;
  gsize plain_len = strlen (ENC_BODY);
  g_autoptr(GBytes) wire = NULL;
  g_auto(Decoded) d = { 0 };
  TscWireLimits limits;
  const char *headers[] = { "Content-Encoding", c->content_encoding, NULL };

  if (c->bomb_size > 0)
    {
      bomb = g_malloc (c->bomb_size);
      memset (bomb, ' ', c->bomb_size);
      plain = bomb;
      plain_len = c->bomb_size;
    }

  switch (c->form)
    {
    case WIRE_PLAIN:
      wire = g_bytes_new (plain, plain_len);
      break;
    case WIRE_GZIP:
      wire = tsc_test_compress (plain, plain_len, G_ZLIB_COMPRESSOR_FORMAT_GZIP);
      break;
    case WIRE_ZLIB:
      wire = tsc_test_compress (plain, plain_len, G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
      break;
    case WIRE_RAW_DEFLATE:
      wire = tsc_test_compress (plain, plain_len, G_ZLIB_COMPRESSOR_FORMAT_RAW);
      break;
    case WIRE_GZIP_CORRUPT:
      {
        g_autoptr(GBytes) gz = tsc_test_compress (plain, plain_len, G_ZLIB_COMPRESSOR_FORMAT_GZIP);
        gsize len;
        guint8 *bytes = g_bytes_unref_to_data (g_steal_pointer (&gz), &len);

        /* keep the 10-byte header, garble the deflate stream */
        g_assert_cmpuint (len, >, 20);
        for (gsize i = 10; i < 16; i++)
          bytes[i] ^= 0xFF;
        wire = g_bytes_new_take (bytes, len);
      }
      break;
    case WIRE_GZIP_TRUNCATED:
      {
        g_autoptr(GBytes) gz = tsc_test_compress (plain, plain_len, G_ZLIB_COMPRESSOR_FORMAT_GZIP);

        wire = g_bytes_new_from_bytes (gz, 0, g_bytes_get_size (gz) / 2);
      }
      break;
    default:
      g_assert_not_reached ();
    }

  tsc_wire_limits_init (&limits);
  if (c->max_body_size > 0)
    limits.max_body_size = c->max_body_size;
  if (c->bomb_size > 0)
    g_assert_cmpuint (g_bytes_get_size (wire), <, limits.max_body_size);

  decode (&d, "/v1/t", NULL, c->content_encoding ? headers : NULL, wire, &limits);

  g_assert_cmpstr (d.record->transport->content_encoding, ==, c->transport_encoding);
  g_assert_cmpuint (d.record->body_size, ==, g_bytes_get_size (wire));

  if (c->code < 0)
    {
      TscMessage *m;

      assert_decoded (&d);
      g_assert_cmpuint (d.messages->len, ==, 1);
      g_assert_cmpint (d.record->decoded_size, ==, plain_len);
      m = message_at (&d, 0);
      g_assert_cmpstr (m->event, ==, "Encoded \xc3\xa9");
      g_assert_cmpstr (m->message_id, ==, "m-enc");
      /* the raw bytes are the decoded bytes, not the wire */
      assert_raw_bytes (m, plain, plain_len);
      return;
    }

  g_assert_error (d.error, TSC_WIRE_ERROR, c->code);
  if (d.error == NULL)
    return;
  assert_message_contains (d.error, c->message_part);
  /* nothing was decoded, so nothing of the body is kept */
  g_assert_cmpint (d.record->decoded_size, ==, -1);
  g_assert_null (d.record->body);
  g_assert_cmpuint (d.record->message_count, ==, 0);
}

/* tsc_wire_decode_body() on its own: the bytes of a decoded body */
static void
test_decode_body_direct (void)
{
  const char *plain = "{\"batch\":[]}";
  g_autoptr(GBytes) gz = tsc_test_compress (plain, strlen (plain), G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  const char *headers[] = { "Content-Encoding", "gzip", NULL };
  TscWireRequest request = { 0 };
  TscWireLimits limits;
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GBytes) empty = NULL;
  g_autoptr(GError) error = NULL;

  tsc_wire_limits_init (&limits);
  g_assert_cmpuint (limits.max_message_size, ==, 32 * 1024);
  g_assert_cmpuint (limits.max_batch_size, ==, 500 * 1024);
  g_assert_cmpuint (limits.max_body_size, ==, 4 * 1024 * 1024);

  request.method = "POST";
  request.path = "/v1/batch";
  request.headers = headers;
  request.body = gz;
  decoded = tsc_wire_decode_body (&request, &limits, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded),
                   plain, strlen (plain));

  request.body = NULL;
  empty = tsc_wire_decode_body (&request, &limits, &error);
  g_assert_no_error (error);
  g_assert_nonnull (empty);
  g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);
}

/* ------------------------------------------------------------------ */
/* envelope shapes                                                    */

#define CONTEXT \
  "{\"library\":{\"name\":\"analytics-go\",\"version\":\"3.0.0\"},\"ip\":\"10.0.0.1\"}"

static void
test_batch_envelope_merged (void)
{
  const char *body =
    "{\"batch\":["
      "{\"type\":\"track\",\"event\":\"A\",\"messageId\":\"m1\","
       "\"timestamp\":\"2026-11-29T04:59:49.500Z\"},"
      "{\"type\":\"identify\",\"userId\":\"u\",\"messageId\":\"m2\","
       "\"timestamp\":\"2026-11-29T04:59:58.000Z\",\"sentAt\":\"2026-11-29T04:59:59.000Z\"}"
    "],"
    "\"context\":" CONTEXT ","
    "\"integrations\":{\"All\":true,\"Salesforce\":false},"
    "\"sentAt\":\"2026-11-29T04:59:50.000Z\"}";
  g_autoptr(JsonNode) context = parse_json (CONTEXT, -1);
  g_autoptr(JsonNode) integrations = parse_json ("{\"All\":true,\"Salesforce\":false}", -1);
  g_auto(Decoded) d = { 0 };
  TscMessage *m;

  decode_text (&d, "/v1/batch", NULL, body);
  assert_decoded (&d);
  g_assert_cmpuint (d.messages->len, ==, 2);

  for (guint i = 0; i < 2; i++)
    {
      m = message_at (&d, i);
      g_assert_cmpint (m->batch_index, ==, (int) i);
      assert_json_equal (m->batch_context, -1, context);
      assert_json_equal (m->batch_integrations, -1, integrations);
    }

  /* the envelope's sentAt stands in for a missing one */
  m = message_at (&d, 0);
  g_assert_cmpint (m->type, ==, TSC_MESSAGE_TYPE_TRACK);
  g_assert_cmpstr (m->sent_at, ==, "2026-11-29T04:59:50.000Z");
  g_assert_cmpint (m->corrected_at, ==, RECEIVED_AT - 500 * MSEC);

  /* an item's own sentAt wins */
  m = message_at (&d, 1);
  g_assert_cmpint (m->type, ==, TSC_MESSAGE_TYPE_IDENTIFY);
  g_assert_cmpstr (m->sent_at, ==, "2026-11-29T04:59:59.000Z");
  g_assert_cmpint (m->corrected_at, ==, RECEIVED_AT - 1 * SEC);

  /* the raw bytes do not include what was merged in */
  for (guint i = 0; i < 2; i++)
    {
      TscMessage *item = message_at (&d, i);
      g_autofree char *raw = g_strndup (g_bytes_get_data (item->raw, NULL),
                                        g_bytes_get_size (item->raw));

      g_assert_null (strstr (raw, "analytics-go"));
      g_assert_null (strstr (raw, "sentAt\":\"2026-11-29T04:59:50"));
    }
}

static void
test_single_route_has_no_envelope (void)
{
  g_auto(Decoded) d = { 0 };
  TscMessage *m;

  /* a "context" of a single message is the message's own, not merged */
  decode_text (&d, "/v1/t", NULL,
               "{\"event\":\"E\",\"context\":{\"ip\":\"1.2.3.4\"},"
               "\"integrations\":{\"All\":false}}");
  assert_decoded (&d);
  m = message_at (&d, 0);
  g_assert_null (m->batch_context);
  g_assert_null (m->batch_integrations);
  g_assert_cmpint (m->batch_index, ==, -1);
}

static void
test_empty_batch (void)
{
  g_auto(Decoded) d = { 0 };

  const char *body = "{\"batch\":[],\"sentAt\":\"2026-11-29T04:59:50.000Z\"}";

  decode_text (&d, "/v1/batch", NULL, body);
  assert_decoded (&d);
  g_assert_nonnull (d.messages);
  g_assert_cmpuint (d.messages->len, ==, 0);
  g_assert_cmpuint (d.record->message_count, ==, 0);
  g_assert_cmpint (d.record->decoded_size, ==, strlen (body));
}

static void
test_message_id_added (void)
{
  g_auto(Decoded) d = { 0 };
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  decode_text (&d, "/v1/batch", NULL,
               "{\"batch\":["
               "{\"type\":\"track\",\"event\":\"no id\"},"
               "{\"type\":\"track\",\"event\":\"empty id\",\"messageId\":\"\"},"
               "{\"type\":\"track\",\"event\":\"null id\",\"messageId\":null},"
               "{\"type\":\"track\",\"event\":\"no id again\"},"
               "{\"type\":\"track\",\"event\":\"own id\",\"messageId\":\"m-own\"},"
               "{\"type\":\"track\",\"event\":\"number id\",\"messageId\":42}"
               "]}");
  assert_decoded (&d);
  g_assert_cmpuint (d.messages->len, ==, 6);

  for (guint i = 0; i < 4; i++)
    {
      TscMessage *m = message_at (&d, i);

      g_test_message ("%s: %s", m->event, m->message_id);
      g_assert_true (m->message_id_added);
      g_assert_true (g_str_has_prefix (m->message_id, "trackscope-"));
      g_assert_true (g_uuid_string_is_valid (m->message_id + strlen ("trackscope-")));
      g_assert_false (g_hash_table_contains (seen, m->message_id));
      g_hash_table_add (seen, m->message_id);
    }

  g_assert_false (message_at (&d, 4)->message_id_added);
  g_assert_cmpstr (message_at (&d, 4)->message_id, ==, "m-own");
  g_assert_false (message_at (&d, 5)->message_id_added);
  g_assert_cmpstr (message_at (&d, 5)->message_id, ==, "42");

  /* and on a single route */
  {
    g_auto(Decoded) single = { 0 };

    decode_text (&single, "/v1/identify", NULL, "{\"userId\":\"u\"}");
    assert_decoded (&single);
    g_assert_true (message_at (&single, 0)->message_id_added);
    g_assert_true (g_str_has_prefix (message_at (&single, 0)->message_id, "trackscope-"));
  }
}

typedef struct
{
  const char *test_path;
  const char *json_value;
  const char *expected;
} IdCase;

static const IdCase id_cases[] = {
  { "string", "\"u-1\"", "u-1" },
  { "string-with-escapes", "\"a\\\"b\\u00e9\"", "a\"b\xc3\xa9" },
  { "empty-string-is-kept", "\"\"", "" },
  { "integer", "123", "123" },
  { "negative-integer", "-7", "-7" },
  { "zero", "0", "0" },
  { "fraction", "12.5", "12.5" },
  { "boolean", "true", "true" },
  { "null-is-absent", "null", NULL },
};

static void
test_id_case (gconstpointer data)
{
  const IdCase *c = data;
  g_autofree char *body = NULL;
  g_auto(Decoded) d = { 0 };
  TscMessage *m;

  body = g_strdup_printf ("{\"userId\":%s,\"anonymousId\":%s,\"previousId\":%s,\"groupId\":%s,"
                          "\"event\":%s,\"name\":%s}",
                          c->json_value, c->json_value, c->json_value, c->json_value,
                          c->json_value, c->json_value);
  decode_text (&d, "/v1/t", NULL, body);
  assert_decoded (&d);
  m = message_at (&d, 0);

  g_assert_cmpstr (m->user_id, ==, c->expected);
  g_assert_cmpstr (m->anonymous_id, ==, c->expected);
  g_assert_cmpstr (m->previous_id, ==, c->expected);
  g_assert_cmpstr (m->group_id, ==, c->expected);
  g_assert_cmpstr (m->event, ==, c->expected);
  g_assert_cmpstr (m->name, ==, c->expected);
}

static void
test_ids_absent (void)
{
  g_auto(Decoded) d = { 0 };
  TscMessage *m;

  decode_text (&d, "/v1/p", NULL, "{}");
  assert_decoded (&d);
  m = message_at (&d, 0);
  g_assert_cmpint (m->type, ==, TSC_MESSAGE_TYPE_PAGE);
  g_assert_null (m->user_id);
  g_assert_null (m->anonymous_id);
  g_assert_null (m->previous_id);
  g_assert_null (m->group_id);
  g_assert_null (m->event);
  g_assert_null (m->name);
  g_assert_null (m->timestamp);
  g_assert_null (m->sent_at);
  g_assert_cmpint (m->corrected_at, ==, RECEIVED_AT);
}

static void
test_batch_item_type (void)
{
  g_auto(Decoded) d = { 0 };

  decode_text (&d, "/v1/batch", NULL,
               "{\"batch\":["
               "{\"event\":\"no type\"},"
               "{\"type\":\"launch\",\"event\":\"odd type\"},"
               "{\"type\":null,\"event\":\"null type\"},"
               "{\"type\":\"screen\",\"name\":\"Home\"},"
               "{\"type\":\"alias\",\"previousId\":\"a\",\"userId\":\"u\"}"
               "]}");
  assert_decoded (&d);
  g_assert_cmpuint (d.messages->len, ==, 5);

  g_assert_cmpint (message_at (&d, 0)->type, ==, TSC_MESSAGE_TYPE_UNKNOWN);
  g_assert_null (message_at (&d, 0)->type_name);
  g_assert_cmpint (message_at (&d, 1)->type, ==, TSC_MESSAGE_TYPE_UNKNOWN);
  g_assert_cmpstr (message_at (&d, 1)->type_name, ==, "launch");
  g_assert_cmpint (message_at (&d, 2)->type, ==, TSC_MESSAGE_TYPE_UNKNOWN);
  g_assert_null (message_at (&d, 2)->type_name);
  g_assert_cmpint (message_at (&d, 3)->type, ==, TSC_MESSAGE_TYPE_SCREEN);
  g_assert_cmpstr (message_at (&d, 3)->type_name, ==, "screen");
  g_assert_cmpint (message_at (&d, 4)->type, ==, TSC_MESSAGE_TYPE_ALIAS);
  g_assert_cmpstr (message_at (&d, 4)->type_name, ==, "alias");
}

typedef struct
{
  const char     *path;
  const char     *body;
  TscMessageType  type;
  const char     *type_name;
} PathTypeCase;

static const PathTypeCase path_type_cases[] = {
  { "/v1/track", "{\"type\":\"identify\",\"event\":\"E\"}", TSC_MESSAGE_TYPE_TRACK, "track" },
  { "/v1/t", "{\"type\":\"page\",\"event\":\"E\"}", TSC_MESSAGE_TYPE_TRACK, "track" },
  { "/v1/i", "{\"type\":\"launch\"}", TSC_MESSAGE_TYPE_IDENTIFY, "identify" },
  { "/v1/a", "{\"previousId\":\"p\",\"userId\":\"u\"}", TSC_MESSAGE_TYPE_ALIAS, "alias" },
  { "/v1/group/", "{\"groupId\":\"g\"}", TSC_MESSAGE_TYPE_GROUP, "group" },
  { "/lane/x/v1/s", "{\"type\":\"track\"}", TSC_MESSAGE_TYPE_SCREEN, "screen" },
};

static void
test_path_type_wins (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (path_type_cases); i++)
    {
      const PathTypeCase *c = &path_type_cases[i];
      g_auto(Decoded) d = { 0 };

      g_test_message ("%s %s", c->path, c->body);
      decode_text (&d, c->path, NULL, c->body);
      assert_decoded (&d);
      g_assert_cmpuint (d.messages->len, ==, 1);
      g_assert_cmpint (message_at (&d, 0)->type, ==, c->type);
      g_assert_cmpstr (message_at (&d, 0)->type_name, ==, c->type_name);
    }
}

typedef struct
{
  const char *test_path;
  const char *timestamp;
  const char *sent_at;
  gint64      corrected;
} TimeCase;

static const TimeCase time_cases[] = {
  { "client-clock-behind", "2026-11-29T04:55:08.540Z", "2026-11-29T04:55:08.567Z",
    RECEIVED_AT - 27 * MSEC },
  /* a client clock an hour ahead: the correction removes it */
  { "client-clock-ahead", "2026-11-29T06:00:00.000Z", "2026-11-29T06:00:01.250Z",
    RECEIVED_AT - 1250 * MSEC },
  { "offsets-are-honoured", "2026-11-29T06:59:59.000+02:00", "2026-11-29T05:00:00.000Z",
    RECEIVED_AT - 1 * SEC },
  { "microseconds-are-kept", "2026-11-29T04:59:59.000001Z", "2026-11-29T04:59:59.000011Z",
    RECEIVED_AT - 10 },
  { "no-sent-at-keeps-timestamp", "2026-11-29T04:55:08.540Z", NULL,
    G_GINT64_CONSTANT (1795928108540000) },
  { "no-timestamp-is-received-at", NULL, "2026-11-29T04:55:08.567Z", RECEIVED_AT },
  { "bad-timestamp-is-received-at", "yesterday", "2026-11-29T04:55:08.567Z", RECEIVED_AT },
  { "bad-sent-at-keeps-timestamp", "2026-11-29T04:55:08.540Z", "soon",
    G_GINT64_CONSTANT (1795928108540000) },
};

static void
test_time_case (gconstpointer data)
{
  const TimeCase *c = data;
  g_autoptr(GString) body = g_string_new ("{\"event\":\"E\"");
  g_auto(Decoded) d = { 0 };
  TscMessage *m;

  if (c->timestamp)
    g_string_append_printf (body, ",\"timestamp\":\"%s\"", c->timestamp);
  if (c->sent_at)
    g_string_append_printf (body, ",\"sentAt\":\"%s\"", c->sent_at);
  g_string_append_c (body, '}');

  decode_text (&d, "/v1/t", NULL, body->str);
  assert_decoded (&d);
  m = message_at (&d, 0);
  g_assert_cmpstr (m->timestamp, ==, c->timestamp);
  g_assert_cmpstr (m->sent_at, ==, c->sent_at);
  g_assert_cmpint (m->received_at, ==, RECEIVED_AT);
  g_assert_cmpint (m->corrected_at, ==, c->corrected);
}

/* rudder-sdk-node sends the client time as originalTimestamp and no
 * timestamp (protocol.md §2.1, §2.5; tests/data/wire/server-libs.jsonl). */
static void
test_original_timestamp (void)
{
  g_auto(Decoded) d = { 0 };

  decode_text (&d, "/v1/batch", NULL,
               "{\"batch\":[{\"userId\":\"u3\",\"type\":\"track\",\"event\":\"Signed Out\","
               "\"originalTimestamp\":\"2026-11-29T04:59:58.000Z\","
               "\"messageId\":\"66b1594a\",\"sentAt\":\"2026-11-29T04:59:59.500Z\"}],"
               "\"timestamp\":\"2026-11-29T04:59:59.500Z\","
               "\"sentAt\":\"2026-11-29T04:59:59.500Z\"}");
  assert_decoded (&d);
  g_assert_cmpint (message_at (&d, 0)->corrected_at, ==, RECEIVED_AT - 1500 * MSEC);
}

#define PAGE_ITEM \
  "{\"type\":\"page\",\"name\":\"\xe6\x97\xa5\xe6\x9c\xac\"," \
  "\"properties\":{\"a\":[1,{\"b\":null}]}}"

static void
test_raw_bytes_verbatim (void)
{
  const char *single =
    "\xEF\xBB\xBF \n {\"event\" : \"Caf\xc3\xa9\",\n \"p\":{\"q\":\"\\u00e9 \\\"}\"}}\r\n ";
  const char *single_raw = "{\"event\" : \"Caf\xc3\xa9\",\n \"p\":{\"q\":\"\\u00e9 \\\"}\"}}";
  const char *batch =
    "{ \"sentAt\" : \"2026-11-29T04:59:50.000Z\" ,\n"
    "  \"batch\" : [\n"
    "    { \"type\" : \"track\", \"event\" : \"]}\\\"\" } ,\n"
    "    " PAGE_ITEM "\n"
    "  ] ,\n"
    "  \"context\" : { \"x\" : 1 } }";
  const char *batch_raw[] = {
    "{ \"type\" : \"track\", \"event\" : \"]}\\\"\" }",
    PAGE_ITEM,
  };

  {
    g_auto(Decoded) d = { 0 };
    TscMessage *m;

    decode_text (&d, "/v1/t", NULL, single);
    assert_decoded (&d);
    m = message_at (&d, 0);
    g_assert_cmpstr (m->event, ==, "Caf\xc3\xa9");
    assert_raw_bytes (m, single_raw, strlen (single_raw));
  }

  {
    g_auto(Decoded) d = { 0 };

    decode_text (&d, "/v1/batch", NULL, batch);
    assert_decoded (&d);
    g_assert_cmpuint (d.messages->len, ==, 2);
    for (guint i = 0; i < 2; i++)
      assert_raw_bytes (message_at (&d, i), batch_raw[i], strlen (batch_raw[i]));
    g_assert_cmpstr (message_at (&d, 0)->event, ==, "]}\"");
    g_assert_cmpstr (message_at (&d, 1)->name, ==, "\xe6\x97\xa5\xe6\x9c\xac");
  }

  /* gzip: the raw bytes are slices of the decoded body */
  {
    g_autoptr(GBytes) gz = tsc_test_compress (batch, strlen (batch),
                                              G_ZLIB_COMPRESSOR_FORMAT_GZIP);
    const char *headers[] = { "Content-Encoding", "gzip", NULL };
    g_auto(Decoded) d = { 0 };

    decode (&d, "/v1/batch", NULL, headers, gz, NULL);
    assert_decoded (&d);
    g_assert_cmpuint (d.messages->len, ==, 2);
    for (guint i = 0; i < 2; i++)
      assert_raw_bytes (message_at (&d, i), batch_raw[i], strlen (batch_raw[i]));
  }
}

/* A member name spelled with an escape defeats the span scanner; the
 * items are still decoded, with re-serialised raw bytes. */
static void
test_escaped_batch_member_name (void)
{
  g_auto(Decoded) d = { 0 };
  g_autoptr(JsonNode) item = parse_json ("{\"type\":\"track\",\"event\":\"E\"}", -1);
  TscMessage *m;

  decode_text (&d, "/v1/batch", NULL, "{\"b\\u0061tch\":[{\"type\":\"track\",\"event\":\"E\"}]}");
  assert_decoded (&d);
  g_assert_cmpuint (d.messages->len, ==, 1);
  m = message_at (&d, 0);
  g_assert_cmpstr (m->event, ==, "E");
  assert_json_equal (g_bytes_get_data (m->raw, NULL), g_bytes_get_size (m->raw), item);
}

/* json-glib keeps the last of two members with one name; the raw bytes
 * must come from the same "batch" as the fields. */
static void
test_duplicate_batch_member (void)
{
  g_auto(Decoded) d = { 0 };
  g_autoptr(JsonNode) raw_node = NULL;
  JsonObject *raw_object;
  TscMessage *m;

  decode_text (&d, "/v1/batch", NULL,
               "{\"batch\":[{\"type\":\"track\",\"event\":\"First\",\"messageId\":\"m-1\"}],"
               "\"batch\":[{\"type\":\"track\",\"event\":\"Second\",\"messageId\":\"m-2\"}]}");
  assert_decoded (&d);
  g_assert_cmpuint (d.messages->len, ==, 1);
  m = message_at (&d, 0);

  raw_node = parse_json (g_bytes_get_data (m->raw, NULL), g_bytes_get_size (m->raw));
  raw_object = json_node_get_object (raw_node);
  g_assert_cmpstr (json_object_get_string_member (raw_object, "event"), ==, m->event);
  g_assert_cmpstr (json_object_get_string_member (raw_object, "messageId"), ==, m->message_id);
}

static void
test_record_transport_facts (void)
{
  const char *headers[] = {
    "Host", "127.0.0.1:8765",
    "User-Agent", "analytics-kotlin/1.16",
    "Origin", "http://localhost:3000",
    "Content-Type", "text/plain",
    "X-Retry-Count", "2",
    NULL,
  };
  g_autoptr(JsonNode) expected_headers = parse_json (
    "{\"Host\":\"127.0.0.1:8765\",\"User-Agent\":\"analytics-kotlin/1.16\","
    "\"Origin\":\"http://localhost:3000\",\"Content-Type\":\"text/plain\","
    "\"X-Retry-Count\":\"2\"}", -1);
  const char *body = "{\"batch\":[{\"type\":\"track\",\"event\":\"E\"}]}";
  g_auto(Decoded) d = { 0 };
  TscTransport *t;

  decode_text (&d, "/lane/android-7/v1/b/", headers, body);
  assert_decoded (&d);

  g_assert_cmpint (d.record->id, ==, 0);
  g_assert_cmpint (d.record->received_at, ==, RECEIVED_AT);
  g_assert_cmpuint (d.record->body_size, ==, strlen (body));
  g_assert_cmpuint (d.record->status, ==, 0);
  g_assert_null (d.record->error_code);
  assert_json_equal (d.record->headers_json, -1, expected_headers);

  t = d.record->transport;
  g_assert_cmpstr (t->method, ==, "POST");
  g_assert_cmpstr (t->path, ==, "/lane/android-7/v1/b/");
  g_assert_cmpstr (t->route, ==, "/v1/b");
  g_assert_cmpstr (t->lane, ==, "android-7");
  g_assert_cmpstr (t->remote_addr, ==, "127.0.0.1");
  g_assert_cmpstr (t->user_agent, ==, "analytics-kotlin/1.16");
  g_assert_cmpstr (t->origin, ==, "http://localhost:3000");
  g_assert_cmpstr (t->content_type, ==, "text/plain");
  g_assert_null (t->content_encoding);
  g_assert_null (t->write_key);
  g_assert_cmpint (t->auth_method, ==, TSC_AUTH_NONE);
  g_assert_true (message_at (&d, 0)->transport == t);
}

static void
test_request_header_lookup (void)
{
  const char *headers[] = { "Content-Type", "text/plain", "X-A", "1", "x-a", "2", NULL };
  TscWireRequest request = { 0 };

  request.headers = headers;
  g_assert_cmpstr (tsc_wire_request_header (&request, "content-type"), ==, "text/plain");
  g_assert_cmpstr (tsc_wire_request_header (&request, "CONTENT-TYPE"), ==, "text/plain");
  g_assert_cmpstr (tsc_wire_request_header (&request, "X-A"), ==, "1");
  g_assert_null (tsc_wire_request_header (&request, "Authorization"));

  request.headers = NULL;
  g_assert_null (tsc_wire_request_header (&request, "Content-Type"));
}

/* ------------------------------------------------------------------ */
/* errors                                                             */

typedef struct
{
  int         code;
  const char *wire_code;
  guint       status;
} ErrorTableCase;

static const ErrorTableCase error_table_cases[] = {
  { TSC_WIRE_ERROR_INVALID_JSON, "invalid_json", 400 },
  { TSC_WIRE_ERROR_INVALID_BATCH, "invalid_batch", 400 },
  { TSC_WIRE_ERROR_MESSAGE_TOO_LARGE, "message_too_large", 400 },
  { TSC_WIRE_ERROR_BATCH_TOO_LARGE, "batch_too_large", 400 },
  { TSC_WIRE_ERROR_BODY_TOO_LARGE, "payload_too_large", 413 },
  { TSC_WIRE_ERROR_BAD_ENCODING, "bad_content_encoding", 400 },
  { TSC_WIRE_ERROR_UNSUPPORTED_ENCODING, "unsupported_content_encoding", 415 },
};

/* The wire code and HTTP status error_table_cases gives @code. */
static const ErrorTableCase *
error_table_case (int code)
{
  const ErrorTableCase *found = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (error_table_cases); i++)
    {
      if (error_table_cases[i].code == code)
        found = &error_table_cases[i];
    }
  g_assert_nonnull (found);
  return found;
}

typedef struct
{
  const char *test_path;
  const char *path;
  const char *body;         /* with one %s when pad_to > 0 */
  gsize       pad_to;       /* the body is padded to exactly this size */
  gboolean    gzip;
  int         code;         /* its wire code and status: error_table_cases */
  const char *parts[3];
} ErrorCase;

#define BIG_ITEM "{\"type\":\"track\",\"event\":\"E\",\"properties\":{\"pad\":\"%s\"}}"

static const ErrorCase error_cases[] = {
  { "invalid-json-names-line-and-column", "/v1/t", "{\"type\":\"track\",\n  \"event\": }", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_JSON, { "line 2, column 12", "unexpected character" } },
  { "invalid-json-gzipped", "/v1/batch", "{\"batch\":[\n{\"type\":\"track\"},\n{]}", 0, TRUE,
    TSC_WIRE_ERROR_INVALID_JSON, { "line 3, column " } },
  { "invalid-json-trailing-garbage", "/v1/t", "{\"event\":\"E\"} x", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_JSON, { "line 1, column 15" } },
  { "invalid-utf8-names-offset", "/v1/t", "{\"event\":\"\xff\"}", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_JSON, { "UTF-8", "offset 10" } },
  { "empty-body", "/v1/t", "", 0, FALSE, TSC_WIRE_ERROR_INVALID_JSON, { "empty" } },
  { "empty-batch-body", "/v1/batch", "", 0, FALSE, TSC_WIRE_ERROR_INVALID_JSON, { "empty" } },
  { "whitespace-body", "/v1/t", " \r\n ", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_JSON, { "JSON object" } },
  { "body-is-array", "/v1/t", "[{\"type\":\"track\",\"event\":\"E\"}]", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_JSON, { "must be a JSON object" } },
  { "batch-body-is-array", "/v1/batch", "[{\"type\":\"track\",\"event\":\"E\"}]", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_JSON, { "must be a JSON object" } },
  { "body-is-string", "/v1/t", "\"track\"", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_JSON, { "must be a JSON object" } },
  { "batch-member-missing", "/v1/batch", "{\"type\":\"track\",\"event\":\"E\"}", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_BATCH, { "no \"batch\" array" } },
  { "batch-member-is-object", "/v1/b", "{\"batch\":{\"type\":\"track\"}}", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_BATCH, { "\"batch\" member is an object" } },
  { "batch-member-is-null", "/v1/import", "{\"batch\":null}", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_BATCH, { "\"batch\" member is null" } },
  { "batch-member-is-string", "/v1/batch", "{\"batch\":\"[]\"}", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_BATCH, { "\"batch\" member is a string" } },
  { "batch-item-not-object-names-index", "/v1/batch",
    "{\"batch\":[{\"type\":\"track\",\"event\":\"E\"},{\"type\":\"page\"},\"oops\"]}", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_BATCH, { "batch[2]", "a string" } },
  { "batch-item-array-names-index", "/v1/batch", "{\"batch\":[[]]}", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_BATCH, { "batch[0]", "an array" } },
  { "batch-item-number-names-index", "/v1/batch", "{\"batch\":[{},7]}", 0, FALSE,
    TSC_WIRE_ERROR_INVALID_BATCH, { "batch[1]", "a number" } },
  { "single-message-over-32k", "/v1/t", BIG_ITEM, 32 * 1024 + 1, FALSE,
    TSC_WIRE_ERROR_MESSAGE_TOO_LARGE, { "has 32769 bytes", "at most 32768" } },
  { "single-message-over-32k-after-gunzip", "/v1/track", BIG_ITEM, 40000, TRUE,
    TSC_WIRE_ERROR_MESSAGE_TOO_LARGE, { "has 40000 bytes", "at most 32768" } },
  { "batch-over-500k", "/v1/batch", "{\"batch\":[],\"pad\":\"%s\"}", 500 * 1024 + 1, FALSE,
    TSC_WIRE_ERROR_BATCH_TOO_LARGE, { "has 512001 bytes", "at most 512000" } },
  { "batch-over-500k-after-gunzip", "/v1/b", "{\"batch\":[],\"pad\":\"%s\"}", 600000, TRUE,
    TSC_WIRE_ERROR_BATCH_TOO_LARGE, { "has 600000 bytes" } },
  { "batch-item-over-32k-names-index", "/v1/batch",
    "{\"batch\":[{\"type\":\"track\",\"event\":\"small\"},"
    "{\"type\":\"track\",\"event\":\"E\",\"properties\":{\"pad\":\"%s\"}}]}", 40000, FALSE,
    TSC_WIRE_ERROR_MESSAGE_TOO_LARGE, { "batch[1]", "at most 32768" } },
};

static char *
build_body (const char *format,
            gsize       pad_to)
{
  g_autofree char *pad = NULL;
  g_autofree char *head = NULL;
  const char *hole;
  gsize fixed;
  char *body;

  if (pad_to == 0)
    return g_strdup (format);

  hole = strstr (format, "%s");
  g_assert_nonnull (hole);
  fixed = strlen (format) - strlen ("%s");
  g_assert_cmpuint (pad_to, >, fixed);
  pad = g_strnfill (pad_to - fixed, 'x');
  head = g_strndup (format, hole - format);
  body = g_strconcat (head, pad, hole + strlen ("%s"), NULL);
  g_assert_cmpuint (strlen (body), ==, pad_to);
  return body;
}

static void
test_error_case (gconstpointer data)
{
  const ErrorCase *c = data;
  const ErrorTableCase *expected = error_table_case (c->code);
  g_autofree char *text = build_body (c->body, c->pad_to);
  gsize len = strlen (text);
  g_autoptr(GBytes) wire = NULL;
  g_auto(Decoded) d = { 0 };
  const char *gzip_headers[] = { "Content-Encoding", "gzip", NULL };

  if (c->gzip)
    wire = tsc_test_compress (text, len, G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  else
    wire = g_bytes_new (text, len);

  decode (&d, c->path, NULL, c->gzip ? gzip_headers : NULL, wire, NULL);

  g_assert_null (d.messages);
  g_assert_error (d.error, TSC_WIRE_ERROR, c->code);
  if (d.error == NULL)
    return;
  g_test_message ("error: %s", d.error->message);
  for (guint i = 0; i < G_N_ELEMENTS (c->parts) && c->parts[i]; i++)
    assert_message_contains (d.error, c->parts[i]);

  g_assert_cmpstr (tsc_wire_error_code (d.error), ==, expected->wire_code);
  g_assert_cmpuint (tsc_wire_error_status (d.error), ==, expected->status);

  /* a rejected request keeps its decoded body, so the user sees what was sent */
  g_assert_cmpint (d.record->decoded_size, ==, len);
  g_assert_nonnull (d.record->body);
  if (d.record->body != NULL)
    g_assert_cmpmem (g_bytes_get_data (d.record->body, NULL), g_bytes_get_size (d.record->body),
                     text, len);
  g_assert_false (d.record->body_truncated);
  g_assert_cmpuint (d.record->body_size, ==, g_bytes_get_size (wire));
  g_assert_cmpuint (d.record->message_count, ==, 0);
}

/* Just inside the limits is accepted. */
static void
test_limits_are_inclusive (void)
{
  {
    g_autofree char *text = build_body (BIG_ITEM, 32 * 1024);
    g_auto(Decoded) d = { 0 };

    decode_text (&d, "/v1/t", NULL, text);
    assert_decoded (&d);
    g_assert_cmpuint (d.messages->len, ==, 1);
    g_assert_cmpuint (g_bytes_get_size (message_at (&d, 0)->raw), ==, 32 * 1024);
  }

  {
    /* 15 items of exactly 32 KB, the rest in padding: 512000 bytes */
    g_autoptr(GString) body = g_string_new ("{\"batch\":[");
    g_autofree char *item = build_body (BIG_ITEM, 32 * 1024);
    g_autofree char *tail = NULL;
    g_auto(Decoded) d = { 0 };

    for (guint i = 0; i < 14; i++)
      {
        g_string_append (body, item);
        g_string_append_c (body, ',');
      }
    g_string_append (body, item);
    g_string_append (body, "],\"pad\":\"");
    g_assert_cmpuint (body->len + 2, <, 500 * 1024);
    tail = g_strnfill (500 * 1024 - body->len - 2, 'x');
    g_string_append (body, tail);
    g_string_append (body, "\"}");
    g_assert_cmpuint (body->len, ==, 500 * 1024);

    decode_text (&d, "/v1/batch", NULL, body->str);
    assert_decoded (&d);
    g_assert_cmpuint (d.messages->len, ==, 15);
    for (guint i = 0; i < 15; i++)
      g_assert_cmpuint (g_bytes_get_size (message_at (&d, i)->raw), ==, 32 * 1024);
  }
}

static void
test_error_table (void)
{
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");
  g_autoptr(GError) unknown = g_error_new_literal (TSC_WIRE_ERROR, 999, "x");

  for (guint i = 0; i < G_N_ELEMENTS (error_table_cases); i++)
    {
      g_autoptr(GError) error = NULL;

      error = g_error_new_literal (TSC_WIRE_ERROR, error_table_cases[i].code, "x");

      g_assert_cmpstr (tsc_wire_error_code (error), ==, error_table_cases[i].wire_code);
      g_assert_cmpuint (tsc_wire_error_status (error), ==, error_table_cases[i].status);
    }

  g_assert_cmpstr (tsc_wire_error_code (other), ==, "internal_error");
  g_assert_cmpuint (tsc_wire_error_status (other), ==, 500);
  g_assert_cmpstr (tsc_wire_error_code (unknown), ==, "internal_error");
  g_assert_cmpuint (tsc_wire_error_status (unknown), ==, 500);
}

/* ------------------------------------------------------------------ */
/* time helpers                                                       */

typedef struct
{
  const char *text;
  gint64      usec;
  const char *formatted;
} TimeTextCase;

static const TimeTextCase time_text_cases[] = {
  { "2026-11-29T04:55:08.540Z", G_GINT64_CONSTANT (1795928108540000), "2026-11-29T04:55:08.540Z" },
  { "2026-11-29T06:55:08.540+02:00", G_GINT64_CONSTANT (1795928108540000),
    "2026-11-29T04:55:08.540Z" },
  { "1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00.000Z" },
  { "1969-12-31T23:59:59.999Z", -1000, "1969-12-31T23:59:59.999Z" },
  { "2026-11-29T04:55:08.5409Z", G_GINT64_CONSTANT (1795928108540900), "2026-11-29T04:55:08.540Z" },
  { "not a time", G_MININT64, NULL },
  { "2026-13-01T00:00:00Z", G_MININT64, NULL },
  { "", G_MININT64, NULL },
  { NULL, G_MININT64, NULL },
};

static void
test_time_text (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (time_text_cases); i++)
    {
      const TimeTextCase *c = &time_text_cases[i];

      g_test_message ("time %s", c->text ? c->text : "(null)");
      g_assert_cmpint (tsc_wire_parse_time (c->text), ==, c->usec);
      if (c->formatted)
        {
          g_autofree char *formatted = tsc_wire_format_time (c->usec);
          g_assert_cmpstr (formatted, ==, c->formatted);
        }
    }
}

/* Adds one test for each of @cases, named @prefix followed by its @name. */
#define ADD_CASES(prefix, cases, name, func) \
  G_STMT_START { \
    for (guint i_ = 0; i_ < G_N_ELEMENTS (cases); i_++) \
      { \
        g_autofree char *path_ = g_strconcat ((prefix), (cases)[i_].name, NULL); \
        g_test_add_data_func (path_, &(cases)[i_], (func)); \
      } \
  } G_STMT_END

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* One wrong case must not hide the verdict on the others. */
  g_test_set_nonfatal_assertions ();

  ADD_CASES ("/wire/recorded-sdk/", fixture_cases, name, test_fixture);

  ADD_CASES ("/wire/auth/", auth_cases, test_path, test_auth_case);

  ADD_CASES ("/wire/encoding/", encoding_cases, test_path, test_encoding_case);
  g_test_add_func ("/wire/encoding/decode-body-returns-plain-bytes", test_decode_body_direct);

  g_test_add_func ("/wire/envelope/batch-context-integrations-sent-at-merged",
                   test_batch_envelope_merged);
  g_test_add_func ("/wire/envelope/single-message-has-no-envelope",
                   test_single_route_has_no_envelope);
  g_test_add_func ("/wire/envelope/empty-batch-is-no-messages", test_empty_batch);
  g_test_add_func ("/wire/envelope/missing-message-id-is-added", test_message_id_added);
  ADD_CASES ("/wire/envelope/ids-as-strings/", id_cases, test_path, test_id_case);
  g_test_add_func ("/wire/envelope/ids-as-strings/absent", test_ids_absent);
  g_test_add_func ("/wire/envelope/batch-item-type-from-body", test_batch_item_type);
  g_test_add_func ("/wire/envelope/path-type-wins-over-body-type", test_path_type_wins);
  ADD_CASES ("/wire/envelope/corrected-time/", time_cases, test_path, test_time_case);
  g_test_add_func ("/wire/envelope/original-timestamp-is-the-client-time", test_original_timestamp);
  g_test_add_func ("/wire/envelope/raw-bytes-are-verbatim", test_raw_bytes_verbatim);
  g_test_add_func ("/wire/envelope/escaped-batch-member-name", test_escaped_batch_member_name);
  g_test_add_func ("/wire/envelope/duplicate-batch-member-raw-matches-fields",
                   test_duplicate_batch_member);

  g_test_add_func ("/wire/record/transport-facts", test_record_transport_facts);
  g_test_add_func ("/wire/record/header-lookup-ignores-case", test_request_header_lookup);

  ADD_CASES ("/wire/error/", error_cases, test_path, test_error_case);
  g_test_add_func ("/wire/error/limits-are-inclusive", test_limits_are_inclusive);
  g_test_add_func ("/wire/error/codes-and-statuses", test_error_table);

  g_test_add_func ("/wire/time/parse-and-format", test_time_text);

  return g_test_run ();
}
