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
 *    Tracking API route are decoded exactly as the collector decodes them
 *    (one entry parsed at a time, beside the file's bytes);
 *  - a first line that is a whole JSON value followed by more: NDJSON,
 *    one message, batch body or array of messages per line;
 *  - otherwise one JSON document: an array of messages, a batch body or
 *    one message.
 *
 * A gzip- or zlib-compressed file (mitmproxy writes a HAR named *.zhar
 * with zlib) is read through its decompression.
 *
 * NDJSON and HAR are read leniently: a bad line or entry is reported (see
 * tsc_importer_get_problems()) and skipped, unless the importer is strict.
 * Entries that are not calls (other URLs, preflights, refused requests)
 * are counted by reason (tsc_importer_get_skipped()).
 *
 * Trackscope's own exports come back as they were captured: an NDJSON
 * line or JSON export message loses exactly the "_trackscope" member the
 * export added, and what it holds (receive time, transport, the
 * messageId the collector added, the batch envelope, the line breaks
 * written as spaces) is restored; an entry of our own HAR gets its receive
 * time, client address and added messageIds back, and a request the
 * collector refused comes back as a request without messages.
 * tsc_import_to_session() writes all of it into a new session file, one
 * request row per request.
 *
 * Messages of other files get the request a client would have sent them
 * in (POST to /v1/batch or /v1/<type>), so that they export and replay
 * as Tracking API calls; when they were received is not known (0).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-import"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tsc-import.h"
#include "tsc-json-span.h"
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
  guint64          n_requests;
  guint64          skipped[TSC_IMPORT_N_SKIP_REASONS];
  GPtrArray       *problems;   /* GError * */
  TscTransport    *last_transport;  /* of the last message given: a new one starts a request */
  GCancellable    *cancellable;     /* stops a read between two messages */

  /* (nullable): takes the requests kept without messages */
  TscImportRequestFunc  request_func;
  gpointer              request_data;

  /* What a Trackscope export says of the session it came from: the
   * first value found wins. */
  char            *collector;
  char            *profile;
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

  /* The request of the last message restored from a Trackscope export:
   * the next one with the same requestId joins it. */
  gint64             group_id;
  TscRequestRecord  *group;

  /* (nullable): parses the lines or elements of our own exports, one
   * after the other */
  JsonParser        *parser;
} Reader;

static void
reader_end_group (Reader *reader)
{
  reader->group_id = 0;
  g_clear_pointer (&reader->group, tsc_request_record_unref);
}

