/* tsc-sidebar.h: the devices and users a session has seen, to narrow
 * every view to one of them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tsc-session.h"
#include "tsc-view-utils.h"

G_BEGIN_DECLS

typedef enum
{
  TSC_SIDEBAR_ITEM_ALL,      /* "All Calls" */
  TSC_SIDEBAR_ITEM_HEADING,  /* "Devices", "Users" */
  TSC_SIDEBAR_ITEM_CLIENT,   /* a TscClient; expands to its streams */
  TSC_SIDEBAR_ITEM_STREAM,   /* a TscStream of a client */
  TSC_SIDEBAR_ITEM_USER,     /* a userId */
} TscSidebarItemKind;

/* One row of the sidebar. Its counts grow while calls arrive; it
 * notifies "subtitle" (and "severity" when that changed) once per batch. */
#define TSC_TYPE_SIDEBAR_ITEM (tsc_sidebar_item_get_type ())
G_DECLARE_FINAL_TYPE (TscSidebarItem, tsc_sidebar_item, TSC, SIDEBAR_ITEM, GObject)

TscSidebarItemKind  tsc_sidebar_item_get_kind      (TscSidebarItem *self);
const char         *tsc_sidebar_item_get_title     (TscSidebarItem *self);
char               *tsc_sidebar_item_dup_subtitle  (TscSidebarItem *self);
TscSeverity         tsc_sidebar_item_get_severity  (TscSidebarItem *self);
guint               tsc_sidebar_item_get_n_calls   (TscSidebarItem *self);
guint               tsc_sidebar_item_get_n_streams (TscSidebarItem *self);
guint               tsc_sidebar_item_get_n_devices (TscSidebarItem *self);
const TscClient    *tsc_sidebar_item_get_client    (TscSidebarItem *self);
const TscStream    *tsc_sidebar_item_get_stream    (TscSidebarItem *self);
const char         *tsc_sidebar_item_get_user_id   (TscSidebarItem *self);

#define TSC_TYPE_SIDEBAR (tsc_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (TscSidebar, tsc_sidebar, TSC, SIDEBAR, GtkWidget)

GtkWidget      *tsc_sidebar_new           (void);
void            tsc_sidebar_set_session   (TscSidebar      *self,
                                           TscSession      *session);
TscSession     *tsc_sidebar_get_session   (TscSidebar      *self);

const TscScope *tsc_sidebar_get_scope     (TscSidebar      *self);
void            tsc_sidebar_select_all    (TscSidebar      *self);
gboolean        tsc_sidebar_select_client (TscSidebar      *self,
                                           const TscClient *client);
gboolean        tsc_sidebar_select_user   (TscSidebar      *self,
                                           const char      *user_id);

G_END_DECLS
