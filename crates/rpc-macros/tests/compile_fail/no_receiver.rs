struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    #[rpc(name = "make")]
    fn new() -> Self {
        Lda
    }
}

fn main() {}
