/* test-import-cli.c: `trackscope-cli import`, the real binary
 *
 * A real collector (`trackscope-cli capture`) records a flow with flags
 * in it; the session is exported in each format, imported, and exported
 * again: the two exports must be the same bytes, and `check` must find
 * the same flags in the imported session as in the captured one. Then
 * what a user relies on when a file is not clean: bad lines are named
 * and skipped, a broken document fails with exit 2 and leaves nothing,
 * a browser's HAR says how many of its entries were not calls.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-import-cli"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tsc-test-util.h"

/* Runs trackscope-cli with the arguments, which must succeed. */
#define run_cli_ok(...) \
  G_STMT_START { \
    g_auto(TscTestRun) ok_run_ = { 0 }; \
    tsc_test_run_cli (&ok_run_, __VA_ARGS__); \
    g_assert_cmpint (ok_run_.status, ==, 0); \
  } G_STMT_END

/* ------------------------------------------------------------------ */
/* A captured flow                                                      */

/* POSTs @body as application/json with @headers, gzipped when @gzip. */
static guint
send_call (SoupSession        *http,
           const char         *uri,
           const char         *path,
           const char * const *headers,
           const char         *body,
           gboolean            gzip)
{
  g_autoptr(GBytes) bytes = NULL;

  if (gzip)
    bytes = tsc_test_compress (body, strlen (body), G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  else
    bytes = g_bytes_new (body, strlen (body));

  return tsc_test_post_json_bytes (http, uri, path, headers, bytes);
}

/* Captures, with the real collector, a flow that raises flags:
 * alice then bob identified on one anonymousId without a reset, a signup
 * tracked before its user was identified (and without a messageId, so
 * the collector adds one), a batch with an envelope, a gzip body and a
 * lane. Returns the session file, in @dir. */
static char *
capture_flow (const char *dir)
{
  g_autofree char *session = g_build_filename (dir, "captured.trackscope", NULL);
  g_autofree char *basic = g_strconcat ("Basic ", "V0szOg==", NULL);  /* "WK3:" */
  const char * const gzip_headers[] = { "Content-Encoding", "gzip", "Authorization", basic, NULL };
  const char * const lane_headers[] = { "Origin", "https://shop.example",
                                        "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Test/1.0", NULL };
  const struct
  {
    const char         *path;
    const char * const *headers;
    gboolean            gzip;
    const char         *body;
  } calls[] = {
    { "/v1/identify", NULL, FALSE,
      "{\"userId\":\"alice\",\"anonymousId\":\"anon-1\",\"messageId\":\"id-alice\","
      "\"timestamp\":\"2024-05-01T10:00:00.000Z\",\"sentAt\":\"2024-05-01T10:00:00.100Z\","
      "\"traits\":{\"plan\":\"pro\"},\"writeKey\":\"WK1\"}" },
    { "/v1/identify", NULL, FALSE,
      "{\"userId\":\"bob\",\"anonymousId\":\"anon-1\",\"messageId\":\"id-bob\","
      "\"timestamp\":\"2024-05-01T10:00:01.000Z\",\"writeKey\":\"WK1\"}" },
    { "/v1/track", NULL, FALSE,
      "{\"event\":\"Signed Up\",\"anonymousId\":\"anon-2\",\"timestamp\":\"2024-05-01T10:00:02.000Z\","
      "\"properties\":{\"plan\":\"free\"},\"writeKey\":\"WK1\"}" },
    { "/v1/batch", NULL, FALSE,
      "{\"batch\":[{\"type\":\"identify\",\"userId\":\"carol\",\"anonymousId\":\"anon-2\","
      "\"messageId\":\"id-carol\",\"timestamp\":\"2024-05-01T10:00:03.000Z\"},"
      "{\"type\":\"page\",\"name\":\"Pricing\",\"userId\":\"carol\",\"anonymousId\":\"anon-2\","
      "\"timestamp\":\"2024-05-01T10:00:04.000Z\"}],"
      "\"context\":{\"library\":{\"name\":\"analytics-node\",\"version\":\"2.1.0\"}},"
      "\"integrations\":{\"All\":true},\"sentAt\":\"2024-05-01T10:00:05.000Z\",\"writeKey\":\"WK2\"}" },
    { "/v1/batch", gzip_headers, TRUE,
      "{\"batch\":[{\"type\":\"track\",\"event\":\"Viewed\",\"userId\":\"carol\",\"anonymousId\":\"anon-2\","
      "\"messageId\":\"id-gzip\",\"timestamp\":\"2024-05-01T10:00:06.000Z\"}],"
      "\"sentAt\":\"2024-05-01T10:00:06.500Z\"}" },
    { "/lane/checkout/v1/track", lane_headers, FALSE,
      "{\"event\":\"Order Completed\",\"userId\":\"dave\",\"anonymousId\":\"anon-3\","
      "\"messageId\":\"id-lane\",\"timestamp\":\"2024-05-01T10:00:07.000Z\","
      "\"properties\":{\"total\":12.5},\"writeKey\":\"WK1\"}" },
  };
  g_autoptr(SoupSession) http = soup_session_new_with_options ("timeout", 10, "proxy-resolver", NULL,
                                                               NULL);
  g_auto(TscTestCapture) capture = { 0 };

  tsc_test_capture_start_session (&capture, session, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    g_assert_cmpuint (send_call (http, capture.uri, calls[i].path, calls[i].headers,
                                 calls[i].body, calls[i].gzip), ==, SOUP_STATUS_OK);

  tsc_test_capture_stop (&capture, SIGINT);

  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM messages", NULL), ==, 7);
  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM messages WHERE message_id_added",
                                    NULL), ==, 2);
  return g_steal_pointer (&session);
}