static void
tsc_importer_finalize (GObject *object)
{
  TscImporter *self = TSC_IMPORTER (object);

  g_clear_pointer (&self->problems, g_ptr_array_unref);
  g_clear_pointer (&self->last_transport, tsc_transport_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->collector, g_free);
  g_clear_pointer (&self->profile, g_free);

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
 * tsc_importer_set_request_func:
 * @func: (nullable): called for each request kept without messages
 * @user_data: for @func
 *
 * A Trackscope HAR export holds the requests the collector refused, with
 * the body it kept and the error it answered. Without a request function
 * they give no calls and are counted as %TSC_IMPORT_SKIP_REFUSED, like the
 * refused entries of any HAR; with one, each is given to @func as a
 * request record without messages, at its place among the messages, so
 * that an import into a session keeps them.
 */
void
tsc_importer_set_request_func (TscImporter          *self,
                               TscImportRequestFunc  func,
                               gpointer              user_data)
{
  g_return_if_fail (TSC_IS_IMPORTER (self));

  self->request_func = func;
  self->request_data = user_data;
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
 * tsc_importer_get_n_requests:
 *
 * Returns: how many HTTP requests the messages read so far came in: a
 *   HAR entry, a request of a session file or of a Trackscope export, a
 *   line or a document of other files
 */
guint64
tsc_importer_get_n_requests (TscImporter *self)
{
  g_return_val_if_fail (TSC_IS_IMPORTER (self), 0);
  return self->n_requests;
}

/**
 * tsc_importer_get_skipped:
 * @reason: why they were skipped
 *
 * HAR entries to other URLs, preflights and refused requests are not
 * problems, but a report says how many there were; bad lines and entries
 * are counted here and listed in tsc_importer_get_problems().
 *
 * Returns: how many HAR entries or lines were skipped for @reason, in
 *   every file read so far
 */
guint64
tsc_importer_get_skipped (TscImporter         *self,
                          TscImportSkipReason  reason)
{
  g_return_val_if_fail (TSC_IS_IMPORTER (self), 0);
  g_return_val_if_fail ((guint) reason < TSC_IMPORT_N_SKIP_REASONS, 0);
  return self->skipped[reason];
}

/**
 * tsc_import_skip_reason_to_string:
 *
 * Returns: a stable name for @reason, for machine-readable reports
 */
const char *
tsc_import_skip_reason_to_string (TscImportSkipReason reason)
{
  switch (reason)
    {
    case TSC_IMPORT_SKIP_NOT_TRACKING:
      return "not-tracking-api";
    case TSC_IMPORT_SKIP_NO_CALLS:
      return "no-calls";
    case TSC_IMPORT_SKIP_NOT_POST:
      return "not-post";
    case TSC_IMPORT_SKIP_REFUSED:
      return "refused";
    case TSC_IMPORT_SKIP_BAD_ENTRY:
      return "bad-entry";
    case TSC_IMPORT_SKIP_BAD_LINE:
      return "bad-line";
    case TSC_IMPORT_N_SKIP_REASONS:
    default:
      return "unknown";
    }
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

/* Gives @message to the reader's function. Returns %FALSE, with @error
 * set, when the read was cancelled meanwhile. */
static gboolean
emit (Reader            *reader,
      TscMessage        *message,
      TscRequestRecord  *record,
      guint              line,
      guint              entry,
      GError           **error)
{
  TscImporter *self = reader->self;

  /* Messages of one request share one transport. */
  if (message->transport == NULL || message->transport != self->last_transport)
    {
      self->n_requests++;
      g_clear_pointer (&self->last_transport, tsc_transport_unref);
      if (message->transport != NULL)
        self->last_transport = tsc_transport_ref (message->transport);
    }

  message->seq = (gint64) ++self->n_messages;
  reader->location.line = line;
  reader->location.entry = entry;
  reader->location.record = record;
  reader->func (message, &reader->location, reader->user_data);
  reader->location.record = NULL;

  return self->cancellable == NULL ||
         !g_cancellable_set_error_if_cancelled (self->cancellable, error);
}

/* Gives @record, a request without messages, to the request function.
 * Returns %FALSE, with @error set, when the read was cancelled meanwhile. */
static gboolean
emit_request (Reader            *reader,
              TscRequestRecord  *record,
              guint              entry,
              GError           **error)
{
  TscImporter *self = reader->self;

  g_assert (self->request_func != NULL);

  /* A request of its own: the next message starts another. */
  self->n_requests++;
  g_clear_pointer (&self->last_transport, tsc_transport_unref);

  reader->location.line = 0;
  reader->location.entry = entry;
  reader->location.record = record;
  self->request_func (&reader->location, self->request_data);
  reader->location.record = NULL;

  return self->cancellable == NULL ||
         !g_cancellable_set_error_if_cancelled (self->cancellable, error);
}

/* Counts an entry or a line that gave no calls. */
static void
skip (Reader              *reader,
      TscImportSkipReason  reason)
{
  reader->self->skipped[reason]++;
}

/* The format of the file being read, once it is recognised. */
static void
set_format (Reader          *reader,
            TscImportFormat  format)
{
  reader->self->format = reader->location.format = format;
}

/* A problem that can be skipped: fatal when strict, noted and counted
 * under @reason otherwise. */
static gboolean
skip_or_fail (Reader               *reader,
              TscImportSkipReason   reason,
              GError               *problem,
              GError              **error)
{
  if (reader->self->flags & TSC_IMPORT_FLAGS_STRICT)
    {
      g_propagate_error (error, problem);
      return FALSE;
    }

  g_ptr_array_add (reader->self->problems, problem);
  skip (reader, reason);
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
  const char   *compression;  /* "gzip" or "zlib" when read through decompression */
  char         *head;   /* (nullable): the first bytes of a zlib file, described */
  const char   *path;
  guint         line;   /* the line @pos is on */
} Source;

#define READ_CHUNK (256 * 1024)

static void
source_clear (Source *source)
{
  g_clear_object (&source->stream);
  g_clear_pointer (&source->buf, g_byte_array_unref);
  g_clear_pointer (&source->head, g_free);
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
      if (source->head != NULL && old_len == 0 && source->pos == 0 &&
          g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
        /* Two bytes that pass as a zlib header by chance: nothing
         * decompressed, so it was never zlib data. */
        g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_UNKNOWN_FORMAT,
                     "%s: not a Trackscope session, NDJSON, JSON or HAR file (it starts with "
                     "“%s”, and is not zlib data either: %s)",
                     source->path, source->head, local_error->message);
      else if (source->compression != NULL &&
               g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ,
                     "%s: a %s file cut short (its compressed data ends early)",
                     source->path, source->compression);
      else if (source->compression != NULL)
        g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ,
                     "%s: a %s file that cannot be decompressed: %s",
                     source->path, source->compression, local_error->message);
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
  g_autoptr(JsonNode) node = NULL;

  /* A value the check takes parses: no tree is needed to tell (a whole
   * HAR written on one line would make a big one). Anything else is left
   * to the parser. */
  if (end > start && (data[start] == '{' || data[start] == '[') &&
      g_utf8_validate (data + start, end - start, NULL) &&
      tsc_json_span_validate (data + start, end - start, NULL))
    return TRUE;

  node = parse_value (data + start, end - start, NULL);
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

/* Does the object at @pos start with the member @name? */
static gboolean
starts_with_member (const char *data,
                    gsize       len,
                    gsize       pos,
                    const char *name)
{
  gsize name_len = strlen (name);

  pos = skip_ws (data, len, pos);
  if (pos >= len || data[pos] != '{')
    return FALSE;
  pos = skip_ws (data, len, pos + 1);

  return len - pos >= name_len + 2 && data[pos] == '"' &&
         memcmp (data + pos + 1, name, name_len) == 0 && data[pos + 1 + name_len] == '"';
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
/* Reading JSON trees                                                      */

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
get_bool (JsonObject *object,
          const char *member)
{
  JsonNode *node = get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

/* ---------------------------------------------------------------------- */
/* Trackscope's own exports                                                */

/* Each exported message is its bytes as received with one member added
 * last, `"_trackscope": {...}`, holding what the collector knew besides
 * (see tsc-export.c); a message whose bytes are not an object is written
 * as `{"_raw": bytes, "_trackscope": {...}}`. Reading one back cuts
 * exactly the added bytes out, so the message's bytes are the original
 * ones, and restores the rest from the member. */

#define EXPORT_MEMBER  "_trackscope"
#define EXPORT_FORMAT  "trackscope-export"
#define EXPORT_VERSION 1

/* Where the parts of an exported object lie, as offsets in it: the
 * message is [raw_start, cut_start) followed by [cut_end, raw_end). */
typedef struct
{
  gsize raw_start;
  gsize cut_start;
  gsize cut_end;
  gsize raw_end;
  gsize meta_start;   /* the value of "_trackscope" */
  gsize meta_end;
} Exported;

typedef struct
{
  guint       n_members;
  const char *first_key;
  gsize       first_key_len;
  const char *first_value;
  gsize       first_value_len;
  const char *last_key;
  gsize       last_key_len;
  const char *last_value;
  gsize       last_value_len;
} MemberScan;

static void
scan_member_cb (const char *key,
                gsize       key_len,
                const char *value,
                gsize       value_len,
                gpointer    user_data)
{
  MemberScan *scan = user_data;

  if (scan->n_members++ == 0)
    {
      scan->first_key = key;
      scan->first_key_len = key_len;
      scan->first_value = value;
      scan->first_value_len = value_len;
    }

  scan->last_key = key;
  scan->last_key_len = key_len;
  scan->last_value = value;
  scan->last_value_len = value_len;
}

static gboolean
key_is (const char *key,
        gsize       key_len,
        const char *name)
{
  return key_len == strlen (name) && memcmp (key, name, key_len) == 0;
}

/* Is @data (one JSON value, already trimmed or not) an object whose last
 * member is "_trackscope"? Only finds where things are: the parts are
 * parsed for real afterwards. */
static gboolean
find_exported (const char *data,
               gsize       len,
               Exported   *exported)
{
  MemberScan scan = { 0 };
  TscJsonSpan span;
  gsize quote;
  gsize p;

  if (!tsc_json_span_trim (data, len, &span) || data[span.offset] != '{')
    return FALSE;
  if (!tsc_json_span_foreach_member (data + span.offset, span.length, scan_member_cb, &scan))
    return FALSE;
  if (scan.n_members == 0 || !key_is (scan.last_key, scan.last_key_len, EXPORT_MEMBER))
    return FALSE;

  exported->meta_start = scan.last_value - data;
  exported->meta_end = exported->meta_start + scan.last_value_len;

  if (scan.n_members == 2 && key_is (scan.first_key, scan.first_key_len, "_raw"))
    {
      exported->raw_start = scan.first_value - data;
      exported->raw_end = exported->raw_start + scan.first_value_len;
      exported->cut_start = exported->cut_end = exported->raw_end;
      return TRUE;
    }

  /* From the comma before the member's name (or from the name, when it
   * is the only member) to the end of its value. */
  exported->raw_start = span.offset;
  exported->raw_end = span.offset + span.length;
  quote = (scan.last_key - 1) - data;
  p = quote;
  while (p > span.offset && is_ws (data[p - 1]))
    p--;
  exported->cut_start = p > span.offset && data[p - 1] == ',' ? p - 1 : quote;
  exported->cut_end = exported->meta_end;
  return TRUE;
}

static GBytes *
exported_raw (GBytes         *bytes,
              const Exported *exported)
{
  const char *data = g_bytes_get_data (bytes, NULL);
  GByteArray *raw;

  if (exported->cut_start == exported->raw_end)
    return g_bytes_new_from_bytes (bytes, exported->raw_start,
                                   exported->raw_end - exported->raw_start);

  raw = g_byte_array_sized_new (exported->raw_end - exported->raw_start -
                                (exported->cut_end - exported->cut_start));
  g_byte_array_append (raw, (const guint8 *) data + exported->raw_start,
                       exported->cut_start - exported->raw_start);
  g_byte_array_append (raw, (const guint8 *) data + exported->cut_end,
                       exported->raw_end - exported->cut_end);
  return g_byte_array_free_to_bytes (raw);
}

/* Puts @byte back at the offsets listed in the member @name of @meta:
 * the export wrote the LF and CR bytes of a message as spaces, so that
 * it stays on one line. Each offset must be in @data and at a space. */
static gboolean
restore_bytes (guint8      *data,
               gsize        len,
               JsonObject  *meta,
               const char  *name,
               guint8       byte,
               GError     **error)
{
  JsonNode *node = get_member (meta, name);
  JsonArray *offsets;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE,
                   "“" EXPORT_MEMBER ".%s” is not an array of byte offsets", name);
      return FALSE;
    }

  offsets = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (offsets); i++)
    {
      JsonNode *item = json_array_get_element (offsets, i);
      gint64 offset;

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_INT64)
        {
          g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE,
                       "“" EXPORT_MEMBER ".%s[%u]” is not a byte offset", name, i);
          return FALSE;
        }

      offset = json_node_get_int (item);
      if (offset < 0 || (guint64) offset >= len)
        {
          g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE,
                       "“" EXPORT_MEMBER ".%s[%u]” is %" G_GINT64_FORMAT
                       ", outside the message’s %" G_GSIZE_FORMAT " bytes",
                       name, i, offset, len);
          return FALSE;
        }

      if (data[offset] != ' ')
        {
          g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE,
                       "“" EXPORT_MEMBER ".%s[%u]” is %" G_GINT64_FORMAT
                       ", where the message has no space (was it reformatted?)",
                       name, i, offset);
          return FALSE;
        }

      data[offset] = byte;
    }

  return TRUE;
}

/* The message's bytes as received: @raw with the line breaks and
 * carriage returns that "rawLineBreaks" and "rawCarriageReturns" list put
 * back. %NULL with @error set when an offset is wrong. */
static GBytes *
restore_line_breaks (GBytes      *raw,
                     JsonObject  *meta,
                     GError     **error)
{
  g_autoptr(GByteArray) copy = NULL;

  if (get_member (meta, "rawLineBreaks") == NULL && get_member (meta, "rawCarriageReturns") == NULL)
    return g_bytes_ref (raw);

  copy = g_bytes_unref_to_array (g_bytes_ref (raw));
  if (!restore_bytes (copy->data, copy->len, meta, "rawLineBreaks", '\n', error) ||
      !restore_bytes (copy->data, copy->len, meta, "rawCarriageReturns", '\r', error))
    return NULL;

  return g_byte_array_free_to_bytes (g_steal_pointer (&copy));
}

/* Upstream outcome as exported: {status, attempts, error, finishedAt}. */
static void
restore_upstream (TscUpstreamOutcome *upstream,
                  JsonObject         *object,
                  gint64              received_at)
{
  gint64 finished_at;

  if (object == NULL)
    return;

  upstream->state = TSC_UPSTREAM_DONE;
  upstream->status = (guint) CLAMP (get_int (object, "status", 0), 0, G_MAXUINT);
  upstream->attempts = (guint) CLAMP (get_int (object, "attempts", 0), 0, G_MAXUINT);
  g_free (upstream->error);
  upstream->error = g_strdup (get_string (object, "error"));

  /* Exports of the first version have no finishedAt: the best known
   * time is then the request's. */
  finished_at = tsc_wire_parse_time (get_string (object, "finishedAt"));
  upstream->finished_at = finished_at != G_MININT64 ? finished_at : received_at;
}

/* The request an exported message came in, from its "_trackscope": a
 * record as an import without headers makes it (status 200, no
 * headers), with the transport facts the collector had. */
