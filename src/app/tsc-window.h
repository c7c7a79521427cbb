/* tsc-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tsc-collector.h"

G_BEGIN_DECLS

#define TSC_TYPE_WINDOW (tsc_window_get_type ())
G_DECLARE_FINAL_TYPE (TscWindow, tsc_window, TSC, WINDOW, AdwApplicationWindow)

TscWindow *tsc_window_new                (GtkApplication *application);
gboolean   tsc_window_start_capture      (TscWindow      *self,
                                          const char     *listen,
                                          const char     *session_path,
                                          GError        **error);
void       tsc_window_show_error         (TscWindow      *self,
                                          const char     *title,
                                          const char     *message);
gboolean   tsc_window_open_session       (TscWindow      *self,
                                          GFile          *file,
                                          GError        **error);
guint64    tsc_window_get_message_count  (TscWindow      *self);
TscCollector *tsc_window_get_collector   (TscWindow      *self);

G_END_DECLS
