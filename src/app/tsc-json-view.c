/* tsc-json-view.c
 *
 * A payload as a developer wants to read it: indented two spaces per
 * level, keys, strings, numbers and literals in their own colours, in a
 * monospace GtkTextView that can be selected and copied.
 *
 * The formatter is a plain function over bytes: it keeps every string,
 * escape and number exactly as it was sent (a pretty printer that
 * re-encoded them would hide the very mistakes the user is looking
 * for), and hands back the text with the character ranges to colour.
 * It does not recurse, so a hostile nesting depth cannot overflow the
 * stack. Invalid JSON comes back verbatim with a message saying where
 * it breaks.
 *
 * Payloads over TSC_JSON_VIEW_SYNC_LIMIT are formatted in a worker
 * thread; the buffer then receives the first DISPLAY_LIMIT characters
 * and a "Show All" button adds the rest on request, so the UI thread
 * never lays out megabytes of text it was not asked for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-json-view"

#include "config.h"

#include "tsc-json-view.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#define MAX_INDENT_LEVELS 32
#define DISPLAY_LIMIT     (64 * 1024)

/* ---------------------------------------------------------------------- */
/* Formatting                                                              */

typedef enum
{
  STATE_VALUE,
  STATE_KEY,
  STATE_COLON,
  STATE_COMMA_OR_CLOSE,
  STATE_DONE,
} State;

typedef struct
{
  const char *in;
  gsize       len;
  gsize       pos;

  GString    *out;
  guint       n_chars;
  guint       n_lines;
  GArray     *ranges;
  GByteArray *stack;      /* '{' or '[' per open container */
  gboolean    after_comma;

  char       *error;
  gsize       error_pos;
} Formatter;

static gboolean
fail (Formatter  *f,
      gsize       pos,
      const char *what)
{
  if (f->error == NULL)
    {
      f->error = g_strdup (what);
      f->error_pos = pos;
    }
  return FALSE;
}

static void
emit_ascii (Formatter  *f,
            const char *text,
            gsize       len)
{
  g_string_append_len (f->out, text, len);
  f->n_chars += len;
}

static void
emit_input (Formatter *f,
            gsize      from,
            gsize      to)
{
  g_string_append_len (f->out, f->in + from, to - from);
  f->n_chars += g_utf8_strlen (f->in + from, to - from);
}

static void
emit_newline (Formatter *f)
{
  guint levels = MIN (f->stack->len, MAX_INDENT_LEVELS);

  g_string_append_c (f->out, '\n');
  for (guint i = 0; i < levels; i++)
    g_string_append (f->out, "  ");
  f->n_chars += 1 + 2 * levels;
  f->n_lines++;
}

static void
add_range (Formatter    *f,
           TscJsonToken  token,
           guint         start,
           guint         end)
{
  TscJsonTagRange range = { token, start, end };

  g_array_append_val (f->ranges, range);
}

static void
skip_whitespace (Formatter *f)
{
  while (f->pos < f->len)
    {
      char c = f->in[f->pos];

      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      f->pos++;
    }
}

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '+' || c == '-';
}

static gboolean
read_string (Formatter    *f,
             TscJsonToken  token)
{
  gsize start = f->pos;
  gsize segment = f->pos;
  guint start_char = f->n_chars;
  guint first_range = f->ranges->len;
  TscJsonTagRange range = { token, start_char, 0 };

  g_assert (f->in[f->pos] == '"');
  f->pos++;

  for (;;)
    {
      guchar c;

      if (f->pos >= f->len)
        return fail (f, start, _("a string is not closed"));

      c = f->in[f->pos];
      if (c == '"')
        {
          f->pos++;
          break;
        }
      if (c < 0x20)
        return fail (f, f->pos, _("a control character inside a string must be escaped"));
      if (c != '\\')
        {
          f->pos++;
          continue;
        }

      {
        gsize n = 2;
        guint escape_start;

        if (f->pos + 1 >= f->len)
          return fail (f, f->pos, _("a string is not closed"));

        switch (f->in[f->pos + 1])
          {
          case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            break;
          case 'u':
            n = 6;
            for (gsize i = 2; i < 6; i++)
              {
                if (f->pos + i >= f->len || !g_ascii_isxdigit (f->in[f->pos + i]))
                  return fail (f, f->pos, _("\\u must be followed by four hexadecimal digits"));
              }
            break;
          default:
            return fail (f, f->pos, _("unknown escape sequence in a string"));
          }

        emit_input (f, segment, f->pos);
        escape_start = f->n_chars;
        emit_ascii (f, f->in + f->pos, n);
        add_range (f, TSC_JSON_TOKEN_ESCAPE, escape_start, f->n_chars);
        f->pos += n;
        segment = f->pos;
      }
    }

  emit_input (f, segment, f->pos);
  range.end = f->n_chars;
  g_array_insert_val (f->ranges, first_range, range);
  return TRUE;
}

