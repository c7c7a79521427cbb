/* tsc-event-list.h: the Events view's list model over a session's
 * message index, its row texts and its filter, as plain functions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tsc-session.h"
#include "tsc-view-utils.h"

G_BEGIN_DECLS

/* The columns of the Events view, in their order on screen. */
typedef enum
{
  TSC_EVENT_COLUMN_SEQ,
  TSC_EVENT_COLUMN_TIME,
  TSC_EVENT_COLUMN_TYPE,
  TSC_EVENT_COLUMN_NAME,
  TSC_EVENT_COLUMN_USER_ID,
  TSC_EVENT_COLUMN_ANONYMOUS_ID,
  TSC_EVENT_COLUMN_DEVICE,
  TSC_EVENT_COLUMN_FLAGS,
  TSC_N_EVENT_COLUMNS
} TscEventColumn;

/* Row text */

char       *tsc_event_row_get_column_text  (const TscIndexRow    *row,
                                            TscEventColumn        column,
                                            gboolean             *empty);

/* Filtering */

#define TSC_EVENT_TYPE_BIT(type) (1u << (guint) (type))

/* What the Events view shows. Strings and seqs are borrowed. */
typedef struct
{
  guint          types;            /* TSC_EVENT_TYPE_BIT()s; 0: every type */
  gboolean       flagged_only;
  const char    *search;           /* NULL or "": no search */
  const gint64  *payload_seqs;     /* sorted: messages whose payload holds @search */
  guint          n_payload_seqs;
  TscScope       scope;
} TscEventFilter;

gboolean    tsc_event_filter_is_empty      (const TscEventFilter *filter);
gboolean    tsc_event_filter_matches       (const TscEventFilter *filter,
                                            const TscIndexRow    *row);
gboolean    tsc_event_row_matches_text     (const TscIndexRow    *row,
                                            const char           *text);

char       *tsc_event_format_count         (guint                 shown,
                                            guint                 total);

/* Payload search over a session file, in a worker thread */

void        tsc_event_search_payloads_async  (const char           *path,
                                              const char           *text,
                                              gint64                after_seq,
                                              gint64                until_seq,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GArray     *tsc_event_search_payloads_finish (GAsyncResult         *result,
                                              GError              **error);

/* One row, built when a list asks for it */

#define TSC_TYPE_EVENT_ITEM (tsc_event_item_get_type ())
G_DECLARE_FINAL_TYPE (TscEventItem, tsc_event_item, TSC, EVENT_ITEM, GObject)

const TscIndexRow *tsc_event_item_get_row          (TscEventItem   *self);
guint              tsc_event_item_get_position     (TscEventItem   *self);
gint64             tsc_event_item_get_seq          (TscEventItem   *self);
char              *tsc_event_item_get_column_text  (TscEventItem   *self,
                                                    TscEventColumn  column,
                                                    gboolean       *empty);

/* The model: one item per index row, in seq order or sorted */

#define TSC_TYPE_EVENT_LIST (tsc_event_list_get_type ())
G_DECLARE_FINAL_TYPE (TscEventList, tsc_event_list, TSC, EVENT_LIST, GObject)

TscEventList      *tsc_event_list_new              (TscSession     *session);
TscSession        *tsc_event_list_get_session      (TscEventList   *self);
TscMessageIndex   *tsc_event_list_get_index        (TscEventList   *self);

gboolean           tsc_event_list_column_can_sort  (TscEventColumn  column);
void               tsc_event_list_set_sort         (TscEventList   *self,
                                                    TscEventColumn  column,
                                                    gboolean        descending);
TscEventColumn     tsc_event_list_get_sort_column  (TscEventList   *self);
gboolean           tsc_event_list_get_sort_descending (TscEventList *self);
gboolean           tsc_event_list_get_sorting      (TscEventList   *self);
int                tsc_event_list_compare          (TscEventList   *self,
                                                    guint           row_a,
                                                    guint           row_b);
gboolean           tsc_event_list_find_seq         (TscEventList   *self,
                                                    gint64          seq,
                                                    guint          *position);
void               tsc_event_list_rows_changed     (TscEventList   *self,
                                                    const gint64   *seqs,
                                                    guint           n_seqs);

/* A column's sorter for GtkColumnView headers; the view reads which one
 * is primary with tsc_event_sorter_get_primary(). */

#define TSC_TYPE_EVENT_SORTER (tsc_event_sorter_get_type ())
G_DECLARE_FINAL_TYPE (TscEventSorter, tsc_event_sorter, TSC, EVENT_SORTER, GtkSorter)

GtkSorter         *tsc_event_sorter_new            (TscEventColumn  column);
TscEventColumn     tsc_event_sorter_get_column     (TscEventSorter *self);
gboolean           tsc_event_sorter_get_primary    (GtkSorter      *sorter,
                                                    TscEventColumn *column,
                                                    gboolean       *descending);

G_END_DECLS
