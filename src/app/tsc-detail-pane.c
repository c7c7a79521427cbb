/* tsc-detail-pane.c
 *
 * The selected call, in three pages: the call (its flags with their
 * explanations, the pretty payload and its fields), the HTTP request it
 * came in (route, lane, status, auth, encoding, headers, the rejected
 * body and the message's own raw bytes) and its identity context (the
 * stream's segments with this call's one highlighted, and the devices
 * the user appeared on).
 *
 * What the model and the index hold (flags, identity) is shown at once;
 * the payload and the request are read from the session file in a
 * worker (tsc_session_read_message_async), and a newer selection
 * cancels an older read. New calls arriving for the same stream or user
 * refresh the flags and the identity page, never the payload.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-detail-pane"

#include "config.h"

#include <inttypes.h>

#include "tsc-detail-pane.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tsc-json-view.h"
#include "tsc-view-utils.h"
#include "tsc-widget-utils.h"

#define RAW_DISPLAY_LIMIT (64 * 1024)

struct _TscDetailPane
{
  GtkWidget         parent_instance;

  GtkStack         *stack;
  AdwStatusPage    *missing_page;
  GtkImage         *header_icon;
  GtkLabel         *title_label;
  GtkLabel         *subtitle_label;
  AdwViewStack     *view_stack;
  AdwPreferencesGroup *flags_group;
  GtkListBox       *flags_list;
  GtkSpinner       *payload_spinner;
  TscJsonView      *json_view;
  AdwPreferencesGroup *call_group;
  GtkListBox       *call_list;
  GtkListBox       *request_list;
  AdwPreferencesGroup *rejected_group;
  TscJsonView      *rejected_view;
  AdwPreferencesGroup *headers_group;
  GtkListBox       *headers_list;
  AdwPreferencesGroup *raw_group;
  GtkTextView      *raw_view;
  AdwPreferencesGroup *stream_group;
  GtkListBox       *stream_list;
  AdwPreferencesGroup *devices_group;
  GtkListBox       *devices_list;

  TscSession       *session;
  gulong            messages_added_id;
  gulong            upstream_outcome_id;

  gint64            seq;
  char             *user_id;        /* of the shown call, from the index */
  char             *anonymous_id;
  TscMessage       *message;        /* once read */
  TscRequestRecord *request;
  GCancellable     *cancellable;
  guint             identity_refresh_id;
};

/* While calls pour into the shown stream, its identity page is rebuilt
 * at most this often. */
#define IDENTITY_REFRESH_MS 500

G_DEFINE_FINAL_TYPE (TscDetailPane, tsc_detail_pane, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SEQ,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------------- */
/* Plain functions                                                         */

/**
 * tsc_stream_find_segment:
 *
 * Returns: the index in @stream's segments of the one that holds
 *   message @seq, or -1 when none does
 */
int
tsc_stream_find_segment (const TscStream *stream,
                         gint64           seq)
{
  g_return_val_if_fail (stream != NULL, -1);

  for (guint i = 0; i < stream->segments->len; i++)
    {
      const TscSegment *segment = &g_array_index (stream->segments, TscSegment, i);

      if (seq >= segment->first_seq && seq <= segment->last_seq)
        return i;
    }
  return -1;
}

/**
 * tsc_stream_describe_segments:
 *
 * Returns: (transfer full): the stream's identities in order, such as
 *   "anonymous → user-1 → user-2"
 */
char *
tsc_stream_describe_segments (const TscStream *stream)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (stream != NULL, NULL);

  for (guint i = 0; i < stream->segments->len; i++)
    {
      const TscSegment *segment = &g_array_index (stream->segments, TscSegment, i);

      if (i > 0)
        g_string_append (text, " → ");
      g_string_append (text, segment->user_id ? segment->user_id : _("anonymous"));
    }
  return g_string_free (text, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Rows                                                                    */

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
new_row (GtkWidget *child)
{
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), child);
  return row;
}

static GtkWidget *
new_value_label (const char *text,
                 gboolean    monospace)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (label), TRUE);
  if (monospace)
    gtk_widget_add_css_class (label, "monospace");
  return label;
}

