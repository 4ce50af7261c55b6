//! Properties of mods on arbitrary structures: applying never panics and is atomic; the wire
//! form round-trips in both PYON versions.

use proptest::prelude::*;
use pyon_codec::{Dict, Value, Version};
use sync_struct::{Mod, process_mod};

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..5).prop_map(Value::Int),
        any::<i64>().prop_map(Value::Int),
        (-1e6f64..1e6).prop_map(Value::Float),
        "[a-c]{0,2}".prop_map(Value::from),
    ]
}

fn key() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-4i64..4).prop_map(Value::Int),
        "[a-c]".prop_map(Value::from),
        Just(Value::Bool(true)),
        Just(Value::Float(1.0)),
        (-3i64..3, -3i64..3).prop_map(|(a, b)| Value::slice(a.into(), b.into(), Value::None)),
        Just(Value::slice(Value::None, Value::None, Value::Int(-2))),
        Just(Value::slice(Value::None, Value::None, Value::Int(0))),
        Just(Value::List(vec![])),
    ]
}

fn structure() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Tuple),
            prop::collection::vec(("[a-c]".prop_map(Value::from), inner), 0..4)
                .prop_map(|pairs| Value::Dict(Dict::from_pairs(pairs))),
        ]
    })
}

fn a_mod() -> impl Strategy<Value = Mod> {
    let path = || prop::collection::vec(key(), 0..3);
    prop_oneof![
        (path(), structure()).prop_map(|(path, x)| Mod::Append { path, x }),
        (path(), -6i64..6, scalar()).prop_map(|(path, i, x)| Mod::Insert { path, i, x }),
        (path(), key()).prop_map(|(path, i)| Mod::Pop { path, i }),
        (path(), key(), structure()).prop_map(|(path, key, value)| Mod::SetItem {
            path,
            key,
            value
        }),
        (path(), key()).prop_map(|(path, key)| Mod::DelItem { path, key }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn applying_never_panics_and_is_atomic(target in structure(), m in a_mod()) {
        let mut t = target.clone();
        if process_mod(&mut t, &m).is_err() {
            prop_assert_eq!(t, target);
        }
    }

    #[test]
    fn mods_round_trip_on_the_wire(m in a_mod()) {
        for version in [Version::V1, Version::V2] {
            // Values PYON cannot carry (none here) would be an encoding error, never a panic.
            let line = m.encode(version).unwrap();
            prop_assert!(!line.contains('\n'));
            prop_assert_eq!(Mod::decode(&line, version).unwrap(), m.clone());
        }
    }
}
