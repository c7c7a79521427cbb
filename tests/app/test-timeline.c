/* test-timeline.c: the timeline's layout as plain functions, and the
 * live widget in a real window under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-timeline"

#include "config.h"

#include "tsc-test-util.h"
#include "tsc-timeline.h"
#include "tsc-wire.h"

/* 2024-05-14 10:00:00 UTC */
#define T0 (G_GINT64_CONSTANT (1715680800) * G_USEC_PER_SEC)
#define AT(seconds) (T0 + (gint64) ((double) (seconds) * G_USEC_PER_SEC))

/* ---------------------------------------------------------------------- */
/* Building sessions                                                       */

typedef enum
{
  DEVICE_WEB,      /* a desktop browser on https://shop.example */
  DEVICE_MOBILE,   /* a phone's browser on https://m.shop.example */
  DEVICE_IOS,      /* an app tagged with the lane "ios-app" */
  DEVICE_SERVER,   /* analytics-node on the backend */
  N_DEVICES
} Device;

typedef struct
{
  TscSession   *session;
  TscTransport *transports[N_DEVICES];
  GPtrArray    *pending;
  gint64        seq;
} Builder;

static TscTransport *
new_transport (const char *remote_addr,
               const char *user_agent,
               const char *origin,
               const char *lane)
{
  TscTransport *t = tsc_transport_new ();

  t->method = g_strdup ("POST");
  t->path = lane ? g_strdup_printf ("/lane/%s/v1/batch", lane) : g_strdup ("/v1/batch");
  t->route = g_strdup ("/v1/batch");
  t->lane = g_strdup (lane);
  t->remote_addr = g_strdup (remote_addr);
  t->user_agent = g_strdup (user_agent);
  t->origin = g_strdup (origin);
  t->write_key = g_strdup ("wk_test");
  return t;
}

static void
builder_init (Builder *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscRuleConfig) config = tsc_rule_config_new ("segment", &error);

  g_assert_no_error (error);
  b->session = tsc_session_new (config);
  b->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  b->seq = 0;
  b->transports[DEVICE_WEB] =
    new_transport ("203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
                   "https://shop.example", NULL);
  b->transports[DEVICE_MOBILE] =
    new_transport ("198.51.100.23",
                   "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile Safari",
                   "https://m.shop.example", NULL);
  b->transports[DEVICE_IOS] = new_transport ("198.51.100.40", "ShopApp/3.2 (iOS 17.4)", NULL, "ios-app");
  b->transports[DEVICE_SERVER] = new_transport ("10.0.0.5", "analytics-node/2.1", NULL, NULL);
}

static void
builder_clear (Builder *b)
{
  for (guint i = 0; i < N_DEVICES; i++)
    g_clear_pointer (&b->transports[i], tsc_transport_unref);
  g_clear_pointer (&b->pending, g_ptr_array_unref);
  g_clear_object (&b->session);
}

static gint64 add (Builder    *b,
                   Device      device,
                   double      seconds,
                   const char *format,
                   ...) G_GNUC_PRINTF (4, 5);

/* Queues one call received at @seconds after T0, from NDJSON text. */
static gint64
add (Builder    *b,
     Device      device,
     double      seconds,
     const char *format,
     ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GBytes) bytes = NULL;
  va_list args;
  char *json;

  va_start (args, format);
  json = g_strdup_vprintf (format, args);
  va_end (args);
  bytes = g_bytes_new_take (json, strlen (json));

  messages = tsc_wire_decode_document (bytes, b->transports[device], AT (seconds), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);

  for (guint i = 0; i < messages->len; i++)
    {
      TscMessage *m = g_ptr_array_index (messages, i);

      m->seq = ++b->seq;
      g_ptr_array_add (b->pending, tsc_message_ref (m));
    }
  return b->seq;
}

/* Hands the queued calls to the session and emits messages-added. */
static void
flush (Builder *b)
{
  tsc_session_add_messages (b->session, b->pending);
  tsc_session_flush (b->session);
  g_ptr_array_set_size (b->pending, 0);
}

/* The small session the layout tests share: two devices, a logout and
 * a reset on the first, a server-side call for the first user. */
typedef struct
{
  gint64 home;        /* web, anonymous a-1 */
  gint64 identify;    /* web, a-1 as u-ann */
  gint64 signup;
  gint64 logout;
  gint64 after_reset; /* web, anonymous a-2 */
  gint64 feed;        /* ios, anonymous i-1 */
  gint64 bob;         /* ios, i-1 as u-bob */
  gint64 group;
  gint64 server;      /* server, u-ann without anonymousId */
} Small;

static void
add_small_devices (Builder *b,
                   Small   *s)
{
  s->home = add (b, DEVICE_WEB, 0, "{\"type\":\"page\",\"name\":\"Home\",\"anonymousId\":\"a-1\"}");
  s->identify = add (b, DEVICE_WEB, 5, "{\"type\":\"identify\",\"userId\":\"u-ann\",\"anonymousId\":\"a-1\"}");
  s->signup = add (b, DEVICE_WEB, 10,
                   "{\"type\":\"track\",\"event\":\"Signed Up\",\"userId\":\"u-ann\",\"anonymousId\":\"a-1\"}");
  s->feed = add (b, DEVICE_IOS, 12, "{\"type\":\"screen\",\"name\":\"Feed\",\"anonymousId\":\"i-1\"}");
  s->bob = add (b, DEVICE_IOS, 15, "{\"type\":\"identify\",\"userId\":\"u-bob\",\"anonymousId\":\"i-1\"}");
}

static void
add_small_rest (Builder *b,
                Small   *s)
{
  s->group = add (b, DEVICE_IOS, 16,
                  "{\"type\":\"group\",\"groupId\":\"g-1\",\"userId\":\"u-bob\",\"anonymousId\":\"i-1\"}");
  s->logout = add (b, DEVICE_WEB, 20,
                   "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"u-ann\",\"anonymousId\":\"a-1\"}");
  s->server = add (b, DEVICE_SERVER, 25,
                   "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u-ann\"}");
  s->after_reset = add (b, DEVICE_WEB, 30, "{\"type\":\"page\",\"name\":\"Home\",\"anonymousId\":\"a-2\"}");
}

static void
build_small (Builder *b,
             Small   *s)
{
  builder_init (b);
  add_small_devices (b, s);
  add_small_rest (b, s);
  flush (b);
}

static TscTimelineLayout *
layout_for (TscSession *session)
{
  TscTimelineLayout *layout = tsc_timeline_layout_new (tsc_session_get_index (session),
                                                       tsc_session_get_model (session),
                                                       tsc_session_get_config (session));

  tsc_timeline_layout_set_size (layout, 1000, 400);
  tsc_timeline_layout_update (layout, 0, tsc_session_get_n_messages (session));
  tsc_timeline_layout_fit (layout);
  return layout;
}

static const TscTimelineLane *
device_lane (TscTimelineLayout *layout,
             const char        *label)
{
  for (guint i = 0; i < tsc_timeline_layout_get_n_lanes (layout); i++)
    {
      const TscTimelineLane *lane = tsc_timeline_layout_get_lane (layout, i);

      if (lane->kind == TSC_TIMELINE_LANE_DEVICE && g_strcmp0 (lane->label, label) == 0)
        return lane;
    }
  g_assert_not_reached ();
  return NULL;
}

static guint
lane_index (TscTimelineLayout     *layout,
            const TscTimelineLane *lane)
{
  for (guint i = 0; i < tsc_timeline_layout_get_n_lanes (layout); i++)
    if (tsc_timeline_layout_get_lane (layout, i) == lane)
      return i;
  g_assert_not_reached ();
  return 0;
}

static const TscTimelineBand *
band (const TscTimelineLane *lane,
      guint                  i)
{
  g_assert_cmpuint (i, <, lane->bands->len);
  return &g_array_index (lane->bands, TscTimelineBand, i);
}

