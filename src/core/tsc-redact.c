/* tsc-redact.c
 *
 * Redaction for exports: personal data is replaced by
 * "redacted:" + the first 16 hex digits of HMAC-SHA256(key, value), so
 * equal values still match across messages (and the identity rules see
 * the same story) while the values themselves are gone.
 *
 * What is redacted: members whose names match the patterns anywhere
 * inside "traits", "context.traits" and "properties"; "context.ip"; the
 * query and fragment of page addresses ("url", "referrer", "href",
 * "search" in "context.page" and "properties"); the body's "writeKey";
 * the transport's write key and remote address; and credential and
 * client-address headers and the Referer's query. Strings are hashed on their
 * decoded text, numbers on their text as written, objects and arrays
 * under a matching name on their compact JSON; null and booleans stay.
 *
 * A message is changed in place, byte for byte: only the spans of the
 * redacted values are replaced, so member order, white space and every
 * other byte stay as received, and a message with nothing to redact
 * keeps its bytes exactly.
 *
 * Redaction must not change the flags a session has. No rule reads a
 * trait, a property or context.ip; the identity fields (userId,
 * anonymousId, previousId, groupId, messageId, event, name, timestamps)
 * are never redacted. The model tells senders apart by remote address,
 * User-Agent, Origin and write key: the address and the key are hashed
 * with one key everywhere (transport, body, Basic credentials), so equal
 * values stay equal and different ones different, and empty ones stay
 * empty. The duplicate check compares payloads without writeKey; equal
 * payloads redact to equal bytes. What can still differ: two payloads
 * with one messageId that differ only in the spelling (white space,
 * escapes) of a redacted value become equal, and a message within a few
 * bytes of the 32 KB limit can cross it, as a hash is not as long as
 * the value it replaces.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-redact"

#include "config.h"

#include "tsc-redact.h"

#include <string.h>
#ifdef __linux__
#include <sys/random.h>
#endif

#include <json-glib/json-glib.h>

#include "tsc-json-span.h"

#define KEY_SIZE     32
#define HASH_PREFIX  "redacted:"
#define HASH_DIGITS  16

static const char * const default_patterns[] = {
  "email", "*email", "email*", "phone*", "*phone", "name", "firstname", "lastname", "fullname",
  "username", "address", "*address", "ip", "ipaddress", NULL
};

/* Headers that carry credentials, and headers that carry the client's
 * address, by normalised name. */
static const char * const credential_headers[] = {
  "authorization", "proxyauthorization", "cookie", "setcookie", "xapikey", "apikey",
  "xauthtoken", "authtoken", "xaccesstoken", "xwritekey", "writekey", NULL
};
static const char * const address_headers[] = {
  "xforwardedfor", "xrealip", "forwarded", "cfconnectingip", "trueclientip", "xclientip",
  "xclusterclientip", NULL
};

struct _TscRedactor
{
  GObject       parent_instance;

  GStrv         patterns;
  GPtrArray    *specs;          /* GPatternSpec *, of the normalised patterns */
  GBytes       *key;

  /* The messages of one request share a transport: the last one redacted
   * and its copy, so that their copies share one too. */
  TscTransport *transport_in;
  TscTransport *transport_out;
};

G_DEFINE_FINAL_TYPE (TscRedactor, tsc_redactor, G_TYPE_OBJECT)

static void
tsc_redactor_finalize (GObject *object)
{
  TscRedactor *self = TSC_REDACTOR (object);

  g_clear_pointer (&self->patterns, g_strfreev);
  g_clear_pointer (&self->specs, g_ptr_array_unref);
  g_clear_pointer (&self->key, g_bytes_unref);
  g_clear_pointer (&self->transport_in, tsc_transport_unref);
  g_clear_pointer (&self->transport_out, tsc_transport_unref);

  G_OBJECT_CLASS (tsc_redactor_parent_class)->finalize (object);
}

static void
tsc_redactor_class_init (TscRedactorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tsc_redactor_finalize;
}

static void
tsc_redactor_init (TscRedactor *self)
{
  self->specs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_pattern_spec_free);
}

