/* test-sidebar-prefs.c: the sidebar, the preferences window and the
 * first-run page, under Xvfb
 *
 * The settings come from the schema compiled into the build tree
 * (GSETTINGS_SCHEMA_DIR) with GSETTINGS_BACKEND=memory; the sidebar is fed
 * a session through TscSession's own path (decoded calls, flushed in
 * batches); the test call goes to a real collector on 127.0.0.1, port 0,
 * recording into a session file in a temporary folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-sidebar-prefs"

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "tsc-collector.h"
#include "tsc-empty-page.h"
#include "tsc-preferences-window.h"
#include "tsc-session-store.h"
#include "tsc-session-writer.h"
#include "tsc-sidebar.h"
#include "tsc-test-util.h"
#include "tsc-wire.h"

#define WAIT_TIMEOUT_MS 10000

/* ---------------------------------------------------------------------- */
/* The schema                                                              */

static gboolean
key_accepts (GSettingsSchema *schema,
             const char      *name,
             GVariant        *value)
{
  g_autoptr(GSettingsSchemaKey) key = g_settings_schema_get_key (schema, name);
  g_autoptr(GVariant) sunk = g_variant_ref_sink (value);

  return g_settings_schema_key_range_check (key, sunk);
}

static void
test_schema_keys_have_defaults (void)
{
  static const char * const logout[] = {
    "Signed Out", "Logged Out", "Log Out", "Logout", "Sign Out", "User Logged Out", NULL
  };
  static const char * const signup[] = {
    "Signed Up", "Account Created", "Sign Up", "User Signed Up", "Registration Completed", NULL
  };
  static const char * const keys[] = {
    "listen-address", "listen-port", "allow-remote", "profile", "logout-names", "signup-names",
    "session-idle-minutes", "window-width", "window-height", "window-maximized",
    "sidebar-visible", NULL
  };
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *address = NULL;

  g_assert_nonnull (source);
  schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  g_assert_nonnull (schema);
  g_assert_cmpstr (g_settings_schema_get_path (schema), ==, "/io/github/trackscope/Trackscope/");

  for (guint i = 0; keys[i] != NULL; i++)
    g_assert_true (g_settings_schema_has_key (schema, keys[i]));

  settings = g_settings_new (APPLICATION_ID);
  address = g_settings_get_string (settings, "listen-address");
  g_assert_cmpstr (address, ==, "127.0.0.1");
  g_assert_cmpuint (g_settings_get_uint (settings, "listen-port"), ==, 8765);
  g_assert_false (g_settings_get_boolean (settings, "allow-remote"));
  g_assert_cmpint (g_settings_get_enum (settings, "profile"), ==, 0);
  g_assert_cmpuint (g_settings_get_uint (settings, "session-idle-minutes"), ==, 30);
  g_assert_true (g_settings_get_boolean (settings, "sidebar-visible"));
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), >, 0);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), >, 0);

  names = g_settings_get_strv (settings, "logout-names");
  g_assert_true (g_strv_equal ((const char * const *) names, logout));
  g_clear_pointer (&names, g_strfreev);
  names = g_settings_get_strv (settings, "signup-names");
  g_assert_true (g_strv_equal ((const char * const *) names, signup));

  /* Every profile the rules know is a value of the enum, and only those. */
  for (const char * const *p = tsc_rule_profiles (); *p != NULL; p++)
    g_assert_true (g_settings_set_string (settings, "profile", *p));
  g_assert_false (key_accepts (schema, "profile", g_variant_new_string ("amplitude")));
  g_assert_false (key_accepts (schema, "listen-port", g_variant_new_uint32 (70000)));
  g_assert_true (key_accepts (schema, "listen-port", g_variant_new_uint32 (0)));
  g_assert_false (key_accepts (schema, "session-idle-minutes", g_variant_new_uint32 (0)));
  g_settings_reset (settings, "profile");
}

/* ---------------------------------------------------------------------- */
/* The sidebar                                                             */

typedef struct
{
  TscSession *session;
  TscSidebar *sidebar;
  GtkWindow  *window;
  gint64      seq;
  guint       scope_changes;
} SidebarFixture;

static void
on_scope_changed_cb (TscSidebar     *sidebar,
                     SidebarFixture *f)
{
  f->scope_changes++;
}

static void
sidebar_set_up (SidebarFixture *f,
                gconstpointer   data)
{
  g_autoptr(TscRuleConfig) config = tsc_rule_config_new ("segment", NULL);

  f->session = tsc_session_new (config);
  f->sidebar = TSC_SIDEBAR (tsc_sidebar_new ());
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 320, 720);
  gtk_window_set_child (f->window, GTK_WIDGET (f->sidebar));
  tsc_sidebar_set_session (f->sidebar, f->session);
  g_signal_connect (f->sidebar, "scope-changed", G_CALLBACK (on_scope_changed_cb), f);
}

