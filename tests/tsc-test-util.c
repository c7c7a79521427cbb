/* tsc-test-util.c: helpers shared by the C tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-test-util"

#include "config.h"

#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tsc-test-util.h"
#include "tsc-wire.h"

/* ---------------------------------------------------------------------- */
/* Temporary folders                                                       */

/* A new temporary folder made from @tmpl (see g_dir_make_tmp()); fails
 * the test when it cannot be made. When @file_path is given, it is set
 * to @file_name inside the folder (the file is not created). */
char *
tsc_test_make_tmp_dir (const char  *tmpl,
                       const char  *file_name,
                       char       **file_path)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  if (file_path != NULL)
    *file_path = g_build_filename (dir, file_name, NULL);
  return dir;
}

/* Removes @path and, if it is a folder, everything in it. Returns
 * whether all of it could be removed. */
gboolean
tsc_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  gboolean ok = TRUE;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_remove (path) == 0;

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (!tsc_test_remove_tree (child))
        ok = FALSE;
    }
  return g_rmdir (path) == 0 && ok;
}

/* Writes @contents (@len bytes, or up to its NUL when @len < 0) to the
 * file @name in @dir and returns the file's path. */
char *
tsc_test_write_file (const char *dir,
                     const char *name,
                     const char *contents,
                     gssize      len)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  return path;
}

/* The folder is named after the test program. */
void
tsc_test_tmp_dir_set_up (TscTestTmpDir *t,
                         gconstpointer  data)
{
  g_autofree char *program = g_path_get_basename (g_get_prgname ());
  g_autofree char *tmpl = g_strdup_printf ("%s-XXXXXX", program);

  t->dir = tsc_test_make_tmp_dir (tmpl, NULL, NULL);
}

void
tsc_test_tmp_dir_tear_down (TscTestTmpDir *t,
                            gconstpointer  data)
{
  g_assert_true (tsc_test_remove_tree (t->dir));
  g_clear_pointer (&t->dir, g_free);
}

/* ---------------------------------------------------------------------- */
/* Test data                                                               */

/* The file @name in tests/data/@folder/. */
char *
tsc_test_data_path (const char *folder,
                    const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", folder, name, NULL);
}

/* ---------------------------------------------------------------------- */
/* Assertions                                                              */

void
tsc_test_assert_contains (const char *haystack,
                          const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack, needle);
}

/* ---------------------------------------------------------------------- */
/* Waiting                                                                 */

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default main context until @done says so or @timeout_ms
 * have passed; returns what @done said last. */
