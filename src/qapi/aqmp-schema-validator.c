/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-schema-validator.h"
#include "aqmp-schema-entry-private.h"
#include "aqmp-suggest.h"

/**
 * AqmpSchemaValidator:
 *
 * Checks a command and its arguments against an #AqmpSchema before
 * anything is sent: unknown commands and members, missing mandatory
 * members, wrong JSON types, enum values not in their enum, integers out
 * of a sized type's range, union members of another variant than the
 * tag's, alternates. Each refusal is one %AQMP_ERROR_INVALID naming the
 * command, the path of the value (`actions[1].data.target`), what was
 * expected and what was given; unknown names and values come with the
 * nearest valid ones ("did you mean 'size'?").
 *
 * Parts marked `deprecated` or `unstable` go through the validator's
 * #AqmpCompatPolicy: allowed, warned about (#AqmpSchemaValidator::warning,
 * logged when nothing is connected to it) or refused.
 *
 * aqmp_schema_validator_attach() makes an #AqmpClient check every call
 * with it; a refused call fails with %AQMP_ERROR_INVALID and nothing of it
 * is written.
 *
 * Since: 0.1
 */

struct _AqmpSchemaValidator {
  GObject parent_instance;
  AqmpSchema *schema;
  AqmpCompatPolicy *policy;
};