/**
 * tsc_redactor_default_patterns:
 *
 * Returns: (transfer none): the member-name patterns redacted when none
 *   are given, %NULL-terminated
 */
const char * const *
tsc_redactor_default_patterns (void)
{
  return default_patterns;
}

/* Lower case, without '_', '-' and spaces: "First_Name", "first-name"
 * and "firstName" are all "firstname". */
static char *
normalise_name (const char *name)
{
  g_autofree char *lower = g_utf8_strdown (name, -1);
  GString *out = g_string_sized_new (strlen (lower));

  for (const char *p = lower; *p; p++)
    {
      if (*p != '_' && *p != '-' && *p != ' ')
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static GBytes *
random_key (void)
{
  guint8 *key = g_malloc (KEY_SIZE);
  gsize filled = 0;

#ifdef __linux__
  while (filled < KEY_SIZE)
    {
      gssize n = getrandom (key + filled, KEY_SIZE - filled, 0);

      if (n <= 0)
        break;
      filled += n;
    }
#endif

  /* Without the kernel's generator, GLib's: the key only has to differ
   * between exports. */
  for (; filled < KEY_SIZE; filled++)
    key[filled] = (guint8) g_random_int_range (0, 256);

  return g_bytes_new_take (key, KEY_SIZE);
}

/**
 * tsc_redactor_new:
 * @patterns: (nullable) (array zero-terminated=1): member-name patterns
 *   (`*` and `?` wildcards; case, `_`, `-` and spaces do not matter);
 *   %NULL for tsc_redactor_default_patterns()
 * @key: (nullable): the HMAC key; %NULL for 32 random bytes, so that the
 *   hashes of two exports cannot be compared
 *
 * A redactor keeps a little state between messages and is meant for one
 * thread at a time.
 */
TscRedactor *
tsc_redactor_new (const char * const *patterns,
                  GBytes             *key)
{
  TscRedactor *self = g_object_new (TSC_TYPE_REDACTOR, NULL);

  if (patterns == NULL)
    patterns = default_patterns;

  self->patterns = g_strdupv ((char **) patterns);
  for (guint i = 0; self->patterns[i] != NULL; i++)
    {
      g_autofree char *normalised = normalise_name (self->patterns[i]);

      if (*normalised != '\0')
        g_ptr_array_add (self->specs, g_pattern_spec_new (normalised));
    }

  self->key = key != NULL ? g_bytes_ref (key) : random_key ();
  return self;
}

/**
 * tsc_redactor_get_patterns:
 *
 * Returns: (transfer none): the patterns as given
 */
const char * const *
tsc_redactor_get_patterns (TscRedactor *self)
{
  g_return_val_if_fail (TSC_IS_REDACTOR (self), NULL);
  return (const char * const *) self->patterns;
}

/**
 * tsc_redactor_matches_key:
 * @member_name: a JSON member name, decoded
 *
 * Returns: whether values under @member_name are redacted
 */
gboolean
tsc_redactor_matches_key (TscRedactor *self,
                          const char  *member_name)
{
  g_autofree char *normalised = NULL;

  g_return_val_if_fail (TSC_IS_REDACTOR (self), FALSE);
  g_return_val_if_fail (member_name != NULL, FALSE);

  normalised = normalise_name (member_name);
  for (guint i = 0; i < self->specs->len; i++)
    {
      if (g_pattern_spec_match_string (g_ptr_array_index (self->specs, i), normalised))
        return TRUE;
    }

  return FALSE;
}

/**
 * tsc_redactor_hash:
 * @len: the length of @value, or -1 when it is nul-terminated
 *
 * Returns: (transfer full): "redacted:" and the first 16 hex digits of
 *   HMAC-SHA256(key, @value)
 */
char *
tsc_redactor_hash (TscRedactor *self,
                   const char  *value,
                   gssize       len)
{
  g_autoptr(GHmac) hmac = NULL;
  gsize key_len;
  const guint8 *key;
  const char *hex;

  g_return_val_if_fail (TSC_IS_REDACTOR (self), NULL);
  g_return_val_if_fail (value != NULL || len == 0, NULL);

  key = g_bytes_get_data (self->key, &key_len);
  hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_len);
  g_hmac_update (hmac, (const guchar *) (value != NULL ? value : ""), len);
  hex = g_hmac_get_string (hmac);

  return g_strdup_printf (HASH_PREFIX "%.*s", HASH_DIGITS, hex);
}

/* The hash of a nullable string; NULL and "" have nothing to hide and
 * stay as they are, so that they still equal each other's absence. */
static char *
hash_or_keep (TscRedactor *self,
              const char  *value)
{
  if (value == NULL || *value == '\0')
    return g_strdup (value);
  return tsc_redactor_hash (self, value, -1);
}

/* A page address keeps its origin and path; its query and fragment,
 * where sign-up forms and magic links put emails and tokens, become a
 * hash. */
static char *
redact_url_query (TscRedactor *self,
                  const char  *url)
{
  const char *rest = strpbrk (url, "?#");
  g_autofree char *hash = NULL;

  if (rest == NULL || rest[1] == '\0')
    return g_strdup (url);

  hash = tsc_redactor_hash (self, rest, -1);
  return g_strdup_printf ("%.*s?%s", (int) (rest - url), url, hash);
}

/* ---------------------------------------------------------------------- */
/* Replacing values in JSON text                                           */

typedef struct
{
  gsize  offset;
  gsize  length;
  char  *text;
} Splice;

typedef struct
{
  TscRedactor *self;
  const char  *data;      /* the whole document */
  GArray      *splices;   /* Splice, in document order */
} Walk;

static void
splice_clear (gpointer data)
{
  Splice *splice = data;

  g_free (splice->text);
}

static gboolean
key_is (const char *key,
        gsize       key_len,
        const char *name)
{
  return strlen (name) == key_len && memcmp (key, name, key_len) == 0;
}

/* A member name as written (between its quotes) decoded. */
static char *
member_name (const char *key,
             gsize       key_len)
{
  g_autofree char *quoted = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (memchr (key, '\\', key_len) == NULL)
    return g_strndup (key, key_len);

  quoted = g_strdup_printf ("\"%.*s\"", (int) key_len, key);
  node = json_from_string (quoted, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return g_strndup (key, key_len);
  return g_strdup (json_node_get_string (node));
}

/* The text of the JSON string at @value. */
static char *
decode_string (const char *value,
               gsize       len)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (len < 2)
    return NULL;
  if (memchr (value + 1, '\\', len - 2) == NULL)
    return g_strndup (value + 1, len - 2);

  text = g_strndup (value, len);
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

/* The JSON that replaces the value at @value, or NULL to keep it. */
static char *
redacted_json (TscRedactor *self,
               const char  *value,
               gsize        len)
{
  g_autofree char *hash = NULL;

  if (len == 0)
    return NULL;

  switch (value[0])
    {
    case '"':
      {
        g_autofree char *text = decode_string (value, len);

        if (text == NULL)
          hash = tsc_redactor_hash (self, value, len);
        else if (*text == '\0')
          return NULL;
        else
          hash = tsc_redactor_hash (self, text, -1);
      }
      break;

    case '{':
    case '[':
      {
        g_autofree char *text = g_strndup (value, len);
        g_autoptr(JsonNode) node = json_from_string (text, NULL);
        g_autofree char *compact = node != NULL ? json_to_string (node, FALSE) : NULL;

        hash = tsc_redactor_hash (self, compact != NULL ? compact : text, -1);
      }
      break;

    case 'n':
    case 't':
    case 'f':
      return NULL;

    default:
      hash = tsc_redactor_hash (self, value, len);
      break;
    }

  return g_strdup_printf ("\"%s\"", hash);
}

static void
splice_value (Walk       *walk,
              const char *value,
              gsize       len)
{
  Splice splice;

  splice.text = redacted_json (walk->self, value, len);
  if (splice.text == NULL)
    return;

  splice.offset = value - walk->data;
  splice.length = len;
  g_array_append_val (walk->splices, splice);
}

/* A page address ("url", "referrer", "href") keeps its origin and path
 * and loses its query and fragment; a "search" (the query alone) is
 * hashed whole. Emails and tokens travel in sign-up and magic-link
 * addresses; the host, which tells clients apart, stays. */
static gboolean
splice_page_address (Walk       *walk,
                     const char *name,
                     const char *value,
                     gsize       len)
{
  g_autofree char *text = NULL;
  g_autofree char *redacted = NULL;
  g_autoptr(JsonNode) node = NULL;
  Splice splice;

  if (g_ascii_strcasecmp (name, "url") != 0 && g_ascii_strcasecmp (name, "referrer") != 0 &&
      g_ascii_strcasecmp (name, "href") != 0 && g_ascii_strcasecmp (name, "search") != 0)
    return FALSE;
  if (len < 2 || value[0] != '"')
    return TRUE;

  text = decode_string (value, len);
  if (text == NULL || *text == '\0')
    return TRUE;

  if (g_ascii_strcasecmp (name, "search") == 0)
    redacted = tsc_redactor_hash (walk->self, text, -1);
  else
    redacted = redact_url_query (walk->self, text);
  if (g_str_equal (redacted, text))
    return TRUE;

  node = json_node_init_string (json_node_alloc (), redacted);
  splice.text = json_to_string (node, FALSE);
  splice.offset = value - walk->data;
  splice.length = len;
  g_array_append_val (walk->splices, splice);
  return TRUE;
}

static void walk_pii (Walk       *walk,
                      const char *value,
                      gsize       len);

static void
pii_member_cb (const char *key,
               gsize       key_len,
               const char *value,
               gsize       value_len,
               gpointer    user_data)
{
  Walk *walk = user_data;
  g_autofree char *name = member_name (key, key_len);

  if (tsc_redactor_matches_key (walk->self, name))
    splice_value (walk, value, value_len);
  else if (!splice_page_address (walk, name, value, value_len))
    walk_pii (walk, value, value_len);
}

/* Inside traits and properties: every object, however deep, arrays of
 * objects included. */
static void
walk_pii (Walk       *walk,
          const char *value,
          gsize       len)
{
  if (len == 0)
    return;

  if (value[0] == '{')
    {
      tsc_json_span_foreach_member (value, len, pii_member_cb, walk);
    }
  else if (value[0] == '[')
    {
      g_autoptr(GArray) elements = tsc_json_span_array_elements (value, len);

      for (guint i = 0; elements != NULL && i < elements->len; i++)
        {
          TscJsonSpan *span = &g_array_index (elements, TscJsonSpan, i);

          walk_pii (walk, value + span->offset, span->length);
        }
    }
}

static void
page_member_cb (const char *key,
                gsize       key_len,
                const char *value,
                gsize       value_len,
                gpointer    user_data)
{
  g_autofree char *name = member_name (key, key_len);

  splice_page_address (user_data, name, value, value_len);
}

static void
context_member_cb (const char *key,
                   gsize       key_len,
                   const char *value,
                   gsize       value_len,
                   gpointer    user_data)
{
  Walk *walk = user_data;

  if (key_is (key, key_len, "traits"))
    walk_pii (walk, value, value_len);
  else if (key_is (key, key_len, "ip"))
    splice_value (walk, value, value_len);
  else if (key_is (key, key_len, "page") && value_len > 0 && value[0] == '{')
    tsc_json_span_foreach_member (value, value_len, page_member_cb, walk);
}

static void
walk_context (Walk       *walk,
              const char *value,
              gsize       len)
{
  if (len > 0 && value[0] == '{')
    tsc_json_span_foreach_member (value, len, context_member_cb, walk);
}

static void
message_member_cb (const char *key,
                   gsize       key_len,
                   const char *value,
                   gsize       value_len,
                   gpointer    user_data)
{
  Walk *walk = user_data;

  if (key_is (key, key_len, "traits") || key_is (key, key_len, "properties"))
    walk_pii (walk, value, value_len);
  else if (key_is (key, key_len, "context"))
    walk_context (walk, value, value_len);
  else if (key_is (key, key_len, "writeKey") && value_len > 0 && value[0] == '"')
    splice_value (walk, value, value_len);
}

static void
walk_message (Walk       *walk,
              const char *value,
              gsize       len)
{
  if (len > 0 && value[0] == '{')
    tsc_json_span_foreach_member (value, len, message_member_cb, walk);
}

static void
envelope_member_cb (const char *key,
                    gsize       key_len,
                    const char *value,
                    gsize       value_len,
                    gpointer    user_data)
{
  Walk *walk = user_data;

  if (key_is (key, key_len, "batch") && value_len > 0 && value[0] == '[')
    {
      g_autoptr(GArray) items = tsc_json_span_array_elements (value, value_len);

      for (guint i = 0; items != NULL && i < items->len; i++)
        {
          TscJsonSpan *span = &g_array_index (items, TscJsonSpan, i);

          walk_message (walk, value + span->offset, span->length);
        }
    }
  else
    {
      /* The envelope's context, integrations and writeKey read like a
       * message's. */
      message_member_cb (key, key_len, value, value_len, user_data);
    }
}

static void
walk_body (Walk       *walk,
           const char *value,
           gsize       len)
{
  if (len > 0 && value[0] == '{')
    tsc_json_span_foreach_member (value, len, envelope_member_cb, walk);
}

typedef void (*WalkFunc) (Walk *walk, const char *value, gsize len);

/* @data with the values @func finds replaced; NULL when none is. */
static GString *
redact_text (TscRedactor *self,
             const char  *data,
             gsize        len,
             WalkFunc     func)
{
  g_autoptr(GArray) splices = g_array_new (FALSE, FALSE, sizeof (Splice));
  Walk walk = { self, data, splices };
  TscJsonSpan span;
  GString *out;
  gsize at = 0;

  g_array_set_clear_func (splices, splice_clear);

  if (!tsc_json_span_trim (data, len, &span))
    return NULL;
  func (&walk, data + span.offset, span.length);
  if (splices->len == 0)
    return NULL;

  out = g_string_sized_new (len);
  for (guint i = 0; i < splices->len; i++)
    {
      Splice *splice = &g_array_index (splices, Splice, i);

      g_assert (splice->offset >= at);
      g_string_append_len (out, data + at, splice->offset - at);
      g_string_append (out, splice->text);
      at = splice->offset + splice->length;
    }
  g_string_append_len (out, data + at, len - at);

  return out;
}

static GBytes *
redact_bytes (TscRedactor *self,
              GBytes      *bytes,
              WalkFunc     func)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  GString *out = redact_text (self, data, len, func);

  if (out == NULL)
    return g_bytes_ref (bytes);

  len = out->len;
  return g_bytes_new_take (g_string_free (out, FALSE), len);
}

/**
 * tsc_redactor_redact_context:
 * @context_json: a batch envelope's "context", as JSON
 *
 * Returns: (transfer full): @context_json with "traits" and "ip" redacted
 */
char *
tsc_redactor_redact_context (TscRedactor *self,
                             const char  *context_json)
{
  GString *out;

  g_return_val_if_fail (TSC_IS_REDACTOR (self), NULL);

  if (context_json == NULL)
    return NULL;

  out = redact_text (self, context_json, strlen (context_json), walk_context);
  if (out == NULL)
    return g_strdup (context_json);
  return g_string_free (out, FALSE);
}

/**
 * tsc_redactor_redact_transport:
 *
 * Returns: (transfer full) (nullable): @transport with its write key and
 *   remote address hashed, or @transport itself when it has neither.
 *   Redacting the same transport twice in a row gives the same copy.
 */
TscTransport *
tsc_redactor_redact_transport (TscRedactor  *self,
                               TscTransport *transport)
{
  TscTransport *t;

  g_return_val_if_fail (TSC_IS_REDACTOR (self), NULL);

  if (transport == NULL)
    return NULL;

  if ((transport->write_key == NULL || *transport->write_key == '\0') &&
      (transport->remote_addr == NULL || *transport->remote_addr == '\0'))
    return tsc_transport_ref (transport);

  if (transport == self->transport_in)
    return tsc_transport_ref (self->transport_out);

  t = tsc_transport_new ();
  t->request_id = transport->request_id;
  t->method = g_strdup (transport->method);
  t->path = g_strdup (transport->path);
  t->route = g_strdup (transport->route);
  t->lane = g_strdup (transport->lane);
  t->remote_addr = hash_or_keep (self, transport->remote_addr);
  t->user_agent = g_strdup (transport->user_agent);
  t->origin = g_strdup (transport->origin);
  t->write_key = hash_or_keep (self, transport->write_key);
  t->auth_method = transport->auth_method;
  t->content_type = g_strdup (transport->content_type);
  t->content_encoding = g_strdup (transport->content_encoding);
  t->batch_size = transport->batch_size;

  g_clear_pointer (&self->transport_in, tsc_transport_unref);
  g_clear_pointer (&self->transport_out, tsc_transport_unref);
  self->transport_in = tsc_transport_ref (transport);
  self->transport_out = tsc_transport_ref (t);

  return t;
}

/**
 * tsc_redactor_redact_message:
 *
 * Returns: (transfer full): @message itself when nothing in it is
 *   redacted, else a copy with its bytes, its batch context and its
 *   transport redacted. The fields read from the bytes (type, ids,
 *   event, timestamps) are never redacted and are copied as they are.
 */
TscMessage *
tsc_redactor_redact_message (TscRedactor *self,
                             TscMessage  *message)
{
  g_autoptr(GBytes) raw = NULL;
  g_autofree char *context = NULL;
  g_autoptr(TscTransport) transport = NULL;
  TscMessage *copy;

  g_return_val_if_fail (TSC_IS_REDACTOR (self), NULL);
  g_return_val_if_fail (message != NULL, NULL);

  raw = message->raw != NULL ? redact_bytes (self, message->raw, walk_message) : NULL;
  context = tsc_redactor_redact_context (self, message->batch_context);
  transport = tsc_redactor_redact_transport (self, message->transport);

  if (raw == message->raw && transport == message->transport &&
      g_strcmp0 (context, message->batch_context) == 0)
    return tsc_message_ref (message);

  copy = tsc_message_new ();
  copy->seq = message->seq;
  copy->batch_index = message->batch_index;
  copy->received_at = message->received_at;
  copy->corrected_at = message->corrected_at;
  copy->type = message->type;
  copy->type_name = g_strdup (message->type_name);
  copy->event = g_strdup (message->event);
  copy->name = g_strdup (message->name);
  copy->user_id = g_strdup (message->user_id);
  copy->anonymous_id = g_strdup (message->anonymous_id);
  copy->previous_id = g_strdup (message->previous_id);
  copy->group_id = g_strdup (message->group_id);
  copy->message_id = g_strdup (message->message_id);
  copy->message_id_added = message->message_id_added;
  copy->timestamp = g_strdup (message->timestamp);
  copy->sent_at = g_strdup (message->sent_at);
  copy->batch_context = g_steal_pointer (&context);
  copy->batch_integrations = g_strdup (message->batch_integrations);
  copy->transport = g_steal_pointer (&transport);
  copy->raw = g_steal_pointer (&raw);

  return copy;
}

/**
 * tsc_redactor_redact_body:
 * @body: a request body, uncompressed: one message or a batch envelope
 *
 * Returns: (transfer full): @body with the values of its messages and of
 *   its envelope redacted; @body itself when nothing is. A body that is
 *   not JSON (cut short, compressed) cannot be looked into and is
 *   replaced by its hash.
 */
GBytes *
tsc_redactor_redact_body (TscRedactor *self,
                          GBytes      *body)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *hash = NULL;
  gsize len;
  const char *data;

  g_return_val_if_fail (TSC_IS_REDACTOR (self), NULL);
  g_return_val_if_fail (body != NULL, NULL);

  data = g_bytes_get_data (body, &len);
  if (len == 0)
    return g_bytes_ref (body);

  /* The span scanner relies on a document a parser accepted. */
  if (g_utf8_validate (data, len, NULL) &&
      json_parser_load_from_data (parser, data, len, NULL))
    return redact_bytes (self, body, walk_body);

  hash = tsc_redactor_hash (self, data, len);
  len = strlen (hash);
  return g_bytes_new_take (g_steal_pointer (&hash), len);
}

