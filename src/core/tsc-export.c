/* tsc-export.c
 *
 * Writes a session out for other tools, in three formats:
 *
 * - NDJSON: one message per line, its bytes as received, with the fields
 *   Trackscope added under "_trackscope" (so jq users can filter on
 *   them), in receive order;
 * - JSON: one document with the session's details, the same message
 *   objects and the flags the identity model raises over them;
 * - HAR 1.2: one entry per stored request (accepted or rejected) with
 *   its body rebuilt and the collector's reply.
 *
 * Everything streams: requests and messages are read in chunks and
 * merged (the messages of request R carry transport->request_id == R and
 * come in request order), written chunk by chunk, with the progress
 * function called and the cancellable checked after each chunk, so
 * memory stays constant however large the session (the identity model
 * of the JSON export keeps what it needs per stream and user).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-export"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "tsc-export.h"
#include "tsc-identity-model.h"
#include "tsc-json-span.h"
#include "tsc-request-body.h"
#include "tsc-session-store.h"
#include "tsc-wire.h"

/* Messages per chunk read and written; requests are read in smaller
 * chunks, since a rejected one carries its kept body. */
#define CHUNK          2048
#define REQUEST_CHUNK  256
/* Written out early when a chunk's text grows past this (large batches). */
#define FLUSH_BYTES    (4 * 1024 * 1024)

#define EXPORT_FORMAT_NAME     "trackscope-export"
#define EXPORT_FORMAT_VERSION  1
#define DEFAULT_COLLECTOR      "http://localhost"

static const char * const format_names[] = { "ndjson", "json", "har" };
static const char * const format_extensions[] = { ".ndjson", ".json", ".har" };

/**
 * tsc_export_format_from_string:
 * @text: "ndjson", "json" or "har" (any case)
 *
 * Returns: whether @text names a format
 */
gboolean
tsc_export_format_from_string (const char      *text,
                               TscExportFormat *format)
{
  g_return_val_if_fail (format != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    {
      if (g_ascii_strcasecmp (text, format_names[i]) == 0)
        {
          *format = (TscExportFormat) i;
          return TRUE;
        }
    }

  return FALSE;
}

const char *
tsc_export_format_to_string (TscExportFormat format)
{
  g_return_val_if_fail ((guint) format < G_N_ELEMENTS (format_names), NULL);
  return format_names[format];
}

/**
 * tsc_export_format_extension:
 *
 * Returns: the file name extension of @format, with its dot
 */
const char *
tsc_export_format_extension (TscExportFormat format)
{
  g_return_val_if_fail ((guint) format < G_N_ELEMENTS (format_extensions), NULL);
  return format_extensions[format];
}

/* ---------------------------------------------------------------------- */
/* JSON text                                                               */

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_autofree char *valid = NULL;

  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
          break;
        }
    }
  g_string_append_c (out, '"');
}

/* `,"name":` — every member written here follows another one. */
static void
append_name (GString    *out,
             const char *name)
{
  g_string_append_printf (out, ",\"%s\":", name);
}

/* A string member, left out when @value is %NULL. */
static void
append_string_member (GString    *out,
                      const char *name,
                      const char *value)
{
  if (value == NULL)
    return;
  append_name (out, name);
  append_json_string (out, value);
}

/* A string member, null when @value is %NULL. */
static void
append_nullable_member (GString    *out,
                        const char *name,
                        const char *value)
{
  append_name (out, name);
  if (value != NULL)
    append_json_string (out, value);
  else
    g_string_append (out, "null");
}

static void
append_int_member (GString    *out,
                   const char *name,
                   gint64      value)
{
  append_name (out, name);
  g_string_append_printf (out, "%" G_GINT64_FORMAT, value);
}

static void
append_time_member (GString    *out,
                    const char *name,
                    gint64      usec)
{
  g_autofree char *text = usec > 0 ? tsc_wire_format_time_usec (usec) : NULL;

  append_string_member (out, name, text);
}

/* The last texts found to be JSON: the messages of a batch repeat their
 * envelope's context and integrations, which need parsing only once. */
typedef struct
{
  char *valid[2];
} JsonSeen;

static void
json_seen_clear (JsonSeen *seen)
{
  for (guint i = 0; i < G_N_ELEMENTS (seen->valid); i++)
    g_clear_pointer (&seen->valid[i], g_free);
}

static gboolean
is_json (JsonSeen   *seen,
         const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (seen->valid); i++)
    {
      if (g_strcmp0 (seen->valid[i], text) == 0)
        return TRUE;
    }

  node = json_from_string (text, NULL);
  if (node == NULL)
    return FALSE;

  g_free (seen->valid[1]);
  seen->valid[1] = seen->valid[0];
  seen->valid[0] = g_strdup (text);
  return TRUE;
}

/* @json as a member's value when it is JSON; as a string otherwise. */
static void
append_json_member (GString    *out,
                    JsonSeen   *seen,
                    const char *name,
                    const char *json)
{
  if (json == NULL)
    return;

  append_name (out, name);
  if (is_json (seen, json))
    g_string_append (out, json);
  else
    append_json_string (out, json);
}

