/* screenshots.c: `make screenshots` — the app with a realistic session
 * (three devices, four users, server calls, flags of every severity),
 * each view saved as a PNG in light and dark.
 *
 *   screenshots OUTPUT-DIR
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "screenshots"

#include "config.h"

#include <libsoup/soup.h>

#include "tsc-app-tool.h"

static char *output_dir;
static int status = 1;

typedef struct
{
  const char *origin;
  const char *user_agent;
  const char *write_key;
} Sender;

static const Sender laptop = { "https://shop.example", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36", "WK_WEB" };
static const Sender phone = { "https://shop.example", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 Safari/604.1", "WK_WEB" };
static const Sender tablet = { "https://app.example", "Mozilla/5.0 (Linux; Android 15; Pixel Tablet) AppleWebKit/537.36 Chrome/156.0 Safari/537.36", "WK_APP" };
static const Sender server = { NULL, "analytics-node-next/latest", "WK_SERVER" };

static void
post (SoupSession  *http,
      const char   *uri,
      const Sender *sender,
      const char   *path,
      const char   *body)
{
  g_autofree char *url = g_strconcat (uri, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) reply = NULL;
  g_autofree char *credentials = g_strconcat (sender->write_key, ":", NULL);
  g_autofree char *basic = g_base64_encode ((const guchar *) credentials, strlen (credentials));
  g_autofree char *authorization = g_strconcat ("Basic ", basic, NULL);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_replace (headers, "User-Agent", sender->user_agent);
  soup_message_headers_replace (headers, "Authorization", authorization);
  if (sender->origin != NULL)
    soup_message_headers_replace (headers, "Origin", sender->origin);
  soup_message_set_request_body_from_bytes (msg, "text/plain", bytes);
  reply = soup_session_send_and_read (http, msg, NULL, NULL);
}

/* One call of a browser SDK, stamped now. */
static void
call (SoupSession  *http,
      const char   *uri,
      const Sender *sender,
      const char   *type,
      const char   *anonymous_id,
      const char   *user_id,
      const char   *extra)
{
  static guint n;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  g_autofree char *user = user_id ? g_strdup_printf ("\"%s\"", user_id) : g_strdup ("null");
  g_autofree char *anon = anonymous_id ? g_strdup_printf ("\"anonymousId\":\"%s\",", anonymous_id) : g_strdup ("");
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;

  body = g_strdup_printf ("{\"type\":\"%s\",%s\"userId\":%s,%s\"messageId\":\"ajs-next-%u-%08x\","
                          "\"timestamp\":\"%s\",\"sentAt\":\"%s\",\"context\":{\"library\":"
                          "{\"name\":\"analytics.js\",\"version\":\"npm:next-1.84.3\"}}}",
                          type, anon, user, extra ? extra : "", ++n, g_random_int (), stamp, stamp);
  /* Browsers use analytics.js's short routes, servers the long ones. */
  path = sender->origin ? g_strdup_printf ("/v1/%c", type[0]) : g_strconcat ("/v1/", type, NULL);
  post (http, uri, sender, path, body);
  g_usleep (350 * 1000);
}

static void
record_session (const char *uri)
{
  g_autoptr(SoupSession) http = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  const char *a1 = "7d1c2f3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f";
  const char *a2 = "9a76624a-5814-5849-b99b-67d7cd752dcb";
  const char *a3 = "5f93cc65-1e00-5ca5-a9dd-3fcc6f52c1da";
  const char *a4 = "c0ffee00-1234-4abc-9def-00112233aabb";
  g_autofree char *previous = g_strdup_printf ("\"previousId\":\"%s\",", a4);

  /* Laptop: signup tracked before identify, a self-alias, logout without reset. */
  call (http, uri, &laptop, "page", a1, NULL, "\"name\":\"Home\",");
  call (http, uri, &laptop, "page", a1, NULL, "\"name\":\"Pricing\",");
  call (http, uri, &laptop, "track", a1, "ada-1815", "\"event\":\"Signed Up\",\"properties\":{\"plan\":\"pro\"},");
  call (http, uri, &laptop, "identify", a1, "ada-1815", "\"traits\":{\"plan\":\"pro\",\"name\":\"Ada\"},");
  call (http, uri, &laptop, "alias", a1, "ada-1815", "\"previousId\":\"ada-1815\",");
  call (http, uri, &laptop, "track", a1, "ada-1815", "\"event\":\"Product Viewed\",\"properties\":{\"sku\":\"SKU-7\"},");
  call (http, uri, &laptop, "track", a1, "ada-1815", "\"event\":\"Signed Out\",");
  call (http, uri, &laptop, "page", a1, "ada-1815", "\"name\":\"Home\",");

  /* Phone: a clean login and logout with reset, then a junk id. */
  call (http, uri, &phone, "page", a2, NULL, "\"name\":\"Home\",");
  call (http, uri, &phone, "identify", a2, "grace-1906", "\"traits\":{\"name\":\"Grace\"},");
  call (http, uri, &phone, "track", a2, "grace-1906", "\"event\":\"Order Completed\",\"properties\":{\"revenue\":42.5},");
  call (http, uri, &phone, "track", a2, "grace-1906", "\"event\":\"Signed Out\",");
  call (http, uri, &phone, "page", a3, NULL, "\"name\":\"Home\",");
  call (http, uri, &phone, "identify", a3, "undefined", "");

  /* Server: identifies a user before the browser aliases into them. */
  call (http, uri, &server, "identify", NULL, "linus-1969", "\"traits\":{\"email\":\"linus@example.com\"},");
  call (http, uri, &server, "track", NULL, "ada-1815", "\"event\":\"Invoice Paid\",");

  /* Tablet: the alias after the server's identify, then a session. */
  call (http, uri, &tablet, "page", a4, NULL, "\"name\":\"Dashboard\",");
  call (http, uri, &tablet, "alias", a4, "linus-1969", previous);
  call (http, uri, &tablet, "identify", a4, "linus-1969", "");
  call (http, uri, &tablet, "group", a4, "linus-1969", "\"groupId\":\"acme\",\"traits\":{\"plan\":\"team\"},");
  call (http, uri, &tablet, "track", a4, "linus-1969", "\"event\":\"Report Exported\",");
  call (http, uri, &tablet, "screen", a4, "linus-1969", "\"name\":\"Settings\",");
}

