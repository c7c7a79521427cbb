/* tsc-message-index.c
 *
 * One packed row per message (about 90 bytes with its strings interned)
 * instead of a parsed JSON tree or a GObject: a session of a million
 * messages fits in memory, and list rows are built from it lazily. Rows
 * are appended in receive order; seqs increase, so a seq is found by
 * binary search.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-message-index"

#include "config.h"

#include "tsc-message-index.h"

struct _TscMessageIndex
{
  GObject       parent_instance;

  GArray       *rows;      /* TscIndexRow */
  GStringChunk *strings;
};

G_DEFINE_FINAL_TYPE (TscMessageIndex, tsc_message_index, G_TYPE_OBJECT)

static const char *
intern (TscMessageIndex *self,
        const char      *text)
{
  return text ? g_string_chunk_insert_const (self->strings, text) : NULL;
}

/**
 * tsc_message_index_append:
 * @client: (nullable): the client the identity model gave @message
 *
 * Returns: the position of the new row
 */
guint
tsc_message_index_append (TscMessageIndex *self,
                          TscMessage      *message,
                          const TscClient *client)
{
  TscIndexRow row = { 0 };

  g_return_val_if_fail (TSC_IS_MESSAGE_INDEX (self), 0);
  g_return_val_if_fail (message != NULL, 0);
  g_return_val_if_fail (self->rows->len == 0 ||
                        message->seq > g_array_index (self->rows, TscIndexRow, self->rows->len - 1).seq,
                        self->rows->len);

  row.seq = message->seq;
  row.received_at = message->received_at;
  row.time = message->corrected_at ? message->corrected_at : message->received_at;
  row.request_id = message->transport ? message->transport->request_id : 0;
  row.message_id = intern (self, message->message_id);
  row.label = intern (self, tsc_message_get_label (message));
  row.user_id = intern (self, message->user_id);
  row.anonymous_id = intern (self, message->anonymous_id);
  row.client = client;
  row.type = message->type;

  g_array_append_val (self->rows, row);
  return self->rows->len - 1;
}

/**
 * tsc_message_index_add_flag:
 *
 * Counts a flag on message @seq and keeps its worst severity.
 */
void
tsc_message_index_add_flag (TscMessageIndex *self,
                            gint64           seq,
                            TscSeverity      severity)
{
  guint position;
  TscIndexRow *row;

  g_return_if_fail (TSC_IS_MESSAGE_INDEX (self));

  if (!tsc_message_index_find_seq (self, seq, &position))
    return;

  row = &g_array_index (self->rows, TscIndexRow, position);
  row->severity = MAX (row->severity, severity);
  if (row->n_flags < G_MAXUINT16)
    row->n_flags++;
}

guint
tsc_message_index_get_n_rows (TscMessageIndex *self)
{
  g_return_val_if_fail (TSC_IS_MESSAGE_INDEX (self), 0);
  return self->rows->len;
}

const TscIndexRow *
tsc_message_index_get_row (TscMessageIndex *self,
                           guint            position)
{
  g_return_val_if_fail (TSC_IS_MESSAGE_INDEX (self), NULL);
  g_return_val_if_fail (position < self->rows->len, NULL);
  return &g_array_index (self->rows, TscIndexRow, position);
}

gboolean
tsc_message_index_find_seq (TscMessageIndex *self,
                            gint64           seq,
                            guint           *position)
{
  guint lo = 0;
  guint hi;

  g_return_val_if_fail (TSC_IS_MESSAGE_INDEX (self), FALSE);

  hi = self->rows->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      gint64 at = g_array_index (self->rows, TscIndexRow, mid).seq;

      if (at == seq)
        {
          if (position != NULL)
            *position = mid;
          return TRUE;
        }
      if (at < seq)
        lo = mid + 1;
      else
        hi = mid;
    }

  return FALSE;
}

/**
 * tsc_message_index_find_time:
 *
 * Returns: the first position whose receive time is at or after @time
 *   (rows are in receive order, so receive times only grow)
 */
guint
tsc_message_index_find_time (TscMessageIndex *self,
                             gint64           time)
{
  guint lo = 0;
  guint hi;

  g_return_val_if_fail (TSC_IS_MESSAGE_INDEX (self), 0);

  hi = self->rows->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->rows, TscIndexRow, mid).received_at < time)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

static void
tsc_message_index_finalize (GObject *object)
{
  TscMessageIndex *self = (TscMessageIndex *) object;

  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->strings, g_string_chunk_free);

  G_OBJECT_CLASS (tsc_message_index_parent_class)->finalize (object);
}

static void
tsc_message_index_class_init (TscMessageIndexClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tsc_message_index_finalize;
}

static void
tsc_message_index_init (TscMessageIndex *self)
{
  self->rows = g_array_new (FALSE, FALSE, sizeof (TscIndexRow));
  self->strings = g_string_chunk_new (64 * 1024);
}

TscMessageIndex *
tsc_message_index_new (void)
{
  return g_object_new (TSC_TYPE_MESSAGE_INDEX, NULL);
}
