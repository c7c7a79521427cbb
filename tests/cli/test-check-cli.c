/* test-check-cli.c: `trackscope-cli check`, the real binary
 *
 * Runs the built executable (TRACKSCOPE_CLI) on the fixtures in
 * tests/data/import/ and on files made here, and checks what a user and a
 * CI job rely on: exit codes, the fixed JSON shape, well-formed JUnit
 * with one test case per rule, a structurally valid SARIF log, and the
 * reasons printed for bad input.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-check-cli"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tsc-rules.h"
#include "tsc-session-store.h"
#include "tsc-test-util.h"
#include "tsc-wire.h"

/* ------------------------------------------------------------------ */
/* Running the CLI                                                      */

/* Runs `trackscope-cli check` with the arguments listed. */
#define run_check(run, ...) tsc_test_run_cli ((run), "check", __VA_ARGS__)

static void
assert_one_line (const char *text)
{
  g_autofree char *copy = g_strdup (text);

  g_strchomp (copy);
  g_assert_cmpstr (copy, !=, "");
  g_assert_null (strchr (copy, '\n'));
}

/* ------------------------------------------------------------------ */
/* Session files                                                        */

/* A session file with the logout-without-reset flow, stored the way the
 * collector stores it. */
static char *
make_session (TscTestTmpDir *t)
{
  char *path = g_build_filename (t->dir, "flow.trackscope", NULL);
  const char *bodies[] = {
    "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"messageId\":\"m1\","
    "\"timestamp\":\"2024-05-01T10:00:00.000Z\",\"traits\":{\"plan\":\"pro\"}},"
    "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"messageId\":\"m2\","
    "\"timestamp\":\"2024-05-01T10:01:00.000Z\",\"properties\":{}}]}",
    "{\"type\":\"page\",\"name\":\"Pricing\",\"anonymousId\":\"a1\",\"messageId\":\"m3\","
    "\"timestamp\":\"2024-05-01T10:02:00.000Z\",\"properties\":{}}",
  };
  const char *paths[] = { "/v1/batch", "/v1/page" };
  const char *times[] = { "2024-05-01T10:01:00.100Z", "2024-05-01T10:02:00.100Z" };
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    tsc_test_store_request (store, paths[i], NULL, bodies[i], tsc_wire_parse_time (times[i]));

  return path;
}

/* ------------------------------------------------------------------ */
/* Exit codes                                                           */

static void
test_exit_0_when_clean (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "clean.ndjson");
  g_auto(TscTestRun) run = { 0 };

  run_check (&run, path);
  g_assert_cmpint (run.status, ==, 0);
  tsc_test_assert_contains (run.out, "0 errors, 0 warnings, 0 info in 3 calls from 1 input");
  g_assert_cmpstr (run.err, ==, "");
}

static void
test_exit_1_when_an_error_is_flagged (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_auto(TscTestRun) run = { 0 };

  run_check (&run, path);
  g_assert_cmpint (run.status, ==, 1);
  tsc_test_assert_contains (run.out, "missing-reset-on-logout");
  tsc_test_assert_contains (run.out, "1 error, 0 warnings, 0 info in 3 calls from 1 input");
}

static void
test_fail_on_thresholds (void)
{
  /* single.json raises one warning (a signup tracked without a userId);
   * logout-no-reset.ndjson one error. */
  g_autofree char *warning = tsc_test_data_path ("import", "single.json");
  g_autofree char *error = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  const struct
  {
    const char *input;
    const char *fail_on;
    int         status;
  } cases[] = {
    { warning, NULL,      0 },
    { warning, "error",   0 },
    { warning, "warning", 1 },
    { warning, "info",    1 },
    { warning, "never",   0 },
    { error,   NULL,      1 },
    { error,   "warning", 1 },
    { error,   "never",   0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(TscTestRun) run = { 0 };

      if (cases[i].fail_on != NULL)
        run_check (&run, "--fail-on", cases[i].fail_on, cases[i].input);
      else
        run_check (&run, cases[i].input);
      g_assert_cmpint (run.status, ==, cases[i].status);
    }
}

static void
test_profile_changes_the_exit_code (void)
{
  /* track-before-identify is a warning under segment, an error under
   * mixpanel-original. */
  g_autofree char *path = tsc_test_data_path ("import", "single.json");
  g_auto(TscTestRun) segment = { 0 };
  g_auto(TscTestRun) mixpanel = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  run_check (&segment, "--format", "json", path);
  g_assert_cmpint (segment.status, ==, 0);

  run_check (&mixpanel, "--format=json", "--profile", "mixpanel-original", path);
  g_assert_cmpint (mixpanel.status, ==, 1);
  root = tsc_test_parse_json (mixpanel.out);
  object = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (object, "profile"), ==, "mixpanel-original");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "counts"),
                                               "error"), ==, 1);
}

