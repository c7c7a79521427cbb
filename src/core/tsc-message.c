/* tsc-message.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-message"

#include "config.h"

#include "tsc-message.h"

static const char *type_names[] = {
  [TSC_MESSAGE_TYPE_UNKNOWN]  = "unknown",
  [TSC_MESSAGE_TYPE_IDENTIFY] = "identify",
  [TSC_MESSAGE_TYPE_TRACK]    = "track",
  [TSC_MESSAGE_TYPE_PAGE]     = "page",
  [TSC_MESSAGE_TYPE_SCREEN]   = "screen",
  [TSC_MESSAGE_TYPE_GROUP]    = "group",
  [TSC_MESSAGE_TYPE_ALIAS]    = "alias",
};

const char *
tsc_message_type_to_string (TscMessageType type)
{
  if ((guint) type >= G_N_ELEMENTS (type_names))
    return "unknown";
  return type_names[type];
}

TscMessageType
tsc_message_type_from_string (const char *str)
{
  if (str == NULL)
    return TSC_MESSAGE_TYPE_UNKNOWN;

  for (guint i = 1; i < G_N_ELEMENTS (type_names); i++)
    {
      if (g_str_equal (str, type_names[i]))
        return (TscMessageType) i;
    }

  return TSC_MESSAGE_TYPE_UNKNOWN;
}

const char *
tsc_auth_method_to_string (TscAuthMethod method)
{
  switch (method)
    {
    case TSC_AUTH_BASIC:
      return "basic";
    case TSC_AUTH_BEARER:
      return "bearer";
    case TSC_AUTH_BODY:
      return "body";
    case TSC_AUTH_QUERY:
      return "query";
    case TSC_AUTH_NONE:
    default:
      return NULL;
    }
}

/**
 * tsc_auth_method_from_string:
 *
 * Returns: the method tsc_auth_method_to_string() names @text, else
 *   %TSC_AUTH_NONE
 */
TscAuthMethod
tsc_auth_method_from_string (const char *text)
{
  for (TscAuthMethod m = TSC_AUTH_BASIC; m <= TSC_AUTH_QUERY; m++)
    {
      if (g_strcmp0 (text, tsc_auth_method_to_string (m)) == 0)
        return m;
    }
  return TSC_AUTH_NONE;
}

static void
transport_clear (TscTransport *transport)
{
  g_free (transport->method);
  g_free (transport->path);
  g_free (transport->route);
  g_free (transport->lane);
  g_free (transport->remote_addr);
  g_free (transport->user_agent);
  g_free (transport->origin);
  g_free (transport->write_key);
  g_free (transport->content_type);
  g_free (transport->content_encoding);
}

TscTransport *
tsc_transport_new (void)
{
  return g_atomic_rc_box_new0 (TscTransport);
}

TscTransport *
tsc_transport_ref (TscTransport *transport)
{
  g_return_val_if_fail (transport != NULL, NULL);
  return g_atomic_rc_box_acquire (transport);
}

void
tsc_transport_unref (TscTransport *transport)
{
  g_return_if_fail (transport != NULL);
  g_atomic_rc_box_release_full (transport, (GDestroyNotify) transport_clear);
}

G_DEFINE_BOXED_TYPE (TscTransport, tsc_transport, tsc_transport_ref, tsc_transport_unref)

static void
message_clear (TscMessage *message)
{
  g_free (message->type_name);
  g_free (message->event);
  g_free (message->name);
  g_free (message->user_id);
  g_free (message->anonymous_id);
  g_free (message->previous_id);
  g_free (message->group_id);
  g_free (message->message_id);
  g_free (message->timestamp);
  g_free (message->sent_at);
  g_free (message->batch_context);
  g_free (message->batch_integrations);
  g_clear_pointer (&message->transport, tsc_transport_unref);
  g_clear_pointer (&message->raw, g_bytes_unref);
}

TscMessage *
tsc_message_new (void)
{
  TscMessage *message = g_atomic_rc_box_new0 (TscMessage);

  message->batch_index = -1;
  return message;
}

TscMessage *
tsc_message_ref (TscMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return g_atomic_rc_box_acquire (message);
}

void
tsc_message_unref (TscMessage *message)
{
  g_return_if_fail (message != NULL);
  g_atomic_rc_box_release_full (message, (GDestroyNotify) message_clear);
}

G_DEFINE_BOXED_TYPE (TscMessage, tsc_message, tsc_message_ref, tsc_message_unref)

/**
 * tsc_message_get_label:
 *
 * Returns: what a person calls this message: the event of a track, the
 * name of a page or screen, the group id of a group, the user an alias
 * links to, or %NULL.
 */
const char *
tsc_message_get_label (const TscMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  switch (message->type)
    {
    case TSC_MESSAGE_TYPE_TRACK:
      return message->event;
    case TSC_MESSAGE_TYPE_PAGE:
    case TSC_MESSAGE_TYPE_SCREEN:
      return message->name;
    case TSC_MESSAGE_TYPE_GROUP:
      return message->group_id;
    case TSC_MESSAGE_TYPE_ALIAS:
      return message->user_id;
    case TSC_MESSAGE_TYPE_IDENTIFY:
    case TSC_MESSAGE_TYPE_UNKNOWN:
    default:
      return message->event != NULL ? message->event : message->name;
    }
}
