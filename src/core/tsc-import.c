/* tsc-import.c
 *
 * Reads calls from files, whatever their format, into the same
 * TscMessage the collector makes, so that `check`, `import` and the app
 * give a file the flags a live capture of the same calls gets.
 *
 * The format is found from the content, never from the file name:
 *
 *  - "SQLite format 3\0" at the start: a session file;
 *  - an object with `log.entries`: HAR 1.2, whose POST requests to a
 *    Tracking API route are decoded exactly as the collector decodes them;
 *  - a first line that is a whole JSON value followed by more: NDJSON,
 *    one message, batch body or array of messages per line;
 *  - otherwise one JSON document: an array of messages, a batch body or
 *    one message.
 *
 * A gzip-compressed file is read through its decompression.
 *
 * NDJSON and HAR are read leniently: a bad line or entry is reported (see
 * tsc_importer_get_problems()) and skipped, unless the importer is strict.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-import"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tsc-import.h"
#include "tsc-route.h"
#include "tsc-session-store.h"
#include "tsc-wire.h"

#define SQLITE_MAGIC        "SQLite format 3"   /* and its terminating NUL: 16 bytes */
#define SESSION_CHUNK       2048
/* Lines looked at to tell NDJSON with a bad first line from a broken document. */
#define NDJSON_SNIFF_LINES  10

struct _TscImporter
{
  GObject          parent_instance;

  TscImportFlags   flags;
  TscImportFormat  format;     /* of the last file read */
  guint            n_inputs;
  guint64          n_messages;
  GPtrArray       *problems;   /* GError * */
};

G_DEFINE_FINAL_TYPE (TscImporter, tsc_importer, G_TYPE_OBJECT)

G_DEFINE_QUARK (tsc-import-error-quark, tsc_import_error)

/* What one read needs: the importer, where the messages go, where they
 * came from. */
typedef struct
{
  TscImporter       *self;
  TscImportFunc      func;
  gpointer           user_data;
  TscImportLocation  location;
} Reader;

static void
tsc_importer_finalize (GObject *object)
{
  TscImporter *self = TSC_IMPORTER (object);

  g_clear_pointer (&self->problems, g_ptr_array_unref);

  G_OBJECT_CLASS (tsc_importer_parent_class)->finalize (object);
}

static void
tsc_importer_class_init (TscImporterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tsc_importer_finalize;
}

static void
tsc_importer_init (TscImporter *self)
{
  self->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
}

const char *
tsc_import_format_to_string (TscImportFormat format)
{
  switch (format)
    {
    case TSC_IMPORT_FORMAT_SESSION:
      return "session";
    case TSC_IMPORT_FORMAT_NDJSON:
      return "ndjson";
    case TSC_IMPORT_FORMAT_JSON:
      return "json";
    case TSC_IMPORT_FORMAT_HAR:
      return "har";
    case TSC_IMPORT_FORMAT_UNKNOWN:
    default:
      return "unknown";
    }
}

/**
 * tsc_importer_new:
 * @flags: %TSC_IMPORT_FLAGS_STRICT to fail on the first bad line or entry
 *
 * An importer reads one file after another and numbers their messages
 * 1, 2, 3… across all of them, in the order they are read.
 */
TscImporter *
tsc_importer_new (TscImportFlags flags)
{
  TscImporter *self = g_object_new (TSC_TYPE_IMPORTER, NULL);

  self->flags = flags;
  return self;
}

/**
 * tsc_importer_get_format:
 *
 * Returns: the format of the file last given to tsc_importer_read_file(),
 *   once it was recognised
 */
TscImportFormat
tsc_importer_get_format (TscImporter *self)
{
  g_return_val_if_fail (TSC_IS_IMPORTER (self), TSC_IMPORT_FORMAT_UNKNOWN);
  return self->format;
}

guint
tsc_importer_get_n_inputs (TscImporter *self)
{
  g_return_val_if_fail (TSC_IS_IMPORTER (self), 0);
  return self->n_inputs;
}

/**
 * tsc_importer_get_n_messages:
 *
 * Returns: how many messages were read so far, from every file: the seq
 *   of the last one
 */
guint64
tsc_importer_get_n_messages (TscImporter *self)
{
  g_return_val_if_fail (TSC_IS_IMPORTER (self), 0);
  return self->n_messages;
}

