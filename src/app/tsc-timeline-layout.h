/* tsc-timeline-layout.h: what the timeline draws and where, as plain
 * view logic that tests call without a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk/gdk.h>
#include <graphene.h>

#include "tsc-identity-model.h"
#include "tsc-message-index.h"
#include "tsc-view-utils.h"

G_BEGIN_DECLS

/* Geometry, in widget pixels. A lane is a band row with the markers on
 * it and a row of event labels under it. */
#define TSC_TIMELINE_HEADER_WIDTH   224.0
#define TSC_TIMELINE_AXIS_HEIGHT     30.0
#define TSC_TIMELINE_LANE_HEIGHT     70.0
#define TSC_TIMELINE_BAND_TOP        10.0
#define TSC_TIMELINE_BAND_HEIGHT     40.0
#define TSC_TIMELINE_MARKER_Y        38.0   /* from the lane's top */
#define TSC_TIMELINE_LABEL_Y         52.0   /* event labels, from the lane's top */
#define TSC_TIMELINE_MARKER_RADIUS    5.0
#define TSC_TIMELINE_HIT_RADIUS       8.0

typedef enum
{
  TSC_TIMELINE_LANE_DEVICE,   /* a client: its streams one after another */
  TSC_TIMELINE_LANE_USER,     /* a user's server-side calls (no anonymousId) */
} TscTimelineLaneKind;

typedef enum
{
  TSC_TIMELINE_EVENT_NONE,
  TSC_TIMELINE_EVENT_LOGOUT,
  TSC_TIMELINE_EVENT_SIGNUP,
} TscTimelineEventKind;

/* One identity segment of a stream (or a user's server calls) drawn as
 * a band. Times are the corrected client times of its calls, µs. */
typedef struct
{
  gint64           start;         /* the earliest call */
  gint64           end;           /* the latest call */
  gint64           extent_start;  /* where the band is drawn from and to: halfway */
  gint64           extent_end;    /*   to the neighbouring segments of the stream */
  const char      *user_id;       /* NULL while anonymous */
  const TscStream *stream;        /* NULL on a user's lane */
  gint64           first_seq;
  gint64           last_seq;
  guint            n_messages;
  gboolean         opens_stream;  /* the stream's first segment */
  gboolean         closes_stream; /* the stream's last segment (so far) */
  gint64           room_start;    /* halfway to the device's stream before, or G_MININT64 */
  gint64           room_end;      /* halfway to the device's stream after, or G_MAXINT64 */
} TscTimelineBand;

/* An inferred reset between two streams of one device. */
typedef struct
{
  gint64           time;
  const TscStream *before;
  const TscStream *after;
} TscTimelineDivider;

typedef struct
{
  TscTimelineLaneKind  kind;
  const char          *label;       /* the device's label, or the userId */
  const TscClient     *client;      /* device lanes; NULL for calls without a known sender */
  const char          *user_id;     /* user lanes */
  GArray              *bands;       /* TscTimelineBand, in order of appearance */
  GArray              *dividers;    /* TscTimelineDivider, in time order */
  guint                n_messages;
  guint                n_streams;
  gboolean             in_scope;    /* FALSE: hidden by the scope */
  double               y;           /* top, in widget pixels (after the vertical offset) */
} TscTimelineLane;

/* A call as the timeline draws it. */
typedef struct
{
  const TscIndexRow    *row;
  guint                 position;   /* in the message index */
  gint64                seq;
  gint64                time;
  guint                 lane;       /* index in display order */
  double                x;
  double                y;
  TscMarkerShape        shape;
  TscSeverity           severity;   /* worst flag; TSC_SEVERITY_OFF when none */
  guint                 n_flags;
  TscTimelineEventKind  event;
  gboolean              in_scope;   /* FALSE: drawn dimmed */
} TscTimelineMarker;

#define TSC_TYPE_TIMELINE_LAYOUT (tsc_timeline_layout_get_type ())
G_DECLARE_FINAL_TYPE (TscTimelineLayout, tsc_timeline_layout, TSC, TIMELINE_LAYOUT, GObject)

TscTimelineLayout     *tsc_timeline_layout_new              (TscMessageIndex    *index,
                                                             TscIdentityModel   *model,
                                                             TscRuleConfig      *config);
TscMessageIndex       *tsc_timeline_layout_get_index        (TscTimelineLayout  *self);
TscIdentityModel      *tsc_timeline_layout_get_model        (TscTimelineLayout  *self);

/* Data */
void                   tsc_timeline_layout_update           (TscTimelineLayout  *self,
                                                             guint               position,
                                                             guint               n_added);
guint                  tsc_timeline_layout_get_n_rows       (TscTimelineLayout  *self);
gboolean               tsc_timeline_layout_get_time_bounds  (TscTimelineLayout  *self,
                                                             gint64             *first,
                                                             gint64             *last);
