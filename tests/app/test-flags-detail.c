/* test-flags-detail.c: the JSON formatter, the flags view and the
 * detail pane, fed a real session file
 *
 * The formatter tests are plain functions and run anywhere; the widget
 * tests need a display (Xvfb under `make check`). With
 * TSC_SCREENSHOT_DIR set, the widget tests also write PNGs of the views
 * in light and dark mode there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-flags-detail"

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "tsc-detail-pane.h"
#include "tsc-flags-view.h"
#include "tsc-json-view.h"
#include "tsc-session-store.h"
#include "tsc-session.h"
#include "tsc-test-util.h"
#include "tsc-wire.h"

/* A macro, so that a failure names the line. */
#define assert_contains(haystack, needle) \
  G_STMT_START { \
    const char *h_ = (haystack); \
    const char *n_ = (needle); \
    if (h_ == NULL || strstr (h_, n_) == NULL) \
      g_error ("%s:%d: “%s” does not contain “%s”", \
               __FILE__, __LINE__, h_ ? h_ : "(null)", n_); \
  } G_STMT_END

/* ---------------------------------------------------------------------- */
/* The formatter                                                           */

static TscJsonFormat *
format_string (const char *json)
{
  return tsc_json_format_pretty (json, strlen (json));
}

/* The token of the range that covers exactly the first occurrence of
 * @needle in the formatted text, or -1. */
static int
token_of (const TscJsonFormat *format,
          const char          *needle,
          TscJsonToken         skip)
{
  const char *found = strstr (format->text, needle);
  guint start, end;

  g_assert_nonnull (found);
  start = g_utf8_pointer_to_offset (format->text, found);
  end = start + g_utf8_strlen (needle, -1);

  for (guint i = 0; i < format->ranges->len; i++)
    {
      const TscJsonTagRange *r = &g_array_index (format->ranges, TscJsonTagRange, i);

      if (r->start == start && r->end == end && (int) r->token != (int) skip)
        return r->token;
    }
  return -1;
}

static guint
count_tokens (const TscJsonFormat *format,
              TscJsonToken         token)
{
  guint n = 0;

  for (guint i = 0; i < format->ranges->len; i++)
    n += g_array_index (format->ranges, TscJsonTagRange, i).token == token;
  return n;
}

static void
test_json_indents_nested_values (void)
{
  g_autoptr(TscJsonFormat) format =
    format_string ("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"},\"f\":[],\"g\":{}}");

  g_assert_true (format->valid);
  g_assert_null (format->error);
  g_assert_cmpstr (format->text, ==,
                   "{\n"
                   "  \"a\": 1,\n"
                   "  \"b\": [\n"
                   "    true,\n"
                   "    false,\n"
                   "    null\n"
                   "  ],\n"
                   "  \"c\": {\n"
                   "    \"d\": \"e\"\n"
                   "  },\n"
                   "  \"f\": [],\n"
                   "  \"g\": {}\n"
                   "}");
  g_assert_cmpuint (format->len, ==, strlen (format->text));
  g_assert_cmpuint (format->n_chars, ==, strlen (format->text));
  g_assert_cmpuint (format->n_lines, ==, 13);

  g_assert_cmpint (token_of (format, "\"a\"", -1), ==, TSC_JSON_TOKEN_KEY);
  g_assert_cmpint (token_of (format, "1", -1), ==, TSC_JSON_TOKEN_NUMBER);
  g_assert_cmpint (token_of (format, "true", -1), ==, TSC_JSON_TOKEN_BOOLEAN);
  g_assert_cmpint (token_of (format, "false", -1), ==, TSC_JSON_TOKEN_BOOLEAN);
  g_assert_cmpint (token_of (format, "null", -1), ==, TSC_JSON_TOKEN_NULL);
  g_assert_cmpint (token_of (format, "\"d\"", -1), ==, TSC_JSON_TOKEN_KEY);
  g_assert_cmpint (token_of (format, "\"e\"", -1), ==, TSC_JSON_TOKEN_STRING);
  g_assert_cmpuint (count_tokens (format, TSC_JSON_TOKEN_KEY), ==, 6);
}

static void
test_json_normalises_whitespace (void)
{
  g_autoptr(TscJsonFormat) format = format_string (" \r\n{ \"a\" :\t1 ,\r\n \"b\" : [ ] } \n");
  g_autoptr(TscJsonFormat) scalar = format_string ("  42 ");
  g_autoptr(TscJsonFormat) text = format_string ("\"just a string\"");

  g_assert_true (format->valid);
  g_assert_cmpstr (format->text, ==, "{\n  \"a\": 1,\n  \"b\": []\n}");
  g_assert_true (scalar->valid);
  g_assert_cmpstr (scalar->text, ==, "42");
  g_assert_true (text->valid);
  g_assert_cmpint (token_of (text, "\"just a string\"", -1), ==, TSC_JSON_TOKEN_STRING);
}

static void
test_json_keeps_escapes_verbatim (void)
{
  g_autoptr(TscJsonFormat) format =
    format_string ("{\"s\":\"line\\nbreak \\\"q\\\" \\u00e9 \\\\ \\/\",\"k\\tey\":0}");

  g_assert_true (format->valid);
  /* Escapes are shown as sent, not decoded: a tab stays \t. */
  g_assert_cmpstr (format->text, ==,
                   "{\n"
                   "  \"s\": \"line\\nbreak \\\"q\\\" \\u00e9 \\\\ \\/\",\n"
                   "  \"k\\tey\": 0\n"
                   "}");
  g_assert_cmpint (token_of (format, "\"line\\nbreak \\\"q\\\" \\u00e9 \\\\ \\/\"",
                             TSC_JSON_TOKEN_ESCAPE), ==, TSC_JSON_TOKEN_STRING);
  g_assert_cmpint (token_of (format, "\\u00e9", -1), ==, TSC_JSON_TOKEN_ESCAPE);
  g_assert_cmpint (token_of (format, "\\n", -1), ==, TSC_JSON_TOKEN_ESCAPE);
  g_assert_cmpint (token_of (format, "\"k\\tey\"", TSC_JSON_TOKEN_ESCAPE), ==, TSC_JSON_TOKEN_KEY);
  /* \n \" \" \u00e9 \\ \/ in the value, \t in the key */
  g_assert_cmpuint (count_tokens (format, TSC_JSON_TOKEN_ESCAPE), ==, 7);

  /* Ranges come by start, each escape inside its string. */
  for (guint i = 1; i < format->ranges->len; i++)
    g_assert_cmpuint (g_array_index (format->ranges, TscJsonTagRange, i - 1).start, <=,
                      g_array_index (format->ranges, TscJsonTagRange, i).start);
}

