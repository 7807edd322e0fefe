/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include <aqmp/aqmp-backup.h>

#include "aqmp-cli-commands.h"
#include "aqmp-backup-progress.h"

/*
 * aqmp backup: backups of a machine's disks as chains of qcow2 images
 * (libaqmp-backup): run one with a progress bar (or JSON lines), list and
 * show the catalog, restore a disk at a backup into a new image, verify
 * the images. The catalog is in the job store (--db, as aqmp job).
 *
 * Exit codes, as aqmp job: 0 success; 1 the backup failed or was
 * cancelled, QEMU refused, or verify found a problem; 2 a usage,
 * connection, catalog or tool problem.
 */

typedef struct {
  AqmpCliOptions options;
  gchar *db_path;
  /* run */
  gchar *level;
  gchar **disks;
  gchar **excludes;
  gchar *to;
  gint64 speed;
  gboolean compress;
  gchar *qga_address;
  gboolean quiesce;
  AqmpClient *qga;
  /* list */
  gchar *machine;
  /* verify */
  gchar *compare;
  gchar *disk;
  /* prune and bitmaps */
  gint keep_chains;
  gchar *older_than;
  gboolean cleanup;
  /* state */
  AqmpClient *client;
  AqmpJobStore *store;
  AqmpJobRunner *runner;
  AqmpBackupCatalog *catalog;
  AqmpBackupProgress *progress;
  GCancellable *cancellable;
  GMainLoop *loop;
  AqmpBackupRecord *record;
  GError *error;
  gint exit_code;
} AqmpBackupCmd;

typedef gint (*AqmpBackupCmdFunc) (AqmpBackupCmd *self, const gchar *verb, gint argc, gchar **argv);

static gboolean
aqmp_backup_cmd_parse (AqmpBackupCmd *self, const gchar *verb, const gchar *parameters, const gchar *description,
                       const GOptionEntry *own, gint *argc, gchar ***argv)
{
  const GOptionEntry db = {
    "db", 0, 0, G_OPTION_ARG_FILENAME, &self->db_path,
    /* TRANSLATORS: --help text of aqmp backup's --db option */
    N_("The job store that holds the catalog (default: $XDG_STATE_HOME/aqmp/jobs.db)"),
    N_("PATH")
  };

  return aqmp_cli_parse_subcommand (&self->options, "backup", verb, &db, parameters, description, own, argc, argv,
                                    &self->exit_code);
}

static gboolean
aqmp_backup_cmd_open_catalog (AqmpBackupCmd *self)
{
  g_autoptr(GError) error = NULL;

  self->store = aqmp_job_store_new (self->db_path, &error);
  if (self->store != NULL)
    self->catalog = aqmp_backup_catalog_new (self->store, &error);
  if (self->catalog == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static gint
aqmp_backup_cmd_exit_code (const GError *error)
{
  if (error->domain == AQMP_BACKUP_ERROR)
    return error->code == AQMP_BACKUP_ERROR_FAILED || error->code == AQMP_BACKUP_ERROR_NO_CHAIN
             ? AQMP_EXIT_QMP_ERROR : AQMP_EXIT_PROBLEM;
  if (error->domain == AQMP_JOB_ERROR)
    return error->code == AQMP_JOB_ERROR_FAILED || error->code == AQMP_JOB_ERROR_CANCELLED
             ? AQMP_EXIT_QMP_ERROR : AQMP_EXIT_PROBLEM;
  return aqmp_cli_exit_code (error);
}

static gint64
aqmp_backup_cmd_parse_id (const gchar *text)
{
  guint64 id = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &id, NULL))
    {
      aqmp_cli_error (_("'%s' is not a backup id"), text != NULL ? text : "");
      return 0;
    }
  return (gint64) id;
}

/* the machine a catalog knows: a socket path and unix:PATH are one */
static gchar *
aqmp_backup_cmd_machine (const gchar *address)
{
  if (address != NULL && address[0] == '/')
    return g_strconcat ("unix:", address, NULL);
  return g_strdup (address);
}

/* the catalog, and --machine spelt as the catalog knows it */
static gboolean
aqmp_backup_cmd_open_catalog_for_machine (AqmpBackupCmd *self)
{
  gchar *machine;

  if (!aqmp_backup_cmd_open_catalog (self))
    return FALSE;
  machine = aqmp_backup_cmd_machine (self->machine);
  g_free (self->machine);
  self->machine = machine;
  return TRUE;
}

/* ----- run ----- */

static void
aqmp_backup_cmd_ran_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AqmpBackupCmd *self = user_data;

  self->record = aqmp_backup_run_run_finish (AQMP_BACKUP_RUN (source), result, &self->error);
  g_main_loop_quit (self->loop);
}

