/* tsc-forwarder.h: send accepted requests on to an upstream collector
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "tsc-request-record.h"
#include "tsc-session-writer.h"

G_BEGIN_DECLS

#define TSC_FORWARDER_ERROR (tsc_forwarder_error_quark ())

typedef enum
{
  TSC_FORWARDER_ERROR_BAD_URL,
} TscForwarderError;

/* The outcome text of requests that never reached the upstream. */
#define TSC_UPSTREAM_QUEUE_FULL      "not forwarded: queue full"
#define TSC_UPSTREAM_CAPTURE_STOPPED "not forwarded: capture stopped"
/* Sent, but the capture stopped before the upstream answered: it may
 * have the calls. */
#define TSC_UPSTREAM_UNANSWERED      "sent, no reply before the capture stopped"

/* ---------------------------------------------------------------------- */
/* The upstream sender: one POST, retried, shared by forwarding and replay */

/**
 * TscUpstreamPolicy:
 * @max_attempts: tries in all, the first one included (at least 1)
 * @first_delay_ms: the wait before the first retry; it doubles for each
 *   further retry
 * @max_delay_ms: the longest backoff between two tries
 * @max_retry_after_ms: the longest Retry-After honoured; a longer one is
 *   waited for this long
 *
 * How a request is retried, as Segment's own SDKs do: connection
 * errors, 408, 410, 429, 460 and 5xx other than 501, 505 and 511 are
 * retried; any other status is final. A Retry-After (seconds or an HTTP
 * date) is waited for instead of the backoff.
 */
typedef struct
{
  guint max_attempts;
  guint first_delay_ms;
  guint max_delay_ms;
  guint max_retry_after_ms;
} TscUpstreamPolicy;

void      tsc_upstream_policy_init      (TscUpstreamPolicy         *policy);
gboolean  tsc_upstream_status_is_retryable (guint                   status);

GUri     *tsc_upstream_parse_url        (const char                *url,
                                         GError                   **error);
GUri     *tsc_upstream_uri_for_route    (GUri                      *base,
                                         const char                *route,
                                         const char                *query);

void      tsc_upstream_send_async       (SoupSession               *session,
                                         GUri                      *uri,
                                         SoupMessageHeaders        *headers,
                                         GBytes                    *body,
                                         const TscUpstreamPolicy   *policy,
                                         GCancellable              *cancellable,
                                         GAsyncReadyCallback        callback,
                                         gpointer                   user_data);
gboolean  tsc_upstream_send_finish      (GAsyncResult              *result,
                                         TscUpstreamOutcome        *outcome);

gboolean  tsc_upstream_outcome_accepted (const TscUpstreamOutcome  *outcome);
void      tsc_upstream_outcome_copy     (TscUpstreamOutcome        *dest,
                                         const TscUpstreamOutcome  *src);
void      tsc_upstream_outcome_clear    (TscUpstreamOutcome        *outcome);

/* ---------------------------------------------------------------------- */
/* The forwarder                                                           */

#define TSC_TYPE_FORWARDER (tsc_forwarder_get_type ())
G_DECLARE_FINAL_TYPE (TscForwarder, tsc_forwarder, TSC, FORWARDER, GObject)

GQuark        tsc_forwarder_error_quark  (void);

TscForwarder *tsc_forwarder_new          (const char              *url,
                                          GError                 **error);
const char   *tsc_forwarder_get_url      (TscForwarder            *self);
void          tsc_forwarder_set_writer   (TscForwarder            *self,
                                          TscSessionWriter        *writer);
void          tsc_forwarder_set_policy   (TscForwarder            *self,
                                          const TscUpstreamPolicy *policy);

/* Never blocks: queues @record (stored, with its id) and the @body as
 * received (possibly compressed). The outcome is emitted as
 * ::upstream-outcome (request id, const TscUpstreamOutcome *) in the
 * GMainContext that was the thread default when the forwarder was
 * created. */
void          tsc_forwarder_submit       (TscForwarder            *self,
                                          TscRequestRecord        *record,
                                          GBytes                  *body);
/* The same, keeping the query string the request came with. */
void          tsc_forwarder_submit_full  (TscForwarder            *self,
                                          TscRequestRecord        *record,
                                          const char              *query,
                                          GBytes                  *body);
guint         tsc_forwarder_get_pending  (TscForwarder            *self);
/* Waits at most @timeout_ms for queued requests, then gives up on the
 * rest (their outcome says so) and stops the thread. */
void          tsc_forwarder_shutdown     (TscForwarder            *self,
                                          guint                    timeout_ms);

G_END_DECLS