static void
sidebar_tear_down (SidebarFixture *f,
                   gconstpointer   data)
{
  gtk_window_destroy (f->window);
  g_clear_object (&f->session);
}

/* Feeds @json (an array of calls, ' for ") to the session as if @origin /
 * @user_agent / @lane had sent it, and flushes: one messages-added. */
static void
feed (SidebarFixture *f,
      const char     *origin,
      const char     *user_agent,
      const char     *lane,
      const char     *json)
{
  g_autoptr(TscTransport) transport = tsc_transport_new ();
  /* Written with ' for readability. */
  g_autofree char *body = g_strdelimit (g_strdup (json), "'", '"');
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;

  transport->method = g_strdup ("POST");
  transport->path = g_strdup ("/v1/batch");
  transport->route = g_strdup ("/v1/batch");
  transport->remote_addr = g_strdup ("127.0.0.1");
  transport->origin = g_strdup (origin);
  transport->user_agent = g_strdup (user_agent);
  transport->lane = g_strdup (lane);

  messages = tsc_wire_decode_document (bytes, transport, g_get_real_time (), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < messages->len; i++)
    ((TscMessage *) g_ptr_array_index (messages, i))->seq = ++f->seq;

  tsc_session_add_messages (f->session, messages);
  tsc_session_flush (f->session);
}

#define BROWSER "https://shop.example"
#define BROWSER_UA "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0"
/* What the model calls that sender: the page's host and the browser. */
#define BROWSER_LABEL "shop.example · Firefox"
#define SERVER_UA "analytics-node-next/2.0.0"

/* Two devices (a browser and a server lane), three users:
 * - user-1 logs out in the browser and keeps its anonymousId: the
 *   logout and the page after it are flagged missing-reset-on-logout
 *   (error); a new anonymous stream follows;
 * - the server sends an identify of an email address (suspicious-user-id,
 *   a warning) and a clean track of user-2. */
static void
feed_small_session (SidebarFixture *f)
{
  feed (f, BROWSER, BROWSER_UA, NULL,
        "[{'type':'page','name':'Home','anonymousId':'anon-1','messageId':'m-1'},"
        " {'type':'identify','userId':'user-1','anonymousId':'anon-1','messageId':'m-2',"
        "  'traits':{'plan':'pro'}}]");
  feed (f, NULL, SERVER_UA, "server",
        "[{'type':'identify','userId':'user-2','messageId':'m-3','traits':{}},"
        " {'type':'track','event':'Order Completed','userId':'user-2','messageId':'m-4',"
        "  'properties':{}},"
        " {'type':'identify','userId':'bob@example.com','messageId':'m-5','traits':{}}]");
  feed (f, BROWSER, BROWSER_UA, NULL,
        "[{'type':'track','event':'Signed Out','userId':'user-1','anonymousId':'anon-1',"
        "  'messageId':'m-6','properties':{}},"
        " {'type':'page','name':'Home','userId':'user-1','anonymousId':'anon-1',"
        "  'messageId':'m-7'},"
        " {'type':'page','name':'Pricing','anonymousId':'anon-2','messageId':'m-8'}]");
}

static GtkSingleSelection *
sidebar_selection (TscSidebar *sidebar)
{
  GObject *selection = gtk_widget_get_template_child (GTK_WIDGET (sidebar), TSC_TYPE_SIDEBAR,
                                                      "selection");

  return GTK_SINGLE_SELECTION (selection);
}

static GtkTreeListRow *
row_at (TscSidebar *sidebar,
        guint       position)
{
  return g_list_model_get_item (G_LIST_MODEL (sidebar_selection (sidebar)), position);
}

/* The rows, top to bottom, as "kind:title" (only expanded ones). */
static GPtrArray *
list_rows (TscSidebar *sidebar,
           GPtrArray  *items)
{
  GListModel *model = G_LIST_MODEL (sidebar_selection (sidebar));
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  static const char * const kinds[] = { "all", "heading", "client", "stream", "user" };

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (model, i);
      g_autoptr(TscSidebarItem) item = gtk_tree_list_row_get_item (row);

      g_ptr_array_add (rows, g_strdup_printf ("%s:%s", kinds[tsc_sidebar_item_get_kind (item)],
                                              tsc_sidebar_item_get_title (item)));
      if (items != NULL)
        g_ptr_array_add (items, g_object_ref (item));
    }
  return rows;
}

static TscSidebarItem *
find_item (TscSidebar *sidebar,
           const char *title,
           guint      *position)
{
  GListModel *model = G_LIST_MODEL (sidebar_selection (sidebar));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (model, i);
      g_autoptr(TscSidebarItem) item = gtk_tree_list_row_get_item (row);

      if (g_strcmp0 (tsc_sidebar_item_get_title (item), title) == 0)
        {
          if (position != NULL)
            *position = i;
          return item;
        }
    }
  return NULL;
}