/**
 * tsc_importer_get_problems:
 *
 * Returns: (transfer none) (element-type GError): the bad lines and entries
 *   that were skipped, in %TSC_IMPORT_ERROR, in the order they were met;
 *   each message names the file and the line or entry
 */
GPtrArray *
tsc_importer_get_problems (TscImporter *self)
{
  g_return_val_if_fail (TSC_IS_IMPORTER (self), NULL);
  return self->problems;
}

static void
emit (Reader     *reader,
      TscMessage *message,
      guint       line,
      guint       entry)
{
  message->seq = (gint64) ++reader->self->n_messages;
  reader->location.line = line;
  reader->location.entry = entry;
  reader->func (message, &reader->location, reader->user_data);
}

/* The format of the file being read, once it is recognised. */
static void
set_format (Reader          *reader,
            TscImportFormat  format)
{
  reader->self->format = reader->location.format = format;
}

/* A problem that can be skipped: fatal when strict, noted otherwise. */
static gboolean
skip_or_fail (Reader  *reader,
              GError  *problem,
              GError **error)
{
  if (reader->self->flags & TSC_IMPORT_FLAGS_STRICT)
    {
      g_propagate_error (error, problem);
      return FALSE;
    }

  g_ptr_array_add (reader->self->problems, problem);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Reading the bytes                                                       */

/* The bytes of a file, read a chunk at a time. While the format is being
 * found, everything read is kept; an NDJSON file is then walked line by
 * line with only the current chunk in memory, so that a file of a million
 * calls is read in flat memory. */
typedef struct
{
  GInputStream *stream;
  GByteArray   *buf;
  gsize         pos;    /* the first byte not consumed yet */
  gboolean      eof;
  gboolean      keep;   /* keep every byte read: no compaction */
  gboolean      gzip;   /* read through gzip decompression */
  const char   *path;
  guint         line;   /* the line @pos is on */
} Source;

#define READ_CHUNK (256 * 1024)

static void
source_clear (Source *source)
{
  g_clear_object (&source->stream);
  g_clear_pointer (&source->buf, g_byte_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Source, source_clear)

static gboolean
source_fill (Source  *source,
             GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint old_len;
  gssize n;

  if (source->eof)
    return TRUE;

  if (!source->keep && source->pos > 0 && source->pos >= source->buf->len / 2)
    {
      g_byte_array_remove_range (source->buf, 0, source->pos);
      source->pos = 0;
    }

  old_len = source->buf->len;
  g_byte_array_set_size (source->buf, old_len + READ_CHUNK);
  n = g_input_stream_read (source->stream, source->buf->data + old_len, READ_CHUNK,
                           NULL, &local_error);
  g_byte_array_set_size (source->buf, old_len + MAX (n, 0));

  if (n < 0)
    {
      if (source->gzip && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ,
                     "%s: a gzip file cut short (its compressed data ends early)", source->path);
      else if (source->gzip)
        g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ,
                     "%s: a gzip file that cannot be decompressed: %s",
                     source->path, local_error->message);
      else
        g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ,
                     "%s: cannot be read: %s", source->path, local_error->message);
      return FALSE;
    }

  if (n == 0)
    source->eof = TRUE;

  return TRUE;
}

