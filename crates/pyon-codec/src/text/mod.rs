//! Python's text forms of values, for everything that shows values to people as Python would:
//! `repr`, `pprint.pformat`, numpy's `repr` of arrays and scalars, and the reading of Python's
//! number and string literals.
//!
//! - [`repr`] and [`str_repr`]: `repr(v)` as CPython 3.11 writes it ([`float_repr`] for a float
//!   alone); numpy arrays and scalars as numpy 2 writes them (`array([1., 2.])`,
//!   `np.float64(1.5)`).
//! - [`pformat`] and [`pformat_width`]: `pprint.pformat(v)`, with dicts sorted by key.
//! - [`number_literal`] and [`string_literal`]: one Python literal at the start of a text, as
//!   the PYON v1 decoder reads it.
//! - [`write_json_str`] and [`write_json_float`]: the PYON v2 encoder's own leaf writers, for
//!   encoders that walk another object model (the Python module of pyon-python).
//!
//! ```
//! use pyon_codec::{dict, text, tuple};
//!
//! let v = dict! {"b" => tuple![1.5, "x"], "a" => 1e16};
//! assert_eq!(text::repr(&v), "{'b': (1.5, 'x'), 'a': 1e+16}");
//! assert_eq!(text::pformat(&v), "{'a': 1e+16, 'b': (1.5, 'x')}");
//! assert_eq!(text::pformat_width(&v, 20), "{'a': 1e+16,\n 'b': (1.5, 'x')}");
//! ```

mod json;
mod literal;
mod numpy;
mod order;
mod pprint;
mod repr;
pub(crate) mod scalar;

pub use crate::construct::MAX_INT_DIGITS;
pub use json::{write_json_float, write_json_str};
pub use literal::{number_literal, string_literal};
pub use pprint::{PPRINT_WIDTH, pformat, pformat_width};
pub use repr::{repr, str_repr};
pub use scalar::float_repr;
