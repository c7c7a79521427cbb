/* tsc-request-record.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-request-record"

#include "config.h"

#include "tsc-request-record.h"

static void
request_record_clear (TscRequestRecord *record)
{
  g_clear_pointer (&record->transport, tsc_transport_unref);
  g_free (record->headers_json);
  g_free (record->error_code);
  g_free (record->error_message);
  g_clear_pointer (&record->body, g_bytes_unref);
  g_free (record->upstream.error);
}

TscRequestRecord *
tsc_request_record_new (void)
{
  TscRequestRecord *record = g_atomic_rc_box_new0 (TscRequestRecord);

  record->decoded_size = -1;
  record->transport = tsc_transport_new ();
  return record;
}

TscRequestRecord *
tsc_request_record_ref (TscRequestRecord *record)
{
  g_return_val_if_fail (record != NULL, NULL);
  return g_atomic_rc_box_acquire (record);
}

void
tsc_request_record_unref (TscRequestRecord *record)
{
  g_return_if_fail (record != NULL);
  g_atomic_rc_box_release_full (record, (GDestroyNotify) request_record_clear);
}

G_DEFINE_BOXED_TYPE (TscRequestRecord, tsc_request_record,
                     tsc_request_record_ref, tsc_request_record_unref)

/**
 * tsc_request_record_reject:
 *
 * Marks the request as answered with an error @status.
 */
void
tsc_request_record_reject (TscRequestRecord *record,
                           guint             status,
                           const char       *code,
                           const char       *message)
{
  g_return_if_fail (record != NULL);
  g_return_if_fail (status >= 400);

  record->status = status;
  g_free (record->error_code);
  record->error_code = g_strdup (code);
  g_free (record->error_message);
  record->error_message = g_strdup (message);
}

/**
 * tsc_request_record_keep_body:
 *
 * Keeps at most @cap bytes of @body, so a rejected request shows what
 * was sent.
 */
void
tsc_request_record_keep_body (TscRequestRecord *record,
                              GBytes           *body,
                              gsize             cap)
{
  gsize size;

  g_return_if_fail (record != NULL);

  g_clear_pointer (&record->body, g_bytes_unref);
  record->body_truncated = FALSE;
  if (body == NULL)
    return;

  size = g_bytes_get_size (body);
  if (size > cap)
    {
      record->body = g_bytes_new_from_bytes (body, 0, cap);
      record->body_truncated = TRUE;
    }
  else
    record->body = g_bytes_ref (body);
}
