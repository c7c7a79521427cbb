/* tsc-flag.h: one mistake found by a rule
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tsc-rules.h"

G_BEGIN_DECLS

typedef struct _TscFlag TscFlag;

struct _TscFlag
{
  TscRule      rule;
  TscSeverity  severity;
  char        *summary;       /* one line */
  char        *explanation;   /* what happened here, then the rule's help */
  char        *user_id;       /* the user concerned, or NULL */
  char        *anonymous_id;  /* the stream concerned, or NULL */
  gint64       seq;           /* the message that completes the mistake */
  GArray      *seqs;          /* gint64: every message involved, in order, @seq last */
  GPtrArray   *message_ids;   /* char *: their messageIds, same order */
};

#define TSC_TYPE_FLAG (tsc_flag_get_type ())
GType    tsc_flag_get_type (void) G_GNUC_CONST;
TscFlag *tsc_flag_ref      (TscFlag *flag);
void     tsc_flag_unref    (TscFlag *flag);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TscFlag, tsc_flag_unref)

G_END_DECLS
