/* tsc-cli-check.c: `trackscope-cli check`
 *
 * Reads every input (session, NDJSON, JSON, HAR) in order through one
 * identity model, then prints its flags as text, JSON, JUnit or SARIF.
 * Exit codes are those of the headless contract: 0 nothing at or above
 * --fail-on, 1 flags at or above it, 2 bad usage or unreadable input.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-cli-check"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "tsc-cli.h"
#include "tsc-identity-model.h"
#include "tsc-import.h"
#include "tsc-report.h"
#include "tsc-rules.h"

typedef struct
{
  TscIdentityModel *model;
  TscReport        *report;
} Check;

static void
on_message_cb (TscMessage              *message,
               const TscImportLocation *location,
               gpointer                 user_data)
{
  Check *check = user_data;
  g_autoptr(GPtrArray) new_flags = NULL;

  tsc_report_add_message (check->report, message, location);
  /* The flags are read once at the end, in the model's order. */
  new_flags = tsc_identity_model_add (check->model, message);
}

static gboolean
parse_fail_on (const char  *text,
               TscSeverity *severity)
{
  if (text == NULL)
    {
      *severity = TSC_SEVERITY_ERROR;
      return TRUE;
    }

  if (g_ascii_strcasecmp (text, "never") == 0)
    {
      *severity = TSC_SEVERITY_OFF;
      return TRUE;
    }

  return tsc_severity_from_string (text, severity) && *severity != TSC_SEVERITY_OFF;
}

static gboolean
use_color (void)
{
  const char *no_color = g_getenv ("NO_COLOR");

  /* https://no-color.org: set and not empty turns colour off. */
  if (no_color != NULL && *no_color != '\0')
    return FALSE;

  return isatty (fileno (stdout));
}

int
tsc_cli_check (int    argc,
               char **argv)
{
  g_autofree char *profile = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *fail_on_name = NULL;
  gboolean strict = FALSE;
  const GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
      N_("Severities of the rules: segment (default), mixpanel-original, mixpanel-simplified "
         "or kissmetrics"), N_("NAME") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("Key file that overrides severities, turns rules off and sets the logout and "
         "signup event names"), N_("FILE") },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      N_("Report as text (default), json, junit or sarif"), N_("FORMAT") },
    { "fail-on", 0, 0, G_OPTION_ARG_STRING, &fail_on_name,
      N_("Exit with 1 when a flag is at or above this severity: error (default), warning, "
         "info or never"), N_("SEVERITY") },
    { "strict", 0, 0, G_OPTION_ARG_NONE, &strict,
      N_("Stop at the first bad NDJSON line or HAR entry instead of skipping it"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TscRuleConfig) config = NULL;
  g_autoptr(TscIdentityModel) model = NULL;
  g_autoptr(TscReport) report = NULL;
  g_autoptr(TscImporter) importer = NULL;
  g_autofree char *output = NULL;
  TscReportFormat format = TSC_REPORT_FORMAT_TEXT;
  TscSeverity fail_on = TSC_SEVERITY_ERROR;
  GPtrArray *problems;
  GPtrArray *flags;
  gboolean truncated = FALSE;
  guint n_problems_seen = 0;
  Check check = { 0 };

  if (!tsc_cli_parse_options ("check", _("INPUT…"),
                              _("Check analytics calls for identity mistakes. Each INPUT is a "
                                "session file, NDJSON (one message or batch per line), a JSON "
                                "array of messages, a batch body or a HAR file; they are read "
                                "in order, as one capture."),
                              _("Exit status: 0 when no flag is at or above --fail-on, 1 when "
                                "one is, 2 for bad usage or an unreadable input."),
                              entries, &argc, &argv))
    return TSC_EXIT_USAGE;

  if (argc < 2)
    {
      tsc_cli_print_error ("check: no input given; usage: trackscope-cli check INPUT… "
                           "[--profile NAME] [--config FILE] [--format text|json|junit|sarif] "
                           "[--fail-on error|warning|info|never] [--strict]");
      return TSC_EXIT_USAGE;
    }

  if (format_name != NULL && !tsc_report_format_from_string (format_name, &format))
    {
      tsc_cli_print_error ("check: unknown format “%s”; use text, json, junit or sarif",
                           format_name);
      return TSC_EXIT_USAGE;
    }

  if (!parse_fail_on (fail_on_name, &fail_on))
    {
      tsc_cli_print_error ("check: unknown severity “%s” for --fail-on; use error, warning, "
                           "info or never", fail_on_name);
      return TSC_EXIT_USAGE;
    }

  config = tsc_cli_load_rules (profile, config_path, &error);
  if (config == NULL)
    return tsc_cli_usage_error ("check", error);

  model = tsc_identity_model_new (config);
  report = tsc_report_new (config);
  tsc_report_set_fail_on (report, fail_on);
  tsc_report_set_color (report, format == TSC_REPORT_FORMAT_TEXT && use_color ());
  importer = tsc_importer_new (strict ? TSC_IMPORT_FLAGS_STRICT : TSC_IMPORT_FLAGS_NONE);
  problems = tsc_importer_get_problems (importer);

  check.model = model;
  check.report = report;

  for (int i = 1; i < argc; i++)
    {
      const char *path = argv[i];
      guint64 before = tsc_importer_get_n_messages (importer);

      tsc_report_add_input (report, path);

      if (!tsc_importer_read_file (importer, path, on_message_cb, &check, &error))
        return tsc_cli_usage_error ("check", error);

      tsc_report_set_input_format (report, i - 1, tsc_importer_get_format (importer));

      for (; n_problems_seen < problems->len; n_problems_seen++)
        {
          const GError *problem = g_ptr_array_index (problems, n_problems_seen);

          /* A file cut short could not be read whole: the lines before
           * it are checked and reported, and the exit status says 2. */
          if (g_error_matches (problem, TSC_IMPORT_ERROR, TSC_IMPORT_ERROR_TRUNCATED))
            {
              tsc_cli_print_error ("check: %s; the lines before it were checked", problem->message);
              truncated = TRUE;
            }
          else
            {
              tsc_cli_print_error ("check: %s (skipped)", problem->message);
            }
          tsc_report_add_problem (report, problem->message);
        }

      if (tsc_importer_get_n_messages (importer) == before)
        {
          if (tsc_importer_get_format (importer) == TSC_IMPORT_FORMAT_HAR)
            tsc_cli_print_error ("check: %s: 0 calls found (no POST to a Segment or RudderStack "
                                 "Tracking API route in it)", path);
          else
            tsc_cli_print_error ("check: %s: 0 calls found", path);
        }
    }

  flags = tsc_identity_model_get_flags (model);
  for (guint i = 0; flags != NULL && i < flags->len; i++)
    tsc_report_add_flag (report, g_ptr_array_index (flags, i));

  output = tsc_report_to_string (report, format);
  fputs (output, stdout);
  if (fflush (stdout) != 0)
    {
      tsc_cli_print_error ("check: cannot write the report: %s", g_strerror (errno));
      return TSC_EXIT_USAGE;
    }

  if (truncated)
    return TSC_EXIT_USAGE;

  return tsc_report_has_failures (report) ? TSC_EXIT_FLAGS : TSC_EXIT_OK;
}
