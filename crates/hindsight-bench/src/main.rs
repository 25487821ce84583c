//! The `hindsight-bench` binary (`just bench`): measures the server at scale and writes
//! `bench/RESULTS.md`. See the library's docs for what is measured.
//!
//! `hindsight-bench serve …` is the `hindsight` command line itself (`hindsight serve …`, from
//! `hindsight_server`): the bench starts it as its child server when no `--server-exe` is given.

use clap::Parser;
use hindsight_bench::BenchOptions;

// The `hindsight` binary's allocator: the bench imports the demo data in its own process
// (`hindsight_server::demo::load`, as `hindsight demo-data` does), and with glibc's malloc that
// import measured half of what the product's binary does (100,000 conversations: 49,375
// events/s in the bench, 84,752 - 96,995 with `hindsight demo-data`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Measure Hindsight: demo conversations in fresh SQLite and PostgreSQL databases, every
/// figure over HTTP next to hand-written SQL, and a Markdown report.
#[derive(Debug, Parser)]
#[command(name = "hindsight-bench", version, about)]
struct Cli {
    #[command(flatten)]
    opts: BenchOptions,
}

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let result = if args.get(1).is_some_and(|a| a == "serve") {
        serve(args)
    } else {
        hindsight_bench::run(&Cli::parse_from(args).opts, &[]).map(drop)
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs `serve` as the `hindsight` binary would, with the same logging.
fn serve(mut args: Vec<std::ffi::OsString>) -> anyhow::Result<()> {
    hindsight_server::cli::init_tracing();
    args[0] = "hindsight".into();
    hindsight_server::cli::Cli::parse_from(args).run()
}