/* A "name  value" row; an unknown value reads as a dim dash. */
static void
add_property (GtkListBox *list,
              const char *name,
              const char *value,
              gboolean    monospace)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *key = gtk_label_new (name);
  GtkSizeGroup *size_group;
  GtkWidget *label;

  gtk_widget_add_css_class (box, "property");
  gtk_label_set_xalign (GTK_LABEL (key), 0);
  gtk_widget_set_valign (key, GTK_ALIGN_BASELINE);
  gtk_label_set_wrap (GTK_LABEL (key), TRUE);
  gtk_label_set_width_chars (GTK_LABEL (key), 14);
  gtk_label_set_max_width_chars (GTK_LABEL (key), 14);
  gtk_widget_add_css_class (key, "dim-label");
  gtk_widget_add_css_class (key, "property-name");
  gtk_box_append (GTK_BOX (box), key);

  /* One column of names per list, however long the longest. */
  size_group = g_object_get_data (G_OBJECT (list), "tsc-names");
  if (size_group == NULL)
    {
      size_group = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
      g_object_set_data_full (G_OBJECT (list), "tsc-names", size_group, g_object_unref);
    }
  gtk_size_group_add_widget (size_group, key);

  if (value != NULL && *value != '\0')
    {
      label = new_value_label (value, monospace);
    }
  else
    {
      label = gtk_label_new ("—");
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_yalign (GTK_LABEL (label), 0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_widget_add_css_class (label, "dim-label");
    }
  /* Proportional names beside monospace values: line up the text. */
  gtk_widget_set_valign (label, GTK_ALIGN_BASELINE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (label),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, key, NULL,
                                  -1);
  gtk_box_append (GTK_BOX (box), label);

  gtk_list_box_append (list, new_row (box));
}

static void
add_property_take (GtkListBox *list,
                   const char *name,
                   char       *value,
                   gboolean    monospace)
{
  add_property (list, name, value, monospace);
  g_free (value);
}

static GtkWidget *
new_flag_row (const TscFlag *flag)
{
  const TscRuleInfo *info = tsc_rule_get_info (flag->rule);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *icon = gtk_image_new_from_icon_name (tsc_severity_icon_name (flag->severity));
  GtkWidget *label;
  g_autofree char *meta = NULL;
  g_autoptr(GString) seqs = g_string_new (NULL);

  gtk_widget_add_css_class (box, "flag");
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_widget_add_css_class (icon, "flag-icon");
  tsc_widget_set_severity_class (icon, flag->severity);
  gtk_box_append (GTK_BOX (box), icon);

  label = new_value_label (flag->summary, FALSE);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (text), label);

  for (guint i = 0; flag->seqs != NULL && i < flag->seqs->len; i++)
    g_string_append_printf (seqs, "%s#%" G_GINT64_FORMAT, i > 0 ? ", " : "",
                            g_array_index (flag->seqs, gint64, i));

  /* TRANSLATORS: severity · rule title · rule id · the calls involved */
  meta = g_strdup_printf (_("%s · %s · %s · calls %s"),
                          tsc_severity_label (flag->severity), info->title, info->id, seqs->str);
  label = new_value_label (meta, FALSE);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "flag-meta");
  tsc_widget_set_severity_class (label, flag->severity);
  gtk_box_append (GTK_BOX (text), label);

  label = new_value_label (flag->explanation ? flag->explanation : info->help, FALSE);
  gtk_widget_add_css_class (label, "flag-explanation");
  gtk_box_append (GTK_BOX (text), label);

  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (box), text);
  return new_row (box);
}

/* A small coloured disc: a userId's colour, or the anonymous one. */
static void
draw_dot (GtkDrawingArea *area,
          cairo_t        *cr,
          int             width,
          int             height,
          gpointer        user_data)
{
  const char *user_id = user_data;
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  double r = MIN (width, height) / 2.0;
  GdkRGBA color;

  if (user_id != NULL)
    tsc_user_color (user_id, dark, &color);
  else
    tsc_anonymous_color (dark, &color);

  gdk_cairo_set_source_rgba (cr, &color);
  cairo_arc (cr, width / 2.0, height / 2.0, r, 0, 2 * G_PI);
  cairo_fill (cr);
}

static GtkWidget *
new_dot (const char *user_id)
{
  GtkWidget *area = gtk_drawing_area_new ();

  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), 12);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), 12);
  gtk_widget_set_valign (area, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_dot, g_strdup (user_id), g_free);
  return area;
}

/* icon-or-dot · title / subtitle · an optional tag on the right */
static GtkWidget *
new_identity_row (GtkWidget  *start,
                  const char *title,
                  const char *subtitle,
                  const char *tag,
                  gboolean    monospace_title)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label;
  GtkWidget *row;

  gtk_widget_add_css_class (box, "identity");
  gtk_box_append (GTK_BOX (box), start);

  label = new_value_label (title, monospace_title);
  gtk_box_append (GTK_BOX (text), label);
  if (subtitle != NULL)
    {
      label = new_value_label (subtitle, FALSE);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (text), label);
    }
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (box), text);

  if (tag != NULL)
    {
      label = gtk_label_new (tag);
      gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (label, "tag");
      gtk_box_append (GTK_BOX (box), label);
    }

  row = new_row (box);
  if (tag != NULL)
    gtk_widget_add_css_class (row, "current");
  return row;
}

