/* perito.sources._fastmbfile: the usual MBFile blob of Manifest.db, decoded in C.
 *
 * `decode(blob)` reads a blob of the one shape `perito.sources.mbfile` reads (ios.md §2.4:
 * a keyed archive whose `$objects[1]` is a flat dict of integers and UIDs pointing at a
 * string, data, NSMutableData or a class) and returns the dict that module's Python reader
 * returns. Whenever anything is not exactly that shape, or not wholly inside the blob (a
 * length past its end, a reference past a table, a wide integer, text that does not
 * decode), it returns None and the Python reader decides: this code never has to agree
 * with Python on damaged input, only to step aside. Every read is checked against the
 * blob's length before it is made (`need`); nothing is written but the Python objects it
 * returns. The tests compare it with the Python reader on every layout they build and on
 * blobs damaged at random.
 *
 * Optional: where it cannot be built, the Python reader does all the work.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

typedef struct {
    const unsigned char *data;
    uint64_t size;
    uint64_t table;  /* position of the offset table */
    uint64_t count;  /* objects */
    int offset_size; /* 1, 2, 4 or 8 */
    int ref_size;    /* 1, 2, 4 or 8 */
} Blob;

/* `length` bytes at `pos` lie inside the blob. */
static int
need(const Blob *b, uint64_t pos, uint64_t length)
{
    return pos <= b->size && length <= b->size - pos;
}

static uint64_t
big_endian(const unsigned char *at, int width)
{
    uint64_t value = 0;
    for (int k = 0; k < width; k++) {
        value = (value << 8) | at[k];
    }
    return value;
}

/* The position of object `ref`; 0 (never an object's position: the header is there) when
 * `ref` is not in the table or points outside the blob. */
static uint64_t
object_at(const Blob *b, uint64_t ref)
{
    if (ref >= b->count) {
        return 0;
    }
    uint64_t pos = big_endian(b->data + b->table + ref * (uint64_t)b->offset_size,
                              b->offset_size);
    return (pos >= 8 && pos < b->size) ? pos : 0;
}

/* Kind (high nibble), length and payload position of the object at `pos`; 0 on anything
 * unusual (an extended length that is not a 1, 2, 4 or 8-byte integer). */
static int
header(const Blob *b, uint64_t pos, int *kind, uint64_t *length, uint64_t *payload)
{
    if (!need(b, pos, 1)) {
        return 0;
    }
    int marker = b->data[pos];
    *kind = marker >> 4;
    *length = (uint64_t)(marker & 0x0F);
    pos += 1;
    if ((marker & 0x0F) == 0x0F && (*kind == 0x4 || *kind == 0x5 || *kind == 0x6
                                    || *kind == 0xA || *kind == 0xD)) {
        if (!need(b, pos, 1) || (b->data[pos] >> 4) != 0x1 || (b->data[pos] & 0x0F) > 3) {
            return 0;
        }
        int width = 1 << (b->data[pos] & 0x0F);
        if (!need(b, pos + 1, (uint64_t)width)) {
            return 0;
        }
        *length = big_endian(b->data + pos + 1, width);
        pos += 1 + (uint64_t)width;
    }
    *payload = pos;
    return 1;
}

/* A dict object at `pos`: its length and the position of its key references (then its
 * value references), all inside the blob. */
static int
dict_at(const Blob *b, uint64_t pos, uint64_t *length, uint64_t *refs)
{
    int kind;
    if (!header(b, pos, &kind, length, refs) || kind != 0xD || *length > b->size
        || !need(b, *refs, 2 * *length * (uint64_t)b->ref_size)) {
        return 0;
    }
    return 1;
}

static uint64_t
ref_at(const Blob *b, uint64_t refs, uint64_t index)
{
    return big_endian(b->data + refs + index * (uint64_t)b->ref_size, b->ref_size);
}