/* ------------------------------------------------------------------ */
/* Comparing                                                            */

/* The message ids of @session in receive order. */
static char *
ids_in_order (const char *session)
{
  return tsc_test_db_text (session, "SELECT group_concat(message_id, ' ') FROM "
                                    "(SELECT message_id FROM messages ORDER BY seq)", NULL);
}

/* @text without the value of the JSON export's exportedAt, which says
 * when the export was made. */
static char *
without_exported_at (const char *text)
{
  g_autoptr(GRegex) regex = g_regex_new ("\"exportedAt\"\\s*:\\s*\"[^\"]*\"", 0, 0, NULL);

  return g_regex_replace_literal (regex, text, -1, 0, "\"exportedAt\":\"-\"", 0, NULL);
}

/* ------------------------------------------------------------------ */
/* Round trips                                                          */

typedef struct
{
  const char *format;
  const char *extension;
} Format;

static const Format ndjson = { "ndjson", "ndjson" };
static const Format json = { "json", "json" };
static const Format har = { "har", "har" };

/* export → import → export gives the same bytes, and check the same
 * flags. Not in this flow: requests the collector refused, which only
 * the HAR export holds (tests/core/test-import.c round-trips them); in
 * NDJSON and JSON the requestIds after one would shift. NDJSON and JSON
 * hold no request headers either, which only HAR shows. */
static void
test_round_trip (TscTestTmpDir *t,
                 gconstpointer  data)
{
  const Format *format = data;
  g_autofree char *captured = capture_flow (t->dir);
  g_autofree char *first_name = g_strdup_printf ("first.%s", format->extension);
  g_autofree char *second_name = g_strdup_printf ("second.%s", format->extension);
  g_autofree char *first = g_build_filename (t->dir, first_name, NULL);
  g_autofree char *second = g_build_filename (t->dir, second_name, NULL);
  g_autofree char *imported = g_build_filename (t->dir, "imported.trackscope", NULL);
  g_autofree char *first_text = NULL;
  g_autofree char *second_text = NULL;
  g_autofree char *captured_flags = NULL;
  g_autofree char *imported_flags = NULL;
  g_autofree char *exported_flags = NULL;
  g_autofree char *captured_ids = NULL;
  g_autofree char *imported_ids = NULL;
  g_auto(TscTestRun) run = { 0 };

  run_cli_ok ("export", captured, "--format", format->format, "-o", first);

  tsc_test_run_cli (&run, "import", first, "-o", imported);
  g_assert_cmpint (run.status, ==, 0);
  tsc_test_assert_contains (run.err, "Imported 7 calls in 6 requests from 1 file into ");
  tsc_test_assert_contains (run.err, imported);

  run_cli_ok ("export", imported, "--format", format->format, "-o", second);

  first_text = tsc_test_read_file (first);
  second_text = tsc_test_read_file (second);
  if (g_str_equal (format->format, "json"))
    {
      g_autofree char *a = without_exported_at (first_text);
      g_autofree char *b = without_exported_at (second_text);

      g_assert_cmpstr (a, !=, first_text);
      g_assert_cmpstr (b, ==, a);
    }
  else
    {
      g_assert_cmpstr (second_text, ==, first_text);
    }

  /* The same flags, on the same messages (messageIds the collector
   * added included), in the same order of receipt. */
  captured_flags = tsc_test_check_flags (captured, NULL);
  imported_flags = tsc_test_check_flags (imported, NULL);
  tsc_test_assert_contains (captured_flags, "identity-bleed");
  tsc_test_assert_contains (captured_flags, "track-before-identify");
  g_assert_cmpstr (imported_flags, ==, captured_flags);
  /* `check` on the export itself finds them too. */
  exported_flags = tsc_test_check_flags (first, NULL);
  g_assert_cmpstr (exported_flags, ==, captured_flags);

  captured_ids = ids_in_order (captured);
  imported_ids = ids_in_order (imported);
  g_assert_cmpstr (imported_ids, ==, captured_ids);
}

