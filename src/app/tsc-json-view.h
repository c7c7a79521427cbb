/* tsc-json-view.h: a payload, pretty-printed and coloured, read-only
 * and copyable; and the formatter behind it as a plain function
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  TSC_JSON_TOKEN_KEY,       /* a member name, quotes included */
  TSC_JSON_TOKEN_STRING,    /* a string value, quotes included */
  TSC_JSON_TOKEN_ESCAPE,    /* a backslash sequence inside a key or a string */
  TSC_JSON_TOKEN_NUMBER,
  TSC_JSON_TOKEN_BOOLEAN,
  TSC_JSON_TOKEN_NULL,
  TSC_JSON_N_TOKENS
} TscJsonToken;

/* A run of formatted text to colour. Offsets count characters, as
 * GtkTextBuffer does, not bytes. */
typedef struct
{
  TscJsonToken token;
  guint        start;
  guint        end;
} TscJsonTagRange;

typedef struct
{
  char     *text;      /* valid UTF-8 */
  gsize     len;       /* bytes of @text */
  guint     n_chars;
  guint     n_lines;
  GArray   *ranges;    /* TscJsonTagRange, by start; escapes lie inside strings */
  gboolean  valid;
  char     *error;     /* when not valid: what was wrong, with line and column */
} TscJsonFormat;

TscJsonFormat *tsc_json_format_pretty (const char    *json,
                                       gsize          len);
void           tsc_json_format_free   (TscJsonFormat *format);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TscJsonFormat, tsc_json_format_free)

/* Payloads up to this size are formatted in the UI thread; larger ones
 * in a worker. */
#define TSC_JSON_VIEW_SYNC_LIMIT (64 * 1024)

#define TSC_TYPE_JSON_VIEW (tsc_json_view_get_type ())
G_DECLARE_FINAL_TYPE (TscJsonView, tsc_json_view, TSC, JSON_VIEW, GtkWidget)

GtkWidget  *tsc_json_view_new          (void);
void        tsc_json_view_set_json     (TscJsonView *self,
                                        GBytes      *json);
const char *tsc_json_view_get_text     (TscJsonView *self);
gboolean    tsc_json_view_get_busy     (TscJsonView *self);
gboolean    tsc_json_view_get_truncated (TscJsonView *self);
void        tsc_json_view_show_all     (TscJsonView *self);
void        tsc_json_view_copy         (TscJsonView *self);

G_END_DECLS
