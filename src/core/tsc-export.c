/* tsc-export.c
 *
 * NDJSON export: one message per line, its bytes as received, with the
 * fields Trackscope added under "_trackscope" (so jq users can filter
 * on them), in receive order. Streams in chunks: memory stays constant
 * however large the session.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-export"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "tsc-export.h"
#include "tsc-json-span.h"
#include "tsc-session-store.h"
#include "tsc-wire.h"

#define CHUNK 2048

static void
add_string (JsonBuilder *b,
            const char  *name,
            const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static char *
normalised_fields (TscMessage *m)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *received = m->received_at > 0 ? tsc_wire_format_time (m->received_at) : NULL;
  g_autofree char *corrected = m->corrected_at > 0 ? tsc_wire_format_time (m->corrected_at) : NULL;
  TscTransport *t = m->transport;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, m->seq);
  add_string (b, "type", m->type_name);
  add_string (b, "messageId", m->message_id);
  json_builder_set_member_name (b, "messageIdAdded");
  json_builder_add_boolean_value (b, m->message_id_added);
  add_string (b, "receivedAt", received);
  add_string (b, "correctedTimestamp", corrected);
  if (t != NULL)
    {
      add_string (b, "route", t->route);
      add_string (b, "lane", t->lane);
      add_string (b, "remoteAddress", t->remote_addr);
      add_string (b, "userAgent", t->user_agent);
      add_string (b, "origin", t->origin);
      add_string (b, "writeKey", t->write_key);
      add_string (b, "authMethod", tsc_auth_method_to_string (t->auth_method));
      add_string (b, "contentEncoding", t->content_encoding);
      json_builder_set_member_name (b, "requestId");
      json_builder_add_int_value (b, t->request_id);
    }
  if (m->batch_index >= 0)
    {
      json_builder_set_member_name (b, "batchIndex");
      json_builder_add_int_value (b, m->batch_index);
    }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* The raw object with the added member before its closing brace; a raw
 * value that is not an object is wrapped instead. */
static void
append_line (GString    *out,
             TscMessage *m)
{
  gsize len = 0;
  const char *raw = m->raw ? g_bytes_get_data (m->raw, &len) : "";
  g_autofree char *extra = normalised_fields (m);
  TscJsonSpan span;

  if (tsc_json_span_trim (raw, len, &span) && raw[span.offset] == '{' &&
      raw[span.offset + span.length - 1] == '}')
    {
      gboolean empty = TRUE;

      for (gsize i = span.offset + 1; i < span.offset + span.length - 1; i++)
        {
          if (!g_ascii_isspace (raw[i]))
            {
              empty = FALSE;
              break;
            }
        }

      g_string_append_len (out, raw + span.offset, span.length - 1);
      g_string_append_printf (out, "%s\"_trackscope\":%s}\n", empty ? "" : ",", extra);
    }
  else
    {
      g_string_append (out, "{\"_raw\":");
      g_string_append_len (out, len ? raw : "null", len ? len : 4);
      g_string_append_printf (out, ",\"_trackscope\":%s}\n", extra);
    }
}

/**
 * tsc_export_ndjson:
 * @n_written: (out) (optional): how many messages were written
 *
 * Writes every message of @session_path to @out as NDJSON.
 */
gboolean
tsc_export_ndjson (const char     *session_path,
                   GOutputStream  *out,
                   GCancellable   *cancellable,
                   guint64        *n_written,
                   GError        **error)
{
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GString) buffer = g_string_new (NULL);
  gint64 after = 0;
  guint64 n = 0;

  g_return_val_if_fail (session_path != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  store = tsc_session_store_open (session_path, TSC_SESSION_STORE_OPEN_READ_ONLY, error);
  if (store == NULL)
    return FALSE;

  for (;;)
    {
      g_autoptr(GPtrArray) messages = tsc_session_store_load_messages (store, after, CHUNK, error);

      if (messages == NULL)
        return FALSE;
      if (messages->len == 0)
        break;

      g_string_truncate (buffer, 0);
      for (guint i = 0; i < messages->len; i++)
        append_line (buffer, g_ptr_array_index (messages, i));

      if (!g_output_stream_write_all (out, buffer->str, buffer->len, NULL, cancellable, error))
        return FALSE;

      n += messages->len;
      after = ((TscMessage *) g_ptr_array_index (messages, messages->len - 1))->seq;
    }

  if (n_written != NULL)
    *n_written = n;
  return g_output_stream_flush (out, cancellable, error);
}