guint                  tsc_timeline_layout_get_n_lanes      (TscTimelineLayout  *self);
const TscTimelineLane *tsc_timeline_layout_get_lane         (TscTimelineLayout  *self,
                                                             guint               lane);
gboolean               tsc_timeline_layout_find_device_lane (TscTimelineLayout  *self,
                                                             const TscClient    *client,
                                                             guint              *lane);
gboolean               tsc_timeline_layout_find_user_lane   (TscTimelineLayout  *self,
                                                             const char         *user_id,
                                                             guint              *lane);
gboolean               tsc_timeline_layout_peek             (TscTimelineLayout  *self,
                                                             guint               position,
                                                             double             *x,
                                                             guint              *lane,
                                                             gboolean           *important);
gboolean               tsc_timeline_layout_get_marker       (TscTimelineLayout  *self,
                                                             guint               position,
                                                             TscTimelineMarker  *marker);
gboolean               tsc_timeline_layout_find_marker      (TscTimelineLayout  *self,
                                                             gint64              seq,
                                                             TscTimelineMarker  *marker);
void                   tsc_timeline_layout_band_color       (const TscTimelineBand *band,
                                                             gboolean            dark,
                                                             GdkRGBA            *color);
gboolean               tsc_timeline_layout_band_in_scope    (TscTimelineLayout  *self,
                                                             const TscTimelineBand *band);

/* Scope: lanes with nothing in it are hidden, calls outside it dimmed */
void                   tsc_timeline_layout_set_scope        (TscTimelineLayout  *self,
                                                             const TscScope     *scope);

/* The view: a time window over the plot area, and a vertical offset */
void                   tsc_timeline_layout_set_size         (TscTimelineLayout  *self,
                                                             int                 width,
                                                             int                 height);
int                    tsc_timeline_layout_get_width        (TscTimelineLayout  *self);
int                    tsc_timeline_layout_get_height       (TscTimelineLayout  *self);
void                   tsc_timeline_layout_set_window       (TscTimelineLayout  *self,
                                                             gint64              start,
                                                             double              usec_per_px);
gint64                 tsc_timeline_layout_get_start        (TscTimelineLayout  *self);
gint64                 tsc_timeline_layout_get_end          (TscTimelineLayout  *self);
double                 tsc_timeline_layout_get_scale        (TscTimelineLayout  *self);
double                 tsc_timeline_layout_time_to_x        (TscTimelineLayout  *self,
                                                             gint64              time);
gint64                 tsc_timeline_layout_x_to_time        (TscTimelineLayout  *self,
                                                             double              x);
void                   tsc_timeline_layout_zoom             (TscTimelineLayout  *self,
                                                             double              factor,
                                                             double              anchor_x);
void                   tsc_timeline_layout_pan              (TscTimelineLayout  *self,
                                                             double              dx,
                                                             double              dy);
void                   tsc_timeline_layout_fit              (TscTimelineLayout  *self);
void                   tsc_timeline_layout_follow           (TscTimelineLayout  *self);
gboolean               tsc_timeline_layout_reveal           (TscTimelineLayout  *self,
                                                             gint64              seq);
double                 tsc_timeline_layout_get_y_offset     (TscTimelineLayout  *self);
void                   tsc_timeline_layout_set_y_offset     (TscTimelineLayout  *self,
                                                             double              y_offset);
double                 tsc_timeline_layout_get_content_height (TscTimelineLayout *self);
gboolean               tsc_timeline_layout_lane_at_y        (TscTimelineLayout  *self,
                                                             double              y,
                                                             guint              *lane);

/* What to draw */
gboolean               tsc_timeline_layout_get_range        (TscTimelineLayout  *self,
                                                             gint64              first_time,
                                                             gint64              last_time,
                                                             guint              *begin,
                                                             guint              *end);
gboolean               tsc_timeline_layout_get_visible_range (TscTimelineLayout *self,
                                                              guint             *begin,
                                                              guint             *end);
guint                  tsc_timeline_layout_next_in_window   (TscTimelineLayout  *self,
                                                             guint               from,
                                                             guint               end,
                                                             gint64              first_time,
                                                             gint64              last_time);
gboolean               tsc_timeline_layout_row_in_window    (TscTimelineLayout  *self,
                                                             guint               position,
                                                             gint64              first_time,
                                                             gint64              last_time);
gboolean               tsc_timeline_layout_band_rect        (TscTimelineLayout  *self,
                                                             guint               lane,
                                                             const TscTimelineBand *band,
                                                             graphene_rect_t    *rect);
gint64                 tsc_timeline_layout_hit_test         (TscTimelineLayout  *self,
                                                             double              x,
                                                             double              y,
                                                             guint              *position);

/* The time axis: ticks at first, first + step, ... up to the window's end */
void                   tsc_timeline_layout_get_ticks        (TscTimelineLayout  *self,
                                                             double              min_spacing,
                                                             gint64             *first,
                                                             gint64             *step);
char                  *tsc_timeline_format_tick             (gint64              time,
                                                             gint64              step);

G_END_DECLS
