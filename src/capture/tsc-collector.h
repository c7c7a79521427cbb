/* tsc-collector.h: the Segment-compatible HTTP collector
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tsc-forwarder.h"
#include "tsc-session-writer.h"
#include "tsc-wire.h"

G_BEGIN_DECLS

#define TSC_COLLECTOR_ERROR (tsc_collector_error_quark ())

typedef enum
{
  TSC_COLLECTOR_ERROR_BAD_ADDRESS,
  TSC_COLLECTOR_ERROR_REMOTE_NOT_ALLOWED,
  TSC_COLLECTOR_ERROR_ADDRESS_IN_USE,
  TSC_COLLECTOR_ERROR_LISTEN,
  TSC_COLLECTOR_ERROR_RUNNING,
} TscCollectorError;

#define TSC_COLLECTOR_DEFAULT_PORT 8765

#define TSC_TYPE_COLLECTOR (tsc_collector_get_type ())
G_DECLARE_FINAL_TYPE (TscCollector, tsc_collector, TSC, COLLECTOR, GObject)

GQuark        tsc_collector_error_quark            (void);

TscCollector *tsc_collector_new                    (TscSessionWriter    *writer);
void          tsc_collector_set_allow_remote       (TscCollector        *self,
                                                    gboolean             allow_remote);
void          tsc_collector_set_allowed_write_keys (TscCollector        *self,
                                                    const char * const  *write_keys);
/* Every accepted request is also queued on @forwarder (nullable). */
void          tsc_collector_set_forwarder          (TscCollector        *self,
                                                    TscForwarder        *forwarder);
void          tsc_collector_set_limits             (TscCollector        *self,
                                                    const TscWireLimits *limits);

gboolean      tsc_collector_start                  (TscCollector        *self,
                                                    const char          *host,
                                                    guint                port,
                                                    GError             **error);
void          tsc_collector_stop                   (TscCollector        *self);
gboolean      tsc_collector_is_running             (TscCollector        *self);
const char   *tsc_collector_get_uri                (TscCollector        *self);
guint         tsc_collector_get_port               (TscCollector        *self);
guint64       tsc_collector_get_message_count      (TscCollector        *self);

gboolean      tsc_parse_listen_address             (const char          *text,
                                                    char               **host,
                                                    guint               *port,
                                                    GError             **error);

G_END_DECLS
