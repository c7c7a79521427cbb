/* tsc-sidebar.c
 *
 * The sidebar lists what the identity model has seen: "All Calls", the
 * devices (clients, each expanding to its streams and their identity
 * segments) and the users, each with its counts and the worst severity
 * among its calls' flags. Selecting a row sets the scope every view
 * narrows to.
 *
 * It grows with the session: on TscSession::messages-added only the new
 * index rows are read (O(new rows + flagged seqs)), new clients, streams
 * and users are appended to their GListStores, and each item whose
 * counts changed notifies once per batch; rows on screen refresh from
 * that notification. The list is rebuilt only when the session's model
 * is replaced (a file was loaded) or another session is set.
 *
 * The counts are read from the message index, the same rows the views
 * filter with tsc_scope_matches(): a device's calls are the rows whose
 * client it is, a user's the rows carrying the userId, and the worst
 * severity is the worst flag among those rows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-sidebar"

#include "config.h"

#include "tsc-sidebar.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "tsc-widget-utils.h"

/* Streams shown as chips on a stream row; earlier segments are counted. */
#define MAX_CHIPS 3

/* ---------------------------------------------------------------------- */
/* TscSidebarItem                                                          */

struct _TscSidebarItem
{
  GObject             parent_instance;

  TscSidebarItemKind  kind;
  char               *title;
  char               *user_id;    /* USER */
  const TscClient    *client;     /* CLIENT */
  const TscStream    *stream;     /* STREAM */
  GListStore         *children;   /* CLIENT: TscSidebarItem of its streams */
  GHashTable         *devices;    /* USER: the TscClient * its calls came from */

  guint               n_calls;
  guint               n_segments; /* STREAM */
  TscSeverity         severity;
  TscSeverity         notified_severity;
  gboolean            dirty;
};

G_DEFINE_FINAL_TYPE (TscSidebarItem, tsc_sidebar_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_TITLE,
  ITEM_PROP_SUBTITLE,
  ITEM_PROP_SEVERITY,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

static TscSidebarItem *
item_new (TscSidebarItemKind  kind,
          const char         *title)
{
  TscSidebarItem *item = g_object_new (TSC_TYPE_SIDEBAR_ITEM, NULL);

  item->kind = kind;
  item->title = g_strdup (title);
  return item;
}

TscSidebarItemKind
tsc_sidebar_item_get_kind (TscSidebarItem *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR_ITEM (self), TSC_SIDEBAR_ITEM_ALL);
  return self->kind;
}

const char *
tsc_sidebar_item_get_title (TscSidebarItem *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR_ITEM (self), NULL);
  return self->title;
}

TscSeverity
tsc_sidebar_item_get_severity (TscSidebarItem *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR_ITEM (self), TSC_SEVERITY_OFF);
  return self->severity;
}

guint
tsc_sidebar_item_get_n_calls (TscSidebarItem *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR_ITEM (self), 0);
  return self->n_calls;
}

/**
 * tsc_sidebar_item_get_n_streams:
 *
 * Returns: for a device, how many streams (anonymousIds) it sent
 */
guint
tsc_sidebar_item_get_n_streams (TscSidebarItem *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR_ITEM (self), 0);
  return self->children ? g_list_model_get_n_items (G_LIST_MODEL (self->children)) : 0;
}

/**
 * tsc_sidebar_item_get_n_devices:
 *
 * Returns: for a user, how many devices sent calls carrying the userId
 */
guint
tsc_sidebar_item_get_n_devices (TscSidebarItem *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR_ITEM (self), 0);
  return self->devices ? g_hash_table_size (self->devices) : 0;
}

const TscClient *
tsc_sidebar_item_get_client (TscSidebarItem *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR_ITEM (self), NULL);
  return self->client;
}

const TscStream *
tsc_sidebar_item_get_stream (TscSidebarItem *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR_ITEM (self), NULL);
  return self->stream;
}

const char *
tsc_sidebar_item_get_user_id (TscSidebarItem *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR_ITEM (self), NULL);
  return self->user_id;
}

static char *
format_calls (guint n)
{
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u call", "%u calls", n), n);
}

/**
 * tsc_sidebar_item_dup_subtitle:
 *
 * Returns: (transfer full) (nullable): the counts line under the title
 */
char *
tsc_sidebar_item_dup_subtitle (TscSidebarItem *self)
{
  g_autofree char *calls = NULL;
  g_autofree char *other = NULL;
  guint n;

  g_return_val_if_fail (TSC_IS_SIDEBAR_ITEM (self), NULL);

  calls = format_calls (self->n_calls);

  switch (self->kind)
    {
    case TSC_SIDEBAR_ITEM_ALL:
      if (self->n_calls == 0)
        return g_strdup (_("No calls yet"));
      return g_steal_pointer (&calls);

    case TSC_SIDEBAR_ITEM_CLIENT:
      n = tsc_sidebar_item_get_n_streams (self);
      if (n == 0)
        return g_steal_pointer (&calls);
      other = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u stream", "%u streams", n), n);
      /* Translators: "2 streams · 14 calls" */
      return g_strdup_printf (_("%s · %s"), other, calls);

    case TSC_SIDEBAR_ITEM_STREAM:
      if (self->stream != NULL && self->stream->reset_before)
        /* Translators: "after a reset · 14 calls" */
        return g_strdup_printf (_("after a reset · %s"), calls);
      return g_steal_pointer (&calls);

    case TSC_SIDEBAR_ITEM_USER:
      n = tsc_sidebar_item_get_n_devices (self);
      other = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u device", "%u devices", n), n);
      return g_strdup_printf (_("%s · %s"), other, calls);

    case TSC_SIDEBAR_ITEM_HEADING:
    default:
      return NULL;
    }
}

