/* tsc-timeline.c
 *
 * The timeline view: one lane per device, time left to right, identity
 * segments as bands, every call as a marker shaped by its type, inferred
 * resets as dashed dividers and flags coloured by severity.
 *
 * What goes where is TscTimelineLayout's business; this file draws it
 * and turns pointer and keyboard input into zoom, pan and selection.
 * A frame only walks the slice of the message index that is on screen,
 * and thins out unflagged markers that would land on the same pixel, so
 * a session of a million calls draws as fast as one of a hundred.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-timeline"

#include "config.h"

#include "tsc-timeline.h"

#include <string.h>

#include <glib/gi18n.h>

#define ZOOM_STEP        2.0
#define WHEEL_PAN        64.0   /* pixels per wheel notch */
#define WHEEL_ZOOM       0.25   /* log zoom per wheel notch */
#define SURFACE_ZOOM     0.01   /* log zoom per touchpad pixel */
#define DRAG_THRESHOLD   4.0
#define BAND_RADIUS      7.0
#define MIN_TICK_SPACING 96.0
#define CROWDED          4.0    /* pixels between calls under which they are ticks */

struct _TscTimeline
{
  GtkWidget          parent_instance;

  TscSession        *session;
  TscTimelineLayout *layout;

  gint64             selected_seq;
  gint64             hover_seq;
  gboolean           follow_live;
  gboolean           auto_fit;      /* fits every call until the user zooms or pans */

  TscScope           scope;
  char              *scope_user_id;

  double             pointer_x;
  double             pointer_y;
  gboolean           pointer_inside;

  gint64             drag_start;
  double             drag_y_offset;
  gboolean           dragging;
};

G_DEFINE_FINAL_TYPE (TscTimeline, tsc_timeline, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SELECTED_SEQ,
  PROP_FOLLOW_LIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------------- */
/* Colours and text                                                        */

typedef struct
{
  gboolean dark;
  GdkRGBA  fg;
  GdkRGBA  bg;
  GdkRGBA  accent;
} Palette;

typedef struct
{
  PangoLayout *title;
  PangoLayout *small;
  PangoLayout *tag;
} Texts;

static GdkRGBA
with_alpha (const GdkRGBA *color,
            double         alpha)
{
  GdkRGBA result = *color;

  result.alpha = color->alpha * alpha;
  return result;
}

static gboolean
is_dark (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ());
}

static void
get_palette (TscTimeline *self,
             Palette     *palette)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  palette->dark = is_dark ();
  gtk_style_context_get_color (context, &palette->fg);
  if (!gtk_style_context_lookup_color (context, "view_bg_color", &palette->bg))
    gdk_rgba_parse (&palette->bg, palette->dark ? "#1e1e1e" : "#ffffff");
  if (!gtk_style_context_lookup_color (context, "accent_color", &palette->accent))
    gdk_rgba_parse (&palette->accent, palette->dark ? "#78aeed" : "#1c71d8");
}

static PangoLayout *
new_text (TscTimeline *self,
          double       scale,
          PangoWeight  weight)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  PangoAttrList *attrs = pango_attr_list_new ();

  if (scale != 1.0)
    pango_attr_list_insert (attrs, pango_attr_scale_new (scale));
  if (weight != PANGO_WEIGHT_NORMAL)
    pango_attr_list_insert (attrs, pango_attr_weight_new (weight));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

static void
texts_init (TscTimeline *self,
            Texts       *texts)
{
  texts->title = new_text (self, 1.0, PANGO_WEIGHT_BOLD);
  texts->small = new_text (self, 0.82, PANGO_WEIGHT_NORMAL);
  texts->tag = new_text (self, 0.82, PANGO_WEIGHT_BOLD);
}

static void
texts_clear (Texts *texts)
{
  g_clear_object (&texts->title);
  g_clear_object (&texts->small);
  g_clear_object (&texts->tag);
}

static void
draw_text (GtkSnapshot   *snapshot,
           PangoLayout   *layout,
           double         x,
           double         y,
           const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
text_size (PangoLayout *layout,
           const char  *text,
           int         *width,
           int         *height)
{
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, width, height);
}

/* ---------------------------------------------------------------------- */
/* Shapes                                                                  */

/* The app library does not link libm: the few shapes use fixed corners,
 * and rounding and exponentials are done here. */
#define SIN_60 0.86602540378443865

static const double diamond[] = { 0, -1, 1, 0, 0, 1, -1, 0 };
static const double triangle[] = { 0, -1, SIN_60, 0.5, -SIN_60, 0.5 };
static const double hexagon[] = {
  1, 0, 0.5, SIN_60, -0.5, SIN_60, -1, 0, -0.5, -SIN_60, 0.5, -SIN_60
};

static void
polygon (cairo_t      *cr,
         double        x,
         double        y,
         double        radius,
         const double *corners,
         guint         n)
{
  cairo_move_to (cr, x + radius * corners[0], y + radius * corners[1]);
  for (guint i = 1; i < n; i++)
    cairo_line_to (cr, x + radius * corners[2 * i], y + radius * corners[2 * i + 1]);
  cairo_close_path (cr);
}

static double
snap (double v)
{
  return (double) (gint64) (v >= 0 ? v + 0.5 : v - 0.5);
}

/* e^x for the small |x| of a scroll step. */
static double
exponential (double x)
{
  double result = 1 + x / 1024;

  for (guint i = 0; i < 10; i++)
    result *= result;
  return result;
}