static gboolean
read_digits (Formatter *f)
{
  gsize start = f->pos;

  while (f->pos < f->len && g_ascii_isdigit (f->in[f->pos]))
    f->pos++;
  return f->pos > start;
}

static gboolean
read_number (Formatter *f)
{
  gsize start = f->pos;
  guint start_char = f->n_chars;

  if (f->in[f->pos] == '-')
    f->pos++;

  if (f->pos < f->len && f->in[f->pos] == '0')
    f->pos++;
  else if (!read_digits (f))
    return fail (f, start, _("a number must start with a digit"));

  if (f->pos < f->len && f->in[f->pos] == '.')
    {
      f->pos++;
      if (!read_digits (f))
        return fail (f, start, _("a decimal point must be followed by digits"));
    }

  if (f->pos < f->len && (f->in[f->pos] == 'e' || f->in[f->pos] == 'E'))
    {
      f->pos++;
      if (f->pos < f->len && (f->in[f->pos] == '+' || f->in[f->pos] == '-'))
        f->pos++;
      if (!read_digits (f))
        return fail (f, start, _("an exponent must have digits"));
    }

  if (f->pos < f->len && is_word_char (f->in[f->pos]))
    return fail (f, start,
                 _("not a valid number (leading zeros, hexadecimal and NaN are not JSON)"));

  emit_ascii (f, f->in + start, f->pos - start);
  add_range (f, TSC_JSON_TOKEN_NUMBER, start_char, f->n_chars);
  return TRUE;
}

