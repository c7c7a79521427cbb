/* tsc-timeline-layout.c
 *
 * The timeline's model of the screen, kept apart from the widget so
 * that tests can check it without a display.
 *
 * Lanes: one per device (a TscClient), its streams one after another
 * with their identity segments as bands and a divider where a reset was
 * inferred; and one per user for the server-side calls that carry a
 * userId but no anonymousId. Lanes keep the order in which they first
 * appeared, devices first.
 *
 * Everything is built incrementally: TscSession::messages-added hands
 * over the new index rows, and each row costs a few hash lookups. Per
 * row the layout keeps 16 bytes (its time, lane and whether it is a
 * logout or signup), so drawing never touches the identity model.
 *
 * The time axis is the corrected client time, which is only roughly in
 * receive order (batches, retries, offline queues). Rows are grouped in
 * blocks of 64 with the least and greatest time of each, plus a running
 * maximum from the start and a running minimum from the end: both only
 * grow, so the first and last block that can hold a visible row are
 * found by binary search, and only the rows between them are looked at.
 * When times do follow receive order (nearly always) that is exactly
 * the visible slice of the index.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-timeline-layout"

#include "config.h"

#include "tsc-timeline-layout.h"

#include <string.h>

#include <glib/gi18n.h>

#define BLOCK_SHIFT 6
#define BLOCK_SIZE  (1u << BLOCK_SHIFT)

#define MIN_SCALE   10.0                       /* µs per pixel: 0.01 ms */
#define MAX_SCALE   (6.0 * 3600 * G_USEC_PER_SEC) /* 6 h per pixel */
#define FIT_PADDING 28.0                       /* pixels either side of the calls */
#define FOLLOW_PADDING 48.0                    /* pixels right of the newest call */
#define MIN_FIT_SPAN (10 * G_USEC_PER_SEC)

typedef struct
{
  gint64  time;
  guint32 lane;       /* lane id (creation order) */
  guint8  event;      /* TscTimelineEventKind */
  guint8  flagged;    /* involved in a flag */
} RowInfo;

typedef struct
{
  gint64 min;
  gint64 max;
  gint64 prefix_max;  /* greatest time in this block and every block before */
  gint64 suffix_min;  /* least time in this block and every block after */
} Block;

typedef struct
{
  TscTimelineLane  pub;
  guint            id;
  guint            display;
  GHashTable      *clients;   /* const TscClient * set */
  GHashTable      *users;     /* userId set (strings owned by the index) */
} Lane;

typedef struct
{
  const TscStream *stream;
  guint            client_index; /* in the client's streams, G_MAXUINT if unknown */
  guint            lane;       /* lane id */
  GArray          *bands;      /* guint: positions in the lane's bands, one per segment */
  gint64           start;
  gint64           end;
  gboolean         touched;
} StreamInfo;

struct _TscTimelineLayout
{
  GObject            parent_instance;

  TscMessageIndex   *index;
  TscIdentityModel  *model;
  TscRuleConfig     *config;

  GArray            *rows;          /* RowInfo, one per index row */
  GArray            *blocks;        /* Block */
  GPtrArray         *lanes;         /* Lane *, by id */
  GPtrArray         *order;         /* Lane *, in display order */
  GHashTable        *device_lanes;  /* const TscClient * → Lane */
  GHashTable        *user_lanes;    /* userId → Lane */
  Lane              *unknown_lane;  /* calls with no sender and no user */
  GHashTable        *streams;       /* const TscStream * → StreamInfo */
  const char        *last_anonymous_id;
  StreamInfo        *last_stream;
  guint              n_flags_seen;  /* of the model's flags */
  gint64             min_time;
  gint64             max_time;

  const TscClient   *scope_client;
  char              *scope_user_id;
  const TscUser     *scope_user;

  int                width;
  int                height;
  gint64             start;
  double             scale;         /* µs per pixel */
  double             y_offset;
};

G_DEFINE_FINAL_TYPE (TscTimelineLayout, tsc_timeline_layout, G_TYPE_OBJECT)

static void
lane_free (Lane *lane)
{
  g_array_unref (lane->pub.bands);
  g_array_unref (lane->pub.dividers);
  g_hash_table_unref (lane->clients);
  g_hash_table_unref (lane->users);
  g_free (lane);
}

static void
stream_info_free (StreamInfo *info)
{
  g_array_unref (info->bands);
  g_free (info);
}

static double
plot_width (TscTimelineLayout *self)
{
  return MAX (1.0, self->width - TSC_TIMELINE_HEADER_WIDTH);
}

/* ---------------------------------------------------------------------- */
/* Lanes                                                                   */

/* Gives the visible lanes their places, top to bottom. */
static void
relayout (TscTimelineLayout *self)
{
  double y = TSC_TIMELINE_AXIS_HEIGHT - self->y_offset;

  for (guint i = 0; i < self->order->len; i++)
    {
      Lane *lane = g_ptr_array_index (self->order, i);

      lane->display = i;
      lane->pub.y = y;
      if (lane->pub.in_scope)
        y += TSC_TIMELINE_LANE_HEIGHT;
    }
}

static gboolean
lane_matches_scope (TscTimelineLayout *self,
                    Lane              *lane)
{
  if (self->scope_client != NULL && !g_hash_table_contains (lane->clients, self->scope_client))
    return FALSE;
  if (self->scope_user_id != NULL && !g_hash_table_contains (lane->users, self->scope_user_id))
    return FALSE;
  return TRUE;
}

static Lane *
add_lane (TscTimelineLayout   *self,
          TscTimelineLaneKind  kind,
          const char          *label,
          const TscClient     *client,
          const char          *user_id)
{
  Lane *lane = g_new0 (Lane, 1);
  guint at = self->order->len;

  lane->id = self->lanes->len;
  lane->pub.kind = kind;
  lane->pub.label = label;
  lane->pub.client = client;
  lane->pub.user_id = user_id;
  lane->pub.bands = g_array_new (FALSE, FALSE, sizeof (TscTimelineBand));
  lane->pub.dividers = g_array_new (FALSE, FALSE, sizeof (TscTimelineDivider));
  lane->clients = g_hash_table_new (NULL, NULL);
  lane->users = g_hash_table_new (g_str_hash, g_str_equal);
  g_ptr_array_add (self->lanes, lane);

  /* Devices first, then the users' server lanes, each in order of
   * appearance. */
  if (kind == TSC_TIMELINE_LANE_DEVICE)
    {
      at = 0;
      while (at < self->order->len &&
             ((Lane *) g_ptr_array_index (self->order, at))->pub.kind == TSC_TIMELINE_LANE_DEVICE)
        at++;
    }
  g_ptr_array_insert (self->order, at, lane);

  /* A new lane has nothing in the scope until its first call is added. */
  lane->pub.in_scope = self->scope_client == NULL && self->scope_user_id == NULL;
  relayout (self);
  return lane;
}