static void
assert_rows (GPtrArray          *rows,
             const char * const *expected)
{
  g_ptr_array_add (rows, NULL);
  if (!g_strv_equal ((const char * const *) rows->pdata, expected))
    {
      g_autofree char *have = g_strjoinv ("\n  ", (char **) rows->pdata);
      g_autofree char *want = g_strjoinv ("\n  ", (char **) expected);

      g_error ("sidebar rows:\n  %s\nexpected:\n  %s", have, want);
    }
}

static void
assert_item (TscSidebarItem *item,
             guint           n_calls,
             TscSeverity     severity,
             const char     *subtitle)
{
  g_autofree char *text = tsc_sidebar_item_dup_subtitle (item);

  g_assert_nonnull (item);
  g_assert_cmpuint (tsc_sidebar_item_get_n_calls (item), ==, n_calls);
  g_assert_cmpint (tsc_sidebar_item_get_severity (item), ==, severity);
  g_assert_cmpstr (text, ==, subtitle);
}

static void
collect_labels (GtkWidget *widget,
                GString   *out)
{
  if (!gtk_widget_get_visible (widget))
    return;
  if (GTK_IS_LABEL (widget))
    g_string_append_printf (out, "%s\n", gtk_label_get_label (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, out);
}

typedef struct
{
  GtkWidget  *widget;
  const char *needle;
} ShownData;

static gboolean
shows_text (gpointer data)
{
  ShownData *shown = data;
  g_autoptr(GString) text = g_string_new (NULL);

  collect_labels (shown->widget, text);
  return strstr (text->str, shown->needle) != NULL;
}

static void
assert_shows (GtkWidget  *widget,
              const char *needle)
{
  ShownData data = { widget, needle };

  if (!tsc_test_wait_until (shows_text, &data, WAIT_TIMEOUT_MS))
    {
      g_autoptr(GString) text = g_string_new (NULL);

      collect_labels (widget, text);
      g_error ("“%s” is not shown; the labels are:\n%s", needle, text->str);
    }
}

static void
test_sidebar_lists_devices_and_users (SidebarFixture *f,
                                      gconstpointer   data)
{
  static const char * const expected[] = {
    "all:All Calls",
    "heading:Devices", "client:" BROWSER_LABEL, "client:lane server",
    "heading:Users", "user:user-1", "user:user-2", "user:bob@example.com",
    NULL
  };
  static const char * const expanded[] = {
    "all:All Calls",
    "heading:Devices", "client:" BROWSER_LABEL, "stream:anon-1", "stream:anon-2", "client:lane server",
    "heading:Users", "user:user-1", "user:user-2", "user:bob@example.com",
    NULL
  };
  g_autoptr(GPtrArray) rows = NULL;
  TscSidebarItem *browser;
  TscSidebarItem *stream;
  guint position;

  gtk_window_present (f->window);

  rows = list_rows (f->sidebar, NULL);
  assert_rows (rows, (const char * const[]) { "all:All Calls", NULL });
  g_clear_pointer (&rows, g_ptr_array_unref);
  assert_item (find_item (f->sidebar, "All Calls", NULL), 0, TSC_SEVERITY_OFF, "No calls yet");

  feed_small_session (f);

  rows = list_rows (f->sidebar, NULL);
  assert_rows (rows, expected);
  g_clear_pointer (&rows, g_ptr_array_unref);

  assert_item (find_item (f->sidebar, "All Calls", NULL), 8, TSC_SEVERITY_ERROR, "8 calls");
  browser = find_item (f->sidebar, BROWSER_LABEL, &position);
  assert_item (browser, 5, TSC_SEVERITY_ERROR, "2 streams · 5 calls");
  g_assert_cmpuint (tsc_sidebar_item_get_n_streams (browser), ==, 2);
  assert_item (find_item (f->sidebar, "lane server", NULL), 3, TSC_SEVERITY_WARNING, "3 calls");
  assert_item (find_item (f->sidebar, "user-1", NULL), 3, TSC_SEVERITY_ERROR,
               "1 device · 3 calls");
  assert_item (find_item (f->sidebar, "user-2", NULL), 2, TSC_SEVERITY_OFF, "1 device · 2 calls");
  assert_item (find_item (f->sidebar, "bob@example.com", NULL), 1, TSC_SEVERITY_WARNING,
               "1 device · 1 call");

  /* What a person sees: the rows' own labels. */
  assert_shows (GTK_WIDGET (f->sidebar), "2 streams · 5 calls");
  assert_shows (GTK_WIDGET (f->sidebar), "1 device · 3 calls");
  assert_shows (GTK_WIDGET (f->sidebar), "bob@example.com");

  /* The browser expands to its streams, with their identity segments. */
  {
    g_autoptr(GtkTreeListRow) row = row_at (f->sidebar, position);

    gtk_tree_list_row_set_expanded (row, TRUE);
  }
  rows = list_rows (f->sidebar, NULL);
  assert_rows (rows, expanded);
  stream = find_item (f->sidebar, "anon-1", NULL);
  assert_item (stream, 4, TSC_SEVERITY_OFF, "4 calls");
  g_assert_cmpuint (tsc_sidebar_item_get_stream (stream)->segments->len, ==, 2);
  assert_shows (GTK_WIDGET (f->sidebar), "anonymous");
  assert_shows (GTK_WIDGET (f->sidebar), "user-1");

  /* Growing: the same items, their counts refreshed; new users appended. */
  feed (f, BROWSER, BROWSER_UA, NULL,
        "[{'type':'identify','userId':'user-3','anonymousId':'anon-2','messageId':'m-9',"
        "  'traits':{}}]");
  g_assert_true (find_item (f->sidebar, BROWSER_LABEL, NULL) == browser);
  assert_item (browser, 6, TSC_SEVERITY_ERROR, "2 streams · 6 calls");
  assert_item (find_item (f->sidebar, "user-3", NULL), 1, TSC_SEVERITY_OFF, "1 device · 1 call");
  assert_shows (GTK_WIDGET (f->sidebar), "2 streams · 6 calls");

  /* A device listed without streams expands once it has one. */
  find_item (f->sidebar, "lane server", &position);
  {
    g_autoptr(GtkTreeListRow) row = row_at (f->sidebar, position);

    g_assert_false (gtk_tree_list_row_is_expandable (row));
  }
  feed (f, NULL, SERVER_UA, "server",
        "[{'type':'page','name':'Docs','anonymousId':'anon-s','messageId':'m-10'}]");
  assert_item (find_item (f->sidebar, "lane server", &position), 4, TSC_SEVERITY_WARNING,
               "1 stream · 4 calls");
  {
    g_autoptr(GtkTreeListRow) row = row_at (f->sidebar, position);

    g_assert_true (gtk_tree_list_row_is_expandable (row));
  }
  g_assert_cmpuint (f->scope_changes, ==, 0);
}

static void
test_sidebar_selecting_a_row_sets_the_scope (SidebarFixture *f,
                                             gconstpointer   data)
{
  GtkSingleSelection *selection = sidebar_selection (f->sidebar);
  const TscScope *scope;
  TscSidebarItem *item;
  guint position;

  gtk_window_present (f->window);
  feed_small_session (f);

  scope = tsc_sidebar_get_scope (f->sidebar);
  g_assert_null (scope->client);
  g_assert_null (scope->user_id);

  item = find_item (f->sidebar, "user-2", &position);
  g_assert_nonnull (item);
  g_assert_true (gtk_selection_model_select_item (GTK_SELECTION_MODEL (selection), position, TRUE));
  scope = tsc_sidebar_get_scope (f->sidebar);
  g_assert_cmpuint (f->scope_changes, ==, 1);
  g_assert_null (scope->client);
  g_assert_cmpstr (scope->user_id, ==, "user-2");

  /* The scope is the one the views filter with. */
  {
    TscMessageIndex *index = tsc_session_get_index (f->session);
    guint matches = 0;

    for (guint i = 0; i < tsc_message_index_get_n_rows (index); i++)
      matches += tsc_scope_matches (scope, tsc_message_index_get_row (index, i));
    g_assert_cmpuint (matches, ==, 2);
  }

  item = find_item (f->sidebar, "lane server", &position);
  g_assert_true (gtk_selection_model_select_item (GTK_SELECTION_MODEL (selection), position, TRUE));
  scope = tsc_sidebar_get_scope (f->sidebar);
  g_assert_cmpuint (f->scope_changes, ==, 2);
  g_assert_true (scope->client == tsc_sidebar_item_get_client (item));
  g_assert_cmpstr (scope->client->lane, ==, "server");
  g_assert_null (scope->user_id);

  /* A heading is not a scope. */
  find_item (f->sidebar, "Users", &position);
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (selection), position, TRUE);
  g_assert_cmpuint (f->scope_changes, ==, 2);

  g_assert_true (tsc_sidebar_select_user (f->sidebar, "bob@example.com"));
  g_assert_cmpstr (tsc_sidebar_get_scope (f->sidebar)->user_id, ==, "bob@example.com");
  g_assert_false (tsc_sidebar_select_user (f->sidebar, "nobody"));

  tsc_sidebar_select_all (f->sidebar);
  g_assert_null (tsc_sidebar_get_scope (f->sidebar)->user_id);
  g_assert_null (tsc_sidebar_get_scope (f->sidebar)->client);

  /* Another session starts over, with everything in scope. */
  g_assert_true (tsc_sidebar_select_user (f->sidebar, "user-1"));
  {
    g_autoptr(TscRuleConfig) config = tsc_rule_config_new ("segment", NULL);
    g_autoptr(TscSession) other = tsc_session_new (config);

    tsc_sidebar_set_session (f->sidebar, other);
    g_assert_null (tsc_sidebar_get_scope (f->sidebar)->user_id);
    g_assert_null (find_item (f->sidebar, "user-1", NULL));
    tsc_sidebar_set_session (f->sidebar, NULL);
  }
}

