/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* what a type is, for the generic code below: each generated type has one
 * static description, and all reading, writing, copying and freeing goes
 * through these few functions */
typedef enum {
  QMP_INT, QMP_BOOL, QMP_NUMBER, QMP_STR, QMP_ANY, QMP_ENUM, QMP_OBJECT,
  QMP_ALTERNATE, QMP_ARRAY,
} QmpKind;

typedef struct _QmpType QmpType;

typedef struct {
  const gchar *name;
  const QmpType *type;
  guint16 offset;
  gint16 has_offset;                    /* -1: none */
  guint8 optional;
} QmpMember;

typedef struct {
  gint tag;
  guint offset;
  const QmpType *type;
} QmpVariant;

typedef struct {
  @P@AlternateKind kind;
  guint offset;
  const QmpType *type;
} QmpBranch;

/* items: an object's QmpMember[], an alternate's QmpBranch[], an enum's
 * GEnumValue[] or an array's element QmpType */
struct _QmpType {
  const gchar *name;
  gconstpointer items;
  const QmpVariant *variants;           /* unions */
  GDestroyNotify free_func;             /* pointer kinds */
  guint32 size;                         /* of the struct, or an element */
  gint32 tag_offset;                    /* unions: the tag's field */
  guint16 n_items;
  guint16 n_variants;
  guint8 kind;
};

#define QMP_MEMBERS(type) ((const QmpMember *) (type)->items)
#define QMP_BRANCHES(type) ((const QmpBranch *) (type)->items)
#define QMP_VALUES(type) ((const GEnumValue *) (type)->items)
#define QMP_ELEMENT(type) ((const QmpType *) (type)->items)

static const QmpType qmp_int_info = { "int", .size = sizeof (gint64), .kind = QMP_INT };
static const QmpType qmp_bool_info = { "bool", .size = sizeof (gboolean), .kind = QMP_BOOL };
static const QmpType qmp_number_info = { "number", .size = sizeof (gdouble), .kind = QMP_NUMBER };
static const QmpType qmp_str_info = { "str", .free_func = g_free, .size = sizeof (gpointer),
                                      .kind = QMP_STR };
static const QmpType qmp_any_info = { "any", .free_func = (GDestroyNotify) json_node_unref,
                                      .size = sizeof (gpointer), .kind = QMP_ANY };

static gboolean qmp_read (const QmpType *type, JsonNode *node, gpointer field,
                          const gchar *what, GError **error);
static JsonNode *qmp_write (const QmpType *type, gconstpointer field);
static void qmp_clear (const QmpType *type, gpointer field);

#define QMP_AT(base, offset) ((gpointer) ((guint8 *) (base) + (offset)))
#define QMP_AT_CONST(base, offset) ((gconstpointer) ((const guint8 *) (base) + (offset)))

static gboolean
qmp_is_scalar (const QmpType *type)
{
  return type->kind <= QMP_NUMBER || type->kind == QMP_ENUM;
}

static gboolean
qmp_wrong (const QmpType *type, const gchar *what, GError **error)
{
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
               "QEMU sent '%s' that is not a valid %s (this layer follows QEMU @V@'s schema)",
               what, type->name);
  return FALSE;
}

static const gchar *
qmp_enum_nick (const QmpType *type, gint value)
{
  if (value < 0 || (guint) value >= type->n_items)
    return "";
  return QMP_VALUES (type)[value].value_nick;
}

static gboolean
qmp_enum_read (const QmpType *type, JsonNode *node, gint *out, const gchar *what, GError **error)
{
  const gchar *nick;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return qmp_wrong (type, what, error);
  nick = json_node_get_string (node);
  for (guint i = 0; i < type->n_items; i++)
    {
      if (strcmp (QMP_VALUES (type)[i].value_nick, nick) == 0)
        {
          *out = (gint) i;
          return TRUE;
        }
    }
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
               "QEMU sent '%s' for '%s', which %s of QEMU @V@ does not have",
               nick, what, type->name);
  return FALSE;
}

