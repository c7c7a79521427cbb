#define G_LOG_DOMAIN "test-session-store"

#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "tsc-session-store.h"
#include "tsc-session-writer.h"
#include "tsc-test-util.h"

/* ------------------------------------------------------------------ */
/* fixture: a temporary directory with a session file path            */

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = tsc_test_make_tmp_dir ("tsc-store-XXXXXX", "test.trackscope", &f->path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_true (tsc_test_remove_tree (f->dir));

  g_free (f->dir);
  g_free (f->path);
}

/* ------------------------------------------------------------------ */
/* direct SQLite access, to check the file rather than our reader      */

static sqlite3 *
sql_open_writable (const char *path)
{
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    g_error ("cannot open %s: %s", path, db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
sql_exec (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* Runs @sql on the file through a writable connection of its own. */
static void
sql_exec_on_file (Fixture    *f,
                  const char *sql)
{
  sqlite3 *db = sql_open_writable (f->path);

  sql_exec (db, sql);
  sqlite3_close (db);
}

/* The first column of the first row of @sql (with @param bound to ?1
 * when given), read through a separate read-only connection. */
static gint64
sql_int (Fixture    *f,
         const char *sql,
         const char *param)
{
  return tsc_test_db_int (f->path, sql, param);
}

/* @value as an SQL parameter. */
static char *
sql_param (gint64 value)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

#define assert_message_contains(error, part) \
  G_STMT_START { \
    if (strstr ((error)->message, (part)) == NULL) \
      g_error ("error message “%s” does not contain “%s”", (error)->message, (part)); \
  } G_STMT_END

/* ------------------------------------------------------------------ */
/* records and messages                                               */

#define RECEIVED_AT G_GINT64_CONSTANT (1795928400123456)

/* raw bytes that are not text: a NUL, an invalid UTF-8 byte, an emoji */
static const char odd_raw[] = "{\"event\":\"Signed Up\",\"x\":\"\xf0\x9f\x8e\x89\"}\0\xff tail";
#define ODD_RAW_LEN (sizeof odd_raw - 1)

static const char rejected_body[] = "{\"batch\":\0\xfe";
#define REJECTED_BODY_LEN (sizeof rejected_body - 1)

static TscRequestRecord *
make_full_record (void)
{
  TscRequestRecord *record = tsc_request_record_new ();
  TscTransport *t = record->transport;

  record->received_at = RECEIVED_AT;
  record->headers_json = g_strdup ("{\"content-type\":\"text/plain\",\"x-retry-count\":\"1\"}");
  record->body_size = 321;
  record->decoded_size = 654;
  record->status = 200;
  record->message_count = 1;

  t->method = g_strdup ("POST");
  t->path = g_strdup ("/lane/web/v1/t");
  t->route = g_strdup ("/v1/t");
  t->lane = g_strdup ("web");
  t->remote_addr = g_strdup ("127.0.0.1");
  t->user_agent = g_strdup ("Mozilla/5.0 (X11; Linux x86_64) \xc3\xa9");
  t->origin = g_strdup ("http://localhost:3000");
  t->write_key = g_strdup ("WK_TEST");
  t->auth_method = TSC_AUTH_BASIC;
  t->content_type = g_strdup ("text/plain");
  t->content_encoding = g_strdup ("gzip");

  return record;
}

static TscMessage *
make_full_message (TscTransport *transport)
{
  TscMessage *m = tsc_message_new ();

  m->batch_index = -1;
  m->received_at = RECEIVED_AT;
  m->corrected_at = RECEIVED_AT - 27000;
  m->type = TSC_MESSAGE_TYPE_TRACK;
  m->type_name = g_strdup ("track");
  m->event = g_strdup ("Signed Up");
  m->name = g_strdup ("Name \xe6\x97\xa5");
  m->user_id = g_strdup ("user-1");
  m->anonymous_id = g_strdup ("50d9d468-522a-4791-853a-d61ceca55dd9");
  m->previous_id = g_strdup ("prev-1");
  m->group_id = g_strdup ("acct_1");
  m->message_id = g_strdup ("trackscope-1f0e2d3c-4b5a-4978-8675-a4b3c2d1e0f9");
  m->message_id_added = TRUE;
  m->timestamp = g_strdup ("2026-11-29T04:55:08.540Z");
  m->sent_at = g_strdup ("2026-11-29T04:55:08.567Z");
  m->batch_context = g_strdup ("{\"library\":{\"name\":\"analytics-go\"}}");
  m->batch_integrations = g_strdup ("{\"All\":true}");
  m->transport = tsc_transport_ref (transport);
  m->raw = g_bytes_new_static (odd_raw, ODD_RAW_LEN);

  return m;
}

static TscRequestRecord *
make_sparse_record (void)
{
  TscRequestRecord *record = tsc_request_record_new ();

  record->received_at = RECEIVED_AT + 1;
  record->transport->route = g_strdup ("/v1/batch");
  record->status = 200;
  record->message_count = 3;
  /* decoded_size stays -1, headers_json NULL, the rest NULL */

  return record;
}

static TscMessage *
make_sparse_message (TscTransport *transport,
                     int           batch_index,
                     const char   *type_name,
                     const char   *message_id,
                     const char   *raw)
{
  TscMessage *m = tsc_message_new ();

  m->batch_index = batch_index;
  m->received_at = RECEIVED_AT + 1;
  m->corrected_at = RECEIVED_AT + 1;
  m->type_name = g_strdup (type_name);
  m->type = tsc_message_type_from_string (type_name);
  m->message_id = g_strdup (message_id);
  m->transport = tsc_transport_ref (transport);
  m->raw = g_bytes_new (raw, strlen (raw));

  return m;
}

static TscRequestRecord *
make_rejected_record (void)
{
  TscRequestRecord *record = tsc_request_record_new ();
  g_autoptr(GBytes) body = g_bytes_new_static (rejected_body, REJECTED_BODY_LEN);

  record->received_at = RECEIVED_AT + 2;
  record->transport->method = g_strdup ("POST");
  record->transport->path = g_strdup ("/v1/batch");
  record->transport->route = g_strdup ("/v1/batch");
  record->headers_json = g_strdup ("{}");
  record->body_size = 9999;
  record->decoded_size = 5000000;
  tsc_request_record_reject (record, 413, "payload_too_large", "The body has 9999 bytes");
  tsc_request_record_keep_body (record, body, 5);

  return record;
}

static GPtrArray *
message_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
}

/* A sparse record carrying one track message, @message_id; @messages is
 * set to the request's messages. */
static TscRequestRecord *
make_sparse_request (const char  *message_id,
                     GPtrArray  **messages)
{
  TscRequestRecord *record = make_sparse_record ();

  *messages = message_array ();
  g_ptr_array_add (*messages, make_sparse_message (record->transport, 0, "track", message_id, "{}"));
  return record;
}

/* A message the schema refuses: it has no messageId (NOT NULL). */
static TscMessage *
make_broken_message (TscTransport *transport,
                     int           batch_index)
{
  TscMessage *m = make_sparse_message (transport, batch_index, "track", "broken", "{}");

  g_clear_pointer (&m->message_id, g_free);
  return m;
}

static void
assert_bytes_equal (GBytes *actual,
                    GBytes *expected)
{
  g_assert_nonnull (actual);
  g_assert_nonnull (expected);
  g_assert_cmpmem (g_bytes_get_data (actual, NULL), g_bytes_get_size (actual),
                   g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

static void
assert_message_equal (TscMessage *loaded,
                      TscMessage *stored)
{
  TscTransport *lt = loaded->transport;
  TscTransport *st = stored->transport;

  g_assert_cmpint (loaded->seq, ==, stored->seq);
  g_assert_cmpint (loaded->batch_index, ==, stored->batch_index);
  g_assert_cmpint (loaded->received_at, ==, stored->received_at);
  g_assert_cmpint (loaded->corrected_at, ==, stored->corrected_at);
  g_assert_cmpint (loaded->type, ==, stored->type);
  g_assert_cmpstr (loaded->type_name, ==, stored->type_name);
  g_assert_cmpstr (loaded->event, ==, stored->event);
  g_assert_cmpstr (loaded->name, ==, stored->name);
  g_assert_cmpstr (loaded->user_id, ==, stored->user_id);
  g_assert_cmpstr (loaded->anonymous_id, ==, stored->anonymous_id);
  g_assert_cmpstr (loaded->previous_id, ==, stored->previous_id);
  g_assert_cmpstr (loaded->group_id, ==, stored->group_id);
  g_assert_cmpstr (loaded->message_id, ==, stored->message_id);
  g_assert_cmpint (loaded->message_id_added, ==, stored->message_id_added);
  g_assert_cmpstr (loaded->timestamp, ==, stored->timestamp);
  g_assert_cmpstr (loaded->sent_at, ==, stored->sent_at);
  g_assert_cmpstr (loaded->batch_context, ==, stored->batch_context);
  g_assert_cmpstr (loaded->batch_integrations, ==, stored->batch_integrations);
  assert_bytes_equal (loaded->raw, stored->raw);

  g_assert_nonnull (lt);
  g_assert_cmpint (lt->request_id, ==, st->request_id);
  g_assert_cmpstr (lt->route, ==, st->route);
  g_assert_cmpstr (lt->lane, ==, st->lane);
  g_assert_cmpstr (lt->remote_addr, ==, st->remote_addr);
  g_assert_cmpstr (lt->user_agent, ==, st->user_agent);
  g_assert_cmpstr (lt->origin, ==, st->origin);
  g_assert_cmpstr (lt->write_key, ==, st->write_key);
  g_assert_cmpint (lt->auth_method, ==, st->auth_method);
  g_assert_cmpstr (lt->content_encoding, ==, st->content_encoding);
}

/* Opening the file fails with @code, read-only, writable or with CREATE;
 * every error names the file and, when given, @part. */
static void
assert_open_refused (Fixture    *f,
                     int         code,
                     const char *part)
{
  const TscSessionStoreOpenFlags flags[] = {
    TSC_SESSION_STORE_OPEN_READ_ONLY, 0, TSC_SESSION_STORE_OPEN_CREATE,
  };

  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      g_autoptr(TscSessionStore) store = NULL;
      g_autoptr(GError) error = NULL;

      store = tsc_session_store_open (f->path, flags[i], &error);
      g_assert_null (store);
      g_assert_error (error, TSC_STORE_ERROR, code);
      assert_message_contains (error, f->path);
      if (part != NULL)
        assert_message_contains (error, part);
    }
}

static TscSessionStore *
create_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  TscSessionStore *store;

  store = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpstr (tsc_session_store_get_path (store), ==, f->path);
  return store;
}

/* ------------------------------------------------------------------ */
/* the store                                                          */

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = create_store (f);
  g_autoptr(TscRequestRecord) full = make_full_record ();
  g_autoptr(TscRequestRecord) sparse = make_sparse_record ();
  g_autoptr(TscRequestRecord) rejected = make_rejected_record ();
  g_autoptr(GPtrArray) full_messages = message_array ();
  g_autoptr(GPtrArray) sparse_messages = message_array ();
  g_autoptr(GPtrArray) stored = message_array ();
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *full_seq = NULL;
  g_autofree char *full_id = NULL;
  g_autofree char *sparse_id = NULL;
  g_autofree char *rejected_id = NULL;
  g_autofree char *integrity = NULL;

  g_ptr_array_add (full_messages, make_full_message (full->transport));
  g_ptr_array_add (sparse_messages,
                   make_sparse_message (sparse->transport, 0, NULL, "b-0", "{\"a\":1}"));
  g_ptr_array_add (sparse_messages,
                   make_sparse_message (sparse->transport, 1, "launch", "b-1", ""));
  g_ptr_array_add (sparse_messages,
                   make_sparse_message (sparse->transport, 2, "identify", "b-2", "{}"));

  g_assert_true (tsc_session_store_begin (store, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_append (store, full, full_messages, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_append (store, sparse, sparse_messages, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_append (store, rejected, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_commit (store, &error));
  g_assert_no_error (error);

  /* ids and sequence numbers are handed out in order */
  g_assert_cmpint (full->id, >, 0);
  g_assert_cmpint (sparse->id, >, full->id);
  g_assert_cmpint (rejected->id, >, sparse->id);
  g_assert_cmpint (full->transport->request_id, ==, full->id);
  g_assert_cmpint (sparse->transport->request_id, ==, sparse->id);

  for (guint i = 0; i < full_messages->len; i++)
    g_ptr_array_add (stored, tsc_message_ref (g_ptr_array_index (full_messages, i)));
  for (guint i = 0; i < sparse_messages->len; i++)
    g_ptr_array_add (stored, tsc_message_ref (g_ptr_array_index (sparse_messages, i)));
  for (guint i = 0; i < stored->len; i++)
    {
      TscMessage *m = g_ptr_array_index (stored, i);
      gint64 previous = i > 0 ? ((TscMessage *) g_ptr_array_index (stored, i - 1))->seq : 0;

      g_assert_cmpint (m->seq, >, previous);
    }

  g_assert_cmpint (tsc_session_store_count_messages (store, &error), ==, 4);
  g_assert_no_error (error);
  g_clear_object (&store);

  /* the file itself */
  g_assert_cmpint (sql_int (f, "PRAGMA user_version", NULL), ==, 1);
  g_assert_cmpint (sql_int (f, "PRAGMA user_version", NULL), ==, TSC_SESSION_FORMAT_VERSION);
  tsc_test_assert_db_text (f->path, "PRAGMA journal_mode", NULL, "wal");
  tsc_test_assert_db_text (f->path, "SELECT value FROM session_info WHERE key = 'format'", NULL,
                           "trackscope-session");
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM requests", NULL), ==, 3);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages", NULL), ==, 4);

  full_seq = sql_param (((TscMessage *) g_ptr_array_index (full_messages, 0))->seq);
  g_assert_cmpint (sql_int (f, "SELECT batch_index IS NULL FROM messages WHERE seq = ?1", full_seq),
                   ==, 1);
  /* an empty message is not NULL */
  tsc_test_assert_db_text (f->path, "SELECT typeof (raw) FROM messages WHERE message_id = 'b-1'",
                           NULL, "blob");

  /* the request rows */
  full_id = sql_param (full->id);
  sparse_id = sql_param (sparse->id);
  rejected_id = sql_param (rejected->id);
  tsc_test_assert_db_text (f->path, "SELECT auth_method FROM requests WHERE id = ?1", full_id,
                           "basic");
  g_assert_cmpint (sql_int (f, "SELECT decoded_size FROM requests WHERE id = ?1", full_id), ==, 654);
  g_assert_cmpint (sql_int (f, "SELECT decoded_size IS NULL AND auth_method IS NULL"
                               " AND write_key IS NULL AND headers = '{}' AND method = 'POST'"
                               " AND body IS NULL AND message_count = 3"
                               " FROM requests WHERE id = ?1", sparse_id),
                   ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT status = 413 AND error_code = 'payload_too_large'"
                               " AND error_message = 'The body has 9999 bytes' AND body_truncated = 1"
                               " AND body_size = 9999 AND decoded_size = 5000000"
                               " AND message_count = 0 FROM requests WHERE id = ?1", rejected_id),
                   ==, 1);
  body = tsc_test_db_blob (f->path, "SELECT body FROM requests WHERE id = ?1", rejected_id);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), rejected_body, 5);

  /* read back through the store, read-only */
  store = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tsc_session_store_count_messages (store, &error), ==, 4);
  loaded = tsc_session_store_load_messages (store, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, stored->len);

  for (guint i = 0; i < loaded->len; i++)
    assert_message_equal (g_ptr_array_index (loaded, i), g_ptr_array_index (stored, i));

  /* messages of one request share one transport */
  g_assert_true (((TscMessage *) g_ptr_array_index (loaded, 1))->transport ==
                 ((TscMessage *) g_ptr_array_index (loaded, 3))->transport);
  g_assert_true (((TscMessage *) g_ptr_array_index (loaded, 0))->transport !=
                 ((TscMessage *) g_ptr_array_index (loaded, 1))->transport);

  /* paging */
  page = tsc_session_store_load_messages (store,
                                          ((TscMessage *) g_ptr_array_index (stored, 1))->seq,
                                          1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  assert_message_equal (g_ptr_array_index (page, 0), g_ptr_array_index (stored, 2));
  g_clear_pointer (&page, g_ptr_array_unref);
  page = tsc_session_store_load_messages (store,
                                          ((TscMessage *) g_ptr_array_index (stored, 3))->seq,
                                          100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 0);

  integrity = tsc_session_store_check_integrity (store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (integrity, ==, "ok");
}

static void
test_new_file_is_empty_session (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = create_store (f);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autofree char *integrity = NULL;

  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (tsc_session_store_count_messages (store, &error), ==, 0);
  g_assert_no_error (error);
  loaded = tsc_session_store_load_messages (store, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 0);
  integrity = tsc_session_store_check_integrity (store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (integrity, ==, "ok");
  g_clear_object (&store);

  g_assert_cmpint (sql_int (f, "PRAGMA user_version", NULL), ==, 1);

  /* and opens again, writable or not */
  store = tsc_session_store_open (f->path, 0, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  store = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
}

static void
test_refuses_newer_format (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(TscSessionStore) store = create_store (f);

  g_clear_object (&store);
  sql_exec_on_file (f, "PRAGMA user_version = 2");

  assert_open_refused (f, TSC_STORE_ERROR_TOO_NEW, "format 2");

  /* refusing did not touch the file */
  g_assert_cmpint (sql_int (f, "PRAGMA user_version", NULL), ==, 2);
}

static void
test_refuses_non_sqlite_file (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append (text, "{\"type\":\"track\",\"event\":\"not a database\"}\n");
  g_file_set_contents (f->path, text->str, text->len, &error);
  g_assert_no_error (error);

  assert_open_refused (f, TSC_STORE_ERROR_NOT_A_SESSION, NULL);

  /* and left it alone */
  g_file_get_contents (f->path, &after, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after, ==, text->str);
}

typedef struct
{
  const char *test_path;
  const char *sql;
} ForeignCase;

static const ForeignCase foreign_cases[] = {
  { "other-tables", "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);"
                    "INSERT INTO notes VALUES (1, 'x');" },
  { "version-without-session-info", "CREATE TABLE messages (seq INTEGER);"
                                    "PRAGMA user_version = 1;" },
  { "other-format-name", "CREATE TABLE session_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                         "INSERT INTO session_info VALUES ('format', 'someone-else');"
                         "PRAGMA user_version = 1;" },
};

static void
test_refuses_foreign_sqlite (Fixture       *f,
                             gconstpointer  data)
{
  const ForeignCase *c = data;

  sql_exec_on_file (f, c->sql);
  assert_open_refused (f, TSC_STORE_ERROR_NOT_A_SESSION, NULL);

  /* no session tables were added to someone else's database */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM sqlite_master WHERE name = 'requests'", NULL),
                   ==, 0);
}

static void
test_missing_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = NULL;

  store = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  g_assert_null (store);
  g_assert_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_OPEN);
  assert_message_contains (error, f->path);
  g_clear_error (&error);

  store = tsc_session_store_open (f->path, 0, &error);
  g_assert_null (store);
  g_assert_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_OPEN);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
}

