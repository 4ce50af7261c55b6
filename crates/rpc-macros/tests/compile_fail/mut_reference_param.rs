struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    fn bump(&self, x: &mut i64) {
        *x += 1;
    }
}

fn main() {}
