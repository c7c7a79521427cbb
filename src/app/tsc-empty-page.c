/* tsc-empty-page.c
 *
 * The first thing a new capture shows: the collector's address, a
 * snippet per SDK (the README's, with the real address) and a button
 * that sends a sample signup. The page only says that the button was
 * pressed (TscEmptyPage::send-test-call); the window sends the call
 * with tsc_empty_page_send_test_call(), which is here because this page
 * is what it belongs to.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-empty-page"

#include "config.h"

#include "tsc-empty-page.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#define DEFAULT_URI         "http://127.0.0.1:8765"
#define TEST_CALL_AGENT     "Trackscope test call"
#define TEST_CALL_WRITE_KEY "trackscope-test-call"
#define TEST_CALL_TIMEOUT_S 10
#define COPIED_FEEDBACK_MS  1500

typedef struct
{
  const char *id;
  const char *title;     /* the switcher's label */
  const char *note;      /* one line above the code */
  const char *format;    /* %1$s: the collector's URI */
} Snippet;

/* The README's snippets ("Pointing your SDK at Trackscope"). */
static const Snippet snippets[] = {
  { "analytics-js", N_("analytics.js"),
    N_("@segment/analytics-next: only cdnURL is needed. Trackscope serves the project settings, "
       "and they point the SDK back at it."),
    "import { AnalyticsBrowser } from '@segment/analytics-next'\n"
    "\n"
    "export const analytics = AnalyticsBrowser.load({\n"
    "  writeKey: 'YOUR_WRITE_KEY',\n"
    "  cdnURL: '%1$s',\n"
    "})\n"
    "analytics.identify('user-42', { plan: 'pro' })\n"
    "analytics.track('Signed Up')" },
  { "node", N_("Node"),
    N_("@segment/analytics-node. The legacy analytics-node takes the same host option."),
    "const { Analytics } = require('@segment/analytics-node')\n"
    "const analytics = new Analytics({ writeKey: 'YOUR_WRITE_KEY', host: '%1$s' })\n"
    "analytics.identify({ userId: 'user-42', traits: { plan: 'pro' } })\n"
    "analytics.track({ userId: 'user-42', event: 'Signed Up' })\n"
    "await analytics.closeAndFlush()" },
  { "python", N_("Python"),
    N_("segment-analytics-python."),
    "import segment.analytics as analytics\n"
    "\n"
    "analytics.write_key = 'YOUR_WRITE_KEY'\n"
    "analytics.host = '%1$s'\n"
    "analytics.identify('user-42', {'plan': 'pro'})\n"
    "analytics.track('user-42', 'Signed Up')\n"
    "analytics.flush()" },
  { "rudderstack", N_("RudderStack"),
    N_("@rudderstack/rudder-sdk-node. Its gzipped batches are decoded."),
    "const Analytics = require('@rudderstack/rudder-sdk-node')\n"
    "const client = new Analytics('YOUR_WRITE_KEY', { dataPlaneUrl: '%1$s' })\n"
    "client.track({ userId: 'user-42', event: 'Signed Up' })\n"
    "await client.flush()" },
  { "curl", N_("curl"),
    N_("One call by hand. Any write key is accepted."),
    "curl -u YOUR_WRITE_KEY: -H 'Content-Type: application/json' \\\n"
    "  -d '{\"userId\":\"user-42\",\"event\":\"Signed Up\"}' \\\n"
    "  %1$s/v1/track" },
};

struct _TscEmptyPage
{
  AdwBin         parent_instance;

  GtkLabel      *address_label;
  GtkWidget     *copy_address_button;
  GtkWidget     *snippet_switcher;
  GtkStack      *snippet_stack;

  char          *uri;
  GHashTable    *buffers;       /* snippet id → GtkTextBuffer */
  GHashTable    *copy_buttons;  /* snippet id or "address" → GtkButton */
};

G_DEFINE_FINAL_TYPE (TscEmptyPage, tsc_empty_page, ADW_TYPE_BIN)

G_DEFINE_QUARK (tsc-test-call-error-quark, tsc_test_call_error)