static void
tsc_sidebar_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TscSidebarItem *self = TSC_SIDEBAR_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case ITEM_PROP_SUBTITLE:
      g_value_take_string (value, tsc_sidebar_item_dup_subtitle (self));
      break;
    case ITEM_PROP_SEVERITY:
      g_value_set_uint (value, self->severity);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_sidebar_item_finalize (GObject *object)
{
  TscSidebarItem *self = (TscSidebarItem *) object;

  g_free (self->title);
  g_free (self->user_id);
  g_clear_object (&self->children);
  g_clear_pointer (&self->devices, g_hash_table_unref);

  G_OBJECT_CLASS (tsc_sidebar_item_parent_class)->finalize (object);
}

static void
tsc_sidebar_item_class_init (TscSidebarItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = tsc_sidebar_item_get_property;
  object_class->finalize = tsc_sidebar_item_finalize;

  item_properties[ITEM_PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_SUBTITLE] =
    g_param_spec_string ("subtitle", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_SEVERITY] =
    g_param_spec_uint ("severity", NULL, NULL,
                       TSC_SEVERITY_OFF, TSC_SEVERITY_ERROR, TSC_SEVERITY_OFF,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
tsc_sidebar_item_init (TscSidebarItem *self)
{
}

/* ---------------------------------------------------------------------- */
/* TscSidebarChip: a userId's colour, as a dot or as a labelled chip       */

#define TSC_TYPE_SIDEBAR_CHIP (tsc_sidebar_chip_get_type ())
G_DECLARE_FINAL_TYPE (TscSidebarChip, tsc_sidebar_chip, TSC, SIDEBAR_CHIP, GtkWidget)

struct _TscSidebarChip
{
  GtkWidget  parent_instance;

  char      *user_id;   /* NULL: anonymous */
  GtkWidget *label;     /* NULL: a dot */
};

G_DEFINE_FINAL_TYPE (TscSidebarChip, tsc_sidebar_chip, GTK_TYPE_WIDGET)

static void
tsc_sidebar_chip_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  TscSidebarChip *self = TSC_SIDEBAR_CHIP (widget);
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  float dot = MIN (8.f, height);
  GskRoundedRect outline;
  GdkRGBA color;

  if (self->user_id != NULL)
    tsc_user_color (self->user_id, dark, &color);
  else
    tsc_anonymous_color (dark, &color);

  if (self->label != NULL)
    {
      GdkRGBA tint = color;

      tint.alpha = dark ? 0.28f : 0.18f;
      gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (0, 0, width, height),
                                       height / 2.f);
      gtk_snapshot_push_rounded_clip (snapshot, &outline);
      gtk_snapshot_append_color (snapshot, &tint, &GRAPHENE_RECT_INIT (0, 0, width, height));
      gtk_snapshot_pop (snapshot);

      gsk_rounded_rect_init_from_rect (&outline,
                                       &GRAPHENE_RECT_INIT (height / 2.f - dot / 2.f,
                                                            (height - dot) / 2.f, dot, dot),
                                       dot / 2.f);
    }
  else
    {
      dot = MIN (width, height);
      gsk_rounded_rect_init_from_rect (&outline,
                                       &GRAPHENE_RECT_INIT ((width - dot) / 2.f,
                                                            (height - dot) / 2.f, dot, dot),
                                       dot / 2.f);
    }

  gtk_snapshot_push_rounded_clip (snapshot, &outline);
  gtk_snapshot_append_color (snapshot, &color, &outline.bounds);
  gtk_snapshot_pop (snapshot);

  GTK_WIDGET_CLASS (tsc_sidebar_chip_parent_class)->snapshot (widget, snapshot);
}

static void
tsc_sidebar_chip_dispose (GObject *object)
{
  TscSidebarChip *self = (TscSidebarChip *) object;

  g_clear_pointer (&self->label, gtk_widget_unparent);
  g_clear_pointer (&self->user_id, g_free);

  G_OBJECT_CLASS (tsc_sidebar_chip_parent_class)->dispose (object);
}

static void
tsc_sidebar_chip_class_init (TscSidebarChipClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tsc_sidebar_chip_dispose;
  widget_class->snapshot = tsc_sidebar_chip_snapshot;

  gtk_widget_class_set_css_name (widget_class, "chip");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tsc_sidebar_chip_init (TscSidebarChip *self)
{
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
}

/* @label: (nullable): the chip's text; %NULL for a dot */
static GtkWidget *
chip_new (const char *user_id,
          const char *label)
{
  TscSidebarChip *self = g_object_new (TSC_TYPE_SIDEBAR_CHIP, NULL);

  self->user_id = g_strdup (user_id);
  if (label != NULL)
    {
      self->label = gtk_label_new (label);
      gtk_label_set_ellipsize (GTK_LABEL (self->label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (self->label), 14);
      /* Room for the dot; the chip draws its background under all of it. */
      gtk_widget_set_margin_start (self->label, 16);
      gtk_widget_set_margin_end (self->label, 7);
      gtk_widget_set_parent (self->label, GTK_WIDGET (self));
      gtk_widget_add_css_class (GTK_WIDGET (self), "labelled");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self), user_id ? user_id : _("Anonymous"));
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "dot");
    }
  return GTK_WIDGET (self);
}