/* ---------------------------------------------------------------------- */
/* Filling the pages                                                       */

static const TscIndexRow *
find_row (TscDetailPane *self)
{
  TscMessageIndex *index;
  guint position;

  if (self->session == NULL || self->seq <= 0)
    return NULL;

  index = tsc_session_get_index (self->session);
  if (!tsc_message_index_find_seq (index, self->seq, &position))
    return NULL;
  return tsc_message_index_get_row (index, position);
}

static void
fill_header (TscDetailPane     *self,
             const TscIndexRow *row)
{
  const char *type = tsc_message_type_to_string (row->type);
  g_autofree char *title = NULL;
  g_autofree char *time = tsc_format_time (row->time, TRUE);
  g_autoptr(GString) subtitle = g_string_new (NULL);

  if (self->message != NULL && self->message->type_name != NULL)
    type = self->message->type_name;
  if (type == NULL)
    type = _("call without type");

  if (row->label != NULL)
    title = g_strdup_printf ("%s “%s”", type, row->label);
  else
    title = g_strdup (type);
  gtk_label_set_label (self->title_label, title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label), title);

  g_string_append_printf (subtitle, "#%" G_GINT64_FORMAT " · %s", row->seq, time);
  if (row->user_id != NULL)
    g_string_append_printf (subtitle, " · %s", row->user_id);
  else if (row->anonymous_id != NULL)
    g_string_append_printf (subtitle, " · %s", row->anonymous_id);
  gtk_label_set_label (self->subtitle_label, subtitle->str);

  gtk_image_set_from_icon_name (self->header_icon, tsc_severity_icon_name (row->severity));
  tsc_widget_set_severity_class (GTK_WIDGET (self->header_icon),
                                 row->n_flags > 0 ? row->severity : TSC_SEVERITY_OFF);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->header_icon),
                               row->n_flags > 0 ? tsc_severity_label (row->severity)
                                                : _("No flags"));
}

static int
compare_flags_by_severity (gconstpointer a,
                           gconstpointer b)
{
  const TscFlag *fa = *(TscFlag * const *) a;
  const TscFlag *fb = *(TscFlag * const *) b;

  if (fa->severity != fb->severity)
    return fa->severity > fb->severity ? -1 : 1;
  return fa->seq < fb->seq ? -1 : fa->seq > fb->seq;
}

static void
fill_flags (TscDetailPane *self)
{
  GPtrArray *flags = tsc_identity_model_get_flags_for_seq (tsc_session_get_model (self->session),
                                                           self->seq);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

  clear_list (self->flags_list);

  for (guint i = 0; flags != NULL && i < flags->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (flags, i));
  g_ptr_array_sort (sorted, compare_flags_by_severity);

  if (sorted->len == 0)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("emblem-ok-symbolic");

      gtk_widget_add_css_class (icon, "success");
      gtk_list_box_append (self->flags_list,
                           new_identity_row (icon, _("No flags"),
                                             _("This call breaks none of the identity rules."),
                                             NULL, FALSE));
      adw_preferences_group_set_description (self->flags_group, NULL);
      return;
    }

  for (guint i = 0; i < sorted->len; i++)
    gtk_list_box_append (self->flags_list, new_flag_row (g_ptr_array_index (sorted, i)));
  adw_preferences_group_set_description (self->flags_group, NULL);
}

