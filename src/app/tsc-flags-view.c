/* tsc-flags-view.c
 *
 * Every flag of the session, grouped by rule the way an expert-info
 * panel groups its findings: a row per rule with its severity, title,
 * id and count, expanding to the summary of each flag. Activating (or
 * selecting) a flag emits TscFlagsView::flag-activated so the window
 * can select its message in the other views.
 *
 * The groups are TscFlagsGroup objects in a GListStore under a
 * GtkTreeListModel; each group is itself the GListModel of its flags,
 * whose row objects are only built when a row needs them. New flags
 * arrive with TscSession::messages-added (at most once per frame):
 * they are appended to their groups with one items-changed per group,
 * and the groups are re-sorted (worst severity, then most flags) only
 * when the order really changed, keeping what was expanded and
 * selected.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-flags-view"

#include "config.h"

#include "tsc-flags-view.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tsc-widget-utils.h"

/* ---------------------------------------------------------------------- */
/* A flag's row object                                                     */

#define TSC_TYPE_FLAGS_ENTRY (tsc_flags_entry_get_type ())
G_DECLARE_FINAL_TYPE (TscFlagsEntry, tsc_flags_entry, TSC, FLAGS_ENTRY, GObject)

struct _TscFlagsEntry
{
  GObject  parent_instance;
  TscFlag *flag;
  guint    index;   /* in its group */
};

G_DEFINE_FINAL_TYPE (TscFlagsEntry, tsc_flags_entry, G_TYPE_OBJECT)

static void
tsc_flags_entry_finalize (GObject *object)
{
  TscFlagsEntry *self = (TscFlagsEntry *) object;

  g_clear_pointer (&self->flag, tsc_flag_unref);
  G_OBJECT_CLASS (tsc_flags_entry_parent_class)->finalize (object);
}

static void
tsc_flags_entry_class_init (TscFlagsEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tsc_flags_entry_finalize;
}

static void
tsc_flags_entry_init (TscFlagsEntry *self)
{
}

/* ---------------------------------------------------------------------- */
/* A rule's group: its row object and the list of its flags                */

#define TSC_TYPE_FLAGS_GROUP (tsc_flags_group_get_type ())
G_DECLARE_FINAL_TYPE (TscFlagsGroup, tsc_flags_group, TSC, FLAGS_GROUP, GObject)

struct _TscFlagsGroup
{
  GObject      parent_instance;
  TscRule      rule;
  TscSeverity  severity;   /* the worst of its flags */
  GPtrArray   *flags;      /* TscFlag, in the order raised */
  GPtrArray   *entries;    /* TscFlagsEntry or NULL, built on demand */
};

static GType
tsc_flags_group_get_item_type (GListModel *model)
{
  return TSC_TYPE_FLAGS_ENTRY;
}

static guint
tsc_flags_group_get_n_items (GListModel *model)
{
  return TSC_FLAGS_GROUP (model)->flags->len;
}

static gpointer
tsc_flags_group_get_item (GListModel *model,
                          guint       position)
{
  TscFlagsGroup *self = TSC_FLAGS_GROUP (model);
  TscFlagsEntry *entry;

  if (position >= self->flags->len)
    return NULL;

  if (self->entries->len < self->flags->len)
    g_ptr_array_set_size (self->entries, self->flags->len);

  entry = g_ptr_array_index (self->entries, position);
  if (entry == NULL)
    {
      entry = g_object_new (TSC_TYPE_FLAGS_ENTRY, NULL);
      entry->flag = tsc_flag_ref (g_ptr_array_index (self->flags, position));
      entry->index = position;
      g_ptr_array_index (self->entries, position) = entry;
    }

  return g_object_ref (entry);
}

static void
tsc_flags_group_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = tsc_flags_group_get_item_type;
  iface->get_n_items = tsc_flags_group_get_n_items;
  iface->get_item = tsc_flags_group_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TscFlagsGroup, tsc_flags_group, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      tsc_flags_group_list_model_init))

enum {
  GROUP_CHANGED,
  N_GROUP_SIGNALS
};