static void
chip_set_user_id (TscSidebarChip *self,
                  const char     *user_id)
{
  if (g_strcmp0 (self->user_id, user_id) == 0)
    return;
  g_free (self->user_id);
  self->user_id = g_strdup (user_id);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---------------------------------------------------------------------- */
/* TscSidebarRow: what a list item shows                                   */

#define TSC_TYPE_SIDEBAR_ROW (tsc_sidebar_row_get_type ())
G_DECLARE_FINAL_TYPE (TscSidebarRow, tsc_sidebar_row, TSC, SIDEBAR_ROW, GtkWidget)

struct _TscSidebarRow
{
  GtkWidget       parent_instance;

  GtkWidget      *box;
  GtkWidget      *icon;
  GtkWidget      *dot;
  GtkWidget      *title;
  GtkWidget      *subtitle;
  GtkWidget      *chips;
  GtkWidget      *severity;

  TscSidebarItem *item;
  gulong          notify_id;
  guint           n_chips_for;  /* the segment count the chips show */
};

G_DEFINE_FINAL_TYPE (TscSidebarRow, tsc_sidebar_row, GTK_TYPE_WIDGET)

static void
tsc_sidebar_row_dispose (GObject *object)
{
  TscSidebarRow *self = (TscSidebarRow *) object;

  g_clear_signal_handler (&self->notify_id, self->item);
  g_clear_object (&self->item);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (tsc_sidebar_row_parent_class)->dispose (object);
}

static void
tsc_sidebar_row_class_init (TscSidebarRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tsc_sidebar_row_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "sidebarrow");
}

static void
tsc_sidebar_row_init (TscSidebarRow *self)
{
  GtkWidget *text;

  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->icon = gtk_image_new ();
  gtk_widget_set_valign (self->icon, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self->box), self->icon);

  self->dot = chip_new (NULL, NULL);
  gtk_widget_set_size_request (self->dot, 16, 10);
  gtk_widget_set_valign (self->dot, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self->box), self->dot);

  text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self->box), text);

  self->title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->title), 0.f);
  gtk_label_set_ellipsize (GTK_LABEL (self->title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->title, "title");
  gtk_box_append (GTK_BOX (text), self->title);

  self->subtitle = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->subtitle), 0.f);
  gtk_label_set_ellipsize (GTK_LABEL (self->subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->subtitle, "subtitle");
  gtk_widget_add_css_class (self->subtitle, "dim-label");
  gtk_box_append (GTK_BOX (text), self->subtitle);

  self->chips = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_widget_add_css_class (self->chips, "chips");
  gtk_box_append (GTK_BOX (text), self->chips);

  self->severity = gtk_image_new ();
  gtk_widget_set_valign (self->severity, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->severity, "severity");
  gtk_box_append (GTK_BOX (self->box), self->severity);
}

static const char *
client_icon_name (const TscClient *client)
{
  if (client->lane != NULL)
    return "network-workgroup-symbolic";
  if (client->label != NULL &&
      (g_str_has_prefix (client->label, "http://") || g_str_has_prefix (client->label, "https://")))
    return "web-browser-symbolic";
  return "network-server-symbolic";
}

static void
row_update_chips (TscSidebarRow *self)
{
  const TscStream *stream = self->item->stream;
  GtkWidget *child;
  guint first;

  if (stream == NULL || self->n_chips_for == stream->segments->len)
    return;

  while ((child = gtk_widget_get_first_child (self->chips)) != NULL)
    gtk_box_remove (GTK_BOX (self->chips), child);

  self->n_chips_for = stream->segments->len;
  first = self->n_chips_for > MAX_CHIPS ? self->n_chips_for - MAX_CHIPS : 0;
  if (first > 0)
    {
      g_autofree char *more = g_strdup_printf ("+%u", first);
      GtkWidget *label = gtk_label_new (more);

      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (self->chips), label);
    }

  for (guint i = first; i < self->n_chips_for; i++)
    {
      const TscSegment *segment = &g_array_index (stream->segments, TscSegment, i);
      const char *text = segment->user_id ? segment->user_id : _("anonymous");

      gtk_box_append (GTK_BOX (self->chips), chip_new (segment->user_id, text));
    }
}

static void
row_refresh (TscSidebarRow *self)
{
  TscSidebarItem *item = self->item;
  g_autofree char *subtitle = tsc_sidebar_item_dup_subtitle (item);
  gboolean flagged = item->severity != TSC_SEVERITY_OFF;

  gtk_label_set_label (GTK_LABEL (self->subtitle), subtitle);
  gtk_widget_set_visible (self->subtitle, subtitle != NULL);

  gtk_widget_set_visible (self->severity, flagged);
  if (flagged)
    {
      static const char * const classes[] = { "accent", "warning", "error" };

      gtk_image_set_from_icon_name (GTK_IMAGE (self->severity),
                                    tsc_severity_icon_name (item->severity));
      for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
        gtk_widget_remove_css_class (self->severity, classes[i]);
      gtk_widget_add_css_class (self->severity, classes[item->severity - TSC_SEVERITY_INFO]);
      gtk_widget_set_tooltip_text (self->severity, tsc_severity_label (item->severity));
    }

  row_update_chips (self);
}

