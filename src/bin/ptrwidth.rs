// Parsing allocates and frees millions of small nodes from every worker thread at once;
// glibc's allocator spends a third of the run on that, mimalloc a fraction of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ptrwidth::cli::main_standalone()
}
