/* tsc-widget-utils.h: small helpers the view widgets share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tsc-rules.h"
#include "tsc-session.h"

G_BEGIN_DECLS

void  tsc_widget_set_severity_class (GtkWidget   *widget,
                                     TscSeverity  severity);

void  tsc_widget_swap_session       (gpointer     instance,
                                     TscSession **session_ptr,
                                     TscSession  *session,
                                     gulong      *messages_added_id,
                                     GCallback    messages_added_cb);

G_END_DECLS