static void
save_png (GtkWidget  *widget,
          const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (output_dir, name, NULL);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("cannot write %s", path);
  g_print ("%s\n", path);
}

static gpointer
child (TscWindow  *window,
       const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (window), TSC_TYPE_WINDOW, name);
}

static void
shoot_views (TscWindow  *window,
             const char *scheme)
{
  static const char *views[] = { "timeline", "events", "flags" };
  g_autofree char *empty = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%s.png", views[i], scheme);

      adw_view_stack_set_visible_child_name (child (window, "view_stack"), views[i]);
      tsc_app_tool_wait_ms (600, FALSE);
      save_png (GTK_WIDGET (window), name);
    }
}

/* The first visible toplevel of @type other than @except. */
static GtkWidget *
find_toplevel (GType      type,
               GtkWidget *except)
{
  g_autoptr(GListModel) toplevels = gtk_window_get_toplevels ();

  g_object_ref (toplevels);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (window != except && G_TYPE_CHECK_INSTANCE_TYPE (window, type) &&
          gtk_widget_get_visible (window))
        return window;
    }
  return NULL;
}

/* The export options and the Forwarding preferences. */
static void
shoot_dialogs (TscWindow *window)
{
  GtkWidget *dialog;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.export", "s", "");
  tsc_app_tool_wait_ms (600, FALSE);
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL);
  if (dialog != NULL)
    {
      save_png (dialog, "export-dialog-light.png");
      adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
    }

  g_action_group_activate_action (G_ACTION_GROUP (g_application_get_default ()), "preferences", NULL);
  tsc_app_tool_wait_ms (600, FALSE);
  dialog = find_toplevel (ADW_TYPE_PREFERENCES_WINDOW, NULL);
  if (dialog != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (dialog), 640, 820);
      tsc_app_tool_wait_ms (400, FALSE);
      save_png (dialog, "preferences-capture-light.png");
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
}

static gboolean
run (gpointer data)
{
  GApplication *app = g_application_get_default ();
  TscWindow *window = TSC_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  TscSession *session = tsc_window_get_session (window);
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *uri = g_strdup (tsc_session_get_uri (session));
  GPtrArray *flags;
  gint64 selected = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 1360, 820);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  tsc_app_tool_wait_ms (800, FALSE);
  save_png (GTK_WIDGET (window), "first-run-light.png");

  record_session (uri);
  tsc_app_tool_wait_ms (800, FALSE);

  /* Select the call that completes the first error, as a user would. */
  flags = tsc_identity_model_get_flags (tsc_session_get_model (session));
  for (guint i = 0; i < flags->len && selected == 0; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);
      if (flag->rule == TSC_RULE_MISSING_RESET_ON_LOGOUT)
        selected = flag->seq;
    }
  g_object_set (child (window, "events_view"), "selected-seq", selected, NULL);
  tsc_app_tool_wait_ms (600, FALSE);

  shoot_views (window, "light");
  shoot_dialogs (window);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  tsc_app_tool_wait_ms (800, FALSE);
  shoot_views (window, "dark");

  status = 0;
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{

  if (argc != 2)
    {
      g_printerr ("usage: %s OUTPUT-DIR\n", argv[0]);
      return 2;
    }

  output_dir = argv[1];
  g_mkdir_with_parents (output_dir, 0755);

  tsc_app_tool_run_app (run);
  return status;
}
