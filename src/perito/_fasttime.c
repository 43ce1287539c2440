/* perito._fasttime: the common case of `perito.timestamps.decoder`, compiled.
 *
 * A planned decoder turns a stored number into a `Timestamp`. Most stored values of a large
 * column are a finite number in range, or one already seen: this module does exactly those
 * (the same values as the Python code, which `tests/test_fasttime.py` checks value by value)
 * and hands everything else (NULL aside) to the Python decoder it was built with. It reads
 * no evidence bytes: its inputs are Python floats and ints that SQLite or a plist gave.
 *
 * Optional: where it cannot be built, `perito.timestamps` runs its own Python code.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

#define NS_PER_S 1000000000LL
#define MIN_NS (631152000LL * NS_PER_S)  /* 1990-01-01 */
#define MAX_NS (4102444800LL * NS_PER_S) /* 2100-01-01 */
#define LIMIT (1LL << 62)                   /* bound of the scaled values and offsets done here */

/* "YYYY-MM-DDTHH:MM:SS.ffffff+00:00" of `ns` (0 <= ns), the days from the civil-calendar
 * algorithm of H. Hinnant (public domain), valid for every date after 1970. */
static PyObject *
iso_of(int64_t ns)
{
    int64_t seconds = ns / NS_PER_S;
    int64_t micros = (ns % NS_PER_S) / 1000;
    int64_t days = seconds / 86400;
    int64_t second = seconds % 86400;
    int64_t z = days + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t year = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    if (month <= 2) {
        year += 1;
    }
    if (year > 9999) {
        PyErr_SetString(PyExc_OverflowError, "year beyond 9999");
        return NULL;
    }
    char text[32];
    int hour = (int)(second / 3600), minute = (int)(second / 60 % 60), sec = (int)(second % 60);
    text[0] = (char)('0' + year / 1000);
    text[1] = (char)('0' + year / 100 % 10);
    text[2] = (char)('0' + year / 10 % 10);
    text[3] = (char)('0' + year % 10);
    text[4] = '-';
    text[5] = (char)('0' + month / 10);
    text[6] = (char)('0' + month % 10);
    text[7] = '-';
    text[8] = (char)('0' + day / 10);
    text[9] = (char)('0' + day % 10);
    text[10] = 'T';
    text[11] = (char)('0' + hour / 10);
    text[12] = (char)('0' + hour % 10);
    text[13] = ':';
    text[14] = (char)('0' + minute / 10);
    text[15] = (char)('0' + minute % 10);
    text[16] = ':';
    text[17] = (char)('0' + sec / 10);
    text[18] = (char)('0' + sec % 10);
    text[19] = '.';
    for (int k = 25; k >= 20; k--) {
        text[k] = (char)('0' + micros % 10);
        micros /= 10;
    }
    memcpy(text + 26, "+00:00", 6);
    return PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, text, 32);
}

