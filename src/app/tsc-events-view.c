/* tsc-events-view.c
 *
 * The Events view: a GtkColumnView over the session's TscEventList,
 * through an incremental GtkFilterListModel (the filter bar, the
 * sidebar's scope and the header's search) and a GtkSingleSelection.
 *
 * With nothing to filter the filter model has no filter at all, so an
 * appended batch costs the list nothing but its items_changed. The
 * search matches ids and names in memory at once, and payloads through
 * a worker thread reading the session file (SQLite, read-only); its
 * hits join the filter when they come back.
 *
 * Items are built lazily and a new object stands for the same row after
 * a change, so GtkSingleSelection cannot keep a row selected through a
 * refilter or a sort: the view keeps the selected seq itself and finds
 * its row again (a binary search, in any order) after each change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-events-view"

#include "config.h"

#include "tsc-events-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tsc-event-list.h"

/* Payload hits beyond this many are merged by refiltering the rows that
 * did not match rather than row by row. */
#define MAX_ROW_REFRESHES 512
/* How often rows that arrived during a search have their payloads
 * searched too. */
#define FOLLOW_UP_MS 500

struct _TscEventsView
{
  GtkWidget            parent_instance;

  /* template */
  GtkSpinner          *spinner;
  GtkLabel            *status_label;
  GtkLabel            *count_label;
  GtkStack            *stack;
  GtkScrolledWindow   *scroller;
  GtkColumnView       *column_view;
  GtkSingleSelection  *selection;
  GtkFilterListModel  *filter_model;
  GtkProgressBar      *progress_bar;

  GSimpleActionGroup  *actions;
  GtkFilter           *filter;
  GtkColumnViewColumn *columns[TSC_N_EVENT_COLUMNS];

  TscSession          *session;
  TscEventList        *list;

  /* What the filter matches; filter_state points into these. */
  TscEventFilter       filter_state;
  char                *search;
  char                *scope_user_id;
  GArray              *payload_seqs;     /* gint64, ascending */

  GCancellable        *search_cancellable;
  gboolean             searching;        /* the first pass over the file */
  char                *search_error;     /* why payloads could not be searched */
  gint64               searched_until;   /* payloads searched up to this seq... */
  TscMessageIndex     *searched_index;   /* ...of the rows of this index */
  guint                follow_up_id;

  gint64               selected_seq;
  gboolean             syncing_selection;
  gboolean             reveal_selection;  /* scroll to it when it shows up again */
  guint                drop_filter_id;

  gboolean             follow_end;       /* keep the newest row in view */
  gboolean             busy;
};

