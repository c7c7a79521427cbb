/* test-collector.c: the collector against a real SoupServer on loopback
 *
 * Every test starts a TscCollector on 127.0.0.1 port 0 with a real
 * session file in a temporary folder, talks to it with a SoupSession
 * (sync API: the collector serves from its own thread), and checks the
 * reply and what landed in the file, read back through a second,
 * read-only connection.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-collector"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tsc-collector.h"
#include "tsc-session-store.h"
#include "tsc-session-writer.h"
#include "tsc-test-util.h"

/* How long any single wait may take before the test fails. */
#define WAIT_TIMEOUT_MS 10000

/* How an SQL NULL reads in a row returned by tsc_test_db_row(). */
#define DB_NULL TSC_TEST_DB_NULL

typedef struct
{
  char             *dir;
  char             *path;
  TscSessionWriter *writer;
  TscCollector     *collector;
  SoupSession      *session;
  GPtrArray        *received;   /* TscMessage, from ::messages-received */
  GPtrArray        *rejected;   /* TscRequestRecord, from ::request-rejected */
} Fixture;

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

static void
on_messages_received_cb (TscCollector *collector,
                         GPtrArray    *messages,
                         Fixture      *f)
{
  for (guint i = 0; i < messages->len; i++)
    g_ptr_array_add (f->received, tsc_message_ref (g_ptr_array_index (messages, i)));
}

static void
on_request_rejected_cb (TscCollector     *collector,
                        TscRequestRecord *record,
                        Fixture          *f)
{
  g_ptr_array_add (f->rejected, tsc_request_record_ref (record));
}

static void
fixture_setup_stopped (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = NULL;

  f->dir = tsc_test_make_tmp_dir ("trackscope-collector-XXXXXX", "s.trackscope", &f->path);

  store = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  f->writer = tsc_session_writer_new (store);
  f->collector = tsc_collector_new (f->writer);

  f->received = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  f->rejected = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_request_record_unref);
  g_signal_connect (f->collector, "messages-received", G_CALLBACK (on_messages_received_cb), f);
  g_signal_connect (f->collector, "request-rejected", G_CALLBACK (on_request_rejected_cb), f);

  /* Every request is bounded: a hung collector fails the test. No proxy
   * lookup: with isolated dirs there are no GSettings schemas for it. */
  f->session = soup_session_new_with_options ("timeout", 10, "idle-timeout", 10,
                                              "proxy-resolver", NULL, NULL);
}

static void
fixture_start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  tsc_collector_start (f->collector, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  g_assert_true (tsc_collector_is_running (f->collector));
  g_assert_cmpuint (tsc_collector_get_port (f->collector), !=, 0);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_setup_stopped (f, data);
  fixture_start (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->session);
  tsc_collector_stop (f->collector);
  g_signal_handlers_disconnect_by_data (f->collector, f);
  g_clear_object (&f->collector);
  tsc_session_writer_close (f->writer);
  g_clear_object (&f->writer);
  g_clear_pointer (&f->received, g_ptr_array_unref);
  g_clear_pointer (&f->rejected, g_ptr_array_unref);
  tsc_test_remove_tree (f->dir);
  g_clear_pointer (&f->path, g_free);
  g_clear_pointer (&f->dir, g_free);
}

static SoupMessage *
new_request (Fixture    *f,
             const char *method,
             const char *path,
             const char *content_type,
             const char *body,
             gssize      body_len)
{
  return tsc_test_new_request (method, tsc_collector_get_uri (f->collector), path, content_type,
                               body, body_len);
}

static JsonNode *
parse_reply (GBytes *reply)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (reply, &len);

  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_parser_steal_root (parser);
}

static void
assert_json_content_type (SoupMessage *msg)
{
  const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);

  g_assert_cmpstr (type, ==, "application/json");
}

static gboolean
member_is_boolean (JsonObject *object,
                   const char *name,
                   gboolean    expected)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node) == expected;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

/* 200, application/json, exactly {"success":true}. */
static void
assert_success_reply (SoupMessage *msg,
                      GBytes      *reply)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  assert_json_content_type (msg);
  root = parse_reply (reply);
  object = json_node_get_object (root);
  g_assert_cmpuint (json_object_get_size (object), ==, 1);
  g_assert_true (member_is_boolean (object, "success", TRUE));
}

/* @status, application/json, {"success":false,"code":@code,"message":"..."}. */
static void
assert_error_reply (SoupMessage *msg,
                    GBytes      *reply,
                    guint        status,
                    const char  *code)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  const char *message;

  g_assert_cmpuint (soup_message_get_status (msg), ==, status);
  assert_json_content_type (msg);
  root = parse_reply (reply);
  object = json_node_get_object (root);
  g_assert_true (member_is_boolean (object, "success", FALSE));
  g_assert_cmpstr (member_string (object, "code"), ==, code);
  message = member_string (object, "message");
  g_assert_nonnull (message);
  g_assert_cmpstr (message, !=, "");
}

/* Sends @msg; the reply is 200 {"success":true}. */
static void
send_ok (Fixture     *f,
         SoupMessage *msg)
{
  g_autoptr(GBytes) reply = tsc_test_send (f->session, msg);

  assert_success_reply (msg, reply);
}

/* Sends @msg; the reply is the JSON error @code, with @status. */
static void
send_fails (Fixture     *f,
            SoupMessage *msg,
            guint        status,
            const char  *code)
{
  g_autoptr(GBytes) reply = tsc_test_send (f->session, msg);

  assert_error_reply (msg, reply, status, code);
}

/* POSTs @body to @path as application/json; the reply is 200 {"success":true}. */
static void
post_json_ok (Fixture    *f,
              const char *path,
              const char *body)
{
  g_autoptr(SoupMessage) msg = new_request (f, "POST", path, "application/json", body, -1);

  send_ok (f, msg);
}

/* POSTs @body to @path as application/json; the reply is the JSON error
 * @code, with @status. */
static void
post_json_fails (Fixture    *f,
                 const char *path,
                 const char *body,
                 guint       status,
                 const char *code)
{
  g_autoptr(SoupMessage) msg = new_request (f, "POST", path, "application/json", body, -1);

  send_fails (f, msg, status, code);
}

/* The first row of @sql in the session file (see tsc_test_db_row()). */
static char **
db_row (Fixture    *f,
        const char *sql,
        const char *param)
{
  return tsc_test_db_row (f->path, sql, param);
}

static gint64
db_count (Fixture    *f,
          const char *sql,
          const char *param)
{
  return tsc_test_db_int (f->path, sql, param);
}

/* @columns of the last request in the session file, as db_row() reads them. */
static char **
last_request (Fixture    *f,
              const char *columns)
{
  g_autofree char *sql = g_strconcat ("SELECT ", columns, " FROM requests ORDER BY id DESC LIMIT 1",
                                      NULL);

  return db_row (f, sql, NULL);
}

/* The last request in the session file was answered @status, @error_code. */
static void
assert_last_request_failed (Fixture    *f,
                            const char *status,
                            const char *error_code)
{
  g_auto(GStrv) row = last_request (f, "status, error_code");

  g_assert_cmpstr (row[0], ==, status);
  g_assert_cmpstr (row[1], ==, error_code);
}

static gint64
count_messages (Fixture *f)
{
  return db_count (f, "SELECT count(*) FROM messages", NULL);
}

static gint64
count_requests (Fixture *f)
{
  return db_count (f, "SELECT count(*) FROM requests", NULL);
}

typedef struct
{
  Fixture    *f;
  const char *message_id;
  guint       n;
} WaitData;