static void
assert_rgba_equal (const GdkRGBA *a,
                   const GdkRGBA *b)
{
  g_assert_true (gdk_rgba_equal (a, b));
}

/* ---------------------------------------------------------------------- */
/* The layout, without a display                                           */

static void
test_layout_lanes (void)
{
  Builder b;
  Small s;
  g_autoptr(TscTimelineLayout) layout = NULL;
  const TscTimelineLane *web;
  const TscTimelineLane *ios;
  const TscTimelineLane *ann;
  const TscTimelineDivider *divider;
  guint user_lane;

  build_small (&b, &s);
  layout = layout_for (b.session);

  /* One lane per device, the server's call on its user's lane, and no
   * lane for the server itself. */
  g_assert_cmpuint (tsc_timeline_layout_get_n_lanes (layout), ==, 3);
  web = device_lane (layout, "shop.example · Firefox");
  ios = device_lane (layout, "lane ios-app");
  g_assert_cmpuint (lane_index (layout, web), ==, 0);
  g_assert_cmpuint (lane_index (layout, ios), ==, 1);
  g_assert_true (tsc_timeline_layout_find_user_lane (layout, "u-ann", &user_lane));
  g_assert_cmpuint (user_lane, ==, 2);
  g_assert_false (tsc_timeline_layout_find_user_lane (layout, "u-bob", NULL));
  ann = tsc_timeline_layout_get_lane (layout, user_lane);
  g_assert_cmpint (ann->kind, ==, TSC_TIMELINE_LANE_USER);
  g_assert_cmpstr (ann->label, ==, "u-ann");
  g_assert_cmpuint (ann->n_messages, ==, 1);

  /* The web device: two streams, anonymous → u-ann, then anonymous
   * again after the inferred reset. */
  g_assert_cmpuint (web->n_streams, ==, 2);
  g_assert_cmpuint (web->n_messages, ==, 5);
  g_assert_cmpuint (web->bands->len, ==, 3);
  g_assert_null (band (web, 0)->user_id);
  g_assert_cmpint (band (web, 0)->first_seq, ==, s.home);
  g_assert_cmpint (band (web, 0)->start, ==, AT (0));
  g_assert_cmpstr (band (web, 1)->user_id, ==, "u-ann");
  g_assert_cmpint (band (web, 1)->first_seq, ==, s.identify);
  g_assert_cmpint (band (web, 1)->last_seq, ==, s.logout);
  g_assert_cmpint (band (web, 1)->start, ==, AT (5));
  g_assert_cmpint (band (web, 1)->end, ==, AT (20));
  g_assert_null (band (web, 2)->user_id);
  g_assert_cmpint (band (web, 2)->first_seq, ==, s.after_reset);
  g_assert_true (band (web, 2)->stream != band (web, 1)->stream);

  /* Segments of one stream meet halfway; streams keep their own ends. */
  g_assert_true (band (web, 0)->opens_stream);
  g_assert_false (band (web, 0)->closes_stream);
  g_assert_cmpint (band (web, 0)->extent_end, ==, AT (2.5));
  g_assert_cmpint (band (web, 1)->extent_start, ==, AT (2.5));
  g_assert_true (band (web, 1)->closes_stream);
  g_assert_true (band (web, 2)->opens_stream);

  /* Streams of one device leave each other room: their padded ends
   * stop where the divider is. */
  g_assert_cmpint (band (web, 0)->room_start, ==, G_MININT64);
  g_assert_cmpint (band (web, 1)->room_end, ==, AT (25));
  g_assert_cmpint (band (web, 2)->room_start, ==, AT (25));
  g_assert_cmpint (band (web, 2)->room_end, ==, G_MAXINT64);
  {
    graphene_rect_t before;
    graphene_rect_t after;

    tsc_timeline_layout_set_window (layout, AT (20), G_USEC_PER_SEC / 2);  /* 2 px a second */
    g_assert_true (tsc_timeline_layout_band_rect (layout, 0, band (web, 1), &before));
    g_assert_true (tsc_timeline_layout_band_rect (layout, 0, band (web, 2), &after));
    g_assert_cmpfloat (before.origin.x + before.size.width, <, tsc_timeline_layout_time_to_x (layout, AT (25)));
    g_assert_cmpfloat (after.origin.x, >, tsc_timeline_layout_time_to_x (layout, AT (25)));
    g_assert_cmpfloat (after.origin.x, <, tsc_timeline_layout_time_to_x (layout, AT (30)));
    tsc_timeline_layout_fit (layout);
  }

  /* The reset sits halfway between the logout and the new stream. */
  g_assert_cmpuint (web->dividers->len, ==, 1);
  divider = &g_array_index (web->dividers, TscTimelineDivider, 0);
  g_assert_cmpint (divider->time, ==, AT (25));
  g_assert_true (divider->before == band (web, 1)->stream);
  g_assert_true (divider->after == band (web, 2)->stream);

  /* The other device has no reset. */
  g_assert_cmpuint (ios->n_streams, ==, 1);
  g_assert_cmpuint (ios->bands->len, ==, 2);
  g_assert_cmpuint (ios->dividers->len, ==, 0);
  g_assert_cmpstr (band (ios, 1)->user_id, ==, "u-bob");
  g_assert_cmpuint (band (ios, 1)->n_messages, ==, 2);

  builder_clear (&b);
}

static void
test_layout_colors_stable (void)
{
  Builder b1;
  Builder b2;
  Small s;
  g_autoptr(TscTimelineLayout) first = NULL;
  g_autoptr(TscTimelineLayout) second = NULL;
  const TscTimelineLane *web;
  const TscTimelineLane *ios;
  const TscTimelineLane *ann;
  GdkRGBA a;
  GdkRGBA b;
  GdkRGBA expected;
  guint user_lane;

  build_small (&b1, &s);
  first = layout_for (b1.session);
  build_small (&b2, &s);
  second = layout_for (b2.session);

  for (int dark = 0; dark <= 1; dark++)
    {
      /* A userId has the same colour in another session and on its own
       * server lane... */
      web = device_lane (first, "shop.example · Firefox");
      tsc_timeline_layout_band_color (band (web, 1), dark, &a);
      tsc_user_color ("u-ann", dark, &expected);
      assert_rgba_equal (&a, &expected);

      tsc_timeline_layout_band_color (band (device_lane (second, "shop.example · Firefox"), 1), dark, &b);
      assert_rgba_equal (&a, &b);

      g_assert_true (tsc_timeline_layout_find_user_lane (first, "u-ann", &user_lane));
      ann = tsc_timeline_layout_get_lane (first, user_lane);
      tsc_timeline_layout_band_color (band (ann, 0), dark, &b);
      assert_rgba_equal (&a, &b);

      /* ...another user has another, and anonymous bands are neutral. */
      ios = device_lane (first, "lane ios-app");
      tsc_timeline_layout_band_color (band (ios, 1), dark, &b);
      g_assert_false (gdk_rgba_equal (&a, &b));

      tsc_anonymous_color (dark, &expected);
      tsc_timeline_layout_band_color (band (web, 0), dark, &b);
      assert_rgba_equal (&b, &expected);
      tsc_timeline_layout_band_color (band (web, 2), dark, &b);
      assert_rgba_equal (&b, &expected);
    }

  builder_clear (&b1);
  builder_clear (&b2);
}

typedef struct
{
  const char     *json;
  TscMarkerShape  shape;
} ShapeCase;