G_DEFINE_FINAL_TYPE (TscEventsView, tsc_events_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SELECTED_SEQ,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const struct
{
  const char     *action;
  TscMessageType  type;
} type_actions[] = {
  { "type-identify", TSC_MESSAGE_TYPE_IDENTIFY },
  { "type-track",    TSC_MESSAGE_TYPE_TRACK },
  { "type-page",     TSC_MESSAGE_TYPE_PAGE },
  { "type-screen",   TSC_MESSAGE_TYPE_SCREEN },
  { "type-group",    TSC_MESSAGE_TYPE_GROUP },
  { "type-alias",    TSC_MESSAGE_TYPE_ALIAS },
};

static void sync_selection (TscEventsView *self,
                            gboolean       scroll);
static void start_payload_search (TscEventsView *self,
                                  gboolean       follow_up);

/* ---------------------------------------------------------------------- */
/* State shown around the list                                             */

static void
update_busy (TscEventsView *self)
{
  guint pending = gtk_filter_list_model_get_pending (self->filter_model);
  gboolean sorting = self->list != NULL && tsc_event_list_get_sorting (self->list);
  gboolean busy = pending > 0 || sorting || self->searching;
  const char *status = NULL;

  if (sorting)
    status = _("Sorting…");
  else if (self->searching)
    status = _("Searching payloads…");

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), status != NULL);
  gtk_spinner_set_spinning (self->spinner, status != NULL);

  if (status == NULL && self->search_error != NULL)
    {
      gtk_label_set_label (self->status_label, _("Payloads not searched"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), self->search_error);
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
    }
  else
    {
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);
      if (status != NULL)
        gtk_label_set_label (self->status_label, status);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), pending > 0);
  if (pending > 0)
    {
      guint total = self->list ? g_list_model_get_n_items (G_LIST_MODEL (self->list)) : 0;

      gtk_progress_bar_set_fraction (self->progress_bar,
                                     total > 0 ? 1.0 - (double) pending / total : 0.0);
    }

  if (busy != self->busy)
    {
      self->busy = busy;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

static void
update_count (TscEventsView *self)
{
  guint total = self->list ? g_list_model_get_n_items (G_LIST_MODEL (self->list)) : 0;
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  g_autofree char *text = tsc_event_format_count (shown, total);
  const char *page = "list";

  gtk_label_set_label (self->count_label, text);

  if (total == 0)
    page = "empty";
  else if (shown == 0 && gtk_filter_list_model_get_pending (self->filter_model) == 0 &&
           !self->searching)
    page = "no-results";
  gtk_stack_set_visible_child_name (self->stack, page);
}

/* ---------------------------------------------------------------------- */
/* Cells                                                                   */

static gboolean
on_label_query_tooltip_cb (GtkWidget  *widget,
                           int         x,
                           int         y,
                           gboolean    keyboard,
                           GtkTooltip *tooltip,
                           gpointer    user_data)
{
  GtkLabel *label = GTK_LABEL (widget);

  if (!pango_layout_is_ellipsized (gtk_label_get_layout (label)))
    return FALSE;

  gtk_tooltip_set_text (tooltip, gtk_label_get_label (label));
  return TRUE;
}

/* Tooltips are asked for when the pointer rests on a cell, not set in
 * bind: setting one makes GTK query the pointer, a round trip to the
 * display server for every row scrolled into view. */
static gboolean
on_cell_query_tooltip_cb (GtkWidget   *widget,
                          int          x,
                          int          y,
                          gboolean     keyboard,
                          GtkTooltip  *tooltip,
                          GtkListItem *list_item)
{
  TscEventItem *item = gtk_list_item_get_item (list_item);
  const TscIndexRow *row = item ? tsc_event_item_get_row (item) : NULL;
  g_autofree char *text = NULL;

  if (row == NULL)
    return FALSE;

  if (GTK_IS_LABEL (widget))
    {
      if (row->time <= 0)
        return FALSE;
      text = tsc_format_time (row->time, TRUE);
    }
  else
    {
      if (row->n_flags == 0)
        return FALSE;
      text = g_strdup_printf (ngettext ("%u flag, the worst: %s", "%u flags, the worst: %s",
                                        row->n_flags),
                              row->n_flags, tsc_severity_label (row->severity));
    }

  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  TscEventColumn column = GPOINTER_TO_INT (user_data);
  GtkWidget *label;

  if (column == TSC_EVENT_COLUMN_FLAGS)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);

      gtk_box_append (GTK_BOX (box), gtk_image_new ());
      label = gtk_label_new (NULL);
      gtk_widget_add_css_class (label, "numeric");
      gtk_box_append (GTK_BOX (box), label);
      gtk_widget_set_has_tooltip (box, TRUE);
      g_signal_connect (box, "query-tooltip", G_CALLBACK (on_cell_query_tooltip_cb), list_item);
      gtk_list_item_set_child (list_item, box);
      return;
    }

  label = gtk_label_new (NULL);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);

  switch (column)
    {
    case TSC_EVENT_COLUMN_SEQ:
      gtk_label_set_xalign (GTK_LABEL (label), 1.0);
      gtk_widget_add_css_class (label, "numeric");
      gtk_widget_add_css_class (label, "dim-label");
      break;
    case TSC_EVENT_COLUMN_TIME:
      gtk_widget_add_css_class (label, "numeric");
      gtk_widget_set_has_tooltip (label, TRUE);
      g_signal_connect (label, "query-tooltip", G_CALLBACK (on_cell_query_tooltip_cb), list_item);
      break;
    case TSC_EVENT_COLUMN_TYPE:
      gtk_widget_set_halign (label, GTK_ALIGN_START);
      gtk_label_set_xalign (GTK_LABEL (label), 0.5);
      break;
    case TSC_EVENT_COLUMN_USER_ID:
    case TSC_EVENT_COLUMN_ANONYMOUS_ID:
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_widget_add_css_class (label, "id");
      gtk_widget_set_has_tooltip (label, TRUE);
      g_signal_connect (label, "query-tooltip", G_CALLBACK (on_label_query_tooltip_cb), NULL);
      break;
    case TSC_EVENT_COLUMN_NAME:
    case TSC_EVENT_COLUMN_DEVICE:
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_has_tooltip (label, TRUE);
      g_signal_connect (label, "query-tooltip", G_CALLBACK (on_label_query_tooltip_cb), NULL);
      break;
    case TSC_EVENT_COLUMN_FLAGS:
    case TSC_N_EVENT_COLUMNS:
    default:
      g_assert_not_reached ();
    }

  gtk_list_item_set_child (list_item, label);
}

