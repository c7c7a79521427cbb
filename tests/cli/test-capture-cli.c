/* test-capture-cli.c: `trackscope-cli capture`, the real binary
 *
 * Runs the built executable (TRACKSCOPE_CLI) with GSubprocess, reads its
 * stdout and stderr line by line, talks to it over HTTP on loopback and
 * reads the session file it wrote. Every wait is bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-capture-cli"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>

#include "tsc-test-util.h"

#define LINE_TIMEOUT_MS 10000
#define EXIT_TIMEOUT_MS 15000

typedef struct
{
  char           *dir;
  char           *session;    /* dir/s.trackscope */
  TscTestCapture  capture;    /* the last trackscope-cli started */
  SoupSession    *http;
} Fixture;

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

static void
assert_exit_status (GSubprocess *process,
                    int          expected)
{
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, expected);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = tsc_test_make_tmp_dir ("trackscope-cli-XXXXXX", "s.trackscope", &f->session);
  f->http = soup_session_new_with_options ("timeout", 10, "proxy-resolver", NULL, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  tsc_test_capture_clear (&f->capture);
  g_clear_object (&f->http);
  tsc_test_remove_tree (f->dir);
  g_clear_pointer (&f->session, g_free);
  g_clear_pointer (&f->dir, g_free);
}

static guint
post (Fixture    *f,
      const char *path,
      const char *body)
{
  return tsc_test_post (f->http, f->capture.uri, path, body);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p; p++)
    if (*p == '\n')
      n++;
  return n;
}

/* ---------------------------------------------------------------------- */
/* Output                                                                  */

typedef struct
{
  const char *path;
  const char *body;
  guint       n_messages;
} Call;

static const Call calls[] = {
  { "/v1/t", "{\"type\":\"track\",\"event\":\"Signed In\",\"userId\":\"user-42\",\"anonymousId\":\"anon-7\","
    "\"messageId\":\"cli-1\",\"writeKey\":\"WK\"}", 1 },
  { "/v1/page", "{\"name\":\"Pricing\",\"userId\":null,\"anonymousId\":\"anon-8\",\"messageId\":\"cli-2\"}", 1 },
  { "/v1/batch", "{\"batch\":[{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"user-43\","
    "\"anonymousId\":\"anon-9\",\"messageId\":\"cli-3\"},{\"type\":\"identify\",\"userId\":\"user-44\","
    "\"anonymousId\":\"anon-10\",\"messageId\":\"cli-4\"}]}", 2 },
};

/* What each printed line must mention, in order. */
static const struct
{
  const char *type;
  const char *label;
  const char *user_id;
  const char *anonymous_id;
} expected_lines[] = {
  { "track",    "Signed In",       "user-42", "anon-7" },
  { "page",     "Pricing",         NULL,      "anon-8" },
  { "track",    "Order Completed", "user-43", "anon-9" },
  { "identify", NULL,              "user-44", "anon-10" },
};

static void
assert_line_mentions (const char *line,
                      const char *what)
{
  if (strstr (line, what) == NULL)
    g_error ("line “%s” does not mention “%s”", line, what);
}

/* Posts each of calls[]; every one is answered 200. */
static void
post_calls (Fixture *f)
{
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    g_assert_cmpuint (post (f, calls[i].path, calls[i].body), ==, SOUP_STATUS_OK);
}

/* The messages of calls[], cli-1 to cli-4, are all in @ids. */
static void
assert_calls_stored (GHashTable *ids)
{
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *id = g_strdup_printf ("cli-%u", i);
      g_assert_true (g_hash_table_contains (ids, id));
    }
}

static void
test_capture_prints_one_line_per_message (Fixture       *f,
                                          gconstpointer  data)
{
  const char * const args[] = { "capture", "--listen", "127.0.0.1:0", "--session", f->session, NULL };
  g_autofree char *err_line = NULL;
  g_autofree char *expected_err = g_strconcat ("recording to ", f->session, NULL);
  g_autoptr(GHashTable) ids = NULL;

  tsc_test_capture_start (&f->capture, NULL, args);

  /* The session file's path is on stderr. */
  err_line = tsc_test_read_line (f->capture.err, LINE_TIMEOUT_MS);
  g_assert_nonnull (err_line);
  g_assert_cmpstr (err_line, ==, expected_err);

  post_calls (f);

  for (guint i = 0; i < G_N_ELEMENTS (expected_lines); i++)
    {
      g_autofree char *line = tsc_test_read_line (f->capture.out, LINE_TIMEOUT_MS);

      g_assert_nonnull (line);
      g_test_message ("%s", line);
      assert_line_mentions (line, expected_lines[i].type);
      if (expected_lines[i].label != NULL)
        assert_line_mentions (line, expected_lines[i].label);
      if (expected_lines[i].user_id != NULL)
        assert_line_mentions (line, expected_lines[i].user_id);
      assert_line_mentions (line, expected_lines[i].anonymous_id);
    }

  /* Exactly one line per message: nothing more comes before the end. */
  tsc_test_capture_stop (&f->capture, SIGTERM);

  ids = tsc_test_stored_message_ids (f->session);
  g_assert_cmpuint (g_hash_table_size (ids), ==, 4);
  assert_calls_stored (ids);
}

