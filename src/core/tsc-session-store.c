/* tsc-session-store.c
 *
 * The session file: an SQLite database in WAL mode. One row per HTTP
 * request in `requests`, one row per message in `messages` with its raw
 * bytes, the fields the model indexes on and the transport facts.
 *
 * A store is used from one thread at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-session-store"

#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tsc-session-store.h"

#define SESSION_FORMAT_NAME "trackscope-session"

struct _TscSessionStore
{
  GObject       parent_instance;

  char         *path;
  sqlite3      *db;
  gboolean      read_only;
  gboolean      has_upstream;  /* the upstream table exists (added in 0.2) */

  sqlite3_stmt *insert_request;
  sqlite3_stmt *insert_message;
};

G_DEFINE_FINAL_TYPE (TscSessionStore, tsc_session_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (tsc-store-error-quark, tsc_store_error)

static const char schema_v1[] =
  "CREATE TABLE session_info ("
  "  key   TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ");"
  "CREATE TABLE requests ("
  "  id               INTEGER PRIMARY KEY,"
  "  received_at      INTEGER NOT NULL,"   /* µs since the epoch, UTC */
  "  method           TEXT NOT NULL,"
  "  path             TEXT NOT NULL,"
  "  route            TEXT NOT NULL,"
  "  lane             TEXT,"
  "  remote_addr      TEXT,"
  "  user_agent       TEXT,"
  "  origin           TEXT,"
  "  write_key        TEXT,"
  "  auth_method      TEXT,"
  "  content_type     TEXT,"
  "  content_encoding TEXT,"
  "  headers          TEXT NOT NULL,"
  "  body_size        INTEGER NOT NULL,"
  "  decoded_size     INTEGER,"
  "  status           INTEGER NOT NULL,"
  "  error_code       TEXT,"
  "  error_message    TEXT,"
  "  body             BLOB,"               /* rejected requests only */
  "  body_truncated   INTEGER NOT NULL DEFAULT 0,"
  "  message_count    INTEGER NOT NULL"
  ");"
  "CREATE TABLE messages ("
  "  seq                INTEGER PRIMARY KEY,"
  "  request_id         INTEGER NOT NULL REFERENCES requests (id),"
  "  batch_index        INTEGER,"
  "  received_at        INTEGER NOT NULL,"
  "  type               TEXT,"
  "  event              TEXT,"
  "  name               TEXT,"
  "  user_id            TEXT,"
  "  anonymous_id       TEXT,"
  "  previous_id        TEXT,"
  "  group_id           TEXT,"
  "  message_id         TEXT NOT NULL,"
  "  message_id_added   INTEGER NOT NULL DEFAULT 0,"
  "  timestamp          TEXT,"
  "  sent_at            TEXT,"
  "  corrected_at       INTEGER,"
  "  route              TEXT NOT NULL,"
  "  lane               TEXT,"
  "  remote_addr        TEXT,"
  "  user_agent         TEXT,"
  "  origin             TEXT,"
  "  write_key          TEXT,"
  "  auth_method        TEXT,"
  "  content_encoding   TEXT,"
  "  batch_context      TEXT,"
  "  batch_integrations TEXT,"
  "  raw                BLOB NOT NULL"
  ");";

/* What forwarding made of each request. Added without a format bump:
 * older readers ignore the table, and it is created when a file is
 * opened for writing. */
static const char schema_upstream[] =
  "CREATE TABLE IF NOT EXISTS upstream ("
  "  request_id  INTEGER PRIMARY KEY REFERENCES requests (id),"
  "  status      INTEGER NOT NULL,"   /* HTTP status of the last attempt, 0 for none */
  "  attempts    INTEGER NOT NULL,"
  "  error       TEXT,"               /* why it failed, NULL when accepted */
  "  finished_at INTEGER NOT NULL"    /* µs since the epoch */
  ");";

static const char insert_request_sql[] =
  "INSERT INTO requests (received_at, method, path, route, lane, remote_addr, user_agent,"
  " origin, write_key, auth_method, content_type, content_encoding, headers, body_size,"
  " decoded_size, status, error_code, error_message, body, body_truncated, message_count)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
  " ?18, ?19, ?20, ?21)";