static void
on_item_notify_cb (TscSidebarItem *item,
                   GParamSpec     *pspec,
                   TscSidebarRow  *self)
{
  row_refresh (self);
}

static void
row_bind (TscSidebarRow  *self,
          TscSidebarItem *item)
{
  GtkWidget *child;
  const char *title = item->title;

  g_assert (self->item == NULL);
  self->item = g_object_ref (item);
  self->notify_id = g_signal_connect (item, "notify", G_CALLBACK (on_item_notify_cb), self);
  self->n_chips_for = G_MAXUINT;

  while ((child = gtk_widget_get_first_child (self->chips)) != NULL)
    gtk_box_remove (GTK_BOX (self->chips), child);
  gtk_widget_set_visible (self->chips, item->kind == TSC_SIDEBAR_ITEM_STREAM);

  gtk_widget_set_visible (self->icon, item->kind == TSC_SIDEBAR_ITEM_ALL ||
                                      item->kind == TSC_SIDEBAR_ITEM_CLIENT);
  if (item->kind == TSC_SIDEBAR_ITEM_ALL)
    gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), "view-list-symbolic");
  else if (item->kind == TSC_SIDEBAR_ITEM_CLIENT)
    gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), client_icon_name (item->client));

  gtk_widget_set_visible (self->dot, item->kind == TSC_SIDEBAR_ITEM_USER);
  if (item->kind == TSC_SIDEBAR_ITEM_USER)
    chip_set_user_id (TSC_SIDEBAR_CHIP (self->dot), item->user_id);

  if (item->kind == TSC_SIDEBAR_ITEM_STREAM)
    gtk_widget_add_css_class (GTK_WIDGET (self), "stream-row");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "stream-row");

  if (item->kind == TSC_SIDEBAR_ITEM_HEADING)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "heading-row");
      gtk_widget_add_css_class (self->title, "heading");
      gtk_widget_add_css_class (self->title, "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "heading-row");
      gtk_widget_remove_css_class (self->title, "heading");
      gtk_widget_remove_css_class (self->title, "dim-label");
    }

  if (item->kind == TSC_SIDEBAR_ITEM_USER && title[0] == '\0')
    title = _("(empty userId)");
  gtk_label_set_label (GTK_LABEL (self->title), title);

  /* Long user agents and ids: the whole text on hover. */
  gtk_widget_set_tooltip_text (self->title,
                               item->kind == TSC_SIDEBAR_ITEM_CLIENT ? item->client->label
                               : item->kind == TSC_SIDEBAR_ITEM_STREAM ? item->stream->anonymous_id
                               : item->kind == TSC_SIDEBAR_ITEM_USER ? item->user_id : NULL);

  row_refresh (self);
}

static void
row_unbind (TscSidebarRow *self)
{
  g_clear_signal_handler (&self->notify_id, self->item);
  g_clear_object (&self->item);
}

/* ---------------------------------------------------------------------- */
/* TscSidebar                                                              */

struct _TscSidebar
{
  GtkWidget            parent_instance;

  GtkScrolledWindow   *scroller;
  GtkListView         *list_view;
  GtkSingleSelection  *selection;

  TscSession          *session;
  gulong               messages_added_id;
  TscIdentityModel    *model;       /* the session's, to notice it being replaced */
  TscMessageIndex     *index;
  guint                n_rows_seen;

  /* The sections, flattened then made a tree (clients expand) */
  GListStore          *top;
  GListStore          *devices_heading;
  GListStore          *clients;
  GListStore          *users_heading;
  GListStore          *users;
  GtkTreeListModel    *tree;

  TscSidebarItem      *all_item;
  GHashTable          *client_items;  /* TscClient * → TscSidebarItem */
  GHashTable          *stream_items;  /* TscStream * → TscSidebarItem */
  GHashTable          *user_items;    /* userId → TscSidebarItem */
  GPtrArray           *dirty;         /* TscSidebarItem, changed in this batch */
  GPtrArray           *new_clients;   /* TscSidebarItem, appended at the end of the batch */
  GPtrArray           *new_users;

  TscScope             scope;
  char                *scope_user_id;
  gboolean             updating;      /* selection changes are ours, not the user's */
};

G_DEFINE_FINAL_TYPE (TscSidebar, tsc_sidebar, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SCOPE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static TscSidebarItem *dup_selected_item (TscSidebar         *self);
static gboolean        select_matching   (TscSidebar         *self,
                                          TscSidebarItemKind  kind,
                                          const TscClient    *client,
                                          const char         *user_id);

static void
mark_dirty (TscSidebar     *self,
            TscSidebarItem *item)
{
  if (item->dirty)
    return;
  item->dirty = TRUE;
  g_ptr_array_add (self->dirty, item);
}

static void
raise_severity (TscSidebar     *self,
                TscSidebarItem *item,
                TscSeverity     severity)
{
  if (severity > item->severity)
    {
      item->severity = severity;
      mark_dirty (self, item);
    }
}

static void
notify_dirty (TscSidebar *self)
{
  for (guint i = 0; i < self->dirty->len; i++)
    {
      TscSidebarItem *item = g_ptr_array_index (self->dirty, i);

      item->dirty = FALSE;
      g_object_freeze_notify (G_OBJECT (item));
      g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_SUBTITLE]);
      if (item->severity != item->notified_severity)
        {
          item->notified_severity = item->severity;
          g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_SEVERITY]);
        }
      g_object_thaw_notify (G_OBJECT (item));
    }
  g_ptr_array_set_size (self->dirty, 0);
}

