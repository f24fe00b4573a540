//! policypack's optional compiled YAML reader.
//!
//! It reads a YAML stream with libyaml's parser (unsafe-libyaml, a line-by-line
//! translation of libyaml into Rust: the parser PyYAML's C loader uses) and builds,
//! in one pass over the parser's events, each document's plain data and its table
//! of positions (the `(line, column, children)` tree of `policypack.loader.Positions`).
//! Plain scalars are typed as PyYAML's YAML 1.1 resolver types them, and values are
//! made as `policypack.loader` makes them.
//!
//! It only handles the common case. Whenever the stream holds anything the pure
//! reader reports or treats specially (a parse error, an anchor or alias, a merge
//! key, a duplicate key, a key that is not a scalar, nesting deeper than
//! `MAX_DEPTH`, a value its tag cannot read), `load` returns None and the caller
//! reads the file with the pure-Python reader, which gives the errors and their
//! places. So both readers give the same documents, errors and positions.

use std::collections::HashMap;
use std::mem::MaybeUninit;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use unsafe_libyaml as y;

/// Strings up to this many bytes are made once per file and shared.
const SHARED_VALUE_LENGTH: usize = 32;

/// Same as `policypack.loader.MAX_DEPTH`.
const MAX_DEPTH: usize = 200;

const TAG_PREFIX: &[u8] = b"tag:yaml.org,2002:";

/// What a scalar's tag makes of it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    Str, // str, timestamp, binary, value, and tags without a constructor: the text
    Null,
    Bool,
    Int,
    Float,
    Merge,
}

/// Declined: the pure reader must read this stream.
struct Decline;

/// A Python error or a decline.
enum Stop {
    Decline,
    Error(PyErr),
}

impl From<Decline> for Stop {
    fn from(_: Decline) -> Self {
        Stop::Decline
    }
}

impl From<std::convert::Infallible> for Stop {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

impl From<PyErr> for Stop {
    fn from(error: PyErr) -> Self {
        Stop::Error(error)
    }
}

// --- PyYAML's implicit resolvers (yaml/resolver.py), as hand-written matchers --------

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}

fn skip(v: &[u8], mut i: usize, f: impl Fn(u8) -> bool) -> usize {
    while i < v.len() && f(v[i]) {
        i += 1;
    }
    i
}

fn sign(v: &[u8], i: usize) -> usize {
    if i < v.len() && (v[i] == b'-' || v[i] == b'+') {
        i + 1
    } else {
        i
    }
}

/// `(?::[0-5]?[0-9])+` from `i`; the index after it, or None.
fn sexagesimal(v: &[u8], mut i: usize) -> Option<usize> {
    let mut groups = 0;
    while i < v.len() && v[i] == b':' {
        i += 1;
        if i + 1 < v.len() && (b'0'..=b'5').contains(&v[i]) && digit(v[i + 1]) {
            i += 2;
        } else if i < v.len() && digit(v[i]) {
            i += 1;
        } else {
            return None;
        }
        groups += 1;
    }
    (groups > 0).then_some(i)
}

/// `(?:[eE][-+][0-9]+)?$` from `i`.
fn exponent_then_end(v: &[u8], i: usize) -> bool {
    if i == v.len() {
        return true;
    }
    if v[i] != b'e' && v[i] != b'E' {
        return false;
    }
    if i + 1 >= v.len() || (v[i + 1] != b'-' && v[i + 1] != b'+') {
        return false;
    }
    let end = skip(v, i + 2, digit);
    end > i + 2 && end == v.len()
}

fn is_bool(v: &[u8]) -> bool {
    matches!(
        v,
        b"yes" | b"Yes" | b"YES" | b"no" | b"No" | b"NO" | b"true" | b"True" | b"TRUE" | b"false" | b"False"
            | b"FALSE" | b"on" | b"On" | b"ON" | b"off" | b"Off" | b"OFF"
    )
}

fn is_float(v: &[u8]) -> bool {
    let digit_ = |c: u8| digit(c) || c == b'_';
    // [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?
    let s = sign(v, 0);
    if s < v.len() && digit(v[s]) {
        let i = skip(v, s + 1, digit_);
        if i < v.len() && v[i] == b'.' && exponent_then_end(v, skip(v, i + 1, digit_)) {
            return true;
        }
        // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        if let Some(j) = sexagesimal(v, i) {
            if j < v.len() && v[j] == b'.' && skip(v, j + 1, digit_) == v.len() {
                return true;
            }
        }
    }
    // \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    if v.len() >= 2 && v[0] == b'.' && digit(v[1]) && exponent_then_end(v, skip(v, 2, digit_)) {
        return true;
    }
    // [-+]?\.(?:inf|Inf|INF) and \.(?:nan|NaN|NAN)
    matches!(&v[s..], b".inf" | b".Inf" | b".INF") || matches!(v, b".nan" | b".NaN" | b".NAN")
}

