/* tsc-window.c
 *
 * The main window: a header bar with the capture toggle, address, call
 * count, profile and search; the devices and users sidebar; the
 * Timeline, Events and Flags views; and the detail pane of the selected
 * call. One window shows one TscSession: a live capture or a file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-window"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "tsc-detail-pane.h"
#include "tsc-empty-page.h"
#include "tsc-events-view.h"
#include "tsc-export-dialog.h"
#include "tsc-export.h"
#include "tsc-flags-view.h"
#include "tsc-sidebar.h"
#include "tsc-timeline.h"
#include "tsc-view-utils.h"
#include "tsc-window.h"

struct _TscWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  AdwHeaderBar         *header_bar;
  GtkToggleButton      *sidebar_button;
  GtkToggleButton      *capture_button;
  GtkImage             *capture_icon;
  GtkLabel             *capture_label;
  GtkButton            *address_button;
  GtkLabel             *address_label;
  GtkImage             *forward_icon;
  AdwViewSwitcherTitle *switcher_title;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkLabel             *count_label;
  GtkLabel             *profile_label;
  AdwToastOverlay      *toast_overlay;
  GtkRevealer          *export_revealer;
  GtkLabel             *export_label;
  GtkProgressBar       *export_progress;
  GtkStack             *main_stack;
  AdwStatusPage        *loading_page;
  AdwStatusPage        *message_page;
  TscEmptyPage         *empty_page;
  AdwFlap              *flap;
  TscSidebar           *sidebar;
  GtkPaned             *paned;
  AdwViewStack         *view_stack;
  AdwViewStackPage     *flags_page;
  TscTimeline          *timeline;
  TscEventsView        *events_view;
  TscFlagsView         *flags_view;
  TscDetailPane        *detail_pane;

  GSettings            *settings;
  TscSession           *session;
  GCancellable         *cancellable;   /* loads, imports and exports of this window */
  GCancellable         *export_cancellable;  /* the running export, or NULL */
  guint                 export_progress_id;
  gint64                selected_seq;
  guint                 n_flags;
  guint                 n_error_flags;
  gboolean              busy;
  gboolean              close_confirmed;
  gboolean              told_upstream_failure;  /* once per capture */
  guint                 n_upstream_accepted;    /* this capture's forwarding outcomes */
  guint                 n_upstream_failed;
};

G_DEFINE_FINAL_TYPE (TscWindow, tsc_window, ADW_TYPE_APPLICATION_WINDOW)

static void set_session (TscWindow *self, TscSession *session);

/* ---------------------------------------------------------------------- */
/* State shown in the header and the main stack                            */

static TscRuleConfig *
rule_config_from_settings (GSettings *settings)
{
  g_autoptr(TscRuleConfig) config = NULL;
  g_autofree char *profile = g_settings_get_string (settings, "profile");
  g_auto(GStrv) logout = g_settings_get_strv (settings, "logout-names");
  g_auto(GStrv) signup = g_settings_get_strv (settings, "signup-names");
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;

  config = tsc_rule_config_new (profile, &error);
  if (config == NULL)
    {
      g_warning ("%s; using the segment profile", error->message);
      g_clear_error (&error);
      config = tsc_rule_config_new (NULL, NULL);
    }

  g_key_file_set_string_list (keyfile, "names", "logout", (const char * const *) logout, g_strv_length (logout));
  g_key_file_set_string_list (keyfile, "names", "signup", (const char * const *) signup, g_strv_length (signup));
  g_key_file_set_uint64 (keyfile, "session", "idle-minutes",
                         MAX (1, g_settings_get_uint (settings, "session-idle-minutes")));
  data = g_key_file_to_data (keyfile, NULL, NULL);
  if (!tsc_rule_config_load_data (config, data, _("Preferences"), &error))
    g_warning ("%s", error->message);

  return g_steal_pointer (&config);
}

/* The forwarding indicator beside the address: where calls go on to,
 * and how many the upstream took so far. */
static void
update_forward_icon (TscWindow *self)
{
  const char *url = self->session && tsc_session_is_capturing (self->session)
                    ? tsc_session_get_forward_url (self->session) : NULL;
  g_autofree char *tooltip = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->forward_icon), url != NULL);
  if (url == NULL)
    return;

  /* TRANSLATORS: the forwarding indicator's tooltip: the upstream's
   * address, then how many requests it accepted and how many failed */
  tooltip = g_strdup_printf (_("Forwarding every call to %s\n%u accepted, %u failed"),
                             url, self->n_upstream_accepted, self->n_upstream_failed);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->forward_icon), tooltip);
  if (self->n_upstream_failed > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->forward_icon), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->forward_icon), "warning");
}