static void
test_layout_marker_shapes (void)
{
  static const ShapeCase cases[] = {
    { "{\"type\":\"track\",\"event\":\"Clicked\",\"anonymousId\":\"s-1\"}", TSC_MARKER_CIRCLE },
    { "{\"type\":\"page\",\"name\":\"Home\",\"anonymousId\":\"s-1\"}", TSC_MARKER_SQUARE },
    { "{\"type\":\"screen\",\"name\":\"Feed\",\"anonymousId\":\"s-1\"}", TSC_MARKER_SQUARE },
    { "{\"type\":\"identify\",\"userId\":\"u-1\",\"anonymousId\":\"s-1\"}", TSC_MARKER_DIAMOND },
    { "{\"type\":\"alias\",\"previousId\":\"s-1\",\"userId\":\"u-1\",\"anonymousId\":\"s-1\"}", TSC_MARKER_TRIANGLE },
    { "{\"type\":\"group\",\"groupId\":\"g\",\"userId\":\"u-1\",\"anonymousId\":\"s-1\"}", TSC_MARKER_HEXAGON },
    { "{\"type\":\"flush\",\"anonymousId\":\"s-1\"}", TSC_MARKER_CROSS },
  };
  Builder b;
  g_autoptr(TscTimelineLayout) layout = NULL;
  gint64 seqs[G_N_ELEMENTS (cases)];

  builder_init (&b);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    seqs[i] = add (&b, DEVICE_WEB, i, "%s", cases[i].json);
  flush (&b);
  layout = layout_for (b.session);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TscTimelineMarker marker;

      g_test_message ("%s", cases[i].json);
      g_assert_true (tsc_timeline_layout_find_marker (layout, seqs[i], &marker));
      g_assert_cmpint (marker.shape, ==, cases[i].shape);
      g_assert_cmpint (marker.seq, ==, seqs[i]);
      g_assert_cmpuint (marker.lane, ==, 0);
    }

  builder_clear (&b);
}

static void
test_layout_markers (void)
{
  Builder b;
  Small s;
  g_autoptr(TscTimelineLayout) layout = NULL;
  TscTimelineMarker signup;
  TscTimelineMarker logout;
  TscTimelineMarker server;
  TscTimelineMarker home;
  const TscTimelineLane *web;
  guint user_lane;

  builder_init (&b);
  add_small_devices (&b, &s);
  add_small_rest (&b, &s);
  /* A junk userId is flagged (a warning) on the call itself. */
  add (&b, DEVICE_WEB, 40, "{\"type\":\"identify\",\"userId\":\"null\",\"anonymousId\":\"a-2\"}");
  flush (&b);
  layout = layout_for (b.session);
  web = device_lane (layout, "shop.example · Firefox");

  g_assert_true (tsc_timeline_layout_find_marker (layout, s.signup, &signup));
  g_assert_true (tsc_timeline_layout_find_marker (layout, s.logout, &logout));
  g_assert_true (tsc_timeline_layout_find_marker (layout, s.home, &home));
  g_assert_cmpint (signup.event, ==, TSC_TIMELINE_EVENT_SIGNUP);
  g_assert_cmpint (logout.event, ==, TSC_TIMELINE_EVENT_LOGOUT);
  g_assert_cmpint (home.event, ==, TSC_TIMELINE_EVENT_NONE);

  /* x follows time, y the lane. */
  g_assert_cmpfloat (home.x, <, signup.x);
  g_assert_cmpfloat (signup.x, <, logout.x);
  g_assert_cmpfloat_with_epsilon ((logout.x - signup.x) / (signup.x - home.x), (20.0 - 10) / (10 - 0), 0.001);
  g_assert_cmpfloat_with_epsilon (home.y, web->y + TSC_TIMELINE_MARKER_Y, 0.001);
  g_assert_cmpfloat (home.x, >=, TSC_TIMELINE_HEADER_WIDTH);
  g_assert_cmpfloat (logout.x, <=, 1000);

  g_assert_true (tsc_timeline_layout_find_user_lane (layout, "u-ann", &user_lane));
  g_assert_true (tsc_timeline_layout_find_marker (layout, s.server, &server));
  g_assert_cmpuint (server.lane, ==, user_lane);

  /* The worst severity colours the marker. */
  g_assert_cmpint (home.severity, ==, TSC_SEVERITY_OFF);
  {
    TscTimelineMarker junk;

    g_assert_true (tsc_timeline_layout_find_marker (layout, b.seq, &junk));
    g_assert_cmpuint (junk.n_flags, >=, 1);
    g_assert_cmpint (junk.severity, ==, TSC_SEVERITY_WARNING);
  }

  builder_clear (&b);
}

static void
test_layout_visible_range (void)
{
  Builder b;
  g_autoptr(TscTimelineLayout) layout = NULL;
  guint n = 10000;
  guint begin;
  guint end;

  builder_init (&b);
  for (guint i = 0; i < n; i++)
    add (&b, DEVICE_WEB, i, "{\"type\":\"track\",\"event\":\"Tick\",\"anonymousId\":\"r-1\"}");
  flush (&b);

  layout = tsc_timeline_layout_new (tsc_session_get_index (b.session), tsc_session_get_model (b.session),
                                    tsc_session_get_config (b.session));
  tsc_timeline_layout_update (layout, 0, n);
  /* 1000 pixels of plot, one second each. */
  tsc_timeline_layout_set_size (layout, (int) TSC_TIMELINE_HEADER_WIDTH + 1000, 400);
  tsc_timeline_layout_set_window (layout, AT (1000), G_USEC_PER_SEC);
  g_assert_cmpint (tsc_timeline_layout_get_end (layout), ==, AT (2000));

  /* Exactly the calls in the window, found without a scan. */
  g_assert_true (tsc_timeline_layout_get_range (layout, AT (1000), AT (2000), &begin, &end));
  g_assert_cmpuint (begin, ==, 1000);
  g_assert_cmpuint (end, ==, 2001);
  g_assert_true (tsc_timeline_layout_get_visible_range (layout, &begin, &end));
  g_assert_cmpuint (begin, >=, 990);
  g_assert_cmpuint (end, <=, 2011);
  g_assert_false (tsc_timeline_layout_get_range (layout, AT (-100), AT (-1), &begin, &end));
  g_assert_false (tsc_timeline_layout_get_range (layout, AT (n + 1), AT (n + 100), &begin, &end));

  /* A late arrival stamped long ago by the client's clock (an offline
   * queue) is still found where its time puts it. */
  add (&b, DEVICE_WEB, n + 1,
       "{\"type\":\"track\",\"event\":\"Queued\",\"anonymousId\":\"r-1\","
       "\"timestamp\":\"2024-05-14T10:25:00.500Z\",\"sentAt\":\"2024-05-14T12:46:41.000Z\"}");
  flush (&b);
  tsc_timeline_layout_update (layout, n, 1);
  g_assert_cmpint (tsc_message_index_get_row (tsc_session_get_index (b.session), n)->time, ==, AT (1500.5));

  g_assert_true (tsc_timeline_layout_get_range (layout, AT (1000), AT (2000), &begin, &end));
  g_assert_cmpuint (begin, ==, 1000);
  g_assert_cmpuint (end, ==, n + 1);
  g_assert_cmpuint (tsc_timeline_layout_next_in_window (layout, 2001, end, AT (1000), AT (2000)), ==, n);

  /* Elsewhere the window is as tight as before. */
  g_assert_true (tsc_timeline_layout_get_range (layout, AT (5000), AT (5010), &begin, &end));
  g_assert_cmpuint (begin, ==, 5000);
  g_assert_cmpuint (end, ==, 5011);

  builder_clear (&b);
}

