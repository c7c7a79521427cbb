/* tsc-detail-pane.h: everything about the selected call: its flags,
 * payload, request and identity context
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tsc-session.h"

G_BEGIN_DECLS

#define TSC_TYPE_DETAIL_PANE (tsc_detail_pane_get_type ())
G_DECLARE_FINAL_TYPE (TscDetailPane, tsc_detail_pane, TSC, DETAIL_PANE, GtkWidget)

GtkWidget  *tsc_detail_pane_new          (void);
void        tsc_detail_pane_set_session  (TscDetailPane *self,
                                          TscSession    *session);
TscSession *tsc_detail_pane_get_session  (TscDetailPane *self);
void        tsc_detail_pane_set_seq      (TscDetailPane *self,
                                          gint64         seq);
gint64      tsc_detail_pane_get_seq      (TscDetailPane *self);
gboolean    tsc_detail_pane_get_loading  (TscDetailPane *self);
TscMessage *tsc_detail_pane_get_message  (TscDetailPane *self);

/* Which of @stream's identity segments holds message @seq, or -1. */
int         tsc_stream_find_segment      (const TscStream *stream,
                                          gint64           seq);
/* "anonymous → user-1 → user-2" */
char       *tsc_stream_describe_segments (const TscStream *stream);

G_END_DECLS