static TscSidebarItem *
client_item_for (TscSidebar      *self,
                 const TscClient *client)
{
  TscSidebarItem *item = g_hash_table_lookup (self->client_items, client);

  if (item != NULL)
    return item;

  /* Listed once its streams are known: the tree asks a row whether it
   * expands when the row is added. */
  item = item_new (TSC_SIDEBAR_ITEM_CLIENT, client->label);
  item->client = client;
  item->children = g_list_store_new (TSC_TYPE_SIDEBAR_ITEM);
  g_hash_table_insert (self->client_items, (gpointer) client, item);
  g_ptr_array_add (self->new_clients, item);
  return item;
}

static TscSidebarItem *
user_item_for (TscSidebar *self,
               const char *user_id)
{
  TscSidebarItem *item = g_hash_table_lookup (self->user_items, user_id);

  if (item != NULL)
    return item;

  item = item_new (TSC_SIDEBAR_ITEM_USER, user_id);
  item->user_id = g_strdup (user_id);
  item->devices = g_hash_table_new (NULL, NULL);
  g_hash_table_insert (self->user_items, item->user_id, item);
  g_ptr_array_add (self->new_users, item);
  return item;
}

static char *
shorten_id (const char *id)
{
  if (g_utf8_strlen (id, -1) <= 14)
    return g_strdup (id);
  return g_strdup_printf ("%.*s…", (int) (g_utf8_offset_to_pointer (id, 10) - id), id);
}

static void
relist_client (TscSidebar     *self,
               TscSidebarItem *item)
{
  g_autoptr(TscSidebarItem) selected = NULL;
  guint position;

  if (!g_list_store_find (self->clients, item, &position))
    return;

  self->updating = TRUE;
  selected = dup_selected_item (self);
  g_list_store_splice (self->clients, position, 1, (gpointer *) &item, 1);
  if (selected != NULL && selected == item)
    select_matching (self, TSC_SIDEBAR_ITEM_CLIENT, selected->client, NULL);
  self->updating = FALSE;
}

/* Appends the streams @item's client has and the list has not, and
 * refreshes the stream count. */
static void
sync_client_streams (TscSidebar     *self,
                     TscSidebarItem *item)
{
  const TscClient *client = item->client;
  guint have = g_list_model_get_n_items (G_LIST_MODEL (item->children));
  g_autoptr(GPtrArray) added = NULL;

  if (have >= client->streams->len)
    return;

  added = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = have; i < client->streams->len; i++)
    {
      const TscStream *stream = g_ptr_array_index (client->streams, i);
      g_autofree char *title = shorten_id (stream->anonymous_id);
      TscSidebarItem *child = item_new (TSC_SIDEBAR_ITEM_STREAM, title);

      child->stream = stream;
      child->n_calls = stream->n_messages;
      child->n_segments = stream->segments->len;
      g_hash_table_insert (self->stream_items, (gpointer) stream, child);
      g_ptr_array_add (added, child);
    }
  g_list_store_splice (item->children, have, 0, added->pdata, added->len);
  mark_dirty (self, item);

  /* A listed device without streams was told it does not expand: list it
   * again now that it does. */
  if (have == 0)
    relist_client (self, item);
}

static void
sync_stream (TscSidebar      *self,
             const TscStream *stream)
{
  TscSidebarItem *item = g_hash_table_lookup (self->stream_items, stream);

  if (item == NULL)
    return;
  if (item->n_calls != stream->n_messages || item->n_segments != stream->segments->len)
    {
      item->n_calls = stream->n_messages;
      item->n_segments = stream->segments->len;
      mark_dirty (self, item);
    }
}

/* Counts index row @row into the items it belongs to. */
static void
count_row (TscSidebar        *self,
           const TscIndexRow *row,
           GHashTable        *touched_clients,
           GHashTable        *touched_streams)
{
  TscSidebarItem *client_item = NULL;

  self->all_item->n_calls++;
  mark_dirty (self, self->all_item);
  raise_severity (self, self->all_item, row->severity);

  if (row->client != NULL)
    {
      client_item = client_item_for (self, row->client);
      client_item->n_calls++;
      mark_dirty (self, client_item);
      raise_severity (self, client_item, row->severity);
      g_hash_table_add (touched_clients, client_item);
    }

  if (row->user_id != NULL)
    {
      TscSidebarItem *user_item = user_item_for (self, row->user_id);

      user_item->n_calls++;
      if (row->client != NULL)
        g_hash_table_add (user_item->devices, (gpointer) row->client);
      mark_dirty (self, user_item);
      raise_severity (self, user_item, row->severity);
    }

  if (row->anonymous_id != NULL)
    {
      TscStream *stream = tsc_identity_model_get_stream (self->model, row->anonymous_id);

      if (stream != NULL)
        {
          g_hash_table_add (touched_streams, stream);
          if (stream->client != NULL)
            g_hash_table_add (touched_clients, client_item_for (self, stream->client));
        }
    }
}

/* A flag raised now may mark an earlier row: its severity counts for
 * that row's device and user too. */
