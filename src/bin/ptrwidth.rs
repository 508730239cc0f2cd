fn main() -> std::process::ExitCode {
    ptrwidth::cli::main_standalone()
}