static const char insert_message_sql[] =
  "INSERT INTO messages (request_id, batch_index, received_at, type, event, name, user_id,"
  " anonymous_id, previous_id, group_id, message_id, message_id_added, timestamp, sent_at,"
  " corrected_at, route, lane, remote_addr, user_agent, origin, write_key, auth_method,"
  " content_encoding, batch_context, batch_integrations, raw)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
  " ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)";

static const char select_messages_sql[] =
  "SELECT seq, request_id, batch_index, received_at, type, event, name, user_id,"
  " anonymous_id, previous_id, group_id, message_id, message_id_added, timestamp, sent_at,"
  " corrected_at, route, lane, remote_addr, user_agent, origin, write_key, auth_method,"
  " content_encoding, batch_context, batch_integrations, raw"
  " FROM messages WHERE seq > ?1 ORDER BY seq LIMIT ?2";

/**
 * tsc_session_store_default_path:
 *
 * Returns: (transfer full): a new file name under the user's data folder
 *   for a capture started now
 */
char *
tsc_session_store_default_path (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M%S");
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "trackscope", "sessions", NULL);

  for (guint i = 1;; i++)
    {
      g_autofree char *name = i == 1 ? g_strdup_printf ("capture-%s.trackscope", stamp)
                                     : g_strdup_printf ("capture-%s-%u.trackscope", stamp, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
}

/**
 * tsc_session_store_remove_files:
 *
 * Deletes a session file with its write-ahead log and shared-memory
 * files, for example a new file whose capture could not start.
 */
void
tsc_session_store_remove_files (const char *path)
{
  static const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  g_return_if_fail (path != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (path, suffixes[i], NULL);
      g_unlink (name);
    }
}

static gboolean
set_sql_error (TscSessionStore  *self,
               GError          **error,
               const char       *what)
{
  g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_SQL,
               "%s in session file “%s”: %s",
               what, self->path, sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec (TscSessionStore  *self,
      const char       *sql,
      GError          **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_SQL,
                   "Cannot update session file “%s”: %s", self->path, message);
      sqlite3_free (message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
query_int (TscSessionStore  *self,
           const char       *sql,
           gint64           *value,
           GError          **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    {
      *value = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
      return TRUE;
    }

  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
    g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_NOT_A_SESSION,
                 "“%s” is not a Trackscope session file: %s",
                 self->path, sqlite3_errmsg (self->db));
  else
    g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_OPEN,
                 "Cannot read session file “%s”: %s", self->path, sqlite3_errmsg (self->db));

  sqlite3_finalize (stmt);
  return FALSE;
}

static gboolean
create_schema (TscSessionStore  *self,
               GError          **error)
{
  g_autofree char *info = NULL;
  g_autofree char *version = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *created = g_date_time_format_iso8601 (now);

  char *sql = sqlite3_mprintf ("INSERT INTO session_info (key, value) VALUES"
                               " ('format', '%q'), ('created_at', '%q'), ('created_by', 'Trackscope %q');",
                               SESSION_FORMAT_NAME, created, PACKAGE_VERSION);

  info = g_strdup (sql);
  sqlite3_free (sql);
  version = g_strdup_printf ("PRAGMA user_version = %d;", TSC_SESSION_FORMAT_VERSION);

  if (!exec (self, "BEGIN IMMEDIATE;", error))
    return FALSE;

  if (!exec (self, schema_v1, error) ||
      !exec (self, info, error) ||
      !exec (self, version, error) ||
      !exec (self, "COMMIT;", error))
    {
      exec (self, "ROLLBACK;", NULL);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_format (TscSessionStore  *self,
              GError          **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (self->db, "SELECT value FROM session_info WHERE key = 'format'",
                          -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *format = (const char *) sqlite3_column_text (stmt, 0);
      ok = g_strcmp0 (format, SESSION_FORMAT_NAME) == 0;
    }
  sqlite3_finalize (stmt);

  if (!ok)
    g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_NOT_A_SESSION,
                 "“%s” is an SQLite database but not a Trackscope session file",
                 self->path);
  return ok;
}

static gboolean
open_database (TscSessionStore           *self,
               TscSessionStoreOpenFlags   flags,
               GError                   **error)
{
  gint64 version = 0;
  gint64 n_tables = 0;
  int open_flags;
  int rc;

  if (flags & TSC_SESSION_STORE_OPEN_READ_ONLY)
    open_flags = SQLITE_OPEN_READONLY;
  else if (flags & TSC_SESSION_STORE_OPEN_CREATE)
    open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  else
    open_flags = SQLITE_OPEN_READWRITE;
  open_flags |= SQLITE_OPEN_NOMUTEX;

  rc = sqlite3_open_v2 (self->path, &self->db, open_flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_OPEN,
                   "Cannot open session file “%s”: %s", self->path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return FALSE;
    }

  sqlite3_extended_result_codes (self->db, TRUE);
  sqlite3_busy_timeout (self->db, 5000);

  if (!query_int (self, "PRAGMA user_version", &version, error))
    return FALSE;

  if (version > TSC_SESSION_FORMAT_VERSION)
    {
      g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_TOO_NEW,
                   "“%s” was written by a newer Trackscope (session format %" G_GINT64_FORMAT
                   "); this version reads formats up to %d. Update Trackscope to open it.",
                   self->path, version, TSC_SESSION_FORMAT_VERSION);
      return FALSE;
    }

  if (version == 0)
    {
      if (!query_int (self, "SELECT count(*) FROM sqlite_master", &n_tables, error))
        return FALSE;

      if (n_tables > 0)
        {
          g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_NOT_A_SESSION,
                       "“%s” is an SQLite database but not a Trackscope session file",
                       self->path);
          return FALSE;
        }

      if (self->read_only)
        {
          g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_NOT_A_SESSION,
                       "“%s” is empty, not a Trackscope session file", self->path);
          return FALSE;
        }
    }

  if (!self->read_only)
    {
      /* WAL keeps readers (the app, `check`) off the writer's back; FULL
       * makes each commit durable before the collector replies 200. */
      if (!exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", error))
        return FALSE;
    }

  if (version == 0)
    {
      if (!create_schema (self, error))
        return FALSE;
    }
  /* Migrations from older formats go here, one step per version. */
  else if (!check_format (self, error))
    return FALSE;

  if (!self->read_only && !exec (self, schema_upstream, error))
    return FALSE;

  if (!query_int (self, "SELECT count(*) FROM sqlite_master"
                        " WHERE type = 'table' AND name = 'upstream'", &n_tables, error))
    return FALSE;

  self->has_upstream = n_tables > 0;
  return TRUE;
}

