/* tsc-event-list.c
 *
 * The Events view lists every message of a session, a million of them
 * included. The rows live in the session's TscMessageIndex, packed; this
 * model keeps no object per row: get_item() builds a small TscEventItem
 * (the index and a row position) that the list drops again when the row
 * scrolls away. Calls arrive in batches (TscSession::messages-added, at
 * most once per frame) and each batch is one items_changed.
 *
 * Seq order is the index's own order, so sorting by seq, either way, is
 * arithmetic. Other orders are a permutation of row positions (4 bytes a
 * row), sorted in a worker thread over a snapshot of the keys; until it
 * is ready the list keeps its old order, then it is replaced in one
 * items_changed. A batch arriving while sorted is sorted on its own and
 * merged in from the back, so only the rows after the first insertion
 * move.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-event-list"

#include "config.h"

#include "tsc-event-list.h"

#include <string.h>

#include <glib/gi18n.h>
#include <sqlite3.h>

/* Flags raised on rows at most this far behind the end are refreshed
 * with the batch's own items_changed; farther ones row by row. */
#define NEAR_ROWS 256

/* ---------------------------------------------------------------------- */
/* Row text                                                                */

static const char *
client_label (const TscIndexRow *row)
{
  return row->client != NULL ? row->client->label : NULL;
}

static char *
text_or_dash (const char *text,
              gboolean   *empty)
{
  gboolean is_empty = text == NULL || *text == '\0';

  if (empty != NULL)
    *empty = is_empty;
  return g_strdup (is_empty ? "—" : text);
}

/**
 * tsc_event_row_get_column_text:
 * @empty: (out) (optional): set to %TRUE when the row has no value for
 *   @column (the text is then an em dash, shown dimmed)
 *
 * Returns: (transfer full): what @row shows in @column
 */
char *
tsc_event_row_get_column_text (const TscIndexRow *row,
                               TscEventColumn     column,
                               gboolean          *empty)
{
  g_return_val_if_fail (row != NULL, NULL);

  switch (column)
    {
    case TSC_EVENT_COLUMN_SEQ:
      if (empty != NULL)
        *empty = FALSE;
      return g_strdup_printf ("%" G_GINT64_FORMAT, row->seq);

    case TSC_EVENT_COLUMN_TIME:
      if (empty != NULL)
        *empty = row->time <= 0;
      return tsc_format_time (row->time, FALSE);

    case TSC_EVENT_COLUMN_TYPE:
      if (empty != NULL)
        *empty = FALSE;
      return g_strdup (tsc_message_type_to_string (row->type));

    case TSC_EVENT_COLUMN_NAME:
      return text_or_dash (row->label, empty);

    case TSC_EVENT_COLUMN_USER_ID:
      return text_or_dash (row->user_id, empty);

    case TSC_EVENT_COLUMN_ANONYMOUS_ID:
      return text_or_dash (row->anonymous_id, empty);

    case TSC_EVENT_COLUMN_DEVICE:
      return text_or_dash (client_label (row), empty);

    case TSC_EVENT_COLUMN_FLAGS:
      if (row->n_flags == 0)
        return text_or_dash (NULL, empty);
      if (empty != NULL)
        *empty = FALSE;
      return g_strdup_printf ("%u", row->n_flags);

    case TSC_N_EVENT_COLUMNS:
    default:
      g_return_val_if_reached (NULL);
    }
}

/* ---------------------------------------------------------------------- */
/* Filtering                                                               */

/* ASCII case-insensitive, like SQLite's lower() in the payload search. */
static gboolean
contains_ascii_nocase (const char *haystack,
                       const char *needle,
                       gsize       needle_len)
{
  char first;

  if (haystack == NULL)
    return FALSE;

  first = g_ascii_tolower (needle[0]);
  for (const char *p = haystack; *p != '\0'; p++)
    {
      if (g_ascii_tolower (*p) == first && g_ascii_strncasecmp (p, needle, needle_len) == 0)
        return TRUE;
    }

  return FALSE;
}

static gboolean
text_is_seq (const char *text,
             gint64      seq)
{
  guint64 value;
  char *end = NULL;

  if (*text == '#')
    text++;
  if (!g_ascii_isdigit (*text))
    return FALSE;

  value = g_ascii_strtoull (text, &end, 10);
  return end != NULL && *end == '\0' && value == (guint64) seq;
}

/**
 * tsc_event_row_matches_text:
 * @text: what the user typed
 *
 * Whether @row's event or name, userId, anonymousId, messageId or
 * device holds @text, ignoring ASCII case, or @text is its sequence
 * number ("42" or "#42").
 */
gboolean
tsc_event_row_matches_text (const TscIndexRow *row,
                            const char        *text)
{
  gsize len;

  g_return_val_if_fail (row != NULL, FALSE);

  if (text == NULL || *text == '\0')
    return TRUE;

  len = strlen (text);
  return contains_ascii_nocase (row->label, text, len) ||
         contains_ascii_nocase (row->user_id, text, len) ||
         contains_ascii_nocase (row->anonymous_id, text, len) ||
         contains_ascii_nocase (row->message_id, text, len) ||
         contains_ascii_nocase (client_label (row), text, len) ||
         text_is_seq (text, row->seq);
}