static void
test_config_turns_a_rule_off (TscTestTmpDir *t,
                              gconstpointer  data)
{
  g_autofree char *path = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_autofree char *config = tsc_test_write_file (t->dir, "rules.conf",
                                                 "[rules]\nmissing-reset-on-logout=off\n", -1);
  g_auto(TscTestRun) run = { 0 };

  run_check (&run, "--config", config, path);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.out, "missing-reset-on-logout"));
}

static void
test_exit_2_for_bad_usage (TscTestTmpDir *t,
                           gconstpointer  data)
{
  g_autofree char *path = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_autofree char *bad_config = tsc_test_write_file (t->dir, "bad.conf", "[rules]\nno-such-rule=error\n", -1);
  const struct
  {
    const char *args[5];
    const char *reason;
  } cases[] = {
    { { "check", NULL },                                 "no input" },
    { { "check", "--format", "xml", path, NULL },        "xml" },
    { { "check", "--fail-on", "sometimes", path, NULL }, "sometimes" },
    { { "check", "--profile", "amplitude", path, NULL }, "amplitude" },
    { { "check", "--config", bad_config, path, NULL },   "no-such-rule" },
    { { "check", "--no-such-option", path, NULL },       "no-such-option" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(TscTestRun) run = { 0 };

      tsc_test_run_cliv (&run, cases[i].args);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      assert_one_line (run.err);
      tsc_test_assert_contains (run.err, cases[i].reason);
    }
}

static void
test_exit_2_for_unreadable_input (TscTestTmpDir *t,
                                  gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (t->dir, "missing.ndjson", NULL);
  g_autofree char *unknown = tsc_test_data_path ("import", "not-a-format.txt");
  g_autofree char *broken = tsc_test_data_path ("import", "broken.json");
  g_autofree char *broken_line = g_strdup_printf ("%s:5:", broken);
  g_autofree char *good = tsc_test_data_path ("import", "clean.ndjson");
  const struct
  {
    const char *input;
    const char *reason;
  } cases[] = {
    { missing, missing },
    { unknown, unknown },
    { broken,  broken_line },
    { t->dir,  t->dir },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(TscTestRun) run = { 0 };

      /* A good input first: the bad one still fails the whole check. */
      run_check (&run, good, cases[i].input);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      assert_one_line (run.err);
      tsc_test_assert_contains (run.err, cases[i].reason);
    }
}

/* ------------------------------------------------------------------ */
/* Bad lines, truncated files, empty HARs                               */

static void
test_bad_line_is_reported_and_the_rest_checked (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "bad-line.ndjson");
  g_autofree char *line2 = g_strdup_printf ("%s:2:", path);
  g_autofree char *line4 = g_strdup_printf ("%s:4:", path);
  g_auto(TscTestRun) run = { 0 };
  g_auto(TscTestRun) strict = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  run_check (&run, "--format", "json", path);
  /* Lines 1, 3 and 5 still make the logout-without-reset flow. */
  g_assert_cmpint (run.status, ==, 1);
  tsc_test_assert_contains (run.err, line2);
  tsc_test_assert_contains (run.err, line4);
  root = tsc_test_parse_json (run.out);
  object = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (object, "messages"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "counts"),
                                               "error"), >=, 1);

  run_check (&strict, "--strict", "--format", "json", path);
  g_assert_cmpint (strict.status, ==, 2);
  g_assert_cmpstr (strict.out, ==, "");
  assert_one_line (strict.err);
  tsc_test_assert_contains (strict.err, line2);
}

static void
test_truncated_line_exits_2 (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "truncated.ndjson");
  g_autofree char *where = g_strdup_printf ("%s:3:", path);
  g_auto(TscTestRun) run = { 0 };
  g_auto(TscTestRun) strict = { 0 };

  run_check (&run, path);
  g_assert_cmpint (run.status, ==, 2);
  assert_one_line (run.err);
  tsc_test_assert_contains (run.err, where);
  tsc_test_assert_contains (run.err, "cut short");
  /* The lines before it were checked and reported. */
  tsc_test_assert_contains (run.out, "in 2 calls from 1 input");

  run_check (&strict, "--strict", path);
  g_assert_cmpint (strict.status, ==, 2);
  g_assert_cmpstr (strict.out, ==, "");
  assert_one_line (strict.err);
  tsc_test_assert_contains (strict.err, where);
}

