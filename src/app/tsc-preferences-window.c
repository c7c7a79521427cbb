/* tsc-preferences-window.c
 *
 * The settings a person changes: where the collector listens, the rule
 * profile, the logout and signup names and the session idle time. Every
 * control is bound to GSettings (g_settings_bind, or a list of rows kept
 * in step with an "as" key), so the window has nothing to apply or
 * save; whoever starts the next capture reads the keys.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-preferences-window"

#include "config.h"

#include "tsc-preferences-window.h"

#include <glib/gi18n.h>

typedef struct
{
  const char *id;           /* the schema's enum nick */
  const char *title;
  const char *description;
} Profile;

static const Profile profiles[] = {
  { "segment", N_("Segment"),
    N_("The default: mistakes that merge or split users are errors, alias order is a warning") },
  { "mixpanel-original", N_("Mixpanel, Original ID Merge"),
    N_("Strict about alias: every alias mistake, and a server identify before the alias, "
       "is an error") },
  { "mixpanel-simplified", N_("Mixpanel, Simplified ID Merge"),
    N_("Like Segment, with the alias rules only informative: this merge does not use alias") },
  { "kissmetrics", N_("Kissmetrics"),
    N_("Like Segment, with alias after identify and repeated aliases as errors") },
};

/* One "as" key shown as one entry row per name, and a row to add one. */
typedef struct
{
  TscPreferencesWindow *self;
  const char           *key;
  AdwPreferencesGroup  *group;
  GtkWidget            *reset_button;
  GPtrArray            *rows;       /* AdwEntryRow *, in the key's order */
  AdwEntryRow          *add_row;
} NameList;

struct _TscPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AdwEntryRow          *address_row;
  AdwActionRow         *address_hint_row;
  GtkAdjustment        *port_adjustment;
  GtkSwitch            *remote_switch;
  AdwActionRow         *remote_warning_row;
  AdwEntryRow          *forward_row;
  AdwComboRow          *profile_row;
  AdwPreferencesGroup  *logout_group;
  AdwPreferencesGroup  *signup_group;
  GtkWidget            *logout_reset_button;
  GtkWidget            *signup_reset_button;
  GtkAdjustment        *idle_adjustment;

  GSettings            *settings;
  NameList              logout;
  NameList              signup;
  gboolean              told_next_capture;
};

G_DEFINE_FINAL_TYPE (TscPreferencesWindow, tsc_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------------- */
/* Capture                                                                 */

static gboolean
is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
is_valid_host (const char *host)
{
  if (host[0] == '\0')
    return FALSE;
  if (g_hostname_is_ip_address (host))
    return TRUE;
  for (const char *p = host; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
      return FALSE;
  return TRUE;
}

static void
update_address_hint (TscPreferencesWindow *self)
{
  const char *host = gtk_editable_get_text (GTK_EDITABLE (self->address_row));
  gboolean valid = is_valid_host (host);

  if (valid)
    gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->address_row), "error");

  gtk_widget_set_visible (GTK_WIDGET (self->address_hint_row),
                          valid && !is_loopback (host) &&
                          !gtk_switch_get_active (self->remote_switch));
}

static void
on_address_row_text_cb (TscPreferencesWindow *self)
{
  update_address_hint (self);
}

static void
on_settings_capture_changed_cb (GSettings            *settings,
                                const char           *key,
                                TscPreferencesWindow *self)
{
  update_address_hint (self);

  /* Said once: the group's description says it too. */
  if (!self->told_next_capture && gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      AdwToast *toast = adw_toast_new (_("Applies to the next capture"));

      self->told_next_capture = TRUE;
      adw_toast_set_timeout (toast, 3);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
    }
}

/* An address that cannot be forwarded to is marked while it is typed;
 * a capture started with it says why it does not forward. */
static void
on_forward_row_changed_cb (TscPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->forward_row));
  const char *scheme = g_uri_peek_scheme (text);
  gboolean valid = *text == '\0' ||
                   ((g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "https") == 0) &&
                    g_uri_is_valid (text, G_URI_FLAGS_NONE, NULL));

  if (valid)
    gtk_widget_remove_css_class (GTK_WIDGET (self->forward_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->forward_row), "error");
}

/* ---------------------------------------------------------------------- */
/* Profile                                                                 */

static gboolean
profile_get_mapping (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  const char *id = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    if (g_str_equal (profiles[i].id, id))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
profile_set_mapping (const GValue       *value,
                     const GVariantType *expected_type,
                     gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  if (i >= G_N_ELEMENTS (profiles))
    return NULL;
  return g_variant_new_string (profiles[i].id);
}

static void
on_profile_row_selected_cb (TscPreferencesWindow *self)
{
  guint i = adw_combo_row_get_selected (self->profile_row);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->profile_row),
                               i < G_N_ELEMENTS (profiles) ? _(profiles[i].description) : NULL);
}