static guint group_signals[N_GROUP_SIGNALS];

static void
clear_entry (gpointer data)
{
  if (data != NULL)
    g_object_unref (data);
}

static void
tsc_flags_group_finalize (GObject *object)
{
  TscFlagsGroup *self = (TscFlagsGroup *) object;

  g_clear_pointer (&self->flags, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  G_OBJECT_CLASS (tsc_flags_group_parent_class)->finalize (object);
}

static void
tsc_flags_group_class_init (TscFlagsGroupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tsc_flags_group_finalize;

  /* Its count or severity changed: bound rows refresh. */
  group_signals[GROUP_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tsc_flags_group_init (TscFlagsGroup *self)
{
  self->flags = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_flag_unref);
  self->entries = g_ptr_array_new_with_free_func (clear_entry);
}

static TscFlagsGroup *
tsc_flags_group_new (TscRule rule)
{
  TscFlagsGroup *self = g_object_new (TSC_TYPE_FLAGS_GROUP, NULL);

  self->rule = rule;
  return self;
}

/* ---------------------------------------------------------------------- */
/* Plain functions                                                         */

/**
 * tsc_flags_group_compare:
 *
 * Returns: < 0 when group A comes first: worse severity, then more
 *   flags, then the catalogue's order
 */
int
tsc_flags_group_compare (TscSeverity severity_a,
                         guint       count_a,
                         TscRule     rule_a,
                         TscSeverity severity_b,
                         guint       count_b,
                         TscRule     rule_b)
{
  if (severity_a != severity_b)
    return severity_a > severity_b ? -1 : 1;
  if (count_a != count_b)
    return count_a > count_b ? -1 : 1;
  return (int) rule_a - (int) rule_b;
}

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  const TscFlagsGroup *ga = *(TscFlagsGroup * const *) a;
  const TscFlagsGroup *gb = *(TscFlagsGroup * const *) b;

  return tsc_flags_group_compare (ga->severity, ga->flags->len, ga->rule,
                                  gb->severity, gb->flags->len, gb->rule);
}

/**
 * tsc_flag_matches_scope:
 * @scope: (nullable): what the sidebar narrows to; %NULL for everything
 *
 * A flag is in scope when one of its messages is (the same test as the
 * event list's), or when the user or the device it concerns is the one
 * in scope.
 */
gboolean
tsc_flag_matches_scope (const TscFlag    *flag,
                        const TscScope   *scope,
                        TscIdentityModel *model,
                        TscMessageIndex  *index)
{
  g_return_val_if_fail (flag != NULL, FALSE);

  if (scope == NULL || (scope->client == NULL && scope->user_id == NULL))
    return TRUE;

  if (scope->user_id == NULL || g_strcmp0 (flag->user_id, scope->user_id) == 0)
    {
      if (scope->client == NULL)
        return TRUE;

      if (model != NULL && flag->anonymous_id != NULL)
        {
          TscStream *stream = tsc_identity_model_get_stream (model, flag->anonymous_id);

          if (stream != NULL && stream->client == scope->client)
            return TRUE;
        }
    }

  for (guint i = 0; index != NULL && flag->seqs != NULL && i < flag->seqs->len; i++)
    {
      guint position;

      if (tsc_message_index_find_seq (index, g_array_index (flag->seqs, gint64, i), &position) &&
          tsc_scope_matches (scope, tsc_message_index_get_row (index, position)))
        return TRUE;
    }

  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* The view                                                                */

struct _TscFlagsView
{
  GtkWidget           parent_instance;

  GtkStack           *stack;
  AdwStatusPage      *empty_page;
  GtkListView        *list_view;
  GtkWidget          *error_box;
  GtkWidget          *warning_box;
  GtkWidget          *info_box;
  GtkLabel           *error_label;
  GtkLabel           *warning_label;
  GtkLabel           *info_label;

  TscSession         *session;
  gulong              messages_added_id;

  TscScope            scope;
  char               *scope_user_id;

  GListStore         *groups;      /* TscFlagsGroup, in display order */
  TscFlagsGroup      *by_rule[TSC_N_RULES];
  gboolean            expanded[TSC_N_RULES];
  guint               counts[TSC_SEVERITY_ERROR + 1];
  GtkTreeListModel   *tree;
  GtkSingleSelection *selection;
  gboolean            resorting;
  TscFlag            *last_emitted;
};

G_DEFINE_FINAL_TYPE (TscFlagsView, tsc_flags_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  FLAG_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Row widgets ----------------------------------------------------------- */

typedef struct
{
  GtkWidget     *expander;
  GtkWidget     *icon;
  GtkWidget     *title;
  GtkWidget     *rule_id;
  GtkWidget     *detail;
  GtkWidget     *count;

  TscFlagsGroup *group;       /* bound */
  gulong         changed_id;
} RowWidgets;

static void
update_group_row (RowWidgets *w)
{
  TscFlagsGroup *group = w->group;
  const TscRuleInfo *info = tsc_rule_get_info (group->rule);
  g_autofree char *count = g_strdup_printf ("%u", group->flags->len);
  g_autofree char *description = NULL;

  gtk_image_set_from_icon_name (GTK_IMAGE (w->icon), tsc_severity_icon_name (group->severity));
  tsc_widget_set_severity_class (w->icon, group->severity);
  tsc_widget_set_severity_class (w->count, group->severity);
  gtk_label_set_label (GTK_LABEL (w->title), info->title);
  gtk_label_set_label (GTK_LABEL (w->rule_id), info->id);
  gtk_label_set_label (GTK_LABEL (w->count), count);
  gtk_widget_set_tooltip_text (w->title, info->help);

  /* TRANSLATORS: a row of the flags view: severity, rule title, how many */
  description = g_strdup_printf (ngettext ("%s: %s, %u flag", "%s: %s, %u flags",
                                           group->flags->len),
                                 tsc_severity_label (group->severity), info->title,
                                 group->flags->len);
  gtk_accessible_update_property (GTK_ACCESSIBLE (w->expander),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                  -1);
}

static void
on_group_changed_cb (TscFlagsGroup *group,
                     RowWidgets    *w)
{
  update_group_row (w);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              TscFlagsView             *self)
{
  RowWidgets *w = g_new0 (RowWidgets, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);

  w->expander = gtk_tree_expander_new ();
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (w->expander), box);
  gtk_widget_add_css_class (box, "flag-row");

  w->icon = gtk_image_new ();
  gtk_box_append (GTK_BOX (box), w->icon);

  w->title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (w->title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (w->title), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), w->title);

  w->rule_id = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (w->rule_id), 0);
  gtk_label_set_ellipsize (GTK_LABEL (w->rule_id), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (w->rule_id, TRUE);
  gtk_widget_add_css_class (w->rule_id, "rule-id");
  gtk_widget_add_css_class (w->rule_id, "dim-label");
  gtk_box_append (GTK_BOX (box), w->rule_id);

  w->detail = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (w->detail), 1);
  gtk_widget_add_css_class (w->detail, "dim-label");
  gtk_widget_add_css_class (w->detail, "numeric");
  gtk_widget_add_css_class (w->detail, "caption");
  gtk_box_append (GTK_BOX (box), w->detail);

  w->count = gtk_label_new (NULL);
  gtk_widget_set_valign (w->count, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (w->count, "count");
  gtk_widget_add_css_class (w->count, "numeric");
  gtk_box_append (GTK_BOX (box), w->count);

  g_object_set_data_full (G_OBJECT (item), "tsc-row-widgets", w, g_free);
  gtk_list_item_set_child (item, w->expander);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             TscFlagsView             *self)
{
  RowWidgets *w = g_object_get_data (G_OBJECT (item), "tsc-row-widgets");
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  gpointer object = gtk_tree_list_row_get_item (row);

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (w->expander), row);

  if (TSC_IS_FLAGS_GROUP (object))
    {
      w->group = g_object_ref (object);
      gtk_widget_add_css_class (w->expander, "group");
      gtk_widget_remove_css_class (w->expander, "flag");
      gtk_widget_add_css_class (w->title, "heading");
      gtk_widget_set_hexpand (w->title, FALSE);
      gtk_widget_set_visible (w->rule_id, TRUE);
      gtk_widget_set_visible (w->detail, FALSE);
      gtk_widget_set_visible (w->count, TRUE);
      update_group_row (w);
      w->changed_id = g_signal_connect (w->group, "changed", G_CALLBACK (on_group_changed_cb), w);
      g_object_unref (object);
      return;
    }

  {
    TscFlagsEntry *entry = object;
    TscFlag *flag = entry->flag;
    g_autofree char *detail = NULL;
    g_autofree char *description = NULL;
    TscMessageIndex *index = self->session ? tsc_session_get_index (self->session) : NULL;
    guint position;

    if (index != NULL && tsc_message_index_find_seq (index, flag->seq, &position))
      {
        const TscIndexRow *index_row = tsc_message_index_get_row (index, position);
        g_autofree char *time = tsc_format_time (index_row->time, FALSE);

        detail = g_strdup_printf ("#%" G_GINT64_FORMAT " · %s", flag->seq, time);
      }
    else
      {
        detail = g_strdup_printf ("#%" G_GINT64_FORMAT, flag->seq);
      }

    gtk_widget_add_css_class (w->expander, "flag");
    gtk_widget_remove_css_class (w->expander, "group");
    gtk_widget_remove_css_class (w->title, "heading");
    gtk_widget_set_hexpand (w->title, TRUE);
    gtk_image_set_from_icon_name (GTK_IMAGE (w->icon), tsc_severity_icon_name (flag->severity));
    tsc_widget_set_severity_class (w->icon, flag->severity);
    gtk_label_set_label (GTK_LABEL (w->title), flag->summary);
    gtk_widget_set_tooltip_text (w->title, flag->summary);
    gtk_label_set_label (GTK_LABEL (w->detail), detail);
    gtk_widget_set_visible (w->rule_id, FALSE);
    gtk_widget_set_visible (w->detail, TRUE);
    gtk_widget_set_visible (w->count, FALSE);

    description = g_strdup_printf ("%s: %s", tsc_severity_label (flag->severity), flag->summary);
    gtk_accessible_update_property (GTK_ACCESSIBLE (w->expander),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                    -1);
    g_object_unref (object);
  }
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               TscFlagsView             *self)
{
  RowWidgets *w = g_object_get_data (G_OBJECT (item), "tsc-row-widgets");

  if (w->group != NULL)
    g_clear_signal_handler (&w->changed_id, w->group);
  g_clear_object (&w->group);
  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (w->expander), NULL);
}

