/* A passage's words in one pass, for linking (bot/ingest/link.py): each cut, counted and coded. Used through
 * bot/ingest/words.py, which does the same in Python where this module was not built; the tests hold the two
 * to the same results.
 *
 *   scan(text, index, counts, codes, code_of, coding) -> (stream, bounds, regular)
 *
 * text:    the passage.
 * index:   a dict, word as written -> its number, for every word seen before; a new word gets the next
 *          number, its code code_of(word) is appended to `codes` and its count to `counts`.
 * counts:  a bytearray of native Py_ssize_t: how many times word k was seen is counts[k]; each word adds one.
 * codes:   a list: word k's code (a str) is codes[k].
 * coding:  false: the words are only counted, and stream and bounds are empty.
 * stream:  the words' codes put together.
 * bounds:  bytes of native Py_ssize_t, two per word: where it starts and where it ends in text.
 * regular: whether every code is two characters long (then word k's code is stream[2k:2k + 2]).
 *
 * A word is a run of letters and digits (str.isalnum), joined to one more such run by a single apostrophe ('
 * or U+2019) unless what follows the apostrophe is a lone "s" (the possessive: "Kornilov's" is "Kornilov" and
 * "s"): the regular expression [^\W_]+(?:['\u2019](?!s\b)[^\W_]+)? of Python's re, whose \w is isalnum or "_".
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* letters and digits (str.isalnum) among the ASCII characters, looked up; the rest asked of Python's tables */
static unsigned char ascii_alnum[128];

static inline int
is_alnum(Py_UCS4 c)
{
    return c < 128 ? ascii_alnum[c] : Py_UNICODE_ISALNUM(c);
}

/* a growing buffer */
typedef struct {
    char *data;
    Py_ssize_t used, room;
} Buffer;

static int
reserve(Buffer *b, Py_ssize_t more)
{
    if (b->used + more <= b->room)
        return 0;
    Py_ssize_t room = b->room ? b->room : 256;
    while (room < b->used + more) {
        if (room > PY_SSIZE_T_MAX / 2) {
            PyErr_NoMemory();
            return -1;
        }
        room *= 2;
    }
    char *data = PyMem_Realloc(b->data, room);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->room = room;
    return 0;
}

/* The number of `word` in `index` (word -> number), a new word added: its number the next one, its code
 * code_of(word) appended to `codes`, its count (a Py_ssize_t in `counts`) 0. -1 with an exception set, and
 * the three as they were. code_of may run any Python, so the sizes are read after it, and every number is
 * checked against them before it is used. */
static Py_ssize_t
number_of(PyObject *word, PyObject *index, PyObject *counts, PyObject *codes, PyObject *code_of)
{
    const Py_ssize_t size = (Py_ssize_t)sizeof(Py_ssize_t);
    Py_ssize_t number;
    PyObject *known = PyDict_GetItemWithError(index, word);  /* borrowed */
    if (known != NULL) {
        number = PyLong_AsSsize_t(known);
        if (number == -1 && PyErr_Occurred())
            return -1;
    } else {
        if (PyErr_Occurred())
            return -1;
        PyObject *code = PyObject_CallOneArg(code_of, word);
        if (code == NULL)
            return -1;
        if (!PyUnicode_Check(code)) {
            Py_DECREF(code);
            PyErr_SetString(PyExc_TypeError, "scan: a word's code must be a str");
            return -1;
        }
        number = PyList_GET_SIZE(codes);
        if (PyByteArray_GET_SIZE(counts) != number * size) {
            Py_DECREF(code);
            PyErr_SetString(PyExc_ValueError, "scan: counts must hold one count for each code");
            return -1;
        }
        if (PyByteArray_Resize(counts, (number + 1) * size) < 0) {
            Py_DECREF(code);
            return -1;
        }
        memset(PyByteArray_AS_STRING(counts) + number * size, 0, (size_t)size);
        int failed = PyList_Append(codes, code);
        Py_DECREF(code);
        PyObject *key = failed ? NULL : PyLong_FromSsize_t(number);
        if (key == NULL || PyDict_SetItem(index, word, key) < 0) {
            /* as they were: the exception kept through the undoing */
            PyObject *type, *value, *traceback;
            Py_XDECREF(key);
            PyErr_Fetch(&type, &value, &traceback);
            if (!failed)
                PyList_SetSlice(codes, number, number + 1, NULL);
            PyByteArray_Resize(counts, number * size);
            PyErr_Clear();
            PyErr_Restore(type, value, traceback);
            return -1;
        }
        Py_DECREF(key);
    }
    if (number < 0 || number >= PyList_GET_SIZE(codes) || (number + 1) * size > PyByteArray_GET_SIZE(counts)) {
        PyErr_SetString(PyExc_ValueError, "scan: a word's number has no code or no count");
        return -1;
    }
    return number;
}