/* Every message comes back at its place in the order of receipt, with
 * its receive time, its request and its index in the batch. */
static char *
receipt (const char *session)
{
  return tsc_test_db_text (session,
                           "SELECT group_concat(line, ' ') FROM (SELECT seq || ':' || message_id || '@'"
                           " || received_at || '/' || request_id || '.' || ifnull(batch_index, '-') AS line"
                           " FROM messages ORDER BY seq)", NULL);
}

static void
test_ndjson_keeps_receive_order (TscTestTmpDir *t,
                                 gconstpointer  data)
{
  g_autofree char *captured = capture_flow (t->dir);
  g_autofree char *export = g_build_filename (t->dir, "flow.ndjson", NULL);
  g_autofree char *imported = g_build_filename (t->dir, "imported.trackscope", NULL);
  g_autofree char *captured_receipt = NULL;
  g_autofree char *imported_receipt = NULL;

  run_cli_ok ("export", captured, "--format", "ndjson", "-o", export);
  run_cli_ok ("import", export, "-o", imported);

  captured_receipt = receipt (captured);
  imported_receipt = receipt (imported);
  g_test_message ("%s", captured_receipt);
  g_assert_cmpstr (imported_receipt, ==, captured_receipt);
}

/* ------------------------------------------------------------------ */
/* Files that are not clean                                             */

static void
test_bad_ndjson_line_is_named_and_skipped (TscTestTmpDir *t,
                                           gconstpointer  data)
{
  g_autofree char *input = tsc_test_data_path ("import", "bad-line.ndjson");
  g_autofree char *session = g_build_filename (t->dir, "s.trackscope", NULL);
  g_autofree char *line2 = g_strdup_printf ("%s:2:", input);
  g_autofree char *line4 = g_strdup_printf ("%s:4:", input);
  g_auto(TscTestRun) run = { 0 };

  tsc_test_run_cli (&run, "import", input, "-o", session);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  tsc_test_assert_contains (run.err, "Imported 3 calls in 3 requests from 1 file into ");
  tsc_test_assert_contains (run.err, "Skipped 2 lines that are not messages\n");
  tsc_test_assert_contains (run.err, line2);
  tsc_test_assert_contains (run.err, line4);
  tsc_test_assert_contains (run.err, "(skipped)");

  tsc_test_assert_db_text (session, "SELECT group_concat(message_id, ' ') FROM "
                                    "(SELECT message_id FROM messages ORDER BY seq)", NULL,
                           "b1 b3 b5");
}

static void
test_strict_bad_line_writes_nothing (TscTestTmpDir *t,
                                     gconstpointer  data)
{
  g_autofree char *input = tsc_test_data_path ("import", "bad-line.ndjson");
  g_autofree char *session = g_build_filename (t->dir, "s.trackscope", NULL);
  g_autofree char *line2 = g_strdup_printf ("%s:2:", input);
  g_autofree char *listing = NULL;
  g_auto(TscTestRun) run = { 0 };

  tsc_test_run_cli (&run, "import", "--strict", input, "-o", session);
  g_assert_cmpint (run.status, ==, 2);
  tsc_test_assert_contains (run.err, line2);
  tsc_test_assert_contains (run.err, "nothing was written");
  listing = tsc_test_list_dir (t->dir, FALSE);
  g_assert_cmpstr (listing, ==, "");
}

