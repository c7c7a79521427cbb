/* test-window.c: the main window with a real collector, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-window"

#include "config.h"

#include <libsoup/soup.h>

#include "tsc-session-store.h"
#include "tsc-test-util.h"
#include "tsc-window.h"

typedef struct
{
  char      *dir;
  char      *session;
  TscWindow *window;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = tsc_test_make_tmp_dir ("trackscope-app-XXXXXX", "s.trackscope", &f->session);
  f->window = g_object_ref_sink (tsc_window_new (NULL));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_clear_object (&f->window);
  tsc_test_remove_tree (f->dir);
  g_free (f->session);
  g_free (f->dir);
}

static const char *
label_text (TscWindow  *window,
            const char *child)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (window), TSC_TYPE_WINDOW, child);

  if (GTK_IS_LABEL (object))
    return gtk_label_get_label (GTK_LABEL (object));
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (object));
}

static gboolean
has_three_messages (gpointer data)
{
  return tsc_window_get_message_count (data) >= 3;
}

static void
post (const char *uri,
      const char *path,
      const char *body)
{
  g_autoptr(SoupSession) session = soup_session_new ();

  g_assert_cmpuint (tsc_test_post (session, uri, path, body), ==, 200);
}

static void
test_window_shows_live_calls (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TscCollector *collector;

  g_assert_true (tsc_window_start_capture (f->window, "127.0.0.1:0", f->session, &error));
  g_assert_no_error (error);
  gtk_window_present (GTK_WINDOW (f->window));

  collector = tsc_window_get_collector (f->window);
  g_assert_nonnull (collector);
  g_assert_cmpstr (label_text (f->window, "address_row"), ==, tsc_collector_get_uri (collector));
  g_assert_cmpstr (label_text (f->window, "session_row"), ==, f->session);
  g_assert_cmpstr (label_text (f->window, "count_label"), ==, "0");

  post (tsc_collector_get_uri (collector), "/v1/t",
        "{\"type\":\"track\",\"event\":\"Signed Up\",\"userId\":\"user-42\",\"anonymousId\":\"a-1\"}");
  post (tsc_collector_get_uri (collector), "/v1/batch",
        "{\"batch\":[{\"type\":\"identify\",\"userId\":\"user-42\"},"
        "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"user-42\"}]}");

  tsc_test_wait_until (has_three_messages, f->window, 10000);
  g_assert_cmpuint (tsc_window_get_message_count (f->window), ==, 3);
  g_assert_cmpstr (label_text (f->window, "count_label"), ==, "3");
  g_assert_cmpstr (label_text (f->window, "last_row"), ==, "track “Signed Out” · user-42");
}

static void
test_window_reports_port_in_use (Fixture       *f,
                                 gconstpointer  data)
{
  guint port = 0;
  g_autoptr(GSocket) taken = tsc_test_listen_on_free_port (&port);
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(GError) error = NULL;

  g_assert_false (tsc_window_start_capture (f->window, listen, f->session, &error));
  g_assert_error (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_ADDRESS_IN_USE);
  g_assert_null (tsc_window_get_collector (f->window));
}

static void
test_window_opens_session_file (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(TscRequestRecord) record = tsc_request_record_new ();
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  g_autoptr(GFile) file = NULL;
  TscMessage *m = tsc_message_new ();

  store = tsc_session_store_open (f->session, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  record->status = 200;
  record->transport->route = g_strdup ("/v1/p");
  m->type = TSC_MESSAGE_TYPE_PAGE;
  m->type_name = g_strdup ("page");
  m->name = g_strdup ("Pricing");
  m->anonymous_id = g_strdup ("anon-7");
  m->message_id = g_strdup ("m-1");
  m->transport = tsc_transport_ref (record->transport);
  m->raw = g_bytes_new_static ("{}", 2);
  g_ptr_array_add (messages, m);
  g_assert_true (tsc_session_store_append (store, record, messages, &error));
  g_clear_object (&store);

  file = g_file_new_for_path (f->session);
  g_assert_true (tsc_window_open_session (f->window, file, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (label_text (f->window, "count_label"), ==, "1");
  g_assert_cmpstr (label_text (f->window, "last_row"), ==, "page “Pricing” · anon-7");
}

static void
test_window_refuses_other_files (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;

  g_assert_true (g_file_set_contents (f->session, "not a database, just text\n", -1, &error));
  file = g_file_new_for_path (f->session);
  g_assert_false (tsc_window_open_session (f->window, file, &error));
  g_assert_error (error, TSC_STORE_ERROR, TSC_STORE_ERROR_NOT_A_SESSION);
  g_assert_nonnull (strstr (error->message, f->session));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (!gtk_init_check ())
    g_error ("No display: the app tests run under Xvfb (make check does that)");
  adw_init ();

  g_test_add ("/app/window/shows-live-calls", Fixture, NULL,
              fixture_set_up, test_window_shows_live_calls, fixture_tear_down);
  g_test_add ("/app/window/reports-port-in-use", Fixture, NULL,
              fixture_set_up, test_window_reports_port_in_use, fixture_tear_down);
  g_test_add ("/app/window/opens-session-file", Fixture, NULL,
              fixture_set_up, test_window_opens_session_file, fixture_tear_down);
  g_test_add ("/app/window/refuses-other-files", Fixture, NULL,
              fixture_set_up, test_window_refuses_other_files, fixture_tear_down);

  return g_test_run ();
}