static void
test_capture_quiet_prints_only_the_first_line (Fixture       *f,
                                               gconstpointer  data)
{
  const char * const args[] = { "capture", "--quiet", "--listen", "127.0.0.1:0", "--session", f->session,
                                NULL };
  g_autoptr(GHashTable) ids = NULL;

  tsc_test_capture_start (&f->capture, NULL, args);
  post_calls (f);
  tsc_test_capture_stop (&f->capture, SIGTERM);

  /* Quiet, not idle: everything is recorded. */
  ids = tsc_test_stored_message_ids (f->session);
  g_assert_cmpuint (g_hash_table_size (ids), ==, 4);
}

/* ---------------------------------------------------------------------- */
/* Stopping                                                                */

#define N_IN_FLIGHT 60

typedef struct
{
  guint      n_done;
  guint      n_ok;
  GPtrArray *acked;   /* message ids answered 200 */
} InFlight;

typedef struct
{
  InFlight *state;
  char     *message_id;
} InFlightRequest;

static void
in_flight_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  InFlightRequest *request = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) reply = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  if (reply != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK)
    {
      request->state->n_ok++;
      g_ptr_array_add (request->state->acked, g_steal_pointer (&request->message_id));
    }
  request->state->n_done++;
  g_free (request->message_id);
  g_free (request);
}

static gboolean
some_done (gpointer data)
{
  InFlight *state = data;
  return state->n_done >= 5;
}

static gboolean
all_done (gpointer data)
{
  InFlight *state = data;
  return state->n_done == N_IN_FLIGHT;
}

static void
test_capture_stops_cleanly (Fixture       *f,
                            gconstpointer  data)
{
  int signum = GPOINTER_TO_INT (data);
  const char * const args[] = { "capture", "--quiet", "--listen", "127.0.0.1:0", "--session", f->session,
                                NULL };
  g_autoptr(SoupSession) async_http = soup_session_new_with_options ("timeout", 10, "proxy-resolver", NULL,
                                                                     "max-conns-per-host", 4, NULL);
  g_autoptr(GPtrArray) acked = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) ids = NULL;
  InFlight state = { 0, 0, acked };

  tsc_test_capture_start (&f->capture, NULL, args);
  post_calls (f);

  /* Stop while requests are still coming in. */
  for (guint i = 0; i < N_IN_FLIGHT; i++)
    {
      InFlightRequest *request = g_new0 (InFlightRequest, 1);
      g_autofree char *body = NULL;
      g_autoptr(SoupMessage) msg = NULL;

      request->state = &state;
      request->message_id = g_strdup_printf ("in-flight-%u", i);
      body = g_strdup_printf ("{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\","
                              "\"messageId\":\"%s\"}", request->message_id);
      msg = tsc_test_new_request ("POST", f->capture.uri, "/v1/t", "text/plain", body, -1);
      soup_session_send_and_read_async (async_http, msg, G_PRIORITY_DEFAULT, NULL,
                                        in_flight_done_cb, request);
    }

  g_assert_true (tsc_test_wait_until (some_done, &state, LINE_TIMEOUT_MS));
  g_subprocess_send_signal (f->capture.process, signum);
  g_assert_true (tsc_test_wait_until (all_done, &state, 20000));
  tsc_test_wait_for_exit (f->capture.process, EXIT_TIMEOUT_MS);
  assert_exit_status (f->capture.process, 0);

  /* Every acknowledged call is in the file, and the file is sound. */
  g_test_message ("%u of %d requests in flight were acknowledged", state.n_ok, N_IN_FLIGHT);
  g_assert_cmpuint (state.n_ok, >=, 5);
  ids = tsc_test_stored_message_ids (f->session);
  assert_calls_stored (ids);
  for (guint i = 0; i < acked->len; i++)
    {
      if (!g_hash_table_contains (ids, g_ptr_array_index (acked, i)))
        g_error ("%s was acknowledged but is not in the file", (char *) g_ptr_array_index (acked, i));
    }
}

/* ---------------------------------------------------------------------- */
/* Usage errors                                                            */

/* Runs trackscope-cli to its end (in place of the last one); fails the
 * test if it keeps running. */
