struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    #[rpc(hidden)]
    fn ping(&self) {}
}

fn main() {}