/* ---------------------------------------------------------------------- */
/* The preferences window                                                  */

typedef struct
{
  GSettings            *settings;
  TscPreferencesWindow *window;
} PrefsFixture;

static void
prefs_set_up (PrefsFixture  *f,
              gconstpointer  data)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  f->settings = g_settings_new (APPLICATION_ID);
  g_object_get (f->settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (f->settings, keys[i]);

  f->window = tsc_preferences_window_new (NULL, f->settings);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
prefs_tear_down (PrefsFixture  *f,
                 gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_clear_object (&f->settings);
}

static gpointer
prefs_child (PrefsFixture *f,
             const char   *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (f->window),
                                                   TSC_TYPE_PREFERENCES_WINDOW, name);

  g_assert_nonnull (object);
  return object;
}

/* The names a group's entry rows show, in order, the add row excluded. */
static char *
group_names (PrefsFixture *f,
             const char   *group_name)
{
  GtkWidget *group = prefs_child (f, group_name);
  g_autoptr(GString) out = g_string_new (NULL);
  GtkWidget *stack[64];
  guint depth = 0;

  stack[depth++] = group;
  while (depth > 0)
    {
      GtkWidget *widget = stack[--depth];
      g_autoptr(GPtrArray) children = g_ptr_array_new ();

      if (ADW_IS_ENTRY_ROW (widget))
        {
          const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));

          if (title == NULL || title[0] == '\0')
            g_string_append_printf (out, "%s;", gtk_editable_get_text (GTK_EDITABLE (widget)));
          continue;
        }
      for (GtkWidget *child = gtk_widget_get_first_child (widget);
           child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_ptr_array_add (children, child);
      /* depth first, in order */
      for (guint i = children->len; i > 0 && depth < G_N_ELEMENTS (stack); i--)
        stack[depth++] = g_ptr_array_index (children, i - 1);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static AdwEntryRow *
find_entry_row (PrefsFixture *f,
                const char   *group_name,
                const char   *title,
                const char   *text)
{
  GtkWidget *group = prefs_child (f, group_name);
  GtkWidget *widget = group;

  /* A plain walk of the group's widget tree. */
  while (widget != NULL)
    {
      if (ADW_IS_ENTRY_ROW (widget))
        {
          const char *row_title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
          const char *row_text = gtk_editable_get_text (GTK_EDITABLE (widget));

          if ((title == NULL || g_strcmp0 (row_title, title) == 0) &&
              (text == NULL || g_strcmp0 (row_text, text) == 0))
            return ADW_ENTRY_ROW (widget);
        }

      if (gtk_widget_get_first_child (widget) != NULL && !ADW_IS_ENTRY_ROW (widget))
        widget = gtk_widget_get_first_child (widget);
      else
        {
          while (widget != group && gtk_widget_get_next_sibling (widget) == NULL)
            widget = gtk_widget_get_parent (widget);
          widget = widget == group ? NULL : gtk_widget_get_next_sibling (widget);
        }
    }
  return NULL;
}

static void
test_prefs_reflect_settings (PrefsFixture  *f,
                             gconstpointer  data)
{
  static const char * const names[] = { "Bye", "Session Ended", NULL };
  g_autofree char *shown = NULL;

  /* Defaults first. */
  g_assert_cmpstr (gtk_editable_get_text (prefs_child (f, "address_row")), ==, "127.0.0.1");
  g_assert_cmpfloat (gtk_adjustment_get_value (prefs_child (f, "port_adjustment")), ==, 8765);
  g_assert_false (gtk_switch_get_active (prefs_child (f, "remote_switch")));
  g_assert_false (gtk_widget_get_visible (prefs_child (f, "remote_warning_row")));
  g_assert_cmpuint (adw_combo_row_get_selected (prefs_child (f, "profile_row")), ==, 0);
  g_assert_cmpfloat (gtk_adjustment_get_value (prefs_child (f, "idle_adjustment")), ==, 30);
  shown = group_names (f, "logout_group");
  g_assert_cmpstr (shown, ==, "Signed Out;Logged Out;Log Out;Logout;Sign Out;User Logged Out;");
  g_clear_pointer (&shown, g_free);
  g_assert_false (gtk_widget_get_sensitive (prefs_child (f, "logout_reset_button")));

  /* Then each key changed behind the window's back. */
  g_settings_set_string (f->settings, "listen-address", "192.168.1.20");
  g_settings_set_uint (f->settings, "listen-port", 9001);
  g_settings_set_uint (f->settings, "session-idle-minutes", 45);
  g_settings_set_string (f->settings, "profile", "kissmetrics");
  g_settings_set_strv (f->settings, "logout-names", names);

  g_assert_cmpstr (gtk_editable_get_text (prefs_child (f, "address_row")), ==, "192.168.1.20");
  g_assert_cmpfloat (gtk_adjustment_get_value (prefs_child (f, "port_adjustment")), ==, 9001);
  g_assert_cmpfloat (gtk_adjustment_get_value (prefs_child (f, "idle_adjustment")), ==, 45);
  g_assert_cmpuint (adw_combo_row_get_selected (prefs_child (f, "profile_row")), ==, 3);
  tsc_test_assert_contains (adw_action_row_get_subtitle (prefs_child (f, "profile_row")),
                            "alias after identify and repeated aliases as errors");
  shown = group_names (f, "logout_group");
  g_assert_cmpstr (shown, ==, "Bye;Session Ended;");
  g_clear_pointer (&shown, g_free);
  g_assert_true (gtk_widget_get_sensitive (prefs_child (f, "logout_reset_button")));

  /* A LAN address without remote connections is explained... */
  g_assert_true (gtk_widget_get_visible (prefs_child (f, "address_hint_row")));
  /* ...and allowing them shows the warning instead. */
  g_settings_set_boolean (f->settings, "allow-remote", TRUE);
  g_assert_true (gtk_switch_get_active (prefs_child (f, "remote_switch")));
  g_assert_true (gtk_widget_get_visible (prefs_child (f, "remote_warning_row")));
  g_assert_false (gtk_widget_get_visible (prefs_child (f, "address_hint_row")));
}

static void
test_prefs_write_settings (PrefsFixture  *f,
                           gconstpointer  data)
{
  AdwEntryRow *row;
  g_auto(GStrv) names = NULL;
  g_autofree char *address = NULL;
  g_autofree char *profile = NULL;

  gtk_adjustment_set_value (prefs_child (f, "port_adjustment"), 0);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "listen-port"), ==, 0);
  gtk_switch_set_active (prefs_child (f, "remote_switch"), TRUE);
  g_assert_true (g_settings_get_boolean (f->settings, "allow-remote"));
  gtk_editable_set_text (prefs_child (f, "address_row"), "0.0.0.0");
  address = g_settings_get_string (f->settings, "listen-address");
  g_assert_cmpstr (address, ==, "0.0.0.0");
  adw_combo_row_set_selected (prefs_child (f, "profile_row"), 1);
  profile = g_settings_get_string (f->settings, "profile");
  g_assert_cmpstr (profile, ==, "mixpanel-original");

  /* Editing a name rewrites the list in place. */
  row = find_entry_row (f, "signup_group", NULL, "Sign Up");
  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), "Registered");
  names = g_settings_get_strv (f->settings, "signup-names");
  g_assert_cmpstr (names[2], ==, "Registered");
  g_assert_cmpuint (g_strv_length (names), ==, 5);
  g_clear_pointer (&names, g_strfreev);
  /* The row being edited stays (no rebuild under the cursor). */
  g_assert_true (find_entry_row (f, "signup_group", NULL, "Registered") == row);

  /* Adding one; a name already there (ignoring case and separators) is refused. */
  row = find_entry_row (f, "logout_group", "Add Logout Name", NULL);
  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), "Session Ended");
  g_signal_emit_by_name (row, "apply");
  names = g_settings_get_strv (f->settings, "logout-names");
  g_assert_cmpuint (g_strv_length (names), ==, 7);
  g_assert_cmpstr (names[6], ==, "Session Ended");
  g_clear_pointer (&names, g_strfreev);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "");

  gtk_editable_set_text (GTK_EDITABLE (row), "signed_out");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_signal_emit_by_name (row, "apply");
  names = g_settings_get_strv (f->settings, "logout-names");
  g_assert_cmpuint (g_strv_length (names), ==, 7);
  g_clear_pointer (&names, g_strfreev);

  /* Removing one with its button. */
  row = find_entry_row (f, "logout_group", NULL, "Logout");
  g_assert_nonnull (row);
  {
    GtkWidget *button = NULL;
    GtkWidget *widget = GTK_WIDGET (row);

    /* The row's only GtkButton with an icon is its remove button. */
    while (widget != NULL && button == NULL)
      {
        if (GTK_IS_BUTTON (widget) &&
            g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), "user-trash-symbolic") == 0)
          button = widget;
        else if (gtk_widget_get_first_child (widget) != NULL)
          widget = gtk_widget_get_first_child (widget);
        else
          {
            while (widget != GTK_WIDGET (row) && gtk_widget_get_next_sibling (widget) == NULL)
              widget = gtk_widget_get_parent (widget);
            widget = widget == GTK_WIDGET (row) ? NULL : gtk_widget_get_next_sibling (widget);
          }
      }
    g_assert_nonnull (button);
    g_signal_emit_by_name (button, "clicked");
  }
  names = g_settings_get_strv (f->settings, "logout-names");
  g_assert_false (g_strv_contains ((const char * const *) names, "Logout"));
  g_assert_cmpuint (g_strv_length (names), ==, 6);
  g_clear_pointer (&names, g_strfreev);

  /* Reset brings the defaults back, rows included. */
  g_signal_emit_by_name (prefs_child (f, "logout_reset_button"), "clicked");
  names = g_settings_get_strv (f->settings, "logout-names");
  g_assert_cmpuint (g_strv_length (names), ==, 6);
  g_assert_true (g_strv_contains ((const char * const *) names, "Logout"));
  g_assert_nonnull (find_entry_row (f, "logout_group", NULL, "Logout"));
}

