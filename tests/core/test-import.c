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

#include "tsc-import.h"
#include "tsc-session-store.h"
#include "tsc-wire.h"

/* ------------------------------------------------------------------ */
/* helpers                                                              */

typedef struct
{
  GPtrArray *messages;   /* TscMessage * */
  GArray    *locations;  /* TscImportLocation, path not kept */
} Collected;

static void
collected_clear (Collected *c)
{
  g_clear_pointer (&c->messages, g_ptr_array_unref);
  g_clear_pointer (&c->locations, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Collected, collected_clear)

static void
collect_cb (TscMessage              *message,
            const TscImportLocation *location,
            gpointer                 user_data)
{
  Collected *c = user_data;
  TscImportLocation copy = *location;

  copy.path = NULL;
  g_ptr_array_add (c->messages, tsc_message_ref (message));
  g_array_append_val (c->locations, copy);
}

static void
collected_init (Collected *c)
{
  c->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  c->locations = g_array_new (FALSE, TRUE, sizeof (TscImportLocation));
}

static char *
data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "import", name, NULL);
}

static gboolean
read_into (TscImporter  *importer,
           const char   *path,
           Collected    *c,
           GError      **error)
{
  return tsc_importer_read_file (importer, path, collect_cb, c, error);
}

static TscMessage *
message_at (Collected *c,
            guint      i)
{
  g_assert_cmpuint (i, <, c->messages->len);
  return g_ptr_array_index (c->messages, i);
}

static const TscImportLocation *
location_at (Collected *c,
             guint      i)
{
  g_assert_cmpuint (i, <, c->locations->len);
  return &g_array_index (c->locations, TscImportLocation, i);
}

static void
assert_message_ids (Collected          *c,
                    const char * const *ids)
{
  guint n = g_strv_length ((char **) ids);

  g_assert_cmpuint (c->messages->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (message_at (c, i)->message_id, ==, ids[i]);
      g_assert_cmpint (message_at (c, i)->seq, ==, (gint64) i + 1);
    }
}

static void
assert_lines (Collected   *c,
              const guint *lines)
{
  for (guint i = 0; i < c->messages->len; i++)
    g_assert_cmpuint (location_at (c, i)->line, ==, lines[i]);
}

static const GError *
problem_at (GPtrArray *problems,
            guint      i)
{
  g_assert_cmpuint (i, <, problems->len);
  return g_ptr_array_index (problems, i);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack, needle);
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
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *path = data_path ("logout-no-reset.ndjson");
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = NULL;
  const char *ids[] = { "m1", "m2", "m3", NULL };
  const guint expected_lines[] = { 1, 2, 3 };

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_NDJSON);
  assert_message_ids (&c, ids);
  assert_lines (&c, expected_lines);
  g_assert_cmpuint (tsc_importer_get_problems (importer)->len, ==, 0);
  g_assert_cmpuint (tsc_importer_get_n_messages (importer), ==, 3);

  g_assert_cmpint (message_at (&c, 0)->type, ==, TSC_MESSAGE_TYPE_IDENTIFY);
  g_assert_cmpint (message_at (&c, 1)->type, ==, TSC_MESSAGE_TYPE_TRACK);
  g_assert_cmpstr (message_at (&c, 1)->event, ==, "Signed Out");
  g_assert_cmpint (message_at (&c, 2)->type, ==, TSC_MESSAGE_TYPE_PAGE);
  g_assert_cmpstr (message_at (&c, 2)->name, ==, "Pricing");
  g_assert_null (message_at (&c, 2)->user_id);
  g_assert_cmpstr (message_at (&c, 2)->anonymous_id, ==, "a1");
  g_assert_cmpint (location_at (&c, 0)->format, ==, TSC_IMPORT_FORMAT_NDJSON);
  g_assert_cmpuint (location_at (&c, 0)->entry, ==, 0);
  g_assert_cmpuint (location_at (&c, 0)->input, ==, 0);

  /* Without a receive time in the file it stays unknown (0), and the
   * corrected time is the client's own. */
  g_assert_cmpint (message_at (&c, 0)->received_at, ==, 0);
  g_assert_cmpint (message_at (&c, 0)->corrected_at, ==,
                   tsc_wire_parse_time ("2024-05-01T10:00:00.000Z"));

  /* The raw bytes are the line, exactly. */
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; i < 3; i++)
    assert_raw (message_at (&c, i), lines[i]);
}