static PyObject *
scan(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "scan(text, index, counts, codes, code_of, coding) takes six arguments");
        return NULL;
    }
    PyObject *text = args[0], *index = args[1], *counts = args[2], *codes = args[3], *code_of = args[4];
    if (!PyUnicode_Check(text) || !PyDict_Check(index) || !PyByteArray_Check(counts) || !PyList_Check(codes) ||
        !PyCallable_Check(code_of)) {
        PyErr_SetString(PyExc_TypeError, "scan(text: str, index: dict, counts: bytearray, codes: list, "
                                         "code_of: callable, coding: bool)");
        return NULL;
    }
    int coding = PyObject_IsTrue(args[5]);
    if (coding < 0)
        return NULL;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0)  /* a string made by the old API (before 3.12): its data in place first */
        return NULL;
#endif
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int regular = 1;
    Buffer stream = {NULL, 0, 0}, bounds = {NULL, 0, 0};  /* Py_UCS4s; Py_ssize_ts */
    PyObject *result = NULL;

    Py_ssize_t i = 0;
    while (i < n) {
        if (!is_alnum(PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        while (i < n && is_alnum(PyUnicode_READ(kind, data, i)))
            i++;
        /* one apostrophe and the run after it, unless the run is a lone "s" (a word boundary after it) */
        if (i + 1 < n) {
            Py_UCS4 q = PyUnicode_READ(kind, data, i), next = PyUnicode_READ(kind, data, i + 1);
            if ((q == '\'' || q == 0x2019) && is_alnum(next)) {
                int possessive = 0;
                if (next == 's') {
                    Py_UCS4 after = i + 2 < n ? PyUnicode_READ(kind, data, i + 2) : ' ';
                    possessive = !(after == '_' || is_alnum(after));
                }
                if (!possessive) {
                    i += 1;
                    while (i < n && is_alnum(PyUnicode_READ(kind, data, i)))
                        i++;
                }
            }
        }
        PyObject *word = PyUnicode_Substring(text, start, i);
        if (word == NULL)
            goto done;
        Py_ssize_t k = number_of(word, index, counts, codes, code_of);
        Py_DECREF(word);
        if (k < 0)
            goto done;
        {  /* a bytearray's data need not be aligned (one cut at its front is not): copied, not cast */
            char *at = PyByteArray_AS_STRING(counts) + k * (Py_ssize_t)sizeof(Py_ssize_t);
            Py_ssize_t count;
            memcpy(&count, at, sizeof count);
            count += 1;
            memcpy(at, &count, sizeof count);
        }
        if (!coding)
            continue;
        PyObject *code = PyList_GET_ITEM(codes, k);  /* borrowed */
        Py_ssize_t len = PyUnicode_GET_LENGTH(code);
        regular &= len == 2;
        if (reserve(&stream, len * (Py_ssize_t)sizeof(Py_UCS4)) < 0 ||
            reserve(&bounds, 2 * (Py_ssize_t)sizeof(Py_ssize_t)) < 0)
            goto done;
        int ckind = PyUnicode_KIND(code);
        const void *cdata = PyUnicode_DATA(code);
        Py_UCS4 *out = (Py_UCS4 *)(stream.data + stream.used);
        for (Py_ssize_t c = 0; c < len; c++)
            out[c] = PyUnicode_READ(ckind, cdata, c);
        stream.used += len * (Py_ssize_t)sizeof(Py_UCS4);
        Py_ssize_t *at = (Py_ssize_t *)(bounds.data + bounds.used);
        at[0] = start;
        at[1] = i;
        bounds.used += 2 * (Py_ssize_t)sizeof(Py_ssize_t);
    }
    {
        PyObject *s = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, stream.data ? stream.data : "",
                                                stream.used / (Py_ssize_t)sizeof(Py_UCS4));
        if (s == NULL)
            goto done;
        PyObject *p = PyBytes_FromStringAndSize(bounds.data ? bounds.data : "", bounds.used);
        if (p == NULL) {
            Py_DECREF(s);
            goto done;
        }
        result = Py_BuildValue("(NNO)", s, p, regular ? Py_True : Py_False);
    }
done:
    PyMem_Free(stream.data);
    PyMem_Free(bounds.data);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", (PyCFunction)(void (*)(void))scan, METH_FASTCALL,
     "scan(text, index, counts, codes, code_of, coding) -> (stream, bounds, regular): see bot/ingest/words.py"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_words",
    .m_doc = "A passage's words in one pass (see bot/ingest/words.py).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__words(void)
{
    for (Py_UCS4 c = 0; c < 128; c++)
        ascii_alnum[c] = Py_UNICODE_ISALNUM(c) ? 1 : 0;
    return PyModule_Create(&module);
}
