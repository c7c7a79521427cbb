/* test-export.c: writing sessions as NDJSON, JSON and HAR, with redaction
 *
 * The sessions are made in a temporary folder through the real store,
 * from request bodies decoded by the wire decoder the way the collector
 * decodes them: a batch with an envelope context and sentAt, a call whose
 * messageId the collector added, a gzip batch with the write key in the
 * body, a lane with a line break in its body, and a rejected request.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-export"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tsc-export.h"
#include "tsc-identity-model.h"
#include "tsc-redact.h"
#include "tsc-route.h"
#include "tsc-session-store.h"
#include "tsc-test-util.h"
#include "tsc-wire.h"

#define COLLECTOR    "http://127.0.0.1:8765"
#define REMOTE_ADDR  "192.0.2.7"
#define TEST_KEY     "test-key"

/* ------------------------------------------------------------------ */
/* The session                                                          */

typedef struct
{
  const char *path;
  const char *authorization;  /* or NULL */
  gboolean    gzip;
  const char *received_at;
  const char *body;
} Post;

static const Post posts[] = {
  { "/v1/batch", "Basic V0sxOg==" /* WK1: */, FALSE, "2024-05-01T10:00:03.100Z",
    "{\"batch\":["
    "{\"type\":\"identify\",\"userId\":\"userA\",\"anonymousId\":\"anon1\",\"messageId\":\"m1\","
    "\"timestamp\":\"2024-05-01T10:00:00.000Z\",\"traits\":{\"email\":\"ann@example.com\","
    "\"plan\":\"pro\",\"address\":{\"city\":\"Paris\", \"zip\":\"75001\"},\"verified\":true,"
    "\"phone\":null}},"
    "{\"type\":\"identify\",\"userId\":\"userB\",\"anonymousId\":\"anon1\",\"messageId\":\"m2\","
    "\"timestamp\":\"2024-05-01T10:00:01.000Z\",\"traits\":{\"Email\":\"ann@example.com\"}},"
    "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"userB\","
    "\"anonymousId\":\"anon1\",\"messageId\":\"m3\",\"timestamp\":\"2024-05-01T10:00:02.000Z\","
    "\"properties\":{\"total\":10,\"items\":[{\"sku\":\"a1\",\"name\":\"Lamp\"}],"
    "\"shipping\":{\"address\":{\"street\":\"1 Rue\"}}}}"
    "],\"context\":{\"ip\":\"198.51.100.4\",\"traits\":{\"phone\":\"+33 1 23\"},"
    "\"library\":{\"name\":\"analytics.js\"}},\"integrations\":{\"All\":true},"
    "\"sentAt\":\"2024-05-01T10:00:03.000Z\"}" },
  /* No messageId: the collector adds one. */
  { "/v1/track", NULL, FALSE, "2024-05-01T10:00:04.100Z",
    "{\"event\":\"Signed Up\",\"anonymousId\":\"anon2\",\"timestamp\":\"2024-05-01T10:00:04.000Z\","
    "\"properties\":{\"plan\":\"pro\"}}" },
  /* Compressed, the write key in the body; nothing in it to redact. */
  { "/v1/batch", NULL, TRUE, "2024-05-01T10:00:05.100Z",
    "{\"batch\":[{\"type\":\"page\",\"name\":\"Pricing\",\"anonymousId\":\"anon3\","
    "\"messageId\":\"m4\",\"timestamp\":\"2024-05-01T10:00:05.000Z\","
    "\"properties\":{\"title\":\"Pricing\"}}],"
    "\"writeKey\":\"WK2\",\"sentAt\":\"2024-05-01T10:00:05.050Z\"}" },
  /* A lane, and a body written over two lines. */
  { "/lane/web/v1/identify", NULL, FALSE, "2024-05-01T10:00:06.100Z",
    "{\"userId\":\"userC\",\"anonymousId\":\"anon4\",\n\"messageId\":\"m5\","
    "\"timestamp\":\"2024-05-01T10:00:06.000Z\",\"traits\":{\"plan\":\"free\"}}" },
  /* Rejected. */
  { "/v1/track", NULL, FALSE, "2024-05-01T10:00:07.100Z", "{\"type\":\"track\", oops}" },
};

#define N_MESSAGES 6
#define N_REQUESTS G_N_ELEMENTS (posts)

/* Decodes @body as the collector does and stores the request. */
static void
store_post (TscSessionStore *store,
            const char      *path,
            const char      *authorization,
            gboolean         gzip,
            const char      *body,
            gint64           received_at)
{
  g_autoptr(GBytes) wire = NULL;
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();

  if (gzip)
    wire = tsc_test_compress (body, strlen (body), G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  else
    wire = g_bytes_new (body, strlen (body));

  g_ptr_array_add (headers, (gpointer) "Content-Type");
  g_ptr_array_add (headers, (gpointer) "application/json");
  g_ptr_array_add (headers, (gpointer) "User-Agent");
  g_ptr_array_add (headers, (gpointer) "test-export/1.0");
  if (authorization != NULL)
    {
      g_ptr_array_add (headers, (gpointer) "Authorization");
      g_ptr_array_add (headers, (gpointer) authorization);
    }
  if (gzip)
    {
      g_ptr_array_add (headers, (gpointer) "Content-Encoding");
      g_ptr_array_add (headers, (gpointer) "gzip");
    }
  g_ptr_array_add (headers, NULL);

  tsc_test_store_post (store, path, (const char * const *) headers->pdata, REMOTE_ADDR, wire,
                       received_at, 0);
}

static char *
make_session (const char *dir)
{
  char *path = g_build_filename (dir, "flow.trackscope", NULL);
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  TscUpstreamOutcome upstream = { TSC_UPSTREAM_DONE, 200, 2, NULL,
                                  tsc_wire_parse_time ("2024-05-01T10:00:03.500Z") };

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < N_REQUESTS; i++)
    store_post (store, posts[i].path, posts[i].authorization, posts[i].gzip, posts[i].body,
                tsc_wire_parse_time (posts[i].received_at));

  g_assert_true (tsc_session_store_set_info (store, "collector", COLLECTOR, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_set_upstream (store, 1, &upstream, &error));
  g_assert_no_error (error);

  return path;
}

/* ------------------------------------------------------------------ */
/* Exporting                                                            */

static TscRedactor *
new_redactor (const char *key)
{
  g_autoptr(GBytes) bytes = g_bytes_new (key, strlen (key));

  return tsc_redactor_new (NULL, bytes);
}

static char *
export_session (const char      *path,
                TscExportFormat  format,
                TscRedactor     *redactor)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  TscExportOptions options = { 0 };
  guint64 n = 0;

  options.format = format;
  options.redactor = redactor;

  g_assert_true (tsc_export_session (path, &options, out, NULL, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, N_MESSAGES);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));

  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static GStrv