static void
apply_row_severity (TscSidebar        *self,
                    const TscIndexRow *row)
{
  raise_severity (self, self->all_item, row->severity);
  if (row->client != NULL)
    {
      TscSidebarItem *item = g_hash_table_lookup (self->client_items, row->client);

      if (item != NULL)
        raise_severity (self, item, row->severity);
    }
  if (row->user_id != NULL)
    {
      TscSidebarItem *item = g_hash_table_lookup (self->user_items, row->user_id);

      if (item != NULL)
        raise_severity (self, item, row->severity);
    }
}

static void
show_headings (TscSidebar *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->clients)) > 0 &&
      g_list_model_get_n_items (G_LIST_MODEL (self->devices_heading)) == 0)
    {
      g_autoptr(TscSidebarItem) heading = item_new (TSC_SIDEBAR_ITEM_HEADING, _("Devices"));
      g_list_store_append (self->devices_heading, heading);
    }
  if (g_list_model_get_n_items (G_LIST_MODEL (self->users)) > 0 &&
      g_list_model_get_n_items (G_LIST_MODEL (self->users_heading)) == 0)
    {
      g_autoptr(TscSidebarItem) heading = item_new (TSC_SIDEBAR_ITEM_HEADING, _("Users"));
      g_list_store_append (self->users_heading, heading);
    }
}

/* Reads the index rows not seen yet, and the rows @flags mark. */
static void
ingest (TscSidebar *self,
        GPtrArray  *flags)
{
  g_autoptr(GHashTable) touched_clients = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) touched_streams = g_hash_table_new (NULL, NULL);
  guint first_new = self->n_rows_seen;
  guint n_rows = tsc_message_index_get_n_rows (self->index);
  GHashTableIter iter;
  gpointer key;

  for (guint i = first_new; i < n_rows; i++)
    count_row (self, tsc_message_index_get_row (self->index, i), touched_clients, touched_streams);
  self->n_rows_seen = n_rows;

  for (guint i = 0; flags != NULL && i < flags->len; i++)
    {
      const TscFlag *flag = g_ptr_array_index (flags, i);

      for (guint j = 0; j < flag->seqs->len; j++)
        {
          gint64 seq = g_array_index (flag->seqs, gint64, j);
          guint position;

          if (tsc_message_index_find_seq (self->index, seq, &position) && position < first_new)
            apply_row_severity (self, tsc_message_index_get_row (self->index, position));
        }
    }

  g_hash_table_iter_init (&iter, touched_clients);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    sync_client_streams (self, key);

  g_hash_table_iter_init (&iter, touched_streams);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    sync_stream (self, key);

  /* New rows in one go per section (one items-changed each). */
  if (self->new_clients->len > 0)
    {
      g_list_store_splice (self->clients, g_list_model_get_n_items (G_LIST_MODEL (self->clients)),
                           0, self->new_clients->pdata, self->new_clients->len);
      g_ptr_array_set_size (self->new_clients, 0);
    }
  if (self->new_users->len > 0)
    {
      g_list_store_splice (self->users, g_list_model_get_n_items (G_LIST_MODEL (self->users)), 0,
                           self->new_users->pdata, self->new_users->len);
      g_ptr_array_set_size (self->new_users, 0);
    }

  show_headings (self);
  notify_dirty (self);
}

static void
set_scope (TscSidebar      *self,
           const TscClient *client,
           const char      *user_id)
{
  if (self->scope.client == client && g_strcmp0 (self->scope.user_id, user_id) == 0)
    return;

  if (self->scope_user_id != user_id)
    {
      g_free (self->scope_user_id);
      self->scope_user_id = g_strdup (user_id);
    }
  self->scope.client = client;
  self->scope.user_id = self->scope_user_id;
  g_signal_emit (self, signals[SCOPE_CHANGED], 0);
}

static TscSidebarItem *
dup_selected_item (TscSidebar *self)
{
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (self->selection);

  return row ? gtk_tree_list_row_get_item (row) : NULL;
}

static void
on_selection_selected_cb (GtkSingleSelection *selection,
                          GParamSpec         *pspec,
                          TscSidebar         *self)
{
  g_autoptr(TscSidebarItem) item = NULL;

  if (self->updating)
    return;

  item = dup_selected_item (self);
  if (item == NULL)
    return;

  switch (item->kind)
    {
    case TSC_SIDEBAR_ITEM_ALL:
      set_scope (self, NULL, NULL);
      break;
    case TSC_SIDEBAR_ITEM_CLIENT:
      set_scope (self, item->client, NULL);
      break;
    case TSC_SIDEBAR_ITEM_STREAM:
      /* Reached with the keyboard: streams narrow to their device. */
      set_scope (self, item->stream->client, NULL);
      break;
    case TSC_SIDEBAR_ITEM_USER:
      set_scope (self, NULL, item->user_id);
      break;
    case TSC_SIDEBAR_ITEM_HEADING:
    default:
      break;
    }
}

static void
clear_items (TscSidebar *self)
{
  self->updating = TRUE;

  g_list_store_remove_all (self->devices_heading);
  g_list_store_remove_all (self->clients);
  g_list_store_remove_all (self->users_heading);
  g_list_store_remove_all (self->users);
  g_hash_table_remove_all (self->client_items);
  g_hash_table_remove_all (self->stream_items);
  g_hash_table_remove_all (self->user_items);
  g_ptr_array_set_size (self->dirty, 0);
  g_ptr_array_set_size (self->new_clients, 0);
  g_ptr_array_set_size (self->new_users, 0);

  self->all_item->n_calls = 0;
  self->all_item->severity = TSC_SEVERITY_OFF;
  self->all_item->dirty = FALSE;
  mark_dirty (self, self->all_item);

  self->n_rows_seen = 0;
  gtk_single_selection_set_selected (self->selection, 0);

  self->updating = FALSE;
}

