/* test-export-cli.c: `trackscope-cli export`, the real binary
 *
 * Captures a flow that raises flags with the real collector
 * (`trackscope-cli capture --listen 127.0.0.1:0`), exports the session in
 * each format with and without redaction, and checks what a user relies
 * on: `check` finds the same flags in every export as in the session, a
 * redacted export holds no personal data, and a failed export names the
 * file, exits 2 and leaves nothing behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-export-cli"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tsc-test-util.h"

/* ------------------------------------------------------------------ */
/* The captured session                                                 */

typedef struct
{
  char *dir;
  char *session;
} Fixture;

typedef struct
{
  const char *path;
  const char *body;
} Call;

/* User A, then user B identified on the same anonymousId without a reset;
 * a signup tracked before identify; a batch with an envelope; a call
 * without a messageId (the collector adds one). */
static const Call calls[] = {
  { "/v1/identify", "{\"userId\":\"userA\",\"anonymousId\":\"anon1\",\"messageId\":\"e1\","
    "\"traits\":{\"email\":\"ann@example.com\",\"name\":\"Ann\",\"plan\":\"pro\"}}" },
  { "/v1/identify", "{\"userId\":\"userB\",\"anonymousId\":\"anon1\",\"messageId\":\"e2\","
    "\"traits\":{\"email\":\"bob@example.com\"}}" },
  { "/v1/track", "{\"event\":\"Signed Up\",\"anonymousId\":\"anon2\",\"messageId\":\"e3\","
    "\"properties\":{\"email\":\"cy@example.com\"}}" },
  { "/v1/batch", "{\"batch\":[{\"type\":\"page\",\"name\":\"Home\",\"anonymousId\":\"anon2\","
    "\"messageId\":\"e4\"},{\"type\":\"identify\",\"userId\":\"userC\",\"anonymousId\":\"anon2\","
    "\"messageId\":\"e5\",\"traits\":{\"phone\":\"555-0100\"}}],\"writeKey\":\"WKEXPORT\","
    "\"context\":{\"ip\":\"203.0.113.5\"}}" },
  { "/v1/track", "{\"event\":\"Clicked\",\"anonymousId\":\"anon3\",\"properties\":{}}" },
};

#define N_CALLS    6
#define N_REQUESTS G_N_ELEMENTS (calls)