static void
test_ndjson_batches_and_arrays (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *path = data_path ("batches.ndjson");
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  const char *ids[] = { "n1", "n2", "n3", NULL };
  /* A byte-order mark and an empty line come first; CRLF line ends. */
  const guint expected_lines[] = { 2, 2, 5 };

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_NDJSON);
  assert_message_ids (&c, ids);
  assert_lines (&c, expected_lines);
  g_assert_cmpuint (tsc_importer_get_problems (importer)->len, ==, 0);

  /* The envelope of a batch line is merged into its messages only. */
  g_assert_cmpstr (message_at (&c, 0)->sent_at, ==, "2024-05-01T10:01:00.500Z");
  g_assert_cmpint (message_at (&c, 0)->batch_index, ==, 0);
  g_assert_cmpint (message_at (&c, 1)->batch_index, ==, 1);
  g_assert_cmpstr (message_at (&c, 0)->transport->write_key, ==, "K1");
  g_assert_true (message_at (&c, 0)->transport == message_at (&c, 1)->transport);
  g_assert_null (message_at (&c, 2)->sent_at);
  g_assert_null (message_at (&c, 2)->transport->write_key);
}

static void
test_ndjson_bad_line_is_reported_and_skipped (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *path = data_path ("bad-line.ndjson");
  g_autofree char *line2 = g_strdup_printf ("%s:2:", path);
  g_autofree char *line4 = g_strdup_printf ("%s:4:", path);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  GPtrArray *problems;
  const char *ids[] = { "b1", "b3", "b5", NULL };
  const guint expected_lines[] = { 1, 3, 5 };

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);

  assert_message_ids (&c, ids);
  assert_lines (&c, expected_lines);

  problems = tsc_importer_get_problems (importer);
  g_assert_cmpuint (problems->len, ==, 2);
  g_assert_error (problem_at (problems, 0), TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE);
  assert_contains (problem_at (problems, 0)->message, line2);
  assert_contains (problem_at (problems, 0)->message, "not valid JSON");
  g_assert_error (problem_at (problems, 1), TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE);
  assert_contains (problem_at (problems, 1)->message, line4);
  assert_contains (problem_at (problems, 1)->message, "not a string");
}

static void
test_ndjson_strict_fails_on_bad_line (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autofree char *path = data_path ("bad-line.ndjson");
  g_autofree char *where = g_strdup_printf ("%s:2:", path);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };

  collected_init (&c);
  g_assert_false (read_into (importer, path, &c, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_LINE);
  assert_contains (error->message, where);

  /* What came before the bad line was given; nothing after it. */
  g_assert_cmpuint (c.messages->len, ==, 1);
  g_assert_cmpuint (tsc_importer_get_problems (importer)->len, ==, 0);
}

static void
test_ndjson_truncated_last_line (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autoptr(TscImporter) strict = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autofree char *path = data_path ("truncated.ndjson");
  g_autofree char *where = g_strdup_printf ("%s:3:", path);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  g_auto(Collected) c2 = { 0 };
  GPtrArray *problems;
  const char *ids[] = { "t1", "t2", NULL };

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);
  assert_message_ids (&c, ids);

  problems = tsc_importer_get_problems (importer);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_error (problem_at (problems, 0), TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_TRUNCATED);
  assert_contains (problem_at (problems, 0)->message, where);
  assert_contains (problem_at (problems, 0)->message, "cut short");

  collected_init (&c2);
  g_assert_false (read_into (strict, path, &c2, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_TRUNCATED);
  assert_contains (error->message, where);
}

typedef struct
{
  char *dir;
} TmpDir;