/* Reads until @len bytes from @pos are there, or the end. */
static gboolean
source_ensure (Source  *source,
               gsize    len,
               GError **error)
{
  while (!source->eof && source->buf->len - source->pos < len)
    {
      if (!source_fill (source, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
source_read_all (Source  *source,
                 GError **error)
{
  while (!source->eof)
    {
      if (!source_fill (source, error))
        return FALSE;
    }

  return TRUE;
}

/* Finds the line at @pos: [*start, *end) with *end at its newline or at
 * the end of the file. *start == *end == the length at the end. */
static gboolean
source_next_line (Source  *source,
                  gsize   *start,
                  gsize   *end,
                  GError **error)
{
  gsize scanned = 0;

  for (;;)
    {
      const guint8 *data = source->buf->data;
      gsize from = source->pos + scanned;
      const guint8 *nl = from < source->buf->len ? memchr (data + from, '\n', source->buf->len - from)
                                                 : NULL;

      if (nl != NULL || source->eof)
        {
          *start = source->pos;
          *end = nl != NULL ? (gsize) (nl - data) : source->buf->len;
          return TRUE;
        }

      scanned = source->buf->len - source->pos;
      if (!source_fill (source, error))
        return FALSE;
    }
}

static gboolean
is_ws (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gsize
skip_ws (const char *data,
         gsize       len,
         gsize       pos)
{
  while (pos < len && is_ws (data[pos]))
    pos++;
  return pos;
}

/* Moves *@pos past white space, reading more as long as the buffer ends
 * in it: *@pos is then at the next other byte, or at the end of the file. */
static gboolean
source_skip_ws (Source  *source,
                gsize   *pos,
                GError **error)
{
  for (;;)
    {
      *pos = skip_ws ((const char *) source->buf->data, source->buf->len, *pos);
      if (*pos < source->buf->len || source->eof)
        return TRUE;
      if (!source_fill (source, error))
        return FALSE;
    }
}

/* The 1-based line of @offset, counted from @from (at line @from_line). */
static guint
advance_line (const char *data,
              gsize       from,
              gsize       offset,
              guint       from_line)
{
  const char *p = data + from;
  const char *end = data + offset;

  while (p < end && (p = memchr (p, '\n', end - p)) != NULL)
    {
      from_line++;
      p++;
    }

  return from_line;
}

/* ---------------------------------------------------------------------- */
/* Error messages                                                          */

static const char *
skip_parse_error (const char *text)
{
  return g_str_has_prefix (text, "Parse error: ") ? text + strlen ("Parse error: ") : text;
}

/* Says what a TSC_WIRE_ERROR from decoding a piece of a file means, for a
 * person who did not send it over HTTP: @what is "the line", "the body"…
 * Finds the line and column when json-glib reported them. */
static char *
describe_wire_error (const GError *error,
                     const char   *what,
                     guint        *line,
                     guint        *column)
{
  const char *message = error->message;
  unsigned int l = 0, c = 0;
  int consumed = 0;

  if (sscanf (message, "The body is not valid JSON (line %u, column %u): %n", &l, &c, &consumed) == 2 &&
      consumed > 0)
    {
      if (line != NULL)
        *line = l;
      if (column != NULL)
        *column = c;
      return g_strdup_printf ("not valid JSON: %s", skip_parse_error (message + consumed));
    }

  if (g_str_has_prefix (message, "The body is not valid JSON: "))
    return g_strdup_printf ("not valid JSON: %s", message + strlen ("The body is not valid JSON: "));

  if (g_str_has_prefix (message, "The body "))
    return g_strdup_printf ("%s %s", what, message + strlen ("The body "));

  if (g_str_has_prefix (message, "The "))
    return g_strdup_printf ("the %s", message + strlen ("The "));

  return g_strdup (message);
}

/* json-glib says "<data>:LINE:COLUMN: Parse error: ..." */
static char *
describe_parser_error (const GError *error,
                       guint        *line,
                       guint        *column)
{
  unsigned int l = 0, c = 0;
  int consumed = 0;
  const char *rest;

  if (sscanf (error->message, "<data>:%u:%u: %n", &l, &c, &consumed) != 2 || consumed <= 0)
    return g_strdup_printf ("not valid JSON: %s", error->message);

  *line = l;
  *column = c;
  rest = skip_parse_error (error->message + consumed);
  return g_strdup_printf ("not valid JSON: %s", rest);
}

/* Fails the read of a document that starts at @pos of @data (the whole
 * file) and did not decode, for @reason: at the line and column of the
 * file when the parser gave them (counted from @pos), else with @code. */
static void
set_document_error (Reader          *reader,
                    const char      *data,
                    gsize            pos,
                    guint            line,
                    guint            column,
                    TscImportError   code,
                    const char      *reason,
                    GError         **error)
{
  const char *path = reader->location.path;

  if (line > 0)
    g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_JSON,
                 "%s:%u:%u: %s", path, advance_line (data, 0, pos, 1) + line - 1, column, reason);
  else
    g_set_error (error, TSC_IMPORT_ERROR, code, "%s: %s", path, reason);
}

/* ---------------------------------------------------------------------- */
/* Detection                                                               */

/* Parses @data as one JSON value that is an object or an array. */
static JsonNode *
parse_value (const char  *data,
             gsize        len,
             GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;

  if (!g_utf8_validate (data, len, NULL))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           "not valid UTF-8");
      return NULL;
    }

  if (!json_parser_load_from_data (parser, data, len, error))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !(JSON_NODE_HOLDS_OBJECT (root) || JSON_NODE_HOLDS_ARRAY (root)))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           "not a JSON object or array");
      return NULL;
    }

  return json_parser_steal_root (parser);
}

