#define G_LOG_DOMAIN "test-route"

#include "config.h"

#include <string.h>

#include "tsc-route.h"

typedef struct
{
  const char     *test_path;
  const char     *path;
  TscRouteKind    kind;
  TscMessageType  type;
  const char     *canonical;
  const char     *lane;
  const char     *prefix;
  const char     *write_key;
} RouteCase;

#define SINGLE(tp, p, t, c) { tp, p, TSC_ROUTE_SINGLE, TSC_MESSAGE_TYPE_##t, c, NULL, "", NULL }
#define BATCH(tp, p, c)     { tp, p, TSC_ROUTE_BATCH, TSC_MESSAGE_TYPE_UNKNOWN, c, NULL, "", NULL }
#define NONE(tp, p)         { tp, p, TSC_ROUTE_NOT_FOUND, TSC_MESSAGE_TYPE_UNKNOWN, \
                              NULL, NULL, NULL, NULL }

static const RouteCase route_cases[] = {
  /* HTTP API: the type is named in full */
  SINGLE ("long-paths-imply-type/identify", "/v1/identify", IDENTIFY, "/v1/identify"),
  SINGLE ("long-paths-imply-type/track", "/v1/track", TRACK, "/v1/track"),
  SINGLE ("long-paths-imply-type/page", "/v1/page", PAGE, "/v1/page"),
  SINGLE ("long-paths-imply-type/screen", "/v1/screen", SCREEN, "/v1/screen"),
  SINGLE ("long-paths-imply-type/group", "/v1/group", GROUP, "/v1/group"),
  SINGLE ("long-paths-imply-type/alias", "/v1/alias", ALIAS, "/v1/alias"),

  /* analytics-next standard delivery: the first letter of the type */
  SINGLE ("short-paths-imply-type/i", "/v1/i", IDENTIFY, "/v1/i"),
  SINGLE ("short-paths-imply-type/t", "/v1/t", TRACK, "/v1/t"),
  SINGLE ("short-paths-imply-type/p", "/v1/p", PAGE, "/v1/p"),
  SINGLE ("short-paths-imply-type/s", "/v1/s", SCREEN, "/v1/s"),
  SINGLE ("short-paths-imply-type/g", "/v1/g", GROUP, "/v1/g"),
  SINGLE ("short-paths-imply-type/a", "/v1/a", ALIAS, "/v1/a"),

  /* batch envelopes */
  BATCH ("batch-paths/batch", "/v1/batch", "/v1/batch"),
  BATCH ("batch-paths/import", "/v1/import", "/v1/import"),
  BATCH ("batch-paths/b", "/v1/b", "/v1/b"),

  { "metrics-path-is-not-a-call", "/v1/m",
    TSC_ROUTE_METRICS, TSC_MESSAGE_TYPE_UNKNOWN, "/v1/m", NULL, "", NULL },

  /* analytics-java posts to /v1/import/ */
  SINGLE ("trailing-slash-is-dropped/track", "/v1/track/", TRACK, "/v1/track"),
  SINGLE ("trailing-slash-is-dropped/t", "/v1/t/", TRACK, "/v1/t"),
  SINGLE ("trailing-slash-is-dropped/alias", "/v1/alias/", ALIAS, "/v1/alias"),
  BATCH ("trailing-slash-is-dropped/import", "/v1/import/", "/v1/import"),
  BATCH ("trailing-slash-is-dropped/batch", "/v1/batch/", "/v1/batch"),
  BATCH ("trailing-slash-is-dropped/b", "/v1/b/", "/v1/b"),
  { "trailing-slash-is-dropped/m", "/v1/m/",
    TSC_ROUTE_METRICS, TSC_MESSAGE_TYPE_UNKNOWN, "/v1/m", NULL, "", NULL },

  /* lanes */
  { "lane-prefix-names-the-lane/t", "/lane/checkout/v1/t",
    TSC_ROUTE_SINGLE, TSC_MESSAGE_TYPE_TRACK, "/v1/t", "checkout", "/lane/checkout", NULL },
  { "lane-prefix-names-the-lane/identify-trailing-slash", "/lane/e2e-run_7.a/v1/identify/",
    TSC_ROUTE_SINGLE, TSC_MESSAGE_TYPE_IDENTIFY, "/v1/identify",
    "e2e-run_7.a", "/lane/e2e-run_7.a", NULL },
  { "lane-prefix-names-the-lane/batch", "/lane/L1/v1/batch",
    TSC_ROUTE_BATCH, TSC_MESSAGE_TYPE_UNKNOWN, "/v1/batch", "L1", "/lane/L1", NULL },
  { "lane-prefix-names-the-lane/m", "/lane/L1/v1/m",
    TSC_ROUTE_METRICS, TSC_MESSAGE_TYPE_UNKNOWN, "/v1/m", "L1", "/lane/L1", NULL },
  /* the lane is decoded, the prefix stays as requested */
  { "lane-prefix-names-the-lane/percent-encoded", "/lane/a%2Db/v1/p",
    TSC_ROUTE_SINGLE, TSC_MESSAGE_TYPE_PAGE, "/v1/p", "a-b", "/lane/a%2Db", NULL },

  /* CDN settings emulation */
  { "settings-path-names-write-key/plain", "/v1/projects/WK_LOCAL/settings",
    TSC_ROUTE_SETTINGS, TSC_MESSAGE_TYPE_UNKNOWN, "/v1/projects/settings", NULL, "", "WK_LOCAL" },
  { "settings-path-names-write-key/trailing-slash", "/v1/projects/WK_LOCAL/settings/",
    TSC_ROUTE_SETTINGS, TSC_MESSAGE_TYPE_UNKNOWN, "/v1/projects/settings", NULL, "", "WK_LOCAL" },
  { "settings-path-names-write-key/percent-encoded", "/v1/projects/WK%20X%2Fy/settings",
    TSC_ROUTE_SETTINGS, TSC_MESSAGE_TYPE_UNKNOWN, "/v1/projects/settings", NULL, "", "WK X/y" },
  { "settings-path-names-write-key/under-lane", "/lane/web/v1/projects/WK_LANE/settings",
    TSC_ROUTE_SETTINGS, TSC_MESSAGE_TYPE_UNKNOWN, "/v1/projects/settings",
    "web", "/lane/web", "WK_LANE" },

  /* not routes */
  NONE ("not-a-route/other-version", "/v2/track"),
  NONE ("not-a-route/unknown-call", "/v1/unknown"),
  NONE ("not-a-route/empty-lane", "/lane//v1/t"),
  NONE ("not-a-route/lane-with-space", "/lane/bad%20name/v1/t"),
  NONE ("not-a-route/lane-with-slash", "/lane/a%2Fb/v1/t"),
  NONE ("not-a-route/lane-without-call", "/lane/web"),
  NONE ("not-a-route/lane-without-v1", "/lane/web/track"),
  NONE ("not-a-route/version-only", "/v1"),
  NONE ("not-a-route/version-slash-only", "/v1/"),
  NONE ("not-a-route/root", "/"),
  NONE ("not-a-route/empty", ""),
  NONE ("not-a-route/relative", "v1/track"),
  NONE ("not-a-route/extra-segment", "/v1/track/extra"),
  NONE ("not-a-route/two-trailing-slashes", "/v1/track//"),
  NONE ("not-a-route/settings-without-key", "/v1/projects//settings"),
  NONE ("not-a-route/settings-bad-escape", "/v1/projects/%zz/settings"),
  NONE ("not-a-route/projects-without-settings", "/v1/projects/WK"),
  NONE ("not-a-route/projects-other-leaf", "/v1/projects/WK/other"),
};

