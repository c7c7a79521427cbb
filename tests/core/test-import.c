/* test-import.c: reading calls from session, NDJSON, JSON and HAR files
 *
 * The fixtures live in tests/data/import/; session, gzip and foreign
 * SQLite files are made in a temporary folder by the test itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-import"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tsc-export.h"
#include "tsc-import.h"
#include "tsc-session-store.h"
#include "tsc-test-util.h"
#include "tsc-wire.h"

/* ------------------------------------------------------------------ */
/* helpers                                                              */

/* One importer and the messages it gave, with where each came from. */
typedef struct
{
  TscImporter *importer;
  GPtrArray   *messages;   /* TscMessage * */
  GArray      *locations;  /* TscImportLocation, path and record not kept */
  GPtrArray   *records;    /* TscRequestRecord * or NULL, one per message */
} Import;

static void
record_unref0 (gpointer record)
{
  if (record != NULL)
    tsc_request_record_unref (record);
}

static Import
import_new (TscImportFlags flags)
{
  Import im = {
    tsc_importer_new (flags),
    g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref),
    g_array_new (FALSE, TRUE, sizeof (TscImportLocation)),
    g_ptr_array_new_with_free_func (record_unref0),
  };

  return im;
}

static void
import_clear (Import *im)
{
  g_clear_object (&im->importer);
  g_clear_pointer (&im->messages, g_ptr_array_unref);
  g_clear_pointer (&im->locations, g_array_unref);
  g_clear_pointer (&im->records, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Import, import_clear)

static void
collect_cb (TscMessage              *message,
            const TscImportLocation *location,
            gpointer                 user_data)
{
  Import *im = user_data;
  TscImportLocation copy = *location;

  copy.path = NULL;
  copy.record = NULL;
  g_ptr_array_add (im->messages, tsc_message_ref (message));
  g_array_append_val (im->locations, copy);
  g_ptr_array_add (im->records, location->record ? tsc_request_record_ref (location->record) : NULL);
}

static gboolean
import_read_file (Import      *im,
                  const char  *path,
                  GError     **error)
{
  return tsc_importer_read_file (im->importer, path, collect_cb, im, error);
}

/* Reads @path, which must succeed. */
static void
import_read (Import     *im,
             const char *path)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (import_read_file (im, path, &error));
  g_assert_no_error (error);
}

/* @error is @code in TSC_IMPORT_ERROR, and its message contains every
 * string of @needles, up to a NULL. */
static void
assert_import_error_va (const GError *error,
                        gint          code,
                        va_list       needles)
{
  const char *needle;

  g_assert_error (error, TSC_IMPORT_ERROR, code);
  while ((needle = va_arg (needles, const char *)) != NULL)
    tsc_test_assert_contains (error->message, needle);
}

static void import_read_fails (Import     *im,
                               const char *path,
                               gint        code,
                               ...) G_GNUC_NULL_TERMINATED;
static void assert_problem    (Import     *im,
                               guint       i,
                               gint        code,
                               ...) G_GNUC_NULL_TERMINATED;

/* Reads @path, which must fail with @code and a message that contains
 * every string that follows. */
static void
import_read_fails (Import     *im,
                   const char *path,
                   gint        code,
                   ...)
{
  g_autoptr(GError) error = NULL;
  va_list needles;

  g_assert_false (import_read_file (im, path, &error));
  va_start (needles, code);
  assert_import_error_va (error, code, needles);
  va_end (needles);
}

/* The @i-th problem the importer skipped is @code, with a message that
 * contains every string that follows. */
static void
assert_problem (Import *im,
                guint   i,
                gint    code,
                ...)
{
  GPtrArray *problems = tsc_importer_get_problems (im->importer);
  va_list needles;

  g_assert_cmpuint (i, <, problems->len);
  va_start (needles, code);
  assert_import_error_va (g_ptr_array_index (problems, i), code, needles);
  va_end (needles);
}

static TscMessage *
message_at (Import *im,
            guint   i)
{
  g_assert_cmpuint (i, <, im->messages->len);
  return g_ptr_array_index (im->messages, i);
}

static const TscImportLocation *
location_at (Import *im,
             guint   i)
{
  g_assert_cmpuint (i, <, im->locations->len);
  return &g_array_index (im->locations, TscImportLocation, i);
}

/* @messages are @ids (up to a NULL), numbered 1, 2, 3… */
static void
assert_message_ids (GPtrArray          *messages,
                    const char * const *ids)
{
  guint n = g_strv_length ((char **) ids);

  g_assert_cmpuint (messages->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      TscMessage *m = g_ptr_array_index (messages, i);

      g_assert_cmpstr (m->message_id, ==, ids[i]);
      g_assert_cmpint (m->seq, ==, (gint64) i + 1);
    }
}

static void
assert_lines (Import      *im,
              const guint *lines)
{
  for (guint i = 0; i < im->messages->len; i++)
    g_assert_cmpuint (location_at (im, i)->line, ==, lines[i]);
}

/* The last file read was in @format, and every read gave the messages
 * @ids (see assert_message_ids()) on @lines, when given. */
static void
assert_read (Import             *im,
             TscImportFormat     format,
             const char * const *ids,
             const guint        *lines)
{
  g_assert_cmpint (tsc_importer_get_format (im->importer), ==, format);
  assert_message_ids (im->messages, ids);
  if (lines != NULL)
    assert_lines (im, lines);
}

static void
assert_raw (TscMessage *message,
            const char *expected)
{
  gsize len;
  const char *raw = g_bytes_get_data (message->raw, &len);

  g_assert_cmpmem (raw, len, expected, strlen (expected));
}

/* ------------------------------------------------------------------ */
/* NDJSON                                                               */

static void
test_ndjson_one_message_per_line (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = NULL;
  const char *ids[] = { "m1", "m2", "m3", NULL };
  const guint expected_lines[] = { 1, 2, 3 };

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_NDJSON, ids, expected_lines);
  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 0);
  g_assert_cmpuint (tsc_importer_get_n_messages (im.importer), ==, 3);

  g_assert_cmpint (message_at (&im, 0)->type, ==, TSC_MESSAGE_TYPE_IDENTIFY);
  g_assert_cmpint (message_at (&im, 1)->type, ==, TSC_MESSAGE_TYPE_TRACK);
  g_assert_cmpstr (message_at (&im, 1)->event, ==, "Signed Out");
  g_assert_cmpint (message_at (&im, 2)->type, ==, TSC_MESSAGE_TYPE_PAGE);
  g_assert_cmpstr (message_at (&im, 2)->name, ==, "Pricing");
  g_assert_null (message_at (&im, 2)->user_id);
  g_assert_cmpstr (message_at (&im, 2)->anonymous_id, ==, "a1");
  g_assert_cmpint (location_at (&im, 0)->format, ==, TSC_IMPORT_FORMAT_NDJSON);
  g_assert_cmpuint (location_at (&im, 0)->entry, ==, 0);
  g_assert_cmpuint (location_at (&im, 0)->input, ==, 0);

  /* Without a receive time in the file it stays unknown (0), and the
   * corrected time is the client's own. */
  g_assert_cmpint (message_at (&im, 0)->received_at, ==, 0);
  g_assert_cmpint (message_at (&im, 0)->corrected_at, ==,
                   tsc_wire_parse_time ("2024-05-01T10:00:00.000Z"));

  /* The raw bytes are the line, exactly. */
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; i < 3; i++)
    assert_raw (message_at (&im, i), lines[i]);
}

static void
test_ndjson_batches_and_arrays (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "batches.ndjson");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  const char *ids[] = { "n1", "n2", "n3", NULL };
  /* A byte-order mark and an empty line come first; CRLF line ends. */
  const guint expected_lines[] = { 2, 2, 5 };

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_NDJSON, ids, expected_lines);
  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 0);

  /* The envelope of a batch line is merged into its messages only. */
  g_assert_cmpstr (message_at (&im, 0)->sent_at, ==, "2024-05-01T10:01:00.500Z");
  g_assert_cmpint (message_at (&im, 0)->batch_index, ==, 0);
  g_assert_cmpint (message_at (&im, 1)->batch_index, ==, 1);
  g_assert_cmpstr (message_at (&im, 0)->transport->write_key, ==, "K1");
  g_assert_true (message_at (&im, 0)->transport == message_at (&im, 1)->transport);
  g_assert_null (message_at (&im, 2)->sent_at);
  g_assert_null (message_at (&im, 2)->transport->write_key);
}

static void
test_ndjson_bad_line_is_reported_and_skipped (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "bad-line.ndjson");
  g_autofree char *line2 = g_strdup_printf ("%s:2:", path);
  g_autofree char *line4 = g_strdup_printf ("%s:4:", path);
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  const char *ids[] = { "b1", "b3", "b5", NULL };
  const guint expected_lines[] = { 1, 3, 5 };

  import_read (&im, path);
  assert_message_ids (im.messages, ids);
  assert_lines (&im, expected_lines);

  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 2);
  assert_problem (&im, 0, TSC_IMPORT_ERROR_INVALID_LINE, line2, "not valid JSON", NULL);
  assert_problem (&im, 1, TSC_IMPORT_ERROR_INVALID_LINE, line4, "not a string", NULL);
}

static void
test_ndjson_strict_fails_on_bad_line (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "bad-line.ndjson");
  g_autofree char *where = g_strdup_printf ("%s:2:", path);
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);

  import_read_fails (&im, path, TSC_IMPORT_ERROR_INVALID_LINE, where, NULL);

  /* What came before the bad line was given; nothing after it. */
  g_assert_cmpuint (im.messages->len, ==, 1);
  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 0);
}

static void
test_ndjson_truncated_last_line (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "truncated.ndjson");
  g_autofree char *where = g_strdup_printf ("%s:3:", path);
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  g_auto(Import) strict = import_new (TSC_IMPORT_FLAGS_STRICT);
  const char *ids[] = { "t1", "t2", NULL };

  import_read (&im, path);
  assert_message_ids (im.messages, ids);

  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 1);
  assert_problem (&im, 0, TSC_IMPORT_ERROR_TRUNCATED, where, "cut short", NULL);

  import_read_fails (&strict, path, TSC_IMPORT_ERROR_TRUNCATED, where, NULL);
}

static void
test_ndjson_empty_file (TscTestTmpDir *t,
                        gconstpointer  data)
{
  g_autofree char *path = tsc_test_write_file (t->dir, "empty.ndjson", "", 0);
  g_autofree char *blank = tsc_test_write_file (t->dir, "blank.ndjson", "\n  \r\n\n", -1);
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);

  import_read (&im, path);
  import_read (&im, blank);
  g_assert_cmpuint (im.messages->len, ==, 0);
  g_assert_cmpint (tsc_importer_get_format (im.importer), ==, TSC_IMPORT_FORMAT_NDJSON);
}

static void
test_ndjson_gzip (TscTestTmpDir *t,
                  gconstpointer  data)
{
  g_autofree char *source = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_autofree char *text = NULL;
  g_autoptr(GBytes) packed = NULL;
  g_autofree char *path = NULL;
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
  gsize len;
  const char *ids[] = { "m1", "m2", "m3", NULL };
  const guint expected_lines[] = { 1, 2, 3 };

  g_assert_true (g_file_get_contents (source, &text, &len, NULL));
  packed = tsc_test_compress (text, len, G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  path = tsc_test_write_file (t->dir, "flow.ndjson.gz", g_bytes_get_data (packed, NULL),
                              g_bytes_get_size (packed));

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_NDJSON, ids, expected_lines);
}

/* mitmproxy writes a HAR named *.zhar compressed with zlib (RFC 1950),
 * not gzip: read through the same way, NDJSON and HAR alike. */