static gboolean
line_parses_alone (const char *data,
                   gsize       start,
                   gsize       end)
{
  g_autoptr(JsonNode) node = parse_value (data + start, end - start, NULL);

  return node != NULL;
}

static gsize
line_end (const char *data,
          gsize       len,
          gsize       pos)
{
  const char *nl = memchr (data + pos, '\n', len - pos);

  return nl != NULL ? (gsize) (nl - data) : len;
}

/* A file whose document does not parse: NDJSON with bad lines, when most
 * of its first lines are JSON values each on its own? */
static gboolean
looks_like_ndjson (const char *data,
                   gsize       len,
                   gsize       pos)
{
  guint seen = 0;
  guint good = 0;

  while (pos < len && seen < NDJSON_SNIFF_LINES)
    {
      gsize end = line_end (data, len, pos);
      gsize start = skip_ws (data, end, pos);

      if (start < end)
        {
          seen++;
          if (line_parses_alone (data, start, end))
            good++;
        }
      pos = end + 1;
    }

  return seen >= 2 && good * 2 >= seen;
}

static char *
describe_start (const char *data,
                gsize       len)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (gsize i = 0; i < len && i < 16; i++)
    {
      guchar c = data[i];

      if (c >= 0x20 && c < 0x7f)
        g_string_append_c (text, c);
      else
        g_string_append_printf (text, "\\x%02x", c);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ---------------------------------------------------------------------- */
/* Session files                                                           */

static gboolean
read_session (Reader      *reader,
              const char  *path,
              GError     **error)
{
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 after = 0;

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_READ_ONLY, &local_error);
  if (store == NULL)
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_SESSION,
                   "%s: %s", path, local_error->message);
      return FALSE;
    }

  for (;;)
    {
      g_autoptr(GPtrArray) chunk = NULL;

      chunk = tsc_session_store_load_messages (store, after, SESSION_CHUNK, &local_error);
      if (chunk == NULL)
        {
          g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_SESSION,
                       "%s: after message %" G_GINT64_FORMAT ": %s",
                       path, after, local_error->message);
          return FALSE;
        }

      if (chunk->len == 0)
        break;

      for (guint i = 0; i < chunk->len; i++)
        {
          TscMessage *message = g_ptr_array_index (chunk, i);

          after = message->seq;
          emit (reader, message, 0, 0);
        }
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* NDJSON                                                                  */

static gboolean
read_ndjson (Reader      *reader,
             Source      *source,
             GError     **error)
{
  const char *path = reader->location.path;

  for (;;)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GPtrArray) messages = NULL;
      g_autoptr(TscTransport) transport = NULL;
      g_autoptr(GError) local_error = NULL;
      const char *data;
      gsize start, end, stop;
      gboolean last;
      guint line = source->line;

      if (!source_next_line (source, &start, &end, error))
        return FALSE;

      data = (const char *) source->buf->data;
      last = end == source->buf->len;
      source->pos = last ? end : end + 1;
      source->line++;

      start = skip_ws (data, end, start);
      stop = end;
      while (stop > start && is_ws (data[stop - 1]))
        stop--;

      if (start == stop)
        {
          if (last)
            break;
          continue;
        }

      /* Each line its own transport: a batch body's writeKey belongs to
       * the messages of that line only. */
      bytes = g_bytes_new (data + start, stop - start);
      transport = tsc_transport_new ();
      messages = tsc_wire_decode_document (bytes, transport, 0, &local_error);

      if (messages == NULL)
        {
          guint column = 0;
          g_autofree char *reason = describe_wire_error (local_error, "the line", NULL, &column);
          g_autofree char *where = NULL;
          GError *problem;

          if (column > 0)
            where = g_strdup_printf ("%s:%u:%u", path, line, column);
          else
            where = g_strdup_printf ("%s:%u", path, line);

          if (last)
            problem = g_error_new (TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_TRUNCATED,
                                   "%s: the last line is cut short (no newline at the end "
                                   "of the file, and %s)", where, reason);
          else
            problem = g_error_new (TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE,
                                   "%s: %s", where, reason);

          if (!skip_or_fail (reader, problem, error))
            return FALSE;
        }
      else
        {
          for (guint i = 0; i < messages->len; i++)
            emit (reader, g_ptr_array_index (messages, i), line, 0);
        }

      if (last)
        break;
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* One JSON document                                                       */