static Lane *
device_lane (TscTimelineLayout *self,
             const TscClient   *client)
{
  Lane *lane;

  if (client == NULL)
    {
      if (self->unknown_lane == NULL)
        self->unknown_lane = add_lane (self, TSC_TIMELINE_LANE_DEVICE, _("Unknown sender"),
                                       NULL, NULL);
      return self->unknown_lane;
    }

  lane = g_hash_table_lookup (self->device_lanes, client);
  if (lane == NULL)
    {
      lane = add_lane (self, TSC_TIMELINE_LANE_DEVICE, client->label, client, NULL);
      g_hash_table_insert (self->device_lanes, (gpointer) client, lane);
    }
  return lane;
}

static Lane *
user_lane (TscTimelineLayout *self,
           const char        *user_id)
{
  Lane *lane = g_hash_table_lookup (self->user_lanes, user_id);

  if (lane == NULL)
    {
      TscTimelineBand band = { G_MAXINT64, G_MININT64, G_MAXINT64, G_MININT64, user_id, NULL,
                               0, 0, 0, TRUE, TRUE, G_MININT64, G_MAXINT64 };

      lane = add_lane (self, TSC_TIMELINE_LANE_USER, user_id, NULL, user_id);
      g_array_append_val (lane->pub.bands, band);
      g_hash_table_insert (self->user_lanes, (gpointer) user_id, lane);
    }
  return lane;
}

static StreamInfo *
stream_info (TscTimelineLayout *self,
             const TscStream   *stream)
{
  StreamInfo *info = g_hash_table_lookup (self->streams, stream);
  Lane *lane;

  if (info != NULL)
    return info;

  lane = device_lane (self, stream->client);
  info = g_new0 (StreamInfo, 1);
  info->stream = stream;
  info->lane = lane->id;
  info->bands = g_array_new (FALSE, FALSE, sizeof (guint));
  info->start = G_MAXINT64;
  info->end = G_MININT64;
  g_hash_table_insert (self->streams, (gpointer) stream, info);
  lane->pub.n_streams++;

  /* New streams are nearly always the client's last. */
  info->client_index = G_MAXUINT;
  if (stream->client != NULL)
    for (guint i = stream->client->streams->len; i > 0; i--)
      if (g_ptr_array_index (stream->client->streams, i - 1) == stream)
        {
          info->client_index = i - 1;
          break;
        }

  if (stream->reset_before && info->client_index != G_MAXUINT && info->client_index > 0)
    {
      TscTimelineDivider divider = { 0, g_ptr_array_index (stream->client->streams, info->client_index - 1),
                                     stream };

      g_array_append_val (lane->pub.dividers, divider);
    }

  return info;
}

/* ---------------------------------------------------------------------- */
/* Adding rows                                                             */

static TscTimelineEventKind
classify (TscTimelineLayout *self,
          const TscIndexRow *row)
{
  if (row->label == NULL || self->config == NULL)
    return TSC_TIMELINE_EVENT_NONE;
  if (row->type != TSC_MESSAGE_TYPE_TRACK && row->type != TSC_MESSAGE_TYPE_PAGE &&
      row->type != TSC_MESSAGE_TYPE_SCREEN)
    return TSC_TIMELINE_EVENT_NONE;
  if (tsc_rule_config_is_logout (self->config, row->label))
    return TSC_TIMELINE_EVENT_LOGOUT;
  if (tsc_rule_config_is_signup (self->config, row->label))
    return TSC_TIMELINE_EVENT_SIGNUP;
  return TSC_TIMELINE_EVENT_NONE;
}

static void
add_to_blocks (TscTimelineLayout *self,
               guint              position,
               gint64             time)
{
  guint b = position >> BLOCK_SHIFT;
  Block *block;

  if (b == self->blocks->len)
    {
      Block fresh = { time, time, time, time };

      if (b > 0)
        fresh.prefix_max = MAX (time, g_array_index (self->blocks, Block, b - 1).prefix_max);
      g_array_append_val (self->blocks, fresh);
    }
  else
    {
      block = &g_array_index (self->blocks, Block, b);
      block->min = MIN (block->min, time);
      block->max = MAX (block->max, time);
      block->prefix_max = MAX (block->prefix_max, time);
      block->suffix_min = MIN (block->suffix_min, time);
    }

  /* A late row with an early time lowers the running minimum of the
   * blocks before it; nearly always this stops at once. */
  for (guint k = b; k > 0; k--)
    {
      block = &g_array_index (self->blocks, Block, k - 1);
      if (block->suffix_min <= time)
        break;
      block->suffix_min = time;
    }
}

/* The segment of @stream that @seq belongs to: the last one starting at
 * or before it. */
static guint
find_segment (const TscStream *stream,
              gint64           seq)
{
  GArray *segments = stream->segments;
  guint lo = 0;
  guint hi = segments->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (segments, TscSegment, mid).first_seq <= seq)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo > 0 ? lo - 1 : 0;
}

static void
add_to_stream (TscTimelineLayout *self,
               StreamInfo        *info,
               const TscIndexRow *row,
               gint64             time)
{
  Lane *lane = g_ptr_array_index (self->lanes, info->lane);
  GArray *segments = info->stream->segments;
  TscTimelineBand *band;
  guint j;

  while (info->bands->len < segments->len)
    {
      const TscSegment *segment = &g_array_index (segments, TscSegment, info->bands->len);
      TscTimelineBand fresh = { G_MAXINT64, G_MININT64, G_MAXINT64, G_MININT64, segment->user_id,
                                info->stream, segment->first_seq, segment->last_seq, 0,
                                FALSE, FALSE, G_MININT64, G_MAXINT64 };
      guint at = lane->pub.bands->len;

      g_array_append_val (lane->pub.bands, fresh);
      g_array_append_val (info->bands, at);
    }

  info->start = MIN (info->start, time);
  info->end = MAX (info->end, time);
  info->touched = TRUE;

  if (segments->len == 0)
    return;

  j = find_segment (info->stream, row->seq);
  band = &g_array_index (lane->pub.bands, TscTimelineBand, g_array_index (info->bands, guint, j));
  band->start = MIN (band->start, time);
  band->end = MAX (band->end, time);
  band->n_messages++;
}

static TscTimelineBand *
edge_band (TscTimelineLayout *self,
           StreamInfo        *info,
           gboolean           last)
{
  Lane *lane = g_ptr_array_index (self->lanes, info->lane);

  for (guint j = 0; j < info->bands->len; j++)
    {
      guint k = last ? info->bands->len - 1 - j : j;
      TscTimelineBand *band = &g_array_index (lane->pub.bands, TscTimelineBand,
                                              g_array_index (info->bands, guint, k));

      if (band->n_messages > 0)
        return band;
    }
  return NULL;
}