static void
append_upstream (GString                  *out,
                 const TscUpstreamOutcome *upstream)
{
  g_string_append (out, ",\"upstream\":{");
  g_string_append_printf (out, "\"status\":%u,\"attempts\":%u", upstream->status,
                          upstream->attempts);
  append_nullable_member (out, "error", upstream->error);
  append_time_member (out, "finishedAt", upstream->finished_at);
  g_string_append_c (out, '}');
}

static void
append_offsets_member (GString    *out,
                       const char *name,
                       GArray     *offsets)
{
  if (offsets->len == 0)
    return;

  append_name (out, name);
  g_string_append_c (out, '[');
  for (guint i = 0; i < offsets->len; i++)
    g_string_append_printf (out, "%s%" G_GSIZE_FORMAT, i ? "," : "",
                            g_array_index (offsets, gsize, i));
  g_string_append_c (out, ']');
}

/* ---------------------------------------------------------------------- */
/* Messages (NDJSON lines, the JSON export's "messages")                   */

/* The "_trackscope" object of @m; @line_breaks and @returns are the
 * offsets of the raw bytes' LF and CR, written as spaces. */
static void
append_trackscope (GString          *out,
                   JsonSeen         *seen,
                   TscMessage       *m,
                   TscRequestRecord *record,
                   gboolean          redacted,
                   GArray           *line_breaks,
                   GArray           *returns)
{
  TscTransport *t = m->transport;

  g_string_append_printf (out, "{\"seq\":%" G_GINT64_FORMAT, m->seq);
  append_string_member (out, "type", m->type_name);
  append_string_member (out, "messageId", m->message_id);
  g_string_append_printf (out, ",\"messageIdAdded\":%s", m->message_id_added ? "true" : "false");
  append_time_member (out, "receivedAt", m->received_at);
  append_time_member (out, "correctedTimestamp", m->corrected_at);
  if (t != NULL)
    {
      append_string_member (out, "route", t->route);
      append_string_member (out, "lane", t->lane);
      append_string_member (out, "remoteAddress", t->remote_addr);
      append_string_member (out, "userAgent", t->user_agent);
      append_string_member (out, "origin", t->origin);
      append_string_member (out, "writeKey", t->write_key);
      append_string_member (out, "authMethod", tsc_auth_method_to_string (t->auth_method));
      append_string_member (out, "contentEncoding", t->content_encoding);
      append_int_member (out, "requestId", t->request_id);
    }
  if (m->batch_index >= 0)
    append_int_member (out, "batchIndex", m->batch_index);
  append_string_member (out, "sentAt", m->sent_at);
  append_json_member (out, seen, "batchContext", m->batch_context);
  append_json_member (out, seen, "batchIntegrations", m->batch_integrations);
  if (record != NULL && record->upstream.state != TSC_UPSTREAM_NONE)
    append_upstream (out, &record->upstream);
  if (redacted)
    g_string_append (out, ",\"redacted\":true");
  append_offsets_member (out, "rawLineBreaks", line_breaks);
  append_offsets_member (out, "rawCarriageReturns", returns);
  g_string_append_c (out, '}');
}

/* The message's bytes as received with "_trackscope" added before the
 * closing brace; a raw value that is not an object is wrapped instead.
 * Line breaks between tokens become spaces so that the object stays on
 * one line; "_trackscope" says where they were. */
static void
append_message (GString          *out,
                JsonSeen         *seen,
                TscMessage       *m,
                TscRequestRecord *record,
                gboolean          redacted)
{
  g_autoptr(GArray) line_breaks = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GArray) returns = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize len = 0;
  const char *raw = m->raw ? g_bytes_get_data (m->raw, &len) : "";
  TscJsonSpan span;

  if (len > 0 && raw != NULL && tsc_json_span_trim (raw, len, &span) && raw[span.offset] == '{' &&
      raw[span.offset + span.length - 1] == '}')
    {
      gboolean empty = TRUE;
      gsize start = out->len;

      for (gsize i = span.offset + 1; i < span.offset + span.length - 1; i++)
        {
          if (!g_ascii_isspace (raw[i]))
            {
              empty = FALSE;
              break;
            }
        }

      g_string_append_len (out, raw + span.offset, span.length - 1);
      for (gsize i = start; i < out->len; i++)
        {
          gsize offset = span.offset + (i - start);

          if (out->str[i] == '\n')
            g_array_append_val (line_breaks, offset);
          else if (out->str[i] == '\r')
            g_array_append_val (returns, offset);
          else
            continue;
          out->str[i] = ' ';
        }

      g_string_append_printf (out, "%s\"_trackscope\":", empty ? "" : ",");
      append_trackscope (out, seen, m, record, redacted, line_breaks, returns);
      g_string_append_c (out, '}');
    }
  else
    {
      g_autofree char *text = g_strndup (raw, len);
      g_autoptr(JsonNode) node = len > 0 ? json_from_string (text, NULL) : NULL;

      /* Not an object: kept as a value when it is one, else as text. */
      g_string_append (out, "{\"_raw\":");
      if (node != NULL)
        {
          g_autofree char *compact = json_to_string (node, FALSE);

          g_string_append (out, compact);
        }
      else if (len > 0)
        append_json_string (out, text);
      else
        g_string_append (out, "null");
      g_string_append (out, ",\"_trackscope\":");
      append_trackscope (out, seen, m, record, redacted, line_breaks, returns);
      g_string_append_c (out, '}');
    }
}