static gboolean
seqs_contain (const gint64 *seqs,
              guint         n_seqs,
              gint64        seq)
{
  guint lo = 0;
  guint hi = n_seqs;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (seqs[mid] == seq)
        return TRUE;
      if (seqs[mid] < seq)
        lo = mid + 1;
      else
        hi = mid;
    }

  return FALSE;
}

/**
 * tsc_event_filter_is_empty:
 *
 * Whether @filter lets every row through (the list then needs no
 * filtering pass at all).
 */
gboolean
tsc_event_filter_is_empty (const TscEventFilter *filter)
{
  g_return_val_if_fail (filter != NULL, TRUE);

  return filter->types == 0 &&
         !filter->flagged_only &&
         (filter->search == NULL || *filter->search == '\0') &&
         filter->scope.client == NULL &&
         filter->scope.user_id == NULL;
}

/**
 * tsc_event_filter_matches:
 *
 * Whether the Events view shows @row under @filter: one of the chosen
 * types (any when none is chosen), flagged when only flagged rows are
 * asked for, in the sidebar's scope, and holding the search text in an
 * id, its name or (through @filter's payload seqs) its payload.
 */
gboolean
tsc_event_filter_matches (const TscEventFilter *filter,
                          const TscIndexRow    *row)
{
  g_return_val_if_fail (filter != NULL, TRUE);
  g_return_val_if_fail (row != NULL, FALSE);

  if (filter->types != 0 && (filter->types & TSC_EVENT_TYPE_BIT (row->type)) == 0)
    return FALSE;
  if (filter->flagged_only && row->n_flags == 0)
    return FALSE;
  if (!tsc_scope_matches (&filter->scope, row))
    return FALSE;
  if (filter->search != NULL && *filter->search != '\0')
    return tsc_event_row_matches_text (row, filter->search) ||
           seqs_contain (filter->payload_seqs, filter->n_payload_seqs, row->seq);

  return TRUE;
}

/**
 * tsc_event_format_count:
 *
 * Returns: (transfer full): "5,678 calls", or "1,234 of 5,678 calls"
 *   when a filter hides some (digits grouped as the locale does)
 */
char *
tsc_event_format_count (guint shown,
                        guint total)
{
  if (shown >= total)
    return g_strdup_printf (ngettext ("%'u call", "%'u calls", total), total);

  return g_strdup_printf (ngettext ("%'u of %'u call", "%'u of %'u calls", total), shown, total);
}

/* ---------------------------------------------------------------------- */
/* Payload search                                                          */

typedef struct
{
  char   *path;
  char   *text;
  gint64  after_seq;
  gint64  until_seq;
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_free (data->path);
  g_free (data->text);
  g_free (data);
}

static int
search_progress_cb (void *user_data)
{
  return g_cancellable_is_cancelled (user_data);
}

static void
search_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  static const char sql[] =
    "SELECT seq FROM messages WHERE seq > ?1 AND seq <= ?2"
    " AND instr(lower(CAST(raw AS TEXT)), lower(?3)) > 0 ORDER BY seq";
  SearchData *data = task_data;
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_open_v2 (data->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("Could not open “%s” to search payloads: %s"),
                               data->path, db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return;
    }

  sqlite3_busy_timeout (db, 2000);
  if (cancellable != NULL)
    sqlite3_progress_handler (db, 4096, search_progress_cb, cancellable);

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, data->after_seq);
      sqlite3_bind_int64 (stmt, 2, data->until_seq);
      sqlite3_bind_text (stmt, 3, data->text, -1, SQLITE_STATIC);

      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 seq = sqlite3_column_int64 (stmt, 0);

          g_array_append_val (seqs, seq);
        }
    }

  if (g_task_return_error_if_cancelled (task))
    ;
  else if (rc != SQLITE_DONE)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                             _("Could not search the payloads in “%s”: %s"),
                             data->path, sqlite3_errmsg (db));
  else
    g_task_return_pointer (task, g_steal_pointer (&seqs), (GDestroyNotify) g_array_unref);

  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/**
 * tsc_event_search_payloads_async:
 * @path: a session file
 * @text: what to look for, ignoring ASCII case
 * @after_seq: search the messages after this one...
 * @until_seq: ...up to this one, included
 *
 * Finds the messages whose raw bytes hold @text, reading @path through
 * a read-only connection of its own in a worker thread.
 */
void
tsc_event_search_payloads_async (const char          *path,
                                 const char          *text,
                                 gint64               after_seq,
                                 gint64               until_seq,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SearchData *data;

  g_return_if_fail (path != NULL);
  g_return_if_fail (text != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tsc_event_search_payloads_async);
  g_task_set_return_on_cancel (task, FALSE);

  data = g_new0 (SearchData, 1);
  data->path = g_strdup (path);
  data->text = g_strdup (text);
  data->after_seq = after_seq;
  data->until_seq = until_seq;
  g_task_set_task_data (task, data, (GDestroyNotify) search_data_free);

  g_task_run_in_thread (task, search_thread);
}

/**
 * tsc_event_search_payloads_finish:
 *
 * Returns: (transfer full) (element-type gint64): the matching seqs,
 *   ascending, or %NULL with @error set
 */