static void
test_zlib_files (TscTestTmpDir *t,
                 gconstpointer  data)
{
  g_autofree char *ndjson_source = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_autofree char *har_source = tsc_test_data_path ("import", "logout-no-reset.har");
  g_autofree char *ndjson_text = NULL;
  g_autofree char *har_text = NULL;
  g_autoptr(GBytes) ndjson_packed = NULL;
  g_autoptr(GBytes) har_packed = NULL;
  g_autofree char *ndjson_path = NULL;
  g_autofree char *har_path = NULL;
  g_auto(Import) ndjson = import_new (TSC_IMPORT_FLAGS_STRICT);
  g_auto(Import) har = import_new (TSC_IMPORT_FLAGS_STRICT);
  const guint8 *head;
  gsize ndjson_len, har_len;
  const char *ids[] = { "m1", "m2", "m3", NULL };
  const guint expected_lines[] = { 1, 2, 3 };

  g_assert_true (g_file_get_contents (ndjson_source, &ndjson_text, &ndjson_len, NULL));
  g_assert_true (g_file_get_contents (har_source, &har_text, &har_len, NULL));
  ndjson_packed = tsc_test_compress (ndjson_text, ndjson_len, G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  har_packed = tsc_test_compress (har_text, har_len, G_ZLIB_COMPRESSOR_FORMAT_ZLIB);

  /* A zlib header, not gzip's magic. */
  head = g_bytes_get_data (har_packed, NULL);
  g_assert_cmphex (head[0], ==, 0x78);
  g_assert_cmphex (head[1], !=, 0x8b);

  ndjson_path = tsc_test_write_file (t->dir, "flow.ndjson.z",
                                     g_bytes_get_data (ndjson_packed, NULL),
                                     g_bytes_get_size (ndjson_packed));
  har_path = tsc_test_write_file (t->dir, "flow.zhar", g_bytes_get_data (har_packed, NULL),
                                  g_bytes_get_size (har_packed));

  import_read (&ndjson, ndjson_path);
  assert_read (&ndjson, TSC_IMPORT_FORMAT_NDJSON, ids, expected_lines);

  import_read (&har, har_path);
  assert_read (&har, TSC_IMPORT_FORMAT_HAR, ids, NULL);
  g_assert_cmpstr (message_at (&har, 1)->event, ==, "Signed Out");
}

/* A zlib file whose end is missing says so, rather than being read as
 * far as it goes. */
static void
test_zlib_cut_short (TscTestTmpDir *t,
                     gconstpointer  data)
{
  g_autofree char *source = tsc_test_data_path ("import", "logout-no-reset.har");
  g_autofree char *text = NULL;
  g_autoptr(GBytes) packed = NULL;
  g_autofree char *path = NULL;
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  gsize len;

  g_assert_true (g_file_get_contents (source, &text, &len, NULL));
  packed = tsc_test_compress (text, len, G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  g_assert_cmpuint (g_bytes_get_size (packed), >, 64);
  path = tsc_test_write_file (t->dir, "cut.zhar", g_bytes_get_data (packed, NULL),
                              g_bytes_get_size (packed) / 2);

  import_read_fails (&im, path, TSC_IMPORT_ERROR_READ, path, "zlib file cut short", NULL);
  g_assert_cmpuint (im.messages->len, ==, 0);
}

/* ------------------------------------------------------------------ */
/* One JSON document                                                    */

static void
test_json_array (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "array.json");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
  const char *ids[] = { "j1", "j2", "j3", NULL };
  /* Where each message's object starts. */
  const guint expected_lines[] = { 2, 10, 19 };

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_JSON, ids, expected_lines);
  g_assert_cmpint (message_at (&im, 1)->type, ==, TSC_MESSAGE_TYPE_TRACK);
  assert_raw (message_at (&im, 2),
              "{\"type\": \"page\", \"name\": \"Pricing\", \"anonymousId\": \"a1\", \"messageId\": \"j3\", "
              "\"timestamp\": \"2024-05-01T10:02:00.000Z\", \"properties\": {}}");
}

static void
test_json_batch_body (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "batch.json");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
  const char *ids[] = { "k1", "k2", "k3", NULL };
  const guint expected_lines[] = { 6, 7, 8 };

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_JSON, ids, expected_lines);
  g_assert_cmpstr (message_at (&im, 2)->sent_at, ==, "2024-05-01T10:02:00.500Z");
  g_assert_nonnull (message_at (&im, 2)->batch_context);
  tsc_test_assert_contains (message_at (&im, 2)->batch_context, "analytics-node");
  g_assert_cmpstr (message_at (&im, 0)->transport->write_key, ==, "K2");
}

static void
test_json_single_message (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "single.json");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
  const char *ids[] = { "s1", NULL };
  const guint expected_lines[] = { 1 };

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_JSON, ids, expected_lines);
  g_assert_cmpstr (message_at (&im, 0)->event, ==, "Signed Up");
}

static void
test_json_broken_document_names_line (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "broken.json");
  g_autofree char *where = g_strdup_printf ("%s:5:", path);
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);

  import_read_fails (&im, path, TSC_IMPORT_ERROR_INVALID_JSON, where, "not valid JSON", NULL);
  g_assert_cmpuint (im.messages->len, ==, 0);
}

/* ------------------------------------------------------------------ */
/* Files refused as a whole, made by the test                           */

typedef struct
{
  const char     *name;
  const char     *contents;
  gssize          len;       /* < 0: up to the NUL */
  TscImportError  code;
  const char     *reason;    /* what the error says besides the path, or NULL */
} RefusedFile;

static const RefusedFile json_of_numbers = {
  "numbers.json", "[\n  1,\n  2\n]\n", -1, TSC_IMPORT_ERROR_INVALID_DOCUMENT, "[0]",
};

static const RefusedFile har_without_entries = {
  "odd.har", "{\n  \"log\": {\"version\": \"1.2\"}\n}\n", -1, TSC_IMPORT_ERROR_INVALID_DOCUMENT,
  "log.entries",
};

static const RefusedFile binary_file = {
  "image.png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, TSC_IMPORT_ERROR_UNKNOWN_FORMAT, NULL,
};

static void
test_refused_file (TscTestTmpDir *t,
                   gconstpointer  data)
{
  const RefusedFile *file = data;
  g_autofree char *path = tsc_test_write_file (t->dir, file->name, file->contents, file->len);
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);

  import_read_fails (&im, path, file->code, path, file->reason, NULL);
}

/* 'x' is 0x78, the first byte of most zlib streams. Text starting with
 * it is refused as text, for what it starts with, not as broken zlib. */
static void
test_text_starting_with_x (TscTestTmpDir *t,
                           gconstpointer  data)
{
  const struct
  {
    const char *text;
    const char *start;
    gboolean    header_passes;  /* the two bytes pass the zlib header check */
  } texts[] = {
    /* 'x' and a lowercase letter: the preset-dictionary bit is set */
    { "x-ray of the signup flow\n", "“x-ray of the sig”", FALSE },
    /* 78 43: deflate, no dictionary, but (0x78 * 256 + 0x43) % 31 = 4 */
    { "xC0FFEE dump of the flow\n", "“xC0FFEE dump of ”", FALSE },
    /* 78 5E passes; what follows is no deflate data */
    { "x^ marks the spot where the calls went\n", "“x^ marks the spo”", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *name = g_strdup_printf ("notes-%u.txt", i);
      g_autofree char *path = tsc_test_write_file (t->dir, name, texts[i].text, -1);
      g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", texts[i].text);
      g_assert_false (import_read_file (&im, path, &error));
      g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_UNKNOWN_FORMAT);
      tsc_test_assert_contains (error->message, path);
      tsc_test_assert_contains (error->message, texts[i].start);
      if (texts[i].header_passes)
        tsc_test_assert_contains (error->message, "not zlib data");
      else
        g_assert_null (strstr (error->message, "zlib"));
    }
}

/* ------------------------------------------------------------------ */
/* HAR                                                                  */

static void
test_har_decodes_like_the_collector (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "logout-no-reset.har");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
  TscTransport *t;
  /* Sorted by startedDateTime: the page (entry 3) was written first; the
   * 400-rejected track, the metrics, the GETs and the OPTIONS are not
   * calls. */
  const char *ids[] = { "m1", "m2", "m3", NULL };
  const guint entries[] = { 5, 7, 3 };

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_HAR, ids, NULL);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (location_at (&im, i)->entry, ==, entries[i]);
      g_assert_cmpuint (location_at (&im, i)->line, ==, 0);
      g_assert_cmpint (location_at (&im, i)->format, ==, TSC_IMPORT_FORMAT_HAR);
    }

  /* The type of a single-message route comes from the path. */
  g_assert_cmpint (message_at (&im, 0)->type, ==, TSC_MESSAGE_TYPE_IDENTIFY);
  g_assert_cmpint (message_at (&im, 0)->batch_index, ==, 0);
  g_assert_cmpint (message_at (&im, 1)->type, ==, TSC_MESSAGE_TYPE_TRACK);
  g_assert_cmpint (message_at (&im, 1)->batch_index, ==, -1);
  g_assert_cmpstr (message_at (&im, 1)->event, ==, "Signed Out");
  g_assert_cmpint (message_at (&im, 2)->type, ==, TSC_MESSAGE_TYPE_PAGE);
  g_assert_cmpstr (message_at (&im, 2)->name, ==, "Pricing");

  /* Received when the browser started the request. */
  g_assert_cmpint (message_at (&im, 0)->received_at, ==,
                   tsc_wire_parse_time ("2024-05-01T10:00:00.200Z"));
  g_assert_cmpint (message_at (&im, 2)->received_at, ==,
                   tsc_wire_parse_time ("2024-05-01T10:02:00.000Z"));

  t = message_at (&im, 0)->transport;
  g_assert_cmpstr (t->method, ==, "POST");
  g_assert_cmpstr (t->path, ==, "/v1/batch");
  g_assert_cmpstr (t->route, ==, "/v1/batch");
  g_assert_null (t->lane);
  g_assert_cmpstr (t->origin, ==, "https://shop.example");
  g_assert_cmpstr (t->user_agent, ==, "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0");
  g_assert_cmpstr (t->write_key, ==, "WRITEKEY");
  g_assert_cmpint (t->auth_method, ==, TSC_AUTH_BODY);
  g_assert_null (t->content_encoding);

  /* A gzip body kept as base64 is decoded like a gzip request. */
  t = message_at (&im, 1)->transport;
  g_assert_cmpstr (t->route, ==, "/v1/t");
  g_assert_cmpstr (t->content_encoding, ==, "gzip");
  tsc_test_assert_contains ((const char *) g_bytes_get_data (message_at (&im, 1)->raw, NULL),
                            "Signed Out");

  /* A base64 body ("encoding": "base64") without compression. */
  g_assert_null (message_at (&im, 2)->transport->content_encoding);
  assert_raw (message_at (&im, 2),
              "{\"name\": \"Pricing\", \"anonymousId\": \"a1\", \"messageId\": \"m3\", "
              "\"timestamp\": \"2024-05-01T10:02:00.000Z\", \"properties\": {}, \"writeKey\": \"WRITEKEY\"}");
}

static void
test_har_lane_auth_and_bad_entry (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "lane-and-bad-entry.har");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  g_auto(Import) strict = import_new (TSC_IMPORT_FLAGS_STRICT);
  TscTransport *t;
  const char *ids[] = { "l1", "l3", "l4", NULL };

  import_read (&im, path);
  assert_message_ids (im.messages, ids);

  t = message_at (&im, 0)->transport;
  g_assert_cmpstr (t->lane, ==, "checkout");
  g_assert_cmpstr (t->path, ==, "/lane/checkout/v1/track");
  g_assert_cmpstr (t->route, ==, "/v1/track");
  g_assert_cmpint (t->auth_method, ==, TSC_AUTH_BASIC);
  g_assert_cmpstr (t->write_key, ==, "LANEKEY");
  g_assert_cmpstr (t->origin, ==, "http://localhost:3000");

  /* Marked gzip, but the HAR kept the decoded body: read as it is,
   * and the request still says it was gzip on the wire. */
  g_assert_cmpstr (message_at (&im, 1)->name, ==, "Thanks");
  g_assert_cmpstr (message_at (&im, 1)->transport->content_encoding, ==, "gzip");

  /* gzip in base64 without "encoding": "base64". */
  g_assert_cmpstr (message_at (&im, 2)->event, ==, "Review Left");
  g_assert_cmpstr (message_at (&im, 2)->transport->content_encoding, ==, "gzip");

  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 1);
  assert_problem (&im, 0, TSC_IMPORT_ERROR_INVALID_ENTRY, path, "entry 2", "/v1/identify", NULL);

  import_read_fails (&strict, path, TSC_IMPORT_ERROR_INVALID_ENTRY, NULL);
  g_assert_cmpuint (strict.messages->len, ==, 1);
}

static void
test_har_without_analytics_calls (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "no-analytics.har");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);

  import_read (&im, path);
  g_assert_cmpint (tsc_importer_get_format (im.importer), ==, TSC_IMPORT_FORMAT_HAR);
  g_assert_cmpuint (im.messages->len, ==, 0);
  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 0);
}

/* A HAR entry of a POST to @route with @headers (a JSON array) and
 * @post_data (a JSON object), started at @started. */
static char *
har_post_entry (const char *started,
                const char *route,
                const char *headers,
                const char *post_data)
{
  return g_strdup_printf ("{\"startedDateTime\": \"%s\", \"time\": 1,\n"
                          " \"request\": {\"method\": \"POST\", "
                          "\"url\": \"http://127.0.0.1:8765%s\", \"httpVersion\": \"HTTP/1.1\",\n"
                          "  \"headers\": %s, \"queryString\": [], \"cookies\": [], "
                          "\"headersSize\": -1, \"bodySize\": -1,\n"
                          "  \"postData\": %s},\n"
                          " \"response\": {\"status\": 200, \"statusText\": \"OK\", "
                          "\"httpVersion\": \"HTTP/1.1\", \"headers\": [], \"cookies\": [], "
                          "\"content\": {\"size\": 0, \"mimeType\": \"application/json\"}, "
                          "\"redirectURL\": \"\", \"headersSize\": -1, \"bodySize\": 0},\n"
                          " \"cache\": {}, "
                          "\"timings\": {\"send\": 0, \"wait\": 1, \"receive\": 0}}",
                          started, route, headers, post_data);
}