static PyObject *
fasttime_iso_text(PyObject *Py_UNUSED(module), PyObject *arg)
{
    int overflow = 0;
    long long ns = PyLong_AsLongLongAndOverflow(arg, &overflow);
    if (ns == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (overflow || ns < 0) {
        PyErr_SetString(PyExc_ValueError, "iso_text: only 0 <= ns < 2**63");
        return NULL;
    }
    return iso_of((int64_t)ns);
}

enum { RAW, ENCODING, NS, STATE, UTC, SLOTS };

typedef struct {
    PyObject_HEAD
    PyObject *floats;    /* dict: float raw -> Timestamp (shared with the Python decoder) */
    PyObject *ints;      /* dict: int raw -> Timestamp */
    Py_ssize_t limit;    /* a dict this full is cleared before the next entry */
    int64_t unit;        /* ns per stored unit (ignored when auto) */
    int64_t offset;      /* ns from 1970 to the epoch */
    int automatic;       /* sms.db: seconds, or ns when |raw| >= 1e14 */
    PyObject *nothing;   /* what None decodes to */
    PyObject *rest;      /* the Python decoder, for every value not done here */
    PyTypeObject *stamp; /* Timestamp */
    PyObject *encoding;  /* the Encoding member */
    PyObject *ok;        /* TimeState.OK */
    PyObject *slots[SLOTS]; /* Timestamp's member descriptors: raw, encoding, ns, state, utc */
} Decoder;

static int
decoder_traverse(Decoder *self, visitproc visit, void *arg)
{
    Py_VISIT(self->floats);
    Py_VISIT(self->ints);
    Py_VISIT(self->nothing);
    Py_VISIT(self->rest);
    Py_VISIT(self->stamp);
    Py_VISIT(self->encoding);
    Py_VISIT(self->ok);
    for (int k = 0; k < SLOTS; k++) {
        Py_VISIT(self->slots[k]);
    }
    return 0;
}

static int
decoder_clear(Decoder *self)
{
    Py_CLEAR(self->floats);
    Py_CLEAR(self->ints);
    Py_CLEAR(self->nothing);
    Py_CLEAR(self->rest);
    Py_CLEAR(self->stamp);
    Py_CLEAR(self->encoding);
    Py_CLEAR(self->ok);
    for (int k = 0; k < SLOTS; k++) {
        Py_CLEAR(self->slots[k]);
    }
    return 0;
}

static void
decoder_dealloc(Decoder *self)
{
    PyObject_GC_UnTrack(self);
    decoder_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
set_slot(Decoder *self, PyObject *stamp, int slot, PyObject *value)
{
    PyObject *descriptor = self->slots[slot];
    return Py_TYPE(descriptor)->tp_descr_set(descriptor, stamp, value);
}

/* A new Timestamp(raw, encoding, ns, OK, iso) set through its slots, remembered in `seen`. */
static PyObject *
made(Decoder *self, PyObject *raw, int64_t ns, PyObject *seen)
{
    PyObject *stamp = self->stamp->tp_alloc(self->stamp, 0);
    if (stamp == NULL) {
        return NULL;
    }
    PyObject *number = PyLong_FromLongLong(ns);
    PyObject *utc = number != NULL ? iso_of(ns) : NULL;
    if (utc == NULL || set_slot(self, stamp, RAW, raw) < 0
        || set_slot(self, stamp, ENCODING, self->encoding) < 0
        || set_slot(self, stamp, NS, number) < 0 || set_slot(self, stamp, STATE, self->ok) < 0
        || set_slot(self, stamp, UTC, utc) < 0) {
        Py_XDECREF(number);
        Py_XDECREF(utc);
        Py_DECREF(stamp);
        return NULL;
    }
    Py_DECREF(number);
    Py_DECREF(utc);
    if (PyDict_GET_SIZE(seen) >= self->limit) {
        PyDict_Clear(seen);
    }
    if (PyDict_SetItem(seen, raw, stamp) < 0) {
        Py_DECREF(stamp);
        return NULL;
    }
    return stamp;
}

/* Python's round() of a float: half to even. */
static double
round_half_even(double value)
{
    double rounded = round(value);
    if (fabs(value - rounded) == 0.5) {
        rounded = 2.0 * round(value / 2.0);
    }
    return rounded;
}

static PyObject *
decoder_call(Decoder *self, PyObject *args, PyObject *kwargs)
{
    PyObject *raw;
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0) {
        PyErr_SetString(PyExc_TypeError, "a decoder takes one value");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "decoder", 1, 1, &raw)) {
        return NULL;
    }
    if (PyFloat_CheckExact(raw)) {
        PyObject *known = PyDict_GetItemWithError(self->floats, raw);
        if (known != NULL) {
            return Py_NewRef(known);
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
        double value = PyFloat_AS_DOUBLE(raw);
        if (value != 0.0 && value != -1.0 && value > -1e30 && value < 1e30) {
            double unit = self->automatic ? (fabs(value) >= 1e14 ? 1.0 : (double)NS_PER_S)
                                          : (double)self->unit;
            double scaled = round_half_even(value * unit);
            if (scaled > -(double)LIMIT && scaled < (double)LIMIT) {
                int64_t ns = (int64_t)scaled + self->offset;
                if (ns >= MIN_NS && ns <= MAX_NS) {
                    return made(self, raw, ns, self->floats);
                }
            }
        }
    }
    else if (PyLong_CheckExact(raw)) {
        PyObject *known = PyDict_GetItemWithError(self->ints, raw);
        if (known != NULL) {
            return Py_NewRef(known);
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
        int overflow = 0;
        long long value = PyLong_AsLongLongAndOverflow(raw, &overflow);
        if (value == -1 && PyErr_Occurred()) {
            return NULL;
        }
        if (!overflow && value != 0 && value != -1) {
            int64_t unit = self->automatic
                ? ((value >= 100000000000000LL || value <= -100000000000000LL) ? 1 : NS_PER_S)
                : self->unit;
            /* |value * unit| below 2**62 and |offset| below 2**62 (checked when built): no
             * overflow; anything larger is out of range, decided by `rest`. */
            if (value < LIMIT / unit && value > -(LIMIT / unit)) {
                int64_t ns = (int64_t)value * unit + self->offset;
                if (ns >= MIN_NS && ns <= MAX_NS) {
                    return made(self, raw, ns, self->ints);
                }
            }
        }
    }
    else if (raw == Py_None) {
        return Py_NewRef(self->nothing);
    }
    return PyObject_CallOneArg(self->rest, raw);
}

static PyTypeObject DecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "perito._fasttime.Decoder",
    .tp_basicsize = sizeof(Decoder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "A planned time decoder (see perito.timestamps.decoder).",
    .tp_traverse = (traverseproc)decoder_traverse,
    .tp_clear = (inquiry)decoder_clear,
    .tp_dealloc = (destructor)decoder_dealloc,
    .tp_call = (ternaryfunc)decoder_call,
};

static PyObject *
fasttime_decoder(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *floats, *ints, *nothing, *rest, *stamp, *encoding, *ok, *slots;
    Py_ssize_t limit;
    long long unit, offset;
    int automatic;
    if (!PyArg_ParseTuple(args, "O!O!nLLpOOO!OOO!:decoder", &PyDict_Type, &floats,
                          &PyDict_Type, &ints, &limit, &unit, &offset, &automatic, &nothing,
                          &rest, &PyType_Type, &stamp, &encoding, &ok, &PyTuple_Type, &slots)) {
        return NULL;
    }
    if (PyTuple_GET_SIZE(slots) != SLOTS || unit <= 0 || limit <= 0 || offset >= LIMIT
        || offset <= -LIMIT) {
        PyErr_SetString(PyExc_ValueError,
                        "decoder: five slots, a positive unit and limit, |offset| < 2**62");
        return NULL;
    }
    for (int k = 0; k < SLOTS; k++) {
        PyObject *descriptor = PyTuple_GET_ITEM(slots, k);
        if (Py_TYPE(descriptor)->tp_descr_set == NULL) {
            PyErr_SetString(PyExc_TypeError, "decoder: a slot is not a data descriptor");
            return NULL;
        }
    }
    if (!PyCallable_Check(rest)) {
        PyErr_SetString(PyExc_TypeError, "decoder: rest must be callable");
        return NULL;
    }
    Decoder *self = PyObject_GC_New(Decoder, &DecoderType);
    if (self == NULL) {
        return NULL;
    }
    self->floats = Py_NewRef(floats);
    self->ints = Py_NewRef(ints);
    self->limit = limit;
    self->unit = unit;
    self->offset = offset;
    self->automatic = automatic;
    self->nothing = Py_NewRef(nothing);
    self->rest = Py_NewRef(rest);
    self->stamp = (PyTypeObject *)Py_NewRef(stamp);
    self->encoding = Py_NewRef(encoding);
    self->ok = Py_NewRef(ok);
    for (int k = 0; k < SLOTS; k++) {
        self->slots[k] = Py_NewRef(PyTuple_GET_ITEM(slots, k));
    }
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static PyMethodDef methods[] = {
    {"iso_text", fasttime_iso_text, METH_O,
     "ISO 8601 text (microseconds, +00:00) of nanoseconds since 1970 (0 <= ns)."},
    {"decoder", fasttime_decoder, METH_VARARGS,
     "decoder(floats, ints, limit, unit, offset, auto, nothing, rest, Timestamp, encoding, "
     "ok, slots): a planned decoder (see perito.timestamps.decoder)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "perito._fasttime",
    .m_doc = "The common case of perito.timestamps.decoder, compiled (optional).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__fasttime(void)
{
    if (PyType_Ready(&DecoderType) < 0) {
        return NULL;
    }
    return PyModule_Create(&module);
}