/* Everything again, from the session's current model and index. */
static void
rebuild (TscSidebar *self)
{
  clear_items (self);
  g_clear_object (&self->model);
  g_clear_object (&self->index);

  if (self->session != NULL)
    {
      self->model = g_object_ref (tsc_session_get_model (self->session));
      self->index = g_object_ref (tsc_session_get_index (self->session));
      ingest (self, NULL);
    }
  else
    {
      notify_dirty (self);
    }

  set_scope (self, NULL, NULL);
}

static void
on_session_messages_added_cb (TscSession *session,
                              guint       position,
                              guint       n_added,
                              GPtrArray  *flags,
                              TscSidebar *self)
{
  if (tsc_session_get_model (session) != self->model ||
      tsc_session_get_index (session) != self->index ||
      position < self->n_rows_seen)
    {
      rebuild (self);
      return;
    }

  ingest (self, flags);
}

/**
 * tsc_sidebar_set_session:
 * @session: (nullable): the session to list
 */
void
tsc_sidebar_set_session (TscSidebar *self,
                         TscSession *session)
{
  g_return_if_fail (TSC_IS_SIDEBAR (self));
  g_return_if_fail (session == NULL || TSC_IS_SESSION (session));

  if (self->session == session)
    return;

  tsc_widget_swap_session (self, &self->session, session, &self->messages_added_id,
                           G_CALLBACK (on_session_messages_added_cb));
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

TscSession *
tsc_sidebar_get_session (TscSidebar *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR (self), NULL);
  return self->session;
}

/**
 * tsc_sidebar_get_scope:
 *
 * Returns: (transfer none): what the selected row narrows the views to;
 *   valid until the next TscSidebar::scope-changed
 */
const TscScope *
tsc_sidebar_get_scope (TscSidebar *self)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR (self), NULL);
  return &self->scope;
}

static gboolean
select_matching (TscSidebar         *self,
                 TscSidebarItemKind  kind,
                 const TscClient    *client,
                 const char         *user_id)
{
  GListModel *model = G_LIST_MODEL (self->tree);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (model, i);
      g_autoptr(TscSidebarItem) item = gtk_tree_list_row_get_item (row);

      if (item->kind == kind &&
          (kind != TSC_SIDEBAR_ITEM_CLIENT || item->client == client) &&
          (kind != TSC_SIDEBAR_ITEM_USER || g_strcmp0 (item->user_id, user_id) == 0))
        {
          gtk_single_selection_set_selected (self->selection, i);
          gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", i);
          return TRUE;
        }
    }
  return FALSE;
}

void
tsc_sidebar_select_all (TscSidebar *self)
{
  g_return_if_fail (TSC_IS_SIDEBAR (self));
  select_matching (self, TSC_SIDEBAR_ITEM_ALL, NULL, NULL);
}

/**
 * tsc_sidebar_select_client:
 *
 * Selects @client's row, as a click on it would.
 *
 * Returns: %FALSE when the sidebar has no row for @client
 */
gboolean
tsc_sidebar_select_client (TscSidebar      *self,
                           const TscClient *client)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR (self), FALSE);
  g_return_val_if_fail (client != NULL, FALSE);
  return select_matching (self, TSC_SIDEBAR_ITEM_CLIENT, client, NULL);
}

/**
 * tsc_sidebar_select_user:
 *
 * Selects @user_id's row, as a click on it would.
 *
 * Returns: %FALSE when the sidebar has no row for @user_id
 */
gboolean
tsc_sidebar_select_user (TscSidebar *self,
                         const char *user_id)
{
  g_return_val_if_fail (TSC_IS_SIDEBAR (self), FALSE);
  g_return_val_if_fail (user_id != NULL, FALSE);
  return select_matching (self, TSC_SIDEBAR_ITEM_USER, NULL, user_id);
}

/* ---------------------------------------------------------------------- */
/* The list                                                                */

static GListModel *
create_children_cb (gpointer item,
                    gpointer user_data)
{
  TscSidebarItem *self = item;

  /* Server-side senders have no streams: nothing to expand. */
  if (self->kind != TSC_SIDEBAR_ITEM_CLIENT ||
      g_list_model_get_n_items (G_LIST_MODEL (self->children)) == 0)
    return NULL;
  return g_object_ref (G_LIST_MODEL (self->children));
}

static void
setup_item_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *row = g_object_new (TSC_TYPE_SIDEBAR_ROW, NULL);

  /* The severity sits at the end of the row, whatever the title's length. */
  gtk_widget_set_hexpand (row, TRUE);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), row);
  gtk_list_item_set_child (list_item, expander);
}

static void
bind_item_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  g_autoptr(TscSidebarItem) item = gtk_tree_list_row_get_item (row);
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item));
  gboolean choosable = item->kind == TSC_SIDEBAR_ITEM_ALL ||
                       item->kind == TSC_SIDEBAR_ITEM_CLIENT ||
                       item->kind == TSC_SIDEBAR_ITEM_USER;

  /* Only devices and their streams are a tree: the other rows line up
   * without the expander's indent. */
  gtk_tree_expander_set_list_row (expander,
                                  item->kind == TSC_SIDEBAR_ITEM_CLIENT ||
                                  item->kind == TSC_SIDEBAR_ITEM_STREAM ? row : NULL);
  gtk_list_item_set_selectable (list_item, choosable);
  gtk_list_item_set_activatable (list_item, choosable);
  row_bind (TSC_SIDEBAR_ROW (gtk_tree_expander_get_child (expander)), item);
}