/* Shapes of about the same visual weight for one radius. */
static void
shape_path (cairo_t        *cr,
            TscMarkerShape  shape,
            double          x,
            double          y,
            double          r)
{
  switch (shape)
    {
    case TSC_MARKER_CIRCLE:
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      break;
    case TSC_MARKER_SQUARE:
      cairo_rectangle (cr, x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
      break;
    case TSC_MARKER_DIAMOND:
      polygon (cr, x, y, r * 1.3, diamond, 4);
      break;
    case TSC_MARKER_TRIANGLE:
      polygon (cr, x, y + r * 0.2, r * 1.35, triangle, 3);
      break;
    case TSC_MARKER_HEXAGON:
      polygon (cr, x, y, r * 1.12, hexagon, 6);
      break;
    case TSC_MARKER_CROSS:
    default:
      {
        double a = r * 1.05;   /* arm length */
        double w = r * 0.38;   /* half the arm's width */

        cairo_move_to (cr, x - a, y - a + w);
        cairo_line_to (cr, x - a + w, y - a);
        cairo_line_to (cr, x, y - w);
        cairo_line_to (cr, x + a - w, y - a);
        cairo_line_to (cr, x + a, y - a + w);
        cairo_line_to (cr, x + w, y);
        cairo_line_to (cr, x + a, y + a - w);
        cairo_line_to (cr, x + a - w, y + a);
        cairo_line_to (cr, x, y + w);
        cairo_line_to (cr, x - a + w, y + a);
        cairo_line_to (cr, x - a, y + a - w);
        cairo_line_to (cr, x - w, y);
        cairo_close_path (cr);
      }
      break;
    }
}

static void
draw_marker (cairo_t                 *cr,
             const TscTimelineMarker *marker,
             const Palette           *palette,
             gboolean                 outline_it)
{
  double alpha = marker->in_scope ? 1.0 : 0.3;
  double r = TSC_TIMELINE_MARKER_RADIUS;
  GdkRGBA fill;
  GdkRGBA outline = palette->bg;

  if (marker->severity != TSC_SEVERITY_OFF)
    {
      GdkRGBA ring;

      /* A flagged call: filled with its worst severity, ringed. */
      tsc_severity_color (marker->severity, palette->dark, &fill);
      ring = fill;
      cairo_new_path (cr);
      cairo_arc (cr, marker->x, marker->y, r + 4.5, 0, 2 * G_PI);
      cairo_set_source_rgba (cr, palette->bg.red, palette->bg.green, palette->bg.blue, 0.85 * alpha);
      cairo_fill_preserve (cr);
      cairo_set_line_width (cr, 2.0);
      cairo_set_source_rgba (cr, ring.red, ring.green, ring.blue, alpha);
      cairo_stroke (cr);
    }
  else
    fill = with_alpha (&palette->fg, 0.8);

  cairo_new_path (cr);
  shape_path (cr, marker->shape, marker->x, marker->y, r);
  cairo_set_source_rgba (cr, fill.red, fill.green, fill.blue, fill.alpha * alpha);
  if (!outline_it)
    {
      cairo_fill (cr);
      return;
    }
  cairo_fill_preserve (cr);
  cairo_set_line_width (cr, 1.25);
  cairo_set_source_rgba (cr, outline.red, outline.green, outline.blue, 0.9 * alpha);
  cairo_stroke (cr);
}

/* ---------------------------------------------------------------------- */
/* Drawing                                                                 */

static gboolean
lane_on_screen (const TscTimelineLane *lane,
                int                    height)
{
  return lane->in_scope &&
         lane->y + TSC_TIMELINE_LANE_HEIGHT > TSC_TIMELINE_AXIS_HEIGHT &&
         lane->y < height;
}

static void
draw_chrome (TscTimeline   *self,
             GtkSnapshot   *snapshot,
             const Palette *palette,
             int            width,
             int            height)
{
  TscTimelineLayout *layout = self->layout;
  GdkRGBA header_bg = with_alpha (&palette->fg, palette->dark ? 0.04 : 0.03);
  GdkRGBA stripe = with_alpha (&palette->fg, palette->dark ? 0.025 : 0.018);
  GdkRGBA line = with_alpha (&palette->fg, 0.1);
  guint n = layout ? tsc_timeline_layout_get_n_lanes (layout) : 0;
  guint shown = 0;

  gtk_snapshot_append_color (snapshot, &header_bg,
                             &GRAPHENE_RECT_INIT (0, 0, TSC_TIMELINE_HEADER_WIDTH, height));

  for (guint i = 0; i < n; i++)
    {
      const TscTimelineLane *lane = tsc_timeline_layout_get_lane (layout, i);

      if (!lane->in_scope)
        continue;
      if (lane_on_screen (lane, height))
        {
          if (shown % 2 == 1)
            gtk_snapshot_append_color (snapshot, &stripe,
                                       &GRAPHENE_RECT_INIT (TSC_TIMELINE_HEADER_WIDTH, lane->y,
                                                            width - TSC_TIMELINE_HEADER_WIDTH,
                                                            TSC_TIMELINE_LANE_HEIGHT));
          gtk_snapshot_append_color (snapshot, &line,
                                     &GRAPHENE_RECT_INIT (0, lane->y + TSC_TIMELINE_LANE_HEIGHT - 1,
                                                          width, 1));
        }
      shown++;
    }

  gtk_snapshot_append_color (snapshot, &line,
                             &GRAPHENE_RECT_INIT (TSC_TIMELINE_HEADER_WIDTH - 1, 0, 1, height));
}

static void
draw_grid (TscTimeline   *self,
           GtkSnapshot   *snapshot,
           const Palette *palette,
           int            height)
{
  GdkRGBA grid = with_alpha (&palette->fg, palette->dark ? 0.07 : 0.06);
  gint64 end = tsc_timeline_layout_get_end (self->layout);
  gint64 first;
  gint64 step;

  tsc_timeline_layout_get_ticks (self->layout, MIN_TICK_SPACING, &first, &step);
  for (gint64 t = first; t <= end; t += step)
    {
      double x = snap (tsc_timeline_layout_time_to_x (self->layout, t));

      gtk_snapshot_append_color (snapshot, &grid,
                                 &GRAPHENE_RECT_INIT (x, TSC_TIMELINE_AXIS_HEIGHT, 1,
                                                      height - TSC_TIMELINE_AXIS_HEIGHT));
    }
}

static void
draw_bands (TscTimeline   *self,
            GtkSnapshot   *snapshot,
            const Palette *palette,
            Texts         *texts,
            int            width,
            int            height)
{
  TscTimelineLayout *layout = self->layout;
  guint n = tsc_timeline_layout_get_n_lanes (layout);

  for (guint i = 0; i < n; i++)
    {
      const TscTimelineLane *lane = tsc_timeline_layout_get_lane (layout, i);

      if (!lane_on_screen (lane, height))
        continue;

      for (guint b = 0; b < lane->bands->len; b++)
        {
          const TscTimelineBand *band = &g_array_index (lane->bands, TscTimelineBand, b);
          gboolean in_scope = tsc_timeline_layout_band_in_scope (layout, band);
          double alpha = in_scope ? 1.0 : 0.35;
          graphene_size_t round_corner = GRAPHENE_SIZE_INIT (BAND_RADIUS, BAND_RADIUS);
          graphene_size_t square_corner = GRAPHENE_SIZE_INIT (0, 0);
          graphene_rect_t rect;
          GskRoundedRect outline;
          GdkRGBA color;
          GdkRGBA fill;
          GdkRGBA edge;
          GdkRGBA edges[4];
          const float widths[4] = { 1, 1, 1, 1 };
          const char *text;
          double visible_x0;
          double visible_x1;
          int text_width;
          int text_height;

          if (!tsc_timeline_layout_band_rect (layout, i, band, &rect))
            continue;

          tsc_timeline_layout_band_color (band, palette->dark, &color);
          if (band->user_id != NULL)
            {
              fill = with_alpha (&color, (palette->dark ? 0.30 : 0.22) * alpha);
              edge = with_alpha (&color, 0.75 * alpha);
            }
          else
            {
              fill = with_alpha (&color, (palette->dark ? 0.45 : 0.40) * alpha);
              edge = with_alpha (&color, 0.9 * alpha);
            }
          edges[0] = edges[1] = edges[2] = edges[3] = edge;

          gsk_rounded_rect_init (&outline, &rect,
                                 band->opens_stream ? &round_corner : &square_corner,
                                 band->closes_stream ? &round_corner : &square_corner,
                                 band->closes_stream ? &round_corner : &square_corner,
                                 band->opens_stream ? &round_corner : &square_corner);
          gtk_snapshot_push_rounded_clip (snapshot, &outline);
          gtk_snapshot_append_color (snapshot, &fill, &rect);
          gtk_snapshot_pop (snapshot);
          gtk_snapshot_append_border (snapshot, &outline, widths, edges);

          /* The label stays in view while the band is scrolled past. */
          text = band->user_id ? band->user_id : _("anonymous");
          text_size (texts->small, text, &text_width, &text_height);
          visible_x0 = MAX (rect.origin.x, TSC_TIMELINE_HEADER_WIDTH);
          visible_x1 = MIN (rect.origin.x + rect.size.width, width);
          if (visible_x1 - visible_x0 >= text_width + 16)
            {
              GdkRGBA ink = with_alpha (&palette->fg, (band->user_id ? 0.9 : 0.6) * alpha);

              draw_text (snapshot, texts->small, visible_x0 + 8, rect.origin.y + 3, &ink);
            }
        }
    }
}

typedef struct
{
  double      x;
  guint       lane;
  double      y;
  const char *text;
  gboolean    is_reset;
  gboolean    in_scope;
} Tag;

static int
compare_tags (gconstpointer a,
              gconstpointer b)
{
  const Tag *ta = a;
  const Tag *tb = b;

  return (ta->x > tb->x) - (ta->x < tb->x);
}

static void
draw_dividers (TscTimeline   *self,
               cairo_t       *cr,
               const Palette *palette,
               GArray        *tags,
               int            height)
{
  TscTimelineLayout *layout = self->layout;
  guint n = tsc_timeline_layout_get_n_lanes (layout);
  static const double dashes[] = { 4.0, 3.0 };
  GdkRGBA ink = with_alpha (&palette->fg, 0.6);

  cairo_save (cr);
  cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
  cairo_set_line_width (cr, 1.5);
  gdk_cairo_set_source_rgba (cr, &ink);

  for (guint i = 0; i < n; i++)
    {
      const TscTimelineLane *lane = tsc_timeline_layout_get_lane (layout, i);

      if (!lane_on_screen (lane, height))
        continue;

      for (guint d = 0; d < lane->dividers->len; d++)
        {
          const TscTimelineDivider *divider = &g_array_index (lane->dividers, TscTimelineDivider, d);
          double x = snap (tsc_timeline_layout_time_to_x (layout, divider->time)) + 0.5;
          Tag tag = { x, i, lane->y + TSC_TIMELINE_LABEL_Y, _("reset"), TRUE, TRUE };

          if (divider->time == 0 || x < TSC_TIMELINE_HEADER_WIDTH - 2 ||
              x > gtk_widget_get_width (GTK_WIDGET (self)) + 2)
            continue;

          cairo_move_to (cr, x, lane->y + 3);
          cairo_line_to (cr, x, lane->y + TSC_TIMELINE_LANE_HEIGHT - 3);
          cairo_stroke (cr);
          g_array_append_val (tags, tag);
        }
    }

  cairo_restore (cr);
}

static void
draw_highlight (cairo_t                 *cr,
                const TscTimelineMarker *marker,
                const GdkRGBA           *color,
                double                   radius,
                double                   line_width)
{
  cairo_new_path (cr);
  cairo_arc (cr, marker->x, marker->y, radius, 0, 2 * G_PI);
  cairo_set_line_width (cr, line_width);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_stroke (cr);
}

static void
draw_markers (TscTimeline   *self,
              GtkSnapshot   *snapshot,
              const Palette *palette,
              GArray        *tags,
              int            width,
              int            height)
{
  TscTimelineLayout *layout = self->layout;
  guint n_lanes = tsc_timeline_layout_get_n_lanes (layout);
  g_autofree double *last_x = g_new (double, MAX (n_lanes, 1));
  g_autofree gboolean *lane_visible = g_new (gboolean, MAX (n_lanes, 1));
  double margin = TSC_TIMELINE_HIT_RADIUS * tsc_timeline_layout_get_scale (layout);
  gint64 first_time = tsc_timeline_layout_get_start (layout) - (gint64) margin;
  gint64 last_time = tsc_timeline_layout_get_end (layout) + (gint64) margin;
  g_autoptr(GArray) important_positions = g_array_new (FALSE, FALSE, sizeof (guint));
  TscTimelineMarker marker;
  cairo_t *cr;
  guint begin;
  guint end;

  cr = gtk_snapshot_append_cairo (snapshot,
                                  &GRAPHENE_RECT_INIT (TSC_TIMELINE_HEADER_WIDTH, TSC_TIMELINE_AXIS_HEIGHT,
                                                       width - TSC_TIMELINE_HEADER_WIDTH,
                                                       height - TSC_TIMELINE_AXIS_HEIGHT));
  draw_dividers (self, cr, palette, tags, height);

  for (guint i = 0; i < n_lanes; i++)
    {
      last_x[i] = -G_MAXDOUBLE;
      lane_visible[i] = lane_on_screen (tsc_timeline_layout_get_lane (layout, i), height);
    }

  /* The selected call's lane gets a faint line at its time. */
  if (self->selected_seq != 0 && tsc_timeline_layout_find_marker (layout, self->selected_seq, &marker))
    {
      GdkRGBA line = with_alpha (&palette->accent, 0.45);
      const TscTimelineLane *lane = tsc_timeline_layout_get_lane (layout, marker.lane);

      gdk_cairo_set_source_rgba (cr, &line);
      cairo_rectangle (cr, snap (marker.x) - 1, lane->y + 2, 2, TSC_TIMELINE_LANE_HEIGHT - 4);
      cairo_fill (cr);
    }

  if (tsc_timeline_layout_get_range (layout, first_time, last_time, &begin, &end))
    {
      for (guint p = begin; p < end;
           p = tsc_timeline_layout_next_in_window (layout, p + 1, end, first_time, last_time))
        {
          gboolean important;
          double x;
          guint lane;

          /* Zoomed out, plain calls in the same pixel column are drawn once;
           * flagged and labelled ones always, on top, after the loop.
           * Lanes off screen are skipped before anything else is read. */
          if (!tsc_timeline_layout_peek (layout, p, &x, &lane, &important) || !lane_visible[lane])
            continue;
          if (important)
            {
              g_array_append_val (important_positions, p);
              continue;
            }
          if ((gint64) x == (gint64) last_x[lane])
            continue;

          if (!tsc_timeline_layout_get_marker (layout, p, &marker))
            continue;
          /* Where calls crowd, each is a thin tick: a run of them reads
           * as a bar whose gaps show the pauses, instead of a smear of
           * overlapping shapes. */
          if (ABS (x - last_x[lane]) < CROWDED)
            {
              GdkRGBA ink = with_alpha (&palette->fg, marker.in_scope ? 0.55 : 0.2);

              gdk_cairo_set_source_rgba (cr, &ink);
              cairo_rectangle (cr, (double) (gint64) x, marker.y - TSC_TIMELINE_MARKER_RADIUS, 1,
                               2 * TSC_TIMELINE_MARKER_RADIUS);
              cairo_fill (cr);
            }
          else
            draw_marker (cr, &marker, palette, TRUE);
          last_x[lane] = x;
        }

      for (guint i = 0; i < important_positions->len; i++)
        {
          if (!tsc_timeline_layout_get_marker (layout, g_array_index (important_positions, guint, i), &marker))
            continue;
          draw_marker (cr, &marker, palette, TRUE);

          if (marker.event != TSC_TIMELINE_EVENT_NONE && marker.row->label != NULL)
            {
              Tag tag = { marker.x, marker.lane, marker.y - TSC_TIMELINE_MARKER_Y + TSC_TIMELINE_LABEL_Y,
                          marker.row->label, FALSE, marker.in_scope };
              g_array_append_val (tags, tag);
            }
        }
    }

  if (self->hover_seq != 0 && self->hover_seq != self->selected_seq &&
      tsc_timeline_layout_find_marker (layout, self->hover_seq, &marker))
    {
      GdkRGBA ring = with_alpha (&palette->fg, 0.45);
      draw_highlight (cr, &marker, &ring, TSC_TIMELINE_MARKER_RADIUS + 4.5, 1.5);
    }

  if (self->selected_seq != 0 && tsc_timeline_layout_find_marker (layout, self->selected_seq, &marker))
    {
      GdkRGBA halo = with_alpha (&palette->accent, 0.3);

      cairo_new_path (cr);
      cairo_arc (cr, marker.x, marker.y, TSC_TIMELINE_MARKER_RADIUS + 8, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba (cr, &palette->bg);
      cairo_fill_preserve (cr);
      gdk_cairo_set_source_rgba (cr, &halo);
      cairo_fill (cr);
      draw_highlight (cr, &marker, &palette->accent, TSC_TIMELINE_MARKER_RADIUS + 8, 2.5);
      draw_marker (cr, &marker, palette, TRUE);
    }

  cairo_destroy (cr);
}

typedef struct
{
  guint  lane;
  double x0;
  double x1;
} Span;

static gboolean
span_free (GArray *spans,
           guint   lane,
           double  x0,
           double  x1)
{
  for (guint i = 0; i < spans->len; i++)
    {
      const Span *span = &g_array_index (spans, Span, i);

      if (span->lane == lane && x0 < span->x1 + 6 && x1 > span->x0 - 6)
        return FALSE;
    }
  return TRUE;
}

/* Reset tags and event labels in the row under the bands. Resets go
 * first; an event label sits centred under its marker, or ends or
 * starts at it when that keeps it clear of the others, or is left out. */
#define MAX_TAGS 400

static void
draw_tags (TscTimeline   *self,
           GtkSnapshot   *snapshot,
           const Palette *palette,
           Texts         *texts,
           GArray        *tags)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  GdkRGBA ink = with_alpha (&palette->fg, 0.85);
  GdkRGBA dim = with_alpha (&palette->fg, 0.65);
  GdkRGBA faint = with_alpha (&palette->fg, 0.3);
  GdkRGBA pill = with_alpha (&palette->fg, palette->dark ? 0.14 : 0.09);

  g_array_sort (tags, compare_tags);

  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < tags->len && spans->len < MAX_TAGS; i++)
      {
        const Tag *tag = &g_array_index (tags, Tag, i);
        PangoLayout *layout = tag->is_reset ? texts->small : texts->tag;
        double candidates[3];
        guint n_candidates;
        int w;
        int h;

        if (tag->is_reset != (pass == 0))
          continue;

        text_size (layout, tag->text, &w, &h);
        if (tag->is_reset)
          {
            /* A pill on the dashed line. */
            candidates[0] = tag->x - w / 2.0;
            n_candidates = 1;
          }
        else
          {
            candidates[0] = tag->x - w / 2.0;
            candidates[1] = tag->x + 6 - w;
            candidates[2] = tag->x - 6;
            n_candidates = 3;
          }

        for (guint c = 0; c < n_candidates; c++)
          {
            Span span = { tag->lane, candidates[c], candidates[c] + w };

            if (!span_free (spans, span.lane, span.x0, span.x1))
              continue;

            g_array_append_val (spans, span);
            if (tag->is_reset)
              {
                GskRoundedRect outline;

                gsk_rounded_rect_init_from_rect (&outline,
                                                 &GRAPHENE_RECT_INIT (span.x0 - 5, tag->y - 1, w + 10, h + 2),
                                                 (h + 2) / 2.0);
                gtk_snapshot_push_rounded_clip (snapshot, &outline);
                gtk_snapshot_append_color (snapshot, &palette->bg, &outline.bounds);
                gtk_snapshot_append_color (snapshot, &pill, &outline.bounds);
                gtk_snapshot_pop (snapshot);
              }
            draw_text (snapshot, layout, span.x0, tag->y,
                       tag->is_reset ? &dim : tag->in_scope ? &ink : &faint);
            break;
          }
      }
}