static void
fill_identity (TscDetailPane *self)
{
  TscIdentityModel *model = tsc_session_get_model (self->session);
  TscStream *stream = NULL;
  const char *user_id = self->user_id;
  TscUser *user;

  clear_list (self->stream_list);
  clear_list (self->devices_list);

  if (self->anonymous_id != NULL)
    stream = tsc_identity_model_get_stream (model, self->anonymous_id);

  if (stream == NULL)
    {
      adw_preferences_group_set_description (self->stream_group,
                                             _("A server-side call: it has no anonymousId, so it "
                                               "belongs to its user rather than to a browser or "
                                               "device stream."));
      gtk_widget_set_visible (GTK_WIDGET (self->stream_list), FALSE);
    }
  else
    {
      g_autofree char *chain = tsc_stream_describe_segments (stream);
      g_autofree char *description = NULL;
      int current = tsc_stream_find_segment (stream, self->seq);

      if (stream->reset_before)
        description = g_strdup_printf (_("%s on %s, after an inferred reset: %s"),
                                       stream->anonymous_id, stream->client->label, chain);
      else
        description = g_strdup_printf (_("%s on %s: %s"),
                                       stream->anonymous_id, stream->client->label, chain);
      adw_preferences_group_set_description (self->stream_group, description);
      gtk_widget_set_visible (GTK_WIDGET (self->stream_list), TRUE);

      for (guint i = 0; i < stream->segments->len; i++)
        {
          const TscSegment *segment = &g_array_index (stream->segments, TscSegment, i);
          g_autofree char *range = NULL;

          if (segment->first_seq == segment->last_seq)
            range = g_strdup_printf (_("Call #%" PRId64), (gint64) segment->first_seq);
          else
            range = g_strdup_printf (_("Calls #%" PRId64 " to #%" PRId64),
                                     segment->first_seq, segment->last_seq);

          gtk_list_box_append (self->stream_list,
                               new_identity_row (new_dot (segment->user_id),
                                                 segment->user_id ? segment->user_id
                                                                  : _("Anonymous"),
                                                 range,
                                                 (int) i == current ? _("This call") : NULL,
                                                 segment->user_id != NULL));
          if (user_id == NULL && (int) i == current)
            user_id = segment->user_id;
        }
    }

  user = user_id ? tsc_identity_model_get_user (model, user_id) : NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->devices_group), user != NULL);
  if (user == NULL)
    return;

  {
    g_autofree char *title = g_strdup_printf (_("Devices of %s"), user->user_id);
    g_autofree char *description = NULL;
    g_autoptr(GPtrArray) clients = g_ptr_array_new ();

    adw_preferences_group_set_title (self->devices_group, title);

    for (guint i = 0; i < user->streams->len; i++)
      {
        TscStream *s = g_ptr_array_index (user->streams, i);

        if (!g_ptr_array_find (clients, s->client, NULL))
          g_ptr_array_add (clients, s->client);
      }

    for (guint i = 0; i < clients->len; i++)
      {
        TscClient *client = g_ptr_array_index (clients, i);
        g_autoptr(GString) subtitle = g_string_new (NULL);
        guint n_streams = 0;
        GtkWidget *icon;

        /* The anonymousIds the user had there, the first few. */
        for (guint j = 0; j < user->streams->len; j++)
          {
            TscStream *s = g_ptr_array_index (user->streams, j);

            if (s->client != client)
              continue;
            if (n_streams < 3)
              g_string_append_printf (subtitle, "%s%s", n_streams > 0 ? ", " : "", s->anonymous_id);
            n_streams++;
          }
        if (n_streams > 3)
          /* TRANSLATORS: after a list of three anonymousIds */
          g_string_append_printf (subtitle,
                                  ngettext (" and %u more", " and %u more", n_streams - 3),
                                  n_streams - 3);
        icon = gtk_image_new_from_icon_name (client->lane ? "network-transmit-receive-symbolic"
                                                          : "computer-symbolic");
        gtk_list_box_append (self->devices_list,
                             new_identity_row (icon, client->label, subtitle->str,
                                               stream != NULL && stream->client == client
                                               ? _("This device") : NULL,
                                               FALSE));
      }

    description = g_strdup_printf (ngettext ("%u call carries this userId.",
                                             "%u calls carry this userId.", user->seqs->len),
                                   user->seqs->len);
    adw_preferences_group_set_description (self->devices_group, description);
  }
}

static char *
describe_status (const TscRequestRecord *request)
{
  const char *phrase = soup_status_get_phrase (request->status);

  if (request->error_code != NULL)
    return g_strdup_printf ("%u %s — %s: %s", request->status, phrase ? phrase : "",
                            request->error_code,
                            request->error_message ? request->error_message : "");
  return g_strdup_printf ("%u %s", request->status, phrase ? phrase : "");
}

static const char *
describe_auth (TscAuthMethod method)
{
  switch (method)
    {
    case TSC_AUTH_BASIC:
      return _("Basic (write key as the user name)");
    case TSC_AUTH_BEARER:
      return _("Bearer token");
    case TSC_AUTH_BODY:
      return _("writeKey in the body");
    case TSC_AUTH_QUERY:
      return _("writeKey in the query string");
    case TSC_AUTH_NONE:
    default:
      return _("None");
    }
}