static void
test_layout_hit_test (void)
{
  Builder b;
  Small s;
  g_autoptr(TscTimelineLayout) layout = NULL;
  TscTimelineMarker logout;
  TscTimelineMarker feed;
  guint position;

  build_small (&b, &s);
  layout = layout_for (b.session);
  g_assert_true (tsc_timeline_layout_find_marker (layout, s.logout, &logout));
  g_assert_true (tsc_timeline_layout_find_marker (layout, s.feed, &feed));

  g_assert_cmpint (tsc_timeline_layout_hit_test (layout, logout.x, logout.y, &position), ==, s.logout);
  g_assert_cmpuint (position, ==, logout.position);
  g_assert_cmpint (tsc_timeline_layout_hit_test (layout, logout.x + 3, logout.y - 4, NULL), ==, s.logout);

  /* Nothing in another lane at that time, nor between calls, nor on the
   * headers or the axis. */
  g_assert_cmpint (tsc_timeline_layout_hit_test (layout, logout.x, feed.y, NULL), ==, 0);
  g_assert_cmpint (tsc_timeline_layout_hit_test (layout, logout.x + 40, logout.y, NULL), ==, 0);
  g_assert_cmpint (tsc_timeline_layout_hit_test (layout, 20, logout.y, NULL), ==, 0);
  g_assert_cmpint (tsc_timeline_layout_hit_test (layout, logout.x, 5, NULL), ==, 0);
  g_assert_cmpint (tsc_timeline_layout_hit_test (layout, feed.x + 1, feed.y, NULL), ==, s.feed);

  /* After zooming around the logout it is still where the pointer is. */
  tsc_timeline_layout_zoom (layout, 8, logout.x);
  g_assert_cmpint (tsc_timeline_layout_hit_test (layout, logout.x, logout.y, NULL), ==, s.logout);
  g_assert_cmpint (tsc_timeline_layout_hit_test (layout, feed.x, feed.y, NULL), ==, 0);

  builder_clear (&b);
}

static void
test_layout_scope (void)
{
  Builder b;
  Small s;
  g_autoptr(TscTimelineLayout) layout = NULL;
  const TscTimelineLane *web;
  const TscTimelineLane *ios;
  const TscTimelineLane *ann;
  TscTimelineMarker marker;
  TscScope scope = { 0 };
  guint user_lane;

  build_small (&b, &s);
  layout = layout_for (b.session);
  web = device_lane (layout, "shop.example · Firefox");
  ios = device_lane (layout, "lane ios-app");
  g_assert_true (tsc_timeline_layout_find_user_lane (layout, "u-ann", &user_lane));
  ann = tsc_timeline_layout_get_lane (layout, user_lane);

  /* One device: only its lane, moved to the top. */
  scope.client = ios->client;
  tsc_timeline_layout_set_scope (layout, &scope);
  g_assert_false (web->in_scope);
  g_assert_true (ios->in_scope);
  g_assert_false (ann->in_scope);
  g_assert_cmpfloat (ios->y, ==, TSC_TIMELINE_AXIS_HEIGHT);
  g_assert_false (tsc_timeline_layout_find_marker (layout, s.home, &marker));
  g_assert_true (tsc_timeline_layout_find_marker (layout, s.feed, &marker));
  g_assert_true (marker.in_scope);
  g_assert_cmpfloat (tsc_timeline_layout_get_content_height (layout), ==,
                     TSC_TIMELINE_AXIS_HEIGHT + TSC_TIMELINE_LANE_HEIGHT);

  /* One user: the devices they used and their server lane; what is not
   * theirs is dimmed. */
  scope.client = NULL;
  scope.user_id = "u-ann";
  tsc_timeline_layout_set_scope (layout, &scope);
  g_assert_true (web->in_scope);
  g_assert_false (ios->in_scope);
  g_assert_true (ann->in_scope);
  g_assert_true (tsc_timeline_layout_find_marker (layout, s.home, &marker));
  g_assert_true (marker.in_scope);   /* anonymous, on the stream u-ann was identified on */
  g_assert_true (tsc_timeline_layout_find_marker (layout, s.after_reset, &marker));
  g_assert_false (marker.in_scope);  /* after the reset: someone else, maybe */
  g_assert_true (tsc_timeline_layout_band_in_scope (layout, band (web, 1)));
  g_assert_false (tsc_timeline_layout_band_in_scope (layout, band (web, 2)));
  g_assert_cmpint (tsc_timeline_layout_hit_test (layout, marker.x, ios->y + TSC_TIMELINE_MARKER_Y, NULL), !=, s.feed);

  tsc_timeline_layout_set_scope (layout, NULL);
  g_assert_true (ios->in_scope);
  g_assert_true (tsc_timeline_layout_find_marker (layout, s.after_reset, &marker));
  g_assert_true (marker.in_scope);

  builder_clear (&b);
}

static void
test_layout_incremental (void)
{
  Builder b;
  Small s;
  g_autoptr(TscTimelineLayout) layout = NULL;
  const TscTimelineLane *web;
  const TscTimelineBand *anonymous;
  TscTimelineMarker marker;
  gboolean important;
  gint64 first;
  double x;
  guint lane;

  builder_init (&b);
  add_small_devices (&b, &s);
  flush (&b);
  layout = layout_for (b.session);
  g_assert_cmpuint (tsc_timeline_layout_get_n_rows (layout), ==, 5);
  g_assert_cmpuint (tsc_timeline_layout_get_n_lanes (layout), ==, 2);
  web = device_lane (layout, "shop.example · Firefox");
  g_assert_cmpuint (web->bands->len, ==, 2);
  g_assert_cmpint (band (web, 1)->end, ==, AT (10));

  /* The next batch extends what is there: same lanes, longer bands, a
   * new lane after the devices, and the reset. */
  add_small_rest (&b, &s);
  flush (&b);
  tsc_timeline_layout_update (layout, 5, 4);
  g_assert_cmpuint (tsc_timeline_layout_get_n_rows (layout), ==, 9);
  g_assert_true (device_lane (layout, "shop.example · Firefox") == web);
  g_assert_cmpuint (lane_index (layout, web), ==, 0);
  g_assert_cmpuint (tsc_timeline_layout_get_n_lanes (layout), ==, 3);
  g_assert_cmpuint (web->bands->len, ==, 3);
  g_assert_cmpint (band (web, 1)->end, ==, AT (20));
  g_assert_cmpuint (web->dividers->len, ==, 1);

  /* The same rows again change nothing. */
  anonymous = band (web, 0);
  tsc_timeline_layout_update (layout, 5, 4);
  g_assert_cmpuint (tsc_timeline_layout_get_n_rows (layout), ==, 9);
  g_assert_cmpuint (anonymous->n_messages, ==, 1);

  tsc_timeline_layout_update (layout, 0, 9);
  g_assert_cmpuint (tsc_timeline_layout_get_n_rows (layout), ==, 9);
  g_assert_cmpuint (anonymous->n_messages, ==, 1);
  g_assert_cmpuint (web->n_messages, ==, 5);

  /* A later call can flag an earlier one (identity bleed flags both
   * identifies): the earlier marker turns to an error. */
  first = add (&b, DEVICE_IOS, 40, "{\"type\":\"identify\",\"userId\":\"u-cat\",\"anonymousId\":\"i-2\"}");
  flush (&b);
  tsc_timeline_layout_update (layout, 9, 1);
  g_assert_true (tsc_timeline_layout_peek (layout, 9, &x, &lane, &important));
  g_assert_false (important);
  add (&b, DEVICE_IOS, 41, "{\"type\":\"identify\",\"userId\":\"u-dan\",\"anonymousId\":\"i-2\"}");
  flush (&b);
  tsc_timeline_layout_update (layout, 10, 1);
  g_assert_true (tsc_timeline_layout_peek (layout, 9, &x, &lane, &important));
  g_assert_true (important);
  g_assert_true (tsc_timeline_layout_find_marker (layout, first, &marker));
  g_assert_cmpint (marker.severity, ==, TSC_SEVERITY_ERROR);
  g_assert_cmpfloat (marker.x, ==, x);
  g_assert_cmpuint (marker.lane, ==, lane);

  builder_clear (&b);
}

