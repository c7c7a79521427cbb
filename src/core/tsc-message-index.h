/* tsc-message-index.h: a compact, append-only table of every message
 * for lists and timelines: what a row shows, not the payload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "tsc-identity-model.h"
#include "tsc-message.h"
#include "tsc-rules.h"

G_BEGIN_DECLS

typedef struct
{
  gint64           seq;
  gint64           received_at;   /* µs, 0 when unknown */
  gint64           time;          /* the corrected (client) time, µs; the timeline's axis */
  gint64           request_id;
  const char      *message_id;    /* interned; the strings live as long as the index */
  const char      *label;         /* event or name, interned, or NULL */
  const char      *user_id;       /* interned, or NULL */
  const char      *anonymous_id;  /* interned, or NULL */
  const TscClient *client;        /* the identity model's, or NULL */
  guint8           type;          /* TscMessageType */
  guint8           severity;      /* the worst TscSeverity of its flags */
  guint16          n_flags;
} TscIndexRow;

#define TSC_TYPE_MESSAGE_INDEX (tsc_message_index_get_type ())
G_DECLARE_FINAL_TYPE (TscMessageIndex, tsc_message_index, TSC, MESSAGE_INDEX, GObject)

TscMessageIndex   *tsc_message_index_new        (void);
guint              tsc_message_index_append     (TscMessageIndex  *self,
                                                 TscMessage       *message,
                                                 const TscClient  *client);
void               tsc_message_index_add_flag   (TscMessageIndex  *self,
                                                 gint64            seq,
                                                 TscSeverity       severity);
guint              tsc_message_index_get_n_rows (TscMessageIndex  *self);
const TscIndexRow *tsc_message_index_get_row    (TscMessageIndex  *self,
                                                 guint             position);
gboolean           tsc_message_index_find_seq   (TscMessageIndex  *self,
                                                 gint64            seq,
                                                 guint            *position);
guint              tsc_message_index_find_time  (TscMessageIndex  *self,
                                                 gint64            time);

G_END_DECLS
