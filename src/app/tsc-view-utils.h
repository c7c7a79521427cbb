/* tsc-view-utils.h: the view logic the widgets share, as plain
 * functions that tests call without a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk/gdk.h>

#include "tsc-message-index.h"
#include "tsc-request-record.h"
#include "tsc-rules.h"

G_BEGIN_DECLS

/* What the sidebar narrows the views to: everything, one client, or
 * one user. */
typedef struct
{
  const TscClient *client;    /* NULL: any */
  const char      *user_id;   /* NULL: any */
} TscScope;

gboolean     tsc_scope_matches      (const TscScope    *scope,
                                     const TscIndexRow *row);

/* A stable colour per userId, readable on the light or dark background. */
void         tsc_user_color         (const char        *user_id,
                                     gboolean           dark,
                                     GdkRGBA           *color);
void         tsc_anonymous_color    (gboolean           dark,
                                     GdkRGBA           *color);
void         tsc_severity_color     (TscSeverity        severity,
                                     gboolean           dark,
                                     GdkRGBA           *color);
const char  *tsc_severity_label     (TscSeverity        severity);
const char  *tsc_severity_icon_name (TscSeverity        severity);

typedef enum
{
  TSC_MARKER_CIRCLE,    /* track */
  TSC_MARKER_SQUARE,    /* page, screen */
  TSC_MARKER_DIAMOND,   /* identify */
  TSC_MARKER_TRIANGLE,  /* alias */
  TSC_MARKER_HEXAGON,   /* group */
  TSC_MARKER_CROSS,     /* unknown */
} TscMarkerShape;

TscMarkerShape tsc_marker_shape_for_type (TscMessageType type);

char        *tsc_format_time        (gint64             usec,
                                     gboolean           with_date);

char        *tsc_describe_upstream  (const TscUpstreamOutcome *outcome);

G_END_DECLS
