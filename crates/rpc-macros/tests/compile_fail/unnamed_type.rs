struct Lda;

#[rpc_macros::rpc_target]
impl (Lda,) {
    fn ping(&self) {}
}

fn main() {}