static void
tmp_dir_set_up (TmpDir        *t,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  t->dir = g_dir_make_tmp ("tsc-import-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
tmp_dir_tear_down (TmpDir        *t,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (t->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (t->dir, name, NULL);
      g_assert_cmpint (g_remove (file), ==, 0);
    }
  g_assert_cmpint (g_rmdir (t->dir), ==, 0);
  g_free (t->dir);
}

static void
test_ndjson_empty_file (TmpDir        *t,
                        gconstpointer  data)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autofree char *path = g_build_filename (t->dir, "empty.ndjson", NULL);
  g_autofree char *blank = g_build_filename (t->dir, "blank.ndjson", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  g_assert_true (g_file_set_contents (blank, "\n  \r\n\n", -1, NULL));

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);
  g_assert_true (read_into (importer, blank, &c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.messages->len, ==, 0);
  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_NDJSON);
}

static void
test_ndjson_gzip (TmpDir        *t,
                  gconstpointer  data)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autofree char *source = data_path ("logout-no-reset.ndjson");
  g_autofree char *path = g_build_filename (t->dir, "flow.ndjson.gz", NULL);
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) packed = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  g_autofree char *text = NULL;
  gsize len;
  const char *ids[] = { "m1", "m2", "m3", NULL };
  const guint expected_lines[] = { 1, 2, 3 };

  g_assert_true (g_file_get_contents (source, &text, &len, NULL));
  plain = g_bytes_new_take (g_steal_pointer (&text), len);
  {
    g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
    g_autoptr(GOutputStream) gzip = g_converter_output_stream_new (memory, G_CONVERTER (compressor));

    g_assert_true (g_output_stream_write_all (gzip, g_bytes_get_data (plain, NULL),
                                              g_bytes_get_size (plain), NULL, NULL, &error));
    g_assert_true (g_output_stream_close (gzip, NULL, &error));
    g_assert_no_error (error);
    packed = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
  }
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (packed, NULL),
                                      g_bytes_get_size (packed), NULL));

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_NDJSON);
  assert_message_ids (&c, ids);
  assert_lines (&c, expected_lines);
}

/* ------------------------------------------------------------------ */
/* One JSON document                                                    */

static void
test_json_array (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autofree char *path = data_path ("array.json");
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  const char *ids[] = { "j1", "j2", "j3", NULL };
  /* Where each message's object starts. */
  const guint expected_lines[] = { 2, 10, 19 };

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_JSON);
  assert_message_ids (&c, ids);
  assert_lines (&c, expected_lines);
  g_assert_cmpint (message_at (&c, 1)->type, ==, TSC_MESSAGE_TYPE_TRACK);
  assert_raw (message_at (&c, 2),
              "{\"type\": \"page\", \"name\": \"Pricing\", \"anonymousId\": \"a1\", \"messageId\": \"j3\", "
              "\"timestamp\": \"2024-05-01T10:02:00.000Z\", \"properties\": {}}");
}

static void
test_json_batch_body (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autofree char *path = data_path ("batch.json");
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  const char *ids[] = { "k1", "k2", "k3", NULL };
  const guint expected_lines[] = { 6, 7, 8 };

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_JSON);
  assert_message_ids (&c, ids);
  assert_lines (&c, expected_lines);
  g_assert_cmpstr (message_at (&c, 2)->sent_at, ==, "2024-05-01T10:02:00.500Z");
  g_assert_nonnull (message_at (&c, 2)->batch_context);
  assert_contains (message_at (&c, 2)->batch_context, "analytics-node");
  g_assert_cmpstr (message_at (&c, 0)->transport->write_key, ==, "K2");
}

static void
test_json_single_message (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autofree char *path = data_path ("single.json");
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  const char *ids[] = { "s1", NULL };
  const guint expected_lines[] = { 1 };

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_JSON);
  assert_message_ids (&c, ids);
  assert_lines (&c, expected_lines);
  g_assert_cmpstr (message_at (&c, 0)->event, ==, "Signed Up");
}

static void
test_json_broken_document_names_line (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *path = data_path ("broken.json");
  g_autofree char *where = g_strdup_printf ("%s:5:", path);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };

  collected_init (&c);
  g_assert_false (read_into (importer, path, &c, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_JSON);
  assert_contains (error->message, where);
  assert_contains (error->message, "not valid JSON");
  g_assert_cmpuint (c.messages->len, ==, 0);
}

static void
test_json_not_messages (TmpDir        *t,
                        gconstpointer  data)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *path = g_build_filename (t->dir, "numbers.json", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };

  g_assert_true (g_file_set_contents (path, "[\n  1,\n  2\n]\n", -1, NULL));

  collected_init (&c);
  g_assert_false (read_into (importer, path, &c, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_DOCUMENT);
  assert_contains (error->message, path);
  assert_contains (error->message, "[0]");
}

/* ------------------------------------------------------------------ */
/* HAR                                                                  */