static TscRequestRecord *
record_from_meta (JsonObject *meta,
                  gint64      received_at)
{
  TscRequestRecord *record = tsc_request_record_new ();
  TscTransport *t = record->transport;
  const char *route = get_string (meta, "route");
  const char *lane = get_string (meta, "lane");

  t->method = g_strdup ("POST");
  t->route = g_strdup (route);
  t->lane = g_strdup (lane);
  /* The path as requested is not exported: the lane prefix and the
   * route (aliases such as /v1/t are kept as routes) give it. */
  if (route != NULL && lane != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (lane, NULL, FALSE);

      t->path = g_strconcat ("/lane/", escaped, route, NULL);
    }
  else
    {
      t->path = g_strdup (route);
    }
  t->remote_addr = g_strdup (get_string (meta, "remoteAddress"));
  t->user_agent = g_strdup (get_string (meta, "userAgent"));
  t->origin = g_strdup (get_string (meta, "origin"));
  t->write_key = g_strdup (get_string (meta, "writeKey"));
  t->auth_method = tsc_auth_method_from_string (get_string (meta, "authMethod"));
  t->content_encoding = g_strdup (get_string (meta, "contentEncoding"));

  record->received_at = received_at;
  record->status = 200;
  record->headers_json = g_strdup ("{}");
  restore_upstream (&record->upstream, get_object (meta, "upstream"), received_at);

  return record;
}

static void
append_json_member (GString    *out,
                    const char *name,
                    JsonNode   *value)
{
  g_autofree char *text = NULL;

  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return;

  text = json_to_string (value, FALSE);
  g_string_append_printf (out, ",\"%s\":%s", name, text);
}

/* Decodes @raw as the collector decoded it: as the one item of a batch
 * whose envelope had the exported sentAt, context and integrations, so
 * that the effective sentAt, the merged envelope and the corrected time
 * come out the same. */
static TscMessage *
decode_exported (GBytes      *raw,
                 JsonObject  *meta,
                 gint64       received_at,
                 GError     **error)
{
  g_autoptr(GString) envelope = g_string_new ("{\"batch\":[");
  g_autoptr(GBytes) document = NULL;
  g_autoptr(TscTransport) scratch = tsc_transport_new ();
  g_autoptr(GPtrArray) messages = NULL;
  gsize raw_len;
  const char *raw_data = g_bytes_get_data (raw, &raw_len);
  gsize len;

  g_string_append_len (envelope, raw_data, raw_len);
  g_string_append_c (envelope, ']');
  append_json_member (envelope, "sentAt", get_member (meta, "sentAt"));
  append_json_member (envelope, "context", get_member (meta, "batchContext"));
  append_json_member (envelope, "integrations", get_member (meta, "batchIntegrations"));
  g_string_append_c (envelope, '}');

  len = envelope->len;
  document = g_bytes_new_take (g_string_free (g_steal_pointer (&envelope), FALSE), len);
  messages = tsc_wire_decode_document (document, scratch, received_at, NULL);

  if (messages == NULL || messages->len != 1)
    {
      g_autoptr(TscTransport) alone = tsc_transport_new ();
      g_autoptr(GPtrArray) plain = NULL;

      /* Say what is wrong with the message itself. */
      plain = tsc_wire_decode_document (raw, alone, 0, error);
      if (plain != NULL)
        g_set_error_literal (error, TSC_WIRE_ERROR, TSC_WIRE_ERROR_INVALID_JSON,
                             "The body is not one message object");
      return NULL;
    }

  return tsc_message_ref (g_ptr_array_index (messages, 0));
}

static char *
member_json (JsonObject *object,
             const char *name)
{
  JsonNode *node = get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return json_to_string (node, FALSE);
}

/* The message of an exported @object, already parsed with its
 * "_trackscope" @meta: what decode_exported() gives for its bytes,
 * without building and parsing them again — the collector's reading of
 * a batch item, with the envelope's sentAt, context and integrations
 * taken from @meta. The caller sets the raw bytes, the transport and the
 * batch index. */
static TscMessage *
message_from_exported (JsonObject *object,
                       JsonObject *meta,
                       gint64      received_at)
{
  g_autofree char *context = member_json (meta, "batchContext");
  g_autofree char *integrations = member_json (meta, "batchIntegrations");

  return tsc_wire_message_from_object (object, NULL, TSC_MESSAGE_TYPE_UNKNOWN,
                                       get_string (meta, "sentAt"), context, integrations,
                                       received_at);
}

/* Parses the exported object [@start, @start + @len) of @data whole, with
 * the reader's parser: its message and its "_trackscope" come from the
 * one parse. %NULL when it does not parse as an object. */
static JsonObject *
parse_exported (Reader     *reader,
                const char *data,
                gsize       len)
{
  JsonNode *root;

  if (reader->parser == NULL)
    reader->parser = json_parser_new_immutable ();

  if (!g_utf8_validate (data, len, NULL) ||
      !json_parser_load_from_data (reader->parser, data, len, NULL))
    return NULL;

  root = json_parser_get_root (reader->parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_node_get_object (root);
}

/* When @bytes is an exported object, restores its message with the
 * request it came in (consecutive messages with the same requestId share
 * it: reader->group) into *@message. Leaves *@message %NULL when @bytes
 * is not an exported object. */
static gboolean
restore_exported (Reader      *reader,
                  GBytes      *bytes,
                  TscMessage **message,
                  GError     **error)
{
  g_autoptr(JsonNode) meta_node = NULL;
  g_autoptr(GBytes) exported_bytes = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(TscMessage) restored = NULL;
  JsonObject *object = NULL;
  JsonObject *meta = NULL;
  Exported exported;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  const char *type;
  gint64 received_at;
  gint64 request_id;
  gint64 batch_index;

  *message = NULL;

  if (!find_exported (data, len, &exported))
    return TRUE;

  /* The whole object parses (as it does unless the file was edited):
   * the message and what the export added come from that one parse.
   * Otherwise, and for a message written as "_raw", the added member
   * alone is parsed and the message decoded from its bytes. */
  if (exported.cut_start != exported.raw_end)
    object = parse_exported (reader, data + exported.raw_start,
                             exported.raw_end - exported.raw_start);

  if (object != NULL)
    {
      meta = get_object (object, EXPORT_MEMBER);
    }
  else
    {
      meta_node = parse_value (data + exported.meta_start,
                               exported.meta_end - exported.meta_start, NULL);
      if (meta_node != NULL && JSON_NODE_HOLDS_OBJECT (meta_node))
        meta = json_node_get_object (meta_node);
    }

  /* Not ours after all: read as it is. */
  if (meta == NULL)
    return TRUE;

  received_at = tsc_wire_parse_time (get_string (meta, "receivedAt"));
  if (received_at == G_MININT64)
    received_at = 0;

  exported_bytes = exported_raw (bytes, &exported);
  raw = restore_line_breaks (exported_bytes, meta, error);
  if (raw == NULL)
    return FALSE;

  if (object != NULL)
    restored = message_from_exported (object, meta, received_at);
  else
    restored = decode_exported (raw, meta, received_at, error);
  if (restored == NULL)
    return FALSE;

  g_clear_pointer (&restored->raw, g_bytes_unref);
  restored->raw = g_steal_pointer (&raw);

  batch_index = get_int (meta, "batchIndex", -1);
  restored->batch_index = batch_index >= 0 && batch_index <= G_MAXINT ? (int) batch_index : -1;

  /* A single-message route implies the type: the bytes may have none. */
  type = get_string (meta, "type");
  if (type != NULL)
    {
      g_free (restored->type_name);
      restored->type_name = g_strdup (type);
      restored->type = tsc_message_type_from_string (type);
    }
  else
    {
      TscRoute route = { 0 };

      if (tsc_route_parse (get_string (meta, "route"), &route) && route.kind == TSC_ROUTE_SINGLE)
        {
          restored->type = route.type;
          g_free (restored->type_name);
          restored->type_name = g_strdup (tsc_message_type_to_string (route.type));
        }
      tsc_route_clear (&route);
    }

  /* An id the collector made up is not in the bytes: decoding made up
   * another one. */
  if (get_bool (meta, "messageIdAdded") && get_string (meta, "messageId") != NULL)
    {
      g_free (restored->message_id);
      restored->message_id = g_strdup (get_string (meta, "messageId"));
      restored->message_id_added = TRUE;
    }

  request_id = get_int (meta, "requestId", 0);
  if (reader->group == NULL || request_id <= 0 || request_id != reader->group_id)
    {
      reader_end_group (reader);
      reader->group = record_from_meta (meta, received_at);
      reader->group_id = request_id;
    }

  g_clear_pointer (&restored->transport, tsc_transport_unref);
  restored->transport = tsc_transport_ref (reader->group->transport);

  *message = g_steal_pointer (&restored);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Session files                                                           */

/* The requests of a session that brought no messages (those the
 * collector refused), walked beside its messages so that they keep
 * their place in the order. */
typedef struct
{
  TscSessionStore *store;
  GPtrArray       *chunk;   /* TscRequestRecord */
  guint            next;
  gint64           after;
  gboolean         done;
} EmptyRequests;

static void
empty_requests_clear (EmptyRequests *empty)
{
  g_clear_pointer (&empty->chunk, g_ptr_array_unref);
}

/* Gives the request function every message-less request with an id
 * below @below (all of them for G_MAXINT64). */
static gboolean
emit_empty_requests (Reader         *reader,
                     EmptyRequests  *empty,
                     gint64          below,
                     GError        **error)
{
  while (!empty->done)
    {
      TscRequestRecord *record;

      if (empty->chunk == NULL || empty->next >= empty->chunk->len)
        {
          g_autoptr(GError) local_error = NULL;

          g_clear_pointer (&empty->chunk, g_ptr_array_unref);
          empty->chunk = tsc_session_store_load_requests (empty->store, empty->after,
                                                          SESSION_CHUNK, &local_error);
          empty->next = 0;
          if (empty->chunk == NULL)
            {
              g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_SESSION,
                           "%s: after request %" G_GINT64_FORMAT ": %s",
                           reader->location.path, empty->after, local_error->message);
              return FALSE;
            }
          if (empty->chunk->len == 0)
            {
              empty->done = TRUE;
              break;
            }
        }

      record = g_ptr_array_index (empty->chunk, empty->next);
      if (record->id >= below)
        break;

      empty->next++;
      empty->after = record->id;
      if (record->message_count == 0 && !emit_request (reader, record, 0, error))
        return FALSE;
    }

  return TRUE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EmptyRequests, empty_requests_clear)

static gboolean
read_session (Reader      *reader,
              const char  *path,
              GError     **error)
{
  g_auto(EmptyRequests) empty = { 0 };
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TscRequestRecord) record = NULL;
  gint64 record_id = 0;   /* in @path: a consumer may store the record under another id */
  gint64 after = 0;

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_READ_ONLY, &local_error);
  if (store == NULL)
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_SESSION,
                   "%s: %s", path, local_error->message);
      return FALSE;
    }

  if (reader->self->collector == NULL)
    reader->self->collector = tsc_session_store_get_info (store, "collector");
  if (reader->self->profile == NULL)
    reader->self->profile = tsc_session_store_get_info (store, "profile");
  empty.store = store;
  empty.done = reader->self->request_func == NULL;

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
          gint64 request_id = message->transport ? message->transport->request_id : 0;

          after = message->seq;

          /* The request as recorded, headers and all; its messages share
           * one transport even across chunks. */
          if (record == NULL || request_id == 0 || record_id != request_id)
            {
              g_clear_pointer (&record, tsc_request_record_unref);
              record_id = request_id;
              if (request_id != 0)
                record = tsc_session_store_load_request (store, request_id, NULL);
            }

          if (record != NULL && message->transport != record->transport)
            {
              tsc_transport_unref (message->transport);
              message->transport = tsc_transport_ref (record->transport);
            }

          if (!emit_empty_requests (reader, &empty, request_id, error) ||
              !emit (reader, message, record, 0, 0, error))
            return FALSE;
        }
    }

  return emit_empty_requests (reader, &empty, G_MAXINT64, error);
}