static void
draw_axis (TscTimeline   *self,
           GtkSnapshot   *snapshot,
           const Palette *palette,
           Texts         *texts,
           int            width)
{
  GdkRGBA line = with_alpha (&palette->fg, 0.15);
  GdkRGBA tick = with_alpha (&palette->fg, 0.35);
  GdkRGBA ink = with_alpha (&palette->fg, 0.75);
  GdkRGBA dim = with_alpha (&palette->fg, 0.55);
  GdkRGBA header_bg = with_alpha (&palette->fg, palette->dark ? 0.04 : 0.03);
  gint64 start;
  gint64 end;
  gint64 first;
  gint64 step;

  gtk_snapshot_append_color (snapshot, &palette->bg,
                             &GRAPHENE_RECT_INIT (0, 0, width, TSC_TIMELINE_AXIS_HEIGHT));
  gtk_snapshot_append_color (snapshot, &header_bg,
                             &GRAPHENE_RECT_INIT (0, 0, TSC_TIMELINE_HEADER_WIDTH,
                                                  TSC_TIMELINE_AXIS_HEIGHT));
  gtk_snapshot_append_color (snapshot, &line,
                             &GRAPHENE_RECT_INIT (0, TSC_TIMELINE_AXIS_HEIGHT - 1, width, 1));
  gtk_snapshot_append_color (snapshot, &line,
                             &GRAPHENE_RECT_INIT (TSC_TIMELINE_HEADER_WIDTH - 1, 0, 1,
                                                  TSC_TIMELINE_AXIS_HEIGHT));

  if (self->layout == NULL)
    return;

  start = tsc_timeline_layout_get_start (self->layout);
  end = tsc_timeline_layout_get_end (self->layout);

  /* The day of the window's start, in the corner. */
  {
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (start / G_USEC_PER_SEC);
    g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;
    g_autofree char *date = local ? g_date_time_format (local, "%a %e %b %Y") : NULL;
    int w;
    int h;

    if (date != NULL && tsc_timeline_layout_get_n_rows (self->layout) > 0)
      {
        text_size (texts->small, g_strstrip (date), &w, &h);
        draw_text (snapshot, texts->small, 12, (TSC_TIMELINE_AXIS_HEIGHT - h) / 2.0, &dim);
      }
  }

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (TSC_TIMELINE_HEADER_WIDTH, 0,
                                                         width - TSC_TIMELINE_HEADER_WIDTH,
                                                         TSC_TIMELINE_AXIS_HEIGHT));
  tsc_timeline_layout_get_ticks (self->layout, MIN_TICK_SPACING, &first, &step);
  for (gint64 t = first; t <= end; t += step)
    {
      double x = snap (tsc_timeline_layout_time_to_x (self->layout, t));
      g_autofree char *label = tsc_timeline_format_tick (t, step);
      int w;
      int h;

      gtk_snapshot_append_color (snapshot, &tick,
                                 &GRAPHENE_RECT_INIT (x, TSC_TIMELINE_AXIS_HEIGHT - 6, 1, 5));
      text_size (texts->small, g_strstrip (label), &w, &h);
      if (x - w / 2.0 >= TSC_TIMELINE_HEADER_WIDTH + 2 && x + w / 2.0 <= width - 2)
        draw_text (snapshot, texts->small, x - w / 2.0, (TSC_TIMELINE_AXIS_HEIGHT - 6 - h) / 2.0, &ink);
    }
  gtk_snapshot_pop (snapshot);
}

