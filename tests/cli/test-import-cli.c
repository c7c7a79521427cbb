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

#define LINE_TIMEOUT_MS 10000
#define EXIT_TIMEOUT_MS 30000

/* ------------------------------------------------------------------ */
/* Running the CLI                                                      */

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static char *
bytes_to_string (GBytes *bytes)
{
  gsize len = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  return g_strndup (data ? data : "", len);
}

/* Runs trackscope-cli with @args to its end. */
static void
run_cliv (Run                *run,
          const char * const *args)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;

  process = tsc_test_spawn_cli (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                NULL, args);
  g_subprocess_communicate (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));

  run->status = g_subprocess_get_exit_status (process);
  run->out = bytes_to_string (out);
  run->err = bytes_to_string (err);

  g_test_message ("%s: exit %d\nstdout:\n%.2000s\nstderr:\n%s",
                  args[0], run->status, run->out, run->err);
}

#define run_cli(run, ...) run_cliv ((run), (const char * const[]) { __VA_ARGS__, NULL })

/* Runs @args, which must succeed. */
#define run_cli_ok(...) \
  G_STMT_START { \
    g_auto(Run) ok_run_ = { 0 }; \
    run_cli (&ok_run_, __VA_ARGS__); \
    g_assert_cmpint (ok_run_.status, ==, 0); \
  } G_STMT_END

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* The names in @dir, sorted, joined with spaces. */
static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

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

/* ------------------------------------------------------------------ */
/* A captured flow                                                      */

static guint
send_call (SoupSession        *http,
           const char         *uri,
           const char         *path,
           const char * const *headers,
           const char         *body,
           gboolean            gzip)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GBytes) packed = NULL;
  const char *data = body;
  gssize len = -1;

  if (gzip)
    {
      packed = tsc_test_compress (body, strlen (body), G_ZLIB_COMPRESSOR_FORMAT_GZIP);
      data = g_bytes_get_data (packed, NULL);
      len = g_bytes_get_size (packed);
    }

  msg = tsc_test_new_request ("POST", uri, path, "application/json", data, len);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i], headers[i + 1]);

  reply = tsc_test_send (http, msg);
  return soup_message_get_status (msg);
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
  const char * const args[] = { "capture", "--listen", "127.0.0.1:0", "--session", session,
                                "--quiet", NULL };
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
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *uri = NULL;

  process = tsc_test_spawn_cli (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                NULL, args);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  uri = tsc_test_read_listening_uri (out, LINE_TIMEOUT_MS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    g_assert_cmpuint (send_call (http, uri, calls[i].path, calls[i].headers, calls[i].body,
                                 calls[i].gzip), ==, SOUP_STATUS_OK);

  g_subprocess_send_signal (process, SIGINT);
  tsc_test_wait_for_exit (process, EXIT_TIMEOUT_MS);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM messages", NULL), ==, 7);
  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM messages WHERE message_id_added",
                                    NULL), ==, 2);
  return g_steal_pointer (&session);
}

/* ------------------------------------------------------------------ */
/* Comparing                                                            */

/* The flags of `check --format json` on @input: "rule id,id…" each,
 * sorted. */