static void
bind_flags (GtkWidget         *box,
            const TscIndexRow *row)
{
  GtkWidget *image = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (image);
  g_autofree char *text = tsc_event_row_get_column_text (row, TSC_EVENT_COLUMN_FLAGS, NULL);
  static const char *classes[] = { NULL, "info", "warning", "error" };

  gtk_label_set_label (GTK_LABEL (label), text);
  gtk_widget_set_visible (image, row->n_flags > 0);

  if (row->n_flags == 0)
    {
      gtk_widget_add_css_class (label, "dim-label");
      return;
    }

  gtk_widget_remove_css_class (label, "dim-label");
  gtk_image_set_from_icon_name (GTK_IMAGE (image), tsc_severity_icon_name (row->severity));
  gtk_widget_set_css_classes (image, (const char *[]) {
    "severity", row->severity < G_N_ELEMENTS (classes) && classes[row->severity]
                  ? classes[row->severity] : "off", NULL });
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  TscEventColumn column = GPOINTER_TO_INT (user_data);
  TscEventItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);
  const TscIndexRow *row = tsc_event_item_get_row (item);
  g_autofree char *text = NULL;
  gboolean empty = FALSE;

  if (column == TSC_EVENT_COLUMN_FLAGS)
    {
      bind_flags (child, row);
      return;
    }

  text = tsc_event_row_get_column_text (row, column, &empty);
  gtk_label_set_label (GTK_LABEL (child), text);

  switch (column)
    {
    case TSC_EVENT_COLUMN_TYPE:
      gtk_widget_set_css_classes (child, (const char *[]) { "type-pill", text, NULL });
      break;
    case TSC_EVENT_COLUMN_TIME:
    case TSC_EVENT_COLUMN_NAME:
    case TSC_EVENT_COLUMN_USER_ID:
    case TSC_EVENT_COLUMN_ANONYMOUS_ID:
    case TSC_EVENT_COLUMN_DEVICE:
      if (empty)
        gtk_widget_add_css_class (child, "dim-label");
      else
        gtk_widget_remove_css_class (child, "dim-label");
      break;
    case TSC_EVENT_COLUMN_SEQ:
    case TSC_EVENT_COLUMN_FLAGS:
    case TSC_N_EVENT_COLUMNS:
    default:
      break;
    }
}

static const struct
{
  const char *title;
  int         fixed_width;
  gboolean    expand;
} column_info[TSC_N_EVENT_COLUMNS] = {
  /* Narrow enough that every column fits next to the sidebar and the
   * detail pane (~710 px); ids are ellipsized in the middle and show
   * whole in a tooltip, and every column can be widened. */
  [TSC_EVENT_COLUMN_SEQ]          = { N_("#"),            52,  FALSE },
  [TSC_EVENT_COLUMN_TIME]         = { N_("Time"),         96,  FALSE },
  [TSC_EVENT_COLUMN_TYPE]         = { N_("Type"),         84,  FALSE },
  [TSC_EVENT_COLUMN_NAME]         = { N_("Event / Name"), 116, TRUE },
  [TSC_EVENT_COLUMN_USER_ID]      = { N_("userId"),       100, FALSE },
  [TSC_EVENT_COLUMN_ANONYMOUS_ID] = { N_("anonymousId"),  112, FALSE },
  [TSC_EVENT_COLUMN_DEVICE]       = { N_("Device"),       96,  FALSE },
  [TSC_EVENT_COLUMN_FLAGS]        = { N_("Flags"),        52,  FALSE },
};

static void
add_columns (TscEventsView *self)
{
  for (guint i = 0; i < TSC_N_EVENT_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), GINT_TO_POINTER (i));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), GINT_TO_POINTER (i));

      column = gtk_column_view_column_new (_(column_info[i].title), factory);
      gtk_column_view_column_set_fixed_width (column, column_info[i].fixed_width);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, column_info[i].expand);
      if (tsc_event_list_column_can_sort (i))
        {
          g_autoptr(GtkSorter) sorter = tsc_event_sorter_new (i);

          gtk_column_view_column_set_sorter (column, sorter);
        }

      gtk_column_view_append_column (self->column_view, column);
      self->columns[i] = column;
      g_object_unref (column);
    }

  gtk_column_view_sort_by_column (self->column_view, self->columns[TSC_EVENT_COLUMN_SEQ],
                                  GTK_SORT_ASCENDING);
}

/* ---------------------------------------------------------------------- */
/* Sorting                                                                 */

static void
on_column_view_sorter_changed_cb (GtkSorter       *sorter,
                                  GtkSorterChange  change,
                                  TscEventsView   *self)
{
  TscEventColumn column = TSC_EVENT_COLUMN_SEQ;
  gboolean descending = FALSE;

  if (self->list == NULL)
    return;

  if (!tsc_event_sorter_get_primary (sorter, &column, &descending))
    {
      column = TSC_EVENT_COLUMN_SEQ;
      descending = FALSE;
    }

  tsc_event_list_set_sort (self->list, column, descending);
  update_busy (self);
}

static void
apply_sort (TscEventsView *self)
{
  on_column_view_sorter_changed_cb (gtk_column_view_get_sorter (self->column_view),
                                    GTK_SORTER_CHANGE_DIFFERENT, self);
}

/* ---------------------------------------------------------------------- */
/* Selection                                                               */

/* The position of message @seq among the visible rows: they are in the
 * list's order, whatever the filter left out. */
static gboolean
find_visible (TscEventsView *self,
              gint64         seq,
              guint         *position)
{
  GListModel *model = G_LIST_MODEL (self->filter_model);
  guint row, lo = 0, hi;

  if (self->list == NULL ||
      !tsc_message_index_find_seq (tsc_event_list_get_index (self->list), seq, &row))
    return FALSE;

  if (gtk_filter_list_model_get_filter (self->filter_model) == NULL)
    return tsc_event_list_find_seq (self->list, seq, position);

  hi = g_list_model_get_n_items (model);
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      g_autoptr(TscEventItem) item = g_list_model_get_item (model, mid);
      int cmp = tsc_event_list_compare (self->list, tsc_event_item_get_position (item), row);

      if (cmp == 0)
        {
          *position = mid;
          return TRUE;
        }
      if (cmp < 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  return FALSE;
}

static GtkWidget *
get_list_view (TscEventsView *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LIST_VIEW (child))
        return child;
    }

  return NULL;
}