static void
update_header (TscWindow *self)
{
  gboolean capturing = self->session && tsc_session_is_capturing (self->session);
  guint n = self->session ? tsc_session_get_n_messages (self->session) : 0;
  const char *path = self->session ? tsc_session_get_path (self->session) : NULL;
  g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u call", "%u calls", n), n);
  g_autofree char *basename = path ? g_path_get_basename (path) : NULL;
  const char *uri = capturing ? tsc_session_get_uri (self->session) : NULL;

  gtk_label_set_label (self->count_label, count);
  gtk_label_set_label (self->profile_label,
                       self->session ? tsc_rule_config_get_profile (tsc_session_get_config (self->session)) : "");

  gtk_toggle_button_set_active (self->capture_button, capturing);
  gtk_image_set_from_icon_name (self->capture_icon,
                                capturing ? "media-playback-stop-symbolic" : "media-record-symbolic");
  gtk_label_set_label (self->capture_label, capturing ? _("Capturing") : _("Capture"));
  if (capturing)
    gtk_widget_add_css_class (GTK_WIDGET (self->capture_button), "tsc-capturing");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->capture_button), "tsc-capturing");

  gtk_widget_set_visible (GTK_WIDGET (self->address_button), uri != NULL);
  update_forward_icon (self);
  gtk_label_set_label (self->address_label, uri ? uri + strlen ("http://") : "");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-address", uri != NULL);

  if (self->session != NULL && tsc_session_get_unsaved (self->session))
    adw_view_switcher_title_set_subtitle (self->switcher_title, _("Unsaved capture"));
  else
    adw_view_switcher_title_set_subtitle (self->switcher_title, basename ? basename : "");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as", self->session && path && n > 0 && !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export",
                                 self->session && path && n > 0 && !self->busy &&
                                 self->export_cancellable == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-export", self->export_cancellable != NULL);
}

/* Counts @flags into the Flags tab's badge; with @reset the counts start
 * over (a new session, or a file loaded whole). Only new flags are
 * counted each frame, never the whole list. */
static void
update_flag_badge (TscWindow *self,
                   GPtrArray *flags,
                   gboolean   reset)
{
  if (reset)
    self->n_flags = self->n_error_flags = 0;

  for (guint i = 0; flags != NULL && i < flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);

      self->n_flags++;
      if (flag->severity == TSC_SEVERITY_ERROR)
        self->n_error_flags++;
    }

  adw_view_stack_page_set_badge_number (self->flags_page, self->n_flags);
  adw_view_stack_page_set_needs_attention (self->flags_page, self->n_error_flags > 0);
}

static void
update_main_stack (TscWindow *self)
{
  guint n;

  if (self->busy)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "loading");
      return;
    }

  n = self->session ? tsc_session_get_n_messages (self->session) : 0;
  if (n > 0)
    gtk_stack_set_visible_child_name (self->main_stack, "content");
  else if (self->session && tsc_session_is_capturing (self->session))
    {
      tsc_empty_page_set_uri (self->empty_page, tsc_session_get_uri (self->session));
      gtk_stack_set_visible_child_name (self->main_stack, "empty");
    }
  else if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "message") != 0)
    tsc_window_show_message (self, "media-record-symbolic", _("No Calls"),
                             _("Start a capture with the record button, or open a session file."));
}

void
tsc_window_show_message (TscWindow  *self,
                         const char *icon_name,
                         const char *title,
                         const char *description)
{
  g_return_if_fail (TSC_IS_WINDOW (self));

  adw_status_page_set_icon_name (self->message_page, icon_name);
  adw_status_page_set_title (self->message_page, title);
  adw_status_page_set_description (self->message_page, description);
  gtk_stack_set_visible_child_name (self->main_stack, "message");
}

void
tsc_window_add_toast (TscWindow  *self,
                      const char *text)
{
  AdwToast *toast;

  g_return_if_fail (TSC_IS_WINDOW (self));

  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
set_busy (TscWindow  *self,
          gboolean    busy,
          const char *title)
{
  self->busy = busy;
  if (title != NULL)
    adw_status_page_set_title (self->loading_page, title);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-capture", !busy);
  update_main_stack (self);
  update_header (self);
}

/* ---------------------------------------------------------------------- */
/* Session signals                                                         */

static void
on_session_messages_added_cb (TscSession *session,
                              guint       position,
                              guint       n_added,
                              GPtrArray  *flags,
                              TscWindow  *self)
{
  update_header (self);
  /* Position 0 is a file loaded whole: its flags are all the flags. */
  update_flag_badge (self, flags, position == 0);
  if (n_added > 0 && position == 0)
    update_main_stack (self);
}

static void
on_session_notify_cb (TscSession *session,
                      GParamSpec *pspec,
                      TscWindow  *self)
{
  update_header (self);
  update_main_stack (self);
}

static void
on_session_request_rejected_cb (TscSession       *session,
                                TscRequestRecord *record,
                                TscWindow        *self)
{
  g_autofree char *text = g_strdup_printf (_("Rejected a request to %s: %s"),
                                           record->transport->path, record->error_message);
  tsc_window_add_toast (self, text);
}

/* Said once per capture: the detail pane tells each call's outcome. */
static void
on_session_upstream_outcome_cb (TscSession *session,
                                gint64      request_id,
                                TscWindow  *self)
{
  const TscUpstreamOutcome *outcome = tsc_session_lookup_upstream (session, request_id);
  g_autofree char *description = NULL;
  g_autofree char *text = NULL;

  if (outcome == NULL)
    return;
  if (tsc_upstream_outcome_accepted (outcome))
    self->n_upstream_accepted++;
  else
    self->n_upstream_failed++;
  update_forward_icon (self);

  if (self->told_upstream_failure || tsc_upstream_outcome_accepted (outcome) ||
      !tsc_session_is_capturing (session))
    return;

  self->told_upstream_failure = TRUE;
  description = tsc_describe_upstream (outcome);
  /* TRANSLATORS: "Forwarding to https://api.segment.io fails: Not accepted: 401 …" */
  text = g_strdup_printf (_("Forwarding to %s fails: %s"),
                          tsc_session_get_forward_url (session), description);
  tsc_window_add_toast (self, text);
}

static void
set_session (TscWindow  *self,
             TscSession *session)
{
  if (self->session == session)
    return;

  /* Only a blank session is ever replaced; close it so that an empty
   * capture leaves no file behind. */
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      tsc_session_close (self->session);
    }
  g_set_object (&self->session, session);

  g_signal_connect_object (session, "messages-added", G_CALLBACK (on_session_messages_added_cb), self, 0);
  g_signal_connect_object (session, "notify::capturing", G_CALLBACK (on_session_notify_cb), self, 0);
  g_signal_connect_object (session, "notify::path", G_CALLBACK (on_session_notify_cb), self, 0);
  g_signal_connect_object (session, "notify::unsaved", G_CALLBACK (on_session_notify_cb), self, 0);
  g_signal_connect_object (session, "request-rejected", G_CALLBACK (on_session_request_rejected_cb), self, 0);
  g_signal_connect_object (session, "upstream-outcome", G_CALLBACK (on_session_upstream_outcome_cb), self, 0);

  self->selected_seq = 0;
  tsc_sidebar_set_session (self->sidebar, session);
  tsc_timeline_set_session (self->timeline, session);
  tsc_events_view_set_session (self->events_view, session);
  tsc_flags_view_set_session (self->flags_view, session);
  tsc_detail_pane_set_session (self->detail_pane, session);

  update_header (self);
  update_flag_badge (self, tsc_identity_model_get_flags (tsc_session_get_model (session)), TRUE);
  update_main_stack (self);
}

