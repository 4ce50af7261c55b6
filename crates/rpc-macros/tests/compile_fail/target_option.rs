struct Lda;

#[rpc_macros::rpc_target(annotation)]
impl Lda {
    fn ping(&self) {}
}

fn main() {}
