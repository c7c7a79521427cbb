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

/* The contents of the file at @path. */
char *
tsc_test_read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* The names in @dir, sorted, joined with spaces. With @skip_companions,
 * the SQLite companions of session files (NAME.trackscope-wal and -shm),
 * which any reader of a session may create, are left out. */
char *
tsc_test_list_dir (const char *dir,
                   gboolean    skip_companions)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      if (skip_companions &&
          (g_str_has_suffix (name, ".trackscope-wal") ||
           g_str_has_suffix (name, ".trackscope-shm")))
        continue;
      g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (" ", (char **) names->pdata);
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
/* JSON                                                                    */

/* The document @text, which must be valid JSON. */
JsonNode *
tsc_test_parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json_parser_get_root (parser));
  return json_parser_steal_root (parser);
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

/* Everything left on @stream, up to its end, line by line (each line
 * ends with a newline); fails the test when a line takes longer than
 * @timeout_ms. */
char *
tsc_test_read_rest (GDataInputStream *stream,
                    guint             timeout_ms)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char *line;

  while ((line = tsc_test_read_line (stream, timeout_ms)) != NULL)
    {
      g_string_append (text, line);
      g_string_append_c (text, '\n');
      g_free (line);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

typedef struct
{
  gboolean  done;
  GBytes   *out;
  GBytes   *err;
  GError   *error;
} Communicated;

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Communicated *c = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &c->out, &c->err, &c->error);
  c->done = TRUE;
}

static char *
steal_bytes_as_string (GBytes **bytes)
{
  g_autoptr(GBytes) owned = g_steal_pointer (bytes);
  gsize len = 0;
  const char *data = owned ? g_bytes_get_data (owned, &len) : NULL;

  return g_strndup (data ? data : "", len);
}

/* Runs trackscope-cli with @args (without the program name) to its end
 * and fills @run with its exit status, stdout and stderr. Fails the test
 * when it does not end within TSC_TEST_EXIT_TIMEOUT_MS (and kills it). */
void
tsc_test_run_cliv (TscTestRun         *run,
                   const char * const *args)
{
  g_autoptr(GSubprocess) process = NULL;
  Communicated c = { 0 };
  const char *command = args[0] ? args[0] : "";

  process = tsc_test_spawn_cli (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                NULL, args);
  g_subprocess_communicate_async (process, NULL, NULL, communicate_cb, &c);
  if (!tsc_test_wait_for_flag (&c.done, TSC_TEST_EXIT_TIMEOUT_MS))
    {
      g_subprocess_force_exit (process);
      g_assert_true (tsc_test_wait_for_flag (&c.done, 5000));
      g_error ("trackscope-cli %s did not end within %u ms", command, TSC_TEST_EXIT_TIMEOUT_MS);
    }
  g_assert_no_error (c.error);
  g_assert_true (g_subprocess_get_if_exited (process));

  run->status = g_subprocess_get_exit_status (process);
  run->out = steal_bytes_as_string (&c.out);
  run->err = steal_bytes_as_string (&c.err);

  g_test_message ("trackscope-cli %s: exit %d\nstdout:\n%.2000s\nstderr:\n%s",
                  command, run->status, run->out, run->err);
}

void
tsc_test_run_clear (TscTestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* Starts trackscope-cli with @args in @capture, both outputs piped (see
 * tsc_test_spawn_cli()); @capture must be clear. */
void
tsc_test_capture_spawn (TscTestCapture     *capture,
                        const char         *xdg_data_home,
                        const char * const *args)
{
  g_assert_null (capture->process);

  capture->process = tsc_test_spawn_cli (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                         G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                         xdg_data_home, args);
  capture->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (capture->process));
  capture->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (capture->process));
  capture->err_text = g_string_new (NULL);
}

/* Starts `trackscope-cli capture` with @args (“capture” first) and reads
 * its first line, which must say where it listens: @capture->uri. */