/**
 * tsc_session_store_open:
 * @path: the session file
 * @flags: %TSC_SESSION_STORE_OPEN_CREATE to create it (and its folder)
 *   when missing,
 *   %TSC_SESSION_STORE_OPEN_READ_ONLY to only read it
 *
 * Opens a session file, creating the schema in a new one. Files of a
 * newer format are refused with %TSC_STORE_ERROR_TOO_NEW, files that
 * are not session files with %TSC_STORE_ERROR_NOT_A_SESSION.
 */
TscSessionStore *
tsc_session_store_open (const char                *path,
                        TscSessionStoreOpenFlags   flags,
                        GError                   **error)
{
  g_autoptr(TscSessionStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (flags & TSC_SESSION_STORE_OPEN_CREATE)
    {
      g_autofree char *dir = g_path_get_dirname (path);

      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_OPEN,
                       "Cannot create folder “%s” for session file “%s”: %s",
                       dir, path, g_strerror (saved_errno));
          return NULL;
        }
    }

  self = g_object_new (TSC_TYPE_SESSION_STORE, NULL);
  self->path = g_strdup (path);
  self->read_only = (flags & TSC_SESSION_STORE_OPEN_READ_ONLY) != 0;

  if (!open_database (self, flags, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
tsc_session_store_get_path (TscSessionStore *self)
{
  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), NULL);
  return self->path;
}