static StreamInfo *
neighbour (TscTimelineLayout *self,
           StreamInfo        *info,
           int                offset)
{
  GPtrArray *streams;
  gint64 at;

  if (info->client_index == G_MAXUINT || info->stream->client == NULL)
    return NULL;
  streams = info->stream->client->streams;
  at = (gint64) info->client_index + offset;
  if (at < 0 || at >= streams->len)
    return NULL;
  return g_hash_table_lookup (self->streams, g_ptr_array_index (streams, at));
}

/* The ends of a stream are padded around their markers, but not past
 * halfway to the device's streams before and after it. */
static void
update_room (TscTimelineLayout *self,
             StreamInfo        *info)
{
  TscTimelineBand *first = edge_band (self, info, FALSE);
  TscTimelineBand *last = edge_band (self, info, TRUE);
  StreamInfo *before = neighbour (self, info, -1);
  StreamInfo *after = neighbour (self, info, +1);

  if (first == NULL || last == NULL)
    return;

  first->room_start = G_MININT64;
  last->room_end = G_MAXINT64;

  if (before != NULL && before->end != G_MININT64 && before->end < info->start)
    {
      TscTimelineBand *other = edge_band (self, before, TRUE);
      gint64 meet = before->end + (info->start - before->end) / 2;

      first->room_start = meet;
      if (other != NULL)
        other->room_end = meet;
    }

  if (after != NULL && after->start != G_MAXINT64 && info->end < after->start)
    {
      TscTimelineBand *other = edge_band (self, after, FALSE);
      gint64 meet = info->end + (after->start - info->end) / 2;

      last->room_end = meet;
      if (other != NULL)
        other->room_start = meet;
    }
}

/* After a batch: the segments of a stream meet halfway between the
 * last call of one and the first of the next, and dividers sit halfway
 * between the two streams they separate. */
static void
finish_stream (TscTimelineLayout *self,
               StreamInfo        *info)
{
  Lane *lane = g_ptr_array_index (self->lanes, info->lane);
  GArray *segments = info->stream->segments;
  TscTimelineBand *previous = NULL;

  for (guint j = 0; j < info->bands->len; j++)
    {
      TscTimelineBand *band = &g_array_index (lane->pub.bands, TscTimelineBand,
                                              g_array_index (info->bands, guint, j));
      const TscSegment *segment = &g_array_index (segments, TscSegment, j);

      band->first_seq = segment->first_seq;
      band->last_seq = segment->last_seq;
      if (band->n_messages == 0)
        continue;

      band->extent_start = band->start;
      band->extent_end = band->end;
      band->opens_stream = previous == NULL;
      band->closes_stream = TRUE;
      if (previous != NULL)
        {
          gint64 meet = previous->end < band->start
                        ? previous->end + (band->start - previous->end) / 2
                        : band->start;

          previous->closes_stream = FALSE;
          previous->extent_end = MAX (previous->end, meet);
          band->extent_start = MIN (band->start, meet);
        }
      previous = band;
    }

  update_room (self, info);

  for (guint d = 0; d < lane->pub.dividers->len; d++)
    {
      TscTimelineDivider *divider = &g_array_index (lane->pub.dividers, TscTimelineDivider, d);
      StreamInfo *before;
      StreamInfo *after;

      if (divider->before != info->stream && divider->after != info->stream)
        continue;

      before = g_hash_table_lookup (self->streams, divider->before);
      after = g_hash_table_lookup (self->streams, divider->after);
      if (after == NULL || after->start == G_MAXINT64)
        continue;
      if (before != NULL && before->end != G_MININT64 && before->end < after->start)
        divider->time = before->end + (after->start - before->end) / 2;
      else
        divider->time = after->start;
    }

  info->touched = FALSE;
}

/* New flags can involve calls taken in before (a logout flagged by the
 * call after it): mark them, so that drawing need not read the index. */
static void
mark_flagged (TscTimelineLayout *self)
{
  GPtrArray *flags = tsc_identity_model_get_flags (self->model);

  for (; self->n_flags_seen < flags->len; self->n_flags_seen++)
    {
      TscFlag *flag = g_ptr_array_index (flags, self->n_flags_seen);

      for (guint i = 0; i < flag->seqs->len; i++)
        {
          guint position;

          if (tsc_message_index_find_seq (self->index, g_array_index (flag->seqs, gint64, i), &position) &&
              position < self->rows->len)
            g_array_index (self->rows, RowInfo, position).flagged = TRUE;
        }
    }
}

static void
reset_rows (TscTimelineLayout *self)
{
  g_array_set_size (self->rows, 0);
  g_array_set_size (self->blocks, 0);
  g_ptr_array_set_size (self->order, 0);
  g_ptr_array_set_size (self->lanes, 0);
  g_hash_table_remove_all (self->device_lanes);
  g_hash_table_remove_all (self->user_lanes);
  g_hash_table_remove_all (self->streams);
  self->unknown_lane = NULL;
  self->last_anonymous_id = NULL;
  self->last_stream = NULL;
  self->n_flags_seen = 0;
  self->min_time = G_MAXINT64;
  self->max_time = G_MININT64;
}

/**
 * tsc_timeline_layout_update:
 * @position: the first new index row
 * @n_added: how many rows were added
 *
 * Takes in rows added to the index (what TscSession::messages-added
 * reports). Rows already taken in are not looked at again, so telling
 * twice is harmless. A session that loads a file gets a new index: it
 * needs a new layout.
 */