ndjson_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);

  /* Every line ends with a newline: the last piece is empty. */
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpstr (lines[n - 1], ==, "");
  g_clear_pointer (&lines[n - 1], g_free);
  return g_steal_pointer (&lines);
}

/* The member at @path ("a.b.0.c") of @node, or NULL. */
static JsonNode *
member_at (JsonNode   *node,
           const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; parts[i] != NULL && node != NULL; i++)
    {
      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), parts[i]);
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          guint index = (guint) g_ascii_strtoull (parts[i], NULL, 10);

          node = index < json_array_get_length (array) ? json_array_get_element (array, index)
                                                       : NULL;
        }
      else
        node = NULL;
    }

  return node;
}

/* The member at @path of @node, which must be a value of @type (@what
 * names it in the failure). */
static JsonNode *
value_at (JsonNode   *node,
          const char *path,
          GType       type,
          const char *what)
{
  JsonNode *member = member_at (node, path);

  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != type)
    g_error ("%s is not %s", path, what);
  return member;
}

static const char *
string_at (JsonNode   *node,
           const char *path)
{
  return json_node_get_string (value_at (node, path, G_TYPE_STRING, "a string"));
}

static gint64
int_at (JsonNode   *node,
        const char *path)
{
  return json_node_get_int (value_at (node, path, G_TYPE_INT64, "an integer"));
}

static guint
length_at (JsonNode   *node,
           const char *path)
{
  JsonNode *member = member_at (node, path);

  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    g_error ("%s is not an array", path);
  return json_array_get_length (json_node_get_array (member));
}

/* The raw bytes an NDJSON line holds: the line without its
 * `,"_trackscope":{…}` member, with the line breaks it lists put back. */
static GBytes *
raw_of_line (const char *line)
{
  const char *member = g_strrstr (line, ",\"_trackscope\":");
  g_autoptr(JsonNode) root = tsc_test_parse_json (line);
  JsonNode *breaks = member_at (root, "_trackscope.rawLineBreaks");
  GString *raw;

  g_assert_nonnull (member);
  raw = g_string_new_len (line, member - line);
  g_string_append_c (raw, '}');

  for (guint i = 0; breaks != NULL && i < json_array_get_length (json_node_get_array (breaks)); i++)
    {
      gint64 offset = json_array_get_int_element (json_node_get_array (breaks), i);

      g_assert_cmpint (offset, <, (gint64) raw->len);
      g_assert_cmpint (raw->str[offset], ==, ' ');
      raw->str[offset] = '\n';
    }

  return g_string_free_to_bytes (raw);
}

static void
assert_bytes_equal (GBytes *a,
                    GBytes *b)
{
  gsize a_len;
  gsize b_len;
  const char *a_data = g_bytes_get_data (a, &a_len);
  const char *b_data = g_bytes_get_data (b, &b_len);

  g_assert_cmpmem (a_data, a_len, b_data, b_len);
}

/* ------------------------------------------------------------------ */
/* NDJSON                                                               */

static void
test_ndjson_lines_are_the_raw_messages (TscTestTmpDir *t,
                                        gconstpointer  data)
{
  g_autofree char *path = make_session (t->dir);
  g_autofree char *text = export_session (path, TSC_EXPORT_NDJSON, NULL);
  g_autoptr(GPtrArray) messages = tsc_test_load_messages (path);
  g_auto(GStrv) lines = ndjson_lines (text);

  g_assert_cmpuint (messages->len, ==, N_MESSAGES);
  g_assert_cmpuint (g_strv_length (lines), ==, N_MESSAGES);

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      TscMessage *m = g_ptr_array_index (messages, i);
      g_autoptr(JsonNode) root = tsc_test_parse_json (lines[i]);
      g_autoptr(GBytes) raw = raw_of_line (lines[i]);

      g_assert_null (strchr (lines[i], '\n'));
      assert_bytes_equal (raw, m->raw);
      g_assert_cmpint (int_at (root, "_trackscope.seq"), ==, m->seq);
      g_assert_cmpstr (string_at (root, "_trackscope.messageId"), ==, m->message_id);
      g_assert_cmpint (int_at (root, "_trackscope.requestId"), ==, m->transport->request_id);
      g_assert_cmpint (tsc_wire_parse_time (string_at (root, "_trackscope.receivedAt")), ==,
                       m->received_at);
      g_assert_cmpint (tsc_wire_parse_time (string_at (root, "_trackscope.correctedTimestamp")), ==,
                       m->corrected_at);
      g_assert_cmpstr (string_at (root, "_trackscope.remoteAddress"), ==, REMOTE_ADDR);
      g_assert_null (member_at (root, "_trackscope.redacted"));
    }

  /* The batch: its envelope, the effective sentAt, the upstream outcome. */
  {
    g_autoptr(JsonNode) root = tsc_test_parse_json (lines[0]);

    g_assert_cmpint (int_at (root, "_trackscope.batchIndex"), ==, 0);
    g_assert_cmpstr (string_at (root, "_trackscope.sentAt"), ==, "2024-05-01T10:00:03.000Z");
    g_assert_cmpstr (string_at (root, "_trackscope.batchContext.ip"), ==, "198.51.100.4");
    g_assert_true (json_node_get_boolean (member_at (root, "_trackscope.batchIntegrations.All")));
    g_assert_cmpstr (string_at (root, "_trackscope.writeKey"), ==, "WK1");
    g_assert_cmpstr (string_at (root, "_trackscope.authMethod"), ==, "basic");
    g_assert_cmpint (int_at (root, "_trackscope.upstream.status"), ==, 200);
    g_assert_cmpint (int_at (root, "_trackscope.upstream.attempts"), ==, 2);
    g_assert_true (JSON_NODE_HOLDS_NULL (member_at (root, "_trackscope.upstream.error")));
  }

  /* The messageId the collector added is said to be added. */
  {
    g_autoptr(JsonNode) root = tsc_test_parse_json (lines[3]);

    g_assert_true (g_str_has_prefix (string_at (root, "_trackscope.messageId"), "trackscope-"));
    g_assert_true (json_node_get_boolean (member_at (root, "_trackscope.messageIdAdded")));
    g_assert_null (member_at (root, "messageId"));
    g_assert_null (member_at (root, "_trackscope.upstream"));
    g_assert_null (member_at (root, "_trackscope.batchIndex"));
  }

  /* gzip, body write key; the lane with its line break. */
  {
    g_autoptr(JsonNode) gzip = tsc_test_parse_json (lines[4]);
    g_autoptr(JsonNode) lane = tsc_test_parse_json (lines[5]);

    g_assert_cmpstr (string_at (gzip, "_trackscope.contentEncoding"), ==, "gzip");
    g_assert_cmpstr (string_at (gzip, "_trackscope.writeKey"), ==, "WK2");
    g_assert_cmpstr (string_at (gzip, "_trackscope.authMethod"), ==, "body");
    g_assert_cmpstr (string_at (gzip, "_trackscope.sentAt"), ==, "2024-05-01T10:00:05.050Z");
    g_assert_cmpstr (string_at (lane, "_trackscope.lane"), ==, "web");
    g_assert_cmpuint (length_at (lane, "_trackscope.rawLineBreaks"), ==, 1);
  }
}

