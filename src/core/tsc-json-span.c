/* tsc-json-span.c
 *
 * A minimal scanner that finds where values start and end in a JSON
 * document that a real parser has already accepted. The collector keeps
 * every message's bytes exactly as they were sent, and json-glib does
 * not report source offsets, so the spans come from here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-json-span"

#include "config.h"

#include <string.h>

#include "tsc-json-span.h"

typedef struct
{
  const char *p;
  const char *end;
} Scanner;

/* A scanner over a whole document, past its byte-order mark. */
static Scanner
scan_document (const char *data,
               gsize       len)
{
  Scanner s = { data, data + len };

  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    s.p += 3;
  return s;
}

static void
skip_ws (Scanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
skip_string (Scanner *s)
{
  g_assert (s->p < s->end && *s->p == '"');

  for (s->p++; s->p < s->end; s->p++)
    {
      if (*s->p == '\\')
        s->p++;
      else if (*s->p == '"')
        {
          s->p++;
          return TRUE;
        }
    }

  return FALSE;
}

/* Skips one value of any kind. Nesting is tracked with a counter: inside
 * a valid document only brackets and strings matter. */
static gboolean
skip_value (Scanner *s)
{
  int depth = 0;

  skip_ws (s);
  if (s->p >= s->end)
    return FALSE;

  do
    {
      if (s->p >= s->end)
        return FALSE;

      switch (*s->p)
        {
        case '"':
          if (!skip_string (s))
            return FALSE;
          break;
        case '{':
        case '[':
          depth++;
          s->p++;
          break;
        case '}':
        case ']':
          if (depth == 0)
            return FALSE;
          depth--;
          s->p++;
          break;
        default:
          if (depth == 0)
            {
              /* a scalar: number, true, false, null */
              while (s->p < s->end && strchr (" \t\r\n,]}", *s->p) == NULL)
                s->p++;
              return TRUE;
            }
          s->p++;
          break;
        }
    }
  while (depth > 0);

  return TRUE;
}

/**
 * tsc_json_span_trim:
 *
 * Finds the one value of a document, without surrounding white space
 * and byte-order mark.
 */
gboolean
tsc_json_span_trim (const char  *data,
                    gsize        len,
                    TscJsonSpan *span)
{
  Scanner s = scan_document (data, len);
  const char *start;

  skip_ws (&s);
  start = s.p;
  if (!skip_value (&s))
    return FALSE;

  span->offset = start - data;
  span->length = s.p - start;
  return TRUE;
}

/* Collects the spans of the elements of the array at the cursor. */
static gboolean
scan_array (Scanner    *s,
            const char *data,
            GArray     *spans)
{
  if (s->p >= s->end || *s->p != '[')
    return FALSE;
  s->p++;

  skip_ws (s);
  if (s->p < s->end && *s->p == ']')
    {
      s->p++;
      return TRUE;
    }

  for (;;)
    {
      TscJsonSpan span;

      skip_ws (s);
      span.offset = s->p - data;
      if (!skip_value (s))
        return FALSE;
      span.length = (s->p - data) - span.offset;
      g_array_append_val (spans, span);

      skip_ws (s);
      if (s->p >= s->end)
        return FALSE;
      if (*s->p == ']')
        {
          s->p++;
          return TRUE;
        }
      if (*s->p != ',')
        return FALSE;
      s->p++;
    }
}

/**
 * tsc_json_span_array_members:
 * @data: a JSON document whose value is an object
 * @member: the name of a member of that object holding an array
 *
 * Returns: (transfer full) (nullable): a #TscJsonSpan for each element of
 *   the array, or %NULL when the document is not an object with such a
 *   member. When the member is repeated, the last one counts. Member
 *   names written with escapes are not matched.
 */
GArray *
tsc_json_span_array_members (const char *data,
                             gsize       len,
                             const char *member)
{
  Scanner s = scan_document (data, len);
  gsize member_len = strlen (member);
  g_autoptr(GArray) found = NULL;

  skip_ws (&s);
  if (s.p >= s.end || *s.p != '{')
    return NULL;
  s.p++;

  for (;;)
    {
      const char *key;
      gsize key_len;

      skip_ws (&s);
      if (s.p >= s.end || *s.p != '"')
        return NULL;

      key = s.p + 1;
      if (!skip_string (&s))
        return NULL;
      key_len = (s.p - 1) - key;

      skip_ws (&s);
      if (s.p >= s.end || *s.p != ':')
        return NULL;
      s.p++;
      skip_ws (&s);

      if (key_len == member_len && memcmp (key, member, member_len) == 0)
        {
          /* A repeated member replaces the earlier one, as in json-glib. */
          g_clear_pointer (&found, g_array_unref);
          found = g_array_new (FALSE, FALSE, sizeof (TscJsonSpan));
          if (!scan_array (&s, data, found))
            return NULL;
        }
      else if (!skip_value (&s))
        return NULL;

      skip_ws (&s);
      if (s.p < s.end && *s.p == '}')
        return g_steal_pointer (&found);
      if (s.p >= s.end || *s.p != ',')
        return NULL;
      s.p++;
    }
}

/**
 * tsc_json_span_array_elements:
 * @data: a JSON document whose value is an array
 *
 * Returns: (transfer full) (nullable): a #TscJsonSpan for each element,
 *   or %NULL when the document is not an array
 */
GArray *
tsc_json_span_array_elements (const char *data,
                              gsize       len)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (TscJsonSpan));
  Scanner s = scan_document (data, len);

  skip_ws (&s);
  if (!scan_array (&s, data, spans))
    return NULL;

  return g_steal_pointer (&spans);
}