static gboolean
received_has_id (gpointer data)
{
  WaitData *w = data;

  for (guint i = 0; i < w->f->received->len; i++)
    {
      TscMessage *m = g_ptr_array_index (w->f->received, i);

      if (g_strcmp0 (m->message_id, w->message_id) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
received_at_least (gpointer data)
{
  WaitData *w = data;
  return w->f->received->len >= w->n;
}

static gboolean
rejected_at_least (gpointer data)
{
  WaitData *w = data;
  return w->f->rejected->len >= w->n;
}

static void
assert_signalled (Fixture    *f,
                  const char *message_id)
{
  WaitData w = { f, message_id, 0 };

  g_assert_true (tsc_test_wait_until (received_has_id, &w, WAIT_TIMEOUT_MS));
}

/* Whether the comma-separated header @list names @token (any case). */
static gboolean
header_list_contains (const char *list,
                      const char *token)
{
  g_auto(GStrv) items = NULL;

  if (list == NULL)
    return FALSE;

  items = g_strsplit (list, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (g_strstrip (items[i]), token) == 0)
        return TRUE;
    }
  return FALSE;
}

/* A message of exactly @size bytes (size ≥ 64). */
static char *
message_of_size (const char *message_id,
                 gsize       size)
{
  g_autofree char *head = g_strdup_printf ("{\"messageId\":\"%s\",\"anonymousId\":\"a\","
                                           "\"event\":\"Big\",\"properties\":{\"pad\":\"",
                                           message_id);
  const char *tail = "\"}}";
  gsize fixed = strlen (head) + strlen (tail);
  g_autofree char *pad = NULL;

  g_assert_cmpuint (size, >, fixed);
  pad = g_strnfill (size - fixed, 'x');
  return g_strconcat (head, pad, tail, NULL);
}

/* ---------------------------------------------------------------------- */
/* Routes                                                                  */

typedef struct
{
  const char *path;
  gboolean    batch;
  const char *type;    /* the type stored */
  const char *route;   /* the canonical route stored */
  const char *lane;
} RouteCase;

static const RouteCase route_cases[] = {
  { "/v1/identify",       FALSE, "identify", "/v1/identify", NULL },
  { "/v1/identify/",      FALSE, "identify", "/v1/identify", NULL },
  { "/v1/track",          FALSE, "track",    "/v1/track",    NULL },
  { "/v1/track/",         FALSE, "track",    "/v1/track",    NULL },
  { "/v1/page",           FALSE, "page",     "/v1/page",     NULL },
  { "/v1/page/",          FALSE, "page",     "/v1/page",     NULL },
  { "/v1/screen",         FALSE, "screen",   "/v1/screen",   NULL },
  { "/v1/screen/",        FALSE, "screen",   "/v1/screen",   NULL },
  { "/v1/group",          FALSE, "group",    "/v1/group",    NULL },
  { "/v1/group/",         FALSE, "group",    "/v1/group",    NULL },
  { "/v1/alias",          FALSE, "alias",    "/v1/alias",    NULL },
  { "/v1/alias/",         FALSE, "alias",    "/v1/alias",    NULL },
  { "/v1/batch",          TRUE,  "track",    "/v1/batch",    NULL },
  { "/v1/batch/",         TRUE,  "track",    "/v1/batch",    NULL },
  { "/v1/import",         TRUE,  "track",    "/v1/import",   NULL },
  { "/v1/import/",        TRUE,  "track",    "/v1/import",   NULL },
  { "/v1/i",              FALSE, "identify", "/v1/i",        NULL },
  { "/v1/t",              FALSE, "track",    "/v1/t",        NULL },
  { "/v1/p",              FALSE, "page",     "/v1/p",        NULL },
  { "/v1/s",              FALSE, "screen",   "/v1/s",        NULL },
  { "/v1/g",              FALSE, "group",    "/v1/g",        NULL },
  { "/v1/a",              FALSE, "alias",    "/v1/a",        NULL },
  { "/v1/b",              TRUE,  "track",    "/v1/b",        NULL },
  { "/lane/web/v1/t",     FALSE, "track",    "/v1/t",        "web" },
  { "/lane/web/v1/batch", TRUE,  "track",    "/v1/batch",    "web" },
};

static char *
route_case_name (const RouteCase *rc)
{
  g_autofree char *name = g_strdup (rc->path + 1);
  gsize len = strlen (name);

  if (name[len - 1] == '/')
    {
      name[len - 1] = '\0';
      return g_strconcat (g_strdelimit (name, "/", '-'), "-slash", NULL);
    }
  return g_strdup (g_strdelimit (name, "/", '-'));
}

static void
test_route_answers_and_stores (Fixture       *f,
                               gconstpointer  data)
{
  const RouteCase *rc = data;
  g_autofree char *case_name = route_case_name (rc);
  g_autofree char *message_id = g_strconcat ("route-", case_name, NULL);
  g_autofree char *item = NULL;
  g_autofree char *body = NULL;
  g_auto(GStrv) row = NULL;
  g_auto(GStrv) request = NULL;

  if (rc->batch)
    {
      item = g_strdup_printf ("{\"type\":\"track\",\"event\":\"Route Tested\",\"userId\":\"user-1\","
                              "\"anonymousId\":\"anon-1\",\"messageId\":\"%s\"}", message_id);
      body = g_strdup_printf ("{\"batch\":[%s],\"sentAt\":\"2026-01-01T00:00:00.000Z\"}", item);
    }
  else
    {
      /* No "type": a single-message route implies it. */
      item = g_strdup_printf ("{\"event\":\"Route Tested\",\"name\":\"Home\",\"groupId\":\"g-1\","
                              "\"previousId\":\"prev-1\",\"userId\":\"user-1\","
                              "\"anonymousId\":\"anon-1\",\"messageId\":\"%s\"}", message_id);
      body = g_strdup (item);
    }

  post_json_ok (f, rc->path, body);

  /* Right after the 200, through another connection: already committed. */
  row = db_row (f,
                "SELECT type, route, coalesce(lane, '" DB_NULL "'), user_id, anonymous_id,"
                " coalesce(batch_index, -1), CAST(raw AS TEXT), request_id"
                " FROM messages WHERE message_id = ?1",
                message_id);
  g_assert_cmpstr (row[0], ==, rc->type);
  g_assert_cmpstr (row[1], ==, rc->route);
  g_assert_cmpstr (row[2], ==, rc->lane ? rc->lane : DB_NULL);
  g_assert_cmpstr (row[3], ==, "user-1");
  g_assert_cmpstr (row[4], ==, "anon-1");
  g_assert_cmpstr (row[5], ==, rc->batch ? "0" : "-1");
  /* The raw bytes are kept exactly as sent. */
  g_assert_cmpstr (row[6], ==, item);

  request = db_row (f,
                    "SELECT path, route, status, message_count FROM requests WHERE id = ?1",
                    row[7]);
  g_assert_cmpstr (request[0], ==, rc->path);
  g_assert_cmpstr (request[1], ==, rc->route);
  g_assert_cmpstr (request[2], ==, "200");
  g_assert_cmpstr (request[3], ==, "1");

  assert_signalled (f, message_id);
  g_assert_cmpint (count_messages (f), ==, 1);
}

static void
test_route_path_type_wins (Fixture       *f,
                           gconstpointer  data)
{
  g_auto(GStrv) row = NULL;

  /* RudderStack's gateway forces the type from the path; so do we. */
  post_json_ok (f, "/v1/track",
                "{\"type\":\"identify\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"pw-1\"}");

  row = db_row (f, "SELECT type, event FROM messages WHERE message_id = ?1", "pw-1");
  g_assert_cmpstr (row[0], ==, "track");
  g_assert_cmpstr (row[1], ==, "E");
}

static void
test_route_reply_after_commit (Fixture       *f,
                               gconstpointer  data)
{
  /* Each 200 must mean "in the file": check with a fresh read-only store
   * opened only once the reply is in. */
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *message_id = g_strdup_printf ("commit-%u", i);
      g_autofree char *body = g_strdup_printf ("{\"type\":\"track\",\"event\":\"Committed\","
                                               "\"anonymousId\":\"a\",\"messageId\":\"%s\"}",
                                               message_id);
      g_autoptr(TscSessionStore) reader = NULL;
      g_autoptr(GPtrArray) messages = NULL;
      g_autoptr(GError) error = NULL;
      gboolean found = FALSE;

      post_json_ok (f, "/v1/t", body);

      reader = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
      g_assert_no_error (error);
      messages = tsc_session_store_load_messages (reader, 0, 100000, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (messages->len, ==, i + 1);

      for (guint j = 0; j < messages->len; j++)
        {
          TscMessage *m = g_ptr_array_index (messages, j);

          if (g_strcmp0 (m->message_id, message_id) == 0)
            {
              found = TRUE;
              g_assert_cmpint (m->type, ==, TSC_MESSAGE_TYPE_TRACK);
              g_assert_cmpstr (m->event, ==, "Committed");
              g_assert_cmpint (m->seq, >, 0);
            }
        }
      g_assert_true (found);
    }
}

static void
test_route_metrics_acknowledged_not_stored (Fixture       *f,
                                            gconstpointer  data)
{
  g_autoptr(SoupMessage) metrics = NULL;

  metrics = new_request (f, "POST", "/v1/m", "text/plain",
                         "{\"series\":[{\"type\":\"Counter\",\"metric\":\"analytics_js.invoke\","
                         "\"value\":1,\"tags\":{\"method\":\"track\"}}]}", -1);
  send_ok (f, metrics);

  /* A call after it: once that is committed, anything queued before it
   * would be too. */
  post_json_ok (f, "/v1/track",
                "{\"event\":\"After Metrics\",\"anonymousId\":\"a\",\"messageId\":\"m-1\"}");

  g_assert_cmpint (count_messages (f), ==, 1);
  g_assert_cmpint (count_requests (f), ==, 1);
  g_assert_cmpint (db_count (f, "SELECT count(*) FROM requests WHERE route = '/v1/m'", NULL),
                   ==, 0);
}

static const char * const not_found_paths[] = {
  "/v2/track",
  "/v1/unknown",
  "/track",
  "/v1",
  "/v1/track/extra",
  "/lane/web",
  "/lane/we%20b/v1/t",
  "/v1/projects/WK",
};

static void
test_route_unknown_is_404 (Fixture       *f,
                           gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (not_found_paths); i++)
    {
      g_test_message ("POST %s", not_found_paths[i]);
      post_json_fails (f, not_found_paths[i], "{\"event\":\"E\",\"anonymousId\":\"a\"}",
                       SOUP_STATUS_NOT_FOUND, "not_found");
    }

  g_assert_cmpint (count_messages (f), ==, 0);
}

static const struct
{
  const char *method;
  const char *path;
} wrong_methods[] = {
  { "GET",    "/v1/track" },
  { "GET",    "/v1/t" },
  { "GET",    "/v1/batch" },
  { "PUT",    "/v1/identify" },
  { "DELETE", "/lane/web/v1/b" },
};

static void
test_route_wrong_method_is_405 (Fixture       *f,
                                gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (wrong_methods); i++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      const char *allow;

      g_test_message ("%s %s", wrong_methods[i].method, wrong_methods[i].path);
      msg = new_request (f, wrong_methods[i].method, wrong_methods[i].path, NULL, NULL, 0);
      send_fails (f, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed");

      /* RFC 9110: a 405 lists the methods that are allowed. */
      allow = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Allow");
      g_assert_true (header_list_contains (allow, "POST"));
    }

  g_assert_cmpint (count_messages (f), ==, 0);
}

/* ---------------------------------------------------------------------- */
/* Settings (CDN emulation for analytics-next)                             */

typedef struct
{
  const char *prefix;
} SettingsCase;

static const SettingsCase settings_cases[] = {
  { "" },
  { "/lane/web" },
};

static void
test_settings_serves_segment_io (Fixture       *f,
                                 gconstpointer  data)
{
  const SettingsCase *sc = data;
  g_autofree char *path = g_strconcat (sc->prefix, "/v1/projects/WK_SETTINGS/settings", NULL);
  g_autofree char *expected_host = g_strdup_printf ("127.0.0.1:%u%s/v1",
                                                    tsc_collector_get_port (f->collector),
                                                    sc->prefix);
  g_autofree char *api_base = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(SoupMessage) call = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) row = NULL;
  JsonObject *segment;
  const char *settings_call = "{\"type\":\"track\",\"event\":\"Via Settings\",\"anonymousId\":\"a\","
                              "\"messageId\":\"settings-1\",\"writeKey\":\"WK_SETTINGS\"}";

  msg = new_request (f, "GET", path, NULL, NULL, 0);
  reply = tsc_test_send (f->session, msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  assert_json_content_type (msg);

  root = parse_reply (reply);
  segment = member_object (member_object (json_node_get_object (root), "integrations"), "Segment.io");
  g_assert_nonnull (segment);
  g_assert_cmpstr (member_string (segment, "apiKey"), ==, "WK_SETTINGS");
  g_assert_cmpstr (member_string (segment, "apiHost"), ==, expected_host);
  g_assert_cmpstr (member_string (segment, "protocol"), ==, "http");

  /* analytics-next then posts to `${protocol}://${apiHost}/t`: that works. */
  api_base = g_strconcat ("http://", expected_host, NULL);
  call = tsc_test_new_request ("POST", api_base, "/t", "text/plain", settings_call, -1);
  send_ok (f, call);

  row = db_row (f, "SELECT coalesce(lane, '" DB_NULL "'), write_key FROM messages"
                " WHERE message_id = ?1", "settings-1");
  g_assert_cmpstr (row[0], ==, *sc->prefix ? "web" : DB_NULL);
  g_assert_cmpstr (row[1], ==, "WK_SETTINGS");
}

/* ---------------------------------------------------------------------- */
/* CORS                                                                    */

#define ORIGIN "http://shop.example:3000"

static const char * const preflight_paths[] = {
  "/v1/t",
  "/v1/batch/",
  "/lane/web/v1/b",
};

static SoupMessage *
send_preflight (Fixture     *f,
                const char  *path,
                const char  *origin,
                const char  *request_headers,
                GBytes     **reply)
{
  SoupMessage *msg = new_request (f, "OPTIONS", path, NULL, NULL, 0);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  if (origin != NULL)
    soup_message_headers_replace (headers, "Origin", origin);
  soup_message_headers_replace (headers, "Access-Control-Request-Method", "POST");
  if (request_headers != NULL)
    soup_message_headers_replace (headers, "Access-Control-Request-Headers", request_headers);

  *reply = tsc_test_send (f->session, msg);
  return msg;
}

static void
test_cors_preflight_lists_authorization (Fixture       *f,
                                         gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (preflight_paths); i++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) reply = NULL;
      SoupMessageHeaders *response;
      const char *allow_headers;

      g_test_message ("OPTIONS %s", preflight_paths[i]);
      /* What analytics-next ≥ 1.84 makes a browser send. */
      msg = send_preflight (f, preflight_paths[i], ORIGIN, "Authorization", &reply);
      response = soup_message_get_response_headers (msg);

      g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_NO_CONTENT);
      g_assert_cmpstr (soup_message_headers_get_one (response, "Access-Control-Allow-Origin"), ==, ORIGIN);
      g_assert_cmpstr (soup_message_headers_get_one (response, "Access-Control-Allow-Credentials"), ==, "true");
      g_assert_true (header_list_contains (soup_message_headers_get_list (response, "Vary"), "Origin"));
      g_assert_true (header_list_contains (soup_message_headers_get_list (response, "Access-Control-Allow-Methods"),
                                           "POST"));

      allow_headers = soup_message_headers_get_list (response, "Access-Control-Allow-Headers");
      g_assert_true (header_list_contains (allow_headers, "Authorization"));
      g_assert_true (header_list_contains (allow_headers, "Content-Type"));
      g_assert_true (header_list_contains (allow_headers, "X-Retry-Count"));
    }

  /* A preflight is not a call. */
  g_assert_cmpint (count_requests (f), ==, 0);
}

