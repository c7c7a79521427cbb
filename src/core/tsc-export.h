/* tsc-export.h: write a session out for other tools
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean tsc_export_ndjson (const char    *session_path,
                            GOutputStream *out,
                            GCancellable  *cancellable,
                            guint64       *n_written,
                            GError       **error);

G_END_DECLS
