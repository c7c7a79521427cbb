/* tsc-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-application"

#include "config.h"

#include <glib/gi18n.h>

#include "tsc-application.h"
#include "tsc-preferences-window.h"
#include "tsc-window.h"

struct _TscApplication
{
  AdwApplication  parent_instance;

  char           *listen;
  gboolean        no_capture;
};

G_DEFINE_FINAL_TYPE (TscApplication, tsc_application, ADW_TYPE_APPLICATION)

static const GOptionEntry options[] = {
  { "listen", 'l', 0, G_OPTION_ARG_STRING, NULL,
    N_("Address the collector listens on (default from Preferences, 127.0.0.1:8765; port 0 picks a free port)"),
    N_("HOST:PORT") },
  { "no-capture", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Do not start a capture"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
  { NULL }
};

static int
tsc_application_handle_local_options (GApplication *application,
                                      GVariantDict *dict)
{
  TscApplication *self = TSC_APPLICATION (application);
  const char *listen = NULL;

  if (g_variant_dict_contains (dict, "version"))
    {
      g_print ("trackscope %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (dict, "listen", "&s", &listen))
    {
      g_free (self->listen);
      self->listen = g_strdup (listen);
    }
  self->no_capture = g_variant_dict_contains (dict, "no-capture");

  return -1;
}

static void
tsc_application_activate (GApplication *application)
{
  TscApplication *self = TSC_APPLICATION (application);
  g_autoptr(GError) error = NULL;
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (application));
  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  window = GTK_WINDOW (tsc_window_new (GTK_APPLICATION (application)));
  gtk_window_present (window);

  if (self->no_capture)
    return;

  if (!tsc_window_start_capture (TSC_WINDOW (window), self->listen, NULL, &error))
    {
      if (g_error_matches (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_ADDRESS_IN_USE))
        tsc_window_show_message (TSC_WINDOW (window), "network-error-symbolic",
                                 _("The Port Is Taken"), error->message);
      else
        tsc_window_show_message (TSC_WINDOW (window), "dialog-error-symbolic",
                                 _("Cannot Start Capturing"), error->message);
    }
}

static void
tsc_application_open (GApplication  *application,
                      GFile        **files,
                      int            n_files,
                      const char    *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      TscWindow *window = tsc_window_new (GTK_APPLICATION (application));
      g_autofree char *name = g_file_get_basename (files[i]);

      gtk_window_present (GTK_WINDOW (window));
      if (name != NULL && g_str_has_suffix (name, ".trackscope"))
        tsc_window_open_file (window, files[i]);
      else
        tsc_window_import_file (window, files[i]);
    }
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *application = user_data;
  const char *developers[] = { "The Trackscope developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (application),
                         "application-name", "Trackscope",
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Inspect product-analytics calls and the identity "
                                       "mistakes in them"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "website", "https://github.com/trackscope/trackscope",
                         "issue-url", "https://github.com/trackscope/trackscope/issues",
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GtkApplication *application = user_data;
  TscPreferencesWindow *preferences;

  preferences = tsc_preferences_window_new (gtk_application_get_active_window (application), NULL);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
tsc_application_startup (GApplication *application)
{
  static const GActionEntry entries[] = {
    { .name = "about", .activate = about_action },
    { .name = "preferences", .activate = preferences_action },
    { .name = "quit", .activate = quit_action },
  };
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (tsc_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application), entries,
                                   G_N_ELEMENTS (entries), application);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "window.close", close_accels);
}

static void
tsc_application_finalize (GObject *object)
{
  TscApplication *self = (TscApplication *) object;

  g_free (self->listen);

  G_OBJECT_CLASS (tsc_application_parent_class)->finalize (object);
}

static void
tsc_application_class_init (TscApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = tsc_application_finalize;
  app_class->handle_local_options = tsc_application_handle_local_options;
  app_class->activate = tsc_application_activate;
  app_class->open = tsc_application_open;
  app_class->startup = tsc_application_startup;
}

static void
tsc_application_init (TscApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[FILE…]"));
}

TscApplication *
tsc_application_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  GApplicationFlags flags = G_APPLICATION_HANDLES_OPEN;

  /* One instance per session: opening a file from a second invocation
   * adds a window to the running app. Without a session bus there is
   * no one to register with, so each invocation stands alone. */
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (address == NULL)
    flags |= G_APPLICATION_NON_UNIQUE;

  return g_object_new (TSC_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", flags,
                       "resource-base-path", RESOURCE_BASE,
                       NULL);
}