/* Where the short ASCII string (every MBFile key) at `pos` lies: 1 with its bytes'
 * position and length, 0 when it is anything else. */
static int
key_span(const Blob *b, uint64_t pos, uint64_t *start, uint64_t *length)
{
    if (!need(b, pos, 1)) {
        return 0;
    }
    int marker = b->data[pos];
    if (marker >= 0x50 && marker < 0x5F) {
        *length = (uint64_t)(marker & 0x0F);
        *start = pos + 1;
    }
    else if (marker == 0x5F && need(b, pos, 3) && b->data[pos + 1] == 0x10) {
        *length = b->data[pos + 2];
        *start = pos + 3;
    }
    else {
        return 0;
    }
    if (!need(b, *start, *length)) {
        return 0;
    }
    for (uint64_t k = 0; k < *length; k++) {
        if (b->data[*start + k] >= 0x80) {
            return 0;
        }
    }
    return 1;
}

/* The key at `pos` as a new interned str; NULL without an exception when it is not a short
 * ASCII string. */
static PyObject *
key_at(const Blob *b, uint64_t pos)
{
    uint64_t start, length;
    if (!key_span(b, pos, &start, &length)) {
        return NULL;
    }
    PyObject *text = PyUnicode_FromStringAndSize((const char *)b->data + start,
                                                 (Py_ssize_t)length);
    if (text != NULL) {
        PyUnicode_InternInPlace(&text);
    }
    return text;
}

/* Whether the key at `pos` is the ASCII text `name` (-1: not a short ASCII string), compared
 * in place. */
static int
key_is(const Blob *b, uint64_t pos, const char *name)
{
    uint64_t start, length;
    if (!key_span(b, pos, &start, &length)) {
        return -1;
    }
    return length == strlen(name) && memcmp(b->data + start, name, (size_t)length) == 0;
}

/* The position of the value of key `name` in the dict at `pos` (its last occurrence),
 * 0 when absent, -1 when anything is unusual. */
static int64_t
find(const Blob *b, uint64_t pos, const char *name)
{
    uint64_t length, refs;
    if (!dict_at(b, pos, &length, &refs)) {
        return -1;
    }
    for (uint64_t index = length; index-- > 0;) {
        uint64_t key = object_at(b, ref_at(b, refs, index));
        if (key == 0) {
            return -1;
        }
        int same = key_is(b, key, name);
        if (same < 0) {
            return -1;
        }
        if (same) {
            uint64_t value = object_at(b, ref_at(b, refs, length + index));
            return value == 0 ? -1 : (int64_t)value;
        }
    }
    return 0;
}

/* A string object (ASCII or UTF-16) at `pos` as a new str; NULL without an exception when
 * it is anything else or does not decode. */
static PyObject *
text_at(const Blob *b, uint64_t pos)
{
    int kind;
    uint64_t length, start;
    if (!header(b, pos, &kind, &length, &start)) {
        return NULL;
    }
    if (kind == 0x5 && need(b, start, length)) {
        for (uint64_t k = 0; k < length; k++) {
            if (b->data[start + k] >= 0x80) {
                return NULL;
            }
        }
        return PyUnicode_FromStringAndSize((const char *)b->data + start, (Py_ssize_t)length);
    }
    if (kind == 0x6 && length <= b->size && need(b, start, 2 * length)) {
        int order = 1; /* big-endian */
        PyObject *text = PyUnicode_DecodeUTF16((const char *)b->data + start,
                                               (Py_ssize_t)(2 * length), "strict", &order);
        if (text == NULL) {
            PyErr_Clear();
        }
        return text;
    }
    return NULL;
}

#define CLASS_NAME ((PyObject *)1) /* `resolve` found a class: its name is in `*name` */

/* What a UID of `$objects[1]` points at: "$null" (None), a string, data, NSMutableData
 * (its NS.data), or a class (CLASS_NAME, its name in `*name`); NULL when unusual. Returns
 * a new reference (except CLASS_NAME). */