static void
test_ndjson_wrapper_writes_the_same (TscTestTmpDir *t,
                                     gconstpointer  data)
{
  g_autofree char *path = make_session (t->dir);
  g_autofree char *text = export_session (path, TSC_EXPORT_NDJSON, NULL);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  guint64 n = 0;

  g_assert_true (tsc_export_ndjson (path, out, NULL, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, N_MESSAGES);
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                   text, strlen (text));
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

/* "rule seq,seq messageId,messageId" for each flag of @flags. */
static GPtrArray *
describe_flags_node (JsonNode *flags)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array = json_node_get_array (flags);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *flag = json_array_get_object_element (array, i);
      JsonArray *seqs = json_object_get_array_member (flag, "seqs");
      JsonArray *ids = json_object_get_array_member (flag, "messageIds");
      g_autoptr(GString) text = g_string_new (json_object_get_string_member (flag, "rule"));

      g_string_append_printf (text, " %s", json_object_get_string_member (flag, "severity"));
      g_assert_cmpuint (json_array_get_length (seqs), ==, json_array_get_length (ids));
      for (guint j = 0; j < json_array_get_length (seqs); j++)
        {
          const char *id = json_array_get_null_element (ids, j) ? "-"
                           : json_array_get_string_element (ids, j);

          g_string_append_printf (text, " %" G_GINT64_FORMAT "/%s",
                                  json_array_get_int_element (seqs, j), id);
        }
      g_assert_nonnull (json_object_get_string_member (flag, "summary"));
      g_assert_nonnull (json_object_get_string_member (flag, "explanation"));
      g_ptr_array_add (out, g_string_free (g_steal_pointer (&text), FALSE));
    }

  return out;
}

/* The same, from the identity model run over the session directly. */
static GPtrArray *
describe_model_flags (const char *path)
{
  g_autoptr(TscRuleConfig) config = tsc_rule_config_new (NULL, NULL);
  g_autoptr(TscIdentityModel) model = tsc_identity_model_new (config);
  g_autoptr(GPtrArray) messages = tsc_test_load_messages (path);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *flags;

  for (guint i = 0; i < messages->len; i++)
    {
      g_autoptr(GPtrArray) raised = tsc_identity_model_add (model, g_ptr_array_index (messages, i));
    }

  flags = tsc_identity_model_get_flags (model);
  for (guint i = 0; i < flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);
      g_autoptr(GString) text = g_string_new (tsc_rule_get_info (flag->rule)->id);

      if (flag->severity == TSC_SEVERITY_OFF)
        continue;
      g_string_append_printf (text, " %s", tsc_severity_to_string (flag->severity));
      for (guint j = 0; j < flag->seqs->len; j++)
        g_string_append_printf (text, " %" G_GINT64_FORMAT "/%s",
                                g_array_index (flag->seqs, gint64, j),
                                g_ptr_array_index (flag->message_ids, j) != NULL
                                ? (char *) g_ptr_array_index (flag->message_ids, j) : "-");
      g_ptr_array_add (out, g_string_free (g_steal_pointer (&text), FALSE));
    }

  return out;
}

static void
assert_same_strings (GPtrArray *a,
                     GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a, i), ==, g_ptr_array_index (b, i));
}

static void
test_json_document (TscTestTmpDir *t,
                    gconstpointer  data)
{
  g_autofree char *path = make_session (t->dir);
  g_autofree char *text = export_session (path, TSC_EXPORT_JSON, NULL);
  g_autofree char *ndjson = export_session (path, TSC_EXPORT_NDJSON, NULL);
  g_auto(GStrv) lines = ndjson_lines (ndjson);
  g_autoptr(JsonNode) root = tsc_test_parse_json (text);
  g_autoptr(GPtrArray) flags = NULL;
  g_autoptr(GPtrArray) expected = describe_model_flags (path);
  JsonArray *messages;

  g_assert_cmpstr (string_at (root, "trackscope.format"), ==, "trackscope-export");
  g_assert_cmpint (int_at (root, "trackscope.formatVersion"), ==, 1);
  g_assert_cmpstr (string_at (root, "trackscope.version"), ==, PACKAGE_VERSION);
  g_assert_cmpint (tsc_wire_parse_time (string_at (root, "trackscope.exportedAt")), >, 0);
  g_assert_cmpint (tsc_wire_parse_time (string_at (root, "trackscope.session.captureStart")), ==,
                   tsc_wire_parse_time (posts[0].received_at));
  g_assert_cmpint (tsc_wire_parse_time (string_at (root, "trackscope.session.captureEnd")), ==,
                   tsc_wire_parse_time (posts[N_REQUESTS - 1].received_at));
  g_assert_cmpstr (string_at (root, "trackscope.session.collector"), ==, COLLECTOR);
  g_assert_cmpstr (string_at (root, "trackscope.session.profile"), ==, "segment");
  g_assert_cmpint (int_at (root, "trackscope.session.messages"), ==, N_MESSAGES);
  g_assert_cmpint (int_at (root, "trackscope.session.requests"), ==, N_REQUESTS);
  g_assert_true (JSON_NODE_HOLDS_NULL (member_at (root, "trackscope.redaction")));

  /* The messages are the NDJSON lines, in order. */
  messages = json_node_get_array (member_at (root, "messages"));
  g_assert_cmpuint (json_array_get_length (messages), ==, N_MESSAGES);
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autoptr(JsonNode) line = tsc_test_parse_json (lines[i]);

      g_assert_true (json_node_equal (json_array_get_element (messages, i), line));
    }

  /* The flags are the model's, and the flow has some. */
  flags = describe_flags_node (member_at (root, "flags"));
  assert_same_strings (flags, expected);
  g_assert_cmpuint (flags->len, >, 0);
  g_assert_true (g_ptr_array_find_with_equal_func (flags, "identity-bleed error 1/m1 2/m2",
                                                   g_str_equal, NULL));
}

/* ------------------------------------------------------------------ */
/* HAR                                                                  */

