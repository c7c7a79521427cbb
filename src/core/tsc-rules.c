/* tsc-rules.c
 *
 * The rule catalogue of the design, with a help text for each rule
 * written for a developer who has never read the Segment docs, and the
 * severities of each profile. A config file (GLib key file) overrides
 * severities, switches rules off and changes the name lists:
 *
 *   [rules]
 *   alias-after-identify=error
 *   no-identify-on-load=off
 *
 *   [names]
 *   logout=Signed Out;Logged Out;Session Ended
 *   signup=Signed Up;Account Created
 *
 *   [session]
 *   idle-minutes=30
 *   clock-skew-minutes=5
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-rules"

#include "config.h"

#include <string.h>

#include "tsc-rules.h"

G_DEFINE_QUARK (tsc-rules-error-quark, tsc_rules_error)

static const TscRuleInfo rules[TSC_N_RULES] = {
  [TSC_RULE_MISSING_RESET_ON_LOGOUT] = {
    "missing-reset-on-logout", "Logout without reset",
    "The user logged out, but the SDK kept their identity: later calls from the same browser "
    "or device still carry the old anonymousId (or the old userId). analytics.js keeps both in "
    "cookies and local storage until reset() clears them, so whoever uses the device next is "
    "recorded as the previous user: their page views, events and eventual signup are merged "
    "into someone else's profile in every destination (Mixpanel, Amplitude, your warehouse). "
    "Fix: call analytics.reset() in your logout handler, right after tracking the logout event "
    "(for example: analytics.track('Signed Out'); analytics.reset())."
  },
  [TSC_RULE_IDENTITY_BLEED] = {
    "identity-bleed", "Two users on one anonymousId",
    "One anonymousId was identified as one user and later as another, with no reset between. "
    "Destinations that merge by anonymousId (Segment Unify, Mixpanel, Amplitude) now treat both "
    "people as one: the second user inherits the first one's history, and the merge cannot be "
    "undone. Fix: call analytics.reset() when a user logs out or before another user logs in "
    "on the same device; on a server, never reuse an anonymousId for a different userId."
  },
  [TSC_RULE_TRACK_BEFORE_IDENTIFY] = {
    "track-before-identify", "Signup tracked before identify",
    "A signup event was sent before the user was identified (or without a userId at all). The "
    "event is then attributed to an anonymous visitor, funnels from visit to signup break, and "
    "tools that create the user profile on identify (Mixpanel, Intercom, Customer.io) miss the "
    "signup. Fix: call analytics.identify(userId, traits) as soon as the account exists, then "
    "track the signup event."
  },
  [TSC_RULE_ALIAS_AFTER_IDENTIFY] = {
    "alias-after-identify", "Alias after identify",
    "An alias into this userId arrived after the userId had already been identified. "
    "Destinations that still use alias to link the anonymous history (Mixpanel's original ID "
    "merge, Kissmetrics) only merge when the alias comes first: afterwards the anonymous "
    "visits stay in a separate profile, and the alias may be rejected. Fix: call "
    "analytics.alias(newUserId) once, right after signup and before the first identify; with "
    "Mixpanel's simplified ID merge you can drop alias altogether."
  },
  [TSC_RULE_ALIAS_SELF] = {
    "alias-self", "Alias to itself",
    "The alias has previousId equal to userId, so it links an id to itself and the anonymous "
    "history it was meant to link is lost. analytics.js (analytics-next 1.68 and later) sends "
    "exactly this when alias() is called after identify(): it overwrites the alias's userId "
    "with the stored one. Fix: call analytics.alias(newUserId) before analytics.identify(), or "
    "pass both ids explicitly from your server with the HTTP API."
  },
  [TSC_RULE_ALIAS_REPEATED] = {
    "alias-repeated", "Alias repeated",
    "The same userId received a second alias, or the same previousId was aliased twice. "
    "Mixpanel's original ID merge and Kissmetrics let an id be aliased only once: the second "
    "alias is ignored or merges the wrong profiles. Fix: alias once, at signup; on later logins "
    "use identify only."
  },
  [TSC_RULE_SERVER_IDENTIFY_BEFORE_ALIAS] = {
    "server-identify-before-alias", "Server identify before the client's alias",
    "Your server identified this user (an identify without anonymousId) before the browser or "
    "app sent its alias into the same userId. Under Mixpanel's original ID merge the server "
    "identify creates the profile first, so the client's alias can no longer attach the "
    "anonymous history to it. Fix: send the alias first (from the client, or from the server "
    "with the anonymousId the client passes along) and wait for it before identifying on the "
    "server."
  },
  [TSC_RULE_NO_IDENTIFY_ON_LOAD] = {
    "no-identify-on-load", "No identify at session start",
    "In this session the first call carrying the userId was not an identify. Tools that keep "
    "their own user state in the page (chat widgets, in-app messaging, session replay) learn "
    "who the user is only from identify, so they show the visitor as anonymous until the next "
    "identify. Fix: call analytics.identify(userId) when a page loads for a logged-in user."
  },
  [TSC_RULE_SUSPICIOUS_USER_ID] = {
    "suspicious-user-id", "Suspicious user id",
    "The userId (or previousId) looks like a bug rather than an id: \"null\", \"undefined\", "
    "\"0\", \"NaN\", \"[object Object]\", \"guest\", an empty string, an id with spaces around "
    "it, or an email address. Every user who hits the same bug is merged into one profile, and "
    "emails as ids break as soon as someone changes their address (and spread personal data "
    "into every tool). Fix: pass the user's stable database id as a string, and leave the "
    "userId out entirely while nobody is logged in."
  },
  [TSC_RULE_DUPLICATE_MESSAGE_ID] = {
    "duplicate-message-id", "Duplicate messageId",
    "Two calls carry the same messageId. Segment deduplicates on messageId, so the second one "
    "is dropped in the pipeline even if it describes a different event. When the payloads are "
    "the same it is a harmless retry; when they differ, the code that generates message ids is "
    "reusing them. Fix: let the SDK generate messageId, or generate a fresh UUID per call."
  },
  [TSC_RULE_INVALID_MESSAGE] = {
    "invalid-message", "Invalid message",
    "The call breaks the Segment spec: a missing type, neither userId nor anonymousId, a track "
    "without event, an alias without previousId or userId, a group without groupId, traits or "
    "properties that are not objects, or a timestamp that is not ISO-8601. Segment answers 200 "
    "to such calls and then drops them or passes them on broken, so the problem only shows in "
    "the destinations. Fix: the field named in the summary."
  },
  [TSC_RULE_OVERSIZED] = {
    "oversized", "Oversized call",
    "The call is larger than the Tracking API accepts: a message over 32 KB, a batch over "
    "500 KB, or more than 2,500 messages in one batch. Segment rejects these (or the messages "
    "past the limit) and the data is lost. Fix: send less in traits and properties (no "
    "embedded documents or base64 blobs) and let the SDK split batches."
  },
  [TSC_RULE_CLOCK_SKEW] = {
    "clock-skew", "Client clock skew",
    "The client's clock differs from the time the call was received by more than the allowed "
    "skew. Segment corrects the timestamp with sentAt, but tools that use the client's "
    "timestamp show the events at the wrong time, and ordering against server-side calls "
    "breaks. Nothing to fix in the code if sentAt is sent (all official SDKs do); check the "
    "device's clock."
  },
};

/* Severities per profile, in the order of TscRule. */
typedef struct
{
  const char  *name;
  TscSeverity  severity[TSC_N_RULES];
} Profile;