/* ---------------------------------------------------------------------- */
/* Selection, scope and search, shared by the views                        */

static void
select_seq (TscWindow *self,
            gint64     seq)
{
  if (self->selected_seq == seq)
    return;

  self->selected_seq = seq;
  g_object_set (self->timeline, "selected-seq", seq, NULL);
  g_object_set (self->events_view, "selected-seq", seq, NULL);
  tsc_detail_pane_set_seq (self->detail_pane, seq);
}

static void
on_view_selected_seq_cb (GObject    *view,
                         GParamSpec *pspec,
                         TscWindow  *self)
{
  gint64 seq = 0;

  g_object_get (view, "selected-seq", &seq, NULL);
  select_seq (self, seq);
}

static void
on_flags_view_flag_activated_cb (TscFlagsView *view,
                                 TscFlag      *flag,
                                 TscWindow    *self)
{
  select_seq (self, flag->seq);
}

static void
on_sidebar_scope_changed_cb (TscSidebar *sidebar,
                             TscWindow  *self)
{
  const TscScope *scope = tsc_sidebar_get_scope (sidebar);

  tsc_timeline_set_scope (self->timeline, scope);
  tsc_events_view_set_scope (self->events_view, scope);
  tsc_flags_view_set_scope (self->flags_view, scope);
}

static void
on_search_entry_search_changed_cb (GtkSearchEntry *entry,
                                   TscWindow      *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  if (*text != '\0' && g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "events") != 0)
    adw_view_stack_set_visible_child_name (self->view_stack, "events");
  tsc_events_view_set_search (self->events_view, text);
}

/* ---------------------------------------------------------------------- */
/* Capture                                                                 */

