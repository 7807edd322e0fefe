/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <xxhash.h>

#include <aqmp/aqmp.h>

#include "aqmp-schema-cache.h"

/**
 * AqmpSchemaCache:
 *
 * Schemas kept on disk, one file per server version and package string
 * (the greeting's `version`), by default under
 * `$XDG_CACHE_HOME/aqmp/schema/`. A file is a header line, a JSON object
 * naming the format, the version, the package and the XXH3-128 hash of
 * the rest, then the `query-qmp-schema` reply as JSON. A file whose header,
 * hash or schema does not check out is taken for corrupt: it is removed
 * and the lookup misses, so the schema is fetched again and the file
 * replaced. Nothing of a corrupt file is trusted.
 *
 * Files are written whole to a temporary name and renamed, so a reader
 * sees an old file or a new one, never half of one.
 *
 * Since: 0.1
 */

/* 2: the hash is XXH3-128 (`xxh128`); format 1's SHA-256 cost a
 * short `aqmp exec` more than reading the schema itself. A file of another
 * format is taken for corrupt, and replaced. */
#define AQMP_SCHEMA_CACHE_FORMAT 2

struct _AqmpSchemaCache {
  GObject parent_instance;
  gchar *dir;
};

G_DEFINE_FINAL_TYPE (AqmpSchemaCache, aqmp_schema_cache, G_TYPE_OBJECT)

static void
aqmp_schema_cache_finalize (GObject *object)
{
  AqmpSchemaCache *self = AQMP_SCHEMA_CACHE (object);

  g_free (self->dir);
  G_OBJECT_CLASS (aqmp_schema_cache_parent_class)->finalize (object);
}

static void
aqmp_schema_cache_class_init (AqmpSchemaCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_schema_cache_finalize;
}

static void
aqmp_schema_cache_init (AqmpSchemaCache *self)
{
}

/**
 * aqmp_schema_cache_new:
 * @dir: (nullable): the directory, or %NULL for
 *   `$XDG_CACHE_HOME/aqmp/schema`
 *
 * Returns a cache; the directory is made when the first schema is stored.
 *
 * Returns: (transfer full): a cache; the directory is made when the first
 *   schema is stored
 *
 * Since: 0.1
 */
AqmpSchemaCache *
aqmp_schema_cache_new (const gchar *dir)
{
  AqmpSchemaCache *self = g_object_new (AQMP_TYPE_SCHEMA_CACHE, NULL);

  self->dir = dir != NULL ? g_strdup (dir) : g_build_filename (g_get_user_cache_dir (), "aqmp", "schema", NULL);
  return self;
}

/**
 * aqmp_schema_cache_get_dir:
 * @self: an #AqmpSchemaCache
 *
 * Returns the directory.
 *
 * Returns: (transfer none): the directory
 *
 * Since: 0.1
 */
const gchar *
aqmp_schema_cache_get_dir (AqmpSchemaCache *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA_CACHE (self), NULL);

  return self->dir;
}

/**
 * aqmp_schema_cache_get_path:
 * @self: an #AqmpSchemaCache
 * @major: QEMU's major version
 * @minor: QEMU's minor version
 * @micro: QEMU's micro version
 * @package: (nullable): the greeting's package string
 *
 * Returns the file that holds, or would hold, the schema of that version:
 * `qemu-7.2.22-HASH.schema`, HASH from @package.
 *
 * Returns: (transfer full): the file that holds, or would hold, the
 *   schema of that version: `qemu-7.2.22-HASH.schema`, HASH from @package
 *
 * Since: 0.1
 */
gchar *
aqmp_schema_cache_get_path (AqmpSchemaCache *self, guint major, guint minor, guint micro, const gchar *package)
{
  g_autofree gchar *hash = NULL;
  g_autofree gchar *name = NULL;

  g_return_val_if_fail (AQMP_IS_SCHEMA_CACHE (self), NULL);

  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, package != NULL ? package : "", -1);
  name = g_strdup_printf ("qemu-%u.%u.%u-%.16s.schema", major, minor, micro, hash);
  return g_build_filename (self->dir, name, NULL);
}

static gchar *
aqmp_schema_cache_version_string (guint major, guint minor, guint micro)
{
  return g_strdup_printf ("%u.%u.%u", major, minor, micro);
}

/* the header's word that the file is what the name says, and its hash */
static const gchar *
aqmp_schema_cache_check_header (JsonObject *header, const gchar *version, const gchar *package)
{
  JsonNode *format = json_object_get_member (header, "format");

  if (format == NULL || !JSON_NODE_HOLDS_VALUE (format) || json_node_get_value_type (format) != G_TYPE_INT64
      || json_node_get_int (format) != AQMP_SCHEMA_CACHE_FORMAT)
    return NULL;
  if (g_strcmp0 (json_object_get_string_member_with_default (header, "version", NULL), version) != 0
      || g_strcmp0 (json_object_get_string_member_with_default (header, "package", NULL),
                    package != NULL ? package : "") != 0)
    return NULL;
  return json_object_get_string_member_with_default (header, "xxh128", NULL);
}