static void
unbind_item_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item));

  gtk_tree_expander_set_list_row (expander, NULL);
  row_unbind (TSC_SIDEBAR_ROW (gtk_tree_expander_get_child (expander)));
}

/* Enter or a double click on a device shows or hides its streams. */
static void
on_list_view_activate_cb (GtkListView *list_view,
                          guint        position,
                          TscSidebar  *self)
{
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->tree), position);

  if (row != NULL && gtk_tree_list_row_is_expandable (row))
    gtk_tree_list_row_set_expanded (row, !gtk_tree_list_row_get_expanded (row));
}

/* ---------------------------------------------------------------------- */

static void
tsc_sidebar_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TscSidebar *self = TSC_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_sidebar_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TscSidebar *self = TSC_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      tsc_sidebar_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_sidebar_dispose (GObject *object)
{
  TscSidebar *self = (TscSidebar *) object;

  g_clear_signal_handler (&self->messages_added_id, self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->model);
  g_clear_object (&self->index);

  gtk_widget_dispose_template (GTK_WIDGET (self), TSC_TYPE_SIDEBAR);

  g_clear_object (&self->tree);
  g_clear_object (&self->top);
  g_clear_object (&self->devices_heading);
  g_clear_object (&self->clients);
  g_clear_object (&self->users_heading);
  g_clear_object (&self->users);
  g_clear_object (&self->all_item);

  G_OBJECT_CLASS (tsc_sidebar_parent_class)->dispose (object);
}

static void
tsc_sidebar_finalize (GObject *object)
{
  TscSidebar *self = (TscSidebar *) object;

  g_clear_pointer (&self->client_items, g_hash_table_unref);
  g_clear_pointer (&self->stream_items, g_hash_table_unref);
  g_clear_pointer (&self->user_items, g_hash_table_unref);
  g_clear_pointer (&self->dirty, g_ptr_array_unref);
  g_clear_pointer (&self->new_clients, g_ptr_array_unref);
  g_clear_pointer (&self->new_users, g_ptr_array_unref);
  g_free (self->scope_user_id);

  G_OBJECT_CLASS (tsc_sidebar_parent_class)->finalize (object);
}

static void
tsc_sidebar_class_init (TscSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tsc_sidebar_get_property;
  object_class->set_property = tsc_sidebar_set_property;
  object_class->dispose = tsc_sidebar_dispose;
  object_class->finalize = tsc_sidebar_finalize;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, TSC_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TscSidebar::scope-changed:
   *
   * Emitted when another row was selected (or the session changed and
   * the scope went back to all calls); read it with
   * tsc_sidebar_get_scope().
   */
  signals[SCOPE_CHANGED] =
    g_signal_new ("scope-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/tsc-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, TscSidebar, scroller);
  gtk_widget_class_bind_template_child (widget_class, TscSidebar, list_view);
  gtk_widget_class_bind_template_child (widget_class, TscSidebar, selection);
  gtk_widget_class_bind_template_callback (widget_class, on_list_view_activate_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "tscsidebar");
}

static void
tsc_sidebar_init (TscSidebar *self)
{
  g_autoptr(GListStore) sections = g_list_store_new (G_TYPE_LIST_MODEL);
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkFlattenListModel *flat;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->client_items = g_hash_table_new_full (NULL, NULL, NULL, NULL);
  self->stream_items = g_hash_table_new_full (NULL, NULL, NULL, NULL);
  self->user_items = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, NULL);
  self->dirty = g_ptr_array_new ();
  self->new_clients = g_ptr_array_new_with_free_func (g_object_unref);
  self->new_users = g_ptr_array_new_with_free_func (g_object_unref);

  self->all_item = item_new (TSC_SIDEBAR_ITEM_ALL, _("All Calls"));
  self->top = g_list_store_new (TSC_TYPE_SIDEBAR_ITEM);
  g_list_store_append (self->top, self->all_item);
  self->devices_heading = g_list_store_new (TSC_TYPE_SIDEBAR_ITEM);
  self->clients = g_list_store_new (TSC_TYPE_SIDEBAR_ITEM);
  self->users_heading = g_list_store_new (TSC_TYPE_SIDEBAR_ITEM);
  self->users = g_list_store_new (TSC_TYPE_SIDEBAR_ITEM);

  g_list_store_append (sections, self->top);
  g_list_store_append (sections, self->devices_heading);
  g_list_store_append (sections, self->clients);
  g_list_store_append (sections, self->users_heading);
  g_list_store_append (sections, self->users);

  flat = gtk_flatten_list_model_new (G_LIST_MODEL (g_steal_pointer (&sections)));
  self->tree = gtk_tree_list_model_new (G_LIST_MODEL (flat), FALSE, FALSE,
                                        create_children_cb, NULL, NULL);
  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->tree));
  gtk_single_selection_set_selected (self->selection, 0);
  g_signal_connect (self->selection, "notify::selected",
                    G_CALLBACK (on_selection_selected_cb), self);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_item_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_item_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_item_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
}

GtkWidget *
tsc_sidebar_new (void)
{
  return g_object_new (TSC_TYPE_SIDEBAR, NULL);
}