enum {
  SIGNAL_WARNING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (AqmpSchemaValidator, aqmp_schema_validator, G_TYPE_OBJECT)

/* commands whose arguments QEMU takes beyond what introspection lists
 * ('gen': false in QEMU's schema, which introspection does not show):
 * device_add passes any further member to the device as a property. Their
 * listed members are checked; others go through. */
static const gchar * const aqmp_validator_open_commands[] = { "device_add", NULL };

/* the commands aqmp_schema_load_async() asks, which a validator holding
 * another server version's schema lets through */
static const gchar * const aqmp_validator_schema_commands[] = {
  "query-qmp-schema", "query-commands", NULL
};

/* how many union layers (a variant that is a union itself) are followed */
#define AQMP_VALIDATOR_MAX_LAYERS 8
/* given strings are quoted up to this many bytes */
#define AQMP_VALIDATOR_QUOTE_MAX 40

/* the path is kept as segments and only written out for a message: most
 * calls pass, and formatting every member's path cost more than checking */
#define AQMP_VALIDATOR_MAX_PATH 128

typedef struct {
  const gchar *name;          /* a member, or NULL for an index */
  guint index;
} AqmpPathSegment;

typedef struct {
  AqmpSchemaValidator *self;
  const gchar *command;
  AqmpPathSegment path[AQMP_VALIDATOR_MAX_PATH];
  guint depth;                /* may exceed the segments kept */
  GError **error;
  GPtrArray *warnings;        /* made on the first warning */
  gboolean open;              /* the top level takes unlisted members */
} AqmpCheck;

static void
aqmp_check_push_name (AqmpCheck *check, const gchar *name)
{
  if (check->depth < AQMP_VALIDATOR_MAX_PATH)
    check->path[check->depth] = (AqmpPathSegment) { name, 0 };
  check->depth++;
}

static void
aqmp_check_push_index (AqmpCheck *check, guint index)
{
  if (check->depth < AQMP_VALIDATOR_MAX_PATH)
    check->path[check->depth] = (AqmpPathSegment) { NULL, index };
  check->depth++;
}

static void
aqmp_check_pop (AqmpCheck *check)
{
  check->depth--;
}

/* "actions[1].data.target" */
static void
aqmp_check_write_path (AqmpCheck *check, GString *out)
{
  for (guint i = 0; i < MIN (check->depth, AQMP_VALIDATOR_MAX_PATH); i++)
    {
      if (check->path[i].name == NULL)
        g_string_append_printf (out, "[%u]", check->path[i].index);
      else
        g_string_append_printf (out, "%s%s", i > 0 ? "." : "", check->path[i].name);
    }
  if (check->depth > AQMP_VALIDATOR_MAX_PATH)
    g_string_append (out, "...");
}

static void
aqmp_schema_validator_finalize (GObject *object)
{
  AqmpSchemaValidator *self = AQMP_SCHEMA_VALIDATOR (object);

  g_clear_object (&self->schema);
  g_clear_object (&self->policy);
  G_OBJECT_CLASS (aqmp_schema_validator_parent_class)->finalize (object);
}

static void
aqmp_schema_validator_class_init (AqmpSchemaValidatorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_schema_validator_finalize;

  /**
   * AqmpSchemaValidator::warning:
   * @self: the validator
   * @command: the command
   * @message: the warning, such as `drive-backup: deprecated command`
   *
   * A call that passes uses something the policy warns about. When no
   * handler is connected the warning is logged (log domain `aqmp-qapi`).
   *
   * Since: 0.1
   */
  signals[SIGNAL_WARNING] =
    g_signal_new ("warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
aqmp_schema_validator_init (AqmpSchemaValidator *self)
{
  self->policy = aqmp_compat_policy_new ();
}

/* ----- messages ----- */

/* "COMMAND: PATH: " or "COMMAND: " */
static GString *
aqmp_check_prefix (AqmpCheck *check)
{
  GString *out = g_string_new (check->command);

  g_string_append (out, ": ");
  if (check->depth > 0)
    {
      aqmp_check_write_path (check, out);
      g_string_append (out, ": ");
    }
  return out;
}

static gboolean
aqmp_check_fail (AqmpCheck *check, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
aqmp_check_fail (AqmpCheck *check, const gchar *format, ...)
{
  GString *out = aqmp_check_prefix (check);
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (out, format, args);
  va_end (args);
  g_set_error_literal (check->error, AQMP_ERROR, AQMP_ERROR_INVALID, out->str);
  g_string_free (out, TRUE);
  return FALSE;
}

/* what was given, in words: "string 'abc'", "integer 5", "an object" */
static gchar *
aqmp_check_given (JsonNode *node)
{
  GType type;

  if (JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup ("an object");
  if (JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup ("an array");
  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("null");
  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    {
      const gchar *s = json_node_get_string (node);
      gsize n = strlen (s);

      if (n <= AQMP_VALIDATOR_QUOTE_MAX)
        return g_strdup_printf ("string '%s'", s);
      /* cut at a character boundary */
      n = g_utf8_find_prev_char (s, s + AQMP_VALIDATOR_QUOTE_MAX + 1) - s;
      return g_strdup_printf ("string '%.*s...'", (gint) n, s);
    }
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("integer %" G_GINT64_FORMAT, json_node_get_int (node));
  if (type == G_TYPE_DOUBLE)
    return g_strdup_printf ("number %g", json_node_get_double (node));
  if (type == G_TYPE_BOOLEAN)
    return g_strdup_printf ("boolean %s", json_node_get_boolean (node) ? "true" : "false");
  return g_strdup ("a value");
}

static gboolean
aqmp_check_type_error (AqmpCheck *check, const AqmpSchemaEntry *type, JsonNode *node)
{
  g_autofree gchar *expected = aqmp_schema_entry_describe_type (type);
  g_autofree gchar *given = aqmp_check_given (node);

  return aqmp_check_fail (check, "expected %s, got %s", expected, given);
}

/* the policy's verdict on @features; FALSE when it refuses */
static gboolean
aqmp_check_features (AqmpCheck *check, guint flags, const gchar **features, const gchar *what)
{
  const gchar *feature = NULL;
  AqmpCompatAction action;
  GString *out;

  if ((flags & (AQMP_SCHEMA_FLAG_DEPRECATED | AQMP_SCHEMA_FLAG_UNSTABLE)) == 0)
    return TRUE;
  action = aqmp_compat_policy_decide (check->self->policy, (const gchar * const *) features, &feature);
  if (action == AQMP_COMPAT_ALLOW)
    return TRUE;
  if (action == AQMP_COMPAT_REFUSE)
    return aqmp_check_fail (check, "%s %s, refused by the compatibility policy (%s=refuse)",
                            feature, what, feature);
  out = aqmp_check_prefix (check);
  g_string_append_printf (out, "%s %s", feature, what);
  if (check->warnings == NULL)
    check->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (check->warnings, g_string_free (out, FALSE));
  return TRUE;
}

/* ----- values ----- */

static gboolean aqmp_check_value (AqmpCheck *check, const AqmpSchemaEntry *type, JsonNode *node);

static gboolean
aqmp_check_is (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
aqmp_check_int (AqmpCheck *check, const AqmpSchemaEntry *type, JsonNode *node)
{
  gint64 value;

  if (!aqmp_check_is (node, G_TYPE_INT64))
    return aqmp_check_type_error (check, type, node);
  value = json_node_get_int (node);
  if (value < type->int_min || (value > 0 && (guint64) value > type->int_max))
    {
      g_autofree gchar *expected = aqmp_schema_entry_describe_type (type);

      return aqmp_check_fail (check, "integer %" G_GINT64_FORMAT " out of range: expected %s (%s)",
                              value, expected, type->name);
    }
  return TRUE;
}

static gboolean
aqmp_check_builtin (AqmpCheck *check, const AqmpSchemaEntry *type, JsonNode *node)
{
  gboolean ok;

  switch (type->json_kind)
    {
    case AQMP_SCHEMA_JSON_VALUE:
      return TRUE;
    case AQMP_SCHEMA_JSON_INT:
      return aqmp_check_int (check, type, node);
    case AQMP_SCHEMA_JSON_STRING:
      ok = aqmp_check_is (node, G_TYPE_STRING);
      break;
    case AQMP_SCHEMA_JSON_BOOLEAN:
      ok = aqmp_check_is (node, G_TYPE_BOOLEAN);
      break;
    case AQMP_SCHEMA_JSON_NUMBER:
      ok = aqmp_check_is (node, G_TYPE_DOUBLE) || aqmp_check_is (node, G_TYPE_INT64);
      break;
    case AQMP_SCHEMA_JSON_NULL:
      ok = JSON_NODE_HOLDS_NULL (node);
      break;
    default:
      /* a JSON type this reader does not know takes anything */
      return TRUE;
    }
  return ok || aqmp_check_type_error (check, type, node);
}

static gboolean
aqmp_check_enum (AqmpCheck *check, const AqmpSchemaEntry *type, JsonNode *node)
{
  const gchar *value;
  gint index;
  g_autofree gchar *hint = NULL;
  g_autofree gchar *what = NULL;

  if (!aqmp_check_is (node, G_TYPE_STRING))
    return aqmp_check_type_error (check, type, node);
  value = json_node_get_string (node);
  index = aqmp_schema_entry_find_value (type, value);
  if (index >= 0)
    {
      if (type->value_flags == NULL || type->value_flags[index] == 0)
        return TRUE;
      what = g_strdup_printf ("value '%s'", value);
      return aqmp_check_features (check, type->value_flags[index], type->value_features[index], what);
    }
  hint = aqmp_suggest_hint (value, type->values, type->n_values);
  if (hint != NULL && g_str_has_prefix (hint, "expected"))
    return aqmp_check_fail (check, "%s, got '%s'", hint, value);
  if (hint != NULL)
    return aqmp_check_fail (check, "'%s' is not a valid value (%u values); %s", value, type->n_values, hint);
  return aqmp_check_fail (check, "'%s' is not a valid value; see aqmp describe for the %u values",
                          value, type->n_values);
}

static gboolean
aqmp_check_array (AqmpCheck *check, const AqmpSchemaEntry *type, JsonNode *node)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return aqmp_check_type_error (check, type, node);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      aqmp_check_push_index (check, i);
      if (!aqmp_check_value (check, type->element, json_array_get_element (array, i)))
        return FALSE;
      aqmp_check_pop (check);
    }
  return TRUE;
}

/* does @alt take a JSON value like @node (QEMU picks by JSON type) */
static gboolean
aqmp_check_alternative_takes (const AqmpSchemaEntry *alt, JsonNode *node)
{
  AqmpSchemaJsonKind t = alt->kind == AQMP_SCHEMA_KIND_BUILTIN ? alt->json_kind : AQMP_SCHEMA_JSON_OTHER;

  if (JSON_NODE_HOLDS_OBJECT (node))
    return alt->kind == AQMP_SCHEMA_KIND_OBJECT;
  if (JSON_NODE_HOLDS_ARRAY (node))
    return alt->kind == AQMP_SCHEMA_KIND_ARRAY;
  if (JSON_NODE_HOLDS_NULL (node))
    return t == AQMP_SCHEMA_JSON_NULL;
  if (aqmp_check_is (node, G_TYPE_STRING))
    return alt->kind == AQMP_SCHEMA_KIND_ENUM || t == AQMP_SCHEMA_JSON_STRING;
  if (aqmp_check_is (node, G_TYPE_BOOLEAN))
    return t == AQMP_SCHEMA_JSON_BOOLEAN;
  if (aqmp_check_is (node, G_TYPE_DOUBLE))
    return t == AQMP_SCHEMA_JSON_NUMBER;
  return t == AQMP_SCHEMA_JSON_INT || t == AQMP_SCHEMA_JSON_NUMBER;
}

static gboolean
aqmp_check_alternate (AqmpCheck *check, const AqmpSchemaEntry *type, JsonNode *node)
{
  const AqmpSchemaEntry *pick = NULL;

  for (guint i = 0; i < type->n_alternatives; i++)
    {
      const AqmpSchemaEntry *alt = type->alternatives[i];

      if (!aqmp_check_alternative_takes (alt, node))
        continue;
      /* an integer goes to an int branch before a number branch */
      if (pick == NULL || (alt->kind == AQMP_SCHEMA_KIND_BUILTIN && alt->json_kind == AQMP_SCHEMA_JSON_INT))
        pick = alt;
    }
  if (pick == NULL)
    return aqmp_check_type_error (check, type, node);
  return aqmp_check_value (check, pick, node);
}

/* ----- objects ----- */

/* the object and the variants its tags select, outermost first */
static guint
aqmp_check_layers (AqmpCheck *check, const AqmpSchemaEntry *type, JsonObject *given,
                   const AqmpSchemaEntry **layers, gboolean *ok)
{
  guint n = 0;

  *ok = TRUE;
  while (type != NULL && n < AQMP_VALIDATOR_MAX_LAYERS)
    {
      const AqmpSchemaMember *tag;
      JsonNode *value;
      const AqmpSchemaVariant *variant;

      layers[n++] = type;
      if (type->tag == NULL)
        break;
      tag = aqmp_schema_entry_lookup_member (type, type->tag);
      value = given != NULL ? json_object_get_member (given, type->tag) : NULL;
      if (value == NULL)
        break;              /* reported as a missing member */
      aqmp_check_push_name (check, type->tag);
      *ok = aqmp_check_value (check, tag->type, value);
      if (!*ok)
        return n;
      aqmp_check_pop (check);
      variant = aqmp_schema_entry_lookup_variant (type, json_node_get_string (value));
      type = variant != NULL ? variant->type : NULL;
    }
  return n;
}

/* the member called @name in any layer, and its layer; lengths are
 * compared before bytes, as most names differ there */
static const AqmpSchemaMember *
aqmp_check_find_member (const AqmpSchemaEntry **layers, guint n_layers, const gchar *name,
                        const AqmpSchemaEntry **layer)
{
  gsize len = strlen (name);

  for (guint l = 0; l < n_layers; l++)
    for (guint i = 0; i < layers[l]->n_members; i++)
      {
        const AqmpSchemaMember *member = &layers[l]->members[i];

        if (member->name_len == len && memcmp (member->name, name, len) == 0)
          {
            if (layer != NULL)
              *layer = layers[l];
            return member;
          }
      }
  return NULL;
}

/* the tag values of the variants that have @name: "driver 'qcow2', 'raw'" */
static gchar *
aqmp_check_other_variants (const AqmpSchemaEntry *type, const gchar *name)
{
  GString *out = NULL;
  guint n = 0;

  for (guint i = 0; type->tag != NULL && i < type->n_variants; i++)
    {
      if (aqmp_schema_entry_lookup_member (type->variants[i].type, name) == NULL)
        continue;
      if (n++ == 3)
        {
          g_string_append (out, ", ...");
          break;
        }
      if (out == NULL)
        out = g_string_new (type->tag);
      g_string_append_printf (out, "%s'%s'", n == 1 ? " " : ", ", type->variants[i].tag_value);
    }
  return out != NULL ? g_string_free (out, FALSE) : NULL;
}

static gboolean
aqmp_check_unknown_member (AqmpCheck *check, const AqmpSchemaEntry **layers, guint n_layers,
                           JsonObject *given, const gchar *name)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree gchar *hint = NULL;
  g_autofree gchar *elsewhere = NULL;
  const AqmpSchemaEntry *by_tag = NULL;

  for (guint l = 0; l < n_layers; l++)
    {
      for (guint i = 0; i < layers[l]->n_members; i++)
        g_ptr_array_add (names, (gpointer) layers[l]->members[i].name);
      if (layers[l]->tag != NULL)
        by_tag = layers[l];
    }
  hint = aqmp_suggest_hint (name, (const gchar * const *) names->pdata, names->len);
  if (by_tag != NULL)
    elsewhere = aqmp_check_other_variants (by_tag, name);
  aqmp_check_push_name (check, name);
  /* a member of another variant than the tag's */
  if (elsewhere != NULL)
    return aqmp_check_fail (check, "unknown member when %s is '%s'; it belongs to %s", by_tag->tag,
                            json_object_get_string_member (given, by_tag->tag), elsewhere);
  if (names->len == 0)
    return aqmp_check_fail (check, "unknown member: no arguments are taken here");
  if (hint != NULL && g_str_has_prefix (hint, "expected"))
    return aqmp_check_fail (check, "unknown member; %s", hint + strlen ("expected "));
  if (hint != NULL)
    return aqmp_check_fail (check, "unknown member; %s", hint);
  return aqmp_check_fail (check, "unknown member");
}

/* a mandatory member is there; its value is checked by the caller */
static gboolean
aqmp_check_member (AqmpCheck *check, const AqmpSchemaEntry *layer, const AqmpSchemaMember *member,
                   JsonObject *given)
{
  g_autofree gchar *expected = NULL;

  if (member->optional || (given != NULL && json_object_has_member (given, member->name)))
    return TRUE;
  aqmp_check_push_name (check, member->name);
  expected = aqmp_schema_entry_describe_type (member->type);
  return aqmp_check_fail (check, "missing mandatory member (%s)", expected);
}

/* a given member's features and value */
static gboolean
aqmp_check_given_member (AqmpCheck *check, const AqmpSchemaEntry *layer, const AqmpSchemaMember *member, JsonNode *value)
{
  gboolean ok;

  aqmp_check_push_name (check, member->name);
  ok = aqmp_check_features (check, member->flags, member->features, "member")
       /* a tag was checked when its variant was picked */
       && (layer->tag == member->name || aqmp_check_value (check, member->type, value));
  if (ok)
    aqmp_check_pop (check);
  return ok;
}

/* the given values of the members of one object, as first walked */
#define AQMP_VALIDATOR_MAX_GIVEN 64

typedef struct {
  const AqmpSchemaMember *member;
  const AqmpSchemaEntry *layer;
  JsonNode *value;
} AqmpGiven;

/* the values in the order given: for messages (only the first mistake of
 * several is named, so the order must not depend on a hash table) and
 * warnings; the slow way */
static gboolean
aqmp_check_given_ordered (AqmpCheck *check, const AqmpSchemaEntry **layers, guint n_layers, JsonObject *given)
{
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;

  json_object_iter_init_ordered (&iter, given);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      const AqmpSchemaEntry *layer = NULL;
      const AqmpSchemaMember *member = aqmp_check_find_member (layers, n_layers, name, &layer);

      if (member != NULL && !aqmp_check_given_member (check, layer, member, value))
        return FALSE;
    }
  return TRUE;
}

/* the values, in the hash table's order, which costs no lookups; when
 * anything is wrong or warned about, again in the order given */
static gboolean
aqmp_check_given_values (AqmpCheck *check, const AqmpSchemaEntry **layers, guint n_layers, JsonObject *given,
                         AqmpGiven *values, guint n_values)
{
  guint n_warnings = check->warnings != NULL ? check->warnings->len : 0;
  guint depth = check->depth;
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < n_values; i++)
    ok = aqmp_check_given_member (check, values[i].layer, values[i].member, values[i].value);
  if (ok && (check->warnings == NULL || check->warnings->len == n_warnings))
    return TRUE;
  if (check->error != NULL)
    g_clear_error (check->error);
  check->depth = depth;
  if (check->warnings != NULL)
    g_ptr_array_set_size (check->warnings, n_warnings);
  return aqmp_check_given_ordered (check, layers, n_layers, given);
}

/*
 * An object's members: unknown names first, then missing mandatory ones,
 * then each given value. Walks what was given, not the schema's members,
 * and counts the mandatory ones: a call names a few of an object's many
 * members.
 */
static gboolean
aqmp_check_object_members (AqmpCheck *check, const AqmpSchemaEntry *type, JsonObject *given)
{
  const AqmpSchemaEntry *layers[AQMP_VALIDATOR_MAX_LAYERS];
  AqmpGiven values[AQMP_VALIDATOR_MAX_GIVEN];
  const AqmpSchemaEntry *layer;
  guint n_layers;
  guint n_values = 0;
  guint n_mandatory = 0;
  guint n_mandatory_given = 0;
  gboolean open = check->open && check->depth == 0;
  gboolean unknown = FALSE;
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;
  gboolean ok;

  n_layers = aqmp_check_layers (check, type, given, layers, &ok);
  if (!ok)
    return FALSE;
  /* without its tag a union's members are unknown: say the tag is missing */
  layer = layers[n_layers - 1];
  if (layer->tag != NULL && (given == NULL || !json_object_has_member (given, layer->tag)))
    return aqmp_check_member (check, layer, aqmp_schema_entry_lookup_member (layer, layer->tag), given);
  if (given != NULL)
    {
      json_object_iter_init (&iter, given);
      while (json_object_iter_next (&iter, &name, &value))
        {
          const AqmpSchemaMember *member = aqmp_check_find_member (layers, n_layers, name, &layer);

          if (member == NULL)
            {
              unknown = unknown || !open;
              continue;
            }
          n_mandatory_given += member->optional ? 0 : 1;
          if (n_values < AQMP_VALIDATOR_MAX_GIVEN)
            values[n_values++] = (AqmpGiven) { member, layer, value };
        }
    }
  /* the first unknown name in the order given */
  if (unknown)
    {
      json_object_iter_init_ordered (&iter, given);
      while (json_object_iter_next_ordered (&iter, &name, &value))
        if (aqmp_check_find_member (layers, n_layers, name, NULL) == NULL)
          return aqmp_check_unknown_member (check, layers, n_layers, given, name);
    }
  for (guint l = 0; l < n_layers; l++)
    n_mandatory += layers[l]->n_mandatory;
  /* the slow way, to name the first missing one */
  for (guint l = 0; n_mandatory_given != n_mandatory && l < n_layers; l++)
    for (guint i = 0; i < layers[l]->n_members; i++)
      if (!aqmp_check_member (check, layers[l], &layers[l]->members[i], given))
        return FALSE;
  if (given == NULL)
    return TRUE;
  if (n_values < json_object_get_size (given) && !open)
    return aqmp_check_given_ordered (check, layers, n_layers, given);
  return aqmp_check_given_values (check, layers, n_layers, given, values, n_values);
}

static gboolean
aqmp_check_value (AqmpCheck *check, const AqmpSchemaEntry *type, JsonNode *node)
{
  switch (type->kind)
    {
    case AQMP_SCHEMA_KIND_BUILTIN:
      return aqmp_check_builtin (check, type, node);
    case AQMP_SCHEMA_KIND_ENUM:
      return aqmp_check_enum (check, type, node);
    case AQMP_SCHEMA_KIND_ARRAY:
      return aqmp_check_array (check, type, node);
    case AQMP_SCHEMA_KIND_OBJECT:
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return aqmp_check_type_error (check, type, node);
      return aqmp_check_object_members (check, type, json_node_get_object (node));
    case AQMP_SCHEMA_KIND_ALTERNATE:
      return aqmp_check_alternate (check, type, node);
    default:
      return aqmp_check_type_error (check, type, node);
    }
}

/* ----- the command ----- */

static gboolean
aqmp_check_unknown_command (AqmpCheck *check, const gchar *command)
{
  g_autoptr(GPtrArray) commands = aqmp_schema_list_commands (check->self->schema);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_auto(GStrv) near = NULL;
  GString *out;

  for (guint i = 0; i < commands->len; i++)
    g_ptr_array_add (names, (gpointer) aqmp_schema_entry_get_name (commands->pdata[i]));
  near = aqmp_suggest_nearest (command, (const gchar * const *) names->pdata, names->len, 3);
  out = g_string_new (NULL);
  g_string_append_printf (out, "unknown command '%s'", command);
  for (guint i = 0; near[i] != NULL; i++)
    g_string_append_printf (out, "%s'%s'", i == 0 ? "; did you mean " : near[i + 1] == NULL ? " or " : ", ",
                            near[i]);
  if (near[0] != NULL)
    g_string_append_c (out, '?');
  g_set_error_literal (check->error, AQMP_ERROR, AQMP_ERROR_INVALID, out->str);
  g_string_free (out, TRUE);
  return FALSE;
}

static void
aqmp_schema_validator_warn (AqmpSchemaValidator *self, const gchar *command, const gchar *message)
{
  if (g_signal_has_handler_pending (self, signals[SIGNAL_WARNING], 0, TRUE))
    g_signal_emit (self, signals[SIGNAL_WARNING], 0, command, message);
  else
    g_log ("aqmp-qapi", G_LOG_LEVEL_WARNING, "%s", message);
}

static gboolean
aqmp_check_command (AqmpCheck *check, const gchar *command, JsonObject *arguments)
{
  const AqmpSchemaEntry *entry = aqmp_schema_lookup_command (check->self->schema, command);

  if (entry == NULL)
    return aqmp_check_unknown_command (check, command);
  if (!aqmp_check_features (check, entry->flags, entry->features, "command"))
    return FALSE;
  /* a schema of names only knows nothing of the arguments */
  if (entry->arg_type == NULL)
    return TRUE;
  check->open = g_strv_contains (aqmp_validator_open_commands, command);
  return aqmp_check_object_members (check, entry->arg_type, arguments);
}

/**
 * aqmp_schema_validator_check:
 * @self: an #AqmpSchemaValidator
 * @command: a command's name
 * @arguments: (nullable): its arguments
 * @error: return location for a #GError
 *
 * Checks one call. What the policy warns about is reported through
 * #AqmpSchemaValidator::warning, only when the call passes.
 *
 * Returns: %TRUE when the call may be sent; %FALSE with %AQMP_ERROR_INVALID
 *
 * Since: 0.1
 */
gboolean
aqmp_schema_validator_check (AqmpSchemaValidator *self, const gchar *command, JsonObject *arguments,
                             GError **error)
{
  AqmpCheck check;
  gboolean ok;

  g_return_val_if_fail (AQMP_IS_SCHEMA_VALIDATOR (self), FALSE);
  g_return_val_if_fail (command != NULL, FALSE);

  check.self = self;
  check.command = command;
  check.depth = 0;
  check.error = error;
  check.warnings = NULL;
  check.open = FALSE;
  ok = aqmp_check_command (&check, command, arguments);
  for (guint i = 0; ok && check.warnings != NULL && i < check.warnings->len; i++)
    aqmp_schema_validator_warn (self, command, check.warnings->pdata[i]);
  g_clear_pointer (&check.warnings, g_ptr_array_unref);
  return ok;
}

/**
 * aqmp_schema_validator_new:
 * @schema: the schema to check against
 *
 * Returns a validator with the default policy (warn about deprecated and
 * unstable parts).
 *
 * Returns: (transfer full): a validator with the default policy (warn
 *   about deprecated and unstable parts)
 *
 * Since: 0.1
 */
AqmpSchemaValidator *
aqmp_schema_validator_new (AqmpSchema *schema)
{
  AqmpSchemaValidator *self;

  g_return_val_if_fail (AQMP_IS_SCHEMA (schema), NULL);

  self = g_object_new (AQMP_TYPE_SCHEMA_VALIDATOR, NULL);
  self->schema = g_object_ref (schema);
  return self;
}

/**
 * aqmp_schema_validator_get_schema:
 * @self: an #AqmpSchemaValidator
 *
 * Returns the schema.
 *
 * Returns: (transfer none): the schema
 *
 * Since: 0.1
 */
AqmpSchema *
aqmp_schema_validator_get_schema (AqmpSchemaValidator *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA_VALIDATOR (self), NULL);

  return self->schema;
}

/**
 * aqmp_schema_validator_get_policy:
 * @self: an #AqmpSchemaValidator
 *
 * Returns the compatibility policy, which may be changed.
 *
 * Returns: (transfer none): the compatibility policy, which may be changed
 *
 * Since: 0.1
 */
AqmpCompatPolicy *
aqmp_schema_validator_get_policy (AqmpSchemaValidator *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA_VALIDATOR (self), NULL);

