/* tsc-flag.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-flag"

#include "config.h"

#include "tsc-flag.h"

static void
flag_clear (TscFlag *flag)
{
  g_free (flag->summary);
  g_free (flag->explanation);
  g_free (flag->user_id);
  g_free (flag->anonymous_id);
  g_clear_pointer (&flag->seqs, g_array_unref);
  g_clear_pointer (&flag->message_ids, g_ptr_array_unref);
}

TscFlag *
tsc_flag_ref (TscFlag *flag)
{
  g_return_val_if_fail (flag != NULL, NULL);
  return g_atomic_rc_box_acquire (flag);
}

void
tsc_flag_unref (TscFlag *flag)
{
  g_return_if_fail (flag != NULL);
  g_atomic_rc_box_release_full (flag, (GDestroyNotify) flag_clear);
}

G_DEFINE_BOXED_TYPE (TscFlag, tsc_flag, tsc_flag_ref, tsc_flag_unref)
