/* tsc-events-view.h: every call of a session in a sortable, filterable
 * table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tsc-session.h"
#include "tsc-view-utils.h"

G_BEGIN_DECLS

#define TSC_TYPE_EVENTS_VIEW (tsc_events_view_get_type ())
G_DECLARE_FINAL_TYPE (TscEventsView, tsc_events_view, TSC, EVENTS_VIEW, GtkWidget)

GtkWidget  *tsc_events_view_new              (void);

void        tsc_events_view_set_session      (TscEventsView   *self,
                                              TscSession      *session);
TscSession *tsc_events_view_get_session      (TscEventsView   *self);

gint64      tsc_events_view_get_selected_seq (TscEventsView   *self);
void        tsc_events_view_set_selected_seq (TscEventsView   *self,
                                              gint64           seq);

void        tsc_events_view_set_scope        (TscEventsView   *self,
                                              const TscScope  *scope);
void        tsc_events_view_set_search       (TscEventsView   *self,
                                              const char      *text);
const char *tsc_events_view_get_search       (TscEventsView   *self);
void        tsc_events_view_set_types        (TscEventsView   *self,
                                              guint            types);
guint       tsc_events_view_get_types        (TscEventsView   *self);
void        tsc_events_view_set_flagged_only (TscEventsView   *self,
                                              gboolean         flagged_only);
gboolean    tsc_events_view_get_flagged_only (TscEventsView   *self);

gboolean    tsc_events_view_get_busy         (TscEventsView   *self);
GListModel *tsc_events_view_get_model        (TscEventsView   *self);

G_END_DECLS