/* ---------------------------------------------------------------------- */
/* Messages of other files                                                 */

/* A line or document of a file that is not our export does not say what
 * request its messages came in: give them the one a client would have
 * sent, so that they export as a request to a Tracking API route and
 * replay to it. The batch route for a batch body or several messages
 * (each at its index in the batch), else the route of the message's type.
 * When they were received stays unknown (0). */
static void
set_canonical_request (TscTransport *transport,
                       GPtrArray    *messages)
{
  TscMessage *first;
  gboolean batch;

  if (messages->len == 0)
    return;

  first = g_ptr_array_index (messages, 0);
  batch = messages->len > 1 || first->batch_index >= 0 || first->type == TSC_MESSAGE_TYPE_UNKNOWN;

  g_free (transport->method);
  transport->method = g_strdup ("POST");
  g_free (transport->route);
  if (batch)
    transport->route = g_strdup ("/v1/batch");
  else
    transport->route = g_strconcat ("/v1/", tsc_message_type_to_string (first->type), NULL);
  g_free (transport->path);
  transport->path = g_strdup (transport->route);

  for (guint i = 0; batch && i < messages->len; i++)
    {
      TscMessage *m = g_ptr_array_index (messages, i);

      if (m->batch_index < 0)
        m->batch_index = (int) MIN (i, (guint) G_MAXINT);
    }
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
      g_autoptr(TscMessage) exported = NULL;
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

      bytes = g_bytes_new (data + start, stop - start);

      if (restore_exported (reader, bytes, &exported, &local_error) && exported == NULL)
        {
          /* Each line its own transport: a batch body's writeKey belongs
           * to the messages of that line only. */
          reader_end_group (reader);
          transport = tsc_transport_new ();
          messages = tsc_wire_decode_document (bytes, transport, 0, &local_error);
          if (messages != NULL)
            set_canonical_request (transport, messages);
        }

      if (exported == NULL && messages == NULL)
        {
          guint column = 0;
          g_autofree char *reason = describe_wire_error (local_error, "the line", NULL, &column);
          g_autofree char *where = NULL;
          GError *problem;

          reader_end_group (reader);

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

          if (!skip_or_fail (reader, TSC_IMPORT_SKIP_BAD_LINE, problem, error))
            return FALSE;
        }
      else if (exported != NULL)
        {
          if (!emit (reader, exported, reader->group, line, 0, error))
            return FALSE;
        }
      else
        {
          for (guint i = 0; i < messages->len; i++)
            {
              if (!emit (reader, g_ptr_array_index (messages, i), NULL, line, 0, error))
                return FALSE;
            }
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
  set_canonical_request (transport, messages);

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

      if (!emit (reader, message, NULL, message_line, 0, error))
        return FALSE;
    }

  return TRUE;
}

/* Reads the objects at @spans (offsets from @pos in @contents) one by
 * one: each an exported message, or else a message as it is. An object
 * that is not a message is a problem of its line. */
static gboolean
read_elements (Reader      *reader,
               GBytes      *contents,
               gsize        pos,
               GArray      *spans,
               GError     **error)
{
  gsize len;
  const char *data = g_bytes_get_data (contents, &len);
  gsize counted = pos;
  guint line = advance_line (data, 0, pos, 1);

  for (guint i = 0; i < spans->len; i++)
    {
      const TscJsonSpan *span = &g_array_index (spans, TscJsonSpan, i);
      g_autoptr(GBytes) element = g_bytes_new_from_bytes (contents, pos + span->offset,
                                                          span->length);
      g_autoptr(TscMessage) exported = NULL;
      g_autoptr(GPtrArray) messages = NULL;
      g_autoptr(TscTransport) transport = NULL;
      g_autoptr(GError) local_error = NULL;

      line = advance_line (data, counted, pos + span->offset, line);
      counted = pos + span->offset;

      if (restore_exported (reader, element, &exported, &local_error) && exported == NULL)
        {
          /* Each element its own request, as each NDJSON line. */
          reader_end_group (reader);
          transport = tsc_transport_new ();
          messages = tsc_wire_decode_document (element, transport, 0, &local_error);
          if (messages != NULL)
            set_canonical_request (transport, messages);
        }

      if (exported != NULL)
        {
          if (!emit (reader, exported, reader->group, line, 0, error))
            return FALSE;
        }
      else if (messages != NULL)
        {
          for (guint j = 0; j < messages->len; j++)
            {
              if (!emit (reader, g_ptr_array_index (messages, j), NULL, line, 0, error))
                return FALSE;
            }
        }
      else
        {
          g_autofree char *reason = describe_wire_error (local_error, "the message", NULL, NULL);
          GError *problem = g_error_new (TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE,
                                         "%s:%u: message %u: %s",
                                         reader->location.path, line, i + 1, reason);

          reader_end_group (reader);
          if (!skip_or_fail (reader, TSC_IMPORT_SKIP_BAD_LINE, problem, error))
            return FALSE;
        }
    }

  return TRUE;
}

/* An array with at least one exported message in it. */
static gboolean
is_exported_array (JsonNode *root)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (root))
    return FALSE;

  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (item) &&
          json_object_has_member (json_node_get_object (item), EXPORT_MEMBER))
        return TRUE;
    }

  return FALSE;
}

/* The header of the JSON export, when @root is one. */
static JsonObject *
get_export_header (JsonNode *root)
{
  JsonObject *header;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  header = get_object (json_node_get_object (root), "trackscope");
  if (g_strcmp0 (get_string (header, "format"), EXPORT_FORMAT) != 0)
    return NULL;

  return header;
}

/* The JSON export: {"trackscope": {...}, "messages": [...], "flags": [...]}.
 * The flags are not read: they are found again from the messages. */
static gboolean
read_export_document (Reader      *reader,
                      GBytes      *contents,
                      gsize        pos,
                      JsonNode    *root,
                      GError     **error)
{
  TscImporter *self = reader->self;
  const char *path = reader->location.path;
  JsonObject *header = get_export_header (root);
  JsonObject *session = get_object (header, "session");
  JsonNode *messages = json_object_get_member (json_node_get_object (root), "messages");
  g_autoptr(GArray) spans = NULL;
  gint64 version = get_int (header, "formatVersion", EXPORT_VERSION);
  gsize len;
  const char *data = g_bytes_get_data (contents, &len);

  if (version > EXPORT_VERSION)
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_DOCUMENT,
                   "%s: a Trackscope export of format version %" G_GINT64_FORMAT
                   "; this version reads up to %d. Update Trackscope to import it.",
                   path, version, EXPORT_VERSION);
      return FALSE;
    }

  if (messages == NULL || !JSON_NODE_HOLDS_ARRAY (messages))
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_DOCUMENT,
                   "%s: a Trackscope export without a “messages” array", path);
      return FALSE;
    }

  spans = tsc_json_span_array_members (data + pos, len - pos, "messages");
  if (spans == NULL || spans->len != json_array_get_length (json_node_get_array (messages)))
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_DOCUMENT,
                   "%s: the messages of this Trackscope export cannot be told apart "
                   "(a member name written with escapes?)", path);
      return FALSE;
    }

  if (self->collector == NULL)
    self->collector = g_strdup (get_string (session, "collector"));
  if (self->profile == NULL)
    self->profile = g_strdup (get_string (session, "profile"));

  return read_elements (reader, contents, pos, spans, error);
}

