/* test-view-utils.c: the view logic the widgets share, without a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-view-utils"

#include "config.h"

#include "tsc-view-utils.h"

static void
test_user_color_is_stable_and_distinct (void)
{
  GdkRGBA a, b, c, dark;

  tsc_user_color ("user-42", FALSE, &a);
  tsc_user_color ("user-42", FALSE, &b);
  g_assert_true (gdk_rgba_equal (&a, &b));

  /* Among a handful of ids at least two colours differ. */
  {
    guint distinct = 0;
    GdkRGBA first;

    tsc_user_color ("u0", FALSE, &first);
    for (guint i = 1; i < 8; i++)
      {
        g_autofree char *id = g_strdup_printf ("u%u", i);

        tsc_user_color (id, FALSE, &c);
        if (!gdk_rgba_equal (&c, &first))
          distinct++;
      }
    g_assert_cmpuint (distinct, >, 0);
  }

  /* The dark palette is lighter: readable on a dark background. */
  tsc_user_color ("user-42", TRUE, &dark);
  g_assert_cmpfloat (dark.red + dark.green + dark.blue, >, a.red + a.green + a.blue);
  g_assert_cmpfloat (a.alpha, ==, 1.0);
}

static void
test_marker_shape_per_type (void)
{
  static const struct
  {
    TscMessageType type;
    TscMarkerShape shape;
  } cases[] = {
    { TSC_MESSAGE_TYPE_TRACK, TSC_MARKER_CIRCLE },
    { TSC_MESSAGE_TYPE_PAGE, TSC_MARKER_SQUARE },
    { TSC_MESSAGE_TYPE_SCREEN, TSC_MARKER_SQUARE },
    { TSC_MESSAGE_TYPE_IDENTIFY, TSC_MARKER_DIAMOND },
    { TSC_MESSAGE_TYPE_ALIAS, TSC_MARKER_TRIANGLE },
    { TSC_MESSAGE_TYPE_GROUP, TSC_MARKER_HEXAGON },
    { TSC_MESSAGE_TYPE_UNKNOWN, TSC_MARKER_CROSS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (tsc_marker_shape_for_type (cases[i].type), ==, cases[i].shape);
}

static void
test_scope_matching (void)
{
  TscClient laptop = { .key = "laptop", .label = "laptop" };
  TscClient phone = { .key = "phone", .label = "phone" };
  TscIndexRow row = { .seq = 1, .user_id = "u1", .client = &laptop };
  TscIndexRow anonymous = { .seq = 2, .user_id = NULL, .client = &phone };
  TscScope all = { NULL, NULL };
  TscScope on_laptop = { &laptop, NULL };
  TscScope of_u1 = { NULL, "u1" };
  TscScope of_u1_on_phone = { &phone, "u1" };

  g_assert_true (tsc_scope_matches (NULL, &row));
  g_assert_true (tsc_scope_matches (&all, &anonymous));
  g_assert_true (tsc_scope_matches (&on_laptop, &row));
  g_assert_false (tsc_scope_matches (&on_laptop, &anonymous));
  g_assert_true (tsc_scope_matches (&of_u1, &row));
  g_assert_false (tsc_scope_matches (&of_u1, &anonymous));
  g_assert_false (tsc_scope_matches (&of_u1_on_phone, &row));
}

static void
test_severity_colors_differ (void)
{
  GdkRGBA error, warning, info;

  tsc_severity_color (TSC_SEVERITY_ERROR, FALSE, &error);
  tsc_severity_color (TSC_SEVERITY_WARNING, FALSE, &warning);
  tsc_severity_color (TSC_SEVERITY_INFO, FALSE, &info);
  g_assert_false (gdk_rgba_equal (&error, &warning));
  g_assert_false (gdk_rgba_equal (&warning, &info));
  g_assert_cmpstr (tsc_severity_icon_name (TSC_SEVERITY_ERROR), ==, "dialog-error-symbolic");
  g_assert_cmpstr (tsc_severity_icon_name (TSC_SEVERITY_OFF), ==, "emblem-ok-symbolic");
}

static void
test_format_time (void)
{
  g_autofree char *unknown = tsc_format_time (0, FALSE);
  g_autofree char *text = NULL;

  g_assert_cmpstr (unknown, ==, "—");

  g_setenv ("TZ", "UTC", TRUE);
  tzset ();
  text = tsc_format_time (G_GINT64_CONSTANT (1795928108540123), FALSE);
  g_assert_cmpstr (text, ==, "04:55:08.540");
  g_clear_pointer (&text, g_free);
  text = tsc_format_time (G_GINT64_CONSTANT (1795928108540123), TRUE);
  g_assert_cmpstr (text, ==, "2026-11-29 04:55:08.540");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/app/view-utils/user-color-is-stable", test_user_color_is_stable_and_distinct);
  g_test_add_func ("/app/view-utils/marker-shape-per-type", test_marker_shape_per_type);
  g_test_add_func ("/app/view-utils/scope-matching", test_scope_matching);
  g_test_add_func ("/app/view-utils/severity-colors", test_severity_colors_differ);
  g_test_add_func ("/app/view-utils/format-time", test_format_time);

  return g_test_run ();
}
