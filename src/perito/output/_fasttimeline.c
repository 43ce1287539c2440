/* perito.output._fasttimeline: `Timeline.add`, compiled.
 *
 * One event per distinct time of a record: its set times (a `Timestamp` whose state is ok)
 * by their timeline fields, equal times sharing one event whose labels are joined with
 * " / ", each event the tuple (ns, plugin, label, description, source, artifact, utc). A
 * device-local time of unknown zone has its label changed by the Python `local_label`;
 * the description is the record's own `describe()`. What the Python method does, without
 * its per-field bytecode; the tests compare both on records of every type.
 *
 * Optional: where it cannot be built, the Python method runs.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *str_state, *str_ns, *str_utc, *str_encoding, *str_source, *str_describe,
    *str_joiner;

typedef struct {
    PyObject *stamp_type, *ok, *local_text, *local_label;
} Kinds;

/* The record's field `name` when it is a set Timestamp (new reference), else NULL without
 * an exception. */
static PyObject *
set_stamp(PyObject *record, PyObject *name, const Kinds *kinds)
{
    PyObject *stamp = PyObject_GetAttr(record, name);
    if (stamp == NULL) {
        return NULL;
    }
    if ((PyObject *)Py_TYPE(stamp) != kinds->stamp_type) {
        Py_DECREF(stamp);
        return NULL;
    }
    PyObject *state = PyObject_GetAttr(stamp, str_state);
    if (state == NULL) {
        Py_DECREF(stamp);
        return NULL;
    }
    int ok = state == kinds->ok;
    Py_DECREF(state);
    if (!ok) {
        Py_DECREF(stamp);
        return NULL;
    }
    return stamp;
}

/* The stamp's label: `label`, or `local_label(label, stamp)` for a device-local time. */
static PyObject *
label_of(PyObject *label, PyObject *stamp, const Kinds *kinds)
{
    PyObject *encoding = PyObject_GetAttr(stamp, str_encoding);
    if (encoding == NULL) {
        return NULL;
    }
    int local = encoding == kinds->local_text;
    Py_DECREF(encoding);
    if (!local) {
        return Py_NewRef(label);
    }
    return PyObject_CallFunctionObjArgs(kinds->local_label, label, stamp, NULL);
}

static int
append_event(PyObject *events, PyObject *ns, PyObject *plugin, PyObject *label,
             PyObject *description, PyObject *source, PyObject *artifact, PyObject *utc)
{
    if (ns == Py_None) {
        PyErr_SetString(PyExc_AssertionError, "a set time without nanoseconds");
        return -1;
    }
    PyObject *event = PyTuple_Pack(7, ns, plugin, label, description, source, artifact, utc);
    if (event == NULL) {
        return -1;
    }
    int result = PyList_Append(events, event);
    Py_DECREF(event);
    return result;
}

static PyObject *
add(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *events, *record, *fields, *artifact, *plugin;
    Kinds kinds;
    if (!PyArg_ParseTuple(args, "O!OO!OOOOOO:add", &PyList_Type, &events, &record,
                          &PyTuple_Type, &fields, &artifact, &plugin, &kinds.stamp_type,
                          &kinds.ok, &kinds.local_text, &kinds.local_label)) {
        return NULL;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(fields);
    PyObject *found = PyList_New(0); /* (label, stamp) of the set times, in field order */
    if (found == NULL) {
        return NULL;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *pair = PyTuple_GET_ITEM(fields, k);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "fields are (name, label) pairs");
            goto failed;
        }
        PyObject *stamp = set_stamp(record, PyTuple_GET_ITEM(pair, 0), &kinds);
        if (stamp == NULL) {
            if (PyErr_Occurred()) {
                goto failed;
            }
            continue;
        }
        PyObject *label = label_of(PyTuple_GET_ITEM(pair, 1), stamp, &kinds);
        PyObject *item = label ? PyTuple_Pack(2, label, stamp) : NULL;
        Py_XDECREF(label);
        Py_DECREF(stamp);
        if (item == NULL || PyList_Append(found, item) < 0) {
            Py_XDECREF(item);
            goto failed;
        }
        Py_DECREF(item);
    }
    Py_ssize_t set = PyList_GET_SIZE(found);
    if (set == 0) {
        Py_DECREF(found);
        Py_RETURN_NONE;
    }
    PyObject *description = PyObject_CallMethodNoArgs(record, str_describe);
    PyObject *source = description ? PyObject_GetAttr(record, str_source) : NULL;
    if (source == NULL) {
        Py_XDECREF(description);
        goto failed;
    }
    int failed = 0;
    if (set == 1) {
        PyObject *item = PyList_GET_ITEM(found, 0);
        PyObject *stamp = PyTuple_GET_ITEM(item, 1);
        PyObject *ns = PyObject_GetAttr(stamp, str_ns);
        PyObject *utc = ns ? PyObject_GetAttr(stamp, str_utc) : NULL;
        failed = utc == NULL || append_event(events, ns, plugin, PyTuple_GET_ITEM(item, 0),
                                             description, source, artifact, utc) < 0;
        Py_XDECREF(ns);
        Py_XDECREF(utc);
    }
    else {
        /* ns -> [labels list, utc], in the order the times come */
        PyObject *by_time = PyDict_New();
        failed = by_time == NULL;
        for (Py_ssize_t k = 0; k < set && !failed; k++) {
            PyObject *item = PyList_GET_ITEM(found, k);
            PyObject *stamp = PyTuple_GET_ITEM(item, 1);
            PyObject *ns = PyObject_GetAttr(stamp, str_ns);
            PyObject *entry = ns ? PyDict_GetItemWithError(by_time, ns) : NULL;
            if (ns == NULL || (entry == NULL && PyErr_Occurred())) {
                Py_XDECREF(ns);
                failed = 1;
                break;
            }
            if (entry == NULL) {
                PyObject *utc = PyObject_GetAttr(stamp, str_utc);
                PyObject *labels = utc ? PyList_New(0) : NULL;
                PyObject *fresh = labels ? PyList_New(2) : NULL;
                if (fresh == NULL) {
                    Py_XDECREF(utc);
                    Py_XDECREF(labels);
                    Py_DECREF(ns);
                    failed = 1;
                    break;
                }
                PyList_SET_ITEM(fresh, 0, labels);
                PyList_SET_ITEM(fresh, 1, utc);
                failed = PyDict_SetItem(by_time, ns, fresh) < 0;
                entry = fresh;
                Py_DECREF(fresh); /* the dict holds it */
            }
            failed = failed || PyList_Append(PyList_GET_ITEM(entry, 0),
                                             PyTuple_GET_ITEM(item, 0)) < 0;
            Py_DECREF(ns);
        }
        PyObject *ns, *entry;
        Py_ssize_t position = 0;
        while (!failed && PyDict_Next(by_time, &position, &ns, &entry)) {
            PyObject *label = PyUnicode_Join(str_joiner, PyList_GET_ITEM(entry, 0));
            failed = label == NULL || append_event(events, ns, plugin, label, description,
                                                   source, artifact,
                                                   PyList_GET_ITEM(entry, 1)) < 0;
            Py_XDECREF(label);
        }
        Py_XDECREF(by_time);
    }
    Py_DECREF(description);
    Py_DECREF(source);
    Py_DECREF(found);
    if (failed) {
        return NULL;
    }
    Py_RETURN_NONE;