static void
test_layout_zoom_and_ticks (void)
{
  Builder b;
  Small s;
  g_autoptr(TscTimelineLayout) layout = NULL;
  gint64 anchor;
  gint64 first;
  gint64 step;
  gint64 bounds_first;
  gint64 bounds_last;
  g_autofree char *label = NULL;

  build_small (&b, &s);
  layout = layout_for (b.session);

  /* Fitting shows every call. */
  g_assert_true (tsc_timeline_layout_get_time_bounds (layout, &bounds_first, &bounds_last));
  g_assert_cmpint (bounds_first, ==, AT (0));
  g_assert_cmpint (bounds_last, ==, AT (30));
  g_assert_cmpint (tsc_timeline_layout_get_start (layout), <, AT (0));
  g_assert_cmpint (tsc_timeline_layout_get_end (layout), >, AT (30));

  /* Zoom keeps the time under the pointer. */
  anchor = tsc_timeline_layout_x_to_time (layout, 600);
  tsc_timeline_layout_zoom (layout, 4, 600);
  g_assert_cmpint (ABS (tsc_timeline_layout_x_to_time (layout, 600) - anchor), <=,
                   (gint64) tsc_timeline_layout_get_scale (layout));
  tsc_timeline_layout_zoom (layout, 0.25, 600);
  g_assert_cmpint (ABS (tsc_timeline_layout_x_to_time (layout, 600) - anchor), <=,
                   (gint64) tsc_timeline_layout_get_scale (layout));

  /* Ticks: round steps, at least the asked spacing apart. */
  tsc_timeline_layout_set_window (layout, AT (0.3), 600000.0);   /* 0.6 s a pixel */
  tsc_timeline_layout_get_ticks (layout, 96, &first, &step);
  g_assert_cmpint (step, ==, G_TIME_SPAN_MINUTE);
  g_assert_cmpint (first, ==, AT (60));
  label = tsc_timeline_format_tick (first, step);
  g_assert_cmpstr (label, ==, "10:01");
  g_clear_pointer (&label, g_free);

  tsc_timeline_layout_set_window (layout, AT (0.31), 500.0);     /* 0.5 ms a pixel */
  tsc_timeline_layout_get_ticks (layout, 96, &first, &step);
  g_assert_cmpint (step, ==, 50000);
  g_assert_cmpint (first, ==, AT (0.35));
  label = tsc_timeline_format_tick (first, step);
  g_assert_cmpstr (label, ==, "10:00:00.350");

  builder_clear (&b);
}

/* ---------------------------------------------------------------------- */
/* The widget, in a window                                                 */

typedef struct
{
  Builder      b;
  Small        s;
  GtkWindow   *window;
  TscTimeline *timeline;
  guint        n_selected_notifies;
} Fixture;

static gboolean
is_allocated (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_mapped (GTK_WIDGET (f->timeline)) &&
         gtk_widget_get_width (GTK_WIDGET (f->timeline)) > 0;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets GTK lay out and restyle (a frame or two). */
static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_selected_notify_cb (GObject    *object,
                       GParamSpec *pspec,
                       Fixture    *f)
{
  f->n_selected_notifies++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  builder_init (&f->b);
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, GPOINTER_TO_INT (data) ? 1280 : 900,
                               GPOINTER_TO_INT (data) ? 430 : 300);
  gtk_window_set_decorated (f->window, FALSE);
  f->timeline = TSC_TIMELINE (tsc_timeline_new ());
  g_signal_connect (f->timeline, "notify::selected-seq", G_CALLBACK (on_selected_notify_cb), f);
  gtk_window_set_child (f->window, GTK_WIDGET (f->timeline));
  tsc_timeline_set_session (f->timeline, f->b.session);
  gtk_window_present (f->window);
  g_assert_true (tsc_test_wait_until (is_allocated, f, 10000));
  f->n_selected_notifies = 0;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (f->window);
  builder_clear (&f->b);
}

/* The widget's frame as GTK last drew it: a GtkWidgetPaintable holds
 * the render node of the last frame, so let a frame be drawn first. */
static GskRenderNode *
render_node (TscTimeline *timeline)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (timeline));

  gtk_widget_queue_draw (GTK_WIDGET (timeline));
  for (guint i = 0; i < 100; i++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      GskRenderNode *node;

      spin (20);
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot),
                              gtk_widget_get_width (GTK_WIDGET (timeline)),
                              gtk_widget_get_height (GTK_WIDGET (timeline)));
      node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL)
        return node;
    }

  return NULL;
}

static GdkTexture *
render_texture (TscTimeline *timeline)
{
  g_autoptr(GskRenderNode) node = render_node (timeline);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (GTK_WIDGET (timeline)));

  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node,
                                      &GRAPHENE_RECT_INIT (0, 0,
                                                           gtk_widget_get_width (GTK_WIDGET (timeline)),
                                                           gtk_widget_get_height (GTK_WIDGET (timeline))));
}

/* The pixel at (x, y) as 0xAARRGGBB. */
static guint32
pixel_at (GdkTexture *texture,
          int         x,
          int         y)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *data = g_new (guint32, (gsize) width * height);

  gdk_texture_download (texture, (guchar *) data, width * 4);
  return data[y * width + x];
}

static void
save_png (GdkTexture *texture,
          const char *name)
{
  const char *dir = g_getenv ("TSC_SCREENSHOT_DIR");
  g_autofree char *path = NULL;

  if (dir == NULL)
    return;

  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
}

static void
test_widget_shows_session (Fixture       *f,
                           gconstpointer  data)
{
  TscTimelineLayout *layout;
  const TscTimelineLane *web;
  g_autoptr(GdkTexture) texture = NULL;
  TscTimelineMarker marker;
  gint64 all[9];
  int width = gtk_widget_get_width (GTK_WIDGET (f->timeline));
  int height = gtk_widget_get_height (GTK_WIDGET (f->timeline));

  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 300);

  /* Nothing yet, and a frame that says so. */
  layout = tsc_timeline_get_layout (f->timeline);
  g_assert_nonnull (layout);
  g_assert_cmpuint (tsc_timeline_layout_get_n_lanes (layout), ==, 0);
  texture = render_texture (f->timeline);
  g_assert_nonnull (texture);
  save_png (texture, "timeline-empty-light.png");
  g_clear_object (&texture);

  /* The session's batch reaches the widget through messages-added. */
  add_small_devices (&f->b, &f->s);
  add_small_rest (&f->b, &f->s);
  flush (&f->b);
  spin (50);

  layout = tsc_timeline_get_layout (f->timeline);
  g_assert_cmpint (tsc_timeline_layout_get_width (layout), ==, width);
  g_assert_cmpuint (tsc_timeline_layout_get_n_rows (layout), ==, 9);
  g_assert_cmpuint (tsc_timeline_layout_get_n_lanes (layout), ==, 3);
  web = tsc_timeline_layout_get_lane (layout, 0);
  g_assert_cmpstr (web->label, ==, "shop.example · Firefox");
  g_assert_cmpuint (web->bands->len, ==, 3);
  g_assert_cmpstr (band (web, 1)->user_id, ==, "u-ann");
  g_assert_cmpuint (web->dividers->len, ==, 1);
  g_assert_cmpstr (tsc_timeline_layout_get_lane (layout, 1)->label, ==, "lane ios-app");
  g_assert_cmpint (tsc_timeline_layout_get_lane (layout, 2)->kind, ==, TSC_TIMELINE_LANE_USER);

  /* Fitted to the window: every call on screen. */
  all[0] = f->s.home; all[1] = f->s.identify; all[2] = f->s.signup; all[3] = f->s.logout;
  all[4] = f->s.after_reset; all[5] = f->s.feed; all[6] = f->s.bob; all[7] = f->s.group;
  all[8] = f->s.server;
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_assert_true (tsc_timeline_layout_find_marker (layout, all[i], &marker));
      g_assert_cmpfloat (marker.x, >=, TSC_TIMELINE_HEADER_WIDTH);
      g_assert_cmpfloat (marker.x, <=, width);
      g_assert_cmpfloat (marker.y, >=, TSC_TIMELINE_AXIS_HEIGHT);
      g_assert_cmpfloat (marker.y, <=, height);
    }

  /* It renders, and the marker is drawn where the layout puts it. */
  texture = render_texture (f->timeline);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);
  g_assert_true (tsc_timeline_layout_find_marker (layout, f->s.feed, &marker));
  g_assert_cmphex (pixel_at (texture, (int) marker.x, (int) marker.y), !=,
                   pixel_at (texture, (int) marker.x, (int) (marker.y - TSC_TIMELINE_MARKER_Y + 3)));
}