/* The popover lists each profile with what it means, the chosen one
 * checked like AdwComboRow's own list. */
static void
setup_profile_item_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *list_item,
                       gpointer                  user_data)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *description = gtk_label_new (NULL);
  GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");

  gtk_label_set_xalign (GTK_LABEL (title), 0.f);
  gtk_label_set_xalign (GTK_LABEL (description), 0.f);
  gtk_label_set_wrap (GTK_LABEL (description), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (description), 40);
  gtk_widget_add_css_class (description, "caption");
  gtk_widget_add_css_class (description, "dim-label");
  gtk_widget_set_hexpand (box, TRUE);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), description);
  gtk_box_append (GTK_BOX (row), box);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (row), check);
  gtk_list_item_set_child (list_item, row);
}

static void
update_profile_check (AdwComboRow *combo,
                      GParamSpec  *pspec,
                      GtkListItem *list_item)
{
  GtkWidget *check = gtk_widget_get_last_child (gtk_list_item_get_child (list_item));

  gtk_widget_set_opacity (check, adw_combo_row_get_selected (combo) ==
                                 gtk_list_item_get_position (list_item) ? 1. : 0.);
}

static void
bind_profile_item_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *list_item,
                      AdwComboRow              *combo)
{
  GtkWidget *box = gtk_widget_get_first_child (gtk_list_item_get_child (list_item));
  guint i = gtk_list_item_get_position (list_item);
  gulong id;

  g_assert (i < G_N_ELEMENTS (profiles));
  gtk_label_set_label (GTK_LABEL (gtk_widget_get_first_child (box)), _(profiles[i].title));
  gtk_label_set_label (GTK_LABEL (gtk_widget_get_last_child (box)), _(profiles[i].description));

  id = g_signal_connect_object (combo, "notify::selected", G_CALLBACK (update_profile_check),
                                list_item, 0);
  g_object_set_data (G_OBJECT (list_item), "tsc-selected-handler", GSIZE_TO_POINTER (id));
  update_profile_check (combo, NULL, list_item);
}

static void
unbind_profile_item_cb (GtkSignalListItemFactory *factory,
                        GtkListItem              *list_item,
                        AdwComboRow              *combo)
{
  gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (list_item), "tsc-selected-handler"));

  g_clear_signal_handler (&id, combo);
  g_object_set_data (G_OBJECT (list_item), "tsc-selected-handler", NULL);
}

static void
setup_profiles (TscPreferencesWindow *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    gtk_string_list_append (names, _(profiles[i].title));
  adw_combo_row_set_model (self->profile_row, G_LIST_MODEL (names));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_profile_item_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_profile_item_cb), self->profile_row);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_profile_item_cb), self->profile_row);
  adw_combo_row_set_list_factory (self->profile_row, factory);
}

/* ---------------------------------------------------------------------- */
/* Name lists                                                              */

/* Names match ignoring case, spaces, "_" and "-" (as the rules do). */
static char *
normalize_name (const char *name)
{
  g_autofree char *folded = g_utf8_casefold (name, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = folded; *p; p++)
    if (*p != ' ' && *p != '_' && *p != '-')
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static gboolean
names_contain (char       **names,
               const char  *name)
{
  g_autofree char *wanted = normalize_name (name);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *have = normalize_name (names[i]);

      if (g_str_equal (have, wanted))
        return TRUE;
    }
  return FALSE;
}

/* The names the rows hold, as the key stores them: trimmed, no empty ones. */
static GStrv
collect_names (NameList *list)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < list->rows->len; i++)
    {
      GtkEditable *row = g_ptr_array_index (list->rows, i);
      g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (row)));

      if (name[0] != '\0')
        g_strv_builder_add (builder, name);
    }
  return g_strv_builder_end (builder);
}

static void
name_list_write (NameList *list)
{
  g_auto(GStrv) names = NULL;

  if (list->rows == NULL)
    return;
  names = collect_names (list);
  g_settings_set_strv (list->self->settings, list->key, (const char * const *) names);
}

static void
on_name_row_changed_cb (GtkEditable *editable,
                        NameList    *list)
{
  name_list_write (list);
}

static void
on_name_remove_clicked_cb (GtkButton *button,
                           NameList  *list)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ENTRY_ROW);

  if (g_ptr_array_remove (list->rows, row))
    {
      adw_preferences_group_remove (list->group, row);
      name_list_write (list);
    }
}

