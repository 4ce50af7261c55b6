struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    fn new(&self) -> i64 {
        1
    }
}

fn main() {}