gboolean
tsc_test_wait_until (TscTestDoneFunc done,
                     gpointer        data,
                     guint           timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint wake = g_timeout_add (10, wake_cb, NULL);
  gboolean ok;

  while (!(ok = done (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (wake);
  return ok;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Iterates the default main context until *@flag or the time is up. */
gboolean
tsc_test_wait_for_flag (gboolean *flag,
                        guint     timeout_ms)
{
  return tsc_test_wait_until (flag_is_set, flag, timeout_ms);
}

/* ---------------------------------------------------------------------- */
/* trackscope-cli                                                          */

/* g_test_init() with isolated folders, for a test program that runs
 * trackscope-cli. Returns %FALSE, having said why on stderr, when
 * TRACKSCOPE_CLI does not name the executable. */
gboolean
tsc_test_init_for_cli (int    *argc,
                       char ***argv)
{
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (g_getenv ("TRACKSCOPE_CLI") != NULL)
    return TRUE;

  g_printerr ("TRACKSCOPE_CLI must name the trackscope-cli executable\n");
  return FALSE;
}

#ifdef __linux__
static void
die_with_parent (gpointer data)
{
  /* A failed assertion must not leave a collector running. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}
#endif

/* Starts TRACKSCOPE_CLI with @args (without the program name), with
 * XDG_DATA_HOME set to @xdg_data_home when given. */
GSubprocess *
tsc_test_spawn_cli (GSubprocessFlags    flags,
                    const char         *xdg_data_home,
                    const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv ("TRACKSCOPE_CLI");
  GSubprocess *process;

  g_assert_nonnull (cli);

  launcher = g_subprocess_launcher_new (flags);
#ifdef __linux__
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
#endif
  if (xdg_data_home != NULL)
    g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", xdg_data_home, TRUE);

  g_ptr_array_add (argv, (gpointer) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

typedef struct
{
  gboolean  done;
  char     *line;
  GError   *error;
} LineRead;

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LineRead *r = user_data;

  r->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                       NULL, &r->error);
  r->done = TRUE;
}

/* The next line of @stream without its newline, %NULL at the end of the
 * stream. Fails the test when nothing comes within @timeout_ms. */
char *
tsc_test_read_line (GDataInputStream *stream,
                    guint             timeout_ms)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LineRead r = { 0 };

  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, cancellable, line_read_cb, &r);
  if (!tsc_test_wait_for_flag (&r.done, timeout_ms))
    {
      g_cancellable_cancel (cancellable);
      g_assert_true (tsc_test_wait_for_flag (&r.done, 5000));
      g_clear_error (&r.error);
      g_free (r.line);
      g_error ("no line within %u ms", timeout_ms);
    }

  g_assert_no_error (r.error);
  return r.line;
}

/* Reads the first line of `trackscope-cli capture` from @stdout_stream,
 * checks that it is “listening on http://127.0.0.1:PORT” and returns the
 * URI; @port, when given, is set to PORT. */
char *
tsc_test_read_listening_uri (GDataInputStream *stdout_stream,
                             guint             timeout_ms,
                             guint            *port)
{
  g_autoptr(GRegex) regex = g_regex_new ("^listening on (http://127\\.0\\.0\\.1:([0-9]+))$",
                                         0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *line = tsc_test_read_line (stdout_stream, timeout_ms);

  g_assert_nonnull (line);
  if (!g_regex_match (regex, line, 0, &match))
    g_error ("first line “%s” is not “listening on http://127.0.0.1:PORT”", line);
  if (port != NULL)
    {
      g_autofree char *port_text = g_match_info_fetch (match, 2);

      *port = (guint) g_ascii_strtoull (port_text, NULL, 10);
    }
  return g_match_info_fetch (match, 1);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* Waits for @process to end; kills it and fails the test if it does not. */
void
tsc_test_wait_for_exit (GSubprocess *process,
                        guint        timeout_ms)
{
  gboolean done = FALSE;

  g_subprocess_wait_async (process, NULL, wait_cb, &done);
  if (!tsc_test_wait_for_flag (&done, timeout_ms))
    {
      g_subprocess_force_exit (process);
      g_assert_true (tsc_test_wait_for_flag (&done, 5000));
      g_error ("trackscope-cli did not exit within %u ms", timeout_ms);
    }
}

/* ---------------------------------------------------------------------- */
/* Loopback HTTP                                                           */

/* A TCP socket listening on 127.0.0.1, on a port the system picked: for
 * as long as it lives, that port (in @port) is in use. */
GSocket *
tsc_test_listen_on_free_port (guint *port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GError) error = NULL;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                           &error);
  g_assert_no_error (error);
  g_socket_bind (listener, any_port, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);

  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&listener);
}

/* A @method request for @base_uri followed by @path; @body, when given,
 * is sent as @content_type (%NULL: no Content-Type). @body_len < 0 means
 * up to its NUL. */
SoupMessage *
tsc_test_new_request (const char *method,
                      const char *base_uri,
                      const char *path,
                      const char *content_type,
                      const char *body,
                      gssize      body_len)
{
  g_autofree char *uri = g_strconcat (base_uri, path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  g_assert_nonnull (msg);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, body_len < 0 ? strlen (body) : (gsize) body_len);

      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }
  return msg;
}

/* Sends @msg and returns the body of the reply; fails the test when no
 * reply comes. */
GBytes *
tsc_test_send (SoupSession *session,
               SoupMessage *msg)
{
  g_autoptr(GError) error = NULL;
  GBytes *reply;

  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  return reply;
}

/* POSTs @body to @base_uri followed by @path as text/plain (what browsers
 * send with sendBeacon) and returns the HTTP status. */
guint
tsc_test_post (SoupSession *session,
               const char  *base_uri,
               const char  *path,
               const char  *body)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;

  msg = tsc_test_new_request ("POST", base_uri, path, "text/plain", body, -1);
  reply = tsc_test_send (session, msg);

  return soup_message_get_status (msg);
}

/* ---------------------------------------------------------------------- */
/* Bodies                                                                  */

/* @data compressed as @format (gzip, zlib or raw deflate). */
GBytes *
tsc_test_compress (const void            *data,
                   gsize                  len,
                   GZlibCompressorFormat  format)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (format, -1);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out, data, len, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);

  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/* ---------------------------------------------------------------------- */
/* Session files                                                           */

/* Appends @record and @messages to @store in a transaction of their own. */
void
tsc_test_store_append (TscSessionStore  *store,
                       TscRequestRecord *record,
                       GPtrArray        *messages)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tsc_session_store_begin (store, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_append (store, record, messages, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_commit (store, &error));
  g_assert_no_error (error);
}

/* Decodes @body POSTed to @route_path (with @headers: name, value, …,
 * NULL; or none) from 127.0.0.1 at @received_at, and stores the request
 * and its messages in @store in a transaction of their own, as the
 * collector stores an accepted request: without its body. */
