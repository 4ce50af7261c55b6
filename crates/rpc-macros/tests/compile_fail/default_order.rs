struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    fn add(&self, #[rpc(default = 1)] a: i64, b: i64) -> i64 {
        a + b
    }
}

fn main() {}
