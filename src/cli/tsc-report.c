/* tsc-report.c
 *
 * The four reports of `trackscope-cli check`: text for a person in a
 * terminal, JSON for scripts (its shape is part of the headless contract
 * in docs/design.md), JUnit XML for CI dashboards and SARIF 2.1.0 for
 * code-scanning tools.
 *
 * The report keeps a few bytes per message (type, label, where it came
 * from) so that the flags, which name messages by seq, can be printed
 * after every message went through the identity model and was dropped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-report"

#include "config.h"

#include "tsc-report.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#define SARIF_SCHEMA          "https://json.schemastore.org/sarif-2.1.0.json"
#define SARIF_VERSION         "2.1.0"
#define TRACKSCOPE_URI        "https://github.com/trackscope/trackscope"
#define TEXT_WIDTH            88

/* What is kept of each message. */
typedef struct
{
  const char *type_name;   /* interned */
  const char *label;       /* interned event/name, or NULL */
  guint32     input;
  guint32     where;       /* the line (NDJSON, JSON) or HAR entry, 0 when unknown */
} MessageInfo;

typedef struct
{
  char            *path;
  TscImportFormat  format;
} Input;

struct _TscReport
{
  GObject        parent_instance;

  TscRuleConfig *config;
  GArray        *inputs;     /* Input */
  GArray        *messages;   /* MessageInfo, at seq - 1 */
  GStringChunk  *strings;
  GPtrArray     *flags;      /* TscFlag * */
  GPtrArray     *problems;   /* char * */
  guint          counts[TSC_SEVERITY_ERROR + 1];
  TscSeverity    fail_on;
  gboolean       color;
};

G_DEFINE_FINAL_TYPE (TscReport, tsc_report, G_TYPE_OBJECT)

static void
clear_input (gpointer data)
{
  Input *input = data;

  g_free (input->path);
}

static void
tsc_report_finalize (GObject *object)
{
  TscReport *self = TSC_REPORT (object);

  g_clear_pointer (&self->config, tsc_rule_config_unref);
  g_clear_pointer (&self->inputs, g_array_unref);
  g_clear_pointer (&self->messages, g_array_unref);
  g_clear_pointer (&self->strings, g_string_chunk_free);
  g_clear_pointer (&self->flags, g_ptr_array_unref);
  g_clear_pointer (&self->problems, g_ptr_array_unref);

  G_OBJECT_CLASS (tsc_report_parent_class)->finalize (object);
}

static void
tsc_report_class_init (TscReportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tsc_report_finalize;
}

static void
tsc_report_init (TscReport *self)
{
  self->inputs = g_array_new (FALSE, TRUE, sizeof (Input));
  g_array_set_clear_func (self->inputs, clear_input);
  self->messages = g_array_new (FALSE, TRUE, sizeof (MessageInfo));
  self->strings = g_string_chunk_new (4096);
  self->flags = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_flag_unref);
  self->problems = g_ptr_array_new_with_free_func (g_free);
  self->fail_on = TSC_SEVERITY_ERROR;
}

