/* tsc-app-tool.h: what the tools that drive the real application
 * (screenshots, bench-frames) share, as static inline functions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tsc-application.h"
#include "tsc-window.h"

G_BEGIN_DECLS

/* Runs the main loop for @ms milliseconds; @may_block only where
 * something (a tick callback) keeps waking it. */
static inline void
tsc_app_tool_wait_ms (guint    ms,
                      gboolean may_block)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, may_block);
}

static inline void
tsc_app_tool_on_activate_cb (GApplication *app,
                             gpointer      data)
{
  g_timeout_add (500, (GSourceFunc) data, NULL);
}

/* Runs the real application, capturing on a free port, and calls @run
 * half a second after it activates; returns when it quits. */
static inline void
tsc_app_tool_run_app (GSourceFunc run)
{
  g_autoptr(TscApplication) app = tsc_application_new ();
  char *app_argv[] = { (char *) "trackscope", (char *) "--listen", (char *) "127.0.0.1:0", NULL };

  g_signal_connect_after (app, "activate", G_CALLBACK (tsc_app_tool_on_activate_cb), (gpointer) run);
  g_application_run (G_APPLICATION (app), G_N_ELEMENTS (app_argv) - 1, app_argv);
}

G_END_DECLS