/* An origin reads better without its scheme; the tooltip has it all. */
static const char *
short_label (const char *label)
{
  if (label == NULL)
    return "";
  if (g_str_has_prefix (label, "https://"))
    return label + strlen ("https://");
  if (g_str_has_prefix (label, "http://"))
    return label + strlen ("http://");
  return label;
}

/* Small glyphs for the lane headers, drawn rather than taken from the
 * icon theme: a screen for a device, a person for a user's server calls. */
static void
draw_glyph (GtkSnapshot         *snapshot,
            TscTimelineLaneKind  kind,
            double               x,
            double               y,
            const GdkRGBA       *color)
{
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x, y, 16, 16));

  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 1.5);
  if (kind == TSC_TIMELINE_LANE_USER)
    {
      cairo_arc (cr, x + 8, y + 5, 3.25, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_move_to (cr, x + 2, y + 15);
      cairo_curve_to (cr, x + 2, y + 8.5, x + 14, y + 8.5, x + 14, y + 15);
      cairo_close_path (cr);
      cairo_fill (cr);
    }
  else
    {
      cairo_rectangle (cr, x + 1.75, y + 2.75, 12.5, 8.5);
      cairo_stroke (cr);
      cairo_rectangle (cr, x + 5, y + 13, 6, 1.5);
      cairo_fill (cr);
    }
  cairo_destroy (cr);
}