static PyObject *
resolve(const Blob *b, uint64_t pos, PyObject **name)
{
    int kind;
    uint64_t length, start;
    if (!header(b, pos, &kind, &length, &start)) {
        return NULL;
    }
    if (kind == 0x5 || kind == 0x6) {
        PyObject *text = text_at(b, pos);
        if (text != NULL && PyUnicode_CompareWithASCIIString(text, "$null") == 0) {
            Py_DECREF(text);
            Py_RETURN_NONE;
        }
        return text;
    }
    if (kind == 0x4) {
        return need(b, start, length)
            ? PyBytes_FromStringAndSize((const char *)b->data + start, (Py_ssize_t)length)
            : NULL;
    }
    int64_t found = find(b, pos, "$classname");
    if (found < 0) {
        return NULL;
    }
    if (found > 0) {
        *name = text_at(b, (uint64_t)found);
        if (*name == NULL || PyUnicode_GET_LENGTH(*name) == 0) {
            Py_CLEAR(*name);
            return NULL; /* a nameless class: Python's reader refuses the blob */
        }
        return CLASS_NAME;
    }
    found = find(b, pos, "NS.data");
    if (found <= 0 || !header(b, (uint64_t)found, &kind, &length, &start) || kind != 0x4
        || !need(b, start, length)) {
        return NULL;
    }
    return PyBytes_FromStringAndSize((const char *)b->data + start, (Py_ssize_t)length);
}

/* The position of the top dict's `$objects` when its `$top.root` is UID 1; else 0. */
static uint64_t
objects_of_archive(const Blob *b, uint64_t top)
{
    uint64_t length, refs, objects = 0, tops = 0;
    if (!dict_at(b, top, &length, &refs)) {
        return 0;
    }
    for (uint64_t index = length; index-- > 0 && (objects == 0 || tops == 0);) {
        uint64_t key = object_at(b, ref_at(b, refs, index));
        if (key == 0) {
            return 0;
        }
        int is_objects = key_is(b, key, "$objects");
        int is_top = is_objects == 0 ? key_is(b, key, "$top") : 0;
        if (is_objects < 0 || is_top < 0) {
            return 0;
        }
        uint64_t *slot = is_objects ? &objects : is_top ? &tops : NULL;
        if (slot != NULL && *slot == 0) {
            *slot = object_at(b, ref_at(b, refs, length + index));
            if (*slot == 0) {
                return 0;
            }
        }
    }
    if (objects == 0 || tops == 0 || (b->data[tops] >> 4) != 0xD) {
        return 0;
    }
    int64_t root = find(b, tops, "root");
    if (root <= 0 || (b->data[root] >> 4) != 0x8 || (b->data[root] & 0x0F) > 7
        || !need(b, (uint64_t)root + 1, (uint64_t)(b->data[root] & 0x0F) + 1)) {
        return 0;
    }
    return big_endian(b->data + root + 1, (b->data[root] & 0x0F) + 1) == 1 ? objects : 0;
}

