/* tsc-cli-import.c: `trackscope-cli import` (being written) */
#include "config.h"
#include "tsc-cli.h"
int
tsc_cli_import (int argc, char **argv)
{
  GError error = { 0, 0, (char *) "not written yet" };
  return tsc_cli_usage_error ("import", &error);
}
