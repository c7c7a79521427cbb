/* tsc-cli-import.c: `trackscope-cli import`
 *
 * Writes the calls of HAR, NDJSON, JSON and session files into a new
 * session file, then says on stderr what it found: how many calls in how
 * many requests, what it skipped and why (entries to other URLs are
 * expected in a HAR saved from a browser), and each bad line or entry
 * with its file and line. Exit codes are those of the headless contract:
 * 0 written (skips are fine), 2 bad usage, an unreadable or malformed
 * input (with --strict any bad line) or an existing output file; nothing
 * is written then. The import runs in a worker thread while the main
 * thread waits for SIGINT or SIGTERM, which cancel it: the session being
 * written is removed, and the exit status is 2.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-cli-import"

#include "config.h"

#include <stdio.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "tsc-cli.h"
#include "tsc-import.h"

typedef struct
{
  const char * const  *inputs;
  const char          *output;
  TscImportFlags       flags;
  TscImportReport     *report;
} Job;

static gboolean
import_work (gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  Job *job = data;

  return tsc_import_to_session (job->inputs, job->output, job->flags, &job->report, cancellable,
                                error);
}

/* ngettext() takes an unsigned long; counts above it are plural anyway. */
static gulong
plural_n (guint64 n)
{
  return n > G_MAXULONG ? G_MAXULONG : (gulong) n;
}

/* “Skipped 41 entries not to a Tracking API route”, for @reason. */
static char *
describe_skipped (TscImportSkipReason reason,
                  guint64             n)
{
  g_autofree char *count = tsc_cli_format_count (n);

  switch (reason)
    {
    case TSC_IMPORT_SKIP_NOT_TRACKING:
      return g_strdup_printf (ngettext ("Skipped %s entry not to a Tracking API route",
                                        "Skipped %s entries not to a Tracking API route",
                                        plural_n (n)), count);
    case TSC_IMPORT_SKIP_NO_CALLS:
      return g_strdup_printf (ngettext ("Skipped %s entry that carries no calls "
                                        "(settings, metrics)",
                                        "Skipped %s entries that carry no calls "
                                        "(settings, metrics)",
                                        plural_n (n)), count);
    case TSC_IMPORT_SKIP_NOT_POST:
      return g_strdup_printf (ngettext ("Skipped %s entry that is not a POST",
                                        "Skipped %s entries that are not a POST",
                                        plural_n (n)), count);
    case TSC_IMPORT_SKIP_REFUSED:
      return g_strdup_printf (ngettext ("Skipped %s request the server refused (status ≥ 400)",
                                        "Skipped %s requests the server refused (status ≥ 400)",
                                        plural_n (n)), count);
    case TSC_IMPORT_SKIP_BAD_ENTRY:
      return g_strdup_printf (ngettext ("Skipped %s entry whose body cannot be decoded",
                                        "Skipped %s entries whose bodies cannot be decoded",
                                        plural_n (n)), count);
    case TSC_IMPORT_SKIP_BAD_LINE:
      return g_strdup_printf (ngettext ("Skipped %s line that is not a message",
                                        "Skipped %s lines that are not messages",
                                        plural_n (n)), count);
    case TSC_IMPORT_N_SKIP_REASONS:
    default:
      g_assert_not_reached ();
    }
}

/* “Imported 1,204 calls in 310 requests from 2 files into S.trackscope” */
static char *
describe_imported (const TscImportReport *report,
                   const char            *session_path)
{
  g_autofree char *calls = tsc_cli_format_count (report->n_calls);
  g_autofree char *requests = tsc_cli_format_count (report->n_requests);
  g_autofree char *inputs = tsc_cli_format_count (report->n_inputs);
  g_autofree char *imported = NULL;
  g_autofree char *in_requests = NULL;
  g_autofree char *from_files = NULL;

  imported = g_strdup_printf (ngettext ("Imported %s call", "Imported %s calls",
                                        plural_n (report->n_calls)), calls);
  in_requests = g_strdup_printf (ngettext ("in %s request", "in %s requests",
                                           plural_n (report->n_requests)), requests);
  from_files = g_strdup_printf (ngettext ("from %s file", "from %s files",
                                          plural_n (report->n_inputs)), inputs);

  /* TRANSLATORS: “Imported 3 calls” “in 2 requests” “from 1 file” into FILE */
  return g_strdup_printf (_("%s %s %s into %s"), imported, in_requests, from_files, session_path);
}

