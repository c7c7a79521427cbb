/* tsc-redact.h: replace PII with a stable keyed hash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "tsc-message.h"

G_BEGIN_DECLS

#define TSC_TYPE_REDACTOR (tsc_redactor_get_type ())
G_DECLARE_FINAL_TYPE (TscRedactor, tsc_redactor, TSC, REDACTOR, GObject)

/* The patterns used when none are given, NULL-terminated. */
const char * const *tsc_redactor_default_patterns (void);

TscRedactor *tsc_redactor_new          (const char * const *patterns,
                                        GBytes             *key);
const char * const *tsc_redactor_get_patterns (TscRedactor *self);

gboolean     tsc_redactor_matches_key  (TscRedactor        *self,
                                        const char         *member_name);
char        *tsc_redactor_hash         (TscRedactor        *self,
                                        const char         *value,
                                        gssize              len);
TscMessage  *tsc_redactor_redact_message (TscRedactor      *self,
                                          TscMessage       *message);
char        *tsc_redactor_redact_headers (TscRedactor      *self,
                                          const char       *headers_json);

G_END_DECLS