gboolean
tsc_session_store_begin (TscSessionStore  *self,
                         GError          **error)
{
  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), FALSE);
  return exec (self, "BEGIN IMMEDIATE;", error);
}

gboolean
tsc_session_store_commit (TscSessionStore  *self,
                          GError          **error)
{
  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), FALSE);
  return exec (self, "COMMIT;", error);
}

void
tsc_session_store_rollback (TscSessionStore *self)
{
  g_return_if_fail (TSC_IS_SESSION_STORE (self));
  if (!sqlite3_get_autocommit (self->db))
    exec (self, "ROLLBACK;", NULL);
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

static void
bind_bytes (sqlite3_stmt *stmt,
            int           index,
            GBytes       *bytes)
{
  gsize len = 0;
  gconstpointer data;

  if (bytes == NULL)
    {
      sqlite3_bind_null (stmt, index);
      return;
    }

  data = g_bytes_get_data (bytes, &len);
  /* A zero-length blob is still a blob, not NULL. */
  sqlite3_bind_blob64 (stmt, index, data ? data : "", len, SQLITE_STATIC);
}

static gboolean
prepare (TscSessionStore  *self,
         sqlite3_stmt    **stmt,
         const char       *sql,
         GError          **error)
{
  if (*stmt != NULL)
    return TRUE;

  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK)
    return set_sql_error (self, error, "Cannot prepare a statement");

  return TRUE;
}

static gboolean
step_insert (TscSessionStore  *self,
             sqlite3_stmt     *stmt,
             gint64           *rowid,
             GError          **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);

  if (rc != SQLITE_DONE)
    return set_sql_error (self, error, "Cannot store a row");

  *rowid = sqlite3_last_insert_rowid (self->db);
  return TRUE;
}

static gboolean
insert_request (TscSessionStore   *self,
                TscRequestRecord  *record,
                GError           **error)
{
  sqlite3_stmt *stmt;
  TscTransport *t = record->transport;

  if (!prepare (self, &self->insert_request, insert_request_sql, error))
    return FALSE;

  stmt = self->insert_request;
  sqlite3_bind_int64 (stmt, 1, record->received_at);
  bind_text (stmt, 2, t->method ? t->method : "POST");
  bind_text (stmt, 3, t->path ? t->path : "");
  bind_text (stmt, 4, t->route ? t->route : "");
  bind_text (stmt, 5, t->lane);
  bind_text (stmt, 6, t->remote_addr);
  bind_text (stmt, 7, t->user_agent);
  bind_text (stmt, 8, t->origin);
  bind_text (stmt, 9, t->write_key);
  bind_text (stmt, 10, tsc_auth_method_to_string (t->auth_method));
  bind_text (stmt, 11, t->content_type);
  bind_text (stmt, 12, t->content_encoding);
  bind_text (stmt, 13, record->headers_json ? record->headers_json : "{}");
  sqlite3_bind_int64 (stmt, 14, record->body_size);
  if (record->decoded_size >= 0)
    sqlite3_bind_int64 (stmt, 15, record->decoded_size);
  else
    sqlite3_bind_null (stmt, 15);
  sqlite3_bind_int (stmt, 16, record->status);
  bind_text (stmt, 17, record->error_code);
  bind_text (stmt, 18, record->error_message);
  bind_bytes (stmt, 19, record->body);
  sqlite3_bind_int (stmt, 20, record->body_truncated);
  sqlite3_bind_int (stmt, 21, record->message_count);

  if (!step_insert (self, stmt, &record->id, error))
    return FALSE;

  t->request_id = record->id;
  return TRUE;
}