static void
test_empty_file_read_only (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = NULL;

  g_file_set_contents (f->path, "", 0, &error);
  g_assert_no_error (error);

  store = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  g_assert_null (store);
  g_assert_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_NOT_A_SESSION);
  assert_message_contains (error, f->path);
}

static void
test_read_only_append_fails (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = create_store (f);
  g_autoptr(TscRequestRecord) record = make_full_record ();
  g_autoptr(GPtrArray) messages = message_array ();

  g_clear_object (&store);
  store = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);

  g_ptr_array_add (messages, make_full_message (record->transport));
  g_assert_false (tsc_session_store_append (store, record, messages, &error));
  g_assert_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_READ_ONLY);
  assert_message_contains (error, f->path);
  g_assert_cmpint (record->id, ==, 0);
  g_assert_cmpint (((TscMessage *) g_ptr_array_index (messages, 0))->seq, ==, 0);
  g_clear_object (&store);

  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM requests", NULL), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages", NULL), ==, 0);
}

/* A message without a messageId violates the schema (NOT NULL): the
 * whole request is rolled back, the others in the transaction stay. */
static void
test_failed_append_leaves_nothing (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = create_store (f);
  g_autoptr(GPtrArray) before_messages = NULL;
  g_autoptr(GPtrArray) bad_messages = message_array ();
  g_autoptr(GPtrArray) after_messages = NULL;
  g_autoptr(TscRequestRecord) before = make_sparse_request ("before-0", &before_messages);
  g_autoptr(TscRequestRecord) bad = make_full_record ();
  g_autoptr(TscRequestRecord) after = make_sparse_request ("after-0", &after_messages);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autofree char *integrity = NULL;

  g_ptr_array_add (bad_messages, make_full_message (bad->transport));
  g_ptr_array_add (bad_messages, make_sparse_message (bad->transport, 1, "track", "bad-1", "{}"));
  g_ptr_array_add (bad_messages, make_broken_message (bad->transport, 2));

  g_assert_true (tsc_session_store_begin (store, &error));
  g_assert_true (tsc_session_store_append (store, before, before_messages, &error));
  g_assert_no_error (error);

  g_assert_false (tsc_session_store_append (store, bad, bad_messages, &error));
  g_assert_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_SQL);
  assert_message_contains (error, f->path);
  assert_message_contains (error, "message_id");
  g_clear_error (&error);
  g_assert_cmpint (bad->id, ==, 0);
  for (guint i = 0; i < bad_messages->len; i++)
    g_assert_cmpint (((TscMessage *) g_ptr_array_index (bad_messages, i))->seq, ==, 0);

  g_assert_true (tsc_session_store_append (store, after, after_messages, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_commit (store, &error));
  g_assert_no_error (error);

  loaded = tsc_session_store_load_messages (store, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 2);
  g_assert_cmpstr (((TscMessage *) g_ptr_array_index (loaded, 0))->message_id, ==, "before-0");
  g_assert_cmpstr (((TscMessage *) g_ptr_array_index (loaded, 1))->message_id, ==, "after-0");
  g_assert_cmpint (((TscMessage *) g_ptr_array_index (loaded, 1))->seq, ==,
                   ((TscMessage *) g_ptr_array_index (after_messages, 0))->seq);
  g_assert_cmpint (((TscMessage *) g_ptr_array_index (loaded, 1))->transport->request_id,
                   ==, after->id);

  integrity = tsc_session_store_check_integrity (store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (integrity, ==, "ok");
  g_clear_object (&store);

  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM requests", NULL), ==, 2);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages", NULL), ==, 2);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE message_id LIKE 'bad-%'"
                               " OR message_id LIKE 'trackscope-%'", NULL), ==, 0);
}

