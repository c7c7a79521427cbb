/* tsc-route.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-route"

#include "config.h"

#include <string.h>

#include "tsc-route.h"

typedef struct
{
  const char     *name;
  TscRouteKind    kind;
  TscMessageType  type;
} RouteEntry;

static const RouteEntry routes[] = {
  { "identify", TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_IDENTIFY },
  { "track",    TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_TRACK },
  { "page",     TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_PAGE },
  { "screen",   TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_SCREEN },
  { "group",    TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_GROUP },
  { "alias",    TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_ALIAS },
  /* analytics-next standard delivery: the first letter of the type */
  { "i",        TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_IDENTIFY },
  { "t",        TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_TRACK },
  { "p",        TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_PAGE },
  { "s",        TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_SCREEN },
  { "g",        TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_GROUP },
  { "a",        TSC_ROUTE_SINGLE,  TSC_MESSAGE_TYPE_ALIAS },
  { "batch",    TSC_ROUTE_BATCH,   TSC_MESSAGE_TYPE_UNKNOWN },
  { "import",   TSC_ROUTE_BATCH,   TSC_MESSAGE_TYPE_UNKNOWN },
  { "b",        TSC_ROUTE_BATCH,   TSC_MESSAGE_TYPE_UNKNOWN },
  { "m",        TSC_ROUTE_METRICS, TSC_MESSAGE_TYPE_UNKNOWN },
};

gboolean
tsc_lane_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;

  len = strlen (name);
  if (len == 0 || len > 64)
    return FALSE;

  for (const char *p = name; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
        return FALSE;
    }

  return TRUE;
}

void
tsc_route_clear (TscRoute *route)
{
  g_clear_pointer (&route->canonical, g_free);
  g_clear_pointer (&route->lane, g_free);
  g_clear_pointer (&route->prefix, g_free);
  g_clear_pointer (&route->write_key, g_free);
  route->kind = TSC_ROUTE_NOT_FOUND;
  route->type = TSC_MESSAGE_TYPE_UNKNOWN;
}

/**
 * tsc_route_parse:
 * @path: the (still percent-encoded) path of the request URI
 * @route: (out caller-allocates): where to store the result
 *
 * Accepts `/v1/<route>` and `/v1/<route>/`, optionally under a lane
 * prefix `/lane/<name>`, and `/v1/projects/<writeKey>/settings`.
 *
 * Returns: %TRUE when @path names a route this collector serves
 */
gboolean
tsc_route_parse (const char *path,
                 TscRoute   *route)
{
  g_auto(GStrv) parts = NULL;
  guint n_parts;
  guint first = 0;
  g_autofree char *lane = NULL;

  g_return_val_if_fail (route != NULL, FALSE);

  memset (route, 0, sizeof *route);
  route->kind = TSC_ROUTE_NOT_FOUND;

  if (path == NULL || path[0] != '/')
    return FALSE;

  /* Skip the leading slash; a single trailing slash is allowed. */
  parts = g_strsplit (path + 1, "/", -1);
  n_parts = g_strv_length (parts);
  if (n_parts > 0 && parts[n_parts - 1][0] == '\0')
    n_parts--;

  if (n_parts >= 2 && g_str_equal (parts[0], "lane"))
    {
      lane = g_uri_unescape_string (parts[1], NULL);
      if (!tsc_lane_name_is_valid (lane))
        return FALSE;
      first = 2;
    }

  if (n_parts < first + 2 || !g_str_equal (parts[first], "v1"))
    return FALSE;

  if (n_parts == first + 2)
    {
      const char *name = parts[first + 1];

      for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
        {
          if (g_str_equal (name, routes[i].name))
            {
              route->kind = routes[i].kind;
              route->type = routes[i].type;
              route->canonical = g_strconcat ("/v1/", name, NULL);
              break;
            }
        }
    }
  else if (n_parts == first + 4 &&
           g_str_equal (parts[first + 1], "projects") &&
           g_str_equal (parts[first + 3], "settings") &&
           parts[first + 2][0] != '\0')
    {
      route->kind = TSC_ROUTE_SETTINGS;
      route->write_key = g_uri_unescape_string (parts[first + 2], NULL);
      route->canonical = g_strdup ("/v1/projects/settings");
      if (route->write_key == NULL)
        {
          tsc_route_clear (route);
          return FALSE;
        }
    }

  if (route->kind == TSC_ROUTE_NOT_FOUND)
    return FALSE;

  route->lane = g_steal_pointer (&lane);
  route->prefix = route->lane ? g_strconcat ("/lane/", parts[1], NULL) : g_strdup ("");

  return TRUE;
}