static char *
describe_size (gsize  size,
               gssize decoded)
{
  g_autofree char *wire = g_format_size_full (size, G_FORMAT_SIZE_LONG_FORMAT);

  if (decoded >= 0 && (gsize) decoded != size)
    {
      g_autofree char *plain = g_format_size (decoded);
      /* TRANSLATORS: bytes on the wire, then after Content-Encoding */
      return g_strdup_printf (_("%s (%s decoded)"), wire, plain);
    }
  return g_steal_pointer (&wire);
}

static void
fill_headers (TscDetailPane *self)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;
  g_autoptr(GList) members = NULL;

  clear_list (self->headers_list);
  gtk_widget_set_visible (GTK_WIDGET (self->headers_group), FALSE);

  if (self->request == NULL || self->request->headers_json == NULL ||
      !json_parser_load_from_data (parser, self->request->headers_json, -1, NULL))
    return;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;

  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);

      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        add_property (self->headers_list, l->data, json_node_get_string (value), TRUE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->headers_group), members != NULL);
}

static void
fill_request (TscDetailPane *self)
{
  TscMessage *m = self->message;
  TscTransport *t = self->request ? self->request->transport : m->transport;
  GtkListBox *list = self->request_list;
  g_autofree char *raw_text = NULL;
  gsize raw_len = 0;
  const char *raw_data = NULL;

  clear_list (list);

  if (t != NULL)
    {
      add_property_take (list, _("Request"),
                         g_strdup_printf ("%s %s", t->method ? t->method : "POST",
                                          t->path ? t->path : ""),
                         TRUE);
      add_property (list, _("Route"), t->route, TRUE);
      if (t->lane != NULL)
        add_property (list, _("Lane"), t->lane, TRUE);
    }
  if (self->request != NULL)
    {
      const TscUpstreamOutcome *upstream = tsc_session_lookup_upstream (self->session, self->request->id);
      g_autofree char *forwarded = NULL;

      add_property_take (list, _("Status"), describe_status (self->request), FALSE);
      add_property_take (list, _("Received"),
                         tsc_format_time (self->request->received_at, TRUE), FALSE);
      /* A capture's live outcome, else the one the file keeps; no row
       * for a request that was not forwarded. */
      forwarded = tsc_describe_upstream (upstream ? upstream : &self->request->upstream);
      if (forwarded == NULL && self->request->status < 400 &&
          tsc_session_get_forward_url (self->session) != NULL)
        forwarded = g_strdup (_("Sending…"));
      if (forwarded != NULL)
        add_property (list, _("Upstream"), forwarded, FALSE);
    }
  if (t != NULL)
    {
      add_property (list, _("Authentication"), describe_auth (t->auth_method), FALSE);
      add_property (list, _("Write key"), t->write_key, TRUE);
      add_property (list, _("Content type"), t->content_type, TRUE);
      add_property (list, _("Content encoding"),
                    t->content_encoding ? t->content_encoding : _("None"), FALSE);
      add_property (list, _("Remote address"), t->remote_addr, TRUE);
      add_property (list, _("User agent"), t->user_agent, FALSE);
      add_property (list, _("Origin"), t->origin, FALSE);
    }
  if (self->request != NULL)
    {
      add_property_take (list, _("Body size"),
                         describe_size (self->request->body_size, self->request->decoded_size),
                         FALSE);
      add_property_take (list, _("Calls in request"),
                         g_strdup_printf ("%u", self->request->message_count), FALSE);
    }

  fill_headers (self);

  if (self->request != NULL && self->request->body != NULL)
    {
      g_autofree char *description = NULL;
      g_autofree char *kept = g_format_size (g_bytes_get_size (self->request->body));

      if (self->request->body_truncated)
        description = g_strdup_printf (_("Rejected with %u: the first %s as received"),
                                       self->request->status, kept);
      else
        description = g_strdup_printf (_("Rejected with %u: the body as received"),
                                       self->request->status);
      adw_preferences_group_set_description (self->rejected_group, description);
      tsc_json_view_set_json (self->rejected_view, self->request->body);
      gtk_widget_set_visible (GTK_WIDGET (self->rejected_group), TRUE);
    }
  else
    {
      tsc_json_view_set_json (self->rejected_view, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->rejected_group), FALSE);
    }

  if (m->raw != NULL)
    raw_data = g_bytes_get_data (m->raw, &raw_len);
  if (raw_data != NULL)
    {
      g_autofree char *size = g_format_size_full (raw_len, G_FORMAT_SIZE_LONG_FORMAT);
      g_autofree char *description = NULL;

      raw_text = g_utf8_make_valid (raw_data, MIN (raw_len, RAW_DISPLAY_LIMIT));
      if (raw_len > RAW_DISPLAY_LIMIT)
        description = g_strdup_printf (_("This call's bytes exactly as received, %s; the first "
                                         "64 KB are shown, Copy takes all"), size);
      else
        description = g_strdup_printf (_("This call's bytes exactly as received, %s"), size);
      adw_preferences_group_set_description (self->raw_group, description);
    }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->raw_view),
                            raw_text ? raw_text : "", -1);
  gtk_widget_set_visible (GTK_WIDGET (self->raw_group), raw_data != NULL);
}

