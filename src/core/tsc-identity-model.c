/* tsc-identity-model.c
 *
 * Rebuilds the identity story of a session one message at a time:
 * streams (one anonymousId), users (one userId), clients (one sender),
 * identity segments, inferred resets and stream sessions, and raises
 * the flags of the rule catalogue as the message that completes each
 * mistake arrives. Every step is a few hash lookups: nothing rescans
 * what came before, so the GUI, `capture` and `check` can share it.
 *
 * Messages are taken in receive order. The client's own order (its
 * timestamps) is kept beside it, and an explanation says when the two
 * disagree, since batching, retries and skewed clocks reorder calls.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-identity-model"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tsc-identity-model.h"
#include "tsc-json-span.h"
#include "tsc-wire.h"

#define MAX_MESSAGE_SIZE (32 * 1024)
#define MAX_BATCH_ITEMS  2500
#define MAX_BATCH_SIZE   (500 * 1024)

/* What the model keeps of each message: enough to name it in a flag. */
typedef struct
{
  gint64          seq;
  const char     *message_id;   /* in the string chunk */
  const char     *label;        /* event or name, in the string chunk */
  gint64          client_time;  /* the client's timestamp, or G_MININT64 */
  TscMessageType  type;
} MessageInfo;

typedef struct _Client Client;
typedef struct _Stream Stream;
typedef struct _User   User;

/* Set when a logout is seen and cleared by the next message that shows
 * whether reset() was called. */
typedef struct
{
  gint64      seq;          /* 0 when none is pending */
  char       *user_id;
  Stream     *stream;
} PendingLogout;

struct _Client
{
  TscClient      pub;
  char          *key;
  char          *label;
  char          *lane;
  Stream        *last_stream;
  PendingLogout  logout;
};

struct _Stream
{
  TscStream      pub;
  char          *anonymous_id;
  char          *current_user;
  gint64         current_user_seq;  /* the last message carrying current_user */
  PendingLogout  logout;
  gint64         last_time;         /* for the idle cut between sessions */
  gboolean       session_has_user;
  gboolean       skew_flagged;
};

struct _User
{
  TscUser     pub;
  GHashTable *stream_set;   /* the streams of pub.streams, for O(1) membership */
  char       *user_id;
  gint64    first_identify_seq;
  gint64    first_server_identify_seq;
  gint64    first_alias_seq;
  guint     n_aliases;
  gboolean  skew_flagged;
};

typedef struct
{
  gint64  seq;
  guint64 hash;
} SeenMessageId;

/* What the rules need from a message's bytes, read in one pass without
 * building a tree: which members are not objects, and a hash of the
 * payload without what changes between retries of the same call. */
typedef struct
{
  gboolean is_object;
  gboolean traits_not_object;
  gboolean properties_not_object;
  gboolean context_not_object;
  guint64  payload_hash;
} Shape;

struct _TscIdentityModel
{
  GObject         parent_instance;

  TscRuleConfig  *config;
  GStringChunk   *strings;

  GArray         *messages;        /* MessageInfo, in receive order */
  GHashTable     *clients;         /* key → Client */
  GPtrArray      *client_list;     /* TscClient *, in order of appearance */
  GHashTable     *streams;         /* anonymousId → Stream */
  GHashTable     *users;           /* userId → User */
  GPtrArray      *user_list;       /* TscUser * */
  GHashTable     *message_ids;     /* messageId → SeenMessageId */
  GHashTable     *aliased_previous;/* previousId → first alias seq (as pointer to gint64) */
  GHashTable     *suspicious_seen; /* "field\x1fvalue" → TRUE */

  GPtrArray      *flags;           /* TscFlag *, in the order raised */
  GHashTable     *flags_by_seq;    /* seq (gint64 *) → GPtrArray of TscFlag * */
};

G_DEFINE_FINAL_TYPE (TscIdentityModel, tsc_identity_model, G_TYPE_OBJECT)

/* ---------------------------------------------------------------------- */
/* Bookkeeping                                                             */

static const MessageInfo *
find_message (TscIdentityModel *self,
              gint64            seq)
{
  guint lo = 0;
  guint hi = self->messages->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const MessageInfo *info = &g_array_index (self->messages, MessageInfo, mid);

      if (info->seq == seq)
        return info;
      if (info->seq < seq)
        lo = mid + 1;
      else
        hi = mid;
    }

  return NULL;
}

static char *
describe (TscIdentityModel *self,
          gint64            seq)
{
  const MessageInfo *info = find_message (self, seq);

  if (info == NULL)
    return g_strdup_printf ("#%" G_GINT64_FORMAT, seq);
  if (info->label != NULL)
    return g_strdup_printf ("%s “%s” (#%" G_GINT64_FORMAT ")",
                            tsc_message_type_to_string (info->type), info->label, seq);
  return g_strdup_printf ("%s (#%" G_GINT64_FORMAT ")", tsc_message_type_to_string (info->type), seq);
}

static void
pending_logout_clear (PendingLogout *logout)
{
  logout->seq = 0;
  g_clear_pointer (&logout->user_id, g_free);
  logout->stream = NULL;
}

static void
pending_logout_set (PendingLogout *logout,
                    gint64         seq,
                    const char    *user_id,
                    Stream        *stream)
{
  pending_logout_clear (logout);
  logout->seq = seq;
  logout->user_id = g_strdup (user_id);
  logout->stream = stream;
}

static void
client_free (Client *client)
{
  g_ptr_array_unref (client->pub.streams);
  pending_logout_clear (&client->logout);
  g_free (client->key);
  g_free (client->label);
  g_free (client->lane);
  g_free (client);
}

static void
stream_free (Stream *stream)
{
  g_array_unref (stream->pub.segments);
  pending_logout_clear (&stream->logout);
  g_free (stream->anonymous_id);
  g_free (stream->current_user);
  g_free (stream);
}