static gboolean
read_literal (Formatter *f)
{
  static const struct {
    const char   *word;
    TscJsonToken  token;
  } literals[] = {
    { "true", TSC_JSON_TOKEN_BOOLEAN },
    { "false", TSC_JSON_TOKEN_BOOLEAN },
    { "null", TSC_JSON_TOKEN_NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      gsize n = strlen (literals[i].word);
      guint start_char = f->n_chars;

      if (f->len - f->pos < n || memcmp (f->in + f->pos, literals[i].word, n) != 0)
        continue;
      if (f->pos + n < f->len && is_word_char (f->in[f->pos + n]))
        continue;

      emit_ascii (f, literals[i].word, n);
      add_range (f, literals[i].token, start_char, f->n_chars);
      f->pos += n;
      return TRUE;
    }

  return fail (f, f->pos, _("expected a value (a string, a number, an object, an array, "
                            "true, false or null)"));
}

static State
value_done (Formatter *f)
{
  return f->stack->len == 0 ? STATE_DONE : STATE_COMMA_OR_CLOSE;
}

/* Opens an object or an array; an empty one stays on its line. */
static State
open_container (Formatter *f,
                char       open,
                char       close)
{
  char text[2] = { open, close };

  f->pos++;
  skip_whitespace (f);
  if (f->pos < f->len && f->in[f->pos] == close)
    {
      f->pos++;
      emit_ascii (f, text, 2);
      return value_done (f);
    }

  g_byte_array_append (f->stack, (const guint8 *) &open, 1);
  emit_ascii (f, text, 1);
  emit_newline (f);
  return open == '{' ? STATE_KEY : STATE_VALUE;
}

static State
close_container (Formatter *f)
{
  char open = f->stack->data[f->stack->len - 1];

  g_byte_array_set_size (f->stack, f->stack->len - 1);
  f->pos++;
  emit_newline (f);
  emit_ascii (f, open == '{' ? "}" : "]", 1);
  return value_done (f);
}

static gboolean
format_value_stream (Formatter *f)
{
  State state = STATE_VALUE;

  for (;;)
    {
      char c;

      skip_whitespace (f);
      if (f->pos >= f->len)
        {
          if (state == STATE_DONE)
            return TRUE;
          if (f->out->len == 0)
            return fail (f, f->pos, _("there is no JSON value: the payload is empty"));
          return fail (f, f->pos, _("the payload ends before the JSON value is complete"));
        }

      c = f->in[f->pos];
      switch (state)
        {
        case STATE_DONE:
          return fail (f, f->pos, _("unexpected data after the end of the JSON value"));

        case STATE_KEY:
          if (c == '}' && f->after_comma)
            return fail (f, f->pos, _("a trailing comma is not allowed before “}”"));
          if (c != '"')
            return fail (f, f->pos, _("expected a member name in double quotes"));
          if (!read_string (f, TSC_JSON_TOKEN_KEY))
            return FALSE;
          state = STATE_COLON;
          break;

        case STATE_COLON:
          if (c != ':')
            return fail (f, f->pos, _("expected “:” after a member name"));
          f->pos++;
          emit_ascii (f, ": ", 2);
          state = STATE_VALUE;
          break;

        case STATE_VALUE:
          if (c == ']' && f->after_comma)
            return fail (f, f->pos, _("a trailing comma is not allowed before “]”"));
          if (c == '{')
            state = open_container (f, '{', '}');
          else if (c == '[')
            state = open_container (f, '[', ']');
          else if (c == '"')
            {
              if (!read_string (f, TSC_JSON_TOKEN_STRING))
                return FALSE;
              state = value_done (f);
            }
          else if (c == '-' || g_ascii_isdigit (c))
            {
              if (!read_number (f))
                return FALSE;
              state = value_done (f);
            }
          else
            {
              if (!read_literal (f))
                return FALSE;
              state = value_done (f);
            }
          break;

        case STATE_COMMA_OR_CLOSE:
          {
            char open = f->stack->data[f->stack->len - 1];

            if (c == ',')
              {
                f->pos++;
                emit_ascii (f, ",", 1);
                emit_newline (f);
                state = open == '{' ? STATE_KEY : STATE_VALUE;
                f->after_comma = TRUE;
                continue;
              }
            if (c == (open == '{' ? '}' : ']'))
              state = close_container (f);
            else if (open == '{')
              return fail (f, f->pos, _("expected “,” or “}” after an object member"));
            else
              return fail (f, f->pos, _("expected “,” or “]” after an array element"));
          }
          break;

        default:
          g_assert_not_reached ();
        }

      f->after_comma = FALSE;
    }
}

static guint
count_lines (const char *text,
             gsize       len)
{
  guint n = 1;

  for (const char *p = memchr (text, '\n', len); p != NULL;
       p = memchr (p + 1, '\n', len - (p + 1 - text)))
    n++;
  return n;
}

static char *
describe_position (const char *json,
                   gsize       len,
                   gsize       pos,
                   const char *what)
{
  const char *line_start = json;
  guint line = 1;
  glong column;

  for (gsize i = 0; i < pos && i < len; i++)
    {
      if (json[i] == '\n')
        {
          line++;
          line_start = json + i + 1;
        }
    }

  if (g_utf8_validate_len (line_start, json + pos - line_start, NULL))
    column = g_utf8_strlen (line_start, json + pos - line_start) + 1;
  else
    column = json + pos - line_start + 1;

  return g_strdup_printf (_("line %u, column %ld: %s"), line, column, what);
}

/**
 * tsc_json_format_pretty:
 * @json: (array length=len): the payload
 *
 * Formats @json two spaces per level, keeping every string, escape and
 * number as written. Invalid JSON (or bytes that are not UTF-8) comes
 * back as the input, made valid UTF-8, with no colours and an error
 * saying where it breaks.
 *
 * Returns: (transfer full): the text and the ranges to colour
 */
TscJsonFormat *
tsc_json_format_pretty (const char *json,
                        gsize       len)
{
  TscJsonFormat *format = g_new0 (TscJsonFormat, 1);
  Formatter f = { 0 };
  const char *invalid = NULL;

  g_return_val_if_fail (json != NULL || len == 0, format);

  f.in = json ? json : "";
  f.len = len;
  f.out = g_string_sized_new (len + len / 2 + 16);
  f.n_lines = 1;
  f.ranges = g_array_new (FALSE, FALSE, sizeof (TscJsonTagRange));
  f.stack = g_byte_array_new ();

  if (!g_utf8_validate_len (f.in, len, &invalid))
    fail (&f, invalid - f.in, f.in[invalid - f.in] == '\0' ? _("the payload contains a NUL byte")
                                                          : _("the payload is not valid UTF-8"));
  else
    format_value_stream (&f);

  if (f.error == NULL)
    {
      format->valid = TRUE;
      format->n_chars = f.n_chars;
      format->n_lines = f.n_lines;
      format->len = f.out->len;
      format->text = g_string_free (g_steal_pointer (&f.out), FALSE);
      format->ranges = g_steal_pointer (&f.ranges);
    }
  else
    {
      format->valid = FALSE;
      format->error = describe_position (f.in, len, f.error_pos, f.error);
      format->text = g_utf8_make_valid (f.in, len);
      format->len = strlen (format->text);
      format->n_chars = g_utf8_strlen (format->text, format->len);
      format->n_lines = count_lines (format->text, format->len);
      format->ranges = g_array_new (FALSE, FALSE, sizeof (TscJsonTagRange));
    }

  if (f.out != NULL)
    g_string_free (f.out, TRUE);
  g_clear_pointer (&f.ranges, g_array_unref);
  g_byte_array_unref (f.stack);
  g_free (f.error);

  return format;
}

void
tsc_json_format_free (TscJsonFormat *format)
{
  if (format == NULL)
    return;

  g_free (format->text);
  g_clear_pointer (&format->ranges, g_array_unref);
  g_free (format->error);
  g_free (format);
}

/* ---------------------------------------------------------------------- */
/* The widget                                                              */

struct _TscJsonView
{
  GtkWidget       parent_instance;

  GtkWidget      *error_label;
  GtkWidget      *busy_box;
  GtkWidget      *spinner;
  GtkWidget      *text_view;
  GtkWidget      *more_bar;
  GtkWidget      *more_label;

  GtkTextBuffer  *buffer;
  GtkTextTag     *tags[TSC_JSON_N_TOKENS];

  TscJsonFormat  *format;
  guint           shown_chars;  /* how much of the formatted text is in the buffer */
  GCancellable   *cancellable;
};

G_DEFINE_FINAL_TYPE (TscJsonView, tsc_json_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_BUSY,
  PROP_TRUNCATED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The GNOME palette, darker shades on the light background. */
static const char *token_colors[TSC_JSON_N_TOKENS][2] = {
  [TSC_JSON_TOKEN_KEY]     = { "#1a5fb4", "#99c1f1" },
  [TSC_JSON_TOKEN_STRING]  = { "#26a269", "#8ff0a4" },
  [TSC_JSON_TOKEN_ESCAPE]  = { "#a51d2d", "#f66151" },
  [TSC_JSON_TOKEN_NUMBER]  = { "#c64600", "#ffbe6f" },
  [TSC_JSON_TOKEN_BOOLEAN] = { "#813d9c", "#dc8add" },
  [TSC_JSON_TOKEN_NULL]    = { "#813d9c", "#dc8add" },
};

static void
update_tag_colors (TscJsonView *self)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());

  for (guint i = 0; i < TSC_JSON_N_TOKENS; i++)
    g_object_set (self->tags[i], "foreground", token_colors[i][dark ? 1 : 0], NULL);
}