static void
print_report (const TscImportReport *report,
              const char            *session_path,
              gboolean               quiet)
{
  if (!quiet)
    {
      g_autofree char *imported = describe_imported (report, session_path);

      fprintf (stderr, "%s\n", imported);

      if (report->n_refused > 0)
        {
          g_autofree char *count = tsc_cli_format_count (report->n_refused);

          fprintf (stderr, ngettext ("Of them, %s request the collector refused, kept without "
                                     "calls\n",
                                     "Of them, %s requests the collector refused, kept without "
                                     "calls\n",
                                     plural_n (report->n_refused)), count);
        }

      for (guint r = 0; r < TSC_IMPORT_N_SKIP_REASONS; r++)
        {
          g_autofree char *line = NULL;

          if (report->skipped[r] == 0)
            continue;
          line = describe_skipped ((TscImportSkipReason) r, report->skipped[r]);
          fprintf (stderr, "%s\n", line);
        }
    }

  /* Bad lines are worth seeing even when quiet: they were left out. */
  for (guint i = 0; i < report->problems->len; i++)
    {
      const GError *problem = g_ptr_array_index (report->problems, i);

      /* TRANSLATORS: %s says which line or entry is bad, and why */
      tsc_cli_print_error (_("import: %s (skipped)"), problem->message);
    }
}

int
tsc_cli_import (int    argc,
                char **argv)
{
  g_autofree char *output = NULL;
  gboolean strict = FALSE;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("The session file to write; it must not exist"), N_("SESSION") },
    { "strict", 0, 0, G_OPTION_ARG_NONE, &strict,
      N_("Fail on the first bad NDJSON line or HAR entry instead of skipping it"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      N_("Say nothing on success but the lines and entries that were skipped as bad"), NULL },
    { NULL }
  };
  g_autoptr(TscImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) inputs = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Job job = { 0 };

  if (!tsc_cli_parse_options ("import", _("INPUT…"),
                              _("Write the calls of HAR, NDJSON, JSON and session files into a "
                                "new session file. Trackscope's own exports come back as they "
                                "were captured."),
                              _("Exit status: 0 when the session was written (skipped entries "
                                "and lines are listed), 2 for bad usage, an unreadable or "
                                "malformed input, or an output file that exists; nothing is "
                                "written then."),
                              entries, &argc, &argv))
    return TSC_EXIT_USAGE;

  if (argc < 2 || output == NULL)
    {
      /* TRANSLATORS: %s is “no input given” or “no session file given (-o SESSION)” */
      tsc_cli_print_error (_("import: %s; usage: trackscope-cli import INPUT… -o SESSION "
                             "[--strict] [--quiet]"),
                           argc < 2 ? _("no input given")
                                    : _("no session file given (-o SESSION)"));
      return TSC_EXIT_USAGE;
    }

  inputs = g_ptr_array_new ();
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (inputs, argv[i]);
  g_ptr_array_add (inputs, NULL);

  job.inputs = (const char * const *) inputs->pdata;
  job.output = output;
  job.flags = strict ? TSC_IMPORT_FLAGS_STRICT : TSC_IMPORT_FLAGS_NONE;

  if (!tsc_cli_run_cancellable (import_work, &job, cancellable, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tsc_cli_print_error (_("import: cancelled; nothing was written"));
      else
        tsc_cli_print_error (_("import: %s; nothing was written"), error->message);
      return TSC_EXIT_USAGE;
    }
  report = g_steal_pointer (&job.report);

  print_report (report, output, quiet);
  return TSC_EXIT_OK;
}