static void
test_har_without_analytics_calls (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "no-analytics.har");
  g_auto(TscTestRun) run = { 0 };
  g_auto(TscTestRun) json = { 0 };
  g_autoptr(JsonNode) root = NULL;

  run_check (&run, path);
  g_assert_cmpint (run.status, ==, 0);
  tsc_test_assert_contains (run.out, "0 calls found");
  tsc_test_assert_contains (run.err, path);
  tsc_test_assert_contains (run.err, "0 calls found");

  run_check (&json, "--format", "json", path);
  g_assert_cmpint (json.status, ==, 0);
  root = tsc_test_parse_json (json.out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "messages"), ==, 0);
}

/* ------------------------------------------------------------------ */
/* The same flow in every format                                        */

static char *
flag_signature (const char *json)
{
  g_autoptr(JsonNode) root = tsc_test_parse_json (json);
  g_autoptr(GString) text = g_string_new (NULL);
  JsonObject *object = json_node_get_object (root);
  JsonArray *flags = json_object_get_array_member (object, "flags");

  g_string_append_printf (text, "messages=%" G_GINT64_FORMAT,
                          json_object_get_int_member (object, "messages"));
  for (guint i = 0; i < json_array_get_length (flags); i++)
    {
      JsonObject *flag = json_array_get_object_element (flags, i);
      JsonArray *seqs = json_object_get_array_member (flag, "seqs");

      g_string_append_printf (text, " %s/%s[",
                              json_object_get_string_member (flag, "rule"),
                              json_object_get_string_member (flag, "severity"));
      for (guint j = 0; j < json_array_get_length (seqs); j++)
        g_string_append_printf (text, "%s%" G_GINT64_FORMAT, j ? "," : "",
                                json_array_get_int_element (seqs, j));
      g_string_append_c (text, ']');
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_same_flags_from_every_format (TscTestTmpDir *t,
                                   gconstpointer  data)
{
  g_autofree char *ndjson = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_autofree char *batches = tsc_test_data_path ("import", "batches.ndjson");
  g_autofree char *array = tsc_test_data_path ("import", "array.json");
  g_autofree char *batch = tsc_test_data_path ("import", "batch.json");
  g_autofree char *har = tsc_test_data_path ("import", "logout-no-reset.har");
  g_autofree char *session = make_session (t);
  const char *inputs[] = { batches, array, batch, har, session };
  g_auto(TscTestRun) reference = { 0 };
  g_autofree char *expected = NULL;

  run_check (&reference, "--format", "json", ndjson);
  g_assert_cmpint (reference.status, ==, 1);
  expected = flag_signature (reference.out);
  tsc_test_assert_contains (expected, "messages=3 ");
  tsc_test_assert_contains (expected, "missing-reset-on-logout/error[2,3]");

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_auto(TscTestRun) run = { 0 };
      g_autofree char *actual = NULL;

      run_check (&run, "--format", "json", inputs[i]);
      g_assert_cmpint (run.status, ==, 1);
      actual = flag_signature (run.out);
      g_assert_cmpstr (actual, ==, expected);
    }
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

static void
assert_members (JsonObject         *object,
                const char * const *names,
                gboolean            more_allowed)
{
  g_autoptr(GList) members = json_object_get_members (object);
  guint i = 0;

  for (GList *l = members; l != NULL; l = l->next, i++)
    {
      if (names[i] == NULL)
        {
          g_assert_true (more_allowed);
          return;
        }
      g_assert_cmpstr (l->data, ==, names[i]);
    }
  g_assert_null (names[i]);
}

static gboolean
holds (JsonNode *node,
       GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static void
test_json_shape (void)
{
  g_autofree char *logout = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_autofree char *single = tsc_test_data_path ("import", "single.json");
  g_auto(TscTestRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  const char *top[] = { "version", "profile", "inputs", "messages", "counts", "flags", NULL };
  const char *counts_names[] = { "error", "warning", "info", NULL };
  const char *flag_names[] = { "rule", "severity", "summary", "userId", "anonymousId",
                               "messageIds", "seqs", NULL };
  JsonObject *object;
  JsonObject *counts;
  JsonArray *inputs;
  JsonArray *flags;
  gint64 n_flags[4] = { 0 };
  gboolean saw_null_user = FALSE;

  run_check (&run, "--format", "json", logout, single);
  g_assert_cmpint (run.status, ==, 1);

  root = tsc_test_parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  object = json_node_get_object (root);
  assert_members (object, top, FALSE);

  g_assert_true (holds (json_object_get_member (object, "version"), G_TYPE_INT64));
  g_assert_cmpint (json_object_get_int_member (object, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "profile"), ==, "segment");

  inputs = json_object_get_array_member (object, "inputs");
  g_assert_cmpuint (json_array_get_length (inputs), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (inputs, 0), ==, logout);
  g_assert_cmpstr (json_array_get_string_element (inputs, 1), ==, single);

  g_assert_true (holds (json_object_get_member (object, "messages"), G_TYPE_INT64));
  g_assert_cmpint (json_object_get_int_member (object, "messages"), ==, 4);

  counts = json_object_get_object_member (object, "counts");
  assert_members (counts, counts_names, FALSE);
  for (guint i = 0; counts_names[i] != NULL; i++)
    g_assert_true (holds (json_object_get_member (counts, counts_names[i]), G_TYPE_INT64));

  flags = json_object_get_array_member (object, "flags");
  g_assert_cmpuint (json_array_get_length (flags), >=, 2);
  for (guint i = 0; i < json_array_get_length (flags); i++)
    {
      JsonObject *flag = json_array_get_object_element (flags, i);
      JsonArray *ids = json_object_get_array_member (flag, "messageIds");
      JsonArray *seqs = json_object_get_array_member (flag, "seqs");
      TscRule rule;
      TscSeverity severity;

      /* Extra members ("explanation") may follow the fixed ones. */
      assert_members (flag, flag_names, TRUE);
      g_assert_true (tsc_rule_from_id (json_object_get_string_member (flag, "rule"), &rule));
      g_assert_true (tsc_severity_from_string (json_object_get_string_member (flag, "severity"),
                                               &severity));
      g_assert_cmpint (severity, !=, TSC_SEVERITY_OFF);
      n_flags[severity]++;
      g_assert_true (holds (json_object_get_member (flag, "summary"), G_TYPE_STRING));

      for (guint k = 0; k < 2; k++)
        {
          JsonNode *id = json_object_get_member (flag, k ? "anonymousId" : "userId");

          g_assert_true (JSON_NODE_HOLDS_NULL (id) || holds (id, G_TYPE_STRING));
          if (k == 0 && JSON_NODE_HOLDS_NULL (id))
            saw_null_user = TRUE;
        }

      g_assert_cmpuint (json_array_get_length (seqs), >=, 1);
      g_assert_cmpuint (json_array_get_length (ids), ==, json_array_get_length (seqs));
      for (guint j = 0; j < json_array_get_length (seqs); j++)
        {
          g_assert_true (holds (json_array_get_element (seqs, j), G_TYPE_INT64));
          g_assert_cmpint (json_array_get_int_element (seqs, j), >=, 1);
          g_assert_cmpint (json_array_get_int_element (seqs, j), <=, 4);
          g_assert_true (holds (json_array_get_element (ids, j), G_TYPE_STRING));
        }
    }

  /* The counts are those of the flags listed. */
  g_assert_cmpint (json_object_get_int_member (counts, "error"), ==, n_flags[TSC_SEVERITY_ERROR]);
  g_assert_cmpint (json_object_get_int_member (counts, "warning"), ==, n_flags[TSC_SEVERITY_WARNING]);
  g_assert_cmpint (json_object_get_int_member (counts, "info"), ==, n_flags[TSC_SEVERITY_INFO]);

  /* The signup in single.json has no userId: JSON null, not "" or absent. */
  g_assert_true (saw_null_user);
}

/* ------------------------------------------------------------------ */
/* Text                                                                 */

static void
test_text_groups_by_stream (void)
{
  g_autofree char *logout = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_autofree char *single = tsc_test_data_path ("import", "single.json");
  g_autofree char *where = g_strdup_printf ("%s:3", logout);
  g_auto(TscTestRun) run = { 0 };
  const char *a1;
  const char *a7;

  run_check (&run, logout, single);
  g_assert_cmpint (run.status, ==, 1);

  a1 = strstr (run.out, "anonymousId a1");
  a7 = strstr (run.out, "anonymousId a7");
  g_assert_nonnull (a1);
  g_assert_nonnull (a7);
  g_assert_true (a1 < a7);
  tsc_test_assert_contains (run.out, "error    missing-reset-on-logout");
  tsc_test_assert_contains (run.out, "warning  track-before-identify");
  /* The messages involved, with where they are. */
  tsc_test_assert_contains (run.out, "#2 track “Signed Out”");
  tsc_test_assert_contains (run.out, "#3 page “Pricing”");
  tsc_test_assert_contains (run.out, where);
  tsc_test_assert_contains (run.out, "1 error, 1 warning, 0 info in 4 calls from 2 inputs\n");
  /* NO_COLOR is set in the test environment, and stdout is a pipe. */
  g_assert_null (strchr (run.out, '\033'));
}

static void
test_text_prints_no_control_characters (TscTestTmpDir *t,
                                        gconstpointer  data)
{
  /* An escape sequence in an event name must not reach the terminal. */
  g_autofree char *path = tsc_test_write_file (t->dir, "escape.ndjson",
    "{\"type\":\"identify\",\"userId\":\"u1\\u001b[31m\",\"anonymousId\":\"a1\",\"messageId\":\"e1\"}\n"
    "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"u1\\u001b[31m\",\"anonymousId\":\"a1\",\"messageId\":\"e2\"}\n"
    "{\"type\":\"page\",\"name\":\"Pricing\\u001b[2J\",\"anonymousId\":\"a1\",\"messageId\":\"e3\"}\n", -1);
  g_auto(TscTestRun) run = { 0 };

  run_check (&run, path);
  g_assert_cmpint (run.status, ==, 1);
  tsc_test_assert_contains (run.out, "missing-reset-on-logout");
  tsc_test_assert_contains (run.out, "#3 page “Pricing\xef\xbf\xbd[2J”");
  g_assert_null (strchr (run.out, '\033'));
}

/* ------------------------------------------------------------------ */
/* JUnit                                                                */

typedef struct
{
  GPtrArray *testcases;     /* char *: their names, in order */
  GPtrArray *classnames;
  GHashTable *failures;     /* name → GUINT count */
  GHashTable *skipped;      /* name set */
  char       *current;
  guint       suite_failures;
  char       *failure_text;  /* the text of the first failure */
  gboolean    in_failure;
} JUnit;

static const char *
find_attr (const char  *name,
           const char **names,
           const char **values)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], name))
        return values[i];
    }
  return NULL;
}

