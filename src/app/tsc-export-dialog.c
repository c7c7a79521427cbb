/* tsc-export-dialog.c
 *
 * Export asks two things before the file name: the format (NDJSON for
 * jq and scripts, JSON with the flags and session details, HAR for
 * browser devtools and HTTP tools) and whether personal data is
 * replaced by stable hashes. Both choices are remembered in GSettings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-export-dialog"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tsc-export-dialog.h"

typedef struct
{
  GSettings *settings;
  char      *base_name;
} ChooseData;

static void
choose_data_free (ChooseData *data)
{
  g_clear_object (&data->settings);
  g_free (data->base_name);
  g_free (data);
}

static const char *
describe_format (TscExportFormat format)
{
  switch (format)
    {
    case TSC_EXPORT_NDJSON:
      return _("One call per line, as received, for jq and scripts");
    case TSC_EXPORT_JSON:
      return _("One document with the calls, the flags and the session details");
    case TSC_EXPORT_HAR:
      return _("The HTTP requests, for browser devtools and HTTP tools");
    default:
      g_assert_not_reached ();
    }
}

/* Format names are not translated. */
static const char *
format_name (TscExportFormat format)
{
  static const char * const names[] = { "NDJSON", "JSON", "HAR" };

  g_return_val_if_fail (format <= TSC_EXPORT_HAR, "");
  return names[format];
}

static TscExportFormat
settings_format (GSettings *settings)
{
  return (TscExportFormat) g_settings_get_enum (settings, "export-format");
}

static gboolean
get_format_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  TscExportFormat format;

  if (!tsc_export_format_from_string (g_variant_get_string (variant, NULL), &format))
    return FALSE;
  g_value_set_uint (value, format);
  return TRUE;
}

static GVariant *
set_format_mapping (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  return g_variant_new_string (tsc_export_format_to_string (g_value_get_uint (value)));
}

static void
on_format_row_selected_cb (AdwComboRow *row,
                           GParamSpec  *pspec,
                           gpointer     user_data)
{
  guint selected = adw_combo_row_get_selected (row);

  if (selected <= TSC_EXPORT_HAR)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), describe_format (selected));
}

static GtkWidget *
build_options (GSettings *settings)
{
  GtkWidget *list = gtk_list_box_new ();
  GtkStringList *names = gtk_string_list_new (NULL);
  GtkWidget *format_row = adw_combo_row_new ();
  GtkWidget *redact_row = adw_action_row_new ();
  GtkWidget *redact_switch = gtk_switch_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");

  for (TscExportFormat f = TSC_EXPORT_NDJSON; f <= TSC_EXPORT_HAR; f++)
    gtk_string_list_append (names, format_name (f));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (format_row), _("_Format"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (format_row), TRUE);
  adw_combo_row_set_model (ADW_COMBO_ROW (format_row), G_LIST_MODEL (names));
  g_object_unref (names);
  g_signal_connect (format_row, "notify::selected", G_CALLBACK (on_format_row_selected_cb), NULL);
  g_settings_bind_with_mapping (settings, "export-format", format_row, "selected",
                                G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_GET_NO_CHANGES,
                                get_format_mapping, set_format_mapping, NULL, NULL);
  on_format_row_selected_cb (ADW_COMBO_ROW (format_row), NULL, NULL);
  gtk_list_box_append (GTK_LIST_BOX (list), format_row);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (redact_row), _("_Remove Personal Data"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (redact_row), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (redact_row),
                               _("Emails, phone numbers, names, addresses, IP addresses and "
                                 "write keys become hashes; equal values still match"));
  gtk_widget_set_valign (redact_switch, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (redact_row), redact_switch);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (redact_row), redact_switch);
  g_settings_bind (settings, "export-redact", redact_switch, "active", G_SETTINGS_BIND_DEFAULT);
  gtk_list_box_append (GTK_LIST_BOX (list), redact_row);

  return list;
}

static void
on_file_chooser_response_cb (GtkNativeDialog *dialog,
                             int              response,
                             gpointer         user_data)
{
  g_autoptr(GTask) task = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    g_task_return_pointer (task, gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog)), g_object_unref);
  else
    g_task_return_pointer (task, NULL, NULL);
  g_object_unref (dialog);
}

static void
on_options_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        gpointer          user_data)
{
  g_autoptr(GTask) task = user_data;
  ChooseData *data = g_task_get_task_data (task);
  GtkWindow *parent = g_task_get_source_object (task);
  GtkFileChooserNative *chooser;
  TscExportFormat format;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;

  if (g_strcmp0 (response, "export") != 0)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  format = settings_format (data->settings);
  name = g_strconcat (data->base_name, tsc_export_format_extension (format), NULL);
  /* TRANSLATORS: the file chooser's title; %s is NDJSON, JSON or HAR */
  title = g_strdup_printf (_("Export as %s"), format_name (format));

  chooser = gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chooser_response_cb),
                    g_steal_pointer (&task));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/**
 * tsc_export_dialog_choose_async:
 * @base_name: the file name to suggest, without extension
 *
 * Asks for the format, redaction and the file to write.
 */
void
tsc_export_dialog_choose_async (GtkWindow           *parent,
                                GSettings           *settings,
                                const char          *base_name,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  ChooseData *data;
  GtkWidget *dialog;

  g_return_if_fail (GTK_IS_WINDOW (parent));
  g_return_if_fail (G_IS_SETTINGS (settings));

  task = g_task_new (parent, cancellable, callback, user_data);
  g_task_set_source_tag (task, tsc_export_dialog_choose_async);
  data = g_new0 (ChooseData, 1);
  data->settings = g_object_ref (settings);
  data->base_name = g_strdup (base_name);
  g_task_set_task_data (task, data, (GDestroyNotify) choose_data_free);

  dialog = adw_message_dialog_new (parent, _("Export Session"),
                                   _("Exports can be opened by other tools, "
                                     "and imported back into Trackscope."));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), build_options (settings));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "export", _("_Choose File…"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "export",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "export");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_options_response_cb), task);
  gtk_window_present (GTK_WINDOW (dialog));
}

/**
 * tsc_export_dialog_choose_finish:
 * @format: (out): the format chosen
 * @redact: (out): whether personal data is to be removed
 *
 * Returns: (transfer full) (nullable): the file to write, %NULL when the
 *   user cancelled (without @error)
 */
GFile *
tsc_export_dialog_choose_finish (GtkWindow        *parent,
                                 GAsyncResult     *result,
                                 TscExportFormat  *format,
                                 gboolean         *redact,
                                 GError          **error)
{
  ChooseData *data;

  g_return_val_if_fail (g_task_is_valid (result, parent), NULL);

  data = g_task_get_task_data (G_TASK (result));
  *format = settings_format (data->settings);
  *redact = g_settings_get_boolean (data->settings, "export-redact");
  return g_task_propagate_pointer (G_TASK (result), error);
}