/* ---------------------------------------------------------------------- */
/* HAR                                                                     */

typedef struct
{
  guint       index;
  gint64      started;
  JsonObject *entry;    /* (nullable): while the entry is read */
  gsize       offset;   /* of the entry in the file, when read one at a time */
  gsize       length;
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

/* Does @name climb out of the folder it is relative to, or leave it? */
static gboolean
escapes_folder (const char *name)
{
  g_auto(GStrv) parts = NULL;

  if (name[0] == '\0' || g_path_is_absolute (name) || name[0] == '/' || name[0] == '\\' ||
      (g_ascii_isalpha (name[0]) && name[1] == ':'))
    return TRUE;

  /* Either separator: the file may come from another system. */
  parts = g_strsplit_set (name, "/\\", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (strcmp (parts[i], "..") == 0)
        return TRUE;
    }

  return FALSE;
}

/* The body of a request that a tool saved in a file beside the HAR and
 * named in `postData._file` (Playwright's recordHar with content
 * "attach"): @name is resolved in the folder of the HAR file. Returns
 * %NULL with @error set, naming the entry and the file, when the name
 * leaves that folder or the file cannot be read. */
static GBytes *
har_body_from_file (Reader      *reader,
                    guint        entry,
                    const char  *url_path,
                    const char  *name,
                    GError     **error)
{
  const char *path = reader->location.path;
  g_autofree char *dir = NULL;
  g_autofree char *file_path = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (escapes_folder (name))
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_ENTRY,
                   "%s: entry %u (POST %s): its body file “%s” is not inside the HAR file’s "
                   "folder; only a name relative to it, without “..”, is read",
                   path, entry, url_path, name);
      return NULL;
    }

  dir = g_path_get_dirname (path);
  file_path = g_build_filename (dir, name, NULL);

  if (!g_file_test (file_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ,
                   "%s: entry %u (POST %s): its body file “%s” is not there (looked for %s)",
                   path, entry, url_path, name, file_path);
      return NULL;
    }

  if (!g_file_get_contents (file_path, &contents, &length, &local_error))
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ,
                   "%s: entry %u (POST %s): its body file “%s” cannot be read: %s",
                   path, entry, url_path, name, local_error->message);
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

/* Request headers as name, value, …, NULL; HTTP/2 pseudo-headers are not
 * headers. With @plain_body, a Content-Encoding is dropped: tools record
 * the decoded body. */
static GPtrArray *
har_headers (JsonObject *request,
             gboolean    plain_body)
{
  GPtrArray *list = g_ptr_array_new ();
  JsonNode *node = json_object_get_member (request, "headers");

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
          if (plain_body && g_ascii_strcasecmp (name, "Content-Encoding") == 0)
            continue;

          g_ptr_array_add (list, (gpointer) name);
          g_ptr_array_add (list, (gpointer) value);
        }
    }

  g_ptr_array_add (list, NULL);
  return list;
}

/* The collector an entry of our own HAR was sent to: its URL up to the
 * path. */
static char *
har_collector (const char *url,
               const char *url_path)
{
  const char *authority = strstr (url, "://");
  const char *slash = authority != NULL ? strchr (authority + 3, '/') : NULL;

  if (slash == NULL || !g_str_has_prefix (slash, url_path))
    return NULL;

  return g_strndup (url, slash - url);
}

/* Restores what the collector added to the messages of an entry of our
 * own HAR: the messageIds it made up (decoding made up others). */
static void
restore_har_message_ids (GPtrArray  *messages,
                         JsonObject *meta)
{
  JsonNode *ids_node = get_member (meta, "messageIds");
  JsonNode *added_node = get_member (meta, "messageIdsAdded");
  JsonArray *ids;
  JsonArray *added;

  if (ids_node == NULL || !JSON_NODE_HOLDS_ARRAY (ids_node) ||
      added_node == NULL || !JSON_NODE_HOLDS_ARRAY (added_node))
    return;

  ids = json_node_get_array (ids_node);
  added = json_node_get_array (added_node);

  for (guint i = 0; i < json_array_get_length (added); i++)
    {
      JsonNode *index_node = json_array_get_element (added, i);
      JsonNode *id_node;
      TscMessage *message;
      gint64 index;

      if (!JSON_NODE_HOLDS_VALUE (index_node) ||
          json_node_get_value_type (index_node) != G_TYPE_INT64)
        continue;

      index = json_node_get_int (index_node);
      if (index < 0 || index >= messages->len || index >= json_array_get_length (ids))
        continue;

      id_node = json_array_get_element (ids, index);
      if (!JSON_NODE_HOLDS_VALUE (id_node) || json_node_get_value_type (id_node) != G_TYPE_STRING)
        continue;

      message = g_ptr_array_index (messages, index);
      g_free (message->message_id);
      message->message_id = g_strdup (json_node_get_string (id_node));
      message->message_id_added = TRUE;
    }
}

/* The error the collector answered, from its reply body
 * {"success":false,"code":…,"message":…}. */
static void
har_reply_error (JsonObject  *response,
                 char       **code,
                 char       **message)
{
  g_autoptr(JsonNode) reply = NULL;
  const char *text = get_string (get_object (response, "content"), "text");
  JsonObject *object;

  *code = NULL;
  *message = NULL;
  if (text == NULL)
    return;

  reply = json_from_string (text, NULL);
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    return;

  object = json_node_get_object (reply);
  *code = g_strdup (get_string (object, "code"));
  *message = g_strdup (get_string (object, "message"));
}

/* An entry of our own HAR for a request the collector refused (status
 * >= 400): a request record without messages, as the collector stored
 * it, with the body it kept (base64 when not text, maybe cut short), its
 * headers and the error it answered. */
static gboolean
read_har_refused (Reader         *reader,
                  const HarEntry *har,
                  const char     *url_path,
                  const char     *query,
                  guint           status,
                  GError        **error)
{
  JsonObject *request = get_object (har->entry, "request");
  JsonObject *response = get_object (har->entry, "response");
  JsonObject *meta = get_object (har->entry, EXPORT_MEMBER);
  JsonObject *post_data = get_object (request, "postData");
  const char *method = get_string (request, "method");
  const char *text = get_string (post_data, "text");
  const char *write_key = get_string (meta, "writeKey");
  g_autoptr(GPtrArray) headers = har_headers (request, FALSE);
  g_autoptr(TscRequestRecord) record = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;
  TscWireRequest wire = { 0 };
  TscRoute route = { 0 };
  gboolean routed;
  gint64 received_at;
  gint64 body_size;

  if (text != NULL && text[0] != '\0')
    {
      if (g_strcmp0 (get_string (meta, "bodyEncoding"), "base64") == 0)
        {
          gsize len = 0;
          guchar *decoded = g_base64_decode (text, &len);

          body = g_bytes_new_take (decoded, len);
        }
      else
        {
          body = g_bytes_new (text, strlen (text));
        }
    }

  /* Our own HAR leaves receivedAt out when the time is unknown. */
  received_at = tsc_wire_parse_time (get_string (meta, "receivedAt"));

  wire.method = method != NULL ? method : "POST";
  wire.path = url_path;
  wire.query = query;
  wire.remote_addr = get_string (meta, "remoteAddress");
  wire.headers = (const char * const *) headers->pdata;
  wire.body = body;
  wire.received_at = received_at != G_MININT64 ? received_at : 0;

  routed = tsc_route_parse (url_path, &route);
  record = tsc_wire_record_new (&wire, routed ? &route : NULL);
  tsc_route_clear (&route);

  /* What the collector knew beyond the headers: the encoding it saw, a
   * write key it found in the body. */
  g_free (record->transport->content_encoding);
  record->transport->content_encoding = g_strdup (get_string (meta, "contentEncoding"));
  if (write_key != NULL)
    {
      g_free (record->transport->write_key);
      record->transport->write_key = g_strdup (write_key);
      record->transport->auth_method =
        tsc_auth_method_from_string (get_string (meta, "authMethod"));
    }

  body_size = get_int (request, "bodySize", -1);
  if (body_size >= 0)
    record->body_size = (gsize) body_size;
  tsc_request_record_keep_body (record, body, G_MAXSIZE);
  record->body_truncated = body != NULL && get_bool (meta, "bodyTruncated");
  record->message_count = 0;

  har_reply_error (response, &code, &message);
  tsc_request_record_reject (record, status, code, message);
  restore_upstream (&record->upstream, get_object (meta, "upstream"), record->received_at);

  if (reader->self->collector == NULL)
    reader->self->collector = har_collector (get_string (request, "url"), url_path);

  return emit_request (reader, record, har->index + 1, error);
}

