/* tsc-view-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-view-utils"

#include "config.h"

#include <glib/gi18n.h>

#include "tsc-view-utils.h"

gboolean
tsc_scope_matches (const TscScope    *scope,
                   const TscIndexRow *row)
{
  if (scope == NULL)
    return TRUE;
  if (scope->client != NULL && row->client != scope->client)
    return FALSE;
  if (scope->user_id != NULL && g_strcmp0 (row->user_id, scope->user_id) != 0)
    return FALSE;
  return TRUE;
}

/* From the GNOME palette (shades 3–5 light, 1–3 dark): blue, green,
 * yellow, orange, dark blue, purple, brown, teal and pink. No red: that
 * is the error colour of flags. */
static const char *light_palette[] = {
  "#1c71d8", "#2ec27e", "#c88800", "#e66100", "#1a5fb4", "#813d9c", "#865e3c", "#0f8b8d", "#c64b8a",
};

static const char *dark_palette[] = {
  "#62a0ea", "#57e389", "#f8e45c", "#ffa348", "#99c1f1", "#c061cb", "#cdab8f", "#5ad0d0", "#f491c4",
};

/**
 * tsc_user_color:
 *
 * The same userId gets the same colour in every view and every run.
 */
void
tsc_user_color (const char *user_id,
                gboolean    dark,
                GdkRGBA    *color)
{
  guint hash = 5381;

  g_return_if_fail (color != NULL);

  for (const char *p = user_id ? user_id : ""; *p; p++)
    hash = hash * 33 + (guchar) *p;

  gdk_rgba_parse (color, (dark ? dark_palette : light_palette)[hash % G_N_ELEMENTS (light_palette)]);
}

void
tsc_anonymous_color (gboolean  dark,
                     GdkRGBA  *color)
{
  gdk_rgba_parse (color, dark ? "#5e5c64" : "#c0bfbc");
}

void
tsc_severity_color (TscSeverity  severity,
                    gboolean     dark,
                    GdkRGBA     *color)
{
  switch (severity)
    {
    case TSC_SEVERITY_ERROR:
      gdk_rgba_parse (color, dark ? "#ff7b63" : "#c01c28");
      break;
    case TSC_SEVERITY_WARNING:
      gdk_rgba_parse (color, dark ? "#f8e45c" : "#ae7b03");
      break;
    case TSC_SEVERITY_INFO:
      gdk_rgba_parse (color, dark ? "#99c1f1" : "#1c71d8");
      break;
    case TSC_SEVERITY_OFF:
    default:
      gdk_rgba_parse (color, dark ? "#77767b" : "#9a9996");
      break;
    }
}

const char *
tsc_severity_label (TscSeverity severity)
{
  switch (severity)
    {
    case TSC_SEVERITY_ERROR:
      return _("Error");
    case TSC_SEVERITY_WARNING:
      return _("Warning");
    case TSC_SEVERITY_INFO:
      return _("Info");
    case TSC_SEVERITY_OFF:
    default:
      return _("No flags");
    }
}

const char *
tsc_severity_icon_name (TscSeverity severity)
{
  switch (severity)
    {
    case TSC_SEVERITY_ERROR:
      return "dialog-error-symbolic";
    case TSC_SEVERITY_WARNING:
      return "dialog-warning-symbolic";
    case TSC_SEVERITY_INFO:
      return "dialog-information-symbolic";
    case TSC_SEVERITY_OFF:
    default:
      return "emblem-ok-symbolic";
    }
}

TscMarkerShape
tsc_marker_shape_for_type (TscMessageType type)
{
  switch (type)
    {
    case TSC_MESSAGE_TYPE_TRACK:
      return TSC_MARKER_CIRCLE;
    case TSC_MESSAGE_TYPE_PAGE:
    case TSC_MESSAGE_TYPE_SCREEN:
      return TSC_MARKER_SQUARE;
    case TSC_MESSAGE_TYPE_IDENTIFY:
      return TSC_MARKER_DIAMOND;
    case TSC_MESSAGE_TYPE_ALIAS:
      return TSC_MARKER_TRIANGLE;
    case TSC_MESSAGE_TYPE_GROUP:
      return TSC_MARKER_HEXAGON;
    case TSC_MESSAGE_TYPE_UNKNOWN:
    default:
      return TSC_MARKER_CROSS;
    }
}

/**
 * tsc_format_time:
 * @usec: µs since the epoch, or 0 when unknown
 *
 * Returns: (transfer full): the local time as HH:MM:SS.mmm (with the
 *   date first when @with_date), or an em dash when unknown
 */
char *
tsc_format_time (gint64   usec,
                 gboolean with_date)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *text = NULL;

  if (usec <= 0)
    return g_strdup ("—");

  utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (utc == NULL)
    return g_strdup ("—");

  local = g_date_time_to_local (utc);
  text = g_date_time_format (local, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S");
  return g_strdup_printf ("%s.%03d", text, (int) ((usec % G_USEC_PER_SEC) / 1000));
}

/**
 * tsc_describe_upstream:
 *
 * Returns: (transfer full) (nullable): what forwarding made of a
 *   request, for people ("Accepted (200) after 2 attempts", "Not
 *   accepted: 503 after 4 attempts (storage_failed)"), %NULL when it was
 *   not forwarded
 */
char *
tsc_describe_upstream (const TscUpstreamOutcome *outcome)
{
  g_autofree char *attempts = NULL;

  if (outcome == NULL || outcome->state == TSC_UPSTREAM_NONE)
    return NULL;
  if (outcome->state == TSC_UPSTREAM_PENDING)
    return g_strdup (_("Sending…"));

  attempts = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "after %u attempt", "after %u attempts",
                                           outcome->attempts), outcome->attempts);

  if (outcome->error == NULL)
    /* TRANSLATORS: "Accepted (200) after 1 attempt" */
    return g_strdup_printf (_("Accepted (%u) %s"), outcome->status, attempts);
  if (outcome->attempts == 0)
    /* TRANSLATORS: %s says why, e.g. "not forwarded: queue full" */
    return g_strdup_printf (_("Not sent: %s"), outcome->error);
  if (outcome->status == 0)
    /* TRANSLATORS: "No reply after 4 attempts (connection refused)" */
    return g_strdup_printf (_("No reply %s (%s)"), attempts, outcome->error);
  /* TRANSLATORS: "Not accepted: 503 after 4 attempts (storage_failed)" */
  return g_strdup_printf (_("Not accepted: %u %s (%s)"), outcome->status, attempts, outcome->error);
}