/* the hex XXH3-128 of @length bytes at @data */
static gchar *
aqmp_schema_cache_hash (const gchar *data, gsize length)
{
  XXH128_hash_t hash = XXH3_128bits (data, length);

  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x",
                          (guint64) hash.high64, (guint64) hash.low64);
}

/* the schema in @text, or NULL with why in @error */
static AqmpSchema *
aqmp_schema_cache_read (const gchar *text, gsize length, const gchar *version, const gchar *package,
                        GError **error)
{
  const gchar *nl = memchr (text, '\n', length);
  g_autoptr(JsonNode) head = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree gchar *hash = NULL;
  const gchar *want;

  if (nl == NULL)
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL, "no header");
      return NULL;
    }
  head = aqmp_json_parse (text, nl - text, error);
  if (head == NULL)
    return NULL;
  want = JSON_NODE_HOLDS_OBJECT (head)
         ? aqmp_schema_cache_check_header (json_node_get_object (head), version, package) : NULL;
  if (want == NULL)
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL, "not this version's, or an unknown format");
      return NULL;
    }
  nl++;
  hash = aqmp_schema_cache_hash (nl, length - (nl - text));
  if (g_ascii_strcasecmp (hash, want) != 0)
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL, "the hash does not match");
      return NULL;
    }
  body = g_bytes_new (nl, length - (nl - text));
  return aqmp_schema_new_from_data (body, error);
}

/**
 * aqmp_schema_cache_lookup:
 * @self: an #AqmpSchemaCache
 * @major: QEMU's major version
 * @minor: QEMU's minor version
 * @micro: QEMU's micro version
 * @package: (nullable): the greeting's package string
 * @error: return location for a #GError
 *
 * Reads the schema of that server version. A missing file is a miss; a
 * corrupt one is removed and is a miss too (logged at debug level).
 *
 * Returns: (transfer full) (nullable): the schema, its server version set;
 *   %NULL on a miss (no error) or when the file cannot be read (@error set)
 *
 * Since: 0.1
 */
AqmpSchema *
aqmp_schema_cache_lookup (AqmpSchemaCache *self, guint major, guint minor, guint micro,
                          const gchar *package, GError **error)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *version = NULL;
  g_autoptr(GError) local = NULL;
  gsize length = 0;
  AqmpSchema *schema;

  g_return_val_if_fail (AQMP_IS_SCHEMA_CACHE (self), NULL);

  path = aqmp_schema_cache_get_path (self, major, minor, micro, package);
  if (!g_file_get_contents (path, &text, &length, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  version = aqmp_schema_cache_version_string (major, minor, micro);
  schema = aqmp_schema_cache_read (text, length, version, package, &local);
  if (schema == NULL)
    {
      g_log ("aqmp-qapi", G_LOG_LEVEL_DEBUG, "ignoring the corrupt schema cache file %s: %s",
             path, local->message);
      g_unlink (path);
      return NULL;
    }
  aqmp_schema_set_server_version (schema, major, minor, micro, package);
  return schema;
}

/**
 * aqmp_schema_cache_store:
 * @self: an #AqmpSchemaCache
 * @schema: a complete schema whose server version is set
 * @error: return location for a #GError
 *
 * Writes @schema's file, replacing any older one of that version.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
aqmp_schema_cache_store (AqmpSchemaCache *self, AqmpSchema *schema, GError **error)
{
  guint v[3];
  const gchar *package;
  g_autofree gchar *path = NULL;
  g_autofree gchar *body = NULL;
  g_autofree gchar *hash = NULL;
  g_autofree gchar *version = NULL;
  g_autoptr(JsonObject) header = json_object_new ();
  g_autofree gchar *head = NULL;
  g_autofree gchar *text = NULL;

  g_return_val_if_fail (AQMP_IS_SCHEMA_CACHE (self), FALSE);
  g_return_val_if_fail (AQMP_IS_SCHEMA (schema), FALSE);

  if (!aqmp_schema_is_complete (schema) || !aqmp_schema_get_server_version (schema, &v[0], &v[1], &v[2]))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "only a complete schema of a known server version is cached");
      return FALSE;
    }
  package = aqmp_schema_get_package (schema);
  if (g_mkdir_with_parents (self->dir, 0700) != 0)
    {
      gint saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot make %s: %s",
                   self->dir, g_strerror (saved));
      return FALSE;
    }
  body = aqmp_json_to_string (aqmp_schema_get_json (schema), FALSE);
  hash = aqmp_schema_cache_hash (body, strlen (body));
  version = aqmp_schema_cache_version_string (v[0], v[1], v[2]);
  json_object_set_int_member (header, "format", AQMP_SCHEMA_CACHE_FORMAT);
  json_object_set_string_member (header, "version", version);
  json_object_set_string_member (header, "package", package != NULL ? package : "");
  json_object_set_string_member (header, "xxh128", hash);
  {
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), header);

    head = aqmp_json_to_string (node, FALSE);
  }
  text = g_strconcat (head, "\n", body, NULL);
  path = aqmp_schema_cache_get_path (self, v[0], v[1], v[2], package);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}
