/* tsc-types.h: forward declarations and public enums of the core layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TscMessage       TscMessage;
typedef struct _TscTransport     TscTransport;
typedef struct _TscRequestRecord TscRequestRecord;
typedef struct _TscWireRequest   TscWireRequest;
typedef struct _TscRoute         TscRoute;

typedef enum
{
  TSC_MESSAGE_TYPE_UNKNOWN,
  TSC_MESSAGE_TYPE_IDENTIFY,
  TSC_MESSAGE_TYPE_TRACK,
  TSC_MESSAGE_TYPE_PAGE,
  TSC_MESSAGE_TYPE_SCREEN,
  TSC_MESSAGE_TYPE_GROUP,
  TSC_MESSAGE_TYPE_ALIAS,
} TscMessageType;

typedef enum
{
  TSC_AUTH_NONE,
  TSC_AUTH_BASIC,
  TSC_AUTH_BEARER,
  TSC_AUTH_BODY,
  TSC_AUTH_QUERY,
} TscAuthMethod;

typedef enum
{
  TSC_ROUTE_NOT_FOUND,
  TSC_ROUTE_SINGLE,     /* one message, type from the path */
  TSC_ROUTE_BATCH,      /* {"batch":[...]} envelope */
  TSC_ROUTE_METRICS,    /* analytics-next remote metrics: accepted, not a call */
  TSC_ROUTE_SETTINGS,   /* GET /v1/projects/<writeKey>/settings */
} TscRouteKind;

const char     *tsc_message_type_to_string (TscMessageType type);
TscMessageType  tsc_message_type_from_string (const char *str);
const char     *tsc_auth_method_to_string (TscAuthMethod method);
TscAuthMethod   tsc_auth_method_from_string (const char *text);

G_END_DECLS