static void
test_json_counts_unicode_in_characters (void)
{
  g_autoptr(TscJsonFormat) format =
    format_string ("{\"name\":\"Zoë 🚀\",\"ключ\":\"значение\",\"n\":1}");

  g_assert_true (format->valid);
  g_assert_cmpstr (format->text, ==,
                   "{\n  \"name\": \"Zoë 🚀\",\n"
                   "  \"ключ\": \"значение\",\n"
                   "  \"n\": 1\n}");
  g_assert_cmpuint (format->n_chars, ==, g_utf8_strlen (format->text, -1));
  g_assert_cmpuint (format->len, ==, strlen (format->text));
  g_assert_cmpuint (format->n_chars, <, format->len);

  /* Offsets are characters: after the multi-byte text they still land
   * on the right tokens. */
  g_assert_cmpint (token_of (format, "\"Zoë 🚀\"", -1), ==, TSC_JSON_TOKEN_STRING);
  g_assert_cmpint (token_of (format, "\"ключ\"", -1), ==, TSC_JSON_TOKEN_KEY);
  g_assert_cmpint (token_of (format, "\"значение\"", -1), ==, TSC_JSON_TOKEN_STRING);
  g_assert_cmpint (token_of (format, "1", -1), ==, TSC_JSON_TOKEN_NUMBER);
}

static void
test_json_keeps_numbers_as_written (void)
{
  g_autoptr(TscJsonFormat) format =
    format_string ("[0,-1,3.25,-0.5e+10,1E3,2e-7,12345678901234567890123,0.10]");

  g_assert_true (format->valid);
  g_assert_cmpstr (format->text, ==,
                   "[\n  0,\n  -1,\n  3.25,\n  -0.5e+10,\n  1E3,\n  2e-7,\n"
                   "  12345678901234567890123,\n  0.10\n]");
  g_assert_cmpuint (count_tokens (format, TSC_JSON_TOKEN_NUMBER), ==, 8);
  g_assert_cmpint (token_of (format, "12345678901234567890123", -1), ==, TSC_JSON_TOKEN_NUMBER);
  g_assert_cmpint (token_of (format, "-0.5e+10", -1), ==, TSC_JSON_TOKEN_NUMBER);
}

static void
test_json_survives_deep_nesting (void)
{
  const guint depth = 100000;
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(TscJsonFormat) format = NULL;

  for (guint i = 0; i < depth; i++)
    g_string_append_c (json, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (json, ']');

  format = tsc_json_format_pretty (json->str, json->len);
  g_assert_true (format->valid);
  /* The innermost array is empty and stays on its line; indentation
   * stops growing so the text stays proportional to the input. */
  g_assert_cmpuint (format->n_lines, ==, 2 * (depth - 1) + 1);
  g_assert_cmpuint (format->len, <, 2 * (gsize) depth * (2 * 32 + 3));
}

typedef struct
{
  const char *json;
  const char *where;   /* the start of the error message */
  const char *what;    /* a part of it */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "", "line 1, column 1", "empty" },
  { "   \n ", "line 2, column 2", "empty" },
  { "{\"a\":1,}", "line 1, column 8", "trailing comma" },
  { "[1,2,]", "line 1, column 6", "trailing comma" },
  { "{\"a\" 1}", "line 1, column 6", "“:”" },
  { "{a:1}", "line 1, column 2", "double quotes" },
  { "[1 2]", "line 1, column 4", "“,” or “]”" },
  { "{\"a\":1 \"b\":2}", "line 1, column 8", "“,” or “}”" },
  { "{\"a\":\"open", "line 1, column 6", "not closed" },
  { "{\"a\":01}", "line 1, column 6", "number" },
  { "{\"a\":-}", "line 1, column 6", "number" },
  { "{\"a\":1.}", "line 1, column 6", "decimal point" },
  { "{\"a\":NaN}", "line 1, column 6", "expected a value" },
  { "{\"a\":tru}", "line 1, column 6", "expected a value" },
  { "{\"a\":\"\\x\"}", "line 1, column 7", "escape" },
  { "{\"a\":\"\\u12G4\"}", "line 1, column 7", "hexadecimal" },
  { "{\"a\":\"tab\there\"}", "line 1, column 10", "control character" },
  { "{\"a\":1} {\"b\":2}", "line 1, column 9", "after the end" },
  { "{\n  \"a\": 1,\n  \"b\": ]\n}", "line 3, column 8", "expected a value" },
  { "{\"a\":[1,2", "line 1, column 10", "ends before" },
  { "{\"é\": x}", "line 1, column 7", "expected a value" },
};

static void
test_json_reports_invalid_input (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      const InvalidCase *c = &invalid_cases[i];
      g_autoptr(TscJsonFormat) format = format_string (c->json);

      g_test_message ("case %u: %s", i, c->json);
      g_assert_false (format->valid);
      g_assert_nonnull (format->error);
      g_assert_true (g_str_has_prefix (format->error, c->where));
      assert_contains (format->error, c->what);
      /* The input comes back as it was, uncoloured. */
      g_assert_cmpstr (format->text, ==, c->json);
      g_assert_cmpuint (format->ranges->len, ==, 0);
      g_assert_cmpuint (format->n_chars, ==, g_utf8_strlen (c->json, -1));
    }
}

