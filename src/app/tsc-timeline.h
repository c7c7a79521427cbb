/* tsc-timeline.h: the identity timeline, one lane per device, drawn
 * with GtkSnapshot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tsc-session.h"
#include "tsc-timeline-layout.h"
#include "tsc-view-utils.h"

G_BEGIN_DECLS

#define TSC_TYPE_TIMELINE (tsc_timeline_get_type ())
G_DECLARE_FINAL_TYPE (TscTimeline, tsc_timeline, TSC, TIMELINE, GtkWidget)

GtkWidget         *tsc_timeline_new              (void);

void               tsc_timeline_set_session      (TscTimeline    *self,
                                                  TscSession     *session);
TscSession        *tsc_timeline_get_session      (TscTimeline    *self);

gint64             tsc_timeline_get_selected_seq (TscTimeline    *self);
void               tsc_timeline_set_selected_seq (TscTimeline    *self,
                                                  gint64          seq);
gint64             tsc_timeline_select_at        (TscTimeline    *self,
                                                  double          x,
                                                  double          y);

void               tsc_timeline_set_scope        (TscTimeline    *self,
                                                  const TscScope *scope);

gboolean           tsc_timeline_get_follow_live  (TscTimeline    *self);
void               tsc_timeline_set_follow_live  (TscTimeline    *self,
                                                  gboolean        follow_live);

TscTimelineLayout *tsc_timeline_get_layout       (TscTimeline    *self);

G_END_DECLS