void
tsc_test_capture_start (TscTestCapture     *capture,
                        const char         *xdg_data_home,
                        const char * const *args)
{
  guint port = 0;

  tsc_test_capture_spawn (capture, xdg_data_home, args);
  capture->uri = tsc_test_read_listening_uri (capture->out, TSC_TEST_LINE_TIMEOUT_MS, &port);
  g_assert_cmpuint (port, >, 0);
}

/* Starts a quiet capture on 127.0.0.1, a port the system picks, into
 * @session; forwarding to @forward when given. */
void
tsc_test_capture_start_session (TscTestCapture *capture,
                                const char     *session,
                                const char     *forward)
{
  const char *args[] = { "capture", "--listen", "127.0.0.1:0", "--session", session,
                         "--quiet", forward ? "--forward" : NULL, forward, NULL };

  tsc_test_capture_start (capture, NULL, args);
}

/* Reads the capture's stderr until what was read contains @needle; fails
 * the test when that takes longer than @timeout_ms. */
void
tsc_test_capture_wait_for_stderr (TscTestCapture *capture,
                                  const char     *needle,
                                  guint           timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (strstr (capture->err_text->str, needle) == NULL)
    {
      g_autofree char *line = NULL;
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;

      if (left <= 0)
        g_error ("no “%s” on stderr within %u ms; got:\n%s", needle, timeout_ms,
                 capture->err_text->str);
      line = tsc_test_read_line (capture->err, (guint) left);
      g_assert_nonnull (line);
      g_string_append_printf (capture->err_text, "%s\n", line);
    }
}

/* Stops the capture with @signum (SIGTERM or SIGINT): it must print
 * nothing more on stdout and exit 0. Returns all it wrote on stderr,
 * owned by @capture until tsc_test_capture_clear(). */
const char *
tsc_test_capture_stop (TscTestCapture *capture,
                       int             signum)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_subprocess_send_signal (capture->process, signum);
  out = tsc_test_read_rest (capture->out, TSC_TEST_LINE_TIMEOUT_MS);
  err = tsc_test_read_rest (capture->err, TSC_TEST_LINE_TIMEOUT_MS);
  tsc_test_wait_for_exit (capture->process, TSC_TEST_EXIT_TIMEOUT_MS);

  g_string_append (capture->err_text, err);
  g_test_message ("capture stderr:\n%s", capture->err_text->str);

  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_subprocess_get_if_exited (capture->process));
  g_assert_cmpint (g_subprocess_get_exit_status (capture->process), ==, 0);

  return capture->err_text->str;
}

/* Kills the capture if it still runs and forgets all of it, so that
 * @capture can start another. */
void
tsc_test_capture_clear (TscTestCapture *capture)
{
  if (capture->process != NULL && g_subprocess_get_identifier (capture->process) != NULL)
    {
      g_subprocess_force_exit (capture->process);
      tsc_test_wait_for_exit (capture->process, 5000);
    }
  g_clear_object (&capture->out);
  g_clear_object (&capture->err);
  g_clear_object (&capture->process);
  g_clear_pointer (&capture->uri, g_free);
  if (capture->err_text != NULL)
    g_string_free (g_steal_pointer (&capture->err_text), TRUE);
}

/* ---------------------------------------------------------------------- */
/* Flags                                                                   */

/* “rule messageId,messageId…” for each flag of a check report's “flags”
 * array, sorted, one a line; a flagged message without an id reads “-”. */
char *
tsc_test_describe_flags (JsonNode *flags)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array;

  g_assert_nonnull (flags);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (flags));
  array = json_node_get_array (flags);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *flag = json_array_get_object_element (array, i);
      JsonArray *ids = json_object_get_array_member (flag, "messageIds");
      g_autoptr(GString) line = g_string_new (json_object_get_string_member (flag, "rule"));

      for (guint j = 0; j < json_array_get_length (ids); j++)
        g_string_append_printf (line, "%s%s", j ? "," : " ",
                                json_array_get_null_element (ids, j) ? "-"
                                : json_array_get_string_element (ids, j));
      g_ptr_array_add (lines, g_string_free (g_steal_pointer (&line), FALSE));
    }

  g_ptr_array_sort (lines, compare_names);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