static void
on_style_manager_dark_cb (AdwStyleManager *manager,
                          GParamSpec      *pspec,
                          TscJsonView     *self)
{
  update_tag_colors (self);
}

static void
set_busy (TscJsonView *self,
          gboolean     busy)
{
  if (busy == gtk_widget_get_visible (self->busy_box))
    return;

  gtk_widget_set_visible (self->busy_box, busy);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
apply_ranges (TscJsonView *self,
              guint        from,
              guint        to)
{
  GArray *ranges = self->format->ranges;

  for (guint i = 0; i < ranges->len; i++)
    {
      const TscJsonTagRange *r = &g_array_index (ranges, TscJsonTagRange, i);
      GtkTextIter start, end;

      if (r->end <= from)
        continue;
      if (r->start >= to)
        break;

      gtk_text_buffer_get_iter_at_offset (self->buffer, &start, MAX (r->start, from));
      gtk_text_buffer_get_iter_at_offset (self->buffer, &end, MIN (r->end, to));
      gtk_text_buffer_apply_tag (self->buffer, self->tags[r->token], &start, &end);
    }
}

/* The number of characters to show first: all of it, or up to the end
 * of the last whole line within the display limit. */
static guint
initial_chars (const TscJsonFormat *format,
               gsize               *bytes)
{
  const char *cut;
  const char *newline;

  if (format->n_chars <= DISPLAY_LIMIT)
    {
      *bytes = format->len;
      return format->n_chars;
    }

  cut = g_utf8_offset_to_pointer (format->text, DISPLAY_LIMIT);
  newline = g_strrstr_len (format->text, cut - format->text, "\n");
  if (newline != NULL && newline > format->text)
    cut = newline;

  *bytes = cut - format->text;
  return g_utf8_strlen (format->text, *bytes);
}

static void
update_more_bar (TscJsonView *self)
{
  gboolean truncated = self->format != NULL && self->shown_chars < self->format->n_chars;

  if (truncated)
    {
      const char *end = g_utf8_offset_to_pointer (self->format->text, self->shown_chars);
      guint shown_lines = count_lines (self->format->text, end - self->format->text);
      g_autofree char *text = NULL;

      text = g_strdup_printf (_("Showing %u of %u lines"), shown_lines, self->format->n_lines);
      gtk_label_set_label (GTK_LABEL (self->more_label), text);
    }

  if (truncated != gtk_widget_get_visible (self->more_bar))
    {
      gtk_widget_set_visible (self->more_bar, truncated);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRUNCATED]);
    }
}