static gboolean
aqmp_backup_cmd_interrupted_cb (gpointer user_data)
{
  AqmpBackupCmd *self = user_data;

  aqmp_backup_progress_clear (self->progress);
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      aqmp_cli_error (_("still cancelling: the backup's jobs are ending"));
      return G_SOURCE_CONTINUE;
    }
  aqmp_cli_error (_("cancelling the backup (the chain stays usable)"));
  g_cancellable_cancel (self->cancellable);
  return G_SOURCE_CONTINUE;
}

static AqmpBackupOptions *
aqmp_backup_cmd_options (AqmpBackupCmd *self)
{
  g_autoptr(AqmpBackupOptions) options = aqmp_backup_options_new ();
  AqmpBackupLevel level = AQMP_BACKUP_LEVEL_AUTO;

  if (self->level != NULL && !aqmp_backup_level_from_string (self->level, &level))
    {
      aqmp_cli_error (_("unknown level '%s' (full, incremental, differential or auto)"), self->level);
      return NULL;
    }
  if (self->speed < 0)
    {
      aqmp_cli_error (_("--speed must not be negative"));
      return NULL;
    }
  aqmp_backup_options_set_level (options, level);
  aqmp_backup_options_set_directory (options, self->to);
  aqmp_backup_options_set_speed (options, (guint64) self->speed);
  aqmp_backup_options_set_compress (options, self->compress);
  for (guint i = 0; self->disks != NULL && self->disks[i] != NULL; i++)
    aqmp_backup_options_add_disk (options, self->disks[i]);
  for (guint i = 0; self->excludes != NULL && self->excludes[i] != NULL; i++)
    aqmp_backup_options_add_exclude (options, self->excludes[i]);
  return g_steal_pointer (&options);
}

/* a backup of @machine, the client's, followed to its end */
static gint
aqmp_backup_cmd_follow (AqmpBackupCmd *self, const gchar *machine, AqmpBackupOptions *options)
{
  g_autoptr(AqmpBackupRun) run = NULL;
  guint sigint_id, sigterm_id;

  self->runner = aqmp_job_runner_new (self->client, self->store, machine);
  aqmp_job_runner_set_poll_interval (self->runner, 200);
  run = aqmp_backup_run_new (self->runner, self->catalog, options);
  self->progress = aqmp_backup_progress_new (self->options.json);
  self->cancellable = g_cancellable_new ();
  aqmp_backup_progress_watch (self->progress, run);
  sigint_id = g_unix_signal_add (SIGINT, aqmp_backup_cmd_interrupted_cb, self);
  sigterm_id = g_unix_signal_add (SIGTERM, aqmp_backup_cmd_interrupted_cb, self);
  aqmp_backup_run_run_async (run, self->cancellable, aqmp_backup_cmd_ran_cb, self);
  g_main_loop_run (self->loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  aqmp_backup_progress_ended (self->progress, run, self->record, self->error);
  if (self->record != NULL)
    return AQMP_EXIT_OK;
  aqmp_cli_error ("%s", self->error->message);
  return aqmp_backup_cmd_exit_code (self->error);
}

/* the guest agent, for quiescing */
static gboolean
aqmp_backup_cmd_connect_agent (AqmpBackupCmd *self, AqmpBackupOptions *options)
{
  g_autoptr(AqmpProtocol) protocol = NULL;
  g_autoptr(AqmpGuestAgent) agent = NULL;

  if (self->qga_address == NULL)
    return TRUE;
  protocol = aqmp_qga_protocol_new ();
  self->qga = aqmp_client_new ();
  aqmp_cli_setup (&self->options, self->qga);
  aqmp_client_set_protocol (self->qga, protocol);
  if (!aqmp_cli_connect_sync (self->qga, self->qga_address))
    return FALSE;
  agent = aqmp_guest_agent_new (self->qga);
  aqmp_backup_options_set_guest_agent (options, agent);
  return TRUE;
}

static gint
aqmp_backup_cmd_run (AqmpBackupCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "level", 'l', 0, G_OPTION_ARG_STRING, &self->level,
      N_("full, incremental, differential or auto (default: auto)"), N_("LEVEL") },
    { "disk", 0, 0, G_OPTION_ARG_STRING_ARRAY, &self->disks,
      N_("Back up this block node or device (repeatable; default: every device)"), N_("NODE") },
    { "exclude", 0, 0, G_OPTION_ARG_STRING_ARRAY, &self->excludes,
      N_("Leave this block node or device out (repeatable)"), N_("NODE") },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &self->to,
      N_("Where new chains go (default: $XDG_DATA_HOME/aqmp/backups)"), N_("DIR") },
    { "speed", 0, 0, G_OPTION_ARG_INT64, &self->speed,
      N_("Bytes per second for each disk's job (default: no limit)"), N_("BYTES") },
    { "compress", 0, 0, G_OPTION_ARG_NONE, &self->compress, N_("Write compressed images"), NULL },
    { "qga", 0, 0, G_OPTION_ARG_STRING, &self->qga_address, N_("The guest agent of the machine"), N_("ADDRESS") },
    { "quiesce", 0, 0, G_OPTION_ARG_NONE, &self->quiesce,
      N_("Freeze the guest's file systems while the backup starts (needs --qga)"), NULL },
    { NULL }
  };
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autofree gchar *machine = NULL;

  if (!aqmp_backup_cmd_parse (self, verb,
                              /* TRANSLATORS: the parameters of aqmp backup run */
                              _("ADDRESS"),
                              _("Back up the disks of the QEMU at ADDRESS into a chain of qcow2 images."),
                              entries, &argc, &argv))
    return self->exit_code;
  if (argc != 2)
    {
      aqmp_cli_error (_("aqmp backup run takes one ADDRESS"));
      return AQMP_EXIT_PROBLEM;
    }
  if (self->quiesce != (self->qga_address != NULL))
    {
      aqmp_cli_error (_("--quiesce and --qga ADDRESS go together"));
      return AQMP_EXIT_PROBLEM;
    }
  /* both clients set up before anything starts a thread (logging) */
  self->client = aqmp_client_new ();
  aqmp_cli_setup (&self->options, self->client);
  options = aqmp_backup_cmd_options (self);
  if (options == NULL || !aqmp_backup_cmd_open_catalog (self) || !aqmp_backup_cmd_connect_agent (self, options))
    return AQMP_EXIT_PROBLEM;
  if (!aqmp_cli_connect_sync (self->client, argv[1]))
    return AQMP_EXIT_PROBLEM;
  machine = aqmp_backup_cmd_machine (argv[1]);
  return aqmp_backup_cmd_follow (self, machine, options);
}

