/* test-app-instance.c: one Trackscope per session: a second invocation
 * with a file hands it to the running app, which opens a new window.
 * A process of its own, so that no earlier application in the same
 * process holds the bus name.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-app-instance"

#include "config.h"

#include "tsc-application.h"
#include "tsc-session-store.h"
#include "tsc-test-util.h"
#include "tsc-window.h"

#define WAIT_MS 15000

/* A second `trackscope FILE` hands the file to the running instance,
 * which opens it in a new window, and exits. */
typedef struct
{
  char        *path;
  GSubprocess *second;
  gboolean     second_done;
  gboolean     done;
} Second;

static gboolean
file_window_loaded (gpointer data)
{
  Second *second = data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (g_application_get_default ()));

  for (GList *l = windows; l != NULL; l = l->next)
    {
      TscSession *session = TSC_IS_WINDOW (l->data) ? tsc_window_get_session (l->data) : NULL;

      if (session != NULL && g_strcmp0 (tsc_session_get_path (session), second->path) == 0 &&
          tsc_session_get_n_messages (session) == 1)
        return TRUE;
    }
  return FALSE;
}

static void
on_second_exited_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Second *second = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  second->second_done = TRUE;
}

static gboolean
run_second (gpointer data)
{
  Second *second = data;
  GApplication *app = g_application_get_default ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 1);

  second->second = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                     g_getenv ("TRACKSCOPE_APP"), second->path, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (second->second, NULL, on_second_exited_cb, second);

  g_assert_true (tsc_test_wait_for_flag (&second->second_done, WAIT_MS));
  g_assert_true (g_subprocess_get_if_exited (second->second));
  g_assert_cmpint (g_subprocess_get_exit_status (second->second), ==, 0);

  g_assert_true (tsc_test_wait_until (file_window_loaded, second, WAIT_MS));
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 2);

  second->done = TRUE;
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static void
on_second_activate_cb (GApplication *app,
                       Second       *second)
{
  g_idle_add (run_second, second);
}

static void
test_second_invocation_opens_in_running_app (void)
{
  g_autoptr(TscApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(TscSessionStore) store = NULL;
  char *argv[] = { (char *) "trackscope", (char *) "--no-capture", NULL };
  g_autofree char *dir = NULL;
  Second second = { 0 };
  int status;

  if (address == NULL)
    {
      g_test_skip ("needs a session bus (make check runs the tests in one)");
      return;
    }
  if (g_getenv ("TRACKSCOPE_APP") == NULL)
    {
      g_test_skip ("TRACKSCOPE_APP is not set");
      return;
    }

  dir = tsc_test_make_tmp_dir ("trackscope-second-XXXXXX", "one.trackscope", &second.path);
  store = tsc_session_store_open (second.path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  tsc_test_store_request (store, "/v1/track", NULL,
                          "{\"type\":\"track\",\"event\":\"Signed Up\",\"userId\":\"u1\"}",
                          g_get_real_time ());
  g_clear_object (&store);

  app = tsc_application_new ();
  g_signal_connect_after (app, "activate", G_CALLBACK (on_second_activate_cb), &second);
  status = g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv);

  g_assert_cmpint (status, ==, 0);
  g_assert_true (second.done);

  g_clear_object (&second.second);
  g_assert_true (tsc_test_remove_tree (dir));
  g_free (second.path);
}

int
main (int    argc,
      char **argv)
{
  /* GTK needs the system's MIME data to load its symbolic icons. */
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/app/instance/second-invocation-opens-in-running-app",
                   test_second_invocation_opens_in_running_app);

  return g_test_run ();
}