failed:
    Py_DECREF(found);
    return NULL;
}

static PyObject *key_message, *key_datetime, *key_timestamp, *key_desc, *key_artifact,
    *key_plugin, *key_source_file, *thousand;

/* The Timesketch line dicts of timeline items (tuples whose first seven fields are an
 * event's: ns, plugin, label, description, source, artifact, utc). */
static PyObject *
jsonl_objects(PyObject *Py_UNUSED(module), PyObject *items)
{
    PyObject *sequence = PySequence_Fast(items, "jsonl_objects takes a sequence of events");
    if (sequence == NULL) {
        return NULL;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(sequence);
    PyObject *out = PyList_New(count);
    if (out == NULL) {
        Py_DECREF(sequence);
        return NULL;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *event = PySequence_Fast_GET_ITEM(sequence, k);
        if (!PyTuple_Check(event) || PyTuple_GET_SIZE(event) < 7) {
            PyErr_SetString(PyExc_TypeError, "an event is a tuple of at least seven fields");
            goto failed;
        }
        PyObject *micros = PyNumber_FloorDivide(PyTuple_GET_ITEM(event, 0), thousand);
        PyObject *line = micros ? PyDict_New() : NULL;
        if (line == NULL
            || PyDict_SetItem(line, key_message, PyTuple_GET_ITEM(event, 3)) < 0
            || PyDict_SetItem(line, key_datetime, PyTuple_GET_ITEM(event, 6)) < 0
            || PyDict_SetItem(line, key_timestamp, micros) < 0
            || PyDict_SetItem(line, key_desc, PyTuple_GET_ITEM(event, 2)) < 0
            || PyDict_SetItem(line, key_artifact, PyTuple_GET_ITEM(event, 5)) < 0
            || PyDict_SetItem(line, key_plugin, PyTuple_GET_ITEM(event, 1)) < 0
            || PyDict_SetItem(line, key_source_file, PyTuple_GET_ITEM(event, 4)) < 0) {
            Py_XDECREF(micros);
            Py_XDECREF(line);
            goto failed;
        }
        Py_DECREF(micros);
        PyList_SET_ITEM(out, k, line);
    }
    Py_DECREF(sequence);
    return out;

failed:
    Py_DECREF(sequence);
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"jsonl_objects", jsonl_objects, METH_O,
     "jsonl_objects(events): the Timesketch line dict of each timeline event."},
    {"add", add, METH_VARARGS,
     "add(events, record, fields, artifact, plugin, Timestamp, ok, local_text, local_label): "
     "append the record's timeline events (see perito.output.timeline.Timeline.add)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "perito.output._fasttimeline",
    .m_doc = "Timeline.add, compiled (optional).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__fasttimeline(void)
{
    str_state = PyUnicode_InternFromString("state");
    str_ns = PyUnicode_InternFromString("ns");
    str_utc = PyUnicode_InternFromString("utc");
    str_encoding = PyUnicode_InternFromString("encoding");
    str_source = PyUnicode_InternFromString("source");
    str_describe = PyUnicode_InternFromString("describe");
    str_joiner = PyUnicode_FromString(" / ");
    key_message = PyUnicode_InternFromString("message");
    key_datetime = PyUnicode_InternFromString("datetime");
    key_timestamp = PyUnicode_InternFromString("timestamp");
    key_desc = PyUnicode_InternFromString("timestamp_desc");
    key_artifact = PyUnicode_InternFromString("artifact");
    key_plugin = PyUnicode_InternFromString("plugin");
    key_source_file = PyUnicode_InternFromString("source_file");
    thousand = PyLong_FromLong(1000);
    if (!key_message || !key_datetime || !key_timestamp || !key_desc || !key_artifact
        || !key_plugin || !key_source_file || !thousand) {
        return NULL;
    }
    if (!str_state || !str_ns || !str_utc || !str_encoding || !str_source || !str_describe
        || !str_joiner) {
        return NULL;
    }
    return PyModule_Create(&module);
}