static gboolean
read_document (Reader      *reader,
               GBytes      *contents,
               gsize        pos,
               GError     **error)
{
  g_autoptr(TscTransport) transport = tsc_transport_new ();
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) document = NULL;
  gsize len;
  const char *data = g_bytes_get_data (contents, &len);
  gsize counted = pos;
  guint line;

  document = g_bytes_new_from_bytes (contents, pos, len - pos);
  messages = tsc_wire_decode_document (document, transport, 0, &local_error);
  if (messages == NULL)
    {
      guint err_line = 0, column = 0;
      g_autofree char *reason = describe_wire_error (local_error, "the document", &err_line, &column);

      set_document_error (reader, data, pos, err_line, column, TSC_IMPORT_ERROR_INVALID_DOCUMENT,
                          reason, error);
      return FALSE;
    }

  /* Each message's raw bytes lie inside the document: their offset
   * gives the line. */
  line = advance_line (data, 0, pos, 1);
  for (guint i = 0; i < messages->len; i++)
    {
      TscMessage *message = g_ptr_array_index (messages, i);
      const char *raw = message->raw ? g_bytes_get_data (message->raw, NULL) : NULL;
      guint message_line = 0;

      if (raw != NULL && raw >= data + counted && raw < data + len)
        {
          line = advance_line (data, counted, raw - data, line);
          counted = raw - data;
          message_line = line;
        }

      emit (reader, message, message_line, 0);
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* HAR                                                                     */

typedef struct
{
  guint      index;
  gint64     started;
  JsonObject *entry;
} HarEntry;

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const HarEntry *x = a;
  const HarEntry *y = b;

  if (x->started != y->started)
    return x->started < y->started ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* The member @member of @object; %NULL when either is missing. */
static JsonNode *
get_member (JsonObject *object,
            const char *member)
{
  return object != NULL ? json_object_get_member (object, member) : NULL;
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static JsonObject *
get_object (JsonObject *object,
            const char *member)
{
  JsonNode *node = get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

static gint64
get_int (JsonObject *object,
         const char *member,
         gint64      fallback)
{
  JsonNode *node = get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);

  return fallback;
}

static gboolean
looks_like_json (const guint8 *data,
                 gsize         len)
{
  gsize pos = skip_ws ((const char *) data, len, 0);

  return pos < len && (data[pos] == '{' || data[pos] == '[');
}

static gboolean
looks_like_base64 (const char *text)
{
  gsize n = 0;

  for (const char *p = text; *p; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '+' || *p == '/' || *p == '=')
        n++;
      else if (!is_ws (*p))
        return FALSE;
    }

  return n > 0 && n % 4 == 0;
}

/* A HAR keeps a body as text: base64 when marked so, else the text
 * itself. Tools differ, so be lenient: a text that is not JSON but reads
 * as base64 is taken as base64. */
static GBytes *
har_body (JsonObject *post_data)
{
  const char *text = get_string (post_data, "text");
  const char *encoding = get_string (post_data, "encoding");
  gsize text_len;

  if (text == NULL)
    return g_bytes_new (NULL, 0);

  text_len = strlen (text);

  if (encoding != NULL && g_ascii_strcasecmp (encoding, "base64") == 0)
    {
      gsize len = 0;
      guchar *decoded = g_base64_decode (text, &len);

      return g_bytes_new_take (decoded, len);
    }

  if (looks_like_json ((const guint8 *) text, text_len))
    return g_bytes_new (text, text_len);

  if (looks_like_base64 (text))
    {
      gsize len = 0;
      guchar *decoded = g_base64_decode (text, &len);

      if (decoded != NULL && len > 0)
        return g_bytes_new_take (decoded, len);
      g_free (decoded);
    }

  return g_bytes_new (text, text_len);
}

/* Request headers as name, value, …, NULL; HTTP/2 pseudo-headers are not
 * headers. A Content-Encoding is dropped when the body the HAR kept is
 * already plain JSON: tools record the decoded body. */
static GPtrArray *
har_headers (JsonObject *request,
             GBytes     *body)
{
  GPtrArray *list = g_ptr_array_new ();
  JsonNode *node = json_object_get_member (request, "headers");
  gsize len;
  const guint8 *data = g_bytes_get_data (body, &len);
  gboolean plain = looks_like_json (data, len);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          JsonObject *header;
          const char *name;
          const char *value;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            continue;

          header = json_node_get_object (item);
          name = get_string (header, "name");
          value = get_string (header, "value");
          if (name == NULL || value == NULL || name[0] == ':')
            continue;
          if (plain && g_ascii_strcasecmp (name, "Content-Encoding") == 0)
            continue;

          g_ptr_array_add (list, (gpointer) name);
          g_ptr_array_add (list, (gpointer) value);
        }
    }

  g_ptr_array_add (list, NULL);
  return list;
}