/* Updating -------------------------------------------------------------- */

static void
set_count (GtkWidget *box,
           GtkLabel  *label,
           guint      n,
           char      *text)
{
  gtk_label_set_label (label, text);
  gtk_widget_set_visible (box, n > 0);
  g_free (text);
}

static void
update_summary (TscFlagsView *self)
{
  guint n_groups = g_list_model_get_n_items (G_LIST_MODEL (self->groups));
  guint n;

  n = self->counts[TSC_SEVERITY_ERROR];
  set_count (self->error_box, self->error_label, n,
             g_strdup_printf (ngettext ("%u error", "%u errors", n), n));
  n = self->counts[TSC_SEVERITY_WARNING];
  set_count (self->warning_box, self->warning_label, n,
             g_strdup_printf (ngettext ("%u warning", "%u warnings", n), n));
  n = self->counts[TSC_SEVERITY_INFO];
  /* TRANSLATORS: flags of severity "info" */
  set_count (self->info_box, self->info_label, n,
             g_strdup_printf (ngettext ("%u info", "%u info", n), n));

  if (n_groups == 0)
    {
      gboolean any_calls = self->session != NULL && tsc_session_get_n_messages (self->session) > 0;

      adw_status_page_set_description (self->empty_page,
                                       any_calls
                                       ? _("None of these calls breaks an identity rule.")
                                       : _("Mistakes in the calls you capture are listed here, "
                                           "grouped by rule."));
    }
  gtk_stack_set_visible_child_name (self->stack, n_groups > 0 ? "list" : "empty");
}