/* Decodes a HAR entry's request as the collector would have. */
static GPtrArray *
decode_entry (JsonNode *entry)
{
  const char *url = string_at (entry, "request.url");
  const char *text = string_at (entry, "request.postData.text");
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  g_autoptr(TscRequestRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *list = json_node_get_array (member_at (entry, "request.headers"));
  TscWireRequest request = { 0 };
  TscWireLimits limits;
  TscRoute route;
  GPtrArray *messages;
  const char *path;

  g_assert_true (g_str_has_prefix (url, COLLECTOR "/"));
  path = url + strlen (COLLECTOR);

  /* The text is the body as decoded: no Content-Encoding applies to it. */
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *header = json_array_get_object_element (list, i);
      const char *name = json_object_get_string_member (header, "name");

      if (g_ascii_strcasecmp (name, "Content-Encoding") == 0)
        continue;
      g_ptr_array_add (headers, (gpointer) name);
      g_ptr_array_add (headers, (gpointer) json_object_get_string_member (header, "value"));
    }
  g_ptr_array_add (headers, NULL);

  tsc_wire_limits_init (&limits);
  g_assert_true (tsc_route_parse (path, &route));
  request.method = string_at (entry, "request.method");
  request.path = path;
  request.remote_addr = REMOTE_ADDR;
  request.headers = (const char * const *) headers->pdata;
  request.body = body;
  request.received_at = tsc_wire_parse_time (string_at (entry, "_trackscope.receivedAt"));

  record = tsc_wire_record_new (&request, &route);
  messages = tsc_wire_decode (&request, &route, &limits, record, &error);
  g_assert_no_error (error);
  tsc_route_clear (&route);
  return messages;
}

static void
test_har_entries_are_the_requests (TscTestTmpDir *t,
                                   gconstpointer  data)
{
  g_autofree char *path = make_session (t->dir);
  g_autofree char *text = export_session (path, TSC_EXPORT_HAR, NULL);
  g_autoptr(GPtrArray) messages = tsc_test_load_messages (path);
  g_autoptr(JsonNode) root = tsc_test_parse_json (text);
  JsonArray *entries;
  guint next = 0;

  g_assert_cmpstr (string_at (root, "log.version"), ==, "1.2");
  g_assert_cmpstr (string_at (root, "log.creator.name"), ==, "Trackscope");
  g_assert_cmpstr (string_at (root, "log.creator.version"), ==, PACKAGE_VERSION);

  entries = json_node_get_array (member_at (root, "log.entries"));
  g_assert_cmpuint (json_array_get_length (entries), ==, N_REQUESTS);

  for (guint i = 0; i < N_REQUESTS; i++)
    {
      JsonNode *entry = json_array_get_element (entries, i);
      g_autofree char *url = g_strconcat (COLLECTOR, posts[i].path, NULL);
      g_autoptr(JsonNode) reply = tsc_test_parse_json (string_at (entry, "response.content.text"));
      gboolean rejected = i == N_REQUESTS - 1;

      g_assert_cmpint (tsc_wire_parse_time (string_at (entry, "startedDateTime")) / 1000, ==,
                       tsc_wire_parse_time (posts[i].received_at) / 1000);
      g_assert_cmpint (int_at (entry, "time"), ==, 0);
      g_assert_cmpstr (string_at (entry, "request.method"), ==, "POST");
      g_assert_cmpstr (string_at (entry, "request.url"), ==, url);
      g_assert_cmpstr (string_at (entry, "request.httpVersion"), ==, "HTTP/1.1");
      g_assert_cmpuint (length_at (entry, "request.cookies"), ==, 0);
      g_assert_cmpuint (length_at (entry, "request.queryString"), ==, 0);
      g_assert_cmpint (int_at (entry, "request.headersSize"), ==, -1);
      g_assert_cmpstr (string_at (entry, "request.postData.mimeType"), ==, "application/json");
      g_assert_cmpstr (string_at (entry, "response.content.mimeType"), ==, "application/json");
      g_assert_cmpstr (string_at (entry, "response.redirectURL"), ==, "");
      g_assert_true (JSON_NODE_HOLDS_OBJECT (member_at (entry, "cache")));
      g_assert_cmpint (int_at (entry, "timings.send"), ==, 0);
      g_assert_cmpint (int_at (entry, "timings.wait"), ==, 0);
      g_assert_cmpint (int_at (entry, "timings.receive"), ==, 0);
      g_assert_cmpint (int_at (entry, "_trackscope.requestId"), ==, i + 1);
      g_assert_cmpint (tsc_wire_parse_time (string_at (entry, "_trackscope.receivedAt")), ==,
                       tsc_wire_parse_time (posts[i].received_at));
      g_assert_cmpstr (string_at (entry, "_trackscope.remoteAddress"), ==, REMOTE_ADDR);

      if (rejected)
        {
          g_assert_cmpint (int_at (entry, "response.status"), ==, 400);
          g_assert_cmpstr (string_at (entry, "response.statusText"), ==, "Bad Request");
          g_assert_false (json_node_get_boolean (member_at (reply, "success")));
          g_assert_cmpstr (string_at (reply, "code"), ==, "invalid_json");
          g_assert_cmpstr (string_at (entry, "request.postData.text"), ==, posts[i].body);
          g_assert_cmpuint (length_at (entry, "_trackscope.messageIds"), ==, 0);
          continue;
        }

      g_assert_cmpint (int_at (entry, "response.status"), ==, 200);
      g_assert_true (json_node_get_boolean (member_at (reply, "success")));
      g_assert_cmpstr (string_at (entry, "response.content.text"), ==, "{\"success\":true}");

      /* The body decodes back to the stored messages, byte for byte. */
      {
        g_autoptr(GPtrArray) decoded = decode_entry (entry);
        guint n = length_at (entry, "_trackscope.messageIds");

        g_assert_cmpuint (decoded->len, ==, n);
        for (guint j = 0; j < decoded->len; j++, next++)
          {
            TscMessage *stored = g_ptr_array_index (messages, next);
            TscMessage *again = g_ptr_array_index (decoded, j);
            g_autofree char *member = g_strdup_printf ("_trackscope.messageIds.%u", j);

            g_assert_cmpint (stored->transport->request_id, ==, i + 1);
            assert_bytes_equal (again->raw, stored->raw);
            g_assert_cmpstr (string_at (entry, member), ==, stored->message_id);
            g_assert_cmpstr (again->sent_at, ==, stored->sent_at);
            g_assert_cmpstr (again->batch_context, ==, stored->batch_context);
            if (!stored->message_id_added)
              g_assert_cmpstr (again->message_id, ==, stored->message_id);
          }
      }
    }
  g_assert_cmpuint (next, ==, N_MESSAGES);

  /* The collector's messageId, the gzip request, the upstream outcome. */
  {
    JsonNode *batch = json_array_get_element (entries, 0);
    JsonNode *added = json_array_get_element (entries, 1);
    JsonNode *gzip = json_array_get_element (entries, 2);
    g_autoptr(GBytes) compressed = tsc_test_compress (posts[2].body, strlen (posts[2].body),
                                                      G_ZLIB_COMPRESSOR_FORMAT_GZIP);

    g_assert_cmpint (int_at (batch, "_trackscope.upstream.status"), ==, 200);
    g_assert_cmpuint (length_at (batch, "_trackscope.messageIdsAdded"), ==, 0);
    g_assert_cmpuint (length_at (added, "_trackscope.messageIdsAdded"), ==, 1);
    g_assert_cmpint (int_at (added, "_trackscope.messageIdsAdded.0"), ==, 0);
    g_assert_cmpstr (string_at (gzip, "_trackscope.contentEncoding"), ==, "gzip");
    g_assert_cmpint (int_at (gzip, "request.bodySize"), ==, g_bytes_get_size (compressed));
    g_assert_cmpint (int_at (batch, "request.bodySize"), ==, strlen (posts[0].body));
  }
}

