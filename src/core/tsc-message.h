/* tsc-message.h: one captured analytics call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "tsc-types.h"

G_BEGIN_DECLS

/* The transport facts shared by every message of one HTTP request. */
struct _TscTransport
{
  gint64         request_id;       /* 0 until stored */
  char          *method;
  char          *path;             /* as requested, lane prefix included */
  char          *route;            /* canonical route, e.g. "/v1/batch" */
  char          *lane;             /* from /lane/<name>/v1/..., or NULL */
  char          *remote_addr;
  char          *user_agent;
  char          *origin;
  char          *write_key;
  TscAuthMethod  auth_method;
  char          *content_type;
  char          *content_encoding; /* "gzip", "deflate" or NULL */
  gsize          batch_size;       /* decoded bytes of a batch body, 0 when unknown */
};

#define TSC_TYPE_TRANSPORT (tsc_transport_get_type ())
GType         tsc_transport_get_type (void) G_GNUC_CONST;
TscTransport *tsc_transport_new      (void);
TscTransport *tsc_transport_ref      (TscTransport *transport);
void          tsc_transport_unref    (TscTransport *transport);

struct _TscMessage
{
  gint64          seq;               /* 0 until stored */
  int             batch_index;       /* -1 on single-message routes */
  gint64          received_at;       /* µs since the epoch, UTC */
  gint64          corrected_at;      /* receivedAt − (sentAt − timestamp), µs */
  TscMessageType  type;
  char           *type_name;         /* effective type as a string (may be unknown) */
  char           *event;
  char           *name;
  char           *user_id;
  char           *anonymous_id;
  char           *previous_id;
  char           *group_id;
  char           *message_id;
  gboolean        message_id_added;  /* TRUE when the collector assigned message_id */
  char           *timestamp;         /* client timestamp as sent */
  char           *sent_at;           /* message sentAt, else the batch's */
  char           *batch_context;     /* envelope "context" merged in (JSON), or NULL */
  char           *batch_integrations;/* envelope "integrations" merged in (JSON), or NULL */
  TscTransport   *transport;
  GBytes         *raw;               /* the message's bytes exactly as received */
};

#define TSC_TYPE_MESSAGE (tsc_message_get_type ())
GType       tsc_message_get_type (void) G_GNUC_CONST;
TscMessage *tsc_message_new      (void);
TscMessage *tsc_message_ref      (TscMessage *message);
void        tsc_message_unref    (TscMessage *message);

const char *tsc_message_get_label (const TscMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TscMessage, tsc_message_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TscTransport, tsc_transport_unref)

G_END_DECLS