/* The position of @entry's row, when its group is expanded. */
static gboolean
find_entry_position (TscFlagsView *self,
                     TscRule       rule,
                     guint         index,
                     guint        *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->groups));

  for (guint k = 0; k < n; k++)
    {
      g_autoptr(TscFlagsGroup) group = g_list_model_get_item (G_LIST_MODEL (self->groups), k);
      g_autoptr(GtkTreeListRow) row = NULL;

      if (group->rule != rule)
        continue;

      row = gtk_tree_list_model_get_child_row (self->tree, k);
      if (row == NULL || !gtk_tree_list_row_get_expanded (row))
        return FALSE;
      *position = gtk_tree_list_row_get_position (row) + 1 + index;
      return TRUE;
    }

  return FALSE;
}

/* Notes which groups are expanded, before their rows are dropped. */
static void
remember_expanded (TscFlagsView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->groups));

  for (guint k = 0; k < n; k++)
    {
      g_autoptr(TscFlagsGroup) group = g_list_model_get_item (G_LIST_MODEL (self->groups), k);
      g_autoptr(GtkTreeListRow) row = gtk_tree_list_model_get_child_row (self->tree, k);

      if (row != NULL)
        self->expanded[group->rule] = gtk_tree_list_row_get_expanded (row);
    }
}