static gboolean
read_har_entry (Reader         *reader,
                const HarEntry *har,
                GError        **error)
{
  TscImporter *self = reader->self;
  const char *path = reader->location.path;
  JsonObject *request = get_object (har->entry, "request");
  JsonObject *response = get_object (har->entry, "response");
  JsonObject *meta = get_object (har->entry, EXPORT_MEMBER);
  const char *method = get_string (request, "method");
  const char *url = get_string (request, "url");
  g_autofree char *url_path = NULL;
  g_autofree char *query = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) headers = NULL;
  g_autoptr(GPtrArray) all_headers = NULL;
  g_autoptr(TscRequestRecord) record = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) local_error = NULL;
  TscWireRequest wire = { 0 };
  TscWireRequest as_received;
  TscWireLimits limits;
  TscRoute route = { 0 };
  JsonObject *post_data;
  const char *text;
  const char *body_file;
  gboolean plain_body;
  gint64 status;
  gint64 body_size;
  gint64 received_at;

  if (url == NULL)
    {
      skip (reader, TSC_IMPORT_SKIP_NOT_TRACKING);
      return TRUE;
    }

  if (!g_uri_split (url, G_URI_FLAGS_ENCODED, NULL, NULL, NULL, NULL,
                    &url_path, &query, NULL, NULL))
    {
      if (url[0] != '/')
        {
          skip (reader, TSC_IMPORT_SKIP_NOT_TRACKING);
          return TRUE;
        }
      url_path = g_strdup (url);
    }

  /* A request our own collector refused is kept, when asked for, as
   * it was stored: it shows what was sent and why it was refused. */
  status = get_int (response, "status", 0);
  if (status >= 400 && status <= G_MAXUINT && meta != NULL && self->request_func != NULL)
    return read_har_refused (reader, har, url_path, query, (guint) status, error);

  if (!tsc_route_parse (url_path, &route))
    {
      skip (reader, TSC_IMPORT_SKIP_NOT_TRACKING);
      return TRUE;
    }

  if (route.kind != TSC_ROUTE_SINGLE && route.kind != TSC_ROUTE_BATCH)
    {
      tsc_route_clear (&route);
      skip (reader, TSC_IMPORT_SKIP_NO_CALLS);
      return TRUE;
    }

  if (method == NULL || g_ascii_strcasecmp (method, "POST") != 0)
    {
      tsc_route_clear (&route);
      skip (reader, TSC_IMPORT_SKIP_NOT_POST);
      return TRUE;
    }

  /* A request the server refused was not taken: the client retries it,
   * and the retry is the call. 0 means the HAR does not know. */
  if (status >= 400)
    {
      tsc_route_clear (&route);
      skip (reader, TSC_IMPORT_SKIP_REFUSED);
      return TRUE;
    }

  /* A body saved beside the HAR leaves the text empty and names the
   * file instead. */
  post_data = get_object (request, "postData");
  text = get_string (post_data, "text");
  body_file = get_string (post_data, "_file");
  if (body_file != NULL && (text == NULL || text[0] == '\0'))
    {
      GError *problem = NULL;

      body = har_body_from_file (reader, har->index + 1, url_path, body_file, &problem);
      if (body == NULL)
        {
          tsc_route_clear (&route);
          return skip_or_fail (reader, TSC_IMPORT_SKIP_BAD_ENTRY, problem, error);
        }
    }
  else
    {
      body = har_body (post_data);
    }

  {
    gsize len;
    const guint8 *data = g_bytes_get_data (body, &len);

    plain_body = looks_like_json (data, len);
  }
  headers = har_headers (request, plain_body);

  /* Our own HAR leaves receivedAt out when the time is unknown; other
   * tools' start times are when the request was sent. */
  if (meta != NULL)
    received_at = tsc_wire_parse_time (get_string (meta, "receivedAt"));
  else
    received_at = tsc_wire_parse_time (get_string (har->entry, "startedDateTime"));

  wire.method = "POST";
  wire.path = url_path;
  wire.query = query;
  wire.remote_addr = meta != NULL ? get_string (meta, "remoteAddress") : NULL;
  wire.headers = (const char * const *) headers->pdata;
  wire.body = body;
  wire.received_at = received_at != G_MININT64 ? received_at : 0;

  /* A file is not bound by the API's size limits: the rules report them. */
  tsc_wire_limits_init (&limits);
  limits.max_message_size = G_MAXSIZE;
  limits.max_batch_size = G_MAXSIZE;
  limits.max_body_size = G_MAXSIZE;

  /* The request keeps every header as it was sent, Content-Encoding
   * included, even when the tool kept the decoded body (mitmproxy, our
   * own HAR): the call was compressed on the wire, and the body is
   * decoded from what the HAR holds (@wire). */
  as_received = wire;
  all_headers = har_headers (request, FALSE);
  as_received.headers = (const char * const *) all_headers->pdata;
  record = tsc_wire_record_new (&as_received, &route);
  if (meta != NULL)
    {
      g_free (record->transport->content_encoding);
      record->transport->content_encoding = g_strdup (get_string (meta, "contentEncoding"));
    }

  messages = tsc_wire_decode (&wire, &route, &limits, record, &local_error);
  tsc_route_clear (&route);

  if (messages == NULL)
    {
      g_autofree char *reason = describe_wire_error (local_error, "the body", NULL, NULL);
      GError *problem = g_error_new (TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_ENTRY,
                                     "%s: entry %u (POST %s): %s",
                                     path, har->index + 1, url_path, reason);

      return skip_or_fail (reader, TSC_IMPORT_SKIP_BAD_ENTRY, problem, error);
    }

  /* What a HAR knows of the request beyond the headers. */
  tsc_request_record_keep_body (record, NULL, 0);
  record->status = status > 0 ? (guint) status : 200;
  body_size = get_int (request, "bodySize", -1);
  if (body_size > 0)
    record->body_size = (gsize) body_size;
  record->message_count = messages->len;

  if (meta != NULL)
    {
      restore_har_message_ids (messages, meta);
      restore_upstream (&record->upstream, get_object (meta, "upstream"), record->received_at);
      if (self->collector == NULL)
        self->collector = har_collector (url, url_path);
    }

  for (guint i = 0; i < messages->len; i++)
    {
      if (!emit (reader, g_ptr_array_index (messages, i), record, 0, har->index + 1, error))
        return FALSE;
    }

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
      HarEntry entry = { i, 0, NULL, 0, 0 };

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          GError *problem = g_error_new (TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_ENTRY,
                                         "%s: entry %u is not an object", path, i + 1);

          if (!skip_or_fail (reader, TSC_IMPORT_SKIP_BAD_ENTRY, problem, error))
            return FALSE;
          continue;
        }

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

/* A HAR read without a tree of the whole document: the scanner finds
 * where each entry of `log.entries` lies, a first pass reads their
 * startedDateTime for the order, and a second one parses one entry at a
 * time, so that memory holds the file's bytes and one entry's tree. */

/* The last value of the member @name of an object, found by its bytes. */
typedef struct
{
  const char *name;
  const char *value;     /* (nullable) */
  gsize       value_len;
  gboolean    escaped;   /* some member name has escapes: it may be @name too */
} MemberFind;

static void
find_member_cb (const char *key,
                gsize       key_len,
                const char *value,
                gsize       value_len,
                gpointer    user_data)
{
  MemberFind *find = user_data;

  if (memchr (key, '\\', key_len) != NULL)
    {
      find->escaped = TRUE;
    }
  else if (key_is (key, key_len, find->name))
    {
      find->value = value;
      find->value_len = value_len;
    }
}

/* The line and column json-glib gives for a piece of the file that
 * starts at @offset, made the file's. */
static void
set_piece_error (Reader       *reader,
                 const char   *data,
                 gsize         offset,
                 const GError *parse_error,
                 GError      **error)
{
  guint line = 0, column = 0;
  g_autofree char *reason = describe_parser_error (parse_error, &line, &column);

  if (line == 1)
    {
      gsize line_start = offset;

      while (line_start > 0 && data[line_start - 1] != '\n')
        line_start--;
      column += offset - line_start;
    }

  set_document_error (reader, data, offset, line, column, TSC_IMPORT_ERROR_INVALID_JSON,
                      reason, error);
}

/* Parses the entry at @har with @parser: @har->entry is valid until the
 * next parse. */
static gboolean
parse_har_entry (Reader      *reader,
                 JsonParser  *parser,
                 const char  *data,
                 HarEntry    *har,
                 GError     **error)
{
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;

  har->entry = NULL;

  /* The document was checked: only a parser stricter than the check
   * fails here. The file is then as broken as it would be whole. */
  if (!json_parser_load_from_data (parser, data + har->offset, har->length, &parse_error))
    {
      set_piece_error (reader, data, har->offset, parse_error, error);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_JSON,
                   "%s:%u: entry %u is not a JSON object", reader->location.path,
                   advance_line (data, 0, har->offset, 1), har->index + 1);
      return FALSE;
    }

  har->entry = json_node_get_object (root);
  return TRUE;
}

/* The startedDateTime of the entry at @har, G_MININT64 when it has none
 * that reads as a time. From the bytes when they can be taken as they
 * are, else from the entry parsed. */
