/* tsc-session.c
 *
 * The data behind a window. Messages reach it from the collector's
 * notifications (live) or from a loader thread (a file); they are fed
 * to the identity model and the message index in the UI thread, and
 * "messages-added" is emitted at most once per frame (~16 ms) however
 * fast calls arrive. Payloads and requests are read from the session
 * file in a worker thread, never in the UI thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-session"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "tsc-import.h"
#include "tsc-session.h"
#include "tsc-session-writer.h"

#define FLUSH_INTERVAL_MS 16
#define LOAD_CHUNK        4096

struct _TscSession
{
  GObject            parent_instance;

  TscRuleConfig     *config;
  TscIdentityModel  *model;
  TscMessageIndex   *index;

  char              *path;
  gboolean           unsaved;     /* a capture into the data folder, not saved under a name */

  TscSessionWriter  *writer;
  TscCollector      *collector;
  TscForwarder      *forwarder;
  char              *forward_url; /* for the next capture, or NULL */
  GHashTable        *upstream;    /* request id → TscUpstreamOutcome, outcomes seen live */

  GPtrArray         *pending;     /* TscMessage, waiting for the next flush */
  guint              flush_id;
};

G_DEFINE_FINAL_TYPE (TscSession, tsc_session, G_TYPE_OBJECT)

enum {
  MESSAGES_ADDED,
  REQUEST_REJECTED,
  UPSTREAM_OUTCOME,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_CAPTURING,
  PROP_PATH,
  PROP_UNSAVED,
  PROP_N_MESSAGES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Feeds @messages to the model and the index, marking the flags they
 * raise on the rows; returns the new flags. */
static GPtrArray *
ingest (TscIdentityModel *model,
        TscMessageIndex  *index,
        GPtrArray        *messages)
{
  GPtrArray *flags = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_flag_unref);

  for (guint i = 0; i < messages->len; i++)
    {
      TscMessage *m = g_ptr_array_index (messages, i);
      g_autoptr(GPtrArray) raised = tsc_identity_model_add (model, m);

      tsc_message_index_append (index, m, tsc_identity_model_lookup_client (model, m));
      for (guint j = 0; j < raised->len; j++)
        {
          TscFlag *flag = g_ptr_array_index (raised, j);

          for (guint k = 0; k < flag->seqs->len; k++)
            tsc_message_index_add_flag (index, g_array_index (flag->seqs, gint64, k), flag->severity);
        }
      g_ptr_array_extend_and_steal (flags, g_steal_pointer (&raised));
    }

  return flags;
}

/**
 * tsc_session_flush:
 *
 * Applies the messages received since the last flush and emits
 * TscSession::messages-added once for all of them.
 */
void
tsc_session_flush (TscSession *self)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) flags = NULL;
  guint position;

  g_return_if_fail (TSC_IS_SESSION (self));

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->pending->len == 0)
    return;

  pending = g_steal_pointer (&self->pending);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);

  position = tsc_message_index_get_n_rows (self->index);
  flags = ingest (self->model, self->index, pending);

  g_signal_emit (self, signals[MESSAGES_ADDED], 0, position, pending->len, flags);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MESSAGES]);
}

static gboolean
flush_cb (gpointer data)
{
  TscSession *self = data;

  self->flush_id = 0;
  tsc_session_flush (self);
  return G_SOURCE_REMOVE;
}

/**
 * tsc_session_add_messages:
 * @messages: (element-type TscMessage): stored messages, in seq order
 *
 * Queues messages for the next flush (at most one per frame).
 */
void
tsc_session_add_messages (TscSession *self,
                          GPtrArray  *messages)
{
  g_return_if_fail (TSC_IS_SESSION (self));

  for (guint i = 0; i < messages->len; i++)
    g_ptr_array_add (self->pending, tsc_message_ref (g_ptr_array_index (messages, i)));

  if (self->flush_id == 0 && self->pending->len > 0)
    self->flush_id = g_timeout_add_full (G_PRIORITY_DEFAULT, FLUSH_INTERVAL_MS, flush_cb, self, NULL);
}

static void
on_collector_messages_received_cb (TscCollector *collector,
                                   GPtrArray    *messages,
                                   TscSession   *self)
{
  tsc_session_add_messages (self, messages);
}

