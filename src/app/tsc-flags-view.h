/* tsc-flags-view.h: the flags of a session grouped by rule, like an
 * expert-info panel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tsc-flag.h"
#include "tsc-session.h"
#include "tsc-view-utils.h"

G_BEGIN_DECLS

#define TSC_TYPE_FLAGS_VIEW (tsc_flags_view_get_type ())
G_DECLARE_FINAL_TYPE (TscFlagsView, tsc_flags_view, TSC, FLAGS_VIEW, GtkWidget)

GtkWidget   *tsc_flags_view_new                (void);
void         tsc_flags_view_set_session        (TscFlagsView   *self,
                                                TscSession     *session);
TscSession  *tsc_flags_view_get_session        (TscFlagsView   *self);
void         tsc_flags_view_set_scope          (TscFlagsView   *self,
                                                const TscScope *scope);

/* What the view shows, for tests and for the window: the groups in
 * their order, and the flags of each. */
guint        tsc_flags_view_get_n_groups       (TscFlagsView   *self);
TscRule      tsc_flags_view_get_group_rule     (TscFlagsView   *self,
                                                guint           group);
TscSeverity  tsc_flags_view_get_group_severity (TscFlagsView   *self,
                                                guint           group);
guint        tsc_flags_view_get_group_n_flags  (TscFlagsView   *self,
                                                guint           group);
TscFlag     *tsc_flags_view_get_flag           (TscFlagsView   *self,
                                                guint           group,
                                                guint           index);
guint        tsc_flags_view_get_n_flags        (TscFlagsView   *self);

/* Sorting the groups: worse severity first, then more flags first, then
 * the catalogue's order. */
int          tsc_flags_group_compare           (TscSeverity     severity_a,
                                                guint           count_a,
                                                TscRule         rule_a,
                                                TscSeverity     severity_b,
                                                guint           count_b,
                                                TscRule         rule_b);
gboolean     tsc_flag_matches_scope            (const TscFlag   *flag,
                                                const TscScope  *scope,
                                                TscIdentityModel *model,
                                                TscMessageIndex *index);

G_END_DECLS