static void
junit_start (GMarkupParseContext  *context,
             const char           *element,
             const char          **names,
             const char          **values,
             gpointer              user_data,
             GError              **error)
{
  JUnit *j = user_data;

  if (g_str_equal (element, "testsuite"))
    {
      const char *failures = find_attr ("failures", names, values);

      g_assert_nonnull (failures);
      j->suite_failures = atoi (failures);
    }
  else if (g_str_equal (element, "testcase"))
    {
      const char *name = find_attr ("name", names, values);
      const char *classname = find_attr ("classname", names, values);

      g_assert_nonnull (name);
      g_assert_nonnull (classname);
      g_ptr_array_add (j->testcases, g_strdup (name));
      g_ptr_array_add (j->classnames, g_strdup (classname));
      g_free (j->current);
      j->current = g_strdup (name);
    }
  else if (g_str_equal (element, "failure"))
    {
      guint n;

      g_assert_nonnull (j->current);
      g_assert_nonnull (find_attr ("message", names, values));
      n = GPOINTER_TO_UINT (g_hash_table_lookup (j->failures, j->current));
      g_hash_table_insert (j->failures, g_strdup (j->current), GUINT_TO_POINTER (n + 1));
      j->in_failure = TRUE;
    }
  else if (g_str_equal (element, "skipped"))
    {
      g_assert_nonnull (j->current);
      g_hash_table_add (j->skipped, g_strdup (j->current));
    }
}