/* ---------------------------------------------------------------------- */
/* The first-run page and the test call                                    */

static void
on_send_test_call_cb (TscEmptyPage *page,
                      guint        *count)
{
  (*count)++;
}

static void
test_empty_page_snippets_use_the_address (void)
{
  const char *uri = "http://127.0.0.1:43127";
  TscEmptyPage *page = TSC_EMPTY_PAGE (g_object_ref_sink (tsc_empty_page_new ()));
  const char * const *ids = tsc_empty_page_get_snippet_ids ();
  guint pressed = 0;

  g_assert_cmpuint (g_strv_length ((char **) ids), ==, 5);
  g_signal_connect (page, "send-test-call", G_CALLBACK (on_send_test_call_cb), &pressed);

  /* Without a collector there is nothing to send to. */
  gtk_widget_activate_action (GTK_WIDGET (page), "empty-page.send-test-call", NULL);
  g_assert_cmpuint (pressed, ==, 0);

  tsc_empty_page_set_uri (page, uri);
  g_assert_cmpstr (tsc_empty_page_get_uri (page), ==, uri);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autofree char *text = tsc_empty_page_dup_snippet (page, ids[i]);

      g_test_message ("%s:\n%s", ids[i], text);
      tsc_test_assert_contains (text, uri);
      g_assert_null (strstr (text, "8765"));
    }

  {
    g_autofree char *js = tsc_empty_page_dup_snippet (page, "analytics-js");
    g_autofree char *node = tsc_empty_page_dup_snippet (page, "node");
    g_autofree char *python = tsc_empty_page_dup_snippet (page, "python");
    g_autofree char *rudder = tsc_empty_page_dup_snippet (page, "rudderstack");
    g_autofree char *curl = tsc_empty_page_dup_snippet (page, "curl");

    tsc_test_assert_contains (js, "cdnURL: 'http://127.0.0.1:43127'");
    tsc_test_assert_contains (node, "@segment/analytics-node");
    tsc_test_assert_contains (node, "host: 'http://127.0.0.1:43127'");
    tsc_test_assert_contains (python, "analytics.host = 'http://127.0.0.1:43127'");
    tsc_test_assert_contains (rudder, "dataPlaneUrl: 'http://127.0.0.1:43127'");
    tsc_test_assert_contains (curl, "http://127.0.0.1:43127/v1/track");
  }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "empty-page.send-test-call", NULL));
  g_assert_cmpuint (pressed, ==, 1);

  tsc_empty_page_set_uri (page, NULL);
  gtk_widget_activate_action (GTK_WIDGET (page), "empty-page.send-test-call", NULL);
  g_assert_cmpuint (pressed, ==, 1);

  g_object_unref (page);
}