/* The flags `trackscope-cli check --format json` finds in @input (a
 * session or an export), as tsc_test_describe_flags() writes them. When
 * @n_messages is given, it is set to the number of calls checked. */
char *
tsc_test_check_flags (const char *input,
                      gint64     *n_messages)
{
  g_auto(TscTestRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *report;

  tsc_test_run_cli (&run, "check", "--format", "json", "--fail-on", "never", input);
  g_assert_cmpint (run.status, ==, 0);
  root = tsc_test_parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  report = json_node_get_object (root);
  if (n_messages != NULL)
    *n_messages = json_object_get_int_member (report, "messages");

  return tsc_test_describe_flags (json_object_get_member (report, "flags"));
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

/* POSTs @len bytes of @body as @content_type, with @headers (name,
 * value, …, NULL; or none) replacing the defaults; returns the status. */
static guint
post_with_headers (SoupSession        *session,
                   const char         *base_uri,
                   const char         *path,
                   const char         *content_type,
                   const char * const *headers,
                   const char         *body,
                   gssize              len)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;

  msg = tsc_test_new_request ("POST", base_uri, path, content_type, body, len);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  headers[i], headers[i + 1]);
  reply = tsc_test_send (session, msg);

  return soup_message_get_status (msg);
}

/* POSTs @body to @base_uri followed by @path as text/plain (what browsers
 * send with sendBeacon) and returns the HTTP status. */
guint
tsc_test_post (SoupSession *session,
               const char  *base_uri,
               const char  *path,
               const char  *body)
{
  return post_with_headers (session, base_uri, path, "text/plain", NULL, body, -1);
}

/* POSTs @body to @base_uri followed by @path as application/json, with
 * @headers (name, value, …, NULL; or none) replacing the defaults, and
 * returns the HTTP status. */
guint
tsc_test_post_json_bytes (SoupSession        *session,
                          const char         *base_uri,
                          const char         *path,
                          const char * const *headers,
                          GBytes             *body)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);

  return post_with_headers (session, base_uri, path, "application/json", headers,
                            data ? data : "", (gssize) len);
}

/* tsc_test_post_json_bytes() with the text @body. */
guint
tsc_test_post_json (SoupSession        *session,
                    const char         *base_uri,
                    const char         *path,
                    const char * const *headers,
                    const char         *body)
{
  return post_with_headers (session, base_uri, path, "application/json", headers, body, -1);
}

/* “http://127.0.0.1:PORT” on a port that was free a moment ago: nothing
 * listens there. */