enum {
  PROP_0,
  PROP_URI,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SEND_TEST_CALL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
format_snippet (const Snippet *snippet,
                const char    *uri)
{
  /* The formats are ours and use %1$s only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  return g_strdup_printf (snippet->format, uri);
#pragma GCC diagnostic pop
}

static void
update_snippets (TscEmptyPage *self)
{
  const char *uri = self->uri ? self->uri : DEFAULT_URI;

  for (guint i = 0; i < G_N_ELEMENTS (snippets); i++)
    {
      GtkTextBuffer *buffer = g_hash_table_lookup (self->buffers, snippets[i].id);
      g_autofree char *text = format_snippet (&snippets[i], uri);

      gtk_text_buffer_set_text (buffer, text, -1);
    }

  gtk_label_set_label (self->address_label, self->uri ? self->uri : _("Not capturing"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "empty-page.send-test-call", self->uri != NULL);
}

/**
 * tsc_empty_page_set_uri:
 * @uri: (nullable): the running collector's address, `http://HOST:PORT`
 *
 * Shows @uri and puts it in every snippet. Without one, the snippets
 * show the default address and no test call can be sent.
 */
void
tsc_empty_page_set_uri (TscEmptyPage *self,
                        const char   *uri)
{
  g_return_if_fail (TSC_IS_EMPTY_PAGE (self));

  if (g_strcmp0 (self->uri, uri) == 0)
    return;

  g_free (self->uri);
  self->uri = g_strdup (uri);
  /* "http://host:port/" and "http://host:port" read the same in code. */
  if (self->uri != NULL && g_str_has_suffix (self->uri, "/"))
    self->uri[strlen (self->uri) - 1] = '\0';

  update_snippets (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URI]);
}

const char *
tsc_empty_page_get_uri (TscEmptyPage *self)
{
  g_return_val_if_fail (TSC_IS_EMPTY_PAGE (self), NULL);
  return self->uri;
}

/**
 * tsc_empty_page_get_snippet_ids:
 *
 * Returns: (transfer none): the snippets' ids, in the switcher's order:
 *   analytics-js, node, python, rudderstack, curl
 */
const char * const *
tsc_empty_page_get_snippet_ids (void)
{
  static const char *ids[G_N_ELEMENTS (snippets) + 1];

  if (ids[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (snippets); i++)
      ids[i] = snippets[i].id;
  return ids;
}

/**
 * tsc_empty_page_dup_snippet:
 * @id: one of tsc_empty_page_get_snippet_ids()
 *
 * Returns: (transfer full) (nullable): the snippet's text as shown
 */
char *
tsc_empty_page_dup_snippet (TscEmptyPage *self,
                            const char   *id)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (TSC_IS_EMPTY_PAGE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  buffer = g_hash_table_lookup (self->buffers, id);
  if (buffer == NULL)
    return NULL;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Copying                                                                 */

static gboolean
restore_copy_icon_cb (gpointer data)
{
  GtkButton *button = data;

  gtk_button_set_icon_name (button, "edit-copy-symbolic");
  g_object_set_data (G_OBJECT (button), "tsc-restore-id", NULL);
  return G_SOURCE_REMOVE;
}

/* A check mark for a moment says the copy worked. */
static void
show_copied (GtkButton *button)
{
  guint id = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "tsc-restore-id"));

  if (id != 0)
    g_source_remove (id);
  gtk_button_set_icon_name (button, "emblem-ok-symbolic");
  id = g_timeout_add_full (G_PRIORITY_DEFAULT, COPIED_FEEDBACK_MS, restore_copy_icon_cb,
                           g_object_ref (button), g_object_unref);
  g_object_set_data (G_OBJECT (button), "tsc-restore-id", GUINT_TO_POINTER (id));
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TscEmptyPage *self = TSC_EMPTY_PAGE (widget);
  const char *what = g_variant_get_string (parameter, NULL);
  g_autofree char *text = NULL;
  GtkButton *button;

  if (g_str_equal (what, "address"))
    text = g_strdup (self->uri);
  else
    text = tsc_empty_page_dup_snippet (self, what);

  if (text == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  button = g_hash_table_lookup (self->copy_buttons, what);
  if (button != NULL)
    show_copied (button);
}

static void
send_test_call_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  g_signal_emit (widget, signals[SEND_TEST_CALL], 0);
}

/* ---------------------------------------------------------------------- */
/* Building the snippet pages                                              */

static GtkWidget *
snippet_page_new (TscEmptyPage  *self,
                  const Snippet *snippet)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *note = gtk_label_new (_(snippet->note));
  GtkWidget *overlay = gtk_overlay_new ();
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();
  GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  g_autofree char *tooltip = g_strdup_printf (_("Copy the %s Snippet"), _(snippet->title));

