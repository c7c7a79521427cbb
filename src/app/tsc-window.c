/* tsc-window.c
 *
 * The main window. For now it shows the live collector: its address,
 * how many calls were recorded and the last one. The timelines, event
 * list and flags views build on it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tsc-session-store.h"
#include "tsc-session-writer.h"
#include "tsc-window.h"

struct _TscWindow
{
  AdwApplicationWindow  parent_instance;

  AdwWindowTitle       *window_title;
  AdwToastOverlay      *toast_overlay;
  AdwStatusPage        *status_page;
  AdwActionRow         *address_row;
  AdwActionRow         *count_row;
  AdwActionRow         *last_row;
  AdwActionRow         *session_row;
  GtkLabel             *count_label;

  TscSessionWriter     *writer;
  TscCollector         *collector;
  guint64               message_count;
};

G_DEFINE_FINAL_TYPE (TscWindow, tsc_window, ADW_TYPE_APPLICATION_WINDOW)

static char *
describe_message (const TscMessage *m)
{
  const char *label = tsc_message_get_label (m);
  const char *who = m->user_id ? m->user_id : m->anonymous_id;
  g_autofree char *type = g_strdup (m->type_name ? m->type_name : _("call without type"));

  if (label != NULL && who != NULL)
    return g_strdup_printf ("%s “%s” · %s", type, label, who);
  if (label != NULL)
    return g_strdup_printf ("%s “%s”", type, label);
  if (who != NULL)
    return g_strdup_printf ("%s · %s", type, who);
  return g_steal_pointer (&type);
}

static void
update_count (TscWindow *self)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, self->message_count);

  gtk_label_set_label (self->count_label, text);
  if (self->message_count > 0 && self->collector != NULL)
    adw_status_page_set_title (self->status_page, _("Capturing"));
}

static void
on_collector_messages_received_cb (TscCollector *collector,
                                   GPtrArray    *messages,
                                   TscWindow    *self)
{
  g_autofree char *last = NULL;

  if (messages->len == 0)
    return;

  self->message_count += messages->len;
  last = describe_message (g_ptr_array_index (messages, messages->len - 1));
  adw_action_row_set_subtitle (self->last_row, last);
  update_count (self);
}

static void
on_collector_request_rejected_cb (TscCollector     *collector,
                                  TscRequestRecord *record,
                                  TscWindow        *self)
{
  g_autofree char *text = NULL;
  AdwToast *toast;

  text = g_strdup_printf (_("Rejected a request to %s: %s"),
                          record->transport->path, record->error_message);
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
tsc_window_show_error (TscWindow  *self,
                       const char *title,
                       const char *message)
{
  g_return_if_fail (TSC_IS_WINDOW (self));

  adw_status_page_set_icon_name (self->status_page, "dialog-error-symbolic");
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, message);
}

/**
 * tsc_window_start_capture:
 * @listen: `HOST:PORT`
 * @session_path: (nullable): the session file, or %NULL for a new one
 *   under the user's data folder
 */
