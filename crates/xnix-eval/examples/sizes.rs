//! Print the sizes of the evaluator's core types (for keeping them small).
fn main() {
    use std::mem::size_of;
    println!("Value {}", size_of::<xnix_eval::Value>());
    println!("Attr {}", size_of::<xnix_eval::Attr>());
    println!("ThunkState {}", size_of::<xnix_eval::ThunkState>());
    println!("Thunk {}", size_of::<xnix_eval::Thunk>());
    println!("Env {}", size_of::<xnix_eval::Env>());
    println!("Attrs {}", size_of::<xnix_eval::Attrs>());
    println!("NixString {}", size_of::<xnix_eval::NixString>());
}