static void
on_collector_request_rejected_cb (TscCollector     *collector,
                                  TscRequestRecord *record,
                                  TscSession       *self)
{
  g_signal_emit (self, signals[REQUEST_REJECTED], 0, record);
}

static void
upstream_outcome_free (TscUpstreamOutcome *outcome)
{
  tsc_upstream_outcome_clear (outcome);
  g_free (outcome);
}

static void
on_forwarder_upstream_outcome_cb (TscForwarder             *forwarder,
                                  gint64                    request_id,
                                  const TscUpstreamOutcome *outcome,
                                  TscSession               *self)
{
  TscUpstreamOutcome *copy = g_new0 (TscUpstreamOutcome, 1);
  gint64 *key = g_new (gint64, 1);

  *key = request_id;
  tsc_upstream_outcome_copy (copy, outcome);
  g_hash_table_replace (self->upstream, key, copy);
  g_signal_emit (self, signals[UPSTREAM_OUTCOME], 0, request_id);
}

/**
 * tsc_session_set_forward_url:
 * @url: (nullable): a Tracking API base address, or %NULL or "" for none
 *
 * Sets where the next capture forwards every accepted request. A @url
 * that cannot be forwarded to is refused with @error, and nothing will
 * be forwarded.
 */
gboolean
tsc_session_set_forward_url (TscSession  *self,
                             const char  *url,
                             GError     **error)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (TSC_IS_SESSION (self), FALSE);

  g_clear_pointer (&self->forward_url, g_free);
  if (url == NULL || *url == '\0')
    return TRUE;

  uri = tsc_upstream_parse_url (url, error);
  if (uri == NULL)
    return FALSE;

  self->forward_url = g_strdup (url);
  return TRUE;
}

/**
 * tsc_session_get_forward_url:
 *
 * Returns: (nullable): where the running capture forwards to
 */
const char *
tsc_session_get_forward_url (TscSession *self)
{
  g_return_val_if_fail (TSC_IS_SESSION (self), NULL);
  return self->forwarder ? tsc_forwarder_get_url (self->forwarder) : NULL;
}

/**
 * tsc_session_lookup_upstream:
 *
 * Returns: (nullable): the outcome of forwarding request @request_id
 *   seen by this session's capture, %NULL when none arrived (the file
 *   may still have one from an earlier capture)
 */
const TscUpstreamOutcome *
tsc_session_lookup_upstream (TscSession *self,
                             gint64      request_id)
{
  g_return_val_if_fail (TSC_IS_SESSION (self), NULL);
  return g_hash_table_lookup (self->upstream, &request_id);
}

/**
 * tsc_session_start_capture:
 * @listen: `HOST:PORT`
 * @path: (nullable): the session file; %NULL for a new one under the
 *   user's data folder (the session is then "unsaved")
 */
