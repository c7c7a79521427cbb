/* tsc-json-span.h: byte ranges of JSON values inside a document
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gsize offset;
  gsize length;
} TscJsonSpan;

gboolean tsc_json_span_trim          (const char  *data,
                                      gsize        len,
                                      TscJsonSpan *span);
GArray  *tsc_json_span_array_members (const char  *data,
                                      gsize        len,
                                      const char  *member);
GArray  *tsc_json_span_array_elements (const char *data,
                                       gsize       len);

typedef void (*TscJsonMemberFunc) (const char *key,
                                   gsize       key_len,
                                   const char *value,
                                   gsize       value_len,
                                   gpointer    user_data);

gboolean tsc_json_span_foreach_member (const char        *data,
                                       gsize              len,
                                       TscJsonMemberFunc  func,
                                       gpointer           user_data);

gboolean tsc_json_span_validate       (const char        *data,
                                       gsize              len,
                                       gsize             *error_offset);

G_END_DECLS