/**
 * tsc_json_span_foreach_member:
 * @data: a JSON document whose value is an object
 * @func: called with the raw bytes of each member's name (without the
 *   quotes, escapes left as written) and value
 *
 * Walks the top-level members without building a tree.
 *
 * Returns: %FALSE when the document is not an object
 */
gboolean
tsc_json_span_foreach_member (const char        *data,
                              gsize              len,
                              TscJsonMemberFunc  func,
                              gpointer           user_data)
{
  Scanner s = scan_document (data, len);

  skip_ws (&s);
  if (s.p >= s.end || *s.p != '{')
    return FALSE;
  s.p++;

  skip_ws (&s);
  if (s.p < s.end && *s.p == '}')
    return TRUE;

  for (;;)
    {
      const char *key;
      const char *value;
      gsize key_len;

      skip_ws (&s);
      if (s.p >= s.end || *s.p != '"')
        return FALSE;

      key = s.p + 1;
      if (!skip_string (&s))
        return FALSE;
      key_len = (s.p - 1) - key;

      skip_ws (&s);
      if (s.p >= s.end || *s.p != ':')
        return FALSE;
      s.p++;
      skip_ws (&s);

      value = s.p;
      if (!skip_value (&s))
        return FALSE;
      func (key, key_len, value, s.p - value, user_data);

      skip_ws (&s);
      if (s.p < s.end && *s.p == '}')
        return TRUE;
      if (s.p >= s.end || *s.p != ',')
        return FALSE;
      s.p++;
    }
}

/* ---- checking a whole document ------------------------------------------ */

/* Deeper documents are left to a real parser. */
#define VALIDATE_MAX_DEPTH 512

static gboolean
read_hex4 (Scanner  *s,
           guint    *unit)
{
  *unit = 0;
  if (s->end - s->p < 4)
    return FALSE;

  for (int i = 0; i < 4; i++, s->p++)
    {
      if (!g_ascii_isxdigit (*s->p))
        return FALSE;
      *unit = *unit * 16 + g_ascii_xdigit_value (*s->p);
    }

  return TRUE;
}

/* A string as RFC 8259 writes it, the cursor on its opening quote: no
 * control characters, known escapes only, UTF-16 surrogates in pairs. */
static gboolean
check_string (Scanner *s)
{
  for (s->p++; s->p < s->end;)
    {
      guchar c = *s->p;
      guint unit;

      if (c == '"')
        {
          s->p++;
          return TRUE;
        }
      if (c < 0x20)
        return FALSE;
      if (c != '\\')
        {
          s->p++;
          continue;
        }

      if (++s->p >= s->end)
        return FALSE;
      c = *s->p++;
      if (strchr ("\"\\/bfnrt", c) != NULL && c != '\0')
        continue;
      if (c != 'u' || !read_hex4 (s, &unit))
        return FALSE;
      if (unit >= 0xDC00 && unit <= 0xDFFF)
        return FALSE;
      if (unit >= 0xD800 && unit <= 0xDBFF)
        {
          if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
            return FALSE;
          s->p += 2;
          if (!read_hex4 (s, &unit) || unit < 0xDC00 || unit > 0xDFFF)
            return FALSE;
        }
    }

  return FALSE;
}