GArray *
tsc_event_search_payloads_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------------- */
/* Sort keys                                                               */

typedef struct
{
  gint64      num;
  const char *str;
  guint       position;
} SortKey;

/* Types sort by name: alias, group, identify, page, screen, track, then
 * calls of no known type. */
static const guint8 type_rank[] = {
  [TSC_MESSAGE_TYPE_UNKNOWN] = 6,
  [TSC_MESSAGE_TYPE_IDENTIFY] = 2,
  [TSC_MESSAGE_TYPE_TRACK] = 5,
  [TSC_MESSAGE_TYPE_PAGE] = 3,
  [TSC_MESSAGE_TYPE_SCREEN] = 4,
  [TSC_MESSAGE_TYPE_GROUP] = 1,
  [TSC_MESSAGE_TYPE_ALIAS] = 0,
};

static void
sort_key_init (SortKey           *key,
               TscEventColumn     column,
               const TscIndexRow *row,
               guint              position)
{
  key->num = 0;
  key->str = NULL;
  key->position = position;

  switch (column)
    {
    case TSC_EVENT_COLUMN_SEQ:
      key->num = row->seq;
      break;
    case TSC_EVENT_COLUMN_TIME:
      key->num = row->time;
      break;
    case TSC_EVENT_COLUMN_TYPE:
      key->num = row->type < G_N_ELEMENTS (type_rank) ? type_rank[row->type] : G_N_ELEMENTS (type_rank);
      break;
    case TSC_EVENT_COLUMN_NAME:
      key->str = row->label;
      break;
    case TSC_EVENT_COLUMN_USER_ID:
      key->str = row->user_id;
      break;
    case TSC_EVENT_COLUMN_ANONYMOUS_ID:
      key->str = row->anonymous_id;
      break;
    case TSC_EVENT_COLUMN_DEVICE:
      key->str = client_label (row);
      break;
    case TSC_EVENT_COLUMN_FLAGS:
    case TSC_N_EVENT_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
column_has_string_key (TscEventColumn column)
{
  return column == TSC_EVENT_COLUMN_NAME ||
         column == TSC_EVENT_COLUMN_USER_ID ||
         column == TSC_EVENT_COLUMN_ANONYMOUS_ID ||
         column == TSC_EVENT_COLUMN_DEVICE;
}

/* Ascending, empty values last, ties by position: a total order. */
static int
compare_keys (const SortKey *a,
              const SortKey *b,
              gboolean       strings)
{
  if (strings && a->str != b->str)
    {
      int cmp;

      if (a->str == NULL)
        return 1;
      if (b->str == NULL)
        return -1;
      cmp = g_ascii_strcasecmp (a->str, b->str);
      if (cmp == 0)
        cmp = strcmp (a->str, b->str);
      if (cmp != 0)
        return cmp;
    }
  else if (!strings && a->num != b->num)
    {
      return a->num < b->num ? -1 : 1;
    }

  return a->position < b->position ? -1 : a->position > b->position;
}

static int
compare_keys_cb (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return compare_keys (a, b, GPOINTER_TO_INT (user_data));
}

/* ---------------------------------------------------------------------- */
/* TscEventItem                                                            */

struct _TscEventItem
{
  GObject          parent_instance;

  TscMessageIndex *index;     /* keeps the row's strings alive */
  guint            position;  /* the row in @index */
};

G_DEFINE_FINAL_TYPE (TscEventItem, tsc_event_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_SEQ,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

static TscEventItem *
tsc_event_item_new (TscMessageIndex *index,
                    guint            position)
{
  TscEventItem *self = (TscEventItem *) g_object_new_with_properties (TSC_TYPE_EVENT_ITEM, 0, NULL, NULL);

  self->index = g_object_ref (index);
  self->position = position;
  return self;
}

/**
 * tsc_event_item_get_row:
 *
 * Returns: (transfer none): the item's row, as it is now (its flags may
 *   grow); valid until the index grows, so read it and let it go
 */
const TscIndexRow *
tsc_event_item_get_row (TscEventItem *self)
{
  g_return_val_if_fail (TSC_IS_EVENT_ITEM (self), NULL);

  if (self->index == NULL)
    return NULL;
  return tsc_message_index_get_row (self->index, self->position);
}

guint
tsc_event_item_get_position (TscEventItem *self)
{
  g_return_val_if_fail (TSC_IS_EVENT_ITEM (self), 0);
  return self->position;
}

gint64
tsc_event_item_get_seq (TscEventItem *self)
{
  const TscIndexRow *row;

  g_return_val_if_fail (TSC_IS_EVENT_ITEM (self), 0);

  row = tsc_event_item_get_row (self);
  return row ? row->seq : 0;
}

/**
 * tsc_event_item_get_column_text:
 * @empty: (out) (optional): see tsc_event_row_get_column_text()
 *
 * Returns: (transfer full): what the item shows in @column
 */
char *
tsc_event_item_get_column_text (TscEventItem   *self,
                                TscEventColumn  column,
                                gboolean       *empty)
{
  const TscIndexRow *row;

  g_return_val_if_fail (TSC_IS_EVENT_ITEM (self), NULL);

  row = tsc_event_item_get_row (self);
  g_return_val_if_fail (row != NULL, NULL);
  return tsc_event_row_get_column_text (row, column, empty);
}

static void
tsc_event_item_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TscEventItem *self = TSC_EVENT_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_SEQ:
      g_value_set_int64 (value, tsc_event_item_get_seq (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_event_item_finalize (GObject *object)
{
  TscEventItem *self = (TscEventItem *) object;

  g_clear_object (&self->index);

  G_OBJECT_CLASS (tsc_event_item_parent_class)->finalize (object);
}

static void
tsc_event_item_class_init (TscEventItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = tsc_event_item_get_property;
  object_class->finalize = tsc_event_item_finalize;

  item_properties[ITEM_PROP_SEQ] =
    g_param_spec_int64 ("seq", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
tsc_event_item_init (TscEventItem *self)
{
}

/* ---------------------------------------------------------------------- */
/* TscEventList                                                            */

struct _TscEventList
{
  GObject          parent_instance;

  TscSession      *session;
  TscMessageIndex *index;
  guint            n_rows;         /* the rows shown: the index may be ahead inside a flush */

  TscEventColumn   sort_column;
  gboolean         descending;
  GArray          *order;          /* guint: row positions in list order; NULL in seq order */

  const guint     *unannounced;    /* merged rows' places, ascending, while announcing them */
  guint            n_unannounced;

  GCancellable    *sort_cancellable;  /* a sort running in a worker */
  TscEventColumn   pending_column;
  gboolean         pending_descending;
};

static void tsc_event_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TscEventList, tsc_event_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, tsc_event_list_model_init))

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SORTING,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
tsc_event_list_get_item_type (GListModel *model)
{
  return TSC_TYPE_EVENT_ITEM;
}

static guint
tsc_event_list_get_n_items (GListModel *model)
{
  TscEventList *self = TSC_EVENT_LIST (model);

  return self->n_rows - self->n_unannounced;
}

static guint
row_at (TscEventList *self,
        guint         position)
{
  if (self->order != NULL)
    {
      /* While a merge is announced, rows not announced yet are skipped. */
      for (guint i = 0; i < self->n_unannounced && self->unannounced[i] <= position; i++)
        position++;
      return g_array_index (self->order, guint, position);
    }
  if (self->descending)
    return self->n_rows - 1 - position;
  return position;
}

static gpointer
tsc_event_list_get_item (GListModel *model,
                         guint       position)
{
  TscEventList *self = TSC_EVENT_LIST (model);

  if (position >= self->n_rows - self->n_unannounced)
    return NULL;

  return tsc_event_item_new (self->index, row_at (self, position));
}

static void
tsc_event_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = tsc_event_list_get_item_type;
  iface->get_n_items = tsc_event_list_get_n_items;
  iface->get_item = tsc_event_list_get_item;
}

static void
emit_items_changed (TscEventList *self,
                    guint         position,
                    guint         removed,
                    guint         added)
{
  if (removed == 0 && added == 0)
    return;

  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Shows the list in a new order (or from a new index) as two emissions,
 * everything removed, then everything added. In one emission GTK 4.8's
 * list item manager, finding a row it tracks (the anchor, the focus)
 * among the removed ones, looks for it by identity among every added
 * item: with items built on demand that would build all of them, a
 * second per 500,000 rows. Two emissions cost it the visible rows. */
static void
replace_all (TscEventList *self,
             guint         old_n)
{
  guint new_n = self->n_rows;

  self->n_rows = 0;
  emit_items_changed (self, 0, old_n, 0);
  self->n_rows = new_n;
  emit_items_changed (self, 0, 0, new_n);
}

/**
 * tsc_event_list_compare:
 * @row_a: a row position in the index
 * @row_b: another
 *
 * Returns: < 0 when @row_a comes before @row_b in the list's order,
 *   > 0 when after, 0 when they are the same row
 */
int
tsc_event_list_compare (TscEventList *self,
                        guint         row_a,
                        guint         row_b)
{
  SortKey a, b;
  int cmp;

  g_return_val_if_fail (TSC_IS_EVENT_LIST (self), 0);

  if (self->sort_column == TSC_EVENT_COLUMN_SEQ)
    cmp = row_a < row_b ? -1 : row_a > row_b;
  else
    {
      sort_key_init (&a, self->sort_column, tsc_message_index_get_row (self->index, row_a), row_a);
      sort_key_init (&b, self->sort_column, tsc_message_index_get_row (self->index, row_b), row_b);
      cmp = compare_keys (&a, &b, column_has_string_key (self->sort_column));
    }

  return self->descending ? -cmp : cmp;
}

/* Where row @row is in a sorted @order: a binary search with the list's
 * own comparison. */
static gboolean
find_in_order (TscEventList *self,
               guint         row,
               guint        *position)
{
  guint lo = 0;
  guint hi = self->order->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      int cmp = tsc_event_list_compare (self, g_array_index (self->order, guint, mid), row);

      if (cmp == 0)
        {
          *position = mid;
          for (guint i = 0; i < self->n_unannounced && self->unannounced[i] <= mid; i++)
            {
              if (self->unannounced[i] == mid)
                return FALSE;
              (*position)--;
            }
          return TRUE;
        }
      if (cmp < 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  return FALSE;
}

static gboolean
find_row (TscEventList *self,
          guint         row,
          guint        *position)
{
  if (row >= self->n_rows)
    return FALSE;
  if (self->order != NULL)
    return find_in_order (self, row, position);

  *position = self->descending ? self->n_rows - 1 - row : row;
  return TRUE;
}

/**
 * tsc_event_list_find_seq:
 * @position: (out) (optional): where message @seq is in the list
 *
 * Returns: whether the list has message @seq
 */
gboolean
tsc_event_list_find_seq (TscEventList *self,
                         gint64        seq,
                         guint        *position)
{
  guint row, found;

  g_return_val_if_fail (TSC_IS_EVENT_LIST (self), FALSE);

  if (!tsc_message_index_find_seq (self->index, seq, &row) || !find_row (self, row, &found))
    return FALSE;

  if (position != NULL)
    *position = found;
  return TRUE;
}

static int
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint ua = *(const guint *) a;
  guint ub = *(const guint *) b;

  return ua < ub ? -1 : ua > ub;
}

static int
compare_rows_cb (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return tsc_event_list_compare (user_data, *(const guint *) a, *(const guint *) b);
}

/* Merges the rows [@first_row, @end_row) into the sorted order; returns
 * their places in it, ascending. */
static GArray *
merge_rows (TscEventList *self,
            guint         first_row,
            guint         end_row)
{
  guint n_added = end_row - first_row;
  guint n_old = self->order->len;
  GArray *places = g_array_sized_new (FALSE, FALSE, sizeof (guint), n_added);
  g_autofree guint *added = NULL;
  gint64 i, j, w;

  added = g_new (guint, n_added);
  for (guint k = 0; k < n_added; k++)
    added[k] = first_row + k;
  g_qsort_with_data (added, n_added, sizeof (guint), compare_rows_cb, self);

  g_array_set_size (self->order, n_old + n_added);
  g_array_set_size (places, n_added);
  i = (gint64) n_old - 1;
  j = (gint64) n_added - 1;
  w = (gint64) n_old + n_added - 1;
  while (j >= 0)
    {
      if (i >= 0 && tsc_event_list_compare (self, g_array_index (self->order, guint, i), added[j]) > 0)
        g_array_index (self->order, guint, w--) = g_array_index (self->order, guint, i--);
      else
        {
          g_array_index (places, guint, j) = (guint) w;
          g_array_index (self->order, guint, w--) = added[j--];
        }
    }

  return places;
}

/* Shows the rows the index gained. In seq order that is one
 * items_changed at the end (or the start); @near_row is the first older
 * row whose flags changed and that is refreshed along, or G_MAXUINT.
 *
 * Sorted by another column, the batch lands all over the list: one
 * items_changed from the first new row to the end would be simpler,
 * but GTK 4.8's list item manager then looks for its tracked rows among
 * every "added" row (see replace_all()), every frame. So each run of
 * new rows is announced on its own, lowest first, the list hiding the
 * rows not announced yet. */
static void
append_rows (TscEventList *self,
             guint         near_row)
{
  guint old_n = self->n_rows;
  guint new_n = tsc_message_index_get_n_rows (self->index);
  guint first;

  if (new_n <= old_n)
    return;

  if (self->order != NULL)
    {
      g_autoptr(GArray) places = merge_rows (self, old_n, new_n);

      self->n_rows = new_n;
      self->unannounced = (const guint *) (gpointer) places->data;
      self->n_unannounced = places->len;
      while (self->n_unannounced > 0)
        {
          guint start = self->unannounced[0];
          guint len = 1;

          while (len < self->n_unannounced && self->unannounced[len] == start + len)
            len++;

          self->unannounced += len;
          self->n_unannounced -= len;
          g_list_model_items_changed (G_LIST_MODEL (self), start, 0, len);
        }
      self->unannounced = NULL;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  else if (self->descending)
    {
      self->n_rows = new_n;
      emit_items_changed (self, 0, 0, new_n - old_n);
    }
  else
    {
      self->n_rows = new_n;
      first = MIN (near_row, old_n);
      emit_items_changed (self, first, old_n - first, new_n - first);
    }
}

/**
 * tsc_event_list_rows_changed:
 * @seqs: (array length=n_seqs): messages whose row changed (flags)
 *
 * Has the list show @seqs again, with as few items_changed as the
 * runs of their positions.
 */
void
tsc_event_list_rows_changed (TscEventList *self,
                             const gint64 *seqs,
                             guint         n_seqs)
{
  g_autoptr(GArray) positions = NULL;
  guint start, len;

  g_return_if_fail (TSC_IS_EVENT_LIST (self));

  positions = g_array_sized_new (FALSE, FALSE, sizeof (guint), n_seqs);
  for (guint i = 0; i < n_seqs; i++)
    {
      guint position;

      if (tsc_event_list_find_seq (self, seqs[i], &position))
        g_array_append_val (positions, position);
    }
  if (positions->len == 0)
    return;

  g_array_sort (positions, compare_uint);

  start = g_array_index (positions, guint, 0);
  len = 1;
  for (guint i = 1; i <= positions->len; i++)
    {
      guint position = i < positions->len ? g_array_index (positions, guint, i) : G_MAXUINT;

      if (position == start + len - 1)
        continue;
      if (position == start + len)
        {
          len++;
          continue;
        }
      emit_items_changed (self, start, len, len);
      start = position;
      len = 1;
    }
}

static void
cancel_sort (TscEventList *self)
{
  gboolean was_sorting = self->sort_cancellable != NULL;

  g_cancellable_cancel (self->sort_cancellable);
  g_clear_object (&self->sort_cancellable);
  if (was_sorting)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORTING]);
}

static void start_sort (TscEventList   *self,
                        TscEventColumn  column,
                        gboolean        descending);

/* The session loaded a file: a new index with every row new. */
static void
reset_index (TscEventList *self)
{
  guint old_n = self->n_rows;
  TscEventColumn column = self->sort_column;
  gboolean descending = self->descending;

  cancel_sort (self);
  g_set_object (&self->index, tsc_session_get_index (self->session));
  g_clear_pointer (&self->order, g_array_unref);
  self->sort_column = TSC_EVENT_COLUMN_SEQ;
  self->descending = column == TSC_EVENT_COLUMN_SEQ && descending;
  self->n_rows = tsc_message_index_get_n_rows (self->index);
  replace_all (self, old_n);

  if (column != TSC_EVENT_COLUMN_SEQ)
    start_sort (self, column, descending);
}

static void
on_session_messages_added_cb (TscSession   *session,
                              guint         position,
                              guint         n_added,
                              GPtrArray    *flags,
                              TscEventList *self)
{
  g_autoptr(GArray) older = NULL;
  guint near_row = G_MAXUINT;
  gint64 first_new_seq;

  if (tsc_session_get_index (session) != self->index)
    {
      reset_index (self);
      return;
    }

  if (tsc_message_index_get_n_rows (self->index) <= self->n_rows)
    return;

  /* Flags can also land on earlier calls (the identify a logout without
   * reset leaked from): those rows show them too. */
  first_new_seq = tsc_message_index_get_row (self->index, self->n_rows)->seq;
  older = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; flags != NULL && i < flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);

      for (guint k = 0; k < flag->seqs->len; k++)
        {
          gint64 seq = g_array_index (flag->seqs, gint64, k);
          guint row;

          if (seq >= first_new_seq || !tsc_message_index_find_seq (self->index, seq, &row))
            continue;

          if (self->order == NULL && !self->descending && row + NEAR_ROWS >= self->n_rows)
            near_row = MIN (near_row, row);
          else
            g_array_append_val (older, seq);
        }
    }

  append_rows (self, near_row);
  if (older->len > 0)
    tsc_event_list_rows_changed (self, (const gint64 *) (gpointer) older->data, older->len);
}

/* ---------------------------------------------------------------------- */
/* Sorting                                                                 */

typedef struct
{
  TscMessageIndex *index;      /* keeps the key strings alive */
  TscEventColumn   column;
  gboolean         descending;
  GArray          *keys;       /* SortKey */
} SortJob;

static void
sort_job_free (SortJob *job)
{
  g_clear_object (&job->index);
  g_clear_pointer (&job->keys, g_array_unref);
  g_free (job);
}

static void
sort_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SortJob *job = task_data;
  GArray *order;
  guint n = job->keys->len;

  g_qsort_with_data (job->keys->data, n, sizeof (SortKey), compare_keys_cb,
                     GINT_TO_POINTER (column_has_string_key (job->column)));

  if (g_task_return_error_if_cancelled (task))
    return;

  order = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  g_array_set_size (order, n);
  for (guint i = 0; i < n; i++)
    {
      guint from = job->descending ? n - 1 - i : i;

      g_array_index (order, guint, i) = g_array_index (job->keys, SortKey, from).position;
    }

  g_task_return_pointer (task, order, (GDestroyNotify) g_array_unref);
}

static void
sort_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  TscEventList *self = TSC_EVENT_LIST (object);
  SortJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GArray) order = NULL;
  guint old_n, sorted_n;

  order = g_task_propagate_pointer (G_TASK (result), NULL);
  if (order == NULL || job->index != self->index ||
      g_task_get_cancellable (G_TASK (result)) != self->sort_cancellable)
    return;

  g_clear_object (&self->sort_cancellable);

  old_n = self->n_rows;
  sorted_n = order->len;

  g_clear_pointer (&self->order, g_array_unref);
  self->order = g_steal_pointer (&order);
  self->sort_column = job->column;
  self->descending = job->descending;

  /* Rows that came while the worker sorted join in their place. */
  if (sorted_n < old_n)
    g_array_unref (merge_rows (self, sorted_n, old_n));

  replace_all (self, old_n);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORTING]);
}