/* "0 until stored" (tsc-message.h): after a failed append, the request's
 * transport must not keep an id; the rowid is handed to the next request. */
static void
test_failed_append_resets_ids (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = create_store (f);
  g_autoptr(GPtrArray) bad_messages = message_array ();
  g_autoptr(GPtrArray) next_messages = NULL;
  g_autoptr(TscRequestRecord) bad = make_full_record ();
  g_autoptr(TscRequestRecord) next = make_sparse_request ("next-0", &next_messages);

  g_ptr_array_add (bad_messages, make_full_message (bad->transport));
  g_ptr_array_add (bad_messages, make_broken_message (bad->transport, 1));

  g_assert_true (tsc_session_store_begin (store, &error));
  g_assert_false (tsc_session_store_append (store, bad, bad_messages, &error));
  g_assert_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_SQL);
  g_clear_error (&error);
  g_assert_true (tsc_session_store_append (store, next, next_messages, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_commit (store, &error));
  g_assert_no_error (error);

  g_assert_cmpint (bad->id, ==, 0);
  for (guint i = 0; i < bad_messages->len; i++)
    g_assert_cmpint (((TscMessage *) g_ptr_array_index (bad_messages, i))->seq, ==, 0);

  if (bad->transport->request_id != 0)
    g_test_fail_printf ("the transport of the request that was not stored keeps request_id %"
                        G_GINT64_FORMAT "; the request stored next has id %" G_GINT64_FORMAT,
                        bad->transport->request_id, next->id);
}