/* Writes a HAR of @entries (up to a NULL) as @name in @dir. */
static char *
write_har (const char         *dir,
           const char         *name,
           const char * const *entries)
{
  g_autofree char *joined = g_strjoinv (",\n", (char **) entries);
  g_autofree char *text = g_strdup_printf ("{\"log\": {\"version\": \"1.2\", "
                                           "\"creator\": {\"name\": \"Playwright\", "
                                           "\"version\": \"1.44.0\"},\n"
                                           "\"entries\": [\n%s\n]}}\n", joined);

  return tsc_test_write_file (dir, name, text, -1);
}

#define JSON_HEADERS "[{\"name\": \"Content-Type\", \"value\": \"application/json\"}]"

/* A track call with the messageId @id, as a HAR postData object. */
static char *
har_track_post_data (const char *id)
{
  return g_strdup_printf ("{\"mimeType\": \"application/json\", \"text\": "
                          "\"{\\\"event\\\": \\\"Step\\\", \\\"userId\\\": \\\"u1\\\", "
                          "\\\"messageId\\\": \\\"%s\\\"}\"}", id);
}

/* The same entries, in the order read, whatever the HAR's spelling:
 * entries are sorted by startedDateTime (equal times keep their order,
 * and an escaped time or member name is read as well), with a HAR the
 * entry-by-entry reading takes and with ones read as a whole tree (a
 * member name with escapes, an integer too long for the check). */
static void
test_har_entry_order_whatever_the_spelling (TscTestTmpDir *t,
                                            gconstpointer  data)
{
  /* Name, what comes before the entries, what comes after them. */
  const char *variants[][3] = {
    { "plain.har", "{\"log\": {\"version\": \"1.2\",\n\"entries\": [\n", "\n]}}\n" },
    { "escaped-log.har", "{\"\\u006cog\": {\"version\": \"1.2\",\n\"entries\": [\n", "\n]}}\n" },
    { "escaped-entries.har", "{\"log\": {\"version\": \"1.2\",\n\"\\u0065ntries\": [\n",
      "\n]}}\n" },
    { "long-integer.har", "{\"log\": {\"version\": \"1.2\", \"_n\": 12345678901234567890,\n"
                          "\"entries\": [\n", "\n]}}\n" },
    /* The last of repeated "entries" counts, as in a tree. */
    { "byte-order-mark-and-repeated-entries.har",
      "\xEF\xBB\xBF {\"log\": {\"entries\": [42],\n\"entries\": [\n", "\n]}}\n" },
    /* Written on one line (no line breaks below). */
    { "one-line.har", "{\"log\": {\"version\": \"1.2\", \"entries\": [", "]}}\n" },
  };
  g_autofree char *d1 = har_track_post_data ("e1");
  g_autofree char *d2 = har_track_post_data ("e2");
  g_autofree char *d3 = har_track_post_data ("e3");
  g_autofree char *d4 = har_track_post_data ("e4");
  g_autofree char *d5 = har_track_post_data ("e5");
  g_autofree char *e1 = har_post_entry ("2024-05-01T10:00:03.000Z", "/v1/track", JSON_HEADERS, d1);
  g_autofree char *e2 = har_post_entry ("2024-05-01T10:00:01.000Z", "/v1/track", JSON_HEADERS, d2);
  g_autofree char *e3 = har_post_entry ("2024-05-01T10:00:01.000Z", "/v1/track", JSON_HEADERS, d3);
  g_autofree char *e4 = har_post_entry ("2024-05-01T10:00:00\\u002e500Z", "/v1/track",
                                        JSON_HEADERS, d4);
  g_autofree char *e5_plain = har_post_entry ("2024-05-01T10:00:02.000Z", "/v1/track",
                                              JSON_HEADERS, d5);
  g_autofree char *e5 = NULL;
  g_autofree char *entries = NULL;
  const char *ids[] = { "e4", "e2", "e3", "e5", "e1", NULL };
  const guint entry_numbers[] = { 4, 2, 3, 5, 1 };

  /* The fifth spells its time's name with an escape. */
  g_assert_true (g_str_has_prefix (e5_plain, "{\"startedDateTime\""));
  e5 = g_strconcat ("{\"\\u0073tartedDateTime\"", e5_plain + strlen ("{\"startedDateTime\""), NULL);
  entries = g_strjoin (",\n", e1, e2, e3, e4, e5, NULL);

  for (guint v = 0; v < G_N_ELEMENTS (variants); v++)
    {
      g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
      g_autofree char *text = NULL;
      g_autofree char *path = NULL;

      text = g_strconcat (variants[v][1], entries, variants[v][2], NULL);
      if (g_str_has_prefix (variants[v][0], "one-line"))
        g_strdelimit (text, "\n", ' ');
      path = tsc_test_write_file (t->dir, variants[v][0], text, -1);

      g_test_message ("%s", variants[v][0]);
      import_read (&im, path);
      g_assert_cmpint (tsc_importer_get_format (im.importer), ==, TSC_IMPORT_FORMAT_HAR);
      assert_message_ids (im.messages, ids);
      for (guint i = 0; i < G_N_ELEMENTS (entry_numbers); i++)
        g_assert_cmpuint (location_at (&im, i)->entry, ==, entry_numbers[i]);
      g_assert_cmpint (message_at (&im, 0)->received_at, ==,
                       tsc_wire_parse_time ("2024-05-01T10:00:00.500Z"));
      g_assert_cmpstr (message_at (&im, 4)->event, ==, "Step");
    }
}

/* An entry that is no object is a problem of its own; a HAR that does
 * not parse names the line and column, wherever the fault is. */
static void
test_har_bad_entries_and_broken_file (TscTestTmpDir *t,
                                      gconstpointer  data)
{
  g_autofree char *d1 = har_track_post_data ("b1");
  g_autofree char *d3 = har_track_post_data ("b3");
  g_autofree char *e1 = har_post_entry ("2024-05-01T10:00:01.000Z", "/v1/track", JSON_HEADERS, d1);
  g_autofree char *e3 = har_post_entry ("2024-05-01T10:00:02.000Z", "/v1/track", JSON_HEADERS, d3);
  const char *with_number[] = { e1, "42", e3, NULL };
  g_autofree char *numbered = write_har (t->dir, "numbered.har", with_number);
  const char *ids[] = { "b1", "b3", NULL };
  g_auto(Import) lenient = import_new (TSC_IMPORT_FLAGS_NONE);
  g_auto(Import) strict = import_new (TSC_IMPORT_FLAGS_STRICT);
  g_auto(Import) broken = import_new (TSC_IMPORT_FLAGS_NONE);
  g_auto(Import) empty = import_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *broken_path = NULL;
  g_autofree char *empty_path = NULL;
  g_autofree char *where = NULL;

  import_read (&lenient, numbered);
  assert_message_ids (lenient.messages, ids);
  g_assert_cmpuint (tsc_importer_get_problems (lenient.importer)->len, ==, 1);
  assert_problem (&lenient, 0, TSC_IMPORT_ERROR_INVALID_ENTRY, numbered,
                  "entry 2 is not an object", NULL);
  g_assert_cmpuint (tsc_importer_get_skipped (lenient.importer, TSC_IMPORT_SKIP_BAD_ENTRY), ==, 1);

  import_read_fails (&strict, numbered, TSC_IMPORT_ERROR_INVALID_ENTRY,
                     "entry 2 is not an object", NULL);
  g_assert_cmpuint (strict.messages->len, ==, 0);

  /* A comma missing after "version" on line 2: json-glib stops at its value. */
  broken_path = tsc_test_write_file (t->dir, "broken.har",
                                     "{\"log\": {\n  \"version\": \"1.2\"\n  \"entries\": []}}\n", -1);
  where = g_strconcat (broken_path, ":2:", NULL);
  import_read_fails (&broken, broken_path, TSC_IMPORT_ERROR_INVALID_JSON, where, "not valid JSON",
                     NULL);
  g_assert_cmpuint (broken.messages->len, ==, 0);

  empty_path = tsc_test_write_file (t->dir, "no-entries.har",
                                    "{\"log\": {\"version\": \"1.2\", \"entries\": {}}}", -1);
  import_read_fails (&empty, empty_path, TSC_IMPORT_ERROR_INVALID_DOCUMENT, empty_path,
                     "log.entries", NULL);
}


/* A file body that can only come from the file: spacing no serialiser
 * writes. */
#define ATTACHED_IDENTIFY "{ \"userId\" :\"u1\",  \"anonymousId\":\"a1\", \"messageId\": \"f1\" }"
#define ATTACHED_BATCH    "{\"batch\": [{\"type\": \"track\", \"event\": \"Signed Up\", " \
                          "\"userId\": \"u1\", \"messageId\": \"f2\"},\n" \
                          " {\"type\": \"page\", \"name\": \"Home\", \"userId\": \"u1\", " \
                          "\"messageId\": \"f3\"}], \"writeKey\": \"ATTACHKEY\"}"

/* Playwright's recordHar with content "attach" leaves postData.text
 * empty and names a file beside the HAR in postData._file. */
typedef struct
{
  char *har_dir;
  char *har_path;
  char *inside_path;
} AttachedHar;

