/* perito._fastrecords: records set through their slots, compiled.
 *
 * `records.assembler` and `artifacts.base.row_mapper` build a frozen slots dataclass by
 * creating the object and setting each slot (what its `__init__` does, without keyword
 * parsing). These do the same in C: `assembler(cls, slots)` takes the values in slot order,
 * `row_builder(cls, presets, steps)` takes a database row, sets the preset values and, per
 * step, the row's value at a position, converted by a callable when there is one (`str`
 * standing for a text field's conversion: bytes read as UTF-8, errors replaced). The values
 * are Python objects SQLite or a decoder already made; nothing here reads evidence bytes.
 * The tests compare the records with those the Python builders make.
 *
 * Optional: where it cannot be built, the Python builders run.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int
set_slot(PyObject *descriptor, PyObject *record, PyObject *value)
{
    return Py_TYPE(descriptor)->tp_descr_set(descriptor, record, value);
}

static int
check_descriptors(PyObject *descriptors, Py_ssize_t item)
{
    /* `descriptors`: a tuple of slot descriptors (item < 0), or of tuples whose element
     * `item` is one. */
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(descriptors); k++) {
        PyObject *entry = PyTuple_GET_ITEM(descriptors, k);
        if (item >= 0) {
            if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) <= item) {
                PyErr_SetString(PyExc_TypeError, "a step or preset is not a tuple");
                return -1;
            }
            entry = PyTuple_GET_ITEM(entry, item);
        }
        if (Py_TYPE(entry)->tp_descr_set == NULL) {
            PyErr_SetString(PyExc_TypeError, "not a data descriptor (a slot)");
            return -1;
        }
    }
    return 0;
}

/* -- assembler: values in slot order ------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    PyTypeObject *cls;
    PyObject *slots; /* tuple of member descriptors */
} Assembler;

static int
assembler_traverse(Assembler *self, visitproc visit, void *arg)
{
    Py_VISIT(self->cls);
    Py_VISIT(self->slots);
    return 0;
}

static int
assembler_clear(Assembler *self)
{
    Py_CLEAR(self->cls);
    Py_CLEAR(self->slots);
    return 0;
}

static void
assembler_dealloc(Assembler *self)
{
    PyObject_GC_UnTrack(self);
    assembler_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
assembler_call(Assembler *self, PyObject *args, PyObject *kwargs)
{
    PyObject *values;
    if ((kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0)
        || !PyArg_UnpackTuple(args, "assemble", 1, 1, &values)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "assemble takes one tuple of values");
        }
        return NULL;
    }
    if (!PyTuple_Check(values)) {
        PyErr_SetString(PyExc_TypeError, "assemble takes a tuple of values");
        return NULL;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(self->slots);
    if (PyTuple_GET_SIZE(values) != count) {
        PyErr_Format(PyExc_ValueError, "%zd values for %zd fields", PyTuple_GET_SIZE(values),
                     count);
        return NULL;
    }
    PyObject *record = self->cls->tp_alloc(self->cls, 0);
    if (record == NULL) {
        return NULL;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        if (set_slot(PyTuple_GET_ITEM(self->slots, k), record, PyTuple_GET_ITEM(values, k))
            < 0) {
            Py_DECREF(record);
            return NULL;
        }
    }
    return record;
}

static PyTypeObject AssemblerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "perito._fastrecords.Assembler",
    .tp_basicsize = sizeof(Assembler),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "A record from its values in slot order (see perito.records.assembler).",
    .tp_traverse = (traverseproc)assembler_traverse,
    .tp_clear = (inquiry)assembler_clear,
    .tp_dealloc = (destructor)assembler_dealloc,
    .tp_call = (ternaryfunc)assembler_call,
};

