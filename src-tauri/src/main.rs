fn main() { mrv_desk::run() }