static void
user_free (User *user)
{
  g_ptr_array_unref (user->pub.streams);
  g_hash_table_unref (user->stream_set);
  g_array_unref (user->pub.seqs);
  g_free (user->user_id);
  g_free (user);
}

static char *
client_key (TscMessage *m)
{
  TscTransport *t = m->transport;

  if (t != NULL && t->lane != NULL)
    return g_strconcat ("lane\x1f", t->lane, NULL);
  if (t != NULL)
    return g_strjoin ("\x1f", t->remote_addr ? t->remote_addr : "",
                      t->user_agent ? t->user_agent : "",
                      t->origin ? t->origin : "",
                      t->write_key ? t->write_key : "", NULL);
  return g_strdup ("");
}

/* What a person calls a sender: the lane, or the page's host with the
 * browser and device the User-Agent names, or the library that sent it. */
static const struct
{
  const char *token;
  const char *name;
} user_agents[] = {
  /* Order matters: Edge and Chrome also say Safari, Chrome on iOS says CriOS. */
  { "Edg/", "Edge" },
  { "OPR/", "Opera" },
  { "Firefox/", "Firefox" },
  { "FxiOS/", "Firefox" },
  { "CriOS/", "Chrome" },
  { "Chrome/", "Chrome" },
  { "jsdom/", "jsdom" },
  { "Safari/", "Safari" },
};

static const char *
user_agent_device (const char *ua)
{
  if (strstr (ua, "iPhone") != NULL)
    return "iPhone";
  if (strstr (ua, "iPad") != NULL)
    return "iPad";
  if (strstr (ua, "Android") != NULL)
    return "Android";
  return NULL;
}

static char *
client_label (TscTransport *t)
{
  const char *browser = NULL;
  const char *device;
  g_autofree char *host = NULL;

  if (t == NULL)
    return g_strdup (_("unknown sender"));
  if (t->lane != NULL)
    return g_strdup_printf (_("lane %s"), t->lane);

  if (t->user_agent != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (user_agents) && browser == NULL; i++)
        {
          if (strstr (t->user_agent, user_agents[i].token) != NULL)
            browser = user_agents[i].name;
        }
    }

  if (t->origin != NULL)
    {
      const char *start = strstr (t->origin, "://");
      host = g_strdup (start ? start + 3 : t->origin);
    }

  device = t->user_agent ? user_agent_device (t->user_agent) : NULL;
  if (host != NULL && browser != NULL && device != NULL)
    return g_strdup_printf ("%s · %s on %s", host, browser, device);
  if (host != NULL && browser != NULL)
    return g_strdup_printf ("%s · %s", host, browser);
  if (host != NULL)
    return g_steal_pointer (&host);
  if (t->user_agent != NULL)
    return g_strdup (t->user_agent);
  if (t->remote_addr != NULL)
    return g_strdup (t->remote_addr);
  return g_strdup (_("unknown sender"));
}

static Client *
client_for (TscIdentityModel *self,
            TscMessage       *m)
{
  TscTransport *t = m->transport;
  g_autofree char *key = client_key (m);
  Client *client;

  client = g_hash_table_lookup (self->clients, key);
  if (client != NULL)
    return client;

  client = g_new0 (Client, 1);
  client->key = g_steal_pointer (&key);
  client->lane = t ? g_strdup (t->lane) : NULL;
  client->label = client_label (t);
  client->pub.key = client->key;
  client->pub.label = client->label;
  client->pub.lane = client->lane;
  client->pub.streams = g_ptr_array_new ();

  g_hash_table_insert (self->clients, client->key, client);
  g_ptr_array_add (self->client_list, client);
  return client;
}

static User *
user_for (TscIdentityModel *self,
          const char       *user_id)
{
  User *user = g_hash_table_lookup (self->users, user_id);

  if (user != NULL)
    return user;

  user = g_new0 (User, 1);
  user->user_id = g_strdup (user_id);
  user->pub.user_id = user->user_id;
  user->pub.streams = g_ptr_array_new ();
  user->stream_set = g_hash_table_new (NULL, NULL);
  user->pub.seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_insert (self->users, user->user_id, user);
  g_ptr_array_add (self->user_list, user);
  return user;
}

/* ---------------------------------------------------------------------- */
/* Flags                                                                   */

typedef struct
{
  TscIdentityModel *self;
  GPtrArray        *raised;     /* flags raised by the current message */
  TscMessage       *message;
  const MessageInfo *info;
} Step;

/* The note added when the client's order differs from the receive
 * order of two messages of a flag. */
static void
append_order_note (Step    *step,
                   GString *text,
                   gint64   earlier_seq)
{
  const MessageInfo *earlier = find_message (step->self, earlier_seq);

  if (earlier == NULL || earlier->client_time == G_MININT64 ||
      step->info->client_time == G_MININT64)
    return;

  if (step->info->client_time < earlier->client_time)
    g_string_append_printf (text,
                            " Note: by the client's clock #%" G_GINT64_FORMAT " happened %.1f s "
                            "before #%" G_GINT64_FORMAT ", although it arrived after it: batching, "
                            "a retry or a skewed clock reordered them, so check which order the "
                            "code really ran in.",
                            step->info->seq,
                            (earlier->client_time - step->info->client_time) / (double) G_USEC_PER_SEC,
                            earlier_seq);
}

/* Raises a flag for the current message; @earlier are the seqs that set
 * the mistake up (0-terminated), the current message comes last. */
