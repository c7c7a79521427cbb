/* tsc-cli-replay.c: `trackscope-cli replay` (being written) */
#include "config.h"
#include "tsc-cli.h"
int
tsc_cli_replay (int argc, char **argv)
{
  GError error = { 0, 0, (char *) "not written yet" };
  return tsc_cli_usage_error ("replay", &error);
}