void
tsc_timeline_layout_update (TscTimelineLayout *self,
                            guint              position,
                            guint              n_added)
{
  g_autoptr(GPtrArray) touched = NULL;
  guint n_rows;
  guint end;

  g_return_if_fail (TSC_IS_TIMELINE_LAYOUT (self));

  /* The index only grows; should it ever have been cut, start over. */
  n_rows = tsc_message_index_get_n_rows (self->index);
  if (n_rows < self->rows->len)
    reset_rows (self);

  end = MIN (n_rows, position + n_added);
  if (self->rows->len >= end)
    return;

  touched = g_ptr_array_new ();

  for (guint p = self->rows->len; p < end; p++)
    {
      const TscIndexRow *row = tsc_message_index_get_row (self->index, p);
      StreamInfo *info = NULL;
      RowInfo ri = { 0 };
      Lane *lane;

      /* Unknown times (a file with no timestamps) follow the call before. */
      ri.time = row->time > 0 ? row->time : row->received_at > 0 ? row->received_at
                : self->rows->len > 0 ? g_array_index (self->rows, RowInfo, self->rows->len - 1).time
                : 0;

      if (row->anonymous_id != NULL)
        {
          if (row->anonymous_id == self->last_anonymous_id && self->last_stream != NULL)
            info = self->last_stream;
          else
            {
              TscStream *stream = tsc_identity_model_get_stream (self->model, row->anonymous_id);

              info = stream ? stream_info (self, stream) : NULL;
              self->last_anonymous_id = row->anonymous_id;
              self->last_stream = info;
            }
        }

      if (info != NULL)
        lane = g_ptr_array_index (self->lanes, info->lane);
      else if (row->anonymous_id == NULL && row->user_id != NULL)
        lane = user_lane (self, row->user_id);
      else
        lane = device_lane (self, row->client);

      ri.lane = lane->id;
      ri.event = classify (self, row);
      ri.flagged = row->n_flags > 0;
      g_array_append_val (self->rows, ri);
      add_to_blocks (self, p, ri.time);
      self->min_time = MIN (self->min_time, ri.time);
      self->max_time = MAX (self->max_time, ri.time);

      lane->pub.n_messages++;
      if (row->client != NULL)
        g_hash_table_add (lane->clients, (gpointer) row->client);
      if (info != NULL && info->stream->client != NULL)
        g_hash_table_add (lane->clients, (gpointer) info->stream->client);
      if (row->user_id != NULL)
        g_hash_table_add (lane->users, (gpointer) row->user_id);

      if (info != NULL)
        {
          if (!info->touched)
            g_ptr_array_add (touched, info);
          add_to_stream (self, info, row, ri.time);
        }
      else if (lane->pub.kind == TSC_TIMELINE_LANE_USER)
        {
          TscTimelineBand *band = &g_array_index (lane->pub.bands, TscTimelineBand, 0);

          if (band->n_messages == 0)
            band->first_seq = row->seq;
          band->last_seq = row->seq;
          band->start = MIN (band->start, ri.time);
          band->end = MAX (band->end, ri.time);
          band->extent_start = band->start;
          band->extent_end = band->end;
          band->n_messages++;
        }

      if (!lane->pub.in_scope && lane_matches_scope (self, lane))
        {
          lane->pub.in_scope = TRUE;
          relayout (self);
        }
    }

  for (guint i = 0; i < touched->len; i++)
    finish_stream (self, g_ptr_array_index (touched, i));

  mark_flagged (self);
}

guint
tsc_timeline_layout_get_n_rows (TscTimelineLayout *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), 0);
  return self->rows->len;
}

/**
 * tsc_timeline_layout_get_time_bounds:
 *
 * Returns: %FALSE when there are no calls
 */
gboolean
tsc_timeline_layout_get_time_bounds (TscTimelineLayout *self,
                                     gint64            *first,
                                     gint64            *last)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);

  if (self->rows->len == 0)
    return FALSE;
  if (first != NULL)
    *first = self->min_time;
  if (last != NULL)
    *last = self->max_time;
  return TRUE;
}

guint
tsc_timeline_layout_get_n_lanes (TscTimelineLayout *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), 0);
  return self->order->len;
}

/**
 * tsc_timeline_layout_get_lane:
 * @lane: the lane's index in display order (devices, then users)
 */
const TscTimelineLane *
tsc_timeline_layout_get_lane (TscTimelineLayout *self,
                              guint              lane)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), NULL);
  g_return_val_if_fail (lane < self->order->len, NULL);
  return &((Lane *) g_ptr_array_index (self->order, lane))->pub;
}

gboolean
tsc_timeline_layout_find_device_lane (TscTimelineLayout *self,
                                      const TscClient   *client,
                                      guint             *lane)
{
  Lane *found;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);

  found = client ? g_hash_table_lookup (self->device_lanes, client) : self->unknown_lane;
  if (found != NULL && lane != NULL)
    *lane = found->display;
  return found != NULL;
}

gboolean
tsc_timeline_layout_find_user_lane (TscTimelineLayout *self,
                                    const char        *user_id,
                                    guint             *lane)
{
  Lane *found;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);
  g_return_val_if_fail (user_id != NULL, FALSE);

  found = g_hash_table_lookup (self->user_lanes, user_id);
  if (found != NULL && lane != NULL)
    *lane = found->display;
  return found != NULL;
}

/* ---------------------------------------------------------------------- */
/* Scope                                                                   */

static gboolean
stream_has_scope_user (TscTimelineLayout *self,
                       const TscStream   *stream)
{
  /* The user may only appear after the scope was set. */
  if (self->scope_user == NULL && self->scope_user_id != NULL)
    self->scope_user = tsc_identity_model_get_user (self->model, self->scope_user_id);
  if (self->scope_user == NULL || stream == NULL)
    return FALSE;
  for (guint i = 0; i < self->scope_user->streams->len; i++)
    if (g_ptr_array_index (self->scope_user->streams, i) == stream)
      return TRUE;
  return FALSE;
}

static gboolean
row_in_scope (TscTimelineLayout *self,
              const TscIndexRow *row)
{
  TscScope scope = { self->scope_client, self->scope_user_id };

  if (self->scope_client == NULL && self->scope_user_id == NULL)
    return TRUE;
  if (tsc_scope_matches (&scope, row))
    return TRUE;

  /* The anonymous calls of a stream the user was identified on are part
   * of the user's story. */
  if (self->scope_user_id != NULL && row->user_id == NULL && row->anonymous_id != NULL &&
      (self->scope_client == NULL || row->client == self->scope_client))
    return stream_has_scope_user (self, tsc_identity_model_get_stream (self->model, row->anonymous_id));

  return FALSE;
}

/**
 * tsc_timeline_layout_set_scope:
 * @scope: (nullable): what the sidebar narrowed the views to
 *
 * Hides the lanes with no call in @scope; calls and bands outside it
 * in the remaining lanes are drawn dimmed.
 */
void
tsc_timeline_layout_set_scope (TscTimelineLayout *self,
                               const TscScope    *scope)
{
  g_return_if_fail (TSC_IS_TIMELINE_LAYOUT (self));

  self->scope_client = scope ? scope->client : NULL;
  g_free (self->scope_user_id);
  self->scope_user_id = scope ? g_strdup (scope->user_id) : NULL;
  self->scope_user = self->scope_user_id ? tsc_identity_model_get_user (self->model, self->scope_user_id)
                                         : NULL;

  for (guint i = 0; i < self->lanes->len; i++)
    {
      Lane *lane = g_ptr_array_index (self->lanes, i);
      lane->pub.in_scope = lane_matches_scope (self, lane);
    }

  self->y_offset = 0;
  relayout (self);
}