static void
attached_har_clear (AttachedHar *a)
{
  g_clear_pointer (&a->har_dir, g_free);
  g_clear_pointer (&a->har_path, g_free);
  g_clear_pointer (&a->inside_path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AttachedHar, attached_har_clear)

/* In @dir: har/flow.har with five call entries: a body file beside it, one
 * in a folder below it, then "../outside.json" (which exists), the
 * absolute path of the first file, and a file that is not there. */
static void
attached_har_write (AttachedHar *a,
                    const char  *dir)
{
  g_autofree char *bodies = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *post_absolute = NULL;
  char *entries[6] = { NULL };

  a->har_dir = g_build_filename (dir, "har", NULL);
  bodies = g_build_filename (a->har_dir, "bodies", NULL);
  g_assert_cmpint (g_mkdir_with_parents (bodies, 0700), ==, 0);

  a->inside_path = tsc_test_write_file (a->har_dir, "75c0a1.json", ATTACHED_IDENTIFY, -1);
  batch = tsc_test_write_file (bodies, "9e12ff.json", ATTACHED_BATCH, -1);
  outside = tsc_test_write_file (dir, "outside.json",
                                 "{\"userId\": \"u2\", \"messageId\": \"f4\"}", -1);
  post_absolute = g_strdup_printf ("{\"mimeType\": \"application/json\", \"text\": \"\", "
                                   "\"_file\": \"%s\"}", a->inside_path);

  entries[0] = har_post_entry ("2024-05-01T11:00:00.000Z", "/v1/identify", JSON_HEADERS,
                               "{\"mimeType\": \"application/json\", \"text\": \"\", "
                               "\"_file\": \"75c0a1.json\"}");
  entries[1] = har_post_entry ("2024-05-01T11:00:01.000Z", "/v1/batch", JSON_HEADERS,
                               "{\"mimeType\": \"application/json\", "
                               "\"_file\": \"bodies/9e12ff.json\"}");
  entries[2] = har_post_entry ("2024-05-01T11:00:02.000Z", "/v1/identify", JSON_HEADERS,
                               "{\"mimeType\": \"application/json\", \"text\": \"\", "
                               "\"_file\": \"../outside.json\"}");
  entries[3] = har_post_entry ("2024-05-01T11:00:03.000Z", "/v1/identify", JSON_HEADERS,
                               post_absolute);
  entries[4] = har_post_entry ("2024-05-01T11:00:04.000Z", "/v1/track", JSON_HEADERS,
                               "{\"mimeType\": \"application/json\", \"text\": \"\", "
                               "\"_file\": \"gone.json\"}");

  a->har_path = write_har (a->har_dir, "flow.har", (const char * const *) entries);
  for (guint i = 0; entries[i] != NULL; i++)
    g_free (entries[i]);
}

/* The calls of the two readable files, and three entries reported: each
 * problem names the entry and the file. */
static void
assert_attached_read (Import     *im,
                      const char *har_path)
{
  const char *ids[] = { "f1", "f2", "f3", NULL };
  GPtrArray *problems = tsc_importer_get_problems (im->importer);

  assert_read (im, TSC_IMPORT_FORMAT_HAR, ids, NULL);
  assert_raw (message_at (im, 0), ATTACHED_IDENTIFY);
  g_assert_cmpint (message_at (im, 0)->type, ==, TSC_MESSAGE_TYPE_IDENTIFY);
  g_assert_cmpuint (location_at (im, 0)->entry, ==, 1);
  g_assert_cmpstr (message_at (im, 1)->event, ==, "Signed Up");
  g_assert_cmpint (message_at (im, 2)->batch_index, ==, 1);
  g_assert_cmpstr (message_at (im, 2)->transport->write_key, ==, "ATTACHKEY");
  g_assert_true (message_at (im, 1)->transport == message_at (im, 2)->transport);

  g_assert_cmpuint (problems->len, ==, 3);
  assert_problem (im, 0, TSC_IMPORT_ERROR_INVALID_ENTRY, har_path, "entry 3", "“../outside.json”",
                  "not inside", NULL);
  assert_problem (im, 1, TSC_IMPORT_ERROR_INVALID_ENTRY, har_path, "entry 4", "75c0a1.json",
                  "not inside", NULL);
  assert_problem (im, 2, TSC_IMPORT_ERROR_READ, har_path, "entry 5", "“gone.json”",
                  "not there", NULL);
  g_assert_cmpuint (tsc_importer_get_skipped (im->importer, TSC_IMPORT_SKIP_BAD_ENTRY), ==, 3);
}

static void
test_har_attached_body_files (TscTestTmpDir *t,
                              gconstpointer  data)
{
  g_auto(AttachedHar) a = { 0 };
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  g_auto(Import) strict = import_new (TSC_IMPORT_FLAGS_STRICT);

  attached_har_write (&a, t->dir);

  import_read (&im, a.har_path);
  assert_attached_read (&im, a.har_path);

  /* Strict: the first name outside the folder stops the read. */
  import_read_fails (&strict, a.har_path, TSC_IMPORT_ERROR_INVALID_ENTRY, "entry 3",
                     "../outside.json", NULL);
  g_assert_cmpuint (strict.messages->len, ==, 3);
}

/* The files are found beside the HAR, not in the current folder: a HAR
 * given by a relative path from elsewhere reads the same. */
static void
test_har_attached_body_files_relative_path (TscTestTmpDir *t,
                                            gconstpointer  data)
{
  g_auto(AttachedHar) a = { 0 };
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *cwd = g_get_current_dir ();
  const char *relative = "har" G_DIR_SEPARATOR_S "flow.har";

  attached_har_write (&a, t->dir);

  g_assert_cmpint (g_chdir (t->dir), ==, 0);
  import_read (&im, relative);
  g_assert_cmpint (g_chdir (cwd), ==, 0);

  assert_attached_read (&im, relative);
}

/* mitmproxy keeps "Content-Encoding: gzip" beside the body it decoded:
 * the calls are read from the decoded body, and the request still says
 * it came gzip-compressed, in a session file too. Without the header (or
 * with "identity") there is no encoding. */
static void
test_har_decoded_body_keeps_content_encoding (TscTestTmpDir *t,
                                              gconstpointer  data)
{
  const char *gzip_headers = "[{\"name\": \"Content-Type\", \"value\": \"application/json\"}, "
                             "{\"name\": \"Content-Encoding\", \"value\": \"gzip\"}, "
                             "{\"name\": \"Content-Length\", \"value\": \"71\"}]";
  const char *identity_headers = "[{\"name\": \"Content-Encoding\", \"value\": \"identity\"}]";
  const char *body = "{\"batch\": [{\"type\": \"track\", \"event\": \"Signed Up\", "
                     "\"userId\": \"u1\", \"messageId\": \"g1\"}]}";
  g_autofree char *escaped = g_strescape (body, NULL);
  g_autofree char *post_data = g_strdup_printf ("{\"mimeType\": \"application/json\", "
                                                "\"text\": \"%s\", \"params\": []}", escaped);
  const char *plain_body = "{\"userId\": \"u1\", \"messageId\": \"g2\"}";
  g_autofree char *plain_escaped = g_strescape (plain_body, NULL);
  g_autofree char *plain_post = g_strdup_printf ("{\"mimeType\": \"application/json\", "
                                                 "\"text\": \"%s\"}", plain_escaped);
  g_autofree char *session = g_build_filename (t->dir, "imported.trackscope", NULL);
  g_autofree char *har_path = NULL;
  g_autoptr(TscImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
  const char *ids[] = { "g1", "g2", NULL };
  char *entries[3] = { NULL };
  const char *inputs[2] = { NULL };
  TscRequestRecord *record;

  entries[0] = har_post_entry ("2024-05-01T11:00:00.000Z", "/v1/batch", gzip_headers, post_data);
  entries[1] = har_post_entry ("2024-05-01T11:00:01.000Z", "/v1/identify", identity_headers,
                               plain_post);
  har_path = write_har (t->dir, "mitm.har", (const char * const *) entries);
  g_free (entries[0]);
  g_free (entries[1]);

  import_read (&im, har_path);
  assert_read (&im, TSC_IMPORT_FORMAT_HAR, ids, NULL);
  tsc_test_assert_contains ((const char *) g_bytes_get_data (message_at (&im, 0)->raw, NULL),
                            "\"messageId\": \"g1\"");
  g_assert_cmpstr (message_at (&im, 0)->transport->content_encoding, ==, "gzip");
  record = g_ptr_array_index (im.records, 0);
  g_assert_nonnull (record);
  tsc_test_assert_contains (record->headers_json, "\"Content-Encoding\":\"gzip\"");
  g_assert_null (message_at (&im, 1)->transport->content_encoding);

  inputs[0] = har_path;
  g_assert_true (tsc_import_to_session (inputs, session, TSC_IMPORT_FLAGS_STRICT, &report, NULL,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_calls, ==, 2);
  tsc_test_assert_db_text (session, "SELECT content_encoding FROM requests WHERE id = 1", NULL, "gzip");
  tsc_test_assert_db_text (session, "SELECT content_encoding FROM requests WHERE id = 2", NULL,
                           TSC_TEST_DB_NULL);
}

/* ------------------------------------------------------------------ */
/* Session files                                                        */

static void
test_session_reads_every_message (TscTestTmpDir *t,
                                  gconstpointer  data)
{
  const char *headers[] = { "User-Agent", "analytics-node-test", "Origin", "https://shop.example", NULL };
  g_autofree char *path = g_build_filename (t->dir, "s.trackscope", NULL);
  g_autofree char *ndjson = tsc_test_data_path ("import", "single.json");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
  g_autoptr(GError) error = NULL;
  const char *ids[] = { "s1", "e1", "e2", "e3", NULL };

  {
    g_autoptr(TscSessionStore) store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, &error);

    g_assert_no_error (error);
    tsc_test_store_request (store, "/v1/batch", headers,
                            "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"messageId\":\"e1\"},"
                            "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"messageId\":\"e2\"}],"
                            "\"writeKey\":\"SK\"}",
                            1714557600000000);
    tsc_test_store_request (store, "/lane/web/v1/p", headers,
                            "{\"name\":\"Pricing\",\"anonymousId\":\"a1\",\"messageId\":\"e3\"}",
                            1714557660000000);
  }

  /* Numbered after the file read before it. */
  import_read (&im, ndjson);
  import_read (&im, path);

  assert_read (&im, TSC_IMPORT_FORMAT_SESSION, ids, NULL);
  g_assert_cmpuint (tsc_importer_get_n_inputs (im.importer), ==, 2);
  g_assert_cmpuint (location_at (&im, 1)->input, ==, 1);
  g_assert_cmpint (location_at (&im, 1)->format, ==, TSC_IMPORT_FORMAT_SESSION);
  g_assert_cmpuint (location_at (&im, 1)->line, ==, 0);

  g_assert_cmpint (message_at (&im, 1)->type, ==, TSC_MESSAGE_TYPE_IDENTIFY);
  g_assert_cmpint (message_at (&im, 1)->received_at, ==, 1714557600000000);
  g_assert_cmpstr (message_at (&im, 1)->transport->write_key, ==, "SK");
  g_assert_cmpstr (message_at (&im, 1)->transport->remote_addr, ==, "127.0.0.1");
  g_assert_cmpint (message_at (&im, 3)->type, ==, TSC_MESSAGE_TYPE_PAGE);
  g_assert_cmpstr (message_at (&im, 3)->transport->lane, ==, "web");
  assert_raw (message_at (&im, 3), "{\"name\":\"Pricing\",\"anonymousId\":\"a1\",\"messageId\":\"e3\"}");
}

static void
test_session_foreign_sqlite (TscTestTmpDir *t,
                             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (t->dir, "other.db", NULL);
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  import_read_fails (&im, path, TSC_IMPORT_ERROR_SESSION, path, "not a Trackscope session", NULL);
  g_assert_cmpint (tsc_importer_get_format (im.importer), ==, TSC_IMPORT_FORMAT_SESSION);
}

/* ------------------------------------------------------------------ */
/* Not a format, not a file                                             */

static void
test_unknown_format_names_the_file (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "not-a-format.txt");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);

  import_read_fails (&im, path, TSC_IMPORT_ERROR_UNKNOWN_FORMAT, path, NULL);
  g_assert_cmpint (tsc_importer_get_format (im.importer), ==, TSC_IMPORT_FORMAT_UNKNOWN);
}

static void
test_missing_file_and_folder (TscTestTmpDir *t,
                              gconstpointer  data)
{
  g_autofree char *path = g_build_filename (t->dir, "nope.ndjson", NULL);
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);

  import_read_fails (&im, path, TSC_IMPORT_ERROR_READ, path, NULL);
  import_read_fails (&im, t->dir, TSC_IMPORT_ERROR_READ, t->dir, NULL);
}

/* ------------------------------------------------------------------ */
/* Several inputs                                                       */

static void
test_read_files_numbers_across_inputs (void)
{
  g_autofree char *ndjson = tsc_test_data_path ("import", "bad-line.ndjson");
  g_autofree char *array = tsc_test_data_path ("import", "array.json");
  g_autofree char *har = tsc_test_data_path ("import", "logout-no-reset.har");
  const char *paths[] = { ndjson, array, har, NULL };
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  const char *ids[] = { "b1", "b3", "b5", "j1", "j2", "j3", "m1", "m2", "m3", NULL };

  messages = tsc_import_read_files (paths, TSC_IMPORT_FLAGS_NONE, &problems, &error);
  g_assert_no_error (error);
  g_assert_nonnull (messages);
  assert_message_ids (messages, ids);
  g_assert_cmpuint (problems->len, ==, 2);

  /* Strict: the bad line of the first file stops everything. */
  g_clear_pointer (&messages, g_ptr_array_unref);
  messages = tsc_import_read_files (paths, TSC_IMPORT_FLAGS_STRICT, NULL, &error);
  g_assert_null (messages);
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE);
}

/* ------------------------------------------------------------------ */
/* Trackscope's own exports                                             */

static TscRequestRecord *
record_at (Import *im,
           guint   i)
{
  g_assert_cmpuint (i, <, im->records->len);
  return g_ptr_array_index (im->records, i);
}

static gint64
usec (const char *iso8601)
{
  gint64 t = tsc_wire_parse_time (iso8601);

  g_assert_cmpint (t, !=, G_MININT64);
  return t;
}

/* The messages of export.ndjson's first three lines, restored. */
static void
assert_first_three_restored (Import *im)
{
  TscMessage *m;
  TscTransport *t;
  TscRequestRecord *record;

  /* A batch item without a messageId: the collector's id comes back,
   * not one made up again; the envelope's sentAt, context and
   * integrations are the batch's. */
  m = message_at (im, 0);
  assert_raw (m, "{\"type\":\"identify\",\"userId\":\"u1\",\"anonymousId\":\"a1\","
                 "\"timestamp\":\"2024-05-01T10:00:00.000Z\",\"traits\":{\"plan\":\"pro\"}}");
  g_assert_cmpstr (m->message_id, ==, "trackscope-6f1c2d");
  g_assert_true (m->message_id_added);
  g_assert_cmpint (m->type, ==, TSC_MESSAGE_TYPE_IDENTIFY);
  g_assert_cmpstr (m->type_name, ==, "identify");
  g_assert_cmpint (m->received_at, ==, usec ("2024-05-01T10:00:02.123456Z"));
  g_assert_cmpstr (m->sent_at, ==, "2024-05-01T10:00:01.000Z");
  /* receivedAt − (sentAt − timestamp), to the microsecond */
  g_assert_cmpint (m->corrected_at, ==, usec ("2024-05-01T10:00:01.123456Z"));
  g_assert_cmpstr (m->batch_context, ==, "{\"library\":{\"name\":\"analytics-node\",\"version\":\"2.1\"}}");
  g_assert_cmpstr (m->batch_integrations, ==, "{\"All\":true}");
  g_assert_cmpint (m->batch_index, ==, 0);
  g_assert_cmpstr (m->user_id, ==, "u1");
  g_assert_cmpstr (m->timestamp, ==, "2024-05-01T10:00:00.000Z");

  t = m->transport;
  g_assert_cmpstr (t->method, ==, "POST");
  g_assert_cmpstr (t->route, ==, "/v1/batch");
  g_assert_cmpstr (t->lane, ==, "checkout");
  g_assert_cmpstr (t->path, ==, "/lane/checkout/v1/batch");
  g_assert_cmpstr (t->remote_addr, ==, "192.0.2.7");
  g_assert_cmpstr (t->user_agent, ==, "analytics-node/2.1");
  g_assert_cmpstr (t->origin, ==, "https://shop.example");
  g_assert_cmpstr (t->write_key, ==, "WK");
  g_assert_cmpint (t->auth_method, ==, TSC_AUTH_BASIC);
  g_assert_cmpstr (t->content_encoding, ==, "gzip");

  record = record_at (im, 0);
  g_assert_nonnull (record);
  g_assert_true (record->transport == t);
  g_assert_cmpuint (record->status, ==, 200);
  g_assert_cmpstr (record->headers_json, ==, "{}");
  g_assert_cmpint (record->received_at, ==, m->received_at);
  g_assert_cmpint (record->upstream.state, ==, TSC_UPSTREAM_DONE);
  g_assert_cmpuint (record->upstream.status, ==, 200);
  g_assert_cmpuint (record->upstream.attempts, ==, 2);
  g_assert_null (record->upstream.error);

  /* The same requestId next: the same request. White space the sender
   * put before the closing brace stays in the bytes. */
  m = message_at (im, 1);
  assert_raw (m, "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"u1\",\"anonymousId\":\"a1\","
                 "\"messageId\":\"x2\",\"timestamp\":\"2024-05-01T10:00:00.500Z\" }");
  g_assert_cmpstr (m->message_id, ==, "x2");
  g_assert_false (m->message_id_added);
  g_assert_cmpint (m->batch_index, ==, 1);
  g_assert_cmpint (m->corrected_at, ==, usec ("2024-05-01T10:00:01.623456Z"));
  g_assert_true (m->transport == t);
  g_assert_true (record_at (im, 1) == record);

  /* A single-message route: no batch index, the message's own sentAt,
   * the type from the export although the bytes have none. */
  m = message_at (im, 2);
  g_assert_cmpint (m->type, ==, TSC_MESSAGE_TYPE_IDENTIFY);
  g_assert_cmpint (m->batch_index, ==, -1);
  g_assert_null (m->batch_context);
  g_assert_cmpstr (m->sent_at, ==, "2024-05-01T10:01:00.000Z");
  g_assert_cmpint (m->corrected_at, ==, usec ("2024-05-01T10:01:00.250000Z"));
  g_assert_true (m->transport != t);
  g_assert_cmpstr (m->transport->route, ==, "/v1/identify");
  g_assert_cmpstr (m->transport->path, ==, "/v1/identify");
  g_assert_null (m->transport->lane);
  g_assert_cmpint (record_at (im, 2)->upstream.state, ==, TSC_UPSTREAM_NONE);
}