static void
capture_flow (Fixture *f)
{
  g_auto(TscTestCapture) capture = { 0 };
  g_autoptr(SoupSession) http = soup_session_new_with_options ("timeout", 10,
                                                                "proxy-resolver", NULL, NULL);

  tsc_test_capture_start_session (&capture, f->session, NULL);

  for (guint i = 0; i < N_REQUESTS; i++)
    g_assert_cmpuint (tsc_test_post (http, capture.uri, calls[i].path, calls[i].body), ==,
                      SOUP_STATUS_OK);

  tsc_test_capture_stop (&capture, SIGTERM);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = tsc_test_make_tmp_dir ("trackscope-export-XXXXXX", "flow.trackscope", &f->session);
  capture_flow (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  tsc_test_remove_tree (f->dir);
  g_clear_pointer (&f->session, g_free);
  g_clear_pointer (&f->dir, g_free);
}

/* ------------------------------------------------------------------ */
/* Flags                                                                */

/* The flags `check` finds in @input, which holds the flow's calls. */
static char *
check_flags (const char *input)
{
  gint64 n_messages = 0;
  char *flags = tsc_test_check_flags (input, &n_messages);

  g_assert_cmpint (n_messages, ==, N_CALLS);
  return flags;
}

/* Exports the session to dir/@name and returns the path. */
static char *
export_to (Fixture    *f,
           const char *name,
           const char *format,
           gboolean    redact)
{
  char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *summary = g_strdup_printf ("Exported %u calls from %u requests to %s",
                                              N_CALLS, (guint) N_REQUESTS, path);
  g_auto(TscTestRun) run = { 0 };

  if (redact)
    tsc_test_run_cli (&run, "export", f->session, "--format", format, "--redact", "-o", path);
  else
    tsc_test_run_cli (&run, "export", f->session, "--format", format, "-o", path);

  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  tsc_test_assert_contains (run.err, summary);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  return path;
}

static void
test_every_export_has_the_flags_of_the_session (Fixture       *f,
                                                gconstpointer  data)
{
  g_autofree char *expected = check_flags (f->session);
  const struct
  {
    const char *name;
    const char *format;
    gboolean    redact;
  } exports[] = {
    { "flow.ndjson",          "ndjson", FALSE },
    { "flow-redacted.ndjson", "ndjson", TRUE },
    { "flow.json",            "json",   FALSE },
    { "flow-redacted.json",   "json",   TRUE },
    { "flow.har",             "har",    FALSE },
    { "flow-redacted.har",    "har",    TRUE },
  };

  /* The flow raises what it was written to raise. */
  tsc_test_assert_contains (expected, "identity-bleed e1,e2");
  tsc_test_assert_contains (expected, "track-before-identify e3");

  for (guint i = 0; i < G_N_ELEMENTS (exports); i++)
    {
      g_autofree char *path = export_to (f, exports[i].name, exports[i].format, exports[i].redact);
      g_autofree char *text = tsc_test_read_file (path);
      g_autofree char *found = check_flags (path);

      g_test_message ("%s", exports[i].name);
      g_assert_cmpstr (found, ==, expected);

      if (exports[i].redact)
        {
          g_assert_null (strstr (text, "ann@example.com"));
          g_assert_null (strstr (text, "555-0100"));
          g_assert_null (strstr (text, "203.0.113.5"));
          g_assert_null (strstr (text, "WKEXPORT"));
          g_assert_null (strstr (text, "127.0.0.1\""));
          tsc_test_assert_contains (text, "redacted:");
          tsc_test_assert_contains (text, "userB");
        }
      else
        {
          tsc_test_assert_contains (text, "ann@example.com");
        }

      /* The JSON export carries the flags itself. */
      if (g_str_equal (exports[i].format, "json"))
        {
          g_autoptr(JsonNode) root = tsc_test_parse_json (text);
          JsonObject *object = json_node_get_object (root);
          g_autofree char *own = tsc_test_describe_flags (json_object_get_member (object, "flags"));
          JsonObject *meta = json_object_get_object_member (object, "trackscope");
          JsonObject *session = json_object_get_object_member (meta, "session");
          JsonArray *messages = json_object_get_array_member (object, "messages");

          g_assert_cmpstr (own, ==, expected);
          g_assert_cmpstr (json_object_get_string_member (meta, "format"), ==, "trackscope-export");
          g_assert_cmpint (json_object_get_int_member (session, "requests"), ==, N_REQUESTS);
          g_assert_nonnull (messages);
          g_assert_cmpuint (json_array_get_length (messages), ==, N_CALLS);
        }
    }
}

static void
test_standard_output_without_o (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *path = export_to (f, "flow.ndjson", "ndjson", FALSE);
  g_autofree char *text = tsc_test_read_file (path);
  g_auto(TscTestRun) run = { 0 };

  tsc_test_run_cli (&run, "export", f->session, "--format", "ndjson");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, text);
  tsc_test_assert_contains (run.err, "Exported 6 calls from 5 requests to standard output");

  /* The same key gives the same hashes; without one they differ. */
  {
    g_auto(TscTestRun) a = { 0 };
    g_auto(TscTestRun) b = { 0 };
    g_auto(TscTestRun) c = { 0 };

    tsc_test_run_cli (&a, "export", f->session, "-f", "ndjson", "--redact-key", "k1");
    tsc_test_run_cli (&b, "export", f->session, "-f", "ndjson", "--redact-key", "k1");
    tsc_test_run_cli (&c, "export", f->session, "-f", "ndjson", "--redact");
    g_assert_cmpint (a.status, ==, 0);
    g_assert_cmpstr (a.out, ==, b.out);
    g_assert_cmpstr (a.out, !=, c.out);
    g_assert_null (strstr (a.out, "ann@example.com"));
  }

  /* --redact-keys replaces the patterns: "plan" goes, the email stays. */
  {
    g_auto(TscTestRun) keys = { 0 };

    tsc_test_run_cli (&keys, "export", f->session, "-f", "ndjson", "--redact-keys", "plan");
    g_assert_cmpint (keys.status, ==, 0);
    tsc_test_assert_contains (keys.out, "ann@example.com");
    g_assert_null (strstr (keys.out, "\"plan\":\"pro\""));
  }
}

