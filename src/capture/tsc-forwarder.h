/* tsc-forwarder.h: send accepted requests on to an upstream collector
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tsc-request-record.h"

G_BEGIN_DECLS

#define TSC_FORWARDER_ERROR (tsc_forwarder_error_quark ())

typedef enum
{
  TSC_FORWARDER_ERROR_BAD_URL,
} TscForwarderError;

#define TSC_TYPE_FORWARDER (tsc_forwarder_get_type ())
G_DECLARE_FINAL_TYPE (TscForwarder, tsc_forwarder, TSC, FORWARDER, GObject)

GQuark        tsc_forwarder_error_quark (void);

TscForwarder *tsc_forwarder_new         (const char        *url,
                                         GError           **error);
const char   *tsc_forwarder_get_url     (TscForwarder      *self);

/* Never blocks: queues @record (stored, with its id) and the @body as
 * received (possibly compressed). The outcome is emitted as
 * ::upstream-outcome (request id, const TscUpstreamOutcome *) in the
 * GMainContext that was the thread default when the forwarder was
 * created. */
void          tsc_forwarder_submit      (TscForwarder      *self,
                                         TscRequestRecord  *record,
                                         GBytes            *body);
guint         tsc_forwarder_get_pending (TscForwarder      *self);
/* Waits at most @timeout_ms for queued requests, then gives up on the
 * rest (their outcome says so) and stops the thread. */
void          tsc_forwarder_shutdown    (TscForwarder      *self,
                                         guint              timeout_ms);

G_END_DECLS