#define E TSC_SEVERITY_ERROR
#define W TSC_SEVERITY_WARNING
#define I TSC_SEVERITY_INFO

static const Profile profiles[] = {
  /*                           reset bleed track a-after a-self a-rep srv  load susp dup inv over skew */
  { "segment",             { E,    E,    W,    W,      E,     W,    I,   I,   W,   W,  E,  E,   I } },
  { "mixpanel-original",   { E,    E,    E,    E,      E,     E,    E,   I,   W,   W,  E,  E,   I } },
  { "mixpanel-simplified", { E,    E,    W,    I,      I,     I,    I,   I,   W,   W,  E,  E,   I } },
  { "kissmetrics",         { E,    E,    W,    E,      E,     E,    I,   I,   W,   W,  E,  E,   I } },
};

#undef E
#undef W
#undef I

static const char *profile_names[] = {
  "segment", "mixpanel-original", "mixpanel-simplified", "kissmetrics", NULL
};

static const char *default_logout_names[] = {
  "Signed Out", "Logged Out", "Log Out", "Logout", "Sign Out", "User Logged Out", NULL
};

static const char *default_signup_names[] = {
  "Signed Up", "Account Created", "Sign Up", "User Signed Up", "Registration Completed", NULL
};

const TscRuleInfo *
tsc_rule_get_info (TscRule rule)
{
  g_return_val_if_fail ((guint) rule < TSC_N_RULES, NULL);
  return &rules[rule];
}