gboolean
tsc_report_format_from_string (const char      *text,
                               TscReportFormat *format)
{
  static const struct
  {
    const char      *name;
    TscReportFormat  format;
  } names[] = {
    { "text",  TSC_REPORT_FORMAT_TEXT },
    { "json",  TSC_REPORT_FORMAT_JSON },
    { "junit", TSC_REPORT_FORMAT_JUNIT },
    { "sarif", TSC_REPORT_FORMAT_SARIF },
  };

  g_return_val_if_fail (format != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (g_ascii_strcasecmp (text, names[i].name) == 0)
        {
          *format = names[i].format;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * tsc_report_new:
 * @config: the profile and settings the flags were found with: the
 *   reports list every rule with its severity under them
 */
TscReport *
tsc_report_new (TscRuleConfig *config)
{
  TscReport *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (TSC_TYPE_REPORT, NULL);
  self->config = tsc_rule_config_ref (config);
  return self;
}

void
tsc_report_add_input (TscReport  *self,
                      const char *path)
{
  Input input = { g_strdup (path), TSC_IMPORT_FORMAT_UNKNOWN };

  g_return_if_fail (TSC_IS_REPORT (self));
  g_return_if_fail (path != NULL);

  g_array_append_val (self->inputs, input);
}

void
tsc_report_set_input_format (TscReport       *self,
                             guint            input,
                             TscImportFormat  format)
{
  g_return_if_fail (TSC_IS_REPORT (self));
  g_return_if_fail (input < self->inputs->len);

  g_array_index (self->inputs, Input, input).format = format;
}

/**
 * tsc_report_add_message:
 *
 * Remembers what the report says about @message (its type, event or name,
 * and where it came from); messages come in seq order.
 */
void
tsc_report_add_message (TscReport               *self,
                        const TscMessage        *message,
                        const TscImportLocation *location)
{
  MessageInfo *info;
  const char *label;

  g_return_if_fail (TSC_IS_REPORT (self));
  g_return_if_fail (message != NULL);
  g_return_if_fail (message->seq > 0);

  if ((guint64) message->seq > self->messages->len)
    g_array_set_size (self->messages, message->seq);

  info = &g_array_index (self->messages, MessageInfo, message->seq - 1);
  info->type_name = g_string_chunk_insert_const (self->strings,
                                                 message->type_name ? message->type_name
                                                                    : tsc_message_type_to_string (message->type));
  label = tsc_message_get_label (message);
  info->label = label ? g_string_chunk_insert_const (self->strings, label) : NULL;

  if (location != NULL)
    {
      info->input = location->input;
      info->where = location->format == TSC_IMPORT_FORMAT_HAR ? location->entry : location->line;
    }
}

/**
 * tsc_report_add_flag:
 *
 * Adds @flag to the report, unless its rule is turned off.
 */
void
tsc_report_add_flag (TscReport *self,
                     TscFlag   *flag)
{
  g_return_if_fail (TSC_IS_REPORT (self));
  g_return_if_fail (flag != NULL);

  if (flag->severity <= TSC_SEVERITY_OFF || flag->severity > TSC_SEVERITY_ERROR)
    return;

  g_ptr_array_add (self->flags, tsc_flag_ref (flag));
  self->counts[flag->severity]++;
}

/**
 * tsc_report_add_problem:
 *
 * Notes an input problem that did not stop the check (a skipped NDJSON
 * line, say); SARIF lists them as tool notifications.
 */
void
tsc_report_add_problem (TscReport  *self,
                        const char *text)
{
  g_return_if_fail (TSC_IS_REPORT (self));
  g_return_if_fail (text != NULL);

  g_ptr_array_add (self->problems, g_strdup (text));
}

guint
tsc_report_get_n_messages (TscReport *self)
{
  g_return_val_if_fail (TSC_IS_REPORT (self), 0);
  return self->messages->len;
}

guint
tsc_report_count (TscReport   *self,
                  TscSeverity  severity)
{
  g_return_val_if_fail (TSC_IS_REPORT (self), 0);
  g_return_val_if_fail (severity <= TSC_SEVERITY_ERROR, 0);

  return severity == TSC_SEVERITY_OFF ? 0 : self->counts[severity];
}

void
tsc_report_set_fail_on (TscReport   *self,
                        TscSeverity  fail_on)
{
  g_return_if_fail (TSC_IS_REPORT (self));
  self->fail_on = fail_on;
}

static gboolean
fails (TscReport   *self,
       TscSeverity  severity)
{
  return self->fail_on != TSC_SEVERITY_OFF && severity >= self->fail_on;
}

/**
 * tsc_report_has_failures:
 *
 * Returns: whether a flag is at or above the `--fail-on` severity
 */
gboolean
tsc_report_has_failures (TscReport *self)
{
  g_return_val_if_fail (TSC_IS_REPORT (self), FALSE);

  for (TscSeverity s = TSC_SEVERITY_INFO; s <= TSC_SEVERITY_ERROR; s++)
    {
      if (self->counts[s] > 0 && fails (self, s))
        return TRUE;
    }

  return FALSE;
}

void
tsc_report_set_color (TscReport *self,
                      gboolean   color)
{
  g_return_if_fail (TSC_IS_REPORT (self));
  self->color = !!color;
}

static const MessageInfo *
lookup_message (TscReport *self,
                gint64     seq)
{
  if (seq <= 0 || (guint64) seq > self->messages->len)
    return NULL;

  return &g_array_index (self->messages, MessageInfo, seq - 1);
}

static const Input *
lookup_input (TscReport *self,
              guint      input)
{
  if (input >= self->inputs->len)
    return NULL;

  return &g_array_index (self->inputs, Input, input);
}

static const char *
flag_message_id (TscFlag *flag,
                 guint    i)
{
  if (flag->message_ids == NULL || i >= flag->message_ids->len)
    return NULL;
  return g_ptr_array_index (flag->message_ids, i);
}

static guint
flag_n_seqs (TscFlag *flag)
{
  return flag->seqs != NULL ? flag->seqs->len : 0;
}

static gint64
flag_seq (TscFlag *flag,
          guint    i)
{
  return g_array_index (flag->seqs, gint64, i);
}

static const char *
profile_name (TscReport *self)
{
  const char *profile = tsc_rule_config_get_profile (self->config);

  return profile != NULL ? profile : "segment";
}

/* "flow.ndjson:12", "capture.har entry 3", "s.trackscope" */
static char *
describe_where (TscReport         *self,
                const MessageInfo *info)
{
  const Input *input = lookup_input (self, info->input);

  if (input == NULL)
    return NULL;

  if (info->where > 0 && input->format == TSC_IMPORT_FORMAT_HAR)
    return g_strdup_printf ("%s entry %u", input->path, info->where);
  if (info->where > 0)
    return g_strdup_printf ("%s:%u", input->path, info->where);
  /* A session row is found by its seq; the file only tells inputs apart. */
  if (self->inputs->len > 1)
    return g_strdup (input->path);
  return NULL;
}

/* "#12 track “Signed Out”" */
static char *
describe_message (TscReport *self,
                  gint64     seq)
{
  const MessageInfo *info = lookup_message (self, seq);

  if (info == NULL || info->type_name == NULL)
    return g_strdup_printf ("#%" G_GINT64_FORMAT, seq);
  if (info->label != NULL)
    return g_strdup_printf ("#%" G_GINT64_FORMAT " %s “%s”", seq, info->type_name, info->label);
  return g_strdup_printf ("#%" G_GINT64_FORMAT " %s", seq, info->type_name);
}

static char *
describe_seqs (TscFlag *flag)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < flag_n_seqs (flag); i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i ? ", " : "", flag_seq (flag, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Control characters from the calls (an event name with an escape
 * sequence, say) must not reach a terminal or an XML file: they become
 * U+FFFD. Line breaks and tabs stay when @keep_breaks. */
static char *
replace_controls (const char *text,
                  gboolean    keep_breaks)
{
  GString *clean;

  if (text == NULL)
    return g_strdup ("");

  clean = g_string_sized_new (strlen (text));
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean is_break = c == '\t' || c == '\n' || c == '\r';

      if ((c < 0x20 && !(keep_breaks && is_break)) || (c >= 0x7f && c <= 0x9f) ||
          c == 0xfffe || c == 0xffff)
        g_string_append_unichar (clean, 0xfffd);
      else
        g_string_append_unichar (clean, c);
    }

  return g_string_free (clean, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Text                                                                    */

#define SGR_RESET   "\033[0m"
#define SGR_BOLD    "\033[1m"
#define SGR_DIM     "\033[2m"
#define SGR_RED     "\033[1;31m"
#define SGR_YELLOW  "\033[1;33m"
#define SGR_CYAN    "\033[36m"

typedef struct
{
  const char *anonymous_id;
  const char *user_id;       /* when there is no anonymousId */
  GPtrArray  *flags;         /* TscFlag *, not owned */
  GPtrArray  *users;         /* const char *: the userIds of its flags */
} Group;

static void
group_free (gpointer data)
{
  Group *group = data;

  g_ptr_array_unref (group->flags);
  g_ptr_array_unref (group->users);
  g_free (group);
}

static const char *
paint (TscReport  *self,
       const char *sgr)
{
  return self->color ? sgr : "";
}

static const char *
severity_sgr (TscSeverity severity)
{
  switch (severity)
    {
    case TSC_SEVERITY_ERROR:
      return SGR_RED;
    case TSC_SEVERITY_WARNING:
      return SGR_YELLOW;
    case TSC_SEVERITY_INFO:
      return SGR_CYAN;
    case TSC_SEVERITY_OFF:
    default:
      return "";
    }
}

/* Appends @text wrapped at TEXT_WIDTH, each line indented by @indent. */
static void
append_wrapped (GString    *out,
                const char *text,
                guint       indent)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \n\t", -1);
  guint column = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      glong width = g_utf8_strlen (words[i], -1);

      if (width == 0)
        continue;

      if (column > indent && column + 1 + width > TEXT_WIDTH)
        {
          g_string_append_c (out, '\n');
          column = 0;
        }

      if (column == 0)
        {
          for (guint j = 0; j < indent; j++)
            g_string_append_c (out, ' ');
          column = indent;
        }
      else
        {
          g_string_append_c (out, ' ');
          column++;
        }

      g_string_append (out, words[i]);
      column += width;
    }

  if (column > 0)
    g_string_append_c (out, '\n');
}

/* The first paragraph of an explanation: what happened here. */
static char *
first_paragraph (const char *text)
{
  const char *end;

  if (text == NULL)
    return NULL;

  end = strstr (text, "\n\n");
  return end != NULL ? g_strndup (text, end - text) : g_strdup (text);
}

static GPtrArray *
group_flags (TscReport *self)
{
  g_autoptr(GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *groups = g_ptr_array_new_with_free_func (group_free);

  for (guint i = 0; i < self->flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (self->flags, i);
      g_autofree char *key = NULL;
      Group *group;

      if (flag->anonymous_id != NULL)
        key = g_strconcat ("a:", flag->anonymous_id, NULL);
      else if (flag->user_id != NULL)
        key = g_strconcat ("u:", flag->user_id, NULL);
      else
        key = g_strdup ("-");

      group = g_hash_table_lookup (by_key, key);
      if (group == NULL)
        {
          group = g_new0 (Group, 1);
          group->anonymous_id = flag->anonymous_id;
          group->user_id = flag->anonymous_id == NULL ? flag->user_id : NULL;
          group->flags = g_ptr_array_new ();
          group->users = g_ptr_array_new ();
          g_ptr_array_add (groups, group);
          g_hash_table_insert (by_key, g_steal_pointer (&key), group);
        }

      g_ptr_array_add (group->flags, flag);
      if (flag->anonymous_id != NULL && flag->user_id != NULL &&
          !g_ptr_array_find_with_equal_func (group->users, flag->user_id, g_str_equal, NULL))
        g_ptr_array_add (group->users, flag->user_id);
    }

  return groups;
}

static void
append_group_heading (TscReport *self,
                      GString   *out,
                      Group     *group)
{
  g_string_append (out, paint (self, SGR_BOLD));

  if (group->anonymous_id != NULL)
    {
      g_autofree char *anonymous_id = replace_controls (group->anonymous_id, FALSE);

      g_string_append_printf (out, _("anonymousId %s"), anonymous_id);
      for (guint i = 0; i < group->users->len; i++)
        {
          g_autofree char *user_id = replace_controls (g_ptr_array_index (group->users, i), FALSE);

          g_string_append_printf (out, "%s%s", i == 0 ? _(" · userId ") : ", ", user_id);
        }
    }
  else if (group->user_id != NULL)
    {
      g_autofree char *user_id = replace_controls (group->user_id, FALSE);

      g_string_append_printf (out, _("userId %s (no anonymousId)"), user_id);
    }
  else
    {
      g_string_append (out, _("No userId or anonymousId"));
    }

  g_string_append (out, paint (self, SGR_RESET));
  g_string_append_c (out, '\n');
}

static void
append_flag_text (TscReport *self,
                  GString   *out,
                  TscFlag   *flag)
{
  const TscRuleInfo *rule = tsc_rule_get_info (flag->rule);
  g_autofree char *paragraph = first_paragraph (flag->explanation);
  g_autofree char *what = replace_controls (paragraph, FALSE);
  g_autofree char *summary = replace_controls (flag->summary, FALSE);

  g_string_append_printf (out, "  %s%-7s%s  %s%s%s  %s\n",
                          paint (self, severity_sgr (flag->severity)),
                          tsc_severity_to_string (flag->severity),
                          paint (self, SGR_RESET),
                          paint (self, SGR_BOLD),
                          rule != NULL ? rule->id : "?",
                          paint (self, SGR_RESET),
                          summary);

  for (guint i = 0; i < flag_n_seqs (flag); i++)
    {
      gint64 seq = flag_seq (flag, i);
      const MessageInfo *info = lookup_message (self, seq);
      g_autofree char *described = describe_message (self, seq);
      g_autofree char *message = replace_controls (described, FALSE);
      g_autofree char *where = info != NULL ? describe_where (self, info) : NULL;

      g_string_append_printf (out, "           %s%s",
                              seq == flag->seq ? "→ " : "  ", message);
      if (where != NULL)
        g_string_append_printf (out, "  %s(%s)%s", paint (self, SGR_DIM), where,
                                paint (self, SGR_RESET));
      g_string_append_c (out, '\n');
    }

  if (*what != '\0' && !g_str_equal (what, summary))
    append_wrapped (out, what, 11);
}

static void
append_total (TscReport *self,
              GString   *out)
{
  guint n_inputs = self->inputs->len;
  guint n_messages = self->messages->len;
  guint errors = self->counts[TSC_SEVERITY_ERROR];
  guint warnings = self->counts[TSC_SEVERITY_WARNING];
  guint infos = self->counts[TSC_SEVERITY_INFO];
  g_autofree char *in_calls = NULL;

  if (n_messages == 0)
    {
      g_string_append_printf (out, ngettext ("0 calls found in %u input\n",
                                             "0 calls found in %u inputs\n", n_inputs),
                              n_inputs);
      return;
    }

  in_calls = g_strdup_printf (ngettext ("in %u call", "in %u calls", n_messages), n_messages);

  g_string_append_printf (out, ngettext ("%u error", "%u errors", errors), errors);
  g_string_append (out, ", ");
  g_string_append_printf (out, ngettext ("%u warning", "%u warnings", warnings), warnings);
  g_string_append (out, ", ");
  g_string_append_printf (out, ngettext ("%u info", "%u info", infos), infos);
  g_string_append_printf (out, " %s ", in_calls);
  g_string_append_printf (out, ngettext ("from %u input", "from %u inputs", n_inputs), n_inputs);
  g_string_append_c (out, '\n');
}

static char *
to_text (TscReport *self)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) groups = group_flags (self);

  for (guint i = 0; i < groups->len; i++)
    {
      Group *group = g_ptr_array_index (groups, i);

      append_group_heading (self, out, group);
      for (guint j = 0; j < group->flags->len; j++)
        append_flag_text (self, out, g_ptr_array_index (group->flags, j));
      g_string_append_c (out, '\n');
    }

  if (self->flags->len == 0 && self->messages->len > 0)
    g_string_append_printf (out, "%s\n\n", _("No identity mistakes found."));

  append_total (self, out);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---------------------------------------------------------------------- */
/* JSON                                                                    */

/* @member: @value, or null when it is %NULL. */
static void
add_string_member (JsonBuilder *builder,
                   const char  *member,
                   const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int_member (JsonBuilder *builder,
                const char  *member,
                gint64       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

/* "messageIds": the messageIds of @flag's messages, null where one has none. */
static void
add_flag_message_ids (JsonBuilder *builder,
                      TscFlag     *flag)
{
  json_builder_set_member_name (builder, "messageIds");
  json_builder_begin_array (builder);
  for (guint i = 0; flag->message_ids != NULL && i < flag->message_ids->len; i++)
    {
      const char *id = flag_message_id (flag, i);

      if (id != NULL)
        json_builder_add_string_value (builder, id);
      else
        json_builder_add_null_value (builder);
    }
  json_builder_end_array (builder);
}

/* "seqs": the seqs of @flag's messages. */
static void
add_flag_seqs (JsonBuilder *builder,
               TscFlag     *flag)
{
  json_builder_set_member_name (builder, "seqs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < flag_n_seqs (flag); i++)
    json_builder_add_int_value (builder, flag_seq (flag, i));
  json_builder_end_array (builder);
}

/* The document built in @builder, ending with a newline; indented by two
 * spaces when @pretty. */
static char *
builder_to_string (JsonBuilder *builder,
                   gboolean     pretty)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  if (pretty)
    {
      json_generator_set_pretty (generator, TRUE);
      json_generator_set_indent (generator, 2);
    }
  text = json_generator_to_data (generator, NULL);
  return g_strconcat (text, "\n", NULL);
}

static char *
to_json (TscReport *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);

  add_int_member (builder, "version", TSC_REPORT_JSON_VERSION);
  add_string_member (builder, "profile", profile_name (self));

  json_builder_set_member_name (builder, "inputs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->inputs->len; i++)
    json_builder_add_string_value (builder, g_array_index (self->inputs, Input, i).path);
  json_builder_end_array (builder);

  add_int_member (builder, "messages", self->messages->len);

  json_builder_set_member_name (builder, "counts");
  json_builder_begin_object (builder);
  add_int_member (builder, "error", self->counts[TSC_SEVERITY_ERROR]);
  add_int_member (builder, "warning", self->counts[TSC_SEVERITY_WARNING]);
  add_int_member (builder, "info", self->counts[TSC_SEVERITY_INFO]);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "flags");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (self->flags, i);
      const TscRuleInfo *rule = tsc_rule_get_info (flag->rule);

      json_builder_begin_object (builder);
      add_string_member (builder, "rule", rule != NULL ? rule->id : NULL);
      add_string_member (builder, "severity", tsc_severity_to_string (flag->severity));
      add_string_member (builder, "summary", flag->summary);
      add_string_member (builder, "userId", flag->user_id);
      add_string_member (builder, "anonymousId", flag->anonymous_id);

      add_flag_message_ids (builder, flag);
      add_flag_seqs (builder, flag);

      add_string_member (builder, "explanation", flag->explanation);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_end_object (builder);

  return builder_to_string (builder, FALSE);
}

/* ---------------------------------------------------------------------- */
/* JUnit XML                                                               */

/* XML 1.0 has no spelling for most control characters, even escaped. */
static char *
xml_text (const char *text)
{
  g_autofree char *clean = replace_controls (text, TRUE);

  return g_markup_escape_text (clean, -1);
}

static void
append_xml_attr (GString    *out,
                 const char *name,
                 const char *value)
{
  g_autofree char *escaped = xml_text (value);
  g_autoptr(GString) attr = g_string_new (escaped);

  /* Line breaks in attributes would be normalised to spaces by a reader. */
  g_string_replace (attr, "\n", "&#10;", 0);
  g_string_replace (attr, "\r", "&#13;", 0);
  g_string_replace (attr, "\t", "&#9;", 0);
  g_string_append_printf (out, " %s=\"%s\"", name, attr->str);
}

static void
append_junit_failure (TscReport *self,
                      GString   *out,
                      TscFlag   *flag)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *body_xml = NULL;

  if (flag->explanation != NULL)
    g_string_append_printf (body, "%s\n\n", flag->explanation);

  g_string_append (body, _("Messages:"));
  g_string_append_c (body, '\n');
  for (guint i = 0; i < flag_n_seqs (flag); i++)
    {
      gint64 seq = flag_seq (flag, i);
      const MessageInfo *info = lookup_message (self, seq);
      g_autofree char *message = describe_message (self, seq);
      g_autofree char *where = info != NULL ? describe_where (self, info) : NULL;
      const char *id = flag_message_id (flag, i);

      g_string_append_printf (body, "  %s", message);
      if (id != NULL)
        g_string_append_printf (body, "  messageId %s", id);
      if (where != NULL)
        g_string_append_printf (body, "  (%s)", where);
      g_string_append_c (body, '\n');
    }

  if (flag->user_id != NULL)
    g_string_append_printf (body, "userId: %s\n", flag->user_id);
  if (flag->anonymous_id != NULL)
    g_string_append_printf (body, "anonymousId: %s\n", flag->anonymous_id);

  body_xml = xml_text (body->str);

  g_string_append (out, "      <failure");
  append_xml_attr (out, "message", flag->summary);
  append_xml_attr (out, "type", tsc_severity_to_string (flag->severity));
  g_string_append_printf (out, ">%s</failure>\n", body_xml);
}

static char *
to_junit (TscReport *self)
{
  g_autoptr(GString) out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_autofree char *classname = g_strdup_printf ("trackscope.%s", profile_name (self));
  g_autoptr(GString) inputs = g_string_new (NULL);
  guint n_failures = 0;
  guint n_skipped = 0;

  for (TscRule rule = 0; rule < TSC_N_RULES; rule++)
    {
      gboolean failing = FALSE;

      if (tsc_rule_config_get_severity (self->config, rule) == TSC_SEVERITY_OFF)
        {
          n_skipped++;
          continue;
        }

      for (guint i = 0; i < self->flags->len && !failing; i++)
        {
          TscFlag *flag = g_ptr_array_index (self->flags, i);

          failing = flag->rule == rule && fails (self, flag->severity);
        }
      n_failures += failing;
    }

  for (guint i = 0; i < self->inputs->len; i++)
    g_string_append_printf (inputs, "%s%s", i ? " " : "", g_array_index (self->inputs, Input, i).path);

  g_string_append (out, "<testsuites");
  append_xml_attr (out, "name", "trackscope");
  g_string_append_printf (out, " tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"%u\">\n",
                          (guint) TSC_N_RULES, n_failures, n_skipped);

  g_string_append (out, "  <testsuite");
  append_xml_attr (out, "name", classname);
  g_string_append_printf (out, " tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"%u\">\n",
                          (guint) TSC_N_RULES, n_failures, n_skipped);

  g_string_append (out, "    <properties>\n");
  g_string_append (out, "      <property");
  append_xml_attr (out, "name", "profile");
  append_xml_attr (out, "value", profile_name (self));
  g_string_append (out, "/>\n");
  g_string_append (out, "      <property");
  append_xml_attr (out, "name", "inputs");
  append_xml_attr (out, "value", inputs->str);
  g_string_append (out, "/>\n");
  g_string_append_printf (out, "      <property name=\"messages\" value=\"%u\"/>\n", self->messages->len);
  g_string_append (out, "    </properties>\n");

  for (TscRule rule = 0; rule < TSC_N_RULES; rule++)
    {
      const TscRuleInfo *info = tsc_rule_get_info (rule);
      g_autoptr(GString) below = g_string_new (NULL);

      g_autoptr(GString) content = g_string_new (NULL);

      if (tsc_rule_config_get_severity (self->config, rule) == TSC_SEVERITY_OFF)
        {
          g_string_append (content, "      <skipped");
          append_xml_attr (content, "message", _("turned off by the configuration"));
          g_string_append (content, "/>\n");
        }

      for (guint i = 0; i < self->flags->len; i++)
        {
          TscFlag *flag = g_ptr_array_index (self->flags, i);
          g_autofree char *seqs = NULL;

          if (flag->rule != rule)
            continue;

          if (fails (self, flag->severity))
            {
              append_junit_failure (self, content, flag);
              continue;
            }

          /* Below --fail-on: shown, not failing. */
          seqs = describe_seqs (flag);
          g_string_append_printf (below, "%s: %s (seqs %s)\n",
                                  tsc_severity_to_string (flag->severity),
                                  flag->summary ? flag->summary : "", seqs);
        }

      if (below->len > 0)
        {
          g_autofree char *text = xml_text (below->str);

          g_string_append_printf (content, "      <system-out>%s</system-out>\n", text);
        }

      g_string_append (out, "    <testcase");
      append_xml_attr (out, "classname", classname);
      append_xml_attr (out, "name", info->id);
      if (content->len == 0)
        g_string_append (out, "/>\n");
      else
        g_string_append_printf (out, ">\n%s    </testcase>\n", content->str);
    }

  g_string_append (out, "  </testsuite>\n</testsuites>\n");

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---------------------------------------------------------------------- */
/* SARIF 2.1.0                                                             */

static const char *
sarif_level (TscSeverity severity)
{
  switch (severity)
    {
    case TSC_SEVERITY_ERROR:
      return "error";
    case TSC_SEVERITY_WARNING:
      return "warning";
    case TSC_SEVERITY_INFO:
      return "note";
    case TSC_SEVERITY_OFF:
    default:
      return "none";
    }
}

/* A relative path stays relative (a URI reference); an absolute one
 * becomes a file: URI. */
static char *
sarif_uri (const char *path)
{
  if (g_path_is_absolute (path))
    {
      char *uri = g_filename_to_uri (path, NULL, NULL);

      if (uri != NULL)
        return uri;
    }

  return g_uri_escape_string (path, "/", FALSE);
}

static void
add_text_object (JsonBuilder *builder,
                 const char  *member,
                 const char  *text)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_object (builder);
  add_string_member (builder, "text", text != NULL ? text : "");
  json_builder_end_object (builder);
}

static void
add_sarif_location (TscReport   *self,
                    JsonBuilder *builder,
                    gint64       seq,
                    int          id)
{
  const MessageInfo *info = lookup_message (self, seq);
  const Input *input = info != NULL ? lookup_input (self, info->input) : NULL;
  g_autofree char *name = g_strdup_printf ("seq %" G_GINT64_FORMAT, seq);
  g_autofree char *fqn = NULL;

  json_builder_begin_object (builder);

  if (id >= 0)
    {
      g_autofree char *message = describe_message (self, seq);

      add_int_member (builder, "id", id);
      add_text_object (builder, "message", message);
    }

  if (input != NULL)
    {
      g_autofree char *uri = sarif_uri (input->path);

      json_builder_set_member_name (builder, "physicalLocation");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "artifactLocation");
      json_builder_begin_object (builder);
      add_string_member (builder, "uri", uri);
      add_int_member (builder, "index", info->input);
      json_builder_end_object (builder);

      /* Lines for files read by line; a HAR entry or a session row has no
       * line worth pointing at: the logical location names it. */
      if (info->where > 0 && input->format != TSC_IMPORT_FORMAT_HAR)
        {
          json_builder_set_member_name (builder, "region");
          json_builder_begin_object (builder);
          add_int_member (builder, "startLine", info->where);
          json_builder_end_object (builder);
        }
      json_builder_end_object (builder);
    }

  json_builder_set_member_name (builder, "logicalLocations");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  add_string_member (builder, "name", name);
  if (input != NULL && info->where > 0 && input->format == TSC_IMPORT_FORMAT_HAR)
    fqn = g_strdup_printf ("%s/entry %u/%s", input->path, info->where, name);
  else if (input != NULL)
    fqn = g_strdup_printf ("%s/%s", input->path, name);
  add_string_member (builder, "fullyQualifiedName", fqn != NULL ? fqn : name);
  add_string_member (builder, "kind", "object");
  json_builder_end_object (builder);
  json_builder_end_array (builder);

  json_builder_end_object (builder);
}

static void
add_sarif_rules (TscReport   *self,
                 JsonBuilder *builder)
{
  json_builder_set_member_name (builder, "rules");
  json_builder_begin_array (builder);

  for (TscRule rule = 0; rule < TSC_N_RULES; rule++)
    {
      const TscRuleInfo *info = tsc_rule_get_info (rule);
      TscSeverity severity = tsc_rule_config_get_severity (self->config, rule);

      json_builder_begin_object (builder);
      add_string_member (builder, "id", info->id);
      add_text_object (builder, "shortDescription", info->title);
      add_text_object (builder, "fullDescription", info->help);
      add_text_object (builder, "help", info->help);

      json_builder_set_member_name (builder, "defaultConfiguration");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "enabled");
      json_builder_add_boolean_value (builder, severity != TSC_SEVERITY_OFF);
      add_string_member (builder, "level", sarif_level (severity));
      json_builder_end_object (builder);

      json_builder_end_object (builder);
    }

  json_builder_end_array (builder);
}

static void
add_sarif_result (TscReport   *self,
                  JsonBuilder *builder,
                  TscFlag     *flag)
{
  const TscRuleInfo *info = tsc_rule_get_info (flag->rule);
  int related = 0;

  json_builder_begin_object (builder);

  add_string_member (builder, "ruleId", info->id);
  add_int_member (builder, "ruleIndex", flag->rule);
  add_string_member (builder, "level", sarif_level (flag->severity));
  add_text_object (builder, "message", flag->summary);

  json_builder_set_member_name (builder, "locations");
  json_builder_begin_array (builder);
  add_sarif_location (self, builder, flag->seq, -1);
  json_builder_end_array (builder);

  if (flag_n_seqs (flag) > 1)
    {
      json_builder_set_member_name (builder, "relatedLocations");
      json_builder_begin_array (builder);
      for (guint i = 0; i < flag_n_seqs (flag); i++)
        {
          if (flag_seq (flag, i) != flag->seq)
            add_sarif_location (self, builder, flag_seq (flag, i), related++);
        }
      json_builder_end_array (builder);
    }

  json_builder_set_member_name (builder, "properties");
  json_builder_begin_object (builder);
  add_string_member (builder, "severity", tsc_severity_to_string (flag->severity));
  add_string_member (builder, "userId", flag->user_id);
  add_string_member (builder, "anonymousId", flag->anonymous_id);
  add_flag_seqs (builder, flag);
  add_flag_message_ids (builder, flag);
  add_string_member (builder, "explanation", flag->explanation);
  json_builder_end_object (builder);

  json_builder_end_object (builder);
}

static char *
to_sarif (TscReport *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  add_string_member (builder, "$schema", SARIF_SCHEMA);
  add_string_member (builder, "version", SARIF_VERSION);

  json_builder_set_member_name (builder, "runs");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "tool");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "driver");
  json_builder_begin_object (builder);
  add_string_member (builder, "name", "Trackscope");
  add_string_member (builder, "version", PACKAGE_VERSION);
  add_string_member (builder, "informationUri", TRACKSCOPE_URI);
  add_sarif_rules (self, builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "invocations");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "executionSuccessful");
  json_builder_add_boolean_value (builder, TRUE);
  if (self->problems->len > 0)
    {
      json_builder_set_member_name (builder, "toolExecutionNotifications");
      json_builder_begin_array (builder);
      for (guint i = 0; i < self->problems->len; i++)
        {
          json_builder_begin_object (builder);
          add_string_member (builder, "level", "warning");
          add_text_object (builder, "message", g_ptr_array_index (self->problems, i));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "artifacts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->inputs->len; i++)
    {
      g_autofree char *uri = sarif_uri (g_array_index (self->inputs, Input, i).path);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "location");
      json_builder_begin_object (builder);
      add_string_member (builder, "uri", uri);
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "roles");
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, "analysisTarget");
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "results");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->flags->len; i++)
    add_sarif_result (self, builder, g_ptr_array_index (self->flags, i));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "properties");
  json_builder_begin_object (builder);
  add_string_member (builder, "profile", profile_name (self));
  add_int_member (builder, "messages", self->messages->len);
  json_builder_end_object (builder);

  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return builder_to_string (builder, TRUE);
}

/**
 * tsc_report_to_string:
 *
 * Returns: (transfer full): the report in @format, ending with a newline
 */
char *
tsc_report_to_string (TscReport       *self,
                      TscReportFormat  format)
{
  g_return_val_if_fail (TSC_IS_REPORT (self), NULL);

  switch (format)
    {
    case TSC_REPORT_FORMAT_JSON:
      return to_json (self);
    case TSC_REPORT_FORMAT_JUNIT:
      return to_junit (self);
    case TSC_REPORT_FORMAT_SARIF:
      return to_sarif (self);
    case TSC_REPORT_FORMAT_TEXT:
    default:
      return to_text (self);
    }
}
