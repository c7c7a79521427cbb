/* tsc-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TSC_TYPE_APPLICATION (tsc_application_get_type ())
G_DECLARE_FINAL_TYPE (TscApplication, tsc_application, TSC, APPLICATION, AdwApplication)

TscApplication *tsc_application_new (void);

G_END_DECLS