static void
test_append_without_transaction (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = create_store (f);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(TscRequestRecord) record = make_sparse_request ("solo", &messages);

  g_assert_true (tsc_session_store_append (store, record, messages, &error));
  g_assert_no_error (error);

  /* visible to another connection while the store is still open */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE message_id = 'solo'", NULL),
                   ==, 1);
}

static void
test_rollback_discards (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = create_store (f);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(TscRequestRecord) record = make_sparse_request ("gone", &messages);

  g_assert_true (tsc_session_store_begin (store, &error));
  g_assert_true (tsc_session_store_append (store, record, messages, &error));
  g_assert_no_error (error);
  tsc_session_store_rollback (store);
  /* a second rollback outside a transaction is harmless */
  tsc_session_store_rollback (store);

  g_assert_cmpint (tsc_session_store_count_messages (store, &error), ==, 0);
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* the writer                                                         */

#define N_THREADS           4
#define REQUESTS_PER_THREAD 200
#define N_REQUESTS          (N_THREADS * REQUESTS_PER_THREAD)

typedef struct _WriterTest WriterTest;

typedef struct
{
  WriterTest *test;
  guint       request;
  guint       calls;
  gint64      record_id;
  guint       n_messages;
  GError     *error;
} Slot;

struct _WriterTest
{
  TscSessionWriter *writer;
  GMainContext     *context;
  GThread          *main_thread;
  guint             bad_every;     /* > 0: every n-th request cannot be stored */
  guint             n_done;
  GHashTable       *seqs;          /* seq → message id, from the callbacks */
  Slot              slots[N_REQUESTS];
};

typedef struct
{
  WriterTest *test;
  guint       thread_index;
} SubmitArgs;

static guint
messages_for (guint request)
{
  return request % 3 + 1;
}

static gboolean
is_bad (WriterTest *test,
        guint       request)
{
  return test->bad_every > 0 && request % test->bad_every == 3;
}

static void
on_stored_cb (TscRequestRecord *record,
              GPtrArray        *messages,
              const GError     *error,
              gpointer          user_data)
{
  Slot *slot = user_data;
  WriterTest *test = slot->test;

  /* in the submitter's context, never in the writer's thread */
  g_assert_true (g_thread_self () == test->main_thread);
  g_assert_true (g_main_context_is_owner (test->context));

  slot->calls++;
  test->n_done++;
  slot->record_id = record->id;
  slot->n_messages = messages ? messages->len : 0;
  if (error != NULL)
    {
      slot->error = g_error_copy (error);
      return;
    }

  g_assert_nonnull (messages);
  g_assert_cmpint (record->id, >, 0);
  for (guint j = 0; j < messages->len; j++)
    {
      TscMessage *m = g_ptr_array_index (messages, j);
      g_autofree char *expected_id = g_strdup_printf ("r%u-m%u", slot->request, j);

      g_assert_cmpstr (m->message_id, ==, expected_id);
      g_assert_cmpint (m->seq, >, 0);
      g_assert_cmpint (m->transport->request_id, ==, record->id);
      g_assert_false (g_hash_table_contains (test->seqs, GINT_TO_POINTER ((int) m->seq)));
      g_hash_table_insert (test->seqs, GINT_TO_POINTER ((int) m->seq), g_strdup (m->message_id));
    }
}

static gpointer
submit_thread (gpointer data)
{
  SubmitArgs *args = data;
  WriterTest *test = args->test;

  for (guint i = 0; i < REQUESTS_PER_THREAD; i++)
    {
      guint request = args->thread_index * REQUESTS_PER_THREAD + i;
      TscRequestRecord *record = tsc_request_record_new ();
      GPtrArray *messages = message_array ();
      guint n = messages_for (request);

      record->received_at = RECEIVED_AT + request;
      record->transport->route = g_strdup ("/v1/batch");
      record->transport->lane = g_strdup_printf ("thread-%u", args->thread_index);
      record->status = 200;
      record->message_count = n;

      for (guint j = 0; j < n; j++)
        {
          TscMessage *m = tsc_message_new ();
          char *raw;

          m->batch_index = j;
          m->received_at = record->received_at;
          m->corrected_at = record->received_at;
          m->type = TSC_MESSAGE_TYPE_TRACK;
          m->type_name = g_strdup ("track");
          m->event = g_strdup ("Burst");
          m->message_id = g_strdup_printf ("r%u-m%u", request, j);
          m->transport = tsc_transport_ref (record->transport);
          raw = g_strdup_printf ("{\"r\":%u,\"m\":%u}", request, j);
          m->raw = g_bytes_new_take (raw, strlen (raw));
          g_ptr_array_add (messages, m);
        }

      if (is_bad (test, request))
        g_clear_pointer (&((TscMessage *) g_ptr_array_index (messages, n - 1))->message_id, g_free);

      test->slots[request].test = test;
      test->slots[request].request = request;
      tsc_session_writer_submit (test->writer, record, messages, test->context,
                                 on_stored_cb, &test->slots[request]);
    }

  return NULL;
}

static gboolean
timeout_cb (gpointer data)
{
  g_error ("the session writer did not answer every request in time");
  return G_SOURCE_REMOVE;
}

static guint64
run_writer (Fixture  *f,
            gboolean  hold_lock,
            guint     bad_every)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = create_store (f);
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_autofree WriterTest *test = g_new0 (WriterTest, 1);
  GThread *threads[N_THREADS];
  SubmitArgs args[N_THREADS];
  sqlite3 *lock = NULL;
  guint64 commits;
  guint expected_requests = 0;
  guint expected_messages = 0;

  test->writer = tsc_session_writer_new (store);
  g_clear_object (&store);   /* the writer keeps it */
  g_assert_cmpstr (tsc_session_writer_get_path (test->writer), ==, f->path);
  test->context = g_main_context_new ();
  test->main_thread = g_thread_self ();
  test->bad_every = bad_every;
  test->seqs = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  timeout = g_timeout_source_new_seconds (60);
  g_source_set_callback (timeout, timeout_cb, NULL, NULL);
  g_source_attach (timeout, test->context);

  /* Another connection holding the write lock keeps the writer's first
   * commit waiting (busy timeout) while the whole burst is queued, so
   * the group commit does not depend on thread scheduling. */
  if (hold_lock)
    {
      lock = sql_open_writable (f->path);
      sql_exec (lock, "BEGIN IMMEDIATE");
    }

  for (guint t = 0; t < N_THREADS; t++)
    {
      args[t].test = test;
      args[t].thread_index = t;
      threads[t] = g_thread_new ("submit", submit_thread, &args[t]);
    }
  for (guint t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);

  if (hold_lock)
    {
      /* nothing can be durable yet, so nothing may have been answered */
      g_assert_false (g_main_context_pending (test->context));
      sql_exec (lock, "ROLLBACK");
      sqlite3_close (lock);
    }

  while (test->n_done < N_REQUESTS)
    g_main_context_iteration (test->context, TRUE);

  tsc_session_writer_close (test->writer);
  commits = tsc_session_writer_get_commits (test->writer);
  g_clear_object (&test->writer);

  /* no late or repeated callbacks */
  while (g_main_context_iteration (test->context, FALSE))
    ;
  g_assert_cmpuint (test->n_done, ==, N_REQUESTS);

  for (guint r = 0; r < N_REQUESTS; r++)
    {
      Slot *slot = &test->slots[r];

      g_assert_cmpuint (slot->calls, ==, 1);
      g_assert_cmpuint (slot->n_messages, ==, messages_for (r));
      if (is_bad (test, r))
        {
          /* it fails alone */
          g_assert_error (slot->error, TSC_STORE_ERROR, TSC_STORE_ERROR_SQL);
          g_assert_cmpint (slot->record_id, ==, 0);
        }
      else
        {
          g_assert_no_error (slot->error);
          g_assert_cmpint (slot->record_id, >, 0);
          expected_requests++;
          expected_messages += messages_for (r);
        }
      g_clear_error (&slot->error);
    }
  g_assert_cmpuint (g_hash_table_size (test->seqs), ==, expected_messages);

  /* everything acknowledged is in the file, under the seq announced */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM requests", NULL), ==, expected_requests);
  store = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tsc_session_store_count_messages (store, &error), ==, expected_messages);
  loaded = tsc_session_store_load_messages (store, 0, G_MAXUINT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, expected_messages);
  for (guint i = 0; i < loaded->len; i++)
    {
      TscMessage *m = g_ptr_array_index (loaded, i);
      const char *announced = g_hash_table_lookup (test->seqs, GINT_TO_POINTER ((int) m->seq));

      g_assert_cmpstr (m->message_id, ==, announced);
    }

  g_source_destroy (timeout);
  g_hash_table_unref (test->seqs);
  g_main_context_unref (test->context);

  g_test_message ("%u requests, %" G_GUINT64_FORMAT " commits", N_REQUESTS, commits);
  g_assert_cmpuint (commits, >=, 1);
  return commits;
}