static gboolean
read_har_entry (Reader         *reader,
                const HarEntry *har,
                GError        **error)
{
  const char *path = reader->location.path;
  JsonObject *request = get_object (har->entry, "request");
  JsonObject *response = get_object (har->entry, "response");
  const char *method = get_string (request, "method");
  const char *url = get_string (request, "url");
  g_autofree char *url_path = NULL;
  g_autofree char *query = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) headers = NULL;
  g_autoptr(TscRequestRecord) record = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) local_error = NULL;
  TscWireRequest wire = { 0 };
  TscWireLimits limits;
  TscRoute route;
  gint64 status;

  if (method == NULL || url == NULL || g_ascii_strcasecmp (method, "POST") != 0)
    return TRUE;

  if (!g_uri_split (url, G_URI_FLAGS_ENCODED, NULL, NULL, NULL, NULL,
                    &url_path, &query, NULL, NULL))
    {
      if (url[0] != '/')
        return TRUE;
      url_path = g_strdup (url);
    }

  if (!tsc_route_parse (url_path, &route))
    return TRUE;

  if (route.kind != TSC_ROUTE_SINGLE && route.kind != TSC_ROUTE_BATCH)
    {
      tsc_route_clear (&route);
      return TRUE;
    }

  /* A request the server refused was not taken: the client retries it,
   * and the retry is the call. 0 means the HAR does not know. */
  status = get_int (response, "status", 0);
  if (status >= 400)
    {
      tsc_route_clear (&route);
      return TRUE;
    }

  body = har_body (get_object (request, "postData"));
  headers = har_headers (request, body);

  wire.method = "POST";
  wire.path = url_path;
  wire.query = query;
  wire.remote_addr = NULL;
  wire.headers = (const char * const *) headers->pdata;
  wire.body = body;
  wire.received_at = tsc_wire_parse_time (get_string (har->entry, "startedDateTime"));
  if (wire.received_at == G_MININT64)
    wire.received_at = 0;

  /* A file is not bound by the API's size limits: the rules report them. */
  tsc_wire_limits_init (&limits);
  limits.max_message_size = G_MAXSIZE;
  limits.max_batch_size = G_MAXSIZE;
  limits.max_body_size = G_MAXSIZE;

  record = tsc_wire_record_new (&wire, &route);
  messages = tsc_wire_decode (&wire, &route, &limits, record, &local_error);
  tsc_route_clear (&route);

  if (messages == NULL)
    {
      g_autofree char *reason = describe_wire_error (local_error, "the body", NULL, NULL);
      GError *problem = g_error_new (TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_ENTRY,
                                     "%s: entry %u (POST %s): %s",
                                     path, har->index + 1, url_path, reason);

      return skip_or_fail (reader, problem, error);
    }

  for (guint i = 0; i < messages->len; i++)
    emit (reader, g_ptr_array_index (messages, i), 0, har->index + 1);

  return TRUE;
}