static gboolean
in_list (const char * const *list,
         const char         *name)
{
  return g_strv_contains (list, name);
}

/* "Basic base64(user:password)" keeps its scheme and shape, with user and
 * password hashed, so a reader still finds a write key in it (the hash
 * of the original one); any other scheme keeps its name. */
static char *
redact_authorization (TscRedactor *self,
                      const char  *value)
{
  const char *space = strchr (value, ' ');
  g_autofree char *scheme = NULL;
  const char *credentials;

  if (space == NULL)
    return hash_or_keep (self, value);

  scheme = g_strndup (value, space - value);
  credentials = space;
  while (*credentials == ' ')
    credentials++;
  if (*credentials == '\0')
    return g_strdup (value);

  if (g_ascii_strcasecmp (scheme, "Basic") == 0)
    {
      gsize len = 0;
      g_autofree guchar *decoded = g_base64_decode (credentials, &len);
      g_autofree char *text = decoded != NULL ? g_strndup ((const char *) decoded, len) : NULL;

      if (text != NULL && len > 0 && strlen (text) == len && g_utf8_validate (text, -1, NULL))
        {
          char *colon = strchr (text, ':');
          const char *password = NULL;
          g_autofree char *user = NULL;
          g_autofree char *secret = NULL;
          g_autofree char *joined = NULL;
          g_autofree char *encoded = NULL;

          if (colon != NULL)
            {
              *colon = '\0';
              password = colon + 1;
            }
          user = hash_or_keep (self, text);
          secret = hash_or_keep (self, password);
          joined = colon != NULL ? g_strconcat (user, ":", secret, NULL) : g_strdup (user);
          encoded = g_base64_encode ((const guchar *) joined, strlen (joined));
          return g_strconcat (scheme, " ", encoded, NULL);
        }
    }

  {
    g_autofree char *hash = tsc_redactor_hash (self, credentials, -1);

    return g_strconcat (scheme, " ", hash, NULL);
  }
}

