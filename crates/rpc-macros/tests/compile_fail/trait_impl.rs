struct Lda;
trait Driver {
    fn ping(&self);
}

#[rpc_macros::rpc_target]
impl Driver for Lda {
    fn ping(&self) {}
}

fn main() {}
