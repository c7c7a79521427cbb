/* tsc-widget-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-widget-utils"

#include "config.h"

#include "tsc-widget-utils.h"

static const char *
severity_css_class (TscSeverity severity)
{
  switch (severity)
    {
    case TSC_SEVERITY_ERROR:
      return "severity-error";
    case TSC_SEVERITY_WARNING:
      return "severity-warning";
    case TSC_SEVERITY_INFO:
      return "severity-info";
    case TSC_SEVERITY_OFF:
    default:
      return "severity-off";
    }
}

/**
 * tsc_widget_set_severity_class:
 *
 * Gives @widget the style class of @severity ("severity-error" and so
 * on) and takes away those of the other severities.
 */
void
tsc_widget_set_severity_class (GtkWidget   *widget,
                               TscSeverity  severity)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  for (TscSeverity s = TSC_SEVERITY_OFF; s <= TSC_SEVERITY_ERROR; s++)
    {
      if (s == severity)
        gtk_widget_add_css_class (widget, severity_css_class (s));
      else
        gtk_widget_remove_css_class (widget, severity_css_class (s));
    }
}

/**
 * tsc_widget_swap_session:
 * @instance: the object the handler is connected for, and passed to it
 * @session_ptr: where @instance keeps its session
 * @session: (nullable): the new session
 * @messages_added_id: where @instance keeps the handler's id
 * @messages_added_cb: the handler of TscSession::messages-added
 *
 * Disconnects the handler from the session in @session_ptr, puts a
 * reference to @session there and connects the handler to @session
 * for as long as @instance lives.
 */
void
tsc_widget_swap_session (gpointer     instance,
                         TscSession **session_ptr,
                         TscSession  *session,
                         gulong      *messages_added_id,
                         GCallback    messages_added_cb)
{
  if (*session_ptr != NULL)
    g_clear_signal_handler (messages_added_id, *session_ptr);
  g_set_object (session_ptr, session);
  if (session != NULL)
    *messages_added_id = g_signal_connect_object (session, "messages-added",
                                                  messages_added_cb, instance, 0);
}