static gboolean
insert_message (TscSessionStore  *self,
                gint64            request_id,
                TscMessage       *m,
                GError          **error)
{
  sqlite3_stmt *stmt;
  TscTransport *t = m->transport;

  if (!prepare (self, &self->insert_message, insert_message_sql, error))
    return FALSE;

  stmt = self->insert_message;
  sqlite3_bind_int64 (stmt, 1, request_id);
  if (m->batch_index >= 0)
    sqlite3_bind_int (stmt, 2, m->batch_index);
  else
    sqlite3_bind_null (stmt, 2);
  sqlite3_bind_int64 (stmt, 3, m->received_at);
  bind_text (stmt, 4, m->type_name);
  bind_text (stmt, 5, m->event);
  bind_text (stmt, 6, m->name);
  bind_text (stmt, 7, m->user_id);
  bind_text (stmt, 8, m->anonymous_id);
  bind_text (stmt, 9, m->previous_id);
  bind_text (stmt, 10, m->group_id);
  bind_text (stmt, 11, m->message_id);
  sqlite3_bind_int (stmt, 12, m->message_id_added);
  bind_text (stmt, 13, m->timestamp);
  bind_text (stmt, 14, m->sent_at);
  sqlite3_bind_int64 (stmt, 15, m->corrected_at);
  bind_text (stmt, 16, t && t->route ? t->route : "");
  bind_text (stmt, 17, t ? t->lane : NULL);
  bind_text (stmt, 18, t ? t->remote_addr : NULL);
  bind_text (stmt, 19, t ? t->user_agent : NULL);
  bind_text (stmt, 20, t ? t->origin : NULL);
  bind_text (stmt, 21, t ? t->write_key : NULL);
  bind_text (stmt, 22, t ? tsc_auth_method_to_string (t->auth_method) : NULL);
  bind_text (stmt, 23, t ? t->content_encoding : NULL);
  bind_text (stmt, 24, m->batch_context);
  bind_text (stmt, 25, m->batch_integrations);
  bind_bytes (stmt, 26, m->raw);

  return step_insert (self, stmt, &m->seq, error);
}

/**
 * tsc_session_store_append:
 * @record: the request; its id is set
 * @messages: (element-type TscMessage) (nullable): its messages; their
 *   sequence numbers are set
 *
 * Stores one request and its messages. Call inside
 * tsc_session_store_begin() and tsc_session_store_commit() to share a
 * commit between requests; on failure nothing of the request is kept.
 */
gboolean
tsc_session_store_append (TscSessionStore   *self,
                          TscRequestRecord  *record,
                          GPtrArray         *messages,
                          GError           **error)
{
  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  if (self->read_only)
    {
      g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_READ_ONLY,
                   "Session file “%s” is open read-only", self->path);
      return FALSE;
    }

  if (!exec (self, "SAVEPOINT append;", error))
    return FALSE;

  if (!insert_request (self, record, error))
    goto failed;

  for (guint i = 0; messages != NULL && i < messages->len; i++)
    {
      TscMessage *m = g_ptr_array_index (messages, i);

      if (m->transport != NULL)
        m->transport->request_id = record->id;
      if (!insert_message (self, record->id, m, error))
        goto failed;
    }

  return exec (self, "RELEASE append;", error);

failed:
  exec (self, "ROLLBACK TO append; RELEASE append;", NULL);
  record->id = 0;
  record->transport->request_id = 0;
  for (guint i = 0; messages != NULL && i < messages->len; i++)
    ((TscMessage *) g_ptr_array_index (messages, i))->seq = 0;
  return FALSE;
}

gint64
tsc_session_store_count_messages (TscSessionStore  *self,
                                  GError          **error)
{
  gint64 count = -1;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), -1);

  if (!query_int (self, "SELECT count(*) FROM messages", &count, error))
    return -1;
  return count;
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  return g_strdup (text);
}

/**
 * tsc_session_store_load_messages:
 * @after_seq: load messages with a larger sequence number
 * @limit: at most this many
 *
 * Returns: (transfer full) (element-type TscMessage): the messages in
 *   sequence order; messages of one request share their transport
 */
