/* tsc-session-writer.c
 *
 * Group commit: the writer thread takes everything queued while the
 * previous commit was being made durable and stores it in one
 * transaction, so concurrent requests share one fsync. Each submitter
 * hears back in its own main context after the commit, which is when
 * the collector may answer 200. Facts learnt later about a stored
 * request (what forwarding made of it) and session_info values go
 * through the same queue, so they land after the request they concern
 * and the store is only ever touched from the writer's thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-session-writer"

#include "config.h"

#include "tsc-session-writer.h"

/* Enough to amortise the commit, small enough to keep replies prompt. */
#define MAX_MESSAGES_PER_COMMIT 20000

typedef enum
{
  JOB_REQUEST,   /* append a request and its messages, then reply */
  JOB_UPSTREAM,  /* record what forwarding made of a stored request */
  JOB_INFO,      /* set a session_info key */
} JobKind;

typedef struct
{
  JobKind               kind;
  TscRequestRecord     *record;
  GPtrArray            *messages;
  GMainContext         *context;
  TscSessionWriterFunc  func;
  gpointer              user_data;
  GError               *error;

  /* JOB_UPSTREAM */
  gint64                request_id;
  TscUpstreamOutcome    upstream;

  /* JOB_INFO */
  char                 *key;
  char                 *value;
} Job;

struct _TscSessionWriter
{
  GObject          parent_instance;

  TscSessionStore *store;
  GAsyncQueue     *queue;
  GThread         *thread;
  GMutex           lock;       /* guards closed against concurrent submits */
  gboolean         closed;
  guint64          commits;
};

G_DEFINE_FINAL_TYPE (TscSessionWriter, tsc_session_writer, G_TYPE_OBJECT)

/* The sentinel that stops the thread. */
static Job stop_job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->record, tsc_request_record_unref);
  g_clear_pointer (&job->messages, g_ptr_array_unref);
  g_clear_pointer (&job->context, g_main_context_unref);
  g_clear_error (&job->error);
  g_free (job->upstream.error);
  g_free (job->key);
  g_free (job->value);
  g_free (job);
}

static gboolean
deliver_cb (gpointer data)
{
  GPtrArray *jobs = data;

  for (guint i = 0; i < jobs->len; i++)
    {
      Job *job = g_ptr_array_index (jobs, i);
      job->func (job->record, job->messages, job->error, job->user_data);
    }

  return G_SOURCE_REMOVE;
}

/* One idle per main context per commit, not one per request. Jobs
 * nobody waits for are dropped here. */
static void
deliver (GPtrArray *jobs)
{
  for (guint i = 0; i < jobs->len;)
    {
      Job *job = g_ptr_array_index (jobs, i);

      if (job->func == NULL)
        job_free (g_ptr_array_steal_index (jobs, i));
      else
        i++;
    }

  while (jobs->len > 0)
    {
      GMainContext *context = ((Job *) g_ptr_array_index (jobs, 0))->context;
      GPtrArray *batch = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
      g_autoptr(GSource) source = NULL;

      for (guint i = 0; i < jobs->len;)
        {
          Job *job = g_ptr_array_index (jobs, i);

          if (job->context == context)
            g_ptr_array_add (batch, g_ptr_array_steal_index (jobs, i));
          else
            i++;
        }

      source = g_idle_source_new ();
      g_source_set_priority (source, G_PRIORITY_HIGH);
      g_source_set_static_name (source, "[trackscope] session writer reply");
      g_source_set_callback (source, deliver_cb, batch, (GDestroyNotify) g_ptr_array_unref);
      g_source_attach (source, context);
    }
}

static void
commit_jobs (TscSessionWriter *self,
             GPtrArray        *jobs)
{
  g_autoptr(GError) error = NULL;

  if (!tsc_session_store_begin (self->store, &error))
    goto failed;

  for (guint i = 0; i < jobs->len; i++)
    {
      Job *job = g_ptr_array_index (jobs, i);

      /* A request that cannot be stored fails alone. */
      switch (job->kind)
        {
        case JOB_REQUEST:
          tsc_session_store_append (self->store, job->record, job->messages, &job->error);
          break;

        case JOB_UPSTREAM:
          if (!tsc_session_store_set_upstream (self->store, job->request_id, &job->upstream,
                                               &job->error))
            g_warning ("%s", job->error->message);
          break;

        case JOB_INFO:
          if (!tsc_session_store_set_info (self->store, job->key, job->value, &job->error))
            g_warning ("%s", job->error->message);
          break;

        default:
          g_assert_not_reached ();
        }
    }

  if (!tsc_session_store_commit (self->store, &error))
    {
      tsc_session_store_rollback (self->store);
      goto failed;
    }

  self->commits++;
  return;

failed:
  g_warning ("%s", error->message);
  for (guint i = 0; i < jobs->len; i++)
    {
      Job *job = g_ptr_array_index (jobs, i);

      if (job->error == NULL)
        job->error = g_error_copy (error);
    }
}

static gpointer
writer_thread (gpointer data)
{
  TscSessionWriter *self = data;
  gboolean stop = FALSE;

  while (!stop)
    {
      g_autoptr(GPtrArray) jobs = g_ptr_array_new ();
      guint n_messages = 0;
      Job *job;

      job = g_async_queue_pop (self->queue);
      if (job == &stop_job)
        break;

      do
        {
          g_ptr_array_add (jobs, job);
          n_messages += job->messages ? job->messages->len : 0;
          if (n_messages >= MAX_MESSAGES_PER_COMMIT)
            break;

          job = g_async_queue_try_pop (self->queue);
          if (job == &stop_job)
            {
              stop = TRUE;
              job = NULL;
            }
        }
      while (job != NULL);

      commit_jobs (self, jobs);
      deliver (jobs);
    }

  return NULL;
}

