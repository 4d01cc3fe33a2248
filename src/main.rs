fn main() {
    println!("galley");
}