gboolean
tsc_session_start_capture (TscSession  *self,
                           const char  *listen,
                           gboolean     allow_remote,
                           const char  *path,
                           GError     **error)
{
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(TscCollector) collector = NULL;
  g_autoptr(TscSessionWriter) writer = NULL;
  g_autofree char *host = NULL;
  g_autofree char *file = NULL;
  guint port = 0;
  gboolean created;

  g_return_val_if_fail (TSC_IS_SESSION (self), FALSE);
  g_return_val_if_fail (self->collector == NULL, FALSE);

  if (!tsc_parse_listen_address (listen, &host, &port, error))
    return FALSE;

  file = path ? g_strdup (path) : self->path ? g_strdup (self->path) : tsc_session_store_default_path ();
  created = !g_file_test (file, G_FILE_TEST_EXISTS);
  store = tsc_session_store_open (file, TSC_SESSION_STORE_OPEN_CREATE, error);
  if (store == NULL)
    return FALSE;

  writer = tsc_session_writer_new (store);
  collector = tsc_collector_new (writer);
  tsc_collector_set_allow_remote (collector, allow_remote);
  if (self->forward_url != NULL)
    {
      g_autoptr(TscForwarder) forwarder = tsc_forwarder_new (self->forward_url, error);

      if (forwarder == NULL)
        {
          tsc_session_writer_close (writer);
          if (created)
            tsc_session_store_remove_files (file);
          return FALSE;
        }
      tsc_forwarder_set_writer (forwarder, writer);
      tsc_collector_set_forwarder (collector, forwarder);
      g_signal_connect_object (forwarder, "upstream-outcome",
                               G_CALLBACK (on_forwarder_upstream_outcome_cb), self, 0);
      self->forwarder = g_steal_pointer (&forwarder);
    }
  g_signal_connect_object (collector, "messages-received",
                           G_CALLBACK (on_collector_messages_received_cb), self, 0);
  g_signal_connect_object (collector, "request-rejected",
                           G_CALLBACK (on_collector_request_rejected_cb), self, 0);

  if (!tsc_collector_start (collector, host, port, error))
    {
      if (self->forwarder != NULL)
        tsc_forwarder_shutdown (self->forwarder, 0);
      g_clear_object (&self->forwarder);
      tsc_session_writer_close (writer);
      g_clear_object (&collector);
      g_clear_object (&writer);
      g_clear_object (&store);
      if (created)
        tsc_session_store_remove_files (file);
      return FALSE;
    }

  /* Facts an export names; the writer owns the file from now on. */
  tsc_session_writer_set_info (writer, "collector", tsc_collector_get_uri (collector));
  tsc_session_writer_set_info (writer, "profile", tsc_rule_config_get_profile (self->config));

  self->writer = g_steal_pointer (&writer);
  self->collector = g_steal_pointer (&collector);
  if (g_strcmp0 (self->path, file) != 0)
    {
      g_free (self->path);
      self->path = g_steal_pointer (&file);
      self->unsaved = path == NULL && created;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNSAVED]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTURING]);
  return TRUE;
}

/**
 * tsc_session_stop_capture:
 *
 * Stops the collector; everything it acknowledged is in the file and
 * in the models when this returns.
 */
void
tsc_session_stop_capture (TscSession *self)
{
  g_return_if_fail (TSC_IS_SESSION (self));

  if (self->collector == NULL)
    return;

  tsc_collector_stop (self->collector);
  /* A moment for calls still on their way upstream; the rest are
   * recorded as not forwarded. */
  if (self->forwarder != NULL)
    tsc_forwarder_shutdown (self->forwarder, 1000);
  g_clear_object (&self->forwarder);
  tsc_session_writer_close (self->writer);
  g_clear_object (&self->collector);
  g_clear_object (&self->writer);
  tsc_session_flush (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTURING]);
}

/**
 * tsc_session_close:
 *
 * Stops capturing; a capture into the data folder that received no
 * call leaves no file behind.
 */
void
tsc_session_close (TscSession *self)
{
  g_return_if_fail (TSC_IS_SESSION (self));

  tsc_session_stop_capture (self);
  if (self->unsaved && self->path != NULL && tsc_message_index_get_n_rows (self->index) == 0)
    {
      tsc_session_store_remove_files (self->path);
      g_clear_pointer (&self->path, g_free);
      self->unsaved = FALSE;
    }
}

gboolean
tsc_session_is_capturing (TscSession *self)
{
  g_return_val_if_fail (TSC_IS_SESSION (self), FALSE);
  return self->collector != NULL;
}

const char *
tsc_session_get_uri (TscSession *self)
{
  g_return_val_if_fail (TSC_IS_SESSION (self), NULL);
  return self->collector ? tsc_collector_get_uri (self->collector) : NULL;
}

/* ---------------------------------------------------------------------- */
/* Loading a file                                                          */

typedef struct
{
  char             *path;
  char             *source;     /* for an import: the file read */
  TscRuleConfig    *config;
  TscIdentityModel *model;
  TscMessageIndex  *index;
  TscImportReport  *report;     /* for an import: what it found */
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->path);
  g_free (data->source);
  g_clear_pointer (&data->config, tsc_rule_config_unref);
  g_clear_object (&data->model);
  g_clear_object (&data->index);
  g_clear_pointer (&data->report, tsc_import_report_free);
  g_free (data);
}

/* Builds the model and the index in the worker; the UI thread only
 * takes them over when they are complete. */