static void
test_widget_selects (Fixture       *f,
                     gconstpointer  data)
{
  TscTimelineLayout *layout;
  TscTimelineMarker marker;
  g_autoptr(GskRenderNode) node = NULL;
  int width = gtk_widget_get_width (GTK_WIDGET (f->timeline));

  add_small_devices (&f->b, &f->s);
  add_small_rest (&f->b, &f->s);
  flush (&f->b);
  spin (50);
  layout = tsc_timeline_get_layout (f->timeline);

  /* A click on a marker selects its call, once. */
  g_assert_true (tsc_timeline_layout_find_marker (layout, f->s.signup, &marker));
  g_assert_cmpint (tsc_timeline_select_at (f->timeline, marker.x + 2, marker.y + 1), ==, f->s.signup);
  g_assert_cmpint (tsc_timeline_get_selected_seq (f->timeline), ==, f->s.signup);
  g_assert_cmpuint (f->n_selected_notifies, ==, 1);
  g_assert_cmpint (tsc_timeline_select_at (f->timeline, marker.x, marker.y), ==, f->s.signup);
  g_assert_cmpuint (f->n_selected_notifies, ==, 1);

  /* Hovering shows the call, and a device's header says what it is. */
  {
    g_autoptr(GtkTooltip) tooltip = g_object_new (GTK_TYPE_TOOLTIP, NULL);
    gboolean shown = FALSE;

    g_signal_emit_by_name (f->timeline, "query-tooltip", (int) marker.x, (int) marker.y, FALSE, tooltip, &shown);
    g_assert_true (shown);
    shown = FALSE;
    g_signal_emit_by_name (f->timeline, "query-tooltip", 20, (int) marker.y, FALSE, tooltip, &shown);
    g_assert_true (shown);
    shown = TRUE;
    g_signal_emit_by_name (f->timeline, "query-tooltip", (int) marker.x + 60, (int) marker.y, FALSE, tooltip,
                           &shown);
    g_assert_false (shown);
  }

  /* A click on nothing leaves it. */
  g_assert_cmpint (tsc_timeline_select_at (f->timeline, 10, 10), ==, 0);
  g_assert_cmpint (tsc_timeline_get_selected_seq (f->timeline), ==, f->s.signup);

  /* Selecting by property scrolls a call out of view into it. */
  for (guint i = 0; i < 6; i++)
    gtk_widget_activate_action (GTK_WIDGET (f->timeline), "timeline.zoom-in", NULL);
  g_assert_true (tsc_timeline_layout_find_marker (layout, f->s.after_reset, &marker));
  g_assert_cmpfloat (marker.x, >, width);

  g_object_set (f->timeline, "selected-seq", f->s.after_reset, NULL);
  g_assert_cmpuint (f->n_selected_notifies, ==, 2);
  g_assert_true (tsc_timeline_layout_find_marker (layout, f->s.after_reset, &marker));
  g_assert_cmpfloat (marker.x, >=, TSC_TIMELINE_HEADER_WIDTH);
  g_assert_cmpfloat (marker.x, <=, width);

  node = render_node (f->timeline);
  g_assert_nonnull (node);

  g_object_set (f->timeline, "selected-seq", (gint64) 0, NULL);
  g_assert_cmpint (tsc_timeline_get_selected_seq (f->timeline), ==, 0);
  g_assert_cmpuint (f->n_selected_notifies, ==, 3);
}

static void
test_widget_follows_live (Fixture       *f,
                          gconstpointer  data)
{
  TscTimelineLayout *layout;
  TscTimelineMarker marker;
  double scale;
  int width = gtk_widget_get_width (GTK_WIDGET (f->timeline));
  gint64 late;

  add_small_devices (&f->b, &f->s);
  flush (&f->b);
  spin (50);
  layout = tsc_timeline_get_layout (f->timeline);

  /* The stateful action is the property. */
  g_assert_false (tsc_timeline_get_follow_live (f->timeline));
  gtk_widget_activate_action (GTK_WIDGET (f->timeline), "timeline.follow-live", NULL);
  g_assert_true (tsc_timeline_get_follow_live (f->timeline));

  /* Zoom in, then calls arrive much later: the view keeps up. */
  scale = tsc_timeline_layout_get_scale (layout);
  gtk_widget_activate_action (GTK_WIDGET (f->timeline), "timeline.zoom-in", NULL);
  g_assert_cmpfloat_with_epsilon (tsc_timeline_layout_get_scale (layout), scale / 2, scale / 1000);

  add_small_rest (&f->b, &f->s);
  late = add (&f->b, DEVICE_IOS, 600, "{\"type\":\"track\",\"event\":\"Liked\",\"anonymousId\":\"i-1\"}");
  flush (&f->b);
  spin (50);
  g_assert_cmpfloat_with_epsilon (tsc_timeline_layout_get_scale (layout), scale / 2, scale / 1000);
  g_assert_true (tsc_timeline_layout_find_marker (layout, late, &marker));
  g_assert_cmpfloat (marker.x, >, TSC_TIMELINE_HEADER_WIDTH + (width - TSC_TIMELINE_HEADER_WIDTH) / 2);
  g_assert_cmpfloat (marker.x, <, width);

  /* Selecting an old call leaves the live edge, and says so. */
  tsc_timeline_set_selected_seq (f->timeline, f->s.home);
  g_assert_false (tsc_timeline_get_follow_live (f->timeline));
  gtk_widget_activate_action (GTK_WIDGET (f->timeline), "timeline.follow-live", NULL);
  g_assert_true (tsc_timeline_get_follow_live (f->timeline));
  tsc_timeline_set_follow_live (f->timeline, FALSE);

  /* Zoom reset brings everything back. */
  gtk_widget_activate_action (GTK_WIDGET (f->timeline), "timeline.zoom-reset", NULL);
  g_assert_cmpint (tsc_timeline_layout_get_start (layout), <, AT (0));
  g_assert_cmpint (tsc_timeline_layout_get_end (layout), >, AT (600));
}

/* The session of the screenshots: three devices, four users, a reset,
 * server calls and flags of every severity. */