static void
draw_headers (TscTimeline   *self,
              GtkSnapshot   *snapshot,
              const Palette *palette,
              Texts         *texts,
              int            height)
{
  TscTimelineLayout *layout = self->layout;
  guint n = tsc_timeline_layout_get_n_lanes (layout);
  GdkRGBA ink = palette->fg;
  GdkRGBA dim = with_alpha (&palette->fg, 0.6);
  int text_width = (TSC_TIMELINE_HEADER_WIDTH - 36 - 10) * PANGO_SCALE;

  pango_layout_set_width (texts->title, text_width);
  pango_layout_set_ellipsize (texts->title, PANGO_ELLIPSIZE_END);
  pango_layout_set_width (texts->small, text_width);
  pango_layout_set_ellipsize (texts->small, PANGO_ELLIPSIZE_END);

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, TSC_TIMELINE_AXIS_HEIGHT,
                                                         TSC_TIMELINE_HEADER_WIDTH - 1,
                                                         height - TSC_TIMELINE_AXIS_HEIGHT));

  for (guint i = 0; i < n; i++)
    {
      const TscTimelineLane *lane = tsc_timeline_layout_get_lane (layout, i);
      g_autofree char *subtitle = NULL;
      GdkRGBA icon_color = dim;

      if (!lane_on_screen (lane, height))
        continue;

      if (lane->kind == TSC_TIMELINE_LANE_USER)
        {
          tsc_user_color (lane->user_id, palette->dark, &icon_color);
          subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u server call",
                                                   "%u server calls", lane->n_messages),
                                      lane->n_messages);
        }
      else
        {
          g_autofree char *streams = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u stream",
                                                                   "%u streams", lane->n_streams),
                                                      lane->n_streams);
          g_autofree char *calls = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u call",
                                                                 "%u calls", lane->n_messages),
                                                    lane->n_messages);

          subtitle = g_strdup_printf ("%s · %s", streams, calls);
        }

      draw_glyph (snapshot, lane->kind, 12, lane->y + 14, &icon_color);
      pango_layout_set_text (texts->title, short_label (lane->label), -1);
      draw_text (snapshot, texts->title, 36, lane->y + 11, &ink);
      pango_layout_set_text (texts->small, subtitle, -1);
      draw_text (snapshot, texts->small, 36, lane->y + 33, &dim);
    }

  gtk_snapshot_pop (snapshot);

  pango_layout_set_width (texts->title, -1);
  pango_layout_set_width (texts->small, -1);
  pango_layout_set_ellipsize (texts->small, PANGO_ELLIPSIZE_NONE);
}

static void
draw_empty (TscTimeline   *self,
            GtkSnapshot   *snapshot,
            const Palette *palette,
            Texts         *texts,
            int            width,
            int            height)
{
  GdkRGBA dim = with_alpha (&palette->fg, 0.55);
  int w;
  int h;

  text_size (texts->title, _("No calls yet"), &w, &h);
  draw_text (snapshot, texts->title,
             TSC_TIMELINE_HEADER_WIDTH + (width - TSC_TIMELINE_HEADER_WIDTH - w) / 2.0,
             TSC_TIMELINE_AXIS_HEIGHT + (height - TSC_TIMELINE_AXIS_HEIGHT - h) / 2.0, &dim);
}

static void
tsc_timeline_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  TscTimeline *self = TSC_TIMELINE (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GArray) tags = g_array_new (FALSE, FALSE, sizeof (Tag));
  Palette palette;
  Texts texts;

  if (width <= TSC_TIMELINE_HEADER_WIDTH || height <= TSC_TIMELINE_AXIS_HEIGHT)
    return;

  get_palette (self, &palette);
  texts_init (self, &texts);

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw_chrome (self, snapshot, &palette, width, height);

  if (self->layout != NULL && tsc_timeline_layout_get_n_rows (self->layout) > 0)
    {
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (TSC_TIMELINE_HEADER_WIDTH, TSC_TIMELINE_AXIS_HEIGHT,
                                                             width - TSC_TIMELINE_HEADER_WIDTH,
                                                             height - TSC_TIMELINE_AXIS_HEIGHT));
      draw_grid (self, snapshot, &palette, height);
      draw_bands (self, snapshot, &palette, &texts, width, height);
      draw_markers (self, snapshot, &palette, tags, width, height);
      draw_tags (self, snapshot, &palette, &texts, tags);
      gtk_snapshot_pop (snapshot);
      draw_headers (self, snapshot, &palette, &texts, height);
    }
  else
    draw_empty (self, snapshot, &palette, &texts, width, height);

  draw_axis (self, snapshot, &palette, &texts, width);
  gtk_snapshot_pop (snapshot);

  texts_clear (&texts);
}