static void
junit_end (GMarkupParseContext  *context,
           const char           *element,
           gpointer              user_data,
           GError              **error)
{
  JUnit *j = user_data;

  if (g_str_equal (element, "failure"))
    j->in_failure = FALSE;
}

static void
junit_text (GMarkupParseContext  *context,
            const char           *text,
            gsize                 len,
            gpointer              user_data,
            GError              **error)
{
  JUnit *j = user_data;

  if (j->in_failure && j->failure_text == NULL)
    j->failure_text = g_strndup (text, len);
}

static void
junit_parse (JUnit      *j,
             const char *xml)
{
  static const GMarkupParser parser = { junit_start, junit_end, junit_text, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;

  j->testcases = g_ptr_array_new_with_free_func (g_free);
  j->classnames = g_ptr_array_new_with_free_func (g_free);
  j->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  j->skipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_true (g_str_has_prefix (xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
  /* GMarkup does not read the XML declaration. */
  xml = strchr (xml, '\n') + 1;

  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, j, NULL);
  g_markup_parse_context_parse (context, xml, -1, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
}

static void
junit_clear (JUnit *j)
{
  g_clear_pointer (&j->testcases, g_ptr_array_unref);
  g_clear_pointer (&j->classnames, g_ptr_array_unref);
  g_clear_pointer (&j->failures, g_hash_table_unref);
  g_clear_pointer (&j->skipped, g_hash_table_unref);
  g_clear_pointer (&j->current, g_free);
  g_clear_pointer (&j->failure_text, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (JUnit, junit_clear)

static void
test_junit_one_testcase_per_rule (TscTestTmpDir *t,
                                  gconstpointer  data)
{
  /* Ids that need escaping everywhere they are shown. */
  g_autofree char *path = tsc_test_write_file (t->dir, "escape.ndjson",
    "{\"type\":\"identify\",\"userId\":\"u<1>&\\\"'\",\"anonymousId\":\"a]]>1\",\"messageId\":\"e1\"}\n"
    "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"u<1>&\\\"'\",\"anonymousId\":\"a]]>1\",\"messageId\":\"e2\"}\n"
    "{\"type\":\"page\",\"name\":\"Pricing <&>\\u0001\",\"anonymousId\":\"a]]>1\",\"messageId\":\"e3\"}\n", -1);
  g_auto(TscTestRun) run = { 0 };
  g_auto(JUnit) j = { 0 };

  run_check (&run, "--format", "junit", path);
  g_assert_cmpint (run.status, ==, 1);
  junit_parse (&j, run.out);

  g_assert_cmpuint (j.testcases->len, ==, TSC_N_RULES);
  for (TscRule rule = 0; rule < TSC_N_RULES; rule++)
    {
      g_assert_cmpstr (g_ptr_array_index (j.testcases, rule), ==, tsc_rule_get_info (rule)->id);
      g_assert_cmpstr (g_ptr_array_index (j.classnames, rule), ==, "trackscope.segment");
    }

  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (j.failures, "missing-reset-on-logout")), ==, 1);
  g_assert_cmpuint (j.suite_failures, ==, g_hash_table_size (j.failures));
  g_assert_nonnull (j.failure_text);
  /* The explanation, then the messages by seq. */
  tsc_test_assert_contains (j.failure_text, "#2 track “Signed Out”");
  /* XML 1.0 cannot carry U+0001, not even as &#x1;. */
  tsc_test_assert_contains (j.failure_text, "#3 page “Pricing <&>\xef\xbf\xbd”");
  tsc_test_assert_contains (j.failure_text, "u<1>&\"'");
}

static void
test_junit_fail_on_and_rules_off (TscTestTmpDir *t,
                                  gconstpointer  data)
{
  g_autofree char *logout = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_autofree char *single = tsc_test_data_path ("import", "single.json");
  g_autofree char *config = tsc_test_write_file (t->dir, "rules.conf", "[rules]\nclock-skew=off\n", -1);
  g_auto(TscTestRun) never = { 0 };
  g_auto(TscTestRun) warning = { 0 };
  g_auto(JUnit) j_never = { 0 };
  g_auto(JUnit) j_warning = { 0 };

  /* Below --fail-on, flags do not fail their test case. */
  run_check (&never, "--format", "junit", "--fail-on", "never", "--config", config, logout, single);
  g_assert_cmpint (never.status, ==, 0);
  junit_parse (&j_never, never.out);
  g_assert_cmpuint (j_never.testcases->len, ==, TSC_N_RULES);
  g_assert_cmpuint (g_hash_table_size (j_never.failures), ==, 0);
  g_assert_cmpuint (j_never.suite_failures, ==, 0);
  g_assert_true (g_hash_table_contains (j_never.skipped, "clock-skew"));
  g_assert_cmpuint (g_hash_table_size (j_never.skipped), ==, 1);

  run_check (&warning, "--format", "junit", "--fail-on", "warning", logout, single);
  g_assert_cmpint (warning.status, ==, 1);
  junit_parse (&j_warning, warning.out);
  g_assert_true (g_hash_table_contains (j_warning.failures, "missing-reset-on-logout"));
  g_assert_true (g_hash_table_contains (j_warning.failures, "track-before-identify"));
  g_assert_cmpuint (j_warning.suite_failures, ==, 2);
}

/* ------------------------------------------------------------------ */
/* SARIF                                                                */

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    g_error ("“%s” is not an object", name);
  return json_node_get_object (node);
}

static JsonArray *
array_member (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    g_error ("“%s” is not an array", name);
  return json_node_get_array (node);
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !holds (node, G_TYPE_STRING))
    g_error ("“%s” is not a string", name);
  return json_node_get_string (node);
}

static gint64
int_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !holds (node, G_TYPE_INT64))
    g_error ("“%s” is not an integer", name);
  return json_node_get_int (node);
}