static void
test_writer_group_commit (Fixture       *f,
                          gconstpointer  data)
{
  guint64 commits = run_writer (f, TRUE, 0);

  /* The first request may commit alone, everything queued behind it in one go. */
  g_assert_cmpuint (commits, <, N_REQUESTS);
  g_assert_cmpuint (commits, <=, 2);
}

static void
test_writer_concurrent (Fixture       *f,
                        gconstpointer  data)
{
  guint64 commits = run_writer (f, FALSE, 0);

  g_assert_cmpuint (commits, <=, N_REQUESTS);
}

static void
test_writer_bad_request_fails_alone (Fixture       *f,
                                     gconstpointer  data)
{
  guint64 commits = run_writer (f, TRUE, 7);

  g_assert_cmpuint (commits, <=, 2);
}

typedef struct
{
  guint   calls;
  gint64  record_id;
  gboolean had_messages;
  GError *error;
} SimpleResult;

static void
on_simple_stored_cb (TscRequestRecord *record,
                     GPtrArray        *messages,
                     const GError     *error,
                     gpointer          user_data)
{
  SimpleResult *result = user_data;

  result->calls++;
  result->record_id = record->id;
  result->had_messages = messages != NULL;
  if (error)
    result->error = g_error_copy (error);
}

static void
test_writer_default_context_and_no_messages (Fixture       *f,
                                             gconstpointer  data)
{
  g_autoptr(TscSessionStore) store = create_store (f);
  g_autoptr(TscSessionWriter) writer = tsc_session_writer_new (store);
  SimpleResult result = { 0 };

  /* a rejected request: a record, no messages */
  tsc_session_writer_submit (writer, make_rejected_record (), NULL, NULL,
                             on_simple_stored_cb, &result);
  while (result.calls == 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (result.error);
  g_assert_false (result.had_messages);
  g_assert_cmpint (result.record_id, >, 0);

  tsc_session_writer_close (writer);
  /* close twice is fine */
  tsc_session_writer_close (writer);
  g_assert_cmpuint (tsc_session_writer_get_commits (writer), ==, 1);
  g_assert_cmpuint (result.calls, ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM requests WHERE status = 413", NULL), ==, 1);
}

static void
test_writer_submit_after_close (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(TscSessionStore) store = create_store (f);
  g_autoptr(TscSessionWriter) writer = tsc_session_writer_new (store);
  g_autoptr(GMainContext) context = g_main_context_new ();
  GPtrArray *messages = NULL;
  TscRequestRecord *record = make_sparse_request ("late", &messages);
  SimpleResult result = { 0 };

  tsc_session_writer_close (writer);

  tsc_session_writer_submit (writer, record, messages, context, on_simple_stored_cb, &result);
  /* never called synchronously, only from the context */
  g_assert_cmpuint (result.calls, ==, 0);
  while (result.calls == 0)
    g_main_context_iteration (context, TRUE);

  g_assert_error (result.error, TSC_STORE_ERROR, TSC_STORE_ERROR_READ_ONLY);
  assert_message_contains (result.error, f->path);
  g_assert_cmpint (result.record_id, ==, 0);
  g_assert_true (result.had_messages);
  g_clear_error (&result.error);

  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (result.calls, ==, 1);
  g_assert_cmpuint (tsc_session_writer_get_commits (writer), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages", NULL), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* One wrong case must not hide the verdict on the others. */
  g_test_set_nonfatal_assertions ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/session-store/round-trip/every-field-comes-back", test_round_trip);
  ADD ("/session-store/open/new-file-is-an-empty-session", test_new_file_is_empty_session);
  ADD ("/session-store/open/refuses-newer-format", test_refuses_newer_format);
  ADD ("/session-store/open/refuses-non-sqlite-file", test_refuses_non_sqlite_file);
  for (guint i = 0; i < G_N_ELEMENTS (foreign_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/session-store/open/refuses-foreign-sqlite/",
                                           foreign_cases[i].test_path, NULL);
      g_test_add (path, Fixture, &foreign_cases[i], fixture_set_up, test_refuses_foreign_sqlite,
                  fixture_tear_down);
    }
  ADD ("/session-store/open/missing-file-is-not-created", test_missing_file);
  ADD ("/session-store/open/empty-file-read-only-is-not-a-session", test_empty_file_read_only);
  ADD ("/session-store/append/read-only-fails", test_read_only_append_fails);
  ADD ("/session-store/append/failure-leaves-nothing-behind", test_failed_append_leaves_nothing);
  ADD ("/session-store/append/failure-resets-request-id", test_failed_append_resets_ids);
  ADD ("/session-store/append/without-transaction-is-committed", test_append_without_transaction);
  ADD ("/session-store/append/rollback-discards", test_rollback_discards);

  ADD ("/session-writer/burst-shares-commits", test_writer_group_commit);
  ADD ("/session-writer/concurrent-submits-answered-once", test_writer_concurrent);
  ADD ("/session-writer/bad-request-fails-alone", test_writer_bad_request_fails_alone);
  ADD ("/session-writer/default-context-and-no-messages",
       test_writer_default_context_and_no_messages);
  ADD ("/session-writer/submit-after-close-fails", test_writer_submit_after_close);

#undef ADD

  return g_test_run ();
}