static void
show_format (TscJsonView   *self,
             TscJsonFormat *format)
{
  gsize bytes;

  g_clear_pointer (&self->format, tsc_json_format_free);
  self->format = format;
  self->shown_chars = 0;

  if (format == NULL)
    {
      gtk_text_buffer_set_text (self->buffer, "", 0);
      gtk_widget_set_visible (self->error_label, FALSE);
      update_more_bar (self);
      return;
    }

  self->shown_chars = initial_chars (format, &bytes);
  gtk_text_buffer_set_text (self->buffer, format->text, bytes);
  apply_ranges (self, 0, self->shown_chars);

  if (!format->valid)
    {
      g_autofree char *text = g_strdup_printf (_("Not valid JSON, shown as received: %s"),
                                               format->error);
      gtk_label_set_label (GTK_LABEL (self->error_label), text);
    }
  gtk_widget_set_visible (self->error_label, !format->valid);
  update_more_bar (self);
}

/**
 * tsc_json_view_show_all:
 *
 * Adds the rest of a long payload to the view.
 */
void
tsc_json_view_show_all (TscJsonView *self)
{
  GtkTextIter end;
  const char *rest;
  guint from;

  g_return_if_fail (TSC_IS_JSON_VIEW (self));

  if (self->format == NULL || self->shown_chars >= self->format->n_chars)
    return;

  from = self->shown_chars;
  rest = g_utf8_offset_to_pointer (self->format->text, from);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  gtk_text_buffer_insert (self->buffer, &end, rest, self->format->text + self->format->len - rest);
  self->shown_chars = self->format->n_chars;
  apply_ranges (self, from, self->shown_chars);
  update_more_bar (self);
}