static void
raise_flag (Step        *step,
            TscRule      rule,
            TscSeverity  severity_override,
            const char  *user_id,
            const char  *anonymous_id,
            const char  *summary,
            GString     *details,
            const gint64 *earlier)
{
  TscIdentityModel *self = step->self;
  TscSeverity severity = tsc_rule_config_get_severity (self->config, rule);
  TscFlag *flag;

  if (severity == TSC_SEVERITY_OFF)
    return;
  if (severity_override != TSC_SEVERITY_OFF)
    severity = severity_override;

  flag = g_atomic_rc_box_new0 (TscFlag);
  flag->rule = rule;
  flag->severity = severity;
  flag->summary = g_strdup (summary);
  flag->user_id = g_strdup (user_id);
  flag->anonymous_id = g_strdup (anonymous_id);
  flag->seq = step->info->seq;
  flag->seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  flag->message_ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; earlier != NULL && earlier[i] != 0; i++)
    {
      const MessageInfo *info = find_message (self, earlier[i]);

      g_array_append_val (flag->seqs, earlier[i]);
      g_ptr_array_add (flag->message_ids, g_strdup (info ? info->message_id : NULL));
    }
  g_array_append_val (flag->seqs, step->info->seq);
  g_ptr_array_add (flag->message_ids, g_strdup (step->info->message_id));

  flag->explanation = g_strdup_printf ("%s\n\n%s",
                                       details ? details->str : summary,
                                       tsc_rule_get_info (rule)->help);

  g_ptr_array_add (self->flags, flag);
  g_ptr_array_add (step->raised, tsc_flag_ref (flag));

  for (guint i = 0; i < flag->seqs->len; i++)
    {
      gint64 seq = g_array_index (flag->seqs, gint64, i);
      GPtrArray *list = g_hash_table_lookup (self->flags_by_seq, &seq);

      if (list == NULL)
        {
          gint64 *key = g_new (gint64, 1);

          *key = seq;
          list = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_flag_unref);
          g_hash_table_insert (self->flags_by_seq, key, list);
        }
      if (list->len == 0 || g_ptr_array_index (list, list->len - 1) != flag)
        g_ptr_array_add (list, tsc_flag_ref (flag));
    }
}

/* ---------------------------------------------------------------------- */
/* Message checks                                                          */

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME  1099511628211ULL

static guint64
fnv_update (guint64     hash,
            const char *data,
            gsize       len)
{
  for (gsize i = 0; i < len; i++)
    hash = (hash ^ (guint8) data[i]) * FNV_PRIME;
  return hash;
}

static gboolean
key_is (const char *key,
        gsize       key_len,
        const char *name)
{
  return strlen (name) == key_len && memcmp (key, name, key_len) == 0;
}

static gboolean
value_is_not_object (const char *value)
{
  return value[0] != '{' && !g_str_has_prefix (value, "null");
}

static void
shape_member (const char *key,
              gsize       key_len,
              const char *value,
              gsize       value_len,
              gpointer    user_data)
{
  Shape *shape = user_data;

  if (key_is (key, key_len, "traits"))
    shape->traits_not_object = value_is_not_object (value);
  else if (key_is (key, key_len, "properties"))
    shape->properties_not_object = value_is_not_object (value);
  else if (key_is (key, key_len, "context"))
    shape->context_not_object = value_is_not_object (value);

  /* Retries of the same call differ only in these. */
  if (key_is (key, key_len, "sentAt") || key_is (key, key_len, "_metadata") ||
      key_is (key, key_len, "writeKey") || key_is (key, key_len, "receivedAt"))
    return;

  shape->payload_hash = fnv_update (shape->payload_hash, key, key_len);
  shape->payload_hash = fnv_update (shape->payload_hash, ":", 1);
  shape->payload_hash = fnv_update (shape->payload_hash, value, value_len);
  shape->payload_hash = fnv_update (shape->payload_hash, ",", 1);
}

static void
read_shape (TscMessage *m,
            Shape      *shape)
{
  gsize len = 0;
  const char *data = m->raw ? g_bytes_get_data (m->raw, &len) : NULL;

  memset (shape, 0, sizeof *shape);
  shape->payload_hash = FNV_OFFSET;
  if (data == NULL)
    return;

  shape->is_object = tsc_json_span_foreach_member (data, len, shape_member, shape);
  if (!shape->is_object)
    shape->payload_hash = fnv_update (FNV_OFFSET, data, len);
}

static void
check_invalid (Step        *step,
               const Shape *shape)
{
  TscMessage *m = step->message;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) details = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *summary = NULL;

  if (m->type_name == NULL)
    g_ptr_array_add (problems, g_strdup ("it has no type"));
  else if (m->type == TSC_MESSAGE_TYPE_UNKNOWN)
    g_ptr_array_add (problems, g_strdup_printf ("its type “%s” is not a Segment call type",
                                                m->type_name));

  if (m->user_id == NULL && m->anonymous_id == NULL)
    g_ptr_array_add (problems, g_strdup ("it has neither userId nor anonymousId"));

  if (m->type == TSC_MESSAGE_TYPE_TRACK && (m->event == NULL || *m->event == '\0'))
    g_ptr_array_add (problems, g_strdup ("the track has no event name"));

  if (m->type == TSC_MESSAGE_TYPE_ALIAS && (m->previous_id == NULL || *m->previous_id == '\0'))
    g_ptr_array_add (problems, g_strdup ("the alias has no previousId"));
  if (m->type == TSC_MESSAGE_TYPE_ALIAS && (m->user_id == NULL || *m->user_id == '\0'))
    g_ptr_array_add (problems, g_strdup ("the alias has no userId"));

  if (m->type == TSC_MESSAGE_TYPE_GROUP && (m->group_id == NULL || *m->group_id == '\0'))
    g_ptr_array_add (problems, g_strdup ("the group call has no groupId"));

  if (shape->is_object)
    {
      if (shape->traits_not_object)
        g_ptr_array_add (problems, g_strdup ("traits is not an object"));
      if (shape->properties_not_object)
        g_ptr_array_add (problems, g_strdup ("properties is not an object"));
      if (shape->context_not_object)
        g_ptr_array_add (problems, g_strdup ("context is not an object"));
    }
  else
    g_ptr_array_add (problems, g_strdup ("its bytes are not a JSON object"));

  if (m->timestamp != NULL && tsc_wire_parse_time (m->timestamp) == G_MININT64)
    g_ptr_array_add (problems, g_strdup_printf ("its timestamp “%s” is not an ISO-8601 time",
                                                m->timestamp));

  if (problems->len == 0)
    return;

  g_ptr_array_add (problems, NULL);
  joined = g_strjoinv ("; ", (char **) problems->pdata);
  summary = g_strdup_printf ("#%" G_GINT64_FORMAT " breaks the spec: %s", m->seq, joined);
  details = g_string_new (NULL);
  g_string_append_printf (details, "Message #%" G_GINT64_FORMAT " (messageId %s) breaks the "
                          "Segment spec: %s.", m->seq, m->message_id, joined);
  raise_flag (step, TSC_RULE_INVALID_MESSAGE, TSC_SEVERITY_OFF,
              m->user_id, m->anonymous_id, summary, details, NULL);
}