gboolean
tsc_timeline_layout_band_in_scope (TscTimelineLayout     *self,
                                   const TscTimelineBand *band)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);
  g_return_val_if_fail (band != NULL, FALSE);

  if (self->scope_user_id == NULL)
    return TRUE;
  if (band->user_id != NULL)
    return strcmp (band->user_id, self->scope_user_id) == 0;
  return stream_has_scope_user (self, band->stream);
}

/**
 * tsc_timeline_layout_band_color:
 *
 * The colour of a band: the userId's own colour, the same in every
 * view, or the neutral anonymous colour.
 */
void
tsc_timeline_layout_band_color (const TscTimelineBand *band,
                                gboolean               dark,
                                GdkRGBA               *color)
{
  g_return_if_fail (band != NULL);
  g_return_if_fail (color != NULL);

  if (band->user_id != NULL)
    tsc_user_color (band->user_id, dark, color);
  else
    tsc_anonymous_color (dark, color);
}

/* ---------------------------------------------------------------------- */
/* Markers                                                                 */

static gboolean
fill_marker (TscTimelineLayout *self,
             guint              position,
             TscTimelineMarker *marker)
{
  const RowInfo *ri = &g_array_index (self->rows, RowInfo, position);
  Lane *lane = g_ptr_array_index (self->lanes, ri->lane);
  const TscIndexRow *row;

  if (!lane->pub.in_scope)
    return FALSE;

  row = tsc_message_index_get_row (self->index, position);
  marker->row = row;
  marker->position = position;
  marker->seq = row->seq;
  marker->time = ri->time;
  marker->lane = lane->display;
  marker->x = tsc_timeline_layout_time_to_x (self, ri->time);
  marker->y = lane->pub.y + TSC_TIMELINE_MARKER_Y;
  marker->shape = tsc_marker_shape_for_type (row->type);
  marker->n_flags = row->n_flags;
  marker->severity = row->n_flags > 0 ? row->severity : TSC_SEVERITY_OFF;
  marker->event = ri->event;
  marker->in_scope = row_in_scope (self, row);
  return TRUE;
}

/**
 * tsc_timeline_layout_peek:
 * @position: an index row
 * @x: (out): where its marker is
 * @lane: (out): its lane, in display order
 * @important: (out): whether it is flagged or a logout or signup
 *
 * The little a frame needs to decide whether to draw a call, from the
 * layout's own 16 bytes per call.
 *
 * Returns: %FALSE when the row's lane is hidden by the scope
 */
gboolean
tsc_timeline_layout_peek (TscTimelineLayout *self,
                          guint              position,
                          double            *x,
                          guint             *lane,
                          gboolean          *important)
{
  const RowInfo *ri;
  const Lane *l;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);

  if (position >= self->rows->len)
    return FALSE;

  ri = &g_array_index (self->rows, RowInfo, position);
  l = g_ptr_array_index (self->lanes, ri->lane);
  if (!l->pub.in_scope)
    return FALSE;

  *x = tsc_timeline_layout_time_to_x (self, ri->time);
  *lane = l->display;
  *important = ri->flagged || ri->event != TSC_TIMELINE_EVENT_NONE;
  return TRUE;
}

/**
 * tsc_timeline_layout_get_marker:
 * @position: an index row
 *
 * Returns: %FALSE when the row's lane is hidden by the scope
 */
gboolean
tsc_timeline_layout_get_marker (TscTimelineLayout *self,
                                guint              position,
                                TscTimelineMarker *marker)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);
  g_return_val_if_fail (marker != NULL, FALSE);

  if (position >= self->rows->len)
    return FALSE;
  return fill_marker (self, position, marker);
}

gboolean
tsc_timeline_layout_find_marker (TscTimelineLayout *self,
                                 gint64             seq,
                                 TscTimelineMarker *marker)
{
  guint position;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);

  if (!tsc_message_index_find_seq (self->index, seq, &position))
    return FALSE;
  return tsc_timeline_layout_get_marker (self, position, marker);
}

/* ---------------------------------------------------------------------- */
/* The view                                                                */

void
tsc_timeline_layout_set_size (TscTimelineLayout *self,
                              int                width,
                              int                height)
{
  g_return_if_fail (TSC_IS_TIMELINE_LAYOUT (self));

  self->width = width;
  self->height = height;
  tsc_timeline_layout_set_y_offset (self, self->y_offset);
}

int
tsc_timeline_layout_get_width (TscTimelineLayout *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), 0);
  return self->width;
}

int
tsc_timeline_layout_get_height (TscTimelineLayout *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), 0);
  return self->height;
}

/**
 * tsc_timeline_layout_set_window:
 * @start: the time at the left edge of the plot area, µs
 * @usec_per_px: the zoom
 */
void
tsc_timeline_layout_set_window (TscTimelineLayout *self,
                                gint64             start,
                                double             usec_per_px)
{
  g_return_if_fail (TSC_IS_TIMELINE_LAYOUT (self));

  self->start = start;
  self->scale = CLAMP (usec_per_px, MIN_SCALE, MAX_SCALE);
}

gint64
tsc_timeline_layout_get_start (TscTimelineLayout *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), 0);
  return self->start;
}

gint64
tsc_timeline_layout_get_end (TscTimelineLayout *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), 0);
  return self->start + (gint64) (plot_width (self) * self->scale);
}

double
tsc_timeline_layout_get_scale (TscTimelineLayout *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), 0);
  return self->scale;
}

double
tsc_timeline_layout_time_to_x (TscTimelineLayout *self,
                               gint64             time)
{
  return TSC_TIMELINE_HEADER_WIDTH + (double) (time - self->start) / self->scale;
}

gint64
tsc_timeline_layout_x_to_time (TscTimelineLayout *self,
                               double             x)
{
  return self->start + (gint64) ((x - TSC_TIMELINE_HEADER_WIDTH) * self->scale);
}

/**
 * tsc_timeline_layout_zoom:
 * @factor: > 1 zooms in, < 1 out
 * @anchor_x: the x that keeps its time (the pointer)
 */
void
tsc_timeline_layout_zoom (TscTimelineLayout *self,
                          double             factor,
                          double             anchor_x)
{
  gint64 anchor;

  g_return_if_fail (TSC_IS_TIMELINE_LAYOUT (self));
  g_return_if_fail (factor > 0);

  anchor = tsc_timeline_layout_x_to_time (self, anchor_x);
  self->scale = CLAMP (self->scale / factor, MIN_SCALE, MAX_SCALE);
  self->start = anchor - (gint64) ((anchor_x - TSC_TIMELINE_HEADER_WIDTH) * self->scale);
}

/**
 * tsc_timeline_layout_pan:
 * @dx: pixels to move the view right (later in time)
 * @dy: pixels to move the view down (lanes further down)
 */