static void
test_har_decodes_like_the_collector (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autofree char *path = data_path ("logout-no-reset.har");
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  TscTransport *t;
  /* Sorted by startedDateTime: the page (entry 3) was written first; the
   * 400-rejected track, the metrics, the GETs and the OPTIONS are not
   * calls. */
  const char *ids[] = { "m1", "m2", "m3", NULL };
  const guint entries[] = { 5, 7, 3 };

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_HAR);
  assert_message_ids (&c, ids);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (location_at (&c, i)->entry, ==, entries[i]);
      g_assert_cmpuint (location_at (&c, i)->line, ==, 0);
      g_assert_cmpint (location_at (&c, i)->format, ==, TSC_IMPORT_FORMAT_HAR);
    }

  /* The type of a single-message route comes from the path. */
  g_assert_cmpint (message_at (&c, 0)->type, ==, TSC_MESSAGE_TYPE_IDENTIFY);
  g_assert_cmpint (message_at (&c, 0)->batch_index, ==, 0);
  g_assert_cmpint (message_at (&c, 1)->type, ==, TSC_MESSAGE_TYPE_TRACK);
  g_assert_cmpint (message_at (&c, 1)->batch_index, ==, -1);
  g_assert_cmpstr (message_at (&c, 1)->event, ==, "Signed Out");
  g_assert_cmpint (message_at (&c, 2)->type, ==, TSC_MESSAGE_TYPE_PAGE);
  g_assert_cmpstr (message_at (&c, 2)->name, ==, "Pricing");

  /* Received when the browser started the request. */
  g_assert_cmpint (message_at (&c, 0)->received_at, ==,
                   tsc_wire_parse_time ("2024-05-01T10:00:00.200Z"));
  g_assert_cmpint (message_at (&c, 2)->received_at, ==,
                   tsc_wire_parse_time ("2024-05-01T10:02:00.000Z"));

  t = message_at (&c, 0)->transport;
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
  t = message_at (&c, 1)->transport;
  g_assert_cmpstr (t->route, ==, "/v1/t");
  g_assert_cmpstr (t->content_encoding, ==, "gzip");
  assert_contains ((const char *) g_bytes_get_data (message_at (&c, 1)->raw, NULL), "Signed Out");

  /* A base64 body ("encoding": "base64") without compression. */
  g_assert_null (message_at (&c, 2)->transport->content_encoding);
  assert_raw (message_at (&c, 2),
              "{\"name\": \"Pricing\", \"anonymousId\": \"a1\", \"messageId\": \"m3\", "
              "\"timestamp\": \"2024-05-01T10:02:00.000Z\", \"properties\": {}, \"writeKey\": \"WRITEKEY\"}");
}

static void
test_har_lane_auth_and_bad_entry (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autoptr(TscImporter) strict = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autofree char *path = data_path ("lane-and-bad-entry.har");
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  g_auto(Collected) c2 = { 0 };
  GPtrArray *problems;
  TscTransport *t;
  const char *ids[] = { "l1", "l3", "l4", NULL };

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);
  assert_message_ids (&c, ids);

  t = message_at (&c, 0)->transport;
  g_assert_cmpstr (t->lane, ==, "checkout");
  g_assert_cmpstr (t->path, ==, "/lane/checkout/v1/track");
  g_assert_cmpstr (t->route, ==, "/v1/track");
  g_assert_cmpint (t->auth_method, ==, TSC_AUTH_BASIC);
  g_assert_cmpstr (t->write_key, ==, "LANEKEY");
  g_assert_cmpstr (t->origin, ==, "http://localhost:3000");

  /* Marked gzip, but the HAR kept the decoded body: read as it is. */
  g_assert_cmpstr (message_at (&c, 1)->name, ==, "Thanks");
  g_assert_null (message_at (&c, 1)->transport->content_encoding);

  /* gzip in base64 without "encoding": "base64". */
  g_assert_cmpstr (message_at (&c, 2)->event, ==, "Review Left");
  g_assert_cmpstr (message_at (&c, 2)->transport->content_encoding, ==, "gzip");

  problems = tsc_importer_get_problems (importer);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_error (problem_at (problems, 0), TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_ENTRY);
  assert_contains (problem_at (problems, 0)->message, path);
  assert_contains (problem_at (problems, 0)->message, "entry 2");
  assert_contains (problem_at (problems, 0)->message, "/v1/identify");

  collected_init (&c2);
  g_assert_false (read_into (strict, path, &c2, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_ENTRY);
  g_assert_cmpuint (c2.messages->len, ==, 1);
}

static void
test_har_without_analytics_calls (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autofree char *path = data_path ("no-analytics.har");
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };

  collected_init (&c);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_HAR);
  g_assert_cmpuint (c.messages->len, ==, 0);
  g_assert_cmpuint (tsc_importer_get_problems (importer)->len, ==, 0);
}