static void
check_oversized (Step *step)
{
  TscMessage *m = step->message;
  gsize size = m->raw ? g_bytes_get_size (m->raw) : 0;
  g_autofree char *summary = NULL;

  if (size > MAX_MESSAGE_SIZE)
    {
      summary = g_strdup_printf ("#%" G_GINT64_FORMAT " has %" G_GSIZE_FORMAT " bytes; a message may "
                                 "have at most 32 KB", m->seq, size);
      raise_flag (step, TSC_RULE_OVERSIZED, TSC_SEVERITY_OFF,
                  m->user_id, m->anonymous_id, summary, NULL, NULL);
    }

  if (m->batch_index == 0 && m->transport != NULL && m->transport->batch_size > MAX_BATCH_SIZE)
    {
      g_clear_pointer (&summary, g_free);
      summary = g_strdup_printf ("The batch of #%" G_GINT64_FORMAT " has %" G_GSIZE_FORMAT " bytes; "
                                 "a batch may have at most 500 KB", m->seq, m->transport->batch_size);
      raise_flag (step, TSC_RULE_OVERSIZED, TSC_SEVERITY_OFF,
                  m->user_id, m->anonymous_id, summary, NULL, NULL);
    }

  if (m->batch_index == MAX_BATCH_ITEMS)
    {
      g_clear_pointer (&summary, g_free);
      summary = g_strdup_printf ("The batch of #%" G_GINT64_FORMAT " has more than 2,500 messages; "
                                 "Segment rejects those past the 2,500th", m->seq);
      raise_flag (step, TSC_RULE_OVERSIZED, TSC_SEVERITY_OFF,
                  m->user_id, m->anonymous_id, summary, NULL, NULL);
    }
}

static const char *
suspicious_reason (const char *id)
{
  static const char *junk[] = { "null", "undefined", "0", "NaN", "[object Object]", "guest", NULL };
  const char *at;

  if (*id == '\0')
    return "is empty";
  if (g_ascii_isspace (id[0]) || g_ascii_isspace (id[strlen (id) - 1]))
    return "has spaces around it";
  for (guint i = 0; junk[i] != NULL; i++)
    {
      if (g_str_equal (id, junk[i]))
        return "is what a missing value turns into when converted to a string";
    }
  at = strchr (id, '@');
  if (at != NULL && at != id && strchr (at, '.') != NULL && strchr (id, ' ') == NULL)
    return "is an email address";
  return NULL;
}

static void
check_suspicious_id (Step       *step,
                     const char *field,
                     const char *id)
{
  TscIdentityModel *self = step->self;
  TscMessage *m = step->message;
  g_autofree char *key = NULL;
  g_autofree char *summary = NULL;
  g_autoptr(GString) details = NULL;
  const char *reason;

  if (id == NULL || (reason = suspicious_reason (id)) == NULL)
    return;

  key = g_strconcat (field, "\x1f", id, NULL);
  if (!g_hash_table_add (self->suspicious_seen, g_steal_pointer (&key)))
    return;

  summary = g_strdup_printf ("%s “%s” %s", field, id, reason);
  details = g_string_new (NULL);
  g_string_append_printf (details, "Message #%" G_GINT64_FORMAT " has %s “%s”, which %s. Later "
                          "messages with the same value are not flagged again.",
                          m->seq, field, id, reason);
  raise_flag (step, TSC_RULE_SUSPICIOUS_USER_ID, TSC_SEVERITY_OFF,
              m->user_id, m->anonymous_id, summary, details, NULL);
}

/* Returns: %TRUE when the message is a retry of an earlier one (same
 * messageId, same payload): the same call delivered twice. */
static gboolean
check_duplicate (Step        *step,
                 const Shape *shape)
{
  TscIdentityModel *self = step->self;
  TscMessage *m = step->message;
  SeenMessageId *seen;
  guint64 hash;

  if (m->message_id == NULL || m->message_id_added)
    return FALSE;

  hash = shape->payload_hash;
  seen = g_hash_table_lookup (self->message_ids, m->message_id);

  if (seen == NULL)
    {
      seen = g_new (SeenMessageId, 1);
      seen->seq = m->seq;
      seen->hash = hash;
      g_hash_table_insert (self->message_ids, (char *) step->info->message_id, seen);
      return FALSE;
    }

  {
    gboolean same = seen->hash == hash;
    gint64 earlier[] = { seen->seq, 0 };
    g_autofree char *summary = NULL;
    g_autoptr(GString) details = g_string_new (NULL);

    summary = g_strdup_printf ("messageId %s of #%" G_GINT64_FORMAT " was already used by #%"
                               G_GINT64_FORMAT "%s", m->message_id, m->seq, seen->seq,
                               same ? " (the same payload: a retry)" : " for a different payload");
    g_string_append_printf (details, "Messages #%" G_GINT64_FORMAT " and #%" G_GINT64_FORMAT
                            " share messageId %s. %s",
                            seen->seq, m->seq, m->message_id,
                            same ? "Apart from sentAt and retry metadata their payloads are the "
                                   "same, so this is the SDK retrying a call whose reply it did "
                                   "not get: harmless, Segment keeps one copy."
                                 : "Their payloads differ, so Segment will keep only the first "
                                   "and silently drop the other.");
    raise_flag (step, TSC_RULE_DUPLICATE_MESSAGE_ID, same ? TSC_SEVERITY_INFO : TSC_SEVERITY_OFF,
                m->user_id, m->anonymous_id, summary, details, earlier);
    return same;
  }
}