static void
load_into (GTask    *task,
           LoadData *data)
{
  g_autoptr(TscSessionStore) store = NULL;
  GError *error = NULL;
  gint64 after = 0;

  store = tsc_session_store_open (data->path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  data->model = tsc_identity_model_new (data->config);
  data->index = tsc_message_index_new ();

  for (;;)
    {
      g_autoptr(GPtrArray) messages = tsc_session_store_load_messages (store, after, LOAD_CHUNK, &error);
      g_autoptr(GPtrArray) flags = NULL;

      if (messages == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      if (messages->len == 0)
        break;
      if (g_task_return_error_if_cancelled (task))
        return;

      flags = ingest (data->model, data->index, messages);
      after = ((TscMessage *) g_ptr_array_index (messages, messages->len - 1))->seq;
    }

  g_task_return_boolean (task, TRUE);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  load_into (task, task_data);
}

/* An import writes what a file holds into a new session file (in the
 * user's data folder, unsaved), then loads it. */
static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  LoadData *data = task_data;
  const char *inputs[] = { data->source, NULL };
  GError *error = NULL;

  if (!tsc_import_to_session (inputs, data->path, TSC_IMPORT_FLAGS_NONE, &data->report,
                              cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  load_into (task, data);
}

/* Runs @thread on @data (taking it, and adding the rule config) in a
 * task of @source_tag, or fails the task with @not_local_message when
 * the file is not @local. */
static void
run_load_task (TscSession          *self,
               LoadData            *data,
               gboolean             local,
               const char          *not_local_message,
               GTaskThreadFunc      thread,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);

  data->config = tsc_rule_config_ref (self->config);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);

  if (!local)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "%s", not_local_message);
      return;
    }

  g_task_run_in_thread (task, thread);
}

/**
 * tsc_session_import_async:
 * @file: a HAR, NDJSON or JSON file (anything `check` reads)
 *
 * Writes the calls of @file into a new, unsaved session file and loads
 * it, in a worker thread.
 */
void
tsc_session_import_async (TscSession          *self,
                          GFile               *file,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  LoadData *data;

  g_return_if_fail (TSC_IS_SESSION (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (self->collector == NULL);

  data = g_new0 (LoadData, 1);
  data->source = g_file_get_path (file);
  data->path = tsc_session_store_default_path ();
  run_load_task (self, data, data->source != NULL,
                 _("Only files on this computer can be imported"),
                 import_thread, tsc_session_import_async,
                 cancellable, callback, user_data);
}

gboolean
tsc_session_import_finish (TscSession       *self,
                           GAsyncResult     *result,
                           TscImportReport **report,
                           GError          **error)
{
  LoadData *data;

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tsc_session_import_async, FALSE);

  if (!tsc_session_load_finish (self, result, error))
    return FALSE;

  data = g_task_get_task_data (G_TASK (result));
  if (report != NULL)
    *report = g_steal_pointer (&data->report);

  self->unsaved = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNSAVED]);
  return TRUE;
}

/**
 * tsc_session_load_async:
 * @file: a session file
 *
 * Reads @file into a new model and index in a worker thread. The
 * session must not be capturing.
 */