static void
format_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GBytes *json = task_data;
  gsize len;
  const char *data = g_bytes_get_data (json, &len);

  g_task_return_pointer (task, tsc_json_format_pretty (data, len),
                         (GDestroyNotify) tsc_json_format_free);
}

static void
format_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TscJsonView) self = user_data;
  TscJsonFormat *format;

  /* A cancelled task (another payload was set since) reports an error. */
  format = g_task_propagate_pointer (G_TASK (result), NULL);
  if (format == NULL)
    return;

  g_clear_object (&self->cancellable);
  show_format (self, format);
  set_busy (self, FALSE);
}

/**
 * tsc_json_view_set_json:
 * @json: (nullable): the payload, or %NULL to clear the view
 *
 * Shows @json formatted. Small payloads are shown before this returns;
 * larger ones once a worker has formatted them (TscJsonView:busy is
 * %TRUE meanwhile).
 */
void
tsc_json_view_set_json (TscJsonView *self,
                        GBytes      *json)
{
  g_autoptr(GTask) task = NULL;
  gsize len;
  const char *data;

  g_return_if_fail (TSC_IS_JSON_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (json == NULL)
    {
      show_format (self, NULL);
      set_busy (self, FALSE);
      return;
    }

  data = g_bytes_get_data (json, &len);
  if (len <= TSC_JSON_VIEW_SYNC_LIMIT)
    {
      show_format (self, tsc_json_format_pretty (data, len));
      set_busy (self, FALSE);
      return;
    }

  show_format (self, NULL);
  set_busy (self, TRUE);

  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, format_done_cb, g_object_ref (self));
  g_task_set_source_tag (task, tsc_json_view_set_json);
  g_task_set_task_data (task, g_bytes_ref (json), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, format_thread);
}

/**
 * tsc_json_view_get_text:
 *
 * Returns: (nullable): the whole formatted text, shown or not yet
 */
const char *
tsc_json_view_get_text (TscJsonView *self)
{
  g_return_val_if_fail (TSC_IS_JSON_VIEW (self), NULL);
  return self->format ? self->format->text : NULL;
}

gboolean
tsc_json_view_get_busy (TscJsonView *self)
{
  g_return_val_if_fail (TSC_IS_JSON_VIEW (self), FALSE);
  return gtk_widget_get_visible (self->busy_box);
}

gboolean
tsc_json_view_get_truncated (TscJsonView *self)
{
  g_return_val_if_fail (TSC_IS_JSON_VIEW (self), FALSE);
  return gtk_widget_get_visible (self->more_bar);
}

/**
 * tsc_json_view_copy:
 *
 * Puts the whole formatted payload on the clipboard.
 */
void
tsc_json_view_copy (TscJsonView *self)
{
  g_return_if_fail (TSC_IS_JSON_VIEW (self));

  if (self->format != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->format->text);
}

static void
show_all_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  tsc_json_view_show_all (TSC_JSON_VIEW (widget));
}