/* ----- offline ----- */

/* qcow2 (by its magic) or raw */
static const gchar *
aqmp_backup_cmd_image_format (const gchar *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, NULL);
  guchar magic[4] = { 0 };

  if (stream == NULL ||
      !g_input_stream_read_all (G_INPUT_STREAM (stream), magic, sizeof magic, NULL, NULL, NULL))
    return NULL;
  return memcmp (magic, "QFI\xfb", 4) == 0 ? "qcow2" : "raw";
}

/* --blockdev for @path as node @node, in JSON so that any path works */
static gchar *
aqmp_backup_cmd_blockdev (const gchar *path, const gchar *node, const gchar *format)
{
  g_autoptr(JsonObject) blockdev = json_object_new ();
  JsonObject *file = json_object_new ();
  g_autoptr(JsonNode) root = NULL;

  json_object_set_string_member (file, "driver", "file");
  json_object_set_string_member (file, "filename", path);
  json_object_set_string_member (blockdev, "driver", format);
  json_object_set_string_member (blockdev, "node-name", node);
  json_object_set_object_member (blockdev, "file", file);
  root = json_node_init_object (json_node_alloc (), blockdev);
  return aqmp_json_to_string (root, FALSE);
}

/* the node name of an image: its file name without the extension,
 * letters, digits and '-' only, starting with a letter */
static gchar *
aqmp_backup_cmd_node_name (const gchar *path, guint index)
{
  g_autofree gchar *base = g_path_get_basename (path);
  gchar *dot = strrchr (base, '.');
  GString *node = g_string_new ("img-");

  if (dot != NULL && dot != base)
    *dot = '\0';
  for (const gchar *p = base; *p != '\0'; p++)
    g_string_append_c (node, g_ascii_isalnum (*p) || *p == '-' ? *p : '-');
  if (index > 0)
    g_string_append_printf (node, "-%u", index);
  return g_string_free (node, FALSE);
}

static void
aqmp_backup_cmd_close_nodes (AqmpBackupCmd *self, GPtrArray *nodes)
{
  /* closing a node writes its persistent bitmaps into the image */
  for (guint i = 0; i < nodes->len; i++)
    {
      g_autoptr(JsonObject) arguments = json_object_new ();
      g_autoptr(JsonNode) reply = NULL;
      g_autoptr(GError) error = NULL;

      json_object_set_string_member (arguments, "node-name", g_ptr_array_index (nodes, i));
      reply = aqmp_client_execute_sync (self->client, "blockdev-del", arguments, NULL, &error);
      if (reply == NULL)
        aqmp_cli_error (_("cannot close %s: %s"), (const gchar *) g_ptr_array_index (nodes, i), error->message);
    }
}