static void
select_silently (TscEventsView *self,
                 guint          position)
{
  self->syncing_selection = TRUE;
  gtk_single_selection_set_selected (self->selection, position);
  self->syncing_selection = FALSE;
}

/* Shows selected-seq as the selected row, if it is visible. */
static void
sync_selection (TscEventsView *self,
                gboolean       scroll)
{
  TscEventItem *selected = gtk_single_selection_get_selected_item (self->selection);
  guint position;

  if (self->selected_seq == 0)
    {
      if (selected != NULL)
        select_silently (self, GTK_INVALID_LIST_POSITION);
      return;
    }

  if (self->reveal_selection)
    scroll = TRUE;

  if (selected != NULL && tsc_event_item_get_seq (selected) == self->selected_seq)
    position = gtk_single_selection_get_selected (self->selection);
  else if (find_visible (self, self->selected_seq, &position))
    select_silently (self, position);
  else
    {
      if (selected != NULL)
        select_silently (self, GTK_INVALID_LIST_POSITION);
      if (gtk_filter_list_model_get_pending (self->filter_model) == 0)
        self->reveal_selection = FALSE;
      return;
    }

  if (scroll)
    {
      GtkWidget *list_view = get_list_view (self);

      self->follow_end = FALSE;
      self->reveal_selection = FALSE;
      if (list_view != NULL)
        gtk_widget_activate_action (list_view, "list.scroll-to-item", "u", position);
    }
}

static void
set_selected_seq (TscEventsView *self,
                  gint64         seq)
{
  if (self->selected_seq == seq)
    return;

  self->selected_seq = seq;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SEQ]);
}

static void
on_selection_selected_cb (GtkSingleSelection *selection,
                          GParamSpec         *pspec,
                          TscEventsView      *self)
{
  TscEventItem *item;

  if (self->syncing_selection)
    return;

  /* A row taken away by a refilter keeps its seq: it comes back when
   * the filter shows it again. */
  item = gtk_single_selection_get_selected_item (selection);
  if (item != NULL)
    set_selected_seq (self, tsc_event_item_get_seq (item));
}

static void
on_column_view_activate_cb (GtkColumnView *column_view,
                            guint          position,
                            TscEventsView *self)
{
  g_autoptr(TscEventItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (item != NULL)
    set_selected_seq (self, tsc_event_item_get_seq (item));
}

/* ---------------------------------------------------------------------- */
/* Following live calls                                                    */

static gboolean
newest_at_top (TscEventsView *self)
{
  TscEventColumn column;

  if (self->list == NULL)
    return FALSE;

  column = tsc_event_list_get_sort_column (self->list);
  return (column == TSC_EVENT_COLUMN_SEQ || column == TSC_EVENT_COLUMN_TIME) &&
         tsc_event_list_get_sort_descending (self->list);
}

static void
on_vadjustment_value_changed_cb (GtkAdjustment *adjustment,
                                 TscEventsView *self)
{
  double value = gtk_adjustment_get_value (adjustment);
  double end = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  if (newest_at_top (self))
    self->follow_end = value <= 1.0;
  else
    self->follow_end = value >= end - 1.0;
}

static void
on_vadjustment_changed_cb (GtkAdjustment *adjustment,
                           TscEventsView *self)
{
  double end = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  if (!self->follow_end)
    return;

  gtk_adjustment_set_value (adjustment, newest_at_top (self) ? 0.0 : MAX (end, 0.0));
  self->follow_end = TRUE;
}

/* ---------------------------------------------------------------------- */
/* Filtering                                                               */

static gboolean
match_item_cb (gpointer item,
               gpointer user_data)
{
  TscEventsView *self = user_data;

  return tsc_event_filter_matches (&self->filter_state, tsc_event_item_get_row (item));
}

/* With nothing to filter and every row shown, the filter model needs no
 * filter: appended batches then cost it nothing. */
static void
drop_filter_when_done (TscEventsView *self)
{
  if (gtk_filter_list_model_get_filter (self->filter_model) != NULL &&
      gtk_filter_list_model_get_pending (self->filter_model) == 0 &&
      tsc_event_filter_is_empty (&self->filter_state))
    gtk_filter_list_model_set_filter (self->filter_model, NULL);
}

static gboolean
drop_filter_cb (gpointer data)
{
  TscEventsView *self = data;

  self->drop_filter_id = 0;
  drop_filter_when_done (self);
  return G_SOURCE_REMOVE;
}

static void
apply_filter (TscEventsView   *self,
              GtkFilterChange  change)
{
  self->filter_state.search = self->search;
  self->filter_state.scope.user_id = self->scope_user_id;
  self->filter_state.payload_seqs = (const gint64 *) (gpointer) self->payload_seqs->data;
  self->filter_state.n_payload_seqs = self->payload_seqs->len;

  if (tsc_event_filter_is_empty (&self->filter_state))
    {
      /* Dropping the filter at once would add every hidden row in one
       * emission, which GTK 4.8 walks (see replace_all() in
       * tsc-event-list.c); a last pass adds them in chunks, then the
       * filter goes (drop_filter_when_done()). */
      if (gtk_filter_list_model_get_filter (self->filter_model) != NULL)
        gtk_filter_changed (self->filter, GTK_FILTER_CHANGE_LESS_STRICT);
      drop_filter_when_done (self);
    }
  else if (gtk_filter_list_model_get_filter (self->filter_model) == NULL)
    gtk_filter_list_model_set_filter (self->filter_model, self->filter);
  else
    gtk_filter_changed (self->filter, change);

  sync_selection (self, FALSE);
  update_count (self);
  update_busy (self);
}

static void
on_filter_model_pending_cb (GtkFilterListModel *model,
                            GParamSpec         *pspec,
                            TscEventsView      *self)
{
  if (gtk_filter_list_model_get_pending (model) == 0)
    {
      /* Not from inside the filter model's own pass. */
      if (self->drop_filter_id == 0)
        self->drop_filter_id = g_idle_add (drop_filter_cb, self);
      self->reveal_selection = FALSE;
      update_count (self);
    }
  update_busy (self);
}

static void
on_selection_items_changed_cb (GListModel    *model,
                               guint          position,
                               guint          removed,
                               guint          added,
                               TscEventsView *self)
{
  sync_selection (self, FALSE);
  update_count (self);
}

/* ---------------------------------------------------------------------- */
/* Types and flagged only                                                  */

static guint
read_types (TscEventsView *self)
{
  guint types = 0;

  for (guint i = 0; i < G_N_ELEMENTS (type_actions); i++)
    {
      g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (self->actions),
                                                                   type_actions[i].action);

      if (g_variant_get_boolean (state))
        types |= TSC_EVENT_TYPE_BIT (type_actions[i].type);
    }

  return types;
}