static void
build_realistic (Builder *b)
{
  static const char *pages[] = { "Home", "Pricing", "Product", "Search", "Product", "Cart" };

  /* Desktop web: browses, signs up (tracked before the identify: a
   * warning), shops, signs out and resets; then a second person. */
  for (guint i = 0; i < 6; i++)
    add (b, DEVICE_WEB, 4 + i * 9, "{\"type\":\"page\",\"name\":\"%s\",\"anonymousId\":\"7f3e-a1\"}", pages[i]);
  add (b, DEVICE_WEB, 62, "{\"type\":\"track\",\"event\":\"Signed Up\",\"anonymousId\":\"7f3e-a1\"}");
  add (b, DEVICE_WEB, 66, "{\"type\":\"identify\",\"userId\":\"ann.lee\",\"anonymousId\":\"7f3e-a1\"}");
  for (guint i = 0; i < 8; i++)
    add (b, DEVICE_WEB, 74 + i * 11,
         "{\"type\":\"track\",\"event\":\"%s\",\"userId\":\"ann.lee\",\"anonymousId\":\"7f3e-a1\"}",
         i % 3 == 0 ? "Product Viewed" : i % 3 == 1 ? "Product Added" : "Checkout Started");
  add (b, DEVICE_WEB, 166, "{\"type\":\"page\",\"name\":\"Account\",\"userId\":\"ann.lee\",\"anonymousId\":\"7f3e-a1\"}");
  add (b, DEVICE_WEB, 176, "{\"type\":\"track\",\"event\":\"Signed Out\",\"userId\":\"ann.lee\",\"anonymousId\":\"7f3e-a1\"}");
  for (guint i = 0; i < 5; i++)
    add (b, DEVICE_WEB, 196 + i * 10, "{\"type\":\"page\",\"name\":\"%s\",\"anonymousId\":\"c21b-90\"}", pages[i]);
  add (b, DEVICE_WEB, 250, "{\"type\":\"identify\",\"userId\":\"carol.diaz\",\"anonymousId\":\"c21b-90\"}");
  add (b, DEVICE_WEB, 252, "{\"type\":\"track\",\"event\":\"Signed In\",\"userId\":\"carol.diaz\",\"anonymousId\":\"c21b-90\"}");
  for (guint i = 0; i < 6; i++)
    add (b, DEVICE_WEB, 262 + i * 12,
         "{\"type\":\"page\",\"name\":\"%s\",\"userId\":\"carol.diaz\",\"anonymousId\":\"c21b-90\"}", pages[i]);
  add (b, DEVICE_WEB, 336, "{\"type\":\"group\",\"groupId\":\"acme\",\"userId\":\"carol.diaz\",\"anonymousId\":\"c21b-90\"}");

  /* Mobile web: bob signs out without a reset (an error), and the next
   * person is identified on the same anonymousId (an error). */
  for (guint i = 0; i < 4; i++)
    add (b, DEVICE_MOBILE, 20 + i * 13, "{\"type\":\"page\",\"name\":\"%s\",\"anonymousId\":\"m-88d0\"}", pages[i]);
  add (b, DEVICE_MOBILE, 78, "{\"type\":\"identify\",\"userId\":\"bob.k\",\"anonymousId\":\"m-88d0\"}");
  for (guint i = 0; i < 6; i++)
    add (b, DEVICE_MOBILE, 88 + i * 12,
         "{\"type\":\"track\",\"event\":\"%s\",\"userId\":\"bob.k\",\"anonymousId\":\"m-88d0\"}",
         i % 2 ? "Video Played" : "Article Read");
  add (b, DEVICE_MOBILE, 164, "{\"type\":\"track\",\"event\":\"Logged Out\",\"userId\":\"bob.k\",\"anonymousId\":\"m-88d0\"}");
  add (b, DEVICE_MOBILE, 180, "{\"type\":\"page\",\"name\":\"Home\",\"userId\":\"bob.k\",\"anonymousId\":\"m-88d0\"}");
  add (b, DEVICE_MOBILE, 205, "{\"type\":\"identify\",\"userId\":\"dave\",\"anonymousId\":\"m-88d0\"}");
  for (guint i = 0; i < 4; i++)
    add (b, DEVICE_MOBILE, 215 + i * 14,
         "{\"type\":\"track\",\"event\":\"Article Read\",\"userId\":\"dave\",\"anonymousId\":\"m-88d0\"}");

  /* The iOS app: the server identified dave first (info), then the app
   * aliases and identifies; one call with a junk userId (a warning) and
   * a skewed clock (info). */
  add (b, DEVICE_SERVER, 60, "{\"type\":\"identify\",\"userId\":\"dave\",\"traits\":{\"plan\":\"pro\"}}");
  for (guint i = 0; i < 5; i++)
    add (b, DEVICE_IOS, 10 + i * 16, "{\"type\":\"screen\",\"name\":\"%s\",\"anonymousId\":\"ios-42c\"}",
         i % 2 ? "Feed" : "Explore");
  add (b, DEVICE_IOS, 104, "{\"type\":\"alias\",\"previousId\":\"ios-42c\",\"userId\":\"dave\",\"anonymousId\":\"ios-42c\"}");
  add (b, DEVICE_IOS, 108, "{\"type\":\"identify\",\"userId\":\"dave\",\"anonymousId\":\"ios-42c\"}");
  for (guint i = 0; i < 7; i++)
    add (b, DEVICE_IOS, 120 + i * 15,
         "{\"type\":\"screen\",\"name\":\"%s\",\"userId\":\"dave\",\"anonymousId\":\"ios-42c\"}",
         i % 2 ? "Feed" : "Profile");
  add (b, DEVICE_IOS, 230,
       "{\"type\":\"track\",\"event\":\"Post Liked\",\"userId\":\"dave\",\"anonymousId\":\"ios-42c\","
       "\"timestamp\":\"2024-05-14T10:12:50Z\",\"sentAt\":\"2024-05-14T10:12:50Z\"}");
  add (b, DEVICE_IOS, 262, "{\"type\":\"identify\",\"userId\":\"null\",\"anonymousId\":\"ios-42c\"}");

  /* Server-side calls on their users' lanes. */
  add (b, DEVICE_SERVER, 150, "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"ann.lee\"}");
  add (b, DEVICE_SERVER, 186, "{\"type\":\"track\",\"event\":\"Invoice Sent\",\"userId\":\"ann.lee\"}");
  add (b, DEVICE_SERVER, 300, "{\"type\":\"track\",\"event\":\"Subscription Renewed\",\"userId\":\"dave\"}");

  flush (b);
}

static void
test_widget_renders_realistic (Fixture       *f,
                               gconstpointer  data)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  TscTimelineLayout *layout;
  g_autoptr(GdkTexture) light = NULL;
  g_autoptr(GdkTexture) dark = NULL;
  gboolean severities[TSC_SEVERITY_ERROR + 1] = { FALSE };
  guint begin;
  guint end;
  GPtrArray *flags;
  gint64 selected = 0;

  build_realistic (&f->b);
  spin (50);
  layout = tsc_timeline_get_layout (f->timeline);
  g_assert_cmpuint (tsc_timeline_layout_get_n_lanes (layout), ==, 5);   /* 3 devices, 2 users' servers */

  /* Flags of every severity, all of them on screen. */
  flags = tsc_identity_model_get_flags (tsc_session_get_model (f->b.session));
  for (guint i = 0; i < flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);
      TscTimelineMarker marker;

      severities[flag->severity] = TRUE;
      g_assert_true (tsc_timeline_layout_find_marker (layout, flag->seq, &marker));
      g_assert_cmpint (marker.severity, >=, flag->severity);
      if (flag->rule == TSC_RULE_MISSING_RESET_ON_LOGOUT)
        selected = flag->seq;
    }
  g_assert_true (severities[TSC_SEVERITY_ERROR]);
  g_assert_true (severities[TSC_SEVERITY_WARNING]);
  g_assert_true (severities[TSC_SEVERITY_INFO]);
  g_assert_cmpint (selected, !=, 0);
  tsc_timeline_set_selected_seq (f->timeline, selected);

  g_assert_true (tsc_timeline_layout_get_visible_range (layout, &begin, &end));
  g_assert_cmpuint (begin, ==, 0);
  g_assert_cmpuint (end, ==, tsc_timeline_layout_get_n_rows (layout));

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  spin (100);
  light = render_texture (f->timeline);
  g_assert_nonnull (light);
  save_png (light, "timeline-light.png");

  /* Zoomed in on the selected call: finer ticks, labels clear. */
  {
    g_autoptr(GdkTexture) zoomed = NULL;
    gint64 start = tsc_timeline_layout_get_start (layout);
    double scale = tsc_timeline_layout_get_scale (layout);

    for (guint i = 0; i < 3; i++)
      gtk_widget_activate_action (GTK_WIDGET (f->timeline), "timeline.zoom-in", NULL);
    zoomed = render_texture (f->timeline);
    g_assert_nonnull (zoomed);
    save_png (zoomed, "timeline-zoomed-light.png");
    tsc_timeline_layout_set_window (layout, start, scale);
  }

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  spin (100);
  g_assert_true (adw_style_manager_get_dark (style));
  dark = render_texture (f->timeline);
  g_assert_nonnull (dark);
  save_png (dark, "timeline-dark.png");

  /* Narrowed to one user: the other device is hidden, the rest dimmed. */
  {
    TscScope scope = { NULL, "dave" };
    g_autoptr(GdkTexture) scoped = NULL;

    tsc_timeline_set_scope (f->timeline, &scope);
    g_assert_cmpfloat (tsc_timeline_layout_get_content_height (layout), ==,
                       TSC_TIMELINE_AXIS_HEIGHT + 3 * TSC_TIMELINE_LANE_HEIGHT);
    scoped = render_texture (f->timeline);
    g_assert_nonnull (scoped);
    save_png (scoped, "timeline-scope-dark.png");
    tsc_timeline_set_scope (f->timeline, NULL);
  }

  /* Dark mode is not the light frame: the background follows. */
  g_assert_cmphex (pixel_at (light, gdk_texture_get_width (light) - 2, gdk_texture_get_height (light) - 2), !=,
                   pixel_at (dark, gdk_texture_get_width (dark) - 2, gdk_texture_get_height (dark) - 2));

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