static void
run_to_exit (Fixture            *f,
             const char * const *args,
             const char         *xdg_data_home,
             char              **out,
             char              **err)
{
  tsc_test_capture_clear (&f->capture);
  tsc_test_capture_spawn (&f->capture, xdg_data_home, args);

  /* A capture that started by mistake never closes its stdout: reading
   * then fails the test after its timeout (and teardown kills it). */
  *out = tsc_test_read_rest (f->capture.out, LINE_TIMEOUT_MS);
  *err = tsc_test_read_rest (f->capture.err, LINE_TIMEOUT_MS);
  tsc_test_wait_for_exit (f->capture.process, EXIT_TIMEOUT_MS);
}

typedef struct
{
  const char *name;
  const char *args[8];     /* "SESSION" is replaced by the session path */
  const char *mentions;    /* stderr must contain this */
  gboolean    one_line;
} UsageCase;

static const UsageCase usage_cases[] = {
  { "remote-without-allow-remote", { "capture", "--listen", "0.0.0.0:0", "--session", "SESSION" },
    "--allow-remote", TRUE },
  { "remote-ipv6-without-allow-remote", { "capture", "--listen", "[::]:0", "--session", "SESSION" },
    "--allow-remote", TRUE },
  { "port-out-of-range", { "capture", "--listen", "127.0.0.1:99999", "--session", "SESSION" },
    "127.0.0.1:99999", TRUE },
  { "port-not-a-number", { "capture", "--listen", "127.0.0.1:http", "--session", "SESSION" },
    "127.0.0.1:http", TRUE },
  { "ipv6-without-brackets", { "capture", "--listen", "::1:8765", "--session", "SESSION" },
    "::1:8765", TRUE },
  { "host-not-an-address", { "capture", "--listen", "nonsense.invalid:0", "--session", "SESSION" },
    "nonsense.invalid", TRUE },
  { "listen-without-value", { "capture", "--listen" }, "--listen", TRUE },
  { "unknown-option", { "capture", "--bogus", "--session", "SESSION" }, "--bogus", TRUE },
  { "unexpected-argument", { "capture", "--session", "SESSION", "extra" }, "extra", TRUE },
  { "unknown-command", { "captur" }, "captur", FALSE },
  { "no-command", { NULL }, "Usage", FALSE },
};

static void
test_capture_usage_error (Fixture       *f,
                          gconstpointer  data)
{
  const UsageCase *uc = data;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  for (guint i = 0; uc->args[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) (g_str_equal (uc->args[i], "SESSION") ? f->session : uc->args[i]));
  g_ptr_array_add (args, NULL);

  run_to_exit (f, (const char * const *) args->pdata, NULL, &out, &err);
  g_test_message ("stderr: %s", err);

  assert_exit_status (f->capture.process, 2);
  g_assert_null (strstr (out, "listening on"));
  g_assert_nonnull (strstr (err, uc->mentions));
  if (uc->one_line)
    g_assert_cmpuint (count_lines (err), ==, 1);
}

static void
test_capture_port_in_use (Fixture       *f,
                          gconstpointer  data)
{
  guint port = 0;
  g_autoptr(GSocket) taken = tsc_test_listen_on_free_port (&port);
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  {
    const char * const args[] = { "capture", "--listen", listen, "--session", f->session, NULL };
    run_to_exit (f, args, NULL, &out, &err);
  }
  g_test_message ("stderr: %s", err);

  assert_exit_status (f->capture.process, 2);
  g_assert_null (strstr (out, "listening on"));
  g_assert_nonnull (strstr (err, "in use"));
  g_assert_nonnull (strstr (err, listen));
  g_assert_cmpuint (count_lines (err), ==, 1);
}