gboolean
tsc_rule_from_id (const char *id,
                  TscRule    *rule)
{
  for (guint i = 0; i < TSC_N_RULES; i++)
    {
      if (g_strcmp0 (id, rules[i].id) == 0)
        {
          *rule = (TscRule) i;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
tsc_severity_to_string (TscSeverity severity)
{
  switch (severity)
    {
    case TSC_SEVERITY_ERROR:
      return "error";
    case TSC_SEVERITY_WARNING:
      return "warning";
    case TSC_SEVERITY_INFO:
      return "info";
    case TSC_SEVERITY_OFF:
    default:
      return "off";
    }
}

gboolean
tsc_severity_from_string (const char  *text,
                          TscSeverity *severity)
{
  for (TscSeverity s = TSC_SEVERITY_OFF; s <= TSC_SEVERITY_ERROR; s++)
    {
      if (g_strcmp0 (text, tsc_severity_to_string (s)) == 0)
        {
          *severity = s;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * tsc_rule_profiles:
 *
 * Returns: (transfer none): the names of the profiles, %NULL-terminated
 */
const char * const *
tsc_rule_profiles (void)
{
  return profile_names;
}

struct _TscRuleConfig
{
  char        *profile;
  TscSeverity  severity[TSC_N_RULES];
  GPtrArray   *logout_names;   /* normalised */
  GPtrArray   *signup_names;   /* normalised */
  gint64       session_idle;   /* µs */
  gint64       clock_skew;     /* µs */
};

G_DEFINE_BOXED_TYPE (TscRuleConfig, tsc_rule_config, tsc_rule_config_ref, tsc_rule_config_unref)

/* Event names match ignoring case and the separators space, _ and -. */
static char *
normalize_name (const char *name)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == ' ' || c == '_' || c == '-')
        continue;
      g_string_append_unichar (out, g_unichar_tolower (c));
    }

  return g_string_free (out, FALSE);
}

static void
set_names (GPtrArray          *list,
           const char * const *names)
{
  g_ptr_array_set_size (list, 0);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (names[i]));

      if (*trimmed != '\0')
        g_ptr_array_add (list, normalize_name (trimmed));
    }
}

static void
rule_config_free (TscRuleConfig *config)
{
  g_free (config->profile);
  g_ptr_array_unref (config->logout_names);
  g_ptr_array_unref (config->signup_names);
}

/**
 * tsc_rule_config_new:
 * @profile: (nullable): a profile name; %NULL for `segment`
 */
TscRuleConfig *
tsc_rule_config_new (const char  *profile,
                     GError     **error)
{
  TscRuleConfig *config;
  const Profile *found = NULL;

  if (profile == NULL)
    profile = "segment";

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      if (g_str_equal (profile, profiles[i].name))
        found = &profiles[i];
    }

  if (found == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) profile_names);

      g_set_error (error, TSC_RULES_ERROR, TSC_RULES_ERROR_UNKNOWN_PROFILE,
                   "Unknown profile “%s”; the profiles are %s", profile, known);
      return NULL;
    }

  config = g_atomic_rc_box_new0 (TscRuleConfig);
  config->profile = g_strdup (found->name);
  memcpy (config->severity, found->severity, sizeof config->severity);
  config->logout_names = g_ptr_array_new_with_free_func (g_free);
  config->signup_names = g_ptr_array_new_with_free_func (g_free);
  set_names (config->logout_names, default_logout_names);
  set_names (config->signup_names, default_signup_names);
  config->session_idle = 30 * 60 * G_USEC_PER_SEC;
  config->clock_skew = 5 * 60 * G_USEC_PER_SEC;

  return config;
}

TscRuleConfig *
tsc_rule_config_ref (TscRuleConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);
  return g_atomic_rc_box_acquire (config);
}

void
tsc_rule_config_unref (TscRuleConfig *config)
{
  g_return_if_fail (config != NULL);
  g_atomic_rc_box_release_full (config, (GDestroyNotify) rule_config_free);
}

static gboolean
read_minutes (GKeyFile    *keyfile,
              const char  *source_name,
              const char  *key,
              gint64      *out,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  double minutes;

  if (!g_key_file_has_key (keyfile, "session", key, NULL))
    return TRUE;

  minutes = g_key_file_get_double (keyfile, "session", key, &local_error);
  if (local_error != NULL || minutes <= 0)
    {
      g_set_error (error, TSC_RULES_ERROR, TSC_RULES_ERROR_BAD_CONFIG,
                   "%s: [session] %s must be a positive number of minutes",
                   source_name, key);
      return FALSE;
    }

  *out = (gint64) (minutes * 60 * G_USEC_PER_SEC);
  return TRUE;
}

/**
 * tsc_rule_config_load_data:
 * @source_name: how to name the data in errors, e.g. its file name
 *
 * Applies a config in key file syntax over @config. Nothing is changed
 * when it has an error.
 */