static char *
check_flags (const char *input)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  JsonArray *flags;

  run_cli (&run, "check", "--format", "json", "--fail-on", "never", input);
  g_assert_cmpint (run.status, ==, 0);

  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  flags = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "flags");
  g_assert_nonnull (flags);

  for (guint i = 0; i < json_array_get_length (flags); i++)
    {
      JsonObject *flag = json_array_get_object_element (flags, i);
      JsonArray *ids = json_object_get_array_member (flag, "messageIds");
      g_autoptr(GString) line = g_string_new (json_object_get_string_member (flag, "rule"));

      for (guint j = 0; j < json_array_get_length (ids); j++)
        g_string_append_printf (line, "%s%s", j == 0 ? " " : ",",
                                json_array_get_string_element (ids, j));
      g_ptr_array_add (lines, g_string_free (g_steal_pointer (&line), FALSE));
    }

  g_ptr_array_sort (lines, compare_names);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

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
 * flags. Not carried, so not in this flow: requests the collector
 * refused (no export holds them as calls, and an import skips a HAR's
 * refused entries), so the requestIds after one would shift; NDJSON and
 * JSON hold no request headers, which only HAR shows. */
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
  g_auto(Run) run = { 0 };

  run_cli_ok ("export", captured, "--format", format->format, "-o", first);

  run_cli (&run, "import", first, "-o", imported);
  g_assert_cmpint (run.status, ==, 0);
  tsc_test_assert_contains (run.err, "Imported 7 calls in 6 requests from 1 file into ");
  tsc_test_assert_contains (run.err, imported);

  run_cli_ok ("export", imported, "--format", format->format, "-o", second);

  first_text = read_file (first);
  second_text = read_file (second);
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
  captured_flags = check_flags (captured);
  imported_flags = check_flags (imported);
  tsc_test_assert_contains (captured_flags, "identity-bleed");
  tsc_test_assert_contains (captured_flags, "track-before-identify");
  g_assert_cmpstr (imported_flags, ==, captured_flags);
  /* `check` on the export itself finds them too. */
  exported_flags = check_flags (first);
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
  g_auto(Run) run = { 0 };

  run_cli (&run, "import", input, "-o", session);
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
  g_auto(Run) run = { 0 };

  run_cli (&run, "import", "--strict", input, "-o", session);
  g_assert_cmpint (run.status, ==, 2);
  tsc_test_assert_contains (run.err, line2);
  tsc_test_assert_contains (run.err, "nothing was written");
  listing = list_dir (t->dir);
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
  g_autofree char *text = read_file (whole);
  g_autofree char *cut = NULL;
  g_autofree char *session = g_build_filename (t->dir, "s.trackscope", NULL);
  g_autofree char *listing = NULL;
  g_autofree char *where = NULL;
  g_auto(Run) run = { 0 };
  const char *third = strstr (text, "\n{\"userId\"");

  /* Up to the middle of the third message (line 5). */
  g_assert_nonnull (third);
  cut = tsc_test_write_file (t->dir, "cut.json", text, (third - text) + 40);
  where = g_strdup_printf ("%s:5", cut);

  run_cli (&run, "import", good, cut, "-o", session);
  g_assert_cmpint (run.status, ==, 2);
  tsc_test_assert_contains (run.err, where);
  tsc_test_assert_contains (run.err, "not valid JSON");
  g_assert_null (strchr (g_strchomp (run.err), '\n'));

  listing = list_dir (t->dir);
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
  g_auto(Run) run = { 0 };
  g_auto(Run) quiet = { 0 };

  run_cli (&run, "import", input, browser, "-o", session);
  g_assert_cmpint (run.status, ==, 0);
  tsc_test_assert_contains (run.err, "Imported 6 calls in 5 requests from 2 files into ");
  /* app.js, the favicon and the page; settings and two metrics posts;
   * two preflights; two refused requests */
  tsc_test_assert_contains (run.err, "Skipped 3 entries not to a Tracking API route\n");
  tsc_test_assert_contains (run.err, "Skipped 3 entries that carry no calls (settings, metrics)\n");
  tsc_test_assert_contains (run.err, "Skipped 2 entries that are not a POST\n");
  tsc_test_assert_contains (run.err, "Skipped 2 requests the server refused (status ≥ 400)\n");
  g_assert_null (strstr (run.err, "(skipped)"));

  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM requests", NULL), ==, 5);

  run_cli (&quiet, "import", "--quiet", input, "-o", quiet_session);
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
  g_auto(Run) run = { 0 };

  for (guint i = 0; i < 1204; i++)
    g_string_append_printf (lines, "{\"type\":\"track\",\"event\":\"Tick\",\"anonymousId\":\"a\","
                                   "\"messageId\":\"tick-%u\"}\n", i);
  input = tsc_test_write_file (t->dir, "ticks.ndjson", lines->str, lines->len);

  run_cli (&run, "import", input, "-o", session);
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
  g_auto(Run) run = { 0 };

  run_cli (&run, "import", input, "-o", session);
  g_assert_cmpint (run.status, ==, 2);
  tsc_test_assert_contains (run.err, session);
  tsc_test_assert_contains (run.err, "exists already");

  contents = read_file (session);
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
  g_auto(Run) no_output = { 0 };
  g_auto(Run) no_input = { 0 };
  g_auto(Run) unreadable = { 0 };

  run_cli (&no_output, "import", input);
  g_assert_cmpint (no_output.status, ==, 2);
  tsc_test_assert_contains (no_output.err, "-o SESSION");

  run_cli (&no_input, "import", "-o", session);
  g_assert_cmpint (no_input.status, ==, 2);
  tsc_test_assert_contains (no_input.err, "no input");

  run_cli (&unreadable, "import", input, missing, "-o", session);
  g_assert_cmpint (unreadable.status, ==, 2);
  tsc_test_assert_contains (unreadable.err, missing);

  listing = list_dir (t->dir);
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
