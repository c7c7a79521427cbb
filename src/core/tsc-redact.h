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

/* Added for the HAR export: the parts of a request that are not a
 * message (its transport facts, a rejected request's kept body and a
 * batch envelope's context). */
TscTransport *tsc_redactor_redact_transport (TscRedactor   *self,
                                             TscTransport  *transport);
GBytes       *tsc_redactor_redact_body      (TscRedactor   *self,
                                             GBytes        *body);
char         *tsc_redactor_redact_context   (TscRedactor   *self,
                                             const char    *context_json);

G_END_DECLS