static void
check_clock_skew (Step     *step,
                  gboolean *flagged)
{
  TscMessage *m = step->message;
  gint64 sent = tsc_wire_parse_time (m->sent_at);
  gint64 skew;
  g_autofree char *summary = NULL;

  if (*flagged || sent == G_MININT64 || m->received_at <= 0)
    return;

  skew = m->received_at - sent;
  if (ABS (skew) <= tsc_rule_config_get_clock_skew (step->self->config))
    return;

  *flagged = TRUE;
  if (skew > 0)
    summary = g_strdup_printf ("The client's clock is %.0f s behind: #%" G_GINT64_FORMAT " says it "
                               "was sent at %s, but it arrived %.0f s later",
                               skew / (double) G_USEC_PER_SEC, m->seq, m->sent_at,
                               skew / (double) G_USEC_PER_SEC);
  else
    summary = g_strdup_printf ("The client's clock is %.0f s ahead: #%" G_GINT64_FORMAT " says it "
                               "was sent at %s, %.0f s after it arrived",
                               -skew / (double) G_USEC_PER_SEC, m->seq, m->sent_at,
                               -skew / (double) G_USEC_PER_SEC);
  raise_flag (step, TSC_RULE_CLOCK_SKEW, TSC_SEVERITY_OFF,
              m->user_id, m->anonymous_id, summary, NULL, NULL);
}

/* ---------------------------------------------------------------------- */
/* Identity                                                                */

static gboolean
is_logout (TscIdentityModel *self,
           TscMessage       *m)
{
  if (m->type == TSC_MESSAGE_TYPE_TRACK)
    return tsc_rule_config_is_logout (self->config, m->event);
  if (m->type == TSC_MESSAGE_TYPE_PAGE || m->type == TSC_MESSAGE_TYPE_SCREEN)
    return tsc_rule_config_is_logout (self->config, m->name);
  return FALSE;
}

static void
flag_missing_reset (Step          *step,
                    PendingLogout *logout,
                    gboolean       same_stream)
{
  TscMessage *m = step->message;
  g_autofree char *what = describe (step->self, logout->seq);
  g_autofree char *now = describe (step->self, m->seq);
  g_autofree char *summary = NULL;
  g_autoptr(GString) details = g_string_new (NULL);
  gint64 earlier[] = { logout->seq, 0 };

  if (same_stream)
    {
      summary = g_strdup_printf ("%s of %s is followed by %s on the same anonymousId: reset() "
                                 "was not called", what, logout->user_id, now);
      g_string_append_printf (details, "User %s logged out with %s, but %s still carries the "
                              "anonymousId %s of that session%s, so the SDK's identity was not "
                              "cleared.", logout->user_id, what, now, m->anonymous_id,
                              g_strcmp0 (m->user_id, logout->user_id) == 0 ? " and the same userId" : "");
    }
  else
    {
      summary = g_strdup_printf ("%s of %s is followed by %s from the same client still carrying "
                                 "userId %s: reset() was not called",
                                 what, logout->user_id, now, logout->user_id);
      g_string_append_printf (details, "User %s logged out with %s, but %s from the same client "
                              "still carries userId %s.", logout->user_id, what, now,
                              logout->user_id);
    }

  append_order_note (step, details, logout->seq);
  raise_flag (step, TSC_RULE_MISSING_RESET_ON_LOGOUT, TSC_SEVERITY_OFF,
              logout->user_id, logout->stream ? logout->stream->anonymous_id : m->anonymous_id,
              summary, details, earlier);
}

static Stream *
stream_for (TscIdentityModel *self,
            Step             *step,
            Client           *client)
{
  TscMessage *m = step->message;
  Stream *stream = g_hash_table_lookup (self->streams, m->anonymous_id);
  Stream *previous;

  if (stream != NULL)
    return stream;

  stream = g_new0 (Stream, 1);
  stream->anonymous_id = g_strdup (m->anonymous_id);
  stream->pub.anonymous_id = stream->anonymous_id;
  stream->pub.client = &client->pub;
  stream->pub.segments = g_array_new (FALSE, FALSE, sizeof (TscSegment));
  stream->pub.first_seq = m->seq;
  stream->last_time = G_MININT64;

  /* A new anonymous stream right after a logout on the same client is
   * what reset() leaves on the wire. */
  previous = client->last_stream;
  if (previous != NULL && client->logout.seq != 0 && client->logout.stream == previous &&
      previous->logout.seq != 0 && m->user_id == NULL)
    {
      stream->pub.reset_before = TRUE;
      pending_logout_clear (&client->logout);
      pending_logout_clear (&previous->logout);
    }

  g_hash_table_insert (self->streams, stream->anonymous_id, stream);
  g_ptr_array_add (client->pub.streams, stream);
  client->last_stream = stream;
  return stream;
}