  return self->policy;
}

/**
 * aqmp_schema_validator_set_policy:
 * @self: an #AqmpSchemaValidator
 * @policy: the compatibility policy to use
 *
 * Sets the compatibility policy to use.
 *
 * Since: 0.1
 */
void
aqmp_schema_validator_set_policy (AqmpSchemaValidator *self, AqmpCompatPolicy *policy)
{
  g_return_if_fail (AQMP_IS_SCHEMA_VALIDATOR (self));
  g_return_if_fail (AQMP_IS_COMPAT_POLICY (policy));

  g_set_object (&self->policy, policy);
}

/* the client's check: the schema must be this server's, then the call valid */
static gboolean
aqmp_schema_validator_client_check (AqmpClient *client, const gchar *command, JsonObject *arguments,
                                    gpointer user_data, GError **error)
{
  AqmpSchemaValidator *self = user_data;
  guint want[3], have[3];

  if (aqmp_schema_get_server_version (self->schema, &want[0], &want[1], &want[2])
      && aqmp_client_get_server_version (client, &have[0], &have[1], &have[2])
      && memcmp (want, have, sizeof (want)) != 0)
    {
      /* what loads the new server's schema goes through */
      if (g_strv_contains (aqmp_validator_schema_commands, command))
        return TRUE;
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_INVALID,
                   "%s: the schema is QEMU %u.%u.%u's but the server is QEMU %u.%u.%u: load its schema again",
                   command, want[0], want[1], want[2], have[0], have[1], have[2]);
      return FALSE;
    }
  return aqmp_schema_validator_check (self, command, arguments, error);
}