/* Checks one location: what the SARIF 2.1.0 schema requires, and returns
 * the startLine (0 when it has no region). */
static gint64
check_location (JsonObject *location,
                const char *uri,
                gint64      seq)
{
  g_autofree char *name = g_strdup_printf ("seq %" G_GINT64_FORMAT, seq);
  JsonObject *physical = object_member (location, "physicalLocation");
  JsonObject *artifact = object_member (physical, "artifactLocation");
  JsonArray *logical = array_member (location, "logicalLocations");
  JsonObject *first;

  g_assert_cmpstr (string_member (artifact, "uri"), ==, uri);
  g_assert_cmpint (int_member (artifact, "index"), >=, 0);

  g_assert_cmpuint (json_array_get_length (logical), ==, 1);
  first = json_array_get_object_element (logical, 0);
  g_assert_cmpstr (string_member (first, "name"), ==, name);
  string_member (first, "fullyQualifiedName");

  if (!json_object_has_member (physical, "region"))
    return 0;

  g_assert_cmpint (int_member (object_member (physical, "region"), "startLine"), >=, 1);
  return int_member (object_member (physical, "region"), "startLine");
}

static void
check_sarif (const char  *text,
             const char  *input,
             JsonArray  **results_out,
             JsonNode   **root_out)
{
  g_autoptr(JsonNode) root = tsc_test_parse_json (text);
  g_autofree char *uri = g_filename_to_uri (input, NULL, NULL);
  JsonObject *log = json_node_get_object (root);
  JsonArray *runs;
  JsonObject *run;
  JsonObject *driver;
  JsonArray *rules;
  JsonArray *results;
  JsonArray *artifacts;

  g_assert_cmpstr (string_member (log, "$schema"), ==, "https://json.schemastore.org/sarif-2.1.0.json");
  g_assert_cmpstr (string_member (log, "version"), ==, "2.1.0");

  runs = array_member (log, "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 1);
  run = json_array_get_object_element (runs, 0);

  driver = object_member (object_member (run, "tool"), "driver");
  g_assert_cmpstr (string_member (driver, "name"), ==, "Trackscope");
  g_assert_cmpstr (string_member (driver, "version"), ==, PACKAGE_VERSION);
  g_assert_true (g_str_has_prefix (string_member (driver, "informationUri"), "https://"));

  rules = array_member (driver, "rules");
  g_assert_cmpuint (json_array_get_length (rules), ==, TSC_N_RULES);
  for (TscRule rule = 0; rule < TSC_N_RULES; rule++)
    {
      JsonObject *r = json_array_get_object_element (rules, rule);
      const TscRuleInfo *info = tsc_rule_get_info (rule);
      const char *level;

      g_assert_cmpstr (string_member (r, "id"), ==, info->id);
      g_assert_cmpstr (string_member (object_member (r, "shortDescription"), "text"), ==, info->title);
      g_assert_cmpstr (string_member (object_member (r, "fullDescription"), "text"), ==, info->help);
      g_assert_cmpstr (string_member (object_member (r, "help"), "text"), ==, info->help);
      level = string_member (object_member (r, "defaultConfiguration"), "level");
      g_assert_true (g_strv_contains ((const char *[]) { "none", "note", "warning", "error", NULL }, level));
    }

  artifacts = array_member (run, "artifacts");
  g_assert_cmpuint (json_array_get_length (artifacts), ==, 1);
  g_assert_cmpstr (string_member (object_member (json_array_get_object_element (artifacts, 0),
                                                 "location"), "uri"), ==, uri);

  results = array_member (run, "results");
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);
      gint64 index = int_member (result, "ruleIndex");
      JsonArray *locations = array_member (result, "locations");
      JsonObject *properties = object_member (result, "properties");
      JsonArray *seqs = array_member (properties, "seqs");
      gint64 last_seq;

      g_assert_cmpint (index, >=, 0);
      g_assert_cmpint (index, <, TSC_N_RULES);
      g_assert_cmpstr (string_member (result, "ruleId"), ==,
                       string_member (json_array_get_object_element (rules, index), "id"));
      g_assert_true (g_strv_contains ((const char *[]) { "note", "warning", "error", NULL },
                                      string_member (result, "level")));
      g_assert_cmpstr (string_member (object_member (result, "message"), "text"), !=, "");

      /* The primary location is the message that completes the mistake
       * (the last seq); the others are related locations. */
      g_assert_cmpuint (json_array_get_length (locations), ==, 1);
      g_assert_cmpuint (json_array_get_length (seqs), >=, 1);
      last_seq = json_array_get_int_element (seqs, json_array_get_length (seqs) - 1);
      check_location (json_array_get_object_element (locations, 0), uri, last_seq);

      if (json_array_get_length (seqs) > 1)
        {
          JsonArray *related = array_member (result, "relatedLocations");

          g_assert_cmpuint (json_array_get_length (related), ==, json_array_get_length (seqs) - 1);
          for (guint k = 0; k < json_array_get_length (related); k++)
            {
              JsonObject *location = json_array_get_object_element (related, k);

              g_assert_cmpint (int_member (location, "id"), >=, 0);
              string_member (object_member (location, "message"), "text");
              check_location (location, uri, json_array_get_int_element (seqs, k));
            }
        }
    }

  *results_out = json_array_ref (results);
  *root_out = g_steal_pointer (&root);
}