static void
update_segments (Step   *step,
                 Stream *stream)
{
  TscMessage *m = step->message;
  TscSegment *last = stream->pub.segments->len > 0
    ? &g_array_index (stream->pub.segments, TscSegment, stream->pub.segments->len - 1)
    : NULL;

  /* An alias names the user it links to; only the other calls carry the
   * identity the SDK holds. */
  if (m->user_id != NULL && m->type != TSC_MESSAGE_TYPE_ALIAS &&
      g_strcmp0 (m->user_id, stream->current_user) != 0)
    {
      TscSegment segment = { NULL, m->seq, m->seq };

      if (stream->current_user != NULL)
        {
          gint64 earlier[] = { stream->current_user_seq, 0 };
          g_autofree char *summary = NULL;
          g_autoptr(GString) details = g_string_new (NULL);

          summary = g_strdup_printf ("anonymousId %s was identified as %s, then as %s at #%"
                                     G_GINT64_FORMAT " with no reset between",
                                     stream->anonymous_id, stream->current_user, m->user_id, m->seq);
          g_string_append_printf (details, "Until #%" G_GINT64_FORMAT " anonymousId %s belonged "
                                  "to user %s; #%" G_GINT64_FORMAT " carries the same anonymousId "
                                  "with user %s.", stream->current_user_seq,
                                  stream->anonymous_id, stream->current_user, m->seq, m->user_id);
          append_order_note (step, details, stream->current_user_seq);
          raise_flag (step, TSC_RULE_IDENTITY_BLEED, TSC_SEVERITY_OFF,
                      m->user_id, stream->anonymous_id, summary, details, earlier);
        }

      g_free (stream->current_user);
      stream->current_user = g_strdup (m->user_id);
      /* The model's own copy, which lives as long as the model. */
      segment.user_id = ((User *) g_hash_table_lookup (step->self->users, m->user_id))->user_id;
      g_array_append_val (stream->pub.segments, segment);
    }
  else if (last == NULL)
    {
      TscSegment segment = { NULL, m->seq, m->seq };
      g_array_append_val (stream->pub.segments, segment);
    }
  else
    last->last_seq = m->seq;

  if (m->user_id != NULL && m->type != TSC_MESSAGE_TYPE_ALIAS)
    stream->current_user_seq = m->seq;
}

static void
check_session_start (Step   *step,
                     Stream *stream)
{
  TscMessage *m = step->message;
  gint64 time = m->corrected_at ? m->corrected_at : m->received_at;

  if (stream->last_time == G_MININT64 ||
      time - stream->last_time > tsc_rule_config_get_session_idle (step->self->config))
    stream->session_has_user = FALSE;
  stream->last_time = MAX (stream->last_time, time);

  /* An alias names the user it links to, it does not identify. */
  if (m->user_id == NULL || stream->session_has_user || m->type == TSC_MESSAGE_TYPE_ALIAS)
    return;

  stream->session_has_user = TRUE;
  if (m->type != TSC_MESSAGE_TYPE_IDENTIFY)
    {
      g_autofree char *now = describe (step->self, m->seq);
      g_autofree char *summary = g_strdup_printf ("The session of %s starts with %s, not an "
                                                  "identify", m->user_id, now);
      raise_flag (step, TSC_RULE_NO_IDENTIFY_ON_LOAD, TSC_SEVERITY_OFF,
                  m->user_id, m->anonymous_id, summary, NULL, NULL);
    }
}

static void
check_signup (Step *step,
              User *user)
{
  TscMessage *m = step->message;
  g_autofree char *now = describe (step->self, m->seq);
  g_autofree char *summary = NULL;

  if (m->type != TSC_MESSAGE_TYPE_TRACK || !tsc_rule_config_is_signup (step->self->config, m->event))
    return;

  if (user == NULL)
    summary = g_strdup_printf ("%s was sent without a userId: identify the new user first", now);
  else if (user->first_identify_seq == 0)
    summary = g_strdup_printf ("%s for %s arrived before any identify of %s", now,
                               user->user_id, user->user_id);
  else
    return;

  raise_flag (step, TSC_RULE_TRACK_BEFORE_IDENTIFY, TSC_SEVERITY_OFF,
              m->user_id, m->anonymous_id, summary, NULL, NULL);
}