/* ---------------------------------------------------------------------- */
/* Reading the session: requests merged with their messages                */

typedef struct
{
  TscSessionStore *store;
  GPtrArray       *requests;      /* TscRequestRecord *, the current chunk */
  guint            request_pos;
  gint64           after_id;
  gboolean         requests_end;
  GPtrArray       *messages;      /* TscMessage *, the current chunk */
  guint            message_pos;
  gint64           after_seq;
  gboolean         messages_end;
} Reader;

static void
reader_clear (Reader *reader)
{
  g_clear_object (&reader->store);
  g_clear_pointer (&reader->requests, g_ptr_array_unref);
  g_clear_pointer (&reader->messages, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reader, reader_clear)

static gboolean
peek_request (Reader            *reader,
              TscRequestRecord **record,
              GError           **error)
{
  *record = NULL;

  if (reader->requests != NULL && reader->request_pos < reader->requests->len)
    {
      *record = g_ptr_array_index (reader->requests, reader->request_pos);
      return TRUE;
    }
  if (reader->requests_end)
    return TRUE;

  g_clear_pointer (&reader->requests, g_ptr_array_unref);
  reader->requests = tsc_session_store_load_requests (reader->store, reader->after_id,
                                                      REQUEST_CHUNK, error);
  if (reader->requests == NULL)
    return FALSE;

  reader->request_pos = 0;
  if (reader->requests->len == 0)
    {
      reader->requests_end = TRUE;
      return TRUE;
    }

  reader->after_id = ((TscRequestRecord *) g_ptr_array_index (reader->requests,
                                                              reader->requests->len - 1))->id;
  *record = g_ptr_array_index (reader->requests, 0);
  return TRUE;
}

static gboolean
peek_message (Reader      *reader,
              TscMessage **message,
              GError     **error)
{
  *message = NULL;

  if (reader->messages != NULL && reader->message_pos < reader->messages->len)
    {
      *message = g_ptr_array_index (reader->messages, reader->message_pos);
      return TRUE;
    }
  if (reader->messages_end)
    return TRUE;

  g_clear_pointer (&reader->messages, g_ptr_array_unref);
  reader->messages = tsc_session_store_load_messages (reader->store, reader->after_seq, CHUNK,
                                                      error);
  if (reader->messages == NULL)
    return FALSE;

  reader->message_pos = 0;
  if (reader->messages->len == 0)
    {
      reader->messages_end = TRUE;
      return TRUE;
    }

  reader->after_seq = ((TscMessage *) g_ptr_array_index (reader->messages,
                                                         reader->messages->len - 1))->seq;
  *message = g_ptr_array_index (reader->messages, 0);
  return TRUE;
}

static gint64
message_request_id (TscMessage *m)
{
  return m->transport != NULL ? m->transport->request_id : 0;
}

/* The next request with its messages (none for a rejected one), in
 * receive order. Messages whose request is not in the file (a damaged
 * file) come as a group of their own with @record %NULL.
 *
 * Returns: %FALSE on error; @done is set at the end */
static gboolean
read_next (Reader            *reader,
           TscRequestRecord **record,
           GPtrArray         *messages,
           gboolean          *done,
           GError           **error)
{
  TscRequestRecord *next_record;
  TscMessage *next_message;
  gint64 request_id;

  *record = NULL;
  *done = FALSE;
  g_ptr_array_set_size (messages, 0);

  if (!peek_request (reader, &next_record, error) ||
      !peek_message (reader, &next_message, error))
    return FALSE;

  if (next_record == NULL && next_message == NULL)
    {
      *done = TRUE;
      return TRUE;
    }

  if (next_record != NULL &&
      (next_message == NULL || message_request_id (next_message) >= next_record->id))
    {
      *record = tsc_request_record_ref (next_record);
      reader->request_pos++;
      request_id = next_record->id;
    }
  else
    {
      request_id = message_request_id (next_message);
    }

  while (next_message != NULL && message_request_id (next_message) == request_id)
    {
      g_ptr_array_add (messages, tsc_message_ref (next_message));
      reader->message_pos++;
      if (!peek_message (reader, &next_message, error))
        return FALSE;
    }

  return TRUE;
}

/**
 * tsc_export_count_requests:
 * @n_requests: (out): how many requests the session file holds
 */
gboolean
tsc_export_count_requests (TscSessionStore  *store,
                           guint64          *n_requests,
                           GError          **error)
{
  gint64 after = 0;
  guint64 n = 0;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (store), FALSE);
  g_return_val_if_fail (n_requests != NULL, FALSE);

  for (;;)
    {
      g_autoptr(GPtrArray) chunk = tsc_session_store_load_requests (store, after, REQUEST_CHUNK,
                                                                    error);

      if (chunk == NULL)
        return FALSE;
      if (chunk->len == 0)
        break;

      n += chunk->len;
      after = ((TscRequestRecord *) g_ptr_array_index (chunk, chunk->len - 1))->id;
    }

  *n_requests = n;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                 */

typedef struct
{
  const TscExportOptions *options;
  GOutputStream          *out;
  GCancellable           *cancellable;
  GString                *buffer;
  guint64                 done;          /* messages written */
  guint64                 total;
  guint                   pending;       /* messages and requests since the last flush */
  gboolean                first;         /* no item written yet in the current array */
  JsonSeen                seen;
  TscIdentityModel       *model;         /* JSON */
  char                   *collector;     /* HAR */
  gint64                  exported_at;   /* µs since the epoch */
} Writer;

static void
writer_clear (Writer *w)
{
  if (w->buffer != NULL)
    g_string_free (g_steal_pointer (&w->buffer), TRUE);
  json_seen_clear (&w->seen);
  g_clear_object (&w->model);
  g_clear_pointer (&w->collector, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Writer, writer_clear)

/* Writes what is buffered, tells the progress function and stops when
 * the export was cancelled (from the progress function too). */
static gboolean
writer_flush (Writer  *w,
              GError **error)
{
  if (w->buffer->len > 0 &&
      !g_output_stream_write_all (w->out, w->buffer->str, w->buffer->len, NULL, w->cancellable,
                                  error))
    return FALSE;

  g_string_truncate (w->buffer, 0);
  w->pending = 0;

  if (w->options->progress != NULL)
    w->options->progress (w->done, w->total, w->options->progress_data);

  return !g_cancellable_set_error_if_cancelled (w->cancellable, error);
}

static gboolean
writer_after_item (Writer  *w,
                   guint    n_messages,
                   GError **error)
{
  w->done += n_messages;
  w->pending += MAX (n_messages, 1);

  if (w->pending >= CHUNK || w->buffer->len >= FLUSH_BYTES)
    return writer_flush (w, error);
  return TRUE;
}

static void
writer_separate (Writer *w)
{
  if (!w->first)
    g_string_append (w->buffer, ",\n");
  w->first = FALSE;
}

/* @messages redacted when the export redacts. */
static GPtrArray *
redact_messages (Writer    *w,
                 GPtrArray *messages)
{
  GPtrArray *out = g_ptr_array_new_full (messages->len, (GDestroyNotify) tsc_message_unref);
  TscRedactor *redactor = w->options->redactor;

  for (guint i = 0; i < messages->len; i++)
    {
      TscMessage *m = g_ptr_array_index (messages, i);

      g_ptr_array_add (out, redactor != NULL ? tsc_redactor_redact_message (redactor, m)
                                             : tsc_message_ref (m));
    }

  return out;
}

/* NDJSON ------------------------------------------------------------------ */

static gboolean
write_ndjson_request (Writer            *w,
                      TscRequestRecord  *record,
                      GPtrArray         *messages,
                      GError           **error)
{
  g_autoptr(GPtrArray) written = redact_messages (w, messages);

  for (guint i = 0; i < written->len; i++)
    {
      append_message (w->buffer, &w->seen, g_ptr_array_index (written, i), record,
                      w->options->redactor != NULL);
      g_string_append_c (w->buffer, '\n');
    }

  return writer_after_item (w, written->len, error);
}

/* JSON -------------------------------------------------------------------- */

static void
append_redaction (GString     *out,
                  TscRedactor *redactor)
{
  const char * const *patterns;

  append_name (out, "redaction");
  if (redactor == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  patterns = tsc_redactor_get_patterns (redactor);
  g_string_append (out, "{\"patterns\":[");
  for (guint i = 0; patterns[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_json_string (out, patterns[i]);
    }
  g_string_append (out, "],\"hash\":\"hmac-sha256\"}");
}

static gboolean
write_json_header (Writer           *w,
                   TscSessionStore  *store,
                   TscRuleConfig    *config,
                   GError          **error)
{
  g_autofree char *collector = tsc_session_store_get_info (store, "collector");
  const char *profile = tsc_rule_config_get_profile (config);
  GString *out = w->buffer;
  guint64 n_requests = 0;
  gint64 first = 0;
  gint64 last = 0;

  if (!tsc_export_count_requests (store, &n_requests, error))
    return FALSE;
  tsc_session_store_get_time_range (store, &first, &last);

  g_string_append (out, "{\"trackscope\":{\"format\":\"" EXPORT_FORMAT_NAME "\"");
  append_int_member (out, "formatVersion", EXPORT_FORMAT_VERSION);
  append_string_member (out, "version", PACKAGE_VERSION);
  append_time_member (out, "exportedAt", w->exported_at);

  g_string_append (out, ",\"session\":{");
  {
    g_autofree char *start = first > 0 ? tsc_wire_format_time_usec (first) : NULL;
    g_autofree char *end = last > 0 ? tsc_wire_format_time_usec (last) : NULL;

    g_string_append (out, "\"captureStart\":");
    if (start != NULL)
      append_json_string (out, start);
    else
      g_string_append (out, "null");
    append_nullable_member (out, "captureEnd", end);
  }
  append_nullable_member (out, "collector", collector);
  append_string_member (out, "profile", profile != NULL ? profile : "segment");
  append_int_member (out, "messages", (gint64) w->total);
  append_int_member (out, "requests", (gint64) n_requests);
  g_string_append_c (out, '}');

  append_redaction (out, w->options->redactor);
  g_string_append (out, "},\n\"messages\":[\n");

  w->first = TRUE;
  return TRUE;
}

static gboolean
write_json_request (Writer            *w,
                    TscRequestRecord  *record,
                    GPtrArray         *messages,
                    GError           **error)
{
  g_autoptr(GPtrArray) written = redact_messages (w, messages);

  for (guint i = 0; i < written->len; i++)
    {
      TscMessage *m = g_ptr_array_index (written, i);
      g_autoptr(GPtrArray) raised = NULL;

      writer_separate (w);
      append_message (w->buffer, &w->seen, m, record, w->options->redactor != NULL);

      /* Flags can still grow as later messages arrive: they are read
       * from the model once, at the end. */
      raised = tsc_identity_model_add (w->model, m);
    }

  return writer_after_item (w, written->len, error);
}

static void
append_flag (GString *out,
             TscFlag *flag)
{
  const TscRuleInfo *rule = tsc_rule_get_info (flag->rule);
  guint n = flag->seqs != NULL ? flag->seqs->len : 0;

  g_string_append (out, "{\"rule\":");
  if (rule != NULL)
    append_json_string (out, rule->id);
  else
    g_string_append (out, "null");
  append_nullable_member (out, "severity", tsc_severity_to_string (flag->severity));
  append_nullable_member (out, "summary", flag->summary);
  append_nullable_member (out, "explanation", flag->explanation);

  g_string_append (out, ",\"seqs\":[");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            g_array_index (flag->seqs, gint64, i));
  g_string_append (out, "],\"messageIds\":[");
  for (guint i = 0; i < n; i++)
    {
      const char *id = flag->message_ids != NULL && i < flag->message_ids->len
                       ? g_ptr_array_index (flag->message_ids, i) : NULL;

      if (i > 0)
        g_string_append_c (out, ',');
      if (id != NULL)
        append_json_string (out, id);
      else
        g_string_append (out, "null");
    }
  g_string_append_c (out, ']');

  append_nullable_member (out, "userId", flag->user_id);
  append_nullable_member (out, "anonymousId", flag->anonymous_id);
  g_string_append_c (out, '}');
}

static gboolean
write_json_footer (Writer  *w,
                   GError **error)
{
  GPtrArray *flags = tsc_identity_model_get_flags (w->model);

  g_string_append (w->buffer, "\n],\n\"flags\":[\n");
  w->first = TRUE;

  for (guint i = 0; flags != NULL && i < flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);

      /* As in `check`: a rule turned off reports nothing. */
      if (flag->severity <= TSC_SEVERITY_OFF || flag->severity > TSC_SEVERITY_ERROR)
        continue;

      writer_separate (w);
      append_flag (w->buffer, flag);
      if (w->buffer->len >= FLUSH_BYTES && !writer_flush (w, error))
        return FALSE;
    }

  g_string_append (w->buffer, "\n]}\n");
  return TRUE;
}

/* HAR --------------------------------------------------------------------- */

static const char *
status_text (guint status)
{
  static const struct
  {
    guint       status;
    const char *text;
  } texts[] = {
    { 200, "OK" },
    { 400, "Bad Request" },
    { 401, "Unauthorized" },
    { 403, "Forbidden" },
    { 404, "Not Found" },
    { 405, "Method Not Allowed" },
    { 413, "Payload Too Large" },
    { 415, "Unsupported Media Type" },
    { 500, "Internal Server Error" },
    { 503, "Service Unavailable" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      if (texts[i].status == status)
        return texts[i].text;
    }

  return "";
}

/* What the collector answered: {"success":true}, or
 * {"success":false,"code":…,"message":…}, spelled as it spells them. */
static char *
reply_body (guint       status,
            const char *code,
            const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, status == 200);
  if (status != 200)
    {
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, code != NULL ? code : "");
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, message != NULL ? message : "");
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void
append_name_value (GString    *out,
                   const char *name,
                   const char *value)
{
  g_string_append (out, "{\"name\":");
  append_json_string (out, name);
  g_string_append (out, ",\"value\":");
  append_json_string (out, value);
  g_string_append_c (out, '}');
}

static void
append_har_headers (GString    *out,
                    const char *headers_json)
{
  g_autoptr(JsonNode) root = headers_json != NULL ? json_from_string (headers_json, NULL) : NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  gboolean first = TRUE;

  g_string_append (out, "\"headers\":[");
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      object = json_node_get_object (root);
      members = json_object_get_members (object);
      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *node = json_object_get_member (object, l->data);

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            continue;
          if (!first)
            g_string_append_c (out, ',');
          first = FALSE;
          append_name_value (out, l->data, json_node_get_string (node));
        }
    }
  g_string_append_c (out, ']');
}