static void
test_capture_help (Fixture       *f,
                   gconstpointer  data)
{
  const char * const capture_help[] = { "capture", "--help", NULL };
  const char * const help[] = { "--help", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *top_out = NULL;
  g_autofree char *top_err = NULL;

  run_to_exit (f, capture_help, NULL, &out, &err);
  assert_exit_status (f->capture.process, 0);
  g_assert_nonnull (strstr (out, "--listen"));
  g_assert_nonnull (strstr (out, "--session"));
  g_assert_nonnull (strstr (out, "--allow-remote"));
  g_assert_nonnull (strstr (out, "--quiet"));

  run_to_exit (f, help, NULL, &top_out, &top_err);
  assert_exit_status (f->capture.process, 0);
  g_assert_nonnull (strstr (top_out, "capture"));
}

/* ---------------------------------------------------------------------- */
/* Default session file                                                    */

static void
test_capture_default_session_under_data_home (Fixture       *f,
                                              gconstpointer  data)
{
  const char * const args[] = { "capture", "--listen", "127.0.0.1:0", NULL };
  g_autofree char *data_home = g_build_filename (f->dir, "data", NULL);
  g_autofree char *sessions = g_build_filename (data_home, "trackscope", "sessions", NULL);
  g_autofree char *err_line = NULL;
  g_autofree char *dir_name = NULL;
  g_autoptr(GHashTable) ids = NULL;
  const char *path;

  tsc_test_capture_start (&f->capture, data_home, args);

  err_line = tsc_test_read_line (f->capture.err, LINE_TIMEOUT_MS);
  g_assert_nonnull (err_line);
  g_test_message ("stderr: %s", err_line);
  g_assert_true (g_str_has_prefix (err_line, "recording to "));
  path = err_line + strlen ("recording to ");

  dir_name = g_path_get_dirname (path);
  g_assert_cmpstr (dir_name, ==, sessions);
  g_assert_true (g_str_has_suffix (path, ".trackscope"));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  g_assert_cmpuint (post (f, calls[0].path, calls[0].body), ==, SOUP_STATUS_OK);

  g_subprocess_send_signal (f->capture.process, SIGINT);
  tsc_test_wait_for_exit (f->capture.process, EXIT_TIMEOUT_MS);
  assert_exit_status (f->capture.process, 0);

  ids = tsc_test_stored_message_ids (path);
  g_assert_cmpuint (g_hash_table_size (ids), ==, 1);
  g_assert_true (g_hash_table_contains (ids, "cli-1"));
}

static void
test_capture_default_session_dropped_when_empty (Fixture       *f,
                                                 gconstpointer  data)
{
  const char * const args[] = { "capture", "--listen", "127.0.0.1:0", NULL };
  g_autofree char *data_home = g_build_filename (f->dir, "data", NULL);
  g_autofree char *err_line = NULL;
  g_autofree char *stopped = NULL;
  g_autofree char *path = NULL;

  tsc_test_capture_start (&f->capture, data_home, args);

  err_line = tsc_test_read_line (f->capture.err, LINE_TIMEOUT_MS);
  g_assert_nonnull (err_line);
  g_assert_true (g_str_has_prefix (err_line, "recording to "));
  path = g_strdup (err_line + strlen ("recording to "));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  g_subprocess_send_signal (f->capture.process, SIGTERM);
  stopped = tsc_test_read_line (f->capture.err, LINE_TIMEOUT_MS);
  tsc_test_wait_for_exit (f->capture.process, EXIT_TIMEOUT_MS);
  assert_exit_status (f->capture.process, 0);

  g_assert_nonnull (stopped);
  tsc_test_assert_contains (stopped, "no session file was kept");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static const char * const refused_listen[] = {
  "0.0.0.0:0",
  "nonsense.invalid:0",
};

static void
test_capture_refused_start_leaves_no_file (Fixture       *f,
                                           gconstpointer  data)
{
  g_autofree char *data_home = g_build_filename (f->dir, "data", NULL);
  g_autofree char *sessions = g_build_filename (data_home, "trackscope", "sessions", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (refused_listen); i++)
    {
      const char * const args[] = { "capture", "--listen", refused_listen[i], NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autoptr(GDir) dir = NULL;
      const char *name;

      run_to_exit (f, args, data_home, &out, &err);
      g_test_message ("--listen %s: %s", refused_listen[i], err);
      assert_exit_status (f->capture.process, 2);

      /* Nothing was recorded, so no empty session shows up in the app. */
      dir = g_dir_open (sessions, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          if (g_str_has_suffix (name, ".trackscope"))
            {
              g_test_fail_printf ("--listen %s was refused but left %s/%s behind",
                                  refused_listen[i], sessions, name);
              return;
            }
        }
    }
}

/* ---------------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  if (!tsc_test_init_for_cli (&argc, &argv))
    return 1;

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("/cli/capture/prints-one-line-per-message", test_capture_prints_one_line_per_message, NULL);
  ADD ("/cli/capture/quiet-prints-only-the-first-line", test_capture_quiet_prints_only_the_first_line, NULL);
  ADD ("/cli/capture/stops-cleanly/sigterm", test_capture_stops_cleanly, GINT_TO_POINTER (SIGTERM));
  ADD ("/cli/capture/stops-cleanly/sigint", test_capture_stops_cleanly, GINT_TO_POINTER (SIGINT));
  for (guint i = 0; i < G_N_ELEMENTS (usage_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/cli/capture/usage-error-exits-2/", usage_cases[i].name, NULL);
      ADD (path, test_capture_usage_error, &usage_cases[i]);
    }
  ADD ("/cli/capture/usage-error-exits-2/port-in-use", test_capture_port_in_use, NULL);
  ADD ("/cli/capture/help-exits-0", test_capture_help, NULL);
  ADD ("/cli/capture/default-session-under-xdg-data-home", test_capture_default_session_under_data_home, NULL);
  ADD ("/cli/capture/empty-default-session-is-not-kept", test_capture_default_session_dropped_when_empty, NULL);
  ADD ("/cli/capture/refused-start-leaves-no-session-file", test_capture_refused_start_leaves_no_file, NULL);

#undef ADD

  return g_test_run ();
}