/* ------------------------------------------------------------------ */
/* Redaction                                                            */

static char *
hash_with (const char *key,
           const char *value)
{
  g_autoptr(TscRedactor) redactor = new_redactor (key);

  return tsc_redactor_hash (redactor, value, -1);
}

static void
test_redactor_matches_names (void)
{
  g_autoptr(TscRedactor) redactor = tsc_redactor_new (NULL, NULL);
  const char *matching[] = { "email", "Email", "work_email", "email-verified", "First Name",
                             "firstName", "last_name", "phoneNumber", "mobilePhone", "IP",
                             "ip_address", "shippingAddress", "username", "name", NULL };
  const char *other[] = { "plan", "userId", "zip", "nickname", "title", "sku", "total", NULL };

  for (guint i = 0; matching[i] != NULL; i++)
    if (!tsc_redactor_matches_key (redactor, matching[i]))
      g_error ("“%s” should match the default patterns", matching[i]);
  for (guint i = 0; other[i] != NULL; i++)
    if (tsc_redactor_matches_key (redactor, other[i]))
      g_error ("“%s” should not match the default patterns", other[i]);

  {
    const char *patterns[] = { "secret_*", NULL };
    g_autoptr(TscRedactor) custom = tsc_redactor_new (patterns, NULL);

    g_assert_true (tsc_redactor_matches_key (custom, "Secret-Token"));
    g_assert_false (tsc_redactor_matches_key (custom, "email"));
    g_assert_cmpstr (tsc_redactor_get_patterns (custom)[0], ==, "secret_*");
  }
}

static void
test_redactor_hash_is_keyed_and_stable (void)
{
  g_autofree char *a = hash_with ("one", "ann@example.com");
  g_autofree char *b = hash_with ("one", "ann@example.com");
  g_autofree char *c = hash_with ("two", "ann@example.com");
  g_autofree char *d = hash_with ("one", "bob@example.com");
  g_autoptr(TscRedactor) random_one = tsc_redactor_new (NULL, NULL);
  g_autoptr(TscRedactor) random_two = tsc_redactor_new (NULL, NULL);
  g_autofree char *e = tsc_redactor_hash (random_one, "x", -1);
  g_autofree char *f = tsc_redactor_hash (random_two, "x", -1);
  g_autoptr(GRegex) shape = g_regex_new ("^redacted:[0-9a-f]{16}$", 0, 0, NULL);

  g_assert_true (g_regex_match (shape, a, 0, NULL));
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (a, !=, d);
  g_assert_cmpstr (e, !=, f);
}

static TscMessage *
message_with_raw (const char *raw)
{
  TscMessage *m = tsc_message_new ();

  m->raw = g_bytes_new (raw, strlen (raw));
  m->message_id = g_strdup ("x1");
  m->user_id = g_strdup ("u1");
  return m;
}

static void
test_redactor_values (void)
{
  g_autoptr(TscRedactor) redactor = new_redactor (TEST_KEY);
  const char *nothing = "{\"userId\":\"u1\",\"traits\":{\"plan\":\"pro\",\"email\":null,"
                        "\"phone\":true},\"properties\":{\"title\":\"x\"}}";
  const char *numbers = "{\"userId\":\"u1\","
                        "\"traits\":{\"phone\":4912345, \"em\\u0061il\":\"a\\u0040b.c\"},"
                        "\"context\":{\"ip\":\"10.0.0.1\",\"traits\":{\"name\":[\"A\",\"B\"]}},"
                        "\"writeKey\":\"WK\"}";
  g_autoptr(TscMessage) plain = message_with_raw (nothing);
  g_autoptr(TscMessage) plain_out = tsc_redactor_redact_message (redactor, plain);
  g_autoptr(TscMessage) pii = message_with_raw (numbers);
  g_autoptr(TscMessage) pii_out = tsc_redactor_redact_message (redactor, pii);
  g_autofree char *expected = NULL;
  g_autofree char *phone = tsc_redactor_hash (redactor, "4912345", -1);
  g_autofree char *email = tsc_redactor_hash (redactor, "a@b.c", -1);
  g_autofree char *ip = tsc_redactor_hash (redactor, "10.0.0.1", -1);
  g_autofree char *names = tsc_redactor_hash (redactor, "[\"A\",\"B\"]", -1);
  g_autofree char *key = tsc_redactor_hash (redactor, "WK", -1);

  /* Nothing to redact (null and booleans stay): the message itself. */
  g_assert_true (plain_out == plain);

  /* Numbers on their text, escaped strings on their value, arrays on
   * their compact JSON; everything else byte for byte. */
  expected = g_strdup_printf ("{\"userId\":\"u1\","
                              "\"traits\":{\"phone\":\"%s\", \"em\\u0061il\":\"%s\"},"
                              "\"context\":{\"ip\":\"%s\",\"traits\":{\"name\":\"%s\"}},"
                              "\"writeKey\":\"%s\"}", phone, email, ip, names, key);
  g_assert_true (pii_out != pii);
  g_assert_cmpmem (g_bytes_get_data (pii_out->raw, NULL), g_bytes_get_size (pii_out->raw),
                   expected, strlen (expected));
  g_assert_cmpstr (pii_out->user_id, ==, "u1");
  g_assert_cmpstr (pii_out->message_id, ==, "x1");
  g_assert_cmpmem (g_bytes_get_data (pii->raw, NULL), g_bytes_get_size (pii->raw),
                   numbers, strlen (numbers));
}

/* Page addresses keep their origin and path: the query and fragment,
 * where sign-up forms put emails, become a hash. */