static char *
settings_listen_address (GSettings *settings)
{
  g_autofree char *host = g_settings_get_string (settings, "listen-address");
  guint port = g_settings_get_uint (settings, "listen-port");

  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

/**
 * tsc_window_start_capture:
 * @listen: (nullable): `HOST:PORT`; %NULL for the address in Preferences
 * @session_path: (nullable): record into this file; %NULL for a new one
 */
gboolean
tsc_window_start_capture (TscWindow   *self,
                          const char  *listen,
                          const char  *session_path,
                          GError     **error)
{
  g_autofree char *address = NULL;
  g_autoptr(TscSession) session = NULL;
  g_autofree char *forward_url = NULL;
  g_autoptr(GError) forward_error = NULL;
  gboolean allow_remote;

  g_return_val_if_fail (TSC_IS_WINDOW (self), FALSE);

  address = listen ? g_strdup (listen) : settings_listen_address (self->settings);
  allow_remote = g_settings_get_boolean (self->settings, "allow-remote");

  /* A stopped capture resumes into its own file; a blank session is reused. */
  if (self->session != NULL && !tsc_session_is_capturing (self->session) && session_path == NULL)
    session = g_object_ref (self->session);
  else
    {
      g_autoptr(TscRuleConfig) config = rule_config_from_settings (self->settings);
      session = tsc_session_new (config);
    }

  forward_url = g_settings_get_string (self->settings, "forward-url");
  if (!tsc_session_set_forward_url (session, forward_url, &forward_error))
    tsc_session_set_forward_url (session, NULL, NULL);

  if (!tsc_session_start_capture (session, address, allow_remote, session_path, error))
    return FALSE;

  self->told_upstream_failure = FALSE;
  self->n_upstream_accepted = 0;
  self->n_upstream_failed = 0;
  set_session (self, session);
  if (forward_error != NULL)
    {
      /* TRANSLATORS: %s says why the address in Preferences is not usable */
      g_autofree char *text = g_strdup_printf (_("Calls are not forwarded: %s"), forward_error->message);
      tsc_window_add_toast (self, text);
    }
  return TRUE;
}

static void
report_capture_error (TscWindow    *self,
                      const GError *error)
{
  if (g_error_matches (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_ADDRESS_IN_USE))
    tsc_window_show_message (self, "network-error-symbolic", _("The Port Is Taken"),
                             error->message);
  else if (g_error_matches (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_REMOTE_NOT_ALLOWED))
    tsc_window_show_message (self, "network-error-symbolic", _("Remote Connections Are Off"),
                             _("The listen address in Preferences can be reached from other "
                               "computers. Turn on “Allow Remote Connections” there, or listen "
                               "on 127.0.0.1."));
  else
    tsc_window_show_message (self, "dialog-error-symbolic", _("Cannot Start Capturing"),
                             error->message);
}

static void
toggle_capture_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TscWindow *self = TSC_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (self->session != NULL && tsc_session_is_capturing (self->session))
    {
      tsc_session_stop_capture (self->session);
      tsc_window_add_toast (self, _("Capture stopped; every call it answered is saved"));
      return;
    }

  if (!tsc_window_start_capture (self, NULL, NULL, &error))
    {
      report_capture_error (self, error);
      update_header (self);
    }
}

static void
copy_address_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TscWindow *self = TSC_WINDOW (widget);

  if (self->session == NULL || !tsc_session_is_capturing (self->session))
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), tsc_session_get_uri (self->session));
  tsc_window_add_toast (self, _("Address copied"));
}

static void
on_test_call_sent_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(TscWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tsc_empty_page_send_test_call_finish (result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The test call failed: %s"), error->message);
      tsc_window_add_toast (self, text);
    }
}

static void
send_test_call (TscWindow *self)
{
  if (self->session == NULL || !tsc_session_is_capturing (self->session))
    return;

  tsc_empty_page_send_test_call (tsc_session_get_uri (self->session), self->cancellable,
                                 on_test_call_sent_cb, g_object_ref (self));
}

static void
on_empty_page_send_test_call_cb (TscEmptyPage *page,
                                 TscWindow    *self)
{
  send_test_call (self);
}

/* ---------------------------------------------------------------------- */
/* Files                                                                   */

gboolean
tsc_window_is_busy (TscWindow *self)
{
  g_return_val_if_fail (TSC_IS_WINDOW (self), FALSE);
  return self->busy;
}

/**
 * tsc_window_is_blank:
 *
 * Returns: %TRUE when the window shows nothing worth keeping, so a file
 *   can be opened in it rather than in a new window
 */
gboolean
tsc_window_is_blank (TscWindow *self)
{
  g_return_val_if_fail (TSC_IS_WINDOW (self), FALSE);
  return !self->busy && (self->session == NULL || tsc_session_get_n_messages (self->session) == 0);
}

/* "Imported 120 calls; skipped 41 other requests and 2 bad lines" */
static char *
describe_import (const TscImportReport *report)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint64 n_skipped = 0;
  guint n_bad = report->problems ? report->problems->len : 0;

  for (guint i = 0; i < TSC_IMPORT_N_SKIP_REASONS; i++)
    n_skipped += report->skipped[i];
  /* Bad lines and entries are counted as skipped too: say them apart. */
  n_skipped = n_skipped > n_bad ? n_skipped - n_bad : 0;

  g_string_printf (text, g_dngettext (GETTEXT_PACKAGE, "Imported %'" PRIu64 " call",
                                      "Imported %'" PRIu64 " calls", report->n_calls),
                   report->n_calls);
  if (n_skipped > 0)
    {
      g_string_append (text, "; ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                                 "skipped %'" PRIu64 " other request",
                                                 "skipped %'" PRIu64 " other requests",
                                                 n_skipped), n_skipped);
    }
  if (n_bad > 0)
    {
      g_string_append (text, "; ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                                 "%u part could not be read (%s)",
                                                 "%u parts could not be read; the first: %s",
                                                 n_bad), n_bad,
                              ((GError *) g_ptr_array_index (report->problems, 0))->message);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
on_loaded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TscWindow) self = user_data;
  TscSession *session = TSC_SESSION (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(TscImportReport) report = NULL;
  gboolean ok;

  if (g_task_get_source_tag (G_TASK (result)) == tsc_session_import_async)
    ok = tsc_session_import_finish (session, result, &report, &error);
  else
    ok = tsc_session_load_finish (session, result, &error);

  self->busy = FALSE;
  if (!ok)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tsc_window_show_message (self, "dialog-error-symbolic", _("Cannot Open the File"), error->message);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-capture", TRUE);
      update_header (self);
      return;
    }

  set_session (self, session);
  set_busy (self, FALSE, NULL);
  if (report != NULL)
    {
      g_autofree char *text = describe_import (report);

      if (tsc_session_get_n_messages (session) == 0)
        tsc_window_show_message (self, "document-open-symbolic", _("No Calls in This File"), text);
      else
        tsc_window_add_toast (self, text);
    }
  else if (tsc_session_get_n_messages (session) == 0)
    tsc_window_show_message (self, "document-open-symbolic", _("No Calls in This File"),
                             _("The file holds no analytics calls."));
}