/* ---------------------------------------------------------------------- */
/* The view                                                                */

static void
stop_auto_fit (TscTimeline *self)
{
  self->auto_fit = FALSE;
}

static void
stop_following (TscTimeline *self)
{
  self->auto_fit = FALSE;
  tsc_timeline_set_follow_live (self, FALSE);
}

static void
update_view (TscTimeline *self)
{
  if (self->layout == NULL)
    return;
  if (self->auto_fit)
    tsc_timeline_layout_fit (self->layout);
  else if (self->follow_live)
    tsc_timeline_layout_follow (self->layout);
}

static void
zoom (TscTimeline *self,
      double       factor,
      double       anchor_x)
{
  if (self->layout == NULL)
    return;

  stop_auto_fit (self);
  tsc_timeline_layout_zoom (self->layout, factor, anchor_x);
  if (self->follow_live)
    tsc_timeline_layout_follow (self->layout);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static double
zoom_anchor (TscTimeline *self)
{
  TscTimelineMarker marker;
  int width = gtk_widget_get_width (GTK_WIDGET (self));

  /* The selected call if it is in view, else the middle. */
  if (self->layout != NULL && self->selected_seq != 0 &&
      tsc_timeline_layout_find_marker (self->layout, self->selected_seq, &marker) &&
      marker.x >= TSC_TIMELINE_HEADER_WIDTH && marker.x <= width)
    return marker.x;
  return TSC_TIMELINE_HEADER_WIDTH + (width - TSC_TIMELINE_HEADER_WIDTH) / 2.0;
}

static void
pan (TscTimeline *self,
     double       dx,
     double       dy)
{
  if (self->layout == NULL)
    return;
  /* Moving through time leaves the live edge; scrolling lanes does not. */
  if (dx != 0)
    stop_following (self);
  tsc_timeline_layout_pan (self->layout, dx, dy);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TscTimeline *self = TSC_TIMELINE (widget);
  zoom (self, ZOOM_STEP, zoom_anchor (self));
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TscTimeline *self = TSC_TIMELINE (widget);
  zoom (self, 1.0 / ZOOM_STEP, zoom_anchor (self));
}

static void
zoom_reset_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TscTimeline *self = TSC_TIMELINE (widget);

  self->auto_fit = TRUE;
  update_view (self);
  gtk_widget_queue_draw (widget);
}

static gboolean
pan_shortcut_cb (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   user_data)
{
  TscTimeline *self = TSC_TIMELINE (widget);
  double fraction = g_variant_get_double (args);

  pan (self, fraction * (gtk_widget_get_width (widget) - TSC_TIMELINE_HEADER_WIDTH), 0);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Input                                                                   */

static gboolean
on_scroll_cb (GtkEventControllerScroll *controller,
              double                    dx,
              double                    dy,
              TscTimeline              *self)
{
  GdkModifierType state =
    gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  gboolean wheel = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL;

  if (self->layout == NULL)
    return FALSE;

  if (state & GDK_CONTROL_MASK)
    {
      double anchor = self->pointer_inside ? MAX (self->pointer_x, TSC_TIMELINE_HEADER_WIDTH)
                                           : zoom_anchor (self);
      double steps = dy != 0 ? dy : dx;

      zoom (self, exponential (-steps * (wheel ? WHEEL_ZOOM : SURFACE_ZOOM)), anchor);
      return TRUE;
    }

  if (wheel)
    {
      dx *= WHEEL_PAN;
      dy *= WHEEL_PAN;
    }

  /* Shift turns the wheel sideways. With lanes to scroll through, the
   * wheel scrolls them; otherwise it moves through time. */
  if (state & GDK_SHIFT_MASK)
    {
      double t = dx;
      dx = dy;
      dy = t;
    }
  if (dy != 0 &&
      tsc_timeline_layout_get_content_height (self->layout) <= gtk_widget_get_height (GTK_WIDGET (self)))
    {
      dx += dy;
      dy = 0;
    }

  pan (self, dx, dy);
  return TRUE;
}

static void
on_drag_begin_cb (GtkGestureDrag *gesture,
                  double          x,
                  double          y,
                  TscTimeline    *self)
{
  if (self->layout == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->drag_start = tsc_timeline_layout_get_start (self->layout);
  self->drag_y_offset = tsc_timeline_layout_get_y_offset (self->layout);
  self->dragging = FALSE;
}

static void
on_drag_update_cb (GtkGestureDrag *gesture,
                   double          offset_x,
                   double          offset_y,
                   TscTimeline    *self)
{
  double scale;

  if (self->layout == NULL)
    return;

  if (!self->dragging)
    {
      if (offset_x * offset_x + offset_y * offset_y < DRAG_THRESHOLD * DRAG_THRESHOLD)
        return;
      self->dragging = TRUE;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
    }

  if (offset_x != 0)
    stop_following (self);
  scale = tsc_timeline_layout_get_scale (self->layout);
  tsc_timeline_layout_set_window (self->layout, self->drag_start - (gint64) (offset_x * scale), scale);
  tsc_timeline_layout_set_y_offset (self->layout, self->drag_y_offset - offset_y);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_end_cb (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                TscTimeline    *self)
{
  if (self->dragging)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self), NULL);
  self->dragging = FALSE;
}

static void
on_click_pressed_cb (GtkGestureClick *gesture,
                     int              n_press,
                     double           x,
                     double           y,
                     TscTimeline     *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_click_released_cb (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      TscTimeline     *self)
{
  if (!self->dragging)
    tsc_timeline_select_at (self, x, y);
}

static void
set_hover (TscTimeline *self,
           gint64       seq)
{
  if (self->hover_seq == seq)
    return;
  self->hover_seq = seq;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), seq != 0 ? "pointer" : NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_motion_cb (GtkEventControllerMotion *controller,
              double                    x,
              double                    y,
              TscTimeline              *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  if (!self->dragging && self->layout != NULL)
    set_hover (self, tsc_timeline_layout_hit_test (self->layout, x, y, NULL));
}

static void
on_leave_cb (GtkEventControllerMotion *controller,
             TscTimeline              *self)
{
  self->pointer_inside = FALSE;
  if (!self->dragging)
    set_hover (self, 0);
}

static char *
describe_call (TscTimeline       *self,
               const TscIndexRow *row)
{
  GString *text = g_string_new (NULL);
  g_autofree char *time = tsc_format_time (row->time, TRUE);
  GPtrArray *flags = NULL;
  g_autofree char *head = NULL;

  if (row->label != NULL)
    head = g_markup_printf_escaped ("<b>%s</b> “%s”", tsc_message_type_to_string (row->type), row->label);
  else
    head = g_markup_printf_escaped ("<b>%s</b>", tsc_message_type_to_string (row->type));
  g_string_append (text, head);

  {
    g_autofree char *ids =
      g_markup_printf_escaped ("\n%s: <tt>%s</tt>\n%s: <tt>%s</tt>\n%s · #%" G_GINT64_FORMAT,
                               _("userId"), row->user_id ? row->user_id : "—",
                               _("anonymousId"), row->anonymous_id ? row->anonymous_id : "—",
                               time, row->seq);
    g_string_append (text, ids);
  }

  if (self->session != NULL)
    flags = tsc_identity_model_get_flags_for_seq (tsc_session_get_model (self->session), row->seq);

  for (guint i = 0; flags != NULL && i < flags->len && i < 5; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);
      GdkRGBA color;
      g_autofree char *hex = NULL;
      g_autofree char *line = NULL;

      tsc_severity_color (flag->severity, is_dark (), &color);
      hex = g_strdup_printf ("#%02x%02x%02x", (int) (color.red * 255), (int) (color.green * 255),
                             (int) (color.blue * 255));
      line = g_markup_printf_escaped ("\n<span foreground=\"%s\">●</span> <b>%s</b> %s — %s", hex,
                                      tsc_severity_label (flag->severity), tsc_rule_get_info (flag->rule)->id,
                                      flag->summary);
      g_string_append (text, line);
    }
  if (flags != NULL && flags->len > 5)
    g_string_append_printf (text, "\n%s", _("…and more"));
  else if (flags == NULL && row->n_flags > 0)
    g_string_append_printf (text, "\n%s", tsc_severity_label (row->severity));

  return g_string_free (text, FALSE);
}

static gboolean
query_header_tooltip (TscTimeline *self,
                      int          y,
                      GtkTooltip  *tooltip)
{
  const TscTimelineLane *lane;
  g_autofree char *markup = NULL;
  guint i;

  if (!tsc_timeline_layout_lane_at_y (self->layout, y, &i))
    return FALSE;

  lane = tsc_timeline_layout_get_lane (self->layout, i);
  if (lane->kind == TSC_TIMELINE_LANE_USER)
    markup = g_markup_printf_escaped ("<b>%s</b>\n%s", lane->label,
                                      _("Calls from a server for this user (no anonymousId)"));
  else if (lane->client != NULL && lane->client->lane == NULL)
    markup = g_markup_printf_escaped ("<b>%s</b>\n%s", lane->label,
                                      _("A device: calls from one sender "
                                        "(address, browser, origin and write key)"));
  else
    markup = g_markup_printf_escaped ("<b>%s</b>", lane->label);

  gtk_tooltip_set_markup (tooltip, markup);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { 0, (int) lane->y, (int) TSC_TIMELINE_HEADER_WIDTH,
                                                       (int) TSC_TIMELINE_LANE_HEIGHT });
  return TRUE;
}

