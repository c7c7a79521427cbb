/* tsc-route.h: which Tracking API route a request path names
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tsc-types.h"

G_BEGIN_DECLS

struct _TscRoute
{
  TscRouteKind    kind;
  TscMessageType  type;       /* the type a single-message route implies */
  char           *canonical;  /* "/v1/track", "/v1/t", "/v1/batch": no lane, no trailing slash */
  char           *lane;       /* decoded lane name, or NULL */
  char           *prefix;     /* "/lane/<name>" as requested, or "" */
  char           *write_key;  /* for TSC_ROUTE_SETTINGS */
};

gboolean tsc_route_parse (const char *path,
                          TscRoute   *route);
void     tsc_route_clear (TscRoute   *route);

gboolean tsc_lane_name_is_valid (const char *name);

G_END_DECLS