static gboolean
read_har (Reader      *reader,
          JsonObject  *log,
          GError     **error)
{
  const char *path = reader->location.path;
  g_autoptr(GArray) entries = NULL;
  JsonNode *node = json_object_get_member (log, "entries");
  JsonArray *array;
  gboolean sortable = TRUE;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_DOCUMENT,
                   "%s: a HAR file without a log.entries array", path);
      return FALSE;
    }

  array = json_node_get_array (node);
  entries = g_array_sized_new (FALSE, FALSE, sizeof (HarEntry), json_array_get_length (array));

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      HarEntry entry = { i, 0, NULL };

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;

      entry.entry = json_node_get_object (item);
      entry.started = tsc_wire_parse_time (get_string (entry.entry, "startedDateTime"));
      if (entry.started == G_MININT64)
        sortable = FALSE;
      g_array_append_val (entries, entry);
    }

  /* Calls are checked in the order they were sent, whatever order the
   * tool wrote the entries in. */
  if (sortable)
    g_array_sort (entries, compare_entries);

  for (guint i = 0; i < entries->len; i++)
    {
      if (!read_har_entry (reader, &g_array_index (entries, HarEntry, i), error))
        return FALSE;
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Dispatch                                                                */

static gboolean
read_text (Reader      *reader,
           Source      *source,
           GError     **error)
{
  const char *path = reader->location.path;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GBytes) contents = NULL;
  const char *data;
  gsize len;
  gsize pos = 0;
  gsize first_start;
  gsize first_end;
  gsize first_stop;

  if (!source_ensure (source, 3, error))
    return FALSE;
  if (source->buf->len >= 3 && memcmp (source->buf->data, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;

  /* Up to the first character that is not white space. */
  if (!source_skip_ws (source, &pos, error))
    return FALSE;

  if (pos == source->buf->len)
    {
      /* Nothing but white space: an empty export. */
      set_format (reader, TSC_IMPORT_FORMAT_NDJSON);
      return TRUE;
    }

  data = (const char *) source->buf->data;
  if (data[pos] != '{' && data[pos] != '[')
    {
      g_autofree char *start = NULL;

      if (!source_ensure (source, pos + 16, error))
        return FALSE;
      data = (const char *) source->buf->data;
      start = describe_start (data + pos, source->buf->len - pos);
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_UNKNOWN_FORMAT,
                   "%s: not a Trackscope session, NDJSON, JSON or HAR file (it starts with “%s”)",
                   path, start);
      return FALSE;
    }

  source->pos = pos;
  source->line = advance_line (data, 0, pos, 1);

  if (!source_next_line (source, &first_start, &first_end, error))
    return FALSE;
  data = (const char *) source->buf->data;
  first_stop = first_end;
  while (first_stop > pos && is_ws (data[first_stop - 1]))
    first_stop--;

  /* A first line that is a whole value, with more after it: NDJSON,
   * read from here on in flat memory. */
  if (line_parses_alone (data, pos, first_stop))
    {
      gsize after = first_end;

      if (!source_skip_ws (source, &after, error))
        return FALSE;

      if (after < source->buf->len)
        {
          set_format (reader, TSC_IMPORT_FORMAT_NDJSON);
          source->keep = FALSE;
          return read_ndjson (reader, source, error);
        }
    }

  /* Otherwise one document, read whole. */
  if (!source_read_all (source, error))
    return FALSE;
  data = (const char *) source->buf->data;
  len = source->buf->len;

  root = parse_value (data + pos, len - pos, &parse_error);
  if (root == NULL)
    {
      guint line = 0, column = 0;
      g_autofree char *reason = NULL;

      if (looks_like_ndjson (data, len, pos))
        {
          set_format (reader, TSC_IMPORT_FORMAT_NDJSON);
          return read_ndjson (reader, source, error);
        }

      reason = describe_parser_error (parse_error, &line, &column);
      set_document_error (reader, data, pos, line, column, TSC_IMPORT_ERROR_INVALID_JSON,
                          reason, error);
      return FALSE;
    }

  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *log = get_object (json_node_get_object (root), "log");

      if (log != NULL)
        {
          set_format (reader, TSC_IMPORT_FORMAT_HAR);
          return read_har (reader, log, error);
        }
    }

  g_clear_pointer (&root, json_node_unref);
  contents = g_byte_array_free_to_bytes (g_steal_pointer (&source->buf));
  set_format (reader, TSC_IMPORT_FORMAT_JSON);
  return read_document (reader, contents, pos, error);
}