static void
test_json_replaces_bytes_that_are_not_utf8 (void)
{
  static const char bad[] = "{\"a\":\"\xff\xfe\",\"b\":\"\0\"}";
  g_autoptr(TscJsonFormat) format = tsc_json_format_pretty (bad, sizeof bad - 1);
  g_autoptr(TscJsonFormat) nul = tsc_json_format_pretty (bad + 13, sizeof bad - 1 - 13);

  g_assert_false (format->valid);
  assert_contains (format->error, "line 1, column 7");
  assert_contains (format->error, "UTF-8");
  g_assert_true (g_utf8_validate (format->text, -1, NULL));
  g_assert_cmpuint (format->len, ==, strlen (format->text));
  assert_contains (format->text, "\"b\":");

  g_assert_false (nul->valid);
  assert_contains (nul->error, "NUL");
  g_assert_true (g_utf8_validate (nul->text, -1, NULL));
}

/* ---------------------------------------------------------------------- */
/* A session file                                                          */

#define T0 G_GINT64_CONSTANT (1714557600000000) /* 2024-05-01T10:00:00Z */

static const char firefox[] =
  "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0";
static const char safari[] =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile/15E148 Safari/604.1";

/* Stores one request with the messages of @body, the way the collector
 * would have received it; returns the messages with their seqs. */
static GPtrArray *
store_request (TscSessionStore *store,
               const char      *user_agent,
               const char      *origin,
               const char      *body,
               gint64           received_at)
{
  g_autoptr(TscRequestRecord) record = tsc_request_record_new ();
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GError) error = NULL;
  TscTransport *t = record->transport;
  GPtrArray *messages;

  t->method = g_strdup ("POST");
  t->path = g_strdup ("/v1/batch");
  t->route = g_strdup ("/v1/batch");
  t->remote_addr = g_strdup ("127.0.0.1");
  t->user_agent = g_strdup (user_agent);
  t->origin = g_strdup (origin);
  t->write_key = g_strdup ("wk_test_1234");
  t->auth_method = TSC_AUTH_BASIC;
  t->content_type = g_strdup ("application/json");
  record->received_at = received_at;
  record->status = 200;
  record->body_size = strlen (body);
  record->headers_json = g_strdup_printf ("{\"Host\":\"127.0.0.1:8765\","
                                          "\"Content-Type\":\"application/json\","
                                          "\"Authorization\":\"Basic d2tfdGVzdF8xMjM0Og==\","
                                          "\"User-Agent\":\"%s\",\"Origin\":\"%s\"}",
                                          user_agent, origin);

  messages = tsc_wire_decode_document (bytes, t, received_at, &error);
  g_assert_no_error (error);
  g_assert_nonnull (messages);
  record->message_count = messages->len;

  g_assert_true (tsc_session_store_begin (store, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_append (store, record, messages, &error));
  g_assert_no_error (error);
  g_assert_true (tsc_session_store_commit (store, &error));
  g_assert_no_error (error);

  return messages;
}

/* The system data folders as they were before g_test_init() isolated
 * them: the icon theme and the MIME database (which GdkPixbuf needs to
 * load symbolic icons) live there. They are read-only; the user's own
 * folders stay isolated. */
static char *system_data_dirs;