static gint
aqmp_backup_cmd_offline (AqmpBackupCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "level", 'l', 0, G_OPTION_ARG_STRING, &self->level,
      N_("full, incremental, differential or auto (default: auto)"), N_("LEVEL") },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &self->to,
      N_("Where new chains go (default: $XDG_DATA_HOME/aqmp/backups)"), N_("DIR") },
    { NULL }
  };
  g_autoptr(AqmpLauncher) launcher = aqmp_launcher_new_storage_daemon (NULL);
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  g_autofree gchar *joined = NULL;
  g_autofree gchar *machine = NULL;
  g_autoptr(GError) error = NULL;
  gint rc;

  if (!aqmp_backup_cmd_parse (self, verb, _("IMAGE..."),
                              _("Back up image files of a machine that is not running, through qemu-storage-daemon."),
                              entries, &argc, &argv))
    return self->exit_code;
  if (argc < 2)
    {
      aqmp_cli_error (_("aqmp backup offline takes one IMAGE or more"));
      return AQMP_EXIT_PROBLEM;
    }
  options = aqmp_backup_cmd_options (self);
  if (options == NULL || !aqmp_backup_cmd_open_catalog (self))
    return AQMP_EXIT_PROBLEM;
  for (gint i = 1; i < argc; i++)
    {
      g_autofree gchar *path = g_canonicalize_filename (argv[i], NULL);
      const gchar *format = aqmp_backup_cmd_image_format (path);
      g_autofree gchar *node = NULL;
      g_autofree gchar *blockdev = NULL;

      if (format == NULL)
        {
          aqmp_cli_error (_("cannot read %s"), path);
          return AQMP_EXIT_PROBLEM;
        }
      node = aqmp_backup_cmd_node_name (path, (guint) i - 1);
      blockdev = aqmp_backup_cmd_blockdev (path, node, format);
      aqmp_launcher_add_arguments (launcher, "--blockdev", blockdev, NULL);
      aqmp_backup_options_add_disk (options, node);
      g_ptr_array_add (nodes, g_steal_pointer (&node));
      g_ptr_array_add (paths, g_steal_pointer (&path));
    }
  aqmp_launcher_set_quiet (launcher, TRUE);
  aqmp_cli_setup_logging (&self->options);
  self->client = aqmp_launcher_launch_sync (launcher, NULL, &error);
  if (self->client == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  /* the same images make the same machine, whatever the order given */
  g_ptr_array_sort (paths, (GCompareFunc) (void (*) (void)) g_strcmp0);
  joined = g_strjoinv (",", (gchar **) paths->pdata);
  machine = g_strconcat ("offline:", joined, NULL);
  rc = aqmp_backup_cmd_follow (self, machine, options);
  aqmp_backup_cmd_close_nodes (self, nodes);
  aqmp_launcher_stop (launcher);
  return rc;
}

/* ----- list and show ----- */

static gchar *
aqmp_backup_cmd_time (gint64 usec)
{
  g_autoptr(GDateTime) time = usec > 0 ? g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC) : NULL;
  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S") : g_strdup ("-");
}

static void
aqmp_backup_cmd_print_json_array (GPtrArray *items, JsonObject *(*to_json) (gpointer), gboolean pretty)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; i < items->len; i++)
    json_array_add_object_element (array, to_json (g_ptr_array_index (items, i)));
  node = json_node_init_array (json_node_alloc (), array);
  aqmp_cli_print_json (node, pretty);
}