static PyObject *
make_assembler(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *cls, *slots;
    if (!PyArg_ParseTuple(args, "O!O!:assembler", &PyType_Type, &cls, &PyTuple_Type, &slots)
        || check_descriptors(slots, -1) < 0) {
        return NULL;
    }
    Assembler *self = PyObject_GC_New(Assembler, &AssemblerType);
    if (self == NULL) {
        return NULL;
    }
    self->cls = (PyTypeObject *)Py_NewRef(cls);
    self->slots = Py_NewRef(slots);
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

/* -- row builder: presets, then row values by position ------------------------------------ */

typedef struct {
    PyObject_HEAD
    PyTypeObject *cls;
    PyObject *presets; /* tuple of (descriptor, value) */
    PyObject *steps;   /* tuple of (descriptor, position, convert or None) */
    Py_ssize_t *positions;
} RowBuilder;

static int
builder_traverse(RowBuilder *self, visitproc visit, void *arg)
{
    Py_VISIT(self->cls);
    Py_VISIT(self->presets);
    Py_VISIT(self->steps);
    return 0;
}

static int
builder_clear(RowBuilder *self)
{
    Py_CLEAR(self->cls);
    Py_CLEAR(self->presets);
    Py_CLEAR(self->steps);
    return 0;
}

static void
builder_dealloc(RowBuilder *self)
{
    PyObject_GC_UnTrack(self);
    builder_clear(self);
    PyMem_Free(self->positions);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
builder_call(RowBuilder *self, PyObject *args, PyObject *kwargs)
{
    PyObject *row;
    if ((kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0)
        || !PyArg_UnpackTuple(args, "build", 1, 1, &row)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "build takes one row");
        }
        return NULL;
    }
    int plain = PyTuple_CheckExact(row);
    PyObject *record = self->cls->tp_alloc(self->cls, 0);
    if (record == NULL) {
        return NULL;
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(self->presets); k++) {
        PyObject *preset = PyTuple_GET_ITEM(self->presets, k);
        if (set_slot(PyTuple_GET_ITEM(preset, 0), record, PyTuple_GET_ITEM(preset, 1)) < 0) {
            goto failed;
        }
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(self->steps); k++) {
        PyObject *step = PyTuple_GET_ITEM(self->steps, k);
        Py_ssize_t position = self->positions[k];
        PyObject *item;
        if (plain) {
            if (position >= PyTuple_GET_SIZE(row)) {
                PyErr_SetString(PyExc_IndexError, "tuple index out of range");
                goto failed;
            }
            item = Py_NewRef(PyTuple_GET_ITEM(row, position));
        }
        else {
            item = PySequence_GetItem(row, position);
            if (item == NULL) {
                goto failed;
            }
        }
        PyObject *convert = PyTuple_GET_ITEM(step, 2);
        PyObject *value;
        if (convert == Py_None) {
            value = item;
        }
        else if (convert == (PyObject *)&PyUnicode_Type) {
            /* a text field: bytes read as UTF-8 (errors replaced), anything else as it is */
            value = PyBytes_CheckExact(item)
                ? PyUnicode_DecodeUTF8(PyBytes_AS_STRING(item), PyBytes_GET_SIZE(item),
                                       "replace")
                : Py_NewRef(item);
            Py_DECREF(item);
        }
        else {
            value = PyObject_CallOneArg(convert, item);
            Py_DECREF(item);
        }
        if (value == NULL) {
            goto failed;
        }
        int result = set_slot(PyTuple_GET_ITEM(step, 0), record, value);
        Py_DECREF(value);
        if (result < 0) {
            goto failed;
        }
    }
    return record;

failed:
    Py_DECREF(record);
    return NULL;
}

static PyTypeObject RowBuilderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "perito._fastrecords.RowBuilder",
    .tp_basicsize = sizeof(RowBuilder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "A record from a database row (see perito.artifacts.base.row_mapper).",
    .tp_traverse = (traverseproc)builder_traverse,
    .tp_clear = (inquiry)builder_clear,
    .tp_dealloc = (destructor)builder_dealloc,
    .tp_call = (ternaryfunc)builder_call,
};