static void
tsc_json_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TscJsonView *self = TSC_JSON_VIEW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, tsc_json_view_get_busy (self));
      break;
    case PROP_TRUNCATED:
      g_value_set_boolean (value, tsc_json_view_get_truncated (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_json_view_dispose (GObject *object)
{
  TscJsonView *self = (TscJsonView *) object;
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tsc_json_view_parent_class)->dispose (object);
}

static void
tsc_json_view_finalize (GObject *object)
{
  TscJsonView *self = (TscJsonView *) object;

  g_clear_pointer (&self->format, tsc_json_format_free);
  g_clear_object (&self->buffer);

  G_OBJECT_CLASS (tsc_json_view_parent_class)->finalize (object);
}

static void
tsc_json_view_class_init (TscJsonViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tsc_json_view_get_property;
  object_class->dispose = tsc_json_view_dispose;
  object_class->finalize = tsc_json_view_finalize;

  /**
   * TscJsonView:busy:
   *
   * A large payload is being formatted in a worker.
   */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * TscJsonView:truncated:
   *
   * Only the beginning of a long payload is shown.
   */
  properties[PROP_TRUNCATED] =
    g_param_spec_boolean ("truncated", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "json.show-all", NULL, show_all_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "jsonview");
}

static void
tsc_json_view_init (TscJsonView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkWidget *label;
  GtkWidget *button;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (widget)),
                                  GTK_ORIENTATION_VERTICAL);

  self->error_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->error_label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (self->error_label), 0);
  gtk_label_set_selectable (GTK_LABEL (self->error_label), TRUE);
  gtk_widget_add_css_class (self->error_label, "error-message");
  gtk_widget_add_css_class (self->error_label, "warning");
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_widget_set_parent (self->error_label, widget);

  self->busy_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_add_css_class (self->busy_box, "busy");
  self->spinner = gtk_spinner_new ();
  gtk_box_append (GTK_BOX (self->busy_box), self->spinner);
  label = gtk_label_new (_("Formatting…"));
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (self->busy_box), label);
  gtk_widget_set_visible (self->busy_box, FALSE);
  gtk_widget_set_parent (self->busy_box, widget);

  self->buffer = gtk_text_buffer_new (NULL);
  self->tags[TSC_JSON_TOKEN_KEY] = gtk_text_buffer_create_tag (self->buffer, "key", NULL);
  self->tags[TSC_JSON_TOKEN_STRING] = gtk_text_buffer_create_tag (self->buffer, "string", NULL);
  self->tags[TSC_JSON_TOKEN_NUMBER] = gtk_text_buffer_create_tag (self->buffer, "number", NULL);
  self->tags[TSC_JSON_TOKEN_BOOLEAN] = gtk_text_buffer_create_tag (self->buffer, "boolean", NULL);
  self->tags[TSC_JSON_TOKEN_NULL] = gtk_text_buffer_create_tag (self->buffer, "null",
                                                                "style", PANGO_STYLE_ITALIC,
                                                                NULL);
  /* Created last: an escape sits inside a string and wins over it. */
  self->tags[TSC_JSON_TOKEN_ESCAPE] = gtk_text_buffer_create_tag (self->buffer, "escape",
                                                                  "weight", PANGO_WEIGHT_BOLD,
                                                                  NULL);
  update_tag_colors (self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (on_style_manager_dark_cb), self, 0);

  self->text_view = gtk_text_view_new_with_buffer (self->buffer);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (self->text_view), FALSE);
  gtk_text_view_set_cursor_visible (GTK_TEXT_VIEW (self->text_view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (self->text_view), TRUE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (self->text_view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (self->text_view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (self->text_view), 12);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (self->text_view), 10);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (self->text_view), 10);
  gtk_widget_set_vexpand (self->text_view, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->text_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Payload"),
                                  -1);
  gtk_widget_set_parent (self->text_view, widget);

  self->more_bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (self->more_bar, "more-bar");
  self->more_label = gtk_label_new (NULL);
  gtk_widget_set_hexpand (self->more_label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->more_label), 0);
  gtk_widget_add_css_class (self->more_label, "dim-label");
  gtk_box_append (GTK_BOX (self->more_bar), self->more_label);
  button = gtk_button_new_with_mnemonic (_("Show _All"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "json.show-all");
  gtk_box_append (GTK_BOX (self->more_bar), button);
  gtk_widget_set_visible (self->more_bar, FALSE);
  gtk_widget_set_parent (self->more_bar, widget);
}

GtkWidget *
tsc_json_view_new (void)
{
  return g_object_new (TSC_TYPE_JSON_VIEW, NULL);
}