  gtk_label_set_wrap (GTK_LABEL (note), TRUE);
  gtk_label_set_xalign (GTK_LABEL (note), 0.f);
  gtk_widget_add_css_class (note, "dim-label");
  gtk_widget_add_css_class (note, "caption");
  gtk_box_append (GTK_BOX (box), note);

  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_cursor_visible (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_NONE);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 48);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _(snippet->title), -1);
  g_hash_table_insert (self->buffers, (gpointer) snippet->id,
                       gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)));

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller),
                                  GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_frame_set_child (GTK_FRAME (frame), scroller);
  gtk_widget_add_css_class (frame, "tsc-snippet");
  gtk_widget_set_vexpand (frame, TRUE);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), frame);

  gtk_widget_set_halign (copy, GTK_ALIGN_END);
  gtk_widget_set_valign (copy, GTK_ALIGN_START);
  gtk_widget_set_margin_top (copy, 6);
  gtk_widget_set_margin_end (copy, 6);
  gtk_widget_set_tooltip_text (copy, tooltip);
  gtk_widget_add_css_class (copy, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (copy), "empty-page.copy");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (copy), "s", snippet->id);
  g_hash_table_insert (self->copy_buttons, (gpointer) snippet->id, copy);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), copy);
  gtk_box_append (GTK_BOX (box), overlay);

  return box;
}

/* ---------------------------------------------------------------------- */

