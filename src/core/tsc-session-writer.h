/* tsc-session-writer.h: appends to a session file from its own thread,
 * sharing commits between concurrent requests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tsc-session-store.h"

G_BEGIN_DECLS

/**
 * TscSessionWriterFunc:
 * @record: the request, with its id set when stored
 * @messages: (element-type TscMessage) (nullable): its messages, with
 *   their sequence numbers set when stored
 * @error: (nullable): why nothing of the request was stored
 *
 * Called in the #GMainContext given to tsc_session_writer_submit() once
 * the request is durable in the file (or failed).
 */
typedef void (*TscSessionWriterFunc) (TscRequestRecord *record,
                                      GPtrArray        *messages,
                                      const GError     *error,
                                      gpointer          user_data);

#define TSC_TYPE_SESSION_WRITER (tsc_session_writer_get_type ())
G_DECLARE_FINAL_TYPE (TscSessionWriter, tsc_session_writer, TSC, SESSION_WRITER, GObject)

TscSessionWriter *tsc_session_writer_new          (TscSessionStore      *store);
const char       *tsc_session_writer_get_path     (TscSessionWriter     *self);
void              tsc_session_writer_submit       (TscSessionWriter     *self,
                                                   TscRequestRecord     *record,
                                                   GPtrArray            *messages,
                                                   GMainContext         *context,
                                                   TscSessionWriterFunc  func,
                                                   gpointer              user_data);
gboolean          tsc_session_writer_set_upstream (TscSessionWriter     *self,
                                                   gint64                request_id,
                                                   const TscUpstreamOutcome *upstream);
gboolean          tsc_session_writer_set_info     (TscSessionWriter     *self,
                                                   const char           *key,
                                                   const char           *value);
void              tsc_session_writer_close        (TscSessionWriter     *self);
guint64           tsc_session_writer_get_commits  (TscSessionWriter     *self);

G_END_DECLS