/* Puts the groups in order, if they are not; re-expands what the user
 * had expanded and keeps the selected flag selected. */
static void
resort (TscFlagsView *self)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  GListModel *model = G_LIST_MODEL (self->groups);
  guint n = g_list_model_get_n_items (model);
  gboolean same;
  gpointer selected;
  gboolean had_entry = FALSE;
  TscRule entry_rule = 0;
  guint entry_index = 0;

  for (TscRule r = 0; r < TSC_N_RULES; r++)
    {
      if (self->by_rule[r] != NULL && self->by_rule[r]->flags->len > 0)
        g_ptr_array_add (sorted, self->by_rule[r]);
    }
  g_ptr_array_sort (sorted, compare_groups);

  same = n == sorted->len;
  for (guint i = 0; same && i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);
      same = item == g_ptr_array_index (sorted, i);
    }
  if (same)
    return;

  selected = gtk_single_selection_get_selected_item (self->selection);
  if (selected != NULL)
    {
      gpointer object = gtk_tree_list_row_get_item (selected);

      if (TSC_IS_FLAGS_ENTRY (object))
        {
          had_entry = TRUE;
          entry_rule = TSC_FLAGS_ENTRY (object)->flag->rule;
          entry_index = TSC_FLAGS_ENTRY (object)->index;
        }
      g_clear_object (&object);
    }

  remember_expanded (self);
  self->resorting = TRUE;
  g_list_store_splice (self->groups, 0, n, sorted->pdata, sorted->len);

  for (guint k = 0; k < sorted->len; k++)
    {
      TscFlagsGroup *group = g_ptr_array_index (sorted, k);

      if (self->expanded[group->rule])
        {
          g_autoptr(GtkTreeListRow) row = gtk_tree_list_model_get_child_row (self->tree, k);

          if (row != NULL)
            gtk_tree_list_row_set_expanded (row, TRUE);
        }
    }

  if (had_entry)
    {
      guint position;

      if (find_entry_position (self, entry_rule, entry_index, &position))
        gtk_single_selection_set_selected (self->selection, position);
    }
  self->resorting = FALSE;
}