static PyObject *
make_row_builder(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *cls, *presets, *steps;
    if (!PyArg_ParseTuple(args, "O!O!O!:row_builder", &PyType_Type, &cls, &PyTuple_Type,
                          &presets, &PyTuple_Type, &steps)
        || check_descriptors(presets, 0) < 0 || check_descriptors(steps, 0) < 0) {
        return NULL;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(steps);
    Py_ssize_t *positions = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(count ? count : 1));
    if (positions == NULL) {
        return PyErr_NoMemory();
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *step = PyTuple_GET_ITEM(steps, k);
        PyObject *position = PyTuple_GET_SIZE(step) == 3 ? PyTuple_GET_ITEM(step, 1) : NULL;
        positions[k] = position != NULL ? PyLong_AsSsize_t(position) : -1;
        if (positions[k] < 0 || (PyTuple_GET_ITEM(step, 2) != Py_None
                                 && !PyCallable_Check(PyTuple_GET_ITEM(step, 2)))) {
            PyMem_Free(positions);
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError,
                                "a step is (slot, position >= 0, callable or None)");
            }
            return NULL;
        }
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(presets); k++) {
        if (PyTuple_GET_SIZE(PyTuple_GET_ITEM(presets, k)) != 2) {
            PyMem_Free(positions);
            PyErr_SetString(PyExc_ValueError, "a preset is (slot, value)");
            return NULL;
        }
    }
    RowBuilder *self = PyObject_GC_New(RowBuilder, &RowBuilderType);
    if (self == NULL) {
        PyMem_Free(positions);
        return NULL;
    }
    self->cls = (PyTypeObject *)Py_NewRef(cls);
    self->presets = Py_NewRef(presets);
    self->steps = Py_NewRef(steps);
    self->positions = positions;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

/* -- dict maker: a record as its JSONL line's dict ----------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *name;      /* the record type's name, the value of `record_type` */
    PyObject *plan;      /* tuple of (key, slot, is_time) */
    PyObject *stamp;     /* Timestamp */
    PyObject *stamp_slots; /* tuple of (key, slot) of Timestamp's five fields */
} DictMaker;

static PyObject *str_record_type;

static int
maker_traverse(DictMaker *self, visitproc visit, void *arg)
{
    Py_VISIT(self->name);
    Py_VISIT(self->plan);
    Py_VISIT(self->stamp);
    Py_VISIT(self->stamp_slots);
    return 0;
}

static int
maker_clear(DictMaker *self)
{
    Py_CLEAR(self->name);
    Py_CLEAR(self->plan);
    Py_CLEAR(self->stamp);
    Py_CLEAR(self->stamp_slots);
    return 0;
}

static void
maker_dealloc(DictMaker *self)
{
    PyObject_GC_UnTrack(self);
    maker_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
get_slot(PyObject *descriptor, PyObject *object)
{
    return Py_TYPE(descriptor)->tp_descr_get(descriptor, object, (PyObject *)Py_TYPE(object));
}

static PyObject *
stamp_dict(DictMaker *self, PyObject *stamp)
{
    PyObject *out = PyDict_New();
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(self->stamp_slots); k++) {
        PyObject *pair = PyTuple_GET_ITEM(self->stamp_slots, k);
        PyObject *value = get_slot(PyTuple_GET_ITEM(pair, 1), stamp);
        if (value == NULL || PyDict_SetItem(out, PyTuple_GET_ITEM(pair, 0), value) < 0) {
            Py_XDECREF(value);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(value);
    }
    return out;
}

static PyObject *
make_dict(DictMaker *self, PyObject *record)
{
    PyObject *out = PyDict_New();
    if (out == NULL || PyDict_SetItem(out, str_record_type, self->name) < 0) {
        Py_XDECREF(out);
        return NULL;
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(self->plan); k++) {
        PyObject *step = PyTuple_GET_ITEM(self->plan, k);
        PyObject *value = get_slot(PyTuple_GET_ITEM(step, 1), record);
        if (value == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        if (PyTuple_GET_ITEM(step, 2) == Py_True && (PyObject *)Py_TYPE(value) == self->stamp) {
            PyObject *inner = stamp_dict(self, value);
            Py_DECREF(value);
            value = inner;
            if (value == NULL) {
                Py_DECREF(out);
                return NULL;
            }
        }
        int failed = PyDict_SetItem(out, PyTuple_GET_ITEM(step, 0), value);
        Py_DECREF(value);
        if (failed) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

static PyObject *
maker_call(DictMaker *self, PyObject *args, PyObject *kwargs)
{
    PyObject *record;
    if ((kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0)
        || !PyArg_UnpackTuple(args, "as_dict", 1, 1, &record)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "as_dict takes one record");
        }
        return NULL;
    }
    return make_dict(self, record);
}

static PyTypeObject DictMakerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "perito._fastrecords.DictMaker",
    .tp_basicsize = sizeof(DictMaker),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "A record as its JSONL line's dict (see perito.output.record_dicts).",
    .tp_traverse = (traverseproc)maker_traverse,
    .tp_clear = (inquiry)maker_clear,
    .tp_dealloc = (destructor)maker_dealloc,
    .tp_call = (ternaryfunc)maker_call,
};

static int
check_pairs(PyObject *pairs, Py_ssize_t size, Py_ssize_t slot)
{
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(pairs); k++) {
        PyObject *entry = PyTuple_GET_ITEM(pairs, k);
        if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != size
            || !PyUnicode_Check(PyTuple_GET_ITEM(entry, 0))
            || Py_TYPE(PyTuple_GET_ITEM(entry, slot))->tp_descr_get == NULL) {
            PyErr_SetString(PyExc_TypeError, "a plan entry is (key, slot[, is_time])");
            return -1;
        }
    }
    return 0;
}