GPtrArray *
tsc_session_store_load_messages (TscSessionStore  *self,
                                 gint64            after_seq,
                                 guint             limit,
                                 GError          **error)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  g_autoptr(TscTransport) transport = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), NULL);

  if (sqlite3_prepare_v2 (self->db, select_messages_sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error, "Cannot read messages");
      return NULL;
    }

  sqlite3_bind_int64 (stmt, 1, after_seq);
  sqlite3_bind_int64 (stmt, 2, limit);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TscMessage *m = tsc_message_new ();
      gint64 request_id = sqlite3_column_int64 (stmt, 1);
      const void *raw;
      int raw_len;

      m->seq = sqlite3_column_int64 (stmt, 0);
      m->batch_index = sqlite3_column_type (stmt, 2) == SQLITE_NULL ? -1 : sqlite3_column_int (stmt, 2);
      m->received_at = sqlite3_column_int64 (stmt, 3);
      m->type_name = column_dup (stmt, 4);
      m->type = tsc_message_type_from_string (m->type_name);
      m->event = column_dup (stmt, 5);
      m->name = column_dup (stmt, 6);
      m->user_id = column_dup (stmt, 7);
      m->anonymous_id = column_dup (stmt, 8);
      m->previous_id = column_dup (stmt, 9);
      m->group_id = column_dup (stmt, 10);
      m->message_id = column_dup (stmt, 11);
      m->message_id_added = sqlite3_column_int (stmt, 12);
      m->timestamp = column_dup (stmt, 13);
      m->sent_at = column_dup (stmt, 14);
      m->corrected_at = sqlite3_column_int64 (stmt, 15);

      if (transport == NULL || transport->request_id != request_id)
        {
          g_clear_pointer (&transport, tsc_transport_unref);
          transport = tsc_transport_new ();
          transport->request_id = request_id;
          transport->route = column_dup (stmt, 16);
          transport->lane = column_dup (stmt, 17);
          transport->remote_addr = column_dup (stmt, 18);
          transport->user_agent = column_dup (stmt, 19);
          transport->origin = column_dup (stmt, 20);
          transport->write_key = column_dup (stmt, 21);
          transport->auth_method = tsc_auth_method_from_string ((const char *) sqlite3_column_text (stmt, 22));
          transport->content_encoding = column_dup (stmt, 23);
        }
      m->transport = tsc_transport_ref (transport);

      m->batch_context = column_dup (stmt, 24);
      m->batch_integrations = column_dup (stmt, 25);
      raw = sqlite3_column_blob (stmt, 26);
      raw_len = sqlite3_column_bytes (stmt, 26);
      m->raw = g_bytes_new (raw, raw_len);

      g_ptr_array_add (messages, m);
    }

  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error, "Cannot read messages");
      return NULL;
    }

  return g_steal_pointer (&messages);
}

#define SELECT_REQUESTS \
  "SELECT r.id, r.received_at, r.method, r.path, r.route, r.lane, r.remote_addr, r.user_agent," \
  " r.origin, r.write_key, r.auth_method, r.content_type, r.content_encoding, r.headers," \
  " r.body_size, r.decoded_size, r.status, r.error_code, r.error_message, r.body," \
  " r.body_truncated, r.message_count"
#define SELECT_UPSTREAM ", u.status, u.attempts, u.error, u.finished_at"
#define FROM_REQUESTS " FROM requests r"
#define JOIN_UPSTREAM " LEFT JOIN upstream u ON u.request_id = r.id"

static char *
requests_sql (TscSessionStore *self,
              const char      *where)
{
  if (self->has_upstream)
    return g_strconcat (SELECT_REQUESTS SELECT_UPSTREAM FROM_REQUESTS JOIN_UPSTREAM, where, NULL);
  return g_strconcat (SELECT_REQUESTS FROM_REQUESTS, where, NULL);
}