static gboolean
tsc_timeline_query_tooltip (GtkWidget  *widget,
                            int         x,
                            int         y,
                            gboolean    keyboard_mode,
                            GtkTooltip *tooltip)
{
  TscTimeline *self = TSC_TIMELINE (widget);
  TscTimelineMarker marker;
  g_autofree char *markup = NULL;
  guint position;
  gint64 seq;

  if (self->layout == NULL)
    return FALSE;

  if (!keyboard_mode && x < TSC_TIMELINE_HEADER_WIDTH)
    return query_header_tooltip (self, y, tooltip);

  if (keyboard_mode)
    seq = self->selected_seq;
  else
    seq = tsc_timeline_layout_hit_test (self->layout, x, y, &position);
  if (seq == 0 || !tsc_timeline_layout_find_marker (self->layout, seq, &marker))
    return FALSE;

  markup = describe_call (self, marker.row);
  gtk_tooltip_set_markup (tooltip, markup);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) {
                              (int) (marker.x - TSC_TIMELINE_HIT_RADIUS),
                              (int) (marker.y - TSC_TIMELINE_HIT_RADIUS),
                              (int) (2 * TSC_TIMELINE_HIT_RADIUS),
                              (int) (2 * TSC_TIMELINE_HIT_RADIUS) });
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The session                                                             */

/* A layout for the session's index and model. A session that loaded a
 * file has a new index and model: the view then starts afresh, fitted. */
static void
ensure_layout (TscTimeline *self)
{
  TscMessageIndex *index;
  TscIdentityModel *model;

  if (self->session == NULL)
    {
      g_clear_object (&self->layout);
      return;
    }

  index = tsc_session_get_index (self->session);
  model = tsc_session_get_model (self->session);
  if (self->layout != NULL && tsc_timeline_layout_get_index (self->layout) == index &&
      tsc_timeline_layout_get_model (self->layout) == model)
    return;

  g_clear_object (&self->layout);
  self->layout = tsc_timeline_layout_new (index, model, tsc_session_get_config (self->session));
  tsc_timeline_layout_set_size (self->layout, gtk_widget_get_width (GTK_WIDGET (self)),
                                gtk_widget_get_height (GTK_WIDGET (self)));
  tsc_timeline_layout_set_scope (self->layout, &self->scope);
  self->auto_fit = TRUE;
  self->hover_seq = 0;
}

static void
on_session_messages_added_cb (TscSession  *session,
                              guint        position,
                              guint        n_added,
                              GPtrArray   *flags,
                              TscTimeline *self)
{
  guint n_lanes;

  ensure_layout (self);
  n_lanes = tsc_timeline_layout_get_n_lanes (self->layout);
  tsc_timeline_layout_update (self->layout, position, n_added);
  update_view (self);

  if (tsc_timeline_layout_get_n_lanes (self->layout) != n_lanes)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * tsc_timeline_set_session:
 * @session: (nullable): what to show
 */
void
tsc_timeline_set_session (TscTimeline *self,
                          TscSession  *session)
{
  gboolean had_selection;

  g_return_if_fail (TSC_IS_TIMELINE (self));
  g_return_if_fail (session == NULL || TSC_IS_SESSION (session));

  if (self->session == session)
    return;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_session_messages_added_cb, self);
  g_set_object (&self->session, session);
  g_clear_object (&self->layout);
  had_selection = self->selected_seq != 0;
  self->selected_seq = 0;
  self->hover_seq = 0;
  self->auto_fit = TRUE;

  if (session != NULL)
    {
      g_signal_connect_object (session, "messages-added",
                               G_CALLBACK (on_session_messages_added_cb), self, 0);
      ensure_layout (self);
      tsc_timeline_layout_update (self->layout, 0, tsc_session_get_n_messages (session));
      update_view (self);
    }

  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
  if (had_selection)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SEQ]);
}

TscSession *
tsc_timeline_get_session (TscTimeline *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE (self), NULL);
  return self->session;
}

/**
 * tsc_timeline_get_layout:
 *
 * Returns: (transfer none) (nullable): what the timeline draws, %NULL
 *   without a session
 */
TscTimelineLayout *
tsc_timeline_get_layout (TscTimeline *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE (self), NULL);
  return self->layout;
}

gint64
tsc_timeline_get_selected_seq (TscTimeline *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE (self), 0);
  return self->selected_seq;
}