static PyObject *
make_dict_maker(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *name, *plan, *stamp, *stamp_slots;
    if (!PyArg_ParseTuple(args, "UO!O!O!:dict_maker", &name, &PyTuple_Type, &plan,
                          &PyType_Type, &stamp, &PyTuple_Type, &stamp_slots)
        || check_pairs(plan, 3, 1) < 0 || check_pairs(stamp_slots, 2, 1) < 0) {
        return NULL;
    }
    DictMaker *self = PyObject_GC_New(DictMaker, &DictMakerType);
    if (self == NULL) {
        return NULL;
    }
    self->name = Py_NewRef(name);
    self->plan = Py_NewRef(plan);
    self->stamp = Py_NewRef(stamp);
    self->stamp_slots = Py_NewRef(stamp_slots);
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

/* dicts(records, makers, maker): each record's dict, by `makers[type(record)]` (a DictMaker
 * or any callable), found or made by `maker(type)` when the type is new. */
static PyObject *
dicts(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *records, *makers, *maker;
    if (!PyArg_ParseTuple(args, "O!O!O:dicts", &PyList_Type, &records, &PyDict_Type, &makers,
                          &maker)) {
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(records);
    PyObject *out = PyList_New(count);
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *record = PyList_GET_ITEM(records, k);
        PyObject *kind = (PyObject *)Py_TYPE(record);
        PyObject *found = PyDict_GetItemWithError(makers, kind);
        PyObject *made = NULL;
        if (found == NULL) {
            if (PyErr_Occurred() || (made = PyObject_CallOneArg(maker, kind)) == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            found = made;
        }
        PyObject *value = Py_TYPE(found) == &DictMakerType
            ? make_dict((DictMaker *)found, record) : PyObject_CallOneArg(found, record);
        Py_XDECREF(made);
        if (value == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, k, value);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"dict_maker", make_dict_maker, METH_VARARGS,
     "dict_maker(name, plan, Timestamp, stamp_slots): a record as its line's dict: "
     "record_type, then per (key, slot, is_time) its value, a Timestamp as the dict of its "
     "slots (key, slot)."},
    {"dicts", dicts, METH_VARARGS,
     "dicts(records, makers, maker): each record's dict by makers[type(record)] (made by "
     "maker(type) when missing)."},
    {"assembler", make_assembler, METH_VARARGS,
     "assembler(cls, slots): a function of a tuple of values in slot order, setting each."},
    {"row_builder", make_row_builder, METH_VARARGS,
     "row_builder(cls, presets, steps): a function of a row: presets (slot, value), then "
     "steps (slot, position, convert or None)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "perito._fastrecords",
    .m_doc = "Records set through their slots, compiled (optional).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__fastrecords(void)
{
    str_record_type = PyUnicode_InternFromString("record_type");
    if (str_record_type == NULL || PyType_Ready(&AssemblerType) < 0
        || PyType_Ready(&RowBuilderType) < 0 || PyType_Ready(&DictMakerType) < 0) {
        return NULL;
    }
    return PyModule_Create(&module);
}