static void
on_types_changed (TscEventsView *self)
{
  guint old_types = self->filter_state.types;
  guint new_types = read_types (self);
  GtkFilterChange change;

  if (old_types == new_types)
    return;

  /* No type chosen shows every type. */
  if (new_types == 0 || (old_types != 0 && (old_types & new_types) == old_types))
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else if (old_types == 0 || (old_types & new_types) == new_types)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else
    change = GTK_FILTER_CHANGE_DIFFERENT;

  self->filter_state.types = new_types;
  apply_filter (self, change);
}

static void
change_type_state_cb (GSimpleAction *action,
                      GVariant      *state,
                      gpointer       user_data)
{
  g_simple_action_set_state (action, state);
  on_types_changed (user_data);
}

static void
change_flagged_state_cb (GSimpleAction *action,
                         GVariant      *state,
                         gpointer       user_data)
{
  TscEventsView *self = user_data;
  gboolean flagged_only = g_variant_get_boolean (state);

  g_simple_action_set_state (action, state);
  if (self->filter_state.flagged_only == flagged_only)
    return;

  self->filter_state.flagged_only = flagged_only;
  apply_filter (self, flagged_only ? GTK_FILTER_CHANGE_MORE_STRICT : GTK_FILTER_CHANGE_LESS_STRICT);
}

static void
add_actions (TscEventsView *self)
{
  GSimpleAction *action;

  self->actions = g_simple_action_group_new ();

  for (guint i = 0; i < G_N_ELEMENTS (type_actions); i++)
    {
      action = g_simple_action_new_stateful (type_actions[i].action, NULL, g_variant_new_boolean (FALSE));
      g_signal_connect (action, "change-state", G_CALLBACK (change_type_state_cb), self);
      g_action_map_add_action (G_ACTION_MAP (self->actions), G_ACTION (action));
      g_object_unref (action);
    }

  action = g_simple_action_new_stateful ("flagged-only", NULL, g_variant_new_boolean (FALSE));
  g_signal_connect (action, "change-state", G_CALLBACK (change_flagged_state_cb), self);
  g_action_map_add_action (G_ACTION_MAP (self->actions), G_ACTION (action));
  g_object_unref (action);

  gtk_widget_insert_action_group (GTK_WIDGET (self), "events", G_ACTION_GROUP (self->actions));
}

/**
 * tsc_events_view_set_types:
 * @types: TSC_EVENT_TYPE_BIT()s of the types to show; 0 for every type
 *
 * What the type toggles of the filter bar show.
 */
void
tsc_events_view_set_types (TscEventsView *self,
                           guint          types)
{
  g_return_if_fail (TSC_IS_EVENTS_VIEW (self));

  for (guint i = 0; i < G_N_ELEMENTS (type_actions); i++)
    {
      gboolean on = (types & TSC_EVENT_TYPE_BIT (type_actions[i].type)) != 0;

      /* Without a filter the types change once, below, not per toggle. */
      g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions),
                                                                              type_actions[i].action)),
                                 g_variant_new_boolean (on));
    }

  on_types_changed (self);
}

guint
tsc_events_view_get_types (TscEventsView *self)
{
  g_return_val_if_fail (TSC_IS_EVENTS_VIEW (self), 0);
  return self->filter_state.types;
}

