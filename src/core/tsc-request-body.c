/* tsc-request-body.c
 *
 * A session keeps each message's bytes as received, and for a batch the
 * envelope's context, integrations and sentAt beside every item, but not
 * the request body itself. HAR export and replay rebuild it from those:
 * a single-message request is its message's bytes; a batch is
 * {"batch":[items as received], "context", "integrations", "sentAt",
 * "writeKey"} with the envelope members that the items did not carry
 * themselves.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-request-body"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "tsc-json-span.h"
#include "tsc-request-body.h"
#include "tsc-route.h"

/**
 * tsc_request_body_is_batch:
 *
 * Returns: whether requests of @transport's route carry a batch envelope
 */
gboolean
tsc_request_body_is_batch (const TscTransport *transport)
{
  TscRoute route = { 0 };
  gboolean batch;

  g_return_val_if_fail (transport != NULL, FALSE);

  if (transport->route == NULL || !tsc_route_parse (transport->route, &route))
    return FALSE;
  batch = route.kind == TSC_ROUTE_BATCH;
  tsc_route_clear (&route);
  return batch;
}

typedef struct
{
  gboolean sent_at;
  gboolean write_key;
} TopMembers;

static void
note_member_cb (const char *key,
                gsize       key_len,
                const char *value,
                gsize       value_len,
                gpointer    user_data)
{
  TopMembers *top = user_data;

  if (key_len == strlen ("sentAt") && memcmp (key, "sentAt", key_len) == 0)
    top->sent_at = TRUE;
  else if (key_len == strlen ("writeKey") && memcmp (key, "writeKey", key_len) == 0)
    top->write_key = TRUE;
}

static void
append_string (GString    *out,
               const char *name,
               const char *value)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), value);
  g_autofree char *text = json_to_string (node, FALSE);

  g_string_append_printf (out, ",\"%s\":%s", name, text);
}

/* A message whose writeKey must change: the only case that is
 * re-serialised rather than sent byte for byte. A message without one
 * is kept as it is. */
static GBytes *
with_write_key (GBytes     *raw,
                const char *write_key)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize len;
  const char *data = g_bytes_get_data (raw, &len);
  TopMembers top = { FALSE, FALSE };
  JsonNode *root;
  char *text;

  tsc_json_span_foreach_member (data, len, note_member_cb, &top);
  if (!top.write_key || !json_parser_load_from_data (parser, data, len, NULL))
    return g_bytes_ref (raw);

  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return g_bytes_ref (raw);

  root = json_node_copy (root);
  json_object_set_string_member (json_node_get_object (root), "writeKey", write_key);
  text = json_to_string (root, FALSE);
  json_node_unref (root);
  return g_bytes_new_take (text, strlen (text));
}

/**
 * tsc_request_body_rebuild:
 * @transport: the request's transport facts
 * @messages: (element-type TscMessage): its messages, in batch order
 * @write_key: (nullable): a write key to send instead of the original
 *   one where the body carried it
 *
 * Returns: (transfer full): the body, uncompressed
 */
GBytes *
tsc_request_body_rebuild (const TscTransport *transport,
                          GPtrArray          *messages,
                          const char         *write_key)
{
  GString *out;
  TscMessage *first;
  const char *envelope_sent_at = NULL;
  gboolean items_have_key = FALSE;
  gsize len;
  const char *data;

  g_return_val_if_fail (transport != NULL, NULL);
  g_return_val_if_fail (messages != NULL && messages->len > 0, NULL);

  first = g_ptr_array_index (messages, 0);

  /* A new write key replaces the old one wherever the body carried it,
   * so no copy of the original key is left for the receiver to use. */
  if (!tsc_request_body_is_batch (transport))
    return write_key != NULL ? with_write_key (first->raw, write_key) : g_bytes_ref (first->raw);

  out = g_string_new ("{\"batch\":[");
  for (guint i = 0; i < messages->len; i++)
    {
      TscMessage *m = g_ptr_array_index (messages, i);
      TopMembers top = { FALSE, FALSE };
      g_autoptr(GBytes) item = NULL;

      data = g_bytes_get_data (m->raw, &len);
      tsc_json_span_foreach_member (data, len, note_member_cb, &top);

      /* An item without a sentAt of its own got the envelope's. */
      if (!top.sent_at && m->sent_at != NULL && envelope_sent_at == NULL)
        envelope_sent_at = m->sent_at;
      items_have_key |= top.write_key;

      item = write_key != NULL && top.write_key ? with_write_key (m->raw, write_key)
                                                : g_bytes_ref (m->raw);
      data = g_bytes_get_data (item, &len);
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_len (out, data, len);
    }
  g_string_append_c (out, ']');

  if (first->batch_context != NULL)
    g_string_append_printf (out, ",\"context\":%s", first->batch_context);
  if (first->batch_integrations != NULL)
    g_string_append_printf (out, ",\"integrations\":%s", first->batch_integrations);
  if (envelope_sent_at != NULL)
    append_string (out, "sentAt", envelope_sent_at);

  /* The key found in the body came from the envelope unless the items
   * carry one themselves. */
  if (transport->auth_method == TSC_AUTH_BODY && !items_have_key)
    {
      const char *key = write_key != NULL ? write_key : transport->write_key;

      if (key != NULL)
        append_string (out, "writeKey", key);
    }

  g_string_append_c (out, '}');
  len = out->len;
  return g_bytes_new_take (g_string_free (out, FALSE), len);
}
