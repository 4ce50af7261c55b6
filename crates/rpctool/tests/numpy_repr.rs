//! numpy's `repr` of arrays and scalars (`pyon_codec::repr`), on arrays written as `sipyco_rpctool`
//! arguments: the arguments a user types and the texts the Python tool would print.

use rpctool::expr::evaluate;

fn show(text: &str) -> String {
    pyon_codec::repr(&evaluate(text).unwrap())
}

/// Expected texts of numpy 2.4's `repr`, written from numpy's printing rules (`arrayprint.py`);
/// the printer itself is checked against numpy's own output by pyon-codec's
/// `tests/python_tables.rs`.
#[test]
fn arrays_like_numpy() {
    let cases = [
        ("np.array([1.0, 2.0])", "array([1., 2.])"),
        ("np.array([1.5, 10.25])", "array([ 1.5 , 10.25])"),
        ("np.array([-1.0, 2.0])", "array([-1.,  2.])"),
        ("np.array([1/3])", "array([0.33333333])"),
        ("np.array([1e-5, 1.0])", "array([1.e-05, 1.e+00])"),
        ("np.array([1e-5, 1.5])", "array([1.0e-05, 1.5e+00])"),
        ("np.array([1e10])", "array([1.e+10])"),
        ("np.array([float('nan'), 1.0])", "array([nan,  1.])"),
        ("np.array([float('-inf'), 1.5])", "array([-inf,  1.5])"),
        ("np.array([1, 10, 100])", "array([  1,  10, 100])"),
        ("np.array([-1, 10])", "array([-1, 10])"),
        (
            "np.array([1, 2], dtype=np.uint8)",
            "array([1, 2], dtype=uint8)",
        ),
        (
            "np.array([0.1], dtype=np.float32)",
            "array([0.1], dtype=float32)",
        ),
        ("np.array([1+2j, 3-4.5j])", "array([1.+2.j , 3.-4.5j])"),
        ("np.array(5)", "array(5)"),
        ("np.array(1.0)", "array(1.)"),
        ("np.array(True)", "array(True)"),
        ("np.array(['a', 'bc'])", "array(['a', 'bc'], dtype='<U2')"),
        ("np.array([], dtype=int)", "array([], dtype=int64)"),
        ("np.zeros((0, 3))", "array([], shape=(0, 3), dtype=float64)"),
        ("np.float64(1e16)", "np.float64(1e+16)"),
        ("np.int32(5)", "np.int32(5)"),
        ("np.bool_(1)", "np.True_"),
        ("np.complex128(1+2j)", "np.complex128(1+2j)"),
        ("np.float32(0.1)", "np.float32(0.1)"),
    ];
    for (text, want) in cases {
        assert_eq!(show(text), want, "{text}");
    }
}

#[test]
fn wrapping_and_summary() {
    assert_eq!(
        show("np.arange(30)"),
        "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n       \
         17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])"
    );
    assert_eq!(
        show("np.arange(2000)"),
        "array([   0,    1,    2, ..., 1997, 1998, 1999], shape=(2000,))"
    );
    assert_eq!(
        show("np.arange(20, dtype='int32')"),
        "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n       \
         17, 18, 19], dtype=int32)"
    );
    assert_eq!(
        show("np.array([[1.5, 2], [3, 4]])"),
        "array([[1.5, 2. ],\n       [3. , 4. ]])"
    );
}
