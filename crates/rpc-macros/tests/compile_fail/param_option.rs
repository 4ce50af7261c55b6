struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    fn echo(&self, #[rpc(optional)] x: i64) -> i64 {
        x
    }
}

fn main() {}