static void
add_flags (TscFlagsView *self,
           GPtrArray    *flags)
{
  TscIdentityModel *model = self->session ? tsc_session_get_model (self->session) : NULL;
  TscMessageIndex *index = self->session ? tsc_session_get_index (self->session) : NULL;
  const TscScope *scope = self->scope.client || self->scope.user_id ? &self->scope : NULL;
  guint old_len[TSC_N_RULES];
  TscSeverity old_severity[TSC_N_RULES];
  gboolean touched[TSC_N_RULES] = { FALSE };

  for (guint i = 0; flags != NULL && i < flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);
      TscFlagsGroup *group;

      if (flag->rule >= TSC_N_RULES || flag->severity == TSC_SEVERITY_OFF)
        continue;
      if (!tsc_flag_matches_scope (flag, scope, model, index))
        continue;

      if (self->by_rule[flag->rule] == NULL)
        self->by_rule[flag->rule] = tsc_flags_group_new (flag->rule);
      group = self->by_rule[flag->rule];

      if (!touched[flag->rule])
        {
          touched[flag->rule] = TRUE;
          old_len[flag->rule] = group->flags->len;
          old_severity[flag->rule] = group->severity;
        }

      g_ptr_array_add (group->flags, tsc_flag_ref (flag));
      group->severity = MAX (group->severity, flag->severity);
      self->counts[MIN (flag->severity, TSC_SEVERITY_ERROR)]++;
    }

  for (TscRule r = 0; r < TSC_N_RULES; r++)
    {
      TscFlagsGroup *group = self->by_rule[r];

      if (!touched[r])
        continue;

      g_list_model_items_changed (G_LIST_MODEL (group), old_len[r], 0,
                                  group->flags->len - old_len[r]);
      if (old_len[r] != group->flags->len || old_severity[r] != group->severity)
        g_signal_emit (group, group_signals[GROUP_CHANGED], 0);
    }

  resort (self);
  update_summary (self);
}

static void
rebuild (TscFlagsView *self)
{
  remember_expanded (self);
  self->resorting = TRUE;
  g_list_store_remove_all (self->groups);
  self->resorting = FALSE;

  for (TscRule r = 0; r < TSC_N_RULES; r++)
    g_clear_object (&self->by_rule[r]);
  memset (self->counts, 0, sizeof self->counts);
  g_clear_pointer (&self->last_emitted, tsc_flag_unref);

  if (self->session != NULL)
    add_flags (self, tsc_identity_model_get_flags (tsc_session_get_model (self->session)));
  else
    update_summary (self);
}

static void
on_session_messages_added_cb (TscSession   *session,
                              guint         position,
                              guint         n_added,
                              GPtrArray    *flags,
                              TscFlagsView *self)
{
  /* From the first row: a file was loaded and the model replaced. */
  if (position == 0)
    rebuild (self);
  else
    add_flags (self, flags);
}

/* Activation ------------------------------------------------------------ */

static void
emit_flag (TscFlagsView *self,
           TscFlag      *flag)
{
  g_autoptr(TscFlag) ref = tsc_flag_ref (flag);

  g_clear_pointer (&self->last_emitted, tsc_flag_unref);
  self->last_emitted = tsc_flag_ref (flag);
  g_signal_emit (self, signals[FLAG_ACTIVATED], 0, ref);
}

static void
on_selection_changed_cb (GtkSelectionModel *selection,
                         guint              position,
                         guint              n_items,
                         TscFlagsView      *self)
{
  GtkTreeListRow *row;
  g_autoptr(GObject) object = NULL;

  if (self->resorting)
    return;

  row = gtk_single_selection_get_selected_item (self->selection);
  object = row ? gtk_tree_list_row_get_item (row) : NULL;
  if (!TSC_IS_FLAGS_ENTRY (object))
    {
      /* A group or nothing: picking the same flag again picks it. */
      g_clear_pointer (&self->last_emitted, tsc_flag_unref);
      return;
    }

  if (TSC_FLAGS_ENTRY (object)->flag != self->last_emitted)
    emit_flag (self, TSC_FLAGS_ENTRY (object)->flag);
}