/* One exported message: its bytes, and the "_trackscope" members that
 * stand for its batch's envelope. */
typedef struct
{
  const char *raw;
  const char *meta;   /* members inside "_trackscope": {…} */
  const char *sent_at;
  const char *context;
  const char *integrations;
  gint64      received_at;
} ExportedCase;

/* An exported line gives the message the collector decoded from its
 * batch: the same fields as decoding the bytes as the one item of a batch
 * with the exported envelope, whatever the members' kinds. */
static void
test_export_lines_decode_like_their_batch (TscTestTmpDir *t,
                                           gconstpointer  data)
{
  const ExportedCase cases[] = {
    { "{\"type\":\"track\",\"event\":\"E1\",\"userId\":\"u1\",\"messageId\":\"k1\","
      "\"timestamp\":\"2026-11-29T09:59:59.000Z\"}",
      "\"receivedAt\":\"2026-11-29T10:00:00.000000Z\",\"sentAt\":\"2026-11-29T09:59:59.500Z\"",
      "\"2026-11-29T09:59:59.500Z\"", NULL, NULL, 1 },
    { "{\"type\":\"identify\",\"userId\":42,\"anonymousId\":\"a2\",\"messageId\":\"k2\","
      "\"originalTimestamp\":\"2026-11-29T09:59:58.000Z\",\"sentAt\":\"2026-11-29T09:59:59.000Z\","
      "\"traits\":{\"plan\":\"pro\"}}",
      "\"receivedAt\":\"2026-11-29T10:00:01.000000Z\",\"sentAt\":\"2026-11-29T09:59:59.900Z\","
      "\"batchContext\":{\"ip\":\"192.0.2.1\",\"library\":{\"name\":\"x\",\"v\":[1,2.5,true]}},"
      "\"batchIntegrations\":{\"All\":false}",
      "\"2026-11-29T09:59:59.900Z\"", "{\"ip\":\"192.0.2.1\",\"library\":{\"name\":\"x\","
      "\"v\":[1,2.5,true]}}", "{\"All\":false}", 1 },
    { "{\"type\":\"group\",\"groupId\":{\"id\":7},\"name\":true,\"userId\":1.5,"
      "\"previousId\":null,\"event\":\"\"}",
      "\"receivedAt\":\"2026-11-29T10:00:02.000000Z\",\"messageIdAdded\":true,"
      "\"messageId\":\"trackscope-k3\"",
      NULL, NULL, NULL, 1 },
    { "{\"type\":\"alias\",\"previousId\":\"p4\",\"userId\":\"u4\",\"messageId\":\"k4\","
      "\"receivedAt\":\"2026-11-29T10:00:03.000Z\",\"timestamp\":\"2026-11-29T10:00:02.000Z\"}",
      "\"type\":\"alias\"", NULL, NULL, NULL, 0 },
    { "{\"type\":\"screen\",\"name\":\"S\",\"messageId\":\"k5\"}",
      "\"sentAt\":\"2026-11-29T09:59:59.000Z\"", "\"2026-11-29T09:59:59.000Z\"", NULL, NULL, 0 },
  };
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize len = strlen (cases[i].raw);

      g_string_append_len (text, cases[i].raw, len - 1);
      g_string_append_printf (text, ",\"_trackscope\":{\"requestId\":%u,%s}}\n", i + 1,
                              cases[i].meta);
    }
  path = tsc_test_write_file (t->dir, "kinds.ndjson", text->str, -1);

  import_read (&im, path);
  g_assert_cmpuint (im.messages->len, ==, G_N_ELEMENTS (cases));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) envelope = g_string_new ("{\"batch\":[");
      g_autoptr(GBytes) document = NULL;
      g_autoptr(TscTransport) transport = tsc_transport_new ();
      g_autoptr(GPtrArray) decoded = NULL;
      g_autoptr(GError) error = NULL;
      TscMessage *m = message_at (&im, i);
      TscMessage *want;
      gint64 received_at;

      g_string_append_printf (envelope, "%s]", cases[i].raw);
      if (cases[i].sent_at != NULL)
        g_string_append_printf (envelope, ",\"sentAt\":%s", cases[i].sent_at);
      if (cases[i].context != NULL)
        g_string_append_printf (envelope, ",\"context\":%s", cases[i].context);
      if (cases[i].integrations != NULL)
        g_string_append_printf (envelope, ",\"integrations\":%s", cases[i].integrations);
      g_string_append_c (envelope, '}');
      document = g_bytes_new (envelope->str, envelope->len);

      received_at = m->received_at;
      g_test_message ("%s", cases[i].raw);
      decoded = tsc_wire_decode_document (document, transport,
                                          cases[i].received_at ? received_at : 0, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (decoded->len, ==, 1);
      want = g_ptr_array_index (decoded, 0);

      assert_raw (m, cases[i].raw);
      g_assert_cmpstr (m->type_name, ==, want->type_name);
      g_assert_cmpint (m->type, ==, want->type);
      g_assert_cmpstr (m->event, ==, want->event);
      g_assert_cmpstr (m->name, ==, want->name);
      g_assert_cmpstr (m->user_id, ==, want->user_id);
      g_assert_cmpstr (m->anonymous_id, ==, want->anonymous_id);
      g_assert_cmpstr (m->previous_id, ==, want->previous_id);
      g_assert_cmpstr (m->group_id, ==, want->group_id);
      g_assert_cmpstr (m->timestamp, ==, want->timestamp);
      g_assert_cmpstr (m->sent_at, ==, want->sent_at);
      g_assert_cmpstr (m->batch_context, ==, want->batch_context);
      g_assert_cmpstr (m->batch_integrations, ==, want->batch_integrations);
      g_assert_cmpint (m->received_at, ==, want->received_at);
      g_assert_cmpint (m->corrected_at, ==, want->corrected_at);
      if (!want->message_id_added)
        g_assert_cmpstr (m->message_id, ==, want->message_id);
    }

  /* The messageId the collector made up comes back. */
  g_assert_cmpstr (message_at (&im, 2)->message_id, ==, "trackscope-k3");
  g_assert_true (message_at (&im, 2)->message_id_added);
  g_assert_cmpint (message_at (&im, 0)->corrected_at, ==,
                   tsc_wire_parse_time ("2026-11-29T09:59:59.500Z"));
  g_assert_cmpint (message_at (&im, 3)->received_at, ==,
                   tsc_wire_parse_time ("2026-11-29T10:00:03.000Z"));
}

static void
test_export_ndjson_restores_messages (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "export.ndjson");
  g_autofree char *line8 = g_strdup_printf ("%s:8:", path);
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  const char *ids[] = { "trackscope-6f1c2d", "x2", "x3", "x4", "x5", "x6", "trackscope-77", "x9", NULL };
  const guint expected_lines[] = { 1, 2, 3, 4, 5, 6, 7, 9 };
  TscMessage *m;

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_NDJSON, ids, expected_lines);
  assert_first_three_restored (&im);

  /* The type a single-message route implies, when the export has none. */
  m = message_at (&im, 3);
  g_assert_cmpint (m->type, ==, TSC_MESSAGE_TYPE_TRACK);
  g_assert_cmpstr (m->type_name, ==, "track");

  /* A line without "_trackscope" is read as it is, a request of its own. */
  m = message_at (&im, 4);
  g_assert_cmpint (m->received_at, ==, 0);
  g_assert_null (record_at (&im, 4));
  assert_raw (m, "{\"type\":\"page\",\"name\":\"Home\",\"anonymousId\":\"a3\",\"messageId\":\"x5\"}");

  /* {"_raw": bytes, "_trackscope": …} gives the bytes. */
  assert_raw (message_at (&im, 5), "{\"type\":\"page\",\"anonymousId\":\"a3\",\"messageId\":\"x6\"}");
  g_assert_cmpint (message_at (&im, 5)->batch_index, ==, 0);

  /* An object whose only member was added: the object as it was. */
  assert_raw (message_at (&im, 6), "{ }");
  g_assert_true (message_at (&im, 6)->message_id_added);

  /* A bad exported line is a problem of its line. */
  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 1);
  assert_problem (&im, 0, TSC_IMPORT_ERROR_INVALID_LINE, line8, "not valid JSON", NULL);
  g_assert_cmpuint (tsc_importer_get_skipped (im.importer, TSC_IMPORT_SKIP_BAD_LINE), ==, 1);

  /* The same requestId after other requests is another request. */
  g_assert_true (message_at (&im, 7)->transport != message_at (&im, 1)->transport);
  g_assert_cmpint (message_at (&im, 7)->batch_index, ==, 2);

  /* 7 and 7, 8, 9, the plain line, 11, 12, 7 again. */
  g_assert_cmpuint (tsc_importer_get_n_requests (im.importer), ==, 7);
}

static void
test_export_json_document (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "export.json");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
  const char *ids[] = { "trackscope-6f1c2d", "x2", "x3", NULL };
  const guint expected_lines[] = { 3, 4, 5 };

  import_read (&im, path);
  /* The flags in the file are not read: a check finds them again. */
  assert_read (&im, TSC_IMPORT_FORMAT_JSON, ids, expected_lines);
  assert_first_three_restored (&im);
  g_assert_cmpuint (tsc_importer_get_n_requests (im.importer), ==, 2);
}

static void
test_export_json_array (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "export-array.json");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
  const char *ids[] = { "trackscope-6f1c2d", "x2", "x5", NULL };
  const guint expected_lines[] = { 2, 3, 4 };

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_JSON, ids, expected_lines);
  g_assert_true (message_at (&im, 0)->message_id_added);
  g_assert_true (message_at (&im, 0)->transport == message_at (&im, 1)->transport);
  g_assert_cmpint (message_at (&im, 1)->corrected_at, ==, usec ("2024-05-01T10:00:01.623456Z"));
  g_assert_null (record_at (&im, 2));
}

static const RefusedFile export_too_new = {
  "newer.json",
  "{\"trackscope\": {\"format\": \"trackscope-export\", \"formatVersion\": 2}, \"messages\": []}\n",
  -1, TSC_IMPORT_ERROR_INVALID_DOCUMENT, "format version 2",
};

/* Lines that each parse alone, but in a document cut short: not NDJSON. */
static const RefusedFile export_cut_short = {
  "cut.json",
  "{\"trackscope\": {\"format\": \"trackscope-export\", \"formatVersion\": 1}, \"messages\": [\n"
  "{\"type\":\"page\",\"anonymousId\":\"a\",\"messageId\":\"c1\",\"_trackscope\":{\"seq\":1}}\n"
  "{\"type\":\"page\",\"anonymousId\":\"a\",\"messageId\":\"c2\",\"_trackscope\":{\"seq\":2}}\n"
  "{\"type\":\"page\",\"anonymousId\":\"a\",\"messageId\":\"c3\",\"_trackscope\":{\"seq\":3}}\n",
  -1, TSC_IMPORT_ERROR_INVALID_JSON, "not valid JSON",
};

