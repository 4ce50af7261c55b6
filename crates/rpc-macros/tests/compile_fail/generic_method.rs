struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    fn echo<T>(&self, x: T) -> T {
        x
    }
}

fn main() {}