static void
on_list_view_activate_cb (GtkListView  *list_view,
                          guint         position,
                          TscFlagsView *self)
{
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->tree), position);
  g_autoptr(GObject) object = NULL;

  if (row == NULL)
    return;

  object = gtk_tree_list_row_get_item (row);
  if (TSC_IS_FLAGS_GROUP (object))
    gtk_tree_list_row_set_expanded (row, !gtk_tree_list_row_get_expanded (row));
  else if (TSC_IS_FLAGS_ENTRY (object))
    emit_flag (self, TSC_FLAGS_ENTRY (object)->flag);
}

static GListModel *
create_children_cb (gpointer item,
                    gpointer user_data)
{
  if (TSC_IS_FLAGS_GROUP (item))
    return g_object_ref (G_LIST_MODEL (item));
  return NULL;
}

/* Public API ------------------------------------------------------------ */

/**
 * tsc_flags_view_set_session:
 * @session: (nullable): the session whose flags to show
 */
void
tsc_flags_view_set_session (TscFlagsView *self,
                            TscSession   *session)
{
  g_return_if_fail (TSC_IS_FLAGS_VIEW (self));
  g_return_if_fail (session == NULL || TSC_IS_SESSION (session));

  if (self->session == session)
    return;

  tsc_widget_swap_session (self, &self->session, session, &self->messages_added_id,
                           G_CALLBACK (on_session_messages_added_cb));

  self->resorting = TRUE;
  g_list_store_remove_all (self->groups);
  self->resorting = FALSE;
  memset (self->expanded, 0, sizeof self->expanded);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

TscSession *
tsc_flags_view_get_session (TscFlagsView *self)
{
  g_return_val_if_fail (TSC_IS_FLAGS_VIEW (self), NULL);
  return self->session;
}

/**
 * tsc_flags_view_set_scope:
 * @scope: (nullable): a client and/or a user to narrow to; %NULL for
 *   everything. The client must belong to the session's model.
 */
void
tsc_flags_view_set_scope (TscFlagsView   *self,
                          const TscScope *scope)
{
  const TscClient *client = scope ? scope->client : NULL;
  const char *user_id = scope ? scope->user_id : NULL;

  g_return_if_fail (TSC_IS_FLAGS_VIEW (self));

  if (client == self->scope.client && g_strcmp0 (user_id, self->scope_user_id) == 0)
    return;

  g_free (self->scope_user_id);
  self->scope_user_id = g_strdup (user_id);
  self->scope.client = client;
  self->scope.user_id = self->scope_user_id;
  rebuild (self);
}

static TscFlagsGroup *
get_group (TscFlagsView *self,
           guint         group)
{
  g_autoptr(TscFlagsGroup) item = g_list_model_get_item (G_LIST_MODEL (self->groups), group);

  return item; /* the store keeps it alive */
}

guint
tsc_flags_view_get_n_groups (TscFlagsView *self)
{
  g_return_val_if_fail (TSC_IS_FLAGS_VIEW (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->groups));
}

TscRule
tsc_flags_view_get_group_rule (TscFlagsView *self,
                               guint         group)
{
  TscFlagsGroup *g;

  g_return_val_if_fail (TSC_IS_FLAGS_VIEW (self), TSC_N_RULES);
  g = get_group (self, group);
  g_return_val_if_fail (g != NULL, TSC_N_RULES);
  return g->rule;
}

TscSeverity
tsc_flags_view_get_group_severity (TscFlagsView *self,
                                   guint         group)
{
  TscFlagsGroup *g;

  g_return_val_if_fail (TSC_IS_FLAGS_VIEW (self), TSC_SEVERITY_OFF);
  g = get_group (self, group);
  g_return_val_if_fail (g != NULL, TSC_SEVERITY_OFF);
  return g->severity;
}

guint
tsc_flags_view_get_group_n_flags (TscFlagsView *self,
                                  guint         group)
{
  TscFlagsGroup *g;

  g_return_val_if_fail (TSC_IS_FLAGS_VIEW (self), 0);
  g = get_group (self, group);
  g_return_val_if_fail (g != NULL, 0);
  return g->flags->len;
}

/**
 * tsc_flags_view_get_flag:
 *
 * Returns: (transfer none) (nullable): flag @index of group @group
 */
TscFlag *
tsc_flags_view_get_flag (TscFlagsView *self,
                         guint         group,
                         guint         index)
{
  TscFlagsGroup *g;

  g_return_val_if_fail (TSC_IS_FLAGS_VIEW (self), NULL);
  g = get_group (self, group);
  g_return_val_if_fail (g != NULL, NULL);
  return index < g->flags->len ? g_ptr_array_index (g->flags, index) : NULL;
}

/**
 * tsc_flags_view_get_n_flags:
 *
 * Returns: how many flags are shown, every group together
 */
guint
tsc_flags_view_get_n_flags (TscFlagsView *self)
{
  guint n = 0;

  g_return_val_if_fail (TSC_IS_FLAGS_VIEW (self), 0);

  for (TscSeverity s = 0; s <= TSC_SEVERITY_ERROR; s++)
    n += self->counts[s];
  return n;
}

/* GObject --------------------------------------------------------------- */

static void
tsc_flags_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TscFlagsView *self = TSC_FLAGS_VIEW (object);

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
tsc_flags_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TscFlagsView *self = TSC_FLAGS_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      tsc_flags_view_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_flags_view_dispose (GObject *object)
{
  TscFlagsView *self = (TscFlagsView *) object;

  if (self->session != NULL)
    g_clear_signal_handler (&self->messages_added_id, self->session);
  g_clear_object (&self->session);

  gtk_widget_dispose_template (GTK_WIDGET (self), TSC_TYPE_FLAGS_VIEW);

  g_clear_object (&self->selection);
  g_clear_object (&self->tree);
  g_clear_object (&self->groups);
  for (TscRule r = 0; r < TSC_N_RULES; r++)
    g_clear_object (&self->by_rule[r]);
  g_clear_pointer (&self->last_emitted, tsc_flag_unref);

  G_OBJECT_CLASS (tsc_flags_view_parent_class)->dispose (object);
}

static void
tsc_flags_view_finalize (GObject *object)
{
  TscFlagsView *self = (TscFlagsView *) object;

  g_free (self->scope_user_id);

  G_OBJECT_CLASS (tsc_flags_view_parent_class)->finalize (object);
}

static void
tsc_flags_view_class_init (TscFlagsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tsc_flags_view_get_property;
  object_class->set_property = tsc_flags_view_set_property;
  object_class->dispose = tsc_flags_view_dispose;
  object_class->finalize = tsc_flags_view_finalize;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, TSC_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TscFlagsView::flag-activated:
   * @flag: the flag the user picked
   *
   * A flag was clicked, selected with the keyboard or activated; the
   * window selects its message (TscFlag.seq) in the other views.
   */
  signals[FLAG_ACTIVATED] =
    g_signal_new ("flag-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TSC_TYPE_FLAG);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/tsc-flags-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TscFlagsView, stack);
  gtk_widget_class_bind_template_child (widget_class, TscFlagsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TscFlagsView, list_view);
  gtk_widget_class_bind_template_child (widget_class, TscFlagsView, error_box);
  gtk_widget_class_bind_template_child (widget_class, TscFlagsView, warning_box);
  gtk_widget_class_bind_template_child (widget_class, TscFlagsView, info_box);
  gtk_widget_class_bind_template_child (widget_class, TscFlagsView, error_label);
  gtk_widget_class_bind_template_child (widget_class, TscFlagsView, warning_label);
  gtk_widget_class_bind_template_child (widget_class, TscFlagsView, info_label);
  gtk_widget_class_bind_template_callback (widget_class, on_list_view_activate_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "flagsview");
}

static void
tsc_flags_view_init (TscFlagsView *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->groups = g_list_store_new (TSC_TYPE_FLAGS_GROUP);
  self->tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->groups)),
                                        FALSE, FALSE, create_children_cb, NULL, NULL);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->tree)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->selection, "selection-changed",
                    G_CALLBACK (on_selection_changed_cb), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  update_summary (self);
}

GtkWidget *
tsc_flags_view_new (void)
{
  return g_object_new (TSC_TYPE_FLAGS_VIEW, NULL);
}
