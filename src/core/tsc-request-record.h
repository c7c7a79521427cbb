/* tsc-request-record.h: what the collector keeps of one HTTP request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "tsc-message.h"

G_BEGIN_DECLS

typedef enum
{
  TSC_UPSTREAM_NONE,     /* not forwarded */
  TSC_UPSTREAM_PENDING,  /* queued or in flight */
  TSC_UPSTREAM_DONE,     /* finished: accepted or given up on */
} TscUpstreamState;

/* What forwarding made of one request. */
typedef struct
{
  TscUpstreamState  state;
  guint             status;       /* HTTP status of the last attempt, 0 when none got a reply */
  guint             attempts;
  char             *error;        /* why it was not accepted, NULL when it was */
  gint64            finished_at;  /* µs since the epoch, 0 while pending */
} TscUpstreamOutcome;

struct _TscRequestRecord
{
  gint64        id;              /* 0 until stored */
  gint64        received_at;     /* µs since the epoch, UTC */
  TscTransport *transport;
  char         *headers_json;    /* the request headers as a JSON object */
  gsize         body_size;       /* bytes on the wire */
  gssize        decoded_size;    /* after Content-Encoding, -1 when not decoded */
  guint         status;          /* the HTTP status of the reply */
  char         *error_code;      /* for a rejected request */
  char         *error_message;
  GBytes       *body;            /* kept for rejected requests only, capped */
  gboolean      body_truncated;
  guint         message_count;
  TscUpstreamOutcome upstream;   /* loaded from the file, or set by the forwarder */
};

#define TSC_TYPE_REQUEST_RECORD (tsc_request_record_get_type ())
GType             tsc_request_record_get_type (void) G_GNUC_CONST;
TscRequestRecord *tsc_request_record_new      (void);
TscRequestRecord *tsc_request_record_ref      (TscRequestRecord *record);
void              tsc_request_record_unref    (TscRequestRecord *record);

void              tsc_request_record_reject   (TscRequestRecord *record,
                                               guint             status,
                                               const char       *code,
                                               const char       *message);
void              tsc_request_record_keep_body (TscRequestRecord *record,
                                                GBytes           *body,
                                                gsize             cap);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TscRequestRecord, tsc_request_record_unref)

G_END_DECLS