static void
test_redactor_page_addresses (void)
{
  g_autoptr(TscRedactor) redactor = new_redactor (TEST_KEY);
  const char *page = "{\"type\":\"page\",\"anonymousId\":\"a1\","
                     "\"properties\":{\"url\":\"https://shop.example/signup?email=ada%40example.com\","
                     "\"path\":\"/signup\",\"search\":\"?email=ada%40example.com\","
                     "\"referrer\":\"https://mail.example/\"},"
                     "\"context\":{\"page\":{\"url\":\"https://shop.example/signup?email=ada%40example.com\","
                     "\"referrer\":\"https://mail.example/open#token=t0k\",\"search\":\"\"}}}";
  g_autoptr(TscMessage) message = message_with_raw (page);
  g_autoptr(TscMessage) out = tsc_redactor_redact_message (redactor, message);
  g_autofree char *query = tsc_redactor_hash (redactor, "?email=ada%40example.com", -1);
  g_autofree char *fragment = tsc_redactor_hash (redactor, "#token=t0k", -1);
  g_autofree char *expected = NULL;

  expected = g_strdup_printf ("{\"type\":\"page\",\"anonymousId\":\"a1\","
                              "\"properties\":{\"url\":\"https://shop.example/signup?%s\","
                              "\"path\":\"/signup\",\"search\":\"%s\","
                              "\"referrer\":\"https://mail.example/\"},"
                              "\"context\":{\"page\":{\"url\":\"https://shop.example/signup?%s\","
                              "\"referrer\":\"https://mail.example/open?%s\",\"search\":\"\"}}}",
                              query, query, query, fragment);
  g_assert_cmpmem (g_bytes_get_data (out->raw, NULL), g_bytes_get_size (out->raw),
                   expected, strlen (expected));
}

static void
test_redactor_headers (void)
{
  g_autoptr(TscRedactor) redactor = new_redactor (TEST_KEY);
  const char *headers = "{\"Host\":\"h\",\"Authorization\":\"Bearer tok\",\"Cookie\":\"sid=1\","
                        "\"X-Api-Key\":\"k\",\"X-Forwarded-For\":\"203.0.113.9\","
                        "\"User-Agent\":\"ua\","
                        "\"Referer\":\"https://shop.example/signup?email=ref%40leak.example#step2\","
                        "\"referer\":\"https://shop.example/pricing\"}";
  g_autofree char *out = tsc_redactor_redact_headers (redactor, headers);
  g_autoptr(JsonNode) root = tsc_test_parse_json (out);
  g_autofree char *token = tsc_redactor_hash (redactor, "tok", -1);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autofree char *cookie = tsc_redactor_hash (redactor, "sid=1", -1);
  g_autofree char *api_key = tsc_redactor_hash (redactor, "k", -1);
  g_autofree char *forwarded = tsc_redactor_hash (redactor, "203.0.113.9", -1);
  g_autofree char *query = tsc_redactor_hash (redactor, "?email=ref%40leak.example#step2", -1);
  g_autofree char *referer = g_strconcat ("https://shop.example/signup?", query, NULL);

  g_assert_cmpstr (string_at (root, "Host"), ==, "h");
  g_assert_cmpstr (string_at (root, "User-Agent"), ==, "ua");
  g_assert_cmpstr (string_at (root, "Authorization"), ==, bearer);
  g_assert_cmpstr (string_at (root, "Cookie"), ==, cookie);
  g_assert_cmpstr (string_at (root, "X-Api-Key"), ==, api_key);
  g_assert_cmpstr (string_at (root, "X-Forwarded-For"), ==, forwarded);
  /* A page address keeps its origin and path, not its query. */
  g_assert_cmpstr (string_at (root, "Referer"), ==, referer);
  g_assert_null (strstr (out, "leak.example"));
  g_assert_cmpstr (string_at (root, "referer"), ==, "https://shop.example/pricing");
}