/**
 * tsc_session_writer_new:
 * @store: the session file to append to; only the writer's thread uses
 *   it from now on
 */
TscSessionWriter *
tsc_session_writer_new (TscSessionStore *store)
{
  TscSessionWriter *self;

  g_return_val_if_fail (TSC_IS_SESSION_STORE (store), NULL);

  self = g_object_new (TSC_TYPE_SESSION_WRITER, NULL);
  self->store = g_object_ref (store);
  self->queue = g_async_queue_new ();
  self->thread = g_thread_new ("tsc-writer", writer_thread, self);

  return self;
}

const char *
tsc_session_writer_get_path (TscSessionWriter *self)
{
  g_return_val_if_fail (TSC_IS_SESSION_WRITER (self), NULL);
  return tsc_session_store_get_path (self->store);
}

/* Queues @job, or when the writer is closed fails it at once (a job
 * with a callback hears so in its context). */
static gboolean
push_job (TscSessionWriter *self,
          Job              *job)
{
  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_autoptr(GPtrArray) jobs = g_ptr_array_new ();

      g_mutex_unlock (&self->lock);
      job->error = g_error_new (TSC_STORE_ERROR, TSC_STORE_ERROR_READ_ONLY,
                                "Session file “%s” is closed",
                                tsc_session_store_get_path (self->store));
      g_ptr_array_add (jobs, job);
      deliver (jobs);
      return FALSE;
    }

  g_async_queue_push (self->queue, job);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/**
 * tsc_session_writer_submit:
 * @record: (transfer full): the request to store
 * @messages: (transfer full) (nullable) (element-type TscMessage): its messages
 * @context: (nullable): where @func runs; %NULL for the global default
 *
 * Queues a request. Safe to call from any thread.
 */
void
tsc_session_writer_submit (TscSessionWriter     *self,
                           TscRequestRecord     *record,
                           GPtrArray            *messages,
                           GMainContext         *context,
                           TscSessionWriterFunc  func,
                           gpointer              user_data)
{
  Job *job;

  g_return_if_fail (TSC_IS_SESSION_WRITER (self));
  g_return_if_fail (record != NULL);
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->kind = JOB_REQUEST;
  job->record = record;
  job->messages = messages;
  job->context = g_main_context_ref (context ? context : g_main_context_default ());
  job->func = func;
  job->user_data = user_data;

  push_job (self, job);
}

/**
 * tsc_session_writer_set_upstream:
 * @request_id: a request stored through this writer
 * @upstream: what forwarding made of it (copied)
 *
 * Queues recording @upstream in the file's upstream table; it is
 * committed with the next group of requests. Safe to call from any
 * thread.
 *
 * Returns: %FALSE when the writer is closed already (nothing is stored)
 */
gboolean
tsc_session_writer_set_upstream (TscSessionWriter         *self,
                                 gint64                    request_id,
                                 const TscUpstreamOutcome *upstream)
{
  Job *job;

  g_return_val_if_fail (TSC_IS_SESSION_WRITER (self), FALSE);
  g_return_val_if_fail (request_id > 0, FALSE);
  g_return_val_if_fail (upstream != NULL, FALSE);

  job = g_new0 (Job, 1);
  job->kind = JOB_UPSTREAM;
  job->request_id = request_id;
  job->upstream = *upstream;
  job->upstream.error = g_strdup (upstream->error);

  return push_job (self, job);
}

/**
 * tsc_session_writer_set_info:
 * @key: e.g. "collector" or "profile"
 * @value: its value
 *
 * Queues setting @key of the file's session_info table (see
 * tsc_session_store_set_info()), for values only known once the writer
 * owns the store, such as the address a collector ended up on. Safe to
 * call from any thread.
 *
 * Returns: %FALSE when the writer is closed already (nothing is stored)
 */
gboolean
tsc_session_writer_set_info (TscSessionWriter *self,
                             const char       *key,
                             const char       *value)
{
  Job *job;

  g_return_val_if_fail (TSC_IS_SESSION_WRITER (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  job = g_new0 (Job, 1);
  job->kind = JOB_INFO;
  job->key = g_strdup (key);
  job->value = g_strdup (value);

  return push_job (self, job);
}

/**
 * tsc_session_writer_close:
 *
 * Stores everything queued so far and stops the thread. The callbacks
 * of those requests are still dispatched in their contexts.
 */
void
tsc_session_writer_close (TscSessionWriter *self)
{
  g_return_if_fail (TSC_IS_SESSION_WRITER (self));

  if (self->thread == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  g_async_queue_push (self->queue, &stop_job);
  g_mutex_unlock (&self->lock);
  g_thread_join (g_steal_pointer (&self->thread));
}

guint64
tsc_session_writer_get_commits (TscSessionWriter *self)
{
  g_return_val_if_fail (TSC_IS_SESSION_WRITER (self), 0);
  return self->commits;
}

static void
tsc_session_writer_finalize (GObject *object)
{
  TscSessionWriter *self = (TscSessionWriter *) object;

  tsc_session_writer_close (self);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_object (&self->store);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (tsc_session_writer_parent_class)->finalize (object);
}

static void
tsc_session_writer_class_init (TscSessionWriterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tsc_session_writer_finalize;
}

static void
tsc_session_writer_init (TscSessionWriter *self)
{
  g_mutex_init (&self->lock);
}
