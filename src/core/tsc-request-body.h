/* tsc-request-body.h: rebuild the body of a recorded request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "tsc-message.h"

G_BEGIN_DECLS

gboolean  tsc_request_body_is_batch (const TscTransport *transport);
GBytes   *tsc_request_body_rebuild  (const TscTransport *transport,
                                     GPtrArray          *messages,
                                     const char         *write_key);

G_END_DECLS
