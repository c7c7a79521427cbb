/* tsc-export.h: write a session out for other tools
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tsc-redact.h"
#include "tsc-rules.h"
#include "tsc-session-store.h"

G_BEGIN_DECLS

typedef enum
{
  TSC_EXPORT_NDJSON,  /* one message per line, as received, plus "_trackscope" */
  TSC_EXPORT_JSON,    /* one document: session metadata, messages, flags */
  TSC_EXPORT_HAR,     /* HAR 1.2: the HTTP requests as received, with replies */
} TscExportFormat;

/**
 * TscExportProgressFunc:
 * @done: messages written so far
 * @total: messages in the session
 *
 * Called from the exporting thread after each chunk.
 */
typedef void (*TscExportProgressFunc) (guint64  done,
                                       guint64  total,
                                       gpointer user_data);

typedef struct
{
  TscExportFormat        format;
  TscRedactor           *redactor;     /* (nullable): redact PII before writing */
  TscRuleConfig         *rules;        /* (nullable): profile for the JSON export's flags;
                                          NULL: the default profile */
  TscExportProgressFunc  progress;     /* (nullable) */
  gpointer               progress_data;
} TscExportOptions;

gboolean         tsc_export_format_from_string (const char             *text,
                                                TscExportFormat        *format);
const char      *tsc_export_format_to_string   (TscExportFormat         format);
const char      *tsc_export_format_extension   (TscExportFormat         format);

gboolean         tsc_export_session            (const char             *session_path,
                                                const TscExportOptions *options,
                                                GOutputStream          *out,
                                                GCancellable           *cancellable,
                                                guint64                *n_written,
                                                GError                **error);

/* Added for the command line's summary: the stored requests, accepted
 * and rejected, read in chunks. */
gboolean         tsc_export_count_requests     (TscSessionStore        *store,
                                                guint64                *n_requests,
                                                GError                **error);

gboolean         tsc_export_session_to_file    (const char             *session_path,
                                                const TscExportOptions *options,
                                                const char             *target,
                                                GCancellable           *cancellable,
                                                guint64                *n_written,
                                                GError                **error);

/* Kept for callers of the first version: NDJSON without redaction. */
gboolean         tsc_export_ndjson             (const char             *session_path,
                                                GOutputStream          *out,
                                                GCancellable           *cancellable,
                                                guint64                *n_written,
                                                GError                **error);

G_END_DECLS