static void
test_redacted_exports (TscTestTmpDir *t,
                       gconstpointer  data)
{
  g_autofree char *path = make_session (t->dir);
  g_autoptr(TscRedactor) redactor = new_redactor (TEST_KEY);
  g_autoptr(TscRedactor) other = new_redactor ("another-key");
  g_autofree char *ndjson = export_session (path, TSC_EXPORT_NDJSON, redactor);
  g_autofree char *ndjson_other = export_session (path, TSC_EXPORT_NDJSON, other);
  g_autofree char *json = export_session (path, TSC_EXPORT_JSON, redactor);
  g_autofree char *har = export_session (path, TSC_EXPORT_HAR, redactor);
  g_autoptr(GPtrArray) messages = tsc_test_load_messages (path);
  g_auto(GStrv) lines = ndjson_lines (ndjson);
  g_auto(GStrv) other_lines = ndjson_lines (ndjson_other);
  g_autoptr(JsonNode) m1 = tsc_test_parse_json (lines[0]);
  g_autoptr(JsonNode) m2 = tsc_test_parse_json (lines[1]);
  g_autoptr(JsonNode) m3 = tsc_test_parse_json (lines[2]);
  g_autoptr(JsonNode) m1_other = tsc_test_parse_json (other_lines[0]);
  g_autoptr(JsonNode) json_root = tsc_test_parse_json (json);
  g_autoptr(JsonNode) har_root = tsc_test_parse_json (har);
  g_autoptr(GPtrArray) flags = NULL;
  g_autoptr(GPtrArray) expected = describe_model_flags (path);
  g_autofree char *email = tsc_redactor_hash (redactor, "ann@example.com", -1);
  g_autofree char *address = tsc_redactor_hash (redactor, "{\"city\":\"Paris\",\"zip\":\"75001\"}",
                                                -1);
  g_autofree char *lamp = tsc_redactor_hash (redactor, "Lamp", -1);
  g_autofree char *street = tsc_redactor_hash (redactor, "{\"street\":\"1 Rue\"}", -1);
  g_autofree char *ip = tsc_redactor_hash (redactor, "198.51.100.4", -1);
  g_autofree char *phone = tsc_redactor_hash (redactor, "+33 1 23", -1);
  g_autofree char *wk1 = tsc_redactor_hash (redactor, "WK1", -1);
  g_autofree char *wk2 = tsc_redactor_hash (redactor, "WK2", -1);
  g_autofree char *remote = tsc_redactor_hash (redactor, REMOTE_ADDR, -1);

  g_assert_cmpuint (g_strv_length (lines), ==, N_MESSAGES);
  g_assert_null (strstr (ndjson, "ann@example.com"));
  g_assert_null (strstr (ndjson, "198.51.100.4"));
  g_assert_null (strstr (ndjson, REMOTE_ADDR));
  g_assert_null (strstr (ndjson, "WK1"));

  /* Traits: the same email hashes the same in both messages, under
   * another key differently; the nested address object is one hash;
   * userId, plan, null and booleans stay. */
  g_assert_cmpstr (string_at (m1, "traits.email"), ==, email);
  g_assert_cmpstr (string_at (m2, "traits.Email"), ==, email);
  g_assert_cmpstr (string_at (m1_other, "traits.email"), !=, email);
  g_assert_true (g_str_has_prefix (string_at (m1_other, "traits.email"), "redacted:"));
  g_assert_cmpstr (string_at (m1, "traits.address"), ==, address);
  g_assert_cmpstr (string_at (m1, "traits.plan"), ==, "pro");
  g_assert_true (json_node_get_boolean (member_at (m1, "traits.verified")));
  g_assert_true (JSON_NODE_HOLDS_NULL (member_at (m1, "traits.phone")));
  g_assert_cmpstr (string_at (m1, "userId"), ==, "userA");
  g_assert_cmpstr (string_at (m2, "userId"), ==, "userB");
  g_assert_cmpstr (string_at (m1, "anonymousId"), ==, "anon1");
  g_assert_true (json_node_get_boolean (member_at (m1, "_trackscope.redacted")));

  /* Properties, recursively, arrays of objects too. */
  g_assert_cmpstr (string_at (m3, "properties.items.0.name"), ==, lamp);
  g_assert_cmpstr (string_at (m3, "properties.items.0.sku"), ==, "a1");
  g_assert_cmpstr (string_at (m3, "properties.shipping.address"), ==, street);
  g_assert_cmpint (int_at (m3, "properties.total"), ==, 10);

  /* The envelope context, the write key and the client's address. */
  g_assert_cmpstr (string_at (m1, "_trackscope.batchContext.ip"), ==, ip);
  g_assert_cmpstr (string_at (m1, "_trackscope.batchContext.traits.phone"), ==, phone);
  g_assert_cmpstr (string_at (m1, "_trackscope.batchContext.library.name"), ==, "analytics.js");
  g_assert_cmpstr (string_at (m1, "_trackscope.writeKey"), ==, wk1);
  g_assert_cmpstr (string_at (m1, "_trackscope.remoteAddress"), ==, remote);

  /* A message with nothing to redact keeps its bytes exactly. */
  {
    g_autoptr(GBytes) page = raw_of_line (lines[4]);
    g_autoptr(GBytes) lane = raw_of_line (lines[5]);

    assert_bytes_equal (page, ((TscMessage *) g_ptr_array_index (messages, 4))->raw);
    assert_bytes_equal (lane, ((TscMessage *) g_ptr_array_index (messages, 5))->raw);
  }

  /* JSON: what redaction was done, and the same flags. */
  g_assert_cmpstr (string_at (json_root, "trackscope.redaction.hash"), ==, "hmac-sha256");
  g_assert_cmpuint (length_at (json_root, "trackscope.redaction.patterns"), ==,
                    g_strv_length ((char **) tsc_redactor_default_patterns ()));
  flags = describe_flags_node (member_at (json_root, "flags"));
  assert_same_strings (flags, expected);
  g_assert_null (strstr (json, "ann@example.com"));

  /* HAR: the Authorization header keeps its Basic shape with the write
   * key hashed, the bodies are redacted, the body write key too. */
  {
    JsonNode *batch = member_at (har_root, "log.entries.0");
    JsonNode *gzip = member_at (har_root, "log.entries.2");
    JsonArray *headers = json_node_get_array (member_at (batch, "request.headers"));
    g_autofree char *credentials = g_strconcat (wk1, ":", NULL);
    g_autofree char *encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));
    g_autofree char *authorization = g_strconcat ("Basic ", encoded, NULL);
    g_autoptr(JsonNode) batch_body = NULL;
    g_autoptr(JsonNode) gzip_body = NULL;
    gboolean found = FALSE;

    batch_body = tsc_test_parse_json (string_at (batch, "request.postData.text"));
    gzip_body = tsc_test_parse_json (string_at (gzip, "request.postData.text"));
    for (guint i = 0; i < json_array_get_length (headers); i++)
      {
        JsonObject *header = json_array_get_object_element (headers, i);

        if (g_str_equal (json_object_get_string_member (header, "name"), "Authorization"))
          {
            g_assert_cmpstr (json_object_get_string_member (header, "value"), ==, authorization);
            found = TRUE;
          }
      }
    g_assert_true (found);
    g_assert_null (strstr (har, "V0sxOg=="));
    g_assert_null (strstr (har, "ann@example.com"));
    g_assert_cmpstr (string_at (batch_body, "batch.0.traits.email"), ==, email);
    g_assert_cmpstr (string_at (batch_body, "context.ip"), ==, ip);
    g_assert_cmpstr (string_at (gzip_body, "writeKey"), ==, wk2);
    g_assert_cmpstr (string_at (batch, "_trackscope.remoteAddress"), ==, remote);
    g_assert_cmpstr (string_at (batch, "_trackscope.writeKey"), ==, wk1);
    g_assert_true (json_node_get_boolean (member_at (batch, "_trackscope.redacted")));
  }
}

/* ------------------------------------------------------------------ */
/* Progress and cancellation                                            */

#define BIG_BATCHES 6
#define BIG_BATCH   500

static char *
make_big_session (const char *dir)
{
  char *path = g_build_filename (dir, "big.trackscope", NULL);
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);

  for (guint b = 0; b < BIG_BATCHES; b++)
    {
      g_autoptr(GString) body = g_string_new ("{\"batch\":[");

      for (guint i = 0; i < BIG_BATCH; i++)
        g_string_append_printf (body, "%s{\"type\":\"track\",\"event\":\"E\","
                                "\"anonymousId\":\"a%u\",\"messageId\":\"b%u-%u\"}",
                                i ? "," : "", i % 7, b, i);
      g_string_append (body, "]}");
      store_post (store, "/v1/batch", NULL, FALSE, body->str,
                  tsc_wire_parse_time ("2024-05-01T10:00:00.000Z") + b);
    }

  return path;
}

typedef struct
{
  GCancellable *cancellable;
  gboolean      cancel;
  GArray       *done;    /* guint64 */
  guint64       total;
} Progress;

static void
progress_cb (guint64  done,
             guint64  total,
             gpointer user_data)
{
  Progress *progress = user_data;

  g_array_append_val (progress->done, done);
  progress->total = total;
  if (progress->cancel)
    g_cancellable_cancel (progress->cancellable);
}

/* Exports the big session at @path as @format, with @progress told after
 * each chunk; returns what tsc_export_session() returned. */
static gboolean
export_with_progress (const char       *path,
                      TscExportFormat   format,
                      Progress         *progress,
                      guint64          *n,
                      GError          **error)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  TscExportOptions options = { 0 };

  options.format = format;
  options.progress = progress_cb;
  options.progress_data = progress;

  return tsc_export_session (path, &options, out, progress->cancellable, n, error);
}