static void
test_sarif_structure_with_lines (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "logout-no-reset.ndjson");
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_auto(TscTestRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonArray) results = NULL;
  JsonObject *result;
  JsonObject *primary;
  JsonObject *related;

  run_check (&run, "--format", "sarif", path);
  g_assert_cmpint (run.status, ==, 1);
  check_sarif (run.out, path, &results, &root);

  g_assert_cmpuint (json_array_get_length (results), ==, 1);
  result = json_array_get_object_element (results, 0);
  g_assert_cmpstr (string_member (result, "ruleId"), ==, "missing-reset-on-logout");
  g_assert_cmpint (int_member (result, "ruleIndex"), ==, TSC_RULE_MISSING_RESET_ON_LOGOUT);
  g_assert_cmpstr (string_member (result, "level"), ==, "error");

  /* NDJSON: the page on line 3, the Signed Out on line 2. */
  primary = json_array_get_object_element (array_member (result, "locations"), 0);
  g_assert_cmpint (check_location (primary, uri, 3), ==, 3);
  related = json_array_get_object_element (array_member (result, "relatedLocations"), 0);
  g_assert_cmpint (check_location (related, uri, 2), ==, 2);
}

static void
test_sarif_structure_without_lines (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "logout-no-reset.har");
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_auto(TscTestRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonArray) results = NULL;
  JsonObject *primary;

  run_check (&run, "--format", "sarif", path);
  g_assert_cmpint (run.status, ==, 1);
  check_sarif (run.out, path, &results, &root);

  /* A HAR entry has no line: the seq is the logical location. */
  g_assert_cmpuint (json_array_get_length (results), ==, 1);
  primary = json_array_get_object_element (array_member (json_array_get_object_element (results, 0),
                                                         "locations"), 0);
  g_assert_cmpint (check_location (primary, uri, 3), ==, 0);
}