static gboolean
check_digits (Scanner *s)
{
  const char *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

/* A number as RFC 8259 writes it. Integers too long for 64 bits are
 * refused: parsers differ on them. */
static gboolean
check_number (Scanner *s)
{
  const char *start;
  gboolean fits = TRUE;

  if (*s->p == '-')
    s->p++;
  start = s->p;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!check_digits (s))
    return FALSE;
  if (s->p - start > 18)
    fits = FALSE;

  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!check_digits (s))
        return FALSE;
      fits = TRUE;
    }

  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!check_digits (s))
        return FALSE;
      fits = TRUE;
    }

  return fits;
}

static gboolean
check_literal (Scanner    *s,
               const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return FALSE;
  s->p += n;
  return TRUE;
}

/**
 * tsc_json_span_validate:
 * @data: a document
 * @error_offset: (out) (optional): the offset of the first byte that
 *   breaks the grammar, when %FALSE is returned
 *
 * Checks, without building a tree, that @data is exactly one JSON value
 * as RFC 8259 writes it, with white space (and a byte-order mark) around
 * it. The other functions here can then be trusted with it. UTF-8 is not
 * checked. Some documents that a lenient parser takes are refused: those
 * nested deeper than 512 levels, with integers of more than 18 digits or
 * lone UTF-16 surrogates.
 *
 * Returns: %TRUE when @data is one valid JSON value
 */
gboolean
tsc_json_span_validate (const char *data,
                        gsize       len,
                        gsize      *error_offset)
{
  Scanner s = scan_document (data, len);
  /* One byte per open container: '{' or '['. */
  char stack[VALIDATE_MAX_DEPTH];
  guint depth = 0;

  for (;;)
    {
      /* A value is expected here. */
      skip_ws (&s);
      if (s.p >= s.end)
        goto fail;

      switch (*s.p)
        {
        case '{':
        case '[':
          if (depth == VALIDATE_MAX_DEPTH)
            goto fail;
          stack[depth++] = *s.p++;
          skip_ws (&s);
          if (s.p < s.end && *s.p == (stack[depth - 1] == '{' ? '}' : ']'))
            {
              s.p++;
              depth--;
              break;
            }
          if (stack[depth - 1] == '{')
            {
              if (s.p >= s.end || *s.p != '"' || !check_string (&s))
                goto fail;
              skip_ws (&s);
              if (s.p >= s.end || *s.p != ':')
                goto fail;
              s.p++;
            }
          continue;
        case '"':
          if (!check_string (&s))
            goto fail;
          break;
        case 't':
          if (!check_literal (&s, "true"))
            goto fail;
          break;
        case 'f':
          if (!check_literal (&s, "false"))
            goto fail;
          break;
        case 'n':
          if (!check_literal (&s, "null"))
            goto fail;
          break;
        default:
          if (*s.p != '-' && !g_ascii_isdigit (*s.p))
            goto fail;
          if (!check_number (&s))
            goto fail;
          break;
        }

      /* After a value: close containers, or go on to the next item. */
      for (;;)
        {
          skip_ws (&s);
          if (depth == 0)
            {
              if (s.p != s.end)
                goto fail;
              return TRUE;
            }
          if (s.p >= s.end)
            goto fail;
          if (*s.p == (stack[depth - 1] == '{' ? '}' : ']'))
            {
              s.p++;
              depth--;
              continue;
            }
          if (*s.p != ',')
            goto fail;
          s.p++;
          if (stack[depth - 1] == '{')
            {
              skip_ws (&s);
              if (s.p >= s.end || *s.p != '"' || !check_string (&s))
                goto fail;
              skip_ws (&s);
              if (s.p >= s.end || *s.p != ':')
                goto fail;
              s.p++;
            }
          break;
        }
    }

fail:
  if (error_offset != NULL)
    *error_offset = MIN (s.p, s.end) - data;
  return FALSE;
}