static void
tsc_empty_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TscEmptyPage *self = TSC_EMPTY_PAGE (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_empty_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TscEmptyPage *self = TSC_EMPTY_PAGE (object);

  switch (prop_id)
    {
    case PROP_URI:
      tsc_empty_page_set_uri (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
clear_feedback (gpointer key,
                gpointer value,
                gpointer user_data)
{
  guint id = GPOINTER_TO_UINT (g_object_get_data (value, "tsc-restore-id"));

  if (id != 0)
    g_source_remove (id);
  g_object_set_data (value, "tsc-restore-id", NULL);
}

static void
tsc_empty_page_dispose (GObject *object)
{
  TscEmptyPage *self = (TscEmptyPage *) object;

  if (self->copy_buttons != NULL)
    g_hash_table_foreach (self->copy_buttons, clear_feedback, NULL);
  g_clear_pointer (&self->copy_buttons, g_hash_table_unref);
  g_clear_pointer (&self->buffers, g_hash_table_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), TSC_TYPE_EMPTY_PAGE);

  G_OBJECT_CLASS (tsc_empty_page_parent_class)->dispose (object);
}

static void
tsc_empty_page_finalize (GObject *object)
{
  TscEmptyPage *self = (TscEmptyPage *) object;

  g_free (self->uri);

  G_OBJECT_CLASS (tsc_empty_page_parent_class)->finalize (object);
}

static void
tsc_empty_page_class_init (TscEmptyPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tsc_empty_page_get_property;
  object_class->set_property = tsc_empty_page_set_property;
  object_class->dispose = tsc_empty_page_dispose;
  object_class->finalize = tsc_empty_page_finalize;

  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TscEmptyPage::send-test-call:
   *
   * The "Send a Test Call" button was pressed (the
   * `empty-page.send-test-call` action, enabled while there is a URI).
   * Send it with tsc_empty_page_send_test_call().
   */
  signals[SEND_TEST_CALL] =
    g_signal_new ("send-test-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/tsc-empty-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TscEmptyPage, address_label);
  gtk_widget_class_bind_template_child (widget_class, TscEmptyPage, copy_address_button);
  gtk_widget_class_bind_template_child (widget_class, TscEmptyPage, snippet_switcher);
  gtk_widget_class_bind_template_child (widget_class, TscEmptyPage, snippet_stack);

  gtk_widget_class_install_action (widget_class, "empty-page.copy", "s", copy_action);
  gtk_widget_class_install_action (widget_class, "empty-page.send-test-call", NULL,
                                   send_test_call_action);

  gtk_widget_class_set_css_name (widget_class, "tscemptypage");
}

static void
tsc_empty_page_init (TscEmptyPage *self)
{
  GtkLayoutManager *layout;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->buffers = g_hash_table_new (g_str_hash, g_str_equal);
  self->copy_buttons = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (self->copy_buttons, "address", self->copy_address_button);

  /* Each tab as wide as its name: the page fits beside the sidebar. */
  layout = gtk_widget_get_layout_manager (self->snippet_switcher);
  gtk_box_layout_set_homogeneous (GTK_BOX_LAYOUT (layout), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (snippets); i++)
    gtk_stack_add_titled (self->snippet_stack, snippet_page_new (self, &snippets[i]),
                          snippets[i].id, _(snippets[i].title));

  update_snippets (self);
}

GtkWidget *
tsc_empty_page_new (void)
{
  return g_object_new (TSC_TYPE_EMPTY_PAGE, NULL);
}

/* ---------------------------------------------------------------------- */
/* The test call                                                           */

typedef struct
{
  SoupSession *session;
  SoupMessage *message;
  char        *uri;
} TestCall;

static void
test_call_free (TestCall *call)
{
  g_clear_object (&call->session);
  g_clear_object (&call->message);
  g_free (call->uri);
  g_free (call);
}

static void
add_common_fields (JsonBuilder *builder,
                   const char  *type,
                   const char  *anonymous_id,
                   GDateTime   *when)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *message_id = g_strconcat ("trackscope-test-", uuid, NULL);
  g_autofree char *timestamp = g_date_time_format_iso8601 (when);

  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "anonymousId");
  json_builder_add_string_value (builder, anonymous_id);
  json_builder_set_member_name (builder, "messageId");
  json_builder_add_string_value (builder, message_id);
  json_builder_set_member_name (builder, "timestamp");
  json_builder_add_string_value (builder, timestamp);
}

static void
add_string_member (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

/* What analytics.js sends for a signup: the page, then identify, then
 * the "Signed Up" track, on one new anonymousId. */
static char *
build_test_call_body (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) page_time = g_date_time_add_seconds (now, -2.5);
  g_autoptr(GDateTime) identify_time = g_date_time_add_seconds (now, -0.4);
  g_autofree char *anonymous_id = g_uuid_string_random ();
  guint number = g_random_int_range (1000, 10000);
  g_autofree char *user_id = g_strdup_printf ("user-%u", number);
  g_autofree char *email = g_strdup_printf ("test-%u@example.com", number);
  g_autofree char *sent_at = g_date_time_format_iso8601 (now);
  g_autofree char *created_at = g_date_time_format_iso8601 (identify_time);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "batch");
  json_builder_begin_array (builder);

  json_builder_begin_object (builder);
  add_common_fields (builder, "page", anonymous_id, page_time);
  add_string_member (builder, "name", "Sign Up");
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_object (builder);
  add_string_member (builder, "path", "/signup");
  add_string_member (builder, "url", "https://example.com/signup");
  add_string_member (builder, "title", "Sign Up · Example");
  add_string_member (builder, "referrer", "https://example.com/pricing");
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  json_builder_begin_object (builder);
  add_common_fields (builder, "identify", anonymous_id, identify_time);
  add_string_member (builder, "userId", user_id);
  json_builder_set_member_name (builder, "traits");
  json_builder_begin_object (builder);
  add_string_member (builder, "email", email);
  add_string_member (builder, "name", "Ada Lovelace");
  add_string_member (builder, "plan", "pro");
  add_string_member (builder, "createdAt", created_at);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  json_builder_begin_object (builder);
  add_common_fields (builder, "track", anonymous_id, now);
  add_string_member (builder, "userId", user_id);
  add_string_member (builder, "event", "Signed Up");
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_object (builder);
  add_string_member (builder, "plan", "pro");
  add_string_member (builder, "method", "email");
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "context");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "library");
  json_builder_begin_object (builder);
  add_string_member (builder, "name", "trackscope-test-call");
  add_string_member (builder, "version", PACKAGE_VERSION);
  json_builder_end_object (builder);
  add_string_member (builder, "userAgent", TEST_CALL_AGENT);
  add_string_member (builder, "locale", "en-US");
  json_builder_end_object (builder);

  add_string_member (builder, "sentAt", sent_at);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* The collector's own reason, from {"success":false,"message":"..."}. */