static void
test_har_without_entries (TmpDir        *t,
                          gconstpointer  data)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *path = g_build_filename (t->dir, "odd.har", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };

  g_assert_true (g_file_set_contents (path, "{\n  \"log\": {\"version\": \"1.2\"}\n}\n", -1, NULL));

  collected_init (&c);
  g_assert_false (read_into (importer, path, &c, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_INVALID_DOCUMENT);
  assert_contains (error->message, path);
  assert_contains (error->message, "log.entries");
}

/* ------------------------------------------------------------------ */
/* Session files                                                        */

static void
append_request (TscSessionStore *store,
                const char      *route_path,
                const char      *body,
                gint64           received_at)
{
  const char *headers[] = { "User-Agent", "analytics-node-test", "Origin", "https://shop.example", NULL };
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(TscRequestRecord) record = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  TscWireRequest request = { 0 };
  TscWireLimits limits;
  TscRoute route;

  tsc_wire_limits_init (&limits);
  g_assert_true (tsc_route_parse (route_path, &route));

  request.method = "POST";
  request.path = route_path;
  request.remote_addr = "127.0.0.1";
  request.headers = headers;
  request.body = bytes;
  request.received_at = received_at;

  record = tsc_wire_record_new (&request, &route);
  messages = tsc_wire_decode (&request, &route, &limits, record, &error);
  g_assert_no_error (error);
  record->status = 200;
  tsc_request_record_keep_body (record, NULL, 0);

  g_assert_true (tsc_session_store_begin (store, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_append (store, record, messages, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_commit (store, &error));
  g_assert_no_error (error);

  tsc_route_clear (&route);
}

static void
test_session_reads_every_message (TmpDir        *t,
                                  gconstpointer  data)
{
  g_autofree char *path = g_build_filename (t->dir, "s.trackscope", NULL);
  g_autofree char *ndjson = data_path ("single.json");
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  const char *ids[] = { "s1", "e1", "e2", "e3", NULL };

  {
    g_autoptr(TscSessionStore) store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, &error);

    g_assert_no_error (error);
    append_request (store, "/v1/batch",
                    "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"messageId\":\"e1\"},"
                    "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"messageId\":\"e2\"}],"
                    "\"writeKey\":\"SK\"}",
                    1714557600000000);
    append_request (store, "/lane/web/v1/p",
                    "{\"name\":\"Pricing\",\"anonymousId\":\"a1\",\"messageId\":\"e3\"}",
                    1714557660000000);
  }

  /* Numbered after the file read before it. */
  collected_init (&c);
  g_assert_true (read_into (importer, ndjson, &c, &error));
  g_assert_no_error (error);
  g_assert_true (read_into (importer, path, &c, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_SESSION);
  g_assert_cmpuint (tsc_importer_get_n_inputs (importer), ==, 2);
  assert_message_ids (&c, ids);
  g_assert_cmpuint (location_at (&c, 1)->input, ==, 1);
  g_assert_cmpint (location_at (&c, 1)->format, ==, TSC_IMPORT_FORMAT_SESSION);
  g_assert_cmpuint (location_at (&c, 1)->line, ==, 0);

  g_assert_cmpint (message_at (&c, 1)->type, ==, TSC_MESSAGE_TYPE_IDENTIFY);
  g_assert_cmpint (message_at (&c, 1)->received_at, ==, 1714557600000000);
  g_assert_cmpstr (message_at (&c, 1)->transport->write_key, ==, "SK");
  g_assert_cmpstr (message_at (&c, 1)->transport->remote_addr, ==, "127.0.0.1");
  g_assert_cmpint (message_at (&c, 3)->type, ==, TSC_MESSAGE_TYPE_PAGE);
  g_assert_cmpstr (message_at (&c, 3)->transport->lane, ==, "web");
  assert_raw (message_at (&c, 3), "{\"name\":\"Pricing\",\"anonymousId\":\"a1\",\"messageId\":\"e3\"}");
}

static void
test_session_foreign_sqlite (TmpDir        *t,
                             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (t->dir, "other.db", NULL);
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  collected_init (&c);
  g_assert_false (read_into (importer, path, &c, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_SESSION);
  assert_contains (error->message, path);
  assert_contains (error->message, "not a Trackscope session");
  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_SESSION);
}

/* ------------------------------------------------------------------ */
/* Not a format, not a file                                             */

static void
test_unknown_format_names_the_file (void)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *path = data_path ("not-a-format.txt");
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };

  collected_init (&c);
  g_assert_false (read_into (importer, path, &c, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_UNKNOWN_FORMAT);
  assert_contains (error->message, path);
  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_UNKNOWN);
}