void
tsc_events_view_set_flagged_only (TscEventsView *self,
                                  gboolean       flagged_only)
{
  g_return_if_fail (TSC_IS_EVENTS_VIEW (self));

  g_action_group_change_action_state (G_ACTION_GROUP (self->actions), "flagged-only",
                                      g_variant_new_boolean (!!flagged_only));
}

gboolean
tsc_events_view_get_flagged_only (TscEventsView *self)
{
  g_return_val_if_fail (TSC_IS_EVENTS_VIEW (self), FALSE);
  return self->filter_state.flagged_only;
}

/* ---------------------------------------------------------------------- */
/* Scope                                                                   */

/**
 * tsc_events_view_set_scope:
 * @scope: (nullable): the client or user the sidebar narrowed to, or
 *   %NULL for every call; copied (its client lives as long as the
 *   session's model)
 */
void
tsc_events_view_set_scope (TscEventsView  *self,
                           const TscScope *scope)
{
  const TscClient *client = scope ? scope->client : NULL;
  const char *user_id = scope ? scope->user_id : NULL;
  gboolean was_any, is_any;

  g_return_if_fail (TSC_IS_EVENTS_VIEW (self));

  if (client == self->filter_state.scope.client && g_strcmp0 (user_id, self->scope_user_id) == 0)
    return;

  was_any = self->filter_state.scope.client == NULL && self->scope_user_id == NULL;
  is_any = client == NULL && user_id == NULL;

  self->filter_state.scope.client = client;
  g_free (self->scope_user_id);
  self->scope_user_id = g_strdup (user_id);

  apply_filter (self, is_any ? GTK_FILTER_CHANGE_LESS_STRICT
                : was_any ? GTK_FILTER_CHANGE_MORE_STRICT
                : GTK_FILTER_CHANGE_DIFFERENT);
}

/* ---------------------------------------------------------------------- */
/* Search                                                                  */

static gint64
last_seq (TscEventsView *self)
{
  TscMessageIndex *index;
  guint n;

  if (self->list == NULL)
    return 0;

  index = tsc_event_list_get_index (self->list);
  n = tsc_message_index_get_n_rows (index);
  return n > 0 ? tsc_message_index_get_row (index, n - 1)->seq : 0;
}

static void
cancel_payload_search (TscEventsView *self)
{
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_handle_id (&self->follow_up_id, g_source_remove);
  g_clear_pointer (&self->search_error, g_free);
  self->searching = FALSE;
}

static gboolean
follow_up_cb (gpointer data)
{
  TscEventsView *self = data;

  self->follow_up_id = 0;
  start_payload_search (self, TRUE);
  return G_SOURCE_REMOVE;
}

/* Rows that arrived after the search read the file have their payloads
 * searched a little later, in batches. */
static void
schedule_follow_up (TscEventsView *self)
{
  if (self->search == NULL || self->search_cancellable != NULL || self->follow_up_id != 0 ||
      self->search_error != NULL || self->session == NULL || tsc_session_get_path (self->session) == NULL ||
      last_seq (self) <= self->searched_until)
    return;

  self->follow_up_id = g_timeout_add (FOLLOW_UP_MS, follow_up_cb, self);
}

typedef struct
{
  TscEventsView *self;
  gint64         until;
  gboolean       follow_up;
} SearchCall;

static void
search_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SearchCall *call = user_data;
  g_autoptr(TscEventsView) self = call->self;
  g_autoptr(GArray) seqs = NULL;
  g_autoptr(GError) error = NULL;
  gint64 until = call->until;
  gboolean follow_up = call->follow_up;
  guint first_new;

  g_free (call);

  seqs = tsc_event_search_payloads_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->search_cancellable);
  self->searching = FALSE;

  if (seqs == NULL)
    {
      /* Said next to the count; the in-memory matches still show. */
      g_debug ("%s", error->message);
      g_free (self->search_error);
      self->search_error = g_strdup (error->message);
      update_busy (self);
      update_count (self);
      return;
    }

  self->searched_until = until;
  first_new = self->payload_seqs->len;
  g_array_append_vals (self->payload_seqs, seqs->data, seqs->len);
  self->filter_state.payload_seqs = (const gint64 *) (gpointer) self->payload_seqs->data;
  self->filter_state.n_payload_seqs = self->payload_seqs->len;

  /* Only rows that did not match already can be new: refresh those few,
   * or refilter the rows that did not match. */
  if (seqs->len > MAX_ROW_REFRESHES && !follow_up)
    {
      gtk_filter_changed (self->filter, GTK_FILTER_CHANGE_LESS_STRICT);
    }
  else if (seqs->len > 0)
    {
      tsc_event_list_rows_changed (self->list,
                                   &g_array_index (self->payload_seqs, gint64, first_new),
                                   seqs->len);
    }

  update_busy (self);
  update_count (self);
  schedule_follow_up (self);
}