static GtkWidget *
name_row_new (NameList   *list,
              const char *name)
{
  GtkWidget *row = adw_entry_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

  gtk_editable_set_text (GTK_EDITABLE (row), name);
  gtk_widget_add_css_class (row, "tsc-name-row");
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, _("Remove"));
  gtk_widget_add_css_class (remove, "flat");
  g_signal_connect (remove, "clicked", G_CALLBACK (on_name_remove_clicked_cb), list);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), remove);
  g_signal_connect (row, "changed", G_CALLBACK (on_name_row_changed_cb), list);
  return row;
}

/* Shows the key's names, unless the rows already say the same (the
 * change came from them: rebuilding would take the focus away). */
static void
name_list_sync (NameList *list)
{
  g_auto(GStrv) stored = g_settings_get_strv (list->self->settings, list->key);
  g_auto(GStrv) shown = collect_names (list);
  g_autoptr(GVariant) user_value = g_settings_get_user_value (list->self->settings, list->key);

  gtk_widget_set_sensitive (list->reset_button, user_value != NULL);

  if (g_strv_equal ((const char * const *) stored, (const char * const *) shown))
    return;

  for (guint i = 0; i < list->rows->len; i++)
    adw_preferences_group_remove (list->group, g_ptr_array_index (list->rows, i));
  g_ptr_array_set_size (list->rows, 0);

  /* The add row stays last. */
  g_object_ref (list->add_row);
  adw_preferences_group_remove (list->group, GTK_WIDGET (list->add_row));

  for (guint i = 0; stored[i] != NULL; i++)
    {
      GtkWidget *row = name_row_new (list, stored[i]);

      g_ptr_array_add (list->rows, row);
      adw_preferences_group_add (list->group, row);
    }

  adw_preferences_group_add (list->group, GTK_WIDGET (list->add_row));
  g_object_unref (list->add_row);
}

static void
on_add_row_changed_cb (GtkEditable *editable,
                       NameList    *list)
{
  g_auto(GStrv) names = g_settings_get_strv (list->self->settings, list->key);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (editable)));

  if (name[0] != '\0' && names_contain (names, name))
    {
      gtk_widget_add_css_class (GTK_WIDGET (editable), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (editable), _("This name is already in the list"));
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (editable), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (editable), NULL);
    }
}

static void
on_add_row_apply_cb (AdwEntryRow *row,
                     NameList    *list)
{
  g_auto(GStrv) names = g_settings_get_strv (list->self->settings, list->key);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) added = NULL;

  if (name[0] == '\0' || names_contain (names, name))
    return;

  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) names);
  g_strv_builder_add (builder, name);
  added = g_strv_builder_end (builder);
  g_settings_set_strv (list->self->settings, list->key, (const char * const *) added);

  gtk_editable_set_text (GTK_EDITABLE (row), "");
  gtk_widget_grab_focus (GTK_WIDGET (row));
}

static void
on_name_reset_clicked_cb (GtkButton *button,
                          NameList  *list)
{
  g_settings_reset (list->self->settings, list->key);
}

static void
on_settings_names_changed_cb (GSettings  *settings,
                              const char *key,
                              NameList   *list)
{
  name_list_sync (list);
}

static void
name_list_init (TscPreferencesWindow *self,
                NameList             *list,
                const char           *key,
                AdwPreferencesGroup  *group,
                GtkWidget            *reset_button,
                const char           *add_title)
{
  g_autofree char *signal = g_strconcat ("changed::", key, NULL);

  list->self = self;
  list->key = key;
  list->group = group;
  list->reset_button = reset_button;
  list->rows = g_ptr_array_new ();

  list->add_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (list->add_row), add_title);
  adw_entry_row_set_show_apply_button (list->add_row, TRUE);
  adw_entry_row_add_prefix (list->add_row, gtk_image_new_from_icon_name ("list-add-symbolic"));
  g_signal_connect (list->add_row, "apply", G_CALLBACK (on_add_row_apply_cb), list);
  g_signal_connect (list->add_row, "changed", G_CALLBACK (on_add_row_changed_cb), list);
  adw_preferences_group_add (group, GTK_WIDGET (list->add_row));

  g_signal_connect (reset_button, "clicked", G_CALLBACK (on_name_reset_clicked_cb), list);
  g_signal_connect (self->settings, signal, G_CALLBACK (on_settings_names_changed_cb), list);
  name_list_sync (list);
}

static void
name_list_clear (NameList *list)
{
  if (list->self != NULL && list->self->settings != NULL)
    g_signal_handlers_disconnect_by_data (list->self->settings, list);
  g_clear_pointer (&list->rows, g_ptr_array_unref);
}

/* ---------------------------------------------------------------------- */