static void
load_or_import (TscWindow *self,
                GFile     *file,
                gboolean   import)
{
  g_autoptr(TscRuleConfig) config = rule_config_from_settings (self->settings);
  g_autoptr(TscSession) session = tsc_session_new (config);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *title = g_strdup_printf (import ? _("Importing “%s”…") : _("Opening “%s”…"), name);

  if (self->session != NULL && tsc_session_is_capturing (self->session))
    tsc_session_stop_capture (self->session);

  set_busy (self, TRUE, title);
  if (import)
    tsc_session_import_async (session, file, self->cancellable, on_loaded_cb, g_object_ref (self));
  else
    tsc_session_load_async (session, file, self->cancellable, on_loaded_cb, g_object_ref (self));
}

void
tsc_window_open_file (TscWindow *self,
                      GFile     *file)
{
  g_return_if_fail (TSC_IS_WINDOW (self));
  load_or_import (self, file, FALSE);
}

void
tsc_window_import_file (TscWindow *self,
                        GFile     *file)
{
  g_return_if_fail (TSC_IS_WINDOW (self));
  load_or_import (self, file, TRUE);
}

/* Opens @file here when the window is blank, else in a new window. */
static void
open_somewhere (TscWindow *self,
                GFile     *file,
                gboolean   import)
{
  TscWindow *target = self;

  if (!tsc_window_is_blank (self))
    {
      target = tsc_window_new (gtk_window_get_application (GTK_WINDOW (self)));
      gtk_window_present (GTK_WINDOW (target));
    }

  load_or_import (target, file, import);
}

static gboolean
is_session_file (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr(GFileInputStream) in = NULL;
  char magic[16] = { 0 };

  if (g_str_has_suffix (name, ".trackscope"))
    return TRUE;

  in = g_file_read (file, NULL, NULL);
  return in != NULL &&
         g_input_stream_read (G_INPUT_STREAM (in), magic, sizeof magic, NULL, NULL) == sizeof magic &&
         memcmp (magic, "SQLite format 3", 16) == 0;
}

static void
on_open_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     gpointer         user_data)
{
  TscWindow *self = user_data;
  gboolean import = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "import"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      open_somewhere (self, file, import || !is_session_file (file));
    }

  g_object_unref (dialog);
}

static GtkFileFilter *
make_filter (const char  *name,
             const char  *mime_type,
             const char **patterns)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  if (mime_type != NULL)
    gtk_file_filter_add_mime_type (filter, mime_type);
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  return filter;
}

static void
choose_file_to_open (TscWindow *self,
                     gboolean   import)
{
  static const char *session_patterns[] = { "*.trackscope", NULL };
  static const char *import_patterns[] = { "*.har", "*.ndjson", "*.jsonl", "*.json", NULL };
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (import ? _("Import Calls") : _("Open Session"),
                                        GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                        import ? _("_Import") : _("_Open"), _("_Cancel"));
  if (import)
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog),
                                 make_filter (_("HAR, NDJSON and JSON files"), NULL, import_patterns));
  else
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog),
                                 make_filter (_("Trackscope sessions"), "application/x-trackscope-session",
                                              session_patterns));
  g_object_set_data (G_OBJECT (dialog), "import", GINT_TO_POINTER (import));
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  choose_file_to_open (TSC_WINDOW (widget), FALSE);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  choose_file_to_open (TSC_WINDOW (widget), TRUE);
}

static void
new_capture_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TscWindow *self = TSC_WINDOW (widget);
  TscWindow *target = self;
  g_autoptr(GError) error = NULL;

  if (!tsc_window_is_blank (self) || (self->session && tsc_session_is_capturing (self->session)))
    {
      target = tsc_window_new (gtk_window_get_application (GTK_WINDOW (self)));
      gtk_window_present (GTK_WINDOW (target));
    }

  if (!tsc_window_start_capture (target, NULL, NULL, &error))
    {
      /* Another window may hold the configured port: take a free one. */
      if (g_error_matches (error, TSC_COLLECTOR_ERROR, TSC_COLLECTOR_ERROR_ADDRESS_IN_USE))
        {
          g_autofree char *host = g_settings_get_string (self->settings, "listen-address");
          g_autofree char *listen = strchr (host, ':') ? g_strdup_printf ("[%s]:0", host)
                                                       : g_strdup_printf ("%s:0", host);
          g_clear_error (&error);
          if (tsc_window_start_capture (target, listen, NULL, &error))
            {
              g_autofree char *text = g_strdup_printf (_("The usual port is taken; listening on %s"),
                                                       tsc_session_get_uri (target->session));
              tsc_window_add_toast (target, text);
              return;
            }
        }
      report_capture_error (target, error);
    }
}

typedef void (*SavedFunc) (TscWindow *self, gboolean saved);