static gboolean
har_entry_started (Reader      *reader,
                   JsonParser  *parser,
                   const char  *data,
                   HarEntry    *har,
                   GError     **error)
{
  MemberFind started = { "startedDateTime", NULL, 0, FALSE };

  har->started = G_MININT64;
  tsc_json_span_foreach_member (data + har->offset, har->length, find_member_cb, &started);

  if (started.escaped ||
      (started.value != NULL && memchr (started.value, '\\', started.value_len) != NULL))
    {
      if (!parse_har_entry (reader, parser, data, har, error))
        return FALSE;
      har->started = tsc_wire_parse_time (get_string (har->entry, "startedDateTime"));
      har->entry = NULL;
    }
  else if (started.value != NULL && started.value[0] == '"')
    {
      g_autofree char *text = g_strndup (started.value + 1, started.value_len - 2);

      har->started = tsc_wire_parse_time (text);
    }

  return TRUE;
}

/* Reads the document [@pos, @len) of @data as a HAR one entry at a time
 * when it is one. Sets *@handled to %FALSE, and returns %TRUE, for
 * another document or one this way cannot take (invalid, names written
 * with escapes): it is then read whole. */
static gboolean
read_har_by_spans (Reader      *reader,
                   const char  *data,
                   gsize        len,
                   gsize        pos,
                   gboolean    *handled,
                   GError     **error)
{
  const char *path = reader->location.path;
  MemberFind log = { "log", NULL, 0, FALSE };
  MemberFind entries_member = { "entries", NULL, 0, FALSE };
  g_autoptr(GArray) spans = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(JsonParser) parser = NULL;
  gsize entries_offset;
  gboolean sortable = TRUE;

  *handled = FALSE;

  if (!tsc_json_span_foreach_member (data + pos, len - pos, find_member_cb, &log) ||
      log.escaped || log.value == NULL || log.value[0] != '{')
    return TRUE;

  /* The scanner trusts the document: check all of it first. */
  if (!g_utf8_validate (data + pos, len - pos, NULL) ||
      !tsc_json_span_validate (data + pos, len - pos, NULL))
    return TRUE;

  if (!tsc_json_span_foreach_member (log.value, log.value_len, find_member_cb, &entries_member) ||
      entries_member.escaped)
    return TRUE;

  *handled = TRUE;
  set_format (reader, TSC_IMPORT_FORMAT_HAR);

  if (entries_member.value == NULL || entries_member.value[0] != '[')
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_DOCUMENT,
                   "%s: a HAR file without a log.entries array", path);
      return FALSE;
    }

  entries_offset = entries_member.value - data;
  spans = tsc_json_span_array_elements (entries_member.value, entries_member.value_len);
  g_assert (spans != NULL);

  parser = json_parser_new_immutable ();
  entries = g_array_sized_new (FALSE, FALSE, sizeof (HarEntry), spans->len);

  for (guint i = 0; i < spans->len; i++)
    {
      const TscJsonSpan *span = &g_array_index (spans, TscJsonSpan, i);
      HarEntry entry = { i, 0, NULL, entries_offset + span->offset, span->length };

      if (data[entry.offset] != '{')
        {
          GError *problem = g_error_new (TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_ENTRY,
                                         "%s: entry %u is not an object", path, i + 1);

          if (!skip_or_fail (reader, TSC_IMPORT_SKIP_BAD_ENTRY, problem, error))
            return FALSE;
          continue;
        }

      if (!har_entry_started (reader, parser, data, &entry, error))
        return FALSE;
      if (entry.started == G_MININT64)
        sortable = FALSE;
      g_array_append_val (entries, entry);
    }

  /* The same order as read_har() gives. */
  if (sortable)
    g_array_sort (entries, compare_entries);

  for (guint i = 0; i < entries->len; i++)
    {
      HarEntry *har = &g_array_index (entries, HarEntry, i);
      gboolean ok;

      if (!parse_har_entry (reader, parser, data, har, error))
        return FALSE;
      ok = read_har_entry (reader, har, error);
      har->entry = NULL;
      if (!ok)
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
  gboolean handled;
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

  /* Otherwise one document, read whole (not mapped: a file truncated
   * by another program while it is read must be an error, not a crash):
   * a HAR entry by entry from the file's bytes, anything else as a
   * tree. */
  if (!source_read_all (source, error))
    return FALSE;
  data = (const char *) source->buf->data;
  len = source->buf->len;

  if (!read_har_by_spans (reader, data, len, pos, &handled, error))
    return FALSE;
  if (handled)
    return TRUE;

  root = parse_value (data + pos, len - pos, &parse_error);
  if (root == NULL)
    {
      guint line = 0, column = 0;
      g_autofree char *reason = NULL;

      /* A JSON export is one document however its lines look. */
      if (!starts_with_member (data, len, pos, "trackscope") && looks_like_ndjson (data, len, pos))
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

  contents = g_byte_array_free_to_bytes (g_steal_pointer (&source->buf));
  set_format (reader, TSC_IMPORT_FORMAT_JSON);

  if (get_export_header (root) != NULL)
    return read_export_document (reader, contents, pos, root, error);

  if (is_exported_array (root))
    {
      g_autoptr(GArray) spans = NULL;

      data = g_bytes_get_data (contents, &len);
      spans = tsc_json_span_array_elements (data + pos, len - pos);
      if (spans != NULL && spans->len == json_array_get_length (json_node_get_array (root)))
        {
          g_clear_pointer (&root, json_node_unref);
          return read_elements (reader, contents, pos, spans, error);
        }
    }

  g_clear_pointer (&root, json_node_unref);
  return read_document (reader, contents, pos, error);
}

/* Do @cmf and @flg start a zlib stream (RFC 1950)? Deflate (CM 8) with a
 * window of at most 32 KiB, the header checksum right, and no preset
 * dictionary, which no file format uses. */
static gboolean
is_zlib_header (guint8 cmf,
                guint8 flg)
{
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && (flg & 0x20) == 0 &&
         ((guint) cmf * 256 + flg) % 31 == 0;
}

/* Reads the file @path, whatever its format. */
static gboolean
read_path (Reader      *reader,
           const char  *path,
           GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) file_stream = NULL;
  g_autoptr(GInputStream) buffered = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(Source) source = { 0 };
  const guint8 *head;
  gsize head_len = 0;

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

  /* The first bytes tell a session file and a gzip or zlib file. */
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
      set_format (reader, TSC_IMPORT_FORMAT_SESSION);
      return read_session (reader, path, error);
    }

  if (head_len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    {
      g_autoptr(GZlibDecompressor) gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);

      source.stream = g_converter_input_stream_new (buffered, G_CONVERTER (gunzip));
      source.compression = "gzip";
    }
  else if (head_len >= 2 && is_zlib_header (head[0], head[1]))
    {
      g_autoptr(GZlibDecompressor) zlib = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);

      source.stream = g_converter_input_stream_new (buffered, G_CONVERTER (zlib));
      source.compression = "zlib";
      source.head = describe_start ((const char *) head, head_len);
    }
  else
    {
      source.stream = g_object_ref (buffered);
    }

  source.buf = g_byte_array_new ();
  source.keep = TRUE;
  source.path = path;

  return read_text (reader, &source, error);
}

/**
 * tsc_importer_read_file:
 * @path: a session, NDJSON, JSON or HAR file (possibly gzip- or
 *   zlib-compressed)
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
  Reader reader = { 0 };
  gboolean ok;

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

  ok = read_path (&reader, path, error);
  reader_end_group (&reader);
  g_clear_object (&reader.parser);

  /* The next file's first message starts a request of its own. */
  g_clear_pointer (&self->last_transport, tsc_transport_unref);

  return ok;
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

/* ---------------------------------------------------------------------- */
/* Importing into a session file                                           */

/* Messages written between commits. */
#define IMPORT_COMMIT_CHUNK 5000

typedef struct
{
  TscSessionStore  *store;
  GCancellable     *stop;       /* cancels the read when writing failed */
  TscRequestRecord *record;     /* the request being gathered */
  GPtrArray        *messages;   /* its messages */
  guint             in_transaction;
  guint64           n_calls;
  guint64           n_requests;
  guint64           n_refused;
  GError           *error;      /* the first write error */
} SessionImport;

static void
session_import_fail (SessionImport *state,
                     GError        *error)
{
  if (state->error == NULL)
    state->error = error;
  else
    g_error_free (error);
  g_cancellable_cancel (state->stop);
}

/* Writes the request gathered so far as one request row. */
static void
session_import_flush (SessionImport *state)
{
  GError *error = NULL;
  TscRequestRecord *record = state->record;

  if (record == NULL || state->error != NULL)
    goto done;

  record->message_count = state->messages->len;
  if (state->in_transaction == 0 && !tsc_session_store_begin (state->store, &error))
    goto failed;
  state->in_transaction += MAX (state->messages->len, 1);

  if (!tsc_session_store_append (state->store, record, state->messages, &error))
    goto failed;
  if (record->upstream.state != TSC_UPSTREAM_NONE &&
      !tsc_session_store_set_upstream (state->store, record->id, &record->upstream, &error))
    goto failed;

  state->n_calls += state->messages->len;
  state->n_requests++;
  if (record->status >= 400 && state->messages->len == 0)
    state->n_refused++;

  if (state->in_transaction >= IMPORT_COMMIT_CHUNK)
    {
      state->in_transaction = 0;
      if (!tsc_session_store_commit (state->store, &error))
        goto failed;
    }
  goto done;

failed:
  session_import_fail (state, error);

done:
  g_clear_pointer (&state->record, tsc_request_record_unref);
  g_ptr_array_set_size (state->messages, 0);
}