fn is_int(v: &[u8]) -> bool {
    let r = &v[sign(v, 0)..];
    match r {
        [] => false,
        [b'0'] => true,
        [b'0', b'b', rest @ ..] if !rest.is_empty() => rest.iter().all(|&c| c == b'0' || c == b'1' || c == b'_'),
        [b'0', b'x', rest @ ..] if !rest.is_empty() => rest.iter().all(|&c| c.is_ascii_hexdigit() || c == b'_'),
        [b'0', rest @ ..] => rest.iter().all(|&c| (b'0'..=b'7').contains(&c) || c == b'_'),
        [b'1'..=b'9', ..] => {
            let i = skip(r, 1, |c| digit(c) || c == b'_');
            i == r.len() || sexagesimal(r, i) == Some(r.len())
        }
        _ => false,
    }
}

/// The tag PyYAML's resolver gives a plain scalar (`Resolver.resolve` with the
/// default implicit resolvers), reduced to what the loader does with it.
fn resolve_plain(v: &[u8]) -> Tag {
    let Some(&first) = v.first() else { return Tag::Null };
    // The resolvers' `$` also matches before a final line feed.
    let m = v.strip_suffix(b"\n").unwrap_or(v);
    if b"yYnNtTfFoO".contains(&first) && is_bool(m) {
        return Tag::Bool;
    }
    if b"-+0123456789.".contains(&first) && is_float(m) {
        return Tag::Float;
    }
    if b"-+0123456789".contains(&first) && is_int(m) {
        return Tag::Int;
    }
    if first == b'<' && m == b"<<" {
        return Tag::Merge;
    }
    if b"~nN".contains(&first) && matches!(m, b"~" | b"null" | b"Null" | b"NULL") {
        return Tag::Null;
    }
    // timestamp, `=` (value) and the documentation-only `yaml` tag: all read as text
    Tag::Str
}

/// What the loader makes of a scalar with this (explicit, expanded) tag.
fn explicit(tag: &[u8]) -> Tag {
    match tag.strip_prefix(TAG_PREFIX) {
        Some(b"null") => Tag::Null,
        Some(b"bool") => Tag::Bool,
        Some(b"int") => Tag::Int,
        Some(b"float") => Tag::Float,
        Some(b"merge") => Tag::Merge,
        _ => Tag::Str, // str, timestamp, binary, value, local and unknown tags: the text
    }
}

// --- the reader --------------------------------------------------------------------

struct Parser(Box<MaybeUninit<y::yaml_parser_t>>);

impl Parser {
    fn new(input: &[u8]) -> Option<Parser> {
        let mut parser = Parser(Box::new(MaybeUninit::uninit()));
        unsafe {
            if !y::yaml_parser_initialize(parser.0.as_mut_ptr()).ok {
                return None;
            }
            y::yaml_parser_set_input_string(parser.0.as_mut_ptr(), input.as_ptr(), input.len() as _);
        }
        Some(parser)
    }
}

impl Drop for Parser {
    fn drop(&mut self) {
        unsafe { y::yaml_parser_delete(self.0.as_mut_ptr()) }
    }
}

struct Event(MaybeUninit<y::yaml_event_t>);

impl Drop for Event {
    fn drop(&mut self) {
        unsafe { y::yaml_event_delete(self.0.as_mut_ptr()) }
    }
}

unsafe fn bytes<'a>(pointer: *const u8, length: usize) -> &'a [u8] {
    if pointer.is_null() {
        &[]
    } else {
        std::slice::from_raw_parts(pointer, length)
    }
}

unsafe fn c_bytes<'a>(pointer: *const u8) -> Option<&'a [u8]> {
    if pointer.is_null() {
        None
    } else {
        Some(std::ffi::CStr::from_ptr(pointer as *const std::ffi::c_char).to_bytes())
    }
}

enum Frame<'py> {
    Sequence {
        data: Bound<'py, PyList>,
        children: Bound<'py, PyList>,
        line: usize,
        column: usize,
    },
    Mapping {
        data: Bound<'py, PyDict>,
        children: Bound<'py, PyDict>,
        line: usize,
        column: usize,
        key: Option<(Bound<'py, PyString>, usize, usize)>,
    },
}