static void
test_route_case (gconstpointer data)
{
  const RouteCase *c = data;
  TscRoute route;
  gboolean ok;

  /* garbage, to prove tsc_route_parse() initialises the whole struct */
  memset (&route, 0xAA, sizeof route);
  route.canonical = route.lane = route.prefix = route.write_key = NULL;

  ok = tsc_route_parse (c->path, &route);

  g_test_message ("path %s", c->path);
  g_assert_cmpint (ok, ==, c->kind != TSC_ROUTE_NOT_FOUND);
  g_assert_cmpint (route.kind, ==, c->kind);
  g_assert_cmpint (route.type, ==, c->type);
  g_assert_cmpstr (route.canonical, ==, c->canonical);
  g_assert_cmpstr (route.lane, ==, c->lane);
  g_assert_cmpstr (route.prefix, ==, c->prefix);
  g_assert_cmpstr (route.write_key, ==, c->write_key);

  tsc_route_clear (&route);
  g_assert_cmpint (route.kind, ==, TSC_ROUTE_NOT_FOUND);
  g_assert_null (route.canonical);
  g_assert_null (route.lane);
  g_assert_null (route.prefix);
  g_assert_null (route.write_key);
}

static void
test_route_null_path (void)
{
  TscRoute route;

  g_assert_false (tsc_route_parse (NULL, &route));
  g_assert_cmpint (route.kind, ==, TSC_ROUTE_NOT_FOUND);
  g_assert_null (route.canonical);
  tsc_route_clear (&route);
}

typedef struct
{
  const char *name;
  gboolean    valid;
} LaneCase;

static const LaneCase lane_cases[] = {
  { "a", TRUE },
  { "checkout-flow_2.b", TRUE },
  { "0123456789012345678901234567890123456789012345678901234567890123", TRUE },   /* 64 */
  { "01234567890123456789012345678901234567890123456789012345678901234", FALSE }, /* 65 */
  { "", FALSE },
  { "bad name", FALSE },
  { "a/b", FALSE },
  { "a%20b", FALSE },
  { "caf\xc3\xa9", FALSE },
};

static void
test_lane_name_validity (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (lane_cases); i++)
    {
      g_test_message ("lane \"%s\"", lane_cases[i].name);
      g_assert_cmpint (tsc_lane_name_is_valid (lane_cases[i].name), ==, lane_cases[i].valid);
    }
  g_assert_false (tsc_lane_name_is_valid (NULL));
}

static void
test_long_lane_in_path (void)
{
  g_autofree char *ok_name = g_strnfill (64, 'x');
  g_autofree char *long_name = g_strnfill (65, 'x');
  g_autofree char *ok_path = g_strdup_printf ("/lane/%s/v1/t", ok_name);
  g_autofree char *long_path = g_strdup_printf ("/lane/%s/v1/t", long_name);
  TscRoute route;

  g_assert_true (tsc_route_parse (ok_path, &route));
  g_assert_cmpstr (route.lane, ==, ok_name);
  tsc_route_clear (&route);

  g_assert_false (tsc_route_parse (long_path, &route));
  g_assert_null (route.lane);
  tsc_route_clear (&route);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* One wrong case must not hide the verdict on the others. */
  g_test_set_nonfatal_assertions ();

  for (guint i = 0; i < G_N_ELEMENTS (route_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/wire/route/", route_cases[i].test_path, NULL);
      g_test_add_data_func (path, &route_cases[i], test_route_case);
    }

  g_test_add_func ("/wire/route/not-a-route/null", test_route_null_path);
  g_test_add_func ("/wire/route/lane-names/are-checked", test_lane_name_validity);
  g_test_add_func ("/wire/route/lane-names/at-most-64-bytes-in-path", test_long_lane_in_path);

  return g_test_run ();
}