static void
test_sarif_clean_run_has_no_results (void)
{
  g_autofree char *path = tsc_test_data_path ("import", "clean.ndjson");
  g_auto(TscTestRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonArray) results = NULL;

  run_check (&run, "--format", "sarif", path);
  g_assert_cmpint (run.status, ==, 0);
  check_sarif (run.out, path, &results, &root);
  g_assert_cmpuint (json_array_get_length (results), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD_TMP(path, func) TSC_TEST_ADD_TMP_DIR (path, NULL, func)

  g_test_add_func ("/check/exit/0-when-nothing-is-flagged", test_exit_0_when_clean);
  g_test_add_func ("/check/exit/1-when-an-error-is-flagged", test_exit_1_when_an_error_is_flagged);
  g_test_add_func ("/check/exit/fail-on-sets-the-threshold", test_fail_on_thresholds);
  g_test_add_func ("/check/exit/profile-raises-a-warning-to-an-error", test_profile_changes_the_exit_code);
  ADD_TMP ("/check/exit/config-turns-a-rule-off", test_config_turns_a_rule_off);
  ADD_TMP ("/check/exit/2-for-bad-usage-with-a-reason", test_exit_2_for_bad_usage);
  ADD_TMP ("/check/exit/2-for-unreadable-input-naming-the-file", test_exit_2_for_unreadable_input);
  g_test_add_func ("/check/input/bad-ndjson-line-is-reported-and-the-rest-checked",
                   test_bad_line_is_reported_and_the_rest_checked);
  g_test_add_func ("/check/input/truncated-ndjson-line-exits-2", test_truncated_line_exits_2);
  g_test_add_func ("/check/input/har-without-analytics-calls-finds-0-calls", test_har_without_analytics_calls);
  ADD_TMP ("/check/input/same-flags-from-ndjson-json-har-and-session", test_same_flags_from_every_format);
  g_test_add_func ("/check/json/has-the-fixed-shape", test_json_shape);
  g_test_add_func ("/check/text/groups-flags-by-stream-with-a-total", test_text_groups_by_stream);
  ADD_TMP ("/check/text/prints-no-control-characters-from-calls", test_text_prints_no_control_characters);
  ADD_TMP ("/check/junit/one-testcase-per-rule-escaped", test_junit_one_testcase_per_rule);
  ADD_TMP ("/check/junit/fail-on-and-rules-turned-off", test_junit_fail_on_and_rules_off);
  g_test_add_func ("/check/sarif/results-point-at-ndjson-lines", test_sarif_structure_with_lines);
  g_test_add_func ("/check/sarif/har-results-name-the-seq", test_sarif_structure_without_lines);
  g_test_add_func ("/check/sarif/clean-run-has-no-results", test_sarif_clean_run_has_no_results);

  return g_test_run ();
}