void
tsc_timeline_layout_pan (TscTimelineLayout *self,
                         double             dx,
                         double             dy)
{
  g_return_if_fail (TSC_IS_TIMELINE_LAYOUT (self));

  self->start += (gint64) (dx * self->scale);
  if (dy != 0)
    tsc_timeline_layout_set_y_offset (self, self->y_offset + dy);
}

/**
 * tsc_timeline_layout_fit:
 *
 * Zooms so that every call is in view (the zoom reset).
 */
void
tsc_timeline_layout_fit (TscTimelineLayout *self)
{
  double usable;
  gint64 span;
  gint64 first;

  g_return_if_fail (TSC_IS_TIMELINE_LAYOUT (self));

  if (self->rows->len == 0)
    return;

  usable = MAX (1.0, plot_width (self) - 2 * FIT_PADDING);
  span = self->max_time - self->min_time;
  first = self->min_time;
  if (span < MIN_FIT_SPAN)
    {
      first -= (MIN_FIT_SPAN - span) / 2;
      span = MIN_FIT_SPAN;
    }

  self->scale = CLAMP (span / usable, MIN_SCALE, MAX_SCALE);
  self->start = first - (gint64) (FIT_PADDING * self->scale);
}

/**
 * tsc_timeline_layout_follow:
 *
 * Scrolls, at the current zoom, so that the newest call is in view near
 * the right edge ("follow live").
 */
void
tsc_timeline_layout_follow (TscTimelineLayout *self)
{
  g_return_if_fail (TSC_IS_TIMELINE_LAYOUT (self));

  if (self->rows->len == 0)
    return;

  self->start = self->max_time - (gint64) ((plot_width (self) - FOLLOW_PADDING) * self->scale);
}

/**
 * tsc_timeline_layout_reveal:
 *
 * Scrolls the smallest amount that shows call @seq: centred in time
 * when it is out of view, and its lane on screen.
 *
 * Returns: %TRUE if the view moved
 */
gboolean
tsc_timeline_layout_reveal (TscTimelineLayout *self,
                            gint64             seq)
{
  TscTimelineMarker marker;
  gboolean moved = FALSE;
  double margin = 2 * TSC_TIMELINE_HIT_RADIUS;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);

  if (!tsc_timeline_layout_find_marker (self, seq, &marker))
    return FALSE;

  if (marker.x < TSC_TIMELINE_HEADER_WIDTH + margin || marker.x > self->width - margin)
    {
      self->start = marker.time - (gint64) (plot_width (self) / 2 * self->scale);
      moved = TRUE;
    }

  if (marker.y - TSC_TIMELINE_MARKER_Y < TSC_TIMELINE_AXIS_HEIGHT)
    {
      tsc_timeline_layout_set_y_offset (self, self->y_offset -
                                        (TSC_TIMELINE_AXIS_HEIGHT - (marker.y - TSC_TIMELINE_MARKER_Y)));
      moved = TRUE;
    }
  else if (marker.y - TSC_TIMELINE_MARKER_Y + TSC_TIMELINE_LANE_HEIGHT > self->height)
    {
      tsc_timeline_layout_set_y_offset (self, self->y_offset +
                                        (marker.y - TSC_TIMELINE_MARKER_Y + TSC_TIMELINE_LANE_HEIGHT -
                                         self->height));
      moved = TRUE;
    }

  return moved;
}

double
tsc_timeline_layout_get_content_height (TscTimelineLayout *self)
{
  guint n = 0;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), 0);

  for (guint i = 0; i < self->order->len; i++)
    if (((Lane *) g_ptr_array_index (self->order, i))->pub.in_scope)
      n++;
  return TSC_TIMELINE_AXIS_HEIGHT + n * TSC_TIMELINE_LANE_HEIGHT;
}

double
tsc_timeline_layout_get_y_offset (TscTimelineLayout *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), 0);
  return self->y_offset;
}

void
tsc_timeline_layout_set_y_offset (TscTimelineLayout *self,
                                  double             y_offset)
{
  double max;

  g_return_if_fail (TSC_IS_TIMELINE_LAYOUT (self));

  max = MAX (0.0, tsc_timeline_layout_get_content_height (self) - self->height);
  self->y_offset = CLAMP (y_offset, 0.0, max);
  relayout (self);
}

/**
 * tsc_timeline_layout_lane_at_y:
 * @lane: (out): the lane's index in display order
 */
gboolean
tsc_timeline_layout_lane_at_y (TscTimelineLayout *self,
                               double             y,
                               guint             *lane)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);

  if (y < TSC_TIMELINE_AXIS_HEIGHT)
    return FALSE;

  for (guint i = 0; i < self->order->len; i++)
    {
      Lane *l = g_ptr_array_index (self->order, i);

      if (l->pub.in_scope && y >= l->pub.y && y < l->pub.y + TSC_TIMELINE_LANE_HEIGHT)
        {
          if (lane != NULL)
            *lane = i;
          return TRUE;
        }
    }

  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* Ranges and hit-testing                                                  */

static gboolean
time_in (gint64 time,
         gint64 first,
         gint64 last)
{
  return time >= first && time <= last;
}

/**
 * tsc_timeline_layout_get_range:
 * @begin: (out): the first index row that may fall in the window
 * @end: (out): one past the last such row
 *
 * Finds, by binary search over the blocks' running bounds, the slice of
 * the index that holds every call whose time is in
 * [@first_time, @last_time]. Rows inside the slice may still be outside
 * the window when the client clocks reordered calls: check them with
 * tsc_timeline_layout_row_in_window().
 *
 * Returns: %FALSE when no call can be in the window
 */
gboolean
tsc_timeline_layout_get_range (TscTimelineLayout *self,
                               gint64             first_time,
                               gint64             last_time,
                               guint             *begin,
                               guint             *end)
{
  guint n_blocks;
  guint lo;
  guint hi;
  guint first_block;
  guint end_block;
  guint b;
  guint e;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);

  n_blocks = self->blocks->len;
  if (n_blocks == 0 || first_time > last_time)
    return FALSE;

  /* The first block whose running maximum reaches the window: every
   * row before it is earlier than the window. */
  lo = 0;
  hi = n_blocks;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->blocks, Block, mid).prefix_max < first_time)
        lo = mid + 1;
      else
        hi = mid;
    }
  first_block = lo;

  /* The first block whose running minimum (from the end) is past the
   * window: it and every row after it are later than the window. */
  lo = first_block;
  hi = n_blocks;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->blocks, Block, mid).suffix_min <= last_time)
        lo = mid + 1;
      else
        hi = mid;
    }
  end_block = lo;

  if (first_block >= end_block)
    return FALSE;

  /* Trim the ends to the first and last row really in the window,
   * skipping whole blocks that are not. */
  b = tsc_timeline_layout_next_in_window (self, first_block << BLOCK_SHIFT,
                                          MIN (self->rows->len, end_block << BLOCK_SHIFT),
                                          first_time, last_time);
  e = MIN (self->rows->len, end_block << BLOCK_SHIFT);
  while (e > b)
    {
      const Block *block = &g_array_index (self->blocks, Block, (e - 1) >> BLOCK_SHIFT);

      if (block->max < first_time || block->min > last_time)
        e = ((e - 1) >> BLOCK_SHIFT) << BLOCK_SHIFT;
      else if (!time_in (g_array_index (self->rows, RowInfo, e - 1).time, first_time, last_time))
        e--;
      else
        break;
    }
  if (b >= e)
    return FALSE;

  if (begin != NULL)
    *begin = b;
  if (end != NULL)
    *end = e;
  return TRUE;
}

