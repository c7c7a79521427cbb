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
#include <sqlite3.h>

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
  GArray      *locations;  /* TscImportLocation, path not kept */
} Import;

static Import
import_new (TscImportFlags flags)
{
  Import im = {
    tsc_importer_new (flags),
    g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref),
    g_array_new (FALSE, TRUE, sizeof (TscImportLocation)),
  };

  return im;
}

static void
import_clear (Import *im)
{
  g_clear_object (&im->importer);
  g_clear_pointer (&im->messages, g_ptr_array_unref);
  g_clear_pointer (&im->locations, g_array_unref);
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
  g_ptr_array_add (im->messages, tsc_message_ref (message));
  g_array_append_val (im->locations, copy);
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

  /* Marked gzip, but the HAR kept the decoded body: read as it is. */
  g_assert_cmpstr (message_at (&im, 1)->name, ==, "Thanks");
  g_assert_null (message_at (&im, 1)->transport->content_encoding);

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
  g_test_add_func ("/import/json/array-of-messages-with-lines", test_json_array);
  g_test_add_func ("/import/json/batch-body-merges-its-envelope", test_json_batch_body);
  g_test_add_func ("/import/json/single-message", test_json_single_message);
  g_test_add_func ("/import/json/broken-document-names-the-line", test_json_broken_document_names_line);
  TSC_TEST_ADD_TMP_DIR ("/import/json/array-of-numbers-is-refused", &json_of_numbers, test_refused_file);
  g_test_add_func ("/import/har/decodes-posts-like-the-collector", test_har_decodes_like_the_collector);
  g_test_add_func ("/import/har/lane-auth-and-a-bad-entry", test_har_lane_auth_and_bad_entry);
  g_test_add_func ("/import/har/without-analytics-calls-is-empty", test_har_without_analytics_calls);
  TSC_TEST_ADD_TMP_DIR ("/import/har/without-entries-is-refused", &har_without_entries, test_refused_file);
  TSC_TEST_ADD_TMP_DIR ("/import/session/reads-every-message-after-earlier-inputs", NULL,
                        test_session_reads_every_message);
  TSC_TEST_ADD_TMP_DIR ("/import/session/foreign-sqlite-is-refused", NULL, test_session_foreign_sqlite);
  g_test_add_func ("/import/unknown-format-names-the-file", test_unknown_format_names_the_file);
  TSC_TEST_ADD_TMP_DIR ("/import/binary-file-is-unknown", &binary_file, test_refused_file);
  TSC_TEST_ADD_TMP_DIR ("/import/missing-file-and-folder-are-unreadable", NULL, test_missing_file_and_folder);
  g_test_add_func ("/import/read-files-numbers-across-inputs", test_read_files_numbers_across_inputs);

  return g_test_run ();
}