/* The MBFile dict, or None to let the Python reader decide. */
static PyObject *
decode(PyObject *Py_UNUSED(module), PyObject *arg)
{
    if (!PyBytes_CheckExact(arg)) {
        Py_RETURN_NONE;
    }
    Blob b;
    b.data = (const unsigned char *)PyBytes_AS_STRING(arg);
    b.size = (uint64_t)PyBytes_GET_SIZE(arg);
    /* (A blob is a few hundred bytes; beyond 2**40 none is, and no product below can wrap.) */
    if (b.size < 40 || b.size > ((uint64_t)1 << 40) || memcmp(b.data, "bplist00", 8) != 0) {
        Py_RETURN_NONE;
    }
    const unsigned char *trailer = b.data + b.size - 32;
    b.offset_size = trailer[6];
    b.ref_size = trailer[7];
    b.count = big_endian(trailer + 8, 8);
    uint64_t top = big_endian(trailer + 16, 8);
    b.table = big_endian(trailer + 24, 8);
    if ((b.offset_size != 1 && b.offset_size != 2 && b.offset_size != 4 && b.offset_size != 8)
        || (b.ref_size != 1 && b.ref_size != 2 && b.ref_size != 4 && b.ref_size != 8)
        || top >= b.count || b.count > b.size
        || !need(&b, b.table, b.count * (uint64_t)b.offset_size)) {
        Py_RETURN_NONE;
    }
    uint64_t top_pos = object_at(&b, top);
    uint64_t found = top_pos ? objects_of_archive(&b, top_pos) : 0;
    int kind;
    uint64_t length, refs;
    if (found == 0 || !header(&b, found, &kind, &length, &refs) || kind != 0xA || length < 2
        || length > b.size || !need(&b, refs, length * (uint64_t)b.ref_size)) {
        Py_RETURN_NONE;
    }
    uint64_t objects = refs, object_count = length;
    uint64_t file = object_at(&b, ref_at(&b, objects, 1));
    if (file == 0 || !dict_at(&b, file, &length, &refs)) {
        Py_RETURN_NONE;
    }
    PyObject *result = PyDict_New();
    if (result == NULL) {
        return NULL;
    }
    for (uint64_t index = 0; index < length; index++) {
        uint64_t key_pos = object_at(&b, ref_at(&b, refs, index));
        uint64_t pos = object_at(&b, ref_at(&b, refs, length + index));
        PyObject *key = key_pos ? key_at(&b, key_pos) : NULL;
        if (key == NULL || pos == 0) {
            Py_XDECREF(key);
            goto step_aside;
        }
        int is_class = PyUnicode_CompareWithASCIIString(key, "$class") == 0;
        int marker = b.data[pos];
        PyObject *value = NULL;
        if (is_class && (marker >> 4) != 0x8) {
            Py_DECREF(key);
            goto step_aside;
        }
        if (marker >= 0x10 && marker <= 0x13) {
            int width = 1 << (marker & 0x0F);
            if (need(&b, pos + 1, (uint64_t)width)) {
                uint64_t number = big_endian(b.data + pos + 1, width);
                value = width == 8 ? PyLong_FromLongLong((long long)(int64_t)number)
                                   : PyLong_FromUnsignedLongLong(number);
            }
        }
        else if ((marker >> 4) == 0x8 && (marker & 0x0F) <= 7
                 && need(&b, pos + 1, (uint64_t)(marker & 0x0F) + 1)) {
            uint64_t uid = big_endian(b.data + pos + 1, (marker & 0x0F) + 1);
            uint64_t target = uid < object_count ? object_at(&b, ref_at(&b, objects, uid)) : 0;
            PyObject *name = NULL;
            PyObject *resolved = target ? resolve(&b, target, &name) : NULL;
            if (resolved == CLASS_NAME) {
                value = is_class ? name : NULL;
                if (!is_class) {
                    Py_DECREF(name);
                }
            }
            else if (resolved != NULL) {
                if (is_class) {
                    Py_DECREF(resolved);
                }
                else {
                    value = resolved;
                }
            }
        }
        if (value == NULL) {
            Py_DECREF(key);
            goto step_aside;
        }
        int failed = PyDict_SetItem(result, key, value);
        Py_DECREF(key);
        Py_DECREF(value);
        if (failed) {
            Py_DECREF(result);
            return NULL;
        }
    }
    return result;

step_aside:
    Py_DECREF(result);
    if (PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_MemoryError)) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"decode", decode, METH_O,
     "decode(blob): the MBFile dict of a Manifest.db blob of the usual shape, or None (the "
     "Python reader then decides)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "perito.sources._fastmbfile",
    .m_doc = "The usual MBFile blob of Manifest.db, decoded in C (optional).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__fastmbfile(void)
{
    return PyModule_Create(&module);
}
