/* tsc-rules.h: the rule catalogue, severities, profiles and settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TSC_RULES_ERROR (tsc_rules_error_quark ())

typedef enum
{
  TSC_RULES_ERROR_UNKNOWN_PROFILE,
  TSC_RULES_ERROR_UNKNOWN_RULE,
  TSC_RULES_ERROR_BAD_SEVERITY,
  TSC_RULES_ERROR_BAD_CONFIG,
} TscRulesError;

typedef enum
{
  TSC_SEVERITY_OFF = 0,
  TSC_SEVERITY_INFO,
  TSC_SEVERITY_WARNING,
  TSC_SEVERITY_ERROR,
} TscSeverity;

typedef enum
{
  TSC_RULE_MISSING_RESET_ON_LOGOUT,
  TSC_RULE_IDENTITY_BLEED,
  TSC_RULE_TRACK_BEFORE_IDENTIFY,
  TSC_RULE_ALIAS_AFTER_IDENTIFY,
  TSC_RULE_ALIAS_SELF,
  TSC_RULE_ALIAS_REPEATED,
  TSC_RULE_SERVER_IDENTIFY_BEFORE_ALIAS,
  TSC_RULE_NO_IDENTIFY_ON_LOAD,
  TSC_RULE_SUSPICIOUS_USER_ID,
  TSC_RULE_DUPLICATE_MESSAGE_ID,
  TSC_RULE_INVALID_MESSAGE,
  TSC_RULE_OVERSIZED,
  TSC_RULE_CLOCK_SKEW,
  TSC_N_RULES
} TscRule;

typedef struct
{
  const char *id;         /* "missing-reset-on-logout" */
  const char *title;      /* a short name for lists */
  const char *help;       /* what it means, why it matters, what to change */
} TscRuleInfo;

GQuark             tsc_rules_error_quark    (void);

const TscRuleInfo *tsc_rule_get_info        (TscRule      rule);
gboolean           tsc_rule_from_id         (const char  *id,
                                             TscRule     *rule);
const char        *tsc_severity_to_string   (TscSeverity  severity);
gboolean           tsc_severity_from_string (const char  *text,
                                             TscSeverity *severity);

const char * const *tsc_rule_profiles       (void);

/* What the model and the rules are told: a profile's severities with
 * the overrides of a config file, the logout and signup names, and the
 * time limits. */
typedef struct _TscRuleConfig TscRuleConfig;

#define TSC_TYPE_RULE_CONFIG (tsc_rule_config_get_type ())
GType          tsc_rule_config_get_type      (void) G_GNUC_CONST;
TscRuleConfig *tsc_rule_config_new           (const char     *profile,
                                              GError        **error);
TscRuleConfig *tsc_rule_config_ref           (TscRuleConfig  *config);
void           tsc_rule_config_unref         (TscRuleConfig  *config);
gboolean       tsc_rule_config_load_file     (TscRuleConfig  *config,
                                              const char     *path,
                                              GError        **error);
gboolean       tsc_rule_config_load_data     (TscRuleConfig  *config,
                                              const char     *data,
                                              const char     *source_name,
                                              GError        **error);

const char    *tsc_rule_config_get_profile   (TscRuleConfig  *config);
TscSeverity    tsc_rule_config_get_severity  (TscRuleConfig  *config,
                                              TscRule         rule);
void           tsc_rule_config_set_severity  (TscRuleConfig  *config,
                                              TscRule         rule,
                                              TscSeverity     severity);
gboolean       tsc_rule_config_is_logout     (TscRuleConfig  *config,
                                              const char     *name);
gboolean       tsc_rule_config_is_signup     (TscRuleConfig  *config,
                                              const char     *name);
gint64         tsc_rule_config_get_session_idle (TscRuleConfig *config);
gint64         tsc_rule_config_get_clock_skew   (TscRuleConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TscRuleConfig, tsc_rule_config_unref)

G_END_DECLS