static void
test_cors_preflight_echoes_custom_header (Fixture       *f,
                                          gconstpointer  data)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  const char *allow_headers;

  /* Browsers send the names lowercased, comma-separated. */
  msg = send_preflight (f, "/v1/t", ORIGIN, "authorization,content-type,x-tenant-id", &reply);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_NO_CONTENT);

  allow_headers = soup_message_headers_get_list (soup_message_get_response_headers (msg),
                                                 "Access-Control-Allow-Headers");
  g_assert_true (header_list_contains (allow_headers, "x-tenant-id"));
  g_assert_true (header_list_contains (allow_headers, "Authorization"));
  g_assert_true (header_list_contains (allow_headers, "X-Retry-Count"));
}

static void
test_cors_preflight_without_origin (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  SoupMessageHeaders *response;

  msg = send_preflight (f, "/v1/t", NULL, "Authorization", &reply);
  response = soup_message_get_response_headers (msg);

  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_NO_CONTENT);
  g_assert_cmpstr (soup_message_headers_get_one (response, "Access-Control-Allow-Origin"), ==, "*");
  /* Credentials with a wildcard origin are invalid; do not claim them. */
  g_assert_null (soup_message_headers_get_one (response, "Access-Control-Allow-Credentials"));
}

static void
test_cors_post_echoes_origin (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(SoupMessage) msg = NULL;
  SoupMessageHeaders *response;
  g_auto(GStrv) row = NULL;

  msg = new_request (f, "POST", "/v1/t", "text/plain",
                     "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"cors-1\"}", -1);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Origin", ORIGIN);
  send_ok (f, msg);

  response = soup_message_get_response_headers (msg);
  g_assert_cmpstr (soup_message_headers_get_one (response, "Access-Control-Allow-Origin"), ==, ORIGIN);
  g_assert_cmpstr (soup_message_headers_get_one (response, "Access-Control-Allow-Credentials"), ==, "true");

  /* The origin is a transport fact kept with the message. */
  row = db_row (f, "SELECT origin FROM messages WHERE message_id = ?1", "cors-1");
  g_assert_cmpstr (row[0], ==, ORIGIN);
}