static void
test_export_har (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "export.har");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);
  const char *ids[] = { "trackscope-h1", "h2", "h3", NULL };
  TscRequestRecord *record;
  TscTransport *t;

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_HAR, ids, NULL);

  /* The id the collector had added, and only that one, comes back. */
  g_assert_true (message_at (&im, 0)->message_id_added);
  g_assert_false (message_at (&im, 1)->message_id_added);

  /* Received to the microsecond, from the address the collector saw. */
  g_assert_cmpint (message_at (&im, 0)->received_at, ==, usec ("2024-05-01T10:00:02.123456Z"));
  g_assert_cmpint (message_at (&im, 1)->corrected_at, ==, usec ("2024-05-01T10:00:01.623456Z"));
  t = message_at (&im, 0)->transport;
  g_assert_cmpstr (t->remote_addr, ==, "192.0.2.7");
  g_assert_cmpstr (t->lane, ==, "web");
  g_assert_cmpstr (t->path, ==, "/lane/web/v1/batch");
  g_assert_cmpstr (t->write_key, ==, "WK");
  g_assert_cmpint (t->auth_method, ==, TSC_AUTH_BASIC);
  /* The body is kept decoded; the request came gzip-compressed. */
  g_assert_cmpstr (t->content_encoding, ==, "gzip");

  /* The request as the HAR has it: headers, status, size on the wire. */
  record = record_at (&im, 0);
  g_assert_nonnull (record);
  g_assert_true (record_at (&im, 1) == record);
  g_assert_true (record->transport == t);
  g_assert_cmpuint (record->status, ==, 200);
  g_assert_cmpuint (record->body_size, ==, 151);
  g_assert_cmpint (record->received_at, ==, message_at (&im, 0)->received_at);
  g_assert_null (record->body);
  tsc_test_assert_contains (record->headers_json, "\"Content-Encoding\":\"gzip\"");
  tsc_test_assert_contains (record->headers_json, "\"Host\":\"127.0.0.1:8765\"");
  g_assert_cmpint (record->upstream.state, ==, TSC_UPSTREAM_DONE);
  g_assert_cmpuint (record->upstream.status, ==, 502);
  g_assert_cmpuint (record->upstream.attempts, ==, 3);
  g_assert_cmpstr (record->upstream.error, ==, "Bad Gateway");

  /* An entry of another tool's HAR: a decoded body marked gzip is read
   * as it is, and the request keeps the encoding it had on the wire. */
  record = record_at (&im, 2);
  g_assert_nonnull (record);
  g_assert_cmpstr (message_at (&im, 2)->transport->content_encoding, ==, "gzip");
  g_assert_cmpint (message_at (&im, 2)->type, ==, TSC_MESSAGE_TYPE_PAGE);
  g_assert_cmpint (record->upstream.state, ==, TSC_UPSTREAM_NONE);

  g_assert_cmpuint (tsc_importer_get_n_requests (im.importer), ==, 2);
}

/* ------------------------------------------------------------------ */
/* Round trips through the exports                                      */

/* Stores a request as the collector does (see tsc_test_store_post()):
 * refused ones keep at most @keep bytes of their body. */
static void
store_post (TscSessionStore    *store,
            const char         *path,
            const char * const *headers,
            GBytes             *body,
            gint64              received_at,
            gsize               keep)
{
  tsc_test_store_post (store, path, headers, "192.0.2.9", body, received_at, keep);
}

static void
store_json (TscSessionStore    *store,
            const char         *path,
            const char * const *headers,
            const char         *body,
            gint64              received_at)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  store_post (store, path, headers, bytes, received_at, G_MAXSIZE);
}

/* Writes @session as @format into @dir/@name. */
static char *
export_to_file (const char      *session,
                TscExportFormat  format,
                const char      *dir,
                const char      *name)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  TscExportOptions options = { 0 };
  gsize len;

  options.format = format;
  g_assert_true (tsc_export_session (session, &options, out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));

  len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  return tsc_test_write_file (dir, name,
                              g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                              (gssize) len);
}

/* Every message of the session @path, in seq order. */
static GPtrArray *
session_messages (const char *path)
{
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *messages;

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  messages = tsc_session_store_load_messages (store, 0, 1000, &error);
  g_assert_no_error (error);
  return messages;
}

/* @a and @b are the same messages: bytes, ids, types, batch places and
 * the routes of their requests. */
static void
assert_same_messages (GPtrArray *a,
                      GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      TscMessage *x = g_ptr_array_index (a, i);
      TscMessage *y = g_ptr_array_index (b, i);
      gsize x_len, y_len;
      const char *x_raw = g_bytes_get_data (x->raw, &x_len);
      const char *y_raw = g_bytes_get_data (y->raw, &y_len);

      g_test_message ("message %u: %s", i + 1, x->message_id);
      g_assert_cmpmem (x_raw, x_len, y_raw, y_len);
      g_assert_cmpstr (x->message_id, ==, y->message_id);
      g_assert_cmpint (x->message_id_added, ==, y->message_id_added);
      g_assert_cmpint (x->type, ==, y->type);
      g_assert_cmpint (x->batch_index, ==, y->batch_index);
      g_assert_cmpstr (x->sent_at, ==, y->sent_at);
      g_assert_cmpstr (x->batch_context, ==, y->batch_context);
      g_assert_cmpstr (x->transport->route, ==, y->transport->route);
      g_assert_cmpstr (x->transport->path, ==, y->transport->path);
      g_assert_cmpint (x->transport->request_id, ==, y->transport->request_id);
    }
}

/* A message written over several lines, with LF or CRLF, alone or as a
 * batch item, exports on one line and comes back byte for byte from the
 * NDJSON, the JSON document and an array of exported messages. */
static void
test_export_line_breaks_come_back (TscTestTmpDir *t,
                                   gconstpointer  data)
{
  const char *json_headers[] = { "Content-Type", "application/json", NULL };
  g_autofree char *session = g_build_filename (t->dir, "pretty.trackscope", NULL);
  g_autofree char *ndjson = NULL;
  g_autofree char *json = NULL;
  g_autofree char *array = NULL;
  g_autofree char *ndjson_text = NULL;
  g_autofree char *copy = g_build_filename (t->dir, "copy.trackscope", NULL);
  g_autoptr(GPtrArray) captured = NULL;
  g_autoptr(GPtrArray) copied = NULL;
  g_autoptr(GError) error = NULL;
  const char *pretty = "{\n  \"userId\": \"u3\",\n  \"event\": \"P\"\n}";
  const char *inputs[] = { NULL, NULL };

  {
    g_autoptr(TscSessionStore) store = tsc_session_store_open (session, TSC_SESSION_STORE_OPEN_CREATE,
                                                               &error);

    g_assert_no_error (error);
    store_json (store, "/v1/track", json_headers, pretty, usec ("2024-05-01T10:00:00Z"));
    store_json (store, "/v1/page", json_headers,
                "{\r\n\"anonymousId\":\"a1\",\r\n\"name\":\"Home\",\"messageId\":\"c2\"\r\n}\r\n",
                usec ("2024-05-01T10:00:01Z"));
    store_json (store, "/v1/batch", json_headers,
                "{\"batch\":[{\n  \"type\": \"track\",\n  \"event\": \"B\",\r\n  \"userId\": \"u4\"\n},"
                "{\"type\":\"identify\",\"userId\":\"u4\",\"messageId\":\"c4\"}]}",
                usec ("2024-05-01T10:00:02Z"));
  }
  captured = session_messages (session);
  g_assert_cmpuint (captured->len, ==, 4);
  assert_raw (g_ptr_array_index (captured, 0), pretty);

  ndjson = export_to_file (session, TSC_EXPORT_NDJSON, t->dir, "pretty.ndjson");
  json = export_to_file (session, TSC_EXPORT_JSON, t->dir, "pretty.json");

  /* One message a line: no raw line break left in a line. */
  ndjson_text = tsc_test_read_file (ndjson);
  {
    g_auto(GStrv) lines = g_strsplit (ndjson_text, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 5);
    g_assert_null (strchr (ndjson_text, '\r'));
    tsc_test_assert_contains (ndjson_text, "\"rawLineBreaks\":[1,19,34]");
  }

  /* The lines as a JSON array. */
  {
    g_autoptr(GString) text = g_string_new ("[\n");
    g_auto(GStrv) lines = g_strsplit (ndjson_text, "\n", -1);

    for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
      g_string_append_printf (text, "%s%s\n", i > 0 ? "," : "", lines[i]);
    g_string_append (text, "]\n");
    array = tsc_test_write_file (t->dir, "pretty-array.json", text->str, -1);
  }

  {
    const char *files[] = { ndjson, json, array };

    for (guint f = 0; f < G_N_ELEMENTS (files); f++)
      {
        g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);

        g_test_message ("%s", files[f]);
        import_read (&im, files[f]);
        g_assert_cmpuint (im.messages->len, ==, captured->len);
        for (guint i = 0; i < captured->len; i++)
          {
            TscMessage *m = g_ptr_array_index (captured, i);
            gsize len;
            const char *raw = g_bytes_get_data (m->raw, &len);
            g_autofree char *expected = g_strndup (raw, len);

            assert_raw (message_at (&im, i), expected);
            g_assert_cmpstr (message_at (&im, i)->message_id, ==, m->message_id);
          }
      }
  }

  /* Into a session and out again: the same lines. */
  inputs[0] = ndjson;
  g_assert_true (tsc_import_to_session (inputs, copy, TSC_IMPORT_FLAGS_STRICT, NULL, NULL, &error));
  g_assert_no_error (error);
  copied = session_messages (copy);
  assert_same_messages (captured, copied);
  {
    g_autofree char *again = export_to_file (copy, TSC_EXPORT_NDJSON, t->dir, "again.ndjson");
    g_autofree char *again_text = tsc_test_read_file (again);

    g_assert_cmpstr (again_text, ==, ndjson_text);
  }
}

/* An offset that does not point at a space the export wrote is a
 * problem of its line, naming the member. */
static void
test_export_bad_line_break_offsets (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "bad-line-breaks.ndjson");
  g_autofree char *line2 = g_strdup_printf ("%s:2:", path);
  g_autofree char *line3 = g_strdup_printf ("%s:3:", path);
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  const char *ids[] = { "b1", "b4", NULL };

  import_read (&im, path);
  assert_read (&im, TSC_IMPORT_FORMAT_NDJSON, ids, NULL);
  assert_raw (message_at (&im, 0), "{\"type\":\"track\",\n\"event\":\"A\",\"userId\":\"u1\",\"messageId\":\"b1\"}");
  assert_raw (message_at (&im, 1),
              "{\r\n\"type\":\"page\",\"name\":\"Home\",\"anonymousId\":\"a1\",\"messageId\":\"b4\"\r\n}");

  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 2);
  assert_problem (&im, 0, TSC_IMPORT_ERROR_INVALID_LINE, line2, "_trackscope.rawLineBreaks[0]",
                  "no space", NULL);
  assert_problem (&im, 1, TSC_IMPORT_ERROR_INVALID_LINE, line3,
                  "_trackscope.rawCarriageReturns[0]", "outside", NULL);
  g_assert_cmpuint (tsc_importer_get_skipped (im.importer, TSC_IMPORT_SKIP_BAD_LINE), ==, 2);
}

/* Messages of a file that is not our export get the request a client
 * would have sent them in, so that the HAR export of their import reads
 * back as the same calls. */