static void
start_payload_search (TscEventsView *self,
                      gboolean       follow_up)
{
  const char *path;
  SearchCall *call;
  gint64 until = last_seq (self);

  if (self->search == NULL || self->session == NULL)
    return;

  path = tsc_session_get_path (self->session);
  if (path == NULL || until <= self->searched_until)
    return;

  self->search_cancellable = g_cancellable_new ();
  self->searching = !follow_up;
  g_set_object (&self->searched_index, tsc_event_list_get_index (self->list));

  call = g_new0 (SearchCall, 1);
  call->self = g_object_ref (self);
  call->until = until;
  call->follow_up = follow_up;
  tsc_event_search_payloads_async (path, self->search, self->searched_until, until,
                                   self->search_cancellable, search_done_cb, call);
}

/**
 * tsc_events_view_set_search:
 * @text: (nullable): what the header's search entry holds
 *
 * Shows the calls whose ids, event or name hold @text (ignoring case)
 * at once, and those whose payload holds it when a worker has read
 * the session file.
 */
void
tsc_events_view_set_search (TscEventsView *self,
                            const char    *text)
{
  g_autofree char *old = NULL;
  GtkFilterChange change;

  g_return_if_fail (TSC_IS_EVENTS_VIEW (self));

  if (text != NULL && *text == '\0')
    text = NULL;
  if (g_strcmp0 (text, self->search) == 0)
    return;

  cancel_payload_search (self);
  old = g_steal_pointer (&self->search);
  self->search = g_strdup (text);
  self->searched_until = 0;
  g_clear_object (&self->searched_index);
  g_array_set_size (self->payload_seqs, 0);

  if (old == NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (text == NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else if (strstr (text, old) != NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else
    change = GTK_FILTER_CHANGE_DIFFERENT;

  start_payload_search (self, FALSE);
  apply_filter (self, change);
}

const char *
tsc_events_view_get_search (TscEventsView *self)
{
  g_return_val_if_fail (TSC_IS_EVENTS_VIEW (self), NULL);
  return self->search;
}

/* ---------------------------------------------------------------------- */
/* Session                                                                 */

static void
on_list_items_changed_after_cb (GListModel    *model,
                                guint          position,
                                guint          removed,
                                guint          added,
                                TscEventsView *self)
{
  /* The session opened a file: its payloads are other ones. */
  if (self->searched_index != NULL && self->searched_index != tsc_event_list_get_index (self->list))
    {
      cancel_payload_search (self);
      g_clear_object (&self->searched_index);
      self->searched_until = 0;
      g_array_set_size (self->payload_seqs, 0);
      self->filter_state.n_payload_seqs = 0;
      start_payload_search (self, FALSE);
      update_busy (self);
    }

  /* A new order: the selected row, wherever it went, stays in view. */
  if (position == 0 && removed == 0 && added > 1 && added == g_list_model_get_n_items (model) &&
      self->selected_seq != 0)
    self->reveal_selection = TRUE;

  sync_selection (self, FALSE);
  update_count (self);
  schedule_follow_up (self);
}

static void
on_list_sorting_cb (TscEventList  *list,
                    GParamSpec    *pspec,
                    TscEventsView *self)
{
  update_busy (self);
}

/**
 * tsc_events_view_set_session:
 * @session: (nullable): the session to show
 */
void
tsc_events_view_set_session (TscEventsView *self,
                             TscSession    *session)
{
  g_return_if_fail (TSC_IS_EVENTS_VIEW (self));
  g_return_if_fail (session == NULL || TSC_IS_SESSION (session));

  if (self->session == session)
    return;

  cancel_payload_search (self);
  g_clear_object (&self->searched_index);
  self->searched_until = 0;
  g_array_set_size (self->payload_seqs, 0);
  self->filter_state.n_payload_seqs = 0;
  self->filter_state.scope.client = NULL;
  g_clear_pointer (&self->scope_user_id, g_free);

  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  gtk_filter_list_model_set_model (self->filter_model, NULL);
  g_clear_object (&self->list);
  g_set_object (&self->session, session);
  self->selected_seq = 0;

  if (session != NULL)
    {
      self->list = tsc_event_list_new (session);
      g_signal_connect_after (self->list, "items-changed",
                              G_CALLBACK (on_list_items_changed_after_cb), self);
      g_signal_connect (self->list, "notify::sorting", G_CALLBACK (on_list_sorting_cb), self);
      gtk_filter_list_model_set_model (self->filter_model, G_LIST_MODEL (self->list));
      apply_sort (self);
    }

  self->follow_end = TRUE;
  apply_filter (self, GTK_FILTER_CHANGE_DIFFERENT);
  start_payload_search (self, FALSE);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SEQ]);
}

TscSession *
tsc_events_view_get_session (TscEventsView *self)
{
  g_return_val_if_fail (TSC_IS_EVENTS_VIEW (self), NULL);
  return self->session;
}

gint64
tsc_events_view_get_selected_seq (TscEventsView *self)
{
  g_return_val_if_fail (TSC_IS_EVENTS_VIEW (self), 0);
  return self->selected_seq;
}

/**
 * tsc_events_view_set_selected_seq:
 * @seq: a message, or 0 for none
 *
 * Selects message @seq and scrolls to it, if the filters show it.
 */
void
tsc_events_view_set_selected_seq (TscEventsView *self,
                                  gint64         seq)
{
  g_return_if_fail (TSC_IS_EVENTS_VIEW (self));
  g_return_if_fail (seq >= 0);

  if (self->selected_seq == seq)
    return;

  self->selected_seq = seq;
  sync_selection (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SEQ]);
}