static void
test_cors_post_without_origin (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(SoupMessage) msg = NULL;

  msg = new_request (f, "POST", "/v1/t", "application/json",
                     "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"cors-2\"}", -1);
  send_ok (f, msg);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "Access-Control-Allow-Origin"), ==, "*");
}

/* ---------------------------------------------------------------------- */
/* Authentication                                                          */

typedef struct
{
  const char *name;
  const char *path;
  const char *basic_user;  /* base64-encoded as is into Authorization: Basic */
  const char *body;
  const char *write_key;   /* expected */
  const char *auth_method; /* expected */
} AuthCase;

static const AuthCase auth_cases[] = {
  { "basic", "/v1/t", "WK_BASIC:",
    "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"auth-basic\"}",
    "WK_BASIC", "basic" },
  { "basic-without-colon", "/v1/t", "WK_NOCOLON",
    "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"auth-basic-without-colon\"}",
    "WK_NOCOLON", "basic" },
  { "basic-beats-body", "/v1/t", "WK_BASIC:",
    "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"auth-basic-beats-body\","
    "\"writeKey\":\"WK_BODY\"}",
    "WK_BASIC", "basic" },
  { "body", "/v1/t", NULL,
    "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"auth-body\","
    "\"writeKey\":\"WK_BODY\"}",
    "WK_BODY", "body" },
  { "batch-body", "/v1/batch", NULL,
    "{\"writeKey\":\"WK_BATCH\",\"batch\":[{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\","
    "\"messageId\":\"auth-batch-body\"}]}",
    "WK_BATCH", "body" },
  { "query", "/v1/t?writeKey=WK_QUERY", NULL,
    "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"auth-query\"}",
    "WK_QUERY", "query" },
};

