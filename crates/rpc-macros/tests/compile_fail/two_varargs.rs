struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    fn sum(&self, #[rpc(varargs)] a: Vec<i64>, #[rpc(varargs)] b: Vec<i64>) -> usize {
        a.len() + b.len()
    }
}

fn main() {}