void
tsc_test_store_request (TscSessionStore    *store,
                        const char         *route_path,
                        const char * const *headers,
                        const char         *body,
                        gint64              received_at)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(TscRequestRecord) record = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  TscWireRequest request = { 0 };
  TscWireLimits limits;
  TscRoute route;

  tsc_wire_limits_init (&limits);
  g_assert_true (tsc_route_parse (route_path, &route));

  request.method = "POST";
  request.path = route_path;
  request.remote_addr = "127.0.0.1";
  request.headers = headers;
  request.body = bytes;
  request.received_at = received_at;

  record = tsc_wire_record_new (&request, &route);
  messages = tsc_wire_decode (&request, &route, &limits, record, &error);
  g_assert_no_error (error);
  record->status = 200;
  tsc_request_record_keep_body (record, NULL, 0);
  tsc_test_store_append (store, record, messages);

  tsc_route_clear (&route);
}

typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *stmt;
} Query;

/* Opens @path read-only, runs @sql with @param bound to ?1 when given and
 * steps to its first row. Fails the test when there is none; returns
 * whether there is one (assertions may be non-fatal). */
static gboolean
query_first_row (Query      *q,
                 const char *path,
                 const char *sql,
                 const char *param)
{
  int rc;

  rc = sqlite3_open_v2 (path, &q->db, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK)
    g_error ("cannot open %s: %s", path, q->db ? sqlite3_errmsg (q->db) : sqlite3_errstr (rc));
  sqlite3_busy_timeout (q->db, 5000);

  if (sqlite3_prepare_v2 (q->db, sql, -1, &q->stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (q->db));
  if (param != NULL)
    sqlite3_bind_text (q->stmt, 1, param, -1, SQLITE_TRANSIENT);

  rc = sqlite3_step (q->stmt);
  if (rc != SQLITE_ROW)
    g_test_message ("%s: %s", sql, rc == SQLITE_DONE ? "no row" : sqlite3_errmsg (q->db));
  g_assert_cmpint (rc, ==, SQLITE_ROW);
  return rc == SQLITE_ROW;
}

static void
query_finish (Query *q)
{
  sqlite3_finalize (q->stmt);
  sqlite3_close (q->db);
}

/* The first row of @sql (with @param bound to ?1 when given), every
 * column as text; SQL NULLs read as TSC_TEST_DB_NULL. Fails the test
 * when there is no row. */
char **
tsc_test_db_row (const char *path,
                 const char *sql,
                 const char *param)
{
  Query q = { NULL, NULL };
  GPtrArray *row = NULL;

  if (query_first_row (&q, path, sql, param))
    {
      row = g_ptr_array_new ();
      for (int i = 0; i < sqlite3_column_count (q.stmt); i++)
        {
          if (sqlite3_column_type (q.stmt, i) == SQLITE_NULL)
            g_ptr_array_add (row, g_strdup (TSC_TEST_DB_NULL));
          else
            g_ptr_array_add (row, g_strndup ((const char *) sqlite3_column_text (q.stmt, i),
                                             sqlite3_column_bytes (q.stmt, i)));
        }
      g_ptr_array_add (row, NULL);
    }
  query_finish (&q);

  return row ? (char **) g_ptr_array_free (row, FALSE) : NULL;
}

/* The first column of the first row of @sql, as an integer. */
gint64
tsc_test_db_int (const char *path,
                 const char *sql,
                 const char *param)
{
  g_auto(GStrv) row = tsc_test_db_row (path, sql, param);

  return row ? g_ascii_strtoll (row[0], NULL, 10) : 0;
}

/* The first column of the first row of @sql, as text (an SQL NULL reads
 * as TSC_TEST_DB_NULL). */
char *
tsc_test_db_text (const char *path,
                  const char *sql,
                  const char *param)
{
  g_auto(GStrv) row = tsc_test_db_row (path, sql, param);

  return row ? g_strdup (row[0]) : NULL;
}

/* The first column of the first row of @sql, as bytes; %NULL for NULL. */
GBytes *
tsc_test_db_blob (const char *path,
                  const char *sql,
                  const char *param)
{
  Query q = { NULL, NULL };
  GBytes *value = NULL;

  if (query_first_row (&q, path, sql, param) && sqlite3_column_type (q.stmt, 0) != SQLITE_NULL)
    value = g_bytes_new (sqlite3_column_blob (q.stmt, 0), sqlite3_column_bytes (q.stmt, 0));
  query_finish (&q);
  return value;
}

/* The message ids in the session file at @path, read through the store,
 * read-only; also checks that the file is sound. */
GHashTable *
tsc_test_stored_message_ids (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *integrity = NULL;
  gint64 after = 0;

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);

  integrity = tsc_session_store_check_integrity (store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (integrity, ==, "ok");

  for (;;)
    {
      g_autoptr(GPtrArray) messages = tsc_session_store_load_messages (store, after, 10000, &error);

      g_assert_no_error (error);
      if (messages->len == 0)
        break;
      for (guint i = 0; i < messages->len; i++)
        {
          TscMessage *m = g_ptr_array_index (messages, i);

          g_hash_table_add (ids, g_strdup (m->message_id));
          after = m->seq;
        }
    }

  return g_steal_pointer (&ids);
}
