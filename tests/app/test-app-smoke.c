/* test-app-smoke.c: the real application, under Xvfb, with a collector
 * on a free port and a session in a temporary folder: a signup → logout
 * without reset flow over HTTP shows in the event list, the flags view
 * and the timeline; then Save As, Export and Preferences are activated.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-app-smoke"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tsc-application.h"
#include "tsc-events-view.h"
#include "tsc-flags-view.h"
#include "tsc-preferences-window.h"
#include "tsc-test-util.h"
#include "tsc-timeline.h"
#include "tsc-window.h"

#define WAIT_MS 15000

typedef struct
{
  char      *dir;
  char      *saved;
  char      *exported;
  char      *har;
  TscCollector *upstream;   /* a second collector the capture forwards to */
  TscWindow *window;
  guint      expected;
  gboolean   done;
} Smoke;

static const char *flow[] = {
  "{\"type\":\"page\",\"anonymousId\":\"a-1\",\"userId\":null,\"name\":\"Home\",\"messageId\":\"m-1\"}",
  "{\"type\":\"identify\",\"anonymousId\":\"a-1\",\"userId\":\"user-42\",\"messageId\":\"m-2\","
  "\"traits\":{\"email\":\"ada@example.com\",\"plan\":\"pro\"}}",
  "{\"type\":\"track\",\"anonymousId\":\"a-1\",\"userId\":\"user-42\",\"event\":\"Signed Up\",\"messageId\":\"m-3\"}",
  "{\"type\":\"track\",\"anonymousId\":\"a-1\",\"userId\":\"user-42\",\"event\":\"Signed Out\",\"messageId\":\"m-4\"}",
  "{\"type\":\"page\",\"anonymousId\":\"a-1\",\"userId\":\"user-42\",\"name\":\"Home\",\"messageId\":\"m-5\"}",
};

static gpointer
template_child (TscWindow  *window,
                const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (window), TSC_TYPE_WINDOW, name);
}

static gboolean
session_has_all (gpointer data)
{
  Smoke *smoke = data;
  return tsc_session_get_n_messages (tsc_window_get_session (smoke->window)) >= smoke->expected;
}

static gboolean
export_written (gpointer data)
{
  Smoke *smoke = data;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (smoke->exported, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  return g_strv_length (lines) == smoke->expected + 1;
}

/* Every request of the flow got its outcome from the upstream. */
static gboolean
all_forwarded (gpointer data)
{
  Smoke *smoke = data;
  TscSession *session = tsc_window_get_session (smoke->window);

  for (gint64 id = 1; id <= (gint64) G_N_ELEMENTS (flow); id++)
    {
      const TscUpstreamOutcome *outcome = tsc_session_lookup_upstream (session, id);

      if (outcome == NULL)
        return FALSE;
      g_assert_true (tsc_upstream_outcome_accepted (outcome));
      g_assert_cmpuint (outcome->status, ==, 200);
    }
  return tsc_collector_get_message_count (smoke->upstream) == G_N_ELEMENTS (flow);
}

static gboolean
forward_icon_counted (gpointer data)
{
  Smoke *smoke = data;
  const char *tooltip = gtk_widget_get_tooltip_text (template_child (smoke->window, "forward_icon"));

  return tooltip != NULL && strstr (tooltip, "5 accepted") != NULL;
}

static gboolean
export_idle (gpointer data)
{
  Smoke *smoke = data;

  /* The progress bar goes away when an export has finished. */
  return !gtk_revealer_get_reveal_child (template_child (smoke->window, "export_revealer"));
}

static gboolean
har_written (gpointer data)
{
  Smoke *smoke = data;
  return g_file_test (smoke->har, G_FILE_TEST_EXISTS);
}

/* The HAR export: one entry per request, the email replaced by a hash. */
static void
check_har (Smoke *smoke)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *log;

  g_assert_true (g_file_get_contents (smoke->har, &text, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (strstr (text, "ada@example.com"));
  g_assert_nonnull (strstr (text, "redacted:"));

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  log = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "log");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (log, "creator"), "name"),
                   ==, "Trackscope");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (log, "entries")), ==,
                    G_N_ELEMENTS (flow));
}