static void
test_progress_after_each_chunk (TscTestTmpDir *t,
                                gconstpointer  data)
{
  g_autofree char *path = make_big_session (t->dir);

  for (TscExportFormat format = TSC_EXPORT_NDJSON; format <= TSC_EXPORT_HAR; format++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) done = g_array_new (FALSE, FALSE, sizeof (guint64));
      Progress progress = { NULL, FALSE, done, 0 };
      guint64 n = 0;

      g_assert_true (export_with_progress (path, format, &progress, &n, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (n, ==, BIG_BATCHES * BIG_BATCH);
      g_assert_cmpuint (progress.total, ==, BIG_BATCHES * BIG_BATCH);
      g_assert_cmpuint (done->len, >=, 2);
      for (guint i = 1; i < done->len; i++)
        g_assert_cmpuint (g_array_index (done, guint64, i - 1), <=,
                          g_array_index (done, guint64, i));
      g_assert_cmpuint (g_array_index (done, guint64, 0), <, n);
      g_assert_cmpuint (g_array_index (done, guint64, done->len - 1), ==, n);
    }
}

static void
cancel_at_once_cb (guint64  done,
                   guint64  total,
                   gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

/* A file export appears whole or not at all: cancelled, it leaves an
 * existing target as it was and no temporary file; it never writes over
 * the session. */
static void
test_to_file_all_or_nothing (TscTestTmpDir *t,
                             gconstpointer  data)
{
  g_autofree char *path = make_session (t->dir);
  g_autofree char *target = g_build_filename (t->dir, "out.har", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  TscExportOptions options = { 0 };
  guint64 n = 0;

  options.format = TSC_EXPORT_HAR;

  /* A new file, cancelled: nothing at all. */
  options.progress = cancel_at_once_cb;
  options.progress_data = cancellable;
  g_assert_false (tsc_export_session_to_file (path, &options, target, cancellable, &n, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  before = tsc_test_list_dir (t->dir, FALSE);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));

  /* Complete: the whole export, as tsc_export_session() writes it. */
  options.progress = NULL;
  g_assert_true (tsc_export_session_to_file (path, &options, target, NULL, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, >, 0);
  g_assert_true (g_file_get_contents (target, &text, NULL, NULL));
  expected = export_session (path, TSC_EXPORT_HAR, NULL);
  g_assert_cmpstr (text, ==, expected);

  /* An existing file, cancelled: left as it was. */
  g_cancellable_reset (cancellable);
  options.format = TSC_EXPORT_NDJSON;
  options.progress = cancel_at_once_cb;
  g_assert_false (tsc_export_session_to_file (path, &options, target, cancellable, &n, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (target, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, expected);

  /* The session itself is refused, and stays a session. */
  g_assert_false (tsc_export_session_to_file (path, &options, path, NULL, &n, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  tsc_test_assert_contains (error->message, "is the session itself");
  g_clear_error (&error);
  g_assert_cmpint (tsc_test_db_int (path, "SELECT count(*) FROM requests", NULL), >, 0);

  /* No temporary file was left at any point. */
  after = tsc_test_list_dir (t->dir, TRUE);
  g_assert_null (strstr (after, ".out.har."));
  g_assert_null (strstr (before, "out.har"));
}

static void
test_cancel_from_progress (TscTestTmpDir *t,
                           gconstpointer  data)
{
  g_autofree char *path = make_big_session (t->dir);

  for (TscExportFormat format = TSC_EXPORT_NDJSON; format <= TSC_EXPORT_HAR; format++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) done = g_array_new (FALSE, FALSE, sizeof (guint64));
      Progress progress = { cancellable, TRUE, done, 0 };
      guint64 n = 0;

      g_assert_false (export_with_progress (path, format, &progress, &n, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpuint (done->len, ==, 1);
      g_assert_cmpuint (g_array_index (done, guint64, 0), <, BIG_BATCHES * BIG_BATCH);
    }
}

static void
test_missing_session_fails (TscTestTmpDir *t,
                            gconstpointer  data)
{
  g_autofree char *path = g_build_filename (t->dir, "none.trackscope", NULL);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  TscExportOptions options = { 0 };

  g_assert_false (tsc_export_session (path, &options, out, NULL, NULL, &error));
  g_assert_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_OPEN);
  tsc_test_assert_contains (error->message, path);
}

static void
test_format_names (void)
{
  TscExportFormat format;

  g_assert_true (tsc_export_format_from_string ("HAR", &format));
  g_assert_cmpint (format, ==, TSC_EXPORT_HAR);
  g_assert_true (tsc_export_format_from_string ("ndjson", &format));
  g_assert_cmpint (format, ==, TSC_EXPORT_NDJSON);
  g_assert_false (tsc_export_format_from_string ("csv", &format));
  g_assert_cmpstr (tsc_export_format_to_string (TSC_EXPORT_JSON), ==, "json");
  g_assert_cmpstr (tsc_export_format_extension (TSC_EXPORT_HAR), ==, ".har");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/export/format-names", test_format_names);
  TSC_TEST_ADD_TMP_DIR ("/export/ndjson/lines-are-the-raw-messages-in-order", NULL,
                        test_ndjson_lines_are_the_raw_messages);
  TSC_TEST_ADD_TMP_DIR ("/export/ndjson/wrapper-writes-the-same", NULL,
                        test_ndjson_wrapper_writes_the_same);
  TSC_TEST_ADD_TMP_DIR ("/export/json/metadata-messages-and-the-model-flags", NULL,
                        test_json_document);
  TSC_TEST_ADD_TMP_DIR ("/export/har/one-entry-per-request-decoding-to-the-messages", NULL,
                        test_har_entries_are_the_requests);
  g_test_add_func ("/export/redact/matches-normalised-names", test_redactor_matches_names);
  g_test_add_func ("/export/redact/hash-is-keyed-and-stable",
                   test_redactor_hash_is_keyed_and_stable);
  g_test_add_func ("/export/redact/replaces-only-the-values", test_redactor_values);
  g_test_add_func ("/export/redact/credential-and-address-headers", test_redactor_headers);
  g_test_add_func ("/export/redact/page-addresses-lose-their-query", test_redactor_page_addresses);
  TSC_TEST_ADD_TMP_DIR ("/export/redact/every-format-keeps-the-flags", NULL, test_redacted_exports);
  TSC_TEST_ADD_TMP_DIR ("/export/progress-after-each-chunk", NULL, test_progress_after_each_chunk);
  TSC_TEST_ADD_TMP_DIR ("/export/cancel-from-progress", NULL, test_cancel_from_progress);
  TSC_TEST_ADD_TMP_DIR ("/export/missing-session-names-the-file", NULL, test_missing_session_fails);
  TSC_TEST_ADD_TMP_DIR ("/export/to-file-is-all-or-nothing", NULL, test_to_file_all_or_nothing);

  return g_test_run ();
}