typedef struct
{
  char            *dir;
  char            *path;
  TscSessionStore *store;
  TscSession      *session;
  GtkWidget       *window;
} Fixture;

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tsc_session_load_finish (TSC_SESSION (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* Laptop (Firefox): page, a signup tracked before identify, identify
 * user-1, logout, then a page view still on the same anonymousId
 * (missing-reset-on-logout). Phone (Safari): two identifies with junk
 * user ids (suspicious-user-id twice). */
static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(TscRuleConfig) config = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  gboolean loaded = FALSE;

  g_setenv ("XDG_DATA_DIRS", system_data_dirs, TRUE);

  f->dir = tsc_test_make_tmp_dir ("trackscope-flags-XXXXXX", "s.trackscope", &f->path);
  f->store = tsc_session_store_open (f->path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);

  first = store_request (f->store, firefox, "http://localhost:3000",
    "{\"batch\":["
    "{\"type\":\"page\",\"anonymousId\":\"anon-1\",\"messageId\":\"m1\","
      "\"timestamp\":\"2024-05-01T10:00:00.000Z\","
      "\"properties\":{\"path\":\"/\",\"title\":\"Home\"}},"
    "{\"type\":\"track\",\"event\":\"Signed Up\",\"anonymousId\":\"anon-1\",\"messageId\":\"m2\","
      "\"timestamp\":\"2024-05-01T10:00:01.000Z\",\"properties\":{\"plan\":\"pro\",\"seats\":3}},"
    "{\"type\":\"identify\",\"userId\":\"user-1\",\"anonymousId\":\"anon-1\",\"messageId\":\"m3\","
      "\"timestamp\":\"2024-05-01T10:00:02.000Z\","
      "\"traits\":{\"name\":\"Zoë\",\"email\":\"zoe@example.com\"}},"
    "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"user-1\","
      "\"anonymousId\":\"anon-1\",\"messageId\":\"m4\","
      "\"timestamp\":\"2024-05-01T10:00:03.000Z\"},"
    "{\"type\":\"track\",\"event\":\"Page Viewed\",\"userId\":\"user-1\","
      "\"anonymousId\":\"anon-1\",\"messageId\":\"m5\",\"timestamp\":\"2024-05-01T10:00:04.000Z\","
      "\"properties\":{\"path\":\"/pricing\",\"referrer\":null,"
      "\"tags\":[\"a\",\"b\"],\"note\":\"tab\\there \\u00e9\"},"
      "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"next-1.70.0\"}}}"
    "],\"sentAt\":\"2024-05-01T10:00:04.500Z\"}",
    T0 + 4500000);
  second = store_request (f->store, safari, "https://shop.example.com",
    "{\"batch\":["
    "{\"type\":\"identify\",\"userId\":\"null\",\"anonymousId\":\"anon-2\",\"messageId\":\"m6\","
      "\"timestamp\":\"2024-05-01T10:00:05.000Z\"},"
    "{\"type\":\"identify\",\"userId\":\"guest\",\"anonymousId\":\"anon-3\",\"messageId\":\"m7\","
      "\"timestamp\":\"2024-05-01T10:00:06.000Z\"}"
    "],\"sentAt\":\"2024-05-01T10:00:06.100Z\"}",
    T0 + 6100000);

  /* The phone's request was forwarded, and upstream refused it. */
  {
    TscUpstreamOutcome outcome = { TSC_UPSTREAM_DONE, 503, 4, (char *) "storage_failed", T0 + 9000000 };
    TscMessage *phone = g_ptr_array_index (second, 0);

    g_assert_true (tsc_session_store_set_upstream (f->store, phone->transport->request_id,
                                                   &outcome, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (((TscMessage *) g_ptr_array_index (second, 1))->seq, ==, 7);

  config = tsc_rule_config_new ("segment", &error);
  g_assert_no_error (error);
  f->session = tsc_session_new (config);
  file = g_file_new_for_path (f->path);
  tsc_session_load_async (f->session, file, NULL, load_done_cb, &loaded);
  g_assert_true (tsc_test_wait_for_flag (&loaded, 10000));
  g_assert_cmpuint (tsc_session_get_n_messages (f->session), ==, 7);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  g_clear_object (&f->session);
  g_clear_object (&f->store);
  tsc_test_remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* Appends messages to the file and hands them to the session as the
 * collector would, then flushes (one messages-added). */
static void
add_live (Fixture    *f,
          const char *body,
          gint64      received_at)
{
  g_autoptr(GPtrArray) messages = store_request (f->store, safari, "https://shop.example.com",
                                                 body, received_at);

  tsc_session_add_messages (f->session, messages);
  tsc_session_flush (f->session);
}

/* ---------------------------------------------------------------------- */
/* Screenshots                                                             */

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
enough_frames (gpointer data)
{
  /* Long enough for the stacks' crossfades to end. */
  return *(guint *) data >= 24;
}

static void
wait_for_frames (GtkWidget *widget)
{
  guint frames = 0;
  guint id = gtk_widget_add_tick_callback (widget, tick_cb, &frames, NULL);

  tsc_test_wait_until (enough_frames, &frames, 3000);
  gtk_widget_remove_tick_callback (widget, id);
}

static void
save_png (GtkWidget  *window,
          const char *name)
{
  const char *dir = g_getenv ("TSC_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (dir == NULL)
    return;

  wait_for_frames (window);
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));

  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
}

static void
save_light_and_dark (GtkWidget  *window,
                     const char *stem)
{
  AdwStyleManager *manager = adw_style_manager_get_default ();
  g_autofree char *light = g_strdup_printf ("%s-light.png", stem);
  g_autofree char *dark = g_strdup_printf ("%s-dark.png", stem);

  if (g_getenv ("TSC_SCREENSHOT_DIR") == NULL)
    return;

  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  save_png (window, light);
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  save_png (window, dark);
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
}

static GtkWidget *
present_in_window (Fixture   *f,
                   GtkWidget *child,
                   int        width,
                   int        height)
{
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), width, height);
  gtk_window_set_child (GTK_WINDOW (f->window), child);
  gtk_window_present (GTK_WINDOW (f->window));
  return child;
}

/* ---------------------------------------------------------------------- */
/* The flags view                                                          */

static void
assert_group (TscFlagsView *view,
              guint         group,
              const char   *rule_id,
              TscSeverity   severity,
              guint         n_flags)
{
  TscRule rule = tsc_flags_view_get_group_rule (view, group);

  g_assert_cmpstr (tsc_rule_get_info (rule)->id, ==, rule_id);
  g_assert_cmpint (tsc_flags_view_get_group_severity (view, group), ==, severity);
  g_assert_cmpuint (tsc_flags_view_get_group_n_flags (view, group), ==, n_flags);
}

/* A child of a view's template, by its id in the .ui file. */
static gpointer
template_child (gpointer    widget,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (widget, G_OBJECT_TYPE (widget), name);

  g_assert_nonnull (child);
  return child;
}

static GListModel *
list_model (TscFlagsView *view)
{
  return G_LIST_MODEL (gtk_list_view_get_model (template_child (view, "list_view")));
}

static const char *
visible_page (GtkWidget  *widget,
              GType       type)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (widget, type, "stack"));

  return gtk_stack_get_visible_child_name (stack);
}

static void
test_flags_view_groups_by_rule (Fixture       *f,
                                gconstpointer  data)
{
  TscFlagsView *view = TSC_FLAGS_VIEW (present_in_window (f, tsc_flags_view_new (), 560, 360));

  g_assert_cmpstr (visible_page (GTK_WIDGET (view), TSC_TYPE_FLAGS_VIEW), ==, "empty");

  tsc_flags_view_set_session (view, f->session);
  g_assert_cmpstr (visible_page (GTK_WIDGET (view), TSC_TYPE_FLAGS_VIEW), ==, "list");

  /* The error first, then the warnings: more flags first. */
  g_assert_cmpuint (tsc_flags_view_get_n_groups (view), ==, 3);
  assert_group (view, 0, "missing-reset-on-logout", TSC_SEVERITY_ERROR, 1);
  assert_group (view, 1, "suspicious-user-id", TSC_SEVERITY_WARNING, 2);
  assert_group (view, 2, "track-before-identify", TSC_SEVERITY_WARNING, 1);
  g_assert_cmpuint (tsc_flags_view_get_n_flags (view), ==, 4);
  g_assert_cmpint (tsc_flags_view_get_flag (view, 0, 0)->seq, ==, 5);
  g_assert_cmpint (tsc_flags_view_get_flag (view, 1, 0)->seq, ==, 6);
  g_assert_cmpint (tsc_flags_view_get_flag (view, 1, 1)->seq, ==, 7);
  g_assert_null (tsc_flags_view_get_flag (view, 1, 2));

  /* Collapsed, the list shows one row per group. */
  g_assert_cmpuint (g_list_model_get_n_items (list_model (view)), ==, 3);

  save_light_and_dark (f->window, "flags-view-collapsed");
}