/**
 * tsc_importer_read_file:
 * @path: a session, NDJSON, JSON or HAR file (possibly gzip-compressed)
 * @func: called for every message, in order
 *
 * Reads every message of @path, numbering them after those of the files
 * read before. A bad NDJSON line or HAR entry is added to the problems and
 * skipped, or fails the read when the importer is strict.
 *
 * Returns: %TRUE when the file was read, %FALSE with @error set in
 *   %TSC_IMPORT_ERROR (its message names @path and, for parse errors, the
 *   line); messages given to @func before the error stay given
 */
gboolean
tsc_importer_read_file (TscImporter    *self,
                        const char     *path,
                        TscImportFunc   func,
                        gpointer        user_data,
                        GError        **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) file_stream = NULL;
  g_autoptr(GInputStream) buffered = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(Source) source = { 0 };
  Reader reader = { 0 };
  const guint8 *head;
  gsize head_len = 0;

  g_return_val_if_fail (TSC_IS_IMPORTER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  reader.self = self;
  reader.func = func;
  reader.user_data = user_data;
  reader.location.path = path;
  reader.location.input = self->n_inputs++;
  self->format = TSC_IMPORT_FORMAT_UNKNOWN;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ,
                   "%s: is a folder; give a session, NDJSON, JSON or HAR file", path);
      return FALSE;
    }

  file = g_file_new_for_path (path);
  file_stream = g_file_read (file, NULL, &local_error);
  if (file_stream == NULL)
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ,
                   "%s: cannot be read: %s", path, local_error->message);
      return FALSE;
    }

  /* The first bytes tell a session file and a gzip file. */
  buffered = g_buffered_input_stream_new_sized (G_INPUT_STREAM (file_stream), READ_CHUNK);
  if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (buffered), 16, NULL, &local_error) < 0)
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ,
                   "%s: cannot be read: %s", path, local_error->message);
      return FALSE;
    }
  head = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (buffered), &head_len);

  if (head_len >= sizeof SQLITE_MAGIC && memcmp (head, SQLITE_MAGIC, sizeof SQLITE_MAGIC) == 0)
    {
      g_clear_object (&buffered);
      g_input_stream_close (G_INPUT_STREAM (file_stream), NULL, NULL);
      set_format (&reader, TSC_IMPORT_FORMAT_SESSION);
      return read_session (&reader, path, error);
    }

  if (head_len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    {
      g_autoptr(GZlibDecompressor) gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);

      source.stream = g_converter_input_stream_new (buffered, G_CONVERTER (gunzip));
      source.gzip = TRUE;
    }
  else
    {
      source.stream = g_object_ref (buffered);
    }

  source.buf = g_byte_array_new ();
  source.keep = TRUE;
  source.path = path;

  return read_text (&reader, &source, error);
}

static void
collect_cb (TscMessage              *message,
            const TscImportLocation *location,
            gpointer                 user_data)
{
  g_ptr_array_add (user_data, tsc_message_ref (message));
}

/**
 * tsc_import_read_files:
 * @paths: (array zero-terminated=1): the files, in order
 * @problems: (out) (optional) (transfer full) (element-type GError): the
 *   lines and entries that were skipped
 *
 * Reads every message of @paths into memory, numbered 1…N in order.
 *
 * Returns: (transfer full) (element-type TscMessage): the messages, or
 *   %NULL with @error set in %TSC_IMPORT_ERROR
 */
GPtrArray *
tsc_import_read_files (const char * const *paths,
                       TscImportFlags      flags,
                       GPtrArray         **problems,
                       GError            **error)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (flags);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);

  g_return_val_if_fail (paths != NULL, NULL);

  for (guint i = 0; paths[i] != NULL; i++)
    {
      if (!tsc_importer_read_file (importer, paths[i], collect_cb, messages, error))
        return NULL;
    }

  if (problems != NULL)
    *problems = g_ptr_array_ref (importer->problems);

  return g_steal_pointer (&messages);
}