/**
 * tsc_events_view_get_busy:
 *
 * Whether the view is filtering, sorting or searching payloads (the
 * visible rows are not final yet).
 */
gboolean
tsc_events_view_get_busy (TscEventsView *self)
{
  g_return_val_if_fail (TSC_IS_EVENTS_VIEW (self), FALSE);
  return self->busy;
}

/**
 * tsc_events_view_get_model:
 *
 * Returns: (transfer none): the rows the view shows, in their order
 *   (TscEventItems)
 */
GListModel *
tsc_events_view_get_model (TscEventsView *self)
{
  g_return_val_if_fail (TSC_IS_EVENTS_VIEW (self), NULL);
  return G_LIST_MODEL (self->filter_model);
}

/* ---------------------------------------------------------------------- */

static void
tsc_events_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TscEventsView *self = TSC_EVENTS_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SELECTED_SEQ:
      g_value_set_int64 (value, self->selected_seq);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_events_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TscEventsView *self = TSC_EVENTS_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      tsc_events_view_set_session (self, g_value_get_object (value));
      break;
    case PROP_SELECTED_SEQ:
      tsc_events_view_set_selected_seq (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_events_view_dispose (GObject *object)
{
  TscEventsView *self = (TscEventsView *) object;
  GtkWidget *child;

  cancel_payload_search (self);
  g_clear_handle_id (&self->drop_filter_id, g_source_remove);
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  if (self->column_view != NULL)
    g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->column_view), self);

  gtk_widget_dispose_template (GTK_WIDGET (self), TSC_TYPE_EVENTS_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->list);
  g_clear_object (&self->session);
  g_clear_object (&self->searched_index);
  g_clear_object (&self->filter);
  g_clear_object (&self->actions);

  G_OBJECT_CLASS (tsc_events_view_parent_class)->dispose (object);
}

static void
tsc_events_view_finalize (GObject *object)
{
  TscEventsView *self = (TscEventsView *) object;

  g_free (self->search);
  g_free (self->search_error);
  g_free (self->scope_user_id);
  g_clear_pointer (&self->payload_seqs, g_array_unref);

  G_OBJECT_CLASS (tsc_events_view_parent_class)->finalize (object);
}

static void
tsc_events_view_class_init (TscEventsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tsc_events_view_get_property;
  object_class->set_property = tsc_events_view_set_property;
  object_class->dispose = tsc_events_view_dispose;
  object_class->finalize = tsc_events_view_finalize;

  /**
   * TscEventsView:selected-seq:
   *
   * The selected message, 0 for none. Set by selecting or activating a
   * row; setting it selects the row and scrolls to it.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, TSC_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_SEQ] =
    g_param_spec_int64 ("selected-seq", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (ADW_TYPE_STATUS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/tsc-events-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TscEventsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, TscEventsView, status_label);
  gtk_widget_class_bind_template_child (widget_class, TscEventsView, count_label);
  gtk_widget_class_bind_template_child (widget_class, TscEventsView, stack);
  gtk_widget_class_bind_template_child (widget_class, TscEventsView, scroller);
  gtk_widget_class_bind_template_child (widget_class, TscEventsView, column_view);
  gtk_widget_class_bind_template_child (widget_class, TscEventsView, selection);
  gtk_widget_class_bind_template_child (widget_class, TscEventsView, filter_model);
  gtk_widget_class_bind_template_child (widget_class, TscEventsView, progress_bar);

  gtk_widget_class_set_css_name (widget_class, "eventsview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tsc_events_view_init (TscEventsView *self)
{
  GtkAdjustment *vadjustment;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->payload_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->filter_state.payload_seqs = (const gint64 *) (gpointer) self->payload_seqs->data;
  self->filter = GTK_FILTER (gtk_custom_filter_new (match_item_cb, self, NULL));
  self->follow_end = TRUE;

  add_actions (self);
  add_columns (self);

  g_signal_connect (gtk_column_view_get_sorter (self->column_view), "changed",
                    G_CALLBACK (on_column_view_sorter_changed_cb), self);
  g_signal_connect (self->selection, "notify::selected",
                    G_CALLBACK (on_selection_selected_cb), self);
  g_signal_connect_after (self->selection, "items-changed",
                          G_CALLBACK (on_selection_items_changed_cb), self);
  g_signal_connect (self->filter_model, "notify::pending",
                    G_CALLBACK (on_filter_model_pending_cb), self);
  g_signal_connect (self->column_view, "activate",
                    G_CALLBACK (on_column_view_activate_cb), self);

  vadjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect (vadjustment, "value-changed", G_CALLBACK (on_vadjustment_value_changed_cb), self);
  g_signal_connect (vadjustment, "changed", G_CALLBACK (on_vadjustment_changed_cb), self);

  update_count (self);
}

GtkWidget *
tsc_events_view_new (void)
{
  return g_object_new (TSC_TYPE_EVENTS_VIEW, NULL);
}