/* A large session: three devices, one batch each, a call every 50 ms
 * for 100 minutes. */
static guint
add_large (Builder *b,
           guint    per_device)
{
  for (Device device = DEVICE_WEB; device <= DEVICE_IOS; device++)
    {
      g_autoptr(GString) json = g_string_new ("{\"sentAt\":\"2024-05-14T12:00:00Z\",\"batch\":[");
      g_autoptr(GPtrArray) messages = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *stamp = NULL;

      for (guint i = 0; i < per_device; i++)
        {
          gint64 ms = (gint64) i * 50 + device * 17;

          g_string_append_printf (json, "%s{\"type\":\"%s\",\"event\":\"Tick\",\"name\":\"Tick\","
                                  "\"anonymousId\":\"big-%d-%u\",\"timestamp\":\"2024-05-14T%02d:%02d:%02d.%03dZ\"}",
                                  i ? "," : "", i % 3 ? "track" : "page", device, i / 2000,
                                  (int) (10 + ms / 3600000), (int) (ms / 60000 % 60), (int) (ms / 1000 % 60),
                                  (int) (ms % 1000));
        }
      g_string_append (json, "]}");
      bytes = g_bytes_new (json->str, json->len);
      messages = tsc_wire_decode_document (bytes, b->transports[device], AT (7200), &error);
      g_assert_no_error (error);
      for (guint i = 0; i < messages->len; i++)
        {
          TscMessage *m = g_ptr_array_index (messages, i);

          m->seq = ++b->seq;
          g_ptr_array_add (b->pending, tsc_message_ref (m));
        }
    }
  flush (b);
  return 3 * per_device;
}

static GskRenderNode *
snapshot_now (TscTimeline *timeline,
              double      *ms)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gint64 begin = g_get_monotonic_time ();
  GskRenderNode *node;

  GTK_WIDGET_GET_CLASS (timeline)->snapshot (GTK_WIDGET (timeline), snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  *ms = (g_get_monotonic_time () - begin) / 1000.0;
  return node;
}

static void
test_widget_draws_visible_range (Fixture       *f,
                                 gconstpointer  data)
{
  TscTimelineLayout *layout;
  g_autoptr(GskRenderNode) all = NULL;
  g_autoptr(GskRenderNode) zoomed = NULL;
  guint per_device = g_test_perf () ? 400000 : 40000;
  guint n;
  guint begin;
  guint end;
  double ms_all;
  double ms_zoomed;
  gint64 first_time;
  gint64 last_time;
  guint walked = 0;
  gint64 t;

  t = g_get_monotonic_time ();
  n = add_large (&f->b, per_device);
  g_test_message ("%u calls ingested and laid out in %.0f ms", n, (g_get_monotonic_time () - t) / 1000.0);
  spin (20);
  layout = tsc_timeline_get_layout (f->timeline);
  g_assert_cmpuint (tsc_timeline_layout_get_n_rows (layout), ==, n);
  {
    g_autoptr(TscTimelineLayout) fresh = tsc_timeline_layout_new (tsc_session_get_index (f->b.session),
                                                                  tsc_session_get_model (f->b.session),
                                                                  tsc_session_get_config (f->b.session));

    t = g_get_monotonic_time ();
    tsc_timeline_layout_update (fresh, 0, n);
    g_test_message ("of which the timeline's layout took %.0f ms", (g_get_monotonic_time () - t) / 1000.0);
  }
  g_assert_cmpuint (tsc_timeline_layout_get_n_lanes (layout), ==, 3);

  /* Everything in view: drawn, thinned to a marker per pixel. */
  all = snapshot_now (f->timeline, &ms_all);
  g_assert_nonnull (all);
  if (g_getenv ("TSC_SCREENSHOT_DIR") != NULL)
    {
      g_autoptr(GdkTexture) texture = render_texture (f->timeline);
      save_png (texture, "timeline-dense-light.png");
    }
  g_assert_true (tsc_timeline_layout_get_visible_range (layout, &begin, &end));
  g_assert_cmpuint (end - begin, ==, n);

  /* Zoomed in to a few seconds, only those calls are walked. The three
   * batches each span the whole time, so the range holds three slices;
   * the blocks between them are skipped whole. */
  for (guint i = 0; i < 10; i++)
    gtk_widget_activate_action (GTK_WIDGET (f->timeline), "timeline.zoom-in", NULL);
  g_assert_true (tsc_timeline_layout_get_visible_range (layout, &begin, &end));
  first_time = tsc_timeline_layout_get_start (layout);
  last_time = tsc_timeline_layout_get_end (layout);
  for (guint p = tsc_timeline_layout_next_in_window (layout, begin, end, first_time, last_time); p < end;
       p = tsc_timeline_layout_next_in_window (layout, p + 1, end, first_time, last_time))
    walked++;
  g_assert_cmpuint (walked, >, 0);
  g_assert_cmpuint (walked, <, n / 100);
  zoomed = snapshot_now (f->timeline, &ms_zoomed);
  g_assert_nonnull (zoomed);

  g_test_message ("snapshot of %u calls: all in view %.1f ms, %u in view %.1f ms",
                  n, ms_all, walked, ms_zoomed);

  /* More calls arrive: only they are taken in. */
  t = g_get_monotonic_time ();
  for (guint i = 0; i < 5000; i++)
    add (&f->b, DEVICE_WEB, 7200 + i * 0.001, "{\"type\":\"track\",\"event\":\"Live\",\"anonymousId\":\"live\"}");
  flush (&f->b);
  g_test_message ("5000 more calls taken in within %.1f ms (decoding included)",
                  (g_get_monotonic_time () - t) / 1000.0);
  g_assert_cmpuint (tsc_timeline_layout_get_n_rows (layout), ==, n + 5000);
}

int
main (int    argc,
      char **argv)
{
  /* Tick labels and dates are local time; make them predictable. */
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/timeline/layout/one-lane-per-device-and-server-user", test_layout_lanes);
  g_test_add_func ("/timeline/layout/user-colors-are-stable", test_layout_colors_stable);
  g_test_add_func ("/timeline/layout/marker-shape-follows-type", test_layout_marker_shapes);
  g_test_add_func ("/timeline/layout/markers-show-events-and-flags", test_layout_markers);
  g_test_add_func ("/timeline/layout/visible-range-by-binary-search", test_layout_visible_range);
  g_test_add_func ("/timeline/layout/hit-test-finds-the-call", test_layout_hit_test);
  g_test_add_func ("/timeline/layout/scope-hides-and-dims", test_layout_scope);
  g_test_add_func ("/timeline/layout/grows-incrementally", test_layout_incremental);
  g_test_add_func ("/timeline/layout/zoom-keeps-pointer-and-ticks-are-round", test_layout_zoom_and_ticks);

  if (!gtk_init_check ())
    g_error ("No display: the app tests run under Xvfb (make check does that)");
  adw_init ();

  g_test_add ("/timeline/widget/shows-lanes-segments-markers", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_widget_shows_session, fixture_tear_down);
  g_test_add ("/timeline/widget/click-and-property-select", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_widget_selects, fixture_tear_down);
  g_test_add ("/timeline/widget/follows-live-and-zooms", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_widget_follows_live, fixture_tear_down);
  g_test_add ("/timeline/widget/draws-only-the-visible-range", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_widget_draws_visible_range, fixture_tear_down);
  g_test_add ("/timeline/widget/renders-light-and-dark", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_widget_renders_realistic, fixture_tear_down);

  return g_test_run ();
}