static void
start_sort (TscEventList   *self,
            TscEventColumn  column,
            gboolean        descending)
{
  g_autoptr(GTask) task = NULL;
  SortJob *job;
  gboolean was_sorting = self->sort_cancellable != NULL;

  g_cancellable_cancel (self->sort_cancellable);
  g_clear_object (&self->sort_cancellable);
  self->sort_cancellable = g_cancellable_new ();
  self->pending_column = column;
  self->pending_descending = descending;

  /* A copy of the keys (the index's array moves as it grows; its
   * strings do not), sorted in a worker. */
  job = g_new0 (SortJob, 1);
  job->index = g_object_ref (self->index);
  job->column = column;
  job->descending = descending;
  job->keys = g_array_sized_new (FALSE, FALSE, sizeof (SortKey), self->n_rows);
  g_array_set_size (job->keys, self->n_rows);
  for (guint i = 0; i < self->n_rows; i++)
    sort_key_init (&g_array_index (job->keys, SortKey, i), column,
                   tsc_message_index_get_row (self->index, i), i);

  task = g_task_new (self, self->sort_cancellable, sort_done_cb, NULL);
  g_task_set_source_tag (task, start_sort);
  g_task_set_task_data (task, job, (GDestroyNotify) sort_job_free);
  g_task_run_in_thread (task, sort_thread);

  if (!was_sorting)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORTING]);
}

