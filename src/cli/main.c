/* main.c: trackscope-cli
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "trackscope-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "tsc-cli.h"

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "capture", tsc_cli_capture, N_("Record calls sent to a local Segment-compatible collector") },
  { "check",   tsc_cli_check,   N_("Check recorded or exported calls for identity mistakes") },
};

void
tsc_cli_print_error (const char *format,
                     ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "trackscope-cli: %s\n", text);
}

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: trackscope-cli COMMAND [OPTION…]"));
  fprintf (out, "%s\n\n", _("Inspect product-analytics calls and the identity mistakes in them."));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run “trackscope-cli COMMAND --help” for the options of a command."));
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Lines must reach a pipe as they happen: tests and scripts read them. */
  setvbuf (stdout, NULL, _IOLBF, 0);

  g_set_prgname ("trackscope-cli");

  if (argc < 2)
    {
      print_usage (stderr);
      return TSC_EXIT_USAGE;
    }

  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return TSC_EXIT_OK;
    }

  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("trackscope-cli %s\n", PACKAGE_VERSION);
      return TSC_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[1], commands[i].name) == 0)
        {
          g_autofree char *prgname = g_strdup_printf ("trackscope-cli %s", commands[i].name);

          g_set_prgname (prgname);
          return commands[i].run (argc - 1, argv + 1);
        }
    }

  tsc_cli_print_error ("unknown command “%s”", argv[1]);
  print_usage (stderr);
  return TSC_EXIT_USAGE;
}
