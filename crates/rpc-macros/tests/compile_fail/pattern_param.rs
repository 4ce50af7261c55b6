struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    fn add(&self, (a, b): (i64, i64)) -> i64 {
        a + b
    }
}

fn main() {}