/* The Host a request was sent to, when its headers name one. */
static char *
requested_host (const char *headers_json)
{
  g_autoptr(JsonNode) root = headers_json != NULL ? json_from_string (headers_json, NULL) : NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (object, l->data);

      if (g_ascii_strcasecmp (l->data, "Host") == 0 && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING && *json_node_get_string (node) != '\0')
        return g_strdup (json_node_get_string (node));
    }
  return NULL;
}

/* The request body as the collector decoded it: rebuilt from the
 * messages, or the kept body of a rejected request. */
static GBytes *
har_body (Writer           *w,
          TscRequestRecord *record,
          TscTransport     *transport,
          GPtrArray        *messages)
{
  if (messages->len > 0)
    return tsc_request_body_rebuild (transport, messages, NULL);

  if (record != NULL && record->body != NULL)
    {
      if (w->options->redactor != NULL)
        return tsc_redactor_redact_body (w->options->redactor, record->body);
      return g_bytes_ref (record->body);
    }

  /* Accepted without a message: an empty batch. */
  if (tsc_request_body_is_batch (transport))
    return g_bytes_new_static ("{\"batch\":[]}", strlen ("{\"batch\":[]}"));
  return g_bytes_new_static ("", 0);
}

static gboolean
write_har_request (Writer            *w,
                   TscRequestRecord  *record,
                   GPtrArray         *messages,
                   GError           **error)
{
  TscRedactor *redactor = w->options->redactor;
  g_autoptr(GPtrArray) written = redact_messages (w, messages);
  g_autoptr(TscTransport) transport = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *headers = NULL;
  g_autofree char *started = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *error_message = NULL;
  g_autofree char *query_key = NULL;
  g_autofree char *body_text = NULL;
  GString *out = w->buffer;
  TscTransport *original;
  gboolean body_base64 = FALSE;
  gint64 received_at;
  guint status;
  gsize body_len;
  const char *body_data;

  /* A request without a record (a damaged file) is told from its
   * messages' transport. */
  original = record != NULL ? record->transport
                            : ((TscMessage *) g_ptr_array_index (messages, 0))->transport;
  transport = redactor != NULL ? tsc_redactor_redact_transport (redactor, original)
                               : tsc_transport_ref (original);
  received_at = record != NULL ? record->received_at
                               : ((TscMessage *) g_ptr_array_index (messages, 0))->received_at;
  status = record != NULL && record->status != 0 ? record->status : 200;

  if (record != NULL && record->headers_json != NULL)
    headers = redactor != NULL ? tsc_redactor_redact_headers (redactor, record->headers_json)
                               : g_strdup (record->headers_json);

  error_message = g_strdup (record != NULL ? record->error_message : NULL);
  if (redactor != NULL && error_message != NULL && original->write_key != NULL &&
      *original->write_key != '\0' && g_strcmp0 (original->write_key, transport->write_key) != 0)
    {
      /* "Write key “…” is not one this collector accepts" */
      g_autoptr(GString) text = g_string_new (error_message);

      g_string_replace (text, original->write_key, transport->write_key, 0);
      g_free (error_message);
      error_message = g_string_free (g_steal_pointer (&text), FALSE);
    }
  reply = reply_body (status, record != NULL ? record->error_code : NULL, error_message);

  body = har_body (w, record, transport, written);
  body_data = g_bytes_get_data (body, &body_len);
  if (body_len == 0)
    body_text = g_strdup ("");
  else if (g_utf8_validate (body_data, body_len, NULL) &&
           memchr (body_data, '\0', body_len) == NULL)
    body_text = g_strndup (body_data, body_len);
  else
    {
      body_text = g_base64_encode ((const guchar *) body_data, body_len);
      body_base64 = TRUE;
    }

  if (transport->auth_method == TSC_AUTH_QUERY && transport->write_key != NULL)
    query_key = g_uri_escape_string (transport->write_key, NULL, FALSE);

  /* HAR needs a start time. Calls read from files without a receive
   * time get this export's, the same for all so that their order stays;
   * "_trackscope" tells that the time is unknown by leaving it out. */
  started = tsc_wire_format_time (received_at > 0 ? received_at : w->exported_at);

  writer_separate (w);
  g_string_append (out, "{\"startedDateTime\":");
  append_json_string (out, started);
  g_string_append (out, ",\"time\":0,\"request\":{\"method\":");
  append_json_string (out, transport->method != NULL ? transport->method : "POST");
  g_string_append (out, ",\"url\":");
  {
    /* The address the client used, as its Host header says: a session
     * appended to by captures on other ports keeps each one's. */
    g_autofree char *host = record != NULL ? requested_host (record->headers_json) : NULL;
    g_autoptr(GString) url = host != NULL ? g_string_new ("http://") : g_string_new (w->collector);

    if (host != NULL)
      g_string_append (url, host);

    g_string_append (url, transport->path != NULL ? transport->path
                                                  : transport->route != NULL ? transport->route
                                                                             : "/");
    if (query_key != NULL)
      g_string_append_printf (url, "?writeKey=%s", query_key);
    append_json_string (out, url->str);
  }
  g_string_append (out, ",\"httpVersion\":\"HTTP/1.1\",");
  append_har_headers (out, headers);
  g_string_append (out, ",\"queryString\":[");
  if (query_key != NULL)
    append_name_value (out, "writeKey", transport->write_key);
  g_string_append (out, "],\"cookies\":[],\"headersSize\":-1");
  append_int_member (out, "bodySize",
                     record != NULL ? (gint64) record->body_size : (gint64) body_len);
  g_string_append (out, ",\"postData\":{\"mimeType\":");
  append_json_string (out, transport->content_type != NULL ? transport->content_type
                                                           : "application/json");
  g_string_append (out, ",\"text\":");
  append_json_string (out, body_text);
  g_string_append (out, "}}");

  g_string_append_printf (out, ",\"response\":{\"status\":%u,\"statusText\":", status);
  append_json_string (out, status_text (status));
  g_string_append (out, ",\"httpVersion\":\"HTTP/1.1\",\"headers\":[");
  append_name_value (out, "Content-Type", "application/json");
  g_string_append_printf (out, "],\"content\":{\"size\":%" G_GSIZE_FORMAT
                          ",\"mimeType\":\"application/json\",\"text\":", strlen (reply));
  append_json_string (out, reply);
  g_string_append_printf (out, "},\"redirectURL\":\"\",\"headersSize\":-1,\"bodySize\":%"
                          G_GSIZE_FORMAT "}", strlen (reply));

  g_string_append (out, ",\"cache\":{},\"timings\":{\"send\":0,\"wait\":0,\"receive\":0}");

  /* What a HAR has no place for, so that our own HAR reads back exactly. */
  g_string_append (out, ",\"_trackscope\":{");
  g_string_append_printf (out, "\"requestId\":%" G_GINT64_FORMAT,
                          record != NULL ? record->id : transport->request_id);
  append_time_member (out, "receivedAt", received_at);
  append_string_member (out, "remoteAddress", transport->remote_addr);
  append_string_member (out, "contentEncoding", transport->content_encoding);
  append_string_member (out, "writeKey", transport->write_key);
  append_string_member (out, "authMethod", tsc_auth_method_to_string (transport->auth_method));
  g_string_append (out, ",\"messageIds\":[");
  for (guint i = 0; i < written->len; i++)
    {
      TscMessage *m = g_ptr_array_index (written, i);

      if (i > 0)
        g_string_append_c (out, ',');
      if (m->message_id != NULL)
        append_json_string (out, m->message_id);
      else
        g_string_append (out, "null");
    }
  g_string_append (out, "],\"messageIdsAdded\":[");
  {
    gboolean first = TRUE;

    for (guint i = 0; i < written->len; i++)
      {
        TscMessage *m = g_ptr_array_index (written, i);

        if (!m->message_id_added)
          continue;
        g_string_append_printf (out, "%s%u", first ? "" : ",", i);
        first = FALSE;
      }
  }
  g_string_append_c (out, ']');
  if (record != NULL && record->upstream.state != TSC_UPSTREAM_NONE)
    append_upstream (out, &record->upstream);
  if (record != NULL && record->body_truncated && written->len == 0)
    g_string_append (out, ",\"bodyTruncated\":true");
  if (body_base64)
    g_string_append (out, ",\"bodyEncoding\":\"base64\"");
  if (redactor != NULL)
    g_string_append (out, ",\"redacted\":true");
  g_string_append (out, "}}");

  return writer_after_item (w, written->len, error);
}

