/* tsc-identity-model.h: streams, users, clients and the rules over them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "tsc-flag.h"
#include "tsc-message.h"
#include "tsc-rules.h"

G_BEGIN_DECLS

typedef struct _TscClient  TscClient;
typedef struct _TscStream  TscStream;
typedef struct _TscUser    TscUser;

/* A run of messages of one stream with the same identity. */
typedef struct
{
  const char *user_id;     /* NULL while anonymous */
  gint64      first_seq;
  gint64      last_seq;
} TscSegment;

/* Read-only views; the model owns them. */
struct _TscClient
{
  const char *key;         /* lane, or a fingerprint of the sender */
  const char *label;       /* what a person calls it */
  const char *lane;        /* NULL unless tagged by a lane */
  GPtrArray  *streams;     /* TscStream *, in order of appearance */
};

struct _TscStream
{
  const char *anonymous_id;
  TscClient  *client;
  GArray     *segments;    /* TscSegment */
  gint64      first_seq;
  gint64      last_seq;
  guint       n_messages;
  gboolean    reset_before;  /* an inferred reset separates it from the client's previous stream */
};

struct _TscUser
{
  const char *user_id;
  GPtrArray  *streams;     /* TscStream * the user appeared on */
  GArray     *seqs;        /* gint64: every message carrying the userId, server-side ones too */
};

#define TSC_TYPE_IDENTITY_MODEL (tsc_identity_model_get_type ())
G_DECLARE_FINAL_TYPE (TscIdentityModel, tsc_identity_model, TSC, IDENTITY_MODEL, GObject)

TscIdentityModel *tsc_identity_model_new            (TscRuleConfig    *config);
TscRuleConfig    *tsc_identity_model_get_config     (TscIdentityModel *self);

GPtrArray        *tsc_identity_model_add            (TscIdentityModel *self,
                                                     TscMessage       *message);

guint             tsc_identity_model_get_n_messages (TscIdentityModel *self);
GPtrArray        *tsc_identity_model_get_flags      (TscIdentityModel *self);
GPtrArray        *tsc_identity_model_get_flags_for_seq (TscIdentityModel *self,
                                                        gint64            seq);
GPtrArray        *tsc_identity_model_get_clients    (TscIdentityModel *self);
TscClient        *tsc_identity_model_lookup_client  (TscIdentityModel *self,
                                                     TscMessage       *message);
TscStream        *tsc_identity_model_get_stream     (TscIdentityModel *self,
                                                     const char       *anonymous_id);
TscUser          *tsc_identity_model_get_user       (TscIdentityModel *self,
                                                     const char       *user_id);
GPtrArray        *tsc_identity_model_get_users      (TscIdentityModel *self);

G_END_DECLS