static void
fill_call (TscDetailPane *self)
{
  TscMessage *m = self->message;
  GtkListBox *list = self->call_list;
  const char *label = tsc_message_get_label (m);

  clear_list (list);

  add_property (list, _("Type"), m->type_name, TRUE);
  if (label != NULL)
    add_property (list, m->event ? _("Event") : _("Name"), label, FALSE);
  add_property (list, "userId", m->user_id, TRUE);
  add_property (list, "anonymousId", m->anonymous_id, TRUE);
  if (m->previous_id != NULL)
    add_property (list, "previousId", m->previous_id, TRUE);
  if (m->group_id != NULL)
    add_property (list, "groupId", m->group_id, TRUE);
  if (m->message_id_added)
    add_property_take (list, "messageId",
                       g_strdup_printf (_("%s (added by Trackscope: the call had none)"),
                                        m->message_id),
                       TRUE);
  else
    add_property (list, "messageId", m->message_id, TRUE);
  add_property (list, "timestamp", m->timestamp, TRUE);
  add_property (list, "sentAt", m->sent_at, TRUE);
  add_property_take (list, _("Received"), tsc_format_time (m->received_at, TRUE), FALSE);
  add_property_take (list, _("Corrected time"), tsc_format_time (m->corrected_at, TRUE), FALSE);
  if (m->batch_index >= 0)
    add_property_take (list, _("In batch"),
                       g_strdup_printf (_("Item %d of the batch"), m->batch_index + 1), FALSE);
  add_property_take (list, _("Sequence"), g_strdup_printf ("#%" G_GINT64_FORMAT, m->seq), FALSE);
}

static void
set_loading (TscDetailPane *self,
             gboolean       loading)
{
  if (loading == gtk_widget_get_visible (GTK_WIDGET (self->payload_spinner)))
    return;

  gtk_widget_set_visible (GTK_WIDGET (self->payload_spinner), loading);
  gtk_spinner_set_spinning (self->payload_spinner, loading);
  gtk_widget_set_visible (GTK_WIDGET (self->json_view), !loading);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
show_message (TscDetailPane *self)
{
  const TscIndexRow *row = find_row (self);

  if (row != NULL)
    fill_header (self, row);
  fill_call (self);
  fill_request (self);
  tsc_json_view_set_json (self->json_view, self->message->raw);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-payload", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-raw", self->message->raw != NULL);
  set_loading (self, FALSE);
}

static void
read_message_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TscDetailPane) self = user_data;
  g_autoptr(TscRequestRecord) request = NULL;
  g_autoptr(GError) error = NULL;
  TscMessage *message;

  message = tsc_session_read_message_finish (TSC_SESSION (object), result, &request, &error);
  if (message == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_clear_object (&self->cancellable);
      set_loading (self, FALSE);
      adw_status_page_set_description (self->missing_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "missing");
      return;
    }

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->message, tsc_message_unref);
  g_clear_pointer (&self->request, tsc_request_record_unref);
  self->message = message;
  self->request = g_steal_pointer (&request);
  show_message (self);
}

static void
clear_shown (TscDetailPane *self)
{
  g_clear_handle_id (&self->identity_refresh_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->message, tsc_message_unref);
  g_clear_pointer (&self->request, tsc_request_record_unref);
  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->anonymous_id, g_free);

  tsc_json_view_set_json (self->json_view, NULL);
  tsc_json_view_set_json (self->rejected_view, NULL);
  clear_list (self->flags_list);
  clear_list (self->call_list);
  clear_list (self->request_list);
  clear_list (self->headers_list);
  clear_list (self->stream_list);
  clear_list (self->devices_list);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-payload", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-raw", FALSE);
  set_loading (self, FALSE);
}