static gint
aqmp_backup_cmd_list (AqmpBackupCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "machine", 'm', 0, G_OPTION_ARG_STRING, &self->machine, N_("Only this machine's backups"), N_("ADDRESS") },
    { NULL }
  };
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(GError) error = NULL;

  if (!aqmp_backup_cmd_parse (self, verb, "", _("List the backups in the catalog, oldest first."),
                              entries, &argc, &argv))
    return self->exit_code;
  if (argc != 1)
    {
      aqmp_cli_error (_("aqmp backup list takes no arguments"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_backup_cmd_open_catalog_for_machine (self))
    return AQMP_EXIT_PROBLEM;
  backups = aqmp_backup_catalog_list_backups (self->catalog, self->machine, &error);
  if (backups == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (self->options.json)
    {
      aqmp_backup_cmd_print_json_array (backups, (gpointer) aqmp_backup_record_to_json,
                                        aqmp_cli_use_pretty (&self->options));
      return AQMP_EXIT_OK;
    }
  /* TRANSLATORS: the columns of aqmp backup list; keep the widths */
  g_print (_("%-5s %-20s %-12s %-9s %-19s %10s  %s\n"), _("ID"), _("CHAIN"), _("LEVEL"), _("STATE"), _("CREATED"),
           _("BYTES"), _("MACHINE"));
  for (guint i = 0; i < backups->len; i++)
    {
      AqmpBackupRecord *backup = g_ptr_array_index (backups, i);
      g_autofree gchar *created = aqmp_backup_cmd_time (aqmp_backup_record_get_created (backup));

      g_print ("%-5" G_GINT64_FORMAT " %-20s %-12s %-9s %-19s %10" G_GINT64_FORMAT "  %s\n",
               aqmp_backup_record_get_id (backup), aqmp_backup_record_get_chain_name (backup),
               aqmp_backup_level_to_string (aqmp_backup_record_get_level (backup)),
               aqmp_backup_state_to_string (aqmp_backup_record_get_state (backup)), created,
               aqmp_backup_record_get_bytes (backup), aqmp_backup_record_get_machine (backup));
    }
  return AQMP_EXIT_OK;
}

static void
aqmp_backup_cmd_print_backup (AqmpBackupRecord *backup, GPtrArray *images)
{
  g_autofree gchar *created = aqmp_backup_cmd_time (aqmp_backup_record_get_created (backup));
  g_autofree gchar *finished = aqmp_backup_cmd_time (aqmp_backup_record_get_finished (backup));

  g_print (_("backup %lld of %s\n"), (long long) aqmp_backup_record_get_id (backup),
           aqmp_backup_record_get_machine (backup));
  g_print (_("  chain:    %s\n"), aqmp_backup_record_get_chain_name (backup));
  g_print (_("  level:    %s (asked: %s)\n"), aqmp_backup_level_to_string (aqmp_backup_record_get_level (backup)),
           aqmp_backup_level_to_string (aqmp_backup_record_get_requested_level (backup)));
  if (aqmp_backup_record_get_reason (backup) != NULL)
    g_print (_("  reason:   %s\n"), aqmp_backup_record_get_reason (backup));
  g_print (_("  state:    %s\n"), aqmp_backup_state_to_string (aqmp_backup_record_get_state (backup)));
  if (aqmp_backup_record_get_error (backup) != NULL)
    g_print (_("  error:    %s\n"), aqmp_backup_record_get_error (backup));
  g_print (_("  time:     %s - %s\n"), created, finished);
  g_print (_("  copied:   %lld bytes\n"), (long long) aqmp_backup_record_get_bytes (backup));
  for (guint i = 0; i < images->len; i++)
    {
      AqmpBackupImage *image = g_ptr_array_index (images, i);
      g_print (_("  disk %s: %s\n"), aqmp_backup_image_get_disk (image), aqmp_backup_image_get_path (image));
      if (aqmp_backup_image_get_backing_path (image) != NULL)
        g_print (_("    backed by %s\n"), aqmp_backup_image_get_backing_path (image));
      if (aqmp_backup_image_get_checksum (image) != NULL)
        g_print ("    %s\n", aqmp_backup_image_get_checksum (image));
    }
}

static gint
aqmp_backup_cmd_show (AqmpBackupCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  g_autoptr(AqmpBackupRecord) backup = NULL;
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  if (!aqmp_backup_cmd_parse (self, verb, _("ID"), _("Show a backup and its images."), NULL, &argc, &argv))
    return self->exit_code;
  if (argc != 2 || (id = aqmp_backup_cmd_parse_id (argv[1])) == 0)
    {
      if (argc != 2)
        aqmp_cli_error (_("aqmp backup show takes one ID"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_backup_cmd_open_catalog (self))
    return AQMP_EXIT_PROBLEM;
  backup = aqmp_backup_catalog_get_backup (self->catalog, id, &error);
  if (backup != NULL)
    images = aqmp_backup_catalog_list_images (self->catalog, id, &error);
  if (images == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (self->options.json)
    {
      g_autoptr(JsonObject) json = aqmp_backup_record_to_json (backup);
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) node = NULL;

      for (guint i = 0; i < images->len; i++)
        json_array_add_object_element (array, aqmp_backup_image_to_json (g_ptr_array_index (images, i)));
      json_object_set_array_member (json, "images", g_steal_pointer (&array));
      node = json_node_init_object (json_node_alloc (), json);
      aqmp_cli_print_json (node, aqmp_cli_use_pretty (&self->options));
      return AQMP_EXIT_OK;
    }
  aqmp_backup_cmd_print_backup (backup, images);
  return AQMP_EXIT_OK;
}

/* ----- restore and verify ----- */

static gint
aqmp_backup_cmd_restore (AqmpBackupCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &self->to, N_("The new image file (must not exist)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  gint64 id;

  if (!aqmp_backup_cmd_parse (self, verb, _("ID [DISK]"),
                              _("Write a standalone qcow2 image of DISK as it was at backup ID."),
                              entries, &argc, &argv))
    return self->exit_code;
  if (argc < 2 || argc > 3 || self->to == NULL)
    {
      aqmp_cli_error (_("aqmp backup restore takes ID [DISK] and --to FILE"));
      return AQMP_EXIT_PROBLEM;
    }
  if ((id = aqmp_backup_cmd_parse_id (argv[1])) == 0 || !aqmp_backup_cmd_open_catalog (self))
    return AQMP_EXIT_PROBLEM;
  if (!aqmp_backup_catalog_restore_sync (self->catalog, id, argc == 3 ? argv[2] : NULL, self->to, NULL, &error))
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (!self->options.json)
    g_print (_("restored backup %lld into %s\n"), (long long) id, self->to);
  return AQMP_EXIT_OK;
}

static gint
aqmp_backup_cmd_verify (AqmpBackupCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "compare", 0, 0, G_OPTION_ARG_FILENAME, &self->compare,
      N_("Also compare the disk at backup ID with this image"), N_("IMAGE") },
    { "disk", 0, 0, G_OPTION_ARG_STRING, &self->disk, N_("The disk to compare"), N_("NODE") },
    { NULL }
  };
  g_auto(GStrv) problems = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  if (!aqmp_backup_cmd_parse (self, verb, _("[ID]"),
                              _("Check the images backup ID needs (or every backup's): qemu-img check, backing "
                                "files, checksums."),
                              entries, &argc, &argv))
    return self->exit_code;
  if (argc > 2 || (argc == 2 && (id = aqmp_backup_cmd_parse_id (argv[1])) == 0))
    {
      if (argc > 2)
        aqmp_cli_error (_("aqmp backup verify takes at most one ID"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_backup_cmd_open_catalog (self))
    return AQMP_EXIT_PROBLEM;
  problems = aqmp_backup_catalog_verify_sync (self->catalog, id, self->disk, self->compare, NULL, &error);
  if (problems == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return aqmp_backup_cmd_exit_code (error);
    }
  for (guint i = 0; problems[i] != NULL; i++)
    aqmp_cli_error ("%s", problems[i]);
  if (problems[0] != NULL)
    return AQMP_EXIT_QMP_ERROR;
  if (!self->options.json)
    g_print (_("intact\n"));
  return AQMP_EXIT_OK;
}

/* ----- prune ----- */

/* YYYY-MM-DD (local midnight) or an ISO 8601 time, in microseconds */
static gint64
aqmp_backup_cmd_parse_date (const gchar *text)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, local);
  gint year, month, day;

  if (time == NULL && sscanf (text, "%d-%d-%d", &year, &month, &day) == 3)
    time = g_date_time_new_local (year, month, day, 0, 0, 0);
  return time != NULL ? g_date_time_to_unix (time) * G_USEC_PER_SEC : 0;
}

static gint
aqmp_backup_cmd_prune (AqmpBackupCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "keep-chains", 'k', 0, G_OPTION_ARG_INT, &self->keep_chains,
      N_("Keep each machine's N newest chains"), N_("N") },
    { "older-than", 0, 0, G_OPTION_ARG_STRING, &self->older_than,
      N_("Remove chains whose newest backup is older than DATE (YYYY-MM-DD)"), N_("DATE") },
    { "machine", 'm', 0, G_OPTION_ARG_STRING, &self->machine, N_("Only this machine's chains"), N_("ADDRESS") },
    { NULL }
  };
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GError) error = NULL;
  gint64 older_than = 0;

  if (!aqmp_backup_cmd_parse (self, verb, "",
                              _("Remove whole chains beyond the newest N, or older than a date; never a machine's "
                                "open chain."),
                              entries, &argc, &argv))
    return self->exit_code;
  if (argc != 1 || self->keep_chains < 0 || (self->keep_chains == 0 && self->older_than == NULL))
    {
      aqmp_cli_error (_("aqmp backup prune takes --keep-chains N (N > 0) or --older-than DATE"));
      return AQMP_EXIT_PROBLEM;
    }
  if (self->older_than != NULL && (older_than = aqmp_backup_cmd_parse_date (self->older_than)) == 0)
    {
      aqmp_cli_error (_("'%s' is not a date (YYYY-MM-DD)"), self->older_than);
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_backup_cmd_open_catalog_for_machine (self))
    return AQMP_EXIT_PROBLEM;
  removed = aqmp_backup_catalog_prune_sync (self->catalog, self->machine, (guint) self->keep_chains, older_than,
                                            &error);
  if (removed == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (self->options.json)
    {
      aqmp_backup_cmd_print_json_array (removed, (gpointer) aqmp_backup_chain_to_json,
                                        aqmp_cli_use_pretty (&self->options));
      return AQMP_EXIT_OK;
    }
  for (guint i = 0; i < removed->len; i++)
    {
      AqmpBackupChain *chain = g_ptr_array_index (removed, i);
      g_print (_("removed chain %s of %s\n"), aqmp_backup_chain_get_name (chain), aqmp_backup_chain_get_machine (chain));
    }
  return AQMP_EXIT_OK;
}

/* ----- bitmaps ----- */

/* bitmap name -> the chain that uses it, for the machine's open chains */
static GHashTable *
aqmp_backup_cmd_used_bitmaps (AqmpBackupCmd *self, const gchar *machine, GError **error)
{
  g_autoptr(GPtrArray) chains = aqmp_backup_catalog_list_chains (self->catalog, machine, error);
  GHashTable *used;

  if (chains == NULL)
    return NULL;
  used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < chains->len; i++)
    {
      AqmpBackupChain *chain = g_ptr_array_index (chains, i);
      if (!aqmp_backup_chain_is_open (chain) || aqmp_backup_chain_get_bitmap (chain) == NULL)
        continue;
      g_hash_table_insert (used, g_strdup (aqmp_backup_chain_get_bitmap (chain)),
                           g_strdup (aqmp_backup_chain_get_name (chain)));
      g_hash_table_insert (used, g_strdup (aqmp_backup_chain_get_diff_bitmap (chain)),
                           g_strdup (aqmp_backup_chain_get_name (chain)));
    }
  return used;
}