static void
session_import_message_cb (TscMessage              *message,
                           const TscImportLocation *location,
                           gpointer                 user_data)
{
  SessionImport *state = user_data;

  if (state->error != NULL)
    return;

  /* The messages of one request share its transport. */
  if (state->record != NULL && state->messages->len > 0)
    {
      TscMessage *previous = g_ptr_array_index (state->messages, state->messages->len - 1);

      if (previous->transport != message->transport)
        session_import_flush (state);
    }

  if (state->record == NULL)
    {
      if (location->record != NULL)
        {
          state->record = tsc_request_record_ref (location->record);
        }
      else
        {
          /* Nothing is known of the request but its messages. */
          state->record = tsc_request_record_new ();
          if (message->transport != NULL)
            {
              tsc_transport_unref (state->record->transport);
              state->record->transport = tsc_transport_ref (message->transport);
            }
          state->record->received_at = message->received_at;
          state->record->status = 200;
          state->record->headers_json = g_strdup ("{}");
        }
    }

  g_ptr_array_add (state->messages, tsc_message_ref (message));
}

static void
session_import_request_cb (const TscImportLocation *location,
                           gpointer                 user_data)
{
  SessionImport *state = user_data;

  if (state->error != NULL)
    return;

  /* After the request being gathered, a row of its own. */
  session_import_flush (state);
  state->record = tsc_request_record_ref (location->record);
  session_import_flush (state);
}

/* The names of @inputs, as a JSON array of their base names. */
static char *
input_names (const char * const *inputs)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; inputs[i] != NULL; i++)
    {
      g_autofree char *name = g_path_get_basename (inputs[i]);

      json_builder_add_string_value (builder, name);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void
on_cancelled_cb (GCancellable *cancellable,
                 gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* Reads every input into @state's store. */
static gboolean
import_inputs (TscImporter         *importer,
               const char * const  *inputs,
               SessionImport       *state,
               GError             **error)
{
  GError *read_error = NULL;

  for (guint i = 0; inputs[i] != NULL; i++)
    {
      if (!tsc_importer_read_file (importer, inputs[i], session_import_message_cb, state,
                                   &read_error))
        {
          /* A write error cancels the read: say what went wrong first. */
          if (state->error != NULL)
            {
              g_error_free (read_error);
              g_propagate_error (error, g_steal_pointer (&state->error));
            }
          else
            {
              g_propagate_error (error, read_error);
            }
          return FALSE;
        }

      /* The requests of two files are never one. */
      session_import_flush (state);
      if (state->error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&state->error));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
write_session_info (TscSessionStore     *store,
                    TscImporter         *importer,
                    const char * const  *inputs,
                    GError             **error)
{
  g_autofree char *names = input_names (inputs);

  if (!tsc_session_store_set_info (store, "imported_from", names, error))
    return FALSE;
  if (importer->collector != NULL &&
      !tsc_session_store_set_info (store, "collector", importer->collector, error))
    return FALSE;
  if (importer->profile != NULL &&
      !tsc_session_store_set_info (store, "profile", importer->profile, error))
    return FALSE;

  return TRUE;
}

/* A session file, or the log or journal of one (which SQLite would
 * apply to a new file of that name), is there already. */
static gboolean
session_exists (const char  *session_path,
                GError     **error)
{
  static const char *suffixes[] = { "", "-wal", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (session_path, suffixes[i], NULL);

      if (g_file_test (name, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
        {
          if (i == 0)
            g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_EXISTS,
                         "%s: exists already; an import writes a new session file",
                         session_path);
          else
            g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_EXISTS,
                         "%s: a session file's log %s exists already; move it away or "
                         "import into another file", session_path, name);
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * tsc_import_report_free:
 */
void
tsc_import_report_free (TscImportReport *report)
{
  if (report == NULL)
    return;

  g_clear_pointer (&report->problems, g_ptr_array_unref);
  g_free (report);
}

/**
 * tsc_import_to_session:
 * @inputs: (array zero-terminated=1): the files to read, in order
 * @session_path: the session file to write; it must not exist
 * @flags: %TSC_IMPORT_FLAGS_STRICT to fail on the first bad line or entry
 * @report: (out) (optional) (transfer full): what was found and written
 * @cancellable: (nullable): stops the import; nothing is written then
 *
 * Writes the messages of every input into a new session file, one
 * request row per request: a HAR entry, a request of a session file or of
 * a Trackscope export keeps its record (headers, status, body size);
 * other messages get a record of their own (status 200, no headers, the
 * Tracking API route a client would have sent them to), one per line or
 * document. Trackscope's own exports come back as they were captured,
 * messageIds the collector added and all, and the requests the collector
 * refused with them when the export is a HAR.
 *
 * The file is written beside @session_path under another name and only
 * takes its name once complete: after an error (an unreadable or
 * malformed input, a bad line when strict, a write error) nothing is
 * left behind. Bad lines and entries are skipped otherwise, and listed in
 * the report.
 *
 * Returns: %TRUE when the session was written, %FALSE with @error set
 *   (%TSC_IMPORT_ERROR, or %G_IO_ERROR_CANCELLED)
 */
gboolean
tsc_import_to_session (const char * const  *inputs,
                       const char          *session_path,
                       TscImportFlags       flags,
                       TscImportReport    **report,
                       GCancellable        *cancellable,
                       GError             **error)
{
  g_autoptr(TscImporter) importer = NULL;
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  g_autoptr(GFile) tmp_file = NULL;
  g_autoptr(GFile) target = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmpl = NULL;
  g_autofree char *tmp_path = NULL;
  SessionImport state = { 0 };
  gulong cancelled_id = 0;
  gboolean ok = FALSE;
  int fd;

  g_return_val_if_fail (inputs != NULL, FALSE);
  g_return_val_if_fail (session_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (session_exists (session_path, error))
    return FALSE;

  dir = g_path_get_dirname (session_path);
  base = g_path_get_basename (session_path);
  tmpl = g_strdup_printf (".%s.import-XXXXXX", base);
  tmp_path = g_build_filename (dir, tmpl, NULL);
  fd = g_mkstemp_full (tmp_path, O_RDWR, 0644);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_WRITE,
                   "%s: cannot be written: %s", session_path, g_strerror (saved_errno));
      return FALSE;
    }
  close (fd);

  state.store = tsc_session_store_open (tmp_path, TSC_SESSION_STORE_OPEN_CREATE, &local_error);
  if (state.store == NULL)
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_WRITE,
                   "%s: cannot be written: %s", session_path, local_error->message);
      goto out;
    }

  state.stop = stop;
  state.messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  if (cancellable != NULL)
    cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled_cb),
                                          g_object_ref (stop), g_object_unref);

  importer = tsc_importer_new (flags);
  importer->cancellable = g_object_ref (stop);
  tsc_importer_set_request_func (importer, session_import_request_cb, &state);

  if (!import_inputs (importer, inputs, &state, error))
    goto out;

  if (state.in_transaction > 0)
    {
      state.in_transaction = 0;
      if (!tsc_session_store_commit (state.store, &local_error))
        {
          g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_WRITE,
                       "%s: cannot be written: %s", session_path, local_error->message);
          goto out;
        }
    }

  if (!write_session_info (state.store, importer, inputs, &local_error))
    {
      g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_WRITE,
                   "%s: cannot be written: %s", session_path, local_error->message);
      goto out;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  /* Closing folds the write-ahead log into the file. */
  g_clear_object (&state.store);

  tmp_file = g_file_new_for_path (tmp_path);
  target = g_file_new_for_path (session_path);
  if (!g_file_move (tmp_file, target, G_FILE_COPY_NONE, NULL, NULL, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_EXISTS,
                     "%s: was made by something else meanwhile; the import is not written",
                     session_path);
      else
        g_set_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_WRITE,
                     "%s: cannot be written: %s", session_path, local_error->message);
      goto out;
    }

  if (report != NULL)
    {
      TscImportReport *r = g_new0 (TscImportReport, 1);

      r->n_inputs = tsc_importer_get_n_inputs (importer);
      r->n_calls = state.n_calls;
      r->n_requests = state.n_requests;
      r->n_refused = state.n_refused;
      memcpy (r->skipped, importer->skipped, sizeof r->skipped);
      r->problems = g_ptr_array_ref (importer->problems);
      *report = r;
    }
  ok = TRUE;

out:
  if (cancelled_id != 0)
    g_cancellable_disconnect (cancellable, cancelled_id);
  g_clear_pointer (&state.record, tsc_request_record_unref);
  g_clear_pointer (&state.messages, g_ptr_array_unref);
  g_clear_error (&state.error);
  if (state.store != NULL && state.in_transaction > 0)
    tsc_session_store_rollback (state.store);
  g_clear_object (&state.store);
  if (!ok)
    tsc_session_store_remove_files (tmp_path);

  return ok;
}