void
tsc_session_load_async (TscSession          *self,
                        GFile               *file,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  LoadData *data;

  g_return_if_fail (TSC_IS_SESSION (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (self->collector == NULL);

  data = g_new0 (LoadData, 1);
  data->path = g_file_get_path (file);
  run_load_task (self, data, data->path != NULL,
                 _("Only session files on this computer can be opened"),
                 load_thread, tsc_session_load_async,
                 cancellable, callback, user_data);
}

gboolean
tsc_session_load_finish (TscSession    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  LoadData *data;
  guint n;

  g_return_val_if_fail (TSC_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  data = g_task_get_task_data (G_TASK (result));
  g_set_object (&self->model, data->model);
  g_set_object (&self->index, data->index);
  g_free (self->path);
  self->path = g_strdup (data->path);
  self->unsaved = FALSE;

  n = tsc_message_index_get_n_rows (self->index);
  g_signal_emit (self, signals[MESSAGES_ADDED], 0, 0, n, tsc_identity_model_get_flags (self->model));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNSAVED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MESSAGES]);
  return TRUE;
}

/**
 * tsc_session_save_as:
 *
 * Writes a copy of the session to @file and continues with the copy
 * (a running capture keeps recording into it).
 */
gboolean
tsc_session_save_as (TscSession  *self,
                     GFile       *file,
                     GError     **error)
{
  g_autoptr(TscSessionStore) store = NULL;
  g_autofree char *target = NULL;
  g_autofree char *listen = NULL;
  gboolean was_capturing;
  gboolean allow_remote = FALSE;

  g_return_val_if_fail (TSC_IS_SESSION (self), FALSE);
  g_return_val_if_fail (self->path != NULL, FALSE);

  target = g_file_get_path (file);
  if (target == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Sessions can only be saved on this computer"));
      return FALSE;
    }

  was_capturing = self->collector != NULL;
  if (was_capturing)
    {
      listen = g_strdup (tsc_collector_get_uri (self->collector) + strlen ("http://"));
      tsc_session_stop_capture (self);
    }

  if (g_file_test (target, G_FILE_TEST_EXISTS))
    tsc_session_store_remove_files (target);

  store = tsc_session_store_open (self->path, TSC_SESSION_STORE_OPEN_READ_ONLY, error);
  if (store == NULL || !tsc_session_store_copy_to (store, target, error))
    return FALSE;
  g_clear_object (&store);

  if (self->unsaved)
    tsc_session_store_remove_files (self->path);

  g_free (self->path);
  self->path = g_steal_pointer (&target);
  self->unsaved = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNSAVED]);

  /* Keep capturing, now into the saved file, on the same address. */
  if (was_capturing)
    return tsc_session_start_capture (self, listen, allow_remote, self->path, error);

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Reading one message                                                     */