static void
on_save_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     gpointer         user_data)
{
  TscWindow *self = user_data;
  SavedFunc then = g_object_get_data (G_OBJECT (dialog), "then");
  gboolean saved = FALSE;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;

      if (tsc_session_save_as (self->session, file, &error))
        {
          g_autofree char *name = g_file_get_basename (file);
          g_autofree char *text = g_strdup_printf (_("Saved as “%s”"), name);

          tsc_window_add_toast (self, text);
          saved = TRUE;
        }
      else
        {
          g_autofree char *text = g_strdup_printf (_("Cannot save: %s"), error->message);
          tsc_window_add_toast (self, text);
        }
    }

  g_object_unref (dialog);
  if (then != NULL)
    then (self, saved);
}

static void
save_as (TscWindow *self,
         SavedFunc  then)
{
  GtkFileChooserNative *dialog;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H%M");
  g_autofree char *name = g_strdup_printf ("%s %s.trackscope", _("Capture"), stamp);

  dialog = gtk_file_chooser_native_new (_("Save Session"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_object_set_data (G_OBJECT (dialog), "then", then);
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* With a path the action saves there directly (scripts and tests); with
 * an empty one it asks. */
static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TscWindow *self = TSC_WINDOW (widget);
  const char *path = g_variant_get_string (parameter, NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (*path == '\0')
    {
      save_as (self, NULL);
      return;
    }

  file = g_file_new_for_path (path);
  if (!tsc_session_save_as (self->session, file, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot save: %s"), error->message);
      tsc_window_add_toast (self, text);
    }
}

/* ---------------------------------------------------------------------- */
/* Export                                                                  */

typedef struct
{
  char            *session_path;
  GFile           *target;
  TscExportFormat  format;
  gboolean         redact;
  TscRuleConfig   *rules;
  gint             permille;  /* progress, written by the worker */
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_free (job->session_path);
  g_clear_object (&job->target);
  g_clear_pointer (&job->rules, tsc_rule_config_unref);
  g_free (job);
}

static void
export_progress_cb (guint64  done,
                    guint64  total,
                    gpointer user_data)
{
  ExportJob *job = user_data;

  g_atomic_int_set (&job->permille, total > 0 ? (gint) (done * 1000 / total) : 1000);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(TscRedactor) redactor = NULL;
  g_autofree char *target = g_file_get_path (job->target);
  TscExportOptions options = { 0 };
  GError *error = NULL;
  guint64 n = 0;

  if (target == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "%s", _("Exports can only be written to files on this computer"));
      return;
    }

  if (job->redact)
    redactor = tsc_redactor_new (NULL, NULL);

  options.format = job->format;
  options.redactor = redactor;
  options.rules = job->rules;
  options.progress = export_progress_cb;
  options.progress_data = job;

  /* Written beside the target and renamed at the end: a failed or
   * cancelled export leaves nothing behind. */
  if (!tsc_export_session_to_file (job->session_path, &options, target, cancellable, &n, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_int (task, (gssize) n);
}

static gboolean
update_export_progress_cb (gpointer user_data)
{
  TscWindow *self = user_data;
  ExportJob *job = g_object_get_data (G_OBJECT (self->export_cancellable), "job");
  gint permille = g_atomic_int_get (&job->permille);
  g_autofree char *text = g_strdup_printf ("%d %%", permille / 10);

  gtk_progress_bar_set_fraction (self->export_progress, permille / 1000.0);
  gtk_progress_bar_set_text (self->export_progress, text);
  return G_SOURCE_CONTINUE;
}

static void
on_exported_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TscWindow *self = TSC_WINDOW (source);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (job->target);
  g_autofree char *text = NULL;
  gssize n = g_task_propagate_int (G_TASK (result), &error);

  g_clear_handle_id (&self->export_progress_id, g_source_remove);
  g_clear_object (&self->export_cancellable);
  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;

  gtk_revealer_set_reveal_child (self->export_revealer, FALSE);
  update_header (self);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      tsc_window_add_toast (self, _("Export cancelled; nothing was written"));
      return;
    }

  if (n < 0)
    text = g_strdup_printf (_("Cannot export: %s"), error->message);
  else
    /* TRANSLATORS: %s is a file name */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %zd call to “%s”",
                                         "Exported %zd calls to “%s”", n), n, name);
  tsc_window_add_toast (self, text);
}

/* Whether @file is this window's own session file, by name or by
 * identity. */
static gboolean
is_own_session_file (TscWindow *self,
                     GFile     *file)
{
  const char *path = tsc_session_get_path (self->session);
  g_autoptr(GFile) session_file = NULL;
  g_autoptr(GFileInfo) a = NULL;
  g_autoptr(GFileInfo) b = NULL;
  const char *attributes = G_FILE_ATTRIBUTE_ID_FILE;

  if (path == NULL)
    return FALSE;

  session_file = g_file_new_for_path (path);
  if (g_file_equal (session_file, file))
    return TRUE;

  a = g_file_query_info (session_file, attributes, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  b = g_file_query_info (file, attributes, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  return a != NULL && b != NULL &&
         g_strcmp0 (g_file_info_get_attribute_string (a, G_FILE_ATTRIBUTE_ID_FILE),
                    g_file_info_get_attribute_string (b, G_FILE_ATTRIBUTE_ID_FILE)) == 0;
}

/**
 * tsc_window_export:
 * @format: the format to write
 * @redact: whether personal data is replaced by stable hashes
 *
 * Writes the session to @file in a worker thread, showing its progress
 * with a button to cancel it.
 */
void
tsc_window_export (TscWindow       *self,
                   GFile           *file,
                   TscExportFormat  format,
                   gboolean         redact)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *label = NULL;
  ExportJob *job;

  g_return_if_fail (TSC_IS_WINDOW (self));
  g_return_if_fail (self->export_cancellable == NULL);

  /* Replacing the session file would destroy what is being exported
   * (and a capture would go on writing to a deleted file). */
  if (is_own_session_file (self, file))
    {
      tsc_window_add_toast (self, _("Cannot export over the session itself; choose another file"));
      return;
    }

  job = g_new0 (ExportJob, 1);
  job->session_path = g_strdup (tsc_session_get_path (self->session));
  job->target = g_object_ref (file);
  job->format = format;
  job->redact = redact;
  job->rules = tsc_rule_config_ref (tsc_session_get_config (self->session));

  self->export_cancellable = g_cancellable_new ();
  g_object_set_data (G_OBJECT (self->export_cancellable), "job", job);
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->export_cancellable, G_CONNECT_SWAPPED);

  task = g_task_new (self, self->export_cancellable, on_exported_cb, NULL);
  g_task_set_source_tag (task, tsc_window_export);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);

  /* TRANSLATORS: %s is a file name */
  label = g_strdup_printf (_("Exporting to “%s”…"), name);
  gtk_label_set_label (self->export_label, label);
  gtk_progress_bar_set_fraction (self->export_progress, 0);
  gtk_progress_bar_set_text (self->export_progress, "0 %");
  gtk_revealer_set_reveal_child (self->export_revealer, TRUE);
  self->export_progress_id = g_timeout_add (100, update_export_progress_cb, self);
  update_header (self);

  g_task_run_in_thread (task, export_thread);
}

