fn main() -> std::process::ExitCode {
    jingzhun::cli::main()
}