/**
 * aqmp_schema_validator_attach:
 * @self: an #AqmpSchemaValidator
 * @client: an #AqmpClient
 *
 * Makes @client check every call with @self before it is queued (see
 * aqmp_client_set_check_func(), which this replaces): a refused call
 * fails with %AQMP_ERROR_INVALID, and nothing of it is written. When the
 * schema records its server's version (aqmp_schema_load_async() does) and
 * @client turns out to be connected to another version, calls are refused
 * until a schema of the new server is attached; only `query-qmp-schema`
 * and `query-commands` go through, so that the new schema can be loaded.
 * The client keeps a reference to @self.
 *
 * Since: 0.1
 */
void
aqmp_schema_validator_attach (AqmpSchemaValidator *self, AqmpClient *client)
{
  g_return_if_fail (AQMP_IS_SCHEMA_VALIDATOR (self));
  g_return_if_fail (AQMP_IS_CLIENT (client));

  aqmp_client_set_check_func (client, aqmp_schema_validator_client_check, g_object_ref (self), g_object_unref);
}

/**
 * aqmp_schema_validator_detach:
 * @client: an #AqmpClient
 *
 * Turns @client's check off: calls go unchecked again.
 *
 * Since: 0.1
 */
void
aqmp_schema_validator_detach (AqmpClient *client)
{
  g_return_if_fail (AQMP_IS_CLIENT (client));

  aqmp_client_set_check_func (client, NULL, NULL, NULL);
}