char *
tsc_test_unused_uri (void)
{
  g_autoptr(GSocket) socket = NULL;
  guint port = 0;

  socket = tsc_test_listen_on_free_port (&port);
  g_socket_close (socket, NULL);
  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

/* ---------------------------------------------------------------------- */
/* A test upstream                                                         */

struct _TscTestUpstream
{
  TscTestUpstreamScript  script;
  guint                  n_statuses;
  char                  *retry_after;

  GThread               *thread;
  GMainContext          *context;
  GMainLoop             *loop;
  SoupServer            *server;
  char                  *uri;

  GMutex                 lock;
  GCond                  cond;
  gboolean               ready;
  GPtrArray             *requests;   /* TscTestUpstreamRequest */
  int                    n_replied;  /* atomic: replies written out */
};

/* A reply held back until its time is up, unless the client went away. */
typedef struct
{
  SoupServerMessage *msg;
  gulong             disconnected_id;
  gboolean           gone;
} Held;

static void
upstream_request_free (TscTestUpstreamRequest *r)
{
  g_free (r->path);
  g_free (r->authorization);
  g_free (r->user_agent);
  g_free (r->origin);
  g_free (r->retry_count);
  g_bytes_unref (r->body);
  g_free (r);
}

static void
held_free (gpointer data)
{
  Held *held = data;

  g_signal_handler_disconnect (held->msg, held->disconnected_id);
  g_object_unref (held->msg);
  g_free (held);
}

static void
held_disconnected_cb (SoupServerMessage *msg,
                      Held              *held)
{
  held->gone = TRUE;
}

static gboolean
release_cb (gpointer data)
{
  Held *held = data;

  if (!held->gone)
    soup_server_message_unpause (held->msg);
  return G_SOURCE_REMOVE;
}

static void
wrote_body_cb (SoupServerMessage *msg,
               TscTestUpstream   *u)
{
  g_atomic_int_inc (&u->n_replied);
}

static void
upstream_handler_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           data)
{
  TscTestUpstream *u = data;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  TscTestUpstreamRequest *r = g_new0 (TscTestUpstreamRequest, 1);
  const char *text;
  guint status;

  r->at = g_get_monotonic_time ();
  r->path = g_uri_get_query (uri) ? g_strconcat (path, "?", g_uri_get_query (uri), NULL)
                                  : g_strdup (path);
  r->authorization = g_strdup (soup_message_headers_get_one (in, "Authorization"));
  r->user_agent = g_strdup (soup_message_headers_get_one (in, "User-Agent"));
  r->origin = g_strdup (soup_message_headers_get_one (in, "Origin"));
  r->retry_count = g_strdup (soup_message_headers_get_one (in, "X-Retry-Count"));
  r->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));

  g_mutex_lock (&u->lock);
  status = u->n_statuses == 0 ? SOUP_STATUS_OK
                              : u->script.statuses[MIN (u->requests->len, u->n_statuses - 1)];
  g_ptr_array_add (u->requests, r);
  g_mutex_unlock (&u->lock);

  if (status == SOUP_STATUS_OK)
    text = "{\"success\":true}";
  else if (status == SOUP_STATUS_BAD_REQUEST)
    text = "{\"success\":false,\"code\":\"invalid_json\",\"message\":\"The body is not JSON\"}";
  else
    text = "{\"success\":false}";

  /* libsoup 3.2 leaks connections that a client closes while idle. */
  soup_message_headers_replace (out, "Connection", "close");
  if ((status == 429 || status == SOUP_STATUS_SERVICE_UNAVAILABLE) && u->retry_after != NULL)
    soup_message_headers_replace (out, "Retry-After", u->retry_after);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    text, strlen (text));
  g_signal_connect (msg, "wrote-body", G_CALLBACK (wrote_body_cb), u);

  if (u->script.hold_ms > 0)
    {
      g_autoptr(GSource) timeout = g_timeout_source_new (u->script.hold_ms);
      Held *held = g_new0 (Held, 1);

      held->msg = g_object_ref (msg);
      held->disconnected_id = g_signal_connect (msg, "disconnected",
                                                G_CALLBACK (held_disconnected_cb), held);
      soup_server_message_pause (msg);

      g_source_set_callback (timeout, release_cb, held, held_free);
      g_source_attach (timeout, u->context);
    }
}

static gpointer
upstream_thread (gpointer data)
{
  TscTestUpstream *u = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  guint port = 0;

  g_main_context_push_thread_default (u->context);

  u->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (u->server, NULL, upstream_handler_cb, u, NULL);
  /* A socket of our own: soup_server_listen_local() leaks in libsoup 3.2. */
  socket = tsc_test_listen_on_free_port (&port);
  soup_server_listen_socket (u->server, socket, 0, &error);
  g_assert_no_error (error);
  u->uri = g_strdup_printf ("http://127.0.0.1:%u", port);

  g_mutex_lock (&u->lock);
  u->ready = TRUE;
  g_cond_signal (&u->cond);
  g_mutex_unlock (&u->lock);

  g_main_loop_run (u->loop);

  soup_server_disconnect (u->server);
  g_clear_object (&u->server);
  while (g_main_context_iteration (u->context, FALSE))
    ;
  g_main_context_pop_thread_default (u->context);
  return NULL;
}

/* Starts an upstream that answers as @script says, in a thread of its
 * own, and returns once it listens. Stop it with tsc_test_upstream_stop()
 * (or declare it g_autoptr()). */