static void
qmp_object_write (const QmpType *type, gconstpointer self, JsonObject *out)
{
  for (guint i = 0; i < type->n_items; i++)
    {
      const QmpMember *m = &QMP_MEMBERS (type)[i];
      gconstpointer field = QMP_AT_CONST (self, m->offset);

      if (m->has_offset >= 0 && !*(const gboolean *) QMP_AT_CONST (self, m->has_offset))
        continue;
      if (!qmp_is_scalar (m->type) && *(const gconstpointer *) field == NULL)
        continue;
      json_object_set_member (out, m->name, qmp_write (m->type, field));
    }
  if (type->n_variants == 0)
    return;
  for (guint i = 0; i < type->n_variants; i++)
    {
      const QmpVariant *v = &type->variants[i];
      gconstpointer branch = *(const gconstpointer *) QMP_AT_CONST (self, v->offset);

      if (v->tag == *(const gint *) QMP_AT_CONST (self, type->tag_offset) && branch != NULL)
        qmp_object_write (v->type, branch, out);
    }
}

static gboolean
qmp_object_read (const QmpType *type, gpointer self, JsonObject *in, GError **error)
{
  for (guint i = 0; i < type->n_items; i++)
    {
      const QmpMember *m = &QMP_MEMBERS (type)[i];
      JsonNode *node = json_object_get_member (in, m->name);

      if (node == NULL)
        {
          if (m->optional)
            continue;
          g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                       "QEMU left out '%s' of %s (this layer follows QEMU @V@'s schema)",
                       m->name, type->name);
          return FALSE;
        }
      if (!qmp_read (m->type, node, QMP_AT (self, m->offset), m->name, error))
        return FALSE;
      if (m->has_offset >= 0)
        *(gboolean *) QMP_AT (self, m->has_offset) = TRUE;
    }
  for (guint i = 0; i < type->n_variants; i++)
    {
      const QmpVariant *v = &type->variants[i];
      gpointer *branch = QMP_AT (self, v->offset);

      if (v->tag != *(gint *) QMP_AT (self, type->tag_offset))
        continue;
      *branch = g_malloc0 (v->type->size);
      return qmp_object_read (v->type, *branch, in, error);
    }
  return TRUE;
}

static void
qmp_object_clear (const QmpType *type, gpointer self)
{
  for (guint i = 0; i < type->n_items; i++)
    qmp_clear (QMP_MEMBERS (type)[i].type, QMP_AT (self, QMP_MEMBERS (type)[i].offset));
  for (guint i = 0; i < type->n_variants; i++)
    {
      gpointer *branch = QMP_AT (self, type->variants[i].offset);

      if (*branch != NULL)
        {
          qmp_object_clear (type->variants[i].type, *branch);
          g_clear_pointer (branch, g_free);
        }
    }
}

static void
qmp_boxed_free (const QmpType *type, gpointer self)
{
  if (self == NULL)
    return;
  if (type->kind == QMP_OBJECT)
    qmp_object_clear (type, self);
  else
    for (guint i = 0; i < type->n_items; i++)
      if (QMP_BRANCHES (type)[i].type != NULL)
        qmp_clear (QMP_BRANCHES (type)[i].type, QMP_AT (self, QMP_BRANCHES (type)[i].offset));
  g_free (self);
}

static gpointer
qmp_boxed_copy (const QmpType *type, gconstpointer self)
{
  g_autoptr(JsonNode) node = NULL;
  gpointer copy = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  node = qmp_write (type, &self);
  /* a copy of an incomplete value is as incomplete */
  if (!qmp_read (type, node, &copy, type->name, NULL) && copy == NULL)
    copy = g_malloc0 (type->size);
  return copy;
}

