struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    fn sum(&self, #[rpc(varargs, default = Vec::new())] rest: Vec<i64>) -> i64 {
        rest.iter().sum()
    }
}

fn main() {}