static void
test_auth_recorded (Fixture       *f,
                    gconstpointer  data)
{
  const AuthCase *ac = data;
  g_autofree char *message_id = g_strconcat ("auth-", ac->name, NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_auto(GStrv) row = NULL;
  g_auto(GStrv) request = NULL;

  msg = new_request (f, "POST", ac->path, "application/json", ac->body, -1);
  if (ac->basic_user != NULL)
    {
      g_autofree char *encoded = g_base64_encode ((const guchar *) ac->basic_user, strlen (ac->basic_user));
      g_autofree char *value = g_strconcat ("Basic ", encoded, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  send_ok (f, msg);

  row = db_row (f, "SELECT write_key, auth_method, request_id FROM messages WHERE message_id = ?1",
                message_id);
  g_assert_cmpstr (row[0], ==, ac->write_key);
  g_assert_cmpstr (row[1], ==, ac->auth_method);

  request = db_row (f, "SELECT write_key, auth_method FROM requests WHERE id = ?1", row[2]);
  g_assert_cmpstr (request[0], ==, ac->write_key);
  g_assert_cmpstr (request[1], ==, ac->auth_method);
}

static void
test_auth_allow_list (Fixture       *f,
                      gconstpointer  data)
{
  const char * const allowed[] = { "WK_GOOD", "WK_OTHER", NULL };
  g_autoptr(SoupMessage) bad = NULL;
  g_autofree char *encoded = g_base64_encode ((const guchar *) "WK_BAD:", 7);
  g_autofree char *authorization = g_strconcat ("Basic ", encoded, NULL);
  g_auto(GStrv) row = NULL;
  WaitData w = { f, NULL, 2 };
  TscRequestRecord *record;

  tsc_collector_set_allowed_write_keys (f->collector, allowed);
  fixture_start (f);

  bad = new_request (f, "POST", "/v1/t", "application/json",
                     "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"wk-bad\"}", -1);
  soup_message_headers_replace (soup_message_get_request_headers (bad), "Authorization", authorization);
  send_fails (f, bad, SOUP_STATUS_UNAUTHORIZED, "invalid_write_key");

  /* The rejection is recorded, with what was sent. */
  row = db_row (f, "SELECT status, error_code, error_message, auth_method, message_count"
                " FROM requests WHERE write_key = ?1", "WK_BAD");
  g_assert_cmpstr (row[0], ==, "401");
  g_assert_cmpstr (row[1], ==, "invalid_write_key");
  g_assert_cmpstr (row[2], !=, DB_NULL);
  g_assert_cmpstr (row[3], ==, "basic");
  g_assert_cmpint (db_count (f, "SELECT count(*) FROM messages WHERE message_id = ?1", "wk-bad"),
                   ==, 0);

  post_json_fails (f, "/v1/t",
                   "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"wk-none\"}",
                   SOUP_STATUS_UNAUTHORIZED, "invalid_write_key");

  post_json_ok (f, "/v1/t",
                "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\"wk-good\","
                "\"writeKey\":\"WK_GOOD\"}");

  g_assert_cmpint (count_messages (f), ==, 1);
  g_assert_cmpint (db_count (f, "SELECT count(*) FROM requests WHERE status = 401", NULL), ==, 2);

  /* The owner hears about the rejections too. */
  g_assert_true (tsc_test_wait_until (rejected_at_least, &w, WAIT_TIMEOUT_MS));
  record = g_ptr_array_index (f->rejected, 0);
  g_assert_cmpuint (record->status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (record->transport->write_key, ==, "WK_BAD");
  assert_signalled (f, "wk-good");
}

/* ---------------------------------------------------------------------- */
/* Bodies                                                                  */

typedef struct
{
  const char *name;
  const char *content_type;   /* NULL: no Content-Type header */
} ContentTypeCase;

static const ContentTypeCase content_type_cases[] = {
  { "text-plain",            "text/plain" },
  { "form-urlencoded",       "application/x-www-form-urlencoded" },
  { "json-with-charset",     "application/json;charset=UTF-8" },
  { "no-content-type",       NULL },
};

static void
test_body_parsed_as_json (Fixture       *f,
                          gconstpointer  data)
{
  const ContentTypeCase *cc = data;
  g_autofree char *message_id = g_strconcat ("ct-", cc->name, NULL);
  g_autofree char *body = g_strdup_printf ("{\"batch\":[{\"type\":\"page\",\"name\":\"Pricing\","
                                           "\"anonymousId\":\"a\",\"messageId\":\"%s\"}]}",
                                           message_id);
  g_autoptr(SoupMessage) msg = NULL;
  g_auto(GStrv) row = NULL;
  g_auto(GStrv) request = NULL;

  msg = new_request (f, "POST", "/v1/b", cc->content_type, body, -1);
  send_ok (f, msg);

  row = db_row (f, "SELECT type, name, request_id FROM messages WHERE message_id = ?1", message_id);
  g_assert_cmpstr (row[0], ==, "page");
  g_assert_cmpstr (row[1], ==, "Pricing");

  request = db_row (f, "SELECT coalesce(content_type, '" DB_NULL "') FROM requests WHERE id = ?1",
                    row[2]);
  /* Recorded as sent. */
  g_assert_cmpstr (request[0], ==, cc->content_type ? cc->content_type : DB_NULL);
}

typedef struct
{
  const char *path;
  gboolean    batch;
} GzipCase;

static const GzipCase gzip_cases[] = {
  { "/v1/batch", TRUE },
  { "/v1/t", FALSE },
};

static void
test_body_gzip_decoded (Fixture       *f,
                        gconstpointer  data)
{
  const GzipCase *gc = data;
  const char *item = "{\"type\":\"track\",\"event\":\"Zipped\",\"userId\":\"u-gz\",\"messageId\":\"gz-1\"}";
  g_autofree char *text = gc->batch ? g_strdup_printf ("{\"batch\":[%s,%s]}", item,
                                                       "{\"type\":\"identify\",\"userId\":\"u-gz\","
                                                       "\"messageId\":\"gz-2\"}")
                                    : g_strdup (item);
  g_autoptr(GBytes) compressed = tsc_test_compress (text, strlen (text),
                                                    G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *compressed_size = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (compressed));
  g_autofree char *decoded_size = g_strdup_printf ("%" G_GSIZE_FORMAT, strlen (text));
  g_auto(GStrv) row = NULL;
  g_auto(GStrv) request = NULL;

  /* As rudder-sdk-node sends it. */
  msg = new_request (f, "POST", gc->path, NULL, NULL, 0);
  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", compressed);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Content-Encoding", "gzip");
  send_ok (f, msg);

  row = db_row (f, "SELECT content_encoding, event, CAST(raw AS TEXT), request_id FROM messages"
                " WHERE message_id = ?1", "gz-1");
  g_assert_cmpstr (row[0], ==, "gzip");
  g_assert_cmpstr (row[1], ==, "Zipped");
  /* The raw bytes are the decoded JSON, not the gzip stream. */
  g_assert_cmpstr (row[2], ==, item);

  request = db_row (f, "SELECT content_encoding, body_size, decoded_size, message_count"
                    " FROM requests WHERE id = ?1", row[3]);
  g_assert_cmpstr (request[0], ==, "gzip");
  g_assert_cmpstr (request[1], ==, compressed_size);
  g_assert_cmpstr (request[2], ==, decoded_size);
  g_assert_cmpstr (request[3], ==, gc->batch ? "2" : "1");
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */

typedef struct
{
  const char *name;
  const char *path;
  const char *body;
  const char *content_encoding;
  guint       status;
  const char *code;
} BadBodyCase;

static const BadBodyCase bad_body_cases[] = {
  { "invalid-json",        "/v1/track", "{\"event\": \"E\", not json", NULL, 400, "invalid_json" },
  { "truncated-json",      "/v1/batch", "{\"batch\":[{\"type\":\"track\"", NULL, 400, "invalid_json" },
  { "array-not-object",    "/v1/t",     "[{\"type\":\"track\"}]", NULL, 400, "invalid_json" },
  { "empty-body",          "/v1/t",     "", NULL, 400, "invalid_json" },
  { "batch-not-array",     "/v1/batch", "{\"batch\":{\"type\":\"track\"}}", NULL, 400, "invalid_batch" },
  { "gzip-not-gzip",       "/v1/batch", "{\"batch\":[]}", "gzip", 400, "bad_content_encoding" },
  { "unknown-encoding",    "/v1/batch", "{\"batch\":[]}", "br", 415, "unsupported_content_encoding" },
};

static void
test_errors_bad_body (Fixture       *f,
                      gconstpointer  data)
{
  const BadBodyCase *bc = data;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *status = g_strdup_printf ("%u", bc->status);
  g_auto(GStrv) row = NULL;
  WaitData w = { f, NULL, 1 };
  SoupMessageHeaders *headers;

  msg = new_request (f, "POST", bc->path, "text/plain", bc->body, -1);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Origin", ORIGIN);
  if (bc->content_encoding != NULL)
    soup_message_headers_replace (headers, "Content-Encoding", bc->content_encoding);
  send_fails (f, msg, bc->status, bc->code);

  /* A browser can read the error only if it carries CORS headers. */
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "Access-Control-Allow-Origin"), ==, ORIGIN);

  /* The rejected request is recorded, body included, before the reply. */
  row = last_request (f, "status, error_code, error_message, CAST(body AS TEXT), message_count,"
                      " path");
  g_assert_cmpstr (row[0], ==, status);
  g_assert_cmpstr (row[1], ==, bc->code);
  g_assert_cmpstr (row[2], !=, DB_NULL);
  g_assert_cmpstr (row[3], ==, bc->body);
  g_assert_cmpstr (row[4], ==, "0");
  g_assert_cmpstr (row[5], ==, bc->path);
  g_assert_cmpint (count_messages (f), ==, 0);

  g_assert_true (tsc_test_wait_until (rejected_at_least, &w, WAIT_TIMEOUT_MS));
  g_assert_cmpuint (((TscRequestRecord *) g_ptr_array_index (f->rejected, 0))->status, ==, bc->status);
}

static void
test_errors_message_size_limit (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *at_limit = message_of_size ("size-at-limit", TSC_WIRE_MAX_MESSAGE_SIZE);
  g_autofree char *over_limit = message_of_size ("size-over-limit", TSC_WIRE_MAX_MESSAGE_SIZE + 1);
  g_auto(GStrv) row = NULL;

  g_assert_cmpuint (strlen (at_limit), ==, 32 * 1024);

  /* 32 KB is allowed, one byte more is not. */
  post_json_ok (f, "/v1/track", at_limit);
  post_json_fails (f, "/v1/track", over_limit, 400, "message_too_large");

  assert_last_request_failed (f, "400", "message_too_large");
  row = last_request (f, "body_size");
  g_assert_cmpstr (row[0], ==, "32769");

  g_assert_cmpint (count_messages (f), ==, 1);
  g_assert_cmpint (db_count (f, "SELECT count(*) FROM messages WHERE message_id = ?1", "size-at-limit"),
                   ==, 1);
}

static char *
batch_of (guint  n_items,
          gsize  item_size,
          const char *prefix)
{
  g_autoptr(GString) body = g_string_new ("{\"batch\":[");

  for (guint i = 0; i < n_items; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%u", prefix, i);
      g_autofree char *item = message_of_size (id, item_size);

      if (i > 0)
        g_string_append_c (body, ',');
      g_string_append (body, item);
    }
  g_string_append (body, "]}");
  return g_string_free (g_steal_pointer (&body), FALSE);
}

static void
test_errors_batch_too_large (Fixture       *f,
                             gconstpointer  data)
{
  /* 17 messages of 31 KB: each fine, together over 500 KB. */
  g_autofree char *body = batch_of (17, 31 * 1024, "big-batch");

  g_assert_cmpuint (strlen (body), >, TSC_WIRE_MAX_BATCH_SIZE);
  g_assert_cmpuint (strlen (body), <, TSC_WIRE_MAX_BODY_SIZE);

  post_json_fails (f, "/v1/batch", body, 400, "batch_too_large");
  assert_last_request_failed (f, "400", "batch_too_large");
  g_assert_cmpint (count_messages (f), ==, 0);
}

static void
test_errors_batch_item_too_large (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *small = message_of_size ("item-small", 200);
  g_autofree char *large = message_of_size ("item-large", TSC_WIRE_MAX_MESSAGE_SIZE + 1);
  g_autofree char *body = g_strdup_printf ("{\"batch\":[%s,%s]}", small, large);

  post_json_fails (f, "/v1/batch", body, 400, "message_too_large");
  assert_last_request_failed (f, "400", "message_too_large");
  /* All or nothing: the small message is not kept either. */
  g_assert_cmpint (count_messages (f), ==, 0);
}

typedef struct
{
  const char *name;
  const char *path;
  gsize       max_body_size;    /* 0: the default limits */
  guint64     content_length;
  gboolean    expect_continue;
} OversizeCase;

static const OversizeCase oversize_cases[] = {
  { "default-cap",          "/v1/batch",      0,    100 * 1024 * 1024,          FALSE },
  { "default-cap-plus-one", "/v1/b",          0,    TSC_WIRE_MAX_BODY_SIZE + 1, FALSE },
  { "smaller-cap",          "/lane/web/v1/t", 1024, 1025,                       FALSE },
  /* curl sends this for large bodies and waits for the go-ahead. */
  { "expect-100-continue",  "/v1/batch",      0,    100 * 1024 * 1024,          TRUE },
};

/* Reads an HTTP/1.1 response (headers and a Content-Length body) from
 * @stream. The socket has a timeout, so this cannot hang: %NULL with
 * @error set when no complete response came in time. */
static char *
read_http_response (GInputStream  *stream,
                    guint         *status,
                    char         **body,
                    GError       **error)
{
  g_autoptr(GString) data = g_string_new (NULL);
  const char *end = NULL;
  gsize header_len = 0;
  guint64 content_length = 0;

  for (;;)
    {
      char buffer[4096];
      gssize n;

      if (end == NULL && (end = strstr (data->str, "\r\n\r\n")) != NULL)
        {
          g_autofree char *head = NULL;
          const char *cl;

          header_len = end - data->str + 4;
          head = g_ascii_strdown (data->str, header_len);
          cl = strstr (head, "\r\ncontent-length:");
          g_assert_nonnull (cl);
          content_length = g_ascii_strtoull (cl + strlen ("\r\ncontent-length:"), NULL, 10);
        }
      if (end != NULL && data->len >= header_len + content_length)
        break;

      n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_string_append_len (data, buffer, n);
    }

  if (end == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                   "The connection closed after %" G_GSIZE_FORMAT " bytes, before a whole response",
                   data->len);
      return NULL;
    }

  g_assert_true (g_str_has_prefix (data->str, "HTTP/1."));
  *status = (guint) g_ascii_strtoull (data->str + strlen ("HTTP/1.1 "), NULL, 10);
  *body = g_strndup (data->str + header_len, data->len - header_len);
  return g_strndup (data->str, header_len);
}

static void
test_errors_oversized_content_length (Fixture       *f,
                                      gconstpointer  data)
{
  const OversizeCase *oc = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;
  g_autofree char *headers = NULL;
  g_autofree char *body = NULL;
  g_autofree char *expected_size = g_strdup_printf ("%" G_GUINT64_FORMAT, oc->content_length);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) row = NULL;
  WaitData w = { f, NULL, 1 };
  JsonObject *object;
  guint status = 0;
  gint64 start;

  if (oc->max_body_size != 0)
    {
      TscWireLimits limits;

      tsc_wire_limits_init (&limits);
      limits.max_body_size = oc->max_body_size;
      tsc_collector_set_limits (f->collector, &limits);
    }
  fixture_start (f);

  g_socket_client_set_timeout (client, 5);
  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                tsc_collector_get_port (f->collector),
                                                NULL, &error);
  g_assert_no_error (error);

  /* Announce a huge body and send only its first bytes. */
  head = g_strdup_printf ("POST %s HTTP/1.1\r\n"
                          "Host: 127.0.0.1:%u\r\n"
                          "Content-Type: application/json\r\n"
                          "User-Agent: test-collector\r\n"
                          "%s"
                          "Content-Length: %" G_GUINT64_FORMAT "\r\n"
                          "\r\n"
                          "%s",
                          oc->path, tsc_collector_get_port (f->collector),
                          oc->expect_continue ? "Expect: 100-continue\r\n" : "",
                          oc->content_length,
                          oc->expect_continue ? "" : "{\"batch\":[");
  start = g_get_monotonic_time ();
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             head, strlen (head), NULL, NULL, &error);
  g_assert_no_error (error);

  /* The reply must come while the body is still missing. */
  headers = read_http_response (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                &status, &body, &error);
  if (headers == NULL)
    {
      /* Not fatal, so that the recording is still checked below. */
      g_test_fail_printf ("No reply to %s with Content-Length %" G_GUINT64_FORMAT " and the body "
                          "unsent: %s", oc->path, oc->content_length, error->message);
      g_clear_error (&error);
    }
  else
    {
      g_assert_cmpuint (status, ==, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
      /* Promptly: not after a read timeout on the body that never comes. */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
      g_assert_nonnull (strstr (headers, "application/json"));

      json_parser_load_from_data (parser, body, -1, &error);
      g_assert_no_error (error);
      object = json_node_get_object (json_parser_get_root (parser));
      g_assert_true (member_is_boolean (object, "success", FALSE));
      g_assert_cmpstr (member_string (object, "code"), ==, "payload_too_large");
      g_assert_nonnull (member_string (object, "message"));
    }

  /* Recorded too, with the announced size. */
  g_assert_true (tsc_test_wait_until (rejected_at_least, &w, WAIT_TIMEOUT_MS));
  row = last_request (f, "status, error_code, body_size, path, user_agent");
  g_assert_cmpstr (row[0], ==, "413");
  g_assert_cmpstr (row[1], ==, "payload_too_large");
  g_assert_cmpstr (row[2], ==, expected_size);
  g_assert_cmpstr (row[3], ==, oc->path);
  g_assert_cmpstr (row[4], ==, "test-collector");
  g_assert_cmpint (count_messages (f), ==, 0);
}