/**
 * tsc_redactor_redact_headers:
 * @headers_json: request headers as a JSON object of name: value
 *
 * Hashes the credentials (Authorization keeps its scheme, a Basic one
 * its user:password shape), cookies, API-key style headers, the
 * headers that name the client's address, and the query of the
 * Referer.
 *
 * Returns: (transfer full): the headers as a JSON object, in their order
 */
char *
tsc_redactor_redact_headers (TscRedactor *self,
                             const char  *headers_json)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;

  g_return_val_if_fail (TSC_IS_REDACTOR (self), NULL);

  if (headers_json == NULL)
    return NULL;

  root = json_from_string (headers_json, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup ("{}");

  object = json_node_get_object (root);
  members = json_object_get_members (object);
  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (object, name);
      g_autofree char *normalised = normalise_name (name);
      g_autofree char *redacted = NULL;
      const char *value = NULL;

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        value = json_node_get_string (node);

      json_builder_set_member_name (builder, name);
      if (value != NULL && g_str_equal (normalised, "referer"))
        {
          redacted = redact_url_query (self, value);
          json_builder_add_string_value (builder, redacted);
          continue;
        }
      if (value == NULL || (!in_list (credential_headers, normalised) &&
                            !in_list (address_headers, normalised)))
        {
          json_builder_add_value (builder, json_node_copy (node));
          continue;
        }

      if (g_str_equal (normalised, "authorization") ||
          g_str_equal (normalised, "proxyauthorization"))
        redacted = redact_authorization (self, value);
      else
        redacted = hash_or_keep (self, value);
      json_builder_add_string_value (builder, redacted);
    }

  json_builder_end_object (builder);
  result = json_builder_get_root (builder);
  return json_to_string (result, FALSE);
}
