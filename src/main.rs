// galley builds and drops many small trees (syntax, values, provenance); mimalloc serves
// that pattern markedly faster than the system allocator, on every command.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    galley::cli::main()
}