/**
 * tsc_timeline_layout_get_visible_range:
 *
 * tsc_timeline_layout_get_range() for the time window on screen, with
 * a marker's width either side.
 */
gboolean
tsc_timeline_layout_get_visible_range (TscTimelineLayout *self,
                                       guint             *begin,
                                       guint             *end)
{
  double margin;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);

  margin = TSC_TIMELINE_HIT_RADIUS * self->scale;
  return tsc_timeline_layout_get_range (self, self->start - (gint64) margin,
                                        tsc_timeline_layout_get_end (self) + (gint64) margin,
                                        begin, end);
}

/**
 * tsc_timeline_layout_next_in_window:
 * @from: where to start looking
 * @end: where to stop
 *
 * Walks a range from tsc_timeline_layout_get_range(), skipping blocks
 * of rows that are all outside the window.
 *
 * Returns: the first row at or after @from whose time is in
 *   [@first_time, @last_time], or @end
 */
guint
tsc_timeline_layout_next_in_window (TscTimelineLayout *self,
                                    guint              from,
                                    guint              end,
                                    gint64             first_time,
                                    gint64             last_time)
{
  guint p = from;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), end);

  end = MIN (end, self->rows->len);
  while (p < end)
    {
      const Block *block = &g_array_index (self->blocks, Block, p >> BLOCK_SHIFT);

      if (block->max < first_time || block->min > last_time)
        {
          p = ((p >> BLOCK_SHIFT) + 1) << BLOCK_SHIFT;
          continue;
        }
      if (time_in (g_array_index (self->rows, RowInfo, p).time, first_time, last_time))
        return p;
      p++;
    }

  return end;
}

gboolean
tsc_timeline_layout_row_in_window (TscTimelineLayout *self,
                                   guint              position,
                                   gint64             first_time,
                                   gint64             last_time)
{
  return position < self->rows->len &&
         time_in (g_array_index (self->rows, RowInfo, position).time, first_time, last_time);
}

/**
 * tsc_timeline_layout_band_rect:
 *
 * Where @band of @lane (display order) is drawn, clipped to nothing:
 * the caller clips to the plot area.
 *
 * Returns: %FALSE when the band has no calls yet or is off screen
 */
gboolean
tsc_timeline_layout_band_rect (TscTimelineLayout     *self,
                               guint                  lane,
                               const TscTimelineBand *band,
                               graphene_rect_t       *rect)
{
  const TscTimelineLane *l;
  double x0;
  double x1;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), FALSE);
  g_return_val_if_fail (lane < self->order->len, FALSE);

  l = tsc_timeline_layout_get_lane (self, lane);
  if (!l->in_scope || band->n_messages == 0)
    return FALSE;

  /* The ends of a stream leave room around their markers; segments of
   * one stream meet without a gap. */
  x0 = tsc_timeline_layout_time_to_x (self, band->extent_start);
  x1 = tsc_timeline_layout_time_to_x (self, band->extent_end);
  if (band->opens_stream)
    {
      x0 -= TSC_TIMELINE_HIT_RADIUS + 3;
      if (band->room_start != G_MININT64)
        x0 = MAX (x0, tsc_timeline_layout_time_to_x (self, band->room_start) + 1);
    }
  if (band->closes_stream)
    {
      x1 += TSC_TIMELINE_HIT_RADIUS + 3;
      if (band->room_end != G_MAXINT64)
        x1 = MIN (x1, tsc_timeline_layout_time_to_x (self, band->room_end) - 1);
    }

  if (x1 < TSC_TIMELINE_HEADER_WIDTH || x0 > self->width)
    return FALSE;

  graphene_rect_init (rect, x0, l->y + TSC_TIMELINE_BAND_TOP, x1 - x0, TSC_TIMELINE_BAND_HEIGHT);
  return TRUE;
}

/**
 * tsc_timeline_layout_hit_test:
 * @position: (out) (optional): the call's index row
 *
 * The call under (@x, @y): the nearest marker of the lane at @y within
 * %TSC_TIMELINE_HIT_RADIUS pixels of @x.
 *
 * Returns: its seq, or 0 for none
 */
gint64
tsc_timeline_layout_hit_test (TscTimelineLayout *self,
                              double             x,
                              double             y,
                              guint             *position)
{
  Lane *lane;
  guint display;
  guint begin;
  guint end;
  gint64 first_time;
  gint64 last_time;
  gint64 best_seq = 0;
  double best_distance = G_MAXDOUBLE;

  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), 0);

  if (x < TSC_TIMELINE_HEADER_WIDTH - TSC_TIMELINE_HIT_RADIUS / 2 || x > self->width)
    return 0;
  if (!tsc_timeline_layout_lane_at_y (self, y, &display))
    return 0;

  lane = g_ptr_array_index (self->order, display);
  first_time = tsc_timeline_layout_x_to_time (self, x - TSC_TIMELINE_HIT_RADIUS);
  last_time = tsc_timeline_layout_x_to_time (self, x + TSC_TIMELINE_HIT_RADIUS);
  if (!tsc_timeline_layout_get_range (self, first_time, last_time, &begin, &end))
    return 0;

  for (guint p = begin; p < end;
       p = tsc_timeline_layout_next_in_window (self, p + 1, end, first_time, last_time))
    {
      const RowInfo *ri = &g_array_index (self->rows, RowInfo, p);
      double distance;

      if (ri->lane != lane->id)
        continue;

      /* On a tie the later call wins: it is drawn on top. */
      distance = ABS (tsc_timeline_layout_time_to_x (self, ri->time) - x);
      if (distance <= best_distance)
        {
          best_distance = distance;
          best_seq = tsc_message_index_get_row (self->index, p)->seq;
          if (position != NULL)
            *position = p;
        }
    }

  return best_seq;
}

/* ---------------------------------------------------------------------- */
/* The time axis                                                           */