static AdwMessageDialog *
find_export_dialog (void)
{
  g_autoptr(GListModel) toplevels = gtk_window_get_toplevels ();

  g_object_ref (toplevels);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
export_dialog_shown (gpointer data)
{
  return find_export_dialog () != NULL;
}

static gboolean
window_not_busy (gpointer data)
{
  return !tsc_window_is_busy (data);
}

/* Importing a HAR without calls says what it skipped, and why. */
static void
check_import_report (void)
{
  GApplication *app = g_application_get_default ();
  g_autofree char *path = tsc_test_data_path ("import", "no-analytics.har");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  TscWindow *window = tsc_window_new (GTK_APPLICATION (app));
  AdwStatusPage *page = template_child (window, "message_page");
  GtkStack *stack = template_child (window, "main_stack");

  gtk_window_present (GTK_WINDOW (window));
  tsc_window_import_file (window, file);
  g_assert_true (tsc_test_wait_until (window_not_busy, window, WAIT_MS));

  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "message");
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Calls in This File");
  g_assert_cmpstr (adw_status_page_get_description (page), ==,
                   "Imported 0 calls; skipped 3 other requests");
  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkWindow *
find_preferences (void)
{
  g_autoptr(GListModel) toplevels = gtk_window_get_toplevels ();

  g_object_ref (toplevels);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (TSC_IS_PREFERENCES_WINDOW (window))
        return window;
    }
  return NULL;
}

static gboolean
preferences_shown (gpointer data)
{
  return find_preferences () != NULL;
}

static void
check_views (Smoke *smoke)
{
  TscEventsView *events = template_child (smoke->window, "events_view");
  TscFlagsView *flags = template_child (smoke->window, "flags_view");
  TscTimeline *timeline = template_child (smoke->window, "timeline");
  gboolean found = FALSE;

  g_assert_cmpuint (g_list_model_get_n_items (tsc_events_view_get_model (events)), ==, smoke->expected);

  for (guint i = 0; i < tsc_flags_view_get_n_groups (flags); i++)
    found |= tsc_flags_view_get_group_rule (flags, i) == TSC_RULE_MISSING_RESET_ON_LOGOUT;
  g_assert_true (found);

  /* The Flags tab counts every flag and asks for attention on an error. */
  {
    AdwViewStackPage *page = template_child (smoke->window, "flags_page");
    GPtrArray *all = tsc_identity_model_get_flags (tsc_session_get_model (tsc_window_get_session (smoke->window)));

    g_assert_cmpuint (all->len, >, 0);
    g_assert_cmpuint (adw_view_stack_page_get_badge_number (page), ==, all->len);
    g_assert_true (adw_view_stack_page_get_needs_attention (page));
  }

  g_assert_cmpuint (tsc_timeline_layout_get_n_rows (tsc_timeline_get_layout (timeline)), ==, smoke->expected);
  g_assert_cmpuint (tsc_timeline_layout_get_n_lanes (tsc_timeline_get_layout (timeline)), ==, 1);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (template_child (smoke->window, "main_stack")), ==, "content");
}