/**
 * tsc_event_list_column_can_sort:
 *
 * Whether the list can be sorted by @column (every column but the
 * flags, which change after the fact).
 */
gboolean
tsc_event_list_column_can_sort (TscEventColumn column)
{
  return column < TSC_N_EVENT_COLUMNS && column != TSC_EVENT_COLUMN_FLAGS;
}

/**
 * tsc_event_list_set_sort:
 *
 * Orders the list by @column. Seq order, either way, and reversing the
 * current order are immediate; other orders are sorted in a worker
 * thread (TscEventList:sorting) and replace the list when ready.
 */
void
tsc_event_list_set_sort (TscEventList   *self,
                         TscEventColumn  column,
                         gboolean        descending)
{
  g_return_if_fail (TSC_IS_EVENT_LIST (self));
  g_return_if_fail (tsc_event_list_column_can_sort (column));

  descending = !!descending;

  if (self->sort_cancellable != NULL)
    {
      if (self->pending_column == column && self->pending_descending == descending)
        return;
      cancel_sort (self);
    }

  if (self->sort_column == column && self->descending == descending)
    return;

  if (column == TSC_EVENT_COLUMN_SEQ)
    {
      g_clear_pointer (&self->order, g_array_unref);
    }
  else if (self->sort_column != column || self->order == NULL)
    {
      start_sort (self, column, descending);
      return;
    }
  else
    {
      /* The same column the other way: the order, reversed. */
      guint *data = (guint *) (gpointer) self->order->data;

      for (guint i = 0, j = self->order->len; i + 1 < j; i++, j--)
        {
          guint tmp = data[i];

          data[i] = data[j - 1];
          data[j - 1] = tmp;
        }
    }

  self->sort_column = column;
  self->descending = descending;
  replace_all (self, self->n_rows);
}