static gboolean
aqmp_backup_cmd_remove_bitmap (AqmpBackupCmd *self, const gchar *node, const gchar *name)
{
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (arguments, "node", node);
  json_object_set_string_member (arguments, "name", name);
  reply = aqmp_client_execute_sync (self->client, "block-dirty-bitmap-remove", arguments, NULL, &error);
  if (reply == NULL)
    aqmp_cli_error ("%s: %s", name, error->message);
  return reply != NULL;
}

/* one node's bitmaps: each with the chain that uses it, "unused" for an
 * aqmp bitmap no open chain uses (removed with --cleanup), "-" for the
 * bitmaps that are not aqmp's, which are never touched */
static gboolean
aqmp_backup_cmd_node_bitmaps (AqmpBackupCmd *self, JsonObject *node, GHashTable *used, JsonArray *out)
{
  const gchar *name = json_object_has_member (node, "node-name") ? json_object_get_string_member (node, "node-name")
                                                                   : NULL;
  JsonArray *bitmaps = json_object_has_member (node, "dirty-bitmaps")
                         ? json_object_get_array_member (node, "dirty-bitmaps") : NULL;
  gboolean ok = TRUE;

  for (guint i = 0; name != NULL && bitmaps != NULL && i < json_array_get_length (bitmaps); i++)
    {
      JsonObject *bitmap = json_array_get_object_element (bitmaps, i);
      const gchar *bitmap_name = json_object_get_string_member (bitmap, "name");
      const gchar *chain = g_hash_table_lookup (used, bitmap_name);
      gboolean ours = g_str_has_prefix (bitmap_name, "aqmp-");
      gboolean removed = ours && chain == NULL && self->cleanup && aqmp_backup_cmd_remove_bitmap (self, name, bitmap_name);
      JsonObject *row = json_object_new ();

      ok &= !(ours && chain == NULL && self->cleanup && !removed);
      json_object_set_string_member (row, "node", name);
      json_object_set_string_member (row, "bitmap", bitmap_name);
      json_object_set_string_member (row, "chain", chain != NULL ? chain : ours ? "unused" : "-");
      json_object_set_int_member (row, "count", json_object_get_int_member (bitmap, "count"));
      json_object_set_boolean_member (row, "removed", removed);
      json_array_add_object_element (out, row);
    }
  return ok;
}

