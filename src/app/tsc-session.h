/* tsc-session.h: what one window shows: a live capture or a file, with
 * its identity model and message index, grown in batches
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tsc-collector.h"
#include "tsc-identity-model.h"
#include "tsc-import.h"
#include "tsc-message-index.h"
#include "tsc-session-store.h"

G_BEGIN_DECLS

#define TSC_TYPE_SESSION (tsc_session_get_type ())
G_DECLARE_FINAL_TYPE (TscSession, tsc_session, TSC, SESSION, GObject)

TscSession       *tsc_session_new                (TscRuleConfig        *config);

gboolean          tsc_session_start_capture      (TscSession           *self,
                                                  const char           *listen,
                                                  gboolean              allow_remote,
                                                  const char           *path,
                                                  GError              **error);
gboolean          tsc_session_set_forward_url    (TscSession           *self,
                                                  const char           *url,
                                                  GError              **error);
const char       *tsc_session_get_forward_url    (TscSession           *self);
const TscUpstreamOutcome *
                  tsc_session_lookup_upstream    (TscSession           *self,
                                                  gint64                request_id);
void              tsc_session_stop_capture       (TscSession           *self);
void              tsc_session_close              (TscSession           *self);
gboolean          tsc_session_is_capturing       (TscSession           *self);
const char       *tsc_session_get_uri            (TscSession           *self);

void              tsc_session_load_async         (TscSession           *self,
                                                  GFile                *file,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean          tsc_session_load_finish        (TscSession           *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              tsc_session_import_async       (TscSession           *self,
                                                  GFile                *file,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean          tsc_session_import_finish      (TscSession           *self,
                                                  GAsyncResult         *result,
                                                  TscImportReport     **report,
                                                  GError              **error);
gboolean          tsc_session_save_as            (TscSession           *self,
                                                  GFile                *file,
                                                  GError              **error);

const char       *tsc_session_get_path           (TscSession           *self);
gboolean          tsc_session_get_unsaved        (TscSession           *self);
TscRuleConfig    *tsc_session_get_config         (TscSession           *self);
TscIdentityModel *tsc_session_get_model          (TscSession           *self);
TscMessageIndex  *tsc_session_get_index          (TscSession           *self);
guint             tsc_session_get_n_messages     (TscSession           *self);

void              tsc_session_add_messages       (TscSession           *self,
                                                  GPtrArray            *messages);
void              tsc_session_flush              (TscSession           *self);

void              tsc_session_read_message_async (TscSession           *self,
                                                  gint64                seq,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
TscMessage       *tsc_session_read_message_finish (TscSession          *self,
                                                   GAsyncResult        *result,
                                                   TscRequestRecord   **request,
                                                   GError             **error);

G_END_DECLS