/* ---------------------------------------------------------------------- */
/* Lenient: Segment answers 200 and only flags these                       */

typedef struct
{
  const char *name;
  const char *path;
  const char *body;
  const char *type;         /* expected, or DB_NULL */
  const char *event;        /* expected, or DB_NULL */
  gboolean    id_added;
} LenientCase;

static const LenientCase lenient_cases[] = {
  { "missing-ids", "/v1/track", "{\"event\":\"No Ids\"}", "track", "No Ids", TRUE },
  { "null-ids", "/v1/t", "{\"type\":\"track\",\"event\":\"Null Ids\",\"userId\":null,\"anonymousId\":null,"
    "\"messageId\":null}", "track", "Null Ids", TRUE },
  { "unknown-type", "/v1/batch", "{\"batch\":[{\"type\":\"bogus\",\"anonymousId\":\"a\","
    "\"messageId\":\"lenient-unknown\"}]}", "bogus", DB_NULL, FALSE },
  { "batch-item-without-type", "/v1/batch", "{\"batch\":[{\"event\":\"Typeless\",\"anonymousId\":\"a\","
    "\"messageId\":\"lenient-typeless\"}]}", DB_NULL, "Typeless", FALSE },
  { "track-without-event", "/v1/track", "{\"anonymousId\":\"a\",\"messageId\":\"lenient-no-event\"}",
    "track", DB_NULL, FALSE },
  { "alias-without-previous-id", "/v1/alias", "{\"userId\":\"u\",\"messageId\":\"lenient-alias\"}",
    "alias", DB_NULL, FALSE },
  { "empty-batch", "/v1/batch", "{\"batch\":[]}", NULL, NULL, FALSE },
};

static void
test_lenient_still_stored (Fixture       *f,
                           gconstpointer  data)
{
  const LenientCase *lc = data;
  g_auto(GStrv) row = NULL;

  post_json_ok (f, lc->path, lc->body);

  g_assert_cmpint (count_requests (f), ==, 1);
  if (lc->type == NULL)
    {
      g_assert_cmpint (count_messages (f), ==, 0);
      return;
    }

  g_assert_cmpint (count_messages (f), ==, 1);
  row = db_row (f, "SELECT coalesce(type, '" DB_NULL "'), coalesce(event, '" DB_NULL "'),"
                " message_id, message_id_added FROM messages", NULL);
  g_assert_cmpstr (row[0], ==, lc->type);
  g_assert_cmpstr (row[1], ==, lc->event);
  g_assert_cmpstr (row[2], !=, "");
  g_assert_cmpstr (row[3], ==, lc->id_added ? "1" : "0");
}

/* ---------------------------------------------------------------------- */
/* Concurrency                                                             */

typedef struct
{
  guint n_requests;
  guint n_connections;
} ConcurrencyCase;

/* Many requests over a realistic number of connections. */
static const ConcurrencyCase share_commits_case = { 200, 8 };
/* One connection per request, all opened at once (a load generator, or
 * many clients starting together). */
static const ConcurrencyCase burst_case = { 200, 200 };

typedef struct
{
  guint n_expected;
  guint n_done;
  guint n_ok;
  guint n_failed;
} Concurrent;

static void
concurrent_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Concurrent *c = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (reply != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK)
    c->n_ok++;
  else
    {
      c->n_failed++;
      g_test_message ("request failed: %s (status %u)", error ? error->message : "no error",
                      soup_message_get_status (msg));
    }
  c->n_done++;
}

static gboolean
concurrent_finished (gpointer data)
{
  Concurrent *c = data;
  return c->n_done == c->n_expected;
}

