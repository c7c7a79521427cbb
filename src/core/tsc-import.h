/* tsc-import.h: read calls from files (session, NDJSON, JSON, HAR)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tsc-message.h"
#include "tsc-request-record.h"

G_BEGIN_DECLS

#define TSC_IMPORT_ERROR (tsc_import_error_quark ())

typedef enum
{
  TSC_IMPORT_ERROR_READ,            /* the file cannot be opened or read */
  TSC_IMPORT_ERROR_UNKNOWN_FORMAT,  /* none of the formats below */
  TSC_IMPORT_ERROR_INVALID_JSON,    /* a JSON or HAR document that does not parse */
  TSC_IMPORT_ERROR_INVALID_LINE,    /* one NDJSON line that is not a message or batch */
  TSC_IMPORT_ERROR_TRUNCATED,       /* the last NDJSON line is cut short */
  TSC_IMPORT_ERROR_INVALID_DOCUMENT,/* parses, but is not messages (e.g. [1, 2]) */
  TSC_IMPORT_ERROR_INVALID_ENTRY,   /* a HAR entry to a Tracking API route that cannot be decoded */
  TSC_IMPORT_ERROR_SESSION,         /* an SQLite file that is not a readable session */
  TSC_IMPORT_ERROR_EXISTS,          /* the session file to write exists already */
  TSC_IMPORT_ERROR_WRITE,           /* the session file cannot be written */
} TscImportError;

typedef enum
{
  TSC_IMPORT_FORMAT_UNKNOWN,
  TSC_IMPORT_FORMAT_SESSION,  /* a *.trackscope SQLite file */
  TSC_IMPORT_FORMAT_NDJSON,   /* one message or one batch body per line */
  TSC_IMPORT_FORMAT_JSON,     /* an array of messages, a batch body or one message */
  TSC_IMPORT_FORMAT_HAR,      /* HTTP Archive 1.2 */
} TscImportFormat;

typedef enum
{
  TSC_IMPORT_FLAGS_NONE = 0,
  /* A bad NDJSON line or HAR entry fails the whole read instead of being
   * reported and skipped. */
  TSC_IMPORT_FLAGS_STRICT = 1 << 0,
} TscImportFlags;

/* Why a HAR entry or a line gave no calls, in the order reports list
 * them. Entries to other URLs are not problems: a HAR saved from a
 * browser holds every request of the page. */
typedef enum
{
  TSC_IMPORT_SKIP_NOT_TRACKING,  /* a HAR entry to a URL that is no Tracking API route */
  TSC_IMPORT_SKIP_NO_CALLS,      /* to a route that carries no calls (settings, metrics) */
  TSC_IMPORT_SKIP_NOT_POST,      /* to a call route, but not a POST (CORS preflights, …) */
  TSC_IMPORT_SKIP_REFUSED,       /* a request the server answered with a status >= 400
                                    (but see tsc_importer_set_request_func()) */
  TSC_IMPORT_SKIP_BAD_ENTRY,     /* a HAR entry whose body cannot be decoded (a problem) */
  TSC_IMPORT_SKIP_BAD_LINE,      /* a line or exported message that is no message (a problem) */
  TSC_IMPORT_N_SKIP_REASONS
} TscImportSkipReason;

/* Where one message came from. */
typedef struct
{
  const char       *path;    /* the input as it was given */
  guint             input;   /* index of the input, from 0 */
  TscImportFormat   format;
  guint             line;    /* 1-based line of the message in the file, 0 when unknown */
  guint             entry;   /* 1-based HAR entry, 0 for other formats */
  /* (nullable): the HTTP request the message came in, when the file
   * knows it (a HAR entry, a session file's request, a request of a
   * Trackscope export); shared by the messages of that request, owned by
   * the importer: take a reference to keep it. */
  TscRequestRecord *record;
} TscImportLocation;

/* Called once per message, in order, with its seq assigned. @message is
 * owned by the importer: take a reference to keep it. */
typedef void (*TscImportFunc) (TscMessage              *message,
                               const TscImportLocation *location,
                               gpointer                 user_data);

/* Called, in order between the messages, for a request that is kept
 * although it brought no messages: a request the collector refused, read
 * back from a Trackscope HAR export. @location->record is the request
 * (status, error, kept body, headers), owned by the importer. */
typedef void (*TscImportRequestFunc) (const TscImportLocation *location,
                                      gpointer                 user_data);

#define TSC_TYPE_IMPORTER (tsc_importer_get_type ())
G_DECLARE_FINAL_TYPE (TscImporter, tsc_importer, TSC, IMPORTER, GObject)

GQuark           tsc_import_error_quark           (void);
const char      *tsc_import_format_to_string      (TscImportFormat       format);
const char      *tsc_import_skip_reason_to_string (TscImportSkipReason   reason);

TscImporter     *tsc_importer_new                 (TscImportFlags        flags);
void             tsc_importer_set_request_func    (TscImporter          *self,
                                                   TscImportRequestFunc  func,
                                                   gpointer              user_data);
gboolean         tsc_importer_read_file           (TscImporter          *self,
                                                   const char           *path,
                                                   TscImportFunc         func,
                                                   gpointer              user_data,
                                                   GError              **error);
TscImportFormat  tsc_importer_get_format          (TscImporter          *self);
guint            tsc_importer_get_n_inputs        (TscImporter          *self);
guint64          tsc_importer_get_n_messages      (TscImporter          *self);
guint64          tsc_importer_get_n_requests      (TscImporter          *self);
GPtrArray       *tsc_importer_get_problems        (TscImporter          *self);
guint64          tsc_importer_get_skipped         (TscImporter          *self,
                                                   TscImportSkipReason   reason);

GPtrArray       *tsc_import_read_files            (const char * const   *paths,
                                                   TscImportFlags        flags,
                                                   GPtrArray           **problems,
                                                   GError              **error);

/* What tsc_import_to_session() found and wrote. */
typedef struct
{
  guint      n_inputs;
  guint64    n_calls;                             /* messages written */
  guint64    n_requests;                          /* request rows written */
  guint64    n_refused;                           /* of them, requests the collector refused,
                                                     kept without calls (from our HAR) */
  guint64    skipped[TSC_IMPORT_N_SKIP_REASONS];  /* entries and lines, by reason */
  GPtrArray *problems;                            /* (element-type GError): what was skipped as
                                                     bad, each naming its file and line */
} TscImportReport;

void             tsc_import_report_free           (TscImportReport      *report);

gboolean         tsc_import_to_session            (const char * const   *inputs,
                                                   const char           *session_path,
                                                   TscImportFlags        flags,
                                                   TscImportReport     **report,
                                                   GCancellable         *cancellable,
                                                   GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TscImportReport, tsc_import_report_free)

G_END_DECLS