typedef struct
{
  char             *dir;
  char             *path;
  TscSessionWriter *writer;
  TscCollector     *collector;
  gboolean          done;
  gboolean          ok;
  GError           *error;
} CallFixture;

static void
call_set_up (CallFixture   *f,
             gconstpointer  data)
{
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;

  f->dir = tsc_test_make_tmp_dir ("trackscope-test-call-XXXXXX", "s.trackscope", &f->path);
  store = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  f->writer = tsc_session_writer_new (store);
  f->collector = tsc_collector_new (f->writer);
}

static void
call_tear_down (CallFixture   *f,
                gconstpointer  data)
{
  tsc_collector_stop (f->collector);
  g_clear_object (&f->collector);
  tsc_session_writer_close (f->writer);
  g_clear_object (&f->writer);
  g_clear_error (&f->error);
  tsc_test_remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
on_test_call_sent_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  CallFixture *f = user_data;

  f->ok = tsc_empty_page_send_test_call_finish (result, &f->error);
  f->done = TRUE;
}

static void
send_and_wait (CallFixture *f,
               const char  *uri)
{
  f->done = FALSE;
  g_clear_error (&f->error);
  tsc_empty_page_send_test_call (uri, NULL, on_test_call_sent_cb, f);
  g_assert_true (tsc_test_wait_for_flag (&f->done, WAIT_TIMEOUT_MS));
}