static gint
aqmp_backup_cmd_bitmaps (AqmpBackupCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "cleanup", 0, 0, G_OPTION_ARG_NONE, &self->cleanup,
      N_("Remove aqmp's bitmaps that no open chain uses"), NULL },
    { NULL }
  };
  g_autoptr(JsonObject) flat = json_object_new ();
  g_autoptr(JsonNode) nodes = NULL;
  g_autoptr(GHashTable) used = NULL;
  g_autoptr(JsonArray) rows = json_array_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  if (!aqmp_backup_cmd_parse (self, verb, _("ADDRESS"),
                              _("List the dirty bitmaps of the machine's disks and the chains that use them."),
                              entries, &argc, &argv))
    return self->exit_code;
  if (argc != 2)
    {
      aqmp_cli_error (_("aqmp backup bitmaps takes one ADDRESS"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_backup_cmd_open_catalog (self))
    return AQMP_EXIT_PROBLEM;
  self->client = aqmp_client_new ();
  aqmp_cli_setup (&self->options, self->client);
  {
    g_autofree gchar *machine = aqmp_backup_cmd_machine (argv[1]);
    used = aqmp_backup_cmd_used_bitmaps (self, machine, &error);
  }
  if (used == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_cli_connect_sync (self->client, argv[1]))
    return AQMP_EXIT_PROBLEM;
  json_object_set_boolean_member (flat, "flat", TRUE);
  nodes = aqmp_client_execute_sync (self->client, "query-named-block-nodes", flat, NULL, &error);
  if (nodes == NULL)
    return aqmp_cli_report_failure ("query-named-block-nodes", error);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (nodes)); i++)
    ok &= aqmp_backup_cmd_node_bitmaps (self, json_array_get_object_element (json_node_get_array (nodes), i), used,
                                        rows);
  if (self->options.json)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), json_array_ref (rows));
      aqmp_cli_print_json (node, aqmp_cli_use_pretty (&self->options));
    }
  else
    for (guint i = 0; i < json_array_get_length (rows); i++)
      {
        JsonObject *row = json_array_get_object_element (rows, i);
        g_print ("%-20s %-36s %-24s%s\n", json_object_get_string_member (row, "node"),
                 json_object_get_string_member (row, "bitmap"), json_object_get_string_member (row, "chain"),
                 json_object_get_boolean_member (row, "removed") ? _(" (removed)") : "");
      }
  return ok ? AQMP_EXIT_OK : AQMP_EXIT_QMP_ERROR;
}