/* Shows what the model knows now and starts reading the payload. */
static void
load (TscDetailPane *self)
{
  const TscIndexRow *row;

  clear_shown (self);

  if (self->seq <= 0 || self->session == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  row = find_row (self);
  if (row == NULL)
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (_("Call #%" PRId64 " is not in this session."), self->seq);
      adw_status_page_set_description (self->missing_page, text);
      gtk_stack_set_visible_child_name (self->stack, "missing");
      return;
    }

  self->user_id = g_strdup (row->user_id);
  self->anonymous_id = g_strdup (row->anonymous_id);
  fill_header (self, row);
  fill_flags (self);
  fill_identity (self);
  gtk_stack_set_visible_child_name (self->stack, "call");

  set_loading (self, TRUE);
  self->cancellable = g_cancellable_new ();
  tsc_session_read_message_async (self->session, self->seq, self->cancellable,
                                  read_message_cb, g_object_ref (self));
}

static gboolean
flags_involve_seq (GPtrArray *flags,
                   gint64     seq)
{
  for (guint i = 0; flags != NULL && i < flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);

      for (guint j = 0; flag->seqs != NULL && j < flag->seqs->len; j++)
        {
          if (g_array_index (flag->seqs, gint64, j) == seq)
            return TRUE;
        }
    }
  return FALSE;
}

static gboolean
refresh_identity_cb (gpointer data)
{
  TscDetailPane *self = data;

  self->identity_refresh_id = 0;
  fill_identity (self);
  return G_SOURCE_REMOVE;
}

static void
on_session_messages_added_cb (TscSession    *session,
                              guint          position,
                              guint          n_added,
                              GPtrArray     *flags,
                              TscDetailPane *self)
{
  TscMessageIndex *index = tsc_session_get_index (session);
  gboolean identity_changed = FALSE;
  const TscIndexRow *row;

  if (self->seq <= 0)
    return;

  /* A loaded file replaces the model: start over. */
  if (position == 0)
    {
      load (self);
      return;
    }

  for (guint i = position; i < position + n_added && !identity_changed; i++)
    {
      const TscIndexRow *added = tsc_message_index_get_row (index, i);

      identity_changed =
        (self->anonymous_id != NULL && g_strcmp0 (added->anonymous_id, self->anonymous_id) == 0) ||
        (self->user_id != NULL && g_strcmp0 (added->user_id, self->user_id) == 0);
    }

  row = find_row (self);
  if (flags_involve_seq (flags, self->seq))
    {
      fill_flags (self);
      if (row != NULL)
        fill_header (self, row);
    }
  if (identity_changed && self->identity_refresh_id == 0)
    self->identity_refresh_id = g_timeout_add (IDENTITY_REFRESH_MS, refresh_identity_cb, self);
}

static void
on_style_manager_dark_cb (AdwStyleManager *manager,
                          GParamSpec      *pspec,
                          TscDetailPane   *self)
{
  /* The user colours of the identity page differ in the dark. */
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->stream_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
      GtkWidget *first = box ? gtk_widget_get_first_child (box) : NULL;

      if (GTK_IS_DRAWING_AREA (first))
        gtk_widget_queue_draw (first);
    }
}

/* ---------------------------------------------------------------------- */
/* Public API                                                              */

/* The shown call's request got its forwarding outcome. */
static void
on_session_upstream_outcome_cb (TscSession    *session,
                                gint64         request_id,
                                TscDetailPane *self)
{
  if (self->message != NULL && self->request != NULL && self->request->id == request_id)
    fill_request (self);
}

/**
 * tsc_detail_pane_set_session:
 * @session: (nullable): the session the calls come from
 */
void
tsc_detail_pane_set_session (TscDetailPane *self,
                             TscSession    *session)
{
  g_return_if_fail (TSC_IS_DETAIL_PANE (self));
  g_return_if_fail (session == NULL || TSC_IS_SESSION (session));

  if (self->session == session)
    return;

  if (self->session != NULL)
    g_clear_signal_handler (&self->upstream_outcome_id, self->session);
  tsc_widget_swap_session (self, &self->session, session, &self->messages_added_id,
                           G_CALLBACK (on_session_messages_added_cb));
  if (session != NULL)
    self->upstream_outcome_id = g_signal_connect_object (session, "upstream-outcome",
                                                         G_CALLBACK (on_session_upstream_outcome_cb),
                                                         self, 0);

  self->seq = 0;
  load (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEQ]);
}

TscSession *
tsc_detail_pane_get_session (TscDetailPane *self)
{
  g_return_val_if_fail (TSC_IS_DETAIL_PANE (self), NULL);
  return self->session;
}

