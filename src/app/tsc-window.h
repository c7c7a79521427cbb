/* tsc-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tsc-export.h"
#include "tsc-session.h"

G_BEGIN_DECLS

#define TSC_TYPE_WINDOW (tsc_window_get_type ())
G_DECLARE_FINAL_TYPE (TscWindow, tsc_window, TSC, WINDOW, AdwApplicationWindow)

TscWindow  *tsc_window_new                (GtkApplication *application);
gboolean    tsc_window_start_capture      (TscWindow      *self,
                                           const char     *listen,
                                           const char     *session_path,
                                           GError        **error);
void        tsc_window_open_file          (TscWindow      *self,
                                           GFile          *file);
void        tsc_window_import_file        (TscWindow      *self,
                                           GFile          *file);
void        tsc_window_show_message       (TscWindow      *self,
                                           const char     *icon_name,
                                           const char     *title,
                                           const char     *description);
void        tsc_window_add_toast          (TscWindow      *self,
                                           const char     *text);
void        tsc_window_export             (TscWindow      *self,
                                           GFile          *file,
                                           TscExportFormat  format,
                                           gboolean        redact);
TscSession *tsc_window_get_session        (TscWindow      *self);
gboolean    tsc_window_is_busy            (TscWindow      *self);
gboolean    tsc_window_is_blank           (TscWindow      *self);

G_END_DECLS