/* ----- main ----- */

static const AqmpCliSubcommand aqmp_backup_cmd_subcommands[] = {
  { "run", G_CALLBACK (aqmp_backup_cmd_run) },
  { "list", G_CALLBACK (aqmp_backup_cmd_list) },
  { "show", G_CALLBACK (aqmp_backup_cmd_show) },
  { "restore", G_CALLBACK (aqmp_backup_cmd_restore) },
  { "verify", G_CALLBACK (aqmp_backup_cmd_verify) },
  { "prune", G_CALLBACK (aqmp_backup_cmd_prune) },
  { "bitmaps", G_CALLBACK (aqmp_backup_cmd_bitmaps) },
  { "offline", G_CALLBACK (aqmp_backup_cmd_offline) },
};

static void
aqmp_backup_cmd_usage (void)
{
  g_printerr ("%s\n"
              "  aqmp backup run ADDRESS [--level full|incremental|differential|auto] [--disk NODE]...\n"
              "                  [--exclude NODE]... [--to DIR] [--speed BYTES] [--compress]\n"
              "                  [--qga ADDRESS --quiesce] [--json]\n"
              "  aqmp backup list [--machine ADDRESS] [--json]\n"
              "  aqmp backup show ID [--json]\n"
              "  aqmp backup restore ID [DISK] --to FILE\n"
              "  aqmp backup verify [ID] [--compare IMAGE [--disk NODE]]\n"
              "  aqmp backup prune [--keep-chains N] [--older-than DATE] [--machine ADDRESS]\n"
              "  aqmp backup bitmaps ADDRESS [--cleanup] [--json]\n"
              "  aqmp backup offline IMAGE... [--level LEVEL] [--to DIR] [--json]\n"
              "\n%s\n", _("Usage:"),
              /* TRANSLATORS: the end of aqmp backup's usage; keep the options as they are */
              _("Every command takes --db PATH (default: $XDG_STATE_HOME/aqmp/jobs.db), and\n"
                "the options every aqmp command takes (--timeout, --tls..., -v).\n"
                "Ctrl-C cancels a running backup; the chain stays usable.\n"
                "Run 'aqmp backup SUBCOMMAND --help' for a subcommand's options."));
}

static void
aqmp_backup_cmd_clear (AqmpBackupCmd *self)
{
  g_clear_pointer (&self->progress, aqmp_backup_progress_free);
  g_clear_pointer (&self->record, aqmp_backup_record_unref);
  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->runner);
  g_clear_object (&self->client);
  g_clear_object (&self->qga);
  g_free (self->qga_address);
  g_clear_object (&self->catalog);
  g_clear_object (&self->store);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_free (self->db_path);
  g_free (self->level);
  g_strfreev (self->disks);
  g_strfreev (self->excludes);
  g_free (self->to);
  g_free (self->machine);
  g_free (self->compare);
  g_free (self->older_than);
  g_free (self->disk);
}

/**
 * aqmp_cmd_backup:
 * @argc: the number of arguments
 * @argv: the arguments; argv[0] is "backup"
 *
 * Runs `aqmp backup SUBCOMMAND ...`.
 *
 * Returns: the exit code
 */
gint
aqmp_cmd_backup (gint argc, gchar **argv)
{
  AqmpBackupCmd self = { .exit_code = AQMP_EXIT_PROBLEM };
  AqmpBackupCmdFunc func;
  gint rc;

  func = (AqmpBackupCmdFunc) aqmp_cli_find_subcommand (aqmp_backup_cmd_subcommands,
                                                       G_N_ELEMENTS (aqmp_backup_cmd_subcommands), argc, argv,
                                                       aqmp_backup_cmd_usage, &rc);
  if (func == NULL && rc >= 0)
    return rc;
  if (func == NULL)
    {
      aqmp_cli_error (_("unknown backup command '%s'"), argv[1]);
      aqmp_backup_cmd_usage ();
      return AQMP_EXIT_PROBLEM;
    }
  self.loop = g_main_loop_new (NULL, FALSE);
  rc = func (&self, argv[1], argc - 1, argv + 1);
  aqmp_backup_cmd_clear (&self);
  return rc;
}
