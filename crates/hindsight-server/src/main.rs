//! The `hindsight` binary.

use clap::Parser;

// jemalloc rather than glibc's malloc: requests that allocate much for a moment (the NLU
// export of 100,000 examples) left glibc holding the freed memory for good. At 100,000
// conversations, three such exports then five seconds of wrk: 435 MB resident with glibc,
// 104 MB with jemalloc, which hands freed pages back to the system after a few seconds.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    hindsight_server::cli::init_tracing();
    match hindsight_server::cli::Cli::parse().run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
