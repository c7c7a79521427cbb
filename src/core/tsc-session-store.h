/* tsc-session-store.h: the session file (SQLite)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "tsc-message.h"
#include "tsc-request-record.h"

G_BEGIN_DECLS

#define TSC_SESSION_FORMAT_VERSION 1

#define TSC_STORE_ERROR (tsc_store_error_quark ())

typedef enum
{
  TSC_STORE_ERROR_OPEN,
  TSC_STORE_ERROR_NOT_A_SESSION,
  TSC_STORE_ERROR_TOO_NEW,
  TSC_STORE_ERROR_READ_ONLY,
  TSC_STORE_ERROR_SQL,
} TscStoreError;

typedef enum
{
  TSC_SESSION_STORE_OPEN_CREATE    = 1 << 0,
  TSC_SESSION_STORE_OPEN_READ_ONLY = 1 << 1,
} TscSessionStoreOpenFlags;

#define TSC_TYPE_SESSION_STORE (tsc_session_store_get_type ())
G_DECLARE_FINAL_TYPE (TscSessionStore, tsc_session_store, TSC, SESSION_STORE, GObject)

GQuark           tsc_store_error_quark            (void);
char            *tsc_session_store_default_path   (void);
void             tsc_session_store_remove_files   (const char                *path);

TscSessionStore *tsc_session_store_open           (const char                *path,
                                                   TscSessionStoreOpenFlags   flags,
                                                   GError                   **error);
const char      *tsc_session_store_get_path       (TscSessionStore           *self);

gboolean         tsc_session_store_begin          (TscSessionStore           *self,
                                                   GError                   **error);
gboolean         tsc_session_store_commit         (TscSessionStore           *self,
                                                   GError                   **error);
void             tsc_session_store_rollback       (TscSessionStore           *self);
gboolean         tsc_session_store_append         (TscSessionStore           *self,
                                                   TscRequestRecord          *record,
                                                   GPtrArray                 *messages,
                                                   GError                   **error);

gint64           tsc_session_store_count_messages (TscSessionStore           *self,
                                                   GError                   **error);
GPtrArray       *tsc_session_store_load_messages  (TscSessionStore           *self,
                                                   gint64                     after_seq,
                                                   guint                      limit,
                                                   GError                   **error);
TscRequestRecord *tsc_session_store_load_request  (TscSessionStore           *self,
                                                   gint64                     request_id,
                                                   GError                   **error);
GPtrArray       *tsc_session_store_load_requests (TscSessionStore          *self,
                                                   gint64                    after_id,
                                                   guint                     limit,
                                                   GError                  **error);
gboolean         tsc_session_store_set_upstream   (TscSessionStore           *self,
                                                   gint64                     request_id,
                                                   const TscUpstreamOutcome  *upstream,
                                                   GError                   **error);
char            *tsc_session_store_get_info       (TscSessionStore           *self,
                                                   const char                *key);
gboolean         tsc_session_store_set_info       (TscSessionStore           *self,
                                                   const char                *key,
                                                   const char                *value,
                                                   GError                   **error);
gboolean         tsc_session_store_get_time_range (TscSessionStore           *self,
                                                   gint64                    *first,
                                                   gint64                    *last);
gboolean         tsc_session_store_copy_to        (TscSessionStore           *self,
                                                   const char                *path,
                                                   GError                   **error);
char            *tsc_session_store_check_integrity (TscSessionStore          *self,
                                                    GError                  **error);

G_END_DECLS