static void
test_unwritable_output_leaves_nothing (Fixture       *f,
                                       gconstpointer  data)
{
  g_autofree char *file = tsc_test_write_file (f->dir, "plain-file", "x", -1);
  g_autofree char *target = g_build_filename (file, "out.json", NULL);
  g_autofree char *before = tsc_test_list_dir (f->dir, TRUE);
  g_autofree char *after = NULL;
  g_auto(TscTestRun) run = { 0 };

  tsc_test_run_cli (&run, "export", f->session, "--format", "json", "-o", target);
  g_assert_cmpint (run.status, ==, 2);
  tsc_test_assert_contains (run.err, target);
  g_assert_cmpstr (run.out, ==, "");
  after = tsc_test_list_dir (f->dir, TRUE);
  g_assert_cmpstr (after, ==, before);

  /* A folder without write permission (root may write anywhere). */
  if (geteuid () != 0)
    {
      g_autofree char *locked = g_build_filename (f->dir, "locked", NULL);
      g_autofree char *inside = g_build_filename (locked, "out.har", NULL);
      g_autofree char *listing = NULL;
      g_auto(TscTestRun) denied = { 0 };

      g_assert_cmpint (g_mkdir (locked, 0500), ==, 0);
      tsc_test_run_cli (&denied, "export", f->session, "--format", "har", "-o", inside);
      g_assert_cmpint (g_chmod (locked, 0700), ==, 0);
      g_assert_cmpint (denied.status, ==, 2);
      tsc_test_assert_contains (denied.err, inside);
      listing = tsc_test_list_dir (locked, TRUE);
      g_assert_cmpstr (listing, ==, "");
    }
}

static void
test_bad_usage_exits_2 (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *target = g_build_filename (f->dir, "out.csv", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.trackscope", NULL);
  g_autofree char *not_session = tsc_test_write_file (f->dir, "notes.txt", "hello\n", -1);
  g_autofree char *kept = tsc_test_write_file (f->dir, "kept.ndjson", "old\n", -1);
  g_autofree char *kept_text = NULL;

  {
    g_auto(TscTestRun) run = { 0 };

    tsc_test_run_cli (&run, "export", f->session, "--format", "csv", "-o", target);
    g_assert_cmpint (run.status, ==, 2);
    tsc_test_assert_contains (run.err, "csv");
    g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  }
  {
    g_auto(TscTestRun) run = { 0 };

    tsc_test_run_cli (&run, "export", missing, "-f", "ndjson", "-o", kept);
    g_assert_cmpint (run.status, ==, 2);
    tsc_test_assert_contains (run.err, missing);
  }
  {
    g_auto(TscTestRun) run = { 0 };

    tsc_test_run_cli (&run, "export", not_session, "-f", "ndjson", "-o", kept);
    g_assert_cmpint (run.status, ==, 2);
    tsc_test_assert_contains (run.err, not_session);
  }
  {
    g_auto(TscTestRun) run = { 0 };

    tsc_test_run_cli (&run, "export");
    g_assert_cmpint (run.status, ==, 2);
  }

  /* A failed export does not touch the target. */
  kept_text = tsc_test_read_file (kept);
  g_assert_cmpstr (kept_text, ==, "old\n");
}

static void
test_help_lists_the_default_patterns (void)
{
  g_auto(TscTestRun) run = { 0 };

  tsc_test_run_cli (&run, "export", "--help");
  g_assert_cmpint (run.status, ==, 0);
  tsc_test_assert_contains (run.out, "--redact");
  tsc_test_assert_contains (run.out, "--redact-key");
  tsc_test_assert_contains (run.out, "email, *email, email*, phone*, *phone, name, firstname, "
                                     "lastname, fullname, username, address, *address, ip, "
                                     "ipaddress");
}

int
main (int    argc,
      char **argv)
{
  if (!tsc_test_init_for_cli (&argc, &argv))
    return 1;

  g_test_add ("/export-cli/every-export-has-the-flags-of-the-session", Fixture, NULL,
              fixture_setup, test_every_export_has_the_flags_of_the_session, fixture_teardown);
  g_test_add ("/export-cli/standard-output-and-redaction-keys", Fixture, NULL,
              fixture_setup, test_standard_output_without_o, fixture_teardown);
  g_test_add ("/export-cli/unwritable-output-exits-2-and-leaves-nothing", Fixture, NULL,
              fixture_setup, test_unwritable_output_leaves_nothing, fixture_teardown);
  g_test_add ("/export-cli/bad-usage-and-unreadable-session-exit-2", Fixture, NULL,
              fixture_setup, test_bad_usage_exits_2, fixture_teardown);
  g_test_add_func ("/export-cli/help-lists-the-default-patterns",
                   test_help_lists_the_default_patterns);

  return g_test_run ();
}