static void
test_flags_view_updates_on_new_calls (Fixture       *f,
                                      gconstpointer  data)
{
  TscFlagsView *view = TSC_FLAGS_VIEW (present_in_window (f, tsc_flags_view_new (), 560, 360));
  GListModel *model;

  tsc_flags_view_set_session (view, f->session);
  model = list_model (view);

  /* Expand the suspicious-user-id group: its two flags show. */
  gtk_widget_activate_action (template_child (view, "list_view"), "list.activate-item", "u", 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);

  /* Two signups without a userId: track-before-identify has 3 flags and
   * moves above suspicious-user-id, which stays expanded. */
  add_live (f,
    "{\"batch\":["
    "{\"type\":\"track\",\"event\":\"Signed Up\",\"anonymousId\":\"anon-4\",\"messageId\":\"m8\","
      "\"timestamp\":\"2024-05-01T10:00:07.000Z\"},"
    "{\"type\":\"track\",\"event\":\"Account Created\",\"anonymousId\":\"anon-5\","
      "\"messageId\":\"m9\","
      "\"timestamp\":\"2024-05-01T10:00:08.000Z\"}"
    "]}", T0 + 8000000);

  g_assert_cmpuint (tsc_flags_view_get_n_groups (view), ==, 3);
  assert_group (view, 0, "missing-reset-on-logout", TSC_SEVERITY_ERROR, 1);
  assert_group (view, 1, "track-before-identify", TSC_SEVERITY_WARNING, 3);
  assert_group (view, 2, "suspicious-user-id", TSC_SEVERITY_WARNING, 2);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);
  {
    g_autoptr(GtkTreeListRow) row = g_list_model_get_item (model, 2);
    g_assert_true (gtk_tree_list_row_get_expanded (row));
    g_assert_cmpuint (gtk_tree_list_row_get_depth (row), ==, 0);
  }

  /* A third junk id joins the expanded group in place. */
  add_live (f,
    "{\"batch\":[{\"type\":\"identify\",\"userId\":\"undefined\",\"anonymousId\":\"anon-6\","
    "\"messageId\":\"m10\",\"timestamp\":\"2024-05-01T10:00:09.000Z\"}]}", T0 + 9000000);
  assert_group (view, 2, "suspicious-user-id", TSC_SEVERITY_WARNING, 3);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 6);
  g_assert_cmpuint (tsc_flags_view_get_n_flags (view), ==, 7);

  /* A client whose clock is ten minutes behind: an info, listed last. */
  add_live (f,
    "{\"batch\":[{\"type\":\"page\",\"anonymousId\":\"anon-7\",\"messageId\":\"m11\","
    "\"timestamp\":\"2024-05-01T09:50:10.000Z\"}],\"sentAt\":\"2024-05-01T09:50:10.000Z\"}",
    T0 + 10000000);
  g_assert_cmpuint (tsc_flags_view_get_n_groups (view), ==, 4);
  assert_group (view, 3, "clock-skew", TSC_SEVERITY_INFO, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 7);

  save_light_and_dark (f->window, "flags-view-expanded");
}

typedef struct
{
  guint    count;
  TscFlag *flag;
} Activations;

static void
on_flag_activated_cb (TscFlagsView *view,
                      TscFlag      *flag,
                      Activations  *a)
{
  a->count++;
  g_clear_pointer (&a->flag, tsc_flag_unref);
  a->flag = tsc_flag_ref (flag);
}

static void
test_flags_view_activates_flags (Fixture       *f,
                                 gconstpointer  data)
{
  TscFlagsView *view = TSC_FLAGS_VIEW (present_in_window (f, tsc_flags_view_new (), 560, 360));
  GtkWidget *list_view = template_child (view, "list_view");
  Activations a = { 0 };
  GListModel *model;

  tsc_flags_view_set_session (view, f->session);
  g_signal_connect (view, "flag-activated", G_CALLBACK (on_flag_activated_cb), &a);
  model = list_model (view);

  /* Activating a group expands it and is not a flag. */
  gtk_widget_activate_action (list_view, "list.activate-item", "u", 0);
  g_assert_cmpuint (a.count, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);

  /* Selecting the flag (a click, or the arrow keys) picks it once. */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (model), 1, TRUE);
  g_assert_cmpuint (a.count, ==, 1);
  g_assert_true (a.flag == tsc_flags_view_get_flag (view, 0, 0));
  g_assert_cmpint (a.flag->rule, ==, TSC_RULE_MISSING_RESET_ON_LOGOUT);
  g_assert_cmpint (a.flag->seq, ==, 5);

  /* Activating it (Enter, double click) picks it again. */
  gtk_widget_activate_action (list_view, "list.activate-item", "u", 1);
  g_assert_cmpuint (a.count, ==, 2);
  g_assert_true (a.flag == tsc_flags_view_get_flag (view, 0, 0));

  /* Selecting a group row picks nothing. */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (model), 2, TRUE);
  g_assert_cmpuint (a.count, ==, 2);

  save_light_and_dark (f->window, "flags-view-selected");
  g_clear_pointer (&a.flag, tsc_flag_unref);
}

static void
test_flags_view_narrows_to_scope (Fixture       *f,
                                  gconstpointer  data)
{
  TscFlagsView *view = TSC_FLAGS_VIEW (present_in_window (f, tsc_flags_view_new (), 560, 360));
  TscStream *phone_stream;
  TscScope scope = { 0 };

  tsc_flags_view_set_session (view, f->session);

  scope.user_id = "user-1";
  tsc_flags_view_set_scope (view, &scope);
  g_assert_cmpuint (tsc_flags_view_get_n_groups (view), ==, 1);
  assert_group (view, 0, "missing-reset-on-logout", TSC_SEVERITY_ERROR, 1);

  phone_stream = tsc_identity_model_get_stream (tsc_session_get_model (f->session), "anon-2");
  g_assert_nonnull (phone_stream);
  scope.user_id = NULL;
  scope.client = phone_stream->client;
  tsc_flags_view_set_scope (view, &scope);
  g_assert_cmpuint (tsc_flags_view_get_n_groups (view), ==, 1);
  assert_group (view, 0, "suspicious-user-id", TSC_SEVERITY_WARNING, 2);

  scope.user_id = "nobody";
  scope.client = NULL;
  tsc_flags_view_set_scope (view, &scope);
  g_assert_cmpuint (tsc_flags_view_get_n_groups (view), ==, 0);
  g_assert_cmpstr (visible_page (GTK_WIDGET (view), TSC_TYPE_FLAGS_VIEW), ==, "empty");
  save_light_and_dark (f->window, "flags-view-empty");

  tsc_flags_view_set_scope (view, NULL);
  g_assert_cmpuint (tsc_flags_view_get_n_groups (view), ==, 3);
}

