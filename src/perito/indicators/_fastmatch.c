/* perito.indicators._fastmatch: the loop of `match.match_record`, compiled.
 *
 * For each observable field of a record, each non-empty text value is looked up in the
 * index's memo of values already matched; a value known to match nothing is skipped here,
 * any other goes to the Python `match_value` (which matches, remembers and names the
 * field), and the matches are kept once per (indicator kind, indicator value, observed
 * value), in field order: what the Python loop does, without its per-field bytecode. The
 * tests compare both on every record type.
 *
 * Optional: where it cannot be built, the Python loop runs.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *str_indicator, *str_kind, *str_value, *str_platform, *str_field;

/* Append the matches of `value` (not yet known to match nothing) to `out`, once each. */
static int
add_matches(PyObject *value, PyObject *kind, PyObject *field_name, PyObject *platform,
            PyObject *index, PyObject *match_value, PyObject **seen, PyObject *out)
{
    PyObject *args = PyTuple_Pack(3, index, kind, value);
    PyObject *kwargs = args ? PyDict_New() : NULL;
    if (kwargs == NULL || PyDict_SetItem(kwargs, str_platform, platform) < 0
        || PyDict_SetItem(kwargs, str_field, field_name) < 0) {
        Py_XDECREF(args);
        Py_XDECREF(kwargs);
        return -1;
    }
    PyObject *matches = PyObject_Call(match_value, args, kwargs);
    Py_DECREF(args);
    Py_DECREF(kwargs);
    if (matches == NULL) {
        return -1;
    }
    PyObject *iterator = PyObject_GetIter(matches);
    Py_DECREF(matches);
    if (iterator == NULL) {
        return -1;
    }
    PyObject *match;
    while ((match = PyIter_Next(iterator)) != NULL) {
        PyObject *indicator = PyObject_GetAttr(match, str_indicator);
        PyObject *ikind = indicator ? PyObject_GetAttr(indicator, str_kind) : NULL;
        PyObject *ivalue = ikind ? PyObject_GetAttr(indicator, str_value) : NULL;
        PyObject *key = ivalue ? PyTuple_Pack(3, ikind, ivalue, value) : NULL;
        Py_XDECREF(indicator);
        Py_XDECREF(ikind);
        Py_XDECREF(ivalue);
        if (key == NULL) {
            Py_DECREF(match);
            Py_DECREF(iterator);
            return -1;
        }
        if (*seen == NULL && (*seen = PySet_New(NULL)) == NULL) {
            Py_DECREF(key);
            Py_DECREF(match);
            Py_DECREF(iterator);
            return -1;
        }
        int known = PySet_Contains(*seen, key);
        int failed = known < 0 || (!known && (PySet_Add(*seen, key) < 0
                                              || PyList_Append(out, match) < 0));
        Py_DECREF(key);
        Py_DECREF(match);
        if (failed) {
            Py_DECREF(iterator);
            return -1;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

/* 1: `value` is a non-empty text not known to match nothing (to be matched); 0: skip it. */
static int
to_match(PyObject *value, PyObject *kind, PyObject *platform, PyObject *memo)
{
    if (!PyUnicode_Check(value) || PyUnicode_GET_LENGTH(value) == 0) {
        return 0;
    }
    PyObject *key = PyTuple_Pack(3, kind, value, platform);
    if (key == NULL) {
        return -1;
    }
    PyObject *known = PyDict_GetItemWithError(memo, key);
    Py_DECREF(key);
    if (known == NULL) {
        return PyErr_Occurred() ? -1 : 1;
    }
    int truth = PyObject_IsTrue(known);
    return truth < 0 ? -1 : truth; /* an empty list: nothing to match */
}

static PyObject *
match_record(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *record, *fields, *memo, *platform, *index, *match_value;
    if (!PyArg_ParseTuple(args, "OO!O!UOO:match_record", &record, &PyTuple_Type, &fields,
                          &PyDict_Type, &memo, &platform, &index, &match_value)) {
        return NULL;
    }
    PyObject *out = PyList_New(0);
    PyObject *seen = NULL;
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(fields); k++) {
        PyObject *pair = PyTuple_GET_ITEM(fields, k);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "fields are (name, kind) pairs");
            goto failed;
        }
        PyObject *name = PyTuple_GET_ITEM(pair, 0), *kind = PyTuple_GET_ITEM(pair, 1);
        PyObject *found = PyObject_GetAttr(record, name);
        if (found == NULL) {
            goto failed;
        }
        int failed = 0;
        if (PyUnicode_Check(found)) {
            int wanted = to_match(found, kind, platform, memo);
            failed = wanted < 0 || (wanted && add_matches(found, kind, name, platform, index,
                                                          match_value, &seen, out) < 0);
        }
        else if (PyTuple_Check(found)) {
            for (Py_ssize_t v = 0; v < PyTuple_GET_SIZE(found) && !failed; v++) {
                PyObject *value = PyTuple_GET_ITEM(found, v);
                int wanted = to_match(value, kind, platform, memo);
                failed = wanted < 0 || (wanted && add_matches(value, kind, name, platform,
                                                              index, match_value, &seen,
                                                              out) < 0);
            }
        }
        Py_DECREF(found);
        if (failed) {
            goto failed;
        }
    }
    Py_XDECREF(seen);
    return out;

failed:
    Py_XDECREF(seen);
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"match_record", match_record, METH_VARARGS,
     "match_record(record, fields, memo, platform, index, match_value): the matches of a "
     "record's observable fields (see perito.indicators.match.match_record)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "perito.indicators._fastmatch",
    .m_doc = "The loop of perito.indicators.match.match_record, compiled (optional).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__fastmatch(void)
{
    str_indicator = PyUnicode_InternFromString("indicator");
    str_kind = PyUnicode_InternFromString("kind");
    str_value = PyUnicode_InternFromString("value");
    str_platform = PyUnicode_InternFromString("platform");
    str_field = PyUnicode_InternFromString("field");
    if (!str_indicator || !str_kind || !str_value || !str_platform || !str_field) {
        return NULL;
    }
    return PyModule_Create(&module);
}