static const gint64 tick_steps[] = {
  1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
  G_USEC_PER_SEC, 2 * G_USEC_PER_SEC, 5 * G_USEC_PER_SEC, 10 * G_USEC_PER_SEC,
  15 * G_USEC_PER_SEC, 30 * G_USEC_PER_SEC,
  G_TIME_SPAN_MINUTE, 2 * G_TIME_SPAN_MINUTE, 5 * G_TIME_SPAN_MINUTE, 10 * G_TIME_SPAN_MINUTE,
  15 * G_TIME_SPAN_MINUTE, 30 * G_TIME_SPAN_MINUTE,
  G_TIME_SPAN_HOUR, 2 * G_TIME_SPAN_HOUR, 3 * G_TIME_SPAN_HOUR, 6 * G_TIME_SPAN_HOUR,
  12 * G_TIME_SPAN_HOUR, G_TIME_SPAN_DAY, 2 * G_TIME_SPAN_DAY, 7 * G_TIME_SPAN_DAY,
};

static gint64
utc_offset_at (gint64 time)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return 0;
  local = g_date_time_to_local (utc);
  return local ? g_date_time_get_utc_offset (local) : 0;
}

/**
 * tsc_timeline_layout_get_ticks:
 * @min_spacing: the least distance between two ticks, pixels
 * @first: (out): the first tick at or after the window's start
 * @step: (out): the distance between ticks, µs: a round number of
 *   milliseconds, seconds, minutes, hours or days, in local time
 */
void
tsc_timeline_layout_get_ticks (TscTimelineLayout *self,
                               double             min_spacing,
                               gint64            *first,
                               gint64            *step)
{
  gint64 wanted;
  gint64 chosen = 0;
  gint64 offset = 0;
  gint64 local_start;
  gint64 aligned;

  g_return_if_fail (TSC_IS_TIMELINE_LAYOUT (self));
  g_return_if_fail (first != NULL && step != NULL);

  wanted = (gint64) (min_spacing * self->scale);
  for (guint i = 0; i < G_N_ELEMENTS (tick_steps) && chosen == 0; i++)
    if (tick_steps[i] >= wanted)
      chosen = tick_steps[i];
  if (chosen == 0)
    chosen = ((wanted + 7 * G_TIME_SPAN_DAY - 1) / (7 * G_TIME_SPAN_DAY)) * 7 * G_TIME_SPAN_DAY;

  /* Hours and days line up with the local clock. */
  if (chosen >= G_TIME_SPAN_HOUR)
    offset = utc_offset_at (self->start);

  local_start = self->start + offset;
  aligned = local_start - (local_start % chosen + chosen) % chosen;
  if (aligned < local_start)
    aligned += chosen;

  *first = aligned - offset;
  *step = chosen;
}

/**
 * tsc_timeline_format_tick:
 * @step: the distance between ticks
 *
 * Returns: (transfer full): the tick's label, as precise as @step needs;
 *   midnight shows the date
 */
char *
tsc_timeline_format_tick (gint64 time,
                          gint64 step)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  gint64 seconds = time / G_USEC_PER_SEC;
  gint64 usec = time % G_USEC_PER_SEC;

  if (usec < 0)
    {
      usec += G_USEC_PER_SEC;
      seconds--;
    }

  utc = g_date_time_new_from_unix_utc (seconds);
  if (utc == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (utc);

  if (step < G_USEC_PER_SEC)
    {
      g_autofree char *text = g_date_time_format (local, "%H:%M:%S");
      return g_strdup_printf ("%s.%03d", text, (int) (usec / 1000));
    }
  if (step >= G_TIME_SPAN_DAY ||
      (step >= G_TIME_SPAN_MINUTE && g_date_time_get_hour (local) == 0 &&
       g_date_time_get_minute (local) == 0))
    return g_date_time_format (local, "%e %b");
  if (step < G_TIME_SPAN_MINUTE)
    return g_date_time_format (local, "%H:%M:%S");
  return g_date_time_format (local, "%H:%M");
}

/* ---------------------------------------------------------------------- */

TscMessageIndex *
tsc_timeline_layout_get_index (TscTimelineLayout *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), NULL);
  return self->index;
}

TscIdentityModel *
tsc_timeline_layout_get_model (TscTimelineLayout *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE_LAYOUT (self), NULL);
  return self->model;
}

static void
tsc_timeline_layout_finalize (GObject *object)
{
  TscTimelineLayout *self = (TscTimelineLayout *) object;

  g_clear_pointer (&self->streams, g_hash_table_unref);
  g_clear_pointer (&self->device_lanes, g_hash_table_unref);
  g_clear_pointer (&self->user_lanes, g_hash_table_unref);
  g_clear_pointer (&self->order, g_ptr_array_unref);
  g_clear_pointer (&self->lanes, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->blocks, g_array_unref);
  g_clear_pointer (&self->scope_user_id, g_free);
  g_clear_object (&self->index);
  g_clear_object (&self->model);
  g_clear_pointer (&self->config, tsc_rule_config_unref);

  G_OBJECT_CLASS (tsc_timeline_layout_parent_class)->finalize (object);
}

static void
tsc_timeline_layout_class_init (TscTimelineLayoutClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tsc_timeline_layout_finalize;
}

static void
tsc_timeline_layout_init (TscTimelineLayout *self)
{
  self->rows = g_array_new (FALSE, FALSE, sizeof (RowInfo));
  self->blocks = g_array_new (FALSE, FALSE, sizeof (Block));
  self->lanes = g_ptr_array_new_with_free_func ((GDestroyNotify) lane_free);
  self->order = g_ptr_array_new ();
  self->device_lanes = g_hash_table_new (NULL, NULL);
  self->user_lanes = g_hash_table_new (g_str_hash, g_str_equal);
  self->streams = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) stream_info_free);
  self->min_time = G_MAXINT64;
  self->max_time = G_MININT64;
  self->width = 800;
  self->height = 400;
  self->scale = 100000.0;
  self->start = g_get_real_time () - (gint64) ((self->width - TSC_TIMELINE_HEADER_WIDTH) * self->scale);
}

/**
 * tsc_timeline_layout_new:
 * @index: the rows to lay out
 * @model: the identity model the rows were added to
 * @config: (nullable): names of logout and signup events
 *
 * Returns: (transfer full): an empty layout; feed it with
 *   tsc_timeline_layout_update()
 */
TscTimelineLayout *
tsc_timeline_layout_new (TscMessageIndex  *index,
                         TscIdentityModel *model,
                         TscRuleConfig    *config)
{
  TscTimelineLayout *self;

  g_return_val_if_fail (TSC_IS_MESSAGE_INDEX (index), NULL);
  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (model), NULL);

  self = g_object_new (TSC_TYPE_TIMELINE_LAYOUT, NULL);
  self->index = g_object_ref (index);
  self->model = g_object_ref (model);
  self->config = config ? tsc_rule_config_ref (config) : NULL;
  return self;
}