static void
write_har_header (Writer          *w,
                  TscSessionStore *store)
{
  g_autofree char *collector = tsc_session_store_get_info (store, "collector");
  gsize len;

  w->collector = g_strdup (collector != NULL && *collector != '\0' ? collector
                                                                   : DEFAULT_COLLECTOR);
  len = strlen (w->collector);
  while (len > 0 && w->collector[len - 1] == '/')
    w->collector[--len] = '\0';

  g_string_append (w->buffer, "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"Trackscope\","
                              "\"version\":\"" PACKAGE_VERSION "\"},\"pages\":[],\"entries\":[\n");
  w->first = TRUE;
}

/* ---------------------------------------------------------------------- */
/* The export                                                              */

/**
 * tsc_export_session:
 * @session_path: a session file
 * @options: the format, redaction, rules and progress function
 * @out: where to write; not closed
 * @cancellable: (nullable): checked after each chunk; a cancelled export
 *   fails with %G_IO_ERROR_CANCELLED, and what was written is incomplete
 * @n_written: (out) (optional): how many messages were written
 *
 * Writes @session_path to @out as @options->format, streaming in chunks.
 */
gboolean
tsc_export_session (const char              *session_path,
                    const TscExportOptions  *options,
                    GOutputStream           *out,
                    GCancellable            *cancellable,
                    guint64                 *n_written,
                    GError                 **error)
{
  g_auto(Reader) reader = { 0 };
  g_auto(Writer) w = { 0 };
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(TscRuleConfig) config = NULL;
  gint64 total;

  g_return_val_if_fail (session_path != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail ((guint) options->format <= TSC_EXPORT_HAR, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  reader.store = tsc_session_store_open (session_path, TSC_SESSION_STORE_OPEN_READ_ONLY, error);
  if (reader.store == NULL)
    return FALSE;

  total = tsc_session_store_count_messages (reader.store, error);
  if (total < 0)
    return FALSE;

  w.options = options;
  w.out = out;
  w.cancellable = cancellable;
  w.buffer = g_string_sized_new (64 * 1024);
  w.total = total;
  w.exported_at = g_get_real_time ();
  messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);

  switch (options->format)
    {
    case TSC_EXPORT_JSON:
      config = options->rules != NULL ? tsc_rule_config_ref (options->rules)
                                      : tsc_rule_config_new (NULL, error);
      if (config == NULL)
        return FALSE;
      w.model = tsc_identity_model_new (config);
      if (!write_json_header (&w, reader.store, config, error))
        return FALSE;
      break;
    case TSC_EXPORT_HAR:
      write_har_header (&w, reader.store);
      break;
    case TSC_EXPORT_NDJSON:
    default:
      break;
    }

  for (;;)
    {
      g_autoptr(TscRequestRecord) record = NULL;
      gboolean done = FALSE;
      gboolean ok;

      if (!read_next (&reader, &record, messages, &done, error))
        return FALSE;
      if (done)
        break;

      switch (options->format)
        {
        case TSC_EXPORT_JSON:
          ok = write_json_request (&w, record, messages, error);
          break;
        case TSC_EXPORT_HAR:
          ok = write_har_request (&w, record, messages, error);
          break;
        case TSC_EXPORT_NDJSON:
        default:
          /* Rejected requests have no message to write. */
          ok = write_ndjson_request (&w, record, messages, error);
          break;
        }
      if (!ok)
        return FALSE;
    }

  if (options->format == TSC_EXPORT_JSON && !write_json_footer (&w, error))
    return FALSE;
  if (options->format == TSC_EXPORT_HAR)
    g_string_append (w.buffer, "\n]}}\n");

  if (!writer_flush (&w, error))
    return FALSE;

  if (n_written != NULL)
    *n_written = w.done;
  return g_output_stream_flush (out, cancellable, error);
}

static gboolean
same_file (const char *a,
           const char *b)
{
  GStatBuf sa;
  GStatBuf sb;

  if (g_stat (a, &sa) != 0 || g_stat (b, &sb) != 0)
    return FALSE;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/**
 * tsc_export_session_to_file:
 * @target: the file to write; replaced only once the export is complete
 *
 * Exports @session_path like tsc_export_session() into a hidden file
 * beside @target, renamed over it at the end: a failed or cancelled
 * export leaves @target as it was and nothing else behind. Refuses to
 * write over the session itself.
 */
gboolean
tsc_export_session_to_file (const char              *session_path,
                            const TscExportOptions  *options,
                            const char              *target,
                            GCancellable            *cancellable,
                            guint64                 *n_written,
                            GError                 **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp_path = NULL;
  g_autoptr(GOutputStream) out = NULL;
  GError *local_error = NULL;
  mode_t mask;
  int fd;

  g_return_val_if_fail (session_path != NULL, FALSE);
  g_return_val_if_fail (target != NULL, FALSE);

  if (same_file (target, session_path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is the session itself; choose another file", target);
      return FALSE;
    }

  dir = g_path_get_dirname (target);
  base = g_path_get_basename (target);
  tmp_path = g_strdup_printf ("%s" G_DIR_SEPARATOR_S ".%s.XXXXXX", dir, base);
  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot write “%s”: %s", target, g_strerror (saved_errno));
      return FALSE;
    }

  /* mkstemp makes the file private; an export gets the usual mode. */
  mask = umask (0);
  umask (mask);
  fchmod (fd, 0666 & ~mask);

  out = g_unix_output_stream_new (fd, TRUE);
  if (!tsc_export_session (session_path, options, out, cancellable, n_written, &local_error) ||
      !g_output_stream_close (out, NULL, &local_error))
    {
      g_output_stream_close (out, NULL, NULL);
      g_unlink (tmp_path);
      if (local_error->domain == G_IO_ERROR &&
          !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&local_error, "Cannot write “%s”: ", target);
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (g_rename (tmp_path, target) != 0)
    {
      int saved_errno = errno;

      g_unlink (tmp_path);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot write “%s”: %s", target, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/**
 * tsc_export_ndjson:
 * @n_written: (out) (optional): how many messages were written
 *
 * Writes every message of @session_path to @out as NDJSON, without
 * redaction.
 */
gboolean
tsc_export_ndjson (const char     *session_path,
                   GOutputStream  *out,
                   GCancellable   *cancellable,
                   guint64        *n_written,
                   GError        **error)
{
  TscExportOptions options = { 0 };

  options.format = TSC_EXPORT_NDJSON;
  return tsc_export_session (session_path, &options, out, cancellable, n_written, error);
}