static void
test_flags_group_order (void)
{
  /* Severity beats count, count beats the catalogue order. */
  g_assert_cmpint (tsc_flags_group_compare (TSC_SEVERITY_ERROR, 1, TSC_RULE_OVERSIZED,
                                            TSC_SEVERITY_WARNING, 50,
                                            TSC_RULE_MISSING_RESET_ON_LOGOUT), <, 0);
  g_assert_cmpint (tsc_flags_group_compare (TSC_SEVERITY_INFO, 9, TSC_RULE_CLOCK_SKEW,
                                            TSC_SEVERITY_INFO, 10,
                                            TSC_RULE_NO_IDENTIFY_ON_LOAD), >, 0);
  g_assert_cmpint (tsc_flags_group_compare (TSC_SEVERITY_INFO, 3, TSC_RULE_IDENTITY_BLEED,
                                            TSC_SEVERITY_INFO, 3, TSC_RULE_CLOCK_SKEW), <, 0);
}

/* ---------------------------------------------------------------------- */
/* The detail pane                                                         */

static void
collect_labels (GtkWidget *widget,
                GString   *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget))
    g_string_append_printf (text, "%s\n", gtk_label_get_label (GTK_LABEL (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, text);
}

static char *
child_text (TscDetailPane *pane,
            const char    *name)
{
  GString *text = g_string_new (NULL);

  collect_labels (template_child (pane, name), text);
  return g_string_free (text, FALSE);
}

static guint
n_rows (TscDetailPane *pane,
        const char    *name)
{
  GtkWidget *list = template_child (pane, name);
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += GTK_IS_LIST_BOX_ROW (child);
  return n;
}

static gboolean
pane_loaded (gpointer data)
{
  return !tsc_detail_pane_get_loading (data);
}

static TscJsonView *
pane_json_view (TscDetailPane *pane)
{
  return template_child (pane, "json_view");
}

static void
show_page (TscDetailPane *pane,
           const char    *name)
{
  adw_view_stack_set_visible_child_name (template_child (pane, "view_stack"), name);
}

/* Screenshots of a page, at its top and scrolled to its end. */
static void
save_page (Fixture       *f,
           TscDetailPane *pane,
           const char    *name)
{
  AdwViewStack *stack = template_child (pane, "view_stack");
  g_autofree char *stem = g_strdup_printf ("detail-pane-%s", name);
  g_autofree char *end = g_strdup_printf ("detail-pane-%s-end", name);
  GtkScrolledWindow *scrolled;
  GtkAdjustment *adjustment;

  if (g_getenv ("TSC_SCREENSHOT_DIR") == NULL)
    return;

  adw_view_stack_set_visible_child_name (stack, name);
  save_light_and_dark (f->window, stem);

  scrolled = GTK_SCROLLED_WINDOW (adw_view_stack_get_visible_child (stack));
  adjustment = gtk_scrolled_window_get_vadjustment (scrolled);
  if (gtk_adjustment_get_upper (adjustment) > gtk_adjustment_get_page_size (adjustment))
    {
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
      save_light_and_dark (f->window, end);
      gtk_adjustment_set_value (adjustment, 0);
    }
}

static void
test_detail_pane_shows_call (Fixture       *f,
                             gconstpointer  data)
{
  TscDetailPane *pane = TSC_DETAIL_PANE (present_in_window (f, tsc_detail_pane_new (), 520, 900));
  g_autofree char *flags = NULL;
  g_autofree char *request = NULL;
  g_autofree char *headers = NULL;
  g_autofree char *stream = NULL;
  g_autofree char *devices = NULL;
  g_autofree char *call = NULL;
  TscIdentityModel *model;
  const char *payload;
  TscFlag *flag;

  tsc_detail_pane_set_session (pane, f->session);
  g_assert_cmpstr (visible_page (GTK_WIDGET (pane), TSC_TYPE_DETAIL_PANE), ==, "empty");
  save_light_and_dark (f->window, "detail-pane-empty");

  tsc_detail_pane_set_seq (pane, 5);
  g_assert_cmpint (tsc_detail_pane_get_seq (pane), ==, 5);
  g_assert_cmpstr (visible_page (GTK_WIDGET (pane), TSC_TYPE_DETAIL_PANE), ==, "call");

  /* The flags are the model's: shown before the payload is read. */
  model = tsc_session_get_model (f->session);
  flag = g_ptr_array_index (tsc_identity_model_get_flags_for_seq (model, 5), 0);
  g_assert_cmpuint (n_rows (pane, "flags_list"), ==, 1);
  flags = child_text (pane, "flags_list");
  assert_contains (flags, flag->summary);
  assert_contains (flags, "missing-reset-on-logout");
  assert_contains (flags, "Error");
  assert_contains (flags, "analytics.reset()");

  g_assert_true (tsc_test_wait_until (pane_loaded, pane, 10000));
  g_assert_nonnull (tsc_detail_pane_get_message (pane));
  g_assert_cmpint (tsc_detail_pane_get_message (pane)->seq, ==, 5);

  payload = tsc_json_view_get_text (pane_json_view (pane));
  g_assert_nonnull (payload);
  assert_contains (payload, "  \"event\": \"Page Viewed\",\n");
  assert_contains (payload, "    \"note\": \"tab\\there \\u00e9\"\n");
  assert_contains (payload, "    \"tags\": [\n      \"a\",\n      \"b\"\n    ],\n");

  call = child_text (pane, "call_list");
  assert_contains (call, "Page Viewed");
  assert_contains (call, "m5");
  assert_contains (call, "Item 5 of the batch");

  request = child_text (pane, "request_list");
  assert_contains (request, "POST /v1/batch");
  assert_contains (request, "200 OK");
  assert_contains (request, "Basic");
  assert_contains (request, "wk_test_1234");
  assert_contains (request, firefox);
  assert_contains (request, "http://localhost:3000");

  headers = child_text (pane, "headers_list");
  assert_contains (headers, "Authorization\nBasic d2tfdGVzdF8xMjM0Og==\n");
  g_assert_cmpuint (n_rows (pane, "headers_list"), ==, 5);

  /* Identity: anonymous, then user-1 — this call is in the second. */
  {
    TscStream *s = tsc_identity_model_get_stream (tsc_session_get_model (f->session), "anon-1");
    g_autofree char *chain = tsc_stream_describe_segments (s);

    g_assert_cmpstr (chain, ==, "anonymous → user-1");
    g_assert_cmpint (tsc_stream_find_segment (s, 5), ==, 1);
    g_assert_cmpint (tsc_stream_find_segment (s, 1), ==, 0);
    g_assert_cmpint (tsc_stream_find_segment (s, 6), ==, -1);
  }
  g_assert_cmpuint (n_rows (pane, "stream_list"), ==, 2);
  stream = child_text (pane, "stream_list");
  assert_contains (stream, "Anonymous\nCalls #1 to #2\n");
  assert_contains (stream, "user-1\nCalls #3 to #5\nThis call\n");
  devices = child_text (pane, "devices_list");
  assert_contains (devices, "This device");

  save_page (f, pane, "call");
  save_page (f, pane, "request");
  save_page (f, pane, "identity");
  show_page (pane, "call");

  /* A call without flags says so. */
  tsc_detail_pane_set_seq (pane, 1);
  g_assert_cmpuint (n_rows (pane, "flags_list"), ==, 1);
  g_clear_pointer (&flags, g_free);
  flags = child_text (pane, "flags_list");
  assert_contains (flags, "No flags");
  g_assert_true (tsc_test_wait_until (pane_loaded, pane, 10000));
  assert_contains (tsc_json_view_get_text (pane_json_view (pane)), "\"title\": \"Home\"");

  /* Forwarding: no row for a request that was not forwarded; the
   * outcome the file keeps for one that was. */
  g_assert_null (strstr (request, "Upstream"));
  tsc_detail_pane_set_seq (pane, 6);
  g_assert_true (tsc_test_wait_until (pane_loaded, pane, 10000));
  g_clear_pointer (&request, g_free);
  request = child_text (pane, "request_list");
  assert_contains (request, "Upstream\nNot accepted: 503 after 4 attempts (storage_failed)\n");
  save_page (f, pane, "request");

  /* 0 clears. */
  tsc_detail_pane_set_seq (pane, 0);
  g_assert_cmpstr (visible_page (GTK_WIDGET (pane), TSC_TYPE_DETAIL_PANE), ==, "empty");
  g_assert_null (tsc_detail_pane_get_message (pane));
  g_assert_null (tsc_json_view_get_text (pane_json_view (pane)));
}

static void
test_detail_pane_cancels_previous_read (Fixture       *f,
                                        gconstpointer  data)
{
  TscDetailPane *pane = TSC_DETAIL_PANE (present_in_window (f, tsc_detail_pane_new (), 520, 700));

  tsc_detail_pane_set_session (pane, f->session);

  /* Three selections in a row: only the last one is shown, whatever
   * order the reads finish in. */
  tsc_detail_pane_set_seq (pane, 2);
  tsc_detail_pane_set_seq (pane, 3);
  tsc_detail_pane_set_seq (pane, 6);
  g_assert_true (tsc_test_wait_until (pane_loaded, pane, 10000));
  g_assert_cmpint (tsc_detail_pane_get_message (pane)->seq, ==, 6);
  assert_contains (tsc_json_view_get_text (pane_json_view (pane)), "\"userId\": \"null\"");

  /* Let the cancelled reads come back: nothing changes. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (50000);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (tsc_detail_pane_get_message (pane)->seq, ==, 6);

  /* The phone's stream was identified from its first call. */
  {
    g_autofree char *stream = child_text (pane, "stream_list");
    assert_contains (stream, "null\nCall #6\nThis call\n");
  }

  /* A seq the session does not have. */
  tsc_detail_pane_set_seq (pane, 99);
  g_assert_cmpstr (visible_page (GTK_WIDGET (pane), TSC_TYPE_DETAIL_PANE), ==, "missing");
}

static gboolean
stream_has_three_segments (gpointer data)
{
  return n_rows (data, "stream_list") == 3;
}

static void
test_detail_pane_follows_new_flags (Fixture       *f,
                                    gconstpointer  data)
{
  TscDetailPane *pane = TSC_DETAIL_PANE (present_in_window (f, tsc_detail_pane_new (), 520, 700));
  g_autofree char *flags = NULL;

  tsc_detail_pane_set_session (pane, f->session);
  tsc_detail_pane_set_seq (pane, 1);
  g_assert_true (tsc_test_wait_until (pane_loaded, pane, 10000));
  g_assert_cmpuint (n_rows (pane, "stream_list"), ==, 2);

  /* anon-1 is identified as someone else: identity-bleed involves an
   * earlier call of the stream, and the stream grows a segment. */
  add_live (f,
    "{\"batch\":[{\"type\":\"identify\",\"userId\":\"user-2\",\"anonymousId\":\"anon-1\","
    "\"messageId\":\"m8\",\"timestamp\":\"2024-05-01T10:00:07.000Z\"}]}", T0 + 7000000);
  g_assert_true (tsc_test_wait_until (stream_has_three_segments, pane, 5000));
  {
    TscStream *s = tsc_identity_model_get_stream (tsc_session_get_model (f->session), "anon-1");
    g_autofree char *chain = tsc_stream_describe_segments (s);
    g_assert_cmpstr (chain, ==, "anonymous → user-1 → user-2");
  }

  tsc_detail_pane_set_seq (pane, 8);
  flags = child_text (pane, "flags_list");
  assert_contains (flags, "identity-bleed");
  g_assert_true (tsc_test_wait_until (pane_loaded, pane, 10000));
  show_page (pane, "identity");
  save_light_and_dark (f->window, "detail-pane-identity-bleed");
}

/* ---------------------------------------------------------------------- */
/* The JSON view                                                           */

static gboolean
json_view_idle (gpointer data)
{
  return !tsc_json_view_get_busy (data);
}

static void
test_json_view_formats_large_payloads_in_a_worker (Fixture       *f,
                                                   gconstpointer  data)
{
  GtkWidget *scrolled = present_in_window (f, gtk_scrolled_window_new (), 420, 320);
  TscJsonView *view = TSC_JSON_VIEW (tsc_json_view_new ());
  g_autoptr(GString) json = g_string_new ("{\"items\":[");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) small = g_bytes_new_static ("{\"a\":1}", 7);
  g_autoptr(TscJsonFormat) expected = NULL;

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (view));
  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (json, "%s{\"i\":%u,\"name\":\"item %u\"}", i ? "," : "", i, i);
  g_string_append (json, "]}");
  g_assert_cmpuint (json->len, >, TSC_JSON_VIEW_SYNC_LIMIT);
  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  expected = tsc_json_format_pretty (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  /* Small: shown at once. */
  tsc_json_view_set_json (view, small);
  g_assert_false (tsc_json_view_get_busy (view));
  g_assert_cmpstr (tsc_json_view_get_text (view), ==, "{\n  \"a\": 1\n}");

  /* Large: formatted in a worker, then only the beginning is shown. */
  tsc_json_view_set_json (view, bytes);
  g_assert_true (tsc_json_view_get_busy (view));
  g_assert_null (tsc_json_view_get_text (view));
  g_assert_true (tsc_test_wait_until (json_view_idle, view, 10000));
  g_assert_cmpstr (tsc_json_view_get_text (view), ==, expected->text);
  g_assert_true (tsc_json_view_get_truncated (view));
  if (g_getenv ("TSC_SCREENSHOT_DIR") != NULL)
    {
      GtkScrolledWindow *sw = GTK_SCROLLED_WINDOW (scrolled);
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (sw);

      wait_for_frames (f->window);
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
      save_light_and_dark (f->window, "json-view-truncated");
    }

  tsc_json_view_show_all (view);
  g_assert_false (tsc_json_view_get_truncated (view));

  /* A newer payload wins over a worker still running. */
  tsc_json_view_set_json (view, bytes);
  tsc_json_view_set_json (view, small);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (100000);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpstr (tsc_json_view_get_text (view), ==, "{\n  \"a\": 1\n}");
  g_assert_false (tsc_json_view_get_busy (view));

  /* Not JSON: shown as received, with where it breaks. */
  {
    static const char text[] = "{\"event\":\"Signed Up\",\"userId\":undefined}";
    g_autoptr(GBytes) broken = g_bytes_new_static (text, sizeof text - 1);

    tsc_json_view_set_json (view, broken);
    g_assert_cmpstr (tsc_json_view_get_text (view), ==, text);
    g_assert_false (tsc_json_view_get_truncated (view));
    save_light_and_dark (f->window, "json-view-invalid");
  }
}