static void
test_concurrency (Fixture       *f,
                  gconstpointer  data)
{
  const ConcurrencyCase *cc = data;
  Concurrent c = { cc->n_requests, 0, 0, 0 };
  WaitData w = { f, NULL, cc->n_requests };
  guint64 commits;
  gint64 start;

  g_clear_object (&f->session);
  f->session = soup_session_new_with_options ("timeout", 30, "proxy-resolver", NULL,
                                              "max-conns", cc->n_connections,
                                              "max-conns-per-host", cc->n_connections,
                                              NULL);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < cc->n_requests; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"type\":\"track\",\"event\":\"Concurrent\","
                                               "\"anonymousId\":\"a-%u\",\"messageId\":\"conc-%u\"}",
                                               i, i);
      g_autoptr(SoupMessage) msg = new_request (f, "POST", "/v1/t", "text/plain", body, -1);

      soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL,
                                        concurrent_done_cb, &c);
    }

  g_assert_true (tsc_test_wait_until (concurrent_finished, &c, 40000));
  g_test_message ("%u requests over %u connections: %u answered 200, %u failed, in %.2f s",
                  cc->n_requests, cc->n_connections, c.n_ok, c.n_failed,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  if (c.n_failed > 0)
    {
      /* Not fatal, so that the tests after this one still run. */
      g_test_fail_printf ("%u of %u requests over %u connections failed", c.n_failed,
                          cc->n_requests, cc->n_connections);
      return;
    }
  g_assert_cmpuint (c.n_ok, ==, cc->n_requests);

  g_assert_cmpint (count_messages (f), ==, cc->n_requests);
  g_assert_cmpint (db_count (f, "SELECT count(DISTINCT message_id) FROM messages"
                             " WHERE message_id LIKE 'conc-%'", NULL), ==, cc->n_requests);
  g_assert_cmpint (count_requests (f), ==, cc->n_requests);

  /* Requests in flight together share a commit (and its fsync). */
  commits = tsc_session_writer_get_commits (f->writer);
  g_test_message ("%u requests in %" G_GUINT64_FORMAT " commits", cc->n_requests, commits);
  g_assert_cmpuint (commits, >, 0);
  g_assert_cmpuint (commits, <, cc->n_requests);

  g_assert_true (tsc_test_wait_until (received_at_least, &w, WAIT_TIMEOUT_MS));
  g_assert_cmpuint (f->received->len, ==, cc->n_requests);
  g_assert_cmpuint (tsc_collector_get_message_count (f->collector), ==, cc->n_requests);
}

/* ---------------------------------------------------------------------- */
/* Connections                                                             */

#define N_CLOSED_CONNECTIONS 100

static guint
count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

typedef struct
{
  guint limit;
} FdLimit;

static gboolean
fds_at_most (gpointer data)
{
  FdLimit *l = data;
  return count_open_fds () <= l->limit;
}

static void
test_connections_closed_by_client_are_released (Fixture       *f,
                                                gconstpointer  data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  const char *body = "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\"}";
  FdLimit limit;
  guint before;
  guint after;

  if (!g_file_test ("/proc/self/fd", G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("needs /proc/self/fd");
      return;
    }

  g_socket_client_set_timeout (client, 5);
  g_socket_client_set_enable_proxy (client, FALSE);
  g_clear_object (&f->session);
  before = count_open_fds ();

  /* What browsers and Node agents do: a keep-alive request, then the
   * client closes the idle connection. */
  for (guint i = 0; i < N_CLOSED_CONNECTIONS; i++)
    {
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *request = NULL;
      g_autofree char *headers = NULL;
      g_autofree char *reply = NULL;
      guint status = 0;

      connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                    tsc_collector_get_port (f->collector),
                                                    NULL, &error);
      g_assert_no_error (error);
      request = g_strdup_printf ("POST /v1/t HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                                 strlen (body), body);
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                 request, strlen (request), NULL, NULL, &error);
      g_assert_no_error (error);
      headers = read_http_response (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                    &status, &reply, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
      g_io_stream_close (G_IO_STREAM (connection), NULL, &error);
      g_assert_no_error (error);
    }

  g_assert_cmpint (count_messages (f), ==, N_CLOSED_CONNECTIONS);

  /* The collector may take a moment to notice; it must not keep them. */
  limit.limit = before + 10;
  tsc_test_wait_until (fds_at_most, &limit, 3000);
  after = count_open_fds ();
  g_test_message ("%u descriptors before, %u after %d closed connections",
                  before, after, N_CLOSED_CONNECTIONS);
  if (after > before + 10)
    /* Not fatal, so that the tests after this one still run. */
    g_test_fail_printf ("%u descriptors are still open after %d connections were closed by the "
                        "client", after - before, N_CLOSED_CONNECTIONS);
}

/* ---------------------------------------------------------------------- */
/* Listening                                                               */

/* Starting @collector on @host:@port fails with @code, and the error
 * message mentions @mentions when that is given. */
static void
assert_start_fails (TscCollector *collector,
                    const char   *host,
                    guint         port,
                    int           code,
                    const char   *mentions)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tsc_collector_start (collector, host, port, &error));
  g_assert_error (error, TSC_COLLECTOR_ERROR, code);
  if (mentions != NULL)
    g_assert_nonnull (strstr (error->message, mentions));
}

static void
test_listen_port_in_use_by_socket (Fixture       *f,
                                   gconstpointer  data)
{
  guint port = 0;
  g_autoptr(GSocket) taken = tsc_test_listen_on_free_port (&port);
  g_autofree char *port_text = g_strdup_printf ("%u", port);

  assert_start_fails (f->collector, "127.0.0.1", port, TSC_COLLECTOR_ERROR_ADDRESS_IN_USE,
                      port_text);
  g_assert_false (tsc_collector_is_running (f->collector));
}

static void
test_listen_port_in_use_by_collector (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(TscCollector) second = tsc_collector_new (f->writer);

  assert_start_fails (second, "127.0.0.1", tsc_collector_get_port (f->collector),
                      TSC_COLLECTOR_ERROR_ADDRESS_IN_USE, NULL);
  g_assert_false (tsc_collector_is_running (second));
  g_assert_true (tsc_collector_is_running (f->collector));
}

static void
test_listen_already_running (Fixture       *f,
                             gconstpointer  data)
{
  assert_start_fails (f->collector, "127.0.0.1", 0, TSC_COLLECTOR_ERROR_RUNNING, NULL);
}

static const char * const remote_hosts[] = {
  "0.0.0.0",
  "::",
  "192.0.2.1",
  "2001:db8::1",
};

static void
test_listen_remote_not_allowed (Fixture       *f,
                                gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (remote_hosts); i++)
    {
      g_test_message ("host %s", remote_hosts[i]);
      assert_start_fails (f->collector, remote_hosts[i], 0, TSC_COLLECTOR_ERROR_REMOTE_NOT_ALLOWED,
                          "--allow-remote");
      g_assert_false (tsc_collector_is_running (f->collector));
    }
}

static void
test_listen_remote_allowed (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  tsc_collector_set_allow_remote (f->collector, TRUE);
  tsc_collector_start (f->collector, "0.0.0.0", 0, &error);
  g_assert_no_error (error);
  g_assert_true (tsc_collector_is_running (f->collector));
  g_assert_cmpuint (tsc_collector_get_port (f->collector), !=, 0);
  tsc_collector_stop (f->collector);
  g_assert_false (tsc_collector_is_running (f->collector));
}

static void
test_listen_bad_host (Fixture       *f,
                      gconstpointer  data)
{
  assert_start_fails (f->collector, "not-an-address.example", 0, TSC_COLLECTOR_ERROR_BAD_ADDRESS,
                      NULL);
}

typedef struct
{
  const char *host;
  const char *uri_prefix;
} LoopbackCase;

static const LoopbackCase loopback_cases[] = {
  { "localhost", "http://127.0.0.1:" },
  { "127.0.0.2", "http://127.0.0.2:" },
  { "::1",       "http://[::1]:" },
};

static void
test_listen_loopback (Fixture       *f,
                      gconstpointer  data)
{
  const LoopbackCase *lc = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_uri = NULL;

  if (!tsc_collector_start (f->collector, lc->host, 0, &error))
    {
      if (g_error_matches (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_LISTEN))
        {
          g_test_skip (error->message);
          return;
        }
      g_assert_no_error (error);
    }

  expected_uri = g_strdup_printf ("%s%u", lc->uri_prefix, tsc_collector_get_port (f->collector));
  g_assert_cmpstr (tsc_collector_get_uri (f->collector), ==, expected_uri);

  post_json_ok (f, "/v1/t", "{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\","
                "\"messageId\":\"loopback-1\"}");
  g_assert_cmpint (count_messages (f), ==, 1);
}