static TscRequestRecord *
request_from_row (TscSessionStore *self,
                  sqlite3_stmt    *stmt)
{
  TscRequestRecord *record = tsc_request_record_new ();
  TscTransport *t = record->transport;

  record->id = sqlite3_column_int64 (stmt, 0);
  record->received_at = sqlite3_column_int64 (stmt, 1);
  t->request_id = record->id;
  t->method = column_dup (stmt, 2);
  t->path = column_dup (stmt, 3);
  t->route = column_dup (stmt, 4);
  t->lane = column_dup (stmt, 5);
  t->remote_addr = column_dup (stmt, 6);
  t->user_agent = column_dup (stmt, 7);
  t->origin = column_dup (stmt, 8);
  t->write_key = column_dup (stmt, 9);
  t->auth_method = tsc_auth_method_from_string ((const char *) sqlite3_column_text (stmt, 10));
  t->content_type = column_dup (stmt, 11);
  t->content_encoding = column_dup (stmt, 12);
  record->headers_json = column_dup (stmt, 13);
  record->body_size = sqlite3_column_int64 (stmt, 14);
  record->decoded_size = sqlite3_column_type (stmt, 15) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 15);
  record->status = sqlite3_column_int (stmt, 16);
  record->error_code = column_dup (stmt, 17);
  record->error_message = column_dup (stmt, 18);
  if (sqlite3_column_type (stmt, 19) != SQLITE_NULL)
    record->body = g_bytes_new (sqlite3_column_blob (stmt, 19), sqlite3_column_bytes (stmt, 19));
  record->body_truncated = sqlite3_column_int (stmt, 20);
  record->message_count = sqlite3_column_int (stmt, 21);

  if (self->has_upstream && sqlite3_column_type (stmt, 22) != SQLITE_NULL)
    {
      record->upstream.state = TSC_UPSTREAM_DONE;
      record->upstream.status = sqlite3_column_int (stmt, 22);
      record->upstream.attempts = sqlite3_column_int (stmt, 23);
      record->upstream.error = column_dup (stmt, 24);
      record->upstream.finished_at = sqlite3_column_int64 (stmt, 25);
    }

  return record;
}

/**
 * tsc_session_store_load_request:
 *
 * Returns: (transfer full) (nullable): the request @request_id as
 *   recorded, with its headers, (for a rejected one) its body and what
 *   forwarding made of it, or %NULL with @error set when there is no
 *   such request
 */
TscRequestRecord *
tsc_session_store_load_request (TscSessionStore  *self,
                                gint64            request_id,
                                GError          **error)
{
  g_autofree char *sql = NULL;
  TscRequestRecord *record = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), NULL);

  sql = requests_sql (self, " WHERE r.id = ?1");
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error, "Cannot read a request");
      return NULL;
    }

  sqlite3_bind_int64 (stmt, 1, request_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    record = request_from_row (self, stmt);
  else if (rc == SQLITE_DONE)
    g_set_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_SQL,
                 "Session file “%s” has no request %" G_GINT64_FORMAT, self->path, request_id);
  else
    set_sql_error (self, error, "Cannot read a request");
  sqlite3_finalize (stmt);

  return record;
}

/**
 * tsc_session_store_load_requests:
 * @after_id: load requests with a larger id
 * @limit: at most this many
 *
 * Reads requests in the order they were received (accepted and
 * rejected ones), for exports that go through a session in chunks.
 *
 * Returns: (transfer full) (element-type TscRequestRecord): the requests
 */
GPtrArray *
tsc_session_store_load_requests (TscSessionStore  *self,
                                 gint64            after_id,
                                 guint             limit,
                                 GError          **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_request_record_unref);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), NULL);

  sql = requests_sql (self, " WHERE r.id > ?1 ORDER BY r.id LIMIT ?2");
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error, "Cannot read requests");
      return NULL;
    }

  sqlite3_bind_int64 (stmt, 1, after_id);
  sqlite3_bind_int64 (stmt, 2, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, request_from_row (self, stmt));
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error, "Cannot read requests");
      return NULL;
    }

  return g_steal_pointer (&records);
}

/**
 * tsc_session_store_set_upstream:
 * @upstream: what forwarding made of request @request_id
 *
 * Records (or replaces) the upstream outcome of one request.
 */
gboolean
tsc_session_store_set_upstream (TscSessionStore          *self,
                                gint64                    request_id,
                                const TscUpstreamOutcome *upstream,
                                GError                  **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (upstream != NULL, FALSE);

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR REPLACE INTO upstream (request_id, status, attempts, error,"
                          " finished_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error, "Cannot record the upstream outcome");
      return FALSE;
    }

  sqlite3_bind_int64 (stmt, 1, request_id);
  sqlite3_bind_int (stmt, 2, upstream->status);
  sqlite3_bind_int (stmt, 3, upstream->attempts);
  sqlite3_bind_text (stmt, 4, upstream->error, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, upstream->finished_at);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error, "Cannot record the upstream outcome");
      return FALSE;
    }
  return TRUE;
}