typedef struct
{
  char             *path;
  gint64            seq;
  TscMessage       *message;
  TscRequestRecord *request;
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_free (data->path);
  g_clear_pointer (&data->message, tsc_message_unref);
  g_clear_pointer (&data->request, tsc_request_record_unref);
  g_free (data);
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ReadData *data = task_data;
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  GError *error = NULL;

  store = tsc_session_store_open (data->path, TSC_SESSION_STORE_OPEN_READ_ONLY, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  messages = tsc_session_store_load_messages (store, data->seq - 1, 1, &error);
  if (messages == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (messages->len == 0 || ((TscMessage *) g_ptr_array_index (messages, 0))->seq != data->seq)
    {
      g_task_return_new_error (task, TSC_STORE_ERROR, TSC_STORE_ERROR_SQL,
                               _("Message #%" PRId64 " is not in “%s”"),
                               data->seq, data->path);
      return;
    }

  data->message = tsc_message_ref (g_ptr_array_index (messages, 0));
  data->request = tsc_session_store_load_request (store, data->message->transport->request_id, NULL);
  g_task_return_boolean (task, TRUE);
}

/**
 * tsc_session_read_message_async:
 *
 * Reads message @seq with its raw bytes, and its request, from the
 * session file in a worker thread.
 */
void
tsc_session_read_message_async (TscSession          *self,
                                gint64               seq,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ReadData *data;

  g_return_if_fail (TSC_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tsc_session_read_message_async);
  data = g_new0 (ReadData, 1);
  data->path = g_strdup (self->path);
  data->seq = seq;
  g_task_set_task_data (task, data, (GDestroyNotify) read_data_free);

  if (data->path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The session has no file"));
      return;
    }

  g_task_run_in_thread (task, read_thread);
}

/**
 * tsc_session_read_message_finish:
 * @request: (out) (optional) (transfer full) (nullable): its request
 *
 * Returns: (transfer full): the message, with its raw bytes
 */
TscMessage *
tsc_session_read_message_finish (TscSession        *self,
                                 GAsyncResult      *result,
                                 TscRequestRecord **request,
                                 GError           **error)
{
  ReadData *data;

  g_return_val_if_fail (TSC_IS_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  data = g_task_get_task_data (G_TASK (result));
  if (request != NULL)
    *request = data->request ? tsc_request_record_ref (data->request) : NULL;
  return tsc_message_ref (data->message);
}

/* ---------------------------------------------------------------------- */

const char *
tsc_session_get_path (TscSession *self)
{
  g_return_val_if_fail (TSC_IS_SESSION (self), NULL);
  return self->path;
}

gboolean
tsc_session_get_unsaved (TscSession *self)
{
  g_return_val_if_fail (TSC_IS_SESSION (self), FALSE);
  return self->unsaved && tsc_message_index_get_n_rows (self->index) > 0;
}

TscRuleConfig *
tsc_session_get_config (TscSession *self)
{
  g_return_val_if_fail (TSC_IS_SESSION (self), NULL);
  return self->config;
}

TscIdentityModel *
tsc_session_get_model (TscSession *self)
{
  g_return_val_if_fail (TSC_IS_SESSION (self), NULL);
  return self->model;
}

TscMessageIndex *
tsc_session_get_index (TscSession *self)
{
  g_return_val_if_fail (TSC_IS_SESSION (self), NULL);
  return self->index;
}

guint
tsc_session_get_n_messages (TscSession *self)
{
  g_return_val_if_fail (TSC_IS_SESSION (self), 0);
  return tsc_message_index_get_n_rows (self->index);
}

static void
tsc_session_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TscSession *self = TSC_SESSION (object);

  switch (prop_id)
    {
    case PROP_CAPTURING:
      g_value_set_boolean (value, tsc_session_is_capturing (self));
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_UNSAVED:
      g_value_set_boolean (value, tsc_session_get_unsaved (self));
      break;
    case PROP_N_MESSAGES:
      g_value_set_uint (value, tsc_session_get_n_messages (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tsc_session_dispose (GObject *object)
{
  TscSession *self = (TscSession *) object;

  if (self->collector != NULL)
    {
      tsc_collector_stop (self->collector);
      if (self->forwarder != NULL)
        tsc_forwarder_shutdown (self->forwarder, 0);
      tsc_session_writer_close (self->writer);
    }
  g_clear_object (&self->forwarder);
  g_clear_object (&self->collector);
  g_clear_object (&self->writer);
  g_clear_handle_id (&self->flush_id, g_source_remove);

  G_OBJECT_CLASS (tsc_session_parent_class)->dispose (object);
}

static void
tsc_session_finalize (GObject *object)
{
  TscSession *self = (TscSession *) object;

  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_object (&self->model);
  g_clear_object (&self->index);
  g_clear_pointer (&self->config, tsc_rule_config_unref);
  g_clear_pointer (&self->upstream, g_hash_table_unref);
  g_free (self->forward_url);
  g_free (self->path);

  G_OBJECT_CLASS (tsc_session_parent_class)->finalize (object);
}

static void
tsc_session_class_init (TscSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = tsc_session_get_property;
  object_class->dispose = tsc_session_dispose;
  object_class->finalize = tsc_session_finalize;

  properties[PROP_CAPTURING] =
    g_param_spec_boolean ("capturing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNSAVED] =
    g_param_spec_boolean ("unsaved", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_MESSAGES] =
    g_param_spec_uint ("n-messages", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TscSession::messages-added:
   * @position: the index row of the first new message
   * @n_added: how many were added
   * @flags: (element-type TscFlag): the flags they raised
   *
   * Emitted at most once per frame while calls arrive, and once when a
   * file has been loaded (every row is new then).
   */
  signals[MESSAGES_ADDED] =
    g_signal_new ("messages-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_PTR_ARRAY);

  signals[REQUEST_REJECTED] =
    g_signal_new ("request-rejected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TSC_TYPE_REQUEST_RECORD);

  /**
   * TscSession::upstream-outcome:
   * @request_id: the request forwarding finished with
   *
   * Emitted when the capture's forwarder has an outcome for a request;
   * see tsc_session_lookup_upstream().
   */
  signals[UPSTREAM_OUTCOME] =
    g_signal_new ("upstream-outcome", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
tsc_session_init (TscSession *self)
{
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  self->upstream = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                          (GDestroyNotify) upstream_outcome_free);
}

/**
 * tsc_session_new:
 * @config: the rule settings for the identity model
 */
TscSession *
tsc_session_new (TscRuleConfig *config)
{
  TscSession *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (TSC_TYPE_SESSION, NULL);
  self->config = tsc_rule_config_ref (config);
  self->model = tsc_identity_model_new (config);
  self->index = tsc_message_index_new ();
  return self;
}
