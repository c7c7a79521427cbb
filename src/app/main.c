/* main.c: trackscope
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "trackscope"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "tsc-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(TscApplication) application = NULL;
  const char *localedir;

  setlocale (LC_ALL, "");
  /* TRACKSCOPE_LOCALEDIR overrides LOCALEDIR, so that an uninstalled build
   * finds its catalogs (e.g. TRACKSCOPE_LOCALEDIR=build/po, where meson
   * writes <lang>/LC_MESSAGES/trackscope.mo). */
  localedir = g_getenv ("TRACKSCOPE_LOCALEDIR");
  if (localedir == NULL || *localedir == '\0')
    localedir = LOCALEDIR;
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name ("Trackscope");

  application = tsc_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