/* A JSON export cut in the middle fails, names the file and the line,
 * and leaves no session behind, even after a good input. */
static void
test_truncated_json_fails (TscTestTmpDir *t,
                           gconstpointer  data)
{
  g_autofree char *good = tsc_test_data_path ("import", "export.ndjson");
  g_autofree char *whole = tsc_test_data_path ("import", "export.json");
  g_autofree char *text = tsc_test_read_file (whole);
  g_autofree char *cut = NULL;
  g_autofree char *session = g_build_filename (t->dir, "s.trackscope", NULL);
  g_autofree char *listing = NULL;
  g_autofree char *where = NULL;
  g_auto(TscTestRun) run = { 0 };
  const char *third = strstr (text, "\n{\"userId\"");

  /* Up to the middle of the third message (line 5). */
  g_assert_nonnull (third);
  cut = tsc_test_write_file (t->dir, "cut.json", text, (third - text) + 40);
  where = g_strdup_printf ("%s:5", cut);

  tsc_test_run_cli (&run, "import", good, cut, "-o", session);
  g_assert_cmpint (run.status, ==, 2);
  tsc_test_assert_contains (run.err, where);
  tsc_test_assert_contains (run.err, "not valid JSON");
  g_assert_null (strchr (g_strchomp (run.err), '\n'));

  listing = tsc_test_list_dir (t->dir, FALSE);
  g_assert_cmpstr (listing, ==, "cut.json");
}

static void
test_har_reports_entries_that_are_not_calls (TscTestTmpDir *t,
                                             gconstpointer  data)
{
  g_autofree char *input = tsc_test_data_path ("import", "export.har");
  g_autofree char *browser = tsc_test_data_path ("import", "logout-no-reset.har");
  g_autofree char *session = g_build_filename (t->dir, "s.trackscope", NULL);
  g_autofree char *quiet_session = g_build_filename (t->dir, "q.trackscope", NULL);
  g_auto(TscTestRun) run = { 0 };
  g_auto(TscTestRun) quiet = { 0 };

  tsc_test_run_cli (&run, "import", input, browser, "-o", session);
  g_assert_cmpint (run.status, ==, 0);
  tsc_test_assert_contains (run.err, "Imported 6 calls in 6 requests from 2 files into ");
  /* Our own HAR's refused request is kept as it was recorded, without
   * calls; the browser HAR's is skipped. */
  tsc_test_assert_contains (run.err, "Of them, 1 request the collector refused, kept without calls\n");
  /* app.js, the favicon and the page; settings and two metrics posts;
   * two preflights */
  tsc_test_assert_contains (run.err, "Skipped 3 entries not to a Tracking API route\n");
  tsc_test_assert_contains (run.err, "Skipped 3 entries that carry no calls (settings, metrics)\n");
  tsc_test_assert_contains (run.err, "Skipped 2 entries that are not a POST\n");
  tsc_test_assert_contains (run.err, "Skipped 1 request the server refused (status ≥ 400)\n");
  g_assert_null (strstr (run.err, "(skipped)"));

  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM requests", NULL), ==, 6);
  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM requests WHERE status >= 400 "
                                             "AND message_count = 0", NULL), ==, 1);

  tsc_test_run_cli (&quiet, "import", "--quiet", input, "-o", quiet_session);
  g_assert_cmpint (quiet.status, ==, 0);
  g_assert_cmpstr (quiet.err, ==, "");
}

/* Counts read like numbers: 1,204. */
static void
test_counts_are_grouped (TscTestTmpDir *t,
                         gconstpointer  data)
{
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autofree char *input = NULL;
  g_autofree char *session = g_build_filename (t->dir, "s.trackscope", NULL);
  g_auto(TscTestRun) run = { 0 };

  for (guint i = 0; i < 1204; i++)
    g_string_append_printf (lines, "{\"type\":\"track\",\"event\":\"Tick\",\"anonymousId\":\"a\","
                                   "\"messageId\":\"tick-%u\"}\n", i);
  input = tsc_test_write_file (t->dir, "ticks.ndjson", lines->str, lines->len);

  tsc_test_run_cli (&run, "import", input, "-o", session);
  g_assert_cmpint (run.status, ==, 0);
  tsc_test_assert_contains (run.err, "Imported 1,204 calls in 1,204 requests from 1 file into ");
  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM messages", NULL), ==, 1204);
}