/**
 * tsc_timeline_set_selected_seq:
 * @seq: a call's seq, or 0 for none
 *
 * Selects the call and scrolls it into view. Following live stops when
 * that means leaving the newest calls.
 */
void
tsc_timeline_set_selected_seq (TscTimeline *self,
                               gint64       seq)
{
  g_return_if_fail (TSC_IS_TIMELINE (self));

  if (self->selected_seq == seq)
    return;

  self->selected_seq = seq;
  if (seq != 0 && self->layout != NULL)
    {
      gint64 before = tsc_timeline_layout_get_start (self->layout);

      if (tsc_timeline_layout_reveal (self->layout, seq))
        {
          stop_auto_fit (self);
          if (tsc_timeline_layout_get_start (self->layout) != before)
            tsc_timeline_set_follow_live (self, FALSE);
        }
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SEQ]);
}

/**
 * tsc_timeline_select_at:
 * @x: widget coordinates
 * @y:
 *
 * Selects the call at (@x, @y), as a click there does.
 *
 * Returns: the seq of the call, or 0 when there is none there (the
 *   selection is left as it was)
 */
gint64
tsc_timeline_select_at (TscTimeline *self,
                        double       x,
                        double       y)
{
  gint64 seq;

  g_return_val_if_fail (TSC_IS_TIMELINE (self), 0);

  if (self->layout == NULL)
    return 0;

  seq = tsc_timeline_layout_hit_test (self->layout, x, y, NULL);
  if (seq != 0)
    tsc_timeline_set_selected_seq (self, seq);
  return seq;
}

/**
 * tsc_timeline_set_scope:
 * @scope: (nullable): the client or user to narrow to, or %NULL for all
 *
 * Hides the lanes that have nothing in @scope and dims what is outside
 * it in the others.
 */
void
tsc_timeline_set_scope (TscTimeline    *self,
                        const TscScope *scope)
{
  g_return_if_fail (TSC_IS_TIMELINE (self));

  g_free (self->scope_user_id);
  self->scope_user_id = scope ? g_strdup (scope->user_id) : NULL;
  self->scope.client = scope ? scope->client : NULL;
  self->scope.user_id = self->scope_user_id;

  if (self->layout != NULL)
    tsc_timeline_layout_set_scope (self->layout, &self->scope);

  gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
tsc_timeline_get_follow_live (TscTimeline *self)
{
  g_return_val_if_fail (TSC_IS_TIMELINE (self), FALSE);
  return self->follow_live;
}

/**
 * tsc_timeline_set_follow_live:
 *
 * Keeps the newest calls in view as they arrive, at the current zoom.
 * Panning back in time turns it off.
 */
void
tsc_timeline_set_follow_live (TscTimeline *self,
                              gboolean     follow_live)
{
  g_return_if_fail (TSC_IS_TIMELINE (self));

  follow_live = !!follow_live;
  if (self->follow_live == follow_live)
    return;

  self->follow_live = follow_live;
  update_view (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW_LIVE]);
}

/* ---------------------------------------------------------------------- */

static void
tsc_timeline_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  TscTimeline *self = TSC_TIMELINE (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = TSC_TIMELINE_HEADER_WIDTH + 160;
      *natural = TSC_TIMELINE_HEADER_WIDTH + 640;
    }
  else
    {
      *minimum = TSC_TIMELINE_AXIS_HEIGHT + TSC_TIMELINE_LANE_HEIGHT;
      *natural = self->layout ? (int) tsc_timeline_layout_get_content_height (self->layout)
                              : *minimum;
      *natural = MAX (*minimum, *natural);
    }
}

static void
tsc_timeline_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  TscTimeline *self = TSC_TIMELINE (widget);

  if (self->layout == NULL)
    return;

  tsc_timeline_layout_set_size (self->layout, width, height);
  update_view (self);
}

static void
on_style_manager_dark_cb (AdwStyleManager *manager,
                          GParamSpec      *pspec,
                          TscTimeline     *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
tsc_timeline_dispose (GObject *object)
{
  TscTimeline *self = (TscTimeline *) object;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_session_messages_added_cb, self);
  g_clear_object (&self->session);
  g_clear_object (&self->layout);

  G_OBJECT_CLASS (tsc_timeline_parent_class)->dispose (object);
}

static void
tsc_timeline_finalize (GObject *object)
{
  TscTimeline *self = (TscTimeline *) object;

  g_free (self->scope_user_id);

  G_OBJECT_CLASS (tsc_timeline_parent_class)->finalize (object);
}

static void
tsc_timeline_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TscTimeline *self = TSC_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SELECTED_SEQ:
      g_value_set_int64 (value, self->selected_seq);
      break;
    case PROP_FOLLOW_LIVE:
      g_value_set_boolean (value, self->follow_live);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_timeline_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TscTimeline *self = TSC_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      tsc_timeline_set_session (self, g_value_get_object (value));
      break;
    case PROP_SELECTED_SEQ:
      tsc_timeline_set_selected_seq (self, g_value_get_int64 (value));
      break;
    case PROP_FOLLOW_LIVE:
      tsc_timeline_set_follow_live (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_timeline_class_init (TscTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tsc_timeline_get_property;
  object_class->set_property = tsc_timeline_set_property;
  object_class->dispose = tsc_timeline_dispose;
  object_class->finalize = tsc_timeline_finalize;

  widget_class->snapshot = tsc_timeline_snapshot;
  widget_class->measure = tsc_timeline_measure;
  widget_class->size_allocate = tsc_timeline_size_allocate;
  widget_class->query_tooltip = tsc_timeline_query_tooltip;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, TSC_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_SEQ] =
    g_param_spec_int64 ("selected-seq", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLLOW_LIVE] =
    g_param_spec_boolean ("follow-live", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "timeline.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-reset", NULL, zoom_reset_action);
  gtk_widget_class_install_property_action (widget_class, "timeline.follow-live", "follow-live");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "timeline.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0,
                                       "timeline.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "timeline.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, 0, "timeline.zoom-reset", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Left, 0, pan_shortcut_cb, "d", -0.125);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Right, 0, pan_shortcut_cb, "d", 0.125);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Page_Up, 0, pan_shortcut_cb, "d", -0.9);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Page_Down, 0, pan_shortcut_cb, "d", 0.9);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "timeline.follow-live", NULL);

  gtk_widget_class_set_css_name (widget_class, "timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tsc_timeline_init (TscTimeline *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;
  GtkGesture *gesture;

  self->auto_fit = TRUE;

  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_has_tooltip (widget, TRUE);
  gtk_widget_set_overflow (widget, GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (widget, "view");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Timeline"), -1);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll_cb), self);
  gtk_widget_add_controller (widget, controller);

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin_cb), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update_cb), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_drag_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_click_pressed_cb), self);
  g_signal_connect (gesture, "released", G_CALLBACK (on_click_released_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave_cb), self);
  gtk_widget_add_controller (widget, controller);

  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (on_style_manager_dark_cb), self, 0);
}

GtkWidget *
tsc_timeline_new (void)
{
  return g_object_new (TSC_TYPE_TIMELINE, NULL);
}