static void
test_binary_is_unknown (TmpDir        *t,
                        gconstpointer  data)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *path = g_build_filename (t->dir, "image.png", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };

  g_assert_true (g_file_set_contents (path, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, NULL));

  collected_init (&c);
  g_assert_false (read_into (importer, path, &c, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_UNKNOWN_FORMAT);
  assert_contains (error->message, path);
}

static void
test_missing_file_and_folder (TmpDir        *t,
                              gconstpointer  data)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_NONE);
  g_autofree char *path = g_build_filename (t->dir, "nope.ndjson", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(Collected) c = { 0 };

  collected_init (&c);
  g_assert_false (read_into (importer, path, &c, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ);
  assert_contains (error->message, path);
  g_clear_error (&error);

  g_assert_false (read_into (importer, t->dir, &c, &error));
  g_assert_error (error, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_READ);
  assert_contains (error->message, t->dir);
}

/* ------------------------------------------------------------------ */
/* Several inputs                                                       */

static void
test_read_files_numbers_across_inputs (void)
{
  g_autofree char *ndjson = data_path ("bad-line.ndjson");
  g_autofree char *array = data_path ("array.json");
  g_autofree char *har = data_path ("logout-no-reset.har");
  const char *paths[] = { ndjson, array, har, NULL };
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  const char *ids[] = { "b1", "b3", "b5", "j1", "j2", "j3", "m1", "m2", "m3" };

  messages = tsc_import_read_files (paths, TSC_IMPORT_FLAGS_NONE, &problems, &error);
  g_assert_no_error (error);
  g_assert_nonnull (messages);
  g_assert_cmpuint (messages->len, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < messages->len; i++)
    {
      TscMessage *m = g_ptr_array_index (messages, i);

      g_assert_cmpstr (m->message_id, ==, ids[i]);
      g_assert_cmpint (m->seq, ==, (gint64) i + 1);
    }
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

#define ADD_TMP(path, func) \
  g_test_add (path, TmpDir, NULL, tmp_dir_set_up, func, tmp_dir_tear_down)

  g_test_add_func ("/import/ndjson/one-message-per-line", test_ndjson_one_message_per_line);
  g_test_add_func ("/import/ndjson/batch-bodies-and-arrays-per-line", test_ndjson_batches_and_arrays);
  g_test_add_func ("/import/ndjson/bad-line-is-reported-and-skipped",
                   test_ndjson_bad_line_is_reported_and_skipped);
  g_test_add_func ("/import/ndjson/strict-fails-on-a-bad-line", test_ndjson_strict_fails_on_bad_line);
  g_test_add_func ("/import/ndjson/truncated-last-line-is-reported", test_ndjson_truncated_last_line);
  ADD_TMP ("/import/ndjson/empty-file-has-no-calls", test_ndjson_empty_file);
  ADD_TMP ("/import/ndjson/gzip-file-is-read-through", test_ndjson_gzip);
  g_test_add_func ("/import/json/array-of-messages-with-lines", test_json_array);
  g_test_add_func ("/import/json/batch-body-merges-its-envelope", test_json_batch_body);
  g_test_add_func ("/import/json/single-message", test_json_single_message);
  g_test_add_func ("/import/json/broken-document-names-the-line", test_json_broken_document_names_line);
  ADD_TMP ("/import/json/array-of-numbers-is-refused", test_json_not_messages);
  g_test_add_func ("/import/har/decodes-posts-like-the-collector", test_har_decodes_like_the_collector);
  g_test_add_func ("/import/har/lane-auth-and-a-bad-entry", test_har_lane_auth_and_bad_entry);
  g_test_add_func ("/import/har/without-analytics-calls-is-empty", test_har_without_analytics_calls);
  ADD_TMP ("/import/har/without-entries-is-refused", test_har_without_entries);
  ADD_TMP ("/import/session/reads-every-message-after-earlier-inputs", test_session_reads_every_message);
  ADD_TMP ("/import/session/foreign-sqlite-is-refused", test_session_foreign_sqlite);
  g_test_add_func ("/import/unknown-format-names-the-file", test_unknown_format_names_the_file);
  ADD_TMP ("/import/binary-file-is-unknown", test_binary_is_unknown);
  ADD_TMP ("/import/missing-file-and-folder-are-unreadable", test_missing_file_and_folder);
  g_test_add_func ("/import/read-files-numbers-across-inputs", test_read_files_numbers_across_inputs);

  return g_test_run ();
}