/* ---------------------------------------------------------------------- */

/* What AdwApplication would load from style.css: these views' styles;
 * and the system's icon themes, which GTK looked for in the isolated
 * folders. */
static void
load_styles (void)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  g_auto(GStrv) dirs = g_strsplit (system_data_dirs, ":", -1);

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *icons = g_build_filename (dirs[i], "icons", NULL);
      gtk_icon_theme_add_search_path (theme, icons);
    }

  static const char *names[] = { "tsc-flags-view.css", "tsc-detail-pane.css" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();
      g_autofree char *path = g_strconcat (RESOURCE_BASE "/", names[i], NULL);

      gtk_css_provider_load_from_resource (provider, path);
      gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                  GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    }
}

int
main (int    argc,
      char **argv)
{
  system_data_dirs = g_strdup (g_getenv ("XDG_DATA_DIRS"));
  if (system_data_dirs == NULL || *system_data_dirs == '\0')
    {
      g_free (system_data_dirs);
      system_data_dirs = g_strdup ("/usr/local/share:/usr/share");
    }

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/json/pretty/indents-nested-values", test_json_indents_nested_values);
  g_test_add_func ("/json/pretty/normalises-whitespace", test_json_normalises_whitespace);
  g_test_add_func ("/json/pretty/keeps-escapes-verbatim", test_json_keeps_escapes_verbatim);
  g_test_add_func ("/json/pretty/counts-unicode-in-characters",
                   test_json_counts_unicode_in_characters);
  g_test_add_func ("/json/pretty/keeps-numbers-as-written", test_json_keeps_numbers_as_written);
  g_test_add_func ("/json/pretty/survives-deep-nesting", test_json_survives_deep_nesting);
  g_test_add_func ("/json/pretty/reports-invalid-input", test_json_reports_invalid_input);
  g_test_add_func ("/json/pretty/replaces-bytes-that-are-not-utf8",
                   test_json_replaces_bytes_that_are_not_utf8);
  g_test_add_func ("/flags-view/groups-sort-by-severity-then-count", test_flags_group_order);

  if (!gtk_init_check ())
    {
      g_test_message ("No display: skipping the widget tests (make check runs them under Xvfb)");
      return g_test_run ();
    }
  adw_init ();
  load_styles ();

#define ADD(path, func) \
  g_test_add ((path), Fixture, NULL, fixture_set_up, (func), fixture_tear_down)
  ADD ("/flags-view/groups-flags-by-rule", test_flags_view_groups_by_rule);
  ADD ("/flags-view/updates-on-new-calls", test_flags_view_updates_on_new_calls);
  ADD ("/flags-view/activates-flags", test_flags_view_activates_flags);
  ADD ("/flags-view/narrows-to-scope", test_flags_view_narrows_to_scope);
  ADD ("/detail-pane/shows-payload-flags-request-identity", test_detail_pane_shows_call);
  ADD ("/detail-pane/cancels-previous-read", test_detail_pane_cancels_previous_read);
  ADD ("/detail-pane/follows-new-flags", test_detail_pane_follows_new_flags);
  ADD ("/json-view/formats-large-payloads-in-a-worker",
       test_json_view_formats_large_payloads_in_a_worker);
#undef ADD

  return g_test_run ();
}