/**
 * tsc_detail_pane_set_seq:
 * @seq: the sequence number of the call to show, or 0 for none
 *
 * Shows call @seq: its flags and identity at once, its payload and
 * request once read from the session file. A read still running for
 * the previous call is cancelled.
 */
void
tsc_detail_pane_set_seq (TscDetailPane *self,
                         gint64         seq)
{
  g_return_if_fail (TSC_IS_DETAIL_PANE (self));

  seq = MAX (seq, 0);
  if (self->seq == seq)
    return;

  self->seq = seq;
  load (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEQ]);
}

gint64
tsc_detail_pane_get_seq (TscDetailPane *self)
{
  g_return_val_if_fail (TSC_IS_DETAIL_PANE (self), 0);
  return self->seq;
}

/**
 * tsc_detail_pane_get_loading:
 *
 * Returns: whether the call's payload is still being read
 */
gboolean
tsc_detail_pane_get_loading (TscDetailPane *self)
{
  g_return_val_if_fail (TSC_IS_DETAIL_PANE (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->payload_spinner));
}

/**
 * tsc_detail_pane_get_message:
 *
 * Returns: (transfer none) (nullable): the call shown, once read
 */
TscMessage *
tsc_detail_pane_get_message (TscDetailPane *self)
{
  g_return_val_if_fail (TSC_IS_DETAIL_PANE (self), NULL);
  return self->message;
}

static void
copy_payload_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TscDetailPane *self = TSC_DETAIL_PANE (widget);

  tsc_json_view_copy (self->json_view);
}

static void
copy_raw_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TscDetailPane *self = TSC_DETAIL_PANE (widget);
  g_autofree char *text = NULL;
  gsize len;
  const char *data;

  if (self->message == NULL || self->message->raw == NULL)
    return;

  data = g_bytes_get_data (self->message->raw, &len);
  text = g_utf8_make_valid (data, len);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */

static void
tsc_detail_pane_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TscDetailPane *self = TSC_DETAIL_PANE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SEQ:
      g_value_set_int64 (value, self->seq);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, tsc_detail_pane_get_loading (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_detail_pane_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TscDetailPane *self = TSC_DETAIL_PANE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      tsc_detail_pane_set_session (self, g_value_get_object (value));
      break;
    case PROP_SEQ:
      tsc_detail_pane_set_seq (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_detail_pane_dispose (GObject *object)
{
  TscDetailPane *self = (TscDetailPane *) object;

  g_clear_handle_id (&self->identity_refresh_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->messages_added_id, self->session);
      g_clear_signal_handler (&self->upstream_outcome_id, self->session);
    }
  g_clear_object (&self->session);
  g_clear_pointer (&self->message, tsc_message_unref);
  g_clear_pointer (&self->request, tsc_request_record_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), TSC_TYPE_DETAIL_PANE);

  G_OBJECT_CLASS (tsc_detail_pane_parent_class)->dispose (object);
}

static void
tsc_detail_pane_finalize (GObject *object)
{
  TscDetailPane *self = (TscDetailPane *) object;

  g_free (self->user_id);
  g_free (self->anonymous_id);

  G_OBJECT_CLASS (tsc_detail_pane_parent_class)->finalize (object);
}

static void
tsc_detail_pane_class_init (TscDetailPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tsc_detail_pane_get_property;
  object_class->set_property = tsc_detail_pane_set_property;
  object_class->dispose = tsc_detail_pane_dispose;
  object_class->finalize = tsc_detail_pane_finalize;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, TSC_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEQ] =
    g_param_spec_int64 ("seq", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * TscDetailPane:loading:
   *
   * The payload and the request are being read from the session file.
   */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "detail.copy-payload", NULL, copy_payload_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-raw", NULL, copy_raw_action);

  g_type_ensure (TSC_TYPE_JSON_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/tsc-detail-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, stack);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, missing_page);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, header_icon);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, title_label);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, view_stack);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, flags_group);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, flags_list);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, payload_spinner);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, json_view);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, call_group);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, call_list);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, request_list);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, rejected_group);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, rejected_view);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, headers_group);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, headers_list);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, raw_group);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, raw_view);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, stream_group);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, stream_list);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, devices_group);
  gtk_widget_class_bind_template_child (widget_class, TscDetailPane, devices_list);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "detailpane");
}

static void
tsc_detail_pane_init (TscDetailPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-payload", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-raw", FALSE);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (on_style_manager_dark_cb), self, 0);
}

GtkWidget *
tsc_detail_pane_new (void)
{
  return g_object_new (TSC_TYPE_DETAIL_PANE, NULL);
}
