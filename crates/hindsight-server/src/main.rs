//! The `hindsight` binary.

use clap::Parser;

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