TscEventColumn
tsc_event_list_get_sort_column (TscEventList *self)
{
  g_return_val_if_fail (TSC_IS_EVENT_LIST (self), TSC_EVENT_COLUMN_SEQ);
  return self->sort_column;
}

gboolean
tsc_event_list_get_sort_descending (TscEventList *self)
{
  g_return_val_if_fail (TSC_IS_EVENT_LIST (self), FALSE);
  return self->descending;
}

/**
 * tsc_event_list_get_sorting:
 *
 * Whether a sort is running in a worker thread.
 */
gboolean
tsc_event_list_get_sorting (TscEventList *self)
{
  g_return_val_if_fail (TSC_IS_EVENT_LIST (self), FALSE);
  return self->sort_cancellable != NULL;
}

TscSession *
tsc_event_list_get_session (TscEventList *self)
{
  g_return_val_if_fail (TSC_IS_EVENT_LIST (self), NULL);
  return self->session;
}

TscMessageIndex *
tsc_event_list_get_index (TscEventList *self)
{
  g_return_val_if_fail (TSC_IS_EVENT_LIST (self), NULL);
  return self->index;
}

static void
tsc_event_list_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TscEventList *self = TSC_EVENT_LIST (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SORTING:
      g_value_set_boolean (value, tsc_event_list_get_sorting (self));
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_rows);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_event_list_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TscEventList *self = TSC_EVENT_LIST (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_event_list_constructed (GObject *object)
{
  TscEventList *self = (TscEventList *) object;

  G_OBJECT_CLASS (tsc_event_list_parent_class)->constructed (object);

  g_assert (TSC_IS_SESSION (self->session));

  self->index = g_object_ref (tsc_session_get_index (self->session));
  self->n_rows = tsc_message_index_get_n_rows (self->index);
  g_signal_connect_object (self->session, "messages-added",
                           G_CALLBACK (on_session_messages_added_cb), self, 0);
}

static void
tsc_event_list_dispose (GObject *object)
{
  TscEventList *self = (TscEventList *) object;

  g_cancellable_cancel (self->sort_cancellable);
  g_clear_object (&self->sort_cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tsc_event_list_parent_class)->dispose (object);
}

static void
tsc_event_list_finalize (GObject *object)
{
  TscEventList *self = (TscEventList *) object;

  g_clear_pointer (&self->order, g_array_unref);
  g_clear_object (&self->index);

  G_OBJECT_CLASS (tsc_event_list_parent_class)->finalize (object);
}

static void
tsc_event_list_class_init (TscEventListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tsc_event_list_constructed;
  object_class->get_property = tsc_event_list_get_property;
  object_class->set_property = tsc_event_list_set_property;
  object_class->dispose = tsc_event_list_dispose;
  object_class->finalize = tsc_event_list_finalize;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, TSC_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SORTING] =
    g_param_spec_boolean ("sorting", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tsc_event_list_init (TscEventList *self)
{
  self->sort_column = TSC_EVENT_COLUMN_SEQ;
}

/**
 * tsc_event_list_new:
 *
 * Returns: (transfer full): a list of @session's messages in seq
 *   order, following the session as calls arrive
 */
TscEventList *
tsc_event_list_new (TscSession *session)
{
  g_return_val_if_fail (TSC_IS_SESSION (session), NULL);

  return g_object_new (TSC_TYPE_EVENT_LIST, "session", session, NULL);
}

/* ---------------------------------------------------------------------- */
/* TscEventSorter                                                          */

struct _TscEventSorter
{
  GtkSorter       parent_instance;

  TscEventColumn  column;
};

G_DEFINE_FINAL_TYPE (TscEventSorter, tsc_event_sorter, GTK_TYPE_SORTER)

/* Set while tsc_event_sorter_get_primary() asks a GtkColumnView's sorter
 * which column sorter it consults first (UI thread only). */
static TscEventColumn *probe_hit;

static GtkOrdering
tsc_event_sorter_compare (GtkSorter *sorter,
                          gpointer   item1,
                          gpointer   item2)
{
  TscEventSorter *self = TSC_EVENT_SORTER (sorter);
  const TscIndexRow *row1, *row2;
  SortKey a, b;

  if (probe_hit != NULL)
    {
      if (*probe_hit == TSC_N_EVENT_COLUMNS)
        *probe_hit = self->column;
      return GTK_ORDERING_SMALLER;
    }

  row1 = TSC_IS_EVENT_ITEM (item1) ? tsc_event_item_get_row (item1) : NULL;
  row2 = TSC_IS_EVENT_ITEM (item2) ? tsc_event_item_get_row (item2) : NULL;
  if (row1 == NULL || row2 == NULL || !tsc_event_list_column_can_sort (self->column))
    return GTK_ORDERING_EQUAL;

  sort_key_init (&a, self->column, row1, 0);
  sort_key_init (&b, self->column, row2, 0);
  return gtk_ordering_from_cmpfunc (compare_keys (&a, &b, column_has_string_key (self->column)));
}

static GtkSorterOrder
tsc_event_sorter_get_order (GtkSorter *sorter)
{
  return GTK_SORTER_ORDER_PARTIAL;
}

static void
tsc_event_sorter_class_init (TscEventSorterClass *klass)
{
  GtkSorterClass *sorter_class = GTK_SORTER_CLASS (klass);

  sorter_class->compare = tsc_event_sorter_compare;
  sorter_class->get_order = tsc_event_sorter_get_order;
}

static void
tsc_event_sorter_init (TscEventSorter *self)
{
}

/**
 * tsc_event_sorter_new:
 *
 * Returns: (transfer full): a sorter comparing TscEventItems by @column
 */
GtkSorter *
tsc_event_sorter_new (TscEventColumn column)
{
  TscEventSorter *self;

  g_return_val_if_fail (column < TSC_N_EVENT_COLUMNS, NULL);

  self = g_object_new (TSC_TYPE_EVENT_SORTER, NULL);
  self->column = column;
  return GTK_SORTER (self);
}

TscEventColumn
tsc_event_sorter_get_column (TscEventSorter *self)
{
  g_return_val_if_fail (TSC_IS_EVENT_SORTER (self), TSC_EVENT_COLUMN_SEQ);
  return self->column;
}

/**
 * tsc_event_sorter_get_primary:
 * @sorter: a GtkColumnView's sorter, over columns with TscEventSorters
 * @column: (out): the column it sorts by first
 * @descending: (out): whether that column is sorted descending
 *
 * GTK 4.8 does not say which column a GtkColumnView sorts by; its
 * sorter consults its columns' sorters in order, inverted when
 * descending, so asking it to compare once tells.
 *
 * Returns: %FALSE when no TscEventSorter column sorts
 */
gboolean
tsc_event_sorter_get_primary (GtkSorter      *sorter,
                              TscEventColumn *column,
                              gboolean       *descending)
{
  g_autoptr(GObject) a = NULL;
  g_autoptr(GObject) b = NULL;
  TscEventColumn hit = TSC_N_EVENT_COLUMNS;
  GtkOrdering result;

  g_return_val_if_fail (GTK_IS_SORTER (sorter), FALSE);
  g_return_val_if_fail (probe_hit == NULL, FALSE);

  a = g_object_new (TSC_TYPE_EVENT_ITEM, NULL);
  b = g_object_new (TSC_TYPE_EVENT_ITEM, NULL);

  probe_hit = &hit;
  result = gtk_sorter_compare (sorter, a, b);
  probe_hit = NULL;

  if (hit == TSC_N_EVENT_COLUMNS)
    return FALSE;

  *column = hit;
  *descending = result == GTK_ORDERING_LARGER;
  return TRUE;
}
