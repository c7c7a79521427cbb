/* tsc-export-dialog.h: ask how and where to export a session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tsc-export.h"

G_BEGIN_DECLS

void   tsc_export_dialog_choose_async  (GtkWindow            *parent,
                                        GSettings            *settings,
                                        const char           *base_name,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
GFile *tsc_export_dialog_choose_finish (GtkWindow            *parent,
                                        GAsyncResult         *result,
                                        TscExportFormat      *format,
                                        gboolean             *redact,
                                        GError              **error);

G_END_DECLS