struct Reader<'py> {
    py: Python<'py>,
    construct: Bound<'py, PyAny>,
    keys: HashMap<Vec<u8>, Bound<'py, PyString>>, // one string object per distinct key or short value
    tags: [Bound<'py, PyString>; 3],              // tag names for `construct`
}

impl<'py> Reader<'py> {
    fn text(&self, v: &[u8]) -> Result<Bound<'py, PyString>, Stop> {
        let text = std::str::from_utf8(v).map_err(|_| Decline)?;
        Ok(PyString::new(self.py, text))
    }

    fn key(&mut self, v: &[u8]) -> Result<Bound<'py, PyString>, Stop> {
        if let Some(key) = self.keys.get(v) {
            return Ok(key.clone());
        }
        let key = self.text(v)?;
        if v.len() <= 64 {
            self.keys.insert(v.to_vec(), key.clone());
        }
        Ok(key)
    }

    /// A value as `policypack.loader._scalar` makes it: the fast cases here, the
    /// others through `construct(tag, text)` (PyYAML's SafeConstructor).
    fn value(&mut self, tag: Tag, v: &[u8]) -> Result<Bound<'py, PyAny>, Stop> {
        let py = self.py;
        let index = match tag {
            // Short strings repeat (`TCP`, `Always`, label values): one object each.
            Tag::Str | Tag::Merge if v.len() <= SHARED_VALUE_LENGTH => return Ok(self.key(v)?.into_any()),
            Tag::Str | Tag::Merge => return Ok(self.text(v)?.into_any()),
            Tag::Null => return Ok(py.None().into_bound(py)),
            Tag::Bool => {
                if v.len() <= 5 {
                    match v.to_ascii_lowercase().as_slice() {
                        b"yes" | b"true" | b"on" => return Ok(true.into_pyobject(py)?.to_owned().into_any()),
                        b"no" | b"false" | b"off" => return Ok(false.into_pyobject(py)?.to_owned().into_any()),
                        _ => {}
                    }
                }
                0
            }
            Tag::Int => {
                let digits = v.strip_prefix(b"-").unwrap_or(v);
                if v == b"0" || (!digits.is_empty() && digits.len() <= 18 && digits[0] != b'0' && digits.iter().all(|c| digit(*c))) {
                    // Plain decimal without underscores: what int() would give.
                    let number: i64 = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()).ok_or(Decline)?;
                    return Ok(number.into_pyobject(py)?.into_any());
                }
                1
            }
            Tag::Float => 2,
        };
        let text = self.text(v)?;
        // A value the constructor cannot read is an error the pure reader reports;
        // KeyboardInterrupt and the like go up.
        self.construct.call1((self.tags[index].clone(), text)).map_err(|error| {
            if error.is_instance_of::<pyo3::exceptions::PyException>(self.py) {
                Stop::Decline
            } else {
                Stop::Error(error)
            }
        })
    }

    fn read(&mut self, input: &[u8]) -> Result<Bound<'py, PyList>, Stop> {
        let py = self.py;
        let documents = PyList::empty(py);
        let parser = Parser::new(input).ok_or(Decline)?;
        let parser_ptr = parser.0.as_ptr() as *mut y::yaml_parser_t;
        let mut stack: Vec<Frame<'py>> = Vec::new();
        let mut root: Option<(Bound<'py, PyAny>, Bound<'py, PyTuple>, usize)> = None;
        loop {
            let mut event = Event(MaybeUninit::uninit());
            unsafe {
                if !y::yaml_parser_parse(parser_ptr, event.0.as_mut_ptr()).ok {
                    // libyaml leaves the event empty (nothing to delete) on failure.
                    std::mem::forget(event);
                    return Err(Stop::Decline);
                }
            }
            let e = unsafe { event.0.assume_init_ref() };
            let line = e.start_mark.line as usize + 1;
            let column = e.start_mark.column as usize + 1;
            // What the event completes: a value and its children (None for a scalar).
            let completed: Option<(Bound<'py, PyAny>, Bound<'py, PyAny>, usize, usize)> = match e.type_ {
                y::YAML_STREAM_END_EVENT => break,
                y::YAML_STREAM_START_EVENT | y::YAML_DOCUMENT_START_EVENT => None,
                y::YAML_DOCUMENT_END_EVENT => {
                    let (data, tree, end_line) = root.take().ok_or(Decline)?;
                    let end_line = end_line.into_pyobject(py)?.into_any();
                    documents.append(PyTuple::new(py, [data, tree.into_any(), end_line])?)?;
                    None
                }
                y::YAML_ALIAS_EVENT => return Err(Stop::Decline),
                y::YAML_SCALAR_EVENT => {
                    let s = unsafe { e.data.scalar };
                    if !s.anchor.is_null() {
                        return Err(Stop::Decline);
                    }
                    let v = unsafe { bytes(s.value, s.length as usize) };
                    let tag = match unsafe { c_bytes(s.tag) } {
                        None | Some(b"!") if s.plain_implicit => resolve_plain(v),
                        None | Some(b"!") => Tag::Str,
                        Some(tag) => explicit(tag),
                    };
                    if let Some(Frame::Mapping { key: key @ None, .. }) = stack.last_mut() {
                        if tag == Tag::Merge {
                            return Err(Stop::Decline);
                        }
                        // Keys are the scalar's text, as Kubernetes reads them.
                        let text = self.key(v)?;
                        *key = Some((text, line, column));
                        continue;
                    }
                    if stack.len() > MAX_DEPTH {
                        return Err(Stop::Decline);
                    }
                    Some((self.value(tag, v)?, py.None().into_bound(py), line, column))
                }
                y::YAML_SEQUENCE_START_EVENT | y::YAML_MAPPING_START_EVENT => {
                    let anchor = unsafe {
                        if e.type_ == y::YAML_SEQUENCE_START_EVENT {
                            e.data.sequence_start.anchor
                        } else {
                            e.data.mapping_start.anchor
                        }
                    };
                    if !anchor.is_null() || stack.len() >= MAX_DEPTH {
                        return Err(Stop::Decline);
                    }
                    if let Some(Frame::Mapping { key: None, .. }) = stack.last() {
                        return Err(Stop::Decline); // a mapping or list as a key
                    }
                    stack.push(if e.type_ == y::YAML_SEQUENCE_START_EVENT {
                        Frame::Sequence { data: PyList::empty(py), children: PyList::empty(py), line, column }
                    } else {
                        Frame::Mapping {
                            data: PyDict::new(py),
                            children: PyDict::new(py),
                            line,
                            column,
                            key: None,
                        }
                    });
                    continue;
                }
                y::YAML_SEQUENCE_END_EVENT | y::YAML_MAPPING_END_EVENT => match stack.pop() {
                    Some(Frame::Sequence { data, children, line, column }) => {
                        Some((data.into_any(), children.into_any(), line, column))
                    }
                    Some(Frame::Mapping { data, children, line, column, .. }) => {
                        Some((data.into_any(), children.into_any(), line, column))
                    }
                    None => return Err(Stop::Decline),
                },
                _ => return Err(Stop::Decline),
            };
            let Some((value, below, node_line, node_column)) = completed else { continue };
            let tree = |line: usize, column: usize| PyTuple::new(py, [line.into_pyobject(py)?.into_any(), column.into_pyobject(py)?.into_any(), below.clone()]);
            match stack.last_mut() {
                // The document's root, and the line where it ends.
                None => root = Some((value, tree(node_line, node_column)?, e.end_mark.line as usize + 1)),
                // A list item is placed on the item.
                Some(Frame::Sequence { data, children, .. }) => {
                    data.append(value)?;
                    children.append(tree(node_line, node_column)?)?;
                }
                // A mapping value is placed on its key.
                Some(Frame::Mapping { data, children, key, .. }) => {
                    let (key, key_line, key_column) = key.take().ok_or(Decline)?;
                    if data.contains(&key)? {
                        return Err(Stop::Decline); // a duplicate key: reported by the pure reader
                    }
                    data.set_item(&key, value)?;
                    children.set_item(&key, tree(key_line, key_column)?)?;
                }
            }
        }
        if !stack.is_empty() || root.is_some() {
            return Err(Stop::Decline);
        }
        Ok(documents)
    }
}

#[pyfunction]
fn load<'py>(py: Python<'py>, text: &Bound<'py, PyString>, construct: Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyList>>> {
    let Ok(input) = text.to_str() else { return Ok(None) };
    let tags = ["tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"]
        .map(|t| PyString::intern(py, t));
    let mut reader = Reader { py, construct, keys: HashMap::new(), tags };
    match reader.read(input.as_bytes()) {
        Ok(documents) => Ok(Some(documents)),
        Err(Stop::Decline) => Ok(None),
        Err(Stop::Error(error)) => Err(error),
    }
}

/// The tag PyYAML's resolver gives a plain scalar, for the tests.
#[pyfunction]
fn resolve(value: &str) -> &'static str {
    match resolve_plain(value.as_bytes()) {
        Tag::Null => "null",
        Tag::Bool => "bool",
        Tag::Int => "int",
        Tag::Float => "float",
        Tag::Merge => "merge",
        Tag::Str => "str",
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(resolve, m)?)?;
    Ok(())
}