static void
check_alias (Step *step,
             User *user)
{
  TscIdentityModel *self = step->self;
  TscMessage *m = step->message;
  gint64 *previous_alias;

  if (m->type != TSC_MESSAGE_TYPE_ALIAS)
    return;

  if (m->previous_id != NULL && g_strcmp0 (m->previous_id, m->user_id) == 0)
    {
      g_autofree char *summary = g_strdup_printf ("Alias #%" G_GINT64_FORMAT " links %s to itself "
                                                  "(previousId = userId)", m->seq, m->user_id);
      g_autoptr(GString) details = g_string_new (NULL);

      g_string_append_printf (details, "Alias #%" G_GINT64_FORMAT " has previousId and userId both "
                              "%s.%s", m->seq, m->user_id,
                              user && user->first_identify_seq
                              ? " The user was identified before it, which is when analytics.js "
                                "1.68 and later send a self-alias."
                              : "");
      raise_flag (step, TSC_RULE_ALIAS_SELF, TSC_SEVERITY_OFF,
                  m->user_id, m->anonymous_id, summary, details, NULL);
    }
  else if (user != NULL && user->first_identify_seq != 0)
    {
      gint64 earlier[] = { user->first_identify_seq, 0 };
      g_autofree char *summary = g_strdup_printf ("Alias #%" G_GINT64_FORMAT " into %s arrived "
                                                  "after %s was identified at #%" G_GINT64_FORMAT,
                                                  m->seq, user->user_id, user->user_id,
                                                  user->first_identify_seq);
      g_autoptr(GString) details = g_string_new (NULL);

      g_string_append (details, summary);
      g_string_append_c (details, '.');
      append_order_note (step, details, user->first_identify_seq);
      raise_flag (step, TSC_RULE_ALIAS_AFTER_IDENTIFY, TSC_SEVERITY_OFF,
                  m->user_id, m->anonymous_id, summary, details, earlier);
    }

  previous_alias = m->previous_id ? g_hash_table_lookup (self->aliased_previous, m->previous_id) : NULL;
  if (user != NULL && user->n_aliases > 0)
    {
      gint64 earlier[] = { user->first_alias_seq, 0 };
      g_autofree char *summary = g_strdup_printf ("%s received a second alias at #%" G_GINT64_FORMAT
                                                  " (the first was #%" G_GINT64_FORMAT ")",
                                                  user->user_id, m->seq, user->first_alias_seq);
      raise_flag (step, TSC_RULE_ALIAS_REPEATED, TSC_SEVERITY_OFF,
                  m->user_id, m->anonymous_id, summary, NULL, earlier);
    }
  else if (previous_alias != NULL)
    {
      gint64 earlier[] = { *previous_alias, 0 };
      g_autofree char *summary = g_strdup_printf ("previousId %s was aliased again at #%"
                                                  G_GINT64_FORMAT " (first at #%" G_GINT64_FORMAT ")",
                                                  m->previous_id, m->seq, *previous_alias);
      raise_flag (step, TSC_RULE_ALIAS_REPEATED, TSC_SEVERITY_OFF,
                  m->user_id, m->anonymous_id, summary, NULL, earlier);
    }

  /* The client's alias: one sent with an anonymousId, from a device. */
  if (user != NULL && m->anonymous_id != NULL && user->first_server_identify_seq != 0)
    {
      gint64 earlier[] = { user->first_server_identify_seq, 0 };
      g_autofree char *summary = g_strdup_printf ("The server identified %s at #%" G_GINT64_FORMAT
                                                  " before the client's alias #%" G_GINT64_FORMAT,
                                                  user->user_id, user->first_server_identify_seq,
                                                  m->seq);
      g_autoptr(GString) details = g_string_new (NULL);

      g_string_append (details, summary);
      g_string_append (details, " (the identify has no anonymousId, so it came from a server).");
      append_order_note (step, details, user->first_server_identify_seq);
      raise_flag (step, TSC_RULE_SERVER_IDENTIFY_BEFORE_ALIAS, TSC_SEVERITY_OFF,
                  m->user_id, m->anonymous_id, summary, details, earlier);
    }

  if (user != NULL)
    {
      if (user->n_aliases++ == 0)
        user->first_alias_seq = m->seq;
    }
  if (m->previous_id != NULL && previous_alias == NULL)
    {
      gint64 *seq = g_new (gint64, 1);

      *seq = m->seq;
      g_hash_table_insert (self->aliased_previous, g_strdup (m->previous_id), seq);
    }
}

static void
check_logout_followers (Step   *step,
                        Client *client,
                        Stream *stream)
{
  TscMessage *m = step->message;

  if (stream != NULL && stream->logout.seq != 0)
    {
      flag_missing_reset (step, &stream->logout, TRUE);
      if (client->logout.stream == stream)
        pending_logout_clear (&client->logout);
      pending_logout_clear (&stream->logout);
      return;
    }

  if (client->logout.seq != 0 && m->user_id != NULL &&
      g_strcmp0 (m->user_id, client->logout.user_id) == 0)
    {
      flag_missing_reset (step, &client->logout, FALSE);
      if (client->logout.stream != NULL)
        pending_logout_clear (&client->logout.stream->logout);
      pending_logout_clear (&client->logout);
    }
}

/**
 * tsc_identity_model_add:
 * @message: the next message in receive order, with its seq set
 *
 * Updates the model with @message and runs the rules it can complete.
 *
 * Returns: (transfer full) (element-type TscFlag): the flags @message
 *   raised, often none
 */
GPtrArray *
tsc_identity_model_add (TscIdentityModel *self,
                        TscMessage       *message)
{
  MessageInfo info = { 0 };
  Shape shape;
  Client *client;
  Stream *stream = NULL;
  User *user = NULL;
  Step step;

  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (self), NULL);
  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (self->messages->len == 0 ||
                        message->seq > g_array_index (self->messages, MessageInfo,
                                                      self->messages->len - 1).seq, NULL);

  info.seq = message->seq;
  info.type = message->type;
  info.message_id = message->message_id ? g_string_chunk_insert_const (self->strings, message->message_id) : NULL;
  info.label = tsc_message_get_label (message)
               ? g_string_chunk_insert_const (self->strings, tsc_message_get_label (message)) : NULL;
  info.client_time = tsc_wire_parse_time (message->timestamp);
  g_array_append_val (self->messages, info);

  step.self = self;
  step.raised = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_flag_unref);
  step.message = message;
  step.info = &g_array_index (self->messages, MessageInfo, self->messages->len - 1);

  read_shape (message, &shape);

  /* The call itself */
  check_invalid (&step, &shape);
  check_oversized (&step);
  check_suspicious_id (&step, "userId", message->user_id);
  check_suspicious_id (&step, "previousId", message->previous_id);

  /* A retry is the same call once more: the identity story already has it. */
  if (check_duplicate (&step, &shape))
    return step.raised;

  /* Who sent it, and whose it is */
  client = client_for (self, message);
  if (message->user_id != NULL)
    {
      user = user_for (self, message->user_id);
      g_array_append_val (user->pub.seqs, message->seq);
    }
  if (message->anonymous_id != NULL)
    stream = stream_for (self, &step, client);

  check_logout_followers (&step, client, stream);

  if (stream != NULL)
    {
      stream->pub.last_seq = message->seq;
      stream->pub.n_messages++;
      update_segments (&step, stream);
      check_session_start (&step, stream);
      check_clock_skew (&step, &stream->skew_flagged);
      if (user != NULL && g_hash_table_add (user->stream_set, stream))
        g_ptr_array_add (user->pub.streams, stream);
    }
  else if (user != NULL)
    check_clock_skew (&step, &user->skew_flagged);

  check_signup (&step, user);
  check_alias (&step, user);

  if (message->type == TSC_MESSAGE_TYPE_IDENTIFY && user != NULL)
    {
      if (user->first_identify_seq == 0)
        user->first_identify_seq = message->seq;
      if (message->anonymous_id == NULL && user->first_server_identify_seq == 0)
        user->first_server_identify_seq = message->seq;
    }

  if (is_logout (self, message))
    {
      const char *who = message->user_id ? message->user_id : stream ? stream->current_user : NULL;

      /* reset() is a device's business: a server that tracks a logout
       * and then more events of the user is doing nothing wrong. */
      if (who != NULL && stream != NULL)
        {
          pending_logout_set (&stream->logout, message->seq, who, stream);
          pending_logout_set (&client->logout, message->seq, who, stream);
        }
    }

  return step.raised;
}