/**
 * tsc_session_store_get_info:
 * @key: e.g. "collector", "profile", "created_at"
 *
 * Returns: (transfer full) (nullable): the value of @key in the file's
 *   session_info table, %NULL when it has none
 */
char *
tsc_session_store_get_info (TscSessionStore *self,
                            const char      *key)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (sqlite3_prepare_v2 (self->db, "SELECT value FROM session_info WHERE key = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    return NULL;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = column_dup (stmt, 0);
  sqlite3_finalize (stmt);

  return value;
}

/**
 * tsc_session_store_set_info:
 *
 * Sets @key of the file's session_info table (e.g. "collector" to the
 * address a capture listened on, "profile" to its rule profile).
 */
gboolean
tsc_session_store_set_info (TscSessionStore  *self,
                            const char       *key,
                            const char       *value,
                            GError          **error)
{
  char *sql;
  gboolean ok;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  sql = sqlite3_mprintf ("INSERT OR REPLACE INTO session_info (key, value) VALUES (%Q, %Q)",
                         key, value);
  ok = exec (self, sql, error);
  sqlite3_free (sql);
  return ok;
}

/**
 * tsc_session_store_get_time_range:
 * @first: (out): when the first request arrived (µs since the epoch)
 * @last: (out): when the last one arrived
 *
 * Returns: %FALSE with both 0 when the session has no requests
 */
gboolean
tsc_session_store_get_time_range (TscSessionStore *self,
                                  gint64          *first,
                                  gint64          *last)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), FALSE);

  *first = *last = 0;
  if (sqlite3_prepare_v2 (self->db, "SELECT min(received_at), max(received_at) FROM requests",
                          -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;

  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    {
      *first = sqlite3_column_int64 (stmt, 0);
      *last = sqlite3_column_int64 (stmt, 1);
      found = TRUE;
    }
  sqlite3_finalize (stmt);
  return found;
}

/**
 * tsc_session_store_copy_to:
 * @path: a file that does not exist yet
 *
 * Writes a consistent copy of the session to @path, for "Save As".
 */
gboolean
tsc_session_store_copy_to (TscSessionStore  *self,
                           const char       *path,
                           GError          **error)
{
  char *sql;
  gboolean ok;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  sql = sqlite3_mprintf ("VACUUM INTO %Q", path);
  ok = exec (self, sql, error);
  sqlite3_free (sql);
  return ok;
}

/**
 * tsc_session_store_check_integrity:
 *
 * Returns: (transfer full): the result of `PRAGMA integrity_check`,
 *   "ok" for a sound file
 */
char *
tsc_session_store_check_integrity (TscSessionStore  *self,
                                   GError          **error)
{
  sqlite3_stmt *stmt = NULL;
  GString *result = g_string_new (NULL);
  int rc;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (self), NULL);

  if (sqlite3_prepare_v2 (self->db, "PRAGMA integrity_check", -1, &stmt, NULL) != SQLITE_OK)
    {
      g_string_free (result, TRUE);
      set_sql_error (self, error, "Cannot check integrity");
      return NULL;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (result->len > 0)
        g_string_append_c (result, '\n');
      g_string_append (result, (const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      g_string_free (result, TRUE);
      set_sql_error (self, error, "Cannot check integrity");
      return NULL;
    }

  return g_string_free (result, FALSE);
}

static void
tsc_session_store_finalize (GObject *object)
{
  TscSessionStore *self = (TscSessionStore *) object;

  g_clear_pointer (&self->insert_request, sqlite3_finalize);
  g_clear_pointer (&self->insert_message, sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (tsc_session_store_parent_class)->finalize (object);
}

static void
tsc_session_store_class_init (TscSessionStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tsc_session_store_finalize;
}

static void
tsc_session_store_init (TscSessionStore *self)
{
}