TscTestUpstream *
tsc_test_upstream_start (const TscTestUpstreamScript *script)
{
  TscTestUpstream *u = g_new0 (TscTestUpstream, 1);

  u->script = *script;
  u->retry_after = g_strdup (script->retry_after);
  u->script.retry_after = NULL;
  while (u->n_statuses < G_N_ELEMENTS (script->statuses) && script->statuses[u->n_statuses] != 0)
    u->n_statuses++;

  g_mutex_init (&u->lock);
  g_cond_init (&u->cond);
  u->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) upstream_request_free);
  u->context = g_main_context_new ();
  u->loop = g_main_loop_new (u->context, FALSE);
  u->thread = g_thread_new ("test-upstream", upstream_thread, u);

  g_mutex_lock (&u->lock);
  while (!u->ready)
    g_cond_wait (&u->cond, &u->lock);
  g_mutex_unlock (&u->lock);

  return u;
}

/* “http://127.0.0.1:PORT”, where @upstream listens. */
const char *
tsc_test_upstream_get_uri (TscTestUpstream *upstream)
{
  return upstream->uri;
}

/* How many requests @upstream got so far. */
guint
tsc_test_upstream_get_n_requests (TscTestUpstream *upstream)
{
  guint n;

  g_mutex_lock (&upstream->lock);
  n = upstream->requests->len;
  g_mutex_unlock (&upstream->lock);
  return n;
}

/* The request number @index (from 0) that @upstream got; valid until
 * tsc_test_upstream_stop(). */
const TscTestUpstreamRequest *
tsc_test_upstream_get_request (TscTestUpstream *upstream,
                               guint            index)
{
  const TscTestUpstreamRequest *r;

  g_mutex_lock (&upstream->lock);
  g_assert_cmpuint (index, <, upstream->requests->len);
  r = g_ptr_array_index (upstream->requests, index);
  g_mutex_unlock (&upstream->lock);
  return r;
}

/* How many replies @upstream wrote out in full so far (held ones count
 * once they are released and written). */
guint
tsc_test_upstream_get_n_replied (TscTestUpstream *upstream)
{
  return (guint) g_atomic_int_get (&upstream->n_replied);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* Stops @upstream and frees it with all it recorded; replies still held
 * are dropped. */
void
tsc_test_upstream_stop (TscTestUpstream *upstream)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, quit_cb, upstream->loop, NULL);
  g_source_attach (source, upstream->context);
  g_thread_join (upstream->thread);

  g_main_loop_unref (upstream->loop);
  g_main_context_unref (upstream->context);
  g_ptr_array_unref (upstream->requests);
  g_free (upstream->uri);
  g_free (upstream->retry_after);
  g_mutex_clear (&upstream->lock);
  g_cond_clear (&upstream->cond);
  g_free (upstream);
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
 * NULL; or none) from @remote_addr at @received_at, and stores the
 * request in @store in a transaction of its own, as the collector does:
 * accepted, with its messages and without its body; or refused, with the
 * status and error decoding gave and the body the decoder kept (else the
 * body as received). With @keep other than 0, a refused request keeps at
 * most @keep bytes of its body as received instead (to make truncated
 * bodies). Returns the status. */
guint
tsc_test_store_post (TscSessionStore    *store,
                     const char         *route_path,
                     const char * const *headers,
                     const char         *remote_addr,
                     GBytes             *body,
                     gint64              received_at,
                     gsize               keep)
{
  g_autoptr(TscRequestRecord) record = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  TscWireRequest request = { 0 };
  TscWireLimits limits;
  TscRoute route;
  guint status;

  tsc_wire_limits_init (&limits);
  g_assert_true (tsc_route_parse (route_path, &route));

  request.method = "POST";
  request.path = route_path;
  request.remote_addr = remote_addr;
  request.headers = headers;
  request.body = body;
  request.received_at = received_at;

  record = tsc_wire_record_new (&request, &route);
  messages = tsc_wire_decode (&request, &route, &limits, record, &error);
  if (messages == NULL)
    {
      if (keep != 0)
        tsc_request_record_keep_body (record, body, keep);
      else if (record->body == NULL)
        tsc_request_record_keep_body (record, body, limits.max_body_size);
      tsc_request_record_reject (record, tsc_wire_error_status (error),
                                 tsc_wire_error_code (error), error->message);
    }
  else
    {
      record->status = 200;
      tsc_request_record_keep_body (record, NULL, 0);
    }
  status = record->status;

  tsc_test_store_append (store, record, messages);
  tsc_route_clear (&route);
  return status;
}

