fn main() -> std::process::ExitCode {
    galley::cli::main()
}