static void
test_call_stores_a_signup (CallFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *user_id = NULL;

  tsc_collector_start (f->collector, "127.0.0.1", 0, &error);
  g_assert_no_error (error);

  send_and_wait (f, tsc_collector_get_uri (f->collector));
  g_assert_no_error (f->error);
  g_assert_true (f->ok);

  /* Answered only once stored: the file has them now. */
  g_assert_cmpint (tsc_test_db_int (f->path, "SELECT COUNT(*) FROM messages", NULL), ==, 3);
  tsc_test_assert_db_text (f->path,
                           "SELECT group_concat(type, ',') FROM "
                           "(SELECT type FROM messages ORDER BY seq)",
                           NULL, "page,identify,track");
  tsc_test_assert_db_text (f->path, "SELECT event FROM messages WHERE type = 'track'", NULL,
                           "Signed Up");
  tsc_test_assert_db_text (f->path, "SELECT route FROM messages LIMIT 1", NULL, "/v1/batch");
  tsc_test_assert_db_text (f->path, "SELECT DISTINCT user_agent FROM messages", NULL,
                           "Trackscope test call");
  g_assert_cmpint (tsc_test_db_int (f->path, "SELECT COUNT(DISTINCT anonymous_id) FROM messages",
                                    NULL), ==, 1);
  g_assert_cmpint (tsc_test_db_int (f->path,
                                    "SELECT COUNT(*) FROM messages "
                                    "WHERE type = 'page' AND user_id IS NULL",
                                    NULL), ==, 1);
  user_id = tsc_test_db_text (f->path, "SELECT user_id FROM messages WHERE type = 'identify'",
                              NULL);
  g_assert_true (g_str_has_prefix (user_id, "user-"));
  tsc_test_assert_db_text (f->path, "SELECT user_id FROM messages WHERE type = 'track'", NULL,
                           user_id);
}