static void
test_existing_output_is_refused (TscTestTmpDir *t,
                                 gconstpointer  data)
{
  g_autofree char *input = tsc_test_data_path ("import", "clean.ndjson");
  g_autofree char *session = tsc_test_write_file (t->dir, "taken.trackscope", "keep me", -1);
  g_autofree char *contents = NULL;
  g_auto(TscTestRun) run = { 0 };

  tsc_test_run_cli (&run, "import", input, "-o", session);
  g_assert_cmpint (run.status, ==, 2);
  tsc_test_assert_contains (run.err, session);
  tsc_test_assert_contains (run.err, "exists already");

  contents = tsc_test_read_file (session);
  g_assert_cmpstr (contents, ==, "keep me");
}

static void
test_usage_errors (TscTestTmpDir *t,
                   gconstpointer  data)
{
  g_autofree char *input = tsc_test_data_path ("import", "clean.ndjson");
  g_autofree char *missing = g_build_filename (t->dir, "missing.ndjson", NULL);
  g_autofree char *session = g_build_filename (t->dir, "s.trackscope", NULL);
  g_autofree char *listing = NULL;
  g_auto(TscTestRun) no_output = { 0 };
  g_auto(TscTestRun) no_input = { 0 };
  g_auto(TscTestRun) unreadable = { 0 };

  tsc_test_run_cli (&no_output, "import", input);
  g_assert_cmpint (no_output.status, ==, 2);
  tsc_test_assert_contains (no_output.err, "-o SESSION");

  tsc_test_run_cli (&no_input, "import", "-o", session);
  g_assert_cmpint (no_input.status, ==, 2);
  tsc_test_assert_contains (no_input.err, "no input");

  tsc_test_run_cli (&unreadable, "import", input, missing, "-o", session);
  g_assert_cmpint (unreadable.status, ==, 2);
  tsc_test_assert_contains (unreadable.err, missing);

  listing = tsc_test_list_dir (t->dir, FALSE);
  g_assert_cmpstr (listing, ==, "");
}

int
main (int    argc,
      char **argv)
{
  if (!tsc_test_init_for_cli (&argc, &argv))
    return 1;

  TSC_TEST_ADD_TMP_DIR ("/import-cli/round-trip/ndjson", &ndjson, test_round_trip);
  TSC_TEST_ADD_TMP_DIR ("/import-cli/round-trip/json", &json, test_round_trip);
  TSC_TEST_ADD_TMP_DIR ("/import-cli/round-trip/har", &har, test_round_trip);
  TSC_TEST_ADD_TMP_DIR ("/import-cli/ndjson/keeps-the-order-of-receipt", NULL,
                        test_ndjson_keeps_receive_order);
  TSC_TEST_ADD_TMP_DIR ("/import-cli/ndjson/bad-line-is-named-and-skipped", NULL,
                        test_bad_ndjson_line_is_named_and_skipped);
  TSC_TEST_ADD_TMP_DIR ("/import-cli/strict/bad-line-writes-nothing", NULL,
                        test_strict_bad_line_writes_nothing);
  TSC_TEST_ADD_TMP_DIR ("/import-cli/json/cut-short-fails-and-writes-nothing", NULL,
                        test_truncated_json_fails);
  TSC_TEST_ADD_TMP_DIR ("/import-cli/har/entries-that-are-not-calls-are-counted", NULL,
                        test_har_reports_entries_that_are_not_calls);
  TSC_TEST_ADD_TMP_DIR ("/import-cli/counts-are-grouped", NULL, test_counts_are_grouped);
  TSC_TEST_ADD_TMP_DIR ("/import-cli/existing-output-is-refused", NULL, test_existing_output_is_refused);
  TSC_TEST_ADD_TMP_DIR ("/import-cli/usage-errors", NULL, test_usage_errors);

  return g_test_run ();
}