static JsonNode *
qmp_take_object (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

static JsonNode *
qmp_alternate_write (const QmpType *type, gconstpointer self)
{
  @P@AlternateKind kind = *(const @P@AlternateKind *) self;

  for (guint i = 0; i < type->n_items; i++)
    {
      if (QMP_BRANCHES (type)[i].kind == kind && QMP_BRANCHES (type)[i].type != NULL)
        return qmp_write (QMP_BRANCHES (type)[i].type, QMP_AT_CONST (self, QMP_BRANCHES (type)[i].offset));
    }
  return json_node_init_null (json_node_alloc ());
}

static @P@AlternateKind
qmp_alternate_kind_of (JsonNode *node, const QmpType *type)
{
  GType value_type;
  gboolean has_number = FALSE;

  if (JSON_NODE_HOLDS_NULL (node))
    return @U@_ALTERNATE_KIND_NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    return @U@_ALTERNATE_KIND_OBJECT;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return @U@_ALTERNATE_KIND_NONE;
  value_type = json_node_get_value_type (node);
  for (guint i = 0; i < type->n_items; i++)
    {
      if (value_type == G_TYPE_STRING && (QMP_BRANCHES (type)[i].kind == @U@_ALTERNATE_KIND_STRING ||
                                          QMP_BRANCHES (type)[i].kind == @U@_ALTERNATE_KIND_ENUM))
        return QMP_BRANCHES (type)[i].kind;
      has_number |= QMP_BRANCHES (type)[i].kind == @U@_ALTERNATE_KIND_NUMBER;
    }
  if (value_type == G_TYPE_BOOLEAN)
    return @U@_ALTERNATE_KIND_BOOLEAN;
  if (value_type == G_TYPE_INT64)
    return has_number ? @U@_ALTERNATE_KIND_NUMBER : @U@_ALTERNATE_KIND_INTEGER;
  if (value_type == G_TYPE_DOUBLE)
    return @U@_ALTERNATE_KIND_NUMBER;
  return @U@_ALTERNATE_KIND_NONE;
}

static gboolean
qmp_alternate_read (const QmpType *type, JsonNode *node, gpointer self, const gchar *what,
                    GError **error)
{
  @P@AlternateKind kind = qmp_alternate_kind_of (node, type);

  for (guint i = 0; i < type->n_items; i++)
    {
      const QmpBranch *b = &QMP_BRANCHES (type)[i];

      if (b->kind != kind)
        continue;
      *(@P@AlternateKind *) self = kind;
      return b->type == NULL || qmp_read (b->type, node, QMP_AT (self, b->offset), what, error);
    }
  return qmp_wrong (type, what, error);
}

static JsonNode *
qmp_array_write (const QmpType *type, gconstpointer field)
{
  const QmpType *el = QMP_ELEMENT (type);
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_init_array (json_node_alloc (), array);

  json_array_unref (array);
  if (qmp_is_scalar (el))
    {
      const GArray *values = *(GArray * const *) field;

      for (guint i = 0; i < values->len; i++)
        json_array_add_element (array, qmp_write (el, values->data + i * el->size));
    }
  else
    {
      const GPtrArray *values = *(GPtrArray * const *) field;

      for (guint i = 0; i < values->len; i++)
        json_array_add_element (array, qmp_write (el, &values->pdata[i]));
    }
  return node;
}

static gboolean
qmp_array_read (const QmpType *type, JsonNode *node, gpointer field, const gchar *what,
                GError **error)
{
  const QmpType *el = QMP_ELEMENT (type);
  JsonArray *array;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return qmp_wrong (type, what, error);
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (qmp_is_scalar (el))
    {
      GArray *values = g_array_sized_new (FALSE, TRUE, el->size, n);

      *(GArray **) field = values;
      g_array_set_size (values, n);
      for (guint i = 0; i < n; i++)
        if (!qmp_read (el, json_array_get_element (array, i), values->data + i * el->size,
                       what, error))
          return FALSE;
    }
  else
    {
      GPtrArray *values = g_ptr_array_new_full (n, el->free_func);

      *(GPtrArray **) field = values;
      for (guint i = 0; i < n; i++)
        {
          gpointer element = NULL;
          gboolean ok = qmp_read (el, json_array_get_element (array, i), &element, what, error);

          if (element != NULL)
            g_ptr_array_add (values, element);
          if (!ok)
            return FALSE;
        }
    }
  return TRUE;
}

static JsonNode *
qmp_write (const QmpType *type, gconstpointer field)
{
  switch (type->kind)
    {
    case QMP_INT:
      return json_node_init_int (json_node_alloc (), *(const gint64 *) field);
    case QMP_BOOL:
      return json_node_init_boolean (json_node_alloc (), *(const gboolean *) field);
    case QMP_NUMBER:
      return json_node_init_double (json_node_alloc (), *(const gdouble *) field);
    case QMP_STR:
      return json_node_init_string (json_node_alloc (), *(const gchar * const *) field);
    case QMP_ANY:
      return json_node_copy (*(JsonNode * const *) field);
    case QMP_ENUM:
      return json_node_init_string (json_node_alloc (), qmp_enum_nick (type, *(const gint *) field));
    case QMP_OBJECT:
      {
        JsonObject *object = json_object_new ();

        qmp_object_write (type, *(const gconstpointer *) field, object);
        return qmp_take_object (object);
      }
    case QMP_ALTERNATE:
      return qmp_alternate_write (type, *(const gconstpointer *) field);
    case QMP_ARRAY:
      return qmp_array_write (type, field);
    }
  g_return_val_if_reached (NULL);
}

static gboolean
qmp_read_value (const QmpType *type, JsonNode *node, gpointer field, const gchar *what,
                GError **error)
{
  GType value_type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return qmp_wrong (type, what, error);
  value_type = json_node_get_value_type (node);
  switch (type->kind)
    {
    case QMP_INT:
      if (value_type != G_TYPE_INT64)
        return qmp_wrong (type, what, error);
      *(gint64 *) field = json_node_get_int (node);
      return TRUE;
    case QMP_BOOL:
      if (value_type != G_TYPE_BOOLEAN)
        return qmp_wrong (type, what, error);
      *(gboolean *) field = json_node_get_boolean (node);
      return TRUE;
    case QMP_NUMBER:
      if (value_type != G_TYPE_DOUBLE && value_type != G_TYPE_INT64)
        return qmp_wrong (type, what, error);
      *(gdouble *) field = json_node_get_double (node);
      return TRUE;
    case QMP_STR:
      if (value_type != G_TYPE_STRING)
        return qmp_wrong (type, what, error);
      g_free (*(gchar **) field);
      *(gchar **) field = json_node_dup_string (node);
      return TRUE;
    default:
      return qmp_enum_read (type, node, field, what, error);
    }
}

static gboolean
qmp_read (const QmpType *type, JsonNode *node, gpointer field, const gchar *what, GError **error)
{
  gpointer *boxed = field;

  switch (type->kind)
    {
    case QMP_ANY:
      *(JsonNode **) field = json_node_copy (node);
      return TRUE;
    case QMP_OBJECT:
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return qmp_wrong (type, what, error);
      *boxed = g_malloc0 (type->size);
      return qmp_object_read (type, *boxed, json_node_get_object (node), error);
    case QMP_ALTERNATE:
      *boxed = g_malloc0 (type->size);
      return qmp_alternate_read (type, node, *boxed, what, error);
    case QMP_ARRAY:
      return qmp_array_read (type, node, field, what, error);
    default:
      return qmp_read_value (type, node, field, what, error);
    }
}

static void
qmp_clear (const QmpType *type, gpointer field)
{
  gpointer *pointer = field;

  if (qmp_is_scalar (type) || *pointer == NULL)
    return;
  switch (type->kind)
    {
    case QMP_OBJECT:
    case QMP_ALTERNATE:
      qmp_boxed_free (type, *pointer);
      *pointer = NULL;
      return;
    case QMP_ARRAY:
      if (qmp_is_scalar (QMP_ELEMENT (type)))
        g_clear_pointer ((GArray **) field, g_array_unref);
      else
        g_clear_pointer ((GPtrArray **) field, g_ptr_array_unref);
      return;
    default:
      g_clear_pointer (pointer, type->free_func);
    }
}