static void
on_export_chosen_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  TscWindow *self = TSC_WINDOW (source);
  g_autoptr(GFile) file = NULL;
  TscExportFormat format;
  gboolean redact;

  file = tsc_export_dialog_choose_finish (GTK_WINDOW (self), result, &format, &redact, NULL);
  if (file != NULL && self->export_cancellable == NULL)
    tsc_window_export (self, file, format, redact);
}

/* The format a file name asks for, else the last one chosen. */
static TscExportFormat
format_for_path (TscWindow  *self,
                 const char *path)
{
  if (g_str_has_suffix (path, ".har"))
    return TSC_EXPORT_HAR;
  if (g_str_has_suffix (path, ".ndjson") || g_str_has_suffix (path, ".jsonl"))
    return TSC_EXPORT_NDJSON;
  if (g_str_has_suffix (path, ".json"))
    return TSC_EXPORT_JSON;
  return (TscExportFormat) g_settings_get_enum (self->settings, "export-format");
}

/* With a path the action exports there directly (scripts and tests), in
 * the format its extension names and with the remembered redaction
 * choice; with an empty one it asks. */
static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TscWindow *self = TSC_WINDOW (widget);
  const char *target = g_variant_get_string (parameter, NULL);
  const char *path = tsc_session_get_path (self->session);
  g_autofree char *base = path ? g_path_get_basename (path) : g_strdup ("capture");

  if (*target != '\0')
    {
      g_autoptr(GFile) file = g_file_new_for_path (target);

      tsc_window_export (self, file, format_for_path (self, target),
                         g_settings_get_boolean (self->settings, "export-redact"));
      return;
    }

  if (g_str_has_suffix (base, ".trackscope"))
    base[strlen (base) - strlen (".trackscope")] = '\0';

  tsc_export_dialog_choose_async (GTK_WINDOW (self), self->settings, base, self->cancellable,
                                  on_export_chosen_cb, NULL);
}

static void
cancel_export_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TscWindow *self = TSC_WINDOW (widget);

  if (self->export_cancellable != NULL)
    g_cancellable_cancel (self->export_cancellable);
}

static gboolean
on_drop_cb (GtkDropTarget *target,
            const GValue  *value,
            double         x,
            double         y,
            TscWindow     *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;

  files = g_value_get_boxed (value);
  for (GSList *l = files; l != NULL; l = l->next)
    open_somewhere (self, l->data, !is_session_file (l->data));

  return files != NULL;
}

/* ---------------------------------------------------------------------- */
/* Other actions                                                           */

static void
toggle_sidebar_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TscWindow *self = TSC_WINDOW (widget);

  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TscWindow *self = TSC_WINDOW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
show_view_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TscWindow *self = TSC_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->view_stack, g_variant_get_string (parameter, NULL));
}

/* ---------------------------------------------------------------------- */
/* Closing                                                                 */