static char *
read_reason (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;
  JsonNode *root;

  if (data == NULL || len == 0 || !json_parser_load_from_data (parser, data, len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (root),
                                                               "message", NULL));
}

static void
on_test_call_sent_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestCall *call = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  guint status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      g_prefix_error (&error, _("Could not send the test call to %s: "), call->uri);
      g_task_return_error (task, error);
      return;
    }

  status = soup_message_get_status (call->message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_autofree char *reason = read_reason (body);
      const char *phrase = soup_message_get_reason_phrase (call->message);

      g_task_return_new_error (task, TSC_TEST_CALL_ERROR, TSC_TEST_CALL_ERROR_REJECTED,
                               _("The collector at %s refused the test call: %u %s%s%s"),
                               call->uri, status, phrase ? phrase : "",
                               reason ? ": " : "", reason ? reason : "");
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * tsc_empty_page_send_test_call:
 * @uri: the collector's address, `http://HOST:PORT`
 *
 * POSTs a sample signup to `@uri/v1/batch`: a page view of a new
 * anonymousId, an identify of a new user and a "Signed Up" track, with
 * the User-Agent "Trackscope test call". Completes when the collector
 * has answered (it answers once the calls are stored).
 */
void
tsc_empty_page_send_test_call (const char          *uri,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *target = NULL;
  g_autofree char *credentials = NULL;
  g_autofree char *authorization = NULL;
  g_autofree char *json = NULL;
  gsize json_len;
  TestCall *call;

  g_return_if_fail (uri != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tsc_empty_page_send_test_call);

  call = g_new0 (TestCall, 1);
  call->uri = g_strdup (uri);
  if (g_str_has_suffix (call->uri, "/"))
    call->uri[strlen (call->uri) - 1] = '\0';
  g_task_set_task_data (task, call, (GDestroyNotify) test_call_free);

  target = g_strconcat (call->uri, "/v1/batch", NULL);
  parsed = g_uri_parse (target, SOUP_HTTP_URI_FLAGS, NULL);
  if (parsed == NULL ||
      (g_strcmp0 (g_uri_get_scheme (parsed), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (parsed), "https") != 0) ||
      g_uri_get_host (parsed) == NULL)
    {
      g_task_return_new_error (task, TSC_TEST_CALL_ERROR, TSC_TEST_CALL_ERROR_BAD_URI,
                               _("“%s” is not a collector address (http://HOST:PORT)"), uri);
      return;
    }

  /* No proxy: the collector is on this computer or this network. */
  call->session = soup_session_new_with_options ("user-agent", TEST_CALL_AGENT,
                                                 "timeout", TEST_CALL_TIMEOUT_S,
                                                 "proxy-resolver", NULL,
                                                 NULL);
  call->message = soup_message_new_from_uri (SOUP_METHOD_POST, parsed);

  json = build_test_call_body ();
  json_len = strlen (json);
  body = g_bytes_new_take (g_steal_pointer (&json), json_len);
  soup_message_set_request_body_from_bytes (call->message, "application/json", body);

  credentials = g_base64_encode ((const guchar *) TEST_CALL_WRITE_KEY ":",
                                 strlen (TEST_CALL_WRITE_KEY ":"));
  authorization = g_strconcat ("Basic ", credentials, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (call->message),
                                "Authorization", authorization);

  soup_session_send_and_read_async (call->session, call->message, G_PRIORITY_DEFAULT, cancellable,
                                    on_test_call_sent_cb, g_steal_pointer (&task));
}

/**
 * tsc_empty_page_send_test_call_finish:
 *
 * Returns: %TRUE when the collector stored the calls; otherwise @error
 *   says why (a connection error, or %TSC_TEST_CALL_ERROR_REJECTED with
 *   the status and the collector's reason)
 */
gboolean
tsc_empty_page_send_test_call_finish (GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tsc_empty_page_send_test_call,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