static void
tsc_preferences_window_constructed (GObject *object)
{
  TscPreferencesWindow *self = (TscPreferencesWindow *) object;

  G_OBJECT_CLASS (tsc_preferences_window_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = g_settings_new (APPLICATION_ID);

  g_settings_bind (self->settings, "listen-address", self->address_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "listen-port", self->port_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "allow-remote", self->remote_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "allow-remote", self->remote_warning_row, "visible",
                   G_SETTINGS_BIND_GET);
  g_settings_bind_with_mapping (self->settings, "profile", self->profile_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, profile_get_mapping, profile_set_mapping,
                                NULL, NULL);
  g_settings_bind (self->settings, "session-idle-minutes", self->idle_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "forward-url", self->forward_row, "text",
                   G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (self->settings, "changed::listen-address",
                           G_CALLBACK (on_settings_capture_changed_cb), self, 0);
  g_signal_connect_object (self->settings, "changed::listen-port",
                           G_CALLBACK (on_settings_capture_changed_cb), self, 0);
  g_signal_connect_object (self->settings, "changed::allow-remote",
                           G_CALLBACK (on_settings_capture_changed_cb), self, 0);
  g_signal_connect_object (self->settings, "changed::forward-url",
                           G_CALLBACK (on_settings_capture_changed_cb), self, 0);

  name_list_init (self, &self->logout, "logout-names", self->logout_group,
                  self->logout_reset_button, _("Add Logout Name"));
  name_list_init (self, &self->signup, "signup-names", self->signup_group,
                  self->signup_reset_button, _("Add Signup Name"));

  on_profile_row_selected_cb (self);
  update_address_hint (self);
}

static void
tsc_preferences_window_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  TscPreferencesWindow *self = TSC_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_preferences_window_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  TscPreferencesWindow *self = TSC_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_preferences_window_dispose (GObject *object)
{
  TscPreferencesWindow *self = (TscPreferencesWindow *) object;

  name_list_clear (&self->logout);
  name_list_clear (&self->signup);
  if (self->settings != NULL)
    {
      g_settings_unbind (self->address_row, "text");
      g_settings_unbind (self->port_adjustment, "value");
      g_settings_unbind (self->remote_switch, "active");
      g_settings_unbind (self->remote_warning_row, "visible");
      g_settings_unbind (self->profile_row, "selected");
      g_settings_unbind (self->idle_adjustment, "value");
      g_settings_unbind (self->forward_row, "text");
    }
  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), TSC_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (tsc_preferences_window_parent_class)->dispose (object);
}

static void
tsc_preferences_window_class_init (TscPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tsc_preferences_window_constructed;
  object_class->get_property = tsc_preferences_window_get_property;
  object_class->set_property = tsc_preferences_window_set_property;
  object_class->dispose = tsc_preferences_window_dispose;

  /**
   * TscPreferencesWindow:settings:
   *
   * The settings the controls are bound to; the application's schema
   * when none is given.
   */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/tsc-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, address_row);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, address_hint_row);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, port_adjustment);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, remote_switch);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, remote_warning_row);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, forward_row);
  gtk_widget_class_bind_template_callback (widget_class, on_forward_row_changed_cb);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, profile_row);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, logout_group);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, signup_group);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, logout_reset_button);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, signup_reset_button);
  gtk_widget_class_bind_template_child (widget_class, TscPreferencesWindow, idle_adjustment);
  gtk_widget_class_bind_template_callback (widget_class, on_address_row_text_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_profile_row_selected_cb);
}

/* libadwaita 1.2 keeps room for an entry row's title even when it has
 * none, which puts a name row's text below the middle; shrinking the
 * (empty) title labels centres it. Here rather than in style.css because
 * the window is usable without the application (tests, other hosts). */
static const char name_row_css[] =
  "row.entry.tsc-name-row > box > widget > label { font-size: 1px; }";

static void
install_css (GtkWidget *widget)
{
  static GdkDisplay *done_for = NULL;
  g_autoptr(GtkCssProvider) provider = NULL;
  GdkDisplay *display = gtk_widget_get_display (widget);

  if (display == done_for)
    return;
  done_for = display;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, name_row_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
tsc_preferences_window_init (TscPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  install_css (GTK_WIDGET (self));
  setup_profiles (self);
}

/**
 * tsc_preferences_window_new:
 * @transient_for: (nullable): the main window
 * @settings: (nullable): settings of the io.github.trackscope.Trackscope
 *   schema; %NULL for the application's
 */
TscPreferencesWindow *
tsc_preferences_window_new (GtkWindow *transient_for,
                            GSettings *settings)
{
  g_return_val_if_fail (transient_for == NULL || GTK_IS_WINDOW (transient_for), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (TSC_TYPE_PREFERENCES_WINDOW,
                       "transient-for", transient_for,
                       "settings", settings,
                       NULL);
}

GSettings *
tsc_preferences_window_get_settings (TscPreferencesWindow *self)
{
  g_return_val_if_fail (TSC_IS_PREFERENCES_WINDOW (self), NULL);
  return self->settings;
}