/* Stores @body POSTed to @route_path from 127.0.0.1, which must be
 * accepted (see tsc_test_store_post()). */
void
tsc_test_store_request (TscSessionStore    *store,
                        const char         *route_path,
                        const char * const *headers,
                        const char         *body,
                        gint64              received_at)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  g_assert_cmpuint (tsc_test_store_post (store, route_path, headers, "127.0.0.1", bytes,
                                         received_at, 0), ==, 200);
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

/* Every message of the session file at @path, read through the store
 * chunk by chunk, in seq order. */
GPtrArray *
tsc_test_load_messages (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = NULL;
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  gint64 after = 0;

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);

  for (;;)
    {
      g_autoptr(GPtrArray) chunk = tsc_session_store_load_messages (store, after, 100, &error);

      g_assert_no_error (error);
      if (chunk->len == 0)
        break;
      for (guint i = 0; i < chunk->len; i++)
        g_ptr_array_add (all, tsc_message_ref (g_ptr_array_index (chunk, i)));
      after = ((TscMessage *) g_ptr_array_index (chunk, chunk->len - 1))->seq;
    }
  return all;
}

/* The session at @copy holds the messages of the one at @original (at
 * least one): the same bytes, types, batch places, envelope and routes in
 * the same order, and the same messageIds where the client sent one
 * (the collector adds one where it did not). With @new_write_key, the
 * copy was sent with that write key: a message that carried a writeKey
 * of its own carries @new_write_key in its place, its other bytes kept. */
void
tsc_test_assert_same_messages (const char *original,
                               const char *copy,
                               const char *new_write_key)
{
  g_autoptr(GPtrArray) a = tsc_test_load_messages (original);
  g_autoptr(GPtrArray) b = tsc_test_load_messages (copy);
  g_autoptr(GRegex) write_key = g_regex_new ("\"writeKey\":\"[^\"]*\"", 0, 0, NULL);
  g_autofree char *replacement = NULL;

  g_assert_cmpuint (a->len, >, 0);
  g_assert_cmpuint (a->len, ==, b->len);
  if (new_write_key != NULL)
    replacement = g_strdup_printf ("\"writeKey\":\"%s\"", new_write_key);

  for (guint i = 0; i < a->len; i++)
    {
      TscMessage *x = g_ptr_array_index (a, i);
      TscMessage *y = g_ptr_array_index (b, i);
      g_autoptr(GBytes) expected_raw = g_bytes_ref (x->raw);

      if (replacement != NULL)
        {
          gsize len = 0;
          const char *data = g_bytes_get_data (x->raw, &len);
          char *text = g_regex_replace_literal (write_key, data, len, 0, replacement, 0, NULL);

          g_assert_nonnull (text);
          g_bytes_unref (expected_raw);
          expected_raw = g_bytes_new_take (text, strlen (text));
        }

      if (!g_bytes_equal (expected_raw, y->raw))
        g_error ("message %u: “%.*s” where “%.*s” was expected", i,
                 (int) g_bytes_get_size (y->raw), (const char *) g_bytes_get_data (y->raw, NULL),
                 (int) g_bytes_get_size (expected_raw),
                 (const char *) g_bytes_get_data (expected_raw, NULL));
      g_assert_cmpstr (x->type_name, ==, y->type_name);
      g_assert_cmpint (x->batch_index, ==, y->batch_index);
      g_assert_cmpstr (x->sent_at, ==, y->sent_at);
      g_assert_cmpstr (x->batch_context, ==, y->batch_context);
      g_assert_cmpstr (x->transport->route, ==, y->transport->route);
      g_assert_false (y->message_id_added && !x->message_id_added);
      if (!x->message_id_added)
        g_assert_cmpstr (x->message_id, ==, y->message_id);
    }
}