static void
close_after_save (TscWindow *self,
                  gboolean   saved)
{
  if (saved)
    {
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

static void
on_close_dialog_response_cb (AdwMessageDialog *dialog,
                             const char       *response,
                             TscWindow        *self)
{
  if (g_str_equal (response, "discard"))
    {
      g_autofree char *path = g_strdup (tsc_session_get_path (self->session));

      tsc_session_stop_capture (self->session);
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
      if (path != NULL)
        tsc_session_store_remove_files (path);
    }
  else if (g_str_equal (response, "save"))
    save_as (self, close_after_save);
}

static gboolean
tsc_window_close_request (GtkWindow *window)
{
  TscWindow *self = TSC_WINDOW (window);
  GtkWidget *dialog;
  guint n;

  if (self->close_confirmed || self->session == NULL || !tsc_session_get_unsaved (self->session))
    {
      if (self->session != NULL)
        tsc_session_close (self->session);
      g_cancellable_cancel (self->cancellable);
      g_settings_set_boolean (self->settings, "sidebar-visible", adw_flap_get_reveal_flap (self->flap));
      return GTK_WINDOW_CLASS (tsc_window_parent_class)->close_request (window);
    }

  n = tsc_session_get_n_messages (self->session);
  dialog = adw_message_dialog_new (window, _("Save the Capture?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  g_dngettext (GETTEXT_PACKAGE,
                                               "This capture of %u call has not been saved. "
                                               "If you discard it, it is deleted.",
                                               "This capture of %u calls has not been saved. "
                                               "If you discard it, it is deleted.", n), n);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save As…"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_close_dialog_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));

  return TRUE;
}

/* ---------------------------------------------------------------------- */

TscSession *
tsc_window_get_session (TscWindow *self)
{
  g_return_val_if_fail (TSC_IS_WINDOW (self), NULL);
  return self->session;
}

static void
tsc_window_dispose (GObject *object)
{
  TscWindow *self = (TscWindow *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->export_progress_id, g_source_remove);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      tsc_session_close (self->session);
    }
  g_clear_object (&self->session);

  gtk_widget_dispose_template (GTK_WIDGET (self), TSC_TYPE_WINDOW);

  G_OBJECT_CLASS (tsc_window_parent_class)->dispose (object);
}

static void
tsc_window_finalize (GObject *object)
{
  TscWindow *self = (TscWindow *) object;

  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tsc_window_parent_class)->finalize (object);
}

static void
tsc_window_class_init (TscWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = tsc_window_dispose;
  object_class->finalize = tsc_window_finalize;
  window_class->close_request = tsc_window_close_request;

  g_type_ensure (TSC_TYPE_EMPTY_PAGE);
  g_type_ensure (TSC_TYPE_SIDEBAR);
  g_type_ensure (TSC_TYPE_TIMELINE);
  g_type_ensure (TSC_TYPE_EVENTS_VIEW);
  g_type_ensure (TSC_TYPE_FLAGS_VIEW);
  g_type_ensure (TSC_TYPE_DETAIL_PANE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/tsc-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TscWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, sidebar_button);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, capture_button);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, capture_icon);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, capture_label);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, address_button);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, address_label);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, forward_icon);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, count_label);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, profile_label);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, export_revealer);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, export_label);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, export_progress);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, loading_page);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, message_page);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, flags_page);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, timeline);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, events_view);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, flags_view);
  gtk_widget_class_bind_template_child (widget_class, TscWindow, detail_pane);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.toggle-capture", NULL, toggle_capture_action);
  gtk_widget_class_install_action (widget_class, "win.copy-address", NULL, copy_address_action);
  gtk_widget_class_install_action (widget_class, "win.new-capture", NULL, new_capture_action);
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", "s", save_as_action);
  gtk_widget_class_install_action (widget_class, "win.export", "s", export_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-export", NULL, cancel_export_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-sidebar", NULL, toggle_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.toggle-capture", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-capture", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-as", "s", "");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "win.import", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export", "s", "");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-sidebar", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-view", "s", "timeline");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-view", "s", "events");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-view", "s", "flags");
}

static void
tsc_window_init (TscWindow *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (APPLICATION_ID);

  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  adw_flap_set_reveal_flap (self->flap, g_settings_get_boolean (self->settings, "sidebar-visible"));
  g_object_bind_property (self->flap, "reveal-flap", self->sidebar_button, "active",
                          G_BINDING_SYNC_CREATE);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));

  g_signal_connect_object (self->events_view, "notify::selected-seq",
                           G_CALLBACK (on_view_selected_seq_cb), self, 0);
  g_signal_connect_object (self->timeline, "notify::selected-seq",
                           G_CALLBACK (on_view_selected_seq_cb), self, 0);
  g_signal_connect_object (self->flags_view, "flag-activated",
                           G_CALLBACK (on_flags_view_flag_activated_cb), self, 0);
  g_signal_connect_object (self->sidebar, "scope-changed",
                           G_CALLBACK (on_sidebar_scope_changed_cb), self, 0);
  g_signal_connect_object (self->empty_page, "send-test-call",
                           G_CALLBACK (on_empty_page_send_test_call_cb), self, 0);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  {
    g_autoptr(TscRuleConfig) config = rule_config_from_settings (self->settings);
    g_autoptr(TscSession) session = tsc_session_new (config);
    set_session (self, session);
  }
}

TscWindow *
tsc_window_new (GtkApplication *application)
{
  return g_object_new (TSC_TYPE_WINDOW, "application", application, NULL);
}
