//! Rebuilds the server when a migration changes: `embed_migrations!` (`db::connection`) reads
//! the SQL files while compiling, and cargo would not otherwise know of them, so an edited
//! migration would be left out of the binary until some Rust file changed.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
