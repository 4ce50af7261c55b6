struct Lda;

#[rpc_macros::rpc_target]
impl Lda {
    fn set_attenuation(&mut self, db: f64) {
        let _ = db;
    }
}

fn main() {}