gboolean
tsc_window_start_capture (TscWindow   *self,
                          const char  *listen,
                          const char  *session_path,
                          GError     **error)
{
  g_autoptr(TscSessionStore) store = NULL;
  g_autofree char *path = NULL;
  g_autofree char *host = NULL;
  g_autofree char *description = NULL;
  guint port = 0;
  gboolean created;

  g_return_val_if_fail (TSC_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (self->collector == NULL, FALSE);

  if (!tsc_parse_listen_address (listen, &host, &port, error))
    return FALSE;

  path = session_path ? g_strdup (session_path) : tsc_session_store_default_path ();
  created = !g_file_test (path, G_FILE_TEST_EXISTS);
  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, error);
  if (store == NULL)
    return FALSE;

  self->writer = tsc_session_writer_new (store);
  self->collector = tsc_collector_new (self->writer);
  g_signal_connect_object (self->collector, "messages-received",
                           G_CALLBACK (on_collector_messages_received_cb), self, 0);
  g_signal_connect_object (self->collector, "request-rejected",
                           G_CALLBACK (on_collector_request_rejected_cb), self, 0);

  if (!tsc_collector_start (self->collector, host, port, error))
    {
      g_clear_object (&self->collector);
      tsc_session_writer_close (self->writer);
      g_clear_object (&self->writer);
      g_clear_object (&store);
      if (created)
        tsc_session_store_remove_files (path);
      return FALSE;
    }

  adw_action_row_set_subtitle (self->address_row, tsc_collector_get_uri (self->collector));
  adw_action_row_set_subtitle (self->session_row, path);
  adw_window_title_set_subtitle (self->window_title, tsc_collector_get_uri (self->collector));

  description = g_strdup_printf (_("Point your analytics SDK at this collector. In a web page: "
                                   "AnalyticsBrowser.load({ writeKey, cdnURL: '%s' })"),
                                 tsc_collector_get_uri (self->collector));
  adw_status_page_set_description (self->status_page, description);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-address", TRUE);

  return TRUE;
}

/**
 * tsc_window_open_session:
 *
 * Shows a recorded session file instead of a live capture.
 */
gboolean
tsc_window_open_session (TscWindow  *self,
                         GFile      *file,
                         GError    **error)
{
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GPtrArray) last = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *basename = g_file_get_basename (file);
  gint64 count;

  g_return_val_if_fail (TSC_IS_WINDOW (self), FALSE);

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Only local session files can be opened"));
      return FALSE;
    }

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_READ_ONLY, error);
  if (store == NULL)
    return FALSE;

  count = tsc_session_store_count_messages (store, error);
  if (count < 0)
    return FALSE;

  last = tsc_session_store_load_messages (store, count - 1, 1, error);
  if (last == NULL)
    return FALSE;

  self->message_count = count;
  update_count (self);
  if (last->len > 0)
    {
      g_autofree char *text = describe_message (g_ptr_array_index (last, 0));
      adw_action_row_set_subtitle (self->last_row, text);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->address_row), FALSE);
  adw_action_row_set_subtitle (self->session_row, path);
  adw_window_title_set_subtitle (self->window_title, basename);
  adw_status_page_set_icon_name (self->status_page, "document-open-symbolic");
  adw_status_page_set_title (self->status_page, basename);
  adw_status_page_set_description (self->status_page, _("A recorded capture session"));
  return TRUE;
}

guint64
tsc_window_get_message_count (TscWindow *self)
{
  g_return_val_if_fail (TSC_IS_WINDOW (self), 0);
  return self->message_count;
}

TscCollector *
tsc_window_get_collector (TscWindow *self)
{
  g_return_val_if_fail (TSC_IS_WINDOW (self), NULL);
  return self->collector;
}

static void
copy_address_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TscWindow *self = TSC_WINDOW (widget);

  if (self->collector == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          tsc_collector_get_uri (self->collector));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Address copied")));
}

static void
tsc_window_dispose (GObject *object)
{
  TscWindow *self = (TscWindow *) object;

  if (self->collector != NULL)
    tsc_collector_stop (self->collector);
  g_clear_object (&self->collector);
  if (self->writer != NULL)
    tsc_session_writer_close (self->writer);
  g_clear_object (&self->writer);

  gtk_widget_dispose_template (GTK_WIDGET (self), TSC_TYPE_WINDOW);

  G_OBJECT_CLASS (tsc_window_parent_class)->dispose (object);
}

static void
tsc_window_class_init (TscWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tsc_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/tsc-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TscWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, address_row);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, count_row);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, last_row);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, session_row);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, count_label);

  gtk_widget_class_install_action (widget_class, "win.copy-address", NULL, copy_address_action);
}

static void
tsc_window_init (TscWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-address", FALSE);
}

TscWindow *
tsc_window_new (GtkApplication *application)
{
  return g_object_new (TSC_TYPE_WINDOW, "application", application, NULL);
}