static gboolean
run_steps (gpointer data)
{
  Smoke *smoke = data;
  GApplication *app = g_application_get_default ();
  g_autoptr(SoupSession) http = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  TscSession *session;
  GtkWindow *preferences;

  smoke->window = TSC_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (smoke->window);
  session = tsc_window_get_session (smoke->window);
  g_assert_true (tsc_session_is_capturing (session));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (template_child (smoke->window, "main_stack")), ==, "empty");

  /* The flow, over HTTP, as an SDK would send it. */
  for (guint i = 0; i < G_N_ELEMENTS (flow); i++)
    g_assert_cmpuint (tsc_test_post (http, tsc_session_get_uri (session), "/v1/t", flow[i]), ==, 200);
  smoke->expected = G_N_ELEMENTS (flow);
  g_assert_true (tsc_test_wait_until (session_has_all, smoke, WAIT_MS));
  check_views (smoke);
  g_assert_true (tsc_session_get_unsaved (session));

  /* Forwarding, set in Preferences: every call reached the upstream. */
  g_assert_cmpstr (tsc_session_get_forward_url (session), ==, tsc_collector_get_uri (smoke->upstream));
  g_assert_true (tsc_test_wait_until (all_forwarded, smoke, WAIT_MS));
  {
    GtkWidget *icon = template_child (smoke->window, "forward_icon");
    const char *tooltip;

    /* The outcomes reach the window in its main loop. */
    g_assert_true (tsc_test_wait_until (forward_icon_counted, smoke, WAIT_MS));
    tooltip = gtk_widget_get_tooltip_text (icon);
    g_assert_true (gtk_widget_get_visible (icon));
    tsc_test_assert_contains (tooltip, tsc_collector_get_uri (smoke->upstream));
    tsc_test_assert_contains (tooltip, "5 accepted, 0 failed");
    g_assert_false (gtk_widget_has_css_class (icon, "warning"));
  }

  /* Save As: the capture goes on in the saved file. */
  gtk_widget_activate_action (GTK_WIDGET (smoke->window), "win.save-as", "s", smoke->saved);
  g_assert_true (g_file_test (smoke->saved, G_FILE_TEST_EXISTS));
  session = tsc_window_get_session (smoke->window);
  g_assert_cmpstr (tsc_session_get_path (session), ==, smoke->saved);
  g_assert_false (tsc_session_get_unsaved (session));
  g_assert_true (tsc_session_is_capturing (session));

  /* Exporting over the session file itself is refused: the file stays
   * a session. */
  {
    g_autofree char *head = NULL;
    gsize len = 0;

    gtk_widget_activate_action (GTK_WIDGET (smoke->window), "win.export", "s", smoke->saved);
    g_assert_true (export_idle (smoke));
    g_assert_true (g_file_get_contents (smoke->saved, &head, &len, NULL));
    g_assert_cmpuint (len, >, 16);
    g_assert_cmpmem (head, 16, "SQLite format 3", 16);
  }

  /* Export as NDJSON: one line per call. */
  gtk_widget_activate_action (GTK_WIDGET (smoke->window), "win.export", "s", smoke->exported);
  g_assert_true (tsc_test_wait_until (export_written, smoke, WAIT_MS));

  /* Export as HAR without personal data; the format follows the
   * extension, redaction the remembered choice. */
  {
    g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
    AdwMessageDialog *dialog;

    g_assert_true (tsc_test_wait_until (export_idle, smoke, WAIT_MS));
    g_settings_set_boolean (settings, "export-redact", TRUE);
    gtk_widget_activate_action (GTK_WIDGET (smoke->window), "win.export", "s", smoke->har);
    g_assert_true (tsc_test_wait_until (har_written, smoke, WAIT_MS));
    check_har (smoke);
    g_settings_reset (settings, "export-redact");

    /* Without a path, the options dialog asks first. */
    g_assert_true (tsc_test_wait_until (export_idle, smoke, WAIT_MS));
    gtk_widget_activate_action (GTK_WIDGET (smoke->window), "win.export", "s", "");
    g_assert_true (tsc_test_wait_until (export_dialog_shown, NULL, WAIT_MS));
    dialog = find_export_dialog ();
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Export Session");
    g_assert_nonnull (adw_message_dialog_get_extra_child (dialog));
    adw_message_dialog_response (dialog, "cancel");
  }

  check_import_report ();

  /* Preferences */
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (tsc_test_wait_until (preferences_shown, NULL, WAIT_MS));
  preferences = find_preferences ();
  gtk_window_destroy (preferences);

  smoke->done = TRUE;
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static void
on_activate_cb (GApplication *app,
                Smoke        *smoke)
{
  g_idle_add (run_steps, smoke);
}

static void
test_capture_flow_save_export_preferences (void)
{
  g_autoptr(TscApplication) app = tsc_application_new ();
  char *argv[] = { (char *) "trackscope", (char *) "--listen", (char *) "127.0.0.1:0", NULL };
  Smoke smoke = { 0 };
  TscSessionWriter *upstream_writer = NULL;
  int status;

  smoke.dir = tsc_test_make_tmp_dir ("trackscope-smoke-XXXXXX", "signup.trackscope", &smoke.saved);
  smoke.exported = g_build_filename (smoke.dir, "signup.ndjson", NULL);
  smoke.har = g_build_filename (smoke.dir, "signup.har", NULL);

  /* The upstream: a second collector, on a port of its own. */
  {
    g_autofree char *upstream_path = g_build_filename (smoke.dir, "upstream.trackscope", NULL);
    g_autoptr(TscSessionStore) store = tsc_session_store_open (upstream_path, TSC_SESSION_STORE_OPEN_CREATE, NULL);
    g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
    g_autoptr(GError) error = NULL;

    g_assert_nonnull (store);
    upstream_writer = tsc_session_writer_new (store);
    smoke.upstream = tsc_collector_new (upstream_writer);
    g_assert_true (tsc_collector_start (smoke.upstream, "127.0.0.1", 0, &error));
    g_assert_no_error (error);
    g_settings_set_string (settings, "forward-url", tsc_collector_get_uri (smoke.upstream));
  }

  g_signal_connect_after (app, "activate", G_CALLBACK (on_activate_cb), &smoke);
  status = g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv);

  g_assert_cmpint (status, ==, 0);
  g_assert_true (smoke.done);

  tsc_collector_stop (smoke.upstream);
  tsc_session_writer_close (upstream_writer);
  g_clear_object (&smoke.upstream);
  g_clear_object (&upstream_writer);

  g_assert_true (tsc_test_remove_tree (smoke.dir));
  g_free (smoke.saved);
  g_free (smoke.exported);
  g_free (smoke.har);
  g_free (smoke.dir);
}

int
main (int    argc,
      char **argv)
{
  /* GTK needs the system's MIME data to load its symbolic icons. */
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/app/smoke/capture-flow-save-export-preferences",
                   test_capture_flow_save_export_preferences);

  return g_test_run ();
}