typedef struct
{
  const char *text;
  gboolean    ok;
  const char *host;
  guint       port;
} ListenAddressCase;

static const ListenAddressCase listen_address_cases[] = {
  { "127.0.0.1:8765",   TRUE,  "127.0.0.1", 8765 },
  { "127.0.0.1:0",      TRUE,  "127.0.0.1", 0 },
  { "127.0.0.1",        TRUE,  "127.0.0.1", TSC_COLLECTOR_DEFAULT_PORT },
  { "localhost:9000",   TRUE,  "localhost", 9000 },
  { ":9000",            TRUE,  "127.0.0.1", 9000 },
  { "0.0.0.0:80",       TRUE,  "0.0.0.0",   80 },
  { "127.0.0.1:65535",  TRUE,  "127.0.0.1", 65535 },
  { "[::1]:8080",       TRUE,  "::1",       8080 },
  { "[::1]",            TRUE,  "::1",       TSC_COLLECTOR_DEFAULT_PORT },
  { "[::]:0",           TRUE,  "::",        0 },
  { "[fe80::1%lo]:80",  TRUE,  "fe80::1%lo", 80 },
  { "127.0.0.1:65536",  FALSE, NULL, 0 },
  { "127.0.0.1:-1",     FALSE, NULL, 0 },
  { "127.0.0.1:http",   FALSE, NULL, 0 },
  { "127.0.0.1:",       FALSE, NULL, 0 },
  { "127.0.0.1:80x",    FALSE, NULL, 0 },
  { "::1",              FALSE, NULL, 0 },
  { "::1:8080",         FALSE, NULL, 0 },
  { "[::1",             FALSE, NULL, 0 },
  { "[::1]8080",        FALSE, NULL, 0 },
  { "[::1]:",           FALSE, NULL, 0 },
  { "a:b:c",            FALSE, NULL, 0 },
};

static void
test_listen_parse_address (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (listen_address_cases); i++)
    {
      const ListenAddressCase *lc = &listen_address_cases[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *host = NULL;
      guint port = 12345;
      gboolean ok;

      g_test_message ("“%s”", lc->text);
      ok = tsc_parse_listen_address (lc->text, &host, &port, &error);
      if (lc->ok)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpstr (host, ==, lc->host);
          g_assert_cmpuint (port, ==, lc->port);
        }
      else
        {
          g_assert_error (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_BAD_ADDRESS);
          g_assert_false (ok);
          g_assert_null (host);
          /* The message quotes what was given. */
          g_assert_nonnull (strstr (error->message, lc->text));
        }
    }
}

/* ---------------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, setup, func, data) \
  g_test_add (path, Fixture, data, setup, func, fixture_teardown)

  for (guint i = 0; i < G_N_ELEMENTS (route_cases); i++)
    {
      g_autofree char *name = route_case_name (&route_cases[i]);
      g_autofree char *path = g_strconcat ("/capture/routes/answers-200-and-stores/", name, NULL);

      ADD (path, fixture_setup, test_route_answers_and_stores, &route_cases[i]);
    }
  ADD ("/capture/routes/single-route-type-wins-over-body", fixture_setup, test_route_path_type_wins, NULL);
  ADD ("/capture/routes/replies-only-after-commit", fixture_setup, test_route_reply_after_commit, NULL);
  ADD ("/capture/routes/metrics-acknowledged-not-stored", fixture_setup,
       test_route_metrics_acknowledged_not_stored, NULL);
  ADD ("/capture/routes/unknown-path-is-404-json", fixture_setup, test_route_unknown_is_404, NULL);
  ADD ("/capture/routes/wrong-method-is-405-json", fixture_setup, test_route_wrong_method_is_405, NULL);

  ADD ("/capture/settings/serves-segment-io", fixture_setup, test_settings_serves_segment_io,
       &settings_cases[0]);
  ADD ("/capture/settings/serves-segment-io-under-lane", fixture_setup, test_settings_serves_segment_io,
       &settings_cases[1]);

  ADD ("/capture/cors/preflight-lists-authorization", fixture_setup,
       test_cors_preflight_lists_authorization, NULL);
  ADD ("/capture/cors/preflight-echoes-custom-header", fixture_setup,
       test_cors_preflight_echoes_custom_header, NULL);
  ADD ("/capture/cors/preflight-without-origin-allows-any", fixture_setup,
       test_cors_preflight_without_origin, NULL);
  ADD ("/capture/cors/post-echoes-origin", fixture_setup, test_cors_post_echoes_origin, NULL);
  ADD ("/capture/cors/post-without-origin-allows-any", fixture_setup, test_cors_post_without_origin, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (auth_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/capture/auth/records-write-key/", auth_cases[i].name, NULL);
      ADD (path, fixture_setup, test_auth_recorded, &auth_cases[i]);
    }
  ADD ("/capture/auth/allow-list-rejects-other-keys-with-401", fixture_setup_stopped,
       test_auth_allow_list, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (content_type_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/capture/body/parsed-as-json/", content_type_cases[i].name, NULL);
      ADD (path, fixture_setup, test_body_parsed_as_json, &content_type_cases[i]);
    }
  ADD ("/capture/body/gzip-decoded/batch", fixture_setup, test_body_gzip_decoded, &gzip_cases[0]);
  ADD ("/capture/body/gzip-decoded/single", fixture_setup, test_body_gzip_decoded, &gzip_cases[1]);

  for (guint i = 0; i < G_N_ELEMENTS (bad_body_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/capture/errors/rejected-and-recorded/", bad_body_cases[i].name, NULL);
      ADD (path, fixture_setup, test_errors_bad_body, &bad_body_cases[i]);
    }
  ADD ("/capture/errors/message-over-32k-is-400", fixture_setup, test_errors_message_size_limit, NULL);
  ADD ("/capture/errors/batch-over-500k-is-400", fixture_setup, test_errors_batch_too_large, NULL);
  ADD ("/capture/errors/batch-item-over-32k-is-400", fixture_setup, test_errors_batch_item_too_large, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (oversize_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/capture/errors/content-length-over-cap-is-413-unread/",
                                           oversize_cases[i].name, NULL);
      ADD (path, fixture_setup_stopped, test_errors_oversized_content_length, &oversize_cases[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (lenient_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/capture/lenient/200-and-stored/", lenient_cases[i].name, NULL);
      ADD (path, fixture_setup, test_lenient_still_stored, &lenient_cases[i]);
    }

  ADD ("/capture/concurrency/requests-share-commits", fixture_setup, test_concurrency,
       &share_commits_case);
  ADD ("/capture/concurrency/burst-of-connections-all-answered", fixture_setup, test_concurrency,
       &burst_case);

  ADD ("/capture/connections/closed-by-client-are-released", fixture_setup,
       test_connections_closed_by_client_are_released, NULL);

  ADD ("/capture/listen/port-in-use-by-a-socket", fixture_setup_stopped, test_listen_port_in_use_by_socket, NULL);
  ADD ("/capture/listen/port-in-use-by-a-collector", fixture_setup, test_listen_port_in_use_by_collector, NULL);
  ADD ("/capture/listen/already-running", fixture_setup, test_listen_already_running, NULL);
  ADD ("/capture/listen/remote-needs-allow-remote", fixture_setup_stopped, test_listen_remote_not_allowed, NULL);
  ADD ("/capture/listen/remote-with-allow-remote", fixture_setup_stopped, test_listen_remote_allowed, NULL);
  ADD ("/capture/listen/host-must-be-an-address", fixture_setup_stopped, test_listen_bad_host, NULL);
  ADD ("/capture/listen/loopback/localhost", fixture_setup_stopped, test_listen_loopback, &loopback_cases[0]);
  ADD ("/capture/listen/loopback/127-0-0-2", fixture_setup_stopped, test_listen_loopback, &loopback_cases[1]);
  ADD ("/capture/listen/loopback/ipv6", fixture_setup_stopped, test_listen_loopback, &loopback_cases[2]);
  g_test_add_func ("/capture/listen/parse-address", test_listen_parse_address);

#undef ADD

  return g_test_run ();
}