static void
test_call_reports_errors (CallFixture   *f,
                          gconstpointer  data)
{
  static const char * const keys[] = { "the-real-key", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *closed_uri = NULL;
  guint port = 0;

  /* Nothing listening. */
  {
    g_autoptr(GSocket) socket = tsc_test_listen_on_free_port (&port);

    g_socket_close (socket, NULL);
  }
  closed_uri = g_strdup_printf ("http://127.0.0.1:%u", port);
  send_and_wait (f, closed_uri);
  g_assert_false (f->ok);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  tsc_test_assert_contains (f->error->message, closed_uri);

  /* Not an address. */
  send_and_wait (f, "ftp://127.0.0.1:21");
  g_assert_false (f->ok);
  g_assert_error (f->error, TSC_TEST_CALL_ERROR, TSC_TEST_CALL_ERROR_BAD_URI);

  /* Refused by the collector: another write key is required. */
  tsc_collector_set_allowed_write_keys (f->collector, keys);
  tsc_collector_start (f->collector, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  send_and_wait (f, tsc_collector_get_uri (f->collector));
  g_assert_false (f->ok);
  g_assert_error (f->error, TSC_TEST_CALL_ERROR, TSC_TEST_CALL_ERROR_REJECTED);
  tsc_test_assert_contains (f->error->message, "401");
  g_assert_cmpint (tsc_test_db_int (f->path, "SELECT COUNT(*) FROM messages", NULL), ==, 0);
}

/* ---------------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  /* GTK's symbolic icons are SVGs, recognised through the MIME database:
   * keep the system's before the test folders hide it (see
   * g_content_type_set_mime_dirs()). */
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (!gtk_init_check ())
    g_error ("No display: the app tests run under Xvfb (make check does that)");
  adw_init ();

  g_test_add_func ("/app/settings/schema-keys-have-defaults", test_schema_keys_have_defaults);

  g_test_add ("/app/sidebar/lists-devices-and-users-with-counts-and-severities",
              SidebarFixture, NULL,
              sidebar_set_up, test_sidebar_lists_devices_and_users, sidebar_tear_down);
  g_test_add ("/app/sidebar/selecting-a-row-sets-the-scope", SidebarFixture, NULL,
              sidebar_set_up, test_sidebar_selecting_a_row_sets_the_scope, sidebar_tear_down);

  g_test_add ("/app/preferences/controls-reflect-settings", PrefsFixture, NULL,
              prefs_set_up, test_prefs_reflect_settings, prefs_tear_down);
  g_test_add ("/app/preferences/controls-write-settings", PrefsFixture, NULL,
              prefs_set_up, test_prefs_write_settings, prefs_tear_down);

  g_test_add_func ("/app/empty-page/snippets-use-the-collector-address",
                   test_empty_page_snippets_use_the_address);
  g_test_add ("/app/empty-page/test-call-stores-a-signup", CallFixture, NULL,
              call_set_up, test_call_stores_a_signup, call_tear_down);
  g_test_add ("/app/empty-page/test-call-reports-errors", CallFixture, NULL,
              call_set_up, test_call_reports_errors, call_tear_down);

  return g_test_run ();
}