gboolean
tsc_rule_config_load_data (TscRuleConfig  *config,
                           const char     *data,
                           const char     *source_name,
                           GError        **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) keys = NULL;
  TscSeverity severity[TSC_N_RULES];
  gint64 idle = config->session_idle;
  gint64 skew = config->clock_skew;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  if (!g_key_file_load_from_data (keyfile, data, -1, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, TSC_RULES_ERROR, TSC_RULES_ERROR_BAD_CONFIG,
                   "%s: %s", source_name, local_error->message);
      return FALSE;
    }

  memcpy (severity, config->severity, sizeof severity);

  keys = g_key_file_get_keys (keyfile, "rules", NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *value = g_key_file_get_string (keyfile, "rules", keys[i], NULL);
      TscRule rule;
      TscSeverity s;

      if (!tsc_rule_from_id (keys[i], &rule))
        {
          g_set_error (error, TSC_RULES_ERROR, TSC_RULES_ERROR_UNKNOWN_RULE,
                       "%s: [rules] names “%s”, which is not a rule", source_name, keys[i]);
          return FALSE;
        }

      if (value == NULL || !tsc_severity_from_string (g_strstrip (value), &s))
        {
          g_set_error (error, TSC_RULES_ERROR, TSC_RULES_ERROR_BAD_SEVERITY,
                       "%s: [rules] %s=%s: the severity must be error, warning, info or off",
                       source_name, keys[i], value ? value : "");
          return FALSE;
        }

      severity[rule] = s;
    }

  if (!read_minutes (keyfile, source_name, "idle-minutes", &idle, error) ||
      !read_minutes (keyfile, source_name, "clock-skew-minutes", &skew, error))
    return FALSE;

  memcpy (config->severity, severity, sizeof severity);
  config->session_idle = idle;
  config->clock_skew = skew;

  if (g_key_file_has_key (keyfile, "names", "logout", NULL))
    {
      g_auto(GStrv) names = g_key_file_get_string_list (keyfile, "names", "logout", NULL, NULL);
      if (names != NULL)
        set_names (config->logout_names, (const char * const *) names);
    }

  if (g_key_file_has_key (keyfile, "names", "signup", NULL))
    {
      g_auto(GStrv) names = g_key_file_get_string_list (keyfile, "names", "signup", NULL, NULL);
      if (names != NULL)
        set_names (config->signup_names, (const char * const *) names);
    }

  return TRUE;
}

gboolean
tsc_rule_config_load_file (TscRuleConfig  *config,
                           const char     *path,
                           GError        **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_get_contents (path, &data, NULL, &local_error))
    {
      g_set_error (error, TSC_RULES_ERROR, TSC_RULES_ERROR_BAD_CONFIG,
                   "Cannot read config file: %s", local_error->message);
      return FALSE;
    }

  return tsc_rule_config_load_data (config, data, path, error);
}

const char *
tsc_rule_config_get_profile (TscRuleConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);
  return config->profile;
}

TscSeverity
tsc_rule_config_get_severity (TscRuleConfig *config,
                              TscRule        rule)
{
  g_return_val_if_fail (config != NULL, TSC_SEVERITY_OFF);
  g_return_val_if_fail ((guint) rule < TSC_N_RULES, TSC_SEVERITY_OFF);
  return config->severity[rule];
}

void
tsc_rule_config_set_severity (TscRuleConfig *config,
                              TscRule        rule,
                              TscSeverity    severity)
{
  g_return_if_fail (config != NULL);
  g_return_if_fail ((guint) rule < TSC_N_RULES);
  config->severity[rule] = severity;
}

static gboolean
name_in (GPtrArray  *list,
         const char *name)
{
  g_autofree char *normalized = NULL;

  if (name == NULL)
    return FALSE;

  normalized = normalize_name (name);
  for (guint i = 0; i < list->len; i++)
    {
      if (g_str_equal (normalized, g_ptr_array_index (list, i)))
        return TRUE;
    }
  return FALSE;
}

gboolean
tsc_rule_config_is_logout (TscRuleConfig *config,
                           const char    *name)
{
  g_return_val_if_fail (config != NULL, FALSE);
  return name_in (config->logout_names, name);
}

gboolean
tsc_rule_config_is_signup (TscRuleConfig *config,
                           const char    *name)
{
  g_return_val_if_fail (config != NULL, FALSE);
  return name_in (config->signup_names, name);
}

gint64
tsc_rule_config_get_session_idle (TscRuleConfig *config)
{
  g_return_val_if_fail (config != NULL, 0);
  return config->session_idle;
}

gint64
tsc_rule_config_get_clock_skew (TscRuleConfig *config)
{
  g_return_val_if_fail (config != NULL, 0);
  return config->clock_skew;
}