/* ---------------------------------------------------------------------- */
/* Queries                                                                 */

TscRuleConfig *
tsc_identity_model_get_config (TscIdentityModel *self)
{
  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (self), NULL);
  return self->config;
}

guint
tsc_identity_model_get_n_messages (TscIdentityModel *self)
{
  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (self), 0);
  return self->messages->len;
}

/**
 * tsc_identity_model_get_flags:
 *
 * Returns: (transfer none) (element-type TscFlag): every flag, in the
 *   order raised
 */
GPtrArray *
tsc_identity_model_get_flags (TscIdentityModel *self)
{
  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (self), NULL);
  return self->flags;
}

/**
 * tsc_identity_model_get_flags_for_seq:
 *
 * Returns: (transfer none) (nullable) (element-type TscFlag): the flags
 *   that involve message @seq
 */
GPtrArray *
tsc_identity_model_get_flags_for_seq (TscIdentityModel *self,
                                      gint64            seq)
{
  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (self), NULL);
  return g_hash_table_lookup (self->flags_by_seq, &seq);
}

/**
 * tsc_identity_model_get_clients:
 *
 * Returns: (transfer none) (element-type TscClient): the clients, in
 *   order of appearance
 */
GPtrArray *
tsc_identity_model_get_clients (TscIdentityModel *self)
{
  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (self), NULL);
  return self->client_list;
}

/**
 * tsc_identity_model_lookup_client:
 * @message: a message already added
 *
 * Returns: (transfer none) (nullable): the client that sent @message
 */
TscClient *
tsc_identity_model_lookup_client (TscIdentityModel *self,
                                  TscMessage       *message)
{
  g_autofree char *key = NULL;
  Client *client;

  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (self), NULL);
  g_return_val_if_fail (message != NULL, NULL);

  key = client_key (message);
  client = g_hash_table_lookup (self->clients, key);
  return client ? &client->pub : NULL;
}

TscStream *
tsc_identity_model_get_stream (TscIdentityModel *self,
                               const char       *anonymous_id)
{
  Stream *stream;

  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (self), NULL);

  stream = anonymous_id ? g_hash_table_lookup (self->streams, anonymous_id) : NULL;
  return stream ? &stream->pub : NULL;
}

TscUser *
tsc_identity_model_get_user (TscIdentityModel *self,
                             const char       *user_id)
{
  User *user;

  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (self), NULL);

  user = user_id ? g_hash_table_lookup (self->users, user_id) : NULL;
  return user ? &user->pub : NULL;
}

/**
 * tsc_identity_model_get_users:
 *
 * Returns: (transfer none) (element-type TscUser): the users, in order
 *   of appearance
 */
GPtrArray *
tsc_identity_model_get_users (TscIdentityModel *self)
{
  g_return_val_if_fail (TSC_IS_IDENTITY_MODEL (self), NULL);
  return self->user_list;
}

/* ---------------------------------------------------------------------- */

static void
tsc_identity_model_finalize (GObject *object)
{
  TscIdentityModel *self = (TscIdentityModel *) object;

  g_clear_pointer (&self->flags_by_seq, g_hash_table_unref);
  g_clear_pointer (&self->flags, g_ptr_array_unref);
  g_clear_pointer (&self->message_ids, g_hash_table_unref);
  g_clear_pointer (&self->aliased_previous, g_hash_table_unref);
  g_clear_pointer (&self->suspicious_seen, g_hash_table_unref);
  g_clear_pointer (&self->client_list, g_ptr_array_unref);
  g_clear_pointer (&self->user_list, g_ptr_array_unref);
  g_clear_pointer (&self->streams, g_hash_table_unref);
  g_clear_pointer (&self->users, g_hash_table_unref);
  g_clear_pointer (&self->clients, g_hash_table_unref);
  g_clear_pointer (&self->messages, g_array_unref);
  g_clear_pointer (&self->strings, g_string_chunk_free);
  g_clear_pointer (&self->config, tsc_rule_config_unref);

  G_OBJECT_CLASS (tsc_identity_model_parent_class)->finalize (object);
}

static void
tsc_identity_model_class_init (TscIdentityModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tsc_identity_model_finalize;
}

static void
tsc_identity_model_init (TscIdentityModel *self)
{
  self->strings = g_string_chunk_new (64 * 1024);
  self->messages = g_array_new (FALSE, FALSE, sizeof (MessageInfo));
  self->clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) client_free);
  self->client_list = g_ptr_array_new ();
  self->streams = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) stream_free);
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) user_free);
  self->user_list = g_ptr_array_new ();
  self->message_ids = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  self->aliased_previous = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->suspicious_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->flags = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_flag_unref);
  self->flags_by_seq = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                              (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tsc_identity_model_new:
 * @config: the profile, overrides and names the rules use
 */
TscIdentityModel *
tsc_identity_model_new (TscRuleConfig *config)
{
  TscIdentityModel *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (TSC_TYPE_IDENTITY_MODEL, NULL);
  self->config = tsc_rule_config_ref (config);
  return self;
}
