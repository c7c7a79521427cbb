/* tsc-preferences-window.h: the capture and rules settings, bound to
 * GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TSC_TYPE_PREFERENCES_WINDOW (tsc_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (TscPreferencesWindow, tsc_preferences_window, TSC, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

TscPreferencesWindow *tsc_preferences_window_new          (GtkWindow            *transient_for,
                                                           GSettings            *settings);
GSettings            *tsc_preferences_window_get_settings (TscPreferencesWindow *self);

G_END_DECLS