static void
test_plain_import_exports_as_har_and_back (TscTestTmpDir *t,
                                           gconstpointer  data)
{
  g_autofree char *plain = tsc_test_data_path ("import", "plain.ndjson");
  g_autofree char *first = g_build_filename (t->dir, "first.trackscope", NULL);
  g_autofree char *second = g_build_filename (t->dir, "second.trackscope", NULL);
  g_autofree char *har = NULL;
  g_autofree char *har_text = NULL;
  g_autoptr(TscImportReport) report = NULL;
  g_autoptr(GPtrArray) imported = NULL;
  g_autoptr(GPtrArray) reimported = NULL;
  g_autoptr(GError) error = NULL;
  const char *first_inputs[] = { plain, NULL };
  const char *second_inputs[] = { NULL, NULL };

  g_assert_true (tsc_import_to_session (first_inputs, first, TSC_IMPORT_FLAGS_STRICT, &report, NULL,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_calls, ==, 7);
  g_assert_cmpuint (report->n_requests, ==, 6);

  /* A message alone: the route of its type; a batch body or several
   * messages: the batch route; a message of no known type too. */
  tsc_test_assert_db_text (first, "SELECT group_concat(method || ' ' || route || ' ' || path || ' ' || "
                           "received_at, ', ') FROM (SELECT * FROM requests ORDER BY id)", NULL,
                           "POST /v1/identify /v1/identify 0, POST /v1/track /v1/track 0, "
                           "POST /v1/batch /v1/batch 0, POST /v1/batch /v1/batch 0, "
                           "POST /v1/alias /v1/alias 0, POST /v1/batch /v1/batch 0");
  tsc_test_assert_db_text (first, "SELECT group_concat(ifnull(batch_index, '-'), ' ') "
                           "FROM (SELECT * FROM messages ORDER BY seq)", NULL, "- - 0 0 1 - 0");

  har = export_to_file (first, TSC_EXPORT_HAR, t->dir, "first.har");
  har_text = tsc_test_read_file (har);
  tsc_test_assert_contains (har_text, "\"url\":\"http://localhost/v1/identify\"");
  tsc_test_assert_contains (har_text, "\"url\":\"http://localhost/v1/batch\"");

  g_clear_pointer (&report, tsc_import_report_free);
  second_inputs[0] = har;
  g_assert_true (tsc_import_to_session (second_inputs, second, TSC_IMPORT_FLAGS_STRICT, &report, NULL,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_calls, ==, 7);
  g_assert_cmpuint (report->n_requests, ==, 6);

  imported = session_messages (first);
  reimported = session_messages (second);
  assert_same_messages (imported, reimported);
}

/* A session with requests the collector refused: its HAR export, read
 * back, exports the same HAR, refused requests, kept bodies and request
 * ids included. */
static void
test_export_har_keeps_refused_requests (TscTestTmpDir *t,
                                        gconstpointer  data)
{
  const char *json_headers[] = { "Content-Type", "application/json", "User-Agent", "test/1", NULL };
  const char *gzip_headers[] = { "Content-Type", "application/json", "Content-Encoding", "gzip",
                                 "Authorization", "Basic V0s6" /* WK: */, NULL };
  const char *broken = "{\"batch\":[{\"type\":\"track\",\"event\":\"Cut\",\"userId\":\"u1\"";
  g_autofree char *session = g_build_filename (t->dir, "refused.trackscope", NULL);
  g_autofree char *copy = g_build_filename (t->dir, "copy.trackscope", NULL);
  g_autofree char *har = NULL;
  g_autofree char *again = NULL;
  g_autofree char *har_text = NULL;
  g_autofree char *again_text = NULL;
  g_autoptr(TscImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const char *inputs[] = { NULL, NULL };

  {
    g_autoptr(TscSessionStore) store = tsc_session_store_open (session, TSC_SESSION_STORE_OPEN_CREATE,
                                                               &error);
    g_autoptr(GBytes) compressed = tsc_test_compress (broken, strlen (broken),
                                                      G_ZLIB_COMPRESSOR_FORMAT_GZIP);
    TscUpstreamOutcome upstream = { TSC_UPSTREAM_DONE, 200, 1, NULL, usec ("2024-05-01T10:00:04Z") };

    g_assert_no_error (error);
    store_json (store, "/v1/batch", json_headers,
                "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u1\",\"messageId\":\"r1\"}]}",
                usec ("2024-05-01T10:00:00.000001Z"));
    /* Not JSON: refused, its body kept. */
    store_json (store, "/v1/track", json_headers, "{\"type\":\"track\", oops}",
                usec ("2024-05-01T10:00:01.000002Z"));
    /* Compressed and cut short: refused, 12 of its bytes kept, which are
     * not text. */
    store_post (store, "/v1/batch", gzip_headers, compressed, usec ("2024-05-01T10:00:02.000003Z"), 12);
    store_json (store, "/v1/track", json_headers,
                "{\"event\":\"After\",\"userId\":\"u1\"}", usec ("2024-05-01T10:00:03.000004Z"));
    g_assert_true (tsc_session_store_set_info (store, "collector", "http://127.0.0.1:9876", &error));
    g_assert_true (tsc_session_store_set_upstream (store, 4, &upstream, &error));
    g_assert_no_error (error);
  }
  tsc_test_assert_db_text (session, "SELECT group_concat(status || ':' || body_truncated, ' ') "
                           "FROM (SELECT * FROM requests ORDER BY id)", NULL,
                           "200:0 400:0 400:1 200:0");

  har = export_to_file (session, TSC_EXPORT_HAR, t->dir, "refused.har");
  har_text = tsc_test_read_file (har);
  tsc_test_assert_contains (har_text, "\"bodyTruncated\":true");
  tsc_test_assert_contains (har_text, "\"bodyEncoding\":\"base64\"");

  inputs[0] = har;
  g_assert_true (tsc_import_to_session (inputs, copy, TSC_IMPORT_FLAGS_STRICT, &report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_calls, ==, 2);
  g_assert_cmpuint (report->n_requests, ==, 4);
  g_assert_cmpuint (report->n_refused, ==, 2);
  g_assert_cmpuint (report->skipped[TSC_IMPORT_SKIP_REFUSED], ==, 0);

  /* Stored as the collector stored them. */
  {
    const char *columns = "SELECT status || ' ' || ifnull(error_code, '-') || ' ' || message_count || ' ' || "
                          "body_size || ' ' || body_truncated || ' ' || hex(ifnull(body, '')) || ' ' || "
                          "ifnull(content_encoding, '-') || ' ' || ifnull(write_key, '-') || ' ' || "
                          "headers || ' ' || error_message FROM requests WHERE id = ?";

    for (gint64 id = 2; id <= 3; id++)
      {
        g_autofree char *param = g_strdup_printf ("%" G_GINT64_FORMAT, id);
        g_autofree char *original = tsc_test_db_text (session, columns, param);

        g_test_message ("request %s: %s", param, original);
        tsc_test_assert_db_text (copy, columns, param, original);
      }
  }

  again = export_to_file (copy, TSC_EXPORT_HAR, t->dir, "again.har");
  again_text = tsc_test_read_file (again);
  g_assert_cmpstr (again_text, ==, har_text);

  /* A session imported as it is keeps its refused requests in their
   * place too. */
  {
    g_autofree char *from_session = g_build_filename (t->dir, "from-session.trackscope", NULL);
    g_autofree char *third = NULL;
    g_autofree char *third_text = NULL;
    g_autoptr(TscImportReport) session_report = NULL;

    inputs[0] = session;
    g_assert_true (tsc_import_to_session (inputs, from_session, TSC_IMPORT_FLAGS_STRICT,
                                          &session_report, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (session_report->n_calls, ==, 2);
    g_assert_cmpuint (session_report->n_requests, ==, 4);
    g_assert_cmpuint (session_report->n_refused, ==, 2);
    tsc_test_assert_db_text (from_session, "SELECT group_concat(status || ':' || message_count, ' ') "
                             "FROM (SELECT * FROM requests ORDER BY id)", NULL,
                             "200:1 400:0 400:0 200:1");
    third = export_to_file (from_session, TSC_EXPORT_HAR, t->dir, "third.har");
    third_text = tsc_test_read_file (third);
    g_assert_cmpstr (third_text, ==, har_text);
  }

  /* `check` and other readers that take no requests count them as
   * refused. */
  {
    g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_STRICT);

    import_read (&im, har);
    g_assert_cmpuint (im.messages->len, ==, 2);
    g_assert_cmpuint (tsc_importer_get_skipped (im.importer, TSC_IMPORT_SKIP_REFUSED), ==, 2);
  }
}

/* ------------------------------------------------------------------ */
/* Skipped entries and lines                                            */

static void
assert_skipped (Import        *im,
                const guint64 *expected)
{
  for (guint r = 0; r < TSC_IMPORT_N_SKIP_REASONS; r++)
    {
      g_test_message ("%s", tsc_import_skip_reason_to_string (r));
      g_assert_cmpuint (tsc_importer_get_skipped (im->importer, r), ==, expected[r]);
    }
}

static void
test_skips_are_counted_by_reason (void)
{
  g_autofree char *export_har = tsc_test_data_path ("import", "export.har");
  g_autofree char *lane_har = tsc_test_data_path ("import", "lane-and-bad-entry.har");
  g_autofree char *bad_lines = tsc_test_data_path ("import", "bad-line.ndjson");
  g_auto(Import) im = import_new (TSC_IMPORT_FLAGS_NONE);
  guint64 expected[TSC_IMPORT_N_SKIP_REASONS] = { 0 };

  /* app.js and the favicon; the metrics; the preflight; the 400. */
  import_read (&im, export_har);
  expected[TSC_IMPORT_SKIP_NOT_TRACKING] = 2;
  expected[TSC_IMPORT_SKIP_NO_CALLS] = 1;
  expected[TSC_IMPORT_SKIP_NOT_POST] = 1;
  expected[TSC_IMPORT_SKIP_REFUSED] = 1;
  assert_skipped (&im, expected);
  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 0);

  /* Counts add up over files; bad entries and lines are problems too. */
  import_read (&im, lane_har);
  expected[TSC_IMPORT_SKIP_BAD_ENTRY] = 1;
  import_read (&im, bad_lines);
  expected[TSC_IMPORT_SKIP_BAD_LINE] = 2;
  assert_skipped (&im, expected);
  g_assert_cmpuint (tsc_importer_get_problems (im.importer)->len, ==, 3);

  g_assert_cmpstr (tsc_import_skip_reason_to_string (TSC_IMPORT_SKIP_NOT_TRACKING), ==,
                   "not-tracking-api");
}

/* ------------------------------------------------------------------ */
/* Importing into a session file                                        */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* The names in @dir, sorted, joined with spaces. */
static char *
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (" ", (char **) names->pdata);
}

static void
test_to_session_writes_requests (TscTestTmpDir *t,
                                 gconstpointer  data)
{
  g_autofree char *ndjson = tsc_test_data_path ("import", "export.ndjson");
  g_autofree char *har = tsc_test_data_path ("import", "export.har");
  g_autofree char *session = g_build_filename (t->dir, "imported.trackscope", NULL);
  g_autofree char *listing = NULL;
  g_autoptr(TscImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  const char *inputs[] = { ndjson, har, NULL };
  const char *raw_2 = "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"u1\",\"anonymousId\":\"a1\","
                      "\"messageId\":\"x2\",\"timestamp\":\"2024-05-01T10:00:00.500Z\" }";

  g_assert_true (tsc_import_to_session (inputs, session, TSC_IMPORT_FLAGS_NONE, &report, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (report->n_inputs, ==, 2);
  g_assert_cmpuint (report->n_calls, ==, 11);
  /* 7 from the NDJSON, 3 from the HAR: the refused one is kept */
  g_assert_cmpuint (report->n_requests, ==, 10);
  g_assert_cmpuint (report->n_refused, ==, 1);
  g_assert_cmpuint (report->skipped[TSC_IMPORT_SKIP_BAD_LINE], ==, 1);
  g_assert_cmpuint (report->skipped[TSC_IMPORT_SKIP_NOT_TRACKING], ==, 2);
  g_assert_cmpuint (report->skipped[TSC_IMPORT_SKIP_REFUSED], ==, 0);
  g_assert_cmpuint (report->problems->len, ==, 1);

  /* Only the session is left, its log folded in. */
  listing = list_dir (t->dir);
  g_assert_cmpstr (listing, ==, "imported.trackscope");

  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM messages", NULL), ==, 11);
  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM requests", NULL), ==, 10);
  g_assert_cmpint (tsc_test_db_int (session, "SELECT message_count FROM requests WHERE id = 1", NULL),
                   ==, 2);
  tsc_test_assert_db_text (session, "SELECT message_id FROM messages WHERE seq = 1", NULL,
                           "trackscope-6f1c2d");
  tsc_test_assert_db_text (session, "SELECT message_id_added FROM messages WHERE seq = 1", NULL, "1");
  tsc_test_assert_db_text (session, "SELECT path FROM requests WHERE id = 1", NULL,
                           "/lane/checkout/v1/batch");
  tsc_test_assert_db_text (session, "SELECT received_at FROM messages WHERE seq = 2", NULL,
                           "1714557602123456");
  raw = tsc_test_db_blob (session, "SELECT raw FROM messages WHERE seq = 2", NULL);
  g_assert_cmpmem (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), raw_2, strlen (raw_2));

  /* The HAR's request keeps its headers and status; the upstream
   * outcomes come back. */
  tsc_test_assert_db_text (session, "SELECT status FROM requests WHERE id = 8", NULL, "200");
  {
    g_autofree char *headers = tsc_test_db_text (session, "SELECT headers FROM requests WHERE id = 8", NULL);

    tsc_test_assert_contains (headers, "\"Content-Encoding\":\"gzip\"");
  }
  tsc_test_assert_db_text (session, "SELECT body_size FROM requests WHERE id = 8", NULL, "151");
  tsc_test_assert_db_text (session, "SELECT remote_addr FROM requests WHERE id = 8", NULL, "192.0.2.7");
  /* The request the collector refused, in its place: no calls, the body
   * it kept. */
  tsc_test_assert_db_text (session, "SELECT status || ' ' || message_count || ' ' || path || ' ' || "
                           "CAST(body AS TEXT) FROM requests WHERE id = 9", NULL,
                           "400 0 /v1/track {\"event\":\"Nope\"}");
  tsc_test_assert_db_text (session, "SELECT received_at FROM requests WHERE id = 9", NULL,
                           "1714557604000001");
  /* the first request, its late message and the HAR entry */
  tsc_test_assert_db_text (session, "SELECT count(*) FROM upstream", NULL, "3");
  tsc_test_assert_db_text (session, "SELECT error FROM upstream WHERE request_id = 8", NULL, "Bad Gateway");
  tsc_test_assert_db_text (session, "SELECT attempts FROM upstream WHERE request_id = 1", NULL, "2");

  /* Where it came from; the collector the HAR was sent to. */
  tsc_test_assert_db_text (session, "SELECT value FROM session_info WHERE key = 'imported_from'", NULL,
                           "[\"export.ndjson\",\"export.har\"]");
  tsc_test_assert_db_text (session, "SELECT value FROM session_info WHERE key = 'collector'", NULL,
                           "http://127.0.0.1:8765");
}

static void
test_to_session_keeps_json_export_info (TscTestTmpDir *t,
                                        gconstpointer  data)
{
  g_autofree char *json = tsc_test_data_path ("import", "export.json");
  g_autofree char *session = g_build_filename (t->dir, "from-json.trackscope", NULL);
  g_autoptr(GError) error = NULL;
  const char *inputs[] = { json, NULL };

  g_assert_true (tsc_import_to_session (inputs, session, TSC_IMPORT_FLAGS_STRICT, NULL, NULL, &error));
  g_assert_no_error (error);

  tsc_test_assert_db_text (session, "SELECT value FROM session_info WHERE key = 'collector'", NULL,
                           "http://127.0.0.1:8765");
  tsc_test_assert_db_text (session, "SELECT value FROM session_info WHERE key = 'profile'", NULL,
                           "mixpanel-original");
  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM requests", NULL), ==, 2);
}

static void
test_to_session_copies_a_session (TscTestTmpDir *t,
                                  gconstpointer  data)
{
  const char *headers[] = { "User-Agent", "analytics-node-test", "X-Trace", "abc", NULL };
  g_autofree char *source = g_build_filename (t->dir, "source.trackscope", NULL);
  g_autofree char *copy = g_build_filename (t->dir, "copy.trackscope", NULL);
  g_autoptr(GError) error = NULL;
  const char *inputs[] = { source, NULL };

  {
    g_autoptr(TscSessionStore) store = tsc_session_store_open (source, TSC_SESSION_STORE_OPEN_CREATE, &error);

    g_assert_no_error (error);
    tsc_test_store_request (store, "/v1/batch", headers,
                            "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"messageId\":\"e1\"},"
                            "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"u1\",\"anonymousId\":\"a1\"}]}",
                            1714557600000000);
  }

  g_assert_true (tsc_import_to_session (inputs, copy, TSC_IMPORT_FLAGS_STRICT, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tsc_test_db_int (copy, "SELECT count(*) FROM requests", NULL), ==, 1);
  tsc_test_assert_db_text (copy, "SELECT headers FROM requests", NULL,
                           "{\"User-Agent\":\"analytics-node-test\",\"X-Trace\":\"abc\"}");
  {
    g_autofree char *added = tsc_test_db_text (source, "SELECT message_id FROM messages WHERE seq = 2", NULL);

    tsc_test_assert_db_text (copy, "SELECT message_id FROM messages WHERE seq = 2", NULL, added);
  }
}

static void
test_to_session_failing_input_leaves_nothing (TscTestTmpDir *t,
                                              gconstpointer  data)
{
  g_autofree char *good = tsc_test_data_path ("import", "export.ndjson");
  g_autofree char *broken = tsc_test_data_path ("import", "broken.json");
  g_autofree char *bad_line = tsc_test_data_path ("import", "bad-line.ndjson");
  g_autofree char *session = g_build_filename (t->dir, "out.trackscope", NULL);
  g_autofree char *where = g_strdup_printf ("%s:5:", broken);
  g_autofree char *listing = NULL;
  g_autoptr(TscImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const char *with_broken[] = { good, broken, NULL };
  const char *with_bad_line[] = { bad_line, NULL };
  const char *missing[] = { good, session, NULL };

  /* A malformed file after a good one: nothing of either. */
  g_assert_false (tsc_import_to_session (with_broken, session, TSC_IMPORT_FLAGS_NONE, &report, NULL,
                                         &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_JSON);
  tsc_test_assert_contains (error->message, where);
  g_assert_null (report);
  listing = list_dir (t->dir);
  g_assert_cmpstr (listing, ==, "");
  g_clear_error (&error);

  /* A bad line, when strict. */
  g_assert_false (tsc_import_to_session (with_bad_line, session, TSC_IMPORT_FLAGS_STRICT, NULL, NULL,
                                         &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE);
  g_clear_pointer (&listing, g_free);
  listing = list_dir (t->dir);
  g_assert_cmpstr (listing, ==, "");
  g_clear_error (&error);

  /* A file that is not there. */
  g_assert_false (tsc_import_to_session (missing, session, TSC_IMPORT_FLAGS_NONE, NULL, NULL, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ);
  g_clear_pointer (&listing, g_free);
  listing = list_dir (t->dir);
  g_assert_cmpstr (listing, ==, "");
}

static void
test_to_session_refuses_an_existing_file (TscTestTmpDir *t,
                                          gconstpointer  data)
{
  g_autofree char *good = tsc_test_data_path ("import", "export.ndjson");
  g_autofree char *session = tsc_test_write_file (t->dir, "taken.trackscope", "mine", -1);
  g_autofree char *wal = NULL;
  g_autofree char *fresh = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;
  g_autoptr(GError) error = NULL;
  const char *inputs[] = { good, NULL };

  g_assert_false (tsc_import_to_session (inputs, session, TSC_IMPORT_FLAGS_NONE, NULL, NULL, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_EXISTS);
  tsc_test_assert_contains (error->message, session);

  g_assert_true (g_file_get_contents (session, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine");
  listing = list_dir (t->dir);
  g_assert_cmpstr (listing, ==, "taken.trackscope");
  g_clear_error (&error);

  /* The log of an earlier session by that name would be applied to the
   * new file: refused too. */
  wal = tsc_test_write_file (t->dir, "new.trackscope-wal", "stale", -1);
  fresh = g_build_filename (t->dir, "new.trackscope", NULL);
  g_assert_false (tsc_import_to_session (inputs, fresh, TSC_IMPORT_FLAGS_NONE, NULL, NULL, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_EXISTS);
  tsc_test_assert_contains (error->message, wal);
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
}

static void
test_to_session_cancelled (TscTestTmpDir *t,
                           gconstpointer  data)
{
  g_autofree char *good = tsc_test_data_path ("import", "export.ndjson");
  g_autofree char *session = g_build_filename (t->dir, "out.trackscope", NULL);
  g_autofree char *listing = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  const char *inputs[] = { good, NULL };

  g_cancellable_cancel (cancellable);
  g_assert_false (tsc_import_to_session (inputs, session, TSC_IMPORT_FLAGS_NONE, NULL, cancellable,
                                         &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  listing = list_dir (t->dir);
  g_assert_cmpstr (listing, ==, "");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/import/ndjson/one-message-per-line", test_ndjson_one_message_per_line);
  g_test_add_func ("/import/ndjson/batch-bodies-and-arrays-per-line", test_ndjson_batches_and_arrays);
  g_test_add_func ("/import/ndjson/bad-line-is-reported-and-skipped",
                   test_ndjson_bad_line_is_reported_and_skipped);
  g_test_add_func ("/import/ndjson/strict-fails-on-a-bad-line", test_ndjson_strict_fails_on_bad_line);
  g_test_add_func ("/import/ndjson/truncated-last-line-is-reported", test_ndjson_truncated_last_line);
  TSC_TEST_ADD_TMP_DIR ("/import/ndjson/empty-file-has-no-calls", NULL, test_ndjson_empty_file);
  TSC_TEST_ADD_TMP_DIR ("/import/ndjson/gzip-file-is-read-through", NULL, test_ndjson_gzip);
  TSC_TEST_ADD_TMP_DIR ("/import/zlib/ndjson-and-har-files-are-read-through", NULL, test_zlib_files);
  TSC_TEST_ADD_TMP_DIR ("/import/zlib/file-cut-short-says-so", NULL, test_zlib_cut_short);
  TSC_TEST_ADD_TMP_DIR ("/import/zlib/text-starting-with-x-is-not-zlib", NULL,
                        test_text_starting_with_x);
  g_test_add_func ("/import/json/array-of-messages-with-lines", test_json_array);
  g_test_add_func ("/import/json/batch-body-merges-its-envelope", test_json_batch_body);
  g_test_add_func ("/import/json/single-message", test_json_single_message);
  g_test_add_func ("/import/json/broken-document-names-the-line", test_json_broken_document_names_line);
  TSC_TEST_ADD_TMP_DIR ("/import/json/array-of-numbers-is-refused", &json_of_numbers, test_refused_file);
  g_test_add_func ("/import/har/decodes-posts-like-the-collector", test_har_decodes_like_the_collector);
  g_test_add_func ("/import/har/lane-auth-and-a-bad-entry", test_har_lane_auth_and_bad_entry);
  g_test_add_func ("/import/har/without-analytics-calls-is-empty", test_har_without_analytics_calls);
  TSC_TEST_ADD_TMP_DIR ("/import/har/without-entries-is-refused", &har_without_entries, test_refused_file);
  TSC_TEST_ADD_TMP_DIR ("/import/har/entries-sorted-by-time-whatever-the-spelling", NULL,
                        test_har_entry_order_whatever_the_spelling);
  TSC_TEST_ADD_TMP_DIR ("/import/har/bad-entry-and-broken-file-name-where", NULL,
                        test_har_bad_entries_and_broken_file);
  TSC_TEST_ADD_TMP_DIR ("/import/har/attached-body-files-beside-the-har", NULL,
                        test_har_attached_body_files);
  TSC_TEST_ADD_TMP_DIR ("/import/har/attached-body-files-found-from-a-relative-har-path", NULL,
                        test_har_attached_body_files_relative_path);
  TSC_TEST_ADD_TMP_DIR ("/import/har/decoded-body-keeps-its-content-encoding", NULL,
                        test_har_decoded_body_keeps_content_encoding);
  TSC_TEST_ADD_TMP_DIR ("/import/session/reads-every-message-after-earlier-inputs", NULL,
                        test_session_reads_every_message);
  TSC_TEST_ADD_TMP_DIR ("/import/session/foreign-sqlite-is-refused", NULL, test_session_foreign_sqlite);
  g_test_add_func ("/import/unknown-format-names-the-file", test_unknown_format_names_the_file);
  TSC_TEST_ADD_TMP_DIR ("/import/binary-file-is-unknown", &binary_file, test_refused_file);
  TSC_TEST_ADD_TMP_DIR ("/import/missing-file-and-folder-are-unreadable", NULL, test_missing_file_and_folder);
  g_test_add_func ("/import/read-files-numbers-across-inputs", test_read_files_numbers_across_inputs);
  g_test_add_func ("/import/export/ndjson-lines-give-back-the-captured-messages",
                   test_export_ndjson_restores_messages);
  TSC_TEST_ADD_TMP_DIR ("/import/export/ndjson-lines-decode-like-their-batch", NULL,
                        test_export_lines_decode_like_their_batch);
  g_test_add_func ("/import/export/json-document-messages-with-lines", test_export_json_document);
  g_test_add_func ("/import/export/json-array-of-exported-messages", test_export_json_array);
  TSC_TEST_ADD_TMP_DIR ("/import/export/json-of-a-newer-format-is-refused", &export_too_new,
                        test_refused_file);
  TSC_TEST_ADD_TMP_DIR ("/import/export/json-cut-short-is-not-read-as-ndjson", &export_cut_short,
                        test_refused_file);
  g_test_add_func ("/import/export/har-entries-keep-request-and-added-ids", test_export_har);
  TSC_TEST_ADD_TMP_DIR ("/import/export/line-breaks-of-a-message-come-back", NULL,
                        test_export_line_breaks_come_back);
  g_test_add_func ("/import/export/wrong-line-break-offset-is-a-bad-line",
                   test_export_bad_line_break_offsets);
  TSC_TEST_ADD_TMP_DIR ("/import/export/har-keeps-refused-requests", NULL,
                        test_export_har_keeps_refused_requests);
  TSC_TEST_ADD_TMP_DIR ("/import/plain/har-export-of-an-import-reads-back", NULL,
                        test_plain_import_exports_as_har_and_back);
  g_test_add_func ("/import/skips/counted-by-reason", test_skips_are_counted_by_reason);
  TSC_TEST_ADD_TMP_DIR ("/import/to-session/one-request-row-per-request", NULL,
                        test_to_session_writes_requests);
  TSC_TEST_ADD_TMP_DIR ("/import/to-session/keeps-the-json-export-session-info", NULL,
                        test_to_session_keeps_json_export_info);
  TSC_TEST_ADD_TMP_DIR ("/import/to-session/copies-a-session-with-its-headers", NULL,
                        test_to_session_copies_a_session);
  TSC_TEST_ADD_TMP_DIR ("/import/to-session/failing-input-leaves-nothing", NULL,
                        test_to_session_failing_input_leaves_nothing);
  TSC_TEST_ADD_TMP_DIR ("/import/to-session/existing-file-is-refused", NULL,
                        test_to_session_refuses_an_existing_file);
  TSC_TEST_ADD_TMP_DIR ("/import/to-session/cancelled-leaves-nothing", NULL, test_to_session_cancelled);

  return g_test_run ();
}
