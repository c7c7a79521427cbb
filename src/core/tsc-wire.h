/* tsc-wire.h: decode Tracking API requests into messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tsc-message.h"
#include "tsc-request-record.h"
#include "tsc-route.h"

G_BEGIN_DECLS

#define TSC_WIRE_ERROR (tsc_wire_error_quark ())

typedef enum
{
  TSC_WIRE_ERROR_INVALID_JSON,
  TSC_WIRE_ERROR_INVALID_BATCH,
  TSC_WIRE_ERROR_MESSAGE_TOO_LARGE,
  TSC_WIRE_ERROR_BATCH_TOO_LARGE,
  TSC_WIRE_ERROR_BODY_TOO_LARGE,
  TSC_WIRE_ERROR_BAD_ENCODING,
  TSC_WIRE_ERROR_UNSUPPORTED_ENCODING,
} TscWireError;

/* Limits of the Segment Tracking API, in bytes. */
#define TSC_WIRE_MAX_MESSAGE_SIZE (32 * 1024)
#define TSC_WIRE_MAX_BATCH_SIZE   (500 * 1024)
/* Hard cap on a body, on the wire and after decompression. */
#define TSC_WIRE_MAX_BODY_SIZE    (4 * 1024 * 1024)

typedef struct
{
  gsize max_message_size;
  gsize max_batch_size;
  gsize max_body_size;
} TscWireLimits;

struct _TscWireRequest
{
  const char         *method;
  const char         *path;
  const char         *query;        /* raw query string, or NULL */
  const char         *remote_addr;
  const char * const *headers;      /* name, value, name, value, ..., NULL */
  GBytes             *body;         /* as received, possibly compressed */
  gint64              received_at;  /* µs since the epoch */
};

GQuark            tsc_wire_error_quark     (void);
const char       *tsc_wire_error_code      (const GError         *error);
guint             tsc_wire_error_status    (const GError         *error);
void              tsc_wire_limits_init     (TscWireLimits        *limits);

const char       *tsc_wire_request_header  (const TscWireRequest *request,
                                            const char           *name);
TscRequestRecord *tsc_wire_record_new      (const TscWireRequest *request,
                                            const TscRoute       *route);
GBytes           *tsc_wire_decode_body     (const TscWireRequest *request,
                                            const TscWireLimits  *limits,
                                            GError              **error);
GPtrArray        *tsc_wire_decode          (const TscWireRequest *request,
                                            const TscRoute       *route,
                                            const TscWireLimits  *limits,
                                            TscRequestRecord     *record,
                                            GError              **error);

TscMessage       *tsc_wire_message_from_object (JsonObject     *object,
                                                GBytes         *raw,
                                                TscMessageType  implied_type,
                                                const char     *envelope_sent_at,
                                                const char     *envelope_context,
                                                const char     *envelope_integrations,
                                                gint64          received_at);

GPtrArray        *tsc_wire_decode_document (GBytes               *json,
                                            TscTransport         *transport,
                                            gint64                received_at,
                                            GError              **error);

gint64            tsc_wire_parse_time      (const char           *iso8601);
char             *tsc_wire_format_time     (gint64                usec);
char             *tsc_wire_format_time_usec (gint64               usec);

G_END_DECLS
